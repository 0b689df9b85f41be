/*
 * `make bench`: records/s scored by the risk-model plugins over 1,000,000
 * synthetic declarations held in memory, in batches of 4096 rows, through
 * the real loader (one instance, one calling thread):
 *
 *   - risk/logistic with weights on the four numeric columns; the issue's
 *     target is at least 1 million records/s;
 *   - risk/xgboost with the committed fixture model (tests/fixtures/xgboost:
 *     20 trees of depth 4 over 6 features), in-place prediction with
 *     nthread=1 (the plugin's default) and nthread=0 (XGBoost's default,
 *     all cores), and the same through a DMatrix (predict=dmatrix).  The
 *     all-cores figures collapse when other work keeps the cores busy.
 *
 * Each figure is the best of 3 passes over all rows (the first pass also
 * warms the caches).  The declarations come from a fixed seed, with missing
 * cells and categorical labels in a batch dictionary of their own.
 *
 * Run with top_builddir (plugins) and top_srcdir (fixture) set; make bench
 * does.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loader.h"
#include "rng.h"

#define N_ROWS 1000000
#define BATCH 4096
#define PASSES 3
#define LOGISTIC_TARGET 1e6

static const char *const origins[] = {"CN", "VN", "IN", "TR", "DE", "US", "BR", "ZZ"};
static const char *const hs_codes[] = {"6109", "8517", "0901", "0302",
                                       "2402", "8703", "9403", "0000"};

typedef struct declarations {
    double *value_usd, *weight_kg, *tariff_rate, *prior;
    int32_t *origin, *hs_code, *id;
    bl_column_t columns[7];
    bl_records_t records;
} declarations_t;

static int declarations_make(declarations_t *d, size_t n) {
    bl_rng_t rng;
    static const double tariff[] = {0.16, 0.05, 0.03, 0.08, 0.35, 0.10, 0.06, 0.12};
    memset(d, 0, sizeof *d);
    d->value_usd = malloc(n * sizeof(double));
    d->weight_kg = malloc(n * sizeof(double));
    d->tariff_rate = malloc(n * sizeof(double));
    d->prior = malloc(n * sizeof(double));
    d->origin = malloc(n * sizeof(int32_t));
    d->hs_code = malloc(n * sizeof(int32_t));
    d->id = malloc(n * sizeof(int32_t));
    if (!d->value_usd || !d->weight_kg || !d->tariff_rate || !d->prior || !d->origin ||
        !d->hs_code || !d->id)
        return -1;
    bl_rng_init(&rng, 20240504, 0, 1);
    for (size_t i = 0; i < n; i++) {
        double u = bl_rng_uniform(&rng);
        int32_t hs = (int32_t)(bl_rng_next(&rng) % 8);
        d->value_usd[i] = u < 0.04 ? NAN : round(exp(8.0 + 1.2 * bl_rng_normal(&rng)) * 100) / 100;
        d->weight_kg[i] = u > 0.94 ? NAN : exp(5.5 + bl_rng_normal(&rng));
        d->tariff_rate[i] = tariff[hs];
        d->prior[i] = (double)(bl_rng_next(&rng) % 5);
        d->origin[i] = u > 0.03 && u < 0.06 ? -1 : (int32_t)(bl_rng_next(&rng) % 8);
        d->hs_code[i] = u > 0.5 && u < 0.52 ? -1 : hs;
        d->id[i] = (int32_t)i;
    }
    d->columns[0] = (bl_column_t){"declaration_id", BL_COLUMN_IDENTIFIER, 0, NULL, d->id, NULL};
    d->columns[1] = (bl_column_t){"origin", BL_COLUMN_CATEGORICAL, 8, NULL, d->origin, origins};
    d->columns[2] = (bl_column_t){"hs_code", BL_COLUMN_CATEGORICAL, 8, NULL, d->hs_code, hs_codes};
    d->columns[3] = (bl_column_t){"value_usd", BL_COLUMN_NUMERIC, 0, d->value_usd, NULL, NULL};
    d->columns[4] = (bl_column_t){"weight_kg", BL_COLUMN_NUMERIC, 0, d->weight_kg, NULL, NULL};
    d->columns[5] = (bl_column_t){"tariff_rate", BL_COLUMN_NUMERIC, 0, d->tariff_rate, NULL, NULL};
    d->columns[6] = (bl_column_t){"prior_inspections", BL_COLUMN_NUMERIC, 0, d->prior, NULL, NULL};
    d->records = (bl_records_t){(uint32_t)sizeof(bl_records_t), 7, n, d->columns};
    return 0;
}

static void declarations_free(declarations_t *d) {
    free(d->value_usd);
    free(d->weight_kg);
    free(d->tariff_rate);
    free(d->prior);
    free(d->origin);
    free(d->hs_code);
    free(d->id);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Load so (under build), create with config, score every row PASSES times;
 * the best pass in records/s into *rate and the mean score into *mean.
 */
