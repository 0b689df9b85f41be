/*
 * What a synthetic X-ray scan shows (see xray.h, xray_internal.h): the
 * subject (a bag with its shell and trolley handle, or a 20 ft container
 * with its walls, floor and pallets), benign clutter, and the threats a
 * scan holds, drawn as shapes (polygons, boxes, cylinders, discs) that
 * deposit their attenuation into the two line-integral accumulators.  The
 * materials, the configuration and the image formation (photon noise,
 * blur) are in xray.c.  Sizes in mm, densities in g/cm^3, thicknesses in
 * cm.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen/xray.h"
#include "gen/xray_internal.h"

/* ------------------------------------------------------------------ */
/* Drawing: shapes deposit attenuation into the accumulators           */
/* ------------------------------------------------------------------ */

/* Where an object sits: centre (pixels), rotation, mm per local unit. */
typedef struct pose {
    double cx, cy, c, s, k; /* k = scale / px_mm: local mm -> pixels */
} pose_t;

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
    const float alo = (float)(bl_material_mu(material, false) * density * thickness_cm);
    const float ahi = (float)(bl_material_mu(material, true) * density * thickness_cm);
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

void bl_xray_place_threat(gen_t *g, uint32_t threat, double scale) {
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

void bl_xray_bag_scene(gen_t *g) {
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
void bl_xray_container_scene(gen_t *g) {
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
