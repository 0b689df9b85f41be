/* Unit tests for core/detector_bench.c and core/bench_results.c: a small
 * detector_bench scenario built by hand (200 scans of 64 x 64) runs through
 * bl_detector_bench_run into a results file, read back through the HDF5 C
 * API, the shared table descriptions and bl_summary_load; the whole run
 * command (bl_run) runs a scenario file too, and a folder of 16-bit PNG or
 * TIFF images with COCO or CSV annotations (written here, as a team would
 * bring them) is replayed through it. */
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

#include "jobs/jobs.h"
#include "jobs/detector/bench_results.h"
#include "jobs/detector/detector_bench.h"
#include "image_fixtures.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "stats/rng.h"
#include "run/run.h"
#include "results/summary.h"
#include "test_util.h"
#include "gen/xray.h"

#define N_SCANS 200
#define SIDE 64

/* ------------------------------------------------------------------ fixture */

typedef struct fixture {
    char *dir;      /* first: tu_fixture_new makes it */
    char bad[640];  /* tests/plugins/.libs/bad_detector.so */
    char dual[640]; /* plugins/detector/dual_energy/.libs/dual_energy.so */
} fixture_t;

static int setup(void **state) {
    fixture_t *f = tu_fixture_new(sizeof *f, "test_detector_bench");
    if (f == NULL)
        return -1;
    tu_builddir_path(f->bad, sizeof f->bad, "tests/plugins/.libs/bad_detector.so");
    tu_builddir_path(f->dual, sizeof f->dual, "plugins/detector/dual_energy/.libs/dual_energy.so");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

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

static void *read_table(const char *file, const bl_results_table_t *t, const char *path,
                        size_t *n) {
    hid_t fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);
    void *rows = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_results_table_read_at(fid, t, path ? path : t->path, &rows, n, file, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    H5Fclose(fid);
    return rows;
}

static char *root_text(const char *file, const char *name) {
    hid_t fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);
    char *s = bl_results_root_text(fid, name);
    H5Fclose(fid);
    return s;
}

static uint64_t expected_invalid(uint64_t n) {
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++)
        total += i % 3;
    return total;
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
    assert_int_equal(n, 2);
    assert_int_equal(over[0].batch, 1);
    assert_int_equal(over[1].batch, 8);
    assert_true(over[0].ns_per_scan > 0 && over[1].ns_per_scan > 0);
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

/* The run command end to end: a scenario file, --plugin detector=X
 * replacing its detectors, the summary; and a bad --plugin leaves no file. */
