/*
 * The field tables of the scenario language: lookup, defaults, the
 * reference print and the check/opt readers (see fields.h).  The common
 * constructors' tables are in common_fields.c; each job's are in its
 * folder.
 */
#include "scenario/fields.h"

#include <assert.h>
#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "scenario/lua_bl.h"
#include "scenario/scenario_convert.h"

/* ------------------------------------------------------------------ lookup */

static const bl_ctor_t *find_in(const bl_ctor_t *const *list, const char *name) {
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

const bl_ctor_t *bl_ctor_find(const bl_scenario_kind_t *const *kinds, const char *name) {
    const bl_ctor_t *c = find_in(bl_common_ctors, name);
    for (size_t i = 0; c == NULL && kinds != NULL && kinds[i] != NULL; i++)
        c = find_in(kinds[i]->ctors, name);
    return c;
}

static const bl_field_t *find_row(const bl_field_t *rows, const char *name) {
    for (size_t i = 0; rows != NULL && rows[i].name != NULL; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

const bl_field_t *bl_ctor_field(const bl_ctor_t *c, const char *name) {
    const bl_field_t *f = find_row(c->fields, name);
    return f != NULL ? f : find_row(c->shared, name);
}

/* ------------------------------------------------------------------ defaults */

/* The C default of f (its `at` member of c's defaults) as a double. */
static bool struct_default(const bl_ctor_t *c, const bl_field_t *f, double *out) {
    if (f->at_type == BL_AT_NONE || c->defaults == NULL)
        return false;
    assert(c->defaults_size <= BL_CTOR_DEFAULTS_MAX && f->at < c->defaults_size);
    alignas(max_align_t) unsigned char buf[BL_CTOR_DEFAULTS_MAX];
    memset(buf, 0, sizeof buf);
    c->defaults(buf);
    const unsigned char *p = buf + f->at;
    switch (f->at_type) {
    case BL_AT_DOUBLE: {
        double v;
        memcpy(&v, p, sizeof v);
        *out = v;
        return true;
    }
    case BL_AT_U32: {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        *out = v;
        return true;
    }
    case BL_AT_U64: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        *out = (double)v;
        return true;
    }
    case BL_AT_INT: {
        int v;
        memcpy(&v, p, sizeof v);
        *out = v;
        return true;
    }
    case BL_AT_I64: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        *out = (double)v;
        return true;
    }
    case BL_AT_BOOL: {
        bool v;
        memcpy(&v, p, sizeof v);
        *out = v;
        return true;
    }
    default:
        return false;
    }
}

/* The default of f as a number: its C default, or its text when that is a
 * number ("60"), true (1) or false (0). */
static bool numeric_default(const bl_ctor_t *c, const bl_field_t *f, double *out) {
    if (struct_default(c, f, out))
        return true;
    if (f->def == NULL)
        return false;
    if (strcmp(f->def, "true") == 0 || strcmp(f->def, "false") == 0) {
        *out = f->def[0] == 't';
        return true;
    }
    char *end = NULL;
    double v = strtod(f->def, &end);
    if (end == f->def || *end != '\0')
        return false;
    *out = v;
    return true;
}

const char *bl_field_default_text(const bl_ctor_t *c, const bl_field_t *f, char *buf, size_t n) {
    double v;
    if (c->default_text != NULL && c->default_text(f->name, buf, n) != NULL)
        return buf;
    if (f->def != NULL)
        snprintf(buf, n, "%s", f->def);
    else if (struct_default(c, f, &v) && f->at_type == BL_AT_BOOL)
        snprintf(buf, n, "%s", v != 0 ? "true" : "false");
    else if (struct_default(c, f, &v))
        snprintf(buf, n, "%.15g", v);
    else
        snprintf(buf, n, "required");
    return buf;
}

/* ------------------------------------------------------------------ the reference */

/* Every constructor, common ones first, each job's in its table's order. */
static void each_ctor(const bl_scenario_kind_t *const *kinds,
                      void (*fn)(const bl_ctor_t *c, void *ud), void *ud) {
    for (size_t i = 0; bl_common_ctors[i] != NULL; i++)
        fn(bl_common_ctors[i], ud);
    for (size_t k = 0; kinds != NULL && kinds[k] != NULL; k++)
        for (size_t i = 0; kinds[k]->ctors != NULL && kinds[k]->ctors[i] != NULL; i++)
            fn(kinds[k]->ctors[i], ud);
}

typedef struct print_ctx {
    FILE *fp;
    bool markdown;
    const char *only;
    bool found;
} print_ctx_t;

/* text into a Markdown table cell: <, > and | would be read as HTML and
 * as a column break. */
static void put_cell(FILE *fp, const char *text) {
    for (const char *t = text; *t != '\0'; t++) {
        if (*t == '<')
            fputs("&lt;", fp);
        else if (*t == '>')
            fputs("&gt;", fp);
        else if (*t == '|')
            fputs("\\|", fp);
        else
            fputc(*t, fp);
    }
}

static void print_rows(const print_ctx_t *p, const bl_ctor_t *c, const bl_field_t *rows) {
    char def[160];
    for (size_t i = 0; rows != NULL && rows[i].name != NULL; i++) {
        const bl_field_t *f = &rows[i];
        bl_field_default_text(c, f, def, sizeof def);
        bool required = strcmp(def, "required") == 0;
        if (p->markdown) {
            fprintf(p->fp, "| `%s`%s | `%s` | ", f->name,
                    f->flags & BL_FIELD_FIRST ? " (first value)" : "", f->type);
            put_cell(p->fp, def);
            fputs(" | ", p->fp);
            put_cell(p->fp, f->doc);
            fputs(" |\n", p->fp);
        } else
            fprintf(p->fp, "  %-22s %s%s; %s%s\n  %-22s %s\n", f->name, f->type,
                    f->flags & BL_FIELD_FIRST ? " (or the first value)" : "",
                    required ? "" : "default ", def, "", f->doc);
    }
}

static void print_ctor(const bl_ctor_t *c, void *ud) {
    print_ctx_t *p = ud;
    if (p->only != NULL && strcmp(p->only, c->name) != 0)
        return;
    p->found = true;
    bool rows = (c->fields != NULL && c->fields[0].name != NULL) ||
                (c->shared != NULL && c->shared[0].name != NULL);
    if (p->markdown) {
        fprintf(p->fp, "#### `%s`\n\n", c->name);
        put_cell(p->fp, c->doc);
        fputs("\n\n", p->fp);
        if (rows)
            fprintf(p->fp, "| field | value | default | meaning |\n|---|---|---|---|\n");
    } else {
        fprintf(p->fp, "%s: %s\n", c->name, c->doc);
    }
    print_rows(p, c, c->fields);
    print_rows(p, c, c->shared);
    fputc('\n', p->fp);
}

int bl_fields_print(FILE *fp, const bl_scenario_kind_t *const *kinds, bool markdown,
                    const char *only) {
    print_ctx_t p = {fp, markdown, only, false};
    each_ctor(kinds, print_ctor, &p);
    return p.found || only == NULL ? 0 : -1;
}

/* ------------------------------------------------------------------ reading */

bl_fields_t bl_fields(lua_State *L, int t, const bl_ctor_t *ctor, const char *pre) {
    bl_fields_t f = {L, lua_absindex(L, t), ctor, pre};
    return f;
}

/* The row of name, counted as read; raises when the table lacks it. */
static const bl_field_t *row(const bl_fields_t *f, const char *name) {
    const bl_field_t *r = bl_ctor_field(f->ctor, name);
    if (r == NULL)
        bl_conv_fail(f->L,
                     "%s: internal error: the converter reads %s's field '%s', which its field "
                     "table does not list: add the row (scenario/fields.h)",
                     f->pre, f->ctor->name, name);
    const bl_scenario_options_t *opts = bl_lua_ctx(f->L)->opts;
    if (opts->on_read != NULL)
        opts->on_read(opts->on_read_ud, f->ctor, r);
    return r;
}

int bl_push(const bl_fields_t *f, const char *name) {
    row(f, name);
    return bl_conv_field(f->L, f->t, name);
}

bool bl_has(const bl_fields_t *f, const char *name) {
    bool has = bl_push(f, name) != LUA_TNIL;
    lua_pop(f->L, 1);
    return has;
}

static void required(const bl_fields_t *f, const bl_field_t *r) {
    bl_conv_fail(f->L, "%s: %s= is required: %s", f->pre, r->name, r->doc);
}

/* The numeric default of r, which a converter asked for: its absence is
 * the table's mistake, not the user's. */
static double default_number(const bl_fields_t *f, const bl_field_t *r) {
    double v;
    if (!numeric_default(f->ctor, r, &v))
        bl_conv_fail(f->L,
                     "%s: internal error: %s's field '%s' has no numeric default in its table "
                     "(default: %s)",
                     f->pre, f->ctor->name, r->name, r->def != NULL ? r->def : "required");
    return v;
}

static double read_number(const bl_fields_t *f, const bl_field_t *r) {
    lua_State *L = f->L;
    int type = bl_conv_field(L, f->t, r->name);
    if (type != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
        bl_conv_fail(L, "%s: %s must be a finite number (got %s)", f->pre, r->name,
                     bl_conv_show(L, -1));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

double bl_check_number(const bl_fields_t *f, const char *name) {
    const bl_field_t *r = row(f, name);
    if (!bl_has(f, name))
        required(f, r);
    return read_number(f, r);
}

double bl_opt_number(const bl_fields_t *f, const char *name) {
    const bl_field_t *r = row(f, name);
    return bl_has(f, name) ? read_number(f, r) : default_number(f, r);
}

static long long read_integer(const bl_fields_t *f, const bl_field_t *r, long long min,
                              long long max) {
    lua_State *L = f->L;
    int type = bl_conv_field(L, f->t, r->name);
    double d = lua_tonumber(L, -1);
    if (type != LUA_TNUMBER || !(d >= (double)min && d <= (double)max) || d != floor(d))
        bl_conv_fail(L, "%s: %s must be an integer from %lld to %lld (got %s)", f->pre, r->name,
                     min, max, bl_conv_show(L, -1));
    long long v = lua_isinteger(L, -1) ? (long long)lua_tointeger(L, -1) : (long long)d;
    lua_pop(L, 1);
    return v;
}

long long bl_check_integer(const bl_fields_t *f, const char *name, long long min, long long max) {
    const bl_field_t *r = row(f, name);
    if (!bl_has(f, name))
        required(f, r);
    return read_integer(f, r, min, max);
}

long long bl_opt_integer(const bl_fields_t *f, const char *name, long long min, long long max) {
    const bl_field_t *r = row(f, name);
    if (bl_has(f, name))
        return read_integer(f, r, min, max);
    return (long long)default_number(f, r);
}

bool bl_opt_boolean(const bl_fields_t *f, const char *name) {
    const bl_field_t *r = row(f, name);
    lua_State *L = f->L;
    int type = bl_conv_field(L, f->t, name);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        bl_conv_fail(L, "%s: %s must be true or false (got %s)", f->pre, name, bl_conv_show(L, -1));
    bool v = type == LUA_TNIL ? default_number(f, r) != 0 : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *bl_opt_string(const bl_fields_t *f, const char *name) {
    row(f, name);
    lua_State *L = f->L;
    int type = bl_conv_field(L, f->t, name);
    if (type != LUA_TNIL && type != LUA_TSTRING)
        bl_conv_fail(L, "%s: %s must be a string (got %s)", f->pre, name, bl_conv_show(L, -1));
    const char *s = lua_tostring(L, -1); /* kept alive by the table */
    /* A name ends up in tables, plot scripts and file names: printable only. */
    for (const char *c = s; s != NULL && strcmp(name, "name") == 0 && *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            bl_conv_fail(L,
                         "%s: name holds a control character (code %d at byte %d: a newline, "
                         "a tab...): give printable text",
                         f->pre, (unsigned char)*c, (int)(c - s) + 1);
    if (s != NULL && lua_rawlen(L, -1) != strlen(s) && strcmp(name, "name") == 0)
        bl_conv_fail(L, "%s: name holds a NUL byte: give printable text", f->pre);
    lua_pop(L, 1);
    return s;
}

const char *bl_opt_text(const bl_fields_t *f, const char *name) {
    const char *s = bl_opt_string(f, name);
    return s != NULL ? s : row(f, name)->def;
}

const char *bl_check_string(const bl_fields_t *f, const char *name) {
    const char *s = bl_opt_string(f, name);
    if (s == NULL)
        required(f, row(f, name));
    return s;
}

size_t bl_opt_default_list(const bl_fields_t *f, const char *name, double *out, size_t max) {
    const bl_field_t *r = row(f, name);
    size_t n = 0;
    for (const char *p = r->def; p != NULL && *p != '\0' && n < max;) {
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p) {
            p++;
            continue;
        }
        out[n++] = v;
        p = end;
    }
    if (n == 0)
        bl_conv_fail(f->L, "%s: internal error: %s's field '%s' has no list default in its table",
                     f->pre, f->ctor->name, name);
    return n;
}

void bl_check_dist(const bl_fields_t *f, const char *name, bl_dist_t *out) {
    const bl_field_t *r = row(f, name);
    if (bl_push(f, name) == LUA_TNIL)
        required(f, r);
    bl_conv_dist_value(f->L, -1, f->pre, name, out);
    lua_pop(f->L, 1);
}

bool bl_default_dist(const bl_fields_t *f, const char *name, bl_dist_t *out) {
    const bl_field_t *r = row(f, name);
    double v;
    memset(out, 0, sizeof *out);
    if (!numeric_default(f->ctor, r, &v))
        return false;
    bl_error_t e;
    bl_error_clear(&e);
    if (bl_dist_deterministic(out, v, &e) != 0)
        bl_conv_fail(f->L, "%s: %s: %s", f->pre, name, e.message);
    return true;
}

void bl_opt_dist(const bl_fields_t *f, const char *name, bl_dist_t *out) {
    memset(out, 0, sizeof *out);
    if (bl_push(f, name) != LUA_TNIL)
        bl_conv_dist_value(f->L, -1, f->pre, name, out);
    else
        bl_default_dist(f, name, out);
    lua_pop(f->L, 1);
}
