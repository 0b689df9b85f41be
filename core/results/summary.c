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

#include "results/detector_tables.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "jobs/risk/risk_results.h"
#include "jobs/store/store_soak.h"

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
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ------------------------------------------------------------------ detector_bench */

static double object_u64(hid_t file, const char *path, const char *name) {
    uint64_t v = 0;
    if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) <= 0)
        return NAN;
    hid_t a = H5Aopen_by_name(file, path, name, H5P_DEFAULT, H5P_DEFAULT);
    bool ok = a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    return ok ? (double)v : NAN;
}

static void add_owned_text(cJSON *o, const char *key, char *value) {
    bl_summary_json_text(o, key, value);
    free(value);
}

typedef struct names {
    size_t n, cap;
    char **items;
} names_t;

static herr_t collect_name(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group;
    (void)info;
    names_t *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **grown = realloc(l->items, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n] = strdup(name);
    return l->items[l->n++] == NULL ? -1 : 0;
}

static void names_free(names_t *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* The detector groups in scenario (creation) order, or by name when the
 * group does not track creation order. */
static int detector_groups(hid_t file, const char *fname, names_t *l, bl_error_t *err) {
    memset(l, 0, sizeof *l);
    if (!bl_results_path_exists(file, BL_BENCH_DETECTORS_GROUP))
        return bl_error_set(err, BL_EHDF5, "%s: group %s is missing: the file is incomplete", fname,
                            BL_BENCH_DETECTORS_GROUP);
    hid_t g = H5Gopen2(file, BL_BENCH_DETECTORS_GROUP, H5P_DEFAULT);
    hsize_t idx = 0;
    herr_t ok = g < 0 ? -1 : H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_name, l);
    if (g >= 0 && ok < 0) {
        names_free(l);
        idx = 0;
        ok = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, l);
    }
    if (g >= 0)
        H5Gclose(g);
    if (ok < 0) {
        names_free(l);
        return bl_error_set(err, BL_EHDF5, "%s: cannot list %s", fname, BL_BENCH_DETECTORS_GROUP);
    }
    return 0;
}

static cJSON *metric_json(const bl_bench_metric_row_t *m) {
    cJSON *o = cJSON_CreateObject();
    bl_summary_json_text(o, "class", m->class);
    cJSON_AddNumberToObject(o, "positives", (double)m->positives);
    cJSON_AddNumberToObject(o, "negatives", (double)m->negatives);
    cJSON_AddItemToObject(o, "pd", bl_summary_json_num(m->pd));
    cJSON_AddItemToObject(o, "pd_ci", bl_summary_json_pair(m->pd_low, m->pd_high));
    cJSON_AddItemToObject(o, "pfa", bl_summary_json_num(m->pfa));
    cJSON_AddItemToObject(o, "pfa_ci", bl_summary_json_pair(m->pfa_low, m->pfa_high));
    cJSON_AddItemToObject(o, "auc", bl_summary_json_num(m->auc));
    cJSON_AddItemToObject(o, "auc_ci", bl_summary_json_pair(m->auc_low, m->auc_high));
    cJSON_AddItemToObject(o, "pd_at_pfa1", bl_summary_json_num(m->pd_at_pfa1));
    cJSON_AddItemToObject(o, "pd_at_pfa1_ci",
                          bl_summary_json_pair(m->pd_at_pfa1_low, m->pd_at_pfa1_high));
    cJSON_AddItemToObject(o, "pd_at_pfa5", bl_summary_json_num(m->pd_at_pfa5));
    cJSON_AddItemToObject(o, "pd_at_pfa5_ci",
                          bl_summary_json_pair(m->pd_at_pfa5_low, m->pd_at_pfa5_high));
    cJSON_AddItemToObject(o, "ap50", bl_summary_json_num(m->ap50));
    return o;
}

