/* Unit tests for detector_bench through the whole run command (bl_run): a
 * scenario file, --plugin detector=X replacing its detectors and the
 * refusals that leave no file; and a folder of 16-bit PNG or TIFF images
 * with COCO or CSV annotations (written here, as a team would bring them)
 * replayed through it (core/io/replay.c, replay_annotations.c), read back
 * through the shared table descriptions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "detector_bench_fixtures.h"
#include "gen/xray.h"
#include "image_fixtures.h"
#include "jobs/detector/bench_results.h"
#include "jobs/jobs.h"
#include "results/results.h"
#include "run/run.h"
#include "stats/rng.h"
#include "test_util.h"

/* Each test's files go under $top_builddir/tests/out/test_detector_bench_run.XXXXXX. */
static int setup(void **state) {
    return detector_bench_fixture_setup(state, "test_detector_bench_run");
}

/* The run command end to end: a scenario file, --plugin detector=X
 * replacing its detectors, the summary; and a bad --plugin leaves no file. */
static void test_detector_bench_run_command(void **state) {
    fixture_t *f = *state;
    char scenario[700], out[700];
    snprintf(scenario, sizeof scenario, "%s/bench.lua", f->dir);
    FILE *fp = fopen(scenario, "w");
    assert_non_null(fp);
    fprintf(fp, "return bl.detector_bench{\n"
                "    name = 'unit_run', seed = 3, scans = 40, batch = 4,\n"
                "    generator = bl.xray{width = 48, height = 48, prevalence = {knife = 0.4}},\n"
                "    detectors = {bl.plugin{'dual_energy'}},\n"
                "    performance = {pool = 4, single_stream = {queries = 5}},\n"
                "}\n");
    fclose(fp);
    snprintf(out, sizeof out, "%s/run.h5", f->dir);
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    o.scenario_path = scenario;
    o.output = out;
    o.threads = 2;
    o.quiet = true;
    o.command_line = "borderlab run bench.lua";
    o.plugin_override[BL_ROLE_DETECTOR] = f->bad;
    bl_error_t err;
    bl_error_clear(&err);
    int rc = bl_run(&o, &err);
    /* It gives invalid outputs: the run finishes, its file is complete, and
     * the verdict on it is INVALID (the exit status 4 of `borderlab run`). */
    if (rc != BL_RUN_PLUGIN_INVALID)
        print_error("%s\n", err.message);
    assert_int_equal(rc, BL_RUN_PLUGIN_INVALID);
    assert_non_null(strstr(err.message, "borderlab-tests.bad_detector"));
    assert_non_null(strstr(err.message, "INVALID"));
    size_t n = 0;
    bl_plugin_row_t *plugins = read_table(out, &bl_results_plugins_table, NULL, &n);
    assert_int_equal(n, 1);
    assert_string_equal(plugins[0].id, "borderlab-tests.bad_detector");
    assert_int_equal(plugins[0].invalid_outputs, expected_invalid(40));
    assert_string_equal(plugins[0].isolation, "process"); /* a file: isolated by default */
    assert_string_equal(plugins[0].verdict, "INVALID");
    assert_non_null(strstr(plugins[0].verdict_reason, "invalid outputs"));
    free(plugins);
    char *id = root_text(out, "plugin_detector_id");
    assert_string_equal(id, "borderlab-tests.bad_detector");
    free(id);

    /* Other roles make no sense for a bench. */
    remove(out);
    o.plugin_override[BL_ROLE_RISK] = f->bad;
    bl_error_clear(&err);
    assert_int_not_equal(bl_run(&o, &err), 0);
    assert_non_null(strstr(err.message, "--plugin risk="));
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);

    /* A detector that does not load: named, and no file (not even the
     * temporary one) is left. */
    char missing[700];
    snprintf(missing, sizeof missing, "%s/vendor_x.so", f->dir);
    o.plugin_override[BL_ROLE_RISK] = NULL;
    o.plugin_override[BL_ROLE_DETECTOR] = missing;
    bl_error_clear(&err);
    assert_int_not_equal(bl_run(&o, &err), 0);
    assert_non_null(strstr(err.message, "vendor_x.so"));
    assert_int_not_equal(stat(out, &st), 0);
    char temp[800];
    snprintf(temp, sizeof temp, "%s/.run.h5.tmp.%ld", f->dir, (long)getpid());
    assert_int_not_equal(stat(temp, &st), 0);
}

/* ------------------------------------------------------------------ replay */

#define REPLAY_SCANS 12
#define REPLAY_SIDE 120 /* a bag 600 mm across: 5 mm pixels, exact in PNG pHYs */

/* The replayed set: scans generated with a firearm (even i) or clean (odd
 * i), quantised to 16 bits as the images hold them. */
