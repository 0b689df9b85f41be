/*
 * The engine's queues and capacity (see engine.h, engine_internal.h):
 * priority rings with lazy deletion for reneging, shift schedules, and the
 * series bins that station_touch fills.
 *
 * Priority queues: one FIFO ring per distinct class priority, highest
 * first; a station whose scenario has one priority and no patience keeps a
 * plain ring that engine.c pushes and pops inline.
 *
 * Reneging: an entity that queues at a station with patience gets a token
 * unique in the replication, kept in the entity and in its ring entry, and
 * an EV_RENEGE event carrying (token, slot).  When the event comes the
 * entity has reneged only if it still holds that token; then the logical
 * queue length drops at once, and its ring entry, now stale (the entity's
 * token changed), is skipped when it reaches the head or dropped when the
 * ring is compacted instead of grown.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

/* ------------------------------------------------------------------ */
/* Rings                                                              */
/* ------------------------------------------------------------------ */

static inline bool entry_stale(const run_t *R, uint64_t entry) {
    uint32_t tok = (uint32_t)(entry >> 32);
    return tok != 0 && R->ent[(uint32_t)entry].token != tok;
}

/* Drop stale entries, keeping the order. */
static void ring_compact(const run_t *R, ring_t *r) {
    size_t mask = r->cap - 1, w = 0;
    for (size_t i = 0; i < r->len; i++) {
        uint64_t entry = r->buf[(r->head + i) & mask];
        if (!entry_stale(R, entry))
            r->buf[(r->head + w++) & mask] = entry;
    }
    r->len = w;
}

int bl_engine_ring_grow(run_t *R, station_rt_t *s, ring_t *r) {
    if (s->patience && r->cap > 0) {
        ring_compact(R, r);
        if (r->len < r->cap - r->cap / 4)
            return 0;
    }
    size_t cap = r->cap ? r->cap * 2 : 64;
    uint64_t *q = malloc(cap * sizeof *q);
    if (q == NULL)
        return bl_error_set(R->err, BL_ENOMEM, "out of memory growing the queue of station '%s'",
                            s->def->name);
    for (size_t i = 0; i < r->len; i++)
        q[i] = r->buf[(r->head + i) & (r->cap - 1)];
    free(r->buf);
    r->buf = q;
    r->cap = cap;
    r->head = 0;
    return 0;
}

int bl_engine_enqueue(run_t *R, station_rt_t *s, uint32_t slot, double now) {
    entity_t *e = &R->ent[slot];
    ring_t *r = &s->rings[R->classes[e->cls].level];
    uint32_t tok = 0;
    if (s->patience) {
        tok = R->next_token++;
        if (R->next_token == 0) /* wrapped: 0 means "not queued" */
            R->next_token = 1;
        e->token = tok;
    }
    if (r->len == r->cap) {
        int rc = bl_engine_ring_grow(R, s, r);
        if (rc != 0)
            return rc;
    }
    uint64_t entry = ((uint64_t)tok << 32) | slot;
    r->buf[(r->head + r->len) & (r->cap - 1)] = entry;
    r->len++;
    s->qlen++;
    if (!s->patience)
        return 0;
    double p = bl_dist_sample(&s->def->patience, &R->rng_patience);
    if (!(p >= 0.0))
        p = 0.0;
    if (isinf(p))
        return 0;
    int rc = bl_eventq_push(&R->q, now + p, EV_RENEGE, (uint32_t)(s - R->stations), entry);
    if (rc != 0)
        return bl_error_set(R->err, rc, "out of memory growing the event list");
    return 0;
}

uint32_t bl_engine_pop_slow(run_t *R, station_rt_t *s) {
    for (size_t l = 0; l < R->n_levels; l++) {
        ring_t *r = &s->rings[l];
        while (r->len > 0) {
            uint64_t entry = r->buf[r->head];
            r->head = (r->head + 1) & (r->cap - 1);
            r->len--;
            if (entry_stale(R, entry))
                continue;
            uint32_t slot = (uint32_t)entry;
            R->ent[slot].token = 0;
            s->qlen--;
            return slot;
        }
    }
    /* Unreachable while qlen counts the live entries. */
    s->qlen = 0;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Reneging                                                           */
/* ------------------------------------------------------------------ */

bool bl_engine_renege_stale(const run_t *R, uint64_t entity) { return entry_stale(R, entity); }

int bl_engine_on_renege(run_t *R, uint32_t idx, uint64_t entity, double now) {
    station_rt_t *s = &R->stations[idx];
    uint32_t slot = (uint32_t)entity;
    entity_t *e = &R->ent[slot];
    station_touch(R, s, now);
    e->token = 0; /* its ring entry is stale from now on */
    s->qlen--;
    s->st->all_departures++;
    e->wait += now - e->enter;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        s->st->reneged++;
        if ((e->flags & BL_ENTITY_RENEGED) == 0) {
            R->res->reneged++;
            if (R->multi_class)
                R->res->classes[e->cls].reneged++;
        }
    }
    e->flags |= BL_ENTITY_RENEGED;
    return bl_engine_move(R, s->def->on_renege, slot, now);
}

