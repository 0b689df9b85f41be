/*
 * Risk-model plugins through the real loader (bl_plugin_load), one section
 * per plugin, each with its own test_risk_plugins_<plugin>_* functions and
 * helpers.  Plugins are found under $top_builddir (default "."), fixtures
 * under $top_srcdir (default: $top_builddir); files a test writes go under
 * $top_builddir/tests/out/risk_plugins.  `make check` builds the plugins.
 *
 * To add a section: append its helpers and tests before main() and its
 * tests to the list in main().
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
#include "test_util.h"

/* ------------------------------------------------------------------ shared */

static char outdir[2200];

static int setup_paths(void **state) {
    (void)state;
    return tu_outdir(outdir, sizeof outdir, "risk_plugins");
}

/* Error and warning lines a plugin logged, newest last (cleared by risk_open). */
static char logged[8192];

static void capture_log(void *ctx, int level, const char *message) {
    (void)ctx;
    if (level > BL_LOG_WARN)
        return;
    size_t used = strlen(logged);
    snprintf(logged + used, sizeof logged - used, "%s\n", message);
}

/* A loaded risk plugin and one instance of it. */
typedef struct risk_plugin {
    bl_plugin_handle_t handle;
    bl_host_services_t hs;
    const bl_risk_ops_t *ops;
    void *instance;
} risk_plugin_t;

/* Load builddir/so_path and create an instance with config (n pairs);
 * returns create()'s code (the plugin stays loaded: risk_close it). */
static int risk_open(risk_plugin_t *rp, const char *so_path, size_t n, const char *const *keys,
                     const char *const *values) {
    char path[4096];
    logged[0] = '\0';
    memset(rp, 0, sizeof *rp);
    tu_load_plugin(&rp->handle, tu_builddir_path(path, sizeof path, so_path), BL_KIND_RISK);
    rp->ops = rp->handle.desc->risk;
    bl_host_services_init(&rp->hs, 42, 0, 7, NULL, rp->handle.desc->header.id);
    rp->hs.host.log = capture_log;
    bl_config_t config = {n, keys, values};
    return rp->ops->create(&config, &rp->hs.host, &rp->instance);
}

static void risk_close(risk_plugin_t *rp) {
    if (rp->instance != NULL)
        rp->ops->destroy(rp->instance);
    rp->instance = NULL;
    bl_plugin_unload(&rp->handle);
}

/* ------------------------------------------------------------------ risk/xgboost */

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

/* ------------------------------------------------------------------ risk/logistic, risk/rules */

#define LG_SO "plugins/risk/logistic/.libs/logistic.so"
#define RULES_SO "plugins/risk/rules/.libs/rules.so"

static void lr_fixture_path(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/tests/fixtures/%s", tu_srcdir(), name);
}

/* Write text to outdir/name; the path into out. */
static void lr_write(const char *name, const char *text, char *out, size_t size) {
    tu_write_file(tu_path_in(out, size, outdir, name), text);
}

/* Open plugin so with one config key. */
static int lr_open1(risk_plugin_t *rp, const char *so, const char *key, const char *value) {
    const char *keys[] = {key};
    const char *values[] = {value};
    return risk_open(rp, so, 1, keys, values);
}

static void lr_expect_logged(const char *want) {
    if (strstr(logged, want) == NULL)
        fail_msg("log does not mention \"%s\"; it says:\n%s", want, logged);
}

/*
 * The hand-made declarations batch: 10 rows over the columns the synthetic
 * generator writes (a subset), with missing values in every column.
 */
#define LR_ROWS 10
typedef struct lr_batch {
    int32_t hs[LR_ROWS], origin[LR_ROWS], decl[LR_ROWS];
    double vpk[LR_ROWS], past[LR_ROWS], frauds[LR_ROWS];
    bl_column_t columns[6];
    bl_records_t records;
} lr_batch_t;

static const char *const lr_hs_labels[] = {"240220", "240311", "851712"};
static const char *const lr_origin_labels[] = {"XX", "YY", "ZZ", "CN", "VN", "BR"};

