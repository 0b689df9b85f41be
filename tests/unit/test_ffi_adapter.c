/*
 * The libffi adapters (plugins/detector/ffi_detector, plugins/risk/ffi_risk)
 * through the real loader, against the fixture vendor SDKs and their
 * native twins (tests/plugins/vendor_sdk): the same algorithm reached
 * through the SDK's own C API and as a borderlab plugin must give the same
 * detections and scores, bit for bit, on synthetic bags from the X-ray
 * generator and on a hand-made record batch; the u16 conversion is checked
 * on edge values against the SDK's algorithm run on hand-computed pixels;
 * the SDK's own failures (an error status, a write past the array, a refused
 * init) are reported, not trusted; and every bad declaration of a table is
 * refused with BL_EINVAL and a message naming its key.
 *
 * Plugins and SDKs are found under $top_builddir (default "."); run one test
 * with `tests/unit/test_ffi_adapter NAME-GLOB`.
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

#include "../plugins/vendor_sdk/vsdk_algo.h"
#include "gen/xray.h"
#include "plugin/loader.h"
#include "stats/rng.h"
#include "test_util.h"

#define ADAPTER_DET "plugins/detector/ffi_detector/.libs/ffi_detector.so"
#define ADAPTER_RISK "plugins/risk/ffi_risk/.libs/ffi_risk.so"
#define NATIVE_DET "tests/plugins/vendor_sdk/.libs/vsdk_native.so"
#define NATIVE_RISK "tests/plugins/vendor_sdk/.libs/vrisk_native.so"
#define SDK_DET "tests/plugins/vendor_sdk/.libs/libvsdk_detect.so"
#define SDK_RISK "tests/plugins/vendor_sdk/.libs/libvrisk.so"

/* ------------------------------------------------------------------ configs */

/* A plugin configuration built from "key=value" strings (split at the
 * first '='), edited by later ones ("-key" removes a key). */
#define CFG_MAX 64
typedef struct cfg {
    size_t n;
    char keys[CFG_MAX][64];
    char values[CFG_MAX][512];
    const char *kp[CFG_MAX], *vp[CFG_MAX];
} cfg_t;

static void cfg_edit(cfg_t *c, const char *edit) {
    const char *eq = strchr(edit, '=');
    char key[64];
    if (edit[0] == '-') {
        for (size_t i = 0; i < c->n; i++)
            if (strcmp(c->keys[i], edit + 1) == 0) {
                memmove(&c->keys[i], &c->keys[i + 1], (c->n - i - 1) * sizeof c->keys[0]);
                memmove(&c->values[i], &c->values[i + 1], (c->n - i - 1) * sizeof c->values[0]);
                c->n--;
                break;
            }
    } else {
        assert_non_null(eq);
        snprintf(key, sizeof key, "%.*s", (int)(eq - edit), edit);
        size_t i = 0;
        while (i < c->n && strcmp(c->keys[i], key) != 0)
            i++;
        assert_true(i < CFG_MAX);
        if (i == c->n)
            c->n++;
        snprintf(c->keys[i], sizeof c->keys[i], "%s", key);
        snprintf(c->values[i], sizeof c->values[i], "%s", eq + 1);
    }
    for (size_t i = 0; i < c->n; i++) {
        c->kp[i] = c->keys[i];
        c->vp[i] = c->values[i];
    }
}

/* c = pairs (NULL-terminated), then library=$top_builddir/sdk. */
static void cfg_build(cfg_t *c, const char *sdk, const char *const *pairs) {
    char lib[4096 + 16], path[4096];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; pairs[i] != NULL; i++)
        cfg_edit(c, pairs[i]);
    if (sdk != NULL) {
        snprintf(lib, sizeof lib, "library=%s", tu_builddir_path(path, sizeof path, sdk));
        cfg_edit(c, lib);
    }
}

/* *dst = *src, its pointers made its own. */
static void cfg_copy(cfg_t *dst, const cfg_t *src) {
    *dst = *src;
    for (size_t i = 0; i < dst->n; i++) {
        dst->kp[i] = dst->keys[i];
        dst->vp[i] = dst->values[i];
    }
}

/* c = $top_srcdir/tests/fixtures/ffi/name ("key=value" lines, '#' comments;
 * @SDK@ is the fixture SDKs' folder): the declarations
 * tests/scenario/ffi_adapter.sh hands `borderlab plugin check` too. */
static void cfg_load(cfg_t *c, const char *name) {
    char rel[256], path[4096], sdk[4096], line[1024], edit[5200];
    memset(c, 0, sizeof *c);
    tu_builddir_path(sdk, sizeof sdk, "tests/plugins/vendor_sdk/.libs");
    snprintf(rel, sizeof rel, "tests/fixtures/ffi/%s", name);
    FILE *f = fopen(tu_srcdir_path(path, sizeof path, rel), "r");
    if (f == NULL)
        fail_msg("cannot read %s", path);
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        const char *at = strstr(line, "@SDK@");
        if (at != NULL)
            snprintf(edit, sizeof edit, "%.*s%s%s", (int)(at - line), line, sdk, at + 5);
        else
            snprintf(edit, sizeof edit, "%s", line);
        cfg_edit(c, edit);
    }
    fclose(f);
}

