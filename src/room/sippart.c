/**
 * @file sippart.c  A SIP participant's media: one plain RTP transport per
 * accepted m-line (no ICE, no BUNDLE), SDES-SRTP keys (RFC 4568) or none,
 * and the SIP side of offer/answer: we answer an INVITE's offer, or offer
 * in our 2xx when the INVITE had none and take the answer from the ACK; a
 * re-INVITE may put the call on hold, resume it, move it or rekey it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "room/room_int.h"

enum {
	SDP_MAX = 8192,
};

static enum tes_sdp_srtp srtp_policy(const struct tes_conf *c)
{
	return !strcmp(c->sip_srtp, "off")	   ? TES_SDP_SRTP_OFF
	       : !strcmp(c->sip_srtp, "mandatory") ? TES_SDP_SRTP_MANDATORY
						   : TES_SDP_SRTP_OPTIONAL;
}

/* SDES keys as an SRTP session wants them */
static int sdes_srtp(struct tes_srtp **sp, const struct tes_sdes *local,
		     const struct tes_sdes *remote)
{
	unsigned prof = tes_sdes_srtp_profile(local->suite);

	if (local->suite != remote->suite || local->key_len != remote->key_len ||
	    !prof)
		return -EINVAL;

	return tes_srtp_alloc_sdes(sp, (enum tes_srtp_profile)prof,
				   local->key, remote->key, local->key_len);
}

