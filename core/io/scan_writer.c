/* The HDF5 scan-set writer: see scan_io.h. */
#include "io/scan_io.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bl_scan_writer {
    hid_t group;
    hid_t low, high; /* image datasets (low is -1 for a single-energy set) */
    uint32_t width, height, energies;
    uint64_t count;  /* scans completely written */
    bool failed;     /* a write failed half-way: the set is incomplete */
    char where[512]; /* "file.h5:/scans" for messages */
};

/* One row of <group>/truth. */
typedef struct truth_row {
    uint32_t scan, threat;
    float x0, y0, x1, y1;
} truth_row_t;

#define TRUTH_FIELDS 6
static const char *truth_names[TRUTH_FIELDS] = {"scan", "threat", "x0", "y0", "x1", "y1"};
static const size_t truth_offsets[TRUTH_FIELDS] = {
    offsetof(truth_row_t, scan), offsetof(truth_row_t, threat), offsetof(truth_row_t, x0),
    offsetof(truth_row_t, y0),   offsetof(truth_row_t, x1),     offsetof(truth_row_t, y1)};
static const size_t truth_sizes[TRUTH_FIELDS] = {sizeof(uint32_t), sizeof(uint32_t), sizeof(float),
                                                 sizeof(float),    sizeof(float),    sizeof(float)};

/* HDF5 prints its error stack by default; we turn it into messages, so
 * silence it for the duration of one call and restore what the caller had. */
typedef struct hdf5_quiet {
    H5E_auto2_t func;
    void *data;
} hdf5_quiet_t;

static void quiet_begin(hdf5_quiet_t *q) {
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const hdf5_quiet_t *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

static herr_t first_error(unsigned n, const H5E_error2_t *e, void *data) {
    if (n == 0 && e->desc != NULL)
        snprintf(data, 256, "%s", e->desc);
    return 0;
}

static int hdf5_fail(const char *where, bl_error_t *err, const char *what) {
    char reason[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, reason);
    H5Eclear2(H5E_DEFAULT);
    return bl_error_set(err, BL_EHDF5, "scan set %s: %s: %s", where, what,
                        reason[0] ? reason : "HDF5 call failed");
}

/* Create or overwrite a scalar attribute of loc. */
static int put_attr(hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                    const void *value) {
    int rc = -1;
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    if (space < 0)
        return -1;
    if (H5Aexists(loc, name) > 0)
        attr = H5Aopen(loc, name, H5P_DEFAULT);
    else
        attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0 && H5Awrite(attr, mem_type, value) >= 0)
        rc = 0;
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    return rc;
}

/* A variable-length UTF-8 string attribute: Python, R and MATLAB read it
 * as a string, not as bytes. */
static int put_text_attr(hid_t loc, const char *name, const char *text) {
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0)
        return -1;
    int rc = (H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
                 ? -1
                 : put_attr(loc, name, type, type, &text);
    H5Tclose(type);
    return rc;
}

/* The same, on the object at path below loc. */
static int put_text_attr_at(hid_t loc, const char *path, const char *name, const char *text) {
    hid_t obj = H5Oopen(loc, path, H5P_DEFAULT);
    if (obj < 0)
        return -1;
    int rc = put_text_attr(obj, name, text);
    H5Oclose(obj);
    return rc;
}

/* An empty float32 [0][h][w] dataset, extendible along scans, one scan per
 * chunk, shuffle + deflate 1 (level 1: most of the gain for little time). */
static hid_t make_images(hid_t group, const char *name, uint32_t width, uint32_t height) {
    hsize_t dims[3] = {0, height, width}, maxdims[3] = {H5S_UNLIMITED, height, width};
    hsize_t chunk[3] = {1, height, width};
    hid_t space = H5Screate_simple(3, dims, maxdims), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t dset = -1;
    if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 3, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
        H5Pset_deflate(dcpl, 1) >= 0)
        dset = H5Dcreate2(group, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset >= 0 && (put_text_attr(dset, "units", "1 (transmitted fraction I/I0)") < 0 ||
                      put_text_attr(dset, "dimensions", "scan, row (y), column (x)") < 0)) {
        H5Dclose(dset);
        dset = -1;
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return dset;
}

