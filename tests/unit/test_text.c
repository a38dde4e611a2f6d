/**
 * @file test_text.c  Placeholder labels: the bitmap font drawn into a
 * frame stays inside its cell, is centred and scaled, cut with "...",
 * skips cells too small, draws non-ASCII as '?'; tes_compose draws it on
 * placeholder cells only.
 */
#include <stdlib.h>

#include "mixer/mixer.h"
#include "test.h"

enum {
	DARK = 16,          /* what the frames are filled with */
	LIGHT = TES_TEXT_LUMA,
};

/* light pixels inside and outside a rectangle, and their bounding box */
struct count {
	size_t in;
	size_t out;
	struct tes_rect box;
};

static struct count count_light(const struct tes_frame *f,
				const struct tes_rect *r)
{
	struct count c = {0, 0, {INT32_MAX, INT32_MAX, 0, 0}};
	int x1 = -1, y1 = -1;

	for (int y = 0; y < f->height; y++) {
		for (int x = 0; x < f->width; x++) {
			bool inside = x >= r->x && x < r->x + r->w &&
				      y >= r->y && y < r->y + r->h;

			if (f->y[(size_t)y * f->stride_y + x] < 128)
				continue;
			if (!inside) {
				c.out++;
				continue;
			}
			c.in++;
			c.box.x = TES_MIN(c.box.x, x);
			c.box.y = TES_MIN(c.box.y, y);
			x1 = TES_MAX(x1, x);
			y1 = TES_MAX(y1, y);
		}
	}
	c.box.w = x1 - c.box.x + 1;
	c.box.h = y1 - c.box.y + 1;

	return c;
}

static bool same_luma(const struct tes_frame *a, const struct tes_frame *b)
{
	for (int y = 0; y < a->height; y++) {
		if (memcmp(a->y + (size_t)y * a->stride_y,
			   b->y + (size_t)y * b->stride_y, (size_t)a->width))
			return false;
	}

	return true;
}

TES_TEST(mixer_text_inside_centred)
{
	struct tes_rect r = {640, 360, 640, 360};
	struct tes_frame *f;
	struct count c;
	int s = tes_text_scale(r.w, r.h);

	TEST_OK(tes_frame_alloc(&f, 1280, 720));
	tes_frame_fill(f, DARK, 128, 128);

	/* a 720p grid cell: glyphs about 1/8 of its height */
	TEST_EQ(s, 5);
	TEST_EQ(tes_text_draw(f, &r, "Alice", LIGHT), 5);
	c = count_light(f, &r);
	TEST_ASSERT(c.in > 0);
	TEST_EQ(c.out, 0);

	/* capitals and ascenders are TES_TEXT_CAP_H rows; five glyphs are
	 * five advances less the last gap */
	TEST_EQ(c.box.h, TES_TEXT_CAP_H * s);
	TEST_EQ(c.box.w, 5 * TES_TEXT_ADVANCE * s - s);
	TEST_ASSERT(abs(2 * c.box.x + c.box.w - (2 * r.x + r.w)) <= 2);
	TEST_ASSERT(abs(2 * c.box.y + c.box.h - (2 * r.y + r.h)) <= 2);

	/* the chroma planes are left alone */
	TEST_EQ(f->u[(size_t)((c.box.y + 2) / 2) * f->stride_uv +
		     (c.box.x + 2) / 2], 128);

	/* a narrow tall cell gets smaller glyphs so names still fit */
	TEST_EQ(tes_text_scale(200, 720), 2);
	TEST_EQ(tes_text_scale(10, 10), 1);

	f = tes_deref(f);

	return 0;
}

