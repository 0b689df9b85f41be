/* The run summary, read back from a results file: see summary.h. */
#include "summary.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "results.h"

/* ------------------------------------------------------------------ reading tables */

/* Tables are read by field name through a memory compound type, so a file
 * with more columns (a later minor change) still reads. */
enum { F_U32, F_U64, F_F64, F_STR };

typedef struct field {
    const char *name;
    size_t offset;
    int type;
    size_t size;
} field_t;

#define FIELD(st, f, t)                                                                            \
    { #f, offsetof(st, f), t, sizeof(((st *)0)->f) }
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct station_in {
    char station[48];
    char kind[16];
    uint32_t servers;
    uint64_t arrivals, served, in_system, decisions_yes, max_queue;
    double wait_mean, wait_ci_low, wait_ci_high, wait_p50, wait_p90, wait_p95, wait_p99;
    double utilisation;
} station_in_t;

static const field_t station_fields[] = {
    FIELD(station_in_t, station, F_STR),       FIELD(station_in_t, kind, F_STR),
    FIELD(station_in_t, servers, F_U32),       FIELD(station_in_t, arrivals, F_U64),
    FIELD(station_in_t, served, F_U64),        FIELD(station_in_t, in_system, F_U64),
    FIELD(station_in_t, decisions_yes, F_U64), FIELD(station_in_t, max_queue, F_U64),
    FIELD(station_in_t, wait_mean, F_F64),     FIELD(station_in_t, wait_ci_low, F_F64),
    FIELD(station_in_t, wait_ci_high, F_F64),  FIELD(station_in_t, wait_p50, F_F64),
    FIELD(station_in_t, wait_p90, F_F64),      FIELD(station_in_t, wait_p95, F_F64),
    FIELD(station_in_t, wait_p99, F_F64),      FIELD(station_in_t, utilisation, F_F64),
};

typedef struct summary_in {
    uint64_t entities, carriers, selected, alarms, searches, seizures, missed, events;
    double sojourn_mean, sojourn_ci_low, sojourn_ci_high;
    double mean_in_system, throughput, littles_ratio;
} summary_in_t;

static const field_t summary_fields[] = {
    FIELD(summary_in_t, entities, F_U64),        FIELD(summary_in_t, carriers, F_U64),
    FIELD(summary_in_t, selected, F_U64),        FIELD(summary_in_t, alarms, F_U64),
    FIELD(summary_in_t, searches, F_U64),        FIELD(summary_in_t, seizures, F_U64),
    FIELD(summary_in_t, missed, F_U64),          FIELD(summary_in_t, events, F_U64),
    FIELD(summary_in_t, sojourn_mean, F_F64),    FIELD(summary_in_t, sojourn_ci_low, F_F64),
    FIELD(summary_in_t, sojourn_ci_high, F_F64), FIELD(summary_in_t, mean_in_system, F_F64),
    FIELD(summary_in_t, throughput, F_F64),      FIELD(summary_in_t, littles_ratio, F_F64),
};

typedef struct plugin_in {
    char role[16];
    char id[64];
    char name[96];
    char version[32];
    char sha256[65];
    uint64_t calls, invalid_outputs;
} plugin_in_t;

static const field_t plugin_fields[] = {
    FIELD(plugin_in_t, role, F_STR),
    FIELD(plugin_in_t, id, F_STR),
    FIELD(plugin_in_t, name, F_STR),
    FIELD(plugin_in_t, version, F_STR),
    FIELD(plugin_in_t, sha256, F_STR),
    FIELD(plugin_in_t, calls, F_U64),
    FIELD(plugin_in_t, invalid_outputs, F_U64),
};

static hid_t memory_type(const field_t *f, size_t n, size_t row_size) {
    hid_t t = H5Tcreate(H5T_COMPOUND, row_size);
    if (t < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        hid_t ft;
        switch (f[i].type) {
        case F_U32:
            ft = H5Tcopy(H5T_NATIVE_UINT32);
            break;
        case F_U64:
            ft = H5Tcopy(H5T_NATIVE_UINT64);
            break;
        case F_F64:
            ft = H5Tcopy(H5T_NATIVE_DOUBLE);
            break;
        default:
            ft = H5Tcopy(H5T_C_S1);
            if (ft >= 0)
                H5Tset_size(ft, f[i].size);
            break;
        }
        herr_t ok = ft >= 0 ? H5Tinsert(t, f[i].name, f[i].offset, ft) : -1;
        if (ft >= 0)
            H5Tclose(ft);
        if (ok < 0) {
            H5Tclose(t);
            return -1;
        }
    }
    return t;
}

/* Whether every link along the absolute path exists (H5Lexists fails on a
 * missing intermediate group). */
static bool path_exists(hid_t file, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (H5Lexists(file, buf, H5P_DEFAULT) <= 0)
                return false;
            if (saved == '\0')
                return true;
            *p = saved;
        }
    }
}

