/*
 * The risk_validation job's row of the job table (run/run.h): its scenario
 * language (scenario_risk.c), the run with --plugin, --fail-under and
 * --baseline applied, the writer (risk_results.c) and the summary
 * (risk_summary.c).
 */
#include <stdlib.h>
#include <string.h>

#include "jobs/risk/risk_results.h"
#include "jobs/risk/risk_validation.h"
#include "run/run.h"

/* --plugin risk=X replaces the models list, risk+=X adds a model (run/run.h);
 * --fail-under adds gates; --baseline names the file to compare with. */
static int overrides(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    bl_risk_validation_t *v = bl_risk_validation_of(sc);
    int rc = bl_run_plugin_list(opts, BL_ROLE_RISK, &v->models, &v->n_models, 16, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < opts->n_fail_under; i++) {
        if (v->n_gates >= BL_RISK_MAX_GATES)
            return bl_error_set(err, BL_EINVAL,
                                "--fail-under %s: at most %d gates in all (scenario and "
                                "command line)",
                                opts->fail_under[i], BL_RISK_MAX_GATES);
        rc = bl_risk_gate_parse(opts->fail_under[i], &v->gates[v->n_gates], err);
        if (rc != 0) {
            bl_error_prefix(err, "--fail-under");
            return rc;
        }
        v->n_gates++;
    }
    if (opts->baseline != NULL) {
        free(v->baseline);
        if ((v->baseline = strdup(opts->baseline)) == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

static int run_step(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress, void *res,
                    bl_error_t *err) {
    return bl_risk_validation_run(sc, threads, progress, res, err);
}

static int write_step(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                      bl_error_t *err) {
    return bl_risk_results_write(w, run, res, err);
}

/* A finished run whose gates failed returns BL_RUN_GATE_FAILED with their
 * lines in err: the file is written and the summary still printed. */
static int run(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
               bl_error_t *err) {
    bl_risk_result_t res;
    memset(&res, 0, sizeof res);
    int rc = overrides(sc, opts, err);
    if (rc != 0)
        return rc;
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    /* The meter counts declarations read and model scores per second. */
    const bl_run_step_t step = {v->csv_path ? 0 : (double)v->generator.records, "of declarations",
                                "model scores", run_step, write_step};
    rc = bl_run_job(sc, opts, &step, &res, writerp, err);
    if (rc == 0 && res.n_gates_failed > 0) {
        char text[sizeof err->message];
        bl_risk_gate_failures(&res, text, sizeof text);
        rc = bl_error_set(err, BL_RUN_GATE_FAILED, "%s", text);
    }
    bl_risk_result_fini(&res);
    return rc;
}

const bl_job_t bl_job_risk_validation = {
    .scenario = &bl_risk_validation_kind,
    .plugin_role = BL_ROLE_RISK,
    .runs = "risk models",
    .options = BL_JOB_TAKES_GATES | BL_JOB_TAKES_LIST,
    .run = run,
    .summary = bl_risk_summary_json,
    .print = bl_risk_summary_text,
};
