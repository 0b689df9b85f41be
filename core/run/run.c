/* The steps every job's run shares: see run.h. */
#include "run/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/pool.h"
#include "base/progress.h"

void bl_run_info_fill(bl_run_t *run) {
    if (gethostname(run->host, sizeof run->host) != 0)
        snprintf(run->host, sizeof run->host, "unknown");
    run->host[sizeof run->host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(run->start_time, sizeof run->start_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

unsigned bl_run_threads(const bl_run_options_t *opts) {
    return opts->threads ? opts->threads : bl_pool_default_threads();
}

int bl_run_job(const bl_scenario_t *sc, const bl_run_options_t *opts, const bl_run_step_t *step,
               void *res, bl_results_writer_t **writerp, bl_error_t *err) {
    bl_progress_t progress = {0, 0, NULL};
    unsigned threads = bl_run_threads(opts);
    bl_run_t run;
    memset(&run, 0, sizeof run);
    bl_run_info_fill(&run);
    double t0 = bl_monotonic_seconds();
    bl_progress_meter_t *meter =
        bl_progress_start(&progress, step->total, step->done_label, step->rate_label, !opts->quiet);
    int rc = step->run(sc, threads, &progress, res, err);
    bl_progress_stop(meter);
    if (rc != 0)
        return rc;
    run.scenario = sc;
    run.n_reps = 1;
    run.threads = threads;
    run.command_line = opts->command_line;
    run.wall_seconds = bl_monotonic_seconds() - t0;
    rc = step->write(*writerp, &run, res, err);
    if (rc != 0)
        return rc;
    return bl_run_commit(writerp, err);
}

int bl_run_plugin_config(const bl_run_options_t *opts, bl_plugin_ref_t *ref, bl_error_t *err) {
    for (size_t i = 0; i < opts->n_plugin_config; i++) {
        int rc = bl_plugin_ref_configure(ref, opts->plugin_config_keys[i],
                                         opts->plugin_config_values[i], err);
        if (rc != 0) {
            bl_error_prefix(err, "--plugin-config");
            return rc;
        }
    }
    return 0;
}

int bl_run_plugin_list(const bl_run_options_t *opts, int role, bl_plugin_ref_t **list, size_t *n,
                       size_t max, bl_error_t *err) {
    const char *spec = opts->plugin_override[role];
    if (spec != NULL) {
        bool append = opts->plugin_append[role];
        if (append && *n >= max)
            return bl_error_set(err, BL_EINVAL,
                                "--plugin %s+=%s: the scenario has %zu already, the most one run "
                                "takes is %zu",
                                bl_role_name(role), spec, *n, max);
        bl_plugin_ref_t *grown = calloc(append ? *n + 1 : 1, sizeof *grown);
        char *copy = strdup(spec);
        if (grown == NULL || copy == NULL) {
            free(grown);
            free(copy);
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        }
        if (append && *n > 0)
            memcpy(grown, *list, *n * sizeof *grown);
        for (size_t i = 0; !append && i < *n; i++)
            bl_plugin_ref_fini(&(*list)[i]);
        free(*list);
        *list = grown;
        *n = append ? *n + 1 : 1;
        grown[*n - 1].spec = copy;
        int rc = bl_run_plugin_config(opts, &grown[*n - 1], err);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; opts->isolation != 0 && i < *n; i++)
        (*list)[i].isolation = opts->isolation;
    return 0;
}

int bl_run_commit(bl_results_writer_t **writerp, bl_error_t *err) {
    char invalid[1024];
    unsigned n_invalid = bl_results_invalid_plugins(*writerp, invalid, sizeof invalid);
    int rc = bl_results_commit(*writerp, err);
    *writerp = NULL;
    if (rc == 0 && n_invalid > 0)
        rc = bl_error_set(err, BL_RUN_PLUGIN_INVALID, "%s", invalid);
    return rc;
}
