/**
 * @file load.c  Layouts file schema: presets, variants and slots, checked
 * whole before anything is used.
 *
 * Every problem is reported as "FILE:LINE:COL: error: ..." and loading
 * goes on, so one run shows them all.  A set is one tes_alloc block
 * (presets, variants and slots side by side, sized by a counting walk
 * first), immutable once returned, so it can be shared by reference
 * across threads.
 *
 *   presets:
 *     NAME:
 *       grid: auto | CxR             (or)
 *       slots: [SLOT, ...]           (or)
 *       layouts: [{min, max, slots: [SLOT, ...]}, ...]
 *       overlap, border, background, fit
 *   SLOT: {x, y, w, h, z, fit, role, reserved, border}
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layouts/layout_int.h"

/* Rounding slack for edges written as decimals (0.8 + 0.2). */
#define EDGE_EPS 1e-6

static const char *const fit_names[] = {"crop", "letterbox"};
static const char *const role_names[] = {"normal", "floor", "reserved",
					 "presenter"};

enum root_key { R_PRESETS };
static const char *const root_keys[] = {"presets"};

enum preset_key {
	P_GRID, P_SLOTS, P_LAYOUTS, P_OVERLAP, P_BORDER, P_BACKGROUND, P_FIT,
};
static const char *const preset_keys[] = {
	"grid", "slots", "layouts", "overlap", "border", "background", "fit",
};

enum variant_key { V_MIN, V_MAX, V_SLOTS };
static const char *const variant_keys[] = {"min", "max", "slots"};

enum slot_key {
	S_X, S_Y, S_W, S_H, S_Z, S_FIT, S_ROLE, S_RESERVED, S_BORDER,
};
static const char *const slot_keys[] = {
	"x", "y", "w", "h", "z", "fit", "role", "reserved", "border",
};

/* "auto", or a fixed grid "CxR" such as "3x2". */
static void load_grid(struct loader *ld, const struct tes__ly_map *m,
		      struct tes_layout *l)
{
	char buf[TES_LY_VALUE_MAX];

	if (!tes__ly_str(ld, m, P_GRID, buf, sizeof(buf)))
		return;
	if (!strcmp(buf, "auto")) {
		l->kind = TES_LAYOUT_GRID_AUTO;
		return;
	}
	/* one digit each side: TES_LAYOUT_GRID_MAX is 8 */
	if (strlen(buf) != 3 || buf[1] != 'x' || buf[0] < '1' ||
	    buf[0] > '0' + TES_LAYOUT_GRID_MAX || buf[2] < '1' ||
	    buf[2] > '0' + TES_LAYOUT_GRID_MAX) {
		tes__ly_err_at(ld, m->vals[P_GRID], "grid must be auto or "
			       "COLSxROWS from 1x1 to %dx%d, not \"%s\"",
			       TES_LAYOUT_GRID_MAX, TES_LAYOUT_GRID_MAX, buf);
		return;
	}
	l->kind = TES_LAYOUT_GRID_FIXED;
	l->cols = (unsigned)(buf[0] - '0');
	l->rows = (unsigned)(buf[2] - '0');
}

/* ---- slots ---- */

static bool rects_overlap(const struct tes_layout_slot *a,
			  const struct tes_layout_slot *b)
{
	double ix = TES_MIN(a->x + a->w, b->x + b->w) - TES_MAX(a->x, b->x);
	double iy = TES_MIN(a->y + a->h, b->y + b->h) - TES_MAX(a->y, b->y);

	return ix > EDGE_EPS && iy > EDGE_EPS;
}

