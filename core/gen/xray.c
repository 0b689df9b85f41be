/*
 * Synthetic dual-energy X-ray scans: see xray.h.  This file holds the
 * materials, the configuration, the image formation and the entry points;
 * the scene (subject, clutter and threats, drawn as shapes) is in
 * xray_scene.c.
 *
 * Mass attenuation coefficients mu/rho (cm^2/g, total with coherent
 * scattering) at the two effective energies, 60 keV ("low") and 150 keV
 * ("high"), from J. H. Hubbell and S. M. Seltzer, Tables of X-Ray Mass
 * Attenuation Coefficients and Mass Energy-Absorption Coefficients, NIST
 * Standard Reference Database 126 (NISTIR 5632, version 1.4, 2004), whose
 * mu/rho values come from the XCOM photon cross-section database (M. J.
 * Berger, J. H. Hubbell et al., NIST SRD 8):
 *
 *     Table 3 (elements)     60 keV   150 keV
 *       H  hydrogen          0.3260   0.2651
 *       C  carbon (graphite) 0.1753   0.1347
 *       N  nitrogen          0.1817   0.1353
 *       O  oxygen            0.1907   0.1361
 *       Al aluminium         0.2778   0.1378
 *       Cl chlorine          0.4395   0.1480
 *       K  potassium         0.5678   0.1582
 *       Ca calcium           0.6578   0.1674
 *       Fe iron              1.205    0.1964
 *       Pb lead              5.021    2.014
 *     Table 4 (compounds)
 *       polyethylene         0.1970   0.1534
 *       water, liquid        0.2059   0.1505
 *
 * Compounds not tabulated use XCOM's mixture rule, mu/rho = sum_i w_i
 * (mu/rho)_i over the mass fractions w_i of the elements (it gives back the
 * tabulated polyethylene and water above to within 0.0001):
 *
 *   tobacco   dried leaf taken as cellulose C6H10O5 (91% by mass) with 3%
 *             each of N, K and Ca (an assumed composition: leaf carries a
 *             few percent of each; the shares vary by leaf)
 *             -> w: C 0.4045, H 0.0566, O 0.4490, N 0.03, K 0.03, Ca 0.03
 *             -> 0.2172 / 0.1444
 *   drug      cocaine hydrochloride C17H22ClNO4 (M = 339.8)
 *             -> w: C 0.6009, H 0.0653, Cl 0.1043, N 0.0412, O 0.1883
 *             -> 0.2159 / 0.1449
 *   explosive RDX C3H6N6O6 (the main ingredient of C-4)
 *             -> w: C 0.1622, H 0.0272, N 0.3784, O 0.4322
 *             -> 0.1885 / 0.1391
 *
 * Steel is taken as iron.  Ratios mu_low/mu_high, i.e. the noise-free
 * R = ln(I_low)/ln(I_high) of a slab of one material: polyethylene 1.284,
 * RDX 1.355, water 1.368, drug 1.490, tobacco 1.504, aluminium 2.016,
 * lead 2.493, iron 6.135.  Lead's ratio is below iron's because 150 keV is
 * above lead's K edge (88 keV); lead stands out by how little passes.
 *
 * Densities (g/cm^3): polyethylene 0.94, aluminium 2.699, iron 7.874 and
 * lead 11.35 as in SRD 126 Tables 1-2 (polyethylene there is 0.93; HDPE
 * is 0.94-0.97), steel 7.85, water 1.0; tobacco 0.25 (cut leaf packed in a
 * cigarette rod), drug 1.2 (pressed powder), explosive 1.6 (C-4 is about
 * 1.6): the last three are typical values, not tabulated ones.
 *
 * Other materials are approximated by the nearest of these: paper, textiles,
 * wood, rubber and plastics by polyethylene at their own density; glass and
 * circuit boards by aluminium (similar effective Z); copper by steel.
 *
 * Image formation.  Objects deposit their attenuation mu/rho * rho * t at
 * both energies into two accumulators per pixel (the line integrals: this
 * is the per-material mass thickness already multiplied by mu/rho, which
 * is the same sum and needs two buffers instead of one per material), so
 * overlapping objects add, and each pixel takes one exp per energy at the
 * end.  Photon counts: mean m = N0 * exp(-integral); a Poisson count is
 * sampled exactly (inversion) when m < 30, and above that by the normal
 * approximation round(m + sqrt(m) z), whose variance m + 1/12 is within
 * 0.3% of Poisson's.  I = counts / N0, floored at 0.5 / N0 so that a
 * detector may take logs, then a separable Gaussian blur (two 1-D passes,
 * clamped edges, normalised kernel of radius ceil(3 sigma)), then clamped
 * to [0.5 / N0, 1].
 */
