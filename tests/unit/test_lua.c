/*
 * Scenario loading (core/scenario_lua.c, core/lua_bl.c, lua/borderlab):
 * scripts are written to a temporary folder, loaded, and the resulting
 * bl_scenario_t (or the error) is checked.  The shipped scenarios are
 * found under $top_srcdir (default: $top_builddir, then ".").  The
 * detector_bench tests use xray.c's defaults and validation, so they run
 * against the real generator settings; the risk_validation tests use
 * declaration_gen.c's defaults and validation likewise.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/jobs.h"
#include "io/csv_reader.h"
#include "jobs/detector/detector_bench.h"
#include "jobs/risk/risk_validation.h"
#include "scenario/scenario_lua.h"
#include "test_util.h"
#include "gen/xray.h"

static char *tmpdir; /* tests write under the build tree */

static int setup_dir(void **state) {
    (void)state;
    tmpdir = tu_tempdir_new("test_lua");
    return tmpdir != NULL ? 0 : -1;
}

static int teardown_dir(void **state) {
    (void)state;
    tu_tempdir_free(tmpdir);
    tmpdir = NULL;
    return 0;
}

/* Write text to tmpdir/name; the path is returned in a static buffer. */
static const char *write_script(const char *name, const char *text) {
    static char path[512];
    tu_write_file(tu_path_in(path, sizeof path, tmpdir, name), text);
    return path;
}

typedef struct run {
    bl_scenario_t sc;
    bl_error_t err;
    int rc;
} run_t;

/* Load text as a scenario with --set pairs ("k=v" strings, NULL-ended). */
static void load_text(run_t *r, const char *name, const char *text, const char *const *sets,
                      const uint64_t *seed) {
    const char *keys[8], *values[8];
    char buf[8][128];
    size_t n = 0;
    for (; sets != NULL && sets[n] != NULL; n++) {
        snprintf(buf[n], sizeof buf[n], "%s", sets[n]);
        char *eq = strchr(buf[n], '=');
        assert_non_null(eq);
        *eq = '\0';
        keys[n] = buf[n];
        values[n] = eq + 1;
    }
    bl_scenario_options_t opts = {.n_sets = n, .set_keys = keys, .set_values = values};
    if (seed != NULL) {
        opts.has_seed = true;
        opts.seed = *seed;
    }
    memset(r, 0, sizeof *r);
    bl_error_clear(&r->err);
    r->rc = bl_jobs_load_scenario(&r->sc, write_script(name, text), &opts, &r->err);
}

static void expect_error(run_t *r, int code, const char *needle) {
    if (r->rc != code || strstr(r->err.message, needle) == NULL)
        print_error("expected %d with \"%s\", got %d: %s\n", code, needle, r->rc, r->err.message);
    assert_int_equal(r->rc, code);
    assert_non_null(strstr(r->err.message, needle));
    bl_scenario_free_contents(&r->sc);
}

/* A minimal valid job around the given stations text. */
#define JOB(stations)                                                                              \
    "return bl.checkpoint{ max_entities = 10, arrivals = bl.poisson{rate = 1},\n"                  \
    "  stations = {" stations "} }\n"

static const char full[] =
    "local P = bl.parameters{ servers = 3, label = 'x', fast = false, rate = 120 }\n" /* 1 */
    "local s = bl.exponential{mean = bl.seconds(30)}\n"
    "return bl.checkpoint{\n"
    "  name = 'full', seed = 7, replications = 3, duration = bl.hours(2),\n"
    "  warmup = {time = bl.minutes(10)}, entity_table = true,\n" /* 5 */
    "  arrivals = bl.poisson{profile = {bl.per_hour(P.rate), bl.per_hour(240), 0},\n"
    "                        step = bl.hours(1), periodic = false},\n"
    "  population = bl.population{ carriers = 0.05,\n"
    "    contraband = { {'cigarettes', share = 3, value = 500, quantity = 10, unit = 'carton'},\n"
    "                   {'drugs', share = 1} },\n" /* 10 */
    "    attributes = { {'trips', clean = bl.exponential{rate = 0.5}, carrier = "
    "bl.gamma{shape = 2, rate = 0.25}},\n"
    "                   {'age', all = bl.uniform{low = 18, high = 80}} } },\n"
    "  stations = {\n"
    "    bl.station{'doc', servers = P.servers, service = s},\n"
    "    bl.risk_check{'risk', threshold = 0.3, selected = 'xray'},\n" /* 15 */
    "    bl.station{'triage', servers = 1, service = bl.deterministic(5),\n"
    "               next = bl.route{{'xray', 0.25}, {'exit', 0.75}}},\n"
    "    bl.scan{'xray', servers = 2, service = bl.lognormal{mean = 60, sd = 20}, alarm = "
    "'search'},\n"
    "    bl.search{'search', servers = 1, service = bl.empirical{values = {1, 2}, weights = {1, "
    "3}},\n"
    "              find_probability = 0.9},\n" /* 20 */
    "  },\n"
    "  plugins = { risk = bl.plugin{'logistic', intercept = -2, weights = {age = 0.5, trips = "
    "0.1}},\n"
    "              detector = bl.plugin{'dual_energy', min_area = 12, verbose = true},\n"
    "              store = bl.plugin{'memory'} },\n"
    "  scan = {width = 32},\n"
    "}\n";

