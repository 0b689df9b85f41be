/*
 * "RiskRank SDK" 2.1: the public header of a fixture vendor risk-scoring
 * SDK with its own C API (no borderlab plugin entry).  The libffi adapter
 * (plugins/risk/ffi_risk) drives it from a declaration in a scenario;
 * vrisk_native.c is the same model as a native borderlab plugin.
 *
 * The model (vrisk_algo.c): z = bias + sum_i w_i g(x_i) with g(x) =
 * sign(x) log(1 + |x|) and g(NaN) = 0 (a missing value adds nothing); the
 * score is 1 / (1 + exp(-z)).  A model is the text "bias=B;w=W1,W2,...".
 */
#ifndef VRISK_H
#define VRISK_H

typedef struct vrisk vrisk_t;

/* NULL when the model text is wrong. */
vrisk_t *vrisk_open(const char *model);

/* The score of x[0..n-1] into *out: 0, or -1 when n is not the model's. */
int vrisk_score_into(vrisk_t *h, const double *x, int n, double *out);

/* The log-odds z (NaN when n is not the model's). */
double vrisk_logit(vrisk_t *h, const double *x, int n);

/* The built-in model (bias -1, weights 0.8, -0.35, 0.5, 0.25, -0.6, 0.15,
 * 0.4, -0.2) cut to its first n weights; NaN when n is 0 or more than 8. */
double vrisk_score(const double *x, int n);

void vrisk_close(vrisk_t *h);

#endif
