/**
 * @file loadgen_janus.c  tes_loadgen against Janus (--janus): the same
 * participants, sending the same packets, join a Janus AudioBridge room,
 * the baseline of bench/audio.sh, or (--subscribers) a Janus VideoRoom
 * room, the baseline of bench/forward.sh.
 *
 * Janus's HTTP API (REST, JSON bodies, one request per call of
 * tes_bench_http()): each participant has its own session (POST
 * {"janus":"create"}) and attaches the plugin to it; the first one creates
 * the room.
 *
 * AudioBridge: the room mixes at 48 kHz with the RFC 6464 level extension
 * negotiated; each participant sends "join" with its SDP offer and
 * long-polls its session (GET .../janus/{session}) for the event that
 * carries the answer.  The join asks for the encoder Tessera's mix uses
 * (32 kbit/s, complexity 5, in-band FEC sized for 10 % loss), so both
 * servers do the same work per encode.
 *
 * VideoRoom: the room takes one publisher (VP8, Opus).  Participant 0
 * publishes with "joinandconfigure" and its offer; once its
 * PeerConnection is up (Janus refuses subscriptions to a feed that is not)
 * each subscriber sends "join" as ptype "subscriber" with "streams":
 * [{"feed": ID}] (the API of Janus 1.x), long-polls for Janus's offer and
 * answers it with "start" (lg_answer()).
 *
 * Our offers say a=setup:active: Janus answers an actpass offer as the
 * DTLS client, and our participants are DTLS clients (our answers to
 * Janus's offers say active too).  They carry our host candidate on
 * 127.0.0.1 and no trickle.  Janus runs ICE-lite, so our controlling ICE
 * agent nominates the pair as it does with Tessera; libnice still sends
 * one triggered check back on that pair before it uses it, which
 * loadgen.c answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "bench/loadgen.h"

enum {
	POLL_EVENTS = 20,         /* events to read while waiting for the
				     answer (each poll returns one) */
	KEEPALIVE_MS = 20000,     /* Janus drops a session after 60 s idle */
	MIX_BITRATE = 32000,      /* Tessera's audio mix encoder ... */
	MIX_QUALITY = 5,          /* ... its complexity ... */
	MIX_LOSS_PERC = 10,       /* ... and the loss its FEC is sized for */
	MIX_RATE = 48000,
	ERR_ROOM_EXISTS = 486,    /* JANUS_AUDIOBRIDGE_ERROR_ROOM_EXISTS */
	VR_ROOM_EXISTS = 427,     /* JANUS_VIDEOROOM_ERROR_ROOM_EXISTS */
	VR_NO_SUCH_FEED = 428,    /* JANUS_VIDEOROOM_ERROR_NO_SUCH_FEED */
	SUBSCRIBE_TRIES = 10,     /* a feed that is not up yet: retry ... */
	SUBSCRIBE_RETRY_MS = 200, /* ... this often */
};

/* The plugin's name in "attach" and the key of its events' data. */
static const char *plugin(const struct lg *lg)
{
	return lg->o.subscribers ? "janus.plugin.videoroom"
				 : "janus.plugin.audiobridge";
}

static const char *plugin_key(const struct lg *lg)
{
	return plugin(lg) + strlen("janus.plugin.");
}