static void lr_batch_build(lr_batch_t *b) {
    /* hs code, origin, value_per_kg, importer_past_declarations */
    static const int32_t hs[LR_ROWS] = {0, 0, 0, 1, 2, 2, -1, 0, 0, 0};
    static const int32_t origin[LR_ROWS] = {0, 0, 0, 0, 1, 2, 0, 0, -1, 1};
    static const double vpk[LR_ROWS] = {8, 8, 20, 8, 30, 30, 8, NAN, 5, NAN};
    static const double past[LR_ROWS] = {50, 1, 1, 50, 2, 500, 50, NAN, 200, 10};
    memset(b, 0, sizeof *b);
    for (int i = 0; i < LR_ROWS; i++) {
        b->hs[i] = hs[i];
        b->origin[i] = origin[i];
        b->vpk[i] = vpk[i];
        b->past[i] = past[i];
        b->frauds[i] = i % 3;
        b->decl[i] = 1000 + i;
    }
    b->columns[0] = (bl_column_t){"declaration_id", BL_COLUMN_IDENTIFIER, 0, NULL, b->decl, NULL};
    b->columns[1] = (bl_column_t){"hs_code", BL_COLUMN_CATEGORICAL, 3, NULL, b->hs, lr_hs_labels};
    b->columns[2] =
        (bl_column_t){"origin", BL_COLUMN_CATEGORICAL, 6, NULL, b->origin, lr_origin_labels};
    b->columns[3] = (bl_column_t){"value_per_kg", BL_COLUMN_NUMERIC, 0, b->vpk, NULL, NULL};
    b->columns[4] =
        (bl_column_t){"importer_past_declarations", BL_COLUMN_NUMERIC, 0, b->past, NULL, NULL};
    b->columns[5] =
        (bl_column_t){"importer_past_frauds", BL_COLUMN_NUMERIC, 0, b->frauds, NULL, NULL};
    b->records = (bl_records_t){(uint32_t)sizeof(bl_records_t), 6, LR_ROWS, b->columns};
}

static void lr_conformance(const char *so_rel, const char *key, const char *value) {
    char so[4096];
    tu_builddir_path(so, sizeof so, so_rel);
    const char *keys[] = {key};
    const char *values[] = {value};
    tu_expect_conformance(so, 1, keys, values, 10);
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

/* ---- risk/rules */

/* Scores of tests/fixtures/rules/hand.lua on lr_batch_build's rows, by hand. */
static const double rules_hand_expected[LR_ROWS] = {
    0.9,  /* 2402.., XX, 8: cheap tobacco (new importer does not apply) */
    0.9,  /* also a new importer (0.4): the highest wins */
    0.4,  /* not cheap: new importer only */
    0.05, /* 2403..: nothing matches, the default */
    0.6,  /* YY and new importer: 0.6 */
    0.01, /* trusted trader: lower than the default, still its score */
    0.05, /* hs_code missing */
    0.05, /* value and history missing */
    0.3,  /* origin missing (nil ~= "XX") and cheap: 0.3 beats trusted 0.01 */
    0.6,  /* YY, value missing */
};

static void rules_open_fixture(risk_plugin_t *rp, const char *name) {
    char path[4096];
    lr_fixture_path(path, sizeof path, name);
    int rc = lr_open1(rp, RULES_SO, "rules", path);
    if (rc != BL_OK)
        print_error("%s: rc %d:\n%s", name, rc, logged);
    assert_int_equal(rc, BL_OK);
}

static void test_risk_plugins_rules_known_matches(void **state) {
    (void)state;
    lr_batch_t b;
    risk_plugin_t rp;
    double s[LR_ROWS];
    bl_reason_t reasons[LR_ROWS];
    lr_batch_build(&b);
    rules_open_fixture(&rp, "rules/hand.lua");
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, reasons), BL_OK);
    for (int i = 0; i < LR_ROWS; i++) {
        if (s[i] != rules_hand_expected[i])
            fail_msg("row %d scored %g, want %g", i, s[i], rules_hand_expected[i]);
        /* Function rules read no known column: -1, contribution = the score. */
        assert_int_equal(reasons[i].column, -1);
        assert_true(reasons[i].contribution == (float)rules_hand_expected[i]);
    }
    /* Rows one at a time, and an offset batch. */
    for (size_t i = 0; i < LR_ROWS; i++) {
        double one;
        assert_int_equal(rp.ops->score(rp.instance, &b.records, i, 1, &one, NULL), BL_OK);
        assert_true(one == s[i]);
    }
    double part[3];
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 4, 3, part, NULL), BL_OK);
    assert_memory_equal(part, s + 4, sizeof part);
    risk_close(&rp);
}

