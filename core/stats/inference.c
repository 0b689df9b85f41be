/*
 * Statistical inference: see inference.h.
 *
 * Everything here is written from the mathematics, not from another
 * library's code.  The distribution functions are the regularized incomplete
 * beta and gamma functions of special.c, where their accuracy is measured.
 *
 * Quantiles are found by safeguarded Newton iteration on the logarithm of
 * the tail probability as a function of u = log x: tails are close to power
 * laws (lower) or exponentials (upper), nearly straight in these
 * coordinates, and a bracket kept throughout falls back to bisection in u
 * when a Newton step would leave it, so the iteration cannot diverge and
 * reaches quantiles that are decades away from the starting point.
 */
#include "stats/inference.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "stats/special.h"

#define MAX_SOLVE_ITER 400

/* log of the smallest positive (subnormal) double: below it x underflows. */
#define LOG_TRUE_MIN (-744.44007192138126)

/* ---------------------------------------------------------------- distribution functions */

double bl_beta_cdf(double x, double a, double b) {
    if (isnan(x) || !(a > 0.0) || !(b > 0.0) || isinf(a) || isinf(b))
        return NAN;
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    return bl_incomplete_beta(a, b, x, 1.0 - x, NULL);
}

double bl_chi2_cdf(double x, double df) {
    if (isnan(x) || !(df > 0.0) || isinf(df))
        return NAN;
    return bl_incomplete_gamma_p(0.5 * df, 0.5 * x);
}

double bl_chi2_sf(double x, double df) {
    if (isnan(x) || !(df > 0.0) || isinf(df))
        return NAN;
    return bl_incomplete_gamma_q(0.5 * df, 0.5 * x);
}

/* ---------------------------------------------------------------- quantiles */

/* log of a tail probability at x = e^u, and its derivative in u. */
typedef double (*log_tail_fn)(double u, const void *par, double *slope);

/*
 * Solve f(u) = target for u in the bracket [lo, hi] (f increasing when
 * `increasing`, else decreasing; the root lies inside), starting from u:
 * Newton steps, replaced by bisection whenever one would leave the bracket,
 * which shrinks at every evaluation.
 */
static double solve_log_tail(log_tail_fn f, const void *par, double target, double lo, double hi,
                             double u, int increasing) {
    if (!(u > lo && u < hi))
        u = 0.5 * (lo + hi);
    for (int i = 0; i < MAX_SOLVE_ITER; i++) {
        double slope = NAN;
        double g = f(u, par, &slope) - target;
        if (g == 0.0)
            return u;
        if (isnan(g))
            return u;
        if ((g < 0.0) == (increasing != 0))
            lo = u;
        else
            hi = u;
        double next = u - g / slope;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        double tol = 2.0 * DBL_EPSILON * fmax(1.0, fabs(u));
        if (fabs(next - u) <= tol || hi - lo <= tol)
            return next;
        u = next;
    }
    return u;
}

/* Move *lo down (doubling the step) until f(*lo) < target for an
 * increasing f.  Returns 0, or 1 when even x = e^LOG_TRUE_MIN is not low
 * enough (the quantile underflows). */
static int bracket_below(log_tail_fn f, const void *par, double target, double *lo) {
    double step = 1.0, slope;
    while (f(*lo, par, &slope) >= target) {
        if (*lo <= LOG_TRUE_MIN)
            return 1;
        *lo = fmax(*lo - step, LOG_TRUE_MIN);
        step *= 2.0;
    }
    return 0;
}

typedef struct shape2 {
    double a, b;
} shape2_t;

static double beta_log_cdf(double u, const void *par, double *slope) {
    const shape2_t *s = par;
    double x = exp(u), y = -expm1(u), front;
    double cdf = bl_incomplete_beta(s->a, s->b, x, y, &front);
    /* d log I / du = x pdf / I = front / (y I) */
    *slope = front / (y * cdf);
    return log(cdf);
}

