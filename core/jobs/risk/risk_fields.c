/*
 * The field tables of the risk_validation job's constructors
 * (scenario/fields.h): bl.risk_validation, the synthetic declarations
 * (bl.declarations: its defaults are the generator's own,
 * bl_declaration_gen_config_default) and a team's own file (bl.csv).  The
 * converter (scenario_risk.c) reads every field through these rows.
 */
#include "jobs/risk/risk_fields.h"

#include <stdio.h>
#include <string.h>

#include "gen/declaration_gen.h"

static const bl_field_t risk_fields[] = {
    {"declarations", "bl.declarations{...} or bl.csv{...}", "bl.declarations{} (its defaults)",
     "the declarations scored: generated, or a team's own file"},
    {"models", "list of bl.plugin{...}", NULL,
     "the risk models compared; --plugin risk=FILE.so replaces the list"},
    {"rates", "list of percentages", "{1, 2, 5, 10}",
     "inspection rates: the top k = ceil(rate% of N) are inspected"},
    {"breakdown", "list of categorical columns", "none",
     "the metrics per category of these columns (origin, hs_chapter...)"},
    {"weekly_rate", "percentage 0..100", "0",
     "> 0: each week inspects only the top weekly_rate% of its own declarations"},
    {"batch", "integer 1..1048576", "4096", "declarations per score() call"},
    {"bootstrap", "integer 0..1000000", "1000", "resamples for the revenue and paired intervals"},
    {"gate", "{[\"[model:]metric\"] = bound}", "none",
     "the rollout gate: the run exits with status 3 when a metric (precision@N, recall@N, "
     "revenue@N, auc, pr_auc) is below its bound"},
    {NULL},
};

const bl_ctor_t bl_risk_validation_ctor = {
    "bl.risk_validation",
    "the risk_validation job (model developers): declarations scored by risk models, ranked and "
    "measured at the inspection rates a service can afford, with a rollout gate",
    risk_fields, bl_job_fields};

/* ------------------------------------------------------------------ bl.declarations */

#define D(m, t) BL_FIELD_AT(bl_declaration_gen_config_t, m, t)

static const bl_field_t declarations_fields[] = {
    {"records", "integer", NULL, "declarations in all", 0, D(records, BL_AT_U64)},
    {"weeks", "integer", NULL, "weeks they are spread over", 0, D(weeks, BL_AT_U32)},
    {"seed_world", "integer", NULL,
     "< 0: every seed has its own world; >= 0: one world (importers, brokers, their risk) for "
     "every seed, so a model trained on one seed's records can be tested on another's",
     0, D(world_seed, BL_AT_I64)},
    {"fraud_rate", "0..0.5", NULL, "share of fraudulent declarations", 0,
     D(fraud_rate, BL_AT_DOUBLE)},
    {"patterns", "{undervaluation =, misclassification =, false_origin =, prohibited =}", NULL,
     "relative weights of the fraud patterns (normalised; a pattern not listed gets 0)"},
    {"critical", "share 0..1", NULL, "share of fraud that is critical (at least the prohibited)", 0,
     D(critical_share, BL_AT_DOUBLE)},
    {"unlabelled", "share 0..1", NULL, "share never inspected: their outcome is unknown", 0,
     D(unlabelled_share, BL_AT_DOUBLE)},
    {"seasonal_amplitude", "0..1", NULL, "weekly volume multiplier 1 + A cos(2 pi (w - peak) / 52)",
     0, D(seasonal_amplitude, BL_AT_DOUBLE)},
    {"seasonal_peak_week", "week", NULL, "the week of the peak", 0,
     D(seasonal_peak_week, BL_AT_DOUBLE)},
    {"importers", "integer", NULL, "importers", 0, D(importers, BL_AT_U32)},
    {"importer_size_shape", "number > 0", NULL,
     "Pareto shape of importer volume: smaller is heavier-tailed", 0,
     D(importer_size_shape, BL_AT_DOUBLE)},
    {"importer_risk_sigma", "number", NULL, "sigma of an importer's lognormal latent risk", 0,
     D(importer_risk_sigma, BL_AT_DOUBLE)},
    {"habitual_share", "share 0..1", NULL, "share of importers who are habitual fraudsters", 0,
     D(habitual_share, BL_AT_DOUBLE)},
    {"habitual_factor", "number >= 1", NULL, "their risk multiplier", 0,
     D(habitual_factor, BL_AT_DOUBLE)},
    {"importer_codes", "integer 1..64", NULL, "HS codes an importer usually trades", 0,
     D(importer_codes, BL_AT_U32)},
    {"importer_focus", "0..1", NULL, "the chance a clean declaration uses one of them", 0,
     D(importer_focus, BL_AT_DOUBLE)},
    {"declarants", "integer", NULL, "customs brokers", 0, D(declarants, BL_AT_U32)},
    {"declarant_size_shape", "number > 0", NULL, "Pareto shape of brokers' client counts", 0,
     D(declarant_size_shape, BL_AT_DOUBLE)},
    {"lax_declarant_share", "share 0..1", NULL, "share of brokers who look the other way", 0,
     D(lax_declarant_share, BL_AT_DOUBLE)},
    {"lax_declarant_factor", "number >= 1", NULL, "risk multiplier of their clients", 0,
     D(lax_declarant_factor, BL_AT_DOUBLE)},
    {"preferential_factor", "0..1", NULL, "preferential tariff / normal tariff (0: duty-free)", 0,
     D(preferential_factor, BL_AT_DOUBLE)},
    {"consignment_value", "number > 0", NULL, "median consignment value", 0,
     D(consignment_value, BL_AT_DOUBLE)},
    {"quantity_sigma", "number", NULL, "sigma of log kilograms around the median", 0,
     D(quantity_sigma, BL_AT_DOUBLE)},
    {"max_fraud_probability", "0..1", NULL, "cap on one importer's fraud probability", 0,
     D(max_fraud_probability, BL_AT_DOUBLE)},
    {"undervaluation_min", "0..1", NULL, "declared / true value of undervalued goods ~ U(min, max)",
     0, D(undervaluation_min, BL_AT_DOUBLE)},
    {"undervaluation_max", "0..1", NULL, "its upper end", 0, D(undervaluation_max, BL_AT_DOUBLE)},
    {"prohibited_penalty", "number >= 0", NULL, "revenue at stake of prohibited goods", 0,
     D(prohibited_penalty, BL_AT_DOUBLE)},
    {"history_lag_weeks", "integer", NULL,
     "the histories (importer's frauds, inspections) count records up to week w - lag", 0,
     D(history_lag_weeks, BL_AT_U32)},
    {"declaration_ids", "true/false", NULL,
     "fill declaration_id; turn it off for streams of tens of millions (~90 bytes a record)", 0,
     D(declaration_ids, BL_AT_INT)},
    {NULL},
};