/* tests/fixtures/ffi/detector.conf: the detector SDK's vsdk_inspect, u16
 * high plane, 8-pixel cells, a handle from vsdk_open. */
#define DET_CONF "detector.conf"

/* The same SDK through vsdk_inspect_f32: another argument order and types,
 * the count returned, the handle through an out pointer. */
static const char *const det_f32[] = {
    "init.fn=vsdk_open_into",
    "init.args.1=string:cell=8",
    "init.args.2=double:0.5",
    "init.args.3=handle_out",
    "init.returns=int",
    "init.ok=0",
    "detect.fn=vsdk_inspect_f32",
    "detect.args.1=image:high:f32",
    "detect.args.2=width:u32",
    "detect.args.3=height:u32",
    "detect.args.4=stride:size",
    "detect.args.5=handle",
    "detect.args.6=hits",
    "detect.args.7=capacity:u32",
    "detect.returns=count:i64",
    "output.fields.1=class:u8",
    "output.fields.2=confidence:f32",
    "output.fields.3=x:u16",
    "output.fields.4=y:u16",
    "output.fields.5=w:u16",
    "output.fields.6=h:u16",
    "output.fields.7=skip:double",
    "output.capacity=64",
    "classes.10=metal",
    "classes.20=drugs",
    "free.fn=vsdk_close",
    "free.args.1=handle",
    "thread_safe=true",
    NULL,
};

static const char *const native_det[] = {"cell=8", "threshold=0.5", NULL};

/* tests/fixtures/ffi/risk.conf: the risk SDK with a handle, the score
 * through an out pointer; its coefficients: */
#define RISK_CONF "risk.conf"
#define COEFFICIENTS "bias=-0.5;w=0.8,-0.3,0.2"
static const char *const native_risk[] = {"features.1=x1", "features.2=x2", "features.3=x3",
                                          "coefficients=" COEFFICIENTS, NULL};

/* ------------------------------------------------------------------ plugins */

/* Error and warning lines the plugin under test logged. */
static char logged[8192];

static void capture_log(void *ctx, int level, const char *message) {
    (void)ctx;
    if (level > BL_LOG_WARN)
        return;
    size_t used = strlen(logged);
    snprintf(logged + used, sizeof logged - used, "%s\n", message);
}

typedef struct plugin {
    bl_plugin_handle_t handle;
    bl_host_services_t hs;
    void *inst;
} plugin_t;

/* Load $top_builddir/so and create an instance with c; returns create()'s
 * code (the plugin stays loaded: plugin_close it). */
static int plugin_open(plugin_t *p, const char *so, int kind, const cfg_t *c) {
    char path[4096];
    memset(p, 0, sizeof *p);
    logged[0] = '\0';
    tu_load_plugin(&p->handle, tu_builddir_path(path, sizeof path, so), kind);
    bl_host_services_init(&p->hs, 3, 0, 9, NULL, p->handle.desc->header.id);
    p->hs.host.log = capture_log;
    bl_config_t config = {c->n, c->kp, c->vp};
    return kind == BL_KIND_DETECTOR
               ? p->handle.desc->detector->create(&config, &p->hs.host, &p->inst)
               : p->handle.desc->risk->create(&config, &p->hs.host, &p->inst);
}

static void plugin_close(plugin_t *p) {
    if (p->inst != NULL) {
        if (p->handle.desc->detector != NULL)
            p->handle.desc->detector->destroy(p->inst);
        else
            p->handle.desc->risk->destroy(p->inst);
    }
    p->inst = NULL;
    bl_plugin_unload(&p->handle);
}

static void expect_logged(const char *want) {
    if (strstr(logged, want) == NULL)
        fail_msg("the log does not mention \"%s\"; it says:\n%s", want, logged);
}

/* ------------------------------------------------------------------ scans */

#define N_SCANS 48
#define SIDE 64
#define DET_CAP 8192

static bl_scan_buffer_t buffers[N_SCANS];
static bl_scan_t scans[N_SCANS];

/* Bags from the X-ray generator, a third of them with a firearm, drugs or
 * metal, the rest as the prevalences fall. */
static int setup_scans(void **state) {
    (void)state;
    bl_xray_config_t cfg;
    bl_rng_t rng;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = SIDE;
    bl_rng_init(&rng, 515, 0, BL_STREAM_SCANS);
    static const int forced[] = {BL_THREAT_FIREARM, BL_THREAT_DRUGS, BL_THREAT_METAL, -1, -1, -1};
    for (size_t i = 0; i < N_SCANS; i++) {
        if (bl_scan_buffer_init(&buffers[i], SIDE, SIDE) != 0)
            return -1;
        bl_xray_generate(&cfg, forced[i % 6], i, &rng, &buffers[i], &scans[i], NULL);
    }
    return 0;
}

static int teardown_scans(void **state) {
    (void)state;
    for (size_t i = 0; i < N_SCANS; i++)
        bl_scan_buffer_fini(&buffers[i]);
    return 0;
}

/* Run p over scans[0..n-1] in batches of `batch`; the detections (scan
 * indices made global) into items, their count returned. */
