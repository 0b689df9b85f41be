/*
 * What compare.c (loading the files and comparing the detectors) and
 * compare_report.c (text, JSON, the output file and the ROC plot) share.
 * Not installed; the public API is compare.h.
 */
#ifndef BL_COMPARE_INTERNAL_H
#define BL_COMPARE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"
#include "jobs/detector/compare.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Score columns of a detector_bench scores table: "any", then the threat
 * classes by bl_threat_class_t (plugin.h) value; compare.c names them. */
enum { ANY = 0, N_CLASSES = BL_THREAT_CLASS_COUNT };

/* Which scans are the negatives of a class: scans with no threat at all, or
 * every scan without that class.  Read from the file (see class_rule). */
enum { NEG_CLEAN = 0, NEG_OTHER = 1 };

typedef struct input {
    char *path;
    char sha256[65];
    char *scan_set; /* scan_set_sha256 */
    size_t n_scans; /* scans, sorted by id */
    uint32_t *scan_ids;
    uint32_t *truth; /* truth_mask, bit (1 << class) */
    int class_shift; /* 0: bit c is class c; 1: bit c - 1 (see class_rule) */
} input_t;

typedef struct detector {
    char label[BL_COMPARE_LABEL_SIZE];
    char *group;        /* name under /detector/detectors */
    char *id, *version; /* plugin identity (may be NULL) */
    size_t input;       /* index into inputs */
    double threshold;
    double *scores[N_CLASSES]; /* per scan, in the input's scan order */
    bool has_class[N_CLASSES]; /* a metrics row with positives */
    int negatives[N_CLASSES];  /* NEG_CLEAN or NEG_OTHER */
    double auc_any;            /* from metrics (NaN: none) */
    bool has_single, has_offline;
    double p50, p99, best_scans_per_s;
} detector_t;

struct bl_compare {
    input_t *inputs;
    size_t n_inputs;
    detector_t *detectors;
    size_t n_detectors, cap_detectors;
    bl_compare_row_t *rows;
    size_t n_rows, cap_rows;
};

#endif
