/* Unit tests for core/results/results.c and core/results/summary.c: a scenario and three
 * replication results built by hand are written, then read back through the
 * HDF5 C API and through bl_summary_load. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define N_REPS 3

#define assert_near(a, b, eps) tu_near((a), (b), (eps), #a, __FILE__, __LINE__)
#define T_975_DF2 4.302652729911275 /* Student t, 97.5% quantile, 2 degrees of freedom */

/* ------------------------------------------------------------------ fixture */

typedef struct fixture {
    char *dir; /* first: tu_fixture_new makes it */
    bl_scenario_t sc;
    bl_station_def_t stations[2];
    bl_param_t params[2];
    bl_replication_result_t reps[N_REPS];
    bl_plugin_handle_t handles[BL_ROLE_COUNT];
    bl_plugin_set_t plugins;
    bl_run_t run;
} fixture_t;

static const char SOURCE_HEAD[] = "-- a scenario\nscenario { name = 'unit' }\n";

/* Per-replication mean waits at station 0: 20, 10, 30 (mean 20, sd 10). */
static const double waits0[N_REPS][4] = {{10, 20, 30, -1}, {5, 15, -1, -1}, {30, 30, 30, 30}};

static int setup(void **state) {
    fixture_t *f = tu_fixture_new(sizeof *f, "test_results");
    if (f == NULL)
        return -1;

    bl_scenario_t *sc = &f->sc;
    sc->path = "scenarios/unit.lua";
    sc->name = "unit";
    sc->kind = &bl_checkpoint_kind;
    sc->seed = 12345678901234567890ull; /* above 2^63: checks all 64 bits survive */
    sc->replications = N_REPS;
    /* A source larger than the 64 KiB compact attribute limit. */
    size_t len = 100000;
    sc->source = malloc(len + 1);
    if (sc->source == NULL)
        return -1;
    memset(sc->source, '-', len);
    memcpy(sc->source, SOURCE_HEAD, sizeof SOURCE_HEAD - 1);
    sc->source[len - 1] = '\n';
    sc->source[len] = '\0';
    f->stations[0] =
        (bl_station_def_t){.name = "document_check", .kind = BL_STATION_SERVICE, .servers = 2};
    f->stations[1] = (bl_station_def_t){.name = "xray", .kind = BL_STATION_SCAN, .servers = 1};
    sc->n_stations = 2;
    sc->stations = f->stations;
    f->params[0] = (bl_param_t){.name = "rate", .value = "0.5", .overridden = true};
    f->params[1] = (bl_param_t){.name = "lanes", .value = "2", .overridden = false};
    sc->n_params = 2;
    sc->params = f->params;

    for (int i = 0; i < N_REPS; i++) {
        bl_replication_result_t *r = &f->reps[i];
        r->replication = (unsigned)i;
        r->n_stations = 2;
        r->stations = calloc(2, sizeof *r->stations);
        if (r->stations == NULL)
            return -1;
        bl_station_stats_t *s = &r->stations[0];
        bl_histogram_init(&s->waits);
        bl_histogram_init(&r->stations[1].waits);
        for (int k = 0; k < 4 && waits0[i][k] >= 0; k++) {
            bl_histogram_add(&s->waits, waits0[i][k]);
            s->wait_sum += waits0[i][k];
        }
        s->arrivals = 100 + 10 * (uint64_t)i;
        s->served = 99 + 10 * (uint64_t)i;
        s->in_system = 1;
        s->max_queue = 5 + (uint64_t)i;
        s->yes = 0;
        s->busy_area = 1000.0 + 200.0 * i; /* 2 servers, window 1000 s: 0.5, 0.6, 0.7 */
        s->capacity_area = 2000.0;         /* the engine's on-duty time: 2 servers x 1000 s */
        s->queue_area = 500.0 * (i + 1);   /* 0.5, 1.0, 1.5 */
        r->stations[1].arrivals = 7;       /* no waits recorded: NaN mean */
        r->stations[1].yes = 2;
        bl_histogram_init(&r->sojourn);
        for (int k = 0; k < 10; k++)
            bl_histogram_add(&r->sojourn, 60.0 + k);
        r->sojourn_sum = 10 * 60.0 + 45.0; /* mean 64.5 */
        r->entities = 10;
        r->completed = 10;
        r->total_arrivals = 12;
        r->system_area = 645.0; /* mean in system 0.645 over 1000 s */
        r->window_start = 100.0;
        r->window_end = 1100.0;
        r->end_time = 1200.0;
        r->events = 1000;
        r->carriers = 3;
        r->seizures = 1;
        r->missed = 2;
        r->plugin_calls[BL_ROLE_DETECTOR] = 10 * (uint64_t)(i + 1); /* 10+20+30 */
        r->invalid_outputs[BL_ROLE_DETECTOR] = (uint64_t)i;
        r->plugin_calls[BL_ROLE_STORE] = 1;
    }

    tu_fake_run(&f->run, &f->plugins, f->handles);
    f->run.scenario = sc;
    f->run.reps = f->reps;
    f->run.n_reps = N_REPS;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    for (int i = 0; i < N_REPS; i++)
        free(f->reps[i].stations);
    free(f->sc.source);
    tu_fixture_free(f);
    return 0;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Write the fixture's run to dir/name. */
static void write_file(fixture_t *f, const char *name, char *out, size_t size) {
    tu_path_in(out, size, f->dir, name);
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, out, &err), 0);
    assert_int_equal(bl_results_write_run(w, &f->run, &err), 0);
    assert_int_equal(bl_results_commit(w, &err), 0);
}

