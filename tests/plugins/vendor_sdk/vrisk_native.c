/*
 * vendor.vrisk_native: the fixture risk SDK's model (vrisk_algo.c) as a
 * native borderlab plugin.  Run beside borderlab.ffi_risk over the SDK, it
 * must give the same scores bit for bit (tests/unit/test_ffi_adapter.c,
 * tests/scenario/ffi_adapter.sh).
 *
 * Config keys: features.1 .. features.N (numeric columns, in the model's
 * order), coefficients ("bias=B;w=W1,..."; default: the SDK's built-in model cut
 * to N weights), missing ("nan", the default, or the number a missing
 * value is replaced by).  Reasons: none (column -1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "vrisk_algo.h"

typedef struct native {
    const bl_host_t *host;
    vrisk_model_t model;
    int n;
    char names[VRISK_MAX][64];
    double fill;
} native_t;

static int vr_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    native_t *d;
    *instance = NULL;
    if ((d = host->alloc(host->ctx, sizeof *d)) == NULL)
        return BL_ENOMEM;
    memset(d, 0, sizeof *d);
    d->host = host;
    d->fill = NAN;
    for (int i = 0; i < VRISK_MAX; i++) {
        char key[32];
        snprintf(key, sizeof key, "features.%d", i + 1);
        const char *s = bl_config_get(config, key);
        if (s == NULL)
            break;
        snprintf(d->names[i], sizeof d->names[i], "%s", s);
        d->n = i + 1;
    }
    const char *model = bl_config_get(config, "coefficients"),
               *missing = bl_config_get(config, "missing");
    int bad = d->n == 0;
    if (!bad)
        bad = model != NULL ? vrisk_algo_parse(model, &d->model) != 0 || d->model.n != d->n
                            : vrisk_algo_default(&d->model, d->n) != 0;
    if (!bad && missing != NULL && strcmp(missing, "nan") != 0)
        bad = bl_parse_number(missing, &d->fill) != BL_OK;
    if (bad) {
        bl_host_logf(host, BL_LOG_ERROR, "vrisk_native: bad features, model or missing");
        host->free(host->ctx, d);
        return BL_EINVAL;
    }
    *instance = d;
    return BL_OK;
}

static void vr_destroy(void *instance) {
    native_t *d = instance;
    if (d != NULL)
        d->host->free(d->host->ctx, d);
}

static int vr_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                    double *scores_out, bl_reason_t *reasons_out) {
    native_t *d = instance;
    const double *cols[VRISK_MAX];
    if (n == 0)
        return BL_OK;
    for (int k = 0; k < d->n; k++) {
        cols[k] = NULL;
        for (uint32_t c = 0; c < records->n_columns; c++)
            if (strcmp(records->columns[c].name, d->names[k]) == 0 &&
                records->columns[c].type == BL_COLUMN_NUMERIC)
                cols[k] = records->columns[c].numeric;
        if (cols[k] == NULL) {
            bl_host_logf(d->host, BL_LOG_ERROR, "vrisk_native: no numeric column \"%s\"",
                         d->names[k]);
            return BL_EINVAL;
        }
    }
    for (size_t r = 0; r < n; r++) {
        double x[VRISK_MAX];
        for (int k = 0; k < d->n; k++) {
            double v = cols[k][first + r];
            x[k] = isfinite(v) ? v : d->fill;
        }
        scores_out[r] = vrisk_algo_score(&d->model, x, d->n);
        if (reasons_out != NULL)
            reasons_out[r] = (bl_reason_t){-1, 0.0f};
    }
    return BL_OK;
}

static const bl_risk_ops_t ops = {sizeof(bl_risk_ops_t), vr_create, vr_score, vr_destroy};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, BL_FLAG_DETERMINISTIC, "vendor.vrisk_native",
                     "RiskRank (native build)", "fixture vendor", "2.1"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