static void line_recv(bool rtcp, uint8_t *buf, size_t len, void *arg)
{
	struct tes__sipline *l = arg;
	struct tes__part *p = l->p;

	if (p->state == TES__PART_FAILED)
		return;
	p->sip->last_rx_ms = tes_now_ms();
	if (p->state != TES__PART_CONNECTED) {
		p->cnt.drop_not_ready++;
		return;
	}
	tes__part_recv(p, l->srtp,
		       l->stream < p->n_streams ? &p->streams[l->stream]
						: NULL,
		       rtcp, buf, len);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* the line a packet of ours leaves on: that of the stream whose SSRC
 * sends it (RTP: the SSRC; RTCP: the first packet's sender) */
static struct tes__sipline *line_of(struct tes__part *p, const uint8_t *buf,
				    size_t len, bool rtcp)
{
	struct tes__sip *s = p->sip;
	uint32_t ssrc;

	if (!s->n_lines)
		return NULL;
	if (len < 12)
		return &s->line[0];
	ssrc = be32(buf + (rtcp ? 4 : 8));
	for (size_t i = 0; i < s->n_lines; i++) {
		if (s->line[i].stream < p->n_streams &&
		    p->streams[s->line[i].stream].out_ssrc == ssrc)
			return &s->line[i];
	}

	return &s->line[0];
}

int tes__sip_xmit(struct tes__part *p, uint8_t *buf, size_t len, bool rtcp)
{
	struct tes__sipline *l = line_of(p, buf, len, rtcp);
	int err = 0;

	if (!l || !l->sock)
		return -ENOTCONN;
	if (l->srtp)
		err = rtcp ? tes_srtp_protect_rtcp(l->srtp, buf, &len)
			   : tes_srtp_protect_rtp(l->srtp, buf, &len);
	if (!err)
		err = tes_rtp_sock_send(l->sock, rtcp, buf, len);

	return err;
}

/* a fresh key of ours for a line that uses SRTP */
static int new_key(struct tes__sipline *l, uint32_t tag,
		   enum tes_sdes_suite suite)
{
	int err = tes_sdes_new_key(&l->local_key, tag, suite);

	l->has_key = !err;

	return err;
}

static int open_line(struct tes__part *p, const struct tes_rooms_deps *deps,
		     size_t media, bool mux)
{
	struct tes__sip *s = p->sip;
	const struct tes_conf *c = deps->conf;
	struct tes__sipline *l;

	if (s->n_lines == TES_ARRAY_SIZE(s->line))
		return -E2BIG;
	l = &s->line[s->n_lines];
	memset(l, 0, sizeof(*l));
	l->p = p;
	l->media = media;
	l->stream = SIZE_MAX; /* none until the answer says */
	l->mux = mux;
	if (tes_rtp_sock_alloc(&l->sock, deps->loop, c->media_listen,
			       c->sip_rtp_port_min, c->sip_rtp_port_max, mux,
			       line_recv, l))
		return -EBUSY;
	s->n_lines++;

	return 0;
}

/* Open the transports of the accepted m-lines of an answer of ours, each
 * with its own port (pair), and our SDES keys for those that use SRTP */
static int open_lines(struct tes__part *p, struct tes_sdp_answer *ans,
		      const struct tes_rooms_deps *deps)
{
	struct tes__sip *s = p->sip;
	int err;

	for (size_t i = 0; i < ans->n_media; i++) {
		struct tes_sdp_neg_media *m = &ans->media[i];
		struct tes__sipline *l;

		if (!m->accepted)
			continue;
		err = open_line(p, deps, i, m->rtcp_mux);
		if (err)
			return err;
		l = &s->line[s->n_lines - 1];
		m->local_port = tes_rtp_sock_port(l->sock);
		if (m->sdes) {
			err = new_key(l, m->remote_key.tag, m->remote_key.suite);
			if (err)
				return err;
			m->local_key = l->local_key;
		}
	}

	return 0;
}

static struct tes__sipline *line_by_media(struct tes__sip *s, size_t media)
{
	for (size_t i = 0; i < s->n_lines; i++) {
		if (s->line[i].media == media)
			return &s->line[i];
	}

	return NULL;
}

/* The negotiated m-lines take effect: where to send, SRTP keys, and
 * which of p's streams each line carries */
static int apply_lines(struct tes__part *p, const struct tes_sdp_answer *ans)
{
	struct tes__sip *s = p->sip;
	int err;

	for (size_t k = 0; k < s->n_lines; k++) {
		struct tes__sipline *l = &s->line[k];
		const struct tes_sdp_neg_media *m = &ans->media[l->media];
		struct tes__stream *st = m->accepted
						 ? tes__part_stream_by_kind(
							   p, m->kind)
						 : NULL;

		if (!st) {
			/* refused in the answer: nothing goes there */
			l->stream = SIZE_MAX;
			(void)tes_rtp_sock_set_remote(l->sock, "0.0.0.0", 0,
						      0);
			continue;
		}
		l->stream = (size_t)(st - p->streams);
		err = tes_rtp_sock_set_remote(
			l->sock, m->remote_addr, m->we_send ? m->remote_port : 0,
			l->mux ? m->remote_port : m->remote_rtcp_port);
		if (err)
			return err;
		if (m->sdes && (!l->srtp || memcmp(&l->remote_key,
						   &m->remote_key,
						   sizeof(l->remote_key)))) {
			struct tes_srtp *srtp = NULL;

			err = sdes_srtp(&srtp, &l->local_key, &m->remote_key);
			if (err)
				return err;
			tes_deref(l->srtp);
			l->srtp = srtp;
			l->remote_key = m->remote_key;
			p->srtp_name = tes_sdes_suite_name(l->local_key.suite);
		}
		else if (!m->sdes && l->srtp) {
			return -EPROTO; /* no dropping to plain RTP */
		}
		if (m->dtmf_pt)
			s->dtmf_pt = m->dtmf_pt;
	}

	return 0;
}

static void fill_local(struct tes__sip *s, struct tes_sdp_plain_local *local,
		       const struct tes_conf *c)
{
	*local = (struct tes_sdp_plain_local){
		.addr = c->media_announce,
		.cname = s->cname,
		.audio_ssrc = s->audio_ssrc,
		.video_ssrc = s->video_ssrc,
		.sess_id = s->sess_id,
		.sess_version = ++s->sess_version,
	};
}

static void set_ssrcs(struct tes__sip *s, struct tes_sdp_answer *ans)
{
	for (size_t i = 0; i < ans->n_media; i++)
		ans->media[i].local_ssrc = ans->media[i].kind == TES_MEDIA_AUDIO
						   ? s->audio_ssrc
						   : s->video_ssrc;
}

/* Parse a SIP peer's description and negotiate it (an offer, or the
 * answer to ours: n_media, when not 0, is how many m-lines it must have) */
static int negotiate(struct tes__part *p, const char *sdp, size_t len,
		     size_t n_media, struct tes_sdp_answer *ans, char *err,
		     size_t errlen)
{
	struct tes_sdp_plain_prefs prefs = {.srtp = srtp_policy(p->conf)};
	struct tes_sdp_session *sess = malloc(sizeof(*sess));
	int e;

	if (!sess) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = tes_sdp_parse(sess, sdp, len, err, errlen);
	if (!e && n_media && sess->n_media != n_media) {
		snprintf(err, errlen, "the answer has %zu m-lines, our offer "
			 "%zu", sess->n_media, n_media);
		e = -EPROTO;
	}
	if (!e)
		e = tes_sdp_negotiate_plain(ans, sess, &prefs, err, errlen);
	free(sess);
	if (!e)
		set_ssrcs(p->sip, ans);

	return e;
}

/* No offer in the INVITE: ours, with an audio and a video m-line on
 * ports of their own (RTCP on the next port) */
static int make_offer(struct tes__part *p, const struct tes_rooms_deps *deps,
		      char *sdp, char *err, size_t errlen)
{
	struct tes__sip *s = p->sip;
	enum tes_sdp_srtp pol = srtp_policy(deps->conf);
	struct tes_sdp_plain_offer o;
	struct tes_sdp_plain_local local;
	int e;

	for (size_t i = 0; i < 2; i++) {
		e = open_line(p, deps, i, false);
		if (e) {
			snprintf(err, errlen, "no RTP port free");
			return e;
		}
		if (pol != TES_SDP_SRTP_OFF &&
		    new_key(&s->line[i], 1, TES_SDES_AES_CM_128_HMAC_SHA1_80)) {
			snprintf(err, errlen, "no random source for keys");
			return -EIO;
		}
	}
	fill_local(s, &local, deps->conf);
	memset(&o, 0, sizeof(o));
	o.local = local;
	o.srtp = pol;
	o.audio_port = tes_rtp_sock_port(s->line[0].sock);
	o.video_port = tes_rtp_sock_port(s->line[1].sock);
	if (pol != TES_SDP_SRTP_OFF) {
		o.audio_key = s->line[0].local_key;
		o.video_key = s->line[1].local_key;
	}
	e = tes_sdp_build_plain_offer(sdp, SDP_MAX, &o);
	if (e < 0) {
		snprintf(err, errlen, "offer does not fit");
		return e;
	}
	s->offered = true;

	return 0;
}

int tes__sip_setup(struct tes__part *p, const struct tes_rooms_deps *deps,
		   uint32_t call, const char *offer, size_t len,
		   struct tes_sdp_answer *ans, char **sdp_out, char *err,
		   size_t errlen)
{
	struct tes_sdp_plain_local local;
	struct tes__sip *s;
	char *sdp = NULL;
	int e;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->sip = s;
	s->call = call;
	s->last_rx_ms = tes_now_ms();
	s->sess_id = tes_rand_u32();
	tes_rand_str(s->cname, 16);
	s->audio_ssrc = tes_rand_u32() | 1;
	s->video_ssrc = tes_rand_u32() | 2;

	sdp = tes_alloc(SDP_MAX, NULL);
	if (!sdp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!offer || !len) {
		e = make_offer(p, deps, sdp, err, errlen);
		if (!e) {
			TES_LOGI("room", "%s/%s: INVITE without SDP: we offer",
				 p->room->name, p->id);
			*sdp_out = sdp;
			sdp = NULL;
			e = 1;
		}
		goto out;
	}

	e = negotiate(p, offer, len, 0, ans, err, errlen);
	if (e)
		goto out;
	e = open_lines(p, ans, deps);
	if (e) {
		snprintf(err, errlen, "no RTP port free (%s)", strerror(-e));
		e = -EBUSY;
		goto out;
	}
	fill_local(s, &local, deps->conf);
	e = tes_sdp_build_plain_answer(sdp, SDP_MAX, ans, &local);
	if (e < 0) {
		snprintf(err, errlen, "answer does not fit");
		goto out;
	}
	e = 0;
	*sdp_out = sdp;
	sdp = NULL;

out:
	tes_deref(sdp);

	return e;
}

int tes__sip_start(struct tes__part *p, const struct tes_sdp_answer *ans)
{
	int err = apply_lines(p, ans);

	if (err)
		return err;
	p->state = TES__PART_CONNECTED;
	p->sip->last_rx_ms = tes_now_ms();
	for (size_t i = 0; i < p->sip->n_lines; i++) {
		const struct tes__sipline *l = &p->sip->line[i];

		if (l->stream >= p->n_streams)
			continue;
		TES_LOGI("room", "%s/%s: %s on RTP port %u, to %s%s%s",
			 p->room->name, p->id, p->streams[l->stream].codec,
			 tes_rtp_sock_port(l->sock),
			 tes_rtp_sock_remote(l->sock)[0]
				 ? tes_rtp_sock_remote(l->sock)
				 : "nowhere (on hold)",
			 l->srtp ? ", SDES-SRTP " : "",
			 l->srtp ? p->srtp_name : "");
	}

	return 0;
}

int tes__sip_answer(struct tes__part *p, const char *sdp, size_t len,
		    struct tes_sdp_answer *ans, char *err, size_t errlen)
{
	struct tes__sip *s = p->sip;
	int e;

	if (!s->offered || p->state != TES__PART_NEW) {
		snprintf(err, errlen, "no offer of ours waits for an answer");
		return -EALREADY;
	}
	if (!sdp || !len) {
		snprintf(err, errlen, "the ACK carried no SDP answer");
		return -EPROTO;
	}
	e = negotiate(p, sdp, len, s->n_lines, ans, err, errlen);
	if (e)
		return e;
	for (size_t i = 0; i < ans->n_media && i < s->n_lines; i++) {
		struct tes_sdp_neg_media *m = &ans->media[i];

		if (m->sdes && (!s->line[i].has_key ||
				m->remote_key.suite !=
					s->line[i].local_key.suite)) {
			snprintf(err, errlen, "the answer's a=crypto is not "
				 "the suite we offered");
			return -EPROTO;
		}
		m->local_key = s->line[i].local_key;
		m->local_port = tes_rtp_sock_port(s->line[i].sock);
	}

	return 0;
}

int tes__sip_reoffer(struct tes__part *p, const char *sdp, size_t len,
		     struct tes_sdp_answer *ans, char **sdp_out, char *err,
		     size_t errlen)
{
	struct tes__sip *s = p->sip;
	struct tes_sdp_plain_local local;
	char *out;
	int e;

	if (p->state != TES__PART_CONNECTED) {
		snprintf(err, errlen, "the call is not up yet");
		return -EAGAIN;
	}
	if (!sdp || !len) {
		snprintf(err, errlen, "a re-INVITE without SDP is not "
			 "supported");
		return -EPROTO;
	}
	e = negotiate(p, sdp, len, 0, ans, err, errlen);
	if (e)
		return e;

	/* the same m-lines, on the transports they have */
	for (size_t i = 0; i < ans->n_media; i++) {
		struct tes_sdp_neg_media *m = &ans->media[i];
		struct tes__sipline *l = line_by_media(s, i);
		const struct tes__stream *st;

		if (!m->accepted)
			continue;
		st = tes__part_stream_by_kind(p, m->kind);
		if (!l || !st) {
			snprintf(err, errlen, "m-line %zu is new: adding "
				 "media in a re-INVITE is not supported", i);
			return -EPROTO;
		}
		m->local_port = tes_rtp_sock_port(l->sock);
		m->rtcp_mux = l->mux;
		if (m->sdes) {
			if (l->srtp &&
			    l->local_key.suite != m->remote_key.suite) {
				snprintf(err, errlen, "changing the SRTP "
					 "suite is not supported");
				return -EPROTO;
			}
			if (!l->has_key &&
			    new_key(l, m->remote_key.tag, m->remote_key.suite)) {
				snprintf(err, errlen, "no random source for "
					 "keys");
				return -EIO;
			}
			l->local_key.tag = m->remote_key.tag;
			m->local_key = l->local_key;
		}
	}

	out = tes_alloc(SDP_MAX, NULL);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fill_local(s, &local, p->conf);
	e = tes_sdp_build_plain_answer(out, SDP_MAX, ans, &local);
	if (e < 0) {
		tes_deref(out);
		snprintf(err, errlen, "answer does not fit");
		return e;
	}
	*sdp_out = out;

	return 0;
}

int tes__sip_update(struct tes__part *p, const struct tes_sdp_answer *ans)
{
	int changed = 0, err;

	for (size_t i = 0; i < ans->n_media; i++) {
		const struct tes_sdp_neg_media *m = &ans->media[i];
		struct tes__stream *st = tes__part_stream_by_kind(p, m->kind);

		char codec[sizeof(st->codec)];

		if (!st)
			continue;
		st->we_send = m->accepted && m->we_send;
		st->we_recv = m->accepted && m->we_recv;
		if (!m->accepted)
			continue;
		st->pt = m->codec.pt;
		if (m->codec.channels > 1)
			snprintf(codec, sizeof(codec), "%s/%u/%u",
				 m->codec.name, m->codec.clock,
				 m->codec.channels);
		else
			snprintf(codec, sizeof(codec), "%s/%u", m->codec.name,
				 m->codec.clock);
		if (strcasecmp(codec, st->codec)) {
			TES_LOGI("room", "%s/%s: re-INVITE: %s instead of %s",
				 p->room->name, p->id, codec, st->codec);
			memcpy(st->codec, codec, sizeof(codec));
			st->clock = m->codec.clock ? m->codec.clock : 90000;
			changed = 1;
		}
	}
	TES_LOGI("room", "%s/%s: re-INVITE: %s", p->room->name, p->id,
		 tes__sip_on_hold(p) ? "on hold" : "media flows");
	err = apply_lines(p, ans);

	return err ? err : changed;
}

bool tes__sip_on_hold(const struct tes__part *p)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].we_send)
			return false;
	}

	return true;
}

