/*
 * The surrogate detector (core/engine/surrogate.c) against detector_bench results
 * files made here through the real run command (bl_run of a small bench
 * scenario with the dual_energy and density plugins): the per-class alarm
 * rates equal what the file's /detector/scans and scores give when read
 * independently with the HDF5 API; resampled alarms happen at that rate;
 * latency draws follow the single-stream percentiles (or the offline
 * throughput); and files that are not detector_bench results are refused
 * with a message that says what to do.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "engine/surrogate.h"
#include "jobs/checkpoint/surrogate_file.h"
#include "jobs/detector/bench_results.h"
#include "jobs/jobs.h"
#include "plugin/loader.h"
#include "run/run.h"
#include "stats/rng.h"
#include "test_util.h"

#define DRAWS 200000
#define THRESHOLD 0.5

typedef struct fixture {
    char *dir;          /* first: tu_fixture_new sets it */
    char bench[700];    /* dual_energy then density, single_stream */
    char offline[700];  /* dual_energy, offline mode only */
    char no_clean[700]; /* every scan holds a knife */
    char text[700];     /* not HDF5 */
    char other[700];    /* an HDF5 file of job "checkpoint" */
} fixture_t;

/* Run a detector_bench scenario (body: the fields inside bl.detector_bench{})
 * from dir/name.lua into out. */
static int run_bench(const char *dir, const char *name, const char *body, char *out,
                     size_t out_size) {
    char scenario[700], dual[640], density[640];
    tu_builddir_path(dual, sizeof dual, "plugins/detector/dual_energy/.libs/dual_energy.so");
    tu_builddir_path(density, sizeof density, "plugins/detector/density/.libs/density.so");
    snprintf(scenario, sizeof scenario, "%s/%s.lua", dir, name);
    snprintf(out, out_size, "%s/%s.h5", dir, name);
    FILE *fp = fopen(scenario, "w");
    if (fp == NULL)
        return -1;
    fprintf(fp,
            "local dual, density = '%s', '%s'\n"
            "return bl.detector_bench{\n"
            "    name = '%s', seed = 606,\n%s}\n",
            dual, density, name, body);
    if (fclose(fp) != 0)
        return -1;
    bl_run_options_t o = tu_run_options(out, "borderlab run surrogate_bench.lua");
    o.scenario_path = scenario;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run(&o, &err);
    if (rc != 0)
        fprintf(stderr, "bench %s: %s\n", name, err.message);
    return rc;
}

