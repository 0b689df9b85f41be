/*
 * Converting a checkpoint job's entity classes: bl.class{...} (or the
 * legacy arrivals= + population= as one class "traveller"), their
 * arrivals (bl.poisson, bl.weekly), group and occupant sizes, populations
 * (contraband with what it looks like to a scanner and how it is hidden,
 * attributes), then the unions the risk model and the results see:
 * sc->attributes and sc->contraband_kinds.  Also replay = bl.arrivals_csv
 * (arrival_replay.c reads the file).  Runs inside the loader's protected
 * call (see scenario_convert.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "jobs/checkpoint/arrival_replay.h"
#include "jobs/checkpoint/scenario_checkpoint_internal.h"
#include "data/scan.h"

/* ------------------------------------------------------------ arrivals */

/* bl.poisson / bl.weekly at index a into *arr. */
static void convert_arrivals(lua_State *L, int a, bl_arrivals_t *arr) {
    const char *ctor = bl_conv_str_field(L, a, "ctor", "arrivals");
    char pre[300];
    bl_conv_where(L, a, ctor != NULL ? ctor : "bl.poisson", pre, sizeof pre);
    bl_conv_field(L, a, "rates");
    size_t n = lua_rawlen(L, -1);
    if (n == 0)
        bl_conv_fail(L, "%s: the profile needs at least one rate", pre);
    arr->rates = bl_conv_alloc(L, n, sizeof *arr->rates);
    arr->n_segments = n;
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        double r = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(r >= 0 && isfinite(r)))
            bl_conv_fail(L, "%s: rate %zu must be a number >= 0 (got %s)", pre, i + 1,
                         bl_conv_show(L, -1));
        arr->rates[i] = r;
        top = r > top ? r : top;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (top <= 0)
        bl_conv_fail(L, "%s: every rate is 0: nobody would arrive", pre);
    bool has_step = bl_conv_num_field(L, a, "step", pre, &arr->step);
    if (n > 1 && (!has_step || arr->step <= 0))
        bl_conv_fail(
            L, "%s: a profile needs step= > 0, the length of each segment (e.g. bl.hours(1))", pre);
    arr->periodic = bl_conv_bool_field(L, a, "periodic", pre, true);
}

/* The arrivals field `name` of table t: bl.poisson/bl.weekly, or nothing
 * when optional (a replay gives them). */
static void arrivals_field(lua_State *L, int t, const char *pre, bool optional,
                           bl_arrivals_t *arr) {
    int type = bl_conv_field(L, t, "arrivals");
    const char *tag = bl_conv_tag(L, -1);
    if (type == LUA_TNIL && optional) {
        lua_pop(L, 1);
        return;
    }
    if (tag == NULL || strcmp(tag, "arrivals") != 0)
        bl_conv_fail(L,
                     "%s: arrivals must be bl.poisson{rate = ...}, bl.poisson{profile = {...}, "
                     "step = ...} or bl.weekly{day = {...}, week = {...}} (got %s)%s",
                     pre, type == LUA_TNIL ? "nothing" : bl_conv_show(L, -1),
                     type == LUA_TNIL ? "; a class may go without only when replay= gives its "
                                        "arrivals"
                                      : "");
    convert_arrivals(L, lua_gettop(L), arr);
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ population */

static void convert_concealments(lua_State *L, int e, bl_contraband_t *c, const char *what) {
    if (bl_conv_field(L, e, "concealment") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    c->concealments = bl_conv_alloc(L, n, sizeof *c->concealments);
    c->n_concealments = n;
    char cw[460];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        bl_concealment_t *k = &c->concealments[i];
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        int t = lua_gettop(L);
        snprintf(cw, sizeof cw, "%s: concealment[%zu]", what, i + 1);
        const char *name = bl_conv_str_field(L, t, "name", cw);
        if (name == NULL || name[0] == '\0')
            bl_conv_fail(
                L, "%s: the first element must be its name, as in {\"luggage\", share = 1}", cw);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->concealments[j].name, name) == 0)
                bl_conv_fail(L, "%s: '%s' is listed twice", cw, name);
        k->name = bl_conv_dup(L, name);
        k->share = 1;
        if (bl_conv_num_field(L, t, "share", cw, &k->share) && !(k->share >= 0))
            bl_conv_fail(L, "%s: share must be >= 0 (got %g)", cw, k->share);
        k->find_factor = 1;
        if (bl_conv_num_field(L, t, "find", cw, &k->find_factor) &&
            !(k->find_factor >= 0 && k->find_factor <= 1))
            bl_conv_fail(L, "%s: find must be from 0 to 1 (got %g)", cw, k->find_factor);
        k->in_scan = bl_conv_bool_field(L, t, "in_scan", cw, true);
        sum += k->share;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (n > 0 && !(sum > 0))
        bl_conv_fail(L, "%s: the concealment shares sum to 0: give at least one share > 0", what);
    for (size_t i = 0; i < n; i++)
        c->concealments[i].share /= sum;
}

