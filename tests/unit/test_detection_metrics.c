/*
 * Unit tests for core/stats/detection_metrics.c.
 *
 * Reference values: brute-force counting over all pairs in the test itself;
 * the rating data of Hanley and McNeil (1982); exact rational arithmetic in
 * Python (fractions) for DeLong's structural components; hand-worked
 * average precision, checked with a numpy transcription of the COCO
 * accumulation (np.linspace recall points, np.searchsorted side='left').
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "borderlab/plugin.h"
#include "stats/detection_metrics.h"
#include "stats/rng.h"

static void expect_near(double got, double expected, double tol, const char *what) {
    if (!(fabs(got - expected) <= tol))
        fail_msg("%s: got %.17g, expected %.17g (tolerance %g)", what, got, expected, tol);
}

/* Mann-Whitney U / (n_pos n_neg) over all pairs, ties 1/2. */
static double brute_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg) {
    uint64_t twice = 0;
    for (size_t i = 0; i < n_pos; i++)
        for (size_t j = 0; j < n_neg; j++)
            twice += pos[i] > neg[j] ? 2 : pos[i] == neg[j] ? 1 : 0;
    return (double)twice / (2.0 * (double)n_pos * (double)n_neg);
}

/* Scores on a coarse grid so that ties within and across classes are common. */
static void tied_scores(bl_rng_t *rng, double *x, size_t n, double shift) {
    for (size_t i = 0; i < n; i++)
        x[i] = floor(4.0 * (bl_rng_normal(rng) + shift)) / 4.0;
}

/* ---------------------------------------------------------------- AUC */

static void test_detection_metrics_auc_is_mann_whitney(void **state) {
    (void)state;
    static const size_t sizes[][2] = {{1, 1}, {1, 9}, {5, 7}, {50, 30}, {300, 200}, {2000, 1500}};
    bl_rng_t rng;
    bl_rng_init(&rng, 2024, 0, 1);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t np = sizes[s][0], nn = sizes[s][1];
        double *pos = malloc(np * sizeof *pos), *neg = malloc(nn * sizeof *neg);
        assert_non_null(pos);
        assert_non_null(neg);
        tied_scores(&rng, pos, np, 0.8);
        tied_scores(&rng, neg, nn, 0.0);
        expect_near(bl_auc(pos, np, neg, nn), brute_auc(pos, np, neg, nn), 1e-15, "AUC vs U");
        /* swapping the classes gives 1 - AUC */
        expect_near(bl_auc(neg, nn, pos, np), 1.0 - brute_auc(pos, np, neg, nn), 1e-15,
                    "AUC of swapped classes");
        free(pos);
        free(neg);
    }
    const double a[] = {1, 2, 3}, b[] = {1, 2, 3};
    expect_near(bl_auc(a, 3, b, 3), 0.5, 0, "identical classes");
    const double hi[] = {5, 6}, lo[] = {1, 2, 3};
    expect_near(bl_auc(hi, 2, lo, 3), 1.0, 0, "separated");
    expect_near(bl_auc(lo, 3, hi, 2), 0.0, 0, "reversed");
    assert_true(isnan(bl_auc(a, 0, b, 3)));
    assert_true(isnan(bl_auc(a, 3, b, 0)));
    const double withnan[] = {1, NAN};
    assert_true(isnan(bl_auc(withnan, 2, b, 3)));
}

/* ---------------------------------------------------------------- ROC */

