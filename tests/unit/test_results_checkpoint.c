/* Unit tests for the checkpoint tables of core/jobs/checkpoint/results_checkpoint.c and
 * the sweep file: two replications with classes, contraband and series,
 * built by hand, are written as a checkpoint run and as the points of a
 * sweep, then read back through the shared schema and bl_summary_load. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "engine/engine.h"
#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/checkpoint/results_checkpoint.h"
#include "jobs/jobs.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "results/summary.h"
#include "stats/histogram.h"
#include "test_util.h"

#define assert_near(a, b, eps) tu_near((a), (b), (eps), #a, __FILE__, __LINE__)
#define T_975_DF1 12.706204736174698 /* Student t, 97.5% quantile, 1 degree of freedom */

/* ------------------------------------------------------------------ fixture */

/* A scratch folder and a run with fake plugins; each test sets its
 * scenario and replications. */
typedef struct fixture {
    char *dir; /* first: tu_fixture_new makes it */
    bl_plugin_handle_t handles[BL_ROLE_COUNT];
    bl_plugin_set_t plugins;
    bl_run_t run;
} fixture_t;

static int setup(void **state) {
    fixture_t *f = tu_fixture_new(sizeof *f, "test_results_checkpoint");
    if (f == NULL)
        return -1;
    tu_fake_run(&f->run, &f->plugins, f->handles);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* ------------------------------------------------------------------ checkpoint tables */

/* Two replications with classes, contraband and series, built by hand:
 * replication 0 runs 2 h, replication 1 stops at 3000 s. */
typedef struct rich {
    bl_scenario_t sc;
    bl_station_def_t stations[2];
    bl_entity_class_t classes[2];
    char *kinds[2];
    bl_replication_result_t reps[2];
} rich_t;

static void series_set(bl_series_t *s, double step, size_t n, const double *v) {
    s->step = step;
    s->n = s->cap = n;
    s->v = n ? calloc(n, sizeof *s->v) : NULL;
    for (size_t i = 0; i < n; i++)
        s->v[i] = v ? v[i] : 0;
}

static void hist_of(bl_histogram_t *h, double *sum, const double *v, size_t n) {
    bl_histogram_init(h);
    for (size_t i = 0; i < n; i++) {
        bl_histogram_add(h, v[i]);
        if (sum)
            *sum += v[i];
    }
}

static void rich_init(rich_t *r) {
    memset(r, 0, sizeof *r);
    r->sc = (bl_scenario_t){.path = "rich.lua",
                            .name = "rich",
                            .source = "-- rich\n",
                            .kind = &bl_checkpoint_kind,
                            .replications = 2,
                            .series_step = 60};
    r->stations[0] = (bl_station_def_t){.name = "desk", .kind = BL_STATION_SERVICE, .servers = 2};
    r->stations[1] = (bl_station_def_t){.name = "xray", .kind = BL_STATION_SCAN, .servers = 1};
    r->classes[0] = (bl_entity_class_t){.name = "foot", .priority = 0};
    r->classes[1] = (bl_entity_class_t){.name = "car", .priority = 2};
    r->kinds[0] = "cigarettes";
    r->kinds[1] = "cash";
    r->sc.n_stations = 2;
    r->sc.stations = r->stations;
    r->sc.n_classes = 2;
    r->sc.classes = r->classes;
    r->sc.n_contraband_kinds = 2;
    r->sc.contraband_kinds = r->kinds;
    static const double end[2] = {7200, 3000};
    static const double soj[2][2] = {{100, 200}, {300, -1}};
    static const double desk_waits[2][2] = {{10, 20}, {30, -1}};
    for (int i = 0; i < 2; i++) {
        bl_replication_result_t *x = &r->reps[i];
        size_t nv = i == 0 ? 2 : 1;
        x->replication = (unsigned)i;
        x->window_end = x->end_time = end[i];
        x->n_stations = 2;
        x->stations = calloc(2, sizeof *x->stations);
        bl_station_stats_t *d = &x->stations[0], *xr = &x->stations[1];
        hist_of(&d->waits, &d->wait_sum, desk_waits[i], nv);
        hist_of(&xr->waits, NULL, NULL, 0);
        d->capacity_area = 2 * end[i];
        d->busy_area = i == 0 ? 7200 : 4500;
        d->reneged = i == 0 ? 3 : 1;
        d->all_arrivals = 50 + (uint64_t)i;
        d->all_departures = 48 + (uint64_t)i;
        xr->capacity_area = end[i];
        xr->busy_area = i == 0 ? 3600 : 600;
        size_t bins = (size_t)(end[i] / 60);
        double *q = calloc(bins, sizeof *q);
        for (size_t b = 0; b < bins; b++)
            q[b] = 60.0 * (i == 0 ? 2 : 4);
        series_set(&d->queue, 60, bins, q);
        free(q);
        double busy[2] = {3600, 3600}, cap[2] = {7200, 7200}, served[2] = {30, 50};
        if (i == 1) {
            busy[0] = 2700;
            cap[0] = 6000;
            served[0] = 40;
        }
        series_set(&d->busy_hourly, 3600, nv, busy);
        series_set(&d->capacity_hourly, 3600, nv, cap);
        series_set(&d->served_hourly, 3600, nv, served);
        double dep[2] = {i == 0 ? 20 : 25, 30};
        series_set(&x->departures_hourly, 3600, nv, dep);
        hist_of(&x->sojourn, &x->sojourn_sum, soj[i], nv);
        x->entities = 10;
        x->travellers = 12 + (uint64_t)i;
        x->seizures = i == 0 ? 3 : 1;
        x->false_alarms = i == 0 ? 4 : 0;
        x->reneged = d->reneged;
        x->total_arrivals = 11;
        x->total_departures = 10;
        x->in_system_end = 1;

        x->n_classes = 2;
        x->classes = calloc(2, sizeof *x->classes);
        bl_class_stats_t *foot = &x->classes[0], *car = &x->classes[1];
        hist_of(&foot->sojourn, &foot->sojourn_sum, soj[i], nv);
        double car_soj = 50;
        hist_of(&car->sojourn, &car->sojourn_sum, &car_soj, i == 0 ? 1 : 0);
        foot->entities = 10;
        foot->travellers = 10;
        foot->reneged = (uint64_t)i;
        car->entities = i == 0 ? 5 : 0;
        car->travellers = i == 0 ? 12 : 0;

        x->n_contraband = 2;
        x->contraband = calloc(2, sizeof *x->contraband);
        x->contraband[0] = (bl_contraband_stats_t){.carriers = i == 0 ? 4 : 2,
                                                   .seized = i == 0 ? 1 : 2,
                                                   .through = i == 0 ? 3 : 0,
                                                   .value_seized = i == 0 ? 100 : 200,
                                                   .value_through = i == 0 ? 300 : 0};
        x->plugin_calls[BL_ROLE_DETECTOR] = 5;
    }
}

static void rich_fini(rich_t *r) {
    for (int i = 0; i < 2; i++) {
        bl_replication_result_t *x = &r->reps[i];
        for (int s = 0; s < 2; s++) {
            free(x->stations[s].queue.v);
            free(x->stations[s].busy_hourly.v);
            free(x->stations[s].capacity_hourly.v);
            free(x->stations[s].served_hourly.v);
        }
        free(x->departures_hourly.v);
        free(x->stations);
        free(x->classes);
        free(x->contraband);
    }
}

/* The columns of the table at path are exactly names (in order). */
static void expect_columns(hid_t file, const char *path, const char *const *names, size_t n) {
    hsize_t nfields = 0, nrecords = 0;
    if (H5TBget_table_info(file, path, &nfields, &nrecords) < 0)
        fail_msg("no table %s", path);
    char **got = calloc(nfields, sizeof *got);
    for (hsize_t i = 0; i < nfields; i++)
        got[i] = calloc(256, 1);
    assert_true(H5TBget_field_info(file, path, got, NULL, NULL, NULL) >= 0);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (hsize_t k = 0; k < nfields; k++)
            found = found || strcmp(got[k], names[i]) == 0;
        if (!found)
            fail_msg("table %s has no column %s", path, names[i]);
    }
    for (hsize_t i = 0; i < nfields; i++)
        free(got[i]);
    free(got);
}

