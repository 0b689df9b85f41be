/*
 * The risk_validation job's rollout gate (see "gate" in risk_validation.h):
 * parsing a gate ("[MODEL:]METRIC=VALUE"), finding the model it names,
 * checking every gate before the long part of a run, evaluating them on
 * the finished figures, and the lines that report the failed ones.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/risk/risk_validation.h"
#include "jobs/risk/risk_validation_internal.h"
#include "stats/risk_metrics.h"
#include "stats/rng.h"

enum { GATE_PRECISION, GATE_RECALL, GATE_REVENUE, GATE_AUC, GATE_PR_AUC };

/* Kind and rate of a gate metric; -1 when not one. */
static int gate_metric(const char *metric, double *rate) {
    static const char *const at[] = {"precision@", "recall@", "revenue@"};
    *rate = NAN;
    if (strcmp(metric, "auc") == 0)
        return GATE_AUC;
    if (strcmp(metric, "pr_auc") == 0)
        return GATE_PR_AUC;
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(at[k]);
        if (strncmp(metric, at[k], len) != 0)
            continue;
        char *end;
        double r = strtod(metric + len, &end);
        if (end == metric + len || *end != '\0' || !(r > 0 && r <= 100))
            return -1;
        *rate = r;
        return k; /* GATE_PRECISION, GATE_RECALL, GATE_REVENUE */
    }
    return -1;
}