/* x, y, w, h: required, and the rectangle must stay on the canvas. */
static void load_geometry(struct loader *ld, struct tes_layout_slot *s,
			  const struct tes__ly_map *m, struct fy_node *sn)
{
	double g[4] = {0};
	bool ok[4];

	for (int k = S_X; k <= S_H; k++) {
		if (!(m->seen & (1u << k)))
			tes__ly_err_at(ld, sn, "slot is missing \"%s\"",
				       slot_keys[k]);
		ok[k] = tes__ly_frac(ld, m, k, &g[k]);
	}

	for (int k = S_W; k <= S_H; k++) {
		int pos = k - 2; /* x for w, y for h */

		if (!ok[pos] || !ok[k])
			continue;
		if (g[k] <= 0)
			tes__ly_err_at(ld, m->vals[k], "%s must be more than "
				       "0", slot_keys[k]);
		else if (g[pos] + g[k] > 1 + EDGE_EPS)
			tes__ly_err_at(ld, m->vals[k], "%s + %s = %g goes "
				       "past the edge of the canvas (at most "
				       "1)", slot_keys[pos], slot_keys[k],
				       g[pos] + g[k]);
	}

	s->x = (float)g[S_X];
	s->y = (float)g[S_Y];
	/* float rounding must not push an edge past 1 */
	s->w = (float)TES_MAX(TES_MIN(g[S_W], 1 - g[S_X]), 0);
	s->h = (float)TES_MAX(TES_MIN(g[S_H], 1 - g[S_Y]), 0);
}

static void load_role(struct loader *ld, struct tes_layout_slot *s,
		      const struct tes__ly_map *m)
{
	bool has_role = m->seen & (1u << S_ROLE);
	int e;

	if (tes__ly_enum(ld, m, S_ROLE, role_names,
			 TES_ARRAY_SIZE(role_names), &e))
		s->role = (enum tes_cell_role)e;

	if (!(m->seen & (1u << S_RESERVED))) {
		if (s->role == TES_ROLE_RESERVED)
			tes__ly_err_at(ld, m->vals[S_ROLE], "role reserved "
				       "needs reserved: \"<participant id>\"");
		return;
	}

	if (!tes__ly_str(ld, m, S_RESERVED, s->reserved,
			 sizeof(s->reserved)))
		return;
	if (!s->reserved[0])
		tes__ly_err_at(ld, m->vals[S_RESERVED], "reserved needs a "
			       "participant id");
	else if (has_role && s->role != TES_ROLE_RESERVED)
		tes__ly_err_at(ld, m->vals[S_RESERVED], "a slot with role %s "
			       "cannot be reserved", role_names[s->role]);
	s->role = TES_ROLE_RESERVED;
}

/* One slot; it may not overlap the earlier slots of its variant. */
static void load_slot(struct loader *ld, const struct tes_layout *l,
		      const struct tes_layout_variant *v,
		      struct tes_layout_slot *s, struct fy_node *sn)
{
	struct tes__ly_map m;
	long z;
	int e;

	s->fit = l->fit;
	s->border = l->border;
	s->role = TES_ROLE_NORMAL;
	s->line = tes__ly_line_of(ld, sn);

	if (fy_node_get_type(sn) != FYNT_MAPPING) {
		tes__ly_err_at(ld, sn, "a slot must be a mapping like "
			       "{x: 0, y: 0, w: 1, h: 1}");
		return;
	}
	tes__ly_read_map(ld, sn, slot_keys, TES_ARRAY_SIZE(slot_keys),
			 "a slot", &m);

	load_geometry(ld, s, &m, sn);
	if (tes__ly_int(ld, &m, S_Z, -1000, 1000, &z))
		s->z = (int)z;
	if (tes__ly_enum(ld, &m, S_FIT, fit_names, TES_ARRAY_SIZE(fit_names),
			 &e))
		s->fit = (enum tes_fit)e;
	(void)tes__ly_bool(ld, &m, S_BORDER, &s->border);
	load_role(ld, s, &m);

	if (l->overlap)
		return;
	for (const struct tes_layout_slot *o = v->slots; o < s; o++) {
		if (rects_overlap(o, s)) {
			tes__ly_err_at(ld, sn, "slot overlaps the slot at line "
				       "%d (set overlap: true on the preset "
				       "to allow it)", o->line);
			break;
		}
	}
}

static void load_slots(struct loader *ld, const struct tes_layout *l,
		       struct tes_layout_variant *v, struct fy_node *n)
{
	struct fy_node *sn;
	void *it = NULL;

