/*
 * borderlab.rules: memory, the Lua sandbox and loading the rules file (see
 * rules.c for what a rules file holds and how the sandbox is limited).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "rules.h"

#define MESSAGE_MAX 200

static const char *const op_names[] = {"==", "~=", "<", "<=", ">", ">=", "prefix", "in", NULL};

/* Registry keys of the Lua-side tables (rules_key_fns: see rules.h). */
static char key_env;
char rules_key_fns;

/* ------------------------------------------------------------ memory */

void *rules_xalloc(const bl_host_t *host, size_t size) {
    return host->alloc(host->ctx, size > 0 ? size : 1);
}

void *rules_xcalloc(const bl_host_t *host, size_t n, size_t size) {
    void *p = rules_xalloc(host, n * size);
    if (p != NULL)
        memset(p, 0, n * size > 0 ? n * size : 1);
    return p;
}

void rules_xfree(const bl_host_t *host, void *p) {
    if (p != NULL)
        host->free(host->ctx, p);
}

char *rules_xstrdup(const bl_host_t *host, const char *s) {
    size_t len = strlen(s);
    char *copy = rules_xalloc(host, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

/* Lua allocator: the host's, with a ceiling. */
static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    rules_t *rs = ud;
    const bl_host_t *host = rs->host;
    size_t old = ptr != NULL ? osize : 0;
    void *p;

    if (nsize == 0) {
        rules_xfree(host, ptr);
        rs->mem_used -= old;
        return NULL;
    }
    if (nsize > old && rs->mem_used - old + nsize > MEMORY_LIMIT)
        return NULL;
    if (host->realloc != NULL) {
        p = host->realloc(host->ctx, ptr, nsize);
    } else {
        p = host->alloc(host->ctx, nsize);
        if (p != NULL && ptr != NULL) {
            memcpy(p, ptr, old < nsize ? old : nsize);
            host->free(host->ctx, ptr);
        }
    }
    if (p != NULL)
        rs->mem_used = rs->mem_used - old + nsize;
    return p;
}

static rules_t *state_owner(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

void rules_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    rules_t *rs = state_owner(L);
    if (++rs->ticks < ROW_TICKS)
        return;
    luaL_error(L, "%s took more than %I Lua instructions (an endless loop?)", rs->phase,
               (lua_Integer)ROW_TICKS * HOOK_INTERVAL);
}

static int panic(lua_State *L) {
    /* Every call is protected; reaching this is a bug in this file. */
    rules_t *rs = state_owner(L);
    bl_host_logf(rs->host, BL_LOG_ERROR, "rules: unprotected Lua error: %s", lua_tostring(L, -1));
    abort();
}

/* ------------------------------------------------------------ the sandbox */

/* print(...): to the host log. */
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
    luaL_pushresult(&b);
    bl_host_logf(state_owner(L)->host, BL_LOG_INFO, "rules: %s", lua_tostring(L, -1));
    return 0;
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

/* __index of the environment: removed names fail with the reason. */
static int sandbox_missing(lua_State *L) {
    static const char *const removed[] = {
        "os", "io", "package", "debug", "require", "loadfile", "collectgarbage", "dofile", NULL};
    const char *name = lua_tostring(L, 2);
    for (size_t i = 0; name != NULL && removed[i] != NULL; i++)
        if (strcmp(name, removed[i]) == 0)
            return luaL_error(L,
                              "'%s' is not available in a rules file: rules run sandboxed (no os, "
                              "io, package, debug, require, dofile, loadfile or collectgarbage)",
                              name);
    return 0;
}

/* __index of the sandbox's math: random draws would make scores irreproducible. */
static int sandbox_math_missing(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    if (name != NULL && (strcmp(name, "random") == 0 || strcmp(name, "randomseed") == 0))
        return luaL_error(L,
                          "math.%s is not available in a rules file: scores must be "
                          "deterministic",
                          name);
    return 0;
}

/* Protected: open the libraries and build the environment (registry key_env). */
static int open_sandbox(lua_State *L) {
    static const char *const base[] = {
        "assert",   "error",  "getmetatable", "ipairs",   "next",   "pairs",        "pcall",
        "rawequal", "rawget", "rawlen",       "rawset",   "select", "setmetatable", "tonumber",
        "tostring", "type",   "xpcall",       "_VERSION", NULL,
    };
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    lua_getglobal(L, LUA_STRLIBNAME); /* shared with the string metatable */
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    lua_newtable(L); /* env */
    int env = lua_gettop(L);
    for (size_t i = 0; base[i] != NULL; i++) {
        lua_getglobal(L, base[i]);
        lua_setfield(L, env, base[i]);
    }
    static const char *const shared[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_UTF8LIBNAME};
    for (size_t i = 0; i < 3; i++) {
        lua_getglobal(L, shared[i]);
        lua_setfield(L, env, shared[i]);
    }
    lua_newtable(L); /* math without random/randomseed */
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(k, "random") == 0 || strcmp(k, "randomseed") == 0) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushcfunction(L, sandbox_math_missing);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, env, LUA_MATHLIBNAME);

    lua_pushcfunction(L, sandbox_print);
    lua_setfield(L, env, "print");
    lua_getglobal(L, "load");
    lua_pushvalue(L, env);
    lua_pushcclosure(L, sandbox_load, 2);
    lua_setfield(L, env, "load");
    lua_newtable(L); /* the environment's metatable */
    lua_pushcfunction(L, sandbox_missing);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, env);
    lua_pushvalue(L, env);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_env);
    return 0;
}