int bl_risk_gate_parse(const char *text, bl_risk_gate_t *g, bl_error_t *err) {
    memset(g, 0, sizeof *g);
    const char *eq = text ? strrchr(text, '=') : NULL;
    if (eq == NULL || eq == text)
        return bl_error_set(err, BL_EINVAL,
                            "gate '%s': give METRIC=VALUE or MODEL:METRIC=VALUE, e.g. "
                            "precision@5=0.3",
                            text ? text : "");
    const char *colon = memchr(text, ':', (size_t)(eq - text));
    const char *metric = colon ? colon + 1 : text;
    double bound, rate;
    if (bl_parse_number(eq + 1, &bound) != BL_OK)
        return bl_error_set(err, BL_EINVAL, "gate '%s': the bound '%s' is not a number", text,
                            eq + 1);
    if (!(bound >= 0 && bound <= 1)) /* every metric a gate takes is a fraction */
        return bl_error_set(err, BL_EINVAL,
                            "gate '%s': the bound %s is outside 0..1: a bound is a value from 0 "
                            "to 1 that the metric must reach",
                            text, eq + 1);
    g->metric = strndup(metric, (size_t)(eq - metric));
    g->model = colon ? strndup(text, (size_t)(colon - text)) : NULL;
    if (g->metric == NULL || (colon && g->model == NULL)) {
        free(g->metric);
        free(g->model);
        memset(g, 0, sizeof *g);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    if (gate_metric(g->metric, &rate) < 0) {
        bl_error_set(err, BL_EINVAL,
                     "gate '%s': unknown metric '%s': use precision@R, recall@R, revenue@R (R an "
                     "inspection rate in percent, 0 < R <= 100), auc or pr_auc",
                     text, g->metric);
        free(g->metric);
        free(g->model);
        memset(g, 0, sizeof *g);
        return BL_EINVAL;
    }
    g->bound = bound;
    return 0;
}

/* The model a gate names: its label, its plugin id, its spec as written
 * in the scenario ("logistic", "x/vendor.so") or a .so file name without
 * ".so" (the first model that matches); -1 when none does. */
static long find_model(const bl_risk_result_t *r, const char *name) {
    size_t len = strlen(name);
    for (int pass = 0; pass < 3; pass++)
        for (size_t m = 0; m < r->n_models; m++) {
            const bl_risk_model_result_t *mr = &r->models[m];
            const char *spec = mr->ref && mr->ref->spec ? mr->ref->spec : "";
            const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
            bool hit = pass == 0   ? strcmp(mr->label, name) == 0
                       : pass == 1 ? strcmp(mr->handle.desc->header.id, name) == 0
                                   : strcmp(spec, name) == 0 || (strncmp(base, name, len) == 0 &&
                                                                 strcmp(base + len, ".so") == 0);
            if (hit)
                return (long)m;
        }
    return -1;
}

/* Gates name a model that is loaded. */
int bl_risk_gate_check(const bl_risk_result_t *r, const bl_risk_validation_t *v, bl_error_t *err) {
    for (size_t g = 0; g < v->n_gates; g++) {
        double rate;
        if (v->gates[g].metric == NULL || gate_metric(v->gates[g].metric, &rate) < 0)
            return bl_error_set(err, BL_EINVAL,
                                "gate %zu: unknown metric '%s': use precision@R, recall@R, "
                                "revenue@R, auc or pr_auc",
                                g + 1, v->gates[g].metric ? v->gates[g].metric : "");
        if (v->gates[g].model == NULL)
            continue;
        if (find_model(r, v->gates[g].model) < 0) {
            char list[512];
            size_t used = 0;
            list[0] = '\0';
            for (size_t k = 0; k < r->n_models && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                         r->models[k].label);
            return bl_error_set(err, BL_EINVAL,
                                "gate %s:%s: no model is called '%s': name one by its label, "
                                "plugin id or spec; the models are %s",
                                v->gates[g].model, v->gates[g].metric, v->gates[g].model, list);
        }
    }
    return 0;
}

void bl_risk_gate_evaluate(bl_risk_result_t *r, const bl_risk_validation_t *v) {
    for (size_t g = 0; g < v->n_gates && g < BL_RISK_MAX_GATES; g++) {
        const bl_risk_gate_t *gate = &v->gates[g];
        long m = gate->model != NULL ? find_model(r, gate->model) : 0;
        const bl_risk_model_result_t *mr = &r->models[m < 0 ? 0 : m]; /* checked before */
        double rate, value = NAN;
        int kind = gate_metric(gate->metric, &rate);
        if (kind == GATE_AUC) {
            value = mr->summary.auc;
        } else if (kind == GATE_PR_AUC) {
            value = mr->summary.pr_auc;
        } else {
            bl_risk_at_rate_row_t row;
            size_t j = 0;
            while (j < r->n_rates && fabs(r->rates[j] - rate) > 1e-9)
                j++;
            if (j < r->n_rates) {
                row = mr->at_rate[j];
            } else { /* a rate not in the list: the estimate, no interval */
                bl_rng_t rng;
                bl_rng_init(&rng, r->scenario->seed, g, BL_STREAM_RISK_AT_RATE);
                bl_at_k_t a = bl_at_k(mr->order, r->fraud, r->revenue, r->n, rate, 0, &rng);
                row = bl_risk_at_rate_row(&a);
            }
            value = kind == GATE_PRECISION ? row.precision
                    : kind == GATE_RECALL  ? row.recall
                                           : row.revenue_share;
        }
        bl_risk_gate_row_t *out = &r->gates[r->n_gates++];
        snprintf(out->model, sizeof out->model, "%s", mr->label);
        snprintf(out->metric, sizeof out->metric, "%s", gate->metric);
        out->bound = gate->bound;
        out->value = value;
        out->shortfall = gate->bound - value;
        out->passed = value >= gate->bound;
        r->n_gates_failed += !out->passed;
    }
}

void bl_risk_gate_failures(const bl_risk_result_t *r, char *buf, size_t size) {
    size_t used = 0, shown = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t g = 0; g < r->n_gates; g++) {
        const bl_risk_gate_row_t *x = &r->gates[g];
        if (x->passed)
            continue;
        char line[256];
        if (isnan(x->value))
            snprintf(line, sizeof line,
                     "gate %s of %s: undefined (no fraud to measure it on), "
                     "bound %.6g",
                     x->metric, x->model, x->bound);
        else
            snprintf(line, sizeof line, "gate %s of %s: %.3f is %.3f short of %.6g", x->metric,
                     x->model, x->value, x->shortfall, x->bound);
        /* Keep room for the closing "... and N more" line. */
        if (used + strlen(line) + 2 + 48 > size && shown < r->n_gates_failed - 1) {
            snprintf(buf + used, size - used,
                     "%s... and %zu more failed gates (borderlab show "
                     "lists them)",
                     used ? "\n" : "", r->n_gates_failed - shown);
            return;
        }
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "\n" : "", line);
        if (used >= size)
            return;
        shown++;
    }
}
