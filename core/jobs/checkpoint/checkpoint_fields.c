/*
 * The field tables of the checkpoint job's constructors (scenario/fields.h):
 * bl.checkpoint and the tables inside it, classes and their arrivals and
 * populations, stations and routes, shifts, sequential replications and
 * the surrogate detector.  The converters (scenario_checkpoint.c,
 * scenario_classes.c) read every field through these rows.
 */
#include "jobs/checkpoint/checkpoint_fields.h"

#define LUA BL_FIELD_LUA
#define FIRST BL_FIELD_FIRST

/* ------------------------------------------------------------------ the job */

static const bl_field_t checkpoint_fields[] = {
    {"replications", "integer or bl.sequential{...}", "1",
     "independent replications, or run until a metric's 95% CI is narrow enough"},
    {"duration", "seconds", "none",
     "arrivals stop at this time (give duration=, max_entities= or both, unless replay= gives "
     "every arrival)"},
    {"max_entities", "integer", "none", "arrivals stop after this many entities"},
    {"warmup", "{time = ...} or {entities = ...}", "none",
     "statistics leave out the entities that arrive before"},
    {"entity_table", "true/false", "false",
     "also write one row per entity (/checkpoint/entities: large)"},
    {"series_step", "seconds", "60", "the bins of the queue-length series"},
    {"classes", "list of bl.class{...}", "one class, traveller",
     "the kinds of entity; without it, arrivals= and population= make one class, traveller"},
    {"replay", "bl.arrivals_csv{...}", "none",
     "arrivals replayed from a file, beside or instead of the classes' own"},
    {"arrivals", "bl.poisson{...} or bl.weekly{...}", "none",
     "the arrivals of the one class, without classes="},
    {"population", "bl.population{...}", "nobody carries contraband",
     "the population of the one class, without classes="},
    {"stations", "list of stations", NULL,
     "bl.station, bl.risk_check, bl.scan, bl.search, bl.review in order: each goes on to the "
     "next unless told otherwise"},
    {"plugins", "{detector =, risk =, store = bl.plugin{...}}", "none",
     "the plugins the scan, risk_check and search stations call"},
    {"surrogate", "bl.surrogate{...}", "none",
     "scan stations decide from what a detector_bench run measured, not by calling a detector"},
    {"scan", "{width =, height =, pixel_mm =}", "64 x 64 pixels, the bag fitted",
     "the synthetic scans a scan station's detector sees"},
    {NULL},
};

const bl_ctor_t bl_checkpoint_ctor = {
    "bl.checkpoint",
    "the checkpoint job (planners): entities arrive, pass the stations, leave; replications on "
    "every core, optionally over a --sweep grid",
    checkpoint_fields, bl_job_fields};

static const bl_field_t warmup_fields[] = {
    {"time", "seconds", "0", "leave out the entities that arrive before this time"},
    {"entities", "integer", "0", "or leave out the first this many entities"},
    {NULL},
};

const bl_ctor_t bl_checkpoint_warmup_ctor = {
    "bl.checkpoint: warmup", "the warm-up: time= or entities=, not both", warmup_fields};

static const bl_field_t scan_fields[] = {
    {"width", "integer 8..8192", "64", "pixels"},
    {"height", "integer 8..8192", "64", "pixels"},
    {"pixel_mm", "number > 0", "0", "millimetres per pixel; 0 fits the whole bag in the image"},
    {NULL},
};

const bl_ctor_t bl_checkpoint_scan_ctor = {"bl.checkpoint: scan",
                                           "the synthetic scans of the scan stations", scan_fields};

static const bl_field_t plugins_fields[] = {
    {"detector", "bl.plugin{...}", "none", "what scan stations call (or give surrogate=)"},
    {"risk", "bl.plugin{...}", "none", "what risk_check stations call"},
    {"store", "bl.plugin{...}", "none", "where search stations deposit seizures"},
    {NULL},
};

const bl_ctor_t bl_checkpoint_plugins_ctor = {
    "bl.checkpoint: plugins", "the plugins of a checkpoint, by role", plugins_fields};

/* ------------------------------------------------------------------ replications */

