/*
 * The engine's decision stations (risk, scan, search, review), the plugin
 * instances they call, per-class and surrogate service times, and the
 * scenario checks made before a run (see engine.h, engine_internal.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arrivals.h"
#include "engine/engine_internal.h"
#include "engine/surrogate.h"

/* ------------------------------------------------------------------ */
/* Plugins                                                            */
/* ------------------------------------------------------------------ */

static const char *plugin_id(const run_t *R, int role) {
    const bl_plugin_handle_t *h = R->plugins != NULL ? R->plugins->role[role] : NULL;
    return h != NULL && h->desc != NULL && h->desc->header.id != NULL ? h->desc->header.id
                                                                      : "(unknown)";
}

static int plugin_failed(run_t *R, int role, const char *verb, const station_rt_t *s, double now,
                         int rc) {
    return bl_error_set(R->err, BL_EPLUGIN,
                        "plugin %s: %s returned %d (%s) at station '%s', simulated time %.3f s",
                        plugin_id(R, role), verb, rc, bl_error_name(rc), s->def->name, now);
}

/* Items this replication's instance of an isolated plugin has failed to
 * process so far (0 in-process): a call during which the count grows failed
 * (plugin/isolated.h). */
static uint64_t failures_so_far(const run_t *R, int role) {
    return R->plugins->role[role]->isolated != NULL ? bl_isolated_instance_failures(R->inst[role])
                                                    : 0;
}

int bl_engine_create_plugins(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        const bl_plugin_handle_t *h = R->plugins != NULL ? R->plugins->role[r] : NULL;
        if (h == NULL || h->desc == NULL)
            continue;
        const bl_plugin_t *desc = h->desc;
        bl_host_services_init(&R->hs[r], sc->seed, R->replication,
                              (uint64_t)BL_STREAM_PLUGIN_BASE + (uint64_t)r, &R->clock,
                              desc->header.id);
        const bl_plugin_ref_t *ref = &sc->plugins[r];
        char **values = NULL; /* "${replication}" expanded: borrowed by create() only */
        if (bl_plugin_ref_expand(ref, R->replication, &values) != 0)
            return bl_error_set(R->err, BL_ENOMEM, "out of memory");
        bl_config_t config = {ref->n_config, (const char *const *)ref->config_keys,
                              (const char *const *)values};
        int rc = BL_EPLUGIN;
        void *inst = NULL;
        if (r == BL_ROLE_DETECTOR && desc->detector != NULL)
            rc = desc->detector->create(&config, &R->hs[r].host, &inst);
        else if (r == BL_ROLE_RISK && desc->risk != NULL)
            rc = desc->risk->create(&config, &R->hs[r].host, &inst);
        else if (r == BL_ROLE_STORE && desc->store != NULL)
            rc = desc->store->create(&config, &R->hs[r].host, &inst);
        bl_plugin_ref_values_free(values, ref->n_config);
        if (rc != 0)
            return bl_error_set(R->err, BL_EPLUGIN,
                                "plugin %s (%s role): create returned %d (%s): check its "
                                "configuration in the scenario",
                                plugin_id(R, r), bl_role_name(r), rc, bl_error_name(rc));
        R->inst[r] = inst;
        R->created[r] = true;
    }
    return 0;
}

