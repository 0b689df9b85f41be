/*
 * Loader, host services and conformance tests, run against the real
 * reference plugins and the refused-on-purpose fixtures in tests/plugins.
 * Plugins are found under $top_builddir (default "."), the text fixture
 * under $top_srcdir (default: $top_builddir).  `make check` builds them.
 */
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

#include "plugin/builtin_plugins.h"
#include "plugin/conformance.h"
#include "plugin/loader.h"
#include "test_util.h"

static char de_path[4096], dn_path[4096], lg_path[4096], ms_path[4096], abi99_path[4096],
    no_entry_path[4096], text_path[4096];

static int setup_paths(void **state) {
    (void)state;
    tu_builddir_path(de_path, sizeof de_path, "plugins/detector/dual_energy/.libs/dual_energy.so");
    tu_builddir_path(dn_path, sizeof dn_path, "plugins/detector/density/.libs/density.so");
    tu_builddir_path(lg_path, sizeof lg_path, "plugins/risk/logistic/.libs/logistic.so");
    tu_builddir_path(ms_path, sizeof ms_path, "plugins/store/memory/.libs/memory.so");
    tu_builddir_path(abi99_path, sizeof abi99_path, "tests/plugins/.libs/abi99.so");
    tu_builddir_path(no_entry_path, sizeof no_entry_path, "tests/plugins/.libs/no_entry.so");
    tu_srcdir_path(text_path, sizeof text_path, "tests/plugins/not_a_plugin.txt");
    return 0;
}

/* Load path expecting a refusal whose message contains want. */
static void expect_refusal(const char *path, int kind, const char *want) {
    bl_plugin_handle_t h;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_plugin_load(&h, path, kind, &err);
    if (rc == BL_OK || strstr(err.message, want) == NULL || strstr(err.message, path) == NULL)
        print_error("load %s: rc %d, message \"%s\" (want \"%s\")\n", path, rc, err.message, want);
    assert_true(rc < 0);
    assert_int_equal(err.code, rc);
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, path));
    assert_null(h.dl);
    assert_null(h.path);
    assert_null(h.desc);
}

static void test_loader_loads_reference_plugins(void **state) {
    (void)state;
    const struct {
        const char *path;
        int kind;
        const char *id;
    } cases[] = {{de_path, BL_KIND_DETECTOR, "borderlab.dual_energy"},
                 {lg_path, BL_KIND_RISK, "borderlab.logistic"},
                 {ms_path, BL_KIND_STORE, "borderlab.memory_store"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int expected = 0; expected <= 1; expected++) {
            bl_plugin_handle_t h;
            tu_load_plugin(&h, cases[i].path, expected ? cases[i].kind : 0);
            assert_non_null(h.desc);
            assert_int_equal(h.desc->header.kind, cases[i].kind);
            assert_string_equal(h.desc->header.id, cases[i].id);
            assert_string_equal(h.path, cases[i].path);
            assert_int_equal(strlen(h.sha256), 64);
            bl_plugin_unload(&h);
            assert_null(h.dl);
        }
    }
}

static void test_loader_refuses_abi99(void **state) {
    (void)state;
    expect_refusal(abi99_path, 0, "ABI major 99");
    expect_refusal(abi99_path, 0, "this borderlab speaks 1");
}

/* Each fixture built from tests/plugins/broken.c is refused at its own step. */
static void test_loader_refuses_each_broken_descriptor(void **state) {
    (void)state;
    static const struct {
        const char *file, *reason;
    } cases[] = {
        {"small.so", "ABI 1.0 needs at least"},   {"fingerprint.so", "fingerprint"},
        {"kind42.so", "unknown kind 42"},         {"no_id.so", "id"},
        {"no_verb.so", "verb detect is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/plugins/.libs/%s", tu_builddir(), cases[i].file);
        expect_refusal(path, 0, cases[i].reason);
    }
}

static void test_loader_refuses_no_entry(void **state) {
    (void)state;
    expect_refusal(no_entry_path, 0, "bl_plugin_entry");
}

static void test_loader_refuses_text_file(void **state) {
    (void)state;
    expect_refusal(text_path, 0, "not a shared object");
    expect_refusal(text_path, 0, "starts with text");
}

