/* The results of a risk_validation run: see risk_results.h. */
#include "jobs/risk/risk_results.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "base/pool.h"
#include "jobs/risk/risk_validation.h"
#include "results/summary.h"
#include "results/writer.h"
#include "stats/detection_metrics.h"
#include "stats/rng.h"

#define LEVEL 0.95
/* Bootstrap streams of this job, clear of rng.h's ranges (risk_validation.c
 * uses BL_STREAM_RISK_AT_RATE for gates at a rate not in the list). */

/* ------------------------------------------------------------------ tables */

static const bl_results_column_t truth_columns[] = {
    BL_COLUMN(bl_risk_truth_row_t, record, U64),  BL_COLUMN(bl_risk_truth_row_t, week, U32),
    BL_COLUMN(bl_risk_truth_row_t, fraud, U8),    BL_COLUMN(bl_risk_truth_row_t, critical, U8),
    BL_COLUMN(bl_risk_truth_row_t, revenue, F64),
};

const bl_results_table_t bl_risk_truth_table = BL_RESULTS_TABLE(
    "/risk/truth", "truth",
    "ground truth of every evaluated (labelled) declaration, in input order (never shown to a "
    "model); row i of each model's scores is this row's declaration",
    "record: position in the input stream from 0; revenue: revenue at stake (duty evaded or "
    "penalty), currency units; fraud, critical: 0/1",
    truth_columns, bl_risk_truth_row_t);

static const bl_results_column_t score_columns[] = {
    BL_COLUMN(bl_risk_score_row_t, record, U64),
    BL_COLUMN(bl_risk_score_row_t, score, F64),
};

const bl_results_table_t bl_risk_scores_table = BL_RESULTS_TABLE(
    "scores", "scores",
    "the model's score of each evaluated declaration, rows as /risk/truth; NaN when the output "
    "was invalid (NaN or outside [0, 1]: ranked last)",
    "score: 0..1, higher is riskier", score_columns, bl_risk_score_row_t);

static const bl_results_column_t at_rate_columns[] = {
    BL_COLUMN(bl_risk_at_rate_row_t, rate, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, k, U64),
    BL_COLUMN(bl_risk_at_rate_row_t, frauds_caught, U64),
    BL_COLUMN(bl_risk_at_rate_row_t, frauds_total, U64),
    BL_COLUMN(bl_risk_at_rate_row_t, precision, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, precision_low, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, precision_high, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, recall, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, recall_low, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, recall_high, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, revenue_caught, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, revenue_total, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, revenue_share, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, revenue_share_low, F64),
    BL_COLUMN(bl_risk_at_rate_row_t, revenue_share_high, F64),
};

const bl_results_table_t bl_risk_at_rate_table = BL_RESULTS_TABLE(
    "at_rate", "at_rate",
    "what inspecting the top k = ceil(rate% of N) declarations by score catches (ties by input "
    "order): precision = frauds_caught / k and recall = frauds_caught / frauds_total with 95% "
    "Wilson intervals; revenue_share = revenue_caught / revenue_total with a 95% percentile "
    "bootstrap interval (root attribute bootstrap: resamples)",
    "rate: percent; precision, recall, revenue_share: fractions 0..1; revenue_*: currency units",
    at_rate_columns, bl_risk_at_rate_row_t);

static const bl_results_column_t summary_columns[] = {
    BL_COLUMN(bl_risk_summary_row_t, declarations, U64),
    BL_COLUMN(bl_risk_summary_row_t, frauds, U64),
    BL_COLUMN(bl_risk_summary_row_t, auc, F64),
    BL_COLUMN(bl_risk_summary_row_t, auc_low, F64),
    BL_COLUMN(bl_risk_summary_row_t, auc_high, F64),
    BL_COLUMN(bl_risk_summary_row_t, pr_auc, F64),
    BL_COLUMN(bl_risk_summary_row_t, brier, F64),
    BL_COLUMN(bl_risk_summary_row_t, invalid_scores, U64),
    BL_COLUMN(bl_risk_summary_row_t, failed_scores, U64),
};

const bl_results_table_t bl_risk_summary_table = BL_RESULTS_TABLE(
    "summary", "summary",
    "over the evaluated declarations: ROC AUC with DeLong 95% interval (an invalid score counts "
    "as below every valid one, as does a declaration the model failed to process), PR AUC as "
    "average precision, Brier score over the valid scores",
    "auc, pr_auc: 0..1; brier: mean squared error 0..1; declarations, frauds, invalid_scores, "
    "failed_scores: counts",
    summary_columns, bl_risk_summary_row_t);

