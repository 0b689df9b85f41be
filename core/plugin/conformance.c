/*
 * Plugin conformance checks (see conformance.h).  Everything a plugin is
 * fed here is built in this file (synthetic scans, a small records batch,
 * seizures), so the checks depend on nothing but the loader.  Each check
 * prints one line; a check that cannot run because an earlier step failed
 * is reported as a failure, never skipped silently.  path may also name a
 * plugin compiled into the program ("builtin:noop"): bl_plugin_load
 * validates it the same way, so every check below applies unchanged.
 */
#include "plugin/conformance.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/loader.h"

#define CONF_SEED 20240501u
#define CONF_STREAM (BL_STREAM_PLUGIN_BASE + 1)

typedef struct conf {
    FILE *out;
    bl_conformance_result_t *result;
    const bl_plugin_t *desc;
    bl_config_t config;
    double clock;
} conf_t;

__attribute__((format(printf, 4, 5))) static int check(conf_t *c, int ok, const char *name,
                                                       const char *fmt, ...) {
    if (ok) {
        c->result->passed++;
        fprintf(c->out, "ok   %s\n", name);
    } else {
        char reason[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        c->result->failed++;
        fprintf(c->out, "FAIL %s: %s\n", name, reason);
    }
    fflush(c->out);
    return ok;
}

/* Host services for one instance; every instance of a run gets the same seed. */
static void host_init(conf_t *c, bl_host_services_t *hs) {
    bl_host_services_init(hs, CONF_SEED, 0, CONF_STREAM, &c->clock, c->desc->header.id);
}

/* Create with the run's config; 0 or the plugin's code. */
static int create_instance(conf_t *c, bl_host_services_t *hs, void **inst) {
    int (*create)(const bl_config_t *, const bl_host_t *, void **) =
        c->desc->detector != NULL ? c->desc->detector->create
        : c->desc->risk != NULL   ? c->desc->risk->create
                                  : c->desc->store->create;
    host_init(c, hs);
    *inst = NULL;
    return create(&c->config, &hs->host, inst);
}

static void destroy_instance(conf_t *c, void *inst) {
    if (c->desc->detector != NULL)
        c->desc->detector->destroy(inst);
    else if (c->desc->risk != NULL)
        c->desc->risk->destroy(inst);
    else
        c->desc->store->destroy(inst);
}

static void check_lifecycle(conf_t *c) {
    for (int round = 1; round <= 2; round++) {
        bl_host_services_t hs;
        void *inst;
        int rc = create_instance(c, &hs, &inst);
        char name[64];
        snprintf(name, sizeof name, "create/destroy (round %d)", round);
        if (check(c, rc == BL_OK, name, "create returned %d (%s)", rc, bl_error_name(rc)))
            destroy_instance(c, inst);
    }
}

/* ------------------------------------------------------------------ detector */

#define SCAN_W 64
#define SCAN_H 48
#define N_SCANS 5
#define DET_CAP 4096

typedef struct scans {
    bl_scan_t scan[N_SCANS];
    float *pixels; /* owned: every image of every scan */
} scans_t;

/* Paint a rectangle with attenuations a_high, a_low on top of the background. */
static void paint(float *high, float *low, int x0, int y0, int w, int h, double a_high,
                  double a_low) {
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) {
            high[y * SCAN_W + x] *= (float)exp(-a_high);
            if (low != NULL)
                low[y * SCAN_W + x] *= (float)exp(-a_low);
        }
}

/*
 * Five scans: empty bag (0.9 transmission), a steel square, a dense organic
 * block, a steel bar plus an organic block, and a single-energy scan with a
 * dark square.  Returns 0 or BL_ENOMEM.
 */
