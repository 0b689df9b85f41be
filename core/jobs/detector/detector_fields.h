/*
 * The field tables of the detector_bench job's constructors
 * (detector_fields.c; scenario/fields.h says how they are used).  Private
 * to core/jobs/detector: its converter reads through them; the job's kind
 * lists them all.
 */
#ifndef BL_DETECTOR_FIELDS_H
#define BL_DETECTOR_FIELDS_H

#include "scenario/fields.h"

extern const bl_ctor_t bl_detector_bench_ctor;
extern const bl_ctor_t bl_performance_ctor;
extern const bl_ctor_t bl_offline_ctor;
extern const bl_ctor_t bl_single_stream_ctor;
extern const bl_ctor_t bl_server_ctor;
extern const bl_ctor_t bl_xray_ctor;
extern const bl_ctor_t bl_replay_ctor;

/* All of them, the job's own first (NULL-ended). */
extern const bl_ctor_t *const bl_detector_ctors[];

#endif
