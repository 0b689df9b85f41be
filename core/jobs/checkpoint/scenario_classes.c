/*
 * Converting a checkpoint job's entity classes: bl.class{...} (or the
 * legacy arrivals= + population= as one class "traveller"), their
 * arrivals (bl.poisson, bl.weekly), group and occupant sizes, populations
 * (contraband with what it looks like to a scanner and how it is hidden,
 * attributes), then the unions the risk model and the results see:
 * sc->attributes and sc->contraband_kinds.  Also replay = bl.arrivals_csv
 * (arrival_replay.c reads the file).  Runs inside the loader's protected
 * call (see scenario_convert.h); every field is read through its
 * constructor's table (checkpoint_fields.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "data/scan.h"
#include "jobs/checkpoint/arrival_replay.h"
#include "jobs/checkpoint/checkpoint_fields.h"
#include "jobs/checkpoint/scenario_checkpoint_internal.h"

/* ------------------------------------------------------------ arrivals */

/* bl.poisson / bl.weekly at index a into *arr.  Both are read through
 * bl.poisson's table: the Lua library makes either into a profile (rates)
 * with its step and periodic. */
static void convert_arrivals(lua_State *L, int a, bl_arrivals_t *arr) {
    const char *ctor = bl_conv_str_field(L, a, "ctor", "arrivals");
    char pre[300];
    bl_conv_where(L, a, ctor != NULL ? ctor : "bl.poisson", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, a, &bl_poisson_ctor, pre);
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
    bool has_step = bl_has(&f, "step");
    if (has_step)
        arr->step = bl_check_number(&f, "step");
    if (n > 1 && (!has_step || arr->step <= 0))
        bl_conv_fail(
            L, "%s: a profile needs step= > 0, the length of each segment (e.g. bl.hours(1))", pre);
    arr->periodic = bl_opt_boolean(&f, "periodic");
}

/* The arrivals= field read through f: bl.poisson/bl.weekly, or nothing
 * when optional (a replay gives them). */
static void arrivals_field(const bl_fields_t *f, bool optional, bl_arrivals_t *arr) {
    lua_State *L = f->L;
    const char *pre = f->pre;
    int type = bl_push(f, "arrivals");
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

static void convert_concealments(const bl_fields_t *cf, bl_contraband_t *c, const char *what) {
    lua_State *L = cf->L;
    if (bl_push(cf, "concealment") == LUA_TNIL) {
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
        bl_fields_t f = bl_fields(L, t, &bl_concealment_ctor, cw);
        const char *name = bl_opt_string(&f, "name");
        if (name == NULL || name[0] == '\0')
            bl_conv_fail(
                L, "%s: the first element must be its name, as in {\"luggage\", share = 1}", cw);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->concealments[j].name, name) == 0)
                bl_conv_fail(L, "%s: '%s' is listed twice", cw, name);
        k->name = bl_conv_dup(L, name);
        k->share = bl_opt_number(&f, "share");
        if (!(k->share >= 0))
            bl_conv_fail(L, "%s: share must be >= 0 (got %g)", cw, k->share);
        k->find_factor = bl_opt_number(&f, "find");
        if (!(k->find_factor >= 0 && k->find_factor <= 1))
            bl_conv_fail(L, "%s: find must be from 0 to 1 (got %g)", cw, k->find_factor);
        k->in_scan = bl_opt_boolean(&f, "in_scan");
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
    bl_fields_t f = bl_fields(L, e, &bl_contraband_ctor, what);
    const char *name = bl_opt_string(&f, "name");
    if (name == NULL || name[0] == '\0')
        bl_conv_fail(L, "%s: the first element must be its name, as in {\"cigarettes\", share = 1}",
                     what);
    for (size_t k = 0; k < i; k++)
        if (strcmp(p->contraband[k].name, name) == 0)
            bl_conv_fail(L, "%s: '%s' is listed twice", what, name);
    c->name = bl_conv_dup(L, name);
    const char *looks = bl_opt_string(&f, "looks_like");
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
    c->share = bl_opt_number(&f, "share");
    c->quantity = bl_opt_number(&f, "quantity");
    c->value = bl_opt_number(&f, "value");
    if (c->share < 0 || c->quantity < 0 || c->value < 0)
        bl_conv_fail(L, "%s: share, value and quantity must be >= 0", what);
    c->unit = bl_conv_dup(L, bl_opt_text(&f, "unit"));
    convert_concealments(&f, c, what);
}

