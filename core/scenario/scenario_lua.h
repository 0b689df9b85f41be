/*
 * Loading a scenario: run the Lua file in a sandbox with the `bl` module
 * (C bindings plus the embedded lua/borderlab prelude) and turn the table
 * it returns into a bl_scenario_t.  Lua describes; after this returns no
 * Lua state is left.
 *
 * Sandbox: no os.execute, io.*, package.loadlib, C-module require, load of
 * binary chunks, dofile/loadfile or debug library; math.random draws from
 * the host RNG stream (seed, 0, BL_STREAM_SCENARIO).  A script error is
 * reported as "path:line: message" with BL_ELUA.
 */
#ifndef BL_SCENARIO_LUA_H
#define BL_SCENARIO_LUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "scenario/scenario.h"

struct bl_scenario_kind;
struct bl_ctor;
struct bl_field;

typedef struct bl_scenario_options {
    /* The jobs a script may return, NULL-ended (jobs/jobs.h has them all);
     * borrowed, and kept in the scenario (sc->kinds). */
    const struct bl_scenario_kind *const *kinds;
    size_t n_sets; /* --set key=value pairs */
    const char *const *set_keys;
    const char *const *set_values;
    bool has_seed; /* --seed given: overrides the scenario's seed */
    uint64_t seed;
    /* Called for every field a converter reads (NULL: none); the test that
     * the Lua allow-lists and the C readers agree counts them (fields.h). */
    void (*on_read)(void *ud, const struct bl_ctor *ctor, const struct bl_field *field);
    void *on_read_ud;
} bl_scenario_options_t;

/*
 * Load the scenario at path into *sc (zeroed by the caller; release with
 * bl_scenario_free_contents, also after a failure).  opts->kinds is
 * required: the script must return the constructor of one of them.  A
 * --set key that the scenario does not declare as a parameter is BL_EINVAL
 * with a message listing the known parameters.
 */
int bl_scenario_load(bl_scenario_t *sc, const char *path, const bl_scenario_options_t *opts,
                     bl_error_t *err);

#endif