static const bl_results_column_t reliability_columns[] = {
    BL_COLUMN(bl_risk_reliability_row_t, low, F64),
    BL_COLUMN(bl_risk_reliability_row_t, high, F64),
    BL_COLUMN(bl_risk_reliability_row_t, n, U64),
    BL_COLUMN(bl_risk_reliability_row_t, mean_score, F64),
    BL_COLUMN(bl_risk_reliability_row_t, fraud_rate, F64),
};

const bl_results_table_t bl_risk_reliability_table = BL_RESULTS_TABLE(
    "reliability", "reliability",
    "calibration: 10 equal score bins on [0, 1], valid scores only; per bin the declarations, "
    "their mean score and observed fraud rate (NaN when empty)",
    "low, high, mean_score, fraud_rate: 0..1; n: declarations", reliability_columns,
    bl_risk_reliability_row_t);

static const bl_results_column_t breakdown_columns[] = {
    BL_COLUMN(bl_risk_breakdown_row_t, category, STR),
    BL_COLUMN(bl_risk_breakdown_row_t, rate, F64),
    BL_COLUMN(bl_risk_breakdown_row_t, n, U64),
    BL_COLUMN(bl_risk_breakdown_row_t, frauds, U64),
    BL_COLUMN(bl_risk_breakdown_row_t, inspected, U64),
    BL_COLUMN(bl_risk_breakdown_row_t, caught, U64),
    BL_COLUMN(bl_risk_breakdown_row_t, inspected_share, F64),
    BL_COLUMN(bl_risk_breakdown_row_t, precision, F64),
    BL_COLUMN(bl_risk_breakdown_row_t, recall, F64),
};

const bl_results_table_t bl_risk_breakdown_table = BL_RESULTS_TABLE(
    "breakdown", "breakdown",
    "per category of the column and rate: the global top k (k of all declarations) split by "
    "category: inspected = how many of the top k are in it, caught = frauds among those; "
    "precision = caught / inspected (NaN when none), recall = caught / frauds (NaN without "
    "fraud), inspected_share = inspected / k",
    "rate: percent; precision, recall, inspected_share: fractions 0..1; n, frauds, inspected, "
    "caught: declarations",
    breakdown_columns, bl_risk_breakdown_row_t);

static const bl_results_column_t weekly_columns[] = {
    BL_COLUMN(bl_risk_weekly_row_t, week, U32),
    BL_COLUMN(bl_risk_weekly_row_t, declarations, U64),
    BL_COLUMN(bl_risk_weekly_row_t, inspected, U64),
    BL_COLUMN(bl_risk_weekly_row_t, frauds, U64),
    BL_COLUMN(bl_risk_weekly_row_t, frauds_caught, U64),
    BL_COLUMN(bl_risk_weekly_row_t, revenue, F64),
    BL_COLUMN(bl_risk_weekly_row_t, revenue_caught, F64),
};

const bl_results_table_t bl_risk_weekly_table = BL_RESULTS_TABLE(
    "weekly", "weekly",
    "inspection capacity over time: each week only the top ceil(weekly_rate% of that week's "
    "evaluated declarations) by score are inspected (root attribute weekly_rate); weeks with "
    "declarations, ascending",
    "revenue, revenue_caught: currency units; the others: declarations", weekly_columns,
    bl_risk_weekly_row_t);

static const bl_results_column_t comparison_columns[] = {
    BL_COLUMN(bl_risk_comparison_row_t, a, STR),
    BL_COLUMN(bl_risk_comparison_row_t, b, STR),
    BL_COLUMN(bl_risk_comparison_row_t, rate, F64),
    BL_COLUMN(bl_risk_comparison_row_t, precision_a, F64),
    BL_COLUMN(bl_risk_comparison_row_t, precision_b, F64),
    BL_COLUMN(bl_risk_comparison_row_t, difference, F64),
    BL_COLUMN(bl_risk_comparison_row_t, low, F64),
    BL_COLUMN(bl_risk_comparison_row_t, high, F64),
    BL_COLUMN(bl_risk_comparison_row_t, only_a, U64),
    BL_COLUMN(bl_risk_comparison_row_t, only_b, U64),
    BL_COLUMN(bl_risk_comparison_row_t, p_value, F64),
};

