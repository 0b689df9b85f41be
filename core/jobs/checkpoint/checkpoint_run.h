/*
 * The checkpoint job (planners): replications of the station network on the
 * thread pool, fixed or sequential, optionally over a sweep grid, written
 * to one results file.
 *
 * Sweeps.  `--sweep KEY=V1,V2,...` (repeatable: the grid is the cartesian
 * product, first axis slowest).  KEY is either
 *   - STATION.FIELD, a field of a station set after loading: servers (a
 *     constant capacity; a scheduled station scales every shift to the
 *     new maximum), threshold, find_probability, budget_per_hour,
 *     confirm_carrier, confirm_clean; or
 *   - a parameter the scenario declares (bl.parameters): the scenario is
 *     loaded again with --set KEY=V for that point.
 * Every point is checked (loaded, fields set, validated) before anything
 * runs.  The (point, replication) tasks share one pool, so points run in
 * parallel; each task's numbers depend only on (seed, replication) and the
 * point's settings, never on the thread count.
 *
 * Sequential replications (sc->sequential.enabled): replications run in
 * batches of `batch` until, after at least min_replications, the 95% t
 * interval half-width of the metric is at most the target, or
 * max_replications have run.  The stopping point depends only on the
 * results of the replications in order, so it is the same for every
 * thread count.
 */
#ifndef BL_CHECKPOINT_RUN_H
#define BL_CHECKPOINT_RUN_H

#include <stddef.h>

#include "base/error.h"
#include "engine/engine.h"
#include "jobs/checkpoint/checkpoint_metrics.h"
#include "results/results.h"
#include "run/run.h"
#include "scenario/scenario.h"

/* One axis of a sweep grid. */
typedef struct bl_sweep_axis {
    char *key; /* owned: "xray.servers" or a parameter name */
    size_t n;
    char **values; /* owned, as text */
} bl_sweep_axis_t;

typedef struct bl_sweep {
    size_t n_axes;
    bl_sweep_axis_t *axes; /* owned */
} bl_sweep_t;

/* Append the axis "KEY=V1,V2,..." to sw.  BL_EINVAL (message quotes arg
 * and says what form is expected) for no '=', an empty key or value, or a
 * key given twice. */
int bl_sweep_parse(bl_sweep_t *sw, const char *arg, bl_error_t *err);

/* Number of points (product of the axes' lengths; 1 with no axes). */
size_t bl_sweep_points(const bl_sweep_t *sw);

/* The value (borrowed text) of point `point` on axis `axis`: points are
 * numbered with the first axis slowest, the last fastest.  NULL when
 * either is out of range. */
const char *bl_sweep_value(const bl_sweep_t *sw, size_t point, size_t axis);

void bl_sweep_fini(bl_sweep_t *sw);

/*
 * Run the checkpoint scenario sc (loaded; the overrides of opts, --plugin
 * and --sweep, are applied here), write everything into *writerp and commit
 * it (*writerp is NULL afterwards, committed or not).  sc is modified by
 * --plugin overrides.
 *
 * A surrogate (sc->surrogate.path: as given, else relative to the
 * scenario's folder) is loaded into sc->surrogate_data for the run and
 * freed afterwards.  A parameter axis loads sc->path again with opts's
 * --set pairs (the axis replaces a --set of the same key) and seed
 * sc->seed.  servers=V on a station with shifts multiplies every shift by
 * V / (its largest shift), rounded to nearest, a shift that had servers
 * keeping at least one.  Root attributes added to the results file:
 * replications_run (all points), surrogate_path/_detector/_sha256 with a
 * surrogate, sequential_metric, sequential_target, sequential_relative
 * (0/1) and, for a plain run, sequential_half_width when sequential;
 * sweep ("k=v1,v2;k2=...") for a sweep, whose root replications is the
 * most any point ran.  On failure nothing is committed: the caller aborts
 * the writer.
 */
int bl_checkpoint_run(bl_scenario_t *sc, const bl_run_options_t *opts,
                      bl_results_writer_t **writerp, bl_error_t *err);

/* The checkpoint job in the scenario language: bl.checkpoint{...}
 * (scenario_checkpoint.c). */
extern const struct bl_scenario_kind bl_checkpoint_kind;

/* The checkpoint job's row of the job table (run/run.h; checkpoint_job.c). */
extern const struct bl_job bl_job_checkpoint;

#endif
