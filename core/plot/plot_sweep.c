/* `borderlab plot` of a sweep results file: one plot per headline metric
 * of /sweep/points against the first sweep axis, then the group plots of
 * every point; see plot_checkpoint.h and plot_internal.h. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "plot/plot.h"
#include "plot/plot_internal.h"

/* ------------------------------------------------------------------ sweeps */

/* The headline metrics of /sweep/points. */
static const struct metric {
    const char *column;
    const char *title;
    const char *ylabel;
} METRICS[] = {
    {"sojourn_mean", "mean time in system", "time in system, mean (s)"},
    {"sojourn_p90", "90th percentile of time in system", "time in system, 90th percentile (s)"},
    {"throughput", "throughput", "throughput (entities per hour of the window)"},
    {"seizures", "seizures", "seizures per replication"},
    {"false_alarms", "false alarms", "false alarms per replication"},
    {"officer_hours", "officer hours", "on-duty officer hours per replication"},
    {"reneged", "reneged", "entities that gave up waiting, per replication"},
};

/* The sweep as read: per point its x (number or category index) and curve. */
typedef struct sweep {
    size_t n_points;
    double *point;          /* point numbers */
    char *group, *settings; /* strings of width gw, sw */
    size_t gw, sw;
    char *axis, *value; /* /sweep/axes strings (width aw, vw) */
    size_t aw, vw, n_axes_rows;
    double *axis_point, *value_number;
    size_t n_axes;            /* distinct axes */
    size_t *axis_first;       /* row of each distinct axis' first appearance */
    size_t *axis_id;          /* per /sweep/axes row */
    double *x;                /* per point */
    size_t *curve;            /* per point */
    char (*curve_label)[160]; /* per curve */
    size_t n_curves;
    const char **categories; /* borrowed from value; NULL when the first axis is numeric */
    size_t n_categories;
} sweep_t;

static void sweep_free(sweep_t *s) {
    free(s->point);
    free(s->group);
    free(s->settings);
    free(s->axis);
    free(s->value);
    free(s->axis_point);
    free(s->value_number);
    free(s->axis_first);
    free(s->axis_id);
    free(s->x);
    free(s->curve);
    free(s->curve_label);
    free(s->categories);
}

/* The /sweep/axes row of point p on axis a (-1: none). */
static long axis_row(const sweep_t *s, double p, size_t a) {
    for (size_t r = 0; r < s->n_axes_rows; r++)
        if (s->axis_id[r] == a && s->axis_point[r] == p)
            return (long)r;
    return -1;
}

