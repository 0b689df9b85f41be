/*
 * bench_xray: how fast core/gen/xray.c generates scans.  512 x 512 dual-energy
 * bags at the generator's defaults (clutter 0.5, blur 0.7 px, 2e4 photons,
 * the default prevalence), with 1 and 2 threads; each thread has its own
 * buffer and draws scan i from the RNG stream (seed, 0, i), as a detector
 * benchmark does.  Prints figures only (`make bench`); the median of 3
 * runs of each.
 *
 * Usage: bench_xray [SCANS_PER_THREAD]   (default 200)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gen/xray.h"

enum { SIDE = 512, RUNS = 3, MAX_THREADS = 2 };

typedef struct job {
    unsigned first, count;
    int rc;
} job_t;

static bl_xray_config_t cfg;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
    job_t *j = arg;
    bl_scan_buffer_t b;
    j->rc = bl_scan_buffer_init(&b, SIDE, SIDE);
    if (j->rc != 0)
        return NULL;
    for (unsigned i = j->first; i < j->first + j->count; i++) {
        bl_rng_t rng;
        bl_scan_t scan;
        bl_scan_truth_t truth;
        bl_rng_init(&rng, 2024, 0, i);
        bl_xray_generate(&cfg, -1, i, &rng, &b, &scan, &truth);
    }
    bl_scan_buffer_fini(&b);
    return NULL;
}

/* Seconds for `threads` threads to make `per_thread` scans each. */
static double timed_run(unsigned threads, unsigned per_thread) {
    pthread_t tid[MAX_THREADS];
    job_t jobs[MAX_THREADS];
    double t0 = now_s();
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (job_t){t * per_thread, per_thread, 0};
        if (pthread_create(&tid[t], NULL, worker, &jobs[t]) != 0) {
            fprintf(stderr, "bench_xray: cannot start a thread\n");
            exit(1);
        }
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        if (jobs[t].rc != 0) {
            fprintf(stderr, "bench_xray: out of memory for a %d x %d buffer\n", SIDE, SIDE);
            exit(1);
        }
    }
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    unsigned per_thread = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200;
    bl_error_t err;
    if (per_thread == 0) {
        fprintf(stderr, "usage: bench_xray [SCANS_PER_THREAD > 0]\n");
        return 2;
    }
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = SIDE;
    bl_error_clear(&err);
    if (bl_xray_config_validate(&cfg, &err) != 0) {
        fprintf(stderr, "bench_xray: %s\n", err.message);
        return 1;
    }
    timed_run(1, 5); /* warm up caches and page in the buffers */
    printf("xray generator: %dx%d dual-energy bags, %u scans per thread, median of %d runs\n", SIDE,
           SIDE, per_thread, RUNS);
    for (unsigned threads = 1; threads <= MAX_THREADS; threads++) {
        double s[RUNS];
        for (int r = 0; r < RUNS; r++)
            s[r] = timed_run(threads, per_thread);
        qsort(s, RUNS, sizeof s[0], cmp_double);
        double per_s = per_thread / s[RUNS / 2];
        printf("  %u thread%s: %7.1f scans/s per thread, %7.1f scans/s in all, %6.2f ms per "
               "scan\n",
               threads, threads == 1 ? " " : "s", per_s, per_s * threads, 1e3 / per_s);
    }
    return 0;
}
