/*
 * Unit tests for core/stats/risk_metrics.c.
 *
 * Reference values: a ten-declaration case worked by hand (in the comments
 * next to each assertion), brute-force counting in the test itself, and
 * tests/fixtures/risk_metrics/ (2000 declarations and expected.json),
 * written by scripts/risk_metrics_reference.py, an independent Python
 * implementation in exact rational arithmetic.  The fixture is found under
 * $top_srcdir (default: $top_builddir, default ".").
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "stats/detection_metrics.h"
#include "stats/inference.h"
#include "stats/risk_metrics.h"
#include "stats/rng.h"
#include "test_util.h"

static void expect_near(double got, double expected, double tol, const char *what) {
    if (!(fabs(got - expected) <= tol))
        fail_msg("%s: got %.17g, expected %.17g (tolerance %g)", what, got, expected, tol);
}

/* ---------------------------------------------------------------- the hand case */

/*
 * Ten declarations.  Index: score a, score b, fraud, revenue.
 *   0: 0.9  0.5  0     0
 *   1: 0.8  0.1  0     0
 *   2: 0.8  0.2  1   100   tied with 1 in a: ranks after it (input order)
 *   3: 0.7  0.3  0    50   not a fraud: its revenue is not at stake
 *   4: 0.6  0.9  1   300
 *   5: 0.6  0.4  0     0
 *   6: 0.3  0.9  1     0   a fraud without revenue; tied with 4 in b
 *   7: 0.2  0.6  0     0
 *   8: 0.6  0.0  0     0   tied with 4 and 5 in a
 *   9: 0.1  0.7  0     0
 * Ranking a: 0 1 2 3 4 5 8 6 7 9.  Ranking b: 4 6 9 7 0 5 3 2 1 8.
 * 3 frauds (2, 4, 6), revenue at stake 100 + 300 = 400.
 */
static const double hand_a[10] = {0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.3, 0.2, 0.6, 0.1};
static const double hand_b[10] = {0.5, 0.1, 0.2, 0.3, 0.9, 0.4, 0.9, 0.6, 0.0, 0.7};
static const uint8_t hand_fraud[10] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 0};
static const double hand_revenue[10] = {0, 0, 100, 50, 300, 0, 0, 0, 0, 0};

static void test_risk_metrics_rank_hand_ties_by_input_order(void **state) {
    (void)state;
    size_t order[10];
    static const size_t want_a[10] = {0, 1, 2, 3, 4, 5, 8, 6, 7, 9};
    static const size_t want_b[10] = {4, 6, 9, 7, 0, 5, 3, 2, 1, 8};
    bl_rank(hand_a, 10, order);
    for (size_t r = 0; r < 10; r++)
        assert_int_equal(order[r], want_a[r]);
    bl_rank(hand_b, 10, order);
    for (size_t r = 0; r < 10; r++)
        assert_int_equal(order[r], want_b[r]);
}

static void test_risk_metrics_rank_nan_last_and_infinities(void **state) {
    (void)state;
    const double s[] = {NAN, 1.0, -INFINITY, NAN, INFINITY, 1.0, -0.0, 0.0};
    /* +inf, 1.0 (1), 1.0 (5), 0 and -0 compare equal: by index (6, 7),
     * -inf, then the NaNs by index. */
    static const size_t want[] = {4, 1, 5, 6, 7, 2, 0, 3};
    size_t order[8];
    bl_rank(s, 8, order);
    for (size_t r = 0; r < 8; r++)
        assert_int_equal(order[r], want[r]);
}

/* The ranking against an O(n^2) insertion sort by (score desc, index asc). */
static void test_risk_metrics_rank_matches_brute_force(void **state) {
    (void)state;
    enum { N = 3000 };
    double *s = malloc(N * sizeof *s);
    size_t *order = malloc(N * sizeof *order), *brute = malloc(N * sizeof *brute);
    assert_non_null(s);
    assert_non_null(order);
    assert_non_null(brute);
    bl_rng_t rng;
    bl_rng_init(&rng, 7, 0, 1);
    for (size_t i = 0; i < N; i++) {
        /* 20 distinct values and some NaN: ties everywhere */
        uint64_t v = bl_rng_below(&rng, 21);
        s[i] = v == 20 ? NAN : (double)v / 19.0;
    }
    for (size_t i = 0; i < N; i++) {
        size_t j = i;
        /* i goes after every earlier index whose score is >= its own (or
         * when its own is NaN) */
        while (j > 0) {
            double p = s[brute[j - 1]];
            int before = isnan(s[i]) ? 0 : (isnan(p) || s[i] > p);
            if (!before)
                break;
            brute[j] = brute[j - 1];
            j--;
        }
        brute[j] = i;
    }
    bl_rank(s, N, order);
    for (size_t r = 0; r < N; r++)
        if (order[r] != brute[r])
            fail_msg("rank %zu: got %zu, expected %zu", r, order[r], brute[r]);
    free(s);
    free(order);
    free(brute);
}