typedef struct replay_set {
    char dir[640];
    bl_scan_truth_t truth[REPLAY_SCANS];
} replay_set_t;

/* Write the set into f->dir/name as bagNN_low.EXT / bagNN_high.EXT (PNG or
 * TIFF) with annotations in coco.json or annotations.csv; also in
 * set->truth.  Images with no threat have no annotation (clean).  The PNGs
 * state the true pixel size, the TIFFs 72 dpi. */
static void write_replay_set(const fixture_t *f, const char *name, bool tiff, replay_set_t *set) {
    snprintf(set->dir, sizeof set->dir, "%s/%s", f->dir, name);
    assert_int_equal(mkdir(set->dir, 0755), 0);
    bl_xray_config_t cfg;
    bl_xray_config_default(&cfg);
    cfg.width = cfg.height = REPLAY_SIDE;
    bl_scan_buffer_t b;
    assert_int_equal(bl_scan_buffer_init(&b, REPLAY_SIDE, REPLAY_SIDE), 0);
    uint16_t *pixels = malloc(REPLAY_SIDE * REPLAY_SIDE * sizeof *pixels);
    assert_non_null(pixels);
    char path[800];
    snprintf(path, sizeof path, "%s/%s", set->dir, tiff ? "annotations.csv" : "coco.json");
    FILE *ann = fopen(path, "w");
    assert_non_null(ann);
    if (tiff)
        fprintf(ann, "image,class,x0,y0,x1,y1\n");
    else
        fprintf(ann, "{\"categories\": [{\"id\": 7, \"name\": \"firearm\"}, "
                     "{\"id\": 8, \"name\": \"knife\"}],\n \"images\": [");
    for (int i = 0; i < REPLAY_SCANS; i++) {
        bl_rng_t rng;
        bl_rng_init(&rng, 777, (uint64_t)i, BL_STREAM_SCANS);
        bl_scan_t scan;
        bl_xray_generate(&cfg, i % 2 == 0 ? BL_THREAT_FIREARM : 0, (uint64_t)i, &rng, &b, &scan,
                         &set->truth[i]);
        assert_int_equal(scan.energies, 2);
        assert_true(scan.pixel_mm == 5);
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/bag%02d_%s.%s", set->dir, i, e ? "high" : "low",
                     tiff ? "tif" : "png");
            image_fixture_from_transmission(e ? scan.high : scan.low, REPLAY_SIDE * REPLAY_SIDE,
                                            pixels);
            if (tiff)
                image_fixture_tiff(path, pixels, REPLAY_SIDE, REPLAY_SIDE, i % 3 == 0, false,
                                   25.4 / 72); /* many tools' default, wrong */
            else
                image_fixture_png(path, pixels, REPLAY_SIDE, REPLAY_SIDE, 16, false, i % 5 == 0,
                                  scan.pixel_mm);
        }
        /* COCO names an image three ways: NAME_high.png, NAME.png, NAME. */
        if (!tiff)
            fprintf(ann, "%s{\"id\": %d, \"file_name\": \"bag%02d%s\"}", i ? ", " : "", 100 + i, i,
                    i % 3 == 0   ? "_high.png"
                    : i % 3 == 1 ? ".png"
                                 : "");
    }
    assert_true(set->truth[0].n >= 1);
    if (!tiff)
        fprintf(ann, "],\n \"annotations\": [");
    int k = 0;
    for (int i = 0; i < REPLAY_SCANS; i++)
        for (uint32_t j = 0; j < set->truth[i].n; j++) {
            const float *box = set->truth[i].objects[j].box;
            uint32_t threat = set->truth[i].objects[j].threat;
            assert_int_equal(threat, BL_THREAT_FIREARM);
            if (tiff)
                fprintf(ann, "bag%02d,%s,%.9g,%.9g,%.9g,%.9g\n", i, bl_threat_name(threat), box[0],
                        box[1], box[2], box[3]);
            else /* x + w gives x1 back exactly: float - float is exact in double */
                fprintf(ann,
                        "%s\n  {\"id\": %d, \"image_id\": %d, \"category_id\": 7, "
                        "\"bbox\": [%.9g, %.9g, %.17g, %.17g]}",
                        k ? "," : "", k + 1, 100 + i, box[0], box[1],
                        (double)box[2] - (double)box[0], (double)box[3] - (double)box[1]);
            k++;
        }
    if (!tiff)
        fprintf(ann, "]}\n");
    assert_int_equal(fclose(ann), 0);
    free(pixels);
    bl_scan_buffer_fini(&b);
}

/* Write dir/file.lua: a detector_bench of dual_energy (by absolute path)
 * over `source` (a bl.replay{...} or generator = ... line). */
