/*
 * Synthetic dual-energy X-ray transmission scans of bags and containers,
 * with ground truth.  Deterministic: the same configuration and RNG state
 * give the same pixels and truth.
 *
 * Physics: each pixel is a ray through the objects it crosses; the
 * transmitted fraction at an effective energy E is Beer-Lambert,
 * I/I0 = exp(-sum_m (mu/rho)_m(E) * rho_m * t_m), at a low and a high
 * effective energy, with mass attenuation coefficients from NIST XCOM
 * (cited in xray.c).  Photon noise is Poisson in the detected counts
 * (N0 unattenuated photons per pixel), followed by a Gaussian blur of the
 * detector's point-spread function.
 *
 * Ground truth (class and box of every threat object) is returned beside
 * the scan and must never reach a plugin.
 */
#ifndef BL_XRAY_H
#define BL_XRAY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"
#include "data/scan.h"
#include "stats/rng.h"

/* Materials with tabulated XCOM coefficients. */
typedef enum bl_material {
    BL_MATERIAL_ORGANIC = 0, /* plastics, textiles, paper: polyethylene-like */
    BL_MATERIAL_WATER = 1,   /* water and liquids */
    BL_MATERIAL_ALUMINIUM = 2,
    BL_MATERIAL_STEEL = 3,
    BL_MATERIAL_LEAD = 4,
    BL_MATERIAL_TOBACCO = 5,   /* dried leaf (cellulose with minerals) */
    BL_MATERIAL_DRUG = 6,      /* drug-like organic powder (e.g. cocaine HCl) */
    BL_MATERIAL_EXPLOSIVE = 7, /* RDX-based (C-4-like) explosive */
    BL_MATERIAL_COUNT
} bl_material_t;

/* Mass attenuation coefficient mu/rho (cm^2/g) of material at the low
 * (high_energy == false) or high effective energy; 0 for an unknown one. */
double bl_material_mu(int material, bool high_energy);

/* A typical density (g/cm^3) and a short name ("steel"). */
double bl_material_density(int material);
const char *bl_material_name(int material);

/* Noise-free fraction transmitted through thickness_cm of material at
 * density g/cm^3 (Beer-Lambert). */
double bl_xray_transmission(int material, bool high_energy, double density, double thickness_cm);

typedef enum bl_xray_subject {
    BL_SUBJECT_BAG = 1,      /* a cabin or hold bag, ~600 mm across */
    BL_SUBJECT_CONTAINER = 2 /* a vehicle or container, ~6 m across */
} bl_xray_subject_t;

/* What to generate.  bl_xray_config_default() fills the defaults
 * (`borderlab fields bl.xray` prints them). */
typedef struct bl_xray_config {
    uint32_t width, height; /* pixels */
    double pixel_mm;        /* 0: fit the subject in the image */
    int subject;            /* bl_xray_subject_t */
    /* Probability that a scan holds an object of each threat class
     * (index bl_threat_class_t; [0] unused).  Independent per class. */
    double prevalence[BL_THREAT_CLASS_COUNT];
    double clutter;      /* 0..1: how full the bag is */
    double occlusion;    /* 0..1: chance a threat is placed under dense clutter */
    double object_scale; /* size multiplier for threat objects */
    double photons;      /* N0, unattenuated photons per pixel */
    double blur_px;      /* Gaussian PSF sigma in pixels (0 = none) */
    bool dual_energy;    /* false: single-energy scans (high only) */
} bl_xray_config_t;

void bl_xray_config_default(bl_xray_config_t *cfg);

/* Field of view (mm across the larger image side) used when pixel_mm is 0:
 * 600 for a bag, 6500 for a container (a 20 ft box is 6058 mm long). */
double bl_xray_fov_mm(int subject);

/* Check ranges; BL_EINVAL with a message naming the field. */
int bl_xray_config_validate(const bl_xray_config_t *cfg, bl_error_t *err);

/*
 * Generate one scan into b (sized cfg->width x cfg->height; b's own size is
 * what is drawn into) and describe it in *scan (its pointers borrow b until
 * the next call).  Which threats it holds is drawn from cfg->prevalence,
 * unless force_threat >= 0: then exactly that class is placed (0 = a clean
 * scan).  truth may be NULL.  cfg must be valid (bl_xray_config_validate).
 */
void bl_xray_generate(const bl_xray_config_t *cfg, int force_threat, uint64_t id, bl_rng_t *rng,
                      bl_scan_buffer_t *b, bl_scan_t *scan, bl_scan_truth_t *truth);

/*
 * A calibration image: a uniform slab of material (density g/cm^3,
 * thickness_cm) over the whole field, with the same noise and blur as
 * bl_xray_generate (flat fields, step wedges, the physics tests).  Pointers
 * in *scan borrow b.
 */
void bl_xray_slab(const bl_xray_config_t *cfg, int material, double density, double thickness_cm,
                  bl_rng_t *rng, bl_scan_buffer_t *b, bl_scan_t *scan);

#endif
