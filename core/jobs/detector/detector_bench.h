/*
 * The detector_bench job (procurement teams): a fixed, seeded set of scans
 * (generated, or replayed from a team's own labelled images) through one or
 * more detectors, in accuracy mode (every detection kept, scored against
 * ground truth the plugin never sees) and in LoadGen-style performance
 * modes (offline throughput over batch sizes and threads, single-stream
 * latency, server latency under Poisson arrivals), with the harness's own
 * overhead measured by the built-in no-op detector.
 *
 * Results layout (schema 1; README "Results layout"; row structs and table
 * descriptions in bench_results.h):
 *   /                        root attributes as for every run (results.h),
 *                            job = "detector_bench", replications = 1, plus
 *                            scan_set_sha256 (SHA-256 over the generator
 *                            settings and seed, or the replayed image names,
 *                            and every scan's truth: equal sets, equal
 *                            digests), scans (u64), threshold (double),
 *                            interval_method ("wilson"/"clopper-pearson");
 *                            plugin_detector_id/_version/_sha256 for the
 *                            first detector, plugin_detector2_... after
 *   /plugins                 one row per detector, role "detector"; calls and
 *                            invalid_outputs of accuracy mode
 *   /detector/scans          table: scan (u32), truth_mask (u32, bit c set
 *                            when class c is present), objects (u32)
 *   /detector/truth          table: scan, threat (u32), x0, y0, x1, y1 (f32)
 *   /detector/set/           optional (save_scans): the scans themselves (scan_io.h)
 *   /detector/detectors/<label>/   one group per detector, in scenario order
 *                            (the group tracks link creation order); label is
 *                            the plugin id, with "-2", "-3"... on repeats;
 *                            attributes id, name, vendor, version, sha256,
 *                            path, config (JSON object of strings),
 *                            invalid_outputs, calls (u64)
 *       scores               table: scan (u32), any, then one column per class
 *                            (firearm, knife, explosive, drugs, cigarettes,
 *                            currency, metal) (f64): the highest valid
 *                            confidence (0 when none), invalid (u32, outputs
 *                            dropped for that scan; an output naming a scan
 *                            outside its batch counts only in invalid_outputs)
 *       detections           table: scan, threat (u32), confidence, x0, y0,
 *                            x1, y1 (f32): every valid detection, scan order
 *       metrics              table, "any" first, then one row per class with
 *                            positives: class (string), positives, negatives
 *                            (u64), threshold, pd, pd_low, pd_high, pfa,
 *                            pfa_low, pfa_high, auc, auc_low, auc_high
 *                            (DeLong), pd_at_pfa1 (+ _low, _high),
 *                            pd_at_pfa5 (+ _low, _high), ap50 (NaN for "any")
 *       roc/<class>          table per metrics row: threshold, pd, pfa; the
 *                            first point is (0, 0) at threshold +inf
 *       offline              table: batch, threads (u32), scans (u64),
 *                            seconds, scans_per_s
 *       single_stream        table, one row: queries (u64), mean, p50, p90,
 *                            p99, max (s)
 *       server               table, one row: target_rate, achieved_rate,
 *                            queries (u64), p50, p90, p99, bound, met (u8)
 *                            (offline, single_stream, server: only when the
 *                            mode ran)
 *   /detector/overhead       table: the no-op detector through the offline
 *                            path, 1 thread, batch 1 and bench->batch: mode
 *                            (string), batch, threads (u32), ns_per_scan
 *                            (median of 5 runs); empty when pool = 0
 */
#ifndef BL_DETECTOR_BENCH_H
#define BL_DETECTOR_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/progress.h"
#include "gen/xray.h"
#include "jobs/detector/bench_results.h"
#include "plugin/loader.h"
#include "scenario/scenario.h"

#define BL_BENCH_MAX_LIST 8

/* What a detector_bench scenario asks for (owned by bl_scenario_t; its
 * defaults are the field tables', detector_fields.c). */
typedef struct bl_detector_bench {
    size_t n_detectors;
    bl_plugin_ref_t *detectors; /* owned; --plugin detector=X replaces the list */
    uint64_t scans;             /* accuracy mode: scans generated (ignored when replaying) */
    bl_xray_config_t xray;      /* the generator */
    char *replay_folder;        /* owned; non-NULL: replay these images instead */
    char *replay_annotations;   /* owned; COCO .json or .csv */
    double replay_pixel_mm;     /* > 0: the replayed pixel size, over what the images state */
    bool save_scans;            /* write the scans into /detector/set */
    double threshold;           /* alarm threshold for Pd, Pfa and McNemar */
    uint32_t batch;             /* accuracy-mode batch size */
    bool clopper_pearson;       /* intervals: Clopper-Pearson instead of Wilson */
    /* Performance modes (each off when its count is 0). */
    uint32_t pool;          /* pre-generated scans they cycle through */
    uint32_t offline_scans; /* scans per offline point */
    size_t n_offline_batches;
    uint32_t offline_batches[BL_BENCH_MAX_LIST];
    size_t n_offline_threads;
    uint32_t offline_threads[BL_BENCH_MAX_LIST];
    uint32_t single_stream_queries;
    uint32_t server_queries;
    double server_rate;  /* queries per second */
    double server_bound; /* p99 latency bound, seconds */
} bl_detector_bench_t;

void bl_detector_bench_free_contents(bl_detector_bench_t *b);

/* ------------------------------------------------------------------ scans by index */

/*
 * Where the scans of a bench come from: generated (scan i from RNG
 * (seed, i, BL_STREAM_SCANS) with id i, so scan i is the same whatever
 * thread or detector asks for it) or replayed from bench->replay_folder.
 * Safe to call from several threads (replay loads are serialised).
 */
