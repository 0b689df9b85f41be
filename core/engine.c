/*
 * The discrete-event engine: see engine.h.
 *
 * Two kinds of events: the next external arrival (one pending at a time)
 * and a service completion at a station.  Moving an entity to its next
 * station happens inside the completion handler, at the same simulated
 * time, so routing costs no event.
 *
 * Entities live in a pool with a free list, so memory is bounded by the
 * entities in the system, not by how many passed.  Time integrals (busy
 * servers, queue length, entities in system) are updated lazily at each
 * state change and clipped to the measurement window; the window opens at
 * the first counted arrival and closes at the last arrival.
 *
 * The engine holds no global state: everything lives in a run_t made per
 * call, so replications may run concurrently in different threads.
 */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrivals.h"
#include "eventq.h"
#include "rng.h"
#include "xray.h"

enum { EV_ARRIVAL = 0, EV_DEPART = 1 };

#define NO_CONTRABAND UINT32_MAX
#define SINK_ROWS 4096
#define DETECTIONS_CAPACITY 64
#define PROGRESS_MASK 0xffffu /* report progress every 65536 events */
#define DEFAULT_SCAN_SIDE 64

/* An entity in the system: one cache line. */
typedef struct entity {
    double arrival;
    double enter;      /* when it joined the current station's queue */
    double wait;       /* total queue wait so far */
    double risk_score; /* NaN until scored */
    uint64_t seq;      /* arrival sequence number in the replication */
    uint32_t flags;    /* BL_ENTITY_*; WARMUP means not counted */
    uint32_t threat;
    uint32_t contraband; /* index into population.contraband or NO_CONTRABAND */
    uint32_t stations;   /* stations visited */
    uint32_t next_free;
    uint32_t pad;
} entity_t;

/* A station while it runs. */
typedef struct station_rt {
    const bl_station_def_t *def;
    bl_station_stats_t *st;
    bl_rng_t rng; /* service times */
    unsigned servers, busy;
    int kind;
    int svc_kind; /* service distribution kind, for the inline fast paths */
    double svc_a;
    double last;     /* time of the last area update */
    uint32_t *queue; /* FIFO ring of entity slots; capacity a power of two */
    size_t qcap, qhead, qlen;
} station_rt_t;

typedef struct run {
    const bl_scenario_t *sc;
    const bl_plugin_set_t *plugins;
    unsigned replication;
    bl_replication_result_t *res;
    bl_error_t *err;

    bl_eventq_t q;
    double clock; /* simulated time; plugins read it through host services */

    bl_rng_t rng_arrivals, rng_population, rng_routing, rng_scans, rng_search;
    station_rt_t *stations;

    entity_t *ent;
    double *attrs; /* n_attributes per slot */
    uint32_t ent_cap, free_head;
    uint64_t in_system;
    double sys_last;

    /* Measurement window; +inf until known, so clipping needs no branches
     * on "started" beyond a comparison. */
    double ws, we;
    bool window_open, arrivals_done;

    /* Plugins. */
    bl_host_services_t hs[BL_ROLE_COUNT];
    void *inst[BL_ROLE_COUNT];
    bool created[BL_ROLE_COUNT];

    /* Risk scoring: one row, one numeric column per attribute. */
    bl_column_t *columns;
    double *row;
    bl_records_t records;

    /* Scan synthesis and detections. */
    bl_xray_buffer_t scanbuf;
    bl_xray_config_t xray;
    bl_detection_t *det_items;
    uint64_t scans_made;

    /* Per-entity sink. */
    const bl_entity_sink_t *sink;
    bl_entity_record_t *rows;
    size_t n_rows;
} run_t;

/* ------------------------------------------------------------------ */
/* Time integrals                                                     */
/* ------------------------------------------------------------------ */

/* Length of [a, t] inside the window, or <= 0. */
static inline double window_dt(const run_t *R, double a, double t) {
    double lo = a > R->ws ? a : R->ws;
    double hi = t < R->we ? t : R->we;
    return hi - lo;
}

