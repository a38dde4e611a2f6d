/**
 * @file test_png.c  PNG snapshots: colour conversion and byte order,
 * dimensions, a large incompressible frame, bad arguments.
 */
#include <stdlib.h>

#include <png.h>

#include "mixer/mixer.h"
#include "test.h"

enum { W = 64, H = 48 };

struct yuv {
	uint8_t y, u, v;
};

/* top-left, top-right, bottom-left, bottom-right */
static const struct yuv QUAD[4] = {
	{81, 90, 240},   /* red */
	{145, 54, 34},   /* green */
	{41, 240, 110},  /* blue */
	{180, 100, 160}, /* pinkish */
};

static int clamp8(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (int)(v + 0.5);
}

/* BT.601 limited range, as libyuv's I420ToRAW */
static void to_rgb(struct yuv c, int rgb[3])
{
	double y = 1.164 * (c.y - 16), u = c.u - 128, v = c.v - 128;

	rgb[0] = clamp8(y + 1.596 * v);
	rgb[1] = clamp8(y - 0.391 * u - 0.813 * v);
	rgb[2] = clamp8(y + 2.018 * u);
}

static void fill_rect(struct tes_frame *f, int x0, int y0, int w, int h,
		      struct yuv c)
{
	for (int y = y0; y < y0 + h; y++)
		memset(f->y + (size_t)y * f->stride_y + x0, c.y, (size_t)w);
	for (int y = y0 / 2; y < (y0 + h) / 2; y++) {
		memset(f->u + (size_t)y * f->stride_uv + x0 / 2, c.u,
		       (size_t)w / 2);
		memset(f->v + (size_t)y * f->stride_uv + x0 / 2, c.v,
		       (size_t)w / 2);
	}
}

/* decode with the simplified API into malloc'd RGB */
static int decode(const uint8_t *png, size_t len, png_image *img,
		  uint8_t **rgb)
{
	memset(img, 0, sizeof(*img));
	img->version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(img, png, len))
		return -1;
	img->format = PNG_FORMAT_RGB;
	*rgb = malloc(PNG_IMAGE_SIZE(*img));
	if (!*rgb) {
		png_image_free(img);
		return -1;
	}
	if (!png_image_finish_read(img, NULL, *rgb, 0, NULL)) {
		free(*rgb);
		*rgb = NULL;
		return -1;
	}

	return 0;
}

TES_TEST(png_quadrants)
{
	static const uint8_t SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
				       0x1a, '\n'};
	struct tes_frame *f = NULL;
	uint8_t *png = NULL, *rgb = NULL;
	png_image img;
	size_t len = 0;
	int ret = 1;

	TEST_OK(tes_frame_alloc(&f, W, H));
	for (int q = 0; q < 4; q++)
		fill_rect(f, (q % 2) * W / 2, (q / 2) * H / 2, W / 2, H / 2,
			  QUAD[q]);

	if (tes_frame_to_png(f, &png, &len)) {
		fprintf(stderr, "  tes_frame_to_png failed\n");
		goto out;
	}
	if (len < sizeof(SIG) || memcmp(png, SIG, sizeof(SIG))) {
		fprintf(stderr, "  no PNG signature\n");
		goto out;
	}
	if (decode(png, len, &img, &rgb)) {
		fprintf(stderr, "  decode: %s\n", img.message);
		goto out;
	}
	if (img.width != W || img.height != H) {
		fprintf(stderr, "  size %ux%u, expected %dx%d\n", img.width,
			img.height, W, H);
		goto out;
	}

	for (int q = 0; q < 4; q++) {
		int cx = (q % 2) * W / 2 + W / 4, cy = (q / 2) * H / 2 + H / 4;
		const uint8_t *p = rgb + ((size_t)cy * W + cx) * 3;
		int want[3];

		to_rgb(QUAD[q], want);
		for (int i = 0; i < 3; i++) {
			if (abs(p[i] - want[i]) > 4) {
				fprintf(stderr, "  quadrant %d: RGB %u,%u,%u, "
					"expected %d,%d,%d\n", q, p[0], p[1],
					p[2], want[0], want[1], want[2]);
				goto out;
			}
		}
	}
	ret = 0;

 out:
	free(rgb);
	free(png);
	tes_deref(f);

	return ret;
}

/* incompressible content makes the output buffer grow many times */
TES_TEST(png_noise)
{
	struct tes_frame *f = NULL;
	uint8_t *png = NULL, *rgb = NULL;
	uint32_t x = 12345;
	png_image img;
	size_t len = 0;
	int ret = 1;

	TEST_OK(tes_frame_alloc(&f, 320, 240));
	tes_frame_fill(f, 128, 128, 128);
	for (int y = 0; y < 240; y++) {
		for (int i = 0; i < 320; i++) {
			x = x * 1664525u + 1013904223u;
			f->y[(size_t)y * f->stride_y + i] = (uint8_t)(x >> 24);
		}
	}

	if (tes_frame_to_png(f, &png, &len) || len < 100000) {
		fprintf(stderr, "  encode failed or too small (%zu)\n", len);
		goto out;
	}
	if (decode(png, len, &img, &rgb) || img.width != 320 ||
	    img.height != 240) {
		fprintf(stderr, "  decode failed\n");
		goto out;
	}
	ret = 0;

 out:
	free(rgb);
	free(png);
	tes_deref(f);

	return ret;
}

TES_TEST(png_bad_args)
{
	struct tes_frame *f = NULL;
	uint8_t *png = NULL;
	size_t len = 0;

	TEST_OK(tes_frame_alloc(&f, 16, 16));
	tes_frame_fill(f, 16, 128, 128);

	TEST_EQ(tes_frame_to_png(NULL, &png, &len), -EINVAL);
	TEST_EQ(tes_frame_to_png(f, NULL, &len), -EINVAL);
	TEST_EQ(tes_frame_to_png(f, &png, NULL), -EINVAL);
	TEST_ASSERT(png == NULL);
	TEST_EQ(len, 0);

	f = tes_deref(f);

	return 0;
}