/* Read /sweep/points and /sweep/axes; work out each point's x and curve. */
static int sweep_read(hid_t file, const char *fname, sweep_t *s, table_t *points, bl_error_t *err) {
    table_t axes;
    int rc = bl_plotcp_table_open(file, fname, "/sweep/axes", &axes, err);
    if (rc != 0)
        return rc;
    s->n_points = points->n;
    s->n_axes_rows = axes.n;
    if ((rc = bl_plotcp_table_doubles(points, "point", &s->point, err)) != 0 ||
        (rc = bl_plotcp_table_strings(points, "group", &s->group, &s->gw, err)) != 0 ||
        (rc = bl_plotcp_table_strings(points, "settings", &s->settings, &s->sw, err)) != 0 ||
        (rc = bl_plotcp_table_strings(&axes, "axis", &s->axis, &s->aw, err)) != 0 ||
        (rc = bl_plotcp_table_strings(&axes, "value", &s->value, &s->vw, err)) != 0 ||
        (rc = bl_plotcp_table_doubles(&axes, "point", &s->axis_point, err)) != 0 ||
        (rc = bl_plotcp_table_doubles(&axes, "value_number", &s->value_number, err)) != 0)
        goto out;
    size_t na = axes.n ? axes.n : 1, np = s->n_points ? s->n_points : 1;
    s->axis_first = malloc(na * sizeof *s->axis_first);
    s->axis_id = malloc(na * sizeof *s->axis_id);
    s->x = malloc(np * sizeof *s->x);
    s->curve = malloc(np * sizeof *s->curve);
    s->curve_label = calloc(np, sizeof *s->curve_label);
    s->categories = calloc(np, sizeof *s->categories);
    if (s->axis_first == NULL || s->axis_id == NULL || s->x == NULL || s->curve == NULL ||
        s->curve_label == NULL || s->categories == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    s->n_axes = bl_plotcp_group_rows(s->axis, s->aw, axes.n, s->axis_id, s->axis_first);
    if (s->n_axes == 0) {
        rc = bl_error_set(err, BL_EHDF5, "%s: /sweep/axes is empty: the sweep has no axis", fname);
        goto out;
    }
    /* x: the number on the first axis, or the index of its text value when
     * some value is not a number (a categorical axis). */
    bool numeric = true;
    for (size_t i = 0; i < s->n_points; i++) {
        long r = axis_row(s, s->point[i], 0);
        if (r < 0 || !isfinite(s->value_number[r]))
            numeric = false;
    }
    for (size_t i = 0; i < s->n_points; i++) {
        long r = axis_row(s, s->point[i], 0);
        if (numeric) {
            s->x[i] = s->value_number[r];
            continue;
        }
        const char *v = r >= 0 ? s->value + (size_t)r * s->vw : "?";
        size_t c = 0;
        while (c < s->n_categories && strcmp(s->categories[c], v) != 0)
            c++;
        if (c == s->n_categories)
            s->categories[s->n_categories++] = v;
        s->x[i] = (double)c;
    }
    if (numeric) {
        free(s->categories);
        s->categories = NULL;
    }
    /* The curve: the values on the other axes ("b=1, c=2"). */
    for (size_t i = 0; i < s->n_points; i++) {
        char label[160] = "";
        size_t len = 0;
        for (size_t a = 1; a < s->n_axes; a++) {
            long r = axis_row(s, s->point[i], a);
            int k = snprintf(label + len, sizeof label - len, "%s%s=%s", a > 1 ? ", " : "",
                             s->axis + s->axis_first[a] * s->aw,
                             r >= 0 ? s->value + (size_t)r * s->vw : "?");
            if (k > 0)
                len = len + (size_t)k < sizeof label ? len + (size_t)k : sizeof label - 1;
        }
        size_t c = 0;
        while (c < s->n_curves && strcmp(s->curve_label[c], label) != 0)
            c++;
        if (c == s->n_curves)
            snprintf(s->curve_label[s->n_curves++], sizeof s->curve_label[0], "%s", label);
        s->curve[i] = c;
    }
out:
    bl_plotcp_table_close(&axes);
    return rc;
}

/* One metric against the first axis, one curve per combination of the
 * other axes, with CI bars. */
static int plot_sweep_metric(out_t *out, const sweep_t *s, const table_t *points,
                             const struct metric *m, const char *scenario, bl_error_t *err) {
    char col[64], title[512], name[96];
    double *mean = NULL, *lo = NULL, *hi = NULL;
    curves_t cs = {NULL, 0};
    int rc = bl_plotcp_table_doubles(points, m->column, &mean, err);
    snprintf(col, sizeof col, "%s_ci_low", m->column);
    if (rc == 0)
        rc = bl_plotcp_table_doubles(points, col, &lo, err);
    snprintf(col, sizeof col, "%s_ci_high", m->column);
    if (rc == 0)
        rc = bl_plotcp_table_doubles(points, col, &hi, err);
    if (rc != 0)
        goto out;
    double xmin = INFINITY, xmax = -INFINITY;
    bool whole = true; /* every x a whole number: tics on whole numbers only */
    for (size_t c = 0; c < s->n_curves; c++) {
        curve_t *cv = bl_plotcp_curves_add(&cs, s->curve_label[c],
                                           s->categories ? CURVE_POINTS : CURVE_BARS, s->n_points);
        if (cv == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < s->n_points; i++)
            if (s->curve[i] == c) {
                /* Categories: the curves side by side, so their bars do not overlap. */
                double shift =
                    s->categories ? 0.08 * ((double)c - 0.5 * (double)(s->n_curves - 1)) : 0;
                bl_plotcp_curve_push(cv, s->x[i] + shift, mean[i], lo[i], hi[i]);
                xmin = fmin(xmin, s->x[i]);
                xmax = fmax(xmax, s->x[i]);
                whole = whole && s->x[i] == floor(s->x[i]);
            }
        bl_plotcp_curve_sort(cv);
    }
    const char *axis0 = s->axis + s->axis_first[0] * s->aw;
    bl_plot_t p;
    bl_plotcp_plot_base(&p, axis0, m->ylabel);
    snprintf(title, sizeof title, "%s against %s (mean, 95%% CI bars)\n%s", m->title, axis0,
             scenario);
    title[0] = (char)toupper((unsigned char)title[0]);
    p.title = title;
    p.ymin = 0;
    if (whole && xmax - xmin <= 12)
        p.xtic = 1;
    if (s->n_curves <= 1)
        p.key = NULL;
    /* Room either side so the end bars are not cut by the frame. */
    double pad = xmax > xmin ? 0.05 * (xmax - xmin) : 0.5;
    if (isfinite(xmin)) {
        p.xmin = xmin - pad;
        p.xmax = xmax + pad;
    }
    if (s->categories != NULL) {
        p.xtic_labels = s->categories;
        p.n_xtic_labels = s->n_categories;
        p.xmin = -0.5;
        p.xmax = (double)s->n_categories - 0.5;
    }
    snprintf(name, sizeof name, "sweep_%s", m->column);
    rc = bl_plotcp_emit(out, &p, &cs, name, err);
out:
    bl_plotcp_curves_free(&cs);
    free(mean);
    free(lo);
    free(hi);
    return rc;
}

int bl_plotcp_sweep(out_t *out, hid_t file, const char *fname, const char *scenario,
                    bl_error_t *err) {
    sweep_t s;
    table_t points;
    memset(&s, 0, sizeof s);
    int rc = bl_plotcp_table_open(file, fname, "/sweep/points", &points, err);
    if (rc != 0)
        return rc;
    rc = sweep_read(file, fname, &s, &points, err);
    if (rc == 0 && s.n_points == 0)
        rc = bl_error_set(err, BL_EHDF5, "%s: /sweep/points is empty: the sweep has no point",
                          fname);
    for (size_t i = 0; rc == 0 && i < COUNT(METRICS); i++)
        rc = plot_sweep_metric(out, &s, &points, &METRICS[i], scenario, err);
    for (size_t i = 0; rc == 0 && i < s.n_points; i++) {
        const char *group = s.group + i * s.gw;
        const char *base = strrchr(group, '/');
        char prefix[64], context[512];
        snprintf(prefix, sizeof prefix, "%s_", base ? base + 1 : group);
        int len =
            snprintf(context, sizeof context, "%s, point %s: ", scenario, base ? base + 2 : group);
        /* The settings "a=1;b=2" read "a=1, b=2". */
        size_t n = len > 0 && (size_t)len < sizeof context ? (size_t)len : 0;
        for (const char *c = s.settings + i * s.sw; *c && n + 3 < sizeof context; c++) {
            if (*c == ';')
                context[n++] = ',';
            context[n++] = *c == ';' ? ' ' : *c;
        }
        context[n] = '\0';
        group_ctx_t g = {file, fname, group, prefix, context, ""};
        rc = bl_plotcp_plot_group(out, &g, err);
    }
    sweep_free(&s);
    bl_plotcp_table_close(&points);
    return rc;
}
