/*
 * The risk_validation job (model developers): declarations generated
 * (declaration_gen.h) or replayed from CSV (csv_reader.h) are scored by one
 * or more risk-model plugins in batches, ranked, and measured at the
 * inspection rates the service can afford; a rollout gate turns the
 * figures into an exit code.
 *
 * Evaluation uses the labelled declarations only (unlabelled ones were
 * never inspected: their fraud is unknown); rankings are over those
 * declarations, k = ceil(rate% of N) with ties by input order
 * (risk_metrics.h).  A model's output that is NaN or outside [0, 1] is
 * invalid: it is counted, stored as NaN, ranked after every valid score
 * (ties by input order), counts as below every valid score for the AUC,
 * and is left out of the Brier score and the reliability table.
 *
 * Definitions beyond risk_metrics.h:
 *   breakdown  for a categorical column and a rate: the top k is the
 *              global top k (k of all N); per category, n and frauds count
 *              its declarations, inspected how many of the top k are in
 *              it, caught how many of those are frauds; precision =
 *              caught / inspected (NaN when none is), recall = caught /
 *              frauds (NaN without fraud), inspected_share = inspected / k.
 *   weekly     each week on its own: its evaluated declarations ranked by
 *              score (ties by input order), the top ceil(weekly_rate% of
 *              them) inspected; what they catch.
 *   gate       metric of model must be >= bound; the model is named by
 *              label, plugin id, spec as written or .so file name without
 *              ".so" (the first that matches; the first model when none is
 *              named); the metric is precision@R, recall@R, revenue@R
 *              (share of revenue at stake caught) at rate R percent
 *              (computed even when R is not in rates), auc or pr_auc.
 *              shortfall = bound - value.  A failed gate does not make the
 *              run fail: the results file is written in full (it is a
 *              finished measurement) and the run reports the failure
 *              through its return value (run.h: BL_RUN_GATE_FAILED, exit
 *              status 3).
 *
 * Results layout (README "Results layout"; row structs in risk_results.h):
 *   /                       common root attributes (results.h), job =
 *                           "risk_validation", replications = 1, and
 *                           declaration_set_sha256 (SHA-256 over the
 *                           source: generator settings and seed or the CSV
 *                           file's SHA-256 and truth columns; then the
 *                           truth of every evaluated declaration, in order:
 *                           equal sets, equal digests), declarations (u64,
 *                           read), evaluated (u64, labelled), source
 *                           ("generator" or the CSV path), rates (JSON
 *                           list, percent), weekly_rate, bootstrap (u64),
 *                           models (JSON list of labels, scenario order),
 *                           baseline (path, "" without), gates_failed (u64);
 *                           plugin_risk_* for the first model,
 *                           plugin_risk2_*... after
 *   /plugins                one row per model, role "risk"; calls (score
 *                           calls), invalid_outputs (invalid scores, all
 *                           declarations)
 *   /risk/truth             table: record (u64, input order), week (u32),
 *                           fraud (u8), critical (u8), revenue (f64): the
 *                           evaluated declarations only
 *   /risk/models/<label>/   one group per model (label = plugin id, "-2"...
 *                           on repeats, '/' replaced by '_'); attributes
 *                           id, name, vendor, version, sha256, path, config
 *                           (JSON)
 *       scores              table: record, score (f64; NaN when invalid),
 *                           row i = /risk/truth row i
 *       at_rate             table: rate, k, frauds_caught, frauds_total,
 *                           precision (+ _low, _high: Wilson), recall
 *                           (+ _low, _high: Wilson), revenue_caught,
 *                           revenue_total, revenue_share (+ _low, _high:
 *                           percentile bootstrap)
 *       summary             table, one row: declarations, frauds, auc
 *                           (+ _low, _high, DeLong), pr_auc, brier,
 *                           invalid_scores (evaluated declarations)
 *       reliability         table: low, high, n, mean_score, fraud_rate
 *                           (10 equal bins on [0, 1])
 *       breakdown/<column>  table per breakdown column, one row per
 *                           (category, rate): category, rate, n, frauds,
 *                           inspected, caught, inspected_share, precision,
 *                           recall
 *       weekly              table: week, declarations, inspected, frauds,
 *                           frauds_caught, revenue, revenue_caught (only
 *                           when weekly_rate > 0; weeks with evaluated
 *                           declarations, ascending)
 *   /risk/comparison        table: a, b, rate, precision_a, precision_b,
 *                           difference (a - b), low, high (paired
 *                           bootstrap), only_a, only_b, p_value (McNemar
 *                           exact): every pair of models, then each model
 *                           against the --baseline file's first model
 *                           (b = "baseline:<label>"); empty with one model
 *                           and no baseline
 *   /risk/gate              table: model, metric, bound, value, shortfall,
 *                           passed (u8); empty without gates
 */
