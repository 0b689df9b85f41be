/*
 * Converting a detector_bench job (bl.detector_bench with its bl.xray
 * generator or bl.replay folder, detectors and performance modes) into the
 * scenario's bl_detector_bench_t: see scenario_convert.h.  Called by
 * scenario_lua.c's protected conversion, so every malformed value is a Lua
 * error naming the file:line of its constructor.  Every field is read
 * through its constructor's table (detector_fields.c).
 */
#include "scenario/scenario_convert.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lua.h>

#include "gen/xray.h"
#include "jobs/detector/detector_bench.h"
#include "jobs/detector/detector_fields.h"

/* The bl.xray object at x over the generator's defaults, which *cfg holds
 * already (bl_xray_config_default: the table's defaults too); the result is
 * checked by bl_xray_config_validate. */
static void convert_xray(lua_State *L, int x, bl_xray_config_t *cfg) {
    char pre[300];
    bl_conv_where(L, x, "bl.xray", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, x, &bl_xray_ctor, pre);
    cfg->width = (uint32_t)bl_opt_integer(&f, "width", 1, UINT32_MAX);
    cfg->height = (uint32_t)bl_opt_integer(&f, "height", 1, UINT32_MAX);
    cfg->pixel_mm = bl_opt_number(&f, "pixel_mm");
    cfg->clutter = bl_opt_number(&f, "clutter");
    cfg->occlusion = bl_opt_number(&f, "occlusion");
    cfg->object_scale = bl_opt_number(&f, "object_scale");
    cfg->photons = bl_opt_number(&f, "photons");
    cfg->blur_px = bl_opt_number(&f, "blur");
    cfg->dual_energy = bl_opt_boolean(&f, "dual_energy");
    const char *subject = bl_opt_text(&f, "subject");
    if (strcmp(subject, "bag") == 0)
        cfg->subject = BL_SUBJECT_BAG;
    else if (strcmp(subject, "container") == 0)
        cfg->subject = BL_SUBJECT_CONTAINER;
    else
        bl_conv_fail(L, "%s: subject must be 'bag' or 'container' (got '%s')", pre, subject);
    int type = bl_push(&f, "prevalence");
    if (type == LUA_TTABLE) { /* the classes listed; the others never appear */
        int t = lua_gettop(L);
        for (uint32_t c = 0; c < BL_THREAT_CLASS_COUNT; c++)
            cfg->prevalence[c] = 0;
        lua_pushnil(L);
        while (lua_next(L, t) != 0) {
            int c = lua_type(L, -2) == LUA_TSTRING ? bl_threat_by_name(lua_tostring(L, -2)) : -1;
            if (c <= 0) {
                const char *key = bl_conv_show(L, -2); /* before the list goes on the stack */
                bl_conv_fail(L, "%s: prevalence: unknown threat %s (threats: %s)", pre, key,
                             bl_conv_push_threat_list(L));
            }
            double p = lua_tonumber(L, -1);
            if (lua_type(L, -1) != LUA_TNUMBER || !(p >= 0 && p <= 1))
                bl_conv_fail(L, "%s: prevalence.%s must be a probability from 0 to 1 (got %s)", pre,
                             bl_threat_name((uint32_t)c), bl_conv_show(L, -1));
            cfg->prevalence[c] = p;
            lua_pop(L, 1);
        }
    } else if (type != LUA_TNIL) {
        bl_conv_fail(L, "%s: prevalence must be a table such as {firearm = 0.05} (got %s)", pre,
                     bl_conv_show(L, -1));
    }
    lua_pop(L, 1);
    bl_error_t e;
    bl_error_clear(&e);
    if (bl_xray_config_validate(cfg, &e) != 0) {
        static const char own[] = "xray config: "; /* pre already says bl.xray */
        bool prefixed = strncmp(e.message, own, sizeof own - 1) == 0;
        bl_conv_fail(L, "%s: %s", pre, e.message + (prefixed ? sizeof own - 1 : 0));
    }
}

