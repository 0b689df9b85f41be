/*
 * Statistical inference: see inference.h.
 *
 * Everything here is written from the mathematics, not from another
 * library's code:
 *
 * - log Gamma by Stirling's series (DLMF 5.11.1) after shifting the argument
 *   to 15 or more with the recurrence Gamma(x + 1) = x Gamma(x); the series
 *   is cut after the x^-11 term, whose successor is below 4e-18 there.
 * - The regularized incomplete beta I_x(a, b) by its continued fraction
 *   (DLMF 8.17.22) with the modified Lentz algorithm, on the side of the
 *   mean where it converges fast (I_x(a, b) = 1 - I_{1-x}(b, a) on the
 *   other).  Its prefactor x^a (1 - x)^b / B(a, b) is where precision is
 *   lost for large a and b: a log x alone is 1e6 times the rounding of x.
 *   With both parameters large it is written, after Stirling, as
 *   sqrt(ab / (2 pi (a + b))) exp(a log1p(e / a) + b log1p(-e / b) - ...)
 *   with e = x b - (1 - x) a, whose two first-order terms cancel, so that
 *   the rounding of x and of the large logarithms no longer grows with a
 *   and b.  With one parameter large, log B(a, b) is computed from
 *   the difference of two Stirling series instead of the difference of two
 *   nearly equal log-gammas.
 * - The regularized incomplete gamma functions P(a, x) and Q(a, x) by the
 *   power series of gamma(a, x) (DLMF 8.7.1) left of a + 1 and Legendre's
 *   continued fraction for Gamma(a, x) (DLMF 8.9.2) right of it, with the
 *   prefactor x^a e^-x / Gamma(a) treated like the beta one.
 * - Quantiles by safeguarded Newton iteration on the logarithm of the tail
 *   probability as a function of u = log x: tails are close to power laws
 *   (lower) or exponentials (upper), nearly straight in these coordinates,
 *   and a bracket kept throughout falls back to bisection in u when a
 *   Newton step would leave it, so the iteration cannot diverge and reaches
 *   quantiles that are decades away from the starting point.
 *
 * Measured against 30-digit quadrature (mpmath) on a grid of a, b from 1e-3
 * to 1e6: I_x(a, b) to 3e-11 absolute; the remaining error is the continued
 * fraction's own, whose leading terms nearly cancel near the switch point
 * when a + b is large (a relative loss of about (a + b) eps).  Chi-square
 * probabilities to 1e-14 absolute for df up to 1e6.
 */
#include "inference.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846
#define LN_SQRT_2PI 0.91893853320467274178
#define MAX_CF_ITER 1000000
#define MAX_SOLVE_ITER 400

/* log of the smallest positive (subnormal) double: below it x underflows. */
#define LOG_TRUE_MIN (-744.44007192138126)

/* ---------------------------------------------------------------- gamma */

/* Stirling remainder log Gamma(x) - [(x - 1/2) log x - x + log sqrt(2 pi)]
 * for x >= 15: sum of B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..6. */
static double stirling_series(double x) {
    double r = 1.0 / x, r2 = r * r;
    return r *
           (1.0 / 12 - r2 * (1.0 / 360 -
                             r2 * (1.0 / 1260 -
                                   r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360))))));
}

/* log Gamma(x), x > 0.  lgamma() is not used: it writes the global signgam
 * and so is not safe to call from worker threads. */
static double log_gamma(double x) {
    double prod = 1.0;
    while (x < 15.0) {
        prod *= x;
        x += 1.0;
    }
    return (x - 0.5) * log(x) - x + LN_SQRT_2PI + stirling_series(x) - log(prod);
}

/* Stirling remainder for any x > 0. */
static double stirling_mu(double x) {
    if (x >= 15.0)
        return stirling_series(x);
    return log_gamma(x) - ((x - 0.5) * log(x) - x + LN_SQRT_2PI);
}

/* log B(a, b) for a, b > 0. */
static double log_beta(double a, double b) {
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b < 15.0)
        return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    /* log Gamma(b) - log Gamma(a + b) from the two Stirling series: the
     * large terms cancel analytically instead of numerically. */
    double diff =
        -(b - 0.5) * log1p(a / b) - a * log(a + b) + a + stirling_mu(b) - stirling_mu(a + b);
    return log_gamma(a) + diff;
}

/* ---------------------------------------------------------------- incomplete beta */

/* x^a y^b / B(a, b) with y = 1 - x (given separately, without cancellation). */
static double beta_front(double a, double b, double x, double y) {
    if (a >= 15.0 && b >= 15.0) {
        double s = a + b;
        double e = fma(x, b, -y * a); /* x (a + b) - a */
        /* log(x / mean) and log(y / (1 - mean)); log1p near the mean,
         * where the two terms cancel to first order, the plain logarithm
         * far from it, where e / a rounds to -1. */
        double lx = e / a > -0.5 ? log1p(e / a) : log(x) + log1p(b / a);
        double ly = e / b < 0.5 ? log1p(-e / b) : log(y) + log1p(a / b);
        double t = a * lx + b * ly;
        double corr = stirling_mu(a) + stirling_mu(b) - stirling_mu(s);
        return sqrt(a * b / (2.0 * PI * s)) * exp(t - corr);
    }
    /* Of x and y = 1 - x, the one above 1/2 may carry the rounding of the
     * other's complement: take its logarithm from the small one. */
    double log_x = y < 0.5 ? log1p(-y) : log(x);
    double log_y = x < 0.5 ? log1p(-x) : log(y);
    return exp(a * log_x + b * log_y - log_beta(a, b));
}

