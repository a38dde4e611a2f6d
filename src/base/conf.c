/**
 * @file conf.c  YAML configuration loader (libfyaml), table driven so every
 * key has one place: its section, name, type, bounds and destination.
 */
#include <arpa/inet.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/conf.h"

enum {
	MAX_FILE = 1024 * 1024,
};

enum key_type {
	KEY_U8,
	KEY_U16,
	KEY_U32,
	KEY_ADDR,
	KEY_PATH,
	KEY_LEVEL,
	KEY_MODE,
	KEY_NAME,
	KEY_CODEC,
	KEY_BOOL,
	KEY_RECFMT,
	KEY_ROOM_MODES,
	KEY_SECRET,
	KEY_SECRET_FILE,
	KEY_SRTP,
	KEY_REALM,
	KEY_SIP_AUTH,
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
	{"http", "rate_limit_per_s", KEY_U32, OFF(http_rate_per_s), 0, 100000},
	{"http", "rate_burst", KEY_U32, OFF(http_rate_burst), 1, 1000000},
	{"http", "trusted_proxy", KEY_ADDR, OFF(http_trusted_proxy), 0, 0},
	{"auth", "required", KEY_BOOL, OFF(auth_required), 0, 0},
	{"auth", "secret", KEY_SECRET, OFF(auth_secret), 0, 0},
	{"auth", "secret_file", KEY_SECRET_FILE, OFF(auth_secret_file), 0, 0},
	{"auth", "clock_skew_s", KEY_U32, OFF(auth_clock_skew_s), 0, 300},
	{"media", "listen", KEY_ADDR, OFF(media_listen), 0, 0},
	{"media", "port", KEY_U16, OFF(media_port), 1, 65535},
	{"media", "announce", KEY_ADDR, OFF(media_announce), 0, 0},
	{"sip", "enabled", KEY_BOOL, OFF(sip_enabled), 0, 0},
	{"sip", "listen", KEY_ADDR, OFF(sip_listen), 0, 0},
	{"sip", "port", KEY_U16, OFF(sip_port), 1, 65535},
	{"sip", "rtp_port_min", KEY_U16, OFF(sip_rtp_port_min), 1024, 65534},
	{"sip", "rtp_port_max", KEY_U16, OFF(sip_rtp_port_max), 1025, 65535},
	{"sip", "srtp", KEY_SRTP, OFF(sip_srtp), 0, 0},
	{"sip", "open_rooms", KEY_BOOL, OFF(sip_open_rooms), 0, 0},
	{"sip", "media_timeout_s", KEY_U32, OFF(sip_media_timeout_s), 5,
	 3600},
	{"sip", "realm", KEY_REALM, OFF(sip_realm), 0, 0},
	{"sip", "auth", KEY_SIP_AUTH, 0, 0, 0, 0},
	{"ice", "consent_timeout_ms", KEY_U32, OFF(consent_timeout_ms), 1000,
	 600000},
	{"ice", "connect_timeout_ms", KEY_U32, OFF(connect_timeout_ms), 1000,
	 600000},
	{"rooms", "default_mode", KEY_MODE, OFF(default_mode), 0, 0},
	{"rooms", "max_rooms", KEY_U32, OFF(max_rooms), 1, 100000},
	/* the mixer sizes its per-tick arrays for 256 */
	{"rooms", "max_participants", KEY_U32, OFF(max_participants), 1, 256},
	{"rooms", "mix_max_participants", KEY_U32, OFF(mix_max_participants),
	 0, 256},
	{"rooms", "modes", KEY_ROOM_MODES, 0, 0, 0, 0},
	{"mixer", "fallback_missed_pct", KEY_U32, OFF(fallback_missed_pct), 1,
	 100},
	{"mixer", "fallback_after_s", KEY_U32, OFF(fallback_after_s), 0, 600},
	{"mixer", "fallback_retry_s", KEY_U32, OFF(fallback_retry_s), 1, 3600},
	{"mixer", "threads", KEY_U32, OFF(mixer_threads), 0, 64},
	{"mixer", "audio_speakers", KEY_U32, OFF(audio_speakers), 1, 8},
	{"mixer", "placeholder_after_ms", KEY_U32, OFF(placeholder_after_ms),
	 100, 600000},
	{"mixer", "layouts", KEY_PATH, OFF(layouts_file), 0, 0},
	{"mixer", "default_layout", KEY_NAME, OFF(default_layout), 0, 0},
	{"rooms", "auto_record", KEY_BOOL, OFF(auto_record), 0, 0},
	{"recording", "dir", KEY_PATH, OFF(recording_dir), 0, 0},
	{"recording", "profile", KEY_NAME, OFF(recording_profile), 0, 0},
	{"recording", "format", KEY_RECFMT, OFF(recording_format), 0, 0},
	{"recording", "max_per_room", KEY_U32, OFF(recordings_max), 1, 16},
};

