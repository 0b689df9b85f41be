/*
 * borderlab.ffi_risk: a vendor's risk-scoring SDK with its own C API,
 * called through libffi as the scenario declares it (plugins/ffi/README.md
 * has the declaration's syntax and a full example):
 *
 *   bl.plugin{"ffi_risk", library = "/opt/vendor/lib/libvrisk.so",
 *             features = {"quantity_kg", "declared_value", ...},
 *             score = {fn = "vrisk_score", args = {"features", "n_features"},
 *                      returns = "double"}}
 *
 * create() validates the whole declaration first (every refusal is
 * BL_EINVAL with a message naming the key and what to write), then
 * dlopens the library, binds the declared symbols and calls init once.
 * score() resolves the feature columns by name against the batch's schema
 * (numeric columns only; cached by the schema's address, names re-checked
 * on every call) and calls the SDK once per row with the row's features in
 * declared order, as a double array the adapter owns.  A missing value (NaN
 * or infinite) is passed as NaN, or as the declared `missing` number.
 *
 * The SDK's number becomes the score by score_range: "probability" (as
 * is), "logit" (1 / (1 + exp(-z))) or "percent" (/ 100).  A score that is
 * then not in [0, 1] (or NaN) is an error from score() naming the row
 * (BL_EPLUGIN), never clipped; with on_invalid = "pass" it is handed on as
 * it is, and the risk_validation job records it as an invalid score (NaN,
 * counted in the model's summary).  The SDK gives no reasons: reasons_out
 * gets column -1.
 *
 * An instance is not thread-safe (scratch, schema cache); the SDK's calls
 * are serialised across instances unless the declaration says thread_safe
 * = true.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ffi/ffi_call.h"
#include "../../ffi/ffi_decl.h"
#include "borderlab/plugin.h"

#define PLUGIN "ffi_risk"

static const char *const known_keys[] = {
    "library",     "thread_safe",  "features.#",    "missing",      "score_range",
    "on_invalid",  "init.fn",      "init.args.#",   "init.returns", "init.ok",
    "score.fn",    "score.args.#", "score.returns", "score.ok",     "free.fn",
    "free.args.#", "free.returns", "free.ok",       NULL,
};
#define TOP_KEYS                                                                                   \
    "library, features, init, score, free, missing, score_range, on_invalid, thread_safe"

/* score_range: how the SDK's number becomes a 0..1 score. */
static const struct {
    const char *name;
    int range;
} ranges[] = {{"probability", 0}, {"logit", 1}, {"percent", 2}};
enum { RANGE_PROBABILITY = 0, RANGE_LOGIT = 1, RANGE_PERCENT = 2 };

typedef struct adapter {
    const bl_host_t *host;
    bl_ffi_binding_t b; /* the library, init, score and free */
    size_t n_features;
    char *features[BL_FFI_MAX_LIST]; /* column names (owned) */
    double fill;                     /* what a missing value is passed as (NaN by default) */
    int range;
    bool pass_invalid;
    double x[BL_FFI_MAX_LIST]; /* one row's features: the array the SDK reads */
    /* Schema cache: column index of each feature for cache_columns. */
    const bl_column_t *cache_columns;
    uint32_t cache_n_columns;
    uint32_t index[BL_FFI_MAX_LIST];
} adapter_t;