static void test_risk_metrics_inspection_k_exact(void **state) {
    (void)state;
    assert_int_equal(bl_inspection_k(5, 100), 5);
    assert_int_equal(bl_inspection_k(1, 150), 2); /* 1.5 -> 2 */
    assert_int_equal(bl_inspection_k(10, 7), 1);  /* 0.7 -> 1 */
    assert_int_equal(bl_inspection_k(3, 100), 3); /* 0.03 * 100 = 3.0000000000000004 */
    assert_int_equal(bl_inspection_k(7, 100), 7); /* 0.07 * 100 = 7.000000000000001 */
    assert_int_equal(bl_inspection_k(0.1, 1000), 1);
    assert_int_equal(bl_inspection_k(0.1, 1001), 2); /* 1.001 -> 2 */
    assert_int_equal(bl_inspection_k(2.5, 10), 1);   /* 0.25 -> 1 */
    assert_int_equal(bl_inspection_k(12.5, 8), 1);   /* exactly 1 */
    assert_int_equal(bl_inspection_k(33.333333, 3), 1);
    assert_int_equal(bl_inspection_k(20, 10), 2);
    assert_int_equal(bl_inspection_k(30, 10), 3);
    assert_int_equal(bl_inspection_k(50, 10), 5);
    assert_int_equal(bl_inspection_k(1, 1000000), 10000);
    assert_int_equal(bl_inspection_k(1, 1000001), 10001);
    assert_int_equal(bl_inspection_k(0.000001, 100000000), 1);
    assert_int_equal(bl_inspection_k(0.000001, 100000001), 2);
    /* larger than 1e8, where the integer split into n / 1e8 and n % 1e8
     * matters: 1% of 1e12 + 1 is 1e10 + 0.01 -> 1e10 + 1 */
    if (sizeof(size_t) >= 8)
        assert_int_equal(bl_inspection_k(1, (size_t)1000000000001ull), 10000000001ull);
    /* at least one, at most n, none without declarations or rate */
    assert_int_equal(bl_inspection_k(1e-9, 10), 1);
    assert_int_equal(bl_inspection_k(100, 10), 10);
    assert_int_equal(bl_inspection_k(250, 10), 10);
    assert_int_equal(bl_inspection_k(99.99, 10), 10);
    assert_int_equal(bl_inspection_k(5, 0), 0);
    assert_int_equal(bl_inspection_k(0, 10), 0);
    assert_int_equal(bl_inspection_k(-1, 10), 0);
    assert_int_equal(bl_inspection_k(NAN, 10), 0);
}

static void test_risk_metrics_at_k_hand(void **state) {
    (void)state;
    size_t order[10];
    bl_rank(hand_a, 10, order);
    bl_rng_t rng;
    bl_rng_init(&rng, 1, 0, 1);

    /* 20%: k = 2, top {0, 1}: no fraud (2 ties with 1 but comes later). */
    bl_at_k_t a = bl_at_k(order, hand_fraud, hand_revenue, 10, 20, 0, &rng);
    assert_int_equal(a.k, 2);
    assert_int_equal(a.frauds_caught, 0);
    assert_int_equal(a.frauds_total, 3);
    expect_near(a.rate_percent, 20, 0, "rate");
    expect_near(a.precision.estimate, 0, 0, "precision@20");
    expect_near(a.recall.estimate, 0, 0, "recall@20");
    expect_near(a.revenue_caught, 0, 0, "revenue caught@20");
    expect_near(a.revenue_total, 400, 0, "revenue total (3's 50 not at stake)");
    expect_near(a.revenue.estimate, 0, 0, "revenue@20");

    /* 30%: k = 3, top {0, 1, 2}: fraud 2 with 100 of 400. */
    a = bl_at_k(order, hand_fraud, hand_revenue, 10, 30, 0, &rng);
    assert_int_equal(a.k, 3);
    assert_int_equal(a.frauds_caught, 1);
    expect_near(a.precision.estimate, 1.0 / 3.0, 1e-15, "precision@30");
    expect_near(a.recall.estimate, 1.0 / 3.0, 1e-15, "recall@30");
    expect_near(a.revenue_caught, 100, 0, "revenue caught@30");
    expect_near(a.revenue.estimate, 0.25, 1e-15, "revenue@30");
    /* 0 resamples: the revenue interval is the estimate */
    expect_near(a.revenue.low, 0.25, 0, "revenue low, no resample");
    expect_near(a.revenue.high, 0.25, 0, "revenue high, no resample");
    /* the Wilson intervals are bl_wilson_interval's */
    bl_interval_t w = bl_wilson_interval(1, 3, 0.95);
    expect_near(a.precision.low, w.low, 0, "precision low");
    expect_near(a.precision.high, w.high, 0, "precision high");

    /* 50%: k = 5, top {0, 1, 2, 3, 4}: frauds 2 and 4, all 400. */
    a = bl_at_k(order, hand_fraud, hand_revenue, 10, 50, 0, &rng);
    assert_int_equal(a.k, 5);
    assert_int_equal(a.frauds_caught, 2);
    expect_near(a.precision.estimate, 0.4, 1e-15, "precision@50");
    expect_near(a.recall.estimate, 2.0 / 3.0, 1e-15, "recall@50");
    expect_near(a.revenue.estimate, 1.0, 0, "revenue@50");

    /* 80%: k = 8, top ends ... 5 8 6: all three frauds, 3 / 8. */
    a = bl_at_k(order, hand_fraud, hand_revenue, 10, 80, 0, &rng);
    assert_int_equal(a.k, 8);
    assert_int_equal(a.frauds_caught, 3);
    expect_near(a.precision.estimate, 0.375, 0, "precision@80");
    expect_near(a.recall.estimate, 1.0, 0, "recall@80");
}

