/**
 * @file test_layouts.c  Layout engine and layouts file: the shipped file,
 * geometry of every preset for 1..25 participants, roles, and errors
 * reported with their line.
 */
#include <stdlib.h>

#include "layouts/layout.h"
#include "test.h"

#define EPS 1e-5f

static const char *const names[] = {
	"p0",  "p1",  "p2",  "p3",  "p4",  "p5",  "p6",  "p7",  "p8",
	"p9",  "p10", "p11", "p12", "p13", "p14", "p15", "p16", "p17",
	"p18", "p19", "p20", "p21", "p22", "p23", "p24", "p25", "p26",
	"p27", "p28", "p29",
};

static float absf(float v)
{
	return v < 0 ? -v : v;
}

/* Load YAML text; errors go to errbuf. */
static int load(struct tes_layout_set **setp, const char *yaml, char *errbuf,
		size_t errlen)
{
	FILE *f = fmemopen(errbuf, errlen, "w");
	int n;

	if (!f)
		return -1;
	n = tes_layouts_load_string(setp, "test.yaml", yaml, strlen(yaml), f);
	fclose(f);

	return n;
}

static int load_shipped(struct tes_layout_set **setp)
{
	return tes_layouts_load(setp, TES_SOURCE_DIR "/conf/layouts.yaml",
				stderr);
}

static int compute(const struct tes_layout *l, size_t n, int speaker,
		   int presenter, struct tes_cell *cells)
{
	struct tes_layout_input in = {
		.ids = names, .n = n, .speaker = speaker,
		.presenter = presenter,
	};

	return tes_layout_compute(l, &in, cells, TES_LAYOUT_MAX_CELLS);
}

static bool overlap(const struct tes_cell *a, const struct tes_cell *b)
{
	float ix = TES_MIN(a->x + a->w, b->x + b->w) - TES_MAX(a->x, b->x);
	float iy = TES_MIN(a->y + a->h, b->y + b->h) - TES_MAX(a->y, b->y);

	return ix > EPS && iy > EPS;
}

/* Cells of the participant, or NULL. */
static const struct tes_cell *cell_of(const struct tes_cell *cells, int nc,
				      int who)
{
	for (int i = 0; i < nc; i++) {
		if (cells[i].participant == who)
			return &cells[i];
	}

	return NULL;
}

/* The invariants every computation must keep. */
static int check_cells(const struct tes_layout *l, const struct tes_cell *c,
		       int nc, size_t n)
{
	TEST_ASSERT(nc >= 0 && nc <= TES_LAYOUT_MAX_CELLS);
	for (int i = 0; i < nc; i++) {
		TEST_ASSERT(c[i].x >= 0 && c[i].y >= 0);
		TEST_ASSERT(c[i].w > 0 && c[i].h > 0);
		TEST_ASSERT(c[i].x + c[i].w <= 1 + EPS);
		TEST_ASSERT(c[i].y + c[i].h <= 1 + EPS);
		TEST_ASSERT(c[i].participant >= -1 &&
			    c[i].participant < (int)n);
		if (i)
			TEST_ASSERT(c[i - 1].z <= c[i].z);
		for (int j = 0; j < i; j++) {
			if (c[i].participant >= 0)
				TEST_ASSERT(c[i].participant !=
					    c[j].participant);
			if (!l->overlap && overlap(&c[i], &c[j]))
				TEST_FAIL("%s n=%zu: cells %d and %d overlap",
					  l->name, n, j, i);
		}
	}

	return 0;
}

/* The presenter gets a presenter cell, the speaker a floor cell. */
static int check_roles(const struct tes_cell *c, int nc, int speaker,
		       int presenter)
{
	bool has_presenter = false;

	for (int i = 0; i < nc; i++) {
		if (c[i].role != TES_ROLE_PRESENTER)
			continue;
		has_presenter = true;
		if (presenter >= 0)
			TEST_EQ(c[i].participant, presenter);
		else if (speaker >= 0)
			TEST_EQ(c[i].participant, speaker);
		break;
	}
	for (int i = 0; i < nc; i++) {
		if (c[i].role != TES_ROLE_FLOOR)
			continue;
		if (speaker >= 0 && !(has_presenter &&
				      (presenter < 0 || presenter == speaker)))
			TEST_EQ(c[i].participant, speaker);
		break;
	}

	return 0;
}

