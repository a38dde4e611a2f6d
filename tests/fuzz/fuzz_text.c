/**
 * @file fuzz_text.c  libFuzzer harness for participant name labels: a
 * display name comes from outside (?name= of a WHIP join) and the mixer
 * draws it into the canvas with tes_text_draw(), decoding its UTF-8 on
 * the way.
 *
 * Input: frame width and height (one byte each), the rectangle (x, y, w,
 * h as signed 16-bit big-endian, so it may stick out of the frame or be
 * empty), the luma, then the text.
 *
 * Checks: the count drawn is 0..TES_TEXT_MAX_GLYPHS and no more than the
 * text has bytes; nothing is written outside the rectangle clipped to the
 * frame, nor into its border (TES_COMPOSE_BORDER pixels), nor into the row
 * padding or the chroma planes; what is written has the given luma; and
 * a label is only drawn when something was (and the other way round).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/frame.h"
#include "mixer/mixer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	HDR = 11,
	MAX_TEXT = 1024,
};

/* the pixel checks are no code under test: keep libFuzzer's comparison
 * tracing out of their loops (not inlined, or the caller's tracing
 * applies), which would otherwise take most of the time */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define NO_COVERAGE
#endif

static int16_t rd_s16(const uint8_t *p)
{
	return (int16_t)tes_rd16(p);
}

/* pixels that are not fill: all luma and inside [x0, x1) x [y0, y1);
 * returns how many, or -1 when one is outside or another value */
NO_COVERAGE
static long changed_pixels(const struct tes_frame *f, uint8_t fill,
			   uint8_t luma, int64_t x0, int64_t y0, int64_t x1,
			   int64_t y1)
{
	long changed = 0;

	for (int64_t y = 0; y < f->height; y++) {
		const uint8_t *row = f->y + y * f->stride_y;

		for (int64_t x = 0; x < f->stride_y; x++) {
			if (row[x] == fill)
				continue;
			if (row[x] != luma || x < x0 || x >= x1 || y < y0 ||
			    y >= y1)
				return -1;
			changed++;
		}
	}

	return changed;
}

NO_COVERAGE
static bool all_eq(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v)
			return false;
	}

	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_frame *f;
	struct tes_rect r;
	int64_t x0, y0, x1, y1;
	size_t tlen;
	long changed;
	uint8_t luma, fill;
	char *text;
	int n, w, h;

	if (size < HDR)
		return 0;
	w = 2 + 2 * (data[0] % 160);  /* up to 320x180: a grid cell */
	h = 2 + 2 * (data[1] % 90);
	r = (struct tes_rect){rd_s16(data + 2), rd_s16(data + 4),
			      rd_s16(data + 6), rd_s16(data + 8)};
	luma = data[10];
	fill = luma ^ 0x5a;

	tlen = TES_MIN(size - HDR, (size_t)MAX_TEXT);
	text = malloc(tlen + 1);
	if (!text || tes_frame_alloc(&f, w, h)) {
		free(text);
		return 0;
	}
	memcpy(text, data + HDR, tlen);
	text[tlen] = '\0';
	tlen = strlen(text);

	/* row padding included, so a write past the width shows */
	memset(f->y, fill, (size_t)f->stride_y * (size_t)h);
	memset(f->u, 128, (size_t)f->stride_uv * (size_t)h);

	n = tes_text_draw(f, &r, text, luma);
	if (n < 0 || n > TES_TEXT_MAX_GLYPHS || (size_t)n > tlen)
		abort();

	/* where it may write: the clipped rectangle less its border */
	x0 = TES_MAX((int64_t)r.x, 0) + TES_COMPOSE_BORDER;
	y0 = TES_MAX((int64_t)r.y, 0) + TES_COMPOSE_BORDER;
	x1 = TES_MIN((int64_t)r.x + r.w, (int64_t)w) - TES_COMPOSE_BORDER;
	y1 = TES_MIN((int64_t)r.y + r.h, (int64_t)h) - TES_COMPOSE_BORDER;
	changed = changed_pixels(f, fill, luma, x0, y0, x1, y1);
	if (changed < 0 ||
	    !all_eq(f->u, (size_t)f->stride_uv * (size_t)h, 128))
		abort();
	/* every glyph has pixels, '.' included */
	if (!n != !changed)
		abort();

	tes_deref(f);
	free(text);

	return 0;
}