static int make_truth(hid_t group) {
    const hid_t types[TRUTH_FIELDS] = {H5T_NATIVE_UINT32, H5T_NATIVE_UINT32, H5T_NATIVE_FLOAT,
                                       H5T_NATIVE_FLOAT,  H5T_NATIVE_FLOAT,  H5T_NATIVE_FLOAT};
    if (H5TBmake_table("threat objects per scan: class and box in pixels", group, "truth",
                       TRUTH_FIELDS, 0, sizeof(truth_row_t), truth_names, truth_offsets, types, 256,
                       NULL, 1, NULL) < 0)
        return -1;
    /* the class numbers' names, so the table reads without our headers */
    char names[256] = "";
    for (uint32_t t = 1, used = 0; t < BL_THREAT_CLASS_COUNT && used < sizeof names; t++) {
        int k = snprintf(names + used, sizeof names - used, "%s%u=%s", t > 1 ? ", " : "", t,
                         bl_threat_name(t));
        used += k > 0 ? (uint32_t)k : 0;
    }
    return put_text_attr_at(group, "truth", "threat_names", names);
}

static void writer_free(bl_scan_writer_t *w) {
    if (w->low >= 0)
        H5Dclose(w->low);
    if (w->high >= 0)
        H5Dclose(w->high);
    if (w->group >= 0)
        H5Gclose(w->group);
    free(w);
}

int bl_scan_writer_open(bl_scan_writer_t **out, int64_t file, const char *group, uint32_t width,
                        uint32_t height, uint32_t energies, double pixel_mm,
                        const char *generator_json, bl_error_t *err) {
    if (out == NULL)
        return bl_error_set(err, BL_EINVAL, "scan set: no writer pointer given");
    *out = NULL;
    if (group == NULL || group[0] != '/')
        return bl_error_set(err, BL_EINVAL,
                            "scan set: group %s is not an absolute HDF5 path: give one like /scans",
                            group ? group : "(null)");
    if (width == 0 || height == 0 || energies < 1 || energies > 2 || !isfinite(pixel_mm) ||
        pixel_mm < 0)
        return bl_error_set(err, BL_EINVAL,
                            "scan set %s: %ux%u pixels, %u energies, pixel %g mm: the size must be "
                            "positive, energies 1 or 2 and the pixel size finite and >= 0",
                            group, width, height, energies, pixel_mm);
    if ((uint64_t)width * height * sizeof(float) >= UINT64_C(0xffffffff))
        return bl_error_set(err, BL_EINVAL,
                            "scan set %s: %ux%u scans exceed HDF5's 4 GB chunk: use smaller images",
                            group, width, height);
    bl_scan_writer_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return bl_error_set(err, BL_ENOMEM, "scan set %s: out of memory", group);
    w->group = w->low = w->high = -1;
    w->width = width;
    w->height = height;
    w->energies = energies;
    hdf5_quiet_t q;
    quiet_begin(&q);
    char fname[400] = "?";
    if (H5Fget_name((hid_t)file, fname, sizeof fname) < 0)
        snprintf(fname, sizeof fname, "(HDF5 file %lld)", (long long)file);
    snprintf(w->where, sizeof w->where, "%s:%s", fname, group);
    int rc;
    if (strcmp(group, "/") == 0) {
        w->group = H5Gopen2((hid_t)file, "/", H5P_DEFAULT);
    } else if (H5LTpath_valid((hid_t)file, group, 0) > 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "scan set %s: the group already exists: write the set to a new group or "
                          "a new file",
                          w->where);
        goto out;
    } else {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0)
            w->group = H5Gcreate2((hid_t)file, group, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (lcpl >= 0)
            H5Pclose(lcpl);
    }
    if (w->group < 0) {
        rc = hdf5_fail(w->where, err, "cannot create the group (is the file open for writing?)");
        goto out;
    }
    if (energies == 2 && (w->low = make_images(w->group, "low", width, height)) < 0) {
        rc = hdf5_fail(w->where, err, "cannot create dataset low");
        goto out;
    }
    if ((w->high = make_images(w->group, "high", width, height)) < 0) {
        rc = hdf5_fail(w->where, err, "cannot create dataset high");
        goto out;
    }
    if (make_truth(w->group) < 0) {
        rc = hdf5_fail(w->where, err, "cannot create table truth");
        goto out;
    }
    uint64_t zero = 0;
    if (put_attr(w->group, "width", H5T_STD_U32LE, H5T_NATIVE_UINT32, &width) < 0 ||
        put_attr(w->group, "height", H5T_STD_U32LE, H5T_NATIVE_UINT32, &height) < 0 ||
        put_attr(w->group, "energies", H5T_STD_U32LE, H5T_NATIVE_UINT32, &energies) < 0 ||
        put_attr(w->group, "pixel_mm", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &pixel_mm) < 0 ||
        put_attr(w->group, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, &zero) < 0 ||
        (generator_json != NULL && put_text_attr(w->group, "generator", generator_json) < 0)) {
        rc = hdf5_fail(w->where, err, "cannot write the set's attributes");
        goto out;
    }
    rc = 0;
    *out = w;
    w = NULL;