static void test_loader_refuses_missing_file(void **state) {
    (void)state;
    char path[4200];
    tu_builddir_path(path, sizeof path, "no/such/plugin.so");
    expect_refusal(path, 0, "cannot open");
}

static void test_loader_refuses_kind_mismatch(void **state) {
    (void)state;
    expect_refusal(de_path, BL_KIND_RISK, "it is a detector, but a risk model is expected");
    expect_refusal(ms_path, BL_KIND_DETECTOR, "seizure store");
}

static void test_loader_resolve_plugin_path(void **state) {
    (void)state;
    char dirs[4200];
    bl_error_t err;
    snprintf(dirs, sizeof dirs, "/nonexistent/borderlab:%s/plugins/detector/dual_energy/.libs",
             tu_builddir());
    assert_int_equal(setenv("BORDERLAB_PLUGIN_PATH", dirs, 1), 0);

    bl_error_clear(&err);
    char *p = bl_plugin_resolve("dual_energy", BL_KIND_DETECTOR, NULL, &err);
    assert_non_null(p);
    assert_string_equal(p, de_path);
    free(p);
    p = bl_plugin_resolve("dual_energy", 0, NULL, &err);
    assert_non_null(p);
    free(p);

    /* Unknown names list where the resolver looked. */
    p = bl_plugin_resolve("no_such_plugin", 0, NULL, &err);
    assert_null(p);
    assert_int_equal(err.code, BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "no_such_plugin"));
    assert_non_null(strstr(err.message, "/nonexistent/borderlab/no_such_plugin.so"));
    assert_non_null(strstr(err.message, "/plugins/store/no_such_plugin/.libs/no_such_plugin.so"));
    unsetenv("BORDERLAB_PLUGIN_PATH");
}

static void test_loader_resolve_paths(void **state) {
    (void)state;
    bl_error_t err;
    bl_error_clear(&err);
    /* A path is tried as given ... */
    char *p = bl_plugin_resolve(de_path, 0, NULL, &err);
    assert_non_null(p);
    assert_string_equal(p, de_path);
    free(p);
    /* ... then relative to base_dir. */
    p = bl_plugin_resolve("plugins/risk/logistic/.libs/logistic.so", 0, tu_builddir(), &err);
    assert_non_null(p);
    assert_non_null(strstr(p, "logistic.so"));
    assert_int_equal(access(p, R_OK), 0);
    free(p);
    p = bl_plugin_resolve("missing/thing.so", 0, "/nonexistent", &err);
    assert_null(p);
    assert_int_equal(err.code, BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "/nonexistent/missing/thing.so"));
    bl_error_clear(&err);
    assert_null(bl_plugin_resolve("", 0, NULL, &err));
    assert_int_equal(err.code, BL_EINVAL);
}

