/*
 * The fixture detector SDK's algorithm (see vsdk.h), compiled into both
 * the SDK (vsdk.c) and its native twin (vsdk_native.c) so that both
 * compute the same thing.
 */
#ifndef VSDK_ALGO_H
#define VSDK_ALGO_H

#include <stddef.h>
#include <stdint.h>

#include "vsdk.h"

typedef struct vsdk_params {
    int cell;         /* cell side, pixels */
    double threshold; /* darkness from which a cell is a hit, (0, 1) */
    double heavy;     /* darkness from which a hit is VSDK_CLASS_HEAVY */
} vsdk_params_t;

/* Parse cfg ("" or "cell=N[;heavy=X]") and threshold into *p: 0, or -1
 * when either is wrong. */
int vsdk_algo_configure(vsdk_params_t *p, const char *cfg, double threshold);

/* Hits of a u16 image with rows stride elements apart, as vsdk_inspect. */
int vsdk_algo_inspect(const vsdk_params_t *p, const uint16_t *img, int width, int height,
                      size_t stride, vsdk_hit_t *hits, int max, int *n_out);

/* The SDK's documented conversion of a transmission to u16: round to
 * nearest (halves up), t <= 0 -> 0, t >= 1 -> 65535, NaN -> 65535. */
uint16_t vsdk_algo_from_float(float t);

/* How many cells an image of width x height has. */
size_t vsdk_algo_cells(const vsdk_params_t *p, int width, int height);

#endif
