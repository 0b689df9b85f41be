/*
 * Synthetic customs declarations with ground truth, for risk-model
 * validation.  A scenario configures the generator (from Lua); C samples it.
 *
 * The world: importers with a heavy-tailed (Pareto) size distribution, a
 * latent fraud propensity and a few habitual fraudsters; declarants
 * (customs brokers) each serving many importers, some of them lax; HS codes
 * with tariff rates, lognormal unit prices per kg and groups of similar
 * goods; origins with export profiles by sector, some with a preferential
 * tariff; routes (ports and transits).  Declarations are spread over weeks
 * with a seasonal volume multiplier and come out in time order.
 *
 * Fraud patterns and the revenue at stake (the duty the fraud evades):
 *
 *   rate(h, o)  = tariff(h) * (origin o preferential ? preferential_factor : 1)
 *   duty        = value * rate(hs, origin)
 *   revenue     = true_value * rate(true_hs, true_origin)
 *                 - declared_value * rate(declared_hs, declared_origin)
 *
 *   undervaluation     declared_value = true_value * f, f ~ U(undervaluation_min, _max):
 *                      revenue = (true_value - declared_value) * rate(hs, origin)
 *   misclassification  declared hs = a code of the same group with a lower tariff:
 *                      revenue = true_value * (rate(true_hs, o) - rate(declared_hs, o))
 *   false origin       declared origin = a preferential origin, true origin is not:
 *                      revenue = true_value * (rate(h, true_origin) - rate(h, declared_origin))
 *   prohibited goods   prohibited items hidden in a consignment declared as what else it
 *                      holds: revenue = prohibited_penalty; always critical
 *   clean              revenue = 0
 *
 * Values are rounded to cents before the revenue is computed, so it is
 * exactly reproducible from the declared columns and the truth.
 *
 * Ground truth (bl_declaration_truth_t) comes back beside the batch and
 * never enters it: no column of the schema is derived from the truth of its
 * own record.  The importer histories count only records of earlier weeks
 * (history_lag_weeks, default 1: the outcome of an inspection is known the
 * week after), and an inspection (a labelled record) finds the fraud there
 * is, so past_frauds is what the service would know at the time.
 *
 * Determinism (streams of rng.h): the world is drawn from stream
 * BL_STREAM_DECLARATION_WORLD of (world_seed or seed, replication) and the
 * records, one after the other, from stream BL_STREAM_DECLARATION_RECORDS
 * of (seed, replication).
 * The stream of records does not depend on the batch sizes asked for.
 */
#ifndef BL_DECLARATION_GEN_H
#define BL_DECLARATION_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/records.h"

/* Trade sectors: link HS codes to the origins that export them. */
typedef enum bl_trade_sector {
    BL_SECTOR_FOOD = 0,
    BL_SECTOR_TOBACCO = 1, /* tobacco and alcohol */
    BL_SECTOR_TEXTILES = 2,
    BL_SECTOR_ELECTRONICS = 3,
    BL_SECTOR_MACHINERY = 4, /* machinery and vehicles */
    BL_SECTOR_OTHER = 5,     /* footwear, jewellery, cosmetics, toys, steel, medicines */
    BL_SECTOR_COUNT
} bl_trade_sector_t;

typedef enum bl_fraud_pattern {
    BL_FRAUD_NONE = 0,
    BL_FRAUD_UNDERVALUATION = 1,
    BL_FRAUD_MISCLASSIFICATION = 2,
    BL_FRAUD_FALSE_ORIGIN = 3,
    BL_FRAUD_PROHIBITED = 4,
    BL_FRAUD_PATTERN_COUNT
} bl_fraud_pattern_t;

/* "undervaluation"... ("none" for BL_FRAUD_NONE, "?" when out of range). */
const char *bl_fraud_pattern_name(int pattern);

/* One HS code (a six-digit subheading). */
typedef struct bl_declaration_hs {
    const char *code;        /* digits as text, leading zeros kept: "040210" */
    const char *description; /* short, for reports; may be NULL */
    int sector;              /* bl_trade_sector_t */
    int group;               /* codes of similar goods share a group (>= 0): a misclassified
                                declaration names a lower-tariff code of its group */
    double tariff;           /* ad valorem rate, 0..1 (the built-in table uses 0..0.35) */
    double price_median;     /* median unit price per kg, > 0 */
    double price_sigma;      /* sigma of the log unit price, 0..3 */
    double weight;           /* relative frequency in clean trade, >= 0 */
    double risk;             /* relative fraud propensity, > 0: the frequency among fraudulent
                                declarations is weight * risk */
} bl_declaration_hs_t;

