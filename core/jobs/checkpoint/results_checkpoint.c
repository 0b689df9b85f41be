/* The checkpoint tables of a results file: see results_checkpoint.h.  The
 * pooled tables (stations, replications, system, summary, classes,
 * contraband) are here; the series tables (queue, hourly, waits) are in
 * results_series.c.  Sweeps are at the end. */
#include "jobs/checkpoint/results_checkpoint.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "jobs/checkpoint/checkpoint_metrics.h"
#include "jobs/checkpoint/results_checkpoint_internal.h"
#include "results/results_schema.h"
#include "results/writer.h"
#include "stats/histogram.h"
#include "stats/stats.h"

/* ------------------------------------------------------------------ shared helpers */

bl_interval_t bl_results_interval(double *x, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            x[k++] = x[i];
    if (k == 0) {
        bl_interval_t none = {NAN, NAN, NAN, NAN};
        return none;
    }
    return bl_mean_interval(x, k, BL_RESULTS_CI_LEVEL);
}

double bl_results_quantile(const bl_histogram_t *h, double q) {
    return h->count ? bl_histogram_quantile(h, q) : NAN;
}

int bl_results_group_path(bl_results_writer_t *w, char *dst, size_t size, const char *group,
                          const bl_results_table_t *t, bl_error_t *err) {
    if (snprintf(dst, size, "%s/%s", group, bl_results_table_name(t)) >= (int)size)
        return bl_error_set(err, BL_EINVAL, "results file %s: group %s: path too long",
                            bl_results_temp_path(w), group);
    return 0;
}

static int write_in(bl_results_writer_t *w, const bl_results_table_t *t, const char *group,
                    size_t nrows, const void *rows, bl_error_t *err) {
    char path[320];
    int rc = bl_results_group_path(w, path, sizeof path, group, t, err);
    return rc != 0 ? rc : bl_results_write_table_locked(w, t, path, nrows, rows, err);
}

static double safe_div(double a, double b) { return b > 0 ? a / b : NAN; }

/* ------------------------------------------------------------------ stations, replications */

static void replication_row(bl_replication_row_t *rr, const bl_station_def_t *def,
                            const bl_replication_result_t *rep, const bl_station_stats_t *st) {
    double win = bl_replication_window(rep);
    rr->replication = rep->replication;
    bl_results_copy_text(rr->station, sizeof rr->station, def->name);
    rr->arrivals = st->arrivals;
    rr->served = st->served;
    rr->in_system = st->in_system;
    rr->decisions_yes = st->yes;
    rr->wait_mean = bl_station_wait_mean(st);
    rr->wait_p50 = bl_results_quantile(&st->waits, 0.50);
    rr->wait_p90 = bl_results_quantile(&st->waits, 0.90);
    rr->wait_p95 = bl_results_quantile(&st->waits, 0.95);
    rr->wait_p99 = bl_results_quantile(&st->waits, 0.99);
    rr->utilisation = bl_station_utilisation(st);
    rr->mean_queue = safe_div(st->queue_area, win);
    rr->max_queue = st->max_queue;
    rr->reneged = st->reneged;
    rr->officer_hours = st->capacity_area / 3600.0;
    rr->all_arrivals = st->all_arrivals;
    rr->all_departures = st->all_departures;
}

