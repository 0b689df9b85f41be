/*
 * Unit tests for core/stats/inference.c and the special functions of core/stats/special.c
 * beneath it.
 *
 * Where each reference value comes from is said beside it.  "mpmath" means
 * computed independently in Python with mpmath 1.3 at 40 significant digits
 * (gammainc / betainc, or a 200-step bisection on them for quantiles);
 * "quadrature" means mpmath's tanh-sinh quadrature of the density at 30
 * digits; "fractions" means exact rational arithmetic with Python's
 * fractions module.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stats/inference.h"
#include "stats/special.h"

#define PI 3.14159265358979323846

static void expect_near(double got, double expected, double tol, const char *what) {
    if (!(fabs(got - expected) <= tol))
        fail_msg("%s: got %.17g, expected %.17g (tolerance %g)", what, got, expected, tol);
}

static void expect_rel(double got, double expected, double rel, const char *what) {
    expect_near(got, expected, rel * fabs(expected), what);
}

/* ---------------------------------------------------------------- chi-square */

static void test_inference_chi2_quantile_published(void **state) {
    (void)state;
    /* NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.4,
     * "Critical values of the chi-square distribution" (upper-tail table,
     * three decimals). */
    expect_near(bl_chi2_quantile(0.95, 1), 3.841, 5e-4, "NIST chi2(0.95, 1)");
    expect_near(bl_chi2_quantile(0.95, 2), 5.991, 5e-4, "NIST chi2(0.95, 2)");
    expect_near(bl_chi2_quantile(0.95, 10), 18.307, 5e-4, "NIST chi2(0.95, 10)");
    expect_near(bl_chi2_quantile(0.99, 5), 15.086, 5e-4, "NIST chi2(0.99, 5)");
    /* The same and more to full precision (mpmath, bisection on gammainc). */
    static const struct {
        double p, df, q;
    } ref[] = {
        {0.95, 1, 3.8414588206941244691},     {0.95, 2, 5.9914645471079802105},
        {0.95, 10, 18.307038053275144003},    {0.99, 5, 15.086272469388987961},
        {0.05, 1, 0.0039321400000195231684},  {0.05, 10, 3.9402991361190600947},
        {0.999, 100, 149.44925277903870637},  {0.01, 3, 0.11483180189911703915},
        {0.5, 1, 0.45493642311957275194},     {0.975, 30, 46.979242243671152666},
        {1e-10, 4, 2.8284404581659482816e-5}, {0.5, 1000, 999.33341240338096875},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        expect_rel(bl_chi2_quantile(ref[i].p, ref[i].df), ref[i].q, 1e-12,
                   "chi2 quantile (mpmath)");
    assert_true(bl_chi2_quantile(0.0, 3) == 0.0);
    assert_true(bl_chi2_quantile(1.0, 3) == INFINITY);
    assert_true(isnan(bl_chi2_quantile(0.5, 0.0)));
    assert_true(isnan(bl_chi2_quantile(-0.1, 3)));
    assert_true(isnan(bl_chi2_quantile(NAN, 3)));
}

static void test_inference_chi2_cdf_sf(void **state) {
    (void)state;
    /* mpmath gammainc(df / 2, 0, x / 2, regularized=True) and its upper tail. */
    static const struct {
        double x, df, cdf, sf;
    } ref[] = {
        {1.0, 1, 0.68268949213708589717, 0.31731050786291410283},
        {20.0, 10, 0.97074731192303892733, 0.029252688076961072673},
        {100.0, 50, 0.99996545068617015136, 3.4549313829848639421e-5},
        {1e-6, 3, 2.6596144047917993489e-10, 0.99999999973403855952},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        expect_rel(bl_chi2_cdf(ref[i].x, ref[i].df), ref[i].cdf, 1e-13, "chi2 cdf (mpmath)");
        expect_rel(bl_chi2_sf(ref[i].x, ref[i].df), ref[i].sf, 1e-12, "chi2 sf (mpmath)");
    }
    /* df = 2 is the exponential: P(X > x) = exp(-x / 2). */
    for (double x = 0.01; x < 1400.0; x *= 1.7)
        expect_rel(bl_chi2_sf(x, 2.0), exp(-0.5 * x), 1e-13, "chi2 sf, df = 2");
    /* df = 1: P(X > x) = erfc(sqrt(x / 2)). */
    for (double x = 1e-8; x < 1400.0; x *= 3.1)
        expect_rel(bl_chi2_sf(x, 1.0), erfc(sqrt(0.5 * x)), 1e-13, "chi2 sf, df = 1");
    assert_true(bl_chi2_cdf(-1.0, 3) == 0.0);
    assert_true(bl_chi2_sf(-1.0, 3) == 1.0);
    assert_true(bl_chi2_cdf(INFINITY, 3) == 1.0);
    assert_true(isnan(bl_chi2_cdf(NAN, 3)));
    assert_true(isnan(bl_chi2_sf(1.0, -2)));
}

static void test_inference_chi2_round_trip(void **state) {
    (void)state;
    static const double dfs[] = {0.1, 0.5, 1, 2, 3, 7, 29.5, 30, 31, 100, 1e3, 1e4, 1e5, 1e6};
    static const double ps[] = {1e-100, 1e-12, 1e-6, 0.001, 0.025, 0.1,     0.3,
                                0.5,    0.7,   0.9,  0.975, 0.999, 1 - 1e-9};
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++) {
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double q = bl_chi2_quantile(ps[j], dfs[i]);
            if (q == 0.0) {
                /* below the smallest double (x / 2 is the gamma variate):
                 * only for tiny p and df */
                if (!(bl_chi2_cdf(2 * DBL_TRUE_MIN, dfs[i]) >= ps[j]))
                    fail_msg("chi2 quantile(%g; %g) underflowed", ps[j], dfs[i]);
                continue;
            }
            if (ps[j] < 0.5)
                expect_rel(bl_chi2_cdf(q, dfs[i]), ps[j], 1e-10, "chi2 cdf(quantile(p))");
            else
                expect_rel(bl_chi2_sf(q, dfs[i]), 1.0 - ps[j], 1e-10, "chi2 sf(quantile(p))");
        }
    }
}