static void test_detection_metrics_roc_hand_built(void **state) {
    (void)state;
    /* 4 positives, 3 negatives; 0.8 and 0.5 are tied scores. */
    const double s[] = {0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.3};
    const uint8_t l[] = {1, 1, 0, 1, 0, 0, 1};
    const bl_roc_point_t want[] = {
        {INFINITY, 0.0, 0.0}, {0.9, 0.25, 0.0},     {0.8, 0.5, 1.0 / 3},
        {0.7, 0.75, 1.0 / 3}, {0.5, 0.75, 3.0 / 3}, {0.3, 1.0, 1.0},
    };
    bl_roc_point_t *p = NULL;
    size_t n = 0;
    assert_int_equal(bl_roc(s, l, 7, &p, &n), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_true(p[i].threshold == want[i].threshold);
        expect_near(p[i].pd, want[i].pd, 1e-15, "pd");
        expect_near(p[i].pfa, want[i].pfa, 1e-15, "pfa");
    }
    /* Pd at Pfa on this ROC. */
    double t;
    expect_near(bl_pd_at_pfa(p, n, 0.0, &t), 0.25, 0, "pd at pfa 0");
    assert_true(t == 0.9);
    expect_near(bl_pd_at_pfa(p, n, 0.34, &t), 0.75, 0, "pd at pfa 0.34");
    assert_true(t == 0.7);
    expect_near(bl_pd_at_pfa(p, n, 1.0, &t), 1.0, 0, "pd at pfa 1");
    assert_true(t == 0.3);
    assert_true(isnan(bl_pd_at_pfa(p, n, -0.1, &t)) && isnan(t));
    assert_true(isnan(bl_pd_at_pfa(p, n, NAN, NULL)));
    free(p);

    /* invalid input */
    const double bad[] = {0.1, NAN};
    const uint8_t l2[] = {0, 1}, l3[] = {0, 2};
    assert_int_equal(bl_roc(bad, l2, 2, &p, &n), BL_EINVAL);
    assert_int_equal(bl_roc(s, l3, 2, &p, &n), BL_EINVAL);
    assert_int_equal(bl_roc(s, l, 7, NULL, &n), BL_EINVAL);
    /* one class only: the other rate is undefined */
    const uint8_t ones[] = {1, 1};
    assert_int_equal(bl_roc(s, ones, 2, &p, &n), 0);
    assert_int_equal(n, 3);
    assert_true(isnan(p[2].pfa));
    expect_near(p[2].pd, 1.0, 0, "pd with no negatives");
    free(p);
}

static void test_detection_metrics_roc_monotone(void **state) {
    (void)state;
    enum { N = 3000 };
    double *s = malloc(N * sizeof *s);
    uint8_t *l = malloc(N);
    double *pos = malloc(N * sizeof *pos), *neg = malloc(N * sizeof *neg);
    assert_true(s && l && pos && neg);
    bl_rng_t rng;
    bl_rng_init(&rng, 7, 0, 2);
    size_t np = 0, nn = 0;
    for (size_t i = 0; i < N; i++) {
        l[i] = bl_rng_below(&rng, 3) == 0;
        s[i] = floor(8.0 * (bl_rng_normal(&rng) + l[i])) / 8.0;
        if (l[i])
            pos[np++] = s[i];
        else
            neg[nn++] = s[i];
    }
    bl_roc_point_t *p = NULL;
    size_t n = 0;
    assert_int_equal(bl_roc(s, l, N, &p, &n), 0);
    assert_true(n <= N + 1);
    /* endpoints (0, 0) and (1, 1) */
    assert_true(p[0].pd == 0.0 && p[0].pfa == 0.0 && p[0].threshold == INFINITY);
    assert_true(p[n - 1].pd == 1.0 && p[n - 1].pfa == 1.0);
    /* strictly decreasing thresholds, non-decreasing rates; the trapezoid
     * area under the points is the Mann-Whitney AUC (ties make the
     * diagonal segments). */
    double area = 0.0;
    for (size_t i = 1; i < n; i++) {
        assert_true(p[i].threshold < p[i - 1].threshold);
        assert_true(p[i].pd >= p[i - 1].pd && p[i].pfa >= p[i - 1].pfa);
        area += 0.5 * (p[i].pd + p[i - 1].pd) * (p[i].pfa - p[i - 1].pfa);
    }
    expect_near(area, bl_auc(pos, np, neg, nn), 1e-12, "trapezoid area = AUC");
    free(p);
    free(s);
    free(l);
    free(pos);
    free(neg);
}

/* ---------------------------------------------------------------- DeLong */