/* Read every row of the table at path into a heap array (*rows, *n). */
static int read_rows(hid_t file, const char *path, const field_t *f, size_t nf, size_t row_size,
                     void **rows, size_t *n, const char *fname, bl_error_t *err) {
    *rows = NULL;
    *n = 0;
    int rc = 0;
    hid_t ds = -1, space = -1, mt = -1;
    if (!path_exists(file, path))
        return bl_error_set(err, BL_EHDF5, "%s: table %s is missing: the file is incomplete", fname,
                            path);
    ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0 || (space = H5Dget_space(ds)) < 0 || (mt = memory_type(f, nf, row_size)) < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot open table %s", fname, path);
        goto out;
    }
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (count < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot read table %s", fname, path);
        goto out;
    }
    *rows = calloc(count > 0 ? (size_t)count : 1, row_size);
    if (*rows == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (count > 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot read table %s (columns do not match)", fname,
                          path);
        free(*rows);
        *rows = NULL;
        goto out;
    }
    *n = (size_t)count;
out:
    if (mt >= 0)
        H5Tclose(mt);
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* ------------------------------------------------------------------ root attributes */

/* A root text attribute as a heap string, NULL when absent. */
static char *root_text(hid_t file, const char *name) {
    if (H5Aexists(file, name) <= 0)
        return NULL;
    hsize_t dims[1] = {0};
    H5T_class_t cls;
    size_t size = 0;
    if (H5LTget_attribute_info(file, "/", name, dims, &cls, &size) < 0 || cls != H5T_STRING)
        return NULL;
    char *s = calloc(size + 1, 1);
    if (s != NULL && H5LTget_attribute_string(file, "/", name, s) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static bool root_number(hid_t file, const char *name, hid_t mem_type, void *out) {
    if (H5Aexists(file, name) <= 0)
        return false;
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    if (a < 0)
        return false;
    bool ok = H5Aread(a, mem_type, out) >= 0;
    H5Aclose(a);
    return ok;
}

/* ------------------------------------------------------------------ JSON */

/* Numbers that are not finite become null (cJSON would print invalid JSON). */
static cJSON *num(double x) { return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull(); }

static cJSON *pair(double lo, double hi) {
    if (!isfinite(lo) || !isfinite(hi))
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
    return a;
}

static void add_text(cJSON *o, const char *key, const char *value) {
    cJSON_AddItemToObject(o, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

static cJSON *stations_json(const station_in_t *s, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        add_text(o, "station", s[i].station);
        add_text(o, "kind", s[i].kind);
        cJSON_AddNumberToObject(o, "servers", s[i].servers);
        cJSON_AddNumberToObject(o, "arrivals", (double)s[i].arrivals);
        cJSON_AddNumberToObject(o, "served", (double)s[i].served);
        cJSON_AddNumberToObject(o, "in_system", (double)s[i].in_system);
        cJSON_AddNumberToObject(o, "decisions_yes", (double)s[i].decisions_yes);
        cJSON_AddItemToObject(o, "wait_mean", num(s[i].wait_mean));
        cJSON_AddItemToObject(o, "wait_ci", pair(s[i].wait_ci_low, s[i].wait_ci_high));
        cJSON_AddItemToObject(o, "wait_p50", num(s[i].wait_p50));
        cJSON_AddItemToObject(o, "wait_p90", num(s[i].wait_p90));
        cJSON_AddItemToObject(o, "wait_p95", num(s[i].wait_p95));
        cJSON_AddItemToObject(o, "wait_p99", num(s[i].wait_p99));
        cJSON_AddItemToObject(o, "utilisation", num(s[i].utilisation));
        cJSON_AddNumberToObject(o, "max_queue", (double)s[i].max_queue);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *system_json(const summary_in_t *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "entities", (double)s->entities);
    cJSON_AddItemToObject(o, "sojourn_mean", num(s->sojourn_mean));
    cJSON_AddItemToObject(o, "sojourn_ci", pair(s->sojourn_ci_low, s->sojourn_ci_high));
    cJSON_AddItemToObject(o, "mean_in_system", num(s->mean_in_system));
    cJSON_AddItemToObject(o, "throughput_per_hour", num(s->throughput * 3600.0));
    cJSON_AddItemToObject(o, "littles_ratio", num(s->littles_ratio));
    cJSON_AddNumberToObject(o, "carriers", (double)s->carriers);
    cJSON_AddNumberToObject(o, "selected", (double)s->selected);
    cJSON_AddNumberToObject(o, "alarms", (double)s->alarms);
    cJSON_AddNumberToObject(o, "searches", (double)s->searches);
    cJSON_AddNumberToObject(o, "seizures", (double)s->seizures);
    cJSON_AddNumberToObject(o, "missed", (double)s->missed);
    cJSON_AddNumberToObject(o, "events", (double)s->events);
    return o;
}

static cJSON *plugins_json(const plugin_in_t *p, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        add_text(o, "role", p[i].role);
        add_text(o, "id", p[i].id);
        add_text(o, "name", p[i].name);
        add_text(o, "version", p[i].version);
        add_text(o, "sha256", p[i].sha256);
        cJSON_AddNumberToObject(o, "calls", (double)p[i].calls);
        cJSON_AddNumberToObject(o, "invalid_outputs", (double)p[i].invalid_outputs);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

int bl_summary_load(const char *path, cJSON **out, bl_error_t *err) {
    *out = NULL;
    int rc = 0;
    hid_t file = -1;
    cJSON *o = NULL;
    station_in_t *stations = NULL;
    summary_in_t *sum = NULL;
    plugin_in_t *plugins = NULL;
    size_t n_stations = 0, n_sum = 0, n_plugins = 0;
    char *texts[8] = {NULL};

    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            return bl_error_set(err, BL_ENOTFOUND, "cannot open results file %s: %s", path,
                                "no such file or not readable");
        fclose(fp);
        return bl_error_set(err, BL_EHDF5,
                            "%s is not an HDF5 file (or is damaged): give a file written by "
                            "borderlab run",
                            path);
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return bl_error_set(err, BL_EHDF5,
                            "%s is not an HDF5 file (or is damaged): give a file written by "
                            "borderlab run",
                            path);
    int schema = 0;
    if (!root_number(file, "borderlab_schema", H5T_NATIVE_INT, &schema)) {
        rc = bl_error_set(err, BL_EHDF5,
                          "%s is an HDF5 file but not a borderlab results file (no "
                          "borderlab_schema attribute)",
                          path);
        goto out;
    }
    if (schema > BL_RESULTS_SCHEMA || schema < 1) {
        rc = bl_error_set(err, BL_EHDF5,
                          "%s uses results schema %d; this borderlab reads up to %d: upgrade "
                          "borderlab",
                          path, schema, BL_RESULTS_SCHEMA);
        goto out;
    }
    rc = read_rows(file, "/checkpoint/stations", station_fields, NFIELDS(station_fields),
                   sizeof(station_in_t), (void **)&stations, &n_stations, path, err);
    if (rc == 0)
        rc = read_rows(file, "/checkpoint/summary", summary_fields, NFIELDS(summary_fields),
                       sizeof(summary_in_t), (void **)&sum, &n_sum, path, err);
    if (rc == 0)
        rc = read_rows(file, "/plugins", plugin_fields, NFIELDS(plugin_fields), sizeof(plugin_in_t),
                       (void **)&plugins, &n_plugins, path, err);
    if (rc != 0)
        goto out;
    if (n_sum != 1) {
        rc = bl_error_set(err, BL_EHDF5, "%s: /checkpoint/summary has %zu rows, expected 1", path,
                          n_sum);
        goto out;
    }

    enum { T_VERSION, T_JOB, T_NAME, T_PATH, T_START, T_PARAMS };
    static const char *const names[] = {"harness_version", "job",        "scenario_name",
                                        "scenario_path",   "start_time", "parameters"};
    for (size_t i = 0; i < NFIELDS(names); i++)
        texts[i] = root_text(file, names[i]);
    uint64_t seed = 0;
    unsigned reps = 0, threads = 0;
    double wall = NAN;
    bool has_seed = root_number(file, "seed", H5T_NATIVE_UINT64, &seed);
    root_number(file, "replications", H5T_NATIVE_UINT, &reps);
    root_number(file, "threads", H5T_NATIVE_UINT, &threads);
    root_number(file, "wall_seconds", H5T_NATIVE_DOUBLE, &wall);
    bool entities = path_exists(file, "/checkpoint/entities");

    o = cJSON_CreateObject();
    if (o == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    add_text(o, "file", path);
    cJSON_AddNumberToObject(o, "schema", schema);
    add_text(o, "harness_version", texts[T_VERSION]);
    add_text(o, "job", texts[T_JOB]);
    cJSON *sc = cJSON_AddObjectToObject(o, "scenario");
    add_text(sc, "name", texts[T_NAME]);
    add_text(sc, "path", texts[T_PATH]);
    if (has_seed) {
        /* Raw keeps all 64 bits (a JSON number through double would not). */
        char digits[24];
        snprintf(digits, sizeof digits, "%" PRIu64, seed);
        cJSON_AddItemToObject(o, "seed", cJSON_CreateRaw(digits));
    } else {
        cJSON_AddNullToObject(o, "seed");
    }
    cJSON_AddNumberToObject(o, "replications", reps);
    cJSON_AddNumberToObject(o, "threads", threads);
    add_text(o, "start_time", texts[T_START]);
    cJSON_AddItemToObject(o, "wall_seconds", num(wall));
    cJSON *params = texts[T_PARAMS] ? cJSON_Parse(texts[T_PARAMS]) : NULL;
    cJSON_AddItemToObject(o, "parameters", params ? params : cJSON_CreateObject());
    cJSON_AddItemToObject(o, "stations", stations_json(stations, n_stations));
    cJSON_AddItemToObject(o, "system", system_json(sum));
    cJSON_AddItemToObject(o, "plugins", plugins_json(plugins, n_plugins));
    cJSON_AddBoolToObject(o, "entity_table", entities);
    *out = o;
    o = NULL;
out:
    for (size_t i = 0; i < NFIELDS(texts); i++)
        free(texts[i]);
    free(stations);
    free(sum);
    free(plugins);
    cJSON_Delete(o);
    if (file >= 0)
        H5Fclose(file);
    return rc;
}

void bl_summary_print_json(const cJSON *summary, FILE *fp) {
    char *text = cJSON_Print(summary);
    if (text == NULL)
        return;
    fprintf(fp, "%s\n", text);
    cJSON_free(text);
}

/* ------------------------------------------------------------------ text */

static double get_num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *get_text(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v) || cJSON_IsRaw(v))
        return v->valuestring;
    return "?";
}

/* A number or "-" when missing, into buf. */
static const char *fmt(char *buf, size_t size, const char *format, double x) {
    if (isfinite(x))
        snprintf(buf, size, format, x);
    else
        snprintf(buf, size, "-");
    return buf;
}

void bl_summary_print_text(const cJSON *summary, FILE *fp) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
    double reps = get_num(summary, "replications");
    fprintf(fp, "%s: %.0f replication%s, seed %s, file %s\n", get_text(sc, "name"), reps,
            reps == 1 ? "" : "s", get_text(summary, "seed"), get_text(summary, "file"));

    char a[32], b[32], c[32], d[32], e[32];
    fprintf(fp, "  %-20s %7s %12s %20s %10s %7s %9s\n", "station", "servers", "arrivals/rep",
            "wait mean (s)", "p90 (s)", "util %", "max queue");
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(summary, "stations")) {
        const cJSON *ci = cJSON_GetObjectItemCaseSensitive(st, "wait_ci");
        double half = NAN;
        if (cJSON_IsArray(ci) && cJSON_GetArraySize(ci) == 2)
            half =
                (cJSON_GetArrayItem(ci, 1)->valuedouble - cJSON_GetArrayItem(ci, 0)->valuedouble) /
                2;
        char wait[80];
        fmt(a, sizeof a, "%.2f", get_num(st, "wait_mean"));
        if (isfinite(half))
            snprintf(wait, sizeof wait, "%s ± %s", a, fmt(b, sizeof b, "%.2f", half));
        else
            snprintf(wait, sizeof wait, "%s", a);
        double arrivals = reps > 0 ? get_num(st, "arrivals") / reps : NAN;
        double util = get_num(st, "utilisation") * 100;
        /* "±" is two bytes but one column: pad by hand. */
        fprintf(fp, "  %-20s %7.0f %12s %*s %10s %7s %9s\n", get_text(st, "station"),
                get_num(st, "servers"), fmt(c, sizeof c, "%.1f", arrivals),
                isfinite(half) ? 21 : 20, wait, fmt(d, sizeof d, "%.2f", get_num(st, "wait_p90")),
                fmt(e, sizeof e, "%.1f", util), fmt(b, sizeof b, "%.0f", get_num(st, "max_queue")));
    }

    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(summary, "system");
    fprintf(fp, "  end to end: mean time %s s, throughput %s/h, seizures %.0f, missed %.0f\n",
            fmt(a, sizeof a, "%.1f", get_num(sys, "sojourn_mean")),
            fmt(b, sizeof b, "%.1f", get_num(sys, "throughput_per_hour")), get_num(sys, "seizures"),
            get_num(sys, "missed"));

    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary, "plugins")) {
        fprintf(fp, "  plugin %-8s %s %s, calls %.0f, sha256 %.12s\n", get_text(p, "role"),
                get_text(p, "id"), get_text(p, "version"), get_num(p, "calls"),
                get_text(p, "sha256"));
    }
}
