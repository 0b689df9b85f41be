/*
 * Converting the table a scenario returns into a bl_scenario_t: what a job
 * adds to the scenario language (bl_scenario_kind_t) and the helpers its
 * converter reads the Lua values with.  scenario_lua.c defines the helpers
 * and calls the converter of the job the script returned; each job's
 * converter lives in its folder (jobs/checkpoint/scenario_checkpoint.c,
 * jobs/detector/scenario_bench.c, jobs/risk/scenario_risk.c,
 * jobs/store/scenario_soak.c).
 *
 * Every function here runs inside the loader's protected conversion call:
 * a malformed value raises a Lua error (message "pre: what was wrong")
 * that the loader reports as BL_ELUA, so none of them returns a failure.
 * "pre" is the "src:line: constructor" prefix bl_conv_where builds.  Memory
 * they allocate is attached by the caller to the scenario at once, so
 * bl_scenario_free_contents releases it on every path.
 */
#ifndef BL_SCENARIO_CONVERT_H
#define BL_SCENARIO_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#include "scenario/fields.h"
#include "scenario/scenario.h"
#include "stats/dist.h"

/*
 * A job as the scenario language knows it: one per job, named by its row
 * of the job table (run/job.h).  The loader (scenario_lua.h) is handed the
 * list of them and calls the converter of the one whose constructor the
 * script returned.
 */
typedef struct bl_scenario_kind {
    /* "checkpoint": the script returns bl.checkpoint{...}; also the job
     * attribute of its results files. */
    const char *name;
    /* Fill sc from the job table at index job (sc->path, name, seed and
     * kind are set already); pre is "file:line: bl.<name>" for messages.
     * Raises a Lua error for a malformed value (see below); attaches
     * sc->settings first, so bl_scenario_free_contents releases what it
     * made on every path. */
    void (*convert)(lua_State *L, int job, bl_scenario_t *sc, const char *pre);
    /* Release sc->settings (NULL when the job keeps none). */
    void (*free_settings)(void *settings);
    /* The constructors the job adds to the language (its own first, then
     * those it takes inside), NULL-ended: their field tables (fields.h). */
    const struct bl_ctor *const *ctors;
} bl_scenario_kind_t;

