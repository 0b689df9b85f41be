/*
 * Statistics written for borderlab (no GPL library is linked): running
 * moments, quantiles of the normal and Student t distributions, and
 * confidence intervals.  Each is tested against published tables.
 */
#ifndef BL_STATS_H
#define BL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Welford running mean and variance. */
typedef struct bl_moments {
    uint64_t n;
    double mean;
    double m2;
} bl_moments_t;

void bl_moments_init(bl_moments_t *m);
void bl_moments_add(bl_moments_t *m, double x);
double bl_moments_variance(const bl_moments_t *m); /* sample variance (n-1); 0 when n < 2 */

/* Standard normal cumulative distribution and its inverse (p in (0,1)). */
double bl_normal_cdf(double x);
double bl_normal_quantile(double p);

/* Student t cumulative distribution with df degrees of freedom, and its
 * inverse (p in (0,1), df >= 1). */
double bl_t_cdf(double t, double df);
double bl_t_quantile(double p, double df);

/* A two-sided confidence interval for a mean. */
typedef struct bl_interval {
    double estimate;
    double low;
    double high;
    double half_width;
} bl_interval_t;

/* t-based interval for the mean of x[0..n-1] at the given level (0.95).
 * With n < 2 the bounds are NaN. */
bl_interval_t bl_mean_interval(const double *x, size_t n, double level);

#endif
