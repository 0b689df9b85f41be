/*
 * Converting a risk_validation job (bl.risk_validation with its
 * bl.declarations generator or bl.csv file, risk models, rates, breakdown
 * and gate) into the scenario's bl_risk_validation_t: see
 * scenario_convert.h.  Called by scenario_lua.c's protected conversion, so
 * every malformed value is a Lua error naming the file:line of its
 * constructor.
 *
 * Files a scenario names are found from the scenario's folder: bl.csv's
 * path= and, in each model's configuration, the values of the keys model=,
 * rules= and encoding= (the file keys of risk/logistic, risk/rules and
 * risk/xgboost; a plugin gets its configuration text verbatim, so the
 * loader rewrites them here).  A relative path becomes the scenario's
 * folder joined to it (kept as given when the scenario is in the current
 * folder), and every such file must exist when the scenario loads, so a
 * wrong path is reported at its line before anything runs.  Every field is
 * read through its constructor's table (risk_fields.c).
 */
#include "scenario/scenario_convert.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lua.h>

#include "gen/declaration_gen.h"
#include "io/csv_reader.h"
#include "jobs/risk/risk_fields.h"
#include "jobs/risk/risk_validation.h"

#define MAX_MODELS 16
#define MAX_BREAKDOWN 16

static const char path_hint[] = "a relative path starts from the scenario's folder";

static char *dup_or_raise(lua_State *L, const char *s) {
    char *d = strdup(s);
    if (d == NULL)
        bl_conv_nomem(L);
    return d;
}

/* The regular file at resolved must exist; what names it ("path = 'x'"). */
static void require_file(lua_State *L, const char *pre, const char *what, const char *resolved) {
    struct stat st;
    if (stat(resolved, &st) != 0)
        bl_conv_fail(L, "%s: %s (%s): %s; %s", pre, what, resolved, strerror(errno), path_hint);
    if (!S_ISREG(st.st_mode))
        bl_conv_fail(L, "%s: %s (%s) is not a file", pre, what, resolved);
}

/* ------------------------------------------------------------ bl.declarations */

/* A share from 0 to 1 (the generator's default when absent). */
static double opt_share(const bl_fields_t *f, const char *name) {
    double v = bl_opt_number(f, name);
    if (!(v >= 0 && v <= 1))
        bl_conv_fail(f->L, "%s: %s must be a share from 0 to 1 (got %g)", f->pre, name, v);
    return v;
}

static void convert_patterns(const bl_fields_t *d, bl_declaration_gen_config_t *g) {
    lua_State *L = d->L;
    const char *pre = d->pre;
    int type = bl_push(d, "patterns");
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (type != LUA_TTABLE)
        bl_conv_fail(L, "%s: patterns must be a table such as {undervaluation = 0.5, ...} (got %s)",
                     pre, bl_conv_show(L, -1));
    int t = lua_gettop(L);
    static const char *const names[] = {"undervaluation", "misclassification", "false_origin",
                                        "prohibited"};
    double *share[] = {&g->undervaluation_share, &g->misclassification_share,
                       &g->false_origin_share, &g->prohibited_share};
    char what[360];
    snprintf(what, sizeof what, "%s: patterns", pre);
    bl_fields_t pf = bl_fields(L, t, &bl_patterns_ctor, what);
    double w[4] = {0, 0, 0, 0}, sum = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        size_t k = 0;
        while (k < 4 &&
               !(lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), names[k]) == 0))
            k++;
        if (k == 4) {
            const char *key = bl_conv_show(L, -2);
            bl_conv_fail(L,
                         "%s: unknown pattern %s (patterns: undervaluation, misclassification, "
                         "false_origin, prohibited)",
                         what, key);
        }
        lua_pop(L, 1);
    }
    for (size_t k = 0; k < 4; k++) { /* a pattern not listed gets the table's 0 */
        w[k] = bl_opt_number(&pf, names[k]);
        if (!(w[k] >= 0))
            bl_conv_fail(L, "%s.%s must be a weight >= 0 (got %g)", what, names[k], w[k]);
        sum += w[k];
    }
    if (!(sum > 0))
        bl_conv_fail(L, "%s: the weights sum to 0: give at least one pattern a weight > 0", what);
    for (size_t k = 0; k < 4; k++)
        *share[k] = w[k] / sum;
    lua_pop(L, 1);
}

