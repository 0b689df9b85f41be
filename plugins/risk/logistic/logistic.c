/*
 * borderlab.logistic: reference logistic-regression risk model.
 *
 *   score = 1 / (1 + exp(-z))
 *   z     = intercept + sum_i w_i * (x_i - mean_i) / scale_i    (numeric features)
 *                     + sum_j w_j[label of column j]             (categorical features)
 *
 * The model comes from one of two routes, never both (giving both is an
 * error, so nothing is overridden silently):
 *
 *   - config keys (all values numbers): "intercept" (default 0),
 *     "weights.<column>" for every numeric feature, and optionally
 *     "mean.<column>" and "scale.<column>" (defaults 0 and 1);
 *   - "model" = path to a JSON file:
 *       {"intercept": -2.1,
 *        "features": [{"column": "value_per_kg", "weight": -0.8,
 *                      "mean": 12.5, "scale": 4.0}, ...],
 *        "categorical": [{"column": "origin", "weights": {"CN": 0.7, "VN": 0.2},
 *                         "default": 0.0}, ...]}
 *     "intercept", "mean" and "scale" are optional (0, 0, 1), as are both
 *     lists, "default" (0: the weight of a label the model does not list)
 *     and "description" (a string, ignored).  Unknown keys are errors (a typo must not drop a
 * feature); errors name the file and the JSON path (features[2].scale).
 *
 * A missing value (NaN or non-finite numeric, code -1 categorical)
 * contributes 0.  Columns are resolved by name against the batch schema and
 * cached by the schema's address (names re-checked on every call); the
 * label -> weight table of a categorical feature is cached per (column,
 * categories array, category count), so scoring is a table lookup per row.
 * A feature column the batch lacks, or of the wrong type, is BL_EINVAL.
 * The reason for a score is the feature with the largest |contribution|.
 *
 * Scoring is column-major over blocks of rows (for each feature, for each
 * row: z[r] += c), then one exp() per row.
 *
 * The caches and scratch buffers are mutable, so an instance is not
 * thread-safe; it is deterministic (no randomness).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "borderlab/plugin.h"

#define BLOCK 1024 /* rows scored per column-major pass */

typedef struct feature {
    char *column; /* owned copy of the column name */
    double weight;
    double mean;
    double scale;
} feature_t;

typedef struct label_weight {
    char *label; /* owned */
    double weight;
} label_weight_t;

typedef struct cat_feature {
    char *column; /* owned */
    size_t n_labels;
    label_weight_t *labels;
    double fallback; /* weight of a label the model does not list */
    /* Cache: weight per category code of the column last seen. */
    const char *const *cache_categories;
    uint32_t cache_n;
    double *cache_weights; /* cache_n entries (owned) */
} cat_feature_t;

typedef struct model {
    const bl_host_t *host;
    double intercept;
    size_t n_features;
    feature_t *features;
    size_t n_cats;
    size_t cats_capacity; /* entries of cats allocated (zeroed): all are freed */
    cat_feature_t *cats;
    /* Schema cache: column index of each feature (numeric first, then
     * categorical) for cache_columns. */
    const bl_column_t *cache_columns;
    uint32_t cache_n_columns;
    int32_t *cache_index;
    /* Scratch for one block: z, best contribution and its column. */
    double *z;
    double *best;
    int32_t *best_column;
} model_t;

static void *xalloc(const bl_host_t *host, size_t size) {
    return host->alloc(host->ctx, size > 0 ? size : 1);
}

static void xfree(const bl_host_t *host, void *p) {
    if (p != NULL)
        host->free(host->ctx, p);
}