	v->slots = &ld->slots[ld->nslots];
	v->nslots = 0;

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE ||
	    !fy_node_sequence_item_count(n)) {
		tes__ly_err_at(ld, n, "slots must be a non-empty list of "
			       "slots");
		return;
	}

	while ((sn = fy_node_sequence_iterate(n, &it))) {
		struct tes_layout_slot *s;

		if (v->nslots == TES_LAYOUT_MAX_CELLS) {
			tes__ly_err_at(ld, sn, "too many slots (at most %d)",
				       TES_LAYOUT_MAX_CELLS);
			return;
		}
		if (ld->nslots == ld->max_slots) {
			/* the counting walk is an upper bound: our bug */
			tes__ly_err_at(ld, sn, "internal error: no room for "
				       "the slot");
			return;
		}
		s = &ld->slots[ld->nslots++];
		memset(s, 0, sizeof(*s));
		load_slot(ld, l, v, s, sn);
		v->nslots++;
	}
}

/* ---- variants and presets ---- */

static struct tes_layout_variant *new_variant(struct loader *ld,
					      struct fy_node *n)
{
	struct tes_layout_variant *v;

	if (ld->nvariants == ld->max_variants) {
		tes__ly_err_at(ld, n, "internal error: no room for the "
			       "layouts item");
		return NULL;
	}
	v = &ld->variants[ld->nvariants++];
	memset(v, 0, sizeof(*v));
	v->max = TES_LAYOUT_COUNT_MAX;
	v->slots = &ld->slots[ld->nslots];
	v->line = tes__ly_line_of(ld, n);

	return v;
}

/* One item of `layouts`: the slots for a range of participant counts. */
static void load_variant(struct loader *ld, const struct tes_layout *l,
			 struct tes_layout_variant *v, struct fy_node *n)
{
	struct tes__ly_map m;
	long x;

	if (fy_node_get_type(n) != FYNT_MAPPING) {
		tes__ly_err_at(ld, n, "a layouts item must be a mapping with "
			       "min, max and slots");
		return;
	}
	tes__ly_read_map(ld, n, variant_keys, TES_ARRAY_SIZE(variant_keys),
			 "a layouts item", &m);

	if (tes__ly_int(ld, &m, V_MIN, 0, TES_LAYOUT_COUNT_MAX, &x))
		v->min = (unsigned)x;
	if (tes__ly_int(ld, &m, V_MAX, 0, TES_LAYOUT_COUNT_MAX, &x))
		v->max = (unsigned)x;

	if (v->min > v->max) {
		tes__ly_err_at(ld, n, "min %u is more than max %u", v->min,
			       v->max);
	}
	for (const struct tes_layout_variant *o = l->variants; o < v; o++) {
		if (v->min <= o->max && o->min <= v->max) {
			tes__ly_err_at(ld, n, "participant counts %u..%u "
				       "overlap those of the layouts item at "
				       "line %d", v->min, v->max, o->line);
			break;
		}
	}

	if (!(m.seen & (1u << V_SLOTS)))
		tes__ly_err_at(ld, n, "layouts item is missing \"slots\"");
	else
		load_slots(ld, l, v, tes__ly_at(ld, &m, V_SLOTS));
}

static void load_layouts(struct loader *ld, struct tes_layout *l,
			 struct fy_node *n)
{
	struct fy_node *vn;
	void *it = NULL;

	l->variants = &ld->variants[ld->nvariants];

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE ||
	    !fy_node_sequence_item_count(n)) {
		tes__ly_err_at(ld, n, "layouts must be a non-empty list of "
			       "{min, max, slots}");
		return;
	}

	while ((vn = fy_node_sequence_iterate(n, &it))) {
		struct tes_layout_variant *v;

		if (l->nvariants == TES_LAYOUT_MAX_VARIANTS) {
			tes__ly_err_at(ld, vn, "too many layouts items (at "
				       "most %d)", TES_LAYOUT_MAX_VARIANTS);
			return;
		}
		v = new_variant(ld, vn);
		if (!v)
			return;
		l->nvariants++;
		load_variant(ld, l, v, vn);
	}
}

