# core/data: record batches and scans as the host holds them (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/records.c %reldir%/records.h %reldir%/scan.c %reldir%/scan.h
