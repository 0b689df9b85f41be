/* Results files (HDF5): the part every job writes (root attributes and the
 * /plugins table, results.h) and the attribute calls of writer.h.  The file
 * itself, the lock, tables, entity sinks and commit are in results.c. */
#include "results/results.h"

#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "results/results_internal.h"
#include "results/results_schema.h"

/* ------------------------------------------------------------------ root attributes, /plugins */

bool bl_results_plugin_verdict(const bl_results_plugin_t *p, char *why, size_t cap) {
    bl_isolation_stats_t st;
    why[0] = '\0';
    if (p->handle->isolated != NULL) {
        bl_isolated_stats(p->handle->isolated, &st);
        if (st.invalid) {
            snprintf(why, cap, "%s", st.invalid_reason);
            return false;
        }
    }
    if (p->invalid_outputs > 0) {
        if (p->role != NULL && strcmp(p->role, "store") == 0)
            snprintf(why, cap,
                     "%" PRIu64 " operations failed or answered wrongly (the soak's "
                     "errors)",
                     p->invalid_outputs);
        else
            snprintf(why, cap,
                     "%" PRIu64 " invalid outputs (counts past the buffer, NaN or "
                     "out-of-range scores, boxes or classes)",
                     p->invalid_outputs);
        return false;
    }
    if (p->failed_check != NULL) {
        snprintf(why, cap, "%s", p->failed_check);
        return false;
    }
    return true;
}

/* Its failures as /plugin_failures rows (appended to *rows). */
static int failure_rows(const bl_results_plugin_t *p, uint32_t index,
                        bl_plugin_failure_row_t **rows, size_t *n) {
    size_t k = 0;
    const bl_plugin_failure_t *f = bl_isolated_failures(p->handle->isolated, &k);
    if (k == 0)
        return 0;
    bl_plugin_failure_row_t *grown = realloc(*rows, (*n + k) * sizeof *grown);
    if (grown == NULL)
        return BL_ENOMEM;
    *rows = grown;
    for (size_t i = 0; i < k; i++) {
        bl_plugin_failure_row_t *r = &grown[(*n)++];
        char what[160];
        memset(r, 0, sizeof *r);
        r->plugin = index;
        bl_results_copy_text(r->id, sizeof r->id, p->handle->desc->header.id);
        bl_results_copy_text(r->verb, sizeof r->verb, bl_plugin_verb_name(f[i].verb));
        r->item = f[i].item;
        bl_results_copy_text(r->cause, sizeof r->cause, bl_failure_cause_name(f[i].cause));
        r->detail = f[i].detail;
        r->seconds = f[i].seconds;
        bl_results_copy_text(r->what, sizeof r->what,
                             bl_failure_describe(&f[i], what, sizeof what));
        bl_results_copy_text(r->during, sizeof r->during, f[i].during);
    }
    return 0;
}

