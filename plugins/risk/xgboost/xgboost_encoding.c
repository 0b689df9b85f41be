/*
 * borderlab.xgboost: reading the feature encoding file (the format is
 * described at the top of xgboost.c and in the README, "risk/xgboost
 * feature encoding") into the model's features.  Every refusal is logged
 * with the file's name and the feature it is about.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "borderlab/plugin.h"
#include "xgboost.h"

#define MAX_ENCODING_BYTES (64u << 20)

static char *host_strdup(const bl_host_t *host, const char *s) {
    size_t len = strlen(s);
    char *copy = xgb_alloc(host, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

static int cmp_vocab(const void *a, const void *b) {
    return strcmp(((const vocab_entry_t *)a)->label, ((const vocab_entry_t *)b)->label);
}

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
        if ((rc = xgb_grow(host, (void **)&buf, &cap, n + 4096 + 1, 1)) != BL_OK)
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
    f->vocab = xgb_alloc(host, n * sizeof *f->vocab);
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

int xgb_parse_encoding(model_t *m, const char *path) {
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
    m->features = xgb_alloc(host, n * sizeof *m->features);
    m->cache_index = xgb_alloc(host, n * sizeof *m->cache_index);
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
