/* Scenario structures: see scenario.h. */
#include "scenario/scenario.h"

#include "scenario/scenario_convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void route_fini(bl_route_t *r) {
    free(r->target);
    free(r->cum);
    memset(r, 0, sizeof *r);
}

void bl_plugin_ref_fini(bl_plugin_ref_t *p) {
    for (size_t i = 0; i < p->n_config; i++) {
        free(p->config_keys[i]);
        free(p->config_values[i]);
    }
    free(p->config_keys);
    free(p->config_values);
    free(p->spec);
    memset(p, 0, sizeof *p);
}

void bl_population_fini(bl_population_t *p) {
    for (size_t i = 0; i < p->n_attributes; i++) {
        free(p->attributes[i].name);
        bl_dist_fini(&p->attributes[i].clean);
        bl_dist_fini(&p->attributes[i].carrier);
    }
    free(p->attributes);
    for (size_t i = 0; i < p->n_contraband; i++) {
        bl_contraband_t *c = &p->contraband[i];
        free(c->name);
        free(c->unit);
        for (size_t k = 0; k < c->n_concealments; k++)
            free(c->concealments[k].name);
        free(c->concealments);
    }
    free(p->contraband);
    memset(p, 0, sizeof *p);
}

const char *bl_scenario_station_list(const bl_scenario_t *sc, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sc->n_stations && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", sc->stations[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return sc->n_stations ? buf : "(none)";
}

const char *bl_station_kind_name(int kind) {
    switch (kind) {
    case BL_STATION_SERVICE:
        return "service";
    case BL_STATION_RISK:
        return "risk_check";
    case BL_STATION_SCAN:
        return "scan";
    case BL_STATION_SEARCH:
        return "search";
    case BL_STATION_REVIEW:
        return "review";
    default:
        return "unknown";
    }
}

int bl_scenario_class_index(const bl_scenario_t *sc, const char *name) {
    for (size_t i = 0; i < sc->n_classes; i++)
        if (sc->classes[i].name != NULL && strcmp(sc->classes[i].name, name) == 0)
            return (int)i;
    return -1;
}

unsigned bl_station_capacity_at(const bl_station_def_t *d, double t) {
    const bl_schedule_t *s = &d->shifts;
    if (s->n == 0)
        return d->servers;
    if (s->period > 0) {
        t = fmod(t, s->period);
        if (t < 0)
            t += s->period;
    }
    for (size_t i = 0; i < s->n; i++)
        if (t >= s->shifts[i].start && t < s->shifts[i].end)
            return s->shifts[i].servers;
    return 0;
}

void bl_scenario_free_contents(bl_scenario_t *sc) {
    if (sc == NULL)
        return;
    free(sc->path);
    free(sc->source);
    free(sc->name);
    for (size_t i = 0; i < sc->n_classes; i++) {
        bl_entity_class_t *c = &sc->classes[i];
        free(c->name);
        free(c->arrivals.rates);
        bl_dist_fini(&c->group);
        bl_dist_fini(&c->occupants);
        bl_population_fini(&c->population);
    }
    free(sc->classes);
    free(sc->replay.times);
    free(sc->replay.classes);
    free(sc->replay.groups);
    free(sc->replay.path);
    for (size_t i = 0; i < sc->n_attributes; i++)
        free(sc->attributes[i]);
    free(sc->attributes);
    for (size_t i = 0; i < sc->n_contraband_kinds; i++)
        free(sc->contraband_kinds[i]);
    free(sc->contraband_kinds);
    free(sc->sequential.metric);
    free(sc->surrogate.path);
    free(sc->surrogate.detector);
    for (size_t i = 0; i < sc->n_stations; i++) {
        free(sc->stations[i].name);
        bl_station_def_t *st = &sc->stations[i];
        bl_dist_fini(&st->service);
        if (st->service_by_class != NULL)
            for (size_t c = 0; c < sc->n_classes; c++)
                bl_dist_fini(&st->service_by_class[c]);
        free(st->service_by_class);
        bl_dist_fini(&st->patience);
        free(st->shifts.shifts);
        route_fini(&st->next);
    }
    free(sc->stations);
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        bl_plugin_ref_fini(&sc->plugins[r]);
    for (size_t i = 0; i < sc->n_params; i++) {
        free(sc->params[i].name);
        free(sc->params[i].value);
    }
    free(sc->params);
    if (sc->settings != NULL && sc->kind != NULL && sc->kind->free_settings != NULL)
        sc->kind->free_settings(sc->settings);
    memset(sc, 0, sizeof *sc);
}

#define REPLICATION_TOKEN "${replication}"

/* text with every REPLICATION_TOKEN replaced by number (heap). */
static char *expand_one(const char *text, unsigned number) {
    char digits[16];
    int nd = snprintf(digits, sizeof digits, "%u", number);
    size_t tl = strlen(REPLICATION_TOKEN), len = strlen(text), count = 0;
    for (const char *p = strstr(text, REPLICATION_TOKEN); p; p = strstr(p + tl, REPLICATION_TOKEN))
        count++;
    char *out = malloc(len + count * (size_t)nd + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *p = text;;) {
        const char *hit = strstr(p, REPLICATION_TOKEN);
        size_t n = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, n);
        o += n;
        if (hit == NULL)
            break;
        memcpy(o, digits, (size_t)nd);
        o += nd;
        p = hit + tl;
    }
    *o = '\0';
    return out;
}

int bl_plugin_ref_expand(const bl_plugin_ref_t *ref, unsigned replication, char ***values) {
    *values = calloc(ref->n_config ? ref->n_config : 1, sizeof **values);
    if (*values == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < ref->n_config; i++)
        if (((*values)[i] = expand_one(ref->config_values[i], replication)) == NULL) {
            bl_plugin_ref_values_free(*values, i);
            *values = NULL;
            return BL_ENOMEM;
        }
    return 0;
}

void bl_plugin_ref_values_free(char **values, size_t n) {
    for (size_t i = 0; values != NULL && i < n; i++)
        free(values[i]);
    free(values);
}

int bl_scenario_station_index(const bl_scenario_t *sc, const char *name) {
    for (size_t i = 0; i < sc->n_stations; i++)
        if (strcmp(sc->stations[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *bl_role_name(int role) {
    switch (role) {
    case BL_ROLE_DETECTOR:
        return "detector";
    case BL_ROLE_RISK:
        return "risk";
    case BL_ROLE_STORE:
        return "store";
    default:
        return "unknown";
    }
}

int bl_role_kind(int role) {
    switch (role) {
    case BL_ROLE_DETECTOR:
        return BL_KIND_DETECTOR;
    case BL_ROLE_RISK:
        return BL_KIND_RISK;
    case BL_ROLE_STORE:
        return BL_KIND_STORE;
    default:
        return 0;
    }
}
