/*
 * The risk_validation job: see risk_validation.h.  This file holds the run
 * (models, streaming and scoring, the declaration set's digest);
 * risk_source.c the declarations (generator or CSV) and their truth;
 * risk_gate.c the rollout gate; risk_results.c the metrics and the writer.
 *
 * Two phases.  Streaming: the source (generator or CSV) fills one batch at
 * a time; every model scores it (one instance per model, the models of a
 * batch side by side on the thread pool: the batch is read-only and each
 * instance has one caller at a time); the scores and truth of the labelled
 * rows are appended to growing columns.  Only one batch of declarations is
 * held; per evaluated declaration we keep ~30 bytes of truth, 8 bytes per
 * model and 4 per breakdown column.  Metrics: rankings, then one pool task
 * per (model, rate) for the bootstrap-heavy figures and one per model for
 * the rest, then one per (pair, rate) for the comparisons.  Every task's
 * random numbers come from its own stream (seed, task slot, stream), so the
 * figures are the same for any thread count.
 */
#include "jobs/risk/risk_validation.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/paths.h"
#include "base/pool.h"
#include "io/csv_reader.h"
#include "jobs/risk/risk_validation_internal.h"
#include "stats/detection_metrics.h"
#include "stats/risk_metrics.h"
#include "stats/rng.h"

#define DEFAULT_BATCH 4096
#define LEVEL 0.95
/* Bootstrap streams of this job, clear of rng.h's ranges. */

static const double default_rates[] = {1, 2, 5, 10};

static void free_strings(char **v, size_t n) {
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

void bl_risk_validation_free_contents(bl_risk_validation_t *v) {
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n_models; i++) {
        bl_plugin_ref_t *p = &v->models[i];
        free_strings(p->config_keys, p->n_config);
        free_strings(p->config_values, p->n_config);
        free(p->spec);
    }
    free(v->models);
    free(v->csv_path);
    free_strings(v->csv_names, v->n_csv_columns);
    free(v->csv_types);
    free(v->label_column);
    free(v->revenue_column);
    free(v->week_column);
    free(v->labelled_column);
    free_strings(v->breakdown, v->n_breakdown);
    for (size_t i = 0; i < v->n_gates; i++) {
        free(v->gates[i].model);
        free(v->gates[i].metric);
    }
    free(v->baseline);
    memset(v, 0, sizeof *v);
}

/* Make room for `more` evaluated declarations in every column. */
static int grow(bl_risk_result_t *r, size_t *cap, size_t more) {
    if (r->n + more <= *cap)
        return 0;
    size_t c = *cap ? *cap : 65536;
    while (c < r->n + more)
        c *= 2;
#define GROW(p)                                                                                    \
    do {                                                                                           \
        void *g = realloc((p), c * sizeof *(p));                                                   \
        if (g == NULL)                                                                             \
            return BL_ENOMEM;                                                                      \
        (p) = g;                                                                                   \
    } while (0)
    GROW(r->record);
    GROW(r->week);
    GROW(r->fraud);
    GROW(r->critical);
    GROW(r->revenue);
    for (size_t m = 0; m < r->n_models; m++) {
        GROW(r->models[m].scores);
        GROW(r->models[m].failed);
    }
    for (size_t b = 0; b < r->n_breakdown; b++)
        GROW(r->categories[b]);
#undef GROW
    *cap = c;
    return 0;
}

/* ------------------------------------------------------------------ digest */

