# core/base: errors, file paths, the installed folders, the thread pool, the progress meter (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/datadir.c %reldir%/datadir.h %reldir%/error.c %reldir%/error.h %reldir%/paths.c \
	%reldir%/paths.h %reldir%/pool.c %reldir%/pool.h %reldir%/progress.c %reldir%/progress.h \
	%reldir%/shm.c %reldir%/shm.h
