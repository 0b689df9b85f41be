/*
 * The fixture risk SDK's model (see vrisk.h), compiled into both the SDK
 * (vrisk.c) and its native twin (vrisk_native.c).
 */
#ifndef VRISK_ALGO_H
#define VRISK_ALGO_H

#define VRISK_MAX 32

typedef struct vrisk_model {
    int n;
    double bias;
    double w[VRISK_MAX];
} vrisk_model_t;

/* "bias=B;w=W1,W2,..." into *m: 0, or -1 when malformed. */
int vrisk_algo_parse(const char *text, vrisk_model_t *m);

/* The built-in model cut to its first n weights: 0, or -1 when n is not 1..8. */
int vrisk_algo_default(vrisk_model_t *m, int n);

/* z, or NaN when n is not m->n. */
double vrisk_algo_logit(const vrisk_model_t *m, const double *x, int n);

/* 1 / (1 + exp(-z)). */
double vrisk_algo_score(const vrisk_model_t *m, const double *x, int n);

#endif
