/*
 * risk/xgboost through the real loader (bl_plugin_load): scores against
 * Python's for the fixture model, categories by label, unseen and missing
 * values, refused encodings and configurations, conformance and one
 * instance per thread.  Fixtures under $top_srcdir/tests/fixtures/xgboost;
 * shared helpers in risk_plugin_fixtures.h.  `make check` builds the
 * plugin.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "plugin/conformance.h"
#include "plugin/loader.h"
#include "risk_plugin_fixtures.h"
#include "test_util.h"

/* Files the tests write go under $top_builddir/tests/out/risk_xgboost. */
static int setup_paths(void **state) {
    (void)state;
    return tu_outdir(outdir, sizeof outdir, "risk_xgboost");
}

#define XGB_SO "plugins/risk/xgboost/.libs/xgboost.so"
#define XGB_MAX_COLUMNS 8
#define XGB_MAX_LABELS 64

/*
 * tests/fixtures/xgboost/declarations.csv as a bl_records_t, read by a
 * minimal parser of that file (comma-separated, no quoting, empty cell =
 * missing).  Categorical codes are assigned in first-seen order, so they
 * differ from the model's vocabulary codes on purpose.
 */
typedef struct xgb_table {
    size_t n_rows;
    uint32_t n_columns;
    bl_column_t columns[XGB_MAX_COLUMNS];
    double *numeric[XGB_MAX_COLUMNS];
    int32_t *codes[XGB_MAX_COLUMNS];
    char *labels[XGB_MAX_COLUMNS][XGB_MAX_LABELS]; /* identifiers keep no labels */
    char names[XGB_MAX_COLUMNS][32];
    double *expected;
    bl_records_t records;
} xgb_table_t;

static int xgb_column_type(const char *name) {
    if (strcmp(name, "declaration_id") == 0)
        return BL_COLUMN_IDENTIFIER;
    if (strcmp(name, "origin") == 0 || strcmp(name, "hs_code") == 0)
        return BL_COLUMN_CATEGORICAL;
    return BL_COLUMN_NUMERIC;
}

static void xgb_fixture_path(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/tests/fixtures/xgboost/%s", tu_srcdir(), name);
}

