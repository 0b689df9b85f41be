/*
 * vendor.vsdk_native: the fixture detector SDK's algorithm (vsdk_algo.c) as
 * a native borderlab plugin, what the vendor would ship had it written to
 * borderlab's ABI.  Run beside borderlab.ffi_detector over the SDK, it must
 * give the same detections bit for bit (tests/unit/test_ffi_adapter.c,
 * tests/scenario/ffi_adapter.sh).
 *
 * Config keys: cell (16), threshold (0.5), heavy (0.9): as the SDK's
 * vsdk_open; plane ("high" or "low": which image the SDK is given).  The
 * plane is converted to u16 by the SDK's documented rule
 * (vsdk_algo_from_float); class codes map VSDK_CLASS_HEAVY -> metal,
 * VSDK_CLASS_DENSE -> drugs; a hit's box is its cell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "vsdk_algo.h"

typedef struct native {
    const bl_host_t *host;
    vsdk_params_t params;
    int low; /* 1: the low-energy plane */
} native_t;

static int number(const bl_config_t *config, const char *key, double *v) {
    const char *s = bl_config_get(config, key);
    return s == NULL || bl_parse_number(s, v) == BL_OK ? BL_OK : BL_EINVAL;
}

static int vn_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    double cell = 16, threshold = 0.5, heavy = 0.9;
    char cfg[64];
    native_t *d;
    *instance = NULL;
    if (number(config, "cell", &cell) != BL_OK ||
        number(config, "threshold", &threshold) != BL_OK ||
        number(config, "heavy", &heavy) != BL_OK)
        return BL_EINVAL;
    const char *plane = bl_config_get(config, "plane");
    if (plane != NULL && strcmp(plane, "high") != 0 && strcmp(plane, "low") != 0)
        return BL_EINVAL;
    if ((d = host->alloc(host->ctx, sizeof *d)) == NULL)
        return BL_ENOMEM;
    d->host = host;
    d->low = plane != NULL && strcmp(plane, "low") == 0;
    snprintf(cfg, sizeof cfg, "cell=%d;heavy=%.17g", (int)cell, heavy);
    if (cell != (int)cell || vsdk_algo_configure(&d->params, cfg, threshold) != 0) {
        host->free(host->ctx, d);
        return BL_EINVAL;
    }
    *instance = d;
    return BL_OK;
}

static void vn_destroy(void *instance) {
    native_t *d = instance;
    if (d != NULL)
        d->host->free(d->host->ctx, d);
}

static int vn_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    native_t *d = instance;
    const bl_host_t *host = d->host;
    int rc = BL_OK;
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        const bl_scan_t *s = &scans[i];
        const float *src = d->low ? s->low : s->high;
        int w = (int)s->width, h = (int)s->height, got = 0;
        if (w == 0 || h == 0)
            continue;
        if (src == NULL)
            return BL_EINVAL;
        size_t np = (size_t)w * h, cells = vsdk_algo_cells(&d->params, w, h);
        uint16_t *img = host->alloc(host->ctx, np * sizeof *img);
        vsdk_hit_t *hits = host->alloc(host->ctx, cells * sizeof *hits);
        if (img == NULL || hits == NULL) {
            rc = BL_ENOMEM;
        } else {
            for (size_t p = 0; p < np; p++)
                img[p] = vsdk_algo_from_float(src[p]);
            vsdk_algo_inspect(&d->params, img, w, h, (size_t)w, hits, (int)cells, &got);
        }
        for (int k = 0; k < got && rc == BL_OK; k++) {
            if (out->count >= out->capacity) {
                rc = BL_ENOSPC;
                break;
            }
            bl_detection_t *det = &out->items[out->count++];
            det->scan = (uint32_t)i;
            det->threat = hits[k].code == VSDK_CLASS_HEAVY ? BL_THREAT_METAL : BL_THREAT_DRUGS;
            det->confidence = hits[k].score;
            det->box[0] = (float)hits[k].x;
            det->box[1] = (float)hits[k].y;
            det->box[2] = (float)(hits[k].x + hits[k].w);
            det->box[3] = (float)(hits[k].y + hits[k].h);
        }
        if (img != NULL)
            host->free(host->ctx, img);
        if (hits != NULL)
            host->free(host->ctx, hits);
    }
    return rc;
}

static const bl_detector_ops_t ops = {sizeof(bl_detector_ops_t), vn_create, vn_detect, vn_destroy};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "vendor.vsdk_native", "VisionScan (native build)", "fixture vendor", "1.0"),
    &ops,
    NULL,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
