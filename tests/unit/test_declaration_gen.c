/* Unit tests for core/gen/declaration_gen.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/declaration_gen.h"

#define N_LARGE 200000

/* One generated stream, held column by column (categoricals as indices
 * into the generator's tables, found from the batch's labels). */
typedef struct stream {
    size_t n;
    char (*id)[16];
    int32_t *importer, *declarant, *hs, *origin, *route;
    double *week, *kg, *value, *vpk, *tariff, *past[3];
    bl_declaration_truth_t *truth;
    bl_declaration_gen_t *gen; /* kept for its tables */
} stream_t;

static int32_t table_index(const char *label, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(label, names[i]) == 0)
            return (int32_t)i;
    return -1;
}

static void stream_free(stream_t *s) {
    free(s->id);
    free(s->importer);
    free(s->declarant);
    free(s->hs);
    free(s->origin);
    free(s->route);
    free(s->week);
    free(s->kg);
    free(s->value);
    free(s->vpk);
    free(s->tariff);
    for (int k = 0; k < 3; k++)
        free(s->past[k]);
    free(s->truth);
    bl_declaration_gen_free(s->gen);
}

/* Generate every record of cfg with batches of batch_size rows. */
static void generate(stream_t *s, const bl_declaration_gen_config_t *cfg, uint64_t seed,
                     size_t batch_size) {
    bl_error_t err;
    bl_error_clear(&err);
    memset(s, 0, sizeof *s);
    size_t n = cfg->records;
    s->id = calloc(n, sizeof *s->id);
    s->importer = calloc(n, sizeof(int32_t));
    s->declarant = calloc(n, sizeof(int32_t));
    s->hs = calloc(n, sizeof(int32_t));
    s->origin = calloc(n, sizeof(int32_t));
    s->route = calloc(n, sizeof(int32_t));
    s->week = calloc(n, sizeof(double));
    s->kg = calloc(n, sizeof(double));
    s->value = calloc(n, sizeof(double));
    s->vpk = calloc(n, sizeof(double));
    s->tariff = calloc(n, sizeof(double));
    for (int k = 0; k < 3; k++)
        s->past[k] = calloc(n, sizeof(double));
    s->truth = calloc(n, sizeof *s->truth);
    assert_non_null(s->truth);

    bl_schema_t schema = {0};
    assert_int_equal(bl_declaration_gen_schema(&schema, &err), 0);
    bl_batch_t b;
    assert_int_equal(bl_batch_init(&b, &schema, batch_size, &err), 0);
    int rc = bl_declaration_gen_new(cfg, seed, 0, &s->gen, &err);
    if (rc != 0)
        fail_msg("%s", err.message);
    size_t n_hs, n_orig, n_route;
    const bl_declaration_hs_t *hs = bl_declaration_gen_hs(s->gen, &n_hs);
    const bl_declaration_origin_t *orig = bl_declaration_gen_origins(s->gen, &n_orig);
    const bl_declaration_route_t *routes = bl_declaration_gen_routes(s->gen, &n_route);
    const char **hs_names = calloc(n_hs, sizeof *hs_names);
    const char **orig_names = calloc(n_orig, sizeof *orig_names);
    const char **route_names = calloc(n_route, sizeof *route_names);
    for (size_t i = 0; i < n_hs; i++)
        hs_names[i] = hs[i].code;
    for (size_t i = 0; i < n_orig; i++)
        orig_names[i] = orig[i].code;
    for (size_t i = 0; i < n_route; i++)
        route_names[i] = routes[i].name;

    int c[14];
    static const char *const names[] = {BL_DECLARATION_COLUMNS};
    for (int k = 0; k < 14; k++)
        c[k] = bl_schema_find(&schema, names[k]);
    size_t got, at = 0;
    for (;;) {
        assert_int_equal(bl_declaration_gen_next(s->gen, &b, s->truth + at, &got, &err), 0);
        if (got == 0)
            break;
        assert_true(got <= batch_size);
        assert_int_equal(b.n_rows, got);
        const char *const *l_id = bl_dict_labels(b.dicts[c[0]]);
        const char *const *l_imp = bl_dict_labels(b.dicts[c[2]]);
        const char *const *l_decl = bl_dict_labels(b.dicts[c[3]]);
        const char *const *l_hs = bl_dict_labels(b.dicts[c[4]]);
        const char *const *l_orig = bl_dict_labels(b.dicts[c[5]]);
        const char *const *l_route = bl_dict_labels(b.dicts[c[6]]);
        for (size_t r = 0; r < got; r++, at++) {
            snprintf(s->id[at], sizeof s->id[at], "%s", l_id[b.codes[c[0]][r]]);
            s->importer[at] = atoi(l_imp[b.codes[c[2]][r]] + 3);
            s->declarant[at] = atoi(l_decl[b.codes[c[3]][r]] + 3);
            s->hs[at] = table_index(l_hs[b.codes[c[4]][r]], hs_names, n_hs);
            s->origin[at] = table_index(l_orig[b.codes[c[5]][r]], orig_names, n_orig);
            s->route[at] = table_index(l_route[b.codes[c[6]][r]], route_names, n_route);
            s->week[at] = b.numeric[c[1]][r];
            s->kg[at] = b.numeric[c[7]][r];
            s->value[at] = b.numeric[c[8]][r];
            s->vpk[at] = b.numeric[c[9]][r];
            s->tariff[at] = b.numeric[c[10]][r];
            for (int k = 0; k < 3; k++)
                s->past[k][at] = b.numeric[c[11 + k]][r];
        }
    }
    assert_int_equal(at, n);
    assert_int_equal(bl_declaration_gen_position(s->gen), n);
    s->n = n;
    free(hs_names);
    free(orig_names);
    free(route_names);
    bl_batch_fini(&b);
    bl_schema_fini(&schema);
}