/* The declarative form gives the same scores, with reasons naming a column. */
static void test_risk_plugins_rules_declarative_agrees(void **state) {
    (void)state;
    lr_batch_t b;
    risk_plugin_t fn, decl;
    double s[LR_ROWS];
    bl_reason_t reasons[LR_ROWS];
    lr_batch_build(&b);
    rules_open_fixture(&decl, "rules/hand_declarative.lua");
    assert_int_equal(decl.ops->score(decl.instance, &b.records, 0, LR_ROWS, s, reasons), BL_OK);
    for (int i = 0; i < LR_ROWS; i++)
        if (s[i] != rules_hand_expected[i])
            fail_msg("declarative: row %d scored %g, want %g", i, s[i], rules_hand_expected[i]);
    assert_int_equal(reasons[0].column, 1); /* hs_code: the tobacco rule's first condition */
    assert_int_equal(reasons[2].column, 4); /* importer_past_declarations */
    assert_int_equal(reasons[4].column, 2); /* origin */
    assert_int_equal(reasons[3].column, -1);
    assert_true(reasons[3].contribution == 0.05f);

    /* A larger pseudo-random batch with missing values everywhere: both forms agree. */
    enum { N = 5000 };
    int32_t *hs = malloc(N * sizeof *hs), *origin = malloc(N * sizeof *origin);
    double *vpk = malloc(N * sizeof *vpk), *past = malloc(N * sizeof *past);
    double *a = malloc(N * sizeof *a), *c = malloc(N * sizeof *c);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        hs[i] = (int32_t)(x % 4) - 1;
        origin[i] = (int32_t)((x >> 8) % 7) - 1;
        vpk[i] = (x >> 16) % 9 == 0 ? NAN : (double)((x >> 20) % 300) / 10.0;
        past[i] = (x >> 32) % 11 == 0 ? NAN : (double)((x >> 36) % 150);
    }
    bl_column_t columns[] = {
        {"value_per_kg", BL_COLUMN_NUMERIC, 0, vpk, NULL, NULL},
        {"origin", BL_COLUMN_CATEGORICAL, 6, NULL, origin, lr_origin_labels},
        {"importer_past_declarations", BL_COLUMN_NUMERIC, 0, past, NULL, NULL},
        {"hs_code", BL_COLUMN_CATEGORICAL, 3, NULL, hs, lr_hs_labels},
    };
    bl_records_t records = {(uint32_t)sizeof(bl_records_t), 4, N, columns};
    rules_open_fixture(&fn, "rules/hand.lua");
    for (size_t first = 0; first < N; first += 1000) {
        assert_int_equal(fn.ops->score(fn.instance, &records, first, 1000, a + first, NULL), BL_OK);
        assert_int_equal(decl.ops->score(decl.instance, &records, first, 1000, c + first, NULL),
                         BL_OK);
    }
    size_t matched = 0;
    for (size_t i = 0; i < N; i++) {
        if (a[i] != c[i])
            fail_msg("row %zu: function form %g, declarative %g", i, a[i], c[i]);
        matched += a[i] != 0.05;
    }
    assert_true(matched > N / 4 && matched < N);
    risk_close(&fn);
    risk_close(&decl);
    free(hs);
    free(origin);
    free(vpk);
    free(past);
    free(a);
    free(c);
}

/* NaN and -1 are nil in r; an identifier without labels is its code. */
static void test_risk_plugins_rules_missing_is_nil(void **state) {
    (void)state;
    static const char text[] =
        "return {\n"
        "  { name = 'value missing', score = 0.8, when = function(r) return r.value_per_kg == nil "
        "end },\n"
        "  { name = 'origin missing', score = 0.7, when = function(r) return r.origin == nil "
        "end },\n"
        "  { name = 'float, and id code', score = 0.2, when = function(r)\n"
        "      return math.type(r.importer_past_declarations) == 'float'\n"
        "        and math.type(r.declaration_id) == 'integer' and r.declaration_id >= 1005 end },\n"
        "  default = 0.1,\n"
        "}\n";
    char path[4096];
    lr_batch_t b;
    risk_plugin_t rp;
    double s[LR_ROWS];
    lr_batch_build(&b);
    lr_write("rules_nil.lua", text, path, sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_OK);
    for (int i = 0; i < LR_ROWS; i++) {
        double want = isnan(b.vpk[i])                          ? 0.8
                      : b.origin[i] < 0                        ? 0.7
                      : !isnan(b.past[i]) && b.decl[i] >= 1005 ? 0.2
                                                               : 0.1;
        if (s[i] != want)
            fail_msg("row %d scored %g, want %g", i, s[i], want);
    }
    risk_close(&rp);
}

