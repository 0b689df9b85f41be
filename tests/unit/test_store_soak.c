/*
 * The store_soak job end to end: a scenario built by hand run through
 * bl_run_scenario, and Lua scenarios run through bl_run, into HDF5 files
 * under $top_builddir/tests/out/store_soak, read back through the table
 * descriptions of store_soak.h.  The memory store is loaded from
 * $top_builddir/plugins/store/memory/.libs (`make check` builds it).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <hdf5.h>

#include "jobs/jobs.h"
#include "jobs/store/store_soak.h"
#include "results/results_schema.h"
#include "results/summary.h"
#include "run/run.h"
#include "test_util.h"

#define MEMORY_SO "plugins/store/memory/.libs/memory.so"

static char outdir[2200], memory[2400];

static int setup_paths(void **state) {
    (void)state;
    if (tu_outdir(outdir, sizeof outdir, "store_soak") != 0)
        return -1;
    tu_builddir_path(memory, sizeof memory, MEMORY_SO);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

/* Two rooms: drugs/cigarettes, and firearms; small enough to fill. */
static void hand_scenario(bl_scenario_t *sc, uint64_t ops) {
    memset(sc, 0, sizeof *sc);
    sc->name = strdup("soak");
    sc->path = strdup("test_store_soak.lua");
    sc->kind = &bl_store_soak_kind;
    sc->seed = 5;
    sc->replications = 1;
    bl_store_soak_t *s = calloc(1, sizeof *s);
    bl_store_soak_defaults(s);
    s->store.spec = strdup(memory);
    s->layout.n_rooms = 2;
    s->layout.rooms = calloc(2, sizeof *s->layout.rooms);
    s->layout.rooms[0] = (bl_storage_room_t){
        strdup("A"), 2, 10, 20, (1u << BL_THREAT_DRUGS) | (1u << BL_THREAT_CIGARETTES)};
    s->layout.rooms[1] = (bl_storage_room_t){strdup("B"), 1, 5, 10, 1u << BL_THREAT_FIREARM};
    s->clients = 3;
    s->operations = ops;
    s->misplace = 0.05;
    s->inventory_every = 500;
    s->sync_every = 50;
    s->mix[BL_SOAK_VERIFY] = 0.1;
    sc->settings = s;
}

/* Every operation is accounted for, the chain verifies, the custody log
 * holds one entry per successful state change, scans find at most what
 * was misplaced, and show reads the file back. */
static void test_store_soak_tables(void **state) {
    (void)state;
    bl_scenario_t sc;
    hand_scenario(&sc, 3000);
    const char *out = tu_fresh_path(outdir, "tables.h5");
    bl_run_options_t o = tu_run_options(out, "test_store_soak");
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run_scenario(&sc, &o, &err);
    bl_scenario_free_contents(&sc);
    if (rc != 0)
        fail_msg("run: %s", err.message);

    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n_verbs = 0, n_sum = 0;
    bl_soak_verb_row_t *v = tu_read_table(f, &bl_soak_verbs_table, &n_verbs);
    bl_soak_summary_row_t *s = tu_read_table(f, &bl_soak_summary_table, &n_sum);
    H5Fclose(f);
    assert_int_equal(n_verbs, BL_SOAK_VERBS);
    assert_int_equal(n_sum, 1);
    uint64_t done = 0, changes = 0;
    for (int i = 0; i < BL_SOAK_VERBS; i++) {
        assert_string_equal(v[i].verb, bl_soak_verb_name(i));
        assert_int_equal(v[i].errors, 0);
        if (i < BL_SOAK_MIX)
            done += v[i].ops + v[i].refused;
        if (i <= BL_SOAK_DISPOSE)
            changes += v[i].ops;
        if (v[i].ops > 0) {
            assert_true(v[i].latency_p50 >= 0);
            assert_true(v[i].latency_p50 <= v[i].latency_p99 * 1.01);
            assert_true(v[i].latency_p99 <= v[i].latency_max * 1.01);
        }
    }
    assert_int_equal(done, 3000);
    assert_int_equal(s->operations, 3000);
    assert_int_equal(v[BL_SOAK_SYNC].ops, 3000 / 50); /* 1000 per client */
    assert_true(v[BL_SOAK_DEPOSIT].refused > 0);      /* the layout is small: it fills */
    assert_true(v[BL_SOAK_VERIFY].ops > 0);
    assert_int_equal(s->clients, 3);
    assert_int_equal(s->verify_ok, 1);
    assert_int_equal(s->first_bad, 0);
    assert_int_equal(s->entries, changes);
    assert_true(s->misplaced > 0);
    assert_true(s->discrepancies > 0 && s->discrepancies <= s->misplaced);
    assert_int_equal(s->inventories, 3000 / 500 + 1);
    /* Above 1 only by what scans moved into full bins (storage.h). */
    if (!(s->utilisation > 0.2 && s->utilisation < 1.1))
        fail_msg("utilisation %.17g", s->utilisation);
    assert_true(s->retrieve_time_mean >= BL_STORAGE_FETCH_BASE);
    assert_true(s->ops_per_second > 0);
    free(v);
    free(s);

    cJSON *sum = NULL;
    bl_error_clear(&err);
    if (bl_summary_load(out, &sum, &err) != 0)
        fail_msg("show: %s", err.message);
    assert_string_equal(cJSON_GetObjectItem(sum, "job")->valuestring, "store_soak");
    cJSON *st = cJSON_GetObjectItem(sum, "store");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(st, "verify_ok")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "verbs")), BL_SOAK_VERBS);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    bl_summary_print_text(sum, mem);
    fclose(mem);
    assert_non_null(strstr(text, "verify passed"));
    free(text);
    cJSON_Delete(sum);
}

