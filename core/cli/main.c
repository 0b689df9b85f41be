/*
 * borderlab: the command-line program.
 *
 *   borderlab run SCENARIO.lua [-o OUT.h5] [--set key=value]... [--threads N]
 *                 [--seed S] [--plugin role=FILE.so]... [--json] [--quiet]
 *                 [--sweep KEY=V1,V2,...]...
 *                 [--fail-under [MODEL:]METRIC=VALUE]... [--baseline FILE.h5]
 *   borderlab show OUT.h5 [--json]
 *   borderlab plot OUT.h5 [-d DIR] [--no-svg]
 *   borderlab plugin check FILE.so [--config key=value]...
 *   borderlab compare A.h5 [B.h5...] [-o OUT.h5] [--plot-dir DIR] [--json]
 *   borderlab version | help
 *
 * Exit codes: 0 success, 1 the run or check failed (bad input, plugin
 * refused, results not written), 2 wrong usage, 3 a risk_validation run
 * finished (results written) but a rollout gate failed.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/detector/compare.h"
#include "config.h"
#include "plugin/conformance.h"
#include "base/datadir.h"
#include "base/error.h"
#include "base/paths.h"
#include "plot/plot.h"
#include "plot/plot_checkpoint.h"
#include "jobs/jobs.h"
#include "scenario/scenario.h"
#include "results/summary.h"

#define EXIT_USAGE 2
#define EXIT_GATE 3

static const char usage_text[] =
    "usage:\n"
    "  borderlab run SCENARIO.lua [options]   run a scenario, write an HDF5 results file\n"
    "                                         (or a name: quickstart, an installed scenario)\n"
    "      -o, --output FILE.h5     results file (default results/<scenario name>.h5)\n"
    "      --set KEY=VALUE          override a parameter the scenario declares (repeatable)\n"
    "      --seed N                 override the scenario's seed\n"
    "      --threads N              worker threads for replications (default: all cores)\n"
    "      --plugin ROLE=FILE.so    use another plugin for detector, risk or store\n"
    "      --sweep KEY=V1,V2,...    checkpoint: run every value (repeatable: the grid of all\n"
    "                               combinations); KEY is STATION.FIELD (servers, threshold,\n"
    "                               find_probability, budget_per_hour, confirm_carrier,\n"
    "                               confirm_clean) or a parameter the scenario declares\n"
    "      --fail-under [MODEL:]METRIC=VALUE\n"
    "                               risk_validation: exit with status 3 when METRIC\n"
    "                               (precision@5, recall@10, revenue@2, auc, pr_auc) of\n"
    "                               MODEL (default: the first) is below VALUE (repeatable)\n"
    "      --baseline FILE.h5       risk_validation: compare each model with the first\n"
    "                               model of an earlier run on the same declarations\n"
    "      --json                   print the run summary as one JSON object on stdout\n"
    "      --quiet                  no progress line and no text summary\n"
    "  borderlab show FILE.h5 [--json]        print the summary of a results file\n"
    "  borderlab plot FILE.h5 [options]       draw the plots of a checkpoint results file\n"
    "      -d, --dir DIR            where the plots go (default: beside the results file)\n"
    "      --no-svg                 PNG only\n"
    "  borderlab plugin check FILE.so [--config KEY=VALUE]...\n"
    "                                         run the plugin conformance checks\n"
    "  borderlab compare A.h5 [B.h5...] [options]\n"
    "                                         compare the detectors of detector_bench runs\n"
    "      -o, --output FILE.h5     comparison file (default results/compare.h5)\n"
    "      --plot-dir DIR           where the ROC plot goes (default: beside the output)\n"
    "      --json                   print the comparison as one JSON object on stdout\n"
    "  borderlab version                      print the version\n";

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "borderlab: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'borderlab help' for usage)\n");
    return EXIT_USAGE;
}

static int fail(const bl_error_t *err) {
    fprintf(stderr, "borderlab: %s\n", err->message[0] ? err->message : bl_error_name(err->code));
    return EXIT_FAILURE;
}

/* Split "key=value" in place-free fashion: returns 0 and pointers into a
 * heap copy kept in *owned (caller frees). */
