/*
 * The risk_validation job: see risk_validation.h.
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

#include "io/csv_reader.h"
#include "stats/detection_metrics.h"
#include "base/paths.h"
#include "base/pool.h"
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

/* ------------------------------------------------------------------ gates */

enum { GATE_PRECISION, GATE_RECALL, GATE_REVENUE, GATE_AUC, GATE_PR_AUC };

/* Kind and rate of a gate metric; -1 when not one. */
static int gate_metric(const char *metric, double *rate) {
    static const char *const at[] = {"precision@", "recall@", "revenue@"};
    *rate = NAN;
    if (strcmp(metric, "auc") == 0)
        return GATE_AUC;
    if (strcmp(metric, "pr_auc") == 0)
        return GATE_PR_AUC;
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(at[k]);
        if (strncmp(metric, at[k], len) != 0)
            continue;
        char *end;
        double r = strtod(metric + len, &end);
        if (end == metric + len || *end != '\0' || !(r > 0 && r <= 100))
            return -1;
        *rate = r;
        return k; /* GATE_PRECISION, GATE_RECALL, GATE_REVENUE */
    }
    return -1;
}

int bl_risk_gate_parse(const char *text, bl_risk_gate_t *g, bl_error_t *err) {
    memset(g, 0, sizeof *g);
    const char *eq = text ? strrchr(text, '=') : NULL;
    if (eq == NULL || eq == text)
        return bl_error_set(err, BL_EINVAL,
                            "gate '%s': give METRIC=VALUE or MODEL:METRIC=VALUE, e.g. "
                            "precision@5=0.3",
                            text ? text : "");
    const char *colon = memchr(text, ':', (size_t)(eq - text));
    const char *metric = colon ? colon + 1 : text;
    double bound, rate;
    if (bl_parse_number(eq + 1, &bound) != BL_OK)
        return bl_error_set(err, BL_EINVAL, "gate '%s': the bound '%s' is not a number", text,
                            eq + 1);
    g->metric = strndup(metric, (size_t)(eq - metric));
    g->model = colon ? strndup(text, (size_t)(colon - text)) : NULL;
    if (g->metric == NULL || (colon && g->model == NULL)) {
        free(g->metric);
        free(g->model);
        memset(g, 0, sizeof *g);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    if (gate_metric(g->metric, &rate) < 0) {
        bl_error_set(err, BL_EINVAL,
                     "gate '%s': unknown metric '%s': use precision@R, recall@R, revenue@R (R an "
                     "inspection rate in percent, 0 < R <= 100), auc or pr_auc",
                     text, g->metric);
        free(g->metric);
        free(g->model);
        memset(g, 0, sizeof *g);
        return BL_EINVAL;
    }
    g->bound = bound;
    return 0;
}

/* ------------------------------------------------------------------ the source */

typedef struct source {
    bl_declaration_gen_t *gen;
    bl_declaration_truth_t *truth; /* generator: [batch] */
    bl_csv_reader_t *csv;
    bl_schema_t schema;
    bl_batch_t batch;
    size_t n_model_cols;
    size_t *model_idx;                                  /* schema index of each model column */
    bl_column_t *model_cols;                            /* the models' view: those columns only */
    int week_col, label_col, revenue_col, labelled_col; /* schema index or -1 */
    int *breakdown_col;                                 /* [n_breakdown] */
    char *origin;                                       /* for the digest (heap) */
} source_t;

static void source_close(source_t *s) {
    bl_declaration_gen_free(s->gen);
    if (s->csv != NULL)
        bl_csv_close(s->csv);
    bl_batch_fini(&s->batch);
    bl_schema_fini(&s->schema);
    free(s->truth);
    free(s->model_idx);
    free(s->model_cols);
    free(s->breakdown_col);
    free(s->origin);
    memset(s, 0, sizeof *s);
}

/* The generator settings as text, for the digest. */
static char *generator_origin(const bl_declaration_gen_config_t *c, uint64_t seed) {
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (fp == NULL)
        return NULL;
    fprintf(fp, "generator seed=%" PRIu64 " records=%" PRIu64 " weeks=%u world_seed=%" PRId64 "\n",
            seed, c->records, c->weeks, c->world_seed);
    const double d[] = {c->seasonal_amplitude,      c->seasonal_peak_week,
                        c->importer_size_shape,     c->importer_risk_sigma,
                        c->habitual_share,          c->habitual_factor,
                        c->importer_focus,          c->declarant_size_shape,
                        c->lax_declarant_share,     c->lax_declarant_factor,
                        c->preferential_factor,     c->consignment_value,
                        c->quantity_sigma,          c->fraud_rate,
                        c->max_fraud_probability,   c->undervaluation_share,
                        c->misclassification_share, c->false_origin_share,
                        c->prohibited_share,        c->undervaluation_min,
                        c->undervaluation_max,      c->prohibited_penalty,
                        c->critical_share,          c->unlabelled_share};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        fprintf(fp, "%.17g ", d[i]);
    fprintf(fp, "\n%u %u %u %u %u %d\n", c->importers, c->importer_codes, c->declarants,
            c->history_lag_weeks, (unsigned)c->n_hs, c->declaration_ids);
    for (size_t i = 0; c->hs != NULL && i < c->n_hs; i++)
        fprintf(fp, "hs %s %d %d %.17g %.17g %.17g %.17g %.17g\n", c->hs[i].code, c->hs[i].sector,
                c->hs[i].group, c->hs[i].tariff, c->hs[i].price_median, c->hs[i].price_sigma,
                c->hs[i].weight, c->hs[i].risk);
    for (size_t i = 0; c->origins != NULL && i < c->n_origins; i++) {
        fprintf(fp, "origin %s %d %.17g %.17g", c->origins[i].code, c->origins[i].preferential,
                c->origins[i].risk, c->origins[i].claim);
        for (int k = 0; k < BL_SECTOR_COUNT; k++)
            fprintf(fp, " %.17g", c->origins[i].weight[k]);
        fputc('\n', fp);
    }
    for (size_t i = 0; c->routes != NULL && i < c->n_routes; i++)
        fprintf(fp, "route %s %.17g %.17g\n", c->routes[i].name, c->routes[i].weight,
                c->routes[i].risk);
    if (fclose(fp) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int categorical_list(const bl_schema_t *s, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++)
        if (s->columns[i].type == BL_COLUMN_CATEGORICAL && used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     s->columns[i].name);
    return 0;
}

/* Schema indices of the breakdown columns (categorical, else refused). */
static int find_breakdown(source_t *s, const bl_risk_validation_t *v, bl_error_t *err) {
    s->breakdown_col = calloc(v->n_breakdown ? v->n_breakdown : 1, sizeof *s->breakdown_col);
    if (s->breakdown_col == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t b = 0; b < v->n_breakdown; b++) {
        int c = bl_schema_find(&s->schema, v->breakdown[b]);
        if (c < 0 || s->schema.columns[c].type != BL_COLUMN_CATEGORICAL) {
            char list[512];
            categorical_list(&s->schema, list, sizeof list);
            return bl_error_set(err, BL_EINVAL,
                                "risk_validation: breakdown column '%s' is not a categorical "
                                "column of the declarations: use one of %s",
                                v->breakdown[b], list[0] ? list : "(none)");
        }
        s->breakdown_col[b] = c;
    }
    return 0;
}

static int open_generator(source_t *s, const bl_scenario_t *sc, uint32_t batch, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    int rc = bl_declaration_gen_new(&v->generator, sc->seed, 0, &s->gen, err);
    if (rc != 0) {
        bl_error_prefix(err, "risk_validation generator");
        return rc;
    }
    rc = bl_declaration_gen_schema(&s->schema, err);
    if (rc != 0)
        return rc;
    s->n_model_cols = s->schema.n;
    s->model_idx = calloc(s->schema.n, sizeof *s->model_idx);
    s->truth = calloc(batch, sizeof *s->truth);
    s->origin = generator_origin(&v->generator, sc->seed);
    if (s->model_idx == NULL || s->truth == NULL || s->origin == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->schema.n; i++)
        s->model_idx[i] = i;
    s->week_col = bl_schema_find(&s->schema, "week");
    return 0;
}

/* Add a host-only column to the CSV list unless the models read it already;
 * *index receives its position. */
static int csv_extra(bl_csv_column_t *cols, size_t *n, const char *name, int type, int *index) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp(cols[i].name, name) == 0) {
            *index = (int)i;
            return 0;
        }
    cols[*n] = (bl_csv_column_t){name, type};
    *index = (int)(*n)++;
    return 1;
}

