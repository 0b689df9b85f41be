/*
 * A streaming CSV reader into record batches (RFC 4180 quoting via libcsv;
 * header names may contain spaces; column types come from the caller, so
 * codes with leading zeros such as "0402" stay text).  It reads the file in
 * 1 MiB blocks and keeps the parser's state between calls, so files larger
 * than memory stream through a fixed-size batch.
 *
 * The file:
 * - row 1 is the header; "row N" in messages counts CSV records from it
 *   (the same as the line number unless a quoted cell spans lines; blank
 *   lines are ignored and not counted);
 * - a UTF-8 byte-order mark at the start is skipped; CRLF and LF both end
 *   rows; spaces and tabs around a cell are trimmed (inside quotes they are
 *   kept); a cell may be quoted, with "" for a quote inside it and commas or
 *   line breaks kept as they are;
 * - an empty cell (or "") is missing: NaN in a numeric column, code -1 in a
 *   categorical or identifier column.  Only empty is missing: "NA", "NaN",
 *   "null" or "inf" in a numeric column is a bad cell, so a missing value is
 *   never ambiguous; in a categorical column they are ordinary labels;
 * - a numeric cell is a finite decimal number as strtod reads it in the C
 *   locale ("12", "-3.5", "1e-3", ".5"); common forms take a fast path
 *   whose result is identical to strtod's.
 *
 * A bad row (more or fewer cells than the header, text in a numeric column)
 * is an error naming the file, the row and the column, or, with
 * BL_CSV_SKIP_BAD_ROWS, is skipped and counted.  Broken quoting (a quote
 * inside an unquoted cell, text after a closing quote, an unterminated
 * quote at the end of the file or a quoted cell over 64 MiB) is always an
 * error: the parser cannot tell where the next row starts.
 *
 * Categorical and identifier cells are interned into the batch's
 * dictionaries, so codes are stable over the whole file; every batch read
 * from one reader must therefore share dictionaries (the same batch reused,
 * or batches made with bl_batch_share_dicts).  Dictionaries grow with the
 * number of distinct values: an identifier column of unique values costs
 * about 24 bytes plus its text per row read.
 */
#ifndef BL_CSV_READER_H
#define BL_CSV_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/records.h"

typedef struct bl_csv_reader bl_csv_reader_t;

typedef enum bl_csv_bad_rows {
    BL_CSV_FAIL_ON_BAD_ROWS = 0,
    BL_CSV_SKIP_BAD_ROWS = 1
} bl_csv_bad_rows_t;

/* A column to take from the file: its header name (exact: case and inner
 * spaces matter) and type.  Columns of the file not listed are ignored; a
 * listed column missing from the header is an error listing the header's
 * names. */
typedef struct bl_csv_column {
    const char *name;
    int type; /* bl_column_type_t */
} bl_csv_column_t;

/*
 * Open path (borrowed; copied for messages) and read its header.  The
 * schema (*schema, initialised empty by the caller, e.g. `= {0}`) receives
 * the listed columns in the order given; it must outlive the reader and
 * the batches.  bad_rows is a bl_csv_bad_rows_t.
 *
 * Returns 0 and *r (free with bl_csv_close), or BL_ENOTFOUND (no such
 * file), BL_EIO (cannot read), BL_EINVAL (empty file, a listed column
 * missing from the header or present twice, broken quoting in the header),
 * BL_ENOMEM; then *r is NULL.
 */
int bl_csv_open(bl_csv_reader_t **r, const char *path, const bl_csv_column_t *columns,
                size_t n_columns, int bad_rows, bl_schema_t *schema, bl_error_t *err);

/*
 * Fill batch (cleared first; initialised with bl_batch_init on the schema
 * bl_csv_open filled) with up to batch->capacity rows; *n_read is how many
 * (0 at the end of the file).  The batch may be smaller or larger than a
 * read block: rows a block holds beyond the batch's capacity wait in the
 * reader for the next call.
 *
 * Returns 0, or BL_EINVAL (a bad row when failing on bad rows, broken
 * quoting, a batch of another schema or with dictionaries not shared with
 * the batch of the first call), BL_EIO, BL_ENOMEM.  After an error *n_read
 * is 0, the batch's rows are unspecified and every later call returns the
 * same error.
 */
int bl_csv_read(bl_csv_reader_t *r, bl_batch_t *batch, size_t *n_read, bl_error_t *err);

/* Good rows delivered so far, bad rows skipped so far, bytes of the file
 * read so far (including the header and rows still waiting in the
 * reader). */
uint64_t bl_csv_rows(const bl_csv_reader_t *r);
uint64_t bl_csv_skipped(const bl_csv_reader_t *r);
uint64_t bl_csv_bytes(const bl_csv_reader_t *r);

/* The header's column names in file order (borrowed, valid until
 * bl_csv_close) and their number. */
const char *const *bl_csv_header(const bl_csv_reader_t *r, size_t *n);

void bl_csv_close(bl_csv_reader_t *r);

#endif
