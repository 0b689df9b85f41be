/* Unit tests for jobs/detector/compare.c and compare_report.c: hand-built
 * detector_bench results files (compare_fixtures.h) are compared, and the
 * McNemar, DeLong and latency figures, the pairs table, its JSON and text
 * forms and the p-value formatting checked against independent
 * computations. */
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

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) near((a), (b), (eps), #a, __FILE__, __LINE__)
static void near(double a, double b, double eps, const char *expr, const char *file, int line) {
    if (!(fabs(a - b) <= eps) && !(isnan(a) && isnan(b))) {
        print_error("%s is %.17g, expected %.17g (within %g)\n", expr, a, b, eps);
        _fail(file, line);
    }
}

/* Files go under $top_builddir/tests/out/compare. */
static int setup(void **state) { return compare_fixture_setup(state, "compare"); }

/* Two-sided exact binomial McNemar p, from the binomial coefficients. */
static double exact_mcnemar(uint64_t b, uint64_t c) {
    uint64_t n = b + c, k = b < c ? b : c;
    if (n == 0)
        return 1;
    double tail = 0, coef = 1; /* C(n, 0) */
    for (uint64_t i = 0; i <= k; i++) {
        tail += coef * pow(0.5, (double)n);
        coef = coef * (double)(n - i) / (double)(i + 1);
    }
    return fmin(1.0, 2 * tail);
}

/* ------------------------------------------------------------------ McNemar */

static void check_proportion(const fixture_t *f, const bl_compare_t *c, size_t k,
                             const char *metric) {
    const fake_detector_t *a = &f->det[0], *b = &f->det[1];
    uint64_t n = 0, ya = 0, yb = 0, only_a = 0, only_b = 0;
    for (size_t i = 0; i < N_SCANS; i++) {
        bool pos = k == 0 ? f->truth[i] != 0 : ((f->truth[i] >> k) & 1u);
        bool in = strcmp(metric, "pd") == 0 ? pos : f->truth[i] == 0;
        if (!in)
            continue;
        bool xa = a->scores[k][i] >= 0.5, xb = b->scores[k][i] >= 0.5;
        n++;
        ya += xa;
        yb += xb;
        only_a += xa && !xb;
        only_b += xb && !xa;
    }
    const bl_compare_row_t *r = find_row(c, "alpha", "beta", class_names[k], metric);
    assert_non_null(r);
    assert_string_equal(r->test, "mcnemar-exact");
    assert_int_equal(r->n, n);
    assert_int_equal(r->only_a, only_a);
    assert_int_equal(r->only_b, only_b);
    assert_near(r->value_a, (double)ya / (double)n, 1e-15);
    assert_near(r->value_b, (double)yb / (double)n, 1e-15);
    assert_near(r->difference, (double)ya / (double)n - (double)yb / (double)n, 1e-15);
    assert_near(r->p_value, exact_mcnemar(only_a, only_b), 1e-12);
    double dev = fmax(fabs((double)only_a - (double)only_b) - 1, 0);
    if (only_a + only_b > 0)
        assert_near(r->statistic, dev * dev / (double)(only_a + only_b), 1e-12);
}

static void test_compare_mcnemar_counts(void **state) {
    fixture_t *f = *state;
    char path[640];
    two_detectors(f, path, sizeof path);
    const char *paths[] = {path};
    bl_compare_t *c = load_ok(paths, 1);
    assert_int_equal(bl_compare_n_detectors(c), 2);
    assert_string_equal(bl_compare_label(c, 0), "alpha");
    assert_string_equal(bl_compare_label(c, 1), "beta");
    for (size_t k = 0; k <= KNIFE; k++) {
        check_proportion(f, c, k, "pd");
        check_proportion(f, c, k, "pfa");
    }
    /* The data must make the test worth something: discordant pairs both ways. */
    const bl_compare_row_t *r = find_row(c, "alpha", "beta", "any", "pd");
    assert_true(r->only_a > 0 && r->only_b > 0);
    /* No class without metrics in both. */
    assert_null(find_row(c, "alpha", "beta", "drugs", "pd"));
    bl_compare_free(c);
}

/* ------------------------------------------------------------------ DeLong */

static void test_compare_delong_matches(void **state) {
    fixture_t *f = *state;
    char path[640];
    two_detectors(f, path, sizeof path);
    const char *paths[] = {path};
    bl_compare_t *c = load_ok(paths, 1);
    for (size_t k = 0; k <= KNIFE; k++) {
        double pa[N_SCANS], pb[N_SCANS], na[N_SCANS], nb[N_SCANS];
        size_t np = 0, nn = 0;
        for (size_t i = 0; i < N_SCANS; i++) {
            bool pos = k == 0 ? f->truth[i] != 0 : ((f->truth[i] >> k) & 1u);
            if (pos) {
                pa[np] = f->det[0].scores[k][i];
                pb[np++] = f->det[1].scores[k][i];
            } else if (f->truth[i] == 0) {
                na[nn] = f->det[0].scores[k][i];
                nb[nn++] = f->det[1].scores[k][i];
            }
        }
        bl_delong_paired_t want;
        assert_int_equal(bl_delong_paired(pa, pb, np, na, nb, nn, &want), 0);
        const bl_compare_row_t *r = find_row(c, "alpha", "beta", class_names[k], "auc");
        assert_non_null(r);
        assert_string_equal(r->test, "delong");
        assert_int_equal(r->n, np + nn);
        assert_near(r->value_a, want.auc_a, 1e-12);
        assert_near(r->value_b, want.auc_b, 1e-12);
        assert_near(r->difference, want.difference, 1e-12);
        assert_near(r->statistic, want.z, 1e-12);
        assert_near(r->p_value, want.p, 1e-12);
        assert_near(r->value_a, bl_auc(pa, np, na, nn), 1e-12);
    }
    bl_compare_free(c);
}

/* ------------------------------------------------------------------ latency ratios */

static void test_compare_latency_ratios(void **state) {
    fixture_t *f = *state;
    char path[640];
    two_detectors(f, path, sizeof path);
    const char *paths[] = {path};
    bl_compare_t *c = load_ok(paths, 1);
    const bl_compare_row_t *r = find_row(c, "alpha", "beta", "-", "latency_p50_ratio");
    assert_non_null(r);
    assert_near(r->value_a, f->det[0].p50, 1e-15);
    assert_near(r->difference, f->det[0].p50 / f->det[1].p50, 1e-12);
    assert_true(isnan(r->p_value));
    r = find_row(c, "alpha", "beta", "-", "latency_p99_ratio");
    assert_non_null(r);
    assert_near(r->difference, f->det[0].p99 / f->det[1].p99, 1e-12);
    r = find_row(c, "alpha", "beta", "-", "offline_throughput_ratio");
    assert_non_null(r);
    assert_near(r->value_a, f->det[0].scans_per_s, 1e-9); /* the best offline point */
    assert_near(r->difference, f->det[0].scans_per_s / f->det[1].scans_per_s, 1e-12);
    bl_compare_free(c);
}

/* ------------------------------------------------------------------ the output file */

static void test_compare_writes_pairs_table(void **state) {
    fixture_t *f = *state;
    char path[640], path2[640], out[640];
    two_detectors(f, path, sizeof path);
    const fake_detector_t *third[] = {&f->det[2]};
    write_bench(f, "three.h5", "detector_bench", SCAN_SET, third, 1, path2, sizeof path2);
    const char *paths[] = {path, path2};
    bl_compare_t *c = load_ok(paths, 2);
    assert_int_equal(bl_compare_n_detectors(c), 3);

    snprintf(out, sizeof out, "%s/out.h5", f->dir);
    unlink(out);
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_compare_write(c, out, "borderlab compare two.h5 three.h5", &err), 0);

    hid_t file = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    int schema = 0;
    assert_true(H5LTget_attribute_int(file, "/", "borderlab_schema", &schema) >= 0);
    assert_int_equal(schema, 1);
    char *job = tu_root_text(file, "job"), *set = tu_root_text(file, "scan_set_sha256");
    char *inputs = tu_root_text(file, "inputs");
    assert_string_equal(job, "compare");
    assert_string_equal(set, SCAN_SET);
    cJSON *in = cJSON_Parse(inputs);
    assert_true(cJSON_IsArray(in));
    assert_int_equal(cJSON_GetArraySize(in), 2);
    char sha[65];
    assert_int_equal(bl_sha256_file(path2, sha, &err), 0);
    cJSON *second = cJSON_GetArrayItem(in, 1);
    assert_string_equal(cJSON_GetObjectItem(second, "file")->valuestring, path2);
    assert_string_equal(cJSON_GetObjectItem(second, "sha256")->valuestring, sha);
    cJSON_Delete(in);
    free(job);
    free(set);
    free(inputs);

    /* 3 pairs x (3 classes x pd, pfa, auc + 3 ratios) = 36 rows, pairs in load order. */
    hsize_t nfields = 0, nrecords = 0;
    assert_true(H5TBget_table_info(file, "/compare/pairs", &nfields, &nrecords) >= 0);
    assert_int_equal(nrecords, 36);
    size_t n_rows;
    const bl_compare_row_t *mine = bl_compare_rows(c, &n_rows);
    assert_int_equal(n_rows, 36);
    typedef struct {
        char a[BL_COMPARE_LABEL_SIZE], b[BL_COMPARE_LABEL_SIZE], metric[32];
        double p;
    } got_t;
    got_t *got = calloc(nrecords, sizeof *got);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(got_t));
    hid_t s160 = H5Tcopy(H5T_C_S1), s32 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s160, BL_COMPARE_LABEL_SIZE);
    H5Tset_size(s32, 32);
    H5Tinsert(t, "a", offsetof(got_t, a), s160);
    H5Tinsert(t, "b", offsetof(got_t, b), s160);
    H5Tinsert(t, "metric", offsetof(got_t, metric), s32);
    H5Tinsert(t, "p_value", offsetof(got_t, p), H5T_NATIVE_DOUBLE);
    hid_t ds = H5Dopen2(file, "/compare/pairs", H5P_DEFAULT);
    assert_true(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >= 0);
    H5Dclose(ds);
    H5Tclose(t);
    H5Tclose(s160);
    H5Tclose(s32);
    static const char *const want_pairs[3][2] = {
        {"alpha", "beta"}, {"alpha", "gamma"}, {"beta", "gamma"}};
    for (size_t i = 0; i < nrecords; i++) {
        assert_string_equal(got[i].a, want_pairs[i / 12][0]);
        assert_string_equal(got[i].b, want_pairs[i / 12][1]);
        assert_string_equal(got[i].metric, mine[i].metric);
        assert_near(got[i].p, mine[i].p_value, 0);
    }
    assert_string_equal(got[0].metric, "pd");
    assert_string_equal(got[1].metric, "pfa");
    assert_string_equal(got[2].metric, "auc");
    free(got);
    assert_true(H5TBget_table_info(file, "/compare/detectors", &nfields, &nrecords) >= 0);
    assert_int_equal(nrecords, 3);
    H5Fclose(file);

    /* The same as JSON. */
    cJSON *o = bl_compare_json(c);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "pairs")), 36);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "detectors")), 3);
    assert_string_equal(cJSON_GetObjectItem(o, "scan_set_sha256")->valuestring, SCAN_SET);
    cJSON_Delete(o);

    /* And the text table: one block per pair with p-values. */
    char text_path[700];
    snprintf(text_path, sizeof text_path, "%s/table.txt", f->dir);
    FILE *fp = fopen(text_path, "w+");
    assert_non_null(fp);
    bl_compare_print_text(c, fp);
    rewind(fp);
    char line[512];
    int blocks = 0, pvalue_headers = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        blocks += strncmp(line, "A = ", 4) == 0;
        pvalue_headers += strstr(line, "p-value") != NULL;
    }
    fclose(fp);
    assert_int_equal(blocks, 3);
    assert_int_equal(pvalue_headers, 3);
    bl_compare_free(c);
}

/* ------------------------------------------------------------------ p formatting */

static void test_compare_format_p(void **state) {
    char buf[32];
    assert_string_equal(bl_compare_format_p(0.0123, buf, sizeof buf), "0.0123");
    assert_string_equal(bl_compare_format_p(1.0, buf, sizeof buf), "1.0000");
    assert_string_equal(bl_compare_format_p(3.2e-7, buf, sizeof buf), "3.2e-07");
    assert_string_equal(bl_compare_format_p(0.0, buf, sizeof buf), "<1e-16");
    assert_string_equal(bl_compare_format_p(1e-20, buf, sizeof buf), "<1e-16");
    assert_string_equal(bl_compare_format_p(NAN, buf, sizeof buf), "-");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compare_mcnemar_counts, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_delong_matches, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_latency_ratios, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_compare_writes_pairs_table, setup,
                                        compare_fixture_teardown),
        cmocka_unit_test(test_compare_format_p),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
