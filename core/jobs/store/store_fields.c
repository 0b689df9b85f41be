/*
 * The field tables of the store_soak job's constructors
 * (scenario/fields.h): bl.store_soak with its mix (its defaults are
 * bl_store_soak_defaults's) and the storage layout (bl.storage and its
 * rooms).  The converter (scenario_soak.c) reads every field through these
 * rows.
 */
#include "jobs/store/store_fields.h"

#include <stdio.h>
#include <string.h>

#include "jobs/store/storage.h"
#include "jobs/store/store_soak.h"

#define S(m, t) BL_FIELD_AT(bl_store_soak_t, m, t)

static const bl_field_t soak_fields[] = {
    {"store", "bl.plugin{...}", "bl.plugin{\"" BL_SOAK_DEFAULT_STORE "\"}",
     "the seizure store; --plugin store=FILE.so replaces it"},
    {"clients", "integer 1..1024", NULL, "client threads (counters at the evidence room)", 0,
     S(clients, BL_AT_U32)},
    {"operations", "integer", NULL, "operations of all clients together", 0,
     S(operations, BL_AT_U64)},
    {"duration", "seconds", "none", "or run this long (wall clock) instead of operations="},
    {"rate", "operations per second", NULL,
     "the target rate of all clients; 0: as fast as possible", 0, S(rate, BL_AT_DOUBLE)},
    {"mix", "{deposit =, move =, retrieve =, dispose =, get =, list =, verify =}", NULL,
     "relative weights of the verbs (a verb not listed gets 0)"},
    {"sync_every", "integer", NULL, "operations per client between durability barriers; 0: never",
     0, S(sync_every, BL_AT_U64)},
    {"layout", "bl.storage{rooms = {...}}", NULL, "the evidence rooms, shelves and bins"},
    {"policy", "first_fit, best_fit or by_class", NULL, "how a deposit picks its bin"},
    {"misplace", "0..1", NULL, "the chance a move puts the item in another bin", 0,
     S(misplace, BL_AT_DOUBLE)},
    {"inventory_every", "integer", NULL,
     "operations between inventory scans (an RFID walk through every bin); 0: only the last", 0,
     S(inventory_every, BL_AT_U64)},
    {NULL},
};

static void soak_defaults(void *st) { bl_store_soak_defaults(st); }

/* The mix's and the policy's defaults, from bl_store_soak_defaults. */
static const char *soak_default_text(const char *field, char *buf, size_t n) {
    bl_store_soak_t s;
    bl_store_soak_defaults(&s);
    if (strcmp(field, "policy") == 0) {
        snprintf(buf, n, "%s", bl_storage_policy_name(s.policy));
        return buf;
    }
    if (strcmp(field, "mix") != 0)
        return NULL;
    size_t used = 0;
    buf[0] = '\0';
    for (int v = 0; v < BL_SOAK_MIX && used < n; v++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s %g", v ? ", " : "",
                                 bl_soak_verb_name(v), s.mix[v]);
    return buf;
}

const bl_ctor_t bl_store_soak_ctor = {
    .name = "bl.store_soak",
    .doc = "the store_soak job: client threads drive a seizure store with a weighted mix of "
           "verbs at a target rate; storage layout, misplaced items, inventory scans; the "
           "custody chain verified at the end",
    .fields = soak_fields,
    .shared = bl_job_fields,
    .defaults = soak_defaults,
    .defaults_size = sizeof(bl_store_soak_t),
    .default_text = soak_default_text,
};

static const bl_field_t mix_fields[] = {
    {"deposit", "weight >= 0", "0", "a seizure put into a bin"},
    {"move", "weight >= 0", "0", "an item moved to another bin"},
    {"retrieve", "weight >= 0", "0", "an item taken out for a case"},
    {"dispose", "weight >= 0", "0", "an item destroyed or returned"},
    {"get", "weight >= 0", "0", "an item looked up"},
    {"list", "weight >= 0", "0", "a bin's items listed"},
    {"verify", "weight >= 0", "0", "the custody chain verified"},
    {NULL},
};

const bl_ctor_t bl_mix_ctor = {"bl.store_soak: mix", "the verbs' weights, when mix= is given",
                               mix_fields};

static const bl_field_t storage_fields[] = {
    {"rooms", "list of {name =, shelves =, bins =, capacity =, classes =}", NULL,
     "the evidence rooms"},
    {NULL},
};

const bl_ctor_t bl_storage_ctor = {"bl.storage", "the bins of a seizure store", storage_fields};

static const bl_field_t room_fields[] = {
    {"name", "text", NULL, "the room's name"},
    {"shelves", "integer 1..100000", "1", "shelves in the room"},
    {"bins", "integer 1..100000", "1", "bins per shelf"},
    {"capacity", "number > 0", NULL, "volume units per bin"},
    {"classes", "list of threat classes", "every class", "what its bins may hold"},
    {NULL},
};

const bl_ctor_t bl_room_ctor = {"bl.storage: rooms", "one evidence room", room_fields};

const bl_ctor_t *const bl_store_ctors[] = {
    &bl_store_soak_ctor, &bl_mix_ctor, &bl_storage_ctor, &bl_room_ctor, NULL,
};
