/*
 * Synthetic dual-energy X-ray scans: see xray.h.
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
/* Drawing: shapes deposit attenuation into the accumulators           */
/* ------------------------------------------------------------------ */

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

/* Where an object sits: centre (pixels), rotation, mm per local unit. */
typedef struct pose {
    double cx, cy, c, s, k; /* k = scale / px_mm: local mm -> pixels */
} pose_t;

static double uniform_in(bl_rng_t *rng, double lo, double hi) {
    return lo + (hi - lo) * bl_rng_uniform(rng);
}

static void to_image(const pose_t *p, double u, double v, double *x, double *y) {
    *x = p->cx + p->k * (u * p->c - v * p->s);
    *y = p->cy + p->k * (u * p->s + v * p->c);
}

/*
 * Fill the polygon (image pixels, n <= 16 vertices, any winding, even-odd)
 * with attenuation `material` x density x thickness_cm; pixels are in when
 * their centre is.  With chord_r > 0 the thickness is that of a cylinder
 * whose axis passes through (ax, ay) with unit normal (nx, ny): it falls as
 * sqrt(1 - (d / chord_r)^2) with the distance d (pixels) from the axis.
 */
typedef struct chord {
    double r, ax, ay, nx, ny;
} chord_t;

static void fill_polygon(gen_t *g, const double (*pt)[2], int n, int material, double density,
                         double thickness_cm, const chord_t *ch) {
    double ymin = pt[0][1], ymax = pt[0][1];
    for (int i = 1; i < n; i++) {
        ymin = pt[i][1] < ymin ? pt[i][1] : ymin;
        ymax = pt[i][1] > ymax ? pt[i][1] : ymax;
    }
    int y0 = (int)ceil(ymin - 0.5), y1 = (int)floor(ymax - 0.5);
    y0 = y0 < 0 ? 0 : y0;
    y1 = y1 >= g->h ? g->h - 1 : y1;
    const float alo = (float)(materials[material].mu[0] * density * thickness_cm);
    const float ahi = (float)(materials[material].mu[1] * density * thickness_cm);
    for (int y = y0; y <= y1; y++) {
        double yc = y + 0.5, xs[16];
        int nx = 0;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double ya = pt[j][1], yb = pt[i][1];
            if ((ya <= yc && yc < yb) || (yb <= yc && yc < ya))
                xs[nx++] = pt[j][0] + (yc - ya) * (pt[i][0] - pt[j][0]) / (yb - ya);
        }
        for (int i = 1; i < nx; i++) /* insertion sort: a handful of crossings */
            for (int k = i; k > 0 && xs[k - 1] > xs[k]; k--) {
                double t = xs[k];
                xs[k] = xs[k - 1];
                xs[k - 1] = t;
            }
        float *lo = g->acc_lo + (size_t)y * (size_t)g->w;
        float *hi = g->acc_hi + (size_t)y * (size_t)g->w;
        for (int i = 0; i + 1 < nx; i += 2) {
            int xa = (int)ceil(xs[i] - 0.5), xb = (int)ceil(xs[i + 1] - 0.5) - 1;
            xa = xa < 0 ? 0 : xa;
            xb = xb >= g->w ? g->w - 1 : xb;
            if (xa > xb)
                continue;
            if (g->track) {
                g->fx0 = xa < g->fx0 ? xa : g->fx0;
                g->fx1 = xb > g->fx1 ? xb : g->fx1;
                g->fy0 = y < g->fy0 ? y : g->fy0;
                g->fy1 = y > g->fy1 ? y : g->fy1;
            }
            if (ch == NULL) {
                for (int x = xa; x <= xb; x++) {
                    lo[x] += alo;
                    hi[x] += ahi;
                }
                continue;
            }
            const double inv_r2 = 1.0 / (ch->r * ch->r);
            for (int x = xa; x <= xb; x++) {
                double d = (x + 0.5 - ch->ax) * ch->nx + (yc - ch->ay) * ch->ny;
                double q = 1.0 - d * d * inv_r2;
                float f = q > 0.0 ? (float)sqrt(q) : 0.0f;
                lo[x] += alo * f;
                hi[x] += ahi * f;
            }
        }
    }
}

