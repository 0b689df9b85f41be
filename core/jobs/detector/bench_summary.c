/*
 * The summary of a detector_bench results file (results/summary.h has the
 * part every job shares): per detector its identity, accuracy metrics and
 * performance modes, and the harness's own overhead; then the text
 * `borderlab run` and `borderlab show` print for it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "jobs/detector/bench_results.h"
#include "results/detector_tables.h"
#include "results/results_schema.h"
#include "results/summary.h"
#include "stats/inference.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
    cJSON_AddNumberToObject(o, "failed_positives", (double)m->failed_positives);
    cJSON_AddNumberToObject(o, "failed_negatives", (double)m->failed_negatives);
    cJSON_AddItemToObject(o, "pd_operational", bl_summary_json_num(m->pd_operational));
    cJSON_AddItemToObject(o, "pd_operational_ci",
                          bl_summary_json_pair(m->pd_operational_low, m->pd_operational_high));
    cJSON_AddItemToObject(o, "pfa_operational", bl_summary_json_num(m->pfa_operational));
    cJSON_AddItemToObject(o, "pfa_operational_ci",
                          bl_summary_json_pair(m->pfa_operational_low, m->pfa_operational_high));
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

/* The detector groups in scenario (creation) order, or by name when the
 * group does not track creation order. */
static int detector_groups(hid_t file, const char *fname, bl_group_names_t *l, bl_error_t *err) {
    memset(l, 0, sizeof *l);
    if (!bl_results_path_exists(file, BL_BENCH_DETECTORS_GROUP))
        return bl_error_set(err, BL_EHDF5, "%s: group %s is missing: the file is incomplete", fname,
                            BL_BENCH_DETECTORS_GROUP);
    hid_t g = H5Gopen2(file, BL_BENCH_DETECTORS_GROUP, H5P_DEFAULT);
    int rc = g < 0 ? BL_EHDF5 : bl_results_group_names(g, l);
    if (g >= 0)
        H5Gclose(g);
    if (rc == BL_ENOMEM)
        return bl_error_set(err, rc, "out of memory listing %s", BL_BENCH_DETECTORS_GROUP);
    if (rc != 0)
        return bl_error_set(err, rc, "%s: cannot list %s", fname, BL_BENCH_DETECTORS_GROUP);
    return 0;
}

int bl_bench_summary_json(int64_t file_id, const char *fname, cJSON *o, bl_error_t *err) {
    hid_t file = (hid_t)file_id;
    bl_group_names_t groups;
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
    bl_summary_json_owned_text(o, "interval_method", bl_results_root_text(file, "interval_method"));
    bl_summary_json_owned_text(o, "scan_set_sha256", bl_results_root_text(file, "scan_set_sha256"));
    cJSON *dets = cJSON_AddArrayToObject(o, "detectors");
    for (size_t i = 0; i < groups.n && rc == 0; i++) {
        char group[300], path[340];
        snprintf(group, sizeof group, "%s/%s", BL_BENCH_DETECTORS_GROUP, groups.names[i]);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddItemToArray(dets, d);
        bl_summary_json_text(d, "label", groups.names[i]);
        static const char *const attrs[] = {"id", "name", "version", "sha256"};
        for (size_t k = 0; k < COUNT(attrs); k++)
            bl_summary_json_owned_text(d, attrs[k], bl_results_attr_text(file, group, attrs[k]));
        cJSON_AddItemToObject(d, "calls", bl_summary_json_num(object_u64(file, group, "calls")));
        cJSON_AddItemToObject(d, "invalid_outputs",
                              bl_summary_json_num(object_u64(file, group, "invalid_outputs")));
        /* scans it failed to process, with the rate's interval (the run's method) */
        double failures = object_u64(file, group, "failures"); /* NaN in older files */
        cJSON_AddNumberToObject(d, "failures", isfinite(failures) ? failures : 0);
        if (isfinite(failures) && scans > 0) {
            char *method = bl_results_root_text(file, "interval_method");
            bool cp = method != NULL && strcmp(method, "clopper-pearson") == 0;
            free(method);
            bl_interval_t r = cp ? bl_clopper_pearson_interval((uint64_t)failures, scans, 0.95)
                                 : bl_wilson_interval((uint64_t)failures, scans, 0.95);
            cJSON_AddItemToObject(d, "failure_rate", bl_summary_json_num(r.estimate));
            cJSON_AddItemToObject(d, "failure_rate_ci", bl_summary_json_pair(r.low, r.high));
        }
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
    bl_group_names_fini(&groups);
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

/* ------------------------------------------------------------------ text */

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

void bl_bench_summary_text(const cJSON *summary, FILE *fp) {
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
                    bl_summary_num(m, "negatives"),
                    bl_summary_with_ci(a, sizeof a, m, "pd", "pd_ci"),
                    bl_summary_with_ci(b, sizeof b, m, "pfa", "pfa_ci"),
                    bl_summary_with_ci(c, sizeof c, m, "auc", "auc_ci"),
                    bl_summary_fmt(e, sizeof e, "%.3f", bl_summary_num(m, "pd_at_pfa1")),
                    bl_summary_fmt(f, sizeof f, "%.3f", bl_summary_num(m, "pd_at_pfa5")),
                    bl_summary_fmt(g, sizeof g, "%.3f", bl_summary_num(m, "ap50")));
        }
        if (bl_summary_num(d, "failures") > 0) {
            const cJSON *any =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "metrics"), 0);
            fprintf(fp,
                    "    failures to process: %.0f of %.0f scans, rate %s; the rows above "
                    "leave them out\n",
                    bl_summary_num(d, "failures"), bl_summary_num(summary, "scans"),
                    bl_summary_with_ci(a, sizeof a, d, "failure_rate", "failure_rate_ci"));
            if (any != NULL)
                fprintf(
                    fp, "    operational (each failure an alarm): any Pd %s, Pfa %s\n",
                    bl_summary_with_ci(b, sizeof b, any, "pd_operational", "pd_operational_ci"),
                    bl_summary_with_ci(c, sizeof c, any, "pfa_operational", "pfa_operational_ci"));
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
        double batch = bl_summary_num(o, "batch"), ns = bl_summary_num(o, "ns_per_scan");
        if (strcmp(bl_summary_text(o, "mode"), "isolated") == 0)
            fprintf(fp,
                    "  harness overhead (no-op detector, isolated, batch %.0f): %.0f ns/scan, "
                    "%.1f us/batch\n",
                    batch, ns, ns * batch / 1000.0);
        else
            fprintf(fp, "  harness overhead (no-op detector, %s, batch %.0f): %.0f ns/scan\n",
                    bl_summary_text(o, "mode"), batch, ns);
    }
}
