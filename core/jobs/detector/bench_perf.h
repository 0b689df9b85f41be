/*
 * The detector_bench performance modes, after MLPerf LoadGen: offline
 * throughput over batch sizes and threads, single-stream latency, server
 * latency under Poisson arrivals, and the harness's own overhead measured
 * with the built-in no-op detector (results layout: detector_bench.h).
 * Internal to detector_bench.c and bench_perf.c; bl_bench_offline and the
 * pool of scans the modes run on are public in detector_bench.h.
 */
#ifndef BL_BENCH_PERF_H
#define BL_BENCH_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "jobs/detector/detector_bench.h"
#include "plugin/loader.h"

#define BL_BENCH_DETS_PER_SCAN 256 /* output capacity per scan in a batch */

/*
 * Run the performance modes bl_detector_bench_of(res->scenario) asks for on every
 * detector of res (loaded), over a pool of bench->pool scans of src
 * generated on `threads` workers, then the no-op overhead at batch 1 and
 * bench->batch.  Fills the detectors' offline, single and server rows and
 * res->overhead; nothing when bench->pool is 0.  src is borrowed.
 */
int bl_bench_performance(bl_bench_result_t *res, bl_bench_source_t *src, unsigned threads,
                         bl_error_t *err);

/* ------------------------------------------------------------------ shared with accuracy mode */

/* Defined in detector_bench.c. */

/* Whether d is a detection the host can score for a batch of n scans. */
bool bl_bench_detection_valid(const bl_detection_t *d, const bl_scan_t *scans, size_t n);

/* Create an instance of detector h into *inst with its own host services
 * *hs (caller-owned; must outlive the instance), RNG stream (seed,
 * replication, stream).  A refusal is BL_EPLUGIN naming the plugin. */
int bl_bench_create_instance(const bl_plugin_handle_t *h, const bl_config_t *config,
                             bl_host_services_t *hs, uint64_t seed, uint64_t replication,
                             uint64_t stream, void **inst, bl_error_t *err);

/* Fill err for detect() of h returning rc on scans first..first+n-1;
 * returns BL_EPLUGIN. */
int bl_bench_detect_failed(const bl_plugin_handle_t *h, int rc, uint64_t first, size_t n,
                           bl_error_t *err);

#endif