static bl_declaration_gen_config_t config(uint64_t records) {
    bl_declaration_gen_config_t cfg;
    bl_declaration_gen_config_default(&cfg);
    cfg.records = records;
    return cfg;
}

static void test_declaration_gen_schema_columns(void **state) {
    (void)state;
    bl_error_t err;
    bl_error_clear(&err);
    bl_schema_t s = {0};
    assert_int_equal(bl_declaration_gen_schema(&s, &err), 0);
    static const struct {
        const char *name;
        int type;
    } want[] = {{"declaration_id", BL_COLUMN_IDENTIFIER},
                {"week", BL_COLUMN_NUMERIC},
                {"importer", BL_COLUMN_CATEGORICAL},
                {"declarant", BL_COLUMN_CATEGORICAL},
                {"hs_code", BL_COLUMN_CATEGORICAL},
                {"origin", BL_COLUMN_CATEGORICAL},
                {"route", BL_COLUMN_CATEGORICAL},
                {"quantity_kg", BL_COLUMN_NUMERIC},
                {"declared_value", BL_COLUMN_NUMERIC},
                {"value_per_kg", BL_COLUMN_NUMERIC},
                {"tariff_rate", BL_COLUMN_NUMERIC},
                {"importer_past_declarations", BL_COLUMN_NUMERIC},
                {"importer_past_inspections", BL_COLUMN_NUMERIC},
                {"importer_past_frauds", BL_COLUMN_NUMERIC}};
    assert_int_equal(s.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n; i++) {
        assert_string_equal(s.columns[i].name, want[i].name);
        assert_int_equal(s.columns[i].type, want[i].type);
    }
    /* No truth reaches the schema, under any spelling. */
    static const char *const truth_words[] = {"fraud",   "critical", "revenue", "label",
                                              "pattern", "true",     "penalty"};
    for (size_t i = 0; i < s.n; i++)
        for (size_t k = 0; k < sizeof truth_words / sizeof truth_words[0]; k++) {
            /* importer_past_frauds is history of earlier weeks, not truth */
            if (strcmp(s.columns[i].name, "importer_past_frauds") == 0)
                continue;
            if (strstr(s.columns[i].name, truth_words[k]) != NULL)
                fail_msg("column %s looks like truth", s.columns[i].name);
        }
    bl_schema_fini(&s);
}

