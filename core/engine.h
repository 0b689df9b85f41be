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
 */
#ifndef BL_ENGINE_H
#define BL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "histogram.h"
#include "loader.h"
#include "scenario.h"

/* What one station measured in one replication.  Counts and waits cover
 * entities that arrived in the system after warm-up; time integrals cover
 * the measurement window [window_start, window_end]. */
typedef struct bl_station_stats {
    uint64_t arrivals;  /* entities that reached the station */
    uint64_t served;    /* entities that finished service */
    uint64_t in_system; /* at the end of the run (queue + service) */
    uint64_t max_queue;
    uint64_t yes;      /* decisions: selected / alarms / found */
    double wait_sum;   /* queue wait before service, seconds */
    double busy_area;  /* server-seconds busy in the window */
    double queue_area; /* queue-length-seconds in the window */
    bl_histogram_t waits;
} bl_station_stats_t;

/* What the whole system measured in one replication. */
typedef struct bl_replication_result {
    unsigned replication;
    size_t n_stations;
    bl_station_stats_t *stations; /* owned, n_stations */
    uint64_t entities;            /* arrived after warm-up */
    uint64_t completed;           /* of those, left the system */
    uint64_t total_arrivals;      /* including warm-up */
    double sojourn_sum;           /* end-to-end time, seconds */
    bl_histogram_t sojourn;
    double system_area; /* entities-in-system-seconds in the window */
    double window_start, window_end;
    double end_time; /* simulated time of the last event */
    uint64_t events;
    uint64_t carriers; /* entities carrying contraband */
    uint64_t selected; /* risk: selected for inspection */
    uint64_t alarms;   /* detector alarms */
    uint64_t searches;
    uint64_t seizures;                    /* seizures deposited */
    uint64_t missed;                      /* carriers that left without a seizure */
    uint64_t plugin_calls[BL_ROLE_COUNT]; /* verb calls per role */
    uint64_t invalid_outputs[BL_ROLE_COUNT];
} bl_replication_result_t;

/* One row of the per-entity table. */
typedef struct bl_entity_record {
    uint32_t replication;
    uint32_t flags;    /* BL_ENTITY_* */
    uint64_t entity;   /* sequence number of arrival in the replication */
    double arrival;    /* seconds */
    double departure;  /* seconds */
    double wait;       /* total queue wait, seconds */
    double risk_score; /* NaN when not scored */
    uint32_t threat;   /* ground truth: bl_threat_class_t carried, 0 = none */
    uint32_t stations; /* stations visited */
} bl_entity_record_t;

#define BL_ENTITY_WARMUP 0x1u
#define BL_ENTITY_SELECTED 0x2u
#define BL_ENTITY_ALARM 0x4u
#define BL_ENTITY_SEARCHED 0x8u
#define BL_ENTITY_SEIZED 0x10u

/* Receives per-entity records in departure order; called from the thread
 * running the replication.  Returning non-zero aborts the replication. */
typedef struct bl_entity_sink {
    int (*write)(void *ctx, const bl_entity_record_t *rows, size_t n, bl_error_t *err);
    void *ctx;
} bl_entity_sink_t;

/* Progress reporting: the engine adds to these from any thread (relaxed
 * atomics); a reader shows them. */
typedef struct bl_progress {
    volatile uint64_t events;
    volatile uint64_t sim_ms_done; /* simulated milliseconds done, all replications */
    /* A phase whose length is not counted (e.g. timing runs): when set, the
     * meter shows it with the elapsed time instead of a percentage. */
    const char *volatile phase;
} bl_progress_t;

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

#endif
