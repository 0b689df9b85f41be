/*
 * Fixtures the risk-model plugin tests share (test_risk_xgboost,
 * test_risk_logistic, test_risk_rules): loading a plugin through the real
 * loader (bl_plugin_load) with one instance and its log captured, and, for
 * risk/logistic and risk/rules, the hand-made declarations batch with the
 * helpers around it.  Plugins are found under $top_builddir (default "."),
 * fixtures under $top_srcdir (default: $top_builddir).
 *
 * Functions that return void fail the calling cmocka test when they cannot
 * do their job.
 */
#ifndef BL_TEST_RISK_PLUGIN_FIXTURES_H
#define BL_TEST_RISK_PLUGIN_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"
#include "plugin/loader.h"

/* The folder the test program writes its files into: each program's
 * group setup fills it with tu_outdir. */
extern char outdir[2200];

/* Error and warning lines a plugin logged, newest last (cleared by
 * risk_open; a test may clear it too). */
extern char logged[8192];

/* A loaded risk plugin and one instance of it. */
typedef struct risk_plugin {
    bl_plugin_handle_t handle;
    bl_host_services_t hs;
    const bl_risk_ops_t *ops;
    void *instance;
} risk_plugin_t;

/* Load builddir/so_path and create an instance with config (n pairs,
 * borrowed); returns create()'s code (the plugin stays loaded: risk_close
 * it).  The plugin's log goes to `logged`. */
int risk_open(risk_plugin_t *rp, const char *so_path, size_t n, const char *const *keys,
              const char *const *values);

/* Destroy the instance (if any) and unload the plugin. */
void risk_close(risk_plugin_t *rp);

/* ---- risk/logistic, risk/rules */

/* $top_srcdir/tests/fixtures/name into out (size bytes). */
void lr_fixture_path(char *out, size_t size, const char *name);

/* Write text to outdir/name; the path into out (size bytes). */
void lr_write(const char *name, const char *text, char *out, size_t size);

/* Open plugin so (relative to the build tree) with one config key. */
int lr_open1(risk_plugin_t *rp, const char *so, const char *key, const char *value);

/* Fail the test unless `logged` mentions want (printing the log). */
void lr_expect_logged(const char *want);

/*
 * The hand-made declarations batch: 10 rows over the columns the synthetic
 * generator writes (a subset), with missing values in every column.
 */
#define LR_ROWS 10
typedef struct lr_batch {
    int32_t hs[LR_ROWS], origin[LR_ROWS], decl[LR_ROWS];
    double vpk[LR_ROWS], past[LR_ROWS], frauds[LR_ROWS];
    bl_column_t columns[6];
    bl_records_t records;
} lr_batch_t;

/* The batch's category labels: hs_code (3) and origin (6). */
extern const char *const lr_hs_labels[3];
extern const char *const lr_origin_labels[6];

/* Fill b (its columns point into b itself). */
void lr_batch_build(lr_batch_t *b);

/* The conformance checks on the plugin at so_rel (relative to the build
 * tree) with one config key; at least 10 must pass. */
void lr_conformance(const char *so_rel, const char *key, const char *value);

#endif
