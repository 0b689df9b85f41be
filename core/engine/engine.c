/*
 * The discrete-event engine: see engine.h.  This file holds the run loop,
 * the arrivals and the entity flow (the per-event path); engine_setup.c
 * the setup and teardown of a replication, the measurement window, the
 * per-entity table and the figures derived at the end; engine_queue.c the
 * priority queues, reneging, shift changes and series bins;
 * engine_decide.c the decision stations, plugins and scenario checks.
 *
 * Events: the next arrival of each class (one pending per class, target =
 * class index), the next replayed arrival (entity = row), a service
 * completion, a renege check and a shift boundary.  Moving an entity to its
 * next station happens inside the completion handler, at the same
 * simulated time, so routing costs no event.
 *
 * Entities live in a pool with a free list, so memory is bounded by the
 * entities in the system, not by how many passed.  Time integrals (busy
 * servers, on-duty servers, queue length, entities in system) are updated
 * lazily at each state change and clipped to the measurement window; the
 * window opens at the first counted arrival and closes at the last
 * arrival.  Series bins are accumulated in the station and flushed once per
 * bin.  Features a scenario does not use (classes, priorities, patience,
 * shifts, per-class service) are decided at setup into per-station flags,
 * so a single-class M/M/c run takes the same short path as before.
 *
 * The engine holds no global state: everything lives in a run_t made per
 * call, so replications may run concurrently in different threads.
 */
#include "engine/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arrivals.h"
#include "engine/engine_internal.h"

#define PROGRESS_MASK 0xffffu /* report progress every 65536 events */

/* The per-event path: inlined even where the compiler would rather call. */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif
#define MAX_GROUP 1e9

/* ------------------------------------------------------------------ */
/* Entity pool                                                        */
/* ------------------------------------------------------------------ */

/* Also called by setup (engine_setup.c) for the first 1024 slots. */
int bl_engine_pool_grow(run_t *R) {
    uint32_t old = R->ent_cap;
    uint32_t cap = old ? old * 2 : 1024;
    if (cap <= old || cap == UINT32_MAX)
        return bl_error_set(R->err, BL_ENOMEM, "too many entities in the system (%u)", old);
    entity_t *e = realloc(R->ent, (size_t)cap * sizeof *e);
    if (e == NULL)
        goto nomem;
    R->ent = e;
    size_t na = R->n_attr;
    if (na > 0) {
        double *a = realloc(R->attrs, (size_t)cap * na * sizeof *a);
        if (a == NULL)
            goto nomem;
        R->attrs = a;
    }
    /* Thread the new slots onto the free list, lowest first. */
    for (uint32_t i = old; i < cap; i++)
        R->ent[i].next_free = i + 1 < cap ? i + 1 : UINT32_MAX;
    R->free_head = old;
    R->ent_cap = cap;
    return 0;
nomem:
    return bl_error_set(R->err, BL_ENOMEM,
                        "out of memory growing the entity pool to %u entities in the system", cap);
}

static inline int entity_alloc(run_t *R, uint32_t *slot) {
    if (R->free_head == UINT32_MAX) {
        int rc = bl_engine_pool_grow(R);
        if (rc != 0)
            return rc;
    }
    *slot = R->free_head;
    R->free_head = R->ent[*slot].next_free;
    return 0;
}

static inline void entity_free(run_t *R, uint32_t slot) {
    R->ent[slot].next_free = R->free_head;
    R->free_head = slot;
}

/* ------------------------------------------------------------------ */
/* Sampling                                                           */
/* ------------------------------------------------------------------ */

/* Same numbers as bl_dist_sample, without the call for the common kinds. */
static inline double service_time(run_t *R, station_rt_t *s, uint32_t slot) {
    double d;
    if (s->svc_slow)
        d = bl_engine_service_slow(R, s, slot);
    else if (s->svc_kind == BL_DIST_EXPONENTIAL)
        d = -s->svc_a * log(bl_rng_uniform_pos(&s->rng));
    else if (s->svc_kind == BL_DIST_DETERMINISTIC)
        d = s->svc_a;
    else
        d = bl_dist_sample(&s->def->service, &s->rng);
    return d >= 0.0 ? d : 0.0; /* also maps NaN to 0 */
}

/* Same numbers as bl_arrivals_next for a constant rate (-log(U) / rate);
 * anything else goes through the general inversion. */
