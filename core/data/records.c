/* Columnar record batches, schemas and string dictionaries: see records.h. */
#include "data/records.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ------------------------------------------------------------------ */
/* Dictionary                                                         */
/* ------------------------------------------------------------------ */

#define DICT_MIN_SLOTS 64
#define ARENA_CHUNK (64 * 1024)

/*
 * A slot holds what a probe needs to decide without another lookup: the
 * hash's upper bits with the key length in the low byte (saturated at 255),
 * the key's first 8 bytes zero-padded, then either its bytes 8..15
 * (zero-padded; keys of up to 16 bytes: codes, dates, most identifiers) or,
 * for longer keys, the label itself.  A short key is matched in the slot
 * (one cache miss per lookup); a long one compares the rest with the label
 * it points to (the tag's length byte spares a look at `lens` below 255).
 */
typedef struct dict_slot {
    uint32_t tag;
    int32_t code; /* -1: empty */
    uint64_t head;
    union {
        uint64_t rest;     /* len <= 16 */
        const char *label; /* len > 16 */
    } u;
} dict_slot_t;

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    char text[];
} arena_chunk_t;

struct bl_dict {
    dict_slot_t *slots;
    size_t mask; /* n_slots - 1 (a power of two) */
    size_t n;
    size_t labels_cap;
    char **labels;
    uint32_t *lens;
    arena_chunk_t *arena; /* newest first */
};

static inline uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t load32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Little-endian value of n (< 8) bytes at p, zero-padded, reading only
 * those bytes (overlapping loads write equal bytes onto each other). */
static inline uint64_t load_small(const unsigned char *p, size_t n) {
    if (n >= 4)
        return (uint64_t)load32(p) | ((uint64_t)load32(p + n - 4) << (8 * (n - 4)));
    if (n > 0)
        return (uint64_t)p[0] | ((uint64_t)p[n >> 1] << (8 * (n >> 1))) |
               ((uint64_t)p[n - 1] << (8 * (n - 1)));
    return 0;
}

/* The first 16 bytes of a key, zero-padded (byte-order independent
 * comparisons: both sides are built the same way). */
static inline void key_head(const unsigned char *p, size_t len, uint64_t head[2]) {
    if (len >= 16) {
        head[0] = load64(p);
        head[1] = load64(p + 8);
    } else if (len >= 8) {
        head[0] = load64(p);
        head[1] = load_small(p + 8, len - 8);
    } else {
        head[0] = load_small(p, len);
        head[1] = 0;
    }
}

#define H_P1 0x9E3779B185EBCA87ULL
#define H_P2 0xC2B2AE3D27D4EB4FULL
#define H_P3 0x165667B19E3779F9ULL

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t hash_head(const uint64_t head[2], size_t len) {
    uint64_t h = (uint64_t)len * H_P3;
    h ^= rotl64(head[0] * H_P2, 31) * H_P1;
    h = rotl64(h, 27) * H_P1 + 0x52DCE729;
    h ^= rotl64(head[1] * H_P2, 31) * H_P1;
    return fmix64(h);
}

/* Keys up to 16 bytes hash their zero-padded head and length; longer keys
 * go eight bytes at a time, murmur-style. */
static inline uint64_t hash_key(const unsigned char *p, size_t len, const uint64_t head[2]) {
    if (len <= 16)
        return hash_head(head, len);
    uint64_t h = (uint64_t)len * H_P3;
    size_t n = len;
    while (n >= 8) {
        h ^= rotl64(load64(p) * H_P2, 31) * H_P1;
        h = rotl64(h, 27) * H_P1 + 0x52DCE729;
        p += 8;
        n -= 8;
    }
    h ^= rotl64(load_small(p, n) * H_P2, 31) * H_P1;
    return fmix64(h);
}

uint64_t bl_dict_hash(const char *text, size_t len) {
    uint64_t head[2];
    key_head((const unsigned char *)text, len, head);
    return hash_key((const unsigned char *)text, len, head);
}

static inline uint32_t make_tag(uint64_t hash, size_t len) {
    return ((uint32_t)(hash >> 32) & 0xFFFFFF00u) | (uint32_t)(len < 255 ? len : 255);
}