/* The optional one-row performance tables of a detector into o. */
static void performance_json(hid_t file, const char *group, const char *fname, cJSON *o) {
    char path[320];
    bl_error_t ignored;
    void *rows = NULL;
    size_t n = 0;

    double best = NAN;
    snprintf(path, sizeof path, "%s/offline", group);
    cJSON *offline = cJSON_AddArrayToObject(o, "offline");
    bl_error_clear(&ignored);
    if (bl_results_path_exists(file, path) &&
        bl_results_table_read_at(file, &bl_bench_offline_table, path, &rows, &n, fname, &ignored) ==
            0) {
        const bl_bench_offline_row_t *r = rows;
        for (size_t i = 0; i < n; i++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "batch", r[i].batch);
            cJSON_AddNumberToObject(p, "threads", r[i].threads);
            cJSON_AddItemToObject(p, "scans_per_s", bl_summary_json_num(r[i].scans_per_s));
            cJSON_AddItemToArray(offline, p);
            if (isfinite(r[i].scans_per_s) && !(r[i].scans_per_s <= best))
                best = r[i].scans_per_s;
        }
    }
    free(rows);
    rows = NULL;
    cJSON_AddItemToObject(o, "offline_best_scans_per_s", bl_summary_json_num(best));

    cJSON *single = NULL;
    snprintf(path, sizeof path, "%s/single_stream", group);
    bl_error_clear(&ignored);
    if (bl_results_path_exists(file, path) &&
        bl_results_table_read_at(file, &bl_bench_single_stream_table, path, &rows, &n, fname,
                                 &ignored) == 0 &&
        n == 1) {
        const bl_bench_single_row_t *r = rows;
        single = cJSON_CreateObject();
        cJSON_AddNumberToObject(single, "queries", (double)r->queries);
        cJSON_AddItemToObject(single, "mean", bl_summary_json_num(r->mean));
        cJSON_AddItemToObject(single, "p50", bl_summary_json_num(r->p50));
        cJSON_AddItemToObject(single, "p90", bl_summary_json_num(r->p90));
        cJSON_AddItemToObject(single, "p99", bl_summary_json_num(r->p99));
    }
    free(rows);
    rows = NULL;
    cJSON_AddItemToObject(o, "single_stream", single ? single : cJSON_CreateNull());

    cJSON *srv = NULL;
    snprintf(path, sizeof path, "%s/server", group);
    bl_error_clear(&ignored);
    if (bl_results_path_exists(file, path) &&
        bl_results_table_read_at(file, &bl_bench_server_table, path, &rows, &n, fname, &ignored) ==
            0 &&
        n == 1) {
        const bl_bench_server_row_t *r = rows;
        srv = cJSON_CreateObject();
        cJSON_AddItemToObject(srv, "target_rate", bl_summary_json_num(r->target_rate));
        cJSON_AddItemToObject(srv, "achieved_rate", bl_summary_json_num(r->achieved_rate));
        cJSON_AddItemToObject(srv, "p50", bl_summary_json_num(r->p50));
        cJSON_AddItemToObject(srv, "p99", bl_summary_json_num(r->p99));
        cJSON_AddItemToObject(srv, "bound", bl_summary_json_num(r->bound));
        cJSON_AddBoolToObject(srv, "met", r->met != 0);
    }
    free(rows);
    cJSON_AddItemToObject(o, "server", srv ? srv : cJSON_CreateNull());
}

static int bench_json(hid_t file, const char *fname, cJSON *o, bl_error_t *err) {
    names_t groups;
    bl_bench_overhead_row_t *over = NULL;
    size_t n_over = 0;
    uint64_t scans = 0;
    double threshold = NAN;
    int rc = detector_groups(file, fname, &groups, err);
    if (rc != 0)
        return rc;
    bl_results_root_number(file, "scans", H5T_NATIVE_UINT64, &scans);
    bl_results_root_number(file, "threshold", H5T_NATIVE_DOUBLE, &threshold);
    cJSON_AddNumberToObject(o, "scans", (double)scans);
    cJSON_AddItemToObject(o, "threshold", bl_summary_json_num(threshold));
    add_owned_text(o, "interval_method", bl_results_root_text(file, "interval_method"));
    add_owned_text(o, "scan_set_sha256", bl_results_root_text(file, "scan_set_sha256"));
    cJSON *dets = cJSON_AddArrayToObject(o, "detectors");
    for (size_t i = 0; i < groups.n && rc == 0; i++) {
        char group[300], path[340];
        snprintf(group, sizeof group, "%s/%s", BL_BENCH_DETECTORS_GROUP, groups.items[i]);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddItemToArray(dets, d);
        bl_summary_json_text(d, "label", groups.items[i]);
        static const char *const attrs[] = {"id", "name", "version", "sha256"};
        for (size_t k = 0; k < COUNT(attrs); k++)
            add_owned_text(d, attrs[k], bl_results_attr_text(file, group, attrs[k]));
        cJSON_AddItemToObject(d, "calls", bl_summary_json_num(object_u64(file, group, "calls")));
        cJSON_AddItemToObject(d, "invalid_outputs",
                              bl_summary_json_num(object_u64(file, group, "invalid_outputs")));
        bl_bench_metric_row_t *m = NULL;
        size_t n_m = 0;
        snprintf(path, sizeof path, "%s/metrics", group);
        rc = bl_results_table_read_at(file, &bl_bench_metrics_table, path, (void **)&m, &n_m, fname,
                                      err);
        cJSON *metrics = cJSON_AddArrayToObject(d, "metrics");
        for (size_t k = 0; rc == 0 && k < n_m; k++)
            cJSON_AddItemToArray(metrics, metric_json(&m[k]));
        free(m);
        if (rc == 0)
            performance_json(file, group, fname, d);
    }
    names_free(&groups);
    if (rc != 0)
        return rc;
    cJSON *oa = cJSON_AddArrayToObject(o, "overhead");
    bl_error_t ignored;
    bl_error_clear(&ignored);
    if (bl_results_table_read(file, &bl_bench_overhead_table, (void **)&over, &n_over, fname,
                              &ignored) == 0)
        for (size_t i = 0; i < n_over; i++) {
            cJSON *r = cJSON_CreateObject();
            bl_summary_json_text(r, "mode", over[i].mode);
            cJSON_AddNumberToObject(r, "batch", over[i].batch);
            cJSON_AddNumberToObject(r, "threads", over[i].threads);
            cJSON_AddItemToObject(r, "ns_per_scan", bl_summary_json_num(over[i].ns_per_scan));
            cJSON_AddItemToArray(oa, r);
        }
    free(over);
    return 0;
}

