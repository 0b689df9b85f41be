/* Tests of `borderlab plot` (plot_checkpoint.c) and of the error bars of
 * plot.c, on small checkpoint results files written here table by table
 * with the column names the writer uses. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "plot/plot.h"
#include "plot/plot_checkpoint.h"
#include "results/results.h"
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct fixture {
    char *dir; /* first: tu_fixture_new sets it */
} fixture_t;

static int setup(void **state) {
    fixture_t *f = tu_fixture_new(sizeof *f, "plot_checkpoint");
    if (f == NULL)
        return -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* ------------------------------------------------------------------ files */

/* A column: 'S' text (32 bytes), 'U' u32 or 'D' f64; text rows come from
 * text[row], numbers from num[row]. */
typedef struct column {
    const char *name;
    char kind;
    const char *const *text;
    const double *num;
} column_t;

/* Write a compound table of n rows at path (groups made as needed). */
static void write_table(hid_t file, const char *path, const column_t *cols, size_t n_cols,
                        size_t n) {
    size_t offset[32], size = 0;
    assert_true(n_cols <= COUNT(offset));
    for (size_t c = 0; c < n_cols; c++) {
        offset[c] = size;
        size += cols[c].kind == 'S' ? 32 : cols[c].kind == 'U' ? 4 : 8;
    }
    hid_t type = H5Tcreate(H5T_COMPOUND, size), str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 32);
    H5Tset_strpad(str, H5T_STR_NULLPAD);
    for (size_t c = 0; c < n_cols; c++)
        H5Tinsert(type, cols[c].name, offset[c],
                  cols[c].kind == 'S'   ? str
                  : cols[c].kind == 'U' ? H5T_NATIVE_UINT32
                                        : H5T_NATIVE_DOUBLE);
    unsigned char *buf = calloc(n ? n : 1, size);
    assert_non_null(buf);
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n_cols; c++) {
            unsigned char *at = buf + r * size + offset[c];
            if (cols[c].kind == 'S') {
                strncpy((char *)at, cols[c].text[r], 32);
            } else if (cols[c].kind == 'U') {
                uint32_t u = (uint32_t)cols[c].num[r];
                memcpy(at, &u, sizeof u);
            } else {
                memcpy(at, &cols[c].num[r], sizeof(double));
            }
        }
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL), lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
    H5Pclose(lcpl);
    H5Sclose(space);
    H5Tclose(str);
    H5Tclose(type);
    free(buf);
}

enum { STATIONS = 2, BINS = 12, HOURS = 3, QUANTILES = 11 };
static const char *const NAMES[] = {"xray", "search", "(system)"};

/* The queue, waits, hourly and summary tables of a run under group;
 * without_waits leaves the waits table out. */
static void write_group(hid_t file, const char *group, bool without_waits) {
    char path[128];
    /* queue: bins of 15 min */
    const char *qs[STATIONS * BINS];
    double qt[STATIONS * BINS], qm[STATIONS * BINS], ql[STATIONS * BINS], qh[STATIONS * BINS];
    for (size_t i = 0; i < STATIONS * BINS; i++) {
        qs[i] = NAMES[i / BINS];
        qt[i] = 900.0 * (double)(i % BINS);
        qm[i] = 1 + (double)(i % 5);
        ql[i] = qm[i] - 0.5;
        qh[i] = qm[i] + 0.5;
    }
    const column_t queue[] = {{"station", 'S', qs, NULL},
                              {"time", 'D', NULL, qt},
                              {"queue_mean", 'D', NULL, qm},
                              {"queue_ci_low", 'D', NULL, ql},
                              {"queue_ci_high", 'D', NULL, qh}};
    snprintf(path, sizeof path, "%s/queue", group);
    write_table(file, path, queue, COUNT(queue), STATIONS * BINS);

    /* waits: one station never waits, end to end from 10 s to 2000 s */
    const char *ws[3 * QUANTILES];
    double wq[3 * QUANTILES], ww[3 * QUANTILES];
    for (size_t i = 0; i < 3 * QUANTILES; i++) {
        size_t k = i / QUANTILES;
        ws[i] = k == 2 ? "(end to end)" : NAMES[k];
        wq[i] = (double)(i % QUANTILES) / (QUANTILES - 1);
        ww[i] = k == 0 ? 0 : k == 1 ? 60 * wq[i] : 10 + 1990 * wq[i] * wq[i];
    }
    const column_t waits[] = {
        {"station", 'S', ws, NULL}, {"quantile", 'D', NULL, wq}, {"wait", 'D', NULL, ww}};
    snprintf(path, sizeof path, "%s/waits", group);
    if (!without_waits)
        write_table(file, path, waits, COUNT(waits), 3 * QUANTILES);

    /* hourly: the stations and (system); search has no server in hour 1 */
    const char *hs[3 * HOURS];
    double hh[3 * HOURS], hu[3 * HOURS], hon[3 * HOURS], hsv[3 * HOURS], hlo[3 * HOURS],
        hhi[3 * HOURS];
    for (size_t i = 0; i < 3 * HOURS; i++) {
        size_t k = i / HOURS, h = i % HOURS;
        hs[i] = NAMES[k];
        hh[i] = (double)h;
        hon[i] = k == 1 && h == 1 ? 0 : 2;
        hu[i] = k == 2 || hon[i] == 0 ? NAN : 0.3 + 0.2 * (double)h;
        hsv[i] = 100 + 10 * (double)h;
        hlo[i] = hsv[i] - 5;
        hhi[i] = hsv[i] + 5;
    }
    const column_t hourly[] = {{"station", 'S', hs, NULL},
                               {"hour", 'U', NULL, hh},
                               {"utilisation", 'D', NULL, hu},
                               {"utilisation_ci_low", 'D', NULL, hu},
                               {"utilisation_ci_high", 'D', NULL, hu},
                               {"servers_on_duty", 'D', NULL, hon},
                               {"served_per_hour", 'D', NULL, hsv},
                               {"served_ci_low", 'D', NULL, hlo},
                               {"served_ci_high", 'D', NULL, hhi}};
    snprintf(path, sizeof path, "%s/hourly", group);
    write_table(file, path, hourly, COUNT(hourly), 3 * HOURS);

    const double reps[] = {5};
    const column_t summary[] = {{"replications", 'U', NULL, reps}};
    snprintf(path, sizeof path, "%s/summary", group);
    write_table(file, path, summary, COUNT(summary), 1);
}

