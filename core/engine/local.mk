# core/engine: the discrete-event engine (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/arrivals.c %reldir%/arrivals.h %reldir%/engine.c %reldir%/engine.h \
	%reldir%/engine_decide.c %reldir%/engine_internal.h %reldir%/engine_queue.c \
	%reldir%/engine_series.c %reldir%/engine_setup.c %reldir%/eventq.c %reldir%/eventq.h \
	%reldir%/surrogate.c %reldir%/surrogate.h
