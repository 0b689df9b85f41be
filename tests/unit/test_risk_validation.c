/*
 * The risk_validation job end to end: scenarios built by hand (no Lua),
 * run through bl_run_scenario (run.h) into HDF5 files under
 * $top_builddir/tests/out/risk_validation, read back through the table
 * descriptions of risk_results.h.  The logistic plugin is loaded from
 * $top_builddir/plugins/risk/logistic/.libs (`make check` builds it).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>

#include "jobs/jobs.h"
#include "jobs/risk/risk_results.h"
#include "jobs/risk/risk_validation.h"
#include "results/results_schema.h"
#include "run/run.h"
#include "test_util.h"

#define LOGISTIC_SO "plugins/risk/logistic/.libs/logistic.so"
#define RECORDS 20000

static char outdir[2200], logistic[2400];

static int setup_paths(void **state) {
    (void)state;
    if (tu_outdir(outdir, sizeof outdir, "risk_validation") != 0)
        return -1;
    tu_builddir_path(logistic, sizeof logistic, LOGISTIC_SO);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ scenarios */

/* A logistic model with n config pairs (copied). */
static void add_model(bl_risk_validation_t *v, size_t n, const char *const *keys,
                      const char *const *values) {
    v->models = realloc(v->models, (v->n_models + 1) * sizeof *v->models);
    assert_non_null(v->models);
    bl_plugin_ref_t *p = &v->models[v->n_models++];
    memset(p, 0, sizeof *p);
    p->spec = strdup(logistic);
    p->n_config = n;
    p->config_keys = calloc(n, sizeof *p->config_keys);
    p->config_values = calloc(n, sizeof *p->config_values);
    for (size_t i = 0; i < n; i++) {
        p->config_keys[i] = strdup(keys[i]);
        p->config_values[i] = strdup(values[i]);
    }
}

/* Generated declarations scored by two logistic models: one on value per
 * kg and the importer's past frauds, one on value per kg only. */
static void generated_scenario(bl_scenario_t *sc, uint64_t seed) {
    memset(sc, 0, sizeof *sc);
    sc->name = strdup("risk_test");
    sc->kind = &bl_risk_validation_kind;
    sc->seed = seed;
    sc->replications = 1;
    bl_risk_validation_t *v = calloc(1, sizeof *v);
    assert_non_null(v);
    sc->settings = v;
    bl_declaration_gen_config_default(&v->generator);
    v->generator.records = RECORDS;
    v->generator.importers = 400;
    v->generator.world_seed = 7;
    const char *k1[] = {"intercept", "weights.value_per_kg", "mean.value_per_kg",
                        "scale.value_per_kg", "weights.importer_past_frauds"};
    const char *v1[] = {"-2", "-0.8", "40", "60", "0.9"};
    add_model(v, 5, k1, v1);
    const char *k2[] = {"intercept", "weights.value_per_kg", "mean.value_per_kg",
                        "scale.value_per_kg"};
    const char *v2[] = {"-2", "-0.5", "40", "60"};
    add_model(v, 4, k2, v2);
    v->n_rates = 4;
    const double rates[] = {1, 2, 5, 10};
    memcpy(v->rates, rates, sizeof rates);
    v->breakdown = calloc(1, sizeof *v->breakdown);
    v->breakdown[0] = strdup("origin");
    v->n_breakdown = 1;
    v->weekly_rate = 5;
    v->batch = 1000;
    v->bootstrap = 200;
}

/* Rows of a per-model table (bl_results_table_read_at); caller frees. */
static void *model_table(hid_t f, const char *label, const bl_results_table_t *t, size_t *n) {
    char path[512];
    void *rows = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    snprintf(path, sizeof path, "%s/%s/%s", BL_RISK_MODELS_GROUP, label, t->path);
    int rc = bl_results_table_read_at(f, t, path, &rows, n, "test", &err);
    if (rc != 0)
        fail_msg("%s: %s", path, err.message);
    return rows;
}

/* ------------------------------------------------------------------ generated */

/* The at_rate table: every rate, k = ceil(rate% of N), precision =
 * caught / k inside its interval; both models, the pair compared. */