#define EXPECT_COLUMNS(file, path, ...)                                                            \
    do {                                                                                           \
        static const char *const cols_[] = {__VA_ARGS__};                                          \
        expect_columns(file, path, cols_, sizeof cols_ / sizeof cols_[0]);                         \
    } while (0)

/* Every checkpoint table under group carries the column names of the spec. */
static void expect_spec_columns(hid_t file, const char *group) {
    char p[128];
#define AT(name) (snprintf(p, sizeof p, "%s/%s", group, name), p)
    EXPECT_COLUMNS(file, AT("stations"), "station", "reneged", "officer_hours", "wait_p95");
    EXPECT_COLUMNS(file, AT("replications"), "replication", "station", "reneged", "wait_p95",
                   "officer_hours", "all_arrivals", "all_departures");
    EXPECT_COLUMNS(file, AT("system"), "travellers", "false_alarms", "confirmed", "overridden",
                   "reneged", "total_departures", "in_system_end", "sojourn_p95", "officer_hours");
    EXPECT_COLUMNS(file, AT("summary"), "travellers", "false_alarms", "confirmed", "overridden",
                   "reneged", "seizures_mean", "seizures_ci_low", "seizures_ci_high",
                   "false_alarms_mean", "false_alarms_ci_low", "false_alarms_ci_high",
                   "officer_hours", "officer_hours_ci_low", "officer_hours_ci_high", "half_width");
    EXPECT_COLUMNS(file, AT("classes"), "class", "priority", "entities", "completed", "travellers",
                   "reneged", "carriers", "seizures", "sojourn_mean", "sojourn_ci_low",
                   "sojourn_ci_high", "sojourn_p50", "sojourn_p90", "sojourn_p95", "sojourn_p99");
    EXPECT_COLUMNS(file, AT("contraband"), "contraband", "carriers", "seized", "through",
                   "value_seized", "value_through", "seized_mean", "seized_ci_low",
                   "seized_ci_high", "through_mean", "through_ci_low", "through_ci_high");
    EXPECT_COLUMNS(file, AT("queue"), "station", "time", "queue_mean", "queue_ci_low",
                   "queue_ci_high");
    EXPECT_COLUMNS(file, AT("hourly"), "station", "hour", "utilisation", "utilisation_ci_low",
                   "utilisation_ci_high", "servers_on_duty", "served_per_hour", "served_ci_low",
                   "served_ci_high");
    EXPECT_COLUMNS(file, AT("waits"), "station", "quantile", "wait");
#undef AT
}

