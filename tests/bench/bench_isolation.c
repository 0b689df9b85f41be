/*
 * `make bench`: what isolation costs (core/plugin/isolated.h), through the
 * offline path `borderlab run` uses (bl_bench_offline), on a pool of
 * pre-generated 512 x 512 dual-energy scans, 1 thread, batch 16:
 *
 *   - the built-in no-op detector inside borderlab and in a plugin host
 *     process: the difference per batch is the isolation overhead (the
 *     issue's target: under 20 us a batch of 16);
 *   - plugins/detector/dual_energy inside borderlab and isolated: the ratio
 *     of their scans/s (target: at least 0.9).
 *
 * Each pair is measured back to back, alternating which side goes first,
 * PAIRS times; the figures are the median and range over the pairs, with
 * the CPU time (this process and its reaped plugin host processes) beside
 * the wall time.  Run with top_builddir set (make bench does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_scans.h"
#include "jobs/detector/detector_bench.h"
#include "plugin/builtin_plugins.h"
#include "plugin/loader.h"

#define POOL 32
#define BATCH 16
#define PAIRS 7
#define NOOP_SCANS (BATCH * 2048)
#define DUAL_SCANS 256
#define TARGET_OVERHEAD_US 20.0
#define TARGET_RATIO 0.9

/* CPU seconds of this process and of its children reaped so far. */
static double cpu_seconds(void) {
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
                    children.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
                    children.ru_stime.tv_usec) *
               1e-6;
}

typedef struct sample {
    double wall, cpu; /* seconds */
} sample_t;

static int measure(const bl_plugin_handle_t *h, const bl_bench_pool_t *pool, uint64_t scans,
                   sample_t *s, bl_error_t *err) {
    bl_bench_offline_row_t row;
    double cpu0 = cpu_seconds();
    int rc = bl_bench_offline(h, NULL, 1, pool, BATCH, 1, scans, &row, err);
    s->cpu = cpu_seconds() - cpu0;
    s->wall = row.seconds;
    return rc;
}

