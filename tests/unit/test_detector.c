/*
 * The reference detector (plugins/detector/dual_energy) against the
 * synthetic scans of core/gen/xray.c: bag-level alarm rates per threat class,
 * the figures a detector benchmark rests on, at the quickstart's 64 x 64
 * geometry (9.4 mm pixels) and at the generator's default 512 x 512
 * (1.2 mm).  The plugin is loaded through the real loader from
 * $top_builddir (default ".").  Seeds are fixed, so the rates are the same
 * on every run; set BL_VERBOSE=1 to print them.
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

#include "gen/xray.h"
#include "plugin/loader.h"
#include "stats/rng.h"
#include "test_util.h"

enum { N_GEOMETRIES = 2, N_THRESHOLDS = 2 };

/* Image side and bags per class: fewer large scans, to keep the test short. */
static const unsigned sides[N_GEOMETRIES] = {64, 512}, bags[N_GEOMETRIES] = {400, 200};

static const double thresholds[N_THRESHOLDS] = {0.5, 0.9};

/* The classes the generator draws and the detection rate each must reach at
 * threshold 0.5 (clean bags: the false-alarm band is checked apart). */
static const struct {
    uint32_t threat;
    const char *name;
    double min_detection;
} classes[] = {
    {BL_THREAT_NONE, "clean", 0.0},          {BL_THREAT_FIREARM, "firearm", 0.85},
    {BL_THREAT_KNIFE, "knife", 0.85},        {BL_THREAT_METAL, "metal", 0.85},
    {BL_THREAT_DRUGS, "drugs", 0.60},        {BL_THREAT_CIGARETTES, "cigarettes", 0.60},
    {BL_THREAT_EXPLOSIVE, "explosive", 0.0}, {BL_THREAT_CURRENCY, "currency", 0.0},
};
enum { N_CLASSES = sizeof classes / sizeof classes[0] };

typedef struct fixture {
    bl_plugin_handle_t plugin;
    bl_host_services_t hs;
    void *inst;
    double rate[N_GEOMETRIES][N_CLASSES][N_THRESHOLDS]; /* share of bags alarmed */
} fixture_t;

/*
 * Scan bags[g] bags of every class at each geometry (a 600 mm field of
 * view) and record the share with a detection at or above each threshold:
 * the engine's alarm rule (core/engine/engine.c, decide_scan).
 */
static int measure(fixture_t *f, size_t g) {
    bl_scan_buffer_t buf;
    bl_detection_t items[256];
    bl_xray_config_t cfg;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = sides[g];
    if (bl_scan_buffer_init(&buf, sides[g], sides[g]) != 0)
        return -1;
    for (size_t c = 0; c < N_CLASSES; c++) {
        bl_rng_t rng;
        unsigned alarmed[N_THRESHOLDS] = {0};
        bl_rng_init(&rng, 20240 + c, g, BL_STREAM_SCANS);
        for (unsigned i = 0; i < bags[g]; i++) {
            bl_scan_t scan;
            bl_detections_t out = {items, sizeof items / sizeof items[0], 0};
            bl_xray_generate(&cfg, (int)classes[c].threat, i, &rng, &buf, &scan, NULL);
            int rc = f->plugin.desc->detector->detect(f->inst, &scan, 1, &out);
            if (rc != BL_OK && rc != BL_ENOSPC) { /* ENOSPC: what fitted is kept */
                print_error("%u px: detect failed (%d)\n", sides[g], rc);
                bl_scan_buffer_fini(&buf);
                return -1;
            }
            float best = 0.0f;
            for (size_t k = 0; k < out.count; k++)
                best = items[k].confidence > best ? items[k].confidence : best;
            for (size_t t = 0; t < N_THRESHOLDS; t++)
                alarmed[t] += best >= thresholds[t];
        }
        for (size_t t = 0; t < N_THRESHOLDS; t++)
            f->rate[g][c][t] = (double)alarmed[t] / bags[g];
        if (getenv("BL_VERBOSE") != NULL)
            printf("# %3u px %-10s alarm rate %5.1f%% at 0.5, %5.1f%% at 0.9\n", sides[g],
                   classes[c].name, 100 * f->rate[g][c][0], 100 * f->rate[g][c][1]);
    }
    bl_scan_buffer_fini(&buf);
    return 0;
}

static int setup(void **state) {
    static fixture_t f;
    char path[4096];
    bl_error_t err;

    tu_builddir_path(path, sizeof path, "plugins/detector/dual_energy/.libs/dual_energy.so");
    bl_error_clear(&err);
    if (bl_plugin_load(&f.plugin, path, BL_KIND_DETECTOR, &err) != BL_OK) {
        print_error("%s\n", err.message);
        return -1;
    }
    bl_host_services_init(&f.hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, f.plugin.desc->header.id);
    if (f.plugin.desc->detector->create(NULL, &f.hs.host, &f.inst) != BL_OK)
        return -1;
    for (size_t g = 0; g < N_GEOMETRIES; g++)
        if (measure(&f, g) != 0)
            return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    if (f == NULL)
        return 0;
    f->plugin.desc->detector->destroy(f->inst);
    bl_plugin_unload(&f->plugin);
    return 0;
}

/* Clean bags alarm now and then (keys and buckles, dense piles of clothes
 * and books), not often. */
static void test_detector_false_alarms_modest(void **state) {
    fixture_t *f = *state;
    for (size_t g = 0; g < N_GEOMETRIES; g++) {
        double fa = f->rate[g][0][0];
        if (fa > 0.15 || fa < 0.01)
            print_error("%u px: false-alarm rate %.3f at 0.5, want 0.01-0.15\n", sides[g], fa);
        assert_true(fa <= 0.15);
        assert_true(fa >= 0.01); /* a perfect detector would mean the clutter is too easy */
    }
}

static void test_detector_finds_threats(void **state) {
    fixture_t *f = *state;
    for (size_t g = 0; g < N_GEOMETRIES; g++)
        for (size_t c = 1; c < N_CLASSES; c++) {
            if (f->rate[g][c][0] < classes[c].min_detection)
                print_error("%u px %s: detection rate %.3f at 0.5, want >= %.2f\n", sides[g],
                            classes[c].name, f->rate[g][c][0], classes[c].min_detection);
            assert_true(f->rate[g][c][0] >= classes[c].min_detection);
            /* Every threat class stands out from clean bags. */
            assert_true(f->rate[g][c][0] > f->rate[g][0][0]);
        }
}

/* Confidence ranks: a higher threshold never raises an alarm rate, and
 * lowers the false alarms. */
static void test_detector_threshold_trades_off(void **state) {
    fixture_t *f = *state;
    for (size_t g = 0; g < N_GEOMETRIES; g++) {
        for (size_t c = 0; c < N_CLASSES; c++)
            assert_true(f->rate[g][c][1] <= f->rate[g][c][0]);
        assert_true(f->rate[g][0][1] < f->rate[g][0][0]);
    }
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_false_alarms_modest),
        cmocka_unit_test(test_detector_finds_threats),
        cmocka_unit_test(test_detector_threshold_trades_off),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, teardown);
}
