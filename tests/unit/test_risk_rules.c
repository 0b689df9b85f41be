/*
 * risk/rules through the real loader (bl_plugin_load): known matches on the
 * hand-made batch, the declarative and function forms agreeing, missing
 * values, errors that name the rule, the sandbox, refused files, condition
 * columns and conformance.  Fixtures under $top_srcdir/tests/fixtures/rules;
 * the hand-made batch and shared helpers in risk_plugin_fixtures.h.
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

#define RULES_SO "plugins/risk/rules/.libs/rules.so"

/* Files the tests write go under $top_builddir/tests/out/risk_rules. */
static int setup_paths(void **state) {
    (void)state;
    return tu_outdir(outdir, sizeof outdir, "risk_rules");
}

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_plugins_rules_known_matches),
        cmocka_unit_test(test_risk_plugins_rules_declarative_agrees),
        cmocka_unit_test(test_risk_plugins_rules_missing_is_nil),
        cmocka_unit_test(test_risk_plugins_rules_error_names_rule),
        cmocka_unit_test(test_risk_plugins_rules_sandbox),
        cmocka_unit_test(test_risk_plugins_rules_bad_files),
        cmocka_unit_test(test_risk_plugins_rules_condition_columns),
        cmocka_unit_test(test_risk_plugins_rules_conformance),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
