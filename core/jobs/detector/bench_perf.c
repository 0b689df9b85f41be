/*
 * The detector_bench performance modes: see bench_perf.h.
 *
 * Every mode runs on a pool of pre-generated scans (scans 0..pool-1,
 * detector_bench.c) and times with CLOCK_MONOTONIC; the no-op detector
 * goes through the same offline path to measure what the harness itself
 * costs per scan.
 */
#include "jobs/detector/bench_perf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pool.h"
#include "plugin/builtin_plugins.h"
#include "stats/histogram.h"
#include "stats/rng.h"

#define OVERHEAD_SCANS 20000
#define OVERHEAD_SCANS_ISOLATED 2048 /* a round trip per call: fewer are enough */
#define OVERHEAD_REPEATS 5           /* the overhead is the median of this many runs */
/* The server mode's arrival schedule: its own stream, clear of the
 * station (0x100 + index) and plugin (0x10000 + index) ranges. */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ offline */

typedef struct offline_worker {
    bl_host_services_t hs;
    void *inst;
    bool created;
    bl_scan_t *batch;
    bl_detection_t *dets;
    uint64_t first, last; /* global scan indices [first, last) */
    uint64_t valid;       /* detections kept (so the checks are not optimised away) */
    bl_error_t err;
} offline_worker_t;

typedef struct offline_ctx {
    const bl_plugin_handle_t *h;
    const bl_bench_pool_t *pool;
    uint32_t batch;
    offline_worker_t *workers;
} offline_ctx_t;

static int offline_task(void *arg, unsigned k) {
    offline_ctx_t *c = arg;
    offline_worker_t *w = &c->workers[k];
    const bl_detector_ops_t *ops = c->h->desc->detector;
    const bl_scan_t *pool = c->pool->scans;
    size_t n_pool = c->pool->n, slot = (size_t)(w->first % n_pool);
    for (uint64_t i = w->first; i < w->last;) {
        size_t nb = (size_t)(w->last - i < c->batch ? w->last - i : c->batch);
        for (size_t j = 0; j < nb; j++) {
            w->batch[j] = pool[slot];
            w->batch[j].id = i + j;
            if (++slot == n_pool)
                slot = 0;
        }
        bl_detections_t out = {w->dets, nb * BL_BENCH_DETS_PER_SCAN, 0};
        int rc = ops->detect(w->inst, w->batch, nb, &out);
        if (rc != 0 && rc != BL_ENOSPC)
            return bl_bench_detect_failed(c->h, rc, i, nb, &w->err);
        size_t count = out.count <= out.capacity ? out.count : 0; /* past it: unreadable */
        for (size_t j = 0; j < count; j++)
            w->valid += bl_bench_detection_valid(&out.items[j], w->batch, nb);
        i += nb;
    }
    return 0;
}

