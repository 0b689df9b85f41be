/*
 * borderlab.density: reference single-energy "dense region" detector.
 *
 * It is the opposite design to borderlab.dual_energy, so that comparing
 * the two means something.  It never reads the low-energy image (it works
 * on single-energy scans as on dual-energy ones) and so cannot tell an
 * organic block from a metal one: it alarms on whatever stands out as
 * dense against its local surroundings.  That makes it sensitive (a drugs
 * brick, a slab of explosive, a carton of cigarettes, a knife, a gun: all
 * are dense) and unspecific (a laptop, a full bottle, a folded coat and a
 * hairdryer are dense too), and its class labels come from shape alone.
 *
 * Per pixel, A = -ln(high) (a CT volume, depth > 1, is first projected
 * along depth: sum of mu * voxel length, mu in 1/cm).  Pixels with
 * A < min_attenuation are air around the bag and take no part.
 *
 *  1. B0, the bag's typical attenuation: the median A of the bag pixels.
 *  2. Pixels with A - B0 >= excess are provisional dense pixels.
 *  3. The local background B(x, y) is the mean A of the bag pixels that
 *     are not provisional dense pixels within a background_mm square
 *     window (two integral images, sum and count, so any window costs the
 *     same), shrunk toward B0 with the weight of PRIOR_PIXELS pixels so
 *     that a window with few such pixels (inside a large slab, at the bag's
 *     edge) falls back on the bag's typical value.  Leaving the dense
 *     pixels out keeps a large slab from raising its own background.
 *  4. Dense pixels: A - B >= excess.  They are grouped into 4-connected
 *     components (iterative flood fill); one of at least min_area cm^2
 *     becomes a detection.
 *
 * Features of a component: area (cm^2, from pixel_mm; 1 mm is assumed when
 * the scan does not say), mean excess over B, mean A, elongation (square
 * root of the ratio of the eigenvalues of its second moments: 1 for a disc
 * or a square, ~6 for a knife blade) and fill (area over its box).
 *
 * Classes, from shape and absolute density only (documented choice):
 *   elongation >= knife_elongation            KNIFE   (blades, bars, rods)
 *   mean A >= very_dense, firearm_area <= area <= 5 firearm_area and
 *   fill <= 0.6                               FIREARM (a hand-sized, very dense,
 *                                                      irregular shape: an L)
 *   anything else                             METAL   (BL_THREAT_METAL is the
 *                                                      ABI's "unspecified dense
 *                                                      object"; a slab of drugs
 *                                                      is reported as this too)
 * So its per-class scores for drugs, cigarettes and explosives are always
 * 0: compare it with other detectors on the "any threat" row.
 *
 * Confidence is graded, so the ROC sweeps a curve: a logistic of
 *   z = 3 (mean excess - alarm_excess) + 3 (mean A - alarm_attenuation)
 *       + 0.3 ln(area / alarm_area)
 * (a component with the three at their defaults, 0.8, 1.25 and 20 cm^2,
 * scores 0.5).  The defaults come from the bags of core/gen/xray.c (512 x 512,
 * clutter 0.5), where a clean bag's densest component has a median excess
 * of 0.85 and mean A of 1.2: laptops, bottles, shoes and piles of clothes
 * reach that, so at 0.5 it alarms on most clean bags and nearly every bag
 * with a threat.  Raise alarm_excess to trade detections for false alarms.
 *
 * Threading: detect() may be called from several threads on one instance
 * (BL_FLAG_THREAD_SAFE).  Scratch memory (attenuation, background,
 * labels, flood-fill stack, integral images: about 24 bytes a pixel) lives
 * in SLOTS per-instance slots, each claimed with an atomic flag and grown
 * as needed, so a 512 x 512 scan costs no allocation after the first; a
 * call that finds every slot busy allocates its own and frees it.  No
 * randomness: output depends on the pixels only (BL_FLAG_DETERMINISTIC).
 *
 * Config keys (all optional, positive numbers):
 *   min_attenuation (0.05)  A below this is air, not bag
 *   excess (0.4)            A above the local background to count as dense
 *   background_mm (250)     side of the local background window
 *   min_area (2, cm^2)      smallest component reported
 *   knife_elongation (3)    elongation from which a component is a KNIFE
 *   very_dense (1.6)        mean A from which a compact component is metal-like
 *   firearm_area (40, cm^2) smallest FIREARM
 *   alarm_excess (0.8), alarm_attenuation (1.25), alarm_area (20, cm^2)
 *                           where the confidence crosses 0.5 (above)
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"

#define SLOTS 16
#define PRIOR_PIXELS 64.0
/* Median histogram: attenuations in bins of 1/HIST_PER_UNIT up to HIST_BINS. */
#define HIST_PER_UNIT 64.0
#define HIST_BINS 512