#define POFF(f) offsetof(struct tes_conf_profile, f), \
		sizeof(((struct tes_conf_profile *)0)->f)

/* keys of one entry of the profiles list */
static const struct key_def profile_keys[] = {
	{"profiles", "name", KEY_NAME, POFF(name), 0, 0},
	{"profiles", "codec", KEY_CODEC, POFF(codec), 0, 0},
	{"profiles", "width", KEY_U16, POFF(width), 16, 3840},
	{"profiles", "height", KEY_U16, POFF(height), 16, 2160},
	{"profiles", "fps", KEY_U16, POFF(fps), 1, 60},
	{"profiles", "bitrate_kbps", KEY_U32, POFF(bitrate_kbps), 30, 50000},
	{"profiles", "cpu_used", KEY_U16, POFF(cpu_used), 0, 16},
	{"profiles", "packetization_mode", KEY_U8, POFF(packetization_mode),
	 0, 1},
};

/* Room modes this build knows */
static const char *const modes[] = {"echo", "mix", "sfu"};

struct loader {
	struct tes_conf *c;
	const char *name;   /* file name for messages */
	char dir[TES_CONF_PATH_MAX]; /* directory of the file */
	FILE *errout;
	int errors;
	bool secret_seen;   /* auth.secret or auth.secret_file was set */
	int auth_line[TES_CONF_MAX_SIP_AUTH]; /* where each sip.auth file */
	int auth_col[TES_CONF_MAX_SIP_AUTH];  /* was named */
	bool auth_seen;     /* sip.auth is in this document */
};

static void node_pos(struct fy_node *n, int *line, int *col)
{
	struct fy_token *t = NULL;
	const struct fy_mark *m;
	void *it = NULL;

	/* collections have no token of their own: use their first scalar */
	while (n && !fy_node_is_scalar(n)) {
		if (fy_node_get_type(n) == FYNT_MAPPING) {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

			n = p ? fy_node_pair_key(p) : NULL;
		}
		else {
			n = fy_node_sequence_iterate(n, &it);
		}
		it = NULL;
	}
	t = n ? fy_node_get_scalar_token(n) : NULL;
	m = t ? fy_token_start_mark(t) : NULL;

	*line = m ? m->line + 1 : 0;
	*col = m ? m->column + 1 : 0;
}

static void verr(struct loader *ld, int line, int col, const char *fmt,
		 va_list ap)
{
	fprintf(ld->errout, "%s:%d:%d: error: ", ld->name, line, col);
	vfprintf(ld->errout, fmt, ap);
	fputc('\n', ld->errout);
	ld->errors++;
}

__attribute__((format(printf, 3, 4)))
static void err_at(struct loader *ld, struct fy_node *n, const char *fmt, ...)
{
	va_list ap;
	int line, col;

	node_pos(n, &line, &col);
	va_start(ap, fmt);
	verr(ld, line, col, fmt, ap);
	va_end(ap);
}

/* an error found after the document is gone: at a remembered place */
__attribute__((format(printf, 4, 5)))
static void err_pos(struct loader *ld, int line, int col, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ld, line, col, fmt, ap);
	va_end(ap);
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

static bool valid_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '-' ||
		      s[n] == '_'))
			return false;
	}

	return n > 0;
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return false;
	}

	return true;
}

/* a path as written, or relative to the config file's folder */
static bool set_path(struct loader *ld, const struct key_def *k,
		     struct fy_node *val, const char *s, char *dst)
{
	if (s[0] == '/' || !ld->dir[0]) {
		if (strlen(s) >= k->size) {
			err_at(ld, val, "%s.%s is too long", k->section,
			       k->name);
			return false;
		}
		strcpy(dst, s);
	}
	else if ((size_t)snprintf(dst, k->size, "%s/%s", ld->dir, s) >=
		 k->size) {
		err_at(ld, val, "%s.%s is too long", k->section, k->name);
		return false;
	}

