/*
 * Synthetic customs declarations: the built-in tables (HS codes, origins,
 * routes), the config defaults and their validation.  See declaration_gen.h
 * for the API; the generator itself is declaration_gen.c.
 */
#include <math.h>
#include <string.h>

#include "gen/declaration_internal.h"

#define MAX_RECORDS 2147483647ull /* int32 codes of declaration_id */
#define MAX_HS 10000              /* validation compares codes pairwise */

/* ------------------------------------------------------------------ */
/* Built-in tables                                                    */
/* ------------------------------------------------------------------ */

/* Tariffs are plausible MFN-style ad valorem rates, prices plausible
 * customs values per kg (currency units): neither is any one country's. */
static const bl_declaration_hs_t builtin_hs[] = {
    /* code, description, sector, group, tariff, price/kg, sigma, weight, risk */
    {"040210", "milk powder, skimmed", BL_SECTOR_FOOD, 0, 0.10, 3.0, 0.35, 2.0, 1.2},
    {"040221", "milk powder, whole", BL_SECTOR_FOOD, 0, 0.20, 3.6, 0.35, 2.0, 1.2},
    {"040690", "cheese", BL_SECTOR_FOOD, 0, 0.25, 8.0, 0.45, 2.0, 1.0},
    {"020130", "beef, fresh, boneless", BL_SECTOR_FOOD, 1, 0.30, 9.0, 0.40, 1.5, 1.5},
    {"020230", "beef, frozen, boneless", BL_SECTOR_FOOD, 1, 0.20, 6.5, 0.40, 2.0, 1.3},
    {"020714", "chicken cuts, frozen", BL_SECTOR_FOOD, 1, 0.25, 2.5, 0.40, 3.0, 1.5},
    {"080390", "bananas", BL_SECTOR_FOOD, 2, 0.15, 0.9, 0.35, 3.0, 0.8},
    {"080510", "oranges", BL_SECTOR_FOOD, 2, 0.10, 1.0, 0.35, 2.0, 0.8},
    {"090111", "coffee, not roasted", BL_SECTOR_FOOD, 3, 0.02, 4.5, 0.40, 2.0, 0.6},
    {"090121", "coffee, roasted", BL_SECTOR_FOOD, 3, 0.12, 11.0, 0.45, 1.5, 1.0},
    {"170199", "cane or beet sugar", BL_SECTOR_FOOD, 4, 0.30, 0.6, 0.35, 2.0, 1.5},
    {"170490", "sugar confectionery", BL_SECTOR_FOOD, 4, 0.15, 4.0, 0.50, 1.5, 1.0},
    {"100630", "rice, milled", BL_SECTOR_FOOD, 5, 0.20, 0.8, 0.35, 3.0, 1.0},
    {"240220", "cigarettes", BL_SECTOR_TOBACCO, 6, 0.35, 25.0, 0.50, 1.5, 3.0},
    {"240210", "cigars", BL_SECTOR_TOBACCO, 6, 0.25, 80.0, 0.60, 0.3, 2.0},
    {"240319", "smoking tobacco", BL_SECTOR_TOBACCO, 6, 0.30, 18.0, 0.50, 0.6, 2.5},
    {"240311", "water-pipe tobacco", BL_SECTOR_TOBACCO, 6, 0.28, 12.0, 0.50, 0.5, 2.5},
    {"240120", "tobacco leaf", BL_SECTOR_TOBACCO, 6, 0.05, 5.0, 0.50, 0.8, 1.5},
    {"220830", "whisky", BL_SECTOR_TOBACCO, 7, 0.25, 14.0, 0.50, 1.0, 2.0},
    {"220421", "wine, bottled", BL_SECTOR_TOBACCO, 7, 0.15, 5.0, 0.50, 1.5, 1.2},
    {"220710", "ethyl alcohol, undenatured", BL_SECTOR_TOBACCO, 7, 0.30, 1.5, 0.40, 0.5, 2.0},
    {"610910", "T-shirts, cotton, knitted", BL_SECTOR_TEXTILES, 8, 0.30, 16.0, 0.45, 3.0, 1.5},
    {"610990", "T-shirts, other fibres", BL_SECTOR_TEXTILES, 8, 0.25, 14.0, 0.45, 2.0, 1.3},
    {"611020", "jerseys, cotton", BL_SECTOR_TEXTILES, 8, 0.30, 20.0, 0.45, 2.0, 1.5},
    {"611030", "jerseys, man-made fibres", BL_SECTOR_TEXTILES, 8, 0.32, 17.0, 0.45, 2.0, 1.5},
    {"610462", "women's trousers, knitted cotton", BL_SECTOR_TEXTILES, 9, 0.30, 22.0, 0.45, 1.5,
     1.3},
    {"620342", "men's trousers, woven cotton", BL_SECTOR_TEXTILES, 9, 0.25, 19.0, 0.45, 2.0, 1.3},
    {"520100", "cotton, not carded", BL_SECTOR_TEXTILES, 10, 0.00, 1.8, 0.30, 1.0, 0.3},
    {"520512", "cotton yarn", BL_SECTOR_TEXTILES, 10, 0.05, 4.0, 0.35, 1.0, 0.5},
    {"540752", "woven fabric, dyed synthetic", BL_SECTOR_TEXTILES, 11, 0.10, 7.0, 0.40, 1.5, 1.0},
    {"630260", "terry towels, cotton", BL_SECTOR_TEXTILES, 11, 0.20, 9.0, 0.40, 1.0, 1.2},
    {"851712", "mobile phones", BL_SECTOR_ELECTRONICS, 12, 0.10, 220.0, 0.50, 2.0, 1.5},
    {"851762", "network equipment", BL_SECTOR_ELECTRONICS, 12, 0.05, 90.0, 0.55, 1.5, 1.0},
    {"851770", "telephone parts", BL_SECTOR_ELECTRONICS, 12, 0.00, 60.0, 0.60, 1.5, 0.8},
    {"847130", "laptops", BL_SECTOR_ELECTRONICS, 13, 0.05, 180.0, 0.45, 2.0, 1.0},
    {"847150", "processing units", BL_SECTOR_ELECTRONICS, 13, 0.05, 110.0, 0.50, 1.0, 0.8},
    {"847330", "computer parts", BL_SECTOR_ELECTRONICS, 13, 0.00, 70.0, 0.60, 1.5, 0.7},
    {"852872", "television sets", BL_SECTOR_ELECTRONICS, 14, 0.15, 22.0, 0.40, 1.5, 1.3},
    {"852852", "computer monitors", BL_SECTOR_ELECTRONICS, 14, 0.08, 28.0, 0.40, 1.5, 1.0},
    {"850760", "lithium-ion batteries", BL_SECTOR_ELECTRONICS, 15, 0.10, 18.0, 0.50, 1.5, 1.0},
    {"850440", "static converters", BL_SECTOR_ELECTRONICS, 15, 0.06, 25.0, 0.50, 1.5, 0.8},
    {"841810", "fridge-freezers", BL_SECTOR_MACHINERY, 16, 0.20, 4.5, 0.35, 1.0, 1.0},
    {"841821", "household refrigerators", BL_SECTOR_MACHINERY, 16, 0.15, 4.0, 0.35, 1.0, 1.0},
    {"845011", "washing machines", BL_SECTOR_MACHINERY, 17, 0.20, 5.0, 0.35, 1.0, 1.0},
    {"845090", "washing machine parts", BL_SECTOR_MACHINERY, 17, 0.05, 7.0, 0.50, 0.5, 0.8},
    {"848180", "taps and valves", BL_SECTOR_MACHINERY, 18, 0.10, 24.0, 0.50, 1.5, 0.8},
    {"848190", "valve parts", BL_SECTOR_MACHINERY, 18, 0.05, 20.0, 0.50, 1.0, 0.8},
    {"870323", "cars, 1500-3000 cc", BL_SECTOR_MACHINERY, 19, 0.25, 16.0, 0.45, 1.5, 1.8},
    {"870322", "cars, 1000-1500 cc", BL_SECTOR_MACHINERY, 19, 0.15, 12.0, 0.45, 1.5, 1.5},
    {"870899", "vehicle parts", BL_SECTOR_MACHINERY, 19, 0.10, 9.0, 0.50, 2.5, 1.2},
    {"871120", "motorcycles, 50-250 cc", BL_SECTOR_MACHINERY, 19, 0.20, 9.0, 0.45, 0.8, 1.3},
    {"640399", "footwear, leather", BL_SECTOR_OTHER, 20, 0.30, 40.0, 0.45, 1.5, 1.5},
    {"640299", "footwear, rubber or plastics", BL_SECTOR_OTHER, 20, 0.25, 12.0, 0.45, 1.5, 1.3},
    {"640411", "sports footwear, textile", BL_SECTOR_OTHER, 20, 0.20, 25.0, 0.45, 1.5, 1.3},
    {"711319", "jewellery, precious metal", BL_SECTOR_OTHER, 21, 0.20, 25000.0, 0.60, 0.1, 3.0},
    {"711719", "imitation jewellery", BL_SECTOR_OTHER, 21, 0.10, 60.0, 0.60, 0.6, 1.5},
    {"330300", "perfumes", BL_SECTOR_OTHER, 22, 0.25, 60.0, 0.50, 1.0, 1.5},
    {"330499", "beauty preparations", BL_SECTOR_OTHER, 22, 0.20, 30.0, 0.50, 1.5, 1.2},
    {"950300", "toys", BL_SECTOR_OTHER, 23, 0.10, 8.0, 0.50, 2.0, 1.0},
    {"300490", "medicaments", BL_SECTOR_OTHER, 24, 0.00, 90.0, 0.70, 1.5, 0.5},
};