TES_TEST(layout_shipped_file_loads)
{
	static const char *const want[] = {"auto", "speaker", "presenter-pip",
					   "2x2", "1+5"};
	struct tes_layout_set *set = NULL;

	TEST_EQ(load_shipped(&set), 0);
	TEST_ASSERT(set);
	for (size_t i = 0; i < TES_ARRAY_SIZE(want); i++)
		TEST_STREQ(tes_layout_name(tes_layouts_find(set, want[i])),
			   want[i]);
	TEST_EQ(tes_layouts_find(set, "auto")->kind, TES_LAYOUT_GRID_AUTO);
	TEST_ASSERT(tes_layouts_find(set, "presenter-pip")->overlap);
	TEST_EQ(tes_layouts_find(set, "auto")->background, 0x101418);
	TEST_EQ(tes_layouts_count(set), TES_ARRAY_SIZE(want));
	TEST_ASSERT(!tes_layouts_at(set, tes_layouts_count(set)));
	TEST_ASSERT(!tes_layouts_find(set, "nope"));
	set = tes_deref(set);

	return 0;
}

/* Every preset, 1..25 participants, several speakers and presenters. */
TES_TEST(layout_geometry_all_presets)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;

	TEST_EQ(load_shipped(&set), 0);
	for (size_t i = 0; i < tes_layouts_count(set); i++) {
		const struct tes_layout *l = tes_layouts_at(set, i);

		for (size_t n = 1; n <= 25; n++) {
			const int who[] = {-1, 0, (int)n / 2, (int)n - 1};

			for (size_t s = 0; s < TES_ARRAY_SIZE(who); s++) {
				int nc = compute(l, n, who[s],
						 who[TES_ARRAY_SIZE(who) - 1 -
						     s], cells);

				if (check_cells(l, cells, nc, n) ||
				    check_roles(cells, nc, who[s],
						who[TES_ARRAY_SIZE(who) - 1 -
						    s]))
					TEST_FAIL("preset %s, n = %zu, "
						  "speaker %d", l->name, n,
						  who[s]);
				TEST_ASSERT(nc > 0 && cell_of(cells, nc, 0));
			}
		}
	}
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_auto_grid_dims)
{
	/* n -> cols x rows */
	static const unsigned want[26][2] = {
		{0, 0}, {1, 1}, {2, 1}, {2, 2}, {2, 2}, {3, 2}, {3, 2},
		{3, 3}, {3, 3}, {3, 3}, {4, 3}, {4, 3}, {4, 3}, {4, 4},
		{4, 4}, {4, 4}, {4, 4}, {5, 4}, {5, 4}, {5, 4}, {5, 4},
		{5, 5}, {5, 5}, {5, 5}, {5, 5}, {5, 5},
	};
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;

	TEST_OK(tes_layouts_builtin(&set));
	l = tes_layouts_find(set, "auto");
	TEST_ASSERT(l);

	for (size_t n = 0; n <= 25; n++) {
		unsigned cols, rows;
		int nc;

		tes_layout_grid_dims(n, &cols, &rows);
		TEST_EQ(cols, want[n][0]);
		TEST_EQ(rows, want[n][1]);

		nc = compute(l, n, -1, -1, cells);
		TEST_EQ(nc, n);
		if (check_cells(l, cells, nc, n))
			TEST_FAIL("n = %zu", n);
		for (int i = 0; i < nc; i++) {
			/* equal cells, join order, every one shown */
			TEST_ASSERT(absf(cells[i].w - 1.0f / cols) < EPS);
			TEST_ASSERT(absf(cells[i].h - 1.0f / rows) < EPS);
			TEST_EQ(cells[i].participant, i);
			TEST_EQ(cells[i].role, TES_ROLE_NORMAL);
		}
	}

	/* 25 fills the 5x5 canvas exactly; a short last row is centred */
	TEST_EQ(compute(l, 25, -1, -1, cells), 25);
	TEST_ASSERT(absf(cells[24].x + cells[24].w - 1) < EPS);
	TEST_ASSERT(absf(cells[24].y + cells[24].h - 1) < EPS);
	TEST_EQ(compute(l, 3, -1, -1, cells), 3);
	TEST_ASSERT(absf(cells[2].x - 0.25f) < EPS);
	TEST_ASSERT(absf(cells[2].y - 0.5f) < EPS);

	/* past 25, the first 25 show, but an active speaker stays visible */
	TEST_EQ(compute(l, 30, -1, -1, cells), 25);
	TEST_ASSERT(!cell_of(cells, 25, 25));
	TEST_EQ(compute(l, 30, 28, -1, cells), 25);
	TEST_EQ(cells[24].participant, 28);
	if (check_cells(l, cells, 25, 30))
		TEST_FAIL("speaker past the grid");
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_fixed_grid)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;

	TEST_EQ(load_shipped(&set), 0);
	l = tes_layouts_find(set, "2x2");
	TEST_EQ(l->kind, TES_LAYOUT_GRID_FIXED);

	/* always four cells, the missing ones empty */
	TEST_EQ(compute(l, 1, -1, -1, cells), 4);
	TEST_EQ(cells[0].participant, 0);
	TEST_EQ(cells[1].participant, -1);
	TEST_EQ(cells[3].participant, -1);
	TEST_EQ(compute(l, 0, -1, -1, cells), 4);
	TEST_EQ(compute(l, 9, -1, -1, cells), 4);
	TEST_EQ(cells[3].participant, 3);
	TEST_ASSERT(absf(cells[3].x - 0.5f) < EPS);
	TEST_ASSERT(absf(cells[3].y - 0.5f) < EPS);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_floor_gets_speaker)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;
	int nc;

	TEST_EQ(load_shipped(&set), 0);
	l = tes_layouts_find(set, "speaker");

	/* no speaker yet: the first participant has the floor */
	nc = compute(l, 4, -1, -1, cells);
	TEST_EQ(nc, 4);
	TEST_EQ(cells[0].role, TES_ROLE_FLOOR);
	TEST_EQ(cells[0].participant, 0);

	/* the speaker has the floor; the others fill the strip in order */
	nc = compute(l, 4, 2, -1, cells);
	TEST_EQ(nc, 4);
	TEST_EQ(cells[0].participant, 2);
	TEST_EQ(cells[1].participant, 0);
	TEST_EQ(cells[2].participant, 1);
	TEST_EQ(cells[3].participant, 3);
	TEST_ASSERT(cells[0].w * cells[0].h > 0.5f);

	/* one participant: the whole canvas */
	TEST_EQ(compute(l, 1, 0, -1, cells), 1);
	TEST_ASSERT(cells[0].w == 1 && cells[0].h == 1);

	/* a big room: floor + 5; a late speaker still gets the floor */
	nc = compute(l, 20, 17, -1, cells);
	TEST_EQ(nc, 6);
	TEST_EQ(cells[0].participant, 17);
	TEST_EQ(cells[5].participant, 4);

	l = tes_layouts_find(set, "1+5");
	nc = compute(l, 3, 2, -1, cells);
	TEST_EQ(nc, 6);
	TEST_EQ(cells[0].participant, 2);
	TEST_EQ(cells[3].participant, -1);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_presenter_pip)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;

	TEST_EQ(load_shipped(&set), 0);
	l = tes_layouts_find(set, "presenter-pip");

	/* presenter full size at z 0, speaker in the pip on top */
	TEST_EQ(compute(l, 4, 1, 3, cells), 2);
	TEST_EQ(cells[0].participant, 3);
	TEST_EQ(cells[0].z, 0);
	TEST_EQ(cells[0].fit, TES_FIT_LETTERBOX);
	TEST_ASSERT(cells[0].w == 1 && cells[0].h == 1);
	TEST_EQ(cells[1].participant, 1);
	TEST_EQ(cells[1].z, 1);
	TEST_ASSERT(cells[1].border);
	TEST_ASSERT(overlap(&cells[0], &cells[1]));

	/* the presenter speaking: the pip shows the next one */
	TEST_EQ(compute(l, 4, 3, 3, cells), 2);
	TEST_EQ(cells[0].participant, 3);
	TEST_EQ(cells[1].participant, 0);

	/* nobody presenting: the speaker full size */
	TEST_EQ(compute(l, 4, 2, -1, cells), 2);
	TEST_EQ(cells[0].participant, 2);
	TEST_EQ(cells[1].participant, 0);

	TEST_EQ(compute(l, 1, -1, -1, cells), 1);
	TEST_EQ(cells[0].participant, 0);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_reserved_slot)
{
	static const char yaml[] =
		"presets:\n"
		"  auto: {grid: auto}\n"
		"  interview:\n"
		"    slots:\n"
		"      - {x: 0, y: 0, w: 0.5, h: 1, reserved: host}\n"
		"      - {x: 0.5, y: 0, w: 0.5, h: 1, role: floor}\n";
	static const char *const with[] = {"a", "b", "host", "c"};
	static const char *const without[] = {"a", "b", "c"};
	struct tes_layout_input in = {.ids = with, .n = 4, .speaker = 2,
				      .presenter = -1};
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;
	char err[1024] = "";

	TEST_EQ(load(&set, yaml, err, sizeof(err)), 0);
	l = tes_layouts_find(set, "interview");
	TEST_EQ(l->variants[0].slots[0].role, TES_ROLE_RESERVED);
	TEST_STREQ(l->variants[0].slots[0].reserved, "host");

	/* the host speaking stays in its slot; the floor takes another */
	TEST_EQ(tes_layout_compute(l, &in, cells, 2), 2);
	TEST_EQ(cells[0].participant, 2);
	TEST_EQ(cells[0].role, TES_ROLE_RESERVED);
	TEST_EQ(cells[1].participant, 0);

	in.speaker = 3;
	TEST_EQ(tes_layout_compute(l, &in, cells, 2), 2);
	TEST_EQ(cells[0].participant, 2);
	TEST_EQ(cells[1].participant, 3);

	/* no host: the slot stays empty, nobody else takes it */
	in.ids = without;
	in.n = 3;
	in.speaker = -1;
	TEST_EQ(tes_layout_compute(l, &in, cells, 2), 2);
	TEST_EQ(cells[0].participant, -1);
	TEST_EQ(cells[1].participant, 0);

	/* unknown ids: same */
	in.ids = NULL;
	TEST_EQ(tes_layout_compute(l, &in, cells, 2), 2);
	TEST_EQ(cells[0].participant, -1);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_variant_pick)
{
	static const char yaml[] =
		"presets:\n"
		"  auto:\n"
		"    grid: auto\n"
		"  v:\n"
		"    layouts:\n"
		"      - {min: 2, max: 3, slots: [{x: 0, y: 0, w: 1, h: 1}]}\n"
		"      - min: 6\n"
		"        max: 8\n"
		"        slots:\n"
		"          - {x: 0, y: 0, w: 0.5, h: 1}\n"
		"          - {x: 0.5, y: 0, w: 0.5, h: 1, z: -1}\n";
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;
	char err[1024] = "";

	TEST_EQ(load(&set, yaml, err, sizeof(err)), 0);
	l = tes_layouts_find(set, "v");
	TEST_EQ(l->nvariants, 2);
	TEST_ASSERT(tes_layout_variant_pick(l, 0) == &l->variants[0]);
	TEST_ASSERT(tes_layout_variant_pick(l, 3) == &l->variants[0]);
	TEST_ASSERT(tes_layout_variant_pick(l, 4) == &l->variants[0]);
	TEST_ASSERT(tes_layout_variant_pick(l, 5) == &l->variants[1]);
	TEST_ASSERT(tes_layout_variant_pick(l, 100) == &l->variants[1]);
	TEST_ASSERT(!tes_layout_variant_pick(tes_layouts_find(set, "auto"),
					     1));

	/* sorted by z: the z -1 slot is drawn first */
	TEST_EQ(compute(l, 7, -1, -1, cells), 2);
	TEST_EQ(cells[0].z, -1);
	TEST_EQ(cells[0].participant, 1);
	TEST_EQ(cells[1].participant, 0);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_compute_bad_args)
{
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	struct tes_layout_set *set = NULL;
	const struct tes_layout *l;

	TEST_EQ(load_shipped(&set), 0);
	l = tes_layouts_find(set, "speaker");
	TEST_EQ(compute(l, 3, 3, -1, cells), -EINVAL);
	TEST_EQ(compute(l, 3, -2, -1, cells), -EINVAL);
	TEST_EQ(compute(l, 3, 0, 5, cells), -EINVAL);
	TEST_EQ(compute(NULL, 3, 0, -1, cells), -EINVAL);
	TEST_EQ(tes_layout_compute(l, NULL, cells, 8), -EINVAL);
	{
		struct tes_layout_input in = {.ids = names, .n = 6,
					      .speaker = -1, .presenter = -1};

		TEST_EQ(tes_layout_compute(l, &in, cells, 5), -ENOSPC);
		TEST_EQ(tes_layout_compute(l, &in, cells, 6), 6);
	}
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_errors_have_lines)
{
	static const char yaml[] =
		"presets:\n"                                          /* 1 */
		"  auto:\n"                                           /* 2 */
		"    grid: auto\n"                                    /* 3 */
		"    colour: red\n"                                   /* 4 */
		"  bad:\n"                                            /* 5 */
		"    border: maybe\n"                                 /* 6 */
		"    slots:\n"                                        /* 7 */
		"      - {x: 0.5, y: 0, w: 0.6, h: 1}\n"              /* 8 */
		"      - {x: 0, y: 0, h: 1}\n"                        /* 9 */
		"      - {x: 0, y: 0, w: 0.1, h: 1, role: boss}\n"    /* 10 */
		"  auto:\n"                                           /* 11 */
		"    grid: 9x9\n"                                     /* 12 */
		"  empty: {}\n"                                       /* 13 */
		"  bg:\n"                                             /* 14 */
		"    grid: auto\n"                                    /* 15 */
		"    background: #fff\n";                             /* 16 */
	struct tes_layout_set *set = (void *)&set;
	char err[4096] = "";
	int n;

	/* every error in one pass, and *setp untouched */
	n = load(&set, yaml, err, sizeof(err));
	TEST_ASSERT(set == (void *)&set);
	TEST_ASSERT(strstr(err, "test.yaml:4:5: error: unknown key "
			   "\"colour\" in a preset"));
	TEST_ASSERT(strstr(err, "test.yaml:6:13: error: border must be true "
			   "or false"));
	TEST_ASSERT(strstr(err, "test.yaml:8:27: error: x + w = 1.1 goes "
			   "past the edge"));
	TEST_ASSERT(strstr(err, "test.yaml:9:10: error: slot is missing "
			   "\"w\""));
	TEST_ASSERT(strstr(err, "test.yaml:10:42: error: role must be normal "
			   "| floor | reserved | presenter, not \"boss\""));
	TEST_ASSERT(strstr(err, "test.yaml:11:3: error: duplicate preset "
			   "\"auto\" (first at line 2)"));
	TEST_ASSERT(strstr(err, "test.yaml:12:11: error: grid must be auto "
			   "or COLSxROWS"));
	TEST_ASSERT(strstr(err, "test.yaml:13:3: error: preset \"empty\" "
			   "needs one of grid, slots or layouts"));
	TEST_ASSERT(strstr(err, "test.yaml:16:5: error: background: missing "
			   "value"));
	TEST_EQ(n, 9);

	return 0;
}