static void test_risk_metrics_at_k_undefined_ratios(void **state) {
    (void)state;
    size_t order[10];
    bl_rank(hand_a, 10, order);
    bl_rng_t rng;
    bl_rng_init(&rng, 1, 0, 1);
    const uint8_t none[10] = {0};
    /* no fraud: recall and revenue share undefined, precision 0 */
    bl_at_k_t a = bl_at_k(order, none, hand_revenue, 10, 30, 200, &rng);
    assert_int_equal(a.frauds_total, 0);
    expect_near(a.precision.estimate, 0, 0, "precision without fraud");
    assert_true(isnan(a.recall.estimate));
    assert_true(isnan(a.revenue.estimate));
    assert_true(isnan(a.revenue.low) && isnan(a.revenue.high));
    /* frauds without revenue: recall defined, revenue share not */
    const double zero[10] = {0};
    a = bl_at_k(order, hand_fraud, zero, 10, 30, 200, &rng);
    expect_near(a.recall.estimate, 1.0 / 3.0, 1e-15, "recall without revenue");
    assert_true(isnan(a.revenue.estimate));
    a = bl_at_k(order, hand_fraud, NULL, 10, 30, 200, &rng);
    assert_true(isnan(a.revenue.estimate));
    /* rate 0 inspects nothing: precision undefined */
    a = bl_at_k(order, hand_fraud, hand_revenue, 10, 0, 0, &rng);
    assert_int_equal(a.k, 0);
    assert_int_equal(a.frauds_caught, 0);
    assert_true(isnan(a.precision.estimate));
    expect_near(a.recall.estimate, 0, 0, "recall at rate 0");
    /* no declarations */
    a = bl_at_k(order, hand_fraud, hand_revenue, 0, 5, 100, &rng);
    assert_int_equal(a.k, 0);
    assert_true(isnan(a.precision.estimate) && isnan(a.recall.estimate));
    assert_true(isnan(a.revenue.estimate));
}

/* Revenue of a declaration that is not a fraud is not at stake, in the
 * estimate and in every resample: at 50% the top 5 catch all the frauds'
 * revenue (2 and 4), so each resample's share is 1, whatever the revenue
 * of declaration 9 (last in the ranking, no fraud). */
static void test_risk_metrics_at_k_nonfraud_revenue_not_at_stake(void **state) {
    (void)state;
    size_t order[10];
    bl_rank(hand_a, 10, order);
    double revenue[10];
    memcpy(revenue, hand_revenue, sizeof revenue);
    revenue[9] = 1000;
    bl_rng_t rng;
    bl_rng_init(&rng, 4, 0, 1);
    bl_at_k_t a = bl_at_k(order, hand_fraud, revenue, 10, 50, 500, &rng);
    expect_near(a.revenue_total, 400, 0, "revenue total");
    expect_near(a.revenue.estimate, 1, 0, "share");
    expect_near(a.revenue.low, 1, 0, "share low");
    expect_near(a.revenue.high, 1, 0, "share high");
    /* at 30% (fraud 2's 100 of 400) resamples vary: 0 and 1 are possible
     * shares (only 4 or only 2 drawn), so the interval is wide */
    a = bl_at_k(order, hand_fraud, revenue, 10, 30, 2000, &rng);
    assert_true(a.revenue.low < 0.25 && a.revenue.high > 0.25);
    assert_true(a.revenue.low >= 0 && a.revenue.high <= 1);
}

