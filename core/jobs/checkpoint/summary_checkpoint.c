/* The checkpoint part of the run summary (summary.h): the JSON built from
 * the /checkpoint tables, or from /sweep for a sweep, and its text form. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "results/results_schema.h"
#include "results/summary.h"

/* ------------------------------------------------------------------ JSON helpers */

static void add_count(cJSON *o, const char *key, uint64_t n) {
    cJSON_AddNumberToObject(o, key, (double)n);
}

/* key: mean, key_ci: [low, high] or null. */
static void add_ci(cJSON *o, const char *key, double mean, double low, double high) {
    char ci[64];
    snprintf(ci, sizeof ci, "%s_ci", key);
    cJSON_AddItemToObject(o, key, bl_summary_json_num(mean));
    cJSON_AddItemToObject(o, ci, bl_summary_json_pair(low, high));
}

/* prefix_p50, prefix_p90, prefix_p95, prefix_p99. */
static void add_quantiles(cJSON *o, const char *prefix, double p50, double p90, double p95,
                          double p99) {
    const double v[] = {p50, p90, p95, p99};
    const char *const suffix[] = {"p50", "p90", "p95", "p99"};
    char key[64];
    for (size_t i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "%s_%s", prefix, suffix[i]);
        cJSON_AddItemToObject(o, key, bl_summary_json_num(v[i]));
    }
}

/* ------------------------------------------------------------------ plain runs */