TES_TEST(layout_overlap_refused)
{
	static const char yaml[] =
		"presets:\n"
		"  auto: {grid: auto}\n"
		"  pip:\n"
		"    slots:\n"
		"      - {x: 0, y: 0, w: 1, h: 1}\n"
		"      - {x: 0.5, y: 0, w: 0.5, h: 0.5}\n"
		"      - {x: 0.7, y: 0.7, w: 0.3, h: 0.3, z: 1}\n";
	static const char allowed[] =
		"presets:\n"
		"  auto: {grid: auto}\n"
		"  pip:\n"
		"    overlap: true\n"
		"    slots:\n"
		"      - {x: 0, y: 0, w: 1, h: 1}\n"
		"      - {x: 0.7, y: 0.7, w: 0.3, h: 0.3, z: 1}\n";
	static const char touching[] =
		"presets:\n"
		"  auto: {grid: auto}\n"
		"  thirds:\n"
		"    slots:\n"
		"      - {x: 0, y: 0, w: 1/3, h: 1}\n"
		"      - {x: 1/3, y: 0, w: 1/3, h: 1}\n"
		"      - {x: 2/3, y: 0, w: 0.333333, h: 1}\n";
	struct tes_layout_set *set = NULL;
	char err[2048] = "";

	TEST_EQ(load(&set, yaml, err, sizeof(err)), 2);
	TEST_ASSERT(!set);
	TEST_ASSERT(strstr(err, "test.yaml:6:10: error: slot overlaps the "
			   "slot at line 5"));
	TEST_ASSERT(strstr(err, "test.yaml:7:10: error: slot overlaps the "
			   "slot at line 5"));

	TEST_EQ(load(&set, allowed, err, sizeof(err)), 0);
	TEST_ASSERT(tes_layouts_find(set, "pip")->overlap);
	set = tes_deref(set);

	/* edges that touch are not an overlap, fractions add up exactly */
	TEST_EQ(load(&set, touching, err, sizeof(err)), 0);
	set = tes_deref(set);

	return 0;
}

