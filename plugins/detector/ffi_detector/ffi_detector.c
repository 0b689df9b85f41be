/*
 * borderlab.ffi_detector: a vendor's detector SDK with its own C API,
 * called through libffi as the scenario declares it (plugins/ffi/README.md
 * has the declaration's syntax and a full example):
 *
 *   bl.plugin{"ffi_detector", library = "/opt/vendor/lib/libvsdk.so",
 *             init = {...}, detect = {...}, output = {...}, free = {...},
 *             classes = {[10] = "metal", ...}}
 *
 * create() validates the whole declaration first (every refusal is
 * BL_EINVAL with a message naming the key and what to write), then
 * dlopens the library, binds the declared symbols, and calls init once.
 * detect() calls the SDK once per scan of the batch: the planes it asks for
 * are copied (u16: transmission 0..1 scaled to 0..65535, rounded to
 * nearest; f32: as they are), so the SDK never sees, or scribbles on, the
 * host's buffers.  The structs it fills are read by the declared layout,
 * class codes mapped, confidences divided by output.confidence_scale and
 * boxes taken in pixels; what the SDK got wrong (an error status, a count
 * beyond capacity, a write past the array) is BL_EPLUGIN with a message
 * naming the scan.  destroy() calls free once.
 *
 * Conversion to u16: t <= 0 -> 0, t >= 1 -> 65535, NaN -> 65535 (no
 * information: as if unattenuated, as the reference detectors read it),
 * else floor(t * 65535 + 0.5).
 *
 * An instance is not thread-safe (it keeps scratch buffers); the SDK's
 * calls are serialised across instances unless the declaration says
 * thread_safe = true.  Whether results are deterministic is the SDK's
 * business, so the descriptor claims neither flag.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ffi/ffi_call.h"
#include "../../ffi/ffi_decl.h"
#include "borderlab/plugin.h"

#define PLUGIN "ffi_detector"
#define CANARY 0xA5 /* the byte pattern of the struct after the last one the SDK may fill */

/* Every key the declaration may use ('#': an integer). */
static const char *const known_keys[] = {
    "library",
    "thread_safe",
    "unmapped",
    "init.fn",
    "init.args.#",
    "init.returns",
    "init.ok",
    "detect.fn",
    "detect.args.#",
    "detect.returns",
    "detect.ok",
    "free.fn",
    "free.args.#",
    "free.returns",
    "free.ok",
    "output.fields.#",
    "output.capacity",
    "output.size",
    "output.confidence_scale",
    "classes.#",
    NULL,
};
#define TOP_KEYS "library, init, detect, output, free, classes, unmapped, thread_safe"

/* borderlab's class names, by class number (bl_threat_class_t). */
static const char *const class_names[BL_THREAT_CLASS_COUNT] = {
    [BL_THREAT_NONE] = NULL,           [BL_THREAT_FIREARM] = "firearm",
    [BL_THREAT_KNIFE] = "knife",       [BL_THREAT_EXPLOSIVE] = "explosive",
    [BL_THREAT_DRUGS] = "drugs",       [BL_THREAT_CIGARETTES] = "cigarettes",
    [BL_THREAT_CURRENCY] = "currency", [BL_THREAT_METAL] = "metal",
};
#define CLASS_LIST "firearm, knife, explosive, drugs, cigarettes, currency, metal"

/* What a vendor code becomes. */
enum { TO_INVALID = 0, TO_IGNORE = -1 }; /* else a bl_threat_class_t */

typedef struct class_map {
    int64_t code;
    int threat;
} class_map_t;

typedef struct adapter {
    const bl_host_t *host;
    bl_ffi_binding_t b; /* the library, init, detect and free */
    bl_ffi_layout_t out;
    size_t n_classes; /* 0: vendor codes are borderlab's class numbers */
    class_map_t classes[BL_FFI_MAX_LIST];
    int unmapped;     /* TO_INVALID, TO_IGNORE or a class */
    size_t stride_px; /* bytes per pixel that stride_bytes counts */
    /* Scratch: the converted planes [plane][0 u16, 1 f32] and the structs. */
    void *plane[2][2];
    size_t plane_bytes[2][2];
    unsigned char *hits; /* capacity + 1 structs: the last is the canary */
    bool warned_unmapped;
} adapter_t;

static int class_by_name(const char *s) {
    for (int c = 1; c < BL_THREAT_CLASS_COUNT; c++)
        if (strcmp(s, class_names[c]) == 0)
            return c;
    return -2;
}