static cJSON *stations_json(const bl_station_row_t *s, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        bl_summary_json_text(o, "station", s[i].station);
        bl_summary_json_text(o, "kind", s[i].kind);
        cJSON_AddNumberToObject(o, "servers", s[i].servers);
        add_count(o, "arrivals", s[i].arrivals);
        add_count(o, "served", s[i].served);
        add_count(o, "in_system", s[i].in_system);
        add_count(o, "decisions_yes", s[i].decisions_yes);
        add_ci(o, "wait_mean", s[i].wait_mean, s[i].wait_ci_low, s[i].wait_ci_high);
        /* The interval of wait_mean keeps its historical name too. */
        cJSON_AddItemToObject(o, "wait_ci",
                              bl_summary_json_pair(s[i].wait_ci_low, s[i].wait_ci_high));
        add_quantiles(o, "wait", s[i].wait_p50, s[i].wait_p90, s[i].wait_p95, s[i].wait_p99);
        add_ci(o, "utilisation", s[i].utilisation, s[i].utilisation_ci_low,
               s[i].utilisation_ci_high);
        cJSON_AddItemToObject(o, "mean_queue", bl_summary_json_num(s[i].mean_queue));
        add_count(o, "max_queue", s[i].max_queue);
        add_count(o, "reneged", s[i].reneged);
        cJSON_AddItemToObject(o, "officer_hours", bl_summary_json_num(s[i].officer_hours));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *system_json(const bl_summary_row_t *s) {
    cJSON *o = cJSON_CreateObject();
    add_count(o, "entities", s->entities);
    add_count(o, "travellers", s->travellers);
    add_ci(o, "sojourn_mean", s->sojourn_mean, s->sojourn_ci_low, s->sojourn_ci_high);
    cJSON_AddItemToObject(o, "sojourn_ci",
                          bl_summary_json_pair(s->sojourn_ci_low, s->sojourn_ci_high));
    add_quantiles(o, "sojourn", s->sojourn_p50, s->sojourn_p90, s->sojourn_p95, s->sojourn_p99);
    cJSON_AddItemToObject(o, "mean_in_system", bl_summary_json_num(s->mean_in_system));
    add_ci(o, "throughput_per_hour", s->throughput * 3600.0, s->throughput_ci_low * 3600.0,
           s->throughput_ci_high * 3600.0);
    cJSON_AddItemToObject(o, "littles_ratio", bl_summary_json_num(s->littles_ratio));
    add_count(o, "carriers", s->carriers);
    add_count(o, "selected", s->selected);
    add_count(o, "alarms", s->alarms);
    add_count(o, "false_alarms", s->false_alarms);
    add_count(o, "confirmed", s->confirmed);
    add_count(o, "overridden", s->overridden);
    add_count(o, "searches", s->searches);
    add_count(o, "seizures", s->seizures);
    add_count(o, "missed", s->missed);
    add_count(o, "reneged", s->reneged);
    add_count(o, "events", s->events);
    add_ci(o, "seizures_mean", s->seizures_mean, s->seizures_ci_low, s->seizures_ci_high);
    add_ci(o, "false_alarms_mean", s->false_alarms_mean, s->false_alarms_ci_low,
           s->false_alarms_ci_high);
    add_ci(o, "officer_hours", s->officer_hours, s->officer_hours_ci_low, s->officer_hours_ci_high);
    cJSON_AddItemToObject(o, "half_width", bl_summary_json_num(s->half_width));
    return o;
}

static cJSON *classes_json(const bl_class_row_t *c, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        bl_summary_json_text(o, "class", c[i].class);
        cJSON_AddNumberToObject(o, "priority", c[i].priority);
        add_count(o, "entities", c[i].entities);
        add_count(o, "completed", c[i].completed);
        add_count(o, "travellers", c[i].travellers);
        add_count(o, "reneged", c[i].reneged);
        add_count(o, "carriers", c[i].carriers);
        add_count(o, "seizures", c[i].seizures);
        add_ci(o, "sojourn_mean", c[i].sojourn_mean, c[i].sojourn_ci_low, c[i].sojourn_ci_high);
        add_quantiles(o, "sojourn", c[i].sojourn_p50, c[i].sojourn_p90, c[i].sojourn_p95,
                      c[i].sojourn_p99);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *contraband_json(const bl_contraband_row_t *c, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        bl_summary_json_text(o, "contraband", c[i].contraband);
        add_count(o, "carriers", c[i].carriers);
        add_count(o, "seized", c[i].seized);
        add_count(o, "through", c[i].through);
        cJSON_AddItemToObject(o, "value_seized", bl_summary_json_num(c[i].value_seized));
        cJSON_AddItemToObject(o, "value_through", bl_summary_json_num(c[i].value_through));
        add_ci(o, "seized_mean", c[i].seized_mean, c[i].seized_ci_low, c[i].seized_ci_high);
        add_ci(o, "through_mean", c[i].through_mean, c[i].through_ci_low, c[i].through_ci_high);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* An optional table (a file from before it existed has none): no rows. */
static int read_optional(hid_t file, const bl_results_table_t *t, void **rows, size_t *n,
                         const char *fname, bl_error_t *err) {
    *rows = NULL;
    *n = 0;
    if (!bl_results_path_exists(file, t->path))
        return 0;
    return bl_results_table_read(file, t, rows, n, fname, err);
}

static int plain_json(hid_t file, const char *fname, cJSON *o, bl_error_t *err) {
    bl_station_row_t *stations = NULL;
    bl_summary_row_t *sum = NULL;
    bl_class_row_t *classes = NULL;
    bl_contraband_row_t *contraband = NULL;
    size_t n_stations = 0, n_sum = 0, n_classes = 0, n_contraband = 0;
    int rc = bl_results_table_read(file, &bl_results_stations_table, (void **)&stations,
                                   &n_stations, fname, err);
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_results_summary_table, (void **)&sum, &n_sum, fname,
                                   err);
    if (rc == 0 && n_sum != 1)
        rc = bl_error_set(err, BL_EHDF5, "%s: %s has %zu rows, expected 1", fname,
                          bl_results_summary_table.path, n_sum);
    if (rc == 0)
        rc = read_optional(file, &bl_results_classes_table, (void **)&classes, &n_classes, fname,
                           err);
    if (rc == 0)
        rc = read_optional(file, &bl_results_contraband_table, (void **)&contraband, &n_contraband,
                           fname, err);
    if (rc == 0) {
        cJSON_AddItemToObject(o, "stations", stations_json(stations, n_stations));
        cJSON_AddItemToObject(o, "system", system_json(sum));
        cJSON_AddItemToObject(o, "classes", classes_json(classes, n_classes));
        cJSON_AddItemToObject(o, "contraband", contraband_json(contraband, n_contraband));
        cJSON_AddBoolToObject(o, "entity_table",
                              bl_results_path_exists(file, bl_results_entities_table.path));
    }
    free(stations);
    free(sum);
    free(classes);
    free(contraband);
    return rc;
}

/* ------------------------------------------------------------------ sweeps */

static cJSON *point_json(const bl_sweep_point_row_t *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "point", p->point);
    bl_summary_json_text(o, "group", p->group);
    bl_summary_json_text(o, "settings", p->settings);
    cJSON_AddNumberToObject(o, "replications", p->replications);
    add_ci(o, "sojourn_mean", p->sojourn_mean, p->sojourn_mean_ci_low, p->sojourn_mean_ci_high);
    add_ci(o, "sojourn_p90", p->sojourn_p90, p->sojourn_p90_ci_low, p->sojourn_p90_ci_high);
    add_ci(o, "throughput", p->throughput, p->throughput_ci_low, p->throughput_ci_high);
    add_ci(o, "seizures", p->seizures, p->seizures_ci_low, p->seizures_ci_high);
    add_ci(o, "false_alarms", p->false_alarms, p->false_alarms_ci_low, p->false_alarms_ci_high);
    add_ci(o, "officer_hours", p->officer_hours, p->officer_hours_ci_low, p->officer_hours_ci_high);
    add_ci(o, "reneged", p->reneged, p->reneged_ci_low, p->reneged_ci_high);
    return o;
}

static int sweep_json(hid_t file, const char *fname, const char *sweep, cJSON *o, bl_error_t *err) {
    bl_sweep_point_row_t *points = NULL;
    bl_sweep_axis_row_t *axes = NULL;
    size_t n_points = 0, n_axes = 0;
    int rc = bl_results_table_read(file, &bl_results_sweep_points_table, (void **)&points,
                                   &n_points, fname, err);
    if (rc == 0)
        rc = bl_results_table_read(file, &bl_results_sweep_axes_table, (void **)&axes, &n_axes,
                                   fname, err);
    if (rc == 0) {
        bl_summary_json_text(o, "sweep", sweep);
        cJSON *pa = cJSON_AddArrayToObject(o, "points");
        for (size_t i = 0; i < n_points; i++) {
            cJSON *p = point_json(&points[i]);
            cJSON *settings = cJSON_AddObjectToObject(p, "axes");
            for (size_t a = 0; a < n_axes; a++)
                if (axes[a].point == points[i].point)
                    bl_summary_json_text(settings, axes[a].axis, axes[a].value);
            cJSON_AddItemToArray(pa, p);
        }
    }
    free(points);
    free(axes);
    return rc;
}

int bl_checkpoint_summary_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err) {
    char *sweep = bl_results_root_text(file, "sweep");
    int rc =
        sweep != NULL ? sweep_json(file, fname, sweep, o, err) : plain_json(file, fname, o, err);
    free(sweep);
    return rc;
}

