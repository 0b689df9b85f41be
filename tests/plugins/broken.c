/*
 * Test fixture: a detector that is valid in every respect but one, chosen
 * at build time, so each of the loader's refusals has a real shared object
 * to refuse (the entry returns the descriptor whatever major the host
 * speaks, so the loader's own checks must catch it):
 *
 *   -DBROKEN_ABI99        claims ABI major 99                  (step 5)
 *   -DBROKEN_SMALL        descriptor struct_size too small     (step 6)
 *   -DBROKEN_FINGERPRINT  type-size fingerprint of another ABI (step 7)
 *   -DBROKEN_KIND         kind 42                              (step 8)
 *   -DBROKEN_NO_ID        no stable id                         (step 9)
 *   -DBROKEN_NO_VERB      detect verb is NULL                  (step 10)
 */
#include <stddef.h>

#include "borderlab/plugin.h"

#ifdef BROKEN_ABI99
#define MAJOR 99
#else
#define MAJOR BL_ABI_MAJOR
#endif
#ifdef BROKEN_SMALL
#define SIZE 8u
#else
#define SIZE ((uint32_t)sizeof(bl_plugin_t))
#endif
#ifdef BROKEN_FINGERPRINT
#define FINGERPRINT 0xdeadu
#else
#define FINGERPRINT BL_ABI_FINGERPRINT
#endif
#ifdef BROKEN_KIND
#define KIND 42
#else
#define KIND BL_KIND_DETECTOR
#endif
#ifdef BROKEN_NO_ID
#define ID NULL
#else
#define ID "borderlab-tests.broken"
#endif

static int create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    (void)config;
    (void)host;
    *instance = NULL;
    return BL_OK;
}

#ifndef BROKEN_NO_VERB
static int detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    (void)instance;
    (void)scans;
    (void)n;
    (void)out;
    return BL_OK;
}
#else
#define detect NULL
#endif

static void destroy(void *instance) { (void)instance; }

static const bl_detector_ops_t ops = {sizeof(bl_detector_ops_t), create, detect, destroy};

static const bl_plugin_t descriptor = {{MAJOR, 0, SIZE, FINGERPRINT, KIND,
                                        BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC, ID,
                                        "broken fixture", "borderlab tests", "0.0"},
                                       &ops,
                                       NULL,
                                       NULL};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host_abi_major;
    (void)host;
    return &descriptor;
}
