/*
 * Loading a surrogate detector from a detector_bench results file: see
 * surrogate_file.h.  The file is read through results/detector_tables.h,
 * the same table descriptions the bench wrote it with.
 */
#include "jobs/checkpoint/surrogate_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "plugin/loader.h"
#include "results/detector_tables.h"
#include "results/results_schema.h"

#define BENCH_HINT "run borderlab run scenarios/xray_bench.lua (or your bench) and give that file"

/* ------------------------------------------------------------------ HDF5 quiet */

/* HDF5 prints its own error stack by default; our messages say what went
 * wrong, so silence it while loading and restore what the caller had. */
typedef struct hdf5_quiet {
    H5E_auto2_t func;
    void *data;
} hdf5_quiet_t;

static void quiet_begin(hdf5_quiet_t *q) {
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const hdf5_quiet_t *q) {
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* ------------------------------------------------------------------ detector groups */

/* The detector groups in scenario (creation) order, or by name when the
 * file did not track the order. */
static int list_detectors(hid_t file, const char *path, bl_group_names_t *out, bl_error_t *err) {
    if (!bl_results_path_exists(file, BL_BENCH_DETECTORS_GROUP))
        return bl_error_set(err, BL_EHDF5,
                            "%s has no %s group: the bench did not finish; run it again", path,
                            BL_BENCH_DETECTORS_GROUP);
    hid_t dets = H5Gopen2(file, BL_BENCH_DETECTORS_GROUP, H5P_DEFAULT);
    if (dets < 0)
        return bl_error_set(err, BL_EHDF5, "%s: cannot open %s", path, BL_BENCH_DETECTORS_GROUP);
    int rc = bl_results_group_names(dets, out);
    H5Gclose(dets);
    if (rc != 0)
        return rc == BL_ENOMEM ? bl_error_set(err, BL_ENOMEM, "out of memory")
                               : bl_error_set(err, BL_EHDF5, "%s: cannot list %s", path,
                                              BL_BENCH_DETECTORS_GROUP);
    if (out->n == 0)
        return bl_error_set(err, BL_EHDF5,
                            "%s has no detector under %s: the bench did not finish; run it again",
                            path, BL_BENCH_DETECTORS_GROUP);
    return 0;
}

/* Which group detector names: a label, else the group whose id attribute
 * it is.  -1 when none. */
static long find_detector(hid_t file, const bl_group_names_t *labels, const char *detector) {
    for (size_t i = 0; i < labels->n; i++)
        if (strcmp(labels->names[i], detector) == 0)
            return (long)i;
    for (size_t i = 0; i < labels->n; i++) {
        char path[640];
        snprintf(path, sizeof path, "%s/%s", BL_BENCH_DETECTORS_GROUP, labels->names[i]);
        char *id = bl_results_attr_text(file, path, "id");
        bool same = id != NULL && strcmp(id, detector) == 0;
        free(id);
        if (same)
            return (long)i;
    }
    return -1;
}

static int unknown_detector(const char *path, const char *detector, const bl_group_names_t *labels,
                            bl_error_t *err) {
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < labels->n && used < sizeof list; i++) {
        int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", labels->names[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return bl_error_set(err, BL_ENOTFOUND,
                        "%s has no detector '%s'; its detectors are: %s (give one of them as "
                        "detector =, or leave it out for the first)",
                        path, detector, list);
}

/* ------------------------------------------------------------------ scores */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_scan_row(const void *a, const void *b) {
    uint32_t x = ((const bl_bench_scan_row_t *)a)->scan, y = ((const bl_bench_scan_row_t *)b)->scan;
    return (x > y) - (x < y);
}

