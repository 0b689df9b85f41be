/*
 * The fixture risk SDK's model: see vrisk.h and vrisk_algo.h.
 */
#include "vrisk_algo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double default_weights[8] = {0.8, -0.35, 0.5, 0.25, -0.6, 0.15, 0.4, -0.2};

int vrisk_algo_parse(const char *text, vrisk_model_t *m) {
    char *end;
    memset(m, 0, sizeof *m);
    if (text == NULL || strncmp(text, "bias=", 5) != 0)
        return -1;
    m->bias = strtod(text + 5, &end);
    if (end == text + 5 || strncmp(end, ";w=", 3) != 0)
        return -1;
    const char *s = end + 3;
    for (;;) {
        double v = strtod(s, &end);
        if (end == s || m->n == VRISK_MAX || !isfinite(v))
            return -1;
        m->w[m->n++] = v;
        if (*end == '\0')
            return 0;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

int vrisk_algo_default(vrisk_model_t *m, int n) {
    memset(m, 0, sizeof *m);
    if (n < 1 || n > 8)
        return -1;
    m->n = n;
    m->bias = -1.0;
    memcpy(m->w, default_weights, (size_t)n * sizeof m->w[0]);
    return 0;
}

double vrisk_algo_logit(const vrisk_model_t *m, const double *x, int n) {
    if (n != m->n)
        return NAN;
    double z = m->bias;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i]))
            z += m->w[i] * copysign(log1p(fabs(x[i])), x[i]);
    return z;
}

double vrisk_algo_score(const vrisk_model_t *m, const double *x, int n) {
    return 1.0 / (1.0 + exp(-vrisk_algo_logit(m, x, n)));
}
