/* Unit tests for scan_io.h (core/io/scan_writer.c, core/io/replay.c,
 * core/io/replay_annotations.c): scans built by hand are written to HDF5
 * and read back through the plain HDF5 API (and h5py when it is there);
 * 16-bit PNG and TIFF images with COCO and CSV annotations, written here
 * with libpng and libtiff (image_fixtures.c), are replayed; malformed
 * folders are refused with messages that name the file and the row or
 * image. */
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
#include <hdf5.h>
#include <hdf5_hl.h>
#include <png.h>

#include "image_fixtures.h"
#include "io/scan_io.h"
#include "test_util.h"

#define W 5
#define H 4
#define N_SCANS 3

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) near((a), (b), (eps), #a, __FILE__, __LINE__)
static void near(double a, double b, double eps, const char *expr, const char *file, int line) {
    if (!(fabs(a - b) <= eps)) {
        print_error("%s is %.17g, expected %.17g (within %g)\n", expr, a, b, eps);
        _fail(file, line);
    }
}

/* message holds needle, with the message in the failure output. */
#define assert_mentions(message, needle) mentions((message), (needle), __FILE__, __LINE__)
static void mentions(const char *message, const char *needle, const char *file, int line) {
    if (strstr(message, needle) == NULL) {
        print_error("message \"%s\" does not mention \"%s\"\n", message, needle);
        _fail(file, line);
    }
}

/* ------------------------------------------------------------------ fixture */

typedef struct fixture {
    char *dir; /* first: tu_fixture_new makes it */
} fixture_t;

static int setup(void **state) {
    *state = tu_fixture_new(sizeof(fixture_t), "test_scan_io");
    return *state != NULL ? 0 : -1;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* f->dir/a[/b], into out. */
static const char *path_in(const fixture_t *f, char *out, size_t size, const char *a,
                           const char *b) {
    snprintf(out, size, "%s/%s%s%s", f->dir, a, b ? "/" : "", b ? b : "");
    return out;
}

/* ------------------------------------------------------------------ images */

/* A 16-bit sample of scan s, energy e at (x, y): spread over the range and
 * hitting 0 (clamped to 1e-6 on replay) and 65535 now and then. */
static uint16_t sample(int s, int e, uint32_t x, uint32_t y, uint32_t width) {
    uint32_t i = y * width + x;
    if (i == 0)
        return e == 0 ? 0 : 65535;
    return (uint16_t)(((uint32_t)s * 7919u + (uint32_t)e * 104729u + i) * 2654435761u >> 16);
}

/* The sample() values of scan s, energy e (heap; caller frees). */
static uint16_t *samples(int s, int e, uint32_t width, uint32_t height) {
    uint16_t *v = malloc((size_t)width * height * sizeof *v);
    assert_non_null(v);
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++)
            v[(size_t)y * width + x] = sample(s, e, x, y, width);
    return v;
}

/* An image of sample() values; depth 16 or 8 (then >> 8); colour type of
 * libpng (PNG_COLOR_TYPE_GRAY or RGB to test the refusal).  Scan 0 states
 * 0.25 mm pixels (pHYs 4000 per metre); scan 1 is interlaced (Adam7). */
static void write_png(const char *path, int s, int e, uint32_t width, uint32_t height, int depth,
                      int colour) {
    uint16_t *v = samples(s, e, width, height);
    image_fixture_png(path, v, width, height, depth, colour == PNG_COLOR_TYPE_RGB, s == 1,
                      s == 0 ? 0.25 : 0);
    free(v);
}

/* A 16-bit greyscale TIFF of sample() values: in strips of two rows, or
 * in 16x16 tiles (tiled); spp 3 makes an RGB image for the refusal.
 * Scan 1 states 0.5 mm pixels (20 per cm). */
static void write_tiff(const char *path, int s, int e, uint32_t width, uint32_t height, bool tiled,
                       uint16_t spp) {
    uint16_t *v = samples(s, e, width, height);
    image_fixture_tiff(path, v, width, height, tiled, spp == 3, s == 1 ? 0.5 : 0);
    free(v);
}

/* Every pixel of a replayed image equals sample()/max within 1/65535. */
static void check_pixels(const float *got, int s, int e, uint32_t width, uint32_t height,
                         int depth) {
    assert_non_null(got);
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++) {
            uint16_t v = sample(s, e, x, y, width);
            double want = depth == 16 ? v / 65535.0 : (v >> 8) / 255.0;
            assert_near(got[y * width + x], fmax(want, 1e-6), 1.0 / 65535);
        }
}