static void test_detector_bench_run_command(void **state) {
    fixture_t *f = *state;
    char scenario[700], out[700];
    snprintf(scenario, sizeof scenario, "%s/bench.lua", f->dir);
    FILE *fp = fopen(scenario, "w");
    assert_non_null(fp);
    fprintf(fp, "return bl.detector_bench{\n"
                "    name = 'unit_run', seed = 3, scans = 40, batch = 4,\n"
                "    generator = bl.xray{width = 48, height = 48, prevalence = {knife = 0.4}},\n"
                "    detectors = {bl.plugin{'dual_energy'}},\n"
                "    performance = {pool = 4, single_stream = {queries = 5}},\n"
                "}\n");
    fclose(fp);
    snprintf(out, sizeof out, "%s/run.h5", f->dir);
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    o.scenario_path = scenario;
    o.output = out;
    o.threads = 2;
    o.quiet = true;
    o.command_line = "borderlab run bench.lua";
    o.plugin_override[BL_ROLE_DETECTOR] = f->bad;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run(&o, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    size_t n = 0;
    bl_plugin_row_t *plugins = read_table(out, &bl_results_plugins_table, NULL, &n);
    assert_int_equal(n, 1);
    assert_string_equal(plugins[0].id, "borderlab-tests.bad_detector");
    assert_int_equal(plugins[0].invalid_outputs, expected_invalid(40));
    free(plugins);
    char *id = root_text(out, "plugin_detector_id");
    assert_string_equal(id, "borderlab-tests.bad_detector");
    free(id);

    /* Other roles make no sense for a bench. */
    remove(out);
    o.plugin_override[BL_ROLE_RISK] = f->bad;
    bl_error_clear(&err);
    assert_int_not_equal(bl_run(&o, &err), 0);
    assert_non_null(strstr(err.message, "--plugin risk="));
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);

    /* A detector that does not load: named, and no file (not even the
     * temporary one) is left. */
    char missing[700];
    snprintf(missing, sizeof missing, "%s/vendor_x.so", f->dir);
    o.plugin_override[BL_ROLE_RISK] = NULL;
    o.plugin_override[BL_ROLE_DETECTOR] = missing;
    bl_error_clear(&err);
    assert_int_not_equal(bl_run(&o, &err), 0);
    assert_non_null(strstr(err.message, "vendor_x.so"));
    assert_int_not_equal(stat(out, &st), 0);
    char temp[800];
    snprintf(temp, sizeof temp, "%s/.run.h5.tmp.%ld", f->dir, (long)getpid());
    assert_int_not_equal(stat(temp, &st), 0);
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

/* ------------------------------------------------------------------ replay */

#define REPLAY_SCANS 12
#define REPLAY_SIDE 120 /* a bag 600 mm across: 5 mm pixels, exact in PNG pHYs */

/* The replayed set: scans generated with a firearm (even i) or clean (odd
 * i), quantised to 16 bits as the images hold them. */
typedef struct replay_set {
    char dir[640];
    bl_scan_truth_t truth[REPLAY_SCANS];
} replay_set_t;

/* Write the set into f->dir/name as bagNN_low.EXT / bagNN_high.EXT (PNG or
 * TIFF) with annotations in coco.json or annotations.csv; also in
 * set->truth.  Images with no threat have no annotation (clean).  The PNGs
 * state the true pixel size, the TIFFs 72 dpi. */
static void write_replay_set(const fixture_t *f, const char *name, bool tiff, replay_set_t *set) {
    snprintf(set->dir, sizeof set->dir, "%s/%s", f->dir, name);
    assert_int_equal(mkdir(set->dir, 0755), 0);
    bl_xray_config_t cfg;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = REPLAY_SIDE;
    bl_scan_buffer_t b;
    assert_int_equal(bl_scan_buffer_init(&b, REPLAY_SIDE, REPLAY_SIDE), 0);
    uint16_t *pixels = malloc(REPLAY_SIDE * REPLAY_SIDE * sizeof *pixels);
    assert_non_null(pixels);
    char path[800];
    snprintf(path, sizeof path, "%s/%s", set->dir, tiff ? "annotations.csv" : "coco.json");
    FILE *ann = fopen(path, "w");
    assert_non_null(ann);
    if (tiff)
        fprintf(ann, "image,class,x0,y0,x1,y1\n");
    else
        fprintf(ann, "{\"categories\": [{\"id\": 7, \"name\": \"firearm\"}, "
                     "{\"id\": 8, \"name\": \"knife\"}],\n \"images\": [");
    for (int i = 0; i < REPLAY_SCANS; i++) {
        bl_rng_t rng;
        bl_rng_init(&rng, 777, (uint64_t)i, BL_STREAM_SCANS);
        bl_scan_t scan;
        bl_xray_generate(&cfg, i % 2 == 0 ? BL_THREAT_FIREARM : 0, (uint64_t)i, &rng, &b, &scan,
                         &set->truth[i]);
        assert_int_equal(scan.energies, 2);
        assert_true(scan.pixel_mm == 5);
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/bag%02d_%s.%s", set->dir, i, e ? "high" : "low",
                     tiff ? "tif" : "png");
            image_fixture_from_transmission(e ? scan.high : scan.low, REPLAY_SIDE * REPLAY_SIDE,
                                            pixels);
            if (tiff)
                image_fixture_tiff(path, pixels, REPLAY_SIDE, REPLAY_SIDE, i % 3 == 0, false,
                                   25.4 / 72); /* many tools' default, wrong */
            else
                image_fixture_png(path, pixels, REPLAY_SIDE, REPLAY_SIDE, 16, false, i % 5 == 0,
                                  scan.pixel_mm);
        }
        /* COCO names an image three ways: NAME_high.png, NAME.png, NAME. */
        if (!tiff)
            fprintf(ann, "%s{\"id\": %d, \"file_name\": \"bag%02d%s\"}", i ? ", " : "", 100 + i, i,
                    i % 3 == 0   ? "_high.png"
                    : i % 3 == 1 ? ".png"
                                 : "");
    }
    assert_true(set->truth[0].n >= 1);
    if (!tiff)
        fprintf(ann, "],\n \"annotations\": [");
    int k = 0;
    for (int i = 0; i < REPLAY_SCANS; i++)
        for (uint32_t j = 0; j < set->truth[i].n; j++) {
            const float *box = set->truth[i].objects[j].box;
            uint32_t threat = set->truth[i].objects[j].threat;
            assert_int_equal(threat, BL_THREAT_FIREARM);
            if (tiff)
                fprintf(ann, "bag%02d,%s,%.9g,%.9g,%.9g,%.9g\n", i, bl_threat_name(threat), box[0],
                        box[1], box[2], box[3]);
            else /* x + w gives x1 back exactly: float - float is exact in double */
                fprintf(ann,
                        "%s\n  {\"id\": %d, \"image_id\": %d, \"category_id\": 7, "
                        "\"bbox\": [%.9g, %.9g, %.17g, %.17g]}",
                        k ? "," : "", k + 1, 100 + i, box[0], box[1],
                        (double)box[2] - (double)box[0], (double)box[3] - (double)box[1]);
            k++;
        }
    if (!tiff)
        fprintf(ann, "]}\n");
    assert_int_equal(fclose(ann), 0);
    free(pixels);
    bl_scan_buffer_fini(&b);
}

