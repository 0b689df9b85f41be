/* The series tables of a checkpoint group (results_checkpoint.h): queue
 * length over time, hourly utilisation and throughput, and the wait
 * distributions.  Rows are streamed to the file in batches, one station at
 * a time, so a year of minute bins never sits in memory as rows. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/checkpoint/results_checkpoint.h"
#include "jobs/checkpoint/results_checkpoint_internal.h"
#include "results/results_schema.h"
#include "results/writer.h"
#include "stats/histogram.h"
#include "stats/stats.h"

#define HOUR 3600.0

/* Value of bin i of s (0 past what was filled). */
static double series_value(const bl_series_t *s, size_t i) {
    return s->v != NULL && i < s->n ? s->v[i] : 0.0;
}

/* Whether replication r ran into the bin [t0, ...) of series s (bin i):
 * the run went on past t0, or the series has the bin. */
static bool reached(const bl_replication_result_t *r, const bl_series_t *s, size_t i, double t0) {
    return t0 < r->end_time || (s != NULL && i < s->n);
}

/* Seconds of the bin [t0, t0 + step) the replication covered (the last bin
 * of a run is partial). */
static double covered(const bl_replication_result_t *r, double t0, double step) {
    double left = r->end_time - t0;
    return left > 0 && left < step ? left : step;
}

/* Bins of `step` seconds needed for series s of a run ending at end_time. */
static size_t bins_for(const bl_series_t *s, double end_time, double step) {
    size_t n = s != NULL ? s->n : 0;
    if (end_time > 0 && step > 0) {
        double b = ceil(end_time / step);
        if (b > (double)n && b < 1e12)
            n = (size_t)b;
    }
    return n;
}

static int open_stream(bl_results_stream_t *st, bl_results_writer_t *w, const bl_results_table_t *t,
                       const char *group, bl_error_t *err) {
    char path[320];
    int rc = bl_results_group_path(w, path, sizeof path, group, t, err);
    return rc != 0 ? rc : bl_results_stream_open(st, w, t, path, err);
}

/* ------------------------------------------------------------------ queue */

/* bl_results_interval for values that are never NaN, with the t quantile
 * of each sample size looked up once in tq (nr + 1 entries, 0 = not yet):
 * a year of minute bins asks for millions of intervals. */
static bl_interval_t cached_interval(const double *x, size_t k, double *tq) {
    bl_interval_t iv = {NAN, NAN, NAN, NAN};
    if (k == 0)
        return iv;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < k; i++)
        mean += x[i];
    mean /= (double)k;
    iv.estimate = mean;
    if (k < 2)
        return iv;
    for (size_t i = 0; i < k; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    if (tq[k] == 0)
        tq[k] = bl_t_quantile(0.5 * (1.0 + BL_RESULTS_CI_LEVEL), (double)(k - 1));
    iv.half_width = tq[k] * sqrt(ss / (double)(k - 1) / (double)k);
    iv.low = mean - iv.half_width;
    iv.high = mean + iv.half_width;
    return iv;
}

/* The bin width of the queue series: the engine's, else the scenario's. */
static double queue_step(const bl_scenario_t *sc, const bl_replication_result_t *reps, size_t nr,
                         size_t s) {
    for (size_t i = 0; i < nr; i++)
        if (s < reps[i].n_stations && reps[i].stations[s].queue.step > 0)
            return reps[i].stations[s].queue.step;
    return sc->series_step > 0 ? sc->series_step : 60.0;
}