/* ---------------------------------------------------------------- special functions */

static void test_inference_special_functions(void **state) {
    (void)state;
    /* Gamma(1/2) = sqrt(pi), Gamma(1) = Gamma(2) = 1, Gamma(10) = 9!; below 15
     * through the recurrence, above it Stirling's series alone (mpmath
     * loggamma(100)). */
    expect_near(bl_log_gamma(0.5), 0.5 * log(PI), 1e-15, "log Gamma(1/2)");
    expect_near(bl_log_gamma(1.0), 0.0, 1e-14, "log Gamma(1)");
    expect_near(bl_log_gamma(2.0), 0.0, 1e-14, "log Gamma(2)");
    expect_near(bl_log_gamma(10.0), log(362880.0), 1e-14, "log Gamma(10)");
    expect_rel(bl_log_gamma(100.0), 359.13420536957539878, 1e-15, "log Gamma(100)");
    /* B(3, b) = 2 / (b (b + 1) (b + 2)), in either order: the difference of
     * Stirling series, where log-gammas near 1.3e7 would cancel. */
    double b = 1e6, lb = log(2.0) - log(b) - log1p(b) - log(b + 2.0);
    expect_rel(bl_log_beta(3.0, b), lb, 1e-14, "log B(3, 1e6)");
    expect_rel(bl_log_beta(b, 3.0), lb, 1e-14, "log B(1e6, 3)");

    /* I_x(1, b) = 1 - y^b with y = 1 - x; its complement I_y(b, 1) = y^b,
     * given y directly, keeps its relative precision however small, and the
     * prefactor is x y^b / B(1, b) = b x y^b. */
    static const double bs[] = {0.5, 3.0, 40.0};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        for (double y = 1e-6; y < 1.0; y = y < 0.1 ? y * 10 : y + 0.1) {
            double x = 1.0 - y, yb = pow(y, bs[i]), front = NAN;
            expect_near(bl_incomplete_beta(1.0, bs[i], x, y, NULL), 1.0 - yb, 1e-14, "I_x(1, b)");
            expect_rel(bl_incomplete_beta(bs[i], 1.0, y, x, &front), yb, 1e-12, "I_y(b, 1)");
            expect_rel(front, bs[i] * x * yb, 1e-12, "front of I_y(b, 1)");
        }
    }
    assert_true(bl_incomplete_beta(2.0, 3.0, 0.0, 1.0, NULL) == 0.0);
    assert_true(bl_incomplete_beta(2.0, 3.0, 1.0, 0.0, NULL) == 1.0);
}

