/*
 * borderlab.logistic: reference logistic-regression risk model.
 *
 *   score = 1 / (1 + exp(-(intercept + sum_i w_i * x_i')))
 *   x_i'  = (x_i - mean_i) / scale_i   (mean 0 and scale 1 unless configured)
 *
 * Config (all values numbers): "intercept" (default 0), "weights.<column>"
 * for every numeric feature used, and optionally "mean.<column>" and
 * "scale.<column>".  A missing value (NaN, or any non-finite value)
 * contributes 0.  Column names are resolved against the batch schema at
 * score time and cached by the schema's address, re-checked on every call.
 * A weighted column that the batch lacks, or that is not numeric, is an
 * error (BL_EINVAL).  The reason for a score is the feature with the
 * largest |w_i x_i'|.
 *
 * The schema cache is mutable, so an instance is not thread-safe; it is
 * deterministic (no randomness).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"

typedef struct feature {
    char *column; /* owned copy of the column name */
    double weight;
    double mean;
    double scale;
} feature_t;

typedef struct model {
    const bl_host_t *host;
    double intercept;
    size_t n_features;
    feature_t *features;
    /* Schema cache: column index of each feature for cache_columns. */
    const bl_column_t *cache_columns;
    uint32_t cache_n_columns;
    int32_t *cache_index;
} model_t;

/* Parse a finite number; BL_EINVAL (logged, naming key) otherwise. */
static int parse_number(const bl_host_t *host, const char *key, const char *s, double *out) {
    if (bl_parse_number(s, out) == BL_OK)
        return BL_OK;
    bl_host_logf(host, BL_LOG_ERROR, "config %s = \"%s\": expected a finite number", key,
                 s != NULL ? s : "(null)");
    return BL_EINVAL;
}

static void model_free(model_t *m) {
    const bl_host_t *host = m->host;
    for (size_t i = 0; i < m->n_features; i++)
        host->free(host->ctx, m->features[i].column);
    host->free(host->ctx, m->features);
    host->free(host->ctx, m->cache_index);
    host->free(host->ctx, m);
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int lg_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    model_t *m;
    size_t n_weights = 0;
    int rc = BL_OK;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    m = host->alloc(host->ctx, sizeof *m);
    if (m == NULL)
        return BL_ENOMEM;
    memset(m, 0, sizeof *m);
    m->host = host;

    size_t nc = config != NULL ? config->n : 0;
    for (size_t i = 0; i < nc; i++)
        if (config->keys[i] != NULL && starts_with(config->keys[i], "weights."))
            n_weights++;
    if (n_weights > 0) {
        m->features = host->alloc(host->ctx, n_weights * sizeof *m->features);
        m->cache_index = host->alloc(host->ctx, n_weights * sizeof *m->cache_index);
        if (m->features == NULL || m->cache_index == NULL) {
            rc = BL_ENOMEM;
            goto out;
        }
    }

    for (size_t i = 0; i < nc; i++) {
        const char *key = config->keys[i], *value = config->values[i];
        if (key == NULL)
            continue;
        if (strcmp(key, "intercept") == 0) {
            if ((rc = parse_number(host, key, value, &m->intercept)) != BL_OK)
                goto out;
        } else if (starts_with(key, "weights.")) {
            const char *column = key + strlen("weights.");
            if (column[0] == '\0') {
                bl_host_logf(host, BL_LOG_ERROR, "config %s: no column name after \"weights.\"",
                             key);
                rc = BL_EINVAL;
                goto out;
            }
            for (size_t j = 0; j < m->n_features; j++)
                if (strcmp(m->features[j].column, column) == 0) {
                    bl_host_logf(host, BL_LOG_ERROR, "config %s: given twice", key);
                    rc = BL_EINVAL;
                    goto out;
                }
            feature_t *f = &m->features[m->n_features];
            f->mean = 0;
            f->scale = 1;
            if ((rc = parse_number(host, key, value, &f->weight)) != BL_OK)
                goto out;
            size_t len = strlen(column);
            f->column = host->alloc(host->ctx, len + 1);
            if (f->column == NULL) {
                rc = BL_ENOMEM;
                goto out;
            }
            memcpy(f->column, column, len + 1);
            m->n_features++;
        }
    }

    /* Standardisation, once every feature is known. */
    for (size_t i = 0; i < nc; i++) {
        const char *key = config->keys[i];
        int is_mean = key != NULL && starts_with(key, "mean.");
        int is_scale = key != NULL && starts_with(key, "scale.");
        if (!is_mean && !is_scale)
            continue;
        const char *column = strchr(key, '.') + 1;
        feature_t *f = NULL;
        for (size_t j = 0; j < m->n_features; j++)
            if (strcmp(m->features[j].column, column) == 0)
                f = &m->features[j];
        if (f == NULL) {
            bl_host_logf(host, BL_LOG_ERROR, "config %s: there is no weights.%s for it", key,
                         column);
            rc = BL_EINVAL;
            goto out;
        }
        if ((rc = parse_number(host, key, config->values[i], is_mean ? &f->mean : &f->scale)) !=
            BL_OK)
            goto out;
        if (is_scale && f->scale == 0) {
            bl_host_logf(host, BL_LOG_ERROR, "config %s: scale must not be 0", key);
            rc = BL_EINVAL;
            goto out;
        }
    }
    *instance = m;
    return BL_OK;
out:
    model_free(m);
    return rc;
}

