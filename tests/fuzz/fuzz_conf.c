/**
 * @file fuzz_conf.c  libFuzzer harness for the YAML configuration loader
 * (tes_conf_load_string).
 *
 * Any input must load or be refused without memory errors or leaks, and
 * the harness aborts when one of these breaks:
 *  - the number returned is the number of error lines the loader printed
 *    (every one starts with the file name);
 *  - a configuration loaded without errors keeps the loader's rules
 *    (ranges, even sizes, known names, unique profiles);
 *  - written back as YAML (every key, double-quoted) and loaded over the
 *    defaults, it loads without errors and gives the same configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "fyaml_leak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a byte no valid UTF-8 holds: only the loader's own error lines can
 * start with this name, never a value quoted in a message */
static const char NAME[] = "fuzz\xff.yaml";

static const char *const levels[] = {"error", "warn", "info", "debug"};

/* error lines: those that start with NAME and a colon */
static int count_errors(const char *out, size_t len)
{
	size_t n = strlen(NAME);
	int count = 0;

	for (size_t i = 0; i < len; i++) {
		if ((!i || out[i - 1] == '\n') && len - i > n &&
		    !memcmp(out + i, NAME, n) && out[i + n] == ':')
			count++;
	}

	return count;
}

/* a double-quoted YAML scalar: printable ASCII as is, the rest escaped;
 * false when s is not valid UTF-8 (it cannot be written back) */
static bool put_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int line, col;

	if (tes_text_check(s, strlen(s), &line, &col))
		return false;

	fputc('"', f);
	while (*p) {
		uint32_t cp = *p;
		size_t n = 1;

		if (cp >= 0x80) {
			n = cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
			cp &= 0x7fu >> n;
			for (size_t i = 1; i < n; i++)
				cp = cp << 6 | (p[i] & 0x3fu);
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp >= 0x20 && cp < 0x7f)
			fputc((int)cp, f);
		else if (cp < 0x100)
			fprintf(f, "\\x%02x", (unsigned)cp);
		else if (cp < 0x10000)
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fprintf(f, "\\U%08x", (unsigned)cp);
		p += n;
	}
	fputc('"', f);

	return true;
}

/* "  key: value\n" with a string value; ok turns false when it cannot */
static void put_key(FILE *f, const char *indent, const char *key,
		    const char *val, bool *ok)
{
	fprintf(f, "%s%s: ", indent, key);
	*ok &= put_str(f, val);
	fputc('\n', f);
}

static void put_num(FILE *f, const char *indent, const char *key,
		    unsigned long v)
{
	fprintf(f, "%s%s: \"%lu\"\n", indent, key, v);
}

/* c as a YAML document that sets every key; false when it cannot */
static bool write_yaml(const struct tes_conf *c, FILE *f)
{
	const char *ind = "  ";
	bool ok = true;

	if ((unsigned)c->log_level >= TES_ARRAY_SIZE(levels))
		abort();
	fprintf(f, "log:\n");
	put_key(f, ind, "level", levels[c->log_level], &ok);
	fprintf(f, "http:\n");
	put_key(f, ind, "listen", c->http_listen, &ok);
	put_num(f, ind, "port", c->http_port);
	put_key(f, ind, "web_root", c->web_root, &ok);
	put_num(f, ind, "max_body", c->http_max_body);
	fprintf(f, "media:\n");
	put_key(f, ind, "listen", c->media_listen, &ok);
	put_num(f, ind, "port", c->media_port);
	put_key(f, ind, "announce", c->media_announce, &ok);
	fprintf(f, "ice:\n");
	put_num(f, ind, "consent_timeout_ms", c->consent_timeout_ms);
	put_num(f, ind, "connect_timeout_ms", c->connect_timeout_ms);
	fprintf(f, "rooms:\n");
	put_key(f, ind, "default_mode", c->default_mode, &ok);
	put_num(f, ind, "max_rooms", c->max_rooms);
	put_num(f, ind, "max_participants", c->max_participants);
	put_key(f, ind, "auto_record", c->auto_record ? "true" : "false", &ok);
	fprintf(f, "mixer:\n");
	put_num(f, ind, "threads", c->mixer_threads);
	put_num(f, ind, "audio_speakers", c->audio_speakers);
	put_num(f, ind, "placeholder_after_ms", c->placeholder_after_ms);
	put_key(f, ind, "layouts", c->layouts_file, &ok);
	put_key(f, ind, "default_layout", c->default_layout, &ok);
	fprintf(f, "recording:\n");
	put_key(f, ind, "dir", c->recording_dir, &ok);
	if (c->recording_profile[0])
		put_key(f, ind, "profile", c->recording_profile, &ok);
	put_key(f, ind, "format", c->recording_format, &ok);
	put_num(f, ind, "max_per_room", c->recordings_max);
	fprintf(f, "profiles:\n");
	for (size_t i = 0; i < c->n_profiles; i++) {
		const struct tes_conf_profile *p = &c->profiles[i];

		put_key(f, "  - ", "name", p->name, &ok);
		put_key(f, "    ", "codec", p->codec, &ok);
		put_num(f, "    ", "width", p->width);
		put_num(f, "    ", "height", p->height);
		put_num(f, "    ", "fps", p->fps);
		put_num(f, "    ", "bitrate_kbps", p->bitrate_kbps);
		put_num(f, "    ", "cpu_used", p->cpu_used);
		put_num(f, "    ", "packetization_mode",
			p->packetization_mode);
	}

	return ok;
}

