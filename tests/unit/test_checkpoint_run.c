/*
 * The checkpoint runner (core/jobs/checkpoint/checkpoint_run.c, core/jobs/checkpoint/sweep.c):
 * sweep arguments and grids, metrics by name, sweeps over station fields and parameters of a small
 * Lua scenario written here, sequential replications, and the errors a sweep reports before any
 * file is written.  Output goes under $top_builddir/tests/out/checkpoint_run.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/jobs.h"
#include "results/results_schema.h"
#include "run/run.h"
#include "stats/stats.h"
#include "test_util.h"

static char outdir[2200], tiny[2400], tiny_seq[2400];

/* Two stations in a row; `servers` and `rate` (per hour) are parameters. */
static const char TINY[] =
    "local P = bl.parameters { servers = 2, rate = 100 }\n"
    "return bl.checkpoint {\n"
    "    name = 'tiny', seed = 7, replications = 4, duration = bl.hours(4),\n"
    "    warmup = { time = bl.minutes(15) },\n"
    "    arrivals = bl.poisson { rate = bl.per_hour(P.rate) },\n"
    "    population = bl.population { carriers = 0 },\n"
    "    stations = {\n"
    "        bl.station { 'entry', servers = 2, next = 'counter',\n"
    "            service = bl.exponential { mean = bl.seconds(30) } },\n"
    "        bl.station { 'counter', servers = P.servers, next = 'exit',\n"
    "            service = bl.exponential { mean = bl.seconds(60) } },\n"
    "    },\n"
    "}\n";

/* The same with sequential replications: 5% of the mean sojourn. */
static const char TINY_SEQ[] =
    "return bl.checkpoint {\n"
    "    name = 'tiny_seq', seed = 11, duration = bl.hours(4),\n"
    "    replications = bl.sequential { metric = 'sojourn_mean', relative = 0.05,\n"
    "                                   min = 3, max = 60, batch = 2 },\n"
    "    arrivals = bl.poisson { rate = bl.per_hour(80) },\n"
    "    population = bl.population { carriers = 0 },\n"
    "    stations = {\n"
    "        bl.station { 'entry', servers = 1, next = 'counter',\n"
    "            service = bl.exponential { mean = bl.seconds(30) } },\n"
    "        bl.station { 'counter', servers = 2, next = 'exit',\n"
    "            service = bl.exponential { mean = bl.seconds(40) } },\n"
    "    },\n"
    "}\n";

static int setup_paths(void **state) {
    (void)state;
    if (tu_outdir(outdir, sizeof outdir, "checkpoint_run") != 0)
        return -1;
    snprintf(tiny, sizeof tiny, "%s/tiny.lua", outdir);
    snprintf(tiny_seq, sizeof tiny_seq, "%s/tiny_seq.lua", outdir);
    FILE *f = fopen(tiny, "w");
    if (f == NULL)
        return -1;
    fputs(TINY, f);
    fclose(f);
    if ((f = fopen(tiny_seq, "w")) == NULL)
        return -1;
    fputs(TINY_SEQ, f);
    fclose(f);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

/* ------------------------------------------------------------------ sweep arguments */

static void test_checkpoint_run_sweep_parse(void **state) {
    (void)state;
    bl_sweep_t sw = {0, NULL};
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_sweep_parse(&sw, "xray.servers=2,4,6", &err), 0);
    assert_int_equal(bl_sweep_parse(&sw, " threshold = 0.1 , 0.2", &err), 0);
    assert_int_equal(sw.n_axes, 2);
    assert_string_equal(sw.axes[0].key, "xray.servers");
    assert_int_equal(sw.axes[0].n, 3);
    assert_string_equal(sw.axes[0].values[2], "6");
    assert_string_equal(sw.axes[1].key, "threshold");
    assert_int_equal(sw.axes[1].n, 2);
    assert_string_equal(sw.axes[1].values[0], "0.1");
    assert_string_equal(sw.axes[1].values[1], "0.2");

    static const char *const bad[] = {
        "xray.servers", "=1,2", "xray.servers=", "a=1,,2", "a=1,", "xray.servers=8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl_error_clear(&err);
        assert_int_equal(bl_sweep_parse(&sw, bad[i], &err), BL_EINVAL);
        if (strstr(err.message, bad[i]) == NULL)
            fail_msg("the message for %s does not quote it: %s", bad[i], err.message);
    }
    assert_int_equal(sw.n_axes, 2); /* nothing added by the failures */
    assert_non_null(strstr(err.message, "twice"));
    bl_sweep_fini(&sw);
    assert_int_equal(sw.n_axes, 0);
    assert_null(sw.axes);
}

