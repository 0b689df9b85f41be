/*
 * The results of a store_soak run: the /store tables (store_soak.h) and
 * the writer that puts a finished run into the run's results file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jobs/store/store_soak.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "results/writer.h"

static const bl_results_column_t verb_columns[] = {
    BL_COLUMN(bl_soak_verb_row_t, verb, STR),
    BL_COLUMN(bl_soak_verb_row_t, ops, U64),
    BL_COLUMN(bl_soak_verb_row_t, errors, U64),
    BL_COLUMN(bl_soak_verb_row_t, refused, U64),
    BL_COLUMN(bl_soak_verb_row_t, latency_mean, F64),
    BL_COLUMN(bl_soak_verb_row_t, latency_p50, F64),
    BL_COLUMN(bl_soak_verb_row_t, latency_p90, F64),
    BL_COLUMN(bl_soak_verb_row_t, latency_p99, F64),
    BL_COLUMN(bl_soak_verb_row_t, latency_max, F64),
};

const bl_results_table_t bl_soak_verbs_table = BL_RESULTS_TABLE(
    "/store/verbs", "verbs",
    "one row per store verb, all clients together: calls, calls the store refused (errors), "
    "operations the storage layout refused before any store call (no bin fits), latency from "
    "the scheduled time (open-loop, corrected for coordinated omission) or, at rate 0, of the "
    "call itself; NaN when the verb never ran",
    "ops, errors, refused: counts; latency_*: seconds (wall clock)", verb_columns,
    bl_soak_verb_row_t);

static const bl_results_column_t summary_columns[] = {
    BL_COLUMN(bl_soak_summary_row_t, clients, U32),
    BL_COLUMN(bl_soak_summary_row_t, operations, U64),
    BL_COLUMN(bl_soak_summary_row_t, seconds, F64),
    BL_COLUMN(bl_soak_summary_row_t, ops_per_second, F64),
    BL_COLUMN(bl_soak_summary_row_t, target_rate, F64),
    BL_COLUMN(bl_soak_summary_row_t, verify_ok, U8),
    BL_COLUMN(bl_soak_summary_row_t, entries, U64),
    BL_COLUMN(bl_soak_summary_row_t, first_bad, U64),
    BL_COLUMN(bl_soak_summary_row_t, items, U64),
    BL_COLUMN(bl_soak_summary_row_t, utilisation, F64),
    BL_COLUMN(bl_soak_summary_row_t, misplaced, U64),
    BL_COLUMN(bl_soak_summary_row_t, discrepancies, U64),
    BL_COLUMN(bl_soak_summary_row_t, inventories, U64),
    BL_COLUMN(bl_soak_summary_row_t, retrieve_time_mean, F64),
    BL_COLUMN(bl_soak_summary_row_t, retrieve_time_p50, F64),
    BL_COLUMN(bl_soak_summary_row_t, retrieve_time_p90, F64),
    BL_COLUMN(bl_soak_summary_row_t, retrieve_time_max, F64),
};

const bl_results_table_t bl_soak_summary_table = BL_RESULTS_TABLE(
    "/store/summary", "summary",
    "the whole soak: operations (mix verbs, sync not counted) per wall second, the custody "
    "chain's verify at the end (verify_ok 1 = intact; entries checked, first_bad 0 when intact), "
    "items in storage and space used / capacity at the end, moves that misplaced an item and "
    "the discrepancies the inventory scans found (including the final scan), and the "
    "simulated time to fetch a retrieved item (storage.h)",
    "seconds: wall; ops_per_second, target_rate: per second (target 0 = as fast as possible); "
    "utilisation: space used / capacity (above 1 only when a scan found misplaced items in full "
    "bins); retrieve_time_*: simulated seconds; others: counts",
    summary_columns, bl_soak_summary_row_t);

static double q_or_nan(const bl_histogram_t *h, double q) {
    return h->count > 0 ? bl_histogram_quantile(h, q) : NAN;
}

int bl_soak_results_write(bl_results_writer_t *w, const bl_run_t *run, const bl_soak_result_t *res,
                          bl_error_t *err) {
    const bl_store_soak_t *cfg = bl_store_soak_of(res->scenario);
    uint64_t calls = 0, errors = 0;
    for (int v = 0; v < BL_SOAK_VERBS; v++) {
        calls += res->verbs[v].ops;
        errors += res->verbs[v].errors;
    }
    /* A custody chain that does not verify at the end fails the store. */
    char chain[200] = "";
    if (res->verify_rc != 0)
        snprintf(chain, sizeof chain,
                 "custody chain verify failed (%s, %d) at entry %llu of %llu: %.80s",
                 bl_error_name(res->verify_rc), res->verify_rc,
                 (unsigned long long)res->report.first_bad, (unsigned long long)res->report.entries,
                 res->report.reason);
    bl_results_plugin_t plugin = {"store", NULL,   &res->handle,
                                  calls,   errors, chain[0] != '\0' ? chain : NULL};
    bl_soak_verb_row_t verbs[BL_SOAK_VERBS];
    memset(verbs, 0, sizeof verbs);
    for (int v = 0; v < BL_SOAK_VERBS; v++) {
        const bl_soak_verb_t *s = &res->verbs[v];
        bl_soak_verb_row_t *r = &verbs[v];
        snprintf(r->verb, sizeof r->verb, "%s", bl_soak_verb_name(v));
        r->ops = s->ops;
        r->errors = s->errors;
        r->refused = s->refused;
        r->latency_mean = s->latency.count > 0 ? bl_histogram_mean(&s->latency) : NAN;
        r->latency_p50 = q_or_nan(&s->latency, 0.5);
        r->latency_p90 = q_or_nan(&s->latency, 0.9);
        r->latency_p99 = q_or_nan(&s->latency, 0.99);
        r->latency_max = s->latency.count > 0 ? s->latency.max : NAN;
    }
    const bl_histogram_t *rt = &res->retrieve_time;
    bl_soak_summary_row_t sum;
    memset(&sum, 0, sizeof sum); /* padding too: the rows go through deflate */
    sum.clients = cfg->clients;
    sum.operations = res->operations;
    sum.seconds = res->seconds;
    sum.ops_per_second = res->seconds > 0 ? (double)res->operations / res->seconds : NAN;
    sum.target_rate = cfg->rate;
    sum.verify_ok = res->verify_rc == 0;
    sum.entries = res->report.entries;
    sum.first_bad = res->report.first_bad;
    sum.items = res->items;
    sum.utilisation = res->utilisation;
    sum.misplaced = res->misplaced;
    sum.discrepancies = res->discrepancies;
    sum.inventories = res->inventories;
    sum.retrieve_time_mean = rt->count > 0 ? bl_histogram_mean(rt) : NAN;
    sum.retrieve_time_p50 = q_or_nan(rt, 0.5);
    sum.retrieve_time_p90 = q_or_nan(rt, 0.9);
    sum.retrieve_time_max = rt->count > 0 ? rt->max : NAN;
    int rc = bl_results_write_root(w, run, "store_soak", &plugin, 1, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_soak_verbs_table, NULL, BL_SOAK_VERBS, verbs, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &bl_soak_summary_table, NULL, 1, &sum, err);
    if (rc == 0)
        rc = bl_results_write_plugin_group(w, "/store", &res->handle, &cfg->store, err);
    if (rc == 0)
        rc = bl_results_set_root_text(w, "store_policy", bl_storage_policy_name(cfg->policy), err);
    if (rc == 0)
        bl_results_mark_complete(w);
    return rc;
}