static void test_risk_metrics_pr_auc_and_brier_hand(void **state) {
    (void)state;
    size_t order[10];
    bl_rank(hand_a, 10, order);
    /* frauds at ranks 3 (2), 5 (4), 8 (6): (1/3 + 2/5 + 3/8) / 3 = 133/360 */
    expect_near(bl_pr_auc(order, hand_fraud, 10), 133.0 / 360.0, 1e-15, "PR AUC");
    const uint8_t none[10] = {0};
    assert_true(isnan(bl_pr_auc(order, none, 10)));
    /* all frauds first: 1 */
    const uint8_t first[10] = {1, 1, 0};
    expect_near(bl_pr_auc(order, first, 10), 1.0, 0, "PR AUC, frauds first");
    /* squared errors .81 .64 .04 .49 .16 .36 .49 .04 .36 .01 = 3.40 */
    expect_near(bl_brier(hand_a, hand_fraud, 10), 0.34, 1e-15, "Brier");
    const double bad[2] = {0.5, 1.5}, withnan[2] = {0.5, NAN};
    assert_true(isnan(bl_brier(bad, hand_fraud, 2)));
    assert_true(isnan(bl_brier(withnan, hand_fraud, 2)));
    assert_true(isnan(bl_brier(hand_a, hand_fraud, 0)));
    const double perfect[3] = {0, 1, 0};
    const uint8_t pf[3] = {0, 1, 0};
    expect_near(bl_brier(perfect, pf, 3), 0, 0, "Brier, perfect");
}

static void test_risk_metrics_auc_hand(void **state) {
    (void)state;
    /* frauds 0.8, 0.6, 0.3 against 0.9 0.8 0.7 0.6 0.6 0.2 0.1:
     * 0.8 beats 5 and ties 1 (5.5), 0.6 beats 2 and ties 2 (3), 0.3 beats
     * 2 (2): 10.5 / 21 = 0.5 */
    double pos[3], neg[7];
    size_t np = 0, nn = 0;
    for (size_t i = 0; i < 10; i++) {
        if (hand_fraud[i])
            pos[np++] = hand_a[i];
        else
            neg[nn++] = hand_a[i];
    }
    expect_near(bl_auc(pos, np, neg, nn), 0.5, 1e-15, "AUC a");
    /* b: 0.2 beats 0.1 0.0 (2); 0.9 and 0.9 beat all 7 (14): 16 / 21 */
    np = nn = 0;
    for (size_t i = 0; i < 10; i++) {
        if (hand_fraud[i])
            pos[np++] = hand_b[i];
        else
            neg[nn++] = hand_b[i];
    }
    expect_near(bl_auc(pos, np, neg, nn), 16.0 / 21.0, 1e-15, "AUC b");
}

static void test_risk_metrics_reliability_bins(void **state) {
    (void)state;
    bl_reliability_bin_t out[5];
    /* Bins of 0.2.  0: {0.1}; 1: {0.3 F, 0.2}; 2: empty;
     * 3: {0.7, 0.6 F, 0.6, 0.6}; 4: {0.9, 0.8, 0.8 F}. */
    bl_reliability(hand_a, hand_fraud, 10, 5, out);
    static const size_t count[5] = {1, 2, 0, 4, 3};
    static const double mean[5] = {0.1, 0.25, NAN, 0.625, 2.5 / 3.0};
    static const double rate[5] = {0, 0.5, NAN, 0.25, 1.0 / 3.0};
    for (size_t b = 0; b < 5; b++) {
        assert_int_equal(out[b].n, count[b]);
        expect_near(out[b].low, 0.2 * (double)b, 1e-15, "bin low");
        expect_near(out[b].high, 0.2 * (double)(b + 1), 1e-15, "bin high");
        if (count[b] == 0) {
            assert_true(isnan(out[b].mean_score) && isnan(out[b].fraud_rate));
            continue;
        }
        expect_near(out[b].mean_score, mean[b], 1e-15, "bin mean score");
        expect_near(out[b].fraud_rate, rate[b], 1e-15, "bin fraud rate");
    }
    /* 1 goes into the last bin, 0 into the first; out of range and NaN are
     * not counted */
    const double edge[] = {1.0, 0.0, -0.1, 1.1, NAN, 0.5};
    const uint8_t ef[] = {1, 0, 1, 1, 1, 0};
    bl_reliability_bin_t two[2];
    bl_reliability(edge, ef, 6, 2, two);
    assert_int_equal(two[0].n, 1);
    assert_int_equal(two[1].n, 2);
    expect_near(two[1].mean_score, 0.75, 0, "upper bin mean");
    expect_near(two[1].fraud_rate, 0.5, 0, "upper bin rate");
    expect_near(two[0].fraud_rate, 0, 0, "lower bin rate");
}

