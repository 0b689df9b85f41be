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

#include "error.h"

typedef enum bl_plot_terminal { BL_PLOT_PNG = 0, BL_PLOT_SVG = 1 } bl_plot_terminal_t;

/* One line of a plot.  x and y are borrowed (n points each); points with a
 * non-finite coordinate are left out.  style is a gnuplot "with" clause
 * ("lines" when NULL, e.g. "steps", "points", "linespoints",
 * "lines dashtype 2 linecolor rgb 'gray'"); it is passed to gnuplot as is,
 * so it must come from the program, never from user input. */
typedef struct bl_plot_series {
    const char *label; /* legend text (NULL or "": no legend entry) */
    const double *x;
    const double *y;
    size_t n;
    const char *style;
} bl_plot_series_t;

/* A whole plot (all borrowed).  Axis ranges that are NaN are left to
 * gnuplot; zero width/height mean 800 x 600. */
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
} bl_plot_t;

/* Fill p with an empty plot: no series, automatic ranges, linear axes. */
void bl_plot_init(bl_plot_t *p);

/* Whether a gnuplot program is on PATH; when path is not NULL, its full
 * name is copied there (size bytes). */
bool bl_plot_available(char *path, size_t size);

/*
 * Draw p into output_path (PNG or SVG).  The previous file of that name is
 * removed first, so a failure never leaves an old plot looking new.
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