static void write_bench_scenario(const fixture_t *f, const char *path, const char *source) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "return bl.detector_bench{\n"
            "    name = 'replayed', seed = 777, batch = 4,\n"
            "    %s,\n"
            "    detectors = {bl.plugin{'%s'}},\n"
            "    performance = {pool = 4},\n"
            "}\n",
            source, f->dual);
    assert_int_equal(fclose(fp), 0);
}

static int run_scenario(const char *scenario, const char *out, bl_error_t *err) {
    bl_run_options_t o;
    memset(&o, 0, sizeof o);
    o.scenario_path = scenario;
    o.output = out;
    o.threads = 2;
    o.quiet = true;
    o.command_line = "borderlab run replay.lua";
    bl_error_clear(err);
    return bl_run(&o, err);
}

/* Scores of dual_energy in out (REPLAY_SCANS rows; caller frees), after
 * checking /detector/scans and /detector/truth against set. */
static bl_bench_score_row_t *check_replayed(const char *out, const replay_set_t *set) {
    size_t n = 0;
    bl_bench_scan_row_t *scans = read_table(out, &bl_bench_scans_table, NULL, &n);
    assert_int_equal(n, REPLAY_SCANS);
    size_t n_truth = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scans[i].scan, i);
        assert_int_equal(scans[i].truth_mask, i % 2 == 0 ? 1u << BL_THREAT_FIREARM : 0);
        assert_int_equal(scans[i].objects, set->truth[i].n);
        n_truth += set->truth[i].n;
    }
    free(scans);
    bl_bench_truth_row_t *truth = read_table(out, &bl_bench_truth_table, NULL, &n);
    assert_int_equal(n, n_truth);
    size_t r = 0;
    for (uint32_t i = 0; i < REPLAY_SCANS; i++)
        for (uint32_t j = 0; j < set->truth[i].n; j++, r++) {
            assert_int_equal(truth[r].scan, i);
            assert_int_equal(truth[r].threat, BL_THREAT_FIREARM);
            const float *box = set->truth[i].objects[j].box;
            const float got[4] = {truth[r].x0, truth[r].y0, truth[r].x1, truth[r].y1};
            for (int c = 0; c < 4; c++)
                assert_true(fabsf(got[c] - box[c]) <= 1e-4f);
        }
    free(truth);

    bl_bench_score_row_t *scores = read_table(
        out, &bl_bench_scores_table, BL_BENCH_DETECTORS_GROUP "/borderlab.dual_energy/scores", &n);
    assert_int_equal(n, REPLAY_SCANS);
    /* The detector sees the replayed pixels: the bags with a firearm score
     * higher than the clean ones on average. */
    double armed = 0, clean = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scores[i].scan, i);
        assert_int_equal(scores[i].invalid, 0);
        if (i % 2 == 0)
            armed += scores[i].firearm;
        else
            clean += scores[i].firearm;
    }
    if (!(armed > clean)) {
        print_error("mean firearm score %g with a firearm, %g clean\n", armed / (n / 2),
                    clean / (n / 2));
        fail();
    }
    return scores;
}

/* A folder of 16-bit PNGs with COCO annotations goes through a real
 * detector_bench run (scenario file, bl_run, the dual_energy plugin); so
 * does the same set as TIFFs with a CSV, with the same scores; a generated
 * set of the same size is another set. */
