/*
 * `make bench`: the seizure stores side by side in the same run, through
 * the real loader:
 *
 *   - deposits/s with `sync` after every deposit, and with group commit of
 *     1,000 (store/sqlite's group_commit; the memory store has nothing to
 *     flush, so its sync is a no-op and both figures are its raw speed);
 *   - p50/p99 latency per verb (deposit, get, move, retrieve, list,
 *     verify, sync) on a mixed workload.
 *
 * The SQLite database lives in a temporary folder under /tmp (removed at
 * the end).  Run with top_builddir set (make bench does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plugin/loader.h"
#include "stats/histogram.h"

#define SYNC_EACH 500     /* deposits with a sync after each (fsync-bound) */
#define GROUPED 100000    /* deposits with group commit of 1,000 */
#define MIXED 20000       /* operations of the mixed workload */
#define VERIFY_EVERY 5000 /* verify walks the whole chain: not on every step */

enum { V_DEPOSIT, V_GET, V_MOVE, V_RETRIEVE, V_LIST, V_VERIFY, V_SYNC, V_COUNT };
static const char *const verb_names[V_COUNT] = {"deposit", "get",    "move", "retrieve",
                                                "list",    "verify", "sync"};

typedef struct store {
    const char *label;
    bl_plugin_handle_t handle;
    bl_host_services_t hs;
    const bl_store_ops_t *ops;
    void *inst;
} store_t;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int open_store(store_t *s, const char *path, const char *db, const char *group,
                      bl_error_t *err) {
    int rc = bl_plugin_load(&s->handle, path, BL_KIND_STORE, err);
    if (rc != 0)
        return rc;
    s->ops = s->handle.desc->store;
    const char *keys[] = {"path", "group_commit"};
    const char *values[] = {db, group};
    bl_config_t config = {db ? 2u : 0u, keys, values};
    bl_host_services_init(&s->hs, 1, 0, BL_STREAM_PLUGIN_BASE, NULL, s->handle.desc->header.id);
    s->hs.log_level = -1; /* the mix's refusals (e.g. retrieving twice) are expected */
    rc = s->ops->create(&config, &s->hs.host, &s->inst);
    if (rc != 0) {
        bl_plugin_unload(&s->handle);
        return bl_error_set(err, rc, "%s: create failed (%d)", path, rc);
    }
    return 0;
}

static void close_store(store_t *s) {
    if (s->inst != NULL)
        s->ops->destroy(s->inst);
    s->inst = NULL;
    bl_plugin_unload(&s->handle);
}

static void item(bl_seizure_t *it, uint64_t i) {
    memset(it, 0, sizeof *it);
    it->threat = BL_THREAT_CIGARETTES;
    it->quantity = 10;
    it->value = 450;
    it->time = (double)i;
    snprintf(it->case_id, sizeof it->case_id, "CASE-%llu", (unsigned long long)(i / 4));
    snprintf(it->description, sizeof it->description, "cartons of cigarettes");
    snprintf(it->unit, sizeof it->unit, "carton");
    snprintf(it->officer, sizeof it->officer, "officer-%llu", (unsigned long long)(i % 7));
    snprintf(it->location, sizeof it->location, "A-%llu", (unsigned long long)(i % 40));
}

/* Deposits/s for n deposits, syncing after each one when sync_each. */
static double deposits_per_s(store_t *s, size_t n, int sync_each, uint64_t first) {
    bl_seizure_t it;
    uint64_t id;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        item(&it, first + i);
        if (s->ops->deposit(s->inst, &it, 1, &id) != 0)
            return -1;
        if (sync_each && s->ops->sync(s->inst) != 0)
            return -1;
    }
    if (s->ops->sync(s->inst) != 0)
        return -1;
    return (double)n / (now() - t0);
}