/* "classes.<code>" = class name or "ignore"; "unmapped" = "invalid", "ignore" or a class. */
static int parse_classes(const bl_ffi_ctx_t *ctx, adapter_t *a) {
    const bl_config_t *config = ctx->config;
    for (size_t i = 0; config != NULL && i < config->n; i++) {
        const char *key = config->keys[i], *v = config->values[i] ? config->values[i] : "";
        if (key == NULL || strncmp(key, "classes.", 8) != 0)
            continue;
        char *end;
        long long code = strtoll(key + 8, &end, 10); /* an integer: bl_ffi_check_keys said so */
        int threat = strcmp(v, "ignore") == 0 ? TO_IGNORE : class_by_name(v);
        if (threat == -2)
            return bl_ffi_fail(ctx, "%s = \"%s\": unknown class; use one of %s, or \"ignore\"", key,
                               v, CLASS_LIST);
        if (a->n_classes == BL_FFI_MAX_LIST)
            return bl_ffi_fail(ctx, "%s: at most %d class codes", key, BL_FFI_MAX_LIST);
        a->classes[a->n_classes++] = (class_map_t){code, threat};
    }
    const char *u = bl_config_get(config, "unmapped");
    a->unmapped = TO_INVALID;
    if (u != NULL) {
        if (strcmp(u, "invalid") == 0)
            a->unmapped = TO_INVALID;
        else if (strcmp(u, "ignore") == 0)
            a->unmapped = TO_IGNORE;
        else if ((a->unmapped = class_by_name(u)) == -2)
            return bl_ffi_fail(ctx,
                               "unmapped = \"%s\": use \"invalid\" (reported, counted as invalid "
                               "outputs), \"ignore\", or a class (%s)",
                               u, CLASS_LIST);
    }
    return BL_OK;
}

/* The checks that involve more than one function or key. */
static int check_detect(const bl_ffi_ctx_t *ctx, adapter_t *a) {
    const bl_ffi_fn_t *d = &a->b.verb;
    bool made;
    size_t at = 0;
    int rc;
    if ((rc = bl_ffi_check_handle(ctx, &a->b.init, d, &a->b.fini, &made)) != BL_OK)
        return rc;
    if ((rc = bl_ffi_require_one(ctx, d, BL_FFI_ARG_HITS, "hits",
                                 "pass the array of output structs as \"hits\"")) != BL_OK)
        return rc;
    if (bl_ffi_fn_count(d, BL_FFI_ARG_IMAGE, &at) == 0)
        return bl_ffi_fail(ctx, "detect.args: no image argument; pass a plane, as in "
                                "\"image:high:u16\"");
    /* stride_bytes counts the bytes of the first image's pixel type. */
    a->stride_px = bl_ffi_type_size(d->args[at].type);
    for (size_t i = 0; i < d->n_args; i++)
        if (d->args[i].kind == BL_FFI_ARG_IMAGE &&
            bl_ffi_type_size(d->args[i].type) != a->stride_px &&
            bl_ffi_fn_count(d, BL_FFI_ARG_STRIDE_BYTES, NULL) > 0)
            return bl_ffi_fail(ctx,
                               "detect.args.%zu: images of two pixel types make stride_bytes "
                               "ambiguous; pass stride (elements) instead",
                               i + 1);
    size_t outs = bl_ffi_fn_count(d, BL_FFI_ARG_COUNT_OUT, &at);
    if (d->ret == BL_FFI_RET_COUNT && outs > 0)
        return bl_ffi_fail(ctx,
                           "detect.args.%zu = \"count_out\" and detect.returns = \"count\": the "
                           "count comes one way; keep one",
                           at + 1);
    if (d->ret != BL_FFI_RET_COUNT && outs == 0)
        return bl_ffi_fail(ctx, "detect: nothing says how many structs the SDK filled; declare "
                                "returns = \"count\" or a count_out argument");
    if (outs > 0 &&
        (rc = bl_ffi_require_one(ctx, d, BL_FFI_ARG_COUNT_OUT, "count_out", "")) != BL_OK)
        return rc;
    /* The capacity must fit the type the SDK takes it in. */
    for (size_t i = 0; i < d->n_args; i++) {
        bl_ffi_value_t v;
        if (d->args[i].kind == BL_FFI_ARG_CAPACITY &&
            bl_ffi_value_set_int(d->args[i].type, (int64_t)a->out.capacity, &v) != BL_OK)
            return bl_ffi_fail(ctx, "detect.args.%zu: output.capacity %zu does not fit in %s",
                               i + 1, a->out.capacity, bl_ffi_type_name(d->args[i].type));
    }
    if (made && a->b.fini.name == NULL)
        bl_host_logf(ctx->host, BL_LOG_INFO,
                     "%s: init makes a handle and no free is declared: it is never released",
                     PLUGIN);
    return BL_OK;
}

