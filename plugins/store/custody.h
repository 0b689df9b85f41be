/*
 * Custody chain and input rules shared by the reference seizure stores
 * (store/memory and store/sqlite).  Compiled into each store plugin (not a
 * library, nothing exported: plugins export only bl_plugin_entry), so both
 * stores refuse the same input with the same messages and give the same
 * operations the same custody hashes.
 *
 * Chain format: entry k (1-based seq) records one operation (deposit of one
 * item, move, retrieve, dispose) and the item as it stands after it.  Its
 * hash is SHA-256(prev || canonical(entry)), prev being entry k-1's hash
 * (32 zero bytes for entry 1).  canonical() is, in order: seq, op, purpose,
 * id, threat, state as little-endian u64; quantity, value, time as the
 * little-endian u64 of their IEEE-754 bits; case_id, description, unit,
 * officer, location each as a u64 byte length and the bytes (no NUL).
 *
 * Validation functions log why they refuse through host->log (host may be
 * NULL) and return BL_EINVAL or BL_ESTATE; they never change their inputs.
 *
 * Known locations: the optional store configuration key `locations` names
 * every storage location (room, shelf, bin) the store accepts, either as a
 * comma-separated list ("intake,A/s1/b1,A/s1/b2") or as `@path`, a text file
 * with one name per line (blank lines and lines starting with '#' skipped).
 * Surrounding blanks are trimmed.  When set, a deposit or move to a name not
 * in the list is refused; without it every non-empty location is accepted.
 */
#ifndef BL_STORE_CUSTODY_H
#define BL_STORE_CUSTODY_H

#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"

enum { CUSTODY_DEPOSIT = 1, CUSTODY_MOVE = 2, CUSTODY_RETRIEVE = 3, CUSTODY_DISPOSE = 4 };

#define CUSTODY_HASH 32

typedef struct custody_entry {
    uint64_t seq;      /* 1-based */
    uint32_t op;       /* CUSTODY_* */
    uint32_t purpose;  /* retrieve only, else 0 */
    bl_seizure_t item; /* the item after the operation */
    unsigned char hash[CUSTODY_HASH];
} custody_entry_t;

/* The "previous hash" of entry 1: 32 zero bytes. */
extern const unsigned char custody_zero_hash[CUSTODY_HASH];

/* out = SHA-256(prev || canonical(e)) (e->hash is not read); BL_OK or BL_EIO
 * when libcrypto fails.  prev, e and out are borrowed. */
int custody_hash(const unsigned char prev[CUSTODY_HASH], const custody_entry_t *e,
                 unsigned char out[CUSTODY_HASH]);

/* Fill *e as entry seq (op, purpose, a copy of *item) chained to prev and
 * hash it; logs and returns BL_EIO when hashing fails. */
int custody_entry_make(const bl_host_t *host, custody_entry_t *e, uint64_t seq, uint32_t op,
                       uint32_t purpose, const bl_seizure_t *item,
                       const unsigned char prev[CUSTODY_HASH]);

/* The storage locations a store knows: names sorted and unique (looked up
 * by binary search), n == 0 when the store accepts any location.  Embed it
 * in the store; custody_locations_init/_fini own names and text. */
typedef struct custody_locations {
    char **names; /* point into text */
    size_t n;
    char *text;
} custody_locations_t;

/* Read the `locations` key of config (borrowed) into *known: BL_OK (also
 * when the key is absent: any location is accepted), BL_ENOTFOUND when the
 * @file does not exist, BL_EIO when it cannot be read, BL_EINVAL when the
 * list names no location or a name is longer than BL_STORE_TEXT - 1, or
 * BL_ENOMEM; each failure is logged naming store (e.g. "memory store") and
 * the file.  On failure *known is left empty (custody_locations_fini is
 * still safe).  Allocates through host. */
int custody_locations_init(custody_locations_t *known, const bl_config_t *config,
                           const bl_host_t *host, const char *store);

/* Free what custody_locations_init allocated; *known becomes empty. */
void custody_locations_fini(custody_locations_t *known, const bl_host_t *host);

/* 1 when known accepts location (always when no list is configured). */
int custody_location_known(const custody_locations_t *known, const char *location);

/* Deposit rules for items[index] (borrowed), the location checked against
 * known (borrowed; NULL: any location): BL_OK or BL_EINVAL. */
int custody_check_item(const bl_host_t *host, const custody_locations_t *known,
                       const bl_seizure_t *it, size_t index);

/* Argument rules of move (location, checked against known as above,
 * officer, time), retrieve (purpose, officer, time) and dispose (officer,
 * time); officer may be NULL (keep the item's officer).  BL_OK or
 * BL_EINVAL. */
int custody_check_move(const bl_host_t *host, const custody_locations_t *known,
                       const char *location, const char *officer, double time);
int custody_check_retrieve(const bl_host_t *host, uint32_t purpose, const char *officer,
                           double time);
int custody_check_dispose(const bl_host_t *host, const char *officer, double time);

/* The item after move/retrieve/dispose of *cur (arguments already checked
 * with the matching custody_check_*) into *next, or BL_ESTATE when the
 * item's state forbids the operation.  cur and next may not alias. */
int custody_next_move(const bl_host_t *host, const bl_seizure_t *cur, const char *location,
                      const char *officer, double time, bl_seizure_t *next);
int custody_next_retrieve(const bl_host_t *host, const bl_seizure_t *cur, const char *officer,
                          double time, bl_seizure_t *next);
int custody_next_dispose(const bl_host_t *host, const bl_seizure_t *cur, const char *officer,
                         double time, bl_seizure_t *next);

/* The reason verify() reports for an intact chain: the entry count and the
 * chain head's hash in hex ("intact: N entries, head sha256 HEX"), so an
 * auditor can note the head and two stores given the same operations can
 * be compared.  reason has size bytes (128 fits). */
void custody_intact_reason(char *reason, size_t size, uint64_t entries,
                           const unsigned char head[CUSTODY_HASH]);

/* Log the refusal of an unknown id for op (the stores' shared wording). */
void custody_log_unknown(const bl_host_t *host, const char *op, uint64_t id);

#endif
