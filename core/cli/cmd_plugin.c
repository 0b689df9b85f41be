/* `borderlab plugin check`: the conformance checks a vendor runs before
 * handing a library over (plugin/conformance.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plugin/conformance.h"

int bl_cmd_plugin(int argc, char **argv) {
    if (argc < 4 || strcmp(argv[2], "check") != 0)
        return bl_cli_usage_error("%s",
                                  "usage: borderlab plugin check FILE.so [--config KEY=VALUE]...");
    const char *path = argv[3];
    bl_cli_pairs_t config = {0};
    int status = BL_EXIT_USAGE;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc &&
            bl_cli_pairs_add(&config, argv[i + 1]) == 0) {
            i++;
            continue;
        }
        status = bl_cli_usage_error(
            "plugin check: unexpected argument '%s' (use --config KEY=VALUE)", argv[i]);
        goto out;
    }
    bl_error_t err;
    bl_error_clear(&err);
    bl_conformance_result_t result = {0, 0};
    printf("plugin check %s\n", path);
    if (bl_conformance_run(path, config.n, config.keys, config.values, stdout, &result, &err) !=
        0) {
        status = bl_cli_fail(&err);
        goto out;
    }
    printf("%u passed, %u failed\n", result.passed, result.failed);
    status = result.failed == 0 && result.passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
    bl_cli_pairs_free(&config);
    return status;
}
