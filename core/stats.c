/*
 * Statistics: see stats.h.
 *
 * The normal quantile starts from Acklam's rational approximation (relative
 * error below 1.2e-9) and takes one Halley step on erfc, which brings it to
 * about machine precision.  The Student t distribution function is written
 * through the regularized incomplete beta function, evaluated by its
 * continued fraction (DLMF 8.17.22) with the modified Lentz algorithm; the t
 * quantile is found by safeguarded Newton iteration on the logarithm of that
 * distribution function.  From LARGE_DF degrees of freedom on, both use the
 * Cornish-Fisher expansion around the normal instead.  Log-gamma is computed
 * here too (Lanczos for small arguments, Stirling's series for large ones)
 * rather than with lgamma(), which writes the global signgam and so is not
 * safe to call from worker threads.
 */
#include "stats.h"

#include <float.h>
#include <math.h>

#define SQRT_2PI 2.50662827463100050242
#define LN_SQRT_2PI 0.91893853320467274178
#define PI 3.14159265358979323846
#define SQRT2 1.41421356237309504880

/* From here on the t distribution is computed by its expansion around the
 * normal (error below 1e-13), where the incomplete beta continued fraction
 * would be slow and lose precision near its mean. */
#define LARGE_DF 1e5

void bl_moments_init(bl_moments_t *m) {
    m->n = 0;
    m->mean = 0.0;
    m->m2 = 0.0;
}

void bl_moments_add(bl_moments_t *m, double x) {
    m->n++;
    double delta = x - m->mean;
    m->mean += delta / (double)m->n;
    m->m2 += delta * (x - m->mean);
}

double bl_moments_variance(const bl_moments_t *m) {
    return m->n < 2 ? 0.0 : m->m2 / (double)(m->n - 1);
}

/* ---------------------------------------------------------------- normal */

double bl_normal_cdf(double x) { return 0.5 * erfc(-x / SQRT2); }

/* Acklam's approximation for p in (0, 0.5]. */
static double acklam_lower(double p) {
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    if (p < 0.02425) {
        double q = sqrt(-2.0 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

double bl_normal_quantile(double p) {
    if (isnan(p) || p < 0.0 || p > 1.0)
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    /* Work in the lower tail, where erfc keeps full relative precision;
     * 1 - p is exact for p >= 0.5. */
    if (p > 0.5)
        return -bl_normal_quantile(1.0 - p);
    double x = acklam_lower(p);
    double e = bl_normal_cdf(x) - p;
    double u = e * SQRT_2PI * exp(0.5 * x * x);
    return x - u / (1.0 + 0.5 * x * u);
}

/* ---------------------------------------------------------------- gamma, beta */

/* Stirling's series remainder: lgamma(x) - [(x - 1/2) ln x - x + ln sqrt(2 pi)],
 * accurate to 1e-14 for x >= 10. */
static double stirling_tail(double x) {
    double r = 1.0 / x, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))));
}

/* log Gamma(x) for x > 0. */
static double log_gamma(double x) {
    if (x >= 10.0)
        return (x - 0.5) * log(x) - x + LN_SQRT_2PI + stirling_tail(x);
    if (x < 0.5)
        return log(PI / sin(PI * x)) - log_gamma(1.0 - x);
    /* Lanczos, g = 7, n = 9. */
    static const double c[] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                               771.32342877765313,   -176.61502916214059,   12.507343278686905,
                               -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    x -= 1.0;
    double s = c[0];
    for (int i = 1; i < 9; i++)
        s += c[i] / (x + i);
    double t = x + 7.5;
    return LN_SQRT_2PI + (x + 0.5) * log(t) - t + log(s);
}

/* log B(a, b) for a, b > 0, without the cancellation of
 * lgamma(a) + lgamma(b) - lgamma(a + b) when one argument is large. */
static double log_beta(double a, double b) {
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    if (a < 10.0)
        return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    /* lgamma(a) - lgamma(a + b) from the difference of Stirling series. */
    double diff =
        (a - 0.5) * log1p(b / a) + b * log(a + b) - b + stirling_tail(a + b) - stirling_tail(a);
    return log_gamma(b) - diff;
}

/* Continued fraction for I_x(a, b) (modified Lentz). */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        /* even step: d_{2m} */
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        if (fabs(d) < tiny)
            d = tiny;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        /* odd step: d_{2m+1} */
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
        if (fabs(delta - 1.0) < 4.0 * DBL_EPSILON)
            break;
    }
    return h;
}

/* Regularized incomplete beta I_x(a, b), given x and y = 1 - x and their
 * logarithms, each computed without cancellation by the caller: with a large
 * a, a * log(x) amplifies any rounding in x. */
static double incomplete_beta(double a, double b, double x, double y, double log_x, double log_y) {
    if (x <= 0.0 && log_x == -INFINITY)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    double front = exp(a * log_x + b * log_y - log_beta(a, b));
    /* The fraction converges fast only left of the mean; use the symmetry
     * I_x(a, b) = 1 - I_y(b, a) on the right. */
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_cf(a, b, x) / a;
    return 1.0 - front * beta_cf(b, a, y) / b;
}

/* ---------------------------------------------------------------- Student t */

/* Logarithm of the density of t with df degrees of freedom (the density
 * itself underflows in the far tails that t_quantile_lower must reach). */
