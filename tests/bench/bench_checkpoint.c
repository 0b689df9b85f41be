/*
 * make bench: checkpoint planning through the real program, timed as a user
 * would see it, with peak RSS from wait4().
 *
 *   1. scenarios/land_crossing_peak.lua, one simulated day (one
 *      replication, one thread) with the plugins in the loop: the real
 *      dual_energy detector on 64 x 64 synthetic scans, the logistic risk
 *      model and the memory seizure store: entities/s and events/s; then
 *      the scenario as shipped (10 days on 2 threads).
 *   2. Surrogate mode: scenarios/surrogate_year.lua, 100,000,000
 *      travellers (a year at a very large crossing) in 10 replications on
 *      2 threads, per-entity table off, hourly series, the logistic risk
 *      model in the loop and the X-ray detector replaced by a surrogate
 *      built from a small detector_bench run this bench makes first.
 *      Targets: peak RSS < 500 MB and >= 2 million travellers/s.
 *
 * Run with top_builddir and top_srcdir set (make bench does).  Temporary
 * files live in a folder under /tmp, removed at the end.
 */
#include <cjson/cJSON.h>

#include "bench_child.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEAT 3                  /* runs of the one-day figure; the median is shown */
#define YEAR_TRAVELLERS 100000000 /* travellers in the surrogate run */
#define RSS_TARGET_MB 500.0
#define RATE_TARGET 2e6 /* travellers/s */

/* obj.a.b as a number, or -1 when missing. */
static double number(const cJSON *obj, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b != NULL)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

/* A small detector_bench scenario: the surrogate's source (1,000 bags at
 * 64 x 64, the dual_energy detector, single-stream latency). */
static const char surrogate_source[] =
    "local threats = {}\n"
    "for _, name in ipairs { 'firearm', 'knife', 'explosive', 'drugs', 'cigarettes',\n"
    "    'currency', 'metal' } do threats[name] = 0.04 end\n"
    "return bl.detector_bench {\n"
    "    name = 'surrogate_source', seed = 11, scans = 1000,\n"
    "    generator = bl.xray { width = 64, height = 64, subject = 'bag',\n"
    "        prevalence = threats },\n"
    "    detectors = { bl.plugin { 'dual_energy' } },\n"
    "    performance = { pool = 64, single_stream = { queries = 200 } },\n"
    "}\n";

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

static void show_failure(const char *what, const char *err_path) {
    fprintf(stderr, "bench_checkpoint: %s failed", what);
    FILE *f = fopen(err_path, "r");
    if (f != NULL) {
        char line[512];
        fputs(":\n", stderr);
        for (int i = 0; i < 10 && fgets(line, sizeof line, f) != NULL; i++)
            fprintf(stderr, "    %s", line);
        fclose(f);
    } else {
        fputc('\n', stderr);
    }
}

/* borderlab run with stderr to err_path (the child inherits it). */
static int borderlab(char *const argv[], const char *err_path, measure_t *m) {
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *err = fopen(err_path, "w");
    if (saved < 0 || err == NULL) {
        if (err != NULL)
            fclose(err);
        if (saved >= 0)
            close(saved);
        return -1;
    }
    dup2(fileno(err), STDERR_FILENO);
    fclose(err);
    int rc = bench_run(argv, m);
    dup2(saved, STDERR_FILENO);
    close(saved);
    return rc;
}

static int land_crossing(const char *prog, const char *srcdir, const char *dir) {
    char scenario[4096], out[4096], err[4096];
    snprintf(scenario, sizeof scenario, "%s/scenarios/land_crossing_peak.lua", srcdir);
    snprintf(out, sizeof out, "%s/land.h5", dir);
    snprintf(err, sizeof err, "%s/land.err", dir);
    char *one_day[] = {(char *)prog, "run",    (char *)scenario, "-o",
                       out,          "--set",  "replications=1", "--threads",
                       "1",          "--json", "--quiet",        NULL};
    measure_t runs[REPEAT];
    printf("land_crossing_peak (`borderlab run %s`), plugins in the loop\n", scenario);
    for (int r = 0; r < REPEAT; r++)
        if (borderlab(one_day, err, &runs[r]) != 0) {
            show_failure("land_crossing_peak", err);
            for (int i = 0; i <= r; i++)
                cJSON_Delete(runs[i].json);
            return -1;
        }
    qsort(runs, REPEAT, sizeof runs[0], bench_by_wall);
    measure_t *m = &runs[REPEAT / 2];
    double entities = number(m->json, "system", "entities");
    double travellers = number(m->json, "system", "travellers");
    double events = number(m->json, "system", "events");
    double sim = number(m->json, "wall_seconds", NULL);
    printf("  one day (1 replication, 1 thread), median of %d: %.3f s wall (simulation %.3f s)\n",
           REPEAT, m->wall, sim);
    printf("    %.0f entities", entities);
    if (travellers > 0)
        printf(" (%.0f travellers)", travellers);
    printf(", %.0f events\n", events);
    printf("    entities/s: %.0f (whole process)   %.0f (simulation only)\n", entities / m->wall,
           sim > 0 ? entities / sim : 0);
    printf("    events/s:   %.2f million (whole process)   %.2f million (simulation only)\n",
           events / m->wall / 1e6, sim > 0 ? events / sim / 1e6 : 0);
    printf("    peak RSS:   %.1f MB\n", m->peak_rss_kb / 1024.0);
    for (int r = 0; r < REPEAT; r++)
        cJSON_Delete(runs[r].json);

    char *shipped[] = {(char *)prog, "run", (char *)scenario, "-o",      out,
                       "--threads",  "2",   "--json",         "--quiet", NULL};
    measure_t all;
    if (borderlab(shipped, err, &all) != 0) {
        show_failure("land_crossing_peak (10 replications)", err);
        cJSON_Delete(all.json);
        return -1;
    }
    printf("  as shipped (%.0f replications, 2 threads): %.2f s wall, %.0f entities/s, peak RSS "
           "%.1f MB\n",
           number(all.json, "replications", NULL), all.wall,
           number(all.json, "system", "entities") / all.wall, all.peak_rss_kb / 1024.0);
    cJSON_Delete(all.json);
    return 0;
}

