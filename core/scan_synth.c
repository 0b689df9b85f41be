/*
 * Synthetic dual-energy bag scans: see scan_synth.h.
 *
 * Physics (deliberately simple; issue 3 deepens it): each pixel is a ray
 * through a stack of slabs, and the transmitted fraction at an effective
 * energy E is Beer-Lambert,
 *
 *     I / I0 = exp(-sum_m (mu/rho)_m(E) * rho_m * t_m),
 *
 * evaluated at a "low" (~60 keV) and a "high" (~150 keV) effective energy.
 * Photon noise is Poisson, approximated by a Gaussian with variance I / N0
 * for N0 unattenuated photons per pixel, and the result is clamped to
 * [1e-6, 1] so a detector may take its logarithm.
 *
 * Mass attenuation coefficients mu/rho (cm^2/g, total with coherent
 * scattering) from NIST XCOM (M. J. Berger, J. H. Hubbell, S. M. Seltzer et
 * al., XCOM: Photon Cross Sections Database, NIST Standard Reference
 * Database 8) as tabulated in NIST's X-ray mass attenuation coefficients
 * (Hubbell and Seltzer, NIST SRD 126):
 *
 *     material          60 keV    150 keV
 *     water (organic)   0.2059    0.1505
 *     aluminium         0.2778    0.1378
 *     iron (steel)      1.205     0.1964
 *     lead              5.021     1.910
 *
 * Organic materials (clothes, paper, drugs, explosives) are treated as
 * water-equivalent in mu/rho and differ by density; that is close for
 * Z_eff around 7 and is what makes organic threats hard for a detector.
 */
#include "scan_synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Materials of the table above. */

/* mu/rho in cm^2/g: [material][0 = low, 1 = high]. */
static const double mass_atten[BL_MATERIAL_COUNT][2] = {
    {0.2059, 0.1505}, /* water */
    {0.2778, 0.1378}, /* aluminium */
    {1.205, 0.1964},  /* iron */
    {5.021, 1.910},   /* lead */
};

/* Unattenuated photons per pixel: sets the noise level. */
#define PHOTONS_N0 1.0e4
#define MIN_TRANSMISSION 1.0e-6

/* Field of view assumed when the spec gives no pixel size: a 600 mm bag. */
#define DEFAULT_FOV_MM 600.0

/*
 * Noise-free transmitted fraction through one slab of `material` (index
 * into the table above), density g/cm^3, thickness cm, at the low
 * (high_energy == 0) or high energy.  Exposed for the unit tests.
 */
double bl_scan_transmission(int material, int high_energy, double density, double thickness_cm) {
    if (material < 0 || material >= BL_MATERIAL_COUNT)
        return 1.0;
    return exp(-mass_atten[material][high_energy ? 1 : 0] * density * thickness_cm);
}

int bl_scan_buffer_init(bl_scan_buffer_t *b, uint32_t width, uint32_t height) {
    memset(b, 0, sizeof *b);
    if (width == 0 || height == 0)
        return BL_EINVAL;
    size_t n = (size_t)width * height;
    b->low = malloc(n * sizeof *b->low);
    b->high = malloc(n * sizeof *b->high);
    if (b->low == NULL || b->high == NULL) {
        bl_scan_buffer_fini(b);
        return BL_ENOMEM;
    }
    b->width = width;
    b->height = height;
    return 0;
}

void bl_scan_buffer_fini(bl_scan_buffer_t *b) {
    free(b->low);
    free(b->high);
    memset(b, 0, sizeof *b);
}

static double uniform_in(bl_rng_t *rng, double lo, double hi) {
    return lo + (hi - lo) * bl_rng_uniform(rng);
}

/*
 * Add a slab of material (density g/cm^3, thickness cm) over the
 * rectangle [x0, x1) x [y0, y1) (clipped) to the line integrals, which are
 * accumulated in the low and high buffers before the exponential.
 */
static void add_slab(bl_scan_buffer_t *b, int x0, int y0, int x1, int y1, int material,
                     double density, double thickness_cm) {
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > (int)b->width)
        x1 = (int)b->width;
    if (y1 > (int)b->height)
        y1 = (int)b->height;
    if (x0 >= x1 || y0 >= y1)
        return;
    float lo = (float)(mass_atten[material][0] * density * thickness_cm);
    float hi = (float)(mass_atten[material][1] * density * thickness_cm);
    for (int y = y0; y < y1; y++) {
        float *pl = b->low + (size_t)y * b->width;
        float *ph = b->high + (size_t)y * b->width;
        for (int x = x0; x < x1; x++) {
            pl[x] += lo;
            ph[x] += hi;
        }
    }
}

