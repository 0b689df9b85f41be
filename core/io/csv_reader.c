/*
 * Streaming CSV reader: see csv_reader.h.
 *
 * libcsv is push-based: csv_parse() runs callbacks for every cell and row
 * of the bytes it is given and cannot be stopped part-way.  So the reader
 * feeds it 64 KiB slices of a 1 MiB block and returns once the batch is
 * full; rows that complete in the same slice after the batch filled wait in
 * a small row-major "spill" area and open the next batch.  The parser's
 * state (a cell or row cut by a slice boundary) lives in libcsv.
 *
 * Hot path: a cell is converted straight from libcsv's buffer into a
 * one-row scratch area, with no allocation per cell: numbers through a
 * fast path, labels hashed, their dictionary slot prefetched and the text
 * kept in the scratch area.  When the row ends and is known to be good the
 * labels are interned (by then the slots of all its cells are on their way
 * from memory, so the cache misses of high-cardinality columns overlap)
 * and the row is copied into the batch.  A bad row never adds labels.
 */
#include "io/csv_reader.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (1024 * 1024)
#define SLICE_SIZE (64 * 1024)
#define MAX_CELL_BYTES ((size_t)64 * 1024 * 1024)
#define PREVIEW 40

enum bad_kind { BAD_NONE = 0, BAD_NUMBER, BAD_COUNT };

/* A label of the current row, looked up when the row ends. */
typedef struct pending {
    size_t column; /* schema column */
    size_t offset; /* into pend_text */
    size_t len;
    uint64_t hash;
} pending_t;

struct bl_csv_reader {
    char *path;
    FILE *fp;
    struct csv_parser parser;
    int parser_live;
    int bad_rows;

    /* input */
    unsigned char *block;
    size_t block_len, block_pos;
    int eof;      /* fread returned nothing more */
    int finished; /* csv_fini done: no more rows */
    int at_start; /* BOM not checked yet */
    uint64_t bytes;

    /* header */
    int in_header;
    char **header;
    size_t n_header, header_cap;

    /* the caller's columns */
    size_t n_cols;
    int *types;        /* [schema column] */
    int32_t *map;      /* [file column] -> schema column or -1 */
    bl_dict_t **dicts; /* [schema column], borrowed from the batches */
    const bl_schema_t *schema;

    /* the row being parsed */
    size_t col;      /* cells seen so far in the row */
    double *row_val; /* [schema column] */
    int32_t *row_code;
    pending_t *pend; /* up to n_cols */
    size_t n_pend;
    char *pend_text;
    size_t pend_len, pend_cap;
    int bad;        /* enum bad_kind */
    size_t bad_col; /* file column of the first bad cell */
    char bad_text[PREVIEW + 4];
    uint64_t row_no; /* records ended so far (the header is record 1) */

    /* output */
    bl_batch_t *batch; /* during bl_csv_read */
    double *spill_val; /* row-major, n_cols per row */
    int32_t *spill_code;
    size_t spill_n, spill_pos, spill_cap;
    uint64_t rows, skipped;

    /* a failure inside a callback, reported when csv_parse returns */
    int failed;
    bl_error_t error;
};

/* ------------------------------------------------------------------ */
/* Numbers                                                            */
/* ------------------------------------------------------------------ */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod for what the fast path leaves: long mantissas, big exponents.
 * Refuses hex, inf and nan (only an empty cell is missing). */
