/*
 * risk/logistic through the real loader (bl_plugin_load): a hand-computed
 * model file, categories by label, refused model files, both
 * configuration routes, missing columns and conformance.  Fixtures under
 * $top_srcdir/tests/fixtures/logistic; the hand-made batch and shared
 * helpers in risk_plugin_fixtures.h.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/conformance.h"
#include "plugin/loader.h"
#include "risk_plugin_fixtures.h"
#include "test_util.h"

#define LG_SO "plugins/risk/logistic/.libs/logistic.so"

/* Files the tests write go under $top_builddir/tests/out/risk_logistic. */
static int setup_paths(void **state) {
    (void)state;
    return tu_outdir(outdir, sizeof outdir, "risk_logistic");
}

static double lr_sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* tests/fixtures/logistic/hand.json, every z by hand (all terms exact in binary). */
static void test_risk_plugins_logistic_model_file_exact(void **state) {
    (void)state;
    static const int32_t origin[4] = {3, 4, -1, 5}; /* CN, VN, missing, BR (not in the model) */
    double vpk[4] = {6, 14, NAN, 10}, frauds[4] = {2, NAN, 4, 0};
    bl_column_t columns[] = {
        {"origin", BL_COLUMN_CATEGORICAL, 6, NULL, origin, lr_origin_labels},
        {"importer_past_frauds", BL_COLUMN_NUMERIC, 0, frauds, NULL, NULL},
        {"value_per_kg", BL_COLUMN_NUMERIC, 0, vpk, NULL, NULL},
    };
    bl_records_t records = {(uint32_t)sizeof(bl_records_t), 3, 4, columns};
    /* z = -1.5 - 0.5 (vpk - 10) / 4 + 0.25 frauds + w[origin] (default -0.5) */
    const double z[4] = {
        -1.5 + 0.5 + 0.5 + 0.75, /* CN */
        -1.5 - 0.5 + 0.0 + 0.25, /* VN, frauds missing */
        -1.5 + 0.0 + 1.0 + 0.0,  /* value and origin missing */
        -1.5 + 0.0 + 0.0 - 0.5,  /* BR: the default */
    };
    char model[4096];
    risk_plugin_t rp;
    double s[4];
    bl_reason_t reasons[4];

    lr_fixture_path(model, sizeof model, "logistic/hand.json");
    int rc = lr_open1(&rp, LG_SO, "model", model);
    if (rc != BL_OK)
        print_error("%s", logged);
    assert_int_equal(rc, BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 4, s, reasons), BL_OK);
    for (int i = 0; i < 4; i++)
        if (s[i] != lr_sigmoid(z[i]))
            fail_msg("row %d scored %.17g, want 1/(1+exp(-(%g))) = %.17g", i, s[i], z[i],
                     lr_sigmoid(z[i]));
    /* Reasons: the largest |contribution|. */
    assert_int_equal(reasons[0].column, 0); /* origin CN 0.75 */
    assert_true(reasons[0].contribution == 0.75f);
    assert_int_equal(reasons[1].column, 2); /* value_per_kg -0.5 */
    assert_true(reasons[1].contribution == -0.5f);
    assert_int_equal(reasons[2].column, 1); /* frauds 1.0 */
    assert_int_equal(reasons[3].column, 0); /* origin default -0.5 */
    /* A row in a bigger batch, alone: same score. */
    double one;
    assert_int_equal(rp.ops->score(rp.instance, &records, 2, 1, &one, NULL), BL_OK);
    assert_true(one == s[2]);
    risk_close(&rp);

    /* The config-key route still scores the numeric part the same way. */
    const char *keys[] = {"intercept", "weights.value_per_kg", "mean.value_per_kg",
                          "scale.value_per_kg", "weights.importer_past_frauds"};
    const char *values[] = {"-1.5", "-0.5", "10", "4", "0.25"};
    assert_int_equal(risk_open(&rp, LG_SO, 5, keys, values), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 4, s, NULL), BL_OK);
    assert_true(s[0] == lr_sigmoid(-1.5 + 0.5 + 0.5));
    assert_true(s[2] == lr_sigmoid(-1.5 + 1.0));
    risk_close(&rp);
}