/* A rectangle of about w_mm x h_mm (at least 2 pixels, at most most of the
 * image) at a random place, randomly turned by 90 degrees. */
static void place(bl_rng_t *rng, const bl_scan_buffer_t *b, double px_mm, double w_mm, double h_mm,
                  int r[4]) {
    int w = (int)lround(w_mm / px_mm), h = (int)lround(h_mm / px_mm);
    if (bl_rng_uniform(rng) < 0.5) {
        int t = w;
        w = h;
        h = t;
    }
    int maxw = (int)b->width * 3 / 4, maxh = (int)b->height * 3 / 4;
    if (maxw < 2)
        maxw = 2;
    if (maxh < 2)
        maxh = 2;
    w = w < 2 ? 2 : (w > maxw ? maxw : w);
    h = h < 2 ? 2 : (h > maxh ? maxh : h);
    int x0 = (int)bl_rng_below(rng, (uint64_t)((int)b->width - w > 0 ? (int)b->width - w : 1));
    int y0 = (int)bl_rng_below(rng, (uint64_t)((int)b->height - h > 0 ? (int)b->height - h : 1));
    r[0] = x0;
    r[1] = y0;
    r[2] = x0 + w;
    r[3] = y0 + h;
}

/* The threat object for a class: material, density and thickness. */
static void add_threat(bl_scan_buffer_t *b, uint32_t threat, double px_mm, bl_rng_t *rng) {
    int r[4];
    switch (threat) {
    case BL_THREAT_FIREARM: {
        /* A steel frame and barrel plus a grip: an L of two slabs. */
        place(rng, b, px_mm, 180.0, 30.0, r);
        double t = uniform_in(rng, 2.0, 3.0);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_STEEL, 7.85, t);
        int gw = (r[2] - r[0]) / 4 + 1, gh = (r[3] - r[1]) * 3 + 1;
        if (r[3] - r[1] > r[2] - r[0]) { /* turned: grip goes sideways */
            gw = (r[2] - r[0]) * 3 + 1;
            gh = (r[3] - r[1]) / 4 + 1;
        }
        add_slab(b, r[0], r[1], r[0] + gw, r[1] + gh, BL_MATERIAL_STEEL, 7.85, t * 0.8);
        break;
    }
    case BL_THREAT_KNIFE:
        place(rng, b, px_mm, 200.0, 25.0, r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_STEEL, 7.85, uniform_in(rng, 0.2, 0.4));
        break;
    case BL_THREAT_METAL:
        place(rng, b, px_mm, uniform_in(rng, 40.0, 120.0), uniform_in(rng, 40.0, 120.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_STEEL, 7.85, uniform_in(rng, 0.5, 2.0));
        break;
    case BL_THREAT_EXPLOSIVE:
        /* Plastic or nitro-based explosive: organic, about 1.6 g/cm^3. */
        place(rng, b, px_mm, 150.0, 100.0, r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, 1.6, uniform_in(rng, 3.0, 5.0));
        break;
    case BL_THREAT_DRUGS:
        /* Compressed packages, about 1.2 g/cm^3. */
        place(rng, b, px_mm, 200.0, 150.0, r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, 1.2, uniform_in(rng, 4.0, 8.0));
        break;
    case BL_THREAT_CIGARETTES:
        /* Packed cartons: dense for organic filler, about 0.8 g/cm^3 of stack. */
        place(rng, b, px_mm, 280.0, 200.0, r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, 0.8, uniform_in(rng, 6.0, 10.0));
        break;
    case BL_THREAT_CURRENCY:
        /* Banknote bundles: paper, about 0.9 g/cm^3. */
        place(rng, b, px_mm, 160.0, 70.0, r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, 0.9, uniform_in(rng, 2.0, 6.0));
        break;
    default:
        break;
    }
}

