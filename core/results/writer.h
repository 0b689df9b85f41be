/*
 * The calls a job's writer builds its tables with (the checkpoint's
 * results_checkpoint.c, the bench's bench_results.c, the risk job's
 * risk_results.c, the soak's soak_results.c): tables whole or streamed,
 * groups, attributes, and the writer's lock.
 *
 * Locking.  Every HDF5 call on the file is serialised through the writer's
 * lock (HDF5 is not thread-safe in Debian's build, and entity sinks write
 * from the replication threads).  Calls without a suffix take the lock
 * themselves.  Calls named *_locked expect the caller to hold it, taken
 * with bl_results_lock, and check that in debug builds
 * (assert(bl_results_held(w))): a _locked suffix is a promise the code can
 * verify.  A job writer that writes many tables takes the lock once, so
 * that no entity sink interleaves with a half-written group.
 *
 * Tables are described in results_schema.h; every table gets its "units"
 * and "description" attributes from its description.  Errors are
 * BL_EHDF5 "results file TEMP: what: HDF5's reason", BL_EINVAL (a path too
 * long), BL_ENOMEM or BL_ESTATE (the file is closed).
 */
#ifndef BL_RESULTS_WRITER_H
#define BL_RESULTS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hdf5.h>

#include "base/error.h"
#include "results/results.h"
#include "results/results_schema.h"

/* ------------------------------------------------------------------ the lock */

/* Take w's lock and turn HDF5's own error printing off for this thread.
 * Returns 0, or BL_ESTATE "results file TEMP is closed" when the file is no
 * longer open; the lock is held in both cases, so always unlock. */
int bl_results_lock(bl_results_writer_t *w, bl_error_t *err);
void bl_results_unlock(bl_results_writer_t *w);

/* Whether the calling thread holds w's lock (for assert()). */
bool bl_results_held(const bl_results_writer_t *w);

/* ------------------------------------------------------------------ whole tables */

/*
 * bl_results_write_table_at: table t at the absolute path (NULL: t->path),
 * missing parent groups created, from nrows rows of t's row struct.
 * bl_results_write_table_in: the same at "<group>/<name>" (name NULL:
 * t->path, the name of a table that exists once per plugin group).  rows is
 * borrowed for the call.
 */
int bl_results_write_table_at(bl_results_writer_t *w, const bl_results_table_t *t, const char *path,
                              size_t nrows, const void *rows, bl_error_t *err);
int bl_results_write_table_in(bl_results_writer_t *w, const bl_results_table_t *t,
                              const char *group, const char *name, size_t nrows, const void *rows,
                              bl_error_t *err);
int bl_results_write_table_locked(bl_results_writer_t *w, const bl_results_table_t *t,
                                  const char *path, size_t nrows, const void *rows,
                                  bl_error_t *err);

/* The group at the absolute path, with missing parents; `ordered` tracks
 * the creation order of its links, so readers list its members in the
 * order they were written (the detectors and models of a run, in scenario
 * order).  An existing group is left as it is. */
int bl_results_make_group(bl_results_writer_t *w, const char *path, bool ordered, bl_error_t *err);
int bl_results_make_group_locked(bl_results_writer_t *w, const char *path, bool ordered,
                                 bl_error_t *err);

/* ------------------------------------------------------------------ streamed tables */

/*
 * A table written in batches (long series): open creates it empty at the
 * absolute path (parents created; shuffle + deflate 1, chunked) with its
 * units and description; row hands out a zeroed row of t's struct in the
 * buffer, appending the full buffer first (NULL with err set when that
 * fails); close appends what is left (err NULL: discard, for cleanup) and
 * frees the buffer.  The caller holds the lock throughout.
 */
#define BL_RESULTS_STREAM_ROWS 8192
#define BL_RESULTS_MAX_COLS 64

typedef struct bl_results_stream {
    bl_results_writer_t *w;
    const bl_results_table_t *t;
    char path[256];
    size_t n_cols;
    size_t offsets[BL_RESULTS_MAX_COLS];
    size_t sizes[BL_RESULTS_MAX_COLS];
    void *buf;
    size_t n, cap;
} bl_results_stream_t;

int bl_results_stream_open(bl_results_stream_t *s, bl_results_writer_t *w,
                           const bl_results_table_t *t, const char *path, bl_error_t *err);
void *bl_results_stream_row(bl_results_stream_t *s, bl_error_t *err);
int bl_results_stream_close(bl_results_stream_t *s, bl_error_t *err);

/* ------------------------------------------------------------------ attributes */

/* One root attribute. */
int bl_results_set_root_text(bl_results_writer_t *w, const char *name, const char *value,
                             bl_error_t *err);
int bl_results_set_root_u64(bl_results_writer_t *w, const char *name, uint64_t value,
                            bl_error_t *err);
int bl_results_set_root_double(bl_results_writer_t *w, const char *name, double value,
                               bl_error_t *err);
int bl_results_set_root_text_locked(bl_results_writer_t *w, const char *name, const char *value,
                                    bl_error_t *err);

/* A u64 attribute name on the existing object at the absolute path (group
 * or table).  Returns 0 or BL_EHDF5 ("cannot write the attributes of
 * PATH"). */
int bl_results_set_u64_at(bl_results_writer_t *w, const char *path, const char *name,
                          uint64_t value, bl_error_t *err);

/*
 * The identity of one plugin on the group (absolute path, existing) that
 * holds its tables, e.g. /risk/models/<label>: text attributes id, name,
 * vendor, version (from handle's descriptor), sha256, path (of the loaded
 * file) and config (ref's configuration as a JSON object of strings; {}
 * when ref is NULL or has none).  Both borrowed.  Returns 0, BL_ENOMEM or
 * BL_EHDF5 ("cannot write the attributes of GROUP").
 */
int bl_results_write_plugin_group(bl_results_writer_t *w, const char *group,
                                  const bl_plugin_handle_t *handle, const bl_plugin_ref_t *ref,
                                  bl_error_t *err);

/* ------------------------------------------------------------------ the file */

/* bl_results_write_root with the lock held. */
int bl_results_write_root_locked(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                                 const bl_results_plugin_t *plugins, size_t n_plugins,
                                 bl_error_t *err);

/* The open file as an hid_t in an int64_t (borrowed; -1 when closed), for
 * what the calls here do not cover; hold the lock while using it. */
int64_t bl_results_file(const bl_results_writer_t *w);

/* Set err to BL_EHDF5 "results file TEMP: what: HDF5's reason" and return
 * it. */
int bl_results_hdf5_error(bl_results_writer_t *w, bl_error_t *err, const char *what);

/* The job's tables are all written, so commit may rename the file. */
void bl_results_mark_complete(bl_results_writer_t *w);
void bl_results_mark_complete_locked(bl_results_writer_t *w);

/* src (NULL: "") into the fixed-size string column dst, truncated to fit. */
static inline void bl_results_copy_text(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

#endif
