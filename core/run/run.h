/*
 * What every job's run shares: the options of `borderlab run`, the job
 * interface (bl_job_t: one row per job in the job table, jobs/jobs.c), and
 * the steps a run takes whatever its job (the progress meter, the run's
 * identity in the results file, the commit).
 *
 * A run: jobs/jobs.c loads the scenario against the job table, picks the
 * job's row, refuses options the job does not take, opens the results
 * writer (a temporary name), calls the row's run, which writes its tables
 * and commits, and prints the summary read back from the file (the row's
 * summary and print).  A risk_validation run may end with failed rollout
 * gates (its own or --fail-under): the results file is still written in
 * full, the summary printed, and the run returns BL_RUN_GATE_FAILED.
 */
#ifndef BL_RUN_H
#define BL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/progress.h"
#include "results/results.h"
#include "scenario/scenario.h"

struct cJSON;

typedef struct bl_run_options {
    const char *scenario_path;
    const char *output; /* NULL: results/<scenario name>.h5 */
    size_t n_sets;      /* --set key=value */
    const char *const *set_keys;
    const char *const *set_values;
    const char *plugin_override[BL_ROLE_COUNT]; /* --plugin role=spec, NULL when not given */
    bool plugin_append[BL_ROLE_COUNT];          /* given as role+=spec: added to a detector_bench's
                                                   detectors or a risk_validation's models */
    int isolation; /* --isolation process|none (plugin/loader.h's modes), 0 when not given */
    size_t n_plugin_config; /* --plugin-config KEY=VALUE: for the plugin(s) --plugin names */
    const char *const *plugin_config_keys;
    const char *const *plugin_config_values;
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

/* What a run returns when it finished and its results file was written
 * but a rollout gate failed: positive, so it is neither success nor any
 * BL_E* error code.  err then holds one line per failed gate,
 * "gate precision@5 of borderlab.logistic: 0.183 is 0.807 short of 0.99"
 * (risk_validation.h: bl_risk_gate_failures).  `borderlab run` exits with
 * status 3 for it. */
#define BL_RUN_GATE_FAILED 1

/* What a run returns when it finished and wrote a complete results file,
 * but the verdict on a plugin is INVALID (results.h,
 * bl_results_plugin_verdict): err holds one line per such plugin.  It wins
 * over a failed gate.  `borderlab run` exits with status 4 for it. */
#define BL_RUN_PLUGIN_INVALID 2

/*
 * --plugin ROLE=X and ROLE+=X on a job's list of plugins (*list, *n, owned
 * by the scenario): X, configured by --plugin-config, replaces the list
 * (the scenario's configuration belongs to its own plugins) or is added
 * after it (at most max in all); then --isolation applies to every one.
 * Nothing changes when --plugin does not name role.  0, BL_EINVAL (too
 * many, a bad --plugin-config) or BL_ENOMEM.
 */
int bl_run_plugin_list(const bl_run_options_t *opts, int role, bl_plugin_ref_t **list, size_t *n,
                       size_t max, bl_error_t *err);

/* Apply --plugin-config to a reference --plugin made (bl_plugin_ref_configure
 * for each pair); BL_EINVAL names the option. */
int bl_run_plugin_config(const bl_run_options_t *opts, bl_plugin_ref_t *ref, bl_error_t *err);

/* Commit the results file of a finished run: BL_RUN_PLUGIN_INVALID (err
 * set) when a plugin's verdict is INVALID, else what the commit returns. */
int bl_run_commit(bl_results_writer_t **writerp, bl_error_t *err);

/* The run options a job may take beyond the common ones (bl_job_t.options). */
enum {
    BL_JOB_TAKES_SWEEP = 1u << 0, /* --sweep */
    BL_JOB_TAKES_GATES = 1u << 1, /* --fail-under, --baseline */
    BL_JOB_TAKES_LIST = 1u << 2   /* --plugin ROLE+=X: its plugins are a list */
};

/*
 * One row of the job table: everything borderlab knows of a job, so that
 * adding a job is a folder and a row (CONTRIBUTING.md, "Adding a job").
 */
typedef struct bl_job {
    /* The scenario language's side: bl.<name>{...}, its converter and
     * the release of its settings (scenario/scenario_convert.h). */
    const struct bl_scenario_kind *scenario;
    /* The one plugin role --plugin may replace (BL_ROLE_*), -1 for any,
     * and what the job runs of it, for the refusal ("detectors"). */
    int plugin_role;
    const char *runs;
    unsigned options; /* BL_JOB_TAKES_* */
    /*
     * Run sc (loaded; modified by the command line's overrides, which the
     * job applies itself) with opts, write every table into *writerp and
     * commit it (*writerp is NULL afterwards, committed or not).  Returns
     * 0, BL_RUN_GATE_FAILED (committed; err holds the gate lines) or a
     * BL_E* code with err filled (the caller aborts the writer).
     */
    int (*run)(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
               bl_error_t *err);
    /* Add the job's part of the summary to o from the open results file
     * (an hid_t; fname names it in messages).  Returns 0, BL_EHDF5 or
     * BL_ENOMEM. */
    int (*summary)(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
    /* Print a summary the job built (results/summary.h) for people. */
    void (*print)(const struct cJSON *summary, FILE *fp);
} bl_job_t;

/* ------------------------------------------------------------------ for jobs */

/* A job that runs once and writes its own tables (detector_bench,
 * risk_validation, store_soak): what bl_run_job needs to know of it.  res
 * is the job's result struct, owned by the caller. */
typedef struct bl_run_step {
    double total;                        /* progress meter: units of work expected; 0: unknown */
    const char *done_label, *rate_label; /* progress meter: "of scans", "detector calls" */
    int (*run)(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress, void *res,
               bl_error_t *err);
    int (*write)(bl_results_writer_t *w, const bl_run_t *run, const void *res, bl_error_t *err);
} bl_run_step_t;

/* Run step into res under the progress meter (unless opts->quiet), then
 * write the results file and commit it (*writerp is NULL after a commit,
 * successful or not).  Returns 0 or a BL_E* code with err filled. */
int bl_run_job(const bl_scenario_t *sc, const bl_run_options_t *opts, const bl_run_step_t *step,
               void *res, bl_results_writer_t **writerp, bl_error_t *err);

/* Fill run->host and run->start_time (now, ISO 8601 UTC). */
void bl_run_info_fill(bl_run_t *run);

/* The worker threads of a run: opts->threads, else one per processor. */
unsigned bl_run_threads(const bl_run_options_t *opts);

#endif
