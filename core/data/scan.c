/* Scan buffers, ground truth and threat class names: see scan.h. */
#include "data/scan.h"

#include <stdlib.h>
#include <string.h>

#include "base/shm.h"

static const char *const threat_names[BL_THREAT_CLASS_COUNT] = {
    "none", "firearm", "knife", "explosive", "drugs", "cigarettes", "currency", "metal"};

const char *bl_threat_name(uint32_t threat) {
    return threat < BL_THREAT_CLASS_COUNT ? threat_names[threat] : "unknown";
}

int bl_threat_by_name(const char *name) {
    for (int i = 0; name != NULL && i < BL_THREAT_CLASS_COUNT; i++)
        if (strcmp(name, threat_names[i]) == 0)
            return i;
    return -1;
}

bool bl_scan_truth_has(const bl_scan_truth_t *truth, uint32_t threat) {
    for (uint32_t i = 0; truth != NULL && i < truth->n && i < BL_SCAN_MAX_OBJECTS; i++)
        if (threat == 0 || truth->objects[i].threat == threat)
            return true;
    return false;
}

int bl_scan_buffer_init(bl_scan_buffer_t *b, uint32_t width, uint32_t height) {
    memset(b, 0, sizeof *b);
    if (width == 0 || height == 0)
        return BL_EINVAL;
    size_t n = (size_t)width * height;
    /* The pixels are shared memory: an isolated plugin maps them read-only
     * instead of receiving a copy per batch (base/shm.h). */
    b->low = bl_shm_alloc(n * sizeof *b->low);
    b->high = bl_shm_alloc(n * sizeof *b->high);
    b->scratch = malloc(n * sizeof *b->scratch);
    if (b->low == NULL || b->high == NULL || b->scratch == NULL) {
        bl_scan_buffer_fini(b);
        return BL_ENOMEM;
    }
    b->width = width;
    b->height = height;
    return 0;
}

void bl_scan_buffer_fini(bl_scan_buffer_t *b) {
    bl_shm_free(b->low);
    bl_shm_free(b->high);
    free(b->scratch);
    memset(b, 0, sizeof *b);
}