#ifndef BL_RISK_VALIDATION_H
#define BL_RISK_VALIDATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/progress.h"
#include "gen/declaration_gen.h"
#include "jobs/risk/risk_results.h"
#include "plugin/loader.h"
#include "scenario/scenario.h"

#define BL_RISK_MAX_RATES 16
#define BL_RISK_MAX_GATES 16

/* A gate: metric (e.g. "precision@5", "recall@10", "revenue@2", "auc",
 * "pr_auc") of model (NULL: the first model; else see "gate" above) must
 * reach bound. */
typedef struct bl_risk_gate {
    char *model;  /* owned; label or NULL */
    char *metric; /* owned */
    double bound;
} bl_risk_gate_t;

typedef struct bl_risk_validation {
    size_t n_models;
    bl_plugin_ref_t *models; /* owned; --plugin risk=X replaces the list */
    /* Source: generated when csv_path is NULL. */
    bl_declaration_gen_config_t generator;
    char *csv_path;        /* owned */
    size_t n_csv_columns;  /* the columns models may read, with types */
    char **csv_names;      /* owned */
    int *csv_types;        /* owned; bl_column_type_t */
    char *label_column;    /* owned; CSV truth: fraud 0/1 (required for CSV) */
    char *revenue_column;  /* owned; CSV truth: revenue at stake (optional) */
    char *week_column;     /* owned; CSV: week number (optional) */
    char *labelled_column; /* owned; CSV: 0 = never inspected (optional) */
    int on_bad_row;        /* bl_csv_bad_rows_t */
    uint32_t batch;        /* scoring batch size */
    size_t n_rates;
    double rates[BL_RISK_MAX_RATES]; /* percent (default: risk_fields.c) */
    size_t n_breakdown;
    char **breakdown;   /* owned; categorical column names */
    double weekly_rate; /* percent of each week inspected; 0 = no weekly simulation */
    unsigned bootstrap; /* resamples for revenue and paired intervals */
    size_t n_gates;
    bl_risk_gate_t gates[BL_RISK_MAX_GATES]; /* from the scenario; --fail-under adds */
    char *baseline; /* owned; --baseline FILE.h5: compare each model with its first model */
} bl_risk_validation_t;

void bl_risk_validation_free_contents(bl_risk_validation_t *v);

/* Parse a gate "[MODEL:]METRIC=VALUE" (the --fail-under syntax) into g
 * (strings owned by g; release with free on model and metric).  The metric
 * is checked (precision@R, recall@R, revenue@R with 0 < R <= 100, auc,
 * pr_auc), the model only when the run loads its models.  Returns 0 or
 * BL_EINVAL with a message saying what is accepted; BL_ENOMEM. */
int bl_risk_gate_parse(const char *text, bl_risk_gate_t *g, bl_error_t *err);

#define BL_RISK_RELIABILITY_BINS 10