/* ------------------------------------------------------------------ reading back */

typedef struct station_back {
    char station[48];
    char kind[16];
    uint32_t servers;
    uint64_t arrivals, max_queue;
    double wait_mean, wait_ci_low, wait_ci_high, wait_max, wait_p50;
    double utilisation, utilisation_ci_low, mean_queue;
} station_back_t;

static hid_t station_back_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(station_back_t));
    hid_t s48 = H5Tcopy(H5T_C_S1), s16 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s48, 48);
    H5Tset_size(s16, 16);
    H5Tinsert(t, "station", offsetof(station_back_t, station), s48);
    H5Tinsert(t, "kind", offsetof(station_back_t, kind), s16);
    H5Tinsert(t, "servers", offsetof(station_back_t, servers), H5T_NATIVE_UINT32);
    H5Tinsert(t, "arrivals", offsetof(station_back_t, arrivals), H5T_NATIVE_UINT64);
    H5Tinsert(t, "max_queue", offsetof(station_back_t, max_queue), H5T_NATIVE_UINT64);
#define D(n) H5Tinsert(t, #n, offsetof(station_back_t, n), H5T_NATIVE_DOUBLE)
    D(wait_mean);
    D(wait_ci_low);
    D(wait_ci_high);
    D(wait_max);
    D(wait_p50);
    D(utilisation);
    D(utilisation_ci_low);
    D(mean_queue);
#undef D
    H5Tclose(s48);
    H5Tclose(s16);
    return t;
}

/* ------------------------------------------------------------------ tests */

static void test_results_stations_pooled(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "run.h5", path, sizeof path);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(tu_row_count(file, "/checkpoint/stations"), 2);
    station_back_t rows[2];
    hid_t t = station_back_type(), ds = H5Dopen2(file, "/checkpoint/stations", H5P_DEFAULT);
    assert_true(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Dclose(ds);
    H5Tclose(t);

    assert_string_equal(rows[0].station, "document_check");
    assert_string_equal(rows[0].kind, "service");
    assert_string_equal(rows[1].station, "xray");
    assert_string_equal(rows[1].kind, "scan");
    assert_int_equal(rows[0].servers, 2);
    assert_int_equal(rows[0].arrivals, 100 + 110 + 120);
    assert_int_equal(rows[0].max_queue, 7);
    assert_near(rows[0].wait_mean, 20.0, 1e-12);
    double half = T_975_DF2 * 10.0 / sqrt(3.0);
    assert_near(rows[0].wait_ci_low, 20.0 - half, 1e-6);
    assert_near(rows[0].wait_ci_high, 20.0 + half, 1e-6);
    assert_near(rows[0].wait_max, 30.0, 0.0);
    assert_near(rows[0].wait_p50, 30.0, 30.0 * 0.01); /* 9 values, 5th is 30 */
    assert_near(rows[0].utilisation, 0.6, 1e-12);
    assert_near(rows[0].utilisation_ci_low, 0.6 - T_975_DF2 * 0.1 / sqrt(3.0), 1e-6);
    assert_near(rows[0].mean_queue, 1.0, 1e-12);
    /* Nobody waited at the X-ray: no mean, no interval, no quantiles. */
    assert_true(isnan(rows[1].wait_mean));
    assert_true(isnan(rows[1].wait_ci_low));
    assert_true(isnan(rows[1].wait_p50));
    assert_int_equal(rows[1].arrivals, 21);

    assert_int_equal(tu_row_count(file, "/checkpoint/replications"), 2 * N_REPS);
    assert_int_equal(tu_row_count(file, "/checkpoint/system"), N_REPS);
    assert_int_equal(tu_row_count(file, "/checkpoint/summary"), 1);

    /* Every table says what its units are. */
    const char *tables[] = {"/plugins", "/checkpoint/stations", "/checkpoint/replications",
                            "/checkpoint/system", "/checkpoint/summary"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        assert_true(H5Aexists_by_name(file, tables[i], "units", H5P_DEFAULT) > 0);
        assert_true(H5Aexists_by_name(file, tables[i], "description", H5P_DEFAULT) > 0);
    }
    H5Fclose(file);
}