/* A new results file at dir/name with the root attributes of job. */
static hid_t new_file(const char *dir, const char *name, const char *job, char *path, size_t size) {
    tu_path_in(path, size, dir, name);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    int schema = BL_RESULTS_SCHEMA;
    assert_true(H5LTset_attribute_int(file, "/", "borderlab_schema", &schema, 1) >= 0);
    assert_true(H5LTset_attribute_string(file, "/", "job", job) >= 0);
    assert_true(H5LTset_attribute_string(file, "/", "scenario_name", "unit") >= 0);
    return file;
}

static void expect_png(const char *dir, const char *name) {
    char path[700];
    tu_path_in(path, sizeof path, dir, name);
    if (!bl_plot_is_png(path))
        print_error("%s is not a PNG\n", path);
    assert_true(bl_plot_is_png(path));
}

static int plot(const char *results, const char *dir, size_t *n, bl_error_t *err) {
    bl_plot_options_t o = {results, dir, false, true};
    bl_error_clear(err);
    return bl_plot_checkpoint(&o, n, err);
}

/* ------------------------------------------------------------------ tests */

/* A plain run: the four plots, each a PNG named after the file. */
static void test_plot_checkpoint_plain(void **state) {
    fixture_t *f = *state;
    if (!bl_plot_available(NULL, 0))
        skip();
    char path[700];
    hid_t file = new_file(f->dir, "run.h5", "checkpoint", path, sizeof path);
    write_group(file, "/checkpoint", false);
    H5Fclose(file);
    bl_error_t err;
    size_t n = 0;
    int rc = plot(path, f->dir, &n, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 4);
    expect_png(f->dir, "run_queue.png");
    expect_png(f->dir, "run_waits.png");
    expect_png(f->dir, "run_utilisation.png");
    expect_png(f->dir, "run_throughput.png");
}

