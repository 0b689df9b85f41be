/*
 * borderlab.dual_energy: reference dual-energy X-ray detector.
 *
 * Per pixel, attenuation A = -ln(transmission) at each energy.  Two basis
 * materials explain any pixel's pair (A_low, A_high): organic matter
 * (polyethylene, mu/rho 0.1970 / 0.1534 cm^2/g at 60 / 150 keV) and iron
 * (1.205 / 0.1964), from NIST SRD 126 (Hubbell and Seltzer), the energies
 * of the reference scans.  Solving the 2 x 2 system gives each pixel's
 * organic and steel-equivalent mass thickness (g/cm^2), whatever lies
 * above or below on the ray: the ratio A_low / A_high that the
 * decomposition rests on is ~1.3 for organics, ~2.0 for aluminium, ~6 for
 * iron.  Aluminium and glass come out as ~0.1 g of steel per g; water, drug
 * powders and tobacco as 0.01-0.04.  Where almost nothing of the low
 * energy gets through (A_low >= saturated) the pixel is steel with
 * A_high / 0.1964 g/cm^2 (lead and thick steel).
 *
 *   metal   pixels with steel >= steel_min g/cm^2, 4-connected.  A
 *           component's steel beyond that of a thin sheet (grams: (mean -
 *           steel_min) x area; a laptop battery is a sheet) and its length
 *           (mm, from its second moments) make its score: z = max(3 ln(grams
 *           / metal_mass), 3 ln(length / metal_length) when its area is at
 *           least metal_area cm^2 and its mean at least blade_steel g/cm^2,
 *           scaled down for pixels coarser than 4 mm, which smear a blade),
 *           so keys, coins and buckles stay below 0.5 and a knife or a
 *           pistol does not.  Light and long -> KNIFE, heavy and long or
 *           L-shaped -> FIREARM, else METAL.
 *   organic pixels with organic mass >= dense_organic g/cm^2.  Clothes and
 *           books are organic too, and a packed bag has 2-6 g/cm^2 of them
 *           in places: what marks contraband is a large block of high
 *           density, so z = organic_slope ln(grams / organic_mass) +
 *           3 (mean / organic_mean - 1), with the component's organic mass
 *           in grams and its mean in g/cm^2.  Large and well filled ->
 *           CIGARETTES, else DRUGS.
 *
 * Confidence is logistic(z).  Without a pixel size, 1 mm pixels are assumed.
 * Single-energy scans use attenuation alone (A_high >= single_attenuation
 * -> METAL, scored on area over min_area); a CT volume (depth > 1) is
 * projected along depth first (sum of mu * voxel length, mu in 1/cm) and
 * treated the same way.
 *
 * On the synthetic bags of core/gen/xray.c at confidence 0.5 this alarms on a
 * few clean bags in a hundred (a dense pile of clothes and books, a heavy
 * piece of steel) and on nearly every firearm, knife and metal object and
 * most drugs and cigarette loads (tests/unit/test_detector.c measures it
 * at 64 x 64 and 512 x 512).
 *
 * The instance holds only its configuration, so detect() is thread-safe and
 * needs no randomness; scans up to 64 x 64 are worked on in stack buffers.
 * Config keys (all optional, positive numbers):
 *   min_attenuation (0.02), min_area (4, pixels), saturated (8.0),
 *   steel_min (0.6, g/cm^2), metal_mass (45, g), metal_length (90, mm),
 *   metal_area (12, cm^2), blade_steel (1.0, g/cm^2), dense_organic (2.0,
 *   g/cm^2), organic_mass (6000, g), organic_mean (6.0, g/cm^2),
 *   organic_slope (2.0), single_attenuation (1.6), min_confidence (0.01:
 *   fainter components are not reported).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"

enum { PX_NONE = 0, PX_METAL = 1, PX_ORGANIC = 2 };

/* Scans of up to SMALL_SCAN pixels (64 x 64) are worked on in stack
 * buffers; larger ones in host memory. */
#define SMALL_SCAN 4096

/* Basis materials, mu/rho in cm^2/g at 60 and 150 keV (NIST SRD 126). */
#define ORG_LO 0.1970
#define ORG_HI 0.1534
#define FE_LO 1.205
#define FE_HI 0.1964

