/*
 * M/M/c validation through the real program: runs
 * scenarios/validation/mmc.lua (lambda 9/s, mu 1/s, c = 10; 20
 * replications of 200,000 customers after a 20,000-customer warm-up) and
 * reads the results file back through the HDF5 C API.
 *
 * Checks: the 95% confidence interval of the mean wait in queue contains
 * the Erlang C value (0.6687 s), both as the file reports it and as
 * recomputed here from the per-replication means; Little's law holds
 * within 1% for the system (L = lambda W) and for the queue (Lq = lambda Wq).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static char results_path[4096];

/* Read one numeric column of a compound table as doubles (HDF5 converts
 * by member name); *out is malloc'd. */
static int read_column(hid_t f, const char *table, const char *field, double **out, size_t *n) {
    int rc = -1;
    hid_t d = H5Dopen2(f, table, H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hid_t mem = H5Tcreate(H5T_COMPOUND, sizeof(double));
    if (space < 0 || mem < 0)
        goto out;
    H5Tinsert(mem, field, 0, H5T_NATIVE_DOUBLE);
    hssize_t rows = H5Sget_simple_extent_npoints(space);
    *out = malloc((size_t)(rows > 0 ? rows : 1) * sizeof(double));
    *n = (size_t)rows;
    if (*out != NULL && H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0)
        rc = 0;
out:
    if (mem >= 0)
        H5Tclose(mem);
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* A field of the /checkpoint/stations row whose station is `name`. */
static int station_field(hid_t f, const char *name, const char *field, double *value) {
    const char *table = "/checkpoint/stations";
    double *values = NULL;
    size_t n = 0;
    int rc = -1;
    if (read_column(f, table, field, &values, &n) != 0)
        return -1;
    hid_t d = H5Dopen2(f, table, H5P_DEFAULT);
    hid_t ftype = H5Dget_type(d);
    hid_t stype = H5Tget_member_type(ftype, (unsigned)H5Tget_member_index(ftype, "station"));
    size_t width = H5Tget_size(stype);
    hid_t mem = H5Tcreate(H5T_COMPOUND, width);
    H5Tinsert(mem, "station", 0, stype);
    char *names = calloc(n ? n : 1, width);
    if (names != NULL && H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0)
        for (size_t i = 0; i < n; i++)
            if (strncmp(names + i * width, name, width) == 0) {
                *value = values[i];
                rc = 0;
            }
    free(names);
    free(values);
    H5Tclose(mem);
    H5Tclose(stype);
    H5Tclose(ftype);
    H5Dclose(d);
    return rc;
}

/* Erlang C: probability of waiting, then mean wait in queue. */
static double erlang_c_wait(double lambda, double mu, int c) {
    double a = lambda / mu, term = 1, sum = 1; /* k = 0 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * (c / (c - a)); /* a^c / c! * c/(c-a) */
    double p_wait = last / (sum + last);
    return p_wait / (c * mu - lambda);
}

static int run_scenario(void **state) {
    (void)state;
    const char *prog = getenv("BORDERLAB");
    const char *src = getenv("top_srcdir");
    const char *build = getenv("top_builddir");
    if (prog == NULL || src == NULL || build == NULL) {
        fprintf(stderr,
                "test_mmc: run through 'make check' (BORDERLAB, top_srcdir, top_builddir)\n");
        return -1;
    }
    snprintf(results_path, sizeof results_path, "%s/tests/out/mmc.h5", build);
    char cmd[12288];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/tests/out' && '%s' run '%s/scenarios/validation/mmc.lua' -o '%s' "
             "--quiet --threads 2",
             build, prog, src, results_path);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_mmc_erlang_reference(void **state) {
    (void)state;
    assert_float_equal(erlang_c_wait(9, 1, 10), 0.6687, 5e-5);
}

static void test_mmc_wait_interval_contains_erlang_c(void **state) {
    (void)state;
    double expected = erlang_c_wait(9, 1, 10);
    hid_t f = H5Fopen(results_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);

    /* The pooled interval as written. */
    double lo, hi, mean;
    assert_int_equal(station_field(f, "counter", "wait_ci_low", &lo), 0);
    assert_int_equal(station_field(f, "counter", "wait_ci_high", &hi), 0);
    assert_int_equal(station_field(f, "counter", "wait_mean", &mean), 0);
    print_message("mean wait %.5f s, 95%% CI [%.5f, %.5f], Erlang C %.5f\n", mean, lo, hi,
                  expected);
    assert_true(lo <= expected && expected <= hi);
    assert_true(hi - lo < 0.1); /* a real interval, not a vacuous one */

    /* Recomputed from the per-replication means. */
    double *w = NULL;
    size_t n = 0;
    assert_int_equal(read_column(f, "/checkpoint/replications", "wait_mean", &w, &n), 0);
    assert_true(n >= 20);
    bl_interval_t ci = bl_mean_interval(w, n, 0.95);
    assert_float_equal(ci.low, lo, 1e-9);
    assert_float_equal(ci.high, hi, 1e-9);
    free(w);

    double *entities = NULL;
    assert_int_equal(read_column(f, "/checkpoint/system", "entities", &entities, &n), 0);
    for (size_t i = 0; i < n; i++)
        assert_true(entities[i] >= 200000);
    free(entities);
    H5Fclose(f);
}

static void test_mmc_littles_law(void **state) {
    (void)state;
    hid_t f = H5Fopen(results_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    double *L = NULL, *lambda = NULL, *W = NULL, *Lq = NULL, *Wq = NULL;
    size_t n, n2, n3, n4, n5;
    assert_int_equal(read_column(f, "/checkpoint/system", "mean_in_system", &L, &n), 0);
    assert_int_equal(read_column(f, "/checkpoint/system", "throughput", &lambda, &n2), 0);
    assert_int_equal(read_column(f, "/checkpoint/system", "sojourn_mean", &W, &n3), 0);
    assert_int_equal(read_column(f, "/checkpoint/replications", "mean_queue", &Lq, &n4), 0);
    assert_int_equal(read_column(f, "/checkpoint/replications", "wait_mean", &Wq, &n5), 0);
    assert_true(n == n2 && n == n3 && n == n4 && n == n5 && n >= 20);
    for (size_t i = 0; i < n; i++) {
        double system_ratio = L[i] / (lambda[i] * W[i]);
        double queue_ratio = Lq[i] / (lambda[i] * Wq[i]);
        assert_true(fabs(system_ratio - 1) < 0.01);
        assert_true(fabs(queue_ratio - 1) < 0.01);
        assert_true(fabs(lambda[i] - 9) < 0.1); /* the arrival rate we asked for */
    }
    free(L);
    free(lambda);
    free(W);
    free(Lq);
    free(Wq);
    H5Fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmc_erlang_reference),
        cmocka_unit_test(test_mmc_wait_interval_contains_erlang_c),
        cmocka_unit_test(test_mmc_littles_law),
    };
    return cmocka_run_group_tests(tests, run_scenario, NULL);
}
