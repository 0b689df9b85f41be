/* The job table and what needs every job: see jobs.h. */
#include "jobs/jobs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/paths.h"
#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/detector/detector_bench.h"
#include "jobs/risk/risk_validation.h"
#include "jobs/store/store_soak.h"
#include "results/summary.h"
#include "scenario/scenario_convert.h"

#define DEFAULT_RESULTS_DIR "results"

/* ------------------------------------------------------------------ the table */

/* One row per job, in the order help and messages list them. */
static const bl_job_t *const job_table[] = {
    &bl_job_checkpoint, &bl_job_detector_bench, &bl_job_risk_validation, &bl_job_store_soak, NULL,
};

/* The scenario kinds of the rows above, in the same order. */
static const bl_scenario_kind_t *const kind_table[] = {
    &bl_checkpoint_kind,
    &bl_detector_bench_kind,
    &bl_risk_validation_kind,
    &bl_store_soak_kind,
    NULL,
};

const bl_job_t *const *bl_jobs(void) { return job_table; }

const bl_scenario_kind_t *const *bl_jobs_kinds(void) { return kind_table; }

const bl_job_t *bl_job_find(const char *name) {
    for (size_t i = 0; name != NULL && job_table[i] != NULL; i++)
        if (strcmp(job_table[i]->scenario->name, name) == 0)
            return job_table[i];
    return NULL;
}

const bl_job_t *bl_job_of(const bl_scenario_t *sc) {
    for (size_t i = 0; sc->kind != NULL && job_table[i] != NULL; i++)
        if (job_table[i]->scenario == sc->kind)
            return job_table[i];
    return NULL;
}

/* "checkpoint, detector_bench, ..." into buf; returns buf. */
static const char *job_names(char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; job_table[i] != NULL && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 job_table[i]->scenario->name);
    return buf;
}

/* The first job that takes the run option `option` (BL_JOB_TAKES_*). */
static const char *job_taking(unsigned option) {
    for (size_t i = 0; job_table[i] != NULL; i++)
        if (job_table[i]->options & option)
            return job_table[i]->scenario->name;
    return "no";
}

int bl_jobs_load_scenario(bl_scenario_t *sc, const char *path, const bl_scenario_options_t *opts,
                          bl_error_t *err) {
    bl_scenario_options_t o;
    memset(&o, 0, sizeof o);
    if (opts != NULL)
        o = *opts;
    if (o.kinds == NULL)
        o.kinds = kind_table;
    return bl_scenario_load(sc, path, &o, err);
}

/* ------------------------------------------------------------------ run */

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

/* The command line's options that sc's job does not take: refused before
 * anything runs, saying which job takes them. */
static int refuse_options(const bl_scenario_t *sc, const bl_job_t *job,
                          const bl_run_options_t *opts, bl_error_t *err) {
    const char *path = sc->path ? sc->path : "the scenario";
    const char *name = job->scenario->name;
    bool gates = opts->n_fail_under > 0 || opts->baseline != NULL;
    if (gates && !(job->options & BL_JOB_TAKES_GATES))
        return bl_error_set(err, BL_EINVAL, "%s%s: only a %s scenario takes them; %s is not one",
                            opts->n_fail_under > 0 ? "--fail-under" : "--baseline",
                            opts->n_fail_under > 0 && opts->baseline ? " and --baseline" : "",
                            job_taking(BL_JOB_TAKES_GATES), path);
    if (opts->n_sweeps > 0 && !(job->options & BL_JOB_TAKES_SWEEP))
        return bl_error_set(err, BL_EINVAL,
                            "--sweep %s: only a %s scenario takes it; %s is not one",
                            opts->sweeps[0], job_taking(BL_JOB_TAKES_SWEEP), path);
    for (int r = 0; job->plugin_role >= 0 && r < BL_ROLE_COUNT; r++)
        if (r != job->plugin_role && opts->plugin_override[r] != NULL)
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s=%s: %s is a %s, which runs %s only: give --plugin "
                                "%s=FILE.so",
                                bl_role_name(r), opts->plugin_override[r], path, name, job->runs,
                                bl_role_name(job->plugin_role));
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (opts->plugin_append[r] && !(job->options & BL_JOB_TAKES_LIST))
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s+=%s: %s is a %s, which runs one %s: give --plugin "
                                "%s=FILE.so to replace it",
                                bl_role_name(r), opts->plugin_override[r], path, name,
                                bl_role_name(r), bl_role_name(r));
    if (job->scenario->free_settings != NULL && sc->settings == NULL)
        return bl_error_set(err, BL_EINVAL, "%s: a %s without its settings", path, name);
    return 0;
}