static int write_stations(bl_results_writer_t *w, const bl_scenario_t *sc,
                          const bl_replication_result_t *reps, size_t nr, const char *group,
                          bl_error_t *err) {
    size_t ns = sc->n_stations;
    int rc = 0;
    bl_station_row_t *rows = calloc(ns ? ns : 1, sizeof *rows);
    bl_replication_row_t *rrows = calloc(ns * nr > 0 ? ns * nr : 1, sizeof *rrows);
    double *waits = calloc(nr ? nr : 1, sizeof *waits);
    double *utils = calloc(nr ? nr : 1, sizeof *utils);
    bl_histogram_t *merged = malloc(sizeof *merged);
    if (rows == NULL || rrows == NULL || waits == NULL || utils == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t s = 0; s < ns; s++) {
        const bl_station_def_t *def = &sc->stations[s];
        bl_station_row_t *row = &rows[s];
        double queue_sum = 0, officer_sum = 0;
        size_t queue_n = 0, officer_n = 0;
        bl_results_copy_text(row->station, sizeof row->station, def->name);
        bl_results_copy_text(row->kind, sizeof row->kind, bl_station_kind_name(def->kind));
        row->servers = def->servers;
        bl_histogram_init(merged);
        for (size_t i = 0; i < nr; i++) {
            const bl_replication_result_t *rep = &reps[i];
            bl_replication_row_t *rr = &rrows[i * ns + s];
            if (s >= rep->n_stations) {
                waits[i] = utils[i] = NAN;
                rr->replication = rep->replication;
                bl_results_copy_text(rr->station, sizeof rr->station, def->name);
                continue;
            }
            const bl_station_stats_t *st = &rep->stations[s];
            replication_row(rr, def, rep, st);
            row->arrivals += st->arrivals;
            row->served += st->served;
            row->in_system += st->in_system;
            row->decisions_yes += st->yes;
            row->reneged += st->reneged;
            if (st->max_queue > row->max_queue)
                row->max_queue = st->max_queue;
            bl_histogram_merge(merged, &st->waits);
            waits[i] = rr->wait_mean;
            utils[i] = rr->utilisation;
            if (!isnan(rr->mean_queue)) {
                queue_sum += rr->mean_queue;
                queue_n++;
            }
            officer_sum += rr->officer_hours;
            officer_n++;
        }
        bl_interval_t wi = bl_results_interval(waits, nr);
        bl_interval_t ui = bl_results_interval(utils, nr);
        row->wait_mean = wi.estimate;
        row->wait_ci_low = wi.low;
        row->wait_ci_high = wi.high;
        row->wait_p50 = bl_results_quantile(merged, 0.50);
        row->wait_p90 = bl_results_quantile(merged, 0.90);
        row->wait_p95 = bl_results_quantile(merged, 0.95);
        row->wait_p99 = bl_results_quantile(merged, 0.99);
        row->wait_max = merged->count ? merged->max : NAN;
        row->utilisation = ui.estimate;
        row->utilisation_ci_low = ui.low;
        row->utilisation_ci_high = ui.high;
        row->mean_queue = queue_n ? queue_sum / (double)queue_n : NAN;
        row->officer_hours = officer_n ? officer_sum / (double)officer_n : NAN;
    }
    rc = write_in(w, &bl_results_stations_table, group, ns, rows, err);
    if (rc == 0)
        rc = write_in(w, &bl_results_replications_table, group, ns * nr, rrows, err);
out:
    free(rows);
    free(rrows);
    free(waits);
    free(utils);
    free(merged);
    return rc;
}

/* ------------------------------------------------------------------ system, summary */

static void system_row(bl_system_row_t *row, const bl_scenario_t *sc,
                       const bl_replication_result_t *rep) {
    double win = bl_replication_window(rep);
    row->replication = rep->replication;
    row->entities = rep->entities;
    row->completed = rep->completed;
    row->total_arrivals = rep->total_arrivals;
    row->sojourn_mean = rep->sojourn.count ? rep->sojourn_sum / (double)rep->sojourn.count : NAN;
    row->sojourn_p50 = bl_results_quantile(&rep->sojourn, 0.50);
    row->sojourn_p90 = bl_results_quantile(&rep->sojourn, 0.90);
    row->sojourn_p95 = bl_results_quantile(&rep->sojourn, 0.95);
    row->sojourn_p99 = bl_results_quantile(&rep->sojourn, 0.99);
    row->mean_in_system = safe_div(rep->system_area, win);
    row->throughput = safe_div((double)rep->entities, win);
    row->littles_ratio = safe_div(row->mean_in_system, row->throughput * row->sojourn_mean);
    row->window_start = rep->window_start;
    row->window_end = rep->window_end;
    row->end_time = rep->end_time;
    row->events = rep->events;
    row->carriers = rep->carriers;
    row->selected = rep->selected;
    row->alarms = rep->alarms;
    row->searches = rep->searches;
    row->seizures = rep->seizures;
    row->missed = rep->missed;
    row->travellers = rep->travellers;
    row->false_alarms = rep->false_alarms;
    row->confirmed = rep->confirmed;
    row->overridden = rep->overridden;
    row->reneged = rep->reneged;
    row->total_departures = rep->total_departures;
    row->in_system_end = rep->in_system_end;
    row->officer_hours = bl_replication_officer_hours(rep);
}

