# core/plugin: the loader, host services, built-in plugins and conformance checks (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/builtin_plugins.c %reldir%/builtin_plugins.h %reldir%/conformance.c \
	%reldir%/conformance.h %reldir%/host_services.c %reldir%/loader.c %reldir%/loader.h
