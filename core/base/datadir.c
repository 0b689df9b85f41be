/* The installed folders and scenario lookup: see datadir.h. */
#include "base/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"

/* The Makefile passes the configured folders; these defaults only serve a
 * file compiled by hand. */
#ifndef BL_PREFIX
#define BL_PREFIX "/usr/local"
#endif
#ifndef BL_BINDIR
#define BL_BINDIR BL_PREFIX "/bin"
#endif
#ifndef BL_PLUGIN_DIR
#define BL_PLUGIN_DIR BL_PREFIX "/lib/borderlab"
#endif
#ifndef BL_SCENARIO_DIR
#define BL_SCENARIO_DIR BL_PREFIX "/share/borderlab/scenarios"
#endif

/* What a scenario file name ends with; `borderlab run quickstart` adds it. */
static const char SCENARIO_SUFFIX[] = ".lua";

char *bl_datadir_program_dir(void) {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    /* A libtool wrapper runs the real program from .libs/: use the parent. */
    slash = strrchr(buf, '/');
    if (slash != NULL && strcmp(slash + 1, ".libs") == 0)
        *slash = '\0';
    return strdup(buf[0] != '\0' ? buf : "/");
}

const char *bl_datadir_configured(bl_datadir_t which) {
    return which == BL_DATADIR_PLUGINS ? BL_PLUGIN_DIR : BL_SCENARIO_DIR;
}

/* A copy of path with repeated slashes collapsed and trailing ones dropped
 * ("/opt/bl//bin/" -> "/opt/bl/bin", "/" -> ""), so that a prefix given
 * with a trailing slash still compares equal to the folder it names. */
static char *squeeze(const char *path) {
    char *s = malloc(strlen(path) + 1), *o = s;
    if (s == NULL)
        return NULL;
    for (const char *p = path; *p != '\0'; p++)
        if (*p != '/' || o == s || o[-1] != '/')
            *o++ = *p;
    while (o > s && o[-1] == '/')
        o--;
    *o = '\0';
    return s;
}

/* The part of path below prefix ("/bin" for "/usr/local/bin" under
 * "/usr/local", "" for the prefix itself), or NULL when path is not under
 * prefix.  Both squeezed. */
static const char *below(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return NULL;
    return path + n;
}

char *bl_datadir_relocate(const char *program_dir, const char *prefix, const char *bindir,
                          const char *dir) {
    char *prog = squeeze(program_dir), *pre = squeeze(prefix), *bin = squeeze(bindir),
         *d = squeeze(dir), *out = NULL;
    if (prog == NULL || pre == NULL || bin == NULL || d == NULL)
        goto out;
    const char *bin_tail = below(bin, pre), *dir_tail = below(d, pre);
    if (bin_tail == NULL || dir_tail == NULL)
        goto out;
    size_t nprog = strlen(prog), nbin = strlen(bin_tail);
    /* The program must sit where bindir sits relative to its prefix: the
     * folder before that tail is the prefix of this install. */
    if (nprog < nbin || strcmp(prog + nprog - nbin, bin_tail) != 0)
        goto out;
    size_t nroot = nprog - nbin, ndir = strlen(dir_tail);
    out = malloc(nroot + ndir + 2);
    if (out == NULL)
        goto out;
    memcpy(out, prog, nroot);
    memcpy(out + nroot, dir_tail, ndir + 1);
    if (out[0] == '\0')
        strcpy(out, "/");
out:
    free(prog);
    free(pre);
    free(bin);
    free(d);
    return out;
}

char *bl_datadir_relocated(bl_datadir_t which) {
    char *prog = bl_datadir_program_dir();
    if (prog == NULL)
        return NULL;
    char *dir = bl_datadir_relocate(prog, BL_PREFIX, BL_BINDIR, bl_datadir_configured(which));
    free(prog);
    return dir;
}

/* ------------------------------------------------------------------ scenarios */

static bool readable_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* Append path to the places looked at (for the error message), ending the
 * list with "..." when it no longer fits. */
static void note_looked(char *looked, size_t cap, const char *path) {
    size_t n = strlen(looked);
    if (n + strlen(path) + 8 >= cap) {
        if (n + 5 < cap && (n < 3 || strcmp(looked + n - 3, "...") != 0))
            snprintf(looked + n, cap - n, "%s...", n > 0 ? ", " : "");
        return;
    }
    snprintf(looked + n, cap - n, "%s%s", n > 0 ? ", " : "", path);
}