static void check_box(const bl_scan_truth_t *t, uint32_t k, uint32_t threat, float x0, float y0,
                      float x1, float y1) {
    assert_true(k < t->n);
    assert_int_equal(t->objects[k].threat, threat);
    assert_near(t->objects[k].box[0], x0, 1e-6);
    assert_near(t->objects[k].box[1], y0, 1e-6);
    assert_near(t->objects[k].box[2], x1, 1e-6);
    assert_near(t->objects[k].box[3], y1, 1e-6);
}

/* ------------------------------------------------------------------ writer */

typedef struct truth_row {
    uint32_t scan, threat;
    float x0, y0, x1, y1;
} truth_row_t;

/* Three hand-made scans: pixels k / 64 and distinct per energy and scan. */
static void make_scans(float low[N_SCANS][H * W], float high[N_SCANS][H * W], bl_scan_t *scans,
                       bl_scan_truth_t *truth) {
    memset(truth, 0, N_SCANS * sizeof *truth);
    for (int s = 0; s < N_SCANS; s++) {
        for (int k = 0; k < H * W; k++) {
            low[s][k] = (float)((k + 3 * s) % 64 + 1) / 64.0f;
            high[s][k] = (float)((2 * k + s) % 64 + 1) / 65.0f;
        }
        scans[s] = (bl_scan_t){.size = sizeof(bl_scan_t),
                               .width = W,
                               .height = H,
                               .depth = 1,
                               .energies = 2,
                               .pixel_mm = 1.5,
                               .id = 100 + (uint64_t)s,
                               .low = low[s],
                               .high = high[s]};
    }
    truth[0].n = 2;
    truth[0].objects[0].threat = BL_THREAT_FIREARM;
    memcpy(truth[0].objects[0].box, (float[4]){0.5f, 1, 3, 2.25f}, sizeof(float[4]));
    truth[0].objects[1].threat = BL_THREAT_METAL;
    memcpy(truth[0].objects[1].box, (float[4]){1, 0, 5, 4}, sizeof(float[4]));
    truth[2].n = 1; /* scan 1 is clean */
    truth[2].objects[0].threat = BL_THREAT_DRUGS;
    memcpy(truth[2].objects[0].box, (float[4]){2, 2, 4, 3}, sizeof(float[4]));
}

static uint64_t attr_u64(hid_t file, const char *obj, const char *name) {
    uint64_t v = 0;
    assert_true(H5LTget_attribute(file, obj, name, H5T_NATIVE_UINT64, &v) >= 0);
    return v;
}