static int parse_number_slow(const char *s, size_t len, double *out) {
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!((*p >= '0' && *p <= '9') || *p == '.'))
        return -1;
    if (memchr(s, 'x', len) != NULL || memchr(s, 'X', len) != NULL)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end); /* s[len] is NUL (CSV_APPEND_NULL) */
    if (end != s + len || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/*
 * Decimal text -> double.  Mantissas up to 2^53 with a power of ten up to
 * 1e22 are exact doubles, so one multiply or divide is correctly rounded:
 * the same answer as strtod (Clinger's fast path).  Everything else goes to
 * strtod.  s is NUL-terminated at s[len].
 */
static inline int parse_number(const char *s, size_t len, double *out) {
    const char *p = s, *end = s + len;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    } else if (*p == '+') {
        p++;
    }
    uint64_t m = 0;
    int n_sig = 0, n_digits = 0, frac = 0;
    while (p < end && (unsigned)(*p - '0') < 10) {
        if (n_sig < 19) {
            m = m * 10 + (unsigned)(*p - '0');
            n_sig += m != 0;
        } else {
            n_sig++;
        }
        n_digits++;
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (n_sig < 19) {
                m = m * 10 + (unsigned)(*p - '0');
                n_sig += m != 0;
            } else {
                n_sig++;
            }
            n_digits++;
            frac++;
            p++;
        }
    }
    if (n_digits == 0)
        return parse_number_slow(s, len, out);
    int e = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        if (p == end || end - p > 4)
            return parse_number_slow(s, len, out);
        while (p < end && (unsigned)(*p - '0') < 10)
            e = e * 10 + (*p++ - '0');
        if (eneg)
            e = -e;
    }
    if (p != end || n_sig > 19 || m > (1ULL << 53))
        return parse_number_slow(s, len, out);
    e -= frac;
    double v = (double)m;
    if (m == 0 || e == 0) {
        /* nothing to scale */
    } else if (e > 0 && e <= 22) {
        v *= pow10_exact[e];
    } else if (e < 0 && e >= -22) {
        v /= pow10_exact[-e];
    } else {
        return parse_number_slow(s, len, out);
    }
    *out = neg ? -v : v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                          */
/* ------------------------------------------------------------------ */

/* Stop at the first failure; a message set before (bl_error_set keeps the
 * first) wins over the generic one. */
static void fail(bl_csv_reader_t *r, int code) {
    if (!r->failed)
        r->failed = code;
    bl_error_set(&r->error, code, "%s: out of memory near row %llu", r->path,
                 (unsigned long long)r->row_no + 1);
}

static void mark_bad(bl_csv_reader_t *r, int kind, size_t file_col, const char *text, size_t len) {
    r->bad = kind;
    r->bad_col = file_col;
    if (len > PREVIEW) {
        memcpy(r->bad_text, text, PREVIEW);
        memcpy(r->bad_text + PREVIEW, "...", 4);
    } else {
        memcpy(r->bad_text, text, len);
        r->bad_text[len] = '\0';
    }
}

static void header_cell(bl_csv_reader_t *r, const char *text, size_t len) {
    if (r->n_header == r->header_cap) {
        size_t cap = r->header_cap ? r->header_cap * 2 : 16;
        char **h = realloc(r->header, cap * sizeof *h);
        if (h == NULL) {
            fail(r, BL_ENOMEM);
            return;
        }
        r->header = h;
        r->header_cap = cap;
    }
    char *name = malloc(len + 1);
    if (name == NULL) {
        fail(r, BL_ENOMEM);
        return;
    }
    memcpy(name, text, len);
    name[len] = '\0';
    r->header[r->n_header++] = name;
}

static void on_cell(void *s, size_t len, void *data) {
    bl_csv_reader_t *r = data;
    const char *text = s != NULL ? (const char *)s : "";
    size_t col = r->col++;
    if (r->failed)
        return;
    if (r->in_header) {
        header_cell(r, text, len);
        return;
    }
    if (col >= r->n_header) {
        if (col == r->n_header) /* keep the first extra cell for the message */
            mark_bad(r, BAD_COUNT, col, text, len);
        return;
    }
    int32_t sc = r->map[col];
    if (sc < 0)
        return;
    if (r->types[sc] == BL_COLUMN_NUMERIC) {
        if (len == 0)
            r->row_val[sc] = NAN;
        else if (parse_number(text, len, &r->row_val[sc]) != 0 && r->bad == BAD_NONE)
            mark_bad(r, BAD_NUMBER, col, text, len);
        return;
    }
    if (len == 0) {
        r->row_code[sc] = -1;
        return;
    }
    /* Look the label up when the row ends: the slot is prefetched now, so
     * the lookups of a row's cells overlap their cache misses, and a bad
     * row never adds labels. */
    uint64_t h = bl_dict_hash(text, len);
    bl_dict_prefetch(r->dicts[sc], h);
    if (r->pend_len + len > r->pend_cap) {
        size_t cap = r->pend_cap * 2 > r->pend_len + len ? r->pend_cap * 2 : r->pend_len + len;
        char *t = realloc(r->pend_text, cap);
        if (t == NULL) {
            fail(r, BL_ENOMEM);
            return;
        }
        r->pend_text = t;
        r->pend_cap = cap;
    }
    memcpy(r->pend_text + r->pend_len, text, len);
    r->pend[r->n_pend++] = (pending_t){(size_t)sc, r->pend_len, len, h};
    r->pend_len += len;
}

