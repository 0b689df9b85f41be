/*
 * The detector_bench job: see detector_bench.h.
 *
 * Accuracy mode works in chunks of CHUNK_SCANS scans, the thread pool's
 * tasks.  A chunk creates one instance of every detector (RNG stream
 * (seed, chunk, BL_STREAM_PLUGIN_BASE + detector)), then takes its scans
 * in batches of bench->batch: each batch is generated once into the
 * worker's buffers and handed to every detector in turn.  Every outcome is
 * stored in the slots of its scan or chunk, so the results are the same
 * for any thread count.  Only the batch being worked on is held in memory
 * (per worker), never the whole set; per scan we keep the truth, one score
 * per class and detector, and the valid detections.
 *
 * The performance modes, which run on a pool of pre-generated scans
 * (scans 0..pool-1) built here, are in bench_perf.c; the output checks
 * they share with accuracy mode are here (declared in bench_perf.h).
 */
#include "jobs/detector/detector_bench.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/paths.h"
#include "base/pool.h"
#include "io/scan_io.h"
#include "jobs/detector/bench_perf.h"
#include "stats/rng.h"

#define CHUNK_SCANS 64 /* accuracy mode: scans per pool task */

void bl_detector_bench_free_contents(bl_detector_bench_t *b) {
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n_detectors; i++) {
        bl_plugin_ref_t *p = &b->detectors[i];
        for (size_t k = 0; k < p->n_config; k++) {
            free(p->config_keys[k]);
            free(p->config_values[k]);
        }
        free(p->config_keys);
        free(p->config_values);
        free(p->spec);
    }
    free(b->detectors);
    free(b->replay_folder);
    free(b->replay_annotations);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ scans by index */

struct bl_bench_source {
    const bl_detector_bench_t *bench;
    uint64_t seed;
    uint64_t n;
    bl_replay_t *replay;  /* NULL when generating */
    pthread_mutex_t lock; /* replay loads */
};

int bl_bench_source_open(bl_bench_source_t **out, const bl_detector_bench_t *bench, uint64_t seed,
                         bl_error_t *err) {
    *out = NULL;
    bl_bench_source_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    s->bench = bench;
    s->seed = seed;
    s->n = bench->scans;
    pthread_mutex_init(&s->lock, NULL);
    if (bench->replay_folder != NULL) {
        int rc = bl_replay_open(&s->replay, bench->replay_folder, bench->replay_annotations, err);
        if (rc != 0) {
            bl_bench_source_close(s);
            return rc;
        }
        s->n = bl_replay_count(s->replay);
        /* Detectors judge objects by size: a replay at a guessed scale
         * would score a set of the wrong size without saying so. */
        if (bench->replay_pixel_mm <= 0 && bl_replay_pixel_mm(s->replay) <= 0) {
            bl_error_set(err, BL_EINVAL,
                         "replay folder %s: its images do not state a pixel size (PNG pHYs, TIFF "
                         "resolution): give it as bl.replay{..., pixel_mm = <mm per pixel>}",
                         bench->replay_folder);
            bl_bench_source_close(s);
            return BL_EINVAL;
        }
    } else {
        int rc = bl_xray_config_validate(&bench->xray, err);
        if (rc != 0) {
            bl_error_prefix(err, "detector_bench generator");
            bl_bench_source_close(s);
            return rc;
        }
    }
    if (s->n == 0 || s->n > UINT32_MAX) {
        bl_error_set(err, BL_EINVAL,
                     "detector_bench: %" PRIu64 " scans: give from 1 to %u scans (replay: "
                     "images in the folder)",
                     s->n, UINT32_MAX);
        bl_bench_source_close(s);
        return BL_EINVAL;
    }
    *out = s;
    return 0;
}

uint64_t bl_bench_source_count(const bl_bench_source_t *s) { return s->n; }

static bool buffer_empty(const bl_scan_buffer_t *b) {
    return b->low == NULL && b->high == NULL && b->scratch == NULL;
}

