/*
 * Misbehaving seizure store fixture for the plugin isolation tests
 * (README.md here says what the host should record):
 *
 *   -DMISBEHAVE_STORE_CRASH  SIGSEGV (write through NULL) on the `op`-th verb
 *                            call (DEFAULT_OP), counted from create()
 *
 * Every verb counts (deposit, move, retrieve, dispose, get, list, verify,
 * sync), whatever its outcome.  Just before crashing it logs, through the
 * host, which verb the fatal call was: with two soak clients that depends on
 * how their calls interleave.
 *
 * Otherwise a small in-memory store with the reference stores' semantics
 * (../../../plugins/store/memory/memory.c) minus the custody chain: items in
 * an array indexed by id - 1, ids from 1 in deposit order; a deposit batch
 * is all-or-nothing; move puts an item (stored or retrieved) back in store,
 * retrieve needs it in store, nothing happens to a disposed item; list is in
 * deposit order; verify always reports an intact chain whose entries are
 * the operations done (one per deposited item, move, retrieve, dispose);
 * sync is a no-op (nothing is durable).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "misbehave.h"

#if defined(MISBEHAVE_STORE_CRASH)
#define FIXTURE "store_crash"
#define TRIGGER() fixture_crash()
#else
#error "build with -DMISBEHAVE_STORE_CRASH"
#endif

#define ID "borderlab-tests." FIXTURE

/* scenarios/store_soak.lua with its defaults makes about 18 500 verb calls
 * (20 000 operations less the ~1 750 refused by the storage layout before
 * they reach the store, plus 200 syncs and the final verify), so call 5 000
 * falls about a quarter of the way in: ~1 500 items deposited, a sync and
 * an inventory already done, three quarters of the soak still to go. */
#define DEFAULT_OP 5000

typedef struct store {
    const bl_host_t *host;
    uint64_t op;    /* the call that crashes */
    uint64_t calls; /* verb calls since create */
    bl_seizure_t *items;
    size_t n_items, cap_items;
    uint64_t entries;   /* operations done: what verify reports */
    uint64_t broken_at; /* verify reports entry broken_at as bad (0: intact) */
} store_t;

/* Count one call of verb; crash on the op-th. */
static void count(store_t *s, const char *verb) {
    if (++s->calls == s->op) {
        bl_host_logf(s->host, BL_LOG_WARN, "%s: call %" PRIu64 " (%s): crashing on purpose", ID,
                     s->calls, verb);
        TRIGGER();
    }
}

/* Copy text into a fixed field, cut to fit. */
static void set_text(char *field, size_t size, const char *text) {
    snprintf(field, size, "%s", text);
}

static int text_ok(const char *field, size_t size) { return memchr(field, '\0', size) != NULL; }

/* The item for id, or NULL (logged, naming verb). */
static bl_seizure_t *find(store_t *s, uint64_t id, const char *verb) {
    if (id == 0 || id > s->n_items) {
        bl_host_logf(s->host, BL_LOG_ERROR, "%s: no seizure with id %" PRIu64, verb, id);
        return NULL;
    }
    return &s->items[id - 1];
}

static int fixture_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    double v;
    store_t *s;
    double broken = 0;
    int rc = fixture_number(config, host, ID, "op", DEFAULT_OP, 1, FIXTURE_MAX_INTEGER, 1, &v);
    *instance = NULL;
    if (rc == BL_OK)
        rc = fixture_number(config, host, ID, "broken_at", 0, 0, FIXTURE_MAX_INTEGER, 1, &broken);
    if (rc != BL_OK)
        return rc;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return BL_ENOMEM;
    s->host = host;
    s->op = (uint64_t)v;
    s->broken_at = (uint64_t)broken;
    *instance = s;
    return BL_OK;
}

static void fixture_destroy(void *instance) {
    store_t *s = instance;
    if (s == NULL)
        return;
    free(s->items);
    free(s);
}

static int fixture_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    store_t *s = instance;
    count(s, "deposit");
    if (n == 0)
        return BL_OK;
    if (items == NULL || ids_out == NULL)
        return BL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const bl_seizure_t *it = &items[i];
        if (!text_ok(it->case_id, sizeof it->case_id) ||
            !text_ok(it->location, sizeof it->location) ||
            !text_ok(it->officer, sizeof it->officer) || !text_ok(it->unit, sizeof it->unit) ||
            !text_ok(it->description, sizeof it->description) || it->case_id[0] == '\0' ||
            it->location[0] == '\0' || !(it->quantity > 0) || !(it->value >= 0) ||
            it->threat >= BL_THREAT_CLASS_COUNT || !isfinite(it->time)) {
            bl_host_logf(s->host, BL_LOG_ERROR, "deposit: item %zu refused: nothing was deposited",
                         i);
            return BL_EINVAL;
        }
    }
    if (s->n_items + n > s->cap_items) {
        size_t cap = s->cap_items ? s->cap_items : 64;
        while (cap < s->n_items + n)
            cap *= 2;
        bl_seizure_t *p = realloc(s->items, cap * sizeof *p);
        if (p == NULL) {
            bl_host_logf(s->host, BL_LOG_ERROR, "out of memory growing the store to %zu items",
                         cap);
            return BL_ENOMEM;
        }
        s->items = p;
        s->cap_items = cap;
    }
    for (size_t i = 0; i < n; i++) {
        bl_seizure_t *it = &s->items[s->n_items];
        *it = items[i];
        it->id = ++s->n_items;
        it->state = BL_SEIZURE_STORED;
        ids_out[i] = it->id;
    }
    s->entries += n;
    return BL_OK;
}

