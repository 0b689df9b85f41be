/* Unit tests for plot/plot.c through gnuplot: the ROC plot of a comparison
 * of hand-built detector_bench results files (compare_fixtures.h) as PNG
 * and SVG, gnuplot's failures reported with no file left behind, and a
 * PATH without gnuplot.  The gnuplot checks are skipped when it is not
 * installed. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "compare_fixtures.h"
#include "jobs/detector/compare.h"
#include "plot/plot.h"
#include "plugin/loader.h"
#include "stats/detection_metrics.h"
#include "test_util.h"

/* Files go under $top_builddir/tests/out/plot. */
static int setup(void **state) { return compare_fixture_setup(state, "plot"); }

/* ------------------------------------------------------------------ plots */

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_compare_roc_plot(void **state) {
    fixture_t *f = *state;
    if (!bl_plot_available(NULL, 0)) {
        print_message("gnuplot is not on PATH: the plot is not checked\n");
        skip();
    }
    char path[640], png[700], svg[700];
    two_detectors(f, path, sizeof path);
    const char *paths[] = {path};
    bl_compare_t *c = load_ok(paths, 1);
    snprintf(png, sizeof png, "%s/roc.png", f->dir);
    snprintf(svg, sizeof svg, "%s/roc.svg", f->dir);
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_compare_plot_roc(c, BL_PLOT_PNG, png, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(file_size(png) > 0);
    assert_true(bl_plot_is_png(png));
    assert_int_equal(bl_compare_plot_roc(c, BL_PLOT_SVG, svg, &err), 0);
    assert_true(file_size(svg) > 0);
    assert_false(bl_plot_is_png(svg));
    bl_compare_free(c);
}

/* A gnuplot error (a bad style) is reported, with no file left behind;
 * labels with quotes and underscores are drawn. */
static void test_plot_reports_gnuplot_failure(void **state) {
    fixture_t *f = *state;
    if (!bl_plot_available(NULL, 0))
        skip();
    char png[700];
    snprintf(png, sizeof png, "%s/bad.png", f->dir);
    const double x[] = {0, 1, 2}, y[] = {1, NAN, 3};
    bl_plot_series_t s = {"it's a_label", x, y, 3, NULL, NULL, NULL};
    bl_plot_t p;
    bl_plot_init(&p);
    p.title = "queue 'A' \"length\"";
    p.xlabel = "time (s)";
    p.ylabel = "entities";
    p.series = &s;
    p.n_series = 1;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_plot_write(&p, BL_PLOT_PNG, png, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(bl_plot_is_png(png));

    s.style = "no_such_style";
    bl_error_clear(&err);
    assert_int_equal(bl_plot_write(&p, BL_PLOT_PNG, png, &err), BL_EIO);
    assert_non_null(strstr(err.message, "gnuplot failed"));
    assert_int_equal(file_size(png), -1);

    p.n_series = 0;
    bl_error_clear(&err);
    assert_int_equal(bl_plot_write(&p, BL_PLOT_PNG, png, &err), BL_EINVAL);
}

/* Without gnuplot on PATH, bl_plot_write says so and draws nothing. */
static void test_plot_without_gnuplot(void **state) {
    fixture_t *f = *state;
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    char png[700];
    snprintf(png, sizeof png, "%s/none.png", f->dir);
    setenv("PATH", "/nonexistent", 1);
    const double x[] = {0, 1}, y[] = {0, 1};
    bl_plot_series_t s = {"a", x, y, 2, NULL, NULL, NULL};
    bl_plot_t p;
    bl_plot_init(&p);
    p.series = &s;
    p.n_series = 1;
    bl_error_t err;
    bl_error_clear(&err);
    assert_false(bl_plot_available(NULL, 0));
    int rc = bl_plot_write(&p, BL_PLOT_PNG, png, &err);
    if (saved != NULL)
        setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "gnuplot is not on PATH"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compare_roc_plot, setup, compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_plot_reports_gnuplot_failure, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_plot_without_gnuplot, setup, compare_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
