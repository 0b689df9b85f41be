/*
 * Results files (HDF5).  One file per run, written under a temporary name
 * ("<dir>/.<name>.tmp.<pid>") in the destination folder and renamed when
 * complete, so a crashed or failed run never leaves a file that looks
 * finished.  Layout (README "Results layout" documents it for users); every
 * table is an H5TB compound dataset, chunked (4096 rows) and deflated, with
 * "units" and "description" attributes; strings are fixed-size, NUL-padded.
 *
 *   /                       attributes: borderlab_schema (int), harness_version,
 *                           job ("checkpoint", "detector_bench"), seed (uint64), replications,
 *                           threads (uint), scenario_path, scenario_name,
 *                           scenario_source (full text), parameters (JSON:
 *                           {"values": {name: text}, "overridden": [names]}),
 *                           host, start_time (ISO 8601 UTC), wall_seconds
 *                           (double), command_line, and for each plugin used
 *                           plugin_<role>_id, plugin_<role>_version,
 *                           plugin_<role>_sha256
 *   /plugins                one row per loaded plugin (checkpoint: per role;
 *                           detector_bench: per detector): role, kind, id, name,
 *                           vendor, version, path, sha256 (64 hex), calls,
 *                           invalid_outputs (u64, summed over replications)
 *   /checkpoint/...         a plain checkpoint run; a sweep (`run --sweep`) has
 *                           the same tables under /sweep/pNNNN per point instead,
 *                           plus /sweep/points and /sweep/axes and the root
 *                           attribute sweep ("k=v1,v2;k2=..."): see
 *                           results_checkpoint.h and results_schema.h
 *   /checkpoint/stations    one row per station, scenario order, pooled:
 *                           station, kind (service/risk_check/scan/search/review),
 *                           servers, arrivals, served, in_system, decisions_yes
 *                           (totals), wait_mean, wait_ci_low, wait_ci_high (95%
 *                           t interval over replication means; NaN with one
 *                           replication), wait_p50/p90/p95/p99 (merged
 *                           histograms), wait_max, utilisation (busy / on-duty
 *                           server time) + utilisation_ci_low/high, mean_queue,
 *                           max_queue, reneged (total), officer_hours (on-duty
 *                           server-hours in the window, mean per replication)
 *   /checkpoint/replications one row per (replication, station): replication,
 *                           station, arrivals, served, in_system,
 *                           decisions_yes, wait_mean, wait_p50, wait_p90,
 *                           wait_p99, utilisation, mean_queue, max_queue,
 *                           reneged, wait_p95, officer_hours, all_arrivals,
 *                           all_departures (warm-up included)
 *   /checkpoint/system      one row per replication: replication, entities,
 *                           completed, total_arrivals, sojourn_mean,
 *                           sojourn_p50/p90/p99, mean_in_system, throughput
 *                           (entities per second of window), littles_ratio,
 *                           window_start, window_end, end_time, events,
 *                           carriers, selected, alarms, searches, seizures,
 *                           missed, travellers, false_alarms, confirmed,
 *                           overridden, reneged, total_departures,
 *                           in_system_end, sojourn_p95, officer_hours
 *   /checkpoint/summary     one row, pooled: replications, entities,
 *                           sojourn_mean + _ci_low/_ci_high, sojourn_p50/p90/
 *                           p95/p99, mean_in_system + CI, throughput + CI,
 *                           littles_ratio, carriers, selected, alarms,
 *                           searches, seizures, missed, events, travellers,
 *                           false_alarms, confirmed, overridden, reneged
 *                           (totals), seizures_mean/false_alarms_mean/
 *                           officer_hours + _ci_low/_ci_high (per
 *                           replication), half_width (sequential runs)
 *   /checkpoint/classes, contraband, queue, hourly, waits
 *                           per class, per contraband kind, queue length per
 *                           series bin, utilisation and throughput per hour,
 *                           wait quantiles 0..1: results_checkpoint.h
 *   /checkpoint/entities/rNNNNN  optional per-entity tables, one per
 *                           replication: the fields of bl_entity_record_t
 *
 *   /detector/...           a detector_bench run: see detector_bench.h (written
 *                           by bench_results.c through the job-writer calls below)
 *   /store/...              a store_soak run: see store_soak.h (written by
 *                           soak_results.c through the same calls)
 *
 * Means and quantiles with nothing to measure (a station nobody waited at,
 * an empty window) are NaN.
 *
 * The row structs, columns and attributes of every table are described once,
 * in results_schema.h; the writer here and the reader (summary.c) share it.
 * Job writers build their tables with the calls of writer.h.
 */