static void test_risk_validation_generated(void **state) {
    (void)state;
    bl_scenario_t sc;
    generated_scenario(&sc, 11);
    const char *out = tu_fresh_path(outdir, "generated.h5");
    bl_run_options_t o = tu_run_options(out, "test_risk_validation");
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("run: %s", err.message);

    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n_truth = 0, n_at = 0, n_sum = 0, n_cmp = 0, n_week = 0, n_bd = 0;
    bl_risk_truth_row_t *truth = tu_read_table(f, &bl_risk_truth_table, &n_truth);
    assert_true(n_truth > RECORDS / 2 && n_truth < RECORDS); /* ~30% unlabelled */
    uint64_t frauds = 0;
    for (size_t i = 0; i < n_truth; i++) {
        frauds += truth[i].fraud;
        if (i > 0)
            assert_true(truth[i].record > truth[i - 1].record);
    }
    const char *labels[] = {"borderlab.logistic", "borderlab.logistic-2"};
    const double rates[] = {1, 2, 5, 10};
    for (size_t m = 0; m < 2; m++) {
        bl_risk_at_rate_row_t *at = model_table(f, labels[m], &bl_risk_at_rate_table, &n_at);
        assert_int_equal(n_at, 4);
        for (size_t j = 0; j < n_at; j++) {
            assert_true(at[j].rate == rates[j]);
            assert_int_equal(at[j].k, (uint64_t)ceil(rates[j] / 100.0 * (double)n_truth));
            assert_int_equal(at[j].frauds_total, frauds);
            assert_true(fabs(at[j].precision - (double)at[j].frauds_caught / (double)at[j].k) <
                        1e-12);
            assert_true(at[j].precision_low <= at[j].precision &&
                        at[j].precision <= at[j].precision_high);
            assert_true(at[j].recall_low <= at[j].recall && at[j].recall <= at[j].recall_high);
            assert_true(at[j].revenue_share_low <= at[j].revenue_share &&
                        at[j].revenue_share <= at[j].revenue_share_high);
        }
        free(at);
        bl_risk_summary_row_t *s = model_table(f, labels[m], &bl_risk_summary_table, &n_sum);
        assert_int_equal(n_sum, 1);
        assert_int_equal(s->declarations, n_truth);
        assert_int_equal(s->invalid_scores, 0);
        assert_true(s->auc_low <= s->auc && s->auc <= s->auc_high && s->auc > 0.5);
        assert_true(s->brier >= 0 && s->brier <= 1);
        free(s);
        /* Weekly: each week inspects ceil(5% of its declarations). */
        bl_risk_weekly_row_t *w = model_table(f, labels[m], &bl_risk_weekly_table, &n_week);
        assert_true(n_week > 40);
        uint64_t declared = 0;
        for (size_t k = 0; k < n_week; k++) {
            declared += w[k].declarations;
            assert_int_equal(w[k].inspected, (uint64_t)ceil(0.05 * (double)w[k].declarations));
            assert_true(w[k].frauds_caught <= w[k].inspected);
            assert_true(w[k].revenue_caught <= w[k].revenue + 1e-9);
        }
        assert_int_equal(declared, n_truth);
        free(w);
    }
    /* Breakdown by origin: the inspected of each rate add up to k. */
    char path[256];
    snprintf(path, sizeof path, "breakdown/origin");
    bl_results_table_t bt = bl_risk_breakdown_table;
    bt.path = path;
    bl_risk_breakdown_row_t *bd = model_table(f, labels[0], &bt, &n_bd);
    assert_true(n_bd >= 4 * 5);
    uint64_t inspected_at_5 = 0, n_all = 0;
    for (size_t i = 0; i < n_bd; i++)
        if (bd[i].rate == 5) {
            inspected_at_5 += bd[i].inspected;
            n_all += bd[i].n;
        }
    assert_int_equal(inspected_at_5, (uint64_t)ceil(0.05 * (double)n_truth));
    assert_int_equal(n_all, n_truth);
    free(bd);
    /* One pair, four rates; differences consistent with the at_rate rows. */
    bl_risk_comparison_row_t *cmp = tu_read_table(f, &bl_risk_comparison_table, &n_cmp);
    assert_int_equal(n_cmp, 4);
    for (size_t j = 0; j < n_cmp; j++) {
        assert_string_equal(cmp[j].a, labels[0]);
        assert_string_equal(cmp[j].b, labels[1]);
        assert_true(fabs(cmp[j].difference - (cmp[j].precision_a - cmp[j].precision_b)) < 1e-12);
        assert_true(cmp[j].p_value >= 0 && cmp[j].p_value <= 1);
    }
    free(cmp);
    free(truth);
    H5Fclose(f);
}