static void test_results_system_rows(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "system.h5", path, sizeof path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    double tp[N_REPS], lr[N_REPS], soj[N_REPS];
    size_t off[1] = {0}, sz[1] = {sizeof(double)};
    assert_true(H5TBread_fields_name(file, "/checkpoint/system", "throughput", 0, N_REPS,
                                     sizeof(double), off, sz, tp) >= 0);
    assert_true(H5TBread_fields_name(file, "/checkpoint/system", "littles_ratio", 0, N_REPS,
                                     sizeof(double), off, sz, lr) >= 0);
    assert_true(H5TBread_fields_name(file, "/checkpoint/system", "sojourn_mean", 0, N_REPS,
                                     sizeof(double), off, sz, soj) >= 0);
    for (int i = 0; i < N_REPS; i++) {
        assert_near(tp[i], 10.0 / 1000.0, 1e-15);
        assert_near(soj[i], 64.5, 1e-12);
        assert_near(lr[i], 0.645 / (0.01 * 64.5), 1e-12);
    }
    H5Fclose(file);
}

static void test_results_root_attributes(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "attrs.h5", path, sizeof path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    int schema = 0;
    assert_true(H5LTget_attribute_int(file, "/", "borderlab_schema", &schema) >= 0);
    assert_int_equal(schema, 1);
    uint64_t seed = 0;
    hid_t a = H5Aopen(file, "seed", H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_UINT64, &seed) >= 0);
    H5Aclose(a);
    assert_true(seed == 12345678901234567890ull);
    unsigned reps = 0;
    assert_true(H5LTget_attribute_uint(file, "/", "replications", &reps) >= 0);
    assert_int_equal(reps, N_REPS);

    char *source = tu_root_text(file, "scenario_source");
    assert_non_null(source);
    assert_string_equal(source, f->sc.source);
    free(source);
    char *job = tu_root_text(file, "job");
    assert_string_equal(job, "checkpoint");
    free(job);
    char *params = tu_root_text(file, "parameters");
    cJSON *p = cJSON_Parse(params);
    assert_non_null(p);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "values"), "rate")->valuestring,
                        "0.5");
    cJSON *over = cJSON_GetObjectItem(p, "overridden");
    assert_int_equal(cJSON_GetArraySize(over), 1);
    assert_string_equal(cJSON_GetArrayItem(over, 0)->valuestring, "rate");
    cJSON_Delete(p);
    free(params);
    const char *names[] = {"harness_version", "scenario_path", "scenario_name", "host",
                           "start_time",      "wall_seconds",  "command_line",  "threads"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(H5Aexists(file, names[i]) > 0);
    H5Fclose(file);
}

typedef struct plugin_back {
    char role[16];
    char id[64];
    char version[32];
    char sha256[65];
    uint64_t calls, invalid_outputs;
} plugin_back_t;

