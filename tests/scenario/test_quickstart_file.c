/* Scenario test: run the real program on scenarios/quickstart.lua and read
 * the results file it wrote back through the HDF5 C API (h5read.c).
 * make check sets BORDERLAB, top_srcdir and top_builddir. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "h5read.h"

static char results_path[1100];
static int run_status = -1; /* exit code of borderlab, -1 when it did not run */

static const char *env(const char *name) {
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "%s is not set: run this test through make check\n", name);
        return NULL;
    }
    return v;
}

/* Run "$BORDERLAB run quickstart.lua -o tests/out/quickstart.h5 --quiet" once. */
static int run_quickstart(void **state) {
    const char *prog = env("BORDERLAB"), *src = env("top_srcdir"), *build = env("top_builddir");
    if (prog == NULL || src == NULL || build == NULL)
        return -1;
    char scenario[1024], dir[1024];
    snprintf(dir, sizeof dir, "%s/tests", build);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/tests/out", build);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(scenario, sizeof scenario, "%s/scenarios/quickstart.lua", src);
    snprintf(results_path, sizeof results_path, "%s/quickstart.h5", dir);
    unlink(results_path);

    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(prog, prog, "run", scenario, "-o", results_path, "--quiet", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    run_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (run_status != 0)
        fprintf(stderr, "%s run %s exited with %d\n", prog, scenario, run_status);
    return 0;
}

static hid_t open_results(void) {
    assert_int_equal(run_status, 0);
    hid_t f = h5read_open(results_path);
    assert_true(f >= 0);
    return f;
}

static void test_quickstart_file_exit_status(void **state) {
    assert_int_equal(run_status, 0);
    struct stat st;
    assert_int_equal(stat(results_path, &st), 0);
    assert_true(st.st_size > 0);
}

static void test_quickstart_file_schema(void **state) {
    hid_t f = open_results();
    long long schema = 0;
    assert_int_equal(h5read_attr_int(f, "borderlab_schema", &schema), 0);
    assert_int_equal(schema, 1);
    char *source = h5read_attr_text(f, "scenario_source");
    assert_non_null(source);
    assert_true(strlen(source) > 0);
    free(source);
    char *job = h5read_attr_text(f, "job");
    assert_non_null(job);
    assert_string_equal(job, "checkpoint");
    free(job);
    H5Fclose(f);
}

static void test_quickstart_file_stations(void **state) {
    hid_t f = open_results();
    h5read_station_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(h5read_stations(f, &rows, &n), 0);
    static const char *const names[] = {"document_check", "risk", "xray", "search"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const h5read_station_t *s = h5read_find_station(rows, n, names[i]);
        if (s == NULL)
            fail_msg("station %s missing from /checkpoint/stations", names[i]);
        if (s->arrivals == 0)
            fail_msg("station %s: no arrivals", names[i]);
        assert_true(s->servers > 0);
        assert_true(s->served <= s->arrivals);
    }
    free(rows);
    assert_true(h5read_count(f, "/checkpoint/replications") >= 4);
    assert_true(h5read_count(f, "/checkpoint/system") >= 1);
    assert_int_equal(h5read_count(f, "/checkpoint/summary"), 1);
    H5Fclose(f);
}

static bool is_hex64(const char *s) {
    if (strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    return true;
}

static void test_quickstart_file_plugins(void **state) {
    hid_t f = open_results();
    h5read_plugin_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(h5read_plugins(f, &rows, &n), 0);
    assert_int_equal(n, 3);
    static const char *const roles[] = {"detector", "risk", "store"};
    for (size_t r = 0; r < 3; r++) {
        const h5read_plugin_t *p = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rows[i].role, roles[r]) == 0)
                p = &rows[i];
        if (p == NULL)
            fail_msg("no /plugins row for role %s", roles[r]);
        if (p->calls == 0)
            fail_msg("plugin %s (%s): no calls recorded", p->id, roles[r]);
        if (!is_hex64(p->sha256))
            fail_msg("plugin %s: sha256 '%s' is not 64 hex digits", p->id, p->sha256);
        assert_true(strlen(p->id) > 0);
        assert_true(strlen(p->version) > 0);
    }
    free(rows);
    H5Fclose(f);
}

