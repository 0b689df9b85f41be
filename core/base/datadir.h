/*
 * Where an installed borderlab finds its own files: the reference plugins
 * ($pkglibdir) and the shipped scenarios ($pkgdatadir/scenarios), and how
 * `borderlab run NAME` finds a scenario given by name.
 *
 * The program is built knowing the layout configure gave it (prefix
 * /usr/local, bindir /usr/local/bin, pkglibdir /usr/local/lib/borderlab...),
 * but an install does not always stay there: `make install DESTDIR=/stage`
 * puts the program in /stage/usr/local/bin, and a packager or a user may
 * move the whole tree.  So a folder is looked for first relative to the
 * running program (/proc/self/exe): when the program sits in a folder that
 * ends like the configured bindir, the prefix that folder implies holds the
 * same layout (/stage/usr/local/lib/borderlab).  The configured folder comes
 * second, so a moved install finds its own files before those of another
 * install left at the configured place.  Only folders under the configured
 * prefix move with it; a multiarch libdir (/usr/lib/x86_64-linux-gnu) does.
 *
 * The configured folders come from the Makefile (-DBL_PREFIX, -DBL_BINDIR,
 * -DBL_PLUGIN_DIR, -DBL_SCENARIO_DIR).  Nothing here keeps state.
 */
#ifndef BL_DATADIR_H
#define BL_DATADIR_H

#include "base/error.h"

/* The installed folders this module knows. */
typedef enum bl_datadir {
    BL_DATADIR_PLUGINS,  /* $(pkglibdir): the reference plugins, NAME.so */
    BL_DATADIR_SCENARIOS /* $(pkgdatadir)/scenarios: the shipped scenarios */
} bl_datadir_t;

/* The folder of the running program (/proc/self/exe with symbolic links
 * resolved; the parent when it is a libtool .libs folder, so a build tree's
 * program reports the build tree).  Returns a heap string the caller frees,
 * or NULL when it cannot be read or memory runs out. */
char *bl_datadir_program_dir(void);

/* The folder `which` as configured (a constant string, never NULL). */
const char *bl_datadir_configured(bl_datadir_t which);

/* The folder `which` relative to the running program (see the top of this
 * file).  Returns a heap string the caller frees, or NULL when the program
 * does not sit in a folder that ends like the configured bindir, when the
 * folder is not under the configured prefix, or when memory runs out. */
char *bl_datadir_relocated(bl_datadir_t which);

/*
 * The pure rule behind bl_datadir_relocated: dir, configured under prefix,
 * moved to the prefix that program_dir implies given that the program was
 * configured into bindir.  ("/stage/usr/local/bin", "/usr/local",
 * "/usr/local/bin", "/usr/local/lib/borderlab") gives
 * "/stage/usr/local/lib/borderlab".  All arguments are borrowed.  Returns a
 * heap string the caller frees, or NULL when bindir or dir is not under
 * prefix, when program_dir does not end like bindir, or when memory runs out.
 */
char *bl_datadir_relocate(const char *program_dir, const char *prefix, const char *bindir,
                          const char *dir);

/*
 * The scenario file that `borderlab run ARG` means.  ARG is returned as it
 * is when something other than a folder exists at that path, or when it is
 * absolute or starts with ./ or ../ (then the run reports what is wrong with
 * it).  Otherwise
 * ARG is a name (quickstart, quickstart.lua, validation/mmc) and the file
 * ARG.lua (ARG when it ends in .lua) is looked for in: the current folder,
 * each folder of $BORDERLAB_SCENARIO_PATH (colon-separated, empty entries
 * skipped), the installed scenarios folder relative to the program, and the
 * configured one.  The first readable file wins.
 *
 * arg is borrowed.  Returns a heap string the caller frees, or NULL with
 * err set: BL_ENOTFOUND with a message that lists every place looked at
 * and what to do, or BL_ENOMEM.
 */
char *bl_datadir_find_scenario(const char *arg, bl_error_t *err);

#endif
