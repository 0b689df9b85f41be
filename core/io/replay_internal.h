/*
 * What replay.c (the folder, the images, the bl_replay_* API) and
 * replay_annotations.c (COCO JSON and CSV annotations) share.  Not
 * installed; the public API is scan_io.h.
 */
#ifndef BL_REPLAY_INTERNAL_H
#define BL_REPLAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/scan_io.h"

typedef struct replay_scan {
    char *name;    /* NAME */
    char *file[2]; /* [0] NAME_low.EXT (NULL single-energy), [1] NAME_high.EXT or NAME.EXT */
    size_t first;  /* first object in bl_replay.objects */
    uint32_t n;    /* how many */
} replay_scan_t;

typedef struct replay_object {
    size_t scan, seq; /* seq keeps the annotation file's order */
    uint32_t threat;
    float box[4];
} replay_object_t;

struct bl_replay {
    char *folder;
    replay_scan_t *scans;
    size_t n;
    uint32_t width, height, energies;
    double pixel_mm; /* from the first image's resolution tag; 0 when absent */
    replay_object_t *objects;
    size_t n_objects, cap_objects;
    const char *annotations; /* while opening: the file, for messages */
};

/* The scan an annotation's image names: NAME, NAME.png, NAME_high.tif,
 * some/dir/NAME_low.png...  false when there is none.  image is borrowed. */
bool bl_replay_find_scan(const bl_replay_t *r, const char *image, size_t *out);

/*
 * Read the annotation file (COCO .json or .csv, by extension; borrowed)
 * into r->objects and give each of r's scans its slice of them.  r's scans
 * must be listed and probed already.  Returns 0, BL_ENOTFOUND, BL_EINVAL,
 * BL_EIO or BL_ENOMEM, as bl_replay_open.
 */
int bl_replay_read_annotations(bl_replay_t *r, const char *annotations, bl_error_t *err);

#endif
