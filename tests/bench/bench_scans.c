/* What the detector benchmarks share: see bench_scans.h. */
#include "bench_scans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_scan_pool(bl_detector_bench_t *bench, size_t n, bl_bench_source_t **src,
                    bl_bench_pool_t *pool, bl_error_t *err) {
    memset(bench, 0, sizeof *bench);
    memset(pool, 0, sizeof *pool);
    *src = NULL;
    bl_xray_config_default(&bench->xray);
    bench->xray.width = bench->xray.height = 512;
    bench->scans = n;
    int rc = bl_bench_source_open(src, bench, 1, err);
    return rc != 0 ? rc : bl_bench_pool_init(pool, *src, n, 2, err);
}

const char *bench_dual_energy_path(char *buf, size_t cap) {
    const char *build = getenv("top_builddir");
    snprintf(buf, cap, "%s/plugins/detector/dual_energy/.libs/dual_energy.so", build ? build : ".");
    return buf;
}

int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bench_fail(const char *name, const bl_error_t *err) {
    fprintf(stderr, "%s: %s\n", name, err->message);
    return 1;
}
