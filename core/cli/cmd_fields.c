/* `borderlab fields [bl.NAME] [--markdown]`: the scenario reference, every
 * constructor's fields with their defaults and what they mean, printed from
 * the field tables themselves (scenario/fields.h), so it cannot drift from
 * what a scenario may write.  --markdown is the README's reference. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "jobs/jobs.h"
#include "scenario/fields.h"

int bl_cmd_fields(int argc, char **argv) {
    bool markdown = false;
    const char *only = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0)
            markdown = true;
        else if (argv[i][0] == '-')
            return bl_cli_usage_error("unknown option '%s' for fields", argv[i]);
        else if (only == NULL)
            only = argv[i];
        else
            return bl_cli_usage_error("fields takes one constructor; '%s' is extra", argv[i]);
    }
    if (bl_fields_print(stdout, bl_jobs_kinds(), markdown, only) != 0) {
        fprintf(stderr,
                "borderlab: fields: no constructor '%s' (names such as bl.checkpoint, "
                "bl.station, bl.xray; borderlab fields lists them all)\n",
                only);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
