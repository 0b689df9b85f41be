/*
 * The tables of a detector_bench results file (the /detector layout,
 * documented for users in the README's "Results layout" and in
 * jobs/detector/detector_bench.h): row structs and table descriptions in
 * results_schema.h's machinery.  The bench writes them
 * (jobs/detector/bench_results.c); the summary, `borderlab compare` and
 * the checkpoint's surrogate detector read them through the same
 * descriptions, so none of them needs the detector job itself.
 *
 * Tables that exist once per detector (scores, detections, metrics,
 * roc/<class>, offline, single_stream, server) have the name inside the
 * detector's group as their path; read them with bl_results_table_read_at.
 */
#ifndef BL_DETECTOR_TABLES_H
#define BL_DETECTOR_TABLES_H

#include <stdint.h>

#include "borderlab/plugin.h"
#include "results/results_schema.h"
#include "stats/detection_metrics.h"

/* Where the per-detector groups live; one group per detector, in scenario
 * order (the group tracks link creation order). */
#define BL_BENCH_DETECTORS_GROUP "/detector/detectors"

/* Column / class names: 0 is "any" (any threat), then the threat classes
 * in bl_threat_class_t order ("firearm" ... "metal"). */
const char *bl_bench_class_name(uint32_t c);

/* /detector/scans: one row per scan. */
typedef struct bl_bench_scan_row {
    uint32_t scan;
    uint32_t truth_mask; /* bit c set when class c is present */
    uint32_t objects;
} bl_bench_scan_row_t;

/* /detector/truth, and .../detections of each detector. */
typedef struct bl_bench_truth_row {
    uint32_t scan;
    uint32_t threat;
    float x0, y0, x1, y1;
} bl_bench_truth_row_t;

typedef struct bl_bench_detection_row {
    uint32_t scan;
    uint32_t threat;
    float confidence;
    float x0, y0, x1, y1;
} bl_bench_detection_row_t;

/* <detector>/scores: the highest valid confidence per class (0 when none). */
typedef struct bl_bench_score_row {
    uint32_t scan;
    double any, firearm, knife, explosive, drugs, cigarettes, currency, metal;
    uint32_t invalid; /* outputs dropped for this scan */
    uint8_t
        failed; /* 1: the detector failed to process it (no outputs; an alarm when operational) */
} bl_bench_score_row_t;

/* <detector>/metrics: one row for "any", then one per class with positives. */
typedef struct bl_bench_metric_row {
    char class[16];
    uint64_t positives, negatives;
    double threshold;
    double pd, pd_low, pd_high;
    double pfa, pfa_low, pfa_high;
    double auc, auc_low, auc_high;
    double pd_at_pfa1, pd_at_pfa1_low, pd_at_pfa1_high;
    double pd_at_pfa5, pd_at_pfa5_low, pd_at_pfa5_high;
    double ap50;
    /* Failures to process (isolated plugins): pd, pfa, auc and the rest
     * above exclude the failed scans; the operational figures count each as
     * an alarm (the bag goes to a manual search). */
    uint64_t failed_positives, failed_negatives;
    double pd_operational, pd_operational_low, pd_operational_high;
    double pfa_operational, pfa_operational_low, pfa_operational_high;
} bl_bench_metric_row_t;

/* <detector>/offline: one row per (batch, threads). */
typedef struct bl_bench_offline_row {
    uint32_t batch;
    uint32_t threads;
    uint64_t scans;
    double seconds;
    double scans_per_s;
} bl_bench_offline_row_t;

/* <detector>/single_stream: one row. */
typedef struct bl_bench_single_row {
    uint64_t queries;
    double mean, p50, p90, p99, max;
} bl_bench_single_row_t;

/* <detector>/server: one row. */
typedef struct bl_bench_server_row {
    double target_rate, achieved_rate;
    uint64_t queries;
    double p50, p90, p99, bound;
    uint8_t met;
} bl_bench_server_row_t;

/* /detector/overhead: the no-op detector through the offline path. */
typedef struct bl_bench_overhead_row {
    char mode[16];
    uint32_t batch;
    uint32_t threads;
    double ns_per_scan;
} bl_bench_overhead_row_t;

extern const bl_results_table_t bl_bench_scans_table;         /* bl_bench_scan_row_t */
extern const bl_results_table_t bl_bench_truth_table;         /* bl_bench_truth_row_t */
extern const bl_results_table_t bl_bench_scores_table;        /* in a detector's group */
extern const bl_results_table_t bl_bench_detections_table;    /* in a detector's group */
extern const bl_results_table_t bl_bench_metrics_table;       /* in a detector's group */
extern const bl_results_table_t bl_bench_roc_table;           /* roc/<class>: bl_roc_point_t */
extern const bl_results_table_t bl_bench_offline_table;       /* in a detector's group */
extern const bl_results_table_t bl_bench_single_stream_table; /* in a detector's group */
extern const bl_results_table_t bl_bench_server_table;        /* in a detector's group */
extern const bl_results_table_t bl_bench_overhead_table;      /* bl_bench_overhead_row_t */

#endif
