/* The `borderlab.core` Lua module: see lua_bl.h. */
#include "scenario/lua_bl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "data/scan.h"
#include "scenario/fields.h"
#include "scenario/prelude.h"
#include "stats/dist.h"

/* math.random inside a scenario draws from (seed, 0, this stream). */
static const uint64_t scenario_rng_stream = 0x200;

static const char *const dist_mt = "borderlab.dist";

bl_lua_ctx_t *bl_lua_ctx(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

const bl_dist_t *bl_lua_todist(lua_State *L, int idx) { return luaL_testudata(L, idx, dist_mt); }

/* ------------------------------------------------------------ call sites */

/* core.where(level) -> source, line of the function `level` frames up
 * (1 = the caller of core.where), or nothing when that is not a Lua
 * function (a tail call leaves no frame behind).  Source is the chunk
 * name without its '@', not shortened like luaL_where's. */
static int core_where(lua_State *L) {
    lua_Debug ar;
    int level = (int)luaL_optinteger(L, 1, 1);
    if (level < 0 || !lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar) ||
        ar.currentline <= 0)
        return 0;
    lua_pushstring(L, ar.source[0] == '@' || ar.source[0] == '=' ? ar.source + 1 : ar.short_src);
    lua_pushinteger(L, ar.currentline);
    return 2;
}

/* ------------------------------------------------------------ threat classes */

/* core.threats() -> {"firearm", "knife", ...}: the threat class names in
 * class order (xray.h), so the Lua side checks names against the list the
 * generator and the metrics use. */
static int core_threats(lua_State *L) {
    lua_createtable(L, BL_THREAT_CLASS_COUNT - 1, 0);
    for (uint32_t c = 1; c < BL_THREAT_CLASS_COUNT; c++) {
        lua_pushstring(L, bl_threat_name(c));
        lua_rawseti(L, -2, (lua_Integer)c);
    }
    return 1;
}

/* ------------------------------------------------------------ field tables */

/* core.fields(ctor) -> {names}, open: the fields a constructor takes, from
 * the one table the C converter reads through too (fields.h), and whether
 * it takes keys beyond them.  An unknown constructor is the library's own
 * mistake. */
static int core_fields(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    const bl_ctor_t *c = bl_ctor_find(bl_lua_ctx(L)->opts->kinds, name);
    if (c == NULL)
        return luaL_error(L, "core.fields: no field table for '%s' (scenario/fields.h)", name);
    lua_newtable(L);
    lua_Integer n = 0;
    const bl_field_t *lists[] = {c->shared, c->fields};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; lists[k] != NULL && lists[k][i].name != NULL; i++) {
            lua_pushstring(L, lists[k][i].name);
            lua_rawseti(L, -2, ++n);
        }
    lua_pushboolean(L, c->open);
    return 2;
}

/* ------------------------------------------------------------ distributions */

static int push_failure(lua_State *L, const bl_error_t *e) {
    lua_pushnil(L);
    lua_pushstring(L, e->message);
    return 2;
}

/* core.dist(kind, a [, b]) -> distribution, or nil, message.  kind is a
 * dist.h constructor: deterministic, exponential (a = mean), lognormal
 * (mu, sigma), lognormal_moments (mean, sd), gamma (shape, scale),
 * uniform (low, high). */
static int core_dist(lua_State *L) {
    const char *kind = luaL_checkstring(L, 1);
    double a = luaL_checknumber(L, 2), b = luaL_optnumber(L, 3, 0);
    bl_dist_t *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    bl_error_t e;
    bl_error_clear(&e);
    int rc;
    if (strcmp(kind, "deterministic") == 0)
        rc = bl_dist_deterministic(d, a, &e);
    else if (strcmp(kind, "exponential") == 0)
        rc = bl_dist_exponential(d, a, &e);
    else if (strcmp(kind, "lognormal") == 0)
        rc = bl_dist_lognormal(d, a, b, &e);
    else if (strcmp(kind, "lognormal_moments") == 0)
        rc = bl_dist_lognormal_moments(d, a, b, &e);
    else if (strcmp(kind, "gamma") == 0)
        rc = bl_dist_gamma(d, a, b, &e);
    else if (strcmp(kind, "uniform") == 0)
        rc = bl_dist_uniform(d, a, b, &e);
    else
        return luaL_error(L, "core.dist: unknown distribution '%s'", kind);
    if (rc != 0)
        return push_failure(L, &e);
    luaL_setmetatable(L, dist_mt); /* only now: __gc never sees a half-built one */
    return 1;
}

