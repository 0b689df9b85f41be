/*
 * Loading a scenario: see scenario_lua.h.
 *
 * One Lua state per load (lua_bl.c: memory ceiling, instruction limit and
 * the sandbox the script runs in), closed before returning.  Every call
 * into Lua goes through call_lua(), which turns a failure into BL_ELUA
 * with the script's path:line.  The table the script returns is converted
 * here (checkpoint jobs; detector_bench jobs in scenario_bench.c and
 * risk_validation jobs in scenario_risk.c, with the helpers of
 * scenario_convert.h), inside a protected call, so a malformed
 * value is an error naming the file:line of the constructor that built it,
 * never a crash; the structures are attached to the scenario as they are
 * built, so the caller's bl_scenario_free_contents releases them on every
 * path.
 */
#include "scenario_lua.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_bl.h"
#include "paths.h"
#include "scenario_convert.h"
#include "xray.h"

/* ------------------------------------------------------------ protected calls */

static int message_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Fill err from the failure status st with the message on top of the stack
 * (popped).  A message without the script's name gets "path: " in front; a
 * traceback is kept only when it shows two or more frames of the user's. */
static int lua_failure(lua_State *L, int st, const char *path, bl_error_t *err) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    if (ctx->pending.code != 0) {
        lua_pop(L, 1);
        return bl_error_set(err, ctx->pending.code, "%s", ctx->pending.message);
    }
    if (st == LUA_ERRMEM) {
        lua_pop(L, 1);
        if (ctx->mem_refused)
            return bl_error_set(err, BL_ELUA, "%s: the scenario needs more than %zu MB to describe",
                                path, ctx->mem_limit >> 20);
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
    }
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL)
        msg = "(error object is not a string)";
    const char *tb = strstr(msg, "\nstack traceback:\n");
    size_t head = tb != NULL ? (size_t)(tb - msg) : strlen(msg);
    char frames[512] = "";
    size_t used = 0, kept = 0;
    for (const char *f = tb != NULL ? strstr(tb + 1, "\n\t") : NULL; f != NULL;) {
        const char *start = f + 2, *end = strstr(start, "\n\t");
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        if (strncmp(start, "[C]", 3) != 0 && strncmp(start, "lua/borderlab/", 14) != 0 &&
            strncmp(start, "(...", 4) != 0 && used + len + 3 < sizeof frames) {
            used +=
                (size_t)snprintf(frames + used, sizeof frames - used, "\n\t%.*s", (int)len, start);
            kept++;
        }
        f = end;
    }
    size_t plen = strlen(path);
    bool named = strncmp(msg, path, plen) == 0 && msg[plen] == ':';
    bl_error_set(err, BL_ELUA, "%s%s%.*s%s%s", named ? "" : path, named ? "" : ": ", (int)head, msg,
                 kept >= 2 ? "\nstack traceback:" : "", kept >= 2 ? frames : "");
    lua_pop(L, 1);
    return BL_ELUA;
}

/* The one way into Lua: call the function below nargs arguments with a
 * traceback handler; a failure becomes err.  An error left pending in the
 * context (a bad --set) wins, even when the script caught it. */
static int call_lua(lua_State *L, int nargs, int nresults, const char *path, bl_error_t *err) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (st != LUA_OK)
        return lua_failure(L, st, path, err);
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    if (ctx->pending.code != 0)
        return bl_error_set(err, ctx->pending.code, "%s", ctx->pending.message);
    return 0;
}

/* ------------------------------------------------------------ conversion helpers */

/* Shared with scenario_bench.c; documented in scenario_convert.h. */

int bl_conv_fail(lua_State *L, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lua_pushstring(L, buf);
    return lua_error(L);
}

int bl_conv_nomem(lua_State *L) {
    bl_error_set(&bl_lua_ctx(L)->pending, BL_ENOMEM, "out of memory reading the scenario");
    lua_pushliteral(L, "out of memory");
    return lua_error(L);
}

static char *dup(lua_State *L, const char *s) {
    char *d = strdup(s);
    if (d == NULL)
        bl_conv_nomem(L);
    return d;
}

