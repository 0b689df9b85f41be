/*
 * Fixtures the Lua scenario tests share: see lua_fixtures.h.
 */
#include "lua_fixtures.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/jobs.h"
#include "scenario/scenario_lua.h"
#include "test_util.h"

char *tmpdir; /* tests write under the build tree */

int lua_setup_dir(void **state, const char *name) {
    (void)state;
    tmpdir = tu_tempdir_new(name);
    return tmpdir != NULL ? 0 : -1;
}

int lua_teardown_dir(void **state) {
    (void)state;
    tu_tempdir_free(tmpdir);
    tmpdir = NULL;
    return 0;
}

/* Write text to tmpdir/name; the path is returned in a static buffer. */
const char *write_script(const char *name, const char *text) {
    static char path[512];
    tu_write_file(tu_path_in(path, sizeof path, tmpdir, name), text);
    return path;
}

/* Load text as a scenario with --set pairs ("k=v" strings, NULL-ended). */
void load_text(run_t *r, const char *name, const char *text, const char *const *sets,
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

void expect_error(run_t *r, int code, const char *needle) {
    if (r->rc != code || strstr(r->err.message, needle) == NULL)
        print_error("expected %d with \"%s\", got %d: %s\n", code, needle, r->rc, r->err.message);
    assert_int_equal(r->rc, code);
    assert_non_null(strstr(r->err.message, needle));
    bl_scenario_free_contents(&r->sc);
}

const char full[] =
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

/* Scenario with the arrivals CSV at csv (a path as written in the script). */
void load_replay(run_t *r, const char *name, const char *csv, const char *extra) {
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