/* ------------------------------------------------------------------ risk_validation */

static cJSON *at_rate_json(const bl_risk_at_rate_row_t *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "rate", bl_summary_json_num(r->rate));
    cJSON_AddNumberToObject(o, "k", (double)r->k);
    cJSON_AddNumberToObject(o, "frauds_caught", (double)r->frauds_caught);
    cJSON_AddNumberToObject(o, "frauds_total", (double)r->frauds_total);
    cJSON_AddItemToObject(o, "precision", bl_summary_json_num(r->precision));
    cJSON_AddItemToObject(o, "precision_ci",
                          bl_summary_json_pair(r->precision_low, r->precision_high));
    cJSON_AddItemToObject(o, "recall", bl_summary_json_num(r->recall));
    cJSON_AddItemToObject(o, "recall_ci", bl_summary_json_pair(r->recall_low, r->recall_high));
    cJSON_AddItemToObject(o, "revenue_caught", bl_summary_json_num(r->revenue_caught));
    cJSON_AddItemToObject(o, "revenue_total", bl_summary_json_num(r->revenue_total));
    cJSON_AddItemToObject(o, "revenue_share", bl_summary_json_num(r->revenue_share));
    cJSON_AddItemToObject(o, "revenue_share_ci",
                          bl_summary_json_pair(r->revenue_share_low, r->revenue_share_high));
    return o;
}

/* One model's group: identity, summary row and at_rate table. */
static int risk_model_json(hid_t file, const char *fname, const char *label, cJSON *models,
                           bl_error_t *err) {
    char group[128], path[192];
    snprintf(group, sizeof group, "%s/%s", BL_RISK_MODELS_GROUP, label);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToArray(models, m);
    bl_summary_json_text(m, "label", label);
    static const char *const attrs[] = {"id", "name", "version", "sha256"};
    for (size_t k = 0; k < COUNT(attrs); k++)
        add_owned_text(m, attrs[k], bl_results_attr_text(file, group, attrs[k]));
    bl_risk_summary_row_t *sum = NULL;
    bl_risk_at_rate_row_t *at = NULL;
    size_t n_sum = 0, n_at = 0;
    snprintf(path, sizeof path, "%s/summary", group);
    int rc = bl_results_table_read_at(file, &bl_risk_summary_table, path, (void **)&sum, &n_sum,
                                      fname, err);
    if (rc == 0 && n_sum != 1)
        rc = bl_error_set(err, BL_EHDF5, "%s: %s has %zu rows, expected 1", fname, path, n_sum);
    if (rc == 0) {
        cJSON_AddNumberToObject(m, "declarations", (double)sum->declarations);
        cJSON_AddNumberToObject(m, "frauds", (double)sum->frauds);
        cJSON_AddItemToObject(m, "auc", bl_summary_json_num(sum->auc));
        cJSON_AddItemToObject(m, "auc_ci", bl_summary_json_pair(sum->auc_low, sum->auc_high));
        cJSON_AddItemToObject(m, "pr_auc", bl_summary_json_num(sum->pr_auc));
        cJSON_AddItemToObject(m, "brier", bl_summary_json_num(sum->brier));
        cJSON_AddNumberToObject(m, "invalid_scores", (double)sum->invalid_scores);
        snprintf(path, sizeof path, "%s/at_rate", group);
        rc = bl_results_table_read_at(file, &bl_risk_at_rate_table, path, (void **)&at, &n_at,
                                      fname, err);
    }
    cJSON *rates = cJSON_AddArrayToObject(m, "at_rate");
    for (size_t i = 0; rc == 0 && i < n_at; i++)
        cJSON_AddItemToArray(rates, at_rate_json(&at[i]));
    free(sum);
    free(at);
    return rc;
}

