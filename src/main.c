/**
 * @file main.c  tessera: command line, configuration, start and stop.
 */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "base/base.h"
#include "base/conf.h"
#include "dtls/dtls.h"
#include "net/ice.h"
#include "room/room.h"
#include "signal/signal.h"
#include "sip/sip.h"
#include "srtp/srtp.h"

static const char DEFAULT_CONF[] = "conf/tessera.yaml";

enum {
	TTL_MAX = 10 * 366 * 86400,   /* --ttl: ten years at most */
	OPT_MAKE_TOKEN = 256,         /* long options without a letter */
	OPT_ROOM,
	OPT_SUB,
	OPT_RIGHTS,
	OPT_TTL,
};

/* --make-token and its arguments */
struct token_args {
	bool make;
	const char *room;
	const char *sub;
	const char *rights;
	const char *ttl;
};

struct app {
	uv_loop_t loop;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uv_signal_t sighup;
	struct tes_conf conf;
	struct tes_dtls_cert *cert;
	struct tes_ice_server *ice;
	struct tes_rooms *rooms;
	struct tes_signal *http;
	struct tes_sip *sip;
	bool stopping;
};

/* Test-only fault injection: TESSERA_FAULT_TX_DROP=<permille> drops that
 * share of outgoing RTP (a fixed-seed PRNG, so runs repeat), so browser
 * tests can see NACK and retransmission work end to end. */
struct fault {
	unsigned permille;
	uint32_t rng;
	uint64_t dropped;
};

static bool fault_cb(bool tx, const uint8_t *buf, size_t len, void *arg)
{
	struct fault *f = arg;

	if (!tx || tes_demux(buf, len) != TES_PKT_RTP)
		return false;

	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 17;
	f->rng ^= f->rng << 5;
	if (f->rng % 1000 >= f->permille)
		return false;

	f->dropped++;
	return true;
}

static void fault_setup(struct tes_ice_server *ice)
{
	static struct fault f = {.rng = 2463534242u};
	const char *v = getenv("TESSERA_FAULT_TX_DROP");

	if (!v || !*v)
		return;
	f.permille = (unsigned)strtoul(v, NULL, 10);
	if (f.permille > 1000)
		f.permille = 1000;
	tes_ice_server_set_fault(ice, fault_cb, &f);
	TES_LOGW("main", "fault injection: dropping %u/1000 of outgoing RTP",
		 f.permille);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tessera [OPTIONS]\n"
		"\n"
		"Tessera is a WebRTC MCU: participants join rooms over WHIP\n"
		"(POST /rooms/{room}/whip), or over SIP (INVITE sip:{room}@host,\n"
		"sip.enabled), and receive the room's media.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        run with this YAML config "
		"(default %s)\n"
		"      --check-config FILE  check a config file, print every "
		"error\n"
		"                           as FILE:LINE:COL and exit "
		"non-zero on errors\n"
		"  -l, --log-level LEVEL    error, warn, info or debug "
		"(overrides log.level)\n"
		"      --make-token --room ROOM --sub NAME --rights LIST "
		"[--ttl SECONDS]\n"
		"                           print an access token signed with "
		"the key\n"
		"                           (auth.secret) of the config "
		"(-c): ROOM is a\n"
		"                           room or *, LIST any of publish,"
		"subscribe,admin,\n"
		"                           SECONDS its lifetime (default "
		"3600)\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"The demo page is served at http://<http.listen>:<http.port>/"
		"\n",
		DEFAULT_CONF);
}

