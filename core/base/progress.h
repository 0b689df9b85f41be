/*
 * The progress line on stderr (simulated-time %, events/s, ETA), shown for
 * runs longer than a second when stderr is a terminal and --quiet is not
 * given.  A background thread samples a job's bl_progress_t counters
 * twice a second; the engine itself never prints.
 */
#ifndef BL_PROGRESS_H
#define BL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Progress counters: a job (the engine, a bench, a soak) adds to these from
 * any thread (relaxed atomics); the meter below shows them. */
typedef struct bl_progress {
    volatile uint64_t events;
    volatile uint64_t sim_ms_done; /* simulated milliseconds done, all replications */
    /* A phase whose length is not counted (e.g. timing runs): when set, the
     * meter shows it with the elapsed time instead of a percentage. */
    const char *volatile phase;
} bl_progress_t;

typedef struct bl_progress_meter bl_progress_meter_t;

/* Start a meter over `counters`: counters->sim_ms_done counts towards
 * `total` units of work (simulated milliseconds of all replications, or
 * scans), shown as "NN% <done_label>"; counters->events is shown as a rate
 * "<rate_label>/s" (both labels borrowed, e.g. "simulated" and "events").
 * Returns NULL (and shows nothing) when disabled or when stderr is not a
 * terminal. */
bl_progress_meter_t *bl_progress_start(bl_progress_t *counters, double total,
                                       const char *done_label, const char *rate_label,
                                       bool enabled);

/* Stop the meter and erase its line.  NULL is fine. */
void bl_progress_stop(bl_progress_meter_t *m);

/* Seconds on the monotonic clock (for wall times of runs). */
double bl_monotonic_seconds(void);

#endif