int bl_bench_offline(const bl_plugin_handle_t *h, const bl_config_t *config, uint64_t seed,
                     const bl_bench_pool_t *pool, uint32_t batch, unsigned threads, uint64_t scans,
                     bl_bench_offline_row_t *row, bl_error_t *err) {
    memset(row, 0, sizeof *row);
    if (pool->n == 0 || batch == 0 || threads == 0 || scans == 0)
        return bl_error_set(err, BL_EINVAL,
                            "offline: needs scans in the pool, a batch, threads and scans");
    bl_config_t none = {0, NULL, NULL};
    offline_worker_t *workers = calloc(threads, sizeof *workers);
    int rc = 0;
    if (workers == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (unsigned k = 0; k < threads && rc == 0; k++) {
        offline_worker_t *w = &workers[k];
        w->first = scans * k / threads;
        w->last = scans * (k + 1) / threads;
        w->batch = calloc(batch, sizeof *w->batch);
        w->dets = calloc((size_t)batch * BL_BENCH_DETS_PER_SCAN, sizeof *w->dets);
        if (w->batch == NULL || w->dets == NULL)
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for batches of %u", batch);
        else
            rc = bl_bench_create_instance(h, config ? config : &none, &w->hs, seed, k,
                                          BL_STREAM_PLUGIN_BASE, &w->inst, err);
        w->created = rc == 0;
    }
    if (rc == 0) {
        offline_ctx_t ctx = {h, pool, batch, workers};
        double t0 = now_seconds();
        rc = bl_pool_run(threads, threads, offline_task, &ctx);
        double t1 = now_seconds();
        for (unsigned k = 0; rc != 0 && k < threads; k++)
            if (workers[k].err.code != 0) {
                bl_error_set(err, workers[k].err.code, "%s", workers[k].err.message);
                break;
            }
        row->batch = batch;
        row->threads = threads;
        row->scans = scans;
        row->seconds = t1 - t0;
        row->scans_per_s = row->seconds > 0 ? (double)scans / row->seconds : NAN;
    }
    for (unsigned k = 0; k < threads; k++) {
        if (workers[k].created)
            h->desc->detector->destroy(workers[k].inst);
        free(workers[k].batch);
        free(workers[k].dets);
    }
    free(workers);
    return rc;
}

/* ------------------------------------------------------------------ latency modes */

typedef struct stream {
    const bl_plugin_handle_t *h;
    void *inst;
    bl_host_services_t hs;
    bl_detection_t dets[BL_BENCH_DETS_PER_SCAN];
    bl_histogram_t *hist;
} stream_t;

static int stream_open(stream_t *s, const bl_plugin_handle_t *h, const bl_config_t *config,
                       uint64_t seed, bl_error_t *err) {
    memset(s, 0, sizeof *s);
    s->h = h;
    s->hist = malloc(sizeof *s->hist);
    if (s->hist == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    bl_histogram_init(s->hist);
    int rc =
        bl_bench_create_instance(h, config, &s->hs, seed, 0, BL_STREAM_PLUGIN_BASE, &s->inst, err);
    if (rc != 0) {
        free(s->hist);
        s->hist = NULL;
    }
    return rc;
}

static void stream_close(stream_t *s) {
    if (s->hist != NULL)
        s->h->desc->detector->destroy(s->inst);
    free(s->hist);
    s->hist = NULL;
}

/* One query of one scan; returns the completion time. */
static int stream_query(stream_t *s, const bl_bench_pool_t *pool, uint64_t q, double *done,
                        bl_error_t *err) {
    bl_scan_t scan = pool->scans[q % pool->n];
    scan.id = q;
    bl_detections_t out = {s->dets, BL_BENCH_DETS_PER_SCAN, 0};
    int rc = s->h->desc->detector->detect(s->inst, &scan, 1, &out);
    *done = now_seconds();
    if (rc != 0 && rc != BL_ENOSPC)
        return bl_bench_detect_failed(s->h, rc, q, 1, err);
    return 0;
}

static int single_stream(const bl_plugin_handle_t *h, const bl_config_t *config, uint64_t seed,
                         const bl_bench_pool_t *pool, uint32_t queries, bl_bench_single_row_t *row,
                         bl_error_t *err) {
    stream_t s;
    int rc = stream_open(&s, h, config, seed, err);
    double max = 0;
    for (uint32_t q = 0; rc == 0 && q < queries; q++) {
        double t0 = now_seconds(), t1;
        rc = stream_query(&s, pool, q, &t1, err);
        bl_histogram_add(s.hist, t1 - t0);
        if (t1 - t0 > max)
            max = t1 - t0;
    }
    if (rc == 0) {
        row->queries = queries;
        row->mean = bl_histogram_mean(s.hist);
        row->p50 = bl_histogram_quantile(s.hist, 0.50);
        row->p90 = bl_histogram_quantile(s.hist, 0.90);
        row->p99 = bl_histogram_quantile(s.hist, 0.99);
        row->max = max;
    }
    stream_close(&s);
    return rc;
}

/* Wait until the monotonic clock reaches t: sleep while far, spin when near. */
static void wait_until(double t) {
    for (;;) {
        double left = t - now_seconds();
        if (left <= 0)
            return;
        if (left > 200e-6) {
            double nap = left - 100e-6;
            struct timespec ts = {(time_t)nap, (long)((nap - floor(nap)) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
}

static int server(const bl_plugin_handle_t *h, const bl_config_t *config, uint64_t seed,
                  const bl_bench_pool_t *pool, const bl_detector_bench_t *b,
                  bl_bench_server_row_t *row, bl_error_t *err) {
    stream_t s;
    int rc = stream_open(&s, h, config, seed, err);
    bl_rng_t rng;
    bl_rng_init(&rng, seed, 0, BL_STREAM_BENCH_SERVER);
    double start = now_seconds(), arrival = start, last = start;
    for (uint32_t q = 0; rc == 0 && q < b->server_queries; q++) {
        arrival += -log(bl_rng_uniform_pos(&rng)) / b->server_rate;
        wait_until(arrival);
        rc = stream_query(&s, pool, q, &last, err);
        /* From the scheduled arrival: a query that waited behind a slow one
         * counts its wait (no coordinated omission). */
        bl_histogram_add(s.hist, last - arrival);
    }
    if (rc == 0) {
        row->target_rate = b->server_rate;
        row->queries = b->server_queries;
        row->achieved_rate = last > start ? (double)b->server_queries / (last - start) : NAN;
        row->p50 = bl_histogram_quantile(s.hist, 0.50);
        row->p90 = bl_histogram_quantile(s.hist, 0.90);
        row->p99 = bl_histogram_quantile(s.hist, 0.99);
        row->bound = b->server_bound;
        row->met = row->p99 <= b->server_bound;
    }
    stream_close(&s);
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The no-op detector through the offline path: median ns per scan, inside
 * borderlab or (isolated) in a plugin host process, which is what isolation
 * costs a scan. */
static int overhead(const bl_bench_pool_t *pool, uint64_t seed, uint32_t batch, bool isolated,
                    bl_bench_overhead_row_t *row, bl_error_t *err) {
    bl_plugin_handle_t noop;
    const char *spec = BL_BUILTIN_PREFIX "noop";
    int rc = bl_plugin_open(&noop, spec, spec, BL_KIND_DETECTOR,
                            isolated ? BL_ISOLATION_PROCESS : BL_ISOLATION_NONE, NULL, err);
    if (rc != 0)
        return rc;
    double ns[OVERHEAD_REPEATS];
    uint64_t scans = isolated ? OVERHEAD_SCANS_ISOLATED : OVERHEAD_SCANS;
    for (int r = 0; rc == 0 && r < OVERHEAD_REPEATS; r++) {
        bl_bench_offline_row_t o;
        rc = bl_bench_offline(&noop, NULL, seed, pool, batch, 1, scans, &o, err);
        ns[r] = o.seconds * 1e9 / (double)scans;
    }
    bl_plugin_unload(&noop);
    if (rc != 0)
        return rc;
    qsort(ns, OVERHEAD_REPEATS, sizeof ns[0], cmp_double);
    memset(row, 0, sizeof *row);
    snprintf(row->mode, sizeof row->mode, "%s", isolated ? "isolated" : "offline");
    row->batch = batch;
    row->threads = 1;
    row->ns_per_scan = ns[OVERHEAD_REPEATS / 2];
    return 0;
}

/* ------------------------------------------------------------------ all modes */

int bl_bench_performance(bl_bench_result_t *res, bl_bench_source_t *src, unsigned threads,
                         bl_error_t *err) {
    const bl_scenario_t *sc = res->scenario;
    const bl_detector_bench_t *b = bl_detector_bench_of(sc);
    if (b->pool == 0)
        return 0;
    bl_bench_pool_t pool;
    int rc = bl_bench_pool_init(&pool, src, b->pool, threads, err);
    for (size_t d = 0; d < res->n_detectors && rc == 0; d++) {
        bl_bench_detector_t *det = &res->detectors[d];
        if (det->handle.isolated != NULL) {
            bl_isolation_stats_t st;
            bl_isolated_stats(det->handle.isolated, &st);
            if (st.invalid) /* invalid: nothing of it would be timed */
                continue;
        }
        bl_config_t config = {det->ref->n_config, (const char *const *)det->ref->config_keys,
                              (const char *const *)det->ref->config_values};
        size_t nb =
            b->n_offline_batches < BL_BENCH_MAX_LIST ? b->n_offline_batches : BL_BENCH_MAX_LIST;
        size_t nt =
            b->n_offline_threads < BL_BENCH_MAX_LIST ? b->n_offline_threads : BL_BENCH_MAX_LIST;
        bl_isolated_set_context(det->handle.isolated, "offline");
        for (size_t i = 0; b->offline_scans > 0 && i < nb && rc == 0; i++)
            for (size_t t = 0; t < nt && rc == 0; t++)
                rc = bl_bench_offline(&det->handle, &config, sc->seed, &pool, b->offline_batches[i],
                                      b->offline_threads[t], b->offline_scans,
                                      &det->offline[det->n_offline++], err);
        bl_isolated_set_context(det->handle.isolated, "single_stream");
        if (rc == 0 && b->single_stream_queries > 0) {
            rc = single_stream(&det->handle, &config, sc->seed, &pool, b->single_stream_queries,
                               &det->single, err);
            det->has_single = rc == 0;
        }
        bl_isolated_set_context(det->handle.isolated, "server");
        if (rc == 0 && b->server_queries > 0 && b->server_rate > 0) {
            rc = server(&det->handle, &config, sc->seed, &pool, b, &det->server, err);
            det->has_server = rc == 0;
        }
    }
    uint32_t batches[2] = {1, b->batch ? b->batch : 16};
    for (int iso = 0; iso < 2; iso++)
        for (int i = 0; i < 2 && rc == 0; i++)
            if (i == 0 || batches[1] != 1)
                rc = overhead(&pool, sc->seed, batches[i], iso == 1,
                              &res->overhead[res->n_overhead++], err);
    bl_bench_pool_fini(&pool);
    return rc;
}