TES_TEST(layout_missing_auto)
{
	struct tes_layout_set *set = NULL;
	char err[1024] = "";

	TEST_EQ(load(&set, "presets:\n  speaker:\n    grid: 2x2\n", err,
		     sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:1:1: error: no preset named "
			   "\"auto\""));
	TEST_ASSERT(!set);

	/* an empty file has no auto either */
	err[0] = '\0';
	TEST_EQ(load(&set, "", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:1:1: error: no preset named"));
	TEST_ASSERT(!set);
	err[0] = '\0';
	TEST_EQ(load(&set, "# nothing yet\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:1:1: error: no preset named"));

	return 0;
}

TES_TEST(layout_yaml_errors)
{
	struct tes_layout_set *set = NULL;
	char err[2048] = "";

	/* syntax errors come from libfyaml, in our format */
	TEST_ASSERT(load(&set, "presets:\n  auto: {grid: auto\n  x: 1\n",
			 err, sizeof(err)) > 0);
	TEST_ASSERT(strstr(err, "test.yaml:3:4: error: missing comma in "
			   "flow mapping"));
	TEST_ASSERT(!set);

	TEST_EQ(load(&set, "- a\n- b\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:1:3: error: the top level must "
			   "be a mapping"));

	TEST_EQ(load(&set, "presets:\n  auto: &a {grid: auto}\n"
		     "  b:\n    grid: *a\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:4:12: error: grid: aliases"));

	TEST_EQ(load(&set, "presets:\n  auto: {grid: auto}\n"
		     "  b:\n    layouts:\n      - {max: 3, slots: "
		     "[{x: 0, y: 0, w: 1, h: 1}]}\n      - {min: 2, slots: "
		     "[{x: 0, y: 0, w: 1, h: 1, reserved: \"\"}]}\n",
		     err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "test.yaml:6:10: error: participant counts "
			   "2..10000 overlap those of the layouts item at "
			   "line 5"));
	TEST_ASSERT(strstr(err, "reserved needs a participant id"));

	TEST_EQ(load(&set, "presets:\n  auto: {grid: auto, grid: 2x2}\n"
		     "  \"a b\": {grid: auto, slots: []}\n",
		     err, sizeof(err)), 3);
	TEST_ASSERT(strstr(err, "test.yaml:2:22: error: duplicate key "
			   "\"grid\""));
	TEST_ASSERT(strstr(err, "test.yaml:3:4: error: preset name \"a b\""));
	TEST_ASSERT(strstr(err, "test.yaml:3:4: error: preset \"a b\": grid, "
			   "slots and layouts exclude each other"));

	return 0;
}

TES_TEST(layout_load_unreadable)
{
	struct tes_layout_set *set = NULL;
	char err[512] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");

	TEST_ASSERT(f);
	TEST_EQ(tes_layouts_load(&set, TES_SOURCE_DIR "/conf/nope.yaml", f),
		-ENOENT);
	fclose(f);
	TEST_ASSERT(strstr(err, "nope.yaml: error: cannot read"));
	TEST_ASSERT(!set);

	return 0;
}

TES_TEST(layout_invalid_utf8)
{
	struct tes_layout_set *set = NULL;
	char err[512] = "";

	/* libfyaml 0.7.12 would spin forever on this directive */
	TEST_EQ(load(&set, "%\xff", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:1:2: error: not valid UTF-8"));
	TEST_EQ(load(&set, "presets:\n  auto: {grid: auto}\n  \xc3\xa9t\xc3"
		     "\xa9:\n    grid: \xed\xa0\x80\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:4:11: error: not valid UTF-8"));
	TEST_ASSERT(!set);

	return 0;
}

TES_TEST(layout_explicit_key_refused)
{
	struct tes_layout_set *set = NULL;
	char err[512] = "";

	/* libfyaml 0.7.12 dereferences NULL after this parse error */
	TEST_EQ(load(&set, "presets:\n  - ? a:\t :\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:2:5: error: explicit mapping key"));
	TEST_ASSERT(!set);

	return 0;
}