int bl_bench_source_scan(bl_bench_source_t *s, uint64_t i, bl_scan_buffer_t *b, bl_scan_t *scan,
                         bl_scan_truth_t *truth, bl_error_t *err) {
    if (i >= s->n)
        return bl_error_set(err, BL_EINVAL, "detector_bench: scan %" PRIu64 " of %" PRIu64, i,
                            s->n);
    if (s->replay != NULL) {
        pthread_mutex_lock(&s->lock);
        int rc = bl_replay_load(s->replay, (size_t)i, b, scan, truth, err);
        pthread_mutex_unlock(&s->lock);
        if (rc == 0) {
            scan->id = i;
            if (s->bench->replay_pixel_mm > 0)
                scan->pixel_mm = s->bench->replay_pixel_mm;
        }
        return rc;
    }
    const bl_xray_config_t *cfg = &s->bench->xray;
    if (buffer_empty(b) || b->width != cfg->width || b->height != cfg->height) {
        if (!buffer_empty(b))
            bl_scan_buffer_fini(b);
        if (bl_scan_buffer_init(b, cfg->width, cfg->height) != 0)
            return bl_error_set(err, BL_ENOMEM, "out of memory for a %ux%u scan", cfg->width,
                                cfg->height);
    }
    bl_rng_t rng;
    bl_rng_init(&rng, s->seed, i, BL_STREAM_SCANS);
    bl_xray_generate(cfg, -1, i, &rng, b, scan, truth);
    return 0;
}