enum { PX_NONE = 0, PX_DENSE = 1, PX_SEEN = 2 };

/* Per-call working memory for scans of up to `pixels` pixels. */
typedef struct scratch {
    size_t pixels;   /* capacity in pixels (width * height) */
    size_t integral; /* capacity of the integral images, (w + 1) * (h + 1) */
    float *att;      /* A per pixel */
    float *bg;       /* local background per pixel */
    uint8_t *cls;    /* PX_* */
    uint32_t *stack; /* flood fill */
    double *isum;    /* integral image of background A */
    uint32_t *icnt;  /* integral image of background pixel counts */
} scratch_t;

typedef struct detector {
    const bl_host_t *host;
    double min_attenuation;
    double excess;
    double background_mm;
    double min_area;
    double knife_elongation;
    double very_dense;
    double firearm_area;
    double alarm_excess;
    double alarm_attenuation;
    double alarm_area;
    atomic_flag busy[SLOTS];
    scratch_t slot[SLOTS];
} detector_t;

/* Read a positive number from config into *dst (left unchanged when absent). */
static int config_number(const bl_config_t *config, const bl_host_t *host, const char *key,
                         double *dst) {
    const char *s = bl_config_get(config, key);
    double v;
    if (s == NULL)
        return BL_OK;
    if (bl_parse_number(s, &v) != BL_OK || v <= 0) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "borderlab.density: config %s = \"%s\": expected a positive number", key, s);
        return BL_EINVAL;
    }
    *dst = v;
    return BL_OK;
}

static void scratch_free(const bl_host_t *host, scratch_t *s) {
    host->free(host->ctx, s->att);
    host->free(host->ctx, s->bg);
    host->free(host->ctx, s->cls);
    host->free(host->ctx, s->stack);
    host->free(host->ctx, s->isum);
    host->free(host->ctx, s->icnt);
    memset(s, 0, sizeof *s);
}

/* Make s hold a w x h scan; BL_ENOMEM leaves it empty. */
static int scratch_reserve(const bl_host_t *host, scratch_t *s, size_t w, size_t h) {
    size_t np = w * h, ni = (w + 1) * (h + 1);
    if (np <= s->pixels && ni <= s->integral)
        return BL_OK;
    scratch_free(host, s);
    s->att = host->alloc(host->ctx, np * sizeof *s->att);
    s->bg = host->alloc(host->ctx, np * sizeof *s->bg);
    s->cls = host->alloc(host->ctx, np);
    s->stack = host->alloc(host->ctx, np * sizeof *s->stack);
    s->isum = host->alloc(host->ctx, ni * sizeof *s->isum);
    s->icnt = host->alloc(host->ctx, ni * sizeof *s->icnt);
    if (s->att == NULL || s->bg == NULL || s->cls == NULL || s->stack == NULL || s->isum == NULL ||
        s->icnt == NULL) {
        scratch_free(host, s);
        return BL_ENOMEM;
    }
    s->pixels = np;
    s->integral = ni;
    return BL_OK;
}