static void test_results_plugins_table(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "plugins.h5", path, sizeof path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(tu_row_count(file, "/plugins"), 2); /* the risk role is unused */
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(plugin_back_t));
    size_t sizes[] = {16, 64, 32, 65};
    const char *names[] = {"role", "id", "version", "sha256"};
    size_t offs[] = {offsetof(plugin_back_t, role), offsetof(plugin_back_t, id),
                     offsetof(plugin_back_t, version), offsetof(plugin_back_t, sha256)};
    for (int i = 0; i < 4; i++) {
        hid_t s = H5Tcopy(H5T_C_S1);
        H5Tset_size(s, sizes[i]);
        H5Tinsert(t, names[i], offs[i], s);
        H5Tclose(s);
    }
    H5Tinsert(t, "calls", offsetof(plugin_back_t, calls), H5T_NATIVE_UINT64);
    H5Tinsert(t, "invalid_outputs", offsetof(plugin_back_t, invalid_outputs), H5T_NATIVE_UINT64);
    plugin_back_t rows[2];
    hid_t ds = H5Dopen2(file, "/plugins", H5P_DEFAULT);
    assert_true(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Dclose(ds);
    H5Tclose(t);
    assert_string_equal(rows[0].role, "detector");
    assert_string_equal(rows[0].id, "test.detector");
    assert_string_equal(rows[0].version, "1.2.3");
    assert_int_equal(strlen(rows[0].sha256), 64);
    assert_string_equal(rows[0].sha256, f->handles[BL_ROLE_DETECTOR].sha256);
    assert_int_equal(rows[0].calls, 60);
    assert_int_equal(rows[0].invalid_outputs, 0 + 1 + 2);
    assert_string_equal(rows[1].role, "store");
    assert_string_equal(rows[1].id, "test.store");
    assert_int_equal(rows[1].calls, 3);
    H5Fclose(file);
}

static void test_results_commit_renames(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "commit.h5");
    /* An existing file of that name is replaced. */
    tu_write_file(path, "old");

    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    char temp[600];
    snprintf(temp, sizeof temp, "%s", bl_results_temp_path(w));
    assert_non_null(strstr(temp, "/.commit.h5.tmp."));
    assert_true(exists(temp));
    assert_int_equal(bl_results_write_run(w, &f->run, &err), 0);
    assert_true(H5Fis_hdf5(path) <= 0); /* still the old file until commit */
    assert_int_equal(bl_results_commit(w, &err), 0);
    assert_false(exists(temp));
    assert_true(H5Fis_hdf5(path) > 0);
}

static void test_results_abort_removes_temp(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "aborted.h5");
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    char temp[600];
    snprintf(temp, sizeof temp, "%s", bl_results_temp_path(w));
    bl_entity_sink_t sink;
    assert_int_equal(bl_results_entity_sink(w, 0, &sink, &err), 0);
    bl_entity_record_t row = {.replication = 0, .entity = 1};
    assert_int_equal(sink.write(sink.ctx, &row, 1, &err), 0);
    assert_true(exists(temp));
    bl_results_abort(w);
    assert_false(exists(temp));
    assert_false(exists(path));
    bl_results_abort(NULL);
}

static void test_results_commit_refuses_incomplete(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "incomplete.h5");
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    char temp[600];
    snprintf(temp, sizeof temp, "%s", bl_results_temp_path(w));
    /* No bl_results_write_run: the file must not appear under its name. */
    assert_int_equal(bl_results_commit(w, &err), BL_ESTATE);
    assert_non_null(strstr(err.message, "not complete"));
    assert_false(exists(temp));
    assert_false(exists(path));
}

static void test_results_open_missing_folder(void **state) {
    fixture_t *f = *state;
    char path[700], folder[600];
    tu_path_in(folder, sizeof folder, f->dir, "no/such");
    snprintf(path, sizeof path, "%s/x.h5", folder);
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), BL_EIO);
    assert_null(w);
    assert_non_null(strstr(err.message, folder));
    assert_non_null(strstr(err.message, "does not exist"));
    assert_non_null(strstr(err.message, "-o"));
}

static void test_results_open_parent_is_file(void **state) {
    fixture_t *f = *state;
    char path[700], parent[600];
    tu_path_in(parent, sizeof parent, f->dir, "plain.txt");
    tu_write_file(parent, "");
    snprintf(path, sizeof path, "%s/x.h5", parent);
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), BL_EIO);
    assert_null(w);
    assert_non_null(strstr(err.message, parent));
    assert_non_null(strstr(err.message, "-o"));
}

static void test_results_open_unwritable_folder(void **state) {
    fixture_t *f = *state;
    if (geteuid() == 0)
        skip(); /* root writes anywhere */
    char path[700], folder[600];
    tu_path_in(folder, sizeof folder, f->dir, "readonly");
    assert_int_equal(mkdir(folder, 0555), 0);
    snprintf(path, sizeof path, "%s/x.h5", folder);
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), BL_EIO);
    assert_non_null(strstr(err.message, "cannot write to output folder"));
    assert_non_null(strstr(err.message, folder));
    chmod(folder, 0755);
}

typedef struct writer_job {
    bl_results_writer_t *w;
    unsigned replication;
    int rc;
} writer_job_t;

#define ENTITY_ROWS 5000