static void test_checkpoint_run_sweep_points(void **state) {
    (void)state;
    bl_sweep_t sw = {0, NULL};
    bl_error_t err;
    assert_int_equal(bl_sweep_points(&sw), 1);
    assert_int_equal(bl_sweep_parse(&sw, "a=1,2,3", &err), 0);
    assert_int_equal(bl_sweep_parse(&sw, "b.servers=x,y", &err), 0);
    assert_int_equal(bl_sweep_points(&sw), 6);
    /* First axis slowest. */
    static const char *const want[6][2] = {{"1", "x"}, {"1", "y"}, {"2", "x"},
                                           {"2", "y"}, {"3", "x"}, {"3", "y"}};
    for (size_t p = 0; p < 6; p++)
        for (size_t a = 0; a < 2; a++)
            assert_string_equal(bl_sweep_value(&sw, p, a), want[p][a]);
    assert_null(bl_sweep_value(&sw, 6, 0));
    assert_null(bl_sweep_value(&sw, 0, 2));
    bl_sweep_fini(&sw);
}

/* ------------------------------------------------------------------ metrics */

static void test_checkpoint_run_metrics(void **state) {
    (void)state;
    bl_station_def_t defs[2];
    memset(defs, 0, sizeof defs);
    defs[0].name = "entry";
    defs[1].name = "counter";
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    sc.path = "hand.lua";
    sc.n_stations = 2;
    sc.stations = defs;

    bl_replication_result_t *r = calloc(1, sizeof *r);
    bl_station_stats_t *st = calloc(2, sizeof *st);
    assert_non_null(r);
    assert_non_null(st);
    r->n_stations = 2;
    r->stations = st;
    bl_histogram_init(&r->sojourn);
    for (int i = 1; i <= 10; i++) {
        bl_histogram_add(&r->sojourn, 10.0 * i);
        r->sojourn_sum += 10.0 * i;
    }
    r->entities = 100;
    r->window_start = 600;
    r->window_end = 600 + 7200;
    r->seizures = 3;
    r->false_alarms = 4;
    r->alarms = 9;
    r->searches = 12;
    r->missed = 2;
    r->reneged = 5;
    st[0].capacity_area = 2 * 7200;
    st[0].busy_area = 7200;
    st[1].capacity_area = 7200;
    st[1].busy_area = 1800;
    st[1].wait_sum = 90;
    bl_histogram_init(&st[1].waits);
    for (int i = 0; i < 3; i++)
        bl_histogram_add(&st[1].waits, 30);

    static const struct {
        const char *name;
        double value;
    } want[] = {{"sojourn_mean", 55},
                {"throughput", 50},
                {"seizures", 3},
                {"false_alarms", 4},
                {"alarms", 9},
                {"searches", 12},
                {"missed", 2},
                {"reneged", 5},
                {"officer_hours", 6},
                {"wait_mean:counter", 30},
                {"utilisation:entry", 0.5},
                {"utilisation:counter", 0.25}};
    bl_error_t err;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double v = -1;
        bl_error_clear(&err);
        assert_int_equal(bl_checkpoint_metric(&sc, r, want[i].name, &v, &err), 0);
        if (fabs(v - want[i].value) > 1e-9)
            fail_msg("%s is %g, expected %g", want[i].name, v, want[i].value);
    }
    double v = 0;
    assert_int_equal(bl_checkpoint_metric(&sc, r, "sojourn_p90", &v, &err), 0);
    assert_true(v >= 85 && v <= 95);
    /* Nothing measured: NaN, not an error. */
    assert_int_equal(bl_checkpoint_metric(&sc, r, "wait_mean:entry", &v, &err), 0);
    assert_true(isnan(v));

    bl_error_clear(&err);
    assert_int_equal(bl_checkpoint_metric(&sc, r, "sojourn_median", &v, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "sojourn_median"));
    assert_non_null(strstr(err.message, "officer_hours"));
    bl_error_clear(&err);
    assert_int_equal(bl_checkpoint_metric(&sc, r, "wait_mean", &v, &err), BL_EINVAL);
    bl_error_clear(&err);
    assert_int_equal(bl_checkpoint_metric(&sc, r, "sojourn_mean:entry", &v, &err), BL_EINVAL);
    bl_error_clear(&err);
    assert_int_equal(bl_checkpoint_metric(&sc, r, "wait_mean:xray", &v, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "entry, counter"));
    free(st);
    free(r);
}

/* ------------------------------------------------------------------ runs */

