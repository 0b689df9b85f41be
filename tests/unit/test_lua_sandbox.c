/*
 * Scenario loading in general (core/scenario/scenario_lua.c, lua_bl.c,
 * lua/borderlab): the sandbox (no os, io, package, debug, C modules or
 * binary chunks), errors that carry file:line, missing files, --set
 * parameters and --seed, a reproducible math.random, and every shipped
 * scenario (found under $top_srcdir, default: $top_builddir, then ".")
 * loading.  Scripts are written to a temporary folder, loaded, and the
 * resulting bl_scenario_t (or the error) is checked.
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

#include "jobs/detector/detector_bench.h"
#include "jobs/jobs.h"
#include "jobs/risk/risk_validation.h"
#include "lua_fixtures.h"
#include "test_util.h"

/* Scripts go under $top_builddir/tests/out/test_lua_sandbox.XXXXXX. */
static int setup(void **state) { return lua_setup_dir(state, "test_lua_sandbox"); }

static void test_lua_set_overrides_parameters(void **state) {
    (void)state;
    run_t r;
    const char *sets[] = {"servers=12", "fast=yes", "label=hello world", "rate=0.5", NULL};
    load_text(&r, "full.lua", full, sets, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.sc.stations[0].servers, 12);
    assert_float_equal(r.sc.classes[0].arrivals.rates[0], 0.5 / 3600, 1e-15);
    assert_string_equal(r.sc.params[0].value, "true");
    assert_true(r.sc.params[0].overridden);
    assert_string_equal(r.sc.params[1].value, "hello world");
    assert_string_equal(r.sc.params[2].value, "0.5");
    assert_string_equal(r.sc.params[3].value, "12");
    assert_true(r.sc.params[3].overridden);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_set_unknown_key_lists_parameters(void **state) {
    (void)state;
    run_t r;
    const char *sets[] = {"sevrers=4", NULL};
    load_text(&r, "full.lua", full, sets, NULL);
    expect_error(&r, BL_EINVAL, "--set sevrers=4: the scenario ");
    load_text(&r, "full.lua", full, sets, NULL);
    expect_error(&r, BL_EINVAL,
                 "declares no parameter 'sevrers'; its parameters are: fast, "
                 "label, rate, servers");
    load_text(&r, "nop.lua", JOB("bl.station{'a', servers = 1, service = 1}"), sets, NULL);
    expect_error(&r, BL_EINVAL, "nop.lua declares no parameters");
}

static void test_lua_set_wrong_type_errors(void **state) {
    (void)state;
    run_t r;
    const char *sets[] = {"servers=abc", NULL};
    load_text(&r, "full.lua", full, sets, NULL);
    expect_error(&r, BL_EINVAL, "--set servers=abc: parameter servers is a number");
    const char *partial[] = {"servers=12x", NULL};
    load_text(&r, "full.lua", full, partial, NULL);
    expect_error(&r, BL_EINVAL, "parameter servers is a number");
    const char *flag[] = {"fast=maybe", NULL};
    load_text(&r, "full.lua", full, flag, NULL);
    expect_error(&r, BL_EINVAL, "--set fast=maybe: parameter fast is a boolean");
    /* a script cannot swallow the error with pcall */
    load_text(&r, "catch.lua",
              "pcall(bl.parameters, {n = 1})\n" JOB("bl.station{'a', servers = 1, service = 1}"),
              (const char *[]){"n=x", NULL}, NULL);
    expect_error(&r, BL_EINVAL, "--set n=x: parameter n is a number");
}

static void test_lua_seed_option_overrides(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "full.lua", full, NULL, (const uint64_t[]){99});
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.sc.seed, 99);
    bl_scenario_free_contents(&r.sc);
    load_text(&r, "seed.lua", JOB("bl.station{'a', servers = 1, service = 1}"), NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.sc.seed, 1);         /* default */
    assert_string_equal(r.sc.name, "seed"); /* default: the file's name */
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_syntax_error_has_file_line(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "bad.lua", "local x = 1\n\nlocal y = = 2\n", NULL, NULL);
    assert_non_null(strstr(r.err.message, "near"));
    expect_error(&r, BL_ELUA, "bad.lua:3:");
}

static void test_lua_runtime_error_has_file_line(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "rt.lua", "local t = nil\nlocal function f() return t.x end\nreturn f()\n", NULL,
              NULL);
    assert_non_null(strstr(r.err.message, "attempt to index"));
    expect_error(&r, BL_ELUA, "rt.lua:2:");
    load_text(&r, "dist.lua", "\nlocal d = bl.exponential{mean = -1}\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "dist.lua:2: exponential: mean must be > 0");
}

static void test_lua_missing_file_is_not_found(void **state) {
    (void)state;
    bl_scenario_t sc;
    bl_error_t err;
    memset(&sc, 0, sizeof sc);
    bl_error_clear(&err);
    assert_int_equal(bl_jobs_load_scenario(&sc, "scenarios/nope.lua", NULL, &err), BL_ENOTFOUND);
    assert_string_equal(err.message, "scenario scenarios/nope.lua: No such file or directory");
    bl_scenario_free_contents(&sc);
}