static void test_loader_sha256(void **state) {
    (void)state;
    char path[] = "/tmp/borderlab_sha_XXXXXX", hex[65];
    bl_error_t err;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    bl_error_clear(&err);
    assert_int_equal(bl_sha256_file(path, hex, &err), BL_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    assert_int_equal(bl_sha256_file(path, hex, &err), BL_ENOTFOUND);
    assert_non_null(strstr(err.message, path));
}

static void test_loader_kind_names(void **state) {
    (void)state;
    assert_string_equal(bl_plugin_kind_name(BL_KIND_DETECTOR), "detector");
    assert_string_equal(bl_plugin_kind_name(BL_KIND_RISK), "risk model");
    assert_string_equal(bl_plugin_kind_name(BL_KIND_STORE), "seizure store");
    assert_string_equal(bl_plugin_kind_name(42), "unknown");
}

static void test_loader_host_services(void **state) {
    (void)state;
    bl_host_services_t a, b;
    double clock = 12.5;
    bl_host_services_init(&a, 7, 1, BL_STREAM_PLUGIN_BASE, &clock, "test.a");
    bl_host_services_init(&b, 7, 1, BL_STREAM_PLUGIN_BASE, NULL, "test.b");
    assert_int_equal(a.host.size, sizeof(bl_host_t));
    assert_ptr_equal(a.host.ctx, &a);
    assert_int_equal(a.log_level, BL_LOG_WARN);
    for (int i = 0; i < 8; i++)
        assert_true(a.host.random_u64(a.host.ctx) == b.host.random_u64(b.host.ctx));
    assert_true(a.host.now(a.host.ctx) == 12.5);
    assert_true(b.host.now(b.host.ctx) == 0.0);
    void *p = a.host.alloc(a.host.ctx, 32);
    assert_non_null(p);
    p = a.host.realloc(a.host.ctx, p, 64);
    assert_non_null(p);
    a.host.free(a.host.ctx, p);
    a.host.log(a.host.ctx, BL_LOG_DEBUG, "dropped: below the log level");
}

static void test_loader_conformance_dual_energy(void **state) {
    (void)state;
    tu_expect_conformance(de_path, 0, NULL, NULL, 8);
}

static void test_loader_conformance_logistic(void **state) {
    (void)state;
    const char *const keys[] = {"weights.x1", "weights.x2", "intercept"};
    const char *const values[] = {"0.8", "-0.5", "-1"};
    tu_expect_conformance(lg_path, 3, keys, values, 8);
}

static void test_loader_conformance_memory_store(void **state) {
    (void)state;
    tu_expect_conformance(ms_path, 0, NULL, NULL, 8);
}

static void test_loader_conformance_refuses_abi99(void **state) {
    (void)state;
    bl_conformance_result_t result;
    bl_error_t err;
    bl_error_clear(&err);
    assert_true(bl_conformance_run(abi99_path, 0, NULL, NULL, stdout, &result, &err) < 0);
    assert_non_null(strstr(err.message, "ABI major 99"));
    assert_int_equal(result.passed + result.failed, 0);
}

/* ------------------------------------------------------------------ reference plugins' behaviour
 */

static void test_loader_dual_energy_finds_steel(void **state) {
    (void)state;
    enum { W = 40, H = 30 };
    static float high[W * H], low[W * H];
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    bl_detection_t items[8];
    bl_detections_t out = {items, 8, 0};
    void *inst;

    for (int i = 0; i < W * H; i++)
        high[i] = low[i] = 0.9f;
    for (int y = 5; y < 15; y++)
        for (int x = 20; x < 30; x++) {
            high[y * W + x] = 0.9f * expf(-1.0f); /* steel: low/high ratio ~6 */
            low[y * W + x] = 0.9f * expf(-6.0f);
        }
    /* 4 mm pixels: the square is 40 x 40 mm of steel (~70 g), a threat-sized
     * block rather than a key, which dual_energy scores below 0.5. */
    bl_scan_t scans[2] = {{sizeof(bl_scan_t), W, H, 1, 2, 0, 4.0, 1, low, high},
                          {sizeof(bl_scan_t), W, H, 1, 1, 0, 4.0, 2, NULL, high}};
    tu_load_plugin(&h, de_path, BL_KIND_DETECTOR);
    bl_host_services_init(&hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, h.desc->header.id);
    assert_int_equal(h.desc->detector->create(NULL, &hs.host, &inst), BL_OK);
    assert_int_equal(h.desc->detector->detect(inst, scans, 1, &out), BL_OK);
    assert_int_equal(out.count, 1);
    assert_int_equal(items[0].threat, BL_THREAT_METAL);
    assert_true(items[0].box[0] == 20 && items[0].box[1] == 5);
    assert_true(items[0].box[2] == 30 && items[0].box[3] == 15);
    assert_true(items[0].confidence > 0.5f && items[0].confidence <= 1.0f);
    /* Single energy: attenuation 1.1 is below the default 1.6, nothing found. */
    out.count = 0;
    assert_int_equal(h.desc->detector->detect(inst, scans + 1, 1, &out), BL_OK);
    assert_int_equal(out.count, 0);
    h.desc->detector->destroy(inst);

    /* A bad config value is refused. */
    const char *const k[] = {"min_area"}, *const v[] = {"twelve"};
    bl_config_t config = {1, k, v};
    hs.log_level = -1;
    assert_int_equal(h.desc->detector->create(&config, &hs.host, &inst), BL_EINVAL);
    bl_plugin_unload(&h);
}

static void test_loader_logistic_scores(void **state) {
    (void)state;
    double x1[2] = {1.0, NAN}, x2[2] = {2.0, 4.0}, scores[2];
    bl_reason_t reasons[2];
    bl_column_t cols[2] = {{"x2", BL_COLUMN_NUMERIC, 0, x2, NULL, NULL},
                           {"x1", BL_COLUMN_NUMERIC, 0, x1, NULL, NULL}};
    bl_records_t rec = {sizeof(bl_records_t), 2, 2, cols};
    const char *const keys[] = {"weights.x1", "weights.x2", "intercept"};
    const char *const values[] = {"0.8", "-0.5", "-1"};
    bl_config_t config = {3, keys, values};
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    void *inst;

    tu_load_plugin(&h, lg_path, BL_KIND_RISK);
    bl_host_services_init(&hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, h.desc->header.id);
    const bl_risk_ops_t *ops = h.desc->risk;
    assert_int_equal(ops->create(&config, &hs.host, &inst), BL_OK);
    assert_int_equal(ops->score(inst, &rec, 0, 2, scores, reasons), BL_OK);
    /* z = -1 + 0.8 * 1 - 0.5 * 2 = -1.2; row 2: x1 missing, z = -1 - 2 = -3 */
    assert_true(fabs(scores[0] - 1.0 / (1.0 + exp(1.2))) < 1e-12);
    assert_true(fabs(scores[1] - 1.0 / (1.0 + exp(3.0))) < 1e-12);
    assert_int_equal(reasons[0].column, 0); /* |-1.0| from x2 beats |0.8| from x1 */
    assert_int_equal(reasons[1].column, 0);
    assert_true(reasons[0].contribution == -1.0f);

    /* A weighted column missing from the batch is refused. */
    bl_records_t only_x2 = {sizeof(bl_records_t), 1, 2, cols};
    hs.log_level = -1;
    assert_int_equal(ops->score(inst, &only_x2, 0, 2, scores, NULL), BL_EINVAL);
    assert_int_equal(ops->score(inst, &rec, 1, 2, scores, NULL), BL_EINVAL);
    ops->destroy(inst);

    const char *const bad_values[] = {"0.8", "lots", "-1"};
    config.values = bad_values;
    assert_int_equal(ops->create(&config, &hs.host, &inst), BL_EINVAL);
    bl_plugin_unload(&h);
}

static void test_loader_memory_store_states(void **state) {
    (void)state;
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    bl_custody_report_t report;
    bl_seizure_t item, got;
    uint64_t id = 0;
    void *inst;

    memset(&item, 0, sizeof item);
    item.threat = BL_THREAT_DRUGS;
    item.quantity = 2;
    strcpy(item.case_id, "C-1");
    strcpy(item.location, "SHELF-1");
    tu_load_plugin(&h, ms_path, BL_KIND_STORE);
    bl_host_services_init(&hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, h.desc->header.id);
    hs.log_level = -1;
    const bl_store_ops_t *ops = h.desc->store;
    assert_int_equal(ops->create(NULL, &hs.host, &inst), BL_OK);
    assert_int_equal(ops->deposit(inst, &item, 1, &id), BL_OK);
    assert_int_equal(id, 1);
    assert_int_equal(ops->move(inst, 99, "X", "o", 1), BL_ENOTFOUND);
    assert_int_equal(ops->move(inst, id, "", "o", 1), BL_EINVAL);
    assert_int_equal(ops->retrieve(inst, id, 9, "o", 1), BL_EINVAL);
    assert_int_equal(ops->retrieve(inst, id, BL_PURPOSE_COURT, "o", 1), BL_OK);
    assert_int_equal(ops->retrieve(inst, id, BL_PURPOSE_COURT, "o", 2), BL_ESTATE);
    assert_int_equal(ops->dispose(inst, id, "o", 3), BL_OK);
    assert_int_equal(ops->dispose(inst, id, "o", 4), BL_ESTATE);
    assert_int_equal(ops->move(inst, id, "SHELF-2", "o", 5), BL_ESTATE);
    assert_int_equal(ops->get(inst, id, &got), BL_OK);
    assert_int_equal(got.state, BL_SEIZURE_DISPOSED);
    assert_string_equal(got.location, "SHELF-1");
    assert_true(got.time == 3);
    item.value = -1;
    assert_int_equal(ops->deposit(inst, &item, 1, &id), BL_EINVAL);
    assert_int_equal(ops->verify(inst, &report), BL_OK);
    assert_int_equal(report.entries, 3);
    assert_int_equal(report.first_bad, 0);
    ops->destroy(inst);
    bl_plugin_unload(&h);
}

/* ------------------------------------------------------------------ density detector */

static void test_loader_conformance_density(void **state) {
    (void)state;
    tu_expect_conformance(dn_path, 0, NULL, NULL, 8);
}

enum { DN_W = 128, DN_H = 96 };

/* Multiply transmission by exp(-a) over a rectangle. */
static void dn_paint(float *img, int x0, int y0, int w, int h, float a) {
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            img[y * DN_W + x] *= expf(-a);
}

/* Index of the detection whose box contains (x, y), or -1. */
static int dn_find(const bl_detections_t *out, uint32_t scan, float x, float y) {
    for (size_t i = 0; i < out->count; i++) {
        const bl_detection_t *d = &out->items[i];
        if (d->scan == scan && d->box[0] <= x && x < d->box[2] && d->box[1] <= y && y < d->box[3])
            return (int)i;
    }
    return -1;
}

static void test_loader_density_finds_dense_regions(void **state) {
    (void)state;
    static float high[DN_W * DN_H], low[DN_W * DN_H];
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    bl_detection_t items[32];
    bl_detections_t out = {items, 32, 0};
    void *inst;

    /* Air (transmission 1) around a bag of clutter attenuating 0.3. */
    for (int i = 0; i < DN_W * DN_H; i++)
        high[i] = low[i] = 1.0f;
    dn_paint(high, 4, 4, DN_W - 8, DN_H - 8, 0.3f);
    dn_paint(high, 10, 10, 30, 20, 1.2f);  /* a block: 24 cm^2, excess 1.2 */
    dn_paint(high, 60, 10, 30, 20, 0.6f);  /* the same block, half as dense */
    dn_paint(high, 10, 50, 50, 4, 1.5f);   /* a bar: elongation ~12 */
    dn_paint(high, 80, 60, 3, 3, 2.0f);    /* dense but 0.36 cm^2: below min_area */
    dn_paint(high, 100, 40, 20, 20, 0.2f); /* 0.2 above the bag: not dense enough */
    for (int i = 0; i < DN_W * DN_H; i++)
        low[i] = high[i] * 0.5f; /* any low image: the detector must ignore it */
    bl_scan_t scans[2] = {{sizeof(bl_scan_t), DN_W, DN_H, 1, 1, 0, 2.0, 1, NULL, high},
                          {sizeof(bl_scan_t), DN_W, DN_H, 1, 2, 0, 2.0, 2, low, high}};

    tu_load_plugin(&h, dn_path, BL_KIND_DETECTOR);
    assert_string_equal(h.desc->header.id, "borderlab.density");
    assert_int_equal(h.desc->header.flags, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC);
    bl_host_services_init(&hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, h.desc->header.id);
    assert_int_equal(h.desc->detector->create(NULL, &hs.host, &inst), BL_OK);
    assert_int_equal(h.desc->detector->detect(inst, scans, 2, &out), BL_OK);
    if (out.count != 6)
        for (size_t i = 0; i < out.count; i++)
            print_error("scan %u threat %u conf %.3f box %g %g %g %g\n", items[i].scan,
                        items[i].threat, items[i].confidence, items[i].box[0], items[i].box[1],
                        items[i].box[2], items[i].box[3]);
    assert_int_equal(out.count, 6); /* three per scan */

    for (uint32_t sc = 0; sc < 2; sc++) {
        int dense = dn_find(&out, sc, 20, 20), light = dn_find(&out, sc, 70, 20);
        int bar = dn_find(&out, sc, 30, 51);
        assert_true(dense >= 0 && light >= 0 && bar >= 0);
        assert_true(dn_find(&out, sc, 81, 61) < 0);
        assert_true(dn_find(&out, sc, 110, 50) < 0);
        /* The box is the painted block exactly. */
        assert_true(items[dense].box[0] == 10 && items[dense].box[1] == 10);
        assert_true(items[dense].box[2] == 40 && items[dense].box[3] == 30);
        /* Shape only: a compact block is generic METAL, a bar is a KNIFE. */
        assert_int_equal(items[dense].threat, BL_THREAT_METAL);
        assert_int_equal(items[bar].threat, BL_THREAT_KNIFE);
        /* Graded: denser scores higher; excess 1.2 alarms at 0.5, 0.6 does not. */
        assert_true(items[dense].confidence > items[light].confidence);
        assert_true(items[dense].confidence > 0.5f && items[dense].confidence < 1.0f);
        assert_true(items[light].confidence > 0.0f && items[light].confidence < 0.5f);
        /* The low-energy image changes nothing. */
        assert_int_equal(items[dense].threat, items[dn_find(&out, 0, 20, 20)].threat);
        assert_true(items[dense].confidence == items[dn_find(&out, 0, 20, 20)].confidence);
    }
    h.desc->detector->destroy(inst);

    /* Bad config values are refused. */
    const char *const keys[] = {"excess", "knife_elongation", "min_area"};
    const char *const bad[][3] = {{"-1", "3", "2"}, {"0.4", "0.5", "2"}, {"0.4", "3", "two"}};
    hs.log_level = -1;
    for (size_t i = 0; i < 3; i++) {
        bl_config_t config = {3, keys, bad[i]};
        inst = (void *)&config;
        assert_int_equal(h.desc->detector->create(&config, &hs.host, &inst), BL_EINVAL);
        assert_null(inst);
    }
    const char *const good[] = {"0.8", "4", "10"};
    bl_config_t config = {3, keys, good};
    assert_int_equal(h.desc->detector->create(&config, &hs.host, &inst), BL_OK);
    /* A stricter excess drops the half-dense block (excess 0.6). */
    out.count = 0;
    assert_int_equal(h.desc->detector->detect(inst, scans, 1, &out), BL_OK);
    assert_true(dn_find(&out, 0, 20, 20) >= 0);
    assert_true(dn_find(&out, 0, 70, 20) < 0);
    h.desc->detector->destroy(inst);
    bl_plugin_unload(&h);
}

/* ------------------------------------------------------------------ built-in plugins */

static void test_loader_builtin_noop_loads(void **state) {
    (void)state;
    char self[65];
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_sha256_file("/proc/self/exe", self, &err), BL_OK);
    for (int expected = 0; expected <= 1; expected++) {
        bl_plugin_handle_t h;
        memset(&h, 0x5a, sizeof h);
        tu_load_plugin(&h, "builtin:noop", expected ? BL_KIND_DETECTOR : 0);
        assert_null(h.dl);
        assert_ptr_equal(h.desc, bl_builtin_plugin("noop"));
        assert_int_equal(h.desc->header.kind, BL_KIND_DETECTOR);
        assert_string_equal(h.desc->header.id, "borderlab.noop");
        assert_int_equal(h.desc->header.flags, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC);
        assert_string_equal(h.path, "builtin:noop");
        /* The code that runs is the program itself. */
        assert_string_equal(h.sha256, self);
        bl_plugin_unload(&h);
        assert_null(h.path);
        assert_null(h.desc);
    }
}

