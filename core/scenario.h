/*
 * A scenario as the engine sees it: plain C structures built once from the
 * Lua description (see scenario_lua.c) and then read, never modified, by
 * every replication.  Times are in seconds, rates in events per second.
 */
#ifndef BL_SCENARIO_H
#define BL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"
#include "dist.h"
#include "error.h"

/* The kind of run (DESIGN.md "Job"); issue 2 implements checkpoint. */
typedef enum bl_job_kind {
    BL_JOB_CHECKPOINT = 1,
    BL_JOB_DETECTOR_BENCH = 2,
    BL_JOB_RISK_VALIDATION = 3,
    BL_JOB_STORE_SOAK = 4
} bl_job_kind_t;

/* Poisson arrivals with a piecewise-constant rate: segment i covers
 * [i * step, (i + 1) * step) with rate rates[i]; after the last segment the
 * profile repeats when periodic, else the last rate holds. */
typedef struct bl_arrivals {
    size_t n_segments;
    double *rates; /* owned, per second, >= 0 */
    double step;   /* seconds per segment; ignored when n_segments == 1 */
    bool periodic;
} bl_arrivals_t;

/* An entity attribute: sampled from `clean` for entities without
 * contraband and from `carrier` for those that carry some. */
typedef struct bl_attribute {
    char *name;
    bl_dist_t clean;
    bl_dist_t carrier;
} bl_attribute_t;

/* One kind of contraband and its share among carriers. */
typedef struct bl_contraband {
    uint32_t threat; /* bl_threat_class_t */
    double share;    /* normalised: shares sum to 1 */
    double value;    /* value at stake per seizure */
    double quantity; /* quantity per seizure */
    char *unit;
} bl_contraband_t;

typedef struct bl_population {
    double carrier_share; /* probability an entity carries contraband */
    size_t n_attributes;
    bl_attribute_t *attributes;
    size_t n_contraband;
    bl_contraband_t *contraband;
} bl_population_t;

/* Exit target for routes. */
#define BL_EXIT (-1)

/* Where an entity goes after a station: target[i] with probability p[i]
 * (cumulative in cum[], last == 1).  n == 1 is a fixed next station. */
typedef struct bl_route {
    size_t n;
    int *target; /* owned: station index or BL_EXIT */
    double *cum; /* owned */
} bl_route_t;

typedef enum bl_station_kind {
    BL_STATION_SERVICE = 1, /* serve, then follow `next` */
    BL_STATION_RISK = 2,    /* risk model: score >= threshold -> on_yes (selected) else on_no */
    BL_STATION_SCAN = 3,    /* detector: any detection >= threshold -> on_yes (alarm) else on_no */
    BL_STATION_SEARCH = 4   /* manual search: contraband found (find_probability) -> seizure
                               deposited in the store -> on_yes, else on_no */
} bl_station_kind_t;

typedef struct bl_station_def {
    char *name;
    int kind; /* bl_station_kind_t */
    unsigned servers;
    bl_dist_t service;
    bl_route_t next;         /* SERVICE */
    int on_yes, on_no;       /* RISK, SCAN, SEARCH: station index or BL_EXIT */
    double threshold;        /* RISK, SCAN */
    double find_probability; /* SEARCH */
    int line;                /* line in the scenario where it was declared, 0 if unknown */
} bl_station_def_t;

/* Plugin roles in a run. */
typedef enum bl_role {
    BL_ROLE_DETECTOR = 0,
    BL_ROLE_RISK = 1,
    BL_ROLE_STORE = 2,
    BL_ROLE_COUNT = 3
} bl_role_t;

/* A plugin reference: what to load for a role and its configuration. */
typedef struct bl_plugin_ref {
    char *spec; /* name ("dual_energy") or path ("x/y.so"); NULL = role unused */
    size_t n_config;
    char **config_keys;   /* owned */
    char **config_values; /* owned */
} bl_plugin_ref_t;

/* A declared parameter (what --set may override) and its final value. */
typedef struct bl_param {
    char *name;
    char *value; /* as text, after overrides */
    bool overridden;
} bl_param_t;

/* Synthetic scan settings for scan stations. */
typedef struct bl_scan_spec {
    uint32_t width, height;
    double pixel_mm;
} bl_scan_spec_t;

typedef struct bl_scenario {
    char *path;   /* as given on the command line */
    char *source; /* the file's text, stored in the results */
    char *name;
    int job; /* bl_job_kind_t */
    uint64_t seed;
    unsigned replications;
    double duration;          /* arrivals stop at this time; 0 = no limit */
    uint64_t max_entities;    /* arrivals stop after this many; 0 = no limit */
    double warmup_time;       /* statistics ignore entities arriving before */
    uint64_t warmup_entities; /* ... or before this many have arrived */
    bool entity_table;        /* write the per-entity table */
    bl_arrivals_t arrivals;
    bl_population_t population;
    size_t n_stations;
    bl_station_def_t *stations;
    int first_station;
    bl_scan_spec_t scan;
    bl_plugin_ref_t plugins[BL_ROLE_COUNT];
    size_t n_params;
    bl_param_t *params;
    struct bl_detector_bench *bench; /* owned; BL_JOB_DETECTOR_BENCH only (detector_bench.h) */
    struct bl_risk_validation *risk; /* owned; BL_JOB_RISK_VALIDATION only (risk_validation.h) */
    struct bl_store_soak *soak;      /* owned; BL_JOB_STORE_SOAK only (store_soak.h) */
} bl_scenario_t;

/*
 * The configuration values of ref for one replication: every
 * "${replication}" is replaced by its number, so that each replication can
 * have its own file (a seizure store's database, say).  *values receives
 * ref->n_config heap strings; free them with bl_plugin_ref_values_free.
 */
int bl_plugin_ref_expand(const bl_plugin_ref_t *ref, unsigned replication, char ***values);
void bl_plugin_ref_values_free(char **values, size_t n);

/* Release everything the scenario owns (safe on a zeroed struct). */
void bl_scenario_free_contents(bl_scenario_t *sc);

/* Station index by name, or -1. */
int bl_scenario_station_index(const bl_scenario_t *sc, const char *name);

/* Name of a role ("detector", "risk", "store") and its plugin kind. */
const char *bl_role_name(int role);
int bl_role_kind(int role);

#endif
