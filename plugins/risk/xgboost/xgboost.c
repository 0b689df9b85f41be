/*
 * borderlab.xgboost: gradient-boosted trees trained elsewhere (Python,
 * R...), scored unchanged through XGBoost's C API.
 *
 * Config:
 *   model     path to the booster as Booster.save_model("model.json") wrote it
 *             (any format XGBoosterLoadModel reads: JSON, UBJSON, binary)
 *   encoding  path to the feature encoding (README: "risk/xgboost feature
 *             encoding"): for each model feature, in model order, its source
 *             column and either numeric scaling or a categorical vocabulary
 *   nthread   optional: threads XGBoost may use per call (default 1, since
 *             the host already runs one instance per worker thread; 0 =
 *             XGBoost's own default, all cores)
 *   predict   optional: "inplace" (default, XGBoosterPredictFromDense) or
 *             "dmatrix" (XGDMatrixCreateFromMat + XGBoosterPredictFromDMatrix)
 *
 * Encoding, per feature (every value becomes a float, as XGBoost sees it):
 *   numeric      float((x - offset) * scale), computed in double; a NaN or
 *                infinite x is missing
 *   categorical  float(vocabulary[label]); a label not in the vocabulary
 *                gives the "unseen" code (missing when "unseen" is null);
 *                code -1 (no label) is missing
 *   missing      NaN, which XGBoost routes down each split's default branch
 *
 * At score time the encoding's columns are resolved by name against the
 * batch schema (cached by the column array's address, names re-checked on
 * every call).  A categorical column's codes index the batch's own labels;
 * each feature caches the map from batch code to model code for the last
 * (categories pointer, n_categories) it saw, so labels are looked up once
 * per dictionary, not per row.  The label at a code must not change while
 * that pointer and count stay the same (records.h dictionaries only grow).
 *
 * reasons_out, when asked for, names the column of the feature with the
 * largest |SHAP contribution| (XGBoost's TreeSHAP, in log-odds).
 *
 * Deterministic.  Not flagged thread-safe: XGBoost's prediction itself is
 * safe to call concurrently on one booster since 1.4, but an instance keeps
 * a feature buffer and schema caches that one call rewrites; the host gives
 * each thread its own instance.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <xgboost/c_api.h>

#include "borderlab/plugin.h"

#define MAX_ENCODING_BYTES (64u << 20)

enum { KIND_NUMERIC = 1, KIND_CATEGORICAL = 2 };

typedef struct vocab_entry {
    char *label; /* owned */
    float code;
} vocab_entry_t;

typedef struct feature {
    char *name;   /* owned: the model's feature name */
    char *column; /* owned: the source column */
    int kind;
    double scale, offset; /* numeric */
    size_t n_vocab;       /* categorical: entries sorted by label */
    vocab_entry_t *vocab;
    float unseen; /* NaN when the encoding says null */
    /* Batch code -> model code for map_categories/map_n (categorical). */
    const char *const *map_categories;
    uint32_t map_n;
    int map_valid;
    float *map;
    size_t map_capacity;
} feature_t;

typedef struct model {
    const bl_host_t *host;
    BoosterHandle booster;
    int inplace; /* predict through XGBoosterPredictFromDense */
    size_t n_features;
    feature_t *features;
    /* Schema cache: column index of each feature for cache_columns. */
    const bl_column_t *cache_columns;
    uint32_t cache_n_columns;
    int32_t *cache_index;
    /* Dense row-major feature matrix for one call, grown as needed. */
    float *matrix;
    size_t matrix_capacity; /* floats */
} model_t;

/* Prediction settings (XGBoosterPredictFromDMatrix): 0 = values, 2 = SHAP contributions. */
static const char *const PREDICT_CONFIG =
    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
    "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
static const char *const CONTRIB_CONFIG =
    "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
    "\"strict_shape\": false}";

/* ------------------------------------------------------------------ helpers */

