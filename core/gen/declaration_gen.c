/*
 * Synthetic customs declarations: see declaration_gen.h.  This file holds
 * the schema and the records; the world they are drawn from (importers,
 * alias tables, the weekly plan) is built in declaration_world.c; the
 * built-in tables, the config defaults and their validation are in
 * declaration_tables.c.
 *
 * How one record is drawn (always in this order, from one stream, so the
 * stream does not depend on batch sizes):
 *
 *   1. importer ~ importer volume (Pareto weights); its broker is fixed
 *   2. fraud ~ Bernoulli(p_importer), p = min(max_fraud_probability, c * r),
 *      r = lognormal latent risk * habitual factor * lax-broker factor, and c
 *      solved (bisection) so the volume-weighted mean of p is fraud_rate
 *   3. pattern ~ the pattern shares (fraud only)
 *   4. true HS: clean: one of the importer's usual codes with probability
 *      importer_focus, else weight; fraud: weight * risk among the codes the
 *      pattern can apply to (a tariff to evade, a lower-tariff code in the
 *      group for misclassification)
 *   5. declared HS (misclassification: a lower-tariff code of the group)
 *   6. true origin ~ the origins' exports of the code's sector (fraud: times
 *      the origin's risk, among origins whose rate is > 0; false origin:
 *      among non-preferential origins)
 *   7. declared origin (false origin: a preferential origin ~ claim)
 *   8. route ~ weight (fraud: * risk; prohibited goods: * risk^2)
 *   9. kg ~ lognormal(median consignment_value / price_median, quantity_sigma)
 *  10. unit price ~ lognormal(price_median, price_sigma); true value
 *  11. undervaluation factor; declared value
 *  12. critical (duty frauds: with probability q; prohibited goods always)
 *  13. labelled ~ Bernoulli(1 - unlabelled_share)
 *
 * Discrete draws use Walker/Vose alias tables: one uniform each.
 */
#include "gen/declaration_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/rng.h"

#define ID_LEN 11 /* "D" + 10 digits */

/* ------------------------------------------------------------------ */
/* Schema                                                             */
/* ------------------------------------------------------------------ */

enum {
    COL_ID,
    COL_WEEK,
    COL_IMPORTER,
    COL_DECLARANT,
    COL_HS,
    COL_ORIGIN,
    COL_ROUTE,
    COL_KG,
    COL_VALUE,
    COL_VALUE_PER_KG,
    COL_TARIFF,
    COL_PAST_DECL,
    COL_PAST_INSP,
    COL_PAST_FRAUD,
    N_COLS
};

static const char *const column_names[N_COLS] = {BL_DECLARATION_COLUMNS};

static int column_type(int c) {
    switch (c) {
    case COL_ID:
        return BL_COLUMN_IDENTIFIER;
    case COL_IMPORTER:
    case COL_DECLARANT:
    case COL_HS:
    case COL_ORIGIN:
    case COL_ROUTE:
        return BL_COLUMN_CATEGORICAL;
    default:
        return BL_COLUMN_NUMERIC;
    }
}

