/* `borderlab plot`: the plots of a checkpoint results file; see
 * plot_checkpoint.h.  Tables are read column by column, by name, into
 * doubles or strings (HDF5 converts the stored integers), so this file does
 * not depend on the writer's row structs.  The sweep plots are in
 * plot_sweep.c; what both share is declared in plot_internal.h. */
#include "plot/plot_checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "base/paths.h"
#include "plot/plot.h"
#include "plot/plot_internal.h"
#include "results/results_schema.h"
#include "results/summary.h"

/* ------------------------------------------------------------------ tables by column name */

void bl_plotcp_table_close(table_t *t) {
    if (t->ftype >= 0)
        H5Tclose(t->ftype);
    if (t->dset >= 0)
        H5Dclose(t->dset);
    t->ftype = t->dset = -1;
}

/* Open the table at path (absolute). */
int bl_plotcp_table_open(hid_t file, const char *fname, const char *path, table_t *t,
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
        bl_plotcp_table_close(t);
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

int bl_plotcp_table_doubles(const table_t *t, const char *column, double **out, bl_error_t *err) {
    return table_column(t, column, false, (void **)out, NULL, err);
}

int bl_plotcp_table_strings(const table_t *t, const char *column, char **out, size_t *width,
                            bl_error_t *err) {
    return table_column(t, column, true, (void **)out, width, err);
}

/* Distinct strings of s (n strings of width w) in order of first
 * appearance: id[i] is the group of row i, first[g] the first row of group
 * g (both caller's, n entries).  Returns the number of groups. */
size_t bl_plotcp_group_rows(const char *s, size_t w, size_t n, size_t *id, size_t *first) {
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

/* Colours that stay apart in print and for most colour-blind readers. */
static const char *const COLOURS[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

void bl_plotcp_curves_free(curves_t *cs) {
    for (size_t i = 0; i < cs->n; i++)
        free(cs->v[i].x); /* one block for x, y, lo and hi */
    free(cs->v);
    cs->v = NULL;
    cs->n = 0;
}

/* A new empty curve for up to cap points (NULL: out of memory). */
curve_t *bl_plotcp_curves_add(curves_t *cs, const char *label, curve_kind_t kind, size_t cap) {
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

void bl_plotcp_curve_push(curve_t *c, double x, double y, double lo, double hi) {
    if (c->n < c->cap) {
        c->x[c->n] = x;
        c->y[c->n] = y;
        c->lo[c->n] = lo;
        c->hi[c->n] = hi;
        c->n++;
    }
}

/* Sort the points of c by x (insertion sort: sweep curves are short). */
void bl_plotcp_curve_sort(curve_t *c) {
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

/* Draw the curves cs on plot p (title, labels, ranges set) as
 * DIR/<stem>_<name>.png (and .svg). */
int bl_plotcp_emit(out_t *out, bl_plot_t *p, const curves_t *cs, const char *name,
                   bl_error_t *err) {
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

void bl_plotcp_plot_base(bl_plot_t *p, const char *xlabel, const char *ylabel) {
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
    bl_plotcp_table_close(&s->t);
}

static int station_table_read(const group_ctx_t *g, const char *table, const char *const *columns,
                              size_t n_columns, station_table_t *s, bl_error_t *err) {
    memset(s, 0, sizeof *s);
    s->t.dset = s->t.ftype = -1;
    snprintf(s->path, sizeof s->path, "%s/%s", g->group, table);
    int rc = bl_plotcp_table_open(g->file, g->fname, s->path, &s->t, err);
    if (rc == 0)
        rc = bl_plotcp_table_strings(&s->t, "station", &s->station, &s->w, err);
    for (size_t i = 0; rc == 0 && i < n_columns && i < COUNT(s->col); i++)
        rc = bl_plotcp_table_doubles(&s->t, columns[i], &s->col[i], err);
    if (rc != 0)
        return rc;
    size_t n = s->t.n ? s->t.n : 1;
    s->id = malloc(n * sizeof *s->id);
    s->first = malloc(n * sizeof *s->first);
    if (s->id == NULL || s->first == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    s->groups = bl_plotcp_group_rows(s->station, s->w, s->t.n, s->id, s->first);
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
    return bl_plotcp_curves_add(cs, label, kind, count);
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
                bl_plotcp_curve_push(c, (bin + 0.5) * wide / 3600.0, v[0], v[1], v[2]);
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
    bl_plotcp_plot_base(&p, "time since start (h)", "entities waiting");
    snprintf(title, sizeof title, "Queue length over time (%s%s%sbins of %g min)\n%s", g->reps,
             g->reps[0] ? ", " : "", band ? "95% CI band; " : "", wide / 60.0, g->context);
    p.title = title;
    p.ymin = 0;
    p.xmin = 0;
    p.xmax = tmax > 0 ? tmax / 3600.0 : NAN;
    p.xtic = hour_tic(tmax / 3600.0);
    snprintf(name, sizeof name, "%squeue", g->prefix);
    rc = bl_plotcp_emit(out, &p, &cs, name, err);
out:
    bl_plotcp_curves_free(&cs);
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
                bl_plotcp_curve_push(c, logx ? fmax(wait[i], floor_x) : wait[i], q[i], NAN, NAN);
    }
    bl_plot_t p;
    if (logx)
        snprintf(xlabel, sizeof xlabel,
                 "wait before service (s, log scale; no wait drawn at %g); end to end: time in "
                 "system",
                 floor_x);
    else
        snprintf(xlabel, sizeof xlabel, "wait before service (s); end to end: time in system");
    bl_plotcp_plot_base(&p, xlabel, "fraction of entities waiting at most x");
    snprintf(title, sizeof title, "Wait distribution (all replications merged)\n%s", g->context);
    p.title = title;
    p.xlog = logx;
    p.xmin = logx ? floor_x : 0;
    if (logx)
        p.xmax = hi * 1.5; /* not up to the next power of ten */
    p.ymin = 0;
    p.ymax = 1;
    snprintf(name, sizeof name, "%swaits", g->prefix);
    rc = bl_plotcp_emit(out, &p, &cs, name, err);
out:
    bl_plotcp_curves_free(&cs);
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
                bl_plotcp_curve_push(c, h + 0.5, s.col[1][i], throughput ? s.col[2][i] : NAN,
                                     throughput ? s.col[3][i] : NAN);
                hmax = fmax(hmax, h + 1);
            }
        bl_plotcp_curve_sort(c);
    }
    bl_plot_t p;
    if (throughput) {
        bl_plotcp_plot_base(&p, "time since start (h)", "entities leaving the system per hour");
        snprintf(title, sizeof title, "System throughput per hour (%s%s95%% CI bars)\n%s", g->reps,
                 g->reps[0] ? ", " : "", g->context);
        p.key = NULL;
    } else {
        bl_plotcp_plot_base(&p, "time since start (h)", "utilisation (busy / on-duty servers)");
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
    rc = bl_plotcp_emit(out, &p, &cs, name, err);
out:
    bl_plotcp_curves_free(&cs);
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
    if (bl_plotcp_table_open(g->file, g->fname, path, &t, &ignored) != 0)
        return;
    if (t.n > 0 && bl_plotcp_table_doubles(&t, "replications", &r, &ignored) == 0 && isfinite(r[0]))
        snprintf(g->reps, sizeof g->reps, "mean of %.0f replication%s", r[0], r[0] == 1 ? "" : "s");
    free(r);
    bl_plotcp_table_close(&t);
}

int bl_plotcp_plot_group(out_t *out, group_ctx_t *g, bl_error_t *err) {
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
    /* -d DIR is made when its parent exists, as an output folder usually is. */
    if (stat(out.dir, &st) != 0 && mkdir(out.dir, 0777) == 0)
        stat(out.dir, &st);
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
        rc = bl_plotcp_sweep(&out, file, fname, name, err);
    } else {
        group_ctx_t g = {file, fname, "/checkpoint", "", name, ""};
        rc = bl_plotcp_plot_group(&out, &g, err);
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