static void test_declaration_gen_deterministic_any_batch_size(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(20000);
    stream_t a, b, c;
    generate(&a, &cfg, 11, 1000);
    generate(&b, &cfg, 11, 4096);
    generate(&c, &cfg, 12, 4096);
    size_t differ = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.id[i], b.id[i]);
        assert_int_equal(a.importer[i], b.importer[i]);
        assert_int_equal(a.declarant[i], b.declarant[i]);
        assert_int_equal(a.hs[i], b.hs[i]);
        assert_int_equal(a.origin[i], b.origin[i]);
        assert_int_equal(a.route[i], b.route[i]);
        assert_true(a.week[i] == b.week[i] && a.kg[i] == b.kg[i] && a.value[i] == b.value[i]);
        assert_true(a.vpk[i] == b.vpk[i] && a.tariff[i] == b.tariff[i]);
        for (int k = 0; k < 3; k++)
            assert_true(a.past[k][i] == b.past[k][i]);
        assert_memory_equal(&a.truth[i], &b.truth[i], sizeof a.truth[i]);
        assert_int_equal(a.truth[i].index, i);
        differ += a.value[i] != c.value[i];
    }
    assert_string_equal(a.id[0], "D0000000001");
    /* another seed, another stream */
    assert_true(differ > a.n * 9 / 10);
    stream_free(&a);
    stream_free(&b);
    stream_free(&c);
}

static void test_declaration_gen_rates_and_shares(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(N_LARGE);
    stream_t s;
    generate(&s, &cfg, 2024, 4096);
    size_t fraud = 0, pat[BL_FRAUD_PATTERN_COUNT] = {0}, critical = 0, labelled = 0;
    for (size_t i = 0; i < s.n; i++) {
        const bl_declaration_truth_t *t = &s.truth[i];
        fraud += t->fraud;
        pat[t->pattern]++;
        critical += t->critical;
        labelled += t->labelled;
        assert_int_equal(t->fraud, t->pattern != BL_FRAUD_NONE);
        assert_true(t->fraud || !t->critical);
    }
    double rate = (double)fraud / s.n;
    /* importers cluster fraud, so allow more than the binomial 0.0005 */
    if (fabs(rate - cfg.fraud_rate) > 0.006)
        fail_msg("fraud rate %.4f, configured %.4f", rate, cfg.fraud_rate);
    const double want[] = {0.0, cfg.undervaluation_share, cfg.misclassification_share,
                           cfg.false_origin_share, cfg.prohibited_share};
    for (int p = 1; p < BL_FRAUD_PATTERN_COUNT; p++) {
        double share = (double)pat[p] / fraud;
        if (fabs(share - want[p]) > 0.02)
            fail_msg("%s share %.4f, configured %.4f", bl_fraud_pattern_name(p), share, want[p]);
    }
    double crit = (double)critical / fraud;
    if (fabs(crit - cfg.critical_share) > 0.02)
        fail_msg("critical share %.4f, configured %.4f", crit, cfg.critical_share);
    double unl = 1.0 - (double)labelled / s.n;
    if (fabs(unl - cfg.unlabelled_share) > 0.005)
        fail_msg("unlabelled share %.4f, configured %.4f", unl, cfg.unlabelled_share);

    /* Seasonality: the peak week holds more declarations than the trough. */
    size_t per_week[52] = {0};
    for (size_t i = 0; i < s.n; i++) {
        assert_true(i == 0 || s.week[i] >= s.week[i - 1]);
        per_week[(int)s.week[i]]++;
    }
    double peak = (double)per_week[46], trough = (double)per_week[20];
    assert_true(peak / trough > 1.5 && peak / trough < 1.8); /* (1 + .25) / (1 - .25 cos) */
    stream_free(&s);
}

static void test_declaration_gen_zero_shares_never_occur(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(50000);
    cfg.undervaluation_share = 0.0;
    cfg.misclassification_share = 0.6;
    cfg.prohibited_share = 0.0;
    cfg.false_origin_share = 0.4;
    cfg.critical_share = 0.0;
    cfg.fraud_rate = 0.2;
    stream_t s;
    generate(&s, &cfg, 8, 4096);
    size_t pat[BL_FRAUD_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < s.n; i++) {
        pat[s.truth[i].pattern]++;
        assert_int_equal(s.truth[i].critical, 0);
    }
    assert_int_equal(pat[BL_FRAUD_UNDERVALUATION], 0);
    assert_int_equal(pat[BL_FRAUD_PROHIBITED], 0);
    assert_true(pat[BL_FRAUD_MISCLASSIFICATION] > 0 && pat[BL_FRAUD_FALSE_ORIGIN] > 0);
    stream_free(&s);
}