static void declarations_defaults(void *st) { bl_declaration_gen_config_default(st); }

/* patterns' default: the generator's shares. */
static const char *declarations_default_text(const char *field, char *buf, size_t n) {
    if (strcmp(field, "patterns") != 0)
        return NULL;
    bl_declaration_gen_config_t g;
    bl_declaration_gen_config_default(&g);
    snprintf(buf, n, "undervaluation %g, misclassification %g, false_origin %g, prohibited %g",
             g.undervaluation_share, g.misclassification_share, g.false_origin_share,
             g.prohibited_share);
    return buf;
}

const bl_ctor_t bl_declarations_ctor = {
    .name = "bl.declarations",
    .doc = "synthetic customs declarations with ground truth (fraud, critical, revenue at stake): "
           "importers, brokers, HS codes, origins and routes from the built-in tables",
    .fields = declarations_fields,
    .defaults = declarations_defaults,
    .defaults_size = sizeof(bl_declaration_gen_config_t),
    .default_text = declarations_default_text,
};

static const bl_field_t patterns_fields[] = {
    {"undervaluation", "weight >= 0", "0", "goods declared below their value"},
    {"misclassification", "weight >= 0", "0", "a lower-tariff HS code of the same group"},
    {"false_origin", "weight >= 0", "0", "a preferential origin claimed falsely"},
    {"prohibited", "weight >= 0", "0", "prohibited goods (always critical)"},
    {NULL},
};

const bl_ctor_t bl_patterns_ctor = {"bl.declarations: patterns",
                                    "the fraud patterns' weights, when patterns= is given",
                                    patterns_fields};

/* ------------------------------------------------------------------ bl.csv */

static const bl_field_t csv_fields[] = {
    {"path", "path", NULL, "a CSV of declarations (RFC 4180), from the scenario's folder"},
    {"columns", "{<column> = numeric, categorical or identifier}", NULL,
     "the columns the models may read"},
    {"label", "column", NULL, "fraudulent (1) or not (0): never shown to a model"},
    {"revenue", "column", "none", "the revenue at stake"},
    {"week", "column", "none", "the week of each declaration (needed by weekly_rate=)"},
    {"labelled", "column", "none: every row", "1 when the row was inspected (its label known)"},
    {"on_bad_row", "fail or skip", "fail", "what a malformed row does"},
    {NULL},
};

const bl_ctor_t bl_csv_ctor = {"bl.csv", "a team's own declarations", csv_fields};

const bl_ctor_t *const bl_risk_ctors[] = {
    &bl_risk_validation_ctor, &bl_declarations_ctor, &bl_patterns_ctor, &bl_csv_ctor, NULL,
};
