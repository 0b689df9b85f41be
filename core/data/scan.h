/*
 * Scans as the host holds them, whoever made them (the X-ray generator in
 * gen/, the image replay in io/): the pixel buffers a scan borrows, its
 * ground truth (which threat objects it holds, and where), and the names
 * of the threat classes of borderlab/plugin.h.  Ground truth is kept
 * beside a scan and never reaches a plugin.
 */
#ifndef BL_SCAN_H
#define BL_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "borderlab/plugin.h"

#define BL_SCAN_MAX_OBJECTS 8 /* threat objects per scan at most */

/* Ground truth of one scan: the threat objects in it (boxes in pixels,
 * x0 < x1, y0 < y1, clipped to the image). */
typedef struct bl_scan_truth {
    uint32_t n;
    struct {
        uint32_t threat; /* bl_threat_class_t */
        float box[4];
    } objects[BL_SCAN_MAX_OBJECTS];
} bl_scan_truth_t;

/* Whether truth holds an object of class threat (0: of any class). */
bool bl_scan_truth_has(const bl_scan_truth_t *truth, uint32_t threat);

/* Pixel buffers and scratch reused from scan to scan (one per thread).
 * bl_scan_buffer_init() allocates them (BL_EINVAL for a zero size,
 * BL_ENOMEM); bl_scan_buffer_fini() frees them and may be called on a
 * zeroed or failed buffer. */
typedef struct bl_scan_buffer {
    uint32_t width, height;
    float *low, *high; /* owned; the scan's pixels */
    float *scratch;    /* owned; path integrals and blur */
} bl_scan_buffer_t;

int bl_scan_buffer_init(bl_scan_buffer_t *b, uint32_t width, uint32_t height);
void bl_scan_buffer_fini(bl_scan_buffer_t *b);

/* Threat class names ("firearm"; "none" for class 0, "unknown" past the
 * last) and their inverse (-1 when unknown). */
const char *bl_threat_name(uint32_t threat);
int bl_threat_by_name(const char *name);

#endif