static void test_risk_metrics_paired_hand(void **state) {
    (void)state;
    size_t oa[10], ob[10];
    bl_rank(hand_a, 10, oa);
    bl_rank(hand_b, 10, ob);
    bl_rng_t rng;
    bl_rng_init(&rng, 3, 0, 1);

    /* 20%: a {0, 1} no fraud; b {4, 6} two: only_b 2, -2/2 = -1;
     * p = 2 P(X <= 0), X ~ Bin(2, 1/2) = 0.5 */
    bl_paired_at_k_t p = bl_paired_at_k(oa, ob, hand_fraud, 10, 20, 0, &rng);
    assert_int_equal(p.only_a, 0);
    assert_int_equal(p.only_b, 2);
    expect_near(p.precision_a, 0, 0, "precision a@20");
    expect_near(p.precision_b, 1, 0, "precision b@20");
    expect_near(p.difference, -1, 0, "difference@20");
    expect_near(p.p_value, 0.5, 1e-12, "McNemar p@20");
    expect_near(p.interval.low, -1, 0, "no resample: low is the estimate");

    /* 30%: a {0, 1, 2} catches 2; b {4, 6, 9} catches 4 and 6:
     * only_a 1, only_b 2, (1 - 2) / 3; p = 2 (1 + 3) / 8 = 1 */
    p = bl_paired_at_k(oa, ob, hand_fraud, 10, 30, 0, &rng);
    assert_int_equal(p.only_a, 1);
    assert_int_equal(p.only_b, 2);
    expect_near(p.difference, -1.0 / 3.0, 1e-15, "difference@30");
    expect_near(p.p_value, 1.0, 1e-12, "McNemar p@30");

    /* 50%: a {0 1 2 3 4} catches 2, 4; b {4 6 9 7 0} catches 4, 6:
     * 4 is concordant; only_a 1 (2), only_b 1 (6); difference 0 */
    p = bl_paired_at_k(oa, ob, hand_fraud, 10, 50, 0, &rng);
    assert_int_equal(p.only_a, 1);
    assert_int_equal(p.only_b, 1);
    expect_near(p.precision_a, 0.4, 1e-15, "precision a@50");
    expect_near(p.precision_b, 0.4, 1e-15, "precision b@50");
    expect_near(p.difference, 0, 0, "difference@50");

    /* a ranking against itself: no discordant fraud, p 1, interval {0} */
    p = bl_paired_at_k(oa, oa, hand_fraud, 10, 50, 500, &rng);
    assert_int_equal(p.only_a + p.only_b, 0);
    expect_near(p.p_value, 1, 0, "self p");
    expect_near(p.interval.low, 0, 0, "self low");
    expect_near(p.interval.high, 0, 0, "self high");

    /* nothing inspected */
    p = bl_paired_at_k(oa, ob, hand_fraud, 10, 0, 100, &rng);
    assert_true(isnan(p.difference) && isnan(p.p_value) && isnan(p.interval.low));
}

/* ---------------------------------------------------------------- the committed fixture */

