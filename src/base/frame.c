/**
 * @file frame.c  Refcounted I420 frames and PCM blocks.
 */
#include <string.h>

#include "base/frame.h"

static int align32(int v)
{
	return (v + 31) & ~31;
}

int tes_frame_alloc(struct tes_frame **fp, int width, int height)
{
	struct tes_frame *f;
	size_t hdr, ysz, csz;
	int sy, sc;
	uint8_t *base;

	if (!fp || width < 2 || height < 2 || width > 8192 ||
	    height > 8192 || (width & 1) || (height & 1))
		return -EINVAL;

	sy = align32(width);
	sc = align32(width / 2);
	hdr = (sizeof(*f) + 63) & ~(size_t)63;
	ysz = (size_t)sy * (size_t)height;
	csz = (size_t)sc * (size_t)(height / 2);

	/* +32 so the planes can start on a 32-byte boundary; the pixels
	 * are not zeroed (every user writes the whole picture) */
	f = tes_alloc_raw(hdr + ysz + 2 * csz + 32, NULL);
	if (!f)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));

	base = (uint8_t *)f + hdr;
	base += (32 - ((uintptr_t)base & 31)) & 31;
	f->width = width;
	f->height = height;
	f->stride_y = sy;
	f->stride_uv = sc;
	f->y = base;
	f->u = f->y + ysz;
	f->v = f->u + csz;
	*fp = f;

	return 0;
}

void tes_frame_fill(struct tes_frame *f, uint8_t y, uint8_t u, uint8_t v)
{
	for (int r = 0; r < f->height; r++)
		memset(f->y + (size_t)r * (size_t)f->stride_y, y,
		       (size_t)f->width);
	for (int r = 0; r < f->height / 2; r++) {
		memset(f->u + (size_t)r * (size_t)f->stride_uv, u,
		       (size_t)f->width / 2);
		memset(f->v + (size_t)r * (size_t)f->stride_uv, v,
		       (size_t)f->width / 2);
	}
}

int tes_pcm_alloc(struct tes_pcm **pp, int channels, int samples)
{
	struct tes_pcm *p;

	if (!pp || channels < 1 || channels > 2 || samples < 1 ||
	    samples > 5760)
		return -EINVAL;

	p = tes_alloc(sizeof(*p) + sizeof(int16_t) * (size_t)channels *
			  (size_t)samples, NULL);
	if (!p)
		return -ENOMEM;
	p->channels = channels;
	p->samples = samples;
	*pp = p;

	return 0;
}