static bl_run_options_t sweep_options(const char *out, size_t n, const char *const *sweeps,
                                      unsigned threads) {
    bl_run_options_t o = tu_run_options(out, "test_checkpoint_run");
    o.scenario_path = tiny;
    o.n_sweeps = n;
    o.sweeps = sweeps;
    o.threads = threads;
    return o;
}

static void run_ok(const bl_run_options_t *o) {
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run(o, &err);
    if (rc != 0)
        fail_msg("run %s: %s", o->scenario_path, err.message);
}

static bl_sweep_point_row_t *read_points(const char *path, size_t *n) {
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    bl_sweep_point_row_t *rows = tu_read_table(file, &bl_results_sweep_points_table, n);
    H5Fclose(file);
    return rows;
}

/* More counter officers never make the mean sojourn longer (the same
 * replications at every point), and the numbers do not depend on the
 * thread count. */
static void test_checkpoint_run_sweep_servers(void **state) {
    (void)state;
    const char *const sweeps[] = {"counter.servers=1,2,3"};
    char out1[2400], out3[2400];
    snprintf(out1, sizeof out1, "%s", tu_fresh_path(outdir, "servers_t1.h5"));
    snprintf(out3, sizeof out3, "%s", tu_fresh_path(outdir, "servers_t3.h5"));
    bl_run_options_t o = sweep_options(out1, 1, sweeps, 1);
    run_ok(&o);
    o = sweep_options(out3, 1, sweeps, 3);
    run_ok(&o);

    size_t n = 0, n3 = 0;
    bl_sweep_point_row_t *rows = read_points(out1, &n);
    bl_sweep_point_row_t *rows3 = read_points(out3, &n3);
    assert_int_equal(n, 3);
    assert_int_equal(n3, 3);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "counter.servers=%zu", i + 1);
        assert_string_equal(rows[i].settings, want);
        snprintf(want, sizeof want, "/sweep/p%04zu", i);
        assert_string_equal(rows[i].group, want);
        assert_int_equal(rows[i].point, i);
        assert_int_equal(rows[i].replications, 4);
        assert_true(isfinite(rows[i].sojourn_mean));
        if (i > 0 && rows[i].sojourn_mean > rows[i - 1].sojourn_mean)
            fail_msg("%zu counter servers: mean sojourn %g, longer than %g with %zu", i + 1,
                     rows[i].sojourn_mean, rows[i - 1].sojourn_mean, i);
        assert_memory_equal(&rows[i].sojourn_mean, &rows3[i].sojourn_mean,
                            sizeof rows[i] - offsetof(bl_sweep_point_row_t, sojourn_mean));
    }
    /* A single server at 100 an hour with 60 s services is loaded (about
     * 1.67 / 1): the queue shows. */
    assert_true(rows[0].sojourn_mean > rows[2].sojourn_mean + 30);

    hid_t file = H5Fopen(out1, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    char text[256] = "";
    assert_true(H5LTget_attribute_string(file, "/", "sweep", text) >= 0);
    assert_string_equal(text, "counter.servers=1,2,3");
    assert_true(H5LTget_attribute_string(file, "/", "job", text) >= 0);
    assert_string_equal(text, "checkpoint");
    size_t na = 0;
    bl_sweep_axis_row_t *axes = tu_read_table(file, &bl_results_sweep_axes_table, &na);
    assert_int_equal(na, 3);
    assert_string_equal(axes[1].axis, "counter.servers");
    assert_string_equal(axes[1].value, "2");
    assert_true(axes[1].value_number == 2);
    assert_true(bl_results_path_exists(file, "/sweep/p0002/summary"));
    free(axes);
    H5Fclose(file);
    free(rows);
    free(rows3);
}

/* A parameter axis loads the scenario again for each value; combined with
 * a station axis, the grid is the product with the first axis slowest. */
static void test_checkpoint_run_sweep_parameter(void **state) {
    (void)state;
    const char *const sweeps[] = {"rate=30,120", "counter.servers=1,3"};
    const char *out = tu_fresh_path(outdir, "parameter.h5");
    bl_run_options_t o = sweep_options(out, 2, sweeps, 2);
    run_ok(&o);
    size_t n = 0;
    bl_sweep_point_row_t *rows = read_points(out, &n);
    assert_int_equal(n, 4);
    static const char *const want[] = {"rate=30;counter.servers=1", "rate=30;counter.servers=3",
                                       "rate=120;counter.servers=1", "rate=120;counter.servers=3"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rows[i].settings, want[i]);
    /* Four times the arrivals, about four times the throughput. */
    double ratio = rows[2].throughput / rows[0].throughput;
    if (!(ratio > 3 && ratio < 5.5))
        fail_msg("throughput at rate 120 / at rate 30 is %g, expected about 4", ratio);
    /* At 120 an hour a single counter officer (2 / 1 load) falls behind. */
    assert_true(rows[2].sojourn_mean > rows[3].sojourn_mean);
    free(rows);
}

