/*
 * Fixtures the risk-model plugin tests share (test_risk_xgboost,
 * test_risk_logistic, test_risk_rules): see risk_plugin_fixtures.h.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/loader.h"
#include "risk_plugin_fixtures.h"
#include "test_util.h"

/* Filled by each test program's group setup. */
char outdir[2200];

/* Error and warning lines a plugin logged, newest last (cleared by risk_open). */
char logged[8192];

static void capture_log(void *ctx, int level, const char *message) {
    (void)ctx;
    if (level > BL_LOG_WARN)
        return;
    size_t used = strlen(logged);
    snprintf(logged + used, sizeof logged - used, "%s\n", message);
}

/* Load builddir/so_path and create an instance with config (n pairs);
 * returns create()'s code (the plugin stays loaded: risk_close it). */
int risk_open(risk_plugin_t *rp, const char *so_path, size_t n, const char *const *keys,
              const char *const *values) {
    char path[4096];
    logged[0] = '\0';
    memset(rp, 0, sizeof *rp);
    tu_load_plugin(&rp->handle, tu_builddir_path(path, sizeof path, so_path), BL_KIND_RISK);
    rp->ops = rp->handle.desc->risk;
    bl_host_services_init(&rp->hs, 42, 0, 7, NULL, rp->handle.desc->header.id);
    rp->hs.host.log = capture_log;
    bl_config_t config = {n, keys, values};
    return rp->ops->create(&config, &rp->hs.host, &rp->instance);
}

void risk_close(risk_plugin_t *rp) {
    if (rp->instance != NULL)
        rp->ops->destroy(rp->instance);
    rp->instance = NULL;
    bl_plugin_unload(&rp->handle);
}

/* ------------------------------------------------------------------ risk/logistic, risk/rules */

void lr_fixture_path(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/tests/fixtures/%s", tu_srcdir(), name);
}

/* Write text to outdir/name; the path into out. */
void lr_write(const char *name, const char *text, char *out, size_t size) {
    tu_write_file(tu_path_in(out, size, outdir, name), text);
}

/* Open plugin so with one config key. */
int lr_open1(risk_plugin_t *rp, const char *so, const char *key, const char *value) {
    const char *keys[] = {key};
    const char *values[] = {value};
    return risk_open(rp, so, 1, keys, values);
}

void lr_expect_logged(const char *want) {
    if (strstr(logged, want) == NULL)
        fail_msg("log does not mention \"%s\"; it says:\n%s", want, logged);
}

const char *const lr_hs_labels[3] = {"240220", "240311", "851712"};
const char *const lr_origin_labels[6] = {"XX", "YY", "ZZ", "CN", "VN", "BR"};

void lr_batch_build(lr_batch_t *b) {
    /* hs code, origin, value_per_kg, importer_past_declarations */
    static const int32_t hs[LR_ROWS] = {0, 0, 0, 1, 2, 2, -1, 0, 0, 0};
    static const int32_t origin[LR_ROWS] = {0, 0, 0, 0, 1, 2, 0, 0, -1, 1};
    static const double vpk[LR_ROWS] = {8, 8, 20, 8, 30, 30, 8, NAN, 5, NAN};
    static const double past[LR_ROWS] = {50, 1, 1, 50, 2, 500, 50, NAN, 200, 10};
    memset(b, 0, sizeof *b);
    for (int i = 0; i < LR_ROWS; i++) {
        b->hs[i] = hs[i];
        b->origin[i] = origin[i];
        b->vpk[i] = vpk[i];
        b->past[i] = past[i];
        b->frauds[i] = i % 3;
        b->decl[i] = 1000 + i;
    }
    b->columns[0] = (bl_column_t){"declaration_id", BL_COLUMN_IDENTIFIER, 0, NULL, b->decl, NULL};
    b->columns[1] = (bl_column_t){"hs_code", BL_COLUMN_CATEGORICAL, 3, NULL, b->hs, lr_hs_labels};
    b->columns[2] =
        (bl_column_t){"origin", BL_COLUMN_CATEGORICAL, 6, NULL, b->origin, lr_origin_labels};
    b->columns[3] = (bl_column_t){"value_per_kg", BL_COLUMN_NUMERIC, 0, b->vpk, NULL, NULL};
    b->columns[4] =
        (bl_column_t){"importer_past_declarations", BL_COLUMN_NUMERIC, 0, b->past, NULL, NULL};
    b->columns[5] =
        (bl_column_t){"importer_past_frauds", BL_COLUMN_NUMERIC, 0, b->frauds, NULL, NULL};
    b->records = (bl_records_t){(uint32_t)sizeof(bl_records_t), 6, LR_ROWS, b->columns};
}

void lr_conformance(const char *so_rel, const char *key, const char *value) {
    char so[4096];
    tu_builddir_path(so, sizeof so, so_rel);
    const char *keys[] = {key};
    const char *values[] = {value};
    tu_expect_conformance(so, 1, keys, values, 10);
}