static void *host_alloc(const bl_host_t *host, size_t size) {
    return host->alloc(host->ctx, size > 0 ? size : 1);
}

static char *host_strdup(const bl_host_t *host, const char *s) {
    size_t len = strlen(s);
    char *copy = host_alloc(host, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

/* Grow *buf (elements of `size` bytes) to hold at least `need`. */
static int grow(const bl_host_t *host, void **buf, size_t *capacity, size_t need, size_t size) {
    if (need <= *capacity)
        return BL_OK;
    size_t cap = *capacity > 0 ? *capacity : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > SIZE_MAX / size)
        return BL_ENOMEM;
    void *p = host->realloc(host->ctx, *buf, cap * size);
    if (p == NULL)
        return BL_ENOMEM;
    *buf = p;
    *capacity = cap;
    return BL_OK;
}

static void log_xgb(const bl_host_t *host, const char *what, const char *path) {
    const char *e = XGBGetLastError();
    bl_host_logf(host, BL_LOG_ERROR, "%s%s%s: XGBoost says: %s", what, path ? " " : "",
                 path ? path : "", e != NULL && *e != '\0' ? e : "(no message)");
}

static int cmp_vocab(const void *a, const void *b) {
    return strcmp(((const vocab_entry_t *)a)->label, ((const vocab_entry_t *)b)->label);
}

static void model_free(model_t *m) {
    const bl_host_t *host = m->host;
    for (size_t i = 0; i < m->n_features; i++) {
        feature_t *f = &m->features[i];
        for (size_t j = 0; j < f->n_vocab; j++)
            host->free(host->ctx, f->vocab[j].label);
        host->free(host->ctx, f->vocab);
        host->free(host->ctx, f->map);
        host->free(host->ctx, f->name);
        host->free(host->ctx, f->column);
    }
    host->free(host->ctx, m->features);
    host->free(host->ctx, m->cache_index);
    host->free(host->ctx, m->matrix);
    if (m->booster != NULL)
        XGBoosterFree(m->booster);
    host->free(host->ctx, m);
}

/* ------------------------------------------------------------------ encoding */

/* Read a whole file into a host-allocated, NUL-terminated buffer. */
static int read_file(const bl_host_t *host, const char *path, char **text, size_t *len) {
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = BL_OK;

    *text = NULL;
    if (fp == NULL) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "encoding %s: cannot open (%s): check the path given as config encoding=...",
                     path, strerror(errno));
        return errno == ENOENT ? BL_ENOTFOUND : BL_EIO;
    }
    for (;;) {
        if ((rc = grow(host, (void **)&buf, &cap, n + 4096 + 1, 1)) != BL_OK)
            goto out;
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
        if (n > MAX_ENCODING_BYTES) {
            bl_host_logf(host, BL_LOG_ERROR,
                         "encoding %s: larger than %u MiB: is it the right file?", path,
                         MAX_ENCODING_BYTES >> 20);
            rc = BL_EINVAL;
            goto out;
        }
    }
    if (ferror(fp)) {
        bl_host_logf(host, BL_LOG_ERROR, "encoding %s: read error", path);
        rc = BL_EIO;
        goto out;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
out:
    host->free(host->ctx, buf);
    fclose(fp);
    return rc;
}

/* A JSON number that is a whole float-exact code (|code| <= 2^24). */
static int is_code(const cJSON *item) {
    if (!cJSON_IsNumber(item))
        return 0;
    double v = item->valuedouble;
    return isfinite(v) && v == floor(v) && fabs(v) <= 16777216.0;
}

/* Refuse keys other than `known` (a NULL-terminated list) in object o. */
static int check_keys(const bl_host_t *host, const char *path, const char *where, const cJSON *o,
                      const char *const *known, const char *known_text) {
    const cJSON *item;
    cJSON_ArrayForEach(item, o) {
        int ok = 0;
        for (size_t k = 0; known[k] != NULL && !ok; k++)
            ok = item->string != NULL && strcmp(item->string, known[k]) == 0;
        if (!ok) {
            bl_host_logf(host, BL_LOG_ERROR, "encoding %s: %s: unknown key \"%s\" (known: %s)",
                         path, where, item->string ? item->string : "", known_text);
            return BL_EINVAL;
        }
    }
    return BL_OK;
}