static void test_lua_valid_scenario_converts(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "full.lua", full, NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_scenario_t *sc = &r.sc;
    assert_string_equal(sc->name, "full");
    assert_non_null(strstr(sc->path, "full.lua"));
    assert_non_null(strstr(sc->source, "bl.checkpoint"));
    assert_ptr_equal(sc->kind, &bl_checkpoint_kind);
    assert_int_equal(sc->seed, 7);
    assert_int_equal(sc->replications, 3);
    assert_float_equal(sc->duration, 7200, 1e-9);
    assert_int_equal(sc->max_entities, 0);
    assert_float_equal(sc->warmup_time, 600, 1e-9);
    assert_true(sc->entity_table);
    assert_int_equal(sc->scan.width, 32);
    assert_int_equal(sc->scan.height, 64);
    assert_float_equal(sc->scan.pixel_mm, 0, 0); /* fit the bag */

    assert_int_equal(sc->replay.n, 0);
    assert_false(sc->sequential.enabled);
    assert_float_equal(sc->series_step, 60, 0); /* default */
    assert_null(sc->surrogate.path);
    assert_int_equal(sc->n_classes, 1); /* legacy arrivals= + population= */
    bl_entity_class_t *cls = &sc->classes[0];
    assert_string_equal(cls->name, "traveller");
    assert_int_equal(cls->first_station, 0);
    assert_int_equal(cls->priority, 0);
    assert_int_equal(cls->group.kind, 0);
    assert_int_equal(cls->occupants.kind, 0);
    assert_int_equal(cls->arrivals.n_segments, 3);
    assert_float_equal(cls->arrivals.rates[0], 120.0 / 3600, 1e-12);
    assert_float_equal(cls->arrivals.rates[1], 240.0 / 3600, 1e-12);
    assert_float_equal(cls->arrivals.rates[2], 0, 0);
    assert_float_equal(cls->arrivals.step, 3600, 0);
    assert_false(cls->arrivals.periodic);
    assert_int_equal(sc->n_attributes, 2);
    assert_string_equal(sc->attributes[0], "trips");
    assert_string_equal(sc->attributes[1], "age");
    assert_int_equal(sc->n_contraband_kinds, 2);
    assert_string_equal(sc->contraband_kinds[0], "cigarettes");
    assert_string_equal(sc->contraband_kinds[1], "drugs");

    bl_population_t *p = &cls->population;
    assert_float_equal(p->carrier_share, 0.05, 1e-12);
    assert_int_equal(p->n_contraband, 2);
    assert_int_equal(p->contraband[0].threat, BL_THREAT_CIGARETTES);
    assert_string_equal(p->contraband[0].name, "cigarettes");
    assert_int_equal(p->contraband[0].kind, 0);
    assert_int_equal(p->contraband[1].kind, 1);
    assert_int_equal(p->contraband[0].n_concealments, 0);
    assert_float_equal(p->contraband[0].share, 0.75, 1e-12);
    assert_float_equal(p->contraband[0].value, 500, 0);
    assert_string_equal(p->contraband[0].unit, "carton");
    assert_int_equal(p->contraband[1].threat, BL_THREAT_DRUGS);
    assert_float_equal(p->contraband[1].share, 0.25, 1e-12);
    assert_int_equal(p->n_attributes, 2);
    assert_string_equal(p->attributes[0].name, "trips");
    assert_int_equal(p->attributes[0].clean.kind, BL_DIST_EXPONENTIAL);
    assert_float_equal(p->attributes[0].clean.a, 2, 1e-12);
    assert_int_equal(p->attributes[0].carrier.kind, BL_DIST_GAMMA);
    assert_float_equal(p->attributes[0].carrier.a, 2, 0);
    assert_float_equal(p->attributes[0].carrier.b, 4, 1e-12);
    assert_int_equal(p->attributes[1].clean.kind, BL_DIST_UNIFORM);
    assert_int_equal(p->attributes[1].carrier.kind, BL_DIST_UNIFORM);
    assert_float_equal(p->attributes[1].carrier.b, 80, 0);

    assert_int_equal(sc->n_stations, 5);
    bl_station_def_t *st = sc->stations;
    for (size_t i = 0; i < 5; i++) { /* none of the new options given */
        assert_int_equal(st[i].shifts.n, 0);
        assert_null(st[i].service_by_class);
        assert_int_equal(st[i].patience.kind, 0);
        assert_int_equal(st[i].on_renege, BL_EXIT);
        assert_float_equal(st[i].budget_per_hour, 0, 0);
    }
    assert_int_equal(st[2].next.kind, BL_ROUTE_PROBABILITY);
    assert_string_equal(st[0].name, "doc");
    assert_int_equal(st[0].kind, BL_STATION_SERVICE);
    assert_int_equal(st[0].servers, 3);
    assert_int_equal(st[0].line, 14);
    assert_int_equal(st[0].service.kind, BL_DIST_EXPONENTIAL);
    assert_float_equal(st[0].service.a, 30, 0);
    assert_int_equal(st[0].next.n, 1); /* default: the following station */
    assert_int_equal(st[0].next.target[0], 1);
    assert_int_equal(st[1].kind, BL_STATION_RISK);
    assert_int_equal(st[1].line, 15);
    assert_int_equal(st[1].service.kind, BL_DIST_DETERMINISTIC); /* default: no delay */
    assert_float_equal(st[1].service.a, 0, 0);
    assert_float_equal(st[1].threshold, 0.3, 0);
    assert_int_equal(st[1].on_yes, 3);
    assert_int_equal(st[1].on_no, 2);
    assert_int_equal(st[2].next.n, 2);
    assert_int_equal(st[2].next.target[0], 3);
    assert_int_equal(st[2].next.target[1], BL_EXIT);
    assert_float_equal(st[2].next.cum[0], 0.25, 1e-12);
    assert_float_equal(st[2].next.cum[1], 1, 0);
    assert_int_equal(st[2].service.kind, BL_DIST_DETERMINISTIC);
    assert_int_equal(st[3].kind, BL_STATION_SCAN);
    assert_int_equal(st[3].service.kind, BL_DIST_LOGNORMAL);
    assert_float_equal(st[3].threshold, 0.5, 0); /* default */
    assert_int_equal(st[3].on_yes, 4);
    assert_int_equal(st[3].on_no, 4);
    assert_int_equal(st[4].kind, BL_STATION_SEARCH);
    assert_int_equal(st[4].service.kind, BL_DIST_EMPIRICAL);
    assert_int_equal(st[4].service.n, 2);
    assert_float_equal(st[4].service.cum[0], 0.25, 1e-12);
    assert_float_equal(st[4].find_probability, 0.9, 0);
    assert_int_equal(st[4].on_yes, BL_EXIT); /* the last station: exit */
    assert_int_equal(st[4].on_no, BL_EXIT);

    bl_plugin_ref_t *risk = &sc->plugins[BL_ROLE_RISK];
    assert_string_equal(risk->spec, "logistic");
    assert_int_equal(risk->n_config, 3);
    assert_string_equal(risk->config_keys[0], "intercept");
    assert_string_equal(risk->config_values[0], "-2");
    assert_string_equal(risk->config_keys[1], "weights.age");
    assert_string_equal(risk->config_values[1], "0.5");
    assert_string_equal(risk->config_keys[2], "weights.trips");
    assert_string_equal(risk->config_values[2], "0.10000000000000001"); /* %.17g */
    bl_plugin_ref_t *det = &sc->plugins[BL_ROLE_DETECTOR];
    assert_string_equal(det->spec, "dual_energy");
    assert_int_equal(det->n_config, 2);
    assert_string_equal(det->config_keys[0], "min_area");
    assert_string_equal(det->config_values[0], "12");
    assert_string_equal(det->config_values[1], "true");
    assert_string_equal(sc->plugins[BL_ROLE_STORE].spec, "memory");
    assert_int_equal(sc->plugins[BL_ROLE_STORE].n_config, 0);

    assert_int_equal(sc->n_params, 4); /* sorted by name */
    assert_string_equal(sc->params[0].name, "fast");
    assert_string_equal(sc->params[0].value, "false");
    assert_string_equal(sc->params[1].name, "label");
    assert_string_equal(sc->params[1].value, "x");
    assert_string_equal(sc->params[3].name, "servers");
    assert_string_equal(sc->params[3].value, "3");
    assert_false(sc->params[3].overridden);
    bl_scenario_free_contents(sc);
}

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

static void test_lua_unknown_field_is_named(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "field.lua", JOB("\n bl.station{'a', sevrers = 1, service = 1}"), NULL, NULL);
    assert_non_null(strstr(r.err.message, "did you mean 'servers'?"));
    expect_error(&r, BL_ELUA, "field.lua:3: bl.station: unknown field 'sevrers'");
    load_text(&r, "field2.lua", "return bl.checkpoint{ duraton = 5 }\n", NULL, NULL);
    /* `return bl.checkpoint{...}` is a tail call: Lua keeps no line for it */
    expect_error(&r, BL_ELUA, "field2.lua: bl.checkpoint: unknown field 'duraton'");
}

static void test_lua_unknown_route_target_names_station(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "route.lua",
              JOB("bl.station{'doc', servers = 1, service = 1},\n"
                  "bl.scan{'xray', servers = 1, service = 1, alarm = 'serch'},\n"
                  "bl.search{'search', servers = 1, service = 1, find_probability = 1}") "",
              NULL, NULL);
    /* plugins missing too, but the route is checked first */
    expect_error(&r, BL_ELUA,
                 "route.lua:3: station 'xray': alarm = 'serch' is not a station (stations: doc, "
                 "xray, search; or 'exit')");
    load_text(&r, "route2.lua",
              JOB("bl.station{'doc', servers = 1, service = 1, next = bl.route{{'a', 0.5}, {'b', "
                  "0.5}}}"),
              NULL, NULL);
    expect_error(&r, BL_ELUA, "route2.lua:2: station 'doc': next = 'a' is not a station");
    load_text(&r, "dup.lua",
              JOB("bl.station{'a', servers = 1, service = 1}, bl.station{'a', servers = 1, "
                  "service = 1}"),
              NULL, NULL);
    expect_error(&r, BL_ELUA, "dup.lua:2: station 'a': a station with this name is already");
    load_text(&r, "srv.lua", JOB("bl.station{'a', servers = 1.5, service = 1}"), NULL, NULL);
    expect_error(&r, BL_ELUA, "srv.lua:2: station 'a': servers must be an integer");
}

