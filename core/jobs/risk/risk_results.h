/*
 * The results of a risk_validation run: the row structs and table
 * descriptions of the /risk layout (documented in risk_validation.h and the
 * README's "Results layout"), the metrics computed from what the runner
 * kept per declaration, the writer that puts a finished run into the run's
 * results file, and the reader of a --baseline file.
 *
 * The tables are described with results_schema.h's machinery, so the
 * writer here and the summary (summary.c) write and read them through the
 * same descriptions.  Tables that exist once per model (scores, at_rate,
 * summary, reliability, breakdown/<column>, weekly) have the name inside
 * the model's group as their path: read them with bl_results_table_read_at
 * on "/risk/models/<label>/<name>".
 */
#ifndef BL_RISK_RESULTS_H
#define BL_RISK_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "stats/risk_metrics.h"

struct cJSON;

struct bl_risk_result;

/* Where the per-model groups live, one group per model label; the root
 * attribute "models" (JSON list) gives the labels in scenario order. */
#define BL_RISK_MODELS_GROUP "/risk/models"

#define BL_RISK_LABEL_SIZE 80 /* a model label, NUL included */

/* /risk/truth: one row per evaluated (labelled) declaration, input order. */
typedef struct bl_risk_truth_row {
    uint64_t record; /* position in the input stream, from 0 (unlabelled ones leave gaps) */
    uint32_t week;
    uint8_t fraud;
    uint8_t critical;
    double revenue;
} bl_risk_truth_row_t;

/* <model>/scores: row i is the declaration of /risk/truth row i. */
typedef struct bl_risk_score_row {
    uint64_t record;
    double score; /* NaN when the model's output was invalid */
} bl_risk_score_row_t;

/* <model>/at_rate: one row per inspection rate. */
typedef struct bl_risk_at_rate_row {
    double rate; /* percent */
    uint64_t k;
    uint64_t frauds_caught, frauds_total;
    double precision, precision_low, precision_high;
    double recall, recall_low, recall_high;
    double revenue_caught, revenue_total;
    double revenue_share, revenue_share_low, revenue_share_high;
} bl_risk_at_rate_row_t;

/* <model>/summary: one row. */
typedef struct bl_risk_summary_row {
    uint64_t declarations, frauds;
    double auc, auc_low, auc_high;
    double pr_auc;
    double brier;
    uint64_t invalid_scores; /* missing scores the model gave (NaN, outside 0..1) */
    uint64_t failed_scores;  /* missing scores of declarations it failed to process */
} bl_risk_summary_row_t;

/* <model>/reliability: one row per score bin. */
typedef struct bl_risk_reliability_row {
    double low, high;
    uint64_t n;
    double mean_score, fraud_rate;
} bl_risk_reliability_row_t;

/* <model>/breakdown/<column>: one row per (category, rate). */
typedef struct bl_risk_breakdown_row {
    char category[64]; /* "(missing)" for missing values */
    double rate;
    uint64_t n, frauds;     /* the category's evaluated declarations and frauds */
    uint64_t inspected;     /* of the global top k, in this category */
    uint64_t caught;        /* ... and fraudulent */
    double inspected_share; /* inspected / k */
    double precision;       /* caught / inspected (NaN when none inspected) */
    double recall;          /* caught / frauds (NaN when no fraud) */
} bl_risk_breakdown_row_t;

/* <model>/weekly: one row per week with evaluated declarations. */
typedef struct bl_risk_weekly_row {
    uint32_t week;
    uint64_t declarations, inspected, frauds, frauds_caught;
    double revenue, revenue_caught;
} bl_risk_weekly_row_t;

/* /risk/comparison: one row per (pair, rate). */
typedef struct bl_risk_comparison_row {
    char a[BL_RISK_LABEL_SIZE];
    char b[BL_RISK_LABEL_SIZE + 16]; /* a label, or "baseline:<label>" */
    double rate;
    double precision_a, precision_b, difference, low, high;
    uint64_t only_a, only_b;
    double p_value;
} bl_risk_comparison_row_t;

/* /risk/gate: one row per gate. */
typedef struct bl_risk_gate_row {
    char model[BL_RISK_LABEL_SIZE];
    char metric[32];
    double bound, value, shortfall;
    uint8_t passed;
} bl_risk_gate_row_t;

extern const bl_results_table_t bl_risk_truth_table;       /* bl_risk_truth_row_t */
extern const bl_results_table_t bl_risk_scores_table;      /* in a model's group */
extern const bl_results_table_t bl_risk_at_rate_table;     /* in a model's group */
extern const bl_results_table_t bl_risk_summary_table;     /* in a model's group */
extern const bl_results_table_t bl_risk_reliability_table; /* in a model's group */
extern const bl_results_table_t bl_risk_breakdown_table;   /* breakdown/<column> */
extern const bl_results_table_t bl_risk_weekly_table;      /* in a model's group */
extern const bl_results_table_t bl_risk_comparison_table;  /* bl_risk_comparison_row_t */
extern const bl_results_table_t bl_risk_gate_table;        /* bl_risk_gate_row_t */

/* The at_rate row of what bl_at_k measured. */
bl_risk_at_rate_row_t bl_risk_at_rate_row(const bl_at_k_t *a);

struct bl_risk_baseline;

/*
 * Compute every model's figures from what the runner kept in r (scores and
 * truth of r->n evaluated declarations; bl_risk_validation_of(r->scenario) for weekly_rate
 * and bootstrap): the ranking (order), at_rate, summary, reliability,
 * breakdown tables and weekly simulation, then the comparisons of every
 * pair of models and, with baseline (may be NULL; its scores are for the
 * same declarations), of every model against it.  Runs on `threads`
 * workers; each task draws from its own RNG stream (seed, slot, stream), so
 * the figures do not depend on the thread count.  Returns 0 or BL_ENOMEM.
 */
int bl_risk_metrics_compute(struct bl_risk_result *r, const struct bl_risk_baseline *baseline,
                            unsigned threads, bl_error_t *err);

/*
 * Write a finished risk_validation run into w: the common root attributes
 * (bl_results_write_root, job "risk_validation", one /plugins row per
 * model, role "risk", root attributes plugin_risk_* then plugin_risk2_*...),
 * the run's own root attributes and the /risk tables.  Marks the file
 * complete.  run and res are borrowed.  Returns 0, BL_EINVAL, BL_ENOMEM,
 * BL_EHDF5.
 */
int bl_risk_results_write(bl_results_writer_t *w, const bl_run_t *run,
                          const struct bl_risk_result *res, bl_error_t *err);

/* What a --baseline file provides. */
typedef struct bl_risk_baseline {
    char digest[65];                /* its declaration_set_sha256 */
    char label[BL_RISK_LABEL_SIZE]; /* its first model */
    size_t n;                       /* evaluated declarations */
    double *scores;                 /* [n], owned; NaN = invalid */
} bl_risk_baseline_t;

/*
 * Read the declaration_set_sha256 and the first model's scores of a
 * risk_validation results file.  Returns 0, or BL_ENOTFOUND / BL_EHDF5
 * (not a results file, not a risk_validation run, incomplete) with a
 * message naming path; release with bl_risk_baseline_fini.
 */
int bl_risk_baseline_read(const char *path, bl_risk_baseline_t *out, bl_error_t *err);
void bl_risk_baseline_fini(bl_risk_baseline_t *b);

/* The risk_validation part of a run summary (results/summary.h: bl_summary_part_fn
 * without the job name) and its text (risk_summary.c). */
int bl_risk_summary_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
void bl_risk_summary_text(const struct cJSON *summary, FILE *fp);

#endif
