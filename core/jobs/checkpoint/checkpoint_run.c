/*
 * The checkpoint job: see checkpoint_run.h.
 *
 * Every sweep point is a scenario of its own: a shallow copy of the base
 * scenario (or of the scenario loaded again with the point's parameters)
 * whose stations array is copied when a station field is swept, so a
 * point owns only what differs.  All points use replication numbers
 * 0, 1, 2...: each replication sees the same random streams at every
 * point (common random numbers), so differences between points are the
 * settings' and not noise.
 */
#include "jobs/checkpoint/checkpoint_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/pool.h"
#include "base/progress.h"
#include "engine/surrogate.h"
#include "jobs/checkpoint/results_checkpoint.h"
#include "jobs/checkpoint/surrogate_file.h"
#include "plugin/loader.h"
#include "results/writer.h"
#include "scenario/scenario_lua.h"
#include "stats/stats.h"

#define CI_LEVEL 0.95

/* ------------------------------------------------------------------ points */

/* One point of the grid (a plain run is one point without axes). */
typedef struct point {
    bl_scenario_t *loaded; /* owned: loaded again with the point's parameters; NULL: none */
    bl_scenario_t copy;    /* shallow copy of loaded or the base (sweeps) */
    const bl_scenario_t *sc;
    bl_station_def_t *stations; /* owned copy of the stations when a field is swept */
    bl_shift_t **shifts;        /* owned scaled schedules, n_stations entries, or NULL */
    bl_surrogate_t *surrogate;  /* owned when the point loaded its own */
    bl_plugin_handle_t handles[BL_ROLE_COUNT];
    bl_plugin_set_t own_plugins;
    const bl_plugin_set_t *plugins;
    const char **values;           /* owned array of borrowed texts: the point's value per axis */
    char *settings;                /* owned: "k=v;k=v" */
    bl_replication_result_t *reps; /* owned */
    unsigned n_reps, target;
    bool done;
    double half_width; /* of the sequential metric; NaN when not sequential */
} point_t;

static void unload_plugins(bl_plugin_handle_t handles[BL_ROLE_COUNT], bl_plugin_set_t *set) {
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (set->role[r] != NULL) {
            bl_plugin_unload(&handles[r]);
            set->role[r] = NULL;
        }
}

static int load_plugins(const bl_scenario_t *sc, bl_plugin_handle_t handles[BL_ROLE_COUNT],
                        bl_plugin_set_t *set, bl_error_t *err) {
    char *base = bl_path_dir(sc->path);
    int rc = 0;
    for (int r = 0; r < BL_ROLE_COUNT && rc == 0; r++) {
        const char *spec = sc->plugins[r].spec;
        if (spec == NULL)
            continue;
        char *path = bl_plugin_resolve(spec, bl_role_kind(r), base, err);
        if (path == NULL) {
            rc = err->code != 0 ? err->code : BL_ENOTFOUND;
            break;
        }
        rc = bl_plugin_open(&handles[r], spec, path, bl_role_kind(r), sc->plugins[r].isolation,
                            &sc->plugins[r].limits, err);
        free(path);
        if (rc == 0)
            set->role[r] = &handles[r];
        else
            bl_error_prefix(err, "scenario %s, plugins.%s", sc->path, bl_role_name(r));
    }
    free(base);
    if (rc != 0)
        unload_plugins(handles, set);
    return rc;
}

static bool same_text(const char *a, const char *b) {
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_plugins(const bl_scenario_t *a, const bl_scenario_t *b) {
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        const bl_plugin_ref_t *x = &a->plugins[r], *y = &b->plugins[r];
        if (!same_text(x->spec, y->spec) || x->n_config != y->n_config)
            return false;
        for (size_t i = 0; i < x->n_config; i++)
            if (!same_text(x->config_keys[i], y->config_keys[i]) ||
                !same_text(x->config_values[i], y->config_values[i]))
                return false;
    }
    return true;
}

