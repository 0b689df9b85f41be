/* Unit tests for core/stats/rng.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stats/rng.h"

#define N_SAMPLES 100000

/* Number of equal words in the first 100 outputs of two streams. */
static int common_outputs(bl_rng_t a, bl_rng_t b) {
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += bl_rng_next(&a) == bl_rng_next(&b);
    return same;
}

static void test_rng_same_triple_same_sequence(void **state) {
    (void)state;
    bl_rng_t a, b;
    bl_rng_init(&a, 42, 3, BL_STREAM_ARRIVALS);
    bl_rng_init(&b, 42, 3, BL_STREAM_ARRIVALS);
    for (int i = 0; i < 1000; i++)
        assert_true(bl_rng_next(&a) == bl_rng_next(&b));
}

static void test_rng_different_triples_differ(void **state) {
    (void)state;
    bl_rng_t base, other;
    bl_rng_init(&base, 42, 3, 7);

    bl_rng_init(&other, 43, 3, 7);
    assert_int_equal(common_outputs(base, other), 0);
    bl_rng_init(&other, 42, 4, 7);
    assert_int_equal(common_outputs(base, other), 0);
    bl_rng_init(&other, 42, 3, 8);
    assert_int_equal(common_outputs(base, other), 0);
    /* Permuted components must not collide. */
    bl_rng_init(&other, 3, 42, 7);
    assert_int_equal(common_outputs(base, other), 0);
    bl_rng_init(&other, 42, 7, 3);
    assert_int_equal(common_outputs(base, other), 0);
    /* Zero everywhere still gives a usable (non-zero) state. */
    bl_rng_init(&other, 0, 0, 0);
    assert_true((other.s[0] | other.s[1] | other.s[2] | other.s[3]) != 0);
}

/* Sample correlation of the uniforms of two streams. */
static double correlation(uint64_t seed_a, uint64_t rep_a, uint64_t stream_a, uint64_t seed_b,
                          uint64_t rep_b, uint64_t stream_b) {
    bl_rng_t a, b;
    bl_rng_init(&a, seed_a, rep_a, stream_a);
    bl_rng_init(&b, seed_b, rep_b, stream_b);
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < N_SAMPLES; i++) {
        double x = bl_rng_uniform(&a), y = bl_rng_uniform(&b);
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    double n = N_SAMPLES;
    double cov = sxy / n - (sx / n) * (sy / n);
    double vx = sxx / n - (sx / n) * (sx / n), vy = syy / n - (sy / n) * (sy / n);
    return cov / sqrt(vx * vy);
}

static void test_rng_streams_uncorrelated(void **state) {
    (void)state;
    /* With 100k pairs the standard error of r is about 0.0032. */
    assert_true(fabs(correlation(1, 0, 1, 1, 0, 2)) < 0.01);
    assert_true(fabs(correlation(1, 0, 1, 1, 1, 1)) < 0.01);
    assert_true(fabs(correlation(1, 0, 1, 2, 0, 1)) < 0.01);
    assert_true(fabs(correlation(0, 0, 0, 0, 0, 1)) < 0.01);
}

static void test_rng_uniform_moments(void **state) {
    (void)state;
    bl_rng_t r;
    bl_rng_init(&r, 7, 0, 1);
    double sum = 0, sum2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < N_SAMPLES; i++) {
        double u = bl_rng_uniform(&r);
        sum += u;
        sum2 += u * u;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        double p = bl_rng_uniform_pos(&r);
        assert_true(p > 0.0 && p <= 1.0);
    }
    double mean = sum / N_SAMPLES, var = sum2 / N_SAMPLES - mean * mean;
    assert_true(lo >= 0.0 && hi < 1.0);
    /* se(mean) = 0.00091; se(var) = sqrt(1/180 / n) = 0.00024 */
    assert_true(fabs(mean - 0.5) < 0.0046);
    assert_true(fabs(var - 1.0 / 12.0) < 0.0012);
}

static void test_rng_below_unbiased(void **state) {
    (void)state;
    bl_rng_t r;
    bl_rng_init(&r, 11, 0, 1);
    uint64_t counts[10] = {0};
    for (int i = 0; i < N_SAMPLES; i++) {
        uint64_t k = bl_rng_below(&r, 10);
        assert_true(k < 10);
        counts[k]++;
    }
    double expected = N_SAMPLES / 10.0, chi2 = 0.0;
    for (int k = 0; k < 10; k++)
        chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
    /* chi-square, 9 degrees of freedom, 1% level */
    assert_true(chi2 < 21.666);

    /* Range edges: n = 1 always gives 0; a large n that is not a power of
     * two keeps values below n. */
    for (int i = 0; i < 100; i++) {
        assert_true(bl_rng_below(&r, 1) == 0);
        assert_true(bl_rng_below(&r, UINT64_C(3) << 62) < (UINT64_C(3) << 62));
    }
}

static void test_rng_normal_moments(void **state) {
    (void)state;
    bl_rng_t r;
    bl_rng_init(&r, 5, 2, 9);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    int n = 2 * N_SAMPLES;
    for (int i = 0; i < n; i++) {
        double z = bl_rng_normal(&r);
        s1 += z;
        s2 += z * z;
        s3 += z * z * z;
        s4 += z * z * z * z;
    }
    /* standard errors: mean 1/sqrt(n), var sqrt(2/n), skew sqrt(15/n),
     * fourth moment sqrt(96/n); tolerances are 5 of them. */
    double sn = sqrt((double)n);
    assert_true(fabs(s1 / n) < 5.0 / sn);
    assert_true(fabs(s2 / n - 1.0) < 5.0 * sqrt(2.0) / sn);
    assert_true(fabs(s3 / n) < 5.0 * sqrt(15.0) / sn);
    assert_true(fabs(s4 / n - 3.0) < 5.0 * sqrt(96.0) / sn);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_same_triple_same_sequence),
        cmocka_unit_test(test_rng_different_triples_differ),
        cmocka_unit_test(test_rng_streams_uncorrelated),
        cmocka_unit_test(test_rng_uniform_moments),
        cmocka_unit_test(test_rng_below_unbiased),
        cmocka_unit_test(test_rng_normal_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