static size_t detect_all(plugin_t *p, const bl_scan_t *s, size_t n, size_t batch,
                         bl_detection_t *items) {
    size_t total = 0;
    for (size_t first = 0; first < n; first += batch) {
        size_t nb = n - first < batch ? n - first : batch;
        bl_detections_t out = {items + total, DET_CAP - total, 0};
        int rc = p->handle.desc->detector->detect(p->inst, s + first, nb, &out);
        if (rc != BL_OK)
            fail_msg("detect returned %d; log:\n%s", rc, logged);
        for (size_t k = 0; k < out.count; k++)
            items[total + k].scan += (uint32_t)first;
        total += out.count;
    }
    return total;
}

/* Adapter(config a) and native twin(config b) give the same detections on
 * every scan, and there are some of each class the SDK reports. */
static void expect_same_detections(const cfg_t *a, const cfg_t *b, const bl_scan_t *s, size_t n) {
    static bl_detection_t da[DET_CAP], db[DET_CAP];
    plugin_t pa, pb;
    assert_int_equal(plugin_open(&pa, ADAPTER_DET, BL_KIND_DETECTOR, a), BL_OK);
    assert_int_equal(plugin_open(&pb, NATIVE_DET, BL_KIND_DETECTOR, b), BL_OK);
    memset(da, 0, sizeof da);
    memset(db, 0, sizeof db);
    size_t na = detect_all(&pa, s, n, 8, da), nb = detect_all(&pb, s, n, 5, db);
    plugin_close(&pa);
    plugin_close(&pb);
    if (getenv("BL_VERBOSE") != NULL)
        printf("# %zu detections over %zu scans\n", na, n);
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++)
        if (memcmp(&da[k], &db[k], sizeof da[k]) != 0)
            fail_msg("detection %zu differs: adapter scan %u class %u conf %.9g box %g %g %g %g; "
                     "native scan %u class %u conf %.9g box %g %g %g %g",
                     k, da[k].scan, da[k].threat, da[k].confidence, da[k].box[0], da[k].box[1],
                     da[k].box[2], da[k].box[3], db[k].scan, db[k].threat, db[k].confidence,
                     db[k].box[0], db[k].box[1], db[k].box[2], db[k].box[3]);
    size_t metal = 0, drugs = 0;
    for (size_t k = 0; k < na; k++) {
        metal += da[k].threat == BL_THREAT_METAL;
        drugs += da[k].threat == BL_THREAT_DRUGS;
    }
    assert_true(metal > 0); /* else the comparison proves little */
    assert_true(drugs > 0);
}

static void test_ffi_adapter_detector_u16_matches_native(void **state) {
    (void)state;
    cfg_t a, b;
    cfg_load(&a, DET_CONF);
    cfg_build(&b, NULL, native_det);
    expect_same_detections(&a, &b, scans, N_SCANS);
}

static void test_ffi_adapter_detector_f32_matches_native(void **state) {
    (void)state;
    cfg_t a, b;
    cfg_build(&a, SDK_DET, det_f32);
    cfg_build(&b, NULL, native_det);
    expect_same_detections(&a, &b, scans, N_SCANS);
}

static void test_ffi_adapter_detector_low_plane_matches_native(void **state) {
    (void)state;
    cfg_t a, b;
    cfg_load(&a, DET_CONF);
    cfg_edit(&a, "detect.args.2=image:low:u16");
    cfg_edit(&a, "init.args.2=double:0.7"); /* the low plane is darker */
    cfg_build(&b, NULL, native_det);
    cfg_edit(&b, "plane=low");
    cfg_edit(&b, "threshold=0.7");
    expect_same_detections(&a, &b, scans, N_SCANS);
}

/* Edge transmissions against hand-computed u16 pixels: one-pixel cells, so
 * every pixel's value shows in its hit's score. */
static void test_ffi_adapter_u16_conversion(void **state) {
    (void)state;
    static const struct {
        float t;
        uint16_t u;
    } px[] = {
        {0.0f, 0},     {-0.25f, 0},       {NAN, 65535},         {1.0f, 65535},
        {1.5f, 65535}, {0.5f, 32768},     {0.25f, 16384},       {0.75f, 49151},
        {1e-6f, 0},    {2e-5f, 1},        {0.99999994f, 65535}, {0.1f, 6554},
        {0.3f, 19661}, {INFINITY, 65535},
    };
    enum { W = sizeof px / sizeof px[0] };
    float high[W];
    uint16_t expect_px[W];
    vsdk_hit_t hits[W];
    bl_detection_t items[DET_CAP];
    int n_expect = 0;
    for (size_t i = 0; i < W; i++) {
        high[i] = px[i].t;
        expect_px[i] = px[i].u;
    }
    bl_scan_t scan = {sizeof(bl_scan_t), W, 1, 1, 1, 0, 1.0, 7, NULL, high};
    vsdk_params_t params;
    assert_int_equal(vsdk_algo_configure(&params, "cell=1", 1e-9), 0);
    assert_int_equal(vsdk_algo_inspect(&params, expect_px, W, 1, W, hits, W, &n_expect), 0);
    assert_true(n_expect >= 8);

    cfg_t a;
    plugin_t p;
    cfg_load(&a, DET_CONF);
    cfg_edit(&a, "init.args.1=string:cell=1");
    cfg_edit(&a, "init.args.2=double:1e-9");
    assert_int_equal(plugin_open(&p, ADAPTER_DET, BL_KIND_DETECTOR, &a), BL_OK);
    size_t n = detect_all(&p, &scan, 1, 1, items);
    plugin_close(&p);
    assert_int_equal(n, (size_t)n_expect);
    for (int k = 0; k < n_expect; k++) {
        if (items[k].confidence != hits[k].score || items[k].box[0] != hits[k].x)
            fail_msg("pixel %u (t = %g): adapter score %.9g at x %g, want %.9g at x %u (u16 %u)",
                     hits[k].x, (double)px[hits[k].x].t, items[k].confidence, items[k].box[0],
                     hits[k].score, hits[k].x, px[hits[k].x].u);
    }
}