static void adapter_free(adapter_t *a) {
    const bl_host_t *host = a->host;
    bl_ffi_binding_fini(host, &a->b);
    for (int p = 0; p < 2; p++)
        for (int t = 0; t < 2; t++)
            if (a->plane[p][t] != NULL)
                host->free(host->ctx, a->plane[p][t]);
    if (a->hits != NULL)
        host->free(host->ctx, a->hits);
    host->free(host->ctx, a);
}

static int fd_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    adapter_t *a = NULL;
    if (instance == NULL)
        return BL_EINVAL;
    *instance = NULL;
    int rc = bl_ffi_instance_alloc(host, sizeof *a, (void **)&a);
    if (rc != BL_OK)
        return rc;
    a->host = host;
    bl_ffi_ctx_t ctx = {host, PLUGIN, config};

    /* 1. The declaration, all of it, before any vendor code runs. */
    if ((rc = bl_ffi_check_keys(&ctx, known_keys, TOP_KEYS)) != BL_OK ||
        (rc = bl_ffi_binding_parse(&ctx, "detect", BL_FFI_DETECT, &a->b)) != BL_OK ||
        (rc = bl_ffi_layout_parse(&ctx, &a->out)) != BL_OK ||
        (rc = check_detect(&ctx, a)) != BL_OK || (rc = parse_classes(&ctx, a)) != BL_OK ||
        (rc = bl_ffi_bool(&ctx, "thread_safe", &a->b.thread_safe)) != BL_OK)
        goto out;
    /* 2. The structs the SDK fills, and one more for the canary. */
    size_t bytes = (a->out.capacity + 1) * a->out.size;
    if ((a->hits = host->alloc(host->ctx, bytes)) == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    /* 3. The library and its symbols, then init. */
    if ((rc = bl_ffi_binding_open(&ctx, &a->b)) != BL_OK)
        goto out;
    *instance = a;
    return BL_OK;
out:
    adapter_free(a);
    return rc;
}

static void fd_destroy(void *instance) {
    if (instance != NULL)
        adapter_free(instance);
}

/* ------------------------------------------------------------------ detect */

static uint16_t to_u16(float t) {
    if (t != t)
        return 65535;
    if (t <= 0.0f)
        return 0;
    if (t >= 1.0f)
        return 65535;
    return (uint16_t)((double)t * 65535.0 + 0.5);
}

/* The plane (high/low) of s as type (u16/f32) in a's scratch; NULL when out of memory. */
static const void *plane_copy(adapter_t *a, const bl_scan_t *s, int plane, int type) {
    const float *src = plane == BL_FFI_PLANE_LOW ? s->low : s->high;
    size_t np = (size_t)s->width * s->height, t = type == BL_FFI_U16 ? 0 : 1;
    size_t need = np * (t == 0 ? sizeof(uint16_t) : sizeof(float));
    if (a->plane_bytes[plane][t] < need) {
        void *p = a->host->realloc(a->host->ctx, a->plane[plane][t], need);
        if (p == NULL)
            return NULL;
        a->plane[plane][t] = p;
        a->plane_bytes[plane][t] = need;
    }
    if (t == 0) {
        uint16_t *dst = a->plane[plane][t];
        for (size_t i = 0; i < np; i++)
            dst[i] = to_u16(src[i]);
    } else {
        memcpy(a->plane[plane][t], src, need);
    }
    return a->plane[plane][t];
}

