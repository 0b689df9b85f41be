/*
 * The one description of every table in a results file: the row structs,
 * their columns (name, offset, kind, size), where each table lives and the
 * title, description and units attributes it carries.  The writer
 * (results.c) makes the tables from these descriptions and the reader
 * (summary.c) reads them back through the same ones, so the two cannot
 * drift apart.  results.h documents the layout for users.
 *
 * Changing a row struct or a column list changes the file format (see
 * BL_RESULTS_SCHEMA in results.h).
 */
#ifndef BL_RESULTS_SCHEMA_H
#define BL_RESULTS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "base/error.h"

/* How a column is stored: a native HDF5 number, or a fixed-size C string. */
typedef enum bl_results_column_kind {
    BL_RESULTS_COL_U32,
    BL_RESULTS_COL_U64,
    BL_RESULTS_COL_F64,
    BL_RESULTS_COL_STR,
    BL_RESULTS_COL_F32,
    BL_RESULTS_COL_U8,
    BL_RESULTS_COL_I32
} bl_results_column_kind_t;

typedef struct bl_results_column {
    const char *name; /* also the name of the row struct member */
    size_t offset;    /* of the member in the row struct */
    bl_results_column_kind_t kind;
    size_t size; /* bytes (BL_RESULTS_COL_STR: fixed size, including the NUL) */
} bl_results_column_t;

