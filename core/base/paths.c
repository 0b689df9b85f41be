/* File-name helpers: see paths.h. */
#include "base/paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *bl_path_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *bl_path_join(const char *dir, const char *name) {
    size_t nd = strlen(dir), nn = strlen(name);
    char *s = malloc(nd + nn + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, dir, nd);
    s[nd] = '/';
    memcpy(s + nd + 1, name, nn + 1);
    return s;
}

bool bl_path_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return a != NULL && b != NULL && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
