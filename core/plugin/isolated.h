/*
 * Isolated plugins: a vendor's library run in a plugin host process
 * (borderlab-plugin-host, plugin_host.c) instead of inside borderlab.
 *
 * To its callers an isolated plugin is an ordinary bl_plugin_handle_t
 * whose descriptor's ops table forwards every call to a child process
 * (one child per instance): jobs and the engine do not know the
 * difference.  What differs is what happens when the vendor misbehaves:
 *
 *   - a crash (signal), exit(), a call past its deadline (timeout +
 *     n * item_timeout seconds for a batch of n) or the memory cap ends the
 *     child, never borderlab.  The call's items are retried one by one in
 *     a fresh child, so exactly the scans (records) that fail are found;
 *     each becomes a recorded *failure to process* (verb, item, cause)
 *     and the run goes on.  A detector's failed scans get no detections;
 *     a risk model's failed rows score NaN (missing); a store's failed
 *     operation returns BL_EPLUGIN.
 *   - after max_failures failures, or when create fails, the plugin is
 *     *invalid* for the rest of the run: its calls no longer reach the
 *     vendor and every item is recorded as skipped.
 *   - the child's stdout and stderr (and the plugin's host log) go to a
 *     per-plugin log, never to borderlab's own output.
 *   - inputs are shared memory the child maps read-only; outputs come back
 *     in a region the child owns, checked by the caller as for any plugin.
 *
 * In a conformance check (strict mode) failures are not absorbed: the call
 * returns BL_EPLUGIN and the failure is recorded, so the check can fail.
 */
#ifndef BL_ISOLATED_H
#define BL_ISOLATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"

struct bl_plugin_handle;

/* Limits of an isolated plugin; bl_isolation_defaults fills the defaults. */
typedef struct bl_isolation_opts {
    double timeout_s;      /* per call, plus item_timeout_s per item (default 5) */
    double item_timeout_s; /* per scan (default 1), record (0.002) or store operation (0.5) */
    uint64_t memory_limit; /* address space of the child in bytes (default 4 GiB) */
    unsigned max_failures; /* failures to process before the plugin is invalid (default 10) */
    size_t log_limit;      /* bytes of its log kept in the results (default 64 KiB) */
    char cpus[64];         /* CPUs to pin the child to ("0,2-3"), "" for any */
    char writable[1024];   /* folders it may write in beside its scratch folder, colon-separated
                              (a store's database folder); "" for none */
    bool strict;           /* conformance: failures are returned, not absorbed */
    bool shared_child;     /* all instances in one child (conformance's determinism checks) */
} bl_isolation_opts_t;

void bl_isolation_defaults(bl_isolation_opts_t *o);

/* Why an item was not processed. */
typedef enum bl_failure_cause {
    BL_FAILURE_SIGNAL = 1,   /* the child died of a signal (detail: its number) */
    BL_FAILURE_EXIT = 2,     /* the plugin called exit() (detail: the status) */
    BL_FAILURE_DEADLINE = 3, /* the call overran its deadline and was killed */
    BL_FAILURE_MEMORY = 4,   /* the child died at its memory cap */
    BL_FAILURE_ERROR = 5,    /* the verb returned an error (detail: the code) */
    BL_FAILURE_CREATE = 6,   /* create failed (detail: the code) */
    BL_FAILURE_SKIPPED = 7,  /* not run: the plugin was already invalid (one record for the
                                items item..item+detail-1) */
    BL_FAILURE_HOST = 8      /* the child could not be started or spoke nonsense */
} bl_failure_cause_t;

/* The verbs, for failure records. */
typedef enum bl_plugin_verb {
    BL_VERB_CREATE = 1,
    BL_VERB_DETECT,
    BL_VERB_SCORE,
    BL_VERB_DEPOSIT,
    BL_VERB_MOVE,
    BL_VERB_RETRIEVE,
    BL_VERB_DISPOSE,
    BL_VERB_GET,
    BL_VERB_LIST,
    BL_VERB_VERIFY,
    BL_VERB_SYNC
} bl_plugin_verb_t;