/* tessera --make-token: 0, 1 (no secret to sign with), 2 (bad args) */
static int make_token(const struct tes_conf *conf, const char *conf_path,
		      const struct token_args *a)
{
	char buf[TES_TOKEN_MAX + 1], *end;
	struct tes_token t;
	unsigned long long ttl = 3600;
	int64_t now = (int64_t)time(NULL);
	int n;

	memset(&t, 0, sizeof(t));
	if (!a->room || !a->sub || !a->rights) {
		fprintf(stderr, "tessera: --make-token needs --room, --sub and "
			"--rights\n");
		return 2;
	}
	if ((strcmp(a->room, "*") && !tes_room_name_valid(a->room)) ||
	    tes_part_name_check(a->sub, NULL) ||
	    tes_token_rights_parse(a->rights, &t.rights)) {
		fprintf(stderr, "tessera: --room is a room name or *, --sub "
			"1..64 bytes of UTF-8, --rights a list of publish, "
			"subscribe, admin\n");
		return 2;
	}
	if (a->ttl) {
		errno = 0;
		ttl = strtoull(a->ttl, &end, 10);
		if (errno || *end || !ttl || ttl > TTL_MAX ||
		    a->ttl[0] == '-') {
			fprintf(stderr, "tessera: --ttl is 1..%d seconds\n",
				TTL_MAX);
			return 2;
		}
	}
	if (!conf->auth_secret_len) {
		fprintf(stderr, "tessera: %s has no auth.secret or "
			"auth.secret_file to sign with\n", conf_path);
		return 1;
	}
	snprintf(t.room, sizeof(t.room), "%s", a->room);
	snprintf(t.sub, sizeof(t.sub), "%s", a->sub);
	t.exp = now + (int64_t)ttl;

	n = tes_token_make(buf, sizeof(buf), &t, now, conf->auth_secret,
			   conf->auth_secret_len);
	if (n < 0) {
		fprintf(stderr, "tessera: cannot make the token: %s\n",
			strerror(-n));
		return 1;
	}
	printf("%s\n", buf);

	return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
	struct app *app = sig->data;

	if (app->stopping)
		return;
	app->stopping = true;
	TES_LOGI("main", "%s: shutting down", strsignal(signum));

	/* order matters: participants before the port they use */
	tes_signal_close(app->http);
	tes_rooms_close(app->rooms);
	app->rooms = NULL;
	/* after the rooms: their SIP participants' BYEs go out first */
	tes_sip_close(app->sip);
	app->sip = NULL;
	tes_ice_server_close(app->ice);
	app->ice = NULL;
	uv_close((uv_handle_t *)&app->sigint, NULL);
	uv_close((uv_handle_t *)&app->sigterm, NULL);
	uv_close((uv_handle_t *)&app->sighup, NULL);
}

static void on_hup(uv_signal_t *sig, int signum)
{
	struct app *app = sig->data;

	(void)signum;
	TES_LOGI("main", "SIGHUP: reloading layouts");
	if (app->rooms)
		(void)tes_rooms_reload_layouts(app->rooms);
}