/* Export weights by sector: food, tobacco & alcohol, textiles, electronics,
 * machinery & vehicles, other. */
static const bl_declaration_origin_t builtin_origins[] = {
    {"CN", 0, {2.0, 2.0, 10.0, 12.0, 8.0, 12.0}, 1.3, 0.0},
    {"US", 0, {4.0, 1.0, 1.0, 4.0, 6.0, 3.0}, 0.8, 0.0},
    {"DE", 0, {2.0, 1.0, 1.0, 2.0, 8.0, 3.0}, 0.6, 0.0},
    {"JP", 0, {0.5, 0.2, 0.5, 4.0, 5.0, 2.0}, 0.6, 0.0},
    {"KR", 0, {0.5, 0.2, 1.0, 5.0, 4.0, 2.0}, 0.7, 0.0},
    {"IN", 0, {3.0, 1.0, 5.0, 1.0, 2.0, 3.0}, 1.2, 0.0},
    {"VN", 1, {2.0, 0.5, 6.0, 4.0, 1.0, 4.0}, 1.0, 3.0},
    {"TH", 0, {4.0, 0.5, 2.0, 2.0, 2.0, 2.0}, 1.0, 0.0},
    {"MY", 1, {2.0, 0.3, 1.0, 3.0, 1.0, 1.0}, 1.0, 2.0},
    {"ID", 0, {3.0, 1.5, 3.0, 1.0, 0.5, 2.0}, 1.1, 0.0},
    {"BD", 1, {0.5, 0.0, 8.0, 0.0, 0.0, 0.5}, 1.0, 1.0},
    {"PK", 0, {1.0, 0.3, 4.0, 0.0, 0.3, 1.0}, 1.4, 0.0},
    {"TR", 1, {2.0, 1.0, 4.0, 0.5, 2.0, 2.0}, 1.0, 1.0},
    {"MA", 1, {2.0, 0.3, 2.0, 0.2, 0.3, 0.5}, 1.0, 1.0},
    {"BR", 0, {5.0, 2.0, 0.5, 0.3, 1.0, 1.5}, 1.1, 0.0},
    {"AR", 0, {4.0, 0.5, 0.2, 0.0, 0.3, 0.3}, 1.0, 0.0},
    {"NZ", 0, {4.0, 0.0, 0.2, 0.0, 0.2, 0.2}, 0.5, 0.0},
    {"AU", 0, {3.0, 0.5, 0.2, 0.1, 0.5, 0.5}, 0.5, 0.0},
    {"FR", 0, {3.0, 2.0, 1.0, 0.5, 2.0, 3.0}, 0.6, 0.0},
    {"IT", 0, {2.0, 1.5, 2.0, 0.3, 3.0, 3.0}, 0.7, 0.0},
    {"GB", 0, {1.0, 2.0, 0.5, 0.5, 2.0, 1.5}, 0.6, 0.0},
    {"AE", 0, {0.5, 2.0, 0.5, 1.0, 0.5, 2.0}, 2.0, 0.0},
    {"SG", 1, {0.3, 0.5, 0.2, 2.0, 1.0, 1.0}, 1.3, 2.0},
    {"MX", 1, {3.0, 1.0, 1.0, 2.0, 3.0, 1.0}, 1.0, 1.0},
    {"KH", 1, {0.3, 0.2, 4.0, 0.2, 0.0, 0.5}, 1.0, 2.0},
};

