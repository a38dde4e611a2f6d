/**
 * @file test_compose.c  Compositor: cells, crop and letterbox geometry,
 * borders, background, z order, fractional rectangles, timing.
 */
#include <stdlib.h>

#include "mixer/mixer.h"
#include "test.h"

static const uint8_t BG[3] = {16, 128, 128};

struct yuv {
	uint8_t y, u, v;
};

static const struct yuv COL[4] = {
	{81, 90, 240},   /* red */
	{145, 54, 34},   /* green */
	{41, 240, 110},  /* blue */
	{180, 100, 160}, /* pinkish */
};

static struct yuv px(const struct tes_frame *f, int x, int y)
{
	return (struct yuv){
		f->y[(size_t)y * f->stride_y + x],
		f->u[(size_t)(y / 2) * f->stride_uv + x / 2],
		f->v[(size_t)(y / 2) * f->stride_uv + x / 2],
	};
}

static bool near(struct yuv a, uint8_t y, uint8_t u, uint8_t v)
{
	return abs(a.y - y) <= 2 && abs(a.u - u) <= 2 && abs(a.v - v) <= 2;
}

#define TEST_PX(f, px_, py_, cy, cu, cv) \
	do { \
		struct yuv p_ = px(f, px_, py_); \
		if (!near(p_, cy, cu, cv)) \
			TEST_FAIL("pixel (%d,%d) = %u,%u,%u, expected " \
				  "%u,%u,%u", px_, py_, p_.y, p_.u, p_.v, \
				  cy, cu, cv); \
	} while (0)

#define TEST_COL(f, px_, py_, c) \
	TEST_PX(f, px_, py_, (c).y, (c).u, (c).v)

static int make_src(struct tes_frame **fp, int w, int h, struct yuv c)
{
	int err = tes_frame_alloc(fp, w, h);

	if (!err)
		tes_frame_fill(*fp, c.y, c.u, c.v);

	return err;
}

static const int SRC_W[4] = {640, 320, 1280, 200};
static const int SRC_H[4] = {360, 240, 720, 200};

/* 2x2 grid of the four sources into a 1280x720 canvas */
static int grid(struct tes_frame *cv, struct tes_frame **src, bool lb)
{
	struct tes_compose_cell cells[4];

	for (int i = 0; i < 4; i++) {
		struct tes_compose_cell *c = &cells[i];

		memset(c, 0, sizeof(*c));
		tes_compose_rect((float)(i % 2) * 0.5f, (float)(i / 2) * 0.5f,
				 0.5f, 0.5f, cv->width, cv->height, &c->x,
				 &c->y, &c->w, &c->h);
		c->letterbox = lb;
		c->border = (i == 0 || i == 2);
		c->src = src[i];
	}

	return tes_compose(cv, BG, cells, 4, NULL);
}

