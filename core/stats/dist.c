/* Probability distributions: see dist.h. */
#include "stats/dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Start every constructor from a zeroed struct, so that a failed
 * constructor leaves something bl_dist_fini accepts. */
static void reset(bl_dist_t *d, int kind) {
    memset(d, 0, sizeof *d);
    d->kind = kind;
}

int bl_dist_deterministic(bl_dist_t *d, double value, bl_error_t *err) {
    reset(d, 0);
    if (!isfinite(value))
        return bl_error_set(err, BL_EINVAL, "deterministic: value must be finite (got %g)", value);
    d->kind = BL_DIST_DETERMINISTIC;
    d->a = value;
    return 0;
}

int bl_dist_exponential(bl_dist_t *d, double mean, bl_error_t *err) {
    reset(d, 0);
    if (!(mean > 0.0) || !isfinite(mean))
        return bl_error_set(err, BL_EINVAL, "exponential: mean must be > 0 and finite (got %g)",
                            mean);
    d->kind = BL_DIST_EXPONENTIAL;
    d->a = mean;
    return 0;
}

int bl_dist_lognormal(bl_dist_t *d, double mu, double sigma, bl_error_t *err) {
    reset(d, 0);
    if (!isfinite(mu))
        return bl_error_set(err, BL_EINVAL, "lognormal: mu must be finite (got %g)", mu);
    if (!(sigma >= 0.0) || !isfinite(sigma))
        return bl_error_set(err, BL_EINVAL, "lognormal: sigma must be >= 0 and finite (got %g)",
                            sigma);
    d->kind = BL_DIST_LOGNORMAL;
    d->a = mu;
    d->b = sigma;
    return 0;
}

int bl_dist_lognormal_moments(bl_dist_t *d, double mean, double sd, bl_error_t *err) {
    reset(d, 0);
    if (!(mean > 0.0) || !isfinite(mean))
        return bl_error_set(err, BL_EINVAL, "lognormal: mean must be > 0 and finite (got %g)",
                            mean);
    if (!(sd >= 0.0) || !isfinite(sd))
        return bl_error_set(err, BL_EINVAL, "lognormal: sd must be >= 0 and finite (got %g)", sd);
    double cv = sd / mean;
    double s2 = log1p(cv * cv);
    return bl_dist_lognormal(d, log(mean) - 0.5 * s2, sqrt(s2), err);
}

int bl_dist_gamma(bl_dist_t *d, double shape, double scale, bl_error_t *err) {
    reset(d, 0);
    if (!(shape > 0.0) || !isfinite(shape))
        return bl_error_set(err, BL_EINVAL, "gamma: shape must be > 0 and finite (got %g)", shape);
    if (!(scale > 0.0) || !isfinite(scale))
        return bl_error_set(err, BL_EINVAL, "gamma: scale must be > 0 and finite (got %g)", scale);
    d->kind = BL_DIST_GAMMA;
    d->a = shape;
    d->b = scale;
    return 0;
}

int bl_dist_uniform(bl_dist_t *d, double low, double high, bl_error_t *err) {
    reset(d, 0);
    if (!isfinite(low))
        return bl_error_set(err, BL_EINVAL, "uniform: low must be finite (got %g)", low);
    if (!isfinite(high))
        return bl_error_set(err, BL_EINVAL, "uniform: high must be finite (got %g)", high);
    if (!(high >= low))
        return bl_error_set(err, BL_EINVAL, "uniform: high must be >= low (got low %g, high %g)",
                            low, high);
    d->kind = BL_DIST_UNIFORM;
    d->a = low;
    d->b = high;
    return 0;
}

int bl_dist_empirical(bl_dist_t *d, const double *values, const double *weights, size_t n,
                      bl_error_t *err) {
    reset(d, 0);
    if (n == 0 || values == NULL)
        return bl_error_set(err, BL_EINVAL, "empirical: values must hold at least one value");
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            return bl_error_set(err, BL_EINVAL, "empirical: value %zu must be finite (got %g)",
                                i + 1, values[i]);
        double w = weights ? weights[i] : 1.0;
        if (!(w >= 0.0) || !isfinite(w))
            return bl_error_set(err, BL_EINVAL,
                                "empirical: weight %zu must be >= 0 and finite (got %g)", i + 1, w);
        total += w;
    }
    if (!(total > 0.0) || !isfinite(total))
        return bl_error_set(err, BL_EINVAL,
                            "empirical: weights must have a positive, finite sum (got %g)", total);

    d->values = malloc(n * sizeof *d->values);
    d->cum = malloc(n * sizeof *d->cum);
    if (d->values == NULL || d->cum == NULL) {
        bl_dist_fini(d);
        return bl_error_set(err, BL_ENOMEM, "empirical: out of memory for %zu values", n);
    }
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        d->values[i] = values[i];
        acc += weights ? weights[i] : 1.0;
        d->cum[i] = acc / total;
    }
    /* Exactly 1 so that a uniform draw in [0, 1) always finds a value; any
     * trailing zero weights keep their (duplicate) cumulative value and so
     * are never chosen. */
    double last = d->cum[n - 1];
    for (size_t i = n; i-- > 0 && d->cum[i] >= last;)
        d->cum[i] = 1.0;
    d->kind = BL_DIST_EMPIRICAL;
    d->n = n;
    return 0;
}

