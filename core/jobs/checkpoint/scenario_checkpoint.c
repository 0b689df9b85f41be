/*
 * Converting a checkpoint job (bl.checkpoint{...}) into a bl_scenario_t:
 * the run settings (replications or bl.sequential, duration, warm-up,
 * series step), plugins and surrogate, and the stations with their
 * capacity (servers or bl.shifts), service times (one or per class),
 * patience and routes.  Classes, arrivals and populations are
 * scenario_classes.c's.  Runs inside the loader's protected call (see
 * scenario_convert.h): a bad value raises an error naming file:line.
 * Every field is read through its constructor's table
 * (checkpoint_fields.c), which holds its default and its doc.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "jobs/checkpoint/checkpoint_fields.h"
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

/* A target field: a station name or "exit" (the index, or BL_EXIT). */
static int read_target(const bl_fields_t *f, const bl_scenario_t *sc, const char *name) {
    int type = bl_push(f, name);
    if (type != LUA_TSTRING)
        bl_conv_fail(f->L, "%s: %s must be a station name or 'exit' (got %s)", f->pre, name,
                     type == LUA_TNIL ? "nothing" : bl_conv_show(f->L, -1));
    int i = bl_conv_target(f->L, sc, f->pre, name, lua_tostring(f->L, -1));
    lua_pop(f->L, 1);
    return i;
}

/* A required target. */
static int check_target(const bl_fields_t *f, const bl_scenario_t *sc, const char *name) {
    return read_target(f, sc, name);
}

/* An optional target; def when absent (the following station: where a
 * station sits is the table's "the following station" default). */
static int opt_target(const bl_fields_t *f, const bl_scenario_t *sc, const char *name, int def) {
    return bl_has(f, name) ? read_target(f, sc, name) : def;
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
    bl_fields_t f = bl_fields(L, rt, &bl_by_class_ctor, pre);
    bool has_default = bl_has(&f, "default");
    if (has_default && bl_push(&f, "default") != LUA_TSTRING)
        bl_conv_fail(L, "%s: default must be a station name or 'exit' (got %s)", pre,
                     bl_conv_show(L, -1));
    if (has_default)
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
    int dflt = opt_target(&f, sc, "default", def);
    for (size_t c = 0; c < n; c++)
        if (!given[c])
            r->target[c] = dflt;
    lua_pop(L, 1); /* given */
}

/* bl.by_attribute{"declared_value", at_least = 1000, yes = "x", no = "y"}. */
static void route_attribute(lua_State *L, int rt, const bl_scenario_t *sc, int def, bl_route_t *r) {
    char pre[400];
    bl_conv_where(L, rt, "bl.by_attribute", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, rt, &bl_by_attribute_ctor, pre);
    const char *name = bl_opt_string(&f, "attribute");
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
    r->threshold = bl_check_number(&f, "at_least");
    r->target = bl_conv_alloc(L, 2, sizeof *r->target);
    r->n = 2;
    r->target[0] = check_target(&f, sc, "yes");
    r->target[1] = opt_target(&f, sc, "no", def);
}