static const bl_field_t sequential_fields[] = {
    {"metric", "text", NULL,
     "what must be precise: sojourn_mean, sojourn_p90, throughput, seizures, false_alarms, "
     "alarms, searches, missed, reneged, officer_hours, wait_mean:STATION, "
     "utilisation:STATION"},
    {"half_width", "number > 0", "half_width= or relative=",
     "stop when the 95% CI half-width is at most this, in the metric's unit"},
    {"relative", "number > 0",
     "half_width= or relative=", "or at most this share of the mean (0.05: 5%)"},
    {"min", "integer >= 2", "5", "replications before the first check"},
    {"max", "integer >= 2", "100", "replications at most, precise or not"},
    {"batch", "integer >= 1", "2", "replications between checks (the same for every thread count)"},
    {NULL},
};

const bl_ctor_t bl_sequential_ctor = {
    "bl.sequential", "replications until a metric's 95% confidence interval is narrow enough",
    sequential_fields};

static const bl_field_t surrogate_fields[] = {
    {"results", "path", NULL, "a detector_bench results file, from the scenario's folder"},
    {"detector", "text", "the file's first", "the detector's group in that file"},
    {"latency", "true/false", "true", "add the measured latency to the scan station's service"},
    {NULL},
};

const bl_ctor_t bl_surrogate_ctor = {
    "bl.surrogate",
    "a detector stand-in: alarms resampled from the scores a detector_bench run measured, per "
    "threat class, so a long simulation costs nanoseconds a scan",
    surrogate_fields};

/* ------------------------------------------------------------------ classes and arrivals */

static const bl_field_t class_fields[] = {
    {"name", "text", NULL, "the class's name: foot, car, coach, container...", FIRST},
    {"arrivals", "bl.poisson{...} or bl.weekly{...}", "replay= only",
     "its arrivals (needed unless the job's replay= gives them)"},
    {"group", "whole number or distribution", "1",
     "entities per arrival (a coach of 50 arrives at once)"},
    {"occupants", "whole number or distribution", "1",
     "people per entity (a car's occupants): counted as travellers"},
    {"population", "bl.population{...}", "nobody carries contraband",
     "who carries what, and their attributes"},
    {"first", "station name", "the first station", "where its entities go first"},
    {"priority", "integer", "0", "higher is served first in every queue (without preemption)"},
    {NULL},
};

const bl_ctor_t bl_class_ctor = {"bl.class", "a kind of entity with its own arrivals",
                                 class_fields};

static const bl_field_t poisson_fields[] = {
    {"rate", "per second", "rate= or profile=", "a constant rate", LUA},
    {"profile", "list of rates per second",
     "rate= or profile=", "a piecewise-constant rate: profile[i] during [(i-1) step, i step)", LUA},
    {"step", "seconds", "none", "the length of each profile segment (needed with profile=)"},
    {"periodic", "true/false", "true", "the profile repeats; else its last rate holds"},
    {NULL},
};

const bl_ctor_t bl_poisson_ctor = {"bl.poisson", "Poisson arrivals, constant or by profile",
                                   poisson_fields};

static const bl_field_t weekly_fields[] = {
    {"day", "24 rates per second", NULL, "the rate of each hour of the day, from 0:00", LUA},
    {"week", "7 multipliers", "1 each", "each day's factor, Monday first", LUA},
    {NULL},
};

const bl_ctor_t bl_weekly_ctor = {"bl.weekly",
                                  "Poisson arrivals by hour and weekday: 168 hourly segments, "
                                  "repeating every week",
                                  weekly_fields};

static const bl_field_t arrivals_csv_fields[] = {
    {"path", "path", NULL, "a CSV of arrivals (RFC 4180), from the scenario's folder"},
    {"time", "column", "time", "the arrival time (>= 0)"},
    {"class", "column", "class", "the class's name"},
    {"group", "column", "none: 1 entity a row", "entities arriving together (integer >= 1)"},
    {"unit", "seconds, minutes or hours", "seconds", "the unit of the time column"},
    {NULL},
};

const bl_ctor_t bl_arrivals_csv_ctor = {
    "bl.arrivals_csv", "arrivals replayed from a file, read and checked when the scenario loads",
    arrivals_csv_fields};

/* ------------------------------------------------------------------ populations */

static const bl_field_t population_fields[] = {
    {"carriers", "share 0..1", "0", "the share of entities carrying contraband"},
    {"contraband", "list of {name, ...}", "none", "what carriers carry, by share"},
    {"attributes", "list of {name, ...}", "none",
     "attributes a risk model scores (declared value, trips a year...)"},
    {NULL},
};

