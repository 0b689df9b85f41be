/*
 * The summary of a risk_validation results file (results/summary.h has the
 * part every job shares): per model its identity, summary row and the
 * metrics at each inspection rate, the comparisons and the rollout gates;
 * then the text `borderlab run` and `borderlab show` print for it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "jobs/risk/risk_results.h"
#include "results/results_schema.h"
#include "results/summary.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
        bl_summary_json_owned_text(m, attrs[k], bl_results_attr_text(file, group, attrs[k]));
    uint64_t failures = 0; /* absent in files from before isolation: none */
    if (H5Aexists_by_name(file, group, "failures", H5P_DEFAULT) > 0) {
        hid_t a = H5Aopen_by_name(file, group, "failures", H5P_DEFAULT, H5P_DEFAULT);
        if (a < 0 || H5Aread(a, H5T_NATIVE_UINT64, &failures) < 0)
            failures = 0;
        if (a >= 0)
            H5Aclose(a);
    }
    cJSON_AddNumberToObject(m, "failures", (double)failures);
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
        cJSON_AddNumberToObject(m, "failed_scores", (double)sum->failed_scores);
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

int bl_risk_summary_json(int64_t file_id, const char *fname, cJSON *o, bl_error_t *err) {
    hid_t file = (hid_t)file_id;
    uint64_t declarations = 0, evaluated = 0, bootstrap = 0, failed = 0;
    double weekly = NAN;
    bl_results_root_number(file, "declarations", H5T_NATIVE_UINT64, &declarations);
    bl_results_root_number(file, "evaluated", H5T_NATIVE_UINT64, &evaluated);
    bl_results_root_number(file, "bootstrap", H5T_NATIVE_UINT64, &bootstrap);
    bl_results_root_number(file, "gates_failed", H5T_NATIVE_UINT64, &failed);
    bl_results_root_number(file, "weekly_rate", H5T_NATIVE_DOUBLE, &weekly);
    cJSON_AddNumberToObject(o, "declarations", (double)declarations);
    cJSON_AddNumberToObject(o, "evaluated", (double)evaluated);
    bl_summary_json_owned_text(o, "source", bl_results_root_text(file, "source"));
    bl_summary_json_owned_text(o, "declaration_set_sha256",
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

/* ------------------------------------------------------------------ text */

/* "5%" or "2.5%" into buf. */
static const char *percent(char *buf, size_t size, double rate) {
    snprintf(buf, size, "%.6g%%", rate);
    return buf;
}

void bl_risk_summary_text(const cJSON *summary, FILE *fp) {
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
        if (bl_summary_num(m, "failures") > 0)
            fprintf(fp,
                    "    failures to process: %.0f declarations failed to score (%.0f of them "
                    "evaluated) and count as missing scores (/plugin_failures names them)\n",
                    bl_summary_num(m, "failures"), bl_summary_num(m, "failed_scores"));
        fprintf(fp, "    %6s %8s  %-22s %-22s %-22s\n", "rate", "k", "precision [95% CI]",
                "recall [95% CI]", "revenue share [95% CI]");
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "at_rate")) {
            fprintf(fp, "    %6s %8.0f  %-22s %-22s %-22s\n",
                    percent(d, sizeof d, bl_summary_num(r, "rate")), bl_summary_num(r, "k"),
                    bl_summary_with_ci(a, sizeof a, r, "precision", "precision_ci"),
                    bl_summary_with_ci(b, sizeof b, r, "recall", "recall_ci"),
                    bl_summary_with_ci(c, sizeof c, r, "revenue_share", "revenue_share_ci"));
        }
        fprintf(fp, "    AUC %s, PR AUC %s, Brier %s\n",
                bl_summary_with_ci(a, sizeof a, m, "auc", "auc_ci"),
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
