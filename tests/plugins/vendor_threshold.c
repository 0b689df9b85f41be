/*
 * A stand-in for a vendor's detector, built the way a vendor would build
 * one: out of tree, against the installed header only, with
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags borderlab-plugin) ...
 * (tests/scenario/sdk.sh does exactly that).  It alarms on the darkest
 * region of the high-energy image.
 */
#include <borderlab/plugin.h>
#include <math.h>
#include <stdlib.h>

typedef struct vendor {
    const bl_host_t *host;
    float threshold;
} vendor_t;

static int vendor_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    vendor_t *v = host->alloc(host->ctx, sizeof *v);
    if (v == NULL)
        return BL_ENOMEM;
    v->host = host;
    const char *t = bl_config_get(config, "threshold");
    v->threshold = t ? strtof(t, NULL) : 0.2f;
    *instance = v;
    return BL_OK;
}

static int vendor_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    vendor_t *v = instance;
    for (size_t i = 0; i < n; i++) {
        const bl_scan_t *s = &scans[i];
        uint32_t bx = 0, by = 0;
        float darkest = 1.0f;
        for (uint32_t y = 0; y < s->height; y++)
            for (uint32_t x = 0; x < s->width; x++) {
                float t = s->high[(size_t)y * s->width + x];
                if (t < darkest) {
                    darkest = t;
                    bx = x;
                    by = y;
                }
            }
        if (darkest >= v->threshold)
            continue;
        if (out->count == out->capacity)
            return BL_ENOSPC;
        bl_detection_t *d = &out->items[out->count++];
        d->scan = (uint32_t)i;
        d->threat = BL_THREAT_METAL;
        d->confidence = 1.0f - darkest;
        d->box[0] = (float)bx;
        d->box[1] = (float)by;
        d->box[2] = fminf((float)bx + 1, (float)s->width);
        d->box[3] = fminf((float)by + 1, (float)s->height);
    }
    return BL_OK;
}

static void vendor_destroy(void *instance) {
    vendor_t *v = instance;
    if (v != NULL)
        v->host->free(v->host->ctx, v);
}

static const bl_detector_ops_t ops = {sizeof(bl_detector_ops_t), vendor_create, vendor_detect,
                                      vendor_destroy};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "acme.threshold", "Acme darkest-pixel detector", "Acme", "1.0.0"),
    &ops, NULL, NULL};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host;
    return host_abi_major == BL_ABI_MAJOR ? &descriptor : NULL;
}
