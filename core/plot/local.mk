# core/plot: gnuplot plots of results files (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/plot.c %reldir%/plot.h %reldir%/plot_checkpoint.c %reldir%/plot_checkpoint.h \
	%reldir%/plot_internal.h %reldir%/plot_sweep.c
