/* Pairwise comparison of detectors from detector_bench runs: see compare.h. */
#include "jobs/detector/compare_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "plugin/loader.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "results/summary.h"
#include "stats/detection_metrics.h"
#include "stats/inference.h"

/* The names of the score columns (compare_internal.h). */
static const char *const class_names[N_CLASSES] = {"any",   "firearm",    "knife",    "explosive",
                                                   "drugs", "cigarettes", "currency", "metal"};

/* ------------------------------------------------------------------ reading the tables */

/* Only the columns compare needs; HDF5 matches them by name and converts
 * the numbers, so the writer's exact types and extra columns do not matter. */
typedef struct scan_in {
    uint32_t scan;
    uint32_t truth_mask;
} scan_in_t;

typedef struct score_in {
    uint32_t scan;
    double any, firearm, knife, explosive, drugs, cigarettes, currency, metal;
} score_in_t;

typedef struct metric_in {
    char class[32];
    uint64_t positives, negatives;
    double auc;
} metric_in_t;

typedef struct offline_in {
    double scans_per_s;
} offline_in_t;

typedef struct single_in {
    double p50, p99;
} single_in_t;

#define IN_TABLE(path, st, cols)                                                                   \
    { path, NULL, NULL, NULL, cols, COUNT(cols), sizeof(st) }