/* A rule that raises an error: BL_EINVAL naming the file, the rule, the row. */
static void test_risk_plugins_rules_error_names_rule(void **state) {
    (void)state;
    static const char text[] =
        "return {\n"
        "  { name = 'fine', score = 0.5, all = { {'origin', '==', 'QQ'} } },\n"
        "  { name = 'unguarded value', score = 0.4,\n"
        "    when = function(r) return r.value_per_kg < 12 end },\n"
        "}\n";
    char path[4096];
    lr_batch_t b;
    risk_plugin_t rp;
    double s[LR_ROWS];
    lr_batch_build(&b);
    lr_write("rules_error.lua", text, path, sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_EINVAL);
    lr_expect_logged(path);
    lr_expect_logged("\"unguarded value\"");
    lr_expect_logged("row 7");
    lr_expect_logged("compare");
    /* Rows without a missing value still score. */
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, 7, s, NULL), BL_OK);
    assert_true(s[0] == 0.4 && s[2] == 0);
    risk_close(&rp);

    /* An endless rule is stopped. */
    static const char loop[] = "return { { name = 'spin', score = 1,\n"
                               "  when = function(r) while true do end end } }\n";
    lr_write("rules_loop.lua", loop, path, sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, 1, s, NULL), BL_EINVAL);
    lr_expect_logged("\"spin\"");
    lr_expect_logged("endless loop");
    risk_close(&rp);
}

/* Create rules from text; expect rc and a log naming the file and want. */
static void rules_expect_refusal(const char *name, const char *text, int want_rc,
                                 const char *want) {
    char path[4096];
    risk_plugin_t rp;
    lr_write(name, text, path, sizeof path);
    int rc = lr_open1(&rp, RULES_SO, "rules", path);
    if (rc != want_rc || strstr(logged, want) == NULL)
        print_error("%s: rc %d, log:\n%s(want \"%s\")\n", name, rc, logged, want);
    assert_int_equal(rc, want_rc);
    assert_null(rp.instance);
    lr_expect_logged(path);
    lr_expect_logged(want);
    risk_close(&rp);
}

static void test_risk_plugins_rules_sandbox(void **state) {
    (void)state;
    rules_expect_refusal("rules_os.lua",
                         "os.execute('touch /tmp/borderlab_rules_pwned')\n"
                         "return { default = 0 }\n",
                         BL_EINVAL, "'os' is not available");
    rules_expect_refusal("rules_io.lua", "local f = io.open('/etc/passwd')\nreturn {}\n", BL_EINVAL,
                         "rules_io.lua:1:");
    rules_expect_refusal("rules_require.lua", "require('socket')\nreturn {}\n", BL_EINVAL,
                         "'require' is not available");
    rules_expect_refusal("rules_binary.lua",
                         "local f = assert(load(string.char(27) .. 'Lua'))\nreturn {}\n", BL_EINVAL,
                         "binary");
    rules_expect_refusal("rules_dump.lua", "return string.dump(function() end)\n", BL_EINVAL,
                         "dump");
    rules_expect_refusal("rules_random.lua", "local x = math.random()\nreturn {}\n", BL_EINVAL,
                         "deterministic");
    rules_expect_refusal("rules_loadfile.lua", "loadfile('/etc/passwd')\nreturn {}\n", BL_EINVAL,
                         "'loadfile' is not available");

    /* Inside a rule: refused when it runs, naming the rule. */
    char path[4096];
    lr_batch_t b;
    risk_plugin_t rp;
    double s[LR_ROWS];
    lr_batch_build(&b);
    lr_write("rules_os_late.lua",
             "return { { name = 'sneaky', score = 1, when = function(r) return os.getenv('HOME') "
             "end } }\n",
             path, sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, 1, s, NULL), BL_EINVAL);
    lr_expect_logged("\"sneaky\"");
    lr_expect_logged("'os' is not available");
    risk_close(&rp);
}