	return true;
}

/* auth.secret and auth.secret_file: one of them, once */
static bool secret_once(struct loader *ld, struct fy_node *val)
{
	if (ld->secret_seen) {
		err_at(ld, val, "auth.secret and auth.secret_file: set one, "
		       "not both");
		return false;
	}
	ld->secret_seen = true;

	return true;
}

static void set_secret(struct loader *ld, struct fy_node *val,
		       const uint8_t *secret, size_t len, const char *what)
{
	struct tes_conf *c = ld->c;

	if (len < TES_CONF_SECRET_MIN || len > TES_CONF_SECRET_MAX) {
		err_at(ld, val, "%s must be %d..%d bytes long, not %zu (make "
		       "one with: openssl rand -hex 32)", what,
		       TES_CONF_SECRET_MIN, TES_CONF_SECRET_MAX, len);
		return;
	}
	memcpy(c->auth_secret, secret, len);
	c->auth_secret_len = len;
}

/*
 * auth.secret_file: the key is the file's bytes without trailing line
 * breaks.  A file others may read is refused, like ssh refuses such keys.
 */
static void read_secret_file(struct loader *ld, struct fy_node *val,
			     const char *path)
{
	uint8_t buf[TES_CONF_SECRET_MAX + 3];
	struct stat st;
	size_t len;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		err_at(ld, val, "auth.secret_file %s: cannot open: %s", path,
		       strerror(errno));
		return;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		err_at(ld, val, "auth.secret_file %s is not a file", path);
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		err_at(ld, val, "auth.secret_file %s can be read or written "
		       "by other users: chmod o-rw it", path);
		goto out;
	}
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		err_at(ld, val, "auth.secret_file %s: cannot read", path);
		goto out;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	set_secret(ld, val, buf, len, "the secret in auth.secret_file");

 out:
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
}

static void set_value(struct loader *ld, void *base, const struct key_def *k,
		      struct fy_node *val)
{
	void *dst = (char *)base + k->off;
	const char *s;
	uint32_t u;

	if (!fy_node_is_scalar(val)) {
		err_at(ld, val, "%s.%s must be a scalar value", k->section,
		       k->name);
		return;
	}
	/* the document is not resolved: an alias's text is its anchor's
	 * name, and "dir: *d" quietly set the path "d" (as layouts.yaml,
	 * refuse them) */
	if (fy_node_get_style(val) == FYNS_ALIAS) {
		err_at(ld, val, "%s.%s: aliases (*name) are not supported",
		       k->section, k->name);
		return;
	}
	s = fy_node_get_scalar0(val);
	if (!s) {
		err_at(ld, val, "%s.%s: out of memory", k->section, k->name);
		return;
	}

	switch (k->type) {

	case KEY_U8:
	case KEY_U16:
	case KEY_U32:
		if (!parse_u32(s, &u) || u < k->min || u > k->max) {
			err_at(ld, val, "%s.%s must be an integer in %u..%u, "
			       "not \"%s\"", k->section, k->name, k->min,
			       k->max, s);
			return;
		}
		if (k->type == KEY_U8)
			*(uint8_t *)dst = (uint8_t)u;
		else if (k->type == KEY_U16)
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
		set_path(ld, k, val, s, dst);
		break;

	case KEY_SECRET:
		if (secret_once(ld, val))
			set_secret(ld, val, (const uint8_t *)s, strlen(s),
				   "auth.secret");
		break;

	case KEY_SECRET_FILE:
		if (secret_once(ld, val) && set_path(ld, k, val, s, dst))
			read_secret_file(ld, val, dst);
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
		       "knows: echo, mix, sfu)", k->section, k->name, s);
		break;

	case KEY_ROOM_MODES:
	case KEY_SIP_AUTH:
		break; /* mappings: load_room_modes(), load_sip_auth() */

