/*
 * The fields of the scenario language, one table per constructor: a
 * field's name, the kind of value it takes, its default and a one-line doc
 * live here and nowhere else.  Three readers share each table:
 *
 *   - the Lua library builds its allow-lists from it (core.fields), so a
 *     misspelt field is refused at its line with a suggestion;
 *   - the C converters read fields through it (the check/opt readers of
 *     scenario_convert.h, in the spirit of luaL_check* and luaL_opt*): a
 *     default comes from the table, and reading a field the table does not
 *     list is an error, so C cannot read what Lua would refuse;
 *   - `borderlab fields` prints it, and a test checks the README's
 *     scenario reference against that print, so a new field fails the
 *     build until it is documented.
 *
 * A test also proves the two halves agree: over the shipped scenarios and
 * the tests' fixtures, every field of every table is read by C, except
 * those the Lua library resolves itself (BL_FIELD_LUA: bl.poisson's rate=
 * becomes a profile, bl.plugin's configuration becomes key/value text...).
 *
 * Adding a field: a row in its constructor's table (the job's
 * *_fields.c), the converter line that reads it, and the README's
 * reference printed again (`borderlab fields --markdown`; the test says
 * where it goes).
 */
#ifndef BL_FIELDS_H
#define BL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Row flags. */
enum {
    BL_FIELD_FIRST = 1u << 0, /* also given as the constructor's first value: bl.station{"xray"} */
    BL_FIELD_LUA = 1u << 1    /* resolved by the Lua library; C reads what it makes of it */
};

/* Where a default lives when it is the constructor's C defaults (the X-ray
 * generator's, the declaration generator's...): the member of the struct
 * that bl_ctor_t.defaults fills, and its C type. */
typedef enum bl_field_at {
    BL_AT_NONE = 0, /* the default is the text in the row (or there is none) */
    BL_AT_DOUBLE,
    BL_AT_U32,
    BL_AT_U64,
    BL_AT_INT,
    BL_AT_I64,
    BL_AT_BOOL
} bl_field_at_t;

typedef struct bl_field {
    const char *name; /* the key a scenario writes: servers = 4 */
    const char *type; /* the value as the reference names it: "integer", "seconds",
                         "bl.shifts{...}" */
    const char *def;  /* the default as text ("60", "none", "the file's name"); NULL:
                         required, unless `at` says where the C default is */
    const char *doc;  /* one line */
    unsigned flags;   /* BL_FIELD_* */
    bl_field_at_t at_type;
    size_t at; /* offset of the default's member in the constructor's defaults */
} bl_field_t;

/* A row whose default is member m of the defaults struct st. */
#define BL_FIELD_AT(st, m, t) .at_type = (t), .at = offsetof(st, m)

typedef struct bl_ctor {
    const char *name;           /* "bl.checkpoint"; a table inside one: "bl.checkpoint: warmup" */
    const char *doc;            /* one line: what it makes */
    const bl_field_t *fields;   /* ended by a row whose name is NULL */
    const bl_field_t *shared;   /* rows several constructors share (name, seed...), or NULL */
    bool open;                  /* takes keys beyond its rows (bl.plugin's configuration,
                                   bl.by_class's classes...): Lua checks none of them */
    void (*defaults)(void *st); /* fills the struct the rows' `at` refer to, or NULL */
    size_t defaults_size;       /* sizeof that struct (at most BL_CTOR_DEFAULTS_MAX) */
    /* The default of a field no single member holds (a table of them), as
     * text into buf from the C defaults; NULL when it has none for it. */
    const char *(*default_text)(const char *field, char *buf, size_t n);
} bl_ctor_t;

#define BL_CTOR_DEFAULTS_MAX 4096

/* The constructors every job shares: distributions, bl.plugin,
 * bl.parameters (NULL-ended). */
extern const bl_ctor_t *const bl_common_ctors[];

/* The rows every job's constructor shares: name=, seed=. */
extern const bl_field_t bl_job_fields[];

struct bl_scenario_kind;

/* The constructor named name among the common ones and kinds' (NULL-ended),
 * or NULL. */
const bl_ctor_t *bl_ctor_find(const struct bl_scenario_kind *const *kinds, const char *name);

/* The row of c named name (its own rows, then the shared ones), or NULL. */
const bl_field_t *bl_ctor_field(const bl_ctor_t *c, const char *name);

/* The default of f in c as text into buf ("60", "0.06", "required", "none");
 * returns buf. */
const char *bl_field_default_text(const bl_ctor_t *c, const bl_field_t *f, char *buf, size_t n);

/*
 * The scenario reference: every constructor of the common ones and of
 * kinds, as Markdown (one heading and one table each; what the README
 * holds between its "scenario reference" markers), or as text for a
 * terminal.  only (NULL: all) prints the one constructor named so.
 * Returns 0, or -1 when only names no constructor.
 */
int bl_fields_print(FILE *fp, const struct bl_scenario_kind *const *kinds, bool markdown,
                    const char *only);

/* Called for every field a converter reads (the agreement test counts
 * them); set through bl_scenario_options_t.on_read. */
typedef void (*bl_field_read_fn)(void *ud, const bl_ctor_t *ctor, const bl_field_t *field);

#endif
