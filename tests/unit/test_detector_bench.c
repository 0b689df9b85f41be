/* Unit tests for core/jobs/detector/detector_bench.c and bench_results.c: a
 * small detector_bench scenario built by hand (200 scans of 64 x 64) runs
 * through bl_detector_bench_run into a results file, read back through the
 * HDF5 C API, the shared table descriptions and bl_summary_load: invalid
 * outputs counted, metrics with their intervals, the same tables whatever
 * the thread count, a detector that does not load, and saved scans.  The
 * whole run command, and replayed image folders, are in
 * test_detector_bench_run.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <hdf5.h>

#include "detector_bench_fixtures.h"
#include "gen/xray.h"
#include "jobs/detector/bench_results.h"
#include "jobs/detector/detector_bench.h"
#include "jobs/jobs.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "results/summary.h"
#include "run/run.h"
#include "test_util.h"

/* Each test's files go under $top_builddir/tests/out/test_detector_bench.XXXXXX. */
static int setup(void **state) {
    return detector_bench_fixture_setup(state, "test_detector_bench");
}

#define N_SCANS 200
#define SIDE 64

/* A detector_bench scenario: N_SCANS scans of SIDE x SIDE, firearms and
 * drugs each in about 30% of the bags, small performance modes; one
 * detector per spec.  Release with bl_scenario_free_contents. */
static void make_scenario(bl_scenario_t *sc, const char *const *specs, size_t n_specs) {
    memset(sc, 0, sizeof *sc);
    sc->path = strdup("unit_bench.lua");
    sc->source = strdup("-- a hand-built detector_bench\n");
    sc->name = strdup("unit_bench");
    sc->kind = &bl_detector_bench_kind;
    sc->seed = 20240611;
    sc->replications = 1;
    bl_detector_bench_t *b = calloc(1, sizeof *b);
    assert_non_null(b);
    sc->settings = b;
    b->scans = N_SCANS;
    bl_xray_config_default(&b->xray);
    b->xray.width = b->xray.height = SIDE;
    for (int c = 0; c < BL_THREAT_CLASS_COUNT; c++)
        b->xray.prevalence[c] = 0;
    b->xray.prevalence[BL_THREAT_FIREARM] = 0.3;
    b->xray.prevalence[BL_THREAT_DRUGS] = 0.3;
    b->threshold = 0.5;
    b->batch = 8;
    b->pool = 8;
    b->offline_scans = 64;
    b->n_offline_batches = 2;
    b->offline_batches[0] = 1;
    b->offline_batches[1] = 8;
    b->n_offline_threads = 2;
    b->offline_threads[0] = 1;
    b->offline_threads[1] = 2;
    b->single_stream_queries = 20;
    b->server_queries = 20;
    b->server_rate = 2000;
    b->server_bound = 1.0;
    b->detectors = calloc(n_specs, sizeof *b->detectors);
    assert_non_null(b->detectors);
    b->n_detectors = n_specs;
    for (size_t i = 0; i < n_specs; i++)
        b->detectors[i].spec = strdup(specs[i]);
}

/* Run sc on `threads` workers into dir/name; returns bl_detector_bench_run's
 * code (the file exists only when everything succeeded). */
static int run_into(fixture_t *f, const bl_scenario_t *sc, unsigned threads, const char *name,
                    char *path, size_t size, bl_bench_result_t *res, bl_error_t *err) {
    bl_results_writer_t *w = NULL;
    snprintf(path, size, "%s/%s", f->dir, name);
    bl_error_clear(err);
    int rc = bl_results_open(&w, path, err);
    if (rc != 0)
        return rc;
    rc = bl_detector_bench_run(sc, threads, NULL, res, err);
    if (rc == 0) {
        bl_run_t run;
        memset(&run, 0, sizeof run);
        run.scenario = sc;
        run.n_reps = 1;
        run.threads = threads;
        run.command_line = "test_detector_bench";
        snprintf(run.host, sizeof run.host, "testhost");
        snprintf(run.start_time, sizeof run.start_time, "2024-06-11T00:00:00Z");
        rc = bl_bench_results_write(w, &run, res, err);
    }
    if (rc == 0) {
        rc = bl_results_commit(w, err);
        w = NULL;
    }
    bl_results_abort(w);
    return rc;
}

/* ------------------------------------------------------------------ tests */

/* bad_detector's invalid outputs are counted, per detector and per scan,
 * and never scored; the run completes. */
