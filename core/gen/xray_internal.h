/*
 * What xray.c (materials, configuration, image formation, bl_xray_generate)
 * and xray_scene.c (the subject, clutter and threats drawn into the
 * accumulators) share.  Not installed; the public API is xray.h.
 */
#ifndef BL_XRAY_INTERNAL_H
#define BL_XRAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "gen/xray.h"
#include "stats/rng.h"

/* The scene being drawn into one scan's accumulators. */
#define MAX_SPOTS 16

typedef struct gen {
    const bl_xray_config_t *cfg;
    bl_rng_t *rng;
    float *acc_lo, *acc_hi; /* line integrals at 60 and 150 keV */
    int w, h;
    double px_mm;
    double in[4]; /* the subject's interior, pixels: x0, y0, x1, y1 */
    /* Footprint of the threat being drawn (pixels), when tracking. */
    bool track;
    int fx0, fy0, fx1, fy1;
    /* Dense benign objects a threat may hide under (occlusion). */
    unsigned n_spots;
    double spot[MAX_SPOTS][2];
} gen_t;

/* A uniform draw in [lo, hi). */
static inline double uniform_in(bl_rng_t *rng, double lo, double hi) {
    return lo + (hi - lo) * bl_rng_uniform(rng);
}

/* Draw the subject of g->cfg (a bag or a container) with its clutter into
 * g's accumulators, and set g->in to the interior threats are placed in;
 * g (cfg, rng, accumulators, size, px_mm set; the rest zeroed) is the
 * caller's. */
void bl_xray_bag_scene(gen_t *g);
void bl_xray_container_scene(gen_t *g);

/* Draw one threat of class threat (bl_threat_class_t) at the given size
 * factor somewhere in the interior, under clutter with probability
 * cfg->occlusion; its footprint grows g->fx0.. when g->track is set. */
void bl_xray_place_threat(gen_t *g, uint32_t threat, double scale);

#endif
