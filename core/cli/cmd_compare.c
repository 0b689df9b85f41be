/* `borderlab compare`: the detectors of detector_bench runs side by side
 * (jobs/detector/compare.h), with the ROC plot. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "jobs/detector/compare.h"
#include "plot/plot.h"

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

int bl_cmd_compare(int argc, char **argv) {
    const char *out = "results/compare.h5", *plot_dir = NULL;
    bool json = false;
    int status = EXIT_FAILURE;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n_files = 0;
    bl_compare_t *c = NULL;
    cJSON *plots = cJSON_CreateArray();
    char *command_line = bl_cli_join_args(argc, argv);
    bl_error_t err;
    bl_error_clear(&err);
    if (files == NULL || plots == NULL || command_line == NULL) {
        bl_error_set(&err, BL_ENOMEM, "out of memory");
        status = bl_cli_fail(&err);
        goto out;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--plot-dir") == 0) {
            if (i + 1 >= argc) {
                status = bl_cli_usage_error(
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
            status = bl_cli_usage_error("unknown option '%s' for compare", a);
            goto out;
        } else {
            files[n_files++] = a;
        }
    }
    if (n_files == 0) {
        status =
            bl_cli_usage_error("%s", "compare needs results files of detector_bench runs, e.g. "
                                     "borderlab compare a.h5 b.h5");
        goto out;
    }
    struct stat st;
    if (plot_dir != NULL && (stat(plot_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        bl_error_set(&err, BL_EINVAL, "--plot-dir %s is not a folder: create it or pass another",
                     plot_dir);
        status = bl_cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; out != NULL && i < n_files; i++) /* an output never replaces an input */
        if (bl_path_same_file(out, files[i])) {
            bl_error_set(&err, BL_EINVAL,
                         "compare: output %s is one of the files compared: it would be "
                         "overwritten; pass another -o (nothing was written)",
                         out);
            status = bl_cli_fail(&err);
            goto out;
        }
    if (bl_compare_load(files, n_files, &c, &err) != 0 ||
        bl_compare_write(c, out, command_line, &err) != 0 ||
        compare_plots(c, out, plot_dir, plots, &err) != 0) {
        status = bl_cli_fail(&err);
        goto out;
    }
    if (json) {
        cJSON *o = bl_compare_json(c);
        if (o == NULL) {
            bl_error_set(&err, BL_ENOMEM, "out of memory");
            status = bl_cli_fail(&err);
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
