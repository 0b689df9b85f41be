/*
 * Fixtures the engine tests share (test_engine, test_engine_classes,
 * test_engine_shifts, test_engine_decide): checkpoint scenarios built by
 * hand (no Lua) with classes, stations, routes, populations and shift
 * schedules; running one replication, with or without keeping every entity
 * row; and the checks several programs make of a result (conservation,
 * two results equal to the bit).
 *
 * Scenarios come from scenario_new and are released with scenario_free;
 * the add_ and set_ helpers grow them in place (the scenario owns what they
 * allocate).  Functions fail the calling cmocka test when they cannot do
 * their job.
 */
#ifndef BL_TEST_ENGINE_FIXTURES_H
#define BL_TEST_ENGINE_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* Append a class with Poisson arrivals at `rate` (0: replay only); first
 * station 0.  Its index. */
int add_class(bl_scenario_t *sc, const char *name, double rate, int priority);

/* A checkpoint scenario with one class ("traveller") arriving at `rate`
 * and no station yet; the caller releases it with scenario_free. */
bl_scenario_t *scenario_new(uint64_t seed, double rate, uint64_t max_entities, double duration);

void scenario_free(bl_scenario_t *sc);

/* Append a station; service is an exponential (mean > 0) or, when
 * deterministic is set, a constant.  Routes to exit until told otherwise.
 * Its index. */
int add_station(bl_scenario_t *sc, const char *name, int kind, unsigned servers, double mean,
                bool deterministic);

/* Route station idx to targets[i] with probabilities p[i] (n of each,
 * borrowed). */
void set_route(bl_scenario_t *sc, int idx, size_t n, const int *targets, const double *p);

/* Add name to a union list (attributes, contraband kinds); its index. */
uint32_t union_add(char ***names, size_t *n, const char *name);

/* Class `cls`: carriers of firearms (25%) and drugs (75%), attributes x
 * (0.2 clean, 0.9 carrier) and age. */
void set_class_population(bl_scenario_t *sc, int cls, double carrier_share);

/* set_class_population of class 0. */
void set_population(bl_scenario_t *sc, double carrier_share);

/* A station's shift schedule: shifts[0..n-1] (copied) repeating every
 * period seconds (0: once); servers becomes the largest shift. */
void set_shifts(bl_station_def_t *d, size_t n, const bl_shift_t *shifts, double period);

/* bl_engine_run of replication rep with plugins ps and sink (both may be
 * NULL), failing the test with the engine's message unless it succeeds;
 * the caller releases the result with bl_replication_result_fini. */
bl_replication_result_t run_ok(const bl_scenario_t *sc, const bl_plugin_set_t *ps, unsigned rep,
                               const bl_entity_sink_t *sink);

/* Every row the engine writes, kept. */
typedef struct rows {
    bl_entity_record_t *v;
    size_t n, cap;
} rows_t;

/* Run with a sink that keeps every row in *rows (freed by the caller). */
bl_replication_result_t run_rows(const bl_scenario_t *sc, const bl_plugin_set_t *ps, rows_t *rows);

/* The counts, sums and histograms of a and b are the same to the bit. */
void assert_results_equal(const bl_replication_result_t *a, const bl_replication_result_t *b);

/* all_arrivals == all_departures + in_system at every station, and the
 * same for the whole system. */
void assert_conserved(const bl_replication_result_t *r);

#endif
