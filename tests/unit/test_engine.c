/*
 * Unit tests for core/engine*.c (the scan generator's own tests are in
 * test_xray.c; the queueing-theory checks are in test_queueing.c).
 * Scenarios are built by hand (no Lua); plugins are in-test descriptors
 * handed to the engine directly (no loader, no shared objects).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "engine/engine.h"
#include "engine/surrogate.h"
#include "gen/xray.h"

/* ------------------------------------------------------------------ */
/* Scenario builders                                                  */
/* ------------------------------------------------------------------ */

/* Append a class with Poisson arrivals at `rate` (0: replay only); first
 * station 0. */
static int add_class(bl_scenario_t *sc, const char *name, double rate, int priority) {
    sc->classes = realloc(sc->classes, (sc->n_classes + 1) * sizeof *sc->classes);
    assert_non_null(sc->classes);
    bl_entity_class_t *c = &sc->classes[sc->n_classes];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    if (rate > 0.0) {
        c->arrivals.n_segments = 1;
        c->arrivals.rates = malloc(sizeof(double));
        assert_non_null(c->arrivals.rates);
        c->arrivals.rates[0] = rate;
        c->arrivals.step = 1.0;
    }
    c->priority = priority;
    c->line = 100 + (int)sc->n_classes;
    return (int)sc->n_classes++;
}

/* A scenario with one class ("traveller") arriving at `rate`. */
static bl_scenario_t *scenario_new(uint64_t seed, double rate, uint64_t max_entities,
                                   double duration) {
    bl_scenario_t *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    sc->name = strdup("test");
    sc->kind = &bl_checkpoint_kind;
    sc->seed = seed;
    sc->replications = 1;
    sc->max_entities = max_entities;
    sc->duration = duration;
    add_class(sc, "traveller", rate, 0);
    return sc;
}

static void scenario_free(bl_scenario_t *sc) {
    bl_scenario_free_contents(sc);
    free(sc);
}

/* Append a station; service is an exponential (mean > 0) or, when
 * deterministic is set, a constant.  Routes to exit until told otherwise. */
static int add_station(bl_scenario_t *sc, const char *name, int kind, unsigned servers, double mean,
                       bool deterministic) {
    sc->stations = realloc(sc->stations, (sc->n_stations + 1) * sizeof *sc->stations);
    assert_non_null(sc->stations);
    bl_station_def_t *d = &sc->stations[sc->n_stations];
    memset(d, 0, sizeof *d);
    d->name = strdup(name);
    d->kind = kind;
    d->servers = servers;
    if (deterministic)
        assert_int_equal(bl_dist_deterministic(&d->service, mean, NULL), 0);
    else
        assert_int_equal(bl_dist_exponential(&d->service, mean, NULL), 0);
    d->next.n = 1;
    d->next.target = malloc(sizeof(int));
    d->next.cum = malloc(sizeof(double));
    d->next.target[0] = BL_EXIT;
    d->next.cum[0] = 1.0;
    d->on_yes = BL_EXIT;
    d->on_no = BL_EXIT;
    d->on_renege = BL_EXIT;
    d->threshold = 0.5;
    d->line = 10 + (int)sc->n_stations;
    return (int)sc->n_stations++;
}

/* Route station idx to targets[i] with probabilities p[i]. */
static void set_route(bl_scenario_t *sc, int idx, size_t n, const int *targets, const double *p) {
    bl_route_t *r = &sc->stations[idx].next;
    r->kind = BL_ROUTE_PROBABILITY;
    r->target = realloc(r->target, n * sizeof *r->target);
    r->cum = realloc(r->cum, n * sizeof *r->cum);
    double cum = 0.0;
    for (size_t i = 0; i < n; i++) {
        r->target[i] = targets[i];
        cum += p[i];
        r->cum[i] = i + 1 == n ? 1.0 : cum;
    }
    r->n = n;
}

/* Add name to a union list (attributes, contraband kinds); its index. */
static uint32_t union_add(char ***names, size_t *n, const char *name) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return (uint32_t)i;
    *names = realloc(*names, (*n + 1) * sizeof **names);
    assert_non_null(*names);
    (*names)[*n] = strdup(name);
    return (uint32_t)(*n)++;
}

static bl_contraband_t contraband(bl_scenario_t *sc, const char *name, uint32_t threat,
                                  double share, double value, double quantity, const char *unit) {
    bl_contraband_t c;
    memset(&c, 0, sizeof c);
    c.name = strdup(name);
    c.kind = union_add(&sc->contraband_kinds, &sc->n_contraband_kinds, name);
    c.threat = threat;
    c.share = share;
    c.value = value;
    c.quantity = quantity;
    c.unit = strdup(unit);
    return c;
}

/* Class `cls`: carriers of firearms (25%) and drugs (75%), attributes x
 * (0.2 clean, 0.9 carrier) and age. */
static void set_class_population(bl_scenario_t *sc, int cls, double carrier_share) {
    bl_population_t *p = &sc->classes[cls].population;
    p->carrier_share = carrier_share;
    p->n_contraband = 2;
    p->contraband = calloc(2, sizeof *p->contraband);
    p->contraband[0] = contraband(sc, "firearm", BL_THREAT_FIREARM, 0.25, 1000.0, 1.0, "item");
    p->contraband[1] = contraband(sc, "drugs", BL_THREAT_DRUGS, 0.75, 5000.0, 2.5, "kg");
    p->n_attributes = 2;
    p->attributes = calloc(2, sizeof *p->attributes);
    p->attributes[0].name = strdup("x");
    assert_int_equal(bl_dist_deterministic(&p->attributes[0].clean, 0.2, NULL), 0);
    assert_int_equal(bl_dist_deterministic(&p->attributes[0].carrier, 0.9, NULL), 0);
    p->attributes[1].name = strdup("age");
    assert_int_equal(bl_dist_uniform(&p->attributes[1].clean, 18.0, 80.0, NULL), 0);
    assert_int_equal(bl_dist_uniform(&p->attributes[1].carrier, 18.0, 40.0, NULL), 0);
    union_add(&sc->attributes, &sc->n_attributes, "x");
    union_add(&sc->attributes, &sc->n_attributes, "age");
}

static void set_population(bl_scenario_t *sc, double carrier_share) {
    set_class_population(sc, 0, carrier_share);
}

static bl_replication_result_t run_ok(const bl_scenario_t *sc, const bl_plugin_set_t *ps,
                                      unsigned rep, const bl_entity_sink_t *sink) {
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_engine_run(sc, ps, rep, sink, NULL, &r, &err);
    if (rc != 0)
        fail_msg("bl_engine_run: %s", err.message);
    return r;
}

static double rel_err(double x, double ref) { return fabs(x - ref) / fabs(ref); }

/* Erlang C: mean queue wait of M/M/c with arrival rate lambda, service
 * rate mu. */
static double erlang_c_wq(double lambda, double mu, unsigned c) {
    double a = lambda / mu, term = 1.0, sum = 0.0;
    for (unsigned k = 0; k < c; k++) {
        sum += term;
        term *= a / (double)(k + 1);
    }
    double tail = term * (double)c / ((double)c - a); /* a^c / c! * c / (c - a) */
    double pwait = tail / (sum + tail);
    return pwait / ((double)c * mu - lambda);
}

/* ------------------------------------------------------------------ */
/* Queueing sanity                                                    */
/* ------------------------------------------------------------------ */

