/*
 * The summary of a store_soak results file (results/summary.h has the part
 * every job shares): the store's throughput, its verbs' latencies, the
 * custody chain's verification and the storage figures; then the text
 * `borderlab run` and `borderlab show` print for it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "jobs/store/store_soak.h"
#include "results/results_schema.h"
#include "results/summary.h"

int bl_soak_summary_json(int64_t file_id, const char *fname, cJSON *o, bl_error_t *err) {
    hid_t file = (hid_t)file_id;
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
        bl_summary_json_owned_text(o, "store_policy", bl_results_root_text(file, "store_policy"));
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

/* ------------------------------------------------------------------ text */

void bl_soak_summary_text(const cJSON *summary, FILE *fp) {
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