/* Categorical weights follow the label, not the code; missing contributes 0. */
static void test_risk_plugins_logistic_categorical_by_label(void **state) {
    (void)state;
    static const char *const reversed[] = {"BR", "VN", "CN", "ZZ", "YY", "XX"};
    int32_t codes[6] = {0, 1, 2, 3, 4, 5}, recoded[6], missing[6] = {-1, -1, -1, -1, -1, -1};
    double vpk[6] = {10, 10, 10, 10, 10, 10}, frauds[6] = {0, 0, 0, 0, 0, 0};
    bl_column_t columns[] = {
        {"value_per_kg", BL_COLUMN_NUMERIC, 0, vpk, NULL, NULL},
        {"importer_past_frauds", BL_COLUMN_NUMERIC, 0, frauds, NULL, NULL},
        {"origin", BL_COLUMN_CATEGORICAL, 6, NULL, codes, lr_origin_labels},
    };
    bl_records_t records = {(uint32_t)sizeof(bl_records_t), 3, 6, columns};
    char model[4096];
    risk_plugin_t rp;
    double a[6], b[6];

    lr_fixture_path(model, sizeof model, "logistic/hand.json");
    assert_int_equal(lr_open1(&rp, LG_SO, "model", model), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, a, NULL), BL_OK);
    /* XX YY ZZ CN VN BR: only CN and VN are listed, the rest take the default. */
    assert_true(a[3] == lr_sigmoid(-1.5 + 0.75));
    assert_true(a[4] == lr_sigmoid(-1.5 + 0.25));
    for (int i = 0; i < 3; i++)
        assert_true(a[i] == lr_sigmoid(-1.5 - 0.5));
    assert_true(a[5] == a[0]);

    /* The same labels under reversed codes, same column array: same scores. */
    for (int i = 0; i < 6; i++)
        recoded[i] = 5 - codes[i];
    columns[2].categories = reversed;
    columns[2].codes = recoded;
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, b, NULL), BL_OK);
    assert_memory_equal(a, b, sizeof a);

    /* A dictionary that grows in place (same array, more labels): the new
     * labels get their weights too. */
    columns[2].categories = lr_origin_labels;
    columns[2].codes = codes;
    columns[2].n_categories = 3; /* XX YY ZZ */
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 3, b, NULL), BL_OK);
    columns[2].n_categories = 6; /* + CN VN BR */
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, b, NULL), BL_OK);
    assert_memory_equal(a, b, sizeof a);

    /* All missing: the intercept alone. */
    columns[2].codes = missing;
    for (int i = 0; i < 6; i++)
        vpk[i] = frauds[i] = NAN;
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, b, NULL), BL_OK);
    for (int i = 0; i < 6; i++)
        assert_true(b[i] == lr_sigmoid(-1.5));

    /* A code outside the dictionary is refused, naming the column and row. */
    columns[2].codes = codes;
    columns[2].n_categories = 4;
    logged[0] = '\0';
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, b, NULL), BL_EINVAL);
    lr_expect_logged("\"origin\" row 4");
    risk_close(&rp);
}

/* Create logistic from a model file holding text; expect want_rc and a log naming
 * the file and want. */
static void lg_expect_refusal(const char *name, const char *text, int want_rc, const char *want) {
    char path[4096];
    risk_plugin_t rp;
    lr_write(name, text, path, sizeof path);
    int rc = lr_open1(&rp, LG_SO, "model", path);
    if (rc != want_rc)
        print_error("%s: rc %d, log:\n%s", name, rc, logged);
    assert_int_equal(rc, want_rc);
    assert_null(rp.instance);
    lr_expect_logged(path);
    lr_expect_logged(want);
    risk_close(&rp);
}