static int fixture_move(void *instance, uint64_t id, const char *location, const char *officer,
                        double time) {
    store_t *s = instance;
    bl_seizure_t *it;
    count(s, "move");
    if (location == NULL || location[0] == '\0' || !isfinite(time))
        return BL_EINVAL;
    if ((it = find(s, id, "move")) == NULL)
        return BL_ENOTFOUND;
    if (it->state == BL_SEIZURE_DISPOSED)
        return BL_ESTATE;
    set_text(it->location, sizeof it->location, location);
    if (officer != NULL)
        set_text(it->officer, sizeof it->officer, officer);
    it->time = time;
    it->state = BL_SEIZURE_STORED;
    s->entries++;
    return BL_OK;
}

static int fixture_retrieve(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                            double time) {
    store_t *s = instance;
    bl_seizure_t *it;
    count(s, "retrieve");
    if (purpose < BL_PURPOSE_COURT || purpose > BL_PURPOSE_RETURN || !isfinite(time))
        return BL_EINVAL;
    if ((it = find(s, id, "retrieve")) == NULL)
        return BL_ENOTFOUND;
    if (it->state != BL_SEIZURE_STORED)
        return BL_ESTATE;
    if (officer != NULL)
        set_text(it->officer, sizeof it->officer, officer);
    it->time = time;
    it->state = BL_SEIZURE_RETRIEVED;
    s->entries++;
    return BL_OK;
}

static int fixture_dispose(void *instance, uint64_t id, const char *officer, double time) {
    store_t *s = instance;
    bl_seizure_t *it;
    count(s, "dispose");
    if (!isfinite(time))
        return BL_EINVAL;
    if ((it = find(s, id, "dispose")) == NULL)
        return BL_ENOTFOUND;
    if (it->state == BL_SEIZURE_DISPOSED)
        return BL_ESTATE;
    if (officer != NULL)
        set_text(it->officer, sizeof it->officer, officer);
    it->time = time;
    it->state = BL_SEIZURE_DISPOSED;
    s->entries++;
    return BL_OK;
}

static int fixture_get(void *instance, uint64_t id, bl_seizure_t *out) {
    store_t *s = instance;
    const bl_seizure_t *it;
    count(s, "get");
    if (out == NULL)
        return BL_EINVAL;
    if ((it = find(s, id, "get")) == NULL)
        return BL_ENOTFOUND;
    *out = *it;
    return BL_OK;
}

static int fixture_list(void *instance, const char *case_id, const char *location,
                        uint64_t *ids_out, size_t capacity, size_t *n_out) {
    store_t *s = instance;
    size_t n = 0;
    count(s, "list");
    if (n_out == NULL || (capacity > 0 && ids_out == NULL))
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

static int fixture_verify(void *instance, bl_custody_report_t *report) {
    store_t *s = instance;
    count(s, "verify");
    if (report == NULL)
        return BL_EINVAL;
    memset(report, 0, sizeof *report);
    report->entries = s->entries;
    if (s->broken_at > 0 && s->entries >= s->broken_at) { /* a chain someone tampered with */
        report->first_bad = s->broken_at;
        snprintf(report->reason, sizeof report->reason,
                 "entry %" PRIu64 ": its digest does not match (test fixture)", s->broken_at);
        return BL_EINTEGRITY;
    }
    snprintf(report->reason, sizeof report->reason,
             "intact: %" PRIu64 " entries (test fixture: no custody chain)", s->entries);
    return BL_OK;
}

static int fixture_sync(void *instance) {
    count(instance, "sync");
    return BL_OK;
}

static const bl_store_ops_t ops = {
    sizeof(bl_store_ops_t), fixture_create,  fixture_deposit, fixture_move,
    fixture_retrieve,       fixture_dispose, fixture_get,     fixture_list,
    fixture_verify,         fixture_sync,    fixture_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, BL_FLAG_DETERMINISTIC, ID,
                     "Misbehaving seizure store: " FIXTURE " (test)", "borderlab tests", "1.0.0"),
    NULL,
    NULL,
    &ops,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
