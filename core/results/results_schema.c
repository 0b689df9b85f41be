/* The tables of a results file: see results_schema.h. */
#include "results/results_schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

#include "engine/engine.h"

#define NCOLUMNS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ /plugins */

static const bl_results_column_t plugin_columns[] = {
    BL_RESULTS_COLUMN(bl_plugin_row_t, role, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, kind, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, id, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, name, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, vendor, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, version, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, path, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, sha256, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_plugin_row_t, calls, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_plugin_row_t, invalid_outputs, BL_RESULTS_COL_U64),
    BL_COLUMN(bl_plugin_row_t, isolation, STR),
    BL_COLUMN(bl_plugin_row_t, verdict, STR),
    BL_COLUMN(bl_plugin_row_t, verdict_reason, STR),
    BL_COLUMN(bl_plugin_row_t, failures, U64),
    BL_COLUMN(bl_plugin_row_t, skipped, U64),
    BL_COLUMN(bl_plugin_row_t, children, U64),
    BL_COLUMN(bl_plugin_row_t, peak_rss_mib, F64),
    BL_COLUMN(bl_plugin_row_t, call_seconds, F64),
    BL_COLUMN(bl_plugin_row_t, sandbox, STR),
};

static const char PLUGINS_DESCRIPTION[] = "plugins loaded for the run, one row per role";

const bl_results_table_t bl_results_plugins_table = {
    "/plugins",
    PLUGINS_DESCRIPTION,
    PLUGINS_DESCRIPTION,
    "calls, invalid_outputs: counts summed over replications; sha256: hex SHA-256 of the loaded "
    "file; isolation: process (a sandboxed plugin host process) or none; verdict: VALID or "
    "INVALID (verdict_reason says why); failures, skipped: items failed or not run "
    "(/plugin_failures); peak_rss_mib: MiB; call_seconds: s",
    plugin_columns,
    NCOLUMNS(plugin_columns),
    sizeof(bl_plugin_row_t),
};

/* ------------------------------------------------------------------ /plugin_failures */

static const bl_results_column_t plugin_failure_columns[] = {
    BL_COLUMN(bl_plugin_failure_row_t, plugin, U32),
    BL_COLUMN(bl_plugin_failure_row_t, id, STR),
    BL_COLUMN(bl_plugin_failure_row_t, verb, STR),
    BL_COLUMN(bl_plugin_failure_row_t, item, U64),
    BL_COLUMN(bl_plugin_failure_row_t, cause, STR),
    BL_COLUMN(bl_plugin_failure_row_t, detail, I32),
    BL_COLUMN(bl_plugin_failure_row_t, seconds, F64),
    BL_COLUMN(bl_plugin_failure_row_t, what, STR),
    BL_COLUMN(bl_plugin_failure_row_t, during, STR),
};

static const char PLUGIN_FAILURES_DESCRIPTION[] =
    "items isolated plugins failed to process (or skipped once invalid), in the order they "
    "happened";

const bl_results_table_t bl_results_plugin_failures_table = {
    "/plugin_failures",
    PLUGIN_FAILURES_DESCRIPTION,
    PLUGIN_FAILURES_DESCRIPTION,
    "plugin: row of /plugins; item: scan id (detect), declaration number from 0 (score) or the "
    "store instance's operation number; detail: signal, exit status or return code, and for "
    "cause skipped the number of items from item on; seconds: wall time of the failing call",
    plugin_failure_columns,
    NCOLUMNS(plugin_failure_columns),
    sizeof(bl_plugin_failure_row_t),
};

/* ------------------------------------------------------------------ /checkpoint/stations */

static const bl_results_column_t station_columns[] = {
    BL_RESULTS_COLUMN(bl_station_row_t, station, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_station_row_t, kind, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_station_row_t, servers, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_station_row_t, arrivals, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, served, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, in_system, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, decisions_yes, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_p90, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_p95, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_p99, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, wait_max, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, utilisation, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, utilisation_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, utilisation_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, mean_queue, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_station_row_t, max_queue, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, reneged, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_station_row_t, officer_hours, BL_RESULTS_COL_F64),
};

static const char STATIONS_DESCRIPTION[] =
    "per-station results pooled over replications (95% t intervals over replication means; "
    "quantiles from the merged wait histograms)";