/* Sequential replications stop at the same count whatever the thread
 * count, with the target met (or the maximum reached). */
static void test_checkpoint_run_sequential(void **state) {
    (void)state;
    unsigned reps[2] = {0, 0};
    double means[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
        char name[64];
        snprintf(name, sizeof name, "sequential_t%d.h5", t + 1);
        const char *out = tu_fresh_path(outdir, name);
        bl_run_options_t o = tu_run_options(out, "test_checkpoint_run");
        o.scenario_path = tiny_seq;
        o.threads = (unsigned)t + 1;
        run_ok(&o);
        hid_t file = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(file >= 0);
        assert_true(H5LTget_attribute_uint(file, "/", "replications", &reps[t]) >= 0);
        char metric[64] = "";
        assert_true(H5LTget_attribute_string(file, "/", "sequential_metric", metric) >= 0);
        assert_string_equal(metric, "sojourn_mean");
        double target = 0;
        assert_true(H5LTget_attribute_double(file, "/", "sequential_target", &target) >= 0);
        assert_true(target == 0.05);
        size_t n = 0;
        bl_system_row_t *rows = tu_read_table(file, &bl_results_system_table, &n);
        H5Fclose(file);
        assert_int_equal(n, reps[t]);
        assert_true(n >= 3 && n < 60); /* stopped by the target, not the maximum */
        double *x = calloc(n, sizeof *x);
        assert_non_null(x);
        for (size_t i = 0; i < n; i++)
            x[i] = rows[i].sojourn_mean;
        bl_interval_t ci = bl_mean_interval(x, n, 0.95);
        means[t] = ci.estimate;
        if (!(ci.half_width <= 0.05 * fabs(ci.estimate)))
            fail_msg("stopped at %zu replications with half-width %g > 5%% of %g", n, ci.half_width,
                     ci.estimate);
        /* One replication fewer (a batch of 2 back) had not met it. */
        if (n > 4) {
            bl_interval_t before = bl_mean_interval(x, n - 2, 0.95);
            assert_false(before.half_width <= 0.05 * fabs(before.estimate));
        }
        free(x);
        free(rows);
    }
    assert_int_equal(reps[0], reps[1]);
    assert_true(means[0] == means[1]);
}

/* Bad axes are refused before anything runs: no file, no temporary file. */
static void test_checkpoint_run_sweep_errors(void **state) {
    (void)state;
    char dir[2300];
    if (tu_outdir(dir, sizeof dir, "checkpoint_run/errors") != 0)
        fail_msg("cannot make %s", dir);
    static const struct {
        const char *sweep, *says;
    } cases[] = {
        {"xray.servers=1,2", "its stations are entry, counter"},
        {"counter.speed=1,2", "servers, threshold, find_probability"},
        {"counter.servers=1,abc", "'abc' is not a number"},
        {"counter.threshold=0.5", "no threshold"},
        {"counter.servers=0", "whole number"},
        {"nosuch=1,2", "nosuch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = tu_fresh_path(dir, "bad.h5");
        const char *const sweeps[] = {"rate=50", cases[i].sweep};
        bl_run_options_t o = sweep_options(out, 2, sweeps, 2);
        bl_error_t err;
        bl_error_clear(&err);
        assert_int_equal(bl_run(&o, &err), BL_EINVAL);
        if (strstr(err.message, cases[i].says) == NULL)
            fail_msg("--sweep %s: expected '%s' in: %s", cases[i].sweep, cases[i].says,
                     err.message);
        assert_int_not_equal(access(out, F_OK), 0);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                fail_msg("--sweep %s left %s in %s", cases[i].sweep, e->d_name, dir);
        closedir(d);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_run_sweep_parse),
        cmocka_unit_test(test_checkpoint_run_sweep_points),
        cmocka_unit_test(test_checkpoint_run_metrics),
        cmocka_unit_test(test_checkpoint_run_sweep_servers),
        cmocka_unit_test(test_checkpoint_run_sweep_parameter),
        cmocka_unit_test(test_checkpoint_run_sequential),
        cmocka_unit_test(test_checkpoint_run_sweep_errors),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