static const bl_results_column_t scan_in_columns[] = {
    BL_RESULTS_COLUMN(scan_in_t, scan, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(scan_in_t, truth_mask, BL_RESULTS_COL_U32),
};
static const bl_results_table_t scan_in_table =
    IN_TABLE("/detector/scans", scan_in_t, scan_in_columns);

static const bl_results_column_t score_in_columns[] = {
    BL_RESULTS_COLUMN(score_in_t, scan, BL_RESULTS_COL_U32),
    BL_RESULTS_COLUMN(score_in_t, any, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, firearm, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, knife, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, explosive, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, drugs, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, cigarettes, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, currency, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(score_in_t, metal, BL_RESULTS_COL_F64),
};
static const bl_results_table_t score_in_table = IN_TABLE("scores", score_in_t, score_in_columns);

static const bl_results_column_t metric_in_columns[] = {
    BL_RESULTS_COLUMN(metric_in_t, class, BL_RESULTS_COL_STR),
    BL_RESULTS_COLUMN(metric_in_t, positives, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(metric_in_t, negatives, BL_RESULTS_COL_U64),
    BL_RESULTS_COLUMN(metric_in_t, auc, BL_RESULTS_COL_F64),
};
static const bl_results_table_t metric_in_table =
    IN_TABLE("metrics", metric_in_t, metric_in_columns);

static const bl_results_column_t offline_in_columns[] = {
    BL_RESULTS_COLUMN(offline_in_t, scans_per_s, BL_RESULTS_COL_F64),
};
static const bl_results_table_t offline_in_table =
    IN_TABLE("offline", offline_in_t, offline_in_columns);

static const bl_results_column_t single_in_columns[] = {
    BL_RESULTS_COLUMN(single_in_t, p50, BL_RESULTS_COL_F64),
    BL_RESULTS_COLUMN(single_in_t, p99, BL_RESULTS_COL_F64),
};
static const bl_results_table_t single_in_table =
    IN_TABLE("single_stream", single_in_t, single_in_columns);
/* ------------------------------------------------------------------ the model */

static void detector_fini(detector_t *d) {
    for (size_t k = 0; k < N_CLASSES; k++)
        free(d->scores[k]);
    free(d->group);
    free(d->id);
    free(d->version);
}

void bl_compare_free(bl_compare_t *c) {
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_inputs; i++) {
        free(c->inputs[i].path);
        free(c->inputs[i].scan_set);
        free(c->inputs[i].scan_ids);
        free(c->inputs[i].truth);
    }
    for (size_t i = 0; i < c->n_detectors; i++)
        detector_fini(&c->detectors[i]);
    free(c->inputs);
    free(c->detectors);
    free(c->rows);
    free(c);
}

const bl_compare_row_t *bl_compare_rows(const bl_compare_t *c, size_t *n) {
    *n = c->n_rows;
    return c->rows;
}

size_t bl_compare_n_detectors(const bl_compare_t *c) { return c->n_detectors; }

const char *bl_compare_label(const bl_compare_t *c, size_t i) {
    return i < c->n_detectors ? c->detectors[i].label : NULL;
}

/* ------------------------------------------------------------------ loading a file */

static int cmp_scan(const void *a, const void *b) {
    uint32_t x = ((const scan_in_t *)a)->scan, y = ((const scan_in_t *)b)->scan;
    return (x > y) - (x < y);
}

/* Index of scan id in the sorted in->scan_ids, or -1. */
static long scan_index(const input_t *in, uint32_t id) {
    size_t lo = 0, hi = in->n_scans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (in->scan_ids[mid] < id)
            lo = mid + 1;
        else if (in->scan_ids[mid] > id)
            hi = mid;
        else
            return (long)mid;
    }
    return -1;
}

static bool has_class_bit(const input_t *in, size_t i, size_t k) {
    if (k == ANY)
        return in->truth[i] != 0;
    return (in->truth[i] >> (k - (size_t)in->class_shift)) & 1u;
}

static bool is_negative(const input_t *in, size_t i, size_t k, int rule) {
    if (k == ANY || rule == NEG_CLEAN)
        return in->truth[i] == 0;
    return !has_class_bit(in, i, k);
}

static uint64_t count_positives(const input_t *in, size_t k) {
    uint64_t n = 0;
    for (size_t i = 0; i < in->n_scans; i++)
        n += has_class_bit(in, i, k);
    return n;
}

static uint64_t count_negatives(const input_t *in, size_t k, int rule) {
    uint64_t n = 0;
    for (size_t i = 0; i < in->n_scans; i++)
        n += is_negative(in, i, k, rule);
    return n;
}

static int class_by_name(const char *name) {
    for (int k = 0; k < N_CLASSES; k++)
        if (strcmp(name, class_names[k]) == 0)
            return k;
    return -1;
}

/* Whether every class row of the metrics table counts as many positives
 * as /detector/scans gives when truth_mask's bits are read with shift. */
static bool shift_fits(input_t *in, const metric_in_t *m, size_t n_m, int shift) {
    int saved = in->class_shift;
    bool fits = true;
    in->class_shift = shift;
    for (size_t r = 0; fits && r < n_m; r++) {
        int k = class_by_name(m[r].class);
        if (k >= 0)
            fits = count_positives(in, (size_t)k) == m[r].positives;
    }
    in->class_shift = saved;
    return fits;
}

/*
 * Match the truth in /detector/scans with the counts of the metrics table:
 * which bit of truth_mask is which class (bit c for class c, as the layout
 * says; bit c - 1 is accepted too, decided once per file) and which scans
 * count as a class's negatives (clean scans, or every scan without the
 * class).  Counts that fit no reading mean the file is inconsistent.
 */
static int class_rules(input_t *in, detector_t *d, bool first, const metric_in_t *m, size_t n_m,
                       bl_error_t *err) {
    if (first && !shift_fits(in, m, n_m, 0) && shift_fits(in, m, n_m, 1))
        in->class_shift = 1;
    for (size_t r = 0; r < n_m; r++) {
        int k = class_by_name(m[r].class);
        if (k < 0)
            continue;
        uint64_t positives = count_positives(in, (size_t)k);
        if (positives != m[r].positives)
            return bl_error_set(err, BL_EINVAL,
                                "%s: detector %s: metrics count %llu %s positives but "
                                "/detector/scans has %llu: the file is inconsistent; run the "
                                "bench again",
                                in->path, d->group, (unsigned long long)m[r].positives, m[r].class,
                                (unsigned long long)positives);
        if (count_negatives(in, (size_t)k, NEG_CLEAN) == m[r].negatives)
            d->negatives[k] = NEG_CLEAN;
        else if (count_negatives(in, (size_t)k, NEG_OTHER) == m[r].negatives)
            d->negatives[k] = NEG_OTHER;
        else
            return bl_error_set(err, BL_EINVAL,
                                "%s: detector %s: metrics count %llu %s negatives, which "
                                "/detector/scans does not give: the file is inconsistent; run "
                                "the bench again",
                                in->path, d->group, (unsigned long long)m[r].negatives, m[r].class);
        d->has_class[k] = positives > 0;
        if (k == ANY)
            d->auc_any = m[r].auc;
    }
    return 0;
}

/* Read one detector group of file into d (d->group and d->input set);
 * first: the file's first detector. */
static int load_detector(hid_t file, input_t *in, detector_t *d, bool first, bl_error_t *err) {
    int rc = 0;
    char base[512], path[640];
    score_in_t *scores = NULL;
    metric_in_t *metrics = NULL;
    offline_in_t *offline = NULL;
    single_in_t *single = NULL;
    size_t n_scores = 0, n_metrics = 0, n_offline = 0, n_single = 0;

    snprintf(base, sizeof base, "/detector/detectors/%s", d->group);
    d->id = bl_results_attr_text(file, base, "id");
    d->version = bl_results_attr_text(file, base, "version");
    d->auc_any = NAN;

    snprintf(path, sizeof path, "%s/scores", base);
    rc = bl_results_table_read_at(file, &score_in_table, path, (void **)&scores, &n_scores,
                                  in->path, err);
    if (rc != 0)
        goto out;
    if (n_scores != in->n_scans) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: %s has %zu rows but /detector/scans has %zu: the file is "
                          "incomplete; run the bench again",
                          in->path, path, n_scores, in->n_scans);
        goto out;
    }
    for (size_t k = 0; k < N_CLASSES; k++) {
        d->scores[k] = malloc((in->n_scans ? in->n_scans : 1) * sizeof(double));
        if (d->scores[k] == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < in->n_scans; i++)
            d->scores[k][i] = NAN;
    }
    for (size_t r = 0; r < n_scores; r++) {
        const score_in_t *s = &scores[r];
        long i = scan_index(in, s->scan);
        const double v[N_CLASSES] = {s->any,   s->firearm,    s->knife,    s->explosive,
                                     s->drugs, s->cigarettes, s->currency, s->metal};
        if (i < 0 || !isnan(d->scores[ANY][i])) {
            rc = bl_error_set(err, BL_EINVAL,
                              "%s: %s: scan %u is %s: the file is inconsistent; run the bench "
                              "again",
                              in->path, path, s->scan,
                              i < 0 ? "not in /detector/scans" : "scored twice");
            goto out;
        }
        for (size_t k = 0; k < N_CLASSES; k++) {
            if (!isfinite(v[k])) {
                rc = bl_error_set(err, BL_EINVAL,
                                  "%s: %s: scan %u has a non-finite %s score: the file is "
                                  "damaged; run the bench again",
                                  in->path, path, s->scan, class_names[k]);
                goto out;
            }
            d->scores[k][i] = v[k];
        }
    }

    snprintf(path, sizeof path, "%s/metrics", base);
    rc = bl_results_table_read_at(file, &metric_in_table, path, (void **)&metrics, &n_metrics,
                                  in->path, err);
    if (rc == 0)
        rc = class_rules(in, d, first, metrics, n_metrics, err);
    if (rc != 0)
        goto out;

    snprintf(path, sizeof path, "%s/offline", base);
    if (bl_results_path_exists(file, path)) {
        rc = bl_results_table_read_at(file, &offline_in_table, path, (void **)&offline, &n_offline,
                                      in->path, err);
        if (rc != 0)
            goto out;
        d->best_scans_per_s = NAN;
        for (size_t r = 0; r < n_offline; r++)
            if (isfinite(offline[r].scans_per_s) &&
                (isnan(d->best_scans_per_s) || offline[r].scans_per_s > d->best_scans_per_s))
                d->best_scans_per_s = offline[r].scans_per_s;
        d->has_offline = isfinite(d->best_scans_per_s);
    }
    snprintf(path, sizeof path, "%s/single_stream", base);
    if (bl_results_path_exists(file, path)) {
        rc = bl_results_table_read_at(file, &single_in_table, path, (void **)&single, &n_single,
                                      in->path, err);
        if (rc != 0)
            goto out;
        if (n_single > 0) {
            d->has_single = true;
            d->p50 = single[0].p50;
            d->p99 = single[0].p99;
        }
    }
