/* Plots through a gnuplot pipe: see plot.h. */
#include "plot/plot.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/paths.h"

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void bl_plot_init(bl_plot_t *p) {
    memset(p, 0, sizeof *p);
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
}

bool bl_plot_available(char *path, size_t size) {
    const char *env = getenv("PATH");
    if (env == NULL || *env == '\0')
        return false;
    char *copy = strdup(env);
    bool found = false;
    if (copy == NULL)
        return false;
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *full = bl_path_join(*dir ? dir : ".", "gnuplot");
        struct stat st;
        if (full != NULL && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
            access(full, X_OK) == 0) {
            found = true;
            if (path != NULL && size > 0)
                snprintf(path, size, "%s", full);
        }
        free(full);
    }
    free(copy);
    return found;
}

bool bl_plot_is_png(const char *path) {
    unsigned char head[8];
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return false;
    bool ok = fread(head, 1, sizeof head, fp) == sizeof head &&
              memcmp(head, PNG_SIGNATURE, sizeof head) == 0;
    fclose(fp);
    return ok;
}

/* Whether the file at path is a non-empty SVG (an <svg element near the top). */
static bool is_svg(const char *path) {
    char head[1024];
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return false;
    size_t n = fread(head, 1, sizeof head - 1, fp);
    fclose(fp);
    head[n] = '\0';
    return n > 0 && strstr(head, "<svg") != NULL;
}

/* s as a gnuplot single-quoted string: '' stands for '; a line break
 * (which would end the command) becomes a "\n" joined to the quoted
 * parts ('a'."\n".'b', a two-line title). */
static void put_quoted(FILE *fp, const char *s) {
    fputc('\'', fp);
    for (; s != NULL && *s; s++) {
        if (*s == '\'')
            fputs("''", fp);
        else if (*s == '\n')
            fputs("'.\"\\n\".'", fp);
        else if (*s == '\r')
            fputc(' ', fp);
        else
            fputc(*s, fp);
    }
    fputc('\'', fp);
}