TES_TEST(mixer_compose_grid)
{
	struct tes_frame *cv, *src[4];
	const struct yuv B = {TES_COMPOSE_BORDER_Y, TES_COMPOSE_BORDER_U,
			      TES_COMPOSE_BORDER_V};

	TEST_OK(tes_frame_alloc(&cv, 1280, 720));
	for (int i = 0; i < 4; i++)
		TEST_OK(make_src(&src[i], SRC_W[i], SRC_H[i], COL[i]));

	/* letterbox */
	tes_frame_fill(cv, 0, 0, 0);
	TEST_OK(grid(cv, src, true));
	TEST_COL(cv, 320, 180, COL[0]);
	TEST_COL(cv, 960, 180, COL[1]);
	TEST_COL(cv, 320, 540, COL[2]);
	TEST_COL(cv, 960, 540, COL[3]);
	/* 320x240 in 640x360: 480 wide, bars of 80 left and right */
	TEST_PX(cv, 640 + 40, 180, BG[0], BG[1], BG[2]);
	TEST_PX(cv, 640 + 78, 100, BG[0], BG[1], BG[2]);
	TEST_COL(cv, 640 + 82, 100, COL[1]);
	TEST_PX(cv, 1279 - 40, 180, BG[0], BG[1], BG[2]);
	/* 200x200 in 640x360: 360 wide, bars of 140 */
	TEST_PX(cv, 640 + 70, 540, BG[0], BG[1], BG[2]);
	TEST_COL(cv, 640 + 142, 540, COL[3]);
	TEST_COL(cv, 640 + 497, 540, COL[3]);
	TEST_PX(cv, 640 + 501, 540, BG[0], BG[1], BG[2]);
	/* borders on cells 0 and 2, two pixels inside the cell */
	TEST_COL(cv, 0, 180, B);
	TEST_COL(cv, 1, 180, B);
	TEST_COL(cv, 2, 180, COL[0]);
	TEST_COL(cv, 320, 0, B);
	TEST_COL(cv, 320, 359, B);
	TEST_COL(cv, 320, 357, COL[0]);
	TEST_COL(cv, 639, 180, B);
	TEST_COL(cv, 320, 360, B);
	TEST_COL(cv, 320, 719, B);
	TEST_PX(cv, 641, 180, BG[0], BG[1], BG[2]);

	/* crop: every cell full of its source */
	tes_frame_fill(cv, 0, 0, 0);
	TEST_OK(grid(cv, src, false));
	TEST_COL(cv, 640 + 40, 180, COL[1]);
	TEST_COL(cv, 640 + 4, 4, COL[1]);
	TEST_COL(cv, 640 + 70, 540, COL[3]);
	TEST_COL(cv, 1279, 719, COL[3]);
	TEST_COL(cv, 960, 180, COL[1]);

	for (int i = 0; i < 4; i++)
		src[i] = tes_deref(src[i]);
	cv = tes_deref(cv);

	return 0;
}

TES_TEST(mixer_compose_place)
{
	struct tes_rect s, d;

	/* 4:3 into 16:9, letterbox: full height, centred */
	TEST_OK(tes_compose_place(640, 360, 320, 240, true, &s, &d));
	TEST_EQ(s.x, 0);
	TEST_EQ(s.w, 320);
	TEST_EQ(s.h, 240);
	TEST_EQ(d.x, 80);
	TEST_EQ(d.y, 0);
	TEST_EQ(d.w, 480);
	TEST_EQ(d.h, 360);

	/* 4:3 into 16:9, crop: middle rows of the source, full cell */
	TEST_OK(tes_compose_place(640, 360, 320, 240, false, &s, &d));
	TEST_EQ(s.x, 0);
	TEST_EQ(s.y, 30);
	TEST_EQ(s.w, 320);
	TEST_EQ(s.h, 180);
	TEST_EQ(d.x, 0);
	TEST_EQ(d.w, 640);
	TEST_EQ(d.h, 360);

	/* 16:9 into a square, letterbox: bars top and bottom */
	TEST_OK(tes_compose_place(360, 360, 1280, 720, true, &s, &d));
	TEST_EQ(d.x, 0);
	TEST_EQ(d.w, 360);
	TEST_EQ(d.h, 202);
	TEST_EQ(d.y, 78);

	/* 16:9 into a square, crop: middle columns */
	TEST_OK(tes_compose_place(360, 360, 1280, 720, false, &s, &d));
	TEST_EQ(s.w, 720);
	TEST_EQ(s.x, 280);
	TEST_EQ(s.h, 720);
	TEST_EQ(d.w, 360);

	/* same aspect: whole source, whole cell */
	TEST_OK(tes_compose_place(426, 240, 1280, 720, true, &s, &d));
	TEST_EQ(d.w, 426);
	TEST_EQ(s.w, 1280);

	/* everything even, whatever the sizes */
	for (int cw = 2; cw < 100; cw += 6)
		for (int sw = 2; sw < 300; sw += 14)
			for (int lb = 0; lb < 2; lb++) {
				TEST_OK(tes_compose_place(cw, 58, sw, 90, lb,
							  &s, &d));
				TEST_ASSERT(!((s.x | s.y | s.w | s.h) & 1));
				TEST_ASSERT(!((d.x | d.y | d.w | d.h) & 1));
				TEST_ASSERT(s.x + s.w <= sw && s.y + s.h <= 90);
				TEST_ASSERT(d.x + d.w <= cw && d.y + d.h <= 58);
				TEST_ASSERT(s.w >= 2 && d.w >= 2);
			}

	TEST_EQ(tes_compose_place(0, 360, 320, 240, true, &s, &d), -EINVAL);

	return 0;
}