/* Stream ENTITY_ROWS rows in uneven batches (1, 7, 100, 3000, ...). */
static void *write_entities(void *arg) {
    writer_job_t *job = arg;
    bl_entity_sink_t sink;
    bl_error_t err;
    bl_error_clear(&err);
    job->rc = bl_results_entity_sink(job->w, job->replication, &sink, &err);
    static const size_t batches[] = {1, 7, 100, 3000, 13};
    bl_entity_record_t *rows = malloc(3000 * sizeof *rows);
    uint64_t next = 0;
    for (size_t b = 0; job->rc == 0 && next < ENTITY_ROWS; b++) {
        size_t n = batches[b % 5];
        if (n > ENTITY_ROWS - next)
            n = ENTITY_ROWS - next;
        for (size_t i = 0; i < n; i++, next++)
            rows[i] = (bl_entity_record_t){.replication = job->replication,
                                           .flags = BL_ENTITY_SELECTED,
                                           .entity = next,
                                           .arrival = (double)next,
                                           .departure = (double)next + 1.5,
                                           .wait = 0.25,
                                           .risk_score = NAN,
                                           .threat = 0,
                                           .stations = 3,
                                           .entity_class = 1,
                                           .contraband = 2};
        job->rc = sink.write(sink.ctx, rows, n, &err);
    }
    free(rows);
    return NULL;
}

static void test_results_entity_sink_threads(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "entities.h5");
    bl_results_writer_t *w = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_results_open(&w, path, &err), 0);
    writer_job_t jobs[2] = {{w, 0, -1}, {w, 1, -1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, write_entities, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].rc, 0);
    assert_int_equal(jobs[1].rc, 0);
    assert_int_equal(bl_results_write_run(w, &f->run, &err), 0);
    assert_int_equal(bl_results_commit(w, &err), 0);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    const char *names[2] = {"/checkpoint/entities/r00000", "/checkpoint/entities/r00001"};
    bl_entity_record_t *rows = malloc(ENTITY_ROWS * sizeof *rows);
    size_t offsets[] = {
        offsetof(bl_entity_record_t, replication), offsetof(bl_entity_record_t, flags),
        offsetof(bl_entity_record_t, entity),      offsetof(bl_entity_record_t, arrival),
        offsetof(bl_entity_record_t, departure),   offsetof(bl_entity_record_t, wait),
        offsetof(bl_entity_record_t, risk_score),  offsetof(bl_entity_record_t, threat),
        offsetof(bl_entity_record_t, stations),    offsetof(bl_entity_record_t, entity_class),
        offsetof(bl_entity_record_t, contraband)};
    size_t sizes[] = {4, 4, 8, 8, 8, 8, 8, 4, 4, 4, 4};
    for (unsigned r = 0; r < 2; r++) {
        hsize_t nfields = 0, nrecords = 0;
        assert_true(H5TBget_table_info(file, names[r], &nfields, &nrecords) >= 0);
        assert_int_equal(nfields, 11);
        assert_int_equal(nrecords, ENTITY_ROWS);
        assert_true(H5TBread_table(file, names[r], sizeof *rows, offsets, sizes, rows) >= 0);
        for (uint64_t i = 0; i < ENTITY_ROWS; i++) {
            assert_int_equal(rows[i].replication, r);
            assert_int_equal(rows[i].entity, i);
            assert_int_equal(rows[i].flags, BL_ENTITY_SELECTED);
            assert_near(rows[i].departure, (double)i + 1.5, 0.0);
            assert_true(isnan(rows[i].risk_score));
            assert_int_equal(rows[i].stations, 3);
            assert_int_equal(rows[i].entity_class, 1);
            assert_int_equal(rows[i].contraband, 2);
        }
        assert_true(H5Aexists_by_name(file, names[r], "units", H5P_DEFAULT) > 0);
    }
    free(rows);
    H5Fclose(file);
}

