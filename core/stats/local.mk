# core/stats: random streams, distributions, statistics, detection and ranking metrics (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/detection_metrics.c %reldir%/detection_metrics.h %reldir%/dist.c %reldir%/dist.h \
	%reldir%/histogram.c %reldir%/histogram.h %reldir%/inference.c %reldir%/inference.h \
	%reldir%/risk_metrics.c %reldir%/risk_metrics.h %reldir%/rng.c %reldir%/rng.h \
	%reldir%/special.c %reldir%/special.h %reldir%/stats.c %reldir%/stats.h
