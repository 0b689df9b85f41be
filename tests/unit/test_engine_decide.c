/*
 * Unit tests for the stations that decide (core/engine/engine_decide.c):
 * risk checks, scans and searches with plugins (in-test descriptors handed
 * to the engine directly: no loader, no shared objects), a plugin's error
 * naming the plugin, officer review, a risk budget per hour, a surrogate
 * detector in place of a plugin, the scan generator following the entity's
 * threat, and "${replication}" in plugin configuration.  Scenarios are
 * built by hand (see engine_fixtures.h).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine/surrogate.h"
#include "engine_fixtures.h"
#include "gen/xray.h"

/* ------------------------------------------------------------------ */
/* Plugins (in-test descriptors)                                      */
/* ------------------------------------------------------------------ */

typedef struct fake {
    const bl_host_t *host;
    int fail_at; /* fail the n-th call (1-based); 0 = never */
    int calls;
    int deposits;
    bool bad_case;
} fake_t;

static int fake_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    fake_t *f = host->alloc(host->ctx, sizeof *f);
    if (f == NULL)
        return BL_ENOMEM;
    memset(f, 0, sizeof *f);
    f->host = host;
    const char *v = bl_config_get(config, "fail_at");
    f->fail_at = v != NULL ? atoi(v) : 0;
    *instance = f;
    return 0;
}

static void fake_destroy(void *instance) {
    fake_t *f = instance;
    f->host->free(f->host->ctx, f);
}

/* Score = the "x" column, which the population sets to 0.9 for carriers. */
static int fake_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                      double *scores_out, bl_reason_t *reasons_out) {
    fake_t *f = instance;
    if (++f->calls == f->fail_at)
        return BL_EINVAL;
    if (records->n_columns != 2 || strcmp(records->columns[0].name, "x") != 0 ||
        records->columns[0].type != BL_COLUMN_NUMERIC || n != 1)
        return BL_EINVAL;
    scores_out[0] = records->columns[0].numeric[first];
    return 0;
}

/* Alarm when the low-energy image has a dark pixel (a pistol's steel,
 * blurred over 12.5 mm pixels, keeps every scan's darkest pixel under 0.1;
 * only carriers are scanned here); also report one malformed detection per
 * scan, which the host must ignore. */
static int fake_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    fake_t *f = instance;
    f->calls++;
    for (size_t k = 0; k < n; k++) {
        const bl_scan_t *s = &scans[k];
        float lo = 1.0f;
        for (size_t i = 0; i < (size_t)s->width * s->height; i++)
            lo = s->low[i] < lo ? s->low[i] : lo;
        if (out->count + 2 > out->capacity)
            return BL_ENOSPC;
        out->items[out->count++] =
            (bl_detection_t){(uint32_t)k, BL_THREAT_FIREARM, NAN, {0, 0, 1, 1}};
        if (lo < 0.2f)
            out->items[out->count++] =
                (bl_detection_t){(uint32_t)k, BL_THREAT_FIREARM, 0.95f, {1, 1, 5, 5}};
    }
    return 0;
}

static int fake_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    fake_t *f = instance;
    for (size_t i = 0; i < n; i++) {
        if (items[i].case_id[0] != 'R' || strchr(items[i].case_id, 'E') == NULL ||
            strcmp(items[i].location, "intake") != 0 || strcmp(items[i].officer, "search") != 0 ||
            !(items[i].quantity > 0.0))
            f->bad_case = true;
        ids_out[i] = (uint64_t)++f->deposits;
    }
    return 0;
}

static int fake_store_verb(void *instance) {
    (void)instance;
    return 0;
}

static const bl_risk_ops_t fake_risk_ops = {sizeof(bl_risk_ops_t), fake_create, fake_score,
                                            fake_destroy};
static const bl_detector_ops_t fake_det_ops = {sizeof(bl_detector_ops_t), fake_create, fake_detect,
                                               fake_destroy};
