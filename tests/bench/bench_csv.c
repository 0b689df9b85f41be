/*
 * bench_csv: CSV ingest speed of core/io/csv_reader.c (issue 4: target at
 * least 100 MB/s).  Writes about 200 MB of synthetic import declarations to
 * a temporary file under /tmp (removed at the end), then reads every column
 * with the reader in batches of 4096 rows and prints MB/s and rows/s, the
 * median of 3 runs.  For context it also times libcsv alone (csv_parse with
 * empty callbacks) over the same bytes: the reader cannot beat that.
 *
 * The file is in the page cache when it is read, so the figure is parsing
 * and conversion speed, not disk speed.
 *
 * Columns (12): id (unique), date, importer code (7 digits with leading
 * zeros, 20,000 importers), hs code (6 digits, leading zeros: "0402xx"
 * and 400 others), origin (60), port (25), goods description (quoted free
 * text with commas and sometimes doubled quotes, about 225,000 distinct
 * values), declared value, weight kg, quantity, tariff rate, freight (about
 * 1% of numeric and code cells empty).
 *
 * Usage: bench_csv   (no arguments)
 */
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/csv_reader.h"

enum { RUNS = 3, BATCH = 4096 };
#define TARGET_BYTES (200.0 * 1000 * 1000)
#define TARGET_MB_S 100.0

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x853C49E6748FEA9BULL;

/* splitmix64: the bench's own generator (the data only has to look
 * plausible and be the same on every run). */
static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n) { return (unsigned)(next_u64() % n); }

static const char *const origins[] = {
    "CN", "DE", "US", "IN", "BR", "TR", "VN", "TH", "MY", "ID", "KR", "JP", "GB", "FR", "IT",
    "ES", "NL", "BE", "PL", "CZ", "MX", "CA", "AR", "CL", "ZA", "EG", "MA", "NG", "KE", "AE",
    "SA", "PK", "BD", "LK", "PH", "AU", "NZ", "RU", "UA", "KZ", "CH", "AT", "SE", "NO", "DK",
    "FI", "IE", "PT", "GR", "HU", "RO", "BG", "RS", "HR", "SI", "SK", "LT", "LV", "EE", "IL"};
static const char *const adjectives[] = {"frozen",  "dried",   "organic",   "used",      "assorted",
                                         "plastic", "steel",   "cotton",    "synthetic", "skimmed",
                                         "raw",     "refined", "wholesale", "spare",     "printed"};
static const char *const nouns[] = {"milk powder", "bolts", "shirts", "toys",    "engine parts",
                                    "cheese",      "tiles", "cables", "shoes",   "tobacco leaves",
                                    "phones",      "rice",  "tyres",  "glasses", "furniture"};
static const char *const packs[] = {"bags", "cartons", "pallets", "drums", "crates"};

/* Write the declarations file; returns its size in bytes, or 0. */
static size_t write_declarations(FILE *fp) {
    size_t bytes = 0;
    int w = fprintf(fp, "id,date,importer code,hs code,origin,port,goods description,"
                        "declared value,weight kg,quantity,tariff rate,freight\n");
    if (w < 0)
        return 0;
    bytes += (size_t)w;
    for (unsigned long i = 0; bytes < TARGET_BYTES; i++) {
        char importer[16] = "", hs[16] = "", value[32] = "", weight[32] = "";
        if (below(100) != 0)
            snprintf(importer, sizeof importer, "%07u", below(20000) * 37);
        unsigned chapter = below(5) == 0 ? 402 : 100 + below(400) * 23;
        if (below(100) != 0)
            snprintf(hs, sizeof hs, "%04u%02u", chapter % 10000, below(20));
        if (below(100) != 0)
            snprintf(value, sizeof value, "%u.%02u", below(250000), below(100));
        if (below(100) != 0)
            snprintf(weight, sizeof weight, "%u.%03u", below(20000), below(1000));
        const char *adj = adjectives[below(15)], *noun = nouns[below(15)];
        unsigned lot = below(100);
        int quoted = below(50) == 0;
        w = fprintf(fp,
                    "D%010lu,2024-%02u-%02u,%s,%s,%s,P%02u,\"%s %s, %s%s%s, lot %u, %s\","
                    "%s,%s,%u,%s,%u.%02u\n",
                    i, 1 + below(12), 1 + below(28), importer, hs, origins[below(60)], below(25),
                    adj, noun, quoted ? "\"\"" : "", "grade A", quoted ? "\"\"" : "", lot,
                    packs[below(5)], value, weight, 1 + below(5000),
                    (const char *[]){"0", "0.05", "0.1", "0.125", "0.2"}[below(5)], below(9000),
                    below(100));
        if (w < 0)
            return 0;
        bytes += (size_t)w;
    }
    return fflush(fp) == 0 ? bytes : 0;
}

static const bl_csv_column_t columns[] = {
    {"id", BL_COLUMN_IDENTIFIER},
    {"date", BL_COLUMN_CATEGORICAL},
    {"importer code", BL_COLUMN_CATEGORICAL},
    {"hs code", BL_COLUMN_CATEGORICAL},
    {"origin", BL_COLUMN_CATEGORICAL},
    {"port", BL_COLUMN_CATEGORICAL},
    {"goods description", BL_COLUMN_CATEGORICAL},
    {"declared value", BL_COLUMN_NUMERIC},
    {"weight kg", BL_COLUMN_NUMERIC},
    {"quantity", BL_COLUMN_NUMERIC},
    {"tariff rate", BL_COLUMN_NUMERIC},
    {"freight", BL_COLUMN_NUMERIC},
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])

