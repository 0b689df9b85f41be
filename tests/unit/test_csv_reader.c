/*
 * Unit tests for core/io/csv_reader.c: the CSV must-show of issue 4 (header
 * names with spaces, empty cells, codes with leading zeros, quoted fields,
 * bad rows reported or skipped) and streaming through small batches and
 * read blocks.  Fixtures are written from the tests into
 * $top_builddir/tests/out/test_csv_reader.XXXXXX and removed afterwards.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/csv_reader.h"
#include "test_util.h"

typedef struct fixture {
    char *dir; /* first: tu_fixture_new makes it */
    char path[600];
} fixture_t;

static int setup(void **state) {
    *state = tu_fixture_new(sizeof(fixture_t), "test_csv_reader");
    return *state != NULL ? 0 : -1;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* Write len bytes of text to <dir>/name; f->path names it. */
static const char *write_fixture(fixture_t *f, const char *name, const char *text, size_t len) {
    tu_path_in(f->path, sizeof f->path, f->dir, name);
    tu_write_bytes(f->path, text, len);
    return f->path;
}

#define WRITE(f, name, literal) write_fixture((f), (name), (literal), sizeof(literal) - 1)

/* The declaration columns most tests read. */
static const bl_csv_column_t decl_columns[] = {
    {"id", BL_COLUMN_IDENTIFIER},
    {"declared value", BL_COLUMN_NUMERIC},
    {"hs code", BL_COLUMN_CATEGORICAL},
    {"origin", BL_COLUMN_CATEGORICAL},
};
enum { C_ID, C_VALUE, C_HS, C_ORIGIN, N_DECL };

/* An open reader with its schema and one batch. */
typedef struct session {
    bl_csv_reader_t *r;
    bl_schema_t schema;
    bl_batch_t batch;
    bl_error_t err;
} session_t;

static int open_session(session_t *s, const char *path, const bl_csv_column_t *cols, size_t n,
                        int bad_rows, size_t capacity) {
    memset(s, 0, sizeof *s);
    bl_error_clear(&s->err);
    int rc = bl_csv_open(&s->r, path, cols, n, bad_rows, &s->schema, &s->err);
    if (rc != 0)
        return rc;
    assert_int_equal(bl_batch_init(&s->batch, &s->schema, capacity, &s->err), 0);
    return 0;
}

static void close_session(session_t *s) {
    bl_csv_close(s->r);
    bl_batch_fini(&s->batch);
    bl_schema_fini(&s->schema);
}

static const char *label(const bl_batch_t *b, int column, size_t row) {
    int32_t code = b->codes[column][row];
    return code < 0 ? NULL : bl_dict_labels(b->dicts[column])[code];
}

/* ------------------------------------------------------------------ */

static void test_csv_reader_spaces_empty_cells_leading_zeros(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "decl.csv",
                             "id,declared value,hs code,origin,goods description\n"
                             "D001,1200.50,0402,CN,milk powder\n"
                             "D002,,040210,,\n"
                             "D003,-3e2,0402,DE,cheese\n"
                             "007,0,00,US,x\n");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 16), 0);
    assert_int_equal(s.schema.n, N_DECL);
    assert_string_equal(s.schema.columns[C_VALUE].name, "declared value");
    size_t n = 0;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 4);
    assert_true(s.batch.numeric[C_VALUE][0] == 1200.5);
    assert_true(isnan(s.batch.numeric[C_VALUE][1]));
    assert_true(s.batch.numeric[C_VALUE][2] == -300.0);
    assert_string_equal(label(&s.batch, C_HS, 0), "0402");
    assert_string_equal(label(&s.batch, C_HS, 1), "040210");
    assert_string_equal(label(&s.batch, C_HS, 3), "00");
    assert_int_equal(s.batch.codes[C_HS][2], s.batch.codes[C_HS][0]);
    assert_int_equal(s.batch.codes[C_ORIGIN][1], -1);
    assert_string_equal(label(&s.batch, C_ORIGIN, 2), "DE");
    assert_string_equal(label(&s.batch, C_ID, 3), "007");
    bl_records_t rec = bl_batch_records(&s.batch);
    assert_int_equal(rec.n_rows, 4);
    assert_int_equal(rec.columns[C_HS].n_categories, 3);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(bl_csv_rows(s.r), 4);
    assert_int_equal(bl_csv_skipped(s.r), 0);
    size_t nh;
    const char *const *header = bl_csv_header(s.r, &nh);
    assert_int_equal(nh, 5);
    assert_string_equal(header[4], "goods description");
    close_session(&s);
}