/* What one model measured (owned by its bl_risk_result_t). */
typedef struct bl_risk_model_result {
    bl_plugin_handle_t handle;  /* loaded; unloaded by bl_risk_result_fini */
    const bl_plugin_ref_t *ref; /* borrowed from the scenario */
    char label[BL_RISK_LABEL_SIZE];
    uint64_t calls;       /* score() calls */
    uint64_t invalid_all; /* invalid scores over every declaration read */
    uint64_t failed_all;  /* declarations an isolated model failed to score (missing; their
                             numbers are in /plugin_failures) */
    double *scores;       /* [n]: NaN when invalid */
    uint8_t *failed;      /* [n]: 1 when it failed to process the declaration (isolated) */
    size_t *order;        /* [n]: bl_rank of scores */
    bl_risk_at_rate_row_t at_rate[BL_RISK_MAX_RATES]; /* [n_rates] */
    bl_risk_summary_row_t summary;
    bl_risk_reliability_row_t reliability[BL_RISK_RELIABILITY_BINS];
    bl_risk_breakdown_row_t **breakdown; /* [n_breakdown] -> n_breakdown_rows[b] rows */
    size_t *n_breakdown_rows;
    bl_risk_weekly_row_t *weekly;
    size_t n_weekly;
} bl_risk_model_result_t;

/* Everything a risk_validation run measured. */
typedef struct bl_risk_result {
    const bl_scenario_t *scenario; /* borrowed */
    char source[1024];             /* "generator" or the CSV path */
    uint64_t n_read;               /* declarations read */
    size_t n;                      /* evaluated (labelled) declarations */
    /* Truth of the evaluated declarations, input order. */
    uint64_t *record;
    uint32_t *week;
    uint8_t *fraud, *critical;
    double *revenue;
    size_t n_rates;
    double rates[BL_RISK_MAX_RATES];
    size_t n_breakdown;
    char **breakdown_names;  /* [n_breakdown] owned */
    int32_t **categories;    /* [n_breakdown][n]: codes, -1 missing */
    char ***category_labels; /* [n_breakdown][n_category_labels[b]] owned */
    size_t *n_category_labels;
    size_t n_models;
    bl_risk_model_result_t *models;
    bl_risk_comparison_row_t *comparisons;
    size_t n_comparisons;
    bl_risk_gate_row_t gates[BL_RISK_MAX_GATES];
    size_t n_gates, n_gates_failed;
    char digest[65]; /* declaration_set_sha256 */
} bl_risk_result_t;

/*
 * Run the risk_validation job of sc (bl_risk_validation_of(sc) must be set): load every
 * model (specs relative to the scenario's folder; a refusal names the file
 * and the reason), stream the declarations (generated from sc->seed, or
 * read from the CSV) in batches of risk->batch, score every batch with
 * every model (one instance per model), keep the scores and truth of the
 * labelled declarations, then compute the metrics on `threads` workers (0:
 * one per processor; the figures do not depend on it), the comparisons
 * (every pair; with risk->baseline, each model against the baseline's
 * first model, after checking the baseline ran on the same declarations)
 * and the gates.  progress may be NULL; otherwise sim_ms_done counts
 * declarations read and events model scores.
 *
 * On success *out holds everything (release with bl_risk_result_fini),
 * out->n_gates_failed says how many gates failed (not an error); on
 * failure nothing is kept and err says why: BL_EINVAL (configuration,
 * CSV rows, a baseline of other declarations), BL_ENOTFOUND, BL_EPLUGIN,
 * BL_EHDF5 (baseline file), BL_EIO, BL_ENOMEM.
 */
int bl_risk_validation_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                           bl_risk_result_t *out, bl_error_t *err);

void bl_risk_result_fini(bl_risk_result_t *r); /* zeroed struct is fine */

/* One line per failed gate, "gate precision@5 of borderlab.logistic: 0.183
 * is 0.807 short of 0.99", joined by newlines into buf (truncated with a
 * closing "... and N more" line when it does not fit). */
void bl_risk_gate_failures(const bl_risk_result_t *r, char *buf, size_t size);

/* The risk_validation job in the scenario language: bl.risk_validation{...}
 * (scenario_risk.c); its settings are a bl_risk_validation_t. */
extern const struct bl_scenario_kind bl_risk_validation_kind;

/* The settings of a risk_validation scenario (borrowed). */
static inline bl_risk_validation_t *bl_risk_validation_of(const bl_scenario_t *sc) {
    return (bl_risk_validation_t *)sc->settings;
}

/* The risk_validation job's row of the job table (run/run.h; risk_job.c). */
extern const struct bl_job bl_job_risk_validation;

#endif
