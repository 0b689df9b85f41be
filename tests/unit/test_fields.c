/*
 * Unit tests for the field tables of the scenario language
 * (core/scenario/fields.h): every row is documented, the README's scenario
 * reference is the tables' own print, and the Lua allow-lists and the C
 * readers agree, job by job.
 *
 * The agreement: the Lua library takes its allow-lists from the tables
 * (core.fields), and the C readers refuse a name a table does not list;
 * what is left to prove is that C reads every row Lua allows.  The shipped
 * scenarios and tests/fixtures/fields/ (which set what the shipped ones do
 * not) are loaded with a hook that counts every row a converter reads;
 * every row must be read, except those the Lua library resolves itself
 * (BL_FIELD_LUA), which must never be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/jobs.h"
#include "scenario/fields.h"
#include "scenario/lua_bl.h"
#include "scenario/scenario_convert.h"
#include "test_util.h"

#define README_BEGIN "<!-- scenario reference: begin (borderlab fields --markdown) -->\n"
#define README_END "<!-- scenario reference: end -->\n"

/* Every constructor of the language: the common ones, then each job's. */
static size_t all_ctors(const bl_ctor_t **out, size_t max) {
    size_t n = 0;
    for (size_t i = 0; bl_common_ctors[i] != NULL && n < max; i++)
        out[n++] = bl_common_ctors[i];
    const bl_scenario_kind_t *const *kinds = bl_jobs_kinds();
    for (size_t k = 0; kinds[k] != NULL; k++)
        for (size_t i = 0; kinds[k]->ctors != NULL && kinds[k]->ctors[i] != NULL && n < max; i++)
            out[n++] = kinds[k]->ctors[i];
    return n;
}

/* ------------------------------------------------------------------ the rows */

/* Every row has a name, a value and a doc; no constructor lists a name
 * twice; every constructor name is unique and every job lists its own. */
static void test_fields_rows_are_documented(void **state) {
    (void)state;
    const bl_ctor_t *ctors[256];
    size_t n = all_ctors(ctors, 256);
    assert_true(n > 30);
    for (size_t i = 0; i < n; i++) {
        const bl_ctor_t *c = ctors[i];
        assert_non_null(c->name);
        if (c->doc == NULL || c->doc[0] == '\0')
            fail_msg("%s has no doc", c->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(ctors[j]->name, c->name) == 0)
                fail_msg("two tables are named %s", c->name);
        const bl_field_t *lists[] = {c->fields, c->shared};
        for (size_t l = 0; l < 2; l++)
            for (size_t r = 0; lists[l] != NULL && lists[l][r].name != NULL; r++) {
                const bl_field_t *f = &lists[l][r];
                if (f->type == NULL || f->type[0] == '\0' || f->doc == NULL || f->doc[0] == '\0')
                    fail_msg("%s: field %s lacks its value or its doc", c->name, f->name);
                if (bl_ctor_field(c, f->name) != f)
                    fail_msg("%s lists %s twice", c->name, f->name);
                char def[200];
                bl_field_default_text(c, f, def, sizeof def);
                assert_true(def[0] != '\0');
            }
    }
    const bl_job_t *const *jobs = bl_jobs();
    for (size_t k = 0; jobs[k] != NULL; k++) {
        char name[80];
        snprintf(name, sizeof name, "bl.%s", jobs[k]->scenario->name);
        const bl_ctor_t *c = bl_ctor_find(bl_jobs_kinds(), name);
        if (c == NULL || jobs[k]->scenario->ctors[0] != c)
            fail_msg("job %s does not list %s first", jobs[k]->scenario->name, name);
        assert_non_null(bl_ctor_field(c, "name"));
        assert_non_null(bl_ctor_field(c, "seed"));
    }
}

/* ------------------------------------------------------------------ the README */

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 4096) {
            char *grown = realloc(buf, cap *= 2);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

/* The README's scenario reference is exactly what `borderlab fields
 * --markdown` prints: a field added to a table fails here until the README
 * has it. */
static void test_fields_readme_has_every_field(void **state) {
    (void)state;
    char path[4096];
    char *readme = read_all(tu_srcdir_path(path, sizeof path, "README.md"));
    assert_non_null(readme);
    const char *begin = strstr(readme, README_BEGIN), *end = strstr(readme, README_END);
    if (begin == NULL || end == NULL || end < begin)
        fail_msg("README.md has no scenario reference between the markers %s and %s", README_BEGIN,
                 README_END);
    begin += strlen(README_BEGIN);
    char *printed = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&printed, &len);
    assert_non_null(mem);
    assert_int_equal(bl_fields_print(mem, bl_jobs_kinds(), true, NULL), 0);
    fclose(mem);
    size_t have = (size_t)(end - begin);
    if (have != len || memcmp(begin, printed, len) != 0) {
        /* The first line that differs, to say which field is undocumented. */
        size_t i = 0, line = 1, start = 0;
        while (i < have && i < len && begin[i] == printed[i]) {
            if (printed[i] == '\n') {
                line++;
                start = i + 1;
            }
            i++;
        }
        const char *nl = strchr(printed + start, '\n');
        fail_msg("README.md's scenario reference is out of date at its line %zu; the tables "
                 "say:\n  %.*s\nrun scripts/readme-reference (it prints `borderlab fields "
                 "--markdown` between the markers)",
                 line, nl ? (int)(nl - printed - start) : 80, printed + start);
    }
    free(printed);
    free(readme);
}

/* ------------------------------------------------------------------ Lua and C agree */

#define MAX_READS 1024

typedef struct reads {
    size_t n;
    const bl_ctor_t *ctor[MAX_READS];
    const bl_field_t *field[MAX_READS];
} reads_t;

