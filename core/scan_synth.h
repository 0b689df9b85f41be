/*
 * A simple synthetic dual-energy X-ray scan of a bag: Beer-Lambert
 * transmission at two effective energies through clutter and, for
 * carriers, a threat object of the contraband's material.  Deterministic
 * given the RNG stream.  (Issue 3 deepens this into the full generator.)
 */
#ifndef BL_SCAN_SYNTH_H
#define BL_SCAN_SYNTH_H

#include <stdint.h>

#include "borderlab/plugin.h"
#include "rng.h"
#include "scenario.h"

/* Materials with tabulated mass attenuation coefficients. */
typedef enum bl_material {
    BL_MATERIAL_ORGANIC = 0, /* water-like organics and plastics */
    BL_MATERIAL_ALUMINIUM = 1,
    BL_MATERIAL_STEEL = 2,
    BL_MATERIAL_LEAD = 3,
    BL_MATERIAL_COUNT
} bl_material_t;

/* Fraction of the beam transmitted through thickness_cm of material at
 * density g/cm^3, at the low (high_energy == 0) or high effective energy
 * (Beer-Lambert).  Returns 1 for an unknown material. */
double bl_scan_transmission(int material, int high_energy, double density, double thickness_cm);

/* Pixel buffers reused from scan to scan. */
typedef struct bl_scan_buffer {
    uint32_t width, height;
    float *low, *high; /* owned */
} bl_scan_buffer_t;

int bl_scan_buffer_init(bl_scan_buffer_t *b, uint32_t width, uint32_t height);
void bl_scan_buffer_fini(bl_scan_buffer_t *b);

/*
 * Synthesize a scan into b and describe it in *scan (pointers borrow b).
 * threat is the ground-truth class carried (0 = none).
 */
void bl_scan_synthesize(bl_scan_buffer_t *b, const bl_scan_spec_t *spec, uint32_t threat,
                        uint64_t id, bl_rng_t *rng, bl_scan_t *scan);

#endif