static void test_detection_metrics_delong_hanley_mcneil(void **state) {
    (void)state;
    /* Hanley JA, McNeil BJ (1982). The meaning and use of the area under a
     * receiver operating characteristic (ROC) curve. Radiology 143:29-36,
     * Table 1: 109 CT images rated 1 (definitely normal) .. 5 (definitely
     * abnormal); 58 normal: 33/6/6/11/2, 51 abnormal: 3/2/2/11/33.
     * Published area 0.893.  Exact values (fractions, from the structural
     * components of DeLong et al. 1988): AUC = 1321/1479, variance
     * S10/m + S01/n = 17089/18102960 (SE 0.030724408379381117). */
    static const int normal[] = {33, 6, 6, 11, 2}, abnormal[] = {3, 2, 2, 11, 33};
    double neg[58], pos[51];
    size_t nn = 0, np = 0;
    for (int r = 0; r < 5; r++) {
        for (int i = 0; i < normal[r]; i++)
            neg[nn++] = r + 1;
        for (int i = 0; i < abnormal[r]; i++)
            pos[np++] = r + 1;
    }
    assert_int_equal(nn, 58);
    assert_int_equal(np, 51);
    double var = 0.0;
    bl_interval_t iv = bl_auc_delong(pos, np, neg, nn, 0.95, &var);
    expect_near(iv.estimate, 1321.0 / 1479.0, 1e-15, "AUC (exact)");
    expect_near(iv.estimate, 0.893, 5e-4, "AUC (published, three decimals)");
    expect_near(var, 17089.0 / 18102960.0, 1e-12 * 17089.0 / 18102960.0, "DeLong variance");
    expect_near(sqrt(var), 0.030724408379381117, 1e-15, "DeLong SE");
    expect_near(iv.half_width, 1.959963984540054 * 0.030724408379381117, 1e-12, "half width");
    expect_near(iv.low, iv.estimate - iv.half_width, 1e-15, "low");
    expect_near(iv.high, iv.estimate + iv.half_width, 1e-15, "high");
    /* a CI that would pass 1 is clipped */
    iv = bl_auc_delong(pos, np, neg, nn, 0.9999999999, NULL);
    assert_true(iv.high == 1.0 && iv.low > 0.0);
    /* variance undefined with one case in a class */
    iv = bl_auc_delong(pos, 1, neg, nn, 0.95, &var);
    assert_true(isnan(var) && isnan(iv.low) && !isnan(iv.estimate));
}

/* DeLong's variance by the definition, O(n_pos n_neg). */
static double brute_delong_variance(const double *pos, size_t np, const double *neg, size_t nn) {
    double *v10 = calloc(np, sizeof *v10), *v01 = calloc(nn, sizeof *v01), auc = 0.0;
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < nn; j++) {
            double psi = pos[i] > neg[j] ? 1.0 : pos[i] == neg[j] ? 0.5 : 0.0;
            v10[i] += psi / (double)nn;
            v01[j] += psi / (double)np;
            auc += psi;
        }
    auc /= (double)np * (double)nn;
    double s10 = 0.0, s01 = 0.0;
    for (size_t i = 0; i < np; i++)
        s10 += (v10[i] - auc) * (v10[i] - auc);
    for (size_t j = 0; j < nn; j++)
        s01 += (v01[j] - auc) * (v01[j] - auc);
    free(v10);
    free(v01);
    return s10 / (double)(np - 1) / (double)np + s01 / (double)(nn - 1) / (double)nn;
}

static void test_detection_metrics_delong_matches_definition(void **state) {
    (void)state;
    enum { NP = 240, NN = 310 };
    double pos[NP], neg[NN], var;
    bl_rng_t rng;
    bl_rng_init(&rng, 99, 0, 3);
    tied_scores(&rng, pos, NP, 1.0);
    tied_scores(&rng, neg, NN, 0.0);
    bl_interval_t iv = bl_auc_delong(pos, NP, neg, NN, 0.95, &var);
    expect_near(iv.estimate, brute_auc(pos, NP, neg, NN), 1e-15, "AUC");
    double want = brute_delong_variance(pos, NP, neg, NN);
    expect_near(var, want, 1e-12 * want, "variance vs definition");
}

static void test_detection_metrics_delong_paired_identical(void **state) {
    (void)state;
    enum { NP = 60, NN = 80 };
    double pos[NP], neg[NN];
    bl_rng_t rng;
    bl_rng_init(&rng, 5, 0, 4);
    tied_scores(&rng, pos, NP, 0.7);
    tied_scores(&rng, neg, NN, 0.0);
    bl_delong_paired_t r;
    assert_int_equal(bl_delong_paired(pos, pos, NP, neg, neg, NN, &r), 0);
    assert_true(r.difference == 0.0 && r.se == 0.0 && r.z == 0.0 && r.p == 1.0);
    assert_true(r.auc_a == r.auc_b);
    expect_near(r.auc_a, brute_auc(pos, NP, neg, NN), 1e-15, "AUC");
    assert_int_equal(bl_delong_paired(pos, pos, 1, neg, neg, NN, &r), BL_EINVAL);
    assert_int_equal(bl_delong_paired(pos, pos, NP, neg, neg, NN, NULL), BL_EINVAL);
}

