/*
 * What the files of core/results share about the writer itself: results.c
 * (opening the file, entity sinks, tables, commit and abort) and
 * results_job.c (the root attributes and /plugins table every job writes,
 * and the calls for job writers).  Private to core/results: job writers use
 * writer.h.
 */
#ifndef BL_RESULTS_INTERNAL_H
#define BL_RESULTS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <hdf5.h>

#include "base/error.h"
#include "results/results.h"
#include "results/writer.h"

/* The arrays H5TB wants for a row description; string types are owned. */
typedef struct table_desc {
    size_t n;
    const char *names[BL_RESULTS_MAX_COLS];
    size_t offsets[BL_RESULTS_MAX_COLS];
    size_t sizes[BL_RESULTS_MAX_COLS];
    hid_t types[BL_RESULTS_MAX_COLS];
} table_desc_t;

/* t's columns into d (0, or -1 when a type cannot be made); release with
 * bl_results_desc_fini. */
int bl_results_desc_init(table_desc_t *d, const bl_results_table_t *t);
void bl_results_desc_fini(table_desc_t *d);

typedef struct entity_sink_ctx entity_sink_ctx_t; /* results.c */

struct bl_results_writer {
    pthread_mutex_t lock; /* serialises every HDF5 call (writer.h) */
    pthread_t owner;      /* the thread holding lock, when held */
    bool held;
    hid_t file;
    hid_t entities; /* /checkpoint/entities, created with the first sink */
    char *final_path;
    char *temp_path;
    entity_sink_ctx_t **sinks;
    size_t n_sinks, cap_sinks;
    table_desc_t entity_desc;
    bool failed;  /* an entity write failed: the file is incomplete */
    bool written; /* the job's writer marked the file complete */
    unsigned n_invalid;   /* plugins whose verdict is INVALID (/plugins) */
    char invalid[1024];   /* one line per such plugin */
};

/* Set err to BL_EHDF5 "results file TEMP: what: HDF5's reason" and return
 * it (bl_results_hdf5_error, results.c); caller holds the lock. */
static inline int hdf5_fail(bl_results_writer_t *w, bl_error_t *err, const char *what) {
    return bl_results_hdf5_error(w, err, what);
}

#endif