static int risk_json(hid_t file, const char *fname, cJSON *o, bl_error_t *err) {
    uint64_t declarations = 0, evaluated = 0, bootstrap = 0, failed = 0;
    double weekly = NAN;
    bl_results_root_number(file, "declarations", H5T_NATIVE_UINT64, &declarations);
    bl_results_root_number(file, "evaluated", H5T_NATIVE_UINT64, &evaluated);
    bl_results_root_number(file, "bootstrap", H5T_NATIVE_UINT64, &bootstrap);
    bl_results_root_number(file, "gates_failed", H5T_NATIVE_UINT64, &failed);
    bl_results_root_number(file, "weekly_rate", H5T_NATIVE_DOUBLE, &weekly);
    cJSON_AddNumberToObject(o, "declarations", (double)declarations);
    cJSON_AddNumberToObject(o, "evaluated", (double)evaluated);
    add_owned_text(o, "source", bl_results_root_text(file, "source"));
    add_owned_text(o, "declaration_set_sha256",
                   bl_results_root_text(file, "declaration_set_sha256"));
    char *rates = bl_results_root_text(file, "rates");
    cJSON *rl = rates ? cJSON_Parse(rates) : NULL;
    free(rates);
    cJSON_AddItemToObject(o, "rates", rl ? rl : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "weekly_rate", bl_summary_json_num(weekly));
    cJSON_AddNumberToObject(o, "bootstrap", (double)bootstrap);
    char *baseline = bl_results_root_text(file, "baseline");
    bl_summary_json_text(o, "baseline", baseline && baseline[0] ? baseline : NULL);
    free(baseline);

    char *labels = bl_results_root_text(file, "models");
    cJSON *ll = labels ? cJSON_Parse(labels) : NULL;
    free(labels);
    if (!cJSON_IsArray(ll)) {
        cJSON_Delete(ll);
        return bl_error_set(err, BL_EHDF5, "%s: no models attribute: the file is incomplete",
                            fname);
    }
    cJSON *models = cJSON_AddArrayToObject(o, "models");
    const cJSON *l;
    int rc = 0;
    cJSON_ArrayForEach(l, ll) {
        if (rc == 0 && cJSON_IsString(l))
            rc = risk_model_json(file, fname, l->valuestring, models, err);
    }
    cJSON_Delete(ll);

    bl_risk_comparison_row_t *cmp = NULL;
    bl_risk_gate_row_t *gates = NULL;
    size_t n_cmp = 0, n_gates = 0;
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_risk_comparison_table, (void **)&cmp, &n_cmp, fname,
                                   err);
    if (rc == 0)
        rc =
            bl_results_table_read(file, &bl_risk_gate_table, (void **)&gates, &n_gates, fname, err);
    cJSON *ca = cJSON_AddArrayToObject(o, "comparisons");
    for (size_t i = 0; rc == 0 && i < n_cmp; i++) {
        cJSON *c = cJSON_CreateObject();
        bl_summary_json_text(c, "a", cmp[i].a);
        bl_summary_json_text(c, "b", cmp[i].b);
        cJSON_AddItemToObject(c, "rate", bl_summary_json_num(cmp[i].rate));
        cJSON_AddItemToObject(c, "precision_a", bl_summary_json_num(cmp[i].precision_a));
        cJSON_AddItemToObject(c, "precision_b", bl_summary_json_num(cmp[i].precision_b));
        cJSON_AddItemToObject(c, "difference", bl_summary_json_num(cmp[i].difference));
        cJSON_AddItemToObject(c, "difference_ci", bl_summary_json_pair(cmp[i].low, cmp[i].high));
        cJSON_AddNumberToObject(c, "only_a", (double)cmp[i].only_a);
        cJSON_AddNumberToObject(c, "only_b", (double)cmp[i].only_b);
        cJSON_AddItemToObject(c, "p_value", bl_summary_json_num(cmp[i].p_value));
        cJSON_AddItemToArray(ca, c);
    }
    cJSON *ga = cJSON_AddArrayToObject(o, "gates");
    for (size_t i = 0; rc == 0 && i < n_gates; i++) {
        cJSON *g = cJSON_CreateObject();
        bl_summary_json_text(g, "model", gates[i].model);
        bl_summary_json_text(g, "metric", gates[i].metric);
        cJSON_AddItemToObject(g, "bound", bl_summary_json_num(gates[i].bound));
        cJSON_AddItemToObject(g, "value", bl_summary_json_num(gates[i].value));
        cJSON_AddItemToObject(g, "shortfall", bl_summary_json_num(gates[i].shortfall));
        cJSON_AddBoolToObject(g, "passed", gates[i].passed != 0);
        cJSON_AddItemToArray(ga, g);
    }
    cJSON_AddNumberToObject(o, "gates_failed", (double)failed);
    free(cmp);
    free(gates);
    return rc;
}

