/**
 * @file participant.c  One WebRTC participant: offer/answer, ICE-lite
 * agent, DTLS handshake, SRTP, and the receive path up to the room mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "room/room_int.h"
#include "rtp/payload.h"

enum {
	ANSWER_MAX = 16384,
	LOG_INTERVAL_MS = 2000,
};

const char *tes__part_state_name(enum tes__part_state s)
{
	switch (s) {
	case TES__PART_NEW:        return "new";
	case TES__PART_CONNECTING: return "connecting";
	case TES__PART_CONNECTED:  return "connected";
	case TES__PART_FAILED:     return "failed";
	}
	return "?";
}

static const char *profile_name(enum tes_srtp_profile prof)
{
	switch (prof) {
	case TES_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
	case TES_SRTP_AES128_CM_SHA1_32: return "SRTP_AES128_CM_SHA1_32";
	case TES_SRTP_AEAD_AES_128_GCM:  return "SRTP_AEAD_AES_128_GCM";
	default:                         return "";
	}
}

void tes__part_fail(struct tes__part *p, const char *reason)
{
	if (p->state == TES__PART_FAILED)
		return;

	TES_LOGW("room", "%s/%s: %s", p->room->name, p->id, reason);
	snprintf(p->fail_reason, sizeof(p->fail_reason), "%s", reason);
	/* freed by the room's housekeeping, never inside a callback */
	p->state = TES__PART_FAILED;
}

struct tes__stream *tes__part_stream_by_kind(struct tes__part *p,
					     enum tes_media_kind kind)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].kind == kind)
			return &p->streams[i];
	}

	return NULL;
}

struct tes__stream *tes__part_stream_by_pt(struct tes__part *p, uint8_t pt)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].pt == pt)
			return &p->streams[i];
	}

	return NULL;
}

/* Rate-limited note about a dropped packet (counters say how many). */
static void drop_note(struct tes__part *p, const char *what, int err)
{
	uint64_t sup;

	if (tes_ratelog_allow(&p->rl, LOG_INTERVAL_MS, &sup))
		TES_LOGW("room", "%s/%s: dropped %s: %s (%llu more suppressed)",
			 p->room->name, p->id, what, strerror(-err),
			 (unsigned long long)sup);
}

static bool unprotect_failed(struct tes__part *p, int err, const char *what)
{
	if (!err)
		return false;

	if (err == -EACCES)
		p->cnt.srtp_auth_fail++;
	else if (err == -EALREADY)
		p->cnt.srtp_replay++;
	else
		p->cnt.drop_malformed++;
	drop_note(p, what, err);

	return true;
}

bool tes__key_start(const struct tes__stream *st, const struct tes_rtp_hdr *h,
		    uint16_t *width, uint16_t *height)
{
	struct tes_vp8_desc d;
	struct tes_h264_pkt hp;

	if (!strncasecmp(st->codec, "VP8/", 4)) {
		if (tes_vp8_parse_desc(&d, h->payload, h->payload_len) ||
		    !d.keyframe)
			return false;
		if (width && d.width > 0 && d.height > 0) {
			*width = (uint16_t)d.width;
			*height = (uint16_t)d.height;
		}
		return true;
	}
	if (!strncasecmp(st->codec, "H264/", 5))
		return !tes_h264_parse(&hp, h->payload, h->payload_len) &&
		       hp.nal_start && (hp.idr || hp.sps);

	return false;
}

/* Whether a layer is at least 90 % of a cell's size each way (that still
 * looks sharp) */
static bool covers(const struct tes__stream *st, int i, int cw, int ch)
{
	return st->layers[i].width * 10 >= cw * 9 &&
	       st->layers[i].height * 10 >= ch * 9;
}

/*
 * The mixer decodes one simulcast layer of a participant: the smallest
 * that covers the cell the layout gives it in the largest canvas (sizes
 * from the layers' keyframes), the largest when none does, the smallest
 * when it has no cell.  A change waits for a keyframe of the new layer,
 * asked for now.
 */