static void on_key(const struct tes_dtmf_report *r, void *arg);

void tes__sip_tick(struct tes__part *p, uint64_t now)
{
	struct tes__sip *s = p->sip;
	bool expect = false;

	/* a call on hold may send nothing at all (baresip stops both ways) */
	for (size_t i = 0; i < p->n_streams; i++)
		expect |= p->streams[i].we_recv;
	/* an event whose end packets were all lost ends a second later */
	if (s->dtmf.active && now - s->dtmf_ms > 1000)
		(void)tes_dtmf_rx_flush(&s->dtmf, on_key, p);
	if (expect && p->state == TES__PART_CONNECTED && !tes__sip_on_hold(p) &&
	    now - s->last_rx_ms > p->conf->sip_media_timeout_s * 1000ull)
		tes__part_fail(p, "no media from the SIP endpoint");
}

void tes__sip_free(struct tes__part *p)
{
	struct tes__sip *s = p->sip;

	if (!s)
		return;
	for (size_t i = 0; i < s->n_lines; i++) {
		tes_rtp_sock_close(s->line[i].sock);
		tes_deref(s->line[i].srtp);
	}
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	p->sip = NULL;
}

const char *tes__sip_remote(const struct tes__part *p)
{
	struct tes__sip *s = p->sip;

	return s && s->n_lines ? tes_rtp_sock_remote(s->line[0].sock) : "";
}

