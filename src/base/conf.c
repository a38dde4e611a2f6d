/**
 * @file conf.c  YAML configuration loader (libfyaml), table driven so every
 * key has one place: its section, name, type, bounds and destination.
 */
#include <arpa/inet.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"

enum key_type {
	KEY_U16,
	KEY_U32,
	KEY_ADDR,
	KEY_PATH,
	KEY_LEVEL,
	KEY_MODE,
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	size_t size;
	uint32_t min;
	uint32_t max;
};

#define OFF(f) offsetof(struct tes_conf, f), sizeof(((struct tes_conf *)0)->f)

static const struct key_def keys[] = {
	{"log", "level", KEY_LEVEL, OFF(log_level), 0, 0},
	{"http", "listen", KEY_ADDR, OFF(http_listen), 0, 0},
	{"http", "port", KEY_U16, OFF(http_port), 1, 65535},
	{"http", "web_root", KEY_PATH, OFF(web_root), 0, 0},
	{"http", "max_body", KEY_U32, OFF(http_max_body), 1024, 16u << 20},
	{"media", "listen", KEY_ADDR, OFF(media_listen), 0, 0},
	{"media", "port", KEY_U16, OFF(media_port), 1, 65535},
	{"media", "announce", KEY_ADDR, OFF(media_announce), 0, 0},
	{"ice", "consent_timeout_ms", KEY_U32, OFF(consent_timeout_ms), 1000,
	 600000},
	{"ice", "connect_timeout_ms", KEY_U32, OFF(connect_timeout_ms), 1000,
	 600000},
	{"rooms", "default_mode", KEY_MODE, OFF(default_mode), 0, 0},
	{"rooms", "max_rooms", KEY_U32, OFF(max_rooms), 1, 100000},
	{"rooms", "max_participants", KEY_U32, OFF(max_participants), 1, 10000},
};

/* Room modes this build knows; the mixer adds "mix". */
static const char *const modes[] = {"echo"};

struct loader {
	struct tes_conf *c;
	const char *name;   /* file name for messages */
	char dir[TES_CONF_PATH_MAX]; /* directory of the file */
	FILE *errout;
	int errors;
};

static void node_pos(struct fy_node *n, int *line, int *col)
{
	struct fy_token *t = n ? fy_node_get_scalar_token(n) : NULL;
	const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;

	*line = m ? m->line + 1 : 0;
	*col = m ? m->column + 1 : 0;
}

__attribute__((format(printf, 3, 4)))
static void err_at(struct loader *ld, struct fy_node *n, const char *fmt, ...)
{
	va_list ap;
	int line, col;

	node_pos(n, &line, &col);
	fprintf(ld->errout, "%s:%d:%d: error: ", ld->name, line, col);
	va_start(ap, fmt);
	vfprintf(ld->errout, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errout);
	ld->errors++;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;

	return true;
}

static bool valid_addr(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 ||
	       inet_pton(AF_INET6, s, &a6) == 1;
}

static void set_value(struct loader *ld, const struct key_def *k,
		      struct fy_node *val)
{
	void *dst = (char *)ld->c + k->off;
	const char *s;
	uint32_t u;

	if (!fy_node_is_scalar(val)) {
		err_at(ld, val, "%s.%s must be a scalar value", k->section,
		       k->name);
		return;
	}
	s = fy_node_get_scalar0(val);
	if (!s) {
		err_at(ld, val, "%s.%s: out of memory", k->section, k->name);
		return;
	}

	switch (k->type) {

	case KEY_U16:
	case KEY_U32:
		if (!parse_u32(s, &u) || u < k->min || u > k->max) {
			err_at(ld, val, "%s.%s must be an integer in %u..%u, "
			       "not \"%s\"", k->section, k->name, k->min,
			       k->max, s);
			return;
		}
		if (k->type == KEY_U16)
			*(uint16_t *)dst = (uint16_t)u;
		else
			*(uint32_t *)dst = u;
		break;

	case KEY_ADDR:
		if (!valid_addr(s) || strlen(s) >= k->size) {
			err_at(ld, val, "%s.%s must be an IPv4 or IPv6 address,"
			       " not \"%s\"", k->section, k->name, s);
			return;
		}
		strcpy(dst, s);
		break;

	case KEY_PATH:
		if (s[0] == '/' || !ld->dir[0]) {
			if (strlen(s) >= k->size) {
				err_at(ld, val, "%s.%s is too long", k->section,
				       k->name);
				return;
			}
			strcpy(dst, s);
		}
		else if ((size_t)snprintf(dst, k->size, "%s/%s", ld->dir, s) >=
			 k->size) {
			err_at(ld, val, "%s.%s is too long", k->section,
			       k->name);
			return;
		}
		break;

	case KEY_LEVEL:
		if (tes_log_level_parse(s, dst)) {
			err_at(ld, val, "%s.%s must be one of error, warn, "
			       "info, debug, not \"%s\"", k->section, k->name,
			       s);
			return;
		}
		break;

	case KEY_MODE:
		for (size_t i = 0; i < TES_ARRAY_SIZE(modes); i++) {
			if (!strcmp(s, modes[i])) {
				strcpy(dst, s);
				return;
			}
		}
		err_at(ld, val, "%s.%s: unknown room mode \"%s\" (this build "
		       "knows: echo)", k->section, k->name, s);
		break;
	}
}

