/*
 * Non-homogeneous Poisson arrivals: see arrivals.h.
 *
 * Segments are numbered on the whole time line: segment g covers
 * [g * step, (g + 1) * step).  A periodic profile uses rates[g mod n]; a
 * non-periodic one uses rates[0] before time 0 and rates[n - 1] from the
 * start of the last segment on.  Segment bounds are always recomputed as
 * g * step rather than accumulated, so long runs do not drift.
 */
#include "engine/arrivals.h"

#include <math.h>
#include <stdint.h>

/* Segment numbers are kept well inside int64_t and the exact integers of a
 * double; simulated times beyond 2^52 steps are clamped. */
#define SEGMENT_LIMIT 4503599627370496.0 /* 2^52 */

int bl_arrivals_validate(const bl_arrivals_t *a, bl_error_t *err) {
    if (a->n_segments == 0 || a->rates == NULL)
        return bl_error_set(err, BL_EINVAL,
                            "arrivals: the rate profile is empty: give at least one rate");
    if (a->n_segments > 1 && (!(a->step > 0.0) || !isfinite(a->step)))
        return bl_error_set(err, BL_EINVAL,
                            "arrivals: step must be > 0 and finite when the profile has %zu "
                            "segments (got %g)",
                            a->n_segments, a->step);
    int any_positive = 0;
    for (size_t i = 0; i < a->n_segments; i++) {
        double r = a->rates[i];
        if (!(r >= 0.0) || !isfinite(r))
            return bl_error_set(err, BL_EINVAL,
                                "arrivals: rate %zu must be finite and >= 0 (got %g per second)",
                                i + 1, r);
        if (r > 0.0)
            any_positive = 1;
    }
    if (!any_positive)
        return bl_error_set(err, BL_EINVAL,
                            "arrivals: every rate is 0, so no entity would ever arrive: give at "
                            "least one segment a positive rate");
    return 0;
}

/* Number of the segment that holds t (multi-segment profiles only). */
static int64_t segment_of(const bl_arrivals_t *a, double t) {
    double g = floor(t / a->step);
    if (g > SEGMENT_LIMIT)
        g = SEGMENT_LIMIT;
    if (g < -SEGMENT_LIMIT)
        g = -SEGMENT_LIMIT;
    return (int64_t)g;
}

/* Index into rates[] of segment g.  For a non-periodic profile this is also
 * the segment whose bounds apply: 0 before time 0, n - 1 after the end. */
static size_t rate_index(const bl_arrivals_t *a, int64_t g) {
    int64_t n = (int64_t)a->n_segments;
    if (a->periodic) {
        int64_t j = g % n;
        return (size_t)(j < 0 ? j + n : j);
    }
    return g < 0 ? 0 : g >= n ? (size_t)(n - 1) : (size_t)g;
}

double bl_arrivals_rate_at(const bl_arrivals_t *a, double t) {
    if (a->n_segments <= 1)
        return a->rates[0];
    return a->rates[rate_index(a, segment_of(a, t))];
}

/* Integrated rate of one whole period. */
static double period_mass(const bl_arrivals_t *a) {
    double sum = 0.0;
    for (size_t i = 0; i < a->n_segments; i++)
        sum += a->rates[i];
    return sum * a->step;
}

static double next_non_periodic(const bl_arrivals_t *a, double t, double e) {
    size_t last = a->n_segments - 1;
    for (size_t g = rate_index(a, segment_of(a, t));; g++) {
        double r = a->rates[g];
        if (g == last)
            return r > 0.0 ? t + e / r : INFINITY;
        double end = (double)(g + 1) * a->step;
        double mass = r * fmax(end - t, 0.0);
        if (r > 0.0 && mass >= e)
            return t + e / r;
        e -= mass;
        t = end;
    }
}

static double next_periodic(const bl_arrivals_t *a, double t, double e) {
    int64_t n = (int64_t)a->n_segments;
    int64_t g = segment_of(a, t);
    for (int pass = 0;; pass++) {
        /* Walk to the end of the period that holds segment g. */
        int64_t k = g >= 0 ? g / n : -((-g + n - 1) / n);
        for (int64_t stop = (k + 1) * n; g < stop; g++) {
            double r = a->rates[rate_index(a, g)];
            double end = (double)(g + 1) * a->step;
            double mass = r * fmax(end - t, 0.0);
            if (r > 0.0 && mass >= e)
                return t + e / r;
            e -= mass;
            t = end;
        }
        /* Now at a period boundary: skip the whole periods the remaining
         * mass spans, then the next walk finds the arrival (a further pass
         * only happens when rounding leaves e a hair above one period). */
        if (pass == 0) {
            double per = period_mass(a);
            if (!(per > 0.0))
                return INFINITY;
            double skip = floor(e / per);
            if (skip > 0.0) {
                if (skip > SEGMENT_LIMIT / (double)n)
                    return INFINITY;
                g += (int64_t)skip * n;
                t = (double)g * a->step;
                e -= skip * per;
            }
        }
    }
}

double bl_arrivals_next(const bl_arrivals_t *a, double now, bl_rng_t *rng) {
    double e = -log(bl_rng_uniform_pos(rng));
    if (a->n_segments <= 1) {
        double r = a->rates[0];
        return r > 0.0 ? now + e / r : INFINITY;
    }
    return a->periodic ? next_periodic(a, now, e) : next_non_periodic(a, now, e);
}

/* Integrated rate from 0 to t (negative for t < 0). */
static double cumulative(const bl_arrivals_t *a, double t) {
    if (a->n_segments <= 1)
        return a->rates[0] * t;
    int64_t n = (int64_t)a->n_segments;
    int64_t g = segment_of(a, t);
    double base = 0.0;
    if (a->periodic) {
        int64_t k = g >= 0 ? g / n : -((-g + n - 1) / n);
        base = (double)k * period_mass(a);
        g -= k * n;
        t -= (double)k * (double)n * a->step;
    } else if (g < 0) {
        g = 0;
    } else if (g >= n) {
        g = n - 1;
    }
    for (int64_t i = 0; i < g; i++)
        base += a->rates[i] * a->step;
    return base + a->rates[g] * (t - (double)g * a->step);
}

double bl_arrivals_expected(const bl_arrivals_t *a, double t0, double t1) {
    if (!(t1 > t0))
        return 0.0;
    return cumulative(a, t1) - cumulative(a, t0);
}
