/*
 * The checkpoint tables of a results file (results.h has the file, root
 * and the table list).  A plain run writes them under /checkpoint; a sweep
 * writes one group per point, /sweep/pNNNN, with the same tables, plus the
 * /sweep/points and /sweep/axes tables.
 *
 * Tables under GROUP (results_schema.h has their columns; README "Results
 * layout" documents them):
 *   stations       one row per station, pooled over replications with 95% CIs
 *   replications   one row per (replication, station)
 *   system         one row per replication
 *   summary        one row, pooled with 95% CIs
 *   classes        one row per entity class, pooled (entities, travellers,
 *                  sojourn mean + CI, p50/p90/p95/p99, reneged, seizures)
 *   contraband     one row per contraband kind: carriers, seized, through,
 *                  value_seized, value_through (totals) and per-replication
 *                  means with CIs of seized and through
 *   queue          one row per (station, bin of series_step): time (bin
 *                  start, s), mean queue length over replications + CI
 *   hourly         one row per (station, hour): utilisation (busy / on
 *                  duty) mean + CI, servers on duty (mean), services
 *                  finished per hour mean + CI; station "(system)" rows give
 *                  the system throughput per hour (departures) mean + CI
 *   waits          one row per (station or "(end to end)", quantile
 *                  0.00..1.00 by 0.01): wait at that quantile of the merged
 *                  histogram (the wait distribution)
 *   entities/rNNNNN  optional per-entity tables (plain runs only)
 */
#ifndef BL_RESULTS_CHECKPOINT_H
#define BL_RESULTS_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "engine/engine.h"
#include "results/results.h"
#include "scenario/scenario.h"

struct cJSON;

/* All the tables above for the replications reps[0..n_reps-1] of sc,
 * under the absolute group path ("/checkpoint", "/sweep/p0003"), which is
 * created when missing. */
int bl_results_write_checkpoint(bl_results_writer_t *w, const bl_scenario_t *sc,
                                const bl_replication_result_t *reps, unsigned n_reps,
                                const char *group, bl_error_t *err);

/* One point of a sweep as the writer needs it (all borrowed). */
typedef struct bl_sweep_point_result {
    size_t n_axes;
    const char *const *keys;       /* the axes' keys */
    const char *const *values;     /* this point's value on each axis, as text */
    const bl_scenario_t *scenario; /* the point's scenario */
    const bl_replication_result_t *reps;
    unsigned n_reps;
} bl_sweep_point_result_t;

/*
 * A sweep run: root attributes and /plugins (run->scenario is the base
 * scenario; plugin calls summed over every point), then /sweep/pNNNN per
 * point, /sweep/points (point, group, settings "k=v;k=v", replications,
 * and for each headline metric its mean, ci_low, ci_high: sojourn_mean,
 * sojourn_p90, throughput, seizures, false_alarms, officer_hours, and
 * reneged) and /sweep/axes (axis, point, value text, value number or NaN).
 * Marks the file complete.
 */
int bl_results_write_sweep(bl_results_writer_t *w, const bl_run_t *run,
                           const bl_sweep_point_result_t *points, size_t n_points, bl_error_t *err);

/*
 * The checkpoint part of a run summary (summary_checkpoint.c; results/summary.h
 * has the part every job shares): from the open file (an hid_t), for a
 * plain run "stations", "system", "classes", "contraband" and
 * "entity_table"; for a sweep (root attribute "sweep") "sweep" (the axes
 * text) and "points" (one object per /sweep/points row, with the table's
 * column names: a metric m as m and m_ci [low, high] or null; throughput
 * per hour; and "axes" {key: value}).  Returns 0, BL_EHDF5 (a table is
 * missing or unreadable; the message names fname) or BL_ENOMEM.
 * bl_checkpoint_summary_text prints such a summary (and its plugins).
 */
int bl_checkpoint_summary_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
void bl_checkpoint_summary_text(const struct cJSON *summary, FILE *fp);

#endif