const bl_ctor_t bl_population_ctor = {"bl.population", "who carries what", population_fields};

static const bl_field_t contraband_fields[] = {
    {"name", "text", NULL, "cigarettes, cash...: seizures are counted by it", FIRST},
    {"share", "number >= 0", "1", "its share among carriers (shares are normalised)"},
    {"value", "number >= 0", "0", "value at stake per seizure"},
    {"quantity", "number >= 0", "1", "quantity per seizure"},
    {"unit", "text", "item", "the quantity's unit"},
    {"looks_like", "threat class or none", "its name, when that is a threat class",
     "what a scanner sees: firearm, knife, explosive, drugs, cigarettes, currency, metal"},
    {"concealment", "list of {name, ...}", "one, found as searched and seen by scanners",
     "how it is hidden"},
    {NULL},
};

const bl_ctor_t bl_contraband_ctor = {"bl.population: contraband", "one kind of contraband",
                                      contraband_fields};

static const bl_field_t concealment_fields[] = {
    {"name", "text", NULL, "luggage, body, vehicle_cavity...", FIRST},
    {"share", "number >= 0", "1", "its share for this contraband (normalised)"},
    {"find", "0..1", "1", "multiplies a search's find_probability"},
    {"in_scan", "true/false", "true", "in what a scanner images"},
    {NULL},
};

const bl_ctor_t bl_concealment_ctor = {"bl.population: concealment",
                                       "how one kind of contraband is hidden", concealment_fields};

static const bl_field_t attribute_fields[] = {
    {"name", "text", NULL, "the attribute: a risk model's column", FIRST},
    {"clean", "distribution", "clean= or all=", "its values for entities without contraband"},
    {"carrier", "distribution", "clean's", "its values for carriers"},
    {"all", "distribution", "none", "the same values for everyone", LUA},
    {NULL},
};

const bl_ctor_t bl_attribute_ctor = {"bl.population: attributes", "one attribute of entities",
                                     attribute_fields};

/* ------------------------------------------------------------------ stations */

/* Rows of every station. */
static const bl_field_t station_shared[] = {
    {"patience", "distribution", "none: nobody reneges",
     "an entity still queued after this long leaves for reneged="},
    {"reneged", "station or exit", "exit", "where impatient entities go"},
    {NULL},
};

#define STATION_NAME                                                                               \
    { "name", "text", NULL, "the station's name (not exit)", FIRST }
#define SERVERS_REQUIRED                                                                           \
    {                                                                                              \
        "servers", "integer or bl.shifts{...}", NULL,                                              \
            "officers, lanes or machines working in parallel"                                      \
    }
#define SERVICE_REQUIRED                                                                           \
    {                                                                                              \
        "service", "distribution, or {default =, <class> =}", NULL,                                \
            "the service time, or one per class"                                                   \
    }

static const bl_field_t station_fields[] = {
    STATION_NAME,
    SERVERS_REQUIRED,
    SERVICE_REQUIRED,
    {"next", "station, exit, bl.route, bl.by_class or bl.by_attribute", "the following station",
     "where entities go after it (exit after the last)"},
    {NULL},
};

const bl_ctor_t bl_station_ctor = {"bl.station", "a plain station: serve, then go on",
                                   station_fields, station_shared};

static const bl_field_t risk_check_fields[] = {
    STATION_NAME,
    {"servers", "integer or bl.shifts{...}", "1", "servers in parallel"},
    {"service", "distribution, or {default =, <class> =}", "0", "the time a check takes"},
    {"threshold", "score 0..1",
     "threshold= or budget_per_hour=", "selected when the risk score is at least this"},
    {"budget_per_hour", "number >= 0", "0",
     "> 0: select the riskiest k a clock hour instead (k = floor(budget))"},
    {"selected", "station or exit", NULL, "where selected entities go"},
    {"otherwise", "station or exit", "the following station", "where the others go"},
    {NULL},
};

const bl_ctor_t bl_risk_check_ctor = {"bl.risk_check",
                                      "a risk model scores each entity (plugins.risk)",
                                      risk_check_fields, station_shared};

static const bl_field_t scan_station_fields[] = {
    STATION_NAME,
    SERVERS_REQUIRED,
    SERVICE_REQUIRED,
    {"threshold", "confidence 0..1", "0.5", "an alarm when a detection is at least this"},
    {"alarm", "station or exit", NULL, "where alarms go"},
    {"clear", "station or exit", "the following station", "where the others go"},
    {NULL},
};

