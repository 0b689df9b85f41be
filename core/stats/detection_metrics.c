/*
 * Detection metrics: see detection_metrics.h.
 *
 * AUC and DeLong's method (DeLong, DeLong and Clarke-Pearson 1988,
 * Biometrics 44:837-845) are computed from the structural components
 *   V10(X_i) = mean_j psi(X_i, Y_j),  V01(Y_j) = mean_i psi(X_i, Y_j),
 * psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise, for positives X and
 * negatives Y.  Each component is a count in the other class's sorted
 * scores, found by binary search, so the cost is O(n log n) rather than
 * O(n_pos n_neg) (the same complexity as Sun and Xu 2014, IEEE Signal
 * Processing Letters 21(11):1389-1393, who use midranks instead).  Counts
 * are kept as integers (twice the Mann-Whitney U) so that the AUC is exact
 * up to the final division.
 *
 * Average precision follows the COCO detection evaluation (Lin et al.
 * 2014, Microsoft COCO: Common Objects in Context, ECCV): greedy matching by
 * descending confidence, interpolated precision made monotone, sampled at
 * the 101 recall points 0, 0.01, ..., 1 (a recall point never reached
 * counts 0).
 */
#include "stats/detection_metrics.h"

#include "borderlab/plugin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static int compare_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* A sorted copy of x[0..n-1]; NULL when out of memory (or n == 0). */
static double *sorted_copy(const double *x, size_t n) {
    double *s = n ? malloc(n * sizeof *s) : NULL;
    if (s == NULL)
        return NULL;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, compare_double);
    return s;
}

/* Number of elements of sorted s[0..n-1] below v, and equal to v. */
static void count_below(const double *s, size_t n, double v, uint64_t *below, uint64_t *equal) {
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first index with s[i] >= v */
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t first = lo;
    hi = n;
    while (lo < hi) { /* first index with s[i] > v */
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *below = first;
    *equal = lo - first;
}

static int any_nan(const double *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return 1;
    return 0;
}

/*
 * Structural components of one detector: v10[i] for each positive, v01[j]
 * for each negative (either may be NULL), and the AUC.  Returns 0 or
 * BL_ENOMEM.
 */
static int components(const double *pos, size_t n_pos, const double *neg, size_t n_neg, double *v10,
                      double *v01, double *auc) {
    int rc = BL_ENOMEM;
    double *sneg = sorted_copy(neg, n_neg);
    double *spos = v01 ? sorted_copy(pos, n_pos) : NULL;
    if (sneg == NULL || (v01 && spos == NULL))
        goto out;
    /* 2 U = sum over positives of 2 (#neg below) + (#neg equal). */
    uint64_t twice_u = 0;
    for (size_t i = 0; i < n_pos; i++) {
        uint64_t below, equal;
        count_below(sneg, n_neg, pos[i], &below, &equal);
        uint64_t c = 2 * below + equal;
        twice_u += c;
        if (v10)
            v10[i] = (double)c / (2.0 * (double)n_neg);
    }
    if (v01) {
        for (size_t j = 0; j < n_neg; j++) {
            uint64_t below, equal;
            count_below(spos, n_pos, neg[j], &below, &equal);
            uint64_t above = n_pos - below - equal;
            v01[j] = (double)(2 * above + equal) / (2.0 * (double)n_pos);
        }
    }
    *auc = (double)twice_u / (2.0 * (double)n_pos * (double)n_neg);
    rc = 0;
out:
    free(spos);
    free(sneg);
    return rc;
}

/* Sample variance (n - 1) of x[0..n-1] about its own mean. */
static double sample_variance(const double *x, size_t n) {
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - mean) * (x[i] - mean);
    return s / (double)(n - 1);
}

/* ---------------------------------------------------------------- ROC */

typedef struct scored {
    double score;
    uint8_t label;
} scored_t;

static int compare_scored_desc(const void *pa, const void *pb) {
    double a = ((const scored_t *)pa)->score, b = ((const scored_t *)pb)->score;
    return (a < b) - (a > b);
}