/* ------------------------------------------------------------ the rules file */

/* Raise "rule I ("NAME"): what" as a Lua error. */
static int rule_error(lua_State *L, size_t i, const rule_t *rule, const char *fmt, ...) {
    char what[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (rule != NULL && rule->name != NULL)
        return luaL_error(L, "rule %d (\"%s\"): %s", (int)i + 1, rule->name, what);
    return luaL_error(L, "rule %d: %s", (int)i + 1, what);
}

static int op_index(const char *name) {
    for (int i = 0; op_names[i] != NULL; i++)
        if (strcmp(op_names[i], name) == 0)
            return i;
    return -1;
}

/* Copy the value at idx (a string or number) into value j of c. */
static void cond_value(lua_State *L, rules_t *rs, size_t i, const rule_t *rule, size_t k, cond_t *c,
                       size_t j, int idx) {
    int type = lua_type(L, idx);
    if (type != LUA_TSTRING && type != LUA_TNUMBER)
        rule_error(L, i, rule, "all[%d]: the value must be a string or a number, not a %s",
                   (int)k + 1, luaL_typename(L, idx));
    int is_text = type == LUA_TSTRING;
    if (j == 0)
        c->is_text = is_text;
    else if (c->is_text != is_text)
        rule_error(L, i, rule, "all[%d]: an \"in\" list mixes strings and numbers", (int)k + 1);
    if (is_text) {
        if ((c->texts[j] = rules_xstrdup(rs->host, lua_tostring(L, idx))) == NULL)
            luaL_error(L, "not enough memory");
    } else {
        double v = lua_tonumber(L, idx);
        if (v != v)
            rule_error(L, i, rule, "all[%d]: the value is NaN", (int)k + 1);
        c->numbers[j] = v;
    }
}

/* Parse the condition list at the top of the stack into rule i. */
static void parse_conditions(lua_State *L, rules_t *rs, size_t i, rule_t *rule) {
    int list = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, list);
    if (n == 0)
        rule_error(L, i, rule, "all must be a non-empty list of {column, op, value}");
    if ((rule->conds = rules_xcalloc(rs->host, n, sizeof *rule->conds)) == NULL)
        luaL_error(L, "not enough memory");
    for (size_t k = 0; k < n; k++) {
        cond_t *c = &rule->conds[k];
        rule->n_conds = k + 1;
        c->col = -1;
        if (lua_rawgeti(L, list, (lua_Integer)k + 1) != LUA_TTABLE || lua_rawlen(L, -1) != 3)
            rule_error(L, i, rule,
                       "all[%d] must be a list of three: {column, op, value}, e.g. "
                       "{\"origin\", \"==\", \"XX\"}",
                       (int)k + 1);
        int ct = lua_gettop(L);
        if (lua_rawgeti(L, ct, 1) != LUA_TSTRING)
            rule_error(L, i, rule, "all[%d][1] must be a column name", (int)k + 1);
        if ((c->column = rules_xstrdup(rs->host, lua_tostring(L, -1))) == NULL)
            luaL_error(L, "not enough memory");
        if (lua_rawgeti(L, ct, 2) != LUA_TSTRING || (c->op = op_index(lua_tostring(L, -1))) < 0)
            rule_error(L, i, rule,
                       "all[%d][2] must be an operator: ==, ~=, <, <=, >, >=, prefix or in",
                       (int)k + 1);
        lua_rawgeti(L, ct, 3);
        if (c->op == OP_IN) {
            size_t nv = lua_type(L, -1) == LUA_TTABLE ? (size_t)lua_rawlen(L, -1) : 0;
            if (nv == 0)
                rule_error(L, i, rule, "all[%d]: \"in\" needs a non-empty list of values",
                           (int)k + 1);
            c->n_values = nv;
            c->texts = rules_xcalloc(rs->host, nv, sizeof *c->texts);
            c->numbers = rules_xcalloc(rs->host, nv, sizeof *c->numbers);
            if (c->texts == NULL || c->numbers == NULL)
                luaL_error(L, "not enough memory");
            for (size_t j = 0; j < nv; j++) {
                lua_rawgeti(L, -1, (lua_Integer)j + 1);
                cond_value(L, rs, i, rule, k, c, j, lua_gettop(L));
                lua_pop(L, 1);
            }
        } else {
            c->n_values = 1;
            c->texts = rules_xcalloc(rs->host, 1, sizeof *c->texts);
            c->numbers = rules_xcalloc(rs->host, 1, sizeof *c->numbers);
            if (c->texts == NULL || c->numbers == NULL)
                luaL_error(L, "not enough memory");
            cond_value(L, rs, i, rule, k, c, 0, lua_gettop(L));
            if (c->op == OP_PREFIX && !c->is_text)
                rule_error(L, i, rule, "all[%d]: \"prefix\" needs a string", (int)k + 1);
            if (c->op >= OP_LT && c->op <= OP_GE && c->is_text)
                rule_error(L, i, rule, "all[%d]: \"%s\" compares numbers: give a number",
                           (int)k + 1, op_names[c->op]);
        }
        lua_settop(L, list);
    }
}

