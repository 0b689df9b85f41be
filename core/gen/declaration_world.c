/*
 * Synthetic customs declarations: the world a generator draws its records
 * from (see declaration_gen.h).  Importers and their brokers, the fraud
 * scale solved so the volume-weighted fraud rate is the configured one,
 * Walker/Vose alias tables over HS codes, origins and routes, the weekly
 * volume plan; bl_declaration_gen_new and _free and the accessors.  The
 * records themselves are drawn in declaration_gen.c, the built-in tables
 * and the config's validation are in declaration_tables.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/declaration_internal.h"
#include "stats/rng.h"

#define TWO_PI 6.283185307179586476925

/* ------------------------------------------------------------------ */
/* Alias tables                                                       */
/* ------------------------------------------------------------------ */

/* Build from n >= 1 non-negative weights with a positive sum (Vose). */
static int alias_build(alias_t *a, const double *w, size_t n) {
    a->n = (uint32_t)n;
    a->prob = malloc(n * sizeof *a->prob);
    a->other = malloc(n * sizeof *a->other);
    uint32_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
    double *p = malloc(n * sizeof *p);
    int rc = BL_ENOMEM;
    if (a->prob == NULL || a->other == NULL || small == NULL || large == NULL || p == NULL)
        goto out;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        p[i] = w[i] * (double)n / sum;
        if (p[i] < 1.0)
            small[ns++] = (uint32_t)i;
        else
            large[nl++] = (uint32_t)i;
    }
    while (ns > 0 && nl > 0) {
        uint32_t s = small[--ns], l = large[nl - 1];
        a->prob[s] = p[s];
        a->other[s] = l;
        p[l] = (p[l] + p[s]) - 1.0;
        if (p[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* Leftovers are 1 up to rounding; a zero-weight slot never stays here
     * while a positive one remains, since its p is 0 < 1. */
    while (nl > 0) {
        uint32_t l = large[--nl];
        a->prob[l] = 1.0;
        a->other[l] = l;
    }
    while (ns > 0) {
        uint32_t s = small[--ns];
        a->prob[s] = w[s] > 0.0 ? 1.0 : 0.0;
        a->other[s] = s;
    }
    /* A zero-weight slot left with itself as alias must not be drawn:
     * point it at any positive slot. */
    for (size_t i = 0; i < n; i++)
        if (a->other[i] == i && w[i] <= 0.0) {
            for (size_t k = 0; k < n; k++)
                if (w[k] > 0.0) {
                    a->other[i] = (uint32_t)k;
                    a->prob[i] = 0.0;
                    break;
                }
        }
    rc = 0;
out:
    free(small);
    free(large);
    free(p);
    return rc;
}

static void alias_fini(alias_t *a) {
    free(a->prob);
    free(a->other);
    a->prob = NULL;
    a->other = NULL;
}

/* ------------------------------------------------------------------ */
/* The generator                                                      */
/* ------------------------------------------------------------------ */

uint64_t bl_declaration_gen_position(const bl_declaration_gen_t *g) { return g->pos; }
uint64_t bl_declaration_gen_records(const bl_declaration_gen_t *g) { return g->cfg.records; }

const bl_declaration_hs_t *bl_declaration_gen_hs(const bl_declaration_gen_t *g, size_t *n) {
    *n = g->n_hs;
    return g->hs;
}

const bl_declaration_origin_t *bl_declaration_gen_origins(const bl_declaration_gen_t *g,
                                                          size_t *n) {
    *n = g->n_orig;
    return g->origins;
}

const bl_declaration_route_t *bl_declaration_gen_routes(const bl_declaration_gen_t *g, size_t *n) {
    *n = g->n_route;
    return g->routes;
}

double bl_declaration_gen_rate(const bl_declaration_gen_t *g, int32_t hs, int32_t origin) {
    if (hs < 0 || (uint32_t)hs >= g->n_hs || origin < 0 || (uint32_t)origin >= g->n_orig)
        return NAN;
    return g->rate[(size_t)hs * g->n_orig + (size_t)origin];
}

void bl_declaration_gen_free(bl_declaration_gen_t *g) {
    if (g == NULL)
        return;
    free(g->hs);
    free(g->origins);
    free(g->routes);
    free(g->strings);
    free(g->names);
    free(g->imp);
    free(g->imp_codes);
    free(g->imp_labels);
    free(g->decl_labels);
    alias_fini(&g->a_imp);
    alias_fini(&g->a_hs_clean);
    for (int p = 0; p < BL_FRAUD_PATTERN_COUNT; p++)
        alias_fini(&g->a_hs_pattern[p]);
    alias_t *per_hs[] = {g->a_orig_clean, g->a_orig_duty, g->a_orig_nonpref, g->a_orig_risky};
    for (size_t t = 0; t < COUNT(per_hs); t++) {
        if (per_hs[t] == NULL)
            continue;
        for (uint32_t h = 0; h < g->n_hs; h++)
            alias_fini(&per_hs[t][h]);
        free(per_hs[t]);
    }
    alias_fini(&g->a_claim);
    alias_fini(&g->a_route_clean);
    alias_fini(&g->a_route_fraud);
    alias_fini(&g->a_route_prohibited);
    free(g->lower);
    free(g->lower_at);
    free(g->rate);
    free(g->week_end);
    free(g->pend);
    for (int m = 0; m < N_MAPS; m++)
        free(g->maps[m].code);
    free(g);
}

/* Copy the tables and their texts into g. */
static int copy_tables(bl_declaration_gen_t *g, const bl_declaration_gen_config_t *cfg) {
    size_t text = 0;
    for (size_t i = 0; i < cfg->n_hs; i++)
        text += strlen(cfg->hs[i].code) + 1 +
                (cfg->hs[i].description ? strlen(cfg->hs[i].description) + 1 : 0);
    for (size_t i = 0; i < cfg->n_origins; i++)
        text += strlen(cfg->origins[i].code) + 1;
    for (size_t i = 0; i < cfg->n_routes; i++)
        text += strlen(cfg->routes[i].name) + 1;
    g->hs = malloc(cfg->n_hs * sizeof *g->hs);
    g->origins = malloc(cfg->n_origins * sizeof *g->origins);
    g->routes = malloc(cfg->n_routes * sizeof *g->routes);
    g->strings = malloc(text);
    g->names = malloc((cfg->n_hs + cfg->n_origins + cfg->n_routes) * sizeof *g->names);
    if (g->hs == NULL || g->origins == NULL || g->routes == NULL || g->strings == NULL ||
        g->names == NULL)
        return BL_ENOMEM;
    char *s = g->strings;
#define DUP(dst, src)                                                                              \
    do {                                                                                           \
        size_t len_ = strlen(src) + 1;                                                             \
        memcpy(s, src, len_);                                                                      \
        dst = s;                                                                                   \
        s += len_;                                                                                 \
    } while (0)
    for (size_t i = 0; i < cfg->n_hs; i++) {
        g->hs[i] = cfg->hs[i];
        DUP(g->hs[i].code, cfg->hs[i].code);
        if (cfg->hs[i].description)
            DUP(g->hs[i].description, cfg->hs[i].description);
    }
    for (size_t i = 0; i < cfg->n_origins; i++) {
        g->origins[i] = cfg->origins[i];
        DUP(g->origins[i].code, cfg->origins[i].code);
    }
    for (size_t i = 0; i < cfg->n_routes; i++) {
        g->routes[i] = cfg->routes[i];
        DUP(g->routes[i].name, cfg->routes[i].name);
    }
#undef DUP
    size_t k = 0;
    for (size_t i = 0; i < cfg->n_hs; i++)
        g->names[k++] = g->hs[i].code;
    for (size_t i = 0; i < cfg->n_origins; i++)
        g->names[k++] = g->origins[i].code;
    for (size_t i = 0; i < cfg->n_routes; i++)
        g->names[k++] = g->routes[i].name;
    g->cfg.hs = g->hs;
    g->cfg.origins = g->origins;
    g->cfg.routes = g->routes;
    return 0;
}

/* Pareto(shape) volume weights, x_m = 1. */
static void pareto_weights(double *w, size_t n, double shape, bl_rng_t *rng) {
    for (size_t i = 0; i < n; i++)
        w[i] = pow(bl_rng_uniform_pos(rng), -1.0 / shape);
}

/* Fixed-width labels "PREFIX000042" for n items. */
static char *make_labels(const char *prefix, uint32_t n, size_t *width) {
    int digits = 4;
    for (uint32_t m = 10000; m <= n - 1 && digits < 10; m *= 10)
        digits++;
    size_t w = strlen(prefix) + (size_t)digits + 1;
    char *labels = malloc((size_t)n * w);
    if (labels == NULL)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        snprintf(labels + (size_t)i * w, w, "%s%0*u", prefix, digits, (unsigned)i);
    *width = w;
    return labels;
}

/* Importers, brokers and their risk; solves for the fraud scale c. */
static int draw_population(bl_declaration_gen_t *g, bl_rng_t *rng) {
    const bl_declaration_gen_config_t *cfg = &g->cfg;
    uint32_t ni = g->n_imp, nd = g->n_decl, k = cfg->importer_codes;
    double *wi = calloc(ni, sizeof *wi), *wd = calloc(nd, sizeof *wd);
    double *risk = malloc(ni * sizeof *risk);
    uint8_t *lax = malloc(nd);
    alias_t a_decl = {0};
    int rc = BL_ENOMEM;
    g->imp = calloc(ni, sizeof *g->imp);
    g->imp_codes = malloc((size_t)ni * k * sizeof *g->imp_codes);
    if (wi == NULL || wd == NULL || risk == NULL || lax == NULL || g->imp == NULL ||
        g->imp_codes == NULL)
        goto out;
    pareto_weights(wd, nd, cfg->declarant_size_shape, rng);
    for (uint32_t d = 0; d < nd; d++)
        lax[d] = bl_rng_uniform(rng) < cfg->lax_declarant_share;
    if ((rc = alias_build(&a_decl, wd, nd)) < 0)
        goto out;
    pareto_weights(wi, ni, cfg->importer_size_shape, rng);
    for (uint32_t i = 0; i < ni; i++) {
        importer_t *im = &g->imp[i];
        im->declarant = alias_draw(&a_decl, rng);
        double r = exp(cfg->importer_risk_sigma * bl_rng_normal(rng));
        if (bl_rng_uniform(rng) < cfg->habitual_share)
            r *= cfg->habitual_factor;
        if (lax[im->declarant])
            r *= cfg->lax_declarant_factor;
        risk[i] = r;
        for (uint32_t j = 0; j < k; j++)
            g->imp_codes[(size_t)i * k + j] = (uint16_t)alias_draw(&g->a_hs_clean, rng);
    }
    if ((rc = alias_build(&g->a_imp, wi, ni)) < 0)
        goto out;

    /* Volume-weighted mean of min(cap, c r) is increasing in c: bisect. */
    double total = 0.0;
    for (uint32_t i = 0; i < ni; i++)
        total += wi[i];
    double lo = 0.0, hi = 1.0, cap = cfg->max_fraud_probability;
    for (int it = 0; it < 200; it++) {
        double mean = 0.0;
        for (uint32_t i = 0; i < ni; i++)
            mean += wi[i] * fmin(cap, hi * risk[i]);
        if (mean / total >= cfg->fraud_rate)
            break;
        hi *= 2.0;
    }
    for (int it = 0; it < 100; it++) {
        double c = 0.5 * (lo + hi), mean = 0.0;
        for (uint32_t i = 0; i < ni; i++)
            mean += wi[i] * fmin(cap, c * risk[i]);
        if (mean / total < cfg->fraud_rate)
            lo = c;
        else
            hi = c;
    }
    for (uint32_t i = 0; i < ni; i++)
        g->imp[i].fraud_p = fmin(cap, hi * risk[i]);
    rc = 0;
out:
    alias_fini(&a_decl);
    free(wi);
    free(wd);
    free(risk);
    free(lax);
    return rc;
}

/* Alias tables over HS codes, origins and routes. */
static int build_tables(bl_declaration_gen_t *g) {
    const bl_declaration_gen_config_t *cfg = &g->cfg;
    uint32_t nh = g->n_hs, no = g->n_orig, nr = g->n_route;
    size_t nw = nh > no ? nh : no;
    if (nr > nw)
        nw = nr;
    double *w = malloc(nw * sizeof *w);
    g->rate = malloc((size_t)nh * no * sizeof *g->rate);
    g->lower_at = malloc(((size_t)nh + 1) * sizeof *g->lower_at);
    size_t n_lower = 0;
    for (uint32_t h = 0; h < nh; h++)
        for (uint32_t k = 0; k < nh; k++)
            n_lower += g->hs[k].group == g->hs[h].group && g->hs[k].tariff < g->hs[h].tariff;
    g->lower = malloc((n_lower ? n_lower : 1) * sizeof *g->lower);
    g->a_orig_clean = calloc(nh, sizeof(alias_t));
    g->a_orig_duty = calloc(nh, sizeof(alias_t));
    g->a_orig_nonpref = calloc(nh, sizeof(alias_t));
    g->a_orig_risky = calloc(nh, sizeof(alias_t));
    int rc = BL_ENOMEM;
    if (w == NULL || g->rate == NULL || g->lower_at == NULL || g->lower == NULL ||
        g->a_orig_clean == NULL || g->a_orig_duty == NULL || g->a_orig_nonpref == NULL ||
        g->a_orig_risky == NULL)
        goto out;

    for (uint32_t h = 0; h < nh; h++)
        for (uint32_t o = 0; o < no; o++)
            g->rate[(size_t)h * no + o] =
                hs_rate(&g->hs[h], &g->origins[o], cfg->preferential_factor);
    uint32_t nl = 0;
    for (uint32_t h = 0; h < nh; h++) {
        g->lower_at[h] = nl;
        for (uint32_t k = 0; k < nh; k++)
            if (k != h && g->hs[k].group == g->hs[h].group && g->hs[k].tariff < g->hs[h].tariff)
                g->lower[nl++] = k;
    }
    g->lower_at[nh] = nl;

    for (uint32_t h = 0; h < nh; h++)
        w[h] = g->hs[h].weight;
    if ((rc = alias_build(&g->a_hs_clean, w, nh)) < 0)
        goto out;
    for (int p = BL_FRAUD_UNDERVALUATION; p < BL_FRAUD_PATTERN_COUNT; p++) {
        double sum = 0.0;
        for (uint32_t h = 0; h < nh; h++) {
            w[h] = bl_declaration_pattern_fits(cfg, p, h) ? g->hs[h].weight * g->hs[h].risk : 0.0;
            sum += w[h];
        }
        if (!(sum > 0.0)) /* the pattern's share is 0 (validated) */
            for (uint32_t h = 0; h < nh; h++)
                w[h] = 1.0;
        if ((rc = alias_build(&g->a_hs_pattern[p], w, nh)) < 0)
            goto out;
    }

    /* Origins by code: clean, duty frauds (rate > 0), false origin (true
     * origin non-preferential), prohibited goods (risk only).  A table
     * with no positive weight is never drawn from (that code is excluded
     * from the pattern): fill it with ones. */
    for (uint32_t h = 0; h < nh; h++) {
        int sector = g->hs[h].sector;
        alias_t *dst[] = {&g->a_orig_clean[h], &g->a_orig_duty[h], &g->a_orig_nonpref[h],
                          &g->a_orig_risky[h]};
        for (int t = 0; t < 4; t++) {
            double sum = 0.0;
            for (uint32_t o = 0; o < no; o++) {
                const bl_declaration_origin_t *org = &g->origins[o];
                double x = org->weight[sector];
                if (t == 1)
                    x = g->rate[(size_t)h * no + o] > 0.0 ? x * org->risk : 0.0;
                else if (t == 2)
                    x = (!org->preferential && g->hs[h].tariff > 0.0) ? x * org->risk : 0.0;
                else if (t == 3)
                    x *= org->risk;
                w[o] = x;
                sum += x;
            }
            if (!(sum > 0.0))
                for (uint32_t o = 0; o < no; o++)
                    w[o] = 1.0;
            if ((rc = alias_build(dst[t], w, no)) < 0)
                goto out;
        }
    }
    double sum = 0.0;
    for (uint32_t o = 0; o < no; o++) {
        w[o] = g->origins[o].preferential ? g->origins[o].claim : 0.0;
        sum += w[o];
    }
    if (!(sum > 0.0))
        for (uint32_t o = 0; o < no; o++)
            w[o] = 1.0;
    if ((rc = alias_build(&g->a_claim, w, no)) < 0)
        goto out;
    for (int t = 0; t < 3; t++) {
        for (uint32_t r = 0; r < nr; r++) {
            double risk = g->routes[r].risk;
            w[r] = g->routes[r].weight * (t == 0 ? 1.0 : t == 1 ? risk : risk * risk);
        }
        alias_t *dst = t == 0   ? &g->a_route_clean
                       : t == 1 ? &g->a_route_fraud
                                : &g->a_route_prohibited;
        if ((rc = alias_build(dst, w, nr)) < 0)
            goto out;
    }
    rc = 0;
out:
    free(w);
    return rc;
}

/* Records per week: cumulative rounding of the seasonal multiplier. */
static int plan_weeks(bl_declaration_gen_t *g) {
    const bl_declaration_gen_config_t *cfg = &g->cfg;
    uint32_t nw = cfg->weeks;
    g->week_end = malloc(nw * sizeof *g->week_end);
    double *m = malloc(nw * sizeof *m);
    if (g->week_end == NULL || m == NULL) {
        free(m);
        return BL_ENOMEM;
    }
    double total = 0.0;
    for (uint32_t w = 0; w < nw; w++) {
        m[w] = 1.0 +
               cfg->seasonal_amplitude * cos(TWO_PI * ((double)w - cfg->seasonal_peak_week) / 52.0);
        total += m[w];
    }
    double cum = 0.0;
    for (uint32_t w = 0; w < nw; w++) {
        cum += m[w];
        g->week_end[w] = (uint64_t)llround((double)cfg->records * cum / total);
    }
    g->week_end[nw - 1] = cfg->records;

    /* Waiting to become visible after a record of week w is pushed: the
     * records of weeks w - lag + 1 .. w (just that record when lag is 0). */
    uint32_t lag = cfg->history_lag_weeks;
    uint64_t cap = 1;
    for (uint32_t w = 0; lag > 0 && w < nw; w++) {
        uint64_t span = g->week_end[w] - (w >= lag ? g->week_end[w - lag] : 0);
        if (span > cap)
            cap = span;
    }
    g->pend_cap = (size_t)cap + 1;
    g->pend = malloc(g->pend_cap * sizeof *g->pend);
    free(m);
    return g->pend == NULL ? BL_ENOMEM : 0;
}

int bl_declaration_gen_new(const bl_declaration_gen_config_t *cfg, uint64_t seed,
                           uint64_t replication, bl_declaration_gen_t **out, bl_error_t *err) {
    *out = NULL;
    int rc = bl_declaration_gen_config_validate(cfg, err);
    if (rc < 0)
        return rc;
    bl_declaration_gen_t *g = calloc(1, sizeof *g);
    if (g == NULL)
        return bl_error_set(err, BL_ENOMEM, PFX "out of memory");
    g->cfg = *cfg;
    g->n_imp = cfg->importers;
    g->n_decl = cfg->declarants;
    g->n_hs = (uint32_t)cfg->n_hs;
    g->n_orig = (uint32_t)cfg->n_origins;
    g->n_route = (uint32_t)cfg->n_routes;
    if ((rc = copy_tables(g, cfg)) < 0 || (rc = build_tables(g)) < 0)
        goto fail;

    bl_rng_t world;
    if (cfg->world_seed >= 0)
        bl_rng_init(&world, (uint64_t)cfg->world_seed, 0, BL_STREAM_DECLARATION_WORLD);
    else
        bl_rng_init(&world, seed, replication, BL_STREAM_DECLARATION_WORLD);
    if ((rc = draw_population(g, &world)) < 0 || (rc = plan_weeks(g)) < 0)
        goto fail;
    g->imp_labels = make_labels("IMP", g->n_imp, &g->imp_label_len);
    g->decl_labels = make_labels("DCL", g->n_decl, &g->decl_label_len);
    if (g->imp_labels == NULL || g->decl_labels == NULL) {
        rc = BL_ENOMEM;
        goto fail;
    }

    /* Cumulative shares, normalised (they sum to 1 within 1e-6) and
     * closed at 1 by the last pattern that may occur, so a draw never lands
     * on a pattern of share 0. */
    const double share[BL_FRAUD_PATTERN_COUNT] = {0.0, cfg->undervaluation_share,
                                                  cfg->misclassification_share,
                                                  cfg->false_origin_share, cfg->prohibited_share};
    double total = 0.0, cum = 0.0;
    int last = BL_FRAUD_UNDERVALUATION;
    for (int p = 1; p < BL_FRAUD_PATTERN_COUNT; p++) {
        total += share[p];
        if (share[p] > 0.0)
            last = p;
    }
    for (int p = 0; p < BL_FRAUD_PATTERN_COUNT; p++) {
        cum += share[p] / total;
        g->pattern_cum[p] = p >= last ? 1.0 : cum;
    }
    g->critical_q = cfg->prohibited_share < 1.0 ? (cfg->critical_share - cfg->prohibited_share) /
                                                      (1.0 - cfg->prohibited_share)
                                                : 0.0;
    bl_rng_init(&g->rng, seed, replication, BL_STREAM_DECLARATION_RECORDS);
    *out = g;
    return 0;
fail:
    bl_declaration_gen_free(g);
    return bl_error_set(err, rc, PFX "out of memory building the world (%u importers)",
                        (unsigned)cfg->importers);
}
