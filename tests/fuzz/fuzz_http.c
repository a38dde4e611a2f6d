/**
 * @file fuzz_http.c  libFuzzer harness for the HTTP API as a whole: the
 * router tes__api_handle() with fuzzed methods, paths, ?name=, content
 * types and bodies (WHIP/WHEP SDP offers, JSON for layouts, recordings and
 * streams), against a real room registry.
 *
 * Input: requests separated by a line "%%":
 *     METHOD TARGET          (TARGET: path[?name=VALUE])
 *     CONTENT-TYPE
 *     BODY...
 * In TARGET, "{p}" stands for the participant id and "{r}" for the
 * recording id of the last 201 answer, so that an input can join, then
 * leave or stop what it started.
 *
 * The registry is built once: a libuv loop that is only run to finish
 * closing handles, the media port on 127.0.0.1 (port 0), a DTLS
 * certificate, the shipped layouts, rooms in mix mode with at most 2
 * rooms of 3 participants and 2 running recordings each, recordings and a
 * web root in a temporary folder.  After each input every participant is
 * removed (which ends its room and finishes the room's recordings), the
 * recording folder is emptied and the tes_alloc count must be back where
 * it was: nothing an input did outlives it.
 *
 * Checks on every response: status 200..599; an error (4xx, 5xx) is JSON
 * {"error": "reason"}; a 405 names the allowed methods; a 201 join answers
 * SDP that parses (ice-lite) with a Location of a participant that exists;
 * a 201 recording is JSON with its id; other 2xx JSON parses; a file
 * answer names a regular file; a 200 leave removed the participant.
 *
 * Not covered: the libwebsockets side (http.c: request line, headers,
 * Content-Length, URL decoding; libwebsockets parses those), media after
 * a join (no ICE, DTLS or RTP reaches the participants), what a running
 * mix or recording writes (the loop's timers never fire), PNG snapshots
 * (nothing is composed, so canvas.png answers 503) and live stream
 * output (RTMP connects on the first keyframe, which never comes).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "base/conf.h"
#include "dtls/dtls.h"
#include "net/ice.h"
#include "room/room.h"
#include "sdp/sdp.h"
#include "signal/signal_int.h"
#include "srtp/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	MAX_REQUESTS = 16,
	URI_MAX = 512,       /* as http.c: longer gets 414 there */
	CTYPE_MAX = 128,     /* as http.c's buffer */
};

static const char SEP[] = "\n%%\n";

struct env {
	uv_loop_t loop;
	struct tes_conf conf;
	struct tes_dtls_cert *cert;
	struct tes_ice_server *ice;
	struct tes_rooms *rooms;
	char dir[256];       /* temporary: web/ and rec/ */
	long live;           /* tes_alloc blocks after set-up */
};

/* what a 201 gave, for {p} and {r} */
struct ids {
	char part[TES_PART_ID_LEN + 1];
	char rec[TES_REC_ID_LEN + 1];
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
}

static void rm_tree(const char *path, bool keep_top)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			rm_tree(p, false);
		else
			unlink(p);
	}
	closedir(d);
	if (!keep_top)
		rmdir(path);
}

static struct env *env;

static void env_free(void)
{
	tes_rooms_close(env->rooms);
	tes_ice_server_close(env->ice);
	uv_run(&env->loop, UV_RUN_DEFAULT);
	uv_loop_close(&env->loop);
	tes_deref(env->cert);
	rm_tree(env->dir, false);
	free(env);
	env = NULL;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		fail("cannot write the web root");
}