static int surrogate_year(const char *prog, const char *srcdir, const char *dir) {
    char source[4096], bench_out[4096], scenario[4096], out[4096], err[4096];
    snprintf(source, sizeof source, "%s/surrogate_source.lua", dir);
    snprintf(bench_out, sizeof bench_out, "%s/surrogate_source.h5", dir);
    snprintf(scenario, sizeof scenario, "%s/scenarios/surrogate_year.lua", srcdir);
    snprintf(out, sizeof out, "%s/year.h5", dir);
    snprintf(err, sizeof err, "%s/year.err", dir);
    if (write_file(source, surrogate_source) != 0) {
        fprintf(stderr, "bench_checkpoint: cannot write %s\n", source);
        return -1;
    }
    measure_t m;
    char *make[] = {(char *)prog, "run", source, "-o", bench_out, "--quiet", NULL};
    if (borderlab(make, err, &m) != 0) {
        show_failure("the surrogate's detector_bench run", err);
        cJSON_Delete(m.json);
        return -1;
    }
    cJSON_Delete(m.json);
    printf("surrogate mode (`borderlab run %s`)\n", scenario);
    printf("  surrogate: dual_energy on 1,000 bags of 64 x 64 (detector_bench, %.1f s)\n", m.wall);

    char surrogate_set[4200], travellers_set[64];
    snprintf(surrogate_set, sizeof surrogate_set, "surrogate=%s", bench_out);
    snprintf(travellers_set, sizeof travellers_set, "travellers=%d", YEAR_TRAVELLERS);
    char *year[] = {(char *)prog,
                    "run",
                    scenario,
                    "-o",
                    out,
                    "--set",
                    surrogate_set,
                    "--set",
                    travellers_set,
                    "--set",
                    "replications=10",
                    "--threads",
                    "2",
                    "--json",
                    "--quiet",
                    NULL};
    if (borderlab(year, err, &m) != 0) {
        show_failure("surrogate_year", err);
        cJSON_Delete(m.json);
        return -1;
    }
    double entities = number(m.json, "system", "entities");
    double travellers = number(m.json, "system", "travellers");
    if (travellers <= 0)
        travellers = entities; /* one traveller an entity in this scenario */
    double events = number(m.json, "system", "events");
    double sim = number(m.json, "wall_seconds", NULL);
    double mb = m.peak_rss_kb / 1024.0, rate = travellers / m.wall;
    printf("  %.0f travellers (%.0f entities) in 10 replications on 2 threads: %.2f s wall "
           "(simulation %.2f s), %.0f million events\n",
           travellers, entities, m.wall, sim, events / 1e6);
    printf("    travellers/s: %.2f million (whole process)   %.2f million (simulation only)\n",
           rate / 1e6, sim > 0 ? travellers / sim / 1e6 : 0);
    printf("    CPU %.2f s (user + system, %.2f cores busy on average; %.2f million travellers "
           "per CPU second)\n",
           m.cpu, m.wall > 0 ? m.cpu / m.wall : 0, m.cpu > 0 ? travellers / m.cpu / 1e6 : 0);
    double load[1];
    if (getloadavg(load, 1) == 1)
        printf("    load average now %.2f on %ld cores (other work slows the wall-clock figures)\n",
               load[0], sysconf(_SC_NPROCESSORS_ONLN));
    printf("    seizures %.0f, alarms %.0f, selected %.0f\n", number(m.json, "system", "seizures"),
           number(m.json, "system", "alarms"), number(m.json, "system", "selected"));
    printf("    peak RSS: %.1f MB (target < %.0f MB: target %s)\n", mb, RSS_TARGET_MB,
           mb < RSS_TARGET_MB ? "met" : "missed");
    printf("    rate (target >= %.0f million travellers/s: target %s)\n", RATE_TARGET / 1e6,
           rate >= RATE_TARGET ? "met" : "missed");
    cJSON_Delete(m.json);
    return 0;
}

int main(void) {
    const char *builddir = getenv("top_builddir"), *srcdir = getenv("top_srcdir");
    if (builddir == NULL || srcdir == NULL) {
        fprintf(stderr, "bench_checkpoint: set top_builddir and top_srcdir (make bench does)\n");
        return 2;
    }
    char prog[4096], dir[] = "/tmp/borderlab-bench-checkpoint-XXXXXX";
    snprintf(prog, sizeof prog, "%s/borderlab", builddir);
    if (mkdtemp(dir) == NULL) {
        perror("bench_checkpoint: mkdtemp");
        return 1;
    }
    int status = 0;
    if (land_crossing(prog, srcdir, dir) != 0)
        status = 1;
    if (surrogate_year(prog, srcdir, dir) != 0)
        status = 1;
    const char *names[] = {"land.h5", "land.err", "surrogate_source.lua", "surrogate_source.h5",
                           "year.h5", "year.err"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return status;
}
