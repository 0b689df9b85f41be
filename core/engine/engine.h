/*
 * The discrete-event engine: runs one replication of a checkpoint scenario.
 * Events are ordered by (time, sequence number) so equal-time events run in
 * the order they were scheduled.  Entities arrive by the scenario's arrival
 * process, flow through the station graph (c servers and a FIFO queue per
 * station) and leave; decision stations call the risk model and the
 * detector, and searches that find contraband deposit seizures in the
 * store.  Lua is never called here.
 *
 * Everything random comes from streams derived from (seed, replication,
 * stream), and each replication creates its own plugin instances, so a
 * replication's result does not depend on which thread ran it.
 *
 * Classes, shifts, priorities and reneging: each entity class has its own
 * arrival process (one pending arrival event per class, plus one for the
 * replayed CSV); an arrival event brings a group of entities at once.
 * Queues are served by class priority (higher first), FIFO within a
 * priority, without preemption.  A station with a shift schedule changes
 * capacity at shift boundaries; when capacity drops, busy servers finish
 * the entity in service before leaving, and nobody new starts until busy <
 * capacity.  An entity whose patience runs out while queued leaves for the
 * station's on_renege target.
 *
 * Top-k risk selection (budget_per_hour > 0): every entity is scored; it
 * is selected when fewer than k = floor(budget_per_hour) entities have been
 * selected at that station in the current clock hour (floor(t / 3600)) and
 * its score is at least the k-th highest valid score the station saw in the
 * previous clock hour (when that hour saw fewer than k, the first hour
 * say: the station's threshold).  This is the online form of "inspect the
 * k riskiest a hour": it needs no look-ahead and never exceeds the budget.
 * Scores outside [0, 1] count as invalid outputs and are never selected.
 *
 * Reneging: patience is drawn (stream BL_STREAM_PATIENCE) when an entity
 * has to queue; an EV_RENEGE event at now + patience removes it if it is
 * still in that queue.  Its wait there counts in its total wait, not in the
 * station's waits (those are the waits of entities served).
 *
 * Shift changes: an EV_CAPACITY event at each boundary of a station's
 * schedule; once arrivals are over and the system is empty no more are
 * scheduled.  If arrivals are over and entities wait at a station that
 * will never open again, the run ends with them in the system.
 *
 * Scan stations call the detector plugin on a synthetic scan of the entity
 * (its contraband's threat class when the concealment is in_scan, else a
 * clean bag), or, when the scenario has a surrogate, resample a measured
 * score of the same class from the detector_bench file and compare it with
 * the threshold.
 */
#ifndef BL_ENGINE_H
#define BL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/progress.h"
#include "plugin/loader.h"
#include "scenario/scenario.h"
#include "stats/histogram.h"

/* A time series of equal bins from simulated time 0: bin i covers
 * [i * step, (i + 1) * step).  Grows with the run: after a replication
 * every series of the result has the bins up to the one holding end_time
 * (n = floor(end_time / step) + 1), bins past it are not there. */
typedef struct bl_series {
    double step; /* seconds per bin */
    size_t n;    /* bins filled */
    size_t cap;
    double *v; /* owned */
} bl_series_t;

/* What one station measured in one replication.  Counts and waits cover
 * entities that arrived in the system after warm-up; time integrals cover
 * the measurement window [window_start, window_end]; series cover the
 * whole run from time 0 (warm-up included: they show the queues build). */
typedef struct bl_station_stats {
    uint64_t arrivals;  /* entities that reached the station */
    uint64_t served;    /* entities that finished service */
    uint64_t reneged;   /* reneges from this station's queue (patience ran out) */
    uint64_t in_system; /* at the end of the run (queue + service), warm-up included */
    uint64_t all_arrivals, all_departures; /* warm-up included: all_arrivals ==
                                              all_departures + in_system (departures are
                                              services finished and reneges) */
    uint64_t max_queue;
    uint64_t yes;         /* decisions: selected / alarms / found / confirmed */
    double wait_sum;      /* queue wait before service, seconds */
    double busy_area;     /* server-seconds busy in the window */
    double capacity_area; /* server-seconds on duty in the window (officer time) */
    double queue_area;    /* queue-length-seconds in the window */
    bl_histogram_t waits;
    bl_series_t queue;           /* queue-length-seconds per scenario series_step bin (divide
                                    by the step for the mean queue length in the bin) */
    bl_series_t busy_hourly;     /* busy server-seconds per hour */
    bl_series_t capacity_hourly; /* on-duty server-seconds per hour */
    bl_series_t served_hourly;   /* services finished per hour (all entities) */
} bl_station_stats_t;

/* What one class of entities measured in one replication (after warm-up). */
typedef struct bl_class_stats {
    uint64_t entities, completed, reneged;
    uint64_t travellers; /* occupants of the entities that arrived */
    uint64_t carriers, seizures;
    double sojourn_sum;
    bl_histogram_t sojourn;
} bl_class_stats_t;

