/*
 * Misbehaving detector fixtures for the plugin isolation tests: one
 * source, one misbehaviour per build, chosen with -DMISBEHAVE_<NAME> (the
 * table in README.md here says what the host should record for each):
 *
 *   CRASH        SIGSEGV (write through NULL) on scan id `scan` (7)
 *   ABORT        abort() on scan id `scan` (7)
 *   EXIT0        exit(0) on scan id `scan` (7)
 *   HANG         sleeps forever on scan id `scan` (7)
 *   SLOW         sleeps `ms` (30) milliseconds per scan
 *   LEAK         mallocs and touches `mb` (10) MiB per detect call, never freed
 *   CHATTY       writes garbage to stdout and stderr in create, detect and destroy
 *   SCRIBBLE     writes 0 into every input pixel (high, and low when present)
 *   COUNTS       an impossible output count or invalid detections, by `mode` (size_max)
 *   LIAR         claims thread-safe and deterministic, but an unsynchronised
 *                global call counter moves its confidences
 *   CREATE_FAIL  create() returns BL_EINVAL
 *   ESCAPE       at dlopen and in create(), tries to write a file, connect to a
 *                TCP port and start processes (escape.c)
 *
 * Otherwise every build is the same deterministic detector, which a bench
 * can score and which never reads the pixels: for scan s of the batch, with
 * id = scans[s].id, one detection of class 1 + id % 7, confidence
 * ((id * 37) % 100) / 100 and box (1, 1, width / 2, height / 2), like the
 * valid detections of ../bad_detector.c; BL_ENOSPC when the host's buffer is
 * full.  Parameters are plugin config keys; without them the defaults above
 * apply, so `--plugin detector=crash.so` works as is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "misbehave.h"

/* ------------------------------------------------------------------ the build */

#if defined(MISBEHAVE_CRASH)
#define FIXTURE "crash"
#define TRIGGER() fixture_crash()
#elif defined(MISBEHAVE_ABORT)
#define FIXTURE "abort"
#define TRIGGER() abort()
#elif defined(MISBEHAVE_EXIT0)
#define FIXTURE "exit0"
#define TRIGGER() exit(0)
#elif defined(MISBEHAVE_HANG)
#define FIXTURE "hang"
#define TRIGGER() fixture_hang()
#elif defined(MISBEHAVE_SLOW)
#define FIXTURE "slow"
#elif defined(MISBEHAVE_LEAK)
#define FIXTURE "leak"
#elif defined(MISBEHAVE_CHATTY)
#define FIXTURE "chatty"
#elif defined(MISBEHAVE_SCRIBBLE)
#define FIXTURE "scribble"
#elif defined(MISBEHAVE_COUNTS)
#define FIXTURE "counts"
#elif defined(MISBEHAVE_LIAR)
#define FIXTURE "liar"
#elif defined(MISBEHAVE_CREATE_FAIL)
#define FIXTURE "create_fail"
#elif defined(MISBEHAVE_ESCAPE)
#define FIXTURE "escape"
#else
#error "build with one -DMISBEHAVE_<NAME> (see the list at the top of this file)"
#endif

#define ID "borderlab-tests." FIXTURE

/* The liar claims what it does not deliver; the others claim only
 * determinism (the host serialises their calls). */
#ifdef MISBEHAVE_LIAR
#define FLAGS (BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC)
#else
#define FLAGS BL_FLAG_DETERMINISTIC
#endif

/* Defaults of the config keys.  Scan 7 falls inside a first batch of 8 or
 * more scans with ids from 0, so a test sees the scans before it go through. */
#define DEFAULT_SCAN 7
#define DEFAULT_MS 30  /* slow: milliseconds per scan */
#define DEFAULT_MB 10  /* leak: MiB per detect call */
#define MAX_MS 3600000 /* slow: an hour per scan is a hang, use the hang fixture */
#define MAX_MB 1048576 /* leak: 1 TiB per call */
#define MIB 1048576.0

typedef struct fixture {
    const bl_host_t *host;
    uint64_t scan; /* crash, abort, exit0, hang: the scan id that sets it off */
    double ms;     /* slow */
    size_t bytes;  /* leak: per detect call */
    int mode;      /* counts: COUNTS_* */
} fixture_t;

/* The detection an honest detector of this family reports for scans[s]. */
static bl_detection_t ordinary(const bl_scan_t *scan, size_t s) {
    uint64_t id = scan->id;
    bl_detection_t d = {(uint32_t)s,
                        1 + (uint32_t)(id % 7),
                        (float)((id * 37) % 100) / 100.0f,
                        {1.0f, 1.0f, (float)scan->width / 2, (float)scan->height / 2}};
    return d;
}

