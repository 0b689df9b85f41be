/*
 * What declaration_world.c (the world: importers, alias tables, the weekly
 * plan), declaration_gen.c (the records) and declaration_tables.c (the
 * built-in tables, the config defaults and their validation) share.  Not
 * installed; the public API is declaration_gen.h.
 */
#ifndef BL_DECLARATION_INTERNAL_H
#define BL_DECLARATION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gen/declaration_gen.h"
#include "stats/rng.h"

#define PFX "declaration generator: " /* every message starts so */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A Walker/Vose alias table: one uniform per discrete draw (built in
 * declaration_world.c). */
typedef struct alias {
    uint32_t n;
    double *prob;    /* acceptance probability of slot i */
    uint32_t *other; /* the alias of slot i */
} alias_t;

/* Draw a slot of a (built from positive weights). */
static inline uint32_t alias_draw(const alias_t *a, bl_rng_t *rng) {
    double u = bl_rng_uniform(rng) * a->n;
    uint32_t i = (uint32_t)u;
    if (i >= a->n) /* u rounds up to n only for n > 2^53 */
        i = a->n - 1;
    return u - i < a->prob[i] ? i : a->other[i];
}

/* An importer of the world: its fraud probability, broker and the history
 * the records show. */
typedef struct importer {
    double fraud_p;
    uint32_t declarant;
    uint32_t past[3]; /* declarations, inspections, frauds found (visible) */
} importer_t;

/* A record whose outcome is not yet visible in the histories. */
typedef struct pending {
    uint32_t importer;
    uint32_t week;
    uint8_t labelled, fraud;
} pending_t;

/* The map from a column's table index to the batch dictionary's codes. */
typedef struct dict_map {
    const bl_dict_t *dict;
    size_t size; /* dictionary size after we interned */
    int32_t *code;
} dict_map_t;

enum { MAP_IMPORTER, MAP_DECLARANT, MAP_HS, MAP_ORIGIN, MAP_ROUTE, N_MAPS };

/* The world (drawn once by bl_declaration_gen_new) and where the record
 * stream stands (advanced by bl_declaration_gen_next). */
struct bl_declaration_gen {
    bl_declaration_gen_config_t cfg; /* tables point at the copies below */
    bl_declaration_hs_t *hs;
    bl_declaration_origin_t *origins;
    bl_declaration_route_t *routes;
    char *strings;      /* copies of the tables' texts */
    const char **names; /* hs codes, origin codes, route names */

    uint32_t n_imp, n_decl, n_hs, n_orig, n_route;
    importer_t *imp;
    uint16_t *imp_codes;            /* [importer * importer_codes + k] */
    char *imp_labels, *decl_labels; /* fixed-width, NUL-terminated */
    size_t imp_label_len, decl_label_len;

    alias_t a_imp, a_hs_clean, a_hs_pattern[BL_FRAUD_PATTERN_COUNT];
    alias_t *a_orig_clean, *a_orig_duty, *a_orig_nonpref, *a_orig_risky; /* [hs] */
    alias_t a_claim, a_route_clean, a_route_fraud, a_route_prohibited;
    uint32_t *lower;    /* lower-tariff siblings, by hs: lower[lower_at[h] ..] */
    uint32_t *lower_at; /* n_hs + 1 offsets */
    double *rate;       /* [hs * n_orig + origin] */
    double pattern_cum[BL_FRAUD_PATTERN_COUNT]; /* cumulative shares, [0] = 0 */
    double critical_q;                          /* critical probability of duty frauds */

    uint64_t *week_end; /* records before the end of week w */
    uint64_t pos;
    uint32_t week;

    pending_t *pend; /* ring buffer */
    size_t pend_cap, pend_head, pend_n;

    bl_rng_t rng;
    dict_map_t maps[N_MAPS];
};

/* Duty rate of code h from origin o with preferential factor pref (the
 * formula in declaration_gen.h).  h and o are borrowed. */
static inline double hs_rate(const bl_declaration_hs_t *h, const bl_declaration_origin_t *o,
                             double pref) {
    return o->preferential ? h->tariff * pref : h->tariff;
}

/* Can code h (an index into cfg->hs) be the true code of a fraud of this
 * pattern (bl_fraud_pattern_t)?  1 or 0.  cfg is borrowed for the call. */
int bl_declaration_pattern_fits(const bl_declaration_gen_config_t *cfg, int pattern, size_t h);

#endif
