/*
 * Unit tests for core/gen/xray.c: the physics of the synthetic scans (Beer-
 * Lambert attenuation, dual-energy ratio bands, Poisson noise, blur), the
 * generator's determinism, ground truth, prevalence and configuration.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/xray.h"

static const int all_materials[] = {
    BL_MATERIAL_ORGANIC, BL_MATERIAL_WATER,   BL_MATERIAL_ALUMINIUM, BL_MATERIAL_STEEL,
    BL_MATERIAL_LEAD,    BL_MATERIAL_TOBACCO, BL_MATERIAL_DRUG,      BL_MATERIAL_EXPLOSIVE};
enum { N_MATERIALS = sizeof all_materials / sizeof all_materials[0] };

/*
 * Dual-energy ratio bands, R = ln(I_low) / ln(I_high) = mu_low / mu_high
 * for a slab of one material, from the coefficients in core/gen/xray.c:
 *   organic   polyethylene 1.284, RDX 1.355, water 1.368, drug 1.490,
 *             tobacco 1.504                                -> [1.20, 1.60]
 *   inorganic aluminium 2.016                              -> [1.85, 2.20]
 *   metal     lead 2.493, iron 6.135                       -> [2.35, 7.00]
 */
typedef struct band {
    double lo, hi;
} band_t;
static const band_t ORGANIC_BAND = {1.20, 1.60}, INORGANIC_BAND = {1.85, 2.20},
                    METAL_BAND = {2.35, 7.00};

static band_t band_of(int material) {
    switch (material) {
    case BL_MATERIAL_ALUMINIUM:
        return INORGANIC_BAND;
    case BL_MATERIAL_STEEL:
    case BL_MATERIAL_LEAD:
        return METAL_BAND;
    default:
        return ORGANIC_BAND;
    }
}

static double mean_of(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static double var_of(const float *x, size_t n, double scale) {
    double m = mean_of(x, n) * scale, s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] * scale - m) * (x[i] * scale - m);
    return s / (double)(n - 1);
}

static bl_xray_config_t config(uint32_t side) {
    bl_xray_config_t c;
    bl_xray_config_default(&c);
    c.width = c.height = side;
    return c;
}

/* ------------------------------------------------------------------ */
/* Physics                                                            */
/* ------------------------------------------------------------------ */

static void test_xray_transmission_falls_with_thickness(void **state) {
    (void)state;
    for (size_t m = 0; m < N_MATERIALS; m++)
        for (int e = 0; e < 2; e++) {
            double rho = bl_material_density(all_materials[m]), prev = 1.0;
            assert_true(rho > 0.0);
            for (double t = 0.05; t <= 20.0; t *= 1.5) {
                if (bl_material_mu(all_materials[m], e) * rho * t > 700.0)
                    break; /* beyond what a double can hold */
                double tr = bl_xray_transmission(all_materials[m], e, rho, t);
                assert_true(tr < prev && tr > 0.0);
                prev = tr;
            }
        }
    /* Beer-Lambert with the tabulated water coefficient at 60 keV. */
    assert_true(fabs(bl_xray_transmission(BL_MATERIAL_WATER, false, 1.0, 1.0) - exp(-0.2059)) <
                1e-12);
    /* Every material stops the low energy more than the high one. */
    for (size_t m = 0; m < N_MATERIALS; m++)
        assert_true(bl_material_mu(all_materials[m], false) >
                    bl_material_mu(all_materials[m], true));
    assert_true(bl_material_mu(BL_MATERIAL_COUNT, false) == 0.0);
    assert_string_equal(bl_material_name(BL_MATERIAL_STEEL), "steel");
}