/* ------------------------------------------------------------------ counts */

#ifdef MISBEHAVE_COUNTS
enum { COUNTS_SIZE_MAX, COUNTS_OVER, COUNTS_NAN, COUNTS_CLASS, COUNTS_SCAN, COUNTS_MODES };
static const char *const counts_modes[COUNTS_MODES] = {"size_max", "over", "nan", "class", "scan"};
#define UNKNOWN_CLASS 99 /* past BL_THREAT_CLASS_COUNT */
#define SCAN_PAST_BATCH 3

static int configure(fixture_t *f, const bl_config_t *config) {
    const char *mode = bl_config_get(config, "mode");
    if (mode == NULL)
        mode = counts_modes[COUNTS_SIZE_MAX];
    for (f->mode = 0; f->mode < COUNTS_MODES; f->mode++)
        if (strcmp(mode, counts_modes[f->mode]) == 0)
            return BL_OK;
    bl_host_logf(f->host, BL_LOG_ERROR,
                 "%s: config mode = \"%s\": give size_max, over, nan, class or scan", ID, mode);
    return BL_EINVAL;
}

/* nan, class, scan: spoil each detection (the count stays honest). */
static void spoil(const fixture_t *f, bl_detection_t *d, size_t n) {
    switch (f->mode) {
    case COUNTS_NAN:
        d->confidence = NAN;
        d->box[0] = d->box[2] + 1.0f;
        break;
    case COUNTS_CLASS:
        d->threat = UNKNOWN_CLASS;
        break;
    case COUNTS_SCAN:
        d->scan = (uint32_t)(n + SCAN_PAST_BATCH);
        break;
    default:
        break;
    }
}

/* size_max, over: fill what fits, then claim an impossible count. */
static int finish(const fixture_t *f, bl_detections_t *out, int rc) {
    if (f->mode == COUNTS_SIZE_MAX) {
        out->count = SIZE_MAX;
        return BL_OK;
    }
    if (f->mode == COUNTS_OVER) {
        out->count = out->capacity + 5;
        return BL_OK;
    }
    return rc;
}
#endif

/* ------------------------------------------------------------------ liar */

#ifdef MISBEHAVE_LIAR
/* One counter for the whole process, every instance and thread: a plain
 * static, not atomic, incremented by every detect call. */
static uint64_t liar_calls;
#endif

/* ------------------------------------------------------------------ chatty */

#ifdef MISBEHAVE_CHATTY
#define CHATTER_LINES 48 /* about 4 KB per stream per call */

/* What a vendor's debug build leaves in: JSON that never closes, terminal
 * escapes, bytes that are not UTF-8, a NUL, lines without a newline. */
static void chatter(const char *where) {
    static const char junk[] = "\x1b[31mVENDOR\x1b[0m \xff\xfe\xc3(\r";
    FILE *streams[2] = {stdout, stderr};
    for (int k = 0; k < 2; k++) {
        FILE *fp = streams[k];
        fputs("{\"broken\": ", fp);
        for (int i = 0; i < CHATTER_LINES; i++)
            fprintf(fp, "chatty %s %s line %02d: tensor[%d] = %.6f, debug build, please ignore\n",
                    where, k == 0 ? "stdout" : "stderr", i, i * 17, i / 7.0);
        fputs("{\"event\": \"failure\", \"scan\": 3, \"ok\": tru", fp);
        fwrite(junk, 1, sizeof junk, fp); /* the trailing NUL too */
        fputs("{\"broken\": ", fp);
        fflush(fp);
    }
}
#endif

/* ------------------------------------------------------------------ hooks per build */

#if defined(TRIGGER)
static int configure(fixture_t *f, const bl_config_t *config) {
    double v;
    int rc =
        fixture_number(config, f->host, ID, "scan", DEFAULT_SCAN, 0, FIXTURE_MAX_INTEGER, 1, &v);
    if (rc == BL_OK)
        f->scan = (uint64_t)v;
    return rc;
}
#elif defined(MISBEHAVE_SLOW)
static int configure(fixture_t *f, const bl_config_t *config) {
    return fixture_number(config, f->host, ID, "ms", DEFAULT_MS, 0, MAX_MS, 0, &f->ms);
}
#elif defined(MISBEHAVE_LEAK)
static int configure(fixture_t *f, const bl_config_t *config) {
    double v;
    int rc = fixture_number(config, f->host, ID, "mb", DEFAULT_MB, 0, MAX_MB, 0, &v);
    if (rc == BL_OK)
        f->bytes = (size_t)(v * MIB);
    return rc;
}
#elif defined(MISBEHAVE_CREATE_FAIL)
static int configure(fixture_t *f, const bl_config_t *config) {
    (void)config;
    bl_host_logf(f->host, BL_LOG_ERROR,
                 "%s: create fails on purpose: this fixture tests how the host reports a "
                 "plugin that cannot start",
                 ID);
    return BL_EINVAL;
}
#elif !defined(MISBEHAVE_COUNTS)
static int configure(fixture_t *f, const bl_config_t *config) {
    (void)f;
    (void)config;
    return BL_OK;
}
#endif