static const bl_declaration_route_t builtin_routes[] = {
    {"sea:direct", 5.0, 1.0},  {"sea:via-SG", 1.5, 1.5},  {"sea:via-AE", 1.0, 2.5},
    {"sea:via-NL", 1.0, 0.9},  {"air:direct", 2.0, 1.0},  {"air:express", 1.5, 1.8},
    {"road:direct", 1.5, 1.0}, {"rail:via-KZ", 0.5, 1.5},
};

const bl_declaration_hs_t *bl_declaration_builtin_hs(size_t *n) {
    *n = COUNT(builtin_hs);
    return builtin_hs;
}

const bl_declaration_origin_t *bl_declaration_builtin_origins(size_t *n) {
    *n = COUNT(builtin_origins);
    return builtin_origins;
}

const bl_declaration_route_t *bl_declaration_builtin_routes(size_t *n) {
    *n = COUNT(builtin_routes);
    return builtin_routes;
}

const char *bl_fraud_pattern_name(int pattern) {
    static const char *const names[] = {"none", "undervaluation", "misclassification",
                                        "false_origin", "prohibited"};
    return pattern >= 0 && pattern < BL_FRAUD_PATTERN_COUNT ? names[pattern] : "?";
}

static const char *const sector_names[BL_SECTOR_COUNT] = {
    "food", "tobacco and alcohol", "textiles", "electronics", "machinery and vehicles", "other"};

