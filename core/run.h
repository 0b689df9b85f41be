/*
 * `borderlab run`: load a scenario, load its plugins, run the replications
 * on a thread pool, write the results file (temporary name, renamed when
 * complete) and print the summary read back from that file.
 */
#ifndef BL_RUN_H
#define BL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "scenario.h"

typedef struct bl_run_options {
    const char *scenario_path;
    const char *output; /* NULL: results/<scenario name>.h5 */
    size_t n_sets;      /* --set key=value */
    const char *const *set_keys;
    const char *const *set_values;
    const char *plugin_override[BL_ROLE_COUNT]; /* --plugin role=spec, NULL when not given */
    bool has_seed;
    uint64_t seed;
    unsigned threads;         /* 0: one per processor */
    bool json;                /* print the JSON summary on stdout */
    bool quiet;               /* no progress line, no text summary */
    const char *command_line; /* recorded in the results */
} bl_run_options_t;

/* Run; returns 0 or a BL_E* code with err filled.  On failure no results
 * file is left under the output name. */
int bl_run(const bl_run_options_t *opts, bl_error_t *err);

#endif
