# core/run: borderlab run (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/run.c %reldir%/run.h