/* A gate the model cannot reach: BL_RUN_GATE_FAILED, the message names the
 * metric, the model and the shortfall, and the results file is there with
 * the gate row; an achievable bound passes. */
static void test_risk_validation_gate(void **state) {
    (void)state;
    bl_scenario_t sc;
    generated_scenario(&sc, 11);
    const char *out = tu_fresh_path(outdir, "gate.h5");
    bl_run_options_t o = tu_run_options(out, "test_risk_validation");
    const char *gates[] = {"precision@5=0.99", "borderlab.logistic-2:auc=0.1"};
    o.n_fail_under = 2;
    o.fail_under = gates;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    assert_int_equal(rc, BL_RUN_GATE_FAILED);
    assert_true(exists(out));
    assert_non_null(strstr(err.message, "gate precision@5 of borderlab.logistic: "));
    assert_null(strchr(err.message, '\n')); /* one failed gate, one line */
    assert_null(strstr(err.message, "auc"));

    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n_gates = 0, n_at = 0;
    bl_risk_gate_row_t *g = tu_read_table(f, &bl_risk_gate_table, &n_gates);
    bl_risk_at_rate_row_t *at = model_table(f, "borderlab.logistic", &bl_risk_at_rate_table, &n_at);
    assert_int_equal(n_gates, 2);
    assert_string_equal(g[0].metric, "precision@5");
    assert_string_equal(g[0].model, "borderlab.logistic");
    assert_int_equal(g[0].passed, 0);
    assert_true(g[0].value == at[2].precision);
    assert_true(fabs(g[0].shortfall - (0.99 - at[2].precision)) < 1e-12);
    char expect[160];
    snprintf(expect, sizeof expect, "%.3f is %.3f short of 0.99", at[2].precision,
             0.99 - at[2].precision);
    assert_non_null(strstr(err.message, expect));
    assert_string_equal(g[1].model, "borderlab.logistic-2");
    assert_int_equal(g[1].passed, 1);
    free(g);
    free(at);
    H5Fclose(f);

    /* Achievable: passes, exit 0; a rate not in the list is computed too. */
    generated_scenario(&sc, 11);
    out = tu_fresh_path(outdir, "gate_pass.h5");
    o = tu_run_options(out, "test_risk_validation");
    /* "logistic": the spec's file name without .so names the first model. */
    const char *easy[] = {"precision@5=0.01", "recall@3=0.001", "logistic:auc=0.5"};
    o.n_fail_under = 3;
    o.fail_under = easy;
    bl_error_clear(&err);
    rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("achievable gate: %d %s", rc, err.message);
}

/* Gate syntax: metric names, optional model, a numeric bound. */
static void test_risk_validation_gate_parse(void **state) {
    (void)state;
    bl_risk_gate_t g;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_risk_gate_parse("m.x-2:revenue@2.5=0.25", &g, &err), 0);
    assert_string_equal(g.model, "m.x-2");
    assert_string_equal(g.metric, "revenue@2.5");
    assert_true(g.bound == 0.25);
    free(g.model);
    free(g.metric);
    assert_int_equal(bl_risk_gate_parse("pr_auc=0.3", &g, &err), 0);
    assert_null(g.model);
    free(g.metric);
    const char *bad[] = {"precision@0=0.1", "precision@101=0.1", "precision=0.1",
                         "f1@5=0.2",        "auc=high",          "auc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl_error_clear(&err);
        assert_int_equal(bl_risk_gate_parse(bad[i], &g, &err), BL_EINVAL);
        assert_non_null(strstr(err.message, "gate"));
    }
}

/* --baseline: the same declarations pass the digest check and a model
 * compared with itself differs by 0; another seed is refused. */