static int spill_row(bl_csv_reader_t *r) {
    if (r->spill_n == r->spill_cap) {
        size_t cap = r->spill_cap ? r->spill_cap * 2 : 256;
        double *v = realloc(r->spill_val, cap * r->n_cols * sizeof *v);
        if (v == NULL)
            return -1;
        r->spill_val = v;
        int32_t *c = realloc(r->spill_code, cap * r->n_cols * sizeof *c);
        if (c == NULL)
            return -1;
        r->spill_code = c;
        r->spill_cap = cap;
    }
    memcpy(r->spill_val + r->spill_n * r->n_cols, r->row_val, r->n_cols * sizeof(double));
    memcpy(r->spill_code + r->spill_n * r->n_cols, r->row_code, r->n_cols * sizeof(int32_t));
    r->spill_n++;
    return 0;
}

static void commit_row(bl_csv_reader_t *r) {
    /* long labels are compared with the stored label: start loading those
     * before interning, so their misses overlap the other cells' work */
    for (size_t i = 0; i < r->n_pend; i++)
        if (r->pend[i].len > 16)
            bl_dict_prefetch_label(r->dicts[r->pend[i].column], r->pend[i].hash);
    for (size_t i = 0; i < r->n_pend; i++) {
        const pending_t *p = &r->pend[i];
        int32_t code =
            bl_dict_intern_hashed(r->dicts[p->column], r->pend_text + p->offset, p->len, p->hash);
        if (code < 0) {
            fail(r, BL_ENOMEM);
            return;
        }
        r->row_code[p->column] = code;
    }
    bl_batch_t *b = r->batch;
    if (b != NULL && b->n_rows < b->capacity && r->spill_n == r->spill_pos) {
        size_t row = b->n_rows++;
        for (size_t c = 0; c < r->n_cols; c++) {
            if (r->types[c] == BL_COLUMN_NUMERIC)
                b->numeric[c][row] = r->row_val[c];
            else
                b->codes[c][row] = r->row_code[c];
        }
    } else if (spill_row(r) != 0) {
        fail(r, BL_ENOMEM);
    }
}

static void report_bad_row(bl_csv_reader_t *r) {
    uint64_t row = r->row_no;
    if (r->bad == BAD_NUMBER) {
        bl_error_set(&r->error, BL_EINVAL,
                     "%s row %llu, column '%s': '%s' is not a number: fix the cell (leave it "
                     "empty when the value is missing) or set on_bad_row = \"skip\"",
                     r->path, (unsigned long long)row, r->header[r->bad_col], r->bad_text);
    } else if (r->col > r->n_header) {
        bl_error_set(&r->error, BL_EINVAL,
                     "%s row %llu: %zu cells, the header has %zu (first extra cell: '%s'): "
                     "quote cells that contain commas, fix the row or set on_bad_row = "
                     "\"skip\"",
                     r->path, (unsigned long long)row, r->col, r->n_header, r->bad_text);
    } else {
        bl_error_set(&r->error, BL_EINVAL,
                     "%s row %llu, column '%s': missing, the row has %zu cells and the header "
                     "%zu: fix the row or set on_bad_row = \"skip\"",
                     r->path, (unsigned long long)row, r->header[r->col], r->col, r->n_header);
    }
    fail(r, BL_EINVAL);
}

static void on_row(int c, void *data) {
    (void)c;
    bl_csv_reader_t *r = data;
    r->row_no++;
    if (!r->failed) {
        if (r->in_header) {
            r->in_header = 0; /* columns are mapped by bl_csv_open */
        } else {
            if (r->col < r->n_header)
                r->bad = BAD_COUNT;
            if (r->bad == BAD_NONE)
                commit_row(r);
            else if (r->bad_rows == BL_CSV_SKIP_BAD_ROWS)
                r->skipped++;
            else
                report_bad_row(r);
        }
    }
    r->col = 0;
    r->bad = BAD_NONE;
    r->n_pend = 0;
    r->pend_len = 0;
}

/* ------------------------------------------------------------------ */
/* Feeding libcsv                                                     */
/* ------------------------------------------------------------------ */

