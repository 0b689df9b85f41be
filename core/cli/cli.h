/*
 * The command-line program's parts: the command table (main.c) and each
 * command's argument handling (cmd_*.c), with the helpers they share.
 * Private to core/cli.
 *
 * Exit codes: 0 success, 1 the run or check failed (bad input, plugin
 * refused, results not written), 2 wrong usage, 3 a risk_validation run
 * finished (results written) but a rollout gate failed.
 */
#ifndef BL_CLI_H
#define BL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define BL_EXIT_USAGE 2
#define BL_EXIT_GATE 3
#define BL_EXIT_PLUGIN_INVALID 4 /* the run finished, but a plugin's verdict is INVALID */

/* One command of `borderlab`: a row of the command table. */
typedef struct bl_command {
    const char *name;                  /* "run" */
    int (*run)(int argc, char **argv); /* argv[1] is the command; returns the exit code */
    const char *usage;                 /* its lines of `borderlab help` */
} bl_command_t;

/* The commands (cmd_*.c). */
int bl_cmd_run(int argc, char **argv);
int bl_cmd_show(int argc, char **argv);
int bl_cmd_plot(int argc, char **argv);
int bl_cmd_plugin(int argc, char **argv);
int bl_cmd_compare(int argc, char **argv);
int bl_cmd_fields(int argc, char **argv);

/* "borderlab: <fmt with arg>" and the hint to run help on stderr;
 * returns BL_EXIT_USAGE. */
int bl_cli_usage_error(const char *fmt, const char *arg);

/* "borderlab: <message>" on stderr; returns EXIT_FAILURE. */
int bl_cli_fail(const bl_error_t *err);

/* Repeated KEY=VALUE arguments (--set, --plugin, --config); everything is
 * owned by the struct. */
typedef struct bl_cli_pairs {
    size_t n;
    char **owned;
    const char **keys;
    const char **values;
} bl_cli_pairs_t;

/* Add "key=value" (split at the first '='); -1 when it has no '=' or an
 * empty key, or memory runs out. */
int bl_cli_pairs_add(bl_cli_pairs_t *p, const char *arg);
void bl_cli_pairs_free(bl_cli_pairs_t *p);

/* A non-negative decimal integer; -1 otherwise. */
int bl_cli_parse_u64(const char *s, uint64_t *out);

/* The arguments joined by spaces (heap), for the results' command_line. */
char *bl_cli_join_args(int argc, char **argv);

#endif