static inline void station_touch(run_t *R, station_rt_t *s, double t) {
    double a = s->last;
    s->last = t;
    if (!(t > R->ws))
        return;
    double dt = window_dt(R, a, t);
    if (dt > 0.0) {
        s->st->busy_area += (double)s->busy * dt;
        s->st->queue_area += (double)s->qlen * dt;
    }
}

static inline void system_touch(run_t *R, double t) {
    double a = R->sys_last;
    R->sys_last = t;
    if (!(t > R->ws))
        return;
    double dt = window_dt(R, a, t);
    if (dt > 0.0)
        R->res->system_area += (double)R->in_system * dt;
}

/* ------------------------------------------------------------------ */
/* Entity pool and queues                                             */
/* ------------------------------------------------------------------ */

static int pool_grow(run_t *R) {
    uint32_t old = R->ent_cap;
    uint32_t cap = old ? old * 2 : 1024;
    if (cap <= old)
        return bl_error_set(R->err, BL_ENOMEM, "too many entities in the system (%u)", old);
    entity_t *e = realloc(R->ent, (size_t)cap * sizeof *e);
    if (e == NULL)
        goto nomem;
    R->ent = e;
    size_t na = R->sc->population.n_attributes;
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
        int rc = pool_grow(R);
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

static int queue_grow(run_t *R, station_rt_t *s) {
    size_t cap = s->qcap ? s->qcap * 2 : 64;
    uint32_t *q = malloc(cap * sizeof *q);
    if (q == NULL)
        return bl_error_set(R->err, BL_ENOMEM, "out of memory growing the queue of station '%s'",
                            s->def->name);
    for (size_t i = 0; i < s->qlen; i++)
        q[i] = s->queue[(s->qhead + i) & (s->qcap - 1)];
    free(s->queue);
    s->queue = q;
    s->qcap = cap;
    s->qhead = 0;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sampling                                                           */
/* ------------------------------------------------------------------ */

/* Same numbers as bl_dist_sample, without the call for the common kinds. */
static inline double service_time(station_rt_t *s) {
    double d;
    if (s->svc_kind == BL_DIST_EXPONENTIAL)
        d = -s->svc_a * log(bl_rng_uniform_pos(&s->rng));
    else if (s->svc_kind == BL_DIST_DETERMINISTIC)
        d = s->svc_a;
    else
        d = bl_dist_sample(&s->def->service, &s->rng);
    return d >= 0.0 ? d : 0.0; /* also maps NaN to 0 */
}

/* Same numbers as bl_arrivals_next for a constant rate (-log(U) / rate);
 * anything else goes through the general inversion. */
static inline double next_arrival(run_t *R, double now) {
    const bl_arrivals_t *a = &R->sc->arrivals;
    if (a->n_segments == 1)
        return a->rates[0] > 0.0 ? now - log(bl_rng_uniform_pos(&R->rng_arrivals)) / a->rates[0]
                                 : INFINITY;
    return bl_arrivals_next(a, now, &R->rng_arrivals);
}

/* ------------------------------------------------------------------ */
/* Plugin decisions                                                   */
/* ------------------------------------------------------------------ */

static const char *plugin_id(const run_t *R, int role) {
    const bl_plugin_handle_t *h = R->plugins != NULL ? R->plugins->role[role] : NULL;
    return h != NULL && h->desc != NULL && h->desc->header.id != NULL ? h->desc->header.id
                                                                      : "(unknown)";
}

static int plugin_failed(run_t *R, int role, const char *verb, const station_rt_t *s, double now,
                         int rc) {
    return bl_error_set(R->err, BL_EPLUGIN,
                        "plugin %s: %s returned %d (%s) at station '%s', simulated time %.3f s",
                        plugin_id(R, role), verb, rc, bl_error_name(rc), s->def->name, now);
}

static int decide_risk(run_t *R, station_rt_t *s, entity_t *e, uint32_t slot, double now,
                       bool *yes) {
    size_t na = R->sc->population.n_attributes;
    if (na > 0)
        memcpy(R->row, R->attrs + (size_t)slot * na, na * sizeof *R->row);
    double score = NAN;
    R->res->plugin_calls[BL_ROLE_RISK]++;
    int rc = R->plugins->role[BL_ROLE_RISK]->desc->risk->score(R->inst[BL_ROLE_RISK], &R->records,
                                                               0, 1, &score, NULL);
    if (rc != 0)
        return plugin_failed(R, BL_ROLE_RISK, "score", s, now, rc);
    e->risk_score = score;
    if (!(score >= 0.0 && score <= 1.0)) {
        R->res->invalid_outputs[BL_ROLE_RISK]++;
        *yes = false;
        return 0;
    }
    *yes = score >= s->def->threshold;
    return 0;
}

static bool detection_valid(const bl_detection_t *d, const bl_scan_t *scan) {
    if (d->scan != 0 || d->threat == BL_THREAT_NONE || d->threat >= BL_THREAT_CLASS_COUNT)
        return false;
    if (!(d->confidence >= 0.0f && d->confidence <= 1.0f))
        return false;
    const float *b = d->box;
    if (!(b[0] >= 0.0f && b[1] >= 0.0f && b[0] < b[2] && b[1] < b[3]))
        return false;
    return b[2] <= (float)scan->width && b[3] <= (float)scan->height;
}

static int decide_scan(run_t *R, station_rt_t *s, entity_t *e, double now, bool *yes) {
    bl_scan_t scan;
    /* The entity's ground truth decides what is in its bag (0: clean). */
    bl_xray_generate(&R->xray, (int)e->threat, R->scans_made++, &R->rng_scans, &R->scanbuf, &scan,
                     NULL);
    bl_detections_t out = {R->det_items, DETECTIONS_CAPACITY, 0};
    R->res->plugin_calls[BL_ROLE_DETECTOR]++;
    int rc = R->plugins->role[BL_ROLE_DETECTOR]->desc->detector->detect(R->inst[BL_ROLE_DETECTOR],
                                                                        &scan, 1, &out);
    if (rc != 0 && rc != BL_ENOSPC) /* ENOSPC: what fitted is kept */
        return plugin_failed(R, BL_ROLE_DETECTOR, "detect", s, now, rc);
    if (out.count > DETECTIONS_CAPACITY) {
        R->res->invalid_outputs[BL_ROLE_DETECTOR] += out.count - DETECTIONS_CAPACITY;
        out.count = DETECTIONS_CAPACITY;
    }
    bool alarm = false;
    for (size_t i = 0; i < out.count; i++) {
        if (!detection_valid(&out.items[i], &scan)) {
            R->res->invalid_outputs[BL_ROLE_DETECTOR]++;
            continue;
        }
        if (out.items[i].confidence >= s->def->threshold)
            alarm = true;
    }
    *yes = alarm;
    return 0;
}

static void copy_text(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

static int decide_search(run_t *R, station_rt_t *s, entity_t *e, double now, bool *yes) {
    /* Always draw, so the search stream stays aligned across populations. */
    double u = bl_rng_uniform(&R->rng_search);
    *yes = false;
    if (e->contraband == NO_CONTRABAND || (e->flags & BL_ENTITY_SEIZED) != 0)
        return 0;
    if (!(u < s->def->find_probability))
        return 0;
    *yes = true;
    e->flags |= BL_ENTITY_SEIZED;
    if ((e->flags & BL_ENTITY_WARMUP) == 0)
        R->res->seizures++;
    if (!R->created[BL_ROLE_STORE])
        return 0;
    const bl_contraband_t *c = &R->sc->population.contraband[e->contraband];
    bl_seizure_t item;
    memset(&item, 0, sizeof item);
    item.threat = c->threat;
    item.state = BL_SEIZURE_STORED;
    item.quantity = c->quantity;
    item.value = c->value;
    item.time = now;
    snprintf(item.case_id, sizeof item.case_id, "R%u-E%llu", R->replication,
             (unsigned long long)e->seq);
    snprintf(item.description, sizeof item.description, "threat class %u", (unsigned)c->threat);
    copy_text(item.unit, sizeof item.unit, c->unit);
    copy_text(item.officer, sizeof item.officer, s->def->name);
    copy_text(item.location, sizeof item.location, "intake");
    uint64_t id = 0;
    R->res->plugin_calls[BL_ROLE_STORE]++;
    int rc = R->plugins->role[BL_ROLE_STORE]->desc->store->deposit(R->inst[BL_ROLE_STORE], &item, 1,
                                                                   &id);
    if (rc != 0)
        return plugin_failed(R, BL_ROLE_STORE, "deposit", s, now, rc);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Entity flow                                                        */
/* ------------------------------------------------------------------ */

static inline int start_service(run_t *R, station_rt_t *s, uint32_t slot, double now, double w) {
    entity_t *e = &R->ent[slot];
    e->wait += w;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        s->st->wait_sum += w;
        bl_histogram_add(&s->st->waits, w);
    }
    int rc =
        bl_eventq_push(&R->q, now + service_time(s), EV_DEPART, (uint32_t)(s - R->stations), slot);
    if (rc != 0)
        return bl_error_set(R->err, rc, "out of memory growing the event list");
    return 0;
}

static inline int enter_station(run_t *R, int idx, uint32_t slot, double now) {
    station_rt_t *s = &R->stations[idx];
    entity_t *e = &R->ent[slot];
    station_touch(R, s, now);
    e->stations++;
    if ((e->flags & BL_ENTITY_WARMUP) == 0)
        s->st->arrivals++;
    if (s->busy < s->servers) {
        s->busy++;
        return start_service(R, s, slot, now, 0.0);
    }
    if (s->qlen == s->qcap) {
        int rc = queue_grow(R, s);
        if (rc != 0)
            return rc;
    }
    s->queue[(s->qhead + s->qlen) & (s->qcap - 1)] = slot;
    s->qlen++;
    e->enter = now;
    if (s->qlen > s->st->max_queue)
        s->st->max_queue = s->qlen;
    return 0;
}

static int sink_flush(run_t *R) {
    if (R->n_rows == 0)
        return 0;
    int rc = R->sink->write(R->sink->ctx, R->rows, R->n_rows, R->err);
    R->n_rows = 0;
    if (rc != 0)
        return bl_error_set(R->err, rc < 0 ? rc : BL_EIO, "the per-entity table writer failed (%d)",
                            rc);
    return 0;
}

static inline int leave_system(run_t *R, uint32_t slot, double now) {
    entity_t *e = &R->ent[slot];
    system_touch(R, now);
    R->in_system--;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        double soj = now - e->arrival;
        R->res->completed++;
        R->res->sojourn_sum += soj;
        bl_histogram_add(&R->res->sojourn, soj);
        if (e->contraband != NO_CONTRABAND && (e->flags & BL_ENTITY_SEIZED) == 0)
            R->res->missed++;
    }
    if (R->rows != NULL) {
        bl_entity_record_t *r = &R->rows[R->n_rows++];
        r->replication = R->replication;
        r->flags = e->flags;
        r->entity = e->seq;
        r->arrival = e->arrival;
        r->departure = now;
        r->wait = e->wait;
        r->risk_score = e->risk_score;
        r->threat = e->threat;
        r->stations = e->stations;
        if (R->n_rows == SINK_ROWS) {
            int rc = sink_flush(R);
            if (rc != 0)
                return rc;
        }
    }
    entity_free(R, slot);
    return 0;
}

/* Draw carrier status, contraband and attributes for a new entity. */
static void sample_population(run_t *R, entity_t *e, uint32_t slot) {
    const bl_population_t *p = &R->sc->population;
    bool carrier = false;
    if (p->n_contraband > 0 && p->carrier_share > 0.0)
        carrier = p->carrier_share >= 1.0 || bl_rng_uniform(&R->rng_population) < p->carrier_share;
    if (carrier) {
        size_t k = 0;
        if (p->n_contraband > 1) {
            double u = bl_rng_uniform(&R->rng_population), cum = 0.0;
            for (k = 0; k + 1 < p->n_contraband; k++) {
                cum += p->contraband[k].share;
                if (u < cum)
                    break;
            }
        }
        e->contraband = (uint32_t)k;
        e->threat = p->contraband[k].threat;
    }
    double *a = R->attrs + (size_t)slot * p->n_attributes;
    for (size_t i = 0; i < p->n_attributes; i++) {
        const bl_attribute_t *at = &p->attributes[i];
        a[i] = bl_dist_sample(carrier ? &at->carrier : &at->clean, &R->rng_population);
    }
}

static int on_arrival(run_t *R, double now) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *res = R->res;
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
    e->threat = 0;
    e->contraband = NO_CONTRABAND;
    e->stations = 0;
    bool counted = now >= sc->warmup_time && seq >= sc->warmup_entities;
    if (!counted) {
        e->flags = BL_ENTITY_WARMUP;
    } else if (!R->window_open) {
        R->window_open = true;
        R->ws = now;
    }
    if (sc->population.n_contraband > 0 || sc->population.n_attributes > 0)
        sample_population(R, e, slot);
    if (counted) {
        res->entities++;
        if (e->contraband != NO_CONTRABAND)
            res->carriers++;
    }

    system_touch(R, now);
    R->in_system++;

    /* The next arrival, unless this one was the last. */
    bool last = sc->max_entities > 0 && res->total_arrivals >= sc->max_entities;
    if (!last) {
        double next = next_arrival(R, now);
        if (isinf(next) || (sc->duration > 0.0 && next > sc->duration))
            last = true;
        else if ((rc = bl_eventq_push(&R->q, next, EV_ARRIVAL, 0, 0)) != 0)
            return bl_error_set(R->err, rc, "out of memory growing the event list");
    }
    if (last) {
        R->arrivals_done = true;
        R->we = now;
    }
    return enter_station(R, sc->first_station, slot, now);
}

static int on_depart(run_t *R, uint32_t idx, uint32_t slot, double now) {
    station_rt_t *s = &R->stations[idx];
    entity_t *e = &R->ent[slot];
    bool counted = (e->flags & BL_ENTITY_WARMUP) == 0;
    int rc = 0;
    station_touch(R, s, now);
    if (counted)
        s->st->served++;

    int target;
    if (s->kind == BL_STATION_SERVICE) {
        const bl_route_t *r = &s->def->next;
        if (r->n == 1) {
            target = r->target[0];
        } else {
            double u = bl_rng_uniform(&R->rng_routing);
            size_t k = 0;
            while (k + 1 < r->n && !(u < r->cum[k]))
                k++;
            target = r->target[k];
        }
    } else {
        bool yes = false;
        uint32_t flag = 0;
        uint64_t *total = NULL;
        switch (s->kind) {
        case BL_STATION_RISK:
            rc = decide_risk(R, s, e, slot, now, &yes);
            flag = BL_ENTITY_SELECTED;
            total = &R->res->selected;
            break;
        case BL_STATION_SCAN:
            rc = decide_scan(R, s, e, now, &yes);
            flag = BL_ENTITY_ALARM;
            total = &R->res->alarms;
            break;
        default: /* BL_STATION_SEARCH, checked at setup */
            if (counted && (e->flags & BL_ENTITY_SEARCHED) == 0)
                R->res->searches++;
            e->flags |= BL_ENTITY_SEARCHED;
            rc = decide_search(R, s, e, now, &yes);
            break;
        }
        if (rc != 0)
            return rc;
        if (yes) {
            if (counted) {
                s->st->yes++;
                if (total != NULL && (e->flags & flag) == 0)
                    (*total)++;
            }
            e->flags |= flag;
        }
        target = yes ? s->def->on_yes : s->def->on_no;
    }

    /* The server takes the next in line before the entity moves on, so an
     * entity routed back here queues behind those already waiting. */
    s->busy--;
    if (s->qlen > 0) {
        uint32_t next = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) & (s->qcap - 1);
        s->qlen--;
        s->busy++;
        rc = start_service(R, s, next, now, now - R->ent[next].enter);
        if (rc != 0)
            return rc;
    }
    if (target == BL_EXIT)
        return leave_system(R, slot, now);
    return enter_station(R, target, slot, now);
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                 */
/* ------------------------------------------------------------------ */

static int check_target(const bl_scenario_t *sc, const bl_station_def_t *d, int t, const char *what,
                        bl_error_t *err) {
    if (t == BL_EXIT || (t >= 0 && (size_t)t < sc->n_stations))
        return 0;
    return bl_error_set(err, BL_EINVAL,
                        "station '%s': %s points to station %d, which does not "
                        "exist (the scenario has %zu stations)",
                        d->name, what, t, sc->n_stations);
}

static int validate(const bl_scenario_t *sc, const bl_plugin_set_t *plugins, bl_error_t *err) {
    if (sc->duration <= 0.0 && sc->max_entities == 0)
        return bl_error_set(err, BL_EINVAL,
                            "scenario '%s' sets neither a duration nor "
                            "max_entities: the run would never end; set one",
                            sc->name != NULL ? sc->name : "?");
    if (sc->n_stations == 0)
        return bl_error_set(err, BL_EINVAL, "the scenario has no stations");
    if (sc->n_stations > UINT32_MAX)
        return bl_error_set(err, BL_EINVAL, "too many stations (%zu)", sc->n_stations);
    if (sc->first_station < 0 || (size_t)sc->first_station >= sc->n_stations)
        return bl_error_set(err, BL_EINVAL, "the first station (%d) does not exist",
                            sc->first_station);
    int rc = bl_arrivals_validate(&sc->arrivals, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < sc->n_stations; i++) {
        const bl_station_def_t *d = &sc->stations[i];
        const char *name = d->name != NULL ? d->name : "?";
        if (d->servers == 0)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d) has no servers: give it "
                                "servers >= 1",
                                name, d->line);
        switch (d->kind) {
        case BL_STATION_SERVICE:
            if (d->next.n == 0)
                break;
            for (size_t k = 0; k < d->next.n; k++)
                if ((rc = check_target(sc, d, d->next.target[k], "next", err)) != 0)
                    return rc;
            break;
        case BL_STATION_RISK:
        case BL_STATION_SCAN: {
            int role = d->kind == BL_STATION_RISK ? BL_ROLE_RISK : BL_ROLE_DETECTOR;
            if (plugins == NULL || plugins->role[role] == NULL)
                return bl_error_set(
                    err, BL_EINVAL,
                    "station '%s' (line %d) is a %s station but no %s plugin is loaded: "
                    "name one in the scenario's plugins table or with --plugin %s=...",
                    name, d->line, d->kind == BL_STATION_RISK ? "risk" : "scan",
                    d->kind == BL_STATION_RISK ? "risk model" : "detector", bl_role_name(role));
        }
            /* fall through */
        case BL_STATION_SEARCH:
            if ((rc = check_target(sc, d, d->on_yes, "on_yes", err)) != 0 ||
                (rc = check_target(sc, d, d->on_no, "on_no", err)) != 0)
                return rc;
            break;
        default:
            return bl_error_set(err, BL_EINVAL, "station '%s' (line %d) has unknown kind %d", name,
                                d->line, d->kind);
        }
    }
    return 0;
}