static void test_declaration_gen_revenue_is_evaded_duty(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(N_LARGE);
    stream_t s;
    generate(&s, &cfg, 5, 4096);
    size_t n_hs, n_orig;
    const bl_declaration_hs_t *hs = bl_declaration_gen_hs(s.gen, &n_hs);
    const bl_declaration_origin_t *orig = bl_declaration_gen_origins(s.gen, &n_orig);
    size_t seen[BL_FRAUD_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < s.n; i++) {
        const bl_declaration_truth_t *t = &s.truth[i];
        /* the truth's declared indices are what the batch said */
        assert_int_equal(t->hs, s.hs[i]);
        assert_int_equal(t->origin, s.origin[i]);
        assert_int_equal(t->importer, s.importer[i]);
        /* tariff_rate is the declared code's rate from the declared origin,
         * recomputed by hand from the tables */
        const bl_declaration_hs_t *dh = &hs[s.hs[i]], *th = &hs[t->true_hs];
        const bl_declaration_origin_t *dorig = &orig[s.origin[i]], *torig = &orig[t->true_origin];
        double declared_rate = dh->tariff * (dorig->preferential ? cfg.preferential_factor : 1.0);
        double true_rate = th->tariff * (torig->preferential ? cfg.preferential_factor : 1.0);
        assert_true(s.tariff[i] == declared_rate);
        assert_true(fabs(s.vpk[i] - s.value[i] / s.kg[i]) <= 1e-12 * s.vpk[i]);
        assert_true(s.kg[i] > 0.0 && s.value[i] > 0.0);
        double evaded = t->true_value * true_rate - s.value[i] * declared_rate;
        seen[t->pattern]++;
        switch (t->pattern) {
        case BL_FRAUD_NONE:
            assert_true(t->revenue == 0.0 && s.value[i] == t->true_value);
            assert_int_equal(t->true_hs, s.hs[i]);
            assert_int_equal(t->true_origin, s.origin[i]);
            break;
        case BL_FRAUD_UNDERVALUATION:
            assert_true(s.value[i] < t->true_value);
            assert_true(s.value[i] >= cfg.undervaluation_min * t->true_value - 0.01);
            assert_true(s.value[i] <= cfg.undervaluation_max * t->true_value + 0.01);
            assert_int_equal(t->true_hs, s.hs[i]);
            assert_int_equal(t->true_origin, s.origin[i]);
            assert_true(fabs(t->revenue - (t->true_value - s.value[i]) * true_rate) < 1e-6);
            break;
        case BL_FRAUD_MISCLASSIFICATION:
            /* a lower-tariff code of similar goods */
            assert_int_not_equal(t->true_hs, s.hs[i]);
            assert_int_equal(dh->group, th->group);
            assert_true(dh->tariff < th->tariff);
            assert_true(declared_rate < true_rate);
            assert_true(s.value[i] == t->true_value);
            assert_true(fabs(t->revenue - t->true_value * (true_rate - declared_rate)) < 1e-6);
            break;
        case BL_FRAUD_FALSE_ORIGIN:
            assert_true(dorig->preferential && !torig->preferential);
            assert_int_equal(t->true_hs, s.hs[i]);
            assert_true(fabs(t->revenue - t->true_value * (true_rate - declared_rate)) < 1e-6);
            break;
        case BL_FRAUD_PROHIBITED:
            assert_true(t->revenue == cfg.prohibited_penalty && t->critical);
            break;
        }
        if (t->pattern != BL_FRAUD_NONE && t->pattern != BL_FRAUD_PROHIBITED) {
            assert_true(t->revenue > 0.0);
            assert_true(fabs(t->revenue - evaded) < 1e-6);
        }
    }
    for (int p = 0; p < BL_FRAUD_PATTERN_COUNT; p++)
        assert_true(seen[p] > 100);

    /* One by hand: cigarettes (35%) from CN declared as tobacco leaf (5%)
     * on goods worth V evade V * 0.30. */
    double r = bl_declaration_gen_rate(s.gen, 13, 0);
    assert_string_equal(hs[13].code, "240220");
    assert_string_equal(orig[0].code, "CN");
    assert_true(r == 0.35);
    assert_true(bl_declaration_gen_rate(s.gen, 17, 0) == 0.05);
    assert_true(bl_declaration_gen_rate(s.gen, 13, 6) == 0.0); /* VN: preferential, duty-free */
    assert_true(isnan(bl_declaration_gen_rate(s.gen, (int32_t)n_hs, 0)));
    stream_free(&s);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_declaration_gen_patterns_leave_traces(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(N_LARGE);
    stream_t s;
    generate(&s, &cfg, 77, 4096);
    size_t n_hs;
    bl_declaration_gen_hs(s.gen, &n_hs);
    /* median log value per kg of each declared code over clean records */
    double *median = calloc(n_hs, sizeof *median), *tmp = calloc(s.n, sizeof *tmp);
    for (size_t h = 0; h < n_hs; h++) {
        size_t m = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.hs[i] == (int32_t)h && !s.truth[i].fraud)
                tmp[m++] = log(s.vpk[i]);
        assert_true(m > 0);
        qsort(tmp, m, sizeof *tmp, cmp_double);
        median[h] = tmp[m / 2];
    }
    double dev[BL_FRAUD_PATTERN_COUNT] = {0};
    size_t cnt[BL_FRAUD_PATTERN_COUNT] = {0};
    for (size_t i = 0; i < s.n; i++) {
        int p = s.truth[i].pattern;
        dev[p] += log(s.vpk[i]) - median[s.hs[i]];
        cnt[p]++;
    }
    double clean = dev[0] / cnt[0], under = dev[BL_FRAUD_UNDERVALUATION] / cnt[1];
    /* declared at 0.3 .. 0.8 of the value: log factor about -0.6 */
    if (!(fabs(clean) < 0.05 && under < clean - 0.4))
        fail_msg("mean log(value per kg / code median): clean %.3f, undervalued %.3f", clean,
                 under);
    free(median);
    free(tmp);
    stream_free(&s);
}

