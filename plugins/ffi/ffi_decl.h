/*
 * The libffi adapters' declaration of a vendor SDK's C functions, read from
 * the flattened plugin configuration (README.md here has the full syntax
 * and an example; the Lua table flattens to keys such as "detect.fn",
 * "detect.args.3", "output.fields.2").
 *
 * What is declared:
 *   - C types, by token: i8 u8 i16 u16 i32 u32 i64 u64, int (i32), unsigned
 *     (u32), long and ulong (C long), size (size_t), f32/float, f64/double;
 *   - a function (bl_ffi_fn_t): its symbol ("<key>.fn"), its arguments in
 *     order ("<key>.args.1".. "<key>.args.N", each an argument kind or a
 *     constant), what it returns ("<key>.returns") and, for an integer
 *     status, which values mean success ("<key>.ok");
 *   - the layout of the vendor's output struct (bl_ffi_layout_t): typed
 *     fields laid out by the C alignment rules of this platform.
 *
 * Every refusal is logged through the host as "<plugin>: <key> = "<value>":
 * <what is wrong>; <what to write>" and returned as BL_EINVAL; nothing is
 * half-parsed afterwards (the _fini functions release what was copied).
 *
 * Ownership: the configuration is borrowed for the duration of the parse;
 * what the declaration keeps (symbol names, string constants) is copied
 * into host memory and released by bl_ffi_fn_fini.
 */
#ifndef BL_FFI_DECL_H
#define BL_FFI_DECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"

#define BL_FFI_MAX_ARGS 16   /* arguments of one vendor function */
#define BL_FFI_MAX_FIELDS 16 /* fields of the vendor's output struct */
#define BL_FFI_MAX_LIST 64   /* entries of a list key (features, classes) */

/* What every parse function needs: who is speaking, to whom, about what. */
typedef struct bl_ffi_ctx {
    const bl_host_t *host;
    const char *plugin; /* "ffi_detector" or "ffi_risk": the first word of every message */
    const bl_config_t *config;
} bl_ffi_ctx_t;