void bl_engine_destroy_plugins(run_t *R) {
    for (int r = 0; r < BL_ROLE_COUNT; r++) {
        if (!R->created[r])
            continue;
        const bl_plugin_t *desc = R->plugins->role[r]->desc;
        if (r == BL_ROLE_DETECTOR)
            desc->detector->destroy(R->inst[r]);
        else if (r == BL_ROLE_RISK)
            desc->risk->destroy(R->inst[r]);
        else
            desc->store->destroy(R->inst[r]);
        R->created[r] = false;
        R->inst[r] = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Setup                                                              */
/* ------------------------------------------------------------------ */

int bl_engine_decide_setup(run_t *R) {
    const bl_scenario_t *sc = R->sc;
    bool any_scan = false, any_risk = false;
    for (size_t i = 0; i < sc->n_stations; i++) {
        station_rt_t *s = &R->stations[i];
        any_scan |= s->kind == BL_STATION_SCAN;
        any_risk |= s->kind == BL_STATION_RISK;
        if (s->kind == BL_STATION_RISK && s->def->budget_per_hour > 0.0) {
            s->topk = calloc(1, sizeof *s->topk);
            if (s->topk == NULL)
                goto nomem;
            double k = floor(s->def->budget_per_hour);
            s->topk->k = k < 1e15 ? (uint64_t)k : (uint64_t)1e15;
            s->topk->hour = -1;
        }
    }
    size_t na = sc->n_attributes;
    if (any_risk) {
        R->columns = calloc(na > 0 ? na : 1, sizeof *R->columns);
        R->row = calloc(na > 0 ? na : 1, sizeof *R->row);
        if (R->columns == NULL || R->row == NULL)
            goto nomem;
        for (size_t i = 0; i < na; i++) {
            R->columns[i].name = sc->attributes[i];
            R->columns[i].type = BL_COLUMN_NUMERIC;
            R->columns[i].numeric = &R->row[i];
        }
        R->records.size = (uint32_t)sizeof R->records;
        R->records.n_columns = (uint32_t)na;
        R->records.n_rows = 1;
        R->records.columns = R->columns;
    }
    if (any_scan && sc->surrogate_data == NULL) {
        /* A bag of the scenario's scan size; clutter, noise and blur at
         * the generator's defaults. */
        bl_xray_config_default(&R->xray);
        R->xray.width = sc->scan.width != 0 ? sc->scan.width : DEFAULT_SCAN_SIDE;
        R->xray.height = sc->scan.height != 0 ? sc->scan.height : DEFAULT_SCAN_SIDE;
        R->xray.pixel_mm = sc->scan.pixel_mm;
        int rc = bl_xray_config_validate(&R->xray, R->err);
        if (rc != 0) {
            bl_error_prefix(R->err, "scenario %s: scan settings", sc->name);
            return rc;
        }
        if (bl_scan_buffer_init(&R->scanbuf, R->xray.width, R->xray.height) != 0)
            goto nomem;
        R->det_items = calloc(DETECTIONS_CAPACITY, sizeof *R->det_items);
        if (R->det_items == NULL)
            goto nomem;
    }
    return 0;
nomem:
    return bl_error_set(R->err, BL_ENOMEM, "out of memory setting up replication %u",
                        R->replication);
}

void bl_engine_decide_teardown(run_t *R) {
    if (R->stations != NULL)
        for (size_t i = 0; i < R->sc->n_stations; i++) {
            topk_t *t = R->stations[i].topk;
            if (t != NULL)
                free(t->heap);
            free(t);
        }
    free(R->columns);
    free(R->row);
    bl_scan_buffer_fini(&R->scanbuf);
    free(R->det_items);
}

/* ------------------------------------------------------------------ */
/* Service times off the fast path                                    */
/* ------------------------------------------------------------------ */

double bl_engine_service_slow(run_t *R, station_rt_t *s, uint32_t slot) {
    const bl_dist_t *d = &s->def->service;
    if (s->def->service_by_class != NULL) {
        const bl_dist_t *c = &s->def->service_by_class[R->ent[slot].cls];
        if (c->kind != 0)
            d = c;
    }
    double t;
    if (d->kind == BL_DIST_EXPONENTIAL)
        t = -d->a * log(bl_rng_uniform_pos(&s->rng));
    else if (d->kind == BL_DIST_DETERMINISTIC)
        t = d->a;
    else
        t = bl_dist_sample(d, &s->rng);
    if (s->kind == BL_STATION_SCAN && R->sc->surrogate_data != NULL && R->sc->surrogate.latency)
        t += bl_surrogate_latency(R->sc->surrogate_data, &R->rng_surrogate);
    return t;
}

/* ------------------------------------------------------------------ */
/* Risk                                                               */
/* ------------------------------------------------------------------ */

/* Keep the hour's k highest scores in a min-heap. */
static int topk_offer(topk_t *t, double score) {
    if (t->n < t->k) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 32;
            double *h = realloc(t->heap, cap * sizeof *h);
            if (h == NULL)
                return BL_ENOMEM;
            t->heap = h;
            t->cap = cap;
        }
        size_t i = t->n++;
        while (i > 0 && t->heap[(i - 1) / 2] > score) {
            t->heap[i] = t->heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        t->heap[i] = score;
        return 0;
    }
    if (t->k == 0 || !(score > t->heap[0]))
        return 0;
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->n)
            break;
        if (c + 1 < t->n && t->heap[c + 1] < t->heap[c])
            c++;
        if (!(t->heap[c] < score))
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    t->heap[i] = score;
    return 0;
}

