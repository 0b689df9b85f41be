/*
 * Loading the checkpoint's surrogate detector (engine/surrogate.h) from a
 * detector_bench results file: the scores of each threat class's scans and
 * the measured latency (engine/surrogate.h says how they are used).
 */
#ifndef BL_SURROGATE_FILE_H
#define BL_SURROGATE_FILE_H

#include "base/error.h"
#include "engine/surrogate.h"

/*
 * Load from the detector_bench file at path; detector is the label of the
 * detector group (NULL: the first in the file).  Errors (BL_EIO,
 * BL_EHDF5, BL_ENOTFOUND) name the file and say what to do: not an HDF5
 * file, not a detector_bench results file ("run borderlab run
 * scenarios/xray_bench.lua first"), no such detector (lists the labels),
 * no clean scans.  *out is heap; free with bl_surrogate_free.
 */
int bl_surrogate_load(bl_surrogate_t **out, const char *path, const char *detector,
                      bl_error_t *err);

#endif