typedef struct bl_plugin_failure {
    uint64_t item;  /* scan id, record row, or the store's operation number */
    uint32_t verb;  /* bl_plugin_verb_t */
    uint32_t cause; /* bl_failure_cause_t */
    int32_t detail; /* signal, exit status or return code */
    uint32_t reserved;
    double seconds;  /* how long the failing call ran */
    char during[16]; /* what the run was doing (bl_isolated_set_context) */
} bl_plugin_failure_t;

/* What an isolated plugin did during a run (bl_isolated_stats). */
typedef struct bl_isolation_stats {
    uint64_t calls;      /* verb calls that reached a child */
    uint64_t children;   /* children started (restarts included) */
    uint64_t failures;   /* failures to process (skipped ones excluded) */
    uint64_t skipped;    /* items not run because the plugin was invalid */
    uint64_t max_rss_kb; /* largest peak resident memory of a child */
    double call_seconds; /* wall time of the calls, as borderlab saw them */
    bool invalid;        /* marked invalid during the run */
    char invalid_reason[256];
    char sandbox[256]; /* the child's sandbox, as it reported it */
} bl_isolation_stats_t;

typedef struct bl_isolated bl_isolated_t;

/*
 * Load the plugin at path in a plugin host process: the child runs the
 * loader's checks (loader.h) and reports the descriptor; this process never
 * opens the file except to hash it.  On success fills *h: h->desc is a
 * descriptor whose ops forward to children, h->isolated is set, h->dl is
 * NULL; release with bl_plugin_unload.  On failure nothing is left and err
 * names the file and the reason (the loader's own message when it refused).
 */
int bl_isolated_load(struct bl_plugin_handle *h, const char *path, int expected_kind,
                     const bl_isolation_opts_t *opts, bl_error_t *err);

/* Release what bl_isolated_load made (called by bl_plugin_unload). */
void bl_isolated_free(bl_isolated_t *iso);

/* The failures recorded so far, in the order they happened (borrowed until
 * the next call into the plugin or bl_isolated_free); *n is their count. */
const bl_plugin_failure_t *bl_isolated_failures(bl_isolated_t *iso, size_t *n);

/* Name what the run is doing ("accuracy", "offline"...; at most 15
 * characters) for the failures recorded from now on.  NULL is fine. */
void bl_isolated_set_context(bl_isolated_t *iso, const char *during);

/* Add base to the item numbers of the failures recorded from now on (a
 * job that hands a plugin batch after batch of records makes them record
 * numbers of the whole run, not rows of the batch). */
void bl_isolated_set_item_base(bl_isolated_t *iso, uint64_t base);

/* Items one instance (made by an isolated plugin's create) has failed to
 * process or skipped so far: a caller that compares it before and after a
 * call knows whether that call's items were processed, whatever other
 * instances of the plugin do meanwhile on other threads. */
uint64_t bl_isolated_instance_failures(const void *instance);

/* Totals so far. */
void bl_isolated_stats(bl_isolated_t *iso, bl_isolation_stats_t *out);

/* The plugin's log (its stdout, stderr and host log lines): up to the
 * log_limit first bytes, then a line saying how much was cut.  Returns a
 * heap string the caller frees ("" when it wrote nothing), or NULL. */
char *bl_isolated_log(bl_isolated_t *iso);

/* The limits it runs under. */
const bl_isolation_opts_t *bl_isolated_opts(const bl_isolated_t *iso);

/* "crash (signal 11, SIGSEGV)", "exit(0)", "deadline (12 s)"... into buf. */
const char *bl_failure_describe(const bl_plugin_failure_t *f, char *buf, size_t cap);
const char *bl_plugin_verb_name(uint32_t verb);
const char *bl_failure_cause_name(uint32_t cause);

/* Where the plugin host program is: $BORDERLAB_PLUGIN_HOST, beside the
 * running program, two folders up (a build tree's tests), the installed
 * one.  Heap string, or NULL with err set. */
char *bl_isolated_host_program(bl_error_t *err);

#endif
