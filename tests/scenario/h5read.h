/*
 * Helpers for the scenario tests: read a results file back through the
 * HDF5 C API, independently of core/summary.c.  The row structs mirror the
 * tables of core/results.h; columns are matched by name, so a struct may
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
} h5read_station_t;

/* One row of /checkpoint/replications. */
typedef struct h5read_replication {
    uint32_t replication;
    char station[48];
    uint64_t arrivals, served, in_system, decisions_yes;
    double wait_mean, wait_p50, wait_p90, wait_p99, utilisation, mean_queue;
    uint64_t max_queue;
} h5read_replication_t;

/* One row of /checkpoint/system. */
typedef struct h5read_system {
    uint32_t replication;
    uint64_t entities, completed, total_arrivals;
    double sojourn_mean, sojourn_p50, sojourn_p90, sojourn_p99;
    double mean_in_system, throughput, littles_ratio;
    double window_start, window_end, end_time;
    uint64_t events, carriers, selected, alarms, searches, seizures, missed;
} h5read_system_t;

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