int bl_run_scenario(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    bl_results_writer_t *writer = NULL;
    char *output = NULL;
    char names[256];
    const bl_job_t *job = bl_job_of(sc);
    int rc = 0;
    if (job == NULL) {
        rc = bl_error_set(err, BL_EINVAL, "%s: not a job this borderlab runs (jobs: %s)",
                          sc->path ? sc->path : "scenario", job_names(names, sizeof names));
        goto out;
    }
    rc = refuse_options(sc, job, opts, err);
    if (rc != 0)
        goto out;
    output = opts->output ? strdup(opts->output) : default_output(sc, err);
    if (output == NULL) {
        rc = err->code != 0 ? err->code : bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    /* An output never replaces an input: the scenario, or the baseline. */
    const char *inputs[] = {sc->path, opts->baseline};
    const char *what[] = {"the scenario file", "the --baseline file"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++)
        if (bl_path_same_file(output, inputs[i])) {
            rc = bl_error_set(err, BL_EINVAL,
                              "output %s is %s: it would be overwritten; pass another -o "
                              "(nothing was written)",
                              output, what[i]);
            goto out;
        }
    /* The output folder is checked before anything runs. */
    rc = bl_results_open(&writer, output, err);
    if (rc != 0)
        goto out;
    rc = job->run(sc, opts, &writer, err);
    /* A failed gate decides the exit status only: the file and summary stand. */
    if (rc == 0 || rc == BL_RUN_GATE_FAILED || rc == BL_RUN_PLUGIN_INVALID) {
        bl_error_t perr;
        bl_error_clear(&perr);
        int prc = print_summary(output, opts, &perr);
        if (prc != 0) {
            bl_error_clear(err);
            rc = bl_error_set(err, prc, "%s", perr.message);
        }
    }
out:
    bl_results_abort(writer);
    free(output);
    return rc;
}

int bl_run(const bl_run_options_t *opts, bl_error_t *err) {
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    bl_scenario_options_t sopts = {kind_table,       opts->n_sets,   opts->set_keys,
                                   opts->set_values, opts->has_seed, opts->seed};
    int rc = bl_scenario_load(&sc, opts->scenario_path, &sopts, err);
    if (rc == 0)
        rc = bl_run_scenario(&sc, opts, err);
    bl_scenario_free_contents(&sc);
    return rc;
}

/* ------------------------------------------------------------------ summaries */

/* bl_summary_part_fn: the part of the file's job. */
static int job_part(const char *name, int64_t file, const char *fname, cJSON *o, bl_error_t *err) {
    /* Files from before jobs were named hold checkpoint runs. */
    const bl_job_t *job = bl_job_find(name != NULL ? name : "checkpoint");
    char names[256];
    if (job == NULL)
        return bl_error_set(err, BL_EINVAL,
                            "%s is a '%s' file, not the results of a run (borderlab show reads "
                            "those of the jobs %s): read it with h5dump or h5py",
                            fname, name, job_names(names, sizeof names));
    return job->summary(file, fname, o, err);
}

int bl_summary_load(const char *path, cJSON **out, bl_error_t *err) {
    return bl_summary_read(path, job_part, out, err);
}

/* The verdict on each plugin, when one ran isolated or is not valid. */
static void print_verdicts(const cJSON *summary, FILE *fp) {
    const cJSON *p, *plugins = cJSON_GetObjectItemCaseSensitive(summary, "plugins");
    bool any = false;
    cJSON_ArrayForEach(p, plugins) {
        any |= strcmp(bl_summary_text(p, "isolation"), "process") == 0 ||
               strcmp(bl_summary_text(p, "verdict"), "VALID") != 0;
    }
    if (!any)
        return;
    fprintf(fp, "  plugins:\n");
    cJSON_ArrayForEach(p, plugins) {
        const char *reason = bl_summary_text(p, "verdict_reason");
        fprintf(fp, "    %-8s %-32s %-7s %-7s", bl_summary_text(p, "role"),
                bl_summary_text(p, "id"), bl_summary_text(p, "isolation"),
                bl_summary_text(p, "verdict"));
        if (bl_summary_num(p, "failures") > 0 || bl_summary_num(p, "skipped") > 0)
            fprintf(fp, " %.0f failures to process, %.0f skipped (/plugin_failures)",
                    bl_summary_num(p, "failures"), bl_summary_num(p, "skipped"));
        fprintf(fp, "%s%s\n", reason[0] ? ": " : "", reason);
    }
}

void bl_summary_print_text(const cJSON *summary, FILE *fp) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(summary, "job");
    const bl_job_t *job = bl_job_find(cJSON_IsString(name) ? name->valuestring : "checkpoint");
    if (job != NULL)
        job->print(summary, fp);
    print_verdicts(summary, fp);
}