typedef struct fixture {
    size_t n;
    double *a, *b, *revenue;
    uint8_t *fraud;
    cJSON *expected;
} fixture_t;

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        rewind(f);
        buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (buf != NULL) {
            size_t got = fread(buf, 1, (size_t)len, f);
            buf[got] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void fixture_path(char *out, size_t size, const char *file) {
    snprintf(out, size, "%s/tests/fixtures/risk_metrics/%s", tu_srcdir(), file);
}

/* The CSV has a header, then score_a,score_b,fraud,revenue per line; an
 * empty score is NaN. */
static int fixture_setup(void **state) {
    char path[4096];
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    fixture_path(path, sizeof path, "declarations.csv");
    char *csv = slurp(path);
    fixture_path(path, sizeof path, "expected.json");
    char *json = slurp(path);
    if (csv == NULL || json == NULL) {
        fprintf(stderr, "cannot read %s (set top_srcdir)\n", path);
        free(csv);
        free(json);
        free(fx);
        return -1;
    }
    size_t lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    fx->a = malloc(lines * sizeof *fx->a);
    fx->b = malloc(lines * sizeof *fx->b);
    fx->revenue = malloc(lines * sizeof *fx->revenue);
    fx->fraud = malloc(lines);
    if (fx->a == NULL || fx->b == NULL || fx->revenue == NULL || fx->fraud == NULL) {
        free(csv);
        free(json);
        *state = fx;
        return -1;
    }
    char *line = strchr(csv, '\n');
    while (line != NULL && line[1] != '\0') {
        char *p = line + 1, *end;
        line = strchr(p, '\n');
        double v[4];
        for (int c = 0; c < 4; c++) {
            v[c] = *p == ',' ? NAN : strtod(p, &end);
            if (*p != ',')
                p = end;
            if (*p != (c < 3 ? ',' : '\n')) {
                fprintf(stderr, "declarations.csv: bad row %zu\n", fx->n + 2);
                free(csv);
                free(json);
                *state = fx;
                return -1;
            }
            p++;
        }
        fx->a[fx->n] = v[0];
        fx->b[fx->n] = v[1];
        fx->fraud[fx->n] = v[2] != 0.0;
        fx->revenue[fx->n] = v[3];
        fx->n++;
    }
    fx->expected = cJSON_Parse(json);
    free(csv);
    free(json);
    *state = fx;
    return fx->expected == NULL ? -1 : 0;
}

static int fixture_teardown(void **state) {
    fixture_t *fx = *state;
    if (fx != NULL) {
        cJSON_Delete(fx->expected);
        free(fx->a);
        free(fx->b);
        free(fx->revenue);
        free(fx->fraud);
        free(fx);
    }
    return 0;
}

static double num(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        fail_msg("expected.json: no number %s", key);
    return v->valuedouble;
}

static void test_risk_metrics_fixture_matches_reference(void **state) {
    fixture_t *fx = *state;
    const cJSON *e = fx->expected;
    assert_int_equal(fx->n, (size_t)num(e, "n"));
    size_t n = fx->n;
    size_t *order = malloc(n * sizeof *order);
    double *pos = malloc(n * sizeof *pos), *neg = malloc(n * sizeof *neg);
    assert_non_null(order);
    assert_non_null(pos);
    assert_non_null(neg);
    const cJSON *rates = cJSON_GetObjectItemCaseSensitive(e, "rates");
    bl_rng_t rng;
    bl_rng_init(&rng, 11, 0, 1);
    const char *names[2] = {"a", "b"};
    const double *scores[2] = {fx->a, fx->b};
    for (int m = 0; m < 2; m++) {
        const cJSON *em = cJSON_GetObjectItemCaseSensitive(e, names[m]);
        bl_rank(scores[m], n, order);
        const cJSON *ek;
        int r = 0;
        cJSON_ArrayForEach(ek, cJSON_GetObjectItemCaseSensitive(em, "at_k")) {
            double rate = cJSON_GetArrayItem(rates, r++)->valuedouble;
            expect_near(num(ek, "rate"), rate, 0, "rate");
            bl_at_k_t a = bl_at_k(order, fx->fraud, fx->revenue, n, rate, 0, &rng);
            assert_int_equal(a.k, (size_t)num(ek, "k"));
            assert_int_equal(a.frauds_caught, (size_t)num(ek, "frauds_caught"));
            assert_int_equal(a.frauds_total, (size_t)num(ek, "frauds_total"));
            expect_near(a.precision.estimate, num(ek, "precision"), 1e-12, "precision");
            expect_near(a.recall.estimate, num(ek, "recall"), 1e-12, "recall");
            expect_near(a.revenue.estimate, num(ek, "revenue_share"), 1e-12, "revenue share");
            double rt = num(ek, "revenue_total");
            expect_near(a.revenue_total, rt, 1e-12 * rt, "revenue total");
            expect_near(a.revenue_caught, num(ek, "revenue_caught"), 1e-12 * rt, "revenue caught");
            const cJSON *pw = cJSON_GetObjectItemCaseSensitive(ek, "precision_wilson");
            const cJSON *rw = cJSON_GetObjectItemCaseSensitive(ek, "recall_wilson");
            expect_near(a.precision.low, num(pw, "low"), 1e-12, "precision Wilson low");
            expect_near(a.precision.high, num(pw, "high"), 1e-12, "precision Wilson high");
            expect_near(a.recall.low, num(rw, "low"), 1e-12, "recall Wilson low");
            expect_near(a.recall.high, num(rw, "high"), 1e-12, "recall Wilson high");
        }
        assert_int_equal(r, cJSON_GetArraySize(rates));
        expect_near(bl_pr_auc(order, fx->fraud, n), num(em, "pr_auc"), 1e-12, "PR AUC");
        expect_near(bl_brier(scores[m], fx->fraud, n), num(em, "brier"), 1e-12, "Brier");
        size_t np = 0, nn = 0;
        for (size_t i = 0; i < n; i++) {
            if (fx->fraud[i])
                pos[np++] = scores[m][i];
            else
                neg[nn++] = scores[m][i];
        }
        expect_near(bl_auc(pos, np, neg, nn), num(em, "auc"), 1e-12, "AUC");
        size_t bins = (size_t)num(e, "bins");
        bl_reliability_bin_t rel[16];
        assert_true(bins <= 16);
        bl_reliability(scores[m], fx->fraud, n, bins, rel);
        const cJSON *eb = cJSON_GetObjectItemCaseSensitive(em, "reliability");
        for (size_t b = 0; b < bins; b++) {
            const cJSON *x = cJSON_GetArrayItem(eb, (int)b);
            assert_int_equal(rel[b].n, (size_t)num(x, "n"));
            if (rel[b].n == 0)
                continue;
            expect_near(rel[b].mean_score, num(x, "mean_score"), 1e-12, "bin mean");
            expect_near(rel[b].fraud_rate, num(x, "fraud_rate"), 1e-12, "bin fraud rate");
        }
    }
    size_t *order_b = malloc(n * sizeof *order_b);
    assert_non_null(order_b);
    bl_rank(fx->a, n, order);
    bl_rank(fx->b, n, order_b);
    const cJSON *ep;
    int r = 0;
    cJSON_ArrayForEach(ep, cJSON_GetObjectItemCaseSensitive(e, "paired")) {
        double rate = cJSON_GetArrayItem(rates, r++)->valuedouble;
        bl_paired_at_k_t p = bl_paired_at_k(order, order_b, fx->fraud, n, rate, 0, &rng);
        assert_int_equal(p.only_a, (uint64_t)num(ep, "only_a"));
        assert_int_equal(p.only_b, (uint64_t)num(ep, "only_b"));
        expect_near(p.difference, num(ep, "difference"), 1e-12, "paired difference");
        expect_near(p.p_value, num(ep, "p_exact"), 1e-9, "McNemar exact p");
    }
    assert_int_equal(r, cJSON_GetArraySize(rates));
    free(order);
    free(order_b);
    free(pos);
    free(neg);
}

/* ---------------------------------------------------------------- bootstrap */

typedef struct boot_ctx {
    const uint8_t *fraud;
    const double *revenue;
    const uint8_t *in_a, *in_b;
    size_t k;
} boot_ctx_t;

static double revenue_share_of(void *vctx, const size_t *idx, size_t n) {
    const boot_ctx_t *c = vctx;
    double caught = 0, total = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = idx[j];
        if (!c->fraud[i])
            continue;
        total += c->revenue[i];
        caught += c->in_a[i] ? c->revenue[i] : 0.0;
    }
    return total > 0 ? caught / total : NAN;
}

