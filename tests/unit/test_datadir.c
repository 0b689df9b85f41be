/*
 * Installed folders and scenario lookup (core/base/datadir.h): the
 * relocation rule on the layouts an install meets (DESTDIR, a moved
 * prefix, a multiarch libdir, a program outside any bindir), and
 * `borderlab run NAME` finding a scenario in the current folder and in
 * $BORDERLAB_SCENARIO_PATH, or saying where it looked.
 */
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

#include "base/datadir.h"
#include "test_util.h"

typedef struct fixture {
    char *dir; /* first: tu_fixture_new makes it */
    char a[4096], b[4096];
} fixture_t;

static int setup(void **state) {
    *state = tu_fixture_new(sizeof(fixture_t), "test_datadir");
    return *state != NULL ? 0 : -1;
}

static int teardown(void **state) {
    unsetenv("BORDERLAB_SCENARIO_PATH");
    tu_fixture_free(*state);
    return 0;
}

/* bl_datadir_relocate(...) equals want (NULL: no relocated folder). */
static void expect_relocate(const char *program_dir, const char *prefix, const char *bindir,
                            const char *dir, const char *want) {
    char *got = bl_datadir_relocate(program_dir, prefix, bindir, dir);
    if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
        print_error("relocate(%s, %s, %s, %s) = %s, want %s\n", program_dir, prefix, bindir, dir,
                    got ? got : "NULL", want ? want : "NULL");
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
    free(got);
}

static void test_datadir_relocate_layouts(void **state) {
    (void)state;
    /* make install DESTDIR=/stage */
    expect_relocate("/stage/usr/local/bin", "/usr/local", "/usr/local/bin",
                    "/usr/local/lib/borderlab", "/stage/usr/local/lib/borderlab");
    /* the install moved to /opt/bl; a prefix given with a trailing slash */
    expect_relocate("/opt/bl/bin", "/usr/local/", "/usr/local//bin",
                    "/usr/local/share/borderlab/scenarios", "/opt/bl/share/borderlab/scenarios");
    /* where configure put it: the same folder */
    expect_relocate("/usr/bin", "/usr", "/usr/bin", "/usr/lib/x86_64-linux-gnu/borderlab",
                    "/usr/lib/x86_64-linux-gnu/borderlab");
    /* prefix / */
    expect_relocate("/stage/bin", "/", "/bin", "/lib/borderlab", "/stage/lib/borderlab");
    expect_relocate("/bin", "/", "/bin", "/lib/borderlab", "/lib/borderlab");
    /* bindir is the prefix itself */
    expect_relocate("/opt/bl", "/usr/local", "/usr/local", "/usr/local/lib/borderlab",
                    "/opt/bl/lib/borderlab");
}

static void test_datadir_relocate_refuses(void **state) {
    (void)state;
    /* a build tree is not a bindir */
    expect_relocate("/home/me/src/borderlab", "/usr/local", "/usr/local/bin",
                    "/usr/local/lib/borderlab", NULL);
    /* "/usr/local/sbin" ends in "bin" but not in "/bin" */
    expect_relocate("/usr/local/sbin", "/usr/local", "/usr/local/bin", "/usr/local/lib/borderlab",
                    NULL);
    /* folders outside the prefix do not move with it */
    expect_relocate("/stage/usr/local/bin", "/usr/local", "/usr/local/bin", "/var/lib/borderlab",
                    NULL);
    expect_relocate("/stage/usr/local/bin", "/usr/local", "/opt/bin", "/usr/local/lib/borderlab",
                    NULL);
    /* "/usr/localx" is not under "/usr/local" */
    expect_relocate("/stage/usr/local/bin", "/usr/local", "/usr/local/bin",
                    "/usr/localx/lib/borderlab", NULL);
}

static void test_datadir_configured_and_program(void **state) {
    (void)state;
    assert_string_equal(bl_datadir_configured(BL_DATADIR_PLUGINS), BL_PLUGIN_DIR);
    assert_string_equal(bl_datadir_configured(BL_DATADIR_SCENARIOS), BL_SCENARIO_DIR);
    char *dir = bl_datadir_program_dir();
    assert_non_null(dir);
    /* This test program sits in tests/unit of the build tree (.libs/ stripped). */
    size_t n = strlen(dir);
    if (n < 11 || strcmp(dir + n - 11, "/tests/unit") != 0)
        print_error("program folder %s does not end in /tests/unit\n", dir);
    assert_true(n >= 11 && strcmp(dir + n - 11, "/tests/unit") == 0);
    free(dir);
}

