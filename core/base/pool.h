/*
 * A fixed thread pool for independent tasks (replications, sweep points).
 * Tasks are numbered 0..n-1 and taken in order by whichever worker is free;
 * a task's result must not depend on which thread ran it (the engine
 * derives everything from the task number), so the outcome is the same for
 * any thread count.
 */
#ifndef BL_POOL_H
#define BL_POOL_H

/* Run task(ctx, i) for i in 0..n_tasks-1 on `threads` workers (1 = in the
 * calling thread).  After a task fails no new task starts.  Returns 0, or
 * the code of the failing task with the lowest index. */
int bl_pool_run(unsigned threads, unsigned n_tasks, int (*task)(void *ctx, unsigned index),
                void *ctx);

/* Number of online processors (at least 1). */
unsigned bl_pool_default_threads(void);

#endif
