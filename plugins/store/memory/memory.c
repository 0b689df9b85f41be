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
 * Every operation validates all of its input before it changes anything: a
 * refused call writes nothing (a deposit batch is all-or-nothing) and logs
 * why through host->log.  Nothing is durable, so sync() is a no-op.  No
 * locking: the descriptor does not claim thread safety.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "borderlab/plugin.h"

enum { OP_DEPOSIT = 1, OP_MOVE = 2, OP_RETRIEVE = 3, OP_DISPOSE = 4 };

typedef struct custody_entry {
    uint64_t seq; /* 1-based */
    uint32_t op;
    uint32_t purpose;  /* retrieve only, else 0 */
    bl_seizure_t item; /* the item after the operation */
    unsigned char hash[32];
} custody_entry_t;

typedef struct store {
    const bl_host_t *host;
    bl_seizure_t *items;
    size_t n_items, cap_items;
    custody_entry_t *log;
    size_t n_log, cap_log;
} store_t;

/* ------------------------------------------------------------------ custody hashing */

typedef struct canon {
    unsigned char buf[512];
    size_t len;
} canon_t;

static void put_u64(canon_t *c, uint64_t v) {
    for (int i = 0; i < 8; i++)
        c->buf[c->len++] = (unsigned char)(v >> (8 * i));
}

static void put_double(canon_t *c, double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    put_u64(c, bits);
}

static void put_text(canon_t *c, const char *s, size_t size) {
    const char *nul = memchr(s, '\0', size);
    size_t n = nul != NULL ? (size_t)(nul - s) : size;
    put_u64(c, n);
    memcpy(c->buf + c->len, s, n);
    c->len += n;
}