/* s as a single-quoted sh word (heap; caller frees). */
static char *shell_quoted(const char *s) {
    size_t n = 3;
    for (const char *c = s; *c; c++)
        n += *c == '\'' ? 4 : 1;
    char *q = malloc(n), *o = q;
    if (q == NULL)
        return NULL;
    *o++ = '\'';
    for (const char *c = s; *c; c++) {
        if (*c == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *c;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

static void put_range(FILE *fp, const char *axis, double lo, double hi) {
    if (isnan(lo) && isnan(hi))
        return;
    fprintf(fp, "set %srange [", axis);
    if (!isnan(lo))
        fprintf(fp, "%.17g", lo);
    fputc(':', fp);
    if (!isnan(hi))
        fprintf(fp, "%.17g", hi);
    fputs("]\n", fp);
}

/* Whether se carries error bars (both bounds given). */
static bool has_bars(const bl_plot_series_t *se) { return se->ylow != NULL && se->yhigh != NULL; }

/* Whether se with error bars is drawn as a filled band between them. */
static bool is_band(const bl_plot_series_t *se) {
    return se->style != NULL && strncmp(se->style, "filledcurves", 12) == 0;
}

/* The whole gnuplot script for p. */
static void write_script(FILE *fp, const bl_plot_t *p, bl_plot_terminal_t terminal,
                         const char *output_path) {
    unsigned w = p->width ? p->width : 800, h = p->height ? p->height : 600;
    /* pngcairo draws better; plain png (libgd) is the fallback. */
    if (terminal == BL_PLOT_SVG)
        fprintf(fp, "set terminal svg size %u,%u noenhanced background rgb 'white'\n", w, h);
    else
        fprintf(fp,
                "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
                "  set terminal pngcairo size %u,%u noenhanced\n"
                "} else {\n"
                "  set terminal png size %u,%u noenhanced\n"
                "}\n",
                w, h, w, h);
    fputs("set output ", fp);
    put_quoted(fp, output_path);
    fputc('\n', fp);
    if (p->title) {
        fputs("set title ", fp);
        put_quoted(fp, p->title);
        fputc('\n', fp);
    }
    if (p->xlabel) {
        fputs("set xlabel ", fp);
        put_quoted(fp, p->xlabel);
        fputc('\n', fp);
    }
    if (p->ylabel) {
        fputs("set ylabel ", fp);
        put_quoted(fp, p->ylabel);
        fputc('\n', fp);
    }
    if (p->key)
        fprintf(fp, "set key %s\n", p->key);
    if (p->xlog)
        fputs("set logscale x\n", fp);
    if (p->ylog)
        fputs("set logscale y\n", fp);
    fputs("set grid\n", fp);
    put_range(fp, "x", p->xmin, p->xmax);
    put_range(fp, "y", p->ymin, p->ymax);

    if (p->xtic_labels != NULL && p->n_xtic_labels > 0) {
        fputs("set xtics (", fp);
        for (size_t i = 0; i < p->n_xtic_labels; i++) {
            fputs(i ? ", " : "", fp);
            put_quoted(fp, p->xtic_labels[i] ? p->xtic_labels[i] : "");
            fprintf(fp, " %zu", i);
        }
        fputs(")\n", fp);
    } else if (p->xtic > 0 && isfinite(p->xtic)) {
        fprintf(fp, "set xtics %.10g\n", p->xtic);
    }

    size_t total = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        const bl_plot_series_t *se = &p->series[s];
        bool bars = has_bars(se), band = bars && is_band(se);
        size_t kept = 0;
        bool gap = false;
        fprintf(fp, "$data%zu << EOD\n", s);
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!isfinite(x))
                continue;
            if (isnan(y) && !band) {
                /* A blank line breaks the line there (once per gap). */
                if (!gap && kept > 0)
                    fputc('\n', fp);
                gap = true;
                continue;
            }
            gap = false;
            if (!bars) {
                if (!isfinite(y))
                    continue;
                fprintf(fp, "%.10g %.10g\n", x, y);
            } else {
                double lo = se->ylow[i], hi = se->yhigh[i];
                if (band) {
                    /* A band needs both edges; a missing one closes it on y. */
                    lo = isfinite(lo) ? lo : y;
                    hi = isfinite(hi) ? hi : y;
                    if (!isfinite(lo) || !isfinite(hi))
                        continue;
                    y = 0.5 * (lo + hi);
                } else {
                    if (!isfinite(y))
                        continue;
                    lo = isfinite(lo) ? lo : y;
                    hi = isfinite(hi) ? hi : y;
                }
                fprintf(fp, "%.10g %.10g %.10g %.10g\n", x, y, lo, hi);
            }
            kept++;
        }
        /* gnuplot refuses to plot an empty datablock: one invisible point. */
        if (kept == 0)
            fputs(bars ? "NaN NaN NaN NaN\n" : "NaN NaN\n", fp);
        fputs("EOD\n", fp);
        total += kept;
    }
    /* Nothing to draw at all: gnuplot cannot autoscale, so fixed ranges and
     * a note instead of a failure (e.g. a metric never measured). */
    if (total == 0) {
        put_range(fp, "x", isnan(p->xmin) ? (p->xlog ? 1 : 0) : p->xmin,
                  isnan(p->xmax) ? (isnan(p->xmin) ? (p->xlog ? 10 : 1) : p->xmin + 1) : p->xmax);
        put_range(fp, "y", isnan(p->ymin) ? (p->ylog ? 1 : 0) : p->ymin,
                  isnan(p->ymax) ? (isnan(p->ymin) ? (p->ylog ? 10 : 1) : p->ymin + 1) : p->ymax);
        fputs("set label 1 'nothing to draw: no finite values' at graph 0.5, 0.5 center\n", fp);
    }
    fputs("plot ", fp);
    for (size_t s = 0; s < p->n_series; s++) {
        const bl_plot_series_t *se = &p->series[s];
        bool bars = has_bars(se);
        const char *using = !bars ? "1:2" : is_band(se) ? "1:3:4" : "1:2:3:4";
        const char *style = se->style ? se->style : bars ? "yerrorlines" : "lines";
        fprintf(fp, "%s$data%zu using %s with %s ", s ? ", \\\n     " : "", s, using, style);
        if (se->label && *se->label) {
            fputs("title ", fp);
            put_quoted(fp, se->label);
        } else {
            fputs("notitle", fp);
        }
    }
    fputs("\nset output\n", fp);
}

