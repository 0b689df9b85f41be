/*
 * The results of a detector_bench run: the accuracy metrics computed from
 * what the runner kept per scan, and the writer that puts everything into
 * the run's results file through the table descriptions of
 * results/detector_tables.h (the /detector layout, which the summary,
 * `borderlab compare` and the checkpoint's surrogate detector read too).
 */
#ifndef BL_BENCH_RESULTS_H
#define BL_BENCH_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "borderlab/plugin.h"
#include "results/detector_tables.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "stats/detection_metrics.h"

struct cJSON;

struct bl_bench_result;

/* The accuracy metrics of one detector: rows[0] is "any", then one row per
 * class with at least one positive (class order); rocs[i] is the ROC of
 * rows[i] (malloc'd points, n_roc[i] of them). */
typedef struct bl_bench_metrics {
    size_t n_rows;
    bl_bench_metric_row_t rows[BL_THREAT_CLASS_COUNT];
    bl_roc_point_t *rocs[BL_THREAT_CLASS_COUNT];
    size_t n_roc[BL_THREAT_CLASS_COUNT];
} bl_bench_metrics_t;

/*
 * Compute detector d's metrics from res (borrowed): Pd and Pfa at
 * threshold with 95% Wilson (or Clopper-Pearson) intervals, ROC, AUC with
 * DeLong 95% CI, Pd at Pfa 1% and 5% with the interval on Pd at that
 * threshold, AP at IoU 0.5 (NaN for "any").  Release with
 * bl_bench_metrics_fini.  Returns 0 or BL_ENOMEM.
 */
int bl_bench_metrics_compute(const struct bl_bench_result *res, size_t d, double threshold,
                             bool clopper_pearson, bl_bench_metrics_t *out, bl_error_t *err);
void bl_bench_metrics_fini(bl_bench_metrics_t *m);

/*
 * Write a finished detector_bench run into w: the common root attributes
 * (bl_results_write_root, job "detector_bench", one /plugins row per
 * detector), scan_set_sha256, scans, threshold, interval_method, and the
 * /detector tables; with bl_detector_bench_of(sc)->save_scans also /detector/set (the
 * scans regenerated or replayed by index, scan_io.h).  Marks the file
 * complete.  run, sc and res are borrowed.
 */
int bl_bench_results_write(bl_results_writer_t *w, const bl_run_t *run,
                           const struct bl_bench_result *res, bl_error_t *err);

/* The detector_bench part of a run summary (results/summary.h: bl_summary_part_fn
 * without the job name) and its text (bench_summary.c). */
int bl_bench_summary_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
void bl_bench_summary_text(const struct cJSON *summary, FILE *fp);

#endif