/* A polygon given in the object's local mm coordinates. */
static void poly(gen_t *g, const pose_t *p, const double (*local)[2], int n, int material,
                 double density, double thickness_cm) {
    double pt[16][2];
    for (int i = 0; i < n && i < 16; i++)
        to_image(p, local[i][0], local[i][1], &pt[i][0], &pt[i][1]);
    fill_polygon(g, (const double(*)[2])pt, n < 16 ? n : 16, material, density, thickness_cm, NULL);
}

/* A box [u0, u1] x [v0, v1] (local mm) of constant thickness. */
static void box(gen_t *g, const pose_t *p, double u0, double v0, double u1, double v1, int material,
                double density, double thickness_cm) {
    const double q[4][2] = {{u0, v0}, {u1, v0}, {u1, v1}, {u0, v1}};
    poly(g, p, q, 4, material, density, thickness_cm);
}

/* A cylinder lying along local u from u0 to u1, axis at v = 0, radius r mm
 * (negative density removes material: a hollow cylinder is two calls). */
static void cylinder(gen_t *g, const pose_t *p, double u0, double u1, double r, int material,
                     double density) {
    double pt[4][2];
    const double q[4][2] = {{u0, -r}, {u1, -r}, {u1, r}, {u0, r}};
    for (int i = 0; i < 4; i++)
        to_image(p, q[i][0], q[i][1], &pt[i][0], &pt[i][1]);
    chord_t ch = {r * p->k, p->cx, p->cy, -p->s, p->c};
    fill_polygon(g, (const double(*)[2])pt, 4, material, density, 2.0 * r / 10.0, &ch);
}

/* A disc of radius r mm centred at local (u, v), constant thickness. */
static void disc(gen_t *g, const pose_t *p, double u, double v, double r, int material,
                 double density, double thickness_cm) {
    double q[16][2];
    for (int i = 0; i < 16; i++) {
        double a = 2.0 * M_PI * i / 16.0;
        q[i][0] = u + r * cos(a);
        q[i][1] = v + r * sin(a);
    }
    poly(g, p, (const double(*)[2])q, 16, material, density, thickness_cm);
}

/* A random pose at (x, y) pixels with any rotation, at the given scale. */
static pose_t pose_at(gen_t *g, double x, double y, double scale) {
    double a = uniform_in(g->rng, 0.0, 2.0 * M_PI);
    pose_t p = {x, y, cos(a), sin(a), scale / g->px_mm};
    return p;
}

/* A random point of the subject's interior. */
static void somewhere(gen_t *g, double *x, double *y) {
    *x = uniform_in(g->rng, g->in[0], g->in[2]);
    *y = uniform_in(g->rng, g->in[1], g->in[3]);
}

static void add_spot(gen_t *g, const pose_t *p) {
    if (g->n_spots < MAX_SPOTS) {
        g->spot[g->n_spots][0] = p->cx;
        g->spot[g->n_spots][1] = p->cy;
        g->n_spots++;
    }
}

/* ------------------------------------------------------------------ */
/* Benign objects (mm, g/cm^3, cm)                                     */
/* ------------------------------------------------------------------ */

/* A water bottle lying down: polyethylene shell 0.5 mm, water inside. */
static void bottle(gen_t *g, const pose_t *p, double r, double len) {
    cylinder(g, p, -len / 2, len / 2, r, BL_MATERIAL_ORGANIC, 0.94);
    cylinder(g, p, -len / 2, len / 2, r - 0.5, BL_MATERIAL_ORGANIC, -0.94);
    cylinder(g, p, -len / 2 + 1, len / 2 - 1, r - 0.5, BL_MATERIAL_WATER, 1.0);
}

/* A phone: glass front and back (as aluminium, 0.6 mm each), aluminium
 * frame, a battery (0.3 mm steel-equivalent of electrode metals and 3 mm
 * of aluminium-like layers) and a board (copper as steel, 0.1 mm). */