/* --plugin role=spec replaces the scenario's plugin of that role. */
static int plugin_overrides(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err) {
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        if (opts->plugin_override[r] == NULL)
            continue;
        char *spec = strdup(opts->plugin_override[r]);
        if (spec == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        free(sc->plugins[r].spec);
        sc->plugins[r].spec = spec;
        int rc = bl_run_plugin_config(opts, &sc->plugins[r], err);
        if (rc != 0)
            return rc;
    }
    for (int r = 0; opts->isolation != 0 && r < BL_ROLE_COUNT; r++)
        sc->plugins[r].isolation = opts->isolation;
    return 0;
}

/* The surrogate's results file: as given, else beside the scenario. */
static int load_surrogate(const bl_scenario_t *sc, bl_surrogate_t **out, bl_error_t *err) {
    const char *given = sc->surrogate.path;
    char *beside = NULL;
    if (given[0] != '/' && access(given, F_OK) != 0 && sc->path != NULL) {
        char *dir = bl_path_dir(sc->path);
        beside = dir ? bl_path_join(dir, given) : NULL;
        free(dir);
        if (beside != NULL && access(beside, F_OK) != 0) {
            free(beside);
            beside = NULL;
        }
    }
    int rc = bl_surrogate_load(out, beside ? beside : given, sc->surrogate.detector, err);
    free(beside);
    if (rc != 0)
        bl_error_prefix(err, "%s: surrogate", sc->path ? sc->path : "scenario");
    return rc;
}

static void point_fini(point_t *p) {
    for (unsigned i = 0; i < p->target; i++)
        bl_replication_result_fini(&p->reps[i]);
    free(p->reps);
    unload_plugins(p->handles, &p->own_plugins);
    bl_surrogate_free(p->surrogate);
    if (p->shifts != NULL)
        for (size_t i = 0; i < p->copy.n_stations; i++)
            free(p->shifts[i]);
    free(p->shifts);
    free(p->stations);
    if (p->loaded != NULL) {
        bl_scenario_free_contents(p->loaded);
        free(p->loaded);
    }
    free(p->values);
    free(p->settings);
    memset(p, 0, sizeof *p);
}

/* The parameter axes of point p (keys without a dot) on top of --set,
 * which they replace for the same key. */