static int start(struct app *app)
{
	struct tes_rooms_deps deps;
	int err;

	err = tes_srtp_init();
	if (err)
		return err;

	err = tes_dtls_cert_alloc(&app->cert);
	if (err) {
		TES_LOGE("main", "cannot create the DTLS certificate");
		return err;
	}
	TES_LOGI("main", "DTLS certificate sha-256 %s",
		 tes_dtls_cert_fingerprint(app->cert));

	err = tes_ice_server_alloc(&app->ice, &app->loop,
				   app->conf.media_listen,
				   app->conf.media_port);
	if (err)
		return err;
	fault_setup(app->ice);

	deps = (struct tes_rooms_deps){
		.loop = &app->loop,
		.conf = &app->conf,
		.ice = app->ice,
		.cert = app->cert,
	};
	err = tes_rooms_alloc(&app->rooms, &deps);
	if (err)
		return err;

	err = tes_signal_alloc(&app->http, &app->loop, &app->conf,
			       app->rooms);
	if (err)
		return err;
	if (app->conf.sip_enabled) {
		err = tes_sip_alloc(&app->sip, &app->loop, &app->conf,
				    tes_rooms_sip_event, app->rooms);
		if (err)
			return err;
		tes_rooms_set_sip(app->rooms, app->sip);
	}

	uv_signal_init(&app->loop, &app->sigint);
	uv_signal_init(&app->loop, &app->sigterm);
	app->sigint.data = app;
	app->sigterm.data = app;
	uv_signal_start(&app->sigint, on_signal, SIGINT);
	uv_signal_start(&app->sigterm, on_signal, SIGTERM);
	uv_signal_init(&app->loop, &app->sighup);
	app->sighup.data = app;
	uv_signal_start(&app->sighup, on_hup, SIGHUP);
	/* a peer that closes a TCP connection (HTTP client, RTMP server)
	 * is an error to handle, never a reason to die */
	signal(SIGPIPE, SIG_IGN);
#ifdef __GLIBC__
	/* a fixed threshold: blocks over 2 MB (encoders' buffers, 1080p
	 * frames) are mmap'd and go back to the system when freed.  glibc's
	 * own threshold rises after such a free, up to 32 MB, and those
	 * blocks then fragment the heap: 100 joins and leaves left resident
	 * memory 40-190 % above where it started (e2e churn), now 0.5 %.
	 * 720p frames stay below it: no mmap and page faults per frame. */
	(void)mallopt(M_MMAP_THRESHOLD, 2 * 1024 * 1024);
	/* and a worker's heap keeps up to 2 MB free at its top: with
	 * glibc's 128 KB the mixer workers' arenas gave their tops back
	 * after nearly every frame and faulted them in again (3,033 page
	 * faults a second in a 9-person room; 1,177 now).  Higher is not
	 * better: malloc_trim() never shrinks a thread arena's top, so what
	 * it keeps stays resident after rooms close (64 MB: +37 % in e2e
	 * churn; 4 MB: up to +9 %; 2 MB: +0.3 %). */
	(void)mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
#endif

	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, 'k'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"make-token", no_argument, NULL, OPT_MAKE_TOKEN},
		{"room", required_argument, NULL, OPT_ROOM},
		{"sub", required_argument, NULL, OPT_SUB},
		{"rights", required_argument, NULL, OPT_RIGHTS},
		{"ttl", required_argument, NULL, OPT_TTL},
		{NULL, 0, NULL, 0},
	};
	static struct app app;
	struct token_args tok = {0};
	const char *conf_path = DEFAULT_CONF;
	const char *check = NULL, *level = NULL;
	enum tes_log_level lvl;
	int c, err, n;

	while ((c = getopt_long(argc, argv, "c:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'k': check = optarg; break;
		case 'l': level = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tessera %s\n", TESSERA_VERSION); return 0;
		case OPT_MAKE_TOKEN: tok.make = true; break;
		case OPT_ROOM: tok.room = optarg; break;
		case OPT_SUB: tok.sub = optarg; break;
		case OPT_RIGHTS: tok.rights = optarg; break;
		case OPT_TTL: tok.ttl = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tessera: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}

	tes_conf_defaults(&app.conf);

	if (check) {
		n = tes_conf_load(&app.conf, check, stderr);
		if (n == 0) {
			printf("%s: ok\n", check);
			return 0;
		}
		if (n > 0)
			fprintf(stderr, "%s: %d error%s\n", check, n,
				n == 1 ? "" : "s");
		return 1;
	}

	if (!tok.make && (tok.room || tok.sub || tok.rights || tok.ttl)) {
		fprintf(stderr, "tessera: --room, --sub, --rights and --ttl go "
			"with --make-token\n");
		return 2;
	}
	n = tes_conf_load(&app.conf, conf_path, stderr);
	if (n) {
		fprintf(stderr, "tessera: %s: %s has errors (tessera "
			"--check-config %s)\n", tok.make ? "no token"
			: "not starting", conf_path, conf_path);
		return 1;
	}
	if (tok.make)
		return make_token(&app.conf, conf_path, &tok);
	if (level) {
		if (tes_log_level_parse(level, &lvl)) {
			fprintf(stderr, "tessera: unknown log level \"%s\"\n",
				level);
			return 2;
		}
		app.conf.log_level = lvl;
	}
	tes_log_set_level(app.conf.log_level);
	TES_LOGI("main", "tessera %s starting with %s", TESSERA_VERSION,
		 conf_path);

	uv_loop_init(&app.loop);

	err = start(&app);
	if (err) {
		TES_LOGE("main", "startup failed: %s", uv_strerror(err));
		tes_signal_close(app.http);
		tes_rooms_close(app.rooms);
		tes_ice_server_close(app.ice);
		uv_run(&app.loop, UV_RUN_DEFAULT);
		tes_signal_free(app.http);
		uv_run(&app.loop, UV_RUN_DEFAULT);
		uv_loop_close(&app.loop);
		tes_deref(app.cert);
		return 1;
	}

	uv_run(&app.loop, UV_RUN_DEFAULT);
	tes_signal_free(app.http);
	uv_run(&app.loop, UV_RUN_DEFAULT);

	err = uv_loop_close(&app.loop);
	if (err)
		TES_LOGW("main", "loop closed with handles open: %s",
			 uv_strerror(err));
	app.cert = tes_deref(app.cert);
	TES_LOGI("main", "stopped");

	return 0;
}
