/**
 * @file test_sfu.c  The sfu room mode's renegotiation, through the room
 * registry's API: offers on the event channel, answers (good and bad),
 * a publisher leaving, m-lines reused, and switches between mix and sfu.
 * No media flows (nobody connects): what is checked is the SDP each
 * participant is offered and what the registry says.
 */
#include <stdlib.h>

#include "dtls/dtls.h"
#include "net/ice.h"
#include "room/room.h"
#include "sdp/sdp.h"
#include "test.h"

/* What the event handler saw. */
struct seen {
	int offers;
	int modes;
	int closed;
	char to[TES_PART_ID_LEN + 1];  /* last offer's participant */
	char *sdp;                     /* last offer */
	char mode[8];                  /* last mode event's mode */
};

static void on_event(const char *room, const char *part, json_t *ev,
		     void *arg)
{
	struct seen *s = arg;
	const char *type = json_string_value(json_object_get(ev, "type"));

	(void)room;
	if (!strcmp(type, "offer")) {
		s->offers++;
		snprintf(s->to, sizeof(s->to), "%s", part);
		free(s->sdp);
		s->sdp = strdup(json_string_value(json_object_get(ev, "sdp")));
	}
	else if (!strcmp(type, "mode")) {
		s->modes++;
		snprintf(s->mode, sizeof(s->mode), "%s",
			 json_string_value(json_object_get(ev, "mode")));
	}
	else if (!strcmp(type, "closed")) {
		s->closed++;
	}
}

/* Replace every `from` in a malloc'd string by `to`. */
static char *replace(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *out, *w;
	const char *p;

	for (p = s; (p = strstr(p, from)); p += fl)
		n++;
	out = malloc(strlen(s) + n * (tl + 1) + 1);
	if (!out)
		return s;
	w = out;
	for (p = s; *p;) {
		if (!strncmp(p, from, fl)) {
			memcpy(w, to, tl);
			w += tl;
			p += fl;
		}
		else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	free(s);

	return out;
}

/* The answer a browser with the vector's credentials would give */
static char *answer_of(const char *offer, const struct tes_sdp_session *peer,
		       const char *our_fp, const char *our_ufrag)
{
	char *a = strdup(offer), from[300], to[300];

	a = replace(a, "a=sendonly", "a=recvonly");
	a = replace(a, "a=setup:passive", "a=setup:active");
	a = replace(a, "a=ice-lite\r\n", "");
	snprintf(from, sizeof(from), "a=fingerprint:sha-256 %s", our_fp);
	snprintf(to, sizeof(to), "a=fingerprint:%s %s", peer->media[0].fp_alg,
		 peer->media[0].fp);
	a = replace(a, from, to);
	snprintf(from, sizeof(from), "a=ice-ufrag:%s", our_ufrag);
	snprintf(to, sizeof(to), "a=ice-ufrag:%s", peer->media[0].ice_ufrag);
	return replace(a, from, to);
}

static const char *ufrag_of(const char *sdp, char *buf, size_t len)
{
	const char *p = strstr(sdp, "a=ice-ufrag:");

	buf[0] = '\0';
	if (p)
		sscanf(p, "a=ice-ufrag:%63[^\r\n]", buf);
	(void)len;
	return buf;
}

struct part_seen {
	const char *id;
	size_t tracks;
	bool pending;
	bool found;
};

static void room_h(const struct tes_room_info *ri, void *arg)
{
	(void)ri;
	(void)arg;
}

static void part_h(const struct tes_part_info *pi, void *arg)
{
	struct part_seen *ps = arg;

	if (strcmp(pi->id, ps->id))
		return;
	ps->found = true;
	ps->tracks = pi->sfu_tracks;
	ps->pending = pi->sfu_offer_pending;
}

static struct part_seen describe(struct tes_rooms *r, const char *id)
{
	struct part_seen ps = {.id = id};

	(void)tes_rooms_describe(r, "s", room_h, part_h, &ps);
	return ps;
}

static int parse(struct tes_sdp_session *s, const char *sdp)
{
	return tes_sdp_parse(s, sdp, strlen(sdp), NULL, 0);
}

/* A room registry in sfu mode on a loop of its own, a browser's offer to
 * join with (vec) and what it parses to (peer), and room for the offers
 * the participants are sent (o). */
struct fx {
	struct tes_conf conf;
	uv_loop_t loop;
	struct tes_ice_server *ice;
	struct tes_dtls_cert *cert;
	struct tes_rooms *r;
	struct seen seen;
	char *vec;
	size_t len;
	struct tes_sdp_session *peer;
	struct tes_sdp_session *o;
};

static int fx_open(struct fx *f, unsigned max_participants)
{
	memset(f, 0, sizeof(*f));
	tes_conf_defaults(&f->conf);
	strcpy(f->conf.default_mode, "sfu");
	snprintf(f->conf.layouts_file, sizeof(f->conf.layouts_file), "%s",
		 TES_SOURCE_DIR "/conf/layouts.yaml");
	f->conf.mixer_threads = 1;
	if (max_participants)
		f->conf.max_participants = max_participants;
	f->peer = malloc(sizeof(*f->peer));
	f->o = malloc(sizeof(*f->o));
	f->vec = tes_test_read_vector("chrome_sendrecv.sdp", &f->len);
	TEST_ASSERT(f->vec && f->peer && f->o);
	TEST_OK(parse(f->peer, f->vec));
	TEST_OK(uv_loop_init(&f->loop));
	TEST_OK(tes_ice_server_alloc(&f->ice, &f->loop, "127.0.0.1", 0));
	TEST_OK(tes_dtls_cert_alloc(&f->cert));
	struct tes_rooms_deps deps = {.loop = &f->loop, .conf = &f->conf,
				      .ice = f->ice, .cert = f->cert};
	TEST_OK(tes_rooms_alloc(&f->r, &deps));
	tes_rooms_set_event_handler(f->r, on_event, &f->seen);

	return 0;
}

static void fx_close(struct fx *f)
{
	tes_rooms_close(f->r);
	tes_ice_server_close(f->ice);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&f->loop);
	tes_deref(f->cert);
	free(f->seen.sdp);
	free(f->vec);
	free(f->peer);
	free(f->o);
}

