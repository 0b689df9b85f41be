/*
 * The detector_bench job's row of the job table (run/run.h): its
 * scenario language (scenario_bench.c), the run with --plugin applied, the
 * writer (bench_results.c) and the summary (bench_summary.c).
 */
#include <stdlib.h>
#include <string.h>

#include "jobs/detector/bench_results.h"
#include "jobs/detector/detector_bench.h"
#include "run/run.h"

/* --plugin detector=X replaces the detectors list (configured by
 * --plugin-config only: the scenario's configuration belongs to its own
 * detectors); detector+=X adds X after them (a vendor beside the reference
 * detectors, in the same run).
 * --isolation then applies to every detector. */
static int override_detectors(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    const char *spec = opts->plugin_override[BL_ROLE_DETECTOR];
    bl_detector_bench_t *b = bl_detector_bench_of(sc);
    if (spec != NULL && opts->plugin_append[BL_ROLE_DETECTOR]) {
        bl_plugin_ref_t *grown = realloc(b->detectors, (b->n_detectors + 1) * sizeof *grown);
        if (grown == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        b->detectors = grown;
        memset(&grown[b->n_detectors], 0, sizeof *grown);
        if ((grown[b->n_detectors].spec = strdup(spec)) == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        b->n_detectors++;
        int rc = bl_run_plugin_config(opts, &grown[b->n_detectors - 1], err);
        if (rc != 0)
            return rc;
    } else if (spec != NULL) {
        bl_plugin_ref_t *one = calloc(1, sizeof *one);
        if (one == NULL || (one->spec = strdup(spec)) == NULL) {
            free(one);
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        }
        /* Free the scenario's list through the bench's own release, keeping
         * the rest of the bench. */
        bl_detector_bench_t old = *b;
        old.replay_folder = old.replay_annotations = NULL;
        bl_detector_bench_free_contents(&old);
        b->detectors = one;
        b->n_detectors = 1;
        int rc = bl_run_plugin_config(opts, one, err);
        if (rc != 0)
            return rc;
    }
    for (size_t d = 0; opts->isolation != 0 && d < b->n_detectors; d++)
        b->detectors[d].isolation = opts->isolation;
    return 0;
}

static int run_step(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress, void *res,
                    bl_error_t *err) {
    return bl_detector_bench_run(sc, threads, progress, res, err);
}

static int write_step(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                      bl_error_t *err) {
    return bl_bench_results_write(w, run, res, err);
}

static int run(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
               bl_error_t *err) {
    bl_bench_result_t res;
    memset(&res, 0, sizeof res);
    int rc = override_detectors(sc, opts, err);
    if (rc != 0)
        return rc;
    const bl_detector_bench_t *b = bl_detector_bench_of(sc);
    /* The meter counts scans done of the set and detector calls per second. */
    const bl_run_step_t step = {b->replay_folder ? 0 : (double)b->scans, "of scans",
                                "detector calls", run_step, write_step};
    rc = bl_run_job(sc, opts, &step, &res, writerp, err);
    bl_bench_result_fini(&res);
    return rc;
}

const bl_job_t bl_job_detector_bench = {
    .scenario = &bl_detector_bench_kind,
    .plugin_role = BL_ROLE_DETECTOR,
    .runs = "detectors",
    .options = BL_JOB_TAKES_LIST,
    .run = run,
    .summary = bl_bench_summary_json,
    .print = bl_bench_summary_text,
};
