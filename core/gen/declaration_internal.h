/*
 * What declaration_gen.c (the world and the records) and
 * declaration_tables.c (the built-in tables, the config defaults and their
 * validation) share.  Not installed; the public API is declaration_gen.h.
 */
#ifndef BL_DECLARATION_INTERNAL_H
#define BL_DECLARATION_INTERNAL_H

#include <stddef.h>

#include "gen/declaration_gen.h"

#define PFX "declaration generator: " /* every message starts so */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