TES_TEST(mixer_text_truncated)
{
	struct tes_rect r = {100, 50, 160, 100};
	struct tes_frame *f, *g;
	char want[64], name[65];
	struct count c;
	int n;

	TEST_OK(tes_frame_alloc(&f, 320, 180));
	TEST_OK(tes_frame_alloc(&g, 320, 180));
	tes_frame_fill(f, DARK, 128, 128);
	tes_frame_fill(g, DARK, 128, 128);

	memset(name, 'W', 64);
	name[64] = '\0';
	n = tes_text_draw(f, &r, name, LIGHT);
	TEST_ASSERT(n > 3 && n < 64);
	c = count_light(f, &r);
	TEST_ASSERT(c.in > 0);
	TEST_EQ(c.out, 0);
	/* it looks exactly like the cut name with "..." */
	memset(want, 'W', (size_t)n - 3);
	memcpy(want + n - 3, "...", 4);
	TEST_EQ(tes_text_draw(g, &r, want, LIGHT), n);
	TEST_ASSERT(same_luma(f, g));

	/* no spaces before the dots: "WW    ...  WWWW" becomes "WW..." */
	tes_frame_fill(f, DARK, 128, 128);
	tes_frame_fill(g, DARK, 128, 128);
	memset(name, ' ', 64);
	memcpy(name, "WW", 2);
	memcpy(name + 60, "WWWW", 4);
	TEST_EQ(tes_text_draw(f, &r, name, LIGHT), 5);
	TEST_EQ(tes_text_draw(g, &r, "WW...", LIGHT), 5);
	TEST_ASSERT(same_luma(f, g));

	/* a label that fits is drawn whole; outer spaces do not count */
	TEST_EQ(tes_text_draw(f, &r, "  Bo ", LIGHT), 2);
	memset(name, 'W', (size_t)n);
	memset(name + n, ' ', 64 - (size_t)n);
	TEST_EQ(tes_text_draw(f, &r, name, LIGHT), n);

	g = tes_deref(g);
	f = tes_deref(f);

	return 0;
}

TES_TEST(mixer_text_tiny_cells)
{
	static const struct tes_rect tiny[] = {
		{10, 10, 12, 10}, {10, 10, 14, 16}, {10, 10, 2, 2},
		{10, 10, 0, 0}, {10, 10, -5, 30}, {310, 170, 100, 100},
		{-200, -200, 100, 100}, {INT32_MAX - 4, 0, 100, 100},
		{0, INT32_MIN, 100, INT32_MAX},
	};
	struct tes_rect whole = {0, 0, 320, 180};
	struct tes_frame *f;
	struct count c;

	TEST_OK(tes_frame_alloc(&f, 320, 180));
	tes_frame_fill(f, DARK, 128, 128);

	for (size_t i = 0; i < TES_ARRAY_SIZE(tiny); i++) {
		if (tes_text_draw(f, &tiny[i], "Alice", LIGHT))
			TEST_FAIL("rectangle %zu drew something", i);
	}
	c = count_light(f, &whole);
	TEST_EQ(c.in, 0);

	/* just big enough for one glyph (at scale 1: margins of 4): the
	 * first letter, no room for dots */
	{
		struct tes_rect r = {10, 10, TES_TEXT_GLYPH_W + 8,
				     TES_TEXT_GLYPH_H + 8};

		TEST_EQ(tes_text_draw(f, &r, "Alice", LIGHT), 1);
		c = count_light(f, &r);
		TEST_ASSERT(c.in > 0);
		TEST_EQ(c.out, 0);
		r.w += TES_TEXT_ADVANCE;
		TEST_EQ(tes_text_draw(f, &r, "Alice", LIGHT), 2);
	}

	/* a cell hanging off the frame is clipped to it */
	{
		struct tes_rect r = {200, 100, 400, 400};
		struct tes_rect vis = {200, 100, 120, 80};

		tes_frame_fill(f, DARK, 128, 128);
		TEST_ASSERT(tes_text_draw(f, &r, "Alice", LIGHT) > 0);
		c = count_light(f, &vis);
		TEST_ASSERT(c.in > 0);
		TEST_EQ(c.out, 0);
	}

	/* nothing but spaces: nothing drawn */
	TEST_EQ(tes_text_draw(f, &whole, "   ", LIGHT), 0);
	TEST_EQ(tes_text_draw(f, &whole, "", LIGHT), 0);
	TEST_EQ(tes_text_draw(NULL, &whole, "x", LIGHT), -EINVAL);
	TEST_EQ(tes_text_draw(f, NULL, "x", LIGHT), -EINVAL);
	TEST_EQ(tes_text_draw(f, &whole, NULL, LIGHT), -EINVAL);

	f = tes_deref(f);

	return 0;
}