static int open_csv(source_t *s, const bl_scenario_t *sc, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    if (v->label_column == NULL)
        return bl_error_set(err, BL_EINVAL,
                            "risk_validation: CSV %s needs label_column = the column of truth "
                            "(1 fraud, 0 clean, empty not inspected)",
                            v->csv_path);
    const char *truth_only[] = {v->label_column, v->revenue_column, v->labelled_column};
    for (size_t t = 0; t < 3; t++)
        for (size_t i = 0; truth_only[t] != NULL && i < v->n_csv_columns; i++)
            if (strcmp(v->csv_names[i], truth_only[t]) == 0)
                return bl_error_set(err, BL_EINVAL,
                                    "risk_validation: CSV column '%s' is ground truth and also a "
                                    "model column: the models would see the answer; take it out "
                                    "of the columns",
                                    truth_only[t]);
    size_t cap = v->n_csv_columns + 4 + v->n_breakdown, n = v->n_csv_columns;
    bl_csv_column_t *cols = calloc(cap, sizeof *cols);
    char digest[65];
    int rc = 0;
    if (cols == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        cols[i] = (bl_csv_column_t){v->csv_names[i], v->csv_types[i]};
    s->week_col = s->revenue_col = s->labelled_col = -1;
    csv_extra(cols, &n, v->label_column, BL_COLUMN_NUMERIC, &s->label_col);
    if (v->revenue_column)
        csv_extra(cols, &n, v->revenue_column, BL_COLUMN_NUMERIC, &s->revenue_col);
    if (v->week_column)
        csv_extra(cols, &n, v->week_column, BL_COLUMN_NUMERIC, &s->week_col);
    if (v->labelled_column)
        csv_extra(cols, &n, v->labelled_column, BL_COLUMN_NUMERIC, &s->labelled_col);
    for (size_t b = 0; b < v->n_breakdown; b++) {
        int ignored;
        csv_extra(cols, &n, v->breakdown[b], BL_COLUMN_CATEGORICAL, &ignored);
    }
    if (s->week_col >= 0 && (size_t)s->week_col < v->n_csv_columns &&
        v->csv_types[s->week_col] != BL_COLUMN_NUMERIC) {
        rc = bl_error_set(err, BL_EINVAL, "risk_validation: week column '%s' must be numeric",
                          v->week_column);
        goto out;
    }
    rc = bl_csv_open(&s->csv, v->csv_path, cols, n, v->on_bad_row, &s->schema, err);
    if (rc == 0)
        rc = bl_sha256_file(v->csv_path, digest, err);
    if (rc != 0)
        goto out;
    s->n_model_cols = v->n_csv_columns;
    s->model_idx = calloc(v->n_csv_columns ? v->n_csv_columns : 1, sizeof *s->model_idx);
    if (s->model_idx == NULL ||
        asprintf(&s->origin, "csv sha256=%s label=%s revenue=%s week=%s labelled=%s\n", digest,
                 v->label_column, v->revenue_column ? v->revenue_column : "",
                 v->week_column ? v->week_column : "",
                 v->labelled_column ? v->labelled_column : "") < 0) {
        s->origin = NULL;
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < v->n_csv_columns; i++)
        s->model_idx[i] = i;
out:
    free(cols);
    return rc;
}

static int source_open(source_t *s, const bl_scenario_t *sc, uint32_t batch, bl_error_t *err) {
    memset(s, 0, sizeof *s);
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    int rc = v->csv_path ? open_csv(s, sc, err) : open_generator(s, sc, batch, err);
    if (rc == 0)
        rc = find_breakdown(s, v, err);
    if (rc == 0 && v->weekly_rate > 0 && s->week_col < 0)
        rc = bl_error_set(err, BL_EINVAL,
                          "risk_validation: weekly_rate = %g needs the week of each "
                          "declaration: give week_column = the CSV's week column, or "
                          "weekly_rate = 0",
                          v->weekly_rate);
    if (rc == 0)
        rc = bl_batch_init(&s->batch, &s->schema, batch, err);
    if (rc == 0 && (s->model_cols = calloc(s->n_model_cols ? s->n_model_cols : 1,
                                           sizeof *s->model_cols)) == NULL)
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
    if (rc != 0)
        source_close(s);
    return rc;
}

/* Next batch into s->batch; *n rows (0 at the end). */
static int source_next(source_t *s, size_t *n, bl_error_t *err) {
    int rc = s->gen ? bl_declaration_gen_next(s->gen, &s->batch, s->truth, n, err)
                    : bl_csv_read(s->csv, &s->batch, n, err);
    if (rc != 0)
        return rc;
    bl_records_t all = bl_batch_records(&s->batch);
    for (size_t j = 0; j < s->n_model_cols; j++)
        s->model_cols[j] = all.columns[s->model_idx[j]];
    return 0;
}

/* ------------------------------------------------------------------ evaluated rows */

typedef struct row_truth {
    int labelled;
    uint8_t fraud, critical;
    double revenue;
    uint32_t week;
} row_truth_t;

static double cell(const source_t *s, int col, size_t i) {
    return col >= 0 ? s->batch.numeric[col][i] : NAN;
}

/* Truth of row i of the batch; the record is `record` (0-based). */
static int row_truth(const source_t *s, const bl_risk_validation_t *v, size_t i, uint64_t record,
                     row_truth_t *t, bl_error_t *err) {
    memset(t, 0, sizeof *t);
    double week = cell(s, s->week_col, i);
    if (s->gen != NULL) {
        const bl_declaration_truth_t *g = &s->truth[i];
        t->labelled = g->labelled;
        t->fraud = g->fraud;
        t->critical = g->critical;
        t->revenue = g->revenue;
        t->week = isfinite(week) ? (uint32_t)week : 0;
        return 0;
    }
    double label = cell(s, s->label_col, i), labelled = cell(s, s->labelled_col, i);
    double revenue = cell(s, s->revenue_col, i);
    t->labelled = !isnan(label) && (s->labelled_col < 0 || (!isnan(labelled) && labelled != 0));
    if (!t->labelled)
        return 0;
    if (label != 0 && label != 1)
        return bl_error_set(err, BL_EINVAL,
                            "%s: declaration %" PRIu64 " (data row, skipped rows not counted): "
                            "%s = %g: the label must be 1 (fraud), 0 (clean) or empty (not "
                            "inspected)",
                            v->csv_path, record + 1, v->label_column, label);
    t->fraud = (uint8_t)label;
    if (!isnan(revenue) && revenue < 0)
        return bl_error_set(err, BL_EINVAL,
                            "%s: declaration %" PRIu64 ": %s = %g: revenue at stake must be >= 0",
                            v->csv_path, record + 1, v->revenue_column, revenue);
    t->revenue = isnan(revenue) ? 0 : revenue;
    if (s->week_col >= 0) {
        if (!(week >= 0 && week <= UINT32_MAX && week == floor(week)))
            return bl_error_set(err, BL_EINVAL,
                                "%s: declaration %" PRIu64 ": %s = %g: the week must be a whole "
                                "number from 0",
                                v->csv_path, record + 1, v->week_column, week);
        t->week = (uint32_t)week;
    }
    return 0;
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
    for (size_t m = 0; m < r->n_models; m++)
        GROW(r->models[m].scores);
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
            rc = bl_plugin_load(&mr->handle, path, BL_KIND_RISK, err);
            free(path);
        }
        if (rc != 0) {
            bl_error_prefix(err, "scenario %s, models[%zu]", sc->path ? sc->path : "?", m + 1);
            break;
        }
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

/* The model a gate names: its label, its plugin id, its spec as written
 * in the scenario ("logistic", "x/vendor.so") or a .so file name without
 * ".so" (the first model that matches); -1 when none does. */
static long find_model(const bl_risk_result_t *r, const char *name) {
    size_t len = strlen(name);
    for (int pass = 0; pass < 3; pass++)
        for (size_t m = 0; m < r->n_models; m++) {
            const bl_risk_model_result_t *mr = &r->models[m];
            const char *spec = mr->ref && mr->ref->spec ? mr->ref->spec : "";
            const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
            bool hit = pass == 0   ? strcmp(mr->label, name) == 0
                       : pass == 1 ? strcmp(mr->handle.desc->header.id, name) == 0
                                   : strcmp(spec, name) == 0 || (strncmp(base, name, len) == 0 &&
                                                                 strcmp(base + len, ".so") == 0);
            if (hit)
                return (long)m;
        }
    return -1;
}

/* Gates name a model that is loaded. */
static int check_gates(const bl_risk_result_t *r, const bl_risk_validation_t *v, bl_error_t *err) {
    for (size_t g = 0; g < v->n_gates; g++) {
        double rate;
        if (v->gates[g].metric == NULL || gate_metric(v->gates[g].metric, &rate) < 0)
            return bl_error_set(err, BL_EINVAL,
                                "gate %zu: unknown metric '%s': use precision@R, recall@R, "
                                "revenue@R, auc or pr_auc",
                                g + 1, v->gates[g].metric ? v->gates[g].metric : "");
        if (v->gates[g].model == NULL)
            continue;
        if (find_model(r, v->gates[g].model) < 0) {
            char list[512];
            size_t used = 0;
            list[0] = '\0';
            for (size_t k = 0; k < r->n_models && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                         r->models[k].label);
            return bl_error_set(err, BL_EINVAL,
                                "gate %s:%s: no model is called '%s': name one by its label, "
                                "plugin id or spec; the models are %s",
                                v->gates[g].model, v->gates[g].metric, v->gates[g].model, list);
        }
    }
    return 0;
}

typedef struct score_ctx {
    bl_risk_result_t *r;
    source_t *src;
    void **inst;
    double **out; /* [model][batch] */
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
    mr->calls++;
    int rc = mr->handle.desc->risk->score(c->inst[m], &rec, 0, c->n_rows, out, NULL);
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
            mr->invalid_all++;
        }
    return 0;
}

