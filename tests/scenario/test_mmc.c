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

#include "h5read.h"
#include "stats/stats.h"

static char results_path[4096];

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
    hid_t f = h5read_open(results_path);
    assert_true(f >= 0);
    h5read_station_t *stations = NULL;
    h5read_replication_t *reps = NULL;
    h5read_system_t *sys = NULL;
    size_t n_stations, n_reps, n_sys;
    assert_int_equal(h5read_stations(f, &stations, &n_stations), 0);
    assert_int_equal(h5read_replications(f, &reps, &n_reps), 0);
    assert_int_equal(h5read_system(f, &sys, &n_sys), 0);

    /* The pooled interval as written. */
    const h5read_station_t *counter = h5read_find_station(stations, n_stations, "counter");
    assert_non_null(counter);
    print_message("mean wait %.5f s, 95%% CI [%.5f, %.5f], Erlang C %.5f\n", counter->wait_mean,
                  counter->wait_ci_low, counter->wait_ci_high, expected);
    assert_true(counter->wait_ci_low <= expected && expected <= counter->wait_ci_high);
    assert_true(counter->wait_ci_high - counter->wait_ci_low < 0.1); /* not a vacuous interval */

    /* Recomputed here from the per-replication means. */
    assert_true(n_reps >= 20);
    double *w = calloc(n_reps, sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < n_reps; i++)
        w[i] = reps[i].wait_mean;
    bl_interval_t ci = bl_mean_interval(w, n_reps, 0.95);
    assert_float_equal(ci.low, counter->wait_ci_low, 1e-9);
    assert_float_equal(ci.high, counter->wait_ci_high, 1e-9);

    assert_int_equal(n_sys, n_reps);
    for (size_t i = 0; i < n_sys; i++)
        assert_true(sys[i].entities >= 200000);
    free(w);
    free(stations);
    free(reps);
    free(sys);
    H5Fclose(f);
}

static void test_mmc_littles_law(void **state) {
    (void)state;
    hid_t f = h5read_open(results_path);
    assert_true(f >= 0);
    h5read_replication_t *reps = NULL;
    h5read_system_t *sys = NULL;
    size_t n_reps, n_sys;
    assert_int_equal(h5read_replications(f, &reps, &n_reps), 0);
    assert_int_equal(h5read_system(f, &sys, &n_sys), 0);
    assert_true(n_sys >= 20 && n_reps == n_sys); /* one station: one row per replication */
    for (size_t i = 0; i < n_sys; i++) {
        double lambda = sys[i].throughput;
        double system_ratio = sys[i].mean_in_system / (lambda * sys[i].sojourn_mean);
        double queue_ratio = reps[i].mean_queue / (lambda * reps[i].wait_mean);
        assert_true(fabs(system_ratio - 1) < 0.01);
        assert_true(fabs(queue_ratio - 1) < 0.01);
        assert_true(fabs(lambda - 9) < 0.1); /* the arrival rate we asked for */
    }
    free(reps);
    free(sys);
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
