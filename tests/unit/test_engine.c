/*
 * Unit tests for core/engine.c (the scan generator's own tests are in
 * test_xray.c).  Scenarios are built
 * by hand (no Lua); plugins are in-test descriptors handed to the engine
 * directly (no loader, no shared objects).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "xray.h"

/* ------------------------------------------------------------------ */
/* Scenario builders                                                  */
/* ------------------------------------------------------------------ */

static bl_scenario_t *scenario_new(uint64_t seed, double rate, uint64_t max_entities,
                                   double duration) {
    bl_scenario_t *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    sc->name = strdup("test");
    sc->job = BL_JOB_CHECKPOINT;
    sc->seed = seed;
    sc->replications = 1;
    sc->max_entities = max_entities;
    sc->duration = duration;
    sc->arrivals.n_segments = 1;
    sc->arrivals.rates = malloc(sizeof(double));
    assert_non_null(sc->arrivals.rates);
    sc->arrivals.rates[0] = rate;
    sc->arrivals.step = 1.0;
    sc->first_station = 0;
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
    d->threshold = 0.5;
    d->line = 10 + (int)sc->n_stations;
    return (int)sc->n_stations++;
}

/* Route station idx to targets[i] with probabilities p[i]. */
static void set_route(bl_scenario_t *sc, int idx, size_t n, const int *targets, const double *p) {
    bl_route_t *r = &sc->stations[idx].next;
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

static void set_population(bl_scenario_t *sc, double carrier_share) {
    bl_population_t *p = &sc->population;
    p->carrier_share = carrier_share;
    p->n_contraband = 2;
    p->contraband = calloc(2, sizeof *p->contraband);
    p->contraband[0] = (bl_contraband_t){BL_THREAT_FIREARM, 0.25, 1000.0, 1.0, strdup("item")};
    p->contraband[1] = (bl_contraband_t){BL_THREAT_DRUGS, 0.75, 5000.0, 2.5, strdup("kg")};
    p->n_attributes = 2;
    p->attributes = calloc(2, sizeof *p->attributes);
    p->attributes[0].name = strdup("x");
    assert_int_equal(bl_dist_deterministic(&p->attributes[0].clean, 0.2, NULL), 0);
    assert_int_equal(bl_dist_deterministic(&p->attributes[0].carrier, 0.9, NULL), 0);
    p->attributes[1].name = strdup("age");
    assert_int_equal(bl_dist_uniform(&p->attributes[1].clean, 18.0, 80.0, NULL), 0);
    assert_int_equal(bl_dist_uniform(&p->attributes[1].carrier, 18.0, 40.0, NULL), 0);
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
    sc->population.contraband[0].share = 1.0; /* firearms only: steel in the scan */
    sc->population.contraband[1].share = 0.0;
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
    bl_xray_buffer_t a, b;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = 64;
    assert_int_equal(bl_xray_buffer_init(&a, 64, 64), 0);
    assert_int_equal(bl_xray_buffer_init(&b, 64, 64), 0);
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
    bl_xray_buffer_fini(&a);
    bl_xray_buffer_fini(&b);
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
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