/* Histories count only records of earlier weeks (lag 1) or earlier
 * records (lag 0): recomputed here from the stream and its truth. */
static void check_histories(uint32_t lag) {
    bl_declaration_gen_config_t cfg = config(60000);
    cfg.importers = 500;
    cfg.history_lag_weeks = lag;
    stream_t s;
    generate(&s, &cfg, 3, 777);
    uint32_t *decl = calloc(cfg.importers, sizeof *decl), *insp = calloc(cfg.importers, 4),
             *found = calloc(cfg.importers, 4);
    uint8_t *seen = calloc(cfg.importers, 1);
    size_t first = 0, nonzero = 0;
    for (size_t i = 0; i < s.n; i++) {
        /* fold in every record of weeks <= week - lag (lag 0: all before i) */
        while (first < i && s.week[first] + lag <= s.week[i]) {
            const bl_declaration_truth_t *t = &s.truth[first];
            decl[t->importer]++;
            insp[t->importer] += t->labelled;
            found[t->importer] += t->labelled && t->fraud;
            first++;
        }
        int32_t im = s.importer[i];
        if (s.past[0][i] != decl[im] || s.past[1][i] != insp[im] || s.past[2][i] != found[im])
            fail_msg("record %zu (importer %d, week %g): history %g/%g/%g, expected %u/%u/%u", i,
                     im, s.week[i], s.past[0][i], s.past[1][i], s.past[2][i], decl[im], insp[im],
                     found[im]);
        if (!seen[im]) {
            /* an importer's first declaration has no history */
            assert_true(s.past[0][i] == 0 && s.past[1][i] == 0 && s.past[2][i] == 0);
            seen[im] = 1;
        }
        nonzero += s.past[2][i] > 0;
    }
    assert_true(nonzero > 1000);
    free(decl);
    free(insp);
    free(found);
    free(seen);
    stream_free(&s);
}

static void test_declaration_gen_histories_use_earlier_records(void **state) {
    (void)state;
    check_histories(1);
    check_histories(0);
    check_histories(4);
}