/* Top-k selection (engine.h): at most k a clock hour, at or above the k-th
 * highest score of the previous hour (the station's threshold when that
 * hour scored fewer than k). */
static int topk_select(run_t *R, station_rt_t *s, double score, double now, bool *yes) {
    topk_t *t = s->topk;
    int64_t h = (int64_t)floor(now / HOUR);
    if (h != t->hour) {
        bool prev = t->hour >= 0 && t->hour == h - 1 && t->k > 0 && t->n >= t->k;
        t->threshold = prev ? t->heap[0] : s->def->threshold;
        t->hour = h;
        t->n = 0;
        t->selected = 0;
    }
    if (topk_offer(t, score) != 0)
        return bl_error_set(R->err, BL_ENOMEM, "out of memory ranking risk scores at '%s'",
                            s->def->name);
    *yes = t->selected < t->k && score >= t->threshold;
    if (*yes)
        t->selected++;
    return 0;
}

static int decide_risk(run_t *R, station_rt_t *s, entity_t *e, uint32_t slot, double now,
                       bool *yes) {
    size_t na = R->n_attr;
    if (na > 0)
        memcpy(R->row, R->attrs + (size_t)slot * na, na * sizeof *R->row);
    double score = NAN;
    R->res->plugin_calls[BL_ROLE_RISK]++;
    uint64_t failed = failures_so_far(R, BL_ROLE_RISK);
    int rc = R->plugins->role[BL_ROLE_RISK]->desc->risk->score(R->inst[BL_ROLE_RISK], &R->records,
                                                               0, 1, &score, NULL);
    if (rc != 0)
        return plugin_failed(R, BL_ROLE_RISK, "score", s, now, rc);
    e->risk_score = score;
    *yes = false;
    if (failures_so_far(R, BL_ROLE_RISK) > failed) { /* not assessed: inspect, as an alarm */
        *yes = true;
        return 0;
    }
    if (!(score >= 0.0 && score <= 1.0)) {
        R->res->invalid_outputs[BL_ROLE_RISK]++;
        return 0;
    }
    if (s->topk != NULL)
        return topk_select(R, s, score, now, yes);
    *yes = score >= s->def->threshold;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Scan                                                               */
/* ------------------------------------------------------------------ */

static bool detection_valid(const bl_detection_t *d, const bl_scan_t *scan) {
    if (d->scan != 0 || d->threat == BL_THREAT_NONE || d->threat >= BL_THREAT_CLASS_COUNT)
        return false;
    if (!(d->confidence >= 0.0f && d->confidence <= 1.0f))
        return false;
    const float *b = d->box;
    if (!(b[0] >= 0.0f && b[1] >= 0.0f && b[0] < b[2] && b[1] < b[3]))
        return false;
    return b[2] <= (float)scan->width && b[3] <= (float)scan->height;
}

/* What a scanner sees of e: its contraband's threat class when that is in
 * what the scanner images, else a clean bag. */
static uint32_t visible_threat(const run_t *R, const entity_t *e) {
    if (e->contraband == NO_CONTRABAND)
        return 0;
    const bl_contraband_t *c = entity_contraband(R, e);
    if (c->n_concealments > 0 && !c->concealments[e->conceal].in_scan)
        return 0;
    return c->threat;
}

static int decide_scan(run_t *R, station_rt_t *s, entity_t *e, double now, bool *yes) {
    uint32_t threat = visible_threat(R, e);
    if (R->sc->surrogate_data != NULL) {
        *yes =
            bl_surrogate_alarm(R->sc->surrogate_data, threat, s->def->threshold, &R->rng_surrogate);
        return 0;
    }
    bl_scan_t scan;
    bl_xray_generate(&R->xray, (int)threat, R->scans_made++, &R->rng_scans, &R->scanbuf, &scan,
                     NULL);
    bl_detections_t out = {R->det_items, DETECTIONS_CAPACITY, 0};
    R->res->plugin_calls[BL_ROLE_DETECTOR]++;
    uint64_t failed = failures_so_far(R, BL_ROLE_DETECTOR);
    int rc = R->plugins->role[BL_ROLE_DETECTOR]->desc->detector->detect(R->inst[BL_ROLE_DETECTOR],
                                                                        &scan, 1, &out);
    if (rc != 0 && rc != BL_ENOSPC) /* ENOSPC: what fitted is kept */
        return plugin_failed(R, BL_ROLE_DETECTOR, "detect", s, now, rc);
    if (failures_so_far(R, BL_ROLE_DETECTOR) > failed) { /* a scan it failed to process: */
        *yes = true;                                     /* searched by hand, an alarm */
        return 0;
    }
    if (out.count > DETECTIONS_CAPACITY) { /* past the buffer: nothing in it can be read */
        R->res->invalid_outputs[BL_ROLE_DETECTOR]++;
        out.count = 0;
    }
    bool alarm = false;
    for (size_t i = 0; i < out.count; i++) {
        if (!detection_valid(&out.items[i], &scan)) {
            R->res->invalid_outputs[BL_ROLE_DETECTOR]++;
            continue;
        }
        if (out.items[i].confidence >= s->def->threshold)
            alarm = true;
    }
    *yes = alarm;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Search and review                                                  */
/* ------------------------------------------------------------------ */

static void copy_text(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

static int decide_search(run_t *R, station_rt_t *s, entity_t *e, double now, bool *yes) {
    /* Always draw, so the search stream stays aligned across populations. */
    double u = bl_rng_uniform(&R->rng_search);
    *yes = false;
    if (e->contraband == NO_CONTRABAND || (e->flags & BL_ENTITY_SEIZED) != 0)
        return 0;
    const bl_contraband_t *c = entity_contraband(R, e);
    double p = s->def->find_probability;
    if (c->n_concealments > 0)
        p *= c->concealments[e->conceal].find_factor;
    if (!(u < p))
        return 0;
    *yes = true;
    e->flags |= BL_ENTITY_SEIZED;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        R->res->seizures++;
        R->res->contraband[c->kind].seized++;
        R->res->contraband[c->kind].value_seized += c->value;
        if (R->multi_class)
            R->res->classes[e->cls].seizures++;
    }
    if (!R->created[BL_ROLE_STORE])
        return 0;
    bl_seizure_t item;
    memset(&item, 0, sizeof item);
    item.threat = c->threat;
    item.state = BL_SEIZURE_STORED;
    item.quantity = c->quantity;
    item.value = c->value;
    item.time = now;
    snprintf(item.case_id, sizeof item.case_id, "R%u-E%llu", R->replication,
             (unsigned long long)e->seq);
    if (c->name != NULL)
        copy_text(item.description, sizeof item.description, c->name);
    else
        snprintf(item.description, sizeof item.description, "threat class %u", (unsigned)c->threat);
    copy_text(item.unit, sizeof item.unit,
              c->unit != NULL && c->unit[0] != '\0' ? c->unit : c->name);
    copy_text(item.officer, sizeof item.officer, s->def->name);
    copy_text(item.location, sizeof item.location, "intake");
    uint64_t id = 0;
    R->res->plugin_calls[BL_ROLE_STORE]++;
    uint64_t failed = failures_so_far(R, BL_ROLE_STORE);
    int rc = R->plugins->role[BL_ROLE_STORE]->desc->store->deposit(R->inst[BL_ROLE_STORE], &item, 1,
                                                                   &id);
    if (rc != 0 && failures_so_far(R, BL_ROLE_STORE) > failed) { /* recorded; the run goes on */
        R->res->invalid_outputs[BL_ROLE_STORE]++;
        return 0;
    }
    if (rc != 0)
        return plugin_failed(R, BL_ROLE_STORE, "deposit", s, now, rc);
    return 0;
}

static void decide_review(run_t *R, station_rt_t *s, const entity_t *e, bool *yes) {
    double u = bl_rng_uniform(&R->rng_review);
    double p = e->contraband != NO_CONTRABAND ? s->def->confirm_carrier : s->def->confirm_clean;
    *yes = u < p;
    if ((e->flags & BL_ENTITY_WARMUP) == 0) {
        if (*yes)
            R->res->confirmed++;
        else
            R->res->overridden++;
    }
}

int bl_engine_decide(run_t *R, station_rt_t *s, uint32_t slot, double now, int *target) {
    entity_t *e = &R->ent[slot];
    bool counted = (e->flags & BL_ENTITY_WARMUP) == 0;
    bool yes = false;
    uint32_t flag = 0;
    uint64_t *total = NULL;
    int rc = 0;
    switch (s->kind) {
    case BL_STATION_RISK:
        rc = decide_risk(R, s, e, slot, now, &yes);
        flag = BL_ENTITY_SELECTED;
        total = &R->res->selected;
        break;
    case BL_STATION_SCAN:
        rc = decide_scan(R, s, e, now, &yes);
        flag = BL_ENTITY_ALARM;
        total = &R->res->alarms;
        if (yes && counted && (e->flags & BL_ENTITY_ALARM) == 0 && e->contraband == NO_CONTRABAND)
            R->res->false_alarms++;
        break;
    case BL_STATION_REVIEW:
        decide_review(R, s, e, &yes);
        flag = BL_ENTITY_CONFIRMED;
        break;
    default: /* BL_STATION_SEARCH, checked before the run */
        if (counted && (e->flags & BL_ENTITY_SEARCHED) == 0)
            R->res->searches++;
        e->flags |= BL_ENTITY_SEARCHED;
        rc = decide_search(R, s, e, now, &yes);
        break;
    }
    if (rc != 0)
        return rc;
    if (yes) {
        if (counted) {
            s->st->yes++;
            if (total != NULL && (e->flags & flag) == 0)
                (*total)++;
        }
        e->flags |= flag;
    }
    *target = yes ? s->def->on_yes : s->def->on_no;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Scenario checks                                                    */
/* ------------------------------------------------------------------ */

static const char *nm(const char *s) { return s != NULL ? s : "?"; }

static int check_target(const bl_scenario_t *sc, const bl_station_def_t *d, int t, const char *what,
                        bl_error_t *err) {
    if (t == BL_EXIT || (t >= 0 && (size_t)t < sc->n_stations))
        return 0;
    return bl_error_set(err, BL_EINVAL,
                        "station '%s' (line %d): %s points to station %d, which does not "
                        "exist (the scenario has %zu stations): name a declared station or "
                        "\"exit\"",
                        nm(d->name), d->line, what, t, sc->n_stations);
}

static int check_route(const bl_scenario_t *sc, const bl_station_def_t *d, bl_error_t *err) {
    const bl_route_t *r = &d->next;
    int rc;
    switch (r->kind) {
    case BL_ROUTE_PROBABILITY:
        if (r->n > 1 && r->cum == NULL)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): its route has %zu targets but no "
                                "probabilities: give each target a probability",
                                nm(d->name), d->line, r->n);
        break;
    case BL_ROUTE_CLASS:
        if (r->n != sc->n_classes)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): a route by class needs one target per "
                                "class (%zu), it has %zu: give a target to every class or a "
                                "default",
                                nm(d->name), d->line, sc->n_classes, r->n);
        break;
    case BL_ROUTE_ATTRIBUTE:
        if (r->n != 2 || r->attribute < 0 || (size_t)r->attribute >= sc->n_attributes)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): a route by attribute needs two targets "
                                "(yes, no) and an attribute declared in a population (index %d "
                                "of %zu): check bl.by_attribute",
                                nm(d->name), d->line, r->attribute, sc->n_attributes);
        break;
    default:
        return bl_error_set(err, BL_EINVAL, "station '%s' (line %d) has unknown route kind %d",
                            nm(d->name), d->line, r->kind);
    }
    for (size_t k = 0; k < r->n; k++)
        if ((rc = check_target(sc, d, r->target[k], "next", err)) != 0)
            return rc;
    return 0;
}