static int reload_point(const bl_scenario_t *base, const bl_run_options_t *opts,
                        const bl_sweep_t *sw, point_t *p, bl_error_t *err) {
    size_t cap = opts->n_sets + sw->n_axes;
    const char **keys = calloc(cap ? cap : 1, sizeof *keys);
    const char **values = calloc(cap ? cap : 1, sizeof *values);
    size_t n = 0;
    int rc = 0;
    if (keys == NULL || values == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < opts->n_sets; i++) {
        bool swept = false;
        for (size_t a = 0; a < sw->n_axes; a++)
            swept |= strcmp(sw->axes[a].key, opts->set_keys[i]) == 0;
        if (!swept) {
            keys[n] = opts->set_keys[i];
            values[n++] = opts->set_values[i];
        }
    }
    for (size_t a = 0; a < sw->n_axes; a++)
        if (strchr(sw->axes[a].key, '.') == NULL) {
            keys[n] = sw->axes[a].key;
            values[n++] = p->values[a];
        }
    if (base->path == NULL) {
        rc = bl_error_set(err, BL_EINVAL,
                          "--sweep of a parameter needs a scenario file to load again; this "
                          "scenario has no path");
        goto out;
    }
    p->loaded = calloc(1, sizeof *p->loaded);
    if (p->loaded == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (base->kinds == NULL) {
        rc = bl_error_set(err, BL_EINVAL,
                          "--sweep of a parameter needs a scenario loaded from its file; this "
                          "scenario was built in C");
        goto out;
    }
    bl_scenario_options_t so = {base->kinds, n, keys, values, true, base->seed};
    rc = bl_scenario_load(p->loaded, base->path, &so, err);
    if (rc == 0 && p->loaded->kind != base->kind)
        rc = bl_error_set(err, BL_EINVAL, "%s is no longer a checkpoint with these parameters",
                          base->path);
    if (rc != 0)
        bl_error_prefix(err, "--sweep point %s", p->settings);
out:
    free(keys);
    free(values);
    return rc;
}

static const char station_fields[] =
    "servers, threshold, find_probability, budget_per_hour, confirm_carrier, confirm_clean";

/* servers=V on a scheduled station: every shift scaled by V / (largest
 * shift), rounded, and a shift that had servers keeps at least one. */
static int scale_shifts(point_t *p, size_t s, bl_station_def_t *d, unsigned servers,
                        bl_error_t *err) {
    if (p->shifts == NULL && (p->shifts = calloc(p->copy.n_stations, sizeof *p->shifts)) == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    unsigned top = 0;
    for (size_t i = 0; i < d->shifts.n; i++)
        top = d->shifts.shifts[i].servers > top ? d->shifts.shifts[i].servers : top;
    bl_shift_t *copy = malloc(d->shifts.n * sizeof *copy);
    if (copy == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    memcpy(copy, d->shifts.shifts, d->shifts.n * sizeof *copy);
    for (size_t i = 0; i < d->shifts.n && top > 0; i++) {
        unsigned old = copy[i].servers;
        double v = floor((double)old * servers / top + 0.5);
        copy[i].servers = old > 0 && v < 1 ? 1 : (unsigned)v;
    }
    free(p->shifts[s]);
    p->shifts[s] = copy;
    d->shifts.shifts = copy;
    return 0;
}

/* Set STATION.FIELD = text on point p's own copy of the stations. */
static int apply_station_axis(point_t *p, const char *key, const char *text, bl_error_t *err) {
    bl_scenario_t *sc = &p->copy;
    const char *dot = strrchr(key, '.');
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(dot - key), key);
    const char *field = dot + 1;
    int s = bl_scenario_station_index(sc, name);
    char list[512];
    if (s < 0)
        return bl_error_set(err, BL_EINVAL,
                            "--sweep %s: %s has no station '%s'; its stations are %s", key,
                            sc->path ? sc->path : "the scenario", name,
                            bl_scenario_station_list(sc, list, sizeof list));
    static const char *const fields[] = {"servers",         "threshold",       "find_probability",
                                         "budget_per_hour", "confirm_carrier", "confirm_clean"};
    size_t f = 0;
    while (f < sizeof fields / sizeof fields[0] && strcmp(field, fields[f]) != 0)
        f++;
    if (f == sizeof fields / sizeof fields[0])
        return bl_error_set(err, BL_EINVAL,
                            "--sweep %s: '%s' is not a field a sweep can set; use one of %s, or a "
                            "parameter the scenario declares",
                            key, field, station_fields);
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v))
        return bl_error_set(err, BL_EINVAL, "--sweep %s: '%s' is not a number", key, text);
    if (p->stations == NULL) {
        p->stations = malloc(sc->n_stations * sizeof *p->stations);
        if (p->stations == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        memcpy(p->stations, sc->stations, sc->n_stations * sizeof *p->stations);
        sc->stations = p->stations;
    }
    bl_station_def_t *d = &p->stations[s];
    static const int kinds[] = {0,
                                BL_STATION_RISK,
                                BL_STATION_SEARCH,
                                BL_STATION_RISK,
                                BL_STATION_REVIEW,
                                BL_STATION_REVIEW};
    if (kinds[f] != 0 && d->kind != kinds[f] && !(f == 1 && d->kind == BL_STATION_SCAN))
        return bl_error_set(err, BL_EINVAL, "--sweep %s: %s is a %s station, which has no %s", key,
                            name, bl_station_kind_name(d->kind), field);
    switch (f) {
    case 0:
        if (v < 1 || v > 1000000 || v != floor(v))
            return bl_error_set(err, BL_EINVAL,
                                "--sweep %s: servers must be a whole number from 1 to 1000000, "
                                "not %s",
                                key, text);
        d->servers = (unsigned)v;
        return d->shifts.n > 0 ? scale_shifts(p, (size_t)s, d, (unsigned)v, err) : 0;
    case 1:
        d->threshold = v;
        return 0;
    case 3:
        if (v < 0)
            return bl_error_set(err, BL_EINVAL, "--sweep %s: %s is negative", key, text);
        d->budget_per_hour = v;
        return 0;
    default:
        if (v < 0 || v > 1)
            return bl_error_set(err, BL_EINVAL, "--sweep %s: %s is a probability: from 0 to 1", key,
                                text);
        if (f == 2)
            d->find_probability = v;
        else if (f == 4)
            d->confirm_carrier = v;
        else
            d->confirm_clean = v;
        return 0;
    }
}

/* "k=v;k=v" of point p. */
static char *point_settings(const bl_sweep_t *sw, const char *const *values) {
    size_t len = 1;
    for (size_t a = 0; a < sw->n_axes; a++)
        len += strlen(sw->axes[a].key) + strlen(values[a]) + 2;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (size_t a = 0; a < sw->n_axes; a++) {
        if (a > 0)
            strcat(s, ";");
        strcat(s, sw->axes[a].key);
        strcat(s, "=");
        strcat(s, values[a]);
    }
    return s;
}

/* The sequential metric of sc names a metric (and a station of sc). */
static int check_sequential(const bl_scenario_t *sc, bl_error_t *err) {
    if (!sc->sequential.enabled || bl_checkpoint_metric_check(sc, sc->sequential.metric, err) == 0)
        return 0;
    bl_error_prefix(err, "%s: sequential replications", sc->path ? sc->path : "scenario");
    return err->code;
}

/* A key without a dot names a parameter the scenario declares. */
static int check_parameter_axis(const bl_scenario_t *sc, const char *key, bl_error_t *err) {
    if (strchr(key, '.') != NULL)
        return 0;
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < sc->n_params; i++) {
        if (strcmp(sc->params[i].name, key) == 0)
            return 0;
        if (used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     sc->params[i].name);
    }
    return bl_error_set(err, BL_EINVAL,
                        "--sweep %s: %s declares no parameter '%s' (its parameters: %s); a "
                        "station field is STATION.FIELD, e.g. xray.servers",
                        key, sc->path ? sc->path : "the scenario", key,
                        sc->n_params ? list : "none");
}