static void test_scan_io_writer_round_trip(void **state) {
    fixture_t *f = *state;
    char path[600];
    path_in(f, path, sizeof path, "set.h5", NULL);
    static float low[N_SCANS][H * W], high[N_SCANS][H * W];
    bl_scan_t scans[N_SCANS];
    bl_scan_truth_t truth[N_SCANS];
    make_scans(low, high, scans, truth);

    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    bl_error_t err;
    bl_error_clear(&err);
    bl_scan_writer_t *w = NULL;
    const char *generator = "{\"seed\": 42, \"width\": 5}";
    assert_int_equal(bl_scan_writer_open(&w, file, "/sets/scans", W, H, 2, 1.5, generator, &err),
                     0);
    for (int s = 0; s < N_SCANS; s++)
        assert_int_equal(bl_scan_writer_append(w, &scans[s], &truth[s], &err), 0);
    /* a scan of another size is refused, the set stays whole */
    bl_scan_t wrong = scans[0];
    wrong.width = W + 1;
    assert_int_equal(bl_scan_writer_append(w, &wrong, NULL, &err), BL_EINVAL);
    assert_mentions(err.message, "set.h5:/sets/scans");
    assert_mentions(err.message, "6x4");
    bl_error_clear(&err);
    assert_int_equal(bl_scan_writer_close(w, &err), 0);
    /* a second set in the same group is refused */
    assert_int_equal(bl_scan_writer_open(&w, file, "/sets/scans", W, H, 2, 1.5, NULL, &err),
                     BL_EINVAL);
    assert_null(w);
    assert_mentions(err.message, "already exists");
    assert_int_equal(H5Fclose(file), 0);

    /* Read back with the plain HDF5 API. */
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    const char *names[2] = {"/sets/scans/low", "/sets/scans/high"};
    for (int e = 0; e < 2; e++) {
        hid_t dset = H5Dopen2(file, names[e], H5P_DEFAULT);
        assert_true(dset >= 0);
        hid_t space = H5Dget_space(dset), type = H5Dget_type(dset),
              dcpl = H5Dget_create_plist(dset);
        hsize_t dims[3], chunk[3];
        assert_int_equal(H5Sget_simple_extent_ndims(space), 3);
        H5Sget_simple_extent_dims(space, dims, NULL);
        assert_int_equal(dims[0], N_SCANS);
        assert_int_equal(dims[1], H);
        assert_int_equal(dims[2], W);
        assert_true(H5Tequal(type, H5T_IEEE_F32LE) > 0);
        assert_int_equal(H5Pget_chunk(dcpl, 3, chunk), 3);
        assert_int_equal(chunk[0], 1);
        assert_int_equal(chunk[1], H);
        assert_int_equal(chunk[2], W);
        assert_int_equal(H5Pget_nfilters(dcpl), 2);
        static float got[N_SCANS][H * W];
        assert_true(H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >= 0);
        assert_memory_equal(got, e == 0 ? (void *)low : (void *)high, sizeof got);
        H5Pclose(dcpl);
        H5Tclose(type);
        H5Sclose(space);
        H5Dclose(dset);
    }
    hsize_t nfields = 0, nrecords = 0;
    assert_true(H5TBget_table_info(file, "/sets/scans/truth", &nfields, &nrecords) >= 0);
    assert_int_equal(nfields, 6);
    assert_int_equal(nrecords, 3);
    truth_row_t rows[3];
    const size_t offsets[6] = {offsetof(truth_row_t, scan), offsetof(truth_row_t, threat),
                               offsetof(truth_row_t, x0),   offsetof(truth_row_t, y0),
                               offsetof(truth_row_t, x1),   offsetof(truth_row_t, y1)};
    const size_t sizes[6] = {4, 4, 4, 4, 4, 4};
    assert_true(H5TBread_table(file, "/sets/scans/truth", sizeof rows[0], offsets, sizes, rows) >=
                0);
    const truth_row_t want[3] = {{0, BL_THREAT_FIREARM, 0.5f, 1, 3, 2.25f},
                                 {0, BL_THREAT_METAL, 1, 0, 5, 4},
                                 {2, BL_THREAT_DRUGS, 2, 2, 4, 3}};
    assert_memory_equal(rows, want, sizeof want);
    char field[16];
    assert_true(H5LTget_attribute_string(file, "/sets/scans/truth", "FIELD_0_NAME", field) >= 0);
    assert_string_equal(field, "scan");

    assert_int_equal(attr_u64(file, "/sets/scans", "width"), W);
    assert_int_equal(attr_u64(file, "/sets/scans", "height"), H);
    assert_int_equal(attr_u64(file, "/sets/scans", "energies"), 2);
    assert_int_equal(attr_u64(file, "/sets/scans", "count"), N_SCANS);
    double pixel_mm = 0;
    assert_true(H5LTget_attribute_double(file, "/sets/scans", "pixel_mm", &pixel_mm) >= 0);
    assert_near(pixel_mm, 1.5, 0);
    hid_t group = H5Gopen2(file, "/sets/scans", H5P_DEFAULT);
    hid_t attr = H5Aopen(group, "generator", H5P_DEFAULT);
    assert_true(attr >= 0);
    hid_t stype = H5Aget_type(attr);
    assert_true(H5Tis_variable_str(stype) > 0);
    char *text = NULL;
    assert_true(H5Aread(attr, stype, &text) >= 0);
    assert_string_equal(text, generator);
    H5free_memory(text);
    H5Tclose(stype);
    H5Aclose(attr);
    H5Gclose(group);
    assert_int_equal(H5Fclose(file), 0);

    /* Python reads the set as it is (when h5py is installed). */
    if (system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) {
        print_message("h5py not installed: skipping the Python check\n");
        return;
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import h5py, json, sys\n"
             "g = h5py.File(sys.argv[1], \"r\")[\"sets/scans\"]\n"
             "assert g[\"high\"].shape == (3, 4, 5) and g[\"low\"].dtype == \"float32\"\n"
             "assert abs(float(g[\"low\"][2, 3, 4]) - %.9g) < 1e-7\n"
             "assert int(g.attrs[\"count\"]) == 3 and int(g.attrs[\"width\"]) == 5\n"
             "assert json.loads(g.attrs[\"generator\"])[\"seed\"] == 42\n"
             "t = g[\"truth\"][:]\n"
             "assert list(t[\"scan\"]) == [0, 0, 2] and float(t[\"x1\"][0]) == 3.0\n"
             "' '%s'",
             (double)low[2][3 * W + 4], path);
    assert_int_equal(system(cmd), 0);
}