/* One country of origin. */
typedef struct bl_declaration_origin {
    const char *code;               /* ISO 3166 alpha-2: "CN" */
    int preferential;               /* 1: a trade agreement gives its goods the preferential rate */
    double weight[BL_SECTOR_COUNT]; /* export volume by sector, >= 0 */
    double risk;                    /* fraud propensity, > 0 */
    double claim;                   /* preferential origins: how often it is the origin claimed
                                       by false-origin fraud (>= 0) */
} bl_declaration_origin_t;

/* One route (port of entry, transit). */
typedef struct bl_declaration_route {
    const char *name; /* "sea:via-AE" */
    double weight;    /* relative frequency, >= 0 */
    double risk;      /* fraud propensity, > 0 (prohibited goods: risk squared) */
} bl_declaration_route_t;

/* The built-in tables (60 HS codes, 25 origins, 8 routes). */
const bl_declaration_hs_t *bl_declaration_builtin_hs(size_t *n);
const bl_declaration_origin_t *bl_declaration_builtin_origins(size_t *n);
const bl_declaration_route_t *bl_declaration_builtin_routes(size_t *n);

/* What to generate; bl_declaration_gen_config_default() fills the defaults
 * (`borderlab fields bl.declarations` prints them: the scenario reference
 * reads them from there).  Field names are the keys a scenario uses. */
typedef struct bl_declaration_gen_config {
    uint64_t records;          /* declarations in all, at most 2^31 - 1 */
    uint32_t weeks;            /* weeks they are spread over */
    double seasonal_amplitude; /* weekly volume multiplier 1 + A cos(2 pi (w - peak) / 52),
                                  0 <= A < 1 */
    double seasonal_peak_week; /* week of the peak (ahead of the year-end holidays by default) */

    uint32_t importers;          /* importers (traders declaring goods) */
    double importer_size_shape;  /* Pareto shape of importer volume: smaller is heavier-tailed,
                                    > 0 */
    double importer_risk_sigma;  /* sigma of an importer's lognormal latent risk */
    double habitual_share;       /* share of importers who are habitual fraudsters */
    double habitual_factor;      /* their risk multiplier, >= 1 */
    uint32_t importer_codes;     /* HS codes an importer usually trades, >= 1 */
    double importer_focus;       /* probability a clean declaration uses one of them */
    uint32_t declarants;         /* customs brokers */
    double declarant_size_shape; /* Pareto shape of brokers' client counts */
    double lax_declarant_share;  /* share of brokers who look the other way */
    double lax_declarant_factor; /* risk multiplier of their clients, >= 1 */

    /* Tables (borrowed: copied by bl_declaration_gen_new).  The defaults are
     * the built-in tables. */
    const bl_declaration_hs_t *hs;
    size_t n_hs;
    const bl_declaration_origin_t *origins;
    size_t n_origins;
    const bl_declaration_route_t *routes;
    size_t n_routes;
    double preferential_factor; /* preferential rate / normal rate, 0..1 (0: duty-free) */
    double consignment_value;   /* median consignment value; median kg = value / price */
    double quantity_sigma;      /* sigma of log kg around it */

    double fraud_rate;            /* share of fraudulent declarations, 0..0.5 */
    double max_fraud_probability; /* cap on one importer's fraud probability */
    double undervaluation_share;  /* fraud pattern shares, >= 0, summing to 1 */
    double misclassification_share;
    double false_origin_share;
    double prohibited_share;
    double undervaluation_min;  /* declared / true value of undervalued goods ~ U(min, max), */
    double undervaluation_max;  /* 0 < min <= max < 1 */
    double prohibited_penalty;  /* revenue at stake of prohibited goods, >= 0 */
    double critical_share;      /* share of fraud that is critical, >= prohibited_share */
    double unlabelled_share;    /* share never inspected, 0..1 */
    uint32_t history_lag_weeks; /* histories count records of weeks <= w - lag */
    int declaration_ids;        /* 1: fill declaration_id; 0: leave it missing.  Its
                                   dictionary holds every id, ~90 bytes per record: turn it off
                                   for streams of tens of millions (truth.index + 1 is the id) */
    int64_t world_seed;         /* < 0: the world of (seed, replication) (-1); >= 0: one world
                                   (importers, brokers, their risk) for every seed and
                                   replication, so a model trained on one seed's records can be
                                   tested on another's */
} bl_declaration_gen_config_t;

void bl_declaration_gen_config_default(bl_declaration_gen_config_t *cfg);

/* Check every field and table; BL_EINVAL with a message naming the field
 * (or the table row) and what to do. */
int bl_declaration_gen_config_validate(const bl_declaration_gen_config_t *cfg, bl_error_t *err);

/* Column names of the schema, in its order. */
#define BL_DECLARATION_COLUMNS                                                                     \
    "declaration_id", "week", "importer", "declarant", "hs_code", "origin", "route",               \
        "quantity_kg", "declared_value", "value_per_kg", "tariff_rate",                            \
        "importer_past_declarations", "importer_past_inspections", "importer_past_frauds"

