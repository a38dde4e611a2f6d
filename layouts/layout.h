/**
 * @file layout.h  Layout engine: a preset plus the ordered participants and
 * the active speaker give the cells the compositor draws.
 *
 * Presets are data (conf/layouts.yaml), on a normalized canvas: every
 * rectangle is a fraction 0..1 of the output width and height, so one
 * preset serves every output profile (720p, 360p, ...).  A preset is either
 * an automatic grid, a fixed grid, or lists of slots chosen by participant
 * count; a slot can be the floor (active speaker), the presenter's, or
 * reserved for a named participant.
 *
 * The engine is pure: no I/O, no allocation, no state.  A loaded
 * tes_layout_set is immutable and refcounted, so the room (loop thread)
 * can hand a reference to mixer workers and swap in a reloaded set without
 * locks; a worker keeps its reference until it is done with the frame.
 */
#ifndef TES_LAYOUT_H
#define TES_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"

enum {
	TES_LAYOUT_NAME_MAX = 64,     /**< preset names and reserved ids,
					   with the NUL */
	TES_LAYOUT_MAX_CELLS = 64,    /**< most cells one computation gives:
					   size the cells array with this */
	TES_LAYOUT_AUTO_MAX = 5,      /**< an automatic grid grows to 5x5 */
	TES_LAYOUT_GRID_MAX = 8,      /**< fixed grids up to 8x8 */
	TES_LAYOUT_MAX_PRESETS = 256, /**< presets in one file */
	TES_LAYOUT_MAX_VARIANTS = 32, /**< count variants in one preset */
	TES_LAYOUT_COUNT_MAX = 10000, /**< largest min/max count accepted */
};

/** How a source frame fills a cell of another aspect ratio. */
enum tes_fit {
	TES_FIT_CROP,      /**< scale to cover the cell, crop the excess */
	TES_FIT_LETTERBOX, /**< scale to fit inside, pad with background */
};

/** Who a cell is for. */
enum tes_cell_role {
	TES_ROLE_NORMAL,    /**< the next participant in join order */
	TES_ROLE_FLOOR,     /**< the active speaker, else the next one */
	TES_ROLE_RESERVED,  /**< the participant with a given id, else empty */
	TES_ROLE_PRESENTER, /**< the presenter, else like TES_ROLE_FLOOR */
};

/**
 * One rectangle to draw.  Coordinates are fractions of the canvas; to get
 * pixels convert edges, not sizes (left = round(x * W), right =
 * round((x + w) * W)) so neighbouring cells tile without gaps.
 */
struct tes_cell {
	float x;          /**< left edge, 0..1 */
	float y;          /**< top edge, 0..1 */
	float w;          /**< width, > 0, x + w <= 1 */
	float h;          /**< height, > 0, y + h <= 1 */
	int z;            /**< stacking order: higher is drawn later (on top) */
	enum tes_fit fit; /**< crop or letterbox the source */
	enum tes_cell_role role; /**< what the slot was for */
	int participant;  /**< index into tes_layout_input.ids, -1 = empty
			       cell (draw background or a placeholder) */
	bool border;      /**< draw a thin border around the cell */
};

/** How a preset places its cells. */
enum tes_layout_kind {
	TES_LAYOUT_GRID_AUTO,  /**< equal cells, 1x1 .. 5x5 by count */
	TES_LAYOUT_GRID_FIXED, /**< equal cells, always cols x rows */
	TES_LAYOUT_SLOTS,      /**< explicit slots, variants by count */
};

/** A slot of a slot preset, as written in the file (read-only). */
struct tes_layout_slot {
	float x;                 /**< left edge, 0..1 */
	float y;                 /**< top edge, 0..1 */
	float w;                 /**< width, x + w <= 1 */
	float h;                 /**< height, y + h <= 1 */
	int z;                   /**< stacking order, default 0 */
	enum tes_fit fit;        /**< default: the preset's fit */
	enum tes_cell_role role; /**< default TES_ROLE_NORMAL */
	bool border;             /**< default: the preset's border */
	char reserved[TES_LAYOUT_NAME_MAX]; /**< participant id for
					       TES_ROLE_RESERVED, else "" */
	int line;                /**< line in the file, for messages */
};

/** The slots used for one range of participant counts (read-only). */
struct tes_layout_variant {
	unsigned min;                        /**< smallest count, inclusive */
	unsigned max;                        /**< largest count, inclusive */
	const struct tes_layout_slot *slots; /**< in file order */
	size_t nslots;                       /**< 1..TES_LAYOUT_MAX_CELLS */
	int line;                            /**< line in the file */
};

/**
 * One preset (read-only).  It lives inside its tes_layout_set: hold a
 * reference on the set for as long as you use the preset.
 */