/* ------------------------------------------------------------------ */
/* Shift schedules                                                    */
/* ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bl_engine_schedule_init(run_t *R, station_rt_t *s) {
    const bl_station_def_t *d = s->def;
    const bl_schedule_t *sch = &d->shifts;
    if (sch->n == 0)
        return 0;
    s->servers = bl_station_capacity_at(d, 0.0);
    s->bounds = malloc(2 * sch->n * sizeof *s->bounds);
    s->cap_after = malloc(2 * sch->n * sizeof *s->cap_after);
    if (s->bounds == NULL || s->cap_after == NULL)
        return bl_error_set(R->err, BL_ENOMEM, "out of memory setting up replication %u",
                            R->replication);
    size_t n = 0;
    for (size_t i = 0; i < sch->n; i++) {
        double t[2] = {sch->shifts[i].start, sch->shifts[i].end};
        for (int j = 0; j < 2; j++) {
            double b = t[j];
            if (sch->period > 0.0) {
                b = fmod(b, sch->period);
                if (b < 0.0)
                    b += sch->period;
            }
            s->bounds[n++] = b;
        }
    }
    qsort(s->bounds, n, sizeof *s->bounds, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || s->bounds[i] != s->bounds[u - 1])
            s->bounds[u++] = s->bounds[i];
    for (size_t k = 0; k < u; k++)
        s->cap_after[k] = bl_station_capacity_at(d, s->bounds[k]);
    s->n_bounds = u;
    return 0;
}

static int push_capacity(run_t *R, station_rt_t *s) {
    int rc = bl_eventq_push(&R->q, s->bound_base + s->bounds[s->bound_k], EV_CAPACITY,
                            (uint32_t)(s - R->stations), 0);
    if (rc != 0)
        return bl_error_set(R->err, rc, "out of memory growing the event list");
    return 0;
}

int bl_engine_schedule_start(run_t *R) {
    if (R->arrivals_done && R->in_system == 0)
        return 0; /* nobody will ever come: capacity does not matter */
    for (size_t i = 0; i < R->sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        if (s->n_bounds == 0)
            continue;
        size_t k = 0;
        while (k < s->n_bounds && !(s->bounds[k] > 0.0))
            k++;
        s->bound_base = 0.0;
        if (k == s->n_bounds) {
            if (!(s->def->shifts.period > 0.0))
                continue;
            k = 0;
            s->bound_base = s->def->shifts.period;
        }
        s->bound_k = k;
        int rc = push_capacity(R, s);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int bl_engine_on_capacity(run_t *R, uint32_t idx, double now) {
    station_rt_t *s = &R->stations[idx];
    station_touch(R, s, now);
    station_cap_sync(s, now);
    s->servers = s->cap_after[s->bound_k];
    /* The next boundary; a periodic schedule would otherwise run forever,
     * so it stops once nobody is left and nobody is coming. */
    bool more = true;
    if (s->bound_k + 1 < s->n_bounds) {
        s->bound_k++;
    } else if (s->def->shifts.period > 0.0) {
        s->bound_k = 0;
        s->bound_base += s->def->shifts.period;
    } else {
        more = false;
    }
    if (more && !(R->arrivals_done && R->in_system == 0)) {
        int rc = push_capacity(R, s);
        if (rc != 0)
            return rc;
    }
    /* A rise starts queued entities; after a drop busy servers finish first. */
    return bl_engine_serve_queued(R, s, now);
}

/* ------------------------------------------------------------------ */
/* Series bins                                                        */
/* ------------------------------------------------------------------ */

static inline void flush(run_t *R, bl_series_t *sr, size_t bin, double v) {
    if (v != 0.0 && bl_series_add_bin(sr, bin, v) != 0)
        R->oom = true;
}

void bl_engine_series_cross(run_t *R, station_rt_t *s, double t) {
    bl_station_stats_t *st = s->st;
    double a = s->last;
    double q = (double)s->qlen, busy = (double)s->busy;
    while (t >= s->bin_end) {
        double b = s->bin_end, dt = b - a;
        s->cum_q += q * dt;
        s->cum_busy += busy * dt;
        if (b >= s->q_end) {
            flush(R, &st->queue, s->q_bin, s->cum_q - s->q0);
            s->q0 = s->cum_q;
            s->q_bin++;
            s->q_end = (double)(s->q_bin + 1) * st->queue.step;
        }
        if (b >= s->h_end) {
            station_cap_sync(s, b);
            flush(R, &st->busy_hourly, s->h_bin, s->cum_busy - s->busy0);
            flush(R, &st->capacity_hourly, s->h_bin, s->cum_cap - s->cap0);
            flush(R, &st->served_hourly, s->h_bin, s->acc_served);
            s->busy0 = s->cum_busy;
            s->cap0 = s->cum_cap;
            s->acc_served = 0.0;
            s->h_bin++;
            s->h_end = (double)(s->h_bin + 1) * HOUR;
        }
        s->bin_end = s->q_end < s->h_end ? s->q_end : s->h_end;
        a = b;
    }
    double dt = t - a;
    s->cum_q += q * dt;
    s->cum_busy += busy * dt;
}

static void cover(run_t *R, bl_series_t *sr, double end) {
    size_t n = (size_t)floor(end / sr->step) + 1;
    if (bl_series_reserve(sr, n) != 0)
        R->oom = true;
}

void bl_engine_series_close(run_t *R, double end) {
    for (size_t i = 0; i < R->sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        bl_station_stats_t *st = s->st;
        station_touch(R, s, end);
        station_cap_sync(s, end);
        flush(R, &st->queue, s->q_bin, s->cum_q - s->q0);
        flush(R, &st->busy_hourly, s->h_bin, s->cum_busy - s->busy0);
        flush(R, &st->capacity_hourly, s->h_bin, s->cum_cap - s->cap0);
        flush(R, &st->served_hourly, s->h_bin, s->acc_served);
        cover(R, &st->queue, end);
        cover(R, &st->busy_hourly, end);
        cover(R, &st->capacity_hourly, end);
        cover(R, &st->served_hourly, end);
    }
    flush(R, &R->res->departures_hourly, R->dep_h_bin, R->dep_acc);
    R->dep_acc = 0.0;
    cover(R, &R->res->departures_hourly, end);
}