/* Fill the per-scan arguments of detect for scan s; BL_OK or an error (logged). */
static int fill_args(adapter_t *a, const bl_scan_t *s, size_t index, bl_ffi_value_t *count) {
    const bl_ffi_fn_t *d = &a->b.verb;
    bl_ffi_value_t *v = a->b.verb_call.values;
    bool done[2][2] = {{false, false}, {false, false}};
    const void *copies[2][2] = {{NULL, NULL}, {NULL, NULL}};
    for (size_t i = 0; i < d->n_args; i++) {
        const bl_ffi_arg_t *arg = &d->args[i];
        int64_t n = -1;
        switch (arg->kind) {
        case BL_FFI_ARG_HANDLE:
            v[i].ptr = a->b.handle;
            break;
        case BL_FFI_ARG_IMAGE: {
            int t = arg->type == BL_FFI_U16 ? 0 : 1;
            if (arg->plane == BL_FFI_PLANE_LOW && (s->energies != 2 || s->low == NULL)) {
                bl_host_logf(a->host, BL_LOG_ERROR,
                             "%s: detect: scan %zu (id %llu) has no low-energy image and "
                             "detect.args.%zu asks for it: bench dual-energy scans",
                             PLUGIN, index, (unsigned long long)s->id, i + 1);
                return BL_EINVAL;
            }
            if (!done[arg->plane][t]) {
                copies[arg->plane][t] = plane_copy(a, s, arg->plane, arg->type);
                done[arg->plane][t] = true;
            }
            if (copies[arg->plane][t] == NULL)
                return BL_ENOMEM;
            v[i].ptr = (void *)copies[arg->plane][t];
            break;
        }
        case BL_FFI_ARG_WIDTH:
        case BL_FFI_ARG_STRIDE:
            n = s->width;
            break;
        case BL_FFI_ARG_HEIGHT:
            n = s->height;
            break;
        case BL_FFI_ARG_STRIDE_BYTES:
            n = (int64_t)s->width * (int64_t)a->stride_px;
            break;
        case BL_FFI_ARG_CAPACITY:
            n = (int64_t)a->out.capacity;
            break;
        case BL_FFI_ARG_PIXEL_MM:
            bl_ffi_value_set_float(arg->type, s->pixel_mm > 0 ? s->pixel_mm : 1.0, &v[i]);
            break;
        case BL_FFI_ARG_HITS:
            v[i].ptr = a->hits;
            break;
        case BL_FFI_ARG_COUNT_OUT:
            memset(count, 0, sizeof *count);
            v[i].ptr = count;
            break;
        default: /* constants: set once at bind */
            break;
        }
        if (n >= 0 && bl_ffi_value_set_int(arg->type, n, &v[i]) != BL_OK) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: detect: scan %zu is %ux%u: detect.args.%zu (%s) does not fit it; "
                         "declare a wider type",
                         PLUGIN, index, s->width, s->height, i + 1, bl_ffi_type_name(arg->type));
            return BL_EINVAL;
        }
    }
    return BL_OK;
}

/* The borderlab class of vendor code (TO_IGNORE, or TO_INVALID -> class 0). */
static int map_class(adapter_t *a, int64_t code) {
    if (a->n_classes == 0)
        return code >= 1 && code < BL_THREAT_CLASS_COUNT ? (int)code : a->unmapped;
    for (size_t i = 0; i < a->n_classes; i++)
        if (a->classes[i].code == code)
            return a->classes[i].threat;
    return a->unmapped;
}

static double field(const adapter_t *a, const unsigned char *elem, int role) {
    const bl_ffi_field_t *f = &a->out.fields[a->out.field_of[role]];
    bl_ffi_value_t v = bl_ffi_value_load(f->type, elem + f->offset);
    return bl_ffi_value_double(f->type, &v);
}

