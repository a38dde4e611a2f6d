/**
 * @file loadgen_sfu.c  tes_loadgen forwarding (--subscribers N): one
 * publisher, N subscribers that send no media and count what reaches them.
 *
 * Against Tessera each subscriber joins a room in sfu mode with a recvonly
 * WHIP offer (so it publishes nothing), then opens its event channel, a
 * WebSocket at {resource}/events, with a libwebsockets client on our own
 * libuv loop.  The server sends an offer there whenever the subscriber
 * should receive other participants' tracks; lg_answer() answers it and
 * the answer goes back on the same channel ({"type":"answer"}).  Against
 * Janus the subscriptions are made in loadgen_janus.c.
 *
 * Either way a subscriber counts RTP by SSRC: packets of an SSRC the
 * server's offer announced are the forwarded tracks (video keyframes are
 * counted too), any other is stray.  The report divides the server's CPU
 * in the steady window by the packets the subscribers received in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "base/base.h"
#include "bench/loadgen.h"

enum {
	SETTLE_MS = 500,          /* the publisher sends alone */
	CONNECT_MAX_MS = 20000,   /* subscribers get ready in this */
};

static const char PROTO[] = "tes-lg-events";

/* Queue one text message on a subscriber's channel (one at a time: the
 * server sends one offer and waits for its answer). */
static int ws_send(struct lg_part *p, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t n = text ? strlen(text) : 0;

	json_decref(msg);
	if (!text)
		return -ENOMEM;
	if (p->ws_out) {
		fprintf(stderr, "loadgen: participant %d: a second message "
			"while one waits to go\n", p->idx);
		free(text);
		return -EBUSY;
	}
	p->ws_out = malloc(LWS_PRE + n);
	if (!p->ws_out) {
		free(text);
		return -ENOMEM;
	}
	memcpy(p->ws_out + LWS_PRE, text, n);
	p->ws_out_len = n;
	free(text);
	lws_callback_on_writable(p->ws);

	return 0;
}

static void on_offer(struct lg_part *p, const char *sdp)
{
	char *ans = malloc(LG_ANSWER_MAX);

	p->c.offers_in++;
	if (!ans)
		return;
	if (!lg_answer(p->lg, p, sdp, ans, LG_ANSWER_MAX) &&
	    !ws_send(p, json_pack("{s:s,s:s}", "type", "answer", "sdp",
				  ans)))
		p->c.answers_out++;
	free(ans);
}

static void on_message(struct lg_part *p, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *type = json_string_value(json_object_get(j, "type"));
	const char *sdp = json_string_value(json_object_get(j, "sdp"));

	if (!type) {
		fprintf(stderr, "loadgen: participant %d: event channel: not a"
			" message: %.*s\n", p->idx, (int)TES_MIN(len, 200),
			text);
	}
	else if (!strcmp(type, "offer") && sdp) {
		on_offer(p, sdp);
	}
	else if (!strcmp(type, "error")) {
		fprintf(stderr, "loadgen: participant %d: event channel: "
			"%.*s\n", p->idx, (int)TES_MIN(len, 300), text);
	}
	json_decref(j);
}

static int receive(struct lws *wsi, struct lg_part *p, const void *in,
		   size_t len)
{
	char *nb = realloc(p->ws_in, p->ws_in_len + len + 1);

	if (!nb)
		return -1;
	p->ws_in = nb;
	memcpy(p->ws_in + p->ws_in_len, in, len);
	p->ws_in_len += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	p->ws_in[p->ws_in_len] = '\0';
	on_message(p, p->ws_in, p->ws_in_len);
	free(p->ws_in);
	p->ws_in = NULL;
	p->ws_in_len = 0;

	return 0;
}

static int writeable(struct lws *wsi, struct lg_part *p)
{
	int n;

	if (!p->ws_out)
		return 0;
	n = lws_write(wsi, (unsigned char *)p->ws_out + LWS_PRE,
		      p->ws_out_len, LWS_WRITE_TEXT);
	free(p->ws_out);
	p->ws_out = NULL;

	return n < (int)p->ws_out_len ? -1 : 0;
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason,
		 void *user, void *in, size_t len)
{
	struct lg_part *p = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "loadgen: participant %d: event channel: %s\n",
			p->idx, in ? (const char *)in : "connection failed");
		p->ws = NULL;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(wsi, p, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return writeable(wsi, p);
	case LWS_CALLBACK_CLIENT_CLOSED:
		p->ws = NULL;
		return 0;
	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{PROTO, ws_cb, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}, /* terminator */
};

int lg_fwd_init(struct lg *lg)
{
	struct lws_context_creation_info info;
	void *loops[1] = {&lg->loop};

	if (!lg->o.subscribers || lg->o.janus)
		return 0;
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = loops;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	/* cleared by lws when its destruction has completed */
	info.pcontext = &lg->lws;
	lg->lws = lws_create_context(&info);
	if (!lg->lws) {
		fprintf(stderr, "loadgen: libwebsockets client context failed"
			"\n");
		return -ENOMEM;
	}

	return 0;
}