/* Parse rule i, the table at the top of the stack; its `when` goes to fns. */
static void parse_rule(lua_State *L, rules_t *rs, size_t i, int fns) {
    static const char *const keys[] = {"name", "score", "when", "all", NULL};
    rule_t *rule = &rs->rules[i];
    int t = lua_gettop(L);

    if (lua_type(L, t) != LUA_TTABLE)
        rule_error(L, i, NULL,
                   "must be a table {name = ..., score = ..., when = function(r) ... "
                   "end} (or all = {...})");
    if (lua_getfield(L, t, "name") != LUA_TSTRING)
        rule_error(L, i, NULL, "needs a name (a string)");
    if ((rule->name = rules_xstrdup(rs->host, lua_tostring(L, -1))) == NULL)
        luaL_error(L, "not enough memory");
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int known = 0;
        for (size_t k = 0; keys[k] != NULL && !known; k++)
            known = lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), keys[k]) == 0;
        if (!known) {
            lua_pop(L, 1);
            rule_error(L, i, rule, "unknown key %s (a rule has name, score, when and all)",
                       luaL_tolstring(L, -1, NULL));
        }
        lua_pop(L, 1);
    }
    int isnum = 0;
    lua_getfield(L, t, "score");
    rule->score = lua_tonumberx(L, -1, &isnum);
    if (!isnum || !(rule->score >= 0 && rule->score <= 1))
        rule_error(L, i, rule, "score must be a number in [0, 1]");
    lua_pop(L, 1);
    int when = lua_getfield(L, t, "when");
    if (when != LUA_TNIL && when != LUA_TFUNCTION)
        rule_error(L, i, rule, "when must be a function(r) returning true or false");
    if (when == LUA_TFUNCTION) {
        rule->has_when = 1;
        rs->any_when = 1;
        lua_rawseti(L, fns, (lua_Integer)i + 1);
    } else {
        lua_pop(L, 1);
    }
    int all = lua_getfield(L, t, "all");
    if (all != LUA_TNIL && all != LUA_TTABLE)
        rule_error(L, i, rule, "all must be a list of {column, op, value}");
    if (all == LUA_TTABLE)
        parse_conditions(L, rs, i, rule);
    if (when == LUA_TNIL && all == LUA_TNIL)
        rule_error(L, i, rule, "needs when = function(r) ... end, all = {...}, or both");
    lua_settop(L, t);
}

