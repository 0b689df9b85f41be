/*
 * Ranking metrics of a risk model at an inspection rate (customs
 * "selectivity"): the model's scores rank N declarations; the top k =
 * ceil(n% of N) are inspected.  Ties in score are broken stably by input
 * order (the earlier declaration ranks first), so results do not depend on
 * the sort algorithm.  All functions are pure; the caller owns the arrays.
 */
#ifndef BL_RISK_METRICS_H
#define BL_RISK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "stats/rng.h"
#include "stats/stats.h"

/* k for an inspection rate in percent: ceil(rate / 100 * n), at least 1
 * when n > 0 and rate > 0, at most n.  Computed exactly for rates with up
 * to 6 decimals (no floating-point surprise at 5% of 100): the rate is
 * rounded to millionths of a percent and the rest is integer arithmetic.
 * 0 when n is 0 or the rate is not positive (or NaN). */
size_t bl_inspection_k(double rate_percent, size_t n);

/* order[0..n-1] = indices sorted by descending score, ties by ascending
 * index (stable).  NaN scores rank last (among themselves by index).
 * O(n log n); cannot fail (sorts in place if a copy cannot be allocated).
 * scores is borrowed; order is caller-allocated (n entries). */
void bl_rank(const double *scores, size_t n, size_t *order);

/* What the top k of a ranking catch. */
typedef struct bl_at_k {
    double rate_percent;
    size_t k;
    size_t frauds_caught; /* among the top k */
    size_t frauds_total;
    double revenue_caught; /* revenue at stake of the top k's frauds */
    double revenue_total;
    bl_interval_t precision; /* frauds_caught / k, Wilson 95% */
    bl_interval_t recall;    /* frauds_caught / frauds_total, Wilson 95% */
    bl_interval_t revenue;   /* revenue_caught / revenue_total, bootstrap 95% (percentile) */
} bl_at_k_t;

/*
 * Metrics at `rate_percent` for a ranking (from bl_rank) with truth
 * fraud[i] (0/1) and revenue[i] (>= 0).  The revenue interval is a
 * percentile bootstrap over declarations with `resamples` resamples from
 * rng (0 resamples: the interval is the estimate).
 *
 * Only frauds carry revenue at stake: revenue[i] of a declaration with
 * fraud[i] == 0 is ignored (revenue may be NULL: no revenue).  Undefined
 * ratios are NaN: precision when k is 0, recall with no fraud, the revenue
 * share when the frauds' revenue totals 0.  The bootstrap resamples the n
 * declarations with replacement, each keeping its top-k membership, and
 * draws only the counts of the frauds with revenue (exact multinomial
 * counts, O(those frauds) per resample; see risk_metrics.c); resamples
 * that draw no revenue are left out.  An allocation failure leaves NaN
 * bounds.  All arrays are borrowed; rng is advanced.
 */
bl_at_k_t bl_at_k(const size_t *order, const uint8_t *fraud, const double *revenue, size_t n,
                  double rate_percent, unsigned resamples, bl_rng_t *rng);

/* Area under the precision-recall curve as average precision (the mean of
 * precision at each fraud's rank, ties by input order); NaN with no fraud. */
double bl_pr_auc(const size_t *order, const uint8_t *fraud, size_t n);

/* Brier score: mean (score - fraud)^2; scores must be in [0, 1]: NaN when
 * one is not (or is NaN), or n is 0. */
double bl_brier(const double *scores, const uint8_t *fraud, size_t n);

/* Reliability table: `bins` equal-width score bins on [0, 1]; per bin the
 * count, mean score and observed fraud rate (NaN when empty).  Bin b is
 * [b / bins, (b + 1) / bins), the last one closed (a score of 1 is in it);
 * scores outside [0, 1] or NaN are not counted.  out is caller-allocated
 * (bins entries); inputs are borrowed. */
typedef struct bl_reliability_bin {
    double low, high;
    size_t n;
    double mean_score;
    double fraud_rate;
} bl_reliability_bin_t;

void bl_reliability(const double *scores, const uint8_t *fraud, size_t n, size_t bins,
                    bl_reliability_bin_t *out);

/*
 * Paired comparison of two rankings of the same declarations at a rate:
 * difference in precision (a - b) with McNemar's exact test on the frauds
 * caught by exactly one of the two top-k sets, and a paired bootstrap 95%
 * interval of the difference.
 *
 * Both top-k sets have the same k, so the difference is
 * (only_a - only_b) / k.  The bootstrap resamples declarations with
 * replacement, each keeping its memberships, with k (the capacity) fixed:
 * a resample's difference is (drawn only_a - drawn only_b) / k.  0
 * resamples or no rng: the interval is the estimate.  NaN throughout when
 * k is 0 or memory runs out.  Arrays are borrowed; rng is advanced.
 */
typedef struct bl_paired_at_k {
    double precision_a, precision_b, difference;
    uint64_t only_a, only_b; /* frauds caught by one top k and not the other */
    double p_value;          /* McNemar exact */
    bl_interval_t interval;  /* bootstrap interval of the difference */
} bl_paired_at_k_t;

bl_paired_at_k_t bl_paired_at_k(const size_t *order_a, const size_t *order_b, const uint8_t *fraud,
                                size_t n, double rate_percent, unsigned resamples, bl_rng_t *rng);

#endif
