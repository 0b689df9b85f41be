/*
 * Non-homogeneous Poisson arrivals with a piecewise-constant rate profile,
 * sampled exactly by inverting the cumulative rate: draw E ~ Exp(1) and
 * advance through the segments until the integrated rate reaches E.
 */
#ifndef BL_ARRIVALS_H
#define BL_ARRIVALS_H

#include "base/error.h"
#include "scenario/scenario.h"
#include "stats/rng.h"

/* Check a profile: at least one segment, rates finite and >= 0, step > 0
 * when there are several segments, some rate > 0. */
int bl_arrivals_validate(const bl_arrivals_t *a, bl_error_t *err);

/* Rate (per second) in force at time t. */
double bl_arrivals_rate_at(const bl_arrivals_t *a, double t);

/* Time of the next arrival after `now`; INFINITY when no more can come
 * (the remaining rate is zero forever). */
double bl_arrivals_next(const bl_arrivals_t *a, double now, bl_rng_t *rng);

/* Expected number of arrivals in [t0, t1). */
double bl_arrivals_expected(const bl_arrivals_t *a, double t0, double t1);

#endif