/* ------------------------------------------------------------------ store_soak */

static int soak_json(hid_t file, const char *fname, cJSON *o, bl_error_t *err) {
    bl_soak_verb_row_t *verbs = NULL;
    bl_soak_summary_row_t *sum = NULL;
    size_t n_verbs = 0, n_sum = 0;
    int rc =
        bl_results_table_read(file, &bl_soak_verbs_table, (void **)&verbs, &n_verbs, fname, err);
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_soak_summary_table, (void **)&sum, &n_sum, fname, err);
    if (rc == 0 && n_sum != 1)
        rc = bl_error_set(err, BL_EHDF5, "%s: %s has %zu rows, expected 1", fname,
                          bl_soak_summary_table.path, n_sum);
    if (rc == 0) {
        add_owned_text(o, "store_policy", bl_results_root_text(file, "store_policy"));
        cJSON *s = cJSON_AddObjectToObject(o, "store");
        cJSON_AddNumberToObject(s, "clients", sum->clients);
        cJSON_AddNumberToObject(s, "operations", (double)sum->operations);
        cJSON_AddItemToObject(s, "seconds", bl_summary_json_num(sum->seconds));
        cJSON_AddItemToObject(s, "ops_per_second", bl_summary_json_num(sum->ops_per_second));
        cJSON_AddItemToObject(s, "target_rate", bl_summary_json_num(sum->target_rate));
        cJSON_AddBoolToObject(s, "verify_ok", sum->verify_ok != 0);
        cJSON_AddNumberToObject(s, "entries", (double)sum->entries);
        cJSON_AddNumberToObject(s, "first_bad", (double)sum->first_bad);
        cJSON_AddNumberToObject(s, "items", (double)sum->items);
        cJSON_AddItemToObject(s, "utilisation", bl_summary_json_num(sum->utilisation));
        cJSON_AddNumberToObject(s, "misplaced", (double)sum->misplaced);
        cJSON_AddNumberToObject(s, "discrepancies", (double)sum->discrepancies);
        cJSON_AddNumberToObject(s, "inventories", (double)sum->inventories);
        cJSON_AddItemToObject(s, "retrieve_time_mean",
                              bl_summary_json_num(sum->retrieve_time_mean));
        cJSON_AddItemToObject(s, "retrieve_time_p50", bl_summary_json_num(sum->retrieve_time_p50));
        cJSON_AddItemToObject(s, "retrieve_time_p90", bl_summary_json_num(sum->retrieve_time_p90));
        cJSON_AddItemToObject(s, "retrieve_time_max", bl_summary_json_num(sum->retrieve_time_max));
        cJSON *va = cJSON_AddArrayToObject(s, "verbs");
        for (size_t i = 0; i < n_verbs; i++) {
            const bl_soak_verb_row_t *r = &verbs[i];
            cJSON *v = cJSON_CreateObject();
            bl_summary_json_text(v, "verb", r->verb);
            cJSON_AddNumberToObject(v, "ops", (double)r->ops);
            cJSON_AddNumberToObject(v, "errors", (double)r->errors);
            cJSON_AddNumberToObject(v, "refused", (double)r->refused);
            cJSON_AddItemToObject(v, "latency_mean", bl_summary_json_num(r->latency_mean));
            cJSON_AddItemToObject(v, "latency_p50", bl_summary_json_num(r->latency_p50));
            cJSON_AddItemToObject(v, "latency_p90", bl_summary_json_num(r->latency_p90));
            cJSON_AddItemToObject(v, "latency_p99", bl_summary_json_num(r->latency_p99));
            cJSON_AddItemToObject(v, "latency_max", bl_summary_json_num(r->latency_max));
            cJSON_AddItemToArray(va, v);
        }
    }
    free(verbs);
    free(sum);
    return rc;
}