static double difference_of(void *vctx, const size_t *idx, size_t n) {
    const boot_ctx_t *c = vctx;
    double d = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = idx[j];
        if (c->fraud[i])
            d += (double)c->in_a[i] - (double)c->in_b[i];
    }
    return d / (double)c->k;
}

/*
 * The bootstrap draws only the counts of the declarations that matter;
 * its intervals must agree, up to Monte Carlo error, with the plain
 * bootstrap (bl_bootstrap) of the same statistic resampling all n
 * declarations.  With 4000 resamples a percentile's Monte Carlo standard
 * error is about 0.04 standard deviations of the statistic, about 1% of
 * the interval's length; the tolerance is 10%.
 */
static void test_risk_metrics_bootstrap_agrees_with_plain_bootstrap(void **state) {
    fixture_t *fx = *state;
    size_t n = fx->n;
    enum { B = 4000 };
    size_t *oa = malloc(n * sizeof *oa), *ob = malloc(n * sizeof *ob);
    uint8_t *in_a = calloc(n, 1), *in_b = calloc(n, 1);
    assert_non_null(oa);
    assert_non_null(ob);
    assert_non_null(in_a);
    assert_non_null(in_b);
    double *reversed = malloc(n * sizeof *reversed);
    assert_non_null(reversed);
    for (size_t i = 0; i < n; i++)
        reversed[i] = -fx->a[i];
    bl_rank(fx->a, n, oa);
    /* Third case: model a against its reverse, which catches almost
     * nothing, so that nearly all discordant frauds are a's and the
     * difference's spread comes from how many of them a resample draws. */
    static const double rates[] = {2, 10, 10};
    for (size_t t = 0; t < 3; t++) {
        bl_rank(t < 2 ? fx->b : reversed, n, ob);
        size_t k = bl_inspection_k(rates[t], n);
        memset(in_a, 0, n);
        memset(in_b, 0, n);
        for (size_t r = 0; r < k; r++) {
            in_a[oa[r]] = 1;
            in_b[ob[r]] = 1;
        }
        boot_ctx_t ctx = {fx->fraud, fx->revenue, in_a, in_b, k};
        bl_rng_t r1, r2;
        bl_rng_init(&r1, 99, t, 1);
        bl_rng_init(&r2, 99, t, 2);

        bl_at_k_t a = bl_at_k(oa, fx->fraud, fx->revenue, n, rates[t], B, &r1);
        bl_interval_t plain = bl_bootstrap(n, revenue_share_of, &ctx, B, 0.95, &r2);
        expect_near(a.revenue.estimate, plain.estimate, 1e-12, "revenue share estimate");
        double len = plain.high - plain.low;
        assert_true(len > 0.01);
        expect_near(a.revenue.low, plain.low, 0.1 * len, "revenue share low");
        expect_near(a.revenue.high, plain.high, 0.1 * len, "revenue share high");
        assert_true(a.revenue.low <= a.revenue.estimate && a.revenue.estimate <= a.revenue.high);
        expect_near(a.revenue.half_width, 0.5 * (a.revenue.high - a.revenue.low), 1e-15,
                    "half width");

        bl_paired_at_k_t p = bl_paired_at_k(oa, ob, fx->fraud, n, rates[t], B, &r1);
        plain = bl_bootstrap(n, difference_of, &ctx, B, 0.95, &r2);
        expect_near(p.difference, plain.estimate, 1e-12, "difference estimate");
        len = plain.high - plain.low;
        assert_true(len > 0.01);
        expect_near(p.interval.low, plain.low, 0.1 * len, "difference low");
        expect_near(p.interval.high, plain.high, 0.1 * len, "difference high");
    }
    free(oa);
    free(ob);
    free(in_a);
    free(in_b);
    free(reversed);
}

