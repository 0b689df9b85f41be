/*
 * One replication's life around the run loop (see engine.h and
 * engine_internal.h): setup of the streams, stations, classes, entity pool,
 * decision stations and plugins; the measurement window opening and
 * closing; the per-entity table's rows; the figures derived at the end;
 * and one idempotent teardown whatever setup got to.  None of it is on the
 * per-event path: engine.c calls in here when a replication starts and
 * ends, when the window opens and closes, and per departure only when a
 * per-entity table is written.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_internal.h"

/* ------------------------------------------------------------------ */
/* Measurement window                                                 */
/* ------------------------------------------------------------------ */

/* The window opens at the first counted arrival: note the integrals. */
void bl_engine_window_open(run_t *R, double now) {
    R->window_open = true;
    R->ws = now;
    for (size_t i = 0; i < R->sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        station_touch(R, s, now);
        station_cap_sync(s, now);
        s->w_q0 = s->cum_q;
        s->w_busy0 = s->cum_busy;
        s->w_cap0 = s->cum_cap;
    }
    system_touch(R, now);
    R->sys_w0 = R->cum_sys;
}

/* ... and closes at the last arrival: the window areas are the growth. */
void bl_engine_window_close(run_t *R, double now) {
    R->we = now;
    if (!R->window_open)
        return;
    for (size_t i = 0; i < R->sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        station_touch(R, s, now);
        station_cap_sync(s, now);
        s->st->queue_area = s->cum_q - s->w_q0;
        s->st->busy_area = s->cum_busy - s->w_busy0;
        s->st->capacity_area = s->cum_cap - s->w_cap0;
    }
    system_touch(R, now);
    R->res->system_area = R->cum_sys - R->sys_w0;
}

/* ------------------------------------------------------------------ */
/* Per-entity table                                                   */
/* ------------------------------------------------------------------ */

int bl_engine_sink_flush(run_t *R) {
    if (R->n_rows == 0)
        return 0;
    int rc = R->sink->write(R->sink->ctx, R->rows, R->n_rows, R->err);
    R->n_rows = 0;
    if (rc != 0)
        return bl_error_set(R->err, rc < 0 ? rc : BL_EIO, "the per-entity table writer failed (%d)",
                            rc);
    return 0;
}