/* ---------------------------------------------------------------- beta */

static void test_inference_beta_cdf_values(void **state) {
    (void)state;
    /* Closed forms: I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b,
     * I_x(1/2, 1/2) = (2 / pi) asin(sqrt(x)). */
    for (double x = 1e-12; x < 1.0; x = x < 0.1 ? x * 10 : x + 0.1) {
        expect_rel(bl_beta_cdf(x, 0.001, 1.0), pow(x, 0.001), 1e-14, "I_x(a, 1)");
        expect_rel(bl_beta_cdf(x, 3.5, 1.0), pow(x, 3.5), 1e-13, "I_x(a, 1)");
        expect_rel(bl_beta_cdf(x, 1.0, 40.0), -expm1(40.0 * log1p(-x)), 1e-13, "I_x(1, b)");
        expect_rel(bl_beta_cdf(x, 0.5, 0.5), 2.0 / PI * asin(sqrt(x)), 1e-13, "I_x(1/2, 1/2)");
    }
    /* mpmath betainc, regularized. */
    expect_rel(bl_beta_cdf(0.3, 2, 5), 0.57982499999999997601, 1e-14, "I_0.3(2, 5)");
    expect_rel(bl_beta_cdf(0.9, 0.5, 0.5), 0.79516723530086657191, 1e-14, "I_0.9(1/2, 1/2)");
    expect_rel(bl_beta_cdf(0.001, 0.01, 3), 0.94728102432547395737, 1e-14, "I_0.001(0.01, 3)");
    /* Large parameters, where the prefactor loses precision unless it is
     * computed with care: quadrature, and for the first one also
     * 1 - mpmath.betainc(0.5, 1e6, 0, 1 - x); the last is 1/2 by symmetry. */
    expect_near(bl_beta_cdf(0.9999980857884554, 1e6, 0.5), 0.05039023843411344, 1e-10,
                "I_x(1e6, 0.5)");
    expect_near(bl_beta_cdf(1.5899731294566344e-05, 14.9, 1e6), 0.6328823953284777, 1e-10,
                "I_x(14.9, 1e6)");
    expect_near(bl_beta_cdf(0.5, 1e6, 1e6), 0.5, 1e-10, "I_0.5(1e6, 1e6)");
    assert_true(bl_beta_cdf(0.0, 2, 3) == 0.0);
    assert_true(bl_beta_cdf(1.0, 2, 3) == 1.0);
    assert_true(isnan(bl_beta_cdf(0.5, 0.0, 3)));
    assert_true(isnan(bl_beta_cdf(NAN, 1, 3)));
}

