/* The output side of `borderlab compare`: the text table, JSON, the
 * results file and the ROC plot; see compare.h. */
#include "jobs/detector/compare_internal.h"

#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "plot/plot.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "results/writer.h"
#include "stats/detection_metrics.h"

/* ------------------------------------------------------------------ the output tables */

static const bl_results_column_t pair_columns[] = {
    BL_RESULTS_COLUMN(bl_compare_row_t, a, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_compare_row_t, b, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_compare_row_t, class, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_compare_row_t, metric, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_compare_row_t, value_a, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_compare_row_t, value_b, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_compare_row_t, difference, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_compare_row_t, statistic, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_compare_row_t, p_value, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(bl_compare_row_t, test, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(bl_compare_row_t, n, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_compare_row_t, only_a, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(bl_compare_row_t, only_b, BL_RESULTS_COL_U64),
};

static const char PAIRS_DESCRIPTION[] =
    "pairwise comparison of detectors run on the same scans: pd and pfa at each run's threshold "
    "with McNemar's exact test on the discordant scans (only_a, only_b), auc with DeLong's paired "
    "test, latency and throughput ratios A/B";

static const bl_results_table_t pairs_table = BL_RESULTS_TABLE(
    "/compare/pairs", PAIRS_DESCRIPTION, PAIRS_DESCRIPTION,
    "pd, pfa, auc: fractions; difference: value_a - value_b, or value_a / value_b for *_ratio "
    "metrics; latency_*: s; offline_throughput_ratio: scans/s; statistic: McNemar chi-square "
    "with continuity correction or DeLong z; p_value: two-sided; n, only_a, only_b: scans",
    pair_columns, bl_compare_row_t);

typedef struct detector_row {
    char label[BL_COMPARE_LABEL_SIZE];
    char file[512];
    char detector[96];
    char id[64];
    char version[32];
    double threshold;
    uint64_t scans;
} detector_row_t;

static const bl_results_column_t detector_columns[] = {
    BL_RESULTS_COLUMN(detector_row_t, label, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(detector_row_t, file, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(detector_row_t, detector, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(detector_row_t, id, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(detector_row_t, version, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(detector_row_t, threshold, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(detector_row_t, scans, BL_RESULTS_COL_U64),
};

static const char DETECTORS_DESCRIPTION[] =
    "the detectors compared: label used in /compare/pairs, input file, detector group in it, "
    "plugin id and version, alarm threshold of the run";

static const bl_results_table_t detectors_table =
    BL_RESULTS_TABLE("/compare/detectors", DETECTORS_DESCRIPTION, DETECTORS_DESCRIPTION,
                     "threshold: score; scans: count", detector_columns, detector_row_t);
/* ------------------------------------------------------------------ text and JSON */

const char *bl_compare_format_p(double p, char *buf, size_t size) {
    if (isnan(p))
        snprintf(buf, size, "-");
    else if (p < 1e-16)
        snprintf(buf, size, "<1e-16");
    else if (p < 1e-4)
        snprintf(buf, size, "%.1e", p);
    else
        snprintf(buf, size, "%.4f", p);
    return buf;
}

static bool is_ratio(const bl_compare_row_t *r) { return strcmp(r->test, "ratio") == 0; }

static const char *fmt_value(const bl_compare_row_t *r, double x, char *buf, size_t size) {
    if (!isfinite(x))
        snprintf(buf, size, "-");
    else if (is_ratio(r))
        snprintf(buf, size, "%.4g", x);
    else
        snprintf(buf, size, "%.4f", x);
    return buf;
}

static const char *fmt_difference(const bl_compare_row_t *r, char *buf, size_t size) {
    if (!isfinite(r->difference))
        snprintf(buf, size, "-");
    else if (is_ratio(r))
        snprintf(buf, size, "x%.3f", r->difference);
    else
        snprintf(buf, size, "%+.4f", r->difference);
    return buf;
}

void bl_compare_print_text(const bl_compare_t *c, FILE *fp) {
    const input_t *in0 = &c->inputs[0];
    fprintf(fp, "compare: %zu detectors on %zu scans (scan set %.12s)\n", c->n_detectors,
            in0->n_scans, in0->scan_set);
    for (size_t i = 0; i < c->n_detectors; i++) {
        const detector_t *d = &c->detectors[i];
        fprintf(fp, "  %-24s %s %s, file %s, threshold %g\n", d->label, d->id ? d->id : "?",
                d->version ? d->version : "?", c->inputs[d->input].path, d->threshold);
    }
    size_t i = 0;
    while (i < c->n_rows) {
        const bl_compare_row_t *first = &c->rows[i];
        fprintf(fp, "\nA = %s, B = %s\n", first->a, first->b);
        fprintf(fp, "  %-10s %-26s %10s %10s %11s %9s  %s\n", "class", "metric", "A", "B",
                "difference", "p-value", "test");
        for (; i < c->n_rows && strcmp(c->rows[i].a, first->a) == 0 &&
               strcmp(c->rows[i].b, first->b) == 0;
             i++) {
            const bl_compare_row_t *r = &c->rows[i];
            char va[32], vb[32], diff[32], p[32], test[96];
            if (strcmp(r->test, "mcnemar-exact") == 0)
                snprintf(test, sizeof test, "mcnemar-exact (only A %llu, only B %llu, n %llu)",
                         (unsigned long long)r->only_a, (unsigned long long)r->only_b,
                         (unsigned long long)r->n);
            else if (strcmp(r->test, "delong") == 0)
                snprintf(test, sizeof test, "delong (z %.2f)", r->statistic);
            else
                snprintf(test, sizeof test, "%s A/B", r->test);
            fprintf(fp, "  %-10s %-26s %10s %10s %11s %9s  %s\n", r->class, r->metric,
                    fmt_value(r, r->value_a, va, sizeof va),
                    fmt_value(r, r->value_b, vb, sizeof vb), fmt_difference(r, diff, sizeof diff),
                    bl_compare_format_p(r->p_value, p, sizeof p), test);
        }
    }
}

static cJSON *num(double x) { return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull(); }

static void add_text(cJSON *o, const char *key, const char *value) {
    cJSON_AddItemToObject(o, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

/* inputs as a JSON array [{"file", "sha256"}]. */
static cJSON *inputs_json(const bl_compare_t *c) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < c->n_inputs; i++) {
        cJSON *o = cJSON_CreateObject();
        add_text(o, "file", c->inputs[i].path);
        add_text(o, "sha256", c->inputs[i].sha256);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

cJSON *bl_compare_json(const bl_compare_t *c) {
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    add_text(o, "job", "compare");
    add_text(o, "scan_set_sha256", c->inputs[0].scan_set);
    cJSON_AddNumberToObject(o, "scans", (double)c->inputs[0].n_scans);
    cJSON_AddItemToObject(o, "inputs", inputs_json(c));
    cJSON *dets = cJSON_AddArrayToObject(o, "detectors");
    for (size_t i = 0; i < c->n_detectors; i++) {
        const detector_t *d = &c->detectors[i];
        cJSON *x = cJSON_CreateObject();
        add_text(x, "label", d->label);
        add_text(x, "file", c->inputs[d->input].path);
        add_text(x, "detector", d->group);
        add_text(x, "id", d->id);
        add_text(x, "version", d->version);
        cJSON_AddItemToObject(x, "threshold", num(d->threshold));
        cJSON_AddItemToObject(x, "auc", num(d->auc_any));
        cJSON_AddItemToArray(dets, x);
    }
    cJSON *pairs = cJSON_AddArrayToObject(o, "pairs");
    for (size_t i = 0; i < c->n_rows; i++) {
        const bl_compare_row_t *r = &c->rows[i];
        cJSON *x = cJSON_CreateObject();
        add_text(x, "a", r->a);
        add_text(x, "b", r->b);
        add_text(x, "class", r->class);
        add_text(x, "metric", r->metric);
        cJSON_AddItemToObject(x, "value_a", num(r->value_a));
        cJSON_AddItemToObject(x, "value_b", num(r->value_b));
        cJSON_AddItemToObject(x, "difference", num(r->difference));
        cJSON_AddItemToObject(x, "statistic", num(r->statistic));
        cJSON_AddItemToObject(x, "p_value", num(r->p_value));
        add_text(x, "test", r->test);
        cJSON_AddNumberToObject(x, "n", (double)r->n);
        cJSON_AddNumberToObject(x, "only_a", (double)r->only_a);
        cJSON_AddNumberToObject(x, "only_b", (double)r->only_b);
        cJSON_AddItemToArray(pairs, x);
    }
    return o;
}

/* ------------------------------------------------------------------ the output file */

static void utc_now(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int bl_compare_write(const bl_compare_t *c, const char *out_path, const char *command_line,
                     bl_error_t *err) {
    bl_results_writer_t *w = NULL;
    detector_row_t *drows = NULL;
    char *inputs = NULL;
    cJSON *ij = NULL;
    int rc = bl_results_open(&w, out_path, err);
    if (rc != 0)
        return rc;
    ij = inputs_json(c);
    inputs = ij ? cJSON_PrintUnformatted(ij) : NULL;
    drows = calloc(c->n_detectors ? c->n_detectors : 1, sizeof *drows);
    if (inputs == NULL || drows == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    int schema = BL_RESULTS_SCHEMA;
    if (H5LTset_attribute_int((hid_t)bl_results_file(w), "/", "borderlab_schema", &schema, 1) < 0) {
        rc = bl_results_hdf5_error(w, err, "cannot write attribute borderlab_schema");
        goto out;
    }
    char now[40];
    utc_now(now, sizeof now);
    const char *texts[][2] = {
        {"harness_version", PACKAGE_VERSION},
        {"job", "compare"},
        {"inputs", inputs},
        {"scan_set_sha256", c->inputs[0].scan_set},
        {"start_time", now},
        {"command_line", command_line ? command_line : ""},
    };
    for (size_t i = 0; rc == 0 && i < COUNT(texts); i++)
        rc = bl_results_set_root_text(w, texts[i][0], texts[i][1], err);
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < c->n_detectors; i++) {
        const detector_t *d = &c->detectors[i];
        detector_row_t *r = &drows[i];
        snprintf(r->label, sizeof r->label, "%s", d->label);
        snprintf(r->file, sizeof r->file, "%s", c->inputs[d->input].path);
        snprintf(r->detector, sizeof r->detector, "%s", d->group);
        snprintf(r->id, sizeof r->id, "%s", d->id ? d->id : "");
        snprintf(r->version, sizeof r->version, "%s", d->version ? d->version : "");
        r->threshold = d->threshold;
        r->scans = c->inputs[d->input].n_scans;
    }
    rc = bl_results_write_table_at(w, &detectors_table, NULL, c->n_detectors, drows, err);
    if (rc == 0)
        rc = bl_results_write_table_at(w, &pairs_table, NULL, c->n_rows, c->rows, err);
out:
    free(drows);
    cJSON_free(inputs);
    cJSON_Delete(ij);
    if (rc != 0) {
        bl_results_abort(w);
        return rc;
    }
    bl_results_mark_complete(w);
    return bl_results_commit(w, err);
}

/* ------------------------------------------------------------------ the ROC plot */

/* The "any" AUC of d as this comparison computed it (the table's), else
 * the run's own. */
static double detector_auc(const bl_compare_t *c, const detector_t *d) {
    for (size_t r = 0; r < c->n_rows; r++) {
        const bl_compare_row_t *row = &c->rows[r];
        if (strcmp(row->class, "any") != 0 || strcmp(row->metric, "auc") != 0)
            continue;
        if (strcmp(row->a, d->label) == 0 && isfinite(row->value_a))
            return row->value_a;
        if (strcmp(row->b, d->label) == 0 && isfinite(row->value_b))
            return row->value_b;
    }
    return d->auc_any;
}

/* The "any" ROC of d from its per-scan scores (the same scores the AUC in
 * the table comes from): pfa into xs, pd into ys (heap; caller frees). */
static int detector_roc(const bl_compare_t *c, const detector_t *d, double **xs, double **ys,
                        size_t *n) {
    const input_t *in = &c->inputs[d->input];
    uint8_t *positive = malloc(in->n_scans ? in->n_scans : 1);
    bl_roc_point_t *pts = NULL;
    int rc = -1;
    *xs = *ys = NULL;
    if (positive == NULL)
        return -1;
    for (size_t i = 0; i < in->n_scans; i++)
        positive[i] = in->truth[i] != 0;
    if (bl_roc(d->scores[ANY], positive, in->n_scans, &pts, n) == 0) {
        *xs = malloc((*n ? *n : 1) * sizeof **xs);
        *ys = malloc((*n ? *n : 1) * sizeof **ys);
        if (*xs != NULL && *ys != NULL) {
            for (size_t j = 0; j < *n; j++) {
                (*xs)[j] = pts[j].pfa;
                (*ys)[j] = pts[j].pd;
            }
            rc = 0;
        }
    }
    free(pts);
    free(positive);
    return rc;
}

int bl_compare_plot_roc(const bl_compare_t *c, bl_plot_terminal_t terminal, const char *output_path,
                        bl_error_t *err) {
    size_t n = c->n_detectors;
    int rc = 0;
    bl_plot_series_t *series = calloc(n + 1, sizeof *series);
    char(*labels)[BL_COMPARE_LABEL_SIZE + 32] = calloc(n, sizeof *labels);
    double **xs = calloc(n, sizeof *xs), **ys = calloc(n, sizeof *ys);
    static const double diagonal[2] = {0, 1};
    if (series == NULL || labels == NULL || xs == NULL || ys == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const detector_t *d = &c->detectors[i];
        size_t m = 0;
        if (detector_roc(c, d, &xs[i], &ys[i], &m) != 0) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        double auc = detector_auc(c, d);
        if (isfinite(auc))
            snprintf(labels[i], sizeof labels[i], "%s (AUC %.3f)", d->label, auc);
        else
            snprintf(labels[i], sizeof labels[i], "%s", d->label);
        series[i] = (bl_plot_series_t){labels[i], xs[i], ys[i], m, "lines linewidth 2", NULL, NULL};
    }
    series[n] = (bl_plot_series_t){
        "chance", diagonal, diagonal, 2, "lines dashtype 2 linecolor rgb 'gray'", NULL, NULL};

    char title[128];
    snprintf(title, sizeof title, "ROC, any threat (%zu scans)", c->inputs[0].n_scans);
    bl_plot_t p;
    bl_plot_init(&p);
    p.title = title;
    p.xlabel = "false-alarm rate (Pfa)";
    p.ylabel = "detection rate (Pd)";
    p.series = series;
    p.n_series = n + 1;
    p.xmin = p.ymin = 0;
    p.xmax = p.ymax = 1;
    p.key = "bottom right";
    rc = bl_plot_write(&p, terminal, output_path, err);
out:
    for (size_t i = 0; i < n; i++) {
        if (xs != NULL)
            free(xs[i]);
        if (ys != NULL)
            free(ys[i]);
    }
    free(xs);
    free(ys);
    free(series);
    free(labels);
    return rc;
}