/* Continued fraction of I_x(a, b) (DLMF 8.17.22) by modified Lentz:
 * returns the fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))). */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= MAX_CF_ITER; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        if (fabs(d) < tiny)
            d = tiny;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        if (fabs(d) < tiny)
            d = tiny;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < 2.0 * DBL_EPSILON)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x; *front receives x^a y^b / B(a, b), from which
 * the density is front / (x y). */
static double beta_inc(double a, double b, double x, double y, double *front) {
    *front = 0.0;
    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    double f = beta_front(a, b, x, y);
    *front = f;
    if (f == 0.0)
        return x < a / (a + b) ? 0.0 : 1.0;
    if (x < (a + 1.0) / (a + b + 2.0))
        return f * beta_cf(a, b, x) / a;
    return 1.0 - f * beta_cf(b, a, y) / b;
}

double bl_beta_cdf(double x, double a, double b) {
    if (isnan(x) || !(a > 0.0) || !(b > 0.0) || isinf(a) || isinf(b))
        return NAN;
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double front;
    return beta_inc(a, b, x, 1.0 - x, &front);
}

/* ---------------------------------------------------------------- incomplete gamma */

/* x^a e^-x / Gamma(a). */
static double gamma_front(double a, double x) {
    if (a >= 15.0) {
        double t = (x - a) / a;
        double l = fabs(t) < 0.5 ? log1p(t) : log(x / a);
        return sqrt(a / (2.0 * PI)) * exp(a * (l - t) - stirling_series(a));
    }
    return exp(a * log(x) - x - log_gamma(a));
}

/* P(a, x) and Q(a, x) = 1 - P(a, x); *front receives x^a e^-x / Gamma(a)
 * (x times the density). */
static void gamma_inc(double a, double x, double *p, double *q, double *front) {
    *front = 0.0;
    if (x <= 0.0) {
        *p = 0.0;
        *q = 1.0;
        return;
    }
    if (isinf(x)) {
        *p = 1.0;
        *q = 0.0;
        return;
    }
    double f = gamma_front(a, x);
    *front = f;
    if (x < a + 1.0) {
        /* gamma(a, x) = x^a e^-x sum_n x^n / (a (a + 1) ... (a + n)) */
        double term = 1.0 / a, sum = term;
        for (int n = 1; n <= MAX_CF_ITER; n++) {
            term *= x / (a + n);
            sum += term;
            if (term < sum * DBL_EPSILON)
                break;
        }
        *p = f * sum;
        *q = 1.0 - *p;
        return;
    }
    /* Gamma(a, x) = x^a e^-x / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)) */
    const double tiny = 1e-300;
    double bn = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / bn, h = d;
    for (int n = 1; n <= MAX_CF_ITER; n++) {
        double an = -n * (n - a);
        bn += 2.0;
        d = an * d + bn;
        if (fabs(d) < tiny)
            d = tiny;
        c = bn + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < 2.0 * DBL_EPSILON)
            break;
    }
    *q = f * h;
    *p = 1.0 - *q;
}

double bl_chi2_cdf(double x, double df) {
    if (isnan(x) || !(df > 0.0) || isinf(df))
        return NAN;
    double p, q, front;
    gamma_inc(0.5 * df, 0.5 * x, &p, &q, &front);
    return p;
}

double bl_chi2_sf(double x, double df) {
    if (isnan(x) || !(df > 0.0) || isinf(df))
        return NAN;
    double p, q, front;
    gamma_inc(0.5 * df, 0.5 * x, &p, &q, &front);
    return q;
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
    double cdf = beta_inc(s->a, s->b, x, y, &front);
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
    double u = fmin((target + log(a) + log_beta(a, b)) / a, hi);
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
    double m = a / (a + b), front;
    double cdf_mean = beta_inc(a, b, m, b / (a + b), &front);
    if (p <= cdf_mean)
        return beta_quantile_lower(p, a, b);
    return 1.0 - beta_quantile_lower(1.0 - p, b, a);
}

static double gamma_log_p(double u, const void *par, double *slope) {
    const double *a = par;
    double p, q, front;
    gamma_inc(*a, exp(u), &p, &q, &front);
    *slope = front / p;
    return log(p);
}

static double gamma_log_q(double u, const void *par, double *slope) {
    const double *a = par;
    double p, q, front;
    gamma_inc(*a, exp(u), &p, &q, &front);
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
    double a = 0.5 * df, pa, qa, front;
    gamma_inc(a, a, &pa, &qa, &front);
    double mid = log(a);
    if (p <= pa) {
        /* Lower tail: P(a, x) ~ x^a / Gamma(a + 1), an upper bound of P. */
        double target = log(p);
        double u = fmin((target + log_gamma(a + 1.0)) / a, mid);
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