static void test_risk_plugins_logistic_bad_model_files(void **state) {
    (void)state;
    lg_expect_refusal("lg_syntax.json", "{\n  \"intercept\": 1,\n  \"features\": [,]\n}\n",
                      BL_EINVAL, "line 3");
    lg_expect_refusal("lg_top.json", "[1, 2]", BL_EINVAL, "$: expected an object");
    lg_expect_refusal("lg_weight.json",
                      "{\"features\": [{\"column\": \"a\", \"weight\": 1},"
                      " {\"column\": \"b\", \"weight\": \"high\"}]}",
                      BL_EINVAL, "features[1].weight: expected a finite number");
    lg_expect_refusal("lg_noweight.json", "{\"features\": [{\"column\": \"a\"}]}", BL_EINVAL,
                      "features[0].weight: missing");
    lg_expect_refusal("lg_scale.json",
                      "{\"features\": [{\"column\": \"a\", \"weight\": 1, \"scale\": 0}]}",
                      BL_EINVAL, "features[0].scale: must not be 0");
    lg_expect_refusal("lg_typo.json",
                      "{\"features\": [{\"column\": \"a\", \"weight\": 1, \"sacle\": 2}]}",
                      BL_EINVAL, "unknown key \"sacle\"");
    lg_expect_refusal("lg_top_typo.json", "{\"intercpt\": 1}", BL_EINVAL,
                      "unknown key \"intercpt\"");
    lg_expect_refusal("lg_twice.json",
                      "{\"features\": [{\"column\": \"a\", \"weight\": 1}],"
                      " \"categorical\": [{\"column\": \"a\", \"weights\": {}}]}",
                      BL_EINVAL, "categorical[0].column");
    lg_expect_refusal("lg_label.json",
                      "{\"categorical\": [{\"column\": \"o\", \"weights\": {\"CN\": null}}]}",
                      BL_EINVAL, "categorical[0].weights[\"CN\"]");

    lg_expect_refusal("lg_dup.json",
                      "{\"categorical\": [{\"column\": \"o\", \"weights\": {\"CN\": 1, \"VN\": 2, "
                      "\"CN\": 3}}]}",
                      BL_EINVAL, "categorical[0].weights[\"CN\"]: label given twice");

    /* A file that does not exist. */
    char path[4200];
    risk_plugin_t rp;
    snprintf(path, sizeof path, "%s/no_such_model.json", outdir);
    assert_int_equal(lr_open1(&rp, LG_SO, "model", path), BL_ENOTFOUND);
    lr_expect_logged(path);
    risk_close(&rp);
}

/* model= and weights.* together: refused, naming both. */
static void test_risk_plugins_logistic_both_routes(void **state) {
    (void)state;
    char model[4096];
    risk_plugin_t rp;
    lr_fixture_path(model, sizeof model, "logistic/hand.json");
    const char *keys[] = {"model", "weights.value_per_kg"};
    const char *values[] = {model, "0.5"};
    assert_int_equal(risk_open(&rp, LG_SO, 2, keys, values), BL_EINVAL);
    assert_null(rp.instance);
    lr_expect_logged("weights.value_per_kg");
    lr_expect_logged(model);
    risk_close(&rp);
    const char *keys2[] = {"intercept", "model"};
    const char *values2[] = {"1", model};
    assert_int_equal(risk_open(&rp, LG_SO, 2, keys2, values2), BL_EINVAL);
    lr_expect_logged("intercept");
    risk_close(&rp);
}

/* A model column the batch lacks, or of the wrong type: refused by name. */
static void test_risk_plugins_logistic_missing_column(void **state) {
    (void)state;
    lr_batch_t b;
    char model[4096];
    risk_plugin_t rp;
    double s[LR_ROWS];
    lr_batch_build(&b);
    lr_fixture_path(model, sizeof model, "logistic/hand.json");
    assert_int_equal(lr_open1(&rp, LG_SO, "model", model), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_OK);

    bl_column_t columns[6];
    memcpy(columns, b.columns, sizeof columns);
    columns[5].name = "past_frauds";
    bl_records_t records = b.records;
    records.columns = columns;
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, LR_ROWS, s, NULL), BL_EINVAL);
    lr_expect_logged("\"importer_past_frauds\"");
    lr_expect_logged("not in the batch");

    memcpy(columns, b.columns, sizeof columns);
    columns[2].type = BL_COLUMN_NUMERIC; /* origin */
    columns[2].numeric = b.vpk;
    logged[0] = '\0';
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, LR_ROWS, s, NULL), BL_EINVAL);
    lr_expect_logged("\"origin\" is not categorical");

    /* The right schema again: fine. */
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_OK);
    risk_close(&rp);
}

static void test_risk_plugins_logistic_conformance(void **state) {
    (void)state;
    char model[4096];
    lr_fixture_path(model, sizeof model, "logistic/conformance.json");
    lr_conformance(LG_SO, "model", model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_plugins_logistic_model_file_exact),
        cmocka_unit_test(test_risk_plugins_logistic_categorical_by_label),
        cmocka_unit_test(test_risk_plugins_logistic_bad_model_files),
        cmocka_unit_test(test_risk_plugins_logistic_both_routes),
        cmocka_unit_test(test_risk_plugins_logistic_missing_column),
        cmocka_unit_test(test_risk_plugins_logistic_conformance),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