TES_TEST(mixer_compose_rect)
{
	static const int sizes[][2] = {
		{1280, 720}, {640, 360}, {1920, 1080}, {854, 480},
		{426, 240}, {320, 180}, {1366, 768}, {1000, 562},
	};

	for (size_t s = 0; s < TES_ARRAY_SIZE(sizes); s++) {
		int cw = sizes[s][0], ch = sizes[s][1];

		for (int n = 1; n <= 5; n++) {
			int prev_x = 0, prev_y = 0;

			for (int i = 0; i < n; i++) {
				int x, y, w, h;
				float f = (float)i / (float)n;
				float fw = 1.0f / (float)n;

				tes_compose_rect(f, f, fw, fw, cw, ch, &x, &y,
						 &w, &h);
				TEST_EQ(x, prev_x);
				TEST_EQ(y, prev_y);
				TEST_ASSERT(!((x | y | w | h) & 1));
				TEST_ASSERT(w >= cw / n - 2 && w <= cw / n + 2);
				TEST_ASSERT(h >= ch / n - 2 && h <= ch / n + 2);
				prev_x = x + w;
				prev_y = y + h;
			}
			TEST_EQ(prev_x, cw & ~1);
			TEST_EQ(prev_y, ch & ~1);
		}
	}

	return 0;
}

TES_TEST(mixer_compose_z_placeholder)
{
	struct tes_compose_cell cells[3];
	struct tes_compose_scratch sc = {0};
	struct tes_frame *cv, *big, *pip;
	uint64_t bg_before;

	TEST_OK(tes_frame_alloc(&cv, 640, 360));
	TEST_OK(make_src(&big, 1280, 720, COL[0]));
	TEST_OK(make_src(&pip, 320, 180, COL[1]));
	memset(cells, 0, sizeof(cells));

	/* picture-in-picture listed first but on top */
	cells[0] = (struct tes_compose_cell){.x = 400, .y = 200, .w = 200,
		.h = 120, .z = 1, .src = pip};
	cells[1] = (struct tes_compose_cell){.x = 0, .y = 0, .w = 640,
		.h = 360, .z = 0, .src = big};
	tes_frame_fill(cv, 0, 0, 0);
	TEST_OK(tes_compose(cv, BG, cells, 2, &sc));
	TEST_COL(cv, 500, 260, COL[1]);
	TEST_COL(cv, 100, 100, COL[0]);
	TEST_COL(cv, 398, 260, COL[0]);
	TEST_EQ(sc.bg_pixels, 0);   /* fully covered: no background fill */
	TEST_EQ(sc.cells, 2);
	TEST_EQ(sc.scaled, 2);

	/* a placeholder in the middle, odd coordinates, background around */
	cells[2] = (struct tes_compose_cell){.x = 101, .y = 51, .w = 201,
		.h = 101, .ph_y = 200, .ph_u = 60, .ph_v = 70};
	tes_frame_fill(cv, 0, 0, 0);
	bg_before = sc.bg_pixels;
	TEST_OK(tes_compose(cv, BG, &cells[2], 1, &sc));
	TEST_PX(cv, 200, 100, 200, 60, 70);
	TEST_PX(cv, 100, 100, 200, 60, 70);   /* x rounded down to 100 */
	TEST_PX(cv, 99, 100, BG[0], BG[1], BG[2]);
	TEST_PX(cv, 302, 100, BG[0], BG[1], BG[2]);
	TEST_PX(cv, 0, 0, BG[0], BG[1], BG[2]);
	TEST_PX(cv, 639, 359, BG[0], BG[1], BG[2]);
	/* 101..302 x 51..152 becomes 100..302 x 50..152 */
	TEST_EQ(sc.bg_pixels - bg_before, 640 * 360 - 202 * 102);

	/* cells hanging off the canvas are clipped; empty ones skipped */
	cells[0] = (struct tes_compose_cell){.x = 600, .y = -20, .w = 100,
		.h = 100, .src = pip};
	cells[1] = (struct tes_compose_cell){.x = 700, .y = 0, .w = 100,
		.h = 100, .src = pip};
	TEST_OK(tes_compose(cv, BG, cells, 2, NULL));
	TEST_COL(cv, 639, 0, COL[1]);
	TEST_COL(cv, 620, 70, COL[1]);
	TEST_PX(cv, 620, 82, BG[0], BG[1], BG[2]);

	TEST_EQ(tes_compose(NULL, BG, cells, 1, NULL), -EINVAL);
	TEST_EQ(tes_compose(cv, BG, cells, TES_COMPOSE_MAX_CELLS + 1, NULL),
		-E2BIG);
	TEST_OK(tes_compose(cv, BG, NULL, 0, NULL));
	TEST_PX(cv, 320, 180, BG[0], BG[1], BG[2]);

	pip = tes_deref(pip);
	big = tes_deref(big);
	cv = tes_deref(cv);

	return 0;
}

