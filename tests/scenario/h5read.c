/* Reading results files back for the scenario tests: see h5read.h. */
#include "h5read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

enum { C_U32, C_U64, C_F64, C_STR };

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
};

static const column_t replication_cols[] = {
    COL(h5read_replication_t, replication, C_U32), COL(h5read_replication_t, station, C_STR),
    COL(h5read_replication_t, arrivals, C_U64),    COL(h5read_replication_t, served, C_U64),
    COL(h5read_replication_t, in_system, C_U64),   COL(h5read_replication_t, decisions_yes, C_U64),
    COL(h5read_replication_t, wait_mean, C_F64),   COL(h5read_replication_t, wait_p50, C_F64),
    COL(h5read_replication_t, wait_p90, C_F64),    COL(h5read_replication_t, wait_p99, C_F64),
    COL(h5read_replication_t, utilisation, C_F64), COL(h5read_replication_t, mean_queue, C_F64),
    COL(h5read_replication_t, max_queue, C_U64),
};

static const column_t system_cols[] = {
    COL(h5read_system_t, replication, C_U32),    COL(h5read_system_t, entities, C_U64),
    COL(h5read_system_t, completed, C_U64),      COL(h5read_system_t, total_arrivals, C_U64),
    COL(h5read_system_t, sojourn_mean, C_F64),   COL(h5read_system_t, sojourn_p50, C_F64),
    COL(h5read_system_t, sojourn_p90, C_F64),    COL(h5read_system_t, sojourn_p99, C_F64),
    COL(h5read_system_t, mean_in_system, C_F64), COL(h5read_system_t, throughput, C_F64),
    COL(h5read_system_t, littles_ratio, C_F64),  COL(h5read_system_t, window_start, C_F64),
    COL(h5read_system_t, window_end, C_F64),     COL(h5read_system_t, end_time, C_F64),
    COL(h5read_system_t, events, C_U64),         COL(h5read_system_t, carriers, C_U64),
    COL(h5read_system_t, selected, C_U64),       COL(h5read_system_t, alarms, C_U64),
    COL(h5read_system_t, searches, C_U64),       COL(h5read_system_t, seizures, C_U64),
    COL(h5read_system_t, missed, C_U64),
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
