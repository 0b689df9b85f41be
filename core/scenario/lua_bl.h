/*
 * The Lua side of scenario loading: the sandboxed state (memory ceiling,
 * instruction limit, the environment a script sees) and the
 * `borderlab.core` module, the C half of the scenario library
 * (distributions built and validated by dist.h, typed parameters with
 * --set overrides, the host-RNG-backed math.random, call-site lookup).
 * Internal to scenario_lua.c; the Lua half is in lua/borderlab/.
 *
 * Every function reaches the loader's state through the allocator's user
 * data (lua_getallocf), so the module needs no upvalues or registry keys.
 */
#ifndef BL_LUA_BL_H
#define BL_LUA_BL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "base/error.h"
#include "scenario/scenario.h"
#include "scenario/scenario_lua.h"
#include "stats/rng.h"

/* What one bl_scenario_load shares with the Lua side while a state lives. */
typedef struct bl_lua_ctx {
    bl_scenario_t *sc;                 /* borrowed: params are recorded here */
    const bl_scenario_options_t *opts; /* borrowed */
    bool *set_used;                    /* owned by the loader: one per opts->n_sets */
    bl_rng_t rng;                      /* math.random: seeded by bl_lua_open_core */
    uint64_t rng_seed;                 /* --seed, else 1; math.randomseed() restores it */
    size_t mem_used, mem_limit;        /* bytes the state holds, and its ceiling */
    bool mem_refused;                  /* the ceiling refused an allocation */
    unsigned long ticks, max_ticks;    /* instruction-count hook calls */
    bl_error_t pending;                /* an error that is the user's input, not the script's
                                          (a bad --set value): wins over the Lua message */
} bl_lua_ctx_t;

/* A new state for ctx (borrowed; must outlive the state): allocations
 * counted against a 256 MB ceiling (ctx->mem_refused is set when it
 * refuses one) and a hook that raises "scenario took too long to describe
 * (infinite loop?)" after ~1e9 instructions.  NULL when out of memory. */
lua_State *bl_lua_newstate(bl_lua_ctx_t *ctx);

/* lua_CFunction, to be called protected: open base/string/table/math/utf8
 * and borderlab.core, build the sandbox environment (safe base functions,
 * string without dump, table, utf8, math with the host-RNG random, print
 * to stderr, require of the embedded modules only, load of text only) and
 * load `bl` into it. */
int bl_lua_open_sandbox(lua_State *L);

/* Push the sandbox environment built by bl_lua_open_sandbox. */
void bl_lua_push_sandbox(lua_State *L);

/* The context of a state created by bl_lua_newstate. */
bl_lua_ctx_t *bl_lua_ctx(lua_State *L);

/* lua_CFunction opening `borderlab.core`: pushes the module table. */
int bl_lua_open_core(lua_State *L);

/* The distribution at idx if it is a bl.* distribution object, else NULL
 * (borrowed: owned by the Lua state). */
const bl_dist_t *bl_lua_todist(lua_State *L, int idx);

#endif
