/**
 * @file mem.c  Refcounted allocation with destructors.
 *
 * The header sits before the user data; the refcount is atomic so frames
 * and packets can cross threads by reference (DESIGN.md, Threads).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct mem_hdr {
	atomic_long refs;
	tes_dtor_h *dtor;
	/* keep user data aligned for any type */
	max_align_t align[];
};

static atomic_long live_blocks;

static struct mem_hdr *hdr_of(void *data)
{
	return (struct mem_hdr *)((char *)data - sizeof(struct mem_hdr));
}

static void *mem_init(struct mem_hdr *h, tes_dtor_h *dtor)
{
	if (!h)
		return NULL;

	atomic_init(&h->refs, 1);
	h->dtor = dtor;
	atomic_fetch_add(&live_blocks, 1);

	return h->align;
}

void *tes_alloc(size_t size, tes_dtor_h *dtor)
{
	if (size > SIZE_MAX - sizeof(struct mem_hdr))
		return NULL;

	return mem_init(calloc(1, sizeof(struct mem_hdr) + size), dtor);
}

void *tes_alloc_raw(size_t size, tes_dtor_h *dtor)
{
	if (size > SIZE_MAX - sizeof(struct mem_hdr))
		return NULL;

	return mem_init(malloc(sizeof(struct mem_hdr) + size), dtor);
}

void *tes_ref(void *data)
{
	if (data)
		atomic_fetch_add_explicit(&hdr_of(data)->refs, 1,
					  memory_order_relaxed);
	return data;
}

void *tes_deref(void *data)
{
	struct mem_hdr *h;

	if (!data)
		return NULL;

	h = hdr_of(data);
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
		return NULL;

	if (h->dtor)
		h->dtor(data);

	atomic_fetch_sub(&live_blocks, 1);
	free(h);

	return NULL;
}

long tes_alloc_live(void)
{
	return atomic_load(&live_blocks);
}

char *tes_strdup(const char *s)
{
	size_t n = strlen(s);
	char *d = tes_alloc(n + 1, NULL);

	if (d)
		memcpy(d, s, n + 1);

	return d;
}
