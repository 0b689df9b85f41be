/*
 * The libffi adapters' declaration parser: see ffi_decl.h.  The argument
 * kinds, return forms and output-field roles are tables (one row each); the
 * messages list what a table accepts, so they stay right when a row is
 * added.
 */
#include "ffi_decl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bl_ffi_fail(const bl_ffi_ctx_t *ctx, const char *fmt, ...) {
    char message[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    bl_host_logf(ctx->host, BL_LOG_ERROR, "%s: %s", ctx->plugin, message);
    return BL_EINVAL;
}

char *bl_ffi_strdup(const bl_host_t *host, const char *s) {
    size_t len = strlen(s);
    char *copy = host->alloc(host->ctx, len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

/* ------------------------------------------------------------------ C types */

/* Alignment of T as a struct member: what the vendor's compiler does with
 * the same declaration on this platform (i386 aligns double to 4 there). */
#define MEMBER_ALIGN(T)                                                                            \
    offsetof(                                                                                      \
        struct {                                                                                   \
            char c;                                                                                \
            T t;                                                                                   \
        },                                                                                         \
        t)

static const struct type_row {
    const char *name;
    size_t size, align;
    bool is_int;
} types[BL_FFI_TYPE_COUNT] = {
    [BL_FFI_VOID] = {"void", 0, 1, false},
    [BL_FFI_I8] = {"i8", 1, MEMBER_ALIGN(int8_t), true},
    [BL_FFI_U8] = {"u8", 1, MEMBER_ALIGN(uint8_t), true},
    [BL_FFI_I16] = {"i16", 2, MEMBER_ALIGN(int16_t), true},
    [BL_FFI_U16] = {"u16", 2, MEMBER_ALIGN(uint16_t), true},
    [BL_FFI_I32] = {"i32", 4, MEMBER_ALIGN(int32_t), true},
    [BL_FFI_U32] = {"u32", 4, MEMBER_ALIGN(uint32_t), true},
    [BL_FFI_I64] = {"i64", 8, MEMBER_ALIGN(int64_t), true},
    [BL_FFI_U64] = {"u64", 8, MEMBER_ALIGN(uint64_t), true},
    [BL_FFI_F32] = {"f32", 4, MEMBER_ALIGN(float), false},
    [BL_FFI_F64] = {"f64", 8, MEMBER_ALIGN(double), false},
    [BL_FFI_PTR] = {"pointer", sizeof(void *), MEMBER_ALIGN(void *), false},
};

/* Type tokens, canonical names and the C spellings people write. */
static const struct {
    const char *token;
    bl_ffi_type_t type;
} type_tokens[] = {
    {"i8", BL_FFI_I8},
    {"u8", BL_FFI_U8},
    {"i16", BL_FFI_I16},
    {"u16", BL_FFI_U16},
    {"i32", BL_FFI_I32},
    {"u32", BL_FFI_U32},
    {"i64", BL_FFI_I64},
    {"u64", BL_FFI_U64},
    {"f32", BL_FFI_F32},
    {"f64", BL_FFI_F64},
    {"int", BL_FFI_I32},
    {"unsigned", BL_FFI_U32},
    {"long", sizeof(long) == 8 ? BL_FFI_I64 : BL_FFI_I32},
    {"ulong", sizeof(long) == 8 ? BL_FFI_U64 : BL_FFI_U32},
    {"size", sizeof(size_t) == 8 ? BL_FFI_U64 : BL_FFI_U32},
    {"float", BL_FFI_F32},
    {"double", BL_FFI_F64},
};

bl_ffi_type_t bl_ffi_type_parse(const char *token, size_t len) {
    for (size_t i = 0; i < sizeof type_tokens / sizeof type_tokens[0]; i++)
        if (strlen(type_tokens[i].token) == len && strncmp(type_tokens[i].token, token, len) == 0)
            return type_tokens[i].type;
    return BL_FFI_VOID;
}

size_t bl_ffi_type_size(bl_ffi_type_t t) { return t < BL_FFI_TYPE_COUNT ? types[t].size : 0; }
size_t bl_ffi_type_align(bl_ffi_type_t t) { return t < BL_FFI_TYPE_COUNT ? types[t].align : 1; }
bool bl_ffi_type_is_int(bl_ffi_type_t t) { return t < BL_FFI_TYPE_COUNT && types[t].is_int; }
bool bl_ffi_type_is_float(bl_ffi_type_t t) { return t == BL_FFI_F32 || t == BL_FFI_F64; }
const char *bl_ffi_type_name(bl_ffi_type_t t) {
    return t < BL_FFI_TYPE_COUNT ? types[t].name : "?";
}

int bl_ffi_value_set_int(bl_ffi_type_t t, int64_t v, bl_ffi_value_t *out) {
    memset(out, 0, sizeof *out);
    switch (t) {
    case BL_FFI_I8:
        if (v < INT8_MIN || v > INT8_MAX)
            return BL_EINVAL;
        out->i8 = (int8_t)v;
        return BL_OK;
    case BL_FFI_U8:
        if (v < 0 || v > UINT8_MAX)
            return BL_EINVAL;
        out->u8 = (uint8_t)v;
        return BL_OK;
    case BL_FFI_I16:
        if (v < INT16_MIN || v > INT16_MAX)
            return BL_EINVAL;
        out->i16 = (int16_t)v;
        return BL_OK;
    case BL_FFI_U16:
        if (v < 0 || v > UINT16_MAX)
            return BL_EINVAL;
        out->u16 = (uint16_t)v;
        return BL_OK;
    case BL_FFI_I32:
        if (v < INT32_MIN || v > INT32_MAX)
            return BL_EINVAL;
        out->i32 = (int32_t)v;
        return BL_OK;
    case BL_FFI_U32:
        if (v < 0 || v > (int64_t)UINT32_MAX)
            return BL_EINVAL;
        out->u32 = (uint32_t)v;
        return BL_OK;
    case BL_FFI_I64:
        out->i64 = v;
        return BL_OK;
    case BL_FFI_U64:
        if (v < 0)
            return BL_EINVAL;
        out->u64 = (uint64_t)v;
        return BL_OK;
    default:
        return BL_EINVAL;
    }
}

int bl_ffi_value_set_float(bl_ffi_type_t t, double v, bl_ffi_value_t *out) {
    memset(out, 0, sizeof *out);
    if (t == BL_FFI_F64)
        out->f64 = v;
    else if (t == BL_FFI_F32)
        out->f32 = (float)v;
    else
        return BL_EINVAL;
    return BL_OK;
}

int64_t bl_ffi_value_int(bl_ffi_type_t t, const bl_ffi_value_t *v) {
    switch (t) {
    case BL_FFI_I8:
        return v->i8;
    case BL_FFI_U8:
        return v->u8;
    case BL_FFI_I16:
        return v->i16;
    case BL_FFI_U16:
        return v->u16;
    case BL_FFI_I32:
        return v->i32;
    case BL_FFI_U32:
        return v->u32;
    case BL_FFI_I64:
        return v->i64;
    case BL_FFI_U64:
        return v->u64 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v->u64;
    default:
        return 0;
    }
}

double bl_ffi_value_double(bl_ffi_type_t t, const bl_ffi_value_t *v) {
    switch (t) {
    case BL_FFI_F32:
        return v->f32;
    case BL_FFI_F64:
        return v->f64;
    case BL_FFI_U64:
        return (double)v->u64;
    default:
        return (double)bl_ffi_value_int(t, v);
    }
}

bl_ffi_value_t bl_ffi_value_load(bl_ffi_type_t t, const void *p) {
    bl_ffi_value_t v;
    memset(&v, 0, sizeof v);
    memcpy(&v, p, bl_ffi_type_size(t)); /* every member starts at the union's address */
    return v;
}

/* ------------------------------------------------------------------ config helpers */

/* Is s (len bytes) an integer segment: an optional '-' then digits? */
static bool is_int_segment(const char *s, size_t len) {
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Does key match pattern ('#': one integer segment; '*' at the end: any rest)? */
static bool key_matches(const char *key, const char *pattern) {
    while (*pattern != '\0') {
        const char *kd = strchr(key, '.'), *pd = strchr(pattern, '.');
        size_t kl = kd ? (size_t)(kd - key) : strlen(key);
        size_t pl = pd ? (size_t)(pd - pattern) : strlen(pattern);
        if (pl == 1 && pattern[0] == '*')
            return true;
        if (pl == 1 && pattern[0] == '#') {
            if (!is_int_segment(key, kl))
                return false;
        } else if (kl != pl || strncmp(key, pattern, pl) != 0) {
            return false;
        }
        if ((kd == NULL) != (pd == NULL))
            return false;
        if (kd == NULL)
            return true;
        key = kd + 1;
        pattern = pd + 1;
    }
    return *key == '\0';
}

int bl_ffi_check_keys(const bl_ffi_ctx_t *ctx, const char *const *patterns, const char *top) {
    const bl_config_t *config = ctx->config;
    for (size_t i = 0; config != NULL && i < config->n; i++) {
        const char *key = config->keys[i];
        bool ok = false;
        if (key == NULL)
            continue;
        for (size_t j = 0; patterns[j] != NULL && !ok; j++)
            ok = key_matches(key, patterns[j]);
        for (size_t k = 0; ok && k < i; k++)
            if (config->keys[k] != NULL && strcmp(config->keys[k], key) == 0)
                return bl_ffi_fail(ctx, "%s is given twice: give it once", key);
        if (ok)
            continue;
        /* Unknown: list what its group takes, or the top-level keys. */
        const char *dot = strchr(key, '.');
        size_t gl = dot ? (size_t)(dot - key) : strlen(key);
        char subs[160] = "", words[16][24];
        size_t n_words = 0;
        for (size_t j = 0; patterns[j] != NULL && n_words < 16; j++) {
            const char *p = patterns[j], *pd = strchr(p, '.');
            if (pd == NULL || (size_t)(pd - p) != gl || strncmp(p, key, gl) != 0)
                continue;
            const char *sub = pd + 1, *end = strchr(sub, '.');
            int sl = (int)(end ? (size_t)(end - sub) : strlen(sub));
            bool seen = false; /* "fields.#" and "fields.x" are one "fields" */
            snprintf(words[n_words], sizeof words[0], "%.*s", sl, sub);
            if (strcmp(words[n_words], "#") == 0)
                snprintf(words[n_words], sizeof words[0], "integer keys only");
            for (size_t w = 0; w < n_words && !seen; w++)
                seen = strcmp(words[w], words[n_words]) == 0;
            if (seen)
                continue;
            snprintf(subs + strlen(subs), sizeof subs - strlen(subs), "%s%s",
                     n_words > 0 ? ", " : "", words[n_words]);
            n_words++;
        }
        if (subs[0] == '\0')
            return bl_ffi_fail(ctx, "unknown key \"%s\"; the keys are %s (plugins/ffi/README.md)",
                               key, top);
        if (dot == NULL)
            return bl_ffi_fail(ctx, "%s = \"%s\": expected a table with %s", key,
                               config->values[i] ? config->values[i] : "", subs);
        return bl_ffi_fail(ctx, "unknown key \"%s\"; %.*s takes %s", key, (int)gl, key, subs);
    }
    return BL_OK;
}

int bl_ffi_list(const bl_ffi_ctx_t *ctx, const char *prefix, const char **values, size_t max,
                size_t *n) {
    const bl_config_t *config = ctx->config;
    size_t plen = strlen(prefix), top = 0;
    *n = 0;
    for (size_t i = 0; i < max; i++)
        values[i] = NULL;
    for (size_t i = 0; config != NULL && i < config->n; i++) {
        const char *key = config->keys[i];
        if (key == NULL || strncmp(key, prefix, plen) != 0 || key[plen] != '.')
            continue;
        const char *idx = key + plen + 1;
        char *end;
        errno = 0;
        unsigned long k = strtoul(idx, &end, 10);
        if (idx[0] < '1' || idx[0] > '9' || *end != '\0' || errno != 0)
            return bl_ffi_fail(ctx,
                               "%s: the entries of %s are numbered 1, 2, 3... (write a list: "
                               "%s = { ... })",
                               key, prefix, prefix);
        if (k > max)
            return bl_ffi_fail(ctx, "%s: %s takes at most %zu entries", key, prefix, max);
        values[k - 1] = config->values[i] != NULL ? config->values[i] : "";
        top = k > top ? k : top;
    }
    for (size_t k = 0; k < top; k++)
        if (values[k] == NULL)
            return bl_ffi_fail(ctx, "%s.%zu is missing: %s is a list 1..%zu without gaps", prefix,
                               k + 1, prefix, top);
    *n = top;
    return BL_OK;
}

int bl_ffi_bool(const bl_ffi_ctx_t *ctx, const char *key, bool *out) {
    const char *s = bl_config_get(ctx->config, key);
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    if (s == NULL)
        return BL_OK;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return BL_OK;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return BL_OK;
        }
    }
    return bl_ffi_fail(ctx, "%s = \"%s\": expected true or false", key, s);
}

/* Parse a whole decimal (or 0x hex) integer: BL_OK or BL_EINVAL. */
static int parse_int(const char *s, int64_t *out) {
    char *end;
    if (s == NULL || *s == '\0')
        return BL_EINVAL;
    errno = 0;
    long long v = strtoll(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    if (*end != '\0' || errno != 0)
        return BL_EINVAL;
    *out = v;
    return BL_OK;
}

/* ------------------------------------------------------------------ arguments */

enum { P_NONE, P_INT, P_FLOAT, P_IMAGE };

/* The argument kinds: where each may appear and what it takes after ':'. */
static const struct kind_row {
    const char *name;
    int kind;
    unsigned roles;
    int param;
    bl_ffi_type_t type; /* the default type (P_INT, P_FLOAT) */
    const char *doc;    /* how a message spells it */
} kinds[] = {
    {"handle", BL_FFI_ARG_HANDLE, BL_FFI_DETECT | BL_FFI_SCORE | BL_FFI_FREE, P_NONE, BL_FFI_PTR,
     "handle"},
    {"handle_out", BL_FFI_ARG_HANDLE_OUT, BL_FFI_INIT, P_NONE, BL_FFI_PTR, "handle_out"},
    {"image", BL_FFI_ARG_IMAGE, BL_FFI_DETECT, P_IMAGE, BL_FFI_U16, "image:high|low:u16|f32"},
    {"width", BL_FFI_ARG_WIDTH, BL_FFI_DETECT, P_INT, BL_FFI_I32, "width"},
    {"height", BL_FFI_ARG_HEIGHT, BL_FFI_DETECT, P_INT, BL_FFI_I32, "height"},
    {"stride", BL_FFI_ARG_STRIDE, BL_FFI_DETECT, P_INT, BL_FFI_I32, "stride"},
    {"stride_bytes", BL_FFI_ARG_STRIDE_BYTES, BL_FFI_DETECT, P_INT, BL_FFI_I32, "stride_bytes"},
    {"pixel_mm", BL_FFI_ARG_PIXEL_MM, BL_FFI_DETECT, P_FLOAT, BL_FFI_F64, "pixel_mm"},
    {"hits", BL_FFI_ARG_HITS, BL_FFI_DETECT, P_NONE, BL_FFI_PTR, "hits"},
    {"capacity", BL_FFI_ARG_CAPACITY, BL_FFI_DETECT, P_INT, BL_FFI_I32, "capacity"},
    {"count_out", BL_FFI_ARG_COUNT_OUT, BL_FFI_DETECT, P_INT, BL_FFI_I32, "count_out"},
    {"features", BL_FFI_ARG_FEATURES, BL_FFI_SCORE, P_NONE, BL_FFI_PTR, "features"},
    {"n_features", BL_FFI_ARG_N_FEATURES, BL_FFI_SCORE, P_INT, BL_FFI_I32, "n_features"},
    {"score_out", BL_FFI_ARG_SCORE_OUT, BL_FFI_SCORE, P_FLOAT, BL_FFI_F64, "score_out"},
};
enum { N_KINDS = sizeof kinds / sizeof kinds[0] };

/* The kinds fn->role takes, comma-separated, into buf. */
static const char *kinds_for(unsigned role, char *buf, size_t size) {
    buf[0] = '\0';
    for (size_t i = 0; i < N_KINDS; i++)
        if (kinds[i].roles & role)
            snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     kinds[i].doc);
    return buf;
}

/* Parse a constant "TYPE:VALUE" / "string:TEXT" / "null" into *arg. */
static int parse_constant(const bl_ffi_ctx_t *ctx, const char *where, const char *s,
                          bl_ffi_type_t type, const char *rest, bl_ffi_arg_t *arg) {
    arg->kind = BL_FFI_ARG_CONST;
    arg->type = type;
    if (rest == NULL)
        return bl_ffi_fail(ctx, "%s = \"%s\": a constant needs its value, as in %s:%s", where, s,
                           bl_ffi_type_name(type), bl_ffi_type_is_float(type) ? "0.5" : "1");
    if (bl_ffi_type_is_float(type)) {
        double v;
        if (bl_parse_number(rest, &v) != BL_OK)
            return bl_ffi_fail(ctx, "%s = \"%s\": \"%s\" is not a finite number", where, s, rest);
        return bl_ffi_value_set_float(type, v, &arg->value);
    }
    int64_t v;
    if (parse_int(rest, &v) != BL_OK)
        return bl_ffi_fail(ctx, "%s = \"%s\": \"%s\" is not a whole number", where, s, rest);
    if (bl_ffi_value_set_int(type, v, &arg->value) != BL_OK)
        return bl_ffi_fail(ctx, "%s = \"%s\": %s does not fit in %s", where, s, rest,
                           bl_ffi_type_name(type));
    return BL_OK;
}

/* Parse one argument token s of function fn (for messages: where = "detect.args.3"). */
static int parse_arg(const bl_ffi_ctx_t *ctx, const bl_ffi_fn_t *fn, const char *where,
                     const char *s, bl_ffi_arg_t *arg) {
    const char *colon = strchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    const char *rest = colon ? colon + 1 : NULL;
    char list[200];

    memset(arg, 0, sizeof *arg);
    if (strcmp(s, "null") == 0) {
        arg->kind = BL_FFI_ARG_CONST;
        arg->type = BL_FFI_PTR;
        return BL_OK;
    }
    if (hl == 6 && strncmp(s, "string", 6) == 0) {
        if (rest == NULL)
            return bl_ffi_fail(ctx, "%s = \"%s\": write the text after a colon: string:TEXT", where,
                               s);
        arg->kind = BL_FFI_ARG_CONST;
        arg->type = BL_FFI_PTR;
        arg->text = bl_ffi_strdup(ctx->host, rest);
        return arg->text != NULL ? BL_OK : BL_ENOMEM;
    }
    bl_ffi_type_t ct = bl_ffi_type_parse(s, hl);
    if (ct != BL_FFI_VOID)
        return parse_constant(ctx, where, s, ct, rest, arg);

    const struct kind_row *k = NULL;
    for (size_t i = 0; i < N_KINDS && k == NULL; i++)
        if (strlen(kinds[i].name) == hl && strncmp(kinds[i].name, s, hl) == 0)
            k = &kinds[i];
    if (k == NULL)
        return bl_ffi_fail(ctx,
                           "%s = \"%s\": unknown argument kind; use one of %s, or a constant "
                           "TYPE:VALUE, string:TEXT, null",
                           where, s, kinds_for(fn->role, list, sizeof list));
    if ((k->roles & fn->role) == 0)
        return bl_ffi_fail(ctx, "%s = \"%s\": not an argument of %s; %s takes %s, or constants",
                           where, s, fn->key, fn->key, kinds_for(fn->role, list, sizeof list));
    arg->kind = k->kind;
    arg->type = k->type;
    switch (k->param) {
    case P_NONE:
        if (rest != NULL)
            return bl_ffi_fail(ctx, "%s = \"%s\": %s takes nothing after it; write \"%s\"", where,
                               s, k->name, k->name);
        return BL_OK;
    case P_INT:
    case P_FLOAT: {
        if (rest == NULL)
            return BL_OK;
        bl_ffi_type_t t = bl_ffi_type_parse(rest, strlen(rest));
        bool fits = k->param == P_INT ? bl_ffi_type_is_int(t) : bl_ffi_type_is_float(t);
        if (!fits)
            return bl_ffi_fail(ctx, "%s = \"%s\": \"%s\" is not %s type; write %s:%s", where, s,
                               rest, k->param == P_INT ? "an integer" : "a floating-point", k->name,
                               k->param == P_INT ? "i32 (or u32, i64, u64, size, long...)"
                                                 : "f64 (or f32)");
        arg->type = t;
        return BL_OK;
    }
    default: { /* image:PLANE:TYPE */
        const char *c2 = rest ? strchr(rest, ':') : NULL;
        size_t pl = c2 ? (size_t)(c2 - rest) : 0;
        if (c2 != NULL && pl == 4 && strncmp(rest, "high", 4) == 0)
            arg->plane = BL_FFI_PLANE_HIGH;
        else if (c2 != NULL && pl == 3 && strncmp(rest, "low", 3) == 0)
            arg->plane = BL_FFI_PLANE_LOW;
        else
            return bl_ffi_fail(ctx,
                               "%s = \"%s\": write image:PLANE:TYPE with PLANE high or low and "
                               "TYPE u16 or f32, as in image:high:u16",
                               where, s);
        if (strcmp(c2 + 1, "u16") == 0)
            arg->type = BL_FFI_U16;
        else if (strcmp(c2 + 1, "f32") == 0)
            arg->type = BL_FFI_F32;
        else
            return bl_ffi_fail(ctx,
                               "%s = \"%s\": pixel type \"%s\" unknown; use u16 (0..65535, "
                               "transmission scaled) or f32 (transmission 0..1)",
                               where, s, c2 + 1);
        return BL_OK;
    }
    }
}

/* ------------------------------------------------------------------ return values */

/* The return forms: which functions may declare each. */
static const struct ret_row {
    int ret;
    unsigned roles;
    const char *doc; /* how a message spells it */
} rets[] = {
    {BL_FFI_RET_VOID, BL_FFI_INIT | BL_FFI_DETECT | BL_FFI_SCORE | BL_FFI_FREE, "void"},
    {BL_FFI_RET_HANDLE, BL_FFI_INIT, "handle"},
    {BL_FFI_RET_COUNT, BL_FFI_DETECT, "count (or count:TYPE)"},
    {BL_FFI_RET_STATUS, BL_FFI_INIT | BL_FFI_DETECT | BL_FFI_SCORE | BL_FFI_FREE,
     "an integer status (int, i64...)"},
    {BL_FFI_RET_VALUE, BL_FFI_SCORE, "double or float"},
};

static const char *rets_for(unsigned role, char *buf, size_t size) {
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof rets / sizeof rets[0]; i++)
        if (rets[i].roles & role)
            snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     rets[i].doc);
    return buf;
}

