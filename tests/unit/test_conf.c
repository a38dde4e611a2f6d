/**
 * @file test_conf.c  Configuration loading: defaults, the shipped file,
 * and errors reported with their line.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "test.h"

static int load(struct tes_conf *c, const char *yaml, char *errbuf,
		size_t errlen)
{
	FILE *f = fmemopen(errbuf, errlen, "w");
	int n;

	if (!f)
		return -1;
	tes_conf_defaults(c);
	n = tes_conf_load_string(c, "test.yaml", yaml, strlen(yaml), f);
	fclose(f);

	return n;
}

TES_TEST(conf_shipped_file_is_valid)
{
	struct tes_conf c;

	tes_conf_defaults(&c);
	TEST_EQ(tes_conf_load(&c, TES_SOURCE_DIR "/conf/tessera.yaml",
			      stderr), 0);
	TEST_EQ(c.http_port, 8080);
	TEST_EQ(c.media_port, 40000);
	TEST_STREQ(c.media_announce, "127.0.0.1");
	TEST_STREQ(c.default_mode, "mix");
	TEST_EQ(c.n_profiles, 5);
	TEST_STREQ(c.profiles[0].name, "vp8-720p");
	TEST_STREQ(c.profiles[2].name, "h264-720p-sip");
	TEST_EQ(c.profiles[2].packetization_mode, 0);
	TEST_EQ(c.profiles[1].packetization_mode, 1);
	TEST_EQ(c.profiles[3].width, 640);
	TEST_STREQ(c.profiles[4].name, "h264-360p-sip");
	TEST_EQ(c.profiles[4].packetization_mode, 0);
	TEST_ASSERT(c.sip_enabled);
	TEST_EQ(c.sip_port, 5060);
	TEST_STREQ(c.sip_srtp, "optional");
	TEST_STREQ(c.layouts_file, TES_SOURCE_DIR "/conf/layouts.yaml");
	/* relative web_root resolves against the config file's folder */
	TEST_STREQ(c.web_root, TES_SOURCE_DIR "/conf/../web");

	return 0;
}

TES_TEST(conf_values)
{
	struct tes_conf c;
	char err[1024] = "";

	TEST_EQ(load(&c, "http:\n  port: 9000\nmedia:\n  announce: ::1\n"
		     "log:\n  level: debug\n", err, sizeof(err)), 0);
	TEST_EQ(c.http_port, 9000);
	TEST_STREQ(c.media_announce, "::1");
	TEST_EQ(c.log_level, TES_LOG_DEBUG);
	TEST_EQ(c.media_port, 40000); /* untouched default */

	return 0;
}

TES_TEST(conf_errors_have_lines)
{
	struct tes_conf c;
	char err[2048] = "";

	/* three independent errors, all reported in one pass */
	TEST_EQ(load(&c, "http:\n  port: 70000\n  colour: blue\n"
		     "media:\n  listen: not-an-ip\n", err, sizeof(err)), 3);
	TEST_ASSERT(strstr(err, "test.yaml:2:9: error: http.port must be"));
	TEST_ASSERT(strstr(err, "test.yaml:3:3: error: unknown key "
			   "\"http.colour\""));
	TEST_ASSERT(strstr(err, "test.yaml:5:11: error: media.listen"));

	return 0;
}

TES_TEST(conf_bad_section_and_types)
{
	struct tes_conf c;
	char err[2048] = "";

	TEST_EQ(load(&c, "video:\n  fps: 30\nrooms:\n  default_mode: party\n"
		     "ice: [1, 2]\n", err, sizeof(err)), 3);
	TEST_ASSERT(strstr(err, "unknown section \"video\""));
	TEST_ASSERT(strstr(err, "unknown room mode \"party\""));
	TEST_ASSERT(strstr(err, "section \"ice\" must be a mapping"));

	return 0;
}

TES_TEST(conf_aliases_refused)
{
	struct tes_conf c;
	char err[2048] = "";

	/* an unresolved alias must not pass for a value named like it */
	TEST_EQ(load(&c, "media:\n  listen: &a 127.0.0.1\n  announce: *a\n"
		     "recording:\n  dir: *a\n", err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "test.yaml:3:"));
	TEST_ASSERT(strstr(err, "error: media.announce: aliases (*name) are "
			   "not supported"));
	TEST_ASSERT(strstr(err, "test.yaml:5:"));
	TEST_ASSERT(strstr(err, "error: recording.dir: aliases"));
	TEST_STREQ(c.recording_dir, "recordings");

	return 0;
}

