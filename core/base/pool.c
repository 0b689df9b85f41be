/* Thread pool: see pool.h. */
#include "base/pool.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pool {
    int (*task)(void *ctx, unsigned index);
    void *ctx;
    unsigned n_tasks;
    unsigned next;      /* next task to hand out */
    unsigned failed_at; /* lowest failing index, n_tasks when none */
    int failed_code;
    pthread_mutex_t lock;
} pool_t;

static void *worker(void *arg) {
    pool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        unsigned i = p->next;
        int stop = i >= p->n_tasks || p->failed_at < p->n_tasks;
        if (!stop)
            p->next++;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            return NULL;
        int rc = p->task(p->ctx, i);
        if (rc != 0) {
            pthread_mutex_lock(&p->lock);
            if (i < p->failed_at) {
                p->failed_at = i;
                p->failed_code = rc;
            }
            pthread_mutex_unlock(&p->lock);
        }
    }
}

int bl_pool_run(unsigned threads, unsigned n_tasks, int (*task)(void *ctx, unsigned index),
                void *ctx) {
    pool_t p = {task, ctx, n_tasks, 0, n_tasks, 0, PTHREAD_MUTEX_INITIALIZER};
    if (threads > n_tasks)
        threads = n_tasks;
    if (threads <= 1) {
        worker(&p);
        return p.failed_code;
    }
    pthread_t *tids = calloc(threads, sizeof *tids);
    unsigned started = 0;
    if (tids != NULL)
        for (; started < threads; started++)
            if (pthread_create(&tids[started], NULL, worker, &p) != 0)
                break;
    if (started == 0)
        worker(&p); /* no threads could start: run everything here */
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_mutex_destroy(&p.lock);
    return p.failed_code;
}

unsigned bl_pool_default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > UINT_MAX ? UINT_MAX : (unsigned)n;
}