static void load_name(struct loader *ld, struct tes_layout *l,
		      struct fy_node *kn)
{
	const struct tes_layout_set *set = ld->set;
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";

	if (!tes__ly_get_scalar(ld, kn, "preset name", l->name,
				sizeof(l->name)))
		return;
	ld->here = kn;

	if (!l->name[0] || strspn(l->name, ok) != strlen(l->name)) {
		tes__ly_err_at(ld, kn, "preset name \"%s\" may only use "
			       "letters, digits and _ . + -", l->name);
	}
	for (const struct tes_layout *o = set->layouts; o < l; o++) {
		if (!strcmp(o->name, l->name)) {
			tes__ly_err_at(ld, kn, "duplicate preset \"%s\" (first "
				       "at line %d)", l->name, o->line);
			break;
		}
	}
}

static void load_preset(struct loader *ld, struct fy_node *kn,
			struct fy_node *n)
{
	const unsigned shape_keys = (1u << P_GRID) | (1u << P_SLOTS) |
				    (1u << P_LAYOUTS);
	struct tes_layout_set *set = ld->set;
	struct tes_layout_variant *v;
	struct tes__ly_map m;
	struct tes_layout *l;
	unsigned shape;
	int e;

	if (set->n == ld->max_layouts) {
		tes__ly_err_at(ld, kn, "too many presets (at most %d)",
			       TES_LAYOUT_MAX_PRESETS);
		return;
	}
	l = &set->layouts[set->n++];
	memset(l, 0, sizeof(*l));
	l->kind = TES_LAYOUT_SLOTS;
	l->line = tes__ly_line_of(ld, kn);
	load_name(ld, l, kn);

	if (!n || fy_node_get_type(n) != FYNT_MAPPING) {
		tes__ly_err_at(ld, n, "preset \"%s\" must be a mapping with "
			       "grid, slots or layouts", l->name);
		return;
	}
	tes__ly_read_map(ld, n, preset_keys, TES_ARRAY_SIZE(preset_keys),
			 "a preset", &m);

	/* settings first: slots take their defaults from them */
	(void)tes__ly_bool(ld, &m, P_OVERLAP, &l->overlap);
	(void)tes__ly_bool(ld, &m, P_BORDER, &l->border);
	(void)tes__ly_colour(ld, &m, P_BACKGROUND, &l->background);
	if (tes__ly_enum(ld, &m, P_FIT, fit_names, TES_ARRAY_SIZE(fit_names),
			 &e))
		l->fit = (enum tes_fit)e;

	shape = m.seen & shape_keys;
	if (!shape) {
		tes__ly_err_at(ld, kn, "preset \"%s\" needs one of grid, "
			       "slots or layouts", l->name);
		return;
	}
	if (shape & (shape - 1)) {
		tes__ly_err_at(ld, kn, "preset \"%s\": grid, slots and "
			       "layouts exclude each other; use one", l->name);
		return;
	}

	if (shape & (1u << P_GRID)) {
		load_grid(ld, &m, l);
	}
	else if (shape & (1u << P_LAYOUTS)) {
		load_layouts(ld, l, tes__ly_at(ld, &m, P_LAYOUTS));
	}
	else if ((v = new_variant(ld, kn))) {
		/* plain `slots`: one variant for every count */
		l->variants = v;
		l->nvariants = 1;
		load_slots(ld, l, v, tes__ly_at(ld, &m, P_SLOTS));
	}
}

static void load_root(struct loader *ld, struct fy_node *root)
{
	struct fy_node_pair *p;
	struct tes__ly_map m;
	void *it = NULL;

	if (root && fy_node_get_type(root) != FYNT_MAPPING) {
		tes__ly_err_at(ld, root, "the top level must be a mapping "
			       "with \"presets\"");
		return;
	}
	tes__ly_read_map(ld, root, root_keys, TES_ARRAY_SIZE(root_keys),
			 "the top level", &m);

	if (m.seen & (1u << R_PRESETS)) {
		struct fy_node *n = tes__ly_at(ld, &m, R_PRESETS);

		if (!n || fy_node_get_type(n) != FYNT_MAPPING) {
			tes__ly_err_at(ld, n, "presets must be a mapping of "
				       "preset names to presets");
			n = NULL;
		}
		while (n && (p = fy_node_mapping_iterate(n, &it)))
			load_preset(ld, fy_node_pair_key(p),
				    fy_node_pair_value(p));
	}

	if (!tes_layouts_find(ld->set, "auto")) {
		ld->here = m.keys[R_PRESETS];
		tes__ly_err_at(ld, NULL, "no preset named \"auto\": every "
			       "file needs one (it is the rooms' default)");
	}
}