static void test_results_summary_values(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "summary.h5", path, sizeof path);
    cJSON *s = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_summary_load(path, &s, &err), 0);
    assert_non_null(s);
    assert_string_equal(cJSON_GetObjectItem(s, "file")->valuestring, path);
    assert_int_equal(cJSON_GetObjectItem(s, "schema")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(s, "job")->valuestring, "checkpoint");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(s, "scenario"), "name")->valuestring, "unit");
    assert_string_equal(cJSON_GetObjectItem(s, "seed")->valuestring, "12345678901234567890");
    assert_int_equal(cJSON_GetObjectItem(s, "replications")->valueint, N_REPS);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(s, "entity_table")));
    cJSON *params = cJSON_GetObjectItem(s, "parameters");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(params, "values"), "lanes")->valuestring, "2");

    cJSON *stations = cJSON_GetObjectItem(s, "stations");
    assert_int_equal(cJSON_GetArraySize(stations), 2);
    cJSON *dc = cJSON_GetArrayItem(stations, 0);
    assert_string_equal(cJSON_GetObjectItem(dc, "station")->valuestring, "document_check");
    assert_near(cJSON_GetObjectItem(dc, "wait_mean")->valuedouble, 20.0, 1e-12);
    assert_near(cJSON_GetObjectItem(dc, "arrivals")->valuedouble, 330, 0);
    cJSON *ci = cJSON_GetObjectItem(dc, "wait_ci");
    assert_int_equal(cJSON_GetArraySize(ci), 2);
    assert_near(cJSON_GetArrayItem(ci, 1)->valuedouble, 20.0 + T_975_DF2 * 10.0 / sqrt(3.0), 1e-6);
    cJSON *xray = cJSON_GetArrayItem(stations, 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(xray, "wait_mean")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(xray, "wait_ci")));

    cJSON *sys = cJSON_GetObjectItem(s, "system");
    assert_near(cJSON_GetObjectItem(sys, "entities")->valuedouble, 30, 0);
    assert_near(cJSON_GetObjectItem(sys, "sojourn_mean")->valuedouble, 64.5, 1e-12);
    /* Identical replications: the interval has zero width. */
    cJSON *sci = cJSON_GetObjectItem(sys, "sojourn_ci");
    assert_near(cJSON_GetArrayItem(sci, 0)->valuedouble, 64.5, 1e-9);
    assert_near(cJSON_GetObjectItem(sys, "throughput_per_hour")->valuedouble, 36.0, 1e-9);
    assert_near(cJSON_GetObjectItem(sys, "seizures")->valuedouble, 3, 0);
    assert_near(cJSON_GetObjectItem(sys, "missed")->valuedouble, 6, 0);

    cJSON *plugins = cJSON_GetObjectItem(s, "plugins");
    assert_int_equal(cJSON_GetArraySize(plugins), 2);
    cJSON *det = cJSON_GetArrayItem(plugins, 0);
    assert_string_equal(cJSON_GetObjectItem(det, "id")->valuestring, "test.detector");
    assert_near(cJSON_GetObjectItem(det, "calls")->valuedouble, 60, 0);

    /* The printed JSON parses back (NaN became null, the seed stays exact). */
    char *text = cJSON_Print(s);
    cJSON *again = cJSON_Parse(text);
    assert_non_null(again);
    cJSON_Delete(again);
    cJSON_free(text);

    /* The text summary mentions the stations and plugins. */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    bl_summary_print_text(s, mem);
    bl_summary_print_json(s, mem);
    fclose(mem);
    assert_non_null(strstr(buf, "document_check"));
    assert_non_null(strstr(buf, "test.detector"));
    assert_non_null(strstr(buf, "aaaaaaaaaaaa"));
    free(buf);
    cJSON_Delete(s);
}

/* bl_summary_load must refuse path with BL_EHDF5, a message naming the
 * file and saying `why`, and no summary. */
static void expect_summary_refusal(const char *path, const char *why) {
    cJSON *s = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_summary_load(path, &s, &err), BL_EHDF5);
    assert_null(s);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, why));
}

static void test_results_summary_refuses_text_file(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "notes.txt");
    tu_write_file(path, "not hdf5\n");
    expect_summary_refusal(path, "is not an HDF5 file (or is damaged)");
}

static void test_results_summary_refuses_foreign_hdf5(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "foreign.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    H5Fclose(file);
    expect_summary_refusal(path, "not a borderlab results file (no borderlab_schema");
}

static void test_results_summary_refuses_newer_schema(void **state) {
    fixture_t *f = *state;
    char path[600];
    tu_path_in(path, sizeof path, f->dir, "future.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    int schema = BL_RESULTS_SCHEMA + 1;
    assert_true(H5LTset_attribute_int(file, "/", "borderlab_schema", &schema, 1) >= 0);
    H5Fclose(file);
    expect_summary_refusal(path, "uses results schema 2; this borderlab reads up to 1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_results_stations_pooled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_system_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_root_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_plugins_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_commit_renames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_abort_removes_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_commit_refuses_incomplete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_open_missing_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_open_parent_is_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_open_unwritable_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_entity_sink_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_text_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_foreign_hdf5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_newer_schema, setup, teardown),
    };
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
