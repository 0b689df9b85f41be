/* Unit tests for core/engine/arrivals.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/arrivals.h"

#define HOUR 3600.0

static bl_arrivals_t profile(double *rates, size_t n, double step, bool periodic) {
    bl_arrivals_t a;
    a.n_segments = n;
    a.rates = rates;
    a.step = step;
    a.periodic = periodic;
    return a;
}

static void test_arrivals_constant_rate_count(void **state) {
    (void)state;
    double rate = 2.0;
    bl_arrivals_t a = profile(&rate, 1, 0.0, false);
    bl_rng_t r;
    bl_rng_init(&r, 1, 0, BL_STREAM_ARRIVALS);
    double horizon = 1e5, t = 0.0;
    long count = 0;
    for (;;) {
        double next = bl_arrivals_next(&a, t, &r);
        assert_true(next >= t);
        if (next >= horizon)
            break;
        t = next;
        count++;
    }
    double expected = rate * horizon;
    assert_true(fabs(count - expected) < 4.0 * sqrt(expected));
    assert_true(bl_arrivals_rate_at(&a, 123.0) == 2.0);
}

static void test_arrivals_piecewise_periodic_counts(void **state) {
    (void)state;
    /* 1, 5, 0, 2 arrivals per hour, repeating every four hours. */
    double rates[] = {1.0 / HOUR, 5.0 / HOUR, 0.0, 2.0 / HOUR};
    bl_arrivals_t a = profile(rates, 4, HOUR, true);
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_arrivals_validate(&a, &err), 0);

    bl_rng_t r;
    bl_rng_init(&r, 2, 0, BL_STREAM_ARRIVALS);
    double horizon = 4 * HOUR * 20000.0, t = 0.0; /* 20000 periods, 160000 arrivals expected */
    long counts[4] = {0};
    for (;;) {
        t = bl_arrivals_next(&a, t, &r);
        if (t >= horizon)
            break;
        counts[(long)floor(t / HOUR) % 4]++;
    }
    assert_int_equal(counts[2], 0); /* the zero-rate hour gets nothing */

    /* chi-square over the three open hours, 2 degrees of freedom, 1% */
    double chi2 = 0.0;
    for (int k = 0; k < 4; k++) {
        if (k == 2)
            continue;
        double e = bl_arrivals_expected(&a, 0.0, horizon) * rates[k] / (8.0 / HOUR);
        chi2 += (counts[k] - e) * (counts[k] - e) / e;
    }
    assert_true(chi2 < 9.210);
    assert_true(fabs(bl_arrivals_expected(&a, 0.0, horizon) - 160000.0) < 1e-6);
}

static void test_arrivals_zero_segments_skipped(void **state) {
    (void)state;
    /* Five silent hours, then one busy hour: arrivals keep coming. */
    double rates[] = {0, 0, 0, 0, 0, 3.0 / HOUR};
    bl_arrivals_t a = profile(rates, 6, HOUR, true);
    bl_rng_t r;
    bl_rng_init(&r, 3, 0, BL_STREAM_ARRIVALS);
    double t = 0.5 * HOUR;
    for (int i = 0; i < 10000; i++) {
        t = bl_arrivals_next(&a, t, &r);
        assert_true(isfinite(t));
        assert_int_equal((long)floor(t / HOUR) % 6, 5);
    }
    /* 10000 arrivals at 3 per 6-hour period: about 3333 periods. */
    double periods = t / (6 * HOUR);
    assert_true(fabs(periods - 10000 / 3.0) < 4.0 * sqrt(10000) / 3.0 + 1.0);

    /* A sparse profile whose next arrival lies a million periods ahead is
     * reached without walking each period, and lands in the open half. */
    double sparse[] = {1e-6, 0.0};
    a = profile(sparse, 2, 1.0, true);
    double sum = 0.0;
    for (int i = 0; i < 2000; i++) {
        double next = bl_arrivals_next(&a, 0.0, &r);
        assert_true(fmod(next, 2.0) < 1.0);
        sum += next;
    }
    /* mean 2e6 s, standard error 2e6 / sqrt(2000) */
    assert_true(fabs(sum / 2000 - 2e6) < 4.0 * 2e6 / sqrt(2000.0));
}