const bl_results_table_t bl_results_stations_table = {
    "/checkpoint/stations",
    STATIONS_DESCRIPTION,
    STATIONS_DESCRIPTION,
    "wait_*: s; utilisation: fraction of the on-duty server time busy in the measurement "
    "window; mean_queue, max_queue: entities; arrivals, served, in_system, decisions_yes, "
    "reneged: totals over replications; officer_hours: on-duty server-hours in the window, mean "
    "per replication",
    station_columns,
    NCOLUMNS(station_columns),
    sizeof(bl_station_row_t),
};

/* ------------------------------------------------------------------ /checkpoint/replications */

static const bl_results_column_t replication_columns[] = {
    BL_RESULTS_COLUMN(bl_replication_row_t, replication, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_replication_row_t, station, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_replication_row_t, arrivals, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, served, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, in_system, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, decisions_yes, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, wait_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, wait_p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, wait_p90, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, wait_p99, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, utilisation, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, mean_queue, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, max_queue, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, reneged, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, wait_p95, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, officer_hours, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_replication_row_t, all_arrivals, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_replication_row_t, all_departures, BL_RESULTS_COL_U64),
};

static const char REPLICATIONS_DESCRIPTION[] =
    "per-station results, one row per (replication, station)";

const bl_results_table_t bl_results_replications_table = {
    "/checkpoint/replications",
    REPLICATIONS_DESCRIPTION,
    REPLICATIONS_DESCRIPTION,
    "wait_*: s; utilisation: fraction of the on-duty server time busy in the measurement "
    "window; mean_queue, max_queue: entities; officer_hours: on-duty server-hours in the window; "
    "all_arrivals, all_departures: warm-up included (all_arrivals = all_departures + in_system)",
    replication_columns,
    NCOLUMNS(replication_columns),
    sizeof(bl_replication_row_t),
};

/* ------------------------------------------------------------------ /checkpoint/system */

static const bl_results_column_t system_columns[] = {
    BL_RESULTS_COLUMN(bl_system_row_t, replication, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_system_row_t, entities, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, completed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, total_arrivals, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, sojourn_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, sojourn_p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, sojourn_p90, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, sojourn_p99, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, mean_in_system, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, throughput, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, littles_ratio, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, window_start, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, window_end, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, end_time, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, events, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, carriers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, selected, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, alarms, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, searches, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, seizures, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, missed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, travellers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, false_alarms, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, confirmed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, overridden, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, reneged, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, total_departures, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, in_system_end, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_system_row_t, sojourn_p95, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_system_row_t, officer_hours, BL_RESULTS_COL_F64),
};

static const char SYSTEM_DESCRIPTION[] = "end-to-end results, one row per replication";

const bl_results_table_t bl_results_system_table = {
    "/checkpoint/system",
    SYSTEM_DESCRIPTION,
    SYSTEM_DESCRIPTION,
    "sojourn_*, window_*, end_time: s; mean_in_system: entities; throughput: entities per second "
    "of the measurement window; littles_ratio: mean_in_system / (throughput * sojourn_mean), 1 "
    "when Little's law holds; officer_hours: on-duty server-hours of every station in the window; "
    "total_arrivals, total_departures, in_system_end: warm-up included",
    system_columns,
    NCOLUMNS(system_columns),
    sizeof(bl_system_row_t),
};

/* ------------------------------------------------------------------ /checkpoint/summary */

static const bl_results_column_t summary_columns[] = {
    BL_RESULTS_COLUMN(bl_summary_row_t, replications, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_summary_row_t, entities, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_p90, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_p95, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, sojourn_p99, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, mean_in_system, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, mean_in_system_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, mean_in_system_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, throughput, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, throughput_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, throughput_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, littles_ratio, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, carriers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, selected, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, alarms, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, searches, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, seizures, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, missed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, events, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, travellers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, false_alarms, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, confirmed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, overridden, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, reneged, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_summary_row_t, seizures_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, seizures_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, seizures_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, false_alarms_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, false_alarms_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, false_alarms_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, officer_hours, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, officer_hours_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, officer_hours_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_summary_row_t, half_width, BL_RESULTS_COL_F64),
};