const bl_results_table_t bl_risk_comparison_table = BL_RESULTS_TABLE(
    "/risk/comparison", "comparison",
    "paired comparison of two models on the same declarations at each rate: difference in "
    "precision (a - b) with a paired bootstrap 95% interval (low, high) and McNemar's exact test "
    "on the frauds caught by exactly one top k (only_a, only_b); every pair of models, then each "
    "model against the --baseline file's first model (b = baseline:<label>)",
    "rate: percent; precision_*, difference, low, high: fractions; only_*: frauds",
    comparison_columns, bl_risk_comparison_row_t);

static const bl_results_column_t gate_columns[] = {
    BL_COLUMN(bl_risk_gate_row_t, model, STR),     BL_COLUMN(bl_risk_gate_row_t, metric, STR),
    BL_COLUMN(bl_risk_gate_row_t, bound, F64),     BL_COLUMN(bl_risk_gate_row_t, value, F64),
    BL_COLUMN(bl_risk_gate_row_t, shortfall, F64), BL_COLUMN(bl_risk_gate_row_t, passed, U8),
};

const bl_results_table_t bl_risk_gate_table = BL_RESULTS_TABLE(
    "/risk/gate", "gate",
    "rollout gates (scenario gates, then --fail-under): metric of model must be >= bound; "
    "shortfall = bound - value; a failed gate makes borderlab run exit with status 3 after "
    "writing this file",
    "bound, value, shortfall: the metric's units (fractions 0..1); passed: 0/1", gate_columns,
    bl_risk_gate_row_t);

/* ------------------------------------------------------------------ metrics */

typedef struct week_index {
    size_t n_weeks;
    uint32_t *ids;   /* [n_weeks] ascending */
    size_t *start;   /* [n_weeks + 1] into rows */
    size_t *rows;    /* [n] evaluated rows grouped by week, input order within one */
    size_t max_rows; /* of one week */
} week_index_t;

typedef struct pair {
    size_t a, b; /* model indices; b == n_models: the baseline */
} pair_t;

typedef struct metrics_ctx {
    bl_risk_result_t *r;
    double weekly_rate;
    unsigned bootstrap;
    week_index_t weeks;
    size_t *baseline_order; /* NULL without --baseline */
    const char *baseline_label;
    pair_t *pairs;
    size_t n_pairs;
    bl_error_t *errors; /* [task] */
} metrics_ctx_t;

typedef struct week_row {
    uint32_t week;
    size_t row;
} week_row_t;