static void test_csv_reader_quoted_fields(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "quoted.csv",
                             "\"id\",\"declared value\",hs code,origin\n"
                             "\"D1\",\"12.5\",\"0402\",\"milk, powder\"\n"
                             "D2,7,0402,\"say \"\"hi\"\"\"\n"
                             "D3,8,0402,\"two\nlines, and \"\"quotes\"\"\"\n"
                             "D4,9,\"\",\"\"\n"
                             "D5,abc,0402,CN\n");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 16), 0);
    size_t n = 0;
    /* row 6 is bad: the quoted line break does not count as a row */
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "row 6, column 'declared value': 'abc'"));
    close_session(&s);

    path = WRITE(f, "quoted_ok.csv",
                 "\"id\",\"declared value\",hs code,origin\n"
                 "\"D1\",\"12.5\",\"0402\",\"milk, powder\"\n"
                 "D2,7,0402,\"say \"\"hi\"\"\"\n"
                 "D3,8,0402,\"two\nlines, and \"\"quotes\"\"\"\n"
                 "D4,9,\"\",\"\"\n"
                 "D5,10,0402,\"skimmed milk powder, 25 kg bags, spray dried\"\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 16), 0);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 5);
    /* a long label interned by the reader is found by the public lookup */
    const char *long_label = "skimmed milk powder, 25 kg bags, spray dried";
    assert_int_equal(bl_dict_find(s.batch.dicts[C_ORIGIN], long_label, strlen(long_label)),
                     s.batch.codes[C_ORIGIN][4]);
    assert_true(s.batch.numeric[C_VALUE][0] == 12.5);
    assert_string_equal(label(&s.batch, C_ORIGIN, 0), "milk, powder");
    assert_string_equal(label(&s.batch, C_ORIGIN, 1), "say \"hi\"");
    assert_string_equal(label(&s.batch, C_ORIGIN, 2), "two\nlines, and \"quotes\"");
    assert_int_equal(s.batch.codes[C_HS][3], -1); /* "" is empty, so missing */
    assert_int_equal(s.batch.codes[C_ORIGIN][3], -1);
    close_session(&s);
}

/* 15 good rows, then row 17 (the header is row 1) with text in a numeric
 * column. */
static const char *write_bad_number(fixture_t *f) {
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text, "id,declared value,hs code,origin\n");
    for (int i = 2; i <= 16; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "D%02d,%d.5,0402,CN\n", i, i);
    len += (size_t)snprintf(text + len, sizeof text - len, "D17,abc,0402,CN\nD18,1,0402,CN\n");
    return write_fixture(f, "data.csv", text, len);
}

static void test_csv_reader_text_in_numeric_column_reported(void **state) {
    fixture_t *f = *state;
    const char *path = write_bad_number(f);
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 64), 0);
    size_t n = 99;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_int_equal(n, 0);
    assert_non_null(strstr(s.err.message, path));
    assert_non_null(strstr(s.err.message, "data.csv row 17, column 'declared value': 'abc' is "
                                          "not a number"));
    assert_non_null(strstr(s.err.message, "on_bad_row = \"skip\""));
    /* the reader stays failed */
    bl_error_clear(&s.err);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "row 17"));
    close_session(&s);
}

static void test_csv_reader_wrong_cell_count_reported(void **state) {
    fixture_t *f = *state;
    session_t s;
    size_t n;
    const char *path = WRITE(f, "extra.csv",
                             "id,declared value,hs code,origin\n"
                             "D1,1,0402,CN\n"
                             "D2,2,0402,CN,surplus\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8), 0);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "extra.csv row 3: 5 cells, the header has 4 (first "
                                          "extra cell: 'surplus')"));
    close_session(&s);

    path = WRITE(f, "short.csv",
                 "id,declared value,hs code,origin\n"
                 "D1,1,0402,CN\n"
                 "D2,2,0402,CN\n"
                 "D3,3\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8), 0);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "short.csv row 4, column 'hs code': missing, the row "
                                          "has 2 cells and the header 4"));
    close_session(&s);
}