static int create_plugins(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        const bl_plugin_handle_t *h = R->plugins != NULL ? R->plugins->role[r] : NULL;
        if (h == NULL || h->desc == NULL)
            continue;
        const bl_plugin_t *desc = h->desc;
        bl_host_services_init(&R->hs[r], sc->seed, R->replication,
                              (uint64_t)BL_STREAM_PLUGIN_BASE + (uint64_t)r, &R->clock,
                              desc->header.id);
        const bl_plugin_ref_t *ref = &sc->plugins[r];
        char **values = NULL; /* "${replication}" expanded: borrowed by create() only */
        if (bl_plugin_ref_expand(ref, R->replication, &values) != 0)
            return bl_error_set(R->err, BL_ENOMEM, "out of memory");
        bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                              (const char *const *)values};
        int rc = BL_EPLUGIN;
        void *inst = NULL;
        if (r == BL_ROLE_DETECTOR && desc->detector != NULL)
            rc = desc->detector->create(&config, &R->hs[r].host, &inst);
        else if (r == BL_ROLE_RISK && desc->risk != NULL)
            rc = desc->risk->create(&config, &R->hs[r].host, &inst);
        else if (r == BL_ROLE_STORE && desc->store != NULL)
            rc = desc->store->create(&config, &R->hs[r].host, &inst);
        bl_plugin_ref_values_free(values, ref->n_config);
        if (rc != 0)
            return bl_error_set(R->err, BL_EPLUGIN,
                                "plugin %s (%s role): create returned %d (%s): check its "
                                "configuration in the scenario",
                                plugin_id(R, r), bl_role_name(r), rc, bl_error_name(rc));
        R->inst[r] = inst;
        R->created[r] = true;
    }
    return 0;
}

