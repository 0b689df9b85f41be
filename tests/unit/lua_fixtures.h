/*
 * Fixtures the Lua scenario tests share (test_lua_sandbox,
 * test_lua_checkpoint, test_lua_checkpoint_errors, test_lua_bench,
 * test_lua_risk): one temporary folder per test program for the scripts,
 * loading a script written there as a scenario (with --set pairs and
 * --seed) through bl_jobs_load_scenario, checking the error it gives, and
 * the checkpoint scripts more than one program loads.
 *
 * Functions that return void fail the calling cmocka test when they cannot
 * do their job.
 */
#ifndef BL_TEST_LUA_FIXTURES_H
#define BL_TEST_LUA_FIXTURES_H

#include <stdint.h>

#include "base/error.h"
#include "scenario/scenario.h"

/* The test program's folder for scripts, an absolute path under
 * $top_builddir/tests/out (tests write under the build tree); NULL outside
 * lua_setup_dir .. lua_teardown_dir. */
extern char *tmpdir;

/* A cmocka group setup (state unused): make tmpdir,
 * $top_builddir/tests/out/name.XXXXXX.  0, or -1 when it cannot be made. */
int lua_setup_dir(void **state, const char *name);

/* A cmocka group teardown: remove tmpdir and everything under it. */
int lua_teardown_dir(void **state);

/* Write text to tmpdir/name; the path is returned in a static buffer. */
const char *write_script(const char *name, const char *text);

/* One load: the scenario (the caller frees its contents, or expect_error
 * does), the error and the return code. */
typedef struct run {
    bl_scenario_t sc;
    bl_error_t err;
    int rc;
} run_t;

/* Load text (borrowed), written to tmpdir/name, as a scenario with --set
 * pairs ("k=v" strings, NULL-ended, at most 8; NULL: none) and --seed
 * *seed (NULL: none), into *r. */
void load_text(run_t *r, const char *name, const char *text, const char *const *sets,
               const uint64_t *seed);

/* Fail unless the load in r returned code with needle in its message;
 * frees r's scenario. */
void expect_error(run_t *r, int code, const char *needle);

/* A minimal valid job around the given stations text. */
#define JOB(stations)                                                                              \
    "return bl.checkpoint{ max_entities = 10, arrivals = bl.poisson{rate = 1},\n"                  \
    "  stations = {" stations "} }\n"

/* A checkpoint that uses most of what a scenario can say: parameters
 * (servers, label, fast, rate), a population, every station kind, routes
 * and three plugins; the comments number its lines. */
extern const char full[];

/* Load a checkpoint with classes foot, car and coach replaying the
 * arrivals CSV at csv (a path as written in the script) with the
 * bl.arrivals_csv fields extra (", group = 'party'", say, or ""), as
 * tmpdir/name. */
void load_replay(run_t *r, const char *name, const char *csv, const char *extra);

#endif
