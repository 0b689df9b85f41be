/*
 * borderlab: the command-line program.  One row per command in the table
 * below: its name, its handler (cmd_*.c) and its lines of `borderlab help`.
 * Exit codes are in cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "borderlab/plugin.h"
#include "cli/cli.h"
#include "config.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const bl_command_t commands[] = {
    {"run", bl_cmd_run,
     "  borderlab run SCENARIO.lua [options]   run a scenario, write an HDF5 results file\n"
     "                                         (or a name: quickstart, an installed scenario)\n"
     "      -o, --output FILE.h5     results file (default results/<scenario name>.h5)\n"
     "      --set KEY=VALUE          override a parameter the scenario declares (repeatable)\n"
     "      --seed N                 override the scenario's seed\n"
     "      --threads N              worker threads for replications (default: all cores)\n"
     "      --plugin ROLE=FILE.so    use another plugin for detector, risk or store;\n"
     "                               ROLE+=FILE.so adds a detector or risk model beside\n"
     "                               the scenario's (a file runs isolated: README \"Trust\")\n"
     "      --plugin-config KEY=VALUE\n"
     "                               configuration of the plugin --plugin names, and its\n"
     "                               limits (timeout, item_timeout, memory_limit,\n"
     "                               max_failures, writable, cpus; repeatable)\n"
     "      --isolation MODE         process (every plugin in a sandboxed plugin host\n"
     "                               process) or none (every plugin inside borderlab)\n"
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
     "      --quiet                  no progress line and no text summary\n"},
    {"show", bl_cmd_show,
     "  borderlab show FILE.h5 [--json]        print the summary of a results file\n"},
    {"plot", bl_cmd_plot,
     "  borderlab plot FILE.h5 [options]       draw the plots of a checkpoint results file\n"
     "      -d, --dir DIR            where the plots go (default: beside the results file)\n"
     "      --no-svg                 PNG only\n"},
    {"plugin", bl_cmd_plugin,
     "  borderlab plugin check FILE.so [--config KEY=VALUE]...\n"
     "                                         run the plugin conformance checks\n"},
    {"compare", bl_cmd_compare,
     "  borderlab compare A.h5 [B.h5...] [options]\n"
     "                                         compare the detectors of detector_bench runs\n"
     "      -o, --output FILE.h5     comparison file (default results/compare.h5)\n"
     "      --plot-dir DIR           where the ROC plot goes (default: beside the output)\n"
     "      --json                   print the comparison as one JSON object on stdout\n"},
    {"fields", bl_cmd_fields,
     "  borderlab fields [bl.NAME] [--markdown]\n"
     "                                         the scenario reference: every constructor's\n"
     "                                         fields, defaults and meaning\n"},
    {"version", cmd_version, "  borderlab version                      print the version\n"},
    {"help", cmd_help, NULL},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("borderlab %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, BL_ABI_MAJOR, BL_ABI_MINOR);
    return EXIT_SUCCESS;
}

static int cmd_help(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fputs("usage:\n", stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].usage != NULL)
            fputs(commands[i].usage, stdout);
    return EXIT_SUCCESS;
}

/* "run, show, ..." for the missing-command message. */
static void command_names(char *buf, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_COMMANDS && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", commands[i].name);
}

int main(int argc, char **argv) {
    char names[200];
    command_names(names, sizeof names);
    if (argc < 2) {
        char what[260];
        snprintf(what, sizeof what, "missing command: %s", names);
        return bl_cli_usage_error("%s", what);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0)
        cmd = "version";
    else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        cmd = "help";
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc, argv);
    return bl_cli_usage_error("unknown command '%s'", cmd);
}