/* PAIRS alternating pairs of (a, b), scans each. */
static int pairs(const bl_plugin_handle_t *a, const bl_plugin_handle_t *b,
                 const bl_bench_pool_t *pool, uint64_t scans, sample_t sa[PAIRS],
                 sample_t sb[PAIRS], bl_error_t *err) {
    for (int p = 0; p < PAIRS; p++) {
        int rc = p % 2 == 0 ? measure(a, pool, scans, &sa[p], err)
                            : measure(b, pool, scans, &sb[p], err);
        if (rc == 0)
            rc = p % 2 == 0 ? measure(b, pool, scans, &sb[p], err)
                            : measure(a, pool, scans, &sa[p], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Median, min and max of x[0..n-1] (sorted in place). */
static void spread(double *x, int n, double *median, double *lo, double *hi) {
    qsort(x, (size_t)n, sizeof *x, bench_cmp_double);
    *median = x[n / 2];
    *lo = x[0];
    *hi = x[n - 1];
}

int main(void) {
    char dual_path[1024];
    bench_dual_energy_path(dual_path, sizeof dual_path);
    bl_error_t err;
    bl_error_clear(&err);
    bl_detector_bench_t bench;
    bl_bench_source_t *src = NULL;
    bl_bench_pool_t pool;
    bl_plugin_handle_t noop, noop_iso, dual, dual_iso;
    memset(&noop, 0, sizeof noop);
    memset(&noop_iso, 0, sizeof noop_iso);
    memset(&dual, 0, sizeof dual);
    memset(&dual_iso, 0, sizeof dual_iso);
    const char *noop_spec = BL_BUILTIN_PREFIX "noop";
    int status = 1;
    if (bench_scan_pool(&bench, POOL, &src, &pool, &err) != 0 ||
        bl_plugin_open(&noop, noop_spec, noop_spec, BL_KIND_DETECTOR, BL_ISOLATION_NONE, NULL,
                       &err) != 0 ||
        bl_plugin_open(&noop_iso, noop_spec, noop_spec, BL_KIND_DETECTOR, BL_ISOLATION_PROCESS,
                       NULL, &err) != 0 ||
        bl_plugin_open(&dual, dual_path, dual_path, BL_KIND_DETECTOR, BL_ISOLATION_NONE, NULL,
                       &err) != 0 ||
        bl_plugin_open(&dual_iso, dual_path, dual_path, BL_KIND_DETECTOR, BL_ISOLATION_PROCESS,
                       NULL, &err) != 0) {
        status = bench_fail("bench_isolation", &err);
        goto out;
    }
    bl_isolation_stats_t st;
    bl_isolated_stats(noop_iso.isolated, &st);
    printf("isolation bench: a pool of %d pre-generated %ux%u dual-energy scans, batch %d, "
           "1 thread, %d alternating pairs\n  plugin host sandbox: %s\n",
           POOL, bench.xray.width, bench.xray.height, BATCH, PAIRS, st.sandbox);

    /* The no-op detector: the overhead of a batch. */
    sample_t in[PAIRS], iso[PAIRS];
    if (pairs(&noop, &noop_iso, &pool, NOOP_SCANS, in, iso, &err) != 0) {
        status = bench_fail("bench_isolation", &err);
        goto out;
    }
    double batches = (double)NOOP_SCANS / BATCH;
    double over[PAIRS], cpu_over[PAIRS], wall_in[PAIRS], wall_iso[PAIRS];
    for (int p = 0; p < PAIRS; p++) {
        over[p] = (iso[p].wall - in[p].wall) / batches * 1e6;
        cpu_over[p] = (iso[p].cpu - in[p].cpu) / batches * 1e6;
        wall_in[p] = in[p].wall / batches * 1e6;
        wall_iso[p] = iso[p].wall / batches * 1e6;
    }
    double m, lo, hi, cm, clo, chi, mi, mo, x, y;
    spread(over, PAIRS, &m, &lo, &hi);
    spread(cpu_over, PAIRS, &cm, &clo, &chi);
    spread(wall_in, PAIRS, &mi, &x, &y);
    spread(wall_iso, PAIRS, &mo, &x, &y);
    printf("  no-op detector, a batch of %d: in-process %.2f us, isolated %.2f us (medians)\n",
           BATCH, mi, mo);
    printf("  isolation overhead per batch of %d: median %.2f us [%.2f, %.2f] wall, "
           "%.2f us [%.2f, %.2f] CPU (both processes): %s (target under %.0f us)\n",
           BATCH, m, lo, hi, cm, clo, chi, m < TARGET_OVERHEAD_US ? "met" : "NOT MET",
           TARGET_OVERHEAD_US);
    printf("  per scan: %.0f ns\n", m * 1000.0 / BATCH);

    /* dual_energy: throughput isolated over in-process. */
    sample_t din[PAIRS], diso[PAIRS];
    if (pairs(&dual, &dual_iso, &pool, DUAL_SCANS, din, diso, &err) != 0) {
        status = bench_fail("bench_isolation", &err);
        goto out;
    }
    double ratio[PAIRS], cpu_ratio[PAIRS], rate_in[PAIRS], rate_iso[PAIRS];
    for (int p = 0; p < PAIRS; p++) {
        ratio[p] = din[p].wall / diso[p].wall; /* (scans/s isolated) / (scans/s in-process) */
        cpu_ratio[p] = din[p].cpu / diso[p].cpu;
        rate_in[p] = DUAL_SCANS / din[p].wall;
        rate_iso[p] = DUAL_SCANS / diso[p].wall;
    }
    spread(ratio, PAIRS, &m, &lo, &hi);
    spread(cpu_ratio, PAIRS, &cm, &clo, &chi);
    spread(rate_in, PAIRS, &mi, &x, &y);
    spread(rate_iso, PAIRS, &mo, &x, &y);
    printf("  dual_energy offline: in-process %.1f scans/s, isolated %.1f scans/s (medians)\n", mi,
           mo);
    printf("  dual_energy isolated / in-process throughput: median %.3f [%.3f, %.3f] wall, "
           "%.3f [%.3f, %.3f] CPU: %s (target at least %.1f)\n",
           m, lo, hi, cm, clo, chi, m >= TARGET_RATIO ? "met" : "NOT MET", TARGET_RATIO);
    status = 0;
out:
    bl_plugin_unload(&dual_iso);
    bl_plugin_unload(&dual);
    bl_plugin_unload(&noop_iso);
    bl_plugin_unload(&noop);
    bl_bench_pool_fini(&pool);
    bl_bench_source_close(src);
    return status;
}
