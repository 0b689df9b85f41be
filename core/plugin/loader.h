/*
 * Plugin loader: dlopen a shared object, find its one entry symbol, and
 * validate the descriptor in a fixed order, refusing with a message that
 * names the file and the reason.  Nothing of a refused file stays loaded.
 *
 * Validation order (each step assumes the previous ones passed):
 *   1. the file exists and is readable
 *   2. it is an ELF shared object that the dynamic linker accepts
 *   3. it exports BL_PLUGIN_ENTRY_NAME
 *   4. the entry returns a descriptor for our ABI major
 *   5. ABI major matches BL_ABI_MAJOR
 *   6. struct_size is at least the v1.0 descriptor size
 *   7. type-size fingerprint matches
 *   8. kind is known (and, when a kind is expected, equals it)
 *   9. id ("vendor.product"), name, vendor and version are present
 *  10. the kind's ops table is present, large enough, with every required verb
 */
#ifndef BL_LOADER_H
#define BL_LOADER_H

#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"
#include "plugin/isolated.h"
#include "stats/rng.h"

typedef struct bl_plugin_handle {
    char *path;              /* resolved path that was loaded (owned) */
    void *dl;                /* dlopen handle (NULL: built in, or isolated) */
    const bl_plugin_t *desc; /* the plugin's constant descriptor */
    char sha256[65];         /* hex SHA-256 of the file */
    bl_isolated_t *isolated; /* owned; non-NULL when it runs in plugin host processes */
} bl_plugin_handle_t;

/* Where a plugin runs: the default (below), or as asked with
 * bl.plugin{..., isolation = "process" | "none"} or --isolation. */
typedef enum bl_isolation_mode {
    BL_ISOLATION_DEFAULT = 0,
    BL_ISOLATION_PROCESS = 1, /* in plugin host processes (isolated.h) */
    BL_ISOLATION_NONE = 2     /* inside borderlab (dlopen) */
} bl_isolation_mode_t;

/*
 * The mode a plugin spec runs in by default: a file given by path (a
 * vendor's library: the spec has a '/' or ends in .so) and the reference
 * plugins that load vendor code (the libffi adapters ffi_detector and
 * ffi_risk) run isolated; the other reference plugins and built-ins run
 * inside borderlab.  Never returns BL_ISOLATION_DEFAULT.
 */
int bl_plugin_default_isolation(const char *spec);

/* "process" or "none" (mode resolved against spec when DEFAULT). */
const char *bl_isolation_mode_name(int mode);

/*
 * Load the plugin that spec resolved to (path) in the mode asked (DEFAULT:
 * bl_plugin_default_isolation(spec)), with the limits in opts (NULL: the
 * defaults) when isolated.  Same contract as bl_plugin_load.
 */
int bl_plugin_open(bl_plugin_handle_t *h, const char *spec, const char *path, int expected_kind,
                   int mode, const bl_isolation_opts_t *opts, bl_error_t *err);

/*
 * Resolve a plugin spec to a file path.  A spec containing '/' or ending
 * in ".so" is a path (tried as given, then relative to base_dir when not
 * NULL); otherwise it is a reference plugin name looked up in, in order:
 * $BORDERLAB_PLUGIN_PATH (colon-separated folders), the build tree beside
 * the running program (plugins/<kind>/<name>/.libs/<name>.so), the
 * installed plugin folder relative to the running program (an install
 * staged with DESTDIR or moved: base/datadir.h), and the installed plugin
 * folder configure chose ($pkglibdir).  A spec "builtin:NAME"
 * (builtin_plugins.h) resolves to itself.  kind may be 0 (any).  Returns a
 * heap string the caller frees, or NULL with err set (the message lists
 * where it looked).
 */
char *bl_plugin_resolve(const char *spec, int kind, const char *base_dir, bl_error_t *err);

/*
 * Load and validate the plugin at path.  "builtin:NAME" loads a plugin
 * compiled into the program: no dlopen (dl stays NULL), the same checks
 * 4-10, and sha256 is that of the running program (/proc/self/exe).  expected_kind is a
 * bl_plugin_kind_t or 0 for any.  On success fills *h (release with
 * bl_plugin_unload); on failure nothing stays loaded and err names the file
 * and the reason.
 */
int bl_plugin_load(bl_plugin_handle_t *h, const char *path, int expected_kind, bl_error_t *err);

void bl_plugin_unload(bl_plugin_handle_t *h);

/* "detector", "risk model", "seizure store" or "unknown". */
const char *bl_plugin_kind_name(int kind);

/*
 * Per-instance host services: the bl_host_t handed to a plugin's create()
 * plus the state behind its ctx (RNG stream and simulated clock).  Embed
 * one per plugin instance; it must outlive the instance and must not be
 * copied or moved after bl_host_services_init (host.ctx points to it).
 */
typedef struct bl_host_services {
    bl_host_t host;
    bl_rng_t rng;
    const double *clock;   /* simulated time, may be NULL (then now() is 0) */
    const char *plugin_id; /* for log lines */
    int log_level;         /* messages above this level are dropped */
} bl_host_services_t;

/* Fill hs: RNG from (seed, replication, stream), clock borrowed. */
void bl_host_services_init(bl_host_services_t *hs, uint64_t seed, uint64_t replication,
                           uint64_t stream, const double *clock, const char *plugin_id);

/* SHA-256 of a file as 64 lowercase hex digits + NUL. */
int bl_sha256_file(const char *path, char out[65], bl_error_t *err);

#endif