TES_TEST(sfu_renegotiation)
{
	static struct fx fx;
	struct tes_join_result ja, jb, jc;
	struct tes_sdp_session *peer, *o;
	struct tes_rooms *r;
	struct seen *seen = &fx.seen;
	char *vec, *ans = NULL, err[256], ufrag[64];
	const char *fp;
	size_t len;
	int ret = 1;

	memset(&ja, 0, sizeof(ja));
	memset(&jb, 0, sizeof(jb));
	memset(&jc, 0, sizeof(jc));
	TEST_OK(fx_open(&fx, 0));
	r = fx.r;
	peer = fx.peer;
	o = fx.o;
	vec = fx.vec;
	len = fx.len;
	fp = tes_dtls_cert_fingerprint(fx.cert);

	tes_rooms_join(r, "s", "a", vec, len, &ja);
	tes_rooms_join(r, "s", "b", vec, len, &jb);
	if (ja.status != 201 || jb.status != 201)
		goto out;

	/* no channel, no offer; a's channel opens: its offer has b's two
	 * tracks after its own two m-lines */
	if (seen->offers)
		goto out;
	TEST_OK(tes_rooms_events_attach(r, "s", ja.id, true));
	TEST_EQ(seen->offers, 1);
	TEST_STREQ(seen->to, ja.id);
	TEST_OK(parse(o, seen->sdp));
	TEST_EQ(o->n_media, 4);
	TEST_EQ(o->n_bundle, 4);
	TEST_EQ(o->media[1].dir, TES_DIR_SENDRECV);
	TEST_EQ(o->media[2].kind, TES_MEDIA_AUDIO);
	TEST_EQ(o->media[2].dir, TES_DIR_SENDONLY);
	TEST_EQ(o->media[3].kind, TES_MEDIA_VIDEO);
	TEST_EQ(o->media[3].dir, TES_DIR_SENDONLY);
	TEST_ASSERT(!strncmp(o->media[3].msid, jb.id, TES_PART_ID_LEN));
	TEST_EQ(o->media[3].n_ssrc, 1);
	TEST_ASSERT(o->sess_version == 3);
	TEST_ASSERT(describe(r, ja.id).pending);
	TEST_EQ(describe(r, ja.id).tracks, 2);

	/* answers: not JSON-shaped checks but SDP ones */
	ans = answer_of(seen->sdp, peer, fp, ufrag_of(seen->sdp, ufrag,
						     sizeof(ufrag)));
	TEST_EQ(tes_rooms_answer(r, "s", "nobody", ans, strlen(ans), err,
				 sizeof(err)), -ENOENT);
	TEST_OK(tes_rooms_answer(r, "s", ja.id, ans, strlen(ans), err,
				 sizeof(err)));
	TEST_ASSERT(!describe(r, ja.id).pending);
	TEST_EQ(describe(r, ja.id).tracks, 2);
	TEST_EQ(tes_rooms_answer(r, "s", ja.id, ans, strlen(ans), err,
				 sizeof(err)), -EALREADY);
	TEST_ASSERT(strstr(err, "no offer"));

	/* b leaves: a is offered the same four m-lines, b's inactive */
	TEST_OK(tes_rooms_leave(r, "s", jb.id));
	TEST_EQ(seen->offers, 2);
	TEST_OK(parse(o, seen->sdp));
	TEST_EQ(o->n_media, 4);
	TEST_EQ(o->media[3].dir, TES_DIR_INACTIVE);
	TEST_EQ(o->media[3].n_ssrc, 0);
	TEST_EQ(describe(r, ja.id).tracks, 0);

	/* a wrong fingerprint, a wrong number of m-lines: refused, and the
	 * offer still waits */
	free(ans);
	ans = answer_of(seen->sdp, peer, fp, ufrag_of(seen->sdp, ufrag,
						     sizeof(ufrag)));
	{
		char *bad = replace(strdup(ans), peer->media[0].fp + 3,
				    "00:00:00:00:00:00:00:00:00:00:00:00:00:"
				    "00:00:00:00:00:00:00:00:00:00:00:00:00:"
				    "00:00:00:00:00");

		TEST_EQ(tes_rooms_answer(r, "s", ja.id, bad, strlen(bad), err,
					 sizeof(err)), -EPROTO);
		TEST_ASSERT(strstr(err, "fingerprint"));
		free(bad);
		bad = strdup(ans);
		*strstr(bad, "m=video") = '\0';
		TEST_EQ(tes_rooms_answer(r, "s", ja.id, bad, strlen(bad), err,
					 sizeof(err)), -EPROTO);
		TEST_ASSERT(strstr(err, "m-lines"));
		free(bad);
	}
	TEST_ASSERT(describe(r, ja.id).pending);
	TEST_OK(tes_rooms_answer(r, "s", ja.id, ans, strlen(ans), err,
				 sizeof(err)));

	/* c joins: b's m-lines are reused, not added */
	tes_rooms_join(r, "s", "c", vec, len, &jc);
	TEST_EQ(jc.status, 201);
	TEST_EQ(seen->offers, 3);
	TEST_OK(parse(o, seen->sdp));
	TEST_EQ(o->n_media, 4);
	TEST_EQ(o->media[3].dir, TES_DIR_SENDONLY);
	TEST_ASSERT(!strncmp(o->media[3].msid, jc.id, TES_PART_ID_LEN));
	free(ans);
	ans = answer_of(seen->sdp, peer, fp, ufrag_of(seen->sdp, ufrag,
						     sizeof(ufrag)));
	TEST_OK(tes_rooms_answer(r, "s", ja.id, ans, strlen(ans), err,
				 sizeof(err)));

	/* to mix: a's forwarded m-lines go inactive; back to sfu: active */
	TEST_EQ(tes_rooms_set_mode(r, "s", "echo"), -EINVAL);
	TEST_EQ(tes_rooms_set_mode(r, "t", "mix"), -ENOENT);
	TEST_OK(tes_rooms_set_mode(r, "s", "mix"));
	TEST_EQ(seen->modes, 1);
	TEST_STREQ(seen->mode, "mix");
	TEST_EQ(seen->offers, 4);
	TEST_OK(parse(o, seen->sdp));
	TEST_EQ(o->media[2].dir, TES_DIR_INACTIVE);
	TEST_EQ(o->media[3].dir, TES_DIR_INACTIVE);
	free(ans);
	ans = answer_of(seen->sdp, peer, fp, ufrag_of(seen->sdp, ufrag,
						     sizeof(ufrag)));
	TEST_OK(tes_rooms_answer(r, "s", ja.id, ans, strlen(ans), err,
				 sizeof(err)));
	TEST_OK(tes_rooms_set_mode(r, "s", "sfu"));
	TEST_STREQ(seen->mode, "sfu");
	TEST_EQ(seen->offers, 5);
	TEST_OK(parse(o, seen->sdp));
	TEST_EQ(o->n_media, 4);
	TEST_EQ(o->media[3].dir, TES_DIR_SENDONLY);
	ret = 0;

out:
	tes_deref(ja.answer);
	tes_deref(jb.answer);
	tes_deref(jc.answer);
	fx_close(&fx);
	free(ans);

	return ret;
}