/* The achieved half-width of the sequential stopping metric, NaN when the
 * scenario is not sequential or the metric cannot be computed. */
static double sequential_half_width(const bl_scenario_t *sc, const bl_replication_result_t *reps,
                                    size_t nr, double *scratch) {
    if (!sc->sequential.enabled || sc->sequential.metric == NULL)
        return NAN;
    for (size_t i = 0; i < nr; i++) {
        bl_error_t ignored;
        bl_error_clear(&ignored);
        if (bl_checkpoint_metric(sc, &reps[i], sc->sequential.metric, &scratch[i], &ignored) != 0)
            return NAN;
    }
    return bl_results_interval(scratch, nr).half_width;
}

static void set_interval(double *x, size_t n, double *mean, double *low, double *high) {
    bl_interval_t ci = bl_results_interval(x, n);
    *mean = ci.estimate;
    *low = ci.low;
    *high = ci.high;
}

static int write_system(bl_results_writer_t *w, const bl_scenario_t *sc,
                        const bl_replication_result_t *reps, size_t nr, const char *group,
                        bl_error_t *err) {
    int rc = 0;
    enum { SOJ, MIS, THR, SEIZ, FA, OFF, N_SERIES };
    bl_system_row_t *rows = calloc(nr ? nr : 1, sizeof *rows);
    double *x = calloc((nr ? nr : 1) * N_SERIES, sizeof *x);
    bl_histogram_t *merged = malloc(sizeof *merged);
    bl_summary_row_t sum;
    memset(&sum, 0, sizeof sum);
    if (rows == NULL || x == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
#define X(k, i) x[(size_t)(k)*nr + (i)]
    bl_histogram_init(merged);
    for (size_t i = 0; i < nr; i++) {
        const bl_replication_result_t *rep = &reps[i];
        bl_system_row_t *row = &rows[i];
        system_row(row, sc, rep);
        bl_histogram_merge(merged, &rep->sojourn);
        X(SOJ, i) = row->sojourn_mean;
        X(MIS, i) = row->mean_in_system;
        X(THR, i) = row->throughput;
        X(SEIZ, i) = (double)rep->seizures;
        X(FA, i) = (double)rep->false_alarms;
        X(OFF, i) = row->officer_hours;

        sum.entities += rep->entities;
        sum.carriers += rep->carriers;
        sum.selected += rep->selected;
        sum.alarms += rep->alarms;
        sum.searches += rep->searches;
        sum.seizures += rep->seizures;
        sum.missed += rep->missed;
        sum.events += rep->events;
        sum.travellers += rep->travellers;
        sum.false_alarms += rep->false_alarms;
        sum.confirmed += rep->confirmed;
        sum.overridden += rep->overridden;
        sum.reneged += rep->reneged;
    }
    rc = write_in(w, &bl_results_system_table, group, nr, rows, err);
    if (rc != 0)
        goto out;

    sum.replications = (uint32_t)nr;
    set_interval(&X(SOJ, 0), nr, &sum.sojourn_mean, &sum.sojourn_ci_low, &sum.sojourn_ci_high);
    set_interval(&X(MIS, 0), nr, &sum.mean_in_system, &sum.mean_in_system_ci_low,
                 &sum.mean_in_system_ci_high);
    set_interval(&X(THR, 0), nr, &sum.throughput, &sum.throughput_ci_low, &sum.throughput_ci_high);
    set_interval(&X(SEIZ, 0), nr, &sum.seizures_mean, &sum.seizures_ci_low, &sum.seizures_ci_high);
    set_interval(&X(FA, 0), nr, &sum.false_alarms_mean, &sum.false_alarms_ci_low,
                 &sum.false_alarms_ci_high);
    set_interval(&X(OFF, 0), nr, &sum.officer_hours, &sum.officer_hours_ci_low,
                 &sum.officer_hours_ci_high);
    sum.sojourn_p50 = bl_results_quantile(merged, 0.50);
    sum.sojourn_p90 = bl_results_quantile(merged, 0.90);
    sum.sojourn_p95 = bl_results_quantile(merged, 0.95);
    sum.sojourn_p99 = bl_results_quantile(merged, 0.99);
    sum.littles_ratio = safe_div(sum.mean_in_system, sum.throughput * sum.sojourn_mean);
    sum.half_width = sequential_half_width(sc, reps, nr, &X(SOJ, 0));
#undef X
    rc = write_in(w, &bl_results_summary_table, group, 1, &sum, err);
out:
    free(rows);
    free(x);
    free(merged);
    return rc;
}

/* ------------------------------------------------------------------ classes, contraband */

static int write_classes(bl_results_writer_t *w, const bl_scenario_t *sc,
                         const bl_replication_result_t *reps, size_t nr, const char *group,
                         bl_error_t *err) {
    size_t nc = sc->n_classes;
    int rc = 0;
    bl_class_row_t *rows = calloc(nc ? nc : 1, sizeof *rows);
    double *soj = calloc(nr ? nr : 1, sizeof *soj);
    bl_histogram_t *merged = malloc(sizeof *merged);
    if (rows == NULL || soj == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < nc; c++) {
        bl_class_row_t *row = &rows[c];
        bl_results_copy_text(row->class, sizeof row->class, sc->classes[c].name);
        row->priority = sc->classes[c].priority;
        bl_histogram_init(merged);
        for (size_t i = 0; i < nr; i++) {
            soj[i] = NAN;
            if (c >= reps[i].n_classes || reps[i].classes == NULL)
                continue;
            const bl_class_stats_t *cs = &reps[i].classes[c];
            row->entities += cs->entities;
            row->completed += cs->completed;
            row->travellers += cs->travellers;
            row->reneged += cs->reneged;
            row->carriers += cs->carriers;
            row->seizures += cs->seizures;
            bl_histogram_merge(merged, &cs->sojourn);
            if (cs->sojourn.count)
                soj[i] = cs->sojourn_sum / (double)cs->sojourn.count;
        }
        set_interval(soj, nr, &row->sojourn_mean, &row->sojourn_ci_low, &row->sojourn_ci_high);
        row->sojourn_p50 = bl_results_quantile(merged, 0.50);
        row->sojourn_p90 = bl_results_quantile(merged, 0.90);
        row->sojourn_p95 = bl_results_quantile(merged, 0.95);
        row->sojourn_p99 = bl_results_quantile(merged, 0.99);
    }
    rc = write_in(w, &bl_results_classes_table, group, nc, rows, err);
out:
    free(rows);
    free(soj);
    free(merged);
    return rc;
}

static int write_contraband(bl_results_writer_t *w, const bl_scenario_t *sc,
                            const bl_replication_result_t *reps, size_t nr, const char *group,
                            bl_error_t *err) {
    size_t nk = sc->n_contraband_kinds;
    int rc = 0;
    bl_contraband_row_t *rows = calloc(nk ? nk : 1, sizeof *rows);
    double *seized = calloc(nr ? nr : 1, sizeof *seized);
    double *through = calloc(nr ? nr : 1, sizeof *through);
    if (rows == NULL || seized == NULL || through == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < nk; k++) {
        bl_contraband_row_t *row = &rows[k];
        bl_results_copy_text(row->contraband, sizeof row->contraband, sc->contraband_kinds[k]);
        for (size_t i = 0; i < nr; i++) {
            seized[i] = through[i] = NAN;
            if (k >= reps[i].n_contraband || reps[i].contraband == NULL)
                continue;
            const bl_contraband_stats_t *cs = &reps[i].contraband[k];
            row->carriers += cs->carriers;
            row->seized += cs->seized;
            row->through += cs->through;
            row->value_seized += cs->value_seized;
            row->value_through += cs->value_through;
            seized[i] = (double)cs->seized;
            through[i] = (double)cs->through;
        }
        set_interval(seized, nr, &row->seized_mean, &row->seized_ci_low, &row->seized_ci_high);
        set_interval(through, nr, &row->through_mean, &row->through_ci_low, &row->through_ci_high);
    }
    rc = write_in(w, &bl_results_contraband_table, group, nk, rows, err);
out:
    free(rows);
    free(seized);
    free(through);
    return rc;
}

/* ------------------------------------------------------------------ the group */

int bl_results_write_checkpoint_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                       const bl_replication_result_t *reps, unsigned n_reps,
                                       const char *group, bl_error_t *err) {
    assert(bl_results_held(w));
    if (sc == NULL || group == NULL || group[0] != '/' || (n_reps > 0 && reps == NULL))
        return bl_error_set(err, BL_EINVAL,
                            "results: nothing to write (no scenario, results or group)");
    /* The group exists even when every table is empty. */
    char probe[320];
    int rc = bl_results_group_path(w, probe, sizeof probe, group, &bl_results_stations_table, err);
    if (rc == 0)
        rc = bl_results_make_group_locked(w, group, false, err);
    if (rc == 0)
        rc = write_stations(w, sc, reps, n_reps, group, err);
    if (rc == 0)
        rc = write_system(w, sc, reps, n_reps, group, err);
    if (rc == 0)
        rc = write_classes(w, sc, reps, n_reps, group, err);
    if (rc == 0)
        rc = write_contraband(w, sc, reps, n_reps, group, err);
    if (rc == 0)
        rc = bl_results_write_series_locked(w, sc, reps, n_reps, group, err);
    return rc;
}