static const char *write_scenario(const char *name, const char *body) {
    static char path[2400];
    char text[4096];
    snprintf(text, sizeof text, body, memory);
    tu_write_file(tu_path_in(path, sizeof path, outdir, name), text);
    return path;
}

/* bl.store_soak through Lua at a target rate: the open-loop schedule holds
 * the run to about operations / rate seconds. */
static void test_store_soak_lua_rate(void **state) {
    (void)state;
    const char *path = write_scenario(
        "rate.lua", "return bl.store_soak{ name = 'rate', seed = 3, store = bl.plugin{'%s'},\n"
                    "  clients = 2, operations = 400, rate = 2000, policy = 'by_class',\n"
                    "  mix = {deposit = 1, get = 1},\n"
                    "  layout = bl.storage{ rooms = { {name = 'A', shelves = 2, bins = 5,\n"
                    "    capacity = 100, classes = {'drugs'}} } } }\n");
    const char *out = tu_fresh_path(outdir, "rate.h5");
    bl_run_options_t o = tu_run_options(out, "test_store_soak");
    o.scenario_path = path;
    bl_error_t err;
    bl_error_clear(&err);
    if (bl_run(&o, &err) != 0)
        fail_msg("run: %s", err.message);
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t n_verbs = 0, n_sum = 0;
    bl_soak_verb_row_t *v = tu_read_table(f, &bl_soak_verbs_table, &n_verbs);
    bl_soak_summary_row_t *s = tu_read_table(f, &bl_soak_summary_table, &n_sum);
    H5Fclose(f);
    assert_int_equal(s->operations, 400);
    assert_true(s->seconds > 0.18);
    assert_true(s->target_rate == 2000);
    assert_int_equal(v[BL_SOAK_MOVE].ops + v[BL_SOAK_LIST].ops, 0);
    assert_int_equal(v[BL_SOAK_DEPOSIT].ops + v[BL_SOAK_GET].ops, 400);
    assert_int_equal(s->verify_ok, 1);
    free(v);
    free(s);
}

/* A bad layout is refused at load, naming the class. */
static void test_store_soak_lua_bad_class(void **state) {
    (void)state;
    const char *path =
        write_scenario("bad.lua", "return bl.store_soak{ store = bl.plugin{'%s'},\n"
                                  "  layout = bl.storage{ rooms = { {name = 'A', capacity = 10,\n"
                                  "    classes = {'drugz'}} } } }\n");
    bl_run_options_t o = tu_run_options(tu_fresh_path(outdir, "bad.h5"), "test_store_soak");
    o.scenario_path = path;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_not_equal(bl_run(&o, &err), 0);
    assert_non_null(strstr(err.message, "drugz"));
    assert_non_null(strstr(err.message, "not a threat class"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_soak_tables),
        cmocka_unit_test(test_store_soak_lua_rate),
        cmocka_unit_test(test_store_soak_lua_bad_class),
    };
    return cmocka_run_group_tests(tests, setup_paths, NULL);
}