static int split_pair(const char *arg, char **owned, const char **key, const char **value) {
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return -1;
    *owned = strdup(arg);
    if (*owned == NULL)
        return -1;
    (*owned)[eq - arg] = '\0';
    *key = *owned;
    *value = *owned + (eq - arg) + 1;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Everything --set/--config/--plugin parsing allocates. */
typedef struct pairs {
    size_t n;
    char **owned;
    const char **keys;
    const char **values;
} pairs_t;

static int pairs_add(pairs_t *p, const char *arg) {
    char **owned = realloc(p->owned, (p->n + 1) * sizeof *owned);
    if (owned == NULL)
        return -1;
    p->owned = owned;
    const char **keys = realloc(p->keys, (p->n + 1) * sizeof *keys);
    if (keys == NULL)
        return -1;
    p->keys = keys;
    const char **values = realloc(p->values, (p->n + 1) * sizeof *values);
    if (values == NULL)
        return -1;
    p->values = values;
    if (split_pair(arg, &p->owned[p->n], &p->keys[p->n], &p->values[p->n]) != 0)
        return -1;
    p->n++;
    return 0;
}

static void pairs_free(pairs_t *p) {
    for (size_t i = 0; i < p->n; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p->keys);
    free(p->values);
}

static char *join_args(int argc, char **argv) {
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int role_by_name(const char *name) {
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (strcmp(name, bl_role_name(r)) == 0)
            return r;
    return -1;
}

/* A failed gate: one stderr line per gate, then the exit status for it. */
static int gate_failed(const bl_error_t *err) {
    const char *line = err->message;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        fprintf(stderr, "borderlab: %.*s\n", len, line);
        line += len + (end != NULL);
    }
    return EXIT_GATE;
}

static int cmd_run(int argc, char **argv) {
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    pairs_t sets = {0}, plugins = {0};
    const char **gates = calloc((size_t)argc, sizeof *gates);
    const char **sweeps = calloc((size_t)argc, sizeof *sweeps);
    size_t n_gates = 0, n_sweeps = 0;
    bl_sweep_t grid = {0, NULL};
    int status = EXIT_USAGE;
    char *command_line = join_args(argc, argv);
    char *scenario = NULL; /* the file the scenario argument names (base/datadir.h) */

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (next == NULL) {
                status = usage_error("%s needs a file name", a);
                goto out;
            }
            o.output = argv[++i];
        } else if (strcmp(a, "--set") == 0) {
            if (next == NULL || pairs_add(&sets, next) != 0) {
                status = usage_error("--set needs KEY=VALUE (got '%s')", next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--plugin") == 0) {
            if (next == NULL || pairs_add(&plugins, next) != 0) {
                status = usage_error("--plugin needs ROLE=FILE.so (got '%s')", next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(next, &o.seed) != 0) {
                status =
                    usage_error("--seed needs a non-negative integer (got '%s')", next ? next : "");
                goto out;
            }
            o.has_seed = true;
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            uint64_t t;
            if (parse_u64(next, &t) != 0 || t == 0 || t > 1024) {
                status = usage_error("--threads needs an integer from 1 to 1024 (got '%s')",
                                     next ? next : "");
                goto out;
            }
            o.threads = (unsigned)t;
            i++;
        } else if (strcmp(a, "--fail-under") == 0) {
            if (next == NULL || strchr(next, '=') == NULL || gates == NULL) {
                status = usage_error("--fail-under needs [MODEL:]METRIC=VALUE, e.g. "
                                     "precision@5=0.3 (got '%s')",
                                     next ? next : "");
                goto out;
            }
            gates[n_gates++] = argv[++i];
        } else if (strcmp(a, "--sweep") == 0) {
            bl_error_t e;
            bl_error_clear(&e);
            if (next == NULL || sweeps == NULL || bl_sweep_parse(&grid, next, &e) != 0) {
                status = usage_error("%s", next ? e.message
                                                : "--sweep needs KEY=V1,V2,..., e.g. "
                                                  "--sweep xray.servers=2,4,6");
                goto out;
            }
            sweeps[n_sweeps++] = argv[++i];
        } else if (strcmp(a, "--baseline") == 0) {
            if (next == NULL) {
                status = usage_error("%s needs a results file, e.g. results/cargo_risk.h5", a);
                goto out;
            }
            o.baseline = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o.json = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (a[0] == '-') {
            status = usage_error("unknown option '%s' for run", a);
            goto out;
        } else if (o.scenario_path == NULL) {
            o.scenario_path = a;
        } else {
            status = usage_error("run takes one scenario; '%s' is extra", a);
            goto out;
        }
    }
    if (o.scenario_path == NULL) {
        status = usage_error("%s", "run needs a scenario file, e.g. scenarios/quickstart.lua");
        goto out;
    }
    for (size_t i = 0; i < plugins.n; i++) {
        int r = role_by_name(plugins.keys[i]);
        if (r < 0) {
            status = usage_error("--plugin role '%s' is not one of detector, risk, store",
                                 plugins.keys[i]);
            goto out;
        }
        o.plugin_override[r] = plugins.values[i];
    }
    o.n_sets = sets.n;
    o.set_keys = sets.keys;
    o.set_values = sets.values;
    o.command_line = command_line;
    o.n_fail_under = n_gates;
    o.fail_under = gates;
    o.n_sweeps = n_sweeps;
    o.sweeps = sweeps;

    bl_error_t err;
    bl_error_clear(&err);
    /* `borderlab run quickstart`: an installed scenario found by name. */
    scenario = bl_datadir_find_scenario(o.scenario_path, &err);
    if (scenario == NULL) {
        status = fail(&err);
        goto out;
    }
    o.scenario_path = scenario;
    int rc = bl_run(&o, &err);
    status = rc == 0 ? EXIT_SUCCESS : rc == BL_RUN_GATE_FAILED ? gate_failed(&err) : fail(&err);
out:
    free(gates);
    free(sweeps);
    bl_sweep_fini(&grid);
    pairs_free(&sets);
    pairs_free(&plugins);
    free(command_line);
    free(scenario);
    return status;
}

static int cmd_show(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-')
            return usage_error("unknown option '%s' for show", argv[i]);
        else if (path == NULL)
            path = argv[i];
        else
            return usage_error("show takes one results file; '%s' is extra", argv[i]);
    }
    if (path == NULL)
        return usage_error("%s", "show needs a results file, e.g. results/quickstart.h5");
    bl_error_t err;
    bl_error_clear(&err);
    cJSON *summary = NULL;
    if (bl_summary_load(path, &summary, &err) != 0)
        return fail(&err);
    if (json)
        bl_summary_print_json(summary, stdout);
    else
        bl_summary_print_text(summary, stdout);
    cJSON_Delete(summary);
    return EXIT_SUCCESS;
}

static int cmd_plot(int argc, char **argv) {
    bl_plot_options_t o = {NULL, NULL, true, false};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-d") == 0 || strcmp(a, "--dir") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a folder", a);
            o.dir = argv[++i];
        } else if (strcmp(a, "--no-svg") == 0) {
            o.svg = false;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s' for plot", a);
        } else if (o.results == NULL) {
            o.results = a;
        } else {
            return usage_error("plot takes one results file; '%s' is extra", a);
        }
    }
    if (o.results == NULL)
        return usage_error("%s", "plot needs a checkpoint results file, e.g. "
                                 "borderlab plot results/quickstart.h5");
    bl_error_t err;
    bl_error_clear(&err);
    size_t n = 0;
    if (bl_plot_checkpoint(&o, &n, &err) != 0)
        return fail(&err);
    return EXIT_SUCCESS;
}

