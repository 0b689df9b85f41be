/*
 * Unit tests for shift schedules in the engine (issue 6): capacity that
 * changes with the shift, daily schedules, a desk that closes for good,
 * the hourly capacity, busy and served series that show it, the checks a
 * schedule (and a station) must pass before a run, and the series helpers
 * those figures are kept in (core/engine/engine_series.c).  Scenarios are
 * built by hand (see engine_fixtures.h).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine_fixtures.h"

static void test_engine_shift_change_capacity(void **state) {
    (void)state;
    /* 4 officers for the first hour, 2 after; 3/s arriving, 1 s each:
     * the queue builds from the change on. */
    bl_scenario_t *sc = scenario_new(25, 3.0, 0, 4 * 3600.0);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 4, 1.0, false);
    const bl_shift_t shifts[] = {{0.0, 3600.0, 4}, {3600.0, 1e7, 2}};
    set_shifts(&sc->stations[desk], 2, shifts, 0.0);
    bl_replication_result_t r = run_ok(sc, NULL, 0, NULL);
    const bl_station_stats_t *s = &r.stations[desk];
    double t1 = 3600.0 - r.window_start, t2 = r.window_end - 3600.0;
    assert_true(t1 > 3599.0 && t2 > 10000.0);
    assert_true(fabs(s->capacity_area - (4.0 * t1 + 2.0 * t2)) < 1e-6 * s->capacity_area);
    assert_true(s->busy_area <= s->capacity_area * (1.0 + 1e-9));
    /* Nobody starts above capacity: in every full hour after the change
     * the busy time is within the on-duty time. */
    assert_true(s->busy_hourly.n >= 5);
    assert_true(s->capacity_hourly.n == s->busy_hourly.n);
    assert_true(fabs(bl_series_at(&s->capacity_hourly, 0) - 4 * 3600.0) < 1e-6);
    for (size_t h = 2; h < s->capacity_hourly.n - 1; h++) {
        assert_true(fabs(bl_series_at(&s->capacity_hourly, h) - 2 * 3600.0) < 1e-6);
        assert_true(bl_series_at(&s->busy_hourly, h) <=
                    bl_series_at(&s->capacity_hourly, h) + 1e-6);
    }
    /* Two officers serve at most about 7200 an hour. */
    for (size_t h = 2; h < s->served_hourly.n; h++)
        assert_true(bl_series_at(&s->served_hourly, h) < 7600.0);
    assert_true(s->max_queue > 1000);
    assert_int_equal(s->in_system, 0); /* the queue drains after arrivals stop */
    /* Queue series: integral over the run covers the window's area. */
    double qsum = 0.0;
    for (size_t i = 0; i < s->queue.n; i++)
        qsum += bl_series_at(&s->queue, i);
    assert_true(qsum >= s->queue_area * (1.0 - 1e-9));
    assert_true(s->queue.step == 60.0);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* A daily schedule: the run still ends when everyone has left. */
    const bl_shift_t day[] = {{6 * 3600.0, 22 * 3600.0, 3}};
    set_shifts(&sc->stations[desk], 1, day, 86400.0);
    sc->duration = 3 * 86400.0;
    sc->classes[0].arrivals.rates[0] = 0.5;
    r = run_ok(sc, NULL, 0, NULL);
    assert_int_equal(r.in_system_end, 0);
    assert_true(r.end_time < 4 * 86400.0);
    assert_true(bl_series_at(&r.stations[desk].capacity_hourly, 3) == 0.0);
    assert_true(fabs(bl_series_at(&r.stations[desk].capacity_hourly, 7) - 3 * 3600.0) < 1e-6);
    assert_true(bl_series_at(&r.stations[desk].served_hourly, 3) == 0.0);
    assert_conserved(&r);
    bl_replication_result_fini(&r);

    /* A desk that closes for good: the run ends with people still queued. */
    const bl_shift_t once[] = {{0.0, 100.0, 1}};
    set_shifts(&sc->stations[desk], 1, once, 0.0);
    sc->duration = 1000.0;
    r = run_ok(sc, NULL, 0, NULL);
    assert_true(r.in_system_end > 100);
    assert_int_equal(r.stations[desk].in_system, r.in_system_end);
    assert_conserved(&r);
    bl_replication_result_fini(&r);
    scenario_free(sc);
}

static void test_engine_shift_validation(void **state) {
    (void)state;
    bl_scenario_t *sc = scenario_new(26, 1.0, 100, 0.0);
    int desk = add_station(sc, "desk", BL_STATION_SERVICE, 1, 1.0, false);
    const bl_shift_t overlap[] = {{0.0, 3600.0, 2}, {1800.0, 7200.0, 1}};
    set_shifts(&sc->stations[desk], 2, overlap, 86400.0);
    bl_replication_result_t r;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "desk"));
    assert_non_null(strstr(err.message, "line 10"));
    assert_non_null(strstr(err.message, "overlap"));

    sc->stations[desk].shifts.n = 0;
    sc->stations[desk].servers = 0;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "servers >= 1"));

    sc->stations[desk].servers = 1;
    sc->stations[desk].kind = BL_STATION_REVIEW;
    sc->stations[desk].confirm_carrier = 1.5;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "confirm_carrier"));

    sc->stations[desk].confirm_carrier = 0.5;
    sc->stations[desk].on_yes = 7;
    bl_error_clear(&err);
    assert_int_equal(bl_engine_run(sc, NULL, 0, NULL, NULL, &r, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "on_yes"));
    scenario_free(sc);
}

static void test_engine_series_helpers(void **state) {
    (void)state;
    bl_series_t s = {10.0, 0, 0, NULL};
    assert_int_equal(bl_series_add_span(&s, 2.0, 8.0, 1.0), 0); /* inside bin 0 */
    assert_int_equal(s.n, 1);
    assert_true(bl_series_at(&s, 0) == 6.0);
    assert_int_equal(bl_series_add_span(&s, 5.0, 30.0, 2.0), 0); /* bins 0..2, ends on a boundary */
    assert_int_equal(s.n, 3);
    assert_true(bl_series_at(&s, 0) == 16.0);
    assert_true(bl_series_at(&s, 1) == 20.0);
    assert_true(bl_series_at(&s, 2) == 20.0);
    assert_true(bl_series_at(&s, 7) == 0.0);
    assert_int_equal(bl_series_add(&s, 45.0, 3.0), 0);
    assert_int_equal(s.n, 5);
    assert_true(bl_series_at(&s, 4) == 3.0 && bl_series_at(&s, 3) == 0.0);
    assert_int_equal(bl_series_add(&s, -1.0, 3.0), BL_EINVAL);
    bl_series_fini(&s);
    assert_int_equal(s.n, 0);
    assert_null(s.v);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_shift_change_capacity),
        cmocka_unit_test(test_engine_shift_validation),
        cmocka_unit_test(test_engine_series_helpers),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
