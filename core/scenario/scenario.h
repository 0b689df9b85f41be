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

#include "base/error.h"
#include "borderlab/plugin.h"
#include "plugin/isolated.h"
#include "stats/dist.h"

/* What a job adds to the scenario language (scenario_convert.h): its
 * constructor's name, the converter that fills a bl_scenario_t and the
 * release of the settings it attaches.  One per job, in the job's row of
 * the job table (run/job.h, jobs/jobs.c). */
struct bl_scenario_kind;

/* Poisson arrivals with a piecewise-constant rate: segment i covers
 * [i * step, (i + 1) * step) with rate rates[i]; after the last segment the
 * profile repeats when periodic, else the last rate holds.  A day-and-week
 * profile is 168 hourly segments, periodic (bl.weekly builds it).
 * n_segments == 0: the class arrives only through the checkpoint's replay. */
typedef struct bl_arrivals {
    size_t n_segments;
    double *rates; /* owned, per second, >= 0 */
    double step;   /* seconds per segment; ignored when n_segments == 1 */
    bool periodic;
} bl_arrivals_t;

/* Arrivals replayed from a CSV of timestamps and classes (bl.arrivals_csv):
 * loaded and checked when the scenario loads, sorted by time (stable). */
typedef struct bl_replay_arrivals {
    size_t n;
    double *times;     /* owned, seconds from the start of the run, >= 0, non-decreasing */
    uint32_t *classes; /* owned, index into bl_scenario_t.classes */
    uint32_t *groups;  /* owned, entities arriving together at that time (>= 1) */
    char *path;        /* owned, for messages and the results */
} bl_replay_arrivals_t;

/* An entity attribute: sampled from `clean` for entities without
 * contraband and from `carrier` for those that carry some. */
typedef struct bl_attribute {
    char *name;
    bl_dist_t clean;
    bl_dist_t carrier;
} bl_attribute_t;

/* How a piece of contraband is hidden: changes what a search finds and
 * whether the X-ray sees it. */
typedef struct bl_concealment {
    char *name;         /* "luggage", "body", "vehicle_cavity"... */
    double share;       /* normalised within the contraband: shares sum to 1 */
    double find_factor; /* multiplies a search's find_probability (0..1, default 1) */
    bool in_scan;       /* the contraband is in what the scanner images (default true) */
} bl_concealment_t;