static void test_engine_mm1_matches_theory(void **state) {
    (void)state;
    /* rho = 0.5: Wq = rho / (mu - lambda) = 1, W = 2, L = 1. */
    bl_scenario_t *sc = scenario_new(1, 0.5, 1000000, 0.0);
    sc->warmup_entities = 1000;
    add_station(sc, "desk", BL_STATION_SERVICE, 1, 1.0, false);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    const bl_station_stats_t *s = &r.stations[0];
    double window = r.window_end - r.window_start;

    assert_int_equal(r.total_arrivals, 1000000);
    assert_int_equal(r.entities, 999000);
    assert_int_equal(r.completed, r.entities);
    assert_int_equal(s->served, s->arrivals);
    assert_true(rel_err(s->wait_sum / (double)s->served, 1.0) < 0.03);
    assert_true(rel_err(r.sojourn_sum / (double)r.completed, 2.0) < 0.03);
    assert_true(rel_err(s->busy_area / window, 0.5) < 0.02);
    assert_true(rel_err(s->queue_area / window, 0.5) < 0.04);
    /* Little's law on the measured values. */
    double l = r.system_area / window;
    double lambda_w = (double)r.entities / window * (r.sojourn_sum / (double)r.completed);
    assert_true(rel_err(l, lambda_w) < 0.01);
    assert_true(rel_err(s->queue_area / window,
                        (double)s->arrivals / window * s->wait_sum / (double)s->served) < 0.01);
    assert_true(rel_err(bl_histogram_mean(&s->waits), s->wait_sum / (double)s->served) < 1e-9);
    assert_int_equal(s->in_system, 0);
    assert_int_equal(r.events, 2 * r.total_arrivals);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_mmc_matches_erlang_c(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(2, 9.0, 1000000, 0.0);
    sc->warmup_time = 100.0;
    add_station(sc, "booths", BL_STATION_SERVICE, 10, 1.0, false);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    const bl_station_stats_t *s = &r.stations[0];
    double wq = erlang_c_wq(9.0, 1.0, 10);
    double window = r.window_end - r.window_start;
    assert_true(rel_err(s->wait_sum / (double)s->served, wq) < 0.05);
    assert_true(rel_err(s->busy_area / window, 9.0) < 0.02);
    assert_true(r.window_start >= 100.0);
    assert_true(s->max_queue > 0);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Determinism                                                        */
/* ------------------------------------------------------------------ */

static void assert_results_equal(const bl_replication_result_t *a,
                                 const bl_replication_result_t *b) {
    assert_int_equal(a->n_stations, b->n_stations);
    assert_int_equal(a->entities, b->entities);
    assert_int_equal(a->completed, b->completed);
    assert_int_equal(a->total_arrivals, b->total_arrivals);
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->carriers, b->carriers);
    assert_int_equal(a->seizures, b->seizures);
    assert_int_equal(a->missed, b->missed);
    assert_memory_equal(&a->sojourn_sum, &b->sojourn_sum, sizeof(double));
    assert_memory_equal(&a->system_area, &b->system_area, sizeof(double));
    assert_memory_equal(&a->end_time, &b->end_time, sizeof(double));
    assert_memory_equal(&a->window_start, &b->window_start, sizeof(double));
    assert_memory_equal(&a->window_end, &b->window_end, sizeof(double));
    assert_memory_equal(&a->sojourn, &b->sojourn, sizeof a->sojourn);
    for (size_t i = 0; i < a->n_stations; i++) {
        const bl_station_stats_t *x = &a->stations[i], *y = &b->stations[i];
        assert_int_equal(x->arrivals, y->arrivals);
        assert_int_equal(x->served, y->served);
        assert_int_equal(x->max_queue, y->max_queue);
        assert_int_equal(x->yes, y->yes);
        assert_memory_equal(&x->wait_sum, &y->wait_sum, sizeof(double));
        assert_memory_equal(&x->busy_area, &y->busy_area, sizeof(double));
        assert_memory_equal(&x->queue_area, &y->queue_area, sizeof(double));
        assert_memory_equal(&x->waits, &y->waits, sizeof x->waits);
    }
}

static bl_scenario_t *network_scenario(uint64_t seed) {
    /* entry -> (0.6 xray | 0.4 desk) -> search 10% -> exit */
    bl_scenario_t *sc = scenario_new(seed, 2.0, 0, 5000.0);
    sc->warmup_time = 200.0;
    set_population(sc, 0.1);
    int entry = add_station(sc, "entry", BL_STATION_SERVICE, 3, 1.2, false);
    int xray = add_station(sc, "xray", BL_STATION_SERVICE, 2, 0.8, false);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 1, 0.9, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 1, 3.0, false);
    sc->stations[search].find_probability = 0.5;
    const int t1[] = {xray, desk};
    const double p1[] = {0.6, 0.4};
    set_route(sc, entry, 2, t1, p1);
    const int t2[] = {search, BL_EXIT};
    const double p2[] = {0.1, 0.9};
    set_route(sc, xray, 2, t2, p2);
    set_route(sc, desk, 2, t2, p2);
    return sc;
}