typedef struct bl_bench_source bl_bench_source_t;

/* bench and everything it points to are borrowed and must outlive s. */
int bl_bench_source_open(bl_bench_source_t **s, const bl_detector_bench_t *bench, uint64_t seed,
                         bl_error_t *err);
uint64_t bl_bench_source_count(const bl_bench_source_t *s);
/* Load scan i into b and describe it in *scan (pointers borrow b) and
 * *truth (may be NULL). */
int bl_bench_source_scan(bl_bench_source_t *s, uint64_t i, bl_scan_buffer_t *b, bl_scan_t *scan,
                         bl_scan_truth_t *truth, bl_error_t *err);
/* Text that identifies the set's origin for scan_set_sha256: the generator
 * settings and seed, or the replayed image names (heap; caller frees). */
char *bl_bench_source_describe(const bl_bench_source_t *s);
void bl_bench_source_close(bl_bench_source_t *s); /* NULL is fine */

/* ------------------------------------------------------------------ performance */

/* Scans 0..n-1 of a source held in memory for the performance modes. */
typedef struct bl_bench_pool {
    size_t n;
    bl_scan_buffer_t *buffers; /* owned */
    bl_scan_t *scans;          /* owned; pointers into buffers */
} bl_bench_pool_t;

/* Fill p with scans 0..n-1 of src (n capped at the source's count),
 * generated on `threads` workers.  Release with bl_bench_pool_fini. */
int bl_bench_pool_init(bl_bench_pool_t *p, bl_bench_source_t *src, size_t n, unsigned threads,
                       bl_error_t *err);
void bl_bench_pool_fini(bl_bench_pool_t *p);

/*
 * Offline mode: `scans` scans cycled from the pool, split evenly over
 * `threads` workers, each with its own fresh instance of h (created before
 * the clock starts, RNG stream (seed, worker, BL_STREAM_PLUGIN_BASE)),
 * handed over in batches of `batch`, outputs checked as in accuracy mode.
 * Fills row with the wall time and scans per second.  config may be NULL.
 */
int bl_bench_offline(const bl_plugin_handle_t *h, const bl_config_t *config, uint64_t seed,
                     const bl_bench_pool_t *pool, uint32_t batch, unsigned threads, uint64_t scans,
                     bl_bench_offline_row_t *row, bl_error_t *err);

/* ------------------------------------------------------------------ the job */

/* What one detector measured (owned by its bl_bench_result_t). */
typedef struct bl_bench_detector {
    bl_plugin_handle_t handle;  /* loaded; unloaded by bl_bench_result_fini */
    const bl_plugin_ref_t *ref; /* borrowed from the scenario: spec and configuration */
    char label[80];             /* group name: the plugin id, "-2", "-3"... on repeats */
    double *scores;    /* [n_scans][BL_THREAT_CLASS_COUNT]: [0] any, [c] class c (0 if none) */
    uint32_t *invalid; /* [n_scans]: outputs dropped */
    uint8_t *failed;   /* [n_scans]: 1 when it failed to process the scan (or skipped it once
                          invalid): isolated plugins only (plugin/isolated.h) */
    uint64_t failures; /* scans failed or skipped in accuracy mode */
    char not_deterministic[200]; /* why, when it claims determinism and a re-run differed */
    bl_bench_detection_row_t *detections; /* valid detections, in scan order */
    size_t n_detections;
    uint64_t calls, invalid_outputs; /* accuracy mode */
    size_t n_offline;
    bl_bench_offline_row_t offline[BL_BENCH_MAX_LIST * BL_BENCH_MAX_LIST];
    bool has_single, has_server;
    bl_bench_single_row_t single;
    bl_bench_server_row_t server;
} bl_bench_detector_t;

typedef struct bl_bench_result {
    const bl_scenario_t *scenario; /* borrowed */
    uint64_t n_scans;
    uint32_t width, height; /* of scan 0 */
    bl_scan_truth_t *truth; /* [n_scans] */
    size_t n_detectors;
    bl_bench_detector_t *detectors;
    size_t n_overhead;
    bl_bench_overhead_row_t overhead[4]; /* in-process, then isolated (mode "isolated") */
    char scan_set_sha256[65];
} bl_bench_result_t;

/*
 * Run the detector_bench job of sc (bl_detector_bench_of(sc) must be set): load every
 * detector (specs relative to the scenario's folder; a refusal names the
 * file and the reason), run accuracy mode on `threads` workers (0: one per
 * processor) in chunks of scans, then the performance modes and the no-op
 * overhead.  progress may be NULL; otherwise sim_ms_done counts scans done
 * (all detectors run on them) and events counts detector-scans.  On
 * success *out holds
 * everything measured (release with bl_bench_result_fini); on failure
 * nothing is kept and err says why.
 */
int bl_detector_bench_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                          bl_bench_result_t *out, bl_error_t *err);

void bl_bench_result_fini(bl_bench_result_t *r); /* zeroed struct is fine */

/* The detector_bench job in the scenario language: bl.detector_bench{...}
 * (scenario_bench.c); its settings are a bl_detector_bench_t. */
extern const struct bl_scenario_kind bl_detector_bench_kind;

/* The bench settings of a detector_bench scenario (borrowed). */
static inline bl_detector_bench_t *bl_detector_bench_of(const bl_scenario_t *sc) {
    return (bl_detector_bench_t *)sc->settings;
}

/* The detector_bench job's row of the job table (run/run.h; detector_job.c). */
extern const struct bl_job bl_job_detector_bench;

#endif
