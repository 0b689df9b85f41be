/*
 * Time series of equal bins from simulated time 0 (engine.h), and the
 * release of a replication result.
 *
 * The engine itself fills its per-station series through accumulators
 * that are flushed once per bin (engine.c station_touch), so these helpers
 * are off the hot path; bl_series_add_span still takes a short path when
 * the span lies inside one bin.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_internal.h"

/* Make bins [0, n) exist (zero-filled). */
int bl_series_reserve(bl_series_t *s, size_t n) {
    if (n <= s->n)
        return 0;
    if (n > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < n) {
            if (cap > SIZE_MAX / 2 / sizeof *s->v)
                return BL_ENOMEM;
            cap *= 2;
        }
        double *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return BL_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    memset(s->v + s->n, 0, (n - s->n) * sizeof *s->v);
    s->n = n;
    return 0;
}

int bl_series_add_bin(bl_series_t *s, size_t i, double v) {
    if (i >= s->n) {
        int rc = bl_series_reserve(s, i + 1);
        if (rc != 0)
            return rc;
    }
    s->v[i] += v;
    return 0;
}

/* Bin of time t (t >= 0), clamped against overflow. */
static size_t bin_of(const bl_series_t *s, double t) {
    double b = t > 0.0 ? floor(t / s->step) : 0.0;
    return b < 1e15 ? (size_t)b : (size_t)1e15;
}

int bl_series_add(bl_series_t *s, double t, double v) {
    if (!(s->step > 0.0) || !(t >= 0.0) || isinf(t))
        return BL_EINVAL;
    return bl_series_add_bin(s, bin_of(s, t), v);
}

int bl_series_add_span(bl_series_t *s, double t0, double t1, double per_second) {
    if (!(s->step > 0.0) || !(t0 >= 0.0) || isinf(t1))
        return BL_EINVAL;
    if (!(t1 > t0))
        return 0;
    size_t i = bin_of(s, t0);
    double end = (double)(i + 1) * s->step;
    if (t1 <= end) /* inside one bin */
        return bl_series_add_bin(s, i, per_second * (t1 - t0));
    size_t last = bin_of(s, t1);
    if ((double)last * s->step >= t1) /* t1 on a boundary: [.., t1) ends in the bin before */
        last--;
    int rc = bl_series_reserve(s, last + 1);
    if (rc != 0)
        return rc;
    s->v[i] += per_second * (end - t0);
    for (size_t k = i + 1; k < last; k++)
        s->v[k] += per_second * s->step;
    if (last > i)
        s->v[last] += per_second * (t1 - (double)last * s->step);
    return 0;
}

double bl_series_at(const bl_series_t *s, size_t i) {
    return s != NULL && i < s->n ? s->v[i] : 0.0;
}

void bl_series_fini(bl_series_t *s) {
    if (s == NULL)
        return;
    free(s->v);
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
}

static void station_stats_fini(bl_station_stats_t *st) {
    bl_series_fini(&st->queue);
    bl_series_fini(&st->busy_hourly);
    bl_series_fini(&st->capacity_hourly);
    bl_series_fini(&st->served_hourly);
}

/* Here because most of what a result owns is series. */
void bl_replication_result_fini(bl_replication_result_t *r) {
    if (r == NULL)
        return;
    if (r->stations != NULL)
        for (size_t i = 0; i < r->n_stations; i++)
            station_stats_fini(&r->stations[i]);
    free(r->stations);
    free(r->classes);
    free(r->contraband);
    bl_series_fini(&r->departures_hourly);
    memset(r, 0, sizeof *r);
}