static void test_engine_same_seed_same_result(void **state) {
    (void)state;
    bl_scenario_t *sc = network_scenario(11);
    bl_replication_result_t a = run_ok(sc, NULL, 3, NULL);
    bl_replication_result_t b = run_ok(sc, NULL, 3, NULL);
    assert_results_equal(&a, &b);
    assert_int_equal(a.replication, 3);

    bl_replication_result_t c = run_ok(sc, NULL, 4, NULL);
    assert_true(c.total_arrivals != a.total_arrivals || c.sojourn_sum != a.sojourn_sum);
    assert_true(c.stations[0].wait_sum != a.stations[0].wait_sum);
    bl_replication_result_fini(&a);
    bl_replication_result_fini(&b);
    bl_replication_result_fini(&c);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Conservation, warm-up, populations, routing                        */
/* ------------------------------------------------------------------ */

static void test_engine_conserves_entities(void **state) {
    (void)state;
    bl_scenario_t *sc = network_scenario(5);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    assert_true(r.total_arrivals > 9000);
    assert_int_equal(r.completed, r.entities);
    for (size_t i = 0; i < r.n_stations; i++) {
        const bl_station_stats_t *s = &r.stations[i];
        assert_int_equal(s->arrivals, s->served + s->in_system);
        assert_int_equal(s->in_system, 0);
        assert_true(s->busy_area >= 0.0 && s->queue_area >= 0.0);
    }
    /* entry feeds xray and desk; both feed search or exit. */
    assert_int_equal(r.stations[0].served, r.stations[1].arrivals + r.stations[2].arrivals);
    assert_true(r.end_time >= r.window_end);
    assert_true(r.window_end <= 5000.0);

    /* Searches and seizures: every carrier is either seized or missed. */
    assert_int_equal(r.searches, r.stations[3].arrivals);
    assert_int_equal(r.seizures, r.stations[3].yes);
    assert_int_equal(r.carriers, r.seizures + r.missed);
    assert_true(fabs((double)r.carriers / (double)r.entities - 0.1) < 0.015);
    assert_true(r.seizures > 0);
    assert_int_equal(r.plugin_calls[BL_ROLE_STORE], 0); /* no store loaded */
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_dd1_has_no_waits(void **state) {
    (void)state;
    /* Station "pace" (one server, constant 0.5 s) spaces departures at least
     * 0.5 s apart, so "check" (one server, constant 0.5 s) behind it is a
     * D/D/1 that never makes anyone wait. */
    bl_scenario_t *sc = scenario_new(3, 1.5, 20000, 0.0);
    int pace = add_station(sc, "pace", BL_STATION_SERVICE, 1, 0.5, true);
    int check = add_station(sc, "check", BL_STATION_SERVICE, 1, 0.5, true);
    const int t[] = {check};
    const double p[] = {1.0};
    set_route(sc, pace, 1, t, p);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    assert_true(r.stations[pace].wait_sum > 0.0);
    assert_true(r.stations[check].wait_sum == 0.0);
    assert_int_equal(r.stations[check].waits.zeros, r.stations[check].waits.count);
    assert_int_equal(r.stations[check].waits.count, 20000);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_warmup_excludes_early_entities(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(4, 1.0, 1000, 0.0);
    sc->warmup_entities = 100;
    add_station(sc, "desk", BL_STATION_SERVICE, 1, 0.5, false);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    assert_int_equal(r.total_arrivals, 1000);
    assert_int_equal(r.entities, 900);
    assert_int_equal(r.completed, 900);
    assert_int_equal(r.stations[0].arrivals, 900);
    assert_int_equal(r.stations[0].waits.count, 900);
    assert_int_equal(r.sojourn.count, 900);
    assert_true(r.window_start > 0.0);
    bl_replication_result_fini(&r);

    /* By time: nobody who arrived before t = 300 is counted. */
    sc->warmup_entities = 0;
    sc->warmup_time = 300.0;
    r = run_ok(sc, NULL, 0, NULL);
    assert_true(r.window_start >= 300.0);
    assert_true(r.entities < 1000 && r.entities > 500);
    assert_int_equal(r.stations[0].arrivals, r.entities);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_route_splits_by_probability(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(6, 1.0, 100000, 0.0);
    int a = add_station(sc, "split", BL_STATION_SERVICE, 1, 0.1, false);
    int b = add_station(sc, "left", BL_STATION_SERVICE, 1, 0.1, false);
    int c = add_station(sc, "right", BL_STATION_SERVICE, 1, 0.1, false);
    const int t[] = {b, c};
    const double p[] = {0.3, 0.7};
    set_route(sc, a, 2, t, p);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    uint64_t nb = r.stations[b].arrivals, nc = r.stations[c].arrivals;
    assert_int_equal(nb + nc, 100000);
    /* standard error sqrt(0.21 / 1e5) ~ 0.0015 */
    assert_true(fabs((double)nb / 100000.0 - 0.3) < 0.0075);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Sink and progress                                                  */
/* ------------------------------------------------------------------ */

typedef struct sink_state {
    uint64_t rows, warmup, calls;
    double last_departure;
    bool ordered, sane;
    uint64_t fail_after; /* fail the call that passes this many rows; 0 = never */
} sink_state_t;

static int count_rows(void *ctx, const bl_entity_record_t *rows, size_t n, bl_error_t *err) {
    sink_state_t *s = ctx;
    s->calls++;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].departure < s->last_departure)
            s->ordered = false;
        if (!(rows[i].arrival <= rows[i].departure) || rows[i].stations != 1 ||
            !(rows[i].wait >= 0.0) || !isnan(rows[i].risk_score))
            s->sane = false;
        s->last_departure = rows[i].departure;
        s->warmup += (rows[i].flags & BL_ENTITY_WARMUP) != 0;
    }
    s->rows += n;
    if (s->fail_after > 0 && s->rows > s->fail_after)
        return bl_error_set(err, BL_EIO, "disk full (test)");
    return 0;
}

static void test_engine_sink_receives_every_entity(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(7, 2.0, 10000, 0.0);
    sc->warmup_entities = 250;
    add_station(sc, "desk", BL_STATION_SERVICE, 2, 0.8, false);
    sink_state_t st = {0, 0, 0, 0.0, true, true, 0};
    bl_entity_sink_t sink = {count_rows, &st};
    bl_progress_t progress = {0, 0, NULL};
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, &sink, &progress, &r, &err), 0);
    assert_int_equal(st.rows, r.completed + 250);
    assert_int_equal(st.warmup, 250);
    assert_true(st.calls >= 3); /* 10000 rows in buffers of 4096 */
    assert_true(st.ordered);
    assert_true(st.sane);
    assert_int_equal(progress.events, r.events);
    assert_true(progress.sim_ms_done > 0 && progress.sim_ms_done <= (uint64_t)(r.end_time * 1e3));
    bl_replication_result_fini(&r);

    /* A failing writer aborts the run with its message. */
    sink_state_t bad = {0, 0, 0, 0.0, true, true, 5000};
    sink.ctx = &bad;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, &sink, NULL, &r, &err), BL_EIO);
    assert_non_null(strstr(err.message, "disk full"));
    assert_null(r.stations);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Classes, groups, priorities, reneging, shifts (issue 6)            */
/* ------------------------------------------------------------------ */

/* Every row the engine writes, kept. */
typedef struct rows {
    bl_entity_record_t *v;
    size_t n, cap;
} rows_t;

static int keep_rows(void *ctx, const bl_entity_record_t *rows, size_t n, bl_error_t *err) {
    (void)err;
    rows_t *r = ctx;
    if (r->n + n > r->cap) {
        r->cap = (r->n + n) * 2;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        assert_non_null(r->v);
    }
    memcpy(r->v + r->n, rows, n * sizeof *rows);
    r->n += n;
    return 0;
}

/* Run with a sink that keeps every row in *rows (freed by the caller). */
static bl_replication_result_t run_rows(const bl_scenario_t *sc, const bl_plugin_set_t *ps,
                                        rows_t *rows) {
    memset(rows, 0, sizeof *rows);
    bl_entity_sink_t sink = {keep_rows, rows};
    return run_ok(sc, ps, 0, &sink);
}

/* all_arrivals == all_departures + in_system at every station, and the
 * same for the whole system. */
static void assert_conserved(const bl_replication_result_t *r) {
    for (size_t i = 0; i < r->n_stations; i++) {
        const bl_station_stats_t *s = &r->stations[i];
        assert_int_equal(s->all_arrivals, s->all_departures + s->in_system);
        assert_true(s->arrivals <= s->all_arrivals);
        assert_true(s->served + s->reneged <= s->arrivals);
    }
    assert_int_equal(r->total_arrivals, r->total_departures + r->in_system_end);
    double dep = 0.0;
    for (size_t h = 0; h < r->departures_hourly.n; h++)
        dep += bl_series_at(&r->departures_hourly, h);
    assert_true(dep == (double)r->total_departures);
}

static void set_dist_det(bl_dist_t *d, double v) {
    bl_dist_fini(d);
    assert_int_equal(bl_dist_deterministic(d, v, NULL), 0);
}

static void test_engine_group_arrivals(void **state) {
    (void)state;
    /* A coach of 50 every 10 minutes on average, 3 occupants each. */
    bl_scenario_t *sc = scenario_new(21, 1.0 / 600.0, 0, 8 * 3600.0);
    set_dist_det(&sc->classes[0].group, 50.0);
    set_dist_det(&sc->classes[0].occupants, 3.0);
    add_station(sc, "passport", BL_STATION_SERVICE, 4, 20.0, false);
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    assert_true(r.total_arrivals >= 500);
    assert_int_equal(r.total_arrivals % 50, 0);
    assert_int_equal(r.travellers, 3 * r.entities);
    assert_int_equal(r.classes[0].travellers, r.travellers);
    assert_int_equal(rows.n, r.total_arrivals);
    /* Entities arrive 50 at a time: every arrival time is shared by a
     * multiple of 50 rows (times of distinct coaches never coincide). */
    double *t = malloc(rows.n * sizeof *t);
    for (size_t i = 0; i < rows.n; i++)
        t[i] = rows.v[i].arrival;
    for (size_t i = 0; i < rows.n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < rows.n; j++)
            same += t[j] == t[i];
        assert_int_equal(same, 50);
    }
    free(t);
    assert_true(r.stations[0].max_queue >= 46);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* max_entities cuts a coach short. */
    sc->max_entities = 120;
    sc->duration = 0.0;
    r = run_ok(sc, NULL, 0, NULL);
    assert_int_equal(r.total_arrivals, 120);
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void set_replay(bl_scenario_t *sc, size_t n, const double *times, const uint32_t *classes) {
    sc->replay.n = n;
    sc->replay.times = malloc(n * sizeof(double));
    sc->replay.classes = malloc(n * sizeof(uint32_t));
    sc->replay.groups = malloc(n * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        sc->replay.times[i] = times[i];
        sc->replay.classes[i] = classes[i];
        sc->replay.groups[i] = 1;
    }
    sc->replay.path = strdup("test.csv");
}