static void phone(gen_t *g, const pose_t *p, double len, double wid) {
    box(g, p, -len / 2, -wid / 2, len / 2, wid / 2, BL_MATERIAL_ALUMINIUM, 2.5, 0.12);
    box(g, p, -len / 2, -wid / 2, len / 2, -wid / 2 + 3, BL_MATERIAL_ALUMINIUM, 2.699, 0.8);
    box(g, p, -len / 2, wid / 2 - 3, len / 2, wid / 2, BL_MATERIAL_ALUMINIUM, 2.699, 0.8);
    box(g, p, -len * 0.4, -wid * 0.38, len * 0.2, wid * 0.38, BL_MATERIAL_ALUMINIUM, 2.699, 0.3);
    box(g, p, -len * 0.4, -wid * 0.38, len * 0.2, wid * 0.38, BL_MATERIAL_STEEL, 7.85, 0.03);
    box(g, p, len * 0.22, -wid * 0.4, len * 0.45, wid * 0.4, BL_MATERIAL_STEEL, 7.85, 0.01);
    box(g, p, len * 0.22, -wid * 0.4, len * 0.45, wid * 0.4, BL_MATERIAL_ORGANIC, 1.9, 0.1);
}

/* A laptop: aluminium shell (2 x 1 mm), glass screen (0.7 mm, as aluminium),
 * a battery pack and a board, as for the phone. */
static void laptop(gen_t *g, const pose_t *p, double len, double wid) {
    box(g, p, -len / 2, -wid / 2, len / 2, wid / 2, BL_MATERIAL_ALUMINIUM, 2.699, 0.2);
    box(g, p, -len / 2, -wid / 2, len / 2, wid / 2, BL_MATERIAL_ALUMINIUM, 2.5, 0.07);
    box(g, p, -len / 2, -wid / 2, len / 2, wid / 2, BL_MATERIAL_ORGANIC, 1.2, 0.5);
    box(g, p, -len * 0.4, wid * 0.1, len * 0.4, wid * 0.42, BL_MATERIAL_ALUMINIUM, 2.699, 0.4);
    box(g, p, -len * 0.4, wid * 0.1, len * 0.4, wid * 0.42, BL_MATERIAL_STEEL, 7.85, 0.03);
    box(g, p, -len * 0.35, -wid * 0.35, len * 0.1, wid * 0.05, BL_MATERIAL_STEEL, 7.85, 0.01);
}

