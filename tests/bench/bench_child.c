/* Child runs for the benchmarks: see bench_child.h. */
#include "bench_child.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Run argv, capture stdout, measure wall time and peak RSS.  0 when the
 * program exited with 0. */
int bench_run(char *const argv[], measure_t *m) {
    int fds[2];
    memset(m, 0, sizeof *m);
    if (pipe(fds) != 0)
        return -1;
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf != NULL && (got = read(fds[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 1024) {
            char *grown = realloc(buf, cap *= 2);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
        }
    }
    close(fds[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        free(buf);
        return -1;
    }
    m->wall = bench_now() - t0;
    m->peak_rss_kb = ru.ru_maxrss;
    m->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec * 1e-6;
    if (buf != NULL) {
        buf[len] = '\0';
        m->json = cJSON_Parse(buf);
        free(buf);
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int bench_by_wall(const void *a, const void *b) {
    double x = ((const measure_t *)a)->wall, y = ((const measure_t *)b)->wall;
    return (x > y) - (x < y);
}