/* Raise the formatted message as a Lua error; does not return. */
int bl_conv_fail(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Raise "out of memory" (BL_ENOMEM, left pending in the context); does
 * not return. */
int bl_conv_nomem(lua_State *L);

/* calloc of n (at least 1) elements of size; raises on failure.  The
 * caller owns the result. */
void *bl_conv_alloc(lua_State *L, size_t n, size_t size);

/* The kind of the bl object at idx ("station"...), or NULL (borrowed:
 * kept alive by the object's metatable). */
const char *bl_conv_tag(lua_State *L, int idx);

/* Push t[name] (raw) and return its type. */
int bl_conv_field(lua_State *L, int t, const char *name);

/* "src:line: what" for the bl object at idx into out (n bytes); "path:
 * what" when the line is unknown (a constructor called in a tail call, as
 * in `return bl.checkpoint{...}`, has no caller frame left to read it
 * from). */
void bl_conv_where(lua_State *L, int idx, const char *what, char *out, size_t n);

/* A short rendering of the value at idx for messages ("abc", 2.5, a
 * table); pushed on the stack, valid while it stays there. */
const char *bl_conv_show(lua_State *L, int idx);

/* A string field of the object's own making (its kind, its constructor:
 * the fields a script writes are read with the readers below); NULL when
 * nil (borrowed: valid while t is alive). */
const char *bl_conv_str_field(lua_State *L, int t, const char *name, const char *pre);

/* strdup that raises on out of memory; the caller owns the result. */
char *bl_conv_dup(lua_State *L, const char *s);

/* The value at idx (a distribution or a number) into *out; what names it
 * in messages. */
void bl_conv_dist_value(lua_State *L, int idx, const char *pre, const char *what, bl_dist_t *out);

/* Push "a, b, c" (the n strings names[i]) and return it (valid while it
 * stays on the stack). */
const char *bl_conv_push_names(lua_State *L, char *const *names, size_t n);

/* Push "firearm, knife, ..." (xray.h's names) and return it (valid while
 * it stays on the stack). */
const char *bl_conv_push_threat_list(lua_State *L);

/* The bl.plugin object at idx into *ref (fields attached as they are
 * made, so the owner's free releases them on every path).  what names the
 * field in the message when idx holds something else ("plugins.detector",
 * "detectors[2]"); jpre is the job's prefix. */
void bl_conv_plugin_ref(lua_State *L, int idx, bl_plugin_ref_t *ref, const char *jpre,
                        const char *what);

/* path as given when absolute (or when the scenario is in the current
 * folder), else joined to the scenario's folder: the files a scenario
 * names are found the same way whatever folder borderlab runs from.  The
 * caller owns the result (attach it at once); raises on out of memory. */
char *bl_conv_path(lua_State *L, const char *scenario, const char *path);

/* ------------------------------------------------------------------ reading fields */

/*
 * Reading the fields of a table a script built (a constructor's object, or
 * a table inside one such as warmup = {...}) through its constructor's
 * table.  Every reader runs inside the loader's protected conversion call:
 * a malformed value raises a Lua error ("pre: what was wrong"), which the
 * loader reports with the file:line; so none of them returns a failure.
 * A name the table does not list raises an internal error naming the
 * table: the converter and the table disagree.
 *
 *   bl_check_*   required: absent is "pre: name= is required: <doc>"
 *   bl_opt_*     optional: absent gives the table's default
 *   bl_has       whether the field is given (not nil)
 *   bl_push      push the raw value (checked name) and return its Lua type
 */
typedef struct bl_fields {
    lua_State *L;
    int t;                 /* absolute stack index of the table */
    const bl_ctor_t *ctor; /* its constructor's table */
    const char *pre;       /* "file:line: bl.station 'xray'": messages start with it */
} bl_fields_t;

bl_fields_t bl_fields(lua_State *L, int t, const bl_ctor_t *ctor, const char *pre);

bool bl_has(const bl_fields_t *f, const char *name);
int bl_push(const bl_fields_t *f, const char *name);

/* A finite number. */
double bl_check_number(const bl_fields_t *f, const char *name);
double bl_opt_number(const bl_fields_t *f, const char *name);

/* A whole number from min to max. */
long long bl_check_integer(const bl_fields_t *f, const char *name, long long min, long long max);
long long bl_opt_integer(const bl_fields_t *f, const char *name, long long min, long long max);

/* true or false. */
bool bl_opt_boolean(const bl_fields_t *f, const char *name);

/* A string (borrowed: valid while the table is alive); bl_opt_string gives
 * NULL when absent (a text default is the converter's to apply: the table
 * documents it). */
const char *bl_check_string(const bl_fields_t *f, const char *name);
const char *bl_opt_string(const bl_fields_t *f, const char *name);

/* A string, or the table's default text when absent: for fields whose
 * default is a value ("seconds", "wilson"), not a description. */
const char *bl_opt_text(const bl_fields_t *f, const char *name);

/* A distribution (a bl.* distribution object, or a number meaning
 * bl.deterministic(number)) into *out (uninitialised; the caller attaches
 * it).  bl_opt_dist: absent gives deterministic(default) when the table's
 * default is a number, else leaves *out zeroed (kind 0: none). */
void bl_check_dist(const bl_fields_t *f, const char *name, bl_dist_t *out);
void bl_opt_dist(const bl_fields_t *f, const char *name, bl_dist_t *out);

/* The table's default of a distribution field, deterministic(default),
 * into *out; false (nothing made) when the default is not a number. */
bool bl_default_dist(const bl_fields_t *f, const char *name, bl_dist_t *out);

/* The numbers of a list default such as "{1, 16, 64}" into out (at most
 * max); returns how many. */
size_t bl_opt_default_list(const bl_fields_t *f, const char *name, double *out, size_t max);

#endif
