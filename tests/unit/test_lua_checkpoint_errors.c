/*
 * What a checkpoint script gets refused for, each refusal naming the file
 * and line to fix: unknown fields (with a "did you mean"), route targets
 * that are not stations, stations without their plugin, a script that
 * returns no job, overlapping shifts, bad rows of an arrivals CSV and the
 * planning errors of classes, routes, review, budgets, sequential
 * replications, populations and patience.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lua_fixtures.h"
#include "test_util.h"

/* Scripts go under $top_builddir/tests/out/test_lua_checkpoint_errors.XXXXXX. */
static int setup(void **state) { return lua_setup_dir(state, "test_lua_checkpoint_errors"); }

static void test_lua_unknown_field_is_named(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "field.lua", JOB("\n bl.station{'a', sevrers = 1, service = 1}"), NULL, NULL);
    assert_non_null(strstr(r.err.message, "did you mean 'servers'?"));
    expect_error(&r, BL_ELUA, "field.lua:3: bl.station: unknown field 'sevrers'");
    load_text(&r, "field2.lua", "return bl.checkpoint{ duraton = 5 }\n", NULL, NULL);
    /* `return bl.checkpoint{...}` is a tail call: Lua keeps no line for it */
    expect_error(&r, BL_ELUA, "field2.lua: bl.checkpoint: unknown field 'duraton'");
}

static void test_lua_unknown_route_target_names_station(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "route.lua",
              JOB("bl.station{'doc', servers = 1, service = 1},\n"
                  "bl.scan{'xray', servers = 1, service = 1, alarm = 'serch'},\n"
                  "bl.search{'search', servers = 1, service = 1, find_probability = 1}") "",
              NULL, NULL);
    /* plugins missing too, but the route is checked first */
    expect_error(&r, BL_ELUA,
                 "route.lua:3: station 'xray': alarm = 'serch' is not a station (stations: doc, "
                 "xray, search; or 'exit')");
    load_text(&r, "route2.lua",
              JOB("bl.station{'doc', servers = 1, service = 1, next = bl.route{{'a', 0.5}, {'b', "
                  "0.5}}}"),
              NULL, NULL);
    expect_error(&r, BL_ELUA, "route2.lua:2: station 'doc': next = 'a' is not a station");
    load_text(&r, "dup.lua",
              JOB("bl.station{'a', servers = 1, service = 1}, bl.station{'a', servers = 1, "
                  "service = 1}"),
              NULL, NULL);
    expect_error(&r, BL_ELUA, "dup.lua:2: station 'a': a station with this name is already");
    load_text(&r, "srv.lua", JOB("bl.station{'a', servers = 1.5, service = 1}"), NULL, NULL);
    expect_error(&r, BL_ELUA, "srv.lua:2: station 'a': servers must be an integer");
}

static void test_lua_station_without_its_plugin_errors(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "risk.lua",
              JOB("bl.station{'doc', servers = 1, service = 1},\n"
                  "bl.risk_check{'risk', servers = 1, threshold = 0.5, selected = 'exit'}"),
              NULL, NULL);
    assert_non_null(strstr(r.err.message, "plugins = {risk = bl.plugin{...}}"));
    expect_error(&r, BL_ELUA,
                 "risk.lua:3: station 'risk' is a bl.risk_check: it needs a risk model");
    load_text(&r, "scan.lua", JOB("bl.scan{'x', servers = 1, service = 1, alarm = 'exit'}"), NULL,
              NULL);
    expect_error(&r, BL_ELUA, "station 'x' is a bl.scan: it needs a detector");
}

