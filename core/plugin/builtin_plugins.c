/*
 * Built-in plugins (see builtin_plugins.h).
 *
 * builtin:noop is the floor of the detector benchmark: whatever time a
 * batch takes through it is spent in the harness (scan hand-over, output
 * buffer, timing, bookkeeping), not in detection.  Its detect() therefore
 * does nothing but check its arguments: no pixel is read, no memory is
 * allocated, no lock is taken.  It holds no state, so the instance is a
 * pointer to a static byte and create/destroy allocate nothing either.
 */
#include "plugin/builtin_plugins.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ noop */

/* Every instance is this address: noop has no state to keep. */
static const char noop_instance;

static int noop_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    (void)config; /* no keys: any given are ignored, like an unused scenario field */
    (void)host;
    if (instance == NULL)
        return BL_EINVAL;
    *instance = (void *)&noop_instance;
    return BL_OK;
}

static int noop_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    (void)scans;
    if (instance != &noop_instance || (n > 0 && out == NULL))
        return BL_EINVAL;
    return BL_OK;
}

static void noop_destroy(void *instance) { (void)instance; }

static const bl_detector_ops_t noop_ops = {
    sizeof(bl_detector_ops_t),
    noop_create,
    noop_detect,
    noop_destroy,
};

static const bl_plugin_t noop_descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, BL_FLAG_THREAD_SAFE | BL_FLAG_DETERMINISTIC,
                     "borderlab.noop", "No-op detector (harness overhead)", "borderlab", "0.1.0"),
    &noop_ops,
    NULL,
    NULL,
};

/* ------------------------------------------------------------------ table */

static const struct {
    const char *name;
    const bl_plugin_t *desc;
} builtins[] = {
    {"noop", &noop_descriptor},
};

#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

const bl_plugin_t *bl_builtin_plugin(const char *name) {
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return builtins[i].desc;
    return NULL;
}

const char *bl_builtin_plugin_name(size_t i) { return i < N_BUILTINS ? builtins[i].name : NULL; }

char *bl_builtin_plugin_list(char *buf, size_t cap) {
    size_t used = 0;
    if (buf == NULL || cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < N_BUILTINS && used < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s" BL_BUILTIN_PREFIX "%s", i > 0 ? ", " : "",
                         builtins[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}