static char *xstrdup(const bl_host_t *host, const char *s) {
    size_t len = strlen(s);
    char *copy = xalloc(host, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

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
        xfree(host, m->features[i].column);
    xfree(host, m->features);
    for (size_t i = 0; i < m->cats_capacity; i++) {
        cat_feature_t *c = &m->cats[i];
        for (size_t j = 0; j < c->n_labels; j++)
            xfree(host, c->labels[j].label);
        xfree(host, c->labels);
        xfree(host, c->column);
        xfree(host, c->cache_weights);
    }
    xfree(host, m->cats);
    xfree(host, m->cache_index);
    xfree(host, m->z);
    xfree(host, m->best);
    xfree(host, m->best_column);
    xfree(host, m);
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Is column already a feature of m (numeric or categorical)? */
static int has_column(const model_t *m, const char *column) {
    for (size_t j = 0; j < m->n_features; j++)
        if (strcmp(m->features[j].column, column) == 0)
            return 1;
    for (size_t j = 0; j < m->n_cats; j++)
        if (strcmp(m->cats[j].column, column) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ config-key route */

static int load_config_keys(model_t *m, const bl_config_t *config) {
    const bl_host_t *host = m->host;
    size_t n_weights = 0, nc = config != NULL ? config->n : 0;

    for (size_t i = 0; i < nc; i++)
        if (config->keys[i] != NULL && starts_with(config->keys[i], "weights."))
            n_weights++;
    if (n_weights > 0 && (m->features = xalloc(host, n_weights * sizeof *m->features)) == NULL)
        return BL_ENOMEM;

    for (size_t i = 0; i < nc; i++) {
        const char *key = config->keys[i], *value = config->values[i];
        int rc;
        if (key == NULL)
            continue;
        if (strcmp(key, "intercept") == 0) {
            if ((rc = parse_number(host, key, value, &m->intercept)) != BL_OK)
                return rc;
        } else if (starts_with(key, "weights.")) {
            const char *column = key + strlen("weights.");
            if (column[0] == '\0') {
                bl_host_logf(host, BL_LOG_ERROR, "config %s: no column name after \"weights.\"",
                             key);
                return BL_EINVAL;
            }
            if (has_column(m, column)) {
                bl_host_logf(host, BL_LOG_ERROR, "config %s: given twice", key);
                return BL_EINVAL;
            }
            feature_t *f = &m->features[m->n_features];
            f->mean = 0;
            f->scale = 1;
            if ((rc = parse_number(host, key, value, &f->weight)) != BL_OK)
                return rc;
            if ((f->column = xstrdup(host, column)) == NULL)
                return BL_ENOMEM;
            m->n_features++;
        }
    }

    /* Standardisation, once every feature is known. */
    for (size_t i = 0; i < nc; i++) {
        const char *key = config->keys[i];
        int is_mean = key != NULL && starts_with(key, "mean.");
        int is_scale = key != NULL && starts_with(key, "scale.");
        int rc;
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
            return BL_EINVAL;
        }
        if ((rc = parse_number(host, key, config->values[i], is_mean ? &f->mean : &f->scale)) !=
            BL_OK)
            return rc;
        if (is_scale && f->scale == 0) {
            bl_host_logf(host, BL_LOG_ERROR, "config %s: scale must not be 0", key);
            return BL_EINVAL;
        }
    }
    return BL_OK;
}

/* ------------------------------------------------------------ model-file route */

/* Read the whole file into a NUL-terminated heap buffer (malloc: cJSON's). */
static int read_file(const bl_host_t *host, const char *path, char **text, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, used = 0;

    if (f == NULL) {
        bl_host_logf(host, BL_LOG_ERROR, "model %s: cannot open (%s): check the model= path", path,
                     strerror(errno));
        return errno == ENOENT ? BL_ENOTFOUND : BL_EIO;
    }
    for (;;) {
        if (cap - used < 4096) {
            size_t ncap = cap > 0 ? cap * 2 : 65536;
            char *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                free(buf);
                fclose(f);
                return BL_ENOMEM;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        bl_host_logf(host, BL_LOG_ERROR, "model %s: read error", path);
        return BL_EIO;
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return BL_OK;
}

/* Log "model FILE: PATH: what" and return BL_EINVAL. */
static int json_error(const bl_host_t *host, const char *file, const char *jpath,
                      const char *what) {
    bl_host_logf(host, BL_LOG_ERROR, "model %s: %s: %s", file, jpath, what);
    return BL_EINVAL;
}

/* Every member of obj must be one of allowed (NULL-terminated). */
static int check_keys(const bl_host_t *host, const char *file, const char *jpath, const cJSON *obj,
                      const char *const *allowed, const char *expected) {
    const cJSON *item;
    cJSON_ArrayForEach(item, obj) {
        int ok = 0;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++)
            ok = item->string != NULL && strcmp(item->string, allowed[i]) == 0;
        if (!ok) {
            char what[160];
            snprintf(what, sizeof what, "unknown key \"%.40s\" (expected %s)",
                     item->string != NULL ? item->string : "", expected);
            return json_error(host, file, jpath, what);
        }
    }
    return BL_OK;
}

/* Optional finite number member `key` of obj into *out (left as is when absent). */
static int json_number(const bl_host_t *host, const char *file, const char *jpath, const cJSON *obj,
                       const char *key, int required, double *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    char path[96];
    snprintf(path, sizeof path, "%s%s%s", jpath, jpath[0] != '\0' ? "." : "", key);
    if (item == NULL) {
        if (required)
            return json_error(host, file, path, "missing (a number is required)");
        return BL_OK;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return json_error(host, file, path, "expected a finite number");
    *out = item->valuedouble;
    return BL_OK;
}

/* Required non-empty string member "column" of obj, not yet used by m. */
static int json_column(const model_t *m, const char *file, const char *jpath, const cJSON *obj,
                       char **out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "column");
    char path[96];
    snprintf(path, sizeof path, "%s.column", jpath);
    if (item == NULL)
        return json_error(m->host, file, path, "missing (the name of a column in the records)");
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return json_error(m->host, file, path, "expected a non-empty string");
    if (has_column(m, item->valuestring)) {
        char what[120];
        snprintf(what, sizeof what, "column \"%.60s\" is already a feature: list it once",
                 item->valuestring);
        return json_error(m->host, file, path, what);
    }
    if ((*out = xstrdup(m->host, item->valuestring)) == NULL)
        return BL_ENOMEM;
    return BL_OK;
}

static int load_numeric(model_t *m, const char *file, const cJSON *list) {
    static const char *const keys[] = {"column", "weight", "mean", "scale", NULL};
    int n = cJSON_GetArraySize(list);
    if (n > 0 && (m->features = xalloc(m->host, (size_t)n * sizeof *m->features)) == NULL)
        return BL_ENOMEM;
    for (int i = 0; i < n; i++) {
        const cJSON *obj = cJSON_GetArrayItem(list, i);
        char jpath[48];
        int rc;
        snprintf(jpath, sizeof jpath, "features[%d]", i);
        if (!cJSON_IsObject(obj))
            return json_error(m->host, file, jpath,
                              "expected an object {\"column\": ..., \"weight\": ...}");
        if ((rc = check_keys(m->host, file, jpath, obj, keys, "column, weight, mean, scale")) !=
            BL_OK)
            return rc;
        feature_t *f = &m->features[m->n_features];
        f->mean = 0;
        f->scale = 1;
        if ((rc = json_number(m->host, file, jpath, obj, "weight", 1, &f->weight)) != BL_OK ||
            (rc = json_number(m->host, file, jpath, obj, "mean", 0, &f->mean)) != BL_OK ||
            (rc = json_number(m->host, file, jpath, obj, "scale", 0, &f->scale)) != BL_OK)
            return rc;
        if (f->scale == 0) {
            char path[64];
            snprintf(path, sizeof path, "%s.scale", jpath);
            return json_error(m->host, file, path, "must not be 0");
        }
        if ((rc = json_column(m, file, jpath, obj, &f->column)) != BL_OK)
            return rc;
        m->n_features++;
    }
    return BL_OK;
}

static int label_cmp(const void *a, const void *b) {
    return strcmp(((const label_weight_t *)a)->label, ((const label_weight_t *)b)->label);
}

static int load_categorical(model_t *m, const char *file, const cJSON *list) {
    static const char *const keys[] = {"column", "weights", "default", NULL};
    int n = cJSON_GetArraySize(list);
    if (n > 0) {
        if ((m->cats = xalloc(m->host, (size_t)n * sizeof *m->cats)) == NULL)
            return BL_ENOMEM;
        memset(m->cats, 0, (size_t)n * sizeof *m->cats);
        m->cats_capacity = (size_t)n;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *obj = cJSON_GetArrayItem(list, i);
        char jpath[48], path[64];
        int rc;
        snprintf(jpath, sizeof jpath, "categorical[%d]", i);
        if (!cJSON_IsObject(obj))
            return json_error(m->host, file, jpath,
                              "expected an object {\"column\": ..., \"weights\": {...}}");
        if ((rc = check_keys(m->host, file, jpath, obj, keys, "column, weights, default")) != BL_OK)
            return rc;
        cat_feature_t *c = &m->cats[m->n_cats];
        if ((rc = json_number(m->host, file, jpath, obj, "default", 0, &c->fallback)) != BL_OK)
            return rc;
        const cJSON *weights = cJSON_GetObjectItemCaseSensitive(obj, "weights");
        snprintf(path, sizeof path, "%s.weights", jpath);
        if (weights == NULL)
            return json_error(m->host, file, path, "missing (an object label -> weight)");
        if (!cJSON_IsObject(weights))
            return json_error(m->host, file, path,
                              "expected an object label -> weight, e.g. {\"CN\": 0.7}");
        int nl = cJSON_GetArraySize(weights);
        if (nl > 0 && (c->labels = xalloc(m->host, (size_t)nl * sizeof *c->labels)) == NULL)
            return BL_ENOMEM;
        const cJSON *w;
        cJSON_ArrayForEach(w, weights) {
            char wpath[128];
            snprintf(wpath, sizeof wpath, "%s.weights[\"%.40s\"]", jpath, w->string);
            if (!cJSON_IsNumber(w) || !isfinite(w->valuedouble))
                return json_error(m->host, file, wpath, "expected a finite number");
            label_weight_t *lw = &c->labels[c->n_labels];
            lw->weight = w->valuedouble;
            if ((lw->label = xstrdup(m->host, w->string)) == NULL)
                return BL_ENOMEM;
            c->n_labels++;
        }
        /* Sorted by label for bsearch; a duplicate ends up adjacent. */
        if (c->n_labels > 1)
            qsort(c->labels, c->n_labels, sizeof *c->labels, label_cmp);
        for (size_t j = 1; j < c->n_labels; j++)
            if (strcmp(c->labels[j - 1].label, c->labels[j].label) == 0) {
                char wpath[128];
                snprintf(wpath, sizeof wpath, "%s.weights[\"%.40s\"]", jpath, c->labels[j].label);
                return json_error(m->host, file, wpath, "label given twice");
            }
        /* The column last, so has_column() above only sees earlier entries. */
        if ((rc = json_column(m, file, jpath, obj, &c->column)) != BL_OK)
            return rc;
        m->n_cats++;
    }
    return BL_OK;
}

static int load_model_file(model_t *m, const char *file) {
    static const char *const keys[] = {"intercept", "features", "categorical", "description", NULL};
    char *text = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    int rc;

    if ((rc = read_file(m->host, file, &text, &len)) != BL_OK)
        return rc;
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL) {
        size_t line = 1, col = 1;
        for (const char *p = text; end != NULL && p < end && *p != '\0'; p++) {
            col = *p == '\n' ? 1 : col + 1;
            line += *p == '\n';
        }
        bl_host_logf(m->host, BL_LOG_ERROR,
                     "model %s: line %zu, column %zu: not valid JSON: fix the file", file, line,
                     col);
        rc = BL_EINVAL;
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = json_error(m->host, file, "$",
                        "expected an object {\"intercept\": ..., \"features\": [...], "
                        "\"categorical\": [...]}");
        goto out;
    }
    const cJSON *description = cJSON_GetObjectItemCaseSensitive(root, "description");
    if (description != NULL && !cJSON_IsString(description)) {
        rc = json_error(m->host, file, "description", "expected a string");
        goto out;
    }
    if ((rc = check_keys(m->host, file, "$", root, keys,
                         "intercept, features, categorical, description")) != BL_OK ||
        (rc = json_number(m->host, file, "", root, "intercept", 0, &m->intercept)) != BL_OK)
        goto out;
    const cJSON *features = cJSON_GetObjectItemCaseSensitive(root, "features");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(root, "categorical");
    if (features != NULL && !cJSON_IsArray(features)) {
        rc = json_error(m->host, file, "features", "expected a list of objects");
        goto out;
    }
    if (cats != NULL && !cJSON_IsArray(cats)) {
        rc = json_error(m->host, file, "categorical", "expected a list of objects");
        goto out;
    }
    if ((features != NULL && (rc = load_numeric(m, file, features)) != BL_OK) ||
        (cats != NULL && (rc = load_categorical(m, file, cats)) != BL_OK))
        goto out;
out:
    cJSON_Delete(root);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ create/destroy */

static int lg_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    model_t *m;
    int rc = BL_OK;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    m = xalloc(host, sizeof *m);
    if (m == NULL)
        return BL_ENOMEM;
    memset(m, 0, sizeof *m);
    m->host = host;

    const char *file = bl_config_get(config, "model");
    if (file != NULL) {
        /* One route only: a key beside model= would be silently ignored or
         * silently override the file, so it is refused. */
        for (size_t i = 0; i < config->n; i++) {
            const char *key = config->keys[i];
            if (key != NULL && (strcmp(key, "intercept") == 0 || starts_with(key, "weights.") ||
                                starts_with(key, "mean.") || starts_with(key, "scale."))) {
                bl_host_logf(host, BL_LOG_ERROR,
                             "config model=%s and %s both given: put the whole model in the file "
                             "or use weights.*/intercept/mean.*/scale.* keys, not both",
                             file, key);
                rc = BL_EINVAL;
                goto out;
            }
        }
        if (file[0] == '\0') {
            bl_host_logf(host, BL_LOG_ERROR, "config model is empty: give the model JSON's path");
            rc = BL_EINVAL;
            goto out;
        }
        rc = load_model_file(m, file);
    } else {
        rc = load_config_keys(m, config);
    }
    if (rc != BL_OK)
        goto out;

    size_t n_all = m->n_features + m->n_cats;
    m->cache_index = xalloc(host, (n_all > 0 ? n_all : 1) * sizeof *m->cache_index);
    m->z = xalloc(host, BLOCK * sizeof *m->z);
    m->best = xalloc(host, BLOCK * sizeof *m->best);
    m->best_column = xalloc(host, BLOCK * sizeof *m->best_column);
    if (m->cache_index == NULL || m->z == NULL || m->best == NULL || m->best_column == NULL) {
        rc = BL_ENOMEM;
        goto out;
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

/* ------------------------------------------------------------ scoring */

static const char *feature_name(const model_t *m, size_t i) {
    return i < m->n_features ? m->features[i].column : m->cats[i - m->n_features].column;
}

static int column_fits(const bl_column_t *c, int categorical) {
    if (categorical)
        return c->type == BL_COLUMN_CATEGORICAL && c->codes != NULL &&
               (c->categories != NULL || c->n_categories == 0);
    return c->type == BL_COLUMN_NUMERIC && c->numeric != NULL;
}

/* Map every feature to its column in records, reusing the cache when valid. */
static int resolve(model_t *m, const bl_records_t *records) {
    const bl_column_t *cols = records->columns;
    size_t n_all = m->n_features + m->n_cats;
    int valid = m->cache_columns == cols && m->cache_n_columns == records->n_columns;
    /* Guard against a new schema reusing an old address: names must still match. */
    for (size_t i = 0; valid && i < n_all; i++) {
        const bl_column_t *c = &cols[m->cache_index[i]];
        valid = column_fits(c, i >= m->n_features) && c->name != NULL &&
                strcmp(c->name, feature_name(m, i)) == 0;
    }
    if (valid)
        return BL_OK;

    m->cache_columns = NULL;
    for (size_t i = 0; i < n_all; i++) {
        const char *name = feature_name(m, i);
        int categorical = i >= m->n_features;
        int32_t found = -1;
        for (uint32_t j = 0; j < records->n_columns; j++)
            if (cols[j].name != NULL && strcmp(cols[j].name, name) == 0) {
                found = (int32_t)j;
                break;
            }
        if (found < 0) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" (a %s feature of the model) is not in the batch: "
                         "add it to the records or remove it from the model",
                         name, categorical ? "categorical" : "numeric");
            return BL_EINVAL;
        }
        if (!column_fits(&cols[found], categorical)) {
            bl_host_logf(m->host, BL_LOG_ERROR,
                         "score: column \"%s\" is not %s: the model uses it as a %s feature "
                         "(declare the column's type accordingly)",
                         name, categorical ? "categorical" : "numeric",
                         categorical ? "categorical" : "numeric");
            return BL_EINVAL;
        }
        m->cache_index[i] = found;
    }
    m->cache_columns = cols;
    m->cache_n_columns = records->n_columns;
    return BL_OK;
}

/* Weight per category code of column col for categorical feature c, cached
 * while the column's categories array and count stay the same.  A
 * dictionary that grows in place (same array, more labels: the host's
 * dictionaries only append) extends the cache instead of rebuilding it. */
static int cat_weights(model_t *m, cat_feature_t *c, const bl_column_t *col) {
    uint32_t from = 0;
    if (c->cache_weights != NULL && c->cache_categories == col->categories) {
        if (c->cache_n == col->n_categories)
            return BL_OK;
        if (c->cache_n < col->n_categories)
            from = c->cache_n;
    }
    double *weights = xalloc(m->host, (col->n_categories + 1) * sizeof *weights);
    if (weights == NULL) {
        c->cache_categories = NULL;
        return BL_ENOMEM;
    }
    if (from > 0)
        memcpy(weights, c->cache_weights, from * sizeof *weights);
    xfree(m->host, c->cache_weights);
    c->cache_weights = weights;
    for (uint32_t k = from; k < col->n_categories; k++) {
        label_weight_t key = {(char *)(col->categories[k] != NULL ? col->categories[k] : ""), 0};
        const label_weight_t *hit =
            c->n_labels > 0 ? bsearch(&key, c->labels, c->n_labels, sizeof key, label_cmp) : NULL;
        weights[k] = hit != NULL ? hit->weight : c->fallback;
    }
    c->cache_categories = col->categories;
    c->cache_n = col->n_categories;
    return BL_OK;
}

/* Keep the contribution with the largest magnitude (first one on ties). */
static inline void track_best(model_t *m, size_t r, double c, int32_t column) {
    if (fabs(c) > fabs(m->best[r]) || m->best_column[r] < 0) {
        m->best[r] = c;
        m->best_column[r] = column;
    }
}

/* Score rows [row0, row0 + len), len <= BLOCK, into scores/reasons. */
static int score_block(model_t *m, const bl_records_t *records, size_t row0, size_t len,
                       double *scores, bl_reason_t *reasons) {
    double *z = m->z;
    int want_reasons = reasons != NULL;

    for (size_t r = 0; r < len; r++)
        z[r] = m->intercept;
    if (want_reasons)
        for (size_t r = 0; r < len; r++) {
            m->best[r] = 0;
            m->best_column[r] = -1;
        }

    for (size_t i = 0; i < m->n_features; i++) {
        const feature_t *f = &m->features[i];
        const int32_t ci = m->cache_index[i];
        const double *x = records->columns[ci].numeric + row0;
        const double w = f->weight, mean = f->mean, scale = f->scale;
        if (want_reasons) {
            for (size_t r = 0; r < len; r++)
                if (isfinite(x[r])) {
                    double c = w * (x[r] - mean) / scale;
                    z[r] += c;
                    track_best(m, r, c, ci);
                }
        } else {
            for (size_t r = 0; r < len; r++) {
                double c = w * (x[r] - mean) / scale;
                z[r] += isfinite(x[r]) ? c : 0.0;
            }
        }
    }

    for (size_t i = 0; i < m->n_cats; i++) {
        cat_feature_t *cf = &m->cats[i];
        const int32_t ci = m->cache_index[m->n_features + i];
        const bl_column_t *col = &records->columns[ci];
        int rc = cat_weights(m, cf, col);
        if (rc != BL_OK)
            return rc;
        const int32_t *codes = col->codes + row0;
        const double *wt = cf->cache_weights;
        const uint32_t nc = col->n_categories;
        for (size_t r = 0; r < len; r++) {
            int32_t code = codes[r];
            if (code < 0)
                continue; /* missing contributes 0 */
            if ((uint32_t)code >= nc) {
                bl_host_logf(m->host, BL_LOG_ERROR,
                             "score: column \"%s\" row %zu: code %d is outside its %u categories "
                             "(the records are inconsistent)",
                             cf->column, row0 + r, (int)code, (unsigned)nc);
                return BL_EINVAL;
            }
            z[r] += wt[code];
            if (want_reasons)
                track_best(m, r, wt[code], ci);
        }
    }

    for (size_t r = 0; r < len; r++) {
        double s = 1.0 / (1.0 + exp(-z[r]));
        scores[r] = isfinite(s) ? s : (z[r] > 0 ? 1.0 : 0.0);
    }
    if (want_reasons)
        for (size_t r = 0; r < len; r++) {
            reasons[r].column = m->best_column[r];
            reasons[r].contribution = (float)m->best[r];
        }
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

    for (size_t done = 0; done < n; done += BLOCK) {
        size_t len = n - done < BLOCK ? n - done : BLOCK;
        rc = score_block(m, records, first + done, len, scores_out + done,
                         reasons_out != NULL ? reasons_out + done : NULL);
        if (rc != BL_OK)
            return rc;
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
                     "Logistic regression risk model", "borderlab", "0.2.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