static void test_engine_priority_order_is_non_preemptive(void **state) {
    (void)state;
    /* Replayed: low at 0 (takes the server for 10 s), low at 1, high at 2.
     * The high one is served second, after the first low one finishes. */
    bl_scenario_t *sc = scenario_new(22, 0.0, 0, 0.0);
    add_class(sc, "vip", 0.0, 5);
    add_station(sc, "desk", BL_STATION_SERVICE, 1, 10.0, true);
    const double times[] = {0.0, 1.0, 2.0};
    const uint32_t classes[] = {0, 0, 1};
    set_replay(sc, 3, times, classes);
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    assert_int_equal(rows.n, 3);
    assert_int_equal(rows.v[0].entity, 0);
    assert_true(rows.v[0].departure == 10.0);
    assert_int_equal(rows.v[1].entity, 2);
    assert_int_equal(rows.v[1].entity_class, 1);
    assert_true(rows.v[1].departure == 20.0);
    assert_true(rows.v[1].wait == 8.0);
    assert_int_equal(rows.v[2].entity, 1);
    assert_true(rows.v[2].departure == 30.0);
    assert_int_equal(r.classes[1].entities, 1);
    assert_int_equal(r.classes[0].completed, 2);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);

    /* Under load the high class waits much less; nobody is interrupted
     * (deterministic service: sojourn == wait + service for everyone). */
    sc = scenario_new(23, 0.4, 0, 20000.0);
    add_class(sc, "vip", 0.4, 1);
    sc->classes[1].first_station = 0;
    add_station(sc, "desk", BL_STATION_SERVICE, 1, 1.0, true);
    r = run_rows(sc, NULL, &rows);
    double w[2] = {0, 0}, n[2] = {0, 0};
    for (size_t i = 0; i < rows.n; i++) {
        const bl_entity_record_t *x = &rows.v[i];
        assert_true(fabs(x->departure - x->arrival - x->wait - 1.0) < 1e-6);
        w[x->entity_class] += x->wait;
        n[x->entity_class] += 1.0;
    }
    assert_true(n[0] > 5000 && n[1] > 5000);
    /* M/D/1 with two classes, rho 0.8: W0 = 0.4 / (1 - 0.4) ~ 0.67 for the
     * high class, ~3.33 for the low one. */
    assert_true(w[1] / n[1] < 0.5 * (w[0] / n[0]));
    assert_int_equal(r.classes[0].entities + r.classes[1].entities, r.entities);
    assert_int_equal(r.classes[0].completed + r.classes[1].completed, r.completed);
    assert_true(r.classes[0].sojourn.count == r.classes[0].completed);
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void test_engine_reneging(void **state) {
    (void)state;
    /* Patience 0: whoever would queue leaves at once (M/M/1/1: a share
     * rho / (1 + rho) = 1/3 of arrivals at rho = 0.5). */
    bl_scenario_t *sc = scenario_new(24, 0.5, 200000, 0.0);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 1, 1.0, false);
    set_dist_det(&sc->stations[desk].patience, 0.0);
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    const bl_station_stats_t *s = &r.stations[desk];
    assert_int_equal(s->served + s->reneged, s->arrivals);
    assert_int_equal(r.reneged, s->reneged);
    assert_int_equal(r.classes[0].reneged, r.reneged);
    assert_true(fabs((double)s->reneged / (double)s->arrivals - 1.0 / 3.0) < 0.01);
    assert_int_equal(s->waits.zeros, s->waits.count); /* nobody served ever waited */
    assert_int_equal(s->max_queue, 1);
    uint64_t flagged = 0;
    for (size_t i = 0; i < rows.n; i++)
        if (rows.v[i].flags & BL_ENTITY_RENEGED) {
            flagged++;
            assert_true(rows.v[i].wait == 0.0);
        }
    assert_int_equal(flagged, r.reneged);
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    free(rows.v);

    /* Patience 5 s, reneging to a second desk: reneged entities waited
     * exactly 5 s at the first; served ones less. */
    int second = add_station(sc, "second", BL_STATION_SERVICE, 1, 0.1, false);
    sc->stations[desk].on_renege = second;
    set_dist_det(&sc->stations[desk].patience, 5.0);
    sc->classes[0].arrivals.rates[0] = 1.1; /* overloaded: many run out of patience */
    sc->max_entities = 50000;
    r = run_rows(sc, NULL, &rows);
    s = &r.stations[desk];
    assert_true(s->reneged > 1000);
    assert_int_equal(r.stations[second].arrivals, s->reneged);
    assert_true(s->waits.max <= 5.0);
    for (size_t i = 0; i < rows.n; i++) {
        if (rows.v[i].flags & BL_ENTITY_RENEGED)
            assert_true(rows.v[i].wait >= 5.0 - 1e-9);
        assert_int_equal(rows.v[i].stations, (rows.v[i].flags & BL_ENTITY_RENEGED) ? 2 : 1);
    }
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void set_shifts(bl_station_def_t *d, size_t n, const bl_shift_t *shifts, double period) {
    free(d->shifts.shifts);
    d->shifts.n = n;
    d->shifts.shifts = malloc(n * sizeof *shifts);
    memcpy(d->shifts.shifts, shifts, n * sizeof *shifts);
    d->shifts.period = period;
    d->servers = 0;
    for (size_t i = 0; i < n; i++)
        if (shifts[i].servers > d->servers)
            d->servers = shifts[i].servers;
}

static void test_engine_shift_change_capacity(void **state) {
    (void)state;
    /* 4 officers for the first hour, 2 after; 3/s arriving, 1 s each:
     * the queue builds from the change on. */
    bl_scenario_t *sc = scenario_new(25, 3.0, 0, 4 * 3600.0);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 4, 1.0, false);
    const bl_shift_t shifts[] = {{0.0, 3600.0, 4}, {3600.0, 1e7, 2}};
    set_shifts(&sc->stations[desk], 2, shifts, 0.0);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    const bl_station_stats_t *s = &r.stations[desk];
    double t1 = 3600.0 - r.window_start, t2 = r.window_end - 3600.0;
    assert_true(t1 > 3599.0 && t2 > 10000.0);
    assert_true(fabs(s->capacity_area - (4.0 * t1 + 2.0 * t2)) < 1e-6 * s->capacity_area);
    assert_true(s->busy_area <= s->capacity_area * (1.0 + 1e-9));
    /* Nobody starts above capacity: in every full hour after the change
     * the busy time is within the on-duty time. */
    assert_true(s->busy_hourly.n >= 5);
    assert_true(s->capacity_hourly.n == s->busy_hourly.n);
    assert_true(fabs(bl_series_at(&s->capacity_hourly, 0) - 4 * 3600.0) < 1e-6);
    for (size_t h = 2; h < s->capacity_hourly.n - 1; h++) {
        assert_true(fabs(bl_series_at(&s->capacity_hourly, h) - 2 * 3600.0) < 1e-6);
        assert_true(bl_series_at(&s->busy_hourly, h) <=
                    bl_series_at(&s->capacity_hourly, h) + 1e-6);
    }
    /* Two officers serve at most about 7200 an hour. */
    for (size_t h = 2; h < s->served_hourly.n; h++)
        assert_true(bl_series_at(&s->served_hourly, h) < 7600.0);
    assert_true(s->max_queue > 1000);
    assert_int_equal(s->in_system, 0); /* the queue drains after arrivals stop */
    /* Queue series: integral over the run covers the window's area. */
    double qsum = 0.0;
    for (size_t i = 0; i < s->queue.n; i++)
        qsum += bl_series_at(&s->queue, i);
    assert_true(qsum >= s->queue_area * (1.0 - 1e-9));
    assert_true(s->queue.step == 60.0);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* A daily schedule: the run still ends when everyone has left. */
    const bl_shift_t day[] = {{6 * 3600.0, 22 * 3600.0, 3}};
    set_shifts(&sc->stations[desk], 1, day, 86400.0);
    sc->duration = 3 * 86400.0;
    sc->classes[0].arrivals.rates[0] = 0.5;
    r = run_ok(sc, NULL, 0, NULL);
    assert_int_equal(r.in_system_end, 0);
    assert_true(r.end_time < 4 * 86400.0);
    assert_true(bl_series_at(&r.stations[desk].capacity_hourly, 3) == 0.0);
    assert_true(fabs(bl_series_at(&r.stations[desk].capacity_hourly, 7) - 3 * 3600.0) < 1e-6);
    assert_true(bl_series_at(&r.stations[desk].served_hourly, 3) == 0.0);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* A desk that closes for good: the run ends with people still queued. */
    const bl_shift_t once[] = {{0.0, 100.0, 1}};
    set_shifts(&sc->stations[desk], 1, once, 0.0);
    sc->duration = 1000.0;
    r = run_ok(sc, NULL, 0, NULL);
    assert_true(r.in_system_end > 100);
    assert_int_equal(r.stations[desk].in_system, r.in_system_end);
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_shift_validation(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(26, 1.0, 100, 0.0);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 1, 1.0, false);
    const bl_shift_t overlap[] = {{0.0, 3600.0, 2}, {1800.0, 7200.0, 1}};
    set_shifts(&sc->stations[desk], 2, overlap, 86400.0);
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "desk"));
    assert_non_null(strstr(err.message, "line 10"));
    assert_non_null(strstr(err.message, "overlap"));

    sc->stations[desk].shifts.n = 0;
    sc->stations[desk].servers = 0;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "servers >= 1"));

    sc->stations[desk].servers = 1;
    sc->stations[desk].kind = BL_STATION_REVIEW;
    sc->stations[desk].confirm_carrier = 1.5;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "confirm_carrier"));

    sc->stations[desk].confirm_carrier = 0.5;
    sc->stations[desk].on_yes = 7;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "on_yes"));
    scenario_free(sc);
}

