/*
 * The libffi adapters' calls into a vendor SDK: see ffi_call.h.
 */
#include "ffi_call.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

/* One lock per adapter plugin (each .so has its own copy of this file). */
static pthread_mutex_t sdk_lock = PTHREAD_MUTEX_INITIALIZER;

void bl_ffi_lock(bool thread_safe) {
    if (!thread_safe)
        pthread_mutex_lock(&sdk_lock);
}

void bl_ffi_unlock(bool thread_safe) {
    if (!thread_safe)
        pthread_mutex_unlock(&sdk_lock);
}

int bl_ffi_library_open(const bl_ffi_ctx_t *ctx, bl_ffi_library_t *lib) {
    const char *path = bl_config_get(ctx->config, "library");
    memset(lib, 0, sizeof *lib);
    if (path == NULL || path[0] == '\0')
        return bl_ffi_fail(ctx, "library: missing; give the SDK's shared object, as in library = "
                                "\"/opt/vendor/lib/libvendor.so\" (absolute, or relative to the "
                                "working folder)");
    if ((lib->path = bl_ffi_strdup(ctx->host, path)) == NULL)
        return BL_ENOMEM;
    dlerror();
    lib->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib->dl == NULL) {
        const char *why = dlerror();
        return bl_ffi_fail(ctx, "library = \"%s\": cannot load it (%s)%s", path,
                           why ? why : "unknown reason",
                           strchr(path, '/') ? "" : "; give a path with a '/'");
    }
    return BL_OK;
}

void bl_ffi_library_close(const bl_host_t *host, bl_ffi_library_t *lib) {
    if (lib->dl != NULL)
        dlclose(lib->dl);
    if (lib->path != NULL)
        host->free(host->ctx, lib->path);
    memset(lib, 0, sizeof *lib);
}

static ffi_type *ffi_type_of(int t) {
    switch (t) {
    case BL_FFI_I8:
        return &ffi_type_sint8;
    case BL_FFI_U8:
        return &ffi_type_uint8;
    case BL_FFI_I16:
        return &ffi_type_sint16;
    case BL_FFI_U16:
        return &ffi_type_uint16;
    case BL_FFI_I32:
        return &ffi_type_sint32;
    case BL_FFI_U32:
        return &ffi_type_uint32;
    case BL_FFI_I64:
        return &ffi_type_sint64;
    case BL_FFI_U64:
        return &ffi_type_uint64;
    case BL_FFI_F32:
        return &ffi_type_float;
    case BL_FFI_F64:
        return &ffi_type_double;
    case BL_FFI_PTR:
        return &ffi_type_pointer;
    default:
        return &ffi_type_void;
    }
}

/* What the C function receives for an argument: a pointer, or the scalar. */
static ffi_type *arg_type(const bl_ffi_arg_t *a) {
    switch (a->kind) {
    case BL_FFI_ARG_CONST:
    case BL_FFI_ARG_WIDTH:
    case BL_FFI_ARG_HEIGHT:
    case BL_FFI_ARG_STRIDE:
    case BL_FFI_ARG_STRIDE_BYTES:
    case BL_FFI_ARG_PIXEL_MM:
    case BL_FFI_ARG_CAPACITY:
    case BL_FFI_ARG_N_FEATURES:
        return ffi_type_of(a->type);
    default:
        return &ffi_type_pointer;
    }
}

int bl_ffi_call_bind(const bl_ffi_ctx_t *ctx, const bl_ffi_library_t *lib, const bl_ffi_fn_t *fn,
                     bl_ffi_call_t *call) {
    memset(call, 0, sizeof *call);
    call->fn = fn;
    dlerror();
    void *sym = dlsym(lib->dl, fn->name);
    if (sym == NULL) /* dlerror() would only repeat the path and the name */
        return bl_ffi_fail(ctx,
                           "%s.fn = \"%s\": no such symbol in %s; check the SDK's header "
                           "(nm -D lists what the library exports)",
                           fn->key, fn->name, lib->path);
    memcpy(&call->sym, &sym, sizeof sym); /* object to function pointer, as dlsym means it */
    for (size_t i = 0; i < fn->n_args; i++) {
        const bl_ffi_arg_t *a = &fn->args[i];
        call->types[i] = arg_type(a);
        call->avalues[i] = &call->values[i];
        if (a->kind == BL_FFI_ARG_CONST)
            call->values[i] = a->value;
        if (a->kind == BL_FFI_ARG_CONST && a->text != NULL)
            call->values[i].ptr = a->text;
    }
    ffi_type *rtype = fn->ret == BL_FFI_RET_VOID ? &ffi_type_void : ffi_type_of(fn->ret_type);
    ffi_status st = ffi_prep_cif(&call->cif, FFI_DEFAULT_ABI, (unsigned)fn->n_args, rtype,
                                 fn->n_args > 0 ? call->types : NULL);
    if (st != FFI_OK)
        return bl_ffi_fail(ctx, "%s.fn = \"%s\": libffi refuses this signature (status %d)",
                           fn->key, fn->name, (int)st);
    return BL_OK;
}