/* Parse len bytes at p; 0 or a BL_E* code with r->error set. */
static int feed(bl_csv_reader_t *r, const unsigned char *p, size_t len) {
    size_t done = csv_parse(&r->parser, p, len, on_cell, on_row, r);
    if (done != len) {
        int e = csv_error(&r->parser);
        if (e == CSV_EPARSE) {
            bl_error_set(&r->error, BL_EINVAL,
                         "%s row %llu: broken quoting near byte %llu (a quote inside an "
                         "unquoted cell, or text after a closing quote): quote the whole cell "
                         "and double each quote inside it (\"\")",
                         r->path, (unsigned long long)r->row_no + 1,
                         (unsigned long long)(r->bytes - (r->block_len - r->block_pos) + done + 1));
            fail(r, BL_EINVAL);
        } else {
            bl_error_set(&r->error, BL_ENOMEM, "%s row %llu: %s", r->path,
                         (unsigned long long)r->row_no + 1, csv_strerror(e));
            fail(r, BL_ENOMEM);
        }
    } else if (!r->failed && csv_get_buffer_size(&r->parser) > MAX_CELL_BYTES) {
        bl_error_set(&r->error, BL_EINVAL,
                     "%s row %llu: a cell longer than %zu MiB, probably a quote that is never "
                     "closed: close it, or double each quote inside a quoted cell (\"\")",
                     r->path, (unsigned long long)r->row_no + 1, MAX_CELL_BYTES >> 20);
        fail(r, BL_EINVAL);
    }
    return r->failed;
}

/* Refill the block; sets eof at the end of the file. */
static int refill(bl_csv_reader_t *r) {
    size_t n = fread(r->block, 1, BLOCK_SIZE, r->fp);
    if (n == 0 && ferror(r->fp)) {
        bl_error_set(&r->error, BL_EIO, "cannot read %s: %s", r->path, strerror(errno));
        fail(r, BL_EIO);
        return r->failed;
    }
    r->bytes += n;
    r->block_len = n;
    r->block_pos = 0;
    if (n == 0)
        r->eof = 1;
    if (r->at_start && n > 0) {
        r->at_start = 0;
        if (n >= 3 && r->block[0] == 0xEF && r->block[1] == 0xBB && r->block[2] == 0xBF)
            r->block_pos = 3;
    }
    return 0;
}

/* End of input: flush libcsv's last row (a file need not end in a line
 * break) and catch an unterminated quote. */
static int finish_input(bl_csv_reader_t *r) {
    r->finished = 1;
    if (csv_fini(&r->parser, on_cell, on_row, r) != 0 && !r->failed) {
        bl_error_set(&r->error, BL_EINVAL,
                     "%s row %llu: a quoted cell is never closed before the end of the file: "
                     "add the closing quote",
                     r->path, (unsigned long long)r->row_no + 1);
        fail(r, BL_EINVAL);
    }
    return r->failed;
}

/* ------------------------------------------------------------------ */
/* Open                                                               */
/* ------------------------------------------------------------------ */

/* Map the caller's columns onto the header's names. */
static int map_columns(bl_csv_reader_t *r, const bl_csv_column_t *columns, size_t n) {
    r->map = malloc((r->n_header ? r->n_header : 1) * sizeof *r->map);
    if (r->map == NULL)
        return bl_error_set(&r->error, BL_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->n_header; i++)
        r->map[i] = -1;
    for (size_t c = 0; c < n; c++) {
        size_t found = SIZE_MAX;
        for (size_t i = 0; i < r->n_header; i++) {
            if (strcmp(r->header[i], columns[c].name) != 0)
                continue;
            if (found != SIZE_MAX)
                return bl_error_set(&r->error, BL_EINVAL,
                                    "%s: column '%s' appears twice in the header (columns %zu "
                                    "and %zu): rename one of them",
                                    r->path, columns[c].name, found + 1, i + 1);
            found = i;
        }
        if (found == SIZE_MAX) {
            char names[700];
            size_t used = 0;
            names[0] = '\0';
            for (size_t i = 0; i < r->n_header && used < sizeof names - 1; i++) {
                int w = snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "",
                                 r->header[i]);
                if (w < 0 || (size_t)w >= sizeof names - used) {
                    snprintf(names + (sizeof names - 5), 5, "...");
                    break;
                }
                used += (size_t)w;
            }
            return bl_error_set(&r->error, BL_EINVAL,
                                "%s: no column '%s' in the header; it has %zu: %s (names must "
                                "match exactly, case and spaces included)",
                                r->path, columns[c].name, r->n_header, names);
        }
        r->map[found] = (int32_t)c;
    }
    return 0;
}