static void test_csv_reader_bad_rows_skipped_and_counted(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "mixed.csv",
                             "id,declared value,hs code,origin\n"
                             "D1,1,0402,CN\n"
                             "D2,abc,0402,ZZ\n"     /* text in a numeric column */
                             "D3,3,0402,CN,extra\n" /* too many cells */
                             "D4,4\n"               /* too few */
                             "D5,NA,0402,CN\n"      /* only empty is missing */
                             "D6,6,0402,DE\n");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_SKIP_BAD_ROWS, 8), 0);
    size_t n = 0;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(label(&s.batch, C_ID, 0), "D1");
    assert_string_equal(label(&s.batch, C_ID, 1), "D6");
    assert_true(s.batch.numeric[C_VALUE][1] == 6.0);
    assert_int_equal(bl_csv_skipped(s.r), 4);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(bl_csv_rows(s.r), 2);
    /* skipped rows add no labels */
    assert_int_equal(bl_dict_find(s.batch.dicts[C_ORIGIN], "ZZ", 2), -1);
    assert_int_equal(bl_dict_find(s.batch.dicts[C_ID], "D2", 2), -1);
    assert_int_equal(bl_dict_size(s.batch.dicts[C_ID]), 2);
    close_session(&s);
}

static void test_csv_reader_missing_column_lists_header(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "cols.csv", "id,declared value,hs code\nD1,1,0402\n");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8),
                     BL_EINVAL);
    assert_null(s.r);
    assert_non_null(strstr(s.err.message, "cols.csv: no column 'origin' in the header; it has 3: "
                                          "'id', 'declared value', 'hs code'"));
    bl_schema_fini(&s.schema);

    path = WRITE(f, "dup.csv", "id,origin,origin,declared value,hs code\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8),
                     BL_EINVAL);
    assert_non_null(strstr(s.err.message, "column 'origin' appears twice"));
    bl_schema_fini(&s.schema);
}

static void test_csv_reader_empty_and_missing_files(void **state) {
    fixture_t *f = *state;
    session_t s;
    const char *path = write_fixture(f, "empty.csv", "", 0);
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8),
                     BL_EINVAL);
    assert_non_null(strstr(s.err.message, "empty.csv is empty: a CSV file needs a header row"));
    bl_schema_fini(&s.schema);

    path = WRITE(f, "blank.csv", "\xEF\xBB\xBF\n\r\n\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8),
                     BL_EINVAL);
    assert_non_null(strstr(s.err.message, "is empty"));
    bl_schema_fini(&s.schema);

    snprintf(f->path, sizeof f->path, "%s/no_such.csv", f->dir);
    assert_int_equal(open_session(&s, f->path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8),
                     BL_ENOTFOUND);
    assert_non_null(strstr(s.err.message, "no_such.csv"));
    bl_schema_fini(&s.schema);

    /* a header and nothing else (no final line break) is zero rows */
    path = WRITE(f, "header_only.csv", "id,declared value,hs code,origin");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8), 0);
    size_t n = 9;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 0);
    close_session(&s);
}

static void test_csv_reader_bom_crlf_and_no_final_newline(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "bom_crlf.csv",
                             "\xEF\xBB\xBFid,declared value,hs code,origin\r\n"
                             "D1,1.5,0402,CN\r\n"
                             "\r\n"
                             "D2,,0402 , DE\r\n"
                             "D3,3,\"a\r\nb\",US");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8), 0);
    size_t n = 0;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(label(&s.batch, C_ID, 0), "D1"); /* the BOM is not part of "id" */
    assert_string_equal(label(&s.batch, C_ORIGIN, 0), "CN");
    assert_true(isnan(s.batch.numeric[C_VALUE][1]));
    /* spaces around an unquoted cell are trimmed */
    assert_int_equal(s.batch.codes[C_HS][1], s.batch.codes[C_HS][0]);
    assert_string_equal(label(&s.batch, C_ORIGIN, 1), "DE");
    assert_string_equal(label(&s.batch, C_HS, 2), "a\r\nb");
    assert_string_equal(label(&s.batch, C_ORIGIN, 2), "US");
    close_session(&s);
}

static void test_csv_reader_broken_quoting_is_an_error(void **state) {
    fixture_t *f = *state;
    session_t s;
    size_t n;
    const char *path = WRITE(f, "stray.csv",
                             "id,declared value,hs code,origin\n"
                             "D1,1,0402,CN\n"
                             "D2,2,04\"02,CN\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_SKIP_BAD_ROWS, 8), 0);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "stray.csv row 3: broken quoting"));
    close_session(&s);

    path = WRITE(f, "open_quote.csv",
                 "id,declared value,hs code,origin\n"
                 "D1,1,0402,CN\n"
                 "D2,2,0402,\"CN\n");
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 8), 0);
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "open_quote.csv row 3: a quoted cell is never closed"));
    close_session(&s);
}

/* Numbers: the fast path must give strtod's exact double; only finite
 * decimal numbers are accepted. */
