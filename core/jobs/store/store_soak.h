/*
 * The store_soak job (bl.store_soak{...}): N client threads drive one
 * seizure store plugin with a weighted mix of verbs at a target rate while
 * a storage layout (storage.h) allocates bins, misplaces items at a
 * configured rate on moves and runs periodic inventory scans.
 *
 * Threads and instances: every client calls the same store instance, so
 * all clients see one custody chain.  A plugin flagged BL_FLAG_THREAD_SAFE
 * is called concurrently; any other plugin is called under one mutex (one
 * call at a time), which is what its flags allow.  The storage layout is
 * shared under its own mutex.
 *
 * Rate: with rate > 0 each client follows an open-loop schedule (its share
 * rate / clients, operation k due at start + k / share) and a latency is
 * measured from the operation's scheduled time, not from when it was
 * issued, so a store that stalls is charged for the operations queued
 * behind the stall (the coordinated-omission correction of wrk2).  With
 * rate 0 the clients run as fast as they can and latency is the call's own
 * time.
 *
 * Each client works on its own items (its deposits): move, retrieve and
 * dispose pick one of them at random; when a client has none in the state
 * a verb needs, it deposits instead.  The storage layout refuses a deposit
 * or move when no bin fits (counted as refused, no store call).  sync runs
 * every sync_every operations of a client and is reported as its own verb.
 * Every inventory_every operations (all clients together) one client scans
 * all bins; the discrepancies found are corrected in the location records
 * (storage.h).  A last scan runs after the clients stop, then verify walks
 * the whole custody chain once, which must pass.
 *
 * Results (soak_results.c):
 *   /store/verbs    one row per verb (deposit, move, retrieve, dispose, get,
 *                   list, verify, sync): verb, ops, errors, refused,
 *                   latency_mean, latency_p50/p90/p99, latency_max (seconds)
 *   /store/summary  one row: clients, operations, seconds, ops_per_second,
 *                   target_rate, verify_ok, entries, first_bad, items,
 *                   utilisation, misplaced, discrepancies, inventories,
 *                   retrieve_time_mean/_p50/_p90/_max (simulated seconds)
 *   /store          attributes: the store plugin's identity (id, name,
 *                   vendor, version, sha256, path, config) and policy
 */
#ifndef BL_STORE_SOAK_H
#define BL_STORE_SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/progress.h"
#include "jobs/store/storage.h"
#include "plugin/loader.h"
#include "scenario/scenario.h"
#include "stats/histogram.h"

struct cJSON;

/* The verbs measured, in /store/verbs order; the mix covers all but sync. */
enum {
    BL_SOAK_DEPOSIT = 0,
    BL_SOAK_MOVE,
    BL_SOAK_RETRIEVE,
    BL_SOAK_DISPOSE,
    BL_SOAK_GET,
    BL_SOAK_LIST,
    BL_SOAK_VERIFY,
    BL_SOAK_SYNC,
    BL_SOAK_VERBS,
    BL_SOAK_MIX = BL_SOAK_SYNC /* verbs with a weight in the mix */
};

/* "deposit", ... "sync". */
const char *bl_soak_verb_name(int verb);

typedef struct bl_store_soak {
    bl_plugin_ref_t store;      /* owned */
    bl_storage_layout_t layout; /* owned */
    int policy;                 /* bl_storage_policy_t */
    unsigned clients;           /* >= 1 */
    uint64_t operations;        /* all clients together; 0: run for duration */
    double duration;            /* wall seconds when operations is 0 */
    double rate;                /* operations per second, all clients; 0: as fast as possible */
    double mix[BL_SOAK_MIX];    /* weights >= 0, sum > 0 */
    uint64_t sync_every;        /* per client; 0: never */
    double misplace;            /* probability a move puts the item in another bin */
    uint64_t inventory_every;   /* all clients together; 0: only the final scan */
} bl_store_soak_t;

/* The defaults of a store_soak's settings (the scenario reference prints
 * them: `borderlab fields bl.store_soak`); the store is BL_SOAK_DEFAULT_STORE. */
void bl_store_soak_defaults(bl_store_soak_t *s);

/* The store a scenario gets without store=. */
#define BL_SOAK_DEFAULT_STORE "memory"
void bl_store_soak_free_contents(bl_store_soak_t *s);

typedef struct bl_soak_verb {
    uint64_t ops, errors, refused;
    bl_histogram_t latency; /* seconds */
} bl_soak_verb_t;

typedef struct bl_soak_result {
    const bl_scenario_t *scenario; /* borrowed */
    bl_plugin_handle_t handle;     /* the store plugin, loaded */
    bool loaded;
    bl_soak_verb_t verbs[BL_SOAK_VERBS];
    uint64_t operations;
    double seconds;
    int verify_rc;
    bl_custody_report_t report;
    uint64_t items;     /* in storage at the end */
    double utilisation; /* at the end */
    uint64_t misplaced, discrepancies, inventories;
    bl_histogram_t retrieve_time; /* simulated seconds */
} bl_soak_result_t;

/* Run bl_store_soak_of(sc) (progress counts operations) into *res (zeroed by the
 * caller; release with bl_soak_result_fini, also on failure).  Returns 0,
 * BL_EINVAL, BL_ENOMEM, BL_EPLUGIN (create failed; the message names the
 * plugin), or the loader's codes. */
int bl_store_soak_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                      bl_soak_result_t *res, bl_error_t *err);
void bl_soak_result_fini(bl_soak_result_t *res);

/* Write a finished run (bl_results_write_root with job "store_soak", one
 * /plugins row, role "store", then the /store tables); marks the file
 * complete.  Returns 0, BL_ENOMEM, BL_EHDF5. */
struct bl_results_writer;
struct bl_run;
int bl_soak_results_write(struct bl_results_writer *w, const struct bl_run *run,
                          const bl_soak_result_t *res, bl_error_t *err);

/* The /store row structs and their tables (results_schema.h). */
typedef struct bl_soak_verb_row {
    char verb[16];
    uint64_t ops, errors, refused;
    double latency_mean, latency_p50, latency_p90, latency_p99, latency_max;
} bl_soak_verb_row_t;

typedef struct bl_soak_summary_row {
    uint32_t clients;
    uint64_t operations;
    double seconds, ops_per_second, target_rate;
    uint8_t verify_ok;
    uint64_t entries, first_bad, items;
    double utilisation;
    uint64_t misplaced, discrepancies, inventories;
    double retrieve_time_mean, retrieve_time_p50, retrieve_time_p90, retrieve_time_max;
} bl_soak_summary_row_t;

struct bl_results_table;
extern const struct bl_results_table bl_soak_verbs_table;   /* bl_soak_verb_row_t */
extern const struct bl_results_table bl_soak_summary_table; /* bl_soak_summary_row_t */

/* The store_soak job in the scenario language: bl.store_soak{...}
 * (scenario_soak.c); its settings are a bl_store_soak_t. */
extern const struct bl_scenario_kind bl_store_soak_kind;

/* The settings of a store_soak scenario (borrowed). */
static inline bl_store_soak_t *bl_store_soak_of(const bl_scenario_t *sc) {
    return (bl_store_soak_t *)sc->settings;
}

/* The store_soak part of a run summary (results/summary.h: bl_summary_part_fn
 * without the job name) and its text (soak_summary.c). */
int bl_soak_summary_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
void bl_soak_summary_text(const struct cJSON *summary, FILE *fp);

/* The store_soak job's row of the job table (run/run.h; store_job.c). */
extern const struct bl_job bl_job_store_soak;

#endif
