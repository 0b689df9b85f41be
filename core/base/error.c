/* Error reporting: see error.h. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bl_error_clear(bl_error_t *err) {
    if (err == NULL)
        return;
    err->code = 0;
    err->message[0] = '\0';
}

int bl_error_set(bl_error_t *err, int code, const char *fmt, ...) {
    if (err == NULL || err->code != 0)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

void bl_error_prefix(bl_error_t *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    char prefix[512], joined[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* bounded so the joined text always fits (prefix 400 + message 600) */
    snprintf(joined, sizeof joined, "%.400s: %.600s", prefix, err->message);
    memcpy(err->message, joined, sizeof joined);
}

const char *bl_error_name(int code) {
    switch (code) {
    case BL_OK:
        return "ok";
    case BL_EINVAL:
        return "invalid input";
    case BL_ENOMEM:
        return "out of memory";
    case BL_EIO:
        return "input/output error";
    case BL_ENOTFOUND:
        return "not found";
    case BL_EPLUGIN:
        return "plugin error";
    case BL_ELUA:
        return "scenario error";
    case BL_EHDF5:
        return "results file error";
    case BL_ESTATE:
        return "invalid state";
    case BL_ENOSPC:
        return "buffer full";
    case BL_EINTEGRITY:
        return "integrity check failed";
    default:
        return "unknown error";
    }
}
