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
#include <uv.h>

#include "base/base.h"
#include "base/conf.h"
#include "dtls/dtls.h"
#include "net/ice.h"
#include "room/room.h"
#include "signal/signal.h"
#include "srtp/srtp.h"

static const char DEFAULT_CONF[] = "conf/tessera.yaml";

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
		"(POST /rooms/{room}/whip) and receive the room's media.\n"
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
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"The demo page is served at http://<http.listen>:<http.port>/"
		"\n",
		DEFAULT_CONF);
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
		{NULL, 0, NULL, 0},
	};
	static struct app app;
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

	n = tes_conf_load(&app.conf, conf_path, stderr);
	if (n) {
		fprintf(stderr, "tessera: not starting: %s has errors "
			"(tessera --check-config %s)\n", conf_path, conf_path);
		return 1;
	}
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