static void test_scan_io_writer_single_energy(void **state) {
    fixture_t *f = *state;
    char path[600];
    path_in(f, path, sizeof path, "single.h5", NULL);
    float pixels[H * W];
    for (int k = 0; k < H * W; k++)
        pixels[k] = (float)k / (H * W);
    bl_scan_t scan = {
        .size = sizeof scan, .width = W, .height = H, .depth = 1, .energies = 1, .high = pixels};
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    bl_error_t err;
    bl_error_clear(&err);
    bl_scan_writer_t *w = NULL;
    assert_int_equal(bl_scan_writer_open(&w, file, "/", W, H, 3, 1, NULL, &err), BL_EINVAL);
    assert_mentions(err.message, "energies 1 or 2");
    bl_error_clear(&err);
    assert_int_equal(bl_scan_writer_open(&w, file, "/", W, H, 1, 0, NULL, &err), 0);
    assert_int_equal(bl_scan_writer_append(w, &scan, NULL, &err), 0);
    assert_int_equal(bl_scan_writer_append(w, &scan, NULL, &err), 0);
    assert_int_equal(bl_scan_writer_close(w, &err), 0);
    assert_int_equal(H5Fclose(file), 0);

    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_int_equal(H5Lexists(file, "low", H5P_DEFAULT), 0);
    assert_int_equal(H5Aexists(file, "generator"), 0);
    assert_int_equal(attr_u64(file, "/", "count"), 2);
    hsize_t nfields = 0, nrecords = 1;
    assert_true(H5TBget_table_info(file, "truth", &nfields, &nrecords) >= 0);
    assert_int_equal(nrecords, 0);
    float got[2][H * W];
    assert_true(H5LTread_dataset_float(file, "high", &got[0][0]) >= 0);
    assert_memory_equal(got[1], pixels, sizeof pixels);
    assert_int_equal(H5Fclose(file), 0);
}

/* ------------------------------------------------------------------ replay */

#define RW 20 /* replayed images: 20 x 18, so TIFF tiles are partly outside */
#define RH 18