/* What happened to one kind of contraband (scenario contraband_kinds). */
typedef struct bl_contraband_stats {
    uint64_t carriers; /* entities that arrived carrying it */
    uint64_t seized;   /* of those, seizures deposited */
    uint64_t through;  /* left the system without a seizure */
    double value_seized, value_through;
} bl_contraband_stats_t;

/* What the whole system measured in one replication. */
typedef struct bl_replication_result {
    unsigned replication;
    size_t n_stations;
    bl_station_stats_t *stations; /* owned, n_stations */
    size_t n_classes;
    bl_class_stats_t *classes; /* owned, n_classes */
    size_t n_contraband;
    bl_contraband_stats_t *contraband; /* owned, scenario n_contraband_kinds */
    uint64_t entities;                 /* arrived after warm-up */
    uint64_t completed;                /* of those, left the system */
    uint64_t total_arrivals;           /* including warm-up */
    uint64_t total_departures;         /* including warm-up; total_arrivals == total_departures +
                                          in_system_end */
    uint64_t in_system_end;
    uint64_t travellers; /* occupants of the entities counted */
    double sojourn_sum;  /* end-to-end time, seconds */
    bl_histogram_t sojourn;
    double system_area; /* entities-in-system-seconds in the window */
    double window_start, window_end;
    double end_time; /* simulated time of the last event */
    uint64_t events;
    uint64_t carriers;              /* entities carrying contraband */
    uint64_t selected;              /* risk: selected for inspection */
    uint64_t alarms;                /* detector alarms (entities) */
    uint64_t false_alarms;          /* of the alarms (entities), those carrying no contraband */
    uint64_t confirmed, overridden; /* review stations: decisions confirming / overriding */
    uint64_t searches;
    uint64_t seizures;                    /* seizures deposited */
    uint64_t missed;                      /* carriers that left without a seizure */
    uint64_t reneged;                     /* entities that left a queue out of patience
                                             (once per entity; same in bl_class_stats_t) */
    bl_series_t departures_hourly;        /* entities leaving the system per hour (all) */
    uint64_t plugin_calls[BL_ROLE_COUNT]; /* verb calls per role */
    uint64_t invalid_outputs[BL_ROLE_COUNT];
} bl_replication_result_t;

/* One row of the per-entity table. */
typedef struct bl_entity_record {
    uint32_t replication;
    uint32_t flags;        /* BL_ENTITY_* */
    uint64_t entity;       /* sequence number of arrival in the replication */
    double arrival;        /* seconds */
    double departure;      /* seconds */
    double wait;           /* total queue wait, seconds */
    double risk_score;     /* NaN when not scored */
    uint32_t threat;       /* ground truth: bl_threat_class_t carried, 0 = none */
    uint32_t stations;     /* stations visited */
    uint32_t entity_class; /* index into the scenario's classes */
    uint32_t contraband;   /* 1 + index into contraband_kinds; 0 = none */
} bl_entity_record_t;

#define BL_ENTITY_WARMUP 0x1u
#define BL_ENTITY_SELECTED 0x2u
#define BL_ENTITY_ALARM 0x4u
#define BL_ENTITY_SEARCHED 0x8u
#define BL_ENTITY_SEIZED 0x10u
#define BL_ENTITY_RENEGED 0x20u
#define BL_ENTITY_CONFIRMED 0x40u

/* Receives per-entity records in departure order; called from the thread
 * running the replication.  Returning non-zero aborts the replication. */
typedef struct bl_entity_sink {
    int (*write)(void *ctx, const bl_entity_record_t *rows, size_t n, bl_error_t *err);
    void *ctx;
} bl_entity_sink_t;

/* The loaded plugins of a run (NULL entries for unused roles). */
typedef struct bl_plugin_set {
    const bl_plugin_handle_t *role[BL_ROLE_COUNT];
} bl_plugin_set_t;

/*
 * Run replication `replication` of sc.  plugins, sink and progress may be
 * NULL/empty.  On success *out is filled (release with
 * bl_replication_result_fini); on failure err says why (plugin errors name
 * the plugin id, station and simulated time).
 */
int bl_engine_run(const bl_scenario_t *sc, const bl_plugin_set_t *plugins, unsigned replication,
                  const bl_entity_sink_t *sink, bl_progress_t *progress,
                  bl_replication_result_t *out, bl_error_t *err);

void bl_replication_result_fini(bl_replication_result_t *r);

/* Series helpers (engine_series.c): add v to bin floor(t / step), growing
 * the series; value at bin i (0 past the end); release.  The adds return 0,
 * BL_EINVAL (step <= 0, t < 0 or infinite) or BL_ENOMEM. */
int bl_series_add(bl_series_t *s, double t, double v);
/* Spread a rate `per_second` over [t0, t1) into the bins it overlaps. */
int bl_series_add_span(bl_series_t *s, double t0, double t1, double per_second);
double bl_series_at(const bl_series_t *s, size_t i);
void bl_series_fini(bl_series_t *s);

#endif
