/*
 * Custody chain hashing and input rules shared by the reference stores:
 * see custody.h for the chain format.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ------------------------------------------------------------------ known locations */

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Read the whole of path into a host-allocated, NUL-terminated *out. */
static int read_file(const bl_host_t *host, const char *store, const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    long size = -1;
    char *buf = NULL;
    int rc = BL_EIO;

    *out = NULL;
    if (f == NULL) {
        int missing = errno == ENOENT;
        bl_host_logf(host, BL_LOG_ERROR, "%s: locations file %s: %s", store, path, strerror(errno));
        return missing ? BL_ENOTFOUND : BL_EIO;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    if ((buf = host->alloc(host->ctx, (size_t)size + 1)) == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    buf[size] = '\0';
    *out = buf;
    buf = NULL;
    rc = BL_OK;
out:
    if (rc == BL_EIO)
        bl_host_logf(host, BL_LOG_ERROR, "%s: locations file %s cannot be read", store, path);
    if (buf != NULL)
        host->free(host->ctx, buf);
    fclose(f);
    return rc;
}

/* Cut text at sep into trimmed names (skipping empty ones and, in files,
 * '#' comments); store them in names when not NULL.  Returns the count, or
 * (size_t)-1 after logging a name that is too long. */
static size_t split_names(const bl_host_t *host, const char *store, const char *source, char *text,
                          char sep, char **names) {
    size_t n = 0;
    char *p = text;
    while (p != NULL) {
        char *end = strchr(p, sep), *next = end != NULL ? end + 1 : NULL;
        if (end == NULL)
            end = p + strlen(p);
        while (p < end && is_blank(*p))
            p++;
        while (end > p && is_blank(end[-1]))
            end--;
        if (end > p && !(sep == '\n' && *p == '#')) {
            if ((size_t)(end - p) >= BL_STORE_TEXT) {
                bl_host_logf(host, BL_LOG_ERROR,
                             "%s: locations (%s): name '%.*s...' is longer than %d characters",
                             store, source, 20, p, BL_STORE_TEXT - 1);
                return (size_t)-1;
            }
            if (names != NULL) {
                *end = '\0';
                names[n] = p;
            }
            n++;
        }
        p = next;
    }
    return n;
}

int custody_locations_init(custody_locations_t *known, const bl_config_t *config,
                           const bl_host_t *host, const char *store) {
    const char *value = bl_config_get(config, "locations");
    const char *source = "locations=";
    char sep = ',';
    size_t n;
    int rc;

    memset(known, 0, sizeof *known);
    if (value == NULL)
        return BL_OK;
    if (value[0] == '@') {
        source = value + 1;
        sep = '\n';
        if ((rc = read_file(host, store, source, &known->text)) != BL_OK)
            return rc;
    } else {
        size_t len = strlen(value);
        if ((known->text = host->alloc(host->ctx, len + 1)) == NULL)
            return BL_ENOMEM;
        memcpy(known->text, value, len + 1);
    }
    /* Count first (text untouched), then cut the names out in place. */
    n = split_names(host, store, source, known->text, sep, NULL);
    if (n == (size_t)-1 || n == 0) {
        if (n == 0)
            bl_host_logf(host, BL_LOG_ERROR,
                         "%s: locations (%s) names no location: give at least one name, or "
                         "leave locations out to accept any",
                         store, source);
        rc = BL_EINVAL;
        goto fail;
    }
    if ((known->names = host->alloc(host->ctx, n * sizeof *known->names)) == NULL) {
        rc = BL_ENOMEM;
        goto fail;
    }
    split_names(host, store, source, known->text, sep, known->names);
    qsort(known->names, n, sizeof *known->names, name_cmp);
    known->n = 1;
    for (size_t i = 1; i < n; i++) /* drop duplicates */
        if (strcmp(known->names[i], known->names[known->n - 1]) != 0)
            known->names[known->n++] = known->names[i];
    return BL_OK;
fail:
    custody_locations_fini(known, host);
    return rc;
}

void custody_locations_fini(custody_locations_t *known, const bl_host_t *host) {
    if (known->names != NULL)
        host->free(host->ctx, known->names);
    if (known->text != NULL)
        host->free(host->ctx, known->text);
    memset(known, 0, sizeof *known);
}

int custody_location_known(const custody_locations_t *known, const char *location) {
    if (known == NULL || known->n == 0)
        return 1;
    return bsearch(&location, known->names, known->n, sizeof *known->names, name_cmp) != NULL;
}

/* "the store knows N locations: a, b, c, ..." into out (first names that fit). */
static void describe_known(const custody_locations_t *known, char *out, size_t size) {
    size_t len = (size_t)snprintf(out, size, "the store knows %zu location%s: ", known->n,
                                  known->n == 1 ? "" : "s");
    for (size_t i = 0; i < known->n && len < size; i++) {
        const char *sepr = i == 0 ? "" : ", ";
        size_t need = strlen(sepr) + strlen(known->names[i]);
        if (len + need + 5 >= size || (i > 0 && len + need > 80)) {
            snprintf(out + len, size - len, "%s...", sepr);
            return;
        }
        len += (size_t)snprintf(out + len, size - len, "%s%s", sepr, known->names[i]);
    }
}

/* Log and return BL_EINVAL when location is not known; what prefixes it. */
static int check_known(const bl_host_t *host, const custody_locations_t *known, const char *what,
                       const char *location, const char *tail) {
    char list[160];
    if (custody_location_known(known, location))
        return BL_OK;
    describe_known(known, list, sizeof list);
    bl_host_logf(host, BL_LOG_ERROR,
                 "%s: location '%s' is not a known storage location (%s; configure them with "
                 "locations=)%s",
                 what, location, list, tail);
    return BL_EINVAL;
}

/* ------------------------------------------------------------------ input rules */

/* A text field is valid when NUL-terminated within size. */
static int text_ok(const char *t, size_t size) { return memchr(t, '\0', size) != NULL; }

/* A caller-supplied string fits a text field. */
static int arg_fits(const char *t, size_t size) { return t != NULL && strlen(t) < size; }

int custody_check_item(const bl_host_t *host, const custody_locations_t *known,
                       const bl_seizure_t *it, size_t index) {
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
    if (why == NULL) {
        char what[40];
        snprintf(what, sizeof what, "deposit: item %zu refused", index);
        return check_known(host, known, what, it->location, ": nothing was deposited");
    }
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

int custody_check_move(const bl_host_t *host, const custody_locations_t *known,
                       const char *location, const char *officer, double time) {
    if (location == NULL || location[0] == '\0' || !arg_fits(location, BL_STORE_TEXT)) {
        bl_host_logf(host, BL_LOG_ERROR, "move: location is empty or longer than %d characters",
                     BL_STORE_TEXT - 1);
        return BL_EINVAL;
    }
    if (check_known(host, known, "move", location, "") != BL_OK)
        return BL_EINVAL;
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
