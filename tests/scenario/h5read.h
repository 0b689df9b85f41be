/*
 * Helpers for the scenario tests: read a results file back through the
 * HDF5 C API, independently of core/results/summary.c.  The row structs mirror the
 * tables of core/results/results.h; columns are matched by name, so a struct may
 * hold fewer columns than the file.  Every function prints why it failed on
 * stderr (the tests then fail with a plain assertion).
 */
#ifndef BL_TEST_H5READ_H
#define BL_TEST_H5READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

/* One row of /checkpoint/stations. */
typedef struct h5read_station {
    char station[48];
    char kind[16];
    uint32_t servers;
    uint64_t arrivals, served, in_system, decisions_yes;
    double wait_mean, wait_ci_low, wait_ci_high;
    double wait_p50, wait_p90, wait_p95, wait_p99, wait_max;
    double utilisation, utilisation_ci_low, utilisation_ci_high;
    double mean_queue;
    uint64_t max_queue;
    uint64_t reneged;
    double officer_hours;
} h5read_station_t;

/* One row of /checkpoint/replications. */
typedef struct h5read_replication {
    uint32_t replication;
    char station[48];
    uint64_t arrivals, served, in_system, decisions_yes;
    double wait_mean, wait_p50, wait_p90, wait_p99, utilisation, mean_queue;
    uint64_t max_queue;
    uint64_t reneged;
    double wait_p95, officer_hours;
    uint64_t all_arrivals, all_departures;
} h5read_replication_t;

/* One row of /checkpoint/system. */
typedef struct h5read_system {
    uint32_t replication;
    uint64_t entities, completed, total_arrivals;
    double sojourn_mean, sojourn_p50, sojourn_p90, sojourn_p99;
    double mean_in_system, throughput, littles_ratio;
    double window_start, window_end, end_time;
    uint64_t events, carriers, selected, alarms, searches, seizures, missed;
    uint64_t travellers, false_alarms, confirmed, overridden, reneged;
    uint64_t total_departures, in_system_end;
    double sojourn_p95, officer_hours;
} h5read_system_t;

/* One row of GROUP/summary (GROUP: /checkpoint or /sweep/pNNNN). */
typedef struct h5read_summary {
    uint32_t replications;
    uint64_t entities;
    double sojourn_mean, sojourn_ci_low, sojourn_ci_high;
    double sojourn_p50, sojourn_p90, sojourn_p95, sojourn_p99;
    double throughput, throughput_ci_low, throughput_ci_high;
    uint64_t carriers, selected, alarms, searches, seizures, missed;
    uint64_t travellers, false_alarms, confirmed, overridden, reneged;
    double seizures_mean, seizures_ci_low, seizures_ci_high;
    double false_alarms_mean, false_alarms_ci_low, false_alarms_ci_high;
    double officer_hours, officer_hours_ci_low, officer_hours_ci_high;
    double half_width;
} h5read_summary_t;

/* One row of GROUP/classes. */
typedef struct h5read_class {
    char class[48];
    int32_t priority;
    uint64_t entities, completed, travellers, reneged, carriers, seizures;
    double sojourn_mean, sojourn_ci_low, sojourn_ci_high;
    double sojourn_p50, sojourn_p90, sojourn_p95, sojourn_p99;
} h5read_class_t;

/* One row of GROUP/contraband. */
typedef struct h5read_contraband {
    char contraband[48];
    uint64_t carriers, seized, through;
    double value_seized, value_through;
    double seized_mean, seized_ci_low, seized_ci_high;
    double through_mean, through_ci_low, through_ci_high;
} h5read_contraband_t;

/* One row of GROUP/queue. */
typedef struct h5read_queue {
    char station[48];
    double time, queue_mean, queue_ci_low, queue_ci_high;
} h5read_queue_t;

/* One row of GROUP/hourly (station "(system)": system departures). */
typedef struct h5read_hourly {
    char station[48];
    uint32_t hour;
    double utilisation, utilisation_ci_low, utilisation_ci_high;
    double servers_on_duty, served_per_hour, served_ci_low, served_ci_high;
} h5read_hourly_t;

