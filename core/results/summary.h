/*
 * The run summary, read back from a results file: what `borderlab run`
 * prints at the end and what `borderlab show` prints, as text or as one
 * JSON object (cJSON).  Both come from the file so they can never disagree.
 * This is the part every job shares (the file check, the root attributes,
 * the plugins, the helpers); each job adds its own part and prints its
 * summary through its row of the job table (run/run.h), and
 * jobs/jobs.h's bl_summary_load puts the two together.
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

/* The job's part of a summary: add to o what the file (an open hid_t,
 * fname for messages) holds for job (its root attribute "job"; NULL when
 * the file has none).  Returns 0 or a BL_E* code with err filled. */
typedef int (*bl_summary_part_fn)(const char *job, int64_t file, const char *fname, cJSON *o,
                                  bl_error_t *err);

/*
 * Build the summary object of the results file at path: file, schema,
 * harness_version, job, scenario {name, path}, seed, replications, threads,
 * start_time, wall_seconds, parameters, then the job's part (part), then
 * plugins.  *out is the caller's (cJSON_Delete).  Returns 0 or a BL_E*
 * code: the file check's, BL_EHDF5 for an unreadable table, the part's.
 */
int bl_summary_read(const char *path, bl_summary_part_fn part, cJSON **out, bl_error_t *err);

/* Print the summary as indented JSON (one object, newline-terminated). */
void bl_summary_print_json(const cJSON *summary, FILE *fp);

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

/* "0.912 [0.890, 0.931]" (o[key] with the pair o[ci_key]), "0.912" when
 * there is no pair, or "-" into buf (size bytes); returns buf. */
const char *bl_summary_with_ci(char *buf, size_t size, const cJSON *o, const char *key,
                               const char *ci_key);

/* [lo, hi], or null when either is not finite. */
cJSON *bl_summary_json_pair(double lo, double hi);

/* o[key] = value as a string, or null when value is NULL. */
void bl_summary_json_text(cJSON *o, const char *key, const char *value);

/* The same for a heap string, which it frees (bl_results_root_text's). */
void bl_summary_json_owned_text(cJSON *o, const char *key, char *value);

#endif