static bool same_profile(const struct tes_conf_profile *a,
			 const struct tes_conf_profile *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->codec, b->codec) &&
	       a->width == b->width && a->height == b->height &&
	       a->fps == b->fps && a->bitrate_kbps == b->bitrate_kbps &&
	       a->cpu_used == b->cpu_used &&
	       a->packetization_mode == b->packetization_mode;
}

static bool same_conf(const struct tes_conf *a, const struct tes_conf *b)
{
	if (a->log_level != b->log_level ||
	    strcmp(a->http_listen, b->http_listen) ||
	    a->http_port != b->http_port || strcmp(a->web_root, b->web_root) ||
	    a->http_max_body != b->http_max_body ||
	    strcmp(a->media_listen, b->media_listen) ||
	    a->media_port != b->media_port ||
	    strcmp(a->media_announce, b->media_announce) ||
	    a->consent_timeout_ms != b->consent_timeout_ms ||
	    a->connect_timeout_ms != b->connect_timeout_ms ||
	    strcmp(a->default_mode, b->default_mode) ||
	    a->max_rooms != b->max_rooms ||
	    a->max_participants != b->max_participants ||
	    a->mixer_threads != b->mixer_threads ||
	    a->audio_speakers != b->audio_speakers ||
	    a->placeholder_after_ms != b->placeholder_after_ms ||
	    strcmp(a->layouts_file, b->layouts_file) ||
	    strcmp(a->default_layout, b->default_layout) ||
	    strcmp(a->recording_dir, b->recording_dir) ||
	    a->recordings_max != b->recordings_max ||
	    a->auto_record != b->auto_record ||
	    strcmp(a->recording_profile, b->recording_profile) ||
	    strcmp(a->recording_format, b->recording_format) ||
	    a->n_profiles != b->n_profiles)
		return false;

	for (size_t i = 0; i < a->n_profiles; i++) {
		if (!same_profile(&a->profiles[i], &b->profiles[i]))
			return false;
	}

	return true;
}

static bool in(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi;
}

/* what a configuration that loaded without errors always holds */
static void check_valid(const struct tes_conf *c)
{
	if (!c->http_port || !c->media_port ||
	    !in(c->http_max_body, 1024, 16u << 20) ||
	    !in(c->consent_timeout_ms, 1000, 600000) ||
	    !in(c->connect_timeout_ms, 1000, 600000) ||
	    !in(c->max_rooms, 1, 100000) ||
	    !in(c->max_participants, 1, 256) || c->mixer_threads > 64 ||
	    !in(c->audio_speakers, 1, 8) ||
	    !in(c->placeholder_after_ms, 100, 600000) ||
	    !in(c->recordings_max, 1, 16))
		abort();
	if (strcmp(c->default_mode, "mix") && strcmp(c->default_mode, "echo"))
		abort();
	if (strcmp(c->recording_format, "webm") &&
	    strcmp(c->recording_format, "mkv") &&
	    strcmp(c->recording_format, "mp4"))
		abort();
	if (!in((uint32_t)c->n_profiles, 1, TES_CONF_MAX_PROFILES))
		abort();

	for (size_t i = 0; i < c->n_profiles; i++) {
		const struct tes_conf_profile *p = &c->profiles[i];

		if (!p->name[0] || ((p->width | p->height) & 1) ||
		    !in(p->width, 16, 3840) || !in(p->height, 16, 2160) ||
		    !in(p->fps, 1, 60) || !in(p->bitrate_kbps, 30, 50000) ||
		    p->cpu_used > 16)
			abort();
		if (strcmp(p->codec, "VP8") && strcmp(p->codec, "H264"))
			abort();
		/* mode 0 is H.264's; VP8 keeps the default */
		if (p->packetization_mode > 1 ||
		    (!p->packetization_mode && strcmp(p->codec, "H264")))
			abort();
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(c->profiles[j].name, p->name))
				abort();
		}
	}

	/* automatic recordings: a profile that exists, a format for it */
	if (c->auto_record) {
		const struct tes_conf_profile *p = &c->profiles[0];
		bool h264;

		for (size_t i = 0; c->recording_profile[0] &&
				   i < c->n_profiles; i++) {
			if (!strcmp(c->profiles[i].name, c->recording_profile))
				p = &c->profiles[i];
		}
		if (c->recording_profile[0] &&
		    strcmp(p->name, c->recording_profile))
			abort();
		h264 = !strcmp(p->codec, "H264");
		if (!strcmp(c->recording_format, h264 ? "webm" : "mp4"))
			abort();
	}
}

/* write c back as YAML and load that over the defaults: same result */
static void check_round_trip(const struct tes_conf *c, FILE *devnull)
{
	static struct tes_conf back;
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);
	bool ok;

	if (!f)
		return;
	ok = write_yaml(c, f);
	if (fclose(f) || !ok) {
		free(yaml);
		return;
	}

	tes_conf_defaults(&back);
	if (tes_conf_load_string(&back, NAME, yaml, len, devnull) ||
	    !same_conf(c, &back))
		abort();
	free(yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static struct tes_conf c;
	char *out = NULL;
	size_t out_len = 0;
	FILE *errout;
	int n;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	errout = open_memstream(&out, &out_len);
	if (!devnull || !errout)
		abort();

	tes_conf_defaults(&c);
	n = tes_conf_load_string(&c, NAME, (const char *)data, size, errout);
	if (fclose(errout))
		abort();
	if (n < 0 || count_errors(out, out_len) != n)
		abort();
	free(out);

	if (n)
		return 0;
	check_valid(&c);
	check_round_trip(&c, devnull);

	return 0;
}
