/*
 * risk_validation scenarios converted from Lua (core/jobs/risk/
 * scenario_risk.c): the declaration generator (bl.declarations: checked
 * against declaration_gen.c's defaults and validation), a CSV source
 * (bl.csv), the models with their files found from the scenario's folder,
 * rates, breakdowns and gates, with the refusals of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "io/csv_reader.h"
#include "jobs/risk/risk_validation.h"
#include "lua_fixtures.h"
#include "test_util.h"

/* Scripts go under $top_builddir/tests/out/test_lua_risk.XXXXXX. */
static int setup(void **state) { return lua_setup_dir(state, "test_lua_risk"); }

/* tmpdir/rel into out (n bytes). */
static const char *in_tmp(char *out, size_t n, const char *rel) {
    return tu_path_in(out, n, tmpdir, rel);
}

static void test_lua_risk_validation_converts(void **state) {
    (void)state;
    char path[600], text[2000];
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "cargo"), 0700), 0);
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "cargo/models"), 0700), 0);
    write_script("cargo/models/lr.json", "{}");
    write_script("cargo/models/xgb.json", "{}");
    write_script("cargo/models/enc.json", "{}");
    write_script("rules.lua", "return {}");
    snprintf(text, sizeof text,
             "local P = bl.parameters{ records = 5000 }\n"
             "local d = bl.declarations{ records = P.records, weeks = 10, seed_world = 3,\n"
             "  fraud_rate = 0.1, patterns = {undervaluation = 2, prohibited = 2},\n"
             "  critical = 0.6, unlabelled = 0.25, importers = 100, declaration_ids = false }\n"
             "return bl.risk_validation{ name = 'cargo', seed = 11, declarations = d,\n" /* 5 */
             "  models = { bl.plugin{'logistic', model = 'models/lr.json', intercept = 1},\n"
             "             bl.plugin{'rules', rules = '%s/rules.lua'},\n"
             "             bl.plugin{'xgboost', model = 'models/xgb.json',\n"
             "                       encoding = 'models/enc.json', nthread = 2} },\n"
             "  breakdown = {'origin', 'hs_code'}, weekly_rate = 5, batch = 1024,\n" /* 10 */
             "  bootstrap = 200,\n"
             "  gate = { ['precision@5'] = 0.2, auc = 0.7, ['logistic:recall@10'] = 0.3,\n"
             "           ['xgboost:pr_auc'] = 0.1, ['revenue@2.0'] = 0.05 } }\n",
             tmpdir);
    run_t r;
    load_text(&r, "cargo/risk.lua", text, NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_scenario_t *sc = &r.sc;
    assert_ptr_equal(sc->kind, &bl_risk_validation_kind);
    assert_string_equal(sc->name, "cargo");
    assert_int_equal(sc->seed, 11);
    assert_int_equal(sc->replications, 1);
    bl_risk_validation_t *v = bl_risk_validation_of(sc);
    assert_non_null(v);

    /* the generator: the fields given, declaration_gen.c's defaults for the rest */
    const bl_declaration_gen_config_t *g = &v->generator;
    bl_declaration_gen_config_t def;
    bl_declaration_gen_config_default(&def);
    assert_int_equal(g->records, 5000);
    assert_int_equal(g->weeks, 10);
    assert_int_equal(g->world_seed, 3);
    assert_float_equal(g->fraud_rate, 0.1, 0);
    assert_float_equal(g->undervaluation_share, 0.5, 1e-15); /* weights, normalised */
    assert_float_equal(g->misclassification_share, 0, 0);    /* not listed: 0 */
    assert_float_equal(g->false_origin_share, 0, 0);
    assert_float_equal(g->prohibited_share, 0.5, 1e-15);
    assert_float_equal(g->critical_share, 0.6, 0);
    assert_float_equal(g->unlabelled_share, 0.25, 0);
    assert_int_equal(g->importers, 100);
    assert_int_equal(g->declaration_ids, 0);
    assert_int_equal(g->declarants, def.declarants);
    assert_float_equal(g->seasonal_amplitude, def.seasonal_amplitude, 0);
    assert_true(g->hs == def.hs && g->n_hs == def.n_hs);
    assert_null(v->csv_path);

    /* models, with their file paths from the scenario's folder */
    assert_int_equal(v->n_models, 3);
    assert_string_equal(v->models[0].spec, "logistic");
    assert_int_equal(v->models[0].n_config, 2);
    assert_string_equal(v->models[0].config_keys[0], "intercept");
    assert_string_equal(v->models[0].config_values[0], "1");
    assert_string_equal(v->models[0].config_keys[1], "model");
    assert_string_equal(v->models[0].config_values[1],
                        in_tmp(path, sizeof path, "cargo/models/lr.json"));
    assert_string_equal(v->models[1].spec, "rules");
    assert_string_equal(v->models[1].config_values[0], in_tmp(path, sizeof path, "rules.lua"));
    assert_string_equal(v->models[2].spec, "xgboost");
    assert_int_equal(v->models[2].n_config, 3);
    assert_string_equal(v->models[2].config_keys[0], "encoding");
    assert_string_equal(v->models[2].config_values[0],
                        in_tmp(path, sizeof path, "cargo/models/enc.json"));
    assert_string_equal(v->models[2].config_values[1],
                        in_tmp(path, sizeof path, "cargo/models/xgb.json"));
    assert_string_equal(v->models[2].config_keys[2], "nthread");
    assert_string_equal(v->models[2].config_values[2], "2"); /* not a file key: as given */

    assert_int_equal(v->n_rates, 4); /* the default */
    assert_float_equal(v->rates[0], 1, 0);
    assert_float_equal(v->rates[1], 2, 0);
    assert_float_equal(v->rates[2], 5, 0);
    assert_float_equal(v->rates[3], 10, 0);
    assert_int_equal(v->n_breakdown, 2);
    assert_string_equal(v->breakdown[0], "origin");
    assert_string_equal(v->breakdown[1], "hs_code");
    assert_float_equal(v->weekly_rate, 5, 0);
    assert_int_equal(v->batch, 1024);
    assert_int_equal(v->bootstrap, 200);

    /* gates in the order of their keys; "[model:]metric" split */
    assert_int_equal(v->n_gates, 5);
    assert_null(v->gates[0].model);
    assert_string_equal(v->gates[0].metric, "auc");
    assert_float_equal(v->gates[0].bound, 0.7, 0);
    assert_string_equal(v->gates[1].model, "logistic");
    assert_string_equal(v->gates[1].metric, "recall@10");
    assert_float_equal(v->gates[1].bound, 0.3, 0);
    assert_null(v->gates[2].model);
    assert_string_equal(v->gates[2].metric, "precision@5");
    assert_float_equal(v->gates[2].bound, 0.2, 0);
    assert_null(v->gates[3].model);
    assert_string_equal(v->gates[3].metric, "revenue@2"); /* normalised */
    assert_string_equal(v->gates[4].model, "xgboost");
    assert_string_equal(v->gates[4].metric, "pr_auc");
    bl_scenario_free_contents(sc);

    /* the defaults: generator, batch, bootstrap, no weekly simulation, no gate */
    load_text(&r, "cargo/min.lua",
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    v = bl_risk_validation_of(&r.sc);
    assert_int_equal(v->generator.records, def.records);
    assert_float_equal(v->generator.undervaluation_share, def.undervaluation_share, 0);
    assert_int_equal(v->generator.world_seed, -1);
    assert_int_equal(v->batch, 4096);
    assert_int_equal(v->bootstrap, 1000);
    assert_float_equal(v->weekly_rate, 0, 0);
    assert_int_equal(v->n_gates, 0);
    assert_int_equal(v->n_breakdown, 0);
    assert_int_equal(v->n_rates, 4);
    bl_scenario_free_contents(&r.sc);
}

static void test_lua_risk_csv_source_converts(void **state) {
    (void)state;
    char path[600];
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "team"), 0700), 0);
    assert_int_equal(mkdir(in_tmp(path, sizeof path, "team/data"), 0700), 0);
    write_script("team/data/decl.csv",
                 "id,declared value,origin,hs_code,fraud,revenue_at_stake,week,inspected\n"
                 "D1,120.5,CN,040210,1,30.2,0,1\n");
    run_t r;
    load_text(&r, "team/csv.lua",
              "local src = bl.csv{ path = 'data/decl.csv',\n"
              "  columns = { ['declared value'] = 'numeric', origin = 'categorical',\n"
              "              hs_code = 'categorical', id = 'identifier', week = 'numeric' },\n"
              "  label = 'fraud', revenue = 'revenue_at_stake', week = 'week',\n"
              "  labelled = 'inspected', on_bad_row = 'skip' }\n"
              "return bl.risk_validation{ declarations = src, rates = {1, 2.5},\n"
              "  models = {bl.plugin{'logistic', intercept = 0}}, breakdown = {'origin'},\n"
              "  weekly_rate = 2.5, gate = { ['revenue@2.5'] = 0.1 } }\n",
              NULL, NULL);
    if (r.rc != 0)
        print_error("%s\n", r.err.message);
    assert_int_equal(r.rc, 0);
    bl_risk_validation_t *v = bl_risk_validation_of(&r.sc);
    assert_string_equal(v->csv_path, in_tmp(path, sizeof path, "team/data/decl.csv"));
    assert_int_equal(v->n_csv_columns, 5); /* by name */
    assert_string_equal(v->csv_names[0], "declared value");
    assert_int_equal(v->csv_types[0], BL_COLUMN_NUMERIC);
    assert_string_equal(v->csv_names[1], "hs_code");
    assert_int_equal(v->csv_types[1], BL_COLUMN_CATEGORICAL);
    assert_string_equal(v->csv_names[2], "id");
    assert_int_equal(v->csv_types[2], BL_COLUMN_IDENTIFIER);
    assert_string_equal(v->csv_names[3], "origin");
    assert_int_equal(v->csv_types[3], BL_COLUMN_CATEGORICAL);
    assert_string_equal(v->csv_names[4], "week"); /* a week may be a feature too */
    assert_string_equal(v->label_column, "fraud");
    assert_string_equal(v->revenue_column, "revenue_at_stake");
    assert_string_equal(v->week_column, "week");
    assert_string_equal(v->labelled_column, "inspected");
    assert_int_equal(v->on_bad_row, BL_CSV_SKIP_BAD_ROWS);
    assert_int_equal(v->n_rates, 2);
    assert_float_equal(v->rates[1], 2.5, 0);
    assert_string_equal(v->breakdown[0], "origin");
    assert_string_equal(v->gates[0].metric, "revenue@2.5");
    bl_scenario_free_contents(&r.sc);

    /* only label= is required; failing on bad rows is the default */
    load_text(&r, "team/min.lua",
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}},\n"
              "  declarations = bl.csv{path = 'data/decl.csv', columns = {origin = "
              "'categorical'}, label = 'fraud'} }\n",
              NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(bl_risk_validation_of(&r.sc)->on_bad_row, BL_CSV_FAIL_ON_BAD_ROWS);
    assert_null(bl_risk_validation_of(&r.sc)->revenue_column);
    assert_null(bl_risk_validation_of(&r.sc)->week_column);
    bl_scenario_free_contents(&r.sc);

    static const struct {
        const char *csv, *job, *needle;
    } cases[] = {
        {"path = 'data/nope.csv', columns = {origin = 'categorical'}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: path = 'data/nope.csv' ("},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', weight = 'numeric'}, "
         "label = 'fraud'",
         "", "csv.lua:2: bl.csv: "},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', fraud = 'numeric'}, "
         "label = 'fraud'",
         "", "csv.lua:2: bl.csv: 'fraud' is the label column, which models must not see"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}", "",
         "csv.lua:2: bl.csv: label= is required"},
        {"path = 'data/decl.csv', columns = {}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: columns= lists no column"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}, label = 'fraud'",
         "weekly_rate = 5,", "csv.lua:3: bl.risk_validation: weekly_rate = 5 needs the week"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical', id = 'identifier'}, "
         "label = 'fraud'",
         "breakdown = {'id'},",
         "csv.lua:3: bl.risk_validation: breakdown[1] = 'id' is not a categorical column (the "
         "columns given categorical: origin)"},
        {"path = 'data/decl.csv', columns = {origin = 'text'}, label = 'fraud'", "",
         "csv.lua:2: bl.csv: columns['origin'] = 'text': the type is 'numeric', 'categorical' or "
         "'identifier'"},
        {"path = 'data/decl.csv', columns = {origin = 'categorical'}, label = 'fraud', "
         "on_bad_row = 'ignore'",
         "", "csv.lua:2: bl.csv: on_bad_row must be 'fail' or 'skip' (got 'ignore')"},
        {"path = 'data/decl.csv', colums = {}", "",
         "csv.lua:2: bl.csv: unknown field 'colums'; "
         "did you mean 'columns'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1200];
        snprintf(text, sizeof text,
                 "local m = {bl.plugin{'logistic', intercept = 0}}\n"
                 "local src = bl.csv{ %s }\n"
                 "local j = bl.risk_validation{ models = m, declarations = src, %s }\n"
                 "return j\n",
                 cases[i].csv, cases[i].job);
        load_text(&r, "team/csv.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    /* bl_csv_open's own message: the header's names */
    load_text(&r, "team/hdr.lua",
              "local src = bl.csv{ path = 'data/decl.csv', label = 'fraud',\n"
              "  columns = {weight = 'numeric'} }\n"
              "return bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}}, "
              "declarations = src }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "weight"));
    expect_error(&r, BL_ELUA, "hdr.lua:1: bl.csv: ");
}

static void test_lua_risk_validation_bad_settings_error(void **state) {
    (void)state;
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"gate = {['precision@3'] = 0.2}",
         "risk.lua:1: bl.risk_validation: gate 'precision@3': 3% is not one of the rates "
         "measured (1, 2, 5, 10)"},
        {"rates = {1, 2.5}, gate = {['recall@5'] = 0.2}",
         "gate 'recall@5': 5% is not one of the rates measured (1, 2.5)"},
        {"gate = {['f1@5'] = 0.2}", "risk.lua:1: bl.risk_validation: gate 'f1@5': unknown metric "
                                    "'f1@5'; a gate is \"[model:]metric\""},
        {"gate = {roc = 0.2}", "gate 'roc': unknown metric 'roc'"},
        {"gate = {['precision@'] = 0.2}", "gate 'precision@': '' is not a rate in percent"},
        {"gate = {['precision@5x'] = 0.2}", "gate 'precision@5x': '5x' is not a rate in percent"},
        {"gate = {auc = 1.5}",
         "risk.lua:1: bl.risk_validation: gate['auc'] = 1.5: a bound is a value from 0 to 1"},
        {"gate = {auc = -0.1}", "gate['auc'] = -0.1: a bound is a value from 0 to 1"},
        {"gate = {auc = 'high'}", "gate['auc'] = 'high': a bound is a value from 0 to 1"},
        {"gate = {['xgb:auc'] = 0.5}", "gate 'xgb:auc': 'xgb' is not one of the models (logistic)"},
        {"gate = {[':auc'] = 0.5}", "gate ':auc': no model before ':'"},
        {"gate = {['precision@5'] = 0.1, ['precision@5.0'] = 0.2}",
         "gate: 'precision@5' and 'precision@5.0' are the same bound"},
        {"gate = 0.5", "risk.lua:1: bl.risk_validation: gate must be a table"},
        {"rates = {1, 1}", "risk.lua:1: bl.risk_validation: rates lists 1 twice"},
        {"rates = {0}", "rates[1] must be a percentage of declarations inspected, > 0 and <= 100 "
                        "(got 0)"},
        {"rates = {}", "rates must be a list of inspection rates in percent"},
        {"rates = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}",
         "rates lists 17 values; at most 16 are measured"},
        {"breakdown = {'quantity_kg'}",
         "risk.lua:1: bl.risk_validation: breakdown[1] = 'quantity_kg' is not a categorical "
         "column (the generator's: importer, declarant, hs_code, origin, route)"},
        {"breakdown = {'origin', 'origin'}", "breakdown lists 'origin' twice"},
        {"weekly_rate = 101", "weekly_rate must be the percentage of each week's declarations"},
        {"batch = 0", "batch must be an integer from 1 to 1048576"},
        {"bootstrap = 1.5", "bootstrap must be an integer"},
        {"rate = {1}", "bl.risk_validation: unknown field 'rate'; did you mean 'rates'?"},
        {"declarations = bl.xray{}",
         "declarations must be bl.declarations{...} or bl.csv{...} (got a table)"},
        {"declarations = bl.declarations{critical = 0.05}",
         "risk.lua:1: bl.declarations: critical = 0.05 is below the share of prohibited goods "
         "(0.1, from patterns)"},
        {"declarations = bl.declarations{fraud_rate = 0.7}",
         "risk.lua:1: bl.declarations: fraud_rate must be in [0, 0.5] (got 0.7)"},
        {"declarations = bl.declarations{unlabelled = 2}",
         "bl.declarations: unlabelled must be a share from 0 to 1 (got 2)"},
        {"declarations = bl.declarations{patterns = {prohibited = 0}}",
         "bl.declarations: patterns: the weights sum to 0"},
        {"declarations = bl.declarations{patterns = {smuggling = 1}}",
         "risk.lua:1: bl.declarations: patterns: unknown field 'smuggling'"},
        {"declarations = bl.declarations{recods = 10}",
         "bl.declarations: unknown field 'recods'; did you mean 'records'?"},
        {"declarations = bl.declarations{records = 0}",
         "bl.declarations: records must be an integer from 1 to 2147483647"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[800];
        snprintf(text, sizeof text,
                 "local j = bl.risk_validation{ models = {bl.plugin{'logistic', intercept = 0}}, "
                 "%s }\n"
                 "return j\n",
                 cases[i].body);
        run_t r;
        load_text(&r, "risk.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    run_t r;
    load_text(&r, "nomodels.lua", "return bl.risk_validation{ models = {} }\n", NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "nomodels.lua: bl.risk_validation: models= needs a list of at least one risk "
                 "model");
    load_text(&r, "str.lua",
              "local j = bl.risk_validation{ models = {'logistic'} }\n"
              "return j\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "str.lua:1: bl.risk_validation: models[1] must be bl.plugin{");
    /* a model file that is not there: named at its bl.plugin line, from the scenario's folder */
    load_text(&r, "file.lua",
              "local m = {bl.plugin{'logistic', intercept = 0},\n"
              "  bl.plugin{'logistic', model = 'models/nope.json'}}\n"
              "return bl.risk_validation{ models = m }\n",
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "No such file or directory"));
    expect_error(&r, BL_ELUA, "file.lua:2: bl.plugin: model = 'models/nope.json' (");
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_risk_validation_converts),
        cmocka_unit_test(test_lua_risk_csv_source_converts),
        cmocka_unit_test(test_lua_risk_validation_bad_settings_error),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, lua_teardown_dir);
}
