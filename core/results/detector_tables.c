/*
 * The tables of a detector_bench results file: see detector_tables.h.
 */
#include "results/detector_tables.h"

static const char *const class_names[BL_THREAT_CLASS_COUNT] = {
    "any", "firearm", "knife", "explosive", "drugs", "cigarettes", "currency", "metal"};

const char *bl_bench_class_name(uint32_t c) {
    return c < BL_THREAT_CLASS_COUNT ? class_names[c] : NULL;
}

/* ------------------------------------------------------------------ tables */

static const bl_results_column_t scan_columns[] = {
    BL_COLUMN(bl_bench_scan_row_t, scan, U32),
    BL_COLUMN(bl_bench_scan_row_t, truth_mask, U32),
    BL_COLUMN(bl_bench_scan_row_t, objects, U32),
};

const bl_results_table_t bl_bench_scans_table = BL_RESULTS_TABLE(
    "/detector/scans", "scans",
    "one row per scan of the set, in scan order: which threat classes it holds",
    "truth_mask: bit c set when an object of threat class c (bl_threat_class_t: 1 firearm ... 7 "
    "metal) is in the scan; objects: threat objects in the scan",
    scan_columns, bl_bench_scan_row_t);

static const bl_results_column_t truth_columns[] = {
    BL_COLUMN(bl_bench_truth_row_t, scan, U32), BL_COLUMN(bl_bench_truth_row_t, threat, U32),
    BL_COLUMN(bl_bench_truth_row_t, x0, F32),   BL_COLUMN(bl_bench_truth_row_t, y0, F32),
    BL_COLUMN(bl_bench_truth_row_t, x1, F32),   BL_COLUMN(bl_bench_truth_row_t, y1, F32),
};

const bl_results_table_t bl_bench_truth_table = BL_RESULTS_TABLE(
    "/detector/truth", "truth",
    "ground truth: one row per threat object, in scan order (never shown to a detector)",
    "x0, y0, x1, y1: pixels, x0 < x1, y0 < y1; threat: bl_threat_class_t", truth_columns,
    bl_bench_truth_row_t);

static const bl_results_column_t score_columns[] = {
    BL_COLUMN(bl_bench_score_row_t, scan, U32),
    BL_COLUMN(bl_bench_score_row_t, any, F64),
    BL_COLUMN(bl_bench_score_row_t, firearm, F64),
    BL_COLUMN(bl_bench_score_row_t, knife, F64),
    BL_COLUMN(bl_bench_score_row_t, explosive, F64),
    BL_COLUMN(bl_bench_score_row_t, drugs, F64),
    BL_COLUMN(bl_bench_score_row_t, cigarettes, F64),
    BL_COLUMN(bl_bench_score_row_t, currency, F64),
    BL_COLUMN(bl_bench_score_row_t, metal, F64),
    BL_COLUMN(bl_bench_score_row_t, invalid, U32),
    BL_COLUMN(bl_bench_score_row_t, failed, U8),
};

const bl_results_table_t bl_bench_scores_table = BL_RESULTS_TABLE(
    "scores", "scores",
    "per scan: the detector's highest valid confidence over all classes (any) and per class, 0 "
    "when it reported none; invalid: outputs dropped for the scan; failed: 1 when the detector "
    "failed to process it (/plugin_failures says how)",
    "confidence 0..1; invalid: count; failed: 0 or 1", score_columns, bl_bench_score_row_t);

static const bl_results_column_t detection_columns[] = {
    BL_COLUMN(bl_bench_detection_row_t, scan, U32),
    BL_COLUMN(bl_bench_detection_row_t, threat, U32),
    BL_COLUMN(bl_bench_detection_row_t, confidence, F32),
    BL_COLUMN(bl_bench_detection_row_t, x0, F32),
    BL_COLUMN(bl_bench_detection_row_t, y0, F32),
    BL_COLUMN(bl_bench_detection_row_t, x1, F32),
    BL_COLUMN(bl_bench_detection_row_t, y1, F32),
};

const bl_results_table_t bl_bench_detections_table = BL_RESULTS_TABLE(
    "detections", "detections",
    "every valid detection the detector reported, in scan order (invalid ones are only counted)",
    "confidence 0..1; x0, y0, x1, y1: pixels; threat: bl_threat_class_t", detection_columns,
    bl_bench_detection_row_t);

static const bl_results_column_t metric_columns[] = {
    BL_COLUMN(bl_bench_metric_row_t, class, STR),
    BL_COLUMN(bl_bench_metric_row_t, positives, U64),
    BL_COLUMN(bl_bench_metric_row_t, negatives, U64),
    BL_COLUMN(bl_bench_metric_row_t, threshold, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, auc, F64),
    BL_COLUMN(bl_bench_metric_row_t, auc_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, auc_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa1, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa1_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa1_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa5, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa5_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_at_pfa5_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, ap50, F64),
    BL_COLUMN(bl_bench_metric_row_t, failed_positives, U64),
    BL_COLUMN(bl_bench_metric_row_t, failed_negatives, U64),
    BL_COLUMN(bl_bench_metric_row_t, pd_operational, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_operational_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pd_operational_high, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa_operational, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa_operational_low, F64),
    BL_COLUMN(bl_bench_metric_row_t, pfa_operational_high, F64),
};