static int scans_build(scans_t *s) {
    const size_t np = (size_t)SCAN_W * SCAN_H;
    s->pixels = malloc(2 * N_SCANS * np * sizeof *s->pixels);
    if (s->pixels == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < 2 * N_SCANS * np; i++)
        s->pixels[i] = 0.9f;
    for (int i = 0; i < N_SCANS; i++) {
        bl_scan_t *sc = &s->scan[i];
        float *high = s->pixels + (size_t)(2 * i) * np, *low = high + np;
        memset(sc, 0, sizeof *sc);
        sc->size = (uint32_t)sizeof *sc;
        sc->width = SCAN_W;
        sc->height = SCAN_H;
        sc->depth = 1;
        sc->energies = i == 4 ? 1 : 2;
        sc->pixel_mm = 2.0;
        sc->id = 1000u + (uint64_t)i;
        sc->high = high;
        sc->low = i == 4 ? NULL : low;
        switch (i) {
        case 1: /* steel: low/high attenuation ratio ~6 */
            paint(high, low, 10, 10, 12, 12, 1.2, 7.2);
            break;
        case 2: /* dense organic: ratio ~1.37 */
            paint(high, low, 30, 20, 16, 10, 1.2, 1.64);
            break;
        case 3:
            paint(high, low, 4, 30, 30, 4, 1.5, 9.0);
            paint(high, low, 40, 5, 10, 10, 1.0, 1.37);
            break;
        case 4:
            paint(high, NULL, 20, 12, 14, 14, 2.5, 0);
            break;
        default:
            break;
        }
    }
    return BL_OK;
}

static int detect_batch(conf_t *c, void *inst, const bl_scan_t *scans, size_t n,
                        bl_detections_t *out) {
    out->count = 0;
    return c->desc->detector->detect(inst, scans, n, out);
}

static int same_detection(const bl_detection_t *a, const bl_detection_t *b) {
    return a->scan == b->scan && a->threat == b->threat && a->confidence == b->confidence &&
           memcmp(a->box, b->box, sizeof a->box) == 0;
}

/* One instance's batch on a thread of its own. */
typedef struct thread_run {
    conf_t *c;
    void *inst;
    const bl_scan_t *scans;
    bl_detections_t out;
    int rc;
} thread_run_t;

static void *detect_on_thread(void *arg) {
    thread_run_t *t = arg;
    t->rc = detect_batch(t->c, t->inst, t->scans, N_SCANS, &t->out);
    return NULL;
}

static int same_detections(const bl_detections_t *a, const bl_detections_t *b) {
    int same = a->count == b->count;
    for (size_t i = 0; same && i < a->count; i++)
        same = same_detection(&a->items[i], &b->items[i]);
    return same;
}

/*
 * Two fresh instances with the same seed, each on its own thread at the
 * same time, must each give what one fresh instance gave alone (want): a
 * library whose instances share state (globals) fails, whatever its flags
 * claim.  Every plugin may be run so (the engine gives each thread its own
 * instance); in a plugin host process the two calls reach one process in
 * turn, and shared state still shows.
 */
static void check_two_threads(conf_t *c, const scans_t *s, const bl_detections_t *want) {
    thread_run_t t[2];
    bl_host_services_t hs[2];
    pthread_t tid[2];
    bool started[2] = {false, false};
    const char *why = NULL;
    memset(t, 0, sizeof t);
    for (int k = 0; k < 2; k++) {
        t[k].c = c;
        t[k].scans = s->scan;
        t[k].out = (bl_detections_t){calloc(DET_CAP, sizeof(bl_detection_t)), DET_CAP, 0};
        t[k].rc = t[k].out.items == NULL ? BL_ENOMEM : create_instance(c, &hs[k], &t[k].inst);
    }
    for (int k = 0; k < 2; k++)
        if (t[k].rc == BL_OK)
            started[k] = pthread_create(&tid[k], NULL, detect_on_thread, &t[k]) == 0;
    for (int k = 0; k < 2; k++)
        if (started[k])
            pthread_join(tid[k], NULL);
    for (int k = 0; k < 2 && why == NULL; k++) {
        if (!started[k] || t[k].rc != BL_OK)
            why = "an instance could not be created or its call failed";
        else if (!same_detections(&t[k].out, want))
            why = "they gave other detections than one instance alone (state shared between "
                  "instances?)";
    }
    check(c, why == NULL, "detector: two instances on two threads agree", "%s", why);
    for (int k = 0; k < 2; k++) {
        if (t[k].inst != NULL)
            c->desc->detector->destroy(t[k].inst);
        free(t[k].out.items);
    }
}