#ifndef BL_RESULTS_H
#define BL_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "engine/engine.h"
#include "plugin/loader.h"
#include "scenario/scenario.h"

#define BL_RESULTS_SCHEMA 1

/* Everything a finished run hands to the writer (all borrowed). */
typedef struct bl_run {
    const bl_scenario_t *scenario;
    const bl_plugin_set_t *plugins;
    const bl_replication_result_t *reps; /* in replication order */
    unsigned n_reps;
    unsigned threads;
    const char *command_line;
    char host[256];
    char start_time[40]; /* ISO 8601 UTC */
    double wall_seconds;
} bl_run_t;

typedef struct bl_results_writer bl_results_writer_t;
struct bl_results_table;

/*
 * Create the temporary file beside final_path.  Fails early, before any
 * simulation, when the folder is missing or not writable (the message names
 * the folder and says to pass -o).
 */
int bl_results_open(bl_results_writer_t **w, const char *final_path, bl_error_t *err);

/* A sink that streams replication `replication`'s per-entity records into
 * /checkpoint/entities/rNNNNN in compressed chunks.  Each write appends
 * straight to the file (nothing is buffered, so memory does not grow with
 * the run; callers should batch rows, as the engine does).  Thread-safe:
 * sinks of different replications may write concurrently.  Asking again for
 * the same replication returns the same sink.  The sink stays valid until
 * commit/abort. */
int bl_results_entity_sink(bl_results_writer_t *w, unsigned replication, bl_entity_sink_t *sink,
                           bl_error_t *err);

/* A checkpoint run: root attributes, plugin table and the /checkpoint
 * tables (bl_results_write_checkpoint); marks the file complete. */
int bl_results_write_run(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err);

/* One plugin of a run as the root attributes and /plugins record it (all
 * borrowed). */
typedef struct bl_results_plugin {
    const char *role; /* /plugins role column: "detector", "risk", "store" */
    const char *attr; /* root attributes plugin_<attr>_id/_version/_sha256; NULL: role,
                         numbered from the role's second entry on (risk, risk2, risk3) */
    const bl_plugin_handle_t *handle;
    uint64_t calls, invalid_outputs;
    const char *failed_check; /* a check of the run's that the plugin failed, in words ("claims
                                 to be deterministic but...", "custody chain verify failed...");
                                 its verdict is then INVALID; NULL when none */
} bl_results_plugin_t;

/*
 * The verdict on one plugin of a run, as LoadGen prints VALID/INVALID: a
 * plugin is valid unless it was marked invalid during the run (too many
 * failures to process, create failed: plugin/isolated.h), gave invalid
 * outputs, or was found not deterministic though it claims to be.  Writes
 * the reason into why (cap bytes; "" when valid) and returns whether valid.
 */
bool bl_results_plugin_verdict(const bl_results_plugin_t *p, char *why, size_t cap);

/*
 * The part every job writes: the root attributes listed above (job as
 * given; run->reps is not read) and the /plugins table, one row per entry
 * of plugins[0..n_plugins-1] in that order.  Does not mark the file
 * complete.
 */
int bl_results_write_root(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                          const bl_results_plugin_t *plugins, size_t n_plugins, bl_error_t *err);

/* How many plugins bl_results_write_root recorded as INVALID, with one
 * line per plugin ("plugin X (detector, path): INVALID: why") in text. */
unsigned bl_results_invalid_plugins(const bl_results_writer_t *w, char *text, size_t cap);

/* Close and rename to the final path; frees w (also on failure). */
int bl_results_commit(bl_results_writer_t *w, bl_error_t *err);

/* Close and delete the temporary file; frees w.  NULL is fine. */
void bl_results_abort(bl_results_writer_t *w);

/* The temporary path in use (for messages and tests). */
const char *bl_results_temp_path(const bl_results_writer_t *w);

#endif
