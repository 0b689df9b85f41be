/* Named metrics of a checkpoint replication: see checkpoint_metrics.h. */
#include "jobs/checkpoint/checkpoint_metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef enum metric_id {
    M_SOJOURN_MEAN,
    M_SOJOURN_P90,
    M_THROUGHPUT,
    M_SEIZURES,
    M_FALSE_ALARMS,
    M_ALARMS,
    M_SEARCHES,
    M_MISSED,
    M_RENEGED,
    M_OFFICER_HOURS,
    M_WAIT_MEAN,  /* :STATION */
    M_UTILISATION /* :STATION */
} metric_id_t;

static const char *const metric_names[] = {
    "sojourn_mean", "sojourn_p90", "throughput", "seizures",      "false_alarms", "alarms",
    "searches",     "missed",      "reneged",    "officer_hours", "wait_mean",    "utilisation"};
#define N_METRICS (sizeof metric_names / sizeof metric_names[0])
#define FIRST_STATION_METRIC M_WAIT_MEAN

static const char known_metrics[] =
    "sojourn_mean, sojourn_p90, throughput, seizures, false_alarms, alarms, searches, missed, "
    "reneged, officer_hours, wait_mean:STATION, utilisation:STATION";

/* Parse a metric name into its id and, for the per-station metrics, the
 * station index. */
static int metric_parse(const bl_scenario_t *sc, const char *metric, metric_id_t *id, int *station,
                        bl_error_t *err) {
    const char *colon = metric ? strchr(metric, ':') : NULL;
    size_t len = colon ? (size_t)(colon - metric) : metric ? strlen(metric) : 0;
    *station = -1;
    for (size_t i = 0; metric != NULL && i < N_METRICS; i++) {
        if (strlen(metric_names[i]) != len || strncmp(metric, metric_names[i], len) != 0)
            continue;
        bool per_station = i >= FIRST_STATION_METRIC;
        if (per_station != (colon != NULL))
            break;
        *id = (metric_id_t)i;
        if (!per_station)
            return 0;
        *station = bl_scenario_station_index(sc, colon + 1);
        if (*station >= 0)
            return 0;
        char list[512];
        return bl_error_set(err, BL_EINVAL,
                            "metric %s: %s has no station '%s'; its stations are %s", metric,
                            sc->path ? sc->path : "the scenario", colon + 1,
                            bl_scenario_station_list(sc, list, sizeof list));
    }
    return bl_error_set(err, BL_EINVAL, "unknown metric '%s': use one of %s",
                        metric ? metric : "(none)", known_metrics);
}

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

double bl_replication_window(const bl_replication_result_t *r) {
    return r->window_end - r->window_start;
}

double bl_station_wait_mean(const bl_station_stats_t *s) {
    return ratio(s->wait_sum, (double)s->waits.count);
}

double bl_station_utilisation(const bl_station_stats_t *s) {
    return ratio(s->busy_area, s->capacity_area);
}

double bl_replication_officer_hours(const bl_replication_result_t *r) {
    double area = 0;
    for (size_t i = 0; i < r->n_stations; i++)
        area += r->stations[i].capacity_area;
    return area / 3600.0;
}

static double metric_value(metric_id_t id, int station, const bl_replication_result_t *r) {
    const bl_station_stats_t *st =
        station >= 0 && (size_t)station < r->n_stations ? &r->stations[station] : NULL;
    switch (id) {
    case M_SOJOURN_MEAN:
        return ratio(r->sojourn_sum, (double)r->sojourn.count);
    case M_SOJOURN_P90:
        return r->sojourn.count ? bl_histogram_quantile(&r->sojourn, 0.90) : NAN;
    case M_THROUGHPUT:
        return ratio((double)r->entities, bl_replication_window(r) / 3600.0);
    case M_SEIZURES:
        return (double)r->seizures;
    case M_FALSE_ALARMS:
        return (double)r->false_alarms;
    case M_ALARMS:
        return (double)r->alarms;
    case M_SEARCHES:
        return (double)r->searches;
    case M_MISSED:
        return (double)r->missed;
    case M_RENEGED:
        return (double)r->reneged;
    case M_OFFICER_HOURS:
        return bl_replication_officer_hours(r);
    case M_WAIT_MEAN:
        return st ? bl_station_wait_mean(st) : NAN;
    case M_UTILISATION:
        return st ? bl_station_utilisation(st) : NAN;
    }
    return NAN;
}

int bl_checkpoint_metric_check(const bl_scenario_t *sc, const char *metric, bl_error_t *err) {
    metric_id_t id;
    int station;
    return metric_parse(sc, metric, &id, &station, err);
}

int bl_checkpoint_metric(const bl_scenario_t *sc, const bl_replication_result_t *r,
                         const char *metric, double *value, bl_error_t *err) {
    metric_id_t id;
    int station;
    int rc = metric_parse(sc, metric, &id, &station, err);
    if (rc != 0)
        return rc;
    *value = metric_value(id, station, r);
    return 0;
}