static void test_detector_bench_replay_folder_end_to_end(void **state) {
    fixture_t *f = *state;
    replay_set_t *png = calloc(1, sizeof *png), *tif = calloc(1, sizeof *tif);
    assert_non_null(png);
    assert_non_null(tif);
    write_replay_set(f, "png", false, png);
    char scenario[800], out[3][700];
    bl_error_t err;
    /* The scenario sits in the folder: relative paths start from it. */
    snprintf(scenario, sizeof scenario, "%s/replay.lua", png->dir);
    write_bench_scenario(f, scenario,
                         "replay = bl.replay{folder = '.', annotations = 'coco.json'}");
    snprintf(out[0], sizeof out[0], "%s/png.h5", f->dir);
    int rc = run_scenario(scenario, out[0], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    bl_bench_score_row_t *png_scores = check_replayed(out[0], png);
    char *gen = root_text(out[0], "generator");
    assert_null(gen); /* a replay has no generator settings to record */
    free(gen);

    /* The same scans as TIFF (strips and tiles) with a CSV beside them,
     * the scenario elsewhere, stating the pixel size the files get wrong. */
    write_replay_set(f, "tiff", true, tif);
    snprintf(scenario, sizeof scenario, "%s/tiff.lua", f->dir);
    write_bench_scenario(f, scenario,
                         "replay = bl.replay{folder = 'tiff', annotations = "
                         "'tiff/annotations.csv', pixel_mm = 5}");
    snprintf(out[1], sizeof out[1], "%s/tiff.h5", f->dir);
    rc = run_scenario(scenario, out[1], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    bl_bench_score_row_t *tif_scores = check_replayed(out[1], tif);
    /* Lossless both ways: the detector saw the same pixels. */
    assert_memory_equal(png_scores, tif_scores, REPLAY_SCANS * sizeof *png_scores);
    free(tif_scores);
    free(png_scores);

    /* Generated scans of the same size and seed are another scan set. */
    snprintf(scenario, sizeof scenario, "%s/generated.lua", f->dir);
    char generator[200];
    snprintf(generator, sizeof generator,
             "scans = %d, generator = bl.xray{width = %d, height = %d, prevalence = "
             "{firearm = 0.5}}",
             REPLAY_SCANS, REPLAY_SIDE, REPLAY_SIDE);
    write_bench_scenario(f, scenario, generator);
    snprintf(out[2], sizeof out[2], "%s/generated.h5", f->dir);
    rc = run_scenario(scenario, out[2], &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    char *digest[3];
    for (int i = 0; i < 3; i++) {
        digest[i] = root_text(out[i], "scan_set_sha256");
        assert_non_null(digest[i]);
        assert_int_equal(strlen(digest[i]), 64);
    }
    assert_string_not_equal(digest[0], digest[2]);
    assert_string_not_equal(digest[1], digest[2]);
    for (int i = 0; i < 3; i++)
        free(digest[i]);
    free(png);
    free(tif);
}

/* An annotation naming an image that is not in the folder stops the run
 * before anything is written, naming the annotation file and the image;
 * so do images that state no pixel size when the scenario gives none. */
static void test_detector_bench_replay_error_leaves_no_file(void **state) {
    fixture_t *f = *state;
    char dir[700], path[800], out[700];
    snprintf(dir, sizeof dir, "%s/ghost", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    uint16_t pixels[16 * 16];
    for (size_t i = 0; i < 16 * 16; i++)
        pixels[i] = (uint16_t)(40000 + i);
    for (int e = 0; e < 2; e++) {
        snprintf(path, sizeof path, "%s/a_%s.png", dir, e ? "high" : "low");
        image_fixture_png(path, pixels, 16, 16, 16, false, false, 0);
    }
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    tu_write_file(path, "image,class,x0,y0,x1,y1\na,knife,1,1,4,4\nbag_missing,firearm,2,2,8,8\n");
    snprintf(path, sizeof path, "%s/ghost.lua", f->dir);
    write_bench_scenario(f, path,
                         "replay = bl.replay{folder = 'ghost', annotations = 'ghost/labels.csv'}");
    snprintf(out, sizeof out, "%s/ghost.h5", f->dir);
    bl_error_t err;
    int rc = run_scenario(path, out, &err);
    assert_int_equal(rc, BL_EINVAL);
    if (getenv("BL_SHOW_MESSAGES") != NULL)
        print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "labels.csv"));
    assert_non_null(strstr(err.message, "bag_missing"));
    assert_non_null(strstr(err.message, "row 3"));
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    char temp[800];
    snprintf(temp, sizeof temp, "%s/.ghost.h5.tmp.%ld", f->dir, (long)getpid());
    assert_int_not_equal(stat(temp, &st), 0);

    /* The labels fixed, the size is still unknown. */
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    tu_write_file(path, "image,class,x0,y0,x1,y1\na,knife,1,1,4,4\n");
    snprintf(path, sizeof path, "%s/ghost.lua", f->dir);
    rc = run_scenario(path, out, &err);
    assert_int_equal(rc, BL_EINVAL);
    if (getenv("BL_SHOW_MESSAGES") != NULL)
        print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "ghost"));
    assert_non_null(strstr(err.message, "pixel_mm ="));
    assert_int_not_equal(stat(out, &st), 0);
    assert_int_not_equal(stat(temp, &st), 0);

    /* Given in the scenario, it runs. */
    write_bench_scenario(f, path,
                         "replay = bl.replay{folder = 'ghost', annotations = 'ghost/labels.csv', "
                         "pixel_mm = 0.8}");
    rc = run_scenario(path, out, &err);
    if (rc != 0)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    size_t n = 0;
    bl_bench_scan_row_t *scans = read_table(out, &bl_bench_scans_table, NULL, &n);
    assert_int_equal(n, 1);
    assert_int_equal(scans[0].truth_mask, 1u << BL_THREAT_KNIFE);
    free(scans);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detector_bench_run_command, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_replay_folder_end_to_end, setup,
                                        detector_bench_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_detector_bench_replay_error_leaves_no_file, setup,
                                        detector_bench_fixture_teardown),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