/* One kind of contraband and its share among carriers. */
typedef struct bl_contraband {
    char *name;      /* "cigarettes", "phones", "cash": seizures are counted by it */
    uint32_t kind;   /* index into bl_scenario_t.contraband_kinds (the name's) */
    uint32_t threat; /* bl_threat_class_t it looks like in a scan (0: nothing a scanner sees) */
    double share;    /* normalised: shares sum to 1 */
    double value;    /* value at stake per seizure */
    double quantity; /* quantity per seizure */
    char *unit;
    size_t n_concealments; /* 0: one implicit concealment, find_factor 1, in_scan */
    bl_concealment_t *concealments;
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

typedef enum bl_route_kind {
    BL_ROUTE_PROBABILITY = 0, /* target[i] with probability; n == 1: fixed next */
    BL_ROUTE_CLASS = 1,       /* target[class index]: n == number of classes */
    BL_ROUTE_ATTRIBUTE = 2    /* attribute value >= threshold ? target[0] : target[1] */
} bl_route_kind_t;

/* Where an entity goes after a station.  PROBABILITY: target[i] with
 * probability p[i] (cumulative in cum[], last == 1).  CLASS: target[c] for
 * an entity of class c.  ATTRIBUTE: the entity's attribute `attribute`
 * (index into bl_scenario_t.attributes) >= threshold -> target[0], else
 * target[1] (n == 2). */
typedef struct bl_route {
    int kind; /* bl_route_kind_t */
    size_t n;
    int *target; /* owned: station index or BL_EXIT */
    double *cum; /* owned, PROBABILITY only (NULL otherwise) */
    int attribute;
    double threshold;
} bl_route_t;

typedef enum bl_station_kind {
    BL_STATION_SERVICE = 1, /* serve, then follow `next` */
    BL_STATION_RISK = 2,    /* risk model: selected -> on_yes, else on_no */
    BL_STATION_SCAN = 3,    /* detector (plugin or surrogate): alarm -> on_yes, else on_no */
    BL_STATION_SEARCH = 4,  /* manual search: contraband found (find_probability x the
                               concealment's find_factor) -> seizure deposited in the store ->
                               on_yes, else on_no */
    BL_STATION_REVIEW = 5   /* an officer looks at an alarm: confirms it (on_yes) or overrides
                               it (on_no), with confirm_carrier / confirm_clean */
} bl_station_kind_t;

/* One shift of a station's schedule: `servers` on duty in [start, end)
 * seconds of each period.  Shifts of one schedule never overlap; outside
 * every shift the station has 0 servers (closed: the queue waits). */
typedef struct bl_shift {
    double start, end;
    unsigned servers;
} bl_shift_t;

/* Capacity by time of day.  n == 0: the station's constant `servers`. */
typedef struct bl_schedule {
    size_t n;
    bl_shift_t *shifts; /* owned, sorted by start */
    double period;      /* the schedule repeats every period seconds (default 1 day); 0: once */
} bl_schedule_t;

typedef struct bl_station_def {
    char *name;
    int kind;                    /* bl_station_kind_t */
    unsigned servers;            /* constant capacity, or the largest shift when scheduled */
    bl_schedule_t shifts;        /* capacity by time; n == 0: `servers` all the time.  A server
                                    leaving at a shift change finishes its entity first */
    bl_dist_t service;           /* default service time */
    bl_dist_t *service_by_class; /* owned, n_classes entries or NULL; kind 0: use `service` */
    bl_dist_t patience;          /* kind 0: nobody reneges; else an entity still queued after
                                    this long leaves the queue for on_renege */
    int on_renege;               /* station index or BL_EXIT */
    bl_route_t next;             /* SERVICE */
    int on_yes, on_no;           /* RISK, SCAN, SEARCH, REVIEW: station index or BL_EXIT */
    double threshold;            /* RISK (score), SCAN (detection confidence) */
    double budget_per_hour;      /* RISK: > 0 selects the top-k per hour instead of a fixed
                                    threshold (see engine.h) */
    double find_probability;     /* SEARCH */
    double confirm_carrier;      /* REVIEW: P(officer confirms | entity carries contraband) */
    double confirm_clean;        /* REVIEW: P(officer confirms | entity is clean) */
    int line;                    /* line in the scenario where it was declared, 0 if unknown */
} bl_station_def_t;

/* A class of entities (travellers on foot, cars, goods vehicles, air-cargo
 * consignments): its own arrivals, population, route and priority. */
typedef struct bl_entity_class {
    char *name;
    bl_arrivals_t arrivals;     /* n_segments == 0: only replayed arrivals */
    bl_dist_t group;            /* entities per arrival event (a coach of 50); kind 0: 1 */
    bl_dist_t occupants;        /* people per entity (a car's occupants); kind 0: 1 */
    bl_population_t population; /* carriers, contraband mix, attributes */
    int first_station;          /* station index */
    int priority;               /* higher is served first in every queue (non-preemptive) */
    int line;
} bl_entity_class_t;

/* Sequential replications: run until the 95% CI half-width of `metric`
 * falls to the target (absolute when relative is false, else as a share of
 * the mean), in batches of `batch` so the stopping point does not depend on
 * the thread count. */
typedef struct bl_sequential {
    bool enabled;
    char *metric; /* "sojourn_mean", or "wait_mean:<station>", see engine.h */
    double half_width;
    bool relative;
    unsigned min_replications, max_replications, batch;
} bl_sequential_t;

/* A detector stand-in built from a detector_bench results file: alarm
 * decisions resampled from the measured scores, latency from the measured
 * distribution (surrogate.h loads it). */
typedef struct bl_surrogate_ref {
    char *path;     /* owned; NULL: the real detector plugin runs on synthetic scans */
    char *detector; /* owned; label of the detector group in the file; NULL: the first */
    bool latency;   /* add the measured latency to the scan station's service time */
} bl_surrogate_ref_t;

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
    char **config_keys;   /* owned; the harness's keys below are not among them */
    char **config_values; /* owned */
    /* Where it runs and its limits, from bl.plugin{..., isolation = "process",
     * timeout = 5, item_timeout = 1, memory_limit = "2G", max_failures = 3,
     * cpus = "0-1", log_limit = "64K"} (and --isolation): isolation is a
     * bl_isolation_mode_t (plugin/loader.h; 0 the default for the spec),
     * and a zero limit is its default (plugin/isolated.h). */
    int isolation;
    bl_isolation_opts_t limits;
} bl_plugin_ref_t;