static void choose_mix_layer(struct tes__part *p, struct tes__stream *st,
			     uint64_t now)
{
	int cw = 0, ch = 0, want = -1, small = -1, large = -1;

	if (now - st->mix_choice_ms < 1000)
		return;
	st->mix_choice_ms = now;
	for (int i = 0; i < st->n_layers; i++) {
		int w = st->layers[i].width;

		if (!st->layers[i].ssrc || !w)
			continue;
		if (small < 0 || w < st->layers[small].width)
			small = i;
		if (large < 0 || w > st->layers[large].width)
			large = i;
	}
	if (small < 0)
		return; /* no size known yet */
	if (!tes__mix_cell_px(p->room->mix, p, &cw, &ch)) {
		want = small;
	}
	else {
		for (int i = 0; i < st->n_layers; i++) {
			if (st->layers[i].ssrc && st->layers[i].width &&
			    covers(st, i, cw, ch) &&
			    (want < 0 ||
			     st->layers[i].width < st->layers[want].width))
				want = i;
		}
		if (want < 0)
			want = large;
	}
	if (want == st->mix_want && want == st->mix_layer)
		return;
	if (want == st->mix_want) {
		/* still waiting for its keyframe: the request may have been
		 * lost, ask again (once a second) */
		(void)tes__part_send_pli(p, st, st->layers[want].ssrc);
		return;
	}

	if (cw)
		TES_LOGI("room", "%s/%s: the mixer takes layer %s (%ux%u) for "
			 "a %dx%d cell", p->room->name, p->id,
			 st->layers[want].rid, st->layers[want].width,
			 st->layers[want].height, cw, ch);
	else
		TES_LOGI("room", "%s/%s: the mixer takes layer %s (%ux%u): no "
			 "cell shows it", p->room->name, p->id,
			 st->layers[want].rid, st->layers[want].width,
			 st->layers[want].height);
	st->mix_want = (int8_t)want;
	(void)tes__part_send_pli(p, st, st->layers[want].ssrc);
}

/* The mixer's layer: packets of another are not its; at a keyframe of
 * the wanted one it switches (a fresh ingress and a decoder restart) */
static bool mix_takes(struct tes__part *p, struct tes__stream *st, int layer,
		      const struct tes_rtp_hdr *h)
{
	if (layer == st->mix_layer)
		return true;
	if (layer != st->mix_want || !tes__key_start(st, h, NULL, NULL))
		return false;
	st->mix_layer = (int8_t)layer;
	st->in_ssrc = h->ssrc;
	return !tes__mixin_video_restart(p);
}

/*
 * The simulcast layer of a packet: by its SSRC once known, else by its
 * rtp-stream-id extension (the SSRC is learned then).  -1: not one of the
 * offered layers (dropped).
 */
static int layer_of(struct tes__part *p, struct tes__stream *st,
		    const struct tes_rtp_hdr *h)
{
	const uint8_t *rid;
	size_t n;

	for (int i = 0; i < st->n_layers; i++) {
		if (st->layers[i].ssrc == h->ssrc)
			return i;
	}
	if (!st->rid_id || tes_rtp_ext_find(h, st->rid_id, &rid, &n))
		return -1;
	for (int i = 0; i < st->n_layers; i++) {
		if (strlen(st->layers[i].rid) == n &&
		    !memcmp(st->layers[i].rid, rid, n)) {
			TES_LOGI("room", "%s/%s: simulcast layer %s is ssrc %u",
				 p->room->name, p->id, st->layers[i].rid,
				 h->ssrc);
			st->layers[i].ssrc = h->ssrc;
			if (i == st->mix_layer)
				st->in_ssrc = h->ssrc;
			return i;
		}
	}

	return -1;
}

/* line: the stream the packet's transport carries (SIP: one m-line per
 * port, and two m-lines may use one payload type), NULL: by pt */
static void recv_rtp(struct tes__part *p, struct tes_srtp *srtp,
		     struct tes__stream *line, uint8_t *buf, size_t len)
{
	struct tes_rtp_hdr h;
	struct tes__stream *st;
	int err, layer;

	err = srtp ? tes_srtp_unprotect_rtp(srtp, buf, &len) : 0;
	if (unprotect_failed(p, err, "SRTP"))
		return;

	err = tes_rtp_parse(&h, buf, len);
	if (err) {
		p->cnt.drop_malformed++;
		drop_note(p, "RTP", err);
		return;
	}