static const bl_store_ops_t fake_store_ops = {
    sizeof(bl_store_ops_t), fake_create, fake_deposit, NULL, NULL, NULL, NULL, NULL, NULL,
    fake_store_verb,        fake_destroy};

static const bl_plugin_t fake_risk = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, 0, "test.risk", "fake risk", "test", "1"), NULL, &fake_risk_ops,
    NULL};
static const bl_plugin_t fake_det = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, 0, "test.detector", "fake detector", "test", "1"),
    &fake_det_ops, NULL, NULL};
static const bl_plugin_t fake_store = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, 0, "test.store", "fake store", "test", "1"), NULL, NULL,
    &fake_store_ops};

/* risk -> (selected) xray scan -> (alarm) search -> exit */
static bl_scenario_t *plugin_scenario(void) {
    bl_scenario_t *sc = scenario_new(9, 1.0, 2000, 0.0);
    set_population(sc, 0.2);
    sc->classes[0].population.contraband[0].share = 1.0; /* firearms only: steel in the scan */
    sc->classes[0].population.contraband[1].share = 0.0;
    sc->scan = (bl_scan_spec_t){48, 48, 0.0};
    int risk = add_station(sc, "risk", BL_STATION_RISK, 1, 0.1, true);
    int xray = add_station(sc, "xray", BL_STATION_SCAN, 1, 0.2, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 1, 0.5, true);
    sc->stations[risk].on_yes = xray;
    sc->stations[xray].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    return sc;
}

static void test_engine_plugins_route_decisions(void **state) {
    (void)state;
    bl_scenario_t *sc = plugin_scenario();
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""}, hd = {NULL, NULL, &fake_det, ""},
                       hs = {NULL, NULL, &fake_store, ""};
    bl_plugin_set_t ps = {{&hd, &hr, &hs}};
    bl_replication_result_t r = run_ok(sc, &ps, 0, NULL);
    assert_true(r.carriers > 300);
    assert_int_equal(r.selected, r.carriers); /* x = 0.9 for carriers, 0.2 otherwise */
    assert_int_equal(r.plugin_calls[BL_ROLE_RISK], r.entities);
    assert_int_equal(r.plugin_calls[BL_ROLE_DETECTOR], r.selected);
    assert_int_equal(r.invalid_outputs[BL_ROLE_DETECTOR], r.plugin_calls[BL_ROLE_DETECTOR]);
    assert_int_equal(r.invalid_outputs[BL_ROLE_RISK], 0);
    /* A firearm is steel: every one alarms. */
    assert_int_equal(r.alarms, r.selected);
    assert_int_equal(r.seizures, r.alarms);
    assert_int_equal(r.plugin_calls[BL_ROLE_STORE], r.seizures);
    assert_int_equal(r.missed, 0);
    assert_int_equal(r.stations[0].yes, r.selected);
    bl_replication_result_fini(&r);

    /* Without a store, seizures are still counted but nothing is deposited. */
    ps.role[BL_ROLE_STORE] = NULL;
    r = run_ok(sc, &ps, 0, NULL);
    assert_int_equal(r.plugin_calls[BL_ROLE_STORE], 0);
    assert_int_equal(r.seizures, r.alarms);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_plugin_error_names_plugin(void **state) {
    (void)state;
    bl_scenario_t *sc = plugin_scenario();
    sc->plugins[BL_ROLE_RISK].n_config = 1;
    sc->plugins[BL_ROLE_RISK].config_keys = malloc(sizeof(char *));
    sc->plugins[BL_ROLE_RISK].config_values = malloc(sizeof(char *));
    sc->plugins[BL_ROLE_RISK].config_keys[0] = strdup("fail_at");
    sc->plugins[BL_ROLE_RISK].config_values[0] = strdup("50");
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""}, hd = {NULL, NULL, &fake_det, ""};
    bl_plugin_set_t ps = {{&hd, &hr, NULL}};
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, &ps, 0, NULL, NULL, &r, &err), BL_EPLUGIN);
    assert_non_null(strstr(err.message, "test.risk"));
    assert_non_null(strstr(err.message, "score"));
    assert_non_null(strstr(err.message, "'risk'"));
    assert_non_null(strstr(err.message, "simulated time"));
    assert_null(r.stations);
    scenario_free(sc);
}

