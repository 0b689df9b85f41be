/* Results files (HDF5): see results.h for the layout.  Opening the file,
 * entity sinks, the checkpoint tables, commit and abort; results_job.c has
 * the root attributes, the /plugins table and the calls for job writers. */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "histogram.h"
#include "paths.h"
#include "results_internal.h"
#include "results_schema.h"
#include "stats.h"

#define CHUNK_ROWS 4096
#define CI_LEVEL 0.95

/* ------------------------------------------------------------------ H5TB column arrays */

static void table_desc_fini(table_desc_t *d) {
    for (size_t i = 0; i < d->n; i++)
        H5Tclose(d->types[i]);
    d->n = 0;
}

static int table_desc_init(table_desc_t *d, const bl_results_table_t *t) {
    d->n = 0;
    for (size_t i = 0; i < t->n_columns && i < MAX_COLS; i++) {
        const bl_results_column_t *c = &t->columns[i];
        hid_t type = bl_results_column_type(c);
        if (type < 0) {
            table_desc_fini(d);
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

static void writer_free(bl_results_writer_t *w) {
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
    table_desc_fini(&w->entity_desc);
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
    int fd = open(w->temp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        rc = bl_error_set(err, BL_EIO,
                          "cannot write to output folder %s: %s: pass -o with a writable path", dir,
                          strerror(errno));
        goto out;
    }
    close(fd);

    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
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
        else if (table_desc_init(&w->entity_desc, &bl_results_entities_table) != 0)
            rc = hdf5_fail(w, err, "cannot describe the entity table");
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    pthread_mutex_unlock(&w->lock);
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
    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
    if (w->failed || w->file < 0) {
        rc = bl_error_set(err, BL_ESTATE, "results file %s: an earlier write failed", w->temp_path);
    } else if (H5TBappend_records(w->entities, s->dset, n, sizeof(bl_entity_record_t),
                                  w->entity_desc.offsets, w->entity_desc.sizes, rows) < 0) {
        w->failed = true;
        char what[96];
        snprintf(what, sizeof what, "cannot append to /checkpoint/entities/%s", s->dset);
        rc = hdf5_fail(w, err, what);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int bl_results_entity_sink(bl_results_writer_t *w, unsigned replication, bl_entity_sink_t *sink,
                           bl_error_t *err) {
    int rc = 0;
    entity_sink_ctx_t *s = NULL;
    if (replication > 99999)
        return bl_error_set(err, BL_EINVAL,
                            "replication %u: entity tables are numbered up to 99999", replication);
    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
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
    pthread_mutex_unlock(&w->lock);
    if (rc == 0) {
        sink->write = entity_write;
        sink->ctx = s;
    }
    return rc;
}

/* ------------------------------------------------------------------ run tables */

static double safe_div(double a, double b) { return b > 0 ? a / b : NAN; }

/* 95% t interval over the non-NaN values of x (compacted in place). */
static bl_interval_t interval_of(double *x, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            x[k++] = x[i];
    if (k == 0) {
        bl_interval_t none = {NAN, NAN, NAN, NAN};
        return none;
    }
    return bl_mean_interval(x, k, CI_LEVEL);
}

/* A quantile of the recorded values; NaN when nothing was recorded. */
static double quantile(const bl_histogram_t *h, double q) {
    return h->count ? bl_histogram_quantile(h, q) : NAN;
}

static double window_of(const bl_replication_result_t *r) {
    return r->window_end - r->window_start;
}

static double station_mean_wait(const bl_station_stats_t *s) {
    return s->waits.count ? s->wait_sum / (double)s->waits.count : NAN;
}

static const char *station_kind_text(int kind) {
    switch (kind) {
    case BL_STATION_SERVICE:
        return "service";
    case BL_STATION_RISK:
        return "risk_check";
    case BL_STATION_SCAN:
        return "scan";
    case BL_STATION_SEARCH:
        return "search";
    default:
        return "unknown";
    }
}

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

/* Make table t at path from nrows rows (of t's row struct), with its
 * attributes, creating missing parent groups; caller holds the lock. */
int bl_results_write_table_locked(bl_results_writer_t *w, const bl_results_table_t *t,
                                  const char *path, size_t nrows, const void *rows,
                                  bl_error_t *err) {
    table_desc_t d;
    char what[600];
    int rc = make_parents(w, path, err);
    if (rc != 0)
        return rc;
    snprintf(what, sizeof what, "cannot write table %s", path);
    if (table_desc_init(&d, t) != 0)
        return hdf5_fail(w, err, what);
    if (H5TBmake_table(t->title, w->file, path, d.n, nrows, t->row_size, d.names, d.offsets,
                       d.types, CHUNK_ROWS, NULL, 1, rows) < 0 ||
        H5LTset_attribute_string(w->file, path, "units", t->units) < 0 ||
        H5LTset_attribute_string(w->file, path, "description", t->description) < 0)
        rc = hdf5_fail(w, err, what);
    table_desc_fini(&d);
    return rc;
}

static int write_table(bl_results_writer_t *w, const bl_results_table_t *t, size_t nrows,
                       const void *rows, bl_error_t *err) {
    return bl_results_write_table_locked(w, t, t->path, nrows, rows, err);
}

static int write_stations(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err) {
    const bl_scenario_t *sc = run->scenario;
    size_t ns = sc->n_stations, nr = run->n_reps;
    int rc = 0;
    bl_station_row_t *rows = calloc(ns ? ns : 1, sizeof *rows);
    bl_replication_row_t *rrows = calloc(ns * nr > 0 ? ns * nr : 1, sizeof *rrows);
    double *waits = calloc(nr ? nr : 1, sizeof *waits);
    double *utils = calloc(nr ? nr : 1, sizeof *utils);
    bl_histogram_t *merged = malloc(sizeof *merged);
    if (rows == NULL || rrows == NULL || waits == NULL || utils == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t s = 0; s < ns; s++) {
        const bl_station_def_t *def = &sc->stations[s];
        bl_station_row_t *row = &rows[s];
        double queue_sum = 0;
        size_t queue_n = 0;
        copy_text(row->station, sizeof row->station, def->name);
        copy_text(row->kind, sizeof row->kind, station_kind_text(def->kind));
        row->servers = def->servers;
        bl_histogram_init(merged);
        for (size_t i = 0; i < nr; i++) {
            const bl_replication_result_t *rep = &run->reps[i];
            if (s >= rep->n_stations) {
                waits[i] = utils[i] = NAN;
                continue;
            }
            const bl_station_stats_t *st = &rep->stations[s];
            double win = window_of(rep);
            row->arrivals += st->arrivals;
            row->served += st->served;
            row->in_system += st->in_system;
            row->decisions_yes += st->yes;
            if (st->max_queue > row->max_queue)
                row->max_queue = st->max_queue;
            bl_histogram_merge(merged, &st->waits);
            waits[i] = station_mean_wait(st);
            utils[i] = safe_div(st->busy_area, (double)def->servers * win);
            double q = safe_div(st->queue_area, win);
            if (!isnan(q)) {
                queue_sum += q;
                queue_n++;
            }

            bl_replication_row_t *rr = &rrows[i * ns + s];
            rr->replication = rep->replication;
            copy_text(rr->station, sizeof rr->station, def->name);
            rr->arrivals = st->arrivals;
            rr->served = st->served;
            rr->in_system = st->in_system;
            rr->decisions_yes = st->yes;
            rr->wait_mean = waits[i];
            rr->wait_p50 = quantile(&st->waits, 0.50);
            rr->wait_p90 = quantile(&st->waits, 0.90);
            rr->wait_p99 = quantile(&st->waits, 0.99);
            rr->utilisation = utils[i];
            rr->mean_queue = q;
            rr->max_queue = st->max_queue;
        }
        bl_interval_t wi = interval_of(waits, nr);
        bl_interval_t ui = interval_of(utils, nr);
        row->wait_mean = wi.estimate;
        row->wait_ci_low = wi.low;
        row->wait_ci_high = wi.high;
        row->wait_p50 = quantile(merged, 0.50);
        row->wait_p90 = quantile(merged, 0.90);
        row->wait_p95 = quantile(merged, 0.95);
        row->wait_p99 = quantile(merged, 0.99);
        row->wait_max = merged->count ? merged->max : NAN;
        row->utilisation = ui.estimate;
        row->utilisation_ci_low = ui.low;
        row->utilisation_ci_high = ui.high;
        row->mean_queue = queue_n ? queue_sum / (double)queue_n : NAN;
    }
    rc = write_table(w, &bl_results_stations_table, ns, rows, err);
    if (rc == 0)
        rc = write_table(w, &bl_results_replications_table, ns * nr, rrows, err);
out:
    free(rows);
    free(rrows);
    free(waits);
    free(utils);
    free(merged);
    return rc;
}

static int write_system(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err) {
    size_t nr = run->n_reps;
    int rc = 0;
    bl_system_row_t *rows = calloc(nr ? nr : 1, sizeof *rows);
    double *soj = calloc(nr ? nr : 1, sizeof *soj);
    double *mis = calloc(nr ? nr : 1, sizeof *mis);
    double *thr = calloc(nr ? nr : 1, sizeof *thr);
    bl_histogram_t *merged = malloc(sizeof *merged);
    bl_summary_row_t sum;
    memset(&sum, 0, sizeof sum);
    if (rows == NULL || soj == NULL || mis == NULL || thr == NULL || merged == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    bl_histogram_init(merged);
    for (size_t i = 0; i < nr; i++) {
        const bl_replication_result_t *rep = &run->reps[i];
        bl_system_row_t *row = &rows[i];
        double win = window_of(rep);
        row->replication = rep->replication;
        row->entities = rep->entities;
        row->completed = rep->completed;
        row->total_arrivals = rep->total_arrivals;
        row->sojourn_mean =
            rep->sojourn.count ? rep->sojourn_sum / (double)rep->sojourn.count : NAN;
        row->sojourn_p50 = quantile(&rep->sojourn, 0.50);
        row->sojourn_p90 = quantile(&rep->sojourn, 0.90);
        row->sojourn_p99 = quantile(&rep->sojourn, 0.99);
        row->mean_in_system = safe_div(rep->system_area, win);
        row->throughput = safe_div((double)rep->entities, win);
        row->littles_ratio = safe_div(row->mean_in_system, row->throughput * row->sojourn_mean);
        row->window_start = rep->window_start;
        row->window_end = rep->window_end;
        row->end_time = rep->end_time;
        row->events = rep->events;
        row->carriers = rep->carriers;
        row->selected = rep->selected;
        row->alarms = rep->alarms;
        row->searches = rep->searches;
        row->seizures = rep->seizures;
        row->missed = rep->missed;
        bl_histogram_merge(merged, &rep->sojourn);
        soj[i] = row->sojourn_mean;
        mis[i] = row->mean_in_system;
        thr[i] = row->throughput;

        sum.entities += rep->entities;
        sum.carriers += rep->carriers;
        sum.selected += rep->selected;
        sum.alarms += rep->alarms;
        sum.searches += rep->searches;
        sum.seizures += rep->seizures;
        sum.missed += rep->missed;
        sum.events += rep->events;
    }
    rc = write_table(w, &bl_results_system_table, nr, rows, err);
    if (rc != 0)
        goto out;

    sum.replications = (uint32_t)nr;
    bl_interval_t si = interval_of(soj, nr);
    bl_interval_t mi = interval_of(mis, nr);
    bl_interval_t ti = interval_of(thr, nr);
    sum.sojourn_mean = si.estimate;
    sum.sojourn_ci_low = si.low;
    sum.sojourn_ci_high = si.high;
    sum.sojourn_p50 = quantile(merged, 0.50);
    sum.sojourn_p90 = quantile(merged, 0.90);
    sum.sojourn_p95 = quantile(merged, 0.95);
    sum.sojourn_p99 = quantile(merged, 0.99);
    sum.mean_in_system = mi.estimate;
    sum.mean_in_system_ci_low = mi.low;
    sum.mean_in_system_ci_high = mi.high;
    sum.throughput = ti.estimate;
    sum.throughput_ci_low = ti.low;
    sum.throughput_ci_high = ti.high;
    sum.littles_ratio = safe_div(sum.mean_in_system, sum.throughput * sum.sojourn_mean);
    rc = write_table(w, &bl_results_summary_table, 1, &sum, err);
out:
    free(rows);
    free(soj);
    free(mis);
    free(thr);
    free(merged);
    return rc;
}

int bl_results_write_run(bl_results_writer_t *w, const bl_run_t *run, bl_error_t *err) {
    int rc;
    hid_t cp = -1;
    if (run == NULL || run->scenario == NULL || (run->n_reps > 0 && run->reps == NULL))
        return bl_error_set(err, BL_EINVAL, "results: nothing to write (no scenario or results)");
    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
    if (w->file < 0) {
        rc = bl_error_set(err, BL_ESTATE, "results file %s is closed", w->temp_path);
        goto out;
    }
    bl_results_plugin_t plugins[BL_ROLE_COUNT];
    size_t n_plugins = 0;
    memset(plugins, 0, sizeof plugins);
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        const bl_plugin_handle_t *h = run->plugins ? run->plugins->role[r] : NULL;
        if (h == NULL)
            continue;
        bl_results_plugin_t *p = &plugins[n_plugins++];
        p->role = bl_role_name(r);
        p->handle = h;
        for (unsigned i = 0; i < run->n_reps; i++) {
            p->calls += run->reps[i].plugin_calls[r];
            p->invalid_outputs += run->reps[i].invalid_outputs[r];
        }
    }
    rc = bl_results_write_root_locked(w, run, "checkpoint", plugins, n_plugins, err);
    if (rc != 0)
        goto out;
    cp = H5Lexists(w->file, "checkpoint", H5P_DEFAULT) > 0
             ? H5Gopen2(w->file, "checkpoint", H5P_DEFAULT)
             : H5Gcreate2(w->file, "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (cp < 0) {
        rc = hdf5_fail(w, err, "cannot create group /checkpoint");
        goto out;
    }
    rc = write_stations(w, run, err);
    if (rc == 0)
        rc = write_system(w, run, err);
    w->written = rc == 0;
out:
    if (cp >= 0)
        H5Gclose(cp);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* ------------------------------------------------------------------ commit / abort */

int bl_results_commit(bl_results_writer_t *w, bl_error_t *err) {
    int rc = 0;
    if (w == NULL)
        return bl_error_set(err, BL_ESTATE, "results: no file to commit");
    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
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
    pthread_mutex_unlock(&w->lock);
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
    pthread_mutex_lock(&w->lock);
    hdf5_quiet();
    writer_close(w);
    pthread_mutex_unlock(&w->lock);
    unlink(w->temp_path);
    writer_free(w);
}
