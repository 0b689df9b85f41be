/*
 * Converting a store_soak job (bl.store_soak with its bl.storage layout and
 * store plugin) into the scenario's bl_store_soak_t: see
 * scenario_convert.h.  Called by scenario_lua.c's protected conversion, so
 * every malformed value is a Lua error naming the file:line of its
 * constructor.  Every field is read through its constructor's table
 * (store_fields.c).
 */
#include "scenario/scenario_convert.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include "data/scan.h"
#include "jobs/store/store_fields.h"
#include "jobs/store/store_soak.h"

static void convert_room(lua_State *L, int r, const char *pre, size_t i, bl_storage_room_t *room) {
    char what[360];
    snprintf(what, sizeof what, "%s: rooms[%zu]", pre, i + 1);
    bl_fields_t f = bl_fields(L, r, &bl_room_ctor, what);
    const char *name = bl_opt_string(&f, "name");
    if (name == NULL || name[0] == '\0' || strlen(name) > BL_STORE_TEXT - 25)
        bl_conv_fail(L, "%s: name= must be a room name of 1 to %d characters", what,
                     BL_STORE_TEXT - 25);
    room->name = strdup(name);
    if (room->name == NULL)
        bl_conv_nomem(L);
    room->shelves = (unsigned)bl_opt_integer(&f, "shelves", 1, 100000);
    room->bins = (unsigned)bl_opt_integer(&f, "bins", 1, 100000);
    if ((unsigned long long)room->shelves * room->bins > 10000000ULL)
        bl_conv_fail(L, "%s: %u shelves x %u bins is more than 10 million bins", what,
                     room->shelves, room->bins);
    room->capacity = bl_check_number(&f, "capacity");
    if (!(room->capacity > 0) || !isfinite(room->capacity))
        bl_conv_fail(L, "%s: capacity must be > 0 volume units (got %g)", what, room->capacity);
    int type = bl_push(&f, "classes");
    if (type == LUA_TNIL) {
        room->classes = ((1u << BL_THREAT_CLASS_COUNT) - 1u) & ~1u;
    } else {
        int t = lua_gettop(L);
        size_t n = lua_rawlen(L, t);
        if (n == 0)
            bl_conv_fail(L, "%s: classes is empty: list the threat classes its bins may hold (%s)",
                         what, bl_conv_push_threat_list(L));
        for (size_t k = 1; k <= n; k++) {
            lua_rawgeti(L, t, (lua_Integer)k);
            const char *c = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            int threat = c != NULL ? bl_threat_by_name(c) : -1;
            if (threat <= 0) {
                const char *shown = bl_conv_show(L, -1);
                const char *list = bl_conv_push_threat_list(L);
                bl_conv_fail(L, "%s: classes[%zu] = %s is not a threat class (%s)", what, k, shown,
                             list);
            }
            room->classes |= 1u << threat;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void convert_layout(const bl_fields_t *job, bl_store_soak_t *s) {
    lua_State *L = job->L;
    const char *jpre = job->pre;
    const char *tag = NULL;
    if (bl_push(job, "layout") == LUA_TNIL || (tag = bl_conv_tag(L, -1)) == NULL ||
        strcmp(tag, "storage") != 0)
        bl_conv_fail(L,
                     "%s: layout= must be bl.storage{rooms = {{name = \"A\", shelves = 4, bins = "
                     "10, capacity = 20, classes = {\"drugs\"}}}} (got %s)",
                     jpre, bl_conv_show(L, -1));
    int lt = lua_gettop(L);
    char pre[300];
    bl_conv_where(L, lt, "bl.storage", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, lt, &bl_storage_ctor, pre);
    bl_push(&f, "rooms");
    int rooms = lua_gettop(L);
    size_t n = lua_rawlen(L, rooms);
    if (n == 0)
        bl_conv_fail(L, "%s: rooms is empty: give at least one room", pre);
    s->layout.rooms = bl_conv_alloc(L, n, sizeof *s->layout.rooms);
    s->layout.n_rooms = n;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, rooms, (lua_Integer)i + 1);
        convert_room(L, lua_gettop(L), pre, i, &s->layout.rooms[i]);
        lua_pop(L, 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->layout.rooms[k].name, s->layout.rooms[i].name) == 0)
                bl_conv_fail(L, "%s: rooms[%zu] and rooms[%zu] are both named '%s'", pre, k + 1,
                             i + 1, s->layout.rooms[i].name);
    }
    lua_pop(L, 2);
}