/* /plugin_logs/<row>: what an isolated plugin printed, cut at its log_limit. */
static int write_log(bl_results_writer_t *w, const bl_results_plugin_t *p, size_t index,
                     bl_error_t *err) {
    char *text = bl_isolated_log(p->handle->isolated);
    char name[32];
    int rc = 0;
    if (text == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory for a plugin's log");
    if (H5Lexists(w->file, "/plugin_logs", H5P_DEFAULT) <= 0) {
        hid_t g = H5Gcreate2(w->file, "/plugin_logs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            rc = hdf5_fail(w, err, "cannot create /plugin_logs");
        else
            H5Gclose(g);
    }
    snprintf(name, sizeof name, "/plugin_logs/%zu", index);
    if (rc == 0 && H5LTmake_dataset_string(w->file, name, text) < 0)
        rc = hdf5_fail(w, err, "cannot write a plugin's log");
    free(text);
    return rc;
}

static int write_plugins(bl_results_writer_t *w, const bl_results_plugin_t *plugins, size_t n,
                         bl_error_t *err) {
    bl_plugin_row_t *rows = calloc(n ? n : 1, sizeof *rows);
    bl_plugin_failure_row_t *failures = NULL;
    size_t n_failures = 0;
    int rc = 0;
    if (rows == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    w->n_invalid = 0;
    w->invalid[0] = '\0';
    for (size_t i = 0; i < n && rc == 0; i++) {
        const bl_plugin_handle_t *h = plugins[i].handle;
        bl_plugin_row_t *row = &rows[i];
        bl_results_copy_text(row->role, sizeof row->role, plugins[i].role);
        if (h->desc != NULL) {
            const bl_plugin_header_t *hd = &h->desc->header;
            bl_results_copy_text(row->kind, sizeof row->kind, bl_plugin_kind_name((int)hd->kind));
            bl_results_copy_text(row->id, sizeof row->id, hd->id);
            bl_results_copy_text(row->name, sizeof row->name, hd->name);
            bl_results_copy_text(row->vendor, sizeof row->vendor, hd->vendor);
            bl_results_copy_text(row->version, sizeof row->version, hd->version);
        }
        bl_results_copy_text(row->path, sizeof row->path, h->path);
        bl_results_copy_text(row->sha256, sizeof row->sha256, h->sha256);
        row->calls = plugins[i].calls;
        row->invalid_outputs = plugins[i].invalid_outputs;
        bl_results_copy_text(row->isolation, sizeof row->isolation,
                             h->isolated != NULL ? "process" : "none");
        bool valid =
            bl_results_plugin_verdict(&plugins[i], row->verdict_reason, sizeof row->verdict_reason);
        bl_results_copy_text(row->verdict, sizeof row->verdict, valid ? "VALID" : "INVALID");
        if (!valid) {
            size_t used = strlen(w->invalid);
            snprintf(w->invalid + used, sizeof w->invalid - used,
                     "%splugin %s (%s, %s): INVALID: %s", used > 0 ? "\n" : "", row->id, row->role,
                     h->path, row->verdict_reason);
            w->n_invalid++;
        }
        if (h->isolated != NULL) {
            bl_isolation_stats_t st;
            bl_isolated_stats(h->isolated, &st);
            row->failures = st.failures;
            row->skipped = st.skipped;
            row->children = st.children;
            row->peak_rss_mib = (double)st.max_rss_kb / 1024.0;
            row->call_seconds = st.call_seconds;
            bl_results_copy_text(row->sandbox, sizeof row->sandbox, st.sandbox);
            if (failure_rows(&plugins[i], (uint32_t)i, &failures, &n_failures) != 0)
                rc = bl_error_set(err, BL_ENOMEM, "out of memory for plugin failures");
            if (rc == 0)
                rc = write_log(w, &plugins[i], i, err);
        }
    }
    if (rc == 0)
        rc = bl_results_write_table_locked(w, &bl_results_plugins_table,
                                           bl_results_plugins_table.path, n, rows, err);
    if (rc == 0)
        rc = bl_results_write_table_locked(w, &bl_results_plugin_failures_table,
                                           bl_results_plugin_failures_table.path, n_failures,
                                           failures, err);
    free(failures);
    free(rows);
    return rc;
}

unsigned bl_results_invalid_plugins(const bl_results_writer_t *w, char *text, size_t cap) {
    if (cap > 0)
        snprintf(text, cap, "%s", w->invalid);
    return w->n_invalid;
}

static int set_text(bl_results_writer_t *w, const char *name, const char *value, bl_error_t *err) {
    if (H5LTset_attribute_string(w->file, "/", name, value ? value : "") < 0) {
        char what[96];
        snprintf(what, sizeof what, "cannot write attribute %s", name);
        return hdf5_fail(w, err, what);
    }
    return 0;
}

static int set_u64(bl_results_writer_t *w, const char *name, uint64_t value, bl_error_t *err) {
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    int rc = 0;
    if (space >= 0)
        attr = H5Acreate2(w->file, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_UINT64, &value) < 0) {
        char what[96];
        snprintf(what, sizeof what, "cannot write attribute %s", name);
        rc = hdf5_fail(w, err, what);
    }
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* The declared parameters as JSON text (heap): {"values": {name: value},
 * "overridden": [names set with --set]} (kept apart so that no parameter
 * name can collide with the list). */
static char *parameters_json(const bl_scenario_t *sc) {
    cJSON *o = cJSON_CreateObject();
    cJSON *values = cJSON_AddObjectToObject(o, "values");
    cJSON *over = cJSON_AddArrayToObject(o, "overridden");
    char *text = NULL;
    if (o == NULL || values == NULL || over == NULL)
        goto out;
    for (size_t i = 0; i < sc->n_params; i++) {
        const bl_param_t *p = &sc->params[i];
        if (p->name == NULL)
            continue;
        cJSON_AddStringToObject(values, p->name, p->value ? p->value : "");
        if (p->overridden)
            cJSON_AddItemToArray(over, cJSON_CreateString(p->name));
    }
    text = cJSON_PrintUnformatted(o);
out:
    cJSON_Delete(o);
    return text;
}

/* The <attr> of plugin p's root attributes plugin_<attr>_*: its own, else
 * its role, numbered from the role's second entry on (risk, risk2...). */
static void plugin_attr(const bl_results_plugin_t *plugins, size_t p, char *dst, size_t size) {
    if (plugins[p].attr != NULL) {
        snprintf(dst, size, "%s", plugins[p].attr);
        return;
    }
    size_t ordinal = 1;
    for (size_t q = 0; q < p; q++)
        ordinal += plugins[q].attr == NULL && strcmp(plugins[q].role, plugins[p].role) == 0;
    if (ordinal == 1)
        snprintf(dst, size, "%s", plugins[p].role);
    else
        snprintf(dst, size, "%s%zu", plugins[p].role, ordinal);
}

int bl_results_write_root_locked(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                                 const bl_results_plugin_t *plugins, size_t n_plugins,
                                 bl_error_t *err) {
    assert(bl_results_held(w));
    const bl_scenario_t *sc = run->scenario;
    int schema = BL_RESULTS_SCHEMA;
    unsigned reps = run->n_reps, threads = run->threads;
    double wall = run->wall_seconds;
    char *params = parameters_json(sc);
    int rc = 0;
    if (params == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (H5LTset_attribute_int(w->file, "/", "borderlab_schema", &schema, 1) < 0 ||
        H5LTset_attribute_uint(w->file, "/", "replications", &reps, 1) < 0 ||
        H5LTset_attribute_uint(w->file, "/", "threads", &threads, 1) < 0 ||
        H5LTset_attribute_double(w->file, "/", "wall_seconds", &wall, 1) < 0)
        rc = hdf5_fail(w, err, "cannot write root attributes");
    if (rc == 0)
        rc = set_u64(w, "seed", sc->seed, err);
    const char *texts[][2] = {
        {"harness_version", PACKAGE_VERSION},
        {"job", job},
        {"scenario_path", sc->path},
        {"scenario_name", sc->name},
        {"scenario_source", sc->source},
        {"parameters", params},
        {"host", run->host},
        {"start_time", run->start_time},
        {"command_line", run->command_line},
    };
    for (size_t i = 0; rc == 0 && i < sizeof texts / sizeof texts[0]; i++)
        rc = set_text(w, texts[i][0], texts[i][1], err);
    /* Each plugin's identity on the root too (the /plugins table has the
     * rest), so `h5dump -A` alone says what was measured. */
    for (size_t p = 0; rc == 0 && p < n_plugins; p++) {
        const bl_plugin_handle_t *h = plugins[p].handle;
        char attr[48];
        plugin_attr(plugins, p, attr, sizeof attr);
        const char *fields[][2] = {{"id", h->desc ? h->desc->header.id : ""},
                                   {"version", h->desc ? h->desc->header.version : ""},
                                   {"sha256", h->sha256}};
        for (size_t i = 0; rc == 0 && i < 3; i++) {
            char name[96];
            snprintf(name, sizeof name, "plugin_%s_%s", attr, fields[i][0]);
            rc = set_text(w, name, fields[i][1], err);
        }
    }
    if (rc == 0)
        rc = write_plugins(w, plugins, n_plugins, err);
    free(params);
    return rc;
}

int bl_results_write_root(bl_results_writer_t *w, const bl_run_t *run, const char *job,
                          const bl_results_plugin_t *plugins, size_t n_plugins, bl_error_t *err) {
    int rc;
    if (run == NULL || run->scenario == NULL || job == NULL || (n_plugins > 0 && plugins == NULL))
        return bl_error_set(err, BL_EINVAL, "results: nothing to write (no scenario)");
    for (size_t i = 0; i < n_plugins; i++)
        if (plugins[i].handle == NULL || plugins[i].role == NULL)
            return bl_error_set(err, BL_EINVAL, "results: plugin %zu has no handle or role", i);
    rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = bl_results_write_root_locked(w, run, job, plugins, n_plugins, err);
    bl_results_unlock(w);
    return rc;
}

/* ------------------------------------------------------------------ for job writers */

int bl_results_write_table_at(bl_results_writer_t *w, const bl_results_table_t *t, const char *path,
                              size_t nrows, const void *rows, bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = bl_results_write_table_locked(w, t, path ? path : t->path, nrows, rows, err);
    bl_results_unlock(w);
    return rc;
}

int bl_results_write_table_in(bl_results_writer_t *w, const bl_results_table_t *t,
                              const char *group, const char *name, size_t nrows, const void *rows,
                              bl_error_t *err) {
    char path[512];
    if (snprintf(path, sizeof path, "%s/%s", group, name ? name : t->path) >= (int)sizeof path)
        return bl_error_set(err, BL_EINVAL, "results file %s: path %s/%s is too long", w->temp_path,
                            group, name ? name : t->path);
    return bl_results_write_table_at(w, t, path, nrows, rows, err);
}

int bl_results_set_root_text_locked(bl_results_writer_t *w, const char *name, const char *value,
                                    bl_error_t *err) {
    assert(bl_results_held(w));
    return set_text(w, name, value, err);
}

int bl_results_set_root_text(bl_results_writer_t *w, const char *name, const char *value,
                             bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = set_text(w, name, value, err);
    bl_results_unlock(w);
    return rc;
}

int bl_results_set_root_u64(bl_results_writer_t *w, const char *name, uint64_t value,
                            bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0)
        rc = set_u64(w, name, value, err);
    bl_results_unlock(w);
    return rc;
}

int bl_results_set_root_double(bl_results_writer_t *w, const char *name, double value,
                               bl_error_t *err) {
    int rc = bl_results_lock(w, err);
    if (rc == 0 && H5LTset_attribute_double(w->file, "/", name, &value, 1) < 0) {
        char what[96];
        snprintf(what, sizeof what, "cannot write attribute %s", name);
        rc = hdf5_fail(w, err, what);
    }
    bl_results_unlock(w);
    return rc;
}

/* The plugin configuration as a JSON object of strings (heap). */
static char *plugin_config_json(const bl_plugin_ref_t *ref) {
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o != NULL && ref != NULL && i < ref->n_config; i++)
        cJSON_AddStringToObject(o, ref->config_keys[i], ref->config_values[i]);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static int attributes_fail(bl_results_writer_t *w, const char *path, bl_error_t *err) {
    char what[600];
    snprintf(what, sizeof what, "cannot write the attributes of %s", path);
    return hdf5_fail(w, err, what);
}

int bl_results_write_plugin_group(bl_results_writer_t *w, const char *group,
                                  const bl_plugin_handle_t *handle, const bl_plugin_ref_t *ref,
                                  bl_error_t *err) {
    const bl_plugin_header_t *h = &handle->desc->header;
    char *config = plugin_config_json(ref);
    if (config == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    const char *texts[][2] = {
        {"id", h->id},           {"name", h->name},          {"vendor", h->vendor},
        {"version", h->version}, {"sha256", handle->sha256}, {"path", handle->path},
        {"config", config}};
    int rc = bl_results_lock(w, err);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == 0; i++)
        if (H5LTset_attribute_string(w->file, group, texts[i][0], texts[i][1] ? texts[i][1] : "") <
            0)
            rc = attributes_fail(w, group, err);
    bl_results_unlock(w);
    free(config);
    return rc;
}

int bl_results_set_u64_at(bl_results_writer_t *w, const char *path, const char *name,
                          uint64_t value, bl_error_t *err) {
    hid_t obj = -1, space = -1, attr = -1;
    int rc = bl_results_lock(w, err);
    if (rc != 0)
        goto out;
    obj = H5Oopen(w->file, path, H5P_DEFAULT);
    space = H5Screate(H5S_SCALAR);
    if (obj >= 0 && space >= 0)
        attr = H5Acreate2(obj, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_UINT64, &value) < 0)
        rc = attributes_fail(w, path, err);
out:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (obj >= 0)
        H5Oclose(obj);
    bl_results_unlock(w);
    return rc;
}

int64_t bl_results_file(const bl_results_writer_t *w) { return w ? (int64_t)w->file : -1; }

void bl_results_mark_complete_locked(bl_results_writer_t *w) {
    assert(bl_results_held(w));
    w->written = true;
}

void bl_results_mark_complete(bl_results_writer_t *w) {
    (void)bl_results_lock(w, NULL); /* a closed file stays incomplete: commit says so */
    w->written = true;
    bl_results_unlock(w);
}
