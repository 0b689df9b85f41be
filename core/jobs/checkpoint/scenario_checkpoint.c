/*
 * Converting a checkpoint job (bl.checkpoint{...}) into a bl_scenario_t:
 * the run settings (replications or bl.sequential, duration, warm-up,
 * series step), plugins and surrogate, and the stations with their
 * capacity (servers or bl.shifts), service times (one or per class),
 * patience and routes.  Classes, arrivals and populations are
 * scenario_classes.c's.  Runs inside the loader's protected call (see
 * scenario_convert.h): a bad value raises an error naming file:line.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/checkpoint/scenario_checkpoint_internal.h"

/* ------------------------------------------------------------ targets */

/* Index of a station by name among those named so far, or -1. */
static int station_index(const bl_scenario_t *sc, const char *name) {
    for (size_t i = 0; i < sc->n_stations && sc->stations[i].name != NULL; i++)
        if (strcmp(sc->stations[i].name, name) == 0)
            return (int)i;
    return -1;
}

int bl_conv_target(lua_State *L, const bl_scenario_t *sc, const char *pre, const char *fname,
                   const char *name) {
    if (strcmp(name, "exit") == 0)
        return BL_EXIT;
    int i = station_index(sc, name);
    if (i >= 0)
        return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t k = 0; k < sc->n_stations; k++) {
        if (k > 0)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, sc->stations[k].name);
    }
    luaL_pushresult(&b);
    return bl_conv_fail(L, "%s: %s = '%s' is not a station (stations: %s; or 'exit')", pre, fname,
                        name, lua_tostring(L, -1));
}

/* A target field: a station name or "exit"; def when absent (< -1: required). */
static int target_field(lua_State *L, int t, const bl_scenario_t *sc, const char *pre,
                        const char *name, int def) {
    int type = bl_conv_field(L, t, name);
    if (type == LUA_TNIL && def >= BL_EXIT) {
        lua_pop(L, 1);
        return def;
    }
    if (type != LUA_TSTRING)
        bl_conv_fail(L, "%s: %s must be a station name or 'exit' (got %s)", pre, name,
                     type == LUA_TNIL ? "nothing" : bl_conv_show(L, -1));
    int i = bl_conv_target(L, sc, pre, name, lua_tostring(L, -1));
    lua_pop(L, 1);
    return i;
}

/* Push "foot, car" (the class names). */
static const char *push_classes(lua_State *L, const bl_scenario_t *sc) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t k = 0; k < sc->n_classes; k++) {
        if (k > 0)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, sc->classes[k].name);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* ------------------------------------------------------------ routes */

static void route_probability(lua_State *L, int rt, const bl_scenario_t *sc, const char *pre,
                              bl_route_t *r) {
    bl_conv_field(L, rt, "targets");
    bl_conv_field(L, rt, "probs");
    size_t n = lua_rawlen(L, -2);
    r->kind = BL_ROUTE_PROBABILITY;
    r->target = bl_conv_alloc(L, n, sizeof *r->target);
    r->cum = bl_conv_alloc(L, n, sizeof *r->cum);
    r->n = n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        double p = lua_tonumber(L, -1);
        if (!lua_isstring(L, -2) || !(p >= 0 && isfinite(p)))
            bl_conv_fail(L, "%s: next: route entry %zu needs a station and a probability >= 0", pre,
                         i + 1);
        r->target[i] = bl_conv_target(L, sc, pre, "next", lua_tostring(L, -2));
        sum += p;
        r->cum[i] = sum;
        lua_pop(L, 2);
    }
    if (n == 0 || fabs(sum - 1) > 1e-6)
        bl_conv_fail(L, "%s: next: the route's probabilities sum to %.17g, not 1", pre, sum);
    for (size_t i = 0; i < n; i++)
        r->cum[i] /= sum;
    r->cum[n - 1] = 1;
    lua_pop(L, 2);
}

