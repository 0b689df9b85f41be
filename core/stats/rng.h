/*
 * Seedable, splittable random numbers.  Every stream is derived from
 * (seed, replication, stream) by hashing the triple with SplitMix64 into a
 * xoshiro256** state, so streams are independent of one another and of the
 * order in which replications run: the same seed gives the same numbers
 * whatever the thread count.
 */
#ifndef BL_RNG_H
#define BL_RNG_H

#include <stdint.h>

typedef struct bl_rng {
    uint64_t s[4];
} bl_rng_t;

/* Well-known stream numbers; stations and plugins get their own ranges. */
enum {
    BL_STREAM_ARRIVALS = 1,
    BL_STREAM_POPULATION = 2,
    BL_STREAM_ROUTING = 3,
    BL_STREAM_SCANS = 4,
    BL_STREAM_SEARCH = 5,
    BL_STREAM_BENCH_SERVER = 6,      /* detector_bench: server-mode query arrivals */
    BL_STREAM_REVIEW = 7,            /* checkpoint: officers confirming or overriding alarms */
    BL_STREAM_PATIENCE = 8,          /* checkpoint: patience of queued entities */
    BL_STREAM_SURROGATE = 9,         /* checkpoint: surrogate detector decisions and latency */
    BL_STREAM_GROUPS = 10,           /* checkpoint: group sizes and occupants */
    BL_STREAM_CLASS_BASE = 0x300,    /* + class index (class 0 uses BL_STREAM_ARRIVALS) */
    BL_STREAM_STATION_BASE = 0x100,  /* + station index: service times */
    BL_STREAM_PLUGIN_BASE = 0x10000, /* + plugin role: the plugin's own RNG */
    /* Clear of the station and plugin ranges. */
    BL_STREAM_DECLARATION_WORLD = 0x20000,   /* declaration_gen: importers, brokers, risk */
    BL_STREAM_DECLARATION_RECORDS = 0x20001, /* declaration_gen: the records */
    BL_STREAM_RISK_AT_RATE = 0x20100,        /* risk_validation: bootstrap at each rate */
    BL_STREAM_RISK_PAIRED = 0x20101,         /* risk_validation: paired bootstrap */
    BL_STREAM_SOAK_CLIENT = 0x20200          /* store_soak: client c is replication c */
};

/* Initialise rng for (seed, replication, stream). */
void bl_rng_init(bl_rng_t *rng, uint64_t seed, uint64_t replication, uint64_t stream);

/* Next 64 random bits. */
static inline uint64_t bl_rng_next(bl_rng_t *rng) {
    uint64_t *s = rng->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double bl_rng_uniform(bl_rng_t *rng) {
    return (double)(bl_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1]: safe to take the log of. */
static inline double bl_rng_uniform_pos(bl_rng_t *rng) {
    return (double)((bl_rng_next(rng) >> 11) + 1) * 0x1.0p-53;
}

/* Standard normal deviate (Marsaglia polar method; no cached state). */
double bl_rng_normal(bl_rng_t *rng);

/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t bl_rng_below(bl_rng_t *rng, uint64_t n);

#endif
