/* A surrogate detector: its decisions and latency draws (see surrogate.h;
 * jobs/checkpoint/surrogate_file.c loads one from a detector_bench file). */
#include "engine/surrogate.h"

#include <stdlib.h>

const double bl_surrogate_latency_p[5] = {0.0, 0.5, 0.9, 0.99, 1.0};

/* ------------------------------------------------------------------ decisions */

/* The class whose scores stand for threat: itself, else the clean scans. */
static uint32_t scored_class(const bl_surrogate_t *s, uint32_t threat) {
    return bl_surrogate_has(s, threat) ? threat : 0;
}

bool bl_surrogate_has(const bl_surrogate_t *s, uint32_t threat) {
    return s != NULL && threat < BL_THREAT_CLASS_COUNT && s->n[threat] > 0;
}

double bl_surrogate_alarm_rate(const bl_surrogate_t *s, uint32_t threat, double threshold) {
    uint32_t c = scored_class(s, threat);
    size_t n = s->n[c];
    if (n == 0)
        return 0.0;
    const double *v = s->scores[c];
    size_t lo = 0, hi = n; /* the first score >= threshold */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < threshold)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (double)(n - lo) / (double)n;
}

bool bl_surrogate_alarm(const bl_surrogate_t *s, uint32_t threat, double threshold, bl_rng_t *rng) {
    uint32_t c = scored_class(s, threat);
    if (s->n[c] == 0)
        return false;
    return s->scores[c][bl_rng_below(rng, s->n[c])] >= threshold;
}

double bl_surrogate_latency(const bl_surrogate_t *s, bl_rng_t *rng) {
    const double *q = s->latency_q;
    if (q[4] <= 0.0)
        return 0.0;
    if (q[0] == q[4])
        return q[0];
    double u = bl_rng_uniform(rng);
    size_t k = 0;
    while (k < 3 && u >= bl_surrogate_latency_p[k + 1])
        k++;
    double t = (u - bl_surrogate_latency_p[k]) /
               (bl_surrogate_latency_p[k + 1] - bl_surrogate_latency_p[k]);
    return q[k] + t * (q[k + 1] - q[k]);
}

void bl_surrogate_free(bl_surrogate_t *s) {
    if (s == NULL)
        return;
    free(s->path);
    free(s->detector);
    free(s->id);
    for (size_t c = 0; c < BL_THREAT_CLASS_COUNT; c++)
        free(s->scores[c]);
    free(s);
}