/*
 * A key of the harness's on a plugin reference (isolation, timeout,
 * item_timeout, memory_limit, log_limit, max_failures, writable, cpus):
 * stored in ref and 1 returned; 0 when key is the plugin's own; BL_EINVAL
 * with err saying what to write when its value is wrong (plugin_limits.c).
 */
int bl_plugin_ref_limit(bl_plugin_ref_t *ref, const char *key, const char *value, bl_error_t *err);

/* key=value on ref: a harness key as above, else appended to its
 * configuration (copied).  0, BL_EINVAL or BL_ENOMEM. */
int bl_plugin_ref_configure(bl_plugin_ref_t *ref, const char *key, const char *value,
                            bl_error_t *err);

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
    const struct bl_scenario_kind *kind; /* the job (bl.<kind->name>{...}); set with settings */
    const struct bl_scenario_kind *const *kinds; /* borrowed: the jobs the loader knew, NULL-ended
                                                    (a sweep loads the file again with them) */
    uint64_t seed;
    unsigned replications;
    double duration;          /* arrivals stop at this time; 0 = no limit */
    uint64_t max_entities;    /* arrivals stop after this many; 0 = no limit */
    double warmup_time;       /* statistics ignore entities arriving before */
    uint64_t warmup_entities; /* ... or before this many have arrived */
    bool entity_table;        /* write the per-entity table */
    double series_step;       /* seconds per bin of the queue-length series (default 60) */
    size_t n_classes;         /* checkpoint: >= 1 (a scenario without classes= gets one,
                                 named "traveller", from its arrivals= and population=) */
    bl_entity_class_t *classes;
    bl_replay_arrivals_t replay; /* n == 0: none */
    size_t n_attributes;         /* union of the classes' attribute names, first-seen order:
                                    the risk model's columns; a class without one gets 0 */
    char **attributes;           /* owned */
    size_t n_contraband_kinds;   /* union of the classes' contraband names, first-seen order */
    char **contraband_kinds;     /* owned */
    size_t n_stations;
    bl_station_def_t *stations;
    bl_sequential_t sequential;
    bl_surrogate_ref_t surrogate;
    struct bl_surrogate *surrogate_data; /* loaded by the run (surrogate.h); NULL otherwise */
    bl_scan_spec_t scan;
    bl_plugin_ref_t plugins[BL_ROLE_COUNT];
    size_t n_params;
    bl_param_t *params;
    void *settings; /* owned: the job's own settings (a bl_detector_bench_t...), released by
                       kind->free_settings; NULL for a checkpoint, whose settings are the
                       fields above */
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

/* Release what a plugin reference owns and zero it. */
void bl_plugin_ref_fini(bl_plugin_ref_t *ref);

/* Station index by name, or -1. */
int bl_scenario_station_index(const bl_scenario_t *sc, const char *name);

/* "a, b, c": the station names into buf (size bytes, truncated to fit);
 * returns buf, or "(none)". */
const char *bl_scenario_station_list(const bl_scenario_t *sc, char *buf, size_t size);

/* The name of a station kind as results and messages show it: "service",
 * "risk_check", "scan", "search", "review" ("unknown" otherwise). */
const char *bl_station_kind_name(int kind);

/* Class index by name, or -1. */
int bl_scenario_class_index(const bl_scenario_t *sc, const char *name);

/* Servers on duty at station d at time t (its schedule, or `servers`). */
unsigned bl_station_capacity_at(const bl_station_def_t *d, double t);

/* Release a population's contents (safe on a zeroed struct). */
void bl_population_fini(bl_population_t *p);

/* Name of a role ("detector", "risk", "store") and its plugin kind. */
const char *bl_role_name(int role);
int bl_role_kind(int role);

#endif