struct tes_layout {
	char name[TES_LAYOUT_NAME_MAX]; /**< unique in the set */
	enum tes_layout_kind kind;      /**< grid or slots */
	unsigned cols;                  /**< columns of a fixed grid */
	unsigned rows;                  /**< rows of a fixed grid */
	const struct tes_layout_variant *variants; /**< slot presets only */
	size_t nvariants;               /**< 0 for grids */
	bool overlap;                   /**< slots may overlap (pip) */
	bool border;                    /**< default border of its cells */
	uint32_t background;            /**< canvas colour, 0xRRGGBB */
	enum tes_fit fit;               /**< default fit of its cells */
	int line;                       /**< line of its name in the file */
};

/**
 * Every preset of one file: opaque, refcounted (tes_ref/tes_deref),
 * immutable once loaded, so any thread may read it while it holds a
 * reference.  A reload makes a new set; swap the pointer and drop the old
 * reference.
 */
struct tes_layout_set;

/** What the engine places: participants and who is talking. */
struct tes_layout_input {
	const char *const *ids; /**< participant ids in join order; NULL (or
				     NULL entries) when ids are unknown, which
				     only matters for reserved slots */
	size_t n;               /**< number of participants */
	int speaker;            /**< index of the active speaker, -1 none */
	int presenter;          /**< index of the presenter, -1 none */
};

/**
 * Load and validate a layouts file.  Every problem is printed to errout as
 * "FILE:LINE:COL: error: ..." and loading goes on, so one pass reports all
 * of them.  *setp is written only on success: on a failed reload the
 * caller keeps the set it has.
 *
 * @param setp    Receives the set (tes_deref() it) when 0 is returned
 * @param path    YAML file
 * @param errout  Where to print errors (stderr)
 * @return Number of errors (0 = loaded), or -errno when unreadable
 */
int tes_layouts_load(struct tes_layout_set **setp, const char *path,
		     FILE *errout);

/**
 * Load and validate layouts from memory (tests, fuzzing, built-ins).
 *
 * @param setp    Receives the set when 0 is returned
 * @param name    File name used in error messages
 * @param text    YAML text (need not be NUL-terminated)
 * @param len     Its length
 * @param errout  Where to print errors
 * @return Number of errors (0 = loaded), or -EINVAL for bad arguments
 */
int tes_layouts_load_string(struct tes_layout_set **setp, const char *name,
			    const char *text, size_t len, FILE *errout);

/**
 * A set with only the `auto` grid, for running without a layouts file.
 *
 * @param setp  Receives the set (tes_deref() it)
 * @return 0, or -ENOMEM
 */
int tes_layouts_builtin(struct tes_layout_set **setp);

/**
 * Find a preset by name.
 *
 * @param set   Layout set
 * @param name  Preset name ("auto" always exists)
 * @return The preset, or NULL
 */
const struct tes_layout *tes_layouts_find(const struct tes_layout_set *set,
					  const char *name);

/**
 * Number of presets in a set.
 *
 * @param set  Layout set, or NULL
 * @return Preset count
 */
size_t tes_layouts_count(const struct tes_layout_set *set);

/**
 * Preset by position, in file order.
 *
 * @param set  Layout set
 * @param i    0 .. tes_layouts_count() - 1
 * @return The preset, or NULL when i is out of range
 */
const struct tes_layout *tes_layouts_at(const struct tes_layout_set *set,
					size_t i);

/**
 * Name of a preset.
 *
 * @param l  Preset
 * @return Its name
 */
const char *tes_layout_name(const struct tes_layout *l);

/**
 * Columns and rows of the automatic grid for a participant count: the
 * smallest cols x rows with rows <= cols <= rows + 1 that holds them
 * (2 = 2x1, 3..4 = 2x2, 5..6 = 3x2, ..., 21..25 = 5x5), capped at 5x5.
 *
 * @param n     Participant count (0 gives 0 x 0)
 * @param cols  Receives the columns
 * @param rows  Receives the rows
 */
void tes_layout_grid_dims(size_t n, unsigned *cols, unsigned *rows);

/**
 * The variant of a slot preset used for a participant count: the one
 * whose min..max holds n, else the one closest to n.
 *
 * @param l  Slot preset
 * @param n  Participant count
 * @return The variant, or NULL for grid presets
 */
const struct tes_layout_variant *
tes_layout_variant_pick(const struct tes_layout *l, size_t n);

/**
 * Place participants.  Reserved slots are filled first, then presenter
 * slots, then floor slots, then normal slots in join order; nobody is
 * placed twice and participants that do not fit are not shown (an active
 * speaker past the end of a grid takes its last cell).  An automatic grid
 * gives one cell per shown participant, centring a short last row; fixed
 * grids and slot presets give every cell, empty ones with participant -1.
 *
 * @param l      Preset
 * @param in     Participants, speaker, presenter
 * @param cells  Receives the cells, sorted by z ascending (draw order)
 * @param max    Room in cells (TES_LAYOUT_MAX_CELLS is always enough)
 * @return Number of cells, -EINVAL for bad arguments (speaker or presenter
 *         out of range), -ENOSPC when max is too small
 */
int tes_layout_compute(const struct tes_layout *l,
		       const struct tes_layout_input *in,
		       struct tes_cell *cells, size_t max);

#endif /* TES_LAYOUT_H */