static void check_detector(conf_t *c) {
    const bl_detector_ops_t *ops = c->desc->detector;
    scans_t s;
    bl_detection_t *buf = NULL, *buf2 = NULL;
    bl_detections_t out, out2;
    bl_host_services_t hs, hs2;
    void *inst = NULL, *inst2 = NULL;
    int rc;

    memset(&s, 0, sizeof s);
    buf = calloc(DET_CAP, sizeof *buf);
    buf2 = calloc(DET_CAP, sizeof *buf2);
    if (buf == NULL || buf2 == NULL || scans_build(&s) != BL_OK) {
        check(c, 0, "detector: set up", "out of memory");
        goto out;
    }
    out = (bl_detections_t){buf, DET_CAP, 0};
    out2 = (bl_detections_t){buf2, DET_CAP, 0};

    rc = create_instance(c, &hs, &inst);
    if (!check(c, rc == BL_OK, "detector: create", "create returned %d (%s)", rc,
               bl_error_name(rc)))
        goto out;

    rc = ops->detect(inst, s.scan, 0, &out);
    check(c, rc == BL_OK && out.count == 0, "detector: empty batch",
          "detect(n=0) returned %d with %zu detections", rc, out.count);

    /* Whole batch: every output valid. */
    rc = detect_batch(c, inst, s.scan, N_SCANS, &out);
    if (check(c, rc == BL_OK, "detector: batch of 5 scans", "detect returned %d (%s)", rc,
              bl_error_name(rc))) {
        const char *bad = NULL;
        size_t at = 0;
        for (size_t i = 0; i < out.count && bad == NULL; i++) {
            const bl_detection_t *d = &out.items[i];
            const bl_scan_t *sc = d->scan < N_SCANS ? &s.scan[d->scan] : NULL;
            at = i;
            if (sc == NULL)
                bad = "scan index outside the batch";
            else if (d->threat == BL_THREAT_NONE || d->threat >= BL_THREAT_CLASS_COUNT)
                bad = "threat is not a known class";
            else if (!isfinite(d->confidence) || d->confidence < 0 || d->confidence > 1)
                bad = "confidence is not in [0, 1]";
            else if (!isfinite(d->box[0]) || !isfinite(d->box[1]) || !isfinite(d->box[2]) ||
                     !isfinite(d->box[3]))
                bad = "box is not finite";
            else if (!(d->box[0] >= 0 && d->box[0] < d->box[2] && d->box[2] <= sc->width &&
                       d->box[1] >= 0 && d->box[1] < d->box[3] && d->box[3] <= sc->height))
                bad = "box is not inside the image with x0 < x1, y0 < y1";
            else if (i > 0 && d->scan < out.items[i - 1].scan)
                bad = "detections are not in scan order";
        }
        check(c, bad == NULL, "detector: outputs valid", "detection %zu: %s", at, bad);

        /* A batch of n equals n batches of one. */
        size_t total = 0;
        const char *why = NULL;
        for (size_t i = 0; i < N_SCANS && why == NULL; i++) {
            rc = detect_batch(c, inst, &s.scan[i], 1, &out2);
            if (rc != BL_OK) {
                why = "a single-scan call failed";
                break;
            }
            for (size_t k = 0; k < out2.count && why == NULL; k++) {
                bl_detection_t d = out2.items[k];
                if (d.scan != 0)
                    why = "a single-scan call reported a scan index other than 0";
                d.scan = (uint32_t)i;
                if (why == NULL && (total >= out.count || !same_detection(&d, &out.items[total])))
                    why = "a single-scan call gave a detection the batch did not";
                total++;
            }
        }
        if (why == NULL && total != out.count)
            why = "the batch gave more detections than the single calls";
        check(c, why == NULL, "detector: batch of n equals n single calls",
              "%s (batch %zu detections, singles %zu)", why, out.count, total);

        /* A full buffer gives BL_ENOSPC and keeps what fits. */
        if (out.count > 0) {
            bl_detections_t small = {buf2, out.count - 1, 0};
            rc = ops->detect(inst, s.scan, N_SCANS, &small);
            int ok = rc == BL_ENOSPC && small.count == out.count - 1;
            for (size_t i = 0; ok && i < small.count; i++)
                ok = same_detection(&small.items[i], &out.items[i]);
            check(c, ok, "detector: full output buffer gives BL_ENOSPC",
                  "returned %d with %zu of %zu detections kept", rc, small.count, out.count - 1);
        }

        /* Two instances with the same seed agree. */
        rc = create_instance(c, &hs2, &inst2);
        if (rc == BL_OK)
            rc = detect_batch(c, inst2, s.scan, N_SCANS, &out2);
        int same = rc == BL_OK && out2.count == out.count;
        for (size_t i = 0; same && i < out.count; i++)
            same = same_detection(&out.items[i], &out2.items[i]);
        check(c, same, "detector: same seed gives same output",
              "second instance: rc %d, %zu detections vs %zu", rc, out2.count, out.count);
        if (rc == BL_OK)
            check_two_threads(c, &s, &out2);
    }
out:
    if (inst2 != NULL)
        ops->destroy(inst2);
    if (inst != NULL)
        ops->destroy(inst);
    free(s.pixels);
    free(buf);
    free(buf2);
}

