/*
 * File-name helpers shared by the loader, the runner and the results
 * writer.  Both return heap strings the caller frees, or NULL when memory
 * runs out.
 */
#ifndef BL_PATHS_H
#define BL_PATHS_H

/* The folder part of path: "." when it has none, "/" for a file at the root. */
char *bl_path_dir(const char *path);

/* dir + "/" + name. */
char *bl_path_join(const char *dir, const char *name);

#endif