/* Protected: run the rules file (lightuserdata rules_t at 1) and parse what it returns. */
static int load_rules(lua_State *L) {
    rules_t *rs = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (luaL_loadfilex(L, rs->file, "t") != LUA_OK)
        return lua_error(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &key_env);
    lua_setupvalue(L, -2, 1); /* _ENV */
    rs->ticks = 0;
    rs->phase = "loading the rules file";
    lua_call(L, 0, 1);
    lua_sethook(L, NULL, 0, 0); /* parsing below is C */
    if (lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "the file must return a table of rules, e.g. return { {name = ..., "
                             "score = ..., when = function(r) ... end}, default = 0.05 }");

    size_t n = (size_t)lua_rawlen(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lua_pop(L, 1);
        int ok = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "default") == 0;
        if (!ok && lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            ok = k >= 1 && (size_t)k <= n;
        }
        if (!ok)
            return luaL_error(L,
                              "unexpected key %s in the returned table (it holds the rules "
                              "as a list, and default)",
                              luaL_tolstring(L, -1, NULL));
    }
    if (n == 0)
        return luaL_error(L, "the returned table has no rules");
    if (lua_getfield(L, 1, "default") != LUA_TNIL) {
        int isnum = 0;
        rs->fallback = lua_tonumberx(L, -1, &isnum);
        if (!isnum || !(rs->fallback >= 0 && rs->fallback <= 1))
            return luaL_error(L, "default must be a number in [0, 1]");
    }
    lua_pop(L, 1);

    rs->rules = rules_xcalloc(rs->host, n, sizeof *rs->rules);
    rs->order = rules_xcalloc(rs->host, n, sizeof *rs->order);
    if (rs->rules == NULL || rs->order == NULL)
        return luaL_error(L, "not enough memory");
    rs->n_rules = n;
    lua_newtable(L); /* fns */
    int fns = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, 1, (lua_Integer)i + 1);
        parse_rule(L, rs, i, fns);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, fns);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &rules_key_fns);

    /* Highest score first; insertion sort keeps file order among equals. */
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && rs->rules[rs->order[j - 1]].score < rs->rules[i].score) {
            rs->order[j] = rs->order[j - 1];
            j--;
        }
        rs->order[j] = i;
    }
    return 0;
}

/* ------------------------------------------------------------ the Lua state */

/* Log a Lua failure message for this instance: "rules FILE: msg" (once). */
static void log_lua_error(const rules_t *rs, const char *msg) {
    size_t len = strlen(rs->file);
    if (strncmp(msg, rs->file, len) == 0 && msg[len] == ':')
        bl_host_logf(rs->host, BL_LOG_ERROR, "rules %s", msg);
    else
        bl_host_logf(rs->host, BL_LOG_ERROR, "rules %s: %s", rs->file, msg);
}

int rules_open(rules_t *rs) {
    int lrc;

    if ((rs->L = lua_newstate(lua_alloc, rs)) == NULL)
        return BL_ENOMEM;
    lua_atpanic(rs->L, panic);
    lua_pushcfunction(rs->L, open_sandbox);
    if ((lrc = lua_pcall(rs->L, 0, 0, 0)) != LUA_OK) {
        log_lua_error(rs, lua_tostring(rs->L, -1));
        return lrc == LUA_ERRMEM ? BL_ENOMEM : BL_EINVAL;
    }
    lua_sethook(rs->L, rules_count_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
    lua_pushcfunction(rs->L, load_rules);
    lua_pushlightuserdata(rs->L, rs);
    lrc = lua_pcall(rs->L, 1, 0, 0);
    if (lrc != LUA_OK) {
        const char *msg = lua_tostring(rs->L, -1);
        log_lua_error(rs, msg != NULL ? msg : "(error object is not a string)");
        return lrc == LUA_ERRMEM                                   ? BL_ENOMEM
               : msg != NULL && strstr(msg, "cannot open") != NULL ? BL_ENOTFOUND
                                                                   : BL_EINVAL;
    }
    lua_settop(rs->L, 0);
    lua_gc(rs->L, LUA_GCCOLLECT);
    return BL_OK;
}
