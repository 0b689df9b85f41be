/*
 * borderlab.dual_energy: reference dual-energy X-ray detector.
 *
 * Per pixel, attenuation A = -ln(transmission) at each energy.  The ratio
 * R = A_low / A_high depends on the effective atomic number of what the
 * beam crossed, not on its thickness: from mass attenuation coefficients at
 * typical low/high energies, organics (C, H, N, O) give R ~ 1.2-1.5
 * (0.206/0.150 ~ 1.37), aluminium and glass ~ 2.0 (0.278/0.138), lead ~ 2.6
 * but absorbs almost everything, iron ~ 6 (1.205/0.196).  So:
 *
 *   A_high < min_attenuation                 background or noise, ignored
 *   R >= metal_ratio (3) or A_high >= opaque metal (iron/steel, or anything the
 *                                            beam barely crosses, e.g. lead)
 *   R < organic_ratio (1.7) and A_high - B >= dense_organic
 *                                            a thick block of organic matter
 *
 * where B is the bag's typical attenuation, the median A_high of the pixels
 * with any attenuation at all: clothes and books are organic too, and a
 * packed bag is as thick as a drugs package, so what marks contraband is
 * a block that stands out from the rest of the bag.
 *
 * Threat pixels are grouped into 4-connected components (iterative flood
 * fill, no recursion); a component of at least min_area pixels becomes a
 * detection: metal -> FIREARM when large and elongated (bounding box aspect
 * >= 2.5, or at most half filled, like an L), else METAL; dense
 * organic -> CIGARETTES when a large, nearly rectangular block, else DRUGS.
 * Confidence is a logistic of the component's mean attenuation above its
 * class threshold (for organics, the mean excess over B) and of its size:
 * for metal, the area over min_area; for organics, the footprint in cm^2
 * over organic_area (when the scan gives a pixel size), since a toiletry
 * bottle or a fold of clothes makes small dense patches and contraband
 * comes in brick-sized blocks or larger.  Single-energy scans use
 * attenuation alone (A_high >= single_attenuation -> METAL); a CT volume
 * (depth > 1) is projected along depth first (sum of mu * voxel length,
 * mu in 1/cm).
 *
 * On the synthetic bags of core/scan_synth.c (600 mm in 64 x 64 pixels) at
 * confidence 0.5 this alarms on about 1 clean bag in 10 (keys, bottles,
 * piles of clothes) and on nearly every firearm, knife, metal object, drugs
 * and cigarette load, most explosives and few currency bundles
 * (tests/unit/test_detector.c measures it).
 *
 * The instance holds only its configuration, so detect() is thread-safe and
 * needs no randomness; scans up to 64 x 64 are worked on in stack buffers.
 * Config keys (all optional, numbers):
 *   min_attenuation (0.3), min_area (12, pixels), metal_ratio (3.0),
 *   organic_ratio (1.7), opaque (3.0), dense_organic (0.65, above B),
 *   organic_area (150, cm^2), organic_slope (2.0), single_attenuation (1.6).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"

enum { PX_NONE = 0, PX_METAL = 1, PX_ORGANIC = 2 };

/* Scans of up to SMALL_SCAN pixels (64 x 64) are worked on in stack
 * buffers; larger ones in host memory. */
#define SMALL_SCAN 4096

/* Background histogram: attenuations from BG_MIN in bins of 1/BG_PER_UNIT. */
#define BG_MIN 0.02
#define BG_PER_UNIT 64.0
#define BG_BINS 256

typedef struct detector {
    const bl_host_t *host;
    double min_attenuation;
    double min_area;
    double metal_ratio;
    double organic_ratio;
    double opaque;
    double dense_organic;
    double single_attenuation;
    double organic_area;
    double organic_slope;
} detector_t;

/* Read a positive number from config into *dst (left unchanged when absent). */
static int config_number(const bl_config_t *config, const bl_host_t *host, const char *key,
                         double *dst) {
    const char *s = bl_config_get(config, key);
    double v;
    if (s == NULL)
        return BL_OK;
    if (bl_parse_number(s, &v) != BL_OK || v <= 0) {
        bl_host_logf(host, BL_LOG_ERROR, "config %s = \"%s\": expected a positive number", key, s);
        return BL_EINVAL;
    }
    *dst = v;
    return BL_OK;
}

