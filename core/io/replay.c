/* Replay of labelled images from a folder: see scan_io.h.  The annotation
 * files are read by replay_annotations.c. */
#include "io/replay_internal.h"

#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tiffio.h>

#include "base/paths.h"

#define MIN_TRANSMISSION 1e-6 /* a black pixel would make -log(T) infinite */

enum { FORMAT_NONE, FORMAT_PNG, FORMAT_TIFF };

static int image_format(const char *ext) {
    if (ext == NULL)
        return FORMAT_NONE;
    if (strcasecmp(ext, ".png") == 0)
        return FORMAT_PNG;
    if (strcasecmp(ext, ".tif") == 0 || strcasecmp(ext, ".tiff") == 0)
        return FORMAT_TIFF;
    return FORMAT_NONE;
}

static float to_transmission(double v) {
    return v < MIN_TRANSMISSION ? (float)MIN_TRANSMISSION : v > 1 ? 1.0f : (float)v;
}

/* What a header says. */
typedef struct image_info {
    uint32_t width, height;
    double pixel_mm;
} image_info_t;

/* ------------------------------------------------------------------ PNG */

typedef struct png_ctx {
    jmp_buf jmp;
    char message[200];
} png_ctx_t;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_ctx_t *c = png_get_error_ptr(png);
    snprintf(c->message, sizeof c->message, "%s", msg);
    longjmp(c->jmp, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

/* Read path's header into *info and, when pixels is non-NULL, its pixels:
 * then info->width x info->height on entry is the size pixels holds, and a
 * file of another size is refused.  Rows are read into the float buffer itself and widened
 * in place from the right, so no second image-sized buffer is needed. */
static int read_png(const char *path, image_info_t *info, float *pixels, bl_error_t *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bl_error_set(err, BL_EIO, "%s: cannot open (%s): check that it is readable", path,
                            strerror(errno));
    unsigned char sig[8];
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        fclose(f);
        return bl_error_set(err, BL_EINVAL,
                            "%s: not a PNG file (no PNG signature): convert it to a 16-bit "
                            "greyscale PNG or give it its real extension",
                            path);
    }
    png_ctx_t ctx = {.message = ""};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop pinfo = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    int rc = 0;
    if (pinfo == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (setjmp(ctx.jmp)) {
        rc = bl_error_set(err, BL_EIO, "%s: damaged PNG (%s): export the image again", path,
                          ctx.message);
        goto out;
    }
    png_init_io(png, f);
    png_set_sig_bytes(png, sizeof sig);
    png_read_info(png, pinfo);
    uint32_t width = png_get_image_width(png, pinfo), height = png_get_image_height(png, pinfo);
    int depth = png_get_bit_depth(png, pinfo), colour = png_get_color_type(png, pinfo);
    if (colour & (PNG_COLOR_MASK_COLOR | PNG_COLOR_MASK_PALETTE)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: a colour image: X-ray images must be greyscale, one file per "
                          "energy; save it as a 16-bit greyscale PNG",
                          path);
        goto out;
    }
    if (colour & PNG_COLOR_MASK_ALPHA) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: greyscale with an alpha channel: save it without alpha, as a "
                          "16-bit greyscale PNG",
                          path);
        goto out;
    }
    png_uint_32 xres = 0, yres = 0;
    int unit = 0;
    if (pixels != NULL && (width != info->width || height != info->height)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: now %ux%u pixels, %ux%u when the set was opened: do not change "
                          "images while they are replayed",
                          path, width, height, info->width, info->height);
        goto out;
    }
    info->width = width;
    info->height = height;
    info->pixel_mm = 0;
    if (png_get_pHYs(png, pinfo, &xres, &yres, &unit) && unit == PNG_RESOLUTION_METER && xres > 0)
        info->pixel_mm = 1000.0 / xres;
    if (pixels == NULL)
        goto out;
    if (depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    size_t stride = (size_t)width * sizeof(float);
    if (png_get_rowbytes(png, pinfo) > stride) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: unexpected PNG row size: save it as 16-bit greyscale", path);
        goto out;
    }
    rows = malloc(height * sizeof *rows);
    if (rows == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (uint32_t y = 0; y < height; y++)
        rows[y] = (png_bytep)pixels + y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (uint32_t y = 0; y < height; y++) {
        unsigned char *row = rows[y];
        for (size_t x = width; x-- > 0;) {
            /* PNG samples are big-endian; the float for x overwrites only
             * samples >= x, all of them already read */
            double v =
                depth == 16 ? ((row[2 * x] << 8) | row[2 * x + 1]) / 65535.0 : row[x] / 255.0;
            float t = to_transmission(v);
            memcpy(row + x * sizeof t, &t, sizeof t);
        }
    }
out:
    png_destroy_read_struct(&png, &pinfo, NULL);
    free(rows);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------ TIFF */

static int tiff_on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    (void)module;
    char *message = user;
    if (message[0] == '\0')
        vsnprintf(message, 200, fmt, ap);
    return 1; /* handled: libtiff's global handler stays silent */
}

