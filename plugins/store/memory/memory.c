/*
 * borderlab.memory_store: reference in-memory seizure store.
 *
 * Items live in an array indexed by id - 1 (ids start at 1 and increase in
 * deposit order).  Every operation (deposit of one item, move, retrieve,
 * dispose) appends an entry to the custody log; an entry's SHA-256 covers
 * the previous entry's hash and the entry's canonical fields (sequence
 * number, operation, purpose and the item as it stands after the
 * operation), so verify() can recompute the chain and name the first entry
 * that does not match.
 *
 * The chain format and the input rules are in ../custody.h (shared with
 * store/sqlite).  Every operation validates all of its input before it
 * changes anything: a refused call writes nothing (a deposit batch is all-or-nothing) and logs
 * why through host->log.  Nothing is durable, so sync() is a no-op.  No
 * locking: the descriptor does not claim thread safety.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "custody.h"

typedef struct store {
    const bl_host_t *host;
    bl_seizure_t *items;
    size_t n_items, cap_items;
    custody_entry_t *log;
    size_t n_log, cap_log;
    custody_locations_t known; /* config `locations`; empty: any location */
} store_t;

/* Fill the entry at index `at` (already reserved) without committing it. */
static int entry_prepare(store_t *s, size_t at, uint32_t op, uint32_t purpose,
                         const bl_seizure_t *item) {
    return custody_entry_make(s->host, &s->log[at], (uint64_t)at + 1, op, purpose, item,
                              at == 0 ? custody_zero_hash : s->log[at - 1].hash);
}

/* ------------------------------------------------------------------ helpers */

static int reserve(store_t *s, void **array, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap)
        return BL_OK;
    size_t ncap = *cap > 0 ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return BL_ENOMEM;
        ncap *= 2;
    }
    void *p = s->host->realloc(s->host->ctx, *array, ncap * elem);
    if (p == NULL) {
        bl_host_logf(s->host, BL_LOG_ERROR, "out of memory growing the store to %zu entries", ncap);
        return BL_ENOMEM;
    }
    *array = p;
    *cap = ncap;
    return BL_OK;
}

static int reserve_all(store_t *s, size_t more_items, size_t more_log) {
    int rc =
        reserve(s, (void **)&s->items, &s->cap_items, s->n_items + more_items, sizeof *s->items);
    if (rc == BL_OK)
        rc = reserve(s, (void **)&s->log, &s->cap_log, s->n_log + more_log, sizeof *s->log);
    return rc;
}

/* The item for id, or NULL (logged, naming op). */
static bl_seizure_t *find(store_t *s, uint64_t id, const char *op) {
    if (id == 0 || id > s->n_items) {
        custody_log_unknown(s->host, op, id);
        return NULL;
    }
    return &s->items[id - 1];
}

/* ------------------------------------------------------------------ ops */

static int ms_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    store_t *s;
    int rc;
    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->realloc == NULL || host->free == NULL)
        return BL_EINVAL;
    s = host->alloc(host->ctx, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    memset(s, 0, sizeof *s);
    s->host = host;
    if ((rc = custody_locations_init(&s->known, config, host, "memory store")) != BL_OK) {
        host->free(host->ctx, s);
        return rc;
    }
    *instance = s;
    return BL_OK;
}

static void ms_destroy(void *instance) {
    store_t *s = instance;
    if (s == NULL)
        return;
    s->host->free(s->host->ctx, s->items);
    s->host->free(s->host->ctx, s->log);
    custody_locations_fini(&s->known, s->host);
    s->host->free(s->host->ctx, s);
}

static int ms_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    store_t *s = instance;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    if (items == NULL || ids_out == NULL)
        return BL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((rc = custody_check_item(s->host, &s->known, &items[i], i)) != BL_OK)
            return rc;
    if ((rc = reserve_all(s, n, n)) != BL_OK)
        return rc;
    /* Stage items and log entries past the committed counts, then commit. */
    for (size_t i = 0; i < n; i++) {
        bl_seizure_t *it = &s->items[s->n_items + i];
        *it = items[i];
        it->id = (uint64_t)(s->n_items + i) + 1;
        it->state = BL_SEIZURE_STORED;
        if ((rc = entry_prepare(s, s->n_log + i, CUSTODY_DEPOSIT, 0, it)) != BL_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++)
        ids_out[i] = s->items[s->n_items + i].id;
    s->n_items += n;
    s->n_log += n;
    return BL_OK;
}