static void test_detection_metrics_delong_paired_hand(void **state) {
    (void)state;
    /* Two detectors on the same 5 positive and 4 negative cases, with ties
     * across classes.  By exact fractions: AUC_a = 33/40, AUC_b = 31/40,
     * Var(A - B) = 29/1920, se = 0.12289901003127188195,
     * z = 0.40683810217248622991, p = erfc(|z| / sqrt 2) =
     * 0.6841269000528016759 (mpmath); Var(A) alone = 107/4800. */
    const double pos_a[] = {0.9, 0.8, 0.7, 0.55, 0.4}, pos_b[] = {0.85, 0.6, 0.75, 0.55, 0.3};
    const double neg_a[] = {0.6, 0.5, 0.4, 0.2}, neg_b[] = {0.5, 0.6, 0.2, 0.35};
    bl_delong_paired_t r;
    assert_int_equal(bl_delong_paired(pos_a, pos_b, 5, neg_a, neg_b, 4, &r), 0);
    expect_near(r.auc_a, 33.0 / 40.0, 1e-15, "AUC a");
    expect_near(r.auc_b, 31.0 / 40.0, 1e-15, "AUC b");
    expect_near(r.difference, 2.0 / 40.0, 1e-15, "difference");
    expect_near(r.se, 0.12289901003127188195, 1e-15, "se");
    expect_near(r.z, 0.40683810217248622991, 1e-14, "z");
    expect_near(r.p, 0.6841269000528016759, 1e-14, "p");
    double var;
    bl_auc_delong(pos_a, 5, neg_a, 4, 0.95, &var);
    expect_near(var, 107.0 / 4800.0, 1e-16, "Var(A)");
}

static void test_detection_metrics_delong_large(void **state) {
    (void)state;
    /* 5000 x 5000 cases (O(n log n); a benchmark of its speed is not the
     * business of a unit test, but a quadratic method would be slow here). */
    enum { N = 5000 };
    double *pos = malloc(N * sizeof *pos), *neg = malloc(N * sizeof *neg);
    double *pos_b = malloc(N * sizeof *pos_b), *neg_b = malloc(N * sizeof *neg_b);
    assert_true(pos && neg && pos_b && neg_b);
    bl_rng_t rng;
    bl_rng_init(&rng, 11, 0, 5);
    tied_scores(&rng, pos, N, 1.0);
    tied_scores(&rng, neg, N, 0.0);
    for (size_t i = 0; i < N; i++) {
        pos_b[i] = pos[i] + bl_rng_normal(&rng);
        neg_b[i] = neg[i] + bl_rng_normal(&rng);
    }
    double var;
    bl_interval_t iv = bl_auc_delong(pos, N, neg, N, 0.95, &var);
    expect_near(iv.estimate, brute_auc(pos, N, neg, N), 1e-15, "AUC");
    assert_true(var > 0.0 && var < 1e-4);
    bl_delong_paired_t r;
    assert_int_equal(bl_delong_paired(pos, pos_b, N, neg, neg_b, N, &r), 0);
    /* b is a with added noise: clearly worse on 10^4 cases */
    assert_true(r.difference > 0.0 && r.p < 1e-6);
    free(pos);
    free(neg);
    free(pos_b);
    free(neg_b);
}

/* ---------------------------------------------------------------- boxes */

static void test_detection_metrics_iou(void **state) {
    (void)state;
    const float a[] = {0, 0, 10, 10}, b[] = {1, 1, 11, 11}, c[] = {20, 20, 30, 30};
    const float d[] = {0, 0, 10, 5}, e[] = {5, 5, 5, 5};
    expect_near(bl_iou(a, a), 1.0, 0, "same box");
    expect_near(bl_iou(a, b), 81.0 / 119.0, 1e-15, "shifted by one");
    expect_near(bl_iou(a, c), 0.0, 0, "disjoint");
    expect_near(bl_iou(a, d), 0.5, 1e-15, "half");
    expect_near(bl_iou(d, a), 0.5, 1e-15, "symmetric");
    expect_near(bl_iou(a, e), 0.0, 0, "empty box");
}