static void count_read(void *ud, const bl_ctor_t *ctor, const bl_field_t *field) {
    reads_t *r = ud;
    for (size_t i = 0; i < r->n; i++)
        if (r->ctor[i] == ctor && r->field[i] == field)
            return;
    if (r->n < MAX_READS) {
        r->ctor[r->n] = ctor;
        r->field[r->n++] = field;
    }
}

static bool was_read(const reads_t *r, const bl_ctor_t *ctor, const bl_field_t *field) {
    for (size_t i = 0; i < r->n; i++)
        if (r->ctor[i] == ctor && r->field[i] == field)
            return true;
    return false;
}

/* The shipped scenarios and the fixtures that set every other field. */
static const char *const scenarios[] = {
    "scenarios/quickstart.lua",
    "scenarios/air_cargo_day.lua",
    "scenarios/land_crossing_peak.lua",
    "scenarios/surrogate_year.lua",
    "scenarios/xray_bench.lua",
    "scenarios/cargo_risk.lua",
    "scenarios/store_soak.lua",
    "scenarios/validation/mmc.lua",
    "scenarios/validation/md1.lua",
    "scenarios/validation/nhpp.lua",
    "scenarios/validation/priority_mmc.lua",
    "tests/fixtures/fields/checkpoint_fields.lua",
    "tests/fixtures/fields/checkpoint_single_class.lua",
    "tests/fixtures/fields/checkpoint_sequential.lua",
    "tests/fixtures/fields/bench_fields.lua",
    "tests/fixtures/fields/bench_replay.lua",
    "tests/fixtures/fields/risk_fields.lua",
    "tests/fixtures/fields/risk_csv.lua",
    "tests/fixtures/fields/soak_fields.lua",
};

static void test_fields_lua_and_c_agree_for_every_job(void **state) {
    (void)state;
    static reads_t reads;
    memset(&reads, 0, sizeof reads);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        char path[4096];
        bl_scenario_t sc;
        memset(&sc, 0, sizeof sc);
        bl_scenario_options_t opts;
        memset(&opts, 0, sizeof opts);
        opts.on_read = count_read;
        opts.on_read_ud = &reads;
        bl_error_t err;
        bl_error_clear(&err);
        int rc = bl_jobs_load_scenario(&sc, tu_srcdir_path(path, sizeof path, scenarios[i]), &opts,
                                       &err);
        bl_scenario_free_contents(&sc);
        if (rc != 0)
            fail_msg("%s does not load: %s", scenarios[i], err.message);
    }
    const bl_scenario_kind_t *const *kinds = bl_jobs_kinds();
    size_t unread = 0;
    for (size_t k = 0; kinds[k] != NULL; k++)
        for (size_t i = 0; kinds[k]->ctors[i] != NULL; i++) {
            const bl_ctor_t *c = kinds[k]->ctors[i];
            const bl_field_t *lists[] = {c->fields, c->shared};
            for (size_t l = 0; l < 2; l++)
                for (size_t r = 0; lists[l] != NULL && lists[l][r].name != NULL; r++) {
                    const bl_field_t *f = &lists[l][r];
                    bool lua = (f->flags & BL_FIELD_LUA) != 0, read = was_read(&reads, c, f);
                    if (lua && read) {
                        print_error("%s: %s is resolved by the Lua library, yet C reads it\n",
                                    c->name, f->name);
                        unread++;
                    } else if (!lua && !read) {
                        print_error("%s (job %s): the Lua library allows %s, which no converter "
                                    "read: read it, or set it in tests/fixtures/fields/\n",
                                    c->name, kinds[k]->name, f->name);
                        unread++;
                    }
                }
        }
    assert_int_equal(unread, 0);
}

/* A converter that reads a field its table does not list is an error (the
 * table is the allow-list): the readers, run in a state of the loader's
 * kind (bl_lua_newstate: the readers reach the loader's context through
 * it), raise for "unlisted" and give the table's default for "listed". */
static int read_fields(lua_State *L) {
    static const bl_field_t rows[] = {{"listed", "number", "1", "a row"}, {NULL}};
    static const bl_ctor_t ctor = {"bl.test", "a test table", rows};
    lua_newtable(L);
    bl_fields_t f = bl_fields(L, -1, &ctor, "test.lua:1: bl.test");
    lua_pushnumber(L, bl_opt_number(&f, "listed"));
    lua_setglobal(L, "listed");
    bl_opt_number(&f, "unlisted");
    return 0;
}

static void test_fields_reading_an_unlisted_field_fails(void **state) {
    (void)state;
    bl_scenario_t sc;
    memset(&sc, 0, sizeof sc);
    bl_scenario_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.kinds = bl_jobs_kinds();
    bl_lua_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sc = &sc;
    ctx.opts = &opts;
    lua_State *L = bl_lua_newstate(&ctx);
    assert_non_null(L);
    lua_pushcfunction(L, read_fields);
    assert_int_not_equal(lua_pcall(L, 0, 0, 0), LUA_OK);
    const char *msg = lua_tostring(L, -1);
    assert_non_null(msg);
    if (strstr(msg, "test.lua:1: bl.test: internal error") == NULL ||
        strstr(msg, "'unlisted'") == NULL)
        fail_msg("unexpected message: %s", msg);
    lua_getglobal(L, "listed");
    assert_true(lua_tonumber(L, -1) == 1); /* the table's default */
    lua_close(L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_rows_are_documented),
        cmocka_unit_test(test_fields_readme_has_every_field),
        cmocka_unit_test(test_fields_lua_and_c_agree_for_every_job),
        cmocka_unit_test(test_fields_reading_an_unlisted_field_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
