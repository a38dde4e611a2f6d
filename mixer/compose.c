/**
 * @file compose.c  Video compositor: cells of scaled sources on an I420
 * canvas, drawn with libyuv.
 *
 * All rectangles are even-aligned so that the chroma planes line up with
 * luma; sources are scaled by I420Scale straight into the canvas planes
 * (pointer offsets, no staging copy). The background is filled only where
 * no cell lies: the canvas is cut into horizontal bands at every cell
 * edge, and in each band the gaps between the covering cells are filled.
 * A placeholder cell (no source) is its fill colour with its label, if
 * any, drawn by text.c.
 */
#include <math.h>

#include <libyuv.h>

#include "mixer/mixer.h"

/* ---- geometry ---- */

/* round num/den to the nearest even integer (num, den >= 0, den > 0) */
static int even_div(int64_t num, int64_t den)
{
	return (int)((num + den) / (2 * den)) * 2;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int tes_compose_place(int cw, int ch, int sw, int sh, bool letterbox,
		      struct tes_rect *src, struct tes_rect *dst)
{
	int64_t wide, tall;
	int v;

	if (cw < 2 || ch < 2 || sw < 2 || sh < 2 || !src || !dst)
		return -EINVAL;

	*src = (struct tes_rect){0, 0, sw, sh};
	*dst = (struct tes_rect){0, 0, cw, ch};

	/* compare aspects without division: sw/sh vs cw/ch */
	wide = (int64_t)sw * ch;
	tall = (int64_t)sh * cw;
	if (wide == tall)
		return 0;

	if (letterbox && wide > tall) {
		/* source wider than the cell: full width, bars top/bottom */
		v = clampi(even_div((int64_t)cw * sh, sw), 2, ch);
		dst->y = ((ch - v) / 2) & ~1;
		dst->h = v;
	}
	else if (letterbox) {
		v = clampi(even_div((int64_t)ch * sw, sh), 2, cw);
		dst->x = ((cw - v) / 2) & ~1;
		dst->w = v;
	}
	else if (wide > tall) {
		/* crop: keep the centre columns of a wider source */
		v = clampi(even_div((int64_t)sh * cw, ch), 2, sw);
		src->x = ((sw - v) / 2) & ~1;
		src->w = v;
	}
	else {
		v = clampi(even_div((int64_t)sw * ch, cw), 2, sh);
		src->y = ((sh - v) / 2) & ~1;
		src->h = v;
	}

	return 0;
}

/* fraction of a canvas side to an even pixel edge */
static int frac_edge(double f, int size)
{
	double e = f * size, r = nearbyint(e);

	/* neighbours may compute the same edge with a different last bit:
	 * snap near-integers so both round the same way */
	if (fabs(e - r) < 1e-3)
		e = r;

	return clampi(2 * (int)floor(e / 2 + 0.5), 0, size & ~1);
}

void tes_compose_rect(float fx, float fy, float fw, float fh, int cw, int ch,
		      int *x, int *y, int *w, int *h)
{
	int x0 = frac_edge(fx, cw), x1 = frac_edge((double)fx + fw, cw);
	int y0 = frac_edge(fy, ch), y1 = frac_edge((double)fy + fh, ch);

	if (x)
		*x = x0;
	if (y)
		*y = y0;
	if (w)
		*w = TES_MAX(0, x1 - x0);
	if (h)
		*h = TES_MAX(0, y1 - y0);
}

/* ---- drawing ---- */

/* cell rectangle clipped to the canvas and aligned to even pixels */
static struct tes_rect cell_rect(const struct tes_compose_cell *c, int cw,
				 int ch)
{
	int64_t x0 = c->x, y0 = c->y;
	int64_t x1 = x0 + (c->w > 0 ? c->w : 0);
	int64_t y1 = y0 + (c->h > 0 ? c->h : 0);
	struct tes_rect r;

	x0 = TES_MAX(x0, 0);
	y0 = TES_MAX(y0, 0);
	x1 = TES_MIN(x1, cw);
	y1 = TES_MIN(y1, ch);
	r.x = (int)x0 & ~1;
	r.y = (int)y0 & ~1;
	r.w = x1 > x0 ? ((int)x1 & ~1) - r.x : 0;
	r.h = y1 > y0 ? ((int)y1 & ~1) - r.y : 0;
	if (r.w <= 0 || r.h <= 0)
		r.w = r.h = 0;

	return r;
}

static void fill(struct tes_frame *f, int x, int y, int w, int h,
		 uint8_t cy, uint8_t cu, uint8_t cv)
{
	if (w <= 0 || h <= 0)
		return;

	I420Rect(f->y, f->stride_y, f->u, f->stride_uv, f->v, f->stride_uv,
		 x, y, w, h, cy, cu, cv);
}

static void sort_ints(int *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int v = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* fill the background wherever no cell lies; returns luma pixels filled */
static uint64_t fill_background(struct tes_frame *cv, const uint8_t bg[3],
				const struct tes_rect *r, size_t n)
{
	int ys[2 * TES_COMPOSE_MAX_CELLS + 2];
	size_t iv[TES_COMPOSE_MAX_CELLS];
	size_t nys = 0, nu = 0;
	uint64_t filled = 0;

	ys[nys++] = 0;
	ys[nys++] = cv->height;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].w)
			continue;
		ys[nys++] = r[i].y;
		ys[nys++] = r[i].y + r[i].h;
	}
	sort_ints(ys, nys);
	for (size_t i = 0; i < nys; i++)
		if (!nu || ys[nu - 1] != ys[i])
			ys[nu++] = ys[i];

	for (size_t b = 0; b + 1 < nu; b++) {
		int ya = ys[b], yb = ys[b + 1], cur = 0;
		size_t ni = 0;

		/* cells covering this band, sorted by left edge; band edges
		 * include every cell edge, so a cell covers all or nothing */
		for (size_t i = 0; i < n; i++) {
			size_t j;

			if (!r[i].w || r[i].y > ya || r[i].y + r[i].h < yb)
				continue;
			for (j = ni; j > 0 && r[iv[j - 1]].x > r[i].x; j--)
				iv[j] = iv[j - 1];
			iv[j] = i;
			ni++;
		}

		for (size_t k = 0; k < ni; k++) {
			const struct tes_rect *c = &r[iv[k]];

			if (c->x > cur) {
				fill(cv, cur, ya, c->x - cur, yb - ya, bg[0],
				     bg[1], bg[2]);
				filled += (uint64_t)(c->x - cur) * (yb - ya);
			}
			cur = TES_MAX(cur, c->x + c->w);
		}
		if (cur < cv->width) {
			fill(cv, cur, ya, cv->width - cur, yb - ya, bg[0],
			     bg[1], bg[2]);
			filled += (uint64_t)(cv->width - cur) * (yb - ya);
		}
	}

	return filled;
}