/* ---- counting walk, then one block ---- */

static size_t seq_count(struct fy_node *n)
{
	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE)
		return 0;

	return (size_t)TES_MAX(fy_node_sequence_item_count(n), 0);
}

/* Slots of a `layouts` item (an upper bound is enough). */
static size_t count_item_slots(struct fy_node *item)
{
	struct fy_node_pair *p;
	void *it = NULL;
	size_t n = 0;

	if (!item || fy_node_get_type(item) != FYNT_MAPPING)
		return 0;
	while ((p = fy_node_mapping_iterate(item, &it))) {
		if (tes__ly_key_is(fy_node_pair_key(p), "slots"))
			n += seq_count(fy_node_pair_value(p));
	}

	return n;
}

static void count_preset(struct fy_node *n, size_t *nv, size_t *ns)
{
	struct fy_node_pair *p;
	void *it = NULL;

	if (!n || fy_node_get_type(n) != FYNT_MAPPING)
		return;

	/* keys are counted even when invalid or repeated */
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		struct fy_node *v = fy_node_pair_value(p);
		struct fy_node *item;
		void *jt = NULL;

		if (tes__ly_key_is(k, "slots")) {
			*nv += 1;
			*ns += seq_count(v);
		}
		if (!tes__ly_key_is(k, "layouts") || !seq_count(v))
			continue;
		*nv += seq_count(v);
		while ((item = fy_node_sequence_iterate(v, &jt)))
			*ns += count_item_slots(item);
	}
}