static int setup(void **state) {
    fixture_t *f = tu_fixture_new(sizeof *f, "test_surrogate");
    if (f == NULL)
        return -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = run_bench(f->dir, "bench",
                       "    scans = 600, batch = 16,\n"
                       "    generator = bl.xray{width = 64, height = 64, subject = 'bag',\n"
                       "        dual_energy = true,\n"
                       "        prevalence = {drugs = 0.2, cigarettes = 0.2, firearm = 0.2}},\n"
                       "    detectors = {bl.plugin{dual}, bl.plugin{density}},\n"
                       "    performance = {pool = 8, single_stream = {queries = 40}},\n",
                       f->bench, sizeof f->bench);
    if (rc == 0)
        rc = run_bench(f->dir, "offline",
                       "    scans = 30, batch = 8,\n"
                       "    generator = bl.xray{width = 48, height = 48, dual_energy = true,\n"
                       "        prevalence = {knife = 0.3}},\n"
                       "    detectors = {bl.plugin{dual}},\n"
                       "    performance = {pool = 4, offline = {scans = 32, batch_sizes = {1, 4},\n"
                       "        threads = {1}}},\n",
                       f->offline, sizeof f->offline);
    if (rc == 0)
        rc = run_bench(f->dir, "no_clean",
                       "    scans = 12, batch = 4,\n"
                       "    generator = bl.xray{width = 48, height = 48, dual_energy = true,\n"
                       "        prevalence = {knife = 1}},\n"
                       "    detectors = {bl.plugin{dual}},\n"
                       "    performance = {pool = 2},\n",
                       f->no_clean, sizeof f->no_clean);
    if (rc != 0) {
        tu_fixture_free(f);
        return -1;
    }
    snprintf(f->text, sizeof f->text, "%s/notes.txt", f->dir);
    tu_write_file(f->text, "scan,score\n1,0.5\n");
    snprintf(f->other, sizeof f->other, "%s/checkpoint.h5", f->dir);
    hid_t file = H5Fcreate(f->other, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0 || H5LTset_attribute_string(file, "/", "job", "checkpoint") < 0) {
        tu_fixture_free(f);
        return -1;
    }
    H5Fclose(file);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

static bl_surrogate_t *load_ok(const char *path, const char *detector) {
    bl_surrogate_t *s = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_surrogate_load(&s, path, detector, &err);
    if (rc != 0)
        fail_msg("bl_surrogate_load %s: %s", path, err.message);
    assert_non_null(s);
    return s;
}

/* ------------------------------------------------------------------ independent reading */

typedef struct truth_in {
    uint32_t scan, truth_mask;
} truth_in_t;

typedef struct score_in {
    uint32_t scan;
    double any;
} score_in_t;

/* Two named fields of the compound dataset at path (HDF5 converts by member name). */
static void *read_two(hid_t file, const char *path, size_t row, const char *a, size_t off_a,
                      hid_t type_a, const char *b, size_t off_b, hid_t type_b, size_t *n) {
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t space = H5Dget_space(d);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    hid_t mt = H5Tcreate(H5T_COMPOUND, row);
    H5Tinsert(mt, a, off_a, type_a);
    H5Tinsert(mt, b, off_b, type_b);
    void *rows = calloc(dims[0] ? dims[0] : 1, row);
    assert_non_null(rows);
    assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Tclose(mt);
    H5Dclose(d);
    *n = (size_t)dims[0];
    return rows;
}

/* The share of alarms at threshold among the scans standing for class c
 * (only c; else any holding c), and how many there are. */
static double expected_rate(const truth_in_t *truth, size_t n_truth, const score_in_t *scores,
                            size_t n_scores, uint32_t c, double threshold, size_t *count) {
    for (int only = 1; only >= 0; only--) {
        size_t k = 0, alarms = 0;
        for (size_t r = 0; r < n_scores; r++) {
            uint32_t mask = UINT32_MAX;
            for (size_t t = 0; t < n_truth; t++)
                if (truth[t].scan == scores[r].scan)
                    mask = truth[t].truth_mask;
            assert_int_not_equal(mask, UINT32_MAX);
            bool in = c == 0 ? mask == 0 : only ? mask == (1u << c) : (mask & (1u << c)) != 0;
            if (in) {
                k++;
                alarms += scores[r].any >= threshold;
            }
        }
        if (k > 0 || c == 0) {
            *count = k;
            return k ? (double)alarms / (double)k : NAN;
        }
    }
    *count = 0;
    return NAN;
}

/* ------------------------------------------------------------------ tests */

/* The alarm rate per class at 0.5 (and at other thresholds) is the one
 * the file's scans and scores give; the first detector is the default. */
static void test_surrogate_alarm_rates_match_file(void **state) {
    fixture_t *f = *state;
    bl_surrogate_t *s = load_ok(f->bench, NULL);
    assert_string_equal(s->detector, "borderlab.dual_energy");
    assert_string_equal(s->id, "borderlab.dual_energy");
    assert_string_equal(s->path, f->bench);
    char digest[65];
    assert_int_equal(bl_sha256_file(f->bench, digest, NULL), 0);
    assert_string_equal(s->sha256, digest);

    hid_t file = H5Fopen(f->bench, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    size_t n_truth = 0, n_scores = 0;
    truth_in_t *truth = read_two(file, "/detector/scans", sizeof(truth_in_t), "scan",
                                 offsetof(truth_in_t, scan), H5T_NATIVE_UINT32, "truth_mask",
                                 offsetof(truth_in_t, truth_mask), H5T_NATIVE_UINT32, &n_truth);
    score_in_t *scores =
        read_two(file, "/detector/detectors/borderlab.dual_energy/scores", sizeof(score_in_t),
                 "scan", offsetof(score_in_t, scan), H5T_NATIVE_UINT32, "any",
                 offsetof(score_in_t, any), H5T_NATIVE_DOUBLE, &n_scores);
    H5Fclose(file);
    assert_int_equal(n_truth, 600);
    assert_int_equal(n_scores, 600);

    const double thresholds[] = {0.0, 0.25, THRESHOLD, 0.8, 1.01};
    for (uint32_t c = 0; c < BL_THREAT_CLASS_COUNT; c++) {
        size_t count = 0;
        double rate = expected_rate(truth, n_truth, scores, n_scores, c, THRESHOLD, &count);
        bool measured =
            c == 0 || c == BL_THREAT_FIREARM || c == BL_THREAT_DRUGS || c == BL_THREAT_CIGARETTES;
        assert_int_equal(bl_surrogate_has(s, c), measured);
        assert_int_equal(s->n[c], count);
        if (!measured) {
            /* No scan holds it: it behaves as clean. */
            assert_true(bl_surrogate_alarm_rate(s, c, THRESHOLD) ==
                        bl_surrogate_alarm_rate(s, 0, THRESHOLD));
            continue;
        }
        assert_true(count > 20);
        for (size_t i = 1; i < s->n[c]; i++)
            assert_true(s->scores[c][i - 1] <= s->scores[c][i]);
        print_message("class %-10s %4zu scans (only this class), alarm rate at %.2f: %.4f\n",
                      c ? bl_bench_class_name(c) : "clean", count, THRESHOLD, rate);
        for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++) {
            double want = expected_rate(truth, n_truth, scores, n_scores, c, thresholds[t], &count);
            assert_true(bl_surrogate_alarm_rate(s, c, thresholds[t]) == want);
        }
    }
    /* The two ends: everything alarms at 0, nothing above 1. */
    assert_true(bl_surrogate_alarm_rate(s, 0, 0.0) == 1.0);
    assert_true(bl_surrogate_alarm_rate(s, BL_THREAT_FIREARM, 1.01) == 0.0);
    /* Out-of-range classes behave as clean too. */
    assert_false(bl_surrogate_has(s, BL_THREAT_CLASS_COUNT));
    assert_true(bl_surrogate_alarm_rate(s, 99, THRESHOLD) ==
                bl_surrogate_alarm_rate(s, 0, THRESHOLD));
    free(truth);
    free(scores);
    bl_surrogate_free(s);
}

/* A detector chosen by label; an unknown one is refused with the labels. */
static void test_surrogate_detector_choice(void **state) {
    fixture_t *f = *state;
    bl_surrogate_t *s = load_ok(f->bench, "borderlab.density");
    assert_string_equal(s->detector, "borderlab.density");
    assert_string_equal(s->id, "borderlab.density");
    /* density never scores drugs or cigarettes, but "any" still moves. */
    assert_true(bl_surrogate_has(s, BL_THREAT_DRUGS));
    bl_surrogate_t *d = load_ok(f->bench, "borderlab.dual_energy");
    assert_true(bl_surrogate_alarm_rate(s, 0, THRESHOLD) !=
                    bl_surrogate_alarm_rate(d, 0, THRESHOLD) ||
                bl_surrogate_alarm_rate(s, BL_THREAT_FIREARM, THRESHOLD) !=
                    bl_surrogate_alarm_rate(d, BL_THREAT_FIREARM, THRESHOLD));
    bl_surrogate_free(d);
    bl_surrogate_free(s);

    bl_surrogate_t *none = (bl_surrogate_t *)1;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_surrogate_load(&none, f->bench, "vendor_x", &err), BL_ENOTFOUND);
    assert_null(none);
    print_message("unknown detector: %s\n", err.message);
    assert_non_null(strstr(err.message, f->bench));
    assert_non_null(strstr(err.message, "'vendor_x'"));
    assert_non_null(strstr(err.message, "borderlab.dual_energy, borderlab.density"));
}

