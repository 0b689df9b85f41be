/* Results files (HDF5): see results.h for the layout and writer.h for the
 * calls job writers use.  Opening the file, the lock, entity sinks, writing
 * tables (whole or streamed), groups, commit and abort; results_job.c has
 * the root attributes, the /plugins table and the attribute calls. */
#include "results/results.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "base/paths.h"
#include "results/results_internal.h"
#include "results/results_schema.h"

#define CHUNK_ROWS 4096

/* ------------------------------------------------------------------ H5TB column arrays */

void bl_results_desc_fini(table_desc_t *d) {
    for (size_t i = 0; i < d->n; i++)
        H5Tclose(d->types[i]);
    d->n = 0;
}

int bl_results_desc_init(table_desc_t *d, const bl_results_table_t *t) {
    d->n = 0;
    for (size_t i = 0; i < t->n_columns && i < BL_RESULTS_MAX_COLS; i++) {
        const bl_results_column_t *c = &t->columns[i];
        hid_t type = bl_results_column_type(c);
        if (type < 0) {
            bl_results_desc_fini(d);
            return -1;
        }
        d->names[i] = c->name;
        d->offsets[i] = c->offset;
        d->sizes[i] = c->size;
        d->types[i] = type;
        d->n = i + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the writer */

struct entity_sink_ctx {
    bl_results_writer_t *w;
    unsigned replication;
    char dset[16]; /* "r00000" */
};

static herr_t first_error(unsigned n, const H5E_error2_t *e, void *data) {
    char *out = data;
    if (n == 0 && e->desc != NULL)
        snprintf(out, 256, "%s", e->desc);
    return 0;
}

/* The innermost HDF5 error description, for our messages ("" when none). */
static const char *hdf5_reason(char buf[256]) {
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, buf);
    H5Eclear2(H5E_DEFAULT);
    if (buf[0] == '\0')
        snprintf(buf, 256, "HDF5 call failed");
    return buf;
}

int bl_results_hdf5_error(bl_results_writer_t *w, bl_error_t *err, const char *what) {
    char reason[256];
    return bl_error_set(err, BL_EHDF5, "results file %s: %s: %s", w->temp_path, what,
                        hdf5_reason(reason));
}

/* ------------------------------------------------------------------ the lock */

int bl_results_lock(bl_results_writer_t *w, bl_error_t *err) {
    pthread_mutex_lock(&w->lock);
    w->owner = pthread_self();
    w->held = true;
    /* HDF5 keeps the automatic error printing per thread in thread-safe
     * builds, so every locked section turns it off for the calling thread:
     * our messages say what went wrong. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (w->file < 0)
        return bl_error_set(err, BL_ESTATE, "results file %s is closed", w->temp_path);
    return 0;
}

void bl_results_unlock(bl_results_writer_t *w) {
    w->held = false;
    pthread_mutex_unlock(&w->lock);
}

bool bl_results_held(const bl_results_writer_t *w) {
    return w->held && pthread_equal(w->owner, pthread_self());
}

/* ------------------------------------------------------------------ interrupted runs */

/*
 * The temporary files being written, so that a run stopped by SIGINT,
 * SIGTERM or SIGHUP removes them on its way out: it leaves nothing that
 * looks like results, finished or not.  The handler is installed for a
 * signal only when nobody else handles it; it unlinks (async-signal-safe)
 * and then dies of the signal as it would have.
 */
#define MAX_TEMPS 16
static char *temps[MAX_TEMPS];
static pthread_once_t temps_once = PTHREAD_ONCE_INIT;
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void remove_temps(int sig) {
    for (int i = 0; i < MAX_TEMPS; i++) {
        char *p = __atomic_load_n(&temps[i], __ATOMIC_SEQ_CST);
        if (p != NULL)
            unlink(p);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void temps_install(void) {
    for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++) {
        struct sigaction old, sa;
        if (sigaction(stop_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = remove_temps;
        sigemptyset(&sa.sa_mask);
        sigaction(stop_signals[i], &sa, NULL);
    }
}

static void temp_watch(char *path) {
    pthread_once(&temps_once, temps_install);
    for (int i = 0; i < MAX_TEMPS; i++) {
        char *none = NULL;
        if (__atomic_compare_exchange_n(&temps[i], &none, path, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return;
    }
}

static void temp_forget(const char *path) {
    for (int i = 0; path != NULL && i < MAX_TEMPS; i++) {
        char *p = (char *)path;
        __atomic_compare_exchange_n(&temps[i], &p, NULL, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* Remove dir/.base.tmp.PID files left by runs of the same output whose
 * process is gone (killed before it could clean up). */
static void remove_stale_temps(const char *dir, const char *base) {
    DIR *d = opendir(dir);
    char prefix[300];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    size_t plen = strlen(prefix);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char *path = bl_path_join(dir, e->d_name);
            if (path != NULL)
                unlink(path);
            free(path);
        }
    }
    if (d != NULL)
        closedir(d);
}

static void writer_free(bl_results_writer_t *w) {
    temp_forget(w->temp_path);
    for (size_t i = 0; i < w->n_sinks; i++)
        free(w->sinks[i]);
    free(w->sinks);
    free(w->final_path);
    free(w->temp_path);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Close every HDF5 object of w (caller holds the lock).  Returns 0 or -1. */
static int writer_close(bl_results_writer_t *w) {
    int rc = 0;
    bl_results_desc_fini(&w->entity_desc);
    if (w->entities >= 0 && H5Gclose(w->entities) < 0)
        rc = -1;
    w->entities = -1;
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        rc = -1;
    w->file = -1;
    return rc;
}

int bl_results_open(bl_results_writer_t **out, const char *final_path, bl_error_t *err) {
    *out = NULL;
    int rc = 0;
    char *dir = NULL;
    hid_t fapl = -1;
    bl_results_writer_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    pthread_mutex_init(&w->lock, NULL);
    w->file = w->entities = -1;

    dir = bl_path_dir(final_path);
    const char *base = strrchr(final_path, '/') ? strrchr(final_path, '/') + 1 : final_path;
    w->final_path = strdup(final_path);
    size_t tlen = (dir ? strlen(dir) : 0) + strlen(base) + 64;
    w->temp_path = malloc(tlen);
    if (dir == NULL || w->final_path == NULL || w->temp_path == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (*base == '\0') {
        rc = bl_error_set(err, BL_EINVAL, "output %s names a folder, not a file: pass -o FILE.h5",
                          final_path);
        goto out;
    }
    snprintf(w->temp_path, tlen, "%s/.%s.tmp.%ld", dir, base, (long)getpid());

    struct stat st;
    if (stat(dir, &st) != 0) {
        rc = bl_error_set(err, BL_EIO, "output folder %s does not exist: create it or pass -o PATH",
                          dir);
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = bl_error_set(err, BL_EIO,
                          "output folder %s is a file, not a folder: pass -o with a writable path",
                          dir);
        goto out;
    }
    if (stat(final_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = bl_error_set(err, BL_EIO, "output %s is a folder: pass -o FILE.h5", final_path);
        goto out;
    }
    remove_stale_temps(dir, base);
    int fd = open(w->temp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        temp_watch(w->temp_path);
    if (fd < 0) {
        rc = bl_error_set(err, BL_EIO,
                          "cannot write to output folder %s: %s: pass -o with a writable path", dir,
                          strerror(errno));
        goto out;
    }
    close(fd);

    (void)bl_results_lock(w, NULL); /* the file is created here */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* The 1.8 format stores large attributes (the scenario source) densely;
     * a strong close makes sure nothing keeps the file open behind us. */
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = hdf5_fail(w, err, "cannot set file access properties");
    } else {
        w->file = H5Fcreate(w->temp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (w->file < 0)
            rc = hdf5_fail(w, err, "cannot create the file");
        else if (bl_results_desc_init(&w->entity_desc, &bl_results_entities_table) != 0)
            rc = hdf5_fail(w, err, "cannot describe the entity table");
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    bl_results_unlock(w);
    if (rc != 0)
        goto out;
    *out = w;
    w = NULL;

out:
    free(dir);
    if (w != NULL) {
        if (w->temp_path != NULL) {
            writer_close(w);
            unlink(w->temp_path);
        }
        writer_free(w);
    }
    return rc;
}

const char *bl_results_temp_path(const bl_results_writer_t *w) { return w ? w->temp_path : NULL; }

/* ------------------------------------------------------------------ entity tables */

/*
 * An empty, extendible table in the H5TB format (the same attributes
 * H5TBmake_table writes, so H5TBappend_records and every H5TB reader work)
 * but compressed with shuffle + deflate level 1 instead of H5TB's fixed
 * level 6: per-entity tables can hold tens of millions of rows, and at
 * level 6 zlib takes most of the run's time for a few percent of size.
 */
static int make_fast_table(hid_t loc, const char *name, const bl_results_table_t *t) {
    int rc = -1;
    hid_t type = bl_results_table_memory_type(t), space = -1, dcpl = -1, dset = -1;
    hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = CHUNK_ROWS;
    if (type < 0)
        return -1;
    space = H5Screate_simple(1, &dims, &maxdims);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, 1) < 0)
        goto out;
    dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0)
        goto out;
    if (H5LTset_attribute_string(loc, name, "CLASS", "TABLE") < 0 ||
        H5LTset_attribute_string(loc, name, "VERSION", "3.0") < 0 ||
        H5LTset_attribute_string(loc, name, "TITLE", t->title) < 0)
        goto out;
    for (size_t i = 0; i < t->n_columns; i++) {
        char attr[32];
        snprintf(attr, sizeof attr, "FIELD_%zu_NAME", i);
        if (H5LTset_attribute_string(loc, name, attr, t->columns[i].name) < 0)
            goto out;
    }
    rc = 0;
out:
    if (dset >= 0)
        H5Dclose(dset);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    H5Tclose(type);
    return rc;
}

/* Create group/table for a sink (caller holds the lock). */
static int make_entity_table(bl_results_writer_t *w, entity_sink_ctx_t *s, bl_error_t *err) {
    if (w->entities < 0) {
        hid_t cp = H5Lexists(w->file, "checkpoint", H5P_DEFAULT) > 0
                       ? H5Gopen2(w->file, "checkpoint", H5P_DEFAULT)
                       : H5Gcreate2(w->file, "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (cp < 0)
            return hdf5_fail(w, err, "cannot create group /checkpoint");
        w->entities = H5Gcreate2(cp, "entities", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(cp);
        if (w->entities < 0)
            return hdf5_fail(w, err, "cannot create group /checkpoint/entities");
    }
    const bl_results_table_t *t = &bl_results_entities_table;
    char what[96];
    snprintf(what, sizeof what, "cannot create table %s/%s", t->path, s->dset);
    if (make_fast_table(w->entities, s->dset, t) < 0 ||
        H5LTset_attribute_string(w->entities, s->dset, "units", t->units) < 0 ||
        H5LTset_attribute_string(w->entities, s->dset, "description", t->description) < 0)
        return hdf5_fail(w, err, what);
    return 0;
}

/* Rows go straight to the file: the engine already hands them over in
 * batches of thousands, and holding a buffer per replication until commit
 * would make memory grow with the number of replications. */
static int entity_write(void *ctx, const bl_entity_record_t *rows, size_t n, bl_error_t *err) {
    entity_sink_ctx_t *s = ctx;
    bl_results_writer_t *w = s->w;
    int rc = 0;
    if (n == 0)
        return 0;
    (void)bl_results_lock(w, NULL); /* the state checks follow */
    if (w->failed || w->file < 0) {
        rc = bl_error_set(err, BL_ESTATE, "results file %s: an earlier write failed", w->temp_path);
    } else if (H5TBappend_records(w->entities, s->dset, n, sizeof(bl_entity_record_t),
                                  w->entity_desc.offsets, w->entity_desc.sizes, rows) < 0) {
        w->failed = true;
        char what[96];
        snprintf(what, sizeof what, "cannot append to /checkpoint/entities/%s", s->dset);
        rc = hdf5_fail(w, err, what);
    }
    bl_results_unlock(w);
    return rc;
}

int bl_results_entity_sink(bl_results_writer_t *w, unsigned replication, bl_entity_sink_t *sink,
                           bl_error_t *err) {
    int rc = 0;
    entity_sink_ctx_t *s = NULL;
    if (replication > 99999)
        return bl_error_set(err, BL_EINVAL,
                            "replication %u: entity tables are numbered up to 99999", replication);
    (void)bl_results_lock(w, NULL); /* the state checks follow */
    for (size_t i = 0; i < w->n_sinks; i++)
        if (w->sinks[i]->replication == replication) {
            s = w->sinks[i];
            goto done;
        }
    if (w->n_sinks == w->cap_sinks) {
        size_t cap = w->cap_sinks ? 2 * w->cap_sinks : 16;
        entity_sink_ctx_t **grown = realloc(w->sinks, cap * sizeof *grown);
        if (grown == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto done;
        }
        w->sinks = grown;
        w->cap_sinks = cap;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto done;
    }
    s->w = w;
    s->replication = replication;
    snprintf(s->dset, sizeof s->dset, "r%05u", replication);
    rc = make_entity_table(w, s, err);
    if (rc != 0) {
        free(s);
        s = NULL;
        goto done;
    }
    w->sinks[w->n_sinks++] = s;
done:
    bl_results_unlock(w);
    if (rc == 0) {
        sink->write = entity_write;
        sink->ctx = s;
    }
    return rc;
}

/* ------------------------------------------------------------------ tables and groups */

/* Create every missing group along the absolute path's parent folders
 * ("/a/b/table" creates /a and /a/b); caller holds the lock. */
static int make_parents(bl_results_writer_t *w, const char *path, bl_error_t *err) {
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return bl_error_set(err, BL_EINVAL, "results file %s: path %s is too long", w->temp_path,
                            path);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (H5Lexists(w->file, buf, H5P_DEFAULT) <= 0) {
            hid_t g = H5Gcreate2(w->file, buf, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (g < 0) {
                char what[600];
                snprintf(what, sizeof what, "cannot create group %s", buf);
                return hdf5_fail(w, err, what);
            }
            H5Gclose(g);
        }
        *p = '/';
    }
    return 0;
}

int bl_results_make_group_locked(bl_results_writer_t *w, const char *path, bool ordered,
                                 bl_error_t *err) {
    assert(bl_results_held(w));
    if (H5Lexists(w->file, path, H5P_DEFAULT) > 0)
        return 0;
    int rc = make_parents(w, path, err);
    if (rc != 0)
        return rc;
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = -1;
    if (gcpl >= 0 && (!ordered || H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
                                                                       H5P_CRT_ORDER_INDEXED) >= 0))
        g = H5Gcreate2(w->file, path, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (g < 0) {
        char what[600];
        snprintf(what, sizeof what, "cannot create group %s", path);
        return hdf5_fail(w, err, what);
    }
    H5Gclose(g);
    return 0;
}

int bl_results_make_group(bl_results_writer_t *w, const char *path, bool ordered, bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = bl_results_make_group_locked(w, path, ordered, err);
    bl_results_unlock(w);
    return rc;
}

/* Make table t at path from nrows rows (of t's row struct), with its
 * attributes, creating missing parent groups; caller holds the lock. */
int bl_results_write_table_locked(bl_results_writer_t *w, const bl_results_table_t *t,
                                  const char *path, size_t nrows, const void *rows,
                                  bl_error_t *err) {
    assert(bl_results_held(w));
    table_desc_t d;
    char what[600];
    int rc = make_parents(w, path, err);
    if (rc != 0)
        return rc;
    snprintf(what, sizeof what, "cannot write table %s", path);
    if (bl_results_desc_init(&d, t) != 0)
        return hdf5_fail(w, err, what);
    if (H5TBmake_table(t->title, w->file, path, d.n, nrows, t->row_size, d.names, d.offsets,
                       d.types, CHUNK_ROWS, NULL, 1, rows) < 0 ||
        H5LTset_attribute_string(w->file, path, "units", t->units) < 0 ||
        H5LTset_attribute_string(w->file, path, "description", t->description) < 0)
        rc = hdf5_fail(w, err, what);
    bl_results_desc_fini(&d);
    return rc;
}

/* ------------------------------------------------------------------ streamed tables */

int bl_results_stream_open(bl_results_stream_t *s, bl_results_writer_t *w,
                           const bl_results_table_t *t, const char *path, bl_error_t *err) {
    assert(bl_results_held(w));
    memset(s, 0, sizeof *s);
    s->w = w;
    s->t = t;
    if (snprintf(s->path, sizeof s->path, "%s", path) >= (int)sizeof s->path)
        return bl_error_set(err, BL_EINVAL, "results file %s: path %s is too long", w->temp_path,
                            path);
    if (t->n_columns > BL_RESULTS_MAX_COLS)
        return bl_error_set(err, BL_EINVAL, "results file %s: table %s has more than %d columns",
                            w->temp_path, path, BL_RESULTS_MAX_COLS);
    s->n_cols = t->n_columns;
    for (size_t i = 0; i < t->n_columns; i++) {
        s->offsets[i] = t->columns[i].offset;
        s->sizes[i] = t->columns[i].size;
    }
    s->cap = BL_RESULTS_STREAM_ROWS;
    s->buf = calloc(s->cap, t->row_size);
    if (s->buf == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    char what[300];
    snprintf(what, sizeof what, "cannot create table %s", path);
    int rc = make_parents(w, path, err);
    if (rc == 0 && (make_fast_table(w->file, path, t) < 0 ||
                    H5LTset_attribute_string(w->file, path, "units", t->units) < 0 ||
                    H5LTset_attribute_string(w->file, path, "description", t->description) < 0))
        rc = hdf5_fail(w, err, what);
    if (rc != 0)
        bl_results_stream_close(s, NULL);
    return rc;
}

/* Append the buffered rows to the table. */
static int stream_flush(bl_results_stream_t *s, bl_error_t *err) {
    if (s->n == 0)
        return 0;
    herr_t ok =
        H5TBappend_records(s->w->file, s->path, s->n, s->t->row_size, s->offsets, s->sizes, s->buf);
    s->n = 0;
    if (ok < 0) {
        char what[300];
        snprintf(what, sizeof what, "cannot append to table %s", s->path);
        return hdf5_fail(s->w, err, what);
    }
    return 0;
}

void *bl_results_stream_row(bl_results_stream_t *s, bl_error_t *err) {
    if (s->n == s->cap && stream_flush(s, err) != 0)
        return NULL;
    void *row = (char *)s->buf + s->n * s->t->row_size;
    memset(row, 0, s->t->row_size);
    s->n++;
    return row;
}

int bl_results_stream_close(bl_results_stream_t *s, bl_error_t *err) {
    int rc = err != NULL && s->buf != NULL ? stream_flush(s, err) : 0;
    free(s->buf);
    s->buf = NULL;
    return rc;
}

/* ------------------------------------------------------------------ commit / abort */

int bl_results_commit(bl_results_writer_t *w, bl_error_t *err) {
    int rc = 0;
    if (w == NULL)
        return bl_error_set(err, BL_ESTATE, "results: no file to commit");
    (void)bl_results_lock(w, NULL); /* the state checks follow */
    if (w->failed)
        rc = bl_error_set(err, BL_EHDF5, "results file %s: an entity table write failed",
                          w->temp_path);
    else if (!w->written)
        rc = bl_error_set(err, BL_ESTATE,
                          "results file %s: the run summary was not written, so the file is not "
                          "complete",
                          w->temp_path);
    if (rc == 0 && w->file >= 0 && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        rc = hdf5_fail(w, err, "cannot flush the file");
    if (writer_close(w) != 0 && rc == 0)
        rc = hdf5_fail(w, err, "cannot close the file");
    bl_results_unlock(w);
    if (rc == 0) {
        /* Data on disk before the name says the file is complete. */
        int fd = open(w->temp_path, O_RDONLY);
        if (fd >= 0) {
            if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
                rc = bl_error_set(err, BL_EIO, "results file %s: fsync failed: %s", w->temp_path,
                                  strerror(errno));
            close(fd);
        }
    }
    if (rc == 0 && rename(w->temp_path, w->final_path) != 0)
        rc = bl_error_set(err, BL_EIO, "cannot rename %s to %s: %s", w->temp_path, w->final_path,
                          strerror(errno));
    if (rc != 0)
        unlink(w->temp_path);
    writer_free(w);
    return rc;
}

void bl_results_abort(bl_results_writer_t *w) {
    if (w == NULL)
        return;
    (void)bl_results_lock(w, NULL); /* the state checks follow */
    writer_close(w);
    bl_results_unlock(w);
    unlink(w->temp_path);
    writer_free(w);
}
