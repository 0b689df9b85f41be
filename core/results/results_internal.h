/*
 * What results.c (opening the file, entity sinks, tables, commit and
 * abort), results_checkpoint.c / results_series.c (the checkpoint tables)
 * and results_job.c (the root attributes and /plugins
 * table every job writes, and the calls for job writers) share.  Not
 * installed; the public API is results.h.
 */
#ifndef BL_RESULTS_INTERNAL_H
#define BL_RESULTS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hdf5.h>

#include "engine/engine.h"
#include "base/error.h"
#include "stats/histogram.h"
#include "results/results.h"
#include "scenario/scenario.h"
#include "stats/stats.h"

#define MAX_COLS 64

/* The arrays H5TB wants for a row description; string types are owned. */
typedef struct table_desc {
    size_t n;
    const char *names[MAX_COLS];
    size_t offsets[MAX_COLS];
    size_t sizes[MAX_COLS];
    hid_t types[MAX_COLS];
} table_desc_t;

typedef struct entity_sink_ctx entity_sink_ctx_t; /* results.c */

struct bl_results_writer {
    pthread_mutex_t lock; /* serialises every HDF5 call */
    hid_t file;
    hid_t entities; /* /checkpoint/entities, created with the first sink */
    char *final_path;
    char *temp_path;
    entity_sink_ctx_t **sinks;
    size_t n_sinks, cap_sinks;
    table_desc_t entity_desc;
    bool failed;  /* an entity write failed: the file is incomplete */
    bool written; /* bl_results_write_run succeeded */
};

/* HDF5 keeps the automatic error printing per thread in thread-safe builds,
 * so every locked section turns it off for the calling thread. */
static inline void hdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* Set err to BL_EHDF5 "results file TEMP: what: HDF5's reason" and return
 * it (bl_results_hdf5_error, results.c); caller holds the lock. */
static inline int hdf5_fail(bl_results_writer_t *w, bl_error_t *err, const char *what) {
    return bl_results_hdf5_error(w, err, what);
}

/* src (NULL: "") into the fixed-size string column dst, truncated to fit. */
static inline void copy_text(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

/* Make table t at the absolute path from nrows rows (of t's row struct),
 * with its units and description attributes, creating missing parent
 * groups; caller holds the lock (results.c). */
int bl_results_write_table_locked(bl_results_writer_t *w, const struct bl_results_table *t,
                                  const char *path, size_t nrows, const void *rows,
                                  bl_error_t *err);

/*
 * A table written in batches (long series): open creates it empty at the
 * absolute path (parents created; shuffle + deflate 1, chunked) with its
 * units and description; row hands out a zeroed row of t's struct in the
 * buffer, appending the full buffer first (NULL with err set when that
 * fails); close appends what is left (err NULL: discard, for cleanup) and
 * frees the buffer.  Caller holds the lock throughout.
 */
#define BL_RESULTS_STREAM_ROWS 8192
typedef struct bl_results_stream {
    bl_results_writer_t *w;
    const struct bl_results_table *t;
    char path[256];
    table_desc_t desc;
    bool described;
    void *buf;
    size_t n, cap;
} bl_results_stream_t;

int bl_results_stream_open(bl_results_stream_t *s, bl_results_writer_t *w,
                           const struct bl_results_table *t, const char *path, bl_error_t *err);
void *bl_results_stream_row(bl_results_stream_t *s, bl_error_t *err);
int bl_results_stream_close(bl_results_stream_t *s, bl_error_t *err);

/* bl_results_write_root with the lock already held (results_job.c). */
int bl_results_write_root_locked(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                                 const bl_results_plugin_t *plugins, size_t n_plugins,
                                 bl_error_t *err);

/* ---- the checkpoint tables (results_checkpoint.c, results_series.c) */

#define BL_RESULTS_CI_LEVEL 0.95

/* 95% t interval over the non-NaN values of x (compacted in place); all
 * NaN when none, NaN bounds with one. */
bl_interval_t bl_results_interval(double *x, size_t n);

/* The q-quantile of h; NaN when nothing was recorded. */
double bl_results_quantile(const bl_histogram_t *h, double q);

/* "<group>/<name of t>" into dst; BL_EINVAL when it does not fit. */
int bl_results_group_path(bl_results_writer_t *w, char *dst, size_t size, const char *group,
                          const struct bl_results_table *t, bl_error_t *err);

/* bl_results_write_checkpoint with the lock held. */
int bl_results_write_checkpoint_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                       const bl_replication_result_t *reps, unsigned n_reps,
                                       const char *group, bl_error_t *err);

/* The queue, hourly and waits tables under group (results_series.c); lock held. */
int bl_results_write_series_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                   const bl_replication_result_t *reps, unsigned n_reps,
                                   const char *group, bl_error_t *err);

/* The loaded plugins of set (BL_ROLE_COUNT entries of room in plugins)
 * with their calls summed over reps[0..n-1]; returns how many. */
size_t bl_results_run_plugins(const bl_plugin_set_t *set, bl_results_plugin_t *plugins,
                              const bl_replication_result_t *reps, size_t n);

#endif