/* bl.population at index t into *p (an absent population: nobody carries). */
static void convert_population(lua_State *L, int t, bl_population_t *p, const char *owner) {
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "population") != 0)
        bl_conv_fail(L, "%s: population must be bl.population{...} (got %s)", owner,
                     bl_conv_show(L, t));
    char pre[300], what[360];
    bl_conv_where(L, t, "bl.population", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, t, &bl_population_ctor, pre);
    p->carrier_share = bl_opt_number(&f, "carriers");
    if (!(p->carrier_share >= 0 && p->carrier_share <= 1))
        bl_conv_fail(L, "%s: carriers must be a share from 0 to 1 (got %g)", pre, p->carrier_share);
    bl_push(&f, "contraband");
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

    bl_push(&f, "attributes");
    n = lua_rawlen(L, -1);
    p->attributes = bl_conv_alloc(L, n, sizeof *p->attributes);
    p->n_attributes = n;
    for (size_t i = 0; i < n; i++) {
        bl_attribute_t *at = &p->attributes[i];
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int e = lua_gettop(L);
        snprintf(what, sizeof what, "%s: attributes[%zu]", pre, i + 1);
        bl_fields_t af = bl_fields(L, e, &bl_attribute_ctor, what);
        const char *name = bl_opt_string(&af, "name");
        if (name == NULL || name[0] == '\0')
            bl_conv_fail(L, "%s: the first element must be the attribute's name", what);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->attributes[k].name, name) == 0)
                bl_conv_fail(L, "%s: attribute '%s' is declared twice", what, name);
        at->name = bl_conv_dup(L, name);
        bl_check_dist(&af, "clean", &at->clean);
        bl_check_dist(&af, "carrier", &at->carrier);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void population_field(const bl_fields_t *f, bl_population_t *p) {
    if (bl_push(f, "population") != LUA_TNIL)
        convert_population(f->L, lua_gettop(f->L), p, f->pre);
    lua_pop(f->L, 1);
}

/* ------------------------------------------------------------ classes */

/* group = 50 | dist (entities per arrival event), occupants likewise;
 * absent: none (kind 0), which the engine takes as 1 (the table's
 * default) without drawing. */
static void size_field(const bl_fields_t *f, const char *name, bl_dist_t *out) {
    int type = bl_push(f, name);
    if (type == LUA_TNUMBER) {
        double v = lua_tonumber(f->L, -1);
        if (!(v >= 1 && v <= 1e6 && v == floor(v)))
            bl_conv_fail(f->L, "%s: %s must be a whole number >= 1 or a distribution (got %s)",
                         f->pre, name, bl_conv_show(f->L, -1));
    }
    lua_pop(f->L, 1);
    memset(out, 0, sizeof *out);
    if (type != LUA_TNIL)
        bl_check_dist(f, name, out);
}

static void convert_class(lua_State *L, int t, bl_scenario_t *sc, size_t i, bool replay) {
    bl_entity_class_t *c = &sc->classes[i];
    char pre[300];
    bl_conv_where(L, t, "bl.class", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, t, &bl_class_ctor, pre);
    const char *name = bl_opt_string(&f, "name");
    if (name == NULL || name[0] == '\0')
        bl_conv_fail(L, "%s: the first element must be the class's name, as in bl.class{\"foot\"}",
                     pre);
    if (bl_scenario_class_index(sc, name) >= 0)
        bl_conv_fail(L, "%s: a class named '%s' is already declared", pre, name);
    c->name = bl_conv_dup(L, name);
    bl_conv_field(L, t, "_line");
    c->line = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    arrivals_field(&f, replay, &c->arrivals);
    size_field(&f, "group", &c->group);
    size_field(&f, "occupants", &c->occupants);
    population_field(&f, &c->population);
    const char *first = bl_opt_string(&f, "first");
    c->first_station = 0;
    if (first != NULL) {
        c->first_station = bl_conv_target(L, sc, pre, "first", first);
        if (c->first_station == BL_EXIT)
            bl_conv_fail(L, "%s: first must be a station, not 'exit'", pre);
    }
    c->priority = (int)bl_opt_integer(&f, "priority", -1000000, 1000000);
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

void bl_conv_classes(const bl_fields_t *jf, bl_scenario_t *sc) {
    lua_State *L = jf->L;
    int job = jf->t;
    const char *jpre = jf->pre;
    bool replay = bl_has(jf, "replay");
    int type = bl_push(jf, "classes");
    int list = lua_gettop(L);
    if (type == LUA_TNIL) { /* legacy: one class "traveller" */
        sc->classes = bl_conv_alloc(L, 1, sizeof *sc->classes);
        sc->n_classes = 1;
        bl_entity_class_t *c = &sc->classes[0];
        c->name = bl_conv_dup(L, "traveller");
        arrivals_field(jf, replay, &c->arrivals);
        population_field(jf, &c->population);
        c->first_station = 0;
        bl_conv_field(L, job, "_line");
        c->line = (int)lua_tointeger(L, -1);
        lua_pop(L, 2);
        unions(L, sc);
        return;
    }
    bool legacy_a = bl_has(jf, "arrivals");
    bool legacy_p = bl_has(jf, "population");
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

void bl_conv_replay(const bl_fields_t *jf, bl_scenario_t *sc) {
    lua_State *L = jf->L;
    const char *jpre = jf->pre;
    if (bl_push(jf, "replay") == LUA_TNIL) {
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
    bl_fields_t f = bl_fields(L, t, &bl_arrivals_csv_ctor, pre);
    const char *path = bl_opt_string(&f, "path");
    if (path == NULL || path[0] == '\0')
        bl_conv_fail(L, "%s: path= is required (a CSV file of arrival times and classes)", pre);
    bl_replay_columns_t cols = {.time = bl_opt_text(&f, "time"),
                                .class_name = bl_opt_text(&f, "class"),
                                .group = bl_opt_string(&f, "group"),
                                .unit = 1};
    const char *unit = bl_opt_text(&f, "unit");
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
