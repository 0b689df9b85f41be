/*
 * Custody chain hashing and input rules shared by the reference stores:
 * see custody.h for the chain format.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "custody.h"

const unsigned char custody_zero_hash[CUSTODY_HASH];

/* ------------------------------------------------------------------ hashing */

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

int custody_hash(const unsigned char prev[CUSTODY_HASH], const custody_entry_t *e,
                 unsigned char out[CUSTODY_HASH]) {
    canon_t c;
    const bl_seizure_t *it = &e->item;
    unsigned int len = 0;

    memcpy(c.buf, prev, CUSTODY_HASH);
    c.len = CUSTODY_HASH;
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
    if (EVP_Digest(c.buf, c.len, out, &len, EVP_sha256(), NULL) != 1 || len != CUSTODY_HASH)
        return BL_EIO;
    return BL_OK;
}

int custody_entry_make(const bl_host_t *host, custody_entry_t *e, uint64_t seq, uint32_t op,
                       uint32_t purpose, const bl_seizure_t *item,
                       const unsigned char prev[CUSTODY_HASH]) {
    memset(e, 0, sizeof *e);
    e->seq = seq;
    e->op = op;
    e->purpose = purpose;
    e->item = *item;
    if (custody_hash(prev, e, e->hash) != BL_OK) {
        bl_host_logf(host, BL_LOG_ERROR, "custody entry %llu: SHA-256 failed (libcrypto)",
                     (unsigned long long)seq);
        return BL_EIO;
    }
    return BL_OK;
}

/* ------------------------------------------------------------------ input rules */

/* A text field is valid when NUL-terminated within size. */
static int text_ok(const char *t, size_t size) { return memchr(t, '\0', size) != NULL; }

/* A caller-supplied string fits a text field. */
static int arg_fits(const char *t, size_t size) { return t != NULL && strlen(t) < size; }

int custody_check_item(const bl_host_t *host, const bl_seizure_t *it, size_t index) {
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
    bl_host_logf(host, BL_LOG_ERROR, "deposit: item %zu refused (%s): nothing was deposited", index,
                 why);
    return BL_EINVAL;
}

static int check_common(const bl_host_t *host, const char *op, const char *officer, double time) {
    if (officer != NULL && !arg_fits(officer, BL_STORE_TEXT)) {
        bl_host_logf(host, BL_LOG_ERROR, "%s: officer is longer than %d characters", op,
                     BL_STORE_TEXT - 1);
        return BL_EINVAL;
    }
    if (!isfinite(time)) {
        bl_host_logf(host, BL_LOG_ERROR, "%s: time is not finite", op);
        return BL_EINVAL;
    }
    return BL_OK;
}

int custody_check_move(const bl_host_t *host, const char *location, const char *officer,
                       double time) {
    if (location == NULL || location[0] == '\0' || !arg_fits(location, BL_STORE_TEXT)) {
        bl_host_logf(host, BL_LOG_ERROR, "move: location is empty or longer than %d characters",
                     BL_STORE_TEXT - 1);
        return BL_EINVAL;
    }
    return check_common(host, "move", officer, time);
}

int custody_check_retrieve(const bl_host_t *host, uint32_t purpose, const char *officer,
                           double time) {
    if (purpose < BL_PURPOSE_COURT || purpose > BL_PURPOSE_RETURN) {
        bl_host_logf(host, BL_LOG_ERROR, "retrieve: purpose %u is not a bl_retrieve_purpose_t",
                     purpose);
        return BL_EINVAL;
    }
    return check_common(host, "retrieve", officer, time);
}

int custody_check_dispose(const bl_host_t *host, const char *officer, double time) {
    return check_common(host, "dispose", officer, time);
}

/* ------------------------------------------------------------------ state changes */

static void set_officer(bl_seizure_t *it, const char *officer) {
    if (officer != NULL)
        memcpy(it->officer, officer, strlen(officer) + 1);
}

int custody_next_move(const bl_host_t *host, const bl_seizure_t *cur, const char *location,
                      const char *officer, double time, bl_seizure_t *next) {
    if (cur->state == BL_SEIZURE_DISPOSED) {
        bl_host_logf(host, BL_LOG_ERROR, "move: seizure %llu was disposed of; it cannot move",
                     (unsigned long long)cur->id);
        return BL_ESTATE;
    }
    *next = *cur;
    memcpy(next->location, location, strlen(location) + 1);
    set_officer(next, officer);
    next->time = time;
    next->state = BL_SEIZURE_STORED; /* a retrieved item moved to a location is back in store */
    return BL_OK;
}

int custody_next_retrieve(const bl_host_t *host, const bl_seizure_t *cur, const char *officer,
                          double time, bl_seizure_t *next) {
    if (cur->state != BL_SEIZURE_STORED) {
        bl_host_logf(host, BL_LOG_ERROR, "retrieve: seizure %llu is %s, not in store",
                     (unsigned long long)cur->id,
                     cur->state == BL_SEIZURE_DISPOSED ? "disposed of" : "already retrieved");
        return BL_ESTATE;
    }
    *next = *cur;
    set_officer(next, officer);
    next->time = time;
    next->state = BL_SEIZURE_RETRIEVED;
    return BL_OK;
}

int custody_next_dispose(const bl_host_t *host, const bl_seizure_t *cur, const char *officer,
                         double time, bl_seizure_t *next) {
    if (cur->state == BL_SEIZURE_DISPOSED) {
        bl_host_logf(host, BL_LOG_ERROR, "dispose: seizure %llu was already disposed of",
                     (unsigned long long)cur->id);
        return BL_ESTATE;
    }
    *next = *cur;
    set_officer(next, officer);
    next->time = time;
    next->state = BL_SEIZURE_DISPOSED;
    return BL_OK;
}

void custody_log_unknown(const bl_host_t *host, const char *op, uint64_t id) {
    bl_host_logf(host, BL_LOG_ERROR, "%s: no seizure with id %llu", op, (unsigned long long)id);
}

void custody_intact_reason(char *reason, size_t size, uint64_t entries,
                           const unsigned char head[CUSTODY_HASH]) {
    char hex[2 * CUSTODY_HASH + 1];
    for (int i = 0; i < CUSTODY_HASH; i++)
        snprintf(hex + 2 * i, 3, "%02x", head[i]);
    snprintf(reason, size, "intact: %llu entries, head sha256 %s", (unsigned long long)entries,
             hex);
}