static void test_declaration_gen_world_seed_shares_the_world(void **state) {
    (void)state;
    bl_declaration_gen_config_t cfg = config(30000);
    cfg.world_seed = 99;
    stream_t a, b;
    generate(&a, &cfg, 1, 4096);
    generate(&b, &cfg, 2, 4096);
    /* the same importers use the same brokers; the records differ */
    int32_t *broker = malloc(cfg.importers * sizeof *broker);
    for (uint32_t i = 0; i < cfg.importers; i++)
        broker[i] = -1;
    for (size_t i = 0; i < a.n; i++)
        broker[a.importer[i]] = a.declarant[i];
    size_t differ = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (broker[b.importer[i]] >= 0)
            assert_int_equal(broker[b.importer[i]], b.declarant[i]);
        differ += a.value[i] != b.value[i];
    }
    assert_true(differ > a.n * 9 / 10);
    free(broker);
    stream_free(&a);
    stream_free(&b);
}

static void test_declaration_gen_wider_and_wrong_schemas(void **state) {
    (void)state;
    bl_error_t err;
    bl_error_clear(&err);
    bl_declaration_gen_config_t cfg = config(10);
    bl_declaration_gen_t *g;
    assert_int_equal(bl_declaration_gen_new(&cfg, 1, 0, &g, &err), 0);

    bl_schema_t s = {0};
    assert_int_equal(bl_schema_add(&s, "note", BL_COLUMN_CATEGORICAL, &err), 0);
    assert_int_equal(bl_declaration_gen_schema(&s, &err), 0);
    assert_int_equal(bl_schema_add(&s, "score", BL_COLUMN_NUMERIC, &err), 0);
    bl_batch_t b;
    assert_int_equal(bl_batch_init(&b, &s, 4, &err), 0);
    size_t n, total = 0;
    for (;;) {
        assert_int_equal(bl_declaration_gen_next(g, &b, NULL, &n, &err), 0);
        if (n == 0)
            break;
        for (size_t r = 0; r < n; r++) {
            assert_int_equal(b.codes[0][r], -1);
            assert_true(isnan(b.numeric[s.n - 1][r]));
        }
        total += n;
    }
    assert_int_equal(total, 10);
    assert_int_equal(bl_dict_size(b.dicts[bl_schema_find(&s, "declaration_id")]), 10);
    /* the stream is done: more calls give nothing */
    assert_int_equal(bl_declaration_gen_next(g, &b, NULL, &n, &err), 0);
    assert_int_equal(n, 0);
    bl_batch_fini(&b);
    bl_schema_fini(&s);

    /* value_per_kg as a categorical column is refused by name */
    static const char *const names[] = {BL_DECLARATION_COLUMNS};
    bl_schema_t good = {0}, bad = {0};
    assert_int_equal(bl_declaration_gen_schema(&good, &err), 0);
    for (size_t c = 0; c < good.n; c++) {
        int type =
            strcmp(names[c], "value_per_kg") == 0 ? BL_COLUMN_CATEGORICAL : good.columns[c].type;
        assert_int_equal(bl_schema_add(&bad, names[c], type, &err), 0);
    }
    assert_int_equal(bl_batch_init(&b, &bad, 4, &err), 0);
    assert_int_equal(bl_declaration_gen_next(g, &b, NULL, &n, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "no numeric column 'value_per_kg'"));
    assert_non_null(strstr(err.message, "bl_declaration_gen_schema"));
    bl_batch_fini(&b);
    bl_schema_fini(&bad);

    /* without ids the identifier is missing and its dictionary stays empty */
    bl_declaration_gen_free(g);
    cfg.declaration_ids = 0;
    assert_int_equal(bl_declaration_gen_new(&cfg, 1, 0, &g, &err), 0);
    assert_int_equal(bl_batch_init(&b, &good, 16, &err), 0);
    assert_int_equal(bl_declaration_gen_next(g, &b, NULL, &n, &err), 0);
    assert_int_equal(n, 10);
    for (size_t r = 0; r < n; r++)
        assert_int_equal(b.codes[0][r], -1);
    assert_int_equal(bl_dict_size(b.dicts[0]), 0);
    bl_batch_fini(&b);
    bl_schema_fini(&good);
    bl_declaration_gen_free(g);
}