/* The compounds follow XCOM's mixture rule over the stated compositions. */
static void test_xray_mixture_rule(void **state) {
    (void)state;
    assert_true(fabs(bl_material_mu(BL_MATERIAL_DRUG, false) - 0.2159) < 5e-4);
    assert_true(fabs(bl_material_mu(BL_MATERIAL_DRUG, true) - 0.1449) < 5e-4);
    assert_true(fabs(bl_material_mu(BL_MATERIAL_TOBACCO, false) - 0.2172) < 5e-4);
    assert_true(fabs(bl_material_mu(BL_MATERIAL_TOBACCO, true) - 0.1444) < 5e-4);
    assert_true(fabs(bl_material_mu(BL_MATERIAL_EXPLOSIVE, false) - 0.1885) < 5e-4);
    assert_true(fabs(bl_material_mu(BL_MATERIAL_EXPLOSIVE, true) - 0.1391) < 5e-4);
}

/* Noise-free ratios fall in their bands, and the bands do not overlap. */
static void test_xray_ratio_bands_noise_free(void **state) {
    (void)state;
    assert_true(ORGANIC_BAND.hi < INORGANIC_BAND.lo && INORGANIC_BAND.hi < METAL_BAND.lo);
    for (size_t m = 0; m < N_MATERIALS; m++) {
        int mat = all_materials[m];
        double rho = bl_material_density(mat);
        band_t b = band_of(mat);
        for (double t = 0.1; t <= 3.0; t += 0.7) {
            double r = log(bl_xray_transmission(mat, false, rho, t)) /
                       log(bl_xray_transmission(mat, true, rho, t));
            assert_true(r >= b.lo && r <= b.hi);
        }
    }
}

/* The same on generated noisy, blurred slabs: the mean ratio over the field
 * sits in its band for thicknesses that leave counts to measure. */
static void test_xray_ratio_bands_on_noisy_slabs(void **state) {
    (void)state;
    static const struct {
        int material;
        double thickness_cm;
    } slabs[] = {
        {BL_MATERIAL_ORGANIC, 2.0},   {BL_MATERIAL_ORGANIC, 10.0},  {BL_MATERIAL_WATER, 5.0},
        {BL_MATERIAL_TOBACCO, 20.0},  {BL_MATERIAL_DRUG, 4.0},      {BL_MATERIAL_EXPLOSIVE, 4.0},
        {BL_MATERIAL_ALUMINIUM, 0.5}, {BL_MATERIAL_ALUMINIUM, 3.0}, {BL_MATERIAL_STEEL, 0.1},
        {BL_MATERIAL_STEEL, 0.5},     {BL_MATERIAL_LEAD, 0.05},     {BL_MATERIAL_LEAD, 0.1},
    };
    bl_xray_config_t cfg = config(64);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    assert_int_equal(bl_scan_buffer_init(&b, 64, 64), 0);
    bl_rng_init(&rng, 11, 0, BL_STREAM_SCANS);
    for (size_t i = 0; i < sizeof slabs / sizeof slabs[0]; i++) {
        int mat = slabs[i].material;
        bl_xray_slab(&cfg, mat, bl_material_density(mat), slabs[i].thickness_cm, &rng, &b, &scan);
        assert_int_equal(scan.energies, 2);
        double r = log(mean_of(scan.low, 64 * 64)) / log(mean_of(scan.high, 64 * 64));
        band_t bd = band_of(mat);
        if (!(r >= bd.lo && r <= bd.hi))
            print_error("%s %.2f cm: R = %.3f outside [%.2f, %.2f]\n", bl_material_name(mat),
                        slabs[i].thickness_cm, r, bd.lo, bd.hi);
        assert_true(r >= bd.lo && r <= bd.hi);
    }
    bl_scan_buffer_fini(&b);
}

/* A flat field of transmission T, no blur: the counts N0 * I have variance
 * equal to their mean (Poisson), in both the normal-approximation regime
 * (means of 47 to 15 000) and the exact one (means 7.5 and 11).  N0 T stays
 * well below N0, so clamping I at 1 changes nothing measurable. */
