/* Reading results files back for the scenario tests: see h5read.h. */
#include "h5read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

enum { C_U32, C_U64, C_F64, C_STR, C_I32 };

typedef struct column {
    const char *name;
    size_t offset;
    int type;
    size_t size;
} column_t;

#define COL(st, f, t)                                                                              \
    { #f, offsetof(st, f), t, sizeof(((st *)0)->f) }
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const column_t station_cols[] = {
    COL(h5read_station_t, station, C_STR),
    COL(h5read_station_t, kind, C_STR),
    COL(h5read_station_t, servers, C_U32),
    COL(h5read_station_t, arrivals, C_U64),
    COL(h5read_station_t, served, C_U64),
    COL(h5read_station_t, in_system, C_U64),
    COL(h5read_station_t, decisions_yes, C_U64),
    COL(h5read_station_t, wait_mean, C_F64),
    COL(h5read_station_t, wait_ci_low, C_F64),
    COL(h5read_station_t, wait_ci_high, C_F64),
    COL(h5read_station_t, wait_p50, C_F64),
    COL(h5read_station_t, wait_p90, C_F64),
    COL(h5read_station_t, wait_p95, C_F64),
    COL(h5read_station_t, wait_p99, C_F64),
    COL(h5read_station_t, wait_max, C_F64),
    COL(h5read_station_t, utilisation, C_F64),
    COL(h5read_station_t, utilisation_ci_low, C_F64),
    COL(h5read_station_t, utilisation_ci_high, C_F64),
    COL(h5read_station_t, mean_queue, C_F64),
    COL(h5read_station_t, max_queue, C_U64),
    COL(h5read_station_t, reneged, C_U64),
    COL(h5read_station_t, officer_hours, C_F64),
};

static const column_t replication_cols[] = {
    COL(h5read_replication_t, replication, C_U32),
    COL(h5read_replication_t, station, C_STR),
    COL(h5read_replication_t, arrivals, C_U64),
    COL(h5read_replication_t, served, C_U64),
    COL(h5read_replication_t, in_system, C_U64),
    COL(h5read_replication_t, decisions_yes, C_U64),
    COL(h5read_replication_t, wait_mean, C_F64),
    COL(h5read_replication_t, wait_p50, C_F64),
    COL(h5read_replication_t, wait_p90, C_F64),
    COL(h5read_replication_t, wait_p99, C_F64),
    COL(h5read_replication_t, utilisation, C_F64),
    COL(h5read_replication_t, mean_queue, C_F64),
    COL(h5read_replication_t, max_queue, C_U64),
    COL(h5read_replication_t, reneged, C_U64),
    COL(h5read_replication_t, wait_p95, C_F64),
    COL(h5read_replication_t, officer_hours, C_F64),
    COL(h5read_replication_t, all_arrivals, C_U64),
    COL(h5read_replication_t, all_departures, C_U64),
};

static const column_t system_cols[] = {
    COL(h5read_system_t, replication, C_U32),      COL(h5read_system_t, entities, C_U64),
    COL(h5read_system_t, completed, C_U64),        COL(h5read_system_t, total_arrivals, C_U64),
    COL(h5read_system_t, sojourn_mean, C_F64),     COL(h5read_system_t, sojourn_p50, C_F64),
    COL(h5read_system_t, sojourn_p90, C_F64),      COL(h5read_system_t, sojourn_p99, C_F64),
    COL(h5read_system_t, mean_in_system, C_F64),   COL(h5read_system_t, throughput, C_F64),
    COL(h5read_system_t, littles_ratio, C_F64),    COL(h5read_system_t, window_start, C_F64),
    COL(h5read_system_t, window_end, C_F64),       COL(h5read_system_t, end_time, C_F64),
    COL(h5read_system_t, events, C_U64),           COL(h5read_system_t, carriers, C_U64),
    COL(h5read_system_t, selected, C_U64),         COL(h5read_system_t, alarms, C_U64),
    COL(h5read_system_t, searches, C_U64),         COL(h5read_system_t, seizures, C_U64),
    COL(h5read_system_t, missed, C_U64),           COL(h5read_system_t, travellers, C_U64),
    COL(h5read_system_t, false_alarms, C_U64),     COL(h5read_system_t, confirmed, C_U64),
    COL(h5read_system_t, overridden, C_U64),       COL(h5read_system_t, reneged, C_U64),
    COL(h5read_system_t, total_departures, C_U64), COL(h5read_system_t, in_system_end, C_U64),
    COL(h5read_system_t, sojourn_p95, C_F64),      COL(h5read_system_t, officer_hours, C_F64),
};

/* m, m_ci_low, m_ci_high; MCI: m_mean, m_ci_low, m_ci_high. */
#define CI(st, m) COL(st, m, C_F64), COL(st, m##_ci_low, C_F64), COL(st, m##_ci_high, C_F64)
#define MCI(st, m) COL(st, m##_mean, C_F64), COL(st, m##_ci_low, C_F64), COL(st, m##_ci_high, C_F64)

static const column_t summary_cols[] = {
    COL(h5read_summary_t, replications, C_U32),    COL(h5read_summary_t, entities, C_U64),
    COL(h5read_summary_t, sojourn_mean, C_F64),    COL(h5read_summary_t, sojourn_ci_low, C_F64),
    COL(h5read_summary_t, sojourn_ci_high, C_F64), COL(h5read_summary_t, sojourn_p50, C_F64),
    COL(h5read_summary_t, sojourn_p90, C_F64),     COL(h5read_summary_t, sojourn_p95, C_F64),
    COL(h5read_summary_t, sojourn_p99, C_F64),     CI(h5read_summary_t, throughput),
    COL(h5read_summary_t, carriers, C_U64),        COL(h5read_summary_t, selected, C_U64),
    COL(h5read_summary_t, alarms, C_U64),          COL(h5read_summary_t, searches, C_U64),
    COL(h5read_summary_t, seizures, C_U64),        COL(h5read_summary_t, missed, C_U64),
    COL(h5read_summary_t, travellers, C_U64),      COL(h5read_summary_t, false_alarms, C_U64),
    COL(h5read_summary_t, confirmed, C_U64),       COL(h5read_summary_t, overridden, C_U64),
    COL(h5read_summary_t, reneged, C_U64),         MCI(h5read_summary_t, seizures),
    MCI(h5read_summary_t, false_alarms),           CI(h5read_summary_t, officer_hours),
    COL(h5read_summary_t, half_width, C_F64),
};

static const column_t class_cols[] = {
    COL(h5read_class_t, class, C_STR),           COL(h5read_class_t, priority, C_I32),
    COL(h5read_class_t, entities, C_U64),        COL(h5read_class_t, completed, C_U64),
    COL(h5read_class_t, travellers, C_U64),      COL(h5read_class_t, reneged, C_U64),
    COL(h5read_class_t, carriers, C_U64),        COL(h5read_class_t, seizures, C_U64),
    COL(h5read_class_t, sojourn_mean, C_F64),    COL(h5read_class_t, sojourn_ci_low, C_F64),
    COL(h5read_class_t, sojourn_ci_high, C_F64), COL(h5read_class_t, sojourn_p50, C_F64),
    COL(h5read_class_t, sojourn_p90, C_F64),     COL(h5read_class_t, sojourn_p95, C_F64),
    COL(h5read_class_t, sojourn_p99, C_F64),
};

static const column_t contraband_cols[] = {
    COL(h5read_contraband_t, contraband, C_STR),
    COL(h5read_contraband_t, carriers, C_U64),
    COL(h5read_contraband_t, seized, C_U64),
    COL(h5read_contraband_t, through, C_U64),
    COL(h5read_contraband_t, value_seized, C_F64),
    COL(h5read_contraband_t, value_through, C_F64),
    MCI(h5read_contraband_t, seized),
    MCI(h5read_contraband_t, through),
};

static const column_t queue_cols[] = {
    COL(h5read_queue_t, station, C_STR),
    COL(h5read_queue_t, time, C_F64),
    MCI(h5read_queue_t, queue),
};

static const column_t hourly_cols[] = {
    COL(h5read_hourly_t, station, C_STR),
    COL(h5read_hourly_t, hour, C_U32),
    CI(h5read_hourly_t, utilisation),
    COL(h5read_hourly_t, servers_on_duty, C_F64),
    COL(h5read_hourly_t, served_per_hour, C_F64),
    COL(h5read_hourly_t, served_ci_low, C_F64),
    COL(h5read_hourly_t, served_ci_high, C_F64),
};

static const column_t waits_cols[] = {
    COL(h5read_waits_t, station, C_STR),
    COL(h5read_waits_t, quantile, C_F64),
    COL(h5read_waits_t, wait, C_F64),
};

static const column_t sweep_point_cols[] = {
    COL(h5read_sweep_point_t, point, C_U32),    COL(h5read_sweep_point_t, group, C_STR),
    COL(h5read_sweep_point_t, settings, C_STR), COL(h5read_sweep_point_t, replications, C_U32),
    CI(h5read_sweep_point_t, sojourn_mean),     CI(h5read_sweep_point_t, sojourn_p90),
    CI(h5read_sweep_point_t, throughput),       CI(h5read_sweep_point_t, seizures),
    CI(h5read_sweep_point_t, false_alarms),     CI(h5read_sweep_point_t, officer_hours),
    CI(h5read_sweep_point_t, reneged),
};

static const column_t sweep_axis_cols[] = {
    COL(h5read_sweep_axis_t, axis, C_STR),
    COL(h5read_sweep_axis_t, point, C_U32),
    COL(h5read_sweep_axis_t, value, C_STR),
    COL(h5read_sweep_axis_t, value_number, C_F64),
};

static const column_t plugin_cols[] = {
    COL(h5read_plugin_t, role, C_STR),   COL(h5read_plugin_t, kind, C_STR),
    COL(h5read_plugin_t, id, C_STR),     COL(h5read_plugin_t, name, C_STR),
    COL(h5read_plugin_t, vendor, C_STR), COL(h5read_plugin_t, version, C_STR),
    COL(h5read_plugin_t, path, C_STR),   COL(h5read_plugin_t, sha256, C_STR),
    COL(h5read_plugin_t, calls, C_U64),  COL(h5read_plugin_t, invalid_outputs, C_U64),
};

hid_t h5read_open(const char *path) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        fprintf(stderr, "h5read: cannot open %s as HDF5\n", path);
    return f;
}

