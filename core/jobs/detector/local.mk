# core/jobs/detector: the detector_bench job and compare (procurement) (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/bench_perf.c %reldir%/bench_perf.h %reldir%/bench_results.c %reldir%/bench_results.h \
	%reldir%/bench_summary.c %reldir%/compare.c %reldir%/compare.h %reldir%/compare_internal.h \
	%reldir%/compare_report.c %reldir%/detector_bench.c %reldir%/detector_bench.h \
	%reldir%/detector_fields.c %reldir%/detector_fields.h %reldir%/detector_job.c \
	%reldir%/scenario_bench.c