static int queue_station(bl_results_stream_t *out, const bl_scenario_t *sc,
                         const bl_replication_result_t *reps, size_t nr, size_t s, double *x,
                         double *tq, bl_error_t *err) {
    double step = queue_step(sc, reps, nr, s);
    size_t nbins = 0;
    for (size_t i = 0; i < nr; i++)
        if (s < reps[i].n_stations) {
            size_t b = bins_for(&reps[i].stations[s].queue, reps[i].end_time, step);
            if (b > nbins)
                nbins = b;
        }
    for (size_t b = 0; b < nbins; b++) {
        double t0 = (double)b * step;
        size_t k = 0;
        for (size_t i = 0; i < nr; i++) {
            if (s >= reps[i].n_stations)
                continue;
            const bl_series_t *q = &reps[i].stations[s].queue;
            if (reached(&reps[i], q, b, t0))
                x[k++] = series_value(q, b) / covered(&reps[i], t0, step);
        }
        bl_queue_row_t *row = bl_results_stream_row(out, err);
        if (row == NULL)
            return err->code;
        bl_interval_t ci = cached_interval(x, k, tq);
        bl_results_copy_text(row->station, sizeof row->station, sc->stations[s].name);
        row->time = t0;
        row->queue_mean = ci.estimate;
        row->queue_ci_low = ci.low;
        row->queue_ci_high = ci.high;
    }
    return 0;
}

/* ------------------------------------------------------------------ hourly */

static size_t station_hours(const bl_replication_result_t *r, size_t s) {
    const bl_station_stats_t *st = &r->stations[s];
    size_t n = bins_for(&st->busy_hourly, r->end_time, HOUR);
    if (st->capacity_hourly.n > n)
        n = st->capacity_hourly.n;
    if (st->served_hourly.n > n)
        n = st->served_hourly.n;
    return n;
}

/* x: utilisation, y: servers on duty, z: services, each nr long. */
static int hourly_station(bl_results_stream_t *out, const bl_scenario_t *sc,
                          const bl_replication_result_t *reps, size_t nr, size_t s, double *x,
                          double *y, double *z, bl_error_t *err) {
    size_t nh = 0;
    for (size_t i = 0; i < nr; i++)
        if (s < reps[i].n_stations && station_hours(&reps[i], s) > nh)
            nh = station_hours(&reps[i], s);
    for (size_t h = 0; h < nh; h++) {
        double t0 = (double)h * HOUR;
        size_t k = 0;
        for (size_t i = 0; i < nr; i++) {
            if (s >= reps[i].n_stations)
                continue;
            const bl_station_stats_t *st = &reps[i].stations[s];
            if (!reached(&reps[i], &st->capacity_hourly, h, t0) && h >= st->served_hourly.n &&
                h >= st->busy_hourly.n)
                continue;
            double cap = series_value(&st->capacity_hourly, h);
            x[k] = cap > 0 ? series_value(&st->busy_hourly, h) / cap : NAN;
            y[k] = cap / covered(&reps[i], t0, HOUR);
            z[k] = series_value(&st->served_hourly, h);
            k++;
        }
        bl_hourly_row_t *row = bl_results_stream_row(out, err);
        if (row == NULL)
            return err->code;
        double on_duty = 0;
        for (size_t i = 0; i < k; i++)
            on_duty += y[i];
        bl_results_copy_text(row->station, sizeof row->station, sc->stations[s].name);
        row->hour = (uint32_t)h;
        row->servers_on_duty = k ? on_duty / (double)k : NAN;
        bl_interval_t u = bl_results_interval(x, k), v = bl_results_interval(z, k);
        row->utilisation = u.estimate;
        row->utilisation_ci_low = u.low;
        row->utilisation_ci_high = u.high;
        row->served_per_hour = v.estimate;
        row->served_ci_low = v.low;
        row->served_ci_high = v.high;
    }
    return 0;
}

/* The "(system)" rows: entities leaving the system per hour. */
static int hourly_system(bl_results_stream_t *out, const bl_replication_result_t *reps, size_t nr,
                         double *z, bl_error_t *err) {
    size_t nh = 0;
    for (size_t i = 0; i < nr; i++) {
        size_t b = bins_for(&reps[i].departures_hourly, reps[i].end_time, HOUR);
        if (b > nh)
            nh = b;
    }
    for (size_t h = 0; h < nh; h++) {
        size_t k = 0;
        for (size_t i = 0; i < nr; i++)
            if (reached(&reps[i], &reps[i].departures_hourly, h, (double)h * HOUR))
                z[k++] = series_value(&reps[i].departures_hourly, h);
        bl_hourly_row_t *row = bl_results_stream_row(out, err);
        if (row == NULL)
            return err->code;
        bl_results_copy_text(row->station, sizeof row->station, BL_RESULTS_SYSTEM_ROW);
        row->hour = (uint32_t)h;
        row->utilisation = row->utilisation_ci_low = row->utilisation_ci_high = NAN;
        row->servers_on_duty = NAN;
        bl_interval_t v = bl_results_interval(z, k);
        row->served_per_hour = v.estimate;
        row->served_ci_low = v.low;
        row->served_ci_high = v.high;
    }
    return 0;
}

