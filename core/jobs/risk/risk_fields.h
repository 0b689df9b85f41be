/*
 * The field tables of the risk_validation job's constructors
 * (risk_fields.c; scenario/fields.h says how they are used).  Private to
 * core/jobs/risk: its converter reads through them; the job's kind lists
 * them all.
 */
#ifndef BL_RISK_FIELDS_H
#define BL_RISK_FIELDS_H

#include "scenario/fields.h"

extern const bl_ctor_t bl_risk_validation_ctor;
extern const bl_ctor_t bl_declarations_ctor;
extern const bl_ctor_t bl_patterns_ctor;
extern const bl_ctor_t bl_csv_ctor;

/* All of them, the job's own first (NULL-ended). */
extern const bl_ctor_t *const bl_risk_ctors[];

#endif