static const char SUMMARY_DESCRIPTION[] =
    "end-to-end results pooled over replications (95% t intervals over replication means; "
    "quantiles from the merged sojourn histograms)";

const bl_results_table_t bl_results_summary_table = {
    "/checkpoint/summary",
    SUMMARY_DESCRIPTION,
    SUMMARY_DESCRIPTION,
    "sojourn_*: s; mean_in_system: entities; throughput: entities per second; carriers ... "
    "events, travellers ... reneged: totals over replications; seizures_*, false_alarms_*, "
    "officer_hours*: per replication (mean and 95% t interval); half_width: achieved 95% "
    "half-width of the sequential stopping metric (NaN when not sequential)",
    summary_columns,
    NCOLUMNS(summary_columns),
    sizeof(bl_summary_row_t),
};

/* ------------------------------------------------------------------ /checkpoint/entities/rNNNNN */

static const bl_results_column_t entity_columns[] = {
    BL_RESULTS_COLUMN(bl_entity_record_t, replication, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_entity_record_t, flags, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_entity_record_t, entity, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_entity_record_t, arrival, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_entity_record_t, departure, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_entity_record_t, wait, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_entity_record_t, risk_score, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_entity_record_t, threat, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_entity_record_t, stations, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_entity_record_t, entity_class, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_entity_record_t, contraband, BL_RESULTS_COL_U32),
};

const bl_results_table_t bl_results_entities_table = {
    "/checkpoint/entities",
    "entities",
    "one row per entity of the replication, in departure order",
    "arrival, departure, wait: s; risk_score: 0..1; flags: bit 0 warm-up, 1 selected, 2 alarm, "
    "3 searched, 4 seized, 5 reneged, 6 confirmed; threat: bl_threat_class_t ground truth; "
    "entity_class: index into the scenario's classes; contraband: 1 + index into the "
    "contraband kinds, 0 = none",
    entity_columns,
    NCOLUMNS(entity_columns),
    sizeof(bl_entity_record_t),
};

/* ------------------------------------------------------------------ /checkpoint/classes */

static const bl_results_column_t class_columns[] = {
    BL_RESULTS_COLUMN(bl_class_row_t, class, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_class_row_t, priority, BL_RESULTS_COL_I32),
    BL_RESULTS_COLUMN(bl_class_row_t, entities, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, completed, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, travellers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, reneged, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, carriers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, seizures, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_p90, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_p95, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_class_row_t, sojourn_p99, BL_RESULTS_COL_F64),
};

static const char CLASSES_DESCRIPTION[] =
    "per-class results pooled over replications (95% t intervals over replication means; "
    "quantiles from the merged sojourn histograms)";

const bl_results_table_t bl_results_classes_table = BL_RESULTS_TABLE(
    "/checkpoint/classes", CLASSES_DESCRIPTION, CLASSES_DESCRIPTION,
    "sojourn_*: s; entities ... seizures: totals over replications (entities arriving after "
    "warm-up); travellers: occupants of those entities",
    class_columns, bl_class_row_t);

/* ------------------------------------------------------------------ /checkpoint/contraband */

static const bl_results_column_t contraband_columns[] = {
    BL_RESULTS_COLUMN(bl_contraband_row_t, contraband, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_contraband_row_t, carriers, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, seized, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, through, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, value_seized, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, value_through, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, seized_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, seized_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, seized_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, through_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, through_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_contraband_row_t, through_ci_high, BL_RESULTS_COL_F64),
};

static const char CONTRABAND_DESCRIPTION[] =
    "per contraband kind: carriers, seizures and what got through, pooled over replications";

const bl_results_table_t bl_results_contraband_table = BL_RESULTS_TABLE(
    "/checkpoint/contraband", CONTRABAND_DESCRIPTION, CONTRABAND_DESCRIPTION,
    "carriers, seized, through: entities, totals over replications; value_*: the scenario's "
    "value units, totals; *_mean, *_ci_*: entities per replication (95% t interval)",
    contraband_columns, bl_contraband_row_t);

/* ------------------------------------------------------------------ /checkpoint/queue */

