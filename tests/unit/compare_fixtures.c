/*
 * The hand-built detector_bench results files the compare and plot tests
 * share (test_compare, test_compare_refusals, test_plot): see
 * compare_fixtures.h.
 */
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

const char *const class_names[N_CLASS] = {"any",   "firearm",    "knife",    "explosive",
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

int compare_fixture_setup(void **state, const char *name) {
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    if (tu_outdir(f->dir, sizeof f->dir, name) != 0) {
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

int compare_fixture_teardown(void **state) {
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
void write_bench(const fixture_t *f, const char *name, const char *job, const char *scan_set,
                 const fake_detector_t *const *dets, size_t n, char *out_path, size_t out_size) {
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

/* A file holding alpha and beta. */
void two_detectors(const fixture_t *f, char *path, size_t size) {
    const fake_detector_t *dets[] = {&f->det[0], &f->det[1]};
    write_bench(f, "two.h5", "detector_bench", SCAN_SET, dets, 2, path, size);
}

const bl_compare_row_t *find_row(const bl_compare_t *c, const char *a, const char *b,
                                 const char *cls, const char *metric) {
    size_t n;
    const bl_compare_row_t *rows = bl_compare_rows(c, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].a, a) == 0 && strcmp(rows[i].b, b) == 0 &&
            strcmp(rows[i].class, cls) == 0 && strcmp(rows[i].metric, metric) == 0)
            return &rows[i];
    return NULL;
}

bl_compare_t *load_ok(const char *const *paths, size_t n) {
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