const bl_results_table_t bl_bench_metrics_table = BL_RESULTS_TABLE(
    "metrics", "metrics",
    "accuracy per class (a scan is positive for a class when it holds an object of it) and for "
    "any threat: Pd and Pfa at the alarm threshold with 95% intervals (root attribute "
    "interval_method), AUC with DeLong 95% CI, Pd at Pfa 1% and 5% with the interval on Pd at "
    "that threshold, box average precision at IoU 0.5 (COCO 101-point; NaN for any); all of "
    "these leave out the scans the detector failed to process (failed_positives, "
    "failed_negatives), while pd_operational and pfa_operational count each such scan as an "
    "alarm (the bag is searched by hand)",
    "rates and AUC: fractions 0..1; positives, negatives (failures included), failed_*: scans; "
    "threshold: confidence",
    metric_columns, bl_bench_metric_row_t);

static const bl_results_column_t roc_columns[] = {
    BL_COLUMN(bl_roc_point_t, threshold, F64),
    BL_COLUMN(bl_roc_point_t, pd, F64),
    BL_COLUMN(bl_roc_point_t, pfa, F64),
};

const bl_results_table_t bl_bench_roc_table = BL_RESULTS_TABLE(
    "roc", "roc",
    "ROC of the class score: alarm when score >= threshold, one point per distinct score from "
    "high to low, starting at (pfa 0, pd 0) with threshold +inf",
    "threshold: confidence; pd, pfa: fractions 0..1", roc_columns, bl_roc_point_t);

static const bl_results_column_t offline_columns[] = {
    BL_COLUMN(bl_bench_offline_row_t, batch, U32),
    BL_COLUMN(bl_bench_offline_row_t, threads, U32),
    BL_COLUMN(bl_bench_offline_row_t, scans, U64),
    BL_COLUMN(bl_bench_offline_row_t, seconds, F64),
    BL_COLUMN(bl_bench_offline_row_t, scans_per_s, F64),
};

const bl_results_table_t bl_bench_offline_table = BL_RESULTS_TABLE(
    "offline", "offline",
    "offline mode (LoadGen): scans from the pre-generated pool as fast as the detector takes "
    "them, one fresh instance per thread, per (batch size, threads)",
    "seconds: wall time; scans_per_s: scans / seconds", offline_columns, bl_bench_offline_row_t);

static const bl_results_column_t single_columns[] = {
    BL_COLUMN(bl_bench_single_row_t, queries, U64), BL_COLUMN(bl_bench_single_row_t, mean, F64),
    BL_COLUMN(bl_bench_single_row_t, p50, F64),     BL_COLUMN(bl_bench_single_row_t, p90, F64),
    BL_COLUMN(bl_bench_single_row_t, p99, F64),     BL_COLUMN(bl_bench_single_row_t, max, F64),
};

const bl_results_table_t bl_bench_single_stream_table = BL_RESULTS_TABLE(
    "single_stream", "single_stream",
    "single-stream mode (LoadGen): one query of one scan at a time, the next sent when the last "
    "completes; latency of each query",
    "mean, p50, p90, p99, max: s (quantiles from a log histogram, 0.5% resolution)", single_columns,
    bl_bench_single_row_t);

static const bl_results_column_t server_columns[] = {
    BL_COLUMN(bl_bench_server_row_t, target_rate, F64),
    BL_COLUMN(bl_bench_server_row_t, achieved_rate, F64),
    BL_COLUMN(bl_bench_server_row_t, queries, U64),
    BL_COLUMN(bl_bench_server_row_t, p50, F64),
    BL_COLUMN(bl_bench_server_row_t, p90, F64),
    BL_COLUMN(bl_bench_server_row_t, p99, F64),
    BL_COLUMN(bl_bench_server_row_t, bound, F64),
    BL_COLUMN(bl_bench_server_row_t, met, U8),
};

const bl_results_table_t bl_bench_server_table = BL_RESULTS_TABLE(
    "server", "server",
    "server mode (LoadGen): queries of one scan arriving as a Poisson process at target_rate, "
    "served in arrival order by one worker; latency from the scheduled arrival to completion; "
    "met = 1 when p99 <= bound",
    "target_rate, achieved_rate: queries/s; p50, p90, p99, bound: s", server_columns,
    bl_bench_server_row_t);

static const bl_results_column_t overhead_columns[] = {
    BL_COLUMN(bl_bench_overhead_row_t, mode, STR),
    BL_COLUMN(bl_bench_overhead_row_t, batch, U32),
    BL_COLUMN(bl_bench_overhead_row_t, threads, U32),
    BL_COLUMN(bl_bench_overhead_row_t, ns_per_scan, F64),
};

const bl_results_table_t bl_bench_overhead_table = BL_RESULTS_TABLE(
    "/detector/overhead", "overhead",
    "the harness's own cost: the built-in no-op detector (builtin:noop) through the offline "
    "path on the same pool, median of 5 runs; mode offline: inside borderlab, mode isolated: in "
    "a plugin host process (the difference is what isolation costs a scan)",
    "ns_per_scan: nanoseconds of wall time per scan", overhead_columns, bl_bench_overhead_row_t);