/* Apply a change to *it through a staged copy; commit only when hashed. */
static int commit(store_t *s, bl_seizure_t *it, const bl_seizure_t *next, uint32_t op,
                  uint32_t purpose) {
    int rc = reserve_all(s, 0, 1);
    if (rc == BL_OK)
        rc = entry_prepare(s, s->n_log, op, purpose, next);
    if (rc != BL_OK)
        return rc;
    *it = *next;
    s->n_log++;
    return BL_OK;
}

static int ms_move(void *instance, uint64_t id, const char *location, const char *officer,
                   double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_move(s->host, &s->known, location, officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "move")) == NULL)
        return BL_ENOTFOUND;
    if ((rc = custody_next_move(s->host, it, location, officer, time, &next)) != BL_OK)
        return rc;
    return commit(s, it, &next, CUSTODY_MOVE, 0);
}

static int ms_retrieve(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                       double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_retrieve(s->host, purpose, officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "retrieve")) == NULL)
        return BL_ENOTFOUND;
    if ((rc = custody_next_retrieve(s->host, it, officer, time, &next)) != BL_OK)
        return rc;
    return commit(s, it, &next, CUSTODY_RETRIEVE, purpose);
}

static int ms_dispose(void *instance, uint64_t id, const char *officer, double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_dispose(s->host, officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "dispose")) == NULL)
        return BL_ENOTFOUND;
    if ((rc = custody_next_dispose(s->host, it, officer, time, &next)) != BL_OK)
        return rc;
    return commit(s, it, &next, CUSTODY_DISPOSE, 0);
}

static int ms_get(void *instance, uint64_t id, bl_seizure_t *out) {
    store_t *s = instance;
    const bl_seizure_t *it;
    if (s == NULL || out == NULL)
        return BL_EINVAL;
    if ((it = find(s, id, "get")) == NULL)
        return BL_ENOTFOUND;
    *out = *it;
    return BL_OK;
}

static int ms_list(void *instance, const char *case_id, const char *location, uint64_t *ids_out,
                   size_t capacity, size_t *n_out) {
    store_t *s = instance;
    size_t n = 0;
    if (s == NULL || n_out == NULL || (capacity > 0 && ids_out == NULL))
        return BL_EINVAL;
    for (size_t i = 0; i < s->n_items; i++) {
        const bl_seizure_t *it = &s->items[i];
        if (case_id != NULL && strcmp(it->case_id, case_id) != 0)
            continue;
        if (location != NULL && strcmp(it->location, location) != 0)
            continue;
        if (n < capacity)
            ids_out[n] = it->id;
        n++;
    }
    *n_out = n;
    return BL_OK;
}

static int ms_verify(void *instance, bl_custody_report_t *report) {
    store_t *s = instance;
    unsigned char h[CUSTODY_HASH];
    if (s == NULL || report == NULL)
        return BL_EINVAL;
    memset(report, 0, sizeof *report);
    report->entries = s->n_log;
    for (size_t i = 0; i < s->n_log; i++) {
        const custody_entry_t *e = &s->log[i];
        const char *why = NULL;
        if (e->seq != (uint64_t)i + 1)
            why = "sequence number out of order";
        else if (custody_hash(i == 0 ? custody_zero_hash : s->log[i - 1].hash, e, h) != BL_OK)
            why = "SHA-256 failed";
        else if (memcmp(h, e->hash, sizeof h) != 0)
            why = "hash does not match the entry and its predecessor";
        if (why != NULL) {
            report->first_bad = (uint64_t)i + 1;
            snprintf(report->reason, sizeof report->reason, "custody entry %zu: %s", i + 1, why);
            bl_host_logf(s->host, BL_LOG_ERROR, "verify: %s", report->reason);
            return BL_EINTEGRITY;
        }
    }
    custody_intact_reason(report->reason, sizeof report->reason, s->n_log,
                          s->n_log == 0 ? custody_zero_hash : s->log[s->n_log - 1].hash);
    return BL_OK;
}

static int ms_sync(void *instance) {
    (void)instance;
    return BL_OK;
}

static const bl_store_ops_t ops = {
    sizeof(bl_store_ops_t),
    ms_create,
    ms_deposit,
    ms_move,
    ms_retrieve,
    ms_dispose,
    ms_get,
    ms_list,
    ms_verify,
    ms_sync,
    ms_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, BL_FLAG_DETERMINISTIC, "borderlab.memory_store",
                     "In-memory seizure store", "borderlab", "0.1.0"),
    NULL,
    NULL,
    &ops,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
