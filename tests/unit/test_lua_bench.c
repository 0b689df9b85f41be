/*
 * detector_bench scenarios converted from Lua (core/jobs/detector/
 * scenario_bench.c): the bench's fields and defaults, the X-ray generator
 * (bl.xray: checked against xray.c's defaults and validation, so the tests
 * run against the real generator settings), replayed image folders
 * (bl.replay: paths from the scenario's folder) and the detectors and
 * performance modes, with the refusals of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "gen/xray.h"
#include "jobs/detector/detector_bench.h"
#include "lua_fixtures.h"
#include "test_util.h"

/* Scripts go under $top_builddir/tests/out/test_lua_bench.XXXXXX. */
static int setup(void **state) { return lua_setup_dir(state, "test_lua_bench"); }

static const char bench[] =
    "local P = bl.parameters{ n = 800 }\n" /* 1 */
    "return bl.detector_bench{\n"
    "  name = 'xb', seed = 11, scans = P.n, threshold = 0.4, batch = 8,\n"
    "  intervals = 'clopper-pearson', save_scans = true,\n"
    "  generator = bl.xray{ width = 256, height = 128, pixel_mm = 1.5, subject = 'container',\n"
    "    prevalence = {firearm = 0.1, drugs = 0.02}, clutter = 0.3, occlusion = 0.4,\n"
    "    object_scale = 1.5, photons = 1e4, blur = 0, dual_energy = false },\n"
    "  detectors = { bl.plugin{'dual_energy', min_area = 12}, bl.plugin{'density'} },\n"
    "  performance = { pool = 32,\n"
    "    offline = { scans = 100, batch_sizes = {1, 4}, threads = {1, 2, 4} },\n" /* 10 */
    "    single_stream = { queries = 50 },\n"
    "    server = { rate = 20, queries = 60, p99_bound = 0.25 } },\n"
    "}\n";

static void test_lua_detector_bench_converts(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "bench.lua", bench, (const char *[]){"n=900", NULL}, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_scenario_t *sc = &r.sc;
    assert_ptr_equal(sc->kind, &bl_detector_bench_kind);
    assert_string_equal(sc->name, "xb");
    assert_int_equal(sc->seed, 11);
    assert_int_equal(sc->replications, 1);
    assert_non_null(strstr(sc->source, "bl.detector_bench"));
    const bl_detector_bench_t *b = bl_detector_bench_of(sc);
    assert_non_null(b);
    assert_int_equal(b->scans, 900); /* --set n=900 */
    assert_float_equal(b->threshold, 0.4, 0);
    assert_int_equal(b->batch, 8);
    assert_true(b->clopper_pearson);
    assert_true(b->save_scans);
    assert_null(b->replay_folder);
    assert_null(b->replay_annotations);

    const bl_xray_config_t *x = &b->xray;
    assert_int_equal(x->width, 256);
    assert_int_equal(x->height, 128);
    assert_float_equal(x->pixel_mm, 1.5, 0);
    assert_int_equal(x->subject, BL_SUBJECT_CONTAINER);
    assert_float_equal(x->clutter, 0.3, 0);
    assert_float_equal(x->occlusion, 0.4, 0);
    assert_float_equal(x->object_scale, 1.5, 0);
    assert_float_equal(x->photons, 1e4, 0);
    assert_float_equal(x->blur_px, 0, 0);
    assert_false(x->dual_energy);
    /* the classes listed, the others never */
    for (uint32_t c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        double want = c == BL_THREAT_FIREARM ? 0.1 : c == BL_THREAT_DRUGS ? 0.02 : 0;
        assert_float_equal(x->prevalence[c], want, 0);
    }

    assert_int_equal(b->n_detectors, 2);
    assert_string_equal(b->detectors[0].spec, "dual_energy");
    assert_int_equal(b->detectors[0].n_config, 1);
    assert_string_equal(b->detectors[0].config_keys[0], "min_area");
    assert_string_equal(b->detectors[0].config_values[0], "12");
    assert_string_equal(b->detectors[1].spec, "density");
    assert_int_equal(b->detectors[1].n_config, 0);
    assert_null(sc->plugins[BL_ROLE_DETECTOR].spec); /* the list is the bench's own */

    assert_int_equal(b->pool, 32);
    assert_int_equal(b->offline_scans, 100);
    assert_int_equal(b->n_offline_batches, 2);
    assert_int_equal(b->offline_batches[0], 1);
    assert_int_equal(b->offline_batches[1], 4);
    assert_int_equal(b->n_offline_threads, 3);
    assert_int_equal(b->offline_threads[2], 4);
    assert_int_equal(b->single_stream_queries, 50);
    assert_int_equal(b->server_queries, 60);
    assert_float_equal(b->server_rate, 20, 0);
    assert_float_equal(b->server_bound, 0.25, 0);
    bl_scenario_free_contents(sc);
}