static void test_ffi_adapter_detector_conformance(void **state) {
    (void)state;
    char so[4096];
    cfg_t a;
    cfg_load(&a, DET_CONF);
    tu_expect_conformance(tu_builddir_path(so, sizeof so, ADAPTER_DET), a.n, a.kp, a.vp, 10);
    cfg_build(&a, SDK_DET, det_f32);
    tu_expect_conformance(so, a.n, a.kp, a.vp, 10);
}

/* detect with config c on the first scans: its code, log in `logged`. */
static int detect_with(const cfg_t *c, bl_detection_t *items, size_t cap, size_t *count) {
    plugin_t p;
    int rc = plugin_open(&p, ADAPTER_DET, BL_KIND_DETECTOR, c);
    if (rc != BL_OK) {
        plugin_close(&p);
        return rc;
    }
    bl_detections_t out = {items, cap, 0};
    rc = p.handle.desc->detector->detect(p.inst, scans, 6, &out);
    *count = out.count;
    plugin_close(&p);
    return rc;
}

/* What the SDK gets wrong is reported, not trusted. */
static void test_ffi_adapter_detector_sdk_failures(void **state) {
    (void)state;
    static bl_detection_t items[DET_CAP];
    size_t n;
    cfg_t c;

    /* A stride in elements where the SDK wants bytes: it refuses. */
    cfg_load(&c, DET_CONF);
    cfg_edit(&c, "detect.args.5=stride");
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_EPLUGIN);
    expect_logged("vsdk_inspect returned -1 (success is == 0) on scan 0");

    /* An SDK that writes one struct more than its capacity. */
    cfg_load(&c, DET_CONF);
    cfg_edit(&c, "detect.fn=vsdk_inspect_sloppy");
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_EPLUGIN);
    expect_logged("wrote past output.capacity");

    /* Too small a capacity: VSDK_TRUNCATED (1) is an error with ok = 0 ... */
    cfg_load(&c, DET_CONF);
    cfg_edit(&c, "output.capacity=2");
    cfg_edit(&c, "init.args.2=double:0.3");
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_EPLUGIN);
    expect_logged("returned 1 (success is == 0)");
    /* ... and what fitted with ok = "nonnegative". */
    cfg_edit(&c, "detect.ok=nonnegative");
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_OK);
    assert_true(n > 0 && n <= 12);

    /* A full host buffer: BL_ENOSPC, what fits kept. */
    cfg_load(&c, DET_CONF);
    assert_int_equal(detect_with(&c, items, 3, &n), BL_ENOSPC);
    assert_int_equal(n, 3);

    /* A low plane asked of a single-energy scan. */
    cfg_load(&c, DET_CONF);
    cfg_edit(&c, "detect.args.2=image:low:u16");
    plugin_t p;
    assert_int_equal(plugin_open(&p, ADAPTER_DET, BL_KIND_DETECTOR, &c), BL_OK);
    bl_scan_t single = scans[0];
    single.energies = 1;
    single.low = NULL;
    bl_detections_t out = {items, DET_CAP, 0};
    assert_int_equal(p.handle.desc->detector->detect(p.inst, &single, 1, &out), BL_EINVAL);
    expect_logged("has no low-energy image");
    plugin_close(&p);
}

/* Vendor codes without a borderlab class. */
static void test_ffi_adapter_detector_unmapped_classes(void **state) {
    (void)state;
    static bl_detection_t items[DET_CAP];
    size_t n, n_all, invalid = 0;
    cfg_t c;
    cfg_load(&c, DET_CONF);
    assert_int_equal(detect_with(&c, items, DET_CAP, &n_all), BL_OK);

    cfg_edit(&c, "-classes.20"); /* dense hits: reported as invalid (class 0), with a warning */
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_OK);
    assert_int_equal(n, n_all);
    for (size_t k = 0; k < n; k++)
        invalid += items[k].threat == BL_THREAT_NONE;
    assert_true(invalid > 0);
    expect_logged("class code 20 has no borderlab class");

    cfg_edit(&c, "unmapped=ignore"); /* dropped */
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_OK);
    assert_int_equal(n, n_all - invalid);

    cfg_edit(&c, "unmapped=drugs"); /* the same as classes.20 = drugs */
    assert_int_equal(detect_with(&c, items, DET_CAP, &n), BL_OK);
    assert_int_equal(n, n_all);
    for (size_t k = 0; k < n; k++)
        assert_true(items[k].threat == BL_THREAT_DRUGS || items[k].threat == BL_THREAT_METAL);
}

