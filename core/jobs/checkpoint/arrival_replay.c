/*
 * Arrivals replayed from a CSV file: see arrival_replay.h.
 */
#include "jobs/checkpoint/arrival_replay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/records.h"
#include "io/csv_reader.h"

#define BATCH_ROWS 4096

typedef struct growing {
    size_t n, cap;
    double *times;
    uint32_t *classes, *groups;
    int *code_class; /* class index per dictionary code; -1 unknown, -2 not looked up */
    size_t n_codes;
} growing_t;

static int grow(growing_t *g) {
    size_t cap = g->cap ? g->cap * 2 : 1024;
    double *t = realloc(g->times, cap * sizeof *t);
    if (t == NULL)
        return BL_ENOMEM;
    g->times = t;
    uint32_t *c = realloc(g->classes, cap * sizeof *c);
    if (c == NULL)
        return BL_ENOMEM;
    g->classes = c;
    uint32_t *p = realloc(g->groups, cap * sizeof *p);
    if (p == NULL)
        return BL_ENOMEM;
    g->groups = p;
    g->cap = cap;
    return 0;
}

/* The class index of dictionary code `code`, looked up once per code. */
static int class_of(growing_t *g, const bl_dict_t *dict, int32_t code, const bl_scenario_t *sc) {
    if ((size_t)code >= g->n_codes) {
        size_t n = (size_t)code + 64;
        int *m = realloc(g->code_class, n * sizeof *m);
        if (m == NULL)
            return BL_ENOMEM;
        for (size_t i = g->n_codes; i < n; i++)
            m[i] = -2;
        g->code_class = m;
        g->n_codes = n;
    }
    if (g->code_class[code] == -2)
        g->code_class[code] = bl_scenario_class_index(sc, bl_dict_labels(dict)[code]);
    return g->code_class[code];
}

/* "foot, car" into out. */
static void class_list(const bl_scenario_t *sc, char *out, size_t n) {
    size_t off = 0;
    out[0] = '\0';
    for (size_t c = 0; c < sc->n_classes && off < n; c++)
        off += (size_t)snprintf(out + off, n - off, "%s%s", c ? ", " : "", sc->classes[c].name);
}

/* The CSV reader's messages offer on_bad_row = "skip", which a replay
 * does not have (a skipped arrival would silently change the run). */
static int reader_error(bl_error_t *err, int rc, const char *msg) {
    static const char hint[] = " or set on_bad_row = \"skip\"";
    char buf[sizeof err->message];
    snprintf(buf, sizeof buf, "%s", msg);
    char *h = strstr(buf, hint);
    if (h != NULL)
        memmove(h, h + strlen(hint), strlen(h + strlen(hint)) + 1);
    return bl_error_set(err, rc, "%s", buf);
}

/* Row k (0-based, after the header) of the file is CSV record k + 2. */
static int check_rows(growing_t *g, const bl_batch_t *b, int has_group, uint64_t first_row,
                      const bl_replay_columns_t *cols, const bl_scenario_t *sc, const char *path,
                      bl_error_t *err) {
    for (size_t i = 0; i < b->n_rows; i++) {
        unsigned long long row = (unsigned long long)(first_row + i);
        if (g->n == g->cap && grow(g) != 0)
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
        double t = b->numeric[0][i];
        if (isnan(t))
            return bl_error_set(err, BL_EINVAL,
                                "%s:%llu: column '%s' is empty: give the arrival time: fix the row",
                                path, row, cols->time);
        if (t < 0)
            return bl_error_set(err, BL_EINVAL,
                                "%s:%llu: column '%s' is %g: arrival times are >= 0 (from the "
                                "start of the run): fix the row",
                                path, row, cols->time, t);
        t *= cols->unit;
        if (!isfinite(t))
            return bl_error_set(err, BL_EINVAL, "%s:%llu: column '%s' is too large: fix the row",
                                path, row, cols->time);
        int32_t code = b->codes[1][i];
        if (code < 0)
            return bl_error_set(err, BL_EINVAL,
                                "%s:%llu: column '%s' is empty: give a declared class: fix the row",
                                path, row, cols->class_name);
        int c = class_of(g, b->dicts[1], code, sc);
        if (c == BL_ENOMEM)
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
        if (c < 0) {
            char list[600];
            class_list(sc, list, sizeof list);
            return bl_error_set(err, BL_EINVAL,
                                "%s:%llu: column '%s' is '%s', not a declared class (classes: "
                                "%s): fix the row or declare bl.class{\"%s\", ...}",
                                path, row, cols->class_name, bl_dict_labels(b->dicts[1])[code],
                                list, bl_dict_labels(b->dicts[1])[code]);
        }
        uint32_t group = 1;
        if (has_group) {
            double v = b->numeric[2][i];
            if (!(v >= 1 && v <= 1e6 && v == floor(v)))
                return bl_error_set(err, BL_EINVAL,
                                    "%s:%llu: column '%s' is %s%g: a group is a whole number of "
                                    "entities from 1 to 1000000: fix the row",
                                    path, row, cols->group, isnan(v) ? "empty, " : "",
                                    isnan(v) ? 0.0 : v);
            group = (uint32_t)v;
        }
        g->times[g->n] = t;
        g->classes[g->n] = (uint32_t)c;
        g->groups[g->n] = group;
        g->n++;
    }
    return 0;
}

