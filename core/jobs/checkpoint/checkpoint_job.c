/*
 * The checkpoint job's row of the job table (run/run.h): its scenario
 * language (scenario_checkpoint.c, scenario_classes.c), the run
 * (checkpoint_run.c: replications, sweeps, sequential stopping, --plugin
 * for any role) and the summary (summary_checkpoint.c).
 */
#include "jobs/checkpoint/checkpoint_run.h"
#include "jobs/checkpoint/results_checkpoint.h"
#include "run/run.h"

const bl_job_t bl_job_checkpoint = {
    .scenario = &bl_checkpoint_kind,
    .plugin_role = -1,
    .runs = NULL,
    .options = BL_JOB_TAKES_SWEEP,
    .run = bl_checkpoint_run,
    .summary = bl_checkpoint_summary_json,
    .print = bl_checkpoint_summary_text,
};
