/*
 * What the checkpoint's converters share: scenario_checkpoint.c (the run
 * settings, plugins, stations and routes) and scenario_classes.c (classes,
 * arrivals, populations, replayed arrivals).  Private to
 * core/jobs/checkpoint; the helpers they read values with are
 * scenario/scenario_convert.h's, and they raise Lua errors the same way.
 */
#ifndef BL_SCENARIO_CHECKPOINT_INTERNAL_H
#define BL_SCENARIO_CHECKPOINT_INTERNAL_H

#include <lua.h>

#include "scenario/fields.h"
#include "scenario/scenario.h"
#include "scenario/scenario_convert.h"

/* Station index of a route target name (BL_EXIT for "exit"); an unknown
 * name is an error listing the stations (scenario_checkpoint.c).  fname
 * names the field in the message.  Needs the station names converted. */
int bl_conv_target(lua_State *L, const bl_scenario_t *sc, const char *pre, const char *fname,
                   const char *name);

/* The classes (classes= or the legacy arrivals= + population= as one class
 * "traveller") of the job read through job into sc->classes, then
 * sc->attributes and sc->contraband_kinds, their unions
 * (scenario_classes.c).  Needs the station names (first=). */
void bl_conv_classes(const bl_fields_t *job, bl_scenario_t *sc);

/* The job's replay= (bl.arrivals_csv) into sc->replay, read and checked
 * now (scenario_classes.c, arrival_replay.c).  Needs the classes. */
void bl_conv_replay(const bl_fields_t *job, bl_scenario_t *sc);

#endif
