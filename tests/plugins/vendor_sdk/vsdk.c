/*
 * The fixture detector SDK's C API (see vsdk.h): a plain shared object,
 * not a borderlab plugin.
 */
#include <stdlib.h>

#include "vsdk.h"
#include "vsdk_algo.h"

struct vsdk {
    vsdk_params_t params;
    uint16_t *scratch; /* vsdk_inspect_f32's converted image */
    size_t scratch_n;
};

vsdk_t *vsdk_open(const char *cfg, double threshold) {
    vsdk_t *h = calloc(1, sizeof *h);
    if (h == NULL || vsdk_algo_configure(&h->params, cfg, threshold) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

int vsdk_open_into(const char *cfg, double threshold, vsdk_t **out) {
    if (out == NULL)
        return VSDK_EARG;
    *out = vsdk_open(cfg, threshold);
    return *out != NULL ? VSDK_OK : VSDK_EARG;
}

int vsdk_inspect(vsdk_t *h, const uint16_t *img, int width, int height, int stride_bytes,
                 vsdk_hit_t *hits, int max, int *n_out) {
    if (h == NULL || img == NULL || hits == NULL || n_out == NULL || width <= 0 || height <= 0 ||
        max < 0 || stride_bytes % 2 != 0 || stride_bytes < 2 * width)
        return VSDK_EARG;
    return vsdk_algo_inspect(&h->params, img, width, height, (size_t)stride_bytes / 2, hits, max,
                             n_out);
}

int64_t vsdk_inspect_f32(const float *img, uint32_t width, uint32_t height, size_t stride,
                         vsdk_t *h, vsdk_hit_t *hits, uint32_t max) {
    int n = 0;
    if (h == NULL || img == NULL || hits == NULL || width == 0 || height == 0 || width > 65535 ||
        height > 65535 || stride < width || max > 1000000)
        return VSDK_EARG;
    size_t np = (size_t)width * height;
    if (h->scratch_n < np) {
        uint16_t *p = realloc(h->scratch, np * sizeof *p);
        if (p == NULL)
            return VSDK_EARG;
        h->scratch = p;
        h->scratch_n = np;
    }
    for (size_t y = 0; y < height; y++)
        for (size_t x = 0; x < width; x++)
            h->scratch[y * width + x] = vsdk_algo_from_float(img[y * stride + x]);
    int rc = vsdk_algo_inspect(&h->params, h->scratch, (int)width, (int)height, width, hits,
                               (int)max, &n);
    return rc == VSDK_OK ? n : VSDK_EARG;
}

int vsdk_inspect_sloppy(vsdk_t *h, const uint16_t *img, int width, int height, int stride_bytes,
                        vsdk_hit_t *hits, int max, int *n_out) {
    int rc = vsdk_inspect(h, img, width, height, stride_bytes, hits, max, n_out);
    if (rc >= 0 && max >= 0) {
        hits[max] = (vsdk_hit_t){VSDK_CLASS_DENSE, 0.5f, 0, 0, 1, 1, 0.5};
        if (*n_out < max)
            (*n_out)++;
    }
    return rc < 0 ? rc : VSDK_OK;
}

void vsdk_close(vsdk_t *h) {
    if (h != NULL)
        free(h->scratch);
    free(h);
}