/* The bl.declarations object at t over the generator's defaults, which *g
 * holds already (bl_declaration_gen_config_default: the table's defaults
 * too); the result is checked by bl_declaration_gen_config_validate. */
static void convert_declarations(lua_State *L, int t, bl_declaration_gen_config_t *g) {
    char pre[300];
    bl_conv_where(L, t, "bl.declarations", pre, sizeof pre);
    bl_fields_t d = bl_fields(L, t, &bl_declarations_ctor, pre);
    g->records = (uint64_t)bl_opt_integer(&d, "records", 1, INT32_MAX);
    g->weeks = (uint32_t)bl_opt_integer(&d, "weeks", 1, 10000);
    if (bl_has(&d, "seed_world")) /* the default (< 0: a world per seed) cannot be given */
        g->world_seed = bl_check_integer(&d, "seed_world", 0, LLONG_MAX);
    g->fraud_rate = bl_opt_number(&d, "fraud_rate");
    convert_patterns(&d, g);
    g->critical_share = opt_share(&d, "critical");
    g->unlabelled_share = opt_share(&d, "unlabelled");
    if (!(g->critical_share >= g->prohibited_share - 1e-12))
        bl_conv_fail(L,
                     "%s: critical = %g is below the share of prohibited goods (%g, from "
                     "patterns), which are always critical: raise critical",
                     pre, g->critical_share, g->prohibited_share);
    if (g->critical_share < g->prohibited_share) /* within rounding of the normalisation */
        g->critical_share = g->prohibited_share;

    g->seasonal_amplitude = bl_opt_number(&d, "seasonal_amplitude");
    g->seasonal_peak_week = bl_opt_number(&d, "seasonal_peak_week");
    g->importers = (uint32_t)bl_opt_integer(&d, "importers", 1, 10000000);
    g->importer_size_shape = bl_opt_number(&d, "importer_size_shape");
    g->importer_risk_sigma = bl_opt_number(&d, "importer_risk_sigma");
    g->habitual_share = bl_opt_number(&d, "habitual_share");
    g->habitual_factor = bl_opt_number(&d, "habitual_factor");
    g->importer_codes = (uint32_t)bl_opt_integer(&d, "importer_codes", 1, 64);
    g->importer_focus = bl_opt_number(&d, "importer_focus");
    g->declarants = (uint32_t)bl_opt_integer(&d, "declarants", 1, 10000000);
    g->declarant_size_shape = bl_opt_number(&d, "declarant_size_shape");
    g->lax_declarant_share = bl_opt_number(&d, "lax_declarant_share");
    g->lax_declarant_factor = bl_opt_number(&d, "lax_declarant_factor");
    g->preferential_factor = bl_opt_number(&d, "preferential_factor");
    g->consignment_value = bl_opt_number(&d, "consignment_value");
    g->quantity_sigma = bl_opt_number(&d, "quantity_sigma");
    g->max_fraud_probability = bl_opt_number(&d, "max_fraud_probability");
    g->undervaluation_min = bl_opt_number(&d, "undervaluation_min");
    g->undervaluation_max = bl_opt_number(&d, "undervaluation_max");
    g->prohibited_penalty = bl_opt_number(&d, "prohibited_penalty");
    g->history_lag_weeks = (uint32_t)bl_opt_integer(&d, "history_lag_weeks", 0, 10000);
    g->declaration_ids = bl_opt_boolean(&d, "declaration_ids");

    bl_error_t e;
    bl_error_clear(&e);
    if (bl_declaration_gen_config_validate(g, &e) != 0) {
        static const char own[] = "declaration generator: "; /* pre already says bl.declarations */
        bool prefixed = strncmp(e.message, own, sizeof own - 1) == 0;
        bl_conv_fail(L, "%s: %s", pre, e.message + (prefixed ? sizeof own - 1 : 0));
    }
}

/* ------------------------------------------------------------ bl.csv */

