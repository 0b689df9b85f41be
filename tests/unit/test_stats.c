/* Unit tests for core/stats/stats.c against published values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stats/stats.h"

#define PI 3.14159265358979323846

static void expect_near(double got, double expected, double tol, const char *what) {
    if (!(fabs(got - expected) <= tol))
        fail_msg("%s: got %.17g, expected %.17g (tolerance %g)", what, got, expected, tol);
}

static void test_stats_moments_welford(void **state) {
    (void)state;
    bl_moments_t m;
    bl_moments_init(&m);
    assert_true(bl_moments_variance(&m) == 0.0);
    bl_moments_add(&m, 4.0);
    assert_true(bl_moments_variance(&m) == 0.0);
    /* A large offset defeats the naive sum-of-squares formula. */
    const double x[] = {4.0, 7.0, 13.0, 16.0};
    bl_moments_init(&m);
    for (int i = 0; i < 4; i++)
        bl_moments_add(&m, 1e9 + x[i]);
    assert_int_equal(m.n, 4);
    expect_near(m.mean, 1e9 + 10.0, 1e-6, "mean");
    expect_near(bl_moments_variance(&m), 30.0, 1e-6, "variance");
}

static void test_stats_normal_published(void **state) {
    (void)state;
    expect_near(bl_normal_quantile(0.975), 1.959963984540054, 1e-12, "z(0.975)");
    expect_near(bl_normal_quantile(0.995), 2.5758293035489, 1e-12, "z(0.995)");
    expect_near(bl_normal_quantile(0.025), -1.959963984540054, 1e-12, "z(0.025)");
    expect_near(bl_normal_quantile(0.5), 0.0, 1e-15, "z(0.5)");
    expect_near(bl_normal_quantile(0.8413447460685429), 1.0, 1e-12, "z(Phi(1))");
    /* far tail: Phi(-10) = 7.61985302416047e-24 */
    expect_near(bl_normal_quantile(7.61985302416047e-24), -10.0, 1e-9, "z(Phi(-10))");
    expect_near(bl_normal_cdf(1.959963984540054), 0.975, 1e-15, "Phi(1.96)");
    expect_near(bl_normal_cdf(-3.0), 0.0013498980316301, 1e-15, "Phi(-3)");
    assert_true(bl_normal_quantile(0.0) == -INFINITY);
    assert_true(bl_normal_quantile(1.0) == INFINITY);
    assert_true(isnan(bl_normal_quantile(1.5)));
}

static void test_stats_normal_round_trip(void **state) {
    (void)state;
    for (double p = 1e-12; p < 1.0; p = p < 0.01 ? p * 10 : p + 0.01) {
        double x = bl_normal_quantile(p);
        double back = p < 0.5 ? bl_normal_cdf(x) : 1.0 - bl_normal_cdf(-x);
        expect_near(back, p, 1e-9 * fmin(p, 1.0 - p) + 1e-16, "Phi(z(p))");
    }
}

static void test_stats_t_quantile_published(void **state) {
    (void)state;
    expect_near(bl_t_quantile(0.975, 1), 12.7062047361747, 1e-8, "t(0.975, 1)");
    expect_near(bl_t_quantile(0.975, 2), 4.30265272974946, 1e-8, "t(0.975, 2)");
    expect_near(bl_t_quantile(0.975, 4), 2.77644510519779, 1e-8, "t(0.975, 4)");
    expect_near(bl_t_quantile(0.975, 19), 2.09302405440831, 1e-8, "t(0.975, 19)");
    expect_near(bl_t_quantile(0.975, 30), 2.04227245630124, 1e-8, "t(0.975, 30)");
    expect_near(bl_t_quantile(0.975, 1000), 1.962339, 1e-6, "t(0.975, 1000)");
    expect_near(bl_t_quantile(0.995, 3), 5.840909, 1e-6, "t(0.995, 3)");
    expect_near(bl_t_quantile(0.025, 4), -2.77644510519779, 1e-8, "t(0.025, 4)");
    expect_near(bl_t_quantile(0.5, 7), 0.0, 1e-15, "t(0.5, 7)");
    expect_near(bl_t_quantile(0.975, INFINITY), 1.959963984540054, 1e-12, "t(0.975, inf)");
    /* Far tails: Cauchy quantile -1 / (pi p); for df = 3 check the round trip
     * in relative terms, the tail being near 1e-300. */
    expect_near(bl_t_quantile(1e-300, 1) * (-PI * 1e-300), 1.0, 1e-12, "t(1e-300, 1)");
    expect_near(bl_t_cdf(bl_t_quantile(1e-300, 3), 3) / 1e-300, 1.0, 1e-10, "T3(t(1e-300))");
}