static const bl_results_column_t queue_columns[] = {
    BL_RESULTS_COLUMN(bl_queue_row_t, station, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_queue_row_t, time, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_queue_row_t, queue_mean, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_queue_row_t, queue_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_queue_row_t, queue_ci_high, BL_RESULTS_COL_F64),
};

static const char QUEUE_DESCRIPTION[] =
    "queue length over time: mean over the replications that reached each bin, with a 95% t "
    "interval";

const bl_results_table_t bl_results_queue_table = BL_RESULTS_TABLE(
    "/checkpoint/queue", QUEUE_DESCRIPTION, QUEUE_DESCRIPTION,
    "time: s from the start of the run (bin start; bins of the scenario's series_step, warm-up "
    "included); queue_*: entities waiting (time average over the bin)",
    queue_columns, bl_queue_row_t);

/* ------------------------------------------------------------------ /checkpoint/hourly */

static const bl_results_column_t hourly_columns[] = {
    BL_RESULTS_COLUMN(bl_hourly_row_t, station, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_hourly_row_t, hour, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_hourly_row_t, utilisation, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, utilisation_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, utilisation_ci_high, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, servers_on_duty, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, served_per_hour, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, served_ci_low, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_hourly_row_t, served_ci_high, BL_RESULTS_COL_F64),
};

static const char HOURLY_DESCRIPTION[] =
    "per station and hour of the run: utilisation, servers on duty and services finished; "
    "station \"(system)\" rows: entities leaving the system per hour";

const bl_results_table_t bl_results_hourly_table = BL_RESULTS_TABLE(
    "/checkpoint/hourly", HOURLY_DESCRIPTION, HOURLY_DESCRIPTION,
    "hour: from the start of the run (warm-up included); utilisation: busy / on-duty server "
    "time in the hour (NaN when nobody was on duty); servers_on_duty: mean servers on duty; "
    "served_*: per hour; means over the replications that reached the hour, 95% t intervals",
    hourly_columns, bl_hourly_row_t);

/* ------------------------------------------------------------------ /checkpoint/waits */

static const bl_results_column_t waits_columns[] = {
    BL_RESULTS_COLUMN(bl_waits_row_t, station, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_waits_row_t, quantile, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_waits_row_t, wait, BL_RESULTS_COL_F64),
};

static const char WAITS_DESCRIPTION[] =
    "wait distribution per station (and \"(end to end)\": time in the system), quantiles 0 to 1 "
    "by 0.01 of the histograms merged over replications";

const bl_results_table_t bl_results_waits_table = BL_RESULTS_TABLE(
    "/checkpoint/waits", WAITS_DESCRIPTION, WAITS_DESCRIPTION,
    "quantile: 0..1; wait: s (NaN when nothing was recorded)", waits_columns, bl_waits_row_t);

/* ------------------------------------------------------------------ /sweep */

