/*
 * borderlab.rules: selectivity rules written in Lua.
 *
 * Config: "rules" = path to a Lua 5.4 file that returns a list of rules and
 * an optional default score:
 *
 *   return {
 *     { name = "cheap tobacco from XX", score = 0.9,
 *       when = function(r)
 *         return r.hs_code ~= nil and r.hs_code:sub(1, 4) == "2402"
 *                and r.origin == "XX" and r.value_per_kg ~= nil and r.value_per_kg < 12
 *       end },
 *     { name = "new importer", score = 0.4,
 *       all = { {"importer_past_declarations", "<", 3} } },
 *     default = 0.05,
 *   }
 *
 * A rule has a `name` (string), a `score` in [0, 1], and `when` (a function
 * of the record), `all` (a list of conditions evaluated in C), or both (the
 * rule matches when every condition holds and `when` returns a true value).
 * A condition is {column, op, value}: op is "==", "~=", "<", "<=", ">",
 * ">=" (numbers; == and ~= also compare a categorical column's label with a
 * string), "prefix" (label starts with the string) or "in" (value is a list
 * of labels or of numbers).  A missing value fails every condition except
 * "~=", as in Lua where nil ~= x is true (and nil < x would be an error).
 *
 * A record's score is the highest score among the rules it matches (the
 * first such rule in file order decides ties) and `default` (0 unless
 * given) when it matches none.  Rules are tried from the highest score
 * down and the first match stops the search, so a rule is not evaluated
 * when a higher-scoring one already matched: keep `when` free of side
 * effects.  The reason for a score is {column of the deciding rule's first
 * condition, or -1 for a function-only rule or no match; contribution =
 * the score}.
 *
 * In `when`, the record r has one field per column: numbers as Lua
 * numbers (floats; NaN is nil), categorical and identifier columns as
 * their label strings (-1 is nil; an identifier without labels gives its
 * integer code).  One table r is reused for every row (fields are
 * overwritten), and each label string is created once per schema.  A rule
 * that raises an error (for instance comparing a missing value, nil, with
 * a number) makes score() fail with BL_EINVAL, naming the file, the rule,
 * the row and Lua's message.
 *
 * The file runs sandboxed: base functions without dofile, loadfile,
 * require or collectgarbage; string (without dump), table, utf8 and math
 * (without random: scores must be deterministic); load of text only;
 * print goes to the host log.  No os, io, package or debug.  A state may
 * use at most 256 MiB and a row (or loading the file) at most about 1e8
 * Lua instructions.
 *
 * One Lua state per instance: not thread-safe; deterministic.  The
 * sandbox and the loading of the file are in rules_load.c.
 */
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "rules.h"

/* Registry keys of the Lua-side tables built for a schema. */
static char key_keys, key_labels, key_r;

/* ------------------------------------------------------------ create/destroy */

static void rules_free(rules_t *rs) {
    const bl_host_t *host = rs->host;
    if (rs->L != NULL)
        lua_close(rs->L);
    for (size_t i = 0; i < rs->n_rules; i++) {
        rule_t *rule = &rs->rules[i];
        for (size_t k = 0; k < rule->n_conds; k++) {
            cond_t *c = &rule->conds[k];
            for (size_t j = 0; c->texts != NULL && j < c->n_values; j++)
                rules_xfree(host, c->texts[j]);
            rules_xfree(host, c->texts);
            rules_xfree(host, c->numbers);
            rules_xfree(host, c->match);
            rules_xfree(host, c->column);
        }
        rules_xfree(host, rule->conds);
        rules_xfree(host, rule->name);
    }
    rules_xfree(host, rs->rules);
    rules_xfree(host, rs->order);
    for (uint32_t i = 0; rs->seen != NULL && i < rs->cache_n_columns; i++)
        rules_xfree(host, rs->seen[i].name);
    rules_xfree(host, rs->seen);
    rules_xfree(host, rs->file);
    rules_xfree(host, rs);
}

static int rl_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    rules_t *rs;
    int rc = BL_OK;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    const char *file = bl_config_get(config, "rules");
    if (file == NULL || file[0] == '\0') {
        bl_host_logf(host, BL_LOG_ERROR,
                     "config rules is missing: give the path of a Lua rules file "
                     "(rules = path/to/rules.lua)");
        return BL_EINVAL;
    }
    for (size_t i = 0; config != NULL && i < config->n; i++)
        if (config->keys[i] != NULL && strcmp(config->keys[i], "rules") != 0) {
            bl_host_logf(host, BL_LOG_ERROR,
                         "config %s: unknown key (this plugin takes only rules = FILE)",
                         config->keys[i]);
            return BL_EINVAL;
        }
    if ((rs = rules_xcalloc(host, 1, sizeof *rs)) == NULL)
        return BL_ENOMEM;
    rs->host = host;
    rs->cur_rule = -1;
    if ((rs->file = rules_xstrdup(host, file)) == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    if ((rc = rules_open(rs)) != BL_OK)
        goto out;
    *instance = rs;
    return BL_OK;
out:
    rules_free(rs);
    return rc;
}

