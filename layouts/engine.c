/**
 * @file engine.c  Layout engine: preset + participants + speaker -> cells.
 *
 * Pure functions of their arguments: no allocation, no locks, so any
 * thread may call them on a preset of a set it holds a reference on.
 * Placement never scans all participants: at most one pass per slot over
 * the ones already placed, so a room of thousands costs what its cells do.
 */
#include <errno.h>
#include <string.h>

#include "layouts/layout.h"

/* Cells already filled, to keep anyone from being placed twice. */
struct placer {
	const struct tes_layout_input *in;
	struct tes_cell *cells;
	size_t ncells;
};

void tes_layout_grid_dims(size_t n, unsigned *cols, unsigned *rows)
{
	unsigned c = 0;

	if (n > TES_LAYOUT_AUTO_MAX * TES_LAYOUT_AUTO_MAX)
		n = TES_LAYOUT_AUTO_MAX * TES_LAYOUT_AUTO_MAX;

	while ((size_t)c * c < n)
		c++;

	*cols = c;
	*rows = c ? (unsigned)((n + c - 1) / c) : 0;
}

const struct tes_layout_variant *
tes_layout_variant_pick(const struct tes_layout *l, size_t n)
{
	const struct tes_layout_variant *best = NULL;
	size_t best_dist = (size_t)-1;

	if (!l || l->kind != TES_LAYOUT_SLOTS)
		return NULL;

	for (size_t i = 0; i < l->nvariants; i++) {
		const struct tes_layout_variant *v = &l->variants[i];
		size_t dist;

		if (n < v->min)
			dist = v->min - n;
		else if (n > v->max)
			dist = n - v->max;
		else
			return v;

		/* ties go to the first variant in the file */
		if (dist < best_dist) {
			best_dist = dist;
			best = v;
		}
	}

	return best;
}

static bool is_placed(const struct placer *p, int idx)
{
	for (size_t i = 0; i < p->ncells; i++) {
		if (p->cells[i].participant == idx)
			return true;
	}

	return false;
}

/* Next participant in join order that has no cell yet, or -1. */
static int next_unplaced(const struct placer *p)
{
	/* at most ncells are placed, so this stops within ncells + 1 steps */
	for (size_t i = 0; i < p->in->n && i <= p->ncells; i++) {
		if (!is_placed(p, (int)i))
			return (int)i;
	}

	return -1;
}

static int pick_floor(const struct placer *p)
{
	int s = p->in->speaker;

	if (s >= 0 && !is_placed(p, s))
		return s;

	return next_unplaced(p);
}

static int pick_reserved(const struct placer *p, const char *id)
{
	if (!p->in->ids)
		return -1;

	for (size_t i = 0; i < p->in->n; i++) {
		const char *pid = p->in->ids[i];

		if (pid && !strcmp(pid, id) && !is_placed(p, (int)i))
			return (int)i;
	}

	return -1;
}

/* Who gets slot s; the cells placed so far are p->cells[0..ncells). */
static int pick_for(const struct placer *p, const struct tes_layout_slot *s)
{
	int pr = p->in->presenter;

	switch (s->role) {

	case TES_ROLE_RESERVED:
		return pick_reserved(p, s->reserved);

	case TES_ROLE_PRESENTER:
		if (pr >= 0 && !is_placed(p, pr))
			return pr;
		return pick_floor(p);

	case TES_ROLE_FLOOR:
		return pick_floor(p);

	case TES_ROLE_NORMAL:
	default:
		return next_unplaced(p);
	}
}

/*
 * Fill the slots role by role (reserved first so nobody else takes a named
 * participant, then presenter, floor, normal), writing each cell at its
 * slot's index; unfilled cells keep participant -1 and so never match.
 */
static size_t compute_slots(const struct tes_layout_variant *v,
			    const struct tes_layout_input *in,
			    struct tes_cell *cells)
{
	static const enum tes_cell_role order[] = {
		TES_ROLE_RESERVED, TES_ROLE_PRESENTER, TES_ROLE_FLOOR,
		TES_ROLE_NORMAL,
	};
	struct placer p = {.in = in, .cells = cells, .ncells = v->nslots};

	for (size_t i = 0; i < v->nslots; i++) {
		const struct tes_layout_slot *s = &v->slots[i];

		cells[i] = (struct tes_cell){
			.x = s->x, .y = s->y, .w = s->w, .h = s->h,
			.z = s->z, .fit = s->fit, .role = s->role,
			.participant = -1, .border = s->border,
		};
	}