static int tiff_on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

/* Widen n samples of one row segment to transmission. */
static void tiff_samples(const unsigned char *src, uint16_t bps, bool inverted, float *dst,
                         size_t n) {
    double max = bps == 16 ? 65535.0 : 255.0;
    for (size_t k = 0; k < n; k++) {
        uint16_t v16;
        double v;
        if (bps == 16) {
            memcpy(&v16, src + 2 * k, 2); /* libtiff hands samples in host order */
            v = v16;
        } else {
            v = src[k];
        }
        dst[k] = to_transmission((inverted ? max - v : v) / max);
    }
}

/* As read_png, for a greyscale TIFF (8 or 16 bits, stripped or tiled). */
static int read_tiff(const char *path, image_info_t *info, float *pixels, bl_error_t *err) {
    char message[200] = "";
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (opts == NULL)
        return bl_error_set(err, BL_ENOMEM, "%s: out of memory", path);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, message);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, NULL);
    TIFF *tif = TIFFOpenExt(path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (tif == NULL)
        return bl_error_set(err, BL_EINVAL,
                            "%s: cannot read as TIFF (%s): check that it is a greyscale TIFF or "
                            "give it its real extension",
                            path, message[0] ? message : "unknown error");
    int rc = 0;
    unsigned char *buf = NULL;
    uint32_t width = 0, height = 0;
    uint16_t spp = 1, bps = 1, format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    if (spp != 1 ||
        (photometric != PHOTOMETRIC_MINISBLACK && photometric != PHOTOMETRIC_MINISWHITE)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: a colour image (%u samples per pixel, photometric %u): X-ray "
                          "images must be greyscale, one file per energy; save it as a 16-bit "
                          "greyscale TIFF",
                          path, spp, photometric);
        goto out;
    }
    if ((bps != 8 && bps != 16) || format != SAMPLEFORMAT_UINT || width == 0 || height == 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: %ux%u, %u-bit samples of format %u: save it as a 16-bit unsigned "
                          "greyscale TIFF",
                          path, width, height, bps, format);
        goto out;
    }
    if (pixels != NULL && (width != info->width || height != info->height)) {
        rc = bl_error_set(err, BL_EINVAL,
                          "%s: now %ux%u pixels, %ux%u when the set was opened: do not change "
                          "images while they are replayed",
                          path, width, height, info->width, info->height);
        goto out;
    }
    info->width = width;
    info->height = height;
    info->pixel_mm = 0;
    float xres = 0;
    uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && xres > 0) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
        info->pixel_mm = unit == RESUNIT_INCH         ? 25.4 / xres
                         : unit == RESUNIT_CENTIMETER ? 10 / xres
                                                      : 0;
    }
    if (pixels == NULL)
        goto out;
    bool inverted = photometric == PHOTOMETRIC_MINISWHITE;
    size_t sample = bps / 8;
    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        tmsize_t size = TIFFTileSize(tif);
        if (tw == 0 || th == 0 || size < (tmsize_t)((size_t)tw * th * sample) ||
            (buf = _TIFFmalloc(size)) == NULL) {
            rc = bl_error_set(err, BL_EIO, "%s: bad tile size %ux%u: export the image again", path,
                              tw, th);
            goto out;
        }
        for (uint32_t ty = 0; ty < height; ty += th)
            for (uint32_t tx = 0; tx < width; tx += tw) {
                if (TIFFReadEncodedTile(tif, TIFFComputeTile(tif, tx, ty, 0, 0), buf, size) < 0) {
                    rc = bl_error_set(err, BL_EIO,
                                      "%s: cannot read the tile at x %u, y %u (%s): export the "
                                      "image again",
                                      path, tx, ty, message);
                    goto out;
                }
                uint32_t cols = width - tx < tw ? width - tx : tw;
                for (uint32_t y = ty; y < height && y < ty + th; y++)
                    tiff_samples(buf + (size_t)(y - ty) * tw * sample, bps, inverted,
                                 pixels + (size_t)y * width + tx, cols);
            }
    } else {
        uint32_t rps = height;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0 || rps > height)
            rps = height;
        tmsize_t size = TIFFStripSize(tif);
        if (size <= 0 || (buf = _TIFFmalloc(size)) == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "%s: out of memory for one strip", path);
            goto out;
        }
        size_t row_bytes = (size_t)width * sample;
        for (uint32_t y = 0, s = 0; y < height; y += rps, s++) {
            uint32_t n = height - y < rps ? height - y : rps;
            tmsize_t got = TIFFReadEncodedStrip(tif, s, buf, size);
            if (got < 0 || (size_t)got < n * row_bytes) {
                rc = bl_error_set(err, BL_EIO,
                                  "%s: cannot read strip %u (%s): the file is truncated or "
                                  "damaged; export it again",
                                  path, s, message[0] ? message : "short strip");
                goto out;
            }
            for (uint32_t k = 0; k < n; k++)
                tiff_samples(buf + k * row_bytes, bps, inverted, pixels + (size_t)(y + k) * width,
                             width);
        }
    }