static void rl_destroy(void *instance) {
    if (instance != NULL)
        rules_free(instance);
}

/* ------------------------------------------------------------ schema */

static int is_labelled(const bl_column_t *c) {
    return (c->type == BL_COLUMN_CATEGORICAL || c->type == BL_COLUMN_IDENTIFIER) &&
           c->codes != NULL && c->categories != NULL;
}

static int column_usable(const bl_column_t *c) {
    if (c->type == BL_COLUMN_NUMERIC)
        return c->numeric != NULL;
    if (c->type == BL_COLUMN_CATEGORICAL || c->type == BL_COLUMN_IDENTIFIER)
        return c->codes != NULL;
    return 0;
}

static int schema_same(const rules_t *rs, const bl_records_t *records) {
    if (rs->seen == NULL || rs->cache_columns != records->columns ||
        rs->cache_n_columns != records->n_columns)
        return 0;
    for (uint32_t i = 0; i < records->n_columns; i++) {
        const bl_column_t *c = &records->columns[i];
        const column_seen_t *s = &rs->seen[i];
        if (c->type != s->type || c->categories != s->categories ||
            c->n_categories != s->n_categories || c->name == NULL || strcmp(c->name, s->name) != 0)
            return 0;
    }
    return 1;
}

/* Resolve condition c of rule i against the batch's columns. */
static int resolve_cond(rules_t *rs, size_t i, size_t k, cond_t *c, const bl_records_t *records) {
    const rule_t *rule = &rs->rules[i];
    const char *why = NULL;
    c->col = -1;
    for (uint32_t j = 0; j < records->n_columns; j++)
        if (records->columns[j].name != NULL && strcmp(records->columns[j].name, c->column) == 0) {
            c->col = (int32_t)j;
            break;
        }
    if (c->col < 0) {
        bl_host_logf(rs->host, BL_LOG_ERROR,
                     "rules %s: rule %d (\"%s\") all[%d]: column \"%s\" is not in the batch: "
                     "check its spelling against the records",
                     rs->file, (int)i + 1, rule->name, (int)k + 1, c->column);
        return BL_EINVAL;
    }
    const bl_column_t *col = &records->columns[c->col];
    rules_xfree(rs->host, c->match);
    c->match = NULL;
    c->categorical = 0;
    if (col->type == BL_COLUMN_NUMERIC) {
        if (c->is_text)
            why = "is numeric: compare it with a number";
    } else if (is_labelled(col)) {
        if (!c->is_text)
            why = "is categorical: compare its label with a string";
        else if (c->op >= OP_LT && c->op <= OP_GE)
            why = "is categorical: use ==, ~=, prefix or in";
    } else {
        why = "has no labels (an identifier or unusable column): conditions cannot read it";
    }
    if (why != NULL) {
        bl_host_logf(rs->host, BL_LOG_ERROR, "rules %s: rule %d (\"%s\") all[%d]: column \"%s\" %s",
                     rs->file, (int)i + 1, rule->name, (int)k + 1, c->column, why);
        return BL_EINVAL;
    }
    if (col->type == BL_COLUMN_NUMERIC)
        return BL_OK;
    c->categorical = 1;
    if ((c->match = rules_xcalloc(rs->host, col->n_categories + 1, 1)) == NULL)
        return BL_ENOMEM;
    for (uint32_t code = 0; code < col->n_categories; code++) {
        const char *label = col->categories[code] != NULL ? col->categories[code] : "";
        int hit = 0;
        for (size_t j = 0; j < c->n_values && !hit; j++) {
            const char *v = c->texts[j];
            hit = c->op == OP_PREFIX ? strncmp(label, v, strlen(v)) == 0 : strcmp(label, v) == 0;
        }
        c->match[code] = (uint8_t)(c->op == OP_NE ? !hit : hit);
    }
    return BL_OK;
}

