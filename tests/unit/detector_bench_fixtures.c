/*
 * Fixtures the detector_bench tests share: see detector_bench_fixtures.h.
 */
#include "detector_bench_fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hdf5.h>

#include "results/results.h"
#include "test_util.h"

int detector_bench_fixture_setup(void **state, const char *name) {
    fixture_t *f = tu_fixture_new(sizeof *f, name);
    if (f == NULL)
        return -1;
    tu_builddir_path(f->bad, sizeof f->bad, "tests/plugins/.libs/bad_detector.so");
    tu_builddir_path(f->dual, sizeof f->dual, "plugins/detector/dual_energy/.libs/dual_energy.so");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *state = f;
    return 0;
}

int detector_bench_fixture_teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

void *read_table(const char *file, const bl_results_table_t *t, const char *path, size_t *n) {
    hid_t fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);
    void *rows = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_results_table_read_at(fid, t, path ? path : t->path, &rows, n, file, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    H5Fclose(fid);
    return rows;
}

char *root_text(const char *file, const char *name) {
    hid_t fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);
    char *s = bl_results_root_text(fid, name);
    H5Fclose(fid);
    return s;
}

uint64_t expected_invalid(uint64_t n) {
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++)
        total += i % 3;
    return total;
}
