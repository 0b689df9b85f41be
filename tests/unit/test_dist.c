/* Unit tests for core/stats/dist.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stats/dist.h"

#define N_SAMPLES 200000

/* Draw N_SAMPLES from d and check the sample mean and variance against
 * bl_dist_mean and bl_dist_variance within 5 standard errors.  The
 * standard error of the variance comes from the sample fourth central
 * moment: se^2 = (m4 - s^4) / n. */
static void check_moments(const bl_dist_t *d, uint64_t stream) {
    static double x[N_SAMPLES];
    bl_rng_t r;
    bl_rng_init(&r, 2024, 0, stream);
    double sum = 0.0;
    for (int i = 0; i < N_SAMPLES; i++) {
        x[i] = bl_dist_sample(d, &r);
        assert_true(isfinite(x[i]));
        sum += x[i];
    }
    double mean = sum / N_SAMPLES, m2 = 0.0, m4 = 0.0;
    for (int i = 0; i < N_SAMPLES; i++) {
        double dev = (x[i] - mean) * (x[i] - mean);
        m2 += dev;
        m4 += dev * dev;
    }
    m2 /= N_SAMPLES;
    m4 /= N_SAMPLES;
    double mu = bl_dist_mean(d), var = bl_dist_variance(d);
    double se_mean = sqrt(var / N_SAMPLES);
    double se_var = sqrt(fmax(m4 - m2 * m2, 0.0) / N_SAMPLES);
    if (var == 0.0) {
        assert_true(mean == mu && m2 == 0.0);
        return;
    }
    if (fabs(mean - mu) > 5.0 * se_mean || fabs(m2 - var) > 5.0 * se_var)
        fail_msg("%s: sample mean %g (expected %g, se %g), variance %g (expected %g, se %g)",
                 bl_dist_name(d->kind), mean, mu, se_mean, m2, var, se_var);
}

static void test_dist_moments_every_kind(void **state) {
    (void)state;
    bl_dist_t d;
    bl_error_t err;
    bl_error_clear(&err);

    assert_int_equal(bl_dist_deterministic(&d, 3.5, &err), 0);
    check_moments(&d, 1);
    assert_true(bl_dist_mean(&d) == 3.5 && bl_dist_variance(&d) == 0.0);

    assert_int_equal(bl_dist_exponential(&d, 2.0, &err), 0);
    check_moments(&d, 2);
    assert_true(bl_dist_mean(&d) == 2.0 && bl_dist_variance(&d) == 4.0);

    assert_int_equal(bl_dist_lognormal(&d, 0.0, 0.5, &err), 0);
    check_moments(&d, 3);
    assert_true(fabs(bl_dist_mean(&d) - exp(0.125)) < 1e-12);

    assert_int_equal(bl_dist_lognormal_moments(&d, 10.0, 4.0, &err), 0);
    assert_true(fabs(bl_dist_mean(&d) - 10.0) < 1e-12);
    assert_true(fabs(bl_dist_variance(&d) - 16.0) < 1e-10);
    check_moments(&d, 4);

    assert_int_equal(bl_dist_gamma(&d, 2.5, 1.5, &err), 0);
    check_moments(&d, 5);
    assert_true(bl_dist_mean(&d) == 3.75 && bl_dist_variance(&d) == 5.625);

    /* shape < 1 goes through the U^(1/k) boost */
    assert_int_equal(bl_dist_gamma(&d, 0.4, 3.0, &err), 0);
    check_moments(&d, 6);

    assert_int_equal(bl_dist_uniform(&d, -1.0, 3.0, &err), 0);
    check_moments(&d, 7);
    assert_true(bl_dist_mean(&d) == 1.0 && fabs(bl_dist_variance(&d) - 16.0 / 12.0) < 1e-15);

    const double values[] = {1.0, 2.0, 5.0};
    const double weights[] = {0.2, 0.5, 0.3};
    assert_int_equal(bl_dist_empirical(&d, values, weights, 3, &err), 0);
    assert_true(fabs(bl_dist_mean(&d) - 2.7) < 1e-12);
    assert_true(fabs(bl_dist_variance(&d) - (0.2 * 1 + 0.5 * 4 + 0.3 * 25 - 2.7 * 2.7)) < 1e-12);
    check_moments(&d, 8);
    bl_dist_fini(&d);
    assert_int_equal(err.code, 0);
}

/* The constructor failed with BL_EINVAL and a message that names the
 * distribution and the parameter; the struct it left is safe to finalise. */
static void expect_rejected(int rc, bl_dist_t *d, bl_error_t *err, const char *dist,
                            const char *param) {
    assert_int_equal(rc, BL_EINVAL);
    assert_int_equal(err->code, BL_EINVAL);
    if (strstr(err->message, dist) == NULL || strstr(err->message, param) == NULL)
        fail_msg("message \"%s\" should name %s and %s", err->message, dist, param);
    bl_dist_fini(d);
    bl_error_clear(err);
}