static void test_loader_builtin_noop_detects_nothing(void **state) {
    (void)state;
    static float high[16 * 16];
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    bl_detection_t items[2];
    bl_detections_t out = {items, 2, 0};
    void *inst = NULL, *inst2 = NULL;
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++)
        high[i] = 0.01f; /* nearly opaque everywhere: any real detector would alarm */
    bl_scan_t scans[3];
    for (int i = 0; i < 3; i++)
        scans[i] = (bl_scan_t){sizeof(bl_scan_t), 16, 16, 1, 1, 0, 1.0, (uint64_t)i, NULL, high};
    tu_load_plugin(&h, "builtin:noop", BL_KIND_DETECTOR);
    bl_host_services_init(&hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, h.desc->header.id);
    assert_int_equal(h.desc->detector->create(NULL, &hs.host, &inst), BL_OK);
    assert_int_equal(h.desc->detector->create(NULL, &hs.host, &inst2), BL_OK);
    assert_non_null(inst);
    assert_int_equal(h.desc->detector->detect(inst, scans, 3, &out), BL_OK);
    assert_int_equal(out.count, 0);
    assert_int_equal(h.desc->detector->detect(inst2, scans, 0, &out), BL_OK);
    assert_int_equal(out.count, 0);
    /* A missing output buffer is still refused. */
    assert_int_equal(h.desc->detector->detect(inst, scans, 1, NULL), BL_EINVAL);
    h.desc->detector->destroy(inst2);
    h.desc->detector->destroy(inst);
    bl_plugin_unload(&h);
}