TES_TEST(conf_invalid_yaml)
{
	struct tes_conf c;
	char err[2048] = "";

	TEST_ASSERT(load(&c, "http:\n  port: [1\n", err, sizeof(err)) > 0);
	TEST_ASSERT(strstr(err, "not valid YAML"));

	return 0;
}

TES_TEST(conf_missing_file)
{
	struct tes_conf c;
	char err[512] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");

	tes_conf_defaults(&c);
	TEST_EQ(tes_conf_load(&c, "/nonexistent/tessera.yaml", f), -ENOENT);
	fclose(f);
	TEST_ASSERT(strstr(err, "cannot open"));

	return 0;
}

TES_TEST(conf_profiles)
{
	struct tes_conf c;
	char err[2048] = "";

	TEST_EQ(load(&c, "profiles:\n  - name: small\n    codec: h264\n"
		     "    width: 320\n    height: 180\n", err, sizeof(err)), 0);
	TEST_EQ(c.n_profiles, 1);
	TEST_STREQ(c.profiles[0].codec, "H264");
	TEST_EQ(c.profiles[0].fps, 30); /* default */
	TEST_EQ(c.profiles[0].packetization_mode, 1);

	TEST_EQ(load(&c, "profiles:\n  - name: sip\n    codec: H264\n"
		     "    packetization_mode: 0\n", err, sizeof(err)), 0);
	TEST_EQ(c.profiles[0].packetization_mode, 0);
	TEST_EQ(load(&c, "profiles:\n  - name: v\n    packetization_mode: 0"
		     "\n  - name: h\n    codec: H264\n"
		     "    packetization_mode: 2\n", err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "profile v: packetization_mode 0 is for "
			   "H264 profiles"));
	TEST_ASSERT(strstr(err, "test.yaml:6:25: error: "
			   "profiles.packetization_mode must be an integer "
			   "in 0..1"));

	TEST_EQ(load(&c, "profiles:\n  - name: a\n    codec: AV1\n"
		     "  - name: a\n  - codec: VP8\n  - name: b\n    width: 321\n"
		     "    colour: red\n", err, sizeof(err)), 5);
	TEST_ASSERT(strstr(err, "test.yaml:3:12: error: profiles.codec must "
			   "be VP8 or H264"));
	TEST_ASSERT(strstr(err, "profile a defined twice"));
	TEST_ASSERT(strstr(err, "profile without a name"));
	TEST_ASSERT(strstr(err, "width and height must be even"));
	TEST_ASSERT(strstr(err, "test.yaml:8:5: error: unknown profile key"));

	return 0;
}

TES_TEST(conf_invalid_utf8)
{
	struct tes_conf c;
	char err[512] = "";

	/* libfyaml 0.7 loops forever on this: it must never get it */
	TEST_EQ(load(&c, "log:\n  level: %\xff\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:2:11: error: not valid UTF-8"));

	return 0;
}

/* explicit keys never reach libfyaml 0.7.12, which crashes on some; a
 * '?' anywhere else is an ordinary character */