/* ------------------------------------------------------------------ risk model */

#define N_ROWS 16

typedef struct batch {
    double x1[N_ROWS], x2[N_ROWS], x3[N_ROWS];
    int32_t origin[N_ROWS], decl[N_ROWS];
    bl_column_t columns[5];
    bl_records_t records;
} batch_t;

static const char *const origin_labels[] = {"AA", "BB", "CC"};

static void batch_build(batch_t *b) {
    memset(b, 0, sizeof *b);
    for (int i = 0; i < N_ROWS; i++) {
        b->x1[i] = (i % 7) * 0.5 - 1.0;
        b->x2[i] = i % 5 == 3 ? NAN : 2.0 - 0.25 * i;
        b->x3[i] = i % 4 == 1 ? NAN : (double)(i * i % 11);
        b->origin[i] = i % 6 == 5 ? -1 : i % 3;
        b->decl[i] = i;
    }
    b->columns[0] = (bl_column_t){"x1", BL_COLUMN_NUMERIC, 0, b->x1, NULL, NULL};
    b->columns[1] =
        (bl_column_t){"origin", BL_COLUMN_CATEGORICAL, 3, NULL, b->origin, origin_labels};
    b->columns[2] = (bl_column_t){"x2", BL_COLUMN_NUMERIC, 0, b->x2, NULL, NULL};
    b->columns[3] = (bl_column_t){"x3", BL_COLUMN_NUMERIC, 0, b->x3, NULL, NULL};
    b->columns[4] = (bl_column_t){"declaration", BL_COLUMN_IDENTIFIER, 0, NULL, b->decl, NULL};
    b->records = (bl_records_t){(uint32_t)sizeof(bl_records_t), 5, N_ROWS, b->columns};
}

static int same_reason(const bl_reason_t *a, const bl_reason_t *b) {
    return a->column == b->column && a->contribution == b->contribution;
}