static inline double next_arrival(class_rt_t *k, double now) {
    const bl_arrivals_t *a = &k->def->arrivals;
    if (a->n_segments == 1)
        return a->rates[0] > 0.0 ? now - log(bl_rng_uniform_pos(&k->rng)) / a->rates[0] : INFINITY;
    return bl_arrivals_next(a, now, &k->rng);
}

/* A count drawn from d, rounded to an integer >= 1. */
static uint64_t draw_count(const bl_dist_t *d, bl_rng_t *rng) {
    double x = floor(bl_dist_sample(d, rng) + 0.5);
    if (!(x >= 1.0))
        return 1;
    return x < MAX_GROUP ? (uint64_t)x : (uint64_t)MAX_GROUP;
}

/* ------------------------------------------------------------------ */
/* Entity flow                                                        */
/* ------------------------------------------------------------------ */

HOT int start_service(run_t *R, station_rt_t *s, uint32_t slot, double now, double w) {
    entity_t *e = &R->ent[slot];
    e->wait += w;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        s->st->wait_sum += w;
        bl_histogram_add(&s->st->waits, w);
    }
    int rc = bl_eventq_push(&R->q, now + service_time(R, s, slot), EV_DEPART,
                            (uint32_t)(s - R->stations), slot);
    if (rc != 0)
        return bl_error_set(R->err, rc, "out of memory growing the event list");
    return 0;
}

HOT int enter_station(run_t *R, int idx, uint32_t slot, double now) {
    station_rt_t *s = &R->stations[idx];
    entity_t *e = &R->ent[slot];
    station_touch(R, s, now);
    e->stations++;
    s->st->all_arrivals++;
    if ((e->flags & BL_ENTITY_WARMUP) == 0)
        s->st->arrivals++;
    if (s->busy < s->servers) {
        s->busy++;
        return start_service(R, s, slot, now, 0.0);
    }
    e->enter = now;
    if (s->simple_q) {
        ring_t *r = s->rings;
        if (r->len == r->cap) {
            int rc = bl_engine_ring_grow(R, s, r);
            if (rc != 0)
                return rc;
        }
        r->buf[(r->head + r->len) & (r->cap - 1)] = slot;
        r->len++;
        s->qlen++;
    } else {
        int rc = bl_engine_enqueue(R, s, slot, now);
        if (rc != 0)
            return rc;
    }
    if (s->qlen > s->st->max_queue)
        s->st->max_queue = s->qlen;
    return 0;
}

/* Take the next queued entity at s (s->qlen > 0). */
HOT uint32_t queue_pop(run_t *R, station_rt_t *s) {
    if (s->simple_q) {
        ring_t *r = s->rings;
        uint32_t slot = (uint32_t)r->buf[r->head];
        r->head = (r->head + 1) & (r->cap - 1);
        r->len--;
        s->qlen--;
        return slot;
    }
    return bl_engine_pop_slow(R, s);
}