/* The x <= a / (a + b) with I_x(a, b) = p, given that I at the mean is >= p. */
static double beta_quantile_lower(double p, double a, double b) {
    shape2_t s = {a, b};
    double target = log(p);
    double hi = -log1p(b / a); /* log of the mean */
    /* Left of the mean I_x ~ x^a / (a B(a, b)); with b >= 1 this is an
     * upper bound of I, so the guess is at or below the root. */
    double u = fmin((target + log(a) + bl_log_beta(a, b)) / a, hi);
    if (!(u > LOG_TRUE_MIN))
        u = LOG_TRUE_MIN;
    double lo = u;
    if (bracket_below(beta_log_cdf, &s, target, &lo))
        return 0.0;
    return exp(solve_log_tail(beta_log_cdf, &s, target, lo, hi, u, 1));
}

double bl_beta_quantile(double p, double a, double b) {
    if (isnan(p) || p < 0.0 || p > 1.0 || !(a > 0.0) || !(b > 0.0) || isinf(a) || isinf(b))
        return NAN;
    if (p == 0.0)
        return 0.0;
    if (p == 1.0)
        return 1.0;
    /* Solve in the tail the root is in, for x or for 1 - x, so that the
     * small one of the two is found with full relative precision. */
    double m = a / (a + b);
    double cdf_mean = bl_incomplete_beta(a, b, m, b / (a + b), NULL);
    if (p <= cdf_mean)
        return beta_quantile_lower(p, a, b);
    return 1.0 - beta_quantile_lower(1.0 - p, b, a);
}

static double gamma_log_p(double u, const void *par, double *slope) {
    const double *a = par;
    double p, q, front;
    bl_incomplete_gamma(*a, exp(u), &p, &q, &front);
    *slope = front / p;
    return log(p);
}

static double gamma_log_q(double u, const void *par, double *slope) {
    const double *a = par;
    double p, q, front;
    bl_incomplete_gamma(*a, exp(u), &p, &q, &front);
    *slope = -front / q;
    return log(q);
}

double bl_chi2_quantile(double p, double df) {
    if (isnan(p) || p < 0.0 || p > 1.0 || !(df > 0.0) || isinf(df))
        return NAN;
    if (p == 0.0)
        return 0.0;
    if (p == 1.0)
        return INFINITY;
    double a = 0.5 * df, pa, qa;
    bl_incomplete_gamma(a, a, &pa, &qa, NULL);
    double mid = log(a);
    if (p <= pa) {
        /* Lower tail: P(a, x) ~ x^a / Gamma(a + 1), an upper bound of P. */
        double target = log(p);
        double u = fmin((target + bl_log_gamma(a + 1.0)) / a, mid);
        if (!(u > LOG_TRUE_MIN))
            u = LOG_TRUE_MIN;
        double lo = u;
        if (bracket_below(gamma_log_p, &a, target, &lo))
            return 0.0;
        return 2.0 * exp(solve_log_tail(gamma_log_p, &a, target, lo, mid, u, 1));
    }
    /* Upper tail: Q(a, x) decreases; move hi up until Q(hi) < 1 - p. */
    double target = log1p(-p), lo = mid, hi = mid + 1.0, step = 1.0, slope;
    while (gamma_log_q(hi, &a, &slope) >= target) {
        lo = hi;
        hi += step;
        step *= 2.0;
        if (hi > 710.0)
            return INFINITY;
    }
    return 2.0 * exp(solve_log_tail(gamma_log_q, &a, target, lo, hi, 0.5 * (lo + hi), 0));
}

/* ---------------------------------------------------------------- proportions */

static bl_interval_t nan_interval(double estimate) {
    bl_interval_t iv = {estimate, NAN, NAN, NAN};
    return iv;
}

static int level_ok(double level) { return level > 0.0 && level < 1.0; }

bl_interval_t bl_wilson_interval(uint64_t k, uint64_t n, double level) {
    if (n == 0 || k > n)
        return nan_interval(NAN);
    double nn = (double)n, kk = (double)k;
    if (!level_ok(level))
        return nan_interval(kk / nn);
    /* Wilson (1927): the p with |k - n p| = z sqrt(n p (1 - p)). */
    double z = -bl_normal_quantile(0.5 * (1.0 - level));
    double z2 = z * z;
    double center = (kk + 0.5 * z2) / (nn + z2);
    double half = z * sqrt(kk * (nn - kk) / nn + 0.25 * z2) / (nn + z2);
    bl_interval_t iv;
    iv.estimate = kk / nn;
    iv.low = k == 0 ? 0.0 : fmax(0.0, center - half);
    iv.high = k == n ? 1.0 : fmin(1.0, center + half);
    iv.half_width = 0.5 * (iv.high - iv.low);
    return iv;
}