static void load_section(struct loader *ld, const char *section,
			 struct fy_node *map)
{
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(map) != FYNT_MAPPING) {
		err_at(ld, map, "section \"%s\" must be a mapping", section);
		return;
	}

	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		const char *name = kn ? fy_node_get_scalar0(kn) : NULL;
		const struct key_def *k = NULL;

		for (size_t i = 0; name && i < TES_ARRAY_SIZE(keys); i++) {
			if (!strcmp(keys[i].section, section) &&
			    !strcmp(keys[i].name, name)) {
				k = &keys[i];
				break;
			}
		}
		if (!k) {
			err_at(ld, kn, "unknown key \"%s.%s\"", section,
			       name ? name : "?");
			continue;
		}
		set_value(ld, k, fy_node_pair_value(p));
	}
}

static void load_root(struct loader *ld, struct fy_node *root)
{
	struct fy_node_pair *p;
	void *it = NULL;

	if (!root)
		return; /* empty file: all defaults */

	if (fy_node_get_type(root) != FYNT_MAPPING) {
		err_at(ld, root, "the top level must be a mapping of sections");
		return;
	}

	while ((p = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		const char *name = kn ? fy_node_get_scalar0(kn) : NULL;
		bool known = false;

		for (size_t i = 0; name && i < TES_ARRAY_SIZE(keys); i++)
			known |= !strcmp(keys[i].section, name);
		if (!known) {
			err_at(ld, kn, "unknown section \"%s\" (known: log, "
			       "http, media, ice, rooms)", name ? name : "?");
			continue;
		}
		load_section(ld, name, fy_node_pair_value(p));
	}
}

static int load_doc(struct loader *ld, const char *path, const char *text,
		    size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg = {.flags = FYPCF_DEFAULT_DOC};
	struct fy_document *doc;
	struct fy_diag *diag;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = ld->errout;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	pcfg.diag = diag;

	doc = path ? fy_document_build_from_file(&pcfg, path)
		   : fy_document_build_from_string(&pcfg, text, len);
	if (!doc) {
		fprintf(ld->errout, "%s: error: not valid YAML (see above)\n",
			ld->name);
		ld->errors++;
	}
	else {
		load_root(ld, fy_document_root(doc));
		fy_document_destroy(doc);
	}

	if (diag)
		fy_diag_destroy(diag);

	return ld->errors;
}

void tes_conf_defaults(struct tes_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = TES_LOG_INFO;
	strcpy(c->http_listen, "127.0.0.1");
	c->http_port = 8080;
	strcpy(c->web_root, "web");
	c->http_max_body = 64 * 1024;
	strcpy(c->media_listen, "127.0.0.1");
	c->media_port = 40000;
	strcpy(c->media_announce, "127.0.0.1");
	c->consent_timeout_ms = 20000;
	c->connect_timeout_ms = 30000;
	strcpy(c->default_mode, "echo");
	c->max_rooms = 1000;
	c->max_participants = 64;
}

int tes_conf_load(struct tes_conf *c, const char *path, FILE *errout)
{
	struct loader ld = {.c = c, .name = path, .errout = errout};
	const char *slash = strrchr(path, '/');
	FILE *f;

	/* fail early and plainly when the file cannot be read */
	f = fopen(path, "r");
	if (!f) {
		int err = errno;

		fprintf(errout, "%s: error: cannot open: %s\n", path,
			strerror(err));
		return -err;
	}
	fclose(f);

	if (slash && (size_t)(slash - path) < sizeof(ld.dir))
		memcpy(ld.dir, path, (size_t)(slash - path));
	else if (!slash)
		strcpy(ld.dir, ".");

	return load_doc(&ld, path, NULL, 0);
}

int tes_conf_load_string(struct tes_conf *c, const char *name,
			 const char *text, size_t len, FILE *errout)
{
	struct loader ld = {.c = c, .name = name, .errout = errout};

	return load_doc(&ld, NULL, text, len);
}
