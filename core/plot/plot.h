/*
 * Plots through gnuplot, driven as a separate program through a pipe
 * (popen("gnuplot", "w")), never linked: gnuplot's licence stays out of
 * borderlab.  The data travel inline as gnuplot datablocks ($data << EOD),
 * so no temporary data files are left behind.
 *
 * A plot is a list of series of (x, y) points, each with a label for the
 * legend, axis labels, a title and an output file in PNG or SVG.  After
 * gnuplot exits, the exit status is checked and the output file must exist,
 * be non-empty and (PNG) start with the PNG signature, or (SVG) hold an
 * <svg element.
 *
 * Used by `borderlab compare` (ROC curves) and meant for any other plot
 * (queue lengths over time...).
 */
#ifndef BL_PLOT_H
#define BL_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

typedef enum bl_plot_terminal { BL_PLOT_PNG = 0, BL_PLOT_SVG = 1 } bl_plot_terminal_t;

/* One line of a plot.  x and y are borrowed (n points each); points with a
 * non-finite coordinate are left out, and a NaN y also breaks the line
 * there (a gap, e.g. an hour with no server on duty).  style is a gnuplot "with" clause
 * ("lines" when NULL, e.g. "steps", "points", "linespoints",
 * "lines dashtype 2 linecolor rgb 'gray'"); it is passed to gnuplot as is,
 * so it must come from the program, never from user input.
 *
 * Error bars: when ylow and yhigh are both given (borrowed, n points each),
 * every point carries the interval [ylow, yhigh] (a non-finite bound is
 * drawn as y, i.e. no bar on that side) and the style defaults to
 * "yerrorlines"; use "yerrorbars" for bars without a line.  A style that
 * starts with "filledcurves" fills the band between ylow and yhigh
 * instead (y unused), e.g. "filledcurves fillstyle transparent solid 0.2
 * linecolor rgb '#1f77b4'" drawn before the line of the same colour. */
typedef struct bl_plot_series {
    const char *label; /* legend text (NULL or "": no legend entry) */
    const double *x;
    const double *y;
    size_t n;
    const char *style;
    const double *ylow;  /* NULL: no error bars */
    const double *yhigh; /* NULL: no error bars */
} bl_plot_series_t;

/* A whole plot (all borrowed).  Axis ranges that are NaN are left to
 * gnuplot; zero width/height mean 800 x 600.  A '\n' in the title or a
 * label starts a new line. */
typedef struct bl_plot {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    const bl_plot_series_t *series;
    size_t n_series;
    double xmin, xmax, ymin, ymax;
    bool xlog, ylog;
    const char *key; /* legend position ("bottom right"); NULL: gnuplot's default */
    unsigned width, height;
    /* Tic step on the x axis (e.g. 1 for whole hours); 0: gnuplot's choice. */
    double xtic;
    /* Text tics instead: xtic_labels[i] at x = i (a categorical axis, e.g.
     * detector names); NULL: numbers.  Borrowed. */
    const char *const *xtic_labels;
    size_t n_xtic_labels;
} bl_plot_t;

/* Fill p with an empty plot: no series, automatic ranges, linear axes. */
void bl_plot_init(bl_plot_t *p);

/* Whether a gnuplot program is on PATH; when path is not NULL, its full
 * name is copied there (size bytes). */
bool bl_plot_available(char *path, size_t size);

/*
 * Draw p into output_path (PNG or SVG).  The previous file of that name is
 * removed first, so a failure never leaves an old plot looking new.  When
 * no series has a single finite point, an empty frame saying "nothing to
 * draw" is written (gnuplot alone would fail to autoscale).
 * Returns 0; BL_ENOTFOUND when gnuplot is not on PATH (callers usually
 * print a note and go on); BL_EINVAL for a plot with no series; BL_EIO
 * when gnuplot could not be started, failed (the message quotes its first
 * error line) or did not write a valid file.
 */
int bl_plot_write(const bl_plot_t *p, bl_plot_terminal_t terminal, const char *output_path,
                  bl_error_t *err);

/* Whether the file at path is a non-empty PNG (checks the 8-byte signature). */
bool bl_plot_is_png(const char *path);

#endif