/* Split line (modified in place) at commas into at most max cells. */
static size_t split_csv(char *line, char **cells, size_t max) {
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        cells[n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static int32_t xgb_intern(xgb_table_t *t, uint32_t c, const char *text) {
    uint32_t k;
    if (text[0] == '\0')
        return -1;
    for (k = 0; k < t->columns[c].n_categories; k++)
        if (strcmp(t->labels[c][k], text) == 0)
            return (int32_t)k;
    assert_true(k < XGB_MAX_LABELS);
    t->labels[c][k] = strdup(text);
    t->columns[c].n_categories = k + 1;
    return (int32_t)k;
}

static void xgb_table_load(xgb_table_t *t) {
    char path[4096], line[1024], *cells[XGB_MAX_COLUMNS + 1];
    size_t cap = 1024;

    memset(t, 0, sizeof *t);
    xgb_fixture_path(path, sizeof path, "declarations.csv");
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        print_error("cannot open %s\n", path);
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    t->n_columns = (uint32_t)split_csv(line, cells, XGB_MAX_COLUMNS);
    for (uint32_t c = 0; c < t->n_columns; c++) {
        snprintf(t->names[c], sizeof t->names[c], "%s", cells[c]);
        t->columns[c].name = t->names[c];
        t->columns[c].type = (uint32_t)xgb_column_type(cells[c]);
        if (t->columns[c].type == BL_COLUMN_NUMERIC)
            t->numeric[c] = calloc(cap, sizeof(double));
        else
            t->codes[c] = calloc(cap, sizeof(int32_t));
    }
    while (fgets(line, sizeof line, fp) != NULL) {
        size_t r = t->n_rows;
        assert_int_equal(split_csv(line, cells, XGB_MAX_COLUMNS + 1), t->n_columns);
        assert_true(r < cap);
        for (uint32_t c = 0; c < t->n_columns; c++) {
            if (t->columns[c].type == BL_COLUMN_NUMERIC) {
                double v = NAN;
                if (cells[c][0] != '\0')
                    assert_int_equal(bl_parse_number(cells[c], &v), BL_OK);
                t->numeric[c][r] = v;
            } else if (t->columns[c].type == BL_COLUMN_IDENTIFIER) {
                t->codes[c][r] = (int32_t)r;
            } else {
                t->codes[c][r] = xgb_intern(t, c, cells[c]);
            }
        }
        t->n_rows++;
    }
    fclose(fp);
    for (uint32_t c = 0; c < t->n_columns; c++) {
        t->columns[c].numeric = t->numeric[c];
        t->columns[c].codes = t->codes[c];
        if (t->columns[c].type == BL_COLUMN_CATEGORICAL)
            t->columns[c].categories = (const char *const *)t->labels[c];
    }
    t->records =
        (bl_records_t){(uint32_t)sizeof(bl_records_t), t->n_columns, t->n_rows, t->columns};

    /* Expected scores, one per declaration, same order. */
    xgb_fixture_path(path, sizeof path, "expected_scores.csv");
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    t->expected = calloc(t->n_rows, sizeof(double));
    size_t n = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        assert_true(n < t->n_rows);
        assert_int_equal(split_csv(line, cells, 3), 2);
        assert_int_equal(bl_parse_number(cells[1], &t->expected[n]), BL_OK);
        n++;
    }
    fclose(fp);
    assert_int_equal(n, t->n_rows);
}

static void xgb_table_free(xgb_table_t *t) {
    for (uint32_t c = 0; c < XGB_MAX_COLUMNS; c++) {
        free(t->numeric[c]);
        free(t->codes[c]);
        for (size_t k = 0; k < XGB_MAX_LABELS; k++)
            free(t->labels[c][k]);
    }
    free(t->expected);
}

static int xgb_column(const xgb_table_t *t, const char *name) {
    for (uint32_t c = 0; c < t->n_columns; c++)
        if (strcmp(t->names[c], name) == 0)
            return (int)c;
    fail_msg("fixture has no column %s", name);
    return -1;
}

/* Create risk/xgboost with model and encoding paths (and an optional third key). */
static int xgb_open(risk_plugin_t *rp, const char *model, const char *encoding, const char *key,
                    const char *value) {
    const char *keys[] = {"model", "encoding", key};
    const char *values[] = {model, encoding, value};
    return risk_open(rp, XGB_SO, key != NULL ? 3 : 2, keys, values);
}

static int xgb_open_fixture(risk_plugin_t *rp, const char *key, const char *value) {
    char model[4096], encoding[4096];
    xgb_fixture_path(model, sizeof model, "model.json");
    xgb_fixture_path(encoding, sizeof encoding, "encoding.json");
    return xgb_open(rp, model, encoding, key, value);
}

/* Score every row of t in batches of `batch` rows; reasons when asked. */
static void xgb_score_all(risk_plugin_t *rp, const bl_records_t *records, size_t batch,
                          double *scores, bl_reason_t *reasons) {
    for (size_t first = 0; first < records->n_rows; first += batch) {
        size_t n = records->n_rows - first < batch ? records->n_rows - first : batch;
        int rc = rp->ops->score(rp->instance, records, first, n, scores + first,
                                reasons != NULL ? reasons + first : NULL);
        if (rc != BL_OK)
            print_error("score(%zu, %zu): %d; log:\n%s", first, n, rc, logged);
        assert_int_equal(rc, BL_OK);
    }
}

/* Write encoding.json, changed by edit, to outdir/name; path into out. */
static void xgb_write_encoding(const char *name, void (*edit)(cJSON *root), char *out,
                               size_t size) {
    char path[4096];
    xgb_fixture_path(path, sizeof path, "encoding.json");
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    edit(root);
    char *printed = cJSON_Print(root);
    tu_write_file(tu_path_in(out, size, outdir, name), printed);
    free(printed);
    cJSON_Delete(root);
}

static cJSON *xgb_feature(cJSON *root, const char *name) {
    cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(root, "features")) {
        if (strcmp(cJSON_GetObjectItem(f, "name")->valuestring, name) == 0)
            return f;
    }
    fail_msg("encoding has no feature %s", name);
    return NULL;
}