/* Resampled decisions alarm at the measured rate, reproducibly. */
static void test_surrogate_resampled_alarm_frequency(void **state) {
    fixture_t *f = *state;
    bl_surrogate_t *s = load_ok(f->bench, NULL);
    const double thresholds[] = {THRESHOLD, 0.3};
    for (size_t t = 0; t < 2; t++) {
        for (uint32_t c = 0; c < BL_THREAT_CLASS_COUNT; c++) {
            if (!bl_surrogate_has(s, c))
                continue;
            double p = bl_surrogate_alarm_rate(s, c, thresholds[t]);
            bl_rng_t rng, again;
            bl_rng_init(&rng, 42, c, BL_STREAM_SURROGATE);
            bl_rng_init(&again, 42, c, BL_STREAM_SURROGATE);
            size_t alarms = 0;
            for (size_t i = 0; i < DRAWS; i++) {
                bool a = bl_surrogate_alarm(s, c, thresholds[t], &rng);
                assert_int_equal(a, bl_surrogate_alarm(s, c, thresholds[t], &again));
                alarms += a;
            }
            double freq = (double)alarms / DRAWS;
            double sd = sqrt(p * (1 - p) / DRAWS);
            if (t == 0)
                print_message("class %-10s rate %.4f, %d draws: %.4f (%.1f sd)\n",
                              c ? bl_bench_class_name(c) : "clean", p, DRAWS, freq,
                              sd > 0 ? (freq - p) / sd : 0.0);
            if (sd == 0)
                assert_true(freq == p);
            else
                assert_true(fabs(freq - p) <= 4 * sd);
        }
    }
    bl_surrogate_free(s);
}