static int column_type(const char *s) {
    if (strcmp(s, "numeric") == 0)
        return BL_COLUMN_NUMERIC;
    if (strcmp(s, "categorical") == 0)
        return BL_COLUMN_CATEGORICAL;
    if (strcmp(s, "identifier") == 0)
        return BL_COLUMN_IDENTIFIER;
    return 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A truth column name at c[field] into *out (owned), NULL when absent;
 * it must not be one of the model columns (the host reads it, models
 * never see it) unless shareable. */
static void truth_field(const bl_fields_t *f, const char *field, const bl_risk_validation_t *v,
                        bool shareable, char **out) {
    lua_State *L = f->L;
    const char *pre = f->pre;
    const char *name = bl_opt_string(f, field);
    if (name == NULL)
        return;
    if (name[0] == '\0')
        bl_conv_fail(L, "%s: %s= must name a column of the file (got '')", pre, field);
    if (!shareable)
        for (size_t i = 0; i < v->n_csv_columns; i++)
            if (strcmp(v->csv_names[i], name) == 0)
                bl_conv_fail(L,
                             "%s: '%s' is the %s column, which models must not see: drop it from "
                             "columns",
                             pre, name, field);
    *out = dup_or_raise(L, name);
}

static void convert_csv(lua_State *L, int c, const bl_scenario_t *sc, bl_risk_validation_t *v) {
    char pre[300];
    bl_conv_where(L, c, "bl.csv", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, c, &bl_csv_ctor, pre);
    const char *path = bl_opt_string(&f, "path");
    if (path == NULL || path[0] == '\0')
        bl_conv_fail(L, "%s: path= must name the CSV file of declarations", pre);
    v->csv_path = bl_conv_path(L, sc->path, path);

    if (bl_push(&f, "columns") != LUA_TTABLE)
        bl_conv_fail(L, "%s: columns= must be a table such as {origin = \"categorical\"} (got %s)",
                     pre, bl_conv_show(L, -1));
    int t = lua_gettop(L);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        n++;
        lua_pop(L, 1);
    }
    if (n == 0)
        bl_conv_fail(L, "%s: columns= lists no column: name the columns the models read", pre);
    v->csv_names = bl_conv_alloc(L, n, sizeof *v->csv_names);
    v->csv_types = bl_conv_alloc(L, n, sizeof *v->csv_types);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            bl_conv_fail(L, "%s: columns: keys are column names (got %s)", pre,
                         bl_conv_show(L, -2));
        if (lua_type(L, -1) != LUA_TSTRING || column_type(lua_tostring(L, -1)) == 0)
            bl_conv_fail(L,
                         "%s: columns['%s'] must be 'numeric', 'categorical' or 'identifier' (got "
                         "%s)",
                         pre, lua_tostring(L, -2), bl_conv_show(L, -1));
        v->csv_names[v->n_csv_columns++] = dup_or_raise(L, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* The schema's order: by name, since a Lua table has none. */
    qsort(v->csv_names, v->n_csv_columns, sizeof *v->csv_names, compare_names);
    bl_push(&f, "columns");
    for (size_t i = 0; i < v->n_csv_columns; i++) {
        bl_conv_field(L, -1, v->csv_names[i]);
        v->csv_types[i] = column_type(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    truth_field(&f, "label", v, false, &v->label_column);
    if (v->label_column == NULL)
        bl_conv_fail(L,
                     "%s: label= is required: the column saying whether a declaration was "
                     "fraudulent (1) or not (0)",
                     pre);
    truth_field(&f, "revenue", v, false, &v->revenue_column);
    truth_field(&f, "labelled", v, false, &v->labelled_column);
    truth_field(&f, "week", v, true, &v->week_column); /* a week may be a feature too */
    const char *truth[] = {v->label_column, v->revenue_column, v->labelled_column};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = i + 1; k < 3; k++)
            if (truth[i] != NULL && truth[k] != NULL && strcmp(truth[i], truth[k]) == 0)
                bl_conv_fail(L, "%s: '%s' is named by two of label=, revenue=, labelled=", pre,
                             truth[i]);

    const char *bad = bl_opt_text(&f, "on_bad_row");
    v->on_bad_row = BL_CSV_FAIL_ON_BAD_ROWS;
    if (strcmp(bad, "skip") == 0)
        v->on_bad_row = BL_CSV_SKIP_BAD_ROWS;
    else if (strcmp(bad, "fail") != 0)
        bl_conv_fail(L, "%s: on_bad_row must be 'fail' or 'skip' (got '%s')", pre, bad);

    /* The file and its header now, so a wrong path or column name is
     * reported at this line before anything runs. */
    char what[600];
    snprintf(what, sizeof what, "path = '%s'", path);
    require_file(L, pre, what, v->csv_path);
    size_t ncols = v->n_csv_columns;
    bl_csv_column_t *cols = bl_conv_alloc(L, ncols + 4, sizeof *cols);
    for (size_t i = 0; i < ncols; i++)
        cols[i] = (bl_csv_column_t){v->csv_names[i], v->csv_types[i]};
    const char *extra[] = {v->label_column, v->revenue_column, v->labelled_column, v->week_column};
    for (size_t i = 0; i < 4; i++) {
        bool listed = false;
        for (size_t k = 0; k < v->n_csv_columns && extra[i] != NULL; k++)
            listed = listed || strcmp(v->csv_names[k], extra[i]) == 0;
        if (extra[i] != NULL && !listed)
            cols[ncols++] = (bl_csv_column_t){extra[i], BL_COLUMN_NUMERIC};
    }
    bl_schema_t schema = {0};
    bl_csv_reader_t *r = NULL;
    bl_error_t e;
    bl_error_clear(&e);
    int rc = bl_csv_open(&r, v->csv_path, cols, ncols, v->on_bad_row, &schema, &e);
    bl_csv_close(r);
    bl_schema_fini(&schema);
    free(cols);
    if (rc == BL_ENOMEM)
        bl_conv_nomem(L);
    if (rc != 0)
        bl_conv_fail(L, "%s: %s", pre, e.message);
}

/* ------------------------------------------------------------ models */

/* Keys whose values are files: risk/logistic model=, risk/rules rules=,
 * risk/xgboost model= and encoding=. */
static bool is_file_key(const char *key) {
    return strcmp(key, "model") == 0 || strcmp(key, "rules") == 0 || strcmp(key, "encoding") == 0;
}

static void convert_models(const bl_fields_t *job, const bl_scenario_t *sc,
                           bl_risk_validation_t *v) {
    lua_State *L = job->L;
    const char *jpre = job->pre;
    if (bl_push(job, "models") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        bl_conv_fail(L,
                     "%s: models= needs a list of at least one risk model, as in models = "
                     "{bl.plugin{\"logistic\", model = \"models/cargo_logistic.json\"}}",
                     jpre);
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    if (n > MAX_MODELS)
        bl_conv_fail(L, "%s: models lists %zu models; at most %d are compared in one run", jpre, n,
                     MAX_MODELS);
    v->models = bl_conv_alloc(L, n, sizeof *v->models);
    v->n_models = n;
    for (size_t i = 0; i < n; i++) {
        char what[64], pre[300];
        snprintf(what, sizeof what, "models[%zu]", i + 1);
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        bl_plugin_ref_t *ref = &v->models[i];
        bl_conv_plugin_ref(L, -1, ref, jpre, what);
        bl_conv_where(L, -1, "bl.plugin", pre, sizeof pre);
        for (size_t k = 0; k < ref->n_config; k++) {
            if (!is_file_key(ref->config_keys[k]))
                continue;
            const char *given = ref->config_values[k];
            if (given[0] == '\0')
                bl_conv_fail(L, "%s: %s= must name a file (got '')", pre, ref->config_keys[k]);
            char *resolved = bl_conv_path(L, sc->path, given);
            char desc[600];
            snprintf(desc, sizeof desc, "%s = '%s'", ref->config_keys[k], given);
            free(ref->config_values[k]);
            ref->config_values[k] = resolved;
            require_file(L, pre, desc, resolved);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ rates, breakdown, gate */

static void convert_rates(const bl_fields_t *job, bl_risk_validation_t *v) {
    lua_State *L = job->L;
    const char *pre = job->pre;
    int type = bl_push(job, "rates");
    if (type == LUA_TNIL) {
        v->n_rates = bl_opt_default_list(job, "rates", v->rates, BL_RISK_MAX_RATES);
        lua_pop(L, 1);
        return;
    }
    size_t len = type == LUA_TTABLE ? lua_rawlen(L, -1) : 0;
    if (len == 0)
        bl_conv_fail(L,
                     "%s: rates must be a list of inspection rates in percent such as {1, 2, 5, "
                     "10} (got %s)",
                     pre, type == LUA_TTABLE ? "an empty list" : bl_conv_show(L, -1));
    if (len > BL_RISK_MAX_RATES)
        bl_conv_fail(L, "%s: rates lists %zu values; at most %d are measured: drop some", pre, len,
                     BL_RISK_MAX_RATES);
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        double r = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(r > 0 && r <= 100))
            bl_conv_fail(L,
                         "%s: rates[%zu] must be a percentage of declarations inspected, > 0 and "
                         "<= 100 (got %s)",
                         pre, i + 1, bl_conv_show(L, -1));
        for (size_t k = 0; k < i; k++)
            if (v->rates[k] == r)
                bl_conv_fail(L, "%s: rates lists %g twice", pre, r);
        v->rates[i] = r;
        lua_pop(L, 1);
    }
    v->n_rates = len;
    lua_pop(L, 1);
}

/* The categorical columns a breakdown may name, comma-separated, into
 * out: the generator's or the CSV's. */
static void categorical_columns(lua_State *L, const bl_risk_validation_t *v, char *out, size_t n) {
    size_t off = 0;
    out[0] = '\0';
    if (v->csv_path != NULL) {
        for (size_t i = 0; i < v->n_csv_columns; i++)
            if (v->csv_types[i] == BL_COLUMN_CATEGORICAL && off < n)
                off +=
                    (size_t)snprintf(out + off, n - off, "%s%s", off ? ", " : "", v->csv_names[i]);
        return;
    }
    bl_schema_t schema = {0};
    bl_error_t e;
    bl_error_clear(&e);
    int rc = bl_declaration_gen_schema(&schema, &e);
    for (size_t i = 0; rc == 0 && i < schema.n; i++)
        if (schema.columns[i].type == BL_COLUMN_CATEGORICAL && off < n)
            off += (size_t)snprintf(out + off, n - off, "%s%s", off ? ", " : "",
                                    schema.columns[i].name);
    bl_schema_fini(&schema);
    if (rc != 0)
        bl_conv_nomem(L);
}

/* Whether name is one of the comma-separated names in list. */
static bool in_list(const char *list, const char *name) {
    size_t len = strlen(name);
    for (const char *p = list; *p != '\0';) {
        const char *end = strstr(p, ", ");
        size_t l = end != NULL ? (size_t)(end - p) : strlen(p);
        if (l == len && strncmp(p, name, len) == 0)
            return true;
        p = end != NULL ? end + 2 : p + l;
    }
    return false;
}

static void convert_breakdown(const bl_fields_t *job, bl_risk_validation_t *v) {
    lua_State *L = job->L;
    const char *pre = job->pre;
    int type = bl_push(job, "breakdown");
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (type != LUA_TTABLE)
        bl_conv_fail(L,
                     "%s: breakdown must be a list of categorical columns such as {\"origin\"} "
                     "(got %s)",
                     pre, bl_conv_show(L, -1));
    size_t n = lua_rawlen(L, -1);
    if (n > MAX_BREAKDOWN)
        bl_conv_fail(L, "%s: breakdown lists %zu columns; at most %d: drop some", pre, n,
                     MAX_BREAKDOWN);
    char known[2048];
    categorical_columns(L, v, known, sizeof known);
    v->breakdown = bl_conv_alloc(L, n, sizeof *v->breakdown);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (name == NULL || !in_list(known, name))
            bl_conv_fail(L, "%s: breakdown[%zu] = %s is not a categorical column (%s: %s)", pre,
                         i + 1, bl_conv_show(L, -1),
                         v->csv_path != NULL ? "the columns given categorical" : "the generator's",
                         known[0] != '\0' ? known : "none");
        for (size_t k = 0; k < i; k++)
            if (strcmp(v->breakdown[k], name) == 0)
                bl_conv_fail(L, "%s: breakdown lists '%s' twice", pre, name);
        v->breakdown[i] = dup_or_raise(L, name);
        v->n_breakdown = i + 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* Whether model (a gate's prefix) names one of the models: by the name in
 * bl.plugin (its spec, or a .so file's name without folder and ".so"), or,
 * when it holds a '.', by a plugin id or results label, which only the
 * runner knows once the plugins are loaded. */
static bool names_a_model(const bl_risk_validation_t *v, const char *model) {
    if (strchr(model, '.') != NULL)
        return true;
    size_t len = strlen(model);
    for (size_t i = 0; i < v->n_models; i++) {
        const char *spec = v->models[i].spec;
        const char *base = strrchr(spec, '/');
        base = base != NULL ? base + 1 : spec;
        if (strcmp(spec, model) == 0 ||
            (strncmp(base, model, len) == 0 && strcmp(base + len, ".so") == 0))
            return true;
    }
    return false;
}

/* Parse "[model:]metric" at text into g (owned strings); raise naming
 * what is wrong. */
static void parse_gate(lua_State *L, const char *text, const bl_risk_validation_t *v,
                       const char *pre, bl_risk_gate_t *g) {
    static const char syntax[] =
        "a gate is \"[model:]metric\" with metric precision@N, recall@N, revenue@N (N one of "
        "rates) or auc, pr_auc";
    const char *colon = strrchr(text, ':');
    const char *metric = colon != NULL ? colon + 1 : text;
    if (colon != NULL) {
        size_t mlen = (size_t)(colon - text);
        char model[256];
        if (mlen == 0 || mlen >= sizeof model)
            bl_conv_fail(L, "%s: gate '%s': no model before ':'; %s", pre, text, syntax);
        memcpy(model, text, mlen);
        model[mlen] = '\0';
        if (!names_a_model(v, model)) {
            char specs[512];
            size_t off = 0;
            for (size_t i = 0; i < v->n_models && off < sizeof specs; i++)
                off += (size_t)snprintf(specs + off, sizeof specs - off, "%s%s", i ? ", " : "",
                                        v->models[i].spec);
            bl_conv_fail(L, "%s: gate '%s': '%s' is not one of the models (%s)", pre, text, model,
                         specs);
        }
        g->model = dup_or_raise(L, model);
    }
    if (strcmp(metric, "auc") == 0 || strcmp(metric, "pr_auc") == 0) {
        g->metric = dup_or_raise(L, metric);
        return;
    }
    static const char *const at_rate[] = {"precision", "recall", "revenue"};
    const char *at = strchr(metric, '@');
    size_t k = 0;
    while (k < 3 && !(at != NULL && (size_t)(at - metric) == strlen(at_rate[k]) &&
                      strncmp(metric, at_rate[k], strlen(at_rate[k])) == 0))
        k++;
    if (k == 3)
        bl_conv_fail(L, "%s: gate '%s': unknown metric '%s'; %s", pre, text, metric, syntax);
    char *end = NULL;
    errno = 0;
    double rate = strtod(at + 1, &end);
    if (at[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(rate))
        bl_conv_fail(L, "%s: gate '%s': '%s' is not a rate in percent; %s", pre, text, at + 1,
                     syntax);
    bool listed = false;
    char rates[400];
    size_t off = 0;
    for (size_t i = 0; i < v->n_rates; i++) {
        listed = listed || v->rates[i] == rate;
        if (off < sizeof rates)
            off += (size_t)snprintf(rates + off, sizeof rates - off, "%s%g", i ? ", " : "",
                                    v->rates[i]);
    }
    if (!listed)
        bl_conv_fail(L,
                     "%s: gate '%s': %g%% is not one of the rates measured (%s): add it to "
                     "rates or gate on one of them",
                     pre, text, rate, rates);
    char norm[64];
    snprintf(norm, sizeof norm, "%s@%g", at_rate[k], rate); /* "precision@5" for "precision@5.0" */
    g->metric = dup_or_raise(L, norm);
}

static void convert_gate(const bl_fields_t *job, bl_risk_validation_t *v) {
    lua_State *L = job->L;
    const char *pre = job->pre;
    int type = bl_push(job, "gate");
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (type != LUA_TTABLE)
        bl_conv_fail(L, "%s: gate must be a table such as {[\"precision@5\"] = 0.2} (got %s)", pre,
                     bl_conv_show(L, -1));
    int t = lua_gettop(L);
    /* In the order of their names, since a Lua table has none. */
    const char *keys[BL_RISK_MAX_GATES];
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            bl_conv_fail(L, "%s: gate: keys are metrics such as \"precision@5\" (got %s)", pre,
                         bl_conv_show(L, -2));
        if (n == BL_RISK_MAX_GATES)
            bl_conv_fail(L, "%s: gate lists more than %d bounds: drop some", pre,
                         BL_RISK_MAX_GATES);
        keys[n++] = lua_tostring(L, -2); /* kept alive by the table */
        lua_pop(L, 1);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(keys[k - 1], keys[k]) > 0; k--) {
            const char *tmp = keys[k];
            keys[k] = keys[k - 1];
            keys[k - 1] = tmp;
        }
    for (size_t i = 0; i < n; i++) {
        bl_risk_gate_t *g = &v->gates[i];
        v->n_gates = i + 1;
        parse_gate(L, keys[i], v, pre, g);
        bl_conv_field(L, t, keys[i]);
        double b = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(b >= 0 && b <= 1))
            bl_conv_fail(L,
                         "%s: gate['%s'] = %s: a bound is a value from 0 to 1 that the metric "
                         "must reach",
                         pre, keys[i], bl_conv_show(L, -1));
        g->bound = b;
        lua_pop(L, 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp(v->gates[k].metric, g->metric) == 0 &&
                (v->gates[k].model == NULL) == (g->model == NULL) &&
                (g->model == NULL || strcmp(v->gates[k].model, g->model) == 0))
                bl_conv_fail(L, "%s: gate: '%s' and '%s' are the same bound", pre, keys[k],
                             keys[i]);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ the job */

static void convert(lua_State *L, int t, bl_scenario_t *sc, const char *pre) {
    sc->replications = 1;
    bl_risk_validation_t *v = bl_conv_alloc(L, 1, sizeof *v);
    sc->settings = v;
    bl_declaration_gen_config_default(&v->generator);
    bl_fields_t job = bl_fields(L, t, &bl_risk_validation_ctor, pre);

    int type = bl_push(&job, "declarations");
    const char *tag = bl_conv_tag(L, -1);
    if (type != LUA_TNIL &&
        (tag == NULL || (strcmp(tag, "declarations") != 0 && strcmp(tag, "csv") != 0)))
        bl_conv_fail(L, "%s: declarations must be bl.declarations{...} or bl.csv{...} (got %s)",
                     pre, bl_conv_show(L, -1));
    if (type != LUA_TNIL && strcmp(tag, "csv") == 0)
        convert_csv(L, lua_gettop(L), sc, v);
    else if (type != LUA_TNIL)
        convert_declarations(L, lua_gettop(L), &v->generator);
    lua_pop(L, 1);

    convert_models(&job, sc, v);
    convert_rates(&job, v);
    convert_breakdown(&job, v);
    v->weekly_rate = bl_opt_number(&job, "weekly_rate");
    if (!(v->weekly_rate >= 0 && v->weekly_rate <= 100))
        bl_conv_fail(L,
                     "%s: weekly_rate must be the percentage of each week's declarations "
                     "inspected, 0 (off) to 100 (got %g)",
                     pre, v->weekly_rate);
    if (v->weekly_rate > 0 && v->csv_path != NULL && v->week_column == NULL)
        bl_conv_fail(L,
                     "%s: weekly_rate = %g needs the week of each declaration: give week= in "
                     "bl.csv, or drop weekly_rate",
                     pre, v->weekly_rate);
    v->batch = (uint32_t)bl_opt_integer(&job, "batch", 1, 1 << 20);
    v->bootstrap = (unsigned)bl_opt_integer(&job, "bootstrap", 0, 1000000);
    convert_gate(&job, v);
}

static void free_settings(void *settings) {
    bl_risk_validation_free_contents(settings);
    free(settings);
}

const bl_scenario_kind_t bl_risk_validation_kind = {
    .name = "risk_validation",
    .convert = convert,
    .free_settings = free_settings,
    .ctors = bl_risk_ctors,
};