static void test_quickstart_file_entity_tables(void **state) {
    hid_t f = open_results();
    assert_true(h5read_exists(f, "/checkpoint/entities"));
    long long reps = 0;
    assert_int_equal(h5read_attr_int(f, "replications", &reps), 0);
    assert_true(reps >= 1);
    long long rows = h5read_count(f, "/checkpoint/entities/r00000");
    assert_true(rows > 0);
    char last[64];
    snprintf(last, sizeof last, "/checkpoint/entities/r%05lld", reps - 1);
    assert_true(h5read_count(f, last) > 0);
    H5Fclose(f);
}

/* The planning tables: classes, series and wait distributions are there,
 * and every replication accounts for each entity (arrived = left + still
 * in the system, overall and at every station). */
static void test_quickstart_file_checkpoint_tables(void **state) {
    hid_t f = open_results();
    h5read_station_t *stations = NULL;
    h5read_class_t *classes = NULL;
    h5read_hourly_t *hourly = NULL;
    h5read_waits_t *waits = NULL;
    h5read_queue_t *queue = NULL;
    h5read_system_t *sys = NULL;
    h5read_replication_t *reps = NULL;
    h5read_summary_t *sum = NULL;
    size_t ns = 0, nc = 0, nh = 0, nw = 0, nq = 0, nsys = 0, nr = 0, nsum = 0;
    assert_int_equal(h5read_stations_in(f, "/checkpoint", &stations, &ns), 0);
    assert_int_equal(h5read_classes_in(f, "/checkpoint", &classes, &nc), 0);
    assert_int_equal(h5read_hourly_in(f, "/checkpoint", &hourly, &nh), 0);
    assert_int_equal(h5read_waits_in(f, "/checkpoint", &waits, &nw), 0);
    assert_int_equal(h5read_queue_in(f, "/checkpoint", &queue, &nq), 0);
    assert_int_equal(h5read_system_in(f, "/checkpoint", &sys, &nsys), 0);
    assert_int_equal(h5read_replications_in(f, "/checkpoint", &reps, &nr), 0);
    assert_int_equal(h5read_summary_in(f, "/checkpoint", &sum, &nsum), 0);
    assert_int_equal(nsum, 1);
    assert_true(h5read_exists(f, "/checkpoint/contraband"));

    assert_true(nc >= 1);
    uint64_t entities = 0;
    for (size_t i = 0; i < nc; i++)
        entities += classes[i].entities;
    assert_int_equal(entities, sum->entities);

    size_t system_hours = 0;
    for (size_t i = 0; i < nh; i++)
        system_hours += strcmp(hourly[i].station, "(system)") == 0;
    assert_true(system_hours >= 1);
    assert_int_equal(nw, (ns + 1) * 101);
    assert_string_equal(waits[nw - 1].station, "(end to end)");
    assert_true(nq >= ns && nq % ns == 0);

    for (size_t i = 0; i < nsys; i++)
        if (sys[i].total_arrivals != sys[i].total_departures + sys[i].in_system_end)
            fail_msg("replication %u: %llu arrived, %llu left, %llu still in the system",
                     sys[i].replication, (unsigned long long)sys[i].total_arrivals,
                     (unsigned long long)sys[i].total_departures,
                     (unsigned long long)sys[i].in_system_end);
    for (size_t i = 0; i < nr; i++)
        if (reps[i].all_arrivals != reps[i].all_departures + reps[i].in_system)
            fail_msg("replication %u, station %s: %llu arrived, %llu left, %llu there",
                     reps[i].replication, reps[i].station, (unsigned long long)reps[i].all_arrivals,
                     (unsigned long long)reps[i].all_departures,
                     (unsigned long long)reps[i].in_system);
    double officer = 0;
    for (size_t i = 0; i < ns; i++)
        officer += stations[i].officer_hours;
    assert_true(officer > 0);
    free(stations);
    free(classes);
    free(hourly);
    free(waits);
    free(queue);
    free(sys);
    free(reps);
    free(sum);
    H5Fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quickstart_file_exit_status),
        cmocka_unit_test(test_quickstart_file_schema),
        cmocka_unit_test(test_quickstart_file_stations),
        cmocka_unit_test(test_quickstart_file_plugins),
        cmocka_unit_test(test_quickstart_file_entity_tables),
        cmocka_unit_test(test_quickstart_file_checkpoint_tables),
    };
    return cmocka_run_group_tests(tests, run_quickstart, NULL);
}
