/* Unit tests for core/compare.c, core/compare_report.c and core/plot.c:
 * small detector_bench results files are built by hand (H5TB tables in the
 * layout of detector_bench.h, known per-scan scores and truth), compared,
 * and the numbers checked against independent computations. */
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

#include "jobs/detector/compare.h"
#include "stats/detection_metrics.h"
#include "plugin/loader.h"
#include "plot/plot.h"
#include "test_util.h"

#define N_SCANS 60
#define N_CLASS 8 /* any + 7 threat classes */
#define FIREARM 1
#define KNIFE 2

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) near((a), (b), (eps), #a, __FILE__, __LINE__)
static void near(double a, double b, double eps, const char *expr, const char *file, int line) {
    if (!(fabs(a - b) <= eps) && !(isnan(a) && isnan(b))) {
        print_error("%s is %.17g, expected %.17g (within %g)\n", expr, a, b, eps);
        _fail(file, line);
    }
}

/* ------------------------------------------------------------------ the hand-built files */

static const char *const class_names[N_CLASS] = {"any",   "firearm",    "knife",    "explosive",
                                                 "drugs", "cigarettes", "currency", "metal"};

typedef struct score_row {
    uint32_t scan;
    double s[N_CLASS]; /* any, firearm, ..., metal */
    uint32_t invalid;
} score_row_t;

typedef struct metric_row {
    char class[16];
    uint64_t positives, negatives;
    double threshold, pd, pfa, auc;
} metric_row_t;

typedef struct scan_row {
    uint32_t scan, truth_mask, objects;
} scan_row_t;

typedef struct single_row {
    uint64_t queries;
    double mean, p50, p90, p99, max;
} single_row_t;

typedef struct offline_row {
    uint32_t batch, threads;
    uint64_t scans;
    double seconds, scans_per_s;
} offline_row_t;

/* One detector of a file: per-scan scores by class, latency figures. */
typedef struct fake_detector {
    const char *name;
    double scores[N_CLASS][N_SCANS];
    double p50, p99, scans_per_s;
} fake_detector_t;

typedef struct fixture {
    char dir[512];
    uint32_t truth[N_SCANS];
    fake_detector_t det[3];
} fixture_t;

/* Truth: scans 0-11 hold a firearm, 8-19 a knife (8-11 both), the rest
 * are clean. */
static uint32_t truth_of(size_t i) {
    uint32_t m = 0;
    if (i < 12)
        m |= 1u << FIREARM;
    if (i >= 8 && i < 20)
        m |= 1u << KNIFE;
    return m;
}

/* A deterministic score in [0, 1): positives higher on average, with
 * some ties (scores on a 1/20 grid) so the ROC has repeated values. */
static double score_of(unsigned seed, size_t i, bool positive, double shift) {
    uint64_t x = (uint64_t)seed * 6364136223846793005ULL + i * 1442695040888963407ULL + 12345;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    double u = (double)(x % 1000) / 1000.0;
    double s = positive ? 0.3 + 0.7 * u * shift : 0.75 * u;
    return floor(s * 20) / 20;
}

static void make_detector(fake_detector_t *d, const char *name, unsigned seed, double shift,
                          const uint32_t *truth) {
    d->name = name;
    for (size_t i = 0; i < N_SCANS; i++) {
        double any = 0;
        for (size_t k = 1; k < N_CLASS; k++) {
            bool pos = (truth[i] >> k) & 1u;
            d->scores[k][i] = k <= KNIFE ? score_of(seed + (unsigned)k, i, pos, shift) : 0.0;
            any = fmax(any, d->scores[k][i]);
        }
        d->scores[0][i] = any;
    }
    d->p50 = 0.010 * shift;
    d->p99 = 0.025 * shift;
    d->scans_per_s = 400 / shift;
}

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    if (tu_outdir(f->dir, sizeof f->dir, "compare") != 0) {
        free(f);
        return -1;
    }
    for (size_t i = 0; i < N_SCANS; i++)
        f->truth[i] = truth_of(i);
    make_detector(&f->det[0], "alpha", 11, 1.0, f->truth);
    make_detector(&f->det[1], "beta", 23, 0.6, f->truth);
    make_detector(&f->det[2], "gamma", 37, 0.8, f->truth);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

static void set_text(hid_t file, const char *obj, const char *name, const char *value) {
    assert_true(H5LTset_attribute_string(file, obj, name, value) >= 0);
}

/* Positives and negatives of class k ("any" or a class; negatives: clean scans). */
static void counts(const uint32_t *truth, size_t k, uint64_t *pos, uint64_t *neg) {
    *pos = *neg = 0;
    for (size_t i = 0; i < N_SCANS; i++) {
        bool p = k == 0 ? truth[i] != 0 : ((truth[i] >> k) & 1u);
        *pos += p;
        *neg += truth[i] == 0;
    }
}

/* Write a detector_bench-like file at dir/name with detectors dets[0..n-1]
 * (job and scan set as given; threshold 0.5). */
static void write_bench(const fixture_t *f, const char *name, const char *job, const char *scan_set,
                        const fake_detector_t *const *dets, size_t n, char *out_path,
                        size_t out_size) {
    snprintf(out_path, out_size, "%s/%s", f->dir, name);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    assert_true(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >=
                0);
    hid_t file = H5Fcreate(out_path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    assert_true(file >= 0);
    int schema = 1;
    double threshold = 0.5;
    assert_true(H5LTset_attribute_int(file, "/", "borderlab_schema", &schema, 1) >= 0);
    assert_true(H5LTset_attribute_double(file, "/", "threshold", &threshold, 1) >= 0);
    set_text(file, "/", "job", job);
    set_text(file, "/", "scan_set_sha256", scan_set);

    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    assert_true(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >=
                0);
    hid_t g = H5Gcreate2(file, "/detector", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Gclose(g);
    g = H5Gcreate2(file, "/detector/detectors", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Gclose(g);

    scan_row_t scans[N_SCANS];
    for (size_t i = 0; i < N_SCANS; i++) {
        /* Stored in reverse order: the reader must match scans by id. */
        size_t j = N_SCANS - 1 - i;
        scans[i] =
            (scan_row_t){(uint32_t)j, f->truth[j], (uint32_t)__builtin_popcount(f->truth[j])};
    }
    const char *scan_names[] = {"scan", "truth_mask", "objects"};
    size_t scan_off[] = {offsetof(scan_row_t, scan), offsetof(scan_row_t, truth_mask),
                         offsetof(scan_row_t, objects)};
    hid_t scan_types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_UINT32, H5T_NATIVE_UINT32};
    assert_true(H5TBmake_table("scans", file, "/detector/scans", 3, N_SCANS, sizeof(scan_row_t),
                               scan_names, scan_off, scan_types, 64, NULL, 1, scans) >= 0);

    for (size_t d = 0; d < n; d++) {
        char base[256], path[320];
        snprintf(base, sizeof base, "/detector/detectors/%s", dets[d]->name);
        g = H5Gcreate2(file, base, H5P_DEFAULT, gcpl, H5P_DEFAULT);
        assert_true(g >= 0);
        H5Gclose(g);
        char id[64];
        snprintf(id, sizeof id, "test.%s", dets[d]->name);
        set_text(file, base, "id", id);
        set_text(file, base, "version", "1.0");

        /* scores: scan, any, firearm ... metal (float, as a writer might), invalid */
        score_row_t sc[N_SCANS];
        for (size_t i = 0; i < N_SCANS; i++) {
            sc[i].scan = (uint32_t)i;
            sc[i].invalid = 0;
            for (size_t k = 0; k < N_CLASS; k++)
                sc[i].s[k] = dets[d]->scores[k][i];
        }
        const char *names[N_CLASS + 2];
        size_t off[N_CLASS + 2];
        hid_t types[N_CLASS + 2];
        names[0] = "scan";
        off[0] = offsetof(score_row_t, scan);
        types[0] = H5T_NATIVE_UINT32;
        for (size_t k = 0; k < N_CLASS; k++) {
            names[k + 1] = class_names[k];
            off[k + 1] = offsetof(score_row_t, s) + k * sizeof(double);
            types[k + 1] = H5T_NATIVE_DOUBLE;
        }
        names[N_CLASS + 1] = "invalid";
        off[N_CLASS + 1] = offsetof(score_row_t, invalid);
        types[N_CLASS + 1] = H5T_NATIVE_UINT32;
        snprintf(path, sizeof path, "%s/scores", base);
        assert_true(H5TBmake_table("scores", file, path, N_CLASS + 2, N_SCANS, sizeof(score_row_t),
                                   names, off, types, 64, NULL, 1, sc) >= 0);

        /* metrics: any, firearm, knife */
        metric_row_t m[3];
        size_t ks[3] = {0, FIREARM, KNIFE};
        for (size_t r = 0; r < 3; r++) {
            memset(&m[r], 0, sizeof m[r]);
            snprintf(m[r].class, sizeof m[r].class, "%s", class_names[ks[r]]);
            counts(f->truth, ks[r], &m[r].positives, &m[r].negatives);
            m[r].threshold = 0.5;
            m[r].pd = m[r].pfa = NAN;
            m[r].auc = r == 0 ? 0.8 + 0.01 * (double)d : NAN;
        }
        hid_t str16 = H5Tcopy(H5T_C_S1);
        H5Tset_size(str16, 16);
        const char *mnames[] = {"class", "positives", "negatives", "threshold", "pd", "pfa", "auc"};
        size_t moff[] = {offsetof(metric_row_t, class),     offsetof(metric_row_t, positives),
                         offsetof(metric_row_t, negatives), offsetof(metric_row_t, threshold),
                         offsetof(metric_row_t, pd),        offsetof(metric_row_t, pfa),
                         offsetof(metric_row_t, auc)};
        hid_t mtypes[] = {str16,
                          H5T_NATIVE_UINT64,
                          H5T_NATIVE_UINT64,
                          H5T_NATIVE_DOUBLE,
                          H5T_NATIVE_DOUBLE,
                          H5T_NATIVE_DOUBLE,
                          H5T_NATIVE_DOUBLE};
        snprintf(path, sizeof path, "%s/metrics", base);
        assert_true(H5TBmake_table("metrics", file, path, 7, 3, sizeof(metric_row_t), mnames, moff,
                                   mtypes, 16, NULL, 1, m) >= 0);
        H5Tclose(str16);

        /* roc/any from the scores */
        uint8_t labels[N_SCANS];
        for (size_t i = 0; i < N_SCANS; i++)
            labels[i] = f->truth[i] != 0;
        bl_roc_point_t *pts = NULL;
        size_t n_pts = 0;
        assert_int_equal(bl_roc(dets[d]->scores[0], labels, N_SCANS, &pts, &n_pts), 0);
        snprintf(path, sizeof path, "%s/roc", base);
        g = H5Gcreate2(file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(g);
        const char *rnames[] = {"threshold", "pd", "pfa"};
        size_t roff[] = {offsetof(bl_roc_point_t, threshold), offsetof(bl_roc_point_t, pd),
                         offsetof(bl_roc_point_t, pfa)};
        hid_t rtypes[] = {H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE};
        snprintf(path, sizeof path, "%s/roc/any", base);
        assert_true(H5TBmake_table("roc", file, path, 3, n_pts, sizeof(bl_roc_point_t), rnames,
                                   roff, rtypes, 64, NULL, 1, pts) >= 0);
        free(pts);

        single_row_t ss = {100,          dets[d]->p50, dets[d]->p50,
                           dets[d]->p99, dets[d]->p99, dets[d]->p99};
        const char *snames[] = {"queries", "mean", "p50", "p90", "p99", "max"};
        size_t soff[] = {offsetof(single_row_t, queries), offsetof(single_row_t, mean),
                         offsetof(single_row_t, p50),     offsetof(single_row_t, p90),
                         offsetof(single_row_t, p99),     offsetof(single_row_t, max)};
        hid_t stypes[] = {H5T_NATIVE_UINT64, H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE,
                          H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE};
        snprintf(path, sizeof path, "%s/single_stream", base);
        assert_true(H5TBmake_table("single", file, path, 6, 1, sizeof(single_row_t), snames, soff,
                                   stypes, 8, NULL, 1, &ss) >= 0);

        /* offline: the best of two points is scans_per_s */
        offline_row_t off2[2] = {{1, 1, 100, 1.0, dets[d]->scans_per_s / 2},
                                 {16, 2, 100, 1.0, dets[d]->scans_per_s}};
        const char *onames[] = {"batch", "threads", "scans", "seconds", "scans_per_s"};
        size_t ooff[] = {offsetof(offline_row_t, batch), offsetof(offline_row_t, threads),
                         offsetof(offline_row_t, scans), offsetof(offline_row_t, seconds),
                         offsetof(offline_row_t, scans_per_s)};
        hid_t otypes[] = {H5T_NATIVE_UINT32, H5T_NATIVE_UINT32, H5T_NATIVE_UINT64,
                          H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE};
        snprintf(path, sizeof path, "%s/offline", base);
        assert_true(H5TBmake_table("offline", file, path, 5, 2, sizeof(offline_row_t), onames, ooff,
                                   otypes, 8, NULL, 1, off2) >= 0);
    }
    H5Pclose(gcpl);
    assert_true(H5Fclose(file) >= 0);
}

#define SCAN_SET "4f1c0d9e3b7a"

/* A file holding alpha and beta. */
static void two_detectors(const fixture_t *f, char *path, size_t size) {
    const fake_detector_t *dets[] = {&f->det[0], &f->det[1]};
    write_bench(f, "two.h5", "detector_bench", SCAN_SET, dets, 2, path, size);
}

static const bl_compare_row_t *find_row(const bl_compare_t *c, const char *a, const char *b,
                                        const char *cls, const char *metric) {
    size_t n;
    const bl_compare_row_t *rows = bl_compare_rows(c, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].a, a) == 0 && strcmp(rows[i].b, b) == 0 &&
            strcmp(rows[i].class, cls) == 0 && strcmp(rows[i].metric, metric) == 0)
            return &rows[i];
    return NULL;
}

static bl_compare_t *load_ok(const char *const *paths, size_t n) {
    bl_compare_t *c = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_compare_load(paths, n, &c, &err);
    if (rc != 0)
        print_error("bl_compare_load: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_non_null(c);
    return c;
}

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
        cmocka_unit_test_setup_teardown(test_compare_mcnemar_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_delong_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_latency_ratios, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_writes_pairs_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_other_scans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_non_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_refuses_one_detector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_labels_on_clash, setup, teardown),
        cmocka_unit_test(test_compare_format_p),
        cmocka_unit_test_setup_teardown(test_compare_roc_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_reports_gnuplot_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_without_gnuplot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