/* A mixed workload; latency histograms per verb (histograms[V_COUNT]). */
static int mixed(store_t *s, uint64_t first_id, uint64_t n_ids, bl_histogram_t *h) {
    bl_rng_t rng;
    bl_rng_init(&rng, 7, 0, 1);
    bl_seizure_t it;
    uint64_t ids[64];
    size_t n_list;
    bl_custody_report_t report;
    uint64_t next = first_id + n_ids; /* new deposits continue the ids */
    for (size_t i = 0; i < MIXED; i++) {
        int verb = (int)bl_rng_below(&rng, 100);
        verb = verb < 30   ? V_DEPOSIT
               : verb < 60 ? V_GET
               : verb < 80 ? V_MOVE
               : verb < 90 ? V_RETRIEVE
               : verb < 98 ? V_LIST
                           : V_SYNC;
        if (i % VERIFY_EVERY == VERIFY_EVERY - 1)
            verb = V_VERIFY;
        uint64_t id = first_id + bl_rng_below(&rng, n_ids);
        char where[16];
        snprintf(where, sizeof where, "B-%u", (unsigned)bl_rng_below(&rng, 40));
        int rc = 0;
        double t0 = now();
        switch (verb) {
        case V_DEPOSIT:
            item(&it, next++);
            rc = s->ops->deposit(s->inst, &it, 1, &ids[0]);
            break;
        case V_GET:
            rc = s->ops->get(s->inst, id, &it);
            break;
        case V_MOVE:
            rc = s->ops->move(s->inst, id, where, "officer-1", (double)i);
            break;
        case V_RETRIEVE:
            rc = s->ops->retrieve(s->inst, id, BL_PURPOSE_LAB, "officer-2", (double)i);
            break;
        case V_LIST:
            rc = s->ops->list(s->inst, NULL, where, ids, 64, &n_list);
            break;
        case V_VERIFY:
            rc = s->ops->verify(s->inst, &report);
            break;
        default:
            rc = s->ops->sync(s->inst);
            break;
        }
        bl_histogram_add(&h[verb], now() - t0);
        if (rc != 0 && verb == V_VERIFY)
            return rc; /* refusals of other verbs are part of the mix */
    }
    return s->ops->sync(s->inst);
}

int main(void) {
    const char *build = getenv("top_builddir");
    char memory_so[1024], sqlite_so[1024], dir[] = "/tmp/borderlab-bench-store.XXXXXX";
    snprintf(memory_so, sizeof memory_so, "%s/plugins/store/memory/.libs/memory.so",
             build ? build : ".");
    snprintf(sqlite_so, sizeof sqlite_so, "%s/plugins/store/sqlite/.libs/sqlite.so",
             build ? build : ".");
    if (mkdtemp(dir) == NULL) {
        perror("bench_store: mkdtemp");
        return 1;
    }
    char db_each[1100], db_group[1100];
    snprintf(db_each, sizeof db_each, "%s/each.db", dir);
    snprintf(db_group, sizeof db_group, "%s/group.db", dir);

    bl_error_t err;
    bl_error_clear(&err);
    int status = 0;
    printf("seizure stores, deposits/s and latency per verb (same run)\n");
    printf("  %-22s %16s %22s\n", "store", "sync each", "group commit 1000");
    const struct {
        const char *label, *so, *db_each, *db_group;
    } stores[] = {{"store/memory", memory_so, NULL, NULL},
                  {"store/sqlite", sqlite_so, db_each, db_group}};
    bl_histogram_t h[2][V_COUNT];
    for (int k = 0; k < 2 && status == 0; k++) {
        store_t each = {0}, group = {0};
        double r_each = -1, r_group = -1;
        if (open_store(&each, stores[k].so, stores[k].db_each, "1", &err) == 0) {
            r_each = deposits_per_s(&each, SYNC_EACH, 1, 0);
            close_store(&each);
        }
        if (err.code == 0 &&
            open_store(&group, stores[k].so, stores[k].db_group, "1000", &err) == 0) {
            r_group = deposits_per_s(&group, GROUPED, 0, 0);
            for (int v = 0; v < V_COUNT; v++)
                bl_histogram_init(&h[k][v]);
            if (r_group > 0 && mixed(&group, 1, GROUPED, h[k]) != 0)
                r_group = -1;
            close_store(&group);
        }
        if (err.code != 0 || r_each < 0 || r_group < 0) {
            fprintf(stderr, "bench_store: %s failed: %s\n", stores[k].label,
                    err.code ? err.message : "an operation failed");
            status = 1;
            break;
        }
        printf("  %-22s %12.0f /s %18.0f /s\n", stores[k].label, r_each, r_group);
    }
    if (status == 0) {
        printf("  latency per verb, mixed workload of %d operations after %d deposits:\n", MIXED,
               GROUPED);
        printf("    %-9s %14s %14s %14s %14s\n", "verb", "memory p50", "memory p99", "sqlite p50",
               "sqlite p99");
        for (int v = 0; v < V_COUNT; v++) {
            char cell[4][24];
            const double q[4] = {
                bl_histogram_quantile(&h[0][v], 0.5), bl_histogram_quantile(&h[0][v], 0.99),
                bl_histogram_quantile(&h[1][v], 0.5), bl_histogram_quantile(&h[1][v], 0.99)};
            for (int c = 0; c < 4; c++) /* the histogram resolves from 1 us up */
                if (q[c] < 1e-6)
                    snprintf(cell[c], sizeof cell[c], "< 1 us");
                else
                    snprintf(cell[c], sizeof cell[c], "%.1f us", q[c] * 1e6);
            printf("    %-9s %14s %14s %14s %14s\n", verb_names[v], cell[0], cell[1], cell[2],
                   cell[3]);
        }
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_store: could not remove %s\n", dir);
    return status;
}