/* Read table t at path (absolute) through the shared schema. */
static void *read_rows(hid_t file, const bl_results_table_t *t, const char *path, size_t *n) {
    void *rows = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    if (bl_results_table_read_at(file, t, path, &rows, n, "test", &err) != 0)
        fail_msg("%s", err.message);
    return rows;
}

/* mean and interval of two values: mean, mean -/+ t(1) |a - b| / 2. */
static void expect_ci2(double mean, double lo, double hi, double a, double b) {
    double half = T_975_DF1 * fabs(a - b) / 2;
    assert_near(mean, (a + b) / 2, 1e-9);
    assert_near(lo, (a + b) / 2 - half, 1e-6);
    assert_near(hi, (a + b) / 2 + half, 1e-6);
}

static void test_results_checkpoint_tables(void **state) {
    fixture_t *f = *state;
    rich_t r;
    rich_init(&r);
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "rich.h5");
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    r.sc.sequential = (bl_sequential_t){.enabled = true, .metric = "sojourn_mean"};
    f->run.scenario = &r.sc;
    f->run.reps = r.reps;
    f->run.n_reps = 2;
    assert_int_equal(bl_results_write_run(w, &f->run, &err), 0);
    assert_int_equal(bl_results_commit(w, &err), 0);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    expect_spec_columns(file, "/checkpoint");
    size_t n = 0;

    bl_station_row_t *st = read_rows(file, &bl_results_stations_table, "/checkpoint/stations", &n);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].reneged, 4);
    assert_near(st[0].officer_hours, (4.0 + 6000.0 / 3600) / 2, 1e-9);
    expect_ci2(st[0].utilisation, st[0].utilisation_ci_low, st[0].utilisation_ci_high, 0.5, 0.75);
    assert_near(st[1].utilisation, (0.5 + 0.2) / 2, 1e-12);
    free(st);

    bl_replication_row_t *rr =
        read_rows(file, &bl_results_replications_table, "/checkpoint/replications", &n);
    assert_int_equal(n, 4);
    assert_near(rr[0].officer_hours, 4.0, 1e-12);
    assert_int_equal(rr[0].all_arrivals, 50);
    assert_int_equal(rr[2].all_departures, 49); /* replication 1, desk */
    assert_near(rr[0].wait_p95, 20.0, 0.2);
    free(rr);

    bl_system_row_t *sy = read_rows(file, &bl_results_system_table, "/checkpoint/system", &n);
    assert_int_equal(n, 2);
    assert_near(sy[0].officer_hours, 6.0, 1e-12);
    assert_near(sy[1].officer_hours, 2.5, 1e-12);
    assert_int_equal(sy[1].travellers, 13);
    assert_int_equal(sy[0].false_alarms, 4);
    assert_int_equal(sy[0].total_departures, 10);
    assert_int_equal(sy[0].in_system_end, 1);
    free(sy);

    bl_summary_row_t *su = read_rows(file, &bl_results_summary_table, "/checkpoint/summary", &n);
    assert_int_equal(n, 1);
    assert_int_equal(su->travellers, 25);
    assert_int_equal(su->reneged, 4);
    assert_int_equal(su->false_alarms, 4);
    expect_ci2(su->seizures_mean, su->seizures_ci_low, su->seizures_ci_high, 3, 1);
    expect_ci2(su->false_alarms_mean, su->false_alarms_ci_low, su->false_alarms_ci_high, 4, 0);
    expect_ci2(su->officer_hours, su->officer_hours_ci_low, su->officer_hours_ci_high, 6, 2.5);
    /* Sequential on sojourn_mean: replication means 150 and 300. */
    assert_near(su->half_width, T_975_DF1 * 75, 1e-6);
    free(su);

    bl_class_row_t *cl = read_rows(file, &bl_results_classes_table, "/checkpoint/classes", &n);
    assert_int_equal(n, 2);
    assert_string_equal(cl[0].class, "foot");
    assert_string_equal(cl[1].class, "car");
    assert_int_equal(cl[1].priority, 2);
    assert_int_equal(cl[0].entities, 20);
    assert_int_equal(cl[0].reneged, 1);
    assert_int_equal(cl[1].travellers, 12);
    expect_ci2(cl[0].sojourn_mean, cl[0].sojourn_ci_low, cl[0].sojourn_ci_high, 150, 300);
    assert_near(cl[0].sojourn_p50, 200, 2);
    assert_near(cl[1].sojourn_mean, 50, 1e-12); /* only replication 0 had cars */
    assert_true(isnan(cl[1].sojourn_ci_low));
    free(cl);

    bl_contraband_row_t *cb =
        read_rows(file, &bl_results_contraband_table, "/checkpoint/contraband", &n);
    assert_int_equal(n, 2);
    assert_string_equal(cb[0].contraband, "cigarettes");
    assert_int_equal(cb[0].carriers, 6);
    assert_int_equal(cb[0].seized, 3);
    assert_int_equal(cb[0].through, 3);
    assert_near(cb[0].value_seized, 300, 0);
    assert_near(cb[0].value_through, 300, 0);
    expect_ci2(cb[0].seized_mean, cb[0].seized_ci_low, cb[0].seized_ci_high, 1, 2);
    expect_ci2(cb[0].through_mean, cb[0].through_ci_low, cb[0].through_ci_high, 3, 0);
    assert_string_equal(cb[1].contraband, "cash");
    assert_near(cb[1].seized_mean, 0, 0);
    free(cb);

    /* queue: 120 minute bins per station; replication 1 only to 50 min. */
    bl_queue_row_t *q = read_rows(file, &bl_results_queue_table, "/checkpoint/queue", &n);
    assert_int_equal(n, 240);
    assert_string_equal(q[0].station, "desk");
    assert_near(q[0].time, 0, 0);
    expect_ci2(q[0].queue_mean, q[0].queue_ci_low, q[0].queue_ci_high, 2, 4);
    assert_near(q[60].time, 3600, 0);
    assert_near(q[60].queue_mean, 2, 1e-12);
    assert_true(isnan(q[60].queue_ci_low));
    assert_string_equal(q[125].station, "xray");
    assert_near(q[125].queue_mean, 0, 0);
    free(q);

    /* hourly: desk 2 h, xray 2 h, "(system)" 2 h. */
    bl_hourly_row_t *h = read_rows(file, &bl_results_hourly_table, "/checkpoint/hourly", &n);
    assert_int_equal(n, 6);
    assert_string_equal(h[0].station, "desk");
    expect_ci2(h[0].utilisation, h[0].utilisation_ci_low, h[0].utilisation_ci_high, 0.5, 0.45);
    assert_near(h[0].servers_on_duty, 2.0, 1e-12);
    expect_ci2(h[0].served_per_hour, h[0].served_ci_low, h[0].served_ci_high, 30, 40);
    assert_int_equal(h[1].hour, 1);
    assert_near(h[1].served_per_hour, 50, 0);
    assert_true(isnan(h[1].served_ci_low));
    assert_true(isnan(h[2].utilisation)); /* xray: nobody on duty in the series */
    assert_string_equal(h[4].station, "(system)");
    expect_ci2(h[4].served_per_hour, h[4].served_ci_low, h[4].served_ci_high, 20, 25);
    assert_near(h[5].served_per_hour, 30, 0);
    free(h);

    bl_waits_row_t *wr = read_rows(file, &bl_results_waits_table, "/checkpoint/waits", &n);
    assert_int_equal(n, 3 * 101);
    assert_string_equal(wr[50].station, "desk");
    assert_near(wr[50].quantile, 0.5, 1e-12);
    assert_near(wr[50].wait, 20, 0.2);
    assert_near(wr[100].wait, 30, 0.3);
    assert_string_equal(wr[101].station, "xray");
    assert_true(isnan(wr[150].wait));
    assert_string_equal(wr[202].station, "(end to end)");
    assert_near(wr[252].wait, 200, 2);
    free(wr);
    H5Fclose(file);

    /* show: the headline figures of the new tables. */
    cJSON *s = NULL;
    assert_int_equal(bl_summary_load(path, &s, &err), 0);
    cJSON *cls = cJSON_GetObjectItem(s, "classes");
    assert_int_equal(cJSON_GetArraySize(cls), 2);
    assert_near(cJSON_GetObjectItem(cJSON_GetArrayItem(cls, 0), "sojourn_mean")->valuedouble, 225,
                1e-9);
    cJSON *sys = cJSON_GetObjectItem(s, "system");
    assert_near(cJSON_GetObjectItem(sys, "officer_hours")->valuedouble, 4.25, 1e-9);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sys, "seizures_mean_ci")), 2);
    cJSON *kinds = cJSON_GetObjectItem(s, "contraband");
    assert_near(cJSON_GetObjectItem(cJSON_GetArrayItem(kinds, 0), "through")->valuedouble, 3, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    bl_summary_print_text(s, mem);
    fclose(mem);
    assert_non_null(strstr(buf, "cigarettes"));
    assert_non_null(strstr(buf, "foot"));
    assert_non_null(strstr(buf, "officer-h"));
    free(buf);
    cJSON_Delete(s);
    rich_fini(&r);
}