#define SWEEP_METRIC(m)                                                                            \
    BL_RESULTS_COLUMN(bl_sweep_point_row_t, m, BL_RESULTS_COL_F64),                                \
        BL_RESULTS_COLUMN(bl_sweep_point_row_t, m##_ci_low, BL_RESULTS_COL_F64),                   \
        BL_RESULTS_COLUMN(bl_sweep_point_row_t, m##_ci_high, BL_RESULTS_COL_F64)

static const bl_results_column_t sweep_point_columns[] = {
    BL_RESULTS_COLUMN(bl_sweep_point_row_t, point, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_sweep_point_row_t, group, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_sweep_point_row_t, settings, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_sweep_point_row_t, replications, BL_RESULTS_COL_U32),
    SWEEP_METRIC(sojourn_mean),
    SWEEP_METRIC(sojourn_p90),
    SWEEP_METRIC(throughput),
    SWEEP_METRIC(seizures),
    SWEEP_METRIC(false_alarms),
    SWEEP_METRIC(officer_hours),
    SWEEP_METRIC(reneged),
};

static const char SWEEP_POINTS_DESCRIPTION[] =
    "one row per sweep point: its settings, replications and headline metrics (mean over "
    "replications, 95% t interval)";

const bl_results_table_t bl_results_sweep_points_table = BL_RESULTS_TABLE(
    "/sweep/points", SWEEP_POINTS_DESCRIPTION, SWEEP_POINTS_DESCRIPTION,
    "group: the point's tables; sojourn_*: s; throughput: entities per hour of the measurement "
    "window; seizures, false_alarms, reneged: per replication; officer_hours: on-duty "
    "server-hours per replication",
    sweep_point_columns, bl_sweep_point_row_t);

static const bl_results_column_t sweep_axis_columns[] = {
    BL_RESULTS_COLUMN(bl_sweep_axis_row_t, axis, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_sweep_axis_row_t, point, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(bl_sweep_axis_row_t, value, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_sweep_axis_row_t, value_number, BL_RESULTS_COL_F64),
};

static const char SWEEP_AXES_DESCRIPTION[] = "the value of every sweep axis at every point";

const bl_results_table_t bl_results_sweep_axes_table = BL_RESULTS_TABLE(
    "/sweep/axes", SWEEP_AXES_DESCRIPTION, SWEEP_AXES_DESCRIPTION,
    "value: as given on the command line; value_number: the value as a number, NaN when it is "
    "not one",
    sweep_axis_columns, bl_sweep_axis_row_t);

const char *bl_results_table_name(const bl_results_table_t *t) {
    const char *slash = strrchr(t->path, '/');
    return slash ? slash + 1 : t->path;
}

/* ------------------------------------------------------------------ HDF5 types */

hid_t bl_results_column_type(const bl_results_column_t *c) {
    hid_t t;
    switch (c->kind) {
    case BL_RESULTS_COL_U32:
        return H5Tcopy(H5T_NATIVE_UINT32);
    case BL_RESULTS_COL_U64:
        return H5Tcopy(H5T_NATIVE_UINT64);
    case BL_RESULTS_COL_F64:
        return H5Tcopy(H5T_NATIVE_DOUBLE);
    case BL_RESULTS_COL_F32:
        return H5Tcopy(H5T_NATIVE_FLOAT);
    case BL_RESULTS_COL_U8:
        return H5Tcopy(H5T_NATIVE_UINT8);
    case BL_RESULTS_COL_I32:
        return H5Tcopy(H5T_NATIVE_INT32);
    case BL_RESULTS_COL_STR:
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && H5Tset_size(t, c->size) < 0) {
            H5Tclose(t);
            t = -1;
        }
        return t;
    }
    return -1;
}

hid_t bl_results_table_memory_type(const bl_results_table_t *t) {
    hid_t type = H5Tcreate(H5T_COMPOUND, t->row_size);
    if (type < 0)
        return -1;
    for (size_t i = 0; i < t->n_columns; i++) {
        hid_t ct = bl_results_column_type(&t->columns[i]);
        herr_t ok = ct >= 0 ? H5Tinsert(type, t->columns[i].name, t->columns[i].offset, ct) : -1;
        if (ct >= 0)
            H5Tclose(ct);
        if (ok < 0) {
            H5Tclose(type);
            return -1;
        }
    }
    return type;
}

/* ------------------------------------------------------------------ reading */

bool bl_results_path_exists(hid_t file, const char *path) {
    char buf[256];
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

void bl_group_names_fini(bl_group_names_t *g) {
    for (size_t i = 0; i < g->n; i++)
        free(g->names[i]);
    free(g->names);
    memset(g, 0, sizeof *g);
}

/* H5Literate callback: collect the names of member groups (HDF5 1.10 and
 * 1.12 alike). */
static herr_t collect_group(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    bl_group_names_t *g = data;
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    bool is_group = obj >= 0 && H5Iget_type(obj) == H5I_GROUP;
    if (obj >= 0)
        H5Oclose(obj);
    if (!is_group)
        return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        char **grown = realloc(g->names, cap * sizeof *grown);
        if (grown == NULL) {
            g->failed = true;
            return -1;
        }
        g->names = grown;
        g->cap = cap;
    }
    g->names[g->n] = strdup(name);
    if (g->names[g->n] == NULL) {
        g->failed = true;
        return -1;
    }
    g->n++;
    return 0;
}

int bl_results_group_names(hid_t group, bl_group_names_t *out) {
    hsize_t idx = 0;
    herr_t status = H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_group, out);
    if (status < 0 && !out->failed) { /* creation order not tracked: by name */
        bl_group_names_fini(out);
        idx = 0;
        status = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_group, out);
    }
    if (status >= 0)
        return 0;
    bool oom = out->failed;
    bl_group_names_fini(out);
    return oom ? BL_ENOMEM : BL_EHDF5;
}