#define BOX(img, cls, conf, x0, y0, x1, y1)                                                        \
    {                                                                                              \
        (img), (cls), (conf), { (x0), (y0), (x1), (y1) }                                           \
    }

static void test_detection_metrics_ap_hand_built(void **state) {
    (void)state;
    /* 3 images, 4 threat-1 objects (and one threat-2 object). */
    const bl_box_item_t truth[] = {
        BOX(0, 1, 0, 0, 0, 10, 10),   /* T0 */
        BOX(0, 1, 0, 20, 20, 30, 30), /* T1 */
        BOX(1, 1, 0, 0, 0, 10, 10),   /* T2 */
        BOX(2, 2, 0, 0, 0, 10, 10),   /* another class */
        BOX(2, 1, 0, 50, 50, 60, 60), /* T3 */
    };
    /* Six threat-1 detections, listed out of order:
     *   0.9 img 0 on T0                      TP
     *   0.8 img 1 on T2 shifted (IoU 81/119)  TP
     *   0.7 img 0 on T0 again (duplicate)    FP
     *   0.6 img 2 where T0 is in img 0       FP
     *   0.5 img 0 on T1                      TP
     *   0.4 img 1 on nothing                 FP
     * and a threat-2 detection that must not count.
     * TP/FP = T T F F T F: precision 1, 1, 2/3, 1/2, 3/5, 1/2; recall
     * 1/4, 1/2, 1/2, 1/2, 3/4, 3/4.  Monotone envelope: 1, 1, 2/3, 0.6,
     * 0.6, 1/2.  Recall points 0..0.25 (26) -> 1, 0.26..0.50 (25) -> 1,
     * 0.51..0.75 (25) -> 0.6, 0.76..1 (25) -> 0 (never reached):
     * AP = (26 + 25 + 25 * 0.6) / 101 = 66 / 101. */
    const bl_box_item_t det[] = {
        BOX(0, 1, 0.5f, 20, 20, 30, 30), BOX(1, 1, 0.4f, 30, 30, 40, 40),
        BOX(0, 1, 0.9f, 0, 0, 10, 10),   BOX(2, 2, 0.95f, 0, 0, 10, 10),
        BOX(0, 1, 0.7f, 0, 0, 10, 10),   BOX(1, 1, 0.8f, 1, 1, 11, 11),
        BOX(2, 1, 0.6f, 0, 0, 10, 10),
    };
    double ap = bl_average_precision(det, 7, truth, 5, 1, 0.5);
    expect_near(ap, 66.0 / 101.0, 1e-15, "AP, hand-built");
    /* At IoU 0.7 the shifted box (0.68) no longer matches: T F F F T F,
     * precision 1, 1/2, 1/3, 1/4, 2/5, 1/3 -> envelope 1, .5, .4, .4, .4, 1/3;
     * recall 1/4 .. 1/2: points 0..0.25 -> 1 (26), 0.26..0.50 -> 0.4 (25). */
    ap = bl_average_precision(det, 7, truth, 5, 1, 0.7);
    expect_near(ap, (26.0 + 25.0 * 0.4) / 101.0, 1e-15, "AP at IoU 0.7");
    /* class 2: one object, one perfect detection */
    expect_near(bl_average_precision(det, 7, truth, 5, 2, 0.5), 1.0, 0, "AP class 2");
    /* no truth of the class: undefined; no detections: 0 */
    assert_true(isnan(bl_average_precision(det, 7, truth, 5, 3, 0.5)));
    expect_near(bl_average_precision(det, 0, truth, 5, 1, 0.5), 0.0, 0, "no detections");
}

