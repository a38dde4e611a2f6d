/**
 * @file fuzz_layouts.c  libFuzzer harness for the layouts loader and the
 * layout engine.
 *
 * Any input must load or be refused without memory errors or leaks.  When
 * it loads, every preset is computed for 0..30 participants with several
 * speakers and presenters, and the harness aborts when a result breaks an
 * invariant: cells on the canvas and sorted by z, nobody placed twice, no
 * overlap unless the preset allows it, every non-reserved cell filled while
 * there are participants left.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fyaml_leak.h"
#include "layouts/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EPS 1e-5f

static const char *const ids[] = {
	"host", "alice", "bob", "p3",  "p4",  "p5",  "p6",  "p7",
	"p8",   "p9",    "p10", "p11", "p12", "p13", "p14", "p15",
	"p16",  "p17",   "p18", "p19", "p20", "p21", "p22", "p23",
	"p24",  "p25",   "p26", "p27", "p28", "host",
};

static bool overlap(const struct tes_cell *a, const struct tes_cell *b)
{
	float ix = TES_MIN(a->x + a->w, b->x + b->w) - TES_MAX(a->x, b->x);
	float iy = TES_MIN(a->y + a->h, b->y + b->h) - TES_MAX(a->y, b->y);

	return ix > EPS && iy > EPS;
}

static void check(const struct tes_layout *l, const struct tes_cell *c,
		  int nc, size_t n)
{
	size_t filled = 0, open = 0, reserved = 0;

	if (nc < 0 || nc > TES_LAYOUT_MAX_CELLS)
		abort();

	for (int i = 0; i < nc; i++) {
		if (!(c[i].x >= 0 && c[i].y >= 0 && c[i].w > 0 &&
		      c[i].h > 0 && c[i].x + c[i].w <= 1 + EPS &&
		      c[i].y + c[i].h <= 1 + EPS))
			abort();
		if (c[i].participant < -1 || c[i].participant >= (int)n)
			abort();
		if (i && c[i - 1].z > c[i].z)
			abort();
		for (int j = 0; j < i; j++) {
			if (c[i].participant >= 0 &&
			    c[i].participant == c[j].participant)
				abort();
			if (!l->overlap && overlap(&c[i], &c[j]))
				abort();
		}
		if (c[i].role == TES_ROLE_RESERVED) {
			reserved += c[i].participant >= 0;
			continue;
		}
		open++;
		filled += c[i].participant >= 0;
	}

	/* cells other than reserved ones take whoever is left */
	if (filled != TES_MIN(open, n - reserved))
		abort();
}

static void compute_all(const struct tes_layout *l, uint32_t seed)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];

	for (size_t n = 0; n <= 30; n++) {
		for (int k = 0; k < 3; k++) {
			struct tes_layout_input in = {
				.ids = k == 2 ? NULL : ids,
				.n = n,
				.speaker = n ? (int)((seed + k) % (n + 1)) - 1
					     : -1,
				.presenter = n ? (int)((seed >> 8) % (n + 1)) -
						 1 : -1,
			};
			int nc = tes_layout_compute(l, &in, cells,
						    TES_ARRAY_SIZE(cells));

			check(l, cells, nc, n);
		}
	}

	/* out of range speakers are refused, not placed */
	{
		struct tes_layout_input in = {.ids = ids, .n = 3,
					      .speaker = 3, .presenter = -1};

		if (tes_layout_compute(l, &in, cells, TES_ARRAY_SIZE(cells)) !=
		    -EINVAL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct tes_layout_set *set = NULL;
	uint32_t seed = 0;
	long live = tes_alloc_live();

	if (!devnull)
		devnull = fopen("/dev/null", "w");

	for (size_t i = 0; i < size; i++)
		seed = seed * 31 + data[i];

	if (tes_layouts_load_string(&set, "fuzz.yaml", (const char *)data,
				    size, devnull)) {
		if (set)
			abort(); /* refused files leave *setp alone */
		goto out;
	}
	if (!set || !tes_layouts_find(set, "auto"))
		abort();

	for (size_t i = 0; i < tes_layouts_count(set); i++)
		compute_all(tes_layouts_at(set, i), seed);

	set = tes_deref(set);
out:
	if (tes_alloc_live() != live)
		abort();

	return 0;
}
