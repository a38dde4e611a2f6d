/**
 * @file layout_int.h  Private to layouts/: the loader's state and the YAML
 * value readers shared by load.c (the schema) and yaml.c (the readers).
 */
#ifndef TES_LAYOUT_INT_H
#define TES_LAYOUT_INT_H

#include <libfyaml.h>

#include "layouts/layout.h"

enum {
	TES_LY_VALUE_MAX = 128, /**< longest scalar read, with the NUL */
	TES_LY_KEYS_MAX = 16,   /**< most keys one kind of mapping knows */
};

/** A loaded set: one tes_alloc block, presets then variants and slots. */
struct tes_layout_set {
	size_t n;                   /**< presets in use */
	struct tes_layout *layouts; /**< n of them, in file order */
};

/** State of one load; lives on the stack of tes_layouts_load_string(). */
struct loader {
	const char *name;        /**< file name for messages */
	FILE *errout;            /**< may be NULL: count only */
	int errors;              /**< errors so far */
	struct fy_node *here;    /**< last key seen: where to point at
				      values that have no token (empty) */
	struct tes_layout_set *set;          /**< being filled */
	size_t max_layouts;                  /**< room in set->layouts */
	struct tes_layout_variant *variants; /**< storage, max_variants */
	size_t nvariants;                    /**< used */
	size_t max_variants;                 /**< room */
	struct tes_layout_slot *slots;       /**< storage, max_slots */
	size_t nslots;                       /**< used */
	size_t max_slots;                    /**< room */
};

/** A mapping read against a table of known keys. */
struct tes__ly_map {
	const char *const *names; /**< known keys, also the values' names in
				       messages */
	size_t count;             /**< how many, at most TES_LY_KEYS_MAX */
	unsigned seen;            /**< bit k set: names[k] is present */
	struct fy_node *keys[TES_LY_KEYS_MAX]; /**< key nodes by index */
	struct fy_node *vals[TES_LY_KEYS_MAX]; /**< value nodes by index */
};

/**
 * Print "FILE:LINE:COL: error: ..." for node n (or, when n has no
 * position, the last key seen) and count it.
 *
 * @param ld   Loader
 * @param n    Node the error is about, or NULL
 * @param fmt  printf format
 */
void tes__ly_err_at(struct loader *ld, struct fy_node *n, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/**
 * @param ld  Loader
 * @param n   Node
 * @return The line of a node (1-based), as tes__ly_err_at() would show it
 */
int tes__ly_line_of(struct loader *ld, struct fy_node *n);

/**
 * Copy a scalar into buf, NUL-terminated.
 *
 * @param ld    Loader (errors: missing, not a scalar, alias, too long)
 * @param n     Value node
 * @param what  Name of the value, for messages
 * @param buf   Destination
 * @param size  Its size
 * @return true when buf holds the value
 */
bool tes__ly_get_scalar(struct loader *ld, struct fy_node *n,
			const char *what, char *buf, size_t size);

/**
 * @param kn    Key node
 * @param name  Plain name
 * @return Whether the key is that scalar (no error reported)
 */
bool tes__ly_key_is(struct fy_node *kn, const char *name);

/**
 * Read every pair of a mapping by key, reporting unknown and repeated
 * keys (the first one counts).
 *
 * @param ld     Loader
 * @param n      Mapping node
 * @param names  Known key names
 * @param count  Their count (at most TES_LY_KEYS_MAX)
 * @param where  What the mapping is, for messages ("a slot")
 * @param m      Receives the keys and values
 */
void tes__ly_read_map(struct loader *ld, struct fy_node *n,
		      const char *const *names, size_t count,
		      const char *where, struct tes__ly_map *m);

/**
 * Value k of a mapping, aiming later messages at its key.
 *
 * @param ld  Loader
 * @param m   Mapping
 * @param k   Key index
 * @return The value node, NULL when absent
 */
struct fy_node *tes__ly_at(struct loader *ld, const struct tes__ly_map *m,
			   int k);

/*
 * The typed readers below return false, with no message, when key k is
 * absent (so a default stays), and false with a message when invalid.
 */

/**
 * A string.
 *
 * @param ld    Loader
 * @param m     Mapping
 * @param k     Key index
 * @param buf   Destination
 * @param size  Its size
 * @return true when present and valid
 */
bool tes__ly_str(struct loader *ld, const struct tes__ly_map *m, int k,
		 char *buf, size_t size);

/**
 * A fraction of the canvas: "0.25", "1" or "N/D" such as "1/3", in 0..1.
 *
 * @param ld  Loader
 * @param m   Mapping
 * @param k   Key index
 * @param v   Receives the value
 * @return true when present and valid
 */
bool tes__ly_frac(struct loader *ld, const struct tes__ly_map *m, int k,
		  double *v);

/**
 * A decimal integer in min..max.
 *
 * @param ld   Loader
 * @param m    Mapping
 * @param k    Key index
 * @param min  Smallest accepted
 * @param max  Largest accepted (at most TES_LAYOUT_COUNT_MAX)
 * @param v    Receives the value
 * @return true when present and valid
 */
bool tes__ly_int(struct loader *ld, const struct tes__ly_map *m, int k,
		 long min, long max, long *v);

/**
 * true or false.
 *
 * @param ld  Loader
 * @param m   Mapping
 * @param k   Key index
 * @param v   Receives the value
 * @return true when present and valid
 */
bool tes__ly_bool(struct loader *ld, const struct tes__ly_map *m, int k,
		  bool *v);

/**
 * One of a list of names.
 *
 * @param ld     Loader
 * @param m      Mapping
 * @param k      Key index
 * @param names  Accepted names
 * @param count  Their count
 * @param v      Receives the index
 * @return true when present and valid
 */
bool tes__ly_enum(struct loader *ld, const struct tes__ly_map *m, int k,
		  const char *const *names, size_t count, int *v);

/**
 * A colour "#rrggbb".
 *
 * @param ld  Loader
 * @param m   Mapping
 * @param k   Key index
 * @param v   Receives 0xRRGGBB
 * @return true when present and valid
 */
bool tes__ly_colour(struct loader *ld, const struct tes__ly_map *m, int k,
		    uint32_t *v);

/**
 * Check that text is UTF-8 without NUL bytes before libfyaml sees it
 * (libfyaml 0.7.12 loops forever on some invalid UTF-8, e.g. "%\xff").
 *
 * @param ld    Loader (one error, at the first bad byte)
 * @param text  File contents
 * @param len   Their length
 * @return true when the text may be parsed
 */
bool tes__ly_check_text(struct loader *ld, const char *text, size_t len);

#endif /* TES_LAYOUT_INT_H */