out:
    if (buf != NULL)
        _TIFFfree(buf);
    TIFFClose(tif);
    return rc;
}

static int read_image(const char *path, image_info_t *info, float *pixels, bl_error_t *err) {
    return image_format(strrchr(path, '.')) == FORMAT_PNG ? read_png(path, info, pixels, err)
                                                          : read_tiff(path, info, pixels, err);
}

/* ------------------------------------------------------------------ the folder */

static const char *const energy_suffix[2] = {"_low", "_high"};

typedef struct dir_entry {
    char *base; /* NAME */
    char *file; /* NAME_low.png, ... */
    int role;   /* 0 low, 1 high, 2 single-energy */
} dir_entry_t;

static int entry_cmp(const void *a, const void *b) {
    const dir_entry_t *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c != 0 ? c : x->role - y->role;
}

/* Length of name's stem without an _low/_high suffix, and which it had. */
static size_t strip_energy(const char *name, size_t len, int *role) {
    *role = 2;
    for (int k = 0; k < 2; k++) {
        size_t ls = strlen(energy_suffix[k]);
        if (len > ls && strncmp(name + len - ls, energy_suffix[k], ls) == 0) {
            *role = k;
            return len - ls;
        }
    }
    return len;
}

static int group_scans(bl_replay_t *r, dir_entry_t *e, size_t n, bl_error_t *err) {
    static const char *const role_name[3] = {"low-energy", "high-energy", "single-energy"};
    r->scans = calloc(n, sizeof *r->scans);
    if (r->scans == NULL)
        return bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
    for (size_t i = 0, j; i < n; i = j) {
        const char *f[3] = {NULL, NULL, NULL};
        for (j = i; j < n && strcmp(e[j].base, e[i].base) == 0; j++) {
            if (f[e[j].role] != NULL)
                return bl_error_set(err, BL_EINVAL,
                                    "replay folder %s: %s and %s are both the %s image of scan "
                                    "%s: keep one of them",
                                    r->folder, f[e[j].role], e[j].file, role_name[e[j].role],
                                    e[i].base);
            f[e[j].role] = e[j].file;
        }
        const char *name = e[i].base;
        if (f[2] != NULL && (f[0] != NULL || f[1] != NULL))
            return bl_error_set(err, BL_EINVAL,
                                "replay folder %s: %s and %s: scan %s is both single-energy "
                                "(NAME.png) and dual-energy (NAME_low/NAME_high): rename one",
                                r->folder, f[2], f[0] ? f[0] : f[1], name);
        if ((f[0] == NULL) != (f[1] == NULL))
            return bl_error_set(err, BL_EINVAL,
                                "replay folder %s: %s has no %s%s image beside it: add %s%s.png "
                                "(or .tif) or remove %s",
                                r->folder, f[0] ? f[0] : f[1], name, f[0] ? "_high" : "_low", name,
                                f[0] ? "_high" : "_low", f[0] ? f[0] : f[1]);
        uint32_t energies = f[2] != NULL ? 1 : 2;
        if (r->n == 0)
            r->energies = energies;
        else if (energies != r->energies)
            return bl_error_set(err, BL_EINVAL,
                                "replay folder %s: scan %s (%s) is %s but scan %s is %s: a set "
                                "holds one kind; move the others to another folder",
                                r->folder, name, f[2] ? f[2] : f[1],
                                energies == 2 ? "dual-energy" : "single-energy", r->scans[0].name,
                                energies == 2 ? "single-energy" : "dual-energy");
        replay_scan_t *s = &r->scans[r->n++];
        s->name = strdup(name);
        s->file[0] = f[0] ? strdup(f[0]) : NULL;
        s->file[1] = strdup(f[2] ? f[2] : f[1]);
        if (s->name == NULL || s->file[1] == NULL || (f[0] != NULL && s->file[0] == NULL))
            return bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
    }
    return 0;
}

