/*
 * Log-bucketed histogram for non-negative durations (waits, latencies):
 * constant relative resolution (about 0.5%) from 1 microsecond to
 * about 3e7 seconds, fixed memory, mergeable across replications.  Zero
 * values (no wait) are counted exactly.
 */
#ifndef BL_HISTOGRAM_H
#define BL_HISTOGRAM_H

#include <stdint.h>

#define BL_HIST_SUB_BITS 7    /* 128 sub-buckets per power of two */
#define BL_HIST_MIN_EXP (-20) /* 2^-20 s, about 1 microsecond */
#define BL_HIST_MAX_EXP 25    /* 2^25 s, about a year */
#define BL_HIST_BUCKETS (((BL_HIST_MAX_EXP) - (BL_HIST_MIN_EXP)) << BL_HIST_SUB_BITS)

typedef struct bl_histogram {
    uint64_t zeros; /* values <= 0 */
    uint64_t under; /* 0 < value < 2^MIN_EXP */
    uint64_t over;  /* value >= 2^MAX_EXP */
    uint64_t count; /* all values */
    double sum;
    double max;
    uint64_t buckets[BL_HIST_BUCKETS];
} bl_histogram_t;

void bl_histogram_init(bl_histogram_t *h);

/* Record one value (seconds). */
void bl_histogram_add(bl_histogram_t *h, double value);

/* Add every count of src into dst. */
void bl_histogram_merge(bl_histogram_t *dst, const bl_histogram_t *src);

/* The q-quantile (0 <= q <= 1) as the midpoint of the bucket that holds it;
 * 0 when empty. */
double bl_histogram_quantile(const bl_histogram_t *h, double q);

double bl_histogram_mean(const bl_histogram_t *h);

#endif
