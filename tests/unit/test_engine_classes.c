/*
 * Unit tests for entity classes in the engine (issue 6): group arrivals and
 * occupants, non-preemptive priorities, reneging, routes by class and by
 * attribute, and a full model (classes, groups, priorities, patience,
 * shifts, service by class, warm-up) that conserves entities and gives the
 * same result for the same seed.  Scenarios are built by hand (see
 * engine_fixtures.h).
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

/* ------------------------------------------------------------------ */
/* A full model                                                       */
/* ------------------------------------------------------------------ */

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

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_group_arrivals),
        cmocka_unit_test(test_engine_priority_order_is_non_preemptive),
        cmocka_unit_test(test_engine_reneging),
        cmocka_unit_test(test_engine_routes_by_class_and_attribute),
        cmocka_unit_test(test_engine_conservation_with_warmup),
        cmocka_unit_test(test_engine_full_model_is_deterministic),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