static int week_row_cmp(const void *x, const void *y) {
    const week_row_t *a = x, *b = y;
    if (a->week != b->week)
        return a->week < b->week ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static void week_index_fini(week_index_t *w) {
    free(w->ids);
    free(w->start);
    free(w->rows);
    memset(w, 0, sizeof *w);
}

static int week_index_init(week_index_t *w, const bl_risk_result_t *r) {
    memset(w, 0, sizeof *w);
    week_row_t *wr = malloc((r->n ? r->n : 1) * sizeof *wr);
    w->rows = malloc((r->n ? r->n : 1) * sizeof *w->rows);
    w->ids = malloc((r->n ? r->n : 1) * sizeof *w->ids);
    w->start = malloc((r->n + 1) * sizeof *w->start);
    if (wr == NULL || w->rows == NULL || w->ids == NULL || w->start == NULL) {
        free(wr);
        week_index_fini(w);
        return BL_ENOMEM;
    }
    bool sorted = true;
    for (size_t i = 0; i < r->n; i++) {
        wr[i] = (week_row_t){r->week[i], i};
        sorted = sorted && (i == 0 || r->week[i - 1] <= r->week[i]);
    }
    if (!sorted) /* generated declarations come in week order already */
        qsort(wr, r->n, sizeof *wr, week_row_cmp);
    for (size_t i = 0; i < r->n; i++) {
        if (i == 0 || wr[i].week != wr[i - 1].week) {
            w->ids[w->n_weeks] = wr[i].week;
            w->start[w->n_weeks++] = i;
        }
        w->rows[i] = wr[i].row;
    }
    w->start[w->n_weeks] = r->n;
    for (size_t k = 0; k < w->n_weeks; k++)
        if (w->start[k + 1] - w->start[k] > w->max_rows)
            w->max_rows = w->start[k + 1] - w->start[k];
    free(wr);
    return 0;
}

bl_risk_at_rate_row_t bl_risk_at_rate_row(const bl_at_k_t *a) {
    bl_risk_at_rate_row_t row = {a->rate_percent,       a->k,
                                 a->frauds_caught,      a->frauds_total,
                                 a->precision.estimate, a->precision.low,
                                 a->precision.high,     a->recall.estimate,
                                 a->recall.low,         a->recall.high,
                                 a->revenue_caught,     a->revenue_total,
                                 a->revenue.estimate,   a->revenue.low,
                                 a->revenue.high};
    return row;
}

static int rank_task(void *arg, unsigned m) {
    metrics_ctx_t *c = arg;
    bl_risk_model_result_t *mr = &c->r->models[m];
    mr->order = malloc((c->r->n ? c->r->n : 1) * sizeof *mr->order);
    if (mr->order == NULL)
        return bl_error_set(&c->errors[m], BL_ENOMEM, "out of memory for the ranking of %s",
                            mr->label);
    bl_rank(mr->scores, c->r->n, mr->order);
    return 0;
}

/* AUC (DeLong), PR AUC, Brier, reliability: invalid scores count as below
 * every valid one for the AUC and are left out of Brier and reliability. */
static int summary_of(metrics_ctx_t *c, bl_risk_model_result_t *mr) {
    const bl_risk_result_t *r = c->r;
    size_t n = r->n, n_pos = 0, n_neg = 0, nv = 0;
    double *pos = malloc((n ? n : 1) * sizeof *pos), *neg = malloc((n ? n : 1) * sizeof *neg);
    double *vs = malloc((n ? n : 1) * sizeof *vs);
    uint8_t *vf = malloc(n ? n : 1);
    bl_reliability_bin_t bins[BL_RISK_RELIABILITY_BINS];
    int rc = 0;
    if (pos == NULL || neg == NULL || vs == NULL || vf == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    bl_risk_summary_row_t *s = &mr->summary;
    s->declarations = n;
    for (size_t i = 0; i < n; i++) {
        double x = mr->scores[i];
        if (isnan(x)) {
            if (mr->failed != NULL && mr->failed[i])
                s->failed_scores++;
            else
                s->invalid_scores++;
            x = -1.0;
        } else {
            vs[nv] = x;
            vf[nv++] = r->fraud[i];
        }
        if (r->fraud[i])
            pos[n_pos++] = x;
        else
            neg[n_neg++] = x;
    }
    s->frauds = n_pos;
    bl_interval_t auc = {NAN, NAN, NAN, NAN};
    if (n_pos > 0 && n_neg > 0)
        auc = bl_auc_delong(pos, n_pos, neg, n_neg, LEVEL, NULL);
    s->auc = auc.estimate;
    s->auc_low = auc.low;
    s->auc_high = auc.high;
    s->pr_auc = bl_pr_auc(mr->order, r->fraud, n);
    s->brier = nv > 0 ? bl_brier(vs, vf, nv) : NAN;
    bl_reliability(vs, vf, nv, BL_RISK_RELIABILITY_BINS, bins);
    for (size_t b = 0; b < BL_RISK_RELIABILITY_BINS; b++)
        mr->reliability[b] = (bl_risk_reliability_row_t){bins[b].low, bins[b].high, bins[b].n,
                                                         bins[b].mean_score, bins[b].fraud_rate};
out:
    free(pos);
    free(neg);
    free(vs);
    free(vf);
    return rc;
}

/* One breakdown table: per category with declarations, per rate. */
static int breakdown_of(metrics_ctx_t *c, bl_risk_model_result_t *mr, size_t b) {
    const bl_risk_result_t *r = c->r;
    size_t nl = r->n_category_labels[b], slots = nl + 1; /* slot nl: missing */
    const int32_t *codes = r->categories[b];
    uint64_t *n_c = calloc(slots, sizeof *n_c), *fr_c = calloc(slots, sizeof *fr_c);
    uint64_t *insp = calloc(slots * r->n_rates, sizeof *insp);
    uint64_t *caught = calloc(slots * r->n_rates, sizeof *caught);
    int rc = 0;
    if (n_c == NULL || fr_c == NULL || insp == NULL || caught == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
#define SLOT(code) ((code) >= 0 && (size_t)(code) < nl ? (size_t)(code) : nl)
    for (size_t i = 0; i < r->n; i++) {
        size_t k = SLOT(codes[i]);
        n_c[k]++;
        fr_c[k] += r->fraud[i];
    }
    size_t active = 0;
    for (size_t k = 0; k < slots; k++)
        active += n_c[k] > 0;
    for (size_t j = 0; j < r->n_rates; j++) {
        size_t kk = bl_inspection_k(r->rates[j], r->n);
        for (size_t t = 0; t < kk; t++) {
            size_t i = mr->order[t], k = SLOT(codes[i]);
            insp[k * r->n_rates + j]++;
            caught[k * r->n_rates + j] += r->fraud[i];
        }
    }
#undef SLOT
    bl_risk_breakdown_row_t *rows = calloc(active * r->n_rates + 1, sizeof *rows);
    if (rows == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    size_t nr = 0;
    for (size_t k = 0; k < slots; k++) {
        if (n_c[k] == 0)
            continue;
        for (size_t j = 0; j < r->n_rates; j++) {
            bl_risk_breakdown_row_t *row = &rows[nr++];
            snprintf(row->category, sizeof row->category, "%s",
                     k < nl ? r->category_labels[b][k] : "(missing)");
            size_t kk = bl_inspection_k(r->rates[j], r->n);
            uint64_t in = insp[k * r->n_rates + j], ca = caught[k * r->n_rates + j];
            row->rate = r->rates[j];
            row->n = n_c[k];
            row->frauds = fr_c[k];
            row->inspected = in;
            row->caught = ca;
            row->inspected_share = kk > 0 ? (double)in / (double)kk : NAN;
            row->precision = in > 0 ? (double)ca / (double)in : NAN;
            row->recall = fr_c[k] > 0 ? (double)ca / (double)fr_c[k] : NAN;
        }
    }
    mr->breakdown[b] = rows;
    mr->n_breakdown_rows[b] = nr;
out:
    free(n_c);
    free(fr_c);
    free(insp);
    free(caught);
    return rc;
}

/* The weekly capacity simulation: each week its own top k. */
static int weekly_of(metrics_ctx_t *c, bl_risk_model_result_t *mr) {
    const bl_risk_result_t *r = c->r;
    const week_index_t *w = &c->weeks;
    double rate = c->weekly_rate;
    size_t cap = w->max_rows ? w->max_rows : 1;
    double *s = malloc(cap * sizeof *s);
    size_t *order = malloc(cap * sizeof *order);
    mr->weekly = calloc(w->n_weeks ? w->n_weeks : 1, sizeof *mr->weekly);
    int rc = 0;
    if (s == NULL || order == NULL || mr->weekly == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < w->n_weeks; k++) {
        const size_t *rows = w->rows + w->start[k];
        size_t nw = w->start[k + 1] - w->start[k];
        bl_risk_weekly_row_t *row = &mr->weekly[k];
        row->week = w->ids[k];
        row->declarations = nw;
        for (size_t i = 0; i < nw; i++) {
            s[i] = mr->scores[rows[i]];
            if (r->fraud[rows[i]]) {
                row->frauds++;
                row->revenue += r->revenue[rows[i]];
            }
        }
        bl_rank(s, nw, order);
        size_t kk = bl_inspection_k(rate, nw);
        row->inspected = kk;
        for (size_t t = 0; t < kk; t++) {
            size_t i = rows[order[t]];
            if (r->fraud[i]) {
                row->frauds_caught++;
                row->revenue_caught += r->revenue[i];
            }
        }
    }
    mr->n_weekly = w->n_weeks;
out:
    free(s);
    free(order);
    return rc;
}

static int metric_task(void *arg, unsigned t) {
    metrics_ctx_t *c = arg;
    bl_risk_result_t *r = c->r;
    size_t per = r->n_rates + 1, m = t / per, j = t % per;
    bl_risk_model_result_t *mr = &r->models[m];
    if (j < r->n_rates) {
        bl_rng_t rng;
        bl_rng_init(&rng, r->scenario->seed, (uint64_t)m * BL_RISK_MAX_RATES + j,
                    BL_STREAM_RISK_AT_RATE);
        bl_at_k_t a =
            bl_at_k(mr->order, r->fraud, r->revenue, r->n, r->rates[j], c->bootstrap, &rng);
        mr->at_rate[j] = bl_risk_at_rate_row(&a);
        return 0;
    }
    int rc = summary_of(c, mr);
    for (size_t b = 0; b < r->n_breakdown && rc == 0; b++)
        rc = breakdown_of(c, mr, b);
    if (rc == 0 && c->weekly_rate > 0)
        rc = weekly_of(c, mr);
    if (rc != 0)
        return bl_error_set(&c->errors[t], BL_ENOMEM, "out of memory for the metrics of %s",
                            mr->label);
    return 0;
}

static int comparison_task(void *arg, unsigned t) {
    metrics_ctx_t *c = arg;
    bl_risk_result_t *r = c->r;
    size_t p = t / r->n_rates, j = t % r->n_rates;
    const pair_t *pr = &c->pairs[p];
    const bl_risk_model_result_t *a = &r->models[pr->a];
    bool base = pr->b == r->n_models;
    const size_t *order_b = base ? c->baseline_order : r->models[pr->b].order;
    bl_rng_t rng;
    bl_rng_init(&rng, r->scenario->seed, (uint64_t)p * BL_RISK_MAX_RATES + j,
                BL_STREAM_RISK_PAIRED);
    bl_paired_at_k_t q =
        bl_paired_at_k(a->order, order_b, r->fraud, r->n, r->rates[j], c->bootstrap, &rng);
    bl_risk_comparison_row_t *row = &r->comparisons[t];
    snprintf(row->a, sizeof row->a, "%s", a->label);
    if (base)
        snprintf(row->b, sizeof row->b, "baseline:%s", c->baseline_label);
    else
        snprintf(row->b, sizeof row->b, "%s", r->models[pr->b].label);
    row->rate = r->rates[j];
    row->precision_a = q.precision_a;
    row->precision_b = q.precision_b;
    row->difference = q.difference;
    row->low = q.interval.low;
    row->high = q.interval.high;
    row->only_a = q.only_a;
    row->only_b = q.only_b;
    row->p_value = q.p_value;
    return 0;
}

/* The first error among n task slots into err. */
static int task_error(int rc, const bl_error_t *errors, size_t n, bl_error_t *err) {
    for (size_t i = 0; i < n; i++)
        if (errors[i].code != 0)
            return bl_error_set(err, errors[i].code, "%s", errors[i].message);
    return bl_error_set(err, rc, "risk_validation: metrics failed (%s)", bl_error_name(rc));
}

static int metrics(metrics_ctx_t *c, unsigned threads, bl_error_t *err) {
    bl_risk_result_t *r = c->r;
    size_t nm = r->n_models, tasks = nm * (r->n_rates + 1);
    size_t n_cmp = nm * (nm - 1) / 2 + (c->baseline_order ? nm : 0);
    c->errors = calloc(tasks > n_cmp ? tasks : n_cmp + 1, sizeof *c->errors);
    c->pairs = calloc(n_cmp + 1, sizeof *c->pairs);
    r->comparisons = calloc(n_cmp * r->n_rates + 1, sizeof *r->comparisons);
    if (c->errors == NULL || c->pairs == NULL || r->comparisons == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t m = 0; m < nm; m++) {
        r->models[m].breakdown = calloc(r->n_breakdown + 1, sizeof *r->models[m].breakdown);
        r->models[m].n_breakdown_rows = calloc(r->n_breakdown + 1, sizeof(size_t));
        if (r->models[m].breakdown == NULL || r->models[m].n_breakdown_rows == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    if (c->weekly_rate > 0 && week_index_init(&c->weeks, r) != 0)
        return bl_error_set(err, BL_ENOMEM, "out of memory for the weekly simulation");
    int rc = bl_pool_run(threads, (unsigned)nm, rank_task, c);
    if (rc == 0)
        rc = bl_pool_run(threads, (unsigned)tasks, metric_task, c);
    if (rc != 0)
        return task_error(rc, c->errors, tasks, err);
    for (size_t a = 0; a < nm; a++)
        for (size_t b = a + 1; b < nm; b++)
            c->pairs[c->n_pairs++] = (pair_t){a, b};
    for (size_t a = 0; c->baseline_order != NULL && a < nm; a++)
        c->pairs[c->n_pairs++] = (pair_t){a, nm};
    r->n_comparisons = c->n_pairs * r->n_rates;
    rc = bl_pool_run(threads, (unsigned)r->n_comparisons, comparison_task, c);
    if (rc != 0)
        return task_error(rc, c->errors, 0, err);
    return 0;
}

int bl_risk_metrics_compute(bl_risk_result_t *r, const bl_risk_baseline_t *baseline,
                            unsigned threads, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(r->scenario);
    metrics_ctx_t c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.weekly_rate = v->weekly_rate;
    c.bootstrap = v->bootstrap;
    int rc = 0;
    if (baseline != NULL) {
        c.baseline_label = baseline->label;
        c.baseline_order = malloc((r->n ? r->n : 1) * sizeof *c.baseline_order);
        if (c.baseline_order == NULL)
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        else
            bl_rank(baseline->scores, r->n, c.baseline_order);
    }
    if (rc == 0)
        rc = metrics(&c, threads ? threads : 1, err);
    week_index_fini(&c.weeks);
    free(c.baseline_order);
    free(c.pairs);
    free(c.errors);
    return rc;
}

/* ------------------------------------------------------------------ writing */

/* A name usable as one HDF5 path component. */
static void component(char *dst, size_t size, const char *name) {
    snprintf(dst, size, "%s", name);
    for (char *p = dst; *p; p++)
        if (*p == '/')
            *p = '_';
    if (strcmp(dst, ".") == 0 || dst[0] == '\0')
        snprintf(dst, size, "_");
}

static int write_model(bl_results_writer_t *w, const bl_risk_result_t *res, size_t m,
                       bl_error_t *err) {
    const bl_risk_model_result_t *mr = &res->models[m];
    char group[128], name[128];
    snprintf(group, sizeof group, "%s/%s", BL_RISK_MODELS_GROUP, mr->label);
    bl_risk_score_row_t *scores = malloc((res->n ? res->n : 1) * sizeof *scores);
    if (scores == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t i = 0; i < res->n; i++)
        scores[i] = (bl_risk_score_row_t){res->record[i], mr->scores[i]};
    int rc = bl_results_write_table_in(w, &bl_risk_scores_table, group, NULL, res->n, scores, err);
    free(scores);
    if (rc == 0)
        rc = bl_results_write_plugin_group(w, group, &mr->handle, mr->ref, err);
    if (rc == 0) /* declarations it failed to score (missing scores; /plugin_failures) */
        rc = bl_results_set_u64_at(w, group, "failures", mr->failed_all, err);
    if (rc == 0)
        rc = bl_results_write_table_in(w, &bl_risk_at_rate_table, group, NULL, res->n_rates,
                                       mr->at_rate, err);
    if (rc == 0)
        rc =
            bl_results_write_table_in(w, &bl_risk_summary_table, group, NULL, 1, &mr->summary, err);
    if (rc == 0)
        rc = bl_results_write_table_in(w, &bl_risk_reliability_table, group, NULL,
                                       BL_RISK_RELIABILITY_BINS, mr->reliability, err);
    for (size_t b = 0; b < res->n_breakdown && rc == 0; b++) {
        char col[100];
        component(col, sizeof col, res->breakdown_names[b]);
        snprintf(name, sizeof name, "breakdown/%s", col);
        rc = bl_results_write_table_in(w, &bl_risk_breakdown_table, group, name,
                                       mr->n_breakdown_rows[b], mr->breakdown[b], err);
    }
    if (rc == 0 && mr->weekly != NULL)
        rc = bl_results_write_table_in(w, &bl_risk_weekly_table, group, NULL, mr->n_weekly,
                                       mr->weekly, err);
    return rc;
}

/* A JSON list of numbers or of strings (heap). */
static char *json_list(const double *x, const char *const *s, size_t n, size_t stride) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < n; i++)
        cJSON_AddItemToArray(
            a, x ? cJSON_CreateNumber(x[i])
                 : cJSON_CreateString(*(const char *const *)((const char *)s + i * stride)));
    char *text = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return text;
}

static int root_attributes(bl_results_writer_t *w, const bl_risk_result_t *res, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(res->scenario);
    const char **labels = calloc(res->n_models + 1, sizeof *labels);
    if (labels == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t m = 0; m < res->n_models; m++)
        labels[m] = res->models[m].label;
    char *rates = json_list(res->rates, NULL, res->n_rates, 0);
    char *models = json_list(NULL, labels, res->n_models, sizeof *labels);
    free(labels);
    int rc = rates && models ? 0 : bl_error_set(err, BL_ENOMEM, "out of memory");
    if (rc == 0)
        rc = bl_results_set_root_text(w, "declaration_set_sha256", res->digest, err);
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "declarations", res->n_read, err);
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "evaluated", res->n, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "source", res->source, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "rates", rates, err);
    if (rc == 0)
        rc = bl_results_set_root_double(w, "weekly_rate", v->weekly_rate, err);
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "bootstrap", v->bootstrap, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "models", models, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "baseline", v->baseline ? v->baseline : "", err);
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "gates_failed", res->n_gates_failed, err);
    free(rates);
    free(models);
    return rc;
}