/* scale the source into the cell; returns whether it scaled */
static bool draw_source(struct tes_frame *cv, const uint8_t bg[3],
			const struct tes_rect *r,
			const struct tes_compose_cell *c)
{
	const struct tes_frame *s = c->src;
	struct tes_rect sr, dr;
	enum FilterMode filter;
	int dx, dy;

	if (tes_compose_place(r->w, r->h, s->width, s->height, c->letterbox,
			      &sr, &dr)) {
		fill(cv, r->x, r->y, r->w, r->h, c->ph_y, c->ph_u, c->ph_v);
		return false;
	}

	/* letterbox bars: the cell is an opaque box */
	if (dr.h < r->h) {
		fill(cv, r->x, r->y, r->w, dr.y, bg[0], bg[1], bg[2]);
		fill(cv, r->x, r->y + dr.y + dr.h, r->w, r->h - dr.y - dr.h,
		     bg[0], bg[1], bg[2]);
	}
	if (dr.w < r->w) {
		fill(cv, r->x, r->y, dr.x, r->h, bg[0], bg[1], bg[2]);
		fill(cv, r->x + dr.x + dr.w, r->y, r->w - dr.x - dr.w, r->h,
		     bg[0], bg[1], bg[2]);
	}

	/* box filtering only pays off when shrinking */
	filter = (dr.w < sr.w || dr.h < sr.h) ? kFilterBox : kFilterBilinear;
	dx = r->x + dr.x;
	dy = r->y + dr.y;

	I420Scale(s->y + (size_t)sr.y * s->stride_y + sr.x, s->stride_y,
		  s->u + (size_t)(sr.y / 2) * s->stride_uv + sr.x / 2,
		  s->stride_uv,
		  s->v + (size_t)(sr.y / 2) * s->stride_uv + sr.x / 2,
		  s->stride_uv, sr.w, sr.h,
		  cv->y + (size_t)dy * cv->stride_y + dx, cv->stride_y,
		  cv->u + (size_t)(dy / 2) * cv->stride_uv + dx / 2,
		  cv->stride_uv,
		  cv->v + (size_t)(dy / 2) * cv->stride_uv + dx / 2,
		  cv->stride_uv, dr.w, dr.h, filter);

	return true;
}