static int parse_categorical(const bl_host_t *host, const char *path, const char *where,
                             const cJSON *jf, feature_t *f) {
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(jf, "vocabulary");
    const cJSON *unseen = cJSON_GetObjectItemCaseSensitive(jf, "unseen");
    const cJSON *item;

    if (!cJSON_IsObject(vocab)) {
        bl_host_logf(
            host, BL_LOG_ERROR,
            "encoding %s: %s: a categorical feature needs \"vocabulary\": {\"label\": code, ...}",
            path, where);
        return BL_EINVAL;
    }
    if (unseen == NULL || cJSON_IsNull(unseen))
        f->unseen = NAN;
    else if (is_code(unseen))
        f->unseen = (float)unseen->valuedouble;
    else {
        bl_host_logf(host, BL_LOG_ERROR,
                     "encoding %s: %s: \"unseen\" must be a whole number (the code for labels not "
                     "in the vocabulary) or null (missing)",
                     path, where);
        return BL_EINVAL;
    }
    size_t n = (size_t)cJSON_GetArraySize(vocab);
    f->vocab = host_alloc(host, n * sizeof *f->vocab);
    if (f->vocab == NULL)
        return BL_ENOMEM;
    cJSON_ArrayForEach(item, vocab) {
        if (!is_code(item)) {
            bl_host_logf(
                host, BL_LOG_ERROR,
                "encoding %s: %s: vocabulary \"%s\" must map to a whole number (|code| <= 2^24)",
                path, where, item->string);
            return BL_EINVAL;
        }
        vocab_entry_t *e = &f->vocab[f->n_vocab];
        e->code = (float)item->valuedouble;
        if ((e->label = host_strdup(host, item->string)) == NULL)
            return BL_ENOMEM;
        f->n_vocab++;
    }
    qsort(f->vocab, f->n_vocab, sizeof *f->vocab, cmp_vocab);
    for (size_t j = 1; j < f->n_vocab; j++)
        if (strcmp(f->vocab[j - 1].label, f->vocab[j].label) == 0) {
            bl_host_logf(host, BL_LOG_ERROR,
                         "encoding %s: %s: vocabulary label \"%s\" is given twice", path, where,
                         f->vocab[j].label);
            return BL_EINVAL;
        }
    return BL_OK;
}

static int parse_numeric(const bl_host_t *host, const char *path, const char *where,
                         const cJSON *jf, feature_t *f) {
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(jf, "scale");
    const cJSON *offset = cJSON_GetObjectItemCaseSensitive(jf, "offset");

    f->scale = 1;
    f->offset = 0;
    if (scale != NULL) {
        if (!cJSON_IsNumber(scale) || !isfinite(scale->valuedouble) || scale->valuedouble == 0) {
            bl_host_logf(host, BL_LOG_ERROR,
                         "encoding %s: %s: \"scale\" must be a finite, non-zero number", path,
                         where);
            return BL_EINVAL;
        }
        f->scale = scale->valuedouble;
    }
    if (offset != NULL) {
        if (!cJSON_IsNumber(offset) || !isfinite(offset->valuedouble)) {
            bl_host_logf(host, BL_LOG_ERROR, "encoding %s: %s: \"offset\" must be a finite number",
                         path, where);
            return BL_EINVAL;
        }
        f->offset = offset->valuedouble;
    }
    return BL_OK;
}