static int de_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    detector_t *d;
    int rc = BL_OK;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    d = host->alloc(host->ctx, sizeof *d);
    if (d == NULL)
        return BL_ENOMEM;
    d->host = host;
    d->min_attenuation = 0.3;
    d->min_area = 12;
    d->metal_ratio = 3.0;
    d->organic_ratio = 1.7;
    d->opaque = 3.0;
    d->dense_organic = 0.65;
    d->single_attenuation = 1.6;
    d->organic_area = 150.0;
    d->organic_slope = 2.0;
    if ((rc = config_number(config, host, "min_attenuation", &d->min_attenuation)) != BL_OK ||
        (rc = config_number(config, host, "min_area", &d->min_area)) != BL_OK ||
        (rc = config_number(config, host, "metal_ratio", &d->metal_ratio)) != BL_OK ||
        (rc = config_number(config, host, "organic_ratio", &d->organic_ratio)) != BL_OK ||
        (rc = config_number(config, host, "opaque", &d->opaque)) != BL_OK ||
        (rc = config_number(config, host, "dense_organic", &d->dense_organic)) != BL_OK ||
        (rc = config_number(config, host, "single_attenuation", &d->single_attenuation)) != BL_OK ||
        (rc = config_number(config, host, "organic_area", &d->organic_area)) != BL_OK ||
        (rc = config_number(config, host, "organic_slope", &d->organic_slope)) != BL_OK)
        goto out;
    if (d->min_area != floor(d->min_area)) {
        bl_host_logf(host, BL_LOG_ERROR, "config min_area = %g: expected a whole number of pixels",
                     d->min_area);
        rc = BL_EINVAL;
        goto out;
    }
    *instance = d;
    return BL_OK;
out:
    host->free(host->ctx, d);
    return rc;
}

static void de_destroy(void *instance) {
    detector_t *d = instance;
    if (d != NULL)
        d->host->free(d->host->ctx, d);
}

/* Attenuation of a transmission value; invalid values count as no attenuation. */
static double attenuation(float t) {
    if (!(t > 0.0f))
        return t == 0.0f ? -log(1e-6) : 0.0; /* 0 -> opaque; NaN or < 0 -> ignored */
    if (t >= 1.0f)
        return 0.0;
    return -log(t < 1e-6f ? 1e-6 : (double)t);
}

static double logistic(double z) { return 1.0 / (1.0 + exp(-z)); }