/* ------------------------------------------------------------------ refused declarations */

typedef struct refusal {
    const char *edits[4]; /* applied to the base declaration */
    const char *want[2];  /* what the message must say (the key first) */
} refusal_t;

/* Each row's edits applied to base must be refused ("@TEXT@" in an edit is
 * a file that is not a shared object). */
static void expect_refusals(const char *so, int kind, const cfg_t *base, const refusal_t *table,
                            size_t n) {
    char text[4096];
    tu_srcdir_path(text, sizeof text, "tests/plugins/not_a_plugin.txt");
    for (size_t i = 0; i < n; i++) {
        static cfg_t c;
        plugin_t p;
        cfg_copy(&c, base);
        for (size_t e = 0; e < 4 && table[i].edits[e] != NULL; e++) {
            char edit[4200];
            const char *at = strstr(table[i].edits[e], "@TEXT@");
            if (at != NULL)
                snprintf(edit, sizeof edit, "%.*s%s", (int)(at - table[i].edits[e]),
                         table[i].edits[e], text);
            else
                snprintf(edit, sizeof edit, "%s", table[i].edits[e]);
            cfg_edit(&c, edit);
        }
        int rc = plugin_open(&p, so, kind, &c);
        void *inst = p.inst;
        plugin_close(&p);
        if (rc != BL_EINVAL || inst != NULL)
            fail_msg("case %zu (%s): create returned %d, want BL_EINVAL; log:\n%s", i,
                     table[i].edits[0], rc, logged);
        for (size_t w = 0; w < 2 && table[i].want[w] != NULL; w++)
            if (strstr(logged, table[i].want[w]) == NULL)
                fail_msg("case %zu (%s): the message does not say \"%s\"; it says:\n%s", i,
                         table[i].edits[0], table[i].want[w], logged);
        if (getenv("BL_VERBOSE") != NULL)
            printf("# %s", logged);
    }
}

