/*
 * borderlab-tests.bad_detector: a detector whose outputs are partly
 * invalid, deterministically by scan id, so a test knows exactly what the
 * host must drop and what it must score.  It never looks at the pixels.
 *
 * For a scan with id i (the host's scan index) it reports:
 *   - one valid detection: class 1 + i % 7, confidence ((i * 37) % 100) /
 *     100, box (1, 1, width / 2, height / 2);
 *   - then i % 3 invalid ones (0, 1 or 2), the j-th of kind (2 i + j) % 6:
 *       0 NaN confidence            3 x0 > x1
 *       1 confidence 1.5            4 class 0 (none)
 *       2 box past the right edge   5 class 99 (unknown)
 *     each otherwise like the valid one.
 * It returns BL_ENOSPC when the host's buffer is full.
 */
#include <math.h>
#include <stdint.h>

#include "borderlab/plugin.h"

static const char instance_tag;

static int bad_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    (void)config;
    (void)host;
    *instance = (void *)&instance_tag;
    return BL_OK;
}

static int push(bl_detections_t *out, const bl_detection_t *d) {
    if (out->count == out->capacity)
        return BL_ENOSPC;
    out->items[out->count++] = *d;
    return BL_OK;
}

static int bad_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    (void)instance;
    for (size_t s = 0; s < n; s++) {
        uint64_t id = scans[s].id;
        float w = (float)scans[s].width, h = (float)scans[s].height;
        bl_detection_t valid = {(uint32_t)s,
                                1 + (uint32_t)(id % 7),
                                (float)((id * 37) % 100) / 100.0f,
                                {1.0f, 1.0f, w / 2, h / 2}};
        int rc = push(out, &valid);
        if (rc != BL_OK)
            return rc;
        for (uint64_t j = 0; j < id % 3; j++) {
            bl_detection_t bad = valid;
            switch ((2 * id + j) % 6) {
            case 0:
                bad.confidence = NAN;
                break;
            case 1:
                bad.confidence = 1.5f;
                break;
            case 2:
                bad.box[2] = w + 10.0f;
                break;
            case 3:
                bad.box[0] = bad.box[2] + 1.0f;
                break;
            case 4:
                bad.threat = 0;
                break;
            default:
                bad.threat = 99;
                break;
            }
            rc = push(out, &bad);
            if (rc != BL_OK)
                return rc;
        }
    }
    return BL_OK;
}

static void bad_destroy(void *instance) { (void)instance; }

static const bl_detector_ops_t bad_ops = {
    sizeof(bl_detector_ops_t),
    bad_create,
    bad_detect,
    bad_destroy,
};

static const bl_plugin_t bad_descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "borderlab-tests.bad_detector", "Bad detector (test)", "borderlab tests",
                     "1.0.0"),
    &bad_ops,
    NULL,
    NULL,
};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major, const bl_host_t *host);
BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host;
    return host_abi_major == BL_ABI_MAJOR ? &bad_descriptor : NULL;
}