int bl_roc(const double *scores, const uint8_t *labels, size_t n, bl_roc_point_t **points,
           size_t *n_points) {
    if (points == NULL || n_points == NULL || (n && (scores == NULL || labels == NULL)))
        return BL_EINVAL;
    *points = NULL;
    *n_points = 0;
    uint64_t n_pos = 0, n_neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(scores[i]) || labels[i] > 1)
            return BL_EINVAL;
        if (labels[i])
            n_pos++;
        else
            n_neg++;
    }
    scored_t *s = n ? malloc(n * sizeof *s) : NULL;
    bl_roc_point_t *p = malloc((n + 1) * sizeof *p);
    if ((n && s == NULL) || p == NULL) {
        free(s);
        free(p);
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        s[i].score = scores[i];
        s[i].label = labels[i];
    }
    if (n)
        qsort(s, n, sizeof *s, compare_scored_desc);

    /* A class with no cases has an undefined rate: NaN. */
    double pos_div = (double)n_pos, neg_div = (double)n_neg;
    size_t k = 0;
    p[k++] = (bl_roc_point_t){INFINITY, n_pos ? 0.0 : NAN, n_neg ? 0.0 : NAN};
    uint64_t tp = 0, fp = 0;
    for (size_t i = 0; i < n;) {
        double t = s[i].score;
        /* every case tied at this score is alarmed together */
        for (; i < n && s[i].score == t; i++) {
            if (s[i].label)
                tp++;
            else
                fp++;
        }
        p[k++] = (bl_roc_point_t){t, (double)tp / pos_div, (double)fp / neg_div};
    }
    free(s);
    bl_roc_point_t *shrunk = realloc(p, k * sizeof *p);
    *points = shrunk ? shrunk : p;
    *n_points = k;
    return 0;
}

double bl_pd_at_pfa(const bl_roc_point_t *points, size_t n_points, double max_pfa,
                    double *threshold) {
    double best_pd = NAN, best_t = NAN;
    if (points && !isnan(max_pfa)) {
        /* The lowest threshold that keeps the false-alarm rate within the
         * limit; order-independent, so any list of points will do. */
        for (size_t i = 0; i < n_points; i++) {
            if (!(points[i].pfa <= max_pfa))
                continue;
            if (isnan(best_t) || points[i].threshold < best_t ||
                (points[i].threshold == best_t && points[i].pd > best_pd)) {
                best_t = points[i].threshold;
                best_pd = points[i].pd;
            }
        }
    }
    if (threshold)
        *threshold = best_t;
    return best_pd;
}

/* ---------------------------------------------------------------- AUC, DeLong */

double bl_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg) {
    if (n_pos == 0 || n_neg == 0 || pos == NULL || neg == NULL || any_nan(pos, n_pos) ||
        any_nan(neg, n_neg))
        return NAN;
    double auc;
    if (components(pos, n_pos, neg, n_neg, NULL, NULL, &auc) != 0)
        return NAN;
    return auc;
}

bl_interval_t bl_auc_delong(const double *pos, size_t n_pos, const double *neg, size_t n_neg,
                            double level, double *variance) {
    bl_interval_t iv = {NAN, NAN, NAN, NAN};
    double var = NAN;
    double *v10 = NULL, *v01 = NULL;
    if (n_pos == 0 || n_neg == 0 || pos == NULL || neg == NULL || any_nan(pos, n_pos) ||
        any_nan(neg, n_neg))
        goto out;
    v10 = malloc(n_pos * sizeof *v10);
    v01 = malloc(n_neg * sizeof *v01);
    if (v10 == NULL || v01 == NULL)
        goto out;
    if (components(pos, n_pos, neg, n_neg, v10, v01, &iv.estimate) != 0)
        goto out;
    /* var = S10 / m + S01 / n, the S the sample variances of the
     * components (DeLong et al. 1988); undefined with fewer than two cases
     * in a class. */
    if (n_pos < 2 || n_neg < 2)
        goto out;
    var = sample_variance(v10, n_pos) / (double)n_pos + sample_variance(v01, n_neg) / (double)n_neg;
    if (level > 0.0 && level < 1.0) {
        double z = -bl_normal_quantile(0.5 * (1.0 - level));
        iv.half_width = z * sqrt(var);
        iv.low = fmax(0.0, iv.estimate - iv.half_width);
        iv.high = fmin(1.0, iv.estimate + iv.half_width);
    }
out:
    free(v10);
    free(v01);
    if (variance)
        *variance = var;
    return iv;
}