bool h5read_exists(hid_t file, const char *path) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (H5Lexists(file, buf, H5P_DEFAULT) <= 0)
                return false;
            if (saved == '\0')
                return true;
            *p = saved;
        }
    }
}

long long h5read_count(hid_t file, const char *path) {
    if (!h5read_exists(file, path))
        return -1;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t s = H5Dget_space(d);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(d);
    return (long long)n;
}

static hid_t memory_type(const column_t *c, size_t n, size_t row_size) {
    hid_t t = H5Tcreate(H5T_COMPOUND, row_size);
    for (size_t i = 0; t >= 0 && i < n; i++) {
        hid_t ft;
        switch (c[i].type) {
        case C_U32:
            ft = H5Tcopy(H5T_NATIVE_UINT32);
            break;
        case C_U64:
            ft = H5Tcopy(H5T_NATIVE_UINT64);
            break;
        case C_F64:
            ft = H5Tcopy(H5T_NATIVE_DOUBLE);
            break;
        case C_I32:
            ft = H5Tcopy(H5T_NATIVE_INT32);
            break;
        default:
            ft = H5Tcopy(H5T_C_S1);
            H5Tset_size(ft, c[i].size);
            break;
        }
        herr_t rc = H5Tinsert(t, c[i].name, c[i].offset, ft);
        H5Tclose(ft);
        if (rc < 0) {
            H5Tclose(t);
            t = -1;
        }
    }
    return t;
}