static int cmd_plugin(int argc, char **argv) {
    if (argc < 4 || strcmp(argv[2], "check") != 0)
        return usage_error("%s", "usage: borderlab plugin check FILE.so [--config KEY=VALUE]...");
    const char *path = argv[3];
    pairs_t config = {0};
    int status = EXIT_USAGE;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc &&
            pairs_add(&config, argv[i + 1]) == 0) {
            i++;
            continue;
        }
        status =
            usage_error("plugin check: unexpected argument '%s' (use --config KEY=VALUE)", argv[i]);
        goto out;
    }
    bl_error_t err;
    bl_error_clear(&err);
    bl_conformance_result_t result = {0, 0};
    printf("plugin check %s\n", path);
    if (bl_conformance_run(path, config.n, config.keys, config.values, stdout, &result, &err) !=
        0) {
        status = fail(&err);
        goto out;
    }
    printf("%u passed, %u failed\n", result.passed, result.failed);
    status = result.failed == 0 && result.passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
    pairs_free(&config);
    return status;
}

/* The ROC plot of a comparison as PNG and SVG in plot_dir (NULL: beside
 * out), named after out ("results/compare.h5" -> "compare-roc.png").  When
 * gnuplot is missing, a note goes to stderr and nothing else happens.
 * Returns 0 or a BL_E* code; the paths drawn are added to plots. */