static void test_loader_builtin_resolves_to_itself(void **state) {
    (void)state;
    bl_error_t err;
    bl_error_clear(&err);
    char *p = bl_plugin_resolve("builtin:noop", BL_KIND_DETECTOR, tu_builddir(), &err);
    assert_non_null(p);
    assert_string_equal(p, "builtin:noop");
    free(p);
    /* An unknown built-in is refused when resolving, naming the built-ins. */
    p = bl_plugin_resolve("builtin:xyz", 0, NULL, &err);
    assert_null(p);
    assert_int_equal(err.code, BL_ENOTFOUND);
    assert_non_null(strstr(err.message, "builtin:xyz"));
    assert_non_null(strstr(err.message, "builtin:noop"));
}

static void test_loader_builtin_refuses_unknown(void **state) {
    (void)state;
    char list[64];
    expect_refusal("builtin:xyz", 0, "no such built-in plugin");
    expect_refusal("builtin:xyz", 0, "builtin:noop");
    expect_refusal("builtin:", 0, "builtin:noop");
    expect_refusal("builtin:noop", BL_KIND_RISK, "it is a detector, but a risk model is expected");
    assert_null(bl_builtin_plugin("xyz"));
    assert_null(bl_builtin_plugin(NULL));
    assert_string_equal(bl_builtin_plugin_name(0), "noop");
    assert_null(bl_builtin_plugin_name(1));
    assert_string_equal(bl_builtin_plugin_list(list, sizeof list), "builtin:noop");
    /* A list that does not fit is cut, still terminated. */
    assert_string_equal(bl_builtin_plugin_list(list, 5), "buil");
}