static int parse_features(const bl_ffi_ctx_t *ctx, adapter_t *a) {
    const char *names[BL_FFI_MAX_LIST];
    size_t n;
    int rc = bl_ffi_list(ctx, "features", names, BL_FFI_MAX_LIST, &n);
    if (rc != BL_OK)
        return rc;
    if (n == 0)
        return bl_ffi_fail(ctx,
                           "features: missing; list the numeric columns the SDK reads, in "
                           "its order, as in features = { \"quantity_kg\", \"value_per_kg\" }");
    for (size_t i = 0; i < n; i++) {
        if (names[i][0] == '\0')
            return bl_ffi_fail(ctx, "features.%zu is empty: give a column name", i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return bl_ffi_fail(ctx, "features.%zu = \"%s\": already features.%zu", i + 1,
                                   names[i], j + 1);
        if ((a->features[i] = bl_ffi_strdup(ctx->host, names[i])) == NULL)
            return BL_ENOMEM;
        a->n_features = i + 1;
    }
    return BL_OK;
}

static int parse_options(const bl_ffi_ctx_t *ctx, adapter_t *a) {
    const char *s = bl_config_get(ctx->config, "missing");
    a->fill = NAN;
    if (s != NULL && strcmp(s, "nan") != 0 && bl_parse_number(s, &a->fill) != BL_OK)
        return bl_ffi_fail(ctx,
                           "missing = \"%s\": write \"nan\" (the default) or the number the "
                           "SDK expects for a missing value, as in missing = 0",
                           s);
    s = bl_config_get(ctx->config, "score_range");
    a->range = RANGE_PROBABILITY;
    if (s != NULL) {
        int found = -1;
        for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
            if (strcmp(s, ranges[i].name) == 0)
                found = ranges[i].range;
        if (found < 0)
            return bl_ffi_fail(ctx,
                               "score_range = \"%s\": use \"probability\" (0..1 as returned), "
                               "\"logit\" (log-odds: the logistic function is applied) or "
                               "\"percent\" (0..100)",
                               s);
        a->range = found;
    }
    s = bl_config_get(ctx->config, "on_invalid");
    if (s != NULL) {
        if (strcmp(s, "pass") == 0)
            a->pass_invalid = true;
        else if (strcmp(s, "error") != 0)
            return bl_ffi_fail(ctx,
                               "on_invalid = \"%s\": use \"error\" (the default: score fails) or "
                               "\"pass\" (the run records it as an invalid score)",
                               s);
    }
    return bl_ffi_bool(ctx, "thread_safe", &a->b.thread_safe);
}

static int check_score(const bl_ffi_ctx_t *ctx, adapter_t *a) {
    const bl_ffi_fn_t *f = &a->b.verb;
    bool made;
    size_t at = 0;
    int rc;
    if ((rc = bl_ffi_check_handle(ctx, &a->b.init, f, &a->b.fini, &made)) != BL_OK)
        return rc;
    if ((rc = bl_ffi_require_one(ctx, f, BL_FFI_ARG_FEATURES, "features",
                                 "pass the row's features as \"features\" (a const double *)")) !=
        BL_OK)
        return rc;
    size_t outs = bl_ffi_fn_count(f, BL_FFI_ARG_SCORE_OUT, &at);
    if (f->ret == BL_FFI_RET_VALUE && outs > 0)
        return bl_ffi_fail(ctx,
                           "score.args.%zu = \"score_out\" and score.returns = \"%s\": the score "
                           "comes one way; keep one",
                           at + 1, bl_ffi_type_name(f->ret_type));
    if (f->ret != BL_FFI_RET_VALUE && outs == 0)
        return bl_ffi_fail(ctx, "score: nothing gives the score; declare returns = \"double\" "
                                "(or \"float\") or a score_out argument");
    if (outs > 0 &&
        (rc = bl_ffi_require_one(ctx, f, BL_FFI_ARG_SCORE_OUT, "score_out", "")) != BL_OK)
        return rc;
    for (size_t i = 0; i < f->n_args; i++) {
        bl_ffi_value_t v;
        if (f->args[i].kind == BL_FFI_ARG_N_FEATURES &&
            bl_ffi_value_set_int(f->args[i].type, (int64_t)a->n_features, &v) != BL_OK)
            return bl_ffi_fail(ctx, "score.args.%zu: %zu features do not fit in %s", i + 1,
                               a->n_features, bl_ffi_type_name(f->args[i].type));
    }
    if (made && a->b.fini.name == NULL)
        bl_host_logf(ctx->host, BL_LOG_INFO,
                     "%s: init makes a handle and no free is declared: it is never released",
                     PLUGIN);
    return BL_OK;
}

static void adapter_free(adapter_t *a) {
    const bl_host_t *host = a->host;
    bl_ffi_binding_fini(host, &a->b);
    for (size_t i = 0; i < a->n_features; i++)
        host->free(host->ctx, a->features[i]);
    host->free(host->ctx, a);
}

static int fr_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    adapter_t *a = NULL;
    if (instance == NULL)
        return BL_EINVAL;
    *instance = NULL;
    int rc = bl_ffi_instance_alloc(host, sizeof *a, (void **)&a);
    if (rc != BL_OK)
        return rc;
    a->host = host;
    bl_ffi_ctx_t ctx = {host, PLUGIN, config};

    /* 1. The declaration, all of it, before any vendor code runs. */
    if ((rc = bl_ffi_check_keys(&ctx, known_keys, TOP_KEYS)) != BL_OK ||
        (rc = bl_ffi_binding_parse(&ctx, "score", BL_FFI_SCORE, &a->b)) != BL_OK ||
        (rc = parse_features(&ctx, a)) != BL_OK || (rc = check_score(&ctx, a)) != BL_OK ||
        (rc = parse_options(&ctx, a)) != BL_OK)
        goto out;
    /* 2. The library and its symbols, then init. */
    if ((rc = bl_ffi_binding_open(&ctx, &a->b)) != BL_OK)
        goto out;
    *instance = a;
    return BL_OK;
out:
    adapter_free(a);
    return rc;
}

static void fr_destroy(void *instance) {
    if (instance != NULL)
        adapter_free(instance);
}

/* ------------------------------------------------------------------ score */

/* Column index of every feature in records (cached per schema).  BL_OK or
 * BL_EINVAL (logged) when a feature is missing or not numeric. */