/* A 2 x 2 sweep: one plot per headline metric and the four plots per point. */
static void test_plot_checkpoint_sweep(void **state) {
    fixture_t *f = *state;
    if (!bl_plot_available(NULL, 0))
        skip();
    static const char *const metrics[] = {"sojourn_mean", "sojourn_p90",   "throughput", "seizures",
                                          "false_alarms", "officer_hours", "reneged"};
    char path[700], names[3 * COUNT(metrics)][32];
    hid_t file = new_file(f->dir, "sweep.h5", "checkpoint", path, sizeof path);
    const char *groups[] = {"/sweep/p0000", "/sweep/p0001", "/sweep/p0002", "/sweep/p0003"};
    const char *settings[] = {"servers=1;detector=a", "servers=2;detector=a",
                              "servers=1;detector=b", "servers=2;detector=b"};
    double point[] = {0, 1, 2, 3}, reps[] = {5, 5, 5, 5};
    double values[3 * COUNT(metrics)][4];
    column_t cols[4 + 3 * COUNT(metrics)] = {{"point", 'U', NULL, point},
                                             {"group", 'S', groups, NULL},
                                             {"settings", 'S', settings, NULL},
                                             {"replications", 'U', NULL, reps}};
    for (size_t m = 0; m < COUNT(metrics); m++)
        for (size_t j = 0; j < 3; j++) {
            size_t c = 3 * m + j;
            snprintf(names[c], sizeof names[c], "%s%s", metrics[m],
                     j == 0   ? ""
                     : j == 1 ? "_ci_low"
                              : "_ci_high");
            for (size_t p = 0; p < 4; p++)
                values[c][p] = m == 6 ? NAN : 10 * (double)(p + 1) + (j == 0 ? 0 : j == 1 ? -1 : 1);
            cols[4 + c] = (column_t){names[c], 'D', NULL, values[c]};
        }
    write_table(file, "/sweep/points", cols, COUNT(cols), 4);
    const char *axis[] = {"servers", "detector", "servers", "detector",
                          "servers", "detector", "servers", "detector"};
    const char *value[] = {"1", "a", "2", "a", "1", "b", "2", "b"};
    double apoint[] = {0, 0, 1, 1, 2, 2, 3, 3}, number[] = {1, NAN, 2, NAN, 1, NAN, 2, NAN};
    const column_t axes[] = {{"axis", 'S', axis, NULL},
                             {"point", 'U', NULL, apoint},
                             {"value", 'S', value, NULL},
                             {"value_number", 'D', NULL, number}};
    write_table(file, "/sweep/axes", axes, COUNT(axes), 8);
    for (size_t p = 0; p < 4; p++)
        write_group(file, groups[p], false);
    H5Fclose(file);

    bl_error_t err;
    size_t n = 0;
    int rc = plot(path, f->dir, &n, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(n, COUNT(metrics) + 4 * 4);
    expect_png(f->dir, "sweep_sweep_sojourn_mean.png");
    expect_png(f->dir, "sweep_sweep_reneged.png"); /* all NaN: an empty frame */
    expect_png(f->dir, "sweep_p0003_waits.png");
}

/* Files plot cannot draw: each error names the file and what to do. */
static void test_plot_checkpoint_refuses(void **state) {
    fixture_t *f = *state;
    char path[700], missing[700];
    bl_error_t err;
    hid_t file = new_file(f->dir, "bench.h5", "detector_bench", path, sizeof path);
    H5Fclose(file);
    assert_int_equal(plot(path, f->dir, NULL, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "detector_bench"));
    assert_non_null(strstr(err.message, "borderlab compare"));

    tu_path_in(missing, sizeof missing, f->dir, "missing.h5");
    assert_int_equal(plot(missing, f->dir, NULL, &err), BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "missing.h5"));

    file = new_file(f->dir, "old.h5", "checkpoint", path, sizeof path);
    write_group(file, "/checkpoint", true);
    H5Fclose(file);
    /* -d DIR is made when its parent exists; a deeper missing path is refused. */
    tu_path_in(missing, sizeof missing, f->dir, "no_such_folder/deeper");
    assert_int_equal(plot(path, missing, NULL, &err), BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "mkdir -p"));
    if (!bl_plot_available(NULL, 0))
        return;
    size_t n = 9;
    assert_int_equal(plot(path, f->dir, &n, &err), BL_EHDF5);
    assert_non_null(strstr(err.message, "/checkpoint/waits"));
    assert_int_equal(n, 1); /* the queue plot came first */
}

/* plot.c: error bars, a CI band and a plot with nothing finite. */
static void test_plot_error_bars(void **state) {
    fixture_t *f = *state;
    if (!bl_plot_available(NULL, 0))
        skip();
    char png[700];
    tu_path_in(png, sizeof png, f->dir, "bars.png");
    const double x[] = {1, 2, 3, 4}, y[] = {2, NAN, 3, 5}, lo[] = {1, 1, NAN, 4},
                 hi[] = {3, 3, 4, 6}, nan[] = {NAN, NAN, NAN, NAN};
    bl_plot_series_t s[] = {
        {NULL, x, y, 4, "filledcurves fillstyle transparent solid 0.2", lo, hi},
        {"mean", x, y, 4, NULL, lo, hi},
        {"bars only", x, y, 4, "yerrorbars", lo, hi},
    };
    const char *cats[] = {"a", "b", "c", "d"};
    bl_plot_t p;
    bl_plot_init(&p);
    p.title = "two\nlines";
    p.series = s;
    p.n_series = COUNT(s);
    p.xtic_labels = cats;
    p.n_xtic_labels = COUNT(cats);
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_plot_write(&p, BL_PLOT_PNG, png, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(bl_plot_is_png(png));

    bl_plot_series_t none = {"nothing", x, nan, 4, NULL, nan, nan};
    p.series = &none;
    p.n_series = 1;
    p.xtic_labels = NULL;
    rc = bl_plot_write(&p, BL_PLOT_PNG, png, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(bl_plot_is_png(png));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plot_checkpoint_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_checkpoint_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_checkpoint_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_error_bars, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