/* Call the SDK on scan s and append what it found; BL_OK, BL_ENOSPC or an error. */
static int detect_one(adapter_t *a, const bl_scan_t *s, size_t index, bl_detections_t *out) {
    const bl_ffi_fn_t *d = &a->b.verb;
    const bl_ffi_layout_t *L = &a->out;
    unsigned char *canary = a->hits + L->capacity * L->size;
    bl_ffi_value_t count_out, ret;
    char ok[32];
    int64_t count;
    int rc;

    if (s->size < sizeof(bl_scan_t) || (s->depth > 1) || s->high == NULL ||
        (s->width > 0 && s->height > SIZE_MAX / 8 / s->width)) {
        bl_host_logf(a->host, BL_LOG_ERROR,
                     "%s: detect: scan %zu is not a projection image this adapter can pass (size "
                     "%u, depth %u, high %s)",
                     PLUGIN, index, s->size, s->depth, s->high ? "set" : "NULL");
        return BL_EINVAL;
    }
    if (s->width == 0 || s->height == 0)
        return BL_OK;
    if ((rc = fill_args(a, s, index, &count_out)) != BL_OK)
        return rc;
    memset(a->hits, 0, L->capacity * L->size);
    memset(canary, CANARY, L->size);
    bl_ffi_call_invoke(&a->b.verb_call, &ret);

    if (d->ret == BL_FFI_RET_STATUS) {
        int64_t st = bl_ffi_value_int(d->ret_type, &ret);
        if (!bl_ffi_fn_ok(d, st)) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: detect: %s returned %lld (success is %s) on scan %zu (id %llu)",
                         PLUGIN, d->name, (long long)st, bl_ffi_fn_ok_text(d, ok, sizeof ok), index,
                         (unsigned long long)s->id);
            return BL_EPLUGIN;
        }
    }
    if (d->ret == BL_FFI_RET_COUNT) {
        count = bl_ffi_value_int(d->ret_type, &ret);
    } else {
        size_t at = 0;
        bl_ffi_fn_count(d, BL_FFI_ARG_COUNT_OUT, &at);
        count = bl_ffi_value_int(d->args[at].type, &count_out);
    }
    for (size_t b = 0; b < L->size; b++)
        if (canary[b] != CANARY) {
            bl_host_logf(a->host, BL_LOG_ERROR,
                         "%s: detect: %s wrote past output.capacity (%zu structs of %zu bytes) "
                         "on scan %zu: it ignores its capacity, or output.fields is wrong",
                         PLUGIN, d->name, L->capacity, L->size, index);
            return BL_EPLUGIN;
        }
    if (count < 0 || (uint64_t)count > L->capacity) {
        bl_host_logf(a->host, BL_LOG_ERROR,
                     "%s: detect: %s reports %lld structs on scan %zu, output.capacity is %zu%s",
                     PLUGIN, d->name, (long long)count, index, L->capacity,
                     count < 0 ? " (a negative count is an error)" : "");
        return BL_EPLUGIN;
    }

    for (int64_t j = 0; j < count; j++) {
        const unsigned char *elem = a->hits + (size_t)j * L->size;
        const bl_ffi_field_t *cf = &L->fields[L->field_of[BL_FFI_FIELD_CLASS]];
        bl_ffi_value_t cv = bl_ffi_value_load(cf->type, elem + cf->offset);
        int64_t code = bl_ffi_value_int(cf->type, &cv);
        int threat = map_class(a, code);
        if (threat == TO_IGNORE)
            continue;
        if (threat == TO_INVALID && !a->warned_unmapped) {
            a->warned_unmapped = true;
            bl_host_logf(a->host, BL_LOG_WARN,
                         "%s: detect: class code %lld has no borderlab class (classes = {...}); "
                         "such detections are reported as invalid outputs",
                         PLUGIN, (long long)code);
        }
        double conf = field(a, elem, BL_FFI_FIELD_CONFIDENCE);
        if (L->confidence_scale != 1.0)
            conf /= L->confidence_scale;
        double box[4];
        if (L->corners) {
            box[0] = field(a, elem, BL_FFI_FIELD_X0);
            box[1] = field(a, elem, BL_FFI_FIELD_Y0);
            box[2] = field(a, elem, BL_FFI_FIELD_X1);
            box[3] = field(a, elem, BL_FFI_FIELD_Y1);
        } else {
            box[0] = field(a, elem, BL_FFI_FIELD_X);
            box[1] = field(a, elem, BL_FFI_FIELD_Y);
            box[2] = box[0] + field(a, elem, BL_FFI_FIELD_W);
            box[3] = box[1] + field(a, elem, BL_FFI_FIELD_H);
        }
        if (out->count >= out->capacity)
            return BL_ENOSPC;
        bl_detection_t *det = &out->items[out->count++];
        det->scan = (uint32_t)index;
        det->threat = (uint32_t)threat;
        det->confidence = (float)conf;
        for (int k = 0; k < 4; k++)
            det->box[k] = (float)box[k];
    }
    return BL_OK;
}

static int fd_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    adapter_t *a = instance;
    int rc = BL_OK;
    if (a == NULL || (n > 0 && (scans == NULL || out == NULL)) || n > UINT32_MAX)
        return BL_EINVAL;
    bl_ffi_lock(a->b.thread_safe);
    for (size_t i = 0; i < n && rc == BL_OK; i++)
        rc = detect_one(a, &scans[i], i, out);
    bl_ffi_unlock(a->b.thread_safe);
    return rc;
}

static const bl_detector_ops_t ops = {
    sizeof(bl_detector_ops_t),
    fd_create,
    fd_detect,
    fd_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, 0, "borderlab.ffi_detector",
                     "libffi adapter for a vendor detector SDK", "borderlab", "0.1.0"),
    &ops,
    NULL,
    NULL,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
