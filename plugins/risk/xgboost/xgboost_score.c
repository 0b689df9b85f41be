/*
 * borderlab.xgboost: scoring (see xgboost.c for the encoding and caching
 * rules).  Resolve the encoding's columns against the batch, encode the
 * rows into a dense float matrix, predict through XGBoost (in place or
 * through a DMatrix) and, when asked, name the column with the largest
 * |SHAP contribution| per row.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "borderlab/plugin.h"
#include "xgboost.h"

/* Prediction settings (XGBoosterPredictFromDMatrix): 0 = values, 2 = SHAP contributions. */
static const char *const PREDICT_CONFIG =
    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
    "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
static const char *const CONTRIB_CONFIG =
    "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
    "\"strict_shape\": false}";

static int resolve(model_t *m, const bl_records_t *records) {
    const bl_column_t *cols = records->columns;
    int valid = m->cache_columns == cols && m->cache_n_columns == records->n_columns;
    /* Guard against a new schema reusing an old address: names must still match. */
    for (size_t i = 0; valid && i < m->n_features; i++) {
        const bl_column_t *c = &cols[m->cache_index[i]];
        valid = c->name != NULL && strcmp(c->name, m->features[i].column) == 0 &&
                (m->features[i].kind == KIND_NUMERIC
                     ? c->type == BL_COLUMN_NUMERIC && c->numeric != NULL
                     : c->type == BL_COLUMN_CATEGORICAL && c->codes != NULL);
    }
    if (valid)
        return BL_OK;

    m->cache_columns = NULL;
    for (size_t i = 0; i < m->n_features; i++) {
        const feature_t *f = &m->features[i];
        int32_t found = -1;
        for (uint32_t j = 0; j < records->n_columns; j++)
            if (cols[j].name != NULL && strcmp(cols[j].name, f->column) == 0) {
                found = (int32_t)j;
                break;
            }
        if (found < 0) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" (model feature \"%s\") is not in the batch: add it "
                         "to the records or fix the encoding",
                         f->column, f->name);
            return BL_EINVAL;
        }
        const bl_column_t *c = &cols[found];
        if (f->kind == KIND_NUMERIC && (c->type != BL_COLUMN_NUMERIC || c->numeric == NULL)) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" (model feature \"%s\") is not numeric but the "
                         "encoding says numeric",
                         f->column, f->name);
            return BL_EINVAL;
        }
        if (f->kind == KIND_CATEGORICAL && (c->type != BL_COLUMN_CATEGORICAL || c->codes == NULL ||
                                            (c->n_categories > 0 && c->categories == NULL))) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" (model feature \"%s\") is not categorical but the "
                         "encoding gives it a vocabulary",
                         f->column, f->name);
            return BL_EINVAL;
        }
        m->cache_index[i] = found;
    }
    m->cache_columns = cols;
    m->cache_n_columns = records->n_columns;
    return BL_OK;
}

static float vocab_code(const feature_t *f, const char *label) {
    size_t lo = 0, hi = f->n_vocab;
    if (label == NULL)
        return NAN;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(label, f->vocab[mid].label);
        if (c == 0)
            return f->vocab[mid].code;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return f->unseen;
}

/* Batch code -> model code for column c, rebuilt when its dictionary changed. */
static int category_map(model_t *m, feature_t *f, const bl_column_t *c) {
    if (f->map_valid && f->map_categories == c->categories && f->map_n == c->n_categories)
        return BL_OK;
    f->map_valid = 0;
    if (xgb_grow(m->host, (void **)&f->map, &f->map_capacity, c->n_categories, sizeof *f->map) !=
        BL_OK)
        return BL_ENOMEM;
    for (uint32_t k = 0; k < c->n_categories; k++)
        f->map[k] = vocab_code(f, c->categories[k]);
    f->map_categories = c->categories;
    f->map_n = c->n_categories;
    f->map_valid = 1;
    return BL_OK;
}

static float to_float(double v) {
    if (v > FLT_MAX)
        return INFINITY;
    if (v < -FLT_MAX)
        return -INFINITY;
    return (float)v;
}

/* Encode rows [first, first + n) into m->matrix, one feature column at a time. */
static int encode(model_t *m, const bl_records_t *records, size_t first, size_t n) {
    size_t nf = m->n_features;
    int rc;

    if (n > SIZE_MAX / nf)
        return BL_ENOMEM;
    if ((rc = xgb_grow(m->host, (void **)&m->matrix, &m->matrix_capacity, n * nf, sizeof(float))) !=
        BL_OK)
        return rc;
    for (size_t i = 0; i < nf; i++) {
        feature_t *f = &m->features[i];
        const bl_column_t *c = &records->columns[m->cache_index[i]];
        float *out = m->matrix + i;
        if (f->kind == KIND_NUMERIC) {
            const double *x = c->numeric + first;
            for (size_t r = 0; r < n; r++)
                out[r * nf] = isfinite(x[r]) ? to_float((x[r] - f->offset) * f->scale) : NAN;
            continue;
        }
        if ((rc = category_map(m, f, c)) != BL_OK)
            return rc;
        const int32_t *codes = c->codes + first;
        for (size_t r = 0; r < n; r++) {
            int32_t code = codes[r];
            if (code >= 0 && (uint32_t)code < c->n_categories)
                out[r * nf] = f->map[code];
            else if (code == -1)
                out[r * nf] = NAN;
            else {
                bl_host_logf(m->host, BL_LOG_ERROR,
                             "score: column \"%s\" row %zu has code %d, outside its %u categories "
                             "(-1 is missing)",
                             f->column, first + r, (int)code, (unsigned)c->n_categories);
                return BL_EINVAL;
            }
        }
    }
    return BL_OK;
}

