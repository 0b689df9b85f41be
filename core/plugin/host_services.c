/*
 * Host services handed to plugin instances (see loader.h): allocator,
 * logger, RNG stream and simulated clock.  ctx is always the
 * bl_host_services_t that embeds the bl_host_t, so a service reaches its
 * state without any global.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/loader.h"

static void *hs_alloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size);
}

static void *hs_realloc(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    return realloc(ptr, size);
}

static void hs_free(void *ctx, void *ptr) {
    (void)ctx;
    free(ptr);
}

static const char *level_name(int level) {
    switch (level) {
    case BL_LOG_ERROR:
        return "error";
    case BL_LOG_WARN:
        return "warning";
    case BL_LOG_INFO:
        return "info";
    case BL_LOG_DEBUG:
        return "debug";
    default:
        return "log";
    }
}

static void hs_log(void *ctx, int level, const char *message) {
    const bl_host_services_t *hs = ctx;
    if (hs != NULL && level > hs->log_level)
        return;
    /* One fprintf per line so lines from several threads do not interleave. */
    fprintf(stderr, "[%s] %s: %s\n", hs != NULL && hs->plugin_id != NULL ? hs->plugin_id : "plugin",
            level_name(level), message != NULL ? message : "(null)");
}

static uint64_t hs_random_u64(void *ctx) {
    bl_host_services_t *hs = ctx;
    return bl_rng_next(&hs->rng);
}

static double hs_now(void *ctx) {
    const bl_host_services_t *hs = ctx;
    return hs->clock != NULL ? *hs->clock : 0.0;
}

void bl_host_services_init(bl_host_services_t *hs, uint64_t seed, uint64_t replication,
                           uint64_t stream, const double *clock, const char *plugin_id) {
    memset(hs, 0, sizeof *hs);
    hs->host.size = (uint32_t)sizeof(bl_host_t);
    hs->host.abi_minor = BL_ABI_MINOR;
    hs->host.ctx = hs;
    hs->host.alloc = hs_alloc;
    hs->host.realloc = hs_realloc;
    hs->host.free = hs_free;
    hs->host.log = hs_log;
    hs->host.random_u64 = hs_random_u64;
    hs->host.now = hs_now;
    bl_rng_init(&hs->rng, seed, replication, stream);
    hs->clock = clock;
    hs->plugin_id = plugin_id;
    hs->log_level = BL_LOG_WARN;
}