int bl_dist_copy(bl_dist_t *dst, const bl_dist_t *src) {
    *dst = *src;
    dst->values = NULL;
    dst->cum = NULL;
    if (src->kind != BL_DIST_EMPIRICAL || src->n == 0)
        return 0;
    dst->values = malloc(src->n * sizeof *dst->values);
    dst->cum = malloc(src->n * sizeof *dst->cum);
    if (dst->values == NULL || dst->cum == NULL) {
        bl_dist_fini(dst);
        return BL_ENOMEM;
    }
    memcpy(dst->values, src->values, src->n * sizeof *dst->values);
    memcpy(dst->cum, src->cum, src->n * sizeof *dst->cum);
    return 0;
}

void bl_dist_fini(bl_dist_t *d) {
    if (d == NULL)
        return;
    free(d->values);
    free(d->cum);
    memset(d, 0, sizeof *d);
}

/* Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape < 1 a draw at
 * shape + 1 is scaled by U^(1/shape). */
static double sample_gamma(double shape, bl_rng_t *rng) {
    double boost = 1.0;
    if (shape < 1.0) {
        boost = pow(bl_rng_uniform_pos(rng), 1.0 / shape);
        shape += 1.0;
    }
    double dd = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double x, v;
        do {
            x = bl_rng_normal(rng);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = bl_rng_uniform_pos(rng);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2)
            return boost * dd * v;
        if (log(u) < 0.5 * x2 + dd * (1.0 - v + log(v)))
            return boost * dd * v;
    }
}

/* Index of the first cum[i] > u. */
static size_t empirical_index(const bl_dist_t *d, double u) {
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

double bl_dist_sample(const bl_dist_t *d, bl_rng_t *rng) {
    switch (d->kind) {
    case BL_DIST_DETERMINISTIC:
        return d->a;
    case BL_DIST_EXPONENTIAL:
        return -d->a * log(bl_rng_uniform_pos(rng));
    case BL_DIST_LOGNORMAL:
        return exp(d->a + d->b * bl_rng_normal(rng));
    case BL_DIST_GAMMA:
        return d->b * sample_gamma(d->a, rng);
    case BL_DIST_UNIFORM:
        return d->a + (d->b - d->a) * bl_rng_uniform(rng);
    case BL_DIST_EMPIRICAL:
        return d->values[empirical_index(d, bl_rng_uniform(rng))];
    default:
        return NAN;
    }
}

/* Probability of empirical value i. */
static double empirical_p(const bl_dist_t *d, size_t i) {
    return i == 0 ? d->cum[0] : d->cum[i] - d->cum[i - 1];
}

double bl_dist_min(const bl_dist_t *d) {
    switch (d->kind) {
    case BL_DIST_DETERMINISTIC:
    case BL_DIST_UNIFORM:
        return d->a;
    case BL_DIST_EXPONENTIAL:
    case BL_DIST_LOGNORMAL:
    case BL_DIST_GAMMA:
        return 0.0;
    case BL_DIST_EMPIRICAL: {
        double m = INFINITY;
        for (size_t i = 0; i < d->n; i++)
            if (empirical_p(d, i) > 0 && d->values[i] < m)
                m = d->values[i];
        return m;
    }
    default:
        return NAN;
    }
}

double bl_dist_mean(const bl_dist_t *d) {
    switch (d->kind) {
    case BL_DIST_DETERMINISTIC:
    case BL_DIST_EXPONENTIAL:
        return d->a;
    case BL_DIST_LOGNORMAL:
        return exp(d->a + 0.5 * d->b * d->b);
    case BL_DIST_GAMMA:
        return d->a * d->b;
    case BL_DIST_UNIFORM:
        return 0.5 * (d->a + d->b);
    case BL_DIST_EMPIRICAL: {
        double m = 0.0;
        for (size_t i = 0; i < d->n; i++)
            m += empirical_p(d, i) * d->values[i];
        return m;
    }
    default:
        return NAN;
    }
}

double bl_dist_variance(const bl_dist_t *d) {
    switch (d->kind) {
    case BL_DIST_DETERMINISTIC:
        return 0.0;
    case BL_DIST_EXPONENTIAL:
        return d->a * d->a;
    case BL_DIST_LOGNORMAL: {
        double s2 = d->b * d->b;
        return expm1(s2) * exp(2.0 * d->a + s2);
    }
    case BL_DIST_GAMMA:
        return d->a * d->b * d->b;
    case BL_DIST_UNIFORM:
        return (d->b - d->a) * (d->b - d->a) / 12.0;
    case BL_DIST_EMPIRICAL: {
        double m = bl_dist_mean(d), v = 0.0;
        for (size_t i = 0; i < d->n; i++)
            v += empirical_p(d, i) * (d->values[i] - m) * (d->values[i] - m);
        return v;
    }
    default:
        return NAN;
    }
}

const char *bl_dist_name(int kind) {
    switch (kind) {
    case BL_DIST_DETERMINISTIC:
        return "deterministic";
    case BL_DIST_EXPONENTIAL:
        return "exponential";
    case BL_DIST_LOGNORMAL:
        return "lognormal";
    case BL_DIST_GAMMA:
        return "gamma";
    case BL_DIST_EMPIRICAL:
        return "empirical";
    case BL_DIST_UNIFORM:
        return "uniform";
    default:
        return "unknown";
    }
}