#ifdef MISBEHAVE_LEAK
/* The last block, so the compiler cannot drop a malloc nobody reads. */
static void *volatile leak_last;
#endif

/*
 * What a build does before the batch's detections: BL_OK to go on, or the
 * code detect returns.
 */
static int before_batch(fixture_t *f, const bl_scan_t *scans, size_t n) {
#if defined(MISBEHAVE_LEAK)
    if (f->bytes > 0) {
        char *block = malloc(f->bytes);
        if (block == NULL) {
            bl_host_logf(f->host, BL_LOG_ERROR, "%s: out of memory leaking %zu more bytes", ID,
                         f->bytes);
            return BL_ENOMEM;
        }
        memset(block, 0xa5, f->bytes); /* touch every page: resident, not just reserved */
        leak_last = block;
    }
#elif defined(MISBEHAVE_CHATTY)
    chatter("detect");
#elif defined(MISBEHAVE_SCRIBBLE)
    for (size_t s = 0; s < n; s++) {
        const bl_scan_t *sc = &scans[s];
        size_t pixels = (size_t)sc->width * sc->height * (sc->depth > 0 ? sc->depth : 1);
        float *high = (float *)sc->high, *low = (float *)sc->low; /* const cast away on purpose */
        for (size_t i = 0; high != NULL && i < pixels; i++)
            high[i] = 0.0f;
        if (sc->energies == 2 && low != NULL)
            for (size_t i = 0; i < (size_t)sc->width * sc->height; i++)
                low[i] = 0.0f;
    }
#elif defined(MISBEHAVE_LIAR)
    liar_calls++;
#endif
    (void)f;
    (void)scans;
    (void)n;
    return BL_OK;
}

/* What a build does on meeting one scan, before its detection. */
static void on_scan(const fixture_t *f, const bl_scan_t *scan) {
#if defined(TRIGGER)
    if (scan->id == f->scan)
        TRIGGER();
#elif defined(MISBEHAVE_SLOW)
    fixture_sleep_ms(f->ms);
#endif
    (void)f;
    (void)scan;
}

/* ------------------------------------------------------------------ the detector */

static int fixture_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    fixture_t *f;
    int rc;
    *instance = NULL;
#if defined(MISBEHAVE_CHATTY)
    chatter("create");
#elif defined(MISBEHAVE_ESCAPE)
    fixture_escape("create");
#endif
    if ((f = calloc(1, sizeof *f)) == NULL)
        return BL_ENOMEM;
    f->host = host;
    if ((rc = configure(f, config)) != BL_OK) {
        free(f);
        return rc;
    }
    *instance = f;
    return BL_OK;
}

static int fixture_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    fixture_t *f = instance;
    int rc = before_batch(f, scans, n);
    if (rc != BL_OK)
        return rc;
    /* Every scan is met even once the buffer is full, so the misbehaviour
     * does not depend on the host's capacity. */
    for (size_t s = 0; s < n; s++) {
        on_scan(f, &scans[s]);
        bl_detection_t d = ordinary(&scans[s], s);
#if defined(MISBEHAVE_COUNTS)
        spoil(f, &d, n);
#elif defined(MISBEHAVE_LIAR)
        d.confidence = (float)((scans[s].id * 37 + liar_calls) % 100) / 100.0f;
#endif
        if (out->count >= out->capacity)
            rc = BL_ENOSPC;
        else
            out->items[out->count++] = d;
    }
#if defined(MISBEHAVE_COUNTS)
    rc = finish(f, out, rc);
#endif
    return rc;
}

static void fixture_destroy(void *instance) {
#if defined(MISBEHAVE_CHATTY)
    chatter("destroy");
#endif
    free(instance);
}

static const bl_detector_ops_t ops = {
    sizeof(bl_detector_ops_t),
    fixture_create,
    fixture_detect,
    fixture_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, FLAGS, ID, "Misbehaving detector: " FIXTURE " (test)",
                     "borderlab tests", "1.0.0"),
    &ops,
    NULL,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