static void test_ffi_adapter_detector_bad_declarations(void **state) {
    (void)state;
    static const refusal_t table[] = {
        {{"-library"}, {"library: missing", "give the SDK's shared object"}},
        {{"library=/nonexistent/libnope.so"},
         {"library = \"/nonexistent/libnope.so\": cannot load it", NULL}},
        {{"library=@TEXT@"}, {"not_a_plugin.txt\": cannot load it", NULL}},
        {{"detect.fn=vsdk_inspekt"},
         {"detect.fn = \"vsdk_inspekt\": no such symbol in", "libvsdk_detect.so"}},
        {{"init.fn=vsdk_algo_inspect"}, {"init.fn = \"vsdk_algo_inspect\": no such symbol", NULL}},
        {{"-detect.fn"}, {"detect.fn: missing", NULL}},
        {{"init.fn="}, {"init.fn = \"\": not a C symbol name", NULL}},
        {{"detect.args.3=widht"},
         {"detect.args.3 = \"widht\": unknown argument kind", "use one of handle, image:"}},
        {{"detect.args.2=image:mid:u16"}, {"detect.args.2 = \"image:mid:u16\"", "high or low"}},
        {{"detect.args.2=image:high:u8"}, {"detect.args.2", "pixel type \"u8\" unknown"}},
        {{"detect.args.3=width:f32"}, {"detect.args.3 = \"width:f32\"", "not an integer type"}},
        {{"detect.args.6=hits:u8"}, {"detect.args.6 = \"hits:u8\"", "takes nothing after it"}},
        {{"-detect.args.4"}, {"detect.args.4 is missing", "without gaps"}},
        {{"detect.args.17=handle"}, {"detect.args.17", "at most 16 entries"}},
        {{"detect.args.9=features"}, {"detect.args.9 = \"features\": not an argument of detect"}},
        {{"init.args.2=i8:300"}, {"init.args.2 = \"i8:300\": 300 does not fit in i8", NULL}},
        {{"init.args.2=double:abc"}, {"init.args.2", "is not a finite number"}},
        {{"init.args.2=int"}, {"init.args.2 = \"int\"", "a constant needs its value"}},
        {{"init.args.1=string"}, {"init.args.1 = \"string\"", "string:TEXT"}},
        {{"detect.returns=handle"}, {"detect.returns = \"handle\": not a return of this function"}},
        {{"detect.returns=int32"}, {"detect.returns = \"int32\": unknown return type"}},
        {{"detect.returns=count:f32"}, {"detect.returns = \"count:f32\"", "count is an integer"}},
        {{"-detect.returns"}, {"detect.ok = \"0\": ok applies to an integer status"}},
        {{"init.ok=1"}, {"init.ok = \"1\": ok applies to an integer status"}},
        {{"detect.ok=zero"}, {"detect.ok = \"zero\"", "nonnegative"}},
        {{"-detect.args.8"}, {"detect: nothing says how many structs", "count_out"}},
        {{"detect.returns=count", "-detect.ok"},
         {"detect.args.8 = \"count_out\" and detect.returns", NULL}},
        {{"detect.args.6=capacity"}, {"detect.args: no hits argument", NULL}},
        {{"detect.args.7=hits"}, {"detect.args.7: a second hits argument", NULL}},
        {{"detect.args.9=count_out"}, {"detect.args.9: a second count_out argument", NULL}},
        {{"detect.args.2=width"}, {"detect.args: no image argument", NULL}},
        {{"detect.args.9=image:low:f32"}, {"detect.args.9", "stride_bytes ambiguous"}},
        {{"-init.returns"}, {"detect.args.1 = \"handle\": init makes no handle", NULL}},
        {{"-init.fn", "-init.args.1", "-init.args.2", "-init.returns"},
         {"detect.args.1 = \"handle\": init makes no handle", NULL}},
        {{"init.args.3=handle_out"},
         {"init.args.3 = \"handle_out\" and init.returns = \"handle\"", NULL}},
        {{"init.args.3=handle"}, {"init.args.3 = \"handle\": not an argument of init", NULL}},
        {{"detecr.fn=x"}, {"unknown key \"detecr.fn\"", "the keys are library, init, detect"}},
        {{"detect.arg.1=handle"},
         {"unknown key \"detect.arg.1\"; detect takes fn, args, returns, ok", NULL}},
        {{"output=hits"}, {"output = \"hits\": expected a table with fields, capacity", NULL}},
        {{"classes.x=metal"}, {"unknown key \"classes.x\"", "integer keys"}},
        {{"-output.fields.1", "-output.fields.2", "-output.fields.3", "-output.fields.4"},
         {"output.fields.1 is missing", NULL}},
        {{"output.fields.3=z:u16"}, {"output.fields.3 = \"z:u16\": unknown field", NULL}},
        {{"output.fields.3=x:f16"}, {"output.fields.3 = \"x:f16\": write NAME:TYPE", NULL}},
        {{"output.fields.1=class:f32"}, {"output.fields.1", "class is an integer code"}},
        {{"output.fields.7=x:f64"}, {"output.fields.7 = \"x:f64\": x is already output.fields.3"}},
        {{"output.fields.2=skip:f32"}, {"output.fields: no confidence field", NULL}},
        {{"output.fields.3=x0:u16"}, {"output.fields", "not a mix"}},
        {{"output.fields.4=skip:u16"}, {"output.fields: no y field", NULL}},
        {{"output.size=20"},
         {"output.size = 20: the declared fields lay out to 24 bytes",
          "offsets 0, 4, 8, 10, 12, 14, 16"}},
        {{"output.fields.7=skip:f32"}, {"output.size = 24: the declared fields lay out to 20"}},
        {{"-output.capacity"}, {"output.capacity = \"\": missing", NULL}},
        {{"output.capacity=0"}, {"output.capacity = \"0\"", NULL}},
        {{"output.capacity=300", "detect.args.7=capacity:u8"},
         {"detect.args.7: output.capacity 300 does not fit in u8", NULL}},
        {{"output.confidence_scale=-1"}, {"output.confidence_scale = \"-1\"", NULL}},
        {{"classes.10=gun"}, {"classes.10 = \"gun\": unknown class", "firearm, knife"}},
        {{"unmapped=maybe"}, {"unmapped = \"maybe\"", NULL}},
        {{"thread_safe=perhaps"}, {"thread_safe = \"perhaps\": expected true or false", NULL}},
        {{"init.args.1=string:cell=0"}, {"init: vsdk_open returned NULL", "check init.args"}},
    };
    static cfg_t base;
    cfg_load(&base, DET_CONF);
    expect_refusals(ADAPTER_DET, BL_KIND_DETECTOR, &base, table, sizeof table / sizeof table[0]);
    /* The f32 declaration's own paths: an init with a status and a handle_out. */
    static const refusal_t f32_table[] = {
        {{"init.args.2=double:1.5"}, {"init: vsdk_open_into returned -1 (success is == 0)", NULL}},
        /* -1 is "success" to a nonzero rule: then the missing handle is the failure. */
        {{"init.args.2=double:1.5", "init.ok=nonzero"},
         {"init: vsdk_open_into succeeded but wrote no handle", NULL}},
    };
    cfg_build(&base, SDK_DET, det_f32);
    expect_refusals(ADAPTER_DET, BL_KIND_DETECTOR, &base, f32_table,
                    sizeof f32_table / sizeof f32_table[0]);
}

/* ------------------------------------------------------------------ risk */

#define N_ROWS 500

typedef struct batch {
    double x1[N_ROWS], x2[N_ROWS], x3[N_ROWS];
    int32_t origin[N_ROWS];
    bl_column_t columns[4];
    bl_records_t records;
} batch_t;

static const char *const origin_labels[] = {"AA", "BB"};