static void test_inference_beta_quantile_round_trip(void **state) {
    (void)state;
    static const double shapes[] = {1e-3, 0.01, 0.5, 1, 3, 14.5, 15.5, 50, 1e3, 1e5, 1e6};
    static const double ps[] = {1e-300, 1e-100, 1e-12, 1e-6, 0.001, 0.025, 0.1,
                                0.3,    0.5,    0.7,   0.9,  0.975, 0.999, 1 - 1e-9};
    size_t n = sizeof shapes / sizeof shapes[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            double a = shapes[i], b = shapes[j];
            for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
                double p = ps[k], q = bl_beta_quantile(p, a, b);
                assert_true(q >= 0.0 && q <= 1.0);
                double c = bl_beta_cdf(q, a, b);
                if (fabs(c - p) <= 1e-10)
                    continue;
                /* Otherwise q must be the double nearest the root: the
                 * distribution function jumps by more than 1e-10 between
                 * neighbouring doubles, or the root underflows. */
                double below = bl_beta_cdf(nextafter(q, 0.0), a, b);
                double above = bl_beta_cdf(nextafter(q, 1.0), a, b);
                if (!(below <= p && p <= above))
                    fail_msg("beta quantile(%g; %g, %g) = %.17g: cdf %.17g, neighbours %.17g "
                             "%.17g",
                             p, a, b, q, c, below, above);
            }
        }
    }
    assert_true(bl_beta_quantile(0.0, 2, 3) == 0.0);
    assert_true(bl_beta_quantile(1.0, 2, 3) == 1.0);
    assert_true(isnan(bl_beta_quantile(1.5, 2, 3)));
    assert_true(isnan(bl_beta_quantile(0.5, -1, 3)));
    /* closed form: the quantile of Beta(a, 1) is p^(1/a) */
    expect_rel(bl_beta_quantile(0.3, 2.5, 1.0), pow(0.3, 1 / 2.5), 1e-14, "Beta(a, 1) quantile");
}

/* ---------------------------------------------------------------- proportions */

/* Newcombe RG (1998). Two-sided confidence intervals for the single
 * proportion: comparison of seven methods. Statistics in Medicine
 * 17:857-872, Table I, 95% intervals to four decimals: method 3 (score,
 * Wilson) and method 5 (exact, Clopper-Pearson).  Full-precision values
 * from mpmath (Wilson's closed form; bisection on betainc). */
static const struct {
    uint64_t k, n;
    double wilson_low, wilson_high, exact_low, exact_high; /* published */
    double w_lo, w_hi, e_lo, e_hi;                         /* mpmath */
} newcombe[] = {
    {81, 263, 0.2553, 0.3662, 0.2527, 0.3676, 0.255288519878274, 0.3662095769828, 0.252736745585271,
     0.367621922601351},
    {15, 148, 0.0624, 0.1605, 0.0578, 0.1617, 0.0623863995307363, 0.160487241723308,
     0.0578440100834486, 0.161650490349479},
    {0, 20, 0.0000, 0.1611, 0.0000, 0.1684, 0.0, 0.161125158052819, 0.0, 0.168433470983085},
    {1, 29, 0.0061, 0.1718, 0.0009, 0.1776, 0.00611321429276266, 0.171755218793203,
     0.000872646883579922, 0.177644295488723},
};

static void test_inference_wilson_newcombe(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof newcombe / sizeof newcombe[0]; i++) {
        bl_interval_t iv = bl_wilson_interval(newcombe[i].k, newcombe[i].n, 0.95);
        expect_near(iv.low, newcombe[i].wilson_low, 5e-5, "Wilson low (Newcombe Table I)");
        expect_near(iv.high, newcombe[i].wilson_high, 5e-5, "Wilson high (Newcombe Table I)");
        expect_near(iv.low, newcombe[i].w_lo, 1e-13, "Wilson low (mpmath)");
        expect_near(iv.high, newcombe[i].w_hi, 1e-13, "Wilson high (mpmath)");
        expect_near(iv.estimate, (double)newcombe[i].k / (double)newcombe[i].n, 1e-15, "k/n");
        expect_near(iv.half_width, 0.5 * (iv.high - iv.low), 1e-15, "half width");
    }
}

static void test_inference_clopper_pearson_newcombe(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof newcombe / sizeof newcombe[0]; i++) {
        bl_interval_t iv = bl_clopper_pearson_interval(newcombe[i].k, newcombe[i].n, 0.95);
        expect_near(iv.low, newcombe[i].exact_low, 5e-5, "exact low (Newcombe Table I)");
        expect_near(iv.high, newcombe[i].exact_high, 5e-5, "exact high (Newcombe Table I)");
        expect_near(iv.low, newcombe[i].e_lo, 1e-12, "exact low (mpmath)");
        expect_near(iv.high, newcombe[i].e_hi, 1e-12, "exact high (mpmath)");
    }
}

