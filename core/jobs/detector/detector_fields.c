/*
 * The field tables of the detector_bench job's constructors
 * (scenario/fields.h): bl.detector_bench and its performance modes, the
 * X-ray generator (bl.xray: its defaults are the generator's own,
 * bl_xray_config_default) and the image replay (bl.replay).  The converter
 * (scenario_bench.c) reads every field through these rows.
 */
#include "jobs/detector/detector_fields.h"

#include <stdio.h>
#include <string.h>

#include "data/scan.h"
#include "gen/xray.h"

#define LUA BL_FIELD_LUA

static const bl_field_t bench_fields[] = {
    {"scans", "integer", "5000", "scans generated for the test set (not with replay=)"},
    {"generator", "bl.xray{...}", "bl.xray{} (its defaults)",
     "how the scans are generated (or give replay=)"},
    {"replay", "bl.replay{...}", "none", "a team's own labelled images instead of generated scans"},
    {"detectors", "list of bl.plugin{...}", NULL,
     "the detectors, each run on the same scans; --plugin detector=FILE.so replaces the list"},
    {"threshold", "confidence 0..1", "0.5", "the alarm threshold for Pd, Pfa and McNemar's test"},
    {"batch", "integer 1..65536", "16", "scans per detect() call in accuracy mode"},
    {"intervals", "wilson or clopper-pearson", "wilson", "the 95% intervals on Pd and Pfa"},
    {"save_scans", "true/false", "false", "also write the scans themselves to /detector/set"},
    {"performance", "{pool =, offline =, single_stream =, server =}", "none: accuracy only",
     "the timing modes (LoadGen-style), each off unless its table is given"},
    {NULL},
};

const bl_ctor_t bl_detector_bench_ctor = {
    "bl.detector_bench",
    "the detector_bench job (procurement): a fixed, seeded set of scans through detectors; "
    "accuracy against ground truth they never see, then timing",
    bench_fields, bl_job_fields};

static const bl_field_t performance_fields[] = {
    {"pool", "integer 1..1048576", "64", "pre-generated scans the timing modes cycle through"},
    {"offline", "{scans =, batch_sizes =, threads =}", "none", "throughput as fast as possible"},
    {"single_stream", "{queries =}", "none", "latency of one scan at a time"},
    {"server", "{rate =, queries =, p99_bound =}", "none",
     "latency under Poisson arrivals, against a bound"},
    {NULL},
};

const bl_ctor_t bl_performance_ctor = {"bl.detector_bench: performance",
                                       "the timing modes of a bench", performance_fields};

static const bl_field_t offline_fields[] = {
    {"scans", "integer", "512", "scans per (batch size, threads) point"},
    {"batch_sizes", "list of integers 1..65536", "{1, 16, 64}", "batch sizes measured"},
    {"threads", "list of integers 1..1024", "{1}",
     "worker threads measured, each with its own instance"},
    {NULL},
};

const bl_ctor_t bl_offline_ctor = {"bl.detector_bench: performance.offline",
                                   "offline throughput (scans per second)", offline_fields};

static const bl_field_t single_stream_fields[] = {
    {"queries", "integer", "300", "queries of one scan, the next sent when the last is done"},
    {NULL},
};

const bl_ctor_t bl_single_stream_ctor = {"bl.detector_bench: performance.single_stream",
                                         "single-stream latency", single_stream_fields};

static const bl_field_t server_fields[] = {
    {"rate", "queries per second > 0", NULL, "the Poisson arrival rate"},
    {"queries", "integer", "300", "queries sent"},
    {"p99_bound", "seconds > 0", NULL, "the 99th-percentile latency the detector must meet"},
    {NULL},
};

const bl_ctor_t bl_server_ctor = {"bl.detector_bench: performance.server",
                                  "server latency under Poisson arrivals", server_fields};

/* ------------------------------------------------------------------ the generator */

#define X(m, t) BL_FIELD_AT(bl_xray_config_t, m, t)

static const bl_field_t xray_fields[] = {
    {"width", "integer", NULL, "pixels", 0, X(width, BL_AT_U32)},
    {"height", "integer", NULL, "pixels", 0, X(height, BL_AT_U32)},
    {"pixel_mm", "number >= 0", NULL, "millimetres per pixel; 0 fits the subject in the image", 0,
     X(pixel_mm, BL_AT_DOUBLE)},
    {"subject", "bag or container", "bag", "a cabin or hold bag (~600 mm), or a container (~6 m)"},
    {"prevalence", "{<threat> = probability}", NULL,
     "the chance a scan holds each threat class, independently; a class not listed never "
     "appears"},
    {"clutter", "0..1", NULL, "how full the bags are", 0, X(clutter, BL_AT_DOUBLE)},
    {"occlusion", "0..1", NULL, "the chance a threat is placed under dense clutter", 0,
     X(occlusion, BL_AT_DOUBLE)},
    {"object_scale", "0.1..10", NULL, "threat objects' size factor", 0,
     X(object_scale, BL_AT_DOUBLE)},
    {"photons", "1..1e9", NULL, "unattenuated photons per pixel (noise: fewer is noisier)", 0,
     X(photons, BL_AT_DOUBLE)},
    {"blur", "pixels 0..20", NULL, "the detector's Gaussian blur (sigma)", 0,
     X(blur_px, BL_AT_DOUBLE)},
    {"dual_energy", "true/false", NULL, "two energies (material discrimination) or high only", 0,
     X(dual_energy, BL_AT_BOOL)},
    {NULL},
};

static void xray_defaults(void *st) { bl_xray_config_default(st); }

/* prevalence's default: the generator's, class by class. */
static const char *xray_default_text(const char *field, char *buf, size_t n) {
    if (strcmp(field, "prevalence") != 0)
        return NULL;
    bl_xray_config_t cfg;
    bl_xray_config_default(&cfg);
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t c = 1; c < BL_THREAT_CLASS_COUNT && used < n; c++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s %g", c > 1 ? ", " : "",
                                 bl_threat_name(c), cfg.prevalence[c]);
    return buf;
}

const bl_ctor_t bl_xray_ctor = {
    .name = "bl.xray",
    .doc = "synthetic dual-energy X-ray scans with ground truth (Beer-Lambert with NIST XCOM "
           "coefficients, Poisson photon noise, blur)",
    .fields = xray_fields,
    .defaults = xray_defaults,
    .defaults_size = sizeof(bl_xray_config_t),
    .default_text = xray_default_text,
};

static const bl_field_t replay_fields[] = {
    {"folder", "path", NULL,
     "the images: NAME_low.png / NAME_high.png (or .tif), or NAME.png single-energy; from the "
     "scenario's folder"},
    {"annotations", "path", NULL, "COCO .json or .csv (image,class,x0,y0,x1,y1) boxes"},
    {"pixel_mm", "number > 0", "what the images state",
     "millimetres per pixel, when the images do not say"},
    {NULL},
};

const bl_ctor_t bl_replay_ctor = {"bl.replay", "a team's own labelled images", replay_fields};

const bl_ctor_t *const bl_detector_ctors[] = {
    &bl_detector_bench_ctor, &bl_performance_ctor, &bl_offline_ctor, &bl_single_stream_ctor,
    &bl_server_ctor,         &bl_xray_ctor,        &bl_replay_ctor,  NULL,
};