	for (size_t r = 0; r < TES_ARRAY_SIZE(order); r++) {
		for (size_t i = 0; i < v->nslots; i++) {
			if (v->slots[i].role == order[r])
				cells[i].participant = pick_for(&p,
								&v->slots[i]);
		}
	}

	return v->nslots;
}

static void grid_cell(const struct tes_layout *l, struct tes_cell *c,
		      double col, unsigned row, unsigned cols, unsigned rows,
		      int participant)
{
	double x = col / cols, y = (double)row / rows;

	*c = (struct tes_cell){
		.x = (float)x,
		.y = (float)y,
		/* from edges, so neighbouring cells meet without gaps */
		.w = (float)((col + 1) / cols - x),
		.h = (float)((double)(row + 1) / rows - y),
		.z = 0,
		.fit = l->fit,
		.role = TES_ROLE_NORMAL,
		.participant = participant,
		.border = l->border,
	};
}

static size_t compute_grid(const struct tes_layout *l,
			   const struct tes_layout_input *in,
			   struct tes_cell *cells)
{
	unsigned cols, rows;
	size_t shown, ncells;

	if (l->kind == TES_LAYOUT_GRID_AUTO) {
		tes_layout_grid_dims(in->n, &cols, &rows);
		ncells = TES_MIN(in->n, (size_t)cols * rows);
	}
	else {
		cols = l->cols;
		rows = l->rows;
		ncells = (size_t)cols * rows;
	}
	shown = TES_MIN(in->n, ncells);

	for (size_t i = 0; i < ncells; i++) {
		unsigned row = (unsigned)(i / cols);
		double col = (double)(i % cols);
		int who = i < shown ? (int)i : -1;

		/* centre a short last row of an automatic grid */
		if (l->kind == TES_LAYOUT_GRID_AUTO && row == rows - 1)
			col += (double)(cols - (ncells - (size_t)row * cols)) /
			       2.0;

		grid_cell(l, &cells[i], col, row, cols, rows, who);
	}

	/* keep an active speaker visible in a full grid */
	if (shown && in->speaker >= 0 && (size_t)in->speaker >= shown)
		cells[shown - 1].participant = in->speaker;

	return ncells;
}

static size_t needed_cells(const struct tes_layout *l,
			   const struct tes_layout_variant *v, size_t n)
{
	unsigned cols, rows;

	switch (l->kind) {

	case TES_LAYOUT_GRID_AUTO:
		tes_layout_grid_dims(n, &cols, &rows);
		return TES_MIN(n, (size_t)cols * rows);

	case TES_LAYOUT_GRID_FIXED:
		return (size_t)l->cols * l->rows;

	case TES_LAYOUT_SLOTS:
	default:
		return v ? v->nslots : 0;
	}
}

/* Stable insertion sort by z: equal z keeps file order (few cells). */
static void sort_by_z(struct tes_cell *cells, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct tes_cell c = cells[i];
		size_t j = i;

		while (j > 0 && cells[j - 1].z > c.z) {
			cells[j] = cells[j - 1];
			j--;
		}
		cells[j] = c;
	}
}

int tes_layout_compute(const struct tes_layout *l,
		       const struct tes_layout_input *in,
		       struct tes_cell *cells, size_t max)
{
	const struct tes_layout_variant *v = NULL;
	size_t need, n;

	if (!l || !in || (!cells && max))
		return -EINVAL;
	if (in->speaker < -1 || in->presenter < -1 ||
	    (in->speaker >= 0 && (size_t)in->speaker >= in->n) ||
	    (in->presenter >= 0 && (size_t)in->presenter >= in->n))
		return -EINVAL;
	if (l->kind == TES_LAYOUT_GRID_FIXED &&
	    (!l->cols || !l->rows ||
	     (size_t)l->cols * l->rows > TES_LAYOUT_MAX_CELLS))
		return -EINVAL;
	if (l->kind == TES_LAYOUT_SLOTS) {
		v = tes_layout_variant_pick(l, in->n);
		if (!v || v->nslots > TES_LAYOUT_MAX_CELLS)
			return -EINVAL;
	}

	need = needed_cells(l, v, in->n);
	if (need > max)
		return -ENOSPC;

	if (v)
		n = compute_slots(v, in, cells);
	else
		n = compute_grid(l, in, cells);

	sort_by_z(cells, n);

	return (int)n;
}

const char *tes_layout_name(const struct tes_layout *l)
{
	return l ? l->name : NULL;
}