/* The truth mask of scan id in scans (sorted by scan), or -1 when absent. */
static int64_t truth_of(const bl_bench_scan_row_t *scans, size_t n, uint32_t id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (scans[mid].scan < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && scans[lo].scan == id ? (int64_t)scans[lo].truth_mask : -1;
}

/* Whether a scan of truth mask holds class c and, when only, nothing else. */
static bool holds(uint32_t mask, uint32_t c, bool only) {
    if (c == 0)
        return mask == 0;
    uint32_t bit = 1u << c;
    return only ? mask == bit : (mask & bit) != 0;
}

/* Split the "any" scores (any[i] of scan with truth mask[i]) by class
 * into s->scores, sorted. */
static int split_scores(bl_surrogate_t *s, const double *any, const uint32_t *mask, size_t n,
                        bl_error_t *err) {
    for (uint32_t c = 0; c < BL_THREAT_CLASS_COUNT; c++) {
        bool only = true;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += holds(mask[i], c, true);
        if (k == 0 && c != 0) {
            only = false;
            for (size_t i = 0; i < n; i++)
                k += holds(mask[i], c, false);
        }
        if (k == 0)
            continue;
        s->scores[c] = malloc(k * sizeof(double));
        if (s->scores[c] == NULL)
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (holds(mask[i], c, only))
                s->scores[c][s->n[c]++] = any[i];
        qsort(s->scores[c], s->n[c], sizeof(double), cmp_double);
    }
    return 0;
}

static int read_scores(hid_t file, bl_surrogate_t *s, const char *group, bl_error_t *err) {
    int rc = 0;
    bl_bench_scan_row_t *scans = NULL;
    bl_bench_score_row_t *scores = NULL;
    size_t n_scans = 0, n_scores = 0;
    double *any = NULL;
    uint32_t *mask = NULL;
    char path[640];

    rc =
        bl_results_table_read(file, &bl_bench_scans_table, (void **)&scans, &n_scans, s->path, err);
    if (rc != 0)
        goto out;
    snprintf(path, sizeof path, "%s/scores", group);
    rc = bl_results_table_read_at(file, &bl_bench_scores_table, path, (void **)&scores, &n_scores,
                                  s->path, err);
    if (rc != 0)
        goto out;
    qsort(scans, n_scans, sizeof *scans, cmp_scan_row);
    any = malloc((n_scores ? n_scores : 1) * sizeof *any);
    mask = malloc((n_scores ? n_scores : 1) * sizeof *mask);
    if (any == NULL || mask == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < n_scores; r++) {
        int64_t m = truth_of(scans, n_scans, scores[r].scan);
        if (m < 0) {
            rc = bl_error_set(err, BL_EHDF5,
                              "%s: %s: scan %u is not in /detector/scans: the file is "
                              "inconsistent; run the bench again",
                              s->path, path, scores[r].scan);
            goto out;
        }
        if (!isfinite(scores[r].any)) {
            rc = bl_error_set(err, BL_EHDF5,
                              "%s: %s: scan %u has a non-finite score: the file is damaged; run "
                              "the bench again",
                              s->path, path, scores[r].scan);
            goto out;
        }
        any[r] = scores[r].any;
        mask[r] = (uint32_t)m;
    }
    rc = split_scores(s, any, mask, n_scores, err);
    if (rc == 0 && s->n[0] == 0)
        rc = bl_error_set(err, BL_EHDF5,
                          "%s: detector %s scored no clean scan, so its false-alarm rate is "
                          "unknown: run the bench with scans that hold no threat (prevalence < 1)",
                          s->path, s->detector);
out:
    free(scans);
    free(scores);
    free(any);
    free(mask);
    return rc;
}

/* ------------------------------------------------------------------ latency */

static int read_latency(hid_t file, bl_surrogate_t *s, const char *group, bl_error_t *err) {
    char path[640];
    int rc = 0;
    for (size_t i = 0; i < 5; i++)
        s->latency_q[i] = 0.0;

    snprintf(path, sizeof path, "%s/single_stream", group);
    if (bl_results_path_exists(file, path)) {
        bl_bench_single_row_t *single = NULL;
        size_t n = 0;
        rc = bl_results_table_read_at(file, &bl_bench_single_stream_table, path, (void **)&single,
                                      &n, s->path, err);
        if (rc != 0)
            return rc;
        if (n > 0) {
            const double q[5] = {0.5 * single[0].p50, single[0].p50, single[0].p90, single[0].p99,
                                 single[0].max};
            double prev = 0.0;
            for (size_t i = 0; i < 5; i++) {
                double v = isfinite(q[i]) && q[i] > prev ? q[i] : prev;
                s->latency_q[i] = v;
                prev = v;
            }
            free(single);
            return 0;
        }
        free(single);
    }

    snprintf(path, sizeof path, "%s/offline", group);
    if (bl_results_path_exists(file, path)) {
        bl_bench_offline_row_t *offline = NULL;
        size_t n = 0;
        rc = bl_results_table_read_at(file, &bl_bench_offline_table, path, (void **)&offline, &n,
                                      s->path, err);
        if (rc != 0)
            return rc;
        double best = 0.0;
        for (size_t r = 0; r < n; r++)
            if (isfinite(offline[r].scans_per_s) && offline[r].scans_per_s > best)
                best = offline[r].scans_per_s;
        free(offline);
        if (best > 0.0)
            for (size_t i = 0; i < 5; i++)
                s->latency_q[i] = 1.0 / best;
    }
    return 0;
}

/* ------------------------------------------------------------------ load */

static int open_checked(const char *path, hid_t *file, bl_error_t *err) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                            "cannot open surrogate results file %s: %s: " BENCH_HINT, path,
                            strerror(errno));
    fclose(fp);
    if (H5Fis_hdf5(path) <= 0)
        return bl_error_set(err, BL_EHDF5,
                            "%s is not an HDF5 file: the surrogate needs a detector_bench results "
                            "file; " BENCH_HINT,
                            path);
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0)
        return bl_error_set(err, BL_EHDF5,
                            "%s is an HDF5 file that cannot be opened (damaged?): " BENCH_HINT,
                            path);
    char *job = bl_results_root_text(*file, "job");
    int rc = 0;
    if (job == NULL)
        rc = bl_error_set(err, BL_EHDF5,
                          "%s is not a borderlab results file (no job attribute), not a "
                          "detector_bench one: " BENCH_HINT,
                          path);
    else if (strcmp(job, "detector_bench") != 0)
        rc = bl_error_set(err, BL_EHDF5,
                          "%s is a %s results file, not a detector_bench one: " BENCH_HINT, path,
                          job);
    free(job);
    if (rc != 0) {
        H5Fclose(*file);
        *file = -1;
    }
    return rc;
}

