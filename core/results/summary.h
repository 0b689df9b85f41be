/*
 * The run summary, read back from a results file: what `borderlab run`
 * prints at the end and what `borderlab show` prints, as text or as one
 * JSON object (cJSON).  Both come from the file so they can never disagree.
 *
 * Refuses files that are not borderlab results (no borderlab_schema
 * attribute, or a newer schema) with a message naming the file.
 */
#ifndef BL_SUMMARY_H
#define BL_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

#include <cjson/cJSON.h>

/* Check that path is a borderlab results file this build can read: an
 * HDF5 file with a borderlab_schema root attribute from 1 to
 * BL_RESULTS_SCHEMA.  *schema (when not NULL) receives the version.
 * Returns 0, BL_ENOTFOUND (missing or unreadable) or BL_EHDF5 (not HDF5,
 * not borderlab, newer schema); the message names the file and says what
 * to do.  Shared by every reader of results files (show, compare). */
int bl_summary_check_file(const char *path, int *schema, bl_error_t *err);

/* Build the summary object of the results file at path; caller frees with
 * cJSON_Delete. */
int bl_summary_load(const char *path, struct cJSON **out, bl_error_t *err);

/* Print the summary as indented JSON (one object, newline-terminated). */
void bl_summary_print_json(const struct cJSON *summary, FILE *fp);

/* Print a short human summary (a table of stations, plugins and totals). */
void bl_summary_print_text(const struct cJSON *summary, FILE *fp);

/*
 * The checkpoint part (summary_checkpoint.c), for summary.c.
 *
 * bl_summary_checkpoint_json adds to o, from the open file (an hid_t):
 * for a plain run "stations", "system", "classes", "contraband" and
 * "entity_table"; for a sweep (root attribute "sweep") "sweep" (the axes
 * text) and "points" (one object per /sweep/points row, with the table's
 * column names: a metric m as m and m_ci [low, high] or null; throughput
 * per hour; and "axes" {key: value}).  Returns 0, BL_EHDF5 (a table is
 * missing or unreadable; the message names fname) or BL_ENOMEM.
 *
 * bl_summary_checkpoint_text prints such a summary (and its plugins).
 */
int bl_summary_checkpoint_json(int64_t file, const char *fname, struct cJSON *o, bl_error_t *err);
void bl_summary_checkpoint_text(const struct cJSON *summary, FILE *fp);

/* ------------------------------------------------------------------ for job summaries */

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
