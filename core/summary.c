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

#include "results.h"
#include "results_schema.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

static cJSON *stations_json(const bl_station_row_t *s, size_t n) {
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

static cJSON *system_json(const bl_summary_row_t *s) {
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

static cJSON *plugins_json(const bl_plugin_row_t *p, size_t n) {
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
    bl_station_row_t *stations = NULL;
    bl_summary_row_t *sum = NULL;
    bl_plugin_row_t *plugins = NULL;
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
    if (!bl_results_root_number(file, "borderlab_schema", H5T_NATIVE_INT, &schema)) {
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
    rc = bl_results_table_read(file, &bl_results_stations_table, (void **)&stations, &n_stations,
                               path, err);
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_results_summary_table, (void **)&sum, &n_sum, path,
                                   err);
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_results_plugins_table, (void **)&plugins, &n_plugins,
                                   path, err);
    if (rc != 0)
        goto out;
    if (n_sum != 1) {
        rc = bl_error_set(err, BL_EHDF5, "%s: %s has %zu rows, expected 1", path,
                          bl_results_summary_table.path, n_sum);
        goto out;
    }

    enum { T_VERSION, T_JOB, T_NAME, T_PATH, T_START, T_PARAMS };
    static const char *const names[] = {"harness_version", "job",        "scenario_name",
                                        "scenario_path",   "start_time", "parameters"};
    for (size_t i = 0; i < COUNT(names); i++)
        texts[i] = bl_results_root_text(file, names[i]);
    uint64_t seed = 0;
    unsigned reps = 0, threads = 0;
    double wall = NAN;
    bool has_seed = bl_results_root_number(file, "seed", H5T_NATIVE_UINT64, &seed);
    bl_results_root_number(file, "replications", H5T_NATIVE_UINT, &reps);
    bl_results_root_number(file, "threads", H5T_NATIVE_UINT, &threads);
    bl_results_root_number(file, "wall_seconds", H5T_NATIVE_DOUBLE, &wall);
    bool entities = bl_results_path_exists(file, bl_results_entities_table.path);

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
    for (size_t i = 0; i < COUNT(texts); i++)
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
    fprintf(fp,
            "  end to end: mean time %s s, throughput %s/h; over all replications: "
            "%.0f carriers, %.0f selected, %.0f alarms, %.0f seizures, %.0f missed\n",
            fmt(a, sizeof a, "%.1f", get_num(sys, "sojourn_mean")),
            fmt(b, sizeof b, "%.1f", get_num(sys, "throughput_per_hour")), get_num(sys, "carriers"),
            get_num(sys, "selected"), get_num(sys, "alarms"), get_num(sys, "seizures"),
            get_num(sys, "missed"));

    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary, "plugins")) {
        fprintf(fp, "  plugin %-8s %s %s, calls %.0f, sha256 %.12s\n", get_text(p, "role"),
                get_text(p, "id"), get_text(p, "version"), get_num(p, "calls"),
                get_text(p, "sha256"));
    }
}
