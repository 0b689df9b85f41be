/*
 * The keys of a plugin reference that are the harness's, not the plugin's:
 * where it runs and its limits (scenario.h, bl_plugin_ref_t).  Shared by
 * bl.plugin{...} (scenario_lua.c) and --plugin-config on the command line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

/* "512M", "2G", "65536": bytes (K, M, G, T are powers of 1024); 0 when not one. */
static uint64_t byte_size(const char *text) {
    char *end;
    double v = strtod(text, &end);
    double unit = 1;
    switch (*end) {
    case 'K':
    case 'k':
        unit = 1024.0;
        end++;
        break;
    case 'M':
    case 'm':
        unit = 1048576.0;
        end++;
        break;
    case 'G':
    case 'g':
        unit = 1073741824.0;
        end++;
        break;
    case 'T':
    case 't':
        unit = 1099511627776.0;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (end == text || *end != '\0' || !(v > 0) || v * unit > 1.8e19)
        return 0;
    return (uint64_t)(v * unit);
}

/* A positive number of seconds up to a week into *out, or BL_EINVAL. */
static int seconds(const char *key, const char *value, double *out, bl_error_t *err) {
    double v = 0;
    if (bl_parse_number(value, &v) != BL_OK || !(v > 0) || v > 86400.0 * 7)
        return bl_error_set(err, BL_EINVAL,
                            "%s = %s: give a number of seconds above 0 (at most a week)", key,
                            value);
    *out = v;
    return 0;
}

int bl_plugin_ref_limit(bl_plugin_ref_t *ref, const char *key, const char *value, bl_error_t *err) {
    bl_isolation_opts_t *o = &ref->limits;
    double v = 0;
    int rc = 0;
    if (strcmp(key, "isolation") == 0) {
        if (strcmp(value, "process") == 0)
            ref->isolation = 1;
        else if (strcmp(value, "none") == 0)
            ref->isolation = 2;
        else
            rc = bl_error_set(err, BL_EINVAL,
                              "isolation = \"%s\": use \"process\" (a plugin host process) or "
                              "\"none\" (inside borderlab)",
                              value);
    } else if (strcmp(key, "timeout") == 0) {
        rc = seconds(key, value, &o->timeout_s, err);
    } else if (strcmp(key, "item_timeout") == 0) {
        rc = seconds(key, value, &o->item_timeout_s, err);
    } else if (strcmp(key, "memory_limit") == 0 || strcmp(key, "log_limit") == 0) {
        uint64_t b = byte_size(value);
        bool memory = key[0] == 'm';
        if (b == 0 || (memory && b < ((uint64_t)16 << 20)))
            rc = bl_error_set(err, BL_EINVAL,
                              "%s = %s: give a size in bytes, or with K, M or G (\"2G\")%s", key,
                              value, memory ? "; at least 16M" : "");
        else if (memory)
            o->memory_limit = b;
        else
            o->log_limit = (size_t)b;
    } else if (strcmp(key, "max_failures") == 0) {
        if (bl_parse_number(value, &v) != BL_OK || v < 1 || v > 1e9 || v != (double)(long)v)
            rc = bl_error_set(err, BL_EINVAL, "max_failures = %s: give a whole number from 1",
                              value);
        else
            o->max_failures = (unsigned)v;
    } else if (strcmp(key, "writable") == 0 || strncmp(key, "writable.", 9) == 0) {
        /* a folder it may write in beside its scratch folder (or a list of them) */
        size_t used = strlen(o->writable), len = strlen(value);
        char *real = len > 0 && strchr(value, ':') == NULL ? realpath(value, NULL) : NULL;
        if (real == NULL)
            rc =
                bl_error_set(err, BL_EINVAL,
                             "%s = \"%s\": give an existing folder (no ':'), or a list of them%s%s",
                             key, value, len > 0 ? ": " : "", len > 0 ? strerror(errno) : "");
        else if (used + strlen(real) + 2 > sizeof o->writable)
            rc = bl_error_set(err, BL_EINVAL, "%s = \"%s\": too many writable folders", key, value);
        else
            snprintf(o->writable + used, sizeof o->writable - used, "%s%s", used ? ":" : "", real);
        free(real);
    } else if (strcmp(key, "cpus") == 0) {
        size_t len = strlen(value);
        if (len == 0 || len >= sizeof o->cpus || strspn(value, "0123456789,-") != len)
            rc = bl_error_set(err, BL_EINVAL,
                              "cpus = \"%s\": give CPU numbers and ranges, as in \"0,2-3\"", value);
        else
            memcpy(o->cpus, value, len + 1);
    } else {
        return 0;
    }
    return rc != 0 ? rc : 1;
}

int bl_plugin_ref_configure(bl_plugin_ref_t *ref, const char *key, const char *value,
                            bl_error_t *err) {
    int harness = bl_plugin_ref_limit(ref, key, value, err);
    if (harness != 0)
        return harness < 0 ? harness : 0;
    char **keys = realloc(ref->config_keys, (ref->n_config + 1) * sizeof *keys);
    if (keys != NULL)
        ref->config_keys = keys;
    char **values = realloc(ref->config_values, (ref->n_config + 1) * sizeof *values);
    if (values != NULL)
        ref->config_values = values;
    char *k = strdup(key), *v = strdup(value);
    if (keys == NULL || values == NULL || k == NULL || v == NULL) {
        free(k);
        free(v);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    ref->config_keys[ref->n_config] = k;
    ref->config_values[ref->n_config++] = v;
    return 0;
}
