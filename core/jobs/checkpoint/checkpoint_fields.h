/*
 * The field tables of the checkpoint job's constructors (checkpoint_fields.c;
 * scenario/fields.h says how they are used).  Private to core/jobs/checkpoint:
 * its converters read through them; the job's kind lists them all.
 */
#ifndef BL_CHECKPOINT_FIELDS_H
#define BL_CHECKPOINT_FIELDS_H

#include "scenario/fields.h"

extern const bl_ctor_t bl_checkpoint_ctor;
extern const bl_ctor_t bl_checkpoint_warmup_ctor;
extern const bl_ctor_t bl_checkpoint_scan_ctor;
extern const bl_ctor_t bl_checkpoint_plugins_ctor;
extern const bl_ctor_t bl_sequential_ctor;
extern const bl_ctor_t bl_surrogate_ctor;
extern const bl_ctor_t bl_class_ctor;
extern const bl_ctor_t bl_poisson_ctor;
extern const bl_ctor_t bl_weekly_ctor;
extern const bl_ctor_t bl_arrivals_csv_ctor;
extern const bl_ctor_t bl_population_ctor;
extern const bl_ctor_t bl_contraband_ctor;
extern const bl_ctor_t bl_concealment_ctor;
extern const bl_ctor_t bl_attribute_ctor;
extern const bl_ctor_t bl_station_ctor;
extern const bl_ctor_t bl_risk_check_ctor;
extern const bl_ctor_t bl_scan_ctor;
extern const bl_ctor_t bl_search_ctor;
extern const bl_ctor_t bl_review_ctor;
extern const bl_ctor_t bl_shifts_ctor;
extern const bl_ctor_t bl_shift_ctor;
extern const bl_ctor_t bl_route_ctor;
extern const bl_ctor_t bl_by_class_ctor;
extern const bl_ctor_t bl_by_attribute_ctor;

/* All of them, the job's own first (NULL-ended). */
extern const bl_ctor_t *const bl_checkpoint_ctors[];

#endif
