/*
 * Statistical inference for proportions and paired comparisons, written
 * for borderlab (no GPL library is linked) and tested against published
 * values: intervals for a proportion, quantiles of the chi-square and beta
 * distributions, McNemar's test, and a percentile bootstrap.
 */
#ifndef BL_INFERENCE_H
#define BL_INFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/rng.h"
#include "stats/stats.h"

/* Regularized incomplete beta I_x(a, b) and its inverse in x.  NaN when a
 * or b is not positive and finite, or p is outside [0, 1].  The quantile q
 * satisfies |I_q(a, b) - p| <= 1e-10 for a, b in [1e-3, 1e6], unless no
 * double does (q is then the double nearest the root; 0 when the root is
 * below the smallest positive double). */
double bl_beta_cdf(double x, double a, double b);
double bl_beta_quantile(double p, double a, double b);

/* Chi-square distribution with df degrees of freedom: cdf, upper tail and
 * quantile (quantile(1) is +inf).  NaN when df is not positive and finite. */
double bl_chi2_cdf(double x, double df);
double bl_chi2_sf(double x, double df);
double bl_chi2_quantile(double p, double df);

/* Binomial proportion k/n with a two-sided interval at `level` (0.95).
 * n == 0 gives NaN bounds.  k > n gives NaN throughout; a level outside
 * (0, 1) gives the estimate with NaN bounds.  k == 0 gives low 0 and
 * k == n high 1 exactly.  half_width is half the interval's length: neither
 * interval is symmetric about k/n. */
bl_interval_t bl_wilson_interval(uint64_t k, uint64_t n, double level);
bl_interval_t bl_clopper_pearson_interval(uint64_t k, uint64_t n, double level);

/* McNemar's test on paired binary outcomes: b = pairs where only the
 * first is positive, c = only the second.  p_exact is the two-sided exact
 * binomial p-value, p_chi2 the chi-square p-value with continuity
 * correction, chi2 its statistic, (|b - c| - 1)^2 / (b + c) floored at 0.
 * With b + c == 0 (no discordant pair), chi2 is 0 and both p are 1. */
typedef struct bl_mcnemar {
    uint64_t b, c;
    double chi2;
    double p_chi2;
    double p_exact;
} bl_mcnemar_t;

bl_mcnemar_t bl_mcnemar(uint64_t b, uint64_t c);

/* Percentile bootstrap interval of a statistic of n items: statistic(ctx,
 * idx, n) is called with a resample (indices into the items) `resamples`
 * times; RNG from rng.  Returns the estimate on the original sample
 * (identity indices) with the interval.  idx is borrowed for the call (the
 * statistic must not keep it); ctx is passed through untouched.  Bounds are
 * percentiles of the resampled statistics (linear between order
 * statistics), leaving out resamples where the statistic is NaN.  NaN
 * bounds when resamples is 0, level is outside (0, 1) or memory runs out;
 * NaN throughout when n is 0 or statistic or rng is NULL. */
bl_interval_t bl_bootstrap(size_t n, double (*statistic)(void *ctx, const size_t *idx, size_t n),
                           void *ctx, unsigned resamples, double level, bl_rng_t *rng);

#endif