static void destroy_plugins(run_t *R) {
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        if (!R->created[r])
            continue;
        const bl_plugin_t *desc = R->plugins->role[r]->desc;
        if (r == BL_ROLE_DETECTOR)
            desc->detector->destroy(R->inst[r]);
        else if (r == BL_ROLE_RISK)
            desc->risk->destroy(R->inst[r]);
        else
            desc->store->destroy(R->inst[r]);
        R->created[r] = false;
        R->inst[r] = NULL;
    }
}

static int setup(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    bl_replication_result_t *res = R->res;
    uint64_t seed = sc->seed, rep = R->replication;

    bl_rng_init(&R->rng_arrivals, seed, rep, BL_STREAM_ARRIVALS);
    bl_rng_init(&R->rng_population, seed, rep, BL_STREAM_POPULATION);
    bl_rng_init(&R->rng_routing, seed, rep, BL_STREAM_ROUTING);
    bl_rng_init(&R->rng_scans, seed, rep, BL_STREAM_SCANS);
    bl_rng_init(&R->rng_search, seed, rep, BL_STREAM_SEARCH);

    res->replication = R->replication;
    res->n_stations = sc->n_stations;
    res->stations = calloc(sc->n_stations, sizeof *res->stations);
    R->stations = calloc(sc->n_stations, sizeof *R->stations);
    if (res->stations == NULL || R->stations == NULL)
        goto nomem;
    bl_histogram_init(&res->sojourn);
    bool any_scan = false, any_risk = false;
    for (size_t i = 0; i < sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        s->def = &sc->stations[i];
        s->st = &res->stations[i];
        bl_histogram_init(&s->st->waits);
        bl_rng_init(&s->rng, seed, rep, (uint64_t)BL_STREAM_STATION_BASE + i);
        s->servers = s->def->servers;
        s->kind = s->def->kind;
        s->svc_kind = s->def->service.kind;
        s->svc_a = s->def->service.a;
        any_scan |= s->kind == BL_STATION_SCAN;
        any_risk |= s->kind == BL_STATION_RISK;
    }

    if (bl_eventq_init(&R->q, 256) != 0)
        goto nomem;
    R->free_head = UINT32_MAX;
    if (pool_grow(R) != 0)
        return R->err->code != 0 ? R->err->code : BL_ENOMEM;

    size_t na = sc->population.n_attributes;
    if (any_risk) {
        R->columns = calloc(na > 0 ? na : 1, sizeof *R->columns);
        R->row = calloc(na > 0 ? na : 1, sizeof *R->row);
        if (R->columns == NULL || R->row == NULL)
            goto nomem;
        for (size_t i = 0; i < na; i++) {
            R->columns[i].name = sc->population.attributes[i].name;
            R->columns[i].type = BL_COLUMN_NUMERIC;
            R->columns[i].numeric = &R->row[i];
        }
        R->records.size = (uint32_t)sizeof R->records;
        R->records.n_columns = (uint32_t)na;
        R->records.n_rows = 1;
        R->records.columns = R->columns;
    }
    if (any_scan) {
        /* A bag of the scenario's scan size; clutter, noise and blur at
         * the generator's defaults. */
        bl_xray_config_default(&R->xray);
        R->xray.width = sc->scan.width != 0 ? sc->scan.width : DEFAULT_SCAN_SIDE;
        R->xray.height = sc->scan.height != 0 ? sc->scan.height : DEFAULT_SCAN_SIDE;
        R->xray.pixel_mm = sc->scan.pixel_mm;
        int rc = bl_xray_config_validate(&R->xray, R->err);
        if (rc != 0) {
            bl_error_prefix(R->err, "scenario %s: scan settings", sc->name);
            return rc;
        }
        if (bl_xray_buffer_init(&R->scanbuf, R->xray.width, R->xray.height) != 0)
            goto nomem;
        R->det_items = calloc(DETECTIONS_CAPACITY, sizeof *R->det_items);
        if (R->det_items == NULL)
            goto nomem;
    }
    if (R->sink != NULL && R->sink->write != NULL) {
        R->rows = malloc(SINK_ROWS * sizeof *R->rows);
        if (R->rows == NULL)
            goto nomem;
    }
    return create_plugins(R);
nomem:
    return bl_error_set(R->err, BL_ENOMEM, "out of memory setting up replication %u",
                        R->replication);
}