static void draw_border(struct tes_frame *cv, const struct tes_rect *r)
{
	int b = TES_MIN(TES_COMPOSE_BORDER, TES_MIN(r->w, r->h) / 2) & ~1;

	if (b <= 0)
		return;

	fill(cv, r->x, r->y, r->w, b, TES_COMPOSE_BORDER_Y,
	     TES_COMPOSE_BORDER_U, TES_COMPOSE_BORDER_V);
	fill(cv, r->x, r->y + r->h - b, r->w, b, TES_COMPOSE_BORDER_Y,
	     TES_COMPOSE_BORDER_U, TES_COMPOSE_BORDER_V);
	fill(cv, r->x, r->y + b, b, r->h - 2 * b, TES_COMPOSE_BORDER_Y,
	     TES_COMPOSE_BORDER_U, TES_COMPOSE_BORDER_V);
	fill(cv, r->x + r->w - b, r->y + b, b, r->h - 2 * b,
	     TES_COMPOSE_BORDER_Y, TES_COMPOSE_BORDER_U,
	     TES_COMPOSE_BORDER_V);
}

int tes_compose(struct tes_frame *canvas, const uint8_t bg[3],
		const struct tes_compose_cell *cells, size_t n,
		struct tes_compose_scratch *scratch)
{
	struct tes_rect r[TES_COMPOSE_MAX_CELLS];
	size_t order[TES_COMPOSE_MAX_CELLS];
	uint64_t t0 = scratch ? tes_now_us() : 0, bgpx, scaled = 0;
	size_t drawn = 0;

	if (!canvas || !bg || (n && !cells))
		return -EINVAL;
	if (n > TES_COMPOSE_MAX_CELLS)
		return -E2BIG;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		r[i] = cell_rect(&cells[i], canvas->width, canvas->height);

		/* stable insertion by z: equal z keeps the given order */
		for (; j > 0 && cells[order[j - 1]].z > cells[i].z; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}

	bgpx = fill_background(canvas, bg, r, n);

	for (size_t k = 0; k < n; k++) {
		const struct tes_compose_cell *c = &cells[order[k]];
		const struct tes_rect *cr = &r[order[k]];

		if (!cr->w)
			continue;
		if (c->src) {
			scaled += draw_source(canvas, bg, cr, c);
		}
		else {
			fill(canvas, cr->x, cr->y, cr->w, cr->h, c->ph_y,
			     c->ph_u, c->ph_v);
			if (c->label)
				(void)tes_text_draw(canvas, cr, c->label,
						    TES_TEXT_LUMA);
		}
		if (c->border)
			draw_border(canvas, cr);
		drawn++;
	}

	if (scratch) {
		uint64_t dt = tes_now_us() - t0;

		scratch->calls++;
		scratch->cells += drawn;
		scratch->scaled += scaled;
		scratch->bg_pixels += bgpx;
		scratch->last_us = dt;
		scratch->total_us += dt;
	}

	return 0;
}