static int check_schedule(const bl_station_def_t *d, bl_error_t *err) {
    const bl_schedule_t *s = &d->shifts;
    if (s->n == 0) {
        if (d->servers == 0)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d) has no servers: give it servers >= 1 "
                                "or a bl.shifts schedule",
                                nm(d->name), d->line);
        return 0;
    }
    if (s->shifts == NULL || !(s->period >= 0.0) || isinf(s->period))
        return bl_error_set(err, BL_EINVAL,
                            "station '%s' (line %d): its shift schedule is malformed (period "
                            "%g): give a period > 0 or 0 for a schedule that does not repeat",
                            nm(d->name), d->line, s->period);
    unsigned most = 0;
    for (size_t i = 0; i < s->n; i++) {
        const bl_shift_t *f = &s->shifts[i];
        if (!(f->start >= 0.0) || !(f->end > f->start) || isinf(f->end))
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): shift %zu runs from %g s to %g s: a "
                                "shift needs 0 <= from < to",
                                nm(d->name), d->line, i + 1, f->start, f->end);
        if (s->period > 0.0 && f->end > s->period)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): shift %zu ends at %g s, after the "
                                "schedule's period (%g s): split it at the period",
                                nm(d->name), d->line, i + 1, f->end, s->period);
        if (i > 0 && f->start < s->shifts[i - 1].end)
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): shift %zu (from %g s) starts before "
                                "shift %zu ends (%g s): shifts must be sorted and must not "
                                "overlap",
                                nm(d->name), d->line, i + 1, f->start, i, s->shifts[i - 1].end);
        if (f->servers > most)
            most = f->servers;
    }
    if (most == 0)
        return bl_error_set(err, BL_EINVAL,
                            "station '%s' (line %d): no shift of its schedule has servers: "
                            "give at least one shift servers >= 1",
                            nm(d->name), d->line);
    return 0;
}

