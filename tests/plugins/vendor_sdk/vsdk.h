/*
 * "VisionScan SDK" 1.0: the public header of a fixture vendor detector SDK
 * with its own C API (no borderlab plugin entry), as a vendor would ship
 * it.  The libffi adapter (plugins/detector/ffi_detector) drives it from a
 * declaration in a scenario; vsdk_native.c is the same algorithm as a
 * native borderlab plugin, so a test can show both give the same output.
 *
 * The algorithm (vsdk_algo.c): the image is cut into square cells; a cell
 * whose mean transmission is at most 1 - threshold is "dark" (dense) and is
 * reported as a hit with score (darkness - threshold) / (1 - threshold),
 * class VSDK_CLASS_HEAVY when its darkness reaches `heavy`, else
 * VSDK_CLASS_DENSE, in row-major cell order.
 *
 * Pixels are transmission scaled to 0..65535 (u16), rows `stride` apart.
 */
#ifndef VSDK_H
#define VSDK_H

#include <stddef.h>
#include <stdint.h>

#define VSDK_OK 0
#define VSDK_TRUNCATED 1 /* more hits than `max`: the first max are written */
#define VSDK_EARG (-1)   /* a bad argument (size, stride, NULL) */

#define VSDK_CLASS_HEAVY 10 /* very dark: metal */
#define VSDK_CLASS_DENSE 20 /* dark: dense organic */

/* One hit.  On x86-64 (and any LP64 ABI): code at 0, score at 4, x..h at
 * 8..14, darkness at 16; 24 bytes. */
typedef struct vsdk_hit {
    uint8_t code;
    float score;         /* 0..1 */
    uint16_t x, y, w, h; /* the cell, pixels */
    double darkness;     /* 1 - mean transmission */
} vsdk_hit_t;

typedef struct vsdk vsdk_t;

/* cfg: "" or "cell=N[;heavy=X]" (N 1..256, default 16; X 0..1, default
 * 0.9); threshold in (0, 1).  NULL when either is wrong. */
vsdk_t *vsdk_open(const char *cfg, double threshold);

/* The same as a status and an out pointer: VSDK_OK or VSDK_EARG. */
int vsdk_open_into(const char *cfg, double threshold, vsdk_t **out);

/* Inspect a u16 image: hits[0..*n_out-1].  VSDK_OK, VSDK_TRUNCATED or
 * VSDK_EARG (stride_bytes must be even and at least 2 * width). */
int vsdk_inspect(vsdk_t *h, const uint16_t *img, int width, int height, int stride_bytes,
                 vsdk_hit_t *hits, int max, int *n_out);

/* Inspect a float image (transmission 0..1, rows `stride` floats apart),
 * converted as vsdk_algo_from_float does.  Returns the hit count, or
 * VSDK_EARG (also when more than max hits were found). */
int64_t vsdk_inspect_f32(const float *img, uint32_t width, uint32_t height, size_t stride,
                         vsdk_t *h, vsdk_hit_t *hits, uint32_t max);

/* A broken build of vsdk_inspect (for the tests): writes max + 1 hits. */
int vsdk_inspect_sloppy(vsdk_t *h, const uint16_t *img, int width, int height, int stride_bytes,
                        vsdk_hit_t *hits, int max, int *n_out);

void vsdk_close(vsdk_t *h);

#endif