int bl_csv_open(bl_csv_reader_t **out, const char *path, const bl_csv_column_t *columns,
                size_t n_columns, int bad_rows, bl_schema_t *schema, bl_error_t *err) {
    int rc = 0;
    *out = NULL;
    if (path == NULL || schema == NULL || (columns == NULL && n_columns > 0))
        return bl_error_set(err, BL_EINVAL, "CSV reader: needs a path, columns and a schema");
    if (bad_rows != BL_CSV_FAIL_ON_BAD_ROWS && bad_rows != BL_CSV_SKIP_BAD_ROWS)
        return bl_error_set(err, BL_EINVAL,
                            "CSV reader %s: on_bad_row must be \"fail\" or \"skip\"", path);
    bl_csv_reader_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return bl_error_set(err, BL_ENOMEM, "CSV reader %s: out of memory", path);
    r->bad_rows = bad_rows;
    r->in_header = 1;
    r->at_start = 1;
    r->n_cols = n_columns;
    r->schema = schema;
    r->path = strdup(path);
    r->block = malloc(BLOCK_SIZE);
    r->types = calloc(n_columns ? n_columns : 1, sizeof *r->types);
    r->row_val = calloc(n_columns ? n_columns : 1, sizeof *r->row_val);
    r->row_code = calloc(n_columns ? n_columns : 1, sizeof *r->row_code);
    r->pend = calloc(n_columns ? n_columns : 1, sizeof *r->pend);
    r->dicts = calloc(n_columns ? n_columns : 1, sizeof *r->dicts);
    if (r->path == NULL || r->block == NULL || r->types == NULL || r->row_val == NULL ||
        r->row_code == NULL || r->pend == NULL || r->dicts == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "CSV reader %s: out of memory", path);
        goto out;
    }
    for (size_t c = 0; c < n_columns; c++) {
        if ((rc = bl_schema_add(schema, columns[c].name, columns[c].type, err)) != 0) {
            bl_error_prefix(err, "CSV reader %s", path);
            goto out;
        }
        r->types[c] = columns[c].type;
    }
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rc = bl_error_set(err, BL_ENOMEM, "CSV reader %s: out of memory", path);
        goto out;
    }
    r->parser_live = 1;
    r->fp = fopen(path, "rb");
    if (r->fp == NULL) {
        int e = errno;
        rc = bl_error_set(err, e == ENOENT ? BL_ENOTFOUND : BL_EIO,
                          "cannot open %s: %s: check the path (relative paths start from the "
                          "working directory)",
                          path, strerror(e));
        goto out;
    }

    /*
     * Feed the header one line at a time (up to each CR or LF), so parsing
     * stops exactly where the header row ends: no data row is parsed
     * before a batch (and its dictionaries) exists.
     */
    while (r->in_header && !r->failed) {
        if (r->block_pos == r->block_len) {
            if (refill(r) != 0)
                break;
            if (r->eof) {
                finish_input(r);
                break;
            }
            continue;
        }
        const unsigned char *p = r->block + r->block_pos;
        size_t avail = r->block_len - r->block_pos, n = avail;
        const unsigned char *lf = memchr(p, '\n', avail);
        const unsigned char *cr = memchr(p, '\r', lf ? (size_t)(lf - p) : avail);
        const unsigned char *eol = cr ? cr : lf;
        if (eol != NULL)
            n = (size_t)(eol - p) + 1;
        feed(r, p, n);
        r->block_pos += n;
    }
    if (r->failed) {
        rc = r->failed;
        bl_error_set(err, rc, "%s", r->error.message);
        goto out;
    }
    if (r->in_header || r->n_header == 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s is empty: a CSV file needs a header row naming its columns", path);
        goto out;
    }
    if ((rc = map_columns(r, columns, n_columns)) != 0) {
        bl_error_set(err, rc, "%s", r->error.message);
        goto out;
    }
