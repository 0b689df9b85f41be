# core/jobs/checkpoint: the checkpoint job (planners) (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/arrival_replay.c %reldir%/arrival_replay.h %reldir%/checkpoint_fields.c \
	%reldir%/checkpoint_fields.h %reldir%/checkpoint_job.c %reldir%/checkpoint_metrics.c \
	%reldir%/checkpoint_metrics.h %reldir%/checkpoint_run.c %reldir%/checkpoint_run.h \
	%reldir%/results_checkpoint.c %reldir%/results_checkpoint.h \
	%reldir%/results_checkpoint_internal.h %reldir%/results_series.c \
	%reldir%/scenario_checkpoint.c %reldir%/scenario_checkpoint_internal.h \
	%reldir%/scenario_classes.c %reldir%/summary_checkpoint.c %reldir%/surrogate_file.c \
	%reldir%/surrogate_file.h %reldir%/sweep.c