static void test_risk_plugins_rules_bad_files(void **state) {
    (void)state;
    rules_expect_refusal("rules_syntax.lua", "return {\n  { name = 'x' score = 1 },\n}\n",
                         BL_EINVAL, "rules_syntax.lua:2:");
    rules_expect_refusal("rules_notable.lua", "return 42\n", BL_EINVAL, "must return a table");
    rules_expect_refusal("rules_empty.lua", "return { default = 0.1 }\n", BL_EINVAL, "no rules");
    rules_expect_refusal("rules_score.lua",
                         "return { { name = 'big', score = 2, when = function() return true end "
                         "} }\n",
                         BL_EINVAL, "rule 1 (\"big\"): score must be a number in [0, 1]");
    rules_expect_refusal("rules_typo.lua",
                         "return { { name = 'a', score = 1, wehn = function() return true end } "
                         "}\n",
                         BL_EINVAL, "unknown key wehn");
    rules_expect_refusal("rules_noname.lua", "return { { score = 1, all = {} } }\n", BL_EINVAL,
                         "rule 1: needs a name");
    rules_expect_refusal("rules_nothing.lua", "return { { name = 'idle', score = 1 } }\n",
                         BL_EINVAL, "needs when");
    rules_expect_refusal("rules_op.lua",
                         "return { { name = 'op', score = 1, all = { {'x1', '=', 3} } } }\n",
                         BL_EINVAL, "all[1][2] must be an operator");
    rules_expect_refusal("rules_prefix.lua",
                         "return { { name = 'p', score = 1, all = { {'x1', 'prefix', 3} } } }\n",
                         BL_EINVAL, "\"prefix\" needs a string");
    rules_expect_refusal("rules_default.lua",
                         "return { { name = 'a', score = 1, all = { {'x1', '>', 0} } }, "
                         "default = 'low' }\n",
                         BL_EINVAL, "default must be a number");
    rules_expect_refusal("rules_extra.lua",
                         "return { { name = 'a', score = 1, all = { {'x1', '>', 0} } }, "
                         "deafult = 0.1 }\n",
                         BL_EINVAL, "unexpected key deafult");

    /* Missing file, missing config, unknown config key. */
    char path[4200];
    risk_plugin_t rp;
    snprintf(path, sizeof path, "%s/no_such_rules.lua", outdir);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_ENOTFOUND);
    lr_expect_logged(path);
    risk_close(&rp);
    assert_int_equal(risk_open(&rp, RULES_SO, 0, NULL, NULL), BL_EINVAL);
    lr_expect_logged("rules = path/to/rules.lua");
    risk_close(&rp);
    lr_fixture_path(path, sizeof path, "rules/hand.lua");
    const char *keys[] = {"rules", "rule"};
    const char *values[] = {path, "x"};
    assert_int_equal(risk_open(&rp, RULES_SO, 2, keys, values), BL_EINVAL);
    lr_expect_logged("config rule: unknown key");
    risk_close(&rp);
}

/* A condition's column must exist and have the right type for the batch. */
static void test_risk_plugins_rules_condition_columns(void **state) {
    (void)state;
    char path[4096];
    lr_batch_t b;
    risk_plugin_t rp;
    double s[LR_ROWS];
    lr_batch_build(&b);
    lr_write("rules_col.lua",
             "return { { name = 'cheap', score = 1, all = { {'value_per_kilo', '<', 3} } } }\n",
             path, sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_EINVAL);
    lr_expect_logged("\"value_per_kilo\" is not in the batch");
    lr_expect_logged("\"cheap\"");
    risk_close(&rp);

    lr_write("rules_type.lua",
             "return { { name = 'origin low', score = 1, all = { {'origin', '<', 3} } } }\n", path,
             sizeof path);
    assert_int_equal(lr_open1(&rp, RULES_SO, "rules", path), BL_OK);
    assert_int_equal(rp.ops->score(rp.instance, &b.records, 0, LR_ROWS, s, NULL), BL_EINVAL);
    lr_expect_logged("\"origin\" is categorical");
    risk_close(&rp);
}

static void test_risk_plugins_rules_conformance(void **state) {
    (void)state;
    char rules[4096];
    lr_fixture_path(rules, sizeof rules, "rules/conformance.lua");
    lr_conformance(RULES_SO, "rules", rules);
}

/* ------------------------------------------------------------------ main */

int main(void) {
    const struct CMUnitTest tests[] = {
        /* risk/xgboost */
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
        /* risk/logistic */
        cmocka_unit_test(test_risk_plugins_logistic_model_file_exact),
        cmocka_unit_test(test_risk_plugins_logistic_categorical_by_label),
        cmocka_unit_test(test_risk_plugins_logistic_bad_model_files),
        cmocka_unit_test(test_risk_plugins_logistic_both_routes),
        cmocka_unit_test(test_risk_plugins_logistic_missing_column),
        cmocka_unit_test(test_risk_plugins_logistic_conformance),
        /* risk/rules */
        cmocka_unit_test(test_risk_plugins_rules_known_matches),
        cmocka_unit_test(test_risk_plugins_rules_declarative_agrees),
        cmocka_unit_test(test_risk_plugins_rules_missing_is_nil),
        cmocka_unit_test(test_risk_plugins_rules_error_names_rule),
        cmocka_unit_test(test_risk_plugins_rules_sandbox),
        cmocka_unit_test(test_risk_plugins_rules_bad_files),
        cmocka_unit_test(test_risk_plugins_rules_condition_columns),
        cmocka_unit_test(test_risk_plugins_rules_conformance),
        /* further sections: append their tests here */
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