static void test_engine_routes_by_class_and_attribute(void **state) {
    (void)state;
    /* Class 0 has attribute "age" only; class 1 also "declared_value"
     * (1500): routed by declared_value >= 1000, class 1 goes to "yes" and
     * class 0 (no such attribute: 0) to "no".  Then by class. */
    bl_scenario_t *sc = scenario_new(27, 1.0, 20000, 0.0);
    add_class(sc, "truck", 0.5, 0);
    bl_population_t *p0 = &sc->classes[0].population, *p1 = &sc->classes[1].population;
    p0->n_attributes = 1;
    p0->attributes = calloc(1, sizeof *p0->attributes);
    p0->attributes[0].name = strdup("age");
    set_dist_det(&p0->attributes[0].clean, 30.0);
    set_dist_det(&p0->attributes[0].carrier, 30.0);
    p1->n_attributes = 2;
    p1->attributes = calloc(2, sizeof *p1->attributes);
    p1->attributes[0].name = strdup("declared_value");
    set_dist_det(&p1->attributes[0].clean, 1500.0);
    set_dist_det(&p1->attributes[0].carrier, 1500.0);
    p1->attributes[1].name = strdup("age");
    set_dist_det(&p1->attributes[1].clean, 50.0);
    set_dist_det(&p1->attributes[1].carrier, 50.0);
    union_add(&sc->attributes, &sc->n_attributes, "age");
    union_add(&sc->attributes, &sc->n_attributes, "declared_value");

    int gate = add_station(sc, "gate", BL_STATION_SERVICE, 2, 0.1, false);
    int yes = add_station(sc, "yes", BL_STATION_SERVICE, 2, 0.1, false);
    int no = add_station(sc, "no", BL_STATION_SERVICE, 2, 0.1, false);
    int lane_a = add_station(sc, "lane_a", BL_STATION_SERVICE, 2, 0.1, false);
    int lane_b = add_station(sc, "lane_b", BL_STATION_SERVICE, 2, 0.1, false);
    bl_route_t *r0 = &sc->stations[gate].next;
    r0->kind = BL_ROUTE_ATTRIBUTE;
    r0->n = 2;
    r0->target = realloc(r0->target, 2 * sizeof(int));
    r0->target[0] = yes;
    r0->target[1] = no;
    free(r0->cum);
    r0->cum = NULL;
    r0->attribute = 1;
    r0->threshold = 1000.0;
    for (int st = yes; st <= no; st++) {
        bl_route_t *rc = &sc->stations[st].next;
        rc->kind = BL_ROUTE_CLASS;
        rc->n = 2;
        rc->target = realloc(rc->target, 2 * sizeof(int));
        rc->target[0] = lane_a;
        rc->target[1] = lane_b;
        free(rc->cum);
        rc->cum = NULL;
    }
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    uint64_t n0 = r.classes[0].entities, n1 = r.classes[1].entities;
    assert_true(n0 > 10000 && n1 > 5000);
    assert_int_equal(n0 + n1, 20000);
    assert_int_equal(r.stations[yes].arrivals, n1);
    assert_int_equal(r.stations[no].arrivals, n0);
    assert_int_equal(r.stations[lane_a].arrivals, n0);
    assert_int_equal(r.stations[lane_b].arrivals, n1);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* A class route with a target per class is checked. */
    sc->stations[yes].next.target[1] = 9;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "'yes'"));
    scenario_free(sc);
}

static void test_engine_review_confirm_rates(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(28, 1.0, 40000, 0.0);
    set_population(sc, 0.5);
    int review = add_station(sc, "officer_review", BL_STATION_REVIEW, 2, 0.5, false);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 2, 0.5, false);
    sc->stations[review].confirm_carrier = 0.9;
    sc->stations[review].confirm_clean = 0.3;
    sc->stations[review].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    double nc = 0, cc = 0, nn = 0, cn = 0;
    for (size_t i = 0; i < rows.n; i++) {
        bool carrier = rows.v[i].contraband != 0, conf = rows.v[i].flags & BL_ENTITY_CONFIRMED;
        assert_true(carrier == (rows.v[i].threat != 0));
        if (carrier) {
            nc++;
            cc += conf;
        } else {
            nn++;
            cn += conf;
        }
    }
    assert_true(fabs(cc / nc - 0.9) < 4.0 * sqrt(0.9 * 0.1 / nc));
    assert_true(fabs(cn / nn - 0.3) < 4.0 * sqrt(0.3 * 0.7 / nn));
    assert_int_equal(r.confirmed + r.overridden, r.entities);
    assert_int_equal(r.confirmed, (uint64_t)(cc + cn));
    assert_int_equal(r.stations[review].yes, r.confirmed);
    assert_int_equal(r.stations[search].arrivals, r.confirmed);
    assert_int_equal(r.seizures, (uint64_t)cc);
    /* Contraband by kind: every carrier was seized or went through. */
    uint64_t carriers = 0, seized = 0;
    for (size_t k = 0; k < r.n_contraband; k++) {
        const bl_contraband_stats_t *c = &r.contraband[k];
        assert_int_equal(c->carriers, c->seized + c->through);
        carriers += c->carriers;
        seized += c->seized;
    }
    assert_int_equal(r.n_contraband, 2);
    assert_int_equal(carriers, r.carriers);
    assert_int_equal(seized, r.seizures);
    assert_true(fabs(r.contraband[0].value_seized - 1000.0 * (double)r.contraband[0].seized) <
                1e-6);
    assert_true(r.contraband[1].carriers > 2 * r.contraband[0].carriers);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Plugins (in-test descriptors)                                      */
/* ------------------------------------------------------------------ */

typedef struct fake {
    const bl_host_t *host;
    int fail_at; /* fail the n-th call (1-based); 0 = never */
    int calls;
    int deposits;
    bool bad_case;
} fake_t;