static int read_table(hid_t file, const char *path, const column_t *c, size_t nc, size_t row_size,
                      void **rows, size_t *n) {
    *rows = NULL;
    *n = 0;
    long long count = h5read_count(file, path);
    if (count < 0) {
        fprintf(stderr, "h5read: no table %s\n", path);
        return -1;
    }
    void *buf = calloc(count > 0 ? (size_t)count : 1, row_size);
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t t = memory_type(c, nc, row_size);
    int rc = 0;
    if (buf == NULL || d < 0 || t < 0 ||
        (count > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        fprintf(stderr, "h5read: cannot read %s (missing or mistyped columns?)\n", path);
        free(buf);
        buf = NULL;
        rc = -1;
    }
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    if (rc == 0) {
        *rows = buf;
        *n = (size_t)count;
    }
    return rc;
}

int h5read_stations(hid_t file, h5read_station_t **rows, size_t *n) {
    return read_table(file, "/checkpoint/stations", station_cols, NCOLS(station_cols),
                      sizeof **rows, (void **)rows, n);
}

int h5read_replications(hid_t file, h5read_replication_t **rows, size_t *n) {
    return read_table(file, "/checkpoint/replications", replication_cols, NCOLS(replication_cols),
                      sizeof **rows, (void **)rows, n);
}

int h5read_system(hid_t file, h5read_system_t **rows, size_t *n) {
    return read_table(file, "/checkpoint/system", system_cols, NCOLS(system_cols), sizeof **rows,
                      (void **)rows, n);
}

int h5read_plugins(hid_t file, h5read_plugin_t **rows, size_t *n) {
    return read_table(file, "/plugins", plugin_cols, NCOLS(plugin_cols), sizeof **rows,
                      (void **)rows, n);
}

/* read_table of GROUP/name. */
static int read_in(hid_t file, const char *group, const char *name, const column_t *c, size_t nc,
                   size_t row_size, void **rows, size_t *n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", group, name);
    return read_table(file, path, c, nc, row_size, rows, n);
}

#define READ_IN(fn, type, name, cols)                                                              \
    int fn(hid_t file, const char *group, type **rows, size_t *n) {                                \
        return read_in(file, group, name, cols, NCOLS(cols), sizeof **rows, (void **)rows, n);     \
    }

READ_IN(h5read_stations_in, h5read_station_t, "stations", station_cols)
READ_IN(h5read_replications_in, h5read_replication_t, "replications", replication_cols)
READ_IN(h5read_system_in, h5read_system_t, "system", system_cols)
READ_IN(h5read_summary_in, h5read_summary_t, "summary", summary_cols)
READ_IN(h5read_classes_in, h5read_class_t, "classes", class_cols)
READ_IN(h5read_contraband_in, h5read_contraband_t, "contraband", contraband_cols)
READ_IN(h5read_queue_in, h5read_queue_t, "queue", queue_cols)
READ_IN(h5read_hourly_in, h5read_hourly_t, "hourly", hourly_cols)
READ_IN(h5read_waits_in, h5read_waits_t, "waits", waits_cols)

int h5read_sweep_points(hid_t file, h5read_sweep_point_t **rows, size_t *n) {
    return read_table(file, "/sweep/points", sweep_point_cols, NCOLS(sweep_point_cols),
                      sizeof **rows, (void **)rows, n);
}

int h5read_sweep_axes(hid_t file, h5read_sweep_axis_t **rows, size_t *n) {
    return read_table(file, "/sweep/axes", sweep_axis_cols, NCOLS(sweep_axis_cols), sizeof **rows,
                      (void **)rows, n);
}

const h5read_station_t *h5read_find_station(const h5read_station_t *rows, size_t n,
                                            const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].station, name) == 0)
            return &rows[i];
    return NULL;
}