static void test_inference_proportion_edges(void **state) {
    (void)state;
    bl_interval_t iv = bl_wilson_interval(0, 0, 0.95);
    assert_true(isnan(iv.low) && isnan(iv.high) && isnan(iv.estimate));
    iv = bl_clopper_pearson_interval(0, 0, 0.95);
    assert_true(isnan(iv.low) && isnan(iv.high));
    iv = bl_wilson_interval(5, 4, 0.95);
    assert_true(isnan(iv.low));
    iv = bl_wilson_interval(3, 10, 1.0);
    assert_true(isnan(iv.low) && iv.estimate == 0.3);
    /* k = n: high is 1; k = 0: low is 0 (exactly, for both methods). */
    iv = bl_wilson_interval(20, 20, 0.95);
    assert_true(iv.high == 1.0);
    expect_near(iv.low, 1.0 - newcombe[2].w_hi, 1e-13, "Wilson 20/20 mirrors 0/20");
    iv = bl_clopper_pearson_interval(20, 20, 0.95);
    assert_true(iv.high == 1.0);
    /* 20/20: low = (alpha / 2)^(1 / n) */
    expect_near(iv.low, pow(0.025, 1.0 / 20), 1e-14, "exact 20/20");
    iv = bl_clopper_pearson_interval(0, 20, 0.95);
    assert_true(iv.low == 0.0);
    /* Exact is wider than Wilson on the published examples. */
    for (size_t i = 0; i < sizeof newcombe / sizeof newcombe[0]; i++) {
        bl_interval_t w = bl_wilson_interval(newcombe[i].k, newcombe[i].n, 0.95);
        bl_interval_t e = bl_clopper_pearson_interval(newcombe[i].k, newcombe[i].n, 0.95);
        assert_true(e.high - e.low > w.high - w.low);
    }
    /* A large n: both intervals close in on the normal one. */
    iv = bl_clopper_pearson_interval(500000, 1000000, 0.95);
    expect_near(iv.half_width, 1.959963984540054 * 0.0005, 2e-6, "exact, n = 1e6");
}

/* ---------------------------------------------------------------- McNemar */

static void test_inference_mcnemar_published(void **state) {
    (void)state;
    /* Presidential approval in two surveys a month apart, 1600 voters:
     * 794 approve/approve, 150 approve/disapprove, 86 disapprove/approve,
     * 570 disapprove/disapprove (Agresti 1990, Categorical Data Analysis,
     * p. 350; the example of R's mcnemar.test documentation).
     * chi2 = (|150 - 86| - 1)^2 / 236 = 3969 / 236 exactly; p_chi2 =
     * erfc(sqrt(chi2 / 2)) by mpmath; p_exact = 2 sum_{i <= 86} C(236, i) / 2^236
     * by fractions.  Without correction the statistic would be 64^2 / 236 =
     * 17.356, Agresti's z^2. */
    bl_mcnemar_t r = bl_mcnemar(150, 86);
    assert_int_equal(r.b, 150);
    assert_int_equal(r.c, 86);
    expect_rel(r.chi2, 3969.0 / 236.0, 1e-15, "chi2");
    expect_rel(r.p_chi2, 4.1145622813459450894e-5, 1e-12, "p_chi2");
    expect_rel(r.p_exact, 3.7159361395714423422e-5, 1e-12, "p_exact");
    /* symmetric in b and c */
    bl_mcnemar_t s = bl_mcnemar(86, 150);
    assert_true(s.chi2 == r.chi2 && s.p_exact == r.p_exact);

    /* A small table by hand: b = 1, c = 9: chi2 = (8 - 1)^2 / 10 = 4.9;
     * p_exact = 2 (C(10,0) + C(10,1)) / 2^10 = 22 / 1024. */
    r = bl_mcnemar(1, 9);
    expect_rel(r.chi2, 4.9, 1e-15, "chi2(1, 9)");
    expect_rel(r.p_chi2, erfc(sqrt(2.45)), 1e-13, "p_chi2(1, 9)");
    expect_rel(r.p_exact, 22.0 / 1024.0, 1e-14, "p_exact(1, 9)");
    /* No difference: p = 1 both ways. */
    r = bl_mcnemar(7, 7);
    assert_true(r.chi2 == 0.0 && r.p_chi2 == 1.0 && r.p_exact == 1.0);
    r = bl_mcnemar(0, 0);
    assert_true(r.chi2 == 0.0 && r.p_chi2 == 1.0 && r.p_exact == 1.0);
    /* b = 0, c = 1: P(X <= 0) = 1/2, doubled: 1. */
    r = bl_mcnemar(0, 1);
    expect_near(r.p_exact, 1.0, 1e-15, "p_exact(0, 1)");
    /* b = 0, c = 10: 2 / 1024. */
    r = bl_mcnemar(0, 10);
    expect_rel(r.p_exact, 2.0 / 1024.0, 1e-14, "p_exact(0, 10)");
}