static void test_lua_station_without_its_plugin_errors(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "risk.lua",
              JOB("bl.station{'doc', servers = 1, service = 1},\n"
                  "bl.risk_check{'risk', servers = 1, threshold = 0.5, selected = 'exit'}"),
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "plugins = {risk = bl.plugin{...}}"));
    expect_error(&r, BL_ELUA,
                 "risk.lua:3: station 'risk' is a bl.risk_check: it needs a risk model");
    load_text(&r, "scan.lua", JOB("bl.scan{'x', servers = 1, service = 1, alarm = 'exit'}"), NULL,
              NULL);
    expect_error(&r, BL_ELUA, "station 'x' is a bl.scan: it needs a detector");
}

static void test_lua_script_must_return_a_job(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "num.lua", "return 42\n", NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "num.lua: the script must return a job such as bl.checkpoint{...} "
                 "(it returned a number)");
    load_text(&r, "none.lua", "local x = 1\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "(it returned nothing)");
    load_text(&r, "st.lua", "return bl.station{'a', servers = 1, service = 1}\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "(it returned a station object)");
    load_text(&r, "stop.lua",
              "return bl.checkpoint{ arrivals = bl.poisson{rate = 1},\n"
              " stations = {bl.station{'a', servers = 1, service = 1}} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "stop.lua: bl.checkpoint: say when arrivals stop");
    load_text(&r, "stop2.lua",
              "local job = bl.checkpoint{ arrivals = bl.poisson{rate = 1},\n"
              " stations = {bl.station{'a', servers = 1, service = 1}} }\nreturn job\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "stop2.lua:1: bl.checkpoint: say when arrivals stop");
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
    assert_int_equal(b->pool, 64);
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

/* tmpdir/rel into out (n bytes). */
static const char *in_tmp(char *out, size_t n, const char *rel) {
    return tu_path_in(out, n, tmpdir, rel);
}

static void test_lua_risk_validation_converts(void **state) {
    (void)state;
    char path[600], text[2000];
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "cargo"), 0700), 0);
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "cargo/models"), 0700), 0);
    write_script("cargo/models/lr.json", "{}");
    write_script("cargo/models/xgb.json", "{}");
    write_script("cargo/models/enc.json", "{}");
    write_script("rules.lua", "return {}");
    snprintf(text, sizeof text,
             "local P = bl.parameters{ records = 5000 }\n"
             "local d = bl.declarations{ records = P.records, weeks = 10, seed_world = 3,\n"
             "  fraud_rate = 0.1, patterns = {undervaluation = 2, prohibited = 2},\n"
             "  critical = 0.6, unlabelled = 0.25, importers = 100, declaration_ids = false }\n"
             "return bl.risk_validation{ name = 'cargo', seed = 11, declarations = d,\n" /* 5 */
             "  models = { bl.plugin{'logistic', model = 'models/lr.json', intercept = 1},\n"
             "             bl.plugin{'rules', rules = '%s/rules.lua'},\n"
             "             bl.plugin{'xgboost', model = 'models/xgb.json',\n"
             "                       encoding = 'models/enc.json', nthread = 2} },\n"
             "  breakdown = {'origin', 'hs_code'}, weekly_rate = 5, batch = 1024,\n" /* 10 */
             "  bootstrap = 200,\n"
             "  gate = { ['precision@5'] = 0.2, auc = 0.7, ['logistic:recall@10'] = 0.3,\n"
             "           ['xgboost:pr_auc'] = 0.1, ['revenue@2.0'] = 0.05 } }\n",
             tmpdir);
    run_t r;
    load_text(&r, "cargo/risk.lua", text, NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_scenario_t *sc = &r.sc;
    assert_ptr_equal(sc->kind, &bl_risk_validation_kind);
    assert_string_equal(sc->name, "cargo");
    assert_int_equal(sc->seed, 11);
    assert_int_equal(sc->replications, 1);
    bl_risk_validation_t *v = bl_risk_validation_of(sc);
    assert_non_null(v);

    /* the generator: the fields given, declaration_gen.c's defaults for the rest */
    const bl_declaration_gen_config_t *g = &v->generator;
    bl_declaration_gen_config_t def;
    bl_declaration_gen_config_default(&def);
    assert_int_equal(g->records, 5000);
    assert_int_equal(g->weeks, 10);
    assert_int_equal(g->world_seed, 3);
    assert_float_equal(g->fraud_rate, 0.1, 0);
    assert_float_equal(g->undervaluation_share, 0.5, 1e-15); /* weights, normalised */
    assert_float_equal(g->misclassification_share, 0, 0);    /* not listed: 0 */
    assert_float_equal(g->false_origin_share, 0, 0);
    assert_float_equal(g->prohibited_share, 0.5, 1e-15);
    assert_float_equal(g->critical_share, 0.6, 0);
    assert_float_equal(g->unlabelled_share, 0.25, 0);
    assert_int_equal(g->importers, 100);
    assert_int_equal(g->declaration_ids, 0);
    assert_int_equal(g->declarants, def.declarants);
    assert_float_equal(g->seasonal_amplitude, def.seasonal_amplitude, 0);
    assert_true(g->hs == def.hs && g->n_hs == def.n_hs);
    assert_null(v->csv_path);

    /* models, with their file paths from the scenario's folder */
    assert_int_equal(v->n_models, 3);
    assert_string_equal(v->models[0].spec, "logistic");
    assert_int_equal(v->models[0].n_config, 2);
    assert_string_equal(v->models[0].config_keys[0], "intercept");
    assert_string_equal(v->models[0].config_values[0], "1");
    assert_string_equal(v->models[0].config_keys[1], "model");
    assert_string_equal(v->models[0].config_values[1],
                        in_tmp(path, sizeof path, "cargo/models/lr.json"));
    assert_string_equal(v->models[1].spec, "rules");
    assert_string_equal(v->models[1].config_values[0], in_tmp(path, sizeof path, "rules.lua"));
    assert_string_equal(v->models[2].spec, "xgboost");
    assert_int_equal(v->models[2].n_config, 3);
    assert_string_equal(v->models[2].config_keys[0], "encoding");
    assert_string_equal(v->models[2].config_values[0],
                        in_tmp(path, sizeof path, "cargo/models/enc.json"));
    assert_string_equal(v->models[2].config_values[1],
                        in_tmp(path, sizeof path, "cargo/models/xgb.json"));
    assert_string_equal(v->models[2].config_keys[2], "nthread");
    assert_string_equal(v->models[2].config_values[2], "2"); /* not a file key: as given */

    assert_int_equal(v->n_rates, 4); /* the default */
    assert_float_equal(v->rates[0], 1, 0);
    assert_float_equal(v->rates[1], 2, 0);
    assert_float_equal(v->rates[2], 5, 0);
    assert_float_equal(v->rates[3], 10, 0);
    assert_int_equal(v->n_breakdown, 2);
    assert_string_equal(v->breakdown[0], "origin");
    assert_string_equal(v->breakdown[1], "hs_code");
    assert_float_equal(v->weekly_rate, 5, 0);
    assert_int_equal(v->batch, 1024);
    assert_int_equal(v->bootstrap, 200);

    /* gates in the order of their keys; "[model:]metric" split */
    assert_int_equal(v->n_gates, 5);
    assert_null(v->gates[0].model);
    assert_string_equal(v->gates[0].metric, "auc");
    assert_float_equal(v->gates[0].bound, 0.7, 0);
    assert_string_equal(v->gates[1].model, "logistic");
    assert_string_equal(v->gates[1].metric, "recall@10");
    assert_float_equal(v->gates[1].bound, 0.3, 0);
    assert_null(v->gates[2].model);
    assert_string_equal(v->gates[2].metric, "precision@5");
    assert_float_equal(v->gates[2].bound, 0.2, 0);
    assert_null(v->gates[3].model);
    assert_string_equal(v->gates[3].metric, "revenue@2"); /* normalised */
    assert_string_equal(v->gates[4].model, "xgboost");
    assert_string_equal(v->gates[4].metric, "pr_auc");
    bl_scenario_free_contents(sc);

    /* the defaults: generator, batch, bootstrap, no weekly simulation, no gate */
    load_text(&r, "cargo/min.lua",
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    v = bl_risk_validation_of(&r.sc);
    assert_int_equal(v->generator.records, def.records);
    assert_float_equal(v->generator.undervaluation_share, def.undervaluation_share, 0);
    assert_int_equal(v->generator.world_seed, -1);
    assert_int_equal(v->batch, 4096);
    assert_int_equal(v->bootstrap, 1000);
    assert_float_equal(v->weekly_rate, 0, 0);
    assert_int_equal(v->n_gates, 0);
    assert_int_equal(v->n_breakdown, 0);
    assert_int_equal(v->n_rates, 4);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_risk_csv_source_converts(void **state) {
    (void)state;
    char path[600];
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "team"), 0700), 0);
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "team/data"), 0700), 0);
    write_script("team/data/decl.csv",
                 "id,declared value,origin,hs_code,fraud,revenue_at_stake,week,inspected\n"
                 "D1,120.5,CN,040210,1,30.2,0,1\n");
    run_t r;
    load_text(&r, "team/csv.lua",
              "local src = bl.csv{ path = 'data/decl.csv',\n"
              "  columns = { ['declared value'] = 'numeric', origin = 'categorical',\n"
              "              hs_code = 'categorical', id = 'identifier', week = 'numeric' },\n"
              "  label = 'fraud', revenue = 'revenue_at_stake', week = 'week',\n"
              "  labelled = 'inspected', on_bad_row = 'skip' }\n"
              "return bl.risk_validation{ declarations = src, rates = {1, 2.5},\n"
              "  models = {bl.plugin{'logistic', intercept = 0}}, breakdown = {'origin'},\n"
              "  weekly_rate = 2.5, gate = { ['revenue@2.5'] = 0.1 } }\n",
              NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_risk_validation_t *v = bl_risk_validation_of(&r.sc);
    assert_string_equal(v->csv_path, in_tmp(path, sizeof path, "team/data/decl.csv"));
    assert_int_equal(v->n_csv_columns, 5); /* by name */
    assert_string_equal(v->csv_names[0], "declared value");
    assert_int_equal(v->csv_types[0], BL_COLUMN_NUMERIC);
    assert_string_equal(v->csv_names[1], "hs_code");
    assert_int_equal(v->csv_types[1], BL_COLUMN_CATEGORICAL);
    assert_string_equal(v->csv_names[2], "id");
    assert_int_equal(v->csv_types[2], BL_COLUMN_IDENTIFIER);
    assert_string_equal(v->csv_names[3], "origin");
    assert_int_equal(v->csv_types[3], BL_COLUMN_CATEGORICAL);
    assert_string_equal(v->csv_names[4], "week"); /* a week may be a feature too */
    assert_string_equal(v->label_column, "fraud");
    assert_string_equal(v->revenue_column, "revenue_at_stake");
    assert_string_equal(v->week_column, "week");
    assert_string_equal(v->labelled_column, "inspected");
    assert_int_equal(v->on_bad_row, BL_CSV_SKIP_BAD_ROWS);
    assert_int_equal(v->n_rates, 2);
    assert_float_equal(v->rates[1], 2.5, 0);
    assert_string_equal(v->breakdown[0], "origin");
    assert_string_equal(v->gates[0].metric, "revenue@2.5");
    bl_scenario_free_contents(&r.sc);

    /* only label= is required; failing on bad rows is the default */
    load_text(&r, "team/min.lua",
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}},\n"
              "  declarations = bl.csv{path = 'data/decl.csv', columns = {origin = "
              "'categorical'}, label = 'fraud'} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(bl_risk_validation_of(&r.sc)->on_bad_row, BL_CSV_FAIL_ON_BAD_ROWS);
    assert_null(bl_risk_validation_of(&r.sc)->revenue_column);
    assert_null(bl_risk_validation_of(&r.sc)->week_column);
    bl_scenario_free_contents(&r.sc);

    static const struct {
        const char *csv, *job, *needle;
    } cases[] = {
        {"path = 'data/nope.csv', columns = {origin = 'categorical'}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: path = 'data/nope.csv' ("},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', weight = 'numeric'}, "
         "label = 'fraud'",
         "", "csv.lua:2: bl.csv: "},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', fraud = 'numeric'}, "
         "label = 'fraud'",
         "", "csv.lua:2: bl.csv: 'fraud' is the label column, which models must not see"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}", "",
         "csv.lua:2: bl.csv: label= is required"},
        {"path = 'data/decl.csv', columns = {}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: columns= lists no column"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}, label = 'fraud'",
         "weekly_rate = 5,", "csv.lua:3: bl.risk_validation: weekly_rate = 5 needs the week"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', id = 'identifier'}, "
         "label = 'fraud'",
         "breakdown = {'id'},",
         "csv.lua:3: bl.risk_validation: breakdown[1] = 'id' is not a categorical column (the "
         "columns given categorical: origin)"},
        {"path = 'data/decl.csv', columns = {origin = 'text'}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: columns['origin'] = 'text': the type is 'numeric', 'categorical' or "
         "'identifier'"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}, label = 'fraud', "
         "on_bad_row = 'ignore'",
         "", "csv.lua:2: bl.csv: on_bad_row must be 'fail' or 'skip' (got 'ignore')"},
        {"path = 'data/decl.csv', colums = {}", "",
         "csv.lua:2: bl.csv: unknown field 'colums'; "
         "did you mean 'columns'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1200];
        snprintf(text, sizeof text,
                 "local m = {bl.plugin{'logistic', intercept = 0}}\n"
                 "local src = bl.csv{ %s }\n"
                 "local j = bl.risk_validation{ models = m, declarations = src, %s }\n"
                 "return j\n",
                 cases[i].csv, cases[i].job);
        load_text(&r, "team/csv.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    /* bl_csv_open's own message: the header's names */
    load_text(&r, "team/hdr.lua",
              "local src = bl.csv{ path = 'data/decl.csv', label = 'fraud',\n"
              "  columns = {weight = 'numeric'} }\n"
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}}, "
              "declarations = src }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "weight"));
    expect_error(&r, BL_ELUA, "hdr.lua:1: bl.csv: ");
}

