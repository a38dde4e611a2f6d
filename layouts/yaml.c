/**
 * @file yaml.c  Reading YAML values for the layouts loader: positions,
 * error messages and typed scalars.  Values are copied into small stack
 * buffers; nothing here allocates.
 */
#include <stdlib.h>
#include <string.h>

#include "layouts/layout_int.h"

/* ---- positions and messages ---- */

static bool token_pos(struct fy_node *n, int *line, int *col)
{
	/* containers have no token: walk down to their first scalar */
	while (n) {
		struct fy_node_pair *p;
		void *it = NULL;

		switch (fy_node_get_type(n)) {

		case FYNT_SCALAR: {
			struct fy_token *t = fy_node_get_scalar_token(n);
			const struct fy_mark *m;

			m = t ? fy_token_start_mark(t) : NULL;
			if (!m)
				return false;
			*line = m->line + 1;
			*col = m->column + 1;
			return true;
		}

		case FYNT_MAPPING:
			p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
			break;

		case FYNT_SEQUENCE:
			n = fy_node_sequence_iterate(n, &it);
			break;

		default:
			return false;
		}
	}

	return false;
}

static void node_pos(struct loader *ld, struct fy_node *n, int *line,
		     int *col)
{
	if (token_pos(n, line, col) || token_pos(ld->here, line, col))
		return;
	*line = 1;
	*col = 1;
}

void tes__ly_err_at(struct loader *ld, struct fy_node *n, const char *fmt,
		    ...)
{
	va_list ap;
	int line, col;

	ld->errors++;
	if (!ld->errout)
		return;

	node_pos(ld, n, &line, &col);
	fprintf(ld->errout, "%s:%d:%d: error: ", ld->name, line, col);
	va_start(ap, fmt);
	vfprintf(ld->errout, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errout);
}

int tes__ly_line_of(struct loader *ld, struct fy_node *n)
{
	int line, col;

	node_pos(ld, n, &line, &col);

	return line;
}

/* ---- scalars and keys ---- */

bool tes__ly_get_scalar(struct loader *ld, struct fy_node *n,
			const char *what, char *buf, size_t size)
{
	const char *s;
	size_t len;

	if (!n || fy_node_is_null(n)) {
		tes__ly_err_at(ld, n, "%s: missing value", what);
		return false;
	}
	if (fy_node_get_type(n) != FYNT_SCALAR) {
		tes__ly_err_at(ld, n, "%s must be a single value, not a %s",
			       what, fy_node_get_type(n) == FYNT_MAPPING
					     ? "mapping" : "list");
		return false;
	}
	if (fy_node_get_style(n) == FYNS_ALIAS) {
		tes__ly_err_at(ld, n, "%s: aliases (*name) are not supported",
			       what);
		return false;
	}
	s = fy_node_get_scalar(n, &len);
	if (!s || len >= size || memchr(s, '\0', len)) {
		tes__ly_err_at(ld, n, "%s is too long (at most %zu "
			       "characters)", what, size - 1);
		return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	return true;
}

bool tes__ly_key_is(struct fy_node *kn, const char *name)
{
	const char *s;
	size_t len;

	if (!kn || fy_node_get_type(kn) != FYNT_SCALAR)
		return false;
	s = fy_node_get_scalar(kn, &len);

	return s && len == strlen(name) && !memcmp(s, name, len);
}

static int which_key(struct loader *ld, struct fy_node *kn,
		     struct tes__ly_map *m, const char *where)
{
	char name[TES_LY_VALUE_MAX];
	char known[256] = "";

	if (!tes__ly_get_scalar(ld, kn, "key", name, sizeof(name)))
		return -1;
	ld->here = kn;

	for (size_t i = 0; i < m->count; i++) {
		if (strcmp(name, m->names[i]))
			continue;
		if (m->seen & (1u << i)) {
			tes__ly_err_at(ld, kn, "duplicate key \"%s\"", name);
			return -1;
		}
		m->seen |= 1u << i;
		return (int)i;
	}

	for (size_t i = 0; i < m->count; i++) {
		strcat(known, i ? ", " : "");
		strcat(known, m->names[i]);
	}
	tes__ly_err_at(ld, kn, "unknown key \"%s\" in %s (known: %s)", name,
		       where, known);

	return -1;
}

void tes__ly_read_map(struct loader *ld, struct fy_node *n,
		      const char *const *names, size_t count,
		      const char *where, struct tes__ly_map *m)
{
	struct fy_node_pair *p;
	void *it = NULL;

	memset(m, 0, sizeof(*m));
	m->names = names;
	m->count = TES_MIN(count, (size_t)TES_LY_KEYS_MAX);

	while ((p = fy_node_mapping_iterate(n, &it))) {
		int k = which_key(ld, fy_node_pair_key(p), m, where);

		if (k < 0)
			continue;
		m->keys[k] = fy_node_pair_key(p);
		m->vals[k] = fy_node_pair_value(p);
	}
}

struct fy_node *tes__ly_at(struct loader *ld, const struct tes__ly_map *m,
			   int k)
{
	if (!(m->seen & (1u << k)))
		return NULL;
	ld->here = m->keys[k];

	return m->vals[k];
}

/* ---- typed values ---- */

bool tes__ly_str(struct loader *ld, const struct tes__ly_map *m, int k,
		 char *buf, size_t size)
{
	if (!(m->seen & (1u << k)))
		return false;

	return tes__ly_get_scalar(ld, tes__ly_at(ld, m, k), m->names[k], buf,
				  size);
}

static bool parse_dec(const char **sp, double *v)
{
	const char *s = *sp;
	double x = 0, scale = 1;
	bool digits = false;

	/* locale-free on purpose: "0.5" must not depend on LC_NUMERIC */
	for (; *s >= '0' && *s <= '9'; s++, digits = true) {
		if (x > 1e9)
			return false;
		x = x * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			scale /= 10;
			x += (*s - '0') * scale;
		}
	}
	*sp = s;
	*v = x;

	return digits;
}