/* bl.by_class{foot = "a", car = "b", default = "c"}: target per class. */
static void route_class(lua_State *L, int rt, const bl_scenario_t *sc, const char *spre, int def,
                        bl_route_t *r) {
    char pre[400];
    bl_conv_where(L, rt, "bl.by_class", pre, sizeof pre);
    (void)spre;
    size_t n = sc->n_classes;
    r->kind = BL_ROUTE_CLASS;
    r->target = bl_conv_alloc(L, n, sizeof *r->target);
    r->n = n;
    /* scratch owned by the Lua state, so a raise below leaks nothing */
    bool *given = lua_newuserdatauv(L, n > 0 ? n : 1, 0);
    memset(given, 0, n > 0 ? n : 1);
    int dflt = def;
    bool has_default = false;
    if (bl_conv_field(L, rt, "default") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            bl_conv_fail(L, "%s: default must be a station name or 'exit' (got %s)", pre,
                         bl_conv_show(L, -1));
        has_default = true;
    }
    lua_pop(L, 1);
    bl_conv_field(L, rt, "map");
    int m = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, m) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int c = k != NULL ? bl_scenario_class_index(sc, k) : -1;
        if (c < 0 || lua_type(L, -1) != LUA_TSTRING) {
            if (c < 0)
                bl_conv_fail(L, "%s: '%s' is not a class (classes: %s; or default =)", pre,
                             k != NULL ? k : "?", push_classes(L, sc));
            bl_conv_fail(L, "%s: %s must be a station name or 'exit' (got %s)", pre, k,
                         bl_conv_show(L, -1));
        }
        given[c] = true;
        r->target[c] = bl_conv_target(L, sc, pre, k, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (has_default) {
        bl_conv_field(L, rt, "default");
        dflt = bl_conv_target(L, sc, pre, "default", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    for (size_t c = 0; c < n; c++)
        if (!given[c])
            r->target[c] = dflt;
    lua_pop(L, 1); /* given */
}

/* bl.by_attribute{"declared_value", at_least = 1000, yes = "x", no = "y"}. */
static void route_attribute(lua_State *L, int rt, const bl_scenario_t *sc, int def, bl_route_t *r) {
    char pre[400];
    bl_conv_where(L, rt, "bl.by_attribute", pre, sizeof pre);
    const char *name = bl_conv_str_field(L, rt, "attribute", pre);
    int a = -1;
    for (size_t i = 0; name != NULL && i < sc->n_attributes; i++)
        if (strcmp(sc->attributes[i], name) == 0)
            a = (int)i;
    if (a < 0)
        bl_conv_fail(L, "%s: '%s' is not a declared attribute (attributes: %s)", pre,
                     name != NULL ? name : "?",
                     sc->n_attributes > 0 ? bl_conv_push_names(L, sc->attributes, sc->n_attributes)
                                          : "none: declare them in bl.population{attributes=}");
    r->kind = BL_ROUTE_ATTRIBUTE;
    r->attribute = a;
    if (!bl_conv_num_field(L, rt, "at_least", pre, &r->threshold))
        bl_conv_fail(L, "%s: at_least= is required (the value from which yes= applies)", pre);
    r->target = bl_conv_alloc(L, 2, sizeof *r->target);
    r->n = 2;
    r->target[0] = target_field(L, rt, sc, pre, "yes", -2);
    r->target[1] = target_field(L, rt, sc, pre, "no", def);
}

static void convert_route(lua_State *L, int s, const bl_scenario_t *sc, const char *pre, int def,
                          bl_route_t *r) {
    int type = bl_conv_field(L, s, "next");
    int rt = lua_gettop(L);
    const char *tag = bl_conv_tag(L, rt);
    if (type == LUA_TNIL || type == LUA_TSTRING) {
        r->kind = BL_ROUTE_PROBABILITY;
        r->target = bl_conv_alloc(L, 1, sizeof *r->target);
        r->cum = bl_conv_alloc(L, 1, sizeof *r->cum);
        r->n = 1;
        r->target[0] =
            type == LUA_TNIL ? def : bl_conv_target(L, sc, pre, "next", lua_tostring(L, rt));
        r->cum[0] = 1;
    } else if (tag != NULL && strcmp(tag, "route") == 0) {
        route_probability(L, rt, sc, pre, r);
    } else if (tag != NULL && strcmp(tag, "by_class") == 0) {
        route_class(L, rt, sc, pre, def, r);
    } else if (tag != NULL && strcmp(tag, "by_attribute") == 0) {
        route_attribute(L, rt, sc, def, r);
    } else {
        bl_conv_fail(L,
                     "%s: next must be a station name, 'exit', bl.route{...}, bl.by_class{...} "
                     "or bl.by_attribute{...} (got %s)",
                     pre, bl_conv_show(L, rt));
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ capacity */

/* "8:00" (or "8:00:30") for t seconds; hours past 24 kept ("30:00"). */
static void clock_text(double t, char *out, size_t n) {
    long long s = (long long)llround(t);
    if (s % 60 != 0)
        snprintf(out, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, n, "%lld:%02lld", s / 3600, s / 60 % 60);
}

/* bl.shifts{...} at index sh into st->shifts and st->servers. */
static void convert_shifts(lua_State *L, int sh, bl_station_def_t *st) {
    char pre[400], what[460];
    bl_conv_where(L, sh, "bl.shifts", pre, sizeof pre);
    bl_schedule_t *s = &st->shifts;
    s->period = 86400;
    if (bl_conv_num_field(L, sh, "period", pre, &s->period) && !(s->period >= 0))
        bl_conv_fail(L, "%s: period must be >= 0 seconds (0: the schedule runs once; got %g)", pre,
                     s->period);
    bl_conv_field(L, sh, "list");
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    if (n == 0)
        bl_conv_fail(L, "%s: needs at least one {from = ..., to = ..., servers = ...}", pre);
    s->shifts = bl_conv_alloc(L, n, sizeof *s->shifts);
    s->n = n;
    unsigned top = 0;
    for (size_t i = 0; i < n; i++) {
        bl_shift_t *f = &s->shifts[i];
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        int e = lua_gettop(L);
        snprintf(what, sizeof what, "%s: shift %zu", pre, i + 1);
        long long servers = -1;
        if (!bl_conv_num_field(L, e, "from", what, &f->start) ||
            !bl_conv_num_field(L, e, "to", what, &f->end) ||
            !bl_conv_int_field(L, e, "servers", what, 0, 1000000, &servers))
            bl_conv_fail(L, "%s: needs from=, to= and servers=", what);
        if (!(f->start >= 0 && f->start < f->end))
            bl_conv_fail(L, "%s: from must be >= 0 and before to (got from = %g, to = %g)", what,
                         f->start, f->end);
        if (s->period > 0 && f->end > s->period)
            bl_conv_fail(L,
                         "%s: to = %g is past the schedule's period (%g s): shifts lie within "
                         "[0, period]; a night shift is two shifts (22:00-24:00 and 0:00-6:00)",
                         what, f->end, s->period);
        f->servers = (unsigned)servers;
        top = f->servers > top ? f->servers : top;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* Stable insertion sort by start, remembering where each shift was
     * given so the overlap message names them as the user wrote them. */
    size_t *order = lua_newuserdatauv(L, n * sizeof *order, 0); /* freed by the Lua state */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) {
        bl_shift_t f = s->shifts[i];
        size_t o = order[i], j = i;
        for (; j > 0 && s->shifts[j - 1].start > f.start; j--) {
            s->shifts[j] = s->shifts[j - 1];
            order[j] = order[j - 1];
        }
        s->shifts[j] = f;
        order[j] = o;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        const bl_shift_t *a = &s->shifts[i], *b = &s->shifts[i + 1];
        if (b->start < a->end) {
            char a0[32], a1[32], b0[32], b1[32];
            clock_text(a->start, a0, sizeof a0);
            clock_text(a->end, a1, sizeof a1);
            clock_text(b->start, b0, sizeof b0);
            clock_text(b->end, b1, sizeof b1);
            size_t oa = order[i] + 1, ob = order[i + 1] + 1;
            bl_conv_fail(L,
                         "%s: shifts overlap: shift %zu (%s to %s, %u servers) and shift %zu (%s "
                         "to %s, %u servers): end one shift where the next begins",
                         pre, oa < ob ? oa : ob, oa < ob ? a0 : b0, oa < ob ? a1 : b1,
                         oa < ob ? a->servers : b->servers, oa < ob ? ob : oa, oa < ob ? b0 : a0,
                         oa < ob ? b1 : a1, oa < ob ? b->servers : a->servers);
        }
    }
    lua_pop(L, 1); /* order */
    if (top == 0)
        bl_conv_fail(L, "%s: every shift has 0 servers: nobody would ever be served", pre);
    st->servers = top;
}

/* servers = n | bl.shifts{...}; risk checks default to 1. */
static void convert_servers(lua_State *L, int s, bl_station_def_t *st, const char *pre) {
    int type = bl_conv_field(L, s, "servers");
    const char *tag = bl_conv_tag(L, -1);
    if (tag != NULL && strcmp(tag, "shifts") == 0) {
        convert_shifts(L, lua_gettop(L), st);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    long long servers = 0;
    if (type == LUA_TNIL && st->kind == BL_STATION_RISK)
        servers = 1; /* a risk check takes no time by default */
    else if (type == LUA_TNIL)
        bl_conv_fail(
            L, "%s: servers= is required (officers, lanes or machines working in parallel)", pre);
    else if (type == LUA_TTABLE)
        bl_conv_fail(L, "%s: servers must be a number or bl.shifts{...} (got %s)", pre,
                     bl_conv_show(L, -1));
    else
        bl_conv_int_field(L, s, "servers", pre, 1, 1000000, &servers);
    st->servers = (unsigned)servers;
}

/* service = dist | {default = dist, <class> = dist, ...}. */
static void convert_service(lua_State *L, int s, const bl_scenario_t *sc, bl_station_def_t *st,
                            const char *pre) {
    const double zero = 0;
    const double *def = st->kind == BL_STATION_RISK ? &zero : NULL;
    int type = bl_conv_field(L, s, "service");
    if (type != LUA_TTABLE || bl_conv_tag(L, -1) != NULL) {
        lua_pop(L, 1);
        bl_conv_dist_field(L, s, "service", pre, &st->service, def);
        return;
    }
    int t = lua_gettop(L);
    char what[460];
    size_t n = sc->n_classes;
    st->service_by_class = bl_conv_alloc(L, n, sizeof *st->service_by_class);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (k != NULL && strcmp(k, "default") == 0) {
            bl_conv_dist_value(L, -1, pre, "service.default", &st->service);
        } else {
            int c = k != NULL ? bl_scenario_class_index(sc, k) : -1;
            if (c < 0)
                bl_conv_fail(L,
                             "%s: service: '%s' is not a class (classes: %s): key the table by "
                             "class name, or default = for the others",
                             pre, k != NULL ? k : lua_tostring(L, -2), push_classes(L, sc));
            snprintf(what, sizeof what, "service.%s", k);
            bl_dist_fini(&st->service_by_class[c]);
            bl_conv_dist_value(L, -1, pre, what, &st->service_by_class[c]);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (st->service.kind != 0)
        return;
    for (size_t c = 0; c < n; c++)
        if (st->service_by_class[c].kind == 0) {
            if (def != NULL) {
                bl_error_t e;
                if (bl_dist_deterministic(&st->service, *def, &e) != 0)
                    bl_conv_nomem(L);
                return;
            }
            bl_conv_fail(L, "%s: service: no time for class '%s': give default = or %s =", pre,
                         sc->classes[c].name, sc->classes[c].name);
        }
    /* every class has its own: the default is never used, keep a copy */
    if (bl_dist_copy(&st->service, &st->service_by_class[0]) != 0)
        bl_conv_nomem(L);
}

/* ------------------------------------------------------------ stations */

static const struct {
    const char *kind, *ctor;
    int code;
} kinds[] = {{"service", "bl.station", BL_STATION_SERVICE},
             {"risk", "bl.risk_check", BL_STATION_RISK},
             {"scan", "bl.scan", BL_STATION_SCAN},
             {"search", "bl.search", BL_STATION_SEARCH},
             {"review", "bl.review", BL_STATION_REVIEW}};

/* The stations' names, kinds and lines (routes and classes point at them). */
static void station_names(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    if (bl_conv_field(L, job, "stations") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        bl_conv_fail(L,
                     "%s: stations= needs a list of at least one station, as in stations = "
                     "{bl.station{\"counter\", servers = 2, service = bl.exponential{mean = 60}}}",
                     jpre);
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    sc->stations = bl_conv_alloc(L, n, sizeof *sc->stations);
    sc->n_stations = n;
    for (size_t i = 0; i < n; i++) {
        bl_station_def_t *st = &sc->stations[i];
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        const char *tag = bl_conv_tag(L, -1);
        if (tag == NULL || strcmp(tag, "station") != 0)
            bl_conv_fail(
                L,
                "%s: stations[%zu] is not a station (got %s): use bl.station, bl.risk_check, "
                "bl.scan, bl.search or bl.review",
                jpre, i + 1, bl_conv_show(L, -1));
        char pre[300];
        bl_conv_where(L, -1, "station", pre, sizeof pre);
        const char *name = bl_conv_str_field(L, lua_gettop(L), "name", pre);
        const char *kind = bl_conv_str_field(L, lua_gettop(L), "kind", pre);
        if (name == NULL || kind == NULL || strcmp(name, "exit") == 0)
            bl_conv_fail(L, "%s: 'exit' is where entities leave: name the station otherwise", pre);
        if (station_index(sc, name) >= 0)
            bl_conv_fail(L, "%s '%s': a station with this name is already declared", pre, name);
        st->name = bl_conv_dup(L, name);
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(kind, kinds[k].kind) == 0)
                st->kind = kinds[k].code;
        bl_conv_field(L, -1, "_line");
        st->line = (int)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

static double unit_field(lua_State *L, int s, const char *name, const char *pre, double def) {
    double v = def;
    if (bl_conv_num_field(L, s, name, pre, &v) && !(v >= 0 && v <= 1))
        bl_conv_fail(L, "%s: %s must be a probability from 0 to 1 (got %g)", pre, name, v);
    return v;
}

static void convert_station(lua_State *L, int s, bl_scenario_t *sc, size_t i) {
    bl_station_def_t *st = &sc->stations[i];
    int def = i + 1 < sc->n_stations ? (int)i + 1 : BL_EXIT;
    char pre[400], what[200];
    snprintf(what, sizeof what, "station '%s'", st->name);
    bl_conv_where(L, s, what, pre, sizeof pre);
    convert_servers(L, s, st, pre);
    convert_service(L, s, sc, st, pre);
    bool patient = bl_conv_dist_opt(L, s, "patience", pre, &st->patience);
    st->on_renege = target_field(L, s, sc, pre, "reneged", BL_EXIT);
    if (!patient && st->on_renege != BL_EXIT)
        bl_conv_fail(L, "%s: reneged= says where impatient entities go: give patience= too", pre);
    switch (st->kind) {
    case BL_STATION_SERVICE:
        convert_route(L, s, sc, pre, def, &st->next);
        break;
    case BL_STATION_RISK:
        if (bl_conv_num_field(L, s, "budget_per_hour", pre, &st->budget_per_hour) &&
            !(st->budget_per_hour >= 0))
            bl_conv_fail(L, "%s: budget_per_hour must be >= 0 (got %g)", pre, st->budget_per_hour);
        if (!bl_conv_num_field(L, s, "threshold", pre, &st->threshold) &&
            !(st->budget_per_hour > 0))
            bl_conv_fail(L,
                         "%s: threshold= is required (a risk score from 0 to 1), or "
                         "budget_per_hour= (the riskiest k an hour)",
                         pre);
        st->on_yes = target_field(L, s, sc, pre, "selected", -2);
        st->on_no = target_field(L, s, sc, pre, "otherwise", def);
        break;
    case BL_STATION_SCAN:
        if (!bl_conv_num_field(L, s, "threshold", pre, &st->threshold))
            st->threshold = 0.5;
        st->on_yes = target_field(L, s, sc, pre, "alarm", -2);
        st->on_no = target_field(L, s, sc, pre, "clear", def);
        break;
    case BL_STATION_SEARCH:
        if (!bl_conv_num_field(L, s, "find_probability", pre, &st->find_probability) ||
            st->find_probability < 0 || st->find_probability > 1)
            bl_conv_fail(L, "%s: find_probability= is required, from 0 to 1", pre);
        st->on_yes = target_field(L, s, sc, pre, "found", def);
        st->on_no = target_field(L, s, sc, pre, "not_found", def);
        break;
    case BL_STATION_REVIEW:
        st->confirm_carrier = unit_field(L, s, "confirm_carrier", pre, 1);
        st->confirm_clean = unit_field(L, s, "confirm_clean", pre, 0);
        st->on_yes = target_field(L, s, sc, pre, "confirmed", def);
        st->on_no = target_field(L, s, sc, pre, "overridden", def);
        break;
    default:
        bl_conv_fail(L, "%s: unknown station kind", pre);
    }
    if (st->kind == BL_STATION_SCAN && sc->plugins[BL_ROLE_DETECTOR].spec == NULL &&
        sc->surrogate.path == NULL)
        bl_conv_fail(L,
                     "%s is a bl.scan: it needs a detector, plugins = {detector = bl.plugin{...}} "
                     "or surrogate = bl.surrogate{results = ...} in bl.checkpoint",
                     pre);
    static const struct {
        int kind, role;
        const char *ctor, *what;
    } needs[] = {{BL_STATION_RISK, BL_ROLE_RISK, "bl.risk_check", "a risk model"},
                 {BL_STATION_SEARCH, BL_ROLE_STORE, "bl.search", "a seizure store"}};
    for (size_t k = 0; k < 2; k++)
        if (st->kind == needs[k].kind && sc->plugins[needs[k].role].spec == NULL)
            bl_conv_fail(
                L, "%s is a %s: it needs %s, plugins = {%s = bl.plugin{...}} in bl.checkpoint", pre,
                needs[k].ctor, needs[k].what, bl_role_name(needs[k].role));
}

static void convert_stations(lua_State *L, int job, bl_scenario_t *sc) {
    bl_conv_field(L, job, "stations");
    int list = lua_gettop(L);
    for (size_t i = 0; i < sc->n_stations; i++) {
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        convert_station(L, lua_gettop(L), sc, i);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ the job */

static void convert_plugins(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    if (bl_conv_field(L, job, "plugins") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    for (int role = 0; role < BL_ROLE_COUNT; role++) {
        if (bl_conv_field(L, t, bl_role_name(role)) != LUA_TNIL) {
            char what[64];
            snprintf(what, sizeof what, "plugins.%s", bl_role_name(role));
            bl_conv_plugin_ref(L, -1, &sc->plugins[role], jpre, what);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* surrogate = bl.surrogate{results = "xray.h5", detector = "...", latency = true}. */
static void convert_surrogate(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    if (bl_conv_field(L, job, "surrogate") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "surrogate") != 0)
        bl_conv_fail(L, "%s: surrogate must be bl.surrogate{results = \"bench.h5\"} (got %s)", jpre,
                     bl_conv_show(L, t));
    char pre[300];
    bl_conv_where(L, t, "bl.surrogate", pre, sizeof pre);
    const char *results = bl_conv_str_field(L, t, "results", pre);
    if (results == NULL || results[0] == '\0')
        bl_conv_fail(L, "%s: results= is required: a detector_bench results file", pre);
    sc->surrogate.path = bl_conv_path(L, sc->path, results);
    const char *det = bl_conv_str_field(L, t, "detector", pre);
    if (det != NULL)
        sc->surrogate.detector = bl_conv_dup(L, det);
    sc->surrogate.latency = bl_conv_bool_field(L, t, "latency", pre, true);
    lua_pop(L, 1);
}

/* replications = n | bl.sequential{...}. */
static void convert_replications(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    bl_conv_field(L, job, "replications");
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "sequential") != 0) {
        lua_pop(L, 1);
        long long v = 1;
        bl_conv_int_field(L, job, "replications", jpre, 1, 1000000, &v);
        sc->replications = (unsigned)v;
        return;
    }
    bl_sequential_t *q = &sc->sequential;
    char pre[300];
    bl_conv_where(L, t, "bl.sequential", pre, sizeof pre);
    const char *metric = bl_conv_str_field(L, t, "metric", pre);
    if (metric == NULL || metric[0] == '\0')
        bl_conv_fail(L,
                     "%s: metric= is required, such as \"sojourn_mean\" or "
                     "\"wait_mean:<station>\"",
                     pre);
    q->metric = bl_conv_dup(L, metric);
    q->enabled = true;
    double hw = 0, rel = 0;
    bool has_hw = bl_conv_num_field(L, t, "half_width", pre, &hw);
    bool has_rel = bl_conv_num_field(L, t, "relative", pre, &rel);
    if (has_hw == has_rel)
        bl_conv_fail(L,
                     "%s: give half_width= (in the metric's unit) or relative= (a share of the "
                     "mean), exactly one",
                     pre);
    if (!((has_hw ? hw : rel) > 0))
        bl_conv_fail(L, "%s: %s must be > 0 (got %g)", pre, has_hw ? "half_width" : "relative",
                     has_hw ? hw : rel);
    q->relative = has_rel;
    q->half_width = has_hw ? hw : rel;
    long long mn = 5, mx = 100, batch = 2;
    bl_conv_int_field(L, t, "min", pre, 2, 1000000, &mn);
    bl_conv_int_field(L, t, "max", pre, 2, 1000000, &mx);
    bl_conv_int_field(L, t, "batch", pre, 1, 1000000, &batch);
    if (mn > mx)
        bl_conv_fail(L, "%s: min = %lld is more than max = %lld", pre, mn, mx);
    q->min_replications = (unsigned)mn;
    q->max_replications = (unsigned)mx;
    q->batch = (unsigned)batch;
    sc->replications = (unsigned)mx;
    lua_pop(L, 1);
}

/* A metric naming a station ("wait_mean:xray") must name one. */
static void check_metric_station(lua_State *L, int job, const bl_scenario_t *sc) {
    const char *m = sc->sequential.metric;
    const char *colon = m != NULL ? strchr(m, ':') : NULL;
    if (colon == NULL)
        return;
    bl_conv_field(L, job, "replications");
    char pre[300];
    bl_conv_where(L, -1, "bl.sequential", pre, sizeof pre);
    bl_conv_target(L, sc, pre, "metric", colon + 1);
    lua_pop(L, 1);
}

static void convert_checkpoint(lua_State *L, int job, bl_scenario_t *sc, const char *pre) {
    long long v = 1;
    convert_replications(L, job, sc, pre);
    bool has_duration = bl_conv_num_field(L, job, "duration", pre, &sc->duration);
    if (has_duration && !(sc->duration > 0))
        bl_conv_fail(L, "%s: duration must be > 0 (got %g)", pre, sc->duration);
    if (bl_conv_int_field(L, job, "max_entities", pre, 1, LLONG_MAX, &v))
        sc->max_entities = (uint64_t)v;
    bool has_replay = bl_conv_field(L, job, "replay") != LUA_TNIL;
    lua_pop(L, 1);
    if (!has_duration && sc->max_entities == 0 && !has_replay)
        bl_conv_fail(
            L, "%s: say when arrivals stop: duration = bl.hours(8), max_entities = 100000, or both",
            pre);
    if (bl_conv_field(L, job, "warmup") == LUA_TTABLE) {
        char what[360];
        snprintf(what, sizeof what, "%s: warmup", pre);
        if (bl_conv_num_field(L, lua_gettop(L), "time", what, &sc->warmup_time) &&
            sc->warmup_time < 0)
            bl_conv_fail(L, "%s: time must be >= 0", what);
        if (bl_conv_int_field(L, lua_gettop(L), "entities", what, 0, LLONG_MAX, &v))
            sc->warmup_entities = (uint64_t)v;
    }
    lua_pop(L, 1);
    sc->entity_table = bl_conv_bool_field(L, job, "entity_table", pre, false);
    sc->series_step = 60;
    if (bl_conv_num_field(L, job, "series_step", pre, &sc->series_step) && !(sc->series_step > 0))
        bl_conv_fail(L, "%s: series_step must be > 0 seconds (got %g)", pre, sc->series_step);
    /* pixel_mm 0: the synthesizer fits a whole bag (600 mm) in the image;
     * a fixed 2 mm at 64 pixels would show a 128 mm crop of it. */
    sc->scan = (bl_scan_spec_t){.width = 64, .height = 64, .pixel_mm = 0};
    if (bl_conv_field(L, job, "scan") == LUA_TTABLE) {
        char what[360];
        snprintf(what, sizeof what, "%s: scan", pre);
        int t = lua_gettop(L);
        if (bl_conv_int_field(L, t, "width", what, 8, 8192, &v))
            sc->scan.width = (uint32_t)v;
        if (bl_conv_int_field(L, t, "height", what, 8, 8192, &v))
            sc->scan.height = (uint32_t)v;
        if (bl_conv_num_field(L, t, "pixel_mm", what, &sc->scan.pixel_mm) &&
            !(sc->scan.pixel_mm > 0))
            bl_conv_fail(L, "%s: pixel_mm must be > 0", what);
    }
    lua_pop(L, 1);
    convert_plugins(L, job, sc, pre); /* before the stations, which check their roles */
    convert_surrogate(L, job, sc, pre);
    station_names(L, job, sc, pre);   /* routes, first= and metrics point at them */
    bl_conv_classes(L, job, sc, pre); /* service tables and routes by class need them */
    bl_conv_replay(L, job, sc, pre);
    if (!has_duration && sc->max_entities == 0)
        for (size_t c = 0; c < sc->n_classes; c++)
            if (sc->classes[c].arrivals.n_segments > 0)
                bl_conv_fail(L,
                             "%s: say when arrivals stop: class '%s' has arrivals=, give "
                             "duration = bl.hours(8), max_entities = 100000, or both",
                             pre, sc->classes[c].name);
    convert_stations(L, job, sc);
    check_metric_station(L, job, sc);
}

const bl_scenario_kind_t bl_checkpoint_kind = {"checkpoint", convert_checkpoint, NULL};