static void test_scan_io_replay_png_coco(void **state) {
    fixture_t *f = *state;
    char dir[600], path[700];
    path_in(f, dir, sizeof dir, "png", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    const char *scans[3] = {"bagA", "bagB", "bagC"};
    /* written out of order: replay sorts by name */
    for (int s = 2; s >= 0; s--)
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/%s_%s.png", dir, scans[s], e ? "high" : "low");
            write_png(path, s, e, RW, RH, s == 2 ? 8 : 16, PNG_COLOR_TYPE_GRAY);
        }
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    tu_write_file(path, "not an image: ignored\n");
    path_in(f, path, sizeof path, "png", "coco.json");
    tu_write_file(path,
                  "{\"images\": [{\"id\": 10, \"file_name\": \"bagA_high.png\"},\n"
                  "  {\"id\": 11, \"file_name\": \"bagB.png\"},\n"
                  "  {\"id\": 12, \"file_name\": \"some/dir/bagC\"}],\n"
                  " \"categories\": [{\"id\": 1, \"name\": \"firearm\"},\n"
                  "  {\"id\": 2, \"name\": \"knife\"}],\n"
                  " \"annotations\": [\n"
                  "  {\"id\": 1, \"image_id\": 12, \"category_id\": 2, \"bbox\": [1, 2, 3, 4]},\n"
                  "  {\"id\": 2, \"image_id\": 10, \"category_id\": 1, \"bbox\": [0, 0, 5, 6]},\n"
                  "  {\"id\": 3, \"image_id\": 10, \"category_id\": 2,\n"
                  "   \"bbox\": [15.5, 10, 10, 2.5]}]}\n");
    bl_error_t err;
    bl_error_clear(&err);
    bl_replay_t *r = NULL;
    assert_int_equal(bl_replay_open(&r, dir, path, &err), 0);
    assert_int_equal(bl_replay_count(r), 3);
    for (int s = 0; s < 3; s++)
        assert_string_equal(bl_replay_name(r, (size_t)s), scans[s]);
    assert_null(bl_replay_name(r, 3));

    bl_scan_buffer_t b;
    memset(&b, 0, sizeof b);
    bl_scan_t scan;
    bl_scan_truth_t truth;
    for (int s = 2; s >= 0; s--) { /* any order: one scan at a time */
        assert_int_equal(bl_replay_load(r, (size_t)s, &b, &scan, &truth, &err), 0);
        assert_int_equal(scan.size, sizeof scan);
        assert_int_equal(scan.width, RW);
        assert_int_equal(scan.height, RH);
        assert_int_equal(scan.depth, 1);
        assert_int_equal(scan.energies, 2);
        assert_int_equal(scan.id, s);
        assert_near(scan.pixel_mm, 0.25, 0); /* bagA's pHYs, for the whole set */
        assert_near(bl_replay_pixel_mm(r), 0.25, 0);
        check_pixels(scan.low, s, 0, RW, RH, s == 2 ? 8 : 16);
        check_pixels(scan.high, s, 1, RW, RH, s == 2 ? 8 : 16);
    }
    assert_int_equal(truth.n, 2); /* bagA, in the file's order; the second box clipped */
    check_box(&truth, 0, BL_THREAT_FIREARM, 0, 0, 5, 6);
    check_box(&truth, 1, BL_THREAT_KNIFE, 15.5f, 10, 20, 12.5f);
    assert_int_equal(bl_replay_load(r, 1, &b, &scan, &truth, &err), 0);
    assert_int_equal(truth.n, 0); /* no annotation: a clean scan */
    assert_int_equal(bl_replay_load(r, 2, &b, &scan, &truth, &err), 0);
    assert_int_equal(truth.n, 1);
    check_box(&truth, 0, BL_THREAT_KNIFE, 1, 2, 4, 6);
    assert_int_equal(bl_replay_load(r, 3, &b, &scan, &truth, &err), BL_EINVAL);
    assert_mentions(err.message, "scan 3");
    bl_scan_buffer_fini(&b);
    bl_replay_close(r);
}

