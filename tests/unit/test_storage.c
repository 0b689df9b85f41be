/*
 * Storage locations (storage.h): allocation policies on a hand-built
 * layout, capacity and class refusals, utilisation, and an inventory scan
 * that finds exactly the misplaced items.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/store/storage.h"

#define CLS(c) (1u << (c))

/*
 * Room "A": 1 shelf x 3 bins of 10, drugs and cigarettes;
 * room "B": 1 shelf x 2 bins of 4, drugs only.
 * Bins 0..2 are A/s1/b1..b3, bins 3..4 are B/s1/b1..b2.
 */
static void make(bl_storage_t *s) {
    static char a[] = "A", b[] = "B";
    bl_storage_room_t rooms[2] = {
        {a, 1, 3, 10, CLS(BL_THREAT_DRUGS) | CLS(BL_THREAT_CIGARETTES)},
        {b, 1, 2, 4, CLS(BL_THREAT_DRUGS)},
    };
    bl_storage_layout_t layout = {2, rooms};
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_storage_init(s, &layout, &err), 0);
    assert_int_equal(s->n_bins, 5);
    assert_string_equal(s->bins[0].name, "A/s1/b1");
    assert_string_equal(s->bins[4].name, "B/s1/b2");
    assert_true(fabs(s->capacity - 38) < 1e-9);
}

static size_t alloc_ok(bl_storage_t *s, int policy, uint32_t cls, double v) {
    bl_error_t err;
    bl_error_clear(&err);
    size_t bin = 99;
    assert_int_equal(bl_storage_allocate(s, policy, cls, v, &bin, &err), 0);
    return bin;
}

static void test_storage_first_fit(void **state) {
    (void)state;
    bl_storage_t s;
    make(&s);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 3), 0);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 7), 0);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 1), 1);
    bl_storage_fini(&s);
}

static void test_storage_best_fit(void **state) {
    (void)state;
    bl_storage_t s;
    make(&s);
    /* 3 units of drugs: the tightest bin is a 4-unit bin of room B. */
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BEST_FIT, BL_THREAT_DRUGS, 3), 3);
    /* 1 more: bin 3 has exactly 1 left. */
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BEST_FIT, BL_THREAT_DRUGS, 1), 3);
    /* cigarettes only fit room A. */
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BEST_FIT, BL_THREAT_CIGARETTES, 6), 0);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BEST_FIT, BL_THREAT_CIGARETTES, 4), 0);
    bl_storage_fini(&s);
}

static void test_storage_by_class(void **state) {
    (void)state;
    bl_storage_t s;
    make(&s);
    /* drugs go to the dedicated room B first, then to A when B is full. */
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BY_CLASS, BL_THREAT_DRUGS, 4), 3);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BY_CLASS, BL_THREAT_DRUGS, 4), 4);
    assert_int_equal(alloc_ok(&s, BL_STORAGE_BY_CLASS, BL_THREAT_DRUGS, 4), 0);
    bl_storage_fini(&s);
}

static void test_storage_refusals(void **state) {
    (void)state;
    bl_storage_t s;
    bl_error_t err;
    size_t bin = 99;
    make(&s);
    bl_error_clear(&err);
    assert_int_equal(
        bl_storage_allocate(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_FIREARM, 1, &bin, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "no bin of the layout may hold firearm"));
    bl_error_clear(&err);
    assert_int_equal(bl_storage_allocate(&s, BL_STORAGE_BEST_FIT, BL_THREAT_DRUGS, 11, &bin, &err),
                     BL_EINVAL);
    assert_non_null(strstr(err.message, "larger than every bin"));
    for (int i = 0; i < 3; i++)
        alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_CIGARETTES, 10);
    bl_error_clear(&err);
    assert_int_equal(
        bl_storage_allocate(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_CIGARETTES, 1, &bin, &err),
        BL_ENOSPC);
    assert_non_null(strstr(err.message, "are full"));
    assert_int_equal(bin, 99);
    /* drugs still fit room B */
    assert_int_equal(alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 4), 3);
    bl_error_clear(&err);
    assert_int_equal(bl_storage_allocate(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 0, &bin, &err),
                     BL_EINVAL);
    bl_storage_fini(&s);
}