static void convert_contraband(lua_State *L, int e, bl_population_t *p, size_t i,
                               const char *what) {
    bl_contraband_t *c = &p->contraband[i];
    const char *name = bl_conv_str_field(L, e, "name", what);
    if (name == NULL || name[0] == '\0')
        bl_conv_fail(L, "%s: the first element must be its name, as in {\"cigarettes\", share = 1}",
                     what);
    for (size_t k = 0; k < i; k++)
        if (strcmp(p->contraband[k].name, name) == 0)
            bl_conv_fail(L, "%s: '%s' is listed twice", what, name);
    c->name = bl_conv_dup(L, name);
    const char *looks = bl_conv_str_field(L, e, "looks_like", what);
    if (looks == NULL) {
        int threat = bl_threat_by_name(name);
        if (threat <= 0)
            bl_conv_fail(L,
                         "%s: '%s' is not a threat class a scanner knows: give looks_like = one "
                         "of %s, or \"none\" when a scan cannot see it",
                         what, name, bl_conv_push_threat_list(L));
        c->threat = (uint32_t)threat;
    } else if (strcmp(looks, "none") == 0) {
        c->threat = 0;
    } else {
        int threat = bl_threat_by_name(looks);
        if (threat <= 0)
            bl_conv_fail(L, "%s: looks_like = '%s' is not a threat class (known: %s; or \"none\")",
                         what, looks, bl_conv_push_threat_list(L));
        c->threat = (uint32_t)threat;
    }
    if (!bl_conv_num_field(L, e, "share", what, &c->share))
        c->share = 1;
    if (!bl_conv_num_field(L, e, "quantity", what, &c->quantity))
        c->quantity = 1;
    bl_conv_num_field(L, e, "value", what, &c->value);
    if (c->share < 0 || c->quantity < 0 || c->value < 0)
        bl_conv_fail(L, "%s: share, value and quantity must be >= 0", what);
    const char *unit = bl_conv_str_field(L, e, "unit", what);
    c->unit = bl_conv_dup(L, unit != NULL ? unit : "item");
    convert_concealments(L, e, c, what);
}

