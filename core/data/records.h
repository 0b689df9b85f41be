/*
 * Columnar record batches (declarations, travellers) as the host holds
 * them: a schema of typed columns, per-column storage, and a dictionary per
 * categorical or identifier column whose codes stay stable across batches
 * (so a model sees "CN" as the same code in every batch).  A batch hands
 * plugins a bl_records_t view (borderlab/plugin.h) that borrows it.
 *
 * Missing values: NaN in a numeric column, code -1 in a categorical or
 * identifier column.
 */
#ifndef BL_RECORDS_H
#define BL_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"

/* ------------------------------------------------------------------ */
/* Dictionary: string -> dense int32 code                             */
/* ------------------------------------------------------------------ */

/*
 * String -> code dictionary; codes are dense from 0 in first-seen order and
 * never change once given.  An open-addressing hash table (linear probing,
 * load factor <= 1/2) over labels kept in an arena, so interning does one
 * allocation per 64 KiB of text, not one per label.  Not thread-safe.
 */
typedef struct bl_dict bl_dict_t;

/* A new empty dictionary (caller frees with bl_dict_free); NULL when out of
 * memory. */
bl_dict_t *bl_dict_new(void);
void bl_dict_free(bl_dict_t *d);

/* Code of text (len bytes, need not be NUL-terminated, may contain NUL),
 * adding a copy when new; -1 only when memory runs out or the dictionary
 * already holds INT32_MAX labels.  text is borrowed for the call. */
int32_t bl_dict_intern(bl_dict_t *d, const char *text, size_t len);

/* Code of text or -1 when absent (nothing added). */
int32_t bl_dict_find(const bl_dict_t *d, const char *text, size_t len);

/* The hash bl_dict_find and bl_dict_intern use, and variants taking it
 * precomputed: a caller that looks a string up and interns it later (the
 * CSV reader does for rows it has not validated yet) hashes it once. */
uint64_t bl_dict_hash(const char *text, size_t len);
int32_t bl_dict_find_hashed(const bl_dict_t *d, const char *text, size_t len, uint64_t hash);
int32_t bl_dict_intern_hashed(bl_dict_t *d, const char *text, size_t len, uint64_t hash);

/* Start loading the slot a lookup of hash will probe first, so several
 * lookups (the cells of one CSV row) wait for memory at the same time. */
void bl_dict_prefetch(const bl_dict_t *d, uint64_t hash);
/* Second stage, once that slot has arrived: when it holds a key longer
 * than 16 bytes, start loading its label (the comparison reads it). */
void bl_dict_prefetch_label(const bl_dict_t *d, uint64_t hash);

size_t bl_dict_size(const bl_dict_t *d);

/* Labels by code, each NUL-terminated (borrowed: the array is valid until
 * the next intern, the strings until bl_dict_free). */
const char *const *bl_dict_labels(const bl_dict_t *d);

/* Length in bytes of the label of code (0 for a code out of range). */
size_t bl_dict_label_len(const bl_dict_t *d, int32_t code);

/* ------------------------------------------------------------------ */
/* Schema                                                             */
/* ------------------------------------------------------------------ */

/* One column of a schema. */
typedef struct bl_schema_column {
    char *name; /* owned */
    int type;   /* bl_column_type_t */
} bl_schema_column_t;

/* Initialise with `bl_schema_t s = {0};`, release with bl_schema_fini. */
typedef struct bl_schema {
    size_t n;
    bl_schema_column_t *columns; /* owned */
} bl_schema_t;

/* Append a column (name copied).  BL_EINVAL for an empty or duplicate name
 * or an unknown type; BL_ENOMEM. */
int bl_schema_add(bl_schema_t *s, const char *name, int type, bl_error_t *err);
int bl_schema_find(const bl_schema_t *s, const char *name); /* index or -1 */
void bl_schema_fini(bl_schema_t *s);

/* ------------------------------------------------------------------ */
/* Batch                                                              */
/* ------------------------------------------------------------------ */

/* A batch of up to `capacity` rows of a schema.  Fields are public so
 * producers (the CSV reader, the declaration generator) write columns
 * directly; set n_rows when done. */
typedef struct bl_batch {
    const bl_schema_t *schema; /* borrowed: must outlive the batch */
    size_t capacity;
    size_t n_rows;
    double **numeric;  /* [column] -> capacity values (NULL for non-numeric); NaN = missing */
    int32_t **codes;   /* [column] -> capacity codes (NULL for numeric); -1 = missing */
    bl_dict_t **dicts; /* [column] -> dictionary (NULL for numeric); owned by the batch
                          unless shared with bl_batch_share_dicts */
    bl_column_t *view; /* [column] the plugin-facing view, refreshed by bl_batch_records */
    int owns_dicts;
} bl_batch_t;

/* Allocate storage for capacity (> 0) rows of schema (borrowed) and one
 * empty dictionary per non-numeric column.  BL_EINVAL, BL_ENOMEM; on
 * failure *b is left empty (bl_batch_fini is safe). */
int bl_batch_init(bl_batch_t *b, const bl_schema_t *schema, size_t capacity, bl_error_t *err);
void bl_batch_fini(bl_batch_t *b);

/* Use other's dictionaries (borrowed: other must outlive b) so codes agree
 * between batches; b's own dictionaries are freed.  BL_EINVAL when the
 * schemas differ in column count or types. */
int bl_batch_share_dicts(bl_batch_t *b, const bl_batch_t *other, bl_error_t *err);

void bl_batch_clear(bl_batch_t *b); /* n_rows = 0, dictionaries kept */

/* The plugin view of rows [0, n_rows): borrows b and is valid until the
 * batch or its dictionaries change. */
bl_records_t bl_batch_records(bl_batch_t *b);

#endif