void *bl_conv_alloc(lua_State *L, size_t n, size_t size) {
    void *p = calloc(n > 0 ? n : 1, size);
    if (p == NULL)
        bl_conv_nomem(L);
    return p;
}

const char *bl_conv_tag(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return NULL;
    lua_pushliteral(L, "__bl");
    lua_rawget(L, -2);
    const char *k = lua_tostring(L, -1); /* kept alive by the metatable */
    lua_pop(L, 2);
    return k;
}

int bl_conv_field(lua_State *L, int t, const char *name) {
    t = lua_absindex(L, t);
    lua_pushstring(L, name);
    return lua_rawget(L, t);
}

void bl_conv_where(lua_State *L, int idx, const char *what, char *out, size_t n) {
    idx = lua_absindex(L, idx);
    bl_conv_field(L, idx, "_src");
    bl_conv_field(L, idx, "_line");
    const char *src = lua_tostring(L, -2);
    long long line = (long long)lua_tointeger(L, -1);
    if (src == NULL || line <= 0)
        snprintf(out, n, "%s: %s", bl_lua_ctx(L)->sc->path, what);
    else
        snprintf(out, n, "%s:%lld: %s", src, line, what);
    lua_pop(L, 2);
}

const char *bl_conv_show(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_pushfstring(L, "'%s'", lua_tostring(L, idx));
    case LUA_TNUMBER:
    case LUA_TBOOLEAN:
        return luaL_tolstring(L, idx, NULL);
    default:
        return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    }
}