static void test_scan_io_replay_tiff_csv(void **state) {
    fixture_t *f = *state;
    char dir[600], path[700];
    path_in(f, dir, sizeof dir, "tiff", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    const char *files[2][2] = {{"x1_low.tif", "x1_high.tiff"}, {"x2_low.TIF", "x2_high.tif"}};
    for (int s = 0; s < 2; s++)
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[s][e]);
            write_tiff(path, s, e, RW, RH, e == 1, 1); /* high: tiled; low: strips */
        }
    path_in(f, path, sizeof path, "annotations.csv", NULL);
    tu_write_file(path, "image,class,x0,y0,x1,y1\r\n"
                        "x2,cigarettes,1,2,3,4\r\n"
                        "\"x1_high.tif\",\"drugs\", 0.5 ,-3,19,7.25\r\n"
                        "x2_low.tif,currency,10,10,30,30\r\n");
    bl_error_t err;
    bl_error_clear(&err);
    bl_replay_t *r = NULL;
    assert_int_equal(bl_replay_open(&r, dir, path, &err), 0);
    assert_int_equal(bl_replay_count(r), 2);
    bl_scan_buffer_t b;
    assert_int_equal(bl_scan_buffer_init(&b, 3, 3), 0); /* another size: resized */
    bl_scan_t scan;
    bl_scan_truth_t truth;
    assert_int_equal(bl_replay_load(r, 0, &b, &scan, &truth, &err), 0);
    assert_string_equal(bl_replay_name(r, 0), "x1");
    assert_near(scan.pixel_mm, 0.5, 0); /* x1 states none, x2 does */
    check_pixels(scan.low, 0, 0, RW, RH, 16);
    check_pixels(scan.high, 0, 1, RW, RH, 16);
    assert_int_equal(truth.n, 1);
    check_box(&truth, 0, BL_THREAT_DRUGS, 0.5f, 0, 19, 7.25f);
    assert_int_equal(bl_replay_load(r, 1, &b, &scan, &truth, &err), 0);
    check_pixels(scan.low, 1, 0, RW, RH, 16);
    check_pixels(scan.high, 1, 1, RW, RH, 16);
    assert_int_equal(truth.n, 2);
    check_box(&truth, 0, BL_THREAT_CIGARETTES, 1, 2, 3, 4);
    check_box(&truth, 1, BL_THREAT_CURRENCY, 10, 10, RW, RH);
    bl_scan_buffer_fini(&b);
    bl_replay_close(r);
}