int bl_summary_load(const char *path, cJSON **out, bl_error_t *err) {
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
    char *job = bl_results_root_text(file, "job");
    bool bench = job != NULL && strcmp(job, "detector_bench") == 0;
    bool risk = job != NULL && strcmp(job, "risk_validation") == 0;
    bool soak = job != NULL && strcmp(job, "store_soak") == 0;
    free(job);
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
    rc = bench  ? bench_json(file, path, o, err)
         : risk ? risk_json(file, path, o, err)
         : soak ? soak_json(file, path, o, err)
                : bl_summary_checkpoint_json(file, path, o, err);
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

/* A number or "-" when missing, into buf. */
const char *bl_summary_fmt(char *buf, size_t size, const char *format, double x) {
    if (isfinite(x))
        snprintf(buf, size, format, x);
    else
        snprintf(buf, size, "-");
    return buf;
}

/* "0.912 [0.890, 0.931]" or "-" into buf. */
static const char *with_ci(char *buf, size_t size, const cJSON *o, const char *key,
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

/* A duration in s as "12.3 ms" / "4.5 us" into buf. */
static const char *seconds_text(char *buf, size_t size, double s) {
    if (!isfinite(s))
        snprintf(buf, size, "-");
    else if (s >= 1)
        snprintf(buf, size, "%.2f s", s);
    else if (s >= 1e-3)
        snprintf(buf, size, "%.2f ms", s * 1e3);
    else
        snprintf(buf, size, "%.1f us", s * 1e6);
    return buf;
}

static void bench_text(const cJSON *summary, FILE *fp) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
    fprintf(fp, "%s: detector_bench, %.0f scans, seed %s, threshold %.2f (%s intervals), file %s\n",
            bl_summary_text(sc, "name"), bl_summary_num(summary, "scans"),
            bl_summary_text(summary, "seed"), bl_summary_num(summary, "threshold"),
            bl_summary_text(summary, "interval_method"), bl_summary_text(summary, "file"));
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(summary, "detectors")) {
        char a[48], b[48], c[48], e[32], f[32], g[32];
        fprintf(fp, "  %s %s, sha256 %.12s, invalid outputs %.0f\n", bl_summary_text(d, "id"),
                bl_summary_text(d, "version"), bl_summary_text(d, "sha256"),
                bl_summary_num(d, "invalid_outputs"));
        fprintf(fp, "    %-10s %5s %5s  %-22s %-22s %-22s %6s %6s %6s\n", "class", "pos", "neg",
                "Pd [95% CI]", "Pfa [95% CI]", "AUC [95% CI]", "Pd@1%", "Pd@5%", "AP50");
        const cJSON *m;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(d, "metrics")) {
            fprintf(fp, "    %-10s %5.0f %5.0f  %-22s %-22s %-22s %6s %6s %6s\n",
                    bl_summary_text(m, "class"), bl_summary_num(m, "positives"),
                    bl_summary_num(m, "negatives"), with_ci(a, sizeof a, m, "pd", "pd_ci"),
                    with_ci(b, sizeof b, m, "pfa", "pfa_ci"),
                    with_ci(c, sizeof c, m, "auc", "auc_ci"),
                    bl_summary_fmt(e, sizeof e, "%.3f", bl_summary_num(m, "pd_at_pfa1")),
                    bl_summary_fmt(f, sizeof f, "%.3f", bl_summary_num(m, "pd_at_pfa5")),
                    bl_summary_fmt(g, sizeof g, "%.3f", bl_summary_num(m, "ap50")));
        }
        double best = bl_summary_num(d, "offline_best_scans_per_s");
        const cJSON *single = cJSON_GetObjectItemCaseSensitive(d, "single_stream");
        const cJSON *srv = cJSON_GetObjectItemCaseSensitive(d, "server");
        if (isfinite(best))
            fprintf(fp, "    offline: best %.1f scans/s\n", best);
        if (cJSON_IsObject(single))
            fprintf(fp, "    single-stream: p50 %s, p99 %s\n",
                    seconds_text(a, sizeof a, bl_summary_num(single, "p50")),
                    seconds_text(b, sizeof b, bl_summary_num(single, "p99")));
        if (cJSON_IsObject(srv))
            fprintf(fp, "    server at %.1f/s (achieved %.1f/s): p99 %s, bound %s: %s\n",
                    bl_summary_num(srv, "target_rate"), bl_summary_num(srv, "achieved_rate"),
                    seconds_text(a, sizeof a, bl_summary_num(srv, "p99")),
                    seconds_text(b, sizeof b, bl_summary_num(srv, "bound")),
                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(srv, "met")) ? "met" : "NOT MET");
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(summary, "overhead")) {
        fprintf(fp, "  harness overhead (no-op detector, %s, batch %.0f): %.0f ns/scan\n",
                bl_summary_text(o, "mode"), bl_summary_num(o, "batch"),
                bl_summary_num(o, "ns_per_scan"));
    }
}

