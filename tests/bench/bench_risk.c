/*
 * `make bench`: records/s scored by the risk-model plugins over 1,000,000
 * synthetic declarations, in batches of 4096 rows, through the real loader
 * (one instance, one calling thread):
 *
 *   - risk/logistic with scenarios/models/cargo_logistic.json (the hand-set
 *     cargo scorecard: 5 numeric features and 3 categorical columns); the
 *     issue's target is at least 1 million records/s;
 *   - risk/xgboost with scenarios/models/cargo_xgboost.json and
 *     cargo_encoding.json (40 trees of depth 5 over 12 features, trained by
 *     scripts/train_xgboost.py --cargo), in-place prediction with nthread=1
 *     (the plugin's default) and nthread=0 (XGBoost's default, all cores),
 *     and the same through a DMatrix (predict=dmatrix).  The all-cores
 *     figures collapse when other work keeps the cores busy.
 *
 * The declarations come from the project's generator (core/gen/declaration_gen.h)
 * with its default configuration, as scenarios/cargo_risk.lua sets it up
 * (world 7, the traders the models were trained on; seed 2026): all of them
 * are generated once, before any timing, into batches of 4096 rows that
 * share their dictionaries and stay in memory.  Each figure is then the best
 * of 3 passes over all batches (the first pass also warms the caches).
 *
 * Run with top_builddir (plugins) and top_srcdir (models) set; make bench
 * does.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/records.h"
#include "gen/declaration_gen.h"
#include "plugin/loader.h"

#define N_ROWS 1000000
#define BATCH 4096
#define PASSES 3
#define LOGISTIC_TARGET 1e6
#define SEED 2026
#define WORLD_SEED 7

/* All the declarations, generated up front: batches[0] owns the
 * dictionaries the others share. */
typedef struct declarations {
    bl_schema_t schema;
    bl_batch_t *batches; /* n_batches, each initialised */
    bl_records_t *views; /* the plugin view of each batch, taken once generation is done */
    size_t n_batches;
    size_t n_rows;
} declarations_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void declarations_free(declarations_t *d) {
    /* The shared dictionaries belong to batches[0]: release it last. */
    for (size_t i = d->n_batches; i-- > 0;)
        bl_batch_fini(&d->batches[i]);
    free(d->batches);
    free(d->views);
    bl_schema_fini(&d->schema);
    memset(d, 0, sizeof *d);
}

/*
 * Generate n declarations into d (zeroed by the call; the caller releases it
 * with declarations_free, also after a failure).  Returns 0 or the
 * generator's error code with err filled in.
 */
static int declarations_make(declarations_t *d, uint64_t n, bl_error_t *err) {
    bl_declaration_gen_config_t cfg;
    bl_declaration_gen_t *gen = NULL;
    size_t max_batches = (size_t)((n + BATCH - 1) / BATCH) + 1;
    int rc;

    memset(d, 0, sizeof *d);
    bl_declaration_gen_config_default(&cfg);
    cfg.records = n;
    cfg.world_seed = WORLD_SEED;
    if ((rc = bl_declaration_gen_new(&cfg, SEED, 0, &gen, err)) != 0)
        goto out;
    if ((rc = bl_declaration_gen_schema(&d->schema, err)) != 0)
        goto out;
    d->batches = calloc(max_batches, sizeof *d->batches);
    d->views = calloc(max_batches, sizeof *d->views);
    if (d->batches == NULL || d->views == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        bl_batch_t *b = &d->batches[d->n_batches];
        size_t got;
        if (d->n_batches == max_batches) {
            rc = bl_error_set(err, BL_EINVAL, "generator gave more than %" PRIu64 " records", n);
            goto out;
        }
        if ((rc = bl_batch_init(b, &d->schema, BATCH, err)) != 0)
            goto out;
        d->n_batches++;
        if (d->n_batches > 1 && (rc = bl_batch_share_dicts(b, &d->batches[0], err)) != 0)
            goto out;
        if ((rc = bl_declaration_gen_next(gen, b, NULL, &got, err)) != 0)
            goto out;
        if (got == 0) {
            bl_batch_fini(b);
            d->n_batches--;
            break;
        }
        d->n_rows += got;
    }
    /* Only now: a view borrows the dictionaries' label arrays, which move
     * while later batches intern labels (every declaration_id is new). */
    for (size_t i = 0; i < d->n_batches; i++)
        d->views[i] = bl_batch_records(&d->batches[i]);
out:
    bl_declaration_gen_free(gen);
    return rc;
}

/*
 * Load so (under build), create with config, score every declaration PASSES
 * times, batch by batch, into scores (d->n_rows entries, caller-owned); the
 * best pass in records/s into *rate and the mean score into *mean.
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
        double *out = scores;
        for (size_t i = 0; i < d->n_batches; i++) {
            const bl_records_t *r = &d->views[i];
            if ((rc = ops->score(inst, r, 0, r->n_rows, out, NULL)) != BL_OK) {
                fprintf(stderr, "bench_risk: %s: score returned %d\n", path, rc);
                goto out;
            }
            out += r->n_rows;
        }
        double r = (double)d->n_rows / (now_s() - t0);
        if (r > *rate)
            *rate = r;
    }
    double sum = 0;
    for (size_t i = 0; i < d->n_rows; i++)
        sum += scores[i];
    *mean = sum / (double)d->n_rows;
out:
    if (inst != NULL)
        ops->destroy(inst);
    bl_plugin_unload(&h);
    return rc;
}

/* src/rel made absolute into buf (the plugins resolve model= against their
 * own working directory).  0, or -1 when the file is not there. */
static int model_path(char *buf, const char *src, const char *rel) {
    char joined[4096];
    snprintf(joined, sizeof joined, "%s/%s", src, rel);
    if (realpath(joined, buf) == NULL) {
        fprintf(stderr, "bench_risk: %s: not found: set top_srcdir to the source tree\n", joined);
        return -1;
    }
    return 0;
}

int main(void) {
    const char *build = getenv("top_builddir");
    const char *src = getenv("top_srcdir");
    char logistic[PATH_MAX], model[PATH_MAX], encoding[PATH_MAX];
    declarations_t d;
    bl_error_t err;
    double rate, mean;
    int failed = 0;

    if (build == NULL || build[0] == '\0')
        build = ".";
    if (src == NULL || src[0] == '\0')
        src = build;
    if (model_path(logistic, src, "scenarios/models/cargo_logistic.json") != 0 ||
        model_path(model, src, "scenarios/models/cargo_xgboost.json") != 0 ||
        model_path(encoding, src, "scenarios/models/cargo_encoding.json") != 0)
        return 1;

    bl_error_clear(&err);
    double t0 = now_s();
    if (declarations_make(&d, N_ROWS, &err) != 0) {
        fprintf(stderr, "bench_risk: declarations: %s\n", err.message);
        declarations_free(&d);
        return 1;
    }
    double t_gen = now_s() - t0;
    double *scores = malloc(d.n_rows * sizeof *scores);
    if (scores == NULL) {
        fprintf(stderr, "bench_risk: out of memory\n");
        declarations_free(&d);
        return 1;
    }
    printf(
        "risk models: %zu synthetic declarations (core/gen/declaration_gen.h, seed %d of world %d, "
        "generated in %.1f s, not timed), %zu batches of %d, 1 instance, best of %d\n",
        d.n_rows, SEED, WORLD_SEED, t_gen, d.n_batches, BATCH, PASSES);

    {
        const char *keys[] = {"model"}, *values[] = {logistic};
        if (bench_plugin(build, "plugins/risk/logistic/.libs/logistic.so", 1, keys, values, &d,
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
