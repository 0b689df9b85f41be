/*
 * `borderlab compare A.h5 B.h5 ...`: detectors run on the same seeded scans
 * (detector_bench results files, layout in detector_bench.h), compared
 * pairwise.
 *
 * Every detector of every file is loaded (labelled by its group name, or
 * "file:label" when two files hold detectors of the same name); every pair
 * (A, B) in load order is compared on the "any" class and on each class
 * both have metrics for:
 *
 *   pd    detection rate at each run's threshold (alarm: score >= threshold)
 *         on the positives; McNemar's exact test on the discordant
 *         positives (only_a: A alarms and B does not; only_b: the reverse)
 *   pfa   false-alarm rate, McNemar's exact test on the negatives
 *   auc   area under the ROC of the per-scan scores, DeLong's paired test
 *
 * and, when both have them, latency and throughput ratios A/B
 * (latency_p50_ratio, latency_p99_ratio from single_stream;
 * offline_throughput_ratio from the best offline scans/s): for these rows
 * `difference` holds the ratio and there is no test.
 *
 * Refused: a file that is not a borderlab results file, a results file of
 * another job, files whose scan_set_sha256 differ, fewer than two
 * detectors in all.
 *
 * The output file (results/compare.h5 by default) holds
 *   /                 attributes borderlab_schema, harness_version, job =
 *                     "compare", inputs (JSON: [{"file", "sha256"}]),
 *                     scan_set_sha256, command_line, start_time
 *   /compare/detectors table: label, file, detector (group name), id,
 *                     version, threshold, scans
 *   /compare/pairs    table: a, b, class, metric, value_a, value_b,
 *                     difference, statistic, p_value, test, n, only_a, only_b
 */
#ifndef BL_COMPARE_H
#define BL_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "plot/plot.h"

struct cJSON;

#define BL_COMPARE_LABEL_SIZE 160

/* One row of /compare/pairs. */
typedef struct bl_compare_row {
    char a[BL_COMPARE_LABEL_SIZE]; /* detector labels */
    char b[BL_COMPARE_LABEL_SIZE];
    char class[16];  /* "any", "firearm", ... ("-" for latency rows) */
    char metric[32]; /* pd, pfa, auc, latency_p50_ratio, latency_p99_ratio,
                        offline_throughput_ratio */
    double value_a;  /* pd/pfa/auc of A; p50/p99 latency (s) or scans/s of A */
    double value_b;
    double difference; /* value_a - value_b; ratios: value_a / value_b */
    double statistic;  /* McNemar chi-square (continuity-corrected), DeLong z; NaN: none */
    double p_value;    /* two-sided; NaN: no test */
    char test[24];     /* "mcnemar-exact", "delong", "ratio" */
    uint64_t n;        /* scans the metric is computed on (positives, negatives, both) */
    uint64_t only_a;   /* McNemar: discordant scans where only A alarms */
    uint64_t only_b;   /* and only B */
} bl_compare_row_t;

typedef struct bl_compare bl_compare_t;

/*
 * Load the detectors of the n_paths results files (paths borrowed), check
 * them and compute every pairwise comparison.  *out is freed with
 * bl_compare_free.  Returns 0; BL_EINVAL for inputs that cannot be
 * compared (another job, different scans, fewer than two detectors,
 * inconsistent tables); BL_ENOTFOUND/BL_EHDF5 for a missing or unreadable
 * file; BL_ENOMEM.  The message names the file and says what to do.
 */
int bl_compare_load(const char *const *paths, size_t n_paths, bl_compare_t **out, bl_error_t *err);

void bl_compare_free(bl_compare_t *c);

/* The rows of /compare/pairs (borrowed from c; *n rows). */
const bl_compare_row_t *bl_compare_rows(const bl_compare_t *c, size_t *n);

/* The number of detectors and the label of detector i (borrowed). */
size_t bl_compare_n_detectors(const bl_compare_t *c);
const char *bl_compare_label(const bl_compare_t *c, size_t i);

/* The table on fp: one block per pair (metric, A, B, difference, p-value). */
void bl_compare_print_text(const bl_compare_t *c, FILE *fp);

/* The same as one JSON object (caller frees with cJSON_Delete): inputs,
 * scan_set_sha256, detectors, pairs; NULL when out of memory. */
struct cJSON *bl_compare_json(const bl_compare_t *c);

/* Write the comparison to out_path (temporary name, renamed when
 * complete; see results.h).  command_line may be NULL. */
int bl_compare_write(const bl_compare_t *c, const char *out_path, const char *command_line,
                     bl_error_t *err);

/* One ROC plot of every detector ("any" class: pfa on x, pd on y, legend
 * with the AUC) into output_path.  Errors as bl_plot_write (BL_ENOTFOUND
 * when gnuplot is not on PATH). */
int bl_compare_plot_roc(const bl_compare_t *c, bl_plot_terminal_t terminal, const char *output_path,
                        bl_error_t *err);

/* p formatted for a table: "0.0123", "3.2e-07", "<1e-16", "-" for NaN. */
const char *bl_compare_format_p(double p, char *buf, size_t size);

#endif