/* timing: not an assertion, printed for the record */
static double compose_us(int grid_n, int sw, int sh, bool lb, int iters)
{
	struct tes_compose_cell cells[TES_COMPOSE_MAX_CELLS];
	struct tes_frame *cv = NULL, *src[TES_COMPOSE_MAX_CELLS] = {0};
	struct tes_compose_scratch sc = {0};
	int n = grid_n * grid_n;
	double us = -1;

	if (tes_frame_alloc(&cv, 1280, 720))
		goto out;
	for (int i = 0; i < n; i++) {
		struct tes_compose_cell *c = &cells[i];

		if (make_src(&src[i], sw, sh, COL[i % 4]))
			goto out;
		memset(c, 0, sizeof(*c));
		tes_compose_rect((float)(i % grid_n) / (float)grid_n,
				 (float)(i / grid_n) / (float)grid_n,
				 1.0f / (float)grid_n, 1.0f / (float)grid_n,
				 1280, 720, &c->x, &c->y, &c->w, &c->h);
		c->letterbox = lb;
		c->src = src[i];
		c->border = (i == 0);
	}
	for (int k = 0; k < iters; k++)
		if (tes_compose(cv, BG, cells, (size_t)n, &sc))
			goto out;
	us = (double)sc.total_us / iters;
out:
	for (int i = 0; i < n; i++)
		src[i] = tes_deref(src[i]);
	cv = tes_deref(cv);

	return us;
}

TES_TEST(mixer_compose_timing)
{
	double a = compose_us(3, 640, 360, false, 200);
	double b = compose_us(2, 1280, 720, false, 100);
	double c = compose_us(3, 640, 480, true, 200);
	double d = compose_us(1, 640, 360, false, 200);

	TEST_ASSERT(a > 0 && b > 0 && c > 0 && d > 0);
	printf("     compose into 1280x720: 3x3 of 640x360 %.0f us, "
	       "2x2 of 1280x720 %.0f us, 3x3 of 640x480 letterbox %.0f us, "
	       "1 of 640x360 upscaled %.0f us\n", a, b, c, d);

	return 0;
}