/* ------------------------------------------------------------------ text */

/* Half the width of o's key_ci, NaN when there is none. */
static double half_of(const cJSON *o, const char *ci_key) {
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(o, ci_key);
    if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2)
        return NAN;
    return (cJSON_GetArrayItem(ci, 1)->valuedouble - cJSON_GetArrayItem(ci, 0)->valuedouble) / 2;
}

/* "12.34 ± 0.56" (or "12.34", or "-") of o's key and key_ci into buf; *extra
 * gets the bytes "±" takes beyond its one column, for padding. */
static const char *pm(char *buf, size_t size, const cJSON *o, const char *key, const char *format,
                      int *extra) {
    char a[32], b[32], ci_key[64];
    snprintf(ci_key, sizeof ci_key, "%s_ci", key);
    double half = half_of(o, ci_key);
    bl_summary_fmt(a, sizeof a, format, bl_summary_num(o, key));
    if (isfinite(half) && isfinite(bl_summary_num(o, key))) {
        snprintf(buf, size, "%s ± %s", a, bl_summary_fmt(b, sizeof b, format, half));
        if (extra)
            *extra = 1;
    } else {
        snprintf(buf, size, "%s", a);
        if (extra)
            *extra = 0;
    }
    return buf;
}

static void stations_text(const cJSON *summary, double reps, FILE *fp) {
    char a[32], b[32], c[32], d[32], e[32], f[32], wait[80];
    fprintf(fp, "  %-20s %7s %12s %20s %10s %7s %8s %10s %9s\n", "station", "servers",
            "arrivals/rep", "wait mean (s)", "p90 (s)", "util %", "reneged", "officer-h",
            "max queue");
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(summary, "stations")) {
        int extra = 0;
        pm(wait, sizeof wait, st, "wait_mean", "%.2f", &extra);
        double arrivals = reps > 0 ? bl_summary_num(st, "arrivals") / reps : NAN;
        fprintf(fp, "  %-20s %7.0f %12s %*s %10s %7s %8s %10s %9s\n",
                bl_summary_text(st, "station"), bl_summary_num(st, "servers"),
                bl_summary_fmt(c, sizeof c, "%.1f", arrivals), 20 + extra, wait,
                bl_summary_fmt(d, sizeof d, "%.2f", bl_summary_num(st, "wait_p90")),
                bl_summary_fmt(e, sizeof e, "%.1f", bl_summary_num(st, "utilisation") * 100),
                bl_summary_fmt(a, sizeof a, "%.0f", bl_summary_num(st, "reneged")),
                bl_summary_fmt(f, sizeof f, "%.1f", bl_summary_num(st, "officer_hours")),
                bl_summary_fmt(b, sizeof b, "%.0f", bl_summary_num(st, "max_queue")));
    }
}

