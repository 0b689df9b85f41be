/*
 * The peer for make bench: the same M/M/c model as a hand-written one-file
 * C event loop (binary heap of departure times, xoshiro256**, no
 * statistics beyond the mean wait), the lower bound of what a general
 * engine could cost.  Prints one line of JSON.
 *
 * usage: mmc_loop CUSTOMERS SEED
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t s[4];

static uint64_t next(void) {
    uint64_t r = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return r;
}

static double expo(double mean) { return -mean * log((double)((next() >> 11) + 1) * 0x1.0p-53); }

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        s[i] = z ^ (z >> 31);
    }
    enum { C = 10 };
    double lambda = 9, heap[C]; /* departure times of busy servers */
    int busy = 0;
    double *queue = malloc(sizeof(double) * 1024); /* arrival times waiting */
    size_t qcap = 1024, qhead = 0, qlen = 0;
    double now = 0, next_arrival = expo(1 / lambda), wait_sum = 0;
    long arrived = 0, served = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (served < n) {
        if (arrived < n && (busy == 0 || next_arrival < heap[0])) {
            now = next_arrival;
            arrived++;
            next_arrival = arrived < n ? now + expo(1 / lambda) : INFINITY;
            if (busy < C) {
                double d = now + expo(1);
                int i = busy++;
                while (i > 0 && heap[(i - 1) / 2] > d) {
                    heap[i] = heap[(i - 1) / 2];
                    i = (i - 1) / 2;
                }
                heap[i] = d;
                served++;
            } else {
                if (qlen == qcap) {
                    double *grown = malloc(sizeof(double) * qcap * 2);
                    for (size_t k = 0; k < qlen; k++)
                        grown[k] = queue[(qhead + k) % qcap];
                    free(queue);
                    queue = grown;
                    qhead = 0;
                    qcap *= 2;
                }
                queue[(qhead + qlen++) % qcap] = now;
            }
        } else {
            now = heap[0];
            double d = INFINITY;
            if (qlen > 0) { /* the freed server takes the head of the queue */
                double a = queue[qhead];
                qhead = (qhead + 1) % qcap;
                qlen--;
                wait_sum += now - a;
                d = now + expo(1);
                served++;
            } else {
                d = heap[--busy];
            }
            int i = 0; /* sift d down from the root */
            for (;;) {
                int c = 2 * i + 1;
                if (c >= busy)
                    break;
                if (c + 1 < busy && heap[c + 1] < heap[c])
                    c++;
                if (heap[c] >= d)
                    break;
                heap[i] = heap[c];
                i = c;
            }
            if (busy > 0)
                heap[i] = d;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("{\"customers\": %ld, \"mean_wait\": %.6f, \"wall_seconds\": %.6f}\n", n,
           wait_sum / (double)n, wall);
    free(queue);
    return 0;
}