/* Copy the numbers of the sequence at idx into a malloc'd array (*out,
 * NULL when empty).  Returns the count, or (size_t)-1 with *bad set to the
 * 1-based position of a non-number, or (size_t)-2 out of memory. */
static size_t read_numbers(lua_State *L, int idx, double **out, size_t *bad) {
    size_t n = lua_rawlen(L, idx);
    *out = NULL;
    if (n == 0)
        return 0;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        return (size_t)-2;
    for (size_t i = 0; i < n; i++) {
        bool isnum = lua_rawgeti(L, idx, (lua_Integer)i + 1) == LUA_TNUMBER;
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (!isnum) {
            free(v);
            *bad = i + 1;
            return (size_t)-1;
        }
    }
    *out = v;
    return n;
}

/* core.empirical(values [, weights]) -> distribution, or nil, message. */
static int core_empirical(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    bool has_weights = !lua_isnoneornil(L, 2);
    if (has_weights)
        luaL_checktype(L, 2, LUA_TTABLE);
    bl_dist_t *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    double *values = NULL, *weights = NULL;
    size_t bad = 0, n = read_numbers(L, 1, &values, &bad), nw = 0;
    char msg[200] = "";
    if (n == (size_t)-1)
        snprintf(msg, sizeof msg, "empirical: values[%zu] is not a number", bad);
    else if (n != (size_t)-2 && has_weights) {
        nw = read_numbers(L, 2, &weights, &bad);
        if (nw == (size_t)-1)
            snprintf(msg, sizeof msg, "empirical: weights[%zu] is not a number", bad);
        else if (nw != (size_t)-2 && nw != n)
            snprintf(msg, sizeof msg, "empirical: %zu values but %zu weights", n, nw);
    }
    if (n == (size_t)-2 || nw == (size_t)-2) {
        free(values);
        free(weights);
        return luaL_error(L, "not enough memory");
    }
    bl_error_t e;
    bl_error_clear(&e);
    if (msg[0] == '\0')
        bl_dist_empirical(d, values, weights, n, &e);
    free(values);
    free(weights);
    if (msg[0] != '\0') {
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    if (e.code != 0)
        return push_failure(L, &e);
    luaL_setmetatable(L, dist_mt);
    return 1;
}

static int dist_gc(lua_State *L) {
    bl_dist_fini(luaL_checkudata(L, 1, dist_mt));
    return 0;
}

static int dist_tostring(lua_State *L) {
    const bl_dist_t *d = luaL_checkudata(L, 1, dist_mt);
    char s[128];
    switch (d->kind) {
    case BL_DIST_DETERMINISTIC:
        snprintf(s, sizeof s, "deterministic(%g)", d->a);
        break;
    case BL_DIST_EXPONENTIAL:
        snprintf(s, sizeof s, "exponential{mean=%g}", d->a);
        break;
    case BL_DIST_LOGNORMAL:
        snprintf(s, sizeof s, "lognormal{mu=%g, sigma=%g}", d->a, d->b);
        break;
    case BL_DIST_GAMMA:
        snprintf(s, sizeof s, "gamma{shape=%g, scale=%g}", d->a, d->b);
        break;
    case BL_DIST_UNIFORM:
        snprintf(s, sizeof s, "uniform{low=%g, high=%g}", d->a, d->b);
        break;
    case BL_DIST_EMPIRICAL:
        snprintf(s, sizeof s, "empirical{%zu values}", d->n);
        break;
    default:
        snprintf(s, sizeof s, "distribution");
        break;
    }
    lua_pushstring(L, s);
    return 1;
}

/* d.kind, d.mean, d.variance: so a scenario can print or derive from them. */
static int dist_index(lua_State *L) {
    const bl_dist_t *d = luaL_checkudata(L, 1, dist_mt);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "kind") == 0)
        lua_pushstring(L, bl_dist_name(d->kind));
    else if (strcmp(key, "mean") == 0)
        lua_pushnumber(L, bl_dist_mean(d));
    else if (strcmp(key, "variance") == 0)
        lua_pushnumber(L, bl_dist_variance(d));
    else
        return luaL_error(L, "a distribution has kind, mean and variance, not '%s'", key);
    return 1;
}

