/*
 * What the detector benchmarks share (bench_detector.c, bench_isolation.c):
 * a pool of pre-generated 512 x 512 dual-energy scans, as the timing modes
 * of `borderlab run` use, and where the built dual_energy plugin is.
 */
#ifndef BENCH_SCANS_H
#define BENCH_SCANS_H

#include <stddef.h>

#include "jobs/detector/detector_bench.h"

/* The generator's defaults at 512 x 512 in *bench (which must outlive the
 * source), its first n scans generated into *pool on 2 threads.  0, or a
 * BL_E code with err set; release with bl_bench_pool_fini and
 * bl_bench_source_close. */
int bench_scan_pool(bl_detector_bench_t *bench, size_t n, bl_bench_source_t **src,
                    bl_bench_pool_t *pool, bl_error_t *err);

/* For qsort: doubles in increasing order. */
int bench_cmp_double(const void *a, const void *b);

/* "NAME: message" on stderr; returns 1 (the exit status). */
int bench_fail(const char *name, const bl_error_t *err);

/* $top_builddir/plugins/detector/dual_energy/.libs/dual_energy.so into buf. */
const char *bench_dual_energy_path(char *buf, size_t cap);

#endif
