/* Unit tests for core/results.c and core/summary.c: a scenario and three
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

#include "engine.h"
#include "histogram.h"
#include "results.h"
#include "results_checkpoint.h"
#include "results_schema.h"
#include "summary.h"
#include "test_util.h"

#define N_REPS 3

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) near((a), (b), (eps), #a, __FILE__, __LINE__)
static void near(double a, double b, double eps, const char *expr, const char *file, int line) {
    if (!(fabs(a - b) <= eps)) {
        print_error("%s is %.17g, expected %.17g (within %g)\n", expr, a, b, eps);
        _fail(file, line);
    }
}
#define T_975_DF2 4.302652729911275  /* Student t, 97.5% quantile, 2 degrees of freedom */
#define T_975_DF1 12.706204736174698 /* ... 1 degree of freedom */

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

static const bl_plugin_t fake_detector = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, 0, "test.detector", "Test detector", "Test", "1.2.3"), NULL,
    NULL, NULL};
static const bl_plugin_t fake_store = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, 0, "test.store", "Test store", "Test", "0.9"), NULL, NULL,
    NULL};

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
    sc->job = BL_JOB_CHECKPOINT;
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

    f->handles[BL_ROLE_DETECTOR] = (bl_plugin_handle_t){
        .path = "plugins/detector/test.so", .dl = NULL, .desc = &fake_detector};
    memset(f->handles[BL_ROLE_DETECTOR].sha256, 'a', 64);
    f->handles[BL_ROLE_STORE] =
        (bl_plugin_handle_t){.path = "plugins/store/test.so", .dl = NULL, .desc = &fake_store};
    memset(f->handles[BL_ROLE_STORE].sha256, 'b', 64);
    f->plugins.role[BL_ROLE_DETECTOR] = &f->handles[BL_ROLE_DETECTOR];
    f->plugins.role[BL_ROLE_STORE] = &f->handles[BL_ROLE_STORE];

    f->run.scenario = sc;
    f->run.plugins = &f->plugins;
    f->run.reps = f->reps;
    f->run.n_reps = N_REPS;
    f->run.threads = 2;
    f->run.command_line = "borderlab run scenarios/unit.lua";
    snprintf(f->run.host, sizeof f->run.host, "testhost");
    snprintf(f->run.start_time, sizeof f->run.start_time, "2024-01-01T00:00:00Z");
    f->run.wall_seconds = 1.5;
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

/* Rows of a dataset (count) */
static hssize_t row_count(hid_t file, const char *path) {
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t sp = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    H5Dclose(ds);
    return n;
}

static char *root_text(hid_t file, const char *name) {
    hsize_t dims[1];
    H5T_class_t cls;
    size_t size = 0;
    if (H5LTget_attribute_info(file, "/", name, dims, &cls, &size) < 0)
        return NULL;
    char *s = calloc(size + 1, 1);
    H5LTget_attribute_string(file, "/", name, s);
    return s;
}

/* ------------------------------------------------------------------ tests */

static void test_results_stations_pooled(void **state) {
    fixture_t *f = *state;
    char path[600];
    write_file(f, "run.h5", path, sizeof path);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(row_count(file, "/checkpoint/stations"), 2);
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

    assert_int_equal(row_count(file, "/checkpoint/replications"), 2 * N_REPS);
    assert_int_equal(row_count(file, "/checkpoint/system"), N_REPS);
    assert_int_equal(row_count(file, "/checkpoint/summary"), 1);

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

    char *source = root_text(file, "scenario_source");
    assert_non_null(source);
    assert_string_equal(source, f->sc.source);
    free(source);
    char *job = root_text(file, "job");
    assert_string_equal(job, "checkpoint");
    free(job);
    char *params = root_text(file, "parameters");
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
    assert_int_equal(row_count(file, "/plugins"), 2); /* the risk role is unused */
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
                            .job = BL_JOB_CHECKPOINT,
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
    char *sweep = root_text(file, "sweep");
    assert_string_equal(sweep, "xray.servers=1,2;mode=fast");
    free(sweep);
    expect_spec_columns(file, "/sweep/p0000");
    expect_spec_columns(file, "/sweep/p0001");
    assert_false(bl_results_path_exists(file, "/checkpoint/stations"));
    assert_int_equal(row_count(file, "/sweep/p0001/system"), 1);
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
        cmocka_unit_test_setup_teardown(test_results_checkpoint_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_sweep_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_text_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_foreign_hdf5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_summary_refuses_newer_schema, setup, teardown),
    };
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