const bl_ctor_t bl_scan_ctor = {
    "bl.scan", "a detector looks at the entity's scan (plugins.detector, or a surrogate)",
    scan_station_fields, station_shared};

static const bl_field_t search_fields[] = {
    STATION_NAME,
    SERVERS_REQUIRED,
    SERVICE_REQUIRED,
    {"find_probability", "0..1", NULL,
     "the chance a search finds contraband (times its concealment's find)"},
    {"found", "station or exit", "the following station",
     "where entities go when a seizure is made (deposited in plugins.store)"},
    {"not_found", "station or exit", "the following station", "where the others go"},
    {NULL},
};

const bl_ctor_t bl_search_ctor = {"bl.search", "officers search the entity", search_fields,
                                  station_shared};

static const bl_field_t review_fields[] = {
    STATION_NAME,
    SERVERS_REQUIRED,
    SERVICE_REQUIRED,
    {"confirm_carrier", "0..1", "1", "the chance an officer confirms the alarm of a carrier"},
    {"confirm_clean", "0..1", "0", "the chance an officer confirms the alarm of a clean entity"},
    {"confirmed", "station or exit", "the following station", "where confirmed alarms go"},
    {"overridden", "station or exit", "the following station", "where overridden alarms go"},
    {NULL},
};

const bl_ctor_t bl_review_ctor = {"bl.review", "an officer reviews an alarm", review_fields,
                                  station_shared};

static const bl_field_t shifts_fields[] = {
    {"period", "seconds", "86400", "the schedule repeats every period (one day); 0: once"},
    {NULL},
};

const bl_ctor_t bl_shifts_ctor = {
    "bl.shifts",
    "servers on duty by time of day: a list of {from =, to =, servers =}; outside every shift "
    "the station is closed",
    shifts_fields};

static const bl_field_t shift_fields[] = {
    {"from", "seconds", NULL, "the shift's start within the period"},
    {"to", "seconds", NULL, "its end (a night shift is two shifts)"},
    {"servers", "integer >= 0", NULL, "servers on duty"},
    {NULL},
};

const bl_ctor_t bl_shift_ctor = {"bl.shifts: shift", "one shift", shift_fields};

/* ------------------------------------------------------------------ routes */

const bl_ctor_t bl_route_ctor = {
    "bl.route", "a random next station: {{\"a\", 0.3}, {\"b\", 0.7}} (probabilities sum to 1)",
    NULL};

static const bl_field_t by_class_fields[] = {
    {"default", "station or exit", "the following station", "where the classes not listed go"},
    {NULL},
};

const bl_ctor_t bl_by_class_ctor = {
    "bl.by_class", "the next station by class: {foot = \"a\", car = \"b\", default = \"c\"}",
    by_class_fields, NULL, true};

static const bl_field_t by_attribute_fields[] = {
    {"attribute", "attribute name", NULL, "an attribute of the population", FIRST},
    {"at_least", "number", NULL, "entities whose attribute is at least this go to yes="},
    {"yes", "station or exit", NULL, "where they go"},
    {"no", "station or exit", "the following station", "where the others go"},
    {NULL},
};

const bl_ctor_t bl_by_attribute_ctor = {"bl.by_attribute", "the next station by an attribute",
                                        by_attribute_fields};

const bl_ctor_t *const bl_checkpoint_ctors[] = {
    &bl_checkpoint_ctor,
    &bl_checkpoint_warmup_ctor,
    &bl_checkpoint_scan_ctor,
    &bl_checkpoint_plugins_ctor,
    &bl_sequential_ctor,
    &bl_surrogate_ctor,
    &bl_class_ctor,
    &bl_poisson_ctor,
    &bl_weekly_ctor,
    &bl_arrivals_csv_ctor,
    &bl_population_ctor,
    &bl_contraband_ctor,
    &bl_concealment_ctor,
    &bl_attribute_ctor,
    &bl_station_ctor,
    &bl_risk_check_ctor,
    &bl_scan_ctor,
    &bl_search_ctor,
    &bl_review_ctor,
    &bl_shifts_ctor,
    &bl_shift_ctor,
    &bl_route_ctor,
    &bl_by_class_ctor,
    &bl_by_attribute_ctor,
    NULL,
};