/* ------------------------------------------------------------ parameters */

/* The value at idx as the text recorded in sc->params. */
static char *value_text(lua_State *L, int idx) {
    char buf[64];
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        return strdup(lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TSTRING:
        return strdup(lua_tostring(L, idx));
    default:
        if (lua_isinteger(L, idx))
            snprintf(buf, sizeof buf, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
        else
            snprintf(buf, sizeof buf, "%.17g", (double)lua_tonumber(L, idx));
        return strdup(buf);
    }
}

/* Push the --set text s converted to the type of the default at idx;
 * false when it does not convert. */
static bool push_override(lua_State *L, int idx, const char *s) {
    if (lua_type(L, idx) == LUA_TSTRING) {
        lua_pushstring(L, s);
        return true;
    }
    if (lua_type(L, idx) == LUA_TBOOLEAN) {
        static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
        for (int i = 0; i < 3; i++) {
            if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
                lua_pushboolean(L, strcmp(s, yes[i]) == 0);
                return true;
            }
        }
        return false;
    }
    return lua_stringtonumber(L, s) != 0;
}

/* core.parameter(name, default) -> the value (the last matching --set, or
 * the default), recorded in sc->params; or nil, message.  A --set value of
 * the wrong type is the user's input error: it is also left in
 * ctx->pending (BL_EINVAL) so a pcall in the script cannot hide it. */
static int core_parameter(lua_State *L) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    int t = lua_type(L, 2);
    if (t != LUA_TNUMBER && t != LUA_TBOOLEAN && t != LUA_TSTRING) {
        lua_pushnil(L);
        lua_pushfstring(L,
                        "bl.parameters: %s = %s: a parameter's default must be a number, a "
                        "boolean or a string",
                        name, luaL_typename(L, 2));
        return 2;
    }
    bl_scenario_t *sc = ctx->sc;
    for (size_t i = 0; i < sc->n_params; i++) {
        if (strcmp(sc->params[i].name, name) == 0) {
            lua_pushnil(L);
            lua_pushfstring(L, "bl.parameters: parameter '%s' is declared twice", name);
            return 2;
        }
    }
    const char *set = NULL;
    for (size_t i = 0; i < ctx->opts->n_sets; i++) {
        if (strcmp(ctx->opts->set_keys[i], name) == 0) {
            set = ctx->opts->set_values[i];
            ctx->set_used[i] = true;
        }
    }
    if (set != NULL && !push_override(L, 2, set)) {
        bl_error_set(&ctx->pending, BL_EINVAL, "--set %s=%s: parameter %s is a %s", name, set, name,
                     t == LUA_TNUMBER ? "number" : "boolean (true/false/1/0/yes/no)");
        lua_pushnil(L);
        lua_pushstring(L, ctx->pending.message);
        return 2;
    }
    if (set == NULL)
        lua_pushvalue(L, 2);
    bl_param_t *grown = realloc(sc->params, (sc->n_params + 1) * sizeof *grown);
    if (grown == NULL)
        return luaL_error(L, "not enough memory");
    sc->params = grown;
    bl_param_t *p = &sc->params[sc->n_params];
    p->name = strdup(name);
    p->value = value_text(L, -1);
    p->overridden = set != NULL;
    sc->n_params++; /* counted even if a strdup failed: freed with the scenario */
    if (p->name == NULL || p->value == NULL)
        return luaL_error(L, "not enough memory");
    return 1;
}

/* ------------------------------------------------------------ math.random */

/* math.random([m [, n]]) with the semantics of Lua 5.4's, drawing from the
 * host RNG so a description is reproducible. */