/* The must-show: Python's scores to 1e-6, whatever the batch size and path. */
static void test_risk_plugins_xgboost_reproduces_python(void **state) {
    (void)state;
    static const size_t batches[] = {4096, 500, 333, 64, 7, 1};
    static const char *const modes[] = {"inplace", "dmatrix"};
    xgb_table_t t;
    xgb_table_load(&t);
    assert_int_equal(t.n_rows, 500);
    double *scores = calloc(t.n_rows, sizeof *scores);
    double *with_reasons = calloc(t.n_rows, sizeof *with_reasons);
    bl_reason_t *reasons = calloc(t.n_rows, sizeof *reasons);
    double max_diff = 0;

    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        risk_plugin_t rp;
        int rc = xgb_open_fixture(&rp, "predict", modes[m]);
        if (rc != BL_OK)
            print_error("create: %d\n%s", rc, logged);
        assert_int_equal(rc, BL_OK);
        for (size_t b = 0; b < sizeof batches / sizeof *batches; b++) {
            for (size_t i = 0; i < t.n_rows; i++)
                scores[i] = -1;
            xgb_score_all(&rp, &t.records, batches[b], scores, NULL);
            for (size_t i = 0; i < t.n_rows; i++) {
                double d = fabs(scores[i] - t.expected[i]);
                if (!(d <= 1e-6))
                    fail_msg("%s, batches of %zu: row %zu scored %.9g, Python %.9g", modes[m],
                             batches[b], i, scores[i], t.expected[i]);
                if (d > max_diff)
                    max_diff = d;
            }
        }
        /* Reasons change nothing in the scores and name a feature column. */
        xgb_score_all(&rp, &t.records, 128, with_reasons, reasons);
        assert_memory_equal(scores, with_reasons, t.n_rows * sizeof *scores);
        size_t named = 0;
        for (size_t i = 0; i < t.n_rows; i++) {
            assert_true(reasons[i].column >= -1 && reasons[i].column < (int32_t)t.n_columns);
            assert_true(isfinite(reasons[i].contribution));
            if (reasons[i].column >= 0) {
                assert_int_not_equal(reasons[i].column, xgb_column(&t, "declaration_id"));
                named++;
            }
        }
        assert_true(named > t.n_rows / 2);
        risk_close(&rp);
    }
    printf("risk/xgboost: %zu rows, max |score - Python| = %.3g\n", t.n_rows, max_diff);
    free(scores);
    free(with_reasons);
    free(reasons);
    xgb_table_free(&t);
}

/* The fixture exercises what it claims to: missing cells, unseen labels, leading zeros. */
static void test_risk_plugins_xgboost_fixture_coverage(void **state) {
    (void)state;
    xgb_table_t t;
    xgb_table_load(&t);
    int origin = xgb_column(&t, "origin"), hs = xgb_column(&t, "hs_code");
    int value = xgb_column(&t, "value_usd");
    size_t missing_origin = 0, missing_value = 0, unseen = 0, leading_zero = 0;
    for (size_t i = 0; i < t.n_rows; i++) {
        int32_t o = t.codes[origin][i], h = t.codes[hs][i];
        missing_origin += o < 0;
        missing_value += isnan(t.numeric[value][i]);
        unseen += o >= 0 && (strcmp(t.labels[origin][o], "ZZ") == 0 ||
                             strcmp(t.labels[origin][o], "XK") == 0 ||
                             strcmp(t.labels[origin][o], "KP") == 0);
        unseen += h >= 0 &&
                  (strcmp(t.labels[hs][h], "9999") == 0 || strcmp(t.labels[hs][h], "0000") == 0 ||
                   strcmp(t.labels[hs][h], "0102") == 0);
        leading_zero += h >= 0 && t.labels[hs][h][0] == '0';
    }
    assert_true(missing_origin > 0);
    assert_true(missing_value > 0);
    assert_true(unseen > 5);
    assert_true(leading_zero > 0);
    xgb_table_free(&t);
}

