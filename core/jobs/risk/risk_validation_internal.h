/*
 * What the risk_validation job's files share: risk_validation.c (the run:
 * models, streaming and scoring, the declaration set's digest), risk_source.c
 * (the declarations: generator or CSV, and their truth) and risk_gate.c (the
 * rollout gate).  Not installed, not for other modules: the job's API is
 * risk_validation.h.
 */
#ifndef BL_RISK_VALIDATION_INTERNAL_H
#define BL_RISK_VALIDATION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/records.h"
#include "gen/declaration_gen.h"
#include "io/csv_reader.h"
#include "jobs/risk/risk_validation.h"
#include "scenario/scenario.h"

/* ---- risk_source.c ---- */

/* The declarations being read: one batch at a time. */
typedef struct source {
    bl_declaration_gen_t *gen;
    bl_declaration_truth_t *truth; /* generator: [batch] */
    bl_csv_reader_t *csv;
    bl_schema_t schema;
    bl_batch_t batch;
    size_t n_model_cols;
    size_t *model_idx;                                  /* schema index of each model column */
    bl_column_t *model_cols;                            /* the models' view: those columns only */
    int week_col, label_col, revenue_col, labelled_col; /* schema index or -1 */
    int *breakdown_col;                                 /* [n_breakdown] */
    char *origin;                                       /* for the digest (heap) */
} source_t;

/* The truth of one declaration of the batch. */
typedef struct row_truth {
    int labelled;
    uint8_t fraud, critical;
    double revenue;
    uint32_t week;
} row_truth_t;

/*
 * Open the source of bl_risk_validation_of(sc) (the CSV when csv_path is set, else the
 * generator from sc->seed) into s with batches of `batch` rows: find the
 * breakdown, label, revenue, week and labelled columns.  0, or a BL_E*
 * code with err set (BL_EINVAL for a column that is missing or of the
 * wrong type, the generator's or CSV reader's codes); on failure nothing is
 * left open.  sc is borrowed and must outlive s; release s with
 * bl_risk_source_close.
 */
int bl_risk_source_open(source_t *s, const bl_scenario_t *sc, uint32_t batch, bl_error_t *err);

/* The next batch into s->batch and s->model_cols; *n rows (0 at the end).
 * 0 or the generator's or CSV reader's error. */
int bl_risk_source_next(source_t *s, size_t *n, bl_error_t *err);

/* Truth of row i of the batch into *t; record is its position in the
 * input (0-based, for messages).  0, or BL_EINVAL for a CSV label, revenue
 * or week the job cannot use (the message names the file and record). */
int bl_risk_source_truth(const source_t *s, const bl_risk_validation_t *v, size_t i,
                         uint64_t record, row_truth_t *t, bl_error_t *err);

/* Release what s holds (idempotent: s is zeroed). */
void bl_risk_source_close(source_t *s);

/* ---- risk_gate.c ---- */

/* Every gate of v has a known metric and names a model of r (loaded).  0,
 * or BL_EINVAL with a message listing the accepted metrics or the models. */
int bl_risk_gate_check(const bl_risk_result_t *r, const bl_risk_validation_t *v, bl_error_t *err);

/* Evaluate the gates of v on r's computed figures into r->gates,
 * r->n_gates and r->n_gates_failed (a rate not in r->rates is estimated
 * without an interval).  v is borrowed; the gates were checked. */
void bl_risk_gate_evaluate(bl_risk_result_t *r, const bl_risk_validation_t *v);

#endif