/* Write dir/file.lua: a detector_bench of dual_energy (by absolute path)
 * over `source` (a bl.replay{...} or generator = ... line). */
static void write_bench_scenario(const fixture_t *f, const char *path, const char *source) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "return bl.detector_bench{\n"
            "    name = 'replayed', seed = 777, batch = 4,\n"
            "    %s,\n"
            "    detectors = {bl.plugin{'%s'}},\n"
            "    performance = {pool = 4},\n"
            "}\n",
            source, f->dual);
    assert_int_equal(fclose(fp), 0);
}

static int run_scenario(const char *scenario, const char *out, bl_error_t *err) {
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    o.scenario_path = scenario;
    o.output = out;
    o.threads = 2;
    o.quiet = true;
    o.command_line = "borderlab run replay.lua";
    bl_error_clear(err);
    return bl_run(&o, err);
}

/* Scores of dual_energy in out (REPLAY_SCANS rows; caller frees), after
 * checking /detector/scans and /detector/truth against set. */
static bl_bench_score_row_t *check_replayed(const char *out, const replay_set_t *set) {
    size_t n = 0;
    bl_bench_scan_row_t *scans = read_table(out, &bl_bench_scans_table, NULL, &n);
    assert_int_equal(n, REPLAY_SCANS);
    size_t n_truth = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scans[i].scan, i);
        assert_int_equal(scans[i].truth_mask, i % 2 == 0 ? 1u << BL_THREAT_FIREARM : 0);
        assert_int_equal(scans[i].objects, set->truth[i].n);
        n_truth += set->truth[i].n;
    }
    free(scans);
    bl_bench_truth_row_t *truth = read_table(out, &bl_bench_truth_table, NULL, &n);
    assert_int_equal(n, n_truth);
    size_t r = 0;
    for (uint32_t i = 0; i < REPLAY_SCANS; i++)
        for (uint32_t j = 0; j < set->truth[i].n; j++, r++) {
            assert_int_equal(truth[r].scan, i);
            assert_int_equal(truth[r].threat, BL_THREAT_FIREARM);
            const float *box = set->truth[i].objects[j].box;
            const float got[4] = {truth[r].x0, truth[r].y0, truth[r].x1, truth[r].y1};
            for (int c = 0; c < 4; c++)
                assert_true(fabsf(got[c] - box[c]) <= 1e-4f);
        }
    free(truth);

    bl_bench_score_row_t *scores = read_table(
        out, &bl_bench_scores_table, BL_BENCH_DETECTORS_GROUP "/borderlab.dual_energy/scores", &n);
    assert_int_equal(n, REPLAY_SCANS);
    /* The detector sees the replayed pixels: the bags with a firearm score
     * higher than the clean ones on average. */
    double armed = 0, clean = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scores[i].scan, i);
        assert_int_equal(scores[i].invalid, 0);
        if (i % 2 == 0)
            armed += scores[i].firearm;
        else
            clean += scores[i].firearm;
    }
    if (!(armed > clean)) {
        print_error("mean firearm score %g with a firearm, %g clean\n", armed / (n / 2),
                    clean / (n / 2));
        fail();
    }
    return scores;
}

