/* `borderlab plot`: the plots of a checkpoint results file; see
 * plot_checkpoint.h.  Tables are read column by column, by name, into
 * doubles or strings (HDF5 converts the stored integers), so this file does
 * not depend on the writer's row structs. */
#include "plot_checkpoint.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "paths.h"
#include "plot.h"
#include "results_schema.h"
#include "summary.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ tables by column name */

/* One compound dataset, open. */
typedef struct table {
    hid_t dset, ftype;
    size_t n;          /* rows */
    const char *fname; /* the results file, for messages */
    char path[96];
} table_t;

static void table_close(table_t *t) {
    if (t->ftype >= 0)
        H5Tclose(t->ftype);
    if (t->dset >= 0)
        H5Dclose(t->dset);
    t->ftype = t->dset = -1;
}

/* Open the table at path (absolute). */
static int table_open(hid_t file, const char *fname, const char *path, table_t *t,
                      bl_error_t *err) {
    t->dset = t->ftype = -1;
    t->n = 0;
    t->fname = fname;
    snprintf(t->path, sizeof t->path, "%s", path);
    if (!bl_results_path_exists(file, path))
        return bl_error_set(err, BL_EHDF5,
                            "%s has no %s table (written by an older borderlab, or the run did "
                            "not finish): run the scenario again with this borderlab",
                            fname, path);
    hid_t space = -1;
    hssize_t n = -1;
    t->dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (t->dset >= 0)
        t->ftype = H5Dget_type(t->dset);
    if (t->ftype >= 0 && H5Tget_class(t->ftype) == H5T_COMPOUND)
        space = H5Dget_space(t->dset);
    if (space >= 0) {
        n = H5Sget_simple_extent_npoints(space);
        H5Sclose(space);
    }
    if (n < 0) {
        table_close(t);
        return bl_error_set(err, BL_EHDF5, "%s: %s is not a readable table: the file is damaged",
                            fname, path);
    }
    t->n = (size_t)n;
    return 0;
}

/* Column column of t as t->n doubles (text false; HDF5 converts stored
 * integers) or as t->n NUL-terminated strings of *width bytes each (text
 * true), in one heap block *out (caller frees). */
static int table_column(const table_t *t, const char *column, bool text, void **out, size_t *width,
                        bl_error_t *err) {
    *out = NULL;
    int idx = H5Tget_member_index(t->ftype, column);
    if (idx < 0)
        return bl_error_set(err, BL_EHDF5,
                            "%s: table %s has no column %s (written by an older borderlab): run "
                            "the scenario again with this borderlab",
                            t->fname, t->path, column);
    size_t w = sizeof(double);
    hid_t member = H5T_NATIVE_DOUBLE, stored = H5Tget_member_type(t->ftype, (unsigned)idx);
    if (text) {
        bool fixed = stored >= 0 && H5Tget_class(stored) == H5T_STRING &&
                     H5Tis_variable_str(stored) == 0 && H5Tget_size(stored) > 0;
        if (!fixed) {
            if (stored >= 0)
                H5Tclose(stored);
            return bl_error_set(err, BL_EHDF5, "%s: column %s of %s is not fixed-size text",
                                t->fname, column, t->path);
        }
        /* Room for a NUL after a NUL-padded string that fills its field. */
        w = H5Tget_size(stored) + 1;
        member = H5Tcopy(H5T_C_S1);
        if (member >= 0 &&
            (H5Tset_size(member, w) < 0 || H5Tset_strpad(member, H5T_STR_NULLTERM) < 0)) {
            H5Tclose(member);
            member = -1;
        }
    }
    if (stored >= 0)
        H5Tclose(stored);
    char *v = calloc(t->n ? t->n : 1, w);
    hid_t mem = member >= 0 && v != NULL ? H5Tcreate(H5T_COMPOUND, w) : -1;
    bool ok = mem >= 0 && H5Tinsert(mem, column, 0, member) >= 0 &&
              (t->n == 0 || H5Dread(t->dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    if (mem >= 0)
        H5Tclose(mem);
    if (text && member >= 0)
        H5Tclose(member);
    H5Eclear2(H5E_DEFAULT);
    if (!ok) {
        free(v);
        return v == NULL ? bl_error_set(err, BL_ENOMEM, "out of memory")
                         : bl_error_set(err, BL_EHDF5,
                                        "%s: cannot read column %s of %s: the file is damaged",
                                        t->fname, column, t->path);
    }
    for (size_t i = 0; text && i < t->n; i++)
        v[i * w + w - 1] = '\0';
    *out = v;
    if (width != NULL)
        *width = w;
    return 0;
}

static int table_doubles(const table_t *t, const char *column, double **out, bl_error_t *err) {
    return table_column(t, column, false, (void **)out, NULL, err);
}

static int table_strings(const table_t *t, const char *column, char **out, size_t *width,
                         bl_error_t *err) {
    return table_column(t, column, true, (void **)out, width, err);
}

/* Distinct strings of s (n strings of width w) in order of first
 * appearance: id[i] is the group of row i, first[g] the first row of group
 * g (both caller's, n entries).  Returns the number of groups. */
static size_t group_rows(const char *s, size_t w, size_t n, size_t *id, size_t *first) {
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < groups && strcmp(s + first[g] * w, s + i * w) != 0)
            g++;
        if (g == groups)
            first[groups++] = i;
        id[i] = g;
    }
    return groups;
}

