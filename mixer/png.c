/**
 * @file png.c  Snapshot of an I420 frame as a PNG image.
 *
 * libyuv converts to packed RGB; libpng compresses into a growing heap
 * buffer through a custom write function. libpng reports errors with
 * longjmp, so all its calls sit in one small function whose locals are
 * not changed after setjmp: nothing needs to be volatile.
 */
#include <stdlib.h>
#include <string.h>

#include <libyuv.h>
#include <png.h>

#include "mixer/mixer.h"

enum {
	OUT_MIN_CAP = 4096, /* first allocation of the output buffer */
};

/* output buffer: filled by write_cb, owned by tes_frame_to_png */
struct png_out {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;      /* set before png_error() to tell ENOMEM from EPROTO */
};

static void write_cb(png_structp png, png_bytep data, size_t n)
{
	struct png_out *o = png_get_io_ptr(png);
	uint8_t *nb;
	size_t cap;

	if (n > o->cap - o->len) {
		cap = o->cap ? o->cap : OUT_MIN_CAP;
		while (cap - o->len < n) {
			if (cap > SIZE_MAX / 2) {
				o->err = -ENOMEM;
				png_error(png, "output too large");
			}
			cap *= 2;
		}
		nb = realloc(o->buf, cap);
		if (!nb) {
			o->err = -ENOMEM;
			png_error(png, "out of memory");
		}
		o->buf = nb;
		o->cap = cap;
	}

	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static void flush_cb(png_structp png)
{
	(void)png;
}

static void error_cb(png_structp png, png_const_charp msg)
{
	TES_LOGW("png", "libpng: %s", msg);
	png_longjmp(png, 1);
}

static void warn_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	TES_LOGD("png", "libpng warning: %s", msg);
}

/* every libpng call that may longjmp lives here */
static int encode(png_structp png, png_infop info, struct png_out *out,
		  png_bytepp rows, int w, int h)
{
	if (setjmp(png_jmpbuf(png)))
		return out->err ? out->err : -EPROTO;

	png_set_write_fn(png, out, write_cb, flush_cb);
	/* snapshots favour speed: fastest zlib level, and one cheap filter
	 * instead of trying all five per row */
	png_set_compression_level(png, 1);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
		     PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	png_set_rows(png, info, rows);
	png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);

	return 0;
}

int tes_frame_to_png(const struct tes_frame *f, uint8_t **png, size_t *len)
{
	struct png_out out = {0};
	png_structp ps = NULL;
	png_infop info = NULL;
	png_bytepp rows = NULL;
	uint8_t *rgb = NULL;
	size_t stride;
	int err = 0;

	if (!f || !png || !len || !f->y || !f->u || !f->v ||
	    f->width < 2 || f->height < 2 || f->width > 8192 ||
	    f->height > 8192)
		return -EINVAL;

	stride = (size_t)f->width * 3;
	rgb = malloc(stride * (size_t)f->height);
	rows = malloc(sizeof(*rows) * (size_t)f->height);
	if (!rgb || !rows) {
		err = -ENOMEM;
		goto out;
	}

	/* libyuv names formats by word order: "RAW" is R, G, B bytes in
	 * memory (what PNG wants), "RGB24" is B, G, R */
	if (I420ToRAW(f->y, f->stride_y, f->u, f->stride_uv, f->v,
		      f->stride_uv, rgb, (int)stride, f->width, f->height)) {
		err = -EINVAL;
		goto out;
	}
	for (int y = 0; y < f->height; y++)
		rows[y] = rgb + (size_t)y * stride;

	ps = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, error_cb,
				     warn_cb);
	if (!ps) {
		err = -ENOMEM;
		goto out;
	}
	info = png_create_info_struct(ps);
	if (!info) {
		err = -ENOMEM;
		goto out;
	}

	err = encode(ps, info, &out, rows, f->width, f->height);
	if (err)
		goto out;

	*png = out.buf;
	*len = out.len;
	out.buf = NULL;

 out:
	if (ps)
		png_destroy_write_struct(&ps, info ? &info : NULL);
	free(out.buf);
	free(rows);
	free(rgb);

	return err;
}
