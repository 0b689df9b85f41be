/*
 * Fixtures the engine tests share: see engine_fixtures.h.
 */
#include "engine_fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/checkpoint/checkpoint_run.h"

/* Append a class with Poisson arrivals at `rate` (0: replay only); first
 * station 0. */
int add_class(bl_scenario_t *sc, const char *name, double rate, int priority) {
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
bl_scenario_t *scenario_new(uint64_t seed, double rate, uint64_t max_entities, double duration) {
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

void scenario_free(bl_scenario_t *sc) {
    bl_scenario_free_contents(sc);
    free(sc);
}

/* Append a station; service is an exponential (mean > 0) or, when
 * deterministic is set, a constant.  Routes to exit until told otherwise. */
int add_station(bl_scenario_t *sc, const char *name, int kind, unsigned servers, double mean,
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
void set_route(bl_scenario_t *sc, int idx, size_t n, const int *targets, const double *p) {
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
uint32_t union_add(char ***names, size_t *n, const char *name) {
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
void set_class_population(bl_scenario_t *sc, int cls, double carrier_share) {
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

void set_population(bl_scenario_t *sc, double carrier_share) {
    set_class_population(sc, 0, carrier_share);
}

void set_shifts(bl_station_def_t *d, size_t n, const bl_shift_t *shifts, double period) {
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

bl_replication_result_t run_ok(const bl_scenario_t *sc, const bl_plugin_set_t *ps, unsigned rep,
                               const bl_entity_sink_t *sink) {
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_engine_run(sc, ps, rep, sink, NULL, &r, &err);
    if (rc != 0)
        fail_msg("bl_engine_run: %s", err.message);
    return r;
}

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
bl_replication_result_t run_rows(const bl_scenario_t *sc, const bl_plugin_set_t *ps, rows_t *rows) {
    memset(rows, 0, sizeof *rows);
    bl_entity_sink_t sink = {keep_rows, rows};
    return run_ok(sc, ps, 0, &sink);
}

void assert_results_equal(const bl_replication_result_t *a, const bl_replication_result_t *b) {
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

/* all_arrivals == all_departures + in_system at every station, and the
 * same for the whole system. */
void assert_conserved(const bl_replication_result_t *r) {
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