json_t *tes__sip_info(const struct tes__part *p)
{
	const struct tes__sip *s = p->sip;
	json_t *lines, *o;

	if (!s)
		return NULL;
	lines = json_array();
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct tes__sipline *l = &s->line[i];
		const struct tes_rtp_sock_stats *st =
			tes_rtp_sock_stats(l->sock);
		const struct tes__stream *str =
			l->stream < p->n_streams ? &p->streams[l->stream]
						 : NULL;

		json_array_append_new(lines, json_pack(
			"{s:s,s:i,s:s,s:b,s:s,s:b,s:b,s:I,s:I,s:I}",
			"kind", str && str->kind == TES_MEDIA_VIDEO ? "video"
								     : "audio",
			"port", tes_rtp_sock_port(l->sock),
			"remote", tes_rtp_sock_remote(l->sock),
			"rtcp_mux", l->mux,
			"srtp", l->srtp ? tes_sdes_suite_name(l->local_key.suite)
					: "",
			"sending", str && str->we_send,
			"receiving", str && str->we_recv,
			"rx_packets", (json_int_t)st->rx_packets,
			"drop_unknown_addr", (json_int_t)st->drop_unknown_addr,
			"tx_errors", (json_int_t)st->tx_errors));
	}
	o = json_pack("{s:i,s:s,s:s,s:s,s:b,s:o}", "call", (int)s->call,
		      "signalling", s->transport, "user_agent", s->user_agent,
		      "transport", s->n_lines && s->line[0].srtp
					   ? "RTP/SAVP (SDES-SRTP)"
					   : "RTP/AVP",
		      "on_hold", p->state == TES__PART_CONNECTED &&
				 tes__sip_on_hold(p),
		      "media", lines);

	return o;
}