static void env_init(void)
{
	const char *tmp = getenv("TMPDIR");
	struct tes_rooms_deps deps;
	struct tes_conf *c;
	char web[300];

	env = calloc(1, sizeof(*env));
	if (!env)
		fail("out of memory");
	snprintf(env->dir, sizeof(env->dir), "%s/tes-fuzz-http.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(env->dir))
		fail("cannot make a temporary folder");
	snprintf(web, sizeof(web), "%s/web", env->dir);
	if (mkdir(web, 0755))
		fail("cannot make the web root");
	write_file(web, "index.html", "<!doctype html><title>t</title>\n");
	write_file(web, "app.js", "'use strict';\n");

	/* quiet: a join logs at info, a refused one at warn */
	tes_log_set_level(TES_LOG_ERROR);
	c = &env->conf;
	tes_conf_defaults(c);
	snprintf(c->web_root, sizeof(c->web_root), "%s", web);
	snprintf(c->recording_dir, sizeof(c->recording_dir), "%s/rec",
		 env->dir);
	snprintf(c->layouts_file, sizeof(c->layouts_file), "%s",
		 TES_SOURCE_DIR "/conf/layouts.yaml");
	snprintf(c->default_mode, sizeof(c->default_mode), "mix");
	c->max_rooms = 2;
	c->max_participants = 3;
	c->recordings_max = 2;
	c->mixer_threads = 1;

	uv_loop_init(&env->loop);
	if (tes_srtp_init() || tes_dtls_cert_alloc(&env->cert) ||
	    tes_ice_server_alloc(&env->ice, &env->loop, "127.0.0.1", 0))
		fail("cannot set up the media side");
	deps = (struct tes_rooms_deps){
		.loop = &env->loop, .conf = c, .ice = env->ice,
		.cert = env->cert,
	};
	if (tes_rooms_alloc(&env->rooms, &deps))
		fail("cannot create the rooms");
	env->live = tes_alloc_live();
	atexit(env_free);
}

/* ---- checks ---- */

static json_t *json_of(const struct tes__http_resp *resp)
{
	json_t *j;

	if (!resp->ctype || strcmp(resp->ctype, "application/json") ||
	    !resp->body || strlen(resp->body) != resp->body_len)
		fail("JSON answer without a JSON body");
	j = json_loadb(resp->body, resp->body_len, 0, NULL);
	if (!j)
		fail("JSON answer that does not parse");
	return j;
}

struct find {
	const char *id;
	bool found;
};

static void room_seen(const struct tes_room_info *ri, void *arg)
{
	(void)ri;
	(void)arg;
}

static void part_seen(const struct tes_part_info *pi, void *arg)
{
	struct find *f = arg;

	f->found |= !strcmp(pi->id, f->id);
}

static bool part_exists(const char *room, const char *id)
{
	struct find f = {.id = id};

	return !tes_rooms_describe(env->rooms, room, room_seen, part_seen,
				   &f) && f.found;
}

/* a 201 to a join: SDP that parses, Location of a new participant */
static void check_joined(const struct tes__http_resp *resp, struct ids *ids)
{
	static struct tes_sdp_session sess;  /* ~290 KB */
	char room[TES_ROOM_NAME_MAX + 1], id[TES_PART_ID_LEN + 1];
	char err[128];
	int used = 0;

	if (!resp->ctype || strcmp(resp->ctype, "application/sdp") ||
	    !resp->body || strlen(resp->body) != resp->body_len ||
	    tes_sdp_parse(&sess, resp->body, resp->body_len, err,
			  sizeof(err)) || !sess.ice_lite)
		fail("a join answered no valid SDP");
	if (sscanf(resp->location, "/rooms/%64[A-Za-z0-9_-]/participants/"
		   "%16[A-Za-z0-9]%n", room, id, &used) != 2 ||
	    resp->location[used] || strlen(id) != TES_PART_ID_LEN ||
	    !part_exists(room, id))
		fail("a join's Location is no participant");
	memcpy(ids->part, id, sizeof(ids->part));
}

static void check_resp(const struct tes__http_req *req,
		       const struct tes__http_resp *resp, struct ids *ids)
{
	const char *s;
	json_t *j, *v;

	if (resp->status < 200 || resp->status > 599)
		fail("status out of 200..599");

	if (resp->status >= 400) {
		/* every refusal says why, in JSON */
		j = json_of(resp);
		v = json_object_get(j, "error");
		s = json_string_value(v);
		if (!json_is_object(j) || !s || !*s)
			fail("an error without {\"error\": reason}");
		if (resp->status == 405 && (!resp->allow ||
					    !strstr(s, resp->allow)))
			fail("a 405 without the allowed methods");
		json_decref(j);
		return;
	}

	if (resp->file) {
		struct stat st;

		if (resp->status != 200 || resp->file != resp->file_path ||
		    stat(resp->file, &st) || !S_ISREG(st.st_mode))
			fail("a file answer that is no regular file");
		return;
	}
	if (resp->status == 204) {
		if (resp->body || !resp->allow)
			fail("a 204 with a body, or without Allow");
		return;
	}
	if (resp->status == 201 && resp->location[0]) {
		check_joined(resp, ids);
		return;
	}
	if (resp->ctype && !strcmp(resp->ctype, "image/png"))
		return;  /* the mix's canvas */

	j = json_of(resp);
	if (resp->status == 201) {
		/* a recording or stream started: its id for {r} */
		s = json_string_value(json_object_get(j, "id"));
		if (!s || strlen(s) != TES_REC_ID_LEN ||
		    !json_string_value(json_object_get(j, "state")))
			fail("a 201 recording without id and state");
		memcpy(ids->rec, s, sizeof(ids->rec));
	}
	if (resp->status == 200 && req->method == TES__DELETE &&
	    (s = json_string_value(json_object_get(j, "left")))) {
		v = json_object_get(j, "room");
		if (!json_is_string(v) ||
		    part_exists(json_string_value(v), s))
			fail("a participant still there after leaving");
	}
	json_decref(j);
}

/* ---- requests ---- */

static enum tes__method method_of(const char *m, size_t n)
{
	static const struct {
		const char *name;
		enum tes__method m;
	} map[] = {
		{"GET", TES__GET}, {"POST", TES__POST}, {"PUT", TES__PUT},
		{"PATCH", TES__PATCH}, {"DELETE", TES__DELETE},
		{"OPTIONS", TES__OPTIONS}, {"HEAD", TES__HEAD},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(map); i++) {
		if (strlen(map[i].name) == n && !memcmp(map[i].name, m, n))
			return map[i].m;
	}

	return TES__OTHER;
}

/* out = in (n bytes, up to a NUL) with {p} and {r} replaced by the ids;
 * false when it does not fit */
static bool expand(char *out, size_t cap, const char *in, size_t n,
		   const struct ids *ids)
{
	size_t o = 0;

	for (size_t i = 0; i < n && in[i]; i++) {
		const char *sub = in + i;
		size_t k = 1;

		if (n - i >= 3 && in[i] == '{' && in[i + 2] == '}' &&
		    (in[i + 1] == 'p' || in[i + 1] == 'r')) {
			sub = in[i + 1] == 'p' ? ids->part : ids->rec;
			k = strlen(sub);
			i += 2;
		}
		if (cap - o <= k)
			return false;
		memcpy(out + o, sub, k);
		o += k;
	}
	out[o] = '\0';

	return true;
}

/* one request from [p, end); the router answers it, then the checks */
static void one_request(const char *p, const char *end, struct ids *ids)
{
	char path[URI_MAX], name[URI_MAX], ctype[CTYPE_MAX];
	const char *nl, *sp, *q, *ct;
	static struct tes__http_stats stats;
	struct tes__http_req req = {.name = NULL};
	struct tes__http_resp resp;
	char *body;
	size_t n;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		nl = end;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (!sp)
		return;
	req.method = method_of(p, (size_t)(sp - p));

	/* TARGET: path[?name=VALUE] */
	q = memchr(sp + 1, '?', (size_t)(nl - sp - 1));
	if (!expand(path, sizeof(path), sp + 1,
		    (size_t)((q ? q : nl) - sp - 1), ids) || path[0] != '/')
		return;
	if (q && nl - q > 6 && !memcmp(q + 1, "name=", 5)) {
		if (!expand(name, sizeof(name), q + 6, (size_t)(nl - q - 6),
			    ids))
			return;
		req.name = name;
	}

	/* the Content-Type line, then the body */
	ct = nl < end ? nl + 1 : end;
	nl = memchr(ct, '\n', (size_t)(end - ct));
	if (!nl)
		nl = end;
	n = TES_MIN((size_t)(nl - ct), sizeof(ctype) - 1);
	memcpy(ctype, ct, n);
	ctype[n] = '\0';
	ctype[strcspn(ctype, "\r")] = '\0';

	n = nl < end ? (size_t)(end - nl - 1) : 0;
	if (n > env->conf.http_max_body)
		return;  /* http.c answers 413 without routing */
	/* exact size and NUL-terminated, as http.c collects it */
	body = malloc(n + 1);
	if (!body)
		return;
	if (n)
		memcpy(body, nl + 1, n);
	body[n] = '\0';

	req.path = path;
	req.ctype = ctype;
	req.body = body;
	req.body_len = n;
	req.peer = "127.0.0.1";
	req.conf = &env->conf;
	req.stats = &stats;
	memset(&resp, 0, sizeof(resp));
	tes__api_handle(env->rooms, &env->conf, &req, &resp);
	check_resp(&req, &resp, ids);
	free(resp.body);
	free(body);
}

/* ---- after each input ---- */

struct names {
	char room[8][TES_ROOM_NAME_MAX + 1];
	size_t n_rooms;
	char part[8][TES_PART_ID_LEN + 1];
	size_t n_parts;
};

static void room_name(const struct tes_room_info *ri, void *arg)
{
	struct names *nm = arg;

	if (nm->n_rooms == TES_ARRAY_SIZE(nm->room))
		fail("more rooms than rooms.max_rooms");
	snprintf(nm->room[nm->n_rooms++], sizeof(nm->room[0]), "%s",
		 ri->name);
}

static void part_id(const struct tes_part_info *pi, void *arg)
{
	struct names *nm = arg;

	if (nm->n_parts == TES_ARRAY_SIZE(nm->part))
		fail("more participants than rooms.max_participants");
	snprintf(nm->part[nm->n_parts++], sizeof(nm->part[0]), "%s", pi->id);
}

/* every participant leaves: rooms close, recordings finish */
static void clean_up(void)
{
	struct names nm = {.n_rooms = 0};
	char rec[TES_CONF_PATH_MAX];

	tes_rooms_foreach(env->rooms, room_name, &nm);
	if (nm.n_rooms > env->conf.max_rooms)
		fail("more rooms than rooms.max_rooms");
	for (size_t i = 0; i < nm.n_rooms; i++) {
		nm.n_parts = 0;
		if (tes_rooms_describe(env->rooms, nm.room[i], room_seen,
				       part_id, &nm) ||
		    nm.n_parts > env->conf.max_participants)
			fail("a room listed that cannot be described");
		for (size_t k = 0; k < nm.n_parts; k++) {
			if (tes_rooms_leave(env->rooms, nm.room[i],
					    nm.part[k]))
				fail("a participant listed that cannot leave");
		}
	}
	/* closed handles (a mix's timers) are freed by the loop */
	uv_run(&env->loop, UV_RUN_NOWAIT);

	snprintf(rec, sizeof(rec), "%s", env->conf.recording_dir);
	rm_tree(rec, false);

	nm.n_rooms = 0;
	tes_rooms_foreach(env->rooms, room_name, &nm);
	if (nm.n_rooms || tes_alloc_live() != env->live)
		fail("something outlived the input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct ids ids = {.part = "", .rec = ""};

	if (!env)
		env_init();

	for (int i = 0; i < MAX_REQUESTS && p < end; i++) {
		const char *sep = memmem(p, (size_t)(end - p), SEP,
					 sizeof(SEP) - 1);
		const char *stop = sep ? sep : end;

		one_request(p, stop, &ids);
		p = sep ? sep + sizeof(SEP) - 1 : end;
	}
	clean_up();

	return 0;
}
