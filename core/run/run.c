/* The run command: see run.h. */
#include "run/run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jobs/detector/bench_results.h"
#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/detector/detector_bench.h"
#include "engine/engine.h"
#include "base/pool.h"
#include "base/progress.h"
#include "results/results.h"
#include "jobs/risk/risk_validation.h"
#include "scenario/scenario_lua.h"
#include "jobs/store/store_soak.h"
#include "results/summary.h"

#define DEFAULT_RESULTS_DIR "results"

/* Default output: results/<name>.h5, creating results/ when missing. */
static char *default_output(const bl_scenario_t *sc, bl_error_t *err) {
    if (mkdir(DEFAULT_RESULTS_DIR, 0777) != 0 && errno != EEXIST) {
        bl_error_set(err, BL_EIO, "cannot create the results folder %s: %s: pass -o PATH",
                     DEFAULT_RESULTS_DIR, strerror(errno));
        return NULL;
    }
    char *out = NULL;
    if (asprintf(&out, "%s/%s.h5", DEFAULT_RESULTS_DIR, sc->name) < 0) {
        bl_error_set(err, BL_ENOMEM, "out of memory");
        return NULL;
    }
    return out;
}

void bl_run_info_fill(bl_run_t *run) {
    if (gethostname(run->host, sizeof run->host) != 0)
        snprintf(run->host, sizeof run->host, "unknown");
    run->host[sizeof run->host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(run->start_time, sizeof run->start_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_summary(const char *path, const bl_run_options_t *opts, bl_error_t *err) {
    if (!opts->json && opts->quiet)
        return 0;
    cJSON *summary = NULL;
    int rc = bl_summary_load(path, &summary, err);
    if (rc != 0)
        return rc;
    if (opts->json)
        bl_summary_print_json(summary, stdout);
    else
        bl_summary_print_text(summary, stdout);
    cJSON_Delete(summary);
    return 0;
}

/* --plugin detector=X for a detector_bench: X replaces the detectors list
 * (with no configuration: the scenario's belongs to its own detectors). */
static int bench_override(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (r != BL_ROLE_DETECTOR && opts->plugin_override[r] != NULL)
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s=%s: %s is a detector_bench, which runs detectors "
                                "only: give --plugin detector=FILE.so",
                                bl_role_name(r), opts->plugin_override[r], sc->path);
    const char *spec = opts->plugin_override[BL_ROLE_DETECTOR];
    if (spec == NULL)
        return 0;
    bl_plugin_ref_t *one = calloc(1, sizeof *one);
    if (one == NULL || (one->spec = strdup(spec)) == NULL) {
        free(one);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    bl_detector_bench_t *b = sc->bench;
    /* Free the scenario's list through the bench's own release, keeping
     * the rest of the bench. */
    bl_detector_bench_t old = *b;
    old.replay_folder = old.replay_annotations = NULL;
    bl_detector_bench_free_contents(&old);
    b->detectors = one;
    b->n_detectors = 1;
    return 0;
}

/* A job that runs once and writes its own tables (detector_bench,
 * risk_validation): what run_job needs to know of it.  res is the job's
 * result struct, owned by the caller. */
typedef struct job {
    double total;                        /* progress meter: units of work expected; 0: unknown */
    const char *done_label, *rate_label; /* progress meter */
    int (*run)(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress, void *res,
               bl_error_t *err);
    int (*write)(bl_results_writer_t *w, const bl_run_t *run, const void *res, bl_error_t *err);
} job_t;

/* Run job into res under the progress meter, write the results file and
 * commit it (*writerp is NULL after a commit, successful or not). */
static int run_job(const bl_scenario_t *sc, const bl_run_options_t *opts, const job_t *job,
                   void *res, bl_results_writer_t **writerp, bl_error_t *err) {
    bl_progress_t progress = {0, 0, NULL};
    unsigned threads = opts->threads ? opts->threads : bl_pool_default_threads();
    bl_run_t run;
    memset(&run, 0, sizeof run);
    bl_run_info_fill(&run);
    double t0 = bl_monotonic_seconds();
    bl_progress_meter_t *meter =
        bl_progress_start(&progress, job->total, job->done_label, job->rate_label, !opts->quiet);
    int rc = job->run(sc, threads, &progress, res, err);
    bl_progress_stop(meter);
    if (rc != 0)
        return rc;
    run.scenario = sc;
    run.n_reps = 1;
    run.threads = threads;
    run.command_line = opts->command_line;
    run.wall_seconds = bl_monotonic_seconds() - t0;
    rc = job->write(*writerp, &run, res, err);
    if (rc != 0)
        return rc;
    rc = bl_results_commit(*writerp, err);
    *writerp = NULL;
    return rc;
}

static int bench_job_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                         void *res, bl_error_t *err) {
    return bl_detector_bench_run(sc, threads, progress, res, err);
}

static int bench_job_write(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                           bl_error_t *err) {
    return bl_bench_results_write(w, run, res, err);
}

static int run_bench(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
                     bl_error_t *err) {
    bl_bench_result_t res;
    memset(&res, 0, sizeof res);
    int rc = bench_override(sc, opts, err);
    if (rc != 0)
        return rc;
    /* The meter counts scans done of the set and detector calls per second. */
    const job_t job = {sc->bench->replay_folder ? 0 : (double)sc->bench->scans, "of scans",
                       "detector calls", bench_job_run, bench_job_write};
    rc = run_job(sc, opts, &job, &res, writerp, err);
    bl_bench_result_fini(&res);
    return rc;
}

/* --plugin risk=X for a risk_validation: X replaces the models list (with
 * no configuration, as for a detector_bench); --fail-under adds gates;
 * --baseline names the file to compare with. */
static int risk_overrides(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    bl_risk_validation_t *v = sc->risk;
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (r != BL_ROLE_RISK && opts->plugin_override[r] != NULL)
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s=%s: %s is a risk_validation, which runs risk models "
                                "only: give --plugin risk=FILE.so",
                                bl_role_name(r), opts->plugin_override[r], sc->path);
    const char *spec = opts->plugin_override[BL_ROLE_RISK];
    if (spec != NULL) {
        bl_plugin_ref_t *one = calloc(1, sizeof *one);
        if (one == NULL || (one->spec = strdup(spec)) == NULL) {
            free(one);
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        }
        /* Free the scenario's list through the job's own release, keeping
         * the rest of its settings. */
        bl_risk_validation_t old;
        memset(&old, 0, sizeof old);
        old.n_models = v->n_models;
        old.models = v->models;
        bl_risk_validation_free_contents(&old);
        v->models = one;
        v->n_models = 1;
    }
    for (size_t i = 0; i < opts->n_fail_under; i++) {
        if (v->n_gates >= BL_RISK_MAX_GATES)
            return bl_error_set(err, BL_EINVAL,
                                "--fail-under %s: at most %d gates in all (scenario and "
                                "command line)",
                                opts->fail_under[i], BL_RISK_MAX_GATES);
        int rc = bl_risk_gate_parse(opts->fail_under[i], &v->gates[v->n_gates], err);
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

static int risk_job_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                        void *res, bl_error_t *err) {
    return bl_risk_validation_run(sc, threads, progress, res, err);
}

static int risk_job_write(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                          bl_error_t *err) {
    return bl_risk_results_write(w, run, res, err);
}

/* A finished run whose gates failed sets *gates to their lines (heap). */
static int run_risk(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
                    char **gates, bl_error_t *err) {
    bl_risk_result_t res;
    memset(&res, 0, sizeof res);
    int rc = risk_overrides(sc, opts, err);
    if (rc != 0)
        return rc;
    /* The meter counts declarations read and model scores per second. */
    const job_t job = {sc->risk->csv_path ? 0 : (double)sc->risk->generator.records,
                       "of declarations", "model scores", risk_job_run, risk_job_write};
    rc = run_job(sc, opts, &job, &res, writerp, err);
    if (rc == 0 && res.n_gates_failed > 0) {
        char *text = malloc(sizeof err->message);
        if (text == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        bl_risk_gate_failures(&res, text, sizeof err->message);
        *gates = text;
    }
out:
    bl_risk_result_fini(&res);
    return rc;
}

static int soak_job_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                        void *res, bl_error_t *err) {
    return bl_store_soak_run(sc, threads, progress, res, err);
}

static int soak_job_write(bl_results_writer_t *w, const bl_run_t *run, const void *res,
                          bl_error_t *err) {
    return bl_soak_results_write(w, run, res, err);
}

/* --plugin store=X for a store_soak replaces its store (no configuration). */
static int run_soak(bl_scenario_t *sc, const bl_run_options_t *opts, bl_results_writer_t **writerp,
                    bl_error_t *err) {
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (r != BL_ROLE_STORE && opts->plugin_override[r] != NULL)
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s=%s: %s is a store_soak, which runs a seizure store "
                                "only: give --plugin store=FILE.so",
                                bl_role_name(r), opts->plugin_override[r], sc->path);
    const char *spec = opts->plugin_override[BL_ROLE_STORE];
    if (spec != NULL) {
        char *copy = strdup(spec);
        if (copy == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        bl_plugin_ref_t *ref = &sc->soak->store;
        for (size_t i = 0; i < ref->n_config; i++) {
            free(ref->config_keys[i]);
            free(ref->config_values[i]);
        }
        free(ref->config_keys);
        free(ref->config_values);
        free(ref->spec);
        memset(ref, 0, sizeof *ref);
        ref->spec = copy;
    }
    bl_soak_result_t *res = calloc(1, sizeof *res);
    if (res == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    /* The meter counts operations done of the total and operations per second. */
    const job_t job = {(double)sc->soak->operations, "of operations", "store operations",
                       soak_job_run, soak_job_write};
    int rc = run_job(sc, opts, &job, res, writerp, err);
    bl_soak_result_fini(res);
    free(res);
    return rc;
}

/* Options that only a risk_validation takes. */
static int risk_only_options(const bl_scenario_t *sc, const bl_run_options_t *opts,
                             bl_error_t *err) {
    if (sc->job == BL_JOB_RISK_VALIDATION)
        return sc->risk != NULL
                   ? 0
                   : bl_error_set(err, BL_EINVAL, "%s: a risk_validation without its settings",
                                  sc->path ? sc->path : "scenario");
    if (opts->n_fail_under > 0 || opts->baseline != NULL)
        return bl_error_set(err, BL_EINVAL,
                            "%s%s: only a risk_validation scenario takes them; %s is not one",
                            opts->n_fail_under > 0 ? "--fail-under" : "--baseline",
                            opts->n_fail_under > 0 && opts->baseline ? " and --baseline" : "",
                            sc->path ? sc->path : "the scenario");
    return 0;
}

/* Everything after the scenario is loaded. */
static int run_loaded(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    bl_results_writer_t *writer = NULL;
    char *output = NULL, *gates = NULL;
    int rc = 0;
    if (sc->job == BL_JOB_DETECTOR_BENCH && sc->bench == NULL) {
        rc = bl_error_set(err, BL_EINVAL, "%s: a detector_bench without its settings", sc->path);
        goto out;
    }
    if (sc->job == BL_JOB_STORE_SOAK && sc->soak == NULL) {
        rc = bl_error_set(err, BL_EINVAL, "%s: a store_soak without its settings", sc->path);
        goto out;
    }
    rc = risk_only_options(sc, opts, err);
    if (rc != 0)
        goto out;
    if (opts->n_sweeps > 0 && sc->job != BL_JOB_CHECKPOINT) {
        rc = bl_error_set(err, BL_EINVAL,
                          "--sweep %s: only a checkpoint scenario takes it; %s is not one",
                          opts->sweeps[0], sc->path ? sc->path : "the scenario");
        goto out;
    }
    output = opts->output ? strdup(opts->output) : default_output(sc, err);
    if (output == NULL) {
        rc = err->code != 0 ? err->code : bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    /* The output folder is checked before anything runs. */
    rc = bl_results_open(&writer, output, err);
    if (rc != 0)
        goto out;
    if (sc->job == BL_JOB_DETECTOR_BENCH)
        rc = run_bench(sc, opts, &writer, err);
    else if (sc->job == BL_JOB_RISK_VALIDATION)
        rc = run_risk(sc, opts, &writer, &gates, err);
    else if (sc->job == BL_JOB_STORE_SOAK)
        rc = run_soak(sc, opts, &writer, err);
    else
        rc = bl_checkpoint_run(sc, opts, &writer, err);
    if (rc == 0)
        rc = print_summary(output, opts, err);
    /* The gate decides the exit status only: the file and summary stand. */
    if (rc == 0 && gates != NULL)
        rc = bl_error_set(err, BL_RUN_GATE_FAILED, "%s", gates);

out:
    bl_results_abort(writer);
    free(output);
    free(gates);
    return rc;
}

int bl_run_scenario(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    return run_loaded(sc, opts, err);
}

int bl_run(const bl_run_options_t *opts, bl_error_t *err) {
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    bl_scenario_options_t sopts = {opts->n_sets, opts->set_keys, opts->set_values, opts->has_seed,
                                   opts->seed};
    int rc = bl_scenario_load(&sc, opts->scenario_path, &sopts, err);
    if (rc == 0)
        rc = run_loaded(&sc, opts, err);
    bl_scenario_free_contents(&sc);
    return rc;
}