static int resolve(adapter_t *a, const bl_records_t *records) {
    const bl_column_t *cols = records->columns;
    if (cols == a->cache_columns && records->n_columns == a->cache_n_columns) {
        bool same = true;
        for (size_t k = 0; k < a->n_features && same; k++)
            same = cols[a->index[k]].name != NULL &&
                   strcmp(cols[a->index[k]].name, a->features[k]) == 0;
        if (same)
            return BL_OK;
    }
    a->cache_columns = NULL;
    for (size_t k = 0; k < a->n_features; k++) {
        uint32_t c = 0;
        while (c < records->n_columns &&
               (cols[c].name == NULL || strcmp(cols[c].name, a->features[k]) != 0))
            c++;
        if (c == records->n_columns) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: score: the records have no column \"%s\" (features.%zu): name a "
                         "numeric column of the declarations",
                         PLUGIN, a->features[k], k + 1);
            return BL_EINVAL;
        }
        if (cols[c].type != BL_COLUMN_NUMERIC || cols[c].numeric == NULL) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: score: column \"%s\" (features.%zu) is not numeric: the SDK reads "
                         "doubles, so name a numeric column",
                         PLUGIN, a->features[k], k + 1);
            return BL_EINVAL;
        }
        a->index[k] = c;
    }
    a->cache_columns = cols;
    a->cache_n_columns = records->n_columns;
    return BL_OK;
}

static const char *range_name(int range) {
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (ranges[i].range == range)
            return ranges[i].name;
    return "?";
}

/* Score one row (its features already in a->x) into *score; BL_OK or BL_EPLUGIN (logged). */
static int score_one(adapter_t *a, size_t row, double *score) {
    const bl_ffi_fn_t *f = &a->b.verb;
    bl_ffi_value_t out, ret;
    size_t at = 0;
    char ok[32];
    bool via_out = bl_ffi_fn_count(f, BL_FFI_ARG_SCORE_OUT, &at) > 0;
    if (via_out) {
        bl_ffi_value_set_float(f->args[at].type, NAN, &out); /* NaN unless the SDK writes it */
        a->b.verb_call.values[at].ptr = &out;
    }
    bl_ffi_call_invoke(&a->b.verb_call, &ret);
    if (f->ret == BL_FFI_RET_STATUS) {
        int64_t st = bl_ffi_value_int(f->ret_type, &ret);
        if (!bl_ffi_fn_ok(f, st)) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: score: %s returned %lld (success is %s) on row %zu", PLUGIN, f->name,
                         (long long)st, bl_ffi_fn_ok_text(f, ok, sizeof ok), row);
            return BL_EPLUGIN;
        }
    }
    double v = via_out ? bl_ffi_value_double(f->args[at].type, &out)
                       : bl_ffi_value_double(f->ret_type, &ret);
    double s = v;
    if (a->range == RANGE_LOGIT)
        s = 1.0 / (1.0 + exp(-v));
    else if (a->range == RANGE_PERCENT)
        s = v / 100.0;
    if (!(s >= 0.0 && s <= 1.0) && !a->pass_invalid) {
        bl_host_logf(a->host, BL_LOG_ERROR,
                     "%s: score: %s gave %g on row %zu, not a score in [0, 1] with score_range "
                     "= \"%s\": declare the SDK's scale (score_range = \"logit\" or "
                     "\"percent\"), or on_invalid = \"pass\"",
                     PLUGIN, f->name, v, row, range_name(a->range));
        return BL_EPLUGIN;
    }
    *score = s;
    return BL_OK;
}

static int fr_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                    double *scores_out, bl_reason_t *reasons_out) {
    adapter_t *a = instance;
    int rc = BL_OK;
    if (a == NULL)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    if (records == NULL || scores_out == NULL || records->size < sizeof(bl_records_t) ||
        (records->n_columns > 0 && records->columns == NULL) || first > records->n_rows ||
        n > records->n_rows - first) {
        bl_host_logf(a->host, BL_LOG_ERROR, "%s: score: rows %zu..%zu are not in the batch", PLUGIN,
                     first, first + n - 1);
        return BL_EINVAL;
    }
    if ((rc = resolve(a, records)) != BL_OK)
        return rc;
    const bl_ffi_fn_t *f = &a->b.verb;
    bl_ffi_value_t *v = a->b.verb_call.values;
    for (size_t i = 0; i < f->n_args; i++) {
        const bl_ffi_arg_t *arg = &f->args[i];
        if (arg->kind == BL_FFI_ARG_HANDLE)
            v[i].ptr = a->b.handle;
        else if (arg->kind == BL_FFI_ARG_FEATURES)
            v[i].ptr = a->x;
        else if (arg->kind == BL_FFI_ARG_N_FEATURES)
            bl_ffi_value_set_int(arg->type, (int64_t)a->n_features, &v[i]); /* fits: checked */
    }
    bl_ffi_lock(a->b.thread_safe);
    for (size_t r = 0; r < n && rc == BL_OK; r++) {
        size_t row = first + r;
        for (size_t k = 0; k < a->n_features; k++) {
            double x = records->columns[a->index[k]].numeric[row];
            a->x[k] = isfinite(x) ? x : a->fill;
        }
        rc = score_one(a, row, &scores_out[r]);
        if (reasons_out != NULL)
            reasons_out[r] = (bl_reason_t){-1, 0.0f};
    }
    bl_ffi_unlock(a->b.thread_safe);
    return rc;
}

static const bl_risk_ops_t ops = {
    sizeof(bl_risk_ops_t),
    fr_create,
    fr_score,
    fr_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, 0, "borderlab.ffi_risk",
                     "libffi adapter for a vendor risk-scoring SDK", "borderlab", "0.1.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
