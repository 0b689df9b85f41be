/*
 * Helpers shared by the summary printers (summary.c, summary_checkpoint.c).
 */
#ifndef BL_SUMMARY_INTERNAL_H
#define BL_SUMMARY_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* o[key] as a number; NaN when absent or not a number. */
double bl_summary_num(const cJSON *o, const char *key);

/* o[key] as text (borrowed from o); "?" when absent or not text. */
const char *bl_summary_text(const cJSON *o, const char *key);

/* x printed with format into buf (size bytes), or "-" when x is not finite;
 * returns buf. */
const char *bl_summary_fmt(char *buf, size_t size, const char *format, double x);

/* A JSON number, or null when x is not finite (cJSON would print invalid
 * JSON). */
cJSON *bl_summary_json_num(double x);

/* [lo, hi], or null when either is not finite. */
cJSON *bl_summary_json_pair(double lo, double hi);

/* o[key] = value as a string, or null when value is NULL. */
void bl_summary_json_text(cJSON *o, const char *key, const char *value);

#endif