int lg_janus_init(struct lg *lg)
{
	const char *url = lg->o.janus, *host, *slash;
	const char *room = lg->o.room;
	uint32_t h = 2166136261u;
	char *end;
	size_t n;

	if (strncmp(url, "http://", 7)) {
		fprintf(stderr, "loadgen: --janus %s: not http://HOST:PORT/PATH"
			"\n", url);
		return -EINVAL;
	}
	host = url + 7;
	slash = strchr(host, '/');
	n = slash ? (size_t)(slash - url) : strlen(url);
	if (n >= sizeof(lg->jbase) ||
	    (slash && strlen(slash) >= sizeof(lg->jpath))) {
		fprintf(stderr, "loadgen: --janus %s: too long\n", url);
		return -EINVAL;
	}
	snprintf(lg->jbase, sizeof(lg->jbase), "%.*s", (int)n, url);
	snprintf(lg->jpath, sizeof(lg->jpath), "%s",
		 slash && slash[1] ? slash : "/janus");
	n = strlen(lg->jpath);
	if (n > 1 && lg->jpath[n - 1] == '/')
		lg->jpath[n - 1] = '\0';

	/* Janus's rooms have numeric ids: a numeric --room is used
	 * as it is, a name is hashed (FNV-1a) */
	lg->jroom = strtoull(room, &end, 10);
	if (!*room || *end || !lg->jroom) {
		for (const char *c = room; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		lg->jroom = (h & 0x7fffffff) | 1;
	}
	printf("janus: api=%s%s %s_room=%" PRIu64 "\n", lg->jbase,
	       lg->jpath, plugin_key(lg), lg->jroom);

	return 0;
}

/* The reason of a Janus or AudioBridge error in a response, or NULL. */
static const char *api_error(json_t *resp, long long *code)
{
	json_t *e = json_object_get(resp, "error");
	json_t *data = json_object_get(
		json_object_get(resp, "plugindata"), "data");

	*code = 0;
	if (json_is_object(e)) {
		*code = json_integer_value(json_object_get(e, "code"));
		return json_string_value(json_object_get(e, "reason"));
	}
	if (json_object_get(data, "error_code")) {
		*code = json_integer_value(json_object_get(data,
							   "error_code"));
		return json_string_value(json_object_get(data, "error"));
	}

	return NULL;
}

/*
 * One request: method to jpath + suffix with req (taken; a transaction id
 * is added) as the body, or none.  *respp receives the response, which
 * must say "success", "ack", "event" or "keepalive".
 */
static int call(struct lg *lg, const char *method, const char *suffix,
		json_t *req, json_t **respp)
{
	struct tes_bench_resp r;
	char path[256], txn[13];
	const char *kind, *why;
	json_t *resp = NULL;
	char *body = NULL;
	long long code;
	int err;

	*respp = NULL;
	if (!req && strcmp(method, "GET"))
		return -EINVAL; /* json_pack() failed: our bug */
	snprintf(path, sizeof(path), "%s%s", lg->jpath, suffix);
	if (req) {
		tes_rand_str(txn, 12);
		json_object_set_new(req, "transaction", json_string(txn));
		body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		if (!body)
			return -ENOMEM;
	}
	err = tes_bench_http(&r, lg->jbase, method, path,
			     body ? "application/json" : NULL, body);
	free(body);
	if (err) {
		fprintf(stderr, "loadgen: %s %s%s: %s\n", method, lg->jbase,
			path, strerror(-err));
		return err;
	}
	if (r.status == 200)
		resp = json_loads(r.body, 0, NULL);
	kind = json_string_value(json_object_get(resp, "janus"));
	why = api_error(resp, &code);
	if (!kind || (strcmp(kind, "success") && strcmp(kind, "ack") &&
		      strcmp(kind, "event") && strcmp(kind, "keepalive"))) {
		fprintf(stderr, "loadgen: %s %s%s: %d %s\n", method,
			lg->jbase, path, r.status,
			why ? why : r.body ? r.body : "");
		json_decref(resp);
		free(r.body);
		return -EPROTO;
	}
	free(r.body);
	*respp = resp;

	return 0;
}

/* The "id" of a "success" response's data (session or handle). */
static uint64_t data_id(json_t *resp)
{
	json_t *id = json_object_get(json_object_get(resp, "data"), "id");

	return json_is_integer(id) ? (uint64_t)json_integer_value(id) : 0;
}

/* POST a request without a response of interest; errors are printed. */
static int post(struct lg *lg, const char *suffix, json_t *req)
{
	json_t *resp;
	int err = call(lg, "POST", suffix, req, &resp);

	if (!err)
		json_decref(resp);

	return err;
}

/* POST a plugin message (body, taken) with an SDP offer or answer. */
static int post_jsep(struct lg *lg, const char *suffix, json_t *body,
		     const char *type, const char *sdp)
{
	return post(lg, suffix,
		    json_pack("{ss so s{sssssb}}", "janus", "message", "body",
			      body, "jsep", "type", type, "sdp", sdp,
			      "trickle", 0));
}

static int create_room(struct lg *lg, struct lg_part *p)
{
	char suffix[64], desc[160];
	const char *why;
	json_t *resp, *req;
	long long code;
	int err;

	snprintf(suffix, sizeof(suffix), "/%" PRIu64 "/%" PRIu64,
		 p->jsession, p->jhandle);
	snprintf(desc, sizeof(desc), "tes_loadgen %s", lg->o.room);
	if (lg->o.subscribers)
		/* one publisher, its codecs; no recording, no events to the
		 * others about joins: the forwarding alone */
		req = json_pack("{ss s{sssIsssisssssbsbsb}}", "janus",
				"message", "body", "request", "create",
				"room", (json_int_t)lg->jroom, "description",
				desc, "publishers", 1, "audiocodec", "opus",
				"videocodec", "vp8", "notify_joining", 0,
				"record", 0, "permanent", 0);
	else
		req = json_pack("{ss s{sssIsssisbsbsbsb}}", "janus", "message",
				"body", "request", "create", "room",
				(json_int_t)lg->jroom, "description", desc,
				"sampling_rate", MIX_RATE, "audiolevel_ext",
				1, "audiolevel_event", 0, "record", 0,
				"permanent", 0);
	err = call(lg, "POST", suffix, req, &resp);
	if (err)
		return err;
	why = api_error(resp, &code);
	if (why && code != ERR_ROOM_EXISTS && code != VR_ROOM_EXISTS) {
		fprintf(stderr, "loadgen: janus: create room %" PRIu64
			": %lld %s\n", lg->jroom, code, why);
		err = -EPROTO;
	}
	json_decref(resp);

	return err;
}

/*
 * Long-poll the session until the event with a jsep (an answer to our
 * offer, or Janus's offer) arrives: *evp receives it (to json_decref).
 * A plugin error sets *code (printed unless it is VR_NO_SUCH_FEED).
 */
static int wait_jsep(struct lg *lg, struct lg_part *p, json_t **evp,
		     long long *code)
{
	char suffix[64];
	const char *why;
	json_t *ev;
	int err;

	*evp = NULL;
	snprintf(suffix, sizeof(suffix), "/%" PRIu64 "?maxev=1",
		 p->jsession);
	for (int i = 0; i < POLL_EVENTS; i++) {
		err = call(lg, "GET", suffix, NULL, &ev);
		if (err)
			return err;
		why = api_error(ev, code);
		if (why) {
			if (*code != VR_NO_SUCH_FEED)
				fprintf(stderr, "loadgen: participant %d: "
					"janus: %lld %s\n", p->idx, *code,
					why);
			json_decref(ev);
			return -EPROTO;
		}
		if (json_string_value(json_object_get(
			    json_object_get(ev, "jsep"), "sdp"))) {
			*evp = ev;
			return 0;
		}
		json_decref(ev);
	}
	fprintf(stderr, "loadgen: participant %d: no SDP from janus in %d "
		"events\n", p->idx, POLL_EVENTS);

	return -ETIMEDOUT;
}

/* The plugin's data in an event, and its SDP. */
static json_t *ev_data(json_t *ev, const char **sdp)
{
	*sdp = json_string_value(json_object_get(json_object_get(ev, "jsep"),
						 "sdp"));

	return json_object_get(json_object_get(ev, "plugindata"), "data");
}

/* Join (AudioBridge) or publish (VideoRoom) with our offer; take the
 * answer. */
static int join_offer(struct lg *lg, struct lg_part *p, const char *suffix)
{
	char display[32];
	const char *sdp, *what;
	char *offer = malloc(LG_OFFER_MAX);
	json_t *resp, *body, *data;
	long long code;
	int err;

	if (!offer)
		return -ENOMEM;
	lg_offer(lg, p, true, offer, LG_OFFER_MAX);
	snprintf(display, sizeof(display), "lg%d", p->idx);
	if (lg->o.subscribers)
		body = json_pack("{sssssIss}", "request", "joinandconfigure",
				 "ptype", "publisher", "room",
				 (json_int_t)lg->jroom, "display", display);
	else
		body = json_pack("{sssIsssbsisisi}", "request", "join",
				 "room", (json_int_t)lg->jroom, "display",
				 display, "muted", 0, "quality", MIX_QUALITY,
				 "bitrate", MIX_BITRATE, "expected_loss",
				 MIX_LOSS_PERC);
	err = post_jsep(lg, suffix, body, "offer", offer);
	free(offer);
	if (err)
		return err;

	err = wait_jsep(lg, p, &resp, &code);
	if (err)
		return err;
	data = ev_data(resp, &sdp);
	what = json_string_value(json_object_get(data, plugin_key(lg)));
	if (!what || strcmp(what, "joined"))
		fprintf(stderr, "loadgen: participant %d: answer without "
			"\"joined\"\n", p->idx);
	if (lg->o.subscribers)
		lg->jfeed = (uint64_t)json_integer_value(
			json_object_get(data, "id"));
	err = lg_take_answer(lg, p, sdp);
	json_decref(resp);

	return err;
}

/* VideoRoom: subscribe to the publisher's feed; answer Janus's offer. */
static int subscribe(struct lg *lg, struct lg_part *p, const char *suffix)
{
	const char *sdp = NULL;
	char *ans = NULL;
	json_t *ev = NULL;
	long long code = 0;
	int err = -EPROTO;

	for (int i = 0; i < SUBSCRIBE_TRIES && !ev; i++) {
		if (i)
			uv_sleep(SUBSCRIBE_RETRY_MS);
		err = post(lg, suffix,
			   json_pack("{ss s{sssssIs[{sI}]}}", "janus",
				     "message", "body", "request", "join",
				     "ptype", "subscriber", "room",
				     (json_int_t)lg->jroom, "streams",
				     "feed", (json_int_t)lg->jfeed));
		if (err)
			return err;
		err = wait_jsep(lg, p, &ev, &code);
		if (err && code != VR_NO_SUCH_FEED)
			return err;
	}
	if (!ev) {
		fprintf(stderr, "loadgen: participant %d: janus: feed %" PRIu64
			" is not up\n", p->idx, lg->jfeed);
		return err;
	}
	(void)ev_data(ev, &sdp);
	/* Janus's offer names its ICE, DTLS and candidate, as an answer
	 * does when we offer */
	err = lg_take_answer(lg, p, sdp);
	if (!err)
		err = (ans = malloc(LG_ANSWER_MAX)) ? 0 : -ENOMEM;
	if (!err)
		err = lg_answer(lg, p, sdp, ans, LG_ANSWER_MAX);
	json_decref(ev);
	if (!err)
		err = post_jsep(lg, suffix,
				json_pack("{ss}", "request", "start"),
				"answer", ans);
	free(ans);
	if (err)
		return err;
	p->c.offers_in++;
	p->c.answers_out++;

	return 0;
}

int lg_janus_join(struct lg *lg, struct lg_part *p)
{
	char suffix[64];
	json_t *resp;
	int err;

	err = call(lg, "POST", "", json_pack("{ss}", "janus", "create"),
		   &resp);
	if (err)
		return err;
	p->jsession = data_id(resp);
	json_decref(resp);

	snprintf(suffix, sizeof(suffix), "/%" PRIu64, p->jsession);
	err = call(lg, "POST", suffix,
		   json_pack("{ssss}", "janus", "attach", "plugin",
			     plugin(lg)),
		   &resp);
	if (err)
		return err;
	p->jhandle = data_id(resp);
	json_decref(resp);
	if (!p->jsession || !p->jhandle) {
		fprintf(stderr, "loadgen: participant %d: janus gave no "
			"session or handle id\n", p->idx);
		return -EPROTO;
	}
	p->next_keepalive_ms = tes_now_ms() + KEEPALIVE_MS;

	if (p->idx == 0) {
		err = create_room(lg, p);
		if (err)
			return err;
	}
	snprintf(suffix, sizeof(suffix), "/%" PRIu64 "/%" PRIu64,
		 p->jsession, p->jhandle);

	return p->sub ? subscribe(lg, p, suffix) : join_offer(lg, p, suffix);
}

void lg_janus_keepalive(struct lg *lg, uint64_t now_ms)
{
	struct lg_part *p = &lg->parts[lg->next_keepalive];
	char suffix[32];
	json_t *resp;

	lg->next_keepalive = (lg->next_keepalive + 1) % lg->o.count;
	if (!p->jsession || now_ms < p->next_keepalive_ms)
		return;
	p->next_keepalive_ms = now_ms + KEEPALIVE_MS;
	snprintf(suffix, sizeof(suffix), "/%" PRIu64, p->jsession);
	if (!call(lg, "POST", suffix, json_pack("{ss}", "janus", "keepalive"),
		  &resp))
		json_decref(resp);
}

void lg_janus_leave(struct lg *lg)
{
	char suffix[64];

	/* everyone leaves the room first, then the sessions go: the room
	 * tells the others about each leave, and they are still there to
	 * be told */
	for (int i = 0; i < lg->o.count; i++) {
		const struct lg_part *p = &lg->parts[i];

		if (!p->jsession || !p->jhandle)
			continue;
		snprintf(suffix, sizeof(suffix), "/%" PRIu64 "/%" PRIu64,
			 p->jsession, p->jhandle);
		(void)post(lg, suffix, json_pack("{ss s{ss}}", "janus",
						 "message", "body", "request",
						 "leave"));
	}
	for (int i = 0; i < lg->o.count; i++) {
		struct lg_part *p = &lg->parts[i];

		if (!p->jsession)
			continue;
		snprintf(suffix, sizeof(suffix), "/%" PRIu64, p->jsession);
		(void)post(lg, suffix, json_pack("{ss}", "janus", "destroy"));
		p->jsession = 0;
		p->jhandle = 0;
	}
}