	case KEY_REALM:
		/* it goes in a quoted-string; sofia reads '*' as "the
		 * request's host" and ':' ends a password file field */
		if (!*s || strlen(s) >= k->size ||
		    strpbrk(s, "\"\\*:") || !printable_ascii(s)) {
			err_at(ld, val, "%s.%s must be 1..%zu printable ASCII "
			       "characters without \" \\ * :", k->section,
			       k->name, k->size - 1);
			return;
		}
		strcpy(dst, s);
		break;

	case KEY_NAME:
		if (!valid_name(s) || strlen(s) >= k->size) {
			err_at(ld, val, "%s.%s must be 1..%zu of A-Z a-z 0-9 - "
			       "_, not \"%s\"", k->section, k->name,
			       k->size - 1, s);
			return;
		}
		strcpy(dst, s);
		break;

	case KEY_BOOL:
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
			*(bool *)dst = true;
		else if (!strcmp(s, "false") || !strcmp(s, "no") ||
			 !strcmp(s, "off"))
			*(bool *)dst = false;
		else
			err_at(ld, val, "%s.%s must be true or false, not "
			       "\"%s\"", k->section, k->name, s);
		break;

	case KEY_RECFMT:
		if (strcmp(s, "webm") && strcmp(s, "mkv") && strcmp(s, "mp4")) {
			err_at(ld, val, "%s.%s must be webm, mkv or mp4, not "
			       "\"%s\"", k->section, k->name, s);
			return;
		}
		strcpy(dst, s);
		break;

	case KEY_SRTP:
		if (strcmp(s, "off") && strcmp(s, "optional") &&
		    strcmp(s, "mandatory")) {
			err_at(ld, val, "%s.%s must be off, optional or "
			       "mandatory, not \"%s\"", k->section, k->name, s);
			return;
		}
		strcpy(dst, s);
		break;

	case KEY_CODEC:
		if (strcasecmp(s, "VP8") && strcasecmp(s, "H264")) {
			err_at(ld, val, "%s.%s must be VP8 or H264, not \"%s\"",
			       k->section, k->name, s);
			return;
		}
		strcpy(dst, !strcasecmp(s, "VP8") ? "VP8" : "H264");
		break;
	}
}

static bool room_name_ok(const char *s)
{
	return valid_name(s) && strlen(s) <= TES_CONF_ROOM_MAX;
}

/* rooms.modes: {room: mode, ...} */
static void load_room_modes(struct loader *ld, struct fy_node *map)
{
	struct tes_conf *c = ld->c;
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(map) != FYNT_MAPPING) {
		err_at(ld, map, "rooms.modes must be a mapping of room names "
		       "to modes");
		return;
	}
	c->n_room_modes = 0; /* the file's list replaces the built-in one */
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		const char *room = kn ? fy_node_get_scalar0(kn) : NULL;
		static const struct key_def mode_key = {
			"rooms", "modes", KEY_MODE,
			offsetof(struct tes_conf_room_mode, mode),
			sizeof(((struct tes_conf_room_mode *)0)->mode), 0, 0};
		struct tes_conf_room_mode *rm;
		int before = ld->errors;

		if (!room || !room_name_ok(room)) {
			err_at(ld, kn, "rooms.modes: a room name is 1..%d of A-Z "
			       "a-z 0-9 - _, not \"%s\"", TES_CONF_ROOM_MAX,
			       room ? room : "?");
			continue;
		}
		if (c->n_room_modes == TES_CONF_MAX_ROOM_MODES) {
			err_at(ld, kn, "rooms.modes: more than %d rooms",
			       TES_CONF_MAX_ROOM_MODES);
			return;
		}
		rm = &c->room_modes[c->n_room_modes];
		memset(rm, 0, sizeof(*rm));
		strcpy(rm->room, room);
		set_value(ld, rm, &mode_key, fy_node_pair_value(p));
		if (ld->errors == before)
			c->n_room_modes++;
	}
}

/* sip.auth: {room: password file, ...}; the files are read once the
 * whole document (and so sip.realm) is known: check_sip_auth() */