/* The first line of gnuplot's messages (in the file at path) into buf. */
static const char *first_message(const char *path, char *buf, size_t size) {
    buf[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return buf;
    char line[512];
    while (fgets(line, sizeof line, fp) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *t = line + strspn(line, " \t^");
        if (*t != '\0') {
            snprintf(buf, size, "%s", t);
            break;
        }
    }
    fclose(fp);
    return buf;
}

int bl_plot_write(const bl_plot_t *p, bl_plot_terminal_t terminal, const char *output_path,
                  bl_error_t *err) {
    int rc = 0;
    char gnuplot[4096];
    char log_path[] = "/tmp/borderlab-gnuplot-XXXXXX";
    int log_fd = -1;
    char *q_gnuplot = NULL, *q_log = NULL, *command = NULL;
    FILE *pipe = NULL;
    struct sigaction ignore, saved;
    bool sigpipe_saved = false;

    if (p == NULL || p->n_series == 0 || p->series == NULL)
        return bl_error_set(err, BL_EINVAL, "plot %s: nothing to draw (no series)",
                            output_path ? output_path : "?");
    if (!bl_plot_available(gnuplot, sizeof gnuplot))
        return bl_error_set(err, BL_ENOTFOUND,
                            "gnuplot is not on PATH, so %s was not drawn: install gnuplot-nox",
                            output_path);
    if (unlink(output_path) != 0 && errno != ENOENT)
        return bl_error_set(err, BL_EIO, "plot %s: cannot replace the old file: %s", output_path,
                            strerror(errno));

    log_fd = mkstemp(log_path);
    if (log_fd < 0) {
        rc = bl_error_set(err, BL_EIO, "plot %s: cannot create a temporary file in /tmp: %s",
                          output_path, strerror(errno));
        goto out;
    }
    q_gnuplot = shell_quoted(gnuplot);
    q_log = shell_quoted(log_path);
    size_t len = (q_gnuplot ? strlen(q_gnuplot) : 0) + (q_log ? strlen(q_log) : 0) + 16;
    command = malloc(len);
    if (q_gnuplot == NULL || q_log == NULL || command == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(command, len, "%s >%s 2>&1", q_gnuplot, q_log);

    /* If gnuplot dies early, writing the rest of the script must fail with
     * EPIPE rather than kill the program. */
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigpipe_saved = sigaction(SIGPIPE, &ignore, &saved) == 0;

    fflush(NULL); /* nothing of ours is written twice by the child */
    pipe = popen(command, "w");
    if (pipe == NULL) {
        rc = bl_error_set(err, BL_EIO, "plot %s: cannot start %s: %s", output_path, gnuplot,
                          strerror(errno));
        goto out;
    }
    write_script(pipe, p, terminal, output_path);
    int status = pclose(pipe);
    pipe = NULL;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[512];
        first_message(log_path, msg, sizeof msg);
        if (status != -1 && WIFSIGNALED(status))
            rc = bl_error_set(err, BL_EIO, "plot %s: gnuplot was killed by signal %d", output_path,
                              WTERMSIG(status));
        else
            rc = bl_error_set(err, BL_EIO, "plot %s: gnuplot failed (exit %d)%s%s", output_path,
                              status == -1 ? -1 : WEXITSTATUS(status), msg[0] ? ": " : "", msg);
        unlink(output_path);
        goto out;
    }
    struct stat st;
    bool valid = stat(output_path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                 (terminal == BL_PLOT_SVG ? is_svg(output_path) : bl_plot_is_png(output_path));
    if (!valid) {
        char msg[512];
        first_message(log_path, msg, sizeof msg);
        rc = bl_error_set(err, BL_EIO, "plot %s: gnuplot did not write a valid %s file%s%s",
                          output_path, terminal == BL_PLOT_SVG ? "SVG" : "PNG", msg[0] ? ": " : "",
                          msg);
        unlink(output_path);
    }
out:
    if (pipe != NULL)
        pclose(pipe);
    if (sigpipe_saved)
        sigaction(SIGPIPE, &saved, NULL);
    if (log_fd >= 0) {
        close(log_fd);
        unlink(log_path);
    }
    free(q_gnuplot);
    free(q_log);
    free(command);
    return rc;
}
