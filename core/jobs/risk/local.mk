# core/jobs/risk: the risk_validation job (model developers) (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/risk_fields.c %reldir%/risk_fields.h %reldir%/risk_gate.c %reldir%/risk_job.c \
	%reldir%/risk_results.c %reldir%/risk_results.h %reldir%/risk_source.c %reldir%/risk_summary.c \
	%reldir%/risk_validation.c %reldir%/risk_validation.h %reldir%/risk_validation_internal.h \
	%reldir%/scenario_risk.c