static int parse_encoding(model_t *m, const char *path) {
    static const char *const top_keys[] = {"features", "objective", "description", NULL};
    static const char *const numeric_keys[] = {"name", "column", "kind", "scale", "offset", NULL};
    static const char *const categorical_keys[] = {"name",       "column", "kind",
                                                   "vocabulary", "unseen", NULL};
    const bl_host_t *host = m->host;
    char *text = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    const cJSON *features, *jf;
    int rc;

    if ((rc = read_file(host, path, &text, &len)) != BL_OK)
        return rc;
    root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t line = 1;
        for (const char *p = text; at != NULL && p < at && p < text + len; p++)
            line += *p == '\n';
        bl_host_logf(host, BL_LOG_ERROR, "encoding %s: line %zu: not valid JSON", path, line);
        rc = BL_EINVAL;
        goto out;
    }
    features = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(features) || cJSON_GetArraySize(features) == 0) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "encoding %s: expected an object with a non-empty \"features\" array (README: "
                     "risk/xgboost feature encoding)",
                     path);
        rc = BL_EINVAL;
        goto out;
    }
    if ((rc = check_keys(host, path, "top level", root, top_keys,
                         "features, objective, description")) != BL_OK)
        goto out;

    size_t n = (size_t)cJSON_GetArraySize(features);
    m->features = host_alloc(host, n * sizeof *m->features);
    m->cache_index = host_alloc(host, n * sizeof *m->cache_index);
    if (m->features == NULL || m->cache_index == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    memset(m->features, 0, n * sizeof *m->features);
    cJSON_ArrayForEach(jf, features) {
        size_t i = m->n_features;
        feature_t *f = &m->features[i];
        char where[160];
        m->n_features++; /* counted now so model_free releases a half-parsed one */
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(jf, "name");
        const cJSON *column = cJSON_GetObjectItemCaseSensitive(jf, "column");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(jf, "kind");
        snprintf(where, sizeof where, "feature %zu", i);
        if (!cJSON_IsObject(jf) || !cJSON_IsString(column) || column->valuestring[0] == '\0' ||
            !cJSON_IsString(kind)) {
            bl_host_logf(host, BL_LOG_ERROR,
                         "encoding %s: %s: needs \"column\" (a column name) and \"kind\" "
                         "(\"numeric\" or \"categorical\")",
                         path, where);
            rc = BL_EINVAL;
            goto out;
        }
        if (name != NULL && !cJSON_IsString(name)) {
            bl_host_logf(host, BL_LOG_ERROR, "encoding %s: %s: \"name\" must be a string", path,
                         where);
            rc = BL_EINVAL;
            goto out;
        }
        /* The model's feature name defaults to the column's. */
        const char *fname = name != NULL ? name->valuestring : column->valuestring;
        snprintf(where, sizeof where, "feature %zu \"%s\" (column \"%s\")", i, fname,
                 column->valuestring);
        f->name = host_strdup(host, fname);
        f->column = host_strdup(host, column->valuestring);
        if (f->name == NULL || f->column == NULL) {
            rc = BL_ENOMEM;
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->features[j].name, f->name) == 0) {
                bl_host_logf(host, BL_LOG_ERROR,
                             "encoding %s: %s: the name is given twice (features %zu and %zu)",
                             path, where, j, i);
                rc = BL_EINVAL;
                goto out;
            }
        if (strcmp(kind->valuestring, "numeric") == 0) {
            f->kind = KIND_NUMERIC;
            if ((rc = check_keys(host, path, where, jf, numeric_keys,
                                 "name, column, kind, scale, offset")) != BL_OK ||
                (rc = parse_numeric(host, path, where, jf, f)) != BL_OK)
                goto out;
        } else if (strcmp(kind->valuestring, "categorical") == 0) {
            f->kind = KIND_CATEGORICAL;
            if ((rc = check_keys(host, path, where, jf, categorical_keys,
                                 "name, column, kind, vocabulary, unseen")) != BL_OK ||
                (rc = parse_categorical(host, path, where, jf, f)) != BL_OK)
                goto out;
        } else {
            bl_host_logf(host, BL_LOG_ERROR,
                         "encoding %s: %s: kind \"%s\" is neither \"numeric\" nor \"categorical\"",
                         path, where, kind->valuestring);
            rc = BL_EINVAL;
            goto out;
        }
    }
    const cJSON *objective = cJSON_GetObjectItemCaseSensitive(root, "objective");
    if (objective != NULL && !cJSON_IsString(objective)) {
        bl_host_logf(host, BL_LOG_ERROR, "encoding %s: \"objective\" must be a string", path);
        rc = BL_EINVAL;
    }