static void check_risk(conf_t *c) {
    const bl_risk_ops_t *ops = c->desc->risk;
    batch_t b;
    bl_host_services_t hs, hs2;
    void *inst = NULL, *inst2 = NULL;
    double scores[N_ROWS + 1], other[N_ROWS + 1];
    bl_reason_t reasons[N_ROWS + 1], r1;
    int rc;

    batch_build(&b);
    rc = create_instance(c, &hs, &inst);
    if (!check(c, rc == BL_OK, "risk: create", "create returned %d (%s)", rc, bl_error_name(rc)))
        goto out;

    scores[0] = -7;
    rc = ops->score(inst, &b.records, 0, 0, scores, NULL);
    check(c, rc == BL_OK && scores[0] == -7, "risk: empty batch", "score(n=0) returned %d%s", rc,
          scores[0] == -7 ? "" : " and wrote a score");

    rc = ops->score(inst, &b.records, 0, N_ROWS, scores, NULL);
    if (!check(c, rc == BL_OK, "risk: batch of 16 rows", "score returned %d (%s)", rc,
               bl_error_name(rc)))
        goto out;
    size_t bad = N_ROWS;
    for (size_t i = 0; i < N_ROWS && bad == N_ROWS; i++)
        if (!isfinite(scores[i]) || scores[i] < 0 || scores[i] > 1)
            bad = i;
    check(c, bad == N_ROWS, "risk: scores in [0, 1] and finite", "row %zu scored %g", bad,
          bad < N_ROWS ? scores[bad] : 0.0);

    /* With reasons: same scores, reasons name a column or -1. */
    for (size_t i = 0; i <= N_ROWS; i++)
        reasons[i] = (bl_reason_t){-7, 0};
    rc = ops->score(inst, &b.records, 0, N_ROWS, other, reasons);
    int ok = rc == BL_OK && memcmp(scores, other, N_ROWS * sizeof *scores) == 0;
    for (size_t i = 0; ok && i < N_ROWS; i++)
        ok = reasons[i].column >= -1 && reasons[i].column < (int32_t)b.records.n_columns &&
             isfinite(reasons[i].contribution);
    check(c, ok && reasons[N_ROWS].column == -7, "risk: reasons_out NULL and non-NULL agree",
          "rc %d; scores or reasons differ, or a reason names no column", rc);

    /* n batches of one. */
    ok = 1;
    for (size_t i = 0; ok && i < N_ROWS; i++) {
        double s1 = -7;
        rc = ops->score(inst, &b.records, i, 1, &s1, &r1);
        ok = rc == BL_OK && s1 == scores[i] && same_reason(&r1, &reasons[i]);
        if (!ok)
            bad = i;
    }
    check(c, ok, "risk: batch of n equals n single calls", "row %zu: rc %d or different output",
          bad, rc);

    /* first/n offsets: rows [5, 9) land in out[0..3] and nothing past. */
    for (size_t i = 0; i <= N_ROWS; i++)
        other[i] = -7;
    rc = ops->score(inst, &b.records, 5, 4, other, NULL);
    ok = rc == BL_OK && memcmp(other, scores + 5, 4 * sizeof *other) == 0 && other[4] == -7;
    check(c, ok, "risk: first/n offsets respected",
          "score(first=5, n=4) returned %d; out[0..3] must equal rows 5..8 and out[4] untouched",
          rc);

    /* Same seed, same scores. */
    rc = create_instance(c, &hs2, &inst2);
    if (rc == BL_OK)
        rc = ops->score(inst2, &b.records, 0, N_ROWS, other, NULL);
    ok = rc == BL_OK && memcmp(scores, other, N_ROWS * sizeof *scores) == 0;
    check(c, ok, "risk: same seed gives same output", "second instance: rc %d or scores differ",
          rc);
out:
    if (inst2 != NULL)
        ops->destroy(inst2);
    if (inst != NULL)
        ops->destroy(inst);
}

/* ------------------------------------------------------------------ seizure store */

#define N_DEPOSIT 4

static bl_seizure_t seizure(const char *case_id, const char *location, uint32_t threat,
                            double quantity, double value, double time) {
    bl_seizure_t s;
    memset(&s, 0, sizeof s);
    s.threat = threat;
    s.quantity = quantity;
    s.value = value;
    s.time = time;
    snprintf(s.case_id, sizeof s.case_id, "%s", case_id);
    snprintf(s.description, sizeof s.description, "conformance item %s/%g", case_id, quantity);
    snprintf(s.unit, sizeof s.unit, "kg");
    snprintf(s.officer, sizeof s.officer, "officer-7");
    snprintf(s.location, sizeof s.location, "%s", location);
    return s;
}

static int same_fields(const bl_seizure_t *a, const bl_seizure_t *b) {
    return a->threat == b->threat && a->quantity == b->quantity && a->value == b->value &&
           strcmp(a->case_id, b->case_id) == 0 && strcmp(a->description, b->description) == 0 &&
           strcmp(a->unit, b->unit) == 0 && strcmp(a->officer, b->officer) == 0 &&
           strcmp(a->location, b->location) == 0;
}

static size_t count_all(const bl_store_ops_t *ops, void *inst) {
    size_t n = (size_t)-1;
    if (ops->list(inst, NULL, NULL, NULL, 0, &n) != BL_OK)
        return (size_t)-1;
    return n;
}

/*
 * The operation sequence shared by the store checks and the determinism
 * check: one deposit, then a batch of N_DEPOSIT.  ids gets 1 + N_DEPOSIT ids.
 */
static void deposit_items(bl_seizure_t items[1 + N_DEPOSIT]) {
    items[0] = seizure("CASE-1", "VAULT-A", BL_THREAT_DRUGS, 1.25, 5000, 10);
    items[1] = seizure("CASE-1", "VAULT-B", BL_THREAT_CIGARETTES, 200, 1200, 11);
    items[2] = seizure("CASE-2", "VAULT-A", BL_THREAT_CURRENCY, 3, 30000, 12);
    items[3] = seizure("CASE-2", "VAULT-B", BL_THREAT_FIREARM, 1, 800, 13);
    items[4] = seizure("CASE-1", "VAULT-A", BL_THREAT_DRUGS, 0.5, 2000, 14);
}