static int dn_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    detector_t *d;
    int rc = BL_OK;

    if (instance == NULL)
        return BL_EINVAL;
    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    d = host->alloc(host->ctx, sizeof *d);
    if (d == NULL)
        return BL_ENOMEM;
    memset(d, 0, sizeof *d);
    d->host = host;
    d->min_attenuation = 0.05;
    d->excess = 0.4;
    d->background_mm = 250.0;
    d->min_area = 2.0;
    d->knife_elongation = 3.0;
    d->very_dense = 1.6;
    d->firearm_area = 40.0;
    d->alarm_excess = 0.8;
    d->alarm_attenuation = 1.25;
    d->alarm_area = 20.0;
    for (int i = 0; i < SLOTS; i++)
        atomic_flag_clear(&d->busy[i]);
    if ((rc = config_number(config, host, "min_attenuation", &d->min_attenuation)) != BL_OK ||
        (rc = config_number(config, host, "excess", &d->excess)) != BL_OK ||
        (rc = config_number(config, host, "background_mm", &d->background_mm)) != BL_OK ||
        (rc = config_number(config, host, "min_area", &d->min_area)) != BL_OK ||
        (rc = config_number(config, host, "knife_elongation", &d->knife_elongation)) != BL_OK ||
        (rc = config_number(config, host, "very_dense", &d->very_dense)) != BL_OK ||
        (rc = config_number(config, host, "firearm_area", &d->firearm_area)) != BL_OK ||
        (rc = config_number(config, host, "alarm_excess", &d->alarm_excess)) != BL_OK ||
        (rc = config_number(config, host, "alarm_attenuation", &d->alarm_attenuation)) != BL_OK ||
        (rc = config_number(config, host, "alarm_area", &d->alarm_area)) != BL_OK)
        goto out;
    if (d->knife_elongation < 1.0) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "borderlab.density: config knife_elongation = %g: an elongation is at "
                     "least 1 (a disc); give 1 or more (default 3)",
                     d->knife_elongation);
        rc = BL_EINVAL;
        goto out;
    }
    *instance = d;
    return BL_OK;
out:
    host->free(host->ctx, d);
    return rc;
}

static void dn_destroy(void *instance) {
    detector_t *d = instance;
    if (d == NULL)
        return;
    for (int i = 0; i < SLOTS; i++)
        scratch_free(d->host, &d->slot[i]);
    d->host->free(d->host->ctx, d);
}

/* Attenuation of a transmission value; invalid values count as no attenuation. */
static float attenuation(float t) {
    if (!(t > 0.0f))
        return t == 0.0f ? 13.8155f : 0.0f; /* 0 -> opaque (-ln 1e-6); NaN or < 0 -> ignored */
    if (t >= 1.0f)
        return 0.0f;
    return -logf(t < 1e-6f ? 1e-6f : t);
}

/* Fill att with A (or the CT projection); return the bag's median A (B0). */
static double attenuation_image(const bl_scan_t *s, size_t np, size_t depth, double min_att,
                                float *att) {
    unsigned hist[HIST_BINS] = {0}, counted = 0;
    if (depth > 1) {
        double cm = (s->pixel_mm > 0 ? s->pixel_mm : 1.0) / 10.0;
        for (size_t p = 0; p < np; p++) {
            double sum = 0;
            for (size_t z = 0; z < depth; z++) {
                float mu = s->high[z * np + p];
                if (isfinite(mu) && mu > 0)
                    sum += mu * cm;
            }
            att[p] = (float)sum;
        }
    } else {
        for (size_t p = 0; p < np; p++)
            att[p] = attenuation(s->high[p]);
    }
    for (size_t p = 0; p < np; p++) {
        double a = att[p];
        if (a >= min_att) {
            double bin = a * HIST_PER_UNIT;
            hist[bin < HIST_BINS ? (size_t)bin : HIST_BINS - 1]++;
            counted++;
        }
    }
    for (unsigned i = 0, below = 0; counted > 0 && i < HIST_BINS; i++) {
        below += hist[i];
        if (2 * below >= counted)
            return (i + 0.5) / HIST_PER_UNIT;
    }
    return 0.0;
}

/*
 * Local background of every pixel into bg (see the file comment, step 3),
 * and the dense pixels (A - bg >= excess) into cls.
 */