/* The column of row struct st stored from its member f. */
#define BL_RESULTS_COLUMN(st, f, kind)                                                             \
    { #f, offsetof(st, f), kind, sizeof(((st *)0)->f) }

/* The same with the kind's short name: BL_COLUMN(st, f, F64). */
#define BL_COLUMN(st, f, kind) BL_RESULTS_COLUMN(st, f, BL_RESULTS_COL_##kind)

typedef struct bl_results_table {
    const char *path;  /* absolute; entities: the group of the rNNNNN tables; tables that exist
                          once per detector (bench_results.h): the name inside its group */
    const char *title; /* H5TB TITLE attribute */
    const char *description;            /* "description" attribute */
    const char *units;                  /* "units" attribute */
    const bl_results_column_t *columns; /* in file order */
    size_t n_columns;
    size_t row_size; /* sizeof the row struct */
} bl_results_table_t;

/* The description of a table of rows of struct st stored as the columns
 * of the array cols (a static array, not a pointer). */
#define BL_RESULTS_TABLE(path, title, description, units, cols, st)                                \
    { path, title, description, units, cols, sizeof(cols) / sizeof((cols)[0]), sizeof(st) }

/* /plugins: one row per loaded role. */
typedef struct bl_plugin_row {
    char role[16];
    char kind[16];
    char id[64];
    char name[96];
    char vendor[64];
    char version[32];
    char path[512];
    char sha256[65];
    uint64_t calls;
    uint64_t invalid_outputs;
    /* Where it ran and how it fared (plugin/isolated.h; README "Trust"). */
    char isolation[8];        /* "process" or "none" */
    char verdict[8];          /* "VALID" or "INVALID" */
    char verdict_reason[256]; /* why INVALID; "" when VALID */
    uint64_t failures;        /* failures to process (crash, exit, deadline, memory, error) */
    uint64_t skipped;         /* items not run after it became invalid */
    uint64_t children;        /* plugin host processes started (restarts included) */
    double peak_rss_mib;      /* largest peak resident memory of one of its processes */
    double call_seconds;      /* wall time of its calls as borderlab saw them */
    char sandbox[256];        /* the sandbox it ran in ("" in-process) */
} bl_plugin_row_t;

/* /plugin_failures: one row per item an isolated plugin failed to process. */
typedef struct bl_plugin_failure_row {
    uint32_t plugin; /* row of /plugins */
    char id[64];
    char verb[16];   /* detect, score, deposit... */
    uint64_t item;   /* scan id, record row in its batch, or store operation number */
    char cause[16];  /* signal, exit, deadline, memory, error, create, skipped, host */
    int32_t detail;  /* signal number, exit status or return code */
    double seconds;  /* how long the failing call ran */
    char what[96];   /* in words */
    char during[16]; /* what the run was doing: accuracy, offline, replication 3... */
} bl_plugin_failure_row_t;

/*
 * The checkpoint tables live under a group: /checkpoint for a plain run,
 * /sweep/pNNNN for each point of a sweep (results_checkpoint.h).  Their
 * descriptions carry the /checkpoint path; a reader of a sweep point uses
 * bl_results_table_read_at with "<group>/<bl_results_table_name(t)>".
 */

/* stations: one row per station, pooled over replications. */
typedef struct bl_station_row {
    char station[48];
    char kind[16];
    uint32_t servers;
    uint64_t arrivals, served, in_system, decisions_yes;
    double wait_mean, wait_ci_low, wait_ci_high;
    double wait_p50, wait_p90, wait_p95, wait_p99, wait_max;
    double utilisation, utilisation_ci_low, utilisation_ci_high;
    double mean_queue;
    uint64_t max_queue;
    uint64_t reneged;     /* total over replications */
    double officer_hours; /* on-duty server-hours in the window, mean per replication */
} bl_station_row_t;

/* replications: one row per (replication, station). */
typedef struct bl_replication_row {
    uint32_t replication;
    char station[48];
    uint64_t arrivals, served, in_system, decisions_yes;
    double wait_mean, wait_p50, wait_p90, wait_p99;
    double utilisation, mean_queue;
    uint64_t max_queue;
    uint64_t reneged;
    double wait_p95, officer_hours;
    uint64_t all_arrivals, all_departures; /* warm-up included */
} bl_replication_row_t;

/* system: one row per replication. */
typedef struct bl_system_row {
    uint32_t replication;
    uint64_t entities, completed, total_arrivals;
    double sojourn_mean, sojourn_p50, sojourn_p90, sojourn_p99;
    double mean_in_system, throughput, littles_ratio;
    double window_start, window_end, end_time;
    uint64_t events, carriers, selected, alarms, searches, seizures, missed;
    uint64_t travellers, false_alarms, confirmed, overridden, reneged;
    uint64_t total_departures, in_system_end;
    double sojourn_p95, officer_hours;
} bl_system_row_t;

/* summary: one row, pooled over replications. */
typedef struct bl_summary_row {
    uint32_t replications;
    uint64_t entities;
    double sojourn_mean, sojourn_ci_low, sojourn_ci_high;
    double sojourn_p50, sojourn_p90, sojourn_p95, sojourn_p99;
    double mean_in_system, mean_in_system_ci_low, mean_in_system_ci_high;
    double throughput, throughput_ci_low, throughput_ci_high;
    double littles_ratio;
    uint64_t carriers, selected, alarms, searches, seizures, missed, events;
    uint64_t travellers, false_alarms, confirmed, overridden, reneged; /* totals */
    double seizures_mean, seizures_ci_low, seizures_ci_high;           /* per replication */
    double false_alarms_mean, false_alarms_ci_low, false_alarms_ci_high;
    double officer_hours, officer_hours_ci_low, officer_hours_ci_high;
    double half_width; /* achieved 95% half-width of the sequential metric; NaN otherwise */
} bl_summary_row_t;

/* classes: one row per entity class, pooled. */
typedef struct bl_class_row {
    char class[48];
    int32_t priority;
    uint64_t entities, completed, travellers, reneged, carriers, seizures; /* totals */
    double sojourn_mean, sojourn_ci_low, sojourn_ci_high;
    double sojourn_p50, sojourn_p90, sojourn_p95, sojourn_p99;
} bl_class_row_t;

/* contraband: one row per contraband kind, pooled. */
typedef struct bl_contraband_row {
    char contraband[48];
    uint64_t carriers, seized, through;                   /* totals */
    double value_seized, value_through;                   /* totals */
    double seized_mean, seized_ci_low, seized_ci_high;    /* per replication */
    double through_mean, through_ci_low, through_ci_high; /* per replication */
} bl_contraband_row_t;

/* queue: one row per (station, series bin). */
typedef struct bl_queue_row {
    char station[48];
    double time; /* bin start, s */
    double queue_mean, queue_ci_low, queue_ci_high;
} bl_queue_row_t;

/* hourly: one row per (station, hour); station "(system)": departures. */
typedef struct bl_hourly_row {
    char station[48];
    uint32_t hour;
    double utilisation, utilisation_ci_low, utilisation_ci_high;
    double servers_on_duty;
    double served_per_hour, served_ci_low, served_ci_high;
} bl_hourly_row_t;

/* waits: one row per (station or "(end to end)", quantile). */
typedef struct bl_waits_row {
    char station[48];
    double quantile;
    double wait;
} bl_waits_row_t;

#define BL_RESULTS_SYSTEM_ROW "(system)"
#define BL_RESULTS_END_TO_END "(end to end)"

/* /sweep/points: one row per sweep point. */
typedef struct bl_sweep_point_row {
    uint32_t point;
    char group[32];     /* "/sweep/p0000" */
    char settings[256]; /* "xray.servers=4;threshold=0.2" */
    uint32_t replications;
    double sojourn_mean, sojourn_mean_ci_low, sojourn_mean_ci_high;
    double sojourn_p90, sojourn_p90_ci_low, sojourn_p90_ci_high;
    double throughput, throughput_ci_low, throughput_ci_high;
    double seizures, seizures_ci_low, seizures_ci_high;
    double false_alarms, false_alarms_ci_low, false_alarms_ci_high;
    double officer_hours, officer_hours_ci_low, officer_hours_ci_high;
    double reneged, reneged_ci_low, reneged_ci_high;
} bl_sweep_point_row_t;

/* /sweep/axes: one row per (axis, point). */
typedef struct bl_sweep_axis_row {
    char axis[64];
    uint32_t point;
    char value[64];
    double value_number; /* NaN when value is not a number */
} bl_sweep_axis_row_t;

extern const bl_results_table_t bl_results_plugins_table; /* rows: bl_plugin_row_t */
extern const bl_results_table_t
    bl_results_plugin_failures_table;                          /* rows: bl_plugin_failure_row_t */
extern const bl_results_table_t bl_results_stations_table;     /* rows: bl_station_row_t */
extern const bl_results_table_t bl_results_replications_table; /* rows: bl_replication_row_t */
extern const bl_results_table_t bl_results_system_table;       /* rows: bl_system_row_t */
extern const bl_results_table_t bl_results_summary_table;      /* rows: bl_summary_row_t */
extern const bl_results_table_t bl_results_entities_table;     /* rows: bl_entity_record_t */
extern const bl_results_table_t bl_results_classes_table;      /* rows: bl_class_row_t */
extern const bl_results_table_t bl_results_contraband_table;   /* rows: bl_contraband_row_t */
extern const bl_results_table_t bl_results_queue_table;        /* rows: bl_queue_row_t */
extern const bl_results_table_t bl_results_hourly_table;       /* rows: bl_hourly_row_t */
extern const bl_results_table_t bl_results_waits_table;        /* rows: bl_waits_row_t */
extern const bl_results_table_t bl_results_sweep_points_table; /* rows: bl_sweep_point_row_t */
extern const bl_results_table_t bl_results_sweep_axes_table;   /* rows: bl_sweep_axis_row_t */

/* The last component of t->path ("stations" for /checkpoint/stations). */
const char *bl_results_table_name(const bl_results_table_t *t);

/* The native HDF5 type of one column; the caller closes it (H5Tclose).
 * Returns a negative id on failure. */
hid_t bl_results_column_type(const bl_results_column_t *c);

/* The compound memory type of a row of t, members named as the columns;
 * the caller closes it.  Returns a negative id on failure. */
hid_t bl_results_table_memory_type(const bl_results_table_t *t);

/* Whether every link along the absolute path exists (H5Lexists alone fails
 * on a missing intermediate group). */
bool bl_results_path_exists(hid_t file, const char *path);

/* Names of the groups directly inside an open group, in creation order when
 * the file tracked it, else by name. */
typedef struct bl_group_names {
    char **names; /* owned, heap strings */
    size_t n, cap;
    bool failed; /* out of memory while listing */
} bl_group_names_t;

/* Fill *out (zeroed by the caller) with the member groups of `group`.
 * Returns 0, BL_ENOMEM, or BL_EHDF5 when the group cannot be listed (the
 * caller words the message). */
int bl_results_group_names(hid_t group, bl_group_names_t *out);
void bl_group_names_fini(bl_group_names_t *g);

/*
 * Read every row of table t of file into a heap array of its row struct
 * (*rows, caller frees; *n rows).  Columns are matched by name, so a file
 * with more columns than t still reads, and columns t has but the file
 * lacks (a file from before they existed) read as 0, or NaN for f64
 * columns.  fname names the file in messages.
 * Returns 0, BL_EHDF5 (table missing or columns do not match) or BL_ENOMEM.
 */
int bl_results_table_read(hid_t file, const bl_results_table_t *t, void **rows, size_t *n,
                          const char *fname, bl_error_t *err);

/* The same for a table of t's kind stored at path (absolute) instead of
 * t->path: the per-detector tables of a detector_bench file. */
int bl_results_table_read_at(hid_t file, const bl_results_table_t *t, const char *path, void **rows,
                             size_t *n, const char *fname, bl_error_t *err);

/* The text attribute name of the root group as a heap string (caller
 * frees); NULL when absent or not text. */
/* Text attribute name of the object at the absolute path (heap, caller
 * frees); NULL when absent or not text. */
char *bl_results_attr_text(hid_t file, const char *path, const char *name);
char *bl_results_root_text(hid_t file, const char *name);

/* Read the numeric attribute name of the root group into *out (caller's
 * storage of mem_type, e.g. H5T_NATIVE_UINT64).  Returns false when absent
 * or unreadable, leaving *out as it was. */
bool bl_results_root_number(hid_t file, const char *name, hid_t mem_type, void *out);

#endif