/* hash = SHA-256(prev || canonical(entry)); 0 or BL_EIO. */
static int entry_hash(const unsigned char prev[32], const custody_entry_t *e,
                      unsigned char out[32]) {
    canon_t c;
    const bl_seizure_t *it = &e->item;
    unsigned int len = 0;

    c.len = 0;
    memcpy(c.buf, prev, 32);
    c.len = 32;
    put_u64(&c, e->seq);
    put_u64(&c, e->op);
    put_u64(&c, e->purpose);
    put_u64(&c, it->id);
    put_u64(&c, it->threat);
    put_u64(&c, it->state);
    put_double(&c, it->quantity);
    put_double(&c, it->value);
    put_double(&c, it->time);
    put_text(&c, it->case_id, sizeof it->case_id);
    put_text(&c, it->description, sizeof it->description);
    put_text(&c, it->unit, sizeof it->unit);
    put_text(&c, it->officer, sizeof it->officer);
    put_text(&c, it->location, sizeof it->location);
    if (EVP_Digest(c.buf, c.len, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return BL_EIO;
    return BL_OK;
}

static const unsigned char zero_hash[32];

/* Fill the entry at index n_log (already reserved) without committing it. */
static int entry_prepare(store_t *s, size_t at, uint32_t op, uint32_t purpose,
                         const bl_seizure_t *item) {
    custody_entry_t *e = &s->log[at];
    memset(e, 0, sizeof *e);
    e->seq = (uint64_t)at + 1;
    e->op = op;
    e->purpose = purpose;
    e->item = *item;
    if (entry_hash(at == 0 ? zero_hash : s->log[at - 1].hash, e, e->hash) != BL_OK) {
        bl_host_logf(s->host, BL_LOG_ERROR, "custody entry %zu: SHA-256 failed (libcrypto)",
                     at + 1);
        return BL_EIO;
    }
    return BL_OK;
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

/* A text field is valid when NUL-terminated within size. */
static int text_ok(const char *t, size_t size) { return memchr(t, '\0', size) != NULL; }

/* A caller-supplied string fits a text field (NULL only when allowed). */
static int arg_fits(const char *t, size_t size) { return t != NULL && strlen(t) < size; }

static int validate_item(store_t *s, const bl_seizure_t *it, size_t index) {
    const char *why = NULL;
    if (!text_ok(it->case_id, sizeof it->case_id) ||
        !text_ok(it->description, sizeof it->description) || !text_ok(it->unit, sizeof it->unit) ||
        !text_ok(it->officer, sizeof it->officer) || !text_ok(it->location, sizeof it->location))
        why = "a text field is not NUL-terminated";
    else if (it->case_id[0] == '\0')
        why = "case_id is empty";
    else if (!(it->quantity > 0) || !isfinite(it->quantity))
        why = "quantity must be a positive number";
    else if (!(it->value >= 0) || !isfinite(it->value))
        why = "value must be a number >= 0";
    else if (it->location[0] == '\0')
        why = "location is empty";
    else if (it->threat >= BL_THREAT_CLASS_COUNT)
        why = "threat is not a known bl_threat_class_t";
    else if (!isfinite(it->time))
        why = "time is not finite";
    if (why == NULL)
        return BL_OK;
    bl_host_logf(s->host, BL_LOG_ERROR, "deposit: item %zu refused (%s): nothing was deposited",
                 index, why);
    return BL_EINVAL;
}

/* The item for id, or NULL (logged, naming op). */
static bl_seizure_t *find(store_t *s, uint64_t id, const char *op) {
    if (id == 0 || id > s->n_items) {
        bl_host_logf(s->host, BL_LOG_ERROR, "%s: no seizure with id %llu", op,
                     (unsigned long long)id);
        return NULL;
    }
    return &s->items[id - 1];
}

/* ------------------------------------------------------------------ ops */

static int ms_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    store_t *s;
    (void)config;
    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->realloc == NULL || host->free == NULL)
        return BL_EINVAL;
    s = host->alloc(host->ctx, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    memset(s, 0, sizeof *s);
    s->host = host;
    *instance = s;
    return BL_OK;
}

static void ms_destroy(void *instance) {
    store_t *s = instance;
    if (s == NULL)
        return;
    s->host->free(s->host->ctx, s->items);
    s->host->free(s->host->ctx, s->log);
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
        if ((rc = validate_item(s, &items[i], i)) != BL_OK)
            return rc;
    if ((rc = reserve_all(s, n, n)) != BL_OK)
        return rc;
    /* Stage items and log entries past the committed counts, then commit. */
    for (size_t i = 0; i < n; i++) {
        bl_seizure_t *it = &s->items[s->n_items + i];
        *it = items[i];
        it->id = (uint64_t)(s->n_items + i) + 1;
        it->state = BL_SEIZURE_STORED;
        if ((rc = entry_prepare(s, s->n_log + i, OP_DEPOSIT, 0, it)) != BL_OK)
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

static int check_common(store_t *s, const char *op, const char *officer, double time) {
    if (officer != NULL && !arg_fits(officer, BL_STORE_TEXT)) {
        bl_host_logf(s->host, BL_LOG_ERROR, "%s: officer is longer than %d characters", op,
                     BL_STORE_TEXT - 1);
        return BL_EINVAL;
    }
    if (!isfinite(time)) {
        bl_host_logf(s->host, BL_LOG_ERROR, "%s: time is not finite", op);
        return BL_EINVAL;
    }
    return BL_OK;
}

static void set_officer(bl_seizure_t *it, const char *officer) {
    if (officer != NULL)
        memcpy(it->officer, officer, strlen(officer) + 1);
}

static int ms_move(void *instance, uint64_t id, const char *location, const char *officer,
                   double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if (location == NULL || location[0] == '\0' || !arg_fits(location, BL_STORE_TEXT)) {
        bl_host_logf(s->host, BL_LOG_ERROR, "move: location is empty or longer than %d characters",
                     BL_STORE_TEXT - 1);
        return BL_EINVAL;
    }
    if ((rc = check_common(s, "move", officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "move")) == NULL)
        return BL_ENOTFOUND;
    if (it->state == BL_SEIZURE_DISPOSED) {
        bl_host_logf(s->host, BL_LOG_ERROR, "move: seizure %llu was disposed of; it cannot move",
                     (unsigned long long)id);
        return BL_ESTATE;
    }
    next = *it;
    memcpy(next.location, location, strlen(location) + 1);
    set_officer(&next, officer);
    next.time = time;
    next.state = BL_SEIZURE_STORED; /* a retrieved item moved to a location is back in store */
    return commit(s, it, &next, OP_MOVE, 0);
}

static int ms_retrieve(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                       double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if (purpose < BL_PURPOSE_COURT || purpose > BL_PURPOSE_RETURN) {
        bl_host_logf(s->host, BL_LOG_ERROR, "retrieve: purpose %u is not a bl_retrieve_purpose_t",
                     purpose);
        return BL_EINVAL;
    }
    if ((rc = check_common(s, "retrieve", officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "retrieve")) == NULL)
        return BL_ENOTFOUND;
    if (it->state != BL_SEIZURE_STORED) {
        bl_host_logf(s->host, BL_LOG_ERROR, "retrieve: seizure %llu is %s, not in store",
                     (unsigned long long)id,
                     it->state == BL_SEIZURE_DISPOSED ? "disposed of" : "already retrieved");
        return BL_ESTATE;
    }
    next = *it;
    set_officer(&next, officer);
    next.time = time;
    next.state = BL_SEIZURE_RETRIEVED;
    return commit(s, it, &next, OP_RETRIEVE, purpose);
}

static int ms_dispose(void *instance, uint64_t id, const char *officer, double time) {
    store_t *s = instance;
    bl_seizure_t *it, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = check_common(s, "dispose", officer, time)) != BL_OK)
        return rc;
    if ((it = find(s, id, "dispose")) == NULL)
        return BL_ENOTFOUND;
    if (it->state == BL_SEIZURE_DISPOSED) {
        bl_host_logf(s->host, BL_LOG_ERROR, "dispose: seizure %llu was already disposed of",
                     (unsigned long long)id);
        return BL_ESTATE;
    }
    next = *it;
    set_officer(&next, officer);
    next.time = time;
    next.state = BL_SEIZURE_DISPOSED;
    return commit(s, it, &next, OP_DISPOSE, 0);
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
    unsigned char h[32];
    if (s == NULL || report == NULL)
        return BL_EINVAL;
    memset(report, 0, sizeof *report);
    report->entries = s->n_log;
    for (size_t i = 0; i < s->n_log; i++) {
        const custody_entry_t *e = &s->log[i];
        const char *why = NULL;
        if (e->seq != (uint64_t)i + 1)
            why = "sequence number out of order";
        else if (entry_hash(i == 0 ? zero_hash : s->log[i - 1].hash, e, h) != BL_OK)
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

BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,
                                                    const bl_host_t *host) {
    (void)host;
    return host_abi_major == BL_ABI_MAJOR ? &descriptor : NULL;
}