int bl_results_write_checkpoint(bl_results_writer_t *w, const bl_scenario_t *sc,
                                const bl_replication_result_t *reps, unsigned n_reps,
                                const char *group, bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = bl_results_write_checkpoint_locked(w, sc, reps, n_reps, group, err);
    bl_results_unlock(w);
    return rc;
}

/* The plugins of a run with their calls summed over reps[0..n-1]. */
size_t bl_results_run_plugins(const bl_plugin_set_t *set, bl_results_plugin_t *plugins,
                              const bl_replication_result_t *reps, size_t n) {
    size_t n_plugins = 0;
    memset(plugins, 0, BL_ROLE_COUNT * sizeof *plugins);
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        const bl_plugin_handle_t *h = set ? set->role[r] : NULL;
        if (h == NULL)
            continue;
        bl_results_plugin_t *p = &plugins[n_plugins++];
        p->role = bl_role_name(r);
        p->handle = h;
        for (size_t i = 0; i < n; i++) {
            p->calls += reps[i].plugin_calls[r];
            p->invalid_outputs += reps[i].invalid_outputs[r];
        }
    }
    return n_plugins;
}

int bl_results_write_run(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err) {
    if (run == NULL || run->scenario == NULL || (run->n_reps > 0 && run->reps == NULL))
        return bl_error_set(err, BL_EINVAL, "results: nothing to write (no scenario or results)");
    int rc = bl_results_lock(w, err);
    if (rc != 0)
        goto out;
    bl_results_plugin_t plugins[BL_ROLE_COUNT];
    size_t n_plugins = bl_results_run_plugins(run->plugins, plugins, run->reps, run->n_reps);
    rc = bl_results_write_root_locked(w, run, "checkpoint", plugins, n_plugins, err);
    if (rc == 0)
        rc = bl_results_write_checkpoint_locked(w, run->scenario, run->reps, run->n_reps,
                                                "/checkpoint", err);
    if (rc == 0)
        bl_results_mark_complete_locked(w);
out:
    bl_results_unlock(w);
    return rc;
}

