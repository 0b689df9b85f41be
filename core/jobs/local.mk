# core/jobs: the job table (included by the top Makefile.am; each job's
# folder has its own local.mk).
libborderlab_la_SOURCES += \
	%reldir%/jobs.c %reldir%/jobs.h