	if (p->sip && p->sip->dtmf_pt && h.pt == p->sip->dtmf_pt &&
	    (!line || line->kind == TES_MEDIA_AUDIO)) {
		struct tes__stream *a = tes__part_stream_by_kind(
			p, TES_MEDIA_AUDIO);

		p->cnt.rtp_in++;
		tes__sip_dtmf(p, &h);
		/* events take sequence numbers of the audio stream: the mixer's
		 * audio input sees them as empty packets, not as losses */
		h.payload_len = 0;
		if (a && p->room->mix)
			tes__mix_rtp(p, a, &h);
		return;
	}
	st = !line ? tes__part_stream_by_pt(p, h.pt)
		   : h.pt == line->pt ? line
				      : NULL;
	if (!st || !st->we_recv) {
		p->cnt.drop_unknown_pt++;
		drop_note(p, "RTP with a payload type not agreed", -EPROTO);
		return;
	}

	p->cnt.rtp_in++;
	p->cnt.bytes_in += len;

	layer = st->n_layers ? layer_of(p, st, &h) : 0;
	if (layer >= 0)
		tes_rx_update(&st->rx[layer], h.ssrc, st->clock, h.seq, h.ts,
			      tes_now_us());
	if (st->n_layers) {
		if (layer < 0) {
			p->cnt.drop_unknown_pt++;
			drop_note(p, "RTP of no offered simulcast stream",
				  -EPROTO);
			return;
		}
		/* a layer's size, from its keyframes */
		(void)tes__key_start(st, &h, &st->layers[layer].width,
				     &st->layers[layer].height);
		if (p->room->sfu) {
			tes__sfu_rtp(p, st, &h, layer);
			return;
		}
		/* echo takes the largest layer */
		if (p->room->mix ? !mix_takes(p, st, layer, &h)
				 : layer != st->n_layers - 1)
			return;
	}
	else if (st->in_ssrc != h.ssrc) {
		TES_LOGI("room", "%s/%s: %s from ssrc %u", p->room->name,
			 p->id, st->codec, h.ssrc);
		st->in_ssrc = h.ssrc;
	}

	/* the room mode decides what happens to media */
	if (p->room->mix)
		tes__mix_rtp(p, st, &h);
	else if (p->room->sfu)
		tes__sfu_rtp(p, st, &h, 0);
	else
		tes__echo_rtp(p, st, buf, len);
}

/* A sender report of one of the participant's streams: its time goes
 * back in our report blocks (LSR, DLSR) */
static void note_sr(struct tes__part *p, const struct tes_rtcp_pkt *sr)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		for (size_t k = 0; k < TES_SDP_MAX_RIDS; k++) {
			struct tes_rx_stats *rx = &p->streams[i].rx[k];

			if (rx->init && rx->ssrc == sr->ssrc)
				tes_rx_sr(rx, sr->ntp, tes_now_us());
		}
	}
}

/* Once a second, a receiver report on everything the participant sends
 * us: without one a browser's bandwidth estimate never grows (echo rooms
 * pass the browser's own reports back instead) */
static void send_rr(struct tes__part *p, uint64_t now)
{
	struct tes_rtcp_rb rb[TES_RTCP_MAX_RB];
	uint8_t buf[8 + TES_RTCP_MAX_RB * 24];
	uint32_t from = 1;
	size_t n = 0;
	int len;

	if (now - p->rr_ms < 1000 || (!p->room->mix && !p->room->sfu))
		return;
	p->rr_ms = now;
	for (size_t i = 0; i < p->n_streams; i++) {
		struct tes__stream *st = &p->streams[i];

		if (st->we_send && from == 1)
			from = st->out_ssrc;
		for (size_t k = 0; k < TES_SDP_MAX_RIDS && n < TES_RTCP_MAX_RB;
		     k++) {
			if (st->rx[k].init)
				tes_rx_block(&st->rx[k], &rb[n++],
					     tes_now_us());
		}
	}
	if (!n)
		return;
	len = tes_rtcp_build_rr(buf, sizeof(buf), from, rb, n);
	if (len > 0)
		(void)tes__part_send_rtcp(p, buf, (size_t)len);
}