/* ------------------------------------------------------------------ streaming */

typedef struct stream_state {
    bl_host_services_t *hs;
    void **inst;
    bool *made;
    double **out;
    bl_error_t *errors;
} stream_state_t;

static int stream(bl_risk_result_t *r, const bl_scenario_t *sc, unsigned threads,
                  bl_progress_t *progress, bl_error_t *err) {
    const bl_risk_validation_t *v = bl_risk_validation_of(sc);
    uint32_t batch = v->batch ? v->batch : DEFAULT_BATCH;
    size_t nm = r->n_models, cap = 0;
    source_t src;
    stream_state_t st = {calloc(nm, sizeof *st.hs), calloc(nm, sizeof *st.inst),
                         calloc(nm, sizeof *st.made), calloc(nm, sizeof *st.out),
                         calloc(nm, sizeof *st.errors)};
    int rc = source_open(&src, sc, batch, err);
    if (rc != 0)
        goto out_nosrc;
    if (st.hs == NULL || st.inst == NULL || st.made == NULL || st.out == NULL ||
        st.errors == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t m = 0; m < nm && rc == 0; m++) {
        bl_risk_model_result_t *mr = &r->models[m];
        const bl_plugin_ref_t *ref = mr->ref;
        bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                              (const char *const *)ref->config_values};
        st.out[m] = malloc(batch * sizeof *st.out[m]);
        if (st.out[m] == NULL) {
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
    score_ctx_t ctx = {r, &src, st.inst, st.out, 0, st.errors};
    while (rc == 0) {
        size_t n = 0;
        rc = source_next(&src, &n, err);
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
            rc = row_truth(&src, bl_risk_validation_of(sc), i, record, &t, err);
            if (rc != 0 || !t.labelled)
                continue;
            size_t j = r->n++;
            r->record[j] = record;
            r->week[j] = t.week;
            r->fraud[j] = t.fraud;
            r->critical[j] = t.critical;
            r->revenue[j] = t.revenue;
            for (size_t m = 0; m < nm; m++)
                r->models[m].scores[j] = st.out[m][i];
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
    }
    source_close(&src);
out_nosrc:
    free(st.hs);
    free(st.inst);
    free(st.made);
    free(st.out);
    free(st.errors);
    return rc;
}

/* ------------------------------------------------------------------ gates */

static void evaluate_gates(bl_risk_result_t *r, const bl_risk_validation_t *v) {
    for (size_t g = 0; g < v->n_gates && g < BL_RISK_MAX_GATES; g++) {
        const bl_risk_gate_t *gate = &v->gates[g];
        long m = gate->model != NULL ? find_model(r, gate->model) : 0;
        const bl_risk_model_result_t *mr = &r->models[m < 0 ? 0 : m]; /* checked before */
        double rate, value = NAN;
        int kind = gate_metric(gate->metric, &rate);
        if (kind == GATE_AUC) {
            value = mr->summary.auc;
        } else if (kind == GATE_PR_AUC) {
            value = mr->summary.pr_auc;
        } else {
            bl_risk_at_rate_row_t row;
            size_t j = 0;
            while (j < r->n_rates && fabs(r->rates[j] - rate) > 1e-9)
                j++;
            if (j < r->n_rates) {
                row = mr->at_rate[j];
            } else { /* a rate not in the list: the estimate, no interval */
                bl_rng_t rng;
                bl_rng_init(&rng, r->scenario->seed, g, BL_STREAM_RISK_AT_RATE);
                bl_at_k_t a = bl_at_k(mr->order, r->fraud, r->revenue, r->n, rate, 0, &rng);
                row = bl_risk_at_rate_row(&a);
            }
            value = kind == GATE_PRECISION ? row.precision
                    : kind == GATE_RECALL  ? row.recall
                                           : row.revenue_share;
        }
        bl_risk_gate_row_t *out = &r->gates[r->n_gates++];
        snprintf(out->model, sizeof out->model, "%s", mr->label);
        snprintf(out->metric, sizeof out->metric, "%s", gate->metric);
        out->bound = gate->bound;
        out->value = value;
        out->shortfall = gate->bound - value;
        out->passed = value >= gate->bound;
        r->n_gates_failed += !out->passed;
    }
}

void bl_risk_gate_failures(const bl_risk_result_t *r, char *buf, size_t size) {
    size_t used = 0, shown = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t g = 0; g < r->n_gates; g++) {
        const bl_risk_gate_row_t *x = &r->gates[g];
        if (x->passed)
            continue;
        char line[256];
        if (isnan(x->value))
            snprintf(line, sizeof line,
                     "gate %s of %s: undefined (no fraud to measure it on), "
                     "bound %.6g",
                     x->metric, x->model, x->bound);
        else
            snprintf(line, sizeof line, "gate %s of %s: %.3f is %.3f short of %.6g", x->metric,
                     x->model, x->value, x->shortfall, x->bound);
        /* Keep room for the closing "... and N more" line. */
        if (used + strlen(line) + 2 + 48 > size && shown < r->n_gates_failed - 1) {
            snprintf(buf + used, size - used,
                     "%s... and %zu more failed gates (borderlab show "
                     "lists them)",
                     used ? "\n" : "", r->n_gates_failed - shown);
            return;
        }
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "\n" : "", line);
        if (used >= size)
            return;
        shown++;
    }
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
        rc = check_gates(out, v, err);
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
        evaluate_gates(out, v);
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