static void background(const detector_t *d, const bl_scan_t *s, double b0, scratch_t *k) {
    size_t w = s->width, h = s->height, w1 = w + 1;
    double mm = s->pixel_mm > 0 ? s->pixel_mm : 1.0;
    double r_px = floor(d->background_mm / mm / 2.0);
    size_t r = r_px < 1 ? 1 : r_px > (double)(w > h ? w : h) ? (w > h ? w : h) : (size_t)r_px;

    /* Integral images over bag pixels that are not provisionally dense. */
    memset(k->isum, 0, w1 * sizeof *k->isum);
    memset(k->icnt, 0, w1 * sizeof *k->icnt);
    for (size_t y = 0; y < h; y++) {
        double row_sum = 0;
        uint32_t row_cnt = 0;
        const float *a = k->att + y * w;
        double *is = k->isum + (y + 1) * w1;
        uint32_t *ic = k->icnt + (y + 1) * w1;
        is[0] = 0;
        ic[0] = 0;
        for (size_t x = 0; x < w; x++) {
            if (a[x] >= d->min_attenuation && a[x] - b0 < d->excess) {
                row_sum += a[x];
                row_cnt++;
            }
            is[x + 1] = is[x + 1 - w1] + row_sum;
            ic[x + 1] = ic[x + 1 - w1] + row_cnt;
        }
    }
    for (size_t y = 0; y < h; y++) {
        size_t y0 = y > r ? y - r : 0, y1 = y + r + 1 < h ? y + r + 1 : h;
        for (size_t x = 0; x < w; x++) {
            size_t x0 = x > r ? x - r : 0, x1 = x + r + 1 < w ? x + r + 1 : w;
            size_t p = y * w + x;
            double sum = k->isum[y1 * w1 + x1] - k->isum[y0 * w1 + x1] - k->isum[y1 * w1 + x0] +
                         k->isum[y0 * w1 + x0];
            double cnt = (double)(k->icnt[y1 * w1 + x1] - k->icnt[y0 * w1 + x1] -
                                  k->icnt[y1 * w1 + x0] + k->icnt[y0 * w1 + x0]);
            double bg = (sum + PRIOR_PIXELS * b0) / (cnt + PRIOR_PIXELS);
            k->bg[p] = (float)bg;
            k->cls[p] =
                k->att[p] >= d->min_attenuation && k->att[p] - bg >= d->excess ? PX_DENSE : PX_NONE;
        }
    }
}

static double logistic(double z) { return 1.0 / (1.0 + exp(-z)); }

/* Append a detection; BL_ENOSPC when out is full. */
static int emit(bl_detections_t *out, uint32_t index, uint32_t threat, double conf,
                const uint32_t box[4]) {
    if (out->count >= out->capacity)
        return BL_ENOSPC;
    bl_detection_t *det = &out->items[out->count++];
    det->scan = index;
    det->threat = threat;
    det->confidence = (float)(isfinite(conf) ? conf : 0.0);
    for (int i = 0; i < 4; i++)
        det->box[i] = (float)box[i];
    return BL_OK;
}

/* Group the dense pixels of k->cls into components; append the detections. */
static int components(const detector_t *d, const bl_scan_t *s, uint32_t index, scratch_t *k,
                      bl_detections_t *out) {
    size_t w = s->width, h = s->height, np = w * h;
    double mm = s->pixel_mm > 0 ? s->pixel_mm : 1.0, cm2 = mm * mm / 100.0;
    uint8_t *cls = k->cls;
    uint32_t *stack = k->stack;

    for (size_t start = 0; start < np; start++) {
        if (cls[start] != PX_DENSE)
            continue;
        size_t top = 0, area = 0;
        uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
        double sum_excess = 0, sum_att = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        stack[top++] = (uint32_t)start;
        cls[start] = PX_SEEN;
        while (top > 0) {
            uint32_t p = stack[--top];
            uint32_t x = (uint32_t)(p % w), y = (uint32_t)(p / w);
            area++;
            sum_att += k->att[p];
            sum_excess += k->att[p] - k->bg[p];
            sx += x;
            sy += y;
            sxx += (double)x * x;
            syy += (double)y * y;
            sxy += (double)x * y;
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
            if (x > 0 && cls[p - 1] == PX_DENSE) {
                cls[p - 1] = PX_SEEN;
                stack[top++] = p - 1;
            }
            if (x + 1 < w && cls[p + 1] == PX_DENSE) {
                cls[p + 1] = PX_SEEN;
                stack[top++] = p + 1;
            }
            if (y > 0 && cls[p - w] == PX_DENSE) {
                cls[p - w] = PX_SEEN;
                stack[top++] = p - (uint32_t)w;
            }
            if (y + 1 < h && cls[p + w] == PX_DENSE) {
                cls[p + w] = PX_SEEN;
                stack[top++] = p + (uint32_t)w;
            }
        }
        double n = (double)area, area_cm2 = n * cm2;
        if (area_cm2 < d->min_area)
            continue;

        /* Elongation from the second central moments (+1/12: a pixel's own extent). */
        double mx = sx / n, my = sy / n;
        double cxx = sxx / n - mx * mx + 1.0 / 12, cyy = syy / n - my * my + 1.0 / 12;
        double cxy = sxy / n - mx * my;
        double tr = cxx + cyy, disc = sqrt((cxx - cyy) * (cxx - cyy) + 4 * cxy * cxy);
        double l1 = (tr + disc) / 2, l2 = (tr - disc) / 2;
        double elongation = l2 > 1e-12 ? sqrt(l1 / l2) : 1e6;
        double fill = n / ((double)(x1 - x0 + 1) * (double)(y1 - y0 + 1));
        double mean_att = sum_att / n, mean_excess = sum_excess / n;

        uint32_t threat = BL_THREAT_METAL;
        if (elongation >= d->knife_elongation)
            threat = BL_THREAT_KNIFE;
        else if (mean_att >= d->very_dense && area_cm2 >= d->firearm_area &&
                 area_cm2 <= 5 * d->firearm_area && fill <= 0.6)
            threat = BL_THREAT_FIREARM;

        double z = 3.0 * (mean_excess - d->alarm_excess) + 3.0 * (mean_att - d->alarm_attenuation) +
                   0.3 * log(area_cm2 / d->alarm_area);
        uint32_t box[4] = {x0, y0, x1 + 1, y1 + 1};
        int rc = emit(out, index, threat, logistic(z), box);
        if (rc != BL_OK)
            return rc;
    }
    return BL_OK;
}

