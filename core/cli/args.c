/* The helpers the commands share: see cli.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int bl_cli_usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "borderlab: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'borderlab help' for usage)\n");
    return BL_EXIT_USAGE;
}

int bl_cli_fail(const bl_error_t *err) {
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

int bl_cli_parse_u64(const char *s, uint64_t *out) {
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

int bl_cli_pairs_add(bl_cli_pairs_t *p, const char *arg) {
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

void bl_cli_pairs_free(bl_cli_pairs_t *p) {
    for (size_t i = 0; i < p->n; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p->keys);
    free(p->values);
}

char *bl_cli_join_args(int argc, char **argv) {
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
