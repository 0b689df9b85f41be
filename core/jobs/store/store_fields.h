/*
 * The field tables of the store_soak job's constructors (store_fields.c;
 * scenario/fields.h says how they are used).  Private to core/jobs/store:
 * its converter reads through them; the job's kind lists them all.
 */
#ifndef BL_STORE_FIELDS_H
#define BL_STORE_FIELDS_H

#include "scenario/fields.h"

extern const bl_ctor_t bl_store_soak_ctor;
extern const bl_ctor_t bl_mix_ctor;
extern const bl_ctor_t bl_storage_ctor;
extern const bl_ctor_t bl_room_ctor;

/* All of them, the job's own first (NULL-ended). */
extern const bl_ctor_t *const bl_store_ctors[];

#endif
