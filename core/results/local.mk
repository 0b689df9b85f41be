# core/results: the HDF5 results file and its summary (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/detector_tables.c %reldir%/detector_tables.h %reldir%/results.c %reldir%/results.h \
	%reldir%/results_internal.h %reldir%/results_job.c %reldir%/results_schema.c \
	%reldir%/results_schema.h %reldir%/summary.c %reldir%/summary.h %reldir%/writer.h