int lg_fwd_events(struct lg *lg, struct lg_part *p)
{
	struct lws_client_connect_info ci;
	char host[64], path[300];
	int port = 0, n = 0;

	/* --url is http://HOST:PORT; the resource is a path on it */
	if (sscanf(lg->o.url, "http://%63[^:/]:%d%n", host, &port, &n) != 2 ||
	    port <= 0 || port > 65535) {
		fprintf(stderr, "loadgen: --url %s: not http://HOST:PORT\n",
			lg->o.url);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/events", p->location);
	memset(&ci, 0, sizeof(ci));
	ci.context = lg->lws;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = host;
	ci.local_protocol_name = PROTO; /* no subprotocol is asked for */
	ci.userdata = p;
	ci.pwsi = &p->ws;
	if (!lws_client_connect_via_info(&ci)) {
		fprintf(stderr, "loadgen: participant %d: cannot open %s\n",
			p->idx, path);
		return -ECONNREFUSED;
	}

	return 0;
}

void lg_fwd_close(struct lg *lg)
{
	/* the first call starts closing; the second, after the loop ran,
	 * frees what is left (lws clears lg->lws when it is done) */
	if (lg->lws)
		lws_context_destroy(lg->lws);
	for (int i = 0; lg->parts && i < lg->o.count; i++) {
		struct lg_part *p = &lg->parts[i];

		p->ws = NULL;
		free(p->ws_in);
		free(p->ws_out);
		p->ws_in = p->ws_out = NULL;
	}
}

/* Connected, with its tracks: an answered offer for Tessera (Janus's
 * offer came with the join). */
static bool ready(const struct lg *lg, const struct lg_part *p)
{
	return p->state == LG_MEDIA && p->n_tracks &&
	       (lg->o.janus || p->c.answers_out);
}

bool lg_fwd_set_up(struct lg *lg, uint64_t now_ms)
{
	const struct lg_part *pub = &lg->parts[0];
	int waiting = 0, nready = 0;

	if (lg->phase == LG_PH_PUBLISH) {
		if (pub->state == LG_FAILED ||
		    (pub->state == LG_MEDIA &&
		     now_ms - pub->connected_ms >= SETTLE_MS))
			uv_stop(&lg->loop);
		return true;
	}
	for (int i = 1; i < lg->o.count; i++) {
		const struct lg_part *p = &lg->parts[i];

		nready += ready(lg, p);
		waiting += p->state != LG_FAILED && !ready(lg, p);
	}
	if (waiting && now_ms - lg->phase_ms < CONNECT_MAX_MS)
		return true;
	fprintf(stderr, "loadgen: %d of %d subscribers ready after %llu ms"
		"\n", nready, lg->o.subscribers,
		(unsigned long long)(now_ms - lg->phase_ms));
	lg->phase = LG_PH_RUN;
	lg->t0_ms = now_ms;

	return false;
}

/* ---- report ---- */

/* One subscriber's window: video, audio packets and keyframes. */
static void window_of(const struct lg_part *p, uint64_t *v, uint64_t *a,
		      uint64_t *k)
{
	*v = p->at[1].video_in - p->at[0].video_in;
	*a = p->at[1].audio_in - p->at[0].audio_in;
	*k = p->at[1].keyframes_in - p->at[0].keyframes_in;
}

int lg_fwd_report(const struct lg *lg)
{
	const struct lg_part *pub = &lg->parts[0];
	const struct lg_sample *a = &lg->w0, *b = &lg->w1;
	uint64_t pv, pa, v, au, k, got = 0, kmin = UINT64_MAX;
	double ratio, rmin = 1e9, media = b->wall - a->wall;
	int shortn = 0, none = 0, n = lg->o.subscribers;

	if (!lg->marked[0] || !lg->marked[1]) {
		printf("forward: not measured (run too short)\n");
		return -EPROTO;
	}
	pv = pub->at[1].video_out - pub->at[0].video_out;
	pa = (pub->at[1].rtp_out - pub->at[0].rtp_out) - pv;
	for (int i = 1; i < lg->o.count; i++) {
		const struct lg_part *p = &lg->parts[i];

		window_of(p, &v, &au, &k);
		ratio = pv + pa ? (double)(v + au) / (double)(pv + pa) : 0;
		printf("sub %d: window video=%llu audio=%llu keyframes=%llu "
		       "ratio=%.3f | run video=%llu audio=%llu keyframes=%llu "
		       "stray=%llu offers=%llu answers=%llu state=%s\n", i,
		       (unsigned long long)v, (unsigned long long)au,
		       (unsigned long long)k, ratio,
		       (unsigned long long)p->c.video_in,
		       (unsigned long long)p->c.audio_in,
		       (unsigned long long)p->c.keyframes_in,
		       (unsigned long long)p->c.stray_in,
		       (unsigned long long)p->c.offers_in,
		       (unsigned long long)p->c.answers_out,
		       p->state == LG_MEDIA ? "media" : "not connected");
		got += v + au;
		kmin = TES_MIN(kmin, p->c.keyframes_in);
		rmin = TES_MIN(rmin, ratio);
		shortn += ratio < 0.95;
		none += ratio < 0.5 || !p->c.keyframes_in || !v || !au;
	}
	printf("forward: subscribers=%d media_s=%.2f pub_video=%llu "
	       "pub_audio=%llu expected=%llu received=%llu min_ratio=%.3f "
	       "keyframes_min=%llu short=%d none=%d", n, media,
	       (unsigned long long)pv, (unsigned long long)pa,
	       (unsigned long long)((pv + pa) * (uint64_t)n),
	       (unsigned long long)got, rmin, (unsigned long long)kmin,
	       shortn, none);
	if (a->cpu_ok && b->cpu_ok && got)
		printf(" server_cpu_s=%.3f pkts_per_s=%.0f "
		       "us_per_pkt_sub=%.3f", b->cpu - a->cpu,
		       (double)got / media, (b->cpu - a->cpu) * 1e6 /
						    (double)got);
	printf("\n");
	if (none)
		fprintf(stderr, "loadgen: %d of %d subscribers got no keyframe"
			" or less than half of the publisher's packets\n",
			none, n);

	return none || !got ? -EPROTO : 0;
}
