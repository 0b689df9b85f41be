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
 *
 * Files: this one holds the helpers, loading the booster, create/destroy
 * and the descriptor; xgboost_encoding.c reads the encoding file;
 * xgboost_score.c resolves, encodes and predicts; xgboost.h is what they
 * share.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <xgboost/c_api.h>

#include "borderlab/plugin.h"
#include "xgboost.h"

/* ------------------------------------------------------------------ helpers */

void *xgb_alloc(const bl_host_t *host, size_t size) {
    return host->alloc(host->ctx, size > 0 ? size : 1);
}

/* Grow *buf (elements of `size` bytes) to hold at least `need`. */
int xgb_grow(const bl_host_t *host, void **buf, size_t *capacity, size_t need, size_t size) {
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

void xgb_log(const bl_host_t *host, const char *what, const char *path) {
    const char *e = XGBGetLastError();
    bl_host_logf(host, BL_LOG_ERROR, "%s%s%s: XGBoost says: %s", what, path ? " " : "",
                 path ? path : "", e != NULL && *e != '\0' ? e : "(no message)");
}

void xgb_model_free(model_t *m) {
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
        xgb_log(host, "model", path);
        return BL_EPLUGIN;
    }
    if (XGBoosterLoadModel(m->booster, path) != 0) {
        xgb_log(host, "model", path);
        bl_host_logf(host, BL_LOG_ERROR,
                     "model %s: not a model XGBoost can load: save it from Python with "
                     "Booster.save_model(\"model.json\")",
                     path);
        return BL_EINVAL;
    }
    if (XGBoosterSetParam(m->booster, "nthread", nthread != NULL ? nthread : "1") != 0) {
        xgb_log(host, "config nthread", NULL);
        return BL_EINVAL;
    }
    if (XGBoosterGetNumFeature(m->booster, &n_model) != 0) {
        xgb_log(host, "model", path);
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

    m = xgb_alloc(host, sizeof *m);
    if (m == NULL)
        return BL_ENOMEM;
    memset(m, 0, sizeof *m);
    m->host = host;
    m->inplace = predict == NULL || strcmp(predict, "inplace") == 0;
    if ((rc = xgb_parse_encoding(m, encoding_path)) != BL_OK)
        goto out;
    if ((rc = load_booster(m, model_path, encoding_path, nthread)) != BL_OK)
        goto out;
    XGBoostVersion(&major, &minor, &patch);
    bl_host_logf(host, BL_LOG_INFO, "model %s: %zu features, XGBoost %d.%d.%d", model_path,
                 m->n_features, major, minor, patch);
    *instance = m;
    return BL_OK;
out:
    xgb_model_free(m);
    return rc;
}

static void xgb_destroy(void *instance) {
    if (instance != NULL)
        xgb_model_free(instance);
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