static void load_sip_auth(struct loader *ld, struct fy_node *map)
{
	static const struct key_def file_key = {
		"sip", "auth", KEY_PATH,
		offsetof(struct tes_conf_sip_auth, file),
		sizeof(((struct tes_conf_sip_auth *)0)->file), 0, 0};
	struct tes_conf *c = ld->c;
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(map) != FYNT_MAPPING) {
		err_at(ld, map, "sip.auth must be a mapping of room names to "
		       "password files");
		return;
	}
	c->n_sip_auth = 0; /* the file's list replaces any earlier one */
	ld->auth_seen = true;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		struct fy_node *vn = fy_node_pair_value(p);
		const char *room = kn ? fy_node_get_scalar0(kn) : NULL;
		const char *file;
		struct tes_conf_sip_auth *a;

		if (!room || !room_name_ok(room)) {
			err_at(ld, kn, "sip.auth: a room name is 1..%d of A-Z "
			       "a-z 0-9 - _, not \"%s\"", TES_CONF_ROOM_MAX,
			       room ? room : "?");
			continue;
		}
		if (c->n_sip_auth == TES_CONF_MAX_SIP_AUTH) {
			err_at(ld, kn, "sip.auth: more than %d rooms",
			       TES_CONF_MAX_SIP_AUTH);
			return;
		}
		if (!vn || !fy_node_is_scalar(vn) ||
		    fy_node_get_style(vn) == FYNS_ALIAS ||
		    !(file = fy_node_get_scalar0(vn)) || !*file) {
			err_at(ld, kn, "sip.auth: room %s needs the "
			       "path of a password file", room);
			continue;
		}
		a = &c->sip_auth[c->n_sip_auth];
		memset(a, 0, sizeof(*a));
		strcpy(a->room, room);
		if (!set_path(ld, &file_key, vn, file, a->file))
			continue;
		node_pos(vn, &ld->auth_line[c->n_sip_auth],
			 &ld->auth_col[c->n_sip_auth]);
		c->n_sip_auth++;
	}
}

const char *tes_conf_sip_auth_file(const struct tes_conf *c,
				   const char *room)
{
	for (size_t i = 0; i < c->n_sip_auth; i++) {
		if (!strcmp(c->sip_auth[i].room, room))
			return c->sip_auth[i].file;
	}

	return NULL;
}

const char *tes_conf_room_mode(const struct tes_conf *c, const char *room)
{
	for (size_t i = 0; i < c->n_room_modes; i++) {
		if (!strcmp(c->room_modes[i].room, room))
			return c->room_modes[i].mode;
	}

	return c->default_mode;
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
		if (k->type == KEY_ROOM_MODES)
			load_room_modes(ld, fy_node_pair_value(p));
		else if (k->type == KEY_SIP_AUTH)
			load_sip_auth(ld, fy_node_pair_value(p));
		else
			set_value(ld, ld->c, k, fy_node_pair_value(p));
	}
}

static void load_profile(struct loader *ld, struct fy_node *map)
{
	struct tes_conf *c = ld->c;
	struct tes_conf_profile *pr;
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(map) != FYNT_MAPPING) {
		err_at(ld, map, "each profile must be a mapping");
		return;
	}
	if (c->n_profiles == TES_CONF_MAX_PROFILES) {
		err_at(ld, map, "more than %d profiles", TES_CONF_MAX_PROFILES);
		return;
	}

	pr = &c->profiles[c->n_profiles];
	*pr = (struct tes_conf_profile){
		.codec = "VP8", .width = 1280, .height = 720, .fps = 30,
		.bitrate_kbps = 1500, .cpu_used = 6, .packetization_mode = 1,
	};

	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);
		const char *name = kn ? fy_node_get_scalar0(kn) : NULL;
		const struct key_def *k = NULL;

		for (size_t i = 0; name && i < TES_ARRAY_SIZE(profile_keys);
		     i++) {
			if (!strcmp(profile_keys[i].name, name))
				k = &profile_keys[i];
		}
		if (!k) {
			err_at(ld, kn, "unknown profile key \"%s\" (known: "
			       "name, codec, width, height, fps, "
			       "bitrate_kbps, cpu_used, packetization_mode)",
			       name ? name : "?");
			continue;
		}
		set_value(ld, pr, k, fy_node_pair_value(p));
	}

	if (!pr->name[0]) {
		err_at(ld, map, "profile without a name");
		return;
	}
	if ((pr->width | pr->height) & 1) {
		err_at(ld, map, "profile %s: width and height must be even",
		       pr->name);
		return;
	}
	if (!pr->packetization_mode && strcmp(pr->codec, "H264")) {
		err_at(ld, map, "profile %s: packetization_mode 0 is for H264 "
		       "profiles", pr->name);
		return;
	}
	for (size_t i = 0; i < c->n_profiles; i++) {
		if (!strcmp(c->profiles[i].name, pr->name)) {
			err_at(ld, map, "profile %s defined twice", pr->name);
			return;
		}
	}
	c->n_profiles++;
}