static void benign_bag_item(gen_t *g) {
    bl_rng_t *r = g->rng;
    double x, y;
    somewhere(g, &x, &y);
    pose_t p = pose_at(g, x, y, 1.0);
    unsigned kind = (unsigned)bl_rng_below(r, 100);
    if (kind < 34) { /* folded clothes: fabric and air */
        double a = uniform_in(r, 200, 400), b = uniform_in(r, 150, 350);
        box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_ORGANIC, uniform_in(r, 0.1, 0.3),
            uniform_in(r, 2.0, 6.0));
    } else if (kind < 42) { /* a book or papers */
        double a = uniform_in(r, 150, 240), b = uniform_in(r, 110, 170);
        box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_ORGANIC, uniform_in(r, 0.7, 0.9),
            uniform_in(r, 1.0, 4.0));
        add_spot(g, &p);
    } else if (kind < 52) { /* a water bottle */
        bottle(g, &p, uniform_in(r, 25, 40), uniform_in(r, 150, 250));
        add_spot(g, &p);
    } else if (kind < 60) { /* toiletries: liquids, or an aluminium aerosol can (0.4 mm) */
        double rad = uniform_in(r, 15, 28), len = uniform_in(r, 70, 160);
        if (bl_rng_uniform(r) < 0.4) {
            cylinder(g, &p, -len / 2, len / 2, rad, BL_MATERIAL_ALUMINIUM, 2.699);
            cylinder(g, &p, -len / 2, len / 2, rad - 0.4, BL_MATERIAL_ALUMINIUM, -2.699);
        } else {
            cylinder(g, &p, -len / 2, len / 2, rad, BL_MATERIAL_WATER, 1.0);
        }
    } else if (kind < 67) { /* a pair of shoes: soles, leather uppers over 6 cm */
        double sole = uniform_in(r, 0.3, 1.1); /* EVA foam to solid rubber */
        for (int i = 0; i < 2; i++) {
            double v = i == 0 ? -55.0 : 55.0;
            box(g, &p, -140, v - 45, 140, v + 45, BL_MATERIAL_ORGANIC, sole, 2.0);
            box(g, &p, -140, v - 45, 140, v + 45, BL_MATERIAL_ORGANIC, 0.1, 6.0);
        }
        add_spot(g, &p);
    } else if (kind < 73) { /* laptop or tablet */
        bool big = bl_rng_uniform(r) < 0.6;
        laptop(g, &p, big ? uniform_in(r, 300, 360) : uniform_in(r, 220, 260),
               big ? uniform_in(r, 210, 250) : uniform_in(r, 150, 180));
        add_spot(g, &p);
    } else if (kind < 82) { /* phone */
        phone(g, &p, uniform_in(r, 135, 165), uniform_in(r, 65, 78));
    } else if (kind < 87) { /* charger: plastic case, copper windings (as steel) */
        double a = uniform_in(r, 40, 70);
        box(g, &p, -a / 2, -a / 2, a / 2, a / 2, BL_MATERIAL_ORGANIC, 1.2, 3.0);
        box(g, &p, -a / 4, -a / 4, a / 4, a / 4, BL_MATERIAL_STEEL, 7.85, uniform_in(r, 0.1, 0.3));
    } else if (kind < 92) { /* keys, or coins (copper-nickel alloys, as steel) */
        if (bl_rng_uniform(r) < 0.5) {
            double a = uniform_in(r, 30, 60), b = uniform_in(r, 20, 35);
            box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_STEEL, 7.85,
                uniform_in(r, 0.1, 0.3));
        } else {
            for (int i = 0, nc = 2 + (int)bl_rng_below(r, 6); i < nc; i++)
                disc(g, &p, uniform_in(r, -30, 30), uniform_in(r, -20, 20), uniform_in(r, 9, 13),
                     BL_MATERIAL_STEEL, 7.85, 0.2);
        }
    } else if (kind < 95) { /* a folding umbrella: fabric roll, aluminium shaft (tube) */
        double len = uniform_in(r, 220, 300);
        cylinder(g, &p, -len / 2, len / 2, uniform_in(r, 20, 30), BL_MATERIAL_ORGANIC, 0.3);
        cylinder(g, &p, -len / 2, len / 2, 5, BL_MATERIAL_ALUMINIUM, 2.699);
        cylinder(g, &p, -len / 2, len / 2, 4.2, BL_MATERIAL_ALUMINIUM, -2.699);
    } else { /* a belt: leather strap, steel buckle */
        box(g, &p, -200, -18, 200, 18, BL_MATERIAL_ORGANIC, 1.0, 0.8);
        box(g, &p, 200, -25, 245, 25, BL_MATERIAL_STEEL, 7.85, 0.3);
        box(g, &p, 208, -17, 237, 17, BL_MATERIAL_STEEL, 7.85, -0.3);
    }
}

/* ------------------------------------------------------------------ */
/* Threats                                                             */
/* ------------------------------------------------------------------ */

/* A pistol, ~190 mm long (s = 1): steel slide and barrel (8-14 mm of steel
 * across the beam), polymer grip around a steel magazine. */
static void pistol(gen_t *g, const pose_t *p) {
    static const double grip[4][2] = {{30, 14}, {72, 14}, {92, 118}, {50, 118}};
    static const double mag[4][2] = {{40, 14}, {64, 14}, {82, 112}, {58, 112}};
    static const double guard[4][2] = {{0, 14}, {30, 14}, {30, 40}, {8, 40}};
    box(g, p, -95, -16, 95, 14, BL_MATERIAL_STEEL, 7.85, uniform_in(g->rng, 0.8, 1.4));
    poly(g, p, grip, 4, BL_MATERIAL_ORGANIC, 1.2, 2.8);
    poly(g, p, mag, 4, BL_MATERIAL_STEEL, 7.85, uniform_in(g->rng, 0.3, 0.5));
    poly(g, p, guard, 4, BL_MATERIAL_ORGANIC, 1.2, 0.8);
}

/* A knife: steel blade 100-200 mm, 1.5-3 mm thick; handle of wood or
 * plastic around a steel tang. */
