/*
 * The fixture risk SDK's C API (see vrisk.h): a plain shared object, not a
 * borderlab plugin.
 */
#include <math.h>
#include <stdlib.h>

#include "vrisk.h"
#include "vrisk_algo.h"

struct vrisk {
    vrisk_model_t model;
};

vrisk_t *vrisk_open(const char *model) {
    vrisk_t *h = malloc(sizeof *h);
    if (h == NULL || vrisk_algo_parse(model, &h->model) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

int vrisk_score_into(vrisk_t *h, const double *x, int n, double *out) {
    if (h == NULL || x == NULL || out == NULL || n != h->model.n)
        return -1;
    *out = vrisk_algo_score(&h->model, x, n);
    return 0;
}

double vrisk_logit(vrisk_t *h, const double *x, int n) {
    return h != NULL && x != NULL ? vrisk_algo_logit(&h->model, x, n) : NAN;
}

double vrisk_score(const double *x, int n) {
    vrisk_model_t m;
    if (x == NULL || vrisk_algo_default(&m, n) != 0)
        return NAN;
    return vrisk_algo_score(&m, x, n);
}

void vrisk_close(vrisk_t *h) { free(h); }