static void test_engine_risk_station_without_plugin_fails(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(8, 1.0, 100, 0.0);
    add_station(sc, "triage", BL_STATION_RISK, 1, 1.0, false);
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "triage"));
    assert_null(r.stations);

    /* And a run that could never end is refused. */
    sc->stations[0].kind = BL_STATION_SERVICE;
    sc->max_entities = 0;
    sc->duration = 0.0;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Review, budgets and the surrogate                                  */
/* ------------------------------------------------------------------ */

static void test_engine_review_confirm_rates(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(28, 1.0, 40000, 0.0);
    set_population(sc, 0.5);
    int review = add_station(sc, "officer_review", BL_STATION_REVIEW, 2, 0.5, false);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 2, 0.5, false);
    sc->stations[review].confirm_carrier = 0.9;
    sc->stations[review].confirm_clean = 0.3;
    sc->stations[review].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows);
    double nc = 0, cc = 0, nn = 0, cn = 0;
    for (size_t i = 0; i < rows.n; i++) {
        bool carrier = rows.v[i].contraband != 0, conf = rows.v[i].flags & BL_ENTITY_CONFIRMED;
        assert_true(carrier == (rows.v[i].threat != 0));
        if (carrier) {
            nc++;
            cc += conf;
        } else {
            nn++;
            cn += conf;
        }
    }
    assert_true(fabs(cc / nc - 0.9) < 4.0 * sqrt(0.9 * 0.1 / nc));
    assert_true(fabs(cn / nn - 0.3) < 4.0 * sqrt(0.3 * 0.7 / nn));
    assert_int_equal(r.confirmed + r.overridden, r.entities);
    assert_int_equal(r.confirmed, (uint64_t)(cc + cn));
    assert_int_equal(r.stations[review].yes, r.confirmed);
    assert_int_equal(r.stations[search].arrivals, r.confirmed);
    assert_int_equal(r.seizures, (uint64_t)cc);
    /* Contraband by kind: every carrier was seized or went through. */
    uint64_t carriers = 0, seized = 0;
    for (size_t k = 0; k < r.n_contraband; k++) {
        const bl_contraband_stats_t *c = &r.contraband[k];
        assert_int_equal(c->carriers, c->seized + c->through);
        carriers += c->carriers;
        seized += c->seized;
    }
    assert_int_equal(r.n_contraband, 2);
    assert_int_equal(carriers, r.carriers);
    assert_int_equal(seized, r.seizures);
    assert_true(fabs(r.contraband[0].value_seized - 1000.0 * (double)r.contraband[0].seized) <
                1e-6);
    assert_true(r.contraband[1].carriers > 2 * r.contraband[0].carriers);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void test_engine_topk_budget_per_hour(void **state) {
    (void)state;
    /* 100 an hour scored uniformly at random; a budget of 5 an hour. */
    bl_scenario_t *sc = scenario_new(29, 100.0 / 3600.0, 0, 48 * 3600.0);
    set_population(sc, 0.1);
    bl_attribute_t *x = &sc->classes[0].population.attributes[0];
    bl_dist_fini(&x->clean);
    bl_dist_fini(&x->carrier);
    assert_int_equal(bl_dist_uniform(&x->clean, 0.0, 1.0, NULL), 0);
    assert_int_equal(bl_dist_uniform(&x->carrier, 0.0, 1.0, NULL), 0);
    int risk = add_station(sc, "risk", BL_STATION_RISK, 1, 0.0, true);
    sc->stations[risk].budget_per_hour = 5.0;
    sc->stations[risk].threshold = 0.9;
    bl_plugin_handle_t hr = {NULL, NULL, &fake_risk, ""};
    bl_plugin_set_t ps = {{NULL, &hr, NULL}};
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, &ps, &rows);
    unsigned per_hour[48] = {0};
    for (size_t i = 0; i < rows.n; i++)
        if (rows.v[i].flags & BL_ENTITY_SELECTED) {
            /* decided at arrival: the risk check takes no time */
            size_t h = (size_t)floor(rows.v[i].departure / 3600.0);
            assert_true(h < 48);
            per_hour[h]++;
            assert_true(rows.v[i].risk_score >= 0.0);
        }
    /* Never over budget; at the previous hour's 5th-highest score the
     * expected count is about 5, so about half the hours fill it. */
    unsigned full = 0, total = 0;
    for (size_t h = 0; h < 48; h++) {
        assert_true(per_hour[h] <= 5);
        full += per_hour[h] == 5;
        total += per_hour[h];
    }
    assert_true(full >= 12);
    assert_true(total >= 3 * 48);
    assert_int_equal(r.selected, r.stations[risk].yes);
    bl_replication_result_fini(&r);
    free(rows.v);
    scenario_free(sc);
}