/* Batch codes are mapped by label: a permuted dictionary, or a new one on
 * the same column array, gives the same scores. */
static void test_risk_plugins_xgboost_categories_by_label(void **state) {
    (void)state;
    xgb_table_t t;
    xgb_table_load(&t);
    risk_plugin_t rp;
    assert_int_equal(xgb_open_fixture(&rp, NULL, NULL), BL_OK);
    double *a = calloc(t.n_rows, sizeof *a), *b = calloc(t.n_rows, sizeof *b);
    xgb_score_all(&rp, &t.records, 100, a, NULL);

    /* Reverse the order of every categorical dictionary, same records. */
    const char *reversed[XGB_MAX_COLUMNS][XGB_MAX_LABELS];
    int32_t *recoded[XGB_MAX_COLUMNS] = {0};
    bl_column_t columns[XGB_MAX_COLUMNS];
    memcpy(columns, t.columns, sizeof columns);
    for (uint32_t c = 0; c < t.n_columns; c++) {
        if (columns[c].type != BL_COLUMN_CATEGORICAL)
            continue;
        uint32_t k = columns[c].n_categories;
        for (uint32_t j = 0; j < k; j++)
            reversed[c][j] = t.labels[c][k - 1 - j];
        recoded[c] = calloc(t.n_rows, sizeof(int32_t));
        for (size_t i = 0; i < t.n_rows; i++)
            recoded[c][i] = t.codes[c][i] < 0 ? -1 : (int32_t)k - 1 - t.codes[c][i];
        /* Same column array as the first call: only the dictionary changes. */
        t.columns[c].categories = reversed[c];
        t.columns[c].codes = recoded[c];
    }
    xgb_score_all(&rp, &t.records, 100, b, NULL);
    assert_memory_equal(a, b, t.n_rows * sizeof *a);

    /* And back: the map is rebuilt again, not stuck on the second dictionary. */
    memcpy(t.columns, columns, sizeof columns);
    xgb_score_all(&rp, &t.records, 100, b, NULL);
    assert_memory_equal(a, b, t.n_rows * sizeof *a);

    risk_close(&rp);
    for (uint32_t c = 0; c < XGB_MAX_COLUMNS; c++)
        free(recoded[c]);
    free(a);
    free(b);
    xgb_table_free(&t);
}

static void edit_hs_knows_7777(cJSON *root) {
    cJSON *vocab = cJSON_GetObjectItem(xgb_feature(root, "hs_code"), "vocabulary");
    cJSON_AddNumberToObject(vocab, "7777", -1);
}

/* Unseen labels: origin's "unseen" is null (missing), hs_code's is -1. */
static void test_risk_plugins_xgboost_unseen_category(void **state) {
    (void)state;
    static const char *const origins[] = {"CN", "ZZ", "QQ"};
    static const char *const hs_codes[] = {"0302", "7777", "0000"};
    /* rows: 0 known; 1 origin unseen; 2 origin missing; 3 hs 7777; 4 hs 0000; 5 hs missing */
    int32_t origin[6] = {0, 1, -1, 0, 0, 0}, hs[6] = {0, 0, 0, 1, 2, -1};
    double value[6] = {1500, 1500, 1500, 1500, 1500, 1500}, weight[6] = {80, 80, 80, 80, 80, 80};
    double tariff[6] = {0.08, 0.08, 0.08, 0.08, 0.08, 0.08}, prior[6] = {0, 0, 0, 0, 0, 0};
    bl_column_t columns[] = {
        {"hs_code", BL_COLUMN_CATEGORICAL, 3, NULL, hs, hs_codes},
        {"value_usd", BL_COLUMN_NUMERIC, 0, value, NULL, NULL},
        {"weight_kg", BL_COLUMN_NUMERIC, 0, weight, NULL, NULL},
        {"tariff_rate", BL_COLUMN_NUMERIC, 0, tariff, NULL, NULL},
        {"prior_inspections", BL_COLUMN_NUMERIC, 0, prior, NULL, NULL},
        {"origin", BL_COLUMN_CATEGORICAL, 3, NULL, origin, origins},
    };
    bl_records_t records = {(uint32_t)sizeof(bl_records_t), 6, 6, columns};
    double s[6], known[6];
    risk_plugin_t rp;

    assert_int_equal(xgb_open_fixture(&rp, NULL, NULL), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, s, NULL), BL_OK);
    risk_close(&rp);
    for (int i = 0; i < 6; i++)
        assert_true(s[i] >= 0 && s[i] <= 1);
    /* Unseen origin (null) is scored as a missing origin. */
    assert_true(s[1] == s[2]);
    /* Both unseen HS codes get the same code (-1)... */
    assert_true(s[3] == s[4]);

    /* ...which is the code -1, as a label mapped to -1 in the vocabulary gets. */
    char model[4096], encoding[4096];
    xgb_fixture_path(model, sizeof model, "model.json");
    xgb_write_encoding("xgb_hs_7777.json", edit_hs_knows_7777, encoding, sizeof encoding);
    assert_int_equal(xgb_open(&rp, model, encoding, NULL, NULL), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 6, known, NULL), BL_OK);
    risk_close(&rp);
    assert_true(known[3] == s[4]);
    assert_true(known[0] == s[0] && known[5] == s[5]);
}