static void recv_rtcp(struct tes__part *p, struct tes_srtp *srtp,
		      uint8_t *buf, size_t len)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	int err;

	err = srtp ? tes_srtp_unprotect_rtcp(srtp, buf, &len) : 0;
	if (unprotect_failed(p, err, "SRTCP"))
		return;

	err = tes_rtcp_validate(buf, len);
	if (err) {
		p->cnt.drop_malformed++;
		drop_note(p, "RTCP", err);
		return;
	}

	p->cnt.rtcp_in++;
	tes_rtcp_iter_init(&it, buf, len);
	while (!tes_rtcp_next(&it, &pkt)) {
		if (pkt.pt == TES_RTCP_SR)
			note_sr(p, &pkt);
		else if (pkt.pt == TES_RTCP_RTPFB &&
			 pkt.count == TES_RTCP_FMT_NACK)
			p->cnt.nack_in++;
		else if (pkt.pt == TES_RTCP_PSFB &&
			 pkt.count == TES_RTCP_FMT_PLI)
			p->cnt.pli_in++;
		else if (pkt.pt == TES_RTCP_PSFB &&
			 pkt.count == TES_RTCP_FMT_FIR)
			p->cnt.fir_in++;
	}

	if (p->room->mix)
		tes__mix_rtcp(p, buf, len);
	else if (p->room->sfu)
		tes__sfu_rtcp(p, buf, len);
	else
		tes__echo_rtcp(p, buf, len);
}

static void pkt_handler(enum tes_pkt_kind kind, uint8_t *buf, size_t len,
			void *arg)
{
	struct tes__part *p = arg;

	if (p->state == TES__PART_FAILED)
		return;

	if (kind == TES_PKT_DTLS) {
		(void)tes_dtls_recv(p->dtls, buf, len);
		return;
	}

	if (!p->srtp) {
		p->cnt.drop_not_ready++;
		return;
	}

	if (kind == TES_PKT_RTP)
		recv_rtp(p, p->srtp, NULL, buf, len);
	else
		recv_rtcp(p, p->srtp, buf, len);
}

void tes__part_recv(struct tes__part *p, struct tes_srtp *srtp,
		    struct tes__stream *st, bool rtcp, uint8_t *buf, size_t len)
{
	if (p->state == TES__PART_FAILED)
		return;
	if (rtcp)
		recv_rtcp(p, srtp, buf, len);
	else
		recv_rtp(p, srtp, st, buf, len);
}

static void selected_handler(const struct sockaddr *addr, void *arg)
{
	struct tes__part *p = arg;

	(void)addr;
	if (p->state == TES__PART_NEW)
		p->state = TES__PART_CONNECTING;
}

static void dtls_send(const uint8_t *buf, size_t len, void *arg)
{
	struct tes__part *p = arg;

	if (tes_ice_agent_send(p->ice, buf, len))
		p->cnt.send_errors++;
}

static void dtls_done(int err, const struct tes_dtls_keys *keys, void *arg)
{
	struct tes__part *p = arg;
	char reason[96];

	if (err) {
		snprintf(reason, sizeof(reason), "%s",
			 err == -EACCES ? "DTLS fingerprint mismatch: "
					  "connection refused"
			 : err == -ECONNRESET ? "peer closed DTLS"
					      : "DTLS handshake failed");
		tes__part_fail(p, reason);
		return;
	}

	err = tes_srtp_alloc(&p->srtp, keys);
	if (err) {
		tes__part_fail(p, "SRTP setup failed");
		return;
	}

	p->srtp_name = profile_name(keys->profile);
	p->state = TES__PART_CONNECTED;
	TES_LOGI("room", "%s/%s: connected from %s (%s) in %llu ms",
		 p->room->name, p->id, tes_ice_agent_remote(p->ice),
		 p->srtp_name,
		 (unsigned long long)(tes_now_ms() - p->joined_ms));
	if (p->mix)
		tes__mix_connected(p);
	if (p->room->sfu)
		tes__sfu_connected(p);
}

/* buf and then more (may be empty) make the packet: one copy into txbuf,
 * protected there */