static void teardown(run_t *R) {
    destroy_plugins(R);
    if (R->stations != NULL)
        for (size_t i = 0; i < R->sc->n_stations; i++)
            free(R->stations[i].queue);
    free(R->stations);
    bl_eventq_fini(&R->q);
    free(R->ent);
    free(R->attrs);
    free(R->columns);
    free(R->row);
    bl_xray_buffer_fini(&R->scanbuf);
    free(R->det_items);
    free(R->rows);
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
    int rc = validate(sc, plugins, err);
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

    if ((rc = setup(R)) != 0)
        goto out;

    double now = 0.0;
    double first = next_arrival(R, 0.0);
    if (!isinf(first) && !(sc->duration > 0.0 && first > sc->duration)) {
        if ((rc = bl_eventq_push(&R->q, first, EV_ARRIVAL, 0, 0)) != 0) {
            bl_error_set(err, rc, "out of memory growing the event list");
            goto out;
        }
    } else {
        R->arrivals_done = true;
        R->we = 0.0;
    }

    uint64_t events = 0, ms_reported = 0;
    bl_event_t ev;
    while (bl_eventq_pop(&R->q, &ev) == 0) {
        now = ev.time;
        R->clock = now;
        events++;
        if (ev.type == EV_DEPART)
            rc = on_depart(R, ev.target, (uint32_t)ev.entity, now);
        else
            rc = on_arrival(R, now);
        if (rc != 0)
            goto out;
        if (progress != NULL && (events & PROGRESS_MASK) == 0)
            report_progress(progress, PROGRESS_MASK + 1, now, &ms_reported);
    }
    if (progress != NULL)
        report_progress(progress, events & PROGRESS_MASK, now, &ms_reported);

    /* Close the integrals at the end of the window. */
    for (size_t i = 0; i < sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        station_touch(R, s, now);
        s->st->in_system = s->busy + s->qlen;
    }
    system_touch(R, now);
    out->events = events;
    out->end_time = now;
    if (R->window_open) {
        out->window_start = R->ws;
        out->window_end = R->we;
    } else { /* nothing counted: an empty window at the end of arrivals */
        out->window_start = R->we;
        out->window_end = R->we;
    }
    if (R->rows != NULL)
        rc = sink_flush(R);

out:
    teardown(R);
    free(R);
    if (rc != 0) {
        if (err->code == 0)
            bl_error_set(err, rc, "replication %u failed", replication);
        bl_replication_result_fini(out);
    }
    return rc;
}

void bl_replication_result_fini(bl_replication_result_t *r) {
    if (r == NULL)
        return;
    free(r->stations);
    memset(r, 0, sizeof *r);
}