static void test_storage_utilisation(void **state) {
    (void)state;
    bl_storage_t s;
    make(&s);
    assert_true(bl_storage_utilisation(&s) == 0);
    size_t b1 = alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 9.5);
    assert_int_equal(bl_storage_track(&s, 1, b1, BL_THREAT_DRUGS, 9.5), 0);
    size_t b2 = alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 9.5);
    assert_int_equal(bl_storage_track(&s, 2, b2, BL_THREAT_DRUGS, 9.5), 0);
    assert_true(fabs(bl_storage_utilisation(&s) - 0.5) < 1e-12);
    size_t b3 = alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 1);
    bl_storage_unreserve(&s, b3, 1); /* a deposit that failed */
    assert_true(fabs(bl_storage_utilisation(&s) - 0.5) < 1e-12);
    assert_int_equal(bl_storage_remove(&s, 1), 0);
    assert_int_equal(bl_storage_remove(&s, 1), BL_ENOTFOUND);
    assert_true(fabs(bl_storage_utilisation(&s) - 9.5 / 38) < 1e-12);
    assert_int_equal(bl_storage_track(&s, 2, b2, BL_THREAT_DRUGS, 1), BL_EINVAL);
    bl_storage_fini(&s);
}

static void test_storage_inventory(void **state) {
    (void)state;
    bl_storage_t s;
    make(&s);
    /* 40 items of 0.5 (drugs) */
    for (uint64_t id = 1; id <= 40; id++) {
        size_t b = alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 0.5);
        assert_int_equal(bl_storage_track(&s, id * 7, b, BL_THREAT_DRUGS, 0.5), 0);
    }
    /* move every item to bin 2; items 5, 17 and 33 really land in bin 4 */
    for (uint64_t id = 1; id <= 40; id++) {
        size_t to = alloc_ok(&s, BL_STORAGE_FIRST_FIT, BL_THREAT_DRUGS, 0.5);
        (void)to;
        bool miss = id == 5 || id == 17 || id == 33;
        /* reserve came from first fit; record bin 'to', true bin 4 when misplaced */
        assert_int_equal(bl_storage_move(&s, id * 7, to, miss ? 4 : to), 0);
    }
    double t_ok = bl_storage_retrieve_time(&s, 7), t_lost = bl_storage_retrieve_time(&s, 35);
    assert_true(t_lost > t_ok);
    /* one misplaced item leaves storage: it is no longer a discrepancy */
    assert_int_equal(bl_storage_remove(&s, 33 * 7), 0);
    assert_int_equal(s.misplaced, 2);
    bl_storage_discrepancy_t d[8];
    size_t found = 0;
    assert_int_equal(bl_storage_inventory(&s, true, d, 8, &found), 0);
    assert_int_equal(found, 2);
    assert_int_equal(d[0].id, 35);
    assert_int_equal(d[1].id, 119);
    assert_int_equal(d[0].true_bin, 4);
    assert_int_equal(s.misplaced, 0);
    size_t rec = 0;
    assert_int_equal(bl_storage_locate(&s, 35, &rec, NULL, NULL, NULL), 0);
    assert_int_equal(rec, 4);
    /* corrected: a second scan finds nothing, and used space is conserved */
    assert_int_equal(bl_storage_inventory(&s, false, NULL, 0, &found), 0);
    assert_int_equal(found, 0);
    assert_true(fabs(s.used - 39 * 0.5) < 1e-9);
    double sum = 0;
    for (size_t i = 0; i < s.n_bins; i++)
        sum += s.bins[i].used;
    assert_true(fabs(sum - s.used) < 1e-9);
    bl_storage_fini(&s);
}

static void test_storage_bad_layout(void **state) {
    (void)state;
    static char a[] = "A";
    bl_storage_room_t room = {a, 0, 3, 10, CLS(BL_THREAT_DRUGS)};
    bl_storage_layout_t layout = {1, &room};
    bl_storage_t s;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_storage_init(&s, &layout, &err), BL_EINVAL);
    room.shelves = 1;
    room.classes = 0;
    assert_int_equal(bl_storage_init(&s, &layout, &err), BL_EINVAL);
    assert_int_equal(bl_storage_policy_parse("best_fit"), BL_STORAGE_BEST_FIT);
    assert_int_equal(bl_storage_policy_parse("worst_fit"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_first_fit),   cmocka_unit_test(test_storage_best_fit),
        cmocka_unit_test(test_storage_by_class),    cmocka_unit_test(test_storage_refusals),
        cmocka_unit_test(test_storage_utilisation), cmocka_unit_test(test_storage_inventory),
        cmocka_unit_test(test_storage_bad_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