int bl_results_table_read(hid_t file, const bl_results_table_t *t, void **rows, size_t *n,
                          const char *fname, bl_error_t *err) {
    return bl_results_table_read_at(file, t, t->path, rows, n, fname, err);
}

/* The memory type of t's columns that the file type ft also has (matched by
 * name); *missing is set when some column of t is absent from the file. */
static hid_t present_memory_type(const bl_results_table_t *t, hid_t ft, bool *missing) {
    *missing = false;
    hid_t type = H5Tcreate(H5T_COMPOUND, t->row_size);
    if (type < 0)
        return -1;
    for (size_t i = 0; i < t->n_columns; i++) {
        const bl_results_column_t *c = &t->columns[i];
        if (H5Tget_member_index(ft, c->name) < 0) {
            *missing = true;
            continue;
        }
        hid_t ct = bl_results_column_type(c);
        herr_t ok = ct >= 0 ? H5Tinsert(type, c->name, c->offset, ct) : -1;
        if (ct >= 0)
            H5Tclose(ct);
        if (ok < 0) {
            H5Tclose(type);
            return -1;
        }
    }
    return type;
}

/* Columns the file lacks read as NaN (f64) or 0 (the rest, calloc). */
static void fill_missing(const bl_results_table_t *t, hid_t ft, void *rows, size_t n) {
    for (size_t i = 0; i < t->n_columns; i++) {
        const bl_results_column_t *c = &t->columns[i];
        if (c->kind != BL_RESULTS_COL_F64 || H5Tget_member_index(ft, c->name) >= 0)
            continue;
        for (size_t r = 0; r < n; r++) {
            double nan = NAN;
            memcpy((char *)rows + r * t->row_size + c->offset, &nan, sizeof nan);
        }
    }
}

int bl_results_table_read_at(hid_t file, const bl_results_table_t *t, const char *path, void **rows,
                             size_t *n, const char *fname, bl_error_t *err) {
    *rows = NULL;
    *n = 0;
    int rc = 0;
    bool missing = false;
    hid_t ds = -1, space = -1, mt = -1, ft = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!bl_results_path_exists(file, path))
        return bl_error_set(err, BL_EHDF5, "%s: table %s is missing: the file is incomplete", fname,
                            path);
    ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0 || (space = H5Dget_space(ds)) < 0 || (ft = H5Dget_type(ds)) < 0 ||
        H5Tget_class(ft) != H5T_COMPOUND || (mt = present_memory_type(t, ft, &missing)) < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot open table %s", fname, path);
        goto out;
    }
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (count < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot read table %s", fname, path);
        goto out;
    }
    *rows = calloc(count > 0 ? (size_t)count : 1, t->row_size);
    if (*rows == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (count > 0 && H5Tget_nmembers(mt) > 0 &&
        H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: cannot read table %s (columns do not match)", fname,
                          path);
        free(*rows);
        *rows = NULL;
        goto out;
    }
    if (missing)
        fill_missing(t, ft, *rows, (size_t)count);
    *n = (size_t)count;
out:
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

char *bl_results_attr_text(hid_t file, const char *path, const char *name) {
    if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) <= 0)
        return NULL;
    hsize_t dims[1] = {0};
    H5T_class_t cls;
    size_t size = 0;
    if (H5LTget_attribute_info(file, path, name, dims, &cls, &size) < 0 || cls != H5T_STRING)
        return NULL;
    char *s = calloc(size + 1, 1);
    if (s != NULL && H5LTget_attribute_string(file, path, name, s) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

char *bl_results_root_text(hid_t file, const char *name) {
    return bl_results_attr_text(file, "/", name);
}

bool bl_results_root_number(hid_t file, const char *name, hid_t mem_type, void *out) {
    if (H5Aexists(file, name) <= 0)
        return false;
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    if (a < 0)
        return false;
    bool ok = H5Aread(a, mem_type, out) >= 0;
    H5Aclose(a);
    return ok;
}