static int fake_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    fake_t *f = host->alloc(host->ctx, sizeof *f);
    if (f == NULL)
        return BL_ENOMEM;
    memset(f, 0, sizeof *f);
    f->host = host;
    const char *v = bl_config_get(config, "fail_at");
    f->fail_at = v != NULL ? atoi(v) : 0;
    *instance = f;
    return 0;
}

static void fake_destroy(void *instance) {
    fake_t *f = instance;
    f->host->free(f->host->ctx, f);
}

/* Score = the "x" column, which the population sets to 0.9 for carriers. */
static int fake_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                      double *scores_out, bl_reason_t *reasons_out) {
    fake_t *f = instance;
    if (++f->calls == f->fail_at)
        return BL_EINVAL;
    if (records->n_columns != 2 || strcmp(records->columns[0].name, "x") != 0 ||
        records->columns[0].type != BL_COLUMN_NUMERIC || n != 1)
        return BL_EINVAL;
    scores_out[0] = records->columns[0].numeric[first];
    return 0;
}

/* Alarm when the low-energy image has a dark pixel (a pistol's steel,
 * blurred over 12.5 mm pixels, keeps every scan's darkest pixel under 0.1;
 * only carriers are scanned here); also report one malformed detection per
 * scan, which the host must ignore. */
static int fake_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    fake_t *f = instance;
    f->calls++;
    for (size_t k = 0; k < n; k++) {
        const bl_scan_t *s = &scans[k];
        float lo = 1.0f;
        for (size_t i = 0; i < (size_t)s->width * s->height; i++)
            lo = s->low[i] < lo ? s->low[i] : lo;
        if (out->count + 2 > out->capacity)
            return BL_ENOSPC;
        out->items[out->count++] =
            (bl_detection_t){(uint32_t)k, BL_THREAT_FIREARM, NAN, {0, 0, 1, 1}};
        if (lo < 0.2f)
            out->items[out->count++] =
                (bl_detection_t){(uint32_t)k, BL_THREAT_FIREARM, 0.95f, {1, 1, 5, 5}};
    }
    return 0;
}

static int fake_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    fake_t *f = instance;
    for (size_t i = 0; i < n; i++) {
        if (items[i].case_id[0] != 'R' || strchr(items[i].case_id, 'E') == NULL ||
            strcmp(items[i].location, "intake") != 0 || strcmp(items[i].officer, "search") != 0 ||
            !(items[i].quantity > 0.0))
            f->bad_case = true;
        ids_out[i] = (uint64_t)++f->deposits;
    }
    return 0;
}

static int fake_store_verb(void *instance) {
    (void)instance;
    return 0;
}

static const bl_risk_ops_t fake_risk_ops = {sizeof(bl_risk_ops_t), fake_create, fake_score,
                                            fake_destroy};
static const bl_detector_ops_t fake_det_ops = {sizeof(bl_detector_ops_t), fake_create, fake_detect,
                                               fake_destroy};
static const bl_store_ops_t fake_store_ops = {
    sizeof(bl_store_ops_t), fake_create, fake_deposit, NULL, NULL, NULL, NULL, NULL, NULL,
    fake_store_verb,        fake_destroy};

static const bl_plugin_t fake_risk = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, 0, "test.risk", "fake risk", "test", "1"), NULL, &fake_risk_ops,
    NULL};
static const bl_plugin_t fake_det = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, 0, "test.detector", "fake detector", "test", "1"),
    &fake_det_ops, NULL, NULL};
static const bl_plugin_t fake_store = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, 0, "test.store", "fake store", "test", "1"), NULL, NULL,
    &fake_store_ops};

/* risk -> (selected) xray scan -> (alarm) search -> exit */
static bl_scenario_t *plugin_scenario(void) {
    bl_scenario_t *sc = scenario_new(9, 1.0, 2000, 0.0);
    set_population(sc, 0.2);
    sc->classes[0].population.contraband[0].share = 1.0; /* firearms only: steel in the scan */
    sc->classes[0].population.contraband[1].share = 0.0;
    sc->scan = (bl_scan_spec_t){48, 48, 0.0};
    int risk = add_station(sc, "risk", BL_STATION_RISK, 1, 0.1, true);
    int xray = add_station(sc, "xray", BL_STATION_SCAN, 1, 0.2, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 1, 0.5, true);
    sc->stations[risk].on_yes = xray;
    sc->stations[xray].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    return sc;
}

static void test_engine_plugins_route_decisions(void **state) {
    (void)state;
    bl_scenario_t *sc = plugin_scenario();
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""}, hd = {NULL, NULL, &fake_det, ""},
                       hs = {NULL, NULL, &fake_store, ""};
    bl_plugin_set_t ps = {{&hd, &hr, &hs}};
    bl_replication_result_t r = run_ok(sc, &ps, 0, NULL);
    assert_true(r.carriers > 300);
    assert_int_equal(r.selected, r.carriers); /* x = 0.9 for carriers, 0.2 otherwise */
    assert_int_equal(r.plugin_calls[BL_ROLE_RISK], r.entities);
    assert_int_equal(r.plugin_calls[BL_ROLE_DETECTOR], r.selected);
    assert_int_equal(r.invalid_outputs[BL_ROLE_DETECTOR], r.plugin_calls[BL_ROLE_DETECTOR]);
    assert_int_equal(r.invalid_outputs[BL_ROLE_RISK], 0);
    /* A firearm is steel: every one alarms. */
    assert_int_equal(r.alarms, r.selected);
    assert_int_equal(r.seizures, r.alarms);
    assert_int_equal(r.plugin_calls[BL_ROLE_STORE], r.seizures);
    assert_int_equal(r.missed, 0);
    assert_int_equal(r.stations[0].yes, r.selected);
    bl_replication_result_fini(&r);

    /* Without a store, seizures are still counted but nothing is deposited. */
    ps.role[BL_ROLE_STORE] = NULL;
    r = run_ok(sc, &ps, 0, NULL);
    assert_int_equal(r.plugin_calls[BL_ROLE_STORE], 0);
    assert_int_equal(r.seizures, r.alarms);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_plugin_error_names_plugin(void **state) {
    (void)state;
    bl_scenario_t *sc = plugin_scenario();
    sc->plugins[BL_ROLE_RISK].n_config = 1;
    sc->plugins[BL_ROLE_RISK].config_keys = malloc(sizeof(char *));
    sc->plugins[BL_ROLE_RISK].config_values = malloc(sizeof(char *));
    sc->plugins[BL_ROLE_RISK].config_keys[0] = strdup("fail_at");
    sc->plugins[BL_ROLE_RISK].config_values[0] = strdup("50");
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""}, hd = {NULL, NULL, &fake_det, ""};
    bl_plugin_set_t ps = {{&hd, &hr, NULL}};
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, &ps, 0, NULL, NULL, &r, &err), BL_EPLUGIN);
    assert_non_null(strstr(err.message, "test.risk"));
    assert_non_null(strstr(err.message, "score"));
    assert_non_null(strstr(err.message, "'risk'"));
    assert_non_null(strstr(err.message, "simulated time"));
    assert_null(r.stations);
    scenario_free(sc);
}

static void test_engine_risk_station_without_plugin_fails(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(8, 1.0, 100, 0.0);
    add_station(sc, "triage", BL_STATION_RISK, 1, 1.0, false);
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "triage"));
    assert_null(r.stations);

    /* And a run that could never end is refused. */
    sc->stations[0].kind = BL_STATION_SERVICE;
    sc->max_entities = 0;
    sc->duration = 0.0;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    scenario_free(sc);
}

