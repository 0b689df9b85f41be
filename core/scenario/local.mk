# core/scenario: the scenario model and its Lua loader (included by the top Makefile.am).
libborderlab_la_SOURCES += \
	%reldir%/common_fields.c %reldir%/fields.c %reldir%/fields.h %reldir%/lua_bl.c \
	%reldir%/lua_bl.h %reldir%/plugin_limits.c %reldir%/prelude.c %reldir%/prelude.h \
	%reldir%/scenario.c \
	%reldir%/scenario.h %reldir%/scenario_convert.h %reldir%/scenario_lua.c \
	%reldir%/scenario_lua.h
