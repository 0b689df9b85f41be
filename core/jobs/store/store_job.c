/*
 * The store_soak job's row of the job table (run/run.h): its scenario
 * language (scenario_soak.c), the run with --plugin applied, the writer
 * (soak_results.c) and the summary (soak_summary.c).
 */
#include <stdlib.h>
#include <string.h>

#include "jobs/store/store_soak.h"
#include "run/run.h"

/* --plugin store=X replaces the store (configured by --plugin-config only:
 * the scenario's configuration belongs to its own store). */
static int override_store(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    const char *spec = opts->plugin_override[BL_ROLE_STORE];
    if (spec == NULL)
        return 0;
    char *copy = strdup(spec);
    if (copy == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    bl_plugin_ref_t *ref = &bl_store_soak_of(sc)->store;
    bl_plugin_ref_fini(ref);
    ref->spec = copy;
    return bl_run_plugin_config(opts, ref, err);
}

/* --isolation applies to the store. */
static void override_isolation(bl_scenario_t *sc, const bl_run_options_t *opts) {
    if (opts->isolation != 0)
        bl_store_soak_of(sc)->store.isolation = opts->isolation;
}

static int run_step(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress, void *res,
                    bl_error_t *err) {
    return bl_store_soak_run(sc, threads, progress, res, err);
}

static int write_step(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                      bl_error_t *err) {
    return bl_soak_results_write(w, run, res, err);
}

static int run(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
               bl_error_t *err) {
    int rc = override_store(sc, opts, err);
    if (rc != 0)
        return rc;
    override_isolation(sc, opts);
    bl_soak_result_t *res = calloc(1, sizeof *res);
    if (res == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    /* The meter counts operations done of the total and operations per second. */
    const bl_run_step_t step = {(double)bl_store_soak_of(sc)->operations, "of operations",
                                "store operations", run_step, write_step};
    rc = bl_run_job(sc, opts, &step, res, writerp, err);
    bl_soak_result_fini(res);
    free(res);
    return rc;
}

const bl_job_t bl_job_store_soak = {
    .scenario = &bl_store_soak_kind,
    .plugin_role = BL_ROLE_STORE,
    .runs = "a seizure store",
    .options = 0,
    .run = run,
    .summary = bl_soak_summary_json,
    .print = bl_soak_summary_text,
};
