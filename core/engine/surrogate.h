/*
 * A surrogate detector: what a detector measured in a detector_bench run,
 * used in a checkpoint simulation instead of calling the detector on
 * synthetic scans, so that a long simulation costs nanoseconds a scan.
 *
 * Loaded from a detector_bench results file by
 * jobs/checkpoint/surrogate_file.h (the /detector layout):
 *   - /detector/scans (truth_mask per scan) and the detector's
 *     /detector/detectors/<label>/scores ("any" column: the highest valid
 *     confidence of any class) give, for each threat class c, the "any"
 *     scores of the scans whose only threat is c, and for class 0 the
 *     scores of the clean scans.  A class with no such scan falls back to
 *     the scans that contain it among others; a class with none at all has
 *     no scores (bl_surrogate_has reports it).
 *   - single_stream (mean, p50, p90, p99, max) gives the latency
 *     distribution: piecewise-linear inverse CDF through (0, 0.5 p50),
 *     (0.5, p50), (0.9, p90), (0.99, p99), (1, max); without that table,
 *     the best offline throughput gives a constant 1 / scans_per_s; without
 *     either, latency 0.
 *
 * A decision resamples one measured score of the entity's class uniformly
 * and alarms when it is >= the station's threshold, so the alarm rate at
 * any threshold is the measured one (in expectation), and the run stays
 * reproducible (the RNG is the caller's).
 */
#ifndef BL_SURROGATE_H
#define BL_SURROGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"
#include "stats/rng.h"

typedef struct bl_surrogate {
    char *path;      /* owned: the results file */
    char *detector;  /* owned: the detector's label (group name) */
    char *id;        /* owned: the detector's plugin id (attribute "id"), "" when absent */
    char sha256[65]; /* of the results file's bytes */
    size_t n[BL_THREAT_CLASS_COUNT];       /* scores per class; [0]: clean scans */
    double *scores[BL_THREAT_CLASS_COUNT]; /* owned, sorted ascending */
    double latency_q[5]; /* latency (s) at the probabilities bl_surrogate_latency_p */
} bl_surrogate_t;

/* The probabilities of latency_q: 0, 0.5, 0.9, 0.99, 1. */
extern const double bl_surrogate_latency_p[5];

/* Whether class `threat` (0: clean) has measured scores. */
bool bl_surrogate_has(const bl_surrogate_t *s, uint32_t threat);

/* The measured share of class-`threat` scans alarming at threshold. */
double bl_surrogate_alarm_rate(const bl_surrogate_t *s, uint32_t threat, double threshold);

/* One decision: a resampled score of class `threat` >= threshold.  A class
 * without scores behaves as clean. */
bool bl_surrogate_alarm(const bl_surrogate_t *s, uint32_t threat, double threshold, bl_rng_t *rng);

/* One latency draw, seconds. */
double bl_surrogate_latency(const bl_surrogate_t *s, bl_rng_t *rng);

void bl_surrogate_free(bl_surrogate_t *s);

#endif