/* ------------------------------------------------------------------ */
/* Configuration                                                      */
/* ------------------------------------------------------------------ */

void bl_declaration_gen_config_default(bl_declaration_gen_config_t *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->records = 1000000;
    cfg->weeks = 52;
    cfg->seasonal_amplitude = 0.25;
    cfg->seasonal_peak_week = 46;
    cfg->importers = 2000;
    cfg->importer_size_shape = 1.2;
    cfg->importer_risk_sigma = 0.8;
    cfg->habitual_share = 0.02;
    cfg->habitual_factor = 12.0;
    cfg->importer_codes = 3;
    cfg->importer_focus = 0.8;
    cfg->declarants = 150;
    cfg->declarant_size_shape = 1.0;
    cfg->lax_declarant_share = 0.1;
    cfg->lax_declarant_factor = 2.0;
    cfg->hs = bl_declaration_builtin_hs(&cfg->n_hs);
    cfg->origins = bl_declaration_builtin_origins(&cfg->n_origins);
    cfg->routes = bl_declaration_builtin_routes(&cfg->n_routes);
    cfg->preferential_factor = 0.0;
    cfg->consignment_value = 40000.0;
    cfg->quantity_sigma = 1.0;
    cfg->fraud_rate = 0.06;
    cfg->max_fraud_probability = 0.9;
    cfg->undervaluation_share = 0.5;
    cfg->misclassification_share = 0.2;
    cfg->false_origin_share = 0.2;
    cfg->prohibited_share = 0.1;
    cfg->undervaluation_min = 0.3;
    cfg->undervaluation_max = 0.8;
    cfg->prohibited_penalty = 20000.0;
    cfg->critical_share = 0.2;
    cfg->unlabelled_share = 0.3;
    cfg->history_lag_weeks = 1;
    cfg->declaration_ids = 1;
    cfg->world_seed = -1;
}