static void test_results_sweep_file(void **state) {
    fixture_t *f = *state;
    rich_t r[2];
    rich_init(&r[0]);
    rich_init(&r[1]);
    r[1].stations[1].servers = 2;
    static const char *const keys[] = {"xray.servers", "mode"};
    static const char *const v0[] = {"1", "fast"}, *const v1[] = {"2", "fast"};
    bl_sweep_point_result_t points[2] = {{2, keys, v0, &r[0].sc, r[0].reps, 2},
                                         {2, keys, v1, &r[1].sc, r[1].reps, 1}};
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "sweep.h5");
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    f->run.scenario = &r[0].sc;
    f->run.reps = NULL;
    f->run.n_reps = 3;
    assert_int_equal(bl_results_write_sweep(w, &f->run, points, 2, &err), 0);
    assert_int_equal(bl_results_commit(w, &err), 0);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    char *sweep = tu_root_text(file, "sweep");
    assert_string_equal(sweep, "xray.servers=1,2;mode=fast");
    free(sweep);
    expect_spec_columns(file, "/sweep/p0000");
    expect_spec_columns(file, "/sweep/p0001");
    assert_false(bl_results_path_exists(file, "/checkpoint/stations"));
    assert_int_equal(tu_row_count(file, "/sweep/p0001/system"), 1);
    EXPECT_COLUMNS(file, "/sweep/points", "point", "group", "settings", "replications",
                   "sojourn_mean", "sojourn_mean_ci_low", "sojourn_mean_ci_high", "sojourn_p90",
                   "sojourn_p90_ci_low", "sojourn_p90_ci_high", "throughput", "throughput_ci_low",
                   "throughput_ci_high", "seizures", "seizures_ci_low", "seizures_ci_high",
                   "false_alarms", "false_alarms_ci_low", "false_alarms_ci_high", "officer_hours",
                   "officer_hours_ci_low", "officer_hours_ci_high", "reneged", "reneged_ci_low",
                   "reneged_ci_high");
    EXPECT_COLUMNS(file, "/sweep/axes", "axis", "point", "value", "value_number");
    size_t n = 0;
    bl_sweep_point_row_t *p = read_rows(file, &bl_results_sweep_points_table, "/sweep/points", &n);
    assert_int_equal(n, 2);
    assert_int_equal(p[1].point, 1);
    assert_string_equal(p[1].group, "/sweep/p0001");
    assert_string_equal(p[0].settings, "xray.servers=1;mode=fast");
    assert_int_equal(p[0].replications, 2);
    assert_int_equal(p[1].replications, 1);
    expect_ci2(p[0].seizures, p[0].seizures_ci_low, p[0].seizures_ci_high, 3, 1);
    expect_ci2(p[0].officer_hours, p[0].officer_hours_ci_low, p[0].officer_hours_ci_high, 6, 2.5);
    assert_near(p[1].seizures, 3, 0);
    assert_true(isnan(p[1].seizures_ci_low));
    free(p);
    bl_sweep_axis_row_t *ax = read_rows(file, &bl_results_sweep_axes_table, "/sweep/axes", &n);
    assert_int_equal(n, 4);
    assert_string_equal(ax[0].axis, "xray.servers");
    assert_int_equal(ax[1].point, 1);
    assert_string_equal(ax[1].value, "2");
    assert_near(ax[1].value_number, 2, 0);
    assert_string_equal(ax[2].axis, "mode");
    assert_string_equal(ax[2].value, "fast");
    assert_true(isnan(ax[2].value_number));
    free(ax);
    /* Plugin calls summed over every point's replications. */
    uint64_t calls[1];
    size_t off[1] = {0}, sz[1] = {sizeof(uint64_t)};
    assert_true(H5TBread_fields_name(file, "/plugins", "calls", 0, 1, sizeof(uint64_t), off, sz,
                                     calls) >= 0);
    assert_int_equal(calls[0], 5 * 3);
    H5Fclose(file);

    cJSON *s = NULL;
    assert_int_equal(bl_summary_load(path, &s, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(s, "sweep")->valuestring, "xray.servers=1,2;mode=fast");
    cJSON *pts = cJSON_GetObjectItem(s, "points");
    assert_int_equal(cJSON_GetArraySize(pts), 2);
    cJSON *p1 = cJSON_GetArrayItem(pts, 1);
    assert_string_equal(cJSON_GetObjectItem(p1, "settings")->valuestring,
                        "xray.servers=2;mode=fast");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(p1, "axes"), "xray.servers")->valuestring, "2");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    bl_summary_print_text(s, mem);
    fclose(mem);
    assert_non_null(strstr(buf, "sweep xray.servers=1,2;mode=fast, 2 points"));
    assert_non_null(strstr(buf, "xray.servers=2;mode=fast"));
    free(buf);
    cJSON_Delete(s);
    rich_fini(&r[0]);
    rich_fini(&r[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_results_checkpoint_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_sweep_file, setup, teardown),
    };
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
