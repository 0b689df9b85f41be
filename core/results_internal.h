/*
 * What results.c (opening the file, entity sinks, the checkpoint tables,
 * commit and abort) and results_job.c (the root attributes and /plugins
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

#include "error.h"
#include "results.h"

#define MAX_COLS 32

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

/* bl_results_write_root with the lock already held (results_job.c). */
int bl_results_write_root_locked(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                                 const bl_results_plugin_t *plugins, size_t n_plugins,
                                 bl_error_t *err);

#endif
