/*
 * File-name helpers shared by the loader, the runner and the results
 * writer.  The first two return heap strings the caller frees, or NULL
 * when memory runs out.
 */
#ifndef BL_PATHS_H
#define BL_PATHS_H

#include <stdbool.h>

/* The folder part of path: "." when it has none, "/" for a file at the root. */
char *bl_path_dir(const char *path);

/* dir + "/" + name. */
char *bl_path_join(const char *dir, const char *name);

/* Whether a and b name the same existing file (one device and inode,
 * whatever links or relative paths lead there): so that an output never
 * replaces an input.  False when either is NULL or does not exist. */
bool bl_path_same_file(const char *a, const char *b);

#endif