int bl_engine_serve_queued(run_t *R, station_rt_t *s, double now) {
    while (s->qlen > 0 && s->busy < s->servers) {
        uint32_t next = queue_pop(R, s);
        s->busy++;
        int rc = start_service(R, s, next, now, now - R->ent[next].enter);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Count a departure from the system in the hourly series. */
static inline void departure_hourly(run_t *R, double now) {
    if (now >= R->dep_h_end) {
        if (R->dep_acc != 0.0 &&
            bl_series_add_bin(&R->res->departures_hourly, R->dep_h_bin, R->dep_acc) != 0)
            R->oom = true;
        R->dep_acc = 0.0;
        R->dep_h_bin = (size_t)floor(now / HOUR);
        R->dep_h_end = (double)(R->dep_h_bin + 1) * HOUR;
    }
    R->dep_acc += 1.0;
}

HOT int leave_system(run_t *R, uint32_t slot, double now) {
    entity_t *e = &R->ent[slot];
    bl_replication_result_t *res = R->res;
    system_touch(R, now);
    R->in_system--;
    res->total_departures++;
    departure_hourly(R, now);
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        double soj = now - e->arrival;
        res->completed++;
        res->sojourn_sum += soj;
        bl_histogram_add(&res->sojourn, soj);
        if (R->multi_class) {
            bl_class_stats_t *cs = class_stats(R, e);
            cs->completed++;
            cs->sojourn_sum += soj;
            bl_histogram_add(&cs->sojourn, soj);
        }
        if (e->contraband != NO_CONTRABAND && (e->flags & BL_ENTITY_SEIZED) == 0) {
            const bl_contraband_t *c = entity_contraband(R, e);
            res->missed++;
            res->contraband[c->kind].through++;
            res->contraband[c->kind].value_through += c->value;
        }
    }
    if (R->rows != NULL) {
        int rc = bl_engine_write_record(R, e, now);
        if (rc != 0)
            return rc;
    }
    entity_free(R, slot);
    return 0;
}

int bl_engine_move(run_t *R, int target, uint32_t slot, double now) {
    if (target == BL_EXIT)
        return leave_system(R, slot, now);
    return enter_station(R, target, slot, now);
}

/* Draw carrier status, contraband, concealment and attributes for a new
 * entity of class k. */
static void sample_population(run_t *R, const class_rt_t *k, entity_t *e, uint32_t slot) {
    const bl_population_t *p = &k->def->population;
    bool carrier = false;
    if (p->n_contraband > 0 && p->carrier_share > 0.0)
        carrier = p->carrier_share >= 1.0 || bl_rng_uniform(&R->rng_population) < p->carrier_share;
    if (carrier) {
        size_t j = 0;
        if (p->n_contraband > 1) {
            double u = bl_rng_uniform(&R->rng_population), cum = 0.0;
            for (j = 0; j + 1 < p->n_contraband; j++) {
                cum += p->contraband[j].share;
                if (u < cum)
                    break;
            }
        }
        e->contraband = (uint32_t)j;
        const bl_contraband_t *c = &p->contraband[j];
        if (c->n_concealments > 1) {
            double u = bl_rng_uniform(&R->rng_population), cum = 0.0;
            size_t m;
            for (m = 0; m + 1 < c->n_concealments; m++) {
                cum += c->concealments[m].share;
                if (u < cum)
                    break;
            }
            e->conceal = (uint16_t)m;
        }
    }
    if (R->n_attr == 0)
        return;
    double *a = R->attrs + (size_t)slot * R->n_attr;
    if (p->n_attributes < R->n_attr)
        memset(a, 0, R->n_attr * sizeof *a);
    for (size_t i = 0; i < p->n_attributes; i++) {
        const bl_attribute_t *at = &p->attributes[i];
        a[k->attr[i]] = bl_dist_sample(carrier ? &at->carrier : &at->clean, &R->rng_population);
    }
}

/* No more arrivals: the window closes at the last one. */
static void arrivals_stop(run_t *R, double now) {
    if (!R->arrivals_done) {
        R->arrivals_done = true;
        bl_engine_window_close(R, now);
    }
}

/* One entity of class c arrives. */
HOT int arrive_one(run_t *R, uint32_t c, double now) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *res = R->res;
    const class_rt_t *k = &R->classes[c];
    uint32_t slot;
    int rc = entity_alloc(R, &slot);
    if (rc != 0)
        return rc;
    entity_t *e = &R->ent[slot];
    uint64_t seq = res->total_arrivals++;
    e->arrival = now;
    e->enter = now;
    e->wait = 0.0;
    e->risk_score = NAN;
    e->seq = seq;
    e->flags = 0;
    e->stations = 0;
    e->token = 0;
    e->contraband = NO_CONTRABAND;
    e->cls = (uint16_t)c;
    e->conceal = 0;
    bool counted = now >= sc->warmup_time && seq >= sc->warmup_entities;
    if (!counted)
        e->flags = BL_ENTITY_WARMUP;
    else if (!R->window_open)
        bl_engine_window_open(R, now);
    const bl_population_t *p = &k->def->population;
    if (p->n_contraband > 0 || R->n_attr > 0)
        sample_population(R, k, e, slot);
    /* Drawn for every entity, so the stream does not depend on the warm-up. */
    uint64_t occ = k->has_occupants ? draw_count(&k->def->occupants, &R->rng_groups) : 1;
    if (counted) {
        res->entities++;
        res->travellers += occ;
        if (R->multi_class) {
            bl_class_stats_t *cs = &res->classes[c];
            cs->entities++;
            cs->travellers += occ;
        }
        if (e->contraband != NO_CONTRABAND) {
            const bl_contraband_t *cb = entity_contraband(R, e);
            res->carriers++;
            res->contraband[cb->kind].carriers++;
            if (R->multi_class)
                res->classes[c].carriers++;
        }
    }
    system_touch(R, now);
    R->in_system++;
    return enter_station(R, k->def->first_station, slot, now);
}