static int parse_returns(const bl_ffi_ctx_t *ctx, bl_ffi_fn_t *fn) {
    char key[48], list[160];
    snprintf(key, sizeof key, "%s.returns", fn->key);
    const char *s = bl_config_get(ctx->config, key);
    fn->ret = BL_FFI_RET_VOID;
    fn->ret_type = BL_FFI_VOID;
    if (s == NULL)
        return BL_OK;
    const char *colon = strchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    bl_ffi_type_t t = bl_ffi_type_parse(s, hl);
    int ret = -1;
    if (strcmp(s, "void") == 0) {
        ret = BL_FFI_RET_VOID;
    } else if (strcmp(s, "handle") == 0) {
        ret = BL_FFI_RET_HANDLE;
        t = BL_FFI_PTR;
    } else if (hl == 5 && strncmp(s, "count", 5) == 0) {
        ret = BL_FFI_RET_COUNT;
        t = colon ? bl_ffi_type_parse(colon + 1, strlen(colon + 1)) : BL_FFI_I32;
        if (!bl_ffi_type_is_int(t))
            return bl_ffi_fail(ctx,
                               "%s = \"%s\": the count is an integer; write count or "
                               "count:TYPE (i32, i64, size...)",
                               key, s);
    } else if (colon == NULL && bl_ffi_type_is_int(t)) {
        ret = BL_FFI_RET_STATUS;
    } else if (colon == NULL && bl_ffi_type_is_float(t)) {
        ret = BL_FFI_RET_VALUE;
    }
    unsigned roles = 0;
    for (size_t i = 0; i < sizeof rets / sizeof rets[0]; i++)
        if (rets[i].ret == ret)
            roles = rets[i].roles;
    if (ret < 0 || (roles & fn->role) == 0)
        return bl_ffi_fail(ctx, "%s = \"%s\": %s; %s returns %s", key, s,
                           ret < 0 ? "unknown return type" : "not a return of this function",
                           fn->key, rets_for(fn->role, list, sizeof list));
    fn->ret = ret;
    fn->ret_type = t;
    return BL_OK;
}