static int core_random(lua_State *L) {
    bl_rng_t *rng = &bl_lua_ctx(L)->rng;
    lua_Integer low, up;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, (lua_Number)bl_rng_uniform(rng));
        return 1;
    case 1:
        low = 1;
        up = luaL_checkinteger(L, 1);
        if (up == 0) { /* all bits */
            lua_pushinteger(L, (lua_Integer)bl_rng_next(rng));
            return 1;
        }
        break;
    case 2:
        low = luaL_checkinteger(L, 1);
        up = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, low <= up, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)up - (uint64_t)low;
    uint64_t r = span == UINT64_MAX ? bl_rng_next(rng) : bl_rng_below(rng, span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)low + r));
    return 1;
}

/* math.randomseed([n]): restart the stream from seed n (default: the
 * run's seed), so the same n gives the same numbers. */
static int core_randomseed(lua_State *L) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    uint64_t seed = ctx->rng_seed;
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        seed = (uint64_t)n;
    }
    bl_rng_init(&ctx->rng, seed, 0, scenario_rng_stream);
    return 0;
}

static const size_t memory_limit = (size_t)256 << 20; /* bytes a description may use */
static const int hook_interval = 1000000;             /* instructions between hook calls */
static const unsigned long max_hook_ticks = 1000;     /* ~1e9 instructions */

static char env_key; /* registry key of the sandbox environment */

/* ------------------------------------------------------------ state limits */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    bl_lua_ctx_t *ctx = ud;
    size_t old = ptr != NULL ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        ctx->mem_used -= old;
        return NULL;
    }
    if (nsize > old && ctx->mem_used - old + nsize > ctx->mem_limit) {
        ctx->mem_refused = true;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p != NULL)
        ctx->mem_used = ctx->mem_used - old + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    if (++ctx->ticks < ctx->max_ticks)
        return;
    luaL_where(L, 0); /* the running function */
    lua_pushliteral(L, "scenario took too long to describe (infinite loop?)");
    lua_concat(L, 2);
    lua_error(L);
}

static int panic(lua_State *L) {
    /* Every call is protected; reaching this is a bug in this file. */
    fprintf(stderr, "borderlab: unprotected Lua error: %s\n", lua_tostring(L, -1));
    abort();
}

/* ------------------------------------------------------------ the sandbox */

/* print(...): to stderr, so stdout stays for the program's own output. */
static int sandbox_print(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    fwrite(s, 1, len, stderr);
    return 0;
}

/* require(name): only the embedded borderlab modules.  Upvalues: the
 * table of loaded modules, the sandbox environment. */
static int sandbox_require(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    if (lua_getfield(L, lua_upvalueindex(1), name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    const bl_lua_module_t *m = bl_lua_prelude;
    while (m->name != NULL && strcmp(m->name, name) != 0)
        m++;
    if (m->name == NULL) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "borderlab.core");
        for (m = bl_lua_prelude; m->name != NULL; m++) {
            luaL_addstring(&b, ", ");
            luaL_addstring(&b, m->name);
        }
        luaL_pushresult(&b);
        return luaL_error(L, "require '%s': a scenario can only require the borderlab modules (%s)",
                          name, lua_tostring(L, -1));
    }
    lua_pushfstring(L, "@%s", m->filename);
    if (luaL_loadbufferx(L, m->source, m->length, lua_tostring(L, -1), "t") != LUA_OK)
        return lua_error(L);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_setupvalue(L, -2, 1); /* _ENV */
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, lua_upvalueindex(1), name);
    return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]): text only; env defaults to
 * the sandbox.  Upvalues: the real load, the sandbox environment. */