static double t_log_pdf(double t, double df) {
    double lognorm = -0.5 * log(df) - log_beta(0.5 * df, 0.5);
    double at = fabs(t);
    double log_base = at > 1e150 ? 2.0 * log(at) - log(df) : log1p(t * t / df);
    return lognorm - 0.5 * (df + 1.0) * log_base;
}

/* Cornish-Fisher expansion of the t quantile around the normal quantile z
 * (Abramowitz and Stegun 26.7.5), to order 1/df^4. */
static double cornish_fisher(double z, double df) {
    double z2 = z * z;
    double g1 = z * (z2 + 1.0) / 4.0;
    double g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    double g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    double g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/* t distribution function for df >= LARGE_DF: solve t = cornish_fisher(z)
 * for z by fixed-point iteration (a contraction: the correction's slope is
 * of order z^2 / df), then take the normal distribution function. */
static double t_cdf_large_df(double t, double df) {
    double z = t;
    for (int i = 0; i < 50; i++) {
        double next = z - (cornish_fisher(z, df) - t);
        if (fabs(next - z) <= 1e-16 * fabs(z)) {
            z = next;
            break;
        }
        z = next;
    }
    return bl_normal_cdf(z);
}

double bl_t_cdf(double t, double df) {
    if (isnan(t) || !(df > 0.0))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    if (df >= LARGE_DF)
        return t_cdf_large_df(t, df);
    /* P(T < -|t|) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2). */
    double at = fabs(t), x, y, log_x, log_y;
    if (at > 1e150) {
        /* t^2 would overflow; x is below about 1e-300 and y is 1. */
        log_x = log(df) - 2.0 * log(at);
        x = exp(log_x);
        y = 1.0;
        log_y = 0.0;
    } else {
        double r = t * t / df;
        x = 1.0 / (1.0 + r);
        y = r / (1.0 + r);
        log_x = -log1p(r);
        log_y = log(y);
    }
    double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, x, y, log_x, log_y);
    return t > 0 ? 1.0 - tail : tail;
}

/* Quantile for p in (0, 0.5): negative. */
static double t_quantile_lower(double p, double df) {
    /* Closed forms; tan(pi (p - 1/2)) written as -1 / tan(pi p) so that a
     * tiny p is not lost in p - 1/2. */
    if (df == 1.0)
        return -1.0 / tan(PI * p);
    if (df == 2.0)
        return (2.0 * p - 1.0) / sqrt(2.0 * p * (1.0 - p));

    double z = bl_normal_quantile(p);
    double t = cornish_fisher(z, df);
    if (df >= LARGE_DF)
        return t;
    /* Below LARGE_DF the expansion is only a starting point. */
    if (!(t < 0.0) || !isfinite(t))
        t = z;

    /* Bracket the root: cdf(lo) <= p < cdf(hi). */
    double hi = 0.0, lo = t;
    while (bl_t_cdf(lo, df) > p && isfinite(lo))
        lo *= 2.0;
    if (!isfinite(lo))
        return lo;

    /* Newton on log cdf as a function of u = log(-t): the tail is a power
     * law, nearly a straight line in these coordinates, so the iteration
     * converges fast even when the start is decades away. */
    double log_p = log(p);
    for (int i = 0; i < 200; i++) {
        double cdf = bl_t_cdf(t, df);
        if (cdf == p)
            return t;
        if (cdf < p)
            lo = t;
        else
            hi = t;
        double u = log(-t);
        /* d log cdf / du = t pdf / cdf */
        double slope = -exp(t_log_pdf(t, df) + log(-t) - log(cdf));
        double next = -exp(u - (log(cdf) - log_p) / slope);
        /* Bisect (geometrically once both ends are non-zero) when Newton
         * leaves the bracket. */
        if (fabs(next - t) <= 1e-15 * fabs(t))
            return next;
        if (!(next > lo && next < hi))
            next = hi == 0.0 ? 0.5 * lo : -exp(0.5 * (log(-lo) + log(-hi)));
        if (hi - lo <= 1e-15 * fabs(lo))
            return next;
        t = next;
    }
    return t;
}

double bl_t_quantile(double p, double df) {
    if (isnan(p) || isnan(df) || p < 0.0 || p > 1.0 || !(df > 0.0))
        return NAN;
    if (p == 0.0)
        return -INFINITY;
    if (p == 1.0)
        return INFINITY;
    if (p == 0.5)
        return 0.0;
    /* 1 - p is exact for p > 0.5. */
    if (p > 0.5)
        return -t_quantile_lower(1.0 - p, df);
    return t_quantile_lower(p, df);
}

/* ---------------------------------------------------------------- intervals */

bl_interval_t bl_mean_interval(const double *x, size_t n, double level) {
    bl_moments_t m;
    bl_moments_init(&m);
    for (size_t i = 0; i < n; i++)
        bl_moments_add(&m, x[i]);

    bl_interval_t iv;
    iv.estimate = n ? m.mean : NAN;
    if (n < 2 || !(level > 0.0 && level < 1.0)) {
        iv.low = iv.high = iv.half_width = NAN;
        return iv;
    }
    double q = bl_t_quantile(0.5 * (1.0 + level), (double)(n - 1));
    iv.half_width = q * sqrt(bl_moments_variance(&m) / (double)n);
    iv.low = iv.estimate - iv.half_width;
    iv.high = iv.estimate + iv.half_width;
    return iv;
}
