/* Unit tests for core/stats/histogram.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats/histogram.h"

#define N_VALUES 100000

static int setup(void **state) {
    bl_histogram_t *h = malloc(sizeof *h);
    if (h == NULL)
        return -1;
    bl_histogram_init(h);
    *state = h;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

static void test_histogram_quantiles_of_uniform_set(void **state) {
    bl_histogram_t *h = *state;
    /* 1, 2, ..., 100000 milliseconds */
    for (int i = 1; i <= N_VALUES; i++)
        bl_histogram_add(h, i * 1e-3);
    assert_int_equal(h->count, N_VALUES);
    assert_int_equal(h->zeros + h->under + h->over, 0);

    const double qs[] = {0.0, 0.001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double rank = fmax(1.0, ceil(qs[i] * N_VALUES));
        double expected = rank * 1e-3, got = bl_histogram_quantile(h, qs[i]);
        if (fabs(got - expected) > 0.01 * expected)
            fail_msg("quantile %g: got %g, expected %g", qs[i], got, expected);
    }
    /* Never beyond the largest value. */
    assert_true(bl_histogram_quantile(h, 1.0) <= 100.0);
}

static void test_histogram_resolution_across_range(void **state) {
    bl_histogram_t *h = *state;
    /* A value v with a larger companion: the median is v's bucket, whose
     * midpoint is within half a bucket (0.4%) of v anywhere in the range. */
    for (double v = 1.5e-6; v < 1e7; v *= 1.37) {
        bl_histogram_init(h);
        bl_histogram_add(h, v);
        bl_histogram_add(h, 2e7);
        double got = bl_histogram_quantile(h, 0.5);
        if (fabs(got - v) > 0.004 * v)
            fail_msg("value %g reported as %g", v, got);
    }
    /* Exact powers of two open a bucket. */
    for (int e = BL_HIST_MIN_EXP; e < BL_HIST_MAX_EXP - 1; e++) {
        bl_histogram_init(h);
        bl_histogram_add(h, ldexp(1.0, e));
        bl_histogram_add(h, 2e7);
        double got = bl_histogram_quantile(h, 0.5);
        assert_true(got > ldexp(1.0, e) && got < ldexp(1.0 + 1.0 / 128, e));
    }
}

static void test_histogram_zeros_counted(void **state) {
    bl_histogram_t *h = *state;
    for (int i = 0; i < 50; i++)
        bl_histogram_add(h, 0.0);
    bl_histogram_add(h, -1e-12); /* rounding noise counts as a zero */
    for (int i = 0; i < 49; i++)
        bl_histogram_add(h, 2.0);
    assert_int_equal(h->zeros, 51);
    assert_int_equal(h->count, 100);
    assert_true(bl_histogram_quantile(h, 0.0) == 0.0);
    assert_true(bl_histogram_quantile(h, 0.51) == 0.0);
    assert_true(fabs(bl_histogram_quantile(h, 0.52) - 2.0) < 0.01);
    assert_true(fabs(bl_histogram_mean(h) - 0.98) < 1e-15);
}

static void test_histogram_out_of_range(void **state) {
    bl_histogram_t *h = *state;
    assert_true(bl_histogram_quantile(h, 0.5) == 0.0); /* empty */
    assert_true(bl_histogram_mean(h) == 0.0);
    bl_histogram_add(h, 1e-7);
    bl_histogram_add(h, 1e8);
    bl_histogram_add(h, INFINITY);
    assert_int_equal(h->under, 1);
    assert_int_equal(h->over, 2);
    assert_true(bl_histogram_quantile(h, 0.1) > 0.0 && bl_histogram_quantile(h, 0.1) < 1e-6);
    assert_true(bl_histogram_quantile(h, 1.0) == INFINITY);
}

static void test_histogram_merge_equals_adding_all(void **state) {
    bl_histogram_t *all = *state;
    bl_histogram_t *a = calloc(2, sizeof *a);
    assert_non_null(a);
    bl_histogram_t *b = a + 1;
    bl_histogram_init(a);
    bl_histogram_init(b);
    uint64_t x = 12345;
    for (int i = 0; i < N_VALUES; i++) {
        /* a spread of values over many decades, some zero */
        x = x * 6364136223846793005u + 1442695040888963407u;
        double v =
            (x >> 40) % 7 == 0 ? 0.0 : ldexp((double)(x >> 11) * 0x1.0p-53, (int)(x % 40) - 22);
        bl_histogram_add(all, v);
        bl_histogram_add(i % 3 ? a : b, v);
    }
    bl_histogram_merge(a, b);
    assert_int_equal(a->count, all->count);
    assert_int_equal(a->zeros, all->zeros);
    assert_int_equal(a->under, all->under);
    assert_int_equal(a->over, all->over);
    assert_true(a->max == all->max);
    assert_true(fabs(a->sum - all->sum) <= 1e-12 * all->sum);
    assert_memory_equal(a->buckets, all->buckets, sizeof a->buckets);
    for (double q = 0.0; q <= 1.0; q += 0.05)
        assert_true(bl_histogram_quantile(a, q) == bl_histogram_quantile(all, q));
    free(a);
}

static void test_histogram_mean_exact(void **state) {
    bl_histogram_t *h = *state;
    double sum = 0.0;
    for (int i = 1; i <= 1000; i++) {
        double v = i * 0.25;
        sum += v;
        bl_histogram_add(h, v);
    }
    /* The mean comes from the running sum, not from bucket midpoints. */
    assert_true(bl_histogram_mean(h) == sum / 1000.0);
    assert_true(bl_histogram_mean(h) == 125.125);
    assert_true(h->max == 250.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_histogram_quantiles_of_uniform_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram_resolution_across_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram_zeros_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram_merge_equals_adding_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram_mean_exact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