/* ------------------------------------------------------------------ curves */

/* How a curve is drawn. */
typedef enum curve_kind {
    CURVE_LINE,      /* a line */
    CURVE_BAND_LINE, /* a line over a transparent band between lo and hi */
    CURVE_BARS,      /* a line with error bars from lo to hi */
    CURVE_POINTS     /* points with error bars, no line (categories) */
} curve_kind_t;

typedef struct curve {
    char label[160];
    curve_kind_t kind;
    double width; /* line width */
    bool marks;   /* a dot on every point (lines with gaps: lone points show) */
    const char *colour;
    double *x, *y, *lo, *hi; /* one heap block, n points (room for cap) */
    size_t n, cap;
} curve_t;

typedef struct curves {
    curve_t *v;
    size_t n;
} curves_t;

/* Colours that stay apart in print and for most colour-blind readers. */
static const char *const COLOURS[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

static void curves_free(curves_t *cs) {
    for (size_t i = 0; i < cs->n; i++)
        free(cs->v[i].x); /* one block for x, y, lo and hi */
    free(cs->v);
    cs->v = NULL;
    cs->n = 0;
}

/* A new empty curve for up to cap points (NULL: out of memory). */
static curve_t *curves_add(curves_t *cs, const char *label, curve_kind_t kind, size_t cap) {
    curve_t *v = realloc(cs->v, (cs->n + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    cs->v = v;
    curve_t *c = &v[cs->n];
    memset(c, 0, sizeof *c);
    snprintf(c->label, sizeof c->label, "%s", label ? label : "");
    c->kind = kind;
    c->width = 2;
    c->colour = COLOURS[cs->n % COUNT(COLOURS)];
    c->cap = cap ? cap : 1;
    c->x = malloc(4 * c->cap * sizeof *c->x);
    if (c->x == NULL)
        return NULL;
    c->y = c->x + c->cap;
    c->lo = c->y + c->cap;
    c->hi = c->lo + c->cap;
    cs->n++;
    return c;
}

static void curve_push(curve_t *c, double x, double y, double lo, double hi) {
    if (c->n < c->cap) {
        c->x[c->n] = x;
        c->y[c->n] = y;
        c->lo[c->n] = lo;
        c->hi[c->n] = hi;
        c->n++;
    }
}

/* Sort the points of c by x (insertion sort: sweep curves are short). */
static void curve_sort(curve_t *c) {
    for (size_t i = 1; i < c->n; i++)
        for (size_t j = i; j > 0 && c->x[j - 1] > c->x[j]; j--) {
            double *cols[] = {c->x, c->y, c->lo, c->hi};
            for (size_t k = 0; k < COUNT(cols); k++) {
                double t = cols[k][j];
                cols[k][j] = cols[k][j - 1];
                cols[k][j - 1] = t;
            }
        }
}

/* ------------------------------------------------------------------ output */

typedef struct out {
    const bl_plot_options_t *o;
    char *dir;  /* heap */
    char *stem; /* heap */
    size_t written;
} out_t;

/* Draw the curves cs on plot p (title, labels, ranges set) as
 * DIR/<stem>_<name>.png (and .svg). */
static int emit(out_t *out, bl_plot_t *p, const curves_t *cs, const char *name, bl_error_t *err) {
    size_t n = 0;
    for (size_t i = 0; i < cs->n; i++)
        n += cs->v[i].kind == CURVE_BAND_LINE ? 2 : 1;
    static const double none = NAN;
    bl_plot_series_t empty = {NULL, &none, &none, 0, NULL, NULL, NULL};
    bl_plot_series_t *series = calloc(n ? n : 1, sizeof *series);
    char(*styles)[192] = calloc(n ? n : 1, sizeof *styles);
    char *path = NULL;
    int rc = 0;
    if (series == NULL || styles == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    /* Bands first, so no band hides another curve's line. */
    size_t k = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const curve_t *c = &cs->v[i];
        if (c->kind != CURVE_BAND_LINE)
            continue;
        snprintf(styles[k], sizeof styles[k],
                 "filledcurves fillstyle transparent solid 0.12 noborder linecolor rgb '%s'",
                 c->colour);
        series[k] = (bl_plot_series_t){NULL, c->x, c->y, c->n, styles[k], c->lo, c->hi};
        k++;
    }
    for (size_t i = 0; i < cs->n; i++) {
        const curve_t *c = &cs->v[i];
        /* Past the palette, dashes tell the curves apart. */
        unsigned dash = 1 + (unsigned)(i / COUNT(COLOURS));
        bool bars = c->kind == CURVE_BARS || c->kind == CURVE_POINTS;
        const char *marks = bars       ? " pointtype 7 pointsize 0.8"
                            : c->marks ? " pointtype 7 pointsize 0.5"
                                       : "";
        snprintf(styles[k], sizeof styles[k], "%s linewidth %g dashtype %u linecolor rgb '%s'%s",
                 c->kind == CURVE_POINTS ? "yerrorbars"
                 : bars                  ? "yerrorlines"
                 : c->marks              ? "linespoints"
                                         : "lines",
                 c->width, dash, c->colour, marks);
        series[k] = (bl_plot_series_t){
            c->label, c->x, c->y, c->n, styles[k], bars ? c->lo : NULL, bars ? c->hi : NULL};
        k++;
    }
    /* No curve at all (an empty table): plot.c draws a frame that says so. */
    p->series = n ? series : &empty;
    p->n_series = n ? n : 1;

    for (int svg = 0; rc == 0 && svg <= (out->o->svg ? 1 : 0); svg++) {
        char file[512];
        snprintf(file, sizeof file, "%s_%s.%s", out->stem, name, svg ? "svg" : "png");
        free(path);
        path = bl_path_join(out->dir, file);
        if (path == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        rc = bl_plot_write(p, svg ? BL_PLOT_SVG : BL_PLOT_PNG, path, err);
        if (rc == 0) {
            out->written++;
            if (!out->o->quiet)
                printf("wrote %s\n", path);
        }
    }
out:
    p->series = NULL;
    p->n_series = 0;
    free(path);
    free(series);
    free(styles);
    return rc;
}

/* A tic step for a time axis spanning span hours (0: gnuplot's choice). */
static double hour_tic(double span) {
    if (!(span > 0))
        return 0;
    static const double steps[] = {1, 2, 3, 6, 12, 24, 48, 168};
    for (size_t i = 0; i < COUNT(steps); i++)
        if (span / steps[i] <= 12)
            return steps[i];
    return 0;
}

/* What every plot of a group shares. */
typedef struct group_ctx {
    hid_t file;
    const char *fname;
    const char *group;   /* "/checkpoint", "/sweep/p0003" */
    const char *prefix;  /* "" or "p0003_" before the plot name */
    const char *context; /* "quickstart" or "quickstart, xray.servers=4" */
    char reps[64];       /* "mean of 10 replications" or "" */
} group_ctx_t;

static void plot_base(bl_plot_t *p, const char *xlabel, const char *ylabel) {
    bl_plot_init(p);
    p->xlabel = xlabel;
    p->ylabel = ylabel;
    p->key = "outside right top vertical Left reverse noautotitle";
    p->width = 1000;
    p->height = 600;
}

/* ------------------------------------------------------------------ the group plots */

/* A GROUP table with a station column, its rows grouped by station in the
 * order they first appear; col[i] holds the i-th column asked for. */
typedef struct station_table {
    table_t t;
    char path[128];
    char *station; /* t.n strings of width w */
    size_t w;
    size_t *id, *first, groups;
    double *col[4];
} station_table_t;

static void station_table_free(station_table_t *s) {
    free(s->station);
    free(s->id);
    free(s->first);
    for (size_t i = 0; i < COUNT(s->col); i++)
        free(s->col[i]);
    table_close(&s->t);
}

static int station_table_read(const group_ctx_t *g, const char *table, const char *const *columns,
                              size_t n_columns, station_table_t *s, bl_error_t *err) {
    memset(s, 0, sizeof *s);
    s->t.dset = s->t.ftype = -1;
    snprintf(s->path, sizeof s->path, "%s/%s", g->group, table);
    int rc = table_open(g->file, g->fname, s->path, &s->t, err);
    if (rc == 0)
        rc = table_strings(&s->t, "station", &s->station, &s->w, err);
    for (size_t i = 0; rc == 0 && i < n_columns && i < COUNT(s->col); i++)
        rc = table_doubles(&s->t, columns[i], &s->col[i], err);
    if (rc != 0)
        return rc;
    size_t n = s->t.n ? s->t.n : 1;
    s->id = malloc(n * sizeof *s->id);
    s->first = malloc(n * sizeof *s->first);
    if (s->id == NULL || s->first == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    s->groups = group_rows(s->station, s->w, s->t.n, s->id, s->first);
    return 0; /* an empty table draws an empty plot that says so */
}

static const char *station_name(const station_table_t *s, size_t k) {
    return s->station + s->first[k] * s->w;
}

/* A new empty curve with room for the rows of station k (NULL: out of memory). */
static curve_t *station_curve(curves_t *cs, const station_table_t *s, size_t k, const char *label,
                              curve_kind_t kind) {
    size_t count = 0;
    for (size_t i = 0; i < s->t.n; i++)
        count += s->id[i] == k;
    return curves_add(cs, label, kind, count);
}

/* Queue length over time per station, mean with a CI band. */
static int plot_queue(out_t *out, const group_ctx_t *g, bl_error_t *err) {
    static const char *const cols[] = {"time", "queue_mean", "queue_ci_low", "queue_ci_high"};
    char title[512], name[64];
    station_table_t s;
    curves_t cs = {NULL, 0};
    int rc = station_table_read(g, "queue", cols, COUNT(cols), &s, err);
    if (rc != 0)
        goto out;
    const double *time = s.col[0];
    /* The bin width: the smallest step between bins of one station; each
     * mean is drawn at the middle of its bin. */
    double step = INFINITY, tmax = 0;
    for (size_t i = 1; i < s.t.n; i++)
        if (s.id[i] == s.id[i - 1] && time[i] > time[i - 1] && time[i] - time[i - 1] < step)
            step = time[i] - time[i - 1];
    if (!isfinite(step))
        step = 60;
    for (size_t i = 0; i < s.t.n; i++)
        tmax = fmax(tmax, time[i] + step);
    /* Past MAX_POINTS bins a curve is noise: neighbouring bins are merged
     * into wider ones of a round width.  A merged bin shows the mean of the
     * means and of the CI bounds (an interval at least as wide as the
     * merged mean's own). */
    enum { MAX_POINTS = 150 };
    static const double round_widths[] = {60,   120,  300,   600,   900,   1200,  1800,
                                          3600, 7200, 10800, 14400, 21600, 43200, 86400};
    double wide = step;
    if (tmax / step > MAX_POINTS) {
        double need = tmax / MAX_POINTS;
        wide = step * ceil(need / step);
        for (size_t i = 0; i < COUNT(round_widths); i++)
            if (round_widths[i] >= need && fmod(round_widths[i], step) < 1e-9 * round_widths[i]) {
                wide = round_widths[i];
                break;
            }
    }
    /* More bands than a few turn to mud: then lines only. */
    bool band = s.groups <= 4;
    for (size_t k = 0; k < s.groups; k++) {
        curve_t *c =
            station_curve(&cs, &s, k, station_name(&s, k), band ? CURVE_BAND_LINE : CURVE_LINE);
        if (c == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        double sum[3] = {0, 0, 0}, bin = NAN;
        size_t count[3] = {0, 0, 0};
        for (size_t i = 0; i <= s.t.n; i++) {
            bool last = i == s.t.n;
            if (!last && s.id[i] != k)
                continue;
            double b = last ? NAN : floor(time[i] / wide);
            if (!isnan(bin) && (last || b != bin)) {
                double v[3];
                for (size_t j = 0; j < 3; j++)
                    v[j] = count[j] ? sum[j] / (double)count[j] : NAN;
                curve_push(c, (bin + 0.5) * wide / 3600.0, v[0], v[1], v[2]);
                memset(sum, 0, sizeof sum);
                memset(count, 0, sizeof count);
            }
            if (last)
                break;
            bin = b;
            for (size_t j = 0; j < 3; j++)
                if (isfinite(s.col[j + 1][i])) {
                    sum[j] += s.col[j + 1][i];
                    count[j]++;
                }
        }
    }
    bl_plot_t p;
    plot_base(&p, "time since start (h)", "entities waiting");
    snprintf(title, sizeof title, "Queue length over time (%s%s%sbins of %g min)\n%s", g->reps,
             g->reps[0] ? ", " : "", band ? "95% CI band; " : "", wide / 60.0, g->context);
    p.title = title;
    p.ymin = 0;
    p.xmin = 0;
    p.xmax = tmax > 0 ? tmax / 3600.0 : NAN;
    p.xtic = hour_tic(tmax / 3600.0);
    snprintf(name, sizeof name, "%squeue", g->prefix);
    rc = emit(out, &p, &cs, name, err);
out:
    curves_free(&cs);
    station_table_free(&s);
    return rc;
}

/* The wait distribution per station and end to end: CDFs from the
 * quantile table, on a log wait axis when the waits span decades. */
static int plot_waits(out_t *out, const group_ctx_t *g, bl_error_t *err) {
    static const char *const cols[] = {"quantile", "wait"};
    char title[512], name[64], xlabel[160];
    station_table_t s;
    curves_t cs = {NULL, 0};
    int rc = station_table_read(g, "waits", cols, COUNT(cols), &s, err);
    if (rc != 0)
        goto out;
    const double *q = s.col[0], *wait = s.col[1];
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < s.t.n; i++)
        if (isfinite(wait[i]) && wait[i] > 0) {
            lo = fmin(lo, wait[i]);
            hi = fmax(hi, wait[i]);
        }
    /* Waits of zero (served at once) cannot sit on a log axis: they are
     * drawn at its left edge, a power of ten at or below the shortest wait. */
    bool logx = isfinite(lo) && hi / lo >= 100;
    double floor_x = logx ? pow(10, floor(log10(lo))) : 0;
    if (logx && floor_x >= lo)
        floor_x /= 10;
    for (size_t k = 0; k < s.groups; k++) {
        bool e2e = strcmp(station_name(&s, k), "(end to end)") == 0, waited = false;
        for (size_t i = 0; i < s.t.n; i++)
            waited = waited || (s.id[i] == k && wait[i] > 0);
        char label[160];
        snprintf(label, sizeof label, "%s%s",
                 e2e ? "end to end (time in system)" : station_name(&s, k),
                 waited ? "" : " (nobody waited)");
        curve_t *c = station_curve(&cs, &s, k, label, CURVE_LINE);
        if (c == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        if (e2e) {
            c->colour = "#000000";
            c->width = 3;
        }
        for (size_t i = 0; i < s.t.n; i++)
            if (s.id[i] == k)
                curve_push(c, logx ? fmax(wait[i], floor_x) : wait[i], q[i], NAN, NAN);
    }
    bl_plot_t p;
    if (logx)
        snprintf(xlabel, sizeof xlabel,
                 "wait before service (s, log scale; no wait drawn at %g); end to end: time in "
                 "system",
                 floor_x);
    else
        snprintf(xlabel, sizeof xlabel, "wait before service (s); end to end: time in system");
    plot_base(&p, xlabel, "fraction of entities waiting at most x");
    snprintf(title, sizeof title, "Wait distribution (all replications merged)\n%s", g->context);
    p.title = title;
    p.xlog = logx;
    p.xmin = logx ? floor_x : 0;
    if (logx)
        p.xmax = hi * 1.5; /* not up to the next power of ten */
    p.ymin = 0;
    p.ymax = 1;
    snprintf(name, sizeof name, "%swaits", g->prefix);
    rc = emit(out, &p, &cs, name, err);
out:
    curves_free(&cs);
    station_table_free(&s);
    return rc;
}

/* The hourly table: utilisation per station, or system throughput with CI
 * bars ("(system)" rows); each hour's value at the middle of the hour. */
static int plot_hourly(out_t *out, const group_ctx_t *g, bool throughput, bl_error_t *err) {
    static const char *const util[] = {"hour", "utilisation"};
    static const char *const served[] = {"hour", "served_per_hour", "served_ci_low",
                                         "served_ci_high"};
    char title[512], name[64];
    station_table_t s;
    curves_t cs = {NULL, 0};
    int rc = throughput ? station_table_read(g, "hourly", served, COUNT(served), &s, err)
                        : station_table_read(g, "hourly", util, COUNT(util), &s, err);
    if (rc != 0)
        goto out;
    double hmax = 0;
    for (size_t k = 0; k < s.groups; k++) {
        if ((strcmp(station_name(&s, k), "(system)") == 0) != throughput)
            continue;
        curve_t *c = station_curve(&cs, &s, k, throughput ? "" : station_name(&s, k),
                                   throughput ? CURVE_BARS : CURVE_LINE);
        if (c == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        c->width = throughput ? 1.5 : 2;
        c->marks = !throughput;
        for (size_t i = 0; i < s.t.n; i++)
            if (s.id[i] == k) {
                double h = s.col[0][i];
                curve_push(c, h + 0.5, s.col[1][i], throughput ? s.col[2][i] : NAN,
                           throughput ? s.col[3][i] : NAN);
                hmax = fmax(hmax, h + 1);
            }
        curve_sort(c);
    }
    bl_plot_t p;
    if (throughput) {
        plot_base(&p, "time since start (h)", "entities leaving the system per hour");
        snprintf(title, sizeof title, "System throughput per hour (%s%s95%% CI bars)\n%s", g->reps,
                 g->reps[0] ? ", " : "", g->context);
        p.key = NULL;
    } else {
        plot_base(&p, "time since start (h)", "utilisation (busy / on-duty servers)");
        snprintf(title, sizeof title, "Utilisation by hour%s%s%s\n%s", g->reps[0] ? " (" : "",
                 g->reps, g->reps[0] ? ")" : "", g->context);
        p.ymax = 1.05;
    }
    p.title = title;
    p.xmin = 0;
    p.xmax = hmax > 0 ? hmax : NAN;
    p.ymin = 0;
    p.xtic = hour_tic(hmax);
    snprintf(name, sizeof name, "%s%s", g->prefix, throughput ? "throughput" : "utilisation");
    rc = emit(out, &p, &cs, name, err);
out:
    curves_free(&cs);
    station_table_free(&s);
    return rc;
}

/* "mean of N replications" from GROUP/summary (empty when unreadable). */
static void group_reps(group_ctx_t *g) {
    char path[128];
    table_t t;
    bl_error_t ignored;
    double *r = NULL;
    g->reps[0] = '\0';
    snprintf(path, sizeof path, "%s/summary", g->group);
    if (table_open(g->file, g->fname, path, &t, &ignored) != 0)
        return;
    if (t.n > 0 && table_doubles(&t, "replications", &r, &ignored) == 0 && isfinite(r[0]))
        snprintf(g->reps, sizeof g->reps, "mean of %.0f replication%s", r[0], r[0] == 1 ? "" : "s");
    free(r);
    table_close(&t);
}

static int plot_group(out_t *out, group_ctx_t *g, bl_error_t *err) {
    group_reps(g);
    int rc = plot_queue(out, g, err);
    if (rc == 0)
        rc = plot_waits(out, g, err);
    if (rc == 0)
        rc = plot_hourly(out, g, false, err);
    if (rc == 0)
        rc = plot_hourly(out, g, true, err);
    return rc;
}

/* ------------------------------------------------------------------ sweeps */

/* The headline metrics of /sweep/points. */
static const struct metric {
    const char *column;
    const char *title;
    const char *ylabel;
} METRICS[] = {
    {"sojourn_mean", "mean time in system", "time in system, mean (s)"},
    {"sojourn_p90", "90th percentile of time in system", "time in system, 90th percentile (s)"},
    {"throughput", "throughput", "throughput (entities per hour of the window)"},
    {"seizures", "seizures", "seizures per replication"},
    {"false_alarms", "false alarms", "false alarms per replication"},
    {"officer_hours", "officer hours", "on-duty officer hours per replication"},
    {"reneged", "reneged", "entities that gave up waiting, per replication"},
};

/* The sweep as read: per point its x (number or category index) and curve. */
typedef struct sweep {
    size_t n_points;
    double *point;          /* point numbers */
    char *group, *settings; /* strings of width gw, sw */
    size_t gw, sw;
    char *axis, *value; /* /sweep/axes strings (width aw, vw) */
    size_t aw, vw, n_axes_rows;
    double *axis_point, *value_number;
    size_t n_axes;            /* distinct axes */
    size_t *axis_first;       /* row of each distinct axis' first appearance */
    size_t *axis_id;          /* per /sweep/axes row */
    double *x;                /* per point */
    size_t *curve;            /* per point */
    char (*curve_label)[160]; /* per curve */
    size_t n_curves;
    const char **categories; /* borrowed from value; NULL when the first axis is numeric */
    size_t n_categories;
} sweep_t;

static void sweep_free(sweep_t *s) {
    free(s->point);
    free(s->group);
    free(s->settings);
    free(s->axis);
    free(s->value);
    free(s->axis_point);
    free(s->value_number);
    free(s->axis_first);
    free(s->axis_id);
    free(s->x);
    free(s->curve);
    free(s->curve_label);
    free(s->categories);
}

/* The /sweep/axes row of point p on axis a (-1: none). */
static long axis_row(const sweep_t *s, double p, size_t a) {
    for (size_t r = 0; r < s->n_axes_rows; r++)
        if (s->axis_id[r] == a && s->axis_point[r] == p)
            return (long)r;
    return -1;
}

/* Read /sweep/points and /sweep/axes; work out each point's x and curve. */
static int sweep_read(hid_t file, const char *fname, sweep_t *s, table_t *points, bl_error_t *err) {
    table_t axes;
    int rc = table_open(file, fname, "/sweep/axes", &axes, err);
    if (rc != 0)
        return rc;
    s->n_points = points->n;
    s->n_axes_rows = axes.n;
    if ((rc = table_doubles(points, "point", &s->point, err)) != 0 ||
        (rc = table_strings(points, "group", &s->group, &s->gw, err)) != 0 ||
        (rc = table_strings(points, "settings", &s->settings, &s->sw, err)) != 0 ||
        (rc = table_strings(&axes, "axis", &s->axis, &s->aw, err)) != 0 ||
        (rc = table_strings(&axes, "value", &s->value, &s->vw, err)) != 0 ||
        (rc = table_doubles(&axes, "point", &s->axis_point, err)) != 0 ||
        (rc = table_doubles(&axes, "value_number", &s->value_number, err)) != 0)
        goto out;
    size_t na = axes.n ? axes.n : 1, np = s->n_points ? s->n_points : 1;
    s->axis_first = malloc(na * sizeof *s->axis_first);
    s->axis_id = malloc(na * sizeof *s->axis_id);
    s->x = malloc(np * sizeof *s->x);
    s->curve = malloc(np * sizeof *s->curve);
    s->curve_label = calloc(np, sizeof *s->curve_label);
    s->categories = calloc(np, sizeof *s->categories);
    if (s->axis_first == NULL || s->axis_id == NULL || s->x == NULL || s->curve == NULL ||
        s->curve_label == NULL || s->categories == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    s->n_axes = group_rows(s->axis, s->aw, axes.n, s->axis_id, s->axis_first);
    if (s->n_axes == 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: /sweep/axes is empty: the sweep has no axis", fname);
        goto out;
    }
    /* x: the number on the first axis, or the index of its text value when
     * some value is not a number (a categorical axis). */
    bool numeric = true;
    for (size_t i = 0; i < s->n_points; i++) {
        long r = axis_row(s, s->point[i], 0);
        if (r < 0 || !isfinite(s->value_number[r]))
            numeric = false;
    }
    for (size_t i = 0; i < s->n_points; i++) {
        long r = axis_row(s, s->point[i], 0);
        if (numeric) {
            s->x[i] = s->value_number[r];
            continue;
        }
        const char *v = r >= 0 ? s->value + (size_t)r * s->vw : "?";
        size_t c = 0;
        while (c < s->n_categories && strcmp(s->categories[c], v) != 0)
            c++;
        if (c == s->n_categories)
            s->categories[s->n_categories++] = v;
        s->x[i] = (double)c;
    }
    if (numeric) {
        free(s->categories);
        s->categories = NULL;
    }
    /* The curve: the values on the other axes ("b=1, c=2"). */
    for (size_t i = 0; i < s->n_points; i++) {
        char label[160] = "";
        size_t len = 0;
        for (size_t a = 1; a < s->n_axes; a++) {
            long r = axis_row(s, s->point[i], a);
            int k = snprintf(label + len, sizeof label - len, "%s%s=%s", a > 1 ? ", " : "",
                             s->axis + s->axis_first[a] * s->aw,
                             r >= 0 ? s->value + (size_t)r * s->vw : "?");
            if (k > 0)
                len = len + (size_t)k < sizeof label ? len + (size_t)k : sizeof label - 1;
        }
        size_t c = 0;
        while (c < s->n_curves && strcmp(s->curve_label[c], label) != 0)
            c++;
        if (c == s->n_curves)
            snprintf(s->curve_label[s->n_curves++], sizeof s->curve_label[0], "%s", label);
        s->curve[i] = c;
    }
out:
    table_close(&axes);
    return rc;
}

/* One metric against the first axis, one curve per combination of the
 * other axes, with CI bars. */
static int plot_sweep_metric(out_t *out, const sweep_t *s, const table_t *points,
                             const struct metric *m, const char *scenario, bl_error_t *err) {
    char col[64], title[512], name[96];
    double *mean = NULL, *lo = NULL, *hi = NULL;
    curves_t cs = {NULL, 0};
    int rc = table_doubles(points, m->column, &mean, err);
    snprintf(col, sizeof col, "%s_ci_low", m->column);
    if (rc == 0)
        rc = table_doubles(points, col, &lo, err);
    snprintf(col, sizeof col, "%s_ci_high", m->column);
    if (rc == 0)
        rc = table_doubles(points, col, &hi, err);
    if (rc != 0)
        goto out;
    double xmin = INFINITY, xmax = -INFINITY;
    bool whole = true; /* every x a whole number: tics on whole numbers only */
    for (size_t c = 0; c < s->n_curves; c++) {
        curve_t *cv = curves_add(&cs, s->curve_label[c], s->categories ? CURVE_POINTS : CURVE_BARS,
                                 s->n_points);
        if (cv == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < s->n_points; i++)
            if (s->curve[i] == c) {
                /* Categories: the curves side by side, so their bars do not overlap. */
                double shift =
                    s->categories ? 0.08 * ((double)c - 0.5 * (double)(s->n_curves - 1)) : 0;
                curve_push(cv, s->x[i] + shift, mean[i], lo[i], hi[i]);
                xmin = fmin(xmin, s->x[i]);
                xmax = fmax(xmax, s->x[i]);
                whole = whole && s->x[i] == floor(s->x[i]);
            }
        curve_sort(cv);
    }
    const char *axis0 = s->axis + s->axis_first[0] * s->aw;
    bl_plot_t p;
    plot_base(&p, axis0, m->ylabel);
    snprintf(title, sizeof title, "%s against %s (mean, 95%% CI bars)\n%s", m->title, axis0,
             scenario);
    title[0] = (char)toupper((unsigned char)title[0]);
    p.title = title;
    p.ymin = 0;
    if (whole && xmax - xmin <= 12)
        p.xtic = 1;
    if (s->n_curves <= 1)
        p.key = NULL;
    /* Room either side so the end bars are not cut by the frame. */
    double pad = xmax > xmin ? 0.05 * (xmax - xmin) : 0.5;
    if (isfinite(xmin)) {
        p.xmin = xmin - pad;
        p.xmax = xmax + pad;
    }
    if (s->categories != NULL) {
        p.xtic_labels = s->categories;
        p.n_xtic_labels = s->n_categories;
        p.xmin = -0.5;
        p.xmax = (double)s->n_categories - 0.5;
    }
    snprintf(name, sizeof name, "sweep_%s", m->column);
    rc = emit(out, &p, &cs, name, err);
out:
    curves_free(&cs);
    free(mean);
    free(lo);
    free(hi);
    return rc;
}

static int plot_sweep(out_t *out, hid_t file, const char *fname, const char *scenario,
                      bl_error_t *err) {
    sweep_t s;
    table_t points;
    memset(&s, 0, sizeof s);
    int rc = table_open(file, fname, "/sweep/points", &points, err);
    if (rc != 0)
        return rc;
    rc = sweep_read(file, fname, &s, &points, err);
    if (rc == 0 && s.n_points == 0)
        rc = bl_error_set(err, BL_EHDF5, "%s: /sweep/points is empty: the sweep has no point",
                          fname);
    for (size_t i = 0; rc == 0 && i < COUNT(METRICS); i++)
        rc = plot_sweep_metric(out, &s, &points, &METRICS[i], scenario, err);
    for (size_t i = 0; rc == 0 && i < s.n_points; i++) {
        const char *group = s.group + i * s.gw;
        const char *base = strrchr(group, '/');
        char prefix[64], context[512];
        snprintf(prefix, sizeof prefix, "%s_", base ? base + 1 : group);
        int len =
            snprintf(context, sizeof context, "%s, point %s: ", scenario, base ? base + 2 : group);
        /* The settings "a=1;b=2" read "a=1, b=2". */
        size_t n = len > 0 && (size_t)len < sizeof context ? (size_t)len : 0;
        for (const char *c = s.settings + i * s.sw; *c && n + 3 < sizeof context; c++) {
            if (*c == ';')
                context[n++] = ',';
            context[n++] = *c == ';' ? ' ' : *c;
        }
        context[n] = '\0';
        group_ctx_t g = {file, fname, group, prefix, context, ""};
        rc = plot_group(out, &g, err);
    }
    sweep_free(&s);
    table_close(&points);
    return rc;
}

/* ------------------------------------------------------------------ entry */

/* The file's name without folder and ".h5" (heap). */
static char *stem_of(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".h5") == 0)
        n -= 3;
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, base, n);
        s[n] = '\0';
    }
    return s;
}

/* Refuse results files of other jobs, saying what to use instead. */
static int check_job(hid_t file, const char *fname, bl_error_t *err) {
    char *job = bl_results_root_text(file, "job");
    int rc = 0;
    if (job == NULL || strcmp(job, "checkpoint") == 0)
        rc = 0; /* files from before the job attribute are checkpoint runs */
    else if (strcmp(job, "detector_bench") == 0)
        rc = bl_error_set(err, BL_EINVAL,
                          "%s is a detector_bench results file: borderlab plot draws checkpoint "
                          "runs; use borderlab compare for detectors",
                          fname);
    else if (strcmp(job, "compare") == 0)
        rc = bl_error_set(err, BL_EINVAL,
                          "%s is a compare results file: borderlab plot draws checkpoint runs; "
                          "borderlab compare --plot-dir DIR draws its ROC curves",
                          fname);
    else
        rc = bl_error_set(err, BL_EINVAL,
                          "%s is a %s results file: borderlab plot draws checkpoint runs; use "
                          "borderlab show %s for its figures",
                          fname, job, fname);
    free(job);
    return rc;
}

int bl_plot_checkpoint(const bl_plot_options_t *o, size_t *n_written, bl_error_t *err) {
    out_t out = {o, NULL, NULL, 0};
    hid_t file = -1;
    char *scenario = NULL;
    int rc = 0;
    struct stat st;
    if (n_written != NULL)
        *n_written = 0;
    if (o == NULL || o->results == NULL || o->results[0] == '\0')
        return bl_error_set(err, BL_EINVAL, "plot: no results file given (borderlab plot OUT.h5)");
    const char *fname = o->results;
    if (stat(fname, &st) != 0)
        return bl_error_set(err, BL_ENOTFOUND,
                            "results file %s does not exist: give the OUT.h5 that borderlab run "
                            "wrote",
                            fname);
    if (S_ISDIR(st.st_mode))
        return bl_error_set(err, BL_EINVAL,
                            "%s is a folder: give the results file (OUT.h5) that borderlab run "
                            "wrote",
                            fname);
    rc = bl_summary_check_file(fname, NULL, err); /* also silences HDF5's error stack */
    if (rc != 0)
        return rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    file = H5Fopen(fname, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return bl_error_set(err, BL_EHDF5, "%s: cannot open the file: is it damaged?", fname);
    rc = check_job(file, fname, err);
    if (rc != 0)
        goto out;
    bool sweep = bl_results_path_exists(file, "/sweep/points") &&
                 bl_results_path_exists(file, "/sweep/axes");
    if (!sweep && !bl_results_path_exists(file, "/checkpoint")) {
        rc = bl_error_set(err, BL_EHDF5,
                          "%s has neither /checkpoint nor /sweep tables (did the run finish?): "
                          "run the scenario again",
                          fname);
        goto out;
    }

    out.dir = o->dir ? strdup(o->dir) : bl_path_dir(fname);
    out.stem = stem_of(fname);
    if (out.dir == NULL || out.stem == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (stat(out.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = bl_error_set(err, BL_ENOTFOUND,
                          "plot folder %s does not exist: create it (mkdir -p %s) or give another "
                          "with -d DIR",
                          out.dir, out.dir);
        goto out;
    }
    if (access(out.dir, W_OK | X_OK) != 0) {
        rc = bl_error_set(err, BL_EIO,
                          "plot folder %s is not writable (%s): give another with -d DIR", out.dir,
                          strerror(errno));
        goto out;
    }
    if (!bl_plot_available(NULL, 0)) {
        rc = bl_error_set(err, BL_ENOTFOUND,
                          "gnuplot is not on PATH, so no plots of %s were drawn: install it "
                          "(apt-get install gnuplot-nox) and run borderlab plot again",
                          fname);
        goto out;
    }

    scenario = bl_results_root_text(file, "scenario_name");
    const char *name = scenario && scenario[0] ? scenario : out.stem;
    if (sweep) {
        rc = plot_sweep(&out, file, fname, name, err);
    } else {
        group_ctx_t g = {file, fname, "/checkpoint", "", name, ""};
        rc = plot_group(&out, &g, err);
    }
out:
    if (n_written != NULL)
        *n_written = out.written;
    if (file >= 0)
        H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    free(scenario);
    free(out.dir);
    free(out.stem);
    return rc;
}