void bl_scan_synthesize(bl_scan_buffer_t *b, const bl_scan_spec_t *spec, uint32_t threat,
                        uint64_t id, bl_rng_t *rng, bl_scan_t *scan) {
    const uint32_t w = b->width, h = b->height;
    const size_t n = (size_t)w * h;
    double px_mm =
        spec != NULL && spec->pixel_mm > 0.0 ? spec->pixel_mm : DEFAULT_FOV_MM / (w > h ? w : h);

    /* Line integrals first; the exponential and the noise at the end. */
    memset(b->low, 0, n * sizeof *b->low);
    memset(b->high, 0, n * sizeof *b->high);

    /* The bag: a plastic shell over most of the image (two walls of 3 mm). */
    int bx = (int)(w / 10), by = (int)(h / 10);
    add_slab(b, bx, by, (int)w - bx, (int)h - by, BL_MATERIAL_ORGANIC, 1.0, 0.6);

    /* Clutter, organic and of moderate areal density (a packed bag averages
     * a few g/cm^2): folded clothes (fabric and air, 0.1-0.3 g/cm^3) over
     * much of the bag, sometimes books and toiletry bottles. */
    unsigned n_clothes = 2 + (unsigned)bl_rng_below(rng, 4);
    for (unsigned i = 0; i < n_clothes; i++) {
        int r[4];
        place(rng, b, px_mm, uniform_in(rng, 200.0, 400.0), uniform_in(rng, 150.0, 350.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, uniform_in(rng, 0.1, 0.3),
                 uniform_in(rng, 2.0, 6.0));
    }
    if (bl_rng_uniform(rng) < 0.5) { /* a book or a folder of papers */
        int r[4];
        place(rng, b, px_mm, uniform_in(rng, 150.0, 240.0), uniform_in(rng, 110.0, 170.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, uniform_in(rng, 0.7, 0.9),
                 uniform_in(rng, 1.0, 4.0));
    }
    unsigned n_bottles = bl_rng_uniform(rng) < 0.5 ? 1 + (unsigned)bl_rng_below(rng, 3) : 0;
    for (unsigned i = 0; i < n_bottles; i++) { /* toiletries: water-like liquids */
        int r[4];
        place(rng, b, px_mm, uniform_in(rng, 40.0, 70.0), uniform_in(rng, 60.0, 180.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ORGANIC, 1.0, uniform_in(rng, 2.5, 5.0));
    }
    /* Benign inorganics: a laptop chassis or a can (aluminium), and small
     * steel (keys, a belt buckle, coins) that a metal detector may flag. */
    if (bl_rng_uniform(rng) < 0.3) {
        int r[4];
        place(rng, b, px_mm, uniform_in(rng, 150.0, 330.0), uniform_in(rng, 100.0, 230.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_ALUMINIUM, 2.7, uniform_in(rng, 0.1, 0.3));
    }
    if (bl_rng_uniform(rng) < 0.07) {
        int r[4];
        place(rng, b, px_mm, uniform_in(rng, 30.0, 60.0), uniform_in(rng, 20.0, 40.0), r);
        add_slab(b, r[0], r[1], r[2], r[3], BL_MATERIAL_STEEL, 7.85, uniform_in(rng, 0.15, 0.4));
    }

    if (threat != BL_THREAT_NONE)
        add_threat(b, threat, px_mm, rng);

    /* Transmission with photon noise, clamped for the detector's logs. */
    const double inv_n0 = 1.0 / PHOTONS_N0;
    for (size_t i = 0; i < n; i++) {
        double tl = exp(-(double)b->low[i]);
        double th = exp(-(double)b->high[i]);
        tl += sqrt(tl * inv_n0) * bl_rng_normal(rng);
        th += sqrt(th * inv_n0) * bl_rng_normal(rng);
        tl = tl < MIN_TRANSMISSION ? MIN_TRANSMISSION : (tl > 1.0 ? 1.0 : tl);
        th = th < MIN_TRANSMISSION ? MIN_TRANSMISSION : (th > 1.0 ? 1.0 : th);
        b->low[i] = (float)tl;
        b->high[i] = (float)th;
    }

    memset(scan, 0, sizeof *scan);
    scan->size = (uint32_t)sizeof *scan;
    scan->width = w;
    scan->height = h;
    scan->depth = 1;
    scan->energies = 2;
    scan->pixel_mm = px_mm;
    scan->id = id;
    scan->low = b->low;
    scan->high = b->high;
}
