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

/* --plugin detector=X replaces the detectors list, detector+=X adds X
 * after them (a vendor beside the reference detectors, in the same run);
 * --isolation applies to every detector (run/run.h). */
static int override_detectors(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    bl_detector_bench_t *b = bl_detector_bench_of(sc);
    return bl_run_plugin_list(opts, BL_ROLE_DETECTOR, &b->detectors, &b->n_detectors, 64, err);
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