/* bl.population at index t into *p (an absent population: nobody carries). */
static void convert_population(lua_State *L, int t, bl_population_t *p, const char *owner) {
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "population") != 0)
        bl_conv_fail(L, "%s: population must be bl.population{...} (got %s)", owner,
                     bl_conv_show(L, t));
    char pre[300], what[360];
    bl_conv_where(L, t, "bl.population", pre, sizeof pre);
    if (bl_conv_num_field(L, t, "carriers", pre, &p->carrier_share) &&
        !(p->carrier_share >= 0 && p->carrier_share <= 1))
        bl_conv_fail(L, "%s: carriers must be a share from 0 to 1 (got %g)", pre, p->carrier_share);
    bl_conv_field(L, t, "contraband");
    size_t n = lua_rawlen(L, -1);
    p->contraband = bl_conv_alloc(L, n, sizeof *p->contraband);
    p->n_contraband = n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        snprintf(what, sizeof what, "%s: contraband[%zu]", pre, i + 1);
        convert_contraband(L, lua_gettop(L), p, i, what);
        sum += p->contraband[i].share;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (n > 0 && !(sum > 0))
        bl_conv_fail(L, "%s: the contraband shares sum to 0: give at least one share > 0", pre);
    for (size_t i = 0; i < n; i++)
        p->contraband[i].share /= sum;
    if (p->carrier_share > 0 && n == 0)
        bl_conv_fail(L, "%s: carriers = %g but no contraband = {...} says what they carry", pre,
                     p->carrier_share);

    bl_conv_field(L, t, "attributes");
    n = lua_rawlen(L, -1);
    p->attributes = bl_conv_alloc(L, n, sizeof *p->attributes);
    p->n_attributes = n;
    for (size_t i = 0; i < n; i++) {
        bl_attribute_t *at = &p->attributes[i];
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int e = lua_gettop(L);
        snprintf(what, sizeof what, "%s: attributes[%zu]", pre, i + 1);
        const char *name = bl_conv_str_field(L, e, "name", what);
        if (name == NULL || name[0] == '\0')
            bl_conv_fail(L, "%s: the first element must be the attribute's name", what);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->attributes[k].name, name) == 0)
                bl_conv_fail(L, "%s: attribute '%s' is declared twice", what, name);
        at->name = bl_conv_dup(L, name);
        bl_conv_dist_field(L, e, "clean", what, &at->clean, NULL);
        bl_conv_dist_field(L, e, "carrier", what, &at->carrier, NULL);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void population_field(lua_State *L, int t, bl_population_t *p, const char *owner) {
    if (bl_conv_field(L, t, "population") != LUA_TNIL)
        convert_population(L, lua_gettop(L), p, owner);
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ classes */

/* group = 50 | dist (entities per arrival event), occupants likewise. */
static void size_field(lua_State *L, int t, const char *name, const char *pre, bl_dist_t *out) {
    int type = bl_conv_field(L, t, name);
    if (type == LUA_TNUMBER) {
        double v = lua_tonumber(L, -1);
        if (!(v >= 1 && v <= 1e6 && v == floor(v)))
            bl_conv_fail(L, "%s: %s must be a whole number >= 1 or a distribution (got %s)", pre,
                         name, bl_conv_show(L, -1));
    }
    lua_pop(L, 1);
    bl_conv_dist_opt(L, t, name, pre, out);
}

static void convert_class(lua_State *L, int t, bl_scenario_t *sc, size_t i, bool replay) {
    bl_entity_class_t *c = &sc->classes[i];
    char pre[300];
    bl_conv_where(L, t, "bl.class", pre, sizeof pre);
    const char *name = bl_conv_str_field(L, t, "name", pre);
    if (name == NULL || name[0] == '\0')
        bl_conv_fail(L, "%s: the first element must be the class's name, as in bl.class{\"foot\"}",
                     pre);
    if (bl_scenario_class_index(sc, name) >= 0)
        bl_conv_fail(L, "%s: a class named '%s' is already declared", pre, name);
    c->name = bl_conv_dup(L, name);
    bl_conv_field(L, t, "_line");
    c->line = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    arrivals_field(L, t, pre, replay, &c->arrivals);
    size_field(L, t, "group", pre, &c->group);
    size_field(L, t, "occupants", pre, &c->occupants);
    population_field(L, t, &c->population, pre);
    const char *first = bl_conv_str_field(L, t, "first", pre);
    c->first_station = 0;
    if (first != NULL) {
        c->first_station = bl_conv_target(L, sc, pre, "first", first);
        if (c->first_station == BL_EXIT)
            bl_conv_fail(L, "%s: first must be a station, not 'exit'", pre);
    }
    long long prio = 0;
    bl_conv_int_field(L, t, "priority", pre, -1000000, 1000000, &prio);
    c->priority = (int)prio;
}

/* sc->attributes and sc->contraband_kinds: unions in first-seen order. */
static void unions(lua_State *L, bl_scenario_t *sc) {
    size_t na = 0, nk = 0;
    for (size_t c = 0; c < sc->n_classes; c++) {
        na += sc->classes[c].population.n_attributes;
        nk += sc->classes[c].population.n_contraband;
    }
    sc->attributes = bl_conv_alloc(L, na, sizeof *sc->attributes);
    sc->contraband_kinds = bl_conv_alloc(L, nk, sizeof *sc->contraband_kinds);
    for (size_t c = 0; c < sc->n_classes; c++) {
        bl_population_t *p = &sc->classes[c].population;
        for (size_t i = 0; i < p->n_attributes; i++) {
            size_t k = 0;
            while (k < sc->n_attributes && strcmp(sc->attributes[k], p->attributes[i].name) != 0)
                k++;
            if (k == sc->n_attributes)
                sc->attributes[sc->n_attributes++] = bl_conv_dup(L, p->attributes[i].name);
        }
        for (size_t i = 0; i < p->n_contraband; i++) {
            size_t k = 0;
            while (k < sc->n_contraband_kinds &&
                   strcmp(sc->contraband_kinds[k], p->contraband[i].name) != 0)
                k++;
            if (k == sc->n_contraband_kinds)
                sc->contraband_kinds[sc->n_contraband_kinds++] =
                    bl_conv_dup(L, p->contraband[i].name);
            p->contraband[i].kind = (uint32_t)k;
        }
    }
}

void bl_conv_classes(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    bool replay = bl_conv_field(L, job, "replay") != LUA_TNIL;
    lua_pop(L, 1);
    int type = bl_conv_field(L, job, "classes");
    int list = lua_gettop(L);
    if (type == LUA_TNIL) { /* legacy: one class "traveller" */
        sc->classes = bl_conv_alloc(L, 1, sizeof *sc->classes);
        sc->n_classes = 1;
        bl_entity_class_t *c = &sc->classes[0];
        c->name = bl_conv_dup(L, "traveller");
        arrivals_field(L, job, jpre, replay, &c->arrivals);
        population_field(L, job, &c->population, jpre);
        c->first_station = 0;
        bl_conv_field(L, job, "_line");
        c->line = (int)lua_tointeger(L, -1);
        lua_pop(L, 2);
        unions(L, sc);
        return;
    }
    bool legacy_a = bl_conv_field(L, job, "arrivals") != LUA_TNIL;
    bool legacy_p = bl_conv_field(L, job, "population") != LUA_TNIL;
    lua_pop(L, 2);
    if (legacy_a || legacy_p)
        bl_conv_fail(L,
                     "%s: %s= goes inside each bl.class{...} when classes= is given (or drop "
                     "classes= for a single class)",
                     jpre, legacy_a ? "arrivals" : "population");
    size_t n = type == LUA_TTABLE ? lua_rawlen(L, list) : 0;
    if (n == 0)
        bl_conv_fail(L, "%s: classes= needs a list of bl.class{...} (got %s)", jpre,
                     bl_conv_show(L, list));
    sc->classes = bl_conv_alloc(L, n, sizeof *sc->classes);
    sc->n_classes = n;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        const char *tag = bl_conv_tag(L, -1);
        if (tag == NULL || strcmp(tag, "class") != 0)
            bl_conv_fail(L, "%s: classes[%zu] is not a bl.class{...} (got %s)", jpre, i + 1,
                         bl_conv_show(L, -1));
        convert_class(L, lua_gettop(L), sc, i, replay);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    unions(L, sc);
}

/* ------------------------------------------------------------ replay */

void bl_conv_replay(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    if (bl_conv_field(L, job, "replay") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "arrivals_csv") != 0)
        bl_conv_fail(L, "%s: replay must be bl.arrivals_csv{path = \"arrivals.csv\"} (got %s)",
                     jpre, bl_conv_show(L, t));
    char pre[300];
    bl_conv_where(L, t, "bl.arrivals_csv", pre, sizeof pre);
    const char *path = bl_conv_str_field(L, t, "path", pre);
    if (path == NULL || path[0] == '\0')
        bl_conv_fail(L, "%s: path= is required (a CSV file of arrival times and classes)", pre);
    bl_replay_columns_t cols = {.time = bl_conv_str_field(L, t, "time", pre),
                                .class_name = bl_conv_str_field(L, t, "class", pre),
                                .group = bl_conv_str_field(L, t, "group", pre),
                                .unit = 1};
    if (cols.time == NULL)
        cols.time = "time";
    if (cols.class_name == NULL)
        cols.class_name = "class";
    const char *unit = bl_conv_str_field(L, t, "unit", pre);
    if (unit != NULL && strcmp(unit, "seconds") != 0) {
        if (strcmp(unit, "minutes") == 0)
            cols.unit = 60;
        else if (strcmp(unit, "hours") == 0)
            cols.unit = 3600;
        else
            bl_conv_fail(L, "%s: unit must be \"seconds\", \"minutes\" or \"hours\" (got '%s')",
                         pre, unit);
    }
    char *full = bl_conv_path(L, sc->path, path);
    sc->replay.path = full; /* attached: freed with the scenario */
    bl_error_t e;
    bl_error_clear(&e);
    int rc = bl_arrival_replay_load(&sc->replay, &cols, sc, &e);
    if (rc == BL_ENOMEM)
        bl_conv_nomem(L);
    if (rc != 0)
        bl_conv_fail(L, "%s: %s", pre, e.message);
    lua_pop(L, 1);
}