/* n entities of class c arrive together; stops at max_entities. */
static int arrive_group(run_t *R, uint32_t c, uint64_t n, double now) {
    uint64_t max = R->sc->max_entities;
    for (uint64_t i = 0; i < n; i++) {
        int rc = arrive_one(R, c, now);
        if (rc != 0)
            return rc;
        if (max > 0 && R->res->total_arrivals >= max) {
            arrivals_stop(R, now);
            break;
        }
    }
    return 0;
}

/* An arrival source ran out (its next arrival is past the duration). */
static void source_done(run_t *R, double now) {
    if (R->sources > 0 && --R->sources == 0)
        arrivals_stop(R, now);
}

static inline bool past_duration(const run_t *R, double t) {
    return isinf(t) || (R->sc->duration > 0.0 && t > R->sc->duration);
}

static int push_event(run_t *R, double t, uint32_t type, uint32_t target, uint64_t entity) {
    int rc = bl_eventq_push(&R->q, t, type, target, entity);
    if (rc != 0)
        return bl_error_set(R->err, rc, "out of memory growing the event list");
    return 0;
}

static int on_arrival(run_t *R, uint32_t c, double now) {
    class_rt_t *k = &R->classes[c];
    uint64_t n = k->has_group ? draw_count(&k->def->group, &R->rng_groups) : 1;
    int rc;
    if (n == 1) {
        rc = arrive_one(R, c, now);
        if (rc == 0 && R->sc->max_entities > 0 && R->res->total_arrivals >= R->sc->max_entities)
            arrivals_stop(R, now);
    } else {
        rc = arrive_group(R, c, n, now);
    }
    if (rc != 0 || R->arrivals_done)
        return rc;
    double next = next_arrival(k, now);
    if (past_duration(R, next)) {
        source_done(R, now);
        return 0;
    }
    return push_event(R, next, EV_ARRIVAL, c, 0);
}

static int on_replay(run_t *R, double now) {
    const bl_replay_arrivals_t *rp = &R->sc->replay;
    size_t i = R->replay_next++;
    uint64_t n = rp->groups != NULL && rp->groups[i] >= 1 ? rp->groups[i] : 1;
    int rc = arrive_group(R, rp->classes[i], n, now);
    if (rc != 0 || R->arrivals_done)
        return rc;
    if (R->replay_next >= rp->n || past_duration(R, rp->times[R->replay_next])) {
        source_done(R, now);
        return 0;
    }
    return push_event(R, rp->times[R->replay_next], EV_REPLAY, 0, 0);
}

/* Where a SERVICE station sends slot. */
static inline int route(run_t *R, const bl_route_t *r, uint32_t slot) {
    if (r->n == 1)
        return r->target[0];
    switch (r->kind) {
    case BL_ROUTE_CLASS:
        return r->target[R->ent[slot].cls];
    case BL_ROUTE_ATTRIBUTE:
        return R->attrs[(size_t)slot * R->n_attr + (size_t)r->attribute] >= r->threshold
                   ? r->target[0]
                   : r->target[1];
    default: {
        if (r->n == 0) /* no next: leave */
            return BL_EXIT;
        double u = bl_rng_uniform(&R->rng_routing);
        size_t k = 0;
        while (k + 1 < r->n && !(u < r->cum[k]))
            k++;
        return r->target[k];
    }
    }
}

static int on_depart(run_t *R, uint32_t idx, uint32_t slot, double now) {
    station_rt_t *s = &R->stations[idx];
    int rc = 0;
    station_touch(R, s, now);
    s->st->all_departures++;
    s->acc_served += 1.0;
    if ((R->ent[slot].flags & BL_ENTITY_WARMUP) == 0)
        s->st->served++;

    int target;
    if (s->kind == BL_STATION_SERVICE)
        target = route(R, &s->def->next, slot);
    else if ((rc = bl_engine_decide(R, s, slot, now, &target)) != 0)
        return rc;

    /* The server takes the next in line before the entity moves on, so an
     * entity routed back here queues behind those already waiting.  After
     * a capacity drop the server leaves instead (busy > servers). */
    s->busy--;
    if (s->qlen > 0 && s->busy < s->servers) {
        uint32_t next = queue_pop(R, s);
        s->busy++;
        rc = start_service(R, s, next, now, now - R->ent[next].enter);
        if (rc != 0)
            return rc;
    }
    if (target == BL_EXIT)
        return leave_system(R, slot, now);
    return enter_station(R, target, slot, now);
}