static void test_xray_noise_is_poisson(void **state) {
    (void)state;
    static const struct {
        double photons, thickness_cm;
    } cases[] = {{2e4, 5.0}, {2e4, 2.0}, {1e3, 10.0}, {100.0, 5.0}, {25.0, 8.0}, {1e3, 30.0}};
    bl_xray_config_t cfg = config(256);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    const size_t n = 256 * 256;
    cfg.blur_px = 0.0;
    assert_int_equal(bl_scan_buffer_init(&b, 256, 256), 0);
    bl_rng_init(&rng, 12, 0, BL_STREAM_SCANS);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfg.photons = cases[i].photons;
        bl_xray_slab(&cfg, BL_MATERIAL_WATER, 1.0, cases[i].thickness_cm, &rng, &b, &scan);
        double t = bl_xray_transmission(BL_MATERIAL_WATER, true, 1.0, cases[i].thickness_cm);
        double mean = mean_of(scan.high, n) * cfg.photons;
        double var = var_of(scan.high, n, cfg.photons);
        if (fabs(mean / (cfg.photons * t) - 1.0) >= 0.01 || fabs(var / mean - 1.0) >= 0.03)
            print_error("N0 %g T %.4f: var %.2f mean %.2f\n", cfg.photons, t, var, mean);
        assert_true(fabs(mean / (cfg.photons * t) - 1.0) < 0.01);
        assert_true(fabs(var / mean - 1.0) < 0.03);
    }
    bl_scan_buffer_fini(&b);
}

/* Blur (a normalised kernel) keeps the mean and cuts the variance. */
static void test_xray_blur_preserves_mean(void **state) {
    (void)state;
    bl_xray_config_t cfg = config(128);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    const size_t n = 128 * 128;
    assert_int_equal(bl_scan_buffer_init(&b, 128, 128), 0);
    cfg.photons = 1e3;
    for (int k = 0; k < 2; k++) {
        double means[2], vars[2];
        for (int blurred = 0; blurred < 2; blurred++) {
            cfg.blur_px = blurred ? (k == 0 ? 0.7 : 2.5) : 0.0;
            bl_rng_init(&rng, 13, 0, BL_STREAM_SCANS);
            bl_xray_slab(&cfg, BL_MATERIAL_ALUMINIUM, 2.699, 1.0, &rng, &b, &scan);
            means[blurred] = mean_of(scan.low, n);
            vars[blurred] = var_of(scan.low, n, 1.0);
        }
        assert_true(fabs(means[1] / means[0] - 1.0) < 1e-4);
        assert_true(vars[1] < 0.6 * vars[0]);
    }
    bl_scan_buffer_fini(&b);
}

/* ------------------------------------------------------------------ */
/* Generator                                                          */
/* ------------------------------------------------------------------ */

static void test_xray_deterministic(void **state) {
    (void)state;
    bl_xray_config_t cfg = config(128);
    bl_scan_buffer_t a, b;
    const size_t n = 128 * 128;
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        cfg.prevalence[c] = 0.3;
    assert_int_equal(bl_scan_buffer_init(&a, 128, 128), 0);
    assert_int_equal(bl_scan_buffer_init(&b, 128, 128), 0);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bl_rng_t r1, r2;
        bl_scan_t s1, s2;
        bl_scan_truth_t t1, t2;
        bl_rng_init(&r1, seed, 0, BL_STREAM_SCANS);
        bl_rng_init(&r2, seed, 0, BL_STREAM_SCANS);
        bl_xray_generate(&cfg, -1, seed, &r1, &a, &s1, &t1);
        bl_xray_generate(&cfg, -1, seed, &r2, &b, &s2, &t2);
        assert_memory_equal(a.low, b.low, n * sizeof(float));
        assert_memory_equal(a.high, b.high, n * sizeof(float));
        assert_memory_equal(&t1, &t2, sizeof t1);
        assert_int_equal(s1.size, sizeof(bl_scan_t));
        assert_int_equal(s1.width, 128);
        assert_int_equal(s1.energies, 2);
        assert_int_equal(s1.depth, 1);
        assert_int_equal(s1.id, seed);
        assert_ptr_equal(s1.low, a.low);
        assert_true(fabs(s1.pixel_mm - 600.0 / 128) < 1e-12);
        for (size_t i = 0; i < n; i++) {
            assert_true(a.low[i] >= 0.5f / 2e4f && a.low[i] <= 1.0f);
            assert_true(a.high[i] >= 0.5f / 2e4f && a.high[i] <= 1.0f);
        }
        /* Another seed: another bag. */
        bl_rng_init(&r2, seed + 100, 0, BL_STREAM_SCANS);
        bl_xray_generate(&cfg, -1, seed, &r2, &b, &s2, &t2);
        assert_true(memcmp(a.low, b.low, n * sizeof(float)) != 0);
    }
    bl_scan_buffer_fini(&a);
    bl_scan_buffer_fini(&b);
    assert_null(a.low);
}