static void test_lua_detector_bench_defaults(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "plain.lua", "return bl.detector_bench{ detectors = {bl.plugin{'density'}} }\n",
              NULL, (const uint64_t[]){42});
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    const bl_detector_bench_t *b = bl_detector_bench_of(&r.sc);
    assert_string_equal(r.sc.name, "plain");
    assert_int_equal(r.sc.seed, 42); /* --seed */
    assert_int_equal(r.sc.replications, 1);
    assert_int_equal(b->scans, 5000);
    assert_float_equal(b->threshold, 0.5, 0);
    assert_int_equal(b->batch, 16);
    assert_false(b->clopper_pearson); /* Wilson */
    assert_false(b->save_scans);
    bl_xray_config_t def;
    bl_xray_config_default(&def);
    assert_memory_equal(&b->xray, &def, sizeof def);
    assert_int_equal(b->pool, 0); /* no performance table: accuracy only, no overhead rows */
    assert_int_equal(b->offline_scans, 0); /* every performance mode off */
    assert_int_equal(b->n_offline_batches, 0);
    assert_int_equal(b->n_offline_threads, 0);
    assert_int_equal(b->single_stream_queries, 0);
    assert_int_equal(b->server_queries, 0);
    bl_scenario_free_contents(&r.sc);

    /* a mode's own table given empty: its defaults */
    load_text(&r, "modes.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}}, intervals = "
              "'wilson',\n performance = {offline = {}, single_stream = {},\n"
              " server = {rate = 5, p99_bound = 1}} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    b = bl_detector_bench_of(&r.sc);
    assert_false(b->clopper_pearson);
    assert_int_equal(b->offline_scans, 512);
    assert_int_equal(b->n_offline_batches, 3);
    assert_int_equal(b->offline_batches[2], 64);
    assert_int_equal(b->n_offline_threads, 1);
    assert_int_equal(b->offline_threads[0], 1);
    assert_int_equal(b->single_stream_queries, 300);
    assert_int_equal(b->server_queries, 300);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_xray_unknown_threat_lists_names(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "gun.lua",
              "local g = bl.xray{ prevalence = {firearm = 0.1,\n"
              " gun = 0.1} }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message,
                           "(threats: firearm, knife, explosive, drugs, cigarettes, currency, "
                           "metal)"));
    expect_error(&r, BL_ELUA, "gun.lua:1: bl.xray: prevalence: unknown threat 'gun'");
    load_text(&r, "typo.lua", "local g = bl.xray{ prevalence = {firarm = 0.1} }\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "unknown threat 'firarm'; did you mean 'firearm'?");
    load_text(&r, "field.lua", "local g = bl.xray{ blurr = 1 }\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "field.lua:1: bl.xray: unknown field 'blurr'; did you mean 'blur'?");
    load_text(&r, "subj.lua", "local g = bl.xray{ subject = 'truck' }\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "subj.lua:1: bl.xray: subject must be 'bag' or 'container'");
    /* C checks again what a script changed after the constructor */
    load_text(&r, "late.lua",
              "local x = bl.xray{ prevalence = {firearm = 0.1} }\n"
              "x.prevalence.gun = 0.2\n"
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}}, generator = x }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "late.lua:1: bl.xray: prevalence: unknown threat 'gun' (threats: firearm, knife, "
                 "explosive, drugs, cigarettes, currency, metal)");
    /* values are checked in C, at the line of bl.xray */
    load_text(&r, "prob.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
              "  generator = bl.xray{ prevalence = {knife = 1.5} } }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "prob.lua:2: bl.xray: prevalence.knife must be a probability");
    load_text(&r, "valid.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
              "  generator = bl.xray{ clutter = 7 } }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "valid.lua:2: bl.xray: clutter"); /* xray.c's own check */
    /* a checkpoint's contraband names are free, but what a scanner sees comes
     * from the same list */
    load_text(&r, "pop.lua",
              "local p = bl.population{ carriers = 0.1, contraband = {{'gun'}} }\n"
              "return bl.checkpoint{ max_entities = 1, arrivals = bl.poisson{rate = 1},\n"
              "  population = p, stations = {bl.station{'a', servers = 1, service = 1}} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "pop.lua:1: bl.population: contraband[1]: 'gun' is not a threat class a scanner "
                 "knows: give looks_like = one of firearm, knife, explosive, drugs, cigarettes, "
                 "currency, metal, or \"none\"");
}

static void test_lua_replay_paths_relative_to_scenario(void **state) {
    (void)state;
    char dir[400], path[600];
    snprintf(dir, sizeof dir, "%s/site", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/images", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    write_script("site/images/coco.json", "{}");
    write_script("site/labels.CSV", "");

    run_t r;
    load_text(&r, "site/replay.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
              "  replay = bl.replay{folder = 'images', annotations = 'images/coco.json'} }\n",
              NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    snprintf(path, sizeof path, "%s/images", dir);
    assert_string_equal(bl_detector_bench_of(&r.sc)->replay_folder, path);
    snprintf(path, sizeof path, "%s/images/coco.json", dir);
    assert_string_equal(bl_detector_bench_of(&r.sc)->replay_annotations, path);
    assert_true(bl_detector_bench_of(&r.sc)->replay_pixel_mm == 0); /* from the images */
    bl_scenario_free_contents(&r.sc);

    char text[1200];
    snprintf(text, sizeof text,
             "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
             "  replay = bl.replay{folder = '%s/images', annotations = 'labels.CSV',\n"
             "                     pixel_mm = 0.7} }\n",
             dir);
    load_text(&r, "site/abs.lua", text, NULL, NULL);
    assert_int_equal(r.rc, 0);
    snprintf(path, sizeof path, "%s/images", dir); /* absolute: as given */
    assert_string_equal(bl_detector_bench_of(&r.sc)->replay_folder, path);
    snprintf(path, sizeof path, "%s/labels.CSV", dir);
    assert_string_equal(bl_detector_bench_of(&r.sc)->replay_annotations, path);
    assert_true(bl_detector_bench_of(&r.sc)->replay_pixel_mm == 0.7);
    bl_scenario_free_contents(&r.sc);

    /* relative to the scenario, not to where borderlab runs */
    load_text(&r, "other.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
              "  replay = bl.replay{folder = 'images', annotations = 'images/coco.json'} }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "No such file or directory"));
    expect_error(&r, BL_ELUA, "other.lua:2: bl.replay: folder = 'images' (");
    load_text(&r, "site/ext.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}},\n"
              "  replay = bl.replay{folder = 'images', annotations = 'images'} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "ext.lua:2: bl.replay: annotations = 'images': give a COCO .json");
    load_text(&r, "site/both.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}}, scans = 10,\n"
              "  replay = bl.replay{folder = 'images', annotations = 'images/coco.json'} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "both.lua: bl.detector_bench: scans= counts generated scans");
    load_text(&r, "site/gen.lua",
              "return bl.detector_bench{ detectors = {bl.plugin{'density'}}, generator = "
              "bl.xray{},\n"
              "  replay = bl.replay{folder = 'images', annotations = 'images/coco.json'} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "gen.lua: bl.detector_bench: give generator= (bl.xray{...}) or");
    load_text(&r, "site/nofolder.lua", "local r = bl.replay{annotations = 'a.csv'}\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "nofolder.lua:1: bl.replay: folder= must be a path");
    load_text(&r, "site/size.lua",
              "local r = bl.replay{folder = 'images', annotations = 'a.csv', pixel_mm = 0}\n", NULL,
              NULL);
    expect_error(&r, BL_ELUA, "size.lua:1: bl.replay: pixel_mm must be the size of a pixel in mm");
    load_text(&r, "site/size2.lua",
              "local r = bl.replay{folder = 'images', annotations = 'a.csv', pixel_mm = '5'}\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "size2.lua:1: bl.replay: pixel_mm must be a number");
}

static void test_lua_detector_bench_without_detectors_errors(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "nodet.lua", "return bl.detector_bench{ scans = 10 }\n", NULL, NULL);
    assert_non_null(strstr(r.err.message, "detectors = {bl.plugin{\"dual_energy\"}"));
    expect_error(&r, BL_ELUA,
                 "nodet.lua: bl.detector_bench: detectors= needs a list of at least one detector");
    load_text(&r, "empty.lua", "local j = bl.detector_bench{ detectors = {} }\nreturn j\n", NULL,
              NULL);
    expect_error(&r, BL_ELUA, "empty.lua:1: bl.detector_bench: detectors= needs a list");
    load_text(&r, "str.lua",
              "local j = bl.detector_bench{ detectors = {bl.plugin{'density'}, 'dual_energy'} }\n"
              "return j\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "str.lua:1: bl.detector_bench: detectors[2] must be bl.plugin{\"name or "
                 "file.so\", ...} (got 'dual_energy')");
}

static void test_lua_detector_bench_bad_settings_error(void **state) {
    (void)state;
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"intervals = 'exact'", "bench.lua:1: bl.detector_bench: intervals must be 'wilson' or "
                                "'clopper-pearson' (got 'exact')"},
        {"threshold = 2", "bench.lua:1: bl.detector_bench: threshold must be a confidence"},
        {"batch = 0", "bench.lua:1: bl.detector_bench: batch must be an integer from 1"},
        {"scans = 2.5", "bench.lua:1: bl.detector_bench: scans must be an integer"},
        {"generator = bl.replay{folder = 'a', annotations = 'b.csv'}",
         "bench.lua:1: bl.detector_bench: generator must be bl.xray{...}"},
        {"performance = {offline = {batch_sizes = {1, 2, 3, 4, 5, 6, 7, 8, 9}}}",
         "bench.lua:1: bl.detector_bench: performance.offline: batch_sizes lists 9 values; at "
         "most 8"},
        {"performance = {offline = {threads = {1, 2, 1}}}",
         "performance.offline: threads lists 1 twice"},
        {"performance = {offline = {threads = {}}}",
         "performance.offline: threads must be a list of integers such as {1, 16, 64} (got an "
         "empty list)"},
        {"performance = {offline = {batch_sizes = {1, 0.5}}}",
         "performance.offline: batch_sizes[2] must be an integer from 1 to 65536 (got 0.5)"},
        {"performance = {server = {rate = 50}}", "performance.server: p99_bound= is required"},
        {"performance = {server = {p99_bound = 0.1, queries = 10}}",
         "performance.server: rate= is required"},
        {"performance = {pool = 0}", "bench.lua:1: bl.detector_bench: performance: pool must be"},
        {"performance = {offline = {batch = 4}}",
         "bl.detector_bench: performance.offline: unknown field 'batch'"},
        {"performance = {sever = {}}", "performance: unknown field 'sever'; did you mean "
                                       "'server'?"},
        {"scnas = 10", "bl.detector_bench: unknown field 'scnas'; did you mean 'scans'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[600];
        snprintf(text, sizeof text,
                 "local j = bl.detector_bench{ detectors = {bl.plugin{'density'}}, %s }\n"
                 "return j\n",
                 cases[i].body);
        run_t r;
        load_text(&r, "bench.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_detector_bench_converts),
        cmocka_unit_test(test_lua_detector_bench_defaults),
        cmocka_unit_test(test_lua_xray_unknown_threat_lists_names),
        cmocka_unit_test(test_lua_replay_paths_relative_to_scenario),
        cmocka_unit_test(test_lua_detector_bench_without_detectors_errors),
        cmocka_unit_test(test_lua_detector_bench_bad_settings_error),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, lua_teardown_dir);
}