static void lg_destroy(void *instance) {
    if (instance != NULL)
        model_free(instance);
}

/* Map every feature to its column in records, reusing the cache when valid. */
static int resolve(model_t *m, const bl_records_t *records) {
    const bl_column_t *cols = records->columns;
    int valid = m->cache_columns == cols && m->cache_n_columns == records->n_columns;
    /* Guard against a new schema reusing an old address: names must still match. */
    for (size_t i = 0; valid && i < m->n_features; i++) {
        const bl_column_t *c = &cols[m->cache_index[i]];
        valid = c->type == BL_COLUMN_NUMERIC && c->numeric != NULL && c->name != NULL &&
                strcmp(c->name, m->features[i].column) == 0;
    }
    if (valid)
        return BL_OK;

    m->cache_columns = NULL;
    for (size_t i = 0; i < m->n_features; i++) {
        int32_t found = -1;
        for (uint32_t j = 0; j < records->n_columns; j++)
            if (cols[j].name != NULL && strcmp(cols[j].name, m->features[i].column) == 0) {
                found = (int32_t)j;
                break;
            }
        if (found < 0) {
            bl_host_logf(
                m->host, BL_LOG_ERROR,
                "score: column \"%s\" (weights.%s) is not in the batch: add it to the records "
                "or remove the weight",
                m->features[i].column, m->features[i].column);
            return BL_EINVAL;
        }
        if (cols[found].type != BL_COLUMN_NUMERIC || cols[found].numeric == NULL) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" (weights.%s) is not numeric: this model only weighs "
                         "numeric columns",
                         m->features[i].column, m->features[i].column);
            return BL_EINVAL;
        }
        m->cache_index[i] = found;
    }
    m->cache_columns = cols;
    m->cache_n_columns = records->n_columns;
    return BL_OK;
}

static int lg_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                    double *scores_out, bl_reason_t *reasons_out) {
    model_t *m = instance;
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
    if ((rc = resolve(m, records)) != BL_OK)
        return rc;

    for (size_t r = 0; r < n; r++) {
        size_t row = first + r;
        double z = m->intercept, best = 0;
        int32_t best_column = -1;
        for (size_t i = 0; i < m->n_features; i++) {
            const feature_t *f = &m->features[i];
            double x = records->columns[m->cache_index[i]].numeric[row];
            if (!isfinite(x))
                continue;
            double c = f->weight * (x - f->mean) / f->scale;
            z += c;
            if (fabs(c) > fabs(best) || best_column < 0) {
                best = c;
                best_column = m->cache_index[i];
            }
        }
        double s = 1.0 / (1.0 + exp(-z));
        scores_out[r] = isfinite(s) ? s : (z > 0 ? 1.0 : 0.0);
        if (reasons_out != NULL) {
            reasons_out[r].column = best_column;
            reasons_out[r].contribution = (float)best;
        }
    }
    return BL_OK;
}

static const bl_risk_ops_t ops = {
    sizeof(bl_risk_ops_t),
    lg_create,
    lg_score,
    lg_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, BL_FLAG_DETERMINISTIC, "borderlab.logistic",
                     "Logistic regression risk model", "borderlab", "0.1.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host;
    return host_abi_major == BL_ABI_MAJOR ? &descriptor : NULL;
}