/* Build point i of the sweep: load, set, share or load plugins and the
 * surrogate, check the sequential metric. */
static int build_point(const bl_scenario_t *base, const bl_plugin_set_t *base_plugins,
                       const bl_run_options_t *opts, const bl_sweep_t *sw, size_t i, point_t *p,
                       bl_error_t *err) {
    int rc = 0;
    bool params = false;
    p->half_width = NAN;
    p->values = calloc(sw->n_axes ? sw->n_axes : 1, sizeof *p->values);
    if (p->values == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (size_t a = 0; a < sw->n_axes; a++) {
        p->values[a] = bl_sweep_value(sw, i, a);
        params |= strchr(sw->axes[a].key, '.') == NULL;
    }
    if ((p->settings = point_settings(sw, p->values)) == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (params) {
        rc = reload_point(base, opts, sw, p, err);
        if (rc == 0)
            rc = plugin_overrides(p->loaded, opts, err);
        if (rc != 0)
            return rc;
        if (p->loaded->surrogate.path != NULL) {
            if (base->surrogate_data != NULL &&
                same_text(p->loaded->surrogate.path, base->surrogate.path) &&
                same_text(p->loaded->surrogate.detector, base->surrogate.detector))
                p->loaded->surrogate_data = base->surrogate_data;
            else if ((rc = load_surrogate(p->loaded, &p->surrogate, err)) != 0)
                return rc;
            else
                p->loaded->surrogate_data = p->surrogate;
        }
        p->copy = *p->loaded;
    } else {
        p->copy = *base;
    }
    p->sc = &p->copy;
    for (size_t a = 0; a < sw->n_axes && rc == 0; a++)
        if (strchr(sw->axes[a].key, '.') != NULL)
            rc = apply_station_axis(p, sw->axes[a].key, p->values[a], err);
    if (rc != 0)
        return rc;
    if (p->loaded == NULL || same_plugins(p->loaded, base)) {
        p->plugins = base_plugins;
    } else {
        rc = load_plugins(p->sc, p->handles, &p->own_plugins, err);
        if (rc != 0)
            return rc;
        p->plugins = &p->own_plugins;
    }
    return check_sequential(p->sc, err);
}

/* ------------------------------------------------------------------ running */

typedef struct task {
    unsigned point, rep;
} task_t;

/* Shared by the tasks of one round; each task writes only its own slots. */
typedef struct run_ctx {
    point_t *points;
    const task_t *tasks;
    bl_error_t *errors;         /* one per task */
    bl_results_writer_t *sinks; /* entity tables go here; NULL: none */
    bl_progress_t progress;
} run_ctx_t;

static int run_task(void *arg, unsigned index) {
    run_ctx_t *ctx = arg;
    const task_t *t = &ctx->tasks[index];
    point_t *p = &ctx->points[t->point];
    bl_entity_sink_t sink, *sinkp = NULL;
    if (ctx->sinks != NULL) {
        int rc = bl_results_entity_sink(ctx->sinks, t->rep, &sink, &ctx->errors[index]);
        if (rc != 0)
            return rc;
        sinkp = &sink;
    }
    return bl_engine_run(p->sc, p->plugins, t->rep, sinkp, &ctx->progress, &p->reps[t->rep],
                         &ctx->errors[index]);
}

/* Simulated milliseconds of one replication, for the progress line. */
static double expected_sim_ms(const bl_scenario_t *sc) {
    double horizon = sc->duration;
    if (horizon <= 0) {
        double rate = 0;
        for (size_t c = 0; c < sc->n_classes; c++) {
            const bl_arrivals_t *a = &sc->classes[c].arrivals;
            double sum = 0;
            for (size_t i = 0; i < a->n_segments; i++)
                sum += a->rates[i];
            rate += a->n_segments > 0 ? sum / (double)a->n_segments : 0;
        }
        horizon = rate > 0 ? (double)sc->max_entities / rate : 0;
    }
    return horizon * 1000.0;
}

static unsigned first_target(const bl_scenario_t *sc) {
    if (!sc->sequential.enabled)
        return sc->replications;
    const bl_sequential_t *q = &sc->sequential;
    unsigned n = q->min_replications > 0 ? q->min_replications : q->batch > 0 ? q->batch : 2;
    return q->max_replications > 0 && n > q->max_replications ? q->max_replications : n;
}

/* After a round: the half-width of the sequential metric, and whether the
 * point is done (else its next target). */
static void sequential_check(point_t *p) {
    const bl_sequential_t *q = &p->sc->sequential;
    if (!q->enabled) {
        p->done = true;
        return;
    }
    bl_error_t ignored; /* the metric was checked when the point was built */
    bl_error_clear(&ignored);
    double *x = malloc((p->n_reps ? p->n_reps : 1) * sizeof *x);
    size_t k = 0;
    for (unsigned i = 0; x != NULL && i < p->n_reps; i++) {
        double v = NAN;
        bl_checkpoint_metric(p->sc, &p->reps[i], q->metric, &v, &ignored);
        if (isfinite(v))
            x[k++] = v;
    }
    bl_interval_t ci = bl_mean_interval(x, k, CI_LEVEL);
    free(x);
    p->half_width = k >= 2 ? ci.half_width : NAN;
    double goal = q->relative ? q->half_width * fabs(ci.estimate) : q->half_width;
    bool met = isfinite(p->half_width) && p->half_width <= goal;
    unsigned max = q->max_replications > 0 ? q->max_replications : p->n_reps;
    if ((p->n_reps >= q->min_replications && met) || p->n_reps >= max) {
        p->done = true;
        return;
    }
    unsigned next = p->n_reps + (q->batch > 0 ? q->batch : 1);
    p->target = next > max ? max : next;
}

/* Run every unfinished point up to its target, rounds until all are done. */
static int run_rounds(const bl_scenario_t *base, point_t *points, size_t n_points, unsigned threads,
                      bl_results_writer_t *sinks, bool quiet, bl_error_t *err) {
    int rc = 0;
    for (size_t i = 0; i < n_points; i++)
        points[i].target = first_target(points[i].sc);
    for (;;) {
        size_t n_tasks = 0;
        double expected = 0;
        for (size_t i = 0; i < n_points; i++)
            if (!points[i].done) {
                n_tasks += points[i].target - points[i].n_reps;
                expected += (points[i].target - points[i].n_reps) * expected_sim_ms(points[i].sc);
            }
        if (n_tasks == 0)
            break;
        task_t *tasks = malloc(n_tasks * sizeof *tasks);
        bl_error_t *errors = calloc(n_tasks, sizeof *errors);
        if (tasks == NULL || errors == NULL) {
            free(tasks);
            free(errors);
            return bl_error_set(err, BL_ENOMEM, "out of memory for %zu replications", n_tasks);
        }
        size_t t = 0;
        for (size_t i = 0; i < n_points && rc == 0; i++) {
            point_t *p = &points[i];
            if (p->done)
                continue;
            bl_replication_result_t *reps = realloc(p->reps, p->target * sizeof *reps);
            if (reps == NULL) {
                p->target = p->n_reps;
                rc = bl_error_set(err, BL_ENOMEM, "out of memory for %u replications", p->target);
                break;
            }
            p->reps = reps;
            memset(&reps[p->n_reps], 0, (p->target - p->n_reps) * sizeof *reps);
            for (unsigned r = p->n_reps; r < p->target; r++)
                tasks[t++] = (task_t){(unsigned)i, r};
        }
        if (rc == 0) {
            run_ctx_t ctx = {points, tasks, errors, sinks, {0, 0, NULL}};
            bl_progress_meter_t *meter =
                bl_progress_start(&ctx.progress, expected, "simulated", "events", !quiet);
            rc = bl_pool_run(threads, (unsigned)n_tasks, run_task, &ctx);
            bl_progress_stop(meter);
            for (size_t k = 0; rc != 0 && k < n_tasks; k++) {
                if (errors[k].code == 0)
                    continue;
                const point_t *p = &points[tasks[k].point];
                if (n_points > 1)
                    bl_error_set(err, errors[k].code, "%s: sweep point %s: replication %u: %s",
                                 base->path, p->settings, tasks[k].rep, errors[k].message);
                else
                    bl_error_set(err, errors[k].code, "%s: replication %u: %s", base->path,
                                 tasks[k].rep, errors[k].message);
                break;
            }
        }
        free(tasks);
        free(errors);
        if (rc != 0)
            return rc;
        for (size_t i = 0; i < n_points; i++)
            if (!points[i].done) {
                points[i].n_reps = points[i].target;
                sequential_check(&points[i]);
            }
    }
    return 0;
}

/* ------------------------------------------------------------------ writing */

/* Root attributes of the surrogate and the sequential stopping rule. */
static int write_extras(bl_results_writer_t *w, const bl_scenario_t *sc, const point_t *points,
                        size_t n_points, bl_error_t *err) {
    int rc = 0;
    const bl_surrogate_t *s = sc->surrogate_data;
    if (s != NULL) {
        rc = bl_results_set_root_text(w, "surrogate_path", s->path, err);
        if (rc == 0)
            rc = bl_results_set_root_text(w, "surrogate_detector", s->detector, err);
        if (rc == 0)
            rc = bl_results_set_root_text(w, "surrogate_sha256", s->sha256, err);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n_points; i++)
        total += points[i].n_reps;
    if (rc == 0)
        rc = bl_results_set_root_u64(w, "replications_run", total, err);
    if (rc == 0 && sc->sequential.enabled) {
        rc = bl_results_set_root_text(w, "sequential_metric", sc->sequential.metric, err);
        if (rc == 0)
            rc = bl_results_set_root_double(w, "sequential_target", sc->sequential.half_width, err);
        if (rc == 0)
            rc = bl_results_set_root_u64(w, "sequential_relative", sc->sequential.relative, err);
        if (rc == 0 && n_points == 1)
            rc = bl_results_set_root_double(w, "sequential_half_width", points[0].half_width, err);
    }
    return rc;
}

static int write_results(bl_results_writer_t *w, bl_run_t *run, const bl_sweep_t *sw,
                         const point_t *points, size_t n_points, bl_error_t *err) {
    const bl_scenario_t *sc = run->scenario;
    if (sw->n_axes == 0) {
        run->reps = points[0].reps;
        run->n_reps = points[0].n_reps;
        int rc = bl_results_write_run(w, run, err);
        return rc != 0 ? rc : write_extras(w, sc, points, n_points, err);
    }
    bl_sweep_point_result_t *res = calloc(n_points, sizeof *res);
    const char **keys = calloc(sw->n_axes, sizeof *keys);
    int rc = 0;
    if (res == NULL || keys == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t a = 0; a < sw->n_axes; a++)
        keys[a] = sw->axes[a].key;
    /* The root's replications: the most any point ran (each point's count
     * is in /sweep/points; replications_run has the total). */
    run->reps = NULL;
    run->n_reps = 0;
    for (size_t i = 0; i < n_points; i++) {
        res[i] = (bl_sweep_point_result_t){sw->n_axes,   keys,           points[i].values,
                                           points[i].sc, points[i].reps, points[i].n_reps};
        run->n_reps = points[i].n_reps > run->n_reps ? points[i].n_reps : run->n_reps;
    }
    rc = bl_results_write_sweep(w, run, res, n_points, err); /* with the root's "sweep" */
    if (rc == 0)
        rc = write_extras(w, sc, points, n_points, err);
out:
    free(res);
    free(keys);
    return rc;
}

/* ------------------------------------------------------------------ the job */

int bl_checkpoint_run(bl_scenario_t *sc, const bl_run_options_t *opts,
                      bl_results_writer_t **writerp, bl_error_t *err) {
    bl_sweep_t sw = {0, NULL};
    bl_plugin_handle_t handles[BL_ROLE_COUNT];
    memset(handles, 0, sizeof handles);
    bl_plugin_set_t plugins = {{NULL, NULL, NULL}};
    point_t *points = NULL;
    size_t n_points = 0;
    bool own_surrogate = false;
    int rc = 0;

    for (size_t i = 0; i < opts->n_sweeps && rc == 0; i++)
        rc = bl_sweep_parse(&sw, opts->sweeps[i], err);
    if (rc == 0)
        rc = plugin_overrides(sc, opts, err);
    if (rc == 0 && sc->surrogate.path != NULL && sc->surrogate_data == NULL) {
        rc = load_surrogate(sc, &sc->surrogate_data, err);
        own_surrogate = rc == 0;
    }
    if (rc == 0)
        rc = load_plugins(sc, handles, &plugins, err);
    if (rc != 0)
        goto out;

    /* Every point is built and checked before anything runs. */
    for (size_t a = 0; a < sw.n_axes && rc == 0; a++)
        rc = check_parameter_axis(sc, sw.axes[a].key, err);
    if (rc != 0)
        goto out;
    n_points = bl_sweep_points(&sw);
    points = calloc(n_points, sizeof *points);
    if (points == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for %zu sweep points", n_points);
        goto out;
    }
    if (sw.n_axes == 0) {
        points[0].sc = sc;
        points[0].plugins = &plugins;
        points[0].half_width = NAN;
        rc = check_sequential(sc, err);
    } else {
        for (size_t i = 0; i < n_points && rc == 0; i++)
            rc = build_point(sc, &plugins, opts, &sw, i, &points[i], err);
        if (rc == 0 && sc->entity_table)
            fprintf(stderr,
                    "borderlab: note: %s asks for entity tables, which a sweep does not write; "
                    "run one point without --sweep for them\n",
                    sc->path ? sc->path : "the scenario");
    }
    if (rc != 0)
        goto out;

    unsigned threads = opts->threads ? opts->threads : bl_pool_default_threads();
    bl_run_t run;
    memset(&run, 0, sizeof run);
    bl_run_info_fill(&run);
    double t0 = bl_monotonic_seconds();
    rc = run_rounds(sc, points, n_points, threads,
                    sw.n_axes == 0 && sc->entity_table ? *writerp : NULL, opts->quiet, err);
    if (rc != 0)
        goto out;
    run.scenario = sc;
    run.plugins = &plugins;
    run.threads = threads;
    run.command_line = opts->command_line;
    run.wall_seconds = bl_monotonic_seconds() - t0;
    rc = write_results(*writerp, &run, &sw, points, n_points, err);
    if (rc != 0)
        goto out;
    rc = bl_run_commit(writerp, err);
    *writerp = NULL;

out:
    for (size_t i = 0; points != NULL && i < n_points; i++)
        point_fini(&points[i]);
    free(points);
    unload_plugins(handles, &plugins);
    if (own_surrogate) {
        bl_surrogate_free(sc->surrogate_data);
        sc->surrogate_data = NULL;
    }
    bl_sweep_fini(&sw);
    return rc;
}
