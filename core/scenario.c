/* Scenario structures: see scenario.h. */
#include "scenario.h"

#include "detector_bench.h"
#include "risk_validation.h"
#include "store_soak.h"

#include <stdlib.h>
#include <string.h>

static void route_fini(bl_route_t *r) {
    free(r->target);
    free(r->cum);
    memset(r, 0, sizeof *r);
}

static void plugin_ref_fini(bl_plugin_ref_t *p) {
    for (size_t i = 0; i < p->n_config; i++) {
        free(p->config_keys[i]);
        free(p->config_values[i]);
    }
    free(p->config_keys);
    free(p->config_values);
    free(p->spec);
    memset(p, 0, sizeof *p);
}

void bl_scenario_free_contents(bl_scenario_t *sc) {
    if (sc == NULL)
        return;
    free(sc->path);
    free(sc->source);
    free(sc->name);
    free(sc->arrivals.rates);
    for (size_t i = 0; i < sc->population.n_attributes; i++) {
        free(sc->population.attributes[i].name);
        bl_dist_fini(&sc->population.attributes[i].clean);
        bl_dist_fini(&sc->population.attributes[i].carrier);
    }
    free(sc->population.attributes);
    for (size_t i = 0; i < sc->population.n_contraband; i++)
        free(sc->population.contraband[i].unit);
    free(sc->population.contraband);
    for (size_t i = 0; i < sc->n_stations; i++) {
        free(sc->stations[i].name);
        bl_dist_fini(&sc->stations[i].service);
        route_fini(&sc->stations[i].next);
    }
    free(sc->stations);
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        plugin_ref_fini(&sc->plugins[r]);
    for (size_t i = 0; i < sc->n_params; i++) {
        free(sc->params[i].name);
        free(sc->params[i].value);
    }
    free(sc->params);
    if (sc->bench != NULL) {
        bl_detector_bench_free_contents(sc->bench);
        free(sc->bench);
    }
    if (sc->risk != NULL) {
        bl_risk_validation_free_contents(sc->risk);
        free(sc->risk);
    }
    if (sc->soak != NULL) {
        bl_store_soak_free_contents(sc->soak);
        free(sc->soak);
    }
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