/* "5%" or "2.5%" into buf. */
static const char *percent(char *buf, size_t size, double rate) {
    snprintf(buf, size, "%.6g%%", rate);
    return buf;
}

static void risk_text(const cJSON *summary, FILE *fp) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
    fprintf(fp,
            "%s: risk_validation, %.0f declarations (%.0f labelled, evaluated), seed %s, "
            "file %s\n",
            bl_summary_text(sc, "name"), bl_summary_num(summary, "declarations"),
            bl_summary_num(summary, "evaluated"), bl_summary_text(summary, "seed"),
            bl_summary_text(summary, "file"));
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(summary, "models")) {
        char a[48], b[48], c[48], d[24];
        fprintf(fp, "  %s: %s %s, sha256 %.12s, %.0f frauds, invalid scores %.0f\n",
                bl_summary_text(m, "label"), bl_summary_text(m, "id"),
                bl_summary_text(m, "version"), bl_summary_text(m, "sha256"),
                bl_summary_num(m, "frauds"), bl_summary_num(m, "invalid_scores"));
        fprintf(fp, "    %6s %8s  %-22s %-22s %-22s\n", "rate", "k", "precision [95% CI]",
                "recall [95% CI]", "revenue share [95% CI]");
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "at_rate")) {
            fprintf(fp, "    %6s %8.0f  %-22s %-22s %-22s\n",
                    percent(d, sizeof d, bl_summary_num(r, "rate")), bl_summary_num(r, "k"),
                    with_ci(a, sizeof a, r, "precision", "precision_ci"),
                    with_ci(b, sizeof b, r, "recall", "recall_ci"),
                    with_ci(c, sizeof c, r, "revenue_share", "revenue_share_ci"));
        }
        fprintf(fp, "    AUC %s, PR AUC %s, Brier %s\n", with_ci(a, sizeof a, m, "auc", "auc_ci"),
                bl_summary_fmt(b, sizeof b, "%.3f", bl_summary_num(m, "pr_auc")),
                bl_summary_fmt(c, sizeof c, "%.4f", bl_summary_num(m, "brier")));
    }
    const cJSON *cmp = cJSON_GetObjectItemCaseSensitive(summary, "comparisons");
    if (cJSON_GetArraySize(cmp) > 0)
        fprintf(fp, "  comparisons (precision a - b, paired bootstrap 95%% CI, McNemar p):\n");
    const cJSON *x;
    cJSON_ArrayForEach(x, cmp) {
        char a[48], d[24], p[24];
        const cJSON *ci = cJSON_GetObjectItemCaseSensitive(x, "difference_ci");
        double diff = bl_summary_num(x, "difference");
        if (cJSON_IsArray(ci) && cJSON_GetArraySize(ci) == 2 && isfinite(diff))
            snprintf(a, sizeof a, "%+.3f [%+.3f, %+.3f]", diff,
                     cJSON_GetArrayItem(ci, 0)->valuedouble,
                     cJSON_GetArrayItem(ci, 1)->valuedouble);
        else
            bl_summary_fmt(a, sizeof a, "%+.3f", diff);
        double pv = bl_summary_num(x, "p_value");
        if (isfinite(pv) && pv < 1e-16)
            snprintf(p, sizeof p, "<1e-16");
        else if (isfinite(pv) && pv < 1e-4)
            snprintf(p, sizeof p, "%.1e", pv);
        else
            bl_summary_fmt(p, sizeof p, "%.4f", pv);
        fprintf(fp, "    %s vs %s at %s: %s, p %s\n", bl_summary_text(x, "a"),
                bl_summary_text(x, "b"), percent(d, sizeof d, bl_summary_num(x, "rate")), a, p);
    }
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(summary, "gates");
    if (cJSON_GetArraySize(gates) > 0)
        fprintf(fp, "  gates:\n");
    cJSON_ArrayForEach(x, gates) {
        char v[24], s[24];
        bool passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "passed"));
        fprintf(fp, "    %s of %s: %s, bound %.6g: %s", bl_summary_text(x, "metric"),
                bl_summary_text(x, "model"),
                bl_summary_fmt(v, sizeof v, "%.3f", bl_summary_num(x, "value")),
                bl_summary_num(x, "bound"), passed ? "passed" : "FAILED");
        if (!passed)
            fprintf(fp, " (%s short)",
                    bl_summary_fmt(s, sizeof s, "%.3f", bl_summary_num(x, "shortfall")));
        fputc('\n', fp);
    }
}