int bl_engine_write_record(run_t *R, const entity_t *e, double now) {
    bl_entity_record_t *r = &R->rows[R->n_rows++];
    r->replication = R->replication;
    r->flags = e->flags;
    r->entity = e->seq;
    r->arrival = e->arrival;
    r->departure = now;
    r->wait = e->wait;
    r->risk_score = e->risk_score;
    r->stations = e->stations;
    r->entity_class = e->cls;
    if (e->contraband != NO_CONTRABAND) {
        const bl_contraband_t *c = entity_contraband(R, e);
        r->threat = c->threat;
        r->contraband = 1 + c->kind;
    } else {
        r->threat = 0;
        r->contraband = 0;
    }
    return R->n_rows == SINK_ROWS ? bl_engine_sink_flush(R) : 0;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                 */
/* ------------------------------------------------------------------ */

static int setup_classes(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *res = R->res;
    R->classes = calloc(sc->n_classes, sizeof *R->classes);
    res->classes = calloc(sc->n_classes, sizeof *res->classes);
    res->contraband =
        calloc(sc->n_contraband_kinds > 0 ? sc->n_contraband_kinds : 1, sizeof *res->contraband);
    if (R->classes == NULL || res->classes == NULL || res->contraband == NULL)
        return BL_ENOMEM;
    res->n_classes = sc->n_classes;
    res->n_contraband = sc->n_contraband_kinds;
    R->multi_class = sc->n_classes > 1;
    R->n_attr = sc->n_attributes;

    /* Priority levels: the distinct class priorities, highest first. */
    int *prio = malloc(sc->n_classes * sizeof *prio);
    if (prio == NULL)
        return BL_ENOMEM;
    size_t nl = 0;
    for (size_t c = 0; c < sc->n_classes; c++) {
        int p = sc->classes[c].priority;
        size_t j = 0;
        while (j < nl && prio[j] > p)
            j++;
        if (j < nl && prio[j] == p)
            continue;
        memmove(prio + j + 1, prio + j, (nl - j) * sizeof *prio);
        prio[j] = p;
        nl++;
    }
    R->n_levels = nl;

    for (size_t c = 0; c < sc->n_classes; c++) {
        class_rt_t *k = &R->classes[c];
        const bl_entity_class_t *d = &sc->classes[c];
        bl_histogram_init(&res->classes[c].sojourn);
        k->def = d;
        bl_rng_init(&k->rng, sc->seed, R->replication,
                    c == 0 ? (uint64_t)BL_STREAM_ARRIVALS : (uint64_t)BL_STREAM_CLASS_BASE + c);
        k->has_group = d->group.kind != 0;
        k->has_occupants = d->occupants.kind != 0;
        for (size_t j = 0; j < nl; j++)
            if (prio[j] == d->priority)
                k->level = (uint32_t)j;
        const bl_population_t *p = &d->population;
        if (p->n_attributes > 0) {
            k->attr = calloc(p->n_attributes, sizeof *k->attr);
            if (k->attr == NULL) {
                free(prio);
                return BL_ENOMEM;
            }
            for (size_t i = 0; i < p->n_attributes; i++)
                for (size_t u = 0; u < sc->n_attributes; u++)
                    if (strcmp(sc->attributes[u], p->attributes[i].name) == 0)
                        k->attr[i] = (uint32_t)u;
        }
    }
    free(prio);
    return 0;
}

int bl_engine_setup(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *res = R->res;
    uint64_t seed = sc->seed, rep = R->replication;
    int rc;

    bl_rng_init(&R->rng_population, seed, rep, BL_STREAM_POPULATION);
    bl_rng_init(&R->rng_routing, seed, rep, BL_STREAM_ROUTING);
    bl_rng_init(&R->rng_scans, seed, rep, BL_STREAM_SCANS);
    bl_rng_init(&R->rng_search, seed, rep, BL_STREAM_SEARCH);
    bl_rng_init(&R->rng_review, seed, rep, BL_STREAM_REVIEW);
    bl_rng_init(&R->rng_patience, seed, rep, BL_STREAM_PATIENCE);
    bl_rng_init(&R->rng_surrogate, seed, rep, BL_STREAM_SURROGATE);
    bl_rng_init(&R->rng_groups, seed, rep, BL_STREAM_GROUPS);

    res->replication = R->replication;
    res->n_stations = sc->n_stations;
    res->stations = calloc(sc->n_stations, sizeof *res->stations);
    R->stations = calloc(sc->n_stations, sizeof *R->stations);
    if (res->stations == NULL || R->stations == NULL)
        goto nomem;
    bl_histogram_init(&res->sojourn);
    res->departures_hourly.step = HOUR;
    R->dep_h_end = HOUR;
    if (setup_classes(R) != 0)
        goto nomem;

    double qstep = sc->series_step > 0.0 ? sc->series_step : DEFAULT_SERIES_STEP;
    bool latency = sc->surrogate_data != NULL && sc->surrogate.latency;
    for (size_t i = 0; i < sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        const bl_station_def_t *d = &sc->stations[i];
        s->def = d;
        s->st = &res->stations[i];
        bl_histogram_init(&s->st->waits);
        s->st->queue.step = qstep;
        s->st->busy_hourly.step = HOUR;
        s->st->capacity_hourly.step = HOUR;
        s->st->served_hourly.step = HOUR;
        s->q_end = qstep;
        s->h_end = HOUR;
        s->bin_end = qstep < HOUR ? qstep : HOUR;
        bl_rng_init(&s->rng, seed, rep, (uint64_t)BL_STREAM_STATION_BASE + i);
        s->servers = d->servers;
        s->kind = d->kind;
        s->svc_kind = d->service.kind;
        s->svc_a = d->service.a;
        if (d->service_by_class != NULL)
            for (size_t c = 0; c < sc->n_classes; c++)
                if (d->service_by_class[c].kind != 0)
                    s->svc_slow = true;
        if (latency && d->kind == BL_STATION_SCAN)
            s->svc_slow = true;
        s->patience = d->patience.kind != 0;
        s->simple_q = R->n_levels == 1 && !s->patience;
        s->rings = calloc(R->n_levels, sizeof *s->rings);
        if (s->rings == NULL)
            goto nomem;
        if ((rc = bl_engine_schedule_init(R, s)) != 0)
            return rc;
    }

    if (bl_eventq_init(&R->q, 256) != 0)
        goto nomem;
    R->free_head = UINT32_MAX;
    if (bl_engine_pool_grow(R) != 0)
        return R->err->code != 0 ? R->err->code : BL_ENOMEM;
    if ((rc = bl_engine_decide_setup(R)) != 0)
        return rc;
    if (R->sink != NULL && R->sink->write != NULL) {
        R->rows = malloc(SINK_ROWS * sizeof *R->rows);
        if (R->rows == NULL)
            goto nomem;
    }
    return bl_engine_create_plugins(R);
nomem:
    return bl_error_set(R->err, BL_ENOMEM, "out of memory setting up replication %u",
                        R->replication);
}

void bl_engine_teardown(run_t *R) {
    bl_engine_destroy_plugins(R);
    bl_engine_decide_teardown(R);
    if (R->stations != NULL)
        for (size_t i = 0; i < R->sc->n_stations; i++) {
            station_rt_t *s = &R->stations[i];
            if (s->rings != NULL)
                for (size_t l = 0; l < R->n_levels; l++)
                    free(s->rings[l].buf);
            free(s->rings);
            free(s->bounds);
            free(s->cap_after);
        }
    free(R->stations);
    if (R->classes != NULL)
        for (size_t c = 0; c < R->sc->n_classes; c++)
            free(R->classes[c].attr);
    free(R->classes);
    bl_eventq_fini(&R->q);
    free(R->ent);
    free(R->attrs);
    free(R->rows);
}

/* Close the integrals and series at the end and fill what is derived. */
void bl_engine_finish(run_t *R, double now, uint64_t events) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *out = R->res;
    for (size_t i = 0; i < sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        s->st->in_system = s->busy + s->qlen;
    }
    bl_engine_series_close(R, now);
    out->in_system_end = R->in_system;
    out->events = events;
    out->end_time = now;
    if (R->window_open) {
        out->window_start = R->ws;
        out->window_end = R->we;
    } else { /* nothing counted: an empty window at the end of arrivals */
        out->window_start = R->we;
        out->window_end = R->we;
    }
    if (!R->multi_class && out->n_classes == 1) {
        /* One class: its statistics are the system's (not kept twice on the
         * hot path). */
        bl_class_stats_t *cs = &out->classes[0];
        cs->entities = out->entities;
        cs->completed = out->completed;
        cs->reneged = out->reneged;
        cs->travellers = out->travellers;
        cs->carriers = out->carriers;
        cs->seizures = out->seizures;
        cs->sojourn_sum = out->sojourn_sum;
        cs->sojourn = out->sojourn;
    }
}