static int read_attr(hid_t file, const char *name, hid_t type, void *out) {
    if (H5Aexists(file, name) <= 0) {
        fprintf(stderr, "h5read: no root attribute %s\n", name);
        return -1;
    }
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, type, out) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    if (rc != 0)
        fprintf(stderr, "h5read: cannot read root attribute %s\n", name);
    return rc;
}

int h5read_attr_int(hid_t file, const char *name, long long *out) {
    return read_attr(file, name, H5T_NATIVE_LLONG, out);
}

int h5read_attr_u64(hid_t file, const char *name, uint64_t *out) {
    return read_attr(file, name, H5T_NATIVE_UINT64, out);
}

int h5read_attr_double(hid_t file, const char *name, double *out) {
    return read_attr(file, name, H5T_NATIVE_DOUBLE, out);
}

char *h5read_attr_text(hid_t file, const char *name) {
    hsize_t dims[1];
    H5T_class_t cls;
    size_t size = 0;
    if (H5Aexists(file, name) <= 0 ||
        H5LTget_attribute_info(file, "/", name, dims, &cls, &size) < 0 || cls != H5T_STRING) {
        fprintf(stderr, "h5read: no text root attribute %s\n", name);
        return NULL;
    }
    char *s = calloc(size + 1, 1);
    if (s != NULL && H5LTget_attribute_string(file, "/", name, s) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}