static void test_csv_reader_numbers_match_strtod(void **state) {
    fixture_t *f = *state;
    static const char *good[] = {"0",
                                 "-0",
                                 "+5",
                                 "12",
                                 "0.1",
                                 "0.3",
                                 "1.1",
                                 "2.675",
                                 "-0.07",
                                 ".5",
                                 "5.",
                                 "007",
                                 "1e-3",
                                 "1E+3",
                                 "2.5e10",
                                 "1e22",
                                 "1e23",
                                 "9007199254740993",
                                 "123456789012345678901234",
                                 "0.30000000000000004",
                                 "4.9e-324",
                                 "1.7976931348623157e308",
                                 "3.14159265358979323846264338327950288",
                                 "-1234.5678e-12",
                                 "0.000001"};
    static const char *bad[] = {"NA",  "NaN",   "nan",   "inf",   "-inf", "0x10", "1e",
                                "--1", "1.2.3", "1e999", "12abc", "1 2",  "."};
    size_t n_good = sizeof good / sizeof good[0], n_bad = sizeof bad / sizeof bad[0];
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text, "value\n");
    for (size_t i = 0; i < n_good; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", good[i]);
    for (size_t i = 0; i < n_bad; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", bad[i]);
    const char *path = write_fixture(f, "numbers.csv", text, len);
    bl_csv_column_t col = {"value", BL_COLUMN_NUMERIC};
    session_t s;
    assert_int_equal(open_session(&s, path, &col, 1, BL_CSV_SKIP_BAD_ROWS, 64), 0);
    size_t n = 0;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, n_good);
    assert_int_equal(bl_csv_skipped(s.r), n_bad);
    for (size_t i = 0; i < n_good; i++) {
        double want = strtod(good[i], NULL), got = s.batch.numeric[0][i];
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("'%s': got %.17g, strtod gives %.17g", good[i], got, want);
    }
    close_session(&s);
}

/* ------------------------------------------------------------------ */
/* Streaming: a file bigger than a read block (1 MiB) and a batch        */
/* ------------------------------------------------------------------ */

/* Rows with quoted cells holding commas, quotes and line breaks, so block
 * and slice boundaries fall inside them. */
static const char *write_big(fixture_t *f, size_t n_rows, size_t *size) {
    snprintf(f->path, sizeof f->path, "%s/big.csv", f->dir);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs("id,declared value,hs code,origin,goods description\n", fp);
    uint64_t x = 12345;
    for (size_t i = 0; i < n_rows; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(x >> 33);
        if (r % 97 == 0)
            fprintf(fp, "ID%07zu,,0402%02u,,\"multi\nline, \"\"%u\"\"\"\n", i, r % 100, r % 13);
        else
            fprintf(fp, "ID%07zu,%u.%02u,%04u%02u,%s,\"goods %u, lot %u\"\n", i, r % 100000,
                    r % 100, r % 97, r % 100, (const char *[]){"CN", "DE", "US", "IN", "BR"}[r % 5],
                    r % 5000, r % 17);
    }
    *size = (size_t)ftell(fp);
    assert_int_equal(fclose(fp), 0);
    return f->path;
}

static const bl_csv_column_t big_columns[] = {
    {"id", BL_COLUMN_IDENTIFIER},
    {"declared value", BL_COLUMN_NUMERIC},
    {"hs code", BL_COLUMN_CATEGORICAL},
    {"origin", BL_COLUMN_CATEGORICAL},
    {"goods description", BL_COLUMN_CATEGORICAL},
};
#define N_BIG 5

/* Read the whole file in batches of capacity, appending every row to
 * values/codes (row-major) and returning the number of rows. */
static size_t read_all(const char *path, size_t capacity, double *values, int32_t *codes,
                       session_t *s) {
    assert_int_equal(open_session(s, path, big_columns, N_BIG, BL_CSV_FAIL_ON_BAD_ROWS, capacity),
                     0);
    size_t total = 0, n = 0, calls = 0;
    for (;;) {
        int rc = bl_csv_read(s->r, &s->batch, &n, &s->err);
        if (rc != 0)
            fail_msg("%s", s->err.message);
        if (n == 0)
            break;
        assert_true(n <= capacity);
        calls++;
        for (size_t i = 0; i < n; i++, total++) {
            values[total] = s->batch.numeric[1][i];
            for (int c = 0; c < N_BIG; c++)
                codes[total * N_BIG + (size_t)c] = c == 1 ? 0 : s->batch.codes[c][i];
        }
    }
    assert_int_equal(bl_csv_rows(s->r), total);
    return total;
}