/* Log "<plugin>: <message>" at error level and return BL_EINVAL. */
int bl_ffi_fail(const bl_ffi_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ C types */

typedef enum bl_ffi_type {
    BL_FFI_VOID = 0,
    BL_FFI_I8,
    BL_FFI_U8,
    BL_FFI_I16,
    BL_FFI_U16,
    BL_FFI_I32,
    BL_FFI_U32,
    BL_FFI_I64,
    BL_FFI_U64,
    BL_FFI_F32,
    BL_FFI_F64,
    BL_FFI_PTR,
    BL_FFI_TYPE_COUNT
} bl_ffi_type_t;

/* One value of any declared type (the storage an argument points to). */
typedef union bl_ffi_value {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    void *ptr;
} bl_ffi_value_t;

/* The type a token names (i32, double, size...), or BL_FFI_VOID when it is
 * not a type token (then "void" itself is not accepted either). */
bl_ffi_type_t bl_ffi_type_parse(const char *token, size_t len);

/* Size in bytes and alignment inside a struct (this platform's C rules). */
size_t bl_ffi_type_size(bl_ffi_type_t t);
size_t bl_ffi_type_align(bl_ffi_type_t t);
bool bl_ffi_type_is_int(bl_ffi_type_t t);
bool bl_ffi_type_is_float(bl_ffi_type_t t);
/* "i32", "f64"...: the canonical token (for messages). */
const char *bl_ffi_type_name(bl_ffi_type_t t);

/* Store v into *out as type t: BL_OK, or BL_EINVAL when t is no integer
 * type or v does not fit in it. */
int bl_ffi_value_set_int(bl_ffi_type_t t, int64_t v, bl_ffi_value_t *out);
/* Store v into *out as float type t (f32 rounds): BL_OK or BL_EINVAL. */
int bl_ffi_value_set_float(bl_ffi_type_t t, double v, bl_ffi_value_t *out);
/* An integer-typed value as int64 (u64 above INT64_MAX saturates). */
int64_t bl_ffi_value_int(bl_ffi_type_t t, const bl_ffi_value_t *v);
/* A value of any numeric type as double. */
double bl_ffi_value_double(bl_ffi_type_t t, const bl_ffi_value_t *v);
/* Read one value of type t from unaligned memory p (borrowed). */
bl_ffi_value_t bl_ffi_value_load(bl_ffi_type_t t, const void *p);

/* ------------------------------------------------------------------ functions */

/* The functions an adapter declares; an argument kind says in which it may
 * appear. */
typedef enum bl_ffi_role {
    BL_FFI_INIT = 1u,
    BL_FFI_DETECT = 2u,
    BL_FFI_SCORE = 4u,
    BL_FFI_FREE = 8u
} bl_ffi_role_t;

typedef enum bl_ffi_arg_kind {
    BL_FFI_ARG_CONST = 1,    /* a constant: value (or text for a string) of `type` */
    BL_FFI_ARG_HANDLE,       /* void *: what init made */
    BL_FFI_ARG_HANDLE_OUT,   /* void **: init writes its handle there */
    BL_FFI_ARG_IMAGE,        /* const u16 * or const f32 *: one plane of the scan (a copy) */
    BL_FFI_ARG_WIDTH,        /* integer: pixels per row */
    BL_FFI_ARG_HEIGHT,       /* integer: rows */
    BL_FFI_ARG_STRIDE,       /* integer: elements from one row to the next */
    BL_FFI_ARG_STRIDE_BYTES, /* integer: bytes from one row to the next */
    BL_FFI_ARG_PIXEL_MM,     /* float: pixel pitch in millimetres (1 when unknown) */
    BL_FFI_ARG_HITS,         /* void *: the array of output structs */
    BL_FFI_ARG_CAPACITY,     /* integer: how many structs fit in it */
    BL_FFI_ARG_COUNT_OUT,    /* integer *: the vendor writes how many it filled */
    BL_FFI_ARG_FEATURES,     /* const double *: one record's features, in declared order */
    BL_FFI_ARG_N_FEATURES,   /* integer: how many */
    BL_FFI_ARG_SCORE_OUT     /* float or double *: the vendor writes the score */
} bl_ffi_arg_kind_t;

enum { BL_FFI_PLANE_HIGH = 0, BL_FFI_PLANE_LOW = 1 };

typedef struct bl_ffi_arg {
    int kind;             /* bl_ffi_arg_kind_t */
    int type;             /* scalars: the type passed; images and out pointers: the pointee's */
    int plane;            /* images: BL_FFI_PLANE_* */
    bl_ffi_value_t value; /* constants */
    char *text;           /* string constants (owned) */
} bl_ffi_arg_t;

/* What a function's return value means. */
typedef enum bl_ffi_ret {
    BL_FFI_RET_VOID = 0, /* nothing (or ignored) */
    BL_FFI_RET_STATUS,   /* an integer status: success per `ok` */
    BL_FFI_RET_HANDLE,   /* init: the handle, NULL on failure */
    BL_FFI_RET_COUNT,    /* detect: how many structs it filled, negative on failure */
    BL_FFI_RET_VALUE     /* score: the score itself (f32 or f64) */
} bl_ffi_ret_t;

/* Which status values mean success. */
typedef enum bl_ffi_ok {
    BL_FFI_OK_EQUAL = 0,   /* == ok_value (default: 0) */
    BL_FFI_OK_NONNEGATIVE, /* >= 0 */
    BL_FFI_OK_NONZERO      /* != 0 (a boolean "it worked") */
} bl_ffi_ok_t;

typedef struct bl_ffi_fn {
    char key[16];  /* "init", "detect"...: the config prefix, for messages */
    unsigned role; /* bl_ffi_role_t */
    char *name;    /* the symbol (owned); NULL when the function is not declared */
    size_t n_args;
    bl_ffi_arg_t args[BL_FFI_MAX_ARGS];
    int ret;      /* bl_ffi_ret_t */
    int ret_type; /* bl_ffi_type_t of the return value */
    int ok_rule;  /* bl_ffi_ok_t */
    int64_t ok_value;
} bl_ffi_fn_t;

/*
 * Parse the function declared under `key` ("init", "detect", "score",
 * "free") with role `role` into *fn (zeroed first).  When nothing is
 * declared under key: BL_OK with fn->name NULL, or BL_EINVAL when required.
 * Returns BL_OK, BL_EINVAL (logged) or BL_ENOMEM.  Release with
 * bl_ffi_fn_fini whatever it returned.
 */
int bl_ffi_fn_parse(const bl_ffi_ctx_t *ctx, const char *key, unsigned role, bool required,
                    bl_ffi_fn_t *fn);

/* Release what fn copied; fn may be zeroed or half-parsed. */
void bl_ffi_fn_fini(const bl_host_t *host, bl_ffi_fn_t *fn);

/* How many arguments of kind fn has; the index of the first in *first
 * (may be NULL). */
size_t bl_ffi_fn_count(const bl_ffi_fn_t *fn, int kind, size_t *first);

/* Whether status (an integer return) means success. */
bool bl_ffi_fn_ok(const bl_ffi_fn_t *fn, int64_t status);

/* "== 0", ">= 0", "!= 0": the success rule, for messages, written into buf
 * (size bytes); returns buf. */
const char *bl_ffi_fn_ok_text(const bl_ffi_fn_t *fn, char *buf, size_t size);

/*
 * Check the handle's path through init, the verb and free: `handle` needs an
 * init that makes one (returns = "handle", or a handle_out argument), and
 * init may make it one way only.  *made is whether init makes a handle.
 * BL_OK or BL_EINVAL (logged).
 */
int bl_ffi_check_handle(const bl_ffi_ctx_t *ctx, const bl_ffi_fn_t *init, const bl_ffi_fn_t *verb,
                        const bl_ffi_fn_t *fini, bool *made);

/* Require exactly one argument of kind in fn (what = its name for the
 * message, hint = what to write): BL_OK or BL_EINVAL (logged). */
int bl_ffi_require_one(const bl_ffi_ctx_t *ctx, const bl_ffi_fn_t *fn, int kind, const char *what,
                       const char *hint);

/* ------------------------------------------------------------------ the output struct */

/* What a field of the vendor's output struct is to the adapter. */
typedef enum bl_ffi_field_role {
    BL_FFI_FIELD_SKIP = 0, /* laid out, not read */
    BL_FFI_FIELD_CLASS,
    BL_FFI_FIELD_CONFIDENCE,
    BL_FFI_FIELD_X0,
    BL_FFI_FIELD_Y0,
    BL_FFI_FIELD_X1,
    BL_FFI_FIELD_Y1,
    BL_FFI_FIELD_X,
    BL_FFI_FIELD_Y,
    BL_FFI_FIELD_W,
    BL_FFI_FIELD_H,
    BL_FFI_FIELD_ROLE_COUNT
} bl_ffi_field_role_t;

typedef struct bl_ffi_field {
    int role; /* bl_ffi_field_role_t */
    int type; /* bl_ffi_type_t */
    size_t offset;
} bl_ffi_field_t;

typedef struct bl_ffi_layout {
    size_t n_fields;
    bl_ffi_field_t fields[BL_FFI_MAX_FIELDS];
    int field_of[BL_FFI_FIELD_ROLE_COUNT]; /* index into fields by role, -1 when absent */
    bool corners;                          /* x0 y0 x1 y1 (else x y w h) */
    size_t size;                           /* sizeof the struct: the array stride */
    size_t capacity;                       /* structs in the array handed to detect */
    double confidence_scale;               /* the vendor's confidence is divided by it */
} bl_ffi_layout_t;

/*
 * Parse "output.fields.N" ("role:type"), "output.capacity", the optional
 * "output.size" (checked against the computed layout) and
 * "output.confidence_scale" into *out.  BL_OK or BL_EINVAL (logged).
 */
int bl_ffi_layout_parse(const bl_ffi_ctx_t *ctx, bl_ffi_layout_t *out);

/* ------------------------------------------------------------------ config helpers */

/*
 * The values of the list `prefix`.1 .. `prefix`.N into values[0..N-1]
 * (borrowed from the config), N into *n.  An index that is not a positive
 * integer, a gap or more than max entries is refused.  BL_OK (N may be 0)
 * or BL_EINVAL (logged).
 */
int bl_ffi_list(const bl_ffi_ctx_t *ctx, const char *prefix, const char **values, size_t max,
                size_t *n);

/* An optional boolean key (true/false/1/0/yes/no) into *out (left as is
 * when absent): BL_OK or BL_EINVAL (logged). */
int bl_ffi_bool(const bl_ffi_ctx_t *ctx, const char *key, bool *out);

/*
 * Every config key must match one of patterns (NULL-terminated; '#' stands
 * for one dot-separated integer segment, '*' for any rest).  An unknown key
 * is refused naming it and the keys its group takes (or the top-level keys,
 * `top`, when its first segment is unknown too).  BL_OK or BL_EINVAL.
 */
int bl_ffi_check_keys(const bl_ffi_ctx_t *ctx, const char *const *patterns, const char *top);

/* Copy s into host memory (NULL when out of memory). */
char *bl_ffi_strdup(const bl_host_t *host, const char *s);

#endif
