/*
 * Scan sets in and out: save generated scans with their ground truth to
 * HDF5 (a dataset other tools read as it is), and replay a team's own
 * labelled images from a folder.
 *
 * Saved set layout (one file, or a group inside a results file):
 *   <group>/low, <group>/high   float32 [n][height][width] transmission,
 *                               chunked one scan per chunk, shuffle +
 *                               deflate level 1 (no "low" for
 *                               single-energy sets); attributes units and
 *                               dimensions
 *   <group>/truth               H5TB table: scan (u32, index in the set),
 *                               threat (u32, bl_threat_class_t), x0, y0,
 *                               x1, y1 (f32, pixels); attribute
 *                               threat_names ("1=firearm, 2=knife, ...")
 *   <group> attributes          width, height, energies (u32), pixel_mm
 *                               (f64), count (u64, set at close: a set
 *                               whose writer died says 0), generator (UTF-8
 *                               JSON text of the bl_xray_config_t and seed;
 *                               absent when not given)
 * h5py: f["scans/high"][i] is scan i, f["scans"].attrs["generator"] a str,
 * f["scans/truth"]["x0"] a column.
 *
 * Replay folder: one image per energy per scan, 16-bit greyscale PNG or
 * TIFF (8-bit greyscale is read too, scaled to 0..1; TIFF may be stripped
 * or tiled, min-is-white is inverted), named NAME_low.png / NAME_high.png
 * (or .tif/.tiff, any case; a single-energy set has NAME.png); values are
 * transmission scaled to 0..65535, read as value / 65535 clamped to
 * [1e-6, 1].  Other files in the folder are ignored.  Scans are sorted by
 * NAME (byte order); scan i has id i.  All images must have the same size,
 * and a set is all dual- or all single-energy.  The pixel size comes from
 * the first image that states one (PNG pHYs, TIFF resolution), else 0: the
 * caller then sets scan->pixel_mm itself.
 * Annotations: COCO JSON (images[].id and file_name, which may be NAME,
 * NAME.png or NAME_high.png, with or without a folder; annotations[] with
 * image_id, category_id, bbox [x, y, w, h]; categories[].name as borderlab
 * threat names, see bl_threat_name) or CSV (RFC 4180) with header
 * image,class,x0,y0,x1,y1 (image = NAME, or a file name as in COCO).
 * Boxes are clipped to the image; one wholly outside is an error.  Images
 * without annotations are clean scans.
 */
#ifndef BL_SCAN_IO_H
#define BL_SCAN_IO_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"
#include "data/scan.h"

/* A writer that appends scans to an HDF5 scan set. */
typedef struct bl_scan_writer bl_scan_writer_t;

/*
 * Create the set at group (e.g. "/scans"; "/" for the root; intermediate
 * groups are created, an existing group is refused) of an HDF5 file open
 * for writing (hid_t as int64_t to keep hdf5.h out of this header).  The
 * file stays the caller's: close the writer before the file.  Every scan
 * appended must be width x height with `energies` energies.
 * generator_json (copied) may be NULL.  *w is NULL on failure.  Returns 0,
 * BL_EINVAL (bad geometry, group exists) or BL_EHDF5, with err naming the
 * file and group.  A writer is used from one thread at a time, and the
 * file's HDF5 calls must not run concurrently with other threads' (HDF5
 * serial builds are not thread-safe).
 */
int bl_scan_writer_open(bl_scan_writer_t **w, int64_t file, const char *group, uint32_t width,
                        uint32_t height, uint32_t energies, double pixel_mm,
                        const char *generator_json, bl_error_t *err);

/* Append scan (its pixels are copied) and its truth (NULL: a clean scan).
 * BL_EINVAL when the scan's geometry is not the set's (nothing written);
 * BL_EHDF5 when a write fails: the set is then incomplete and further
 * appends return BL_ESTATE. */
int bl_scan_writer_append(bl_scan_writer_t *w, const bl_scan_t *scan, const bl_scan_truth_t *truth,
                          bl_error_t *err);

/* Write count, close the datasets and free w (NULL is fine).  BL_EHDF5
 * when count cannot be written or an append had failed. */
int bl_scan_writer_close(bl_scan_writer_t *w, bl_error_t *err);

/* A replayed set: loaded lazily, one scan at a time. */
typedef struct bl_replay bl_replay_t;

/*
 * Open a folder of images and its annotation file (COCO .json or .csv, by
 * extension; a path of its own, not relative to folder; NULL: every scan
 * is clean).  Every image header is read now, the pixels only by
 * bl_replay_load, so a folder larger than memory works.  *r is NULL on
 * failure.  Returns 0, BL_ENOTFOUND (no folder or annotation file),
 * BL_EINVAL (malformed input: a CSV row of the wrong width or with text
 * for a number, an annotation for an image not in the folder, an unknown
 * class, images of different sizes, a _high without its _low, a file that
 * is not what its extension says, a colour image, more than
 * BL_SCAN_MAX_OBJECTS objects on one image), BL_EIO or BL_ENOMEM.  Errors
 * name the file, and the row or image, and what to do.  Free with
 * bl_replay_close.
 */
int bl_replay_open(bl_replay_t **r, const char *folder, const char *annotations, bl_error_t *err);

/* Number of scans (0 for NULL); their common geometry is in the bl_scan_t
 * each bl_replay_load fills. */
size_t bl_replay_count(const bl_replay_t *r);

/*
 * Load scan i into b and describe it in *scan (its pixels borrow b, until
 * the next load into b) and *truth (may be NULL).  b must have been set up
 * with bl_scan_buffer_init or zeroed; it is re-initialised when its size
 * differs from the set's.  BL_EINVAL for i out of range or an image that
 * changed size since bl_replay_open; BL_EIO for an unreadable image.  One
 * bl_replay_t may serve several threads only if each loads into its own
 * buffer and no thread closes it meanwhile.
 */
int bl_replay_load(bl_replay_t *r, size_t i, bl_scan_buffer_t *b, bl_scan_t *scan,
                   bl_scan_truth_t *truth, bl_error_t *err);

/* Pixel size in mm stated by the set's images (the first image that states
 * one), 0 when none does or r is NULL. */
double bl_replay_pixel_mm(const bl_replay_t *r);

/* Name (NAME) of scan i, borrowed from r; NULL when i is out of range. */
const char *bl_replay_name(const bl_replay_t *r, size_t i);

/* Free r (NULL is fine). */
void bl_replay_close(bl_replay_t *r);

#endif
