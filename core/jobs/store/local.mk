# core/jobs/store: the store_soak job (seizure stores) (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/scenario_soak.c %reldir%/soak_results.c %reldir%/soak_summary.c %reldir%/storage.c \
	%reldir%/storage.h %reldir%/store_fields.c %reldir%/store_fields.h %reldir%/store_job.c \
	%reldir%/store_soak.c %reldir%/store_soak.h