static void test_arrivals_non_periodic_end(void **state) {
    (void)state;
    double rates[] = {2.0, 1.0, 0.0};
    bl_arrivals_t a = profile(rates, 3, 10.0, false);
    bl_rng_t r;
    bl_rng_init(&r, 4, 0, BL_STREAM_ARRIVALS);
    /* Past the start of the last (zero) segment nothing more can come. */
    assert_true(bl_arrivals_next(&a, 20.0, &r) == INFINITY);
    assert_true(bl_arrivals_next(&a, 1e9, &r) == INFINITY);
    assert_true(bl_arrivals_rate_at(&a, 1e9) == 0.0);

    /* Every run ends with INFINITY, after 30 arrivals on average. */
    long total = 0;
    int runs = 2000;
    for (int i = 0; i < runs; i++) {
        double t = 0.0;
        for (;;) {
            t = bl_arrivals_next(&a, t, &r);
            if (t == INFINITY)
                break;
            assert_true(t < 20.0);
            total++;
        }
    }
    assert_true(fabs((double)total / runs - 30.0) < 4.0 * sqrt(30.0 / runs));

    /* A positive last rate holds forever. */
    double rising[] = {0.0, 1.0};
    a = profile(rising, 2, 10.0, false);
    for (int i = 0; i < 100; i++) {
        double t = bl_arrivals_next(&a, 0.0, &r);
        assert_true(t >= 10.0 && isfinite(t));
    }
    assert_true(bl_arrivals_rate_at(&a, 1e12) == 1.0);
    assert_true(bl_arrivals_rate_at(&a, -5.0) == 0.0);
}

static void test_arrivals_expected_hand_cases(void **state) {
    (void)state;
    double rates[] = {1.0, 5.0, 0.0, 2.0};
    bl_arrivals_t a = profile(rates, 4, 10.0, true);
    assert_true(bl_arrivals_expected(&a, 0.0, 40.0) == 80.0);
    assert_true(bl_arrivals_expected(&a, 5.0, 25.0) == 55.0);
    assert_true(bl_arrivals_expected(&a, 35.0, 45.0) == 15.0); /* wraps into the next period */
    assert_true(bl_arrivals_expected(&a, 0.0, 400.0) == 800.0);
    assert_true(bl_arrivals_expected(&a, 420.0, 430.0) == 0.0);
    assert_true(bl_arrivals_expected(&a, 30.0, 10.0) == 0.0);
    assert_true(bl_arrivals_rate_at(&a, 45.0) == 1.0);
    assert_true(bl_arrivals_rate_at(&a, 75.0) == 2.0);

    a.periodic = false; /* the last rate, 2, holds after t = 30 */
    assert_true(bl_arrivals_expected(&a, 0.0, 40.0) == 80.0);
    assert_true(bl_arrivals_expected(&a, 30.0, 100.0) == 140.0);
    assert_true(bl_arrivals_expected(&a, 15.0, 1015.0) == 1995.0);

    double one = 0.5;
    a = profile(&one, 1, 0.0, false);
    assert_true(bl_arrivals_expected(&a, 2.0, 10.0) == 4.0);
}

static void expect_invalid(const bl_arrivals_t *a, const char *words) {
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_arrivals_validate(a, &err), BL_EINVAL);
    if (strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" should contain \"%s\"", err.message, words);
}

static void test_arrivals_validate_rejects(void **state) {
    (void)state;
    double negative[] = {1.0, -2.0, 3.0};
    bl_arrivals_t a = profile(negative, 3, 60.0, true);
    expect_invalid(&a, "rate 2 must be finite and >= 0 (got -2");

    double zeros[] = {0.0, 0.0};
    a = profile(zeros, 2, 60.0, false);
    expect_invalid(&a, "positive rate");

    double good[] = {1.0, 2.0};
    a = profile(good, 2, 0.0, false);
    expect_invalid(&a, "step must be > 0");

    a = profile(NULL, 0, 1.0, false);
    expect_invalid(&a, "empty");

    double nan_rate = NAN;
    a = profile(&nan_rate, 1, 0.0, false);
    expect_invalid(&a, "rate 1");

    /* One segment ignores the step. */
    double single = 0.1;
    a = profile(&single, 1, 0.0, false);
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_arrivals_validate(&a, &err), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrivals_constant_rate_count),
        cmocka_unit_test(test_arrivals_piecewise_periodic_counts),
        cmocka_unit_test(test_arrivals_zero_segments_skipped),
        cmocka_unit_test(test_arrivals_non_periodic_end),
        cmocka_unit_test(test_arrivals_expected_hand_cases),
        cmocka_unit_test(test_arrivals_validate_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