/*
 * Append the declaration columns to schema (an empty, zeroed bl_schema_t or
 * one with other columns; the caller finalises it):
 *
 *   declaration_id             identifier   "D0000000001", in stream order
 *   week                       numeric      0 .. weeks-1
 *   importer                   categorical  "IMP0042" (4 digits or more)
 *   declarant                  categorical  "DCL0007"
 *   hs_code                    categorical  declared code, text with leading zeros
 *   origin                     categorical  declared origin, ISO alpha-2
 *   route                      categorical
 *   quantity_kg                numeric
 *   declared_value             numeric
 *   value_per_kg               numeric      declared_value / quantity_kg
 *   tariff_rate                numeric      rate of the declared code and origin
 *   importer_past_declarations numeric      this importer's records of weeks <= w - lag
 *   importer_past_inspections  numeric      ... of which labelled (inspected)
 *   importer_past_frauds       numeric      ... of which inspected and fraudulent
 *
 * importer is categorical, not an identifier: who imports is a legitimate
 * and strong risk factor (selectivity systems profile importers, and the
 * DATE model embeds the importer id), and a model trained on one stretch of
 * a world scores later declarations of the same importers.  declaration_id
 * is only an identifier.
 */
int bl_declaration_gen_schema(bl_schema_t *schema, bl_error_t *err);

/* Ground truth of one record: never handed to a plugin. */
typedef struct bl_declaration_truth {
    uint64_t index;      /* position in the stream, from 0 */
    double revenue;      /* revenue at stake (see above); 0 when clean */
    double true_value;   /* what the goods are worth (cents) */
    int32_t true_hs;     /* index into the generator's HS table */
    int32_t true_origin; /* index into the origin table */
    int32_t hs;          /* declared HS index (as in the batch) */
    int32_t origin;      /* declared origin index (as in the batch) */
    int32_t importer;    /* importer index */
    uint8_t fraud;       /* 0/1 */
    uint8_t critical;    /* 0/1: prohibited goods always; other fraud with probability
                            (critical_share - prohibited_share) / (1 - prohibited_share) */
    uint8_t labelled;    /* 0: never inspected, the label is unknown to evaluation */
    uint8_t pattern;     /* bl_fraud_pattern_t */
} bl_declaration_truth_t;

typedef struct bl_declaration_gen bl_declaration_gen_t;

/*
 * Validate cfg, draw the world and get ready to produce the records of
 * (seed, replication).  cfg and its tables are borrowed for the call only.
 * *out is the caller's, to release with bl_declaration_gen_free.  Returns 0,
 * BL_EINVAL (err says which field), BL_ENOMEM.
 */
int bl_declaration_gen_new(const bl_declaration_gen_config_t *cfg, uint64_t seed,
                           uint64_t replication, bl_declaration_gen_t **out, bl_error_t *err);
void bl_declaration_gen_free(bl_declaration_gen_t *g);

/*
 * Clear batch and fill it with the next records of the stream, up to
 * batch->capacity of them; truth[i] (caller-owned, at least capacity
 * entries; may be NULL) gets the truth of row i.  *n is the number of rows,
 * 0 once the stream is done.  The batch must hold the schema's columns (by
 * name and type; from bl_declaration_gen_schema, possibly among others,
 * which are left missing).  Categorical codes come from the batch's
 * dictionaries: keep the same dictionaries across calls (one batch, or
 * bl_batch_share_dicts) and every label of a column is interned at the
 * first call, in table order.  Returns 0, BL_EINVAL (a column missing or of
 * the wrong type), BL_ENOMEM.
 */
int bl_declaration_gen_next(bl_declaration_gen_t *g, bl_batch_t *batch,
                            bl_declaration_truth_t *truth, size_t *n, bl_error_t *err);

/* Records produced so far, and in all. */
uint64_t bl_declaration_gen_position(const bl_declaration_gen_t *g);
uint64_t bl_declaration_gen_records(const bl_declaration_gen_t *g);

/* The generator's tables (its own copies, valid until _free). */
const bl_declaration_hs_t *bl_declaration_gen_hs(const bl_declaration_gen_t *g, size_t *n);
const bl_declaration_origin_t *bl_declaration_gen_origins(const bl_declaration_gen_t *g, size_t *n);
const bl_declaration_route_t *bl_declaration_gen_routes(const bl_declaration_gen_t *g, size_t *n);

/* Duty rate of HS index hs from origin index origin (see the formula above);
 * NaN when an index is out of range. */
double bl_declaration_gen_rate(const bl_declaration_gen_t *g, int32_t hs, int32_t origin);

#endif