int bl_delong_paired(const double *pos_a, const double *pos_b, size_t n_pos, const double *neg_a,
                     const double *neg_b, size_t n_neg, bl_delong_paired_t *out) {
    if (out == NULL)
        return BL_EINVAL;
    *out = (bl_delong_paired_t){NAN, NAN, NAN, NAN, NAN, NAN};
    if (n_pos < 2 || n_neg < 2 || !pos_a || !pos_b || !neg_a || !neg_b || any_nan(pos_a, n_pos) ||
        any_nan(pos_b, n_pos) || any_nan(neg_a, n_neg) || any_nan(neg_b, n_neg))
        return BL_EINVAL;
    int rc = BL_ENOMEM;
    double *v10a = malloc(n_pos * sizeof *v10a), *v10b = malloc(n_pos * sizeof *v10b);
    double *v01a = malloc(n_neg * sizeof *v01a), *v01b = malloc(n_neg * sizeof *v01b);
    if (!v10a || !v10b || !v01a || !v01b)
        goto out;
    if (components(pos_a, n_pos, neg_a, n_neg, v10a, v01a, &out->auc_a) != 0 ||
        components(pos_b, n_pos, neg_b, n_neg, v10b, v01b, &out->auc_b) != 0)
        goto out;
    /* Var(A - B) = (S10_aa + S10_bb - 2 S10_ab) / m + (S01 likewise) / n,
     * computed as the sample variance of the component differences, which
     * is the same quantity and cannot come out negative. */
    for (size_t i = 0; i < n_pos; i++)
        v10a[i] -= v10b[i];
    for (size_t j = 0; j < n_neg; j++)
        v01a[j] -= v01b[j];
    double var =
        sample_variance(v10a, n_pos) / (double)n_pos + sample_variance(v01a, n_neg) / (double)n_neg;
    out->difference = out->auc_a - out->auc_b;
    out->se = sqrt(var);
    if (out->se > 0.0) {
        out->z = out->difference / out->se;
    } else {
        /* Identical components: no variance to test against. */
        out->z = out->difference == 0.0 ? 0.0 : copysign(INFINITY, out->difference);
    }
    out->p = fmin(1.0, 2.0 * bl_normal_cdf(-fabs(out->z)));
    rc = 0;
out:
    free(v10a);
    free(v10b);
    free(v01a);
    free(v01b);
    return rc;
}

/* ---------------------------------------------------------------- boxes */

double bl_iou(const float a[4], const float b[4]) {
    double aw = fmax(0.0, (double)a[2] - a[0]), ah = fmax(0.0, (double)a[3] - a[1]);
    double bw = fmax(0.0, (double)b[2] - b[0]), bh = fmax(0.0, (double)b[3] - b[1]);
    double iw = fmin(a[2], b[2]) - fmax(a[0], b[0]);
    double ih = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    if (!(iw > 0.0 && ih > 0.0))
        return 0.0;
    double inter = iw * ih;
    double uni = aw * ah + bw * bh - inter;
    return uni > 0.0 ? inter / uni : 0.0;
}

/* Sort keys: detections by descending confidence with ties in input order
 * (a stable sort), truth by image with ties in input order. */
typedef struct det_key {
    float confidence;
    size_t index;
} det_key_t;

typedef struct truth_key {
    uint32_t image;
    size_t index;
} truth_key_t;