/* Latency: the single-stream percentiles, draws in [0, max], median p50. */
static void test_surrogate_latency_single_stream(void **state) {
    fixture_t *f = *state;
    bl_surrogate_t *s = load_ok(f->bench, NULL);
    hid_t file = H5Fopen(f->bench, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    double p50 = NAN, mx = NAN;
    size_t n = 0;
    typedef struct {
        double p50, max;
    } lat_t;
    lat_t *lat = read_two(file, "/detector/detectors/borderlab.dual_energy/single_stream",
                          sizeof(lat_t), "p50", offsetof(lat_t, p50), H5T_NATIVE_DOUBLE, "max",
                          offsetof(lat_t, max), H5T_NATIVE_DOUBLE, &n);
    H5Fclose(file);
    assert_int_equal(n, 1);
    p50 = lat[0].p50;
    mx = lat[0].max;
    free(lat);
    assert_true(p50 > 0);
    assert_true(s->latency_q[1] == p50);
    assert_true(s->latency_q[0] == 0.5 * p50);
    assert_true(s->latency_q[4] == mx || s->latency_q[4] == s->latency_q[3]);
    for (size_t i = 1; i < 5; i++)
        assert_true(s->latency_q[i - 1] <= s->latency_q[i]);

    enum { N = 20001 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    bl_rng_t rng;
    bl_rng_init(&rng, 7, 0, BL_STREAM_SURROGATE);
    for (size_t i = 0; i < N; i++) {
        x[i] = bl_surrogate_latency(s, &rng);
        assert_true(x[i] >= 0 && x[i] <= s->latency_q[4]);
        assert_true(x[i] >= s->latency_q[0]);
    }
    size_t below = 0;
    for (size_t i = 0; i < N; i++)
        below += x[i] < p50;
    /* The share below p50 is 1/2 within 4 sd of a binomial. */
    double share = (double)below / N;
    print_message("latency p50 %.3g s, max %.3g s; share of %d draws below p50: %.4f\n", p50, mx, N,
                  share);
    assert_true(fabs(share - 0.5) <= 4 * sqrt(0.25 / N));
    free(x);
    bl_surrogate_free(s);
}

/* Without single_stream: a constant 1 / best offline scans per second. */
static void test_surrogate_latency_offline(void **state) {
    fixture_t *f = *state;
    bl_surrogate_t *s = load_ok(f->offline, NULL);
    hid_t file = H5Fopen(f->offline, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    typedef struct {
        uint32_t batch;
        double scans_per_s;
    } off_t_;
    size_t n = 0;
    off_t_ *rows = read_two(file, "/detector/detectors/borderlab.dual_energy/offline",
                            sizeof(off_t_), "batch", offsetof(off_t_, batch), H5T_NATIVE_UINT32,
                            "scans_per_s", offsetof(off_t_, scans_per_s), H5T_NATIVE_DOUBLE, &n);
    H5Fclose(file);
    assert_int_equal(n, 2);
    double best =
        rows[0].scans_per_s > rows[1].scans_per_s ? rows[0].scans_per_s : rows[1].scans_per_s;
    free(rows);
    bl_rng_t rng;
    bl_rng_init(&rng, 1, 0, BL_STREAM_SURROGATE);
    for (int i = 0; i < 100; i++)
        assert_true(bl_surrogate_latency(s, &rng) == 1.0 / best);
    bl_surrogate_free(s);
}

static void expect_refused(const char *path, int code, const char *const *parts, size_t n) {
    bl_surrogate_t *s = (bl_surrogate_t *)1;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_surrogate_load(&s, path, NULL, &err);
    print_message("%s\n", err.message);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_non_null(strstr(err.message, path));
    for (size_t i = 0; i < n; i++)
        if (strstr(err.message, parts[i]) == NULL)
            fail_msg("message lacks '%s': %s", parts[i], err.message);
}

/* Files that are not detector_bench results are refused, saying what to do. */
static void test_surrogate_errors(void **state) {
    fixture_t *f = *state;
    const char *text[] = {"is not an HDF5 file", "borderlab run scenarios/xray_bench.lua"};
    expect_refused(f->text, BL_EHDF5, text, 2);
    const char *other[] = {"is a checkpoint results file, not a detector_bench one",
                           "borderlab run scenarios/xray_bench.lua"};
    expect_refused(f->other, BL_EHDF5, other, 2);
    const char *clean[] = {"no clean scan"};
    expect_refused(f->no_clean, BL_EHDF5, clean, 1);
    char missing[800];
    snprintf(missing, sizeof missing, "%s/nothing_here.h5", f->dir);
    const char *none[] = {"cannot open"};
    expect_refused(missing, BL_ENOTFOUND, none, 1);
    bl_surrogate_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_surrogate_alarm_rates_match_file),
        cmocka_unit_test(test_surrogate_detector_choice),
        cmocka_unit_test(test_surrogate_resampled_alarm_frequency),
        cmocka_unit_test(test_surrogate_latency_single_stream),
        cmocka_unit_test(test_surrogate_latency_offline),
        cmocka_unit_test(test_surrogate_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