/* A folder of 16-bit PNGs with COCO annotations goes through a real
 * detector_bench run (scenario file, bl_run, the dual_energy plugin); so
 * does the same set as TIFFs with a CSV, with the same scores; a generated
 * set of the same size is another set. */
static void test_detector_bench_replay_folder_end_to_end(void **state) {
    fixture_t *f = *state;
    replay_set_t *png = calloc(1, sizeof *png), *tif = calloc(1, sizeof *tif);
    assert_non_null(png);
    assert_non_null(tif);
    write_replay_set(f, "png", false, png);
    char scenario[800], out[3][700];
    bl_error_t err;
    /* The scenario sits in the folder: relative paths start from it. */
    snprintf(scenario, sizeof scenario, "%s/replay.lua", png->dir);
    write_bench_scenario(f, scenario,
                         "replay = bl.replay{folder = '.', annotations = 'coco.json'}");
    snprintf(out[0], sizeof out[0], "%s/png.h5", f->dir);
    int rc = run_scenario(scenario, out[0], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    bl_bench_score_row_t *png_scores = check_replayed(out[0], png);
    char *gen = root_text(out[0], "generator");
    assert_null(gen); /* a replay has no generator settings to record */
    free(gen);

    /* The same scans as TIFF (strips and tiles) with a CSV beside them,
     * the scenario elsewhere, stating the pixel size the files get wrong. */
    write_replay_set(f, "tiff", true, tif);
    snprintf(scenario, sizeof scenario, "%s/tiff.lua", f->dir);
    write_bench_scenario(f, scenario,
                         "replay = bl.replay{folder = 'tiff', annotations = "
                         "'tiff/annotations.csv', pixel_mm = 5}");
    snprintf(out[1], sizeof out[1], "%s/tiff.h5", f->dir);
    rc = run_scenario(scenario, out[1], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    bl_bench_score_row_t *tif_scores = check_replayed(out[1], tif);
    /* Lossless both ways: the detector saw the same pixels. */
    assert_memory_equal(png_scores, tif_scores, REPLAY_SCANS * sizeof *png_scores);
    free(tif_scores);
    free(png_scores);

    /* Generated scans of the same size and seed are another scan set. */
    snprintf(scenario, sizeof scenario, "%s/generated.lua", f->dir);
    char generator[200];
    snprintf(generator, sizeof generator,
             "scans = %d, generator = bl.xray{width = %d, height = %d, prevalence = "
             "{firearm = 0.5}}",
             REPLAY_SCANS, REPLAY_SIDE, REPLAY_SIDE);
    write_bench_scenario(f, scenario, generator);
    snprintf(out[2], sizeof out[2], "%s/generated.h5", f->dir);
    rc = run_scenario(scenario, out[2], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    char *digest[3];
    for (int i = 0; i < 3; i++) {
        digest[i] = root_text(out[i], "scan_set_sha256");
        assert_non_null(digest[i]);
        assert_int_equal(strlen(digest[i]), 64);
    }
    assert_string_not_equal(digest[0], digest[2]);
    assert_string_not_equal(digest[1], digest[2]);
    for (int i = 0; i < 3; i++)
        free(digest[i]);
    free(png);
    free(tif);
}

/* An annotation naming an image that is not in the folder stops the run
 * before anything is written, naming the annotation file and the image;
 * so do images that state no pixel size when the scenario gives none. */
static void test_detector_bench_replay_error_leaves_no_file(void **state) {
    fixture_t *f = *state;
    char dir[700], path[800], out[700];
    snprintf(dir, sizeof dir, "%s/ghost", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    uint16_t pixels[16 * 16];
    for (size_t i = 0; i < 16 * 16; i++)
        pixels[i] = (uint16_t)(40000 + i);
    for (int e = 0; e < 2; e++) {
        snprintf(path, sizeof path, "%s/a_%s.png", dir, e ? "high" : "low");
        image_fixture_png(path, pixels, 16, 16, 16, false, false, 0);
    }
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    tu_write_file(path, "image,class,x0,y0,x1,y1\na,knife,1,1,4,4\nbag_missing,firearm,2,2,8,8\n");
    snprintf(path, sizeof path, "%s/ghost.lua", f->dir);
    write_bench_scenario(f, path,
                         "replay = bl.replay{folder = 'ghost', annotations = 'ghost/labels.csv'}");
    snprintf(out, sizeof out, "%s/ghost.h5", f->dir);
    bl_error_t err;
    int rc = run_scenario(path, out, &err);
    assert_int_equal(rc, BL_EINVAL);
    if (getenv("BL_SHOW_MESSAGES") != NULL)
        print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "labels.csv"));
    assert_non_null(strstr(err.message, "bag_missing"));
    assert_non_null(strstr(err.message, "row 3"));
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    char temp[800];
    snprintf(temp, sizeof temp, "%s/.ghost.h5.tmp.%ld", f->dir, (long)getpid());
    assert_int_not_equal(stat(temp, &st), 0);

    /* The labels fixed, the size is still unknown. */
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    tu_write_file(path, "image,class,x0,y0,x1,y1\na,knife,1,1,4,4\n");
    snprintf(path, sizeof path, "%s/ghost.lua", f->dir);
    rc = run_scenario(path, out, &err);
    assert_int_equal(rc, BL_EINVAL);
    if (getenv("BL_SHOW_MESSAGES") != NULL)
        print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "ghost"));
    assert_non_null(strstr(err.message, "pixel_mm ="));
    assert_int_not_equal(stat(out, &st), 0);
    assert_int_not_equal(stat(temp, &st), 0);

    /* Given in the scenario, it runs. */
    write_bench_scenario(f, path,
                         "replay = bl.replay{folder = 'ghost', annotations = 'ghost/labels.csv', "
                         "pixel_mm = 0.8}");
    rc = run_scenario(path, out, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    size_t n = 0;
    bl_bench_scan_row_t *scans = read_table(out, &bl_bench_scans_table, NULL, &n);
    assert_int_equal(n, 1);
    assert_int_equal(scans[0].truth_mask, 1u << BL_THREAT_KNIFE);
    free(scans);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detector_bench_invalid_outputs_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_metrics_have_intervals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_threads_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_load_failure_leaves_no_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_run_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_save_scans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_replay_folder_end_to_end, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_replay_error_leaves_no_file, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