/*
 * Every forced class gives one truth object of that class, its box inside
 * the image, and the box holds the threat's darkest pixels: the clean scan
 * from the same stream has the same clutter (threats are drawn after it), so
 * where the attenuation grew most is the threat.
 */
static void test_xray_truth_boxes_hold_threat(void **state) {
    (void)state;
    enum { SIDE = 96 };
    bl_xray_config_t cfg = config(SIDE);
    bl_scan_buffer_t a, b;
    const size_t n = SIDE * SIDE;
    cfg.blur_px = 0.0;
    cfg.photons = 1e6;
    assert_int_equal(bl_scan_buffer_init(&a, SIDE, SIDE), 0);
    assert_int_equal(bl_scan_buffer_init(&b, SIDE, SIDE), 0);
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        for (uint64_t seed = 1; seed <= 20; seed++) {
            bl_rng_t r1, r2;
            bl_scan_t s1, s2;
            bl_scan_truth_t t1, t2;
            bl_rng_init(&r1, seed, (uint64_t)c, BL_STREAM_SCANS);
            bl_rng_init(&r2, seed, (uint64_t)c, BL_STREAM_SCANS);
            bl_xray_generate(&cfg, 0, seed, &r1, &a, &s1, &t1);
            bl_xray_generate(&cfg, c, seed, &r2, &b, &s2, &t2);
            assert_int_equal(t1.n, 0);
            assert_int_equal(t2.n, 1);
            assert_int_equal(t2.objects[0].threat, (uint32_t)c);
            assert_true(bl_scan_truth_has(&t2, (uint32_t)c) && bl_scan_truth_has(&t2, 0));
            const float *bx = t2.objects[0].box;
            assert_true(bx[0] >= 0.0f && bx[1] >= 0.0f && bx[0] < bx[2] && bx[1] < bx[3]);
            assert_true(bx[2] <= SIDE && bx[3] <= SIDE);
            size_t best = 0, big = 0, big_in = 0;
            double best_d = -1.0;
            for (size_t i = 0; i < n; i++) {
                double d = log(a.high[i]) - log(b.high[i]);
                size_t x = i % SIDE, y = i / SIDE;
                bool in = x >= bx[0] && x < bx[2] && y >= bx[1] && y < bx[3];
                if (d > best_d) {
                    best_d = d;
                    best = i;
                }
                if (d > 0.1) {
                    big++;
                    big_in += in;
                }
            }
            size_t x = best % SIDE, y = best / SIDE;
            assert_true(best_d > 0.1);
            assert_true(x >= bx[0] && x < bx[2] && y >= bx[1] && y < bx[3]);
            assert_true(big_in >= big * 95 / 100);
        }
    bl_scan_buffer_fini(&a);
    bl_scan_buffer_fini(&b);
}

/* Over 2000 scans each class turns up at its prevalence (within 4 sd),
 * independently, several to a scan. */