static void load_profiles(struct loader *ld, struct fy_node *seq)
{
	struct fy_node *n;
	void *it = NULL;

	if (fy_node_get_type(seq) != FYNT_SEQUENCE) {
		err_at(ld, seq, "profiles must be a list of mappings");
		return;
	}

	/* a profiles list in the file replaces the built-in one */
	ld->c->n_profiles = 0;
	while ((n = fy_node_sequence_iterate(seq, &it)))
		load_profile(ld, n);
	if (!ld->c->n_profiles)
		err_at(ld, seq, "profiles: at least one profile is needed");
}

/* automatic recordings: recording.profile names a profile, and
 * recording.format can hold its codec */
static void check_recording(struct loader *ld)
{
	const struct tes_conf *c = ld->c;
	const struct tes_conf_profile *pr = c->n_profiles ? &c->profiles[0]
							  : NULL;
	bool h264;

	if (!c->auto_record)
		return;
	if (c->recording_profile[0]) {
		pr = NULL;
		for (size_t i = 0; i < c->n_profiles; i++) {
			if (!strcmp(c->profiles[i].name, c->recording_profile))
				pr = &c->profiles[i];
		}
		if (!pr) {
			fprintf(ld->errout, "%s: error: recording.profile: no "
				"profile \"%s\"\n", ld->name,
				c->recording_profile);
			ld->errors++;
			return;
		}
	}
	if (!pr)
		return;
	h264 = !strcasecmp(pr->codec, "H264");
	if ((h264 && !strcmp(c->recording_format, "webm")) ||
	    (!h264 && !strcmp(c->recording_format, "mp4"))) {
		fprintf(ld->errout, "%s: error: recording.format %s cannot hold "
			"%s (profile %s)\n", ld->name, c->recording_format,
			pr->codec, pr->name);
		ld->errors++;
	}
}

/* tokens need a key to check them with */
static void check_auth(struct loader *ld)
{
	if (ld->c->auth_required && !ld->c->auth_secret_len &&
	    !ld->secret_seen) {
		fprintf(ld->errout, "%s: error: auth.required needs "
			"auth.secret or auth.secret_file\n", ld->name);
		ld->errors++;
	}
}

/* a SIP call takes a port pair per m-line: the range must hold one */
static void check_sip(struct loader *ld)
{
	const struct tes_conf *c = ld->c;

	if (c->sip_rtp_port_max < c->sip_rtp_port_min + 3) {
		fprintf(ld->errout, "%s: error: sip.rtp_port_max (%u) must be "
			"at least sip.rtp_port_min + 3 (%u)\n", ld->name,
			c->sip_rtp_port_max, c->sip_rtp_port_min + 3);
		ld->errors++;
	}
	/* each password file as sofia-sip will read it, with sip.realm */
	for (size_t i = 0; ld->auth_seen && i < c->n_sip_auth; i++) {
		char why[160];

		if (tes_conf_passwd_check(c->sip_auth[i].file, c->sip_realm,
					  why, sizeof(why)) < 0)
			err_pos(ld, ld->auth_line[i], ld->auth_col[i],
				"sip.auth: room %s: %s %s", c->sip_auth[i].room,
				c->sip_auth[i].file, why);
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

		if (name && !strcmp(name, "profiles")) {
			load_profiles(ld, fy_node_pair_value(p));
			continue;
		}
		for (size_t i = 0; name && i < TES_ARRAY_SIZE(keys); i++)
			known |= !strcmp(keys[i].section, name);
		if (!known) {
			err_at(ld, kn, "unknown section \"%s\" (known: log, "
			       "http, auth, sip, media, ice, rooms, "
			       "mixer, recording, profiles)", name ? name : "?");
			continue;
		}
		load_section(ld, name, fy_node_pair_value(p));
	}
}

