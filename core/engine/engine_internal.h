/*
 * What the engine's files share (engine.c: run loop, arrivals, entity
 * flow; engine_setup.c: setup, teardown, measurement window, per-entity
 * table, final figures; engine_queue.c: priority queues, reneging, shift
 * changes, series bins; engine_decide.c: decision stations, plugins,
 * scenario checks; engine_series.c: bl_series_*,
 * bl_replication_result_fini).
 * Not installed, not for other modules: everything here may change with
 * the engine.
 */
#ifndef BL_ENGINE_INTERNAL_H
#define BL_ENGINE_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/eventq.h"
#include "gen/xray.h"
#include "stats/rng.h"

/* Event types; EV_DEPART first: it is most of the events. */
enum { EV_DEPART = 0, EV_ARRIVAL = 1, EV_REPLAY = 2, EV_RENEGE = 3, EV_CAPACITY = 4 };

#define NO_CONTRABAND UINT32_MAX
#define SINK_ROWS 4096
#define DETECTIONS_CAPACITY 64
#define DEFAULT_SCAN_SIDE 64
#define DEFAULT_SERIES_STEP 60.0
#define HOUR 3600.0

/* An entity in the system: one cache line. */
typedef struct entity {
    double arrival;
    double enter;      /* when it joined the current station's queue */
    double wait;       /* total queue wait so far */
    double risk_score; /* NaN until scored */
    uint64_t seq;      /* arrival sequence number in the replication */
    uint32_t flags;    /* BL_ENTITY_*; WARMUP means not counted */
    uint32_t stations; /* stations visited */
    uint32_t next_free;
    uint32_t token;      /* != 0 while queued at a station with patience (see EV_RENEGE) */
    uint32_t contraband; /* index into its class population's contraband, or NO_CONTRABAND */
    uint16_t cls;        /* class index */
    uint16_t conceal;    /* index into the contraband's concealments (0 when it has none) */
} entity_t;

/* A FIFO ring of queue entries, capacity a power of two.  An entry is
 * (token << 32) | slot; token 0 at stations without patience.  At stations
 * with patience an entry is stale when the entity's token moved on (it
 * reneged): stale entries stay in the ring and are skipped when popped. */
typedef struct ring {
    uint64_t *buf;
    size_t cap, head, len; /* len counts stale entries too */
} ring_t;

/* Top-k risk selection state (budget_per_hour > 0). */
typedef struct topk {
    uint64_t k;        /* floor(budget_per_hour) */
    int64_t hour;      /* clock hour of the scores in heap, -1 before any */
    uint64_t selected; /* selected in that hour */
    double threshold;  /* in force for that hour */
    double *heap;      /* min-heap of that hour's k highest scores */
    size_t n, cap;
} topk_t;

/* A station while it runs. */
typedef struct station_rt {
    const bl_station_def_t *def;
    bl_station_stats_t *st;
    bl_rng_t rng;           /* service times */
    unsigned servers, busy; /* servers: on duty now */
    int kind;
    int svc_kind; /* service distribution kind, for the inline fast paths */
    double svc_a;
    bool svc_slow; /* per-class service times or surrogate latency */
    bool patience; /* entities may renege here */
    bool simple_q; /* one priority level and no patience: plain FIFO */
    double last;   /* time of the last area update */
    size_t qlen;   /* entities waiting (stale ring entries not counted) */
    ring_t *rings; /* run_t.n_levels, highest priority first */

    /* Integrals from time 0: queue length and busy servers up to `last`,
     * on-duty servers up to cap_last (capacity changes only at shift
     * events, so it is brought up to date only then, at bin ends and at
     * the window's ends). */
    double cum_q, cum_busy, cum_cap, cap_last;
    /* Series: the current bins end at q_end and h_end; their values are
     * the integrals' growth since the bin started (q0, busy0, cap0). */
    double bin_end; /* min(q_end, h_end) */
    double q_end, h_end;
    size_t q_bin, h_bin;
    double q0, busy0, cap0;
    double acc_served; /* services finished in the current hour */
    /* The integrals when the measurement window opened. */
    double w_q0, w_busy0, w_cap0;

    /* Shift schedule: capacity changes at base + bounds[k]. */
    size_t n_bounds, bound_k;
    double *bounds;      /* owned, sorted, within one period */
    unsigned *cap_after; /* owned: servers on duty from bounds[k] */
    double bound_base;

    topk_t *topk; /* owned, RISK with a budget only */
} station_rt_t;

