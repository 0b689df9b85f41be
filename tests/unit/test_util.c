/*
 * Helpers the unit tests share: see test_util.h.
 */
#include "test_util.h"

#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "plugin/conformance.h"

/* The environment variable name, or NULL when it is unset or empty. */
static const char *env_dir(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

const char *tu_builddir(void) {
    const char *b = env_dir("top_builddir");
    return b != NULL ? b : ".";
}

const char *tu_srcdir(void) {
    const char *s = env_dir("top_srcdir");
    return s != NULL ? s : tu_builddir();
}

const char *tu_path_in(char *out, size_t size, const char *dir, const char *name) {
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        fail_msg("path %s/%s does not fit in %zu bytes", dir, name, size);
    return out;
}

const char *tu_builddir_path(char *out, size_t size, const char *rel) {
    return tu_path_in(out, size, tu_builddir(), rel);
}

const char *tu_srcdir_path(char *out, size_t size, const char *rel) {
    return tu_path_in(out, size, tu_srcdir(), rel);
}

/* builddir/tests/out/leaf into out, making tests/ and tests/out on the way
 * (the leaf itself is left to the caller).  0, or -1 when it does not fit. */
static int out_path(char *out, size_t size, const char *leaf) {
    const char *b = tu_builddir();
    snprintf(out, size, "%s/tests", b);
    mkdir(out, 0755);
    snprintf(out, size, "%s/tests/out", b);
    mkdir(out, 0755);
    int n = snprintf(out, size, "%s/tests/out/%s", b, leaf);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

const char *tu_fresh_path(const char *dir, const char *name) {
    static char path[8][4096];
    static unsigned next;
    char *p = path[next++ % 8];
    tu_path_in(p, sizeof path[0], dir, name);
    unlink(p);
    return p;
}

int tu_outdir(char *out, size_t size, const char *name) {
    if (out_path(out, size, name) != 0)
        return -1;
    struct stat st;
    if (mkdir(out, 0755) != 0 && (stat(out, &st) != 0 || !S_ISDIR(st.st_mode)))
        return -1;
    return 0;
}

char *tu_tempdir_new(const char *name) {
    char path[4096], leaf[512];
    int n = snprintf(leaf, sizeof leaf, "%s.XXXXXX", name);
    if (n < 0 || (size_t)n >= sizeof leaf || out_path(path, sizeof path, leaf) != 0 ||
        mkdtemp(path) == NULL)
        return NULL;
    /* Absolute, so a path built on it means the same from any folder (a
     * scenario that names a file by absolute path, say). */
    char *dir = realpath(path, NULL);
    if (dir == NULL)
        rmdir(path);
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void tu_tempdir_free(char *dir) {
    if (dir == NULL)
        return;
    if (getenv("BL_KEEP_TEST_OUTPUT") == NULL) /* set it to look at the files */
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

void *tu_fixture_new(size_t size, const char *name) {
    char **dir = calloc(1, size); /* the fixture, seen through its first member */
    if (dir == NULL)
        return NULL;
    *dir = tu_tempdir_new(name);
    if (*dir == NULL) {
        free(dir);
        return NULL;
    }
    return dir;
}

void tu_fixture_free(void *fixture) {
    if (fixture == NULL)
        return;
    tu_tempdir_free(*(char **)fixture);
    free(fixture);
}

void tu_write_bytes(const char *path, const void *data, size_t len) {
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

void tu_write_file(const char *path, const char *text) { tu_write_bytes(path, text, strlen(text)); }

void tu_load_plugin(bl_plugin_handle_t *h, const char *path, int kind) {
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_plugin_load(h, path, kind, &err);
    if (rc != BL_OK)
        print_error("load %s: %s\n", path, err.message);
    assert_int_equal(rc, BL_OK);
}

void tu_expect_conformance(const char *path, size_t n, const char *const *keys,
                           const char *const *values, unsigned min_passed) {
    bl_conformance_result_t result = {0, 0};
    bl_error_t err;
    bl_error_clear(&err);
    FILE *out = tmpfile();
    assert_non_null(out);
    int rc = bl_conformance_run(path, n, keys, values, out, &result, &err);
    if (rc != BL_OK || result.failed != 0) {
        char line[1024];
        rewind(out);
        while (fgets(line, sizeof line, out) != NULL)
            print_error("%s", line);
        print_error("rc %d: %s\n", rc, err.message);
    }
    fclose(out);
    assert_int_equal(rc, BL_OK);
    assert_int_equal(result.failed, 0);
    assert_true(result.passed >= min_passed);
}

bl_run_options_t tu_run_options(const char *output, const char *command_line) {
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    o.output = output;
    o.quiet = true;
    o.threads = 2;
    o.command_line = command_line;
    return o;
}

void *tu_read_table(hid_t file, const bl_results_table_t *t, size_t *n) {
    void *rows = NULL;
    bl_error_t err;
    bl_error_clear(&err);
    if (bl_results_table_read(file, t, &rows, n, "test", &err) != 0)
        fail_msg("%s: %s", t->path, err.message);
    return rows;
}

void tu_near(double a, double b, double eps, const char *expr, const char *file, int line) {
    if (!(fabs(a - b) <= eps)) {
        print_error("%s is %.17g, expected %.17g (within %g)\n", expr, a, b, eps);
        _fail(file, line);
    }
}

char *tu_root_text(hid_t file, const char *name) {
    hsize_t dims[1];
    H5T_class_t cls;
    size_t size = 0;
    if (H5LTget_attribute_info(file, "/", name, dims, &cls, &size) < 0)
        return NULL;
    char *s = calloc(size + 1, 1);
    H5LTget_attribute_string(file, "/", name, s);
    return s;
}

hssize_t tu_row_count(hid_t file, const char *path) {
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t sp = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    H5Dclose(ds);
    return n;
}

static const bl_plugin_t fake_detector = {
    BL_PLUGIN_HEADER(BL_KIND_DETECTOR, 0, "test.detector", "Test detector", "Test", "1.2.3"), NULL,
    NULL, NULL};
static const bl_plugin_t fake_store = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, 0, "test.store", "Test store", "Test", "0.9"), NULL, NULL,
    NULL};

void tu_fake_run(bl_run_t *run, bl_plugin_set_t *plugins,
                 bl_plugin_handle_t handles[BL_ROLE_COUNT]) {
    handles[BL_ROLE_DETECTOR] = (bl_plugin_handle_t){
        .path = "plugins/detector/test.so", .dl = NULL, .desc = &fake_detector};
    memset(handles[BL_ROLE_DETECTOR].sha256, 'a', 64);
    handles[BL_ROLE_STORE] =
        (bl_plugin_handle_t){.path = "plugins/store/test.so", .dl = NULL, .desc = &fake_store};
    memset(handles[BL_ROLE_STORE].sha256, 'b', 64);
    plugins->role[BL_ROLE_DETECTOR] = &handles[BL_ROLE_DETECTOR];
    plugins->role[BL_ROLE_STORE] = &handles[BL_ROLE_STORE];

    run->plugins = plugins;
    run->threads = 2;
    run->command_line = "borderlab run scenarios/unit.lua";
    snprintf(run->host, sizeof run->host, "testhost");
    snprintf(run->start_time, sizeof run->start_time, "2024-01-01T00:00:00Z");
    run->wall_seconds = 1.5;
}