/* The first pending arrival of every source. */
static int start_arrivals(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    int rc;
    for (size_t c = 0; c < sc->n_classes; c++) {
        class_rt_t *k = &R->classes[c];
        if (k->def->arrivals.n_segments == 0)
            continue;
        double first = next_arrival(k, 0.0);
        if (past_duration(R, first))
            continue;
        if ((rc = push_event(R, first, EV_ARRIVAL, (uint32_t)c, 0)) != 0)
            return rc;
        R->sources++;
    }
    if (sc->replay.n > 0 && !past_duration(R, sc->replay.times[0])) {
        if ((rc = push_event(R, sc->replay.times[0], EV_REPLAY, 0, 0)) != 0)
            return rc;
        R->sources++;
    }
    if (R->sources == 0)
        arrivals_stop(R, 0.0);
    return bl_engine_schedule_start(R);
}

static inline void report_progress(bl_progress_t *progress, uint64_t events, double now,
                                   uint64_t *ms_reported) {
    uint64_t ms = now > 0.0 ? (uint64_t)(now * 1000.0) : 0;
    __atomic_fetch_add(&progress->events, events, __ATOMIC_RELAXED);
    if (ms > *ms_reported) {
        __atomic_fetch_add(&progress->sim_ms_done, ms - *ms_reported, __ATOMIC_RELAXED);
        *ms_reported = ms;
    }
}

/* ------------------------------------------------------------------ */
/* The run                                                            */
/* ------------------------------------------------------------------ */

int bl_engine_run(const bl_scenario_t *sc, const bl_plugin_set_t *plugins, unsigned replication,
                  const bl_entity_sink_t *sink, bl_progress_t *progress,
                  bl_replication_result_t *out, bl_error_t *err) {
    bl_error_t local_err;
    if (err == NULL) {
        bl_error_clear(&local_err);
        err = &local_err;
    }
    if (out == NULL || sc == NULL)
        return bl_error_set(err, BL_EINVAL, "bl_engine_run: no scenario or no result");
    memset(out, 0, sizeof *out);
    int rc = bl_engine_validate(sc, plugins, err);
    if (rc != 0)
        return rc;

    run_t *R = calloc(1, sizeof *R);
    if (R == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory starting replication %u", replication);
    R->sc = sc;
    R->plugins = plugins;
    R->replication = replication;
    R->res = out;
    R->err = err;
    R->sink = sink;
    R->ws = INFINITY;
    R->we = INFINITY;
    R->next_token = 1;

    if ((rc = bl_engine_setup(R)) != 0 || (rc = start_arrivals(R)) != 0)
        goto out;

    double now = 0.0;
    uint64_t events = 0, ms_reported = 0;
    bl_event_t ev;
    while (bl_eventq_pop(&R->q, &ev) == 0) {
        if (ev.type == EV_DEPART) {
            now = ev.time;
            R->clock = now;
            rc = on_depart(R, ev.target, (uint32_t)ev.entity, now);
        } else {
            /* Events that no longer matter leave the clock where it is. */
            switch (ev.type) {
            case EV_ARRIVAL:
            case EV_REPLAY:
                if (R->arrivals_done) /* max_entities reached */
                    continue;
                break;
            case EV_RENEGE:
                if (bl_engine_renege_stale(R, ev.entity))
                    continue;
                break;
            default: /* EV_CAPACITY: nothing left to serve, nobody coming */
                if (R->arrivals_done && R->in_system == 0)
                    continue;
                break;
            }
            now = ev.time;
            R->clock = now;
            if (ev.type == EV_ARRIVAL)
                rc = on_arrival(R, ev.target, now);
            else if (ev.type == EV_REPLAY)
                rc = on_replay(R, now);
            else if (ev.type == EV_RENEGE)
                rc = bl_engine_on_renege(R, ev.target, ev.entity, now);
            else
                rc = bl_engine_on_capacity(R, ev.target, now);
        }
        if (rc != 0)
            goto out;
        events++;
        if (progress != NULL && (events & PROGRESS_MASK) == 0)
            report_progress(progress, PROGRESS_MASK + 1, now, &ms_reported);
    }
    if (progress != NULL)
        report_progress(progress, events & PROGRESS_MASK, now, &ms_reported);

    bl_engine_finish(R, now, events);
    if (R->oom) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory growing the time series (replication %u)",
                          replication);
        goto out;
    }
    if (R->rows != NULL)
        rc = bl_engine_sink_flush(R);

out:
    bl_engine_teardown(R);
    free(R);
    if (rc != 0) {
        if (err->code == 0)
            bl_error_set(err, rc, "replication %u failed", replication);
        bl_replication_result_fini(out);
    }
    return rc;
}
