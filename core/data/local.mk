# core/data: record batches as the host holds them (included by the top Makefile.am).
core_libborderlab_la_SOURCES += \
	%reldir%/records.c %reldir%/records.h