static void test_loader_conformance_builtin_noop(void **state) {
    (void)state;
    tu_expect_conformance("builtin:noop", 0, NULL, NULL, 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_loads_reference_plugins),
        cmocka_unit_test(test_loader_refuses_abi99),
        cmocka_unit_test(test_loader_refuses_each_broken_descriptor),
        cmocka_unit_test(test_loader_refuses_no_entry),
        cmocka_unit_test(test_loader_refuses_text_file),
        cmocka_unit_test(test_loader_refuses_missing_file),
        cmocka_unit_test(test_loader_refuses_kind_mismatch),
        cmocka_unit_test(test_loader_resolve_plugin_path),
        cmocka_unit_test(test_loader_resolve_paths),
        cmocka_unit_test(test_loader_sha256),
        cmocka_unit_test(test_loader_kind_names),
        cmocka_unit_test(test_loader_host_services),
        cmocka_unit_test(test_loader_conformance_dual_energy),
        cmocka_unit_test(test_loader_conformance_logistic),
        cmocka_unit_test(test_loader_conformance_memory_store),
        cmocka_unit_test(test_loader_conformance_refuses_abi99),
        cmocka_unit_test(test_loader_dual_energy_finds_steel),
        cmocka_unit_test(test_loader_logistic_scores),
        cmocka_unit_test(test_loader_memory_store_states),
        cmocka_unit_test(test_loader_conformance_density),
        cmocka_unit_test(test_loader_density_finds_dense_regions),
        cmocka_unit_test(test_loader_builtin_noop_loads),
        cmocka_unit_test(test_loader_builtin_noop_detects_nothing),
        cmocka_unit_test(test_loader_builtin_resolves_to_itself),
        cmocka_unit_test(test_loader_builtin_refuses_unknown),
        cmocka_unit_test(test_loader_conformance_builtin_noop),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