static void test_engine_topk_budget_per_hour(void **state) {
    (void)state;
    /* 100 an hour scored uniformly at random; a budget of 5 an hour. */
    bl_scenario_t *sc = scenario_new(29, 100.0 / 3600.0, 0, 48 * 3600.0);
    set_population(sc, 0.1);
    bl_attribute_t *x = &sc->classes[0].population.attributes[0];
    bl_dist_fini(&x->clean);
    bl_dist_fini(&x->carrier);
    assert_int_equal(bl_dist_uniform(&x->clean, 0.0, 1.0, NULL), 0);
    assert_int_equal(bl_dist_uniform(&x->carrier, 0.0, 1.0, NULL), 0);
    int risk = add_station(sc, "risk", BL_STATION_RISK, 1, 0.0, true);
    sc->stations[risk].budget_per_hour = 5.0;
    sc->stations[risk].threshold = 0.9;
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""};
    bl_plugin_set_t ps = {{NULL, &hr, NULL}};
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, &ps, &rows);
    unsigned per_hour[48] = {0};
    for (size_t i = 0; i < rows.n; i++)
        if (rows.v[i].flags & BL_ENTITY_SELECTED) {
            /* decided at arrival: the risk check takes no time */
            size_t h = (size_t)floor(rows.v[i].departure / 3600.0);
            assert_true(h < 48);
            per_hour[h]++;
            assert_true(rows.v[i].risk_score >= 0.0);
        }
    /* Never over budget; at the previous hour's 5th-highest score the
     * expected count is about 5, so about half the hours fill it. */
    unsigned full = 0, total = 0;
    for (size_t h = 0; h < 48; h++) {
        assert_true(per_hour[h] <= 5);
        full += per_hour[h] == 5;
        total += per_hour[h];
    }
    assert_true(full >= 12);
    assert_true(total >= 3 * 48);
    assert_int_equal(r.selected, r.stations[risk].yes);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

/* entry (3 servers; 2 from hour 1) -> (0.6 xray with patience | 0.4 desk)
 * -> search 10% -> exit; xray reneges to desk; class "coach" in groups of 20
 * with a higher priority; warm-up 200 s. */
static bl_scenario_t *full_scenario(uint64_t seed) {
    bl_scenario_t *sc = scenario_new(seed, 2.0, 0, 3 * 3600.0);
    sc->warmup_time = 200.0;
    set_population(sc, 0.1);
    int coach = add_class(sc, "coach", 1.0 / 300.0, 2);
    set_dist_det(&sc->classes[coach].group, 20.0);
    assert_int_equal(bl_dist_uniform(&sc->classes[coach].occupants, 1.0, 3.0, NULL), 0);
    set_class_population(sc, coach, 0.3);
    int entry = add_station(sc, "entry", BL_STATION_SERVICE, 3, 1.2, false);
    int xray = add_station(sc, "xray", BL_STATION_SERVICE, 2, 0.8, false);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 1, 0.9, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 1, 3.0, false);
    sc->stations[search].find_probability = 0.5;
    const bl_shift_t shifts[] = {{0.0, 3600.0, 3}, {3600.0, 86400.0, 2}};
    set_shifts(&sc->stations[entry], 2, shifts, 86400.0);
    assert_int_equal(bl_dist_exponential(&sc->stations[xray].patience, 30.0, NULL), 0);
    sc->stations[xray].on_renege = desk;
    sc->stations[desk].service_by_class = calloc(2, sizeof(bl_dist_t));
    set_dist_det(&sc->stations[desk].service_by_class[coach], 0.5);
    const int t1[] = {xray, desk};
    const double p1[] = {0.6, 0.4};
    set_route(sc, entry, 2, t1, p1);
    const int t2[] = {search, BL_EXIT};
    const double p2[] = {0.1, 0.9};
    set_route(sc, xray, 2, t2, p2);
    set_route(sc, desk, 2, t2, p2);
    return sc;
}

