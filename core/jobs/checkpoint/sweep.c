/* Sweep grids (`--sweep KEY=V1,V2,...`): see checkpoint_run.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/checkpoint/checkpoint_run.h"

/* A heap copy of s[0..n-1] without leading and trailing blanks. */
static char *trimmed_copy(const char *s, size_t n) {
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    char *out = malloc(n + 1);
    if (out != NULL) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

static void axis_fini(bl_sweep_axis_t *a) {
    free(a->key);
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    memset(a, 0, sizeof *a);
}

static int bad_form(bl_error_t *err, const char *arg, const char *why) {
    return bl_error_set(err, BL_EINVAL,
                        "--sweep %s: %s; give KEY=V1,V2,... with KEY a station field "
                        "(xray.servers) or a parameter of the scenario, e.g. "
                        "--sweep xray.servers=2,4,6",
                        arg, why);
}

int bl_sweep_parse(bl_sweep_t *sw, const char *arg, bl_error_t *err) {
    bl_sweep_axis_t a;
    memset(&a, 0, sizeof a);
    const char *eq = arg ? strchr(arg, '=') : NULL;
    if (eq == NULL)
        return bad_form(err, arg ? arg : "", "no '='");
    int rc = 0;
    if ((a.key = trimmed_copy(arg, (size_t)(eq - arg))) == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    if (a.key[0] == '\0') {
        rc = bad_form(err, arg, "the key before '=' is empty");
        goto out;
    }
    for (size_t i = 0; i < sw->n_axes; i++)
        if (strcmp(sw->axes[i].key, a.key) == 0) {
            rc = bl_error_set(err, BL_EINVAL,
                              "--sweep %s: %s is swept twice; give all its values in one "
                              "--sweep %s=V1,V2,...",
                              arg, a.key, a.key);
            goto out;
        }
    const char *p = eq + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *v = trimmed_copy(p, len);
        char **values = v ? realloc(a.values, (a.n + 1) * sizeof *values) : NULL;
        if (values == NULL) {
            free(v);
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        a.values = values;
        a.values[a.n++] = v;
        if (v[0] == '\0') {
            rc = bad_form(err, arg, "a value is empty");
            goto out;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    bl_sweep_axis_t *axes = realloc(sw->axes, (sw->n_axes + 1) * sizeof *axes);
    if (axes == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    sw->axes = axes;
    sw->axes[sw->n_axes++] = a;
    return 0;
out:
    axis_fini(&a);
    return rc;
}

size_t bl_sweep_points(const bl_sweep_t *sw) {
    size_t n = 1;
    for (size_t i = 0; sw != NULL && i < sw->n_axes; i++)
        n *= sw->axes[i].n;
    return n;
}

const char *bl_sweep_value(const bl_sweep_t *sw, size_t point, size_t axis) {
    if (sw == NULL || axis >= sw->n_axes || point >= bl_sweep_points(sw))
        return NULL;
    /* The first axis is the slowest: the last axis's index changes first. */
    for (size_t i = sw->n_axes; i-- > axis + 1;)
        point /= sw->axes[i].n;
    return sw->axes[axis].values[point % sw->axes[axis].n];
}

void bl_sweep_fini(bl_sweep_t *sw) {
    if (sw == NULL)
        return;
    for (size_t i = 0; i < sw->n_axes; i++)
        axis_fini(&sw->axes[i]);
    free(sw->axes);
    memset(sw, 0, sizeof *sw);
}