out:
    cJSON_Delete(root);
    host->free(host->ctx, text);
    return rc;
}

/* ------------------------------------------------------------------ booster */

/* The objective the booster was trained with, into out (empty if unknown). */
static void booster_objective(BoosterHandle b, char *out, size_t size) {
    bst_ulong len = 0;
    const char *config = NULL;
    out[0] = '\0';
    if (XGBoosterSaveJsonConfig(b, &len, &config) != 0 || config == NULL)
        return;
    cJSON *root = cJSON_ParseWithLength(config, (size_t)len);
    const cJSON *learner = cJSON_GetObjectItemCaseSensitive(root, "learner");
    const cJSON *objective = cJSON_GetObjectItemCaseSensitive(learner, "objective");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(objective, "name");
    if (cJSON_IsString(name))
        snprintf(out, size, "%s", name->valuestring);
    cJSON_Delete(root);
}

static int load_booster(model_t *m, const char *path, const char *encoding_path,
                        const char *nthread) {
    const bl_host_t *host = m->host;
    bst_ulong n_model = 0, n_names = 0;
    const char **names = NULL;
    char objective[64];
    FILE *fp = fopen(path, "rb");

    if (fp == NULL) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "model %s: cannot open (%s): check the path given as config model=...", path,
                     strerror(errno));
        return errno == ENOENT ? BL_ENOTFOUND : BL_EIO;
    }
    fclose(fp);
    if (XGBoosterCreate(NULL, 0, &m->booster) != 0) {
        log_xgb(host, "model", path);
        return BL_EPLUGIN;
    }
    if (XGBoosterLoadModel(m->booster, path) != 0) {
        log_xgb(host, "model", path);
        bl_host_logf(host, BL_LOG_ERROR,
                     "model %s: not a model XGBoost can load: save it from Python with "
                     "Booster.save_model(\"model.json\")",
                     path);
        return BL_EINVAL;
    }
    if (XGBoosterSetParam(m->booster, "nthread", nthread != NULL ? nthread : "1") != 0) {
        log_xgb(host, "config nthread", NULL);
        return BL_EINVAL;
    }
    if (XGBoosterGetNumFeature(m->booster, &n_model) != 0) {
        log_xgb(host, "model", path);
        return BL_EINVAL;
    }
    if ((size_t)n_model != m->n_features) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "encoding %s lists %zu features but model %s has %zu: write the encoding for "
                     "this model (one entry per model feature, in order)",
                     encoding_path, m->n_features, path, (size_t)n_model);
        return BL_EINVAL;
    }
    /* When the model knows its feature names, they must match, in order. */
    if (XGBoosterGetStrFeatureInfo(m->booster, "feature_name", &n_names, &names) == 0 &&
        n_names > 0) {
        for (size_t i = 0; i < m->n_features && i < (size_t)n_names; i++)
            if (strcmp(names[i], m->features[i].name) != 0) {
                bl_host_logf(host, BL_LOG_ERROR,
                             "encoding %s: feature %zu is \"%s\" but model %s calls it \"%s\": "
                             "list the features in the model's order",
                             encoding_path, i, m->features[i].name, path, names[i]);
                return BL_EINVAL;
            }
    }
    booster_objective(m->booster, objective, sizeof objective);
    if (strcmp(objective, "binary:logistic") != 0 && strcmp(objective, "reg:logistic") != 0 &&
        strcmp(objective, "binary:hinge") != 0) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "model %s: objective \"%s\" does not give scores in [0, 1]: train with "
                     "objective binary:logistic",
                     path, objective);
        return BL_EINVAL;
    }
    return BL_OK;
}