/* Values over several magnitudes and both signs, with NaN and infinities. */
static void batch_build(batch_t *b) {
    uint64_t s = 88172645463325252ull;
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < N_ROWS; i++) {
        double v[3];
        for (int k = 0; k < 3; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            v[k] = ((double)(s >> 11) / 9007199254740992.0 - 0.3) * pow(10.0, (double)(i % 5));
        }
        b->x1[i] = i % 17 == 3 ? NAN : v[0];
        b->x2[i] = i % 23 == 5 ? INFINITY : v[1];
        b->x3[i] = i % 11 == 7 ? NAN : v[2];
        b->origin[i] = (int32_t)(i % 2);
    }
    b->columns[0] =
        (bl_column_t){"origin", BL_COLUMN_CATEGORICAL, 2, NULL, b->origin, origin_labels};
    b->columns[1] = (bl_column_t){"x3", BL_COLUMN_NUMERIC, 0, b->x3, NULL, NULL};
    b->columns[2] = (bl_column_t){"x1", BL_COLUMN_NUMERIC, 0, b->x1, NULL, NULL};
    b->columns[3] = (bl_column_t){"x2", BL_COLUMN_NUMERIC, 0, b->x2, NULL, NULL};
    b->records = (bl_records_t){(uint32_t)sizeof(bl_records_t), 4, N_ROWS, b->columns};
}

/* Score the batch with plugin so and config c, in blocks of 64 rows. */
static int score_all(const char *so, const cfg_t *c, const batch_t *b, double *out) {
    plugin_t p;
    int rc = plugin_open(&p, so, BL_KIND_RISK, c);
    for (size_t first = 0; rc == BL_OK && first < N_ROWS; first += 64) {
        size_t n = N_ROWS - first < 64 ? N_ROWS - first : 64;
        rc = p.handle.desc->risk->score(p.inst, &b->records, first, n, out + first, NULL);
    }
    plugin_close(&p);
    return rc;
}

static void expect_same_scores(const cfg_t *a, const cfg_t *n) {
    static batch_t b;
    static double sa[N_ROWS], sn[N_ROWS];
    batch_build(&b);
    int rc = score_all(ADAPTER_RISK, a, &b, sa);
    if (rc != BL_OK)
        fail_msg("adapter: score returned %d; log:\n%s", rc, logged);
    assert_int_equal(score_all(NATIVE_RISK, n, &b, sn), BL_OK);
    double lo = 1, hi = 0;
    for (size_t i = 0; i < N_ROWS; i++) {
        if (memcmp(&sa[i], &sn[i], sizeof sa[i]) != 0)
            fail_msg("row %zu: adapter %.17g, native %.17g", i, sa[i], sn[i]);
        lo = fmin(lo, sa[i]);
        hi = fmax(hi, sa[i]);
    }
    assert_true(lo < 0.2 && hi > 0.8); /* scores that spread: the comparison means something */
}

static void test_ffi_adapter_risk_matches_native(void **state) {
    (void)state;
    cfg_t a, n;
    /* A handle, the score through an out pointer. */
    cfg_load(&a, RISK_CONF);
    cfg_build(&n, NULL, native_risk);
    expect_same_scores(&a, &n);

    /* double score(const double *features, int n): no handle. */
    static const char *const bare[] = {"score.fn=vrisk_score",    "score.args.1=features",
                                       "score.args.2=n_features", "score.returns=double",
                                       "features.1=x1",           "features.2=x2",
                                       "features.3=x3",           NULL};
    static const char *const bare_native[] = {"features.1=x1", "features.2=x2", "features.3=x3",
                                              NULL};
    cfg_build(&a, SDK_RISK, bare);
    cfg_build(&n, NULL, bare_native);
    expect_same_scores(&a, &n);

    /* Log-odds from the SDK, the logistic function applied by the adapter. */
    cfg_load(&a, RISK_CONF);
    cfg_edit(&a, "score.fn=vrisk_logit");
    cfg_edit(&a, "-score.args.4");
    cfg_edit(&a, "score.returns=double");
    cfg_edit(&a, "-score.ok");
    cfg_edit(&a, "score_range=logit");
    cfg_build(&n, NULL, native_risk);
    expect_same_scores(&a, &n);

    /* A declared fill value for missing (NaN, infinite) features. */
    cfg_load(&a, RISK_CONF);
    cfg_edit(&a, "missing=-1");
    cfg_build(&n, NULL, native_risk);
    cfg_edit(&n, "missing=-1");
    expect_same_scores(&a, &n);
}