/* Find the images of the folder, pair them into scans sorted by name. */
static int list_folder(bl_replay_t *r, bl_error_t *err) {
    DIR *d = opendir(r->folder);
    if (d == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                            "replay folder %s: cannot open (%s): check the path", r->folder,
                            strerror(errno));
    dir_entry_t *e = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name, *ext = strrchr(name, '.');
        if (name[0] == '.' || image_format(ext) == FORMAT_NONE)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            dir_entry_t *grown = realloc(e, cap * sizeof *e);
            if (grown == NULL) {
                rc = bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
                goto out;
            }
            e = grown;
        }
        int role;
        size_t stem = strip_energy(name, (size_t)(ext - name), &role);
        e[n] = (dir_entry_t){strndup(name, stem), strdup(name), role};
        if (e[n++].file == NULL || e[n - 1].base == NULL) {
            rc = bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
            goto out;
        }
    }
    if (n == 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "replay folder %s: no images in it: put NAME_low.png and NAME_high.png "
                          "(or NAME.png for single energy; .tif and .tiff work too) there",
                          r->folder);
        goto out;
    }
    qsort(e, n, sizeof *e, entry_cmp);
    rc = group_scans(r, e, n, err);
out:
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        free(e[i].base);
        free(e[i].file);
    }
    free(e);
    return rc;
}

/* Read every header: refuse what cannot be replayed now, not mid-run. */
static int probe_images(bl_replay_t *r, bl_error_t *err) {
    const char *first = NULL;
    for (size_t i = 0; i < r->n; i++)
        for (int k = 0; k < 2; k++) {
            const char *file = r->scans[i].file[k];
            if (file == NULL)
                continue;
            char *path = bl_path_join(r->folder, file);
            if (path == NULL)
                return bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
            image_info_t info;
            int rc = read_image(path, &info, NULL, err);
            free(path);
            if (rc != 0)
                return rc;
            if (first == NULL) {
                first = file;
                r->width = info.width;
                r->height = info.height;
            } else if (info.width != r->width || info.height != r->height) {
                return bl_error_set(err, BL_EINVAL,
                                    "replay folder %s: %s is %ux%u pixels but %s is %ux%u: all "
                                    "images of a set must have the same size; crop or pad them",
                                    r->folder, file, info.width, info.height, first, r->width,
                                    r->height);
            }
            if (r->pixel_mm == 0)
                r->pixel_mm = info.pixel_mm;
        }
    return 0;
}

/* ------------------------------------------------------------------ annotation names */

static int scan_name_cmp(const void *key, const void *elem) {
    return strcmp(key, ((const replay_scan_t *)elem)->name);
}

