/*
 * Accuracy metrics of a detector against ground truth: ROC curves from
 * scores, AUC (= the Mann-Whitney statistic) with DeLong's variance and
 * paired test, detection rate at a fixed false-alarm rate, and box-level
 * average precision at an IoU threshold (COCO-style greedy matching).
 */
#ifndef BL_DETECTION_METRICS_H
#define BL_DETECTION_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "stats/stats.h"

/* One ROC point: alarm when score >= threshold. */
typedef struct bl_roc_point {
    double threshold;
    double pd;  /* detection rate: positives alarmed / positives */
    double pfa; /* false-alarm rate: negatives alarmed / negatives */
} bl_roc_point_t;

/*
 * The ROC of scores[i] with labels[i] (1 positive, 0 negative), one point
 * per distinct score from high to low, starting at (0, 0) with threshold
 * +inf.  *points is malloc'd (caller frees); *n_points is at most n + 1.
 * NaN scores are not allowed (the caller drops invalid outputs first).
 * Returns 0, BL_EINVAL (NULL output pointers, NULL inputs with n > 0, a NaN
 * score or a label other than 0 and 1) or BL_ENOMEM.  A class with no case
 * has NaN for its rate.  scores and labels are borrowed.
 */
int bl_roc(const double *scores, const uint8_t *labels, size_t n, bl_roc_point_t **points,
           size_t *n_points);

/* AUC as the Mann-Whitney statistic: P(pos > neg) + P(pos == neg) / 2.
 * NaN when either class is empty (or holds a NaN, or memory runs out).
 * O(n log n). */
double bl_auc(const double *pos, size_t n_pos, const double *neg, size_t n_neg);

/* AUC with DeLong's variance and a CI at `level` (logit-free normal
 * interval clipped to [0, 1]).  *variance (may be NULL) receives
 * S10 / n_pos + S01 / n_neg, NaN with fewer than two cases in a class, when
 * the bounds are NaN too; half_width is z * se before clipping.  A level
 * outside (0, 1) gives the estimate and variance with NaN bounds. */
bl_interval_t bl_auc_delong(const double *pos, size_t n_pos, const double *neg, size_t n_neg,
                            double level, double *variance);

/* DeLong's paired test of two detectors scored on the same cases:
 * pos_a[i]/pos_b[i] are the two scores of positive case i, likewise
 * negatives.  Fills the AUC difference (a - b), its standard error, z and
 * two-sided p.  Returns 0, BL_EINVAL (NULL pointers, fewer than two cases in
 * a class, a NaN score; *out is then NaN throughout) or BL_ENOMEM.  When
 * the difference has no variance (e.g. identical scores) z is 0 and p 1 for
 * a zero difference, else z is +-inf and p 0. */
typedef struct bl_delong_paired {
    double auc_a, auc_b, difference, se, z, p;
} bl_delong_paired_t;

int bl_delong_paired(const double *pos_a, const double *pos_b, size_t n_pos, const double *neg_a,
                     const double *neg_b, size_t n_neg, bl_delong_paired_t *out);

/* Detection rate at the lowest threshold whose false-alarm rate does not
 * exceed max_pfa, from an ROC; *threshold (may be NULL) receives it.  Any
 * order of points will do.  NaN (and a NaN threshold) when no point
 * qualifies. */
double bl_pd_at_pfa(const bl_roc_point_t *points, size_t n_points, double max_pfa,
                    double *threshold);

/* Intersection over union of two boxes x0, y0, x1, y1. */
double bl_iou(const float a[4], const float b[4]);

/* A detection or a ground-truth object for average precision. */
typedef struct bl_box_item {
    uint32_t image;
    uint32_t threat;
    float confidence; /* detections only */
    float box[4];
} bl_box_item_t;

/*
 * Average precision of the detections of class `threat` against the
 * ground truth of that class, COCO-style: detections by descending
 * confidence are matched greedily to the unmatched truth object of the
 * same image with the highest IoU >= iou_threshold; precision is made
 * monotone and averaged over 101 recall points.  NaN when there is no
 * truth of that class.  Detections with a NaN confidence are not scored.
 * On equal IoU the truth object listed first wins.
 */
double bl_average_precision(const bl_box_item_t *detections, size_t n_detections,
                            const bl_box_item_t *truth, size_t n_truth, uint32_t threat,
                            double iou_threshold);

#endif
