/*
 * Loading a scenario: see scenario_lua.h.
 *
 * One Lua state per load (lua_bl.c: memory ceiling, instruction limit and
 * the sandbox the script runs in), closed before returning.  Every call
 * into Lua goes through call_lua(), which turns a failure into BL_ELUA
 * with the script's path:line.  The table the script returns is converted
 * by its job's converter (bl_scenario_kind_t, each in its job's folder,
 * with the helpers defined here and declared in scenario_convert.h) inside
 * a protected call, so a malformed
 * value is an error naming the file:line of the constructor that built it,
 * never a crash; the structures are attached to the scenario as they are
 * built, so the caller's bl_scenario_free_contents releases them on every
 * path.
 */
#include "scenario/scenario_lua.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "base/paths.h"
#include "data/scan.h"
#include "scenario/lua_bl.h"
#include "scenario/scenario_convert.h"

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
    /* A constructor re-raises what it caught (borderlab.checks), so the
     * ceiling's refusal may arrive as a plain error: the context knows. */
    if (st == LUA_ERRMEM || ctx->mem_refused) {
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

char *bl_conv_dup(lua_State *L, const char *s) {
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

/* The value at idx as a distribution (a number means deterministic). */
void bl_conv_dist_value(lua_State *L, int idx, const char *pre, const char *what, bl_dist_t *out) {
    idx = lua_absindex(L, idx);
    const bl_dist_t *d = bl_lua_todist(L, idx);
    bl_error_t e;
    bl_error_clear(&e);
    if (d != NULL) {
        if (bl_dist_copy(out, d) != 0)
            bl_conv_nomem(L);
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        if (bl_dist_deterministic(out, lua_tonumber(L, idx), &e) != 0)
            bl_conv_fail(L, "%s: %s: %s", pre, what, e.message);
    } else {
        bl_conv_fail(L, "%s: %s must be a distribution such as bl.exponential{mean = 30} (got %s)",
                     pre, what, bl_conv_show(L, idx));
    }
}

const char *bl_conv_push_names(lua_State *L, char *const *names, size_t n) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, names[k] != NULL ? names[k] : "?");
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* ------------------------------------------------------------ threats, plugins */

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
    ref->spec = bl_conv_dup(L, spec != NULL ? spec : "");
    bl_conv_field(L, p, "keys");
    bl_conv_field(L, p, "values");
    size_t n = lua_rawlen(L, -2);
    ref->config_keys = bl_conv_alloc(L, n, sizeof *ref->config_keys);
    ref->config_values = bl_conv_alloc(L, n, sizeof *ref->config_values);
    ref->n_config = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        lua_rawgeti(L, -2, (lua_Integer)i + 1);
        if (!lua_isstring(L, -2) || !lua_isstring(L, -1))
            bl_conv_fail(L, "%s: configuration entry %zu is not a key and a value", pre, i + 1);
        const char *key = lua_tostring(L, -2), *value = lua_tostring(L, -1);
        /* Folders it may write in, and the vendor library of a libffi adapter,
         * are found from the scenario's folder, as model files are. */
        if (strcmp(key, "writable") == 0 || strncmp(key, "writable.", 9) == 0 ||
            (strcmp(key, "library") == 0 && strncmp(ref->spec, "ffi_", 4) == 0 &&
             strchr(value, '/') != NULL)) {
            char *resolved = bl_conv_path(L, bl_lua_ctx(L)->sc->path, value);
            lua_pushstring(L, resolved);
            free(resolved);
            lua_replace(L, -2);
            value = lua_tostring(L, -1);
        }
        bl_error_t why;
        bl_error_clear(&why);
        int harness = bl_plugin_ref_limit(ref, key, value, &why); /* the harness's keys */
        if (harness < 0)
            bl_conv_fail(L, "%s: %s", pre, why.message);
        if (harness == 0) {
            ref->config_keys[ref->n_config] = bl_conv_dup(L, key);
            ref->config_values[ref->n_config++] = bl_conv_dup(L, value);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
}

/* ------------------------------------------------------------ identity */

/* name= (default: the file's name without folder and .lua) and seed=
 * (--seed wins), common to every job: read through the job's own table
 * (its first constructor), which takes the shared rows of fields.h. */
static void convert_identity(lua_State *L, int job, bl_scenario_t *sc, const bl_ctor_t *ctor,
                             const char *pre) {
    bl_lua_ctx_t *ctx = bl_lua_ctx(L);
    bl_fields_t f = bl_fields(L, job, ctor, pre);
    const char *name = bl_opt_string(&f, "name");
    if (name == NULL) {
        const char *base = strrchr(sc->path, '/');
        base = base != NULL ? base + 1 : sc->path;
        size_t len = strlen(base);
        name = lua_pushlstring(L, base,
                               len > 4 && strcmp(base + len - 4, ".lua") == 0 ? len - 4 : len);
    }
    /* The run's name is its results file's (results/<name>.h5): it stays there. */
    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
        bl_conv_fail(L,
                     "%s: name = \"%s\": a run's name is its results file's name: give one "
                     "without '/' that does not start with '.'",
                     pre, name);
    sc->name = bl_conv_dup(L, name);
    long long seed = bl_opt_integer(&f, "seed", 0, LLONG_MAX);
    sc->seed = ctx->opts->has_seed ? ctx->opts->seed : (uint64_t)seed;
}

/* ------------------------------------------------------------ the job */

/* "checkpoint, detector_bench, ..." (the jobs the loader knows), pushed. */
static const char *push_job_names(lua_State *L, const bl_scenario_kind_t *const *kinds) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; kinds[i] != NULL; i++) {
        if (i > 0)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, kinds[i]->name);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

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
    const bl_scenario_kind_t *const *kinds = ctx->opts->kinds;
    const bl_scenario_kind_t *kind = NULL;
    for (size_t i = 0; job != NULL && kinds[i] != NULL && kind == NULL; i++)
        if (strcmp(kinds[i]->name, job) == 0)
            kind = kinds[i];
    if (kind == NULL)
        return bl_conv_fail(L,
                            "%s: the script returned a %s job, which this run does not take "
                            "(jobs: %s)",
                            sc->path, job != NULL ? job : "nameless", push_job_names(L, kinds));
    char ctor[64], pre[300];
    snprintf(ctor, sizeof ctor, "bl.%s", kind->name);
    bl_conv_where(L, 1, ctor, pre, sizeof pre);
    if (kind->ctors == NULL || kind->ctors[0] == NULL)
        return bl_conv_fail(L, "%s: internal error: the %s job has no field table", sc->path,
                            kind->name);
    convert_identity(L, 1, sc, kind->ctors[0], pre);
    sc->kind = kind;
    kind->convert(L, 1, sc, pre);
    return 0;
}

/* ------------------------------------------------------------ loading */

static int read_file(const char *path, char **out, size_t *len, bl_error_t *err) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return bl_error_set(err, BL_EINVAL,
                            "scenario %s is a folder: give a scenario file in it (NAME.lua), or "
                            "a scenario's name (borderlab run quickstart)",
                            path);
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
    if (opts == NULL || opts->kinds == NULL || opts->kinds[0] == NULL)
        return bl_error_set(err, BL_EINVAL,
                            "scenario %s: no job to load it as (the loader needs the job table)",
                            path);
    sc->kinds = opts->kinds;
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