static int bench_plugin(const char *build, const char *so, size_t n_config, const char *const *keys,
                        const char *const *values, const declarations_t *d, double *scores,
                        double *rate, double *mean) {
    char path[4096];
    bl_plugin_handle_t h;
    bl_host_services_t hs;
    bl_error_t err;
    void *inst = NULL;
    int rc;

    snprintf(path, sizeof path, "%s/%s", build, so);
    bl_error_clear(&err);
    if ((rc = bl_plugin_load(&h, path, BL_KIND_RISK, &err)) != BL_OK) {
        fprintf(stderr, "bench_risk: %s\n", err.message);
        return rc;
    }
    const bl_risk_ops_t *ops = h.desc->risk;
    bl_host_services_init(&hs, 1, 0, 0, NULL, h.desc->header.id);
    bl_config_t config = {n_config, keys, values};
    if ((rc = ops->create(&config, &hs.host, &inst)) != BL_OK) {
        fprintf(stderr, "bench_risk: %s: create returned %d\n", path, rc);
        goto out;
    }
    *rate = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        double t0 = now_s();
        for (size_t first = 0; first < d->records.n_rows; first += BATCH) {
            size_t n = d->records.n_rows - first < BATCH ? d->records.n_rows - first : BATCH;
            if ((rc = ops->score(inst, &d->records, first, n, scores + first, NULL)) != BL_OK) {
                fprintf(stderr, "bench_risk: %s: score returned %d\n", path, rc);
                goto out;
            }
        }
        double r = (double)d->records.n_rows / (now_s() - t0);
        if (r > *rate)
            *rate = r;
    }
    double sum = 0;
    for (size_t i = 0; i < d->records.n_rows; i++)
        sum += scores[i];
    *mean = sum / (double)d->records.n_rows;
out:
    if (inst != NULL)
        ops->destroy(inst);
    bl_plugin_unload(&h);
    return rc;
}

int main(void) {
    const char *build = getenv("top_builddir");
    const char *src = getenv("top_srcdir");
    char model[4096], encoding[4096];
    declarations_t d;
    double rate, mean;
    int failed = 0;

    if (build == NULL || build[0] == '\0')
        build = ".";
    if (src == NULL || src[0] == '\0')
        src = build;
    snprintf(model, sizeof model, "%s/tests/fixtures/xgboost/model.json", src);
    snprintf(encoding, sizeof encoding, "%s/tests/fixtures/xgboost/encoding.json", src);
    double *scores = malloc(N_ROWS * sizeof *scores);
    if (scores == NULL || declarations_make(&d, N_ROWS) != 0) {
        fprintf(stderr, "bench_risk: out of memory\n");
        return 1;
    }
    printf("risk models: %d synthetic declarations, batches of %d, 1 instance, best of %d\n",
           N_ROWS, BATCH, PASSES);

    {
        const char *keys[] = {"intercept",
                              "weights.value_usd",
                              "weights.weight_kg",
                              "weights.tariff_rate",
                              "weights.prior_inspections",
                              "mean.value_usd",
                              "scale.value_usd",
                              "mean.weight_kg",
                              "scale.weight_kg"};
        const char *values[] = {"-2", "0.4", "-0.2", "3", "-0.3", "3000", "5000", "250", "300"};
        if (bench_plugin(build, "plugins/risk/logistic/.libs/logistic.so", 9, keys, values, &d,
                         scores, &rate, &mean) != BL_OK)
            failed = 1;
        else
            printf("  %-46s %12.0f records/s (mean score %.4f)  target >= %.0f: %s\n",
                   "risk/logistic", rate, mean, LOGISTIC_TARGET,
                   rate >= LOGISTIC_TARGET ? "met" : "NOT MET");
    }

    static const struct {
        const char *label, *predict, *nthread; /* NULL: the plugin's default */
    } variants[] = {
        {"in-place, nthread=1", NULL, NULL},
        {"in-place, nthread=0 (all cores)", NULL, "0"},
        {"DMatrix, nthread=1", "dmatrix", NULL},
        {"DMatrix, nthread=0 (all cores)", "dmatrix", "0"},
    };
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        const char *keys[4] = {"model", "encoding"}, *values[4] = {model, encoding};
        size_t n = 2;
        if (variants[v].predict != NULL)
            keys[n] = "predict", values[n++] = variants[v].predict;
        if (variants[v].nthread != NULL)
            keys[n] = "nthread", values[n++] = variants[v].nthread;
        if (bench_plugin(build, "plugins/risk/xgboost/.libs/xgboost.so", n, keys, values, &d,
                         scores, &rate, &mean) != BL_OK) {
            failed = 1;
            continue;
        }
        char label[64];
        snprintf(label, sizeof label, "risk/xgboost, %s", variants[v].label);
        printf("  %-46s %12.0f records/s (mean score %.4f)\n", label, rate, mean);
    }
    declarations_free(&d);
    free(scores);
    return failed;
}
