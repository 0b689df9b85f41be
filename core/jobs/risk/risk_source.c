/*
 * Where the risk_validation job's declarations come from (see
 * risk_validation.h, risk_validation_internal.h): the synthetic generator
 * (declaration_gen.h) with its truth beside each batch, or a team's CSV
 * file (csv_reader.h) with truth columns the models never see.  Opening
 * checks the breakdown, label and week columns; each batch then exposes
 * only the model columns to the plugins, and the truth of every row is read
 * back (and checked, for a CSV) here.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/declaration_gen.h"
#include "io/csv_reader.h"
#include "jobs/risk/risk_validation.h"
#include "jobs/risk/risk_validation_internal.h"
#include "plugin/loader.h"

/* ------------------------------------------------------------------ the source */

void bl_risk_source_close(source_t *s) {
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

int bl_risk_source_open(source_t *s, const bl_scenario_t *sc, uint32_t batch, bl_error_t *err) {
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
        bl_risk_source_close(s);
    return rc;
}

/* Next batch into s->batch; *n rows (0 at the end). */
int bl_risk_source_next(source_t *s, size_t *n, bl_error_t *err) {
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

static double cell(const source_t *s, int col, size_t i) {
    return col >= 0 ? s->batch.numeric[col][i] : NAN;
}

/* Truth of row i of the batch; the record is `record` (0-based). */
int bl_risk_source_truth(const source_t *s, const bl_risk_validation_t *v, size_t i,
                         uint64_t record, row_truth_t *t, bl_error_t *err) {
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
