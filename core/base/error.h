/*
 * Error reporting for the host.  Functions that can fail return 0 or a
 * negative BL_E* code (see borderlab/plugin.h) and, when given a non-NULL
 * bl_error_t, fill it with a message that says what went wrong and what to
 * do.  The first error set wins: callers up the stack may add context with
 * bl_error_prefix() but never overwrite the cause.
 */
#ifndef BL_ERROR_H
#define BL_ERROR_H

#include "borderlab/plugin.h"

typedef struct bl_error {
    int code;
    char message[1024];
} bl_error_t;

/* Reset err to "no error". */
void bl_error_clear(bl_error_t *err);

/* Record code and a printf-style message in err (ignored when err is NULL
 * or already holds an error).  Returns code so callers can `return
 * bl_error_set(...)`. */
int bl_error_set(bl_error_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to the message already in err. */
void bl_error_prefix(bl_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A short name for a code ("invalid input", "plugin refused"...). */
const char *bl_error_name(int code);

#endif
