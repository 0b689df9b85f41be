/* Unit tests for what jobs/detector/compare.c refuses (runs on other scans,
 * checkpoint runs, files that are not results, one detector, a file given
 * twice) and how it labels detectors whose names clash, on hand-built
 * detector_bench results files (compare_fixtures.h). */
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

/* Files go under $top_builddir/tests/out/compare_refusals. */
static int setup(void **state) { return compare_fixture_setup(state, "compare_refusals"); }

/* ------------------------------------------------------------------ refusals */

static void expect_refusal(const char *const *paths, size_t n, const char *needle) {
    bl_compare_t *c = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_compare_load(paths, n, &c, &err);
    assert_true(rc < 0);
    assert_null(c);
    if (strstr(err.message, needle) == NULL) {
        print_error("message '%s' lacks '%s'\n", err.message, needle);
        fail();
    }
}

static void test_compare_refuses_other_scans(void **state) {
    fixture_t *f = *state;
    char a[640], b[640], want[1600];
    const fake_detector_t *one[] = {&f->det[0]}, *other[] = {&f->det[1]};
    write_bench(f, "seed1.h5", "detector_bench", SCAN_SET, one, 1, a, sizeof a);
    write_bench(f, "seed2.h5", "detector_bench", "9999aaaa", other, 1, b, sizeof b);
    const char *paths[] = {a, b};
    snprintf(want, sizeof want,
             "%s and %s were run on different scans (seed or generator differ): compare needs "
             "detectors run on the same seeded scans",
             a, b);
    expect_refusal(paths, 2, want);
}

static void test_compare_refuses_checkpoint(void **state) {
    fixture_t *f = *state;
    char a[640], cp[640], want[800];
    two_detectors(f, a, sizeof a);
    snprintf(cp, sizeof cp, "%s/checkpoint.h5", f->dir);
    hid_t file = H5Fcreate(cp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int schema = 1;
    H5LTset_attribute_int(file, "/", "borderlab_schema", &schema, 1);
    H5LTset_attribute_string(file, "/", "job", "checkpoint");
    H5Fclose(file);
    const char *paths[] = {a, cp};
    snprintf(want, sizeof want, "%s is a checkpoint run; compare needs detector_bench runs", cp);
    expect_refusal(paths, 2, want);
}

static void test_compare_refuses_non_results(void **state) {
    fixture_t *f = *state;
    char a[640], text[640], bare[640];
    two_detectors(f, a, sizeof a);
    snprintf(text, sizeof text, "%s/notes.h5", f->dir);
    tu_write_file(text, "not hdf5\n");
    const char *paths[] = {a, text};
    expect_refusal(paths, 2, "is not an HDF5 file");
    snprintf(bare, sizeof bare, "%s/bare.h5", f->dir);
    H5Fclose(H5Fcreate(bare, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    paths[1] = bare;
    expect_refusal(paths, 2, "not a borderlab results file");
    char missing[700];
    snprintf(missing, sizeof missing, "%s/missing.h5", f->dir);
    paths[1] = missing;
    expect_refusal(paths, 2, "cannot open results file");
}

static void test_compare_refuses_one_detector(void **state) {
    fixture_t *f = *state;
    char a[640];
    const fake_detector_t *one[] = {&f->det[0]};
    write_bench(f, "one.h5", "detector_bench", SCAN_SET, one, 1, a, sizeof a);
    const char *paths[] = {a};
    expect_refusal(paths, 1, "compare needs at least two");
    const char *twice[] = {a, a};
    expect_refusal(twice, 2, "is given twice");
}

static void test_compare_labels_on_clash(void **state) {
    fixture_t *f = *state;
    char a[640], b[640];
    const fake_detector_t *one[] = {&f->det[0]};
    fake_detector_t *renamed = malloc(sizeof *renamed);
    *renamed = f->det[1];
    renamed->name = "alpha"; /* another run's detector of the same name */
    const fake_detector_t *other[] = {renamed};
    write_bench(f, "vendor_a.h5", "detector_bench", SCAN_SET, one, 1, a, sizeof a);
    write_bench(f, "vendor_b.h5", "detector_bench", SCAN_SET, other, 1, b, sizeof b);
    const char *paths[] = {a, b};
    bl_compare_t *c = load_ok(paths, 2);
    assert_string_equal(bl_compare_label(c, 0), "vendor_a.h5:alpha");
    assert_string_equal(bl_compare_label(c, 1), "vendor_b.h5:alpha");
    assert_non_null(find_row(c, "vendor_a.h5:alpha", "vendor_b.h5:alpha", "any", "pd"));
    bl_compare_free(c);
    free(renamed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compare_refuses_other_scans, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_checkpoint, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_non_results, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_one_detector, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_labels_on_clash, setup,
                                        compare_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