int bl_surrogate_load(bl_surrogate_t **out, const char *path, const char *detector,
                      bl_error_t *err) {
    int rc = 0;
    hid_t file = -1;
    bl_group_names_t labels = {NULL, 0, 0, false};
    bl_surrogate_t *s = NULL;
    hdf5_quiet_t quiet;
    char group[512];

    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return bl_error_set(err, BL_EINVAL, "surrogate: no results file given: " BENCH_HINT);
    quiet_begin(&quiet);
    rc = open_checked(path, &file, err);
    if (rc != 0)
        goto out;
    rc = list_detectors(file, path, &labels, err);
    if (rc != 0)
        goto out;
    long which = 0;
    if (detector != NULL && detector[0] != '\0') {
        which = find_detector(file, &labels, detector);
        if (which < 0) {
            rc = unknown_detector(path, detector, &labels, err);
            goto out;
        }
    }

    s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL ||
        (s->detector = strdup(labels.names[which])) == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(group, sizeof group, "%s/%s", BL_BENCH_DETECTORS_GROUP, s->detector);
    s->id = bl_results_attr_text(file, group, "id");
    if (s->id == NULL && (s->id = strdup("")) == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    rc = read_scores(file, s, group, err);
    if (rc == 0)
        rc = read_latency(file, s, group, err);
    if (rc == 0)
        rc = bl_sha256_file(path, s->sha256, err);
out:
    bl_group_names_fini(&labels);
    if (file >= 0)
        H5Fclose(file);
    quiet_end(&quiet);
    if (rc != 0) {
        bl_surrogate_free(s);
        return rc;
    }
    *out = s;
    return 0;
}