static void system_text(const cJSON *sys, FILE *fp) {
    char a[80], b[32], c[32], d[32], e[32], f[80], g[80];
    fprintf(fp,
            "  end to end: time in system %s s (p50 %s, p90 %s, p95 %s, p99 %s), throughput %s/h\n",
            pm(a, sizeof a, sys, "sojourn_mean", "%.1f", NULL),
            bl_summary_fmt(b, sizeof b, "%.1f", bl_summary_num(sys, "sojourn_p50")),
            bl_summary_fmt(c, sizeof c, "%.1f", bl_summary_num(sys, "sojourn_p90")),
            bl_summary_fmt(d, sizeof d, "%.1f", bl_summary_num(sys, "sojourn_p95")),
            bl_summary_fmt(e, sizeof e, "%.1f", bl_summary_num(sys, "sojourn_p99")),
            pm(f, sizeof f, sys, "throughput_per_hour", "%.1f", NULL));
    fprintf(fp,
            "  over all replications: %.0f entities (%.0f travellers), %.0f carriers, %.0f "
            "selected, %.0f alarms (%.0f false), %.0f confirmed, %.0f overridden,\n"
            "    %.0f searches, %.0f seizures, %.0f carriers missed, %.0f reneged\n",
            bl_summary_num(sys, "entities"), bl_summary_num(sys, "travellers"),
            bl_summary_num(sys, "carriers"), bl_summary_num(sys, "selected"),
            bl_summary_num(sys, "alarms"), bl_summary_num(sys, "false_alarms"),
            bl_summary_num(sys, "confirmed"), bl_summary_num(sys, "overridden"),
            bl_summary_num(sys, "searches"), bl_summary_num(sys, "seizures"),
            bl_summary_num(sys, "missed"), bl_summary_num(sys, "reneged"));
    fprintf(fp, "  per replication: seizures %s, false alarms %s, officer-hours %s\n",
            pm(a, sizeof a, sys, "seizures_mean", "%.2f", NULL),
            pm(f, sizeof f, sys, "false_alarms_mean", "%.2f", NULL),
            pm(g, sizeof g, sys, "officer_hours", "%.1f", NULL));
    double hw = bl_summary_num(sys, "half_width");
    if (isfinite(hw))
        fprintf(fp, "  sequential stopping: achieved 95%% half-width %.4g\n", hw);
}

static void classes_text(const cJSON *summary, double reps, FILE *fp) {
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(summary, "classes");
    if (cJSON_GetArraySize(classes) == 0)
        return;
    char a[32], b[32], c[32], d[32], soj[80];
    fprintf(fp, "  %-20s %8s %12s %14s %22s %10s %8s\n", "class", "priority", "entities/rep",
            "travellers/rep", "time in system (s)", "p90 (s)", "reneged");
    const cJSON *k;
    cJSON_ArrayForEach(k, classes) {
        int extra = 0;
        pm(soj, sizeof soj, k, "sojourn_mean", "%.1f", &extra);
        fprintf(fp, "  %-20s %8.0f %12s %14s %*s %10s %8s\n", bl_summary_text(k, "class"),
                bl_summary_num(k, "priority"),
                bl_summary_fmt(a, sizeof a, "%.1f",
                               reps > 0 ? bl_summary_num(k, "entities") / reps : NAN),
                bl_summary_fmt(b, sizeof b, "%.1f",
                               reps > 0 ? bl_summary_num(k, "travellers") / reps : NAN),
                22 + extra, soj,
                bl_summary_fmt(c, sizeof c, "%.1f", bl_summary_num(k, "sojourn_p90")),
                bl_summary_fmt(d, sizeof d, "%.0f", bl_summary_num(k, "reneged")));
    }
}

