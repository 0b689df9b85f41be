/*
 * Unit tests for the engine's run loop (core/engine/engine.c,
 * engine_queue.c): M/M/1 and M/M/c against theory, the same seed giving
 * the same result to the bit, conservation of entities, a D/D/1 with no
 * waits, the warm-up, probabilistic routes and the entity sink.  Classes
 * and reneging are in test_engine_classes.c, shift schedules in
 * test_engine_shifts.c, plugins and the deciding stations in
 * test_engine_decide.c; the scan generator's own tests are in test_xray.c
 * and the queueing-theory checks in test_queueing.c.  Scenarios are built
 * by hand (no Lua; see engine_fixtures.h).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine_fixtures.h"

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
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
