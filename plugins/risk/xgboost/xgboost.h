/*
 * What xgboost.c (the plugin: helpers, loading the booster, create and
 * destroy, the descriptor), xgboost_encoding.c (reading the feature
 * encoding) and xgboost_score.c (resolving, encoding and predicting)
 * share.  Internal to the plugin: only bl_plugin_entry is exported.
 */
#ifndef BL_XGBOOST_H
#define BL_XGBOOST_H

#include <stddef.h>
#include <stdint.h>

#include <xgboost/c_api.h>

#include "borderlab/plugin.h"

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

/* The host's allocator (size 0 is allocated as 1); NULL when out of
 * memory.  Release with host->free. */
void *xgb_alloc(const bl_host_t *host, size_t size);

/* Grow *buf (elements of `size` bytes, host-allocated) to hold at least
 * `need`, doubling from 64.  BL_OK or BL_ENOMEM (*buf is kept then). */
int xgb_grow(const bl_host_t *host, void **buf, size_t *capacity, size_t need, size_t size);

/* Log "WHAT [PATH]: XGBoost says: ..." with XGBoost's last error (path may
 * be NULL). */
void xgb_log(const bl_host_t *host, const char *what, const char *path);

/* Release m and everything it owns, the booster included (a half-built m
 * is fine). */
void xgb_model_free(model_t *m);

/*
 * Read the encoding file at path into m->features and m->n_features (and
 * size m->cache_index); every refusal is logged with the path.  m (host
 * set) stays the caller's: on failure xgb_model_free releases what was
 * read.  BL_OK, BL_ENOTFOUND (no such file), BL_EIO, BL_EINVAL (not an
 * encoding), BL_ENOMEM.
 */
int xgb_parse_encoding(model_t *m, const char *path);

/* The plugin's score (bl_risk_ops_t): rows [first, first + n) of records
 * into scores_out (and reasons_out when not NULL), both host-owned. */
int xgb_score(void *instance, const bl_records_t *records, size_t first, size_t n,
              double *scores_out, bl_reason_t *reasons_out);

#endif