/* The same rng state gives the same interval; another seed another one. */
static void test_risk_metrics_bootstrap_reproducible(void **state) {
    fixture_t *fx = *state;
    size_t n = fx->n;
    size_t *oa = malloc(n * sizeof *oa);
    assert_non_null(oa);
    bl_rank(fx->a, n, oa);
    bl_rng_t r1, r2, r3;
    bl_rng_init(&r1, 5, 0, 1);
    bl_rng_init(&r2, 5, 0, 1);
    bl_rng_init(&r3, 6, 0, 1);
    bl_at_k_t x = bl_at_k(oa, fx->fraud, fx->revenue, n, 5, 300, &r1);
    bl_at_k_t y = bl_at_k(oa, fx->fraud, fx->revenue, n, 5, 300, &r2);
    bl_at_k_t z = bl_at_k(oa, fx->fraud, fx->revenue, n, 5, 300, &r3);
    expect_near(x.revenue.low, y.revenue.low, 0, "same seed low");
    expect_near(x.revenue.high, y.revenue.high, 0, "same seed high");
    assert_true(x.revenue.low != z.revenue.low || x.revenue.high != z.revenue.high);
    free(oa);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_metrics_rank_hand_ties_by_input_order),
        cmocka_unit_test(test_risk_metrics_rank_nan_last_and_infinities),
        cmocka_unit_test(test_risk_metrics_rank_matches_brute_force),
        cmocka_unit_test(test_risk_metrics_inspection_k_exact),
        cmocka_unit_test(test_risk_metrics_at_k_hand),
        cmocka_unit_test(test_risk_metrics_at_k_undefined_ratios),
        cmocka_unit_test(test_risk_metrics_at_k_nonfraud_revenue_not_at_stake),
        cmocka_unit_test(test_risk_metrics_pr_auc_and_brier_hand),
        cmocka_unit_test(test_risk_metrics_auc_hand),
        cmocka_unit_test(test_risk_metrics_reliability_bins),
        cmocka_unit_test(test_risk_metrics_paired_hand),
        cmocka_unit_test_setup_teardown(test_risk_metrics_fixture_matches_reference, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_risk_metrics_bootstrap_agrees_with_plain_bootstrap,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_risk_metrics_bootstrap_reproducible, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
