# core/plugin: the loader, host services, built-in plugins and conformance checks (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/builtin_plugins.c %reldir%/builtin_plugins.h %reldir%/conformance.c \
	%reldir%/conformance.h %reldir%/host_protocol.c %reldir%/host_protocol.h %reldir%/host_services.c \
	%reldir%/isolated.c %reldir%/isolated.h %reldir%/loader.c %reldir%/loader.h \
	%reldir%/sandbox.c %reldir%/sandbox.h

# The plugin host process: one isolated plugin per process (isolated.h), installed beside borderlab.
bin_PROGRAMS += borderlab-plugin-host
borderlab_plugin_host_SOURCES = %reldir%/plugin_host.c
borderlab_plugin_host_LDADD = libborderlab.la
borderlab_plugin_host_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
