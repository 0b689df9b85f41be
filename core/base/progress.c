/* Progress line: see progress.h. */
#include "base/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct bl_progress_meter {
    bl_progress_t *counters;
    double total;
    const char *done_label, *rate_label;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    bool shown;
};

double bl_monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void show(bl_progress_meter_t *m, double elapsed) {
    const char *phase = __atomic_load_n(&m->counters->phase, __ATOMIC_RELAXED);
    if (phase != NULL) {
        long s = (long)elapsed;
        fprintf(stderr, "\r  %-44s elapsed %ld:%02ld   ", phase, s / 60, s % 60);
        fflush(stderr);
        m->shown = true;
        return;
    }
    uint64_t events = __atomic_load_n(&m->counters->events, __ATOMIC_RELAXED);
    uint64_t sim_ms = __atomic_load_n(&m->counters->sim_ms_done, __ATOMIC_RELAXED);
    double done = m->total > 0 ? (double)sim_ms / m->total : 0;
    if (done > 1)
        done = 1;
    double rate = elapsed > 0 ? (double)events / elapsed : 0;
    char eta[32] = "--:--";
    if (done > 0.01) {
        long left = (long)(elapsed * (1 - done) / done + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
    }
    char rate_text[32];
    if (rate >= 1e6)
        snprintf(rate_text, sizeof rate_text, "%.2fM", rate / 1e6);
    else if (rate >= 1e3)
        snprintf(rate_text, sizeof rate_text, "%.1fk", rate / 1e3);
    else
        snprintf(rate_text, sizeof rate_text, "%.0f", rate);
    fprintf(stderr, "\r  %5.1f%% %s  %8s %s/s  ETA %s   ", 100 * done, m->done_label, rate_text,
            m->rate_label, eta);
    fflush(stderr);
    m->shown = true;
}

static void *run(void *arg) {
    bl_progress_meter_t *m = arg;
    double start = bl_monotonic_seconds();
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&m->cond, &m->lock, &until);
        double elapsed = bl_monotonic_seconds() - start;
        if (!m->stop && elapsed >= 1.0)
            show(m, elapsed);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

bl_progress_meter_t *bl_progress_start(bl_progress_t *counters, double total,
                                       const char *done_label, const char *rate_label,
                                       bool enabled) {
    if (!enabled || !isatty(STDERR_FILENO))
        return NULL;
    bl_progress_meter_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->counters = counters;
    m->total = total;
    m->done_label = done_label;
    m->rate_label = rate_label;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    if (pthread_create(&m->thread, NULL, run, m) != 0) {
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        free(m);
        return NULL;
    }
    return m;
}

void bl_progress_stop(bl_progress_meter_t *m) {
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    if (m->shown) {
        fprintf(stderr, "\r%70s\r", "");
        fflush(stderr);
    }
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
}