static void test_detector_bench_invalid_outputs_counted(void **state) {
    fixture_t *f = *state;
    const char *specs[] = {f->bad};
    bl_scenario_t sc;
    make_scenario(&sc, specs, 1);
    bl_bench_result_t res;
    bl_error_t err;
    char path[700];
    int rc = run_into(f, &sc, 2, "bad.h5", path, sizeof path, &res, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);

    const bl_bench_detector_t *d = &res.detectors[0];
    assert_string_equal(d->label, "borderlab-tests.bad_detector");
    assert_int_equal(d->invalid_outputs, expected_invalid(N_SCANS));
    assert_int_equal(d->n_detections, N_SCANS); /* exactly the valid one per scan */
    for (uint64_t i = 0; i < N_SCANS; i++) {
        const double *s = &d->scores[i * BL_THREAT_CLASS_COUNT];
        double conf = (double)((float)((i * 37) % 100) / 100.0f);
        uint32_t cls = 1 + (uint32_t)(i % 7);
        assert_int_equal(d->invalid[i], i % 3);
        assert_true(s[0] == conf);
        for (uint32_t c = 1; c < BL_THREAT_CLASS_COUNT; c++)
            assert_true(s[c] == (c == cls ? conf : 0.0));
    }

    /* The file says the same. */
    size_t n = 0;
    bl_plugin_row_t *plugins = read_table(path, &bl_results_plugins_table, NULL, &n);
    assert_int_equal(n, 1);
    assert_string_equal(plugins[0].role, "detector");
    assert_string_equal(plugins[0].id, "borderlab-tests.bad_detector");
    assert_int_equal(plugins[0].invalid_outputs, expected_invalid(N_SCANS));
    assert_int_equal(plugins[0].calls, N_SCANS / 8);
    free(plugins);
    bl_bench_score_row_t *scores =
        read_table(path, &bl_bench_scores_table,
                   BL_BENCH_DETECTORS_GROUP "/borderlab-tests.bad_detector/scores", &n);
    assert_int_equal(n, N_SCANS);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scores[i].scan, i);
        assert_int_equal(scores[i].invalid, i % 3);
        assert_true(scores[i].any >= 0 && scores[i].any < 1);
    }
    free(scores);
    bl_bench_detection_row_t *dets =
        read_table(path, &bl_bench_detections_table,
                   BL_BENCH_DETECTORS_GROUP "/borderlab-tests.bad_detector/detections", &n);
    assert_int_equal(n, N_SCANS);
    for (size_t i = 0; i < n; i++) {
        assert_true(isfinite(dets[i].confidence) && dets[i].confidence <= 1);
        assert_true(dets[i].threat >= 1 && dets[i].threat < BL_THREAT_CLASS_COUNT);
        assert_true(dets[i].x1 <= SIDE && dets[i].x0 < dets[i].x1);
    }
    free(dets);

    cJSON *summary = NULL;
    assert_int_equal(bl_summary_load(path, &summary, &err), 0);
    const cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItem(summary, "detectors"), 0);
    assert_non_null(d0);
    assert_int_equal(cJSON_GetObjectItem(d0, "invalid_outputs")->valuedouble,
                     expected_invalid(N_SCANS));
    cJSON_Delete(summary);
    bl_bench_result_fini(&res);
    bl_scenario_free_contents(&sc);
}

/* dual_energy on the small set: an "any" row and a row per class present,
 * every interval ordered and inside [0, 1]. */