static void test_xray_prevalence(void **state) {
    (void)state;
    enum { SCANS = 2000 };
    bl_xray_config_t cfg = config(32);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    unsigned seen[BL_THREAT_CLASS_COUNT] = {0}, multi = 0;
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        cfg.prevalence[c] = 0.05 * c;
    assert_int_equal(bl_scan_buffer_init(&b, 32, 32), 0);
    bl_rng_init(&rng, 14, 0, BL_STREAM_SCANS);
    for (unsigned i = 0; i < SCANS; i++) {
        bl_scan_t scan;
        bl_scan_truth_t t;
        bl_xray_generate(&cfg, -1, i, &rng, &b, &scan, &t);
        for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
            seen[c] += bl_scan_truth_has(&t, (uint32_t)c);
        multi += t.n > 1;
    }
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        double p = cfg.prevalence[c], f = (double)seen[c] / SCANS;
        double sd = sqrt(p * (1 - p) / SCANS);
        if (fabs(f - p) > 4 * sd)
            print_error("%s: %.4f of scans, prevalence %.2f\n", bl_threat_name((uint32_t)c), f, p);
        assert_true(fabs(f - p) <= 4 * sd);
    }
    assert_true(multi > SCANS / 4);
    bl_scan_buffer_fini(&b);
}

/* force_threat overrides prevalence: 0 is clean, k is exactly one k. */
static void test_xray_force_threat(void **state) {
    (void)state;
    bl_xray_config_t cfg = config(48);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    bl_scan_truth_t t;
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        cfg.prevalence[c] = 1.0;
    assert_int_equal(bl_scan_buffer_init(&b, 48, 48), 0);
    bl_rng_init(&rng, 15, 0, BL_STREAM_SCANS);
    bl_xray_generate(&cfg, -1, 0, &rng, &b, &scan, &t);
    assert_int_equal(t.n, BL_THREAT_CLASS_COUNT - 1);
    bl_xray_generate(&cfg, 0, 1, &rng, &b, &scan, &t);
    assert_int_equal(t.n, 0);
    assert_false(bl_scan_truth_has(&t, 0));
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        bl_xray_generate(&cfg, c, 2, &rng, &b, &scan, &t);
        assert_int_equal(t.n, 1);
        assert_int_equal(t.objects[0].threat, (uint32_t)c);
    }
    bl_xray_generate(&cfg, 0, 3, &rng, &b, &scan, NULL); /* truth is optional */
    bl_scan_buffer_fini(&b);
}

/* A container: 6.5 m field, steel walls everywhere it is, and a forced
 * consignment much larger (in mm) than a bag's. */
static void test_xray_container(void **state) {
    (void)state;
    bl_xray_config_t cfg = config(256);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    bl_scan_truth_t t;
    cfg.subject = BL_SUBJECT_CONTAINER;
    assert_int_equal(bl_xray_config_validate(&cfg, NULL), 0);
    assert_int_equal(bl_scan_buffer_init(&b, 256, 256), 0);
    bl_rng_init(&rng, 16, 0, BL_STREAM_SCANS);
    bl_xray_generate(&cfg, BL_THREAT_DRUGS, 0, &rng, &b, &scan, &t);
    assert_true(fabs(scan.pixel_mm - 6500.0 / 256) < 1e-12);
    assert_int_equal(t.n, 1);
    double w_mm = (t.objects[0].box[2] - t.objects[0].box[0]) * scan.pixel_mm;
    assert_true(w_mm > 500.0);
    /* Middle of the container: at least the two 2 mm steel walls. */
    double t_walls = bl_xray_transmission(BL_MATERIAL_STEEL, false, 7.85, 0.4);
    assert_true(scan.low[128 * 256 + 128] < 1.2 * t_walls);
    /* Outside it (top rows: the box is 2591 mm of a 6500 mm field): air. */
    assert_true(mean_of(scan.high, 256 * 10) > 0.95);
    bl_scan_buffer_fini(&b);
}