bl_interval_t bl_clopper_pearson_interval(uint64_t k, uint64_t n, double level) {
    if (n == 0 || k > n)
        return nan_interval(NAN);
    double nn = (double)n, kk = (double)k;
    if (!level_ok(level))
        return nan_interval(kk / nn);
    /* Clopper and Pearson (1934): the p at which P(X >= k) and P(X <= k)
     * equal alpha / 2, through P(X >= k) = I_p(k, n - k + 1). */
    double alpha = 1.0 - level;
    bl_interval_t iv;
    iv.estimate = kk / nn;
    iv.low = k == 0 ? 0.0 : bl_beta_quantile(0.5 * alpha, kk, nn - kk + 1.0);
    iv.high = k == n ? 1.0 : bl_beta_quantile(1.0 - 0.5 * alpha, kk + 1.0, nn - kk);
    iv.half_width = 0.5 * (iv.high - iv.low);
    return iv;
}

/* ---------------------------------------------------------------- McNemar */

bl_mcnemar_t bl_mcnemar(uint64_t b, uint64_t c) {
    bl_mcnemar_t r = {b, c, 0.0, 1.0, 1.0};
    if (b + c == 0)
        return r; /* no discordant pair: no evidence either way */
    double bb = (double)b, cc = (double)c, n = bb + cc;
    /* Edwards' continuity correction, floored at 0 so that b == c gives
     * chi2 = 0 and p = 1. */
    double dev = fmax(fabs(bb - cc) - 1.0, 0.0);
    r.chi2 = dev * dev / n;
    r.p_chi2 = bl_chi2_sf(r.chi2, 1.0);
    /* Exact: X ~ Bin(n, 1/2); P(X <= k) = I_{1/2}(n - k, k + 1). */
    double k = fmin(bb, cc);
    double tail = k >= n - k ? 1.0 : bl_beta_cdf(0.5, n - k, k + 1.0);
    r.p_exact = fmin(1.0, 2.0 * tail);
    return r;
}

/* ---------------------------------------------------------------- bootstrap */

static int compare_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Quantile q of sorted x[0..n-1], linear between order statistics
 * (position (n - 1) q, Hyndman and Fan's definition 7). */
static double sorted_quantile(const double *x, size_t n, double q) {
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

bl_interval_t bl_bootstrap(size_t n, double (*statistic)(void *ctx, const size_t *idx, size_t n),
                           void *ctx, unsigned resamples, double level, bl_rng_t *rng) {
    bl_interval_t iv = nan_interval(NAN);
    if (n == 0 || statistic == NULL || rng == NULL)
        return iv;
    size_t *idx = malloc(n * sizeof *idx);
    double *stat = resamples ? malloc(resamples * sizeof *stat) : NULL;
    if (idx == NULL || (resamples && stat == NULL))
        goto out;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    iv.estimate = statistic(ctx, idx, n);
    if (resamples == 0 || !level_ok(level))
        goto out;
    size_t kept = 0;
    for (unsigned r = 0; r < resamples; r++) {
        for (size_t i = 0; i < n; i++)
            idx[i] = (size_t)bl_rng_below(rng, (uint64_t)n);
        double s = statistic(ctx, idx, n);
        /* A statistic undefined on a resample (NaN) has no place in the
         * percentiles; the interval is of the others. */
        if (!isnan(s))
            stat[kept++] = s;
    }
    if (kept == 0)
        goto out;
    qsort(stat, kept, sizeof *stat, compare_double);
    double alpha = 1.0 - level;
    iv.low = sorted_quantile(stat, kept, 0.5 * alpha);
    iv.high = sorted_quantile(stat, kept, 1.0 - 0.5 * alpha);
    iv.half_width = 0.5 * (iv.high - iv.low);
out:
    free(stat);
    free(idx);
    return iv;
}