out:
    free(scores);
    free(metrics);
    free(offline);
    free(single);
    return rc;
}

static int add_detector(bl_compare_t *c, detector_t **out) {
    if (c->n_detectors == c->cap_detectors) {
        size_t cap = c->cap_detectors ? 2 * c->cap_detectors : 8;
        detector_t *grown = realloc(c->detectors, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        c->detectors = grown;
        c->cap_detectors = cap;
    }
    *out = &c->detectors[c->n_detectors++];
    memset(*out, 0, sizeof **out);
    return 0;
}

/* Load the file of input in (path set) and its detectors. */
static int load_input(bl_compare_t *c, size_t index, bl_error_t *err) {
    input_t *in = &c->inputs[index];
    int rc = 0;
    hid_t file = -1, dets = -1;
    char *job = NULL;
    scan_in_t *scans = NULL;
    size_t n_scans = 0;
    bl_group_names_t groups = {NULL, 0, 0, false};

    rc = bl_summary_check_file(in->path, NULL, err);
    if (rc != 0)
        return rc;
    rc = bl_sha256_file(in->path, in->sha256, err);
    if (rc != 0)
        return rc;
    file = H5Fopen(in->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return bl_error_set(err, BL_EHDF5, "%s: cannot open the file", in->path);
    job = bl_results_root_text(file, "job");
    if (job == NULL || strcmp(job, "detector_bench") != 0) {
        rc = bl_error_set(err, BL_EINVAL, "%s is a %s run; compare needs detector_bench runs",
                          in->path, job ? job : "job-less");
        goto out;
    }
    in->scan_set = bl_results_root_text(file, "scan_set_sha256");
    if (in->scan_set == NULL || in->scan_set[0] == '\0') {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s has no scan_set_sha256 attribute, so it cannot be matched to other "
                          "runs: run the bench again with this borderlab",
                          in->path);
        goto out;
    }
    double threshold = NAN;
    if (!bl_results_root_number(file, "threshold", H5T_NATIVE_DOUBLE, &threshold) ||
        !isfinite(threshold)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s has no threshold attribute: the file is incomplete; run the bench "
                          "again",
                          in->path);
        goto out;
    }

    rc = bl_results_table_read(file, &scan_in_table, (void **)&scans, &n_scans, in->path, err);
    if (rc != 0)
        goto out;
    qsort(scans, n_scans, sizeof *scans, cmp_scan);
    in->n_scans = n_scans;
    in->scan_ids = malloc((n_scans ? n_scans : 1) * sizeof *in->scan_ids);
    in->truth = malloc((n_scans ? n_scans : 1) * sizeof *in->truth);
    if (in->scan_ids == NULL || in->truth == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_scans; i++) {
        if (i > 0 && scans[i].scan == scans[i - 1].scan) {
            rc = bl_error_set(err, BL_EINVAL,
                              "%s: /detector/scans lists scan %u twice: the file is damaged",
                              in->path, scans[i].scan);
            goto out;
        }
        in->scan_ids[i] = scans[i].scan;
        in->truth[i] = scans[i].truth_mask;
    }

    if (!bl_results_path_exists(file, "/detector/detectors") ||
        (dets = H5Gopen2(file, "/detector/detectors", H5P_DEFAULT)) < 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s has no /detector/detectors group: the run did not finish; run the "
                          "bench again",
                          in->path);
        goto out;
    }
    /* Scenario order when the writer tracked it, else by name. */
    rc = bl_results_group_names(dets, &groups);
    if (rc != 0) {
        rc = rc == BL_ENOMEM
                 ? bl_error_set(err, BL_ENOMEM, "out of memory")
                 : bl_error_set(err, BL_EHDF5, "%s: cannot list /detector/detectors", in->path);
        goto out;
    }
    for (size_t g = 0; g < groups.n; g++) {
        detector_t *d;
        if (add_detector(c, &d) != 0) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        d->group = groups.names[g];
        groups.names[g] = NULL;
        d->input = index;
        d->threshold = threshold;
        rc = load_detector(file, in, d, g == 0, err);
        if (rc != 0)
            goto out;
    }
