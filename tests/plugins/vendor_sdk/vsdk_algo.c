/*
 * The fixture detector SDK's algorithm: see vsdk.h and vsdk_algo.h.
 */
#include "vsdk_algo.h"

#include <stdlib.h>
#include <string.h>

int vsdk_algo_configure(vsdk_params_t *p, const char *cfg, double threshold) {
    p->cell = 16;
    p->heavy = 0.9;
    p->threshold = threshold;
    if (!(threshold > 0.0 && threshold < 1.0) || cfg == NULL)
        return -1;
    const char *s = cfg;
    while (*s != '\0') {
        char *end;
        if (strncmp(s, "cell=", 5) == 0) {
            long v = strtol(s + 5, &end, 10);
            if (end == s + 5 || v < 1 || v > 256)
                return -1;
            p->cell = (int)v;
        } else if (strncmp(s, "heavy=", 6) == 0) {
            double v = strtod(s + 6, &end);
            if (end == s + 6 || !(v >= 0.0 && v <= 1.0))
                return -1;
            p->heavy = v;
        } else {
            return -1;
        }
        if (*end == ';')
            end++;
        else if (*end != '\0')
            return -1;
        s = end;
    }
    return 0;
}

uint16_t vsdk_algo_from_float(float t) {
    if (t != t || t >= 1.0f)
        return 65535;
    if (t <= 0.0f)
        return 0;
    return (uint16_t)(t * 65535.0 + 0.5);
}

size_t vsdk_algo_cells(const vsdk_params_t *p, int width, int height) {
    if (width <= 0 || height <= 0)
        return 0;
    return (size_t)((width + p->cell - 1) / p->cell) * (size_t)((height + p->cell - 1) / p->cell);
}

int vsdk_algo_inspect(const vsdk_params_t *p, const uint16_t *img, int width, int height,
                      size_t stride, vsdk_hit_t *hits, int max, int *n_out) {
    int n = 0, rc = VSDK_OK;
    for (int cy = 0; cy < height && rc == VSDK_OK; cy += p->cell)
        for (int cx = 0; cx < width; cx += p->cell) {
            int cw = width - cx < p->cell ? width - cx : p->cell;
            int ch = height - cy < p->cell ? height - cy : p->cell;
            uint64_t sum = 0;
            for (int y = 0; y < ch; y++) {
                const uint16_t *row = img + (size_t)(cy + y) * stride + cx;
                for (int x = 0; x < cw; x++)
                    sum += row[x];
            }
            double dark = 1.0 - (double)sum / ((double)cw * ch * 65535.0);
            if (dark < p->threshold)
                continue;
            if (n == max) {
                rc = VSDK_TRUNCATED;
                break;
            }
            vsdk_hit_t *hit = &hits[n++];
            memset(hit, 0, sizeof *hit);
            hit->code = dark >= p->heavy ? VSDK_CLASS_HEAVY : VSDK_CLASS_DENSE;
            hit->score = (float)((dark - p->threshold) / (1.0 - p->threshold));
            hit->x = (uint16_t)cx;
            hit->y = (uint16_t)cy;
            hit->w = (uint16_t)cw;
            hit->h = (uint16_t)ch;
            hit->darkness = dark;
        }
    *n_out = n;
    return rc;
}
