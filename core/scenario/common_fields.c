/*
 * The field tables of the constructors every job shares (fields.h): the
 * rows each job's own constructor takes (name=, seed=), the distributions,
 * bl.plugin and bl.parameters.  The Lua library builds them all (the
 * distributions are C objects made by core.dist), so their rows are
 * BL_FIELD_LUA: C reads what the library made of them.
 */
#include "scenario/fields.h"

#define LUA BL_FIELD_LUA

const bl_field_t bl_job_fields[] = {
    {"name", "text", "the file's name without .lua",
     "the run's name: results/<name>.h5 unless -o says otherwise", 0},
    {"seed", "integer >= 0", "1",
     "every random stream of the run derives from it (--seed overrides it)", 0},
    {NULL},
};

/* ------------------------------------------------------------------ distributions */

static const bl_field_t exponential_fields[] = {
    {"mean", "seconds", "mean= or rate=", "the mean", LUA},
    {"rate", "per second", "mean= or rate=", "1 / mean", LUA},
    {NULL},
};

static const bl_ctor_t exponential = {
    "bl.exponential", "exponential times (a Poisson process's gaps; memoryless service)",
    exponential_fields};

static const bl_field_t lognormal_fields[] = {
    {"mu", "number", "mu= and sigma=, or mean= and sd=", "mean of the underlying normal (log)",
     LUA},
    {"sigma", "number", "mu= and sigma=, or mean= and sd=", "its standard deviation", LUA},
    {"mean", "seconds", "mu= and sigma=, or mean= and sd=", "mean of the variable itself", LUA},
    {"sd", "seconds",
     "mu= and sigma=, or mean= and sd=", "standard deviation of the variable itself", LUA},
    {NULL},
};

static const bl_ctor_t lognormal = {
    "bl.lognormal", "lognormal times (skewed service: most quick, a few long)", lognormal_fields};

static const bl_field_t gamma_fields[] = {
    {"shape", "number > 0", NULL, "k: 1 is exponential, larger is less variable", LUA},
    {"scale", "seconds", "scale= or rate=", "theta: the mean is shape x scale", LUA},
    {"rate", "per second", "scale= or rate=", "1 / scale", LUA},
    {NULL},
};

static const bl_ctor_t gamma = {"bl.gamma", "gamma times", gamma_fields};

static const bl_field_t deterministic_fields[] = {
    {"value", "number", NULL,
     "the value every draw takes; bl.deterministic(30), or a plain 30 wherever a distribution "
     "goes, says the same",
     BL_FIELD_FIRST | LUA},
    {NULL},
};

static const bl_ctor_t deterministic = {"bl.deterministic", "a constant", deterministic_fields};

static const bl_field_t uniform_fields[] = {
    {"low", "number", NULL, "the smallest value", LUA},
    {"high", "number", NULL, "the largest value", LUA},
    {NULL},
};

static const bl_ctor_t uniform = {"bl.uniform", "uniform between low and high", uniform_fields};

static const bl_field_t empirical_fields[] = {
    {"values", "list of numbers", NULL, "the values a draw takes", LUA},
    {"weights", "list of numbers >= 0", "equal weights", "how often each value is drawn", LUA},
    {NULL},
};

static const bl_ctor_t empirical = {"bl.empirical", "one of the values given, by weight",
                                    empirical_fields};

/* ------------------------------------------------------------------ plugins, parameters */

static const bl_field_t plugin_fields[] = {
    {"plugin", "text", NULL,
     "a reference plugin's name (dual_energy, logistic, sqlite...) or a .so file, from the "
     "scenario's folder",
     BL_FIELD_FIRST | LUA},
    /* The harness's keys: where the plugin runs and its limits, never given
     * to the plugin (scenario/plugin_limits.c; README "Trust"). */
    {"isolation", "\"process\" or \"none\"",
     "process for a .so file and the ffi adapters, none for reference plugins",
     "process: a sandboxed plugin host process; none: inside borderlab", LUA},
    {"timeout", "seconds", "5", "a call's deadline: timeout + item_timeout per item", LUA},
    {"item_timeout", "seconds", "1 a scan, 0.002 a record, 0.5 a store operation",
     "the deadline's share per item of a batch", LUA},
    {"memory_limit", "bytes, or with K, M, G (\"2G\")", "4G",
     "the plugin host's address space, mapped inputs included", LUA},
    {"max_failures", "integer 1..", "10",
     "failures to process after which the plugin is invalid for the rest of the run", LUA},
    {"log_limit", "bytes, or with K, M, G", "64K",
     "the plugin's stdout, stderr and log kept in /plugin_logs", LUA},
    {"writable", "folder, or a list of them", "none: its scratch folder only",
     "folders it may write in (a store's database folder)", LUA},
    {"cpus", "\"0,2-3\"", "any", "the CPUs its plugin host process is pinned to", LUA},
    {NULL},
};

static const bl_ctor_t plugin = {
    "bl.plugin",
    "a plugin, where it runs and its configuration: every key = value not in this table goes to "
    "the plugin as text (a table of them as key.sub = value); ${replication} in a value is the "
    "replication's number",
    plugin_fields, NULL, true};

static const bl_ctor_t parameters = {
    "bl.parameters",
    "the values --set may override, each typed by its default: "
    "local P = bl.parameters{servers = 4}; reading an undeclared P.name is an error",
    NULL, NULL, true};

const bl_ctor_t *const bl_common_ctors[] = {
    &exponential, &lognormal, &gamma,      &deterministic, &uniform,
    &empirical,   &plugin,    &parameters, NULL,
};
