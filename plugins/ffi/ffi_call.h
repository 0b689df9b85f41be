/*
 * The libffi adapters' calls into a vendor SDK: open the library named by
 * the "library" key, bind a declared function (bl_ffi_fn_t, ffi_decl.h) to
 * its symbol with a libffi call interface prepared once, and invoke it with
 * argument values the adapter fills per call.
 *
 * Calls into an SDK that was not declared thread-safe ("thread_safe =
 * true") are serialised by one lock per adapter plugin: each instance runs
 * on its own thread, but the SDK behind them is one copy of the library
 * with whatever global state its vendor gave it.
 */
#ifndef BL_FFI_CALL_H
#define BL_FFI_CALL_H

#include <stdbool.h>

#include <ffi.h>

#include "ffi_decl.h"

typedef struct bl_ffi_library {
    void *dl;   /* dlopen handle, NULL when not open */
    char *path; /* as given (owned) */
} bl_ffi_library_t;

/*
 * dlopen the "library" key's file (RTLD_NOW | RTLD_LOCAL: a missing
 * dependency is reported now, and the SDK's symbols do not leak into the
 * process).  A path with a '/' is opened as given (absolute, or relative to
 * the working folder); a bare name is searched by the dynamic linker
 * (LD_LIBRARY_PATH, ld.so.cache).  BL_OK, BL_EINVAL (logged, naming the
 * library and dlerror()) or BL_ENOMEM.  Release with bl_ffi_library_close.
 */
int bl_ffi_library_open(const bl_ffi_ctx_t *ctx, bl_ffi_library_t *lib);

/* dlclose and free; lib may be zeroed or half-open. */
void bl_ffi_library_close(const bl_host_t *host, bl_ffi_library_t *lib);

/*
 * A declared function bound to its symbol.  values[i] is the storage of
 * argument i: constants are filled by bl_ffi_call_bind, the rest by the
 * adapter before each invoke.  avalues points into values, so a bound call
 * must not be copied or moved (embed it in the instance).
 */
typedef struct bl_ffi_call {
    const bl_ffi_fn_t *fn; /* borrowed: outlives the call */
    void (*sym)(void);
    ffi_cif cif;
    ffi_type *types[BL_FFI_MAX_ARGS];
    bl_ffi_value_t values[BL_FFI_MAX_ARGS];
    void *avalues[BL_FFI_MAX_ARGS];
} bl_ffi_call_t;

/*
 * Resolve fn->name in lib and prepare the call interface.  BL_OK, or
 * BL_EINVAL (logged: "<fn>.fn = "name": no such symbol in <library>") when
 * the symbol is missing or libffi refuses the signature.
 */
int bl_ffi_call_bind(const bl_ffi_ctx_t *ctx, const bl_ffi_library_t *lib, const bl_ffi_fn_t *fn,
                     bl_ffi_call_t *call);

/* Call it with call->values as they are; the return value (of
 * call->fn->ret_type, zeroed when void) into *ret. */
void bl_ffi_call_invoke(bl_ffi_call_t *call, bl_ffi_value_t *ret);

/*
 * Call a bound init (its args' handle_out pointed at a local) under the
 * lock and judge its result: *handle gets what it made (NULL when it makes
 * none).  BL_OK, or BL_EINVAL (logged) when it returned NULL, a failure
 * status, or succeeded without writing its handle_out.  A handle written
 * by an init that reported failure is not trusted, so not freed.
 */
int bl_ffi_call_init(const bl_ffi_ctx_t *ctx, bl_ffi_call_t *call, bool thread_safe, void **handle);

/*
 * An adapter instance of size bytes, zeroed, from the host's allocator
 * into *out: BL_EINVAL when out or the host's services are missing,
 * BL_ENOMEM.  Free it with host->free.
 */
int bl_ffi_instance_alloc(const bl_host_t *host, size_t size, void **out);

/*
 * What every adapter binds: the library, init (optional), its verb (detect,
 * score) and free (optional), and the handle init made.  Embedded in the
 * adapter's instance (the calls must not move).
 */
typedef struct bl_ffi_binding {
    bl_ffi_library_t lib;
    bl_ffi_fn_t init, verb, fini;
    bl_ffi_call_t init_call, verb_call, fini_call;
    bool thread_safe; /* the declaration's thread_safe: no lock around the SDK */
    bool init_done;   /* init called and succeeded (or there is none) */
    void *handle;     /* what init made, if it makes one */
} bl_ffi_binding_t;

/* Parse init, the verb (key verb, role verb_role: required) and free of the
 * declaration into b.  BL_OK or the first refusal (logged). */
int bl_ffi_binding_parse(const bl_ffi_ctx_t *ctx, const char *verb, unsigned verb_role,
                         bl_ffi_binding_t *b);

/* Once the whole declaration is checked: open the library, bind the three
 * functions and call init.  BL_OK or the first refusal's code (logged);
 * bl_ffi_binding_fini releases whatever was done. */
int bl_ffi_binding_open(const bl_ffi_ctx_t *ctx, bl_ffi_binding_t *b);

/* Call free on what init made (when both happened), close the library and
 * release the parsed functions.  Safe on a zeroed or half-opened b. */
void bl_ffi_binding_fini(const bl_host_t *host, bl_ffi_binding_t *b);

/* Call a bound free with handle (for its handle arguments) under the lock;
 * its return value is ignored. */
void bl_ffi_call_free(bl_ffi_call_t *call, bool thread_safe, void *handle);

/* Take and release the adapter's SDK lock, unless thread_safe. */
void bl_ffi_lock(bool thread_safe);
void bl_ffi_unlock(bool thread_safe);

#endif