static void test_dist_invalid_parameters_rejected(void **state) {
    (void)state;
    bl_dist_t d;
    bl_error_t err;
    bl_error_clear(&err);

    expect_rejected(bl_dist_exponential(&d, -1.0, &err), &d, &err, "exponential", "mean");
    expect_rejected(bl_dist_exponential(&d, 0.0, &err), &d, &err, "exponential", "mean");
    expect_rejected(bl_dist_exponential(&d, NAN, &err), &d, &err, "exponential", "mean");
    expect_rejected(bl_dist_deterministic(&d, INFINITY, &err), &d, &err, "deterministic", "value");
    expect_rejected(bl_dist_lognormal(&d, 0.0, -1.0, &err), &d, &err, "lognormal", "sigma");
    expect_rejected(bl_dist_lognormal(&d, NAN, 1.0, &err), &d, &err, "lognormal", "mu");
    expect_rejected(bl_dist_lognormal_moments(&d, 0.0, 1.0, &err), &d, &err, "lognormal", "mean");
    expect_rejected(bl_dist_lognormal_moments(&d, 1.0, -1.0, &err), &d, &err, "lognormal", "sd");
    expect_rejected(bl_dist_gamma(&d, 0.0, 1.0, &err), &d, &err, "gamma", "shape");
    expect_rejected(bl_dist_gamma(&d, 1.0, -2.0, &err), &d, &err, "gamma", "scale");
    expect_rejected(bl_dist_uniform(&d, 3.0, 1.0, &err), &d, &err, "uniform", "high");
    expect_rejected(bl_dist_empirical(&d, NULL, NULL, 0, &err), &d, &err, "empirical", "values");

    const double values[] = {1.0, 2.0};
    const double negative[] = {1.0, -0.5};
    const double zeros[] = {0.0, 0.0};
    expect_rejected(bl_dist_empirical(&d, values, negative, 2, &err), &d, &err, "empirical",
                    "weight 2");
    expect_rejected(bl_dist_empirical(&d, values, zeros, 2, &err), &d, &err, "empirical",
                    "weights");

    /* The message quotes the bad value. */
    assert_int_equal(bl_dist_exponential(&d, -1.0, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "(got -1)"));
}

static void test_dist_empirical_frequencies(void **state) {
    (void)state;
    const double values[] = {10.0, 20.0, 30.0, 40.0};
    const double weights[] = {1.0, 0.0, 3.0, 6.0};
    bl_dist_t d;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_dist_empirical(&d, values, weights, 4, &err), 0);

    bl_rng_t r;
    bl_rng_init(&r, 9, 0, 1);
    int counts[4] = {0};
    for (int i = 0; i < N_SAMPLES; i++) {
        double v = bl_dist_sample(&d, &r);
        int k = (int)(v / 10.0) - 1;
        assert_true(k >= 0 && k < 4 && v == values[k]);
        counts[k]++;
    }
    assert_int_equal(counts[1], 0); /* zero weight: never drawn */
    for (int k = 0; k < 4; k++) {
        double p = weights[k] / 10.0;
        double sd = sqrt(N_SAMPLES * p * (1.0 - p));
        assert_true(fabs(counts[k] - N_SAMPLES * p) <= 5.0 * sd);
    }
    bl_dist_fini(&d);

    /* NULL weights: equal shares. */
    assert_int_equal(bl_dist_empirical(&d, values, NULL, 4, &err), 0);
    assert_true(fabs(bl_dist_mean(&d) - 25.0) < 1e-12);
    int low = 0;
    for (int i = 0; i < N_SAMPLES; i++)
        low += bl_dist_sample(&d, &r) == 10.0;
    assert_true(fabs(low - N_SAMPLES / 4.0) < 5.0 * sqrt(N_SAMPLES * 0.25 * 0.75));
    bl_dist_fini(&d);
}

static void test_dist_copy_is_deep(void **state) {
    (void)state;
    double values[] = {1.0, 2.0, 3.0};
    double weights[] = {1.0, 1.0, 2.0};
    bl_dist_t src, dst;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_dist_empirical(&src, values, weights, 3, &err), 0);
    /* The constructor copied its inputs. */
    values[0] = 100.0;
    assert_true(src.values[0] == 1.0);

    assert_int_equal(bl_dist_copy(&dst, &src), 0);
    assert_int_equal(dst.kind, BL_DIST_EMPIRICAL);
    assert_int_equal(dst.n, 3);
    assert_ptr_not_equal(dst.values, src.values);
    assert_ptr_not_equal(dst.cum, src.cum);
    assert_memory_equal(dst.values, src.values, 3 * sizeof(double));
    assert_memory_equal(dst.cum, src.cum, 3 * sizeof(double));
    assert_true(dst.cum[2] == 1.0);

    double mean = bl_dist_mean(&src);
    bl_dist_fini(&src);
    assert_null(src.values);
    /* The copy survives its source (ASan would flag a shared buffer). */
    assert_true(bl_dist_mean(&dst) == mean);
    bl_rng_t r;
    bl_rng_init(&r, 1, 0, 1);
    double v = bl_dist_sample(&dst, &r);
    assert_true(v == 1.0 || v == 2.0 || v == 3.0);
    bl_dist_fini(&dst);

    /* A parametric copy is a plain copy. */
    assert_int_equal(bl_dist_gamma(&src, 2.0, 3.0, &err), 0);
    assert_int_equal(bl_dist_copy(&dst, &src), 0);
    assert_true(dst.kind == BL_DIST_GAMMA && dst.a == 2.0 && dst.b == 3.0 && dst.values == NULL);
    bl_dist_fini(&dst);
    bl_dist_fini(&src);
}

static void test_dist_names(void **state) {
    (void)state;
    assert_string_equal(bl_dist_name(BL_DIST_EXPONENTIAL), "exponential");
    assert_string_equal(bl_dist_name(BL_DIST_EMPIRICAL), "empirical");
    assert_string_equal(bl_dist_name(999), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_moments_every_kind),
        cmocka_unit_test(test_dist_invalid_parameters_rejected),
        cmocka_unit_test(test_dist_empirical_frequencies),
        cmocka_unit_test(test_dist_copy_is_deep),
        cmocka_unit_test(test_dist_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