static int load_doc(struct loader *ld, const char *text, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg = {.flags = FYPCF_DEFAULT_DOC};
	struct fy_document *doc;
	struct fy_diag *diag;
	int line, col, err;

	err = tes_yaml_text_check(text, len, &line, &col);
	if (err) {
		fprintf(ld->errout, "%s:%d:%d: error: %s\n", ld->name, line, col,
			tes_yaml_text_strerror(err));
		return ++ld->errors;
	}

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = ld->errout;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	pcfg.diag = diag;

	doc = fy_document_build_from_string(&pcfg, text, len);
	if (!doc) {
		fprintf(ld->errout, "%s: error: not valid YAML (see above)\n",
			ld->name);
		ld->errors++;
	}
	else {
		load_root(ld, fy_document_root(doc));
		fy_document_destroy(doc);
		check_recording(ld);
		check_auth(ld);
		check_sip(ld);
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
	c->http_rate_per_s = 50;
	c->http_rate_burst = 200;
	c->auth_clock_skew_s = 5;
	strcpy(c->sip_listen, "127.0.0.1");
	c->sip_port = 5060;
	c->sip_rtp_port_min = 20000;
	c->sip_rtp_port_max = 20999;
	strcpy(c->sip_srtp, "optional");
	c->sip_media_timeout_s = 30;
	strcpy(c->sip_realm, "tessera");
	strcpy(c->media_listen, "127.0.0.1");
	c->media_port = 40000;
	strcpy(c->media_announce, "127.0.0.1");
	c->consent_timeout_ms = 20000;
	c->connect_timeout_ms = 30000;
	strcpy(c->default_mode, "mix");
	c->max_rooms = 1000;
	c->max_participants = 64;
	c->mix_max_participants = 0;
	c->fallback_missed_pct = 25;
	c->fallback_after_s = 5;
	c->fallback_retry_s = 30;
	c->mixer_threads = 0;
	c->audio_speakers = 3;
	c->placeholder_after_ms = 3000;
	strcpy(c->layouts_file, "conf/layouts.yaml");
	strcpy(c->recording_dir, "recordings");
	strcpy(c->recording_format, "webm");
	c->recordings_max = 4;
	strcpy(c->default_layout, "auto");
	c->profiles[0] = (struct tes_conf_profile){
		"vp8-720p", "VP8", 1280, 720, 30, 1500, 6, 1};
	c->profiles[1] = (struct tes_conf_profile){
		"h264-720p", "H264", 1280, 720, 30, 1500, 0, 1};
	c->profiles[2] = (struct tes_conf_profile){
		"h264-720p-sip", "H264", 1280, 720, 30, 1000, 0, 0};
	c->profiles[3] = (struct tes_conf_profile){
		"vp8-360p", "VP8", 640, 360, 30, 500, 8, 1};
	c->profiles[4] = (struct tes_conf_profile){
		"h264-360p-sip", "H264", 640, 360, 30, 500, 0, 0};
	c->n_profiles = 5;
}

int tes_conf_load(struct tes_conf *c, const char *path, FILE *errout)
{
	struct loader ld = {.c = c, .name = path, .errout = errout};
	const char *slash = strrchr(path, '/');
	char *text = NULL;
	long len;
	int err;
	FILE *f;

	/* fail early and plainly when the file cannot be read */
	f = fopen(path, "r");
	if (!f) {
		err = errno;
		fprintf(errout, "%s: error: cannot open: %s\n", path,
			strerror(err));
		return -err;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    len > MAX_FILE || fseek(f, 0, SEEK_SET) ||
	    !(text = malloc((size_t)len + 1)) ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		fprintf(errout, "%s: error: cannot read (or larger than %d "
			"bytes)\n", path, MAX_FILE);
		fclose(f);
		free(text);
		return -EIO;
	}
	fclose(f);

	if (slash && (size_t)(slash - path) < sizeof(ld.dir))
		memcpy(ld.dir, path, (size_t)(slash - path));
	else if (!slash)
		strcpy(ld.dir, ".");

	err = load_doc(&ld, text, (size_t)len);
	free(text);

	return err;
}

int tes_conf_load_string(struct tes_conf *c, const char *name,
			 const char *text, size_t len, FILE *errout)
{
	struct loader ld = {.c = c, .name = name, .errout = errout};

	return load_doc(&ld, text, len);
}