/* Whether name ends in ext, ignoring case. */
static bool has_extension(const char *name, const char *ext) {
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

static void convert_replay(lua_State *L, int r, const bl_scenario_t *sc, bl_detector_bench_t *b) {
    char pre[300];
    bl_conv_where(L, r, "bl.replay", pre, sizeof pre);
    bl_fields_t f = bl_fields(L, r, &bl_replay_ctor, pre);
    const char *folder = bl_opt_string(&f, "folder");
    const char *annotations = bl_opt_string(&f, "annotations");
    if (folder == NULL || folder[0] == '\0' || annotations == NULL || annotations[0] == '\0')
        bl_conv_fail(L, "%s: needs folder= (the images) and annotations= (COCO .json or .csv)",
                     pre);
    b->replay_folder = bl_conv_path(L, sc->path, folder);
    b->replay_annotations = bl_conv_path(L, sc->path, annotations);
    if (bl_has(&f, "pixel_mm")) {
        b->replay_pixel_mm = bl_check_number(&f, "pixel_mm");
        if (!(b->replay_pixel_mm > 0 && isfinite(b->replay_pixel_mm)))
            bl_conv_fail(L, "%s: pixel_mm must be the size of a pixel in mm, > 0 (got %g)", pre,
                         b->replay_pixel_mm);
    }
    if (!has_extension(annotations, ".json") && !has_extension(annotations, ".csv"))
        bl_conv_fail(L, "%s: annotations = '%s': give a COCO .json or a .csv file", pre,
                     annotations);
    /* Found now, so a wrong path is reported at its line before anything runs. */
    static const char hint[] = "a relative path starts from the scenario's folder";
    struct stat st;
    if (stat(b->replay_folder, &st) != 0)
        bl_conv_fail(L, "%s: folder = '%s' (%s): %s; %s", pre, folder, b->replay_folder,
                     strerror(errno), hint);
    if (!S_ISDIR(st.st_mode))
        bl_conv_fail(L, "%s: folder = '%s' (%s) is not a folder", pre, folder, b->replay_folder);
    if (stat(b->replay_annotations, &st) != 0)
        bl_conv_fail(L, "%s: annotations = '%s' (%s): %s; %s", pre, annotations,
                     b->replay_annotations, strerror(errno), hint);
    if (!S_ISREG(st.st_mode))
        bl_conv_fail(L, "%s: annotations = '%s' (%s) is not a file", pre, annotations,
                     b->replay_annotations);
}

/* A list of distinct integers from min to max, at most BL_BENCH_MAX_LIST;
 * the table's default list when absent. */
static void list_field(const bl_fields_t *f, const char *name, long long min, long long max,
                       uint32_t *out, size_t *n) {
    lua_State *L = f->L;
    const char *pre = f->pre;
    int type = bl_push(f, name);
    if (type == LUA_TNIL) {
        double def[BL_BENCH_MAX_LIST];
        *n = bl_opt_default_list(f, name, def, BL_BENCH_MAX_LIST);
        for (size_t i = 0; i < *n; i++)
            out[i] = (uint32_t)def[i];
        lua_pop(L, 1);
        return;
    }
    size_t len = type == LUA_TTABLE ? lua_rawlen(L, -1) : 0;
    if (len == 0)
        bl_conv_fail(L, "%s: %s must be a list of integers such as {1, 16, 64} (got %s)", pre, name,
                     type == LUA_TTABLE ? "an empty list" : bl_conv_show(L, -1));
    if (len > BL_BENCH_MAX_LIST)
        bl_conv_fail(L, "%s: %s lists %zu values; at most %d are measured: drop some", pre, name,
                     len, BL_BENCH_MAX_LIST);
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        double d = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(d >= (double)min && d <= (double)max) ||
            d != floor(d))
            bl_conv_fail(L, "%s: %s[%zu] must be an integer from %lld to %lld (got %s)", pre, name,
                         i + 1, min, max, bl_conv_show(L, -1));
        out[i] = (uint32_t)d;
        for (size_t k = 0; k < i; k++)
            if (out[k] == out[i])
                bl_conv_fail(L, "%s: %s lists %u twice", pre, name, out[i]);
        lua_pop(L, 1);
    }
    *n = len;
    lua_pop(L, 1);
}

/* Push performance.<mode> and return its fields (t 0 and nothing pushed
 * when the mode is off); what receives its message prefix. */
static bl_fields_t perf_mode(const bl_fields_t *perf, const char *mode, const bl_ctor_t *ctor,
                             const char *pre, char *what, size_t n) {
    lua_State *L = perf->L;
    int type = bl_push(perf, mode);
    bl_fields_t none = {L, 0, ctor, what};
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return none;
    }
    snprintf(what, n, "%s: performance.%s", pre, mode);
    if (type != LUA_TTABLE)
        bl_conv_fail(L, "%s must be a table (got %s)", what, bl_conv_show(L, -1));
    return bl_fields(L, -1, ctor, what);
}

/* A positive number a mode requires. */
static double positive(const bl_fields_t *f, const char *name) {
    double v = bl_has(f, name) ? bl_check_number(f, name) : 0;
    if (!(v > 0))
        bl_conv_fail(f->L, "%s: %s= is required: %s, > 0", f->pre, name,
                     bl_ctor_field(f->ctor, name)->doc);
    return v;
}

