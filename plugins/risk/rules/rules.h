/*
 * What rules.c (the plugin: create/destroy, the schema, scoring) and
 * rules_load.c (memory, the Lua sandbox, loading the rules file) share.
 * Internal to the plugin: only bl_plugin_entry is exported.
 */
#ifndef BL_RULES_H
#define BL_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "borderlab/plugin.h"

#define MEMORY_LIMIT ((size_t)256 << 20)
#define HOOK_INTERVAL 100000 /* Lua instructions between hook calls */
#define ROW_TICKS 1000ul     /* hook calls a row (or the file's load) may take */

/* Condition operators; op_names in rules_load.c spells them in this order. */
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_PREFIX, OP_IN };

typedef struct cond {
    char *column; /* owned */
    int op;
    int is_text;     /* values are strings (else numbers) */
    size_t n_values; /* 1, or the length of an "in" list */
    double *numbers; /* n_values, when !is_text (owned) */
    char **texts;    /* n_values, when is_text (owned) */
    int32_t col;     /* resolved column index */
    int categorical; /* resolved column is matched by code */
    uint8_t *match;  /* categorical: 1 per code that matches (owned) */
} cond_t;

typedef struct rule {
    char *name; /* owned */
    double score;
    int has_when; /* function at fns[index + 1] in the Lua registry table */
    size_t n_conds;
    cond_t *conds;
} rule_t;

/* What the schema cache remembers of one column. */
typedef struct column_seen {
    char *name; /* owned copy */
    uint32_t type;
    uint32_t n_categories;
    const char *const *categories;
} column_seen_t;

typedef struct rules {
    const bl_host_t *host;
    char *file; /* owned */
    lua_State *L;
    size_t mem_used;
    unsigned long ticks;
    const char *phase; /* for the hook's message */
    size_t n_rules;
    rule_t *rules;
    size_t *order; /* rule indices by score, highest first, stable */
    double fallback;
    int any_when;
    /* Schema cache. */
    const bl_column_t *cache_columns;
    uint32_t cache_n_columns;
    column_seen_t *seen;
    int lua_stale; /* Lua-side tables need a rebuild for the cached schema */
    /* The batch being scored (valid during score()). */
    const bl_records_t *records;
    size_t first, n;
    double *scores;
    bl_reason_t *reasons;
    long cur_rule; /* rule being evaluated, -1 outside one */
    size_t cur_row;
} rules_t;

/* Registry key of the table of `when` functions (rule i's at i + 1). */
extern char rules_key_fns;

/* The host's allocator (size 0 is allocated as 1; rules_xcalloc zeroes).
 * NULL when out of memory; release with rules_xfree (NULL is fine).  The
 * copy of rules_xstrdup is the caller's. */
void *rules_xalloc(const bl_host_t *host, size_t size);
void *rules_xcalloc(const bl_host_t *host, size_t n, size_t size);
void rules_xfree(const bl_host_t *host, void *p);
char *rules_xstrdup(const bl_host_t *host, const char *s);

/* Count hook of rs->L (a lua_Hook): fails the running call after
 * ROW_TICKS * HOOK_INTERVAL instructions since rs->ticks was reset. */
void rules_count_hook(lua_State *L, lua_Debug *ar);

/*
 * Create rs->L (the host's allocator, at most MEMORY_LIMIT), open the
 * sandbox and load rs->file into rs->rules, rs->order, rs->fallback and the
 * registry; failures are logged with the file's name.  rs (host and file
 * set) stays the caller's: on failure rules_free releases what was made.
 * Returns BL_OK, BL_ENOMEM, BL_ENOTFOUND (the file cannot be opened),
 * BL_EINVAL (the file or a rule is wrong).
 */
int rules_open(rules_t *rs);

#endif