static void test_csv_reader_streams_like_one_shot(void **state) {
    fixture_t *f = *state;
    const size_t n_rows = 60000; /* about 3 MiB: three read blocks */
    size_t size = 0;
    const char *path = write_big(f, n_rows, &size);
    assert_true(size > 2 * 1024 * 1024);

    double *v_one = malloc(n_rows * sizeof(double)), *v_many = malloc(n_rows * sizeof(double));
    int32_t *k_one = malloc(n_rows * N_BIG * sizeof(int32_t));
    int32_t *k_many = malloc(n_rows * N_BIG * sizeof(int32_t));
    assert_true(v_one && v_many && k_one && k_many);

    session_t one;
    assert_int_equal(read_all(path, n_rows + 10, v_one, k_one, &one), n_rows);
    assert_int_equal(bl_csv_bytes(one.r), size);
    const size_t capacities[] = {4096, 7, 1};
    for (size_t t = 0; t < sizeof capacities / sizeof capacities[0]; t++) {
        session_t many;
        assert_int_equal(read_all(path, capacities[t], v_many, k_many, &many), n_rows);
        assert_memory_equal(v_one, v_many, n_rows * sizeof(double));
        assert_memory_equal(k_one, k_many, n_rows * N_BIG * sizeof(int32_t));
        for (int c = 0; c < N_BIG; c++) {
            if (c == 1)
                continue;
            size_t size_one = bl_dict_size(one.batch.dicts[c]);
            assert_int_equal(bl_dict_size(many.batch.dicts[c]), size_one);
            const char *const *a = bl_dict_labels(one.batch.dicts[c]);
            const char *const *b = bl_dict_labels(many.batch.dicts[c]);
            for (size_t i = 0; i < size_one; i++)
                assert_string_equal(a[i], b[i]);
        }
        close_session(&many);
    }
    /* spot checks against what was written */
    assert_int_equal(bl_dict_size(one.batch.dicts[0]), n_rows);
    assert_string_equal(bl_dict_labels(one.batch.dicts[0])[k_one[(n_rows - 1) * N_BIG]],
                        "ID0059999");
    close_session(&one);
    free(v_one);
    free(v_many);
    free(k_one);
    free(k_many);
}

static void test_csv_reader_batches_must_share_dicts(void **state) {
    fixture_t *f = *state;
    const char *path = WRITE(f, "two.csv",
                             "id,declared value,hs code,origin\n"
                             "D1,1,0402,CN\n"
                             "D2,2,0403,DE\n"
                             "D3,3,0404,US\n");
    session_t s;
    assert_int_equal(open_session(&s, path, decl_columns, N_DECL, BL_CSV_FAIL_ON_BAD_ROWS, 1), 0);
    size_t n;
    assert_int_equal(bl_csv_read(s.r, &s.batch, &n, &s.err), 0);
    assert_int_equal(n, 1);
    bl_batch_t other, shared;
    assert_int_equal(bl_batch_init(&other, &s.schema, 4, &s.err), 0);
    assert_int_equal(bl_csv_read(s.r, &other, &n, &s.err), BL_EINVAL);
    assert_non_null(strstr(s.err.message, "does not share dictionaries"));
    bl_error_clear(&s.err);
    assert_int_equal(bl_batch_init(&shared, &s.schema, 4, &s.err), 0);
    assert_int_equal(bl_batch_share_dicts(&shared, &s.batch, &s.err), 0);
    assert_int_equal(bl_csv_read(s.r, &shared, &n, &s.err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(label(&shared, C_HS, 1), "0404");
    assert_int_equal(shared.codes[C_HS][1], 2);
    bl_batch_fini(&other);
    bl_batch_fini(&shared);
    close_session(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reader_spaces_empty_cells_leading_zeros),
        cmocka_unit_test(test_csv_reader_quoted_fields),
        cmocka_unit_test(test_csv_reader_text_in_numeric_column_reported),
        cmocka_unit_test(test_csv_reader_wrong_cell_count_reported),
        cmocka_unit_test(test_csv_reader_bad_rows_skipped_and_counted),
        cmocka_unit_test(test_csv_reader_missing_column_lists_header),
        cmocka_unit_test(test_csv_reader_empty_and_missing_files),
        cmocka_unit_test(test_csv_reader_bom_crlf_and_no_final_newline),
        cmocka_unit_test(test_csv_reader_broken_quoting_is_an_error),
        cmocka_unit_test(test_csv_reader_numbers_match_strtod),
        cmocka_unit_test(test_csv_reader_streams_like_one_shot),
        cmocka_unit_test(test_csv_reader_batches_must_share_dicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