static void test_risk_validation_baseline(void **state) {
    (void)state;
    bl_scenario_t sc;
    generated_scenario(&sc, 11);
    const char *base = tu_fresh_path(outdir, "baseline.h5");
    bl_run_options_t o = tu_run_options(base, "test_risk_validation");
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("baseline run: %s", err.message);

    generated_scenario(&sc, 11);
    const char *out = tu_fresh_path(outdir, "with_baseline.h5");
    o = tu_run_options(out, "test_risk_validation");
    o.baseline = base;
    bl_error_clear(&err);
    rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("run with baseline: %s", err.message);
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n_cmp = 0, with_base = 0;
    bl_risk_comparison_row_t *cmp = tu_read_table(f, &bl_risk_comparison_table, &n_cmp);
    assert_int_equal(n_cmp, 4 + 2 * 4); /* the pair, then each model against the baseline */
    for (size_t i = 0; i < n_cmp; i++) {
        if (strcmp(cmp[i].b, "baseline:borderlab.logistic") != 0)
            continue;
        with_base++;
        if (strcmp(cmp[i].a, "borderlab.logistic") == 0) {
            assert_true(cmp[i].difference == 0);
            assert_int_equal(cmp[i].only_a, 0);
            assert_int_equal(cmp[i].only_b, 0);
        }
    }
    assert_int_equal(with_base, 8);
    free(cmp);
    H5Fclose(f);

    generated_scenario(&sc, 12);
    out = tu_fresh_path(outdir, "other_seed.h5");
    o = tu_run_options(out, "test_risk_validation");
    o.baseline = base;
    bl_error_clear(&err);
    rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    assert_int_equal(rc, BL_EINVAL);
    assert_non_null(strstr(err.message, "was run on other declarations"));
    assert_non_null(strstr(err.message, base));
    assert_false(exists(out));

    /* A file of another kind is refused by name. */
    generated_scenario(&sc, 11);
    o = tu_run_options(out, "test_risk_validation");
    o.baseline = logistic;
    bl_error_clear(&err);
    rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    assert_true(rc < 0);
    assert_non_null(strstr(err.message, "--baseline"));
    assert_false(exists(out));
}

/* ------------------------------------------------------------------ CSV */

/* 24 declarations, value per kg i = 0..23 (the model's score rises with
 * it), rows 10 and 22 never inspected; frauds at 3, 20, 21, 23.  N = 22:
 * at 10% k = 3 (23, 21, 20: all frauds); at 50% k = 11 (23, 21, 20, 19 ...
 * 12: three frauds).  AUC = (3 * 18 + 3) / (4 * 18).  Origin: even rows CN
 * (10 evaluated, 1 fraud), odd rows VN (12, 3 frauds). */
static void write_csv(const char *path) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "declaration,value per kg,origin,fraud,revenue,week\n");
    for (int i = 0; i < 24; i++) {
        bool fraud = i == 3 || i == 20 || i == 21 || i == 23;
        const char *label = i == 10 || i == 22 ? "" : fraud ? "1" : "0";
        double revenue = i == 23 ? 400 : fraud ? 100 : 0;
        fprintf(fp, "\"D%03d\",%d,%s,%s,%g,%d\n", i, i, i % 2 ? "VN" : "CN", label, revenue, i / 6);
    }
    fclose(fp);
}