static int compare_plots(const bl_compare_t *c, const char *out, const char *plot_dir, cJSON *plots,
                         bl_error_t *err) {
    if (!bl_plot_available(NULL, 0)) {
        fprintf(stderr, "borderlab: note: gnuplot is not on PATH, so no ROC plot was drawn "
                        "(install gnuplot-nox for one)\n");
        return 0;
    }
    int rc = 0;
    /* Beside out: out's folder, or none when out has no folder part. */
    char *dir = plot_dir ? strdup(plot_dir) : strchr(out, '/') ? bl_path_dir(out) : strdup("");
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".h5") == 0)
        len -= 3;
    static const struct {
        bl_plot_terminal_t terminal;
        const char *ext;
    } kinds[] = {{BL_PLOT_PNG, "png"}, {BL_PLOT_SVG, "svg"}};
    for (size_t i = 0; rc == 0 && i < sizeof kinds / sizeof kinds[0]; i++) {
        char name[512];
        snprintf(name, sizeof name, "%.*s-roc.%s", (int)len, base, kinds[i].ext);
        char *path = dir == NULL ? NULL : *dir ? bl_path_join(dir, name) : strdup(name);
        if (path == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        rc = bl_compare_plot_roc(c, kinds[i].terminal, path, err);
        if (rc == 0)
            cJSON_AddItemToArray(plots, cJSON_CreateString(path));
        free(path);
    }
    free(dir);
    return rc;
}

static int cmd_compare(int argc, char **argv) {
    const char *out = "results/compare.h5", *plot_dir = NULL;
    bool json = false;
    int status = EXIT_FAILURE;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n_files = 0;
    bl_compare_t *c = NULL;
    cJSON *plots = cJSON_CreateArray();
    char *command_line = join_args(argc, argv);
    bl_error_t err;
    bl_error_clear(&err);
    if (files == NULL || plots == NULL || command_line == NULL) {
        bl_error_set(&err, BL_ENOMEM, "out of memory");
        status = fail(&err);
        goto out;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--plot-dir") == 0) {
            if (i + 1 >= argc) {
                status = usage_error(
                    strcmp(a, "--plot-dir") == 0 ? "%s needs a folder" : "%s needs a file name", a);
                goto out;
            }
            if (strcmp(a, "--plot-dir") == 0)
                plot_dir = argv[++i];
            else
                out = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            status = usage_error("unknown option '%s' for compare", a);
            goto out;
        } else {
            files[n_files++] = a;
        }
    }
    if (n_files == 0) {
        status = usage_error("%s", "compare needs results files of detector_bench runs, e.g. "
                                   "borderlab compare a.h5 b.h5");
        goto out;
    }
    struct stat st;
    if (plot_dir != NULL && (stat(plot_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        bl_error_set(&err, BL_EINVAL, "--plot-dir %s is not a folder: create it or pass another",
                     plot_dir);
        status = fail(&err);
        goto out;
    }
    if (bl_compare_load(files, n_files, &c, &err) != 0 ||
        bl_compare_write(c, out, command_line, &err) != 0 ||
        compare_plots(c, out, plot_dir, plots, &err) != 0) {
        status = fail(&err);
        goto out;
    }
    if (json) {
        cJSON *o = bl_compare_json(c);
        if (o == NULL) {
            bl_error_set(&err, BL_ENOMEM, "out of memory");
            status = fail(&err);
            goto out;
        }
        cJSON_AddStringToObject(o, "output", out);
        cJSON_AddItemToObject(o, "plots", plots);
        plots = NULL;
        char *text = cJSON_Print(o);
        if (text != NULL)
            printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(o);
    } else {
        bl_compare_print_text(c, stdout);
        printf("\nwrote %s\n", out);
        const cJSON *p;
        cJSON_ArrayForEach(p, plots) printf("plot %s\n", p->valuestring);
    }
    status = EXIT_SUCCESS;
out:
    bl_compare_free(c);
    cJSON_Delete(plots);
    free(files);
    free(command_line);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage_error(
            "%s", "missing command: run, show, plot, plugin check, compare, version or help");
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(argc, argv);
    if (strcmp(cmd, "plot") == 0)
        return cmd_plot(argc, argv);
    if (strcmp(cmd, "plugin") == 0)
        return cmd_plugin(argc, argv);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("borderlab %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, BL_ABI_MAJOR, BL_ABI_MINOR);
        return EXIT_SUCCESS;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return EXIT_SUCCESS;
    }
    return usage_error("unknown command '%s'", cmd);
}