/* See replay_internal.h. */
bool bl_replay_find_scan(const bl_replay_t *r, const char *image, size_t *out) {
    const char *base = image;
    for (const char *p = image; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    char *name = strdup(base);
    if (name == NULL)
        return false;
    char *ext = strrchr(name, '.');
    if (image_format(ext) != FORMAT_NONE)
        *ext = '\0';
    const replay_scan_t *s = bsearch(name, r->scans, r->n, sizeof *s, scan_name_cmp);
    int role;
    size_t stem = strip_energy(name, strlen(name), &role);
    if (s == NULL && role != 2) {
        name[stem] = '\0';
        s = bsearch(name, r->scans, r->n, sizeof *s, scan_name_cmp);
    }
    free(name);
    if (s != NULL)
        *out = (size_t)(s - r->scans);
    return s != NULL;
}

/* ------------------------------------------------------------------ the set */

int bl_replay_open(bl_replay_t **out, const char *folder, const char *annotations,
                   bl_error_t *err) {
    if (out == NULL || folder == NULL)
        return bl_error_set(err, BL_EINVAL, "replay: no set pointer or folder given");
    *out = NULL;
    bl_replay_t *r = calloc(1, sizeof *r);
    if (r == NULL || (r->folder = strdup(folder)) == NULL) {
        free(r);
        return bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", folder);
    }
    int rc = list_folder(r, err);
    if (rc == 0)
        rc = probe_images(r, err);
    if (rc == 0 && annotations != NULL)
        rc = bl_replay_read_annotations(r, annotations, err);
    if (rc != 0) {
        bl_replay_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

size_t bl_replay_count(const bl_replay_t *r) { return r ? r->n : 0; }

double bl_replay_pixel_mm(const bl_replay_t *r) { return r ? r->pixel_mm : 0; }

const char *bl_replay_name(const bl_replay_t *r, size_t i) {
    return r != NULL && i < r->n ? r->scans[i].name : NULL;
}

int bl_replay_load(bl_replay_t *r, size_t i, bl_scan_buffer_t *b, bl_scan_t *scan,
                   bl_scan_truth_t *truth, bl_error_t *err) {
    if (r == NULL || b == NULL || scan == NULL)
        return bl_error_set(err, BL_EINVAL, "replay: load needs a set, a buffer and a scan");
    if (i >= r->n)
        return bl_error_set(err, BL_EINVAL, "replay folder %s: scan %zu asked for, the set has %zu",
                            r->folder, i, r->n);
    if (b->width != r->width || b->height != r->height || b->high == NULL ||
        (r->energies == 2 && b->low == NULL)) {
        bl_scan_buffer_fini(b);
        int rc = bl_scan_buffer_init(b, r->width, r->height);
        if (rc != 0 || b->high == NULL || (r->energies == 2 && b->low == NULL))
            return bl_error_set(err, rc != 0 ? rc : BL_ENOMEM,
                                "replay folder %s: no memory for a %ux%u scan", r->folder, r->width,
                                r->height);
    }
    const replay_scan_t *s = &r->scans[i];
    for (int k = 0; k < 2; k++) {
        if (s->file[k] == NULL)
            continue;
        char *path = bl_path_join(r->folder, s->file[k]);
        if (path == NULL)
            return bl_error_set(err, BL_ENOMEM, "replay folder %s: out of memory", r->folder);
        image_info_t info = {r->width, r->height, 0};
        int rc = read_image(path, &info, k == 0 ? b->low : b->high, err);
        free(path);
        if (rc != 0)
            return rc;
    }
    *scan = (bl_scan_t){.size = sizeof *scan,
                        .width = r->width,
                        .height = r->height,
                        .depth = 1,
                        .energies = r->energies,
                        .pixel_mm = r->pixel_mm,
                        .id = i,
                        .low = r->energies == 2 ? b->low : NULL,
                        .high = b->high};
    if (truth != NULL) {
        memset(truth, 0, sizeof *truth);
        truth->n = s->n;
        for (uint32_t k = 0; k < s->n; k++) {
            const replay_object_t *o = &r->objects[s->first + k];
            truth->objects[k].threat = o->threat;
            memcpy(truth->objects[k].box, o->box, sizeof o->box);
        }
    }
    return 0;
}

void bl_replay_close(bl_replay_t *r) {
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->scans[i].name);
        free(r->scans[i].file[0]);
        free(r->scans[i].file[1]);
    }
    free(r->scans);
    free(r->objects);
    free(r->folder);
    free(r);
}
