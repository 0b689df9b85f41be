/*
 * Plugins compiled into the program rather than loaded from a file.  A
 * scenario or `borderlab plugin check` names one as "builtin:NAME"; the
 * loader (loader.c) validates its descriptor with the same checks as a
 * shared object's (steps 4-10 of loader.h), without dlopen.
 *
 *   builtin:noop   detector (borderlab.noop) that returns no detections and
 *                  touches no pixel: its timing is the harness's own
 *                  overhead per scan, reported beside a real detector's.
 */
#ifndef BL_BUILTIN_PLUGINS_H
#define BL_BUILTIN_PLUGINS_H

#include <stddef.h>

#include "borderlab/plugin.h"

/* The prefix that marks a plugin spec or path as built-in. */
#define BL_BUILTIN_PREFIX "builtin:"

/*
 * The constant descriptor of the built-in plugin `name` (without the
 * prefix: "noop"), or NULL when there is none.  The descriptor has static
 * storage: never free or modify it.
 */
const bl_plugin_t *bl_builtin_plugin(const char *name);

/* Name of the i-th built-in plugin (0-based), or NULL past the last: for
 * listing them in messages and help. */
const char *bl_builtin_plugin_name(size_t i);

/*
 * Write the built-in names as "builtin:noop, builtin:..." into buf
 * (capacity cap, always NUL-terminated when cap > 0, cut when too small).
 * Returns buf.
 */
char *bl_builtin_plugin_list(char *buf, size_t cap);

#endif
