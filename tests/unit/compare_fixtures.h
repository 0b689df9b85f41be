/*
 * The hand-built files the compare and plot tests share (test_compare,
 * test_compare_refusals, test_plot): small detector_bench results files
 * written with H5TB in the layout of detector_bench.h, with known per-scan
 * scores and truth, for three fake detectors (alpha, beta, gamma) over
 * N_SCANS scans.
 *
 * Functions that return void fail the calling cmocka test when they cannot
 * do their job.
 */
#ifndef BL_TEST_COMPARE_FIXTURES_H
#define BL_TEST_COMPARE_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "jobs/detector/compare.h"

#define N_SCANS 60
#define N_CLASS 8 /* any + 7 threat classes */
#define FIREARM 1
#define KNIFE 2

/* The scan set digest the files claim. */
#define SCAN_SET "4f1c0d9e3b7a"

/* "any", then the threat classes: the score columns' names. */
extern const char *const class_names[N_CLASS];

/* One detector of a file: per-scan scores by class, latency figures. */
typedef struct fake_detector {
    const char *name;
    double scores[N_CLASS][N_SCANS];
    double p50, p99, scans_per_s;
} fake_detector_t;

typedef struct fixture {
    char dir[512];
    uint32_t truth[N_SCANS];
    fake_detector_t det[3];
} fixture_t;

/* A cmocka setup: a new fixture in *state (the caller's until
 * compare_fixture_teardown), its dir the folder
 * $top_builddir/tests/out/name, truth: scans 0-11 hold a firearm, 8-19 a
 * knife, the rest are clean; alpha, beta and gamma score them.  0, or -1
 * when it cannot be made. */
int compare_fixture_setup(void **state, const char *name);
int compare_fixture_teardown(void **state);

/* Write a detector_bench-like file at f->dir/name with detectors
 * dets[0..n-1] (borrowed; job and scan set as given; threshold 0.5); its
 * path into out_path (out_size bytes). */
void write_bench(const fixture_t *f, const char *name, const char *job, const char *scan_set,
                 const fake_detector_t *const *dets, size_t n, char *out_path, size_t out_size);

/* A file "two.h5" holding alpha and beta; its path into path. */
void two_detectors(const fixture_t *f, char *path, size_t size);

/* The row of c comparing a with b for class cls and metric, or NULL
 * (borrowed from c). */
const bl_compare_row_t *find_row(const bl_compare_t *c, const char *a, const char *b,
                                 const char *cls, const char *metric);

/* bl_compare_load of paths, failing the test (with the message) unless it
 * succeeds; the caller frees the result with bl_compare_free. */
bl_compare_t *load_ok(const char *const *paths, size_t n);

#endif