int bl_declaration_gen_schema(bl_schema_t *schema, bl_error_t *err) {
    for (int c = 0; c < N_COLS; c++) {
        int rc = bl_schema_add(schema, column_names[c], column_type(c), err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

/* Map the table labels of one column into the batch's dictionary; redone
 * only when the dictionary is another one or has grown behind our back. */
static int map_column(dict_map_t *m, bl_dict_t *d, uint32_t n, const char *labels, size_t width,
                      const char *const *names) {
    if (m->dict == d && m->code != NULL && bl_dict_size(d) == m->size)
        return 0;
    if (m->code == NULL && (m->code = malloc(n * sizeof *m->code)) == NULL)
        return BL_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const char *s = labels ? labels + (size_t)i * width : names[i];
        m->code[i] = bl_dict_intern(d, s, strlen(s));
        if (m->code[i] < 0)
            return BL_ENOMEM;
    }
    m->dict = d;
    m->size = bl_dict_size(d);
    return 0;
}

/* "D" and ten digits of x. */
static inline void format_id(char *buf, uint64_t x) {
    buf[0] = 'D';
    for (int i = 10; i >= 1; i--) {
        buf[i] = (char)('0' + x % 10);
        x /= 10;
    }
}

static inline double cents(double x) { return nearbyint(x * 100.0) / 100.0; }

/* Make the records of weeks <= week - lag visible in the histories. */
static void release_pending(bl_declaration_gen_t *g, uint32_t week) {
    uint32_t lag = g->cfg.history_lag_weeks;
    while (g->pend_n > 0) {
        pending_t *p = &g->pend[g->pend_head];
        if ((uint64_t)p->week + lag > week)
            break;
        importer_t *im = &g->imp[p->importer];
        im->past[0]++;
        im->past[1] += p->labelled;
        im->past[2] += p->labelled & p->fraud;
        g->pend_head = (g->pend_head + 1) % g->pend_cap;
        g->pend_n--;
    }
}

int bl_declaration_gen_next(bl_declaration_gen_t *g, bl_batch_t *batch,
                            bl_declaration_truth_t *truth, size_t *n, bl_error_t *err) {
    *n = 0;
    int col[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        col[c] = bl_schema_find(batch->schema, column_names[c]);
        if (col[c] < 0 || batch->schema->columns[col[c]].type != column_type(c))
            return bl_error_set(err, BL_EINVAL,
                                PFX "the batch has no %s column '%s': make its schema with "
                                    "bl_declaration_gen_schema",
                                column_type(c) == BL_COLUMN_NUMERIC       ? "numeric"
                                : column_type(c) == BL_COLUMN_CATEGORICAL ? "categorical"
                                                                          : "identifier",
                                column_names[c]);
    }
    bl_batch_clear(batch);
    int rc = map_column(&g->maps[MAP_IMPORTER], batch->dicts[col[COL_IMPORTER]], g->n_imp,
                        g->imp_labels, g->imp_label_len, NULL);
    if (rc == 0)
        rc = map_column(&g->maps[MAP_DECLARANT], batch->dicts[col[COL_DECLARANT]], g->n_decl,
                        g->decl_labels, g->decl_label_len, NULL);
    if (rc == 0)
        rc = map_column(&g->maps[MAP_HS], batch->dicts[col[COL_HS]], g->n_hs, NULL, 0, g->names);
    if (rc == 0)
        rc = map_column(&g->maps[MAP_ORIGIN], batch->dicts[col[COL_ORIGIN]], g->n_orig, NULL, 0,
                        g->names + g->n_hs);
    if (rc == 0)
        rc = map_column(&g->maps[MAP_ROUTE], batch->dicts[col[COL_ROUTE]], g->n_route, NULL, 0,
                        g->names + g->n_hs + g->n_orig);
    if (rc < 0)
        return bl_error_set(err, rc, PFX "out of memory interning labels");

    const bl_declaration_gen_config_t *cfg = &g->cfg;
    int32_t *c_id = batch->codes[col[COL_ID]];
    bl_dict_t *id_dict = batch->dicts[col[COL_ID]];
    int32_t *c_imp = batch->codes[col[COL_IMPORTER]], *c_decl = batch->codes[col[COL_DECLARANT]];
    int32_t *c_hs = batch->codes[col[COL_HS]], *c_orig = batch->codes[col[COL_ORIGIN]];
    int32_t *c_route = batch->codes[col[COL_ROUTE]];
    double *x_week = batch->numeric[col[COL_WEEK]], *x_kg = batch->numeric[col[COL_KG]];
    double *x_value = batch->numeric[col[COL_VALUE]];
    double *x_vpk = batch->numeric[col[COL_VALUE_PER_KG]];
    double *x_tariff = batch->numeric[col[COL_TARIFF]];
    double *x_pd = batch->numeric[col[COL_PAST_DECL]], *x_pi = batch->numeric[col[COL_PAST_INSP]];
    double *x_pf = batch->numeric[col[COL_PAST_FRAUD]];
    const int32_t *m_imp = g->maps[MAP_IMPORTER].code, *m_decl = g->maps[MAP_DECLARANT].code;
    const int32_t *m_hs = g->maps[MAP_HS].code, *m_orig = g->maps[MAP_ORIGIN].code;
    const int32_t *m_route = g->maps[MAP_ROUTE].code;
    bl_rng_t rng = g->rng;
    int ids = cfg->declaration_ids != 0;
    uint32_t no = g->n_orig, k = cfg->importer_codes;
    double log_kg_base = log(cfg->consignment_value);

    /* Other columns of a wider schema are left missing. */
    for (size_t c = 0; c < batch->schema->n; c++) {
        int ours = 0;
        for (int j = 0; j < N_COLS; j++)
            ours |= col[j] == (int)c;
        if (ours)
            continue;
        if (batch->numeric[c] != NULL)
            for (size_t i = 0; i < batch->capacity; i++)
                batch->numeric[c][i] = NAN;
        if (batch->codes[c] != NULL)
            for (size_t i = 0; i < batch->capacity; i++)
                batch->codes[c][i] = -1;
    }

    size_t rows = 0;
    while (rows < batch->capacity && g->pos < cfg->records) {
        while (g->pos >= g->week_end[g->week])
            g->week++;
        uint32_t week = g->week;
        release_pending(g, week);

        /* Start the id's slot loading now: the record's draws hide the miss
         * (the id dictionary grows with the stream and outruns the cache). */
        char id[ID_LEN];
        uint64_t id_hash = 0;
        if (ids) {
            format_id(id, g->pos + 1);
            id_hash = bl_dict_hash(id, ID_LEN);
            bl_dict_prefetch(id_dict, id_hash);
        }

        uint32_t i = alias_draw(&g->a_imp, &rng);
        importer_t *im = &g->imp[i];
        int fraud = bl_rng_uniform(&rng) < im->fraud_p;
        int pattern = BL_FRAUD_NONE;
        if (fraud) {
            double u = bl_rng_uniform(&rng);
            pattern = BL_FRAUD_UNDERVALUATION;
            while (pattern < BL_FRAUD_PROHIBITED && u >= g->pattern_cum[pattern])
                pattern++;
        }

        uint32_t true_hs;
        if (!fraud) {
            if (bl_rng_uniform(&rng) < cfg->importer_focus)
                true_hs = g->imp_codes[(size_t)i * k + bl_rng_below(&rng, k)];
            else
                true_hs = alias_draw(&g->a_hs_clean, &rng);
        } else {
            true_hs = alias_draw(&g->a_hs_pattern[pattern], &rng);
        }
        uint32_t hs = true_hs;
        if (pattern == BL_FRAUD_MISCLASSIFICATION) {
            uint32_t a = g->lower_at[true_hs], b = g->lower_at[true_hs + 1];
            hs = g->lower[a + bl_rng_below(&rng, b - a)];
        }

        const alias_t *ot = pattern == BL_FRAUD_NONE           ? &g->a_orig_clean[true_hs]
                            : pattern == BL_FRAUD_FALSE_ORIGIN ? &g->a_orig_nonpref[true_hs]
                            : pattern == BL_FRAUD_PROHIBITED   ? &g->a_orig_risky[true_hs]
                                                               : &g->a_orig_duty[true_hs];
        uint32_t true_origin = alias_draw(ot, &rng), origin = true_origin;
        if (pattern == BL_FRAUD_FALSE_ORIGIN)
            origin = alias_draw(&g->a_claim, &rng);

        const alias_t *rt = pattern == BL_FRAUD_NONE         ? &g->a_route_clean
                            : pattern == BL_FRAUD_PROHIBITED ? &g->a_route_prohibited
                                                             : &g->a_route_fraud;
        uint32_t route = alias_draw(rt, &rng);

        const bl_declaration_hs_t *th = &g->hs[true_hs];
        double log_price = log(th->price_median);
        double kg = exp(log_kg_base - log_price + cfg->quantity_sigma * bl_rng_normal(&rng));
        kg = fmax(0.01, cents(kg));
        double price = exp(log_price + th->price_sigma * bl_rng_normal(&rng));
        double true_value = fmax(0.01, cents(kg * price));
        double value = true_value;
        if (pattern == BL_FRAUD_UNDERVALUATION) {
            double f = cfg->undervaluation_min +
                       (cfg->undervaluation_max - cfg->undervaluation_min) * bl_rng_uniform(&rng);
            value = fmax(0.01, cents(true_value * f));
        }
        double rate = g->rate[(size_t)hs * no + origin];
        double revenue = 0.0;
        int critical = 0;
        if (pattern == BL_FRAUD_PROHIBITED) {
            revenue = cfg->prohibited_penalty;
            critical = 1;
        } else if (fraud) {
            revenue = true_value * g->rate[(size_t)true_hs * no + true_origin] - value * rate;
            critical = bl_rng_uniform(&rng) < g->critical_q;
        }
        int labelled = bl_rng_uniform(&rng) >= cfg->unlabelled_share;

        int32_t id_code = ids ? bl_dict_intern_hashed(id_dict, id, ID_LEN, id_hash) : -1;
        if (id_code < 0 && ids) {
            g->rng = rng;
            batch->n_rows = rows;
            *n = rows;
            return bl_error_set(err, BL_ENOMEM, PFX "out of memory interning declaration ids");
        }
        c_id[rows] = id_code;
        x_week[rows] = week;
        c_imp[rows] = m_imp[i];
        c_decl[rows] = m_decl[im->declarant];
        c_hs[rows] = m_hs[hs];
        c_orig[rows] = m_orig[origin];
        c_route[rows] = m_route[route];
        x_kg[rows] = kg;
        x_value[rows] = value;
        x_vpk[rows] = value / kg;
        x_tariff[rows] = rate;
        x_pd[rows] = im->past[0];
        x_pi[rows] = im->past[1];
        x_pf[rows] = im->past[2];
        if (truth != NULL) {
            bl_declaration_truth_t *t = &truth[rows];
            t->index = g->pos;
            t->revenue = revenue;
            t->true_value = true_value;
            t->true_hs = (int32_t)true_hs;
            t->true_origin = (int32_t)true_origin;
            t->hs = (int32_t)hs;
            t->origin = (int32_t)origin;
            t->importer = (int32_t)i;
            t->fraud = (uint8_t)fraud;
            t->critical = (uint8_t)critical;
            t->labelled = (uint8_t)labelled;
            t->pattern = (uint8_t)pattern;
        }

        pending_t *p = &g->pend[(g->pend_head + g->pend_n) % g->pend_cap];
        p->importer = i;
        p->week = week;
        p->labelled = (uint8_t)labelled;
        p->fraud = (uint8_t)fraud;
        g->pend_n++;
        if (cfg->history_lag_weeks == 0)
            release_pending(g, week);
        rows++;
        g->pos++;
    }
    g->rng = rng;
    batch->n_rows = rows;
    *n = rows;
    return 0;
}
