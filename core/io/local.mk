# core/io: CSV records, image replay, scan sets (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/csv_reader.c %reldir%/csv_reader.h %reldir%/replay.c %reldir%/replay_annotations.c \
	%reldir%/replay_internal.h %reldir%/scan_io.h %reldir%/scan_writer.c