/* A column the encoding needs is missing, or has the wrong type: refused by name. */
static void test_risk_plugins_xgboost_missing_column(void **state) {
    (void)state;
    xgb_table_t t;
    xgb_table_load(&t);
    risk_plugin_t rp;
    assert_int_equal(xgb_open_fixture(&rp, NULL, NULL), BL_OK);
    double *s = calloc(t.n_rows, sizeof *s);

    /* Without hs_code. */
    bl_column_t columns[XGB_MAX_COLUMNS];
    uint32_t n = 0;
    for (uint32_t c = 0; c < t.n_columns; c++)
        if (strcmp(t.names[c], "hs_code") != 0)
            columns[n++] = t.columns[c];
    bl_records_t records = {(uint32_t)sizeof(bl_records_t), n, t.n_rows, columns};
    logged[0] = '\0';
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 10, s, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "\"hs_code\""));
    assert_non_null(strstr(logged, "not in the batch"));

    /* origin given as numeric. */
    int origin = xgb_column(&t, "origin");
    memcpy(columns, t.columns, sizeof columns);
    columns[origin].type = BL_COLUMN_NUMERIC;
    columns[origin].numeric = t.numeric[xgb_column(&t, "value_usd")];
    records.n_columns = t.n_columns;
    logged[0] = '\0';
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 10, s, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "\"origin\""));

    /* A code outside the column's dictionary. */
    memcpy(columns, t.columns, sizeof columns);
    int32_t *codes = malloc(t.n_rows * sizeof *codes);
    memcpy(codes, t.codes[origin], t.n_rows * sizeof *codes);
    codes[3] = (int32_t)t.columns[origin].n_categories;
    columns[origin].codes = codes;
    logged[0] = '\0';
    assert_int_equal(rp.ops->score(rp.instance, &records, 0, 10, s, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "row 3"));

    /* Rows past the end. */
    assert_int_equal(rp.ops->score(rp.instance, &t.records, t.n_rows - 1, 2, s, NULL), BL_EINVAL);
    /* The instance still works with the right schema. */
    assert_int_equal(rp.ops->score(rp.instance, &t.records, 0, 10, s, NULL), BL_OK);
    assert_true(fabs(s[9] - t.expected[9]) <= 1e-6);

    risk_close(&rp);
    free(codes);
    free(s);
    xgb_table_free(&t);
}

static void edit_drop_last_feature(cJSON *root) {
    cJSON *features = cJSON_GetObjectItem(root, "features");
    cJSON_DeleteItemFromArray(features, cJSON_GetArraySize(features) - 1);
}

static void edit_swap_features(cJSON *root) {
    cJSON *features = cJSON_GetObjectItem(root, "features");
    cJSON *first = cJSON_DetachItemFromArray(features, 0);
    cJSON_AddItemToArray(features, first);
}

static void edit_bad_kind(cJSON *root) {
    cJSON_ReplaceItemInObject(xgb_feature(root, "weight_t"), "kind", cJSON_CreateString("ordinal"));
}

