/*
 * Shared by the benchmarks that run the borderlab program (bench_mmc,
 * bench_checkpoint): run a child, capture its stdout as JSON, and measure
 * its wall time, CPU time and peak RSS.
 */
#ifndef BL_BENCH_CHILD_H
#define BL_BENCH_CHILD_H

#include <cjson/cJSON.h>

typedef struct measure {
    double wall;      /* seconds, whole process */
    double cpu;       /* user + system seconds of the child */
    long peak_rss_kb; /* ru_maxrss of the child */
    cJSON *json;      /* what it printed on stdout, parsed; NULL if not JSON (caller deletes) */
} measure_t;

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Run argv, capture stdout, measure wall time, CPU time and peak RSS.
 * 0 when the program exited with 0, else -1 (*m filled as far as known). */
int bench_run(char *const argv[], measure_t *m);

/* qsort comparator: measures by wall time. */
int bench_by_wall(const void *a, const void *b);

#endif