static void test_detector_bench_metrics_have_intervals(void **state) {
    fixture_t *f = *state;
    const char *specs[] = {f->dual};
    bl_scenario_t sc;
    make_scenario(&sc, specs, 1);
    bl_detector_bench_of(&sc)->clopper_pearson = true;
    bl_bench_result_t res;
    bl_error_t err;
    char path[700];
    int rc = run_into(f, &sc, 2, "dual.h5", path, sizeof path, &res, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);

    size_t n = 0;
    bl_bench_metric_row_t *m =
        read_table(path, &bl_bench_metrics_table,
                   BL_BENCH_DETECTORS_GROUP "/borderlab.dual_energy/metrics", &n);
    assert_true(n >= 3);
    assert_string_equal(m[0].class, "any");
    bool firearm = false, drugs = false;
    for (size_t i = 0; i < n; i++) {
        firearm |= strcmp(m[i].class, "firearm") == 0;
        drugs |= strcmp(m[i].class, "drugs") == 0;
        assert_int_equal(m[i].positives + m[i].negatives, N_SCANS);
        assert_true(m[i].positives > 0);
        const double *iv[][3] = {{&m[i].pd_low, &m[i].pd, &m[i].pd_high},
                                 {&m[i].pfa_low, &m[i].pfa, &m[i].pfa_high},
                                 {&m[i].auc_low, &m[i].auc, &m[i].auc_high},
                                 {&m[i].pd_at_pfa5_low, &m[i].pd_at_pfa5, &m[i].pd_at_pfa5_high}};
        for (size_t k = 0; k < 4; k++) {
            assert_true(0 <= *iv[k][0]);
            assert_true(*iv[k][0] <= *iv[k][1]);
            assert_true(*iv[k][1] <= *iv[k][2]);
            assert_true(*iv[k][2] <= 1);
        }
        assert_true(i == 0 ? isnan(m[i].ap50) : (m[i].ap50 >= 0 && m[i].ap50 <= 1));
    }
    assert_true(firearm && drugs);
    free(m);
    bl_roc_point_t *roc = read_table(path, &bl_bench_roc_table,
                                     BL_BENCH_DETECTORS_GROUP "/borderlab.dual_energy/roc/any", &n);
    assert_true(n >= 2);
    assert_true(isinf(roc[0].threshold) && roc[0].pd == 0 && roc[0].pfa == 0);
    free(roc);

    char *method = root_text(path, "interval_method"), *job = root_text(path, "job");
    char *digest = root_text(path, "scan_set_sha256");
    assert_string_equal(method, "clopper-pearson");
    assert_string_equal(job, "detector_bench");
    assert_int_equal(strlen(digest), 64);
    free(method);
    free(job);
    free(digest);

    /* Performance modes and the overhead. */
    bl_bench_offline_row_t *off =
        read_table(path, &bl_bench_offline_table,
                   BL_BENCH_DETECTORS_GROUP "/borderlab.dual_energy/offline", &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(off[i].scans, 64);
        assert_true(off[i].scans_per_s > 0);
    }
    free(off);
    const bl_bench_detector_t *d = &res.detectors[0];
    assert_true(d->has_single && d->has_server);
    assert_int_equal(d->single.queries, 20);
    assert_true(d->single.p50 <= d->single.p99 && d->single.p99 <= d->single.max);
    assert_true(d->server.achieved_rate > 0 && d->server.p50 <= d->server.p99);
    bl_bench_overhead_row_t *over = read_table(path, &bl_bench_overhead_table, NULL, &n);
    assert_int_equal(n, 4); /* in-process, then isolated (a plugin host process) */
    assert_int_equal(over[0].batch, 1);
    assert_int_equal(over[1].batch, 8);
    assert_true(over[0].ns_per_scan > 0 && over[1].ns_per_scan > 0);
    assert_string_equal(over[2].mode, "isolated");
    assert_int_equal(over[2].batch, 1);
    assert_int_equal(over[3].batch, 8);
    /* a round trip to another process costs more than a call */
    assert_true(over[2].ns_per_scan > over[0].ns_per_scan);
    free(over);

    /* The summary reads it back and prints it. */
    cJSON *summary = NULL;
    assert_int_equal(bl_summary_load(path, &summary, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(summary, "job")->valuestring, "detector_bench");
    FILE *out = tmpfile();
    assert_non_null(out);
    bl_summary_print_text(summary, out);
    assert_true(ftell(out) > 0);
    fclose(out);
    cJSON_Delete(summary);
    bl_bench_result_fini(&res);
    bl_scenario_free_contents(&sc);
}

/* The pool's thread count changes nothing in the accuracy tables. */
static void test_detector_bench_threads_identical(void **state) {
    fixture_t *f = *state;
    const char *specs[] = {f->dual, f->bad, f->dual};
    bl_scenario_t sc;
    make_scenario(&sc, specs, 3);
    bl_detector_bench_of(&sc)->pool = 0; /* accuracy only */
    char paths[2][700];
    bl_bench_result_t res[2];
    bl_error_t err;
    for (int t = 0; t < 2; t++) {
        int rc = run_into(f, &sc, (unsigned)t + 1, t ? "t2.h5" : "t1.h5", paths[t], sizeof paths[t],
                          &res[t], &err);
        if (rc != 0)
            print_error("%s\n", err.message);
        assert_int_equal(rc, 0);
    }
    assert_string_equal(res[0].scan_set_sha256, res[1].scan_set_sha256);
    assert_string_equal(res[0].detectors[2].label, "borderlab.dual_energy-2");
    static const char *const labels[] = {"borderlab.dual_energy", "borderlab-tests.bad_detector",
                                         "borderlab.dual_energy-2"};
    for (size_t d = 0; d < 3; d++) {
        char p[256];
        size_t n[2];
        snprintf(p, sizeof p, "%s/%s/scores", BL_BENCH_DETECTORS_GROUP, labels[d]);
        bl_bench_score_row_t *s0 = read_table(paths[0], &bl_bench_scores_table, p, &n[0]);
        bl_bench_score_row_t *s1 = read_table(paths[1], &bl_bench_scores_table, p, &n[1]);
        assert_int_equal(n[0], N_SCANS);
        assert_int_equal(n[1], N_SCANS);
        assert_memory_equal(s0, s1, N_SCANS * sizeof *s0);
        free(s0);
        free(s1);
        snprintf(p, sizeof p, "%s/%s/detections", BL_BENCH_DETECTORS_GROUP, labels[d]);
        bl_bench_detection_row_t *d0 = read_table(paths[0], &bl_bench_detections_table, p, &n[0]);
        bl_bench_detection_row_t *d1 = read_table(paths[1], &bl_bench_detections_table, p, &n[1]);
        assert_int_equal(n[0], n[1]);
        assert_memory_equal(d0, d1, n[0] * sizeof *d0);
        free(d0);
        free(d1);
    }
    /* Two instances of the same detector on the same scans agree too. */
    assert_memory_equal(res[0].detectors[0].scores, res[0].detectors[2].scores,
                        N_SCANS * BL_THREAT_CLASS_COUNT * sizeof(double));
    size_t n[2];
    bl_bench_truth_row_t *t0 = read_table(paths[0], &bl_bench_truth_table, NULL, &n[0]);
    bl_bench_truth_row_t *t1 = read_table(paths[1], &bl_bench_truth_table, NULL, &n[1]);
    assert_int_equal(n[0], n[1]);
    assert_true(n[0] > 0);
    assert_memory_equal(t0, t1, n[0] * sizeof *t0);
    free(t0);
    free(t1);
    for (int t = 0; t < 2; t++)
        bl_bench_result_fini(&res[t]);
    bl_scenario_free_contents(&sc);
}

/* A detector that cannot be loaded: the message names the file, nothing is
 * written. */
static void test_detector_bench_load_failure_leaves_no_file(void **state) {
    fixture_t *f = *state;
    char missing[700];
    snprintf(missing, sizeof missing, "%s/no_such_detector.so", f->dir);
    const char *specs[] = {f->dual, missing};
    bl_scenario_t sc;
    make_scenario(&sc, specs, 2);
    bl_bench_result_t res;
    bl_error_t err;
    char path[700];
    int rc = run_into(f, &sc, 2, "fail.h5", path, sizeof path, &res, &err);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err.message, "no_such_detector.so"));
    assert_non_null(strstr(err.message, "detectors[2]"));
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    bl_scenario_free_contents(&sc);

    /* A real shared object of the wrong kind is refused with its reason. */
    char store[700];
    tu_builddir_path(store, sizeof store, "plugins/store/memory/.libs/memory.so");
    const char *wrong[] = {store};
    make_scenario(&sc, wrong, 1);
    rc = run_into(f, &sc, 1, "fail2.h5", path, sizeof path, &res, &err);
    assert_int_equal(rc, BL_EPLUGIN);
    assert_non_null(strstr(err.message, "memory.so"));
    assert_non_null(strstr(err.message, "detector is expected"));
    assert_int_not_equal(stat(path, &st), 0);
    bl_scenario_free_contents(&sc);
}

