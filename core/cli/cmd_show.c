/* `borderlab show` and `borderlab plot`: what people read of a results
 * file (jobs/jobs.h's summary, plot/plot_checkpoint.h's plots). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "jobs/jobs.h"
#include "plot/plot_checkpoint.h"
#include "results/summary.h"

int bl_cmd_show(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-')
            return bl_cli_usage_error("unknown option '%s' for show", argv[i]);
        else if (path == NULL)
            path = argv[i];
        else
            return bl_cli_usage_error("show takes one results file; '%s' is extra", argv[i]);
    }
    if (path == NULL)
        return bl_cli_usage_error("%s", "show needs a results file, e.g. results/quickstart.h5");
    bl_error_t err;
    bl_error_clear(&err);
    cJSON *summary = NULL;
    if (bl_summary_load(path, &summary, &err) != 0)
        return bl_cli_fail(&err);
    if (json)
        bl_summary_print_json(summary, stdout);
    else
        bl_summary_print_text(summary, stdout);
    cJSON_Delete(summary);
    return EXIT_SUCCESS;
}

int bl_cmd_plot(int argc, char **argv) {
    bl_plot_options_t o = {NULL, NULL, true, false};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-d") == 0 || strcmp(a, "--dir") == 0) {
            if (i + 1 >= argc)
                return bl_cli_usage_error("%s needs a folder", a);
            o.dir = argv[++i];
        } else if (strcmp(a, "--no-svg") == 0) {
            o.svg = false;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (a[0] == '-') {
            return bl_cli_usage_error("unknown option '%s' for plot", a);
        } else if (o.results == NULL) {
            o.results = a;
        } else {
            return bl_cli_usage_error("plot takes one results file; '%s' is extra", a);
        }
    }
    if (o.results == NULL)
        return bl_cli_usage_error("%s", "plot needs a checkpoint results file, e.g. "
                                        "borderlab plot results/quickstart.h5");
    bl_error_t err;
    bl_error_clear(&err);
    size_t n = 0;
    if (bl_plot_checkpoint(&o, &n, &err) != 0)
        return bl_cli_fail(&err);
    return EXIT_SUCCESS;
}