/* ------------------------------------------------------------------ sweeps */

/* The metrics of /sweep/points, in column order (bl_checkpoint_metric names). */
static const char *const SWEEP_METRICS[] = {"sojourn_mean", "sojourn_p90",  "throughput",
                                            "seizures",     "false_alarms", "officer_hours",
                                            "reneged"};
#define N_SWEEP_METRICS (sizeof SWEEP_METRICS / sizeof SWEEP_METRICS[0])

/* The row's mean/low/high triple of metric m (the columns follow each other). */
static double *sweep_metric_slot(bl_sweep_point_row_t *row, size_t m) {
    double *first[N_SWEEP_METRICS] = {&row->sojourn_mean, &row->sojourn_p90,  &row->throughput,
                                      &row->seizures,     &row->false_alarms, &row->officer_hours,
                                      &row->reneged};
    return first[m];
}

static int sweep_point_row(bl_sweep_point_row_t *row, const bl_sweep_point_result_t *p, size_t i,
                           double *scratch, bl_error_t *err) {
    row->point = (uint32_t)i;
    snprintf(row->group, sizeof row->group, "/sweep/p%04zu", i);
    size_t used = 0;
    for (size_t a = 0; a < p->n_axes; a++) {
        int k = snprintf(row->settings + used, sizeof row->settings - used, "%s%s=%s", a ? ";" : "",
                         p->keys[a], p->values[a]);
        if (k < 0 || (size_t)k >= sizeof row->settings - used)
            return bl_error_set(err, BL_EINVAL,
                                "sweep point %zu: its settings are longer than %zu characters", i,
                                sizeof row->settings - 1);
        used += (size_t)k;
    }
    row->replications = p->n_reps;
    for (size_t m = 0; m < N_SWEEP_METRICS; m++) {
        for (unsigned r = 0; r < p->n_reps; r++) {
            int rc =
                bl_checkpoint_metric(p->scenario, &p->reps[r], SWEEP_METRICS[m], &scratch[r], err);
            if (rc != 0)
                return rc;
        }
        double *slot = sweep_metric_slot(row, m);
        set_interval(scratch, p->n_reps, &slot[0], &slot[1], &slot[2]);
    }
    return 0;
}