static void test_scan_io_replay_single_energy(void **state) {
    fixture_t *f = *state;
    char dir[600], path[700];
    path_in(f, dir, sizeof dir, "single", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/only.png", dir);
    write_png(path, 4, 1, RW, RH, 16, PNG_COLOR_TYPE_GRAY);
    bl_error_t err;
    bl_error_clear(&err);
    bl_replay_t *r = NULL;
    assert_int_equal(bl_replay_open(&r, dir, NULL, &err), 0);
    bl_scan_buffer_t b;
    memset(&b, 0, sizeof b);
    bl_scan_t scan;
    bl_scan_truth_t truth = {.n = 99};
    assert_int_equal(bl_replay_load(r, 0, &b, &scan, &truth, &err), 0);
    assert_int_equal(scan.energies, 1);
    assert_null(scan.low);
    assert_near(scan.pixel_mm, 0, 0); /* no pHYs: the caller sets it */
    assert_near(bl_replay_pixel_mm(r), 0, 0);
    check_pixels(scan.high, 4, 1, RW, RH, 16);
    assert_int_equal(truth.n, 0);
    bl_scan_buffer_fini(&b);
    bl_replay_close(r);
}

/* ------------------------------------------------------------------ refusals */

typedef struct bad_case {
    const char *what;
    const char *annotations; /* file name in the folder's parent, or NULL */
    const char *text;        /* its contents */
    int code;
    const char *needles[3]; /* what the message must mention */
} bad_case_t;

/* Every case has a folder with a_low.png, a_high.png (20 x 18) and the
 * extra file its setup adds. */
static const bad_case_t bad_cases[] = {
    {"csv column count",
     "ann.csv",
     "image,class,x0,y0,x1,y1\na,knife,1,1,2,2\na,knife,1,1,2\n",
     BL_EINVAL,
     {"ann.csv", "row 3", "5 columns"}},
    {"csv text in a number",
     "ann.csv",
     "image,class,x0,y0,x1,y1\na,knife,1,1,two,2\n",
     BL_EINVAL,
     {"ann.csv", "row 2", "x1 is \"two\""}},
    {"csv image not in folder",
     "ann.csv",
     "image,class,x0,y0,x1,y1\nghost,knife,1,1,2,2\n",
     BL_EINVAL,
     {"ann.csv", "row 2", "ghost"}},
    {"csv unknown class",
     "ann.csv",
     "image,class,x0,y0,x1,y1\na,gun,1,1,2,2\n",
     BL_EINVAL,
     {"row 2", "\"gun\"", "firearm, knife"}},
    {"csv header",
     "ann.csv",
     "name,class,x0,y0,x1,y1\n",
     BL_EINVAL,
     {"ann.csv", "row 1", "column 1 is \"name\""}},
    {"csv quotes",
     "ann.csv",
     "image,class,x0,y0,x1,y1\n\"a\"b,knife,1,1,2,2\n",
     BL_EINVAL,
     {"ann.csv", "row 2", "malformed"}},
    {"csv empty box",
     "ann.csv",
     "image,class,x0,y0,x1,y1\na,knife,3,1,2,2\n",
     BL_EINVAL,
     {"ann.csv", "row 2", "image a"}},
    {"coco image not in folder",
     "ann.json",
     "{\"images\": [{\"id\": 1, \"file_name\": \"a_high.png\"},"
     " {\"id\": 2, \"file_name\": \"ghost_high.png\"}],"
     " \"categories\": [{\"id\": 1, \"name\": \"knife\"}],"
     " \"annotations\": [{\"image_id\": 2, \"category_id\": 1, \"bbox\": [1, 1, 2, 2]}]}",
     BL_EINVAL,
     {"ann.json", "annotations[0]", "ghost_high.png"}},
    {"coco unknown category",
     "ann.json",
     "{\"images\": [], \"annotations\": [],"
     " \"categories\": [{\"id\": 1, \"name\": \"knife\"}, {\"id\": 2, \"name\": \"gun\"}]}",
     BL_EINVAL,
     {"ann.json", "\"gun\"", "firearm, knife, explosive"}},
    {"coco not json", "ann.json", "{\"images\": [\n\n oops]}", BL_EINVAL, {"ann.json", "line 3"}},
    {"coco box outside",
     "ann.json",
     "{\"images\": [{\"id\": 1, \"file_name\": \"a\"}],"
     " \"categories\": [{\"id\": 1, \"name\": \"knife\"}],"
     " \"annotations\": [{\"image_id\": 1, \"category_id\": 1, \"bbox\": [30, 1, 2, 2]}]}",
     BL_EINVAL,
     {"ann.json", "image a", "outside"}},
    {"too many objects",
     "ann.csv",
     "image,class,x0,y0,x1,y1\na,knife,1,1,2,2\na,knife,1,1,2,2\na,knife,1,1,2,2\n"
     "a,knife,1,1,2,2\na,knife,1,1,2,2\na,knife,1,1,2,2\na,knife,1,1,2,2\na,knife,1,1,2,2\n"
     "a,knife,1,1,2,2\n",
     BL_EINVAL,
     {"ann.csv", "image a", "9 threat objects"}},
    {"different sizes",
     NULL,
     "b_low.png b_high.png",
     BL_EINVAL,
     {"b_low.png", "21x18", "same size"}},
    {"missing low", NULL, "b_high.png", BL_EINVAL, {"b_high.png", "b_low"}},
    {"not a png", NULL, "b_low.png b_high.png text", BL_EINVAL, {"b_high.png", "not a PNG"}},
    {"colour png", NULL, "b_low.png b_high.png rgb", BL_EINVAL, {"b_high.png", "colour"}},
    {"colour tiff", NULL, "b_low.tif b_high.tif rgb", BL_EINVAL, {"b_high.tif", "colour"}},
    {"both kinds", NULL, "b.png", BL_EINVAL, {"b.png", "dual-energy"}},
    {"unknown annotation format", "ann.xml", "<a/>", BL_EINVAL, {"ann.xml", "unknown format"}},
};

/* Build the folder of case i; the extra images are named by text. */
static void build_bad_case(const fixture_t *f, size_t i, char *dir, size_t size, char *ann,
                           size_t ann_size) {
    const bad_case_t *c = &bad_cases[i];
    char name[32], path[800];
    snprintf(name, sizeof name, "bad%zu", i);
    path_in(f, dir, size, name, NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    for (int e = 0; e < 2; e++) {
        snprintf(path, sizeof path, "%s/a_%s.png", dir, e ? "high" : "low");
        write_png(path, 0, e, RW, RH, 16, PNG_COLOR_TYPE_GRAY);
    }
    ann[0] = '\0';
    if (c->annotations != NULL) {
        char file[64];
        snprintf(file, sizeof file, "%s.%s", name, c->annotations);
        path_in(f, ann, ann_size, file, NULL);
        tu_write_file(ann, c->text);
        return;
    }
    bool rgb = strstr(c->text, "rgb") != NULL, text = strstr(c->text, "text") != NULL;
    char files[64];
    snprintf(files, sizeof files, "%s", c->text);
    for (char *file = strtok(files, " "); file != NULL; file = strtok(NULL, " ")) {
        if (strcmp(file, "rgb") == 0 || strcmp(file, "text") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        bool high = strstr(file, "_high") != NULL;
        if (text && high)
            tu_write_file(path, "this is not a PNG file\n");
        else if (strstr(file, ".tif") != NULL)
            write_tiff(path, 1, high, RW, RH, false, rgb && high ? 3 : 1);
        else
            write_png(path, 1, high, strcmp(c->what, "different sizes") == 0 ? RW + 1 : RW, RH, 16,
                      rgb && high ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY);
    }
}

static void test_scan_io_replay_refuses_malformed(void **state) {
    fixture_t *f = *state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *c = &bad_cases[i];
        char dir[600], ann[600];
        build_bad_case(f, i, dir, sizeof dir, ann, sizeof ann);
        bl_error_t err;
        bl_error_clear(&err);
        bl_replay_t *r = (bl_replay_t *)&err; /* must be reset to NULL */
        int rc = bl_replay_open(&r, dir, ann[0] ? ann : NULL, &err);
        if (rc != c->code) {
            print_error("case \"%s\": code %d (%s), expected %d\n", c->what, rc, err.message,
                        c->code);
            fail();
        }
        assert_null(r);
        assert_int_equal(err.code, c->code);
        if (getenv("BL_SHOW_MESSAGES") != NULL)
            print_message("%s: %s\n", c->what, err.message);
        for (int k = 0; k < 3 && c->needles[k] != NULL; k++)
            assert_mentions(err.message, c->needles[k]);
    }
}

static void test_scan_io_replay_refuses_missing_folder(void **state) {
    fixture_t *f = *state;
    char dir[600];
    path_in(f, dir, sizeof dir, "nowhere", NULL);
    bl_error_t err;
    bl_error_clear(&err);
    bl_replay_t *r = NULL;
    assert_int_equal(bl_replay_open(&r, dir, NULL, &err), BL_ENOTFOUND);
    assert_mentions(err.message, "nowhere");
    path_in(f, dir, sizeof dir, "empty", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    bl_error_clear(&err);
    assert_int_equal(bl_replay_open(&r, dir, NULL, &err), BL_EINVAL);
    assert_mentions(err.message, "no images");
}

/* An image replaced by one of another size after opening is refused at
 * load, not read past the buffer. */
static void test_scan_io_replay_refuses_changed_image(void **state) {
    fixture_t *f = *state;
    char dir[600], path[700];
    path_in(f, dir, sizeof dir, "changed", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/c.tif", dir);
    write_tiff(path, 0, 1, RW, RH, false, 1);
    bl_error_t err;
    bl_error_clear(&err);
    bl_replay_t *r = NULL;
    assert_int_equal(bl_replay_open(&r, dir, NULL, &err), 0);
    write_tiff(path, 0, 1, RW * 2, RH, true, 1);
    bl_scan_buffer_t b;
    memset(&b, 0, sizeof b);
    bl_scan_t scan;
    assert_int_equal(bl_replay_load(r, 0, &b, &scan, NULL, &err), BL_EINVAL);
    assert_mentions(err.message, "c.tif");
    assert_mentions(err.message, "40x18");
    bl_scan_buffer_fini(&b);
    bl_replay_close(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_io_writer_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_writer_single_energy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_png_coco, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_tiff_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_single_energy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_refuses_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_refuses_missing_folder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scan_io_replay_refuses_changed_image, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