/* save_scans: the scans go into /detector/set, readable as they are. */
static void test_detector_bench_save_scans(void **state) {
    fixture_t *f = *state;
    const char *specs[] = {"builtin:noop"};
    bl_scenario_t sc;
    make_scenario(&sc, specs, 1);
    bl_detector_bench_of(&sc)->scans = 12;
    bl_detector_bench_of(&sc)->save_scans = true;
    bl_detector_bench_of(&sc)->pool = 0;
    bl_bench_result_t res;
    bl_error_t err;
    char path[700];
    int rc = run_into(f, &sc, 2, "set.h5", path, sizeof path, &res, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);
    hid_t ds = H5Dopen2(fid, "/detector/set/high", H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t space = H5Dget_space(ds);
    hsize_t dims[3] = {0, 0, 0};
    assert_int_equal(H5Sget_simple_extent_dims(space, dims, NULL), 3);
    assert_int_equal(dims[0], 12);
    assert_int_equal(dims[1], SIDE);
    assert_int_equal(dims[2], SIDE);
    H5Sclose(space);
    H5Dclose(ds);
    H5Fclose(fid);
    assert_int_equal(res.detectors[0].n_detections, 0);
    bl_bench_result_fini(&res);
    bl_scenario_free_contents(&sc);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detector_bench_invalid_outputs_counted, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_metrics_have_intervals, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_threads_identical, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_load_failure_leaves_no_file, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_save_scans, setup,
                                        detector_bench_fixture_teardown),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