static void convert_mix(const bl_fields_t *job, bl_store_soak_t *s) {
    lua_State *L = job->L;
    const char *jpre = job->pre;
    int type = bl_push(job, "mix");
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (type != LUA_TTABLE)
        bl_conv_fail(L, "%s: mix must be a table such as {deposit = 4, get = 4} (got %s)", jpre,
                     bl_conv_show(L, -1));
    int t = lua_gettop(L);
    char what[360];
    snprintf(what, sizeof what, "%s: mix", jpre);
    bl_fields_t f = bl_fields(L, t, &bl_mix_ctor, what);
    double sum = 0;
    for (int v = 0; v < BL_SOAK_MIX; v++) {
        const char *name = bl_soak_verb_name(v);
        s->mix[v] = bl_opt_number(&f, name); /* a verb not listed gets the table's 0 */
        if (!(s->mix[v] >= 0 && isfinite(s->mix[v])))
            bl_conv_fail(L, "%s.%s must be a weight >= 0 (got %g)", what, name, s->mix[v]);
        sum += s->mix[v];
    }
    if (!(sum > 0))
        bl_conv_fail(L, "%s: the weights sum to 0: give at least one verb a weight > 0", what);
    lua_pop(L, 1);
}

static void convert(lua_State *L, int t, bl_scenario_t *sc, const char *pre) {
    sc->replications = 1;
    bl_store_soak_t *s = bl_conv_alloc(L, 1, sizeof *s);
    sc->settings = s;
    bl_store_soak_defaults(s); /* the table's defaults too (store_fields.c) */
    bl_fields_t job = bl_fields(L, t, &bl_store_soak_ctor, pre);

    if (bl_push(&job, "store") != LUA_TNIL)
        bl_conv_plugin_ref(L, lua_gettop(L), &s->store, pre, "store");
    lua_pop(L, 1);
    if (s->store.spec == NULL && (s->store.spec = strdup(BL_SOAK_DEFAULT_STORE)) == NULL)
        bl_conv_nomem(L);
    convert_layout(&job, s);
    s->clients = (unsigned)bl_opt_integer(&job, "clients", 1, 1024);
    if (bl_has(&job, "duration")) {
        s->duration = bl_check_number(&job, "duration");
        if (!(s->duration > 0) || !isfinite(s->duration))
            bl_conv_fail(L, "%s: duration must be > 0 seconds (got %g)", pre, s->duration);
        s->operations = 0;
    }
    if (bl_has(&job, "operations"))
        s->operations = (uint64_t)bl_check_integer(&job, "operations", 1, LLONG_MAX);
    s->rate = bl_opt_number(&job, "rate");
    if (!(s->rate >= 0 && isfinite(s->rate)))
        bl_conv_fail(L,
                     "%s: rate must be operations per second >= 0 (0: as fast as possible; "
                     "got %g)",
                     pre, s->rate);
    convert_mix(&job, s);
    s->sync_every = (uint64_t)bl_opt_integer(&job, "sync_every", 0, LLONG_MAX);
    s->inventory_every = (uint64_t)bl_opt_integer(&job, "inventory_every", 0, LLONG_MAX);
    s->misplace = bl_opt_number(&job, "misplace");
    if (!(s->misplace >= 0 && s->misplace <= 1))
        bl_conv_fail(L, "%s: misplace must be a probability from 0 to 1 (got %g)", pre,
                     s->misplace);
    const char *policy = bl_opt_string(&job, "policy");
    if (policy != NULL && (s->policy = bl_storage_policy_parse(policy)) == 0)
        bl_conv_fail(L, "%s: policy '%s' is not first_fit, best_fit or by_class", pre, policy);
}

static void free_settings(void *settings) {
    bl_store_soak_free_contents(settings);
    free(settings);
}

const bl_scenario_kind_t bl_store_soak_kind = {
    .name = "store_soak",
    .convert = convert,
    .free_settings = free_settings,
    .ctors = bl_store_ctors,
};