static void contraband_text(const cJSON *summary, FILE *fp) {
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(summary, "contraband");
    if (cJSON_GetArraySize(kinds) == 0)
        return;
    char a[32], b[32], s[80], t[80];
    fprintf(fp, "  %-20s %9s %9s %9s %14s %14s %18s %18s\n", "contraband", "carriers", "seized",
            "through", "value seized", "value through", "seized/rep", "through/rep");
    const cJSON *k;
    cJSON_ArrayForEach(k, kinds) {
        int xs = 0, xt = 0;
        pm(s, sizeof s, k, "seized_mean", "%.2f", &xs);
        pm(t, sizeof t, k, "through_mean", "%.2f", &xt);
        fprintf(fp, "  %-20s %9.0f %9.0f %9.0f %14s %14s %*s %*s\n",
                bl_summary_text(k, "contraband"), bl_summary_num(k, "carriers"),
                bl_summary_num(k, "seized"), bl_summary_num(k, "through"),
                bl_summary_fmt(a, sizeof a, "%.0f", bl_summary_num(k, "value_seized")),
                bl_summary_fmt(b, sizeof b, "%.0f", bl_summary_num(k, "value_through")), 18 + xs, s,
                18 + xt, t);
    }
}

static void sweep_text(const cJSON *summary, FILE *fp) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(summary, "points");
    fprintf(fp, "%s: sweep %s, %d points, seed %s, file %s\n", bl_summary_text(sc, "name"),
            bl_summary_text(summary, "sweep"), cJSON_GetArraySize(points),
            bl_summary_text(summary, "seed"), bl_summary_text(summary, "file"));
    fprintf(fp, "  %5s %-30s %5s %22s %14s %16s %16s %16s\n", "point", "settings", "reps",
            "time in system (s)", "throughput/h", "seizures/rep", "false alarms/rep",
            "officer-h/rep");
    const cJSON *p;
    cJSON_ArrayForEach(p, points) {
        char s[80], t[32], z[80], f[80], o[80];
        int xs = 0, xz = 0, xf = 0, xo = 0;
        pm(s, sizeof s, p, "sojourn_mean", "%.1f", &xs);
        pm(z, sizeof z, p, "seizures", "%.2f", &xz);
        pm(f, sizeof f, p, "false_alarms", "%.2f", &xf);
        pm(o, sizeof o, p, "officer_hours", "%.1f", &xo);
        fprintf(fp, "  %5.0f %-30s %5.0f %*s %14s %*s %*s %*s\n", bl_summary_num(p, "point"),
                bl_summary_text(p, "settings"), bl_summary_num(p, "replications"), 22 + xs, s,
                bl_summary_fmt(t, sizeof t, "%.1f", bl_summary_num(p, "throughput")), 16 + xz, z,
                16 + xf, f, 16 + xo, o);
    }
}

void bl_checkpoint_summary_text(const struct cJSON *summary, FILE *fp) {
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(summary, "sweep"))) {
        sweep_text(summary, fp);
    } else {
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(summary, "scenario");
        double reps = bl_summary_num(summary, "replications");
        fprintf(fp, "%s: %.0f replication%s, seed %s, file %s\n", bl_summary_text(sc, "name"), reps,
                reps == 1 ? "" : "s", bl_summary_text(summary, "seed"),
                bl_summary_text(summary, "file"));
        stations_text(summary, reps, fp);
        system_text(cJSON_GetObjectItemCaseSensitive(summary, "system"), fp);
        classes_text(summary, reps, fp);
        contraband_text(summary, fp);
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary, "plugins")) {
        fprintf(fp, "  plugin %-8s %s %s, calls %.0f, sha256 %.12s\n", bl_summary_text(p, "role"),
                bl_summary_text(p, "id"), bl_summary_text(p, "version"), bl_summary_num(p, "calls"),
                bl_summary_text(p, "sha256"));
    }
}