/* Inspect one scan with scratch k; append its detections tagged with index. */
static int detect_one(const detector_t *d, const bl_scan_t *s, uint32_t index, scratch_t *k,
                      bl_detections_t *out) {
    size_t w = s->width, h = s->height, depth = s->depth == 0 ? 1 : s->depth;
    int rc;

    if (w == 0 || h == 0)
        return BL_OK;
    if (s->high == NULL || (s->energies != 1 && s->energies != 2) ||
        w >= UINT32_MAX / h) { /* pixel indices are 32-bit */
        bl_host_logf(d->host, BL_LOG_ERROR,
                     "borderlab.density: scan %u is invalid (no high-energy image, energies %u "
                     "not 1 or 2, or %zu x %zu is too large): fix the scan source",
                     index, s->energies, w, h);
        return BL_EINVAL;
    }
    rc = scratch_reserve(d->host, k, w, h);
    if (rc != BL_OK) {
        bl_host_logf(d->host, BL_LOG_ERROR,
                     "borderlab.density: out of memory for a %zu x %zu scan (about %zu MB)", w, h,
                     (w + 1) * (h + 1) * 24 / 1000000);
        return rc;
    }
    double b0 = attenuation_image(s, w * h, depth, d->min_attenuation, k->att);
    background(d, s, b0, k);
    return components(d, s, index, k, out);
}

/* Claim a free scratch slot, or NULL when all are busy. */
static scratch_t *claim(detector_t *d, int *slot) {
    for (int i = 0; i < SLOTS; i++)
        if (!atomic_flag_test_and_set_explicit(&d->busy[i], memory_order_acquire)) {
            *slot = i;
            return &d->slot[i];
        }
    *slot = -1;
    return NULL;
}

static int dn_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    detector_t *d = instance;
    scratch_t own = {0}, *k;
    int slot, rc = BL_OK;

    if (d == NULL || (n > 0 && (scans == NULL || out == NULL)) || n > UINT32_MAX)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    k = claim(d, &slot);
    if (k == NULL)
        k = &own; /* more concurrent callers than slots: this call's own scratch */
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        if (scans[i].size < sizeof(bl_scan_t)) {
            bl_host_logf(d->host, BL_LOG_ERROR,
                         "borderlab.density: scan %zu has size %u, smaller than bl_scan_t (%zu): "
                         "rebuild the host against this plugin's headers",
                         i, scans[i].size, sizeof(bl_scan_t));
            rc = BL_EINVAL;
            break;
        }
        rc = detect_one(d, &scans[i], (uint32_t)i, k, out);
    }
    if (slot >= 0)
        atomic_flag_clear_explicit(&d->busy[slot], memory_order_release);
    else
        scratch_free(d->host, &own);
    return rc;
}

static const bl_detector_ops_t ops = {
    sizeof(bl_detector_ops_t),
    dn_create,
    dn_detect,
    dn_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "borderlab.density", "Single-energy dense-region detector", "borderlab",
                     "0.1.0"),
    &ops,
    NULL,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
