/*
 * Helpers the cmocka unit tests share: where the build and source trees
 * are ($top_builddir and $top_srcdir, which `make check` exports), paths
 * under them, scratch folders under $top_builddir/tests/out (tests write
 * under the build tree, never into results/), writing text fixtures,
 * loading a plugin through the real loader and running the conformance
 * checks on one.
 *
 * Functions that return void fail the calling cmocka test when they cannot
 * do their job (a path that does not fit, a file that cannot be written);
 * the ones meant for setup functions return a status instead, so a setup
 * can clean up and return -1.
 */
#ifndef BL_TEST_UTIL_H
#define BL_TEST_UTIL_H

#include <stddef.h>

#include "engine/engine.h"
#include "plugin/loader.h"
#include "results/results.h"
#include "results/results_schema.h"
#include "run/run.h"

/* $top_builddir, or "." when it is unset or empty (borrowed: the
 * environment's string). */
const char *tu_builddir(void);

/* $top_srcdir, or tu_builddir() when it is unset or empty (borrowed). */
const char *tu_srcdir(void);

/* dir + "/" + name into out (size bytes); returns out.  Fails the test when
 * it does not fit. */
const char *tu_path_in(char *out, size_t size, const char *dir, const char *name);

/* tu_builddir() or tu_srcdir() + "/" + rel into out (size bytes); returns
 * out.  Fails the test when it does not fit. */
const char *tu_builddir_path(char *out, size_t size, const char *rel);
const char *tu_srcdir_path(char *out, size_t size, const char *rel);

/* dir/name with any file of that name removed first: the path to give a
 * run as its output.  Returns a pointer into a small rotating set of
 * buffers, valid for the next 7 calls. */
const char *tu_fresh_path(const char *dir, const char *name);

/* The folder $top_builddir/tests/out/name into out (size bytes), created
 * with tests/ and tests/out when missing and kept afterwards.  Returns 0,
 * or -1 when it does not fit or cannot be made. */
int tu_outdir(char *out, size_t size, const char *name);

/* A new empty folder $top_builddir/tests/out/name.XXXXXX (mkdtemp), for one
 * test program, as an absolute path.  The caller owns the result and
 * releases it with tu_tempdir_free; NULL when it cannot be made. */
char *tu_tempdir_new(const char *name);

/* A zeroed fixture of size bytes for a cmocka setup: a struct whose first
 * member is a char *dir, which is set to tu_tempdir_new(name).  The caller
 * owns the result and releases it with tu_fixture_free; NULL when either
 * cannot be made. */
void *tu_fixture_new(size_t size, const char *name);

/* tu_tempdir_free of the fixture's dir, then free the fixture.  NULL is a
 * no-op. */
void tu_fixture_free(void *fixture);

/* Remove dir and everything under it (kept when BL_KEEP_TEST_OUTPUT is set,
 * to look at the files), then free the string.  NULL is a no-op. */
void tu_tempdir_free(char *dir);

/* Write len bytes of data (borrowed) to path, replacing it. */
void tu_write_bytes(const char *path, const void *data, size_t len);

/* Write the string text (borrowed) to path, replacing it. */
void tu_write_file(const char *path, const char *text);

/* bl_plugin_load of path (kind 0: any kind) into *h, printing the loader's
 * message when it refuses; the caller unloads h. */
void tu_load_plugin(bl_plugin_handle_t *h, const char *path, int kind);

/* Run the conformance checks on the plugin at path with n configuration
 * pairs (borrowed), printing their report when one fails; the test fails
 * unless all pass and at least min_passed do. */
void tu_expect_conformance(const char *path, size_t n, const char *const *keys,
                           const char *const *values, unsigned min_passed);

/* Run options for a test run: output path, quiet, 2 threads, and
 * command_line recorded in the results. */
bl_run_options_t tu_run_options(const char *output, const char *command_line);

/* All rows of table t of an open results file (caller frees); the test
 * fails with the reader's message when it cannot. */
void *tu_read_table(hid_t file, const bl_results_table_t *t, size_t *n);

/* Fail the calling test unless |a - b| <= eps, printing expr (the text of
 * a) and both values; for an assert_near(a, b, eps) macro that passes #a,
 * __FILE__ and __LINE__. */
void tu_near(double a, double b, double eps, const char *expr, const char *file, int line);

/* The string attribute name of the root group of file (caller frees), or
 * NULL when there is none. */
char *tu_root_text(hid_t file, const char *name);

/* The rows of the dataset at path (absolute), or -1 when it cannot be
 * opened. */
hssize_t tu_row_count(hid_t file, const char *path);

/* A run to write results of by hand: two fake plugins (test.detector 1.2.3
 * and test.store 0.9, held in handles) in *plugins, 2 threads and a fixed
 * command line, host, start time and wall time.  Its scenario and
 * replications are the caller's to set. */
void tu_fake_run(bl_run_t *run, bl_plugin_set_t *plugins,
                 bl_plugin_handle_t handles[BL_ROLE_COUNT]);

#endif