static void count_doc(struct fy_node *root, size_t *np, size_t *nv,
		      size_t *ns)
{
	struct fy_node_pair *p, *q;
	void *it = NULL;

	*np = *nv = *ns = 0;
	if (!root || fy_node_get_type(root) != FYNT_MAPPING)
		return;

	while ((p = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *v = fy_node_pair_value(p);
		void *jt = NULL;

		if (!tes__ly_key_is(fy_node_pair_key(p), "presets") || !v ||
		    fy_node_get_type(v) != FYNT_MAPPING)
			continue;
		while ((q = fy_node_mapping_iterate(v, &jt))) {
			*np += 1;
			count_preset(fy_node_pair_value(q), nv, ns);
		}
	}
	*np = TES_MIN(*np, (size_t)TES_LAYOUT_MAX_PRESETS);
}

static size_t align_up(size_t n)
{
	const size_t a = _Alignof(max_align_t);

	return (n + a - 1) / a * a;
}

/* One zeroed block: the set, then presets, variants and slots. */
static int alloc_set(struct loader *ld, size_t np, size_t nv, size_t ns)
{
	size_t off_l = align_up(sizeof(struct tes_layout_set));
	size_t off_v = off_l + align_up(np * sizeof(struct tes_layout));
	size_t off_s = off_v + align_up(nv * sizeof(struct tes_layout_variant));
	size_t size = off_s + ns * sizeof(struct tes_layout_slot);
	char *mem;

	mem = tes_alloc(size, NULL);
	if (!mem)
		return -ENOMEM;

	ld->set = (struct tes_layout_set *)mem;
	ld->set->layouts = (struct tes_layout *)(mem + off_l);
	ld->max_layouts = np;
	ld->variants = (struct tes_layout_variant *)(mem + off_v);
	ld->max_variants = nv;
	ld->slots = (struct tes_layout_slot *)(mem + off_s);
	ld->max_slots = ns;

	return 0;
}

/*
 * libfyaml's own syntax errors, in our format and under our file name.
 * @return How many
 */
static int report_yaml_errors(struct loader *ld, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;
	int n = 0;

	while ((e = fy_diag_errors_iterate(diag, &it))) {
		n++;
		ld->errors++;
		if (ld->errout)
			fprintf(ld->errout, "%s:%d:%d: error: %s\n", ld->name,
				TES_MAX(e->line, 1), TES_MAX(e->column, 1),
				e->msg ? e->msg : "invalid YAML");
	}

	return n;
}

int tes_layouts_load_string(struct tes_layout_set **setp, const char *name,
			    const char *text, size_t len, FILE *errout)
{
	struct loader ld = {.name = name ? name : "<layouts>",
			    .errout = errout};
	struct fy_parse_cfg pcfg = {
		/* duplicates are reported by us, with the first's line */
		.flags = FYPCF_DEFAULT_DOC | FYPCF_ALLOW_DUPLICATE_KEYS,
	};
	struct fy_document *doc = NULL;
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	size_t np, nv, ns;
	int err;

	if (!setp || (!text && len))
		return -EINVAL;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return -ENOMEM;
	fy_diag_set_collect_errors(diag, true);
	pcfg.diag = diag;

	if (!tes__ly_check_text(&ld, text, len)) {
		err = ld.errors;
		goto out;
	}

	/* no document and no error: an empty stream (or only comments) */
	if (len)
		doc = fy_document_build_from_string(&pcfg, text, len);
	if (!doc && report_yaml_errors(&ld, diag)) {
		err = ld.errors;
		goto out;
	}

	count_doc(doc ? fy_document_root(doc) : NULL, &np, &nv, &ns);
	err = alloc_set(&ld, np, nv, ns);
	if (err)
		goto out;

	load_root(&ld, doc ? fy_document_root(doc) : NULL);
	err = ld.errors;
	if (err)
		ld.set = tes_deref(ld.set);
	else
		*setp = ld.set;

out:
	if (doc)
		fy_document_destroy(doc);
	fy_diag_destroy(diag);

	return err;
}

int tes_layouts_load(struct tes_layout_set **setp, const char *path,
		     FILE *errout)
{
	/* larger than any sane layouts file: refuse rather than parse */
	const long size_max = 1 << 20;
	struct stat st;
	char *text = NULL;
	long len = 0;
	FILE *f;
	int err;

	if (!setp || !path)
		return -EINVAL;

	errno = 0;
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st)) {
		/* never 0 here: the caller must not mistake it for success */
		err = errno ? -errno : -EIO;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto fail;
	}
	len = (long)st.st_size;
	if (len > size_max) {
		err = -EFBIG;
		goto fail;
	}
	text = malloc((size_t)len + 1);
	if (!text) {
		err = -ENOMEM;
		goto fail;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		err = ferror(f) && errno ? -errno : -EIO;
		goto fail;
	}

	err = tes_layouts_load_string(setp, path, text, (size_t)len, errout);
	goto out;

fail:
	if (errout)
		fprintf(errout, "%s: error: cannot read: %s\n", path,
			strerror(-err));
out:
	if (f)
		fclose(f);
	free(text);

	return err;
}

int tes_layouts_builtin(struct tes_layout_set **setp)
{
	static const char text[] = "presets:\n  auto:\n    grid: auto\n";
	int err;

	err = tes_layouts_load_string(setp, "<builtin>", text,
				      sizeof(text) - 1, NULL);

	return err > 0 ? -EINVAL : err;
}

const struct tes_layout *tes_layouts_find(const struct tes_layout_set *set,
					  const char *name)
{
	if (!set || !name)
		return NULL;

	for (size_t i = 0; i < set->n; i++) {
		if (!strcmp(set->layouts[i].name, name))
			return &set->layouts[i];
	}

	return NULL;
}

size_t tes_layouts_count(const struct tes_layout_set *set)
{
	return set ? set->n : 0;
}

const struct tes_layout *tes_layouts_at(const struct tes_layout_set *set,
					size_t i)
{
	return set && i < set->n ? &set->layouts[i] : NULL;
}