static void test_lua_sandbox_refuses_os_io_package(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "os.lua", "\nos.execute('touch /tmp/bl_pwned')\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "os.lua:2: 'os' is not available in a scenario");
    load_text(&r, "io.lua", "io.open('/etc/passwd')\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "io.lua:1: 'io' is not available in a scenario");
    load_text(&r, "popen.lua", "\nlocal p = io.popen\np('id')\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "popen.lua:2: 'io' is not available in a scenario");
    load_text(&r, "pkg.lua", "package.loadlib('libc.so.6', 'system')\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "pkg.lua:1: 'package' is not available in a scenario");
    load_text(&r, "dbg.lua",
              "for _, name in ipairs{'os', 'io', 'package', 'debug', 'dofile', 'loadfile', "
              "'collectgarbage'} do assert(rawget(_ENV, name) == nil, name) end\n"
              "assert(string.dump == nil)\n"
              "debug.getinfo(1)\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "dbg.lua:3: 'debug' is not available in a scenario");
    /* an unknown global is still plain nil */
    load_text(&r, "nil.lua", "\nlocal y = no_such_global.x\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "nil.lua:2: attempt to index a nil value (global 'no_such_global')");
    /* not through the metatable of strings either */
    load_text(&r, "gmt.lua", "local d = ('').dump\nd(print)\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "gmt.lua:2: attempt to call a nil value");
}

static void test_lua_sandbox_refuses_c_modules_and_binary_chunks(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "req.lua", "\nrequire 'os'\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "req.lua:2: require 'os': a scenario can only require the borderlab");
    load_text(&r, "req2.lua", "require 'lfs'\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "req2.lua:1: require 'lfs'");
    load_text(&r, "bin.lua", "assert(load('\\27LuaT\\0', 'x', 'b'))\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "bin.lua:1: attempt to load a binary chunk");
    /* the embedded modules are allowed, and `load` of text sees the sandbox */
    load_text(
        &r, "ok.lua",
        "assert(require 'borderlab' == bl)\n"
        "assert(load('return rawget(_ENV, \\'os\\')')() == nil)\n"
        "assert(load('return bl')() == bl)\n" JOB("bl.station{'a', servers = 1, service = 1}"),
        NULL, NULL);
    assert_int_equal(r.rc, 0);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_random_is_reproducible(void **state) {
    (void)state;
    static const char text[] =
        "local t = {}\n"
        "for i = 1, 4 do t[i] = tostring(math.random(1, 1000000)) end\n"
        "t[5] = string.format('%.6f', math.random())\n"
        "return bl.checkpoint{ name = table.concat(t, ','), max_entities = 1,\n"
        "  arrivals = bl.poisson{rate = 1}, stations = {bl.station{'a', servers = 1, service = "
        "1}} }\n";
    run_t a, b, c;
    load_text(&a, "rnd.lua", text, NULL, (const uint64_t[]){5});
    load_text(&b, "rnd.lua", text, NULL, (const uint64_t[]){5});
    load_text(&c, "rnd.lua", text, NULL, (const uint64_t[]){6});
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 0);
    assert_string_equal(a.sc.name, b.sc.name);
    assert_string_not_equal(a.sc.name, c.sc.name);
    bl_scenario_free_contents(&a.sc);
    bl_scenario_free_contents(&b.sc);
    bl_scenario_free_contents(&c.sc);
}

static void load_shipped(const char *rel, bl_scenario_t *sc) {
    char path[1024];
    tu_srcdir_path(path, sizeof path, rel);
    bl_error_t err;
    bl_error_clear(&err);
    memset(sc, 0, sizeof *sc);
    int rc = bl_jobs_load_scenario(sc, path, NULL, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
}

static void test_lua_shipped_scenarios_load(void **state) {
    (void)state;
    bl_scenario_t sc;
    load_shipped("scenarios/validation/mmc.lua", &sc);
    assert_string_equal(sc.name, "mmc");
    assert_int_equal(sc.seed, 2026);
    assert_int_equal(sc.replications, 20);
    assert_int_equal(sc.max_entities, 220000);
    assert_int_equal(sc.warmup_entities, 20000);
    assert_false(sc.entity_table);
    assert_int_equal(sc.n_classes, 1);
    assert_string_equal(sc.classes[0].name, "traveller");
    assert_float_equal(sc.classes[0].arrivals.rates[0], 9, 0);
    assert_int_equal(sc.classes[0].population.n_contraband, 0);
    assert_int_equal(sc.n_attributes, 0);
    assert_int_equal(sc.n_stations, 1);
    assert_int_equal(sc.stations[0].servers, 10);
    assert_int_equal(sc.stations[0].service.kind, BL_DIST_EXPONENTIAL);
    assert_float_equal(sc.stations[0].service.a, 1, 0);
    assert_int_equal(sc.stations[0].next.target[0], BL_EXIT);
    bl_scenario_free_contents(&sc);

    load_shipped("scenarios/quickstart.lua", &sc);
    assert_string_equal(sc.name, "quickstart");
    assert_int_equal(sc.n_stations, 4);
    assert_int_equal(sc.stations[1].kind, BL_STATION_RISK);
    assert_int_equal(sc.stations[2].kind, BL_STATION_SCAN);
    assert_int_equal(sc.stations[3].kind, BL_STATION_SEARCH);
    assert_non_null(sc.plugins[BL_ROLE_RISK].spec);
    assert_non_null(sc.plugins[BL_ROLE_DETECTOR].spec);
    assert_non_null(sc.plugins[BL_ROLE_STORE].spec);
    assert_int_equal(sc.n_classes, 1);
    assert_int_equal(sc.classes[0].population.n_attributes, 3);
    assert_int_equal(sc.n_attributes, 3);
    assert_string_equal(sc.attributes[2], "travel_hours");
    assert_int_equal(sc.n_contraband_kinds, 4);
    assert_string_equal(sc.contraband_kinds[2], "currency");
    assert_int_equal(sc.classes[0].population.contraband[3].threat, BL_THREAT_FIREARM);
    assert_true(sc.entity_table);
    bl_scenario_free_contents(&sc);

    load_shipped("scenarios/xray_bench.lua", &sc);
    assert_string_equal(sc.name, "xray_bench");
    assert_ptr_equal(sc.kind, &bl_detector_bench_kind);
    assert_int_equal(sc.replications, 1);
    assert_int_equal(bl_detector_bench_of(&sc)->scans, 5000);
    assert_int_equal(bl_detector_bench_of(&sc)->xray.width, 512);
    assert_int_equal(bl_detector_bench_of(&sc)->xray.height, 512);
    assert_int_equal(bl_detector_bench_of(&sc)->xray.subject, BL_SUBJECT_BAG);
    assert_true(bl_detector_bench_of(&sc)->xray.dual_energy);
    assert_int_equal(bl_detector_bench_of(&sc)->n_detectors, 2);
    assert_string_equal(bl_detector_bench_of(&sc)->detectors[0].spec, "dual_energy");
    assert_string_equal(bl_detector_bench_of(&sc)->detectors[1].spec, "density");
    assert_true(bl_detector_bench_of(&sc)->offline_scans > 0);
    assert_true(bl_detector_bench_of(&sc)->single_stream_queries > 0);
    assert_true(bl_detector_bench_of(&sc)->server_queries > 0);
    bl_scenario_free_contents(&sc);

    load_shipped("scenarios/cargo_risk.lua", &sc);
    assert_string_equal(sc.name, "cargo_risk");
    assert_ptr_equal(sc.kind, &bl_risk_validation_kind);
    assert_int_equal(sc.seed, 2026);
    const bl_risk_validation_t *v = bl_risk_validation_of(&sc);
    assert_null(v->csv_path);
    assert_int_equal(v->generator.records, 200000);
    assert_int_equal(v->generator.world_seed, 7); /* the world the xgboost model was trained on */
    assert_int_equal(v->n_models, 3);
    assert_string_equal(v->models[0].spec, "xgboost");
    assert_string_equal(v->models[1].spec, "logistic");
    assert_string_equal(v->models[2].spec, "rules");
    for (size_t i = 0; i < v->n_models; i++) /* every file found from the scenario's folder */
        for (size_t k = 0; k < v->models[i].n_config; k++) {
            struct stat st;
            assert_non_null(strstr(v->models[i].config_values[k], "scenarios/models/cargo_"));
            assert_int_equal(stat(v->models[i].config_values[k], &st), 0);
        }
    assert_int_equal(v->n_rates, 4);
    assert_true(v->n_breakdown > 0);
    assert_true(v->weekly_rate > 0);
    assert_true(v->n_gates > 0);
    assert_null(v->gates[0].model);
    bl_scenario_free_contents(&sc);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_set_overrides_parameters),
        cmocka_unit_test(test_lua_set_unknown_key_lists_parameters),
        cmocka_unit_test(test_lua_set_wrong_type_errors),
        cmocka_unit_test(test_lua_seed_option_overrides),
        cmocka_unit_test(test_lua_syntax_error_has_file_line),
        cmocka_unit_test(test_lua_runtime_error_has_file_line),
        cmocka_unit_test(test_lua_missing_file_is_not_found),
        cmocka_unit_test(test_lua_sandbox_refuses_os_io_package),
        cmocka_unit_test(test_lua_sandbox_refuses_c_modules_and_binary_chunks),
        cmocka_unit_test(test_lua_random_is_reproducible),
        cmocka_unit_test(test_lua_shipped_scenarios_load),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, lua_teardown_dir);
}