static void soak_text(const cJSON *summary, FILE *fp) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(summary, "store");
    char a[32], b[32], c[32], d[32], e[32];
    double target = bl_summary_num(s, "target_rate");
    fprintf(fp,
            "%s: store_soak, %.0f clients, %.0f operations in %s s (%s ops/s, target %s), "
            "seed %s, file %s\n",
            bl_summary_text(sc, "name"), bl_summary_num(s, "clients"),
            bl_summary_num(s, "operations"),
            bl_summary_fmt(a, sizeof a, "%.2f", bl_summary_num(s, "seconds")),
            bl_summary_fmt(b, sizeof b, "%.0f", bl_summary_num(s, "ops_per_second")),
            target > 0 ? bl_summary_fmt(c, sizeof c, "%.0f/s", target) : "as fast as possible",
            bl_summary_text(summary, "seed"), bl_summary_text(summary, "file"));
    fprintf(fp, "  %-9s %9s %7s %8s %11s %11s %11s %11s\n", "verb", "ops", "errors", "refused",
            "p50 (us)", "p90 (us)", "p99 (us)", "max (us)");
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(s, "verbs")) {
        fprintf(fp, "  %-9s %9.0f %7.0f %8.0f %11s %11s %11s %11s\n", bl_summary_text(v, "verb"),
                bl_summary_num(v, "ops"), bl_summary_num(v, "errors"), bl_summary_num(v, "refused"),
                bl_summary_fmt(a, sizeof a, "%.1f", bl_summary_num(v, "latency_p50") * 1e6),
                bl_summary_fmt(b, sizeof b, "%.1f", bl_summary_num(v, "latency_p90") * 1e6),
                bl_summary_fmt(c, sizeof c, "%.1f", bl_summary_num(v, "latency_p99") * 1e6),
                bl_summary_fmt(d, sizeof d, "%.1f", bl_summary_num(v, "latency_max") * 1e6));
    }
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(s, "verify_ok");
    fprintf(fp, "  verify %s (%.0f custody entries%s); policy %s, utilisation %s%%, %.0f items\n",
            cJSON_IsTrue(ok) ? "passed" : "FAILED", bl_summary_num(s, "entries"),
            cJSON_IsTrue(ok)
                ? ""
                : bl_summary_fmt(e, sizeof e, ", first bad %.0f", bl_summary_num(s, "first_bad")),
            bl_summary_text(summary, "store_policy"),
            bl_summary_fmt(a, sizeof a, "%.1f", bl_summary_num(s, "utilisation") * 100),
            bl_summary_num(s, "items"));
    fprintf(fp,
            "  %.0f misplaced on moves, %.0f discrepancies found by %.0f inventory scans; "
            "time to retrieve mean %s s, p90 %s s (simulated)\n",
            bl_summary_num(s, "misplaced"), bl_summary_num(s, "discrepancies"),
            bl_summary_num(s, "inventories"),
            bl_summary_fmt(b, sizeof b, "%.0f", bl_summary_num(s, "retrieve_time_mean")),
            bl_summary_fmt(c, sizeof c, "%.0f", bl_summary_num(s, "retrieve_time_p90")));
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary, "plugins")) {
        fprintf(fp, "  plugin %-8s %s %s, calls %.0f, sha256 %.12s\n", bl_summary_text(p, "role"),
                bl_summary_text(p, "id"), bl_summary_text(p, "version"), bl_summary_num(p, "calls"),
                bl_summary_text(p, "sha256"));
    }
}

void bl_summary_print_text(const cJSON *summary, FILE *fp) {
    if (strcmp(bl_summary_text(summary, "job"), "store_soak") == 0) {
        soak_text(summary, fp);
        return;
    }
    if (strcmp(bl_summary_text(summary, "job"), "risk_validation") == 0) {
        risk_text(summary, fp);
        return;
    }
    if (strcmp(bl_summary_text(summary, "job"), "detector_bench") == 0) {
        bench_text(summary, fp);
        return;
    }
    bl_summary_checkpoint_text(summary, fp);
}
