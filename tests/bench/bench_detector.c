/*
 * `make bench`: the detector bench's own figures, through the same offline
 * path `borderlab run` uses (bl_bench_offline in core/jobs/detector/bench_perf.c):
 *
 *   - harness overhead per scan: the built-in no-op detector on a pool of
 *     pre-generated 512 x 512 dual-energy scans, 1 thread, batch 1 and 16
 *     (median of 5 runs); the target is under 2 us a scan;
 *   - offline scans/s of plugins/detector/dual_energy on the same scans,
 *     batch 16, with 1 and 2 threads.
 *
 * Run with top_builddir set (make bench does) so the plugin is found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_scans.h"
#include "jobs/detector/detector_bench.h"
#include "plugin/builtin_plugins.h"
#include "plugin/loader.h"

#define POOL 32
#define NOOP_SCANS 1000000
#define REPEATS 5
#define DUAL_SCANS 128
#define TARGET_NS 2000.0

int main(void) {
    char dual_path[1024];
    bench_dual_energy_path(dual_path, sizeof dual_path);
    bl_error_t err;
    bl_error_clear(&err);
    bl_detector_bench_t bench;
    bl_bench_source_t *src = NULL;
    bl_bench_pool_t pool;
    bl_plugin_handle_t noop, dual;
    memset(&noop, 0, sizeof noop);
    memset(&dual, 0, sizeof dual);
    int status = 1;
    if (bench_scan_pool(&bench, POOL, &src, &pool, &err) != 0 ||
        bl_plugin_load(&noop, BL_BUILTIN_PREFIX "noop", BL_KIND_DETECTOR, &err) != 0 ||
        bl_plugin_load(&dual, dual_path, BL_KIND_DETECTOR, &err) != 0) {
        status = bench_fail("bench_detector", &err);
        goto out;
    }
    printf("detector bench: a pool of %d pre-generated %ux%u dual-energy scans\n", POOL,
           bench.xray.width, bench.xray.height);

    static const uint32_t batches[] = {1, 16};
    for (size_t b = 0; b < 2; b++) {
        double ns[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            bl_bench_offline_row_t row;
            if (bl_bench_offline(&noop, NULL, 1, &pool, batches[b], 1, NOOP_SCANS, &row, &err) !=
                0) {
                status = bench_fail("bench_detector", &err);
                goto out;
            }
            ns[r] = row.seconds * 1e9 / NOOP_SCANS;
        }
        qsort(ns, REPEATS, sizeof ns[0], bench_cmp_double);
        double median = ns[REPEATS / 2];
        printf("  harness overhead (builtin:noop, offline, batch %2u, 1 thread): %8.1f ns/scan "
               "(target < %.0f ns: %s)\n",
               batches[b], median, TARGET_NS, median < TARGET_NS ? "met" : "NOT MET");
    }

    for (unsigned threads = 1; threads <= 2; threads++) {
        bl_bench_offline_row_t row;
        if (bl_bench_offline(&dual, NULL, 1, &pool, 16, threads, DUAL_SCANS, &row, &err) != 0) {
            status = bench_fail("bench_detector", &err);
            goto out;
        }
        printf("  dual_energy offline, batch 16, %u thread%s: %8.1f scans/s (%d scans in %.2f s)\n",
               threads, threads == 1 ? " " : "s", row.scans_per_s, DUAL_SCANS, row.seconds);
    }
    status = 0;
out:
    if (dual.desc != NULL)
        bl_plugin_unload(&dual);
    if (noop.desc != NULL)
        bl_plugin_unload(&noop);
    bl_bench_pool_fini(&pool);
    bl_bench_source_close(src);
    return status;
}