/*
 * Slot tables past 2 MiB come from 2 MiB-aligned memory marked for
 * transparent huge pages: lookups land at random in the table, and with
 * 4 KiB pages nearly every one would also miss the TLB.  Where huge pages
 * are unavailable this is a plain allocation.
 */
#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

static dict_slot_t *slots_alloc(size_t n_slots) {
    size_t bytes = n_slots * sizeof(dict_slot_t);
    dict_slot_t *slots;
    if (bytes >= HUGE_PAGE) {
        slots = aligned_alloc(HUGE_PAGE, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
#ifdef MADV_HUGEPAGE
        if (slots != NULL)
            madvise(slots, bytes, MADV_HUGEPAGE);
#endif
    } else {
        slots = malloc(bytes);
    }
    if (slots != NULL)
        for (size_t i = 0; i < n_slots; i++)
            slots[i].code = -1;
    return slots;
}

bl_dict_t *bl_dict_new(void) {
    bl_dict_t *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->slots = slots_alloc(DICT_MIN_SLOTS);
    if (d->slots == NULL) {
        free(d);
        return NULL;
    }
    d->mask = DICT_MIN_SLOTS - 1;
    return d;
}

void bl_dict_free(bl_dict_t *d) {
    if (d == NULL)
        return;
    arena_chunk_t *c = d->arena;
    while (c != NULL) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(d->slots);
    free(d->labels);
    free(d->lens);
    free(d);
}

/* Slot index of the key, or of the empty slot that ends its probe. */
static inline size_t dict_probe(const bl_dict_t *d, const unsigned char *text, size_t len,
                                uint64_t hash, const uint64_t head[2]) {
    uint32_t tag = make_tag(hash, len);
    for (size_t i = (size_t)hash & d->mask;; i = (i + 1) & d->mask) {
        const dict_slot_t *s = &d->slots[i];
        if (s->code < 0)
            return i;
        if (s->tag != tag || s->head != head[0])
            continue;
        if (len <= 16 ? s->u.rest == head[1]
                      : (len < 255 || d->lens[s->code] == len) &&
                            memcmp(s->u.label + 8, text + 8, len - 8) == 0)
            return i;
    }
}

int32_t bl_dict_find_hashed(const bl_dict_t *d, const char *text, size_t len, uint64_t hash) {
    uint64_t head[2];
    key_head((const unsigned char *)text, len, head);
    return d->slots[dict_probe(d, (const unsigned char *)text, len, hash, head)].code;
}

void bl_dict_prefetch(const bl_dict_t *d, uint64_t hash) {
    __builtin_prefetch(&d->slots[(size_t)hash & d->mask]);
}

void bl_dict_prefetch_label(const bl_dict_t *d, uint64_t hash) {
    const dict_slot_t *s = &d->slots[(size_t)hash & d->mask];
    if (s->code >= 0 && (s->tag & 0xFF) > 16)
        __builtin_prefetch(s->u.label);
}

int32_t bl_dict_find(const bl_dict_t *d, const char *text, size_t len) {
    return bl_dict_find_hashed(d, text, len, bl_dict_hash(text, len));
}

/* Double the slot table, re-placing every slot (the hash is recomputed
 * from the label: slots keep only part of it). */
static int dict_grow(bl_dict_t *d) {
    size_t n_slots = (d->mask + 1) * 2;
    dict_slot_t *slots = slots_alloc(n_slots);
    if (slots == NULL)
        return -1;
    size_t mask = n_slots - 1;
    for (size_t old = 0; old <= d->mask; old++) {
        const dict_slot_t *s = &d->slots[old];
        if (s->code < 0)
            continue;
        size_t len = d->lens[s->code];
        uint64_t head[2] = {s->head, len <= 16 ? s->u.rest : 0};
        uint64_t h = hash_key((const unsigned char *)d->labels[s->code], len, head);
        size_t i = (size_t)h & mask;
        while (slots[i].code >= 0)
            i = (i + 1) & mask;
        slots[i] = *s;
    }
    free(d->slots);
    d->slots = slots;
    d->mask = mask;
    return 0;
}

/* A NUL-terminated copy of text in the arena. */
static char *arena_copy(bl_dict_t *d, const char *text, size_t len) {
    arena_chunk_t *c = d->arena;
    if (c == NULL || c->size - c->used < len + 1) {
        size_t size = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof *c + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = d->arena;
        d->arena = c;
    }
    char *out = c->text + c->used;
    memcpy(out, text, len);
    out[len] = '\0';
    c->used += len + 1;
    return out;
}

int32_t bl_dict_intern_hashed(bl_dict_t *d, const char *text, size_t len, uint64_t hash) {
    const unsigned char *t = (const unsigned char *)text;
    uint64_t head[2];
    key_head(t, len, head);
    size_t i = dict_probe(d, t, len, hash, head);
    if (d->slots[i].code >= 0)
        return d->slots[i].code;
    if (d->n >= INT32_MAX || len > UINT32_MAX)
        return -1;
    /* keep the load factor at most 5/8: probes stay short */
    if ((d->n + 1) * 8 > (d->mask + 1) * 5) {
        if (dict_grow(d) != 0)
            return -1;
        i = dict_probe(d, t, len, hash, head);
    }
    if (d->n == d->labels_cap) {
        size_t cap = d->labels_cap ? d->labels_cap * 2 : 64;
        char **labels = realloc(d->labels, cap * sizeof *labels);
        if (labels == NULL)
            return -1;
        d->labels = labels;
        uint32_t *lens = realloc(d->lens, cap * sizeof *lens);
        if (lens == NULL)
            return -1;
        d->lens = lens;
        d->labels_cap = cap;
    }
    char *copy = arena_copy(d, text, len);
    if (copy == NULL)
        return -1;
    int32_t code = (int32_t)d->n;
    d->labels[code] = copy;
    d->lens[code] = (uint32_t)len;
    d->n++;
    d->slots[i].tag = make_tag(hash, len);
    d->slots[i].code = code;
    d->slots[i].head = head[0];
    if (len <= 16)
        d->slots[i].u.rest = head[1];
    else
        d->slots[i].u.label = copy;
    return code;
}

int32_t bl_dict_intern(bl_dict_t *d, const char *text, size_t len) {
    return bl_dict_intern_hashed(d, text, len, bl_dict_hash(text, len));
}

size_t bl_dict_size(const bl_dict_t *d) { return d->n; }

const char *const *bl_dict_labels(const bl_dict_t *d) { return (const char *const *)d->labels; }

size_t bl_dict_label_len(const bl_dict_t *d, int32_t code) {
    if (code < 0 || (size_t)code >= d->n)
        return 0;
    return d->lens[code];
}

/* ------------------------------------------------------------------ */
/* Schema                                                             */
/* ------------------------------------------------------------------ */

static int valid_type(int type) {
    return type == BL_COLUMN_NUMERIC || type == BL_COLUMN_CATEGORICAL ||
           type == BL_COLUMN_IDENTIFIER;
}

int bl_schema_add(bl_schema_t *s, const char *name, int type, bl_error_t *err) {
    if (name == NULL || name[0] == '\0')
        return bl_error_set(err, BL_EINVAL, "schema: a column needs a non-empty name");
    if (!valid_type(type))
        return bl_error_set(err, BL_EINVAL,
                            "schema: column '%s' has unknown type %d: use numeric, categorical "
                            "or identifier",
                            name, type);
    if (bl_schema_find(s, name) >= 0)
        return bl_error_set(err, BL_EINVAL,
                            "schema: column '%s' is listed twice: list each column once", name);
    bl_schema_column_t *cols = realloc(s->columns, (s->n + 1) * sizeof *cols);
    if (cols == NULL)
        return bl_error_set(err, BL_ENOMEM, "schema: out of memory adding column '%s'", name);
    s->columns = cols;
    char *copy = strdup(name);
    if (copy == NULL)
        return bl_error_set(err, BL_ENOMEM, "schema: out of memory adding column '%s'", name);
    cols[s->n].name = copy;
    cols[s->n].type = type;
    s->n++;
    return 0;
}

int bl_schema_find(const bl_schema_t *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

void bl_schema_fini(bl_schema_t *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->columns[i].name);
    free(s->columns);
    s->columns = NULL;
    s->n = 0;
}

/* ------------------------------------------------------------------ */
/* Batch                                                              */
/* ------------------------------------------------------------------ */

int bl_batch_init(bl_batch_t *b, const bl_schema_t *schema, size_t capacity, bl_error_t *err) {
    memset(b, 0, sizeof *b);
    if (schema == NULL || capacity == 0)
        return bl_error_set(err, BL_EINVAL, "batch: needs a schema and a capacity of at least 1");
    if (capacity > SIZE_MAX / sizeof(double))
        return bl_error_set(err, BL_EINVAL, "batch: capacity %zu is too large", capacity);
    size_t n = schema->n;
    b->schema = schema;
    b->capacity = capacity;
    b->owns_dicts = 1;
    if (n == 0)
        return 0;
    b->numeric = calloc(n, sizeof *b->numeric);
    b->codes = calloc(n, sizeof *b->codes);
    b->dicts = calloc(n, sizeof *b->dicts);
    b->view = calloc(n, sizeof *b->view);
    if (b->numeric == NULL || b->codes == NULL || b->dicts == NULL || b->view == NULL)
        goto nomem;
    for (size_t c = 0; c < n; c++) {
        int type = schema->columns[c].type;
        if (!valid_type(type)) {
            bl_batch_fini(b);
            return bl_error_set(err, BL_EINVAL, "batch: column '%s' has unknown type %d",
                                schema->columns[c].name, type);
        }
        if (type == BL_COLUMN_NUMERIC) {
            b->numeric[c] = malloc(capacity * sizeof(double));
            if (b->numeric[c] == NULL)
                goto nomem;
        } else {
            b->codes[c] = malloc(capacity * sizeof(int32_t));
            b->dicts[c] = bl_dict_new();
            if (b->codes[c] == NULL || b->dicts[c] == NULL)
                goto nomem;
        }
    }
    return 0;
nomem:
    bl_batch_fini(b);
    return bl_error_set(err, BL_ENOMEM, "batch: out of memory for %zu rows of %zu columns",
                        capacity, n);
}

void bl_batch_fini(bl_batch_t *b) {
    if (b == NULL)
        return;
    size_t n = b->schema != NULL ? b->schema->n : 0;
    for (size_t c = 0; c < n; c++) {
        if (b->numeric != NULL)
            free(b->numeric[c]);
        if (b->codes != NULL)
            free(b->codes[c]);
        if (b->dicts != NULL && b->owns_dicts)
            bl_dict_free(b->dicts[c]);
    }
    free(b->numeric);
    free(b->codes);
    free(b->dicts);
    free(b->view);
    memset(b, 0, sizeof *b);
}

int bl_batch_share_dicts(bl_batch_t *b, const bl_batch_t *other, bl_error_t *err) {
    size_t n = b->schema->n;
    if (other->schema->n != n)
        return bl_error_set(err, BL_EINVAL,
                            "batch: cannot share dictionaries between schemas of %zu and %zu "
                            "columns",
                            n, other->schema->n);
    for (size_t c = 0; c < n; c++)
        if (b->schema->columns[c].type != other->schema->columns[c].type)
            return bl_error_set(err, BL_EINVAL,
                                "batch: cannot share dictionaries: column %zu ('%s') has "
                                "another type in the other schema",
                                c + 1, b->schema->columns[c].name);
    for (size_t c = 0; c < n; c++) {
        if (b->owns_dicts && b->dicts[c] != other->dicts[c])
            bl_dict_free(b->dicts[c]);
        b->dicts[c] = other->dicts[c];
    }
    b->owns_dicts = 0;
    return 0;
}

void bl_batch_clear(bl_batch_t *b) { b->n_rows = 0; }

bl_records_t bl_batch_records(bl_batch_t *b) {
    size_t n = b->schema->n;
    for (size_t c = 0; c < n; c++) {
        bl_column_t *v = &b->view[c];
        v->name = b->schema->columns[c].name;
        v->type = (uint32_t)b->schema->columns[c].type;
        v->numeric = b->numeric[c];
        v->codes = b->codes[c];
        if (b->dicts[c] != NULL) {
            v->n_categories = (uint32_t)bl_dict_size(b->dicts[c]);
            v->categories = bl_dict_labels(b->dicts[c]);
        } else {
            v->n_categories = 0;
            v->categories = NULL;
        }
    }
    bl_records_t r = {.size = sizeof(bl_records_t),
                      .n_columns = (uint32_t)n,
                      .n_rows = b->n_rows,
                      .columns = b->view};
    return r;
}