/* ---------------------------------------------------------------- bootstrap */

typedef struct sample {
    const double *x;
} sample_t;

static double mean_of(void *ctx, const size_t *idx, size_t n) {
    const sample_t *s = ctx;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s->x[idx[i]];
    return sum / (double)n;
}

static void test_inference_bootstrap_mean(void **state) {
    (void)state;
    enum { N = 400 };
    double x[N];
    bl_rng_t rng;
    bl_rng_init(&rng, 42, 0, 7);
    for (int i = 0; i < N; i++)
        x[i] = 10.0 + 2.0 * bl_rng_normal(&rng);
    sample_t s = {x};

    bl_rng_t r1, r2;
    bl_rng_init(&r1, 1, 0, 9);
    bl_rng_init(&r2, 1, 0, 9);
    bl_interval_t a = bl_bootstrap(N, mean_of, &s, 4000, 0.95, &r1);
    bl_interval_t b = bl_bootstrap(N, mean_of, &s, 4000, 0.95, &r2);
    /* reproducible with the same stream */
    assert_true(a.estimate == b.estimate && a.low == b.low && a.high == b.high);

    /* For the mean of normal data the percentile interval approximates
     * the t interval: ends within a tenth of its half width (the Monte
     * Carlo error of a 2.5% quantile from 4000 resamples is about 3%). */
    bl_interval_t t = bl_mean_interval(x, N, 0.95);
    expect_near(a.estimate, t.estimate, 1e-12, "bootstrap estimate");
    expect_near(a.low, t.low, 0.1 * t.half_width, "bootstrap low");
    expect_near(a.high, t.high, 0.1 * t.half_width, "bootstrap high");
    expect_near(a.half_width, 0.5 * (a.high - a.low), 1e-15, "half width");

    /* a different stream gives a (slightly) different interval */
    bl_rng_t r3;
    bl_rng_init(&r3, 2, 0, 9);
    bl_interval_t c = bl_bootstrap(N, mean_of, &s, 4000, 0.95, &r3);
    assert_true(c.low != a.low || c.high != a.high);

    /* invalid input */
    bl_interval_t e = bl_bootstrap(0, mean_of, &s, 100, 0.95, &r3);
    assert_true(isnan(e.estimate) && isnan(e.low));
    e = bl_bootstrap(N, mean_of, &s, 0, 0.95, &r3);
    expect_near(e.estimate, t.estimate, 1e-12, "estimate without resamples");
    assert_true(isnan(e.low));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inference_chi2_quantile_published),
        cmocka_unit_test(test_inference_chi2_cdf_sf),
        cmocka_unit_test(test_inference_chi2_round_trip),
        cmocka_unit_test(test_inference_special_functions),
        cmocka_unit_test(test_inference_beta_cdf_values),
        cmocka_unit_test(test_inference_beta_quantile_round_trip),
        cmocka_unit_test(test_inference_wilson_newcombe),
        cmocka_unit_test(test_inference_clopper_pearson_newcombe),
        cmocka_unit_test(test_inference_proportion_edges),
        cmocka_unit_test(test_inference_mcnemar_published),
        cmocka_unit_test(test_inference_bootstrap_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
