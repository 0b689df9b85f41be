/*
 * Helpers for the unit tests that replay image folders (test_scan_io,
 * test_detector_bench_run): write greyscale PNG and TIFF images from 16-bit
 * samples with libpng and libtiff, as a team's own tools would.  Each
 * function fails the calling cmocka test when the library cannot write the
 * file.
 */
#ifndef BL_TEST_IMAGE_FIXTURES_H
#define BL_TEST_IMAGE_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Write pixels (width x height, row-major, borrowed) to path as a PNG of
 * depth 16, or 8 (the high byte of each sample).  rgb: three equal
 * channels (an image replay must refuse); interlaced: Adam7, which makes
 * libpng take every row once per pass; pixel_mm > 0: stated in pHYs (as
 * round(1000 / pixel_mm) pixels per metre).
 */
void image_fixture_png(const char *path, const uint16_t *pixels, uint32_t width, uint32_t height,
                       int depth, bool rgb, bool interlaced, double pixel_mm);

/*
 * Write pixels (as above) to path as a 16-bit deflated TIFF, min-is-black:
 * in strips of two rows, or in 16 x 16 tiles (tiled; tiles that reach past
 * the image are padded with zeros).  rgb: three equal channels; pixel_mm >
 * 0: stated as X and Y resolution in pixels per centimetre.
 */
void image_fixture_tiff(const char *path, const uint16_t *pixels, uint32_t width, uint32_t height,
                        bool tiled, bool rgb, double pixel_mm);

/* Transmission values (n of them, borrowed) as replay reads them back:
 * round(t * 65535), t clamped to [0, 1], into out. */
void image_fixture_from_transmission(const float *t, size_t n, uint16_t *out);

#endif