static int sandbox_load(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    if (n >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    lua_pushvalue(L, n >= 4 ? 4 : lua_upvalueindex(2));
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* __index of the sandbox environment: names the sandbox removed get an
 * error that says why, instead of "attempt to index a nil value". */
static int sandbox_missing(lua_State *L) {
    static const char *const removed[] = {"os",     "io",       "package",        "debug",
                                          "dofile", "loadfile", "collectgarbage", NULL};
    const char *name = lua_tostring(L, 2);
    for (size_t i = 0; name != NULL && removed[i] != NULL; i++)
        if (strcmp(name, removed[i]) == 0) {
            luaL_where(L, 1); /* the scenario line that used it */
            lua_pushfstring(L,
                            "'%s' is not available in a scenario: scenarios run sandboxed (no os, "
                            "io, package, debug, dofile or loadfile); randomness comes from "
                            "math.random, which the run's seed drives",
                            name);
            lua_concat(L, 2);
            return lua_error(L);
        }
    return 0; /* any other unknown global is nil, as in plain Lua */
}

int bl_lua_open_sandbox(lua_State *L) {
    static const char *const base[] = {
        "assert",       "error",    "getmetatable", "ipairs", "next",   "pairs",
        "pcall",        "rawequal", "rawget",       "rawlen", "rawset", "select",
        "setmetatable", "tonumber", "tostring",     "type",   "xpcall", "_VERSION",
    };
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {"borderlab.core", bl_lua_open_core},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, i < 5);
        lua_pop(L, 1);
    }
    lua_getglobal(L, LUA_STRLIBNAME); /* shared with the string metatable */
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    lua_newtable(L); /* env */
    int env = lua_gettop(L);
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        lua_getglobal(L, base[i]);
        lua_setfield(L, env, base[i]);
    }
    static const char *const shared[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_UTF8LIBNAME};
    for (size_t i = 0; i < 3; i++) {
        lua_getglobal(L, shared[i]);
        lua_setfield(L, env, shared[i]);
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "borderlab.core");
    int core = lua_gettop(L);
    lua_newtable(L); /* math: a copy whose random draws from the host RNG */
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_getfield(L, core, "random");
    lua_setfield(L, -2, "random");
    lua_getfield(L, core, "randomseed");
    lua_setfield(L, -2, "randomseed");
    lua_setfield(L, env, LUA_MATHLIBNAME);

    lua_pushcfunction(L, sandbox_print);
    lua_setfield(L, env, "print");
    lua_getglobal(L, "load");
    lua_pushvalue(L, env);
    lua_pushcclosure(L, sandbox_load, 2);
    lua_setfield(L, env, "load");
    lua_newtable(L); /* modules loaded by the sandbox's require */
    lua_pushvalue(L, core);
    lua_setfield(L, -2, "borderlab.core");
    lua_pushvalue(L, env);
    lua_pushcclosure(L, sandbox_require, 2);
    lua_pushvalue(L, -1);
    lua_setfield(L, env, "require");
    lua_pushliteral(L, "borderlab");
    lua_call(L, 1, 1);
    lua_setfield(L, env, "bl");
    lua_newtable(L); /* the environment's metatable */
    lua_pushcfunction(L, sandbox_missing);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, env);
    lua_pushvalue(L, env);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &env_key);
    return 0;
}

lua_State *bl_lua_newstate(bl_lua_ctx_t *ctx) {
    ctx->mem_limit = memory_limit;
    ctx->max_ticks = max_hook_ticks;
    lua_State *L = lua_newstate(limited_alloc, ctx);
    if (L == NULL)
        return NULL;
    lua_atpanic(L, panic);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, hook_interval);
    return L;
}

void bl_lua_push_sandbox(lua_State *L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &env_key); }

/* ------------------------------------------------------------ the module */

static const luaL_Reg core_funcs[] = {
    {"where", core_where},   {"threats", core_threats},       {"fields", core_fields},
    {"dist", core_dist},     {"empirical", core_empirical},   {"parameter", core_parameter},
    {"random", core_random}, {"randomseed", core_randomseed}, {NULL, NULL},
};

static const luaL_Reg dist_meta[] = {
    {"__gc", dist_gc},
    {"__tostring", dist_tostring},
    {"__index", dist_index},
    {NULL, NULL},
};

int bl_lua_open_core(lua_State *L) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    bl_rng_init(&ctx->rng, ctx->rng_seed, 0, scenario_rng_stream);
    if (luaL_newmetatable(L, dist_mt))
        luaL_setfuncs(L, dist_meta, 0);
    lua_pop(L, 1);
    luaL_newlib(L, core_funcs);
    return 1;
}