static void test_lua_risk_validation_bad_settings_error(void **state) {
    (void)state;
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"gate = {['precision@3'] = 0.2}",
         "risk.lua:1: bl.risk_validation: gate 'precision@3': 3% is not one of the rates "
         "measured (1, 2, 5, 10)"},
        {"rates = {1, 2.5}, gate = {['recall@5'] = 0.2}",
         "gate 'recall@5': 5% is not one of the rates measured (1, 2.5)"},
        {"gate = {['f1@5'] = 0.2}", "risk.lua:1: bl.risk_validation: gate 'f1@5': unknown metric "
                                    "'f1@5'; a gate is \"[model:]metric\""},
        {"gate = {roc = 0.2}", "gate 'roc': unknown metric 'roc'"},
        {"gate = {['precision@'] = 0.2}", "gate 'precision@': '' is not a rate in percent"},
        {"gate = {['precision@5x'] = 0.2}", "gate 'precision@5x': '5x' is not a rate in percent"},
        {"gate = {auc = 1.5}",
         "risk.lua:1: bl.risk_validation: gate['auc'] = 1.5: a bound is a value from 0 to 1"},
        {"gate = {auc = -0.1}", "gate['auc'] = -0.1: a bound is a value from 0 to 1"},
        {"gate = {auc = 'high'}", "gate['auc'] = 'high': a bound is a value from 0 to 1"},
        {"gate = {['xgb:auc'] = 0.5}", "gate 'xgb:auc': 'xgb' is not one of the models (logistic)"},
        {"gate = {[':auc'] = 0.5}", "gate ':auc': no model before ':'"},
        {"gate = {['precision@5'] = 0.1, ['precision@5.0'] = 0.2}",
         "gate: 'precision@5' and 'precision@5.0' are the same bound"},
        {"gate = 0.5", "risk.lua:1: bl.risk_validation: gate must be a table"},
        {"rates = {1, 1}", "risk.lua:1: bl.risk_validation: rates lists 1 twice"},
        {"rates = {0}", "rates[1] must be a percentage of declarations inspected, > 0 and <= 100 "
                        "(got 0)"},
        {"rates = {}", "rates must be a list of inspection rates in percent"},
        {"rates = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}",
         "rates lists 17 values; at most 16 are measured"},
        {"breakdown = {'quantity_kg'}",
         "risk.lua:1: bl.risk_validation: breakdown[1] = 'quantity_kg' is not a categorical "
         "column (the generator's: importer, declarant, hs_code, origin, route)"},
        {"breakdown = {'origin', 'origin'}", "breakdown lists 'origin' twice"},
        {"weekly_rate = 101", "weekly_rate must be the percentage of each week's declarations"},
        {"batch = 0", "batch must be an integer from 1 to 1048576"},
        {"bootstrap = 1.5", "bootstrap must be an integer"},
        {"rate = {1}", "bl.risk_validation: unknown field 'rate'; did you mean 'rates'?"},
        {"declarations = bl.xray{}",
         "declarations must be bl.declarations{...} or bl.csv{...} (got a table)"},
        {"declarations = bl.declarations{critical = 0.05}",
         "risk.lua:1: bl.declarations: critical = 0.05 is below the share of prohibited goods "
         "(0.1, from patterns)"},
        {"declarations = bl.declarations{fraud_rate = 0.7}",
         "risk.lua:1: bl.declarations: fraud_rate must be in [0, 0.5] (got 0.7)"},
        {"declarations = bl.declarations{unlabelled = 2}",
         "bl.declarations: unlabelled must be a share from 0 to 1 (got 2)"},
        {"declarations = bl.declarations{patterns = {prohibited = 0}}",
         "bl.declarations: patterns: the weights sum to 0"},
        {"declarations = bl.declarations{patterns = {smuggling = 1}}",
         "risk.lua:1: bl.declarations: patterns: unknown field 'smuggling'"},
        {"declarations = bl.declarations{recods = 10}",
         "bl.declarations: unknown field 'recods'; did you mean 'records'?"},
        {"declarations = bl.declarations{records = 0}",
         "bl.declarations: records must be an integer from 1 to 2147483647"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[800];
        snprintf(text, sizeof text,
                 "local j = bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}}, "
                 "%s }\n"
                 "return j\n",
                 cases[i].body);
        run_t r;
        load_text(&r, "risk.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    run_t r;
    load_text(&r, "nomodels.lua", "return bl.risk_validation{ models = {} }\n", NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "nomodels.lua: bl.risk_validation: models= needs a list of at least one risk "
                 "model");
    load_text(&r, "str.lua",
              "local j = bl.risk_validation{ models = {'logistic'} }\n"
              "return j\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "str.lua:1: bl.risk_validation: models[1] must be bl.plugin{");
    /* a model file that is not there: named at its bl.plugin line, from the scenario's folder */
    load_text(&r, "file.lua",
              "local m = {bl.plugin{'logistic', intercept = 0},\n"
              "  bl.plugin{'logistic', model = 'models/nope.json'}}\n"
              "return bl.risk_validation{ models = m }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "No such file or directory"));
    expect_error(&r, BL_ELUA, "file.lua:2: bl.plugin: model = 'models/nope.json' (");
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

/* ------------------------------------------------------------ issue 6: classes and planning */

/* Stations shared by the class tests (lines 1-9 of the script). */
#define PLAN_HEAD                                                                                  \
    "local pop_a = bl.population{ carriers = 0.1, attributes = {\n"            /* 1 */             \
    "    {'value', all = bl.exponential{mean = 100}}, {'trips', all = 1} },\n" /* 2 */             \
    "  contraband = { {'cigarettes', share = 2, concealment = {\n"             /* 3 */             \
    "      {'luggage', share = 3, find = 1}, {'body', share = 1, find = 0.5, in_scan = "           \
    "false}}},\n"                                                                                  \
    "    {'phones', looks_like = 'none'} } }\n"                                /* 5 */             \
    "local pop_b = bl.population{ carriers = 0.2, attributes = {\n"            /* 6 */             \
    "    {'weight', all = 1}, {'value', all = 2} },\n"                         /* 7 */             \
    "  contraband = { {'cash', looks_like = 'currency'}, {'cigarettes'} } }\n" /* 8 */             \
    "local day = {} for h = 1, 24 do day[h] = h / 3600 end\n"                  /* 9 */

static const char plan[] = PLAN_HEAD
    "return bl.checkpoint{ name = 'plan', duration = bl.hours(24), series_step = bl.minutes(5),\n"
    "  replications = bl.sequential{ metric = 'wait_mean:xray', relative = 0.1, max = 40 },\n"
    "  surrogate = bl.surrogate{ results = 'bench/xray.h5', detector = 'dual' },\n"
    "  classes = {\n"
    "    bl.class{'foot', arrivals = bl.poisson{rate = 0.1}, population = pop_a,\n" /* 14 */
    "             group = 50, priority = 1},\n"
    "    bl.class{'car', arrivals = bl.weekly{day = day, week = {1, 1, 1, 1, 1, 2, 0.5}},\n"
    "             occupants = bl.uniform{low = 1, high = 4}, population = pop_b, first = "
    "'lanes'},\n"
    "  },\n"
    "  stations = {\n"
    "    bl.station{'doc', servers = bl.shifts{\n" /* 20 */
    "        {from = bl.hours(8), to = bl.hours(16), servers = 4},\n"
    "        {from = 0, to = bl.hours(8), servers = 2}, {from = bl.hours(16), to = bl.hours(24),\n"
    "         servers = 0}},\n"
    "      service = {default = 30, foot = bl.exponential{mean = 60}},\n"
    "      patience = bl.minutes(20), reneged = 'exit',\n" /* 25 */
    "      next = bl.by_class{foot = 'risk', default = 'xray'}},\n"
    "    bl.station{'lanes', servers = 2, service = {foot = 1, car = 2},\n"
    "      next = bl.by_attribute{'weight', at_least = 1000, yes = 'xray'}},\n"
    "    bl.risk_check{'risk', budget_per_hour = 20, selected = 'xray', otherwise = 'exit'},\n"
    "    bl.scan{'xray', servers = 1, service = 60, alarm = 'review', clear = 'exit'},\n" /* 30 */
    "    bl.review{'review', servers = 1, service = 30, confirm_carrier = 0.95,\n"
    "      confirm_clean = 0.3, confirmed = 'search', overridden = 'exit'},\n"
    "    bl.search{'search', servers = 1, service = 300, find_probability = 0.9},\n"
    "  },\n"
    "  plugins = { risk = bl.plugin{'logistic'}, store = bl.plugin{'memory'} },\n"
    "}\n";

static void load_plan(run_t *r) {
    load_text(r, "plan.lua", plan, NULL, NULL);
    if (r->rc != 0)
        print_error("%s\n", r->err.message);
    assert_int_equal(r->rc, 0);
}

static void test_lua_classes_convert(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    bl_scenario_t *sc = &r.sc;
    assert_int_equal(sc->n_classes, 2);
    bl_entity_class_t *foot = &sc->classes[0], *car = &sc->classes[1];
    assert_string_equal(foot->name, "foot");
    assert_int_equal(foot->line, 14);
    assert_int_equal(foot->priority, 1);
    assert_int_equal(foot->first_station, 0);
    assert_int_equal(foot->group.kind, BL_DIST_DETERMINISTIC);
    assert_float_equal(foot->group.a, 50, 0);
    assert_int_equal(foot->occupants.kind, 0);
    assert_int_equal(foot->arrivals.n_segments, 1);
    assert_float_equal(foot->arrivals.rates[0], 0.1, 0);
    assert_string_equal(car->name, "car");
    assert_int_equal(car->priority, 0);
    assert_int_equal(car->first_station, 1); /* first = 'lanes' */
    assert_int_equal(car->group.kind, 0);
    assert_int_equal(car->occupants.kind, BL_DIST_UNIFORM);
    assert_float_equal(car->population.carrier_share, 0.2, 0);
    assert_int_equal(bl_scenario_class_index(sc, "car"), 1);
    assert_int_equal(bl_scenario_class_index(sc, "bus"), -1);
    bl_scenario_free_contents(sc);
}

static void test_lua_attribute_and_contraband_unions(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    bl_scenario_t *sc = &r.sc;
    /* first-seen order over the classes */
    assert_int_equal(sc->n_attributes, 3);
    assert_string_equal(sc->attributes[0], "value");
    assert_string_equal(sc->attributes[1], "trips");
    assert_string_equal(sc->attributes[2], "weight");
    assert_int_equal(sc->n_contraband_kinds, 3);
    assert_string_equal(sc->contraband_kinds[0], "cigarettes");
    assert_string_equal(sc->contraband_kinds[1], "phones");
    assert_string_equal(sc->contraband_kinds[2], "cash");
    const bl_population_t *a = &sc->classes[0].population, *b = &sc->classes[1].population;
    assert_int_equal(a->contraband[0].kind, 0);
    assert_int_equal(a->contraband[0].threat, BL_THREAT_CIGARETTES); /* its own name */
    assert_int_equal(a->contraband[1].kind, 1);
    assert_string_equal(a->contraband[1].name, "phones");
    assert_int_equal(a->contraband[1].threat, 0); /* looks_like = 'none' */
    assert_float_equal(a->contraband[0].share, 2.0 / 3, 1e-12);
    assert_int_equal(b->contraband[0].kind, 2);
    assert_int_equal(b->contraband[0].threat, BL_THREAT_CURRENCY);
    assert_int_equal(b->contraband[1].kind, 0); /* cigarettes again: the same kind */
    bl_scenario_free_contents(sc);
}

static void test_lua_concealment_normalised(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_contraband_t *c = &r.sc.classes[0].population.contraband[0];
    assert_int_equal(c->n_concealments, 2);
    assert_string_equal(c->concealments[0].name, "luggage");
    assert_float_equal(c->concealments[0].share, 0.75, 1e-12);
    assert_float_equal(c->concealments[0].find_factor, 1, 0);
    assert_true(c->concealments[0].in_scan);
    assert_string_equal(c->concealments[1].name, "body");
    assert_float_equal(c->concealments[1].share, 0.25, 1e-12);
    assert_float_equal(c->concealments[1].find_factor, 0.5, 0);
    assert_false(c->concealments[1].in_scan);
    assert_int_equal(r.sc.classes[0].population.contraband[1].n_concealments, 0);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_weekly_arrivals(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_arrivals_t *a = &r.sc.classes[1].arrivals;
    assert_int_equal(a->n_segments, 168);
    assert_float_equal(a->step, 3600, 0);
    assert_true(a->periodic);
    assert_float_equal(a->rates[0], 1.0 / 3600, 1e-15);               /* Monday 0:00 */
    assert_float_equal(a->rates[23], 24.0 / 3600, 1e-15);             /* Monday 23:00 */
    assert_float_equal(a->rates[5 * 24 + 3], 2 * 4.0 / 3600, 1e-15);  /* Saturday x2 */
    assert_float_equal(a->rates[6 * 24 + 9], 0.5 * 10 / 3600, 1e-15); /* Sunday x0.5 */
    bl_scenario_free_contents(&r.sc);
    /* week defaults to seven 1s */
    load_text(&r, "wk.lua",
              "local day = {} for h = 1, 24 do day[h] = 1 end\n"
              "return bl.checkpoint{ duration = 10, arrivals = bl.weekly{day = day},\n"
              "  stations = {bl.station{'a', servers = 1, service = 1}} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.sc.classes[0].arrivals.n_segments, 168);
    assert_float_equal(r.sc.classes[0].arrivals.rates[167], 1, 0);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_shifts_convert(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_station_def_t *doc = &r.sc.stations[0];
    assert_int_equal(doc->servers, 4); /* the largest shift */
    assert_int_equal(doc->shifts.n, 3);
    assert_float_equal(doc->shifts.period, 86400, 0);
    assert_float_equal(doc->shifts.shifts[0].start, 0, 0); /* sorted by start */
    assert_int_equal(doc->shifts.shifts[0].servers, 2);
    assert_float_equal(doc->shifts.shifts[1].start, 8 * 3600, 0);
    assert_int_equal(doc->shifts.shifts[1].servers, 4);
    assert_float_equal(doc->shifts.shifts[2].end, 24 * 3600, 0);
    assert_int_equal(bl_station_capacity_at(doc, 9 * 3600), 4);
    assert_int_equal(bl_station_capacity_at(doc, 86400 + 3600), 2);
    assert_int_equal(bl_station_capacity_at(doc, 20 * 3600), 0);
    assert_int_equal(r.sc.stations[1].shifts.n, 0);
    assert_int_equal(r.sc.stations[1].servers, 2);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_shift_overlap_names_file_line_and_shifts(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "overlap.lua",
              "return bl.checkpoint{ duration = 10, arrivals = bl.poisson{rate = 1},\n"
              "  stations = { bl.station{'a', service = 1,\n"
              "    servers = bl.shifts{ {from = bl.hours(8), to = bl.hours(16), servers = 4},\n"
              "                         {from = 0, to = bl.hours(9), servers = 2} } } } }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "overlap.lua:3: bl.shifts: shifts overlap: shift 1 (8:00 to 16:00, 4 servers) "
                 "and shift 2 (0:00 to 9:00, 2 servers): end one shift where the next begins");
    static const struct {
        const char *servers, *needle;
    } cases[] = {
        {"bl.shifts{{from = 0, to = 10, servers = 0}}", "every shift has 0 servers"},
        {"bl.shifts{{from = 0, to = bl.hours(25), servers = 1}}", "past the schedule's period"},
        {"bl.shifts{{from = 10, to = 5, servers = 1}}", "from must be >= 0 and before to"},
        {"bl.shifts{{from = 0, to = 5, servers = 1.5}}", "servers must be an integer"},
        {"bl.shifts{{from = 0, to = 5, servers = 1}, period = -1}", "period must be >= 0"},
        {"bl.shifts{{from = 0, servers = 1}}", "bl.shifts: shift 1: to must be a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[600];
        snprintf(text, sizeof text,
                 "return bl.checkpoint{ duration = 10, arrivals = bl.poisson{rate = 1},\n"
                 "  stations = { bl.station{'a', service = 1,\n"
                 "    servers = %s } } }\n",
                 cases[i].servers);
        load_text(&r, "shift.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, "shift.lua:3: bl.shifts");
        load_text(&r, "shift.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
}

static void test_lua_service_by_class(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_station_def_t *st = r.sc.stations;
    assert_non_null(st[0].service_by_class);
    assert_int_equal(st[0].service.kind, BL_DIST_DETERMINISTIC); /* default = 30 */
    assert_float_equal(st[0].service.a, 30, 0);
    assert_int_equal(st[0].service_by_class[0].kind, BL_DIST_EXPONENTIAL);
    assert_int_equal(st[0].service_by_class[1].kind, 0); /* car: the default */
    assert_float_equal(st[1].service_by_class[1].a, 2, 0);
    assert_int_equal(st[1].service.kind, BL_DIST_DETERMINISTIC); /* every class given */
    assert_null(st[2].service_by_class);
    assert_int_equal(st[0].patience.kind, BL_DIST_DETERMINISTIC);
    assert_float_equal(st[0].patience.a, 1200, 0);
    assert_int_equal(st[0].on_renege, BL_EXIT);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_routes_by_class_and_attribute(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_station_def_t *st = r.sc.stations;
    assert_int_equal(st[0].next.kind, BL_ROUTE_CLASS);
    assert_int_equal(st[0].next.n, 2);
    assert_int_equal(st[0].next.target[0], 2); /* foot -> risk */
    assert_int_equal(st[0].next.target[1], 3); /* car -> default xray */
    assert_null(st[0].next.cum);
    assert_int_equal(st[1].next.kind, BL_ROUTE_ATTRIBUTE);
    assert_int_equal(st[1].next.attribute, 2); /* weight */
    assert_float_equal(st[1].next.threshold, 1000, 0);
    assert_int_equal(st[1].next.target[0], 3);
    assert_int_equal(st[1].next.target[1], 2); /* no: the following station */
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_review_risk_budget_and_surrogate(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    bl_scenario_t *sc = &r.sc;
    const bl_station_def_t *risk = &sc->stations[2], *scan = &sc->stations[3],
                           *rev = &sc->stations[4];
    assert_float_equal(risk->budget_per_hour, 20, 0);
    assert_int_equal(scan->kind, BL_STATION_SCAN); /* no detector plugin: the surrogate */
    assert_int_equal(rev->kind, BL_STATION_REVIEW);
    assert_float_equal(rev->confirm_carrier, 0.95, 0);
    assert_float_equal(rev->confirm_clean, 0.3, 0);
    assert_int_equal(rev->on_yes, 5);
    assert_int_equal(rev->on_no, BL_EXIT);
    assert_non_null(sc->surrogate.path);
    char want[600];
    tu_path_in(want, sizeof want, tmpdir, "bench/xray.h5"); /* from the scenario's folder */
    assert_string_equal(sc->surrogate.path, want);
    assert_string_equal(sc->surrogate.detector, "dual");
    assert_true(sc->surrogate.latency);
    assert_null(sc->surrogate_data); /* the run loads it */
    assert_float_equal(sc->series_step, 300, 0);
    bl_scenario_free_contents(sc);
}

static void test_lua_sequential_replications(void **state) {
    (void)state;
    run_t r;
    load_plan(&r);
    const bl_sequential_t *q = &r.sc.sequential;
    assert_true(q->enabled);
    assert_string_equal(q->metric, "wait_mean:xray");
    assert_true(q->relative);
    assert_float_equal(q->half_width, 0.1, 0);
    assert_int_equal(q->min_replications, 5);
    assert_int_equal(q->max_replications, 40);
    assert_int_equal(q->batch, 2);
    assert_int_equal(r.sc.replications, 40);
    bl_scenario_free_contents(&r.sc);
    load_text(&r, "seq.lua",
              "return bl.checkpoint{ duration = 10, arrivals = bl.poisson{rate = 1},\n"
              "  replications = bl.sequential{metric = 'sojourn_mean', half_width = 30},\n"
              "  stations = {bl.station{'a', servers = 1, service = 1}} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_false(r.sc.sequential.relative);
    assert_float_equal(r.sc.sequential.half_width, 30, 0);
    assert_int_equal(r.sc.replications, 100);
    bl_scenario_free_contents(&r.sc);
}

/* Scenario with the arrivals CSV at csv (a path as written in the script). */
static void load_replay(run_t *r, const char *name, const char *csv, const char *extra) {
    char text[PATH_MAX + 600];
    snprintf(text, sizeof text,
             "return bl.checkpoint{ duration = 100,\n"
             "  classes = { bl.class{'foot', arrivals = bl.poisson{rate = 0.01}},\n"
             "              bl.class{'car'}, bl.class{'coach'} },\n"
             "  replay = bl.arrivals_csv{ path = '%s', time = 'minute', class = 'kind'%s },\n"
             "  stations = {bl.station{'a', servers = 1, service = 1}} }\n",
             csv, extra);
    load_text(r, name, text, NULL, NULL);
}

static void test_lua_arrivals_csv_sorted(void **state) {
    (void)state;
    char rel[600], fixture[PATH_MAX];
    tu_srcdir_path(rel, sizeof rel, "tests/fixtures/arrivals/arrivals.csv");
    assert_non_null(realpath(rel, fixture)); /* the scenario is elsewhere */
    run_t r;
    load_replay(&r, "replay.lua", fixture, ", group = 'party', unit = 'minutes'");
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    const bl_replay_arrivals_t *p = &r.sc.replay;
    assert_string_equal(p->path, fixture);
    assert_int_equal(p->n, 5);
    static const double times[] = {30, 60, 120, 120, 600};
    static const uint32_t classes[] = {0, 2, 1, 0, 1}, groups[] = {1, 50, 1, 3, 2};
    for (size_t i = 0; i < 5; i++) {
        assert_float_equal(p->times[i], times[i], 1e-12);
        assert_int_equal(p->classes[i], classes[i]); /* stable: car before foot at 120 */
        assert_int_equal(p->groups[i], groups[i]);
    }
    assert_int_equal(r.sc.classes[1].arrivals.n_segments, 0); /* replay-only */
    bl_scenario_free_contents(&r.sc);

    /* relative to the scenario's folder; no group column: 1 each; seconds */
    char path[600];
    tu_write_file(tu_path_in(path, sizeof path, tmpdir, "rel.csv"), "kind,minute\ncar,5\n");
    load_replay(&r, "rel.lua", "rel.csv", "");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.sc.replay.n, 1);
    assert_float_equal(r.sc.replay.times[0], 5, 0);
    assert_int_equal(r.sc.replay.groups[0], 1);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_arrivals_csv_errors_name_rows(void **state) {
    (void)state;
    static const struct {
        const char *csv, *needle;
    } cases[] = {
        {"minute,kind\n1,car\n-2,car\n", "bad.csv:3: column 'minute' is -2: arrival times are >= "
                                         "0 (from the start of the run): fix the row"},
        {"minute,kind\n1,car\n\n2,bus\n", "bad.csv:3: column 'kind' is 'bus', not a declared "
                                          "class (classes: foot, car, coach): fix the row"},
        {"minute,kind\n1,car\n2,\n", "bad.csv:3: column 'kind' is empty"},
        {"minute,kind\n,car\n", "bad.csv:2: column 'minute' is empty"},
        {"minute,kind\nsoon,car\n", "bad.csv row 2, column 'minute': 'soon' is not a number: fix "
                                    "the cell (leave it empty when the value is missing)\0"},
        {"time,kind\n1,car\n", "column 'minute'"},
        {"minute,kind\n", "no arrivals"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[600];
        tu_write_file(tu_path_in(path, sizeof path, tmpdir, "bad.csv"), cases[i].csv);
        run_t r;
        load_replay(&r, "bad.lua", "bad.csv", "");
        assert_null(strstr(r.err.message, "on_bad_row"));
        expect_error(&r, BL_ELUA, "bad.lua:4: bl.arrivals_csv: ");
        load_replay(&r, "bad.lua", "bad.csv", "");
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    char path[600];
    tu_write_file(tu_path_in(path, sizeof path, tmpdir, "bad.csv"), "minute,kind,party\n1,car,0\n");
    run_t r;
    load_replay(&r, "bad.lua", "bad.csv", ", group = 'party'");
    expect_error(&r, BL_ELUA,
                 "bad.csv:2: column 'party' is 0: a group is a whole number of entities from 1 "
                 "to 1000000: fix the row");
    load_replay(&r, "bad.lua", "missing.csv", "");
    expect_error(&r, BL_ELUA, "missing.csv");
}

static void test_lua_planning_errors(void **state) {
    (void)state;
    /* Each body is the contents of bl.checkpoint{...} after duration = 10,
     * on line 2; the message must carry the file:line it names. */
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"arrivals = bl.poisson{rate = -1}, stations = {bl.station{'a', servers = 1, service = 1}}",
         "c.lua:2: bl.poisson: rate must be a rate >= 0 per second (got -1)"},
        {"arrivals = bl.poisson{profile = {1, -0.5}, step = 1}, stations = {}",
         "c.lua:2: bl.poisson: profile[2] must be a rate >= 0"},
        {"arrivals = bl.weekly{day = {1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,-1}}",
         "c.lua:2: bl.weekly: day[24] must be a rate >= 0"},
        {"arrivals = bl.weekly{day = {1, 2}}", "c.lua:2: bl.weekly: day needs 24 hourly rates"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = -3}}}",
         "c.lua:2: bl.poisson: rate must be a rate >= 0"},
        {"classes = {bl.class{'a'}}, stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: arrivals must be"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}}, bl.class{'a', arrivals = "
         "bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: a class named 'a' is already declared"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}}}, arrivals = "
         "bl.poisson{rate = 1}",
         "c.lua: bl.checkpoint: with classes=, arrivals= and population= go inside"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}, first = 'nowhere'}}, "
         "stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: first = 'nowhere' is not a station (stations: s; or 'exit')"},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}, bl.class{'car', arrivals "
         "= bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = {bus = "
         "1}}}",
         "c.lua:2: station 's': service: 'bus' is not a class (classes: foot, car)"},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}, bl.class{'car', arrivals "
         "= bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = {foot = "
         "1}}}",
         "service: no time for class 'car': give default = or car ="},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}}, stations = "
         "{bl.station{'s', servers = 1, service = 1, next = bl.by_class{bus = 'exit'}}}",
         "c.lua:2: bl.by_class: 'bus' is not a class (classes: foot; or default =)"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{attributes = {{'age', all "
         "= 1}}}, stations = {bl.station{'s', servers = 1, service = 1, next = "
         "bl.by_attribute{'value', at_least = 1, yes = 'exit'}}}",
         "c.lua:2: bl.by_attribute: 'value' is not a declared attribute (attributes: age)"},
        {"arrivals = bl.poisson{rate = 1}, plugins = {store = bl.plugin{'memory'}}, stations = "
         "{bl.review{'r', servers = 1, service = 1, confirm_clean = 1.5}}",
         "c.lua:2: station 'r': confirm_clean must be a probability from 0 to 1"},
        {"arrivals = bl.poisson{rate = 1}, plugins = {risk = bl.plugin{'logistic'}}, stations = "
         "{bl.risk_check{'r', budget_per_hour = -1, selected = 'exit'}}",
         "c.lua:2: station 'r': budget_per_hour must be >= 0"},
        {"arrivals = bl.poisson{rate = 1}, stations = {bl.scan{'x', servers = 1, service = 1, "
         "alarm = 'exit'}}",
         "needs a detector, plugins = {detector = bl.plugin{...}} or surrogate = "
         "bl.surrogate{results = ...}"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "half_width = 1, relative = 0.1}",
         "c.lua:2: bl.sequential: give half_width= or relative=, not both"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{half_width = 1}",
         "c.lua:2: bl.sequential: metric= is required"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "relative = 0}",
         "c.lua:2: bl.sequential: relative must be > 0"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "relative = 0.1, min = 50, max = 10}, stations = {bl.station{'s', servers = 1, service "
         "= 1}}",
         "c.lua:2: bl.sequential: min = 50 is more than max = 10"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = "
         "'wait_mean:nope', relative = 0.1}, stations = {bl.station{'s', servers = 1, service = "
         "1}}",
         "c.lua:2: bl.sequential: metric = 'nope' is not a station"},
        {"arrivals = bl.poisson{rate = 1}, series_step = 0, stations = {bl.station{'s', servers "
         "= 1, service = 1}}",
         "series_step must be > 0"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{carriers = 0.1, contraband "
         "= {{'phones', looks_like = 'phone'}}}, stations = {bl.station{'s', servers = 1, "
         "service = 1}}",
         "c.lua:2: bl.population: contraband[1]: looks_like = 'phone' is not a threat class"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{carriers = 0.1, contraband "
         "= {{'drugs', concealment = {{'body', find = 2}}}}}, stations = {bl.station{'s', "
         "servers = 1, service = 1}}",
         "c.lua:2: bl.population: contraband[1]: concealment[1]: find must be from 0 to 1"},
        {"arrivals = bl.poisson{rate = 1}, stations = {bl.station{'s', servers = 1, service = 1, "
         "reneged = 'exit', next = 'exit'}, bl.station{'t', servers = 1, service = 1, reneged = "
         "'s'}}",
         "c.lua:2: station 't': reneged= says where impatient entities go: give patience= too"},
        {"arrivals = bl.poisson{rate = 1}, surrogate = bl.surrogate{detector = 'x'}",
         "c.lua:2: bl.surrogate: results= must be a detector_bench results file"},
        {"replay = bl.arrivals_csv{path = 'x.csv', unit = 'days'}",
         "c.lua:2: bl.arrivals_csv: unit must be 'seconds', 'minutes' or 'hours'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1200];
        snprintf(text, sizeof text, "return bl.checkpoint{ duration = 10,\n  %s }\n",
                 cases[i].body);
        run_t r;
        load_text(&r, "c.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_valid_scenario_converts),
        cmocka_unit_test(test_lua_set_overrides_parameters),
        cmocka_unit_test(test_lua_set_unknown_key_lists_parameters),
        cmocka_unit_test(test_lua_set_wrong_type_errors),
        cmocka_unit_test(test_lua_seed_option_overrides),
        cmocka_unit_test(test_lua_syntax_error_has_file_line),
        cmocka_unit_test(test_lua_runtime_error_has_file_line),
        cmocka_unit_test(test_lua_missing_file_is_not_found),
        cmocka_unit_test(test_lua_sandbox_refuses_os_io_package),
        cmocka_unit_test(test_lua_sandbox_refuses_c_modules_and_binary_chunks),
        cmocka_unit_test(test_lua_unknown_field_is_named),
        cmocka_unit_test(test_lua_unknown_route_target_names_station),
        cmocka_unit_test(test_lua_station_without_its_plugin_errors),
        cmocka_unit_test(test_lua_script_must_return_a_job),
        cmocka_unit_test(test_lua_random_is_reproducible),
        cmocka_unit_test(test_lua_detector_bench_converts),
        cmocka_unit_test(test_lua_detector_bench_defaults),
        cmocka_unit_test(test_lua_xray_unknown_threat_lists_names),
        cmocka_unit_test(test_lua_replay_paths_relative_to_scenario),
        cmocka_unit_test(test_lua_detector_bench_without_detectors_errors),
        cmocka_unit_test(test_lua_detector_bench_bad_settings_error),
        cmocka_unit_test(test_lua_risk_validation_converts),
        cmocka_unit_test(test_lua_risk_csv_source_converts),
        cmocka_unit_test(test_lua_risk_validation_bad_settings_error),
        cmocka_unit_test(test_lua_shipped_scenarios_load),
        cmocka_unit_test(test_lua_classes_convert),
        cmocka_unit_test(test_lua_attribute_and_contraband_unions),
        cmocka_unit_test(test_lua_concealment_normalised),
        cmocka_unit_test(test_lua_weekly_arrivals),
        cmocka_unit_test(test_lua_shifts_convert),
        cmocka_unit_test(test_lua_shift_overlap_names_file_line_and_shifts),
        cmocka_unit_test(test_lua_service_by_class),
        cmocka_unit_test(test_lua_routes_by_class_and_attribute),
        cmocka_unit_test(test_lua_review_risk_budget_and_surrogate),
        cmocka_unit_test(test_lua_sequential_replications),
        cmocka_unit_test(test_lua_arrivals_csv_sorted),
        cmocka_unit_test(test_lua_arrivals_csv_errors_name_rows),
        cmocka_unit_test(test_lua_planning_errors),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
