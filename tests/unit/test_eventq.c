/* Unit tests for core/engine/eventq.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/eventq.h"
#include "stats/rng.h"

static void test_eventq_orders_by_time(void **state) {
    (void)state;
    bl_eventq_t q;
    assert_int_equal(bl_eventq_init(&q, 4), 0);
    const double times[] = {5.0, 1.0, 3.0, 4.0, 2.0, 0.5, 7.0};
    for (uint32_t i = 0; i < 7; i++)
        assert_int_equal(bl_eventq_push(&q, times[i], i, i * 10, i * 100), 0);
    assert_int_equal(bl_eventq_size(&q), 7);
    bl_event_t ev;
    double prev = -1.0;
    for (int i = 0; i < 7; i++) {
        assert_int_equal(bl_eventq_pop(&q, &ev), 0);
        assert_true(ev.time > prev);
        /* The payload travels with its time. */
        assert_true(times[ev.type] == ev.time);
        assert_int_equal(ev.target, ev.type * 10);
        assert_int_equal(ev.entity, (uint64_t)ev.type * 100);
        prev = ev.time;
    }
    assert_int_equal(bl_eventq_pop(&q, &ev), 1);
    assert_int_equal(bl_eventq_size(&q), 0);
    bl_eventq_fini(&q);
}

static void test_eventq_equal_times_pop_in_scheduling_order(void **state) {
    (void)state;
    bl_eventq_t q;
    assert_int_equal(bl_eventq_init(&q, 16), 0);
    /* Interleave two times so equal-time events are not pushed contiguously. */
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(bl_eventq_push(&q, (i % 2) ? 2.0 : 1.0, i, 0, 0), 0);
    bl_event_t ev;
    uint32_t expect = 0;
    for (int i = 0; i < 500; i++, expect += 2) {
        assert_int_equal(bl_eventq_pop(&q, &ev), 0);
        assert_true(ev.time == 1.0);
        assert_int_equal(ev.type, expect);
    }
    expect = 1;
    for (int i = 0; i < 500; i++, expect += 2) {
        assert_int_equal(bl_eventq_pop(&q, &ev), 0);
        assert_true(ev.time == 2.0);
        assert_int_equal(ev.type, expect);
    }
    bl_eventq_fini(&q);
}

/* A reference: an unsorted array searched for the minimum (time, seq). */
typedef struct ref_event {
    double time;
    uint64_t id;
} ref_event_t;

static void test_eventq_random_against_reference(void **state) {
    (void)state;
    bl_rng_t rng;
    bl_rng_init(&rng, 7, 0, 99);
    bl_eventq_t q;
    assert_int_equal(bl_eventq_init(&q, 1), 0);
    size_t cap = 20000, n = 0;
    ref_event_t *ref = malloc(cap * sizeof *ref);
    assert_non_null(ref);
    uint64_t next_id = 0;
    double now = 0.0;
    for (int step = 0; step < 20000; step++) {
        /* Push more than pop at first, then drain: the heap grows and shrinks. */
        int push = step < 12000 ? bl_rng_uniform(&rng) < 0.6 : bl_rng_uniform(&rng) < 0.3;
        if (push || n == 0) {
            /* Coarse times (multiples of 0.25) so ties are frequent. */
            double t = now + 0.25 * (double)bl_rng_below(&rng, 8);
            assert_int_equal(bl_eventq_push(&q, t, 0, 0, next_id), 0);
            ref[n].time = t;
            ref[n].id = next_id++;
            n++;
        } else {
            size_t best = 0;
            for (size_t k = 1; k < n; k++)
                if (ref[k].time < ref[best].time ||
                    (ref[k].time == ref[best].time && ref[k].id < ref[best].id))
                    best = k;
            bl_event_t ev;
            assert_int_equal(bl_eventq_pop(&q, &ev), 0);
            assert_true(ev.time == ref[best].time);
            assert_int_equal(ev.entity, ref[best].id);
            now = ev.time;
            ref[best] = ref[--n];
        }
        assert_int_equal(bl_eventq_size(&q), n);
    }
    free(ref);
    bl_eventq_fini(&q);
}

static void test_eventq_grows(void **state) {
    (void)state;
    bl_eventq_t q;
    assert_int_equal(bl_eventq_init(&q, 1), 0);
    size_t initial = q.capacity;
    const uint32_t n = 100000;
    /* Descending times: every push sifts to the root. */
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(bl_eventq_push(&q, (double)(n - i), 0, i, 0), 0);
    assert_true(q.capacity >= n);
    assert_true(q.capacity > initial);
    bl_event_t ev;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(bl_eventq_pop(&q, &ev), 0);
        assert_true(ev.time == (double)(i + 1));
        assert_int_equal(ev.target, n - 1 - i);
    }
    assert_int_equal(bl_eventq_pop(&q, &ev), 1);
    bl_eventq_fini(&q);
    assert_null(q.heap);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eventq_orders_by_time),
        cmocka_unit_test(test_eventq_equal_times_pop_in_scheduling_order),
        cmocka_unit_test(test_eventq_random_against_reference),
        cmocka_unit_test(test_eventq_grows),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