/* ------------------------------------------------------------------ create */

static int xgb_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    model_t *m;
    int rc;
    int major = 0, minor = 0, patch = 0;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->realloc == NULL || host->free == NULL)
        return BL_EINVAL;
    const char *model_path = bl_config_get(config, "model");
    const char *encoding_path = bl_config_get(config, "encoding");
    const char *nthread = bl_config_get(config, "nthread");
    const char *predict = bl_config_get(config, "predict");
    if (model_path == NULL || encoding_path == NULL) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "config: risk/xgboost needs model=PATH (XGBoost model JSON) and encoding=PATH "
                     "(feature encoding JSON, see the README)");
        return BL_EINVAL;
    }
    if (nthread != NULL) {
        double v;
        if (bl_parse_number(nthread, &v) != BL_OK || v < 0 || v != floor(v) || v > 4096) {
            bl_host_logf(
                host, BL_LOG_ERROR,
                "config nthread = \"%s\": expected a whole number >= 0 (0: XGBoost's default)",
                nthread);
            return BL_EINVAL;
        }
    }
    if (predict != NULL && strcmp(predict, "inplace") != 0 && strcmp(predict, "dmatrix") != 0) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "config predict = \"%s\": expected \"inplace\" or \"dmatrix\"", predict);
        return BL_EINVAL;
    }
    for (size_t i = 0; config != NULL && i < config->n; i++) {
        const char *k = config->keys[i];
        if (k != NULL && strcmp(k, "model") != 0 && strcmp(k, "encoding") != 0 &&
            strcmp(k, "nthread") != 0 && strcmp(k, "predict") != 0) {
            bl_host_logf(
                host, BL_LOG_ERROR,
                "config %s: unknown key (risk/xgboost takes model, encoding, nthread, predict)", k);
            return BL_EINVAL;
        }
    }

    m = host_alloc(host, sizeof *m);
    if (m == NULL)
        return BL_ENOMEM;
    memset(m, 0, sizeof *m);
    m->host = host;
    m->inplace = predict == NULL || strcmp(predict, "inplace") == 0;
    if ((rc = parse_encoding(m, encoding_path)) != BL_OK)
        goto out;
    if ((rc = load_booster(m, model_path, encoding_path, nthread)) != BL_OK)
        goto out;
    XGBoostVersion(&major, &minor, &patch);
    bl_host_logf(host, BL_LOG_INFO, "model %s: %zu features, XGBoost %d.%d.%d", model_path,
                 m->n_features, major, minor, patch);
    *instance = m;
    return BL_OK;
out:
    model_free(m);
    return rc;
}

static void xgb_destroy(void *instance) {
    if (instance != NULL)
        model_free(instance);
}

/* ------------------------------------------------------------------ score */

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
    if (grow(m->host, (void **)&f->map, &f->map_capacity, c->n_categories, sizeof *f->map) != BL_OK)
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
    if ((rc = grow(m->host, (void **)&m->matrix, &m->matrix_capacity, n * nf, sizeof(float))) !=
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
        log_xgb(m->host, "score: XGBoosterPredictFromDense", NULL);
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
        log_xgb(m->host, "score: XGBoosterPredictFromDMatrix", NULL);
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

static int xgb_score(void *instance, const bl_records_t *records, size_t first, size_t n,
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
            log_xgb(m->host, "score: XGDMatrixCreateFromMat", NULL);
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

static const bl_risk_ops_t ops = {
    sizeof(bl_risk_ops_t),
    xgb_create,
    xgb_score,
    xgb_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, BL_FLAG_DETERMINISTIC, "borderlab.xgboost",
                     "XGBoost gradient-boosted trees risk model", "borderlab", "0.1.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