/* A class while it runs. */
typedef struct class_rt {
    bl_rng_t rng; /* its arrivals */
    const bl_entity_class_t *def;
    bool has_group, has_occupants;
    uint32_t level; /* priority level: index into station rings */
    uint32_t *attr; /* owned: union index of each of its attributes */
} class_rt_t;

typedef struct run {
    const bl_scenario_t *sc;
    const bl_plugin_set_t *plugins;
    unsigned replication;
    bl_replication_result_t *res;
    bl_error_t *err;

    bl_eventq_t q;
    double clock; /* simulated time; plugins read it through host services */

    bl_rng_t rng_population, rng_routing, rng_scans, rng_search, rng_review, rng_patience,
        rng_surrogate, rng_groups;
    station_rt_t *stations;
    class_rt_t *classes;
    size_t n_levels; /* distinct class priorities */
    bool multi_class;
    size_t n_attr; /* union attributes per entity slot */

    entity_t *ent;
    double *attrs; /* n_attr per slot */
    uint32_t ent_cap, free_head;
    uint32_t next_token;
    uint64_t in_system;
    double sys_last, cum_sys, sys_w0; /* entities-in-system integral from 0; at window open */
    double dep_h_end;                 /* end of the current departures_hourly bin */
    size_t dep_h_bin;
    double dep_acc;

    /* Arrival sources still running (classes with a profile, the replay). */
    unsigned sources;
    size_t replay_next;

    /* Measurement window [ws, we]; +inf until known.  Window areas are
     * differences of the integrals from time 0 taken when it opens and
     * closes, so the per-event path never clips. */
    double ws, we;
    bool window_open, arrivals_done;
    bool oom; /* a series could not grow: reported at the end */

    /* Plugins. */
    bl_host_services_t hs[BL_ROLE_COUNT];
    void *inst[BL_ROLE_COUNT];
    bool created[BL_ROLE_COUNT];

    /* Risk scoring: one row, one numeric column per attribute. */
    bl_column_t *columns;
    double *row;
    bl_records_t records;

    /* Scan synthesis and detections. */
    bl_scan_buffer_t scanbuf;
    bl_xray_config_t xray;
    bl_detection_t *det_items;
    uint64_t scans_made;

    /* Per-entity sink. */
    const bl_entity_sink_t *sink;
    bl_entity_record_t *rows;
    size_t n_rows;
} run_t;

/* ---- engine_series.c ---- */

/* Make bins [0, n) exist; add v to bin i (growing).  0 or BL_ENOMEM. */
int bl_series_reserve(bl_series_t *s, size_t n);
int bl_series_add_bin(bl_series_t *s, size_t i, double v);

/* ---- engine_queue.c ---- */

/* Integrate station s's series over [s->last, t) across bin boundaries
 * (the slow path of station_touch). */
void bl_engine_series_cross(run_t *R, station_rt_t *s, double t);
/* Flush the current bins of every series and make all of them cover the
 * bin holding end. */
void bl_engine_series_close(run_t *R, double end);

/* Queue slot at s behind the entities of its priority; schedules its
 * reneging when s has patience. */
int bl_engine_enqueue(run_t *R, station_rt_t *s, uint32_t slot, double now);
/* Grow (or compact) ring r of s so one more entry fits. */
int bl_engine_ring_grow(run_t *R, station_rt_t *s, ring_t *r);
/* Take the next entity from a non-simple queue (s->qlen > 0). */
uint32_t bl_engine_pop_slow(run_t *R, station_rt_t *s);
/* EV_RENEGE: (token << 32 | slot) at station idx; *stale when the entity
 * is no longer in that queue (nothing done then). */