/* Stable merge sort of the permutation idx[0..n) by times[idx]. */
static void merge_sort(size_t *idx, size_t *tmp, size_t n, const double *times) {
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(idx, tmp, h, times);
    merge_sort(idx + h, tmp, n - h, times);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = times[idx[j]] < times[idx[i]] ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

/* Sort g's rows by time, keeping the file's order among equal times. */
static int sort_rows(growing_t *g) {
    size_t n = g->n;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = g->times[i - 1] <= g->times[i];
    if (sorted)
        return 0;
    int rc = BL_ENOMEM;
    size_t *idx = malloc(n * sizeof *idx), *tmp = malloc(n * sizeof *tmp);
    double *t = malloc(n * sizeof *t);
    uint32_t *c = malloc(n * sizeof *c), *p = malloc(n * sizeof *p);
    if (idx == NULL || tmp == NULL || t == NULL || c == NULL || p == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    merge_sort(idx, tmp, n, g->times);
    for (size_t i = 0; i < n; i++) {
        t[i] = g->times[idx[i]];
        c[i] = g->classes[idx[i]];
        p[i] = g->groups[idx[i]];
    }
    memcpy(g->times, t, n * sizeof *t);
    memcpy(g->classes, c, n * sizeof *c);
    memcpy(g->groups, p, n * sizeof *p);
    rc = 0;
out:
    free(idx);
    free(tmp);
    free(t);
    free(c);
    free(p);
    return rc;
}

int bl_arrival_replay_load(bl_replay_arrivals_t *r, const bl_replay_columns_t *cols,
                           const bl_scenario_t *sc, bl_error_t *err) {
    const char *path = r->path;
    bl_csv_column_t columns[3] = {{cols->time, BL_COLUMN_NUMERIC},
                                  {cols->class_name, BL_COLUMN_CATEGORICAL},
                                  {cols->group, BL_COLUMN_NUMERIC}};
    int has_group = cols->group != NULL;
    bl_schema_t schema = {0};
    bl_batch_t batch;
    memset(&batch, 0, sizeof batch);
    bl_csv_reader_t *rd = NULL;
    growing_t g = {0};
    bl_error_t e;
    bl_error_clear(&e);
    int rc =
        bl_csv_open(&rd, path, columns, has_group ? 3 : 2, BL_CSV_FAIL_ON_BAD_ROWS, &schema, &e);
    if (rc == BL_ENOTFOUND) {
        bl_error_set(err, rc,
                     "%s: no such file (a relative path= starts from the scenario's folder)", path);
        goto out;
    }
    if (rc != 0) {
        reader_error(err, rc, e.message);
        goto out;
    }
    if ((rc = bl_batch_init(&batch, &schema, BATCH_ROWS, err)) != 0)
        goto out;
    uint64_t first_row = 2;
    for (;;) {
        size_t got = 0;
        if ((rc = bl_csv_read(rd, &batch, &got, &e)) != 0) {
            reader_error(err, rc, e.message);
            goto out;
        }
        if (got == 0)
            break;
        if ((rc = check_rows(&g, &batch, has_group, first_row, cols, sc, path, err)) != 0)
            goto out;
        first_row += got;
    }
    if (g.n == 0) {
        rc = bl_error_set(err, BL_EINVAL, "%s: no arrivals: the file has a header and no rows",
                          path);
        goto out;
    }
    if ((rc = sort_rows(&g)) != 0) {
        bl_error_set(err, rc, "%s: out of memory", path);
        goto out;
    }
    r->n = g.n;
    r->times = g.times;
    r->classes = g.classes;
    r->groups = g.groups;
    g.times = NULL;
    g.classes = g.groups = NULL;
out:
    free(g.times);
    free(g.classes);
    free(g.groups);
    free(g.code_class);
    bl_batch_fini(&batch);
    bl_csv_close(rd);
    bl_schema_fini(&schema);
    return rc;
}