/* Make dir/rel (and the folders on the way, one level) holding a scenario. */
static void make_scenario(const char *dir, const char *rel) {
    char path[4096];
    const char *slash = strchr(rel, '/');
    if (slash != NULL) {
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(slash - rel), rel);
        mkdir(path, 0755);
    }
    tu_path_in(path, sizeof path, dir, rel);
    tu_write_file(path, "return bl.checkpoint {}\n");
}

/* bl_datadir_find_scenario(arg) succeeds with want. */
static void expect_found(const char *arg, const char *want) {
    bl_error_t err;
    bl_error_clear(&err);
    char *got = bl_datadir_find_scenario(arg, &err);
    if (got == NULL || strcmp(got, want) != 0)
        print_error("find %s = %s (%s), want %s\n", arg, got ? got : "NULL", err.message, want);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_datadir_scenario_as_given(void **state) {
    (void)state;
    char path[4096];
    /* An existing file is itself, and so is any path that says where it is. */
    expect_found(tu_srcdir_path(path, sizeof path, "scenarios/quickstart.lua"), path);
    expect_found("./no_such_scenario.lua", "./no_such_scenario.lua");
    expect_found("../no_such_scenario.lua", "../no_such_scenario.lua");
    expect_found("/no/such/scenario.lua", "/no/such/scenario.lua");
}

static void test_datadir_scenario_on_search_path(void **state) {
    fixture_t *f = *state;
    tu_path_in(f->a, sizeof f->a, f->dir, "first");
    tu_path_in(f->b, sizeof f->b, f->dir, "second");
    mkdir(f->a, 0755);
    mkdir(f->b, 0755);
    make_scenario(f->b, "mine.lua");
    make_scenario(f->b, "both.lua");
    make_scenario(f->a, "both.lua");
    make_scenario(f->b, "validation/deep.lua");
    char list[8192], want[4096];
    /* Empty entries and missing folders are skipped. */
    snprintf(list, sizeof list, ":/no/such/folder::%s:%s:", f->a, f->b);
    setenv("BORDERLAB_SCENARIO_PATH", list, 1);

    expect_found("mine", tu_path_in(want, sizeof want, f->b, "mine.lua"));
    expect_found("mine.lua", want);
    expect_found("both", tu_path_in(want, sizeof want, f->a, "both.lua")); /* first wins */
    expect_found("validation/deep", tu_path_in(want, sizeof want, f->b, "validation/deep.lua"));

    /* A folder of the same name in the current folder is not the scenario. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->b), 0);
    bl_error_t err;
    bl_error_clear(&err);
    char *got = bl_datadir_find_scenario("validation", &err);
    char *got_mine = bl_datadir_find_scenario("mine", &err);
    int back = chdir(cwd);
    assert_int_equal(back, 0);
    assert_null(got);
    assert_int_equal(err.code, BL_ENOTFOUND);
    assert_non_null(got_mine);
    assert_string_equal(got_mine, "./mine.lua");
    free(got_mine);
}

static void test_datadir_scenario_in_current_folder(void **state) {
    fixture_t *f = *state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    make_scenario(f->dir, "here.lua");
    assert_int_equal(chdir(f->dir), 0);
    bl_error_t err;
    bl_error_clear(&err);
    char *got = bl_datadir_find_scenario("here", &err);
    int back = chdir(cwd);
    assert_int_equal(back, 0);
    assert_non_null(got);
    assert_string_equal(got, "./here.lua");
    free(got);
}

static void test_datadir_scenario_missing_says_where(void **state) {
    fixture_t *f = *state;
    setenv("BORDERLAB_SCENARIO_PATH", f->dir, 1);
    bl_error_t err;
    bl_error_clear(&err);
    char *got = bl_datadir_find_scenario("no_such_scenario", &err);
    char want[4096];
    assert_null(got);
    assert_int_equal(err.code, BL_ENOTFOUND);
    const char *must[] = {"scenario no_such_scenario: not found",
                          "./no_such_scenario, ./no_such_scenario.lua",
                          tu_path_in(want, sizeof want, f->dir, "no_such_scenario.lua"),
                          BL_SCENARIO_DIR "/no_such_scenario.lua", "BORDERLAB_SCENARIO_PATH"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (strstr(err.message, must[i]) == NULL)
            print_error("message \"%s\" lacks \"%s\"\n", err.message, must[i]);
        assert_non_null(strstr(err.message, must[i]));
    }

    bl_error_clear(&err);
    assert_null(bl_datadir_find_scenario("", &err));
    assert_int_equal(err.code, BL_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datadir_relocate_layouts),
        cmocka_unit_test(test_datadir_relocate_refuses),
        cmocka_unit_test(test_datadir_configured_and_program),
        cmocka_unit_test_setup_teardown(test_datadir_scenario_as_given, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datadir_scenario_on_search_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datadir_scenario_in_current_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datadir_scenario_missing_says_where, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