/* value as a number, NaN when the whole text is not one. */
static double number_or_nan(const char *value) {
    char *end = NULL;
    double x = value && *value ? strtod(value, &end) : NAN;
    return end != NULL && *end == '\0' ? x : NAN;
}

/* The root attribute "sweep": "k=v1,v2;k2=..." with each axis's values in
 * order of first appearance over the points (heap; NULL when out of memory). */
static char *sweep_text(const bl_sweep_point_result_t *points, size_t n_points) {
    size_t cap = 64;
    for (size_t i = 0; i < n_points; i++)
        for (size_t a = 0; a < points[i].n_axes; a++)
            cap += strlen(points[i].keys[a]) + strlen(points[i].values[a]) + 3;
    char *text = calloc(cap, 1);
    if (text == NULL || n_points == 0)
        return text;
    size_t used = 0;
    for (size_t a = 0; a < points[0].n_axes; a++) {
        used += (size_t)snprintf(text + used, cap - used, "%s%s=", a ? ";" : "", points[0].keys[a]);
        for (size_t i = 0; i < n_points; i++) {
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(points[j].values[a], points[i].values[a]) == 0;
            if (!seen)
                used += (size_t)snprintf(text + used, cap - used, "%s%s", i ? "," : "",
                                         points[i].values[a]);
        }
    }
    return text;
}