static void edit_bad_code(cJSON *root) {
    cJSON *vocab = cJSON_GetObjectItem(xgb_feature(root, "origin"), "vocabulary");
    cJSON_ReplaceItemInObject(vocab, "CN", cJSON_CreateString("one"));
}

static void edit_typo(cJSON *root) {
    cJSON_AddNumberToObject(xgb_feature(root, "tariff_pct"), "sacle", 2);
}

/* Create the fixture model with an edited encoding; expect a refusal naming want. */
static void xgb_expect_refusal(const char *name, void (*edit)(cJSON *), const char *want1,
                               const char *want2) {
    char model[4096], encoding[4096];
    risk_plugin_t rp;
    xgb_fixture_path(model, sizeof model, "model.json");
    xgb_write_encoding(name, edit, encoding, sizeof encoding);
    int rc = xgb_open(&rp, model, encoding, NULL, NULL);
    if (rc == BL_OK || strstr(logged, want1) == NULL || strstr(logged, want2) == NULL)
        print_error("%s: rc %d, log:\n%s(want \"%s\" and \"%s\")\n", name, rc, logged, want1,
                    want2);
    assert_int_equal(rc, BL_EINVAL);
    assert_null(rp.instance);
    assert_non_null(strstr(logged, want1));
    assert_non_null(strstr(logged, want2));
    assert_non_null(strstr(logged, encoding));
    risk_close(&rp);
}

static void test_risk_plugins_xgboost_wrong_feature_count(void **state) {
    (void)state;
    xgb_expect_refusal("xgb_five.json", edit_drop_last_feature, "lists 5 features", "has 6");
}

static void test_risk_plugins_xgboost_bad_encodings(void **state) {
    (void)state;
    xgb_expect_refusal("xgb_swapped.json", edit_swap_features, "feature 0 is \"weight_t\"",
                       "\"value_kusd\"");
    xgb_expect_refusal("xgb_kind.json", edit_bad_kind, "\"weight_t\"", "ordinal");
    xgb_expect_refusal("xgb_code.json", edit_bad_code, "\"origin\"", "\"CN\"");
    xgb_expect_refusal("xgb_typo.json", edit_typo, "\"tariff_pct\"", "unknown key \"sacle\"");
}

static void test_risk_plugins_xgboost_bad_config(void **state) {
    (void)state;
    char model[4096], encoding[4096], path[4200];
    risk_plugin_t rp;
    xgb_fixture_path(model, sizeof model, "model.json");
    xgb_fixture_path(encoding, sizeof encoding, "encoding.json");

    /* No config at all. */
    assert_int_equal(risk_open(&rp, XGB_SO, 0, NULL, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "model=PATH"));
    risk_close(&rp);

    /* Files that do not exist are named. */
    snprintf(path, sizeof path, "%s/no_such_model.json", outdir);
    assert_int_equal(xgb_open(&rp, path, encoding, NULL, NULL), BL_ENOTFOUND);
    assert_non_null(strstr(logged, path));
    risk_close(&rp);
    snprintf(path, sizeof path, "%s/no_such_encoding.json", outdir);
    assert_int_equal(xgb_open(&rp, model, path, NULL, NULL), BL_ENOTFOUND);
    assert_non_null(strstr(logged, path));
    risk_close(&rp);

    /* The encoding given as the model: XGBoost's refusal is passed on. */
    assert_int_equal(xgb_open(&rp, encoding, encoding, NULL, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "save_model"));
    risk_close(&rp);

    /* Not JSON: the line is given. */
    snprintf(path, sizeof path, "%s/xgb_broken.json", outdir);
    tu_write_file(path, "{\n  \"features\": [\n    {\"column\": \"x\",, }\n  ]\n}\n");
    assert_int_equal(xgb_open(&rp, model, path, NULL, NULL), BL_EINVAL);
    assert_non_null(strstr(logged, "line 3"));
    risk_close(&rp);

    /* Unknown keys and bad values. */
    assert_int_equal(xgb_open(&rp, model, encoding, "modle", "x"), BL_EINVAL);
    assert_non_null(strstr(logged, "modle"));
    risk_close(&rp);
    assert_int_equal(xgb_open(&rp, model, encoding, "nthread", "-2"), BL_EINVAL);
    risk_close(&rp);
    assert_int_equal(xgb_open(&rp, model, encoding, "predict", "gpu"), BL_EINVAL);
    risk_close(&rp);
    assert_int_equal(xgb_open(&rp, model, encoding, "nthread", "1"), BL_OK);
    risk_close(&rp);
}