static void test_engine_conservation_with_warmup(void **state) {
    (void)state;
    bl_scenario_t *sc = full_scenario(31);
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    assert_conserved(&r);
    assert_true(r.reneged > 0);
    assert_true(r.total_arrivals > r.entities);
    assert_int_equal(rows.n, r.total_departures);
    assert_int_equal(r.classes[0].entities + r.classes[1].entities, r.entities);
    assert_int_equal(r.classes[0].completed + r.classes[1].completed, r.completed);
    assert_int_equal(r.classes[0].reneged + r.classes[1].reneged, r.reneged);
    assert_int_equal(r.classes[0].carriers + r.classes[1].carriers, r.carriers);
    assert_int_equal(r.classes[0].seizures + r.classes[1].seizures, r.seizures);
    assert_true(r.classes[1].travellers >= r.classes[1].entities &&
                r.classes[1].travellers <= 3 * r.classes[1].entities);
    assert_int_equal(r.travellers, r.classes[0].entities + r.classes[1].travellers);
    double served = 0.0;
    for (size_t h = 0; h < r.stations[0].served_hourly.n; h++)
        served += bl_series_at(&r.stations[0].served_hourly, h);
    assert_true(served == (double)r.stations[0].all_departures);
    uint64_t carriers = 0;
    for (size_t k = 0; k < r.n_contraband; k++)
        carriers += r.contraband[k].carriers;
    assert_int_equal(carriers, r.carriers);
    for (size_t i = 0; i < rows.n; i++) {
        assert_true(rows.v[i].entity_class < 2);
        assert_true(rows.v[i].contraband <= 2);
        assert_true((rows.v[i].contraband == 0) == (rows.v[i].threat == 0));
    }
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void assert_series_equal(const bl_series_t *a, const bl_series_t *b) {
    assert_int_equal(a->n, b->n);
    if (a->n > 0)
        assert_memory_equal(a->v, b->v, a->n * sizeof *a->v);
}

static void test_engine_full_model_is_deterministic(void **state) {
    (void)state;
    bl_scenario_t *sc = full_scenario(32);
    bl_replication_result_t a = run_ok(sc, NULL, 2, NULL);
    bl_replication_result_t b = run_ok(sc, NULL, 2, NULL);
    assert_results_equal(&a, &b);
    assert_int_equal(a.reneged, b.reneged);
    assert_int_equal(a.travellers, b.travellers);
    assert_int_equal(a.total_departures, b.total_departures);
    assert_series_equal(&a.departures_hourly, &b.departures_hourly);
    for (size_t i = 0; i < a.n_stations; i++) {
        assert_memory_equal(&a.stations[i].capacity_area, &b.stations[i].capacity_area,
                            sizeof(double));
        assert_series_equal(&a.stations[i].queue, &b.stations[i].queue);
        assert_series_equal(&a.stations[i].busy_hourly, &b.stations[i].busy_hourly);
        assert_series_equal(&a.stations[i].capacity_hourly, &b.stations[i].capacity_hourly);
        assert_series_equal(&a.stations[i].served_hourly, &b.stations[i].served_hourly);
    }
    for (size_t c = 0; c < a.n_classes; c++)
        assert_memory_equal(&a.classes[c], &b.classes[c], sizeof a.classes[c]);
    assert_memory_equal(a.contraband, b.contraband, a.n_contraband * sizeof *a.contraband);
    bl_replication_result_t c = run_ok(sc, NULL, 3, NULL);
    assert_true(c.total_arrivals != a.total_arrivals || c.sojourn_sum != a.sojourn_sum);
    bl_replication_result_fini(&a);
    bl_replication_result_fini(&b);
    bl_replication_result_fini(&c);
    scenario_free(sc);
}

static void test_engine_series_helpers(void **state) {
    (void)state;
    bl_series_t s = {10.0, 0, 0, NULL};
    assert_int_equal(bl_series_add_span(&s, 2.0, 8.0, 1.0), 0); /* inside bin 0 */
    assert_int_equal(s.n, 1);
    assert_true(bl_series_at(&s, 0) == 6.0);
    assert_int_equal(bl_series_add_span(&s, 5.0, 30.0, 2.0), 0); /* bins 0..2, ends on a boundary */
    assert_int_equal(s.n, 3);
    assert_true(bl_series_at(&s, 0) == 16.0);
    assert_true(bl_series_at(&s, 1) == 20.0);
    assert_true(bl_series_at(&s, 2) == 20.0);
    assert_true(bl_series_at(&s, 7) == 0.0);
    assert_int_equal(bl_series_add(&s, 45.0, 3.0), 0);
    assert_int_equal(s.n, 5);
    assert_true(bl_series_at(&s, 4) == 3.0 && bl_series_at(&s, 3) == 0.0);
    assert_int_equal(bl_series_add(&s, -1.0, 3.0), BL_EINVAL);
    bl_series_fini(&s);
    assert_int_equal(s.n, 0);
    assert_null(s.v);
}

static void test_engine_surrogate_scan(void **state) {
    (void)state;
    /* A measured detector: clean bags score 0.1 or 0.6, firearms 0.9.  Half
     * the firearms are on the body (not in the scan, never found). */
    double clean[] = {0.1, 0.6}, gun[] = {0.9};
    bl_surrogate_t sg;
    memset(&sg, 0, sizeof sg);
    sg.n[0] = 2;
    sg.scores[0] = clean;
    sg.n[BL_THREAT_FIREARM] = 1;
    sg.scores[BL_THREAT_FIREARM] = gun;
    for (int i = 0; i < 5; i++)
        sg.latency_q[i] = 2.0;

    bl_scenario_t *sc = scenario_new(33, 1.0, 20000, 0.0);
    set_population(sc, 0.3);
    bl_contraband_t *c = &sc->classes[0].population.contraband[0];
    c->share = 1.0;
    sc->classes[0].population.contraband[1].share = 0.0;
    c->n_concealments = 2;
    c->concealments = calloc(2, sizeof *c->concealments);
    c->concealments[0] = (bl_concealment_t){strdup("luggage"), 0.5, 1.0, true};
    c->concealments[1] = (bl_concealment_t){strdup("body"), 0.5, 0.0, false};
    int xray = add_station(sc, "xray", BL_STATION_SCAN, 50, 1.0, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 50, 0.0, true);
    sc->stations[xray].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    sc->surrogate_data = &sg;
    sc->surrogate.latency = true;
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows); /* no detector plugin needed */
    assert_int_equal(r.plugin_calls[BL_ROLE_DETECTOR], 0);
    double clean_n = 0, clean_alarm = 0, carrier_alarm = 0, seized = 0;
    for (size_t i = 0; i < rows.n; i++) {
        const bl_entity_record_t *x = &rows.v[i];
        /* scan time 1 s + 2 s latency, search 0 s */
        assert_true(fabs(x->departure - x->arrival - x->wait - 3.0) < 1e-9);
        bool alarm = (x->flags & BL_ENTITY_ALARM) != 0;
        if (x->contraband == 0) {
            clean_n++;
            clean_alarm += alarm;
        } else {
            carrier_alarm += alarm;
        }
        if (x->flags & BL_ENTITY_SEIZED) {
            assert_true(alarm && x->contraband == 1);
            seized++;
        }
    }
    assert_int_equal(r.false_alarms, (uint64_t)clean_alarm);
    assert_int_equal(r.alarms, (uint64_t)(clean_alarm + carrier_alarm));
    assert_true(fabs(clean_alarm / clean_n - 0.5) < 4.0 * sqrt(0.25 / clean_n));
    double nc = (double)r.carriers;
    /* in the scan: alarm and seized; on the body: alarm like a clean bag,
     * never found */
    assert_true(fabs(seized / nc - 0.5) < 4.0 * sqrt(0.25 / nc));
    assert_true(fabs(carrier_alarm / nc - 0.75) < 4.0 * sqrt(0.75 * 0.25 / nc));
    assert_int_equal(r.seizures, (uint64_t)seized);
    assert_int_equal(r.contraband[0].seized, r.seizures);
    assert_int_equal(r.contraband[0].through, r.carriers - r.seizures);
    bl_replication_result_fini(&r);
    free(rows.v);
    sc->surrogate_data = NULL;
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Scans                                                              */
/* ------------------------------------------------------------------ */

/* The engine asks the generator for the entity's threat: a firearm
 * carrier's scan is darker than the clean scan drawn from the same stream. */
static double mean_of(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static void test_engine_scan_follows_entity_threat(void **state) {
    (void)state;
    bl_xray_config_t cfg;
    bl_scan_buffer_t a, b;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = 64;
    assert_int_equal(bl_scan_buffer_init(&a, 64, 64), 0);
    assert_int_equal(bl_scan_buffer_init(&b, 64, 64), 0);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bl_rng_t r1, r2;
        bl_scan_t s1, s2;
        bl_scan_truth_t t1, t2;
        bl_rng_init(&r1, seed, 0, BL_STREAM_SCANS);
        bl_rng_init(&r2, seed, 0, BL_STREAM_SCANS);
        bl_xray_generate(&cfg, BL_THREAT_NONE, seed, &r1, &a, &s1, &t1);
        bl_xray_generate(&cfg, BL_THREAT_FIREARM, seed, &r2, &b, &s2, &t2);
        assert_int_equal(t1.n, 0);
        assert_int_equal(t2.n, 1);
        assert_int_equal(t2.objects[0].threat, BL_THREAT_FIREARM);
        assert_true(mean_of(b.low, 64 * 64) < mean_of(a.low, 64 * 64) - 0.002);
    }
    bl_scan_buffer_fini(&a);
    bl_scan_buffer_fini(&b);
}

/* "${replication}" in plugin configuration values becomes the replication
 * number, so each replication can own a file (a store's database). */
static void test_engine_config_replication_token(void **state) {
    (void)state;
    char *keys[] = {"path", "mode", "twice"};
    char *values[] = {"seizures-${replication}.db", "plain", "${replication}${replication}"};
    bl_plugin_ref_t ref = {NULL, 3, keys, values};
    char **out = NULL;
    assert_int_equal(bl_plugin_ref_expand(&ref, 3, &out), 0);
    assert_string_equal(out[0], "seizures-3.db");
    assert_string_equal(out[1], "plain");
    assert_string_equal(out[2], "33");
    bl_plugin_ref_values_free(out, 3);
    assert_int_equal(bl_plugin_ref_expand(&ref, 12, &out), 0);
    assert_string_equal(out[0], "seizures-12.db");
    bl_plugin_ref_values_free(out, 3);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_mm1_matches_theory),
        cmocka_unit_test(test_engine_mmc_matches_erlang_c),
        cmocka_unit_test(test_engine_same_seed_same_result),
        cmocka_unit_test(test_engine_conserves_entities),
        cmocka_unit_test(test_engine_dd1_has_no_waits),
        cmocka_unit_test(test_engine_warmup_excludes_early_entities),
        cmocka_unit_test(test_engine_route_splits_by_probability),
        cmocka_unit_test(test_engine_sink_receives_every_entity),
        cmocka_unit_test(test_engine_plugins_route_decisions),
        cmocka_unit_test(test_engine_plugin_error_names_plugin),
        cmocka_unit_test(test_engine_risk_station_without_plugin_fails),
        cmocka_unit_test(test_engine_scan_follows_entity_threat),
        cmocka_unit_test(test_engine_config_replication_token),
        cmocka_unit_test(test_engine_group_arrivals),
        cmocka_unit_test(test_engine_priority_order_is_non_preemptive),
        cmocka_unit_test(test_engine_reneging),
        cmocka_unit_test(test_engine_shift_change_capacity),
        cmocka_unit_test(test_engine_shift_validation),
        cmocka_unit_test(test_engine_routes_by_class_and_attribute),
        cmocka_unit_test(test_engine_review_confirm_rates),
        cmocka_unit_test(test_engine_topk_budget_per_hour),
        cmocka_unit_test(test_engine_conservation_with_warmup),
        cmocka_unit_test(test_engine_full_model_is_deterministic),
        cmocka_unit_test(test_engine_series_helpers),
        cmocka_unit_test(test_engine_surrogate_scan),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
