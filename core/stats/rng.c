/*
 * Random numbers: see rng.h.
 *
 * A stream's xoshiro256** state is derived from the triple (seed,
 * replication, stream) by a chain of SplitMix64 finalisers.  Each component
 * is first offset by its own odd constant and mixed on its own, then folded
 * into the running hash and mixed again, so that swapping components or
 * changing any one bit of any component gives an unrelated 64-bit key.  The
 * four state words are then the next four outputs of a SplitMix64 sequence
 * started at that key, as the xoshiro authors recommend for seeding.
 */
#include "stats/rng.h"

#include <math.h>

/* Distinct odd constants per component (fractional digits of sqrt(2), sqrt(3),
 * sqrt(5)), so that (a, b, c) and (b, a, c) hash differently. */
#define SEED_KEY UINT64_C(0x6a09e667f3bcc909)
#define REPLICATION_KEY UINT64_C(0xbb67ae8584caa73b)
#define STREAM_KEY UINT64_C(0x3c6ef372fe94f82b)
#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* The SplitMix64 output function: a bijection on 64-bit words with full
 * avalanche. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t splitmix_next(uint64_t *x) {
    *x += GOLDEN_GAMMA;
    return mix64(*x);
}

void bl_rng_init(bl_rng_t *rng, uint64_t seed, uint64_t replication, uint64_t stream) {
    uint64_t h = mix64(seed + SEED_KEY);
    h = mix64(h ^ mix64(replication + REPLICATION_KEY));
    h = mix64((h + GOLDEN_GAMMA) ^ mix64(stream + STREAM_KEY));

    /* Four outputs of one SplitMix64 sequence: mix64 is a bijection applied
     * to four distinct inputs, so at most one word is zero and the state is
     * never the all-zero fixed point of xoshiro. */
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix_next(&h);
}

double bl_rng_normal(bl_rng_t *rng) {
    /* Marsaglia's polar method.  The second deviate of each accepted pair is
     * thrown away so that the generator holds no hidden state: a stream's
     * numbers depend only on how many draws were made. */
    for (;;) {
        double u = 2.0 * bl_rng_uniform(rng) - 1.0;
        double v = 2.0 * bl_rng_uniform(rng) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0)
            return u * sqrt(-2.0 * log(s) / s);
    }
}

/* High and low words of the 128-bit product a * b. */
static uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo) {
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)a * b;
    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
#else
    uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (mid << 32) | (ll & 0xffffffffu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

uint64_t bl_rng_below(bl_rng_t *rng, uint64_t n) {
    /* Lemire, "Fast random integer generation in an interval" (2019): the
     * high word of x * n is uniform on [0, n) once the few x whose low word
     * falls below 2^64 mod n are rejected. */
    if (n == 0)
        return 0;
    uint64_t lo;
    uint64_t hi = mul_hi_lo(bl_rng_next(rng), n, &lo);
    if (lo < n) {
        uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (lo < threshold)
            hi = mul_hi_lo(bl_rng_next(rng), n, &lo);
    }
    return hi;
}