static void test_engine_surrogate_scan(void **state) {
    (void)state;
    /* A measured detector: clean bags score 0.1 or 0.6, firearms 0.9.  Half
     * the firearms are on the body (not in the scan, never found). */
    double clean[] = {0.1, 0.6}, gun[] = {0.9};
    bl_surrogate_t sg;
    memset(&sg, 0, sizeof sg);
    sg.n[0] = 2;
    sg.scores[0] = clean;
    sg.n[BL_THREAT_FIREARM] = 1;
    sg.scores[BL_THREAT_FIREARM] = gun;
    for (int i = 0; i < 5; i++)
        sg.latency_q[i] = 2.0;

    bl_scenario_t *sc = scenario_new(33, 1.0, 20000, 0.0);
    set_population(sc, 0.3);
    bl_contraband_t *c = &sc->classes[0].population.contraband[0];
    c->share = 1.0;
    sc->classes[0].population.contraband[1].share = 0.0;
    c->n_concealments = 2;
    c->concealments = calloc(2, sizeof *c->concealments);
    c->concealments[0] = (bl_concealment_t){strdup("luggage"), 0.5, 1.0, true};
    c->concealments[1] = (bl_concealment_t){strdup("body"), 0.5, 0.0, false};
    int xray = add_station(sc, "xray", BL_STATION_SCAN, 50, 1.0, true);
    int search = add_station(sc, "search", BL_STATION_SEARCH, 50, 0.0, true);
    sc->stations[xray].on_yes = search;
    sc->stations[search].find_probability = 1.0;
    sc->surrogate_data = &sg;
    sc->surrogate.latency = true;
    rows_t rows;
    bl_replication_result_t r = run_rows(sc, NULL, &rows); /* no detector plugin needed */
    assert_int_equal(r.plugin_calls[BL_ROLE_DETECTOR], 0);
    double clean_n = 0, clean_alarm = 0, carrier_alarm = 0, seized = 0;
    for (size_t i = 0; i < rows.n; i++) {
        const bl_entity_record_t *x = &rows.v[i];
        /* scan time 1 s + 2 s latency, search 0 s */
        assert_true(fabs(x->departure - x->arrival - x->wait - 3.0) < 1e-9);
        bool alarm = (x->flags & BL_ENTITY_ALARM) != 0;
        if (x->contraband == 0) {
            clean_n++;
            clean_alarm += alarm;
        } else {
            carrier_alarm += alarm;
        }
        if (x->flags & BL_ENTITY_SEIZED) {
            assert_true(alarm && x->contraband == 1);
            seized++;
        }
    }
    assert_int_equal(r.false_alarms, (uint64_t)clean_alarm);
    assert_int_equal(r.alarms, (uint64_t)(clean_alarm + carrier_alarm));
    assert_true(fabs(clean_alarm / clean_n - 0.5) < 4.0 * sqrt(0.25 / clean_n));
    double nc = (double)r.carriers;
    /* in the scan: alarm and seized; on the body: alarm like a clean bag,
     * never found */
    assert_true(fabs(seized / nc - 0.5) < 4.0 * sqrt(0.25 / nc));
    assert_true(fabs(carrier_alarm / nc - 0.75) < 4.0 * sqrt(0.75 * 0.25 / nc));
    assert_int_equal(r.seizures, (uint64_t)seized);
    assert_int_equal(r.contraband[0].seized, r.seizures);
    assert_int_equal(r.contraband[0].through, r.carriers - r.seizures);
    bl_replication_result_fini(&r);
    free(rows.v);
    sc->surrogate_data = NULL;
    scenario_free(sc);
}