/* The search for one scenario file. */
typedef struct lookup {
    const char *name; /* ARG, or ARG.lua when ARG does not end in .lua */
    char looked[640];
    bool nomem;
} lookup_t;

/* Note dir/name among the places looked at. */
static void note_in(lookup_t *l, const char *dir, const char *name) {
    char *path = bl_path_join(dir, name);
    if (path == NULL)
        l->nomem = true;
    else
        note_looked(l->looked, sizeof l->looked, path);
    free(path);
}

/* dir/name when it is a readable file (heap string), else NULL with it
 * noted (l->nomem set when memory ran out). */
static char *try_folder(lookup_t *l, const char *dir) {
    char *path = bl_path_join(dir, l->name);
    if (path == NULL) {
        l->nomem = true;
        return NULL;
    }
    if (readable_file(path))
        return path;
    note_looked(l->looked, sizeof l->looked, path);
    free(path);
    return NULL;
}

/* Each folder of a colon-separated list, in order. */
static char *try_path_list(lookup_t *l, const char *list) {
    char *found = NULL;
    for (const char *p = list; found == NULL && !l->nomem && *p != '\0';) {
        size_t n = strcspn(p, ":");
        if (n > 0) {
            char *folder = strndup(p, n);
            if (folder == NULL)
                l->nomem = true;
            else
                found = try_folder(l, folder);
            free(folder);
        }
        p += n + (p[n] == ':');
    }
    return found;
}

static bool ends_with(const char *s, const char *tail) {
    size_t ns = strlen(s), nt = strlen(tail);
    return ns >= nt && strcmp(s + ns - nt, tail) == 0;
}

char *bl_datadir_find_scenario(const char *arg, bl_error_t *err) {
    lookup_t l = {.name = arg};
    char *with_suffix = NULL, *found = NULL, *relocated = NULL;
    struct stat st;

    if (arg == NULL || arg[0] == '\0') {
        bl_error_set(err, BL_EINVAL,
                     "empty scenario name: give a scenario file (scenarios/quickstart.lua) or "
                     "the name of an installed one (quickstart)");
        return NULL;
    }
    /* A file at that path, or a path that says where it is: the run opens
     * it and reports what is wrong with it, if anything.  A folder of that
     * name (mine/ beside mine.lua) is not what `run mine` means. */
    bool exists = stat(arg, &st) == 0, folder = exists && S_ISDIR(st.st_mode);
    if ((exists && !folder) || (!exists && errno != ENOENT) || arg[0] == '/' ||
        strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0) {
        found = strdup(arg);
        if (found == NULL)
            goto nomem;
        goto out;
    }
    if (!ends_with(arg, SCENARIO_SUFFIX)) {
        size_t n = strlen(arg);
        with_suffix = malloc(n + sizeof SCENARIO_SUFFIX);
        if (with_suffix == NULL)
            goto nomem;
        memcpy(with_suffix, arg, n);
        memcpy(with_suffix + n, SCENARIO_SUFFIX, sizeof SCENARIO_SUFFIX);
        l.name = with_suffix;
    }

    /* 1. The current folder: ARG itself is no file (above), ARG.lua may be. */
    note_in(&l, ".", arg);
    if (with_suffix != NULL && !l.nomem)
        found = try_folder(&l, ".");
    /* 2. $BORDERLAB_SCENARIO_PATH. */
    const char *env = getenv("BORDERLAB_SCENARIO_PATH");
    if (found == NULL && !l.nomem && env != NULL)
        found = try_path_list(&l, env);
    /* 3. The installed scenarios beside the program, then 4. where configure
     * put them (once when they are the same folder). */
    const char *configured = bl_datadir_configured(BL_DATADIR_SCENARIOS);
    if (found == NULL && !l.nomem) {
        relocated = bl_datadir_relocated(BL_DATADIR_SCENARIOS);
        if (relocated != NULL)
            found = try_folder(&l, relocated);
    }
    if (found == NULL && !l.nomem && (relocated == NULL || strcmp(relocated, configured) != 0))
        found = try_folder(&l, configured);
    if (l.nomem)
        goto nomem;
    if (found == NULL)
        bl_error_set(err, BL_ENOTFOUND,
                     "scenario %s: not found (looked at %s): give the path of a scenario file, "
                     "or set BORDERLAB_SCENARIO_PATH to the folder that holds it",
                     arg, l.looked);
    goto out;
nomem:
    free(found);
    found = NULL;
    bl_error_set(err, BL_ENOMEM, "scenario %s: out of memory while looking for it", arg);
out:
    free(with_suffix);
    free(relocated);
    return found;
}