void bl_ffi_call_invoke(bl_ffi_call_t *call, bl_ffi_value_t *ret) {
    /* libffi widens an integer return narrower than ffi_arg to a full
     * ffi_arg; the union is large enough for every return type. */
    union {
        ffi_arg a;
        double d;
        uint64_t u;
        void *p;
    } r;
    int t = call->fn->ret == BL_FFI_RET_VOID ? BL_FFI_VOID : call->fn->ret_type;
    memset(&r, 0, sizeof r);
    memset(ret, 0, sizeof *ret);
    ffi_call(&call->cif, call->sym, &r, call->fn->n_args > 0 ? call->avalues : NULL);
    if (t == BL_FFI_VOID)
        return;
    size_t size = bl_ffi_type_size(t);
    if (bl_ffi_type_is_int(t) && size < sizeof(ffi_arg)) {
        /* Keep the low bits only, whatever the ABI left above them. */
        if (t == BL_FFI_I8)
            ret->i8 = (int8_t)r.a;
        else if (t == BL_FFI_U8)
            ret->u8 = (uint8_t)r.a;
        else if (t == BL_FFI_I16)
            ret->i16 = (int16_t)r.a;
        else if (t == BL_FFI_U16)
            ret->u16 = (uint16_t)r.a;
        else if (t == BL_FFI_I32)
            ret->i32 = (int32_t)r.a;
        else
            ret->u32 = (uint32_t)r.a;
    } else {
        memcpy(ret, &r, size);
    }
}

int bl_ffi_call_init(const bl_ffi_ctx_t *ctx, bl_ffi_call_t *call, bool thread_safe,
                     void **handle) {
    const bl_ffi_fn_t *init = call->fn;
    bl_ffi_value_t ret;
    void *out_handle = NULL;
    char ok[32];
    size_t outs = bl_ffi_fn_count(init, BL_FFI_ARG_HANDLE_OUT, NULL);
    *handle = NULL;
    for (size_t i = 0; i < init->n_args; i++)
        if (init->args[i].kind == BL_FFI_ARG_HANDLE_OUT)
            call->values[i].ptr = &out_handle;
    bl_ffi_lock(thread_safe);
    bl_ffi_call_invoke(call, &ret);
    bl_ffi_unlock(thread_safe);
    if (init->ret == BL_FFI_RET_HANDLE && ret.ptr == NULL)
        return bl_ffi_fail(ctx,
                           "init: %s returned NULL: the SDK refused to start; check init.args "
                           "against its documentation",
                           init->name);
    if (init->ret == BL_FFI_RET_STATUS) {
        int64_t st = bl_ffi_value_int(init->ret_type, &ret);
        if (!bl_ffi_fn_ok(init, st))
            return bl_ffi_fail(ctx,
                               "init: %s returned %lld (success is %s): the SDK refused to start; "
                               "check init.args and init.ok",
                               init->name, (long long)st, bl_ffi_fn_ok_text(init, ok, sizeof ok));
    }
    if (outs > 0 && out_handle == NULL)
        return bl_ffi_fail(ctx, "init: %s succeeded but wrote no handle (handle_out is NULL)",
                           init->name);
    *handle = init->ret == BL_FFI_RET_HANDLE ? ret.ptr : out_handle;
    return BL_OK;
}

void bl_ffi_call_free(bl_ffi_call_t *call, bool thread_safe, void *handle) {
    bl_ffi_value_t ret;
    for (size_t i = 0; i < call->fn->n_args; i++)
        if (call->fn->args[i].kind == BL_FFI_ARG_HANDLE)
            call->values[i].ptr = handle;
    bl_ffi_lock(thread_safe);
    bl_ffi_call_invoke(call, &ret);
    bl_ffi_unlock(thread_safe);
}

int bl_ffi_binding_parse(const bl_ffi_ctx_t *ctx, const char *verb, unsigned verb_role,
                         bl_ffi_binding_t *b) {
    int rc;
    if ((rc = bl_ffi_fn_parse(ctx, "init", BL_FFI_INIT, false, &b->init)) != BL_OK ||
        (rc = bl_ffi_fn_parse(ctx, verb, verb_role, true, &b->verb)) != BL_OK ||
        (rc = bl_ffi_fn_parse(ctx, "free", BL_FFI_FREE, false, &b->fini)) != BL_OK)
        return rc;
    return BL_OK;
}

int bl_ffi_binding_open(const bl_ffi_ctx_t *ctx, bl_ffi_binding_t *b) {
    int rc;
    b->init_done = false;
    if ((rc = bl_ffi_library_open(ctx, &b->lib)) != BL_OK ||
        (b->init.name != NULL &&
         (rc = bl_ffi_call_bind(ctx, &b->lib, &b->init, &b->init_call)) != BL_OK) ||
        (rc = bl_ffi_call_bind(ctx, &b->lib, &b->verb, &b->verb_call)) != BL_OK ||
        (b->fini.name != NULL &&
         (rc = bl_ffi_call_bind(ctx, &b->lib, &b->fini, &b->fini_call)) != BL_OK))
        return rc;
    if (b->init.name != NULL &&
        (rc = bl_ffi_call_init(ctx, &b->init_call, b->thread_safe, &b->handle)) != BL_OK)
        return rc;
    b->init_done = true;
    return BL_OK;
}

void bl_ffi_binding_fini(const bl_host_t *host, bl_ffi_binding_t *b) {
    if (b->init_done && b->fini.name != NULL && b->fini_call.sym != NULL)
        bl_ffi_call_free(&b->fini_call, b->thread_safe, b->handle);
    bl_ffi_library_close(host, &b->lib);
    bl_ffi_fn_fini(host, &b->init);
    bl_ffi_fn_fini(host, &b->verb);
    bl_ffi_fn_fini(host, &b->fini);
}

int bl_ffi_instance_alloc(const bl_host_t *host, size_t size, void **out) {
    if (out == NULL)
        return BL_EINVAL;
    *out = NULL;
    if (host == NULL || host->alloc == NULL || host->realloc == NULL || host->free == NULL)
        return BL_EINVAL;
    void *a = host->alloc(host->ctx, size);
    if (a == NULL)
        return BL_ENOMEM;
    memset(a, 0, size);
    *out = a;
    return BL_OK;
}
