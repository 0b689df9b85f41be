/*
 * Log-bucketed histogram: see histogram.h.
 *
 * A positive double is m * 2^e with 1 <= m < 2; its bucket is e (offset by
 * BL_HIST_MIN_EXP) followed by the top BL_HIST_SUB_BITS bits of the
 * mantissa, both read straight from the IEEE 754 bits.  Adding a value is a
 * few integer operations, with no log() on the engine's hot path.
 */
#include "stats/histogram.h"

#include <math.h>
#include <string.h>

#define MANTISSA_BITS 52
#define EXPONENT_BIAS 1023
#define SUB_COUNT (1 << BL_HIST_SUB_BITS)

/* Powers of two bounding the bucketed range, as exact doubles. */
#define RANGE_LOW 0x1.0p-20
#define RANGE_HIGH 0x1.0p+25

_Static_assert(sizeof(double) == sizeof(uint64_t), "IEEE 754 binary64 double expected");
_Static_assert(BL_HIST_MIN_EXP == -20 && BL_HIST_MAX_EXP == 25,
               "RANGE_LOW and RANGE_HIGH must follow BL_HIST_MIN_EXP and BL_HIST_MAX_EXP");

void bl_histogram_init(bl_histogram_t *h) { memset(h, 0, sizeof *h); }

void bl_histogram_add(bl_histogram_t *h, double value) {
    h->count++;
    /* Non-positive values (and NaN) count as zeros and add nothing to the
     * sum: a wait is never negative, so these are rounding noise. */
    if (!(value > 0.0)) {
        h->zeros++;
        return;
    }
    h->sum += value;
    if (value > h->max)
        h->max = value;
    if (value < RANGE_LOW) {
        h->under++;
    } else if (value >= RANGE_HIGH) {
        h->over++;
    } else {
        uint64_t bits;
        memcpy(&bits, &value, sizeof bits);
        int e = (int)(bits >> MANTISSA_BITS) - EXPONENT_BIAS; /* sign bit is 0 */
        unsigned sub = (unsigned)(bits >> (MANTISSA_BITS - BL_HIST_SUB_BITS)) & (SUB_COUNT - 1);
        h->buckets[((unsigned)(e - BL_HIST_MIN_EXP) << BL_HIST_SUB_BITS) | sub]++;
    }
}

void bl_histogram_merge(bl_histogram_t *dst, const bl_histogram_t *src) {
    dst->zeros += src->zeros;
    dst->under += src->under;
    dst->over += src->over;
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
    for (int i = 0; i < BL_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
}

/* Midpoint of bucket i: [2^e (1 + s/128), 2^e (1 + (s+1)/128)). */
static double bucket_mid(int i) {
    int e = (i >> BL_HIST_SUB_BITS) + BL_HIST_MIN_EXP;
    int s = i & (SUB_COUNT - 1);
    return ldexp(1.0 + (s + 0.5) / SUB_COUNT, e);
}

double bl_histogram_quantile(const bl_histogram_t *h, double q) {
    if (h->count == 0)
        return 0.0;
    if (!(q > 0.0))
        q = 0.0;
    if (q > 1.0)
        q = 1.0;
    /* The rank-th smallest value, 1-based, with rank = ceil(q * count). */
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;

    uint64_t seen = h->zeros;
    if (rank <= seen)
        return 0.0;
    seen += h->under;
    if (rank <= seen)
        return fmin(0.5 * RANGE_LOW, h->max);
    for (int i = 0; i < BL_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        /* A midpoint may lie above the largest value seen: never report a
         * quantile beyond the maximum. */
        if (rank <= seen)
            return fmin(bucket_mid(i), h->max);
    }
    /* Values beyond the range have no bucket; the maximum is the only
     * figure known about them. */
    return h->max;
}

double bl_histogram_mean(const bl_histogram_t *h) {
    return h->count ? h->sum / (double)h->count : 0.0;
}