/* Check the batch's columns and (re)build what depends on them. */
static int prepare(rules_t *rs, const bl_records_t *records) {
    int rc;
    if (schema_same(rs, records))
        return BL_OK;
    for (uint32_t i = 0; rs->seen != NULL && i < rs->cache_n_columns; i++)
        rules_xfree(rs->host, rs->seen[i].name);
    rules_xfree(rs->host, rs->seen);
    rs->seen = NULL;
    rs->cache_columns = NULL;
    rs->cache_n_columns = 0;

    for (uint32_t i = 0; i < records->n_columns; i++) {
        const bl_column_t *c = &records->columns[i];
        if (c->name == NULL || !column_usable(c) ||
            (c->categories == NULL && c->n_categories > 0)) {
            bl_host_logf(rs->host, BL_LOG_ERROR,
                         "rules %s: column %u of the batch (\"%s\") has no name, an unknown type "
                         "or no data: the records are inconsistent",
                         rs->file, (unsigned)i, c->name != NULL ? c->name : "");
            return BL_EINVAL;
        }
    }
    for (size_t i = 0; i < rs->n_rules; i++)
        for (size_t k = 0; k < rs->rules[i].n_conds; k++)
            if ((rc = resolve_cond(rs, i, k, &rs->rules[i].conds[k], records)) != BL_OK)
                return rc;

    rs->seen = rules_xcalloc(rs->host, records->n_columns + 1, sizeof *rs->seen);
    if (rs->seen == NULL)
        return BL_ENOMEM;
    rs->cache_n_columns = records->n_columns;
    for (uint32_t i = 0; i < records->n_columns; i++) {
        const bl_column_t *c = &records->columns[i];
        column_seen_t *s = &rs->seen[i];
        if ((s->name = rules_xstrdup(rs->host, c->name)) == NULL)
            return BL_ENOMEM; /* rs->seen stays, cache_columns NULL: rebuilt next time */
        s->type = c->type;
        s->categories = c->categories;
        s->n_categories = c->n_categories;
    }
    rs->cache_columns = records->columns;
    rs->lua_stale = 1;
    return BL_OK;
}

/* Protected part of prepare(): column names, interned labels, a fresh r. */
static void build_lua_schema(lua_State *L, rules_t *rs) {
    const bl_records_t *records = rs->records;
    lua_createtable(L, (int)records->n_columns, 0); /* keys */
    lua_createtable(L, (int)records->n_columns, 0); /* labels */
    for (uint32_t i = 0; i < records->n_columns; i++) {
        const bl_column_t *c = &records->columns[i];
        lua_pushstring(L, c->name);
        lua_rawseti(L, -3, (lua_Integer)i + 1);
        if (is_labelled(c)) {
            lua_createtable(L, (int)c->n_categories, 0);
            for (uint32_t k = 0; k < c->n_categories; k++) {
                const char *label = c->categories[k] != NULL ? c->categories[k] : "";
                lua_pushlstring(L, label, strlen(label));
                lua_rawseti(L, -2, (lua_Integer)k + 1);
            }
        } else {
            lua_pushboolean(L, 0);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_labels);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_keys);
    lua_createtable(L, 0, (int)records->n_columns);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_r);
    rs->lua_stale = 0;
}

/* ------------------------------------------------------------ scoring */

static int code_error(lua_State *L, const bl_column_t *c, size_t row, int32_t code) {
    return luaL_error(L, "column \"%s\" row %d: code %d is outside its %d categories", c->name,
                      (int)row, (int)code, (int)c->n_categories);
}