out:
    if (w != NULL)
        writer_free(w);
    quiet_end(&q);
    return rc;
}

/* Write pixels as scan index of dset, growing it by one. */
static int write_image(hid_t dset, uint64_t index, uint32_t width, uint32_t height,
                       const float *pixels) {
    int rc = -1;
    hsize_t dims[3] = {index + 1, height, width}, start[3] = {index, 0, 0};
    hsize_t count[3] = {1, height, width};
    hid_t fspace = -1, mspace = -1;
    if (H5Dset_extent(dset, dims) < 0 || (fspace = H5Dget_space(dset)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mspace = H5Screate_simple(3, count, NULL)) < 0)
        goto out;
    if (H5Dwrite(dset, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, pixels) >= 0)
        rc = 0;
out:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

int bl_scan_writer_append(bl_scan_writer_t *w, const bl_scan_t *scan, const bl_scan_truth_t *truth,
                          bl_error_t *err) {
    if (w == NULL || scan == NULL)
        return bl_error_set(err, BL_EINVAL, "scan set: append needs a writer and a scan");
    if (w->failed)
        return bl_error_set(err, BL_ESTATE,
                            "scan set %s: an earlier write failed, the set is incomplete: close "
                            "it and write the set again",
                            w->where);
    if (scan->width != w->width || scan->height != w->height || scan->depth > 1 ||
        scan->energies != w->energies || scan->high == NULL ||
        (w->energies == 2 && scan->low == NULL))
        return bl_error_set(err, BL_EINVAL,
                            "scan set %s: scan %" PRIu64 " is %ux%ux%u with %u energies, the set "
                            "holds %ux%u projections with %u: give every scan the set's geometry",
                            w->where, scan->id, scan->width, scan->height, scan->depth,
                            scan->energies, w->width, w->height, w->energies);
    if (w->count >= UINT32_MAX)
        return bl_error_set(err, BL_ENOSPC,
                            "scan set %s: full (%" PRIu64 " scans): start a new set", w->where,
                            w->count);
    truth_row_t rows[BL_SCAN_MAX_OBJECTS];
    uint32_t n = truth ? truth->n : 0;
    if (n > BL_SCAN_MAX_OBJECTS)
        return bl_error_set(err, BL_EINVAL,
                            "scan set %s: scan %" PRIu64 " has %u truth objects, "
                            "at most %d fit",
                            w->where, scan->id, n, BL_SCAN_MAX_OBJECTS);
    for (uint32_t k = 0; k < n; k++) {
        const float *box = truth->objects[k].box;
        rows[k] = (truth_row_t){
            (uint32_t)w->count, truth->objects[k].threat, box[0], box[1], box[2], box[3]};
    }
    int rc = 0;
    hdf5_quiet_t q;
    quiet_begin(&q);
    if (w->low >= 0 && write_image(w->low, w->count, w->width, w->height, scan->low) < 0)
        rc = hdf5_fail(w->where, err, "cannot write a low-energy image");
    else if (write_image(w->high, w->count, w->width, w->height, scan->high) < 0)
        rc = hdf5_fail(w->where, err, "cannot write a high-energy image");
    else if (n > 0 && H5TBappend_records(w->group, "truth", n, sizeof(truth_row_t), truth_offsets,
                                         truth_sizes, rows) < 0)
        rc = hdf5_fail(w->where, err, "cannot append to table truth");
    quiet_end(&q);
    if (rc != 0)
        w->failed = true;
    else
        w->count++;
    return rc;
}

int bl_scan_writer_close(bl_scan_writer_t *w, bl_error_t *err) {
    if (w == NULL)
        return 0;
    int rc = 0;
    hdf5_quiet_t q;
    quiet_begin(&q);
    if (put_attr(w->group, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, &w->count) < 0)
        rc = hdf5_fail(w->where, err, "cannot update attribute count");
    else if (w->failed)
        rc = bl_error_set(err, BL_EHDF5,
                          "scan set %s: incomplete (a write failed): only the first %" PRIu64
                          " scans are whole; write the set again",
                          w->where, w->count);
    writer_free(w);
    quiet_end(&q);
    return rc;
}