static int predict_inplace(model_t *m, size_t n, const float **result, bst_ulong *len) {
    char values[200];
    bst_ulong const *shape = NULL;
    bst_ulong dim = 0;
    /* A fixed-format __array_interface__ record: numbers only (cJSON is for reading files). */
    snprintf(
        values, sizeof values,
        "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
        (unsigned long long)(uintptr_t)m->matrix, n, m->n_features);
    if (XGBoosterPredictFromDense(m->booster, values, PREDICT_CONFIG, NULL, &shape, &dim, result) !=
        0) {
        xgb_log(m->host, "score: XGBoosterPredictFromDense", NULL);
        return BL_EPLUGIN;
    }
    *len = 1;
    for (bst_ulong d = 0; d < dim; d++)
        *len *= shape[d];
    return BL_OK;
}

static int predict_dmatrix(model_t *m, DMatrixHandle d, const char *config, const float **result,
                           bst_ulong *len) {
    bst_ulong const *shape = NULL;
    bst_ulong dim = 0;
    if (XGBoosterPredictFromDMatrix(m->booster, d, config, &shape, &dim, result) != 0) {
        xgb_log(m->host, "score: XGBoosterPredictFromDMatrix", NULL);
        return BL_EPLUGIN;
    }
    *len = 1;
    for (bst_ulong k = 0; k < dim; k++)
        *len *= shape[k];
    return BL_OK;
}

/* Reasons: the column of the feature with the largest |SHAP value| per row. */
static int explain(model_t *m, DMatrixHandle d, size_t n, bl_reason_t *reasons_out) {
    const float *contrib = NULL;
    bst_ulong len = 0;
    size_t stride = m->n_features + 1; /* the last value per row is the bias */
    int rc = predict_dmatrix(m, d, CONTRIB_CONFIG, &contrib, &len);
    if (rc != BL_OK)
        return rc;
    if ((size_t)len != n * stride) {
        bl_host_logf(m->host, BL_LOG_ERROR,
                     "score: XGBoost returned %zu contributions for %zu rows of %zu features",
                     (size_t)len, n, m->n_features);
        return BL_EPLUGIN;
    }
    for (size_t r = 0; r < n; r++) {
        const float *row = contrib + r * stride;
        size_t best = 0;
        for (size_t i = 1; i < m->n_features; i++)
            if (fabsf(row[i]) > fabsf(row[best]))
                best = i;
        reasons_out[r].column = row[best] != 0 ? m->cache_index[best] : -1;
        reasons_out[r].contribution = row[best];
    }
    return BL_OK;
}

int xgb_score(void *instance, const bl_records_t *records, size_t first, size_t n,
              double *scores_out, bl_reason_t *reasons_out) {
    model_t *m = instance;
    DMatrixHandle d = NULL;
    const float *pred = NULL;
    bst_ulong len = 0;
    int rc;

    if (m == NULL)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    if (records == NULL || scores_out == NULL || (records->n_columns > 0 && !records->columns) ||
        first > records->n_rows || n > records->n_rows - first) {
        bl_host_logf(m->host, BL_LOG_ERROR, "score: rows [%zu, %zu + %zu) are outside the batch",
                     first, first, n);
        return BL_EINVAL;
    }
    if ((rc = resolve(m, records)) != BL_OK || (rc = encode(m, records, first, n)) != BL_OK)
        return rc;

    if (m->inplace && reasons_out == NULL) {
        rc = predict_inplace(m, n, &pred, &len);
    } else {
        if (XGDMatrixCreateFromMat(m->matrix, (bst_ulong)n, (bst_ulong)m->n_features, NAN, &d) !=
            0) {
            xgb_log(m->host, "score: XGDMatrixCreateFromMat", NULL);
            return BL_EPLUGIN;
        }
        rc = predict_dmatrix(m, d, PREDICT_CONFIG, &pred, &len);
    }
    if (rc != BL_OK)
        goto out;
    if ((size_t)len != n) {
        bl_host_logf(m->host, BL_LOG_ERROR,
                     "score: XGBoost returned %zu values for %zu rows: risk/xgboost needs a model "
                     "with one output per row (binary:logistic)",
                     (size_t)len, n);
        rc = BL_EPLUGIN;
        goto out;
    }
    /* Copy now: the next XGBoost call on this thread reuses the buffer. */
    for (size_t r = 0; r < n; r++)
        scores_out[r] = pred[r];
    if (reasons_out != NULL)
        rc = explain(m, d, n, reasons_out);
out:
    if (d != NULL)
        XGDMatrixFree(d);
    return rc;
}