static int check_range(bl_error_t *err, const char *field, double v, double lo, double hi,
                       const char *hint) {
    if (v >= lo && v <= hi && isfinite(v))
        return 0;
    return bl_error_set(err, BL_EINVAL, PFX "%s must be in [%g, %g] (got %g)%s%s", field, lo, hi, v,
                        hint[0] ? ": " : "", hint);
}

/* Does HS row h have a code of its group with a lower tariff? */
static int has_lower_sibling(const bl_declaration_hs_t *hs, size_t n, size_t h) {
    for (size_t k = 0; k < n; k++)
        if (k != h && hs[k].group == hs[h].group && hs[k].tariff < hs[h].tariff)
            return 1;
    return 0;
}

/* Can a consignment of code h come from an origin whose rate is > 0 (with
 * non_pref: from a non-preferential origin, with a tariff to claim away)? */
static int dutiable_origin(const bl_declaration_gen_config_t *cfg, size_t h, int non_pref) {
    const bl_declaration_hs_t *hs = &cfg->hs[h];
    for (size_t o = 0; o < cfg->n_origins; o++) {
        const bl_declaration_origin_t *org = &cfg->origins[o];
        if (org->weight[hs->sector] <= 0.0)
            continue;
        if (non_pref ? (!org->preferential && hs->tariff > 0.0)
                     : hs_rate(hs, org, cfg->preferential_factor) > 0.0)
            return 1;
    }
    return 0;
}

/* Can code h be the true code of a fraud of this pattern? */
int bl_declaration_pattern_fits(const bl_declaration_gen_config_t *cfg, int pattern, size_t h) {
    switch (pattern) {
    case BL_FRAUD_UNDERVALUATION:
        return dutiable_origin(cfg, h, 0);
    case BL_FRAUD_MISCLASSIFICATION:
        return has_lower_sibling(cfg->hs, cfg->n_hs, h) && dutiable_origin(cfg, h, 0);
    case BL_FRAUD_FALSE_ORIGIN:
        return dutiable_origin(cfg, h, 1);
    default:
        return 1;
    }
}