static void check_store(conf_t *c) {
    const bl_store_ops_t *ops = c->desc->store;
    bl_host_services_t hs, hs2;
    void *inst = NULL, *inst2 = NULL;
    bl_seizure_t items[1 + N_DEPOSIT], got;
    uint64_t ids[1 + N_DEPOSIT], ids2[1 + N_DEPOSIT], listed[8];
    size_t n = 0, ops_count = 0;
    int rc, ok;

    deposit_items(items);
    rc = create_instance(c, &hs, &inst);
    if (!check(c, rc == BL_OK, "store: create", "create returned %d (%s)", rc, bl_error_name(rc)))
        goto out;

    rc = ops->deposit(inst, items, 0, ids);
    check(c, rc == BL_OK && count_all(ops, inst) == 0, "store: empty deposit batch",
          "deposit(n=0) returned %d, store holds %zu items", rc, count_all(ops, inst));

    rc = ops->deposit(inst, items, 1, ids);
    if (!check(c, rc == BL_OK && ids[0] != 0, "store: deposit one", "deposit returned %d, id %llu",
               rc, (unsigned long long)ids[0]))
        goto out;
    ops_count++;
    rc = ops->deposit(inst, items + 1, N_DEPOSIT, ids + 1);
    if (!check(c, rc == BL_OK, "store: deposit batch of 4", "deposit returned %d (%s)", rc,
               bl_error_name(rc)))
        goto out;
    ops_count += N_DEPOSIT;

    ok = 1;
    for (size_t i = 0; i < 1 + N_DEPOSIT; i++)
        for (size_t j = 0; j < i; j++)
            ok = ok && ids[i] != ids[j] && ids[i] != 0;
    check(c, ok, "store: ids distinct", "two deposits got the same id (or id 0)");

    ok = 1;
    size_t bad = 0;
    for (size_t i = 0; ok && i < 1 + N_DEPOSIT; i++) {
        rc = ops->get(inst, ids[i], &got);
        ok = rc == BL_OK && got.id == ids[i] && got.state == BL_SEIZURE_STORED &&
             same_fields(&got, &items[i]);
        bad = i;
    }
    check(c, ok, "store: get returns what was deposited",
          "item %zu (id %llu): rc %d or fields differ", bad, (unsigned long long)ids[bad], rc);

    rc = ops->list(inst, "CASE-1", NULL, listed, 8, &n);
    check(c,
          rc == BL_OK && n == 3 && listed[0] == ids[0] && listed[1] == ids[1] &&
              listed[2] == ids[4],
          "store: list by case", "rc %d, %zu matches (want 3, in deposit order)", rc, n);
    rc = ops->list(inst, NULL, "VAULT-B", listed, 8, &n);
    check(c, rc == BL_OK && n == 2 && listed[0] == ids[1] && listed[1] == ids[3],
          "store: list by location", "rc %d, %zu matches (want 2, in deposit order)", rc, n);
    rc = ops->list(inst, "CASE-1", "VAULT-A", listed, 1, &n);
    check(c, rc == BL_OK && n == 2 && listed[0] == ids[0],
          "store: list by case and location past capacity",
          "rc %d, total %zu (want 2 with 1 id written)", rc, n);

    /* State changes. */
    c->clock = 20;
    rc = ops->move(inst, ids[2], "VAULT-C", "officer-9", 20);
    ok = rc == BL_OK && ops->get(inst, ids[2], &got) == BL_OK &&
         strcmp(got.location, "VAULT-C") == 0 && got.state == BL_SEIZURE_STORED;
    ops_count += rc == BL_OK;
    check(c, ok, "store: move", "move returned %d or location not updated", rc);
    rc = ops->retrieve(inst, ids[3], BL_PURPOSE_LAB, "officer-9", 21);
    ok = rc == BL_OK && ops->get(inst, ids[3], &got) == BL_OK && got.state == BL_SEIZURE_RETRIEVED;
    ops_count += rc == BL_OK;
    check(c, ok, "store: retrieve", "retrieve returned %d or state not RETRIEVED", rc);
    rc = ops->dispose(inst, ids[4], "officer-9", 22);
    ok = rc == BL_OK && ops->get(inst, ids[4], &got) == BL_OK && got.state == BL_SEIZURE_DISPOSED;
    ops_count += rc == BL_OK;
    check(c, ok, "store: dispose", "dispose returned %d or state not DISPOSED", rc);

    /* Refused input writes nothing.  The plugin may log; keep it quiet. */
    int level = hs.log_level;
    hs.log_level = -1;
    size_t before = count_all(ops, inst);
    bl_seizure_t bad_items[2] = {seizure("CASE-3", "VAULT-A", BL_THREAT_DRUGS, 1, 1, 30),
                                 seizure("", "VAULT-A", BL_THREAT_DRUGS, 1, 1, 30)};
    uint64_t bad_ids[2];
    rc = ops->deposit(inst, bad_items + 1, 1, bad_ids);
    check(c, rc < 0 && count_all(ops, inst) == before, "store: empty case id refused",
          "deposit returned %d, items %zu -> %zu", rc, before, count_all(ops, inst));
    bad_items[1] = seizure("CASE-3", "VAULT-A", BL_THREAT_DRUGS, -2, 1, 30);
    rc = ops->deposit(inst, bad_items + 1, 1, bad_ids);
    check(c, rc < 0 && count_all(ops, inst) == before, "store: negative quantity refused",
          "deposit returned %d, items %zu -> %zu", rc, before, count_all(ops, inst));
    rc = ops->deposit(inst, bad_items, 2, bad_ids);
    check(c, rc < 0 && count_all(ops, inst) == before,
          "store: batch with one bad item writes nothing", "deposit returned %d, items %zu -> %zu",
          rc, before, count_all(ops, inst));
    rc = ops->move(inst, ids[4], "VAULT-Z", "officer-9", 31);
    ok = rc < 0 && ops->get(inst, ids[4], &got) == BL_OK && strcmp(got.location, "VAULT-A") == 0;
    check(c, ok, "store: move of a disposed item refused", "move returned %d", rc);
    rc = ops->retrieve(inst, ids[4], BL_PURPOSE_COURT, "officer-9", 31);
    check(c, rc < 0, "store: retrieve of a disposed item refused", "retrieve returned %d", rc);
    rc = ops->get(inst, ids[0] + ids[1] + ids[2] + ids[3] + ids[4] + 1000, &got);
    check(c, rc < 0, "store: get of an unknown id refused", "get returned %d", rc);
    hs.log_level = level;

    bl_custody_report_t report;
    memset(&report, 0xff, sizeof report);
    rc = ops->verify(inst, &report);
    check(c, rc == BL_OK && report.entries == ops_count && report.first_bad == 0,
          "store: custody chain verifies",
          "verify returned %d, %llu entries (want %zu), first bad %llu", rc,
          (unsigned long long)report.entries, ops_count, (unsigned long long)report.first_bad);
    rc = ops->sync(inst);
    check(c, rc == BL_OK, "store: sync", "sync returned %d", rc);

    /* Same seed, same ids.  A store that keeps its data in the file named by
     * its `path` setting (store/sqlite) would continue the first instance's
     * ids there: the second instance gets its own new file, path + ".seed2". */
    const char *path = bl_config_get(&c->config, "path");
    const char *keys2[64], *values2[64];
    char path2[4096];
    bl_config_t saved = c->config;
    if (path != NULL && c->config.n <= 64 &&
        snprintf(path2, sizeof path2, "%s.seed2", path) < (int)sizeof path2) {
        for (size_t i = 0; i < c->config.n; i++) {
            keys2[i] = c->config.keys[i];
            values2[i] = strcmp(c->config.keys[i], "path") == 0 ? path2 : c->config.values[i];
        }
        c->config = (bl_config_t){saved.n, keys2, values2};
    }
    rc = create_instance(c, &hs2, &inst2);
    c->config = saved;
    if (rc == BL_OK)
        rc = ops->deposit(inst2, items, 1, ids2);
    if (rc == BL_OK)
        rc = ops->deposit(inst2, items + 1, N_DEPOSIT, ids2 + 1);
    ok = rc == BL_OK && memcmp(ids, ids2, sizeof ids) == 0;
    check(c, ok, "store: same seed gives same ids", "second instance: rc %d or ids differ", rc);
out:
    if (inst2 != NULL)
        ops->destroy(inst2);
    if (inst != NULL)
        ops->destroy(inst);
}

