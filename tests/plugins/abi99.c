/*
 * Test fixture: a detector that looks valid in every respect except that it
 * claims ABI major 99.  Its entry returns the descriptor whatever major the
 * host speaks, so the loader's own major check (step 5) must refuse it.
 */
#include <stddef.h>

#include "borderlab/plugin.h"

static int create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    (void)config;
    (void)host;
    *instance = NULL;
    return BL_OK;
}

static int detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    (void)instance;
    (void)scans;
    (void)n;
    (void)out;
    return BL_OK;
}

static void destroy(void *instance) { (void)instance; }

static const bl_detector_ops_t ops = {sizeof(bl_detector_ops_t), create, detect, destroy};

static const bl_plugin_t descriptor = {
    {99, 0, (uint32_t)sizeof(bl_plugin_t), BL_ABI_FINGERPRINT, BL_KIND_DETECTOR,
     BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC, "borderlab-tests.abi99", "ABI 99 fixture",
     "borderlab tests", "0.0"},
    &ops,
    NULL,
    NULL};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host_abi_major;
    (void)host;
    return &descriptor;
}
