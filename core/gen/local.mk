# core/gen: synthetic X-ray scans and declarations (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/declaration_gen.c %reldir%/declaration_gen.h %reldir%/declaration_internal.h \
	%reldir%/declaration_tables.c %reldir%/declaration_world.c %reldir%/xray.c %reldir%/xray.h \
	%reldir%/xray_internal.h %reldir%/xray_scene.c