/* ------------------------------------------------------------------ */
/* Scans                                                              */
/* ------------------------------------------------------------------ */

/* The engine asks the generator for the entity's threat: a firearm
 * carrier's scan is darker than the clean scan drawn from the same stream. */
static double mean_of(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static void test_engine_scan_follows_entity_threat(void **state) {
    (void)state;
    bl_xray_config_t cfg;
    bl_scan_buffer_t a, b;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = 64;
    assert_int_equal(bl_scan_buffer_init(&a, 64, 64), 0);
    assert_int_equal(bl_scan_buffer_init(&b, 64, 64), 0);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bl_rng_t r1, r2;
        bl_scan_t s1, s2;
        bl_scan_truth_t t1, t2;
        bl_rng_init(&r1, seed, 0, BL_STREAM_SCANS);
        bl_rng_init(&r2, seed, 0, BL_STREAM_SCANS);
        bl_xray_generate(&cfg, BL_THREAT_NONE, seed, &r1, &a, &s1, &t1);
        bl_xray_generate(&cfg, BL_THREAT_FIREARM, seed, &r2, &b, &s2, &t2);
        assert_int_equal(t1.n, 0);
        assert_int_equal(t2.n, 1);
        assert_int_equal(t2.objects[0].threat, BL_THREAT_FIREARM);
        assert_true(mean_of(b.low, 64 * 64) < mean_of(a.low, 64 * 64) - 0.002);
    }
    bl_scan_buffer_fini(&a);
    bl_scan_buffer_fini(&b);
}

/* "${replication}" in plugin configuration values becomes the replication
 * number, so each replication can own a file (a store's database). */
static void test_engine_config_replication_token(void **state) {
    (void)state;
    char *keys[] = {"path", "mode", "twice"};
    char *values[] = {"seizures-${replication}.db", "plain", "${replication}${replication}"};
    bl_plugin_ref_t ref = {NULL, 3, keys, values};
    char **out = NULL;
    assert_int_equal(bl_plugin_ref_expand(&ref, 3, &out), 0);
    assert_string_equal(out[0], "seizures-3.db");
    assert_string_equal(out[1], "plain");
    assert_string_equal(out[2], "33");
    bl_plugin_ref_values_free(out, 3);
    assert_int_equal(bl_plugin_ref_expand(&ref, 12, &out), 0);
    assert_string_equal(out[0], "seizures-12.db");
    bl_plugin_ref_values_free(out, 3);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_plugins_route_decisions),
        cmocka_unit_test(test_engine_plugin_error_names_plugin),
        cmocka_unit_test(test_engine_risk_station_without_plugin_fails),
        cmocka_unit_test(test_engine_review_confirm_rates),
        cmocka_unit_test(test_engine_topk_budget_per_hour),
        cmocka_unit_test(test_engine_surrogate_scan),
        cmocka_unit_test(test_engine_scan_follows_entity_threat),
        cmocka_unit_test(test_engine_config_replication_token),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
