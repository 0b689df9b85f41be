/*
 * Misbehaving risk model fixtures for the plugin isolation tests: one
 * source, one misbehaviour per build (README.md here says what the host
 * should record):
 *
 *   -DMISBEHAVE_RISK_CRASH  SIGSEGV (write through NULL) on row `row` (5)
 *   -DMISBEHAVE_RISK_HANG   sleeps forever on row `row` (5)
 *
 * `row` is an index into the records batch the host passes: the fixture
 * misbehaves when it is asked to score row first + k == row, whichever
 * call that is (so it fires again in every batch that holds that many rows).
 *
 * Otherwise a deterministic model that needs no configuration: the score of
 * a row is 1 / (1 + exp(-s)), s = 0.001 * the sum of its NUMERIC columns
 * (a missing or non-finite value counts as 0), and the reason, when asked
 * for, is "none" ({-1, 0}).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "borderlab/plugin.h"
#include "misbehave.h"

#if defined(MISBEHAVE_RISK_CRASH)
#define FIXTURE "risk_crash"
#define TRIGGER() fixture_crash()
#elif defined(MISBEHAVE_RISK_HANG)
#define FIXTURE "risk_hang"
#define TRIGGER() fixture_hang()
#else
#error "build with -DMISBEHAVE_RISK_CRASH or -DMISBEHAVE_RISK_HANG"
#endif

#define ID "borderlab-tests." FIXTURE
#define DEFAULT_ROW 5
#define SCALE 0.001 /* keeps sums of values in the thousands off the flat ends of the curve */

typedef struct fixture {
    uint64_t row; /* the records index that sets it off */
} fixture_t;

static int fixture_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    double v;
    fixture_t *f;
    int rc = fixture_number(config, host, ID, "row", DEFAULT_ROW, 0, FIXTURE_MAX_INTEGER, 1, &v);
    *instance = NULL;
    if (rc != BL_OK)
        return rc;
    if ((f = calloc(1, sizeof *f)) == NULL)
        return BL_ENOMEM;
    f->row = (uint64_t)v;
    *instance = f;
    return BL_OK;
}

static double row_score(const bl_records_t *records, size_t r) {
    double s = 0;
    for (uint32_t c = 0; c < records->n_columns; c++) {
        const bl_column_t *col = &records->columns[c];
        if (col->type != BL_COLUMN_NUMERIC || col->numeric == NULL)
            continue;
        double x = col->numeric[r];
        if (isfinite(x))
            s += x * SCALE;
    }
    double p = 1 / (1 + exp(-s));
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

static int fixture_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                         double *scores_out, bl_reason_t *reasons_out) {
    const fixture_t *f = instance;
    if (n == 0)
        return BL_OK;
    if (records == NULL || scores_out == NULL || first > records->n_rows ||
        n > records->n_rows - first)
        return BL_EINVAL;
    for (size_t k = 0; k < n; k++) {
        if ((uint64_t)(first + k) == f->row)
            TRIGGER();
        scores_out[k] = row_score(records, first + k);
        if (reasons_out != NULL) {
            reasons_out[k].column = -1;
            reasons_out[k].contribution = 0;
        }
    }
    return BL_OK;
}

static void fixture_destroy(void *instance) { free(instance); }

static const bl_risk_ops_t ops = {
    sizeof(bl_risk_ops_t),
    fixture_create,
    fixture_score,
    fixture_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, BL_FLAG_DETERMINISTIC, ID,
                     "Misbehaving risk model: " FIXTURE " (test)", "borderlab tests", "1.0.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