TES_TEST(conf_explicit_key_refused)
{
	static const char *const refused[] = {
		"? a:\t :\n",                       /* the crash itself */
		"sip:\n  ? listen\n  : 127.0.0.1\n",
		"log:\n  - ? a:\t :\n",
		"log:\n  -\t- ?\n",
		"log:\n  ?\r\n",
		"\r? dir-\t-\t-:\t-\t",   /* CR alone breaks a line */
		"log:\xc2\x85? a:\t :",      /* and so do NEL, LS, PS */
		"log:\xe2\x80\xa8 ? a:\t :",
		"\xef\xbb\xbf? a:\t :\n",     /* after a byte order mark */
	};
	static const int cols[] = {1, 3, 5, 7, 3, 1, 1, 2, 1};
	static const int lines[] = {1, 2, 2, 2, 2, 2, 2, 2, 1};
	struct tes_conf c;
	char err[512], want[64];

	for (size_t i = 0; i < TES_ARRAY_SIZE(refused); i++) {
		memset(err, 0, sizeof(err));
		TEST_EQ(load(&c, refused[i], err, sizeof(err)), 1);
		snprintf(want, sizeof(want), "test.yaml:%d:%d: error: explicit",
			 lines[i], cols[i]);
		TEST_ASSERT(strstr(err, want));
	}

	/* the input fuzz_conf found, kept in its corpus */
	{
		static const char CRASH[] = "sip:\n \n ? asip:\n \n ? a   :  :\n"
					    " \n ? ap:\t    :  :\n \n ? ap:\n";

		memset(err, 0, sizeof(err));
		TEST_EQ(load(&c, CRASH, err, sizeof(err)), 1);
		TEST_ASSERT(strstr(err, "test.yaml:3:2: error: explicit"));
	}

	memset(err, 0, sizeof(err));
	TEST_OK(load(&c, "log:\n  level: debug # why? because\n"
		     "sip:\n  realm: ?x\n"
		     "http:\n  web_root: \"? b\"\n", err, sizeof(err)));
	TEST_ASSERT(!strcmp(c.sip_realm, "?x"));
	TEST_ASSERT(!strcmp(c.web_root, "? b"));

	return 0;
}