typedef struct result {
    double seconds;
    uint64_t rows, bytes;
    double checksum;
    size_t distinct[N_COLUMNS];
} result_t;

/* One full read of path with the reader; 0 or a BL_E* code. */
static int read_once(const char *path, result_t *res, bl_error_t *err) {
    bl_schema_t schema = {0};
    bl_batch_t batch = {0};
    bl_csv_reader_t *r = NULL;
    double t0 = now_s();
    int rc = bl_csv_open(&r, path, columns, N_COLUMNS, BL_CSV_FAIL_ON_BAD_ROWS, &schema, err);
    if (rc == 0)
        rc = bl_batch_init(&batch, &schema, BATCH, err);
    double checksum = 0;
    size_t n = 0;
    while (rc == 0 && (rc = bl_csv_read(r, &batch, &n, err)) == 0 && n > 0)
        for (size_t i = 0; i < n; i++) /* touch the data so nothing is optimised away */
            checksum += batch.numeric[7][i] == batch.numeric[7][i] ? batch.numeric[7][i] : 0;
    res->seconds = now_s() - t0;
    if (rc == 0) {
        res->rows = bl_csv_rows(r);
        res->bytes = bl_csv_bytes(r);
        res->checksum = checksum;
        for (size_t c = 0; c < N_COLUMNS; c++)
            res->distinct[c] = batch.dicts[c] != NULL ? bl_dict_size(batch.dicts[c]) : 0;
    }
    bl_csv_close(r);
    bl_batch_fini(&batch);
    bl_schema_fini(&schema);
    return rc;
}

static void no_cell(void *s, size_t len, void *data) {
    (void)s;
    (void)len;
    ++*(uint64_t *)data;
}
static void no_row(int c, void *data) { (void)c, (void)data; }

/* libcsv alone over the file, 1 MiB reads: seconds, or -1. */
static double libcsv_once(const char *path) {
    static unsigned char block[1 << 20];
    struct csv_parser p;
    uint64_t cells = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL || csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0) {
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    double t0 = now_s();
    size_t n;
    int ok = 1;
    while (ok && (n = fread(block, 1, sizeof block, fp)) > 0)
        ok = csv_parse(&p, block, n, no_cell, no_row, &cells) == n;
    ok = ok && csv_fini(&p, no_cell, no_row, &cells) == 0;
    double t = now_s() - t0;
    csv_free(&p);
    fclose(fp);
    return ok && cells > 0 ? t : -1;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median3(double v[RUNS]) {
    qsort(v, RUNS, sizeof v[0], by_value);
    return v[RUNS / 2];
}

int main(int argc, char **argv) {
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: bench_csv   (no arguments)\n");
        return 2;
    }
    char path[] = "/tmp/borderlab_bench_csv_XXXXXX.csv";
    int fd = mkstemps(path, 4);
    if (fd < 0) {
        perror("bench_csv: cannot create a file under /tmp");
        return 1;
    }
    FILE *fp = fdopen(fd, "wb");
    int status = 1;
    double t0 = now_s();
    size_t size = fp != NULL ? write_declarations(fp) : 0;
    if (fp == NULL || fclose(fp) != 0 || size == 0) {
        fprintf(stderr, "bench_csv: cannot write %s (is /tmp full?)\n", path);
        goto out;
    }
    printf("csv ingest: %.1f MB of synthetic declarations, %zu columns, written in %.1f s; "
           "batches of %d, median of %d runs\n",
           size / 1e6, N_COLUMNS, now_s() - t0, BATCH, RUNS);

    double secs[RUNS], raw[RUNS];
    result_t res = {0};
    for (int run = 0; run < RUNS; run++) {
        bl_error_t err;
        bl_error_clear(&err);
        if (read_once(path, &res, &err) != 0) {
            fprintf(stderr, "bench_csv: %s\n", err.message);
            goto out;
        }
        if (res.bytes != size) {
            fprintf(stderr, "bench_csv: read %llu bytes of %zu\n", (unsigned long long)res.bytes,
                    size);
            goto out;
        }
        secs[run] = res.seconds;
        if ((raw[run] = libcsv_once(path)) <= 0) {
            fprintf(stderr, "bench_csv: libcsv alone failed on %s\n", path);
            goto out;
        }
    }
    double t = median3(secs), t_raw = median3(raw);
    double mb_s = size / 1e6 / t;
    printf("  reader (all 12 columns): %7.1f MB/s, %10.0f rows/s (%llu rows, %.2f s)\n", mb_s,
           res.rows / t, (unsigned long long)res.rows, t);
    printf("  libcsv alone (no-op callbacks): %7.1f MB/s\n", size / 1e6 / t_raw);
    printf("  distinct values: id %zu, importer code %zu, hs code %zu, goods description %zu\n",
           res.distinct[0], res.distinct[2], res.distinct[3], res.distinct[6]);
    printf("  target %.0f MB/s: %s (%.2fx)\n", TARGET_MB_S, mb_s >= TARGET_MB_S ? "met" : "NOT MET",
           mb_s / TARGET_MB_S);
    status = 0;
out:
    unlink(path);
    return status;
}