/* Does condition c hold for row? */
static inline int cond_holds(lua_State *L, const cond_t *c, const bl_records_t *records,
                             size_t row) {
    const bl_column_t *col = &records->columns[c->col];
    if (c->categorical) {
        int32_t code = col->codes[row];
        if (code < 0)
            return c->op == OP_NE; /* missing: only ~= holds, as nil ~= "x" in Lua */
        if ((uint32_t)code >= col->n_categories)
            code_error(L, col, row, code);
        return c->match[code];
    }
    double x = col->numeric[row], v = c->numbers[0];
    switch (c->op) {
    case OP_EQ:
        return x == v;
    case OP_NE:
        return !(x == v); /* NaN (nil) ~= v holds */
    case OP_LT:
        return x < v;
    case OP_LE:
        return x <= v;
    case OP_GT:
        return x > v;
    case OP_GE:
        return x >= v;
    case OP_IN:
        for (size_t j = 0; j < c->n_values; j++)
            if (x == c->numbers[j])
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* Set r's fields for row.  Stack: r at R, keys at K + i, labels at B + i. */
static void build_row(lua_State *L, const bl_records_t *records, size_t row, int R, int K, int B) {
    for (uint32_t i = 0; i < records->n_columns; i++) {
        const bl_column_t *c = &records->columns[i];
        lua_pushvalue(L, K + (int)i);
        if (c->type == BL_COLUMN_NUMERIC) {
            double x = c->numeric[row];
            if (x != x)
                lua_pushnil(L);
            else
                lua_pushnumber(L, x);
        } else {
            int32_t code = c->codes[row];
            if (code < 0)
                lua_pushnil(L);
            else if (c->categories == NULL)
                lua_pushinteger(L, code);
            else if ((uint32_t)code >= c->n_categories)
                code_error(L, c, row, code);
            else
                lua_rawgeti(L, B + (int)i, (lua_Integer)code + 1);
        }
        lua_rawset(L, R);
    }
}

/* Protected: score the batch described in rs (lightuserdata at 1). */
static int score_batch(lua_State *L) {
    rules_t *rs = lua_touserdata(L, 1);
    const bl_records_t *records = rs->records;
    int ncols = (int)records->n_columns;

    if (rs->lua_stale)
        build_lua_schema(L, rs);
    luaL_checkstack(L, 2 * ncols + (int)rs->n_rules + 8, "too many columns");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &key_r);
    int R = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &rules_key_fns);
    int F = lua_gettop(L); /* the when function of rule i at F + 1 + i (nil if none) */
    for (size_t i = 0; i < rs->n_rules; i++)
        lua_rawgeti(L, F, (lua_Integer)i + 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &key_keys);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &key_labels);
    int K = lua_gettop(L) + 1;
    for (int i = 0; i < ncols; i++)
        lua_rawgeti(L, K - 2, i + 1);
    int B = lua_gettop(L) + 1;
    for (int i = 0; i < ncols; i++)
        lua_rawgeti(L, K - 1, i + 1);

    rs->phase = "a rule";
    for (size_t r = 0; r < rs->n; r++) {
        size_t row = rs->first + r;
        int built = 0;
        double score = rs->fallback;
        int32_t column = -1;
        rs->cur_row = row;
        rs->ticks = 0;
        for (size_t o = 0; o < rs->n_rules; o++) {
            size_t i = rs->order[o];
            const rule_t *rule = &rs->rules[i];
            int ok = 1;
            rs->cur_rule = (long)i;
            for (size_t k = 0; k < rule->n_conds && ok; k++)
                ok = cond_holds(L, &rule->conds[k], records, row);
            if (ok && rule->has_when) {
                if (!built) {
                    rs->cur_rule = -1;
                    build_row(L, records, row, R, K, B);
                    built = 1;
                    rs->cur_rule = (long)i;
                }
                lua_pushvalue(L, F + 1 + (int)i);
                lua_pushvalue(L, R);
                lua_call(L, 1, 1);
                ok = lua_toboolean(L, -1);
                lua_pop(L, 1);
            }
            if (ok) {
                score = rule->score;
                column = rule->n_conds > 0 ? rule->conds[0].col : -1;
                break;
            }
        }
        rs->cur_rule = -1;
        rs->scores[r] = score;
        if (rs->reasons != NULL) {
            rs->reasons[r].column = column;
            rs->reasons[r].contribution = (float)score;
        }
    }
    return 0;
}

static int rl_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                    double *scores_out, bl_reason_t *reasons_out) {
    rules_t *rs = instance;
    int rc;

    if (rs == NULL)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    if (records == NULL || scores_out == NULL || (records->n_columns > 0 && !records->columns) ||
        first > records->n_rows || n > records->n_rows - first) {
        bl_host_logf(rs->host, BL_LOG_ERROR, "score: rows [%zu, %zu + %zu) are outside the batch",
                     first, first, n);
        return BL_EINVAL;
    }
    if ((rc = prepare(rs, records)) != BL_OK)
        return rc;

    lua_State *L = rs->L;
    rs->records = records;
    rs->first = first;
    rs->n = n;
    rs->scores = scores_out;
    rs->reasons = reasons_out;
    rs->cur_rule = -1;
    lua_settop(L, 0);
    if (rs->any_when)
        lua_sethook(L, rules_count_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
    lua_pushcfunction(L, score_batch);
    lua_pushlightuserdata(L, rs);
    int lrc = lua_pcall(L, 1, 0, 0);
    rc = BL_OK;
    if (lrc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (msg == NULL)
            msg = "(error object is not a string)";
        if (rs->cur_rule >= 0)
            bl_host_logf(rs->host, BL_LOG_ERROR,
                         "rules %s: rule %ld (\"%s\") failed on row %zu: %s: fix the rule (a "
                         "missing value is nil)",
                         rs->file, rs->cur_rule + 1, rs->rules[rs->cur_rule].name, rs->cur_row,
                         msg);
        else
            bl_host_logf(rs->host, BL_LOG_ERROR, "rules %s: row %zu: %s", rs->file, rs->cur_row,
                         msg);
        rc = lrc == LUA_ERRMEM ? BL_ENOMEM : BL_EINVAL;
        if (rs->cache_columns != NULL)
            rs->lua_stale = 1; /* r may be half-written: a fresh one next time */
    }
    lua_sethook(L, NULL, 0, 0);
    lua_settop(L, 0);
    rs->records = NULL;
    rs->scores = NULL;
    rs->reasons = NULL;
    return rc;
}

static const bl_risk_ops_t ops = {
    sizeof(bl_risk_ops_t),
    rl_create,
    rl_score,
    rl_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_RISK, BL_FLAG_DETERMINISTIC, "borderlab.rules",
                     "Selectivity rules in Lua", "borderlab", "0.1.0"),
    NULL,
    &ops,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