/* More publishers than the 16 BUNDLE mids the parser once allowed: a
 * subscriber is offered all of them in one BUNDLE group, and its answer
 * (which bundles them all too) is taken. */
TES_TEST(sfu_many_publishers)
{
	enum { N = 12 };
	static struct fx fx;
	struct tes_join_result j[N];
	struct seen *seen = &fx.seen;
	char *ans = NULL, err[256], ufrag[64];
	int ret = 1;

	memset(j, 0, sizeof(j));
	TEST_OK(fx_open(&fx, N));

	for (size_t i = 0; i < N; i++) {
		char name[8];

		snprintf(name, sizeof(name), "p%zu", i);
		tes_rooms_join(fx.r, "s", name, fx.vec, fx.len, &j[i]);
		if (j[i].status != 201)
			goto out;
	}
	TEST_OK(tes_rooms_events_attach(fx.r, "s", j[0].id, true));
	TEST_EQ(seen->offers, 1);
	TEST_OK(parse(fx.o, seen->sdp));
	TEST_EQ(fx.o->n_media, 2 * N);
	TEST_EQ(fx.o->n_bundle, 2 * N);
	ans = answer_of(seen->sdp, fx.peer, tes_dtls_cert_fingerprint(fx.cert),
			ufrag_of(seen->sdp, ufrag, sizeof(ufrag)));
	TEST_OK(tes_rooms_answer(fx.r, "s", j[0].id, ans, strlen(ans), err,
				 sizeof(err)));
	TEST_EQ(describe(fx.r, j[0].id).tracks, 2 * (N - 1));
	TEST_ASSERT(!describe(fx.r, j[0].id).pending);
	ret = 0;

out:
	for (size_t i = 0; i < N; i++)
		tes_deref(j[i].answer);
	fx_close(&fx);
	free(ans);

	return ret;
}