static int write_sweep_tables(bl_results_writer_t *w, const bl_sweep_point_result_t *points,
                              size_t n_points, bl_error_t *err) {
    int rc = 0;
    size_t n_axes = n_points ? points[0].n_axes : 0, max_reps = 1;
    for (size_t i = 0; i < n_points; i++)
        if (points[i].n_reps > max_reps)
            max_reps = points[i].n_reps;
    bl_sweep_point_row_t *rows = calloc(n_points ? n_points : 1, sizeof *rows);
    bl_sweep_axis_row_t *axes = calloc(n_points * n_axes > 0 ? n_points * n_axes : 1, sizeof *axes);
    double *scratch = calloc(max_reps, sizeof *scratch);
    char *text = sweep_text(points, n_points);
    if (rows == NULL || axes == NULL || scratch == NULL || text == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < n_points; i++) {
        const bl_sweep_point_result_t *p = &points[i];
        if (p->n_axes != n_axes)
            rc = bl_error_set(err, BL_EINVAL, "sweep point %zu has %zu axes, point 0 has %zu", i,
                              p->n_axes, n_axes);
        if (rc == 0)
            rc = sweep_point_row(&rows[i], p, i, scratch, err);
        for (size_t a = 0; rc == 0 && a < n_axes; a++) {
            bl_sweep_axis_row_t *ax = &axes[a * n_points + i];
            bl_results_copy_text(ax->axis, sizeof ax->axis, p->keys[a]);
            ax->point = (uint32_t)i;
            bl_results_copy_text(ax->value, sizeof ax->value, p->values[a]);
            ax->value_number = number_or_nan(p->values[a]);
        }
    }
    if (rc == 0)
        rc = bl_results_write_table_locked(w, &bl_results_sweep_points_table,
                                           bl_results_sweep_points_table.path, n_points, rows, err);
    if (rc == 0)
        rc = bl_results_write_table_locked(w, &bl_results_sweep_axes_table,
                                           bl_results_sweep_axes_table.path, n_points * n_axes,
                                           axes, err);
    if (rc == 0)
        rc = bl_results_set_root_text_locked(w, "sweep", text, err);
out:
    free(rows);
    free(axes);
    free(scratch);
    free(text);
    return rc;
}

int bl_results_write_sweep(bl_results_writer_t *w, const bl_run_t *run,
                           const bl_sweep_point_result_t *points, size_t n_points,
                           bl_error_t *err) {
    int rc = 0;
    if (run == NULL || run->scenario == NULL || (n_points > 0 && points == NULL))
        return bl_error_set(err, BL_EINVAL, "results: nothing to write (no scenario or points)");
    if (n_points > 10000)
        return bl_error_set(err, BL_EINVAL,
                            "a sweep of %zu points: groups are numbered up to p9999; split it",
                            n_points);
    rc = bl_results_lock(w, err);
    if (rc != 0)
        goto out;
    bl_results_plugin_t plugins[BL_ROLE_COUNT], part[BL_ROLE_COUNT];
    size_t n_plugins = bl_results_run_plugins(run->plugins, plugins, NULL, 0);
    for (size_t i = 0; i < n_points; i++) {
        bl_results_run_plugins(run->plugins, part, points[i].reps, points[i].n_reps);
        for (size_t p = 0; p < n_plugins; p++) {
            plugins[p].calls += part[p].calls;
            plugins[p].invalid_outputs += part[p].invalid_outputs;
        }
    }
    rc = bl_results_write_root_locked(w, run, "checkpoint", plugins, n_plugins, err);
    for (size_t i = 0; rc == 0 && i < n_points; i++) {
        char group[32];
        snprintf(group, sizeof group, "/sweep/p%04zu", i);
        rc = bl_results_write_checkpoint_locked(w, points[i].scenario, points[i].reps,
                                                points[i].n_reps, group, err);
    }
    if (rc == 0)
        rc = write_sweep_tables(w, points, n_points, err);
    if (rc == 0)
        bl_results_mark_complete_locked(w);
out:
    bl_results_unlock(w);
    return rc;
}