static int compare_det(const void *pa, const void *pb) {
    const det_key_t *a = pa, *b = pb;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int compare_truth(const void *pa, const void *pb) {
    const truth_key_t *a = pa, *b = pb;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

double bl_average_precision(const bl_box_item_t *detections, size_t n_detections,
                            const bl_box_item_t *truth, size_t n_truth, uint32_t threat,
                            double iou_threshold) {
    double ap = NAN;
    size_t n_gt = 0, n_det = 0;
    if ((n_truth && truth == NULL) || (n_detections && detections == NULL))
        return NAN;
    for (size_t i = 0; i < n_truth; i++)
        n_gt += truth[i].threat == threat;
    if (n_gt == 0 || isnan(iou_threshold))
        return NAN;
    /* Detections without a usable confidence are not scored (the caller
     * counts them as invalid). */
    for (size_t i = 0; i < n_detections; i++)
        n_det += detections[i].threat == threat && !isnan(detections[i].confidence);

    truth_key_t *gt = malloc(n_gt * sizeof *gt);
    unsigned char *matched = calloc(n_gt, 1);
    det_key_t *det = n_det ? malloc(n_det * sizeof *det) : NULL;
    double *precision = n_det ? malloc(n_det * sizeof *precision) : NULL;
    double *recall = n_det ? malloc(n_det * sizeof *recall) : NULL;
    if (gt == NULL || matched == NULL || (n_det && (!det || !precision || !recall)))
        goto out;

    size_t k = 0;
    for (size_t i = 0; i < n_truth; i++)
        if (truth[i].threat == threat)
            gt[k++] = (truth_key_t){truth[i].image, i};
    qsort(gt, n_gt, sizeof *gt, compare_truth);
    k = 0;
    for (size_t i = 0; i < n_detections; i++)
        if (detections[i].threat == threat && !isnan(detections[i].confidence))
            det[k++] = (det_key_t){detections[i].confidence, i};
    if (n_det)
        qsort(det, n_det, sizeof *det, compare_det);

    size_t tp = 0;
    for (size_t d = 0; d < n_det; d++) {
        const bl_box_item_t *item = &detections[det[d].index];
        /* the truth objects of this image: first index with image >= */
        size_t lo = 0, hi = n_gt;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (gt[mid].image < item->image)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* Greedy: the unmatched truth with the highest IoU at or above the
         * threshold; on equal IoU the first in input order. */
        size_t best = n_gt;
        double best_iou = -1.0;
        for (size_t g = lo; g < n_gt && gt[g].image == item->image; g++) {
            if (matched[g])
                continue;
            double iou = bl_iou(item->box, truth[gt[g].index].box);
            if (iou >= iou_threshold && iou > best_iou) {
                best = g;
                best_iou = iou;
            }
        }
        if (best < n_gt) {
            matched[best] = 1;
            tp++;
        }
        precision[d] = (double)tp / (double)(d + 1);
        recall[d] = (double)tp / (double)n_gt;
    }
    /* Interpolated precision: the best precision at this recall or above. */
    for (size_t d = n_det; d-- > 1;)
        if (precision[d] > precision[d - 1])
            precision[d - 1] = precision[d];

    double sum = 0.0;
    for (int r = 0; r <= 100; r++) {
        /* the recall points as COCO computes them (numpy linspace: r * 0.01,
         * the last exactly 1), so that a recall of exactly r / 100 compares
         * the same way */
        double point = r == 100 ? 1.0 : r * 0.01;
        size_t a = 0, b = n_det;
        while (a < b) { /* first detection with recall >= point */
            size_t mid = a + (b - a) / 2;
            if (recall[mid] < point)
                a = mid + 1;
            else
                b = mid;
        }
        if (a < n_det)
            sum += precision[a];
    }
    ap = sum / 101.0;
out:
    free(recall);
    free(precision);
    free(det);
    free(matched);
    free(gt);
    return ap;
}