static void test_risk_validation_csv(void **state) {
    (void)state;
    char csv[2400];
    snprintf(csv, sizeof csv, "%s/declarations.csv", outdir);
    write_csv(csv);
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    sc.name = strdup("risk_csv");
    sc.kind = &bl_risk_validation_kind;
    sc.seed = 1;
    sc.replications = 1;
    bl_risk_validation_t *v = calloc(1, sizeof *v);
    sc.settings = v;
    const char *keys[] = {"weights.value per kg"}, *values[] = {"0.3"};
    add_model(v, 1, keys, values);
    v->csv_path = strdup(csv);
    v->n_csv_columns = 2;
    v->csv_names = calloc(2, sizeof *v->csv_names);
    v->csv_types = calloc(2, sizeof *v->csv_types);
    v->csv_names[0] = strdup("value per kg");
    v->csv_types[0] = BL_COLUMN_NUMERIC;
    v->csv_names[1] = strdup("declaration");
    v->csv_types[1] = BL_COLUMN_IDENTIFIER;
    v->label_column = strdup("fraud");
    v->revenue_column = strdup("revenue");
    v->week_column = strdup("week");
    v->breakdown = calloc(1, sizeof *v->breakdown);
    v->breakdown[0] = strdup("origin"); /* read by the host, not shown to the model */
    v->n_breakdown = 1;
    v->n_rates = 2;
    v->rates[0] = 10;
    v->rates[1] = 50;
    v->weekly_rate = 50;
    v->batch = 5; /* several batches, a partial last one */
    v->bootstrap = 100;
    const char *out = tu_fresh_path(outdir, "csv.h5");
    bl_run_options_t o = tu_run_options(out, "test_risk_validation");
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("csv run: %s", err.message);

    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    const char *label = "borderlab.logistic";
    size_t n = 0;
    bl_risk_truth_row_t *truth = tu_read_table(f, &bl_risk_truth_table, &n);
    assert_int_equal(n, 22);
    assert_int_equal(truth[10].record, 11); /* row 10 was skipped */
    free(truth);
    bl_risk_at_rate_row_t *at = model_table(f, label, &bl_risk_at_rate_table, &n);
    assert_int_equal(n, 2);
    assert_int_equal(at[0].k, 3);
    assert_int_equal(at[0].frauds_caught, 3);
    assert_int_equal(at[0].frauds_total, 4);
    assert_true(at[0].precision == 1.0);
    assert_true(fabs(at[0].recall - 0.75) < 1e-12);
    assert_true(fabs(at[0].revenue_share - 600.0 / 700.0) < 1e-12);
    assert_int_equal(at[1].k, 11);
    assert_int_equal(at[1].frauds_caught, 3);
    assert_true(fabs(at[1].precision - 3.0 / 11.0) < 1e-12);
    free(at);
    bl_risk_summary_row_t *s = model_table(f, label, &bl_risk_summary_table, &n);
    assert_true(fabs(s->auc - 57.0 / 72.0) < 1e-12);
    assert_int_equal(s->frauds, 4);
    free(s);
    /* Breakdown at 10%: the top 3 are 23 (VN), 21 (VN), 20 (CN). */
    bl_results_table_t bt = bl_risk_breakdown_table;
    bt.path = "breakdown/origin";
    bl_risk_breakdown_row_t *bd = model_table(f, label, &bt, &n);
    assert_int_equal(n, 4); /* 2 categories x 2 rates */
    for (size_t i = 0; i < n; i++) {
        if (bd[i].rate != 10)
            continue;
        bool vn = strcmp(bd[i].category, "VN") == 0;
        assert_int_equal(bd[i].inspected, vn ? 2 : 1);
        assert_int_equal(bd[i].caught, vn ? 2 : 1);
        assert_int_equal(bd[i].n, vn ? 12 : 10);
        assert_int_equal(bd[i].frauds, vn ? 3 : 1);
        assert_true(fabs(bd[i].inspected_share - (vn ? 2.0 : 1.0) / 3.0) < 1e-12);
    }
    free(bd);
    /* Week 0 (rows 0..5, frauds: 3): k = 3 inspects 5, 4, 3: one caught. */
    bl_risk_weekly_row_t *w = model_table(f, label, &bl_risk_weekly_table, &n);
    assert_int_equal(n, 4);
    assert_int_equal(w[0].week, 0);
    assert_int_equal(w[0].declarations, 6);
    assert_int_equal(w[0].inspected, 3);
    assert_int_equal(w[0].frauds, 1);
    assert_int_equal(w[0].frauds_caught, 1);
    free(w);
    H5Fclose(f);
}

/* Truth columns never reach a model: a model column named as the label is
 * refused before anything runs. */
static void test_risk_validation_csv_truth_refused(void **state) {
    (void)state;
    char csv[2400];
    snprintf(csv, sizeof csv, "%s/declarations_truth.csv", outdir);
    write_csv(csv);
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    sc.name = strdup("risk_csv_truth");
    sc.kind = &bl_risk_validation_kind;
    bl_risk_validation_t *v = calloc(1, sizeof *v);
    sc.settings = v;
    const char *keys[] = {"weights.fraud"}, *values[] = {"1"};
    add_model(v, 1, keys, values);
    v->csv_path = strdup(csv);
    v->n_csv_columns = 1;
    v->csv_names = calloc(1, sizeof *v->csv_names);
    v->csv_types = calloc(1, sizeof *v->csv_types);
    v->csv_names[0] = strdup("fraud");
    v->csv_types[0] = BL_COLUMN_NUMERIC;
    v->label_column = strdup("fraud");
    const char *out = tu_fresh_path(outdir, "csv_truth.h5");
    bl_run_options_t o = tu_run_options(out, "test_risk_validation");
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    assert_int_equal(rc, BL_EINVAL);
    assert_non_null(strstr(err.message, "'fraud' is ground truth"));
    assert_false(exists(out));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_validation_gate_parse),
        cmocka_unit_test(test_risk_validation_generated),
        cmocka_unit_test(test_risk_validation_gate),
        cmocka_unit_test(test_risk_validation_baseline),
        cmocka_unit_test(test_risk_validation_csv),
        cmocka_unit_test(test_risk_validation_csv_truth_refused),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
