/*
 * What core/plot/plot_checkpoint.c (the group plots and the entry point) and
 * core/plot/plot_sweep.c (the sweep plots) share: tables read column by column,
 * by name, curves, and drawing them as files.  Internal to those two files.
 */
#ifndef BL_PLOT_INTERNAL_H
#define BL_PLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <hdf5.h>

#include "base/error.h"
#include "plot/plot.h"
#include "plot/plot_checkpoint.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ tables by column name */

/* One compound dataset, open. */
typedef struct table {
    hid_t dset, ftype;
    size_t n;          /* rows */
    const char *fname; /* the results file, for messages */
    char path[96];
} table_t;

/* Open the table at path (absolute) of file fname, saying what to do when it is missing. */
int bl_plotcp_table_open(hid_t file, const char *fname, const char *path, table_t *t,
                         bl_error_t *err);

/* Close t (also when it did not open). */
void bl_plotcp_table_close(table_t *t);

/* Column column of t as t->n doubles in *out (heap; HDF5 converts stored integers). */
int bl_plotcp_table_doubles(const table_t *t, const char *column, double **out, bl_error_t *err);

/* Column column of t as t->n NUL-terminated strings of *width bytes each in *out (heap). */
int bl_plotcp_table_strings(const table_t *t, const char *column, char **out, size_t *width,
                            bl_error_t *err);

/* Group the n strings of width w in s by first appearance (id, first: n entries); returns the
 * number of groups. */
size_t bl_plotcp_group_rows(const char *s, size_t w, size_t n, size_t *id, size_t *first);

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

/* Free every curve of cs and empty it. */
void bl_plotcp_curves_free(curves_t *cs);

/* A new empty curve in cs for up to cap points (NULL: out of memory). */
curve_t *bl_plotcp_curves_add(curves_t *cs, const char *label, curve_kind_t kind, size_t cap);

/* Append a point to c (ignored when c is full). */
void bl_plotcp_curve_push(curve_t *c, double x, double y, double lo, double hi);

/* Sort the points of c by x. */
void bl_plotcp_curve_sort(curve_t *c);

/* ------------------------------------------------------------------ output */

/* Where the plots go and how many were written. */
typedef struct out {
    const bl_plot_options_t *o;
    char *dir;  /* heap */
    char *stem; /* heap */
    size_t written;
} out_t;

/* Draw curves cs on plot p as DIR/<stem>_<name>.png (and .svg). */
int bl_plotcp_emit(out_t *out, bl_plot_t *p, const curves_t *cs, const char *name, bl_error_t *err);

/* bl_plot_init of p with the axis labels, key and size every plot shares. */
void bl_plotcp_plot_base(bl_plot_t *p, const char *xlabel, const char *ylabel);

/* What every plot of a group shares. */
typedef struct group_ctx {
    hid_t file;
    const char *fname;
    const char *group;   /* "/checkpoint", "/sweep/p0003" */
    const char *prefix;  /* "" or "p0003_" before the plot name */
    const char *context; /* "quickstart" or "quickstart, xray.servers=4" */
    char reps[64];       /* "mean of 10 replications" or "" */
} group_ctx_t;

/* The queue, waits, utilisation and throughput plots of group g. */
int bl_plotcp_plot_group(out_t *out, group_ctx_t *g, bl_error_t *err);

/* ------------------------------------------------------------------ sweeps (plot_sweep.c) */

/* The plots of a sweep file: one per headline metric, then each point's group plots. */
int bl_plotcp_sweep(out_t *out, hid_t file, const char *fname, const char *scenario,
                    bl_error_t *err);

#endif
