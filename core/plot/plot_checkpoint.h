/*
 * `borderlab plot OUT.h5 [-d DIR] [--no-svg]`: the plots of a checkpoint
 * results file, drawn by gnuplot through plot.h, as PNG and SVG:
 *   <stem>_queue.png        queue length over time per station (mean over
 *                           replications, per series bin)
 *   <stem>_waits.png        wait distribution per station and end to end
 *                           (CDF from the quantile table)
 *   <stem>_utilisation.png  utilisation by hour per station
 *   <stem>_throughput.png   system throughput per hour with CI bars
 * and for a sweep file, per point the three above as <stem>_pNNNN_*.png
 * and one <stem>_sweep_<metric>.png per headline metric: the metric
 * against the (first) sweep axis with 95% CI bars, one curve per value of
 * the second axis when there is one.
 * <stem> is the results file's name without folder and ".h5"; DIR defaults
 * to the results file's folder.
 */
#ifndef BL_PLOT_CHECKPOINT_H
#define BL_PLOT_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

typedef struct bl_plot_options {
    const char *results; /* OUT.h5 */
    const char *dir;     /* NULL: the results file's folder */
    bool svg;            /* also write SVG beside each PNG */
    bool quiet;          /* do not print the files written */
} bl_plot_options_t;

/* Draw every plot; *n_written (may be NULL) counts the files written.
 * Errors name the file and say what to do: not an HDF5 file, not a
 * checkpoint results file (other jobs: "use borderlab compare / show"),
 * gnuplot missing (BL_ENOTFOUND, "apt-get install gnuplot-nox"), the folder
 * not writable. */
int bl_plot_checkpoint(const bl_plot_options_t *o, size_t *n_written, bl_error_t *err);

#endif