char *bl_bench_source_describe(const bl_bench_source_t *s) {
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (fp == NULL)
        return NULL;
    if (s->replay != NULL) {
        fprintf(fp, "replay %" PRIu64 "\n", s->n);
        if (s->bench->replay_pixel_mm > 0) /* absent before pixel_mm=: digests unchanged */
            fprintf(fp, "pixel_mm=%.17g\n", s->bench->replay_pixel_mm);
        for (uint64_t i = 0; i < s->n; i++)
            fprintf(fp, "%s\n", bl_replay_name(s->replay, (size_t)i));
    } else {
        const bl_xray_config_t *c = &s->bench->xray;
        fprintf(fp, "generator seed=%" PRIu64 " scans=%" PRIu64 " width=%u height=%u", s->seed,
                s->n, c->width, c->height);
        fprintf(fp, " pixel_mm=%.17g subject=%d prevalence=", c->pixel_mm, c->subject);
        for (int k = 0; k < BL_THREAT_CLASS_COUNT; k++)
            fprintf(fp, "%s%.17g", k ? "," : "", c->prevalence[k]);
        fprintf(fp, " clutter=%.17g occlusion=%.17g object_scale=%.17g photons=%.17g", c->clutter,
                c->occlusion, c->object_scale, c->photons);
        fprintf(fp, " blur_px=%.17g dual_energy=%d\n", c->blur_px, c->dual_energy ? 1 : 0);
    }
    if (fclose(fp) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void bl_bench_source_close(bl_bench_source_t *s) {
    if (s == NULL)
        return;
    if (s->replay != NULL)
        bl_replay_close(s->replay);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ------------------------------------------------------------------ outputs */

/* Shared with bench_perf.c; documented in bench_perf.h. */

static bool finite_in(float x, float lo, float hi) { return isfinite(x) && x >= lo && x <= hi; }

bool bl_bench_detection_valid(const bl_detection_t *d, const bl_scan_t *scans, size_t n) {
    if (d->scan >= n || d->threat == BL_THREAT_NONE || d->threat >= BL_THREAT_CLASS_COUNT)
        return false;
    if (!finite_in(d->confidence, 0.0f, 1.0f))
        return false;
    const bl_scan_t *s = &scans[d->scan];
    const float *b = d->box;
    return finite_in(b[0], 0.0f, (float)s->width) && finite_in(b[2], 0.0f, (float)s->width) &&
           finite_in(b[1], 0.0f, (float)s->height) && finite_in(b[3], 0.0f, (float)s->height) &&
           b[0] < b[2] && b[1] < b[3];
}

int bl_bench_create_instance(const bl_plugin_handle_t *h, const bl_config_t *config,
                             bl_host_services_t *hs, uint64_t seed, uint64_t replication,
                             uint64_t stream, void **inst, bl_error_t *err) {
    bl_host_services_init(hs, seed, replication, stream, NULL, h->desc->header.id);
    *inst = NULL;
    int rc = h->desc->detector->create(config, &hs->host, inst);
    if (rc != 0)
        return bl_error_set(err, BL_EPLUGIN,
                            "detector %s (%s): create returned %d (%s): check its configuration "
                            "in the scenario",
                            h->desc->header.id, h->path, rc, bl_error_name(rc));
    return 0;
}

int bl_bench_detect_failed(const bl_plugin_handle_t *h, int rc, uint64_t first, size_t n,
                           bl_error_t *err) {
    return bl_error_set(err, BL_EPLUGIN,
                        "detector %s (%s): detect returned %d (%s) on scans %" PRIu64 "..%" PRIu64
                        ": fix the plugin, or leave it out of detectors=",
                        h->desc->header.id, h->path, rc, bl_error_name(rc), first,
                        first + (uint64_t)n - 1);
}

/* ------------------------------------------------------------------ pool of scans */

typedef struct pool_ctx {
    bl_bench_pool_t *pool;
    bl_bench_source_t *src;
    bl_error_t *errors;
} pool_ctx_t;

static int pool_task(void *arg, unsigned i) {
    pool_ctx_t *c = arg;
    bl_scan_buffer_t *b = &c->pool->buffers[i];
    int rc = bl_bench_source_scan(c->src, i, b, &c->pool->scans[i], NULL, &c->errors[i]);
    /* The pool keeps only the pixels: a third less memory at 512 x 512. */
    free(b->scratch);
    b->scratch = NULL;
    return rc;
}

int bl_bench_pool_init(bl_bench_pool_t *p, bl_bench_source_t *src, size_t n, unsigned threads,
                       bl_error_t *err) {
    memset(p, 0, sizeof *p);
    if (n > bl_bench_source_count(src))
        n = (size_t)bl_bench_source_count(src);
    if (n == 0)
        return 0;
    p->buffers = calloc(n, sizeof *p->buffers);
    p->scans = calloc(n, sizeof *p->scans);
    bl_error_t *errors = calloc(n, sizeof *errors);
    int rc = 0;
    if (p->buffers == NULL || p->scans == NULL || errors == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for a pool of %zu scans", n);
        goto out;
    }
    p->n = n;
    pool_ctx_t ctx = {p, src, errors};
    rc = bl_pool_run(threads ? threads : 1, (unsigned)n, pool_task, &ctx);
    for (size_t i = 0; rc != 0 && i < n; i++)
        if (errors[i].code != 0) {
            bl_error_set(err, errors[i].code, "%s", errors[i].message);
            break;
        }
out:
    free(errors);
    if (rc != 0)
        bl_bench_pool_fini(p);
    return rc;
}

void bl_bench_pool_fini(bl_bench_pool_t *p) {
    for (size_t i = 0; p->buffers != NULL && i < p->n; i++)
        if (!buffer_empty(&p->buffers[i]))
            bl_scan_buffer_fini(&p->buffers[i]);
    free(p->buffers);
    free(p->scans);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------------ accuracy */

typedef struct det_vec {
    bl_bench_detection_row_t *items;
    size_t n, cap;
} det_vec_t;

static int det_vec_push(det_vec_t *v, const bl_detection_t *d, uint64_t scan) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        bl_bench_detection_row_t *grown = realloc(v->items, cap * sizeof *grown);
        if (grown == NULL)
            return BL_ENOMEM;
        v->items = grown;
        v->cap = cap;
    }
    bl_bench_detection_row_t *r = &v->items[v->n++];
    r->scan = (uint32_t)scan;
    r->threat = d->threat;
    r->confidence = d->confidence;
    r->x0 = d->box[0];
    r->y0 = d->box[1];
    r->x1 = d->box[2];
    r->y1 = d->box[3];
    return 0;
}

/* A worker's buffers for one batch, reused from chunk to chunk. */
typedef struct workspace {
    struct workspace *next;
    bl_scan_buffer_t *buffers;
    bl_scan_t *scans;
    bl_detection_t *dets;
} workspace_t;

typedef struct accuracy_ctx {
    bl_bench_result_t *res;
    bl_bench_source_t *src;
    uint64_t seed;
    uint32_t batch;
    uint64_t n_chunks;
    det_vec_t *chunk_dets;   /* [chunk][detector] */
    uint64_t *chunk_invalid; /* [chunk][detector] */
    uint64_t *chunk_calls;   /* [chunk][detector] */
    bl_error_t *errors;      /* [chunk] */
    bl_progress_t *progress;
    pthread_mutex_t lock; /* the free workspaces */
    workspace_t *free_spaces;
    size_t n_spaces;
    workspace_t **spaces; /* every one made */
} accuracy_ctx_t;

static void workspace_free(workspace_t *w, uint32_t batch) {
    if (w == NULL)
        return;
    for (uint32_t j = 0; w->buffers != NULL && j < batch; j++)
        if (!buffer_empty(&w->buffers[j]))
            bl_scan_buffer_fini(&w->buffers[j]);
    free(w->buffers);
    free(w->scans);
    free(w->dets);
    free(w);
}

static workspace_t *workspace_take(accuracy_ctx_t *c) {
    pthread_mutex_lock(&c->lock);
    workspace_t *w = c->free_spaces;
    if (w != NULL) {
        c->free_spaces = w->next;
        pthread_mutex_unlock(&c->lock);
        return w;
    }
    workspace_t **grown = realloc(c->spaces, (c->n_spaces + 1) * sizeof *grown);
    if (grown != NULL)
        c->spaces = grown;
    w = grown != NULL ? calloc(1, sizeof *w) : NULL;
    if (w != NULL) {
        w->buffers = calloc(c->batch, sizeof *w->buffers);
        w->scans = calloc(c->batch, sizeof *w->scans);
        w->dets = calloc((size_t)c->batch * BL_BENCH_DETS_PER_SCAN, sizeof *w->dets);
        if (w->buffers == NULL || w->scans == NULL || w->dets == NULL) {
            workspace_free(w, c->batch);
            w = NULL;
        } else {
            c->spaces[c->n_spaces++] = w;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return w;
}

static void workspace_give(accuracy_ctx_t *c, workspace_t *w) {
    pthread_mutex_lock(&c->lock);
    w->next = c->free_spaces;
    c->free_spaces = w;
    pthread_mutex_unlock(&c->lock);
}

/* Run detector d on the batch of nb scans starting at scan `first`. */
static int accuracy_detect(accuracy_ctx_t *c, uint64_t chunk, size_t d, void *inst, workspace_t *w,
                           uint64_t first, size_t nb) {
    bl_bench_detector_t *det = &c->res->detectors[d];
    size_t slot = (size_t)chunk * c->res->n_detectors + d;
    bl_error_t *err = &c->errors[chunk];
    bl_detections_t out = {w->dets, nb * BL_BENCH_DETS_PER_SCAN, 0};
    c->chunk_calls[slot]++;
    int rc = det->handle.desc->detector->detect(inst, w->scans, nb, &out);
    if (rc != 0 && rc != BL_ENOSPC) /* ENOSPC: what fitted is kept */
        return bl_bench_detect_failed(&det->handle, rc, first, nb, err);
    if (out.count > out.capacity) {
        /* A count past the buffer (SIZE_MAX, a wrapped negative...) makes the
         * whole output of the call unreadable: one invalid output, nothing
         * scored (what sits in the buffer may be stale). */
        c->chunk_invalid[slot]++;
        out.count = 0;
    }
    for (size_t j = 0; j < out.count; j++) {
        const bl_detection_t *o = &out.items[j];
        if (!bl_bench_detection_valid(o, w->scans, nb)) {
            c->chunk_invalid[slot]++;
            if (o->scan < nb) /* else no scan to blame */
                det->invalid[first + o->scan]++;
            continue;
        }
        uint64_t scan = first + o->scan;
        double *s = &det->scores[scan * BL_THREAT_CLASS_COUNT];
        if (o->confidence > s[0])
            s[0] = o->confidence;
        if (o->confidence > s[o->threat])
            s[o->threat] = o->confidence;
        if (det_vec_push(&c->chunk_dets[slot], o, scan) != 0)
            return bl_error_set(err, BL_ENOMEM, "out of memory for detections");
    }
    return 0;
}

static int accuracy_task(void *arg, unsigned chunk) {
    accuracy_ctx_t *c = arg;
    bl_bench_result_t *res = c->res;
    const bl_detector_bench_t *b = bl_detector_bench_of(res->scenario);
    bl_error_t *err = &c->errors[chunk];
    size_t nd = res->n_detectors;
    uint64_t lo = (uint64_t)chunk * CHUNK_SCANS;
    uint64_t hi = lo + CHUNK_SCANS < res->n_scans ? lo + CHUNK_SCANS : res->n_scans;
    int rc = 0;
    bl_host_services_t *hs = calloc(nd, sizeof *hs);
    void **inst = calloc(nd, sizeof *inst);
    bool *made = calloc(nd, sizeof *made);
    workspace_t *w = workspace_take(c);
    if (hs == NULL || inst == NULL || made == NULL || w == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for chunk %u", chunk);
        goto out;
    }
    for (size_t d = 0; d < nd && rc == 0; d++) {
        const bl_plugin_ref_t *ref = &b->detectors[d];
        bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                              (const char *const *)ref->config_values};
        rc = bl_bench_create_instance(&res->detectors[d].handle, &config, &hs[d], c->seed, chunk,
                                      (uint64_t)BL_STREAM_PLUGIN_BASE + d, &inst[d], err);
        made[d] = rc == 0;
    }
    for (uint64_t first = lo; first < hi && rc == 0;) {
        size_t nb = (size_t)(hi - first < c->batch ? hi - first : c->batch);
        for (size_t j = 0; j < nb && rc == 0; j++)
            rc = bl_bench_source_scan(c->src, first + j, &w->buffers[j], &w->scans[j],
                                      &res->truth[first + j], err);
        if (rc == 0 && first == 0) { /* the set's geometry, as the detectors see it */
            res->width = w->scans[0].width;
            res->height = w->scans[0].height;
        }
        for (size_t d = 0; d < nd && rc == 0; d++)
            rc = accuracy_detect(c, chunk, d, inst[d], w, first, nb);
        if (rc == 0 && c->progress != NULL) {
            __atomic_fetch_add(&c->progress->sim_ms_done, (uint64_t)nb, __ATOMIC_RELAXED);
            __atomic_fetch_add(&c->progress->events, (uint64_t)(nb * nd), __ATOMIC_RELAXED);
        }
        first += nb;
    }
out:
    for (size_t d = 0; made != NULL && d < nd; d++)
        if (made[d])
            res->detectors[d].handle.desc->detector->destroy(inst[d]);
    if (w != NULL)
        workspace_give(c, w);
    free(hs);
    free(inst);
    free(made);
    return rc;
}

/* Join the chunks' detections in chunk order and sum their counts. */
static int accuracy_gather(accuracy_ctx_t *c) {
    bl_bench_result_t *res = c->res;
    for (size_t d = 0; d < res->n_detectors; d++) {
        bl_bench_detector_t *det = &res->detectors[d];
        size_t total = 0;
        for (uint64_t k = 0; k < c->n_chunks; k++) {
            size_t slot = (size_t)k * res->n_detectors + d;
            total += c->chunk_dets[slot].n;
            det->invalid_outputs += c->chunk_invalid[slot];
            det->calls += c->chunk_calls[slot];
        }
        det->detections = malloc((total ? total : 1) * sizeof *det->detections);
        if (det->detections == NULL)
            return BL_ENOMEM;
        for (uint64_t k = 0; k < c->n_chunks; k++) {
            const det_vec_t *v = &c->chunk_dets[(size_t)k * res->n_detectors + d];
            if (v->n > 0)
                memcpy(det->detections + det->n_detections, v->items, v->n * sizeof *v->items);
            det->n_detections += v->n;
        }
    }
    return 0;
}

static int accuracy(bl_bench_result_t *res, bl_bench_source_t *src, unsigned threads,
                    bl_progress_t *progress, bl_error_t *err) {
    const bl_detector_bench_t *b = bl_detector_bench_of(res->scenario);
    accuracy_ctx_t c;
    memset(&c, 0, sizeof c);
    c.res = res;
    c.src = src;
    c.seed = res->scenario->seed;
    c.batch = b->batch ? b->batch : 16;
    c.progress = progress;
    c.n_chunks = (res->n_scans + CHUNK_SCANS - 1) / CHUNK_SCANS;
    pthread_mutex_init(&c.lock, NULL);
    size_t slots = (size_t)c.n_chunks * res->n_detectors;
    c.chunk_dets = calloc(slots, sizeof *c.chunk_dets);
    c.chunk_invalid = calloc(slots, sizeof *c.chunk_invalid);
    c.chunk_calls = calloc(slots, sizeof *c.chunk_calls);
    c.errors = calloc(c.n_chunks, sizeof *c.errors);
    int rc = 0;
    if (c.chunk_dets == NULL || c.chunk_invalid == NULL || c.chunk_calls == NULL ||
        c.errors == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for %" PRIu64 " scans", res->n_scans);
        goto out;
    }
    rc = bl_pool_run(threads, (unsigned)c.n_chunks, accuracy_task, &c);
    if (rc != 0) {
        for (uint64_t k = 0; k < c.n_chunks; k++)
            if (c.errors[k].code != 0) {
                bl_error_set(err, c.errors[k].code, "%s", c.errors[k].message);
                break;
            }
        goto out;
    }
    rc = accuracy_gather(&c);
    if (rc != 0)
        bl_error_set(err, rc, "out of memory for detections");
out:
    for (size_t i = 0; c.chunk_dets != NULL && i < slots; i++)
        free(c.chunk_dets[i].items);
    for (size_t i = 0; i < c.n_spaces; i++)
        workspace_free(c.spaces[i], c.batch);
    free(c.spaces);
    free(c.chunk_dets);
    free(c.chunk_invalid);
    free(c.chunk_calls);
    free(c.errors);
    pthread_mutex_destroy(&c.lock);
    return rc;
}

/* ------------------------------------------------------------------ failures, determinism */

/* The scans each isolated detector failed to process (or skipped) in
 * accuracy mode: det->failed, det->failures.  Called right after accuracy
 * mode, before the performance modes add failures of their own. */
static int gather_failures(bl_bench_result_t *res, bl_error_t *err) {
    for (size_t d = 0; d < res->n_detectors; d++) {
        bl_bench_detector_t *det = &res->detectors[d];
        size_t n = 0;
        const bl_plugin_failure_t *f = bl_isolated_failures(det->handle.isolated, &n);
        if (det->handle.isolated == NULL)
            continue;
        det->failed = calloc((size_t)res->n_scans ? (size_t)res->n_scans : 1, 1);
        if (det->failed == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory for %" PRIu64 " scans",
                                res->n_scans);
        for (size_t i = 0; i < n; i++) {
            if (f[i].verb != BL_VERB_DETECT || strcmp(f[i].during, "accuracy") != 0)
                continue;
            uint64_t count = f[i].cause == BL_FAILURE_SKIPPED ? (uint64_t)f[i].detail : 1;
            for (uint64_t s = f[i].item; s < f[i].item + count && s < res->n_scans; s++)
                if (!det->failed[s]) {
                    det->failed[s] = 1;
                    det->failures++;
                }
        }
        if (det->failures > 0) /* a failed scan has no outcome, not a score of 0 */
            for (uint64_t i = 0; i < res->n_scans; i++)
                if (det->failed[i])
                    memset(&det->scores[i * BL_THREAT_CLASS_COUNT], 0,
                           BL_THREAT_CLASS_COUNT * sizeof *det->scores);
    }
    return 0;
}

/*
 * A detector that claims to be deterministic must give the same
 * detections on the same scans from the same RNG stream: its first batch
 * (scans 0..batch-1, stream (seed, chunk 0)) runs again on a fresh instance
 * and is compared with what accuracy mode kept.  A difference is recorded
 * in det->not_deterministic (the verdict turns INVALID); the scores stand.
 */
static int recheck_determinism(bl_bench_result_t *res, bl_bench_source_t *src, size_t d,
                               uint32_t batch, bl_error_t *err) {
    bl_bench_detector_t *det = &res->detectors[d];
    const bl_plugin_ref_t *ref = det->ref;
    if (!(det->handle.desc->header.flags & BL_FLAG_DETERMINISTIC) || res->n_scans == 0)
        return 0;
    if (det->handle.isolated != NULL) {
        bl_isolation_stats_t st;
        bl_isolated_stats(det->handle.isolated, &st);
        if (st.invalid) /* its calls no longer reach it */
            return 0;
    }
    size_t nb = (size_t)(res->n_scans < batch ? res->n_scans : batch);
    if (nb > CHUNK_SCANS)
        nb = CHUNK_SCANS;
    for (size_t i = 0; det->failed != NULL && i < nb; i++)
        if (det->failed[i])
            return 0; /* nothing to compare with */
    bl_scan_buffer_t *buffers = calloc(nb, sizeof *buffers);
    bl_scan_t *scans = calloc(nb, sizeof *scans);
    bl_detection_t *items = calloc(nb * BL_BENCH_DETS_PER_SCAN, sizeof *items);
    bl_host_services_t hs;
    void *inst = NULL;
    int rc = 0;
    if (buffers == NULL || scans == NULL || items == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nb && rc == 0; j++)
        rc = bl_bench_source_scan(src, j, &buffers[j], &scans[j], NULL, err);
    bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                          (const char *const *)ref->config_values};
    bl_isolated_set_context(det->handle.isolated, "determinism");
    if (rc == 0)
        rc = bl_bench_create_instance(&det->handle, &config, &hs, res->scenario->seed, 0,
                                      (uint64_t)BL_STREAM_PLUGIN_BASE + d, &inst, err);
    if (rc != 0)
        goto out;
    bl_detections_t out = {items, nb * BL_BENCH_DETS_PER_SCAN, 0};
    int drc = det->handle.desc->detector->detect(inst, scans, nb, &out);
    size_t first = 0, kept = 0, again = 0;
    while (first < det->n_detections && det->detections[first].scan < nb)
        first++; /* accuracy mode's valid detections of scans 0..nb-1 */
    bool same = (drc == BL_OK || drc == BL_ENOSPC) && out.count <= out.capacity;
    for (size_t j = 0; same && j < out.count; j++) {
        const bl_detection_t *o = &out.items[j];
        if (!bl_bench_detection_valid(o, scans, nb))
            continue;
        again++;
        const bl_bench_detection_row_t *r = kept < first ? &det->detections[kept] : NULL;
        kept++;
        same = r != NULL && r->scan == o->scan && r->threat == o->threat &&
               r->confidence == o->confidence && r->x0 == o->box[0] && r->y0 == o->box[1] &&
               r->x1 == o->box[2] && r->y1 == o->box[3];
    }
    if (!same || again != first)
        snprintf(det->not_deterministic, sizeof det->not_deterministic,
                 "claims to be deterministic but is not: scans 0..%zu run again on a fresh "
                 "instance with the same RNG stream gave other detections (%zu valid, first "
                 "run %zu)",
                 nb - 1, again, first);
    det->handle.desc->detector->destroy(inst);
out:
    for (size_t j = 0; buffers != NULL && j < nb; j++)
        if (!buffer_empty(&buffers[j]))
            bl_scan_buffer_fini(&buffers[j]);
    free(buffers);
    free(scans);
    free(items);
    return rc;
}

/* ------------------------------------------------------------------ the job */

static void put_u32(EVP_MD_CTX *md, uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    EVP_DigestUpdate(md, b, sizeof b);
}

/* SHA-256 over the set's origin and every scan's truth (fixed byte order). */
static int scan_set_digest(bl_bench_result_t *res, const bl_bench_source_t *src, bl_error_t *err) {
    char *origin = bl_bench_source_describe(src);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int rc = 0;
    if (origin == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot compute the scan set's SHA-256");
        goto out;
    }
    EVP_DigestUpdate(md, origin, strlen(origin));
    for (uint64_t i = 0; i < res->n_scans; i++) {
        const bl_scan_truth_t *t = &res->truth[i];
        put_u32(md, (uint32_t)i);
        put_u32(md, t->n);
        for (uint32_t k = 0; k < t->n && k < BL_SCAN_MAX_OBJECTS; k++) {
            put_u32(md, t->objects[k].threat);
            for (int j = 0; j < 4; j++) {
                uint32_t bits;
                memcpy(&bits, &t->objects[k].box[j], sizeof bits);
                put_u32(md, bits);
            }
        }
    }
    if (EVP_DigestFinal_ex(md, digest, &len) != 1 || len != 32) {
        rc = bl_error_set(err, BL_EIO, "cannot compute the scan set's SHA-256");
        goto out;
    }
    for (unsigned i = 0; i < len; i++)
        snprintf(res->scan_set_sha256 + 2 * i, 3, "%02x", digest[i]);
out:
    EVP_MD_CTX_free(md);
    free(origin);
    return rc;
}

/* Load every detector; labels are ids with "-2", "-3"... on repeats. */
static int load_detectors(bl_bench_result_t *res, bl_error_t *err) {
    const bl_scenario_t *sc = res->scenario;
    const bl_detector_bench_t *b = bl_detector_bench_of(sc);
    char *base = bl_path_dir(sc->path ? sc->path : ".");
    int rc = 0;
    for (size_t d = 0; d < b->n_detectors && rc == 0; d++) {
        bl_bench_detector_t *det = &res->detectors[d];
        det->ref = &b->detectors[d];
        const char *spec = det->ref->spec;
        char *path = bl_plugin_resolve(spec ? spec : "", BL_KIND_DETECTOR, base, err);
        if (path == NULL) {
            rc = err->code != 0 ? err->code : BL_ENOTFOUND;
        } else {
            rc = bl_plugin_open(&det->handle, spec, path, BL_KIND_DETECTOR, det->ref->isolation,
                                &det->ref->limits, err);
            free(path);
        }
        if (rc != 0) {
            bl_error_prefix(err, "scenario %s, detectors[%zu]", sc->path ? sc->path : "?", d + 1);
            break;
        }
        const char *id = det->handle.desc->header.id;
        unsigned same = 1;
        for (size_t k = 0; k < d; k++)
            same += strcmp(res->detectors[k].handle.desc->header.id, id) == 0;
        if (same > 1)
            snprintf(det->label, sizeof det->label, "%.60s-%u", id, same);
        else
            snprintf(det->label, sizeof det->label, "%.60s", id);
        det->scores = calloc((size_t)res->n_scans * BL_THREAT_CLASS_COUNT, sizeof *det->scores);
        det->invalid = calloc((size_t)res->n_scans, sizeof *det->invalid);
        if (det->scores == NULL || det->invalid == NULL)
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for %" PRIu64 " scans", res->n_scans);
    }
    free(base);
    return rc;
}

int bl_detector_bench_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                          bl_bench_result_t *out, bl_error_t *err) {
    memset(out, 0, sizeof *out);
    if (sc == NULL || bl_detector_bench_of(sc) == NULL ||
        bl_detector_bench_of(sc)->n_detectors == 0)
        return bl_error_set(err, BL_EINVAL,
                            "detector_bench: the scenario names no detectors: give detectors = "
                            "{bl.plugin{\"dual_energy\"}}");
    const bl_detector_bench_t *b = bl_detector_bench_of(sc);
    bl_bench_source_t *src = NULL;
    out->scenario = sc;
    if (threads == 0)
        threads = bl_pool_default_threads();
    int rc = bl_bench_source_open(&src, b, sc->seed, err);
    if (rc != 0)
        goto out;
    out->n_scans = bl_bench_source_count(src);
    out->truth = calloc((size_t)out->n_scans, sizeof *out->truth);
    out->detectors = calloc(b->n_detectors, sizeof *out->detectors);
    if (out->truth == NULL || out->detectors == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for %" PRIu64 " scans", out->n_scans);
        goto out;
    }
    out->n_detectors = b->n_detectors;
    rc = load_detectors(out, err);
    for (size_t d = 0; rc == 0 && d < out->n_detectors; d++)
        bl_isolated_set_context(out->detectors[d].handle.isolated, "accuracy");
    if (rc == 0)
        rc = accuracy(out, src, threads, progress, err);
    if (rc == 0)
        rc = gather_failures(out, err);
    for (size_t d = 0; rc == 0 && d < out->n_detectors; d++)
        rc = recheck_determinism(out, src, d, b->batch ? b->batch : 16, err);
    if (rc == 0)
        rc = scan_set_digest(out, src, err);
    if (rc == 0 && progress != NULL && bl_detector_bench_of(sc)->pool > 0)
        __atomic_store_n(&progress->phase, "timing (offline, single-stream, server)",
                         __ATOMIC_RELAXED);
    if (rc == 0)
        rc = bl_bench_performance(out, src, threads, err);
out:
    bl_bench_source_close(src);
    if (rc != 0)
        bl_bench_result_fini(out);
    return rc;
}

void bl_bench_result_fini(bl_bench_result_t *r) {
    if (r == NULL)
        return;
    for (size_t d = 0; r->detectors != NULL && d < r->n_detectors; d++) {
        bl_bench_detector_t *det = &r->detectors[d];
        if (det->handle.desc != NULL)
            bl_plugin_unload(&det->handle);
        free(det->scores);
        free(det->invalid);
        free(det->failed);
        free(det->detections);
    }
    free(r->detectors);
    free(r->truth);
    memset(r, 0, sizeof *r);
}
