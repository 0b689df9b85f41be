/* Image writers shared by the replay tests; see image_fixtures.h. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <png.h>
#include <tiffio.h>

#include "image_fixtures.h"

void image_fixture_png(const char *path, const uint16_t *pixels, uint32_t width, uint32_t height,
                       int depth, bool rgb, bool interlaced, double pixel_mm) {
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    assert_non_null(png);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    int channels = rgb ? 3 : 1;
    /* volatile: set before the setjmp below and freed after a longjmp */
    unsigned char *volatile row = malloc((size_t)width * channels * 2);
    assert_non_null(row);
    if (setjmp(png_jmpbuf(png))) {
        free(row);
        fail_msg("libpng could not write %s", path);
    }
    png_init_io(png, out);
    png_set_IHDR(png, info, width, height, depth, rgb ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pixel_mm > 0) {
        png_uint_32 per_m = (png_uint_32)lround(1000.0 / pixel_mm);
        png_set_pHYs(png, info, per_m, per_m, PNG_RESOLUTION_METER);
    }
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    for (uint32_t i = 0; i < (uint32_t)passes * height; i++) {
        const uint16_t *src = pixels + (size_t)(i % height) * width;
        for (uint32_t x = 0; x < width; x++)
            for (int c = 0; c < channels; c++) {
                size_t k = (size_t)x * channels + c;
                if (depth == 16) {
                    row[2 * k] = (unsigned char)(src[x] >> 8); /* PNG is big-endian */
                    row[2 * k + 1] = (unsigned char)src[x];
                } else {
                    row[k] = (unsigned char)(src[x] >> 8);
                }
            }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    assert_int_equal(fclose(out), 0);
}

void image_fixture_tiff(const char *path, const uint16_t *pixels, uint32_t width, uint32_t height,
                        bool tiled, bool rgb, double pixel_mm) {
    uint16_t spp = rgb ? 3 : 1;
    TIFF *tif = TIFFOpen(path, "w");
    assert_non_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, spp);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    if (pixel_mm > 0) {
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)(10.0 / pixel_mm));
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)(10.0 / pixel_mm));
    }
    if (tiled) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, 16);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, 16);
        uint16_t tile[16 * 16 * 3];
        for (uint32_t ty = 0; ty < height; ty += 16)
            for (uint32_t tx = 0; tx < width; tx += 16) {
                memset(tile, 0, sizeof tile);
                for (uint32_t y = ty; y < height && y < ty + 16; y++)
                    for (uint32_t x = tx; x < width && x < tx + 16; x++)
                        for (uint16_t c = 0; c < spp; c++)
                            tile[((y - ty) * 16 + (x - tx)) * spp + c] =
                                pixels[(size_t)y * width + x];
                assert_true(TIFFWriteTile(tif, tile, tx, ty, 0, 0) > 0);
            }
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 2);
        uint16_t *row = calloc((size_t)width * spp, sizeof *row);
        assert_non_null(row);
        for (uint32_t y = 0; y < height; y++) {
            for (uint32_t x = 0; x < width * spp; x++)
                row[x] = pixels[(size_t)y * width + x / spp];
            assert_int_equal(TIFFWriteScanline(tif, row, y, 0), 1);
        }
        free(row);
    }
    TIFFClose(tif);
}

void image_fixture_from_transmission(const float *t, size_t n, uint16_t *out) {
    for (size_t i = 0; i < n; i++) {
        double v = t[i] > 0 ? (t[i] < 1 ? (double)t[i] : 1.0) : 0.0;
        out[i] = (uint16_t)lround(v * 65535.0);
    }
}