/* Inspect one scan; append its detections to out tagged with index. */
static int detect_one(const detector_t *d, const bl_scan_t *s, uint32_t index,
                      bl_detections_t *out) {
    const bl_host_t *host = d->host;
    size_t w = s->width, h = s->height, depth = s->depth == 0 ? 1 : s->depth, np = 0;
    float *att = NULL;
    uint8_t *cls = NULL;
    uint32_t *stack = NULL;
    float small_att[SMALL_SCAN];
    uint8_t small_cls[SMALL_SCAN];
    uint32_t small_stack[SMALL_SCAN];
    int rc = BL_OK;

    if (w == 0 || h == 0)
        return BL_OK;
    if (s->high == NULL || (s->energies == 2 && depth == 1 && s->low == NULL) ||
        (s->energies != 1 && s->energies != 2) || w > UINT32_MAX / h) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "detect: scan %u is invalid (missing image, energies %u not 1 or 2, "
                     "or too large)",
                     index, s->energies);
        return BL_EINVAL;
    }
    np = w * h;
    if (np <= SMALL_SCAN) { /* the common case needs no allocation */
        att = small_att;
        cls = small_cls;
        stack = small_stack;
    } else {
        att = host->alloc(host->ctx, np * sizeof *att);
        cls = host->alloc(host->ctx, np);
        stack = host->alloc(host->ctx, np * sizeof *stack);
        if (att == NULL || cls == NULL || stack == NULL) {
            rc = BL_ENOMEM;
            goto out;
        }
    }

    /* Classify pixels. */
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
            cls[p] = sum >= d->single_attenuation ? PX_METAL : PX_NONE;
        }
    } else {
        /* The bag's typical attenuation (clothes and the shell), from a
         * histogram of the pixels the beam found something in: a dense
         * organic block is one that stands out from it. */
        unsigned hist[BG_BINS] = {0}, counted = 0;
        double background = 0.0;
        for (size_t p = 0; p < np; p++) {
            double ah = attenuation(s->high[p]);
            att[p] = (float)ah;
            if (ah >= BG_MIN) {
                hist[ah * BG_PER_UNIT < BG_BINS ? (size_t)(ah * BG_PER_UNIT) : BG_BINS - 1]++;
                counted++;
            }
        }
        for (unsigned i = 0, below = 0; counted > 0 && i < BG_BINS; i++) {
            below += hist[i];
            if (2 * below >= counted) {
                background = (i + 0.5) / BG_PER_UNIT;
                break;
            }
        }
        for (size_t p = 0; p < np; p++) {
            double ah = att[p];
            cls[p] = PX_NONE;
            if (ah < d->min_attenuation)
                continue;
            if (s->energies == 1) {
                if (ah >= d->single_attenuation)
                    cls[p] = PX_METAL;
                continue;
            }
            double r = attenuation(s->low[p]) / ah;
            if (r >= d->metal_ratio || ah >= d->opaque)
                cls[p] = PX_METAL;
            else if (r < d->organic_ratio && ah - background >= d->dense_organic) {
                cls[p] = PX_ORGANIC;
                att[p] = (float)(ah - background); /* organic blocks are scored on the excess */
            }
        }
    }

    /* 4-connected components in raster order; a visited pixel is reset to NONE. */
    for (size_t start = 0; start < np; start++) {
        uint8_t c = cls[start];
        if (c == PX_NONE)
            continue;
        size_t top = 0, area = 0;
        uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
        double sum = 0;
        stack[top++] = (uint32_t)start;
        cls[start] = PX_NONE;
        while (top > 0) {
            uint32_t p = stack[--top];
            uint32_t x = (uint32_t)(p % w), y = (uint32_t)(p / w);
            area++;
            sum += att[p];
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
            if (x > 0 && cls[p - 1] == c) {
                cls[p - 1] = PX_NONE;
                stack[top++] = p - 1;
            }
            if (x + 1 < w && cls[p + 1] == c) {
                cls[p + 1] = PX_NONE;
                stack[top++] = p + 1;
            }
            if (y > 0 && cls[p - w] == c) {
                cls[p - w] = PX_NONE;
                stack[top++] = p - (uint32_t)w;
            }
            if (y + 1 < h && cls[p + w] == c) {
                cls[p + w] = PX_NONE;
                stack[top++] = p + (uint32_t)w;
            }
        }
        if ((double)area < d->min_area)
            continue;

        double bw = (double)(x1 - x0 + 1), bh = (double)(y1 - y0 + 1);
        double aspect = bw > bh ? bw / bh : bh / bw;
        double fill = (double)area / (bw * bh);
        double mm = s->pixel_mm > 0 ? s->pixel_mm : 1.0;
        double mean = sum / (double)area, threshold;
        uint32_t threat;
        if (c == PX_METAL) {
            threshold = s->energies == 1 || depth > 1 ? d->single_attenuation : d->min_attenuation;
            /* Elongated (a barrel) or mostly empty box (barrel + grip, an L). */
            threat = (double)area >= 4 * d->min_area && (aspect >= 2.5 || fill <= 0.5)
                         ? BL_THREAT_FIREARM
                         : BL_THREAT_METAL;
        } else {
            threshold = d->dense_organic;
            threat = fill >= 0.9 && (double)area * mm * mm >= 20000.0 ? BL_THREAT_CIGARETTES
                                                                      : BL_THREAT_DRUGS;
        }
        double z = 2.0 * (mean - threshold) + 0.8 * log((double)area / d->min_area);
        if (c == PX_ORGANIC && s->pixel_mm > 0) {
            /* A bottle or a stack of clothes makes small dense patches;
             * contraband comes in blocks of a brick's footprint or more. */
            z = 3.0 * (mean - threshold) +
                d->organic_slope * log((double)area * mm * mm / 100.0 / d->organic_area);
        }
        double conf = logistic(z);
        if (!isfinite(conf))
            conf = z > 0 ? 1.0 : 0.0;

        if (out->count >= out->capacity) {
            rc = BL_ENOSPC;
            goto out;
        }
        bl_detection_t *det = &out->items[out->count++];
        det->scan = index;
        det->threat = threat;
        det->confidence = (float)conf;
        det->box[0] = (float)x0;
        det->box[1] = (float)y0;
        det->box[2] = (float)(x1 + 1);
        det->box[3] = (float)(y1 + 1);
    }
out:
    if (np > SMALL_SCAN) {
        host->free(host->ctx, stack);
        host->free(host->ctx, cls);
        host->free(host->ctx, att);
    }
    return rc;
}

static int de_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    const detector_t *d = instance;
    if (d == NULL || (n > 0 && (scans == NULL || out == NULL)))
        return BL_EINVAL;
    if (n > UINT32_MAX)
        return BL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (scans[i].size < sizeof(bl_scan_t)) {
            bl_host_logf(d->host, BL_LOG_ERROR,
                         "detect: scan %zu has size %u, smaller than bl_scan_t (%zu)", i,
                         scans[i].size, sizeof(bl_scan_t));
            return BL_EINVAL;
        }
        int rc = detect_one(d, &scans[i], (uint32_t)i, out);
        if (rc != BL_OK)
            return rc;
    }
    return BL_OK;
}

static const bl_detector_ops_t ops = {
    sizeof(bl_detector_ops_t),
    de_create,
    de_detect,
    de_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "borderlab.dual_energy", "Dual-energy material discrimination", "borderlab",
                     "0.1.0"),
    &ops,
    NULL,
    NULL,
};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host;
    return host_abi_major == BL_ABI_MAJOR ? &descriptor : NULL;
}