bool bl_engine_renege_stale(const run_t *R, uint64_t entity);
int bl_engine_on_renege(run_t *R, uint32_t idx, uint64_t entity, double now);
/* Shift schedules: prepare (setup), first events (start of the run), EV_CAPACITY. */
int bl_engine_schedule_init(run_t *R, station_rt_t *s);
int bl_engine_schedule_start(run_t *R);
int bl_engine_on_capacity(run_t *R, uint32_t idx, double now);

/* ---- engine_decide.c ---- */

int bl_engine_validate(const bl_scenario_t *sc, const bl_plugin_set_t *plugins, bl_error_t *err);
int bl_engine_create_plugins(run_t *R);
void bl_engine_destroy_plugins(run_t *R);
/* Setup of what decision stations need (scan buffers, risk row, top-k). */
int bl_engine_decide_setup(run_t *R);
void bl_engine_decide_teardown(run_t *R);
/* A decision station finished with slot: decide, count, *target. */
int bl_engine_decide(run_t *R, station_rt_t *s, uint32_t slot, double now, int *target);
/* Service time at s for slot when s->svc_slow. */
double bl_engine_service_slow(run_t *R, station_rt_t *s, uint32_t slot);

/* ---- engine.c ---- */

/* Send slot to target (a station or BL_EXIT) at now. */
int bl_engine_move(run_t *R, int target, uint32_t slot, double now);
/* Start queued entities at s while a server is free. */
int bl_engine_serve_queued(run_t *R, station_rt_t *s, double now);
/* Double the entity pool (1024 slots when empty) and thread the new slots
 * onto the free list.  0, or BL_ENOMEM with a message in R->err. */
int bl_engine_pool_grow(run_t *R);

/* ---- engine_setup.c ---- */

/* Everything a replication needs before its first event: the streams,
 * station and class state, the event list, the entity pool, decision
 * stations, the sink's buffer and the plugins.  0 or a BL_E* code (message
 * in R->err); on failure bl_engine_teardown releases what was made. */
int bl_engine_setup(run_t *R);
/* Release what bl_engine_setup made (whatever it got to); R itself stays
 * the caller's. */
void bl_engine_teardown(run_t *R);
/* The window opens at the first counted arrival (the integrals are noted)
 * and closes at the last arrival (the window areas are their growth). */
void bl_engine_window_open(run_t *R, double now);
void bl_engine_window_close(run_t *R, double now);
/* Add e's row, leaving at now, to the per-entity table (R->rows != NULL);
 * written out every SINK_ROWS rows.  0 or the writer's error. */
int bl_engine_write_record(run_t *R, const entity_t *e, double now);
/* Hand the buffered rows to the sink.  0, or the writer's code (BL_EIO
 * when it returned a positive one) with a message in R->err. */
int bl_engine_sink_flush(run_t *R);
/* Close the integrals and series at now and fill what is derived. */
void bl_engine_finish(run_t *R, double now, uint64_t events);

/* ---- shared inline helpers ---- */

/* Bring the entities-in-system integral up to t. */
static inline void system_touch(run_t *R, double t) {
    R->cum_sys += (double)R->in_system * (t - R->sys_last);
    R->sys_last = t;
}

/* Bring s's integrals of queue length and busy servers (and its series)
 * up to t. */
static inline void station_touch(run_t *R, station_rt_t *s, double t) {
    if (t < s->bin_end) {
        double dt = t - s->last;
        s->cum_q += (double)s->qlen * dt;
        s->cum_busy += (double)s->busy * dt;
    } else {
        bl_engine_series_cross(R, s, t);
    }
    s->last = t;
}

/* Bring the on-duty integral up to t (t >= cap_last). */
static inline void station_cap_sync(station_rt_t *s, double t) {
    s->cum_cap += (double)s->servers * (t - s->cap_last);
    s->cap_last = t;
}

/* Class stats of slot's class. */
static inline bl_class_stats_t *class_stats(run_t *R, const entity_t *e) {
    return &R->res->classes[e->cls];
}

/* The contraband entry an entity carries (e->contraband != NO_CONTRABAND). */
static inline const bl_contraband_t *entity_contraband(const run_t *R, const entity_t *e) {
    return &R->sc->classes[e->cls].population.contraband[e->contraband];
}

#endif