/* ------------------------------------------------------------------ waits */

static int waits_rows(bl_results_stream_t *out, const char *name, const bl_histogram_t *h,
                      bl_error_t *err) {
    for (int q = 0; q <= 100; q++) {
        bl_waits_row_t *row = bl_results_stream_row(out, err);
        if (row == NULL)
            return err->code;
        bl_results_copy_text(row->station, sizeof row->station, name);
        row->quantile = q / 100.0;
        row->wait = bl_results_quantile(h, row->quantile);
    }
    return 0;
}

static int waits_all(bl_results_stream_t *out, const bl_scenario_t *sc,
                     const bl_replication_result_t *reps, size_t nr, bl_histogram_t *merged,
                     bl_error_t *err) {
    int rc = 0;
    for (size_t s = 0; rc == 0 && s < sc->n_stations; s++) {
        bl_histogram_init(merged);
        for (size_t i = 0; i < nr; i++)
            if (s < reps[i].n_stations)
                bl_histogram_merge(merged, &reps[i].stations[s].waits);
        rc = waits_rows(out, sc->stations[s].name, merged, err);
    }
    if (rc == 0) {
        bl_histogram_init(merged);
        for (size_t i = 0; i < nr; i++)
            bl_histogram_merge(merged, &reps[i].sojourn);
        rc = waits_rows(out, BL_RESULTS_END_TO_END, merged, err);
    }
    return rc;
}

/* ------------------------------------------------------------------ all three */

int bl_results_write_series_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                   const bl_replication_result_t *reps, unsigned n_reps,
                                   const char *group, bl_error_t *err) {
    assert(bl_results_held(w));
    size_t nr = n_reps;
    int rc = 0;
    bl_results_stream_t out;
    bool open = false;
    double *x = calloc(3 * (nr ? nr : 1), sizeof *x);
    double *tq = calloc(nr + 1, sizeof *tq);
    bl_histogram_t *merged = malloc(sizeof *merged);
    if (x == NULL || tq == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    double *y = x + (nr ? nr : 1), *z = y + (nr ? nr : 1);

    rc = open_stream(&out, w, &bl_results_queue_table, group, err);
    open = rc == 0;
    for (size_t s = 0; rc == 0 && s < sc->n_stations; s++)
        rc = queue_station(&out, sc, reps, nr, s, x, tq, err);
    if (open) {
        int crc = bl_results_stream_close(&out, rc == 0 ? err : NULL);
        rc = rc ? rc : crc;
        open = false;
    }

    if (rc == 0) {
        rc = open_stream(&out, w, &bl_results_hourly_table, group, err);
        open = rc == 0;
    }
    for (size_t s = 0; rc == 0 && s < sc->n_stations; s++)
        rc = hourly_station(&out, sc, reps, nr, s, x, y, z, err);
    if (rc == 0)
        rc = hourly_system(&out, reps, nr, z, err);
    if (open) {
        int crc = bl_results_stream_close(&out, rc == 0 ? err : NULL);
        rc = rc ? rc : crc;
        open = false;
    }

    if (rc == 0) {
        rc = open_stream(&out, w, &bl_results_waits_table, group, err);
        open = rc == 0;
    }
    if (rc == 0)
        rc = waits_all(&out, sc, reps, nr, merged, err);
    if (open) {
        int crc = bl_results_stream_close(&out, rc == 0 ? err : NULL);
        rc = rc ? rc : crc;
    }
out:
    free(x);
    free(tq);
    free(merged);
    return rc;
}