static void knife(gen_t *g, const pose_t *p) {
    bl_rng_t *r = g->rng;
    double len = uniform_in(r, 100, 200), wid = uniform_in(r, 20, 40), hl = uniform_in(r, 90, 120);
    const double blade[4][2] = {
        {0, -wid / 2}, {len, -wid / 2 + 0.15 * wid}, {0.7 * len, wid / 2}, {0, wid / 2}};
    poly(g, p, blade, 4, BL_MATERIAL_STEEL, 7.85, uniform_in(r, 0.15, 0.3));
    box(g, p, -hl, -0.35 * wid, 0, 0.35 * wid, BL_MATERIAL_ORGANIC, uniform_in(r, 0.9, 1.3),
        uniform_in(r, 1.5, 2.2));
    box(g, p, -0.9 * hl, -0.12 * wid, 0, 0.12 * wid, BL_MATERIAL_STEEL, 7.85, 0.2);
}

static void place_threat(gen_t *g, uint32_t threat, double scale) {
    bl_rng_t *r = g->rng;
    double x, y;
    bool container = g->cfg->subject == BL_SUBJECT_CONTAINER;
    if (g->n_spots > 0 && bl_rng_uniform(r) < g->cfg->occlusion) {
        unsigned i = (unsigned)bl_rng_below(r, g->n_spots);
        x = g->spot[i][0] + uniform_in(r, -0.02, 0.02) * g->w;
        y = g->spot[i][1] + uniform_in(r, -0.02, 0.02) * g->h;
    } else {
        somewhere(g, &x, &y);
    }
    pose_t p = pose_at(g, x, y, scale);
    /* In a container a threat is a consignment: layers stacked along the
     * beam and copies side by side (a crate of pistols, a pallet of bricks). */
    int layers = container ? 1 + (int)bl_rng_below(r, 8) : 1;
    switch (threat) {
    case BL_THREAT_FIREARM:
    case BL_THREAT_KNIFE: {
        int nu = container ? 3 : 1, nv = container ? 2 : 1;
        for (int i = 0; i < nu; i++)
            for (int j = 0; j < nv; j++)
                for (int l = 0; l < layers; l++) {
                    pose_t q = p;
                    double du = (i - (nu - 1) / 2.0) * 230, dv = (j - (nv - 1) / 2.0) * 150;
                    to_image(&p, du, dv, &q.cx, &q.cy);
                    if (threat == BL_THREAT_FIREARM)
                        pistol(g, &q);
                    else
                        knife(g, &q);
                }
        break;
    }
    case BL_THREAT_METAL: { /* a steel block or tool, or now and then lead */
        double a = uniform_in(r, 50, 150), b = uniform_in(r, 50, 150);
        if (container) {
            a *= 4;
            b *= 4;
        }
        if (bl_rng_uniform(r) < 0.2)
            box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_LEAD, 11.35,
                uniform_in(r, 0.3, 1.0) * layers);
        else
            box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_STEEL, 7.85,
                uniform_in(r, 0.5, 2.0) * layers);
        break;
    }
    case BL_THREAT_EXPLOSIVE: { /* a C-4-like block with a detonator and wires */
        double a = uniform_in(r, 120, 180), b = uniform_in(r, 70, 110);
        if (container) {
            a *= 3;
            b *= 3;
        }
        box(g, &p, -a / 2, -b / 2, a / 2, b / 2, BL_MATERIAL_EXPLOSIVE, 1.6,
            uniform_in(r, 3.0, 5.0) * layers);
        cylinder(g, &p, a / 2 - 40, a / 2 + 10, 3.5, BL_MATERIAL_ALUMINIUM, 2.699);
        box(g, &p, a / 2 + 10, -1, a / 2 + 60, 1, BL_MATERIAL_STEEL, 7.85, 0.1);
        break;
    }
    case BL_THREAT_DRUGS: { /* pressed bricks, 200-250 x 120-150 x 30-50 mm, taped */
        int nu = 1 + (int)bl_rng_below(r, 2), nv = 1 + (int)bl_rng_below(r, 2);
        if (container) {
            nu *= 3;
            nv *= 3;
        }
        double a = uniform_in(r, 200, 250), b = uniform_in(r, 120, 150);
        double t = uniform_in(r, 3.0, 5.0) * (1 + (int)bl_rng_below(r, 2)) * layers;
        double dens = uniform_in(r, 0.9, 1.2);
        for (int i = 0; i < nu; i++)
            for (int j = 0; j < nv; j++) {
                double u0 = (i - nu / 2.0) * (a + 4), v0 = (j - nv / 2.0) * (b + 4);
                box(g, &p, u0, v0, u0 + a, v0 + b, BL_MATERIAL_DRUG, dens, t);
                box(g, &p, u0, v0, u0 + a, v0 + b, BL_MATERIAL_ORGANIC, 0.94, 0.05);
            }
        break;
    }
    case BL_THREAT_CIGARETTES: {
        /* Cartons of 200 lying flat, 275 x 88 x 44 mm (~1100 cm^3, ~280 g):
         * 200 x ~0.75 g of tobacco over the carton (0.135 g/cm^3) plus
         * filters, paper and board (~0.115 g/cm^3, as polyethylene); a
         * smuggler's bag holds 10-30 of them, 2-3 across and 3-5 deep. */
        int nu = 1 + (int)bl_rng_below(r, 2), nv = 2 + (int)bl_rng_below(r, 2);
        int deep = 3 + (int)bl_rng_below(r, 3);
        if (container) {
            nu *= 3;
            nv *= 3;
            deep *= 4;
        }
        for (int i = 0; i < nu; i++)
            for (int j = 0; j < nv; j++) {
                double u0 = (i - nu / 2.0) * 277, v0 = (j - nv / 2.0) * 90;
                box(g, &p, u0, v0, u0 + 275, v0 + 88, BL_MATERIAL_TOBACCO, 0.135, 4.4 * deep);
                box(g, &p, u0, v0, u0 + 275, v0 + 88, BL_MATERIAL_ORGANIC, 0.115, 4.4 * deep);
            }
        break;
    }
    case BL_THREAT_CURRENCY: {
        /* Bundles of 100 banknotes, 156 x 66 x 11 mm at ~0.88 g/cm^3. */
        int nu = 2 + (int)bl_rng_below(r, 2), nv = 2 + (int)bl_rng_below(r, 3);
        int deep = 2 + (int)bl_rng_below(r, 4);
        if (container) {
            nu *= 3;
            nv *= 3;
        }
        for (int i = 0; i < nu; i++)
            for (int j = 0; j < nv; j++) {
                double u0 = (i - nu / 2.0) * 157, v0 = (j - nv / 2.0) * 67;
                box(g, &p, u0, v0, u0 + 156, v0 + 66, BL_MATERIAL_ORGANIC, 0.88,
                    1.1 * deep * layers);
            }
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Subjects                                                            */
/* ------------------------------------------------------------------ */

static void bag_scene(gen_t *g) {
    bl_rng_t *r = g->rng;
    double fw = g->w * g->px_mm, fh = g->h * g->px_mm; /* field, mm */
    double bw = uniform_in(r, 400, 560), bh = uniform_in(r, 300, 420);
    if ((fw < fh) != (bw < bh)) { /* lie along the long side of the image */
        double t = bw;
        bw = bh;
        bh = t;
    }
    bw = bw > 0.92 * fw ? 0.92 * fw : bw;
    bh = bh > 0.92 * fh ? 0.92 * fh : bh;
    double cx = g->w / 2.0 + uniform_in(r, -0.03, 0.03) * g->w;
    double cy = g->h / 2.0 + uniform_in(r, -0.03, 0.03) * g->h;
    pose_t p = {cx, cy, 1.0, 0.0, 1.0 / g->px_mm};
    /* Shell: two walls of 3 mm nylon/polyester (as polyethylene). */
    box(g, &p, -bw / 2, -bh / 2, bw / 2, bh / 2, BL_MATERIAL_ORGANIC, 1.1, 0.6);
    /* A trolley handle: two aluminium tubes (20 mm, 1 mm wall) along an edge. */
    if (bl_rng_uniform(r) < 0.5)
        for (int i = 0; i < 2; i++) {
            pose_t t = p;
            t.c = 0.0;
            t.s = 1.0; /* along the image's y */
            to_image(&p, (i == 0 ? -0.25 : 0.25) * bw, -bh / 2 + 20, &t.cx, &t.cy);
            cylinder(g, &t, 0, bh - 40, 10, BL_MATERIAL_ALUMINIUM, 2.699);
            cylinder(g, &t, 0, bh - 40, 9, BL_MATERIAL_ALUMINIUM, -2.699);
        }
    g->in[0] = cx - 0.45 * bw / g->px_mm;
    g->in[2] = cx + 0.45 * bw / g->px_mm;
    g->in[1] = cy - 0.45 * bh / g->px_mm;
    g->in[3] = cy + 0.45 * bh / g->px_mm;
    /* Clutter: 3 items in an empty bag to about 20 in a packed one. */
    double mean = 3.0 + 17.0 * g->cfg->clutter;
    unsigned n = (unsigned)floor(mean * uniform_in(r, 0.7, 1.3) + 0.5);
    for (unsigned i = 0; i < n; i++)
        benign_bag_item(g);
}

/*
 * A 20 ft container seen from the side (6058 x 2591 mm): two corrugated
 * steel side walls (~2 mm each) over the whole box, steel corner posts at
 * the ends, a plywood floor (28 mm, 0.6 g/cm^3) seen edge-on across the
 * 2.35 m width, and pallets of light goods (cartoned textiles, furniture:
 * 0.02-0.08 g/cm^3 averaged over the load).  At 60/150 keV a dense load
 * would be opaque, which is why real cargo scanners use MeV beams: the
 * synthetic containers are light loads.
 */
static void container_scene(gen_t *g) {
    bl_rng_t *r = g->rng;
    double L = 6058, H = 2591;
    double k = 1.0 / g->px_mm;
    double cx = g->w / 2.0, cy = g->h / 2.0;
    pose_t p = {cx, cy, 1.0, 0.0, k};
    box(g, &p, -L / 2, -H / 2, L / 2, H / 2, BL_MATERIAL_STEEL, 7.85, 0.4);
    box(g, &p, -L / 2, -H / 2, -L / 2 + 150, H / 2, BL_MATERIAL_STEEL, 7.85, 1.2);
    box(g, &p, L / 2 - 150, -H / 2, L / 2, H / 2, BL_MATERIAL_STEEL, 7.85, 1.2);
    box(g, &p, -L / 2, H / 2 - 160, L / 2, H / 2 - 132, BL_MATERIAL_ORGANIC, 0.6, 235.0);
    g->in[0] = cx - (L / 2 - 300) * k;
    g->in[2] = cx + (L / 2 - 300) * k;
    g->in[1] = cy - (H / 2 - 300) * k;
    g->in[3] = cy + (H / 2 - 400) * k;
    unsigned n = 2 + (unsigned)floor(8.0 * g->cfg->clutter * uniform_in(r, 0.7, 1.3) + 0.5);
    for (unsigned i = 0; i < n; i++) {
        double px = uniform_in(r, -L / 2 + 200, L / 2 - 1400), ph = uniform_in(r, 1000, 2200);
        double floor_v = H / 2 - 160;
        /* Wooden pallet (144 mm) and the load on it, across the width. */
        box(g, &p, px, floor_v - 144, px + 1200, floor_v, BL_MATERIAL_ORGANIC, 0.15, 100.0);
        box(g, &p, px, floor_v - 144 - ph, px + 1200, floor_v - 144, BL_MATERIAL_ORGANIC,
            uniform_in(r, 0.02, 0.08), 200.0);
        pose_t s = {cx + (px + 600) * k, cy + (floor_v - 144 - ph / 2) * k, 1.0, 0.0, k};
        add_spot(g, &s);
    }
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
        container_scene(&g);
    else
        bag_scene(&g);

    if (truth != NULL)
        memset(truth, 0, sizeof *truth);
    for (unsigned i = 0; i < n_threats; i++) {
        double scale = cfg->object_scale * uniform_in(rng, 0.85, 1.15);
        g.track = true;
        g.fx0 = g.fy0 = INT32_MAX;
        g.fx1 = g.fy1 = -1;
        place_threat(&g, threats[i], scale);
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
