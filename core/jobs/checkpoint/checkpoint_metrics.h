/*
 * What a checkpoint replication measured, as the figures people ask for:
 * one definition used by the results tables, the sweep points and the
 * sequential stopping rule.  Every figure covers the measurement window;
 * a figure with nothing measured is NaN.
 */
#ifndef BL_CHECKPOINT_METRICS_H
#define BL_CHECKPOINT_METRICS_H

#include "base/error.h"
#include "engine/engine.h"
#include "scenario/scenario.h"

/* Length of the measurement window, seconds. */
double bl_replication_window(const bl_replication_result_t *r);

/* Mean queue wait before service at a station, seconds. */
double bl_station_wait_mean(const bl_station_stats_t *s);

/* Busy server time over on-duty server time at a station. */
double bl_station_utilisation(const bl_station_stats_t *s);

/* On-duty server-hours of every station (officer time). */
double bl_replication_officer_hours(const bl_replication_result_t *r);

/*
 * The value of a named metric in one replication, for sequential stopping
 * and sweep tables:
 *   sojourn_mean, sojourn_p90, throughput (entities per hour of window),
 *   seizures, false_alarms, alarms, searches, missed, reneged,
 *   officer_hours, wait_mean:STATION, utilisation:STATION.
 * BL_EINVAL naming the metric and listing the known ones for anything else.
 * A metric with nothing measured is NaN (returns 0).
 */
int bl_checkpoint_metric(const bl_scenario_t *sc, const bl_replication_result_t *r,
                         const char *metric, double *value, bl_error_t *err);

/* 0 when metric is a name bl_checkpoint_metric knows for sc, else
 * BL_EINVAL with the same message. */
int bl_checkpoint_metric_check(const bl_scenario_t *sc, const char *metric, bl_error_t *err);

#endif