static void test_xray_single_energy(void **state) {
    (void)state;
    bl_xray_config_t cfg = config(32);
    bl_scan_buffer_t b;
    bl_rng_t rng;
    bl_scan_t scan;
    cfg.dual_energy = false;
    assert_int_equal(bl_scan_buffer_init(&b, 32, 32), 0);
    bl_rng_init(&rng, 17, 0, BL_STREAM_SCANS);
    bl_xray_generate(&cfg, BL_THREAT_FIREARM, 0, &rng, &b, &scan, NULL);
    assert_int_equal(scan.energies, 1);
    assert_null(scan.low);
    assert_ptr_equal(scan.high, b.high);
    assert_true(mean_of(scan.high, 32 * 32) < 1.0);
    bl_scan_buffer_fini(&b);
}

static void expect_invalid(const bl_xray_config_t *cfg, const char *field) {
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_xray_config_validate(cfg, &err), BL_EINVAL);
    if (strstr(err.message, field) == NULL)
        print_error("message \"%s\" does not name %s\n", err.message, field);
    assert_non_null(strstr(err.message, field));
    assert_non_null(strstr(err.message, "expected"));
}

static void test_xray_config_validation(void **state) {
    (void)state;
    bl_xray_config_t c = config(512), d;
    assert_int_equal(bl_xray_config_validate(&c, NULL), 0);
    d = c, d.width = 0, expect_invalid(&d, "image 0 x 512");
    d = c, d.pixel_mm = -1, expect_invalid(&d, "pixel_mm");
    d = c, d.subject = 3, expect_invalid(&d, "subject");
    d = c, d.prevalence[BL_THREAT_DRUGS] = NAN, expect_invalid(&d, "prevalence.drugs");
    d = c, d.clutter = 1.5, expect_invalid(&d, "clutter");
    d = c, d.occlusion = -0.1, expect_invalid(&d, "occlusion");
    d = c, d.object_scale = 0, expect_invalid(&d, "object_scale");
    d = c, d.photons = 0.5, expect_invalid(&d, "photons");
    d = c, d.blur_px = 50, expect_invalid(&d, "blur_px");
}

static void test_xray_threat_names(void **state) {
    (void)state;
    static const char *names[] = {"firearm",    "knife",    "explosive", "drugs",
                                  "cigarettes", "currency", "metal"};
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        assert_string_equal(bl_threat_name((uint32_t)c), names[c - 1]);
        assert_int_equal(bl_threat_by_name(names[c - 1]), c);
    }
    assert_int_equal(bl_threat_by_name("bananas"), -1);
    assert_int_equal(bl_threat_by_name(NULL), -1);
    assert_string_equal(bl_threat_name(99), "unknown");
}

static void test_xray_buffer_init_refuses_empty(void **state) {
    (void)state;
    bl_scan_buffer_t b;
    assert_int_equal(bl_scan_buffer_init(&b, 0, 10), BL_EINVAL);
    assert_null(b.low);
    bl_scan_buffer_fini(&b);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xray_transmission_falls_with_thickness),
        cmocka_unit_test(test_xray_mixture_rule),
        cmocka_unit_test(test_xray_ratio_bands_noise_free),
        cmocka_unit_test(test_xray_ratio_bands_on_noisy_slabs),
        cmocka_unit_test(test_xray_noise_is_poisson),
        cmocka_unit_test(test_xray_blur_preserves_mean),
        cmocka_unit_test(test_xray_deterministic),
        cmocka_unit_test(test_xray_truth_boxes_hold_threat),
        cmocka_unit_test(test_xray_prevalence),
        cmocka_unit_test(test_xray_force_threat),
        cmocka_unit_test(test_xray_container),
        cmocka_unit_test(test_xray_single_energy),
        cmocka_unit_test(test_xray_config_validation),
        cmocka_unit_test(test_xray_threat_names),
        cmocka_unit_test(test_xray_buffer_init_refuses_empty),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
