/*
 * Results files (HDF5).  One file per run, written under a temporary name
 * in the destination folder and renamed when complete, so a crashed or
 * failed run never leaves a file that looks finished.  Layout (README
 * "Results layout" documents it for users):
 *
 *   /                       attributes: borderlab_schema, harness_version,
 *                           seed, replications, threads, scenario_path,
 *                           scenario_name, scenario_source, parameters (JSON),
 *                           host, start_time, wall_seconds, command_line, job
 *   /plugins                table: role, kind, id, name, vendor, version,
 *                           path, sha256, calls, invalid_outputs
 *   /checkpoint/stations    table: pooled per-station summary with 95% CIs
 *   /checkpoint/replications table: one row per (replication, station)
 *   /checkpoint/system      table: one row per replication (end to end)
 *   /checkpoint/summary     table: one row, pooled end-to-end with 95% CIs
 *   /checkpoint/entities/rNNNNN  optional per-entity tables, one per replication
 */
#ifndef BL_RESULTS_H
#define BL_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"
#include "loader.h"
#include "scenario.h"

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

/*
 * Create the temporary file beside final_path.  Fails early, before any
 * simulation, when the folder is missing or not writable (the message names
 * the folder and says to pass -o).
 */
int bl_results_open(bl_results_writer_t **w, const char *final_path, bl_error_t *err);

/* A sink that streams replication `replication`'s per-entity records into
 * /checkpoint/entities/rNNNNN in compressed chunks.  Thread-safe: sinks of
 * different replications may write concurrently.  The sink stays valid
 * until commit/abort. */
int bl_results_entity_sink(bl_results_writer_t *w, unsigned replication, bl_entity_sink_t *sink,
                           bl_error_t *err);

/* Write attributes, plugin table and summaries. */
int bl_results_write_run(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err);

/* Close and rename to the final path; frees w (also on failure). */
int bl_results_commit(bl_results_writer_t *w, bl_error_t *err);

/* Close and delete the temporary file; frees w.  NULL is fine. */
void bl_results_abort(bl_results_writer_t *w);

/* The temporary path in use (for messages and tests). */
const char *bl_results_temp_path(const bl_results_writer_t *w);

#endif