bool bl_conv_num_field(lua_State *L, int t, const char *name, const char *pre, double *out) {
    int type = bl_conv_field(L, t, name);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    if (type != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
        bl_conv_fail(L, "%s: %s must be a finite number (got %s)", pre, name, bl_conv_show(L, -1));
    *out = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return true;
}

bool bl_conv_int_field(lua_State *L, int t, const char *name, const char *pre, long long min,
                       long long max, long long *out) {
    int type = bl_conv_field(L, t, name);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    double d = lua_tonumber(L, -1);
    if (type != LUA_TNUMBER || !(d >= (double)min && d <= (double)max) || d != floor(d))
        bl_conv_fail(L, "%s: %s must be an integer from %lld to %lld (got %s)", pre, name, min, max,
                     bl_conv_show(L, -1));
    *out = lua_isinteger(L, -1) ? (long long)lua_tointeger(L, -1) : (long long)d;
    lua_pop(L, 1);
    return true;
}

bool bl_conv_bool_field(lua_State *L, int t, const char *name, const char *pre, bool def) {
    int type = bl_conv_field(L, t, name);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        bl_conv_fail(L, "%s: %s must be true or false (got %s)", pre, name, bl_conv_show(L, -1));
    bool v = type == LUA_TNIL ? def : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *bl_conv_str_field(lua_State *L, int t, const char *name, const char *pre) {
    int type = bl_conv_field(L, t, name);
    if (type != LUA_TNIL && type != LUA_TSTRING)
        bl_conv_fail(L, "%s: %s must be a string (got %s)", pre, name, bl_conv_show(L, -1));
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

char *bl_conv_path(lua_State *L, const char *scenario, const char *path) {
    char *dir = path[0] == '/' ? NULL : bl_path_dir(scenario);
    char *out = NULL;
    if (path[0] == '/' || (dir != NULL && strcmp(dir, ".") == 0))
        out = strdup(path);
    else if (dir != NULL)
        out = bl_path_join(dir, path);
    free(dir);
    if (out == NULL)
        bl_conv_nomem(L);
    return out;
}

/* A distribution field into *out (a number means deterministic).  Absent:
 * deterministic(*def) when def is given, else an error. */
static void dist_field(lua_State *L, int t, const char *name, const char *pre, bl_dist_t *out,
                       const double *def) {
    int type = bl_conv_field(L, t, name);
    const bl_dist_t *d = bl_lua_todist(L, -1);
    bl_error_t e;
    bl_error_clear(&e);
    if (d != NULL) {
        if (bl_dist_copy(out, d) != 0)
            bl_conv_nomem(L);
    } else if (type == LUA_TNUMBER || (type == LUA_TNIL && def != NULL)) {
        if (bl_dist_deterministic(out, type == LUA_TNIL ? *def : lua_tonumber(L, -1), &e) != 0)
            bl_conv_fail(L, "%s: %s: %s", pre, name, e.message);
    } else if (type == LUA_TNIL) {
        bl_conv_fail(L, "%s: %s= is required (a distribution such as bl.exponential{mean = 30})",
                     pre, name);
    } else {
        bl_conv_fail(L, "%s: %s must be a distribution such as bl.exponential{mean = 30} (got %s)",
                     pre, name, bl_conv_show(L, -1));
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ stations */

/* Index of a station by name among those named so far, or -1. */
static int station_index(const bl_scenario_t *sc, const char *name) {
    for (size_t i = 0; i < sc->n_stations && sc->stations[i].name != NULL; i++)
        if (strcmp(sc->stations[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Station index of a route target, BL_EXIT for "exit". */
static int target(lua_State *L, const bl_scenario_t *sc, const char *pre, const char *fname,
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
    int i = target(L, sc, pre, name, lua_tostring(L, -1));
    lua_pop(L, 1);
    return i;
}

static void convert_route(lua_State *L, int s, const bl_scenario_t *sc, const char *pre, int def,
                          bl_route_t *r) {
    int type = bl_conv_field(L, s, "next");
    int rt = lua_gettop(L);
    const char *tag = bl_conv_tag(L, rt);
    if (type == LUA_TNIL || type == LUA_TSTRING) {
        r->target = bl_conv_alloc(L, 1, sizeof *r->target);
        r->cum = bl_conv_alloc(L, 1, sizeof *r->cum);
        r->n = 1;
        r->target[0] = type == LUA_TNIL ? def : target(L, sc, pre, "next", lua_tostring(L, rt));
        r->cum[0] = 1;
    } else if (tag != NULL && strcmp(tag, "route") == 0) {
        bl_conv_field(L, rt, "targets");
        bl_conv_field(L, rt, "probs");
        size_t n = lua_rawlen(L, -2);
        r->target = bl_conv_alloc(L, n, sizeof *r->target);
        r->cum = bl_conv_alloc(L, n, sizeof *r->cum);
        r->n = n;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -2, (lua_Integer)i + 1);
            lua_rawgeti(L, -2, (lua_Integer)i + 1);
            double p = lua_tonumber(L, -1);
            if (!lua_isstring(L, -2) || !(p >= 0 && isfinite(p)))
                bl_conv_fail(L, "%s: next: route entry %zu needs a station and a probability >= 0",
                             pre, i + 1);
            r->target[i] = target(L, sc, pre, "next", lua_tostring(L, -2));
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
    } else {
        bl_conv_fail(L, "%s: next must be a station name, 'exit' or bl.route{...} (got %s)", pre,
                     bl_conv_show(L, rt));
    }
    lua_pop(L, 1);
}

static void convert_stations(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    static const struct {
        const char *kind, *ctor;
        int code;
    } kinds[] = {{"service", "bl.station", BL_STATION_SERVICE},
                 {"risk", "bl.risk_check", BL_STATION_RISK},
                 {"scan", "bl.scan", BL_STATION_SCAN},
                 {"search", "bl.search", BL_STATION_SEARCH}};
    if (bl_conv_field(L, job, "stations") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        bl_conv_fail(L,
                     "%s: stations= needs a list of at least one station, as in stations = "
                     "{bl.station{\"counter\", servers = 2, service = bl.exponential{mean = 60}}}",
                     jpre);
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    sc->stations = bl_conv_alloc(L, n, sizeof *sc->stations);
    sc->n_stations = n;
    for (size_t i = 0; i < n; i++) { /* names first: routes may point forward */
        bl_station_def_t *st = &sc->stations[i];
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        const char *tag = bl_conv_tag(L, -1);
        if (tag == NULL || strcmp(tag, "station") != 0)
            bl_conv_fail(
                L,
                "%s: stations[%zu] is not a station (got %s): use bl.station, bl.risk_check, "
                "bl.scan or bl.search",
                jpre, i + 1, bl_conv_show(L, -1));
        char pre[300];
        bl_conv_where(L, -1, "station", pre, sizeof pre);
        const char *name = bl_conv_str_field(L, lua_gettop(L), "name", pre);
        const char *kind = bl_conv_str_field(L, lua_gettop(L), "kind", pre);
        if (name == NULL || kind == NULL || strcmp(name, "exit") == 0)
            bl_conv_fail(L, "%s: 'exit' is where entities leave: name the station otherwise", pre);
        if (station_index(sc, name) >= 0)
            bl_conv_fail(L, "%s '%s': a station with this name is already declared", pre, name);
        st->name = dup(L, name);
        for (size_t k = 0; k < 4; k++)
            if (strcmp(kind, kinds[k].kind) == 0)
                st->kind = kinds[k].code;
        bl_conv_field(L, -1, "_line");
        st->line = (int)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    for (size_t i = 0; i < n; i++) {
        bl_station_def_t *st = &sc->stations[i];
        int def = i + 1 < n ? (int)i + 1 : BL_EXIT;
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        int s = lua_gettop(L);
        char pre[400], what[200];
        snprintf(what, sizeof what, "station '%s'", st->name);
        bl_conv_where(L, s, what, pre, sizeof pre);
        long long servers = 0;
        if (!bl_conv_int_field(L, s, "servers", pre, 1, 1000000, &servers) &&
            st->kind == BL_STATION_RISK)
            servers = 1; /* a risk check takes no time by default */
        else if (servers == 0)
            bl_conv_fail(
                L, "%s: servers= is required (officers, lanes or machines working in parallel)",
                pre);
        st->servers = (unsigned)servers;
        const double zero = 0;
        dist_field(L, s, "service", pre, &st->service, st->kind == BL_STATION_RISK ? &zero : NULL);
        switch (st->kind) {
        case BL_STATION_SERVICE:
            convert_route(L, s, sc, pre, def, &st->next);
            break;
        case BL_STATION_RISK:
            if (!bl_conv_num_field(L, s, "threshold", pre, &st->threshold))
                bl_conv_fail(L, "%s: threshold= is required (a risk score from 0 to 1)", pre);
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
        default:
            bl_conv_fail(L, "%s: unknown station kind", pre);
        }
        static const struct {
            int kind, role;
            const char *ctor, *what;
        } needs[] = {{BL_STATION_RISK, BL_ROLE_RISK, "bl.risk_check", "a risk model"},
                     {BL_STATION_SCAN, BL_ROLE_DETECTOR, "bl.scan", "a detector"},
                     {BL_STATION_SEARCH, BL_ROLE_STORE, "bl.search", "a seizure store"}};
        for (size_t k = 0; k < 3; k++)
            if (st->kind == needs[k].kind && sc->plugins[needs[k].role].spec == NULL)
                bl_conv_fail(
                    L, "%s is a %s: it needs %s, plugins = {%s = bl.plugin{...}} in bl.checkpoint",
                    pre, needs[k].ctor, needs[k].what, bl_role_name(needs[k].role));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ arrivals, population, plugins */

static void convert_arrivals(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    bl_conv_field(L, job, "arrivals");
    int a = lua_gettop(L);
    const char *tag = bl_conv_tag(L, a);
    if (tag == NULL || strcmp(tag, "arrivals") != 0)
        bl_conv_fail(
            L,
            "%s: arrivals must be bl.poisson{rate = ...} or bl.poisson{profile = {...}, step "
            "= ...} (got %s)",
            jpre, lua_isnil(L, a) ? "nothing" : bl_conv_show(L, a));
    char pre[300];
    bl_conv_where(L, a, "bl.poisson", pre, sizeof pre);
    bl_conv_field(L, a, "rates");
    size_t n = lua_rawlen(L, -1);
    if (n == 0)
        bl_conv_fail(L, "%s: the profile needs at least one rate", pre);
    sc->arrivals.rates = bl_conv_alloc(L, n, sizeof *sc->arrivals.rates);
    sc->arrivals.n_segments = n;
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        double r = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(r >= 0 && isfinite(r)))
            bl_conv_fail(L, "%s: rate %zu must be a number >= 0 (got %s)", pre, i + 1,
                         bl_conv_show(L, -1));
        sc->arrivals.rates[i] = r;
        top = r > top ? r : top;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (top <= 0)
        bl_conv_fail(L, "%s: every rate is 0: nobody would arrive", pre);
    bool has_step = bl_conv_num_field(L, a, "step", pre, &sc->arrivals.step);
    if (n > 1 && (!has_step || sc->arrivals.step <= 0))
        bl_conv_fail(
            L, "%s: a profile needs step= > 0, the length of each segment (e.g. bl.hours(1))", pre);
    sc->arrivals.periodic = bl_conv_bool_field(L, a, "periodic", pre, true);
    lua_pop(L, 1);
}

const char *bl_conv_push_threat_list(lua_State *L) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (uint32_t c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        if (c > 1)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, bl_threat_name(c));
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static void convert_population(lua_State *L, int job, bl_scenario_t *sc, const char *jpre) {
    bl_population_t *p = &sc->population;
    if (bl_conv_field(L, job, "population") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    const char *tag = bl_conv_tag(L, t);
    if (tag == NULL || strcmp(tag, "population") != 0)
        bl_conv_fail(L, "%s: population must be bl.population{...} (got %s)", jpre,
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
        bl_contraband_t *c = &p->contraband[i];
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int e = lua_gettop(L);
        snprintf(what, sizeof what, "%s: contraband[%zu]", pre, i + 1);
        const char *name = bl_conv_str_field(L, e, "name", what);
        int threat = name != NULL ? bl_threat_by_name(name) : -1;
        if (threat <= 0)
            bl_conv_fail(L, "%s: unknown contraband %s%s%s (known: %s)", what, name ? "'" : "",
                         name ? name : "(no name)", name ? "'" : "", bl_conv_push_threat_list(L));
        c->threat = (uint32_t)threat;
        for (size_t k = 0; k < i; k++)
            if (p->contraband[k].threat == c->threat)
                bl_conv_fail(L, "%s: '%s' is listed twice", what, name);
        if (!bl_conv_num_field(L, e, "share", what, &c->share))
            c->share = 1;
        if (!bl_conv_num_field(L, e, "quantity", what, &c->quantity))
            c->quantity = 1;
        bl_conv_num_field(L, e, "value", what, &c->value);
        if (c->share < 0 || c->quantity < 0 || c->value < 0)
            bl_conv_fail(L, "%s: share, value and quantity must be >= 0", what);
        const char *unit = bl_conv_str_field(L, e, "unit", what);
        c->unit = dup(L, unit != NULL ? unit : "item");
        sum += c->share;
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
        at->name = dup(L, name);
        dist_field(L, e, "clean", what, &at->clean, NULL);
        dist_field(L, e, "carrier", what, &at->carrier, NULL);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

void bl_conv_plugin_ref(lua_State *L, int idx, bl_plugin_ref_t *ref, const char *jpre,
                        const char *what) {
    int p = lua_absindex(L, idx);
    const char *tag = bl_conv_tag(L, p);
    if (tag == NULL || strcmp(tag, "plugin") != 0)
        bl_conv_fail(L, "%s: %s must be bl.plugin{\"name or file.so\", ...} (got %s)", jpre, what,
                     bl_conv_show(L, p));
    char pre[300];
    bl_conv_where(L, p, "bl.plugin", pre, sizeof pre);
    const char *spec = bl_conv_str_field(L, p, "spec", pre);
    ref->spec = dup(L, spec != NULL ? spec : "");
    bl_conv_field(L, p, "keys");
    bl_conv_field(L, p, "values");
    size_t n = lua_rawlen(L, -2);
    ref->config_keys = bl_conv_alloc(L, n, sizeof *ref->config_keys);
    ref->config_values = bl_conv_alloc(L, n, sizeof *ref->config_values);
    ref->n_config = n;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        if (!lua_isstring(L, -2) || !lua_isstring(L, -1))
            bl_conv_fail(L, "%s: configuration entry %zu is not a key and a value", pre, i + 1);
        ref->config_keys[i] = dup(L, lua_tostring(L, -2));
        ref->config_values[i] = dup(L, lua_tostring(L, -1));
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
}

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

/* ------------------------------------------------------------ the job */

/* name= (default: the file's name without folder and .lua) and seed=
 * (--seed wins), common to every job. */
static void convert_identity(lua_State *L, int job, bl_scenario_t *sc, const char *pre) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    const char *name = bl_conv_str_field(L, job, "name", pre);
    if (name == NULL) {
        const char *base = strrchr(sc->path, '/');
        base = base != NULL ? base + 1 : sc->path;
        size_t len = strlen(base);
        name = lua_pushlstring(L, base,
                               len > 4 && strcmp(base + len - 4, ".lua") == 0 ? len - 4 : len);
    }
    sc->name = dup(L, name);
    long long v = 1;
    bl_conv_int_field(L, job, "seed", pre, 0, LLONG_MAX, &v);
    sc->seed = ctx->opts->has_seed ? ctx->opts->seed : (uint64_t)v;
}

static void convert_checkpoint(lua_State *L, int job, bl_scenario_t *sc, const char *pre) {
    sc->job = BL_JOB_CHECKPOINT;
    long long v = 1;
    bl_conv_int_field(L, job, "replications", pre, 1, 1000000, &v);
    sc->replications = (unsigned)v;
    bool has_duration = bl_conv_num_field(L, job, "duration", pre, &sc->duration);
    if (has_duration && !(sc->duration > 0))
        bl_conv_fail(L, "%s: duration must be > 0 (got %g)", pre, sc->duration);
    if (bl_conv_int_field(L, job, "max_entities", pre, 1, LLONG_MAX, &v))
        sc->max_entities = (uint64_t)v;
    if (!has_duration && sc->max_entities == 0)
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
    convert_arrivals(L, job, sc, pre);
    convert_population(L, job, sc, pre);
    convert_plugins(L, job, sc, pre); /* before the stations, which check their roles */
    convert_stations(L, job, sc, pre);
    sc->first_station = 0;
}

/* ------------------------------------------------------------ the job */

/* Protected: convert(result, count) fills the scenario from the job. */
static int convert(lua_State *L) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    bl_scenario_t *sc = ctx->sc;
    const char *tag = bl_conv_tag(L, 1);
    if (tag == NULL || strcmp(tag, "job") != 0) {
        const char *got = lua_tointeger(L, 2) == 0 ? "nothing"
                          : tag != NULL            ? lua_pushfstring(L, "a %s object", tag)
                          : lua_isnil(L, 1)        ? "nil"
                                            : lua_pushfstring(L, "a %s", luaL_typename(L, 1));
        return bl_conv_fail(
            L, "%s: the script must return a job such as bl.checkpoint{...} (it returned %s)",
            sc->path, got);
    }
    const char *job = bl_conv_str_field(L, 1, "job", sc->path);
    bool bench = job != NULL && strcmp(job, "detector_bench") == 0;
    bool risk = job != NULL && strcmp(job, "risk_validation") == 0;
    bool soak = job != NULL && strcmp(job, "store_soak") == 0;
    char pre[300];
    bl_conv_where(L, 1,
                  bench  ? "bl.detector_bench"
                  : risk ? "bl.risk_validation"
                  : soak ? "bl.store_soak"
                         : "bl.checkpoint",
                  pre, sizeof pre);
    convert_identity(L, 1, sc, pre);
    if (bench)
        bl_conv_bench(L, 1, sc, pre);
    else if (risk)
        bl_conv_risk(L, 1, sc, pre);
    else if (soak)
        bl_conv_soak(L, 1, sc, pre);
    else
        convert_checkpoint(L, 1, sc, pre);
    return 0;
}

/* ------------------------------------------------------------ loading */

static int read_file(const char *path, char **out, size_t *len, bl_error_t *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO, "scenario %s: %s", path,
                            strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            char *grown = realloc(buf, cap = cap * 2 + 8192);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return bl_error_set(err, BL_ENOMEM, "scenario %s: out of memory", path);
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return bl_error_set(err, BL_EIO, "scenario %s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* A --set key no bl.parameters declared: BL_EINVAL listing the known ones. */
static int check_sets(const bl_scenario_t *sc, const bl_scenario_options_t *opts, const bool *used,
                      bl_error_t *err) {
    for (size_t i = 0; i < opts->n_sets; i++) {
        if (used[i])
            continue;
        char list[700] = "";
        size_t off = 0;
        const char *last = "";
        for (size_t k = 0; k < sc->n_params; k++) { /* sorted, by selection */
            const char *next = NULL;
            for (size_t j = 0; j < sc->n_params; j++)
                if (strcmp(sc->params[j].name, last) > 0 &&
                    (next == NULL || strcmp(sc->params[j].name, next) < 0))
                    next = sc->params[j].name;
            if (off < sizeof list)
                off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "", next);
            last = next;
        }
        if (sc->n_params == 0)
            return bl_error_set(
                err, BL_EINVAL,
                "--set %s=%s: the scenario %s declares no parameters (bl.parameters)",
                opts->set_keys[i], opts->set_values[i], sc->path);
        return bl_error_set(err, BL_EINVAL,
                            "--set %s=%s: the scenario %s declares no parameter '%s'; its "
                            "parameters are: %s",
                            opts->set_keys[i], opts->set_values[i], sc->path, opts->set_keys[i],
                            list);
    }
    return 0;
}

int bl_scenario_load(bl_scenario_t *sc, const char *path, const bl_scenario_options_t *opts,
                     bl_error_t *err) {
    static const bl_scenario_options_t no_options;
    if (opts == NULL)
        opts = &no_options;
    bl_lua_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sc = sc;
    ctx.opts = opts;
    ctx.rng_seed = opts->has_seed ? opts->seed : 1;
    lua_State *L = NULL;
    size_t len = 0;
    int rc = BL_ENOMEM;
    ctx.set_used = calloc(opts->n_sets > 0 ? opts->n_sets : 1, sizeof *ctx.set_used);
    sc->path = strdup(path);
    if (ctx.set_used == NULL || sc->path == NULL) {
        bl_error_set(err, rc, "scenario %s: out of memory", path);
        goto out;
    }
    if ((rc = read_file(path, &sc->source, &len, err)) != 0)
        goto out;
    rc = BL_ENOMEM;
    if ((L = bl_lua_newstate(&ctx)) == NULL) {
        bl_error_set(err, rc, "scenario %s: out of memory", path);
        goto out;
    }
    lua_pushcfunction(L, bl_lua_open_sandbox);
    if ((rc = call_lua(L, 0, 0, path, err)) != 0)
        goto out;

    /* The script, from the text stored in the results; "@path" makes Lua
     * name it path:line in every message. */
    size_t plen = strlen(path);
    char *chunkname = malloc(plen + 2);
    if (chunkname == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "scenario %s: out of memory", path);
        goto out;
    }
    chunkname[0] = '@';
    memcpy(chunkname + 1, path, plen + 1);
    int st = luaL_loadbufferx(L, sc->source, len, chunkname, "t");
    free(chunkname);
    if (st != LUA_OK) {
        rc = lua_failure(L, st, path, err);
        goto out;
    }
    bl_lua_push_sandbox(L);
    lua_setupvalue(L, -2, 1); /* _ENV */
    int top = lua_gettop(L) - 1;
    if ((rc = call_lua(L, 0, LUA_MULTRET, path, err)) != 0)
        goto out;
    int nret = lua_gettop(L) - top;
    if ((rc = check_sets(sc, opts, ctx.set_used, err)) != 0)
        goto out;
    lua_pushcfunction(L, convert);
    if (nret > 0)
        lua_pushvalue(L, top + 1);
    else
        lua_pushnil(L);
    lua_pushinteger(L, nret);
    rc = call_lua(L, 2, 0, path, err);
out:
    if (L != NULL)
        lua_close(L);
    free(ctx.set_used);
    return rc;
}