static int check_station(const bl_scenario_t *sc, const bl_plugin_set_t *plugins,
                         const bl_station_def_t *d, bl_error_t *err) {
    const char *name = nm(d->name);
    int rc = check_schedule(d, err);
    if (rc != 0)
        return rc;
    if (d->patience.kind != 0 && (rc = check_target(sc, d, d->on_renege, "reneged", err)) != 0)
        return rc;
    switch (d->kind) {
    case BL_STATION_SERVICE:
        return d->next.n == 0 ? 0 : check_route(sc, d, err);
    case BL_STATION_RISK:
    case BL_STATION_SCAN: {
        bool risk = d->kind == BL_STATION_RISK;
        int role = risk ? BL_ROLE_RISK : BL_ROLE_DETECTOR;
        bool have = plugins != NULL && plugins->role[role] != NULL;
        if (!risk && sc->surrogate_data != NULL)
            have = true;
        if (!have)
            return bl_error_set(
                err, BL_EINVAL,
                "station '%s' (line %d) is a %s station but no %s plugin is loaded: "
                "name one in the scenario's plugins table or with --plugin %s=...%s",
                name, d->line, risk ? "risk" : "scan", risk ? "risk model" : "detector",
                bl_role_name(role), risk ? "" : ", or give the scenario a bl.surrogate");
        if (risk && (!(d->budget_per_hour >= 0.0) || isinf(d->budget_per_hour)))
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): budget_per_hour is %g: give a number "
                                "of entities per hour > 0, or leave it out",
                                name, d->line, d->budget_per_hour);
        break;
    }
    case BL_STATION_SEARCH:
        break;
    case BL_STATION_REVIEW:
        if (!(d->confirm_carrier >= 0.0 && d->confirm_carrier <= 1.0) ||
            !(d->confirm_clean >= 0.0 && d->confirm_clean <= 1.0))
            return bl_error_set(err, BL_EINVAL,
                                "station '%s' (line %d): confirm_carrier (%g) and confirm_clean "
                                "(%g) are probabilities: give values between 0 and 1",
                                name, d->line, d->confirm_carrier, d->confirm_clean);
        break;
    default:
        return bl_error_set(err, BL_EINVAL, "station '%s' (line %d) has unknown kind %d", name,
                            d->line, d->kind);
    }
    if ((rc = check_target(sc, d, d->on_yes, "on_yes", err)) != 0 ||
        (rc = check_target(sc, d, d->on_no, "on_no", err)) != 0)
        return rc;
    return 0;
}

