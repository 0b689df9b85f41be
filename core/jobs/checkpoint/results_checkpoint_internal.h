/*
 * What the checkpoint's table writers share: results_checkpoint.c (the
 * pooled tables, sweeps) and results_series.c (queue, hourly, waits).
 * Private to core/jobs/checkpoint.
 */
#ifndef BL_RESULTS_CHECKPOINT_INTERNAL_H
#define BL_RESULTS_CHECKPOINT_INTERNAL_H

#include <stddef.h>

#include "base/error.h"
#include "engine/engine.h"
#include "jobs/checkpoint/results_checkpoint.h"
#include "results/writer.h"
#include "stats/histogram.h"
#include "stats/stats.h"

#define BL_RESULTS_CI_LEVEL 0.95

/* 95% t interval over the non-NaN values of x (compacted in place); all
 * NaN when none, NaN bounds with one. */
bl_interval_t bl_results_interval(double *x, size_t n);

/* The q-quantile of h; NaN when nothing was recorded. */
double bl_results_quantile(const bl_histogram_t *h, double q);

/* "<group>/<name of t>" into dst; BL_EINVAL when it does not fit. */
int bl_results_group_path(bl_results_writer_t *w, char *dst, size_t size, const char *group,
                          const bl_results_table_t *t, bl_error_t *err);

/* bl_results_write_checkpoint with the lock held. */
int bl_results_write_checkpoint_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                       const bl_replication_result_t *reps, unsigned n_reps,
                                       const char *group, bl_error_t *err);

/* The queue, hourly and waits tables under group (results_series.c); lock held. */
int bl_results_write_series_locked(bl_results_writer_t *w, const bl_scenario_t *sc,
                                   const bl_replication_result_t *reps, unsigned n_reps,
                                   const char *group, bl_error_t *err);

/* The loaded plugins of set (BL_ROLE_COUNT entries of room in plugins)
 * with their calls summed over reps[0..n-1]; returns how many. */
size_t bl_results_run_plugins(const bl_plugin_set_t *set, bl_results_plugin_t *plugins,
                              const bl_replication_result_t *reps, size_t n);

#endif