static int validate_tables(const bl_declaration_gen_config_t *cfg, bl_error_t *err) {
    if (cfg->hs == NULL || cfg->n_hs == 0)
        return bl_error_set(err, BL_EINVAL, PFX "hs is empty: give at least one HS code");
    if (cfg->n_hs > MAX_HS)
        return bl_error_set(err, BL_EINVAL, PFX "hs has %zu codes, at most %d", cfg->n_hs, MAX_HS);
    if (cfg->origins == NULL || cfg->n_origins == 0)
        return bl_error_set(err, BL_EINVAL, PFX "origins is empty: give at least one origin");
    if (cfg->routes == NULL || cfg->n_routes == 0)
        return bl_error_set(err, BL_EINVAL, PFX "routes is empty: give at least one route");
    double total = 0.0;
    for (size_t i = 0; i < cfg->n_hs; i++) {
        const bl_declaration_hs_t *h = &cfg->hs[i];
        if (h->code == NULL || h->code[0] == '\0' ||
            strspn(h->code, "0123456789") != strlen(h->code))
            return bl_error_set(err, BL_EINVAL,
                                PFX "hs[%zu]: code '%s' must be digits as text (\"040210\")", i + 1,
                                h->code ? h->code : "");
        for (size_t k = 0; k < i; k++)
            if (strcmp(cfg->hs[k].code, h->code) == 0)
                return bl_error_set(err, BL_EINVAL,
                                    PFX "hs[%zu]: code %s already appears at hs[%zu]: give each "
                                        "code once",
                                    i + 1, h->code, k + 1);
        if (h->sector < 0 || h->sector >= BL_SECTOR_COUNT)
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: sector must be 0..%d (got %d)", h->code,
                                BL_SECTOR_COUNT - 1, h->sector);
        if (h->group < 0)
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: group must be >= 0 (got %d)", h->code,
                                h->group);
        if (!(h->tariff >= 0.0 && h->tariff <= 1.0))
            return bl_error_set(err, BL_EINVAL,
                                PFX "hs %s: tariff must be a rate in [0, 1] (got %g): 12%% is 0.12",
                                h->code, h->tariff);
        if (!(h->price_median > 0.0) || !isfinite(h->price_median))
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: price_median must be > 0 (got %g)",
                                h->code, h->price_median);
        if (!(h->price_sigma >= 0.0 && h->price_sigma <= 3.0))
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: price_sigma must be in [0, 3] (got %g)",
                                h->code, h->price_sigma);
        if (!(h->weight >= 0.0) || !isfinite(h->weight))
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: weight must be >= 0 (got %g)", h->code,
                                h->weight);
        if (!(h->risk > 0.0) || !isfinite(h->risk))
            return bl_error_set(err, BL_EINVAL, PFX "hs %s: risk must be > 0 (got %g)", h->code,
                                h->risk);
        total += h->weight;
        if (h->weight > 0.0) {
            double exports = 0.0;
            for (size_t o = 0; o < cfg->n_origins; o++)
                exports += cfg->origins[o].weight[h->sector];
            if (!(exports > 0.0))
                return bl_error_set(err, BL_EINVAL,
                                    PFX "hs %s: no origin exports its sector (%s): give an origin "
                                        "a weight for it",
                                    h->code, sector_names[h->sector]);
        }
    }
    if (!(total > 0.0))
        return bl_error_set(err, BL_EINVAL, PFX "every hs weight is 0: give some code a weight");

    double claim = 0.0;
    for (size_t i = 0; i < cfg->n_origins; i++) {
        const bl_declaration_origin_t *o = &cfg->origins[i];
        if (o->code == NULL || o->code[0] == '\0')
            return bl_error_set(err, BL_EINVAL, PFX "origins[%zu]: code is empty", i + 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp(cfg->origins[k].code, o->code) == 0)
                return bl_error_set(err, BL_EINVAL,
                                    PFX "origins[%zu]: %s already appears at origins[%zu]", i + 1,
                                    o->code, k + 1);
        for (int s = 0; s < BL_SECTOR_COUNT; s++)
            if (!(o->weight[s] >= 0.0) || !isfinite(o->weight[s]))
                return bl_error_set(err, BL_EINVAL,
                                    PFX "origin %s: weight for %s must be >= 0 (got %g)", o->code,
                                    sector_names[s], o->weight[s]);
        if (!(o->risk > 0.0) || !isfinite(o->risk))
            return bl_error_set(err, BL_EINVAL, PFX "origin %s: risk must be > 0 (got %g)", o->code,
                                o->risk);
        if (!(o->claim >= 0.0) || !isfinite(o->claim))
            return bl_error_set(err, BL_EINVAL, PFX "origin %s: claim must be >= 0 (got %g)",
                                o->code, o->claim);
        if (o->preferential)
            claim += o->claim;
    }
    total = 0.0;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const bl_declaration_route_t *r = &cfg->routes[i];
        if (r->name == NULL || r->name[0] == '\0')
            return bl_error_set(err, BL_EINVAL, PFX "routes[%zu]: name is empty", i + 1);
        if (!(r->weight >= 0.0) || !isfinite(r->weight) || !(r->risk > 0.0) || !isfinite(r->risk))
            return bl_error_set(err, BL_EINVAL,
                                PFX "route %s: weight must be >= 0 and risk > 0 (got %g, %g)",
                                r->name, r->weight, r->risk);
        total += r->weight;
    }
    if (!(total > 0.0))
        return bl_error_set(err, BL_EINVAL, PFX "every route weight is 0: give a route a weight");

    /* Each pattern that may occur needs a code it can apply to. */
    const double share[BL_FRAUD_PATTERN_COUNT] = {0.0, cfg->undervaluation_share,
                                                  cfg->misclassification_share,
                                                  cfg->false_origin_share, cfg->prohibited_share};
    static const char *const hint[BL_FRAUD_PATTERN_COUNT] = {
        "", "a code with a tariff and an origin whose rate is > 0",
        "a code with a lower-tariff code in its group (same group number)",
        "a code with a tariff exported by a non-preferential origin", ""};
    for (int p = BL_FRAUD_UNDERVALUATION; p < BL_FRAUD_PROHIBITED; p++) {
        if (!(share[p] > 0.0) || cfg->fraud_rate == 0.0)
            continue;
        int any = 0;
        for (size_t h = 0; h < cfg->n_hs && !any; h++)
            any = cfg->hs[h].weight > 0.0 && bl_declaration_pattern_fits(cfg, p, h);
        if (!any)
            return bl_error_set(err, BL_EINVAL,
                                PFX "%s_share is %g but no HS code allows it: add %s, or set "
                                    "%s_share to 0",
                                bl_fraud_pattern_name(p), share[p], hint[p],
                                bl_fraud_pattern_name(p));
    }
    if (cfg->false_origin_share > 0.0 && cfg->fraud_rate > 0.0 && !(claim > 0.0))
        return bl_error_set(err, BL_EINVAL,
                            PFX "false_origin_share is %g but no preferential origin has a claim "
                                "weight > 0: mark an origin preferential with a claim, or set "
                                "false_origin_share to 0",
                            cfg->false_origin_share);
    return 0;
}