/* rooms.auto_record and the recording keys it uses */
TES_TEST(conf_auto_record)
{
	struct tes_conf c;
	char err[1024];

	tes_conf_defaults(&c);
	TEST_OK(load(&c, "rooms:\n  auto_record: true\nrecording:\n"
		     "  profile: h264-720p\n  format: mkv\n", err,
		     sizeof(err)));
	TEST_ASSERT(c.auto_record);
	TEST_STREQ(c.recording_profile, "h264-720p");
	TEST_STREQ(c.recording_format, "mkv");

	tes_conf_defaults(&c);
	TEST_EQ(load(&c, "rooms:\n  auto_record: maybe\n", err, sizeof(err)),
		1);
	TEST_ASSERT(strstr(err, "must be true or false"));

	tes_conf_defaults(&c);
	TEST_EQ(load(&c, "recording:\n  format: avi\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "webm, mkv or mp4"));

	/* H.264 does not go in WebM; an unknown profile */
	tes_conf_defaults(&c);
	TEST_EQ(load(&c, "rooms:\n  auto_record: true\nrecording:\n"
		     "  profile: h264-720p\n  format: webm\n", err,
		     sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "cannot hold H264"));
	tes_conf_defaults(&c);
	TEST_EQ(load(&c, "rooms:\n  auto_record: true\nrecording:\n"
		     "  profile: nope\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "no profile \"nope\""));

	return 0;
}

/* rooms.modes (a room's own mode), mix_max_participants and the
 * overload fallback keys */
TES_TEST(conf_room_modes)
{
	struct tes_conf c;
	char err[1024];

	TEST_OK(load(&c, "rooms:\n  default_mode: mix\n  modes: {town-hall: "
		     "sfu, selftest: echo}\n  mix_max_participants: 9\n"
		     "mixer:\n  fallback_after_s: 0\n", err, sizeof(err)));
	TEST_EQ(c.n_room_modes, 2);
	TEST_STREQ(tes_conf_room_mode(&c, "town-hall"), "sfu");
	TEST_STREQ(tes_conf_room_mode(&c, "selftest"), "echo");
	TEST_STREQ(tes_conf_room_mode(&c, "other"), "mix");
	TEST_ASSERT(tes_conf_room_mode(&c, "other") == c.default_mode);
	TEST_EQ(c.mix_max_participants, 9);
	TEST_EQ(c.fallback_after_s, 0);
	TEST_EQ(c.fallback_missed_pct, 25); /* default */

	/* a bad mode and a bad name are both reported, with lines */
	TEST_EQ(load(&c, "rooms:\n  modes:\n    a: sfu\n    b: fast\n"
		     "    \"bad name\": mix\n", err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "test.yaml:4:8: error: rooms.modes: unknown "
			   "room mode \"fast\""));
	TEST_ASSERT(strstr(err, "test.yaml:5:6: error: rooms.modes: a room "
			   "name"));
	TEST_EQ(c.n_room_modes, 1);
	TEST_STREQ(tes_conf_room_mode(&c, "a"), "sfu");

	TEST_EQ(load(&c, "rooms:\n  modes: [a, b]\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "must be a mapping"));
	TEST_EQ(load(&c, "mixer:\n  fallback_missed_pct: 0\n", err,
		     sizeof(err)), 1);

	return 0;
}

/* auth.* and the HTTP limits */
TES_TEST(conf_auth)
{
	static const char SECRET[] = "0123456789abcdef0123456789abcdef";
	char err[1024], path[] = "/tmp/tes_secret_XXXXXX", yaml[256];
	struct tes_conf c;
	FILE *f;
	int fd;

	/* the defaults: open, limits that a page never meets */
	tes_conf_defaults(&c);
	TEST_ASSERT(!c.auth_required);
	TEST_EQ(c.auth_secret_len, 0);
	TEST_EQ(c.auth_clock_skew_s, 5);
	TEST_EQ(c.http_rate_per_s, 50);
	TEST_EQ(c.http_rate_burst, 200);
	TEST_STREQ(c.http_trusted_proxy, "");

	TEST_OK(load(&c, "auth:\n  required: true\n  secret: "
		     "0123456789abcdef0123456789abcdef\n  clock_skew_s: 30\n"
		     "http:\n  rate_limit_per_s: 0\n  rate_burst: 7\n"
		     "  trusted_proxy: ::1\n", err, sizeof(err)));
	TEST_ASSERT(c.auth_required);
	TEST_EQ(c.auth_secret_len, 32);
	TEST_MEMEQ(c.auth_secret, SECRET, 32);
	TEST_EQ(c.auth_clock_skew_s, 30);
	TEST_EQ(c.http_rate_per_s, 0);
	TEST_EQ(c.http_rate_burst, 7);
	TEST_STREQ(c.http_trusted_proxy, "::1");

	TEST_EQ(load(&c, "auth:\n  required: true\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "auth.required needs auth.secret"));
	TEST_EQ(load(&c, "auth:\n  required: true\n  secret: short\n", err,
		     sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:3:11: error: auth.secret must be "
			   "32..512 bytes long, not 5"));
	TEST_EQ(load(&c, "auth:\n  clock_skew_s: 301\n", err, sizeof(err)),
		1);

	/* a secret file: its bytes less the line break; not for others */
	fd = mkstemp(path);
	TEST_ASSERT(fd >= 0);
	f = fdopen(fd, "w");
	TEST_ASSERT(f);
	fprintf(f, "%s\r\n", SECRET);
	fclose(f);
	snprintf(yaml, sizeof(yaml), "auth:\n  required: true\n"
		 "  secret_file: %s\n", path);
	chmod(path, 0640);
	c.auth_secret_len = 0;
	if (load(&c, yaml, err, sizeof(err)) || c.auth_secret_len != 32 ||
	    memcmp(c.auth_secret, SECRET, 32) ||
	    strcmp(c.auth_secret_file, path)) {
		unlink(path);
		TEST_FAIL("secret_file not read: %s", err);
	}
	chmod(path, 0644);
	if (load(&c, yaml, err, sizeof(err)) != 1 ||
	    !strstr(err, "test.yaml:3:16: error: auth.secret_file") ||
	    !strstr(err, "other users")) {
		unlink(path);
		TEST_FAIL("a secret file others read was taken: %s", err);
	}
	chmod(path, 0600);
	snprintf(yaml, sizeof(yaml), "auth:\n  secret: %s\n"
		 "  secret_file: %s\n", SECRET, path);
	if (load(&c, yaml, err, sizeof(err)) != 1 ||
	    !strstr(err, "set one, not both")) {
		unlink(path);
		TEST_FAIL("secret and secret_file both taken: %s", err);
	}
	unlink(path);
	snprintf(yaml, sizeof(yaml), "auth:\n  secret_file: %s\n", path);
	TEST_EQ(load(&c, yaml, err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "cannot open"));

	return 0;
}

/* ---- sip.auth and sip.realm ---- */

struct authdir {
	char dir[64];                  /* a temp dir for the files */
	char path[TES_CONF_PATH_MAX];  /* scratch: a file in it */
};

/* dir/name with text in it, mode as given; the path is in d->path */
static int put_file(struct authdir *d, const char *name, const char *text,
		    size_t len, mode_t mode)
{
	FILE *f;

	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, name);
	f = fopen(d->path, "wb");
	if (!f)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	fclose(f);

	return chmod(d->path, mode);
}

/* the YAML text with %s replaced by the temp dir */
static int load_dir(struct tes_conf *c, const struct authdir *d,
		    const char *fmt, char *err, size_t errlen)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), fmt, d->dir, d->dir);
	return load(c, yaml, err, errlen);
}

static int sip_auth_cases(struct authdir *d)
{
	static const char USERS[] =
		"# room board\n"
		"alice:wonderland\r\n"
		"\n"
		"bob:builder:tessera\n"
		/* an htdigest line (its HA1 made up) */
		"carol:tessera:0f1e2d3c4b5a69788796a5b4c3d2e1f0\n";
	static const char CONF[] = "sip:\n  auth:\n    board: board.passwd\n"
				   "    town-hall: ./other.passwd\n";
	static const char HA1_OTHER_REALM[] =
		"carol:elsewhere:0f1e2d3c4b5a69788796a5b4c3d2e1f0\n";
	struct tes_conf c;
	char err[2048], yaml[1024];
	FILE *f;

	/* defaults: nobody is challenged */
	tes_conf_defaults(&c);
	TEST_STREQ(c.sip_realm, "tessera");
	TEST_EQ(c.n_sip_auth, 0);
	TEST_ASSERT(!tes_conf_sip_auth_file(&c, "board"));

	/* a config file: relative paths resolve against its folder,
	 * absolute ones stay */
	TEST_OK(put_file(d, "board.passwd", USERS, sizeof(USERS) - 1, 0600));
	TEST_OK(put_file(d, "other.passwd", "x:y\n", 4, 0640));
	TEST_OK(put_file(d, "tessera.yaml", CONF, sizeof(CONF) - 1, 0600));
	tes_conf_defaults(&c);
	f = fmemopen(err, sizeof(err), "w");
	TEST_ASSERT(f);
	TEST_EQ(tes_conf_load(&c, d->path, f), 0);
	fclose(f);
	TEST_EQ(c.n_sip_auth, 2);
	TEST_STREQ(c.sip_auth[0].room, "board");
	snprintf(yaml, sizeof(yaml), "%s/board.passwd", d->dir);
	TEST_STREQ(tes_conf_sip_auth_file(&c, "board"), yaml);
	snprintf(yaml, sizeof(yaml), "%s/./other.passwd", d->dir);
	TEST_STREQ(tes_conf_sip_auth_file(&c, "town-hall"), yaml);
	TEST_ASSERT(!tes_conf_sip_auth_file(&c, "Board"));
	TEST_ASSERT(!tes_conf_sip_auth_file(&c, "lobby"));

	/* absolute paths, a realm of our own */
	TEST_EQ(load_dir(&c, d, "sip:\n  realm: Tessera rooms\n  auth: "
			 "{board: %s/board.passwd, lobby: %s/other.passwd}\n",
			 err, sizeof(err)), 1);
	/* bob's and carol's realm is "tessera": the first line of the two
	 * is reported */
	TEST_ASSERT(strstr(err, "test.yaml:3:17: error: sip.auth: room "
			   "board: "));
	TEST_ASSERT(strstr(err, "line 4 has a third field (the realm) that "
			   "is not sip.realm \"Tessera rooms\""));
	TEST_OK(put_file(d, "realm.passwd", "bob:builder:Tessera rooms\n",
			 26, 0600));
	TEST_OK(load_dir(&c, d, "sip:\n  realm: Tessera rooms\n  auth: "
			 "{board: %s/realm.passwd, lobby: %s/other.passwd}\n",
			 err, sizeof(err)));
	TEST_EQ(c.n_sip_auth, 2);
	TEST_STREQ(c.sip_realm, "Tessera rooms");
	TEST_STREQ(c.sip_auth[1].room, "lobby");

	/* an htdigest line of another realm */
	TEST_OK(put_file(d, "ha1.passwd", HA1_OTHER_REALM,
			 sizeof(HA1_OTHER_REALM) - 1, 0600));
	TEST_EQ(load_dir(&c, d, "sip:\n  auth:\n    board: %s/ha1.passwd\n",
			 err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:3:12: error: sip.auth: room board"
			   ": "));
	TEST_ASSERT(strstr(err, "ha1.passwd line 1 (user:realm:HA1) has a "
			   "realm that is not sip.realm \"tessera\""));

	/* a missing file, one others may read, an empty one, a line
	 * sofia would skip, a NUL byte: each an error with its line */
	TEST_OK(put_file(d, "open.passwd", "a:b\n", 4, 0644));
	TEST_OK(put_file(d, "empty.passwd", "# nobody yet\n\n", 14, 0600));
	TEST_OK(put_file(d, "bad.passwd", "a:b\nc:\n", 7, 0600));
	TEST_OK(put_file(d, "nul.passwd", "a:b\0\n", 5, 0600));
	snprintf(yaml, sizeof(yaml), "sip:\n  auth:\n    r1: %s/none\n"
		 "    r2: %s/open.passwd\n", d->dir, d->dir);
	TEST_EQ(load(&c, yaml, err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "test.yaml:3:9: error: sip.auth: room r1: "));
	TEST_ASSERT(strstr(err, "/none cannot open: No such file"));
	TEST_ASSERT(strstr(err, "test.yaml:4:9: error: sip.auth: room r2: "));
	TEST_ASSERT(strstr(err, "read or written by other users"));
	TEST_EQ(load_dir(&c, d, "sip:\n  auth:\n    r1: %s/empty.passwd\n"
			 "    r2: %s/bad.passwd\n", err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "empty.passwd has no user:password lines"));
	TEST_ASSERT(strstr(err, "test.yaml:4:9: error: sip.auth: room r2: "));
	TEST_ASSERT(strstr(err, "bad.passwd line 2 is not user:password"));
	TEST_EQ(load_dir(&c, d, "sip:\n  auth: {r1: %s/nul.passwd, r2: %s}\n",
			 err, sizeof(err)), 2);
	TEST_ASSERT(strstr(err, "has a NUL byte"));
	TEST_ASSERT(strstr(err, "is not a file")); /* the folder */

	/* names, shapes and the realm's characters */
	TEST_EQ(load(&c, "sip:\n  auth:\n    \"bad room\": x\n    ok: [a]\n"
		     "    also: \n", err, sizeof(err)), 3);
	TEST_ASSERT(strstr(err, "test.yaml:3:6: error: sip.auth: a room name "
			   "is 1..64 of"));
	TEST_ASSERT(strstr(err, "test.yaml:4:5: error: sip.auth: room ok "
			   "needs the path of a password file"));
	TEST_ASSERT(strstr(err, "test.yaml:5:5: error: sip.auth: room also "
			   "needs the path"));
	TEST_EQ(load(&c, "sip:\n  auth: [a, b]\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:2:10: error: sip.auth must be a "
			   "mapping"));
	TEST_EQ(load(&c, "sip:\n  realm: \"a\\\"b\"\n", err, sizeof(err)), 1);
	TEST_ASSERT(strstr(err, "test.yaml:2:11: error: sip.realm must be "
			   "1..64 printable"));
	TEST_EQ(load(&c, "sip:\n  realm: \"*.example\"\n", err, sizeof(err)),
		1);
	TEST_EQ(load(&c, "sip:\n  realm: \"\"\n", err, sizeof(err)), 1);

	return 0;
}

TES_TEST(conf_sip_auth)
{
	static const char *const files[] = {
		"board.passwd", "other.passwd", "tessera.yaml", "realm.passwd",
		"ha1.passwd", "open.passwd", "empty.passwd", "bad.passwd",
		"nul.passwd"};
	struct authdir d;
	int ret;

	snprintf(d.dir, sizeof(d.dir), "/tmp/tes_sipauth_XXXXXX");
	TEST_ASSERT(mkdtemp(d.dir));
	ret = sip_auth_cases(&d);
	for (size_t i = 0; i < TES_ARRAY_SIZE(files); i++) {
		snprintf(d.path, sizeof(d.path), "%s/%s", d.dir, files[i]);
		unlink(d.path);
	}
	rmdir(d.dir);

	return ret;
}