static int write_truth(bl_results_writer_t *w, const bl_risk_result_t *res, bl_error_t *err) {
    /* calloc and member by member: the struct's padding goes to the file
     * too, and must not be uninitialised memory. */
    bl_risk_truth_row_t *rows = calloc(res->n ? res->n : 1, sizeof *rows);
    if (rows == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t i = 0; i < res->n; i++) {
        rows[i].record = res->record[i];
        rows[i].week = res->week[i];
        rows[i].fraud = res->fraud[i];
        rows[i].critical = res->critical[i];
        rows[i].revenue = res->revenue[i];
    }
    int rc = bl_results_write_table_at(w, &bl_risk_truth_table, NULL, res->n, rows, err);
    free(rows);
    return rc;
}

int bl_risk_results_write(bl_results_writer_t *w, const bl_run_t *run, const bl_risk_result_t *res,
                          bl_error_t *err) {
    if (res == NULL || res->scenario == NULL || bl_risk_validation_of(res->scenario) == NULL)
        return bl_error_set(err, BL_EINVAL, "results: no risk_validation results to write");
    size_t nm = res->n_models;
    /* Root attributes plugin_risk_id for the first, plugin_risk2_id... after. */
    bl_results_plugin_t *plugins = calloc(nm ? nm : 1, sizeof *plugins);
    if (plugins == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t m = 0; m < nm; m++)
        plugins[m] = (bl_results_plugin_t){"risk", NULL, &res->models[m].handle,
                                           res->models[m].calls, res->models[m].invalid_all};
    int rc = bl_results_write_root(w, run, "risk_validation", plugins, nm, err);
    free(plugins);
    if (rc == 0)
        rc = root_attributes(w, res, err);
    if (rc == 0)
        rc = write_truth(w, res, err);
    for (size_t m = 0; m < nm && rc == 0; m++)
        rc = write_model(w, res, m, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_risk_comparison_table, NULL, res->n_comparisons,
                                       res->comparisons, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_risk_gate_table, NULL, res->n_gates, res->gates, err);
    if (rc == 0)
        bl_results_mark_complete(w);
    return rc;
}

