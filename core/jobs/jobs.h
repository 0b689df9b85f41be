/*
 * The job table: every job this borderlab runs, one row each (run/run.h's
 * bl_job_t), in the order `borderlab help` lists them, and what needs them
 * all: loading a scenario as whichever job it returns, `borderlab run`
 * (options refused by the job, the results file, the summary printed), and
 * the summary of a results file by its job.
 *
 * Adding a job is a folder under core/jobs/ with its row, and one line in
 * the table in jobs.c (CONTRIBUTING.md, "Adding a job").
 */
#ifndef BL_JOBS_H
#define BL_JOBS_H

#include <stdio.h>

#include "base/error.h"
#include "run/run.h"
#include "scenario/scenario.h"
#include "scenario/scenario_lua.h"

struct cJSON;

/* The rows, NULL-ended (static; never free them). */
const bl_job_t *const *bl_jobs(void);

/* The row of the job named name ("checkpoint"), or NULL. */
const bl_job_t *bl_job_find(const char *name);

/* The row of sc's job (sc->kind), or NULL when sc has no job of the table. */
const bl_job_t *bl_job_of(const bl_scenario_t *sc);

/* The jobs' scenario kinds, NULL-ended, for bl_scenario_options_t.kinds. */
const struct bl_scenario_kind *const *bl_jobs_kinds(void);

/* bl_scenario_load with every job of the table (opts may be NULL; its
 * kinds, when set, are used instead). */
int bl_jobs_load_scenario(bl_scenario_t *sc, const char *path, const bl_scenario_options_t *opts,
                          bl_error_t *err);

/*
 * `borderlab run`: load the scenario at opts->scenario_path, run it as its
 * job, write the results file (a temporary name, renamed when complete)
 * and print the summary read back from it (JSON with opts->json, text
 * unless opts->quiet).  Returns 0, BL_RUN_GATE_FAILED (run.h) or a BL_E*
 * code with err filled; on a BL_E* failure no results file is left under
 * the output name.
 */
int bl_run(const bl_run_options_t *opts, bl_error_t *err);

/*
 * The same for a scenario already built (tests, or a caller that makes one
 * without Lua): opts->scenario_path, n_sets and has_seed are ignored (sc
 * has its seed; set it first).  sc must have its kind (and settings) set;
 * it is borrowed but modified by the overrides (--plugin, --fail-under,
 * --baseline go into it); the caller still frees it.  sc->path (plugin
 * specs are relative to its folder; may be NULL: the current folder) and
 * sc->name (the default output) should be set.
 */
int bl_run_scenario(bl_scenario_t *sc, const bl_run_options_t *opts, bl_error_t *err);

/* The summary object of the results file at path (results/summary.h's
 * parts every job shares, then its job's); the caller frees it with
 * cJSON_Delete.  A file of no job in the table (a `borderlab compare`
 * file) is BL_EINVAL saying what it is. */
int bl_summary_load(const char *path, struct cJSON **out, bl_error_t *err);

/* Print a summary for people, as its job prints it. */
void bl_summary_print_text(const struct cJSON *summary, FILE *fp);

#endif