typedef struct detector {
    const bl_host_t *host;
    double min_attenuation;
    double min_area;
    double saturated;
    double steel_min;
    double metal_mass;
    double metal_length;
    double metal_area;
    double blade_steel;
    double dense_organic;
    double organic_mass;
    double organic_mean;
    double organic_slope;
    double single_attenuation;
    double min_confidence;
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
    d->min_attenuation = 0.02;
    d->min_area = 4;
    d->saturated = 8.0;
    d->steel_min = 0.6;
    d->metal_mass = 45.0;
    d->metal_length = 90.0;
    d->metal_area = 12.0;
    d->blade_steel = 1.0;
    d->dense_organic = 2.0;
    d->organic_mass = 6000.0;
    d->organic_mean = 6.0;
    d->organic_slope = 2.0;
    d->single_attenuation = 1.6;
    d->min_confidence = 0.01;
    static const struct {
        const char *key;
        size_t offset;
    } keys[] = {
        {"min_attenuation", offsetof(detector_t, min_attenuation)},
        {"min_area", offsetof(detector_t, min_area)},
        {"saturated", offsetof(detector_t, saturated)},
        {"steel_min", offsetof(detector_t, steel_min)},
        {"metal_mass", offsetof(detector_t, metal_mass)},
        {"metal_length", offsetof(detector_t, metal_length)},
        {"metal_area", offsetof(detector_t, metal_area)},
        {"blade_steel", offsetof(detector_t, blade_steel)},
        {"dense_organic", offsetof(detector_t, dense_organic)},
        {"organic_mass", offsetof(detector_t, organic_mass)},
        {"organic_mean", offsetof(detector_t, organic_mean)},
        {"organic_slope", offsetof(detector_t, organic_slope)},
        {"single_attenuation", offsetof(detector_t, single_attenuation)},
        {"min_confidence", offsetof(detector_t, min_confidence)},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if ((rc = config_number(config, host, keys[i].key,
                                (double *)((char *)d + keys[i].offset))) != BL_OK)
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

/* What a connected component adds up to. */
typedef struct component {
    size_t area;                  /* pixels */
    uint32_t x0, y0, x1, y1;      /* bounding box, inclusive */
    double sum;                   /* of the pixel values (mass or excess) */
    double sum_aux;               /* of aux (steel beside organic mass) */
    double sx, sy, sxx, syy, sxy; /* moments, pixels */
} component_t;

/* Flood-fill the component of class c at start (iteratively), resetting
 * its pixels to PX_NONE and accumulating val over them. */
static void flood(uint8_t *cls, const float *val, const float *aux, uint32_t *stack, size_t w,
                  size_t h, size_t start, component_t *k) {
    uint8_t c = cls[start];
    size_t top = 0;
    memset(k, 0, sizeof *k);
    k->x0 = k->y0 = UINT32_MAX;
    stack[top++] = (uint32_t)start;
    cls[start] = PX_NONE;
    while (top > 0) {
        uint32_t p = stack[--top];
        uint32_t x = (uint32_t)(p % w), y = (uint32_t)(p / w);
        k->area++;
        k->sum += val[p];
        k->sum_aux += aux != NULL ? aux[p] : 0.0;
        k->sx += x;
        k->sy += y;
        k->sxx += (double)x * x;
        k->syy += (double)y * y;
        k->sxy += (double)x * y;
        k->x0 = x < k->x0 ? x : k->x0;
        k->x1 = x > k->x1 ? x : k->x1;
        k->y0 = y < k->y0 ? y : k->y0;
        k->y1 = y > k->y1 ? y : k->y1;
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
}

/* Length and width (pixels) of the rectangle with k's second moments. */
static void extent(const component_t *k, double *len, double *wid) {
    double n = (double)k->area, mx = k->sx / n, my = k->sy / n;
    double cxx = k->sxx / n - mx * mx + 1.0 / 12, cyy = k->syy / n - my * my + 1.0 / 12;
    double cxy = k->sxy / n - mx * my;
    double tr = cxx + cyy, det = cxx * cyy - cxy * cxy, disc = sqrt(fmax(tr * tr / 4 - det, 0));
    *len = sqrt(12.0 * (tr / 2 + disc));
    *wid = sqrt(12.0 * fmax(tr / 2 - disc, 1.0 / 12));
}

/* Inspect one scan; append its detections to out tagged with index. */
static int detect_one(const detector_t *d, const bl_scan_t *s, uint32_t index,
                      bl_detections_t *out) {
    const bl_host_t *host = d->host;
    size_t w = s->width, h = s->height, depth = s->depth == 0 ? 1 : s->depth, np = 0;
    float *val = NULL, *steel = NULL;
    uint8_t *cls = NULL;
    uint32_t *stack = NULL;
    float small_val[SMALL_SCAN], small_steel[SMALL_SCAN];
    uint8_t small_cls[SMALL_SCAN];
    uint32_t small_stack[SMALL_SCAN];
    int rc = BL_OK;
    bool dual = s->energies == 2 && depth == 1;

    if (w == 0 || h == 0)
        return BL_OK;
    if (s->high == NULL || (dual && s->low == NULL) || (s->energies != 1 && s->energies != 2) ||
        w > UINT32_MAX / h) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "detect: scan %u is invalid (missing image, energies %u not 1 or 2, "
                     "or too large)",
                     index, s->energies);
        return BL_EINVAL;
    }
    np = w * h;
    if (np <= SMALL_SCAN) { /* the common case needs no allocation */
        val = small_val;
        steel = small_steel;
        cls = small_cls;
        stack = small_stack;
    } else {
        val = host->alloc(host->ctx, np * sizeof *val);
        steel = host->alloc(host->ctx, np * sizeof *steel);
        cls = host->alloc(host->ctx, np);
        stack = host->alloc(host->ctx, np * sizeof *stack);
        if (val == NULL || steel == NULL || cls == NULL || stack == NULL) {
            rc = BL_ENOMEM;
            goto out;
        }
    }
    const double mm = s->pixel_mm > 0 ? s->pixel_mm : 1.0, px_cm2 = mm * mm / 100.0;

    /* Classify pixels: val is what a component is scored on. */
    if (!dual) {
        double cm = mm / 10.0;
        for (size_t p = 0; p < np; p++) {
            double a = 0;
            if (depth > 1) {
                for (size_t z = 0; z < depth; z++) {
                    float mu = s->high[z * np + p];
                    if (isfinite(mu) && mu > 0)
                        a += mu * cm;
                }
            } else {
                a = attenuation(s->high[p]);
            }
            val[p] = (float)a;
            cls[p] = a >= d->single_attenuation ? PX_METAL : PX_NONE;
        }
    } else {
        const double det = ORG_LO * FE_HI - ORG_HI * FE_LO;
        for (size_t p = 0; p < np; p++) {
            double al = attenuation(s->low[p]), ah = attenuation(s->high[p]), org, fe;
            if (ah < d->min_attenuation) {
                org = fe = 0.0;
            } else if (al >= d->saturated) {
                org = 0.0;
                fe = ah / FE_HI;
            } else {
                org = (al * FE_HI - ah * FE_LO) / det;
                fe = (ORG_LO * ah - ORG_HI * al) / det;
                org = org < 0 ? 0 : org;
                fe = fe < 0 ? 0 : fe;
            }
            val[p] = (float)org;
            steel[p] = (float)fe;
            cls[p] =
                fe >= d->steel_min ? PX_METAL : (org >= d->dense_organic ? PX_ORGANIC : PX_NONE);
            if (cls[p] == PX_METAL)
                val[p] = (float)fe;
        }
    }

    for (size_t start = 0; start < np; start++) {
        uint8_t c = cls[start];
        if (c == PX_NONE)
            continue;
        component_t k;
        flood(cls, val, dual ? steel : NULL, stack, w, h, start, &k);
        if ((double)k.area < d->min_area)
            continue;

        double len, wid, area_cm2 = (double)k.area * px_cm2, z;
        uint32_t threat;
        extent(&k, &len, &wid);
        len *= mm;
        wid *= mm;
        if (c == PX_METAL && !dual) {
            threat = BL_THREAT_METAL;
            z = 2.0 * (k.sum / (double)k.area - d->single_attenuation) +
                0.8 * log((double)k.area / d->min_area);
        } else if (c == PX_METAL) {
            /* Steel beyond a thin sheet's (a laptop battery, foil): grams. */
            double mean = k.sum / (double)k.area;
            double grams = (mean - d->steel_min) * area_cm2, fill = area_cm2 * 100.0 / (len * wid);
            z = grams > 0 ? 3.0 * log(grams / d->metal_mass) : -INFINITY;
            /* A blade a few pixels wide is smeared by the detector's blur:
             * coarse pixels see less of its steel. */
            if (area_cm2 >= d->metal_area && mean >= d->blade_steel * fmin(1.0, 4.0 / mm))
                z = fmax(z, 3.0 * log(len / d->metal_length));
            if (len / wid >= 3.0 && grams < 4.0 * d->metal_mass)
                threat = BL_THREAT_KNIFE;
            else if (grams >= 4.0 * d->metal_mass && (len / wid >= 2.2 || fill < 0.7))
                threat = BL_THREAT_FIREARM;
            else
                threat = BL_THREAT_METAL;
        } else {
            double mean = k.sum / (double)k.area, grams = k.sum * px_cm2;
            double fill = area_cm2 * 100.0 / (len * wid);
            z = d->organic_slope * log(grams / d->organic_mass) +
                3.0 * (mean / d->organic_mean - 1.0);
            threat = fill >= 0.85 && area_cm2 >= 400.0 ? BL_THREAT_CIGARETTES : BL_THREAT_DRUGS;
        }
        double conf = logistic(z);
        if (!isfinite(conf))
            conf = z > 0 ? 1.0 : 0.0;
        if (conf < d->min_confidence) /* specks and clutter: not worth a detection */
            continue;

        if (out->count >= out->capacity) {
            rc = BL_ENOSPC;
            goto out;
        }
        bl_detection_t *det = &out->items[out->count++];
        det->scan = index;
        det->threat = threat;
        det->confidence = (float)conf;
        det->box[0] = (float)k.x0;
        det->box[1] = (float)k.y0;
        det->box[2] = (float)(k.x1 + 1);
        det->box[3] = (float)(k.y1 + 1);
    }
out:
    if (np > SMALL_SCAN) {
        host->free(host->ctx, stack);
        host->free(host->ctx, cls);
        host->free(host->ctx, steel);
        host->free(host->ctx, val);
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

BL_PLUGIN_DEFINE_ENTRY(descriptor)
