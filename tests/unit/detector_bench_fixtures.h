/*
 * Fixtures the detector_bench tests share (test_detector_bench,
 * test_detector_bench_run): a temporary folder per test with the paths of
 * the two detectors they run (tests/plugins' bad_detector and the
 * dual_energy plugin, under $top_builddir), reading a results file's
 * tables and root attributes back, and the invalid outputs bad_detector
 * reports.
 *
 * Functions fail the calling cmocka test when they cannot do their job.
 */
#ifndef BL_TEST_DETECTOR_BENCH_FIXTURES_H
#define BL_TEST_DETECTOR_BENCH_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "results/results_schema.h"

typedef struct fixture {
    char *dir;      /* first: tu_fixture_new makes it */
    char bad[640];  /* tests/plugins/.libs/bad_detector.so */
    char dual[640]; /* plugins/detector/dual_energy/.libs/dual_energy.so */
} fixture_t;

/* A cmocka setup: a new fixture in *state (the caller's until
 * detector_bench_fixture_teardown), its dir a new folder
 * $top_builddir/tests/out/name.XXXXXX; HDF5's own error printing off.
 * 0, or -1 when it cannot be made. */
int detector_bench_fixture_setup(void **state, const char *name);

/* A cmocka teardown: remove the fixture's folder, free the fixture. */
int detector_bench_fixture_teardown(void **state);

/* The rows of table t at path (t->path when NULL) of the results file
 * `file`, *n of them; the caller frees them. */
void *read_table(const char *file, const bl_results_table_t *t, const char *path, size_t *n);

/* The string attribute name of the root group of `file` (caller frees), or
 * NULL when there is none. */
char *root_text(const char *file, const char *name);

/* The invalid outputs bad_detector reports over n scans (i % 3 for scan
 * i). */
uint64_t expected_invalid(uint64_t n);

#endif