static void convert_performance(const bl_fields_t *job, bl_detector_bench_t *b) {
    lua_State *L = job->L;
    const char *pre = job->pre;
    int type = bl_push(job, "performance");
    if (type == LUA_TNIL) { /* the table's defaults, read from an empty table */
        lua_pop(L, 1);
        lua_newtable(L);
    } else if (type != LUA_TTABLE) {
        bl_conv_fail(L, "%s: performance must be a table such as {offline = {...}} (got %s)", pre,
                     bl_conv_show(L, -1));
    }
    char what[400], mode[400];
    snprintf(what, sizeof what, "%s: performance", pre);
    bl_fields_t perf = bl_fields(L, -1, &bl_performance_ctor, what);
    b->pool = (uint32_t)bl_opt_integer(&perf, "pool", 1, 1 << 20);
    if (type == LUA_TNIL) /* no performance table: accuracy only, no overhead rows either */
        b->pool = 0;
    bl_fields_t t = perf_mode(&perf, "offline", &bl_offline_ctor, pre, mode, sizeof mode);
    if (t.t != 0) {
        b->offline_scans = (uint32_t)bl_opt_integer(&t, "scans", 1, UINT32_MAX);
        list_field(&t, "batch_sizes", 1, 65536, b->offline_batches, &b->n_offline_batches);
        list_field(&t, "threads", 1, 1024, b->offline_threads, &b->n_offline_threads);
        lua_pop(L, 1);
    }
    t = perf_mode(&perf, "single_stream", &bl_single_stream_ctor, pre, mode, sizeof mode);
    if (t.t != 0) {
        b->single_stream_queries = (uint32_t)bl_opt_integer(&t, "queries", 1, UINT32_MAX);
        lua_pop(L, 1);
    }
    t = perf_mode(&perf, "server", &bl_server_ctor, pre, mode, sizeof mode);
    if (t.t != 0) {
        b->server_queries = (uint32_t)bl_opt_integer(&t, "queries", 1, UINT32_MAX);
        b->server_rate = positive(&t, "rate");
        b->server_bound = positive(&t, "p99_bound");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void convert(lua_State *L, int t, bl_scenario_t *sc, const char *pre) {
    sc->replications = 1;
    bl_detector_bench_t *b = bl_conv_alloc(L, 1, sizeof *b);
    sc->settings = b;
    bl_fields_t job = bl_fields(L, t, &bl_detector_bench_ctor, pre);
    bool has_scans = bl_has(&job, "scans");
    b->scans = (uint64_t)bl_opt_integer(&job, "scans", 1, LLONG_MAX);
    b->threshold = bl_opt_number(&job, "threshold");
    if (!(b->threshold >= 0 && b->threshold <= 1))
        bl_conv_fail(L, "%s: threshold must be a confidence from 0 to 1 (got %g)", pre,
                     b->threshold);
    b->batch = (uint32_t)bl_opt_integer(&job, "batch", 1, 65536);
    const char *intervals = bl_opt_text(&job, "intervals");
    if (strcmp(intervals, "clopper-pearson") == 0)
        b->clopper_pearson = true;
    else if (strcmp(intervals, "wilson") != 0)
        bl_conv_fail(L, "%s: intervals must be 'wilson' or 'clopper-pearson' (got '%s')", pre,
                     intervals);
    b->save_scans = bl_opt_boolean(&job, "save_scans");

    bl_xray_config_default(&b->xray);
    int type = bl_push(&job, "generator");
    const char *tag = bl_conv_tag(L, -1);
    if (type != LUA_TNIL && (tag == NULL || strcmp(tag, "xray") != 0))
        bl_conv_fail(L, "%s: generator must be bl.xray{...} (got %s)", pre, bl_conv_show(L, -1));
    if (type != LUA_TNIL)
        convert_xray(L, lua_gettop(L), &b->xray);
    lua_pop(L, 1);
    type = bl_push(&job, "replay");
    tag = bl_conv_tag(L, -1);
    if (type != LUA_TNIL && (tag == NULL || strcmp(tag, "replay") != 0))
        bl_conv_fail(L, "%s: replay must be bl.replay{folder = ..., annotations = ...} (got %s)",
                     pre, bl_conv_show(L, -1));
    if (type != LUA_TNIL) {
        if (has_scans)
            bl_conv_fail(
                L,
                "%s: scans= counts generated scans; a replay uses every image in its folder: "
                "drop scans=",
                pre);
        convert_replay(L, lua_gettop(L), sc, b);
    }
    lua_pop(L, 1);

    if (bl_push(&job, "detectors") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        bl_conv_fail(L,
                     "%s: detectors= needs a list of at least one detector, as in detectors = "
                     "{bl.plugin{\"dual_energy\"}, bl.plugin{\"density\"}}",
                     pre);
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    b->detectors = bl_conv_alloc(L, n, sizeof *b->detectors);
    b->n_detectors = n;
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "detectors[%zu]", i + 1);
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        bl_conv_plugin_ref(L, -1, &b->detectors[i], pre, what);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    convert_performance(&job, b);
}

static void free_settings(void *settings) {
    bl_detector_bench_free_contents(settings);
    free(settings);
}

const bl_scenario_kind_t bl_detector_bench_kind = {
    .name = "detector_bench",
    .convert = convert,
    .free_settings = free_settings,
    .ctors = bl_detector_ctors,
};
