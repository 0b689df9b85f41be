/*
 * Checkpoint scenarios converted from Lua (core/jobs/checkpoint/
 * scenario_checkpoint.c, scenario_classes.c, arrival_replay.c): a full
 * checkpoint's stations, population, routes and plugins, then a plan with
 * classes, attribute and contraband unions, concealment, weekly arrivals,
 * shifts, service by class, routes by class and attribute, review, a risk
 * budget, a surrogate detector, sequential replications and a replayed
 * arrivals CSV.  What a checkpoint script gets refused for is in
 * test_lua_checkpoint_errors.c.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "lua_fixtures.h"
#include "test_util.h"

/* Scripts go under $top_builddir/tests/out/test_lua_checkpoint.XXXXXX. */
static int setup(void **state) { return lua_setup_dir(state, "test_lua_checkpoint"); }

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

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_valid_scenario_converts),
        cmocka_unit_test(test_lua_classes_convert),
        cmocka_unit_test(test_lua_attribute_and_contraband_unions),
        cmocka_unit_test(test_lua_concealment_normalised),
        cmocka_unit_test(test_lua_weekly_arrivals),
        cmocka_unit_test(test_lua_shifts_convert),
        cmocka_unit_test(test_lua_service_by_class),
        cmocka_unit_test(test_lua_routes_by_class_and_attribute),
        cmocka_unit_test(test_lua_review_risk_budget_and_surrogate),
        cmocka_unit_test(test_lua_sequential_replications),
        cmocka_unit_test(test_lua_arrivals_csv_sorted),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, lua_teardown_dir);
}