out:
    bl_group_names_fini(&groups);
    free(scans);
    free(job);
    if (dets >= 0)
        H5Gclose(dets);
    H5Fclose(file);
    return rc;
}

/* Labels: the group name, "file:group" when another detector has the same
 * name (the folder-less file name, or the whole path when that clashes too). */
static void make_labels(bl_compare_t *c) {
    for (size_t i = 0; i < c->n_detectors; i++) {
        detector_t *d = &c->detectors[i];
        bool name_clash = false, base_clash = false;
        const char *path = c->inputs[d->input].path;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        for (size_t j = 0; j < c->n_detectors; j++) {
            const detector_t *e = &c->detectors[j];
            if (j == i || strcmp(e->group, d->group) != 0)
                continue;
            name_clash = true;
            const char *p2 = c->inputs[e->input].path;
            const char *b2 = strrchr(p2, '/') ? strrchr(p2, '/') + 1 : p2;
            if (strcmp(b2, base) == 0)
                base_clash = true;
        }
        if (!name_clash)
            snprintf(d->label, sizeof d->label, "%s", d->group);
        else
            snprintf(d->label, sizeof d->label, "%s:%s", base_clash ? path : base, d->group);
    }
}

/* ------------------------------------------------------------------ comparing */

static bl_compare_row_t *add_row(bl_compare_t *c, const detector_t *a, const detector_t *b,
                                 const char *class, const char *metric, const char *test) {
    if (c->n_rows == c->cap_rows) {
        size_t cap = c->cap_rows ? 2 * c->cap_rows : 32;
        bl_compare_row_t *grown = realloc(c->rows, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        c->rows = grown;
        c->cap_rows = cap;
    }
    bl_compare_row_t *r = &c->rows[c->n_rows++];
    memset(r, 0, sizeof *r);
    snprintf(r->a, sizeof r->a, "%s", a->label);
    snprintf(r->b, sizeof r->b, "%s", b->label);
    snprintf(r->class, sizeof r->class, "%s", class);
    snprintf(r->metric, sizeof r->metric, "%s", metric);
    snprintf(r->test, sizeof r->test, "%s", test);
    r->value_a = r->value_b = r->difference = r->statistic = r->p_value = NAN;
    return r;
}

/* Pd or Pfa of a and b on the scans in set[0..n-1] with McNemar's test. */
static int proportion_row(bl_compare_t *c, const detector_t *a, const detector_t *b, size_t k,
                          const char *metric, const size_t *set, size_t n) {
    bl_compare_row_t *r = add_row(c, a, b, class_names[k], metric, "mcnemar-exact");
    if (r == NULL)
        return -1;
    uint64_t alarms_a = 0, alarms_b = 0, only_a = 0, only_b = 0;
    for (size_t j = 0; j < n; j++) {
        bool ya = a->scores[k][set[j]] >= a->threshold;
        bool yb = b->scores[k][set[j]] >= b->threshold;
        alarms_a += ya;
        alarms_b += yb;
        only_a += ya && !yb;
        only_b += yb && !ya;
    }
    r->n = n;
    r->only_a = only_a;
    r->only_b = only_b;
    if (n == 0)
        return 0;
    r->value_a = (double)alarms_a / (double)n;
    r->value_b = (double)alarms_b / (double)n;
    r->difference = ((double)only_a - (double)only_b) / (double)n;
    bl_mcnemar_t m = bl_mcnemar(only_a, only_b);
    r->statistic = m.chi2;
    r->p_value = m.p_exact;
    return 0;
}

static int ratio_row(bl_compare_t *c, const detector_t *a, const detector_t *b, const char *metric,
                     double va, double vb) {
    bl_compare_row_t *r = add_row(c, a, b, "-", metric, "ratio");
    if (r == NULL)
        return -1;
    r->value_a = va;
    r->value_b = vb;
    r->difference = vb > 0 && isfinite(va) ? va / vb : NAN;
    return 0;
}

/* Every row of the pair (a, b), which share the scans of input `in`. */
static int compare_pair(bl_compare_t *c, const detector_t *a, const detector_t *b,
                        const input_t *in, bl_error_t *err) {
    size_t n = in->n_scans;
    size_t *pos = malloc((n ? n : 1) * sizeof *pos);
    size_t *neg = malloc((n ? n : 1) * sizeof *neg);
    double *buf = malloc((n ? n : 1) * 4 * sizeof *buf);
    int rc = 0;
    if (pos == NULL || neg == NULL || buf == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < N_CLASSES; k++) {
        if (!a->has_class[k] || !b->has_class[k])
            continue;
        size_t np = 0, nn = 0;
        for (size_t i = 0; i < n; i++) {
            if (has_class_bit(in, i, k))
                pos[np++] = i;
            else if (is_negative(in, i, k, a->negatives[k]))
                neg[nn++] = i;
        }
        if (proportion_row(c, a, b, k, "pd", pos, np) != 0 ||
            proportion_row(c, a, b, k, "pfa", neg, nn) != 0) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        bl_compare_row_t *r = add_row(c, a, b, class_names[k], "auc", "delong");
        if (r == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        r->n = np + nn;
        double *pa = buf, *pb = buf + np, *na = buf + 2 * np, *nb = buf + 2 * np + nn;
        for (size_t j = 0; j < np; j++) {
            pa[j] = a->scores[k][pos[j]];
            pb[j] = b->scores[k][pos[j]];
        }
        for (size_t j = 0; j < nn; j++) {
            na[j] = a->scores[k][neg[j]];
            nb[j] = b->scores[k][neg[j]];
        }
        bl_delong_paired_t dl;
        if (np > 0 && nn > 0 && bl_delong_paired(pa, pb, np, na, nb, nn, &dl) == 0) {
            r->value_a = dl.auc_a;
            r->value_b = dl.auc_b;
            r->difference = dl.difference;
            r->statistic = dl.z;
            r->p_value = dl.p;
        }
    }
    if (a->has_single && b->has_single &&
        (ratio_row(c, a, b, "latency_p50_ratio", a->p50, b->p50) != 0 ||
         ratio_row(c, a, b, "latency_p99_ratio", a->p99, b->p99) != 0))
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
    if (rc == 0 && a->has_offline && b->has_offline &&
        ratio_row(c, a, b, "offline_throughput_ratio", a->best_scans_per_s, b->best_scans_per_s) !=
            0)
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
out:
    free(pos);
    free(neg);
    free(buf);
    return rc;
}

/* Files with the same scan set must hold the same scans and truth. */
static int check_same_scans(const input_t *x, const input_t *y, bl_error_t *err) {
    if (strcmp(x->scan_set, y->scan_set) != 0)
        return bl_error_set(err, BL_EINVAL,
                            "%s and %s were run on different scans (seed or generator differ): "
                            "compare needs detectors run on the same seeded scans",
                            x->path, y->path);
    if (x->n_scans != y->n_scans ||
        memcmp(x->scan_ids, y->scan_ids, x->n_scans * sizeof *x->scan_ids) != 0 ||
        memcmp(x->truth, y->truth, x->n_scans * sizeof *x->truth) != 0 ||
        x->class_shift != y->class_shift)
        return bl_error_set(err, BL_EINVAL,
                            "%s and %s have the same scan_set_sha256 but different "
                            "/detector/scans tables: one of them is damaged; run the bench again",
                            x->path, y->path);
    return 0;
}

int bl_compare_load(const char *const *paths, size_t n_paths, bl_compare_t **out, bl_error_t *err) {
    *out = NULL;
    int rc = 0;
    bl_compare_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (n_paths == 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "compare needs results files of detector_bench runs, e.g. "
                          "borderlab compare a.h5 b.h5");
        goto out;
    }
    c->inputs = calloc(n_paths, sizeof *c->inputs);
    if (c->inputs == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_paths; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[i], paths[j]) == 0) {
                rc = bl_error_set(err, BL_EINVAL, "%s is given twice: name each results file once",
                                  paths[i]);
                goto out;
            }
        c->inputs[i].path = strdup(paths[i]);
        c->n_inputs = i + 1;
        if (c->inputs[i].path == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        rc = load_input(c, i, err);
        if (rc != 0)
            goto out;
        if (i > 0) {
            rc = check_same_scans(&c->inputs[0], &c->inputs[i], err);
            if (rc != 0)
                goto out;
        }
    }
    if (c->n_detectors < 2) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s hold%s %zu detector%s in all; compare needs at least two: give "
                          "another results file or run the bench with two detectors",
                          n_paths == 1 ? paths[0] : "the files", n_paths == 1 ? "s" : "",
                          c->n_detectors, c->n_detectors == 1 ? "" : "s");
        goto out;
    }
    make_labels(c);
    for (size_t i = 0; i < c->n_detectors; i++)
        for (size_t j = i + 1; j < c->n_detectors; j++) {
            rc = compare_pair(c, &c->detectors[i], &c->detectors[j],
                              &c->inputs[c->detectors[i].input], err);
            if (rc != 0)
                goto out;
        }
    *out = c;
    c = NULL;
out:
    bl_compare_free(c);
    return rc;
}