static void test_stats_t_cdf_published(void **state) {
    (void)state;
    expect_near(bl_t_cdf(2.0, 10), 0.963305982, 1e-9, "T10(2)");
    expect_near(bl_t_cdf(-2.0, 10), 1.0 - 0.963305982, 1e-9, "T10(-2)");
    expect_near(bl_t_cdf(0.0, 5), 0.5, 1e-15, "T5(0)");
    /* Cauchy: 1/2 + atan(t)/pi */
    expect_near(bl_t_cdf(3.0, 1), 0.5 + atan(3.0) / PI, 1e-13, "T1(3)");
    expect_near(bl_t_cdf(-1e6, 1), atan(1e-6) / PI, 1e-20, "T1(-1e6)");
    /* df = 2: 1/2 + t / (2 sqrt(2 + t^2)) */
    expect_near(bl_t_cdf(1.5, 2), 0.5 + 1.5 / (2.0 * sqrt(4.25)), 1e-13, "T2(1.5)");
    /* Large df approaches the normal. */
    expect_near(bl_t_cdf(1.959963984540054, 1e7), 0.975, 1e-7, "T1e7(1.96)");
}

static void test_stats_t_round_trip(void **state) {
    (void)state;
    const double dfs[] = {1, 1.5, 2, 3, 5, 10, 29, 100, 1e4, 1e6, 1e9};
    const double ps[] = {1e-6, 0.001, 0.025, 0.1, 0.3, 0.5001, 0.9, 0.975, 0.999};
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++) {
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double t = bl_t_quantile(ps[j], dfs[i]);
            assert_true(isfinite(t));
            expect_near(bl_t_cdf(t, dfs[i]), ps[j], 1e-11, "T(tq(p))");
        }
    }
}

static void test_stats_mean_interval_hand_set(void **state) {
    (void)state;
    const double x[] = {1, 2, 3, 4, 5};
    bl_interval_t iv = bl_mean_interval(x, 5, 0.95);
    expect_near(iv.estimate, 3.0, 1e-15, "estimate");
    /* t(0.975, 4) * sqrt(2.5) / sqrt(5) */
    expect_near(iv.half_width, 1.963243161, 1e-9, "half width");
    expect_near(iv.low, 3.0 - 1.963243161, 1e-9, "low");
    expect_near(iv.high, 3.0 + 1.963243161, 1e-9, "high");

    /* 99%: t(0.995, 4) = 4.604094871 */
    iv = bl_mean_interval(x, 5, 0.99);
    expect_near(iv.half_width, 4.604094871 * sqrt(0.5), 1e-8, "half width 99%");

    iv = bl_mean_interval(x, 1, 0.95);
    expect_near(iv.estimate, 1.0, 0.0, "single estimate");
    assert_true(isnan(iv.low) && isnan(iv.high) && isnan(iv.half_width));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_moments_welford),
        cmocka_unit_test(test_stats_normal_published),
        cmocka_unit_test(test_stats_normal_round_trip),
        cmocka_unit_test(test_stats_t_quantile_published),
        cmocka_unit_test(test_stats_t_cdf_published),
        cmocka_unit_test(test_stats_t_round_trip),
        cmocka_unit_test(test_stats_mean_interval_hand_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