static void expect_invalid(const bl_declaration_gen_config_t *cfg, const char *words) {
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_declaration_gen_config_validate(cfg, &err), BL_EINVAL);
    if (strstr(err.message, words) == NULL)
        fail_msg("expected \"%s\" in: %s", words, err.message);
    bl_declaration_gen_t *g = NULL;
    bl_error_clear(&err);
    assert_int_equal(bl_declaration_gen_new(cfg, 1, 0, &g, &err), BL_EINVAL);
    assert_null(g);
}

static void test_declaration_gen_validate_messages(void **state) {
    (void)state;
    bl_error_t err;
    bl_error_clear(&err);
    bl_declaration_gen_config_t cfg = config(1000);
    assert_int_equal(bl_declaration_gen_config_validate(&cfg, &err), 0);

    cfg.records = 0;
    expect_invalid(&cfg, "records must be in [1,");
    cfg = config(1000);
    cfg.fraud_rate = 6.0;
    expect_invalid(&cfg, "fraud_rate must be in [0, 0.5] (got 6): a share of declarations");
    cfg = config(1000);
    cfg.prohibited_share = 0.2;
    expect_invalid(&cfg, "sum to 1.1: they must sum to 1");
    cfg = config(1000);
    cfg.critical_share = 0.05;
    expect_invalid(&cfg, "critical_share must be in [0.1, 1]");
    cfg = config(1000);
    cfg.undervaluation_max = 0.2;
    expect_invalid(&cfg, "undervaluation_max");
    cfg = config(1000);
    cfg.weeks = 4;
    cfg.history_lag_weeks = 5;
    expect_invalid(&cfg, "history_lag_weeks");

    /* tables */
    size_t n;
    const bl_declaration_hs_t *builtin = bl_declaration_builtin_hs(&n);
    bl_declaration_hs_t hs[3] = {builtin[0], builtin[1], builtin[2]};
    cfg = config(1000);
    cfg.hs = hs;
    cfg.n_hs = 3;
    assert_int_equal(bl_declaration_gen_config_validate(&cfg, &err), 0);
    hs[1].tariff = 20.0;
    expect_invalid(&cfg, "hs 040221: tariff must be a rate in [0, 1] (got 20): 12% is 0.12");
    hs[1] = builtin[1];
    hs[2].code = "4069O";
    expect_invalid(&cfg, "hs[3]: code '4069O' must be digits");
    hs[2].code = "040210";
    expect_invalid(&cfg, "already appears at hs[1]");
    hs[2] = builtin[2];
    /* no lower-tariff code in any group: misclassification cannot happen */
    hs[0].group = 100;
    hs[1].group = 101;
    hs[2].group = 102;
    expect_invalid(&cfg, "misclassification_share is 0.2 but no HS code allows it");
    cfg.misclassification_share = 0.0;
    cfg.undervaluation_share = 0.7;
    assert_int_equal(bl_declaration_gen_config_validate(&cfg, &err), 0);

    /* no preferential origin to claim */
    const bl_declaration_origin_t *bo = bl_declaration_builtin_origins(&n);
    bl_declaration_origin_t origins[2] = {bo[0], bo[1]};
    cfg = config(1000);
    cfg.origins = origins;
    cfg.n_origins = 2;
    expect_invalid(&cfg, "false_origin_share is 0.2 but no preferential origin");
    origins[1].risk = 0.0;
    expect_invalid(&cfg, "origin US: risk must be > 0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declaration_gen_schema_columns),
        cmocka_unit_test(test_declaration_gen_deterministic_any_batch_size),
        cmocka_unit_test(test_declaration_gen_rates_and_shares),
        cmocka_unit_test(test_declaration_gen_zero_shares_never_occur),
        cmocka_unit_test(test_declaration_gen_revenue_is_evaded_duty),
        cmocka_unit_test(test_declaration_gen_patterns_leave_traces),
        cmocka_unit_test(test_declaration_gen_histories_use_earlier_records),
        cmocka_unit_test(test_declaration_gen_world_seed_shares_the_world),
        cmocka_unit_test(test_declaration_gen_wider_and_wrong_schemas),
        cmocka_unit_test(test_declaration_gen_validate_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
