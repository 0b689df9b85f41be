/* `borderlab run`: the command line into bl_run_options_t, then the job
 * table's bl_run (jobs/jobs.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/datadir.h"
#include "cli/cli.h"
#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/jobs.h"

static int role_by_name(const char *name) {
    for (int r = 0; r < BL_ROLE_COUNT; r++)
        if (strcmp(name, bl_role_name(r)) == 0)
            return r;
    return -1;
}

/* A failed gate or an invalid plugin: one stderr line each, then the exit
 * status for it. */
static int finished_but(const bl_error_t *err, int status) {
    const char *line = err->message;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        fprintf(stderr, "borderlab: %.*s\n", len, line);
        line += len + (end != NULL);
    }
    return status;
}

int bl_cmd_run(int argc, char **argv) {
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    bl_cli_pairs_t sets = {0}, plugins = {0}, plugin_config = {0};
    const char **gates = calloc((size_t)argc, sizeof *gates);
    const char **sweeps = calloc((size_t)argc, sizeof *sweeps);
    size_t n_gates = 0, n_sweeps = 0;
    bl_sweep_t grid = {0, NULL};
    int status = BL_EXIT_USAGE;
    char *command_line = bl_cli_join_args(argc, argv);
    char *scenario = NULL; /* the file the scenario argument names (base/datadir.h) */

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (next == NULL) {
                status = bl_cli_usage_error("%s needs a file name", a);
                goto out;
            }
            o.output = argv[++i];
        } else if (strcmp(a, "--set") == 0) {
            if (next == NULL || bl_cli_pairs_add(&sets, next) != 0) {
                status = bl_cli_usage_error("--set needs KEY=VALUE (got '%s')", next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--plugin") == 0) {
            if (next == NULL || bl_cli_pairs_add(&plugins, next) != 0) {
                status =
                    bl_cli_usage_error("--plugin needs ROLE=FILE.so (got '%s')", next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (bl_cli_parse_u64(next, &o.seed) != 0) {
                status = bl_cli_usage_error("--seed needs a non-negative integer (got '%s')",
                                            next ? next : "");
                goto out;
            }
            o.has_seed = true;
            i++;
        } else if (strcmp(a, "--plugin-config") == 0) {
            if (next == NULL || bl_cli_pairs_add(&plugin_config, next) != 0) {
                status = bl_cli_usage_error("--plugin-config needs KEY=VALUE (got '%s')",
                                            next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--isolation") == 0) {
            if (next != NULL && strcmp(next, "process") == 0)
                o.isolation = 1;
            else if (next != NULL && strcmp(next, "none") == 0)
                o.isolation = 2;
            else {
                status = bl_cli_usage_error("--isolation needs process or none (got '%s')",
                                            next ? next : "");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            uint64_t t;
            if (bl_cli_parse_u64(next, &t) != 0 || t == 0 || t > 1024) {
                status = bl_cli_usage_error("--threads needs an integer from 1 to 1024 (got '%s')",
                                            next ? next : "");
                goto out;
            }
            o.threads = (unsigned)t;
            i++;
        } else if (strcmp(a, "--fail-under") == 0) {
            if (next == NULL || strchr(next, '=') == NULL || gates == NULL) {
                status = bl_cli_usage_error("--fail-under needs [MODEL:]METRIC=VALUE, e.g. "
                                            "precision@5=0.3 (got '%s')",
                                            next ? next : "");
                goto out;
            }
            gates[n_gates++] = argv[++i];
        } else if (strcmp(a, "--sweep") == 0) {
            bl_error_t e;
            bl_error_clear(&e);
            if (next == NULL || sweeps == NULL || bl_sweep_parse(&grid, next, &e) != 0) {
                status = bl_cli_usage_error("%s", next ? e.message
                                                       : "--sweep needs KEY=V1,V2,..., e.g. "
                                                         "--sweep xray.servers=2,4,6");
                goto out;
            }
            sweeps[n_sweeps++] = argv[++i];
        } else if (strcmp(a, "--baseline") == 0) {
            if (next == NULL) {
                status =
                    bl_cli_usage_error("%s needs a results file, e.g. results/cargo_risk.h5", a);
                goto out;
            }
            o.baseline = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o.json = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (a[0] == '-') {
            status = bl_cli_usage_error("unknown option '%s' for run", a);
            goto out;
        } else if (o.scenario_path == NULL) {
            o.scenario_path = a;
        } else {
            status = bl_cli_usage_error("run takes one scenario; '%s' is extra", a);
            goto out;
        }
    }
    if (o.scenario_path == NULL) {
        status =
            bl_cli_usage_error("%s", "run needs a scenario file, e.g. scenarios/quickstart.lua");
        goto out;
    }
    for (size_t i = 0; i < plugins.n; i++) {
        /* ROLE=SPEC replaces, ROLE+=SPEC adds (a vendor beside the reference detectors) */
        char key[64];
        snprintf(key, sizeof key, "%s", plugins.keys[i]);
        size_t len = strlen(key);
        bool append = len > 0 && key[len - 1] == '+';
        if (append)
            key[len - 1] = '\0';
        int r = role_by_name(key);
        if (r < 0) {
            status =
                bl_cli_usage_error("--plugin role '%s' is not one of detector, risk, store", key);
            goto out;
        }
        o.plugin_override[r] = plugins.values[i];
        o.plugin_append[r] = append;
    }
    if (plugin_config.n > 0 && plugins.n == 0) {
        status = bl_cli_usage_error("%s", "--plugin-config configures the plugin --plugin names: "
                                          "give --plugin ROLE=FILE.so too");
        goto out;
    }
    o.n_plugin_config = plugin_config.n;
    o.plugin_config_keys = plugin_config.keys;
    o.plugin_config_values = plugin_config.values;
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
        status = bl_cli_fail(&err);
        goto out;
    }
    o.scenario_path = scenario;
    int rc = bl_run(&o, &err);
    status = rc == 0                       ? EXIT_SUCCESS
             : rc == BL_RUN_GATE_FAILED    ? finished_but(&err, BL_EXIT_GATE)
             : rc == BL_RUN_PLUGIN_INVALID ? finished_but(&err, BL_EXIT_PLUGIN_INVALID)
                                           : bl_cli_fail(&err);
out:
    free(gates);
    free(sweeps);
    bl_sweep_fini(&grid);
    bl_cli_pairs_free(&sets);
    bl_cli_pairs_free(&plugins);
    bl_cli_pairs_free(&plugin_config);
    free(command_line);
    free(scenario);
    return status;
}