static int check_class(const bl_scenario_t *sc, const bl_entity_class_t *c, bl_error_t *err) {
    const char *name = nm(c->name);
    if (c->first_station < 0 || (size_t)c->first_station >= sc->n_stations)
        return bl_error_set(err, BL_EINVAL,
                            "class '%s' (line %d): its first station (%d) does not exist: set "
                            "first = the name of a declared station",
                            name, c->line, c->first_station);
    if (c->arrivals.n_segments > 0) {
        int rc = bl_arrivals_validate(&c->arrivals, err);
        if (rc != 0) {
            bl_error_prefix(err, "class '%s' (line %d): arrivals", name, c->line);
            return rc;
        }
    }
    const bl_population_t *p = &c->population;
    for (size_t i = 0; i < p->n_attributes; i++) {
        size_t u = 0;
        while (u < sc->n_attributes && strcmp(sc->attributes[u], p->attributes[i].name) != 0)
            u++;
        if (u == sc->n_attributes)
            return bl_error_set(err, BL_EINVAL,
                                "class '%s' (line %d): attribute '%s' is missing from the "
                                "scenario's attribute list (a loader bug: report it)",
                                name, c->line, nm(p->attributes[i].name));
    }
    for (size_t i = 0; i < p->n_contraband; i++) {
        const bl_contraband_t *k = &p->contraband[i];
        if (k->kind >= sc->n_contraband_kinds || k->n_concealments > UINT16_MAX)
            return bl_error_set(err, BL_EINVAL,
                                "class '%s' (line %d): contraband '%s' has kind %u of %zu or "
                                "too many concealments (%zu): check its population",
                                name, c->line, nm(k->name), k->kind, sc->n_contraband_kinds,
                                k->n_concealments);
    }
    return 0;
}