TES_TEST(mixer_text_non_ascii)
{
	static const struct {
		const char *text;
		const char *same;
	} v[] = {
		{"Zo\xc3\xab", "Zo?"},                      /* e diaeresis */
		{"\xe2\x98\x83 snow", "? snow"},            /* U+2603 */
		{"a\xf0\x9f\x98\x80z", "a?z"},              /* U+1F600 */
		{"bad\xff\xfe", "bad??"},                   /* not UTF-8 */
		{"cut\xe2\x98", "cut??"},                   /* cut short */
		{"tab\there", "tab?here"},                  /* control */
		{"del\x7f", "del?"},
	};
	struct tes_rect r = {0, 0, 320, 180};
	struct tes_frame *f, *g;

	TEST_OK(tes_frame_alloc(&f, 320, 180));
	TEST_OK(tes_frame_alloc(&g, 320, 180));

	for (size_t i = 0; i < TES_ARRAY_SIZE(v); i++) {
		int n;

		tes_frame_fill(f, DARK, 128, 128);
		tes_frame_fill(g, DARK, 128, 128);
		n = tes_text_draw(f, &r, v[i].text, LIGHT);
		if (n != (int)strlen(v[i].same))
			TEST_FAIL("\"%s\": %d glyphs, expected %zu", v[i].same,
				  n, strlen(v[i].same));
		TEST_EQ(tes_text_draw(g, &r, v[i].same, LIGHT), n);
		if (!same_luma(f, g))
			TEST_FAIL("\"%s\" drawn differently", v[i].same);
	}

	g = tes_deref(g);
	f = tes_deref(f);

	return 0;
}

TES_TEST(mixer_text_compose_placeholder)
{
	static const uint8_t bg[3] = {16, 128, 128};
	struct tes_compose_cell cells[3];
	struct tes_frame *cv, *src;
	struct tes_rect r[3];
	struct count c;

	TEST_OK(tes_frame_alloc(&cv, 640, 360));
	TEST_OK(tes_frame_alloc(&src, 320, 180));
	tes_frame_fill(src, 60, 100, 150);
	memset(cells, 0, sizeof(cells));

	/* placeholder with a label, placeholder without, a source whose
	 * label must be ignored */
	for (int i = 0; i < 3; i++) {
		cells[i].x = r[i].x = i * 212;
		cells[i].y = r[i].y = 0;
		cells[i].w = r[i].w = 212;
		cells[i].h = r[i].h = 360;
		cells[i].border = true;
		cells[i].ph_y = 48;
		cells[i].ph_u = 120;
		cells[i].ph_v = 130;
	}
	cells[0].label = "Alice";
	cells[2].label = "Carol";
	cells[2].src = src;
	TEST_OK(tes_compose(cv, bg, cells, 3, NULL));

	/* the border is light too: look inside it */
	for (int i = 0; i < 3; i++) {
		r[i].x += 2 * TES_COMPOSE_BORDER;
		r[i].y += 2 * TES_COMPOSE_BORDER;
		r[i].w -= 4 * TES_COMPOSE_BORDER;
		r[i].h -= 4 * TES_COMPOSE_BORDER;
	}
	c = count_light(cv, &r[0]);
	TEST_ASSERT(c.in > 0);
	TEST_EQ(count_light(cv, &r[1]).in, 0);
	TEST_EQ(count_light(cv, &r[2]).in, 0);
	/* the placeholder colour around the glyphs */
	TEST_EQ(cv->y[(size_t)(r[0].y + 4) * cv->stride_y + r[0].x + 4], 48);
	TEST_EQ(cv->u[(size_t)(r[0].y / 2 + 2) * cv->stride_uv +
		      r[0].x / 2 + 2], 120);

	src = tes_deref(src);
	cv = tes_deref(cv);

	return 0;
}