/* Out-of-range scores: an error naming the row, or passed on when asked. */
static void test_ffi_adapter_risk_out_of_range(void **state) {
    (void)state;
    static batch_t b;
    static double raw[N_ROWS], sn[N_ROWS];
    cfg_t a, n;
    batch_build(&b);
    cfg_load(&a, RISK_CONF);
    cfg_edit(&a, "score.fn=vrisk_logit");
    cfg_edit(&a, "-score.args.4");
    cfg_edit(&a, "score.returns=double");
    cfg_edit(&a, "-score.ok");
    assert_int_equal(score_all(ADAPTER_RISK, &a, &b, raw), BL_EPLUGIN);
    expect_logged("not a score in [0, 1] with score_range = \"probability\"");
    expect_logged("score_range = \"logit\"");

    cfg_edit(&a, "on_invalid=pass");
    assert_int_equal(score_all(ADAPTER_RISK, &a, &b, raw), BL_OK);
    cfg_build(&n, NULL, native_risk);
    assert_int_equal(score_all(NATIVE_RISK, &n, &b, sn), BL_OK);
    size_t outside = 0;
    for (size_t i = 0; i < N_ROWS; i++) {
        outside += !(raw[i] >= 0 && raw[i] <= 1);
        double s = 1.0 / (1.0 + exp(-raw[i])); /* the raw log-odds, handed on unchanged */
        assert_memory_equal(&s, &sn[i], sizeof s);
    }
    assert_true(outside > 0);

    /* A status the SDK reports as failure: a count the model does not have. */
    cfg_load(&a, RISK_CONF);
    cfg_edit(&a, "score.args.3=int:4");
    assert_int_equal(score_all(ADAPTER_RISK, &a, &b, raw), BL_EPLUGIN);
    expect_logged("vrisk_score_into returned -1 (success is == 0) on row 0");
}

static void test_ffi_adapter_risk_columns(void **state) {
    (void)state;
    static batch_t b;
    static double out[N_ROWS];
    cfg_t a;
    batch_build(&b);
    cfg_load(&a, RISK_CONF);
    cfg_edit(&a, "features.2=nope");
    assert_int_equal(score_all(ADAPTER_RISK, &a, &b, out), BL_EINVAL);
    expect_logged("no column \"nope\" (features.2)");
    cfg_edit(&a, "features.2=origin");
    assert_int_equal(score_all(ADAPTER_RISK, &a, &b, out), BL_EINVAL);
    expect_logged("column \"origin\" (features.2) is not numeric");
}

static void test_ffi_adapter_risk_conformance(void **state) {
    (void)state;
    char so[4096];
    cfg_t a;
    cfg_load(&a, RISK_CONF);
    tu_expect_conformance(tu_builddir_path(so, sizeof so, ADAPTER_RISK), a.n, a.kp, a.vp, 10);
}

static void test_ffi_adapter_risk_bad_declarations(void **state) {
    (void)state;
    static const refusal_t table[] = {
        {{"-features.1", "-features.2", "-features.3"}, {"features: missing", NULL}},
        {{"features.2="}, {"features.2 is empty", NULL}},
        {{"features.3=x1"}, {"features.3 = \"x1\": already features.1", NULL}},
        {{"-features.2"}, {"features.2 is missing", NULL}},
        {{"score.args.2=feature"},
         {"score.args.2 = \"feature\": unknown argument kind",
          "handle, features, n_features, score_out"}},
        {{"score.args.2=image:high:u16"}, {"score.args.2", "not an argument of score"}},
        {{"score.args.3=n_features:f64"}, {"score.args.3", "not an integer type"}},
        {{"score.returns=count"}, {"score.returns = \"count\": not a return of this function"}},
        {{"-score.args.4"}, {"score: nothing gives the score", NULL}},
        {{"score.returns=double", "-score.ok"},
         {"score.args.4 = \"score_out\" and score.returns = \"f64\"", NULL}},
        {{"score.args.2=n_features"}, {"score.args: no features argument", NULL}},
        {{"-score.fn"}, {"score.fn: missing", NULL}},
        {{"score.fn=vrisk_scor"}, {"score.fn = \"vrisk_scor\": no such symbol", "libvrisk.so"}},
        {{"missing=zero"}, {"missing = \"zero\"", NULL}},
        {{"score_range=logits"}, {"score_range = \"logits\"", "logit"}},
        {{"on_invalid=clip"}, {"on_invalid = \"clip\"", NULL}},
        {{"scroe.fn=x"}, {"unknown key \"scroe.fn\"", "the keys are library, features"}},
        {{"-init.returns"}, {"score.args.1 = \"handle\": init makes no handle", NULL}},
        {{"init.args.1=string:bias=oops"}, {"init: vrisk_open returned NULL", NULL}},
        {{"-library"}, {"library: missing", NULL}},
    };
    static cfg_t base;
    cfg_load(&base, RISK_CONF);
    expect_refusals(ADAPTER_RISK, BL_KIND_RISK, &base, table, sizeof table / sizeof table[0]);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffi_adapter_detector_u16_matches_native),
        cmocka_unit_test(test_ffi_adapter_detector_f32_matches_native),
        cmocka_unit_test(test_ffi_adapter_detector_low_plane_matches_native),
        cmocka_unit_test(test_ffi_adapter_u16_conversion),
        cmocka_unit_test(test_ffi_adapter_detector_conformance),
        cmocka_unit_test(test_ffi_adapter_detector_sdk_failures),
        cmocka_unit_test(test_ffi_adapter_detector_unmapped_classes),
        cmocka_unit_test(test_ffi_adapter_detector_bad_declarations),
        cmocka_unit_test(test_ffi_adapter_risk_matches_native),
        cmocka_unit_test(test_ffi_adapter_risk_out_of_range),
        cmocka_unit_test(test_ffi_adapter_risk_columns),
        cmocka_unit_test(test_ffi_adapter_risk_conformance),
        cmocka_unit_test(test_ffi_adapter_risk_bad_declarations),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup_scans, teardown_scans);
}