int bl_engine_validate(const bl_scenario_t *sc, const bl_plugin_set_t *plugins, bl_error_t *err) {
    bool generated = false;
    for (size_t c = 0; c < sc->n_classes; c++)
        generated |= sc->classes[c].arrivals.n_segments > 0;
    if (generated && sc->duration <= 0.0 && sc->max_entities == 0)
        return bl_error_set(err, BL_EINVAL,
                            "scenario '%s' sets neither a duration nor "
                            "max_entities: the run would never end; set one",
                            nm(sc->name));
    if (sc->n_stations == 0)
        return bl_error_set(err, BL_EINVAL, "the scenario has no stations: declare at least one");
    if (sc->n_stations > UINT32_MAX)
        return bl_error_set(err, BL_EINVAL, "too many stations (%zu)", sc->n_stations);
    if (sc->n_classes == 0 || sc->classes == NULL)
        return bl_error_set(
            err, BL_EINVAL,
            "scenario '%s' has no entity classes: give it arrivals= or classes=", nm(sc->name));
    if (sc->n_classes > UINT16_MAX)
        return bl_error_set(err, BL_EINVAL, "too many entity classes (%zu, at most %u)",
                            sc->n_classes, (unsigned)UINT16_MAX);
    int rc;
    for (size_t c = 0; c < sc->n_classes; c++)
        if ((rc = check_class(sc, &sc->classes[c], err)) != 0)
            return rc;
    const bl_replay_arrivals_t *rp = &sc->replay;
    for (size_t i = 0; i < rp->n; i++) {
        if (rp->classes[i] >= sc->n_classes || !(rp->times[i] >= 0.0) ||
            (i > 0 && rp->times[i] < rp->times[i - 1]))
            return bl_error_set(err, BL_EINVAL,
                                "%s: replayed arrival %zu (class %u, time %g) is out of order "
                                "or names no class (a loader bug: report it)",
                                nm(rp->path), i + 1, rp->classes[i], rp->times[i]);
    }
    for (size_t i = 0; i < sc->n_stations; i++)
        if ((rc = check_station(sc, plugins, &sc->stations[i], err)) != 0)
            return rc;
    return 0;
}
