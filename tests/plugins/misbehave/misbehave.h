/*
 * What the misbehaving fixture plugins (detector.c, risk.c, store.c) share:
 * the ways a vendor's code can die or stall, and reading a numeric
 * configuration key.  Header-only and static, so each plugin still exports
 * only bl_plugin_entry.  See README.md here for the fixtures.
 */
#ifndef BL_TESTS_MISBEHAVE_H
#define BL_TESTS_MISBEHAVE_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "borderlab/plugin.h"

/* Die of SIGSEGV by writing through a NULL pointer.  Both are volatile: the
 * pointer, so the compiler cannot see that it is NULL (it would replace the
 * store by a trap, SIGILL, at -O2); the int, so it must keep a store nobody
 * reads (GCC 12 dropped it when only the pointer was volatile). */
static inline void fixture_crash(void) {
    volatile int *volatile target = NULL;
    *target = 1;
}

/* Never return: sleep until the host kills the process (a handled signal
 * only wakes pause() up for another round). */
static inline void fixture_hang(void) {
    for (;;)
        pause();
}

/* Sleep ms milliseconds of wall time (a signal does not cut it short). */
static inline void fixture_sleep_ms(double ms) {
    struct timespec left;
    left.tv_sec = (time_t)(ms / 1000);
    left.tv_nsec = (long)((ms - (double)left.tv_sec * 1000) * 1e6);
    if (left.tv_nsec >= 1000000000L) {
        left.tv_sec++;
        left.tv_nsec -= 1000000000L;
    }
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/*
 * Read config key (borrowed) as a number in [min, max] into *out, or
 * fallback when the key is absent; `integer` also requires a whole number.
 * Returns BL_OK, or BL_EINVAL logged through host naming the fixture (plugin
 * id), the key and the accepted range.
 */
static inline int fixture_number(const bl_config_t *config, const bl_host_t *host,
                                 const char *fixture, const char *key, double fallback, double min,
                                 double max, int integer, double *out) {
    const char *text = bl_config_get(config, key);
    double v = fallback;
    if (text != NULL &&
        (bl_parse_number(text, &v) != BL_OK || v < min || v > max || (integer && v != floor(v)))) {
        bl_host_logf(host, BL_LOG_ERROR, "%s: config %s = \"%s\": give %s from %.17g to %.17g",
                     fixture, key, text, integer ? "a whole number" : "a number", min, max);
        return BL_EINVAL;
    }
    *out = v;
    return BL_OK;
}

/* The largest whole number a double holds exactly (2^53): the upper bound
 * of scan ids, row indices and call counts read from the config. */
#define FIXTURE_MAX_INTEGER 9007199254740992.0

/*
 * The escape fixture only (escape.c): try to write a file, connect to a TCP
 * port and start a process three ways, printing one line per attempt on
 * stderr ("escape: write at <when>: ok" or "...: failed (<why>)").  when
 * names the moment ("dlopen", "create").  Hidden: the plugin still exports
 * only bl_plugin_entry.
 */
__attribute__((visibility("hidden"))) void fixture_escape(const char *when);

#endif
