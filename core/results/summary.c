/* The run summary, read back from a results file: see summary.h. */
#include "results/summary.h"

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

#include "results/results.h"
#include "results/results_schema.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ file check */

int bl_summary_check_file(const char *path, int *schema_out, bl_error_t *err) {
    int rc = 0, schema = 0;
    hid_t file = -1;
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
    if (!bl_results_root_number(file, "borderlab_schema", H5T_NATIVE_INT, &schema)) {
        rc = bl_error_set(err, BL_EHDF5,
                          "%s is an HDF5 file but not a borderlab results file (no "
                          "borderlab_schema attribute)",
                          path);
    } else if (schema > BL_RESULTS_SCHEMA || schema < 1) {
        rc = bl_error_set(err, BL_EHDF5,
                          "%s uses results schema %d; this borderlab reads up to %d: upgrade "
                          "borderlab",
                          path, schema, BL_RESULTS_SCHEMA);
    }
    H5Fclose(file);
    if (rc == 0 && schema_out != NULL)
        *schema_out = schema;
    return rc;
}

/* ------------------------------------------------------------------ JSON */

/* Numbers that are not finite become null (cJSON would print invalid JSON). */
cJSON *bl_summary_json_num(double x) {
    return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

cJSON *bl_summary_json_pair(double lo, double hi) {
    if (!isfinite(lo) || !isfinite(hi))
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
    return a;
}

void bl_summary_json_text(cJSON *o, const char *key, const char *value) {
    cJSON_AddItemToObject(o, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

void bl_summary_json_owned_text(cJSON *o, const char *key, char *value) {
    bl_summary_json_text(o, key, value);
    free(value);
}

static cJSON *plugins_json(const bl_plugin_row_t *p, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        bl_summary_json_text(o, "role", p[i].role);
        bl_summary_json_text(o, "id", p[i].id);
        bl_summary_json_text(o, "name", p[i].name);
        bl_summary_json_text(o, "version", p[i].version);
        bl_summary_json_text(o, "sha256", p[i].sha256);
        cJSON_AddNumberToObject(o, "calls", (double)p[i].calls);
        cJSON_AddNumberToObject(o, "invalid_outputs", (double)p[i].invalid_outputs);
        /* files from before isolation have no verdict: they ran in-process */
        bl_summary_json_text(o, "isolation", p[i].isolation[0] ? p[i].isolation : "none");
        bl_summary_json_text(o, "verdict", p[i].verdict[0] ? p[i].verdict : "VALID");
        bl_summary_json_text(o, "verdict_reason", p[i].verdict_reason);
        cJSON_AddNumberToObject(o, "failures", (double)p[i].failures);
        cJSON_AddNumberToObject(o, "skipped", (double)p[i].skipped);
        cJSON_AddNumberToObject(o, "peak_rss_mib", p[i].peak_rss_mib);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

int bl_summary_read(const char *path, bl_summary_part_fn part, cJSON **out, bl_error_t *err) {
    *out = NULL;
    int rc = 0;
    hid_t file = -1;
    cJSON *o = NULL;
    bl_plugin_row_t *plugins = NULL;
    size_t n_plugins = 0;
    char *texts[8] = {NULL};
    int schema = 0;

    rc = bl_summary_check_file(path, &schema, err);
    if (rc != 0)
        return rc;
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return bl_error_set(err, BL_EHDF5, "%s: cannot open the file", path);
    /* A compare file has no run to summarise: say so, not "incomplete". */
    char *job = bl_results_root_text(file, "job");
    bool compare = job != NULL && strcmp(job, "compare") == 0;
    free(job);
    if (compare) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s is the file of a borderlab compare, not of a run: show summarises "
                          "runs; run the compare again to see its table, or read /compare/pairs "
                          "(h5dump, h5py)",
                          path);
        goto out;
    }
    rc = bl_results_table_read(file, &bl_results_plugins_table, (void **)&plugins, &n_plugins, path,
                               err);
    if (rc != 0)
        goto out;

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

    o = cJSON_CreateObject();
    if (o == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    bl_summary_json_text(o, "file", path);
    cJSON_AddNumberToObject(o, "schema", schema);
    bl_summary_json_text(o, "harness_version", texts[T_VERSION]);
    bl_summary_json_text(o, "job", texts[T_JOB]);
    cJSON *sc = cJSON_AddObjectToObject(o, "scenario");
    bl_summary_json_text(sc, "name", texts[T_NAME]);
    bl_summary_json_text(sc, "path", texts[T_PATH]);
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
    bl_summary_json_text(o, "start_time", texts[T_START]);
    cJSON_AddItemToObject(o, "wall_seconds", bl_summary_json_num(wall));
    cJSON *params = texts[T_PARAMS] ? cJSON_Parse(texts[T_PARAMS]) : NULL;
    cJSON_AddItemToObject(o, "parameters", params ? params : cJSON_CreateObject());
    rc = part(texts[T_JOB], file, path, o, err);
    if (rc != 0)
        goto out;
    cJSON_AddItemToObject(o, "plugins", plugins_json(plugins, n_plugins));
    *out = o;
    o = NULL;
out:
    for (size_t i = 0; i < COUNT(texts); i++)
        free(texts[i]);
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

double bl_summary_num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *bl_summary_text(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v) || cJSON_IsRaw(v))
        return v->valuestring;
    return "?";
}

const char *bl_summary_fmt(char *buf, size_t size, const char *format, double x) {
    if (isfinite(x))
        snprintf(buf, size, format, x);
    else
        snprintf(buf, size, "-");
    return buf;
}

const char *bl_summary_with_ci(char *buf, size_t size, const cJSON *o, const char *key,
                               const char *ci_key) {
    double x = bl_summary_num(o, key);
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(o, ci_key);
    if (!isfinite(x))
        snprintf(buf, size, "-");
    else if (cJSON_IsArray(ci) && cJSON_GetArraySize(ci) == 2)
        snprintf(buf, size, "%.3f [%.3f, %.3f]", x, cJSON_GetArrayItem(ci, 0)->valuedouble,
                 cJSON_GetArrayItem(ci, 1)->valuedouble);
    else
        snprintf(buf, size, "%.3f", x);
    return buf;
}