/* `borderlab plugin check` passes with the conformance fixture (x1, x2, x3, origin). */
static void test_risk_plugins_xgboost_conformance(void **state) {
    (void)state;
    char so[4096], model[4096], encoding[4096];
    tu_builddir_path(so, sizeof so, XGB_SO);
    xgb_fixture_path(model, sizeof model, "conformance/model.json");
    xgb_fixture_path(encoding, sizeof encoding, "conformance/encoding.json");
    const char *keys[] = {"model", "encoding"};
    const char *values[] = {model, encoding};
    tu_expect_conformance(so, 2, keys, values, 10);
}

/* One instance per thread, as the host runs a plugin not flagged thread-safe. */
typedef struct xgb_thread_job {
    const xgb_table_t *table;
    risk_plugin_t plugin;
    size_t batch, mismatches;
    int rc;
} xgb_thread_job_t;

static void *xgb_thread_main(void *arg) {
    xgb_thread_job_t *job = arg;
    const bl_records_t *records = &job->table->records;
    double *scores = calloc(records->n_rows, sizeof *scores);
    for (int round = 0; round < 20 && job->rc == BL_OK && scores != NULL; round++)
        for (size_t first = 0; first < records->n_rows && job->rc == BL_OK; first += job->batch) {
            size_t n = records->n_rows - first < job->batch ? records->n_rows - first : job->batch;
            job->rc = job->plugin.ops->score(job->plugin.instance, records, first, n,
                                             scores + first, NULL);
            for (size_t i = first; job->rc == BL_OK && i < first + n; i++)
                job->mismatches += !(fabs(scores[i] - job->table->expected[i]) <= 1e-6);
        }
    if (scores == NULL)
        job->rc = BL_ENOMEM;
    free(scores);
    return NULL;
}

static void test_risk_plugins_xgboost_instances_per_thread(void **state) {
    (void)state;
    xgb_table_t t;
    xgb_table_load(&t);
    xgb_thread_job_t jobs[3];
    pthread_t threads[3];
    for (size_t j = 0; j < 3; j++) {
        memset(&jobs[j], 0, sizeof jobs[j]);
        jobs[j].table = &t;
        jobs[j].batch = 37 + 100 * j;
        assert_int_equal(xgb_open_fixture(&jobs[j].plugin, "nthread", j == 0 ? "1" : "0"), BL_OK);
    }
    for (size_t j = 0; j < 3; j++)
        assert_int_equal(pthread_create(&threads[j], NULL, xgb_thread_main, &jobs[j]), 0);
    for (size_t j = 0; j < 3; j++)
        pthread_join(threads[j], NULL);
    for (size_t j = 0; j < 3; j++) {
        assert_int_equal(jobs[j].rc, BL_OK);
        assert_int_equal(jobs[j].mismatches, 0);
        risk_close(&jobs[j].plugin);
    }
    xgb_table_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_plugins_xgboost_reproduces_python),
        cmocka_unit_test(test_risk_plugins_xgboost_fixture_coverage),
        cmocka_unit_test(test_risk_plugins_xgboost_categories_by_label),
        cmocka_unit_test(test_risk_plugins_xgboost_unseen_category),
        cmocka_unit_test(test_risk_plugins_xgboost_missing_column),
        cmocka_unit_test(test_risk_plugins_xgboost_wrong_feature_count),
        cmocka_unit_test(test_risk_plugins_xgboost_bad_encodings),
        cmocka_unit_test(test_risk_plugins_xgboost_bad_config),
        cmocka_unit_test(test_risk_plugins_xgboost_conformance),
        cmocka_unit_test(test_risk_plugins_xgboost_instances_per_thread),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