static void test_detection_metrics_ap_perfect_wrong_duplicates(void **state) {
    (void)state;
    enum { N = 40 };
    bl_box_item_t truth[N], det[2 * N];
    for (int i = 0; i < N; i++) {
        float x = (float)(10 * (i % 4));
        truth[i] = (bl_box_item_t)BOX((uint32_t)(i / 4), 1, 0, x, 0, x + 8, 8);
        det[i] = truth[i];
        det[i].confidence = 0.01f * (float)(i + 1);
    }
    expect_near(bl_average_precision(det, N, truth, N, 1, 0.5), 1.0, 0, "perfect detector");
    /* every box in the wrong place */
    for (int i = 0; i < N; i++) {
        det[i].box[1] += 100;
        det[i].box[3] += 100;
    }
    expect_near(bl_average_precision(det, N, truth, N, 1, 0.5), 0.0, 0, "all boxes wrong");
    /* Each object detected twice, the duplicates with lower confidence:
     * the first of each pair matches, the second is a false positive but
     * comes after every true one, so AP stays 1; duplicates placed first
     * instead would each still count once (recall cannot pass 1). */
    for (int i = 0; i < N; i++) {
        det[i] = truth[i];
        det[i].confidence = 0.5f + 0.01f * (float)i;
        det[N + i] = truth[i];
        det[N + i].confidence = 0.01f * (float)i;
    }
    expect_near(bl_average_precision(det, 2 * N, truth, N, 1, 0.5), 1.0, 0, "duplicates");
    /* One object, detected three times with the highest confidence and
     * once more: one TP then FPs, AP 1; recall stays at 1, not 3. */
    bl_box_item_t one = BOX(0, 1, 0, 0, 0, 10, 10);
    bl_box_item_t three[] = {BOX(0, 1, 0.9f, 0, 0, 10, 10), BOX(0, 1, 0.8f, 0, 0, 10, 10),
                             BOX(0, 1, 0.7f, 1, 0, 10, 10)};
    expect_near(bl_average_precision(three, 3, &one, 1, 1, 0.5), 1.0, 0, "one object, thrice");
    /* Two objects; duplicates of the first come before the second is found:
     * T F F T -> precision 1, 1/2, 1/3, 1/2 -> envelope 1, 1/2, 1/2, 1/2;
     * recall 1/2 then 1: (51 + 50 * 0.5) / 101. */
    bl_box_item_t two[] = {BOX(0, 1, 0, 0, 0, 10, 10), BOX(0, 1, 0, 20, 0, 30, 10)};
    bl_box_item_t dups[] = {BOX(0, 1, 0.9f, 0, 0, 10, 10), BOX(0, 1, 0.8f, 0, 0, 10, 10),
                            BOX(0, 1, 0.7f, 0, 0, 10, 10), BOX(0, 1, 0.6f, 20, 0, 30, 10)};
    expect_near(bl_average_precision(dups, 4, two, 2, 1, 0.5), (51.0 + 50.0 * 0.5) / 101.0, 1e-15,
                "duplicates before the second object");
}

static void test_detection_metrics_ap_highest_iou_wins(void **state) {
    (void)state;
    /* Truth A [0,0,10,10] and B [5,0,15,10]; the first detection [4,0,14,10]
     * overlaps A with IoU 60/140 and B with 90/110, so it takes B; the second
     * [6,0,16,10] then finds B taken and A at IoU 40/160 < 0.3: a false
     * positive.  T F with 2 objects: AP = 51 / 101.  (Taking the first
     * object above the threshold instead would give A, then B: AP 1.) */
    bl_box_item_t truth[] = {BOX(0, 1, 0, 0, 0, 10, 10), BOX(0, 1, 0, 5, 0, 15, 10)};
    bl_box_item_t det[] = {BOX(0, 1, 0.9f, 4, 0, 14, 10), BOX(0, 1, 0.8f, 6, 0, 16, 10)};
    expect_near(bl_average_precision(det, 2, truth, 2, 1, 0.3), 51.0 / 101.0, 1e-15, "highest IoU");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection_metrics_auc_is_mann_whitney),
        cmocka_unit_test(test_detection_metrics_roc_hand_built),
        cmocka_unit_test(test_detection_metrics_roc_monotone),
        cmocka_unit_test(test_detection_metrics_delong_hanley_mcneil),
        cmocka_unit_test(test_detection_metrics_delong_matches_definition),
        cmocka_unit_test(test_detection_metrics_delong_paired_identical),
        cmocka_unit_test(test_detection_metrics_delong_paired_hand),
        cmocka_unit_test(test_detection_metrics_delong_large),
        cmocka_unit_test(test_detection_metrics_iou),
        cmocka_unit_test(test_detection_metrics_ap_hand_built),
        cmocka_unit_test(test_detection_metrics_ap_perfect_wrong_duplicates),
        cmocka_unit_test(test_detection_metrics_ap_highest_iou_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