#include "gen/xray.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen/xray_internal.h"

/* Element mu/rho at 60 keV (_L) and 150 keV (_H): the table above. */
#define H_L 0.3260
#define H_H 0.2651
#define C_L 0.1753
#define C_H 0.1347
#define N_L 0.1817
#define N_H 0.1353
#define O_L 0.1907
#define O_H 0.1361
#define CL_L 0.4395
#define CL_H 0.1480
#define K_L 0.5678
#define K_H 0.1582
#define CA_L 0.6578
#define CA_H 0.1674

/* Mixture rule for the compounds above (E is L or H). */
#define TOBACCO(E)                                                                                 \
    (0.4045 * C_##E + 0.0566 * H_##E + 0.4490 * O_##E + 0.03 * N_##E + 0.03 * K_##E + 0.03 * CA_##E)
#define DRUG(E)                                                                                    \
    (0.6009 * C_##E + 0.0653 * H_##E + 0.1043 * CL_##E + 0.0412 * N_##E + 0.1883 * O_##E)
#define RDX(E) (0.1622 * C_##E + 0.0272 * H_##E + 0.3784 * N_##E + 0.4322 * O_##E)

static const struct {
    const char *name;
    double mu[2]; /* [0] 60 keV, [1] 150 keV */
    double density;
} materials[BL_MATERIAL_COUNT] = {
    [BL_MATERIAL_ORGANIC] = {"organic", {0.1970, 0.1534}, 0.94},
    [BL_MATERIAL_WATER] = {"water", {0.2059, 0.1505}, 1.0},
    [BL_MATERIAL_ALUMINIUM] = {"aluminium", {0.2778, 0.1378}, 2.699},
    [BL_MATERIAL_STEEL] = {"steel", {1.205, 0.1964}, 7.85},
    [BL_MATERIAL_LEAD] = {"lead", {5.021, 2.014}, 11.35},
    [BL_MATERIAL_TOBACCO] = {"tobacco", {TOBACCO(L), TOBACCO(H)}, 0.25},
    [BL_MATERIAL_DRUG] = {"drug", {DRUG(L), DRUG(H)}, 1.2},
    [BL_MATERIAL_EXPLOSIVE] = {"explosive", {RDX(L), RDX(H)}, 1.6},
};

/* Poisson counts are sampled exactly below this mean. */
#define EXACT_POISSON_BELOW 30.0

double bl_material_mu(int material, bool high_energy) {
    if (material < 0 || material >= BL_MATERIAL_COUNT)
        return 0.0;
    return materials[material].mu[high_energy ? 1 : 0];
}

double bl_material_density(int material) {
    return material >= 0 && material < BL_MATERIAL_COUNT ? materials[material].density : 0.0;
}

const char *bl_material_name(int material) {
    return material >= 0 && material < BL_MATERIAL_COUNT ? materials[material].name : "unknown";
}

double bl_xray_transmission(int material, bool high_energy, double density, double thickness_cm) {
    return exp(-bl_material_mu(material, high_energy) * density * thickness_cm);
}

double bl_xray_fov_mm(int subject) { return subject == BL_SUBJECT_CONTAINER ? 6500.0 : 600.0; }

void bl_xray_config_default(bl_xray_config_t *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->width = 512;
    cfg->height = 512;
    cfg->pixel_mm = 0.0;
    cfg->subject = BL_SUBJECT_BAG;
    /* Benchmark defaults (enough threats to measure), not real-world rates. */
    cfg->prevalence[BL_THREAT_FIREARM] = 0.02;
    cfg->prevalence[BL_THREAT_KNIFE] = 0.03;
    cfg->prevalence[BL_THREAT_EXPLOSIVE] = 0.01;
    cfg->prevalence[BL_THREAT_DRUGS] = 0.03;
    cfg->prevalence[BL_THREAT_CIGARETTES] = 0.05;
    cfg->prevalence[BL_THREAT_CURRENCY] = 0.02;
    cfg->prevalence[BL_THREAT_METAL] = 0.03;
    cfg->clutter = 0.5;
    cfg->occlusion = 0.2;
    cfg->object_scale = 1.0;
    cfg->photons = 2e4;
    cfg->blur_px = 0.7;
    cfg->dual_energy = true;
}

static int bad_range(bl_error_t *err, const char *field, double v, const char *want) {
    return bl_error_set(err, BL_EINVAL, "xray config: %s = %g: expected %s", field, v, want);
}

int bl_xray_config_validate(const bl_xray_config_t *cfg, bl_error_t *err) {
    if (cfg->width == 0 || cfg->height == 0 || cfg->width > 16384 || cfg->height > 16384)
        return bl_error_set(err, BL_EINVAL,
                            "xray config: image %u x %u: expected 1 to 16384 pixels a side",
                            cfg->width, cfg->height);
    if (!(cfg->pixel_mm >= 0.0 && cfg->pixel_mm < 1e4))
        return bad_range(err, "pixel_mm", cfg->pixel_mm,
                         "a pixel size in mm (0 fits the subject in the image)");
    if (cfg->subject != BL_SUBJECT_BAG && cfg->subject != BL_SUBJECT_CONTAINER)
        return bl_error_set(err, BL_EINVAL,
                            "xray config: subject = %d: expected %d (bag) or %d (container)",
                            cfg->subject, BL_SUBJECT_BAG, BL_SUBJECT_CONTAINER);
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        if (!(cfg->prevalence[c] >= 0.0 && cfg->prevalence[c] <= 1.0)) {
            char field[64];
            snprintf(field, sizeof field, "prevalence.%s", bl_threat_name((uint32_t)c));
            return bad_range(err, field, cfg->prevalence[c], "a probability from 0 to 1");
        }
    if (!(cfg->clutter >= 0.0 && cfg->clutter <= 1.0))
        return bad_range(err, "clutter", cfg->clutter, "a number from 0 to 1");
    if (!(cfg->occlusion >= 0.0 && cfg->occlusion <= 1.0))
        return bad_range(err, "occlusion", cfg->occlusion, "a probability from 0 to 1");
    if (!(cfg->object_scale >= 0.1 && cfg->object_scale <= 10.0))
        return bad_range(err, "object_scale", cfg->object_scale, "a size factor from 0.1 to 10");
    if (!(cfg->photons >= 1.0 && cfg->photons <= 1e9))
        return bad_range(err, "photons", cfg->photons,
                         "unattenuated photons per pixel from 1 to 1e9");
    if (!(cfg->blur_px >= 0.0 && cfg->blur_px <= 20.0))
        return bad_range(err, "blur_px", cfg->blur_px, "a blur sigma from 0 to 20 pixels");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Image formation                                                     */
/* ------------------------------------------------------------------ */

/* Two standard normal deviates (Marsaglia's polar method keeps both; the
 * two coordinates take 24 random bits each from one 64-bit draw). */
static void normal_pair(bl_rng_t *rng, float *z0, float *z1) {
    float u, v, s;
    do {
        uint64_t x = bl_rng_next(rng);
        u = (float)(x >> 40) * 0x1.0p-23f - 1.0f;
        v = (float)((x >> 8) & 0xffffffu) * 0x1.0p-23f - 1.0f;
        s = u * u + v * v;
    } while (s >= 1.0f || s == 0.0f);
    float f = sqrtf(-2.0f * logf(s) / s);
    *z0 = u * f;
    *z1 = v * f;
}

/* Poisson(m) for m < EXACT_POISSON_BELOW by sequential inversion. */
static double poisson_small(bl_rng_t *rng, double m) {
    double u = bl_rng_uniform(rng), p = exp(-m), f = p;
    int k = 0;
    while (u > f && k < 200) {
        k++;
        p *= m / k;
        f += p;
    }
    return k;
}

/* Counts for line integrals acc[0..n-1], turned into I in place. */
static void expose(float *acc, size_t n, double n0, bl_rng_t *rng) {
    const double inv = 1.0 / n0, floor_i = 0.5 / n0;
    float z[2];
    int left = 0;
    /* Single precision for exp and sqrt (relative error ~1e-7, far below
     * the noise): this loop is most of the generator's time. */
    const float n0f = (float)n0;
    for (size_t i = 0; i < n; i++) {
        float mf = n0f * expf(-acc[i]);
        double m = mf, c;
        if (m < EXACT_POISSON_BELOW) {
            c = poisson_small(rng, m);
        } else {
            if (left == 0) {
                normal_pair(rng, &z[0], &z[1]);
                left = 2;
            }
            c = floorf(mf + sqrtf(mf) * z[--left] + 0.5f);
        }
        double t = c * inv;
        acc[i] = (float)(t < floor_i ? floor_i : t);
    }
}

/* Separable Gaussian blur of img (w x h) through tmp; clamped edges. */
static void blur(float *img, float *tmp, int w, int h, double sigma) {
    enum { MAX_R = 60 };
    float k[2 * MAX_R + 1];
    int rad = (int)ceil(3.0 * sigma);
    rad = rad > MAX_R ? MAX_R : rad;
    double sum = 0.0;
    for (int i = -rad; i <= rad; i++)
        sum += exp(-0.5 * i * i / (sigma * sigma));
    for (int i = -rad; i <= rad; i++)
        k[i + rad] = (float)(exp(-0.5 * i * i / (sigma * sigma)) / sum);
    for (int y = 0; y < h; y++) { /* rows: img -> tmp */
        const float *in = img + (size_t)y * w;
        float *out = tmp + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            float s = 0.0f;
            if (x >= rad && x + rad < w) {
                for (int j = -rad; j <= rad; j++)
                    s += k[j + rad] * in[x + j];
            } else {
                for (int j = -rad; j <= rad; j++) {
                    int xx = x + j < 0 ? 0 : (x + j >= w ? w - 1 : x + j);
                    s += k[j + rad] * in[xx];
                }
            }
            out[x] = s;
        }
    }
    for (int y = 0; y < h; y++) { /* columns: tmp -> img, a row at a time */
        float *out = img + (size_t)y * w;
        for (int x = 0; x < w; x++)
            out[x] = 0.0f;
        for (int j = -rad; j <= rad; j++) {
            int yy = y + j < 0 ? 0 : (y + j >= h ? h - 1 : y + j);
            const float *in = tmp + (size_t)yy * w;
            const float kj = k[j + rad];
            for (int x = 0; x < w; x++)
                out[x] += kj * in[x];
        }
    }
}

static void clamp_image(float *img, size_t n, double n0) {
    const float lo = (float)(0.5 / n0);
    for (size_t i = 0; i < n; i++)
        img[i] = img[i] < lo ? lo : (img[i] > 1.0f ? 1.0f : img[i]);
}

/* Line integrals in b -> noisy, blurred transmissions; describe in scan. */
static void form_image(const bl_xray_config_t *cfg, bl_scan_buffer_t *b, bl_rng_t *rng,
                       double px_mm, uint64_t id, bl_scan_t *scan) {
    const int w = (int)b->width, h = (int)b->height;
    const size_t n = (size_t)w * (size_t)h;
    expose(b->high, n, cfg->photons, rng);
    if (cfg->dual_energy)
        expose(b->low, n, cfg->photons, rng);
    if (cfg->blur_px > 0.0) {
        blur(b->high, b->scratch, w, h, cfg->blur_px);
        if (cfg->dual_energy)
            blur(b->low, b->scratch, w, h, cfg->blur_px);
    }
    clamp_image(b->high, n, cfg->photons);
    if (cfg->dual_energy)
        clamp_image(b->low, n, cfg->photons);

    memset(scan, 0, sizeof *scan);
    scan->size = (uint32_t)sizeof *scan;
    scan->width = (uint32_t)w;
    scan->height = (uint32_t)h;
    scan->depth = 1;
    scan->energies = cfg->dual_energy ? 2 : 1;
    scan->pixel_mm = px_mm;
    scan->id = id;
    scan->low = cfg->dual_energy ? b->low : NULL;
    scan->high = b->high;
}

void bl_xray_generate(const bl_xray_config_t *cfg, int force_threat, uint64_t id, bl_rng_t *rng,
                      bl_scan_buffer_t *b, bl_scan_t *scan, bl_scan_truth_t *truth) {
    const int w = (int)b->width, h = (int)b->height;
    const size_t n = (size_t)w * (size_t)h;
    gen_t g;
    uint32_t threats[BL_SCAN_MAX_OBJECTS];
    unsigned n_threats = 0;

    memset(&g, 0, sizeof g);
    g.cfg = cfg;
    g.rng = rng;
    g.w = w;
    g.h = h;
    g.acc_lo = b->low;
    g.acc_hi = b->high;
    g.px_mm = cfg->pixel_mm > 0.0 ? cfg->pixel_mm : bl_xray_fov_mm(cfg->subject) / (w > h ? w : h);

    /* Which threats: drawn for every class, so the stream stays aligned. */
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        double u = bl_rng_uniform(rng);
        bool yes = force_threat < 0 ? u < cfg->prevalence[c] : c == force_threat;
        if (yes && n_threats < BL_SCAN_MAX_OBJECTS)
            threats[n_threats++] = (uint32_t)c;
    }

    memset(b->low, 0, n * sizeof *b->low);
    memset(b->high, 0, n * sizeof *b->high);
    if (cfg->subject == BL_SUBJECT_CONTAINER)
        bl_xray_container_scene(&g);
    else
        bl_xray_bag_scene(&g);

    if (truth != NULL)
        memset(truth, 0, sizeof *truth);
    for (unsigned i = 0; i < n_threats; i++) {
        double scale = cfg->object_scale * uniform_in(rng, 0.85, 1.15);
        g.track = true;
        g.fx0 = g.fy0 = INT32_MAX;
        g.fx1 = g.fy1 = -1;
        bl_xray_place_threat(&g, threats[i], scale);
        g.track = false;
        if (truth != NULL && g.fx1 >= 0) {
            truth->objects[truth->n].threat = threats[i];
            truth->objects[truth->n].box[0] = (float)g.fx0;
            truth->objects[truth->n].box[1] = (float)g.fy0;
            truth->objects[truth->n].box[2] = (float)(g.fx1 + 1);
            truth->objects[truth->n].box[3] = (float)(g.fy1 + 1);
            truth->n++;
        }
    }

    form_image(cfg, b, rng, g.px_mm, id, scan);
}

void bl_xray_slab(const bl_xray_config_t *cfg, int material, double density, double thickness_cm,
                  bl_rng_t *rng, bl_scan_buffer_t *b, bl_scan_t *scan) {
    const size_t n = (size_t)b->width * b->height;
    const float lo = (float)(bl_material_mu(material, false) * density * thickness_cm);
    const float hi = (float)(bl_material_mu(material, true) * density * thickness_cm);
    for (size_t i = 0; i < n; i++) {
        b->low[i] = lo;
        b->high[i] = hi;
    }
    double px_mm = cfg->pixel_mm > 0.0 ? cfg->pixel_mm
                                       : bl_xray_fov_mm(cfg->subject) /
                                             (b->width > b->height ? b->width : b->height);
    form_image(cfg, b, rng, px_mm, 0, scan);
}