/* One row of GROUP/waits (station "(end to end)": time in the system). */
typedef struct h5read_waits {
    char station[48];
    double quantile, wait;
} h5read_waits_t;

/* One row of /sweep/points. */
typedef struct h5read_sweep_point {
    uint32_t point;
    char group[32];
    char settings[256];
    uint32_t replications;
    double sojourn_mean, sojourn_mean_ci_low, sojourn_mean_ci_high;
    double sojourn_p90, sojourn_p90_ci_low, sojourn_p90_ci_high;
    double throughput, throughput_ci_low, throughput_ci_high;
    double seizures, seizures_ci_low, seizures_ci_high;
    double false_alarms, false_alarms_ci_low, false_alarms_ci_high;
    double officer_hours, officer_hours_ci_low, officer_hours_ci_high;
    double reneged, reneged_ci_low, reneged_ci_high;
} h5read_sweep_point_t;

/* One row of /sweep/axes. */
typedef struct h5read_sweep_axis {
    char axis[64];
    uint32_t point;
    char value[64];
    double value_number;
} h5read_sweep_axis_t;

/* One row of /plugins. */
typedef struct h5read_plugin {
    char role[16];
    char kind[16];
    char id[64];
    char name[96];
    char vendor[64];
    char version[32];
    char path[512];
    char sha256[65];
    uint64_t calls, invalid_outputs;
} h5read_plugin_t;

/* Open read-only; -1 (with a message) when it cannot. Close with H5Fclose. */
hid_t h5read_open(const char *path);

/* Whether the object at the absolute path exists (intermediate groups too). */
bool h5read_exists(hid_t file, const char *path);

/* Number of rows of the table at path, or -1. */
long long h5read_count(hid_t file, const char *path);

/* Read a whole table into a heap array the caller frees; 0 or -1. */
int h5read_stations(hid_t file, h5read_station_t **rows, size_t *n);
int h5read_replications(hid_t file, h5read_replication_t **rows, size_t *n);
int h5read_system(hid_t file, h5read_system_t **rows, size_t *n);
int h5read_plugins(hid_t file, h5read_plugin_t **rows, size_t *n);

/* The tables of a checkpoint group (group: "/checkpoint", "/sweep/p0001"). */
int h5read_stations_in(hid_t file, const char *group, h5read_station_t **rows, size_t *n);
int h5read_replications_in(hid_t file, const char *group, h5read_replication_t **rows, size_t *n);
int h5read_system_in(hid_t file, const char *group, h5read_system_t **rows, size_t *n);
int h5read_summary_in(hid_t file, const char *group, h5read_summary_t **rows, size_t *n);
int h5read_classes_in(hid_t file, const char *group, h5read_class_t **rows, size_t *n);
int h5read_contraband_in(hid_t file, const char *group, h5read_contraband_t **rows, size_t *n);
int h5read_queue_in(hid_t file, const char *group, h5read_queue_t **rows, size_t *n);
int h5read_hourly_in(hid_t file, const char *group, h5read_hourly_t **rows, size_t *n);
int h5read_waits_in(hid_t file, const char *group, h5read_waits_t **rows, size_t *n);

/* /sweep/points and /sweep/axes. */
int h5read_sweep_points(hid_t file, h5read_sweep_point_t **rows, size_t *n);
int h5read_sweep_axes(hid_t file, h5read_sweep_axis_t **rows, size_t *n);

/* The row of station name, or NULL. */
const h5read_station_t *h5read_find_station(const h5read_station_t *rows, size_t n,
                                            const char *name);

/* Root attributes: numbers are converted by HDF5; 0 or -1 when absent. */
int h5read_attr_int(hid_t file, const char *name, long long *out);
int h5read_attr_u64(hid_t file, const char *name, uint64_t *out);
int h5read_attr_double(hid_t file, const char *name, double *out);

/* A root text attribute as a heap string the caller frees, or NULL. */
char *h5read_attr_text(hid_t file, const char *name);

#endif