int bl_declaration_gen_config_validate(const bl_declaration_gen_config_t *cfg, bl_error_t *err) {
    if (cfg->records < 1 || cfg->records > MAX_RECORDS)
        return bl_error_set(err, BL_EINVAL, PFX "records must be in [1, %llu] (got %llu)",
                            MAX_RECORDS, (unsigned long long)cfg->records);
    if (cfg->weeks < 1 || cfg->weeks > 10000)
        return bl_error_set(err, BL_EINVAL, PFX "weeks must be in [1, 10000] (got %u)",
                            (unsigned)cfg->weeks);
    int rc;
    if ((rc = check_range(err, "seasonal_amplitude", cfg->seasonal_amplitude, 0.0, 0.99,
                          "0 for a flat year")) ||
        (rc = check_range(err, "seasonal_peak_week", cfg->seasonal_peak_week, -1e6, 1e6, "")))
        return rc;
    if (cfg->importers < 1 || cfg->importers > 10000000)
        return bl_error_set(err, BL_EINVAL, PFX "importers must be in [1, 10000000] (got %u)",
                            (unsigned)cfg->importers);
    if (cfg->declarants < 1 || cfg->declarants > 10000000)
        return bl_error_set(err, BL_EINVAL, PFX "declarants must be in [1, 10000000] (got %u)",
                            (unsigned)cfg->declarants);
    if (cfg->importer_codes < 1 || cfg->importer_codes > 64)
        return bl_error_set(err, BL_EINVAL, PFX "importer_codes must be in [1, 64] (got %u)",
                            (unsigned)cfg->importer_codes);
    if ((rc = check_range(err, "importer_size_shape", cfg->importer_size_shape, 0.1, 100.0,
                          "smaller is heavier-tailed; 1.2 is typical")) ||
        (rc = check_range(err, "importer_risk_sigma", cfg->importer_risk_sigma, 0.0, 5.0, "")) ||
        (rc = check_range(err, "habitual_share", cfg->habitual_share, 0.0, 1.0, "")) ||
        (rc = check_range(err, "habitual_factor", cfg->habitual_factor, 1.0, 1e6, "")) ||
        (rc = check_range(err, "importer_focus", cfg->importer_focus, 0.0, 1.0, "")) ||
        (rc =
             check_range(err, "declarant_size_shape", cfg->declarant_size_shape, 0.1, 100.0, "")) ||
        (rc = check_range(err, "lax_declarant_share", cfg->lax_declarant_share, 0.0, 1.0, "")) ||
        (rc = check_range(err, "lax_declarant_factor", cfg->lax_declarant_factor, 1.0, 1e6, "")) ||
        (rc = check_range(err, "preferential_factor", cfg->preferential_factor, 0.0, 1.0,
                          "preferential rate / normal rate")) ||
        (rc = check_range(err, "consignment_value", cfg->consignment_value, 1e-6, 1e12, "")) ||
        (rc = check_range(err, "quantity_sigma", cfg->quantity_sigma, 0.0, 5.0, "")) ||
        (rc = check_range(err, "fraud_rate", cfg->fraud_rate, 0.0, 0.5,
                          "a share of declarations: 6% is 0.06")) ||
        (rc = check_range(err, "max_fraud_probability", cfg->max_fraud_probability, 0.01, 1.0,
                          "")) ||
        (rc = check_range(err, "undervaluation_share", cfg->undervaluation_share, 0.0, 1.0, "")) ||
        (rc = check_range(err, "misclassification_share", cfg->misclassification_share, 0.0, 1.0,
                          "")) ||
        (rc = check_range(err, "false_origin_share", cfg->false_origin_share, 0.0, 1.0, "")) ||
        (rc = check_range(err, "prohibited_share", cfg->prohibited_share, 0.0, 1.0, "")) ||
        (rc = check_range(err, "undervaluation_min", cfg->undervaluation_min, 1e-6, 0.999999,
                          "declared / true value")) ||
        (rc = check_range(err, "undervaluation_max", cfg->undervaluation_max,
                          cfg->undervaluation_min, 0.999999, "at least undervaluation_min")) ||
        (rc = check_range(err, "prohibited_penalty", cfg->prohibited_penalty, 0.0, 1e15, "")) ||
        (rc = check_range(err, "critical_share", cfg->critical_share, cfg->prohibited_share, 1.0,
                          "prohibited goods are always critical, so it is at least "
                          "prohibited_share")) ||
        (rc = check_range(err, "unlabelled_share", cfg->unlabelled_share, 0.0, 1.0, "")))
        return rc;
    if (cfg->fraud_rate > cfg->max_fraud_probability)
        return bl_error_set(err, BL_EINVAL,
                            PFX "fraud_rate %g is above max_fraud_probability %g: raise the cap "
                                "or lower the rate",
                            cfg->fraud_rate, cfg->max_fraud_probability);
    double sum = cfg->undervaluation_share + cfg->misclassification_share +
                 cfg->false_origin_share + cfg->prohibited_share;
    if (fabs(sum - 1.0) > 1e-6)
        return bl_error_set(err, BL_EINVAL,
                            PFX "the fraud pattern shares (undervaluation %g, misclassification "
                                "%g, false_origin %g, prohibited %g) sum to %g: they must sum to 1",
                            cfg->undervaluation_share, cfg->misclassification_share,
                            cfg->false_origin_share, cfg->prohibited_share, sum);
    if (cfg->history_lag_weeks > cfg->weeks)
        return bl_error_set(err, BL_EINVAL,
                            PFX "history_lag_weeks must be in [0, weeks = %u] (got %u)",
                            (unsigned)cfg->weeks, (unsigned)cfg->history_lag_weeks);
    return validate_tables(cfg, err);
}