/* every event channel of the room hears it */
static void room_event(struct tes__part *p, json_t *ev)
{
	const struct tes__events *e = p->room->events;

	if (ev && e && e->h)
		e->h(p->room->name, NULL, ev, e->arg);
	json_decref(ev);
}

static void on_key(const struct tes_dtmf_report *r, void *arg)
{
	struct tes__part *p = arg;
	struct tes__sip *s = p->sip;
	size_t n = sizeof(s->keys) - 1;

	TES_LOGI("room", "%s/%s: DTMF %c (%u ms%s)", p->room->name, p->id,
		 r->digit ? r->digit : '?', r->duration / 8,
		 r->ended ? "" : ", its end was lost");
	if (!r->digit)
		return;
	room_event(p, json_pack("{s:s,s:s,s:s#,s:i}", "type", "dtmf",
				"participant", p->id, "key", &r->digit,
				(size_t)1, "duration_ms",
				(int)(r->duration / 8)));
	memmove(s->keys, s->keys + 1, n - 1);
	s->keys[n - 1] = r->digit;
	s->keys[n] = '\0';
	/* *6 toggles the caller's own mute, as on conference bridges */
	if (!strcmp(s->keys + n - 2, "*6")) {
		memset(s->keys, 0, sizeof(s->keys));
		p->muted = !p->muted;
		TES_LOGI("room", "%s/%s: %s by DTMF *6", p->room->name, p->id,
			 p->muted ? "muted" : "unmuted");
		room_event(p, json_pack("{s:s,s:s,s:b,s:s}", "type", "mute",
					"participant", p->id, "muted",
					p->muted, "by", "dtmf *6"));
	}
}

void tes__sip_dtmf(struct tes__part *p, const struct tes_rtp_hdr *h)
{
	struct tes__sip *s = p->sip;

	if (h->ssrc != s->dtmf_ssrc) {
		tes_dtmf_rx_init(&s->dtmf);
		s->dtmf_ssrc = h->ssrc;
	}
	s->dtmf_ms = tes_now_ms();
	(void)tes_dtmf_rx_feed(&s->dtmf, h->ts, h->marker, h->payload,
			       h->payload_len, on_key, p);
}