/* ------------------------------------------------------------------ baseline */

int bl_risk_baseline_read(const char *path, bl_risk_baseline_t *out, bl_error_t *err) {
    memset(out, 0, sizeof *out);
    int rc = bl_summary_check_file(path, NULL, err);
    if (rc != 0) {
        bl_error_prefix(err, "--baseline");
        return rc;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return bl_error_set(err, BL_EHDF5, "--baseline %s: cannot open the file", path);
    char *job = bl_results_root_text(file, "job");
    char *digest = bl_results_root_text(file, "declaration_set_sha256");
    char *models = bl_results_root_text(file, "models");
    cJSON *list = models ? cJSON_Parse(models) : NULL;
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    bl_risk_score_row_t *rows = NULL;
    size_t n = 0;
    if (job == NULL || strcmp(job, "risk_validation") != 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "--baseline %s is a %s run, not a risk_validation run: give the "
                          "results file of the model in use",
                          path, job ? job : "(unknown)");
        goto out;
    }
    if (digest == NULL || strlen(digest) != 64 || !cJSON_IsString(first)) {
        rc = bl_error_set(err, BL_EHDF5,
                          "--baseline %s: no declaration_set_sha256 or models attribute: the "
                          "file is incomplete",
                          path);
        goto out;
    }
    snprintf(out->digest, sizeof out->digest, "%s", digest);
    snprintf(out->label, sizeof out->label, "%s", first->valuestring);
    char table[400];
    snprintf(table, sizeof table, "%s/%s/scores", BL_RISK_MODELS_GROUP, out->label);
    rc =
        bl_results_table_read_at(file, &bl_risk_scores_table, table, (void **)&rows, &n, path, err);
    if (rc != 0) {
        bl_error_prefix(err, "--baseline");
        goto out;
    }
    out->scores = malloc((n ? n : 1) * sizeof *out->scores);
    if (out->scores == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        out->scores[i] = rows[i].score;
    out->n = n;
out:
    free(rows);
    free(job);
    free(digest);
    free(models);
    cJSON_Delete(list);
    H5Fclose(file);
    if (rc != 0)
        bl_risk_baseline_fini(out);
    return rc;
}

void bl_risk_baseline_fini(bl_risk_baseline_t *b) {
    if (b == NULL)
        return;
    free(b->scores);
    memset(b, 0, sizeof *b);
}
