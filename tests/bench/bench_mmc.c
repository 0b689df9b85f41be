/*
 * make bench: the M/M/c model (lambda 9/s, mu 1/s, c = 10) through the real
 * scenario path (borderlab run scenarios/validation/mmc.lua), timed as a
 * user would see it, with peak RSS from wait4().
 *
 *   1. 1,000,000 customers, one replication, per-entity table off:
 *      customers/s and events/s (target: >= 5 million customers/s).
 *   2. 10,000,000 customers, table off (target: peak RSS < 50 MB) and
 *      table on (target: < 200 MB).
 *   3. The peers, measured in this run: the same model as a hand-written
 *      one-file C event loop (tests/bench/mmc_loop.c) and in SimPy (when
 *      python3-simpy is installed), with the ratio of the rates.
 *
 * usage: bench_mmc BORDERLAB SRCDIR MMC_LOOP
 */
#include <cjson/cJSON.h>

#include "bench_child.h"

#define REPEAT 5
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double number(const cJSON *obj, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b != NULL)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

static int borderlab(const char *prog, const char *scenario, const char *out, long customers,
                     const char *table, measure_t *m) {
    char customers_set[64], table_set[64];
    snprintf(customers_set, sizeof customers_set, "customers=%ld", customers);
    snprintf(table_set, sizeof table_set, "entity_table=%s", table);
    char *argv[] = {(char *)prog,
                    "run",
                    (char *)scenario,
                    "-o",
                    (char *)out,
                    "--set",
                    "replications=1",
                    "--set",
                    customers_set,
                    "--set",
                    "warmup=0",
                    "--set",
                    table_set,
                    "--threads",
                    "1",
                    "--json",
                    "--quiet",
                    NULL};
    return bench_run(argv, m);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bench_mmc BORDERLAB SRCDIR MMC_LOOP\n");
        return 2;
    }
    const char *prog = argv[1];
    char scenario[4096], out[4096];
    snprintf(scenario, sizeof scenario, "%s/scenarios/validation/mmc.lua", argv[2]);
    snprintf(out, sizeof out, "/tmp/borderlab-bench-%ld.h5", (long)getpid());
    int status = 0;
    measure_t m;

    printf("M/M/c (lambda 9/s, mu 1/s, c=10) through `borderlab run %s`\n", scenario);
    /* Short runs are noisy on a shared machine: report the median of REPEAT. */
    const long n1 = 1000000;
    measure_t runs[REPEAT];
    for (int r = 0; r < REPEAT; r++)
        if (borderlab(prog, scenario, out, n1, "false", &runs[r]) != 0) {
            fprintf(stderr, "bench_mmc: borderlab run failed\n");
            return 1;
        }
    qsort(runs, REPEAT, sizeof runs[0], bench_by_wall);
    m = runs[REPEAT / 2];
    double events = number(m.json, "system", "events");
    double sim_wall = number(m.json, "wall_seconds", NULL);
    double ours = n1 / m.wall;
    printf("  1,000,000 customers, table off, median of %d runs: %.3f s wall (simulation %.3f s; "
           "fastest %.3f s, slowest %.3f s)\n",
           REPEAT, m.wall, sim_wall, runs[0].wall, runs[REPEAT - 1].wall);
    printf("    customers/s: %.2f million (whole process)   %.2f million (simulation only)\n",
           ours / 1e6, sim_wall > 0 ? n1 / sim_wall / 1e6 : 0);
    printf("    events/s:    %.2f million (whole process)\n", events / m.wall / 1e6);
    printf("    peak RSS:    %.1f MB\n", m.peak_rss_kb / 1024.0);
    printf("    target >= 5 million customers/s: %s\n", ours >= 5e6 ? "met" : "NOT MET");
    for (int r = 0; r < REPEAT; r++)
        cJSON_Delete(runs[r].json);

    const long n10 = 10000000;
    const char *tables[] = {"false", "true"};
    const double limits_mb[] = {50, 200};
    for (int t = 0; t < 2; t++) {
        if (borderlab(prog, scenario, out, n10, tables[t], &m) != 0) {
            fprintf(stderr, "bench_mmc: borderlab run (10M, table %s) failed\n", tables[t]);
            return 1;
        }
        double mb = m.peak_rss_kb / 1024.0;
        printf("  10,000,000 customers, table %-5s: %.2f s, peak RSS %.1f MB (target < %.0f MB: "
               "%s)\n",
               tables[t], m.wall, mb, limits_mb[t], mb < limits_mb[t] ? "met" : "NOT MET");
        cJSON_Delete(m.json);
    }
    unlink(out);

    /* The peers, in the same run. */
    char *loop[] = {argv[3], "1000000", "1", NULL};
    double loop_walls[REPEAT];
    for (int r = 0; r < REPEAT; r++) {
        if (bench_run(loop, &m) != 0 || m.json == NULL) {
            fprintf(stderr, "bench_mmc: %s failed\n", argv[3]);
            return 1;
        }
        loop_walls[r] = number(m.json, "wall_seconds", NULL);
        cJSON_Delete(m.json);
    }
    qsort(loop_walls, REPEAT, sizeof loop_walls[0], by_double);
    double loop_rate = n1 / loop_walls[REPEAT / 2];
    printf("  hand-written C event loop (1,000,000 customers, median of %d): %.2f million "
           "customers/s\n",
           REPEAT, loop_rate / 1e6);
    printf("  ratio borderlab / hand-written loop: %.2f (whole process), %.2f (simulation only)\n",
           ours / loop_rate, sim_wall > 0 ? n1 / sim_wall / loop_rate : 0);

    char simpy_script[4096];
    snprintf(simpy_script, sizeof simpy_script, "%s/tests/bench/mmc_simpy.py", argv[2]);
    const char *pythons[] = {"python3", "/usr/bin/python3"};
    int ran = 0;
    for (int p = 0; p < 2 && !ran; p++) {
        char *check[] = {(char *)pythons[p], "-c",
                         "import importlib.util as u, sys; "
                         "sys.exit(not (u.find_spec('simpy') or u.find_spec('SimPy')))",
                         NULL};
        measure_t probe;
        if (bench_run(check, &probe) != 0)
            continue;
        const long n_simpy = 200000;
        char n_text[32];
        snprintf(n_text, sizeof n_text, "%ld", n_simpy);
        char *py[] = {(char *)pythons[p], simpy_script, n_text, "1", NULL};
        if (bench_run(py, &m) != 0 || m.json == NULL) {
            fprintf(stderr, "bench_mmc: the SimPy model failed\n");
            status = 1;
            break;
        }
        double simpy_rate = n_simpy / number(m.json, "wall_seconds", NULL);
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(m.json, "simpy");
        printf("  %s (%s, %ld customers): %.3f million customers/s\n",
               cJSON_IsString(version) ? version->valuestring : "SimPy", pythons[p], n_simpy,
               simpy_rate / 1e6);
        printf("  ratio borderlab / SimPy: %.1fx\n", ours / simpy_rate);
        cJSON_Delete(m.json);
        ran = 1;
    }
    if (!ran)
        printf("  SimPy: not installed (apt-get install python3-simpy), no ratio\n");
    return status;
}