static int send_protected(struct tes__part *p, const uint8_t *buf,
			  size_t len, const uint8_t *more, size_t more_len,
			  bool rtcp)
{
	int err;

	if ((!p->srtp && !p->sip) || p->state != TES__PART_CONNECTED)
		return -ENOTCONN;
	if (len > TES_UDP_MAX_DGRAM || more_len > TES_UDP_MAX_DGRAM - len)
		return -EMSGSIZE;

	memcpy(p->txbuf, buf, len);
	if (more_len)
		memcpy(p->txbuf + len, more, more_len);
	len += more_len;
	if (p->sip)
		err = tes__sip_xmit(p, p->txbuf, len, rtcp);
	else
		err = rtcp ? tes_srtp_protect_rtcp(p->srtp, p->txbuf, &len)
			   : tes_srtp_protect_rtp(p->srtp, p->txbuf, &len);
	if (!err && !p->sip)
		err = tes_ice_agent_send(p->ice, p->txbuf, len);
	if (err)
		p->cnt.send_errors++;

	return err;
}

int tes__part_send_rtp2(struct tes__part *p, const uint8_t *hdr, size_t hlen,
			const uint8_t *payload, size_t plen)
{
	int err = send_protected(p, hdr, hlen, payload, plen, false);

	if (!err) {
		p->cnt.rtp_out++;
		p->cnt.bytes_out += hlen + plen;
	}

	return err;
}

int tes__part_send_rtp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	return tes__part_send_rtp2(p, buf, len, NULL, 0);
}

int tes__part_send_pli(struct tes__part *p, const struct tes__stream *st,
		       uint32_t media_ssrc)
{
	uint8_t buf[64];
	int n = tes_rtcp_build_pli(buf, sizeof(buf),
				   st->out_ssrc ? st->out_ssrc : 1, media_ssrc);

	if (n <= 0)
		return -EINVAL;
	n = tes__part_send_rtcp(p, buf, (size_t)n);
	if (!n)
		p->cnt.pli_out++;

	return n;
}

int tes__part_send_rtcp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	int err = send_protected(p, buf, len, NULL, 0, true);

	if (!err)
		p->cnt.rtcp_out++;

	return err;
}

void tes__part_event(struct tes__part *p, json_t *ev)
{
	const struct tes__events *e = p->room->events;

	if (!ev)
		return;
	if (e && e->h)
		e->h(p->room->name, p->id, ev, e->arg);
	json_decref(ev);
}

void tes__part_tick(struct tes__part *p, uint64_t now)
{
	uint64_t consent;

	if (p->state == TES__PART_FAILED)
		return;

	if (p->dtls && p->state == TES__PART_CONNECTING &&
	    tes_dtls_timeout_ms(p->dtls) == 0)
		tes_dtls_tick(p->dtls);

	if (p->state != TES__PART_CONNECTED &&
	    now - p->joined_ms > p->conf->connect_timeout_ms) {
		tes__part_fail(p, p->sip ? "the SIP call did not start in time"
					 : "ICE/DTLS did not complete in "
					   "time");
		return;
	}

	if (p->room->sfu)
		tes__sfu_tick(p, now);
	if (p->state == TES__PART_CONNECTED)
		send_rr(p, now);
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].n_layers && p->room->mix && p->mix)
			choose_mix_layer(p, &p->streams[i], now);
	}

	if (p->sip) {
		tes__sip_tick(p, now);
		return;
	}
	consent = tes_ice_agent_consent_ms(p->ice);
	if (consent && now - consent > p->conf->consent_timeout_ms)
		tes__part_fail(p, "consent expired: no ICE checks from the "
			       "peer");
}

static void part_destructor(void *data)
{
	struct tes__part *p = data;

	tes__mixin_detach(p);
	tes__sfu_part_free(p);
	tes__sip_free(p);
	if (p->dtls)
		tes_dtls_close(p->dtls);
	p->dtls = tes_deref(p->dtls);
	p->srtp = tes_deref(p->srtp);
	p->ice = tes_deref(p->ice);
}