static void convert_route(const bl_fields_t *st, const bl_scenario_t *sc, int def, bl_route_t *r) {
    lua_State *L = st->L;
    const char *pre = st->pre;
    int type = bl_push(st, "next");
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
    bl_fields_t sched = bl_fields(L, sh, &bl_shifts_ctor, pre);
    s->period = bl_opt_number(&sched, "period");
    if (!(s->period >= 0))
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
        bl_fields_t sf = bl_fields(L, e, &bl_shift_ctor, what);
        f->start = bl_check_number(&sf, "from");
        f->end = bl_check_number(&sf, "to");
        long long servers = bl_check_integer(&sf, "servers", 0, 1000000);
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

/* servers = n | bl.shifts{...} (the table says whether it is required:
 * a risk check has 1 unless told). */
static void convert_servers(const bl_fields_t *f, bl_station_def_t *st) {
    lua_State *L = f->L;
    int type = bl_push(f, "servers");
    const char *tag = bl_conv_tag(L, -1);
    if (tag != NULL && strcmp(tag, "shifts") == 0) {
        convert_shifts(L, lua_gettop(L), st);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (type == LUA_TTABLE)
        bl_conv_fail(L, "%s: servers must be a number or bl.shifts{...} (got %s)", f->pre,
                     bl_conv_show(L, -1));
    st->servers = (unsigned)bl_opt_integer(f, "servers", 1, 1000000);
}

/* A duration's distribution must not draw below 0 (it would silently
 * become 0 in the engine). */
static void check_duration(lua_State *L, const char *pre, const char *what, const bl_dist_t *d) {
    double low = bl_dist_min(d);
    if (d->kind != 0 && low < 0)
        bl_conv_fail(L,
                     "%s: %s can draw %g seconds: a duration cannot be negative; give a "
                     "distribution of values >= 0",
                     pre, what, low);
}

/* service = dist | {default = dist, <class> = dist, ...} (the table says
 * whether it is required: a risk check takes no time unless told). */
static void convert_service(const bl_fields_t *f, const bl_scenario_t *sc, bl_station_def_t *st) {
    lua_State *L = f->L;
    const char *pre = f->pre;
    int type = bl_push(f, "service");
    if (type != LUA_TTABLE || bl_conv_tag(L, -1) != NULL) {
        lua_pop(L, 1);
        bl_opt_dist(f, "service", &st->service);
        if (st->service.kind == 0)
            bl_check_dist(f, "service", &st->service);
        check_duration(L, pre, "service", &st->service);
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
            check_duration(L, pre, "service.default", &st->service);
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
            check_duration(L, pre, what, &st->service_by_class[c]);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (st->service.kind != 0)
        return;
    for (size_t c = 0; c < n; c++)
        if (st->service_by_class[c].kind == 0) {
            /* the classes without their own take the table's default, when it has one */
            if (bl_default_dist(f, "service", &st->service))
                return;
            bl_conv_fail(L, "%s: service: no time for class '%s': give default = or %s =", pre,
                         sc->classes[c].name, sc->classes[c].name);
        }
    /* every class has its own: the default is never used, keep a copy */
    if (bl_dist_copy(&st->service, &st->service_by_class[0]) != 0)
        bl_conv_nomem(L);
}

/* ------------------------------------------------------------ stations */

/* The station constructors: the kind their objects carry, the station
 * kind, and the field table each is read through. */
static const struct {
    const char *kind;
    int code;
    const bl_ctor_t *ctor;
} kinds[] = {{"service", BL_STATION_SERVICE, &bl_station_ctor},
             {"risk", BL_STATION_RISK, &bl_risk_check_ctor},
             {"scan", BL_STATION_SCAN, &bl_scan_ctor},
             {"search", BL_STATION_SEARCH, &bl_search_ctor},
             {"review", BL_STATION_REVIEW, &bl_review_ctor}};

/* The field table of a station kind. */
static const bl_ctor_t *station_ctor(int code) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (kinds[k].code == code)
            return kinds[k].ctor;
    return &bl_station_ctor;
}

/* The stations' names, kinds and lines (routes and classes point at them). */
static void station_names(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    bl_fields_t f = bl_fields(L, job, &bl_checkpoint_ctor, jpre);
    if (bl_push(&f, "stations") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
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
        const char *kind = bl_conv_str_field(L, lua_gettop(L), "kind", pre);
        for (size_t k = 0; kind != NULL && k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(kind, kinds[k].kind) == 0)
                st->kind = kinds[k].code;
        bl_fields_t sf = bl_fields(L, -1, station_ctor(st->kind), pre);
        const char *name = bl_opt_string(&sf, "name");
        if (name == NULL || kind == NULL || strcmp(name, "exit") == 0)
            bl_conv_fail(L, "%s: 'exit' is where entities leave: name the station otherwise", pre);
        if (station_index(sc, name) >= 0)
            bl_conv_fail(L, "%s '%s': a station with this name is already declared", pre, name);
        st->name = bl_conv_dup(L, name);
        bl_conv_field(L, -1, "_line");
        st->line = (int)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

/* A probability from 0 to 1 (the table's default when absent). */
static double opt_probability(const bl_fields_t *f, const char *name) {
    double v = bl_opt_number(f, name);
    if (!(v >= 0 && v <= 1))
        bl_conv_fail(f->L, "%s: %s must be a probability from 0 to 1 (got %g)", f->pre, name, v);
    return v;
}

static void convert_station(lua_State *L, int s, bl_scenario_t *sc, size_t i) {
    bl_station_def_t *st = &sc->stations[i];
    int def = i + 1 < sc->n_stations ? (int)i + 1 : BL_EXIT; /* the following station */
    char pre[400], what[200];
    snprintf(what, sizeof what, "station '%s'", st->name);
    bl_conv_where(L, s, what, pre, sizeof pre);
    bl_fields_t f = bl_fields(L, s, station_ctor(st->kind), pre);
    convert_servers(&f, st);
    convert_service(&f, sc, st);
    bl_opt_dist(&f, "patience", &st->patience);
    check_duration(L, pre, "patience", &st->patience);
    st->on_renege = opt_target(&f, sc, "reneged", BL_EXIT);
    if (st->patience.kind == 0 && st->on_renege != BL_EXIT)
        bl_conv_fail(L, "%s: reneged= says where impatient entities go: give patience= too", pre);
    switch (st->kind) {
    case BL_STATION_SERVICE:
        convert_route(&f, sc, def, &st->next);
        break;
    case BL_STATION_RISK:
        st->budget_per_hour = bl_opt_number(&f, "budget_per_hour");
        if (!(st->budget_per_hour >= 0))
            bl_conv_fail(L, "%s: budget_per_hour must be >= 0 (got %g)", pre, st->budget_per_hour);
        if (bl_has(&f, "threshold"))
            st->threshold = bl_check_number(&f, "threshold");
        else if (!(st->budget_per_hour > 0))
            bl_conv_fail(L,
                         "%s: threshold= is required (a risk score from 0 to 1), or "
                         "budget_per_hour= (the riskiest k an hour)",
                         pre);
        st->on_yes = check_target(&f, sc, "selected");
        st->on_no = opt_target(&f, sc, "otherwise", def);
        break;
    case BL_STATION_SCAN:
        st->threshold = bl_opt_number(&f, "threshold");
        st->on_yes = check_target(&f, sc, "alarm");
        st->on_no = opt_target(&f, sc, "clear", def);
        break;
    case BL_STATION_SEARCH:
        st->find_probability = bl_check_number(&f, "find_probability");
        if (st->find_probability < 0 || st->find_probability > 1)
            bl_conv_fail(L, "%s: find_probability= is required, from 0 to 1", pre);
        st->on_yes = opt_target(&f, sc, "found", def);
        st->on_no = opt_target(&f, sc, "not_found", def);
        break;
    case BL_STATION_REVIEW:
        st->confirm_carrier = opt_probability(&f, "confirm_carrier");
        st->confirm_clean = opt_probability(&f, "confirm_clean");
        st->on_yes = opt_target(&f, sc, "confirmed", def);
        st->on_no = opt_target(&f, sc, "overridden", def);
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

static void convert_stations(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    bl_push(job, "stations");
    int list = lua_gettop(L);
    for (size_t i = 0; i < sc->n_stations; i++) {
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        convert_station(L, lua_gettop(L), sc, i);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ the job */

/* plugins = {detector = bl.plugin{...}, risk = ..., store = ...}. */
static void convert_plugins(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    if (bl_push(job, "plugins") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    char what[360];
    snprintf(what, sizeof what, "%s: plugins", job->pre);
    bl_fields_t f = bl_fields(L, -1, &bl_checkpoint_plugins_ctor, what);
    for (int role = 0; role < BL_ROLE_COUNT; role++) {
        if (bl_push(&f, bl_role_name(role)) != LUA_TNIL) {
            char field[64];
            snprintf(field, sizeof field, "plugins.%s", bl_role_name(role));
            bl_conv_plugin_ref(L, -1, &sc->plugins[role], job->pre, field);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* surrogate = bl.surrogate{results = "xray.h5", detector = "...", latency = true}. */
static void convert_surrogate(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    if (bl_push(job, "surrogate") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "surrogate") != 0)
        bl_conv_fail(L, "%s: surrogate must be bl.surrogate{results = \"bench.h5\"} (got %s)",
                     job->pre, bl_conv_show(L, t));
    char pre[300];
    bl_conv_where(L, t, "bl.surrogate", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, t, &bl_surrogate_ctor, pre);
    const char *results = bl_check_string(&f, "results");
    if (results[0] == '\0')
        bl_conv_fail(L, "%s: results= is required: a detector_bench results file", pre);
    sc->surrogate.path = bl_conv_path(L, sc->path, results);
    const char *det = bl_opt_string(&f, "detector");
    if (det != NULL)
        sc->surrogate.detector = bl_conv_dup(L, det);
    sc->surrogate.latency = bl_opt_boolean(&f, "latency");
    lua_pop(L, 1);
}

/* replications = n | bl.sequential{...}. */
static void convert_replications(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    bl_push(job, "replications");
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "sequential") != 0) {
        lua_pop(L, 1);
        sc->replications = (unsigned)bl_opt_integer(job, "replications", 1, 1000000);
        return;
    }
    bl_sequential_t *q = &sc->sequential;
    char pre[300];
    bl_conv_where(L, t, "bl.sequential", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, t, &bl_sequential_ctor, pre);
    const char *metric = bl_opt_string(&f, "metric");
    if (metric == NULL || metric[0] == '\0')
        bl_conv_fail(L,
                     "%s: metric= is required, such as \"sojourn_mean\" or "
                     "\"wait_mean:<station>\"",
                     pre);
    q->metric = bl_conv_dup(L, metric);
    q->enabled = true;
    bool has_hw = bl_has(&f, "half_width"), has_rel = bl_has(&f, "relative");
    if (has_hw == has_rel)
        bl_conv_fail(L,
                     "%s: give half_width= (in the metric's unit) or relative= (a share of the "
                     "mean), exactly one",
                     pre);
    double v = bl_check_number(&f, has_hw ? "half_width" : "relative");
    if (!(v > 0))
        bl_conv_fail(L, "%s: %s must be > 0 (got %g)", pre, has_hw ? "half_width" : "relative", v);
    q->relative = has_rel;
    q->half_width = v;
    long long mn = bl_opt_integer(&f, "min", 2, 1000000);
    long long mx = bl_opt_integer(&f, "max", 2, 1000000);
    long long batch = bl_opt_integer(&f, "batch", 1, 1000000);
    if (mn > mx)
        bl_conv_fail(L, "%s: min = %lld is more than max = %lld", pre, mn, mx);
    q->min_replications = (unsigned)mn;
    q->max_replications = (unsigned)mx;
    q->batch = (unsigned)batch;
    sc->replications = (unsigned)mx;
    lua_pop(L, 1);
}

/* A metric naming a station ("wait_mean:xray") must name one. */
static void check_metric_station(const bl_fields_t *job, const bl_scenario_t *sc) {
    const char *m = sc->sequential.metric;
    const char *colon = m != NULL ? strchr(m, ':') : NULL;
    if (colon == NULL)
        return;
    bl_push(job, "replications");
    char pre[300];
    bl_conv_where(job->L, -1, "bl.sequential", pre, sizeof pre);
    bl_conv_target(job->L, sc, pre, "metric", colon + 1);
    lua_pop(job->L, 1);
}

/* warmup = {time = ...} | {entities = ...}. */
static void convert_warmup(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    if (bl_push(job, "warmup") == LUA_TTABLE) {
        char what[360];
        snprintf(what, sizeof what, "%s: warmup", job->pre);
        bl_fields_t f = bl_fields(L, -1, &bl_checkpoint_warmup_ctor, what);
        sc->warmup_time = bl_opt_number(&f, "time");
        if (sc->warmup_time < 0)
            bl_conv_fail(L, "%s: time must be >= 0", what);
        sc->warmup_entities = (uint64_t)bl_opt_integer(&f, "entities", 0, LLONG_MAX);
    }
    lua_pop(L, 1);
}

/* scan = {width =, height =, pixel_mm =}: the synthetic scans.  pixel_mm
 * 0 (the default) fits a whole bag (600 mm) in the image; a fixed 2 mm at
 * 64 pixels would show a 128 mm crop of it. */
static void convert_scan(const bl_fields_t *job, bl_scenario_t *sc) {
    lua_State *L = job->L;
    char what[360];
    snprintf(what, sizeof what, "%s: scan", job->pre);
    bool given = bl_push(job, "scan") == LUA_TTABLE;
    if (!given) { /* the table's defaults, read from an empty table */
        lua_pop(L, 1);
        lua_newtable(L);
    }
    bl_fields_t f = bl_fields(L, -1, &bl_checkpoint_scan_ctor, what);
    sc->scan.width = (uint32_t)bl_opt_integer(&f, "width", 8, 8192);
    sc->scan.height = (uint32_t)bl_opt_integer(&f, "height", 8, 8192);
    bool has_pixel = bl_has(&f, "pixel_mm");
    sc->scan.pixel_mm = bl_opt_number(&f, "pixel_mm");
    if (has_pixel && !(sc->scan.pixel_mm > 0))
        bl_conv_fail(L, "%s: pixel_mm must be > 0", what);
    lua_pop(L, 1);
}

static void convert_checkpoint(lua_State *L, int t, bl_scenario_t *sc, const char *pre) {
    bl_fields_t job = bl_fields(L, t, &bl_checkpoint_ctor, pre);
    convert_replications(&job, sc);
    bool has_duration = bl_has(&job, "duration");
    if (has_duration) {
        sc->duration = bl_check_number(&job, "duration");
        if (!(sc->duration > 0))
            bl_conv_fail(L, "%s: duration must be > 0 (got %g)", pre, sc->duration);
    }
    if (bl_has(&job, "max_entities"))
        sc->max_entities = (uint64_t)bl_check_integer(&job, "max_entities", 1, LLONG_MAX);
    if (!has_duration && sc->max_entities == 0 && !bl_has(&job, "replay"))
        bl_conv_fail(
            L, "%s: say when arrivals stop: duration = bl.hours(8), max_entities = 100000, or both",
            pre);
    convert_warmup(&job, sc);
    sc->entity_table = bl_opt_boolean(&job, "entity_table");
    sc->series_step = bl_opt_number(&job, "series_step");
    if (!(sc->series_step > 0))
        bl_conv_fail(L, "%s: series_step must be > 0 seconds (got %g)", pre, sc->series_step);
    convert_scan(&job, sc);
    convert_plugins(&job, sc); /* before the stations, which check their roles */
    convert_surrogate(&job, sc);
    station_names(L, t, sc, pre); /* routes, first= and metrics point at them */
    bl_conv_classes(&job, sc);    /* service tables and routes by class need them */
    bl_conv_replay(&job, sc);
    if (!has_duration && sc->max_entities == 0)
        for (size_t c = 0; c < sc->n_classes; c++)
            if (sc->classes[c].arrivals.n_segments > 0)
                bl_conv_fail(L,
                             "%s: say when arrivals stop: class '%s' has arrivals=, give "
                             "duration = bl.hours(8), max_entities = 100000, or both",
                             pre, sc->classes[c].name);
    convert_stations(&job, sc);
    check_metric_station(&job, sc);
}

const bl_scenario_kind_t bl_checkpoint_kind = {
    .name = "checkpoint",
    .convert = convert_checkpoint,
    .free_settings = NULL,
    .ctors = bl_checkpoint_ctors,
};