static void put_le(unsigned char *b, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

/* declaration_set_sha256: the origin text, then per evaluated declaration
 * record (8 bytes), week (4), fraud (1), critical (1), revenue (8, IEEE
 * bits), little-endian. */
static int digest(bl_risk_result_t *r, const char *origin, bl_error_t *err) {
    enum { ROW = 22, ROWS = 4096 };
    unsigned char *buf = malloc((size_t)ROW * ROWS);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int rc = 0;
    if (buf == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot compute the declaration set's SHA-256");
        goto out;
    }
    EVP_DigestUpdate(md, origin, strlen(origin));
    for (size_t i = 0; i < r->n;) {
        size_t rows = r->n - i < ROWS ? r->n - i : ROWS;
        for (size_t j = 0; j < rows; j++, i++) {
            unsigned char *b = buf + j * ROW;
            uint64_t bits;
            memcpy(&bits, &r->revenue[i], sizeof bits);
            put_le(b, r->record[i], 8);
            put_le(b + 8, r->week[i], 4);
            b[12] = r->fraud[i];
            b[13] = r->critical[i];
            put_le(b + 14, bits, 8);
        }
        EVP_DigestUpdate(md, buf, rows * ROW);
    }
    if (EVP_DigestFinal_ex(md, d, &len) != 1 || len != 32) {
        rc = bl_error_set(err, BL_EIO, "cannot compute the declaration set's SHA-256");
        goto out;
    }
    for (unsigned i = 0; i < len; i++)
        snprintf(r->digest + 2 * i, 3, "%02x", d[i]);
out:
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ models */

static int load_models(bl_risk_result_t *r, const bl_scenario_t *sc, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    char *base = bl_path_dir(sc->path ? sc->path : ".");
    int rc = 0;
    for (size_t m = 0; m < v->n_models && rc == 0; m++) {
        bl_risk_model_result_t *mr = &r->models[m];
        mr->ref = &v->models[m];
        const char *spec = mr->ref->spec;
        char *path = bl_plugin_resolve(spec ? spec : "", BL_KIND_RISK, base, err);
        if (path == NULL) {
            rc = err->code != 0 ? err->code : BL_ENOTFOUND;
        } else {
            rc = bl_plugin_open(&mr->handle, spec, path, BL_KIND_RISK, mr->ref->isolation,
                                &mr->ref->limits, err);
            free(path);
        }
        if (rc != 0) {
            bl_error_prefix(err, "scenario %s, models[%zu]", sc->path ? sc->path : "?", m + 1);
            break;
        }
        bl_isolated_set_context(mr->handle.isolated, "scoring");
        const char *id = mr->handle.desc->header.id;
        unsigned same = 1;
        for (size_t k = 0; k < m; k++)
            same += strcmp(r->models[k].handle.desc->header.id, id) == 0;
        if (same > 1)
            snprintf(mr->label, sizeof mr->label, "%.60s-%u", id, same);
        else
            snprintf(mr->label, sizeof mr->label, "%.70s", id);
        for (char *p = mr->label; *p; p++)
            if (*p == '/')
                *p = '_';
    }
    free(base);
    return rc;
}

typedef struct score_ctx {
    bl_risk_result_t *r;
    source_t *src;
    void **inst;
    double **out;     /* [model][batch] */
    uint8_t **failed; /* [model][batch]: isolated models' rows that failed to score */
    size_t n_rows;
    bl_error_t *errors; /* [model] */
} score_ctx_t;

static int score_task(void *arg, unsigned m) {
    score_ctx_t *c = arg;
    bl_risk_model_result_t *mr = &c->r->models[m];
    bl_records_t rec = {(uint32_t)sizeof(bl_records_t), (uint32_t)c->src->n_model_cols, c->n_rows,
                        c->src->model_cols};
    double *out = c->out[m];
    for (size_t i = 0; i < c->n_rows; i++)
        out[i] = NAN;
    memset(c->failed[m], 0, c->n_rows);
    mr->calls++;
    /* An isolated model's failures name declarations of the whole run. */
    size_t before = 0;
    bl_isolated_t *iso = mr->handle.isolated;
    bl_isolated_failures(iso, &before);
    bl_isolated_set_item_base(iso, c->r->n_read);
    int rc = mr->handle.desc->risk->score(c->inst[m], &rec, 0, c->n_rows, out, NULL);
    size_t after = 0;
    const bl_plugin_failure_t *f = bl_isolated_failures(iso, &after);
    for (size_t k = before; k < after; k++) { /* failed to score: missing, not invalid */
        if (f[k].verb != BL_VERB_SCORE)
            continue;
        uint64_t count = f[k].cause == BL_FAILURE_SKIPPED ? (uint64_t)f[k].detail : 1;
        for (uint64_t row = f[k].item; row < f[k].item + count; row++)
            if (row >= c->r->n_read && row - c->r->n_read < c->n_rows &&
                !c->failed[m][row - c->r->n_read]) {
                c->failed[m][row - c->r->n_read] = 1;
                mr->failed_all++;
            }
    }
    if (rc != 0)
        return bl_error_set(&c->errors[m], BL_EPLUGIN,
                            "risk model %s (%s): score returned %d (%s) on declarations "
                            "%" PRIu64 "..%" PRIu64 ": check its configuration (feature "
                            "columns must exist in the declarations)",
                            mr->label, mr->handle.path, rc, bl_error_name(rc), c->r->n_read + 1,
                            c->r->n_read + c->n_rows);
    for (size_t i = 0; i < c->n_rows; i++)
        if (!(out[i] >= 0 && out[i] <= 1)) {
            out[i] = NAN;
            mr->invalid_all += iso == NULL || !c->failed[m][i];
        }
    return 0;
}

/* ------------------------------------------------------------------ streaming */

typedef struct stream_state {
    bl_host_services_t *hs;
    void **inst;
    bool *made;
    double **out;
    uint8_t **failed;
    bl_error_t *errors;
} stream_state_t;

static int stream(bl_risk_result_t *r, const bl_scenario_t *sc, unsigned threads,
                  bl_progress_t *progress, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    uint32_t batch = v->batch ? v->batch : DEFAULT_BATCH;
    size_t nm = r->n_models, cap = 0;
    source_t src;
    stream_state_t st = {calloc(nm, sizeof *st.hs),     calloc(nm, sizeof *st.inst),
                         calloc(nm, sizeof *st.made),   calloc(nm, sizeof *st.out),
                         calloc(nm, sizeof *st.failed), calloc(nm, sizeof *st.errors)};
    int rc = bl_risk_source_open(&src, sc, batch, err);
    if (rc != 0)
        goto out_nosrc;
    if (st.hs == NULL || st.inst == NULL || st.made == NULL || st.out == NULL ||
        st.failed == NULL || st.errors == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t m = 0; m < nm && rc == 0; m++) {
        bl_risk_model_result_t *mr = &r->models[m];
        const bl_plugin_ref_t *ref = mr->ref;
        bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                              (const char *const *)ref->config_values};
        st.out[m] = malloc(batch * sizeof *st.out[m]);
        st.failed[m] = calloc(batch, 1);
        if (st.out[m] == NULL || st.failed[m] == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        bl_host_services_init(&st.hs[m], sc->seed, m,
                              (uint64_t)BL_STREAM_PLUGIN_BASE + BL_ROLE_RISK, NULL,
                              mr->handle.desc->header.id);
        int prc = mr->handle.desc->risk->create(&config, &st.hs[m].host, &st.inst[m]);
        if (prc != 0)
            rc = bl_error_set(err, BL_EPLUGIN,
                              "risk model %s (%s): create returned %d (%s): check its "
                              "configuration in the scenario",
                              mr->label, mr->handle.path, prc, bl_error_name(prc));
        st.made[m] = rc == 0;
    }
    r->categories = calloc(r->n_breakdown ? r->n_breakdown : 1, sizeof *r->categories);
    if (rc == 0 && r->categories == NULL)
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
    unsigned score_threads = threads < nm ? threads : (unsigned)nm;
    score_ctx_t ctx = {r, &src, st.inst, st.out, st.failed, 0, st.errors};
    while (rc == 0) {
        size_t n = 0;
        rc = bl_risk_source_next(&src, &n, err);
        if (rc != 0 || n == 0)
            break;
        ctx.n_rows = n;
        rc = bl_pool_run(score_threads, (unsigned)nm, score_task, &ctx);
        if (rc != 0) {
            for (size_t m = 0; m < nm; m++)
                if (st.errors[m].code != 0) {
                    bl_error_set(err, st.errors[m].code, "%s", st.errors[m].message);
                    break;
                }
            break;
        }
        if (grow(r, &cap, n) != 0) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for %zu declarations", r->n + n);
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            row_truth_t t;
            uint64_t record = r->n_read + i;
            rc = bl_risk_source_truth(&src, bl_risk_validation_of(sc), i, record, &t, err);
            if (rc != 0 || !t.labelled)
                continue;
            size_t j = r->n++;
            r->record[j] = record;
            r->week[j] = t.week;
            r->fraud[j] = t.fraud;
            r->critical[j] = t.critical;
            r->revenue[j] = t.revenue;
            for (size_t m = 0; m < nm; m++) {
                r->models[m].scores[j] = st.out[m][i];
                r->models[m].failed[j] = st.failed[m][i];
            }
            for (size_t b = 0; b < r->n_breakdown; b++)
                r->categories[b][j] = src.batch.codes[src.breakdown_col[b]][i];
        }
        r->n_read += n;
        if (progress != NULL) {
            __atomic_fetch_add(&progress->sim_ms_done, (uint64_t)n, __ATOMIC_RELAXED);
            __atomic_fetch_add(&progress->events, (uint64_t)(n * nm), __ATOMIC_RELAXED);
        }
    }
    /* Category labels outlive the source's dictionaries. */
    r->category_labels = calloc(r->n_breakdown ? r->n_breakdown : 1, sizeof *r->category_labels);
    r->n_category_labels = calloc(r->n_breakdown ? r->n_breakdown : 1, sizeof(size_t));
    if (rc == 0 && (r->category_labels == NULL || r->n_category_labels == NULL))
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t b = 0; b < r->n_breakdown && rc == 0; b++) {
        const bl_dict_t *d = src.batch.dicts[src.breakdown_col[b]];
        size_t nl = bl_dict_size(d);
        const char *const *labels = bl_dict_labels(d);
        r->category_labels[b] = calloc(nl ? nl : 1, sizeof(char *));
        if (r->category_labels[b] == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        r->n_category_labels[b] = nl;
        for (size_t k = 0; k < nl && rc == 0; k++)
            if ((r->category_labels[b][k] = strdup(labels[k])) == NULL)
                rc = bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    if (rc == 0 && src.csv != NULL && bl_csv_skipped(src.csv) > 0)
        fprintf(stderr, "borderlab: %s: %" PRIu64 " bad rows skipped (on_bad_row = \"skip\")\n",
                bl_risk_validation_of(sc)->csv_path, bl_csv_skipped(src.csv));
    if (rc == 0)
        rc = digest(r, src.origin, err);
out:
    for (size_t m = 0; m < nm; m++) {
        if (st.made != NULL && st.made[m])
            r->models[m].handle.desc->risk->destroy(st.inst[m]);
        if (st.out != NULL)
            free(st.out[m]);
        if (st.failed != NULL)
            free(st.failed[m]);
    }
    bl_risk_source_close(&src);
out_nosrc:
    free(st.hs);
    free(st.inst);
    free(st.made);
    free(st.out);
    free(st.failed);
    free(st.errors);
    return rc;
}

/* ------------------------------------------------------------------ the job */

static int setup(bl_risk_result_t *r, const bl_scenario_t *sc, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    r->scenario = sc;
    snprintf(r->source, sizeof r->source, "%s", v->csv_path ? v->csv_path : "generator");
    if (v->n_rates > BL_RISK_MAX_RATES)
        return bl_error_set(err, BL_EINVAL, "risk_validation: %zu rates: give at most %d",
                            v->n_rates, BL_RISK_MAX_RATES);
    r->n_rates = v->n_rates ? v->n_rates : sizeof default_rates / sizeof default_rates[0];
    for (size_t j = 0; j < r->n_rates; j++) {
        r->rates[j] = v->n_rates ? v->rates[j] : default_rates[j];
        if (!(r->rates[j] > 0 && r->rates[j] <= 100))
            return bl_error_set(err, BL_EINVAL,
                                "risk_validation: rate %g: inspection rates are percentages, "
                                "0 < rate <= 100",
                                r->rates[j]);
    }
    if (!(v->weekly_rate >= 0 && v->weekly_rate <= 100))
        return bl_error_set(err, BL_EINVAL,
                            "risk_validation: weekly_rate %g: give a percentage from 0 (no "
                            "weekly simulation) to 100",
                            v->weekly_rate);
    if (v->n_gates > BL_RISK_MAX_GATES)
        return bl_error_set(err, BL_EINVAL, "risk_validation: %zu gates: give at most %d",
                            v->n_gates, BL_RISK_MAX_GATES);
    if (v->csv_path == NULL && v->generator.records == 0)
        return bl_error_set(err, BL_EINVAL,
                            "risk_validation: no declarations: give generator records > 0 or a "
                            "CSV file");
    r->n_breakdown = v->n_breakdown;
    r->breakdown_names = calloc(v->n_breakdown + 1, sizeof *r->breakdown_names);
    r->models = calloc(v->n_models, sizeof *r->models);
    if (r->breakdown_names == NULL || r->models == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t b = 0; b < v->n_breakdown; b++)
        if ((r->breakdown_names[b] = strdup(v->breakdown[b])) == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
    r->n_models = v->n_models;
    return 0;
}

int bl_risk_validation_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                           bl_risk_result_t *out, bl_error_t *err) {
    memset(out, 0, sizeof *out);
    if (sc == NULL || bl_risk_validation_of(sc) == NULL || bl_risk_validation_of(sc)->n_models == 0)
        return bl_error_set(err, BL_EINVAL,
                            "risk_validation: the scenario names no models: give models = "
                            "{bl.plugin{\"logistic\", model = \"model.json\"}}");
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    bl_risk_baseline_t base;
    memset(&base, 0, sizeof base);
    if (threads == 0)
        threads = bl_pool_default_threads();
    int rc = setup(out, sc, err);
    if (rc == 0)
        rc = load_models(out, sc, err);
    if (rc == 0)
        rc = bl_risk_gate_check(out, v, err);
    /* The baseline is read before the long part, so a bad file fails fast. */
    if (rc == 0 && v->baseline != NULL)
        rc = bl_risk_baseline_read(v->baseline, &base, err);
    if (rc == 0)
        rc = stream(out, sc, threads, progress, err);
    if (rc != 0)
        goto out;
    if (out->n == 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "risk_validation: none of the %" PRIu64 " declarations is labelled "
                          "(inspected): nothing to evaluate",
                          out->n_read);
        goto out;
    }
    if (v->baseline != NULL && (strcmp(base.digest, out->digest) != 0 || base.n != out->n)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "baseline %s was run on other declarations (declaration_set_sha256 "
                          "%.12s..., this run %.12s...): run both on the same declarations "
                          "(source, seed and generator settings)",
                          v->baseline, base.digest, out->digest);
        goto out;
    }
    if (progress != NULL)
        __atomic_store_n(&progress->phase, "metrics (ranking, bootstrap intervals)",
                         __ATOMIC_RELAXED);
    rc = bl_risk_metrics_compute(out, v->baseline ? &base : NULL, threads, err);
    if (rc == 0)
        bl_risk_gate_evaluate(out, v);
out:
    bl_risk_baseline_fini(&base);
    if (rc != 0)
        bl_risk_result_fini(out);
    return rc;
}

void bl_risk_result_fini(bl_risk_result_t *r) {
    if (r == NULL)
        return;
    for (size_t m = 0; r->models != NULL && m < r->n_models; m++) {
        bl_risk_model_result_t *mr = &r->models[m];
        if (mr->handle.desc != NULL)
            bl_plugin_unload(&mr->handle);
        free(mr->scores);
        free(mr->failed);
        free(mr->order);
        for (size_t b = 0; mr->breakdown != NULL && b < r->n_breakdown; b++)
            free(mr->breakdown[b]);
        free(mr->breakdown);
        free(mr->n_breakdown_rows);
        free(mr->weekly);
    }
    free(r->models);
    for (size_t b = 0; b < r->n_breakdown; b++) {
        if (r->categories != NULL)
            free(r->categories[b]);
        if (r->category_labels != NULL)
            free_strings(r->category_labels[b], r->n_category_labels[b]);
    }
    free(r->categories);
    free(r->category_labels);
    free(r->n_category_labels);
    free_strings(r->breakdown_names, r->n_breakdown);
    free(r->record);
    free(r->week);
    free(r->fraud);
    free(r->critical);
    free(r->revenue);
    free(r->comparisons);
    memset(r, 0, sizeof *r);
}