static int parse_ok(const bl_ffi_ctx_t *ctx, bl_ffi_fn_t *fn) {
    char key[48];
    snprintf(key, sizeof key, "%s.ok", fn->key);
    const char *s = bl_config_get(ctx->config, key);
    fn->ok_rule = BL_FFI_OK_EQUAL;
    fn->ok_value = 0;
    if (s == NULL)
        return BL_OK;
    if (fn->ret != BL_FFI_RET_STATUS)
        return bl_ffi_fail(ctx,
                           "%s = \"%s\": ok applies to an integer status; declare %s.returns = "
                           "\"int\" (or i64...) or leave ok out",
                           key, s, fn->key);
    if (strcmp(s, "nonnegative") == 0)
        fn->ok_rule = BL_FFI_OK_NONNEGATIVE;
    else if (strcmp(s, "nonzero") == 0)
        fn->ok_rule = BL_FFI_OK_NONZERO;
    else if (parse_int(s, &fn->ok_value) != BL_OK)
        return bl_ffi_fail(ctx,
                           "%s = \"%s\": write the success value (ok = 0), \"nonnegative\" or "
                           "\"nonzero\"",
                           key, s);
    return BL_OK;
}

/* ------------------------------------------------------------------ functions */

int bl_ffi_fn_parse(const bl_ffi_ctx_t *ctx, const char *key, unsigned role, bool required,
                    bl_ffi_fn_t *fn) {
    char k[48];
    const char *values[BL_FFI_MAX_ARGS];
    size_t n;
    int rc;

    memset(fn, 0, sizeof *fn);
    snprintf(fn->key, sizeof fn->key, "%s", key);
    fn->role = role;
    snprintf(k, sizeof k, "%s.fn", key);
    const char *name = bl_config_get(ctx->config, k);
    bool any = false;
    for (size_t i = 0; ctx->config != NULL && i < ctx->config->n && !any; i++)
        any = ctx->config->keys[i] != NULL &&
              strncmp(ctx->config->keys[i], key, strlen(key)) == 0 &&
              ctx->config->keys[i][strlen(key)] == '.';
    if (name == NULL) {
        if (!any && !required)
            return BL_OK;
        return bl_ffi_fail(ctx,
                           "%s: missing; name the SDK's C function, as in %s = { fn = "
                           "\"vendor_%s\", args = { ... } }",
                           k, key, key);
    }
    if (name[0] == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_@.") != strlen(name))
        return bl_ffi_fail(ctx, "%s = \"%s\": not a C symbol name", k, name);
    if ((fn->name = bl_ffi_strdup(ctx->host, name)) == NULL)
        return BL_ENOMEM;

    snprintf(k, sizeof k, "%s.args", key);
    if ((rc = bl_ffi_list(ctx, k, values, BL_FFI_MAX_ARGS, &n)) != BL_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char where[48];
        snprintf(where, sizeof where, "%s.args.%zu", key, i + 1);
        if ((rc = parse_arg(ctx, fn, where, values[i], &fn->args[i])) != BL_OK)
            return rc;
        fn->n_args = i + 1;
    }
    if ((rc = parse_returns(ctx, fn)) != BL_OK || (rc = parse_ok(ctx, fn)) != BL_OK)
        return rc;
    return BL_OK;
}

void bl_ffi_fn_fini(const bl_host_t *host, bl_ffi_fn_t *fn) {
    for (size_t i = 0; i < BL_FFI_MAX_ARGS; i++)
        if (fn->args[i].text != NULL)
            host->free(host->ctx, fn->args[i].text);
    if (fn->name != NULL)
        host->free(host->ctx, fn->name);
    memset(fn->args, 0, sizeof fn->args);
    fn->name = NULL;
    fn->n_args = 0;
}

size_t bl_ffi_fn_count(const bl_ffi_fn_t *fn, int kind, size_t *first) {
    size_t n = 0;
    for (size_t i = fn->n_args; i-- > 0;)
        if (fn->args[i].kind == kind) {
            n++;
            if (first != NULL)
                *first = i;
        }
    return n;
}

bool bl_ffi_fn_ok(const bl_ffi_fn_t *fn, int64_t status) {
    switch (fn->ok_rule) {
    case BL_FFI_OK_NONNEGATIVE:
        return status >= 0;
    case BL_FFI_OK_NONZERO:
        return status != 0;
    default:
        return status == fn->ok_value;
    }
}

const char *bl_ffi_fn_ok_text(const bl_ffi_fn_t *fn, char *buf, size_t size) {
    if (fn->ok_rule == BL_FFI_OK_NONNEGATIVE)
        snprintf(buf, size, ">= 0");
    else if (fn->ok_rule == BL_FFI_OK_NONZERO)
        snprintf(buf, size, "!= 0");
    else
        snprintf(buf, size, "== %lld", (long long)fn->ok_value);
    return buf;
}

int bl_ffi_check_handle(const bl_ffi_ctx_t *ctx, const bl_ffi_fn_t *init, const bl_ffi_fn_t *verb,
                        const bl_ffi_fn_t *fini, bool *made) {
    size_t at = 0, outs = init->name ? bl_ffi_fn_count(init, BL_FFI_ARG_HANDLE_OUT, &at) : 0;
    bool by_return = init->name != NULL && init->ret == BL_FFI_RET_HANDLE;
    *made = by_return || outs > 0;
    if (outs > 1)
        return bl_ffi_fail(ctx, "init.args: %zu handle_out arguments; init makes one handle", outs);
    if (by_return && outs > 0)
        return bl_ffi_fail(ctx,
                           "init.args.%zu = \"handle_out\" and init.returns = \"handle\": init "
                           "gives its handle one way; keep one (handle_out goes with an int "
                           "status return)",
                           at + 1);
    if (*made)
        return BL_OK;
    const bl_ffi_fn_t *fns[] = {verb, fini};
    for (size_t f = 0; f < 2; f++) {
        if (fns[f] == NULL || fns[f]->name == NULL ||
            bl_ffi_fn_count(fns[f], BL_FFI_ARG_HANDLE, &at) == 0)
            continue;
        return bl_ffi_fail(ctx,
                           "%s.args.%zu = \"handle\": init makes no handle; declare init = { fn = "
                           "..., returns = \"handle\" } (or a handle_out argument)",
                           fns[f]->key, at + 1);
    }
    return BL_OK;
}

int bl_ffi_require_one(const bl_ffi_ctx_t *ctx, const bl_ffi_fn_t *fn, int kind, const char *what,
                       const char *hint) {
    size_t first = 0, n = bl_ffi_fn_count(fn, kind, &first);
    if (n == 0)
        return bl_ffi_fail(ctx, "%s.args: no %s argument; %s", fn->key, what, hint);
    if (n > 1) {
        for (size_t i = first + 1; i < fn->n_args; i++)
            if (fn->args[i].kind == kind)
                return bl_ffi_fail(ctx,
                                   "%s.args.%zu: a second %s argument (the first is %s.args."
                                   "%zu); pass it once",
                                   fn->key, i + 1, what, fn->key, first + 1);
    }
    return BL_OK;
}

/* ------------------------------------------------------------------ the output struct */

static const char *const field_roles[BL_FFI_FIELD_ROLE_COUNT] = {
    [BL_FFI_FIELD_SKIP] = "skip",
    [BL_FFI_FIELD_CLASS] = "class",
    [BL_FFI_FIELD_CONFIDENCE] = "confidence",
    [BL_FFI_FIELD_X0] = "x0",
    [BL_FFI_FIELD_Y0] = "y0",
    [BL_FFI_FIELD_X1] = "x1",
    [BL_FFI_FIELD_Y1] = "y1",
    [BL_FFI_FIELD_X] = "x",
    [BL_FFI_FIELD_Y] = "y",
    [BL_FFI_FIELD_W] = "w",
    [BL_FFI_FIELD_H] = "h",
};

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

int bl_ffi_layout_parse(const bl_ffi_ctx_t *ctx, bl_ffi_layout_t *out) {
    const char *values[BL_FFI_MAX_FIELDS];
    size_t n, offset = 0, max_align = 1;
    int rc;

    memset(out, 0, sizeof *out);
    for (int r = 0; r < BL_FFI_FIELD_ROLE_COUNT; r++)
        out->field_of[r] = -1;
    if ((rc = bl_ffi_list(ctx, "output.fields", values, BL_FFI_MAX_FIELDS, &n)) != BL_OK)
        return rc;
    if (n == 0)
        return bl_ffi_fail(ctx, "output.fields: missing; list the SDK's output struct in order, "
                                "as in { \"class:i32\", \"confidence:f32\", \"x0:f32\", ... }");
    for (size_t i = 0; i < n; i++) {
        const char *s = values[i], *colon = strchr(s, ':');
        size_t rl = colon ? (size_t)(colon - s) : strlen(s);
        int role = -1;
        for (int r = 0; r < BL_FFI_FIELD_ROLE_COUNT && role < 0; r++)
            if (strlen(field_roles[r]) == rl && strncmp(field_roles[r], s, rl) == 0)
                role = r;
        if (role < 0)
            return bl_ffi_fail(ctx,
                               "output.fields.%zu = \"%s\": unknown field; use class, confidence, "
                               "x0, y0, x1, y1 (or x, y, w, h), or skip for one not read",
                               i + 1, s);
        bl_ffi_type_t t = colon ? bl_ffi_type_parse(colon + 1, strlen(colon + 1)) : BL_FFI_VOID;
        if (t == BL_FFI_VOID)
            return bl_ffi_fail(ctx,
                               "output.fields.%zu = \"%s\": write NAME:TYPE with TYPE one of i8, "
                               "u8, i16, u16, i32, u32, i64, u64, f32, f64 (or int, float...)",
                               i + 1, s);
        if (role == BL_FFI_FIELD_CLASS && !bl_ffi_type_is_int(t))
            return bl_ffi_fail(ctx, "output.fields.%zu = \"%s\": the class is an integer code",
                               i + 1, s);
        if (role != BL_FFI_FIELD_SKIP && out->field_of[role] >= 0)
            return bl_ffi_fail(ctx, "output.fields.%zu = \"%s\": %.*s is already output.fields.%d",
                               i + 1, s, (int)rl, s, out->field_of[role] + 1);
        size_t a = bl_ffi_type_align(t);
        offset = align_up(offset, a);
        out->fields[i] = (bl_ffi_field_t){role, t, offset};
        offset += bl_ffi_type_size(t);
        max_align = a > max_align ? a : max_align;
        if (role != BL_FFI_FIELD_SKIP)
            out->field_of[role] = (int)i;
        out->n_fields = i + 1;
    }
    out->size = align_up(offset, max_align);

    const int *f = out->field_of;
    bool corners = f[BL_FFI_FIELD_X0] >= 0 || f[BL_FFI_FIELD_Y0] >= 0 || f[BL_FFI_FIELD_X1] >= 0 ||
                   f[BL_FFI_FIELD_Y1] >= 0;
    bool sizes = f[BL_FFI_FIELD_X] >= 0 || f[BL_FFI_FIELD_Y] >= 0 || f[BL_FFI_FIELD_W] >= 0 ||
                 f[BL_FFI_FIELD_H] >= 0;
    int first = corners ? BL_FFI_FIELD_X0 : BL_FFI_FIELD_X;
    if (f[BL_FFI_FIELD_CLASS] < 0 || f[BL_FFI_FIELD_CONFIDENCE] < 0)
        return bl_ffi_fail(ctx,
                           "output.fields: no %s field; every detection needs a class and "
                           "a confidence",
                           f[BL_FFI_FIELD_CLASS] < 0 ? "class" : "confidence");
    if (corners && sizes)
        return bl_ffi_fail(ctx, "output.fields: the box is either x0, y0, x1, y1 (corners) or x, "
                                "y, w, h; not a mix");
    for (int r = first; r < first + 4; r++)
        if (f[r] < 0)
            return bl_ffi_fail(ctx,
                               "output.fields: no %s field; a box is x0, y0, x1, y1 (corners, "
                               "pixels) or x, y, w, h",
                               field_roles[r]);
    out->corners = corners;

    const char *s = bl_config_get(ctx->config, "output.size");
    int64_t v;
    if (s != NULL) {
        char offsets[120] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(offsets + strlen(offsets), sizeof offsets - strlen(offsets), "%s%zu",
                     i ? ", " : "", out->fields[i].offset);
        if (parse_int(s, &v) != BL_OK || v <= 0)
            return bl_ffi_fail(ctx, "output.size = \"%s\": expected sizeof the struct in bytes", s);
        if ((size_t)v != out->size)
            return bl_ffi_fail(ctx,
                               "output.size = %s: the declared fields lay out to %zu bytes "
                               "(offsets %s): a field is missing or of another type (skip:TYPE "
                               "for padding)",
                               s, out->size, offsets);
    }
    s = bl_config_get(ctx->config, "output.capacity");
    if (s == NULL || parse_int(s, &v) != BL_OK || v < 1 || v > 65536)
        return bl_ffi_fail(ctx,
                           "output.capacity = \"%s\": %s; give how many structs the SDK may "
                           "fill per scan (1..65536)",
                           s ? s : "", s ? "expected a whole number" : "missing");
    out->capacity = (size_t)v;
    out->confidence_scale = 1.0;
    s = bl_config_get(ctx->config, "output.confidence_scale");
    if (s != NULL &&
        (bl_parse_number(s, &out->confidence_scale) != BL_OK || !(out->confidence_scale > 0)))
        return bl_ffi_fail(ctx,
                           "output.confidence_scale = \"%s\": expected a positive number (100 "
                           "when the SDK reports percent)",
                           s);
    return BL_OK;
}