/* ------------------------------------------------------------------ entry */

int bl_conformance_run(const char *path, size_t n_config, const char *const *config_keys,
                       const char *const *config_values, FILE *out, bl_conformance_result_t *result,
                       bl_error_t *err) {
    bl_plugin_handle_t h;
    conf_t c;
    int rc;

    result->passed = result->failed = 0;
    if (out == NULL)
        out = stdout;
    if (n_config > 0 && (config_keys == NULL || config_values == NULL))
        return bl_error_set(err, BL_EINVAL, "conformance: config keys or values missing");
    /* A file is checked in a plugin host process, never opened here; the
     * instances share one child so that state a library keeps in globals
     * shows between them, and failures are returned, not absorbed. */
    bl_isolation_opts_t iso;
    bl_isolation_defaults(&iso);
    iso.strict = true;
    iso.shared_child = true;
    iso.max_failures = UINT32_MAX;
    /* writable=DIR is the harness's, not the plugin's: the folder a store
     * may keep its database in (as in a scenario's bl.plugin{}). */
    const char **keys = calloc(n_config + 1, sizeof *keys);
    const char **values = calloc(n_config + 1, sizeof *values);
    size_t n = 0;
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return bl_error_set(err, BL_ENOMEM, "conformance: out of memory");
    }
    for (size_t i = 0; i < n_config; i++) {
        if (strcmp(config_keys[i], "writable") == 0) {
            size_t used = strlen(iso.writable);
            snprintf(iso.writable + used, sizeof iso.writable - used, "%s%s", used ? ":" : "",
                     config_values[i]);
            continue;
        }
        keys[n] = config_keys[i];
        values[n++] = config_values[i];
    }
    rc = bl_plugin_open(&h, path, path, 0, BL_ISOLATION_DEFAULT, &iso, err);
    if (rc != BL_OK) {
        free(keys);
        free(values);
        return rc;
    }

    memset(&c, 0, sizeof c);
    c.out = out;
    c.result = result;
    c.desc = h.desc;
    c.config = (bl_config_t){n, keys, values};

    char name[256];
    snprintf(name, sizeof name, "load %s %s (%s, sha256 %.16s...)", h.desc->header.id,
             h.desc->header.version, bl_plugin_kind_name((int)h.desc->header.kind), h.sha256);
    check(&c, 1, name, " ");

    check_lifecycle(&c);
    switch (h.desc->header.kind) {
    case BL_KIND_DETECTOR:
        check_detector(&c);
        break;
    case BL_KIND_RISK:
        check_risk(&c);
        break;
    default:
        check_store(&c);
        break;
    }
    /* How its plugin host process failed, when it did: a check above only
     * saw BL_EPLUGIN. */
    size_t n_failures = 0;
    const bl_plugin_failure_t *f = bl_isolated_failures(h.isolated, &n_failures);
    for (size_t i = 0; i < n_failures; i++) {
        char what[160];
        fprintf(out, "# a %s call (from item %" PRIu64 ") failed in the plugin host process: %s\n",
                bl_plugin_verb_name(f[i].verb), f[i].item,
                bl_failure_describe(&f[i], what, sizeof what));
    }
    /* What the library printed (its stdout, stderr and host log) in its
     * plugin host process: the vendor's own account of the checks. */
    char *log = h.isolated != NULL ? bl_isolated_log(h.isolated) : NULL;
    if (log != NULL && log[0] != '\0') {
        fprintf(out, "# the plugin's own output, from its plugin host process (%s):\n",
                bl_isolated_opts(h.isolated)->writable[0] ? "sandboxed, with writable folders"
                                                          : "sandboxed");
        for (char *line = log, *end; *line != '\0'; line = end + (*end != '\0')) {
            end = line + strcspn(line, "\n");
            fprintf(out, "log | %.*s\n", (int)(end - line), line);
        }
    }
    free(log);
    bl_plugin_unload(&h);
    free(keys);
    free(values);
    return BL_OK;
}
