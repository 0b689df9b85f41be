/*
 * `borderlab plugin check FILE.so`: the conformance checks a vendor runs
 * before handing a library over.  For every kind: loads and validates,
 * create/destroy (twice), an empty batch is accepted, a batch of n gives
 * the same outputs as n batches of one, and two instances with the same
 * host RNG seed give the same output (a detector's also when they run at
 * the same time on two threads).  Kind-specific checks follow (a
 * store's deposit/get round trip and custody verify).  A store configured
 * with a `path` (a database file) must be given a new file: the checks expect
 * it empty, and the same-seed instance uses path + ".seed2" (also new).
 *
 * A file is checked in a plugin host process (plugin/isolated.h), never
 * opened in this one, with every instance in that one process and failures
 * returned rather than absorbed; the configuration key writable= is the
 * harness's (folders it may write in), not the plugin's.  What the library
 * printed follows the checks as "log | " lines.
 */
#ifndef BL_CONFORMANCE_H
#define BL_CONFORMANCE_H

#include <stdio.h>

#include "base/error.h"

typedef struct bl_conformance_result {
    unsigned passed;
    unsigned failed;
} bl_conformance_result_t;

/*
 * Run the checks on the plugin at path, printing one line per check
 * ("ok   name" / "FAIL name: reason") to out.  config_* may be given for
 * plugins that need configuration to create (n may be 0).  Returns 0 when
 * the checks could run (see result for passes and failures), or an error
 * when the file could not be loaded (err says why).
 */
int bl_conformance_run(const char *path, size_t n_config, const char *const *config_keys,
                       const char *const *config_values, FILE *out, bl_conformance_result_t *result,
                       bl_error_t *err);

#endif