bool tes__ly_frac(struct loader *ld, const struct tes__ly_map *m, int k,
		  double *v)
{
	char buf[TES_LY_VALUE_MAX];
	const char *s = buf;
	double num, den = 1;

	if (!tes__ly_str(ld, m, k, buf, sizeof(buf)))
		return false;
	if (!parse_dec(&s, &num))
		goto bad;
	if (*s == '/') {
		s++;
		if (!parse_dec(&s, &den) || den <= 0)
			goto bad;
	}
	if (*s || num / den > 1)
		goto bad;
	*v = num / den;

	return true;

bad:
	tes__ly_err_at(ld, m->vals[k], "%s must be a fraction of the canvas "
		       "from 0 to 1 (like 0.25 or 1/3), not \"%s\"",
		       m->names[k], buf);
	return false;
}

bool tes__ly_int(struct loader *ld, const struct tes__ly_map *m, int k,
		 long min, long max, long *v)
{
	char buf[TES_LY_VALUE_MAX];
	const char *s = buf;
	bool neg = false;
	long x = 0;

	if (!tes__ly_str(ld, m, k, buf, sizeof(buf)))
		return false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		goto bad;
	for (; *s; s++) {
		/* the bound keeps x far from overflowing */
		if (*s < '0' || *s > '9' || x > TES_LAYOUT_COUNT_MAX)
			goto bad;
		x = x * 10 + (*s - '0');
	}
	if (neg)
		x = -x;
	if (x < min || x > max)
		goto bad;
	*v = x;

	return true;

bad:
	tes__ly_err_at(ld, m->vals[k], "%s must be an integer from %ld to "
		       "%ld, not \"%s\"", m->names[k], min, max, buf);
	return false;
}

bool tes__ly_bool(struct loader *ld, const struct tes__ly_map *m, int k,
		  bool *v)
{
	char buf[TES_LY_VALUE_MAX];

	if (!tes__ly_str(ld, m, k, buf, sizeof(buf)))
		return false;
	if (!strcmp(buf, "true") || !strcmp(buf, "false")) {
		*v = buf[0] == 't';
		return true;
	}
	tes__ly_err_at(ld, m->vals[k], "%s must be true or false, not \"%s\"",
		       m->names[k], buf);

	return false;
}

bool tes__ly_enum(struct loader *ld, const struct tes__ly_map *m, int k,
		  const char *const *names, size_t count, int *v)
{
	char buf[TES_LY_VALUE_MAX];
	char known[128] = "";

	if (!tes__ly_str(ld, m, k, buf, sizeof(buf)))
		return false;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(buf, names[i])) {
			*v = (int)i;
			return true;
		}
		strcat(known, i ? " | " : "");
		strcat(known, names[i]);
	}
	tes__ly_err_at(ld, m->vals[k], "%s must be %s, not \"%s\"",
		       m->names[k], known, buf);

	return false;
}

bool tes__ly_colour(struct loader *ld, const struct tes__ly_map *m, int k,
		    uint32_t *v)
{
	struct fy_node *n = tes__ly_at(ld, m, k);
	char buf[TES_LY_VALUE_MAX];

	if (!(m->seen & (1u << k)))
		return false;
	if (!n || fy_node_is_null(n)) {
		/* `background: #000000` is a comment, not a colour */
		tes__ly_err_at(ld, n, "%s: missing value (write the colour "
			       "in quotes, \"#rrggbb\": # starts a YAML "
			       "comment)", m->names[k]);
		return false;
	}
	if (!tes__ly_str(ld, m, k, buf, sizeof(buf)))
		return false;
	if (strlen(buf) != 7 || buf[0] != '#' ||
	    strspn(buf + 1, "0123456789abcdefABCDEF") != 6) {
		tes__ly_err_at(ld, n, "%s must be a colour \"#rrggbb\", not "
			       "\"%s\"", m->names[k], buf);
		return false;
	}
	*v = (uint32_t)strtoul(buf + 1, NULL, 16);

	return true;
}

/* ---- the text itself ---- */

bool tes__ly_check_text(struct loader *ld, const char *text, size_t len)
{
	int line, col;
	int err = tes_yaml_text_check(text, len, &line, &col);

	if (!err)
		return true;

	ld->errors++;
	if (ld->errout)
		fprintf(ld->errout, "%s:%d:%d: error: %s\n", ld->name, line,
			col, tes_yaml_text_strerror(err));
	return false;
}
