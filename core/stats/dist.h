/*
 * Probability distributions for service times, inter-arrival times and
 * entity attributes.  A scenario describes them in Lua (bl.exponential{...});
 * the engine samples them in C.  Times are in seconds.
 */
#ifndef BL_DIST_H
#define BL_DIST_H

#include <stddef.h>

#include "base/error.h"
#include "stats/rng.h"

typedef enum bl_dist_kind {
    BL_DIST_DETERMINISTIC = 1, /* a = value */
    BL_DIST_EXPONENTIAL = 2,   /* a = mean */
    BL_DIST_LOGNORMAL = 3,     /* a = mu, b = sigma of the underlying normal */
    BL_DIST_GAMMA = 4,         /* a = shape k, b = scale theta */
    BL_DIST_EMPIRICAL = 5,     /* values[] with cumulative weights cum[] */
    BL_DIST_UNIFORM = 6        /* a = low, b = high */
} bl_dist_kind_t;

typedef struct bl_dist {
    int kind;
    double a, b;
    size_t n;       /* empirical: number of values */
    double *values; /* empirical: owned */
    double *cum;    /* empirical: owned; cum[n-1] == 1 */
} bl_dist_t;

/* Constructors validate their parameters; on failure they fill err
 * (message names the distribution and the bad parameter) and return
 * BL_EINVAL.  bl_dist_empirical copies values and weights (weights may be
 * NULL for equal weights). */
int bl_dist_deterministic(bl_dist_t *d, double value, bl_error_t *err);
int bl_dist_exponential(bl_dist_t *d, double mean, bl_error_t *err);
int bl_dist_lognormal(bl_dist_t *d, double mu, double sigma, bl_error_t *err);
/* lognormal given the mean and standard deviation of the variable itself */
int bl_dist_lognormal_moments(bl_dist_t *d, double mean, double sd, bl_error_t *err);
int bl_dist_gamma(bl_dist_t *d, double shape, double scale, bl_error_t *err);
int bl_dist_uniform(bl_dist_t *d, double low, double high, bl_error_t *err);
int bl_dist_empirical(bl_dist_t *d, const double *values, const double *weights, size_t n,
                      bl_error_t *err);

/* Deep copy src into dst (dst must be uninitialised or finalised). */
int bl_dist_copy(bl_dist_t *dst, const bl_dist_t *src);

/* Release what d owns; d may be reused after. */
void bl_dist_fini(bl_dist_t *d);

/* One sample. */
double bl_dist_sample(const bl_dist_t *d, bl_rng_t *rng);

/* Theoretical mean and variance. */
double bl_dist_mean(const bl_dist_t *d);
/* The smallest value d can draw (0 for the families that never go below
 * it; NaN for an unset d): a duration's distribution must not go below 0. */
double bl_dist_min(const bl_dist_t *d);
double bl_dist_variance(const bl_dist_t *d);

/* Name of the kind ("exponential"...). */
const char *bl_dist_name(int kind);

#endif