out:
    if (rc != 0) {
        bl_csv_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Read                                                               */
/* ------------------------------------------------------------------ */

static int check_batch(bl_csv_reader_t *r, bl_batch_t *b, bl_error_t *err) {
    if (b == NULL || b->schema == NULL || b->capacity == 0)
        return bl_error_set(err, BL_EINVAL, "CSV reader %s: needs an initialised batch", r->path);
    if (b->schema->n != r->n_cols)
        goto other_schema;
    for (size_t c = 0; c < r->n_cols; c++) {
        if (b->schema->columns[c].type != r->types[c])
            goto other_schema;
        if (r->types[c] == BL_COLUMN_NUMERIC)
            continue;
        if (r->dicts[c] == NULL)
            r->dicts[c] = b->dicts[c]; /* the first batch's dictionaries */
        else if (r->dicts[c] != b->dicts[c])
            return bl_error_set(err, BL_EINVAL,
                                "CSV reader %s: this batch does not share dictionaries with "
                                "the first one read, so codes would not agree: reuse the batch "
                                "or make it with bl_batch_share_dicts",
                                r->path);
    }
    return 0;
other_schema:
    return bl_error_set(err, BL_EINVAL,
                        "CSV reader %s: the batch was made for another schema: init it with "
                        "the schema bl_csv_open filled",
                        r->path);
}

/* Move waiting rows into the batch. */
static void drain_spill(bl_csv_reader_t *r, bl_batch_t *b) {
    size_t n = r->spill_n - r->spill_pos;
    if (n > b->capacity - b->n_rows)
        n = b->capacity - b->n_rows;
    for (size_t i = 0; i < n; i++) {
        const double *v = r->spill_val + (r->spill_pos + i) * r->n_cols;
        const int32_t *k = r->spill_code + (r->spill_pos + i) * r->n_cols;
        for (size_t c = 0; c < r->n_cols; c++) {
            if (r->types[c] == BL_COLUMN_NUMERIC)
                b->numeric[c][b->n_rows] = v[c];
            else
                b->codes[c][b->n_rows] = k[c];
        }
        b->n_rows++;
    }
    r->spill_pos += n;
    if (r->spill_pos == r->spill_n)
        r->spill_pos = r->spill_n = 0;
}

int bl_csv_read(bl_csv_reader_t *r, bl_batch_t *batch, size_t *n_read, bl_error_t *err) {
    *n_read = 0;
    if (r->failed)
        return bl_error_set(err, r->failed, "%s", r->error.message);
    int rc = check_batch(r, batch, err);
    if (rc != 0)
        return rc;
    bl_batch_clear(batch);
    drain_spill(r, batch);
    r->batch = batch;
    while (batch->n_rows < batch->capacity && !r->finished) {
        if (r->block_pos == r->block_len) {
            if (r->eof) {
                if (finish_input(r) != 0)
                    break;
                continue;
            }
            if (refill(r) != 0)
                break;
            continue;
        }
        size_t n = r->block_len - r->block_pos;
        if (n > SLICE_SIZE)
            n = SLICE_SIZE;
        if (feed(r, r->block + r->block_pos, n) != 0)
            break;
        r->block_pos += n;
    }
    r->batch = NULL;
    if (r->failed) {
        batch->n_rows = 0;
        return bl_error_set(err, r->failed, "%s", r->error.message);
    }
    *n_read = batch->n_rows;
    r->rows += batch->n_rows;
    return 0;
}

uint64_t bl_csv_rows(const bl_csv_reader_t *r) { return r->rows; }
uint64_t bl_csv_skipped(const bl_csv_reader_t *r) { return r->skipped; }
uint64_t bl_csv_bytes(const bl_csv_reader_t *r) { return r->bytes; }

const char *const *bl_csv_header(const bl_csv_reader_t *r, size_t *n) {
    *n = r->n_header;
    return (const char *const *)r->header;
}

void bl_csv_close(bl_csv_reader_t *r) {
    if (r == NULL)
        return;
    if (r->parser_live)
        csv_free(&r->parser);
    if (r->fp != NULL)
        fclose(r->fp);
    for (size_t i = 0; i < r->n_header; i++)
        free(r->header[i]);
    free(r->header);
    free(r->path);
    free(r->block);
    free(r->types);
    free(r->map);
    free(r->dicts);
    free(r->row_val);
    free(r->row_code);
    free(r->pend);
    free(r->pend_text);
    free(r->spill_val);
    free(r->spill_code);
    free(r);
}
