/*
 * Statistics: see stats.h.
 *
 * The normal quantile starts from Acklam's rational approximation (relative
 * error below 1.2e-9) and takes one Halley step on erfc, which brings it to
 * about machine precision.  The Student t distribution function is written
 * through the regularized incomplete beta function of special.c; the t
 * quantile is found by safeguarded Newton iteration on the logarithm of that
 * distribution function.  From LARGE_DF degrees of freedom on, both use the
 * Cornish-Fisher expansion around the normal instead.
 */
#include "stats/stats.h"

#include <math.h>
#include <stddef.h>

#include "stats/special.h"

#define SQRT_2PI 2.50662827463100050242
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

/* ---------------------------------------------------------------- Student t */

/* Logarithm of the density of t with df degrees of freedom (the density
 * itself underflows in the far tails that t_quantile_lower must reach). */
static double t_log_pdf(double t, double df) {
    double lognorm = -0.5 * log(df) - bl_log_beta(0.5 * df, 0.5);
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
    double a = 0.5 * df, at = fabs(t), tail;
    if (at > 1e150) {
        /* t^2 would overflow, and x, below about 1e-295, may underflow:
         * there the continued fraction is 1 to double precision and
         * I_x(a, 1/2) = x^a / (a B(a, 1/2)), taken through log x. */
        double log_x = log(df) - 2.0 * log(at);
        tail = 0.5 * exp(a * log_x - bl_log_beta(a, 0.5)) / a;
    } else {
        double r = t * t / df;
        tail = 0.5 * bl_incomplete_beta(a, 0.5, 1.0 / (1.0 + r), r / (1.0 + r), NULL);
    }
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