static void add_stream(struct tes__part *p, const struct tes_sdp_neg_media *m)
{
	struct tes__stream *st;

	if (!m->accepted || p->n_streams == TES_ARRAY_SIZE(p->streams) ||
	    (m->kind != TES_MEDIA_AUDIO && m->kind != TES_MEDIA_VIDEO))
		return;

	st = &p->streams[p->n_streams++];
	st->kind = m->kind;
	st->pt = m->codec.pt;
	st->out_ssrc = m->local_ssrc;
	st->in_ssrc = m->remote_ssrc;
	st->we_send = m->we_send;
	st->we_recv = m->we_recv;
	st->audio_level_id = m->ext_id[TES_EXT_AUDIO_LEVEL];
	st->rid_id = m->ext_id[TES_EXT_RID];
	st->clock = m->codec.clock ? m->codec.clock : 90000;
	if (m->codec.codec == TES_CODEC_H264) {
		(void)tes_h264_fmtp_parse(m->codec.fmtp, &st->h264_pmode,
					  &st->h264_level_idc);
		(void)tes_h264_fmtp_limits(m->codec.fmtp, &st->h264_max_fs,
					   &st->h264_max_mbps);
	}
	st->n_layers = (uint8_t)m->n_rids;
	st->mix_layer = st->mix_want = (int8_t)(st->n_layers - 1);
	for (size_t i = 0; i < m->n_rids; i++)
		memcpy(st->layers[i].rid, m->rids[i], sizeof(st->layers[i].rid));
	st->out_seq = (uint16_t)tes_rand_u32();
	if (m->codec.channels > 1)
		snprintf(st->codec, sizeof(st->codec), "%s/%u/%u",
			 m->codec.name, m->codec.clock, m->codec.channels);
	else
		snprintf(st->codec, sizeof(st->codec), "%s/%u", m->codec.name,
			 m->codec.clock);
}

/* the media of a participant, for its room's mode */
static int attach_media(struct tes__part *p, struct tes__room *room,
			struct tes__mixctx *ctx,
			const struct tes_sdp_answer *ans,
			const struct tes_sdp_local *local, char *err,
			size_t errlen)
{
	int e;

	for (size_t i = 0; i < ans->n_media; i++)
		add_stream(p, &ans->media[i]);

	/* a mixed room may turn to forwarding: every participant but an
	 * echo room's or a SIP one can take forwarded tracks */
	if ((room->sfu || room->mix) && local) {
		e = tes__sfu_part_init(p, ans, local);
		if (e) {
			snprintf(err, errlen, "out of memory");
			return e;
		}
	}
	if (room->mix) {
		e = tes__mixin_alloc(p, ctx);
		if (e) {
			snprintf(err, errlen, "cannot mix this participant's "
				 "media (%s)", strerror(-e));
			return e;
		}
	}

	return 0;
}

/* A SIP participant's negotiated media starts: streams, the mixer's
 * input, its transports */
static int sip_media(struct tes__part *p, struct tes__mixctx *ctx,
		     const struct tes_sdp_answer *ans, char *err,
		     size_t errlen)
{
	int e = attach_media(p, p->room, ctx, ans, NULL, err, errlen);

	if (!e) {
		e = tes__sip_start(p, ans);
		if (e)
			snprintf(err, errlen, "cannot start media (%s)",
				 strerror(-e));
	}
	if (!e && p->mix)
		tes__mix_connected(p);

	return e;
}

/* A SIP participant: plain RTP transports, SDP of the SIP kind */
static int sip_alloc(struct tes__part *p, const struct tes_rooms_deps *deps,
		     struct tes__mixctx *ctx,
		     uint32_t call, const char *offer, size_t len,
		     char **answer, char *err, size_t errlen)
{
	struct tes_sdp_answer *ans = malloc(sizeof(*ans));
	int e;

	if (!ans) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = tes__sip_setup(p, deps, call, offer, len, ans, answer, err,
			   errlen);
	if (e == 1) {
		/* our offer went out: the media waits for the ACK's answer */
		free(ans);
		return 0;
	}
	if (!e)
		e = sip_media(p, ctx, ans, err, errlen);
	free(ans);

	return e;
}

int tes__part_sip_ack(struct tes__part *p, struct tes__mixctx *ctx,
		      const char *sdp, size_t len, char *err, size_t errlen)
{
	struct tes_sdp_answer *ans;
	int e;

	if (!p->sip->offered)
		return 0; /* we answered the INVITE's offer: nothing new */
	ans = malloc(sizeof(*ans));
	if (!ans) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = tes__sip_answer(p, sdp, len, ans, err, errlen);
	if (!e)
		e = sip_media(p, ctx, ans, err, errlen);
	free(ans);

	return e;
}

