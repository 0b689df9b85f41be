/* The Lua half of the scenario library, embedded at build time
 * (core/tools/embed_lua generates prelude.c from the lua/borderlab modules). */
#ifndef BL_PRELUDE_H
#define BL_PRELUDE_H

#include <stddef.h>

typedef struct bl_lua_module {
    const char *name;     /* "borderlab", "borderlab.dist"... */
    const char *filename; /* for error messages: lua/borderlab/init.lua */
    const char *source;
    size_t length;
} bl_lua_module_t;

/* Terminated by an entry whose name is NULL. */
extern const bl_lua_module_t bl_lua_prelude[];

#endif
