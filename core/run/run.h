/*
 * `borderlab run`: load a scenario, load its plugins, run the replications
 * on a thread pool, write the results file (temporary name, renamed when
 * complete) and print the summary read back from that file.
 *
 * A risk_validation run may end with failed rollout gates (its own or
 * --fail-under): the results file is still written in full, the summary
 * printed, and bl_run returns BL_RUN_GATE_FAILED instead of 0.
 */
#ifndef BL_RUN_H
#define BL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "scenario/scenario.h"

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
    /* checkpoint only: */
    size_t n_sweeps;           /* --sweep KEY=V1,V2,... (repeatable: a grid) */
    const char *const *sweeps; /* KEY is station.field (xray.servers) or a parameter name */
    /* risk_validation only (refused for other jobs): */
    size_t n_fail_under;           /* --fail-under [MODEL:]METRIC=VALUE, repeatable */
    const char *const *fail_under; /* added to the scenario's gates */
    const char *baseline;          /* --baseline FILE.h5, NULL when not given */
} bl_run_options_t;

/* What bl_run returns when the run finished and its results file was
 * written but a rollout gate failed: positive, so it is neither success
 * nor any BL_E* error code.  err then holds one line per failed gate,
 * "gate precision@5 of borderlab.logistic: 0.183 is 0.807 short of 0.99"
 * (risk_validation.h: bl_risk_gate_failures).  `borderlab run` exits with
 * status 3 for it. */
#define BL_RUN_GATE_FAILED 1

/* Run; returns 0, BL_RUN_GATE_FAILED, or a BL_E* code with err filled.  On
 * a BL_E* failure no results file is left under the output name. */
int bl_run(const bl_run_options_t *opts, bl_error_t *err);

/*
 * The same for a scenario already built (tests, or a caller that makes one
 * without Lua): opts->scenario_path, n_sets and has_seed are ignored (sc
 * has its seed; set it first).  sc is borrowed but modified by the
 * overrides (--plugin, --fail-under, --baseline go into it); the caller
 * still frees it.  sc->path (plugin specs are relative to its folder; may
 * be NULL: the current folder) and sc->name (the default output) should be
 * set.
 */
int bl_run_scenario(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err);

#endif