int tes__part_sip_reinvite(struct tes__part *p, struct tes__mixctx *ctx,
			   const char *sdp, size_t len, char **answer,
			   char *err, size_t errlen)
{
	struct tes_sdp_answer *ans = malloc(sizeof(*ans));
	int e;

	if (!ans) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = tes__sip_reoffer(p, sdp, len, ans, answer, err, errlen);
	if (!e) {
		e = tes__sip_update(p, ans);
		if (e < 0)
			snprintf(err, errlen, "cannot apply the new offer "
				 "(%s)", strerror(-e));
	}
	if (e == 1 && p->mix) {
		/* a new codec: a new decoder and, maybe, profile */
		tes__mixin_detach(p);
		e = tes__mixin_alloc(p, ctx);
		if (e)
			snprintf(err, errlen, "cannot mix the new codec (%s)",
				 strerror(-e));
		else
			tes__mix_connected(p);
	}
	free(ans);
	if (e && *answer)
		*answer = tes_deref(*answer);

	return e > 0 ? 0 : e;
}

int tes__part_alloc(struct tes__part **pp, struct tes__room *room,
		    const struct tes_rooms_deps *deps, struct tes__mixctx *ctx,
		    uint32_t sip, const char *offer, size_t len,
		    char **answer, char *err, size_t errlen)
{
	struct tes_sdp_session *sess = NULL;
	struct tes_sdp_answer *ans = NULL;
	struct tes_sdp_local local;
	struct tes__part *p;
	char stream_id[17], cname[17];
	char *sdp = NULL;
	int e;

	p = tes_alloc(sizeof(*p), part_destructor);
	sess = malloc(sizeof(*sess));
	ans = malloc(sizeof(*ans));
	if (!p || !sess || !ans) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}

	p->room = room;
	p->conf = deps->conf;
	p->joined_ms = tes_now_ms();
	p->num = ++room->next_num;
	tes_rand_str(p->id, TES_PART_ID_LEN);

	if (sip) {
		e = sip_alloc(p, deps, ctx, sip, offer, len, answer, err,
			      errlen);
		if (!e) {
			*pp = p;
			p = NULL;
		}
		goto out;
	}

	e = tes_sdp_parse(sess, offer, len, err, errlen);
	if (e)
		goto out;

	e = tes_ice_agent_alloc(&p->ice, deps->ice, pkt_handler,
				selected_handler, p);
	if (e) {
		snprintf(err, errlen, "cannot create ICE agent");
		goto out;
	}

	tes_rand_str(stream_id, 16);
	tes_rand_str(cname, 16);
	local = (struct tes_sdp_local){
		.ice_ufrag = tes_ice_agent_ufrag(p->ice),
		.ice_pwd = tes_ice_agent_pwd(p->ice),
		.fingerprint = tes_dtls_cert_fingerprint(deps->cert),
		.addr = deps->conf->media_announce,
		.port = tes_ice_server_port(deps->ice),
		.cname = cname,
		.stream_id = stream_id,
		.audio_ssrc = tes_rand_u32() | 1,
		.video_ssrc = tes_rand_u32() | 2,
	};

	e = tes_sdp_negotiate(ans, sess, &local, err, errlen);
	if (e)
		goto out;

	e = tes_ice_agent_set_remote(p->ice, ans->remote_ufrag);
	if (e) {
		snprintf(err, errlen, "ice-ufrag too long");
		goto out;
	}

	e = tes_dtls_alloc(&p->dtls, deps->cert, TES_DTLS_SERVER, ans->fp_alg,
			   ans->fp, dtls_send, dtls_done, p);
	if (e) {
		snprintf(err, errlen, "unusable DTLS fingerprint in offer "
			 "(%s)", ans->fp_alg);
		goto out;
	}

	e = attach_media(p, room, ctx, ans, &local, err, errlen);
	if (e)
		goto out;

	sdp = tes_alloc(ANSWER_MAX, NULL);
	if (!sdp) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	e = tes_sdp_build_answer(sdp, ANSWER_MAX, ans, &local);
	if (e < 0) {
		snprintf(err, errlen, "answer does not fit");
		goto out;
	}
	e = 0;

	*pp = p;
	*answer = sdp;
	p = NULL;
	sdp = NULL;

out:
	free(sess);
	free(ans);
	tes_deref(sdp);
	tes_deref(p);

	return e;
}
