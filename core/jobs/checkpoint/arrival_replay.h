/*
 * Arrivals replayed from a CSV file (bl.arrivals_csv): a time and a class
 * name per row, optionally a group size, read with csv_reader.c when the
 * scenario loads, checked row by row and sorted by time (stable).
 */
#ifndef BL_ARRIVAL_REPLAY_H
#define BL_ARRIVAL_REPLAY_H

#include "base/error.h"
#include "scenario/scenario.h"

/* Which columns to read (header names, exact) and the time unit. */
typedef struct bl_replay_columns {
    const char *time;       /* arrival time, >= 0 */
    const char *class_name; /* a class declared in the scenario */
    const char *group;      /* entities arriving together (integer >= 1); NULL: 1 each */
    double unit;            /* seconds per unit of the time column (1, 60, 3600) */
} bl_replay_columns_t;

/*
 * Read r->path (set by the caller, borrowed here) into r->n, r->times,
 * r->classes and r->groups (heap, owned by r: bl_scenario_free_contents
 * releases them; sc's classes give the names).  Row numbers in messages
 * count CSV records with the header as row 1: "FILE:ROW: column 'time':
 * ... : fix the row".  Returns 0, BL_ENOTFOUND / BL_EIO (the file),
 * BL_EINVAL (a missing column, a bad row, no rows) or BL_ENOMEM; on
 * failure r's arrays are freed and r->n is 0.
 */
int bl_arrival_replay_load(bl_replay_arrivals_t *r, const bl_replay_columns_t *cols,
                           const bl_scenario_t *sc, bl_error_t *err);

#endif