static void test_lua_script_must_return_a_job(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "num.lua", "return 42\n", NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "num.lua: the script must return a job such as bl.checkpoint{...} "
                 "(it returned a number)");
    load_text(&r, "none.lua", "local x = 1\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "(it returned nothing)");
    load_text(&r, "st.lua", "return bl.station{'a', servers = 1, service = 1}\n", NULL, NULL);
    expect_error(&r, BL_ELUA, "(it returned a station object)");
    load_text(&r, "stop.lua",
              "return bl.checkpoint{ arrivals = bl.poisson{rate = 1},\n"
              " stations = {bl.station{'a', servers = 1, service = 1}} }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "stop.lua: bl.checkpoint: say when arrivals stop");
    load_text(&r, "stop2.lua",
              "local job = bl.checkpoint{ arrivals = bl.poisson{rate = 1},\n"
              " stations = {bl.station{'a', servers = 1, service = 1}} }\nreturn job\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA, "stop2.lua:1: bl.checkpoint: say when arrivals stop");
}

static void test_lua_shift_overlap_names_file_line_and_shifts(void **state) {
    (void)state;
    run_t r;
    load_text(&r, "overlap.lua",
              "return bl.checkpoint{ duration = 10, arrivals = bl.poisson{rate = 1},\n"
              "  stations = { bl.station{'a', service = 1,\n"
              "    servers = bl.shifts{ {from = bl.hours(8), to = bl.hours(16), servers = 4},\n"
              "                         {from = 0, to = bl.hours(9), servers = 2} } } } }\n",
              NULL, NULL);
    expect_error(&r, BL_ELUA,
                 "overlap.lua:3: bl.shifts: shifts overlap: shift 1 (8:00 to 16:00, 4 servers) "
                 "and shift 2 (0:00 to 9:00, 2 servers): end one shift where the next begins");
    static const struct {
        const char *servers, *needle;
    } cases[] = {
        {"bl.shifts{{from = 0, to = 10, servers = 0}}", "every shift has 0 servers"},
        {"bl.shifts{{from = 0, to = bl.hours(25), servers = 1}}", "past the schedule's period"},
        {"bl.shifts{{from = 10, to = 5, servers = 1}}", "from must be >= 0 and before to"},
        {"bl.shifts{{from = 0, to = 5, servers = 1.5}}", "servers must be an integer"},
        {"bl.shifts{{from = 0, to = 5, servers = 1}, period = -1}", "period must be >= 0"},
        {"bl.shifts{{from = 0, servers = 1}}", "bl.shifts: shift 1: to must be a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[600];
        snprintf(text, sizeof text,
                 "return bl.checkpoint{ duration = 10, arrivals = bl.poisson{rate = 1},\n"
                 "  stations = { bl.station{'a', service = 1,\n"
                 "    servers = %s } } }\n",
                 cases[i].servers);
        load_text(&r, "shift.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, "shift.lua:3: bl.shifts");
        load_text(&r, "shift.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
}

static void test_lua_arrivals_csv_errors_name_rows(void **state) {
    (void)state;
    static const struct {
        const char *csv, *needle;
    } cases[] = {
        {"minute,kind\n1,car\n-2,car\n", "bad.csv:3: column 'minute' is -2: arrival times are >= "
                                         "0 (from the start of the run): fix the row"},
        {"minute,kind\n1,car\n\n2,bus\n", "bad.csv:3: column 'kind' is 'bus', not a declared "
                                          "class (classes: foot, car, coach): fix the row"},
        {"minute,kind\n1,car\n2,\n", "bad.csv:3: column 'kind' is empty"},
        {"minute,kind\n,car\n", "bad.csv:2: column 'minute' is empty"},
        {"minute,kind\nsoon,car\n", "bad.csv row 2, column 'minute': 'soon' is not a number: fix "
                                    "the cell (leave it empty when the value is missing)\0"},
        {"time,kind\n1,car\n", "column 'minute'"},
        {"minute,kind\n", "no arrivals"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[600];
        tu_write_file(tu_path_in(path, sizeof path, tmpdir, "bad.csv"), cases[i].csv);
        run_t r;
        load_replay(&r, "bad.lua", "bad.csv", "");
        assert_null(strstr(r.err.message, "on_bad_row"));
        expect_error(&r, BL_ELUA, "bad.lua:4: bl.arrivals_csv: ");
        load_replay(&r, "bad.lua", "bad.csv", "");
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
    char path[600];
    tu_write_file(tu_path_in(path, sizeof path, tmpdir, "bad.csv"), "minute,kind,party\n1,car,0\n");
    run_t r;
    load_replay(&r, "bad.lua", "bad.csv", ", group = 'party'");
    expect_error(&r, BL_ELUA,
                 "bad.csv:2: column 'party' is 0: a group is a whole number of entities from 1 "
                 "to 1000000: fix the row");
    load_replay(&r, "bad.lua", "missing.csv", "");
    expect_error(&r, BL_ELUA, "missing.csv");
}

static void test_lua_planning_errors(void **state) {
    (void)state;
    /* Each body is the contents of bl.checkpoint{...} after duration = 10,
     * on line 2; the message must carry the file:line it names. */
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"arrivals = bl.poisson{rate = -1}, stations = {bl.station{'a', servers = 1, service = 1}}",
         "c.lua:2: bl.poisson: rate must be a rate >= 0 per second (got -1)"},
        {"arrivals = bl.poisson{profile = {1, -0.5}, step = 1}, stations = {}",
         "c.lua:2: bl.poisson: profile[2] must be a rate >= 0"},
        {"arrivals = bl.weekly{day = {1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,-1}}",
         "c.lua:2: bl.weekly: day[24] must be a rate >= 0"},
        {"arrivals = bl.weekly{day = {1, 2}}", "c.lua:2: bl.weekly: day needs 24 hourly rates"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = -3}}}",
         "c.lua:2: bl.poisson: rate must be a rate >= 0"},
        {"classes = {bl.class{'a'}}, stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: arrivals must be"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}}, bl.class{'a', arrivals = "
         "bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: a class named 'a' is already declared"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}}}, arrivals = "
         "bl.poisson{rate = 1}",
         "c.lua: bl.checkpoint: with classes=, arrivals= and population= go inside"},
        {"classes = {bl.class{'a', arrivals = bl.poisson{rate = 1}, first = 'nowhere'}}, "
         "stations = {bl.station{'s', servers = 1, service = 1}}",
         "c.lua:2: bl.class: first = 'nowhere' is not a station (stations: s; or 'exit')"},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}, bl.class{'car', arrivals "
         "= bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = {bus = "
         "1}}}",
         "c.lua:2: station 's': service: 'bus' is not a class (classes: foot, car)"},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}, bl.class{'car', arrivals "
         "= bl.poisson{rate = 1}}}, stations = {bl.station{'s', servers = 1, service = {foot = "
         "1}}}",
         "service: no time for class 'car': give default = or car ="},
        {"classes = {bl.class{'foot', arrivals = bl.poisson{rate = 1}}}, stations = "
         "{bl.station{'s', servers = 1, service = 1, next = bl.by_class{bus = 'exit'}}}",
         "c.lua:2: bl.by_class: 'bus' is not a class (classes: foot; or default =)"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{attributes = {{'age', all "
         "= 1}}}, stations = {bl.station{'s', servers = 1, service = 1, next = "
         "bl.by_attribute{'value', at_least = 1, yes = 'exit'}}}",
         "c.lua:2: bl.by_attribute: 'value' is not a declared attribute (attributes: age)"},
        {"arrivals = bl.poisson{rate = 1}, plugins = {store = bl.plugin{'memory'}}, stations = "
         "{bl.review{'r', servers = 1, service = 1, confirm_clean = 1.5}}",
         "c.lua:2: station 'r': confirm_clean must be a probability from 0 to 1"},
        {"arrivals = bl.poisson{rate = 1}, plugins = {risk = bl.plugin{'logistic'}}, stations = "
         "{bl.risk_check{'r', budget_per_hour = -1, selected = 'exit'}}",
         "c.lua:2: station 'r': budget_per_hour must be >= 0"},
        {"arrivals = bl.poisson{rate = 1}, stations = {bl.scan{'x', servers = 1, service = 1, "
         "alarm = 'exit'}}",
         "needs a detector, plugins = {detector = bl.plugin{...}} or surrogate = "
         "bl.surrogate{results = ...}"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "half_width = 1, relative = 0.1}",
         "c.lua:2: bl.sequential: give half_width= or relative=, not both"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{half_width = 1}",
         "c.lua:2: bl.sequential: metric= is required"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "relative = 0}",
         "c.lua:2: bl.sequential: relative must be > 0"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = 'sojourn_mean', "
         "relative = 0.1, min = 50, max = 10}, stations = {bl.station{'s', servers = 1, service "
         "= 1}}",
         "c.lua:2: bl.sequential: min = 50 is more than max = 10"},
        {"arrivals = bl.poisson{rate = 1}, replications = bl.sequential{metric = "
         "'wait_mean:nope', relative = 0.1}, stations = {bl.station{'s', servers = 1, service = "
         "1}}",
         "c.lua:2: bl.sequential: metric = 'nope' is not a station"},
        {"arrivals = bl.poisson{rate = 1}, series_step = 0, stations = {bl.station{'s', servers "
         "= 1, service = 1}}",
         "series_step must be > 0"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{carriers = 0.1, contraband "
         "= {{'phones', looks_like = 'phone'}}}, stations = {bl.station{'s', servers = 1, "
         "service = 1}}",
         "c.lua:2: bl.population: contraband[1]: looks_like = 'phone' is not a threat class"},
        {"arrivals = bl.poisson{rate = 1}, population = bl.population{carriers = 0.1, contraband "
         "= {{'drugs', concealment = {{'body', find = 2}}}}}, stations = {bl.station{'s', "
         "servers = 1, service = 1}}",
         "c.lua:2: bl.population: contraband[1]: concealment[1]: find must be from 0 to 1"},
        {"arrivals = bl.poisson{rate = 1}, stations = {bl.station{'s', servers = 1, service = 1, "
         "reneged = 'exit', next = 'exit'}, bl.station{'t', servers = 1, service = 1, reneged = "
         "'s'}}",
         "c.lua:2: station 't': reneged= says where impatient entities go: give patience= too"},
        {"arrivals = bl.poisson{rate = 1}, surrogate = bl.surrogate{detector = 'x'}",
         "c.lua:2: bl.surrogate: results= must be a detector_bench results file"},
        {"replay = bl.arrivals_csv{path = 'x.csv', unit = 'days'}",
         "c.lua:2: bl.arrivals_csv: unit must be 'seconds', 'minutes' or 'hours'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1200];
        snprintf(text, sizeof text, "return bl.checkpoint{ duration = 10,\n  %s }\n",
                 cases[i].body);
        run_t r;
        load_text(&r, "c.lua", text, NULL, NULL);
        expect_error(&r, BL_ELUA, cases[i].needle);
    }
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_unknown_field_is_named),
        cmocka_unit_test(test_lua_unknown_route_target_names_station),
        cmocka_unit_test(test_lua_station_without_its_plugin_errors),
        cmocka_unit_test(test_lua_script_must_return_a_job),
        cmocka_unit_test(test_lua_shift_overlap_names_file_line_and_shifts),
        cmocka_unit_test(test_lua_arrivals_csv_errors_name_rows),
        cmocka_unit_test(test_lua_planning_errors),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, lua_teardown_dir);
}
