/**
 * @file loadgen.c  tes_loadgen: N WebRTC participants against a running
 * Tessera, built from Tessera's own modules as the peer side (STUN, DTLS
 * client, SRTP, RTP, VP8 packetizer, Opus).
 *
 * Each participant POSTs a WHIP offer (BUNDLE audio + video, sendrecv;
 * audio only without --video), runs ICE as the controlling agent (Binding
 * requests with USE-CANDIDATE to the server's host candidate), DTLS as the
 * client, then sends VP8 frames from an IVF file (looped) at the file's
 * pace and Opus every 20 ms with the RFC 6464 level (talkers: a -30 dBov
 * sine; the rest: silence, level 127).  Everything received is decrypted
 * and counted.  All participants share one libuv loop and one thread; the
 * load is paced by a 5 ms timer against absolute due times, so late ticks
 * catch up.  Every socket is on 127.0.0.1.
 *
 * With --janus the same participants join a Janus AudioBridge room
 * instead, through Janus's HTTP API (loadgen_janus.c); the media is the
 * same, packet for packet.
 *
 * With --server-pid it also measures the server: its CPU time
 * (/proc/PID/stat) and, for Tessera, the room's mix counters (GET
 * /rooms/{room}) at the start and end of the steady window (after
 * --warmup, before --tail).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "base/base.h"
#include "base/frame.h"
#include "bench/bench.h"
#include "bench/loadgen.h"
#include "codecs/codec.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "sdp/sdp.h"

enum {
	TICK_MS = 5,
	MAX_PAYLOAD = 1200,
	CHECK_MS = 50,            /* Binding request retransmit, connecting */
	CONSENT_MS = 2000,        /* consent freshness checks (RFC 7675) */
	GIVEUP_MS = 15000,        /* ICE + DTLS must be up by then */
	CATCHUP_US = 500000,      /* further behind than this: skip ahead */
	BUF_LEN = 2048,
	TALK_LEVEL = 30,          /* -dBov of the talkers' sine */
	SILENT_LEVEL = 127,
	RCVBUF = 4 << 20,
	STUN_PRIORITY = 0x6e7f1eff,
};

static const char *const state_name[] = {"ice", "dtls", "media", "failed"};

/* ---- sending ---- */

static void udp_send(struct lg_part *p, const uint8_t *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);

	if (uv_udp_try_send(&p->udp, &b, 1,
			    (const struct sockaddr *)&p->server) < 0)
		p->c.send_fail++;
}

static void send_srtp(struct lg_part *p, uint8_t *buf, size_t len, bool rtcp)
{
	bool video = !rtcp && (buf[1] & 0x7f) == p->vpt;
	int err = rtcp ? tes_srtp_protect_rtcp(p->srtp, buf, &len)
		       : tes_srtp_protect_rtp(p->srtp, buf, &len);

	if (err) {
		p->c.send_fail++;
		return;
	}
	udp_send(p, buf, len);
	if (rtcp) {
		p->c.rtcp_out++;
	}
	else {
		p->c.rtp_out++;
		p->c.video_out += video;
		p->c.bytes_out += len;
	}
}

static void send_check(struct lg_part *p, bool use_candidate)
{
	char user[TES_BENCH_UFRAG_MAX * 2 + 2];
	uint8_t buf[512], tid[12];
	size_t len;

	tes_random(tid, sizeof(tid));
	snprintf(user, sizeof(user), "%s:%s", p->rufrag, p->ufrag);
	if (tes_stun_build_request(buf, sizeof(buf), &len, tid, user,
				   (const uint8_t *)p->rpwd, strlen(p->rpwd),
				   STUN_PRIORITY, use_candidate))
		return;
	udp_send(p, buf, len);
}

static int vpkt_h(const uint8_t *payload, size_t len, bool marker, void *arg)
{
	struct lg_part *p = arg;
	uint8_t buf[BUF_LEN];
	struct tes_rtp_hdr h = {
		.marker = marker,
		.pt = p->vpt,
		.seq = p->vseq++,
		.ts = p->cur_vts,
		.ssrc = p->vssrc,
	};
	int n = tes_rtp_build(buf, sizeof(buf) - TES_SRTP_MAX_TRAILER, &h,
			      NULL, 0, payload, len);

	if (n <= 0)
		return n ? n : -EINVAL;
	/* nonsense after the 4-byte descriptor and the VP8 payload header's
	 * first byte (its keyframe bit): the frame reaches the decoder */
	for (int i = TES_RTP_HDR_LEN + 5; p->lg->o.garbage_video && i < n; i++)
		buf[i] = (uint8_t)tes_rand_u32();
	p->vpkts++;
	p->voctets += (uint32_t)len;
	send_srtp(p, buf, (size_t)n, false);

	return 0;
}

static void send_video(struct lg_part *p)
{
	const struct tes_bench_au *au = &p->clip->au[p->vpos];

	p->vpos = (p->vpos + 1) % p->clip->n;
	p->cur_vts = p->vts0 +
		     (uint32_t)(p->vframes * 90000 / (uint64_t)p->lg->o.fps);
	(void)tes_vp8_packetize(au->data, au->len, MAX_PAYLOAD,
				(uint16_t)(p->picid++ & 0x7fff), vpkt_h, p);
}

static void send_audio(struct lg_part *p)
{
	const struct lg *lg = p->lg;
	size_t i = (size_t)(p->aframes % LG_AUDIO_LOOP);
	const struct tes_bench_opus *pk = p->talker ? &lg->tone[i] : &lg->silence[i];
	uint8_t lvl = tes_audio_level_make(p->talker,
					   p->talker ? TALK_LEVEL
						     : SILENT_LEVEL);
	struct tes_rtp_ext_elem ext = {.id = p->level_id, .len = 1,
				       .data = &lvl};
	struct tes_rtp_hdr h = {
		.pt = p->apt,
		.seq = p->aseq++,
		.ts = p->ats0 + (uint32_t)(p->aframes * TES_AUDIO_FRAME_SAMPLES),
		.ssrc = p->assrc,
	};
	uint8_t buf[BUF_LEN];
	int n = tes_rtp_build(buf, sizeof(buf) - TES_SRTP_MAX_TRAILER, &h,
			      p->level_id ? &ext : NULL, p->level_id ? 1 : 0,
			      pk->data, pk->len);

	if (n <= 0)
		return;
	p->apkts++;
	p->aoctets += (uint32_t)pk->len;
	send_srtp(p, buf, (size_t)n, false);
}

static void send_rtcp(struct lg_part *p, uint64_t now_us)
{
	uint64_t ntp = tes_ntp_now();
	uint64_t since = now_us - p->media_t0_us;
	uint8_t buf[BUF_LEN];
	size_t cap = sizeof(buf) - TES_SRTP_MAX_TRAILER;
	int n, len = 0;

	if (p->clip) {
		n = tes_rtcp_build_sr(buf, cap, p->vssrc, ntp,
				      p->vts0 + (uint32_t)(since * 9 / 100),
				      p->vpkts, p->voctets);
		if (n > 0)
			len += n;
	}
	n = tes_rtcp_build_sr(buf + len, cap - (size_t)len, p->assrc, ntp,
			      p->ats0 + (uint32_t)(since * 48 / 1000),
			      p->apkts, p->aoctets);
	if (n > 0)
		len += n;
	n = tes_rtcp_build_sdes_cname(buf + len, cap - (size_t)len,
				      p->clip ? p->vssrc : p->assrc, p->cname);
	if (n > 0)
		len += n;
	send_srtp(p, buf, (size_t)len, true);
}

/* ---- DTLS ---- */

static void dtls_timer_cb(uv_timer_t *t);

static void dtls_arm(struct lg_part *p)
{
	long ms = p->dtls ? tes_dtls_timeout_ms(p->dtls) : -1;

	if (ms >= 0)
		uv_timer_start(&p->dtls_timer, dtls_timer_cb, (uint64_t)ms,
			       0);
	else
		uv_timer_stop(&p->dtls_timer);
}

static void dtls_timer_cb(uv_timer_t *t)
{
	struct lg_part *p = t->data;

	if (p->dtls) {
		tes_dtls_tick(p->dtls);
		dtls_arm(p);
	}
}

static void dtls_send_h(const uint8_t *buf, size_t len, void *arg)
{
	udp_send(arg, buf, len);
}

static void dtls_done_h(int err, const struct tes_dtls_keys *keys, void *arg)
{
	struct lg_part *p = arg;
	uint64_t now_us = tes_now_us();
	/* video frames, or else audio packets, are due this often */
	uint64_t period_us = p->clip ? 1000000 / (uint64_t)p->lg->o.fps
				     : TES_AUDIO_FRAME_MS * 1000;

	if (!err)
		err = tes_srtp_alloc(&p->srtp, keys);
	if (err) {
		if (p->state != LG_FAILED)
			fprintf(stderr, "loadgen: participant %d: DTLS: %s\n",
				p->idx, strerror(-err));
		p->state = LG_FAILED;
		return;
	}

	p->state = LG_MEDIA;
	p->connected_ms = tes_now_ms();
	/* spread the participants over one frame interval, as real
	 * cameras and microphones are not in phase */
	p->media_t0_us = now_us + (uint64_t)p->idx * period_us /
					  (uint64_t)p->lg->o.count;
	p->next_rtcp_ms = p->connected_ms + 1000;
}

/* ---- receiving ---- */

/* A Binding request from a full ICE agent (Janus's libnice checks the
 * pair we nominated before it uses it): answer it, as a browser does. */
static void on_check(struct lg_part *p, const struct tes_stun_msg *m,
		     const uint8_t *buf, size_t len,
		     const struct sockaddr *from)
{
	size_t ul = strlen(p->ufrag), olen;
	uint8_t out[256];

	if (!m->username || m->username_len <= ul ||
	    memcmp(m->username, p->ufrag, ul) || m->username[ul] != ':' ||
	    tes_stun_check_integrity(m, buf, len, (const uint8_t *)p->pwd,
				     strlen(p->pwd))) {
		p->c.stun_err++;
		return;
	}
	p->c.stun_req_in++;
	if (!tes_stun_build_success(out, sizeof(out), &olen, m->tid, from,
				    (const uint8_t *)p->pwd, strlen(p->pwd)))
		udp_send(p, out, olen);
}

static void on_stun(struct lg_part *p, const uint8_t *buf, size_t len,
		    const struct sockaddr *from)
{
	struct tes_stun_msg m;
	int err;

	if (tes_stun_parse(&m, buf, len))
		return;
	if (m.type == TES_STUN_BINDING_REQUEST) {
		on_check(p, &m, buf, len, from);
		return;
	}
	if (m.type == TES_STUN_BINDING_INDICATION)
		return; /* a keepalive (RFC 8445 11) */
	if (m.type == TES_STUN_BINDING_ERROR) {
		p->c.stun_err++;
		return;
	}
	if (m.type != TES_STUN_BINDING_SUCCESS ||
	    tes_stun_check_integrity(&m, buf, len, (const uint8_t *)p->rpwd,
				     strlen(p->rpwd))) {
		p->c.stun_err++;
		return;
	}
	p->c.stun_ok++;
	if (p->state != LG_ICE)
		return;

	err = tes_dtls_alloc(&p->dtls, p->lg->cert, TES_DTLS_CLIENT,
			     p->fp_alg, p->fp, dtls_send_h, dtls_done_h, p);
	if (!err) {
		p->state = LG_DTLS;
		err = tes_dtls_start(p->dtls);
	}
	if (err) {
		fprintf(stderr, "loadgen: participant %d: DTLS start: %s\n",
			p->idx, strerror(-err));
		p->state = LG_FAILED;
		return;
	}
	dtls_arm(p);
}

static void on_rtcp(struct lg_part *p, const uint8_t *buf, size_t len)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	p->c.rtcp_in++;
	tes_rtcp_iter_init(&it, buf, len);
	while (!tes_rtcp_next(&it, &pkt)) {
		if (pkt.pt == TES_RTCP_SR)
			p->c.sr_in++;
		else if (pkt.pt == TES_RTCP_RTPFB &&
			 pkt.count == TES_RTCP_FMT_NACK)
			p->c.nack_in++;
		else if (pkt.pt == TES_RTCP_PSFB &&
			 pkt.count == TES_RTCP_FMT_PLI)
			p->c.pli_in++;
		else if (pkt.pt == TES_RTCP_PSFB &&
			 pkt.count == TES_RTCP_FMT_FIR)
			p->c.fir_in++;
		else if (pkt.is_remb)
			p->c.remb_in++;
	}
}

/* A subscriber's track sending from ssrc, or NULL. */
static const struct lg_track *track_of(const struct lg_part *p, uint32_t ssrc)
{
	for (size_t i = 0; i < p->n_tracks; i++)
		if (p->tracks[i].ssrc == ssrc)
			return &p->tracks[i];

	return NULL;
}

static void on_rtp(struct lg_part *p, const uint8_t *buf, size_t len)
{
	const struct lg_track *t = NULL;
	struct tes_rtp_hdr h;
	struct tes_vp8_desc d;

	if (tes_rtp_parse(&h, buf, len)) {
		p->c.other_fail++;
		return;
	}
	p->c.rtp_in++;
	p->c.bytes_in += len;
	/* a subscriber knows its tracks by SSRC (the forwarded ones may
	 * share payload types with its own m-lines) */
	if (p->sub && !(t = track_of(p, h.ssrc))) {
		p->c.stray_in++;
		return;
	}
	if (t ? t->video : h.pt == p->vpt) {
		p->c.video_in++;
		p->c.video_bytes_in += h.payload_len;
		if (!tes_vp8_parse_desc(&d, h.payload, h.payload_len) &&
		    d.keyframe) {
			p->c.keyframes_in++;
			if (d.width) {
				p->rx_w = d.width;
				p->rx_h = d.height;
			}
		}
	}
	else if (t || h.pt == p->apt) {
		p->c.audio_in++;
		p->c.audio_bytes_in += h.payload_len;
	}
}

static void alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	struct lg_part *p = h->data;

	(void)size;
	*buf = uv_buf_init((char *)p->lg->rxbuf, sizeof(p->lg->rxbuf));
}

static void recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
		    const struct sockaddr *addr, unsigned flags)
{
	struct lg_part *p = h->data;
	uint8_t *b = (uint8_t *)buf->base;
	size_t len = (size_t)nread;
	int err;

	(void)flags;
	if (nread <= 0 || !addr)
		return;

	switch (tes_demux(b, len)) {
	case TES_PKT_STUN:
		on_stun(p, b, len, addr);
		break;
	case TES_PKT_DTLS:
		if (p->dtls) {
			(void)tes_dtls_recv(p->dtls, b, len);
			dtls_arm(p);
		}
		break;
	case TES_PKT_RTP:
	case TES_PKT_RTCP:
		if (!p->srtp)
			break;
		if (tes_demux(b, len) == TES_PKT_RTCP) {
			err = tes_srtp_unprotect_rtcp(p->srtp, b, &len);
			if (!err)
				on_rtcp(p, b, len);
		}
		else {
			err = tes_srtp_unprotect_rtp(p->srtp, b, &len);
			if (!err)
				on_rtp(p, b, len);
		}
		if (err == -EACCES)
			p->c.auth_fail++;
		else if (err)
			p->c.other_fail++;
		break;
	default:
		p->c.other_fail++;
		break;
	}
}

/* ---- the clock ---- */

static void part_tick(struct lg_part *p, uint64_t now_ms, uint64_t now_us)
{
	const struct lg_opts *o = &p->lg->o;
	uint64_t due;

	if (!p->open || p->state == LG_FAILED)
		return; /* (not opened: a subscriber before its turn) */
	if (p->state != LG_MEDIA) {
		if (now_ms - p->ice_start_ms > GIVEUP_MS) {
			fprintf(stderr, "loadgen: participant %d: not "
				"connected after %d ms (%s)\n", p->idx,
				GIVEUP_MS, state_name[p->state]);
			p->state = LG_FAILED;
		}
		else if (p->state == LG_ICE && now_ms >= p->next_check_ms) {
			send_check(p, true);
			p->next_check_ms = now_ms + CHECK_MS;
		}
		return;
	}

	if (now_ms >= p->next_check_ms) {
		send_check(p, false);
		p->next_check_ms = now_ms + CONSENT_MS;
	}

	if (p->sub || now_us < p->media_t0_us)
		return;
	while (p->clip) {
		due = p->media_t0_us + p->vframes * 1000000 / (uint64_t)o->fps;
		if (due > now_us)
			break;
		if (now_us - due > CATCHUP_US) {
			p->c.late++;
			p->vframes++;
			continue;
		}
		send_video(p);
		p->vframes++;
	}
	for (;;) {
		due = p->media_t0_us + p->aframes * TES_AUDIO_FRAME_MS * 1000;
		if (due > now_us)
			break;
		if (now_us - due <= CATCHUP_US)
			send_audio(p);
		p->aframes++;
	}
	if (now_ms >= p->next_rtcp_ms) {
		send_rtcp(p, now_us);
		p->next_rtcp_ms += 1000;
	}
}

static void progress(struct lg *lg, int sec)
{
	struct lg_counters s;
	int conn = lg_sum(lg, &s);
	const struct lg_counters *l = &lg->last;

	fprintf(stderr, "t=%3ds connected %d/%d | out %6.0f kbit/s %5llu "
		"pkt/s | in video %6.0f kbit/s audio %4.0f kbit/s | "
		"auth_fail %llu pli %llu nack %llu late %llu\n",
		sec, conn, lg->o.count,
		(double)(s.bytes_out - l->bytes_out) * 8 / 1000,
		(unsigned long long)(s.rtp_out - l->rtp_out),
		(double)(s.video_bytes_in - l->video_bytes_in) * 8 / 1000,
		(double)(s.audio_bytes_in - l->audio_bytes_in) * 8 / 1000,
		(unsigned long long)s.auth_fail,
		(unsigned long long)s.pli_in, (unsigned long long)s.nack_in,
		(unsigned long long)s.late);
	lg->last = s;
}

/* Take every participant's counters (window start k = 0, end k = 1). */
static void mark(struct lg *lg, int k)
{
	for (int i = 0; i < lg->o.count; i++)
		lg->parts[i].at[k] = lg->parts[i].c;
	lg->marked[k] = true;
}

static void tick_cb(uv_timer_t *t)
{
	struct lg *lg = t->data;
	uint64_t now_ms = tes_now_ms(), now_us = tes_now_us();
	double el;

	/* the window's marks come before this tick's packets go: what the
	 * others received by now was sent in earlier ticks */
	el = (double)(now_ms - lg->t0_ms) / 1000;
	if (lg->phase == LG_PH_RUN) {
		if (!lg->marked[0] && el >= lg->o.warmup) {
			mark(lg, 0);
			if (lg->o.server_pid)
				lg_sample(lg, &lg->w0);
		}
		if (!lg->marked[1] && el >= lg->o.seconds - lg->o.tail) {
			mark(lg, 1);
			if (lg->o.server_pid)
				lg_sample(lg, &lg->w1);
		}
	}
	for (int i = 0; i < lg->o.count; i++)
		part_tick(&lg->parts[i], now_ms, now_us);
	if (lg->o.janus)
		lg_janus_keepalive(lg, now_ms);
	if (lg->phase != LG_PH_RUN && lg_fwd_set_up(lg, now_ms))
		return;

	el = (double)(now_ms - lg->t0_ms) / 1000;
	if (el >= lg->next_sec) {
		progress(lg, lg->next_sec);
		lg->next_sec++;
	}
	if (el >= lg->o.seconds)
		uv_stop(&lg->loop);
}

/* ---- set-up ---- */

static int make_audio(struct lg *lg)
{
	return tes_bench_opus_loop(lg->tone, lg->silence, LG_AUDIO_LOOP,
				   TALK_LEVEL);
}

static int part_open(struct lg *lg, struct lg_part *p)
{
	struct sockaddr_in lo;
	int len = sizeof(lo);
	int err;

	err = uv_udp_init(&lg->loop, &p->udp);
	if (err)
		return err;
	p->udp.data = p;
	uv_timer_init(&lg->loop, &p->dtls_timer);
	p->dtls_timer.data = p;
	p->open = true;

	uv_ip4_addr("127.0.0.1", 0, &lo);
	err = uv_udp_bind(&p->udp, (const struct sockaddr *)&lo, 0);
	if (!err)
		err = uv_udp_getsockname(&p->udp, (struct sockaddr *)&lo,
					 &len);
	if (err)
		return err;
	p->port = ntohs(lo.sin_port);
	{
		int sz = RCVBUF;

		(void)uv_recv_buffer_size((uv_handle_t *)&p->udp, &sz);
	}
	err = lg_join(lg, p);
	if (err)
		return err;
	p->ice_start_ms = tes_now_ms();
	p->next_check_ms = p->ice_start_ms;

	return uv_udp_recv_start(&p->udp, alloc_cb, recv_cb);
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

/* Join participants from..to-1 (blocking: the loop waits). */
static int open_parts(struct lg *lg, int from, int to)
{
	int err = 0;

	for (int i = from; i < to && !err; i++) {
		struct lg_part *p = &lg->parts[i];

		err = part_open(lg, p);
		if (!err && p->sub && lg->lws)
			err = lg_fwd_events(lg, p);
		if (err)
			fprintf(stderr, "loadgen: participant %d: %s\n", i,
				strerror(-err));
	}

	return err;
}

/* Everyone joins and the run starts; forwarding: the publisher first,
 * then the subscribers (lg_fwd_set_up() moves the phases on). */
static int run(struct lg *lg)
{
	const bool fwd = lg->o.subscribers > 0;
	int err;

	uv_timer_init(&lg->loop, &lg->tick);
	lg->tick.data = lg;
	lg->phase = fwd ? LG_PH_PUBLISH : LG_PH_RUN;
	err = open_parts(lg, 0, fwd ? 1 : lg->o.count);
	if (err)
		return err;
	lg->t0_ms = tes_now_ms();
	uv_timer_start(&lg->tick, tick_cb, 0, TICK_MS);
	uv_run(&lg->loop, UV_RUN_DEFAULT);
	if (fwd && lg->parts[0].state != LG_MEDIA) {
		fprintf(stderr, "loadgen: the publisher did not connect\n");
		return -ENOTCONN;
	}
	if (fwd) {
		err = open_parts(lg, 1, lg->o.count);
		lg->phase = LG_PH_CONNECT;
		lg->phase_ms = tes_now_ms();
		if (!err)
			uv_run(&lg->loop, UV_RUN_DEFAULT);
	}

	return err;
}

/* One run: set the participants up, run, report (when last), leave and
 * close everything; 0 when every participant connected and left */
static int one_cycle(struct lg *lg, bool fwd, bool last)
{
	int err, connected;

	memset(lg->parts, 0, (size_t)lg->o.count * sizeof(*lg->parts));
	lg->phase_ms = lg->t0_ms = 0;
	lg->next_sec = 0;
	memset(&lg->last, 0, sizeof(lg->last));
	memset(&lg->w0, 0, sizeof(lg->w0));
	memset(&lg->w1, 0, sizeof(lg->w1));
	memset(lg->marked, 0, sizeof(lg->marked));
	for (int i = 0; i < lg->o.count; i++) {
		struct lg_part *p = &lg->parts[i];

		p->lg = lg;
		p->idx = i;
		/* forwarding: one publisher of the first clip, talking */
		p->sub = fwd && i > 0;
		p->clip = !lg->nclips || p->sub ? NULL
			  : lg->clips[(size_t)i % lg->nclips];
		p->talker = fwd ? i == 0 : i < lg->o.talkers;
	}
	err = run(lg);
	uv_timer_stop(&lg->tick);
	uv_close((uv_handle_t *)&lg->tick, close_cb);

	if (last)
		lg_report(lg);
	if (last && fwd && lg_fwd_report(lg))
		err = err ? err : -EPROTO;
	connected = lg_leave(lg);

	for (int i = 0; i < lg->o.count; i++) {
		struct lg_part *p = &lg->parts[i];

		if (!p->open)
			continue;
		uv_close((uv_handle_t *)&p->udp, close_cb);
		uv_close((uv_handle_t *)&p->dtls_timer, close_cb);
	}
	/* forwarding runs once (its event channels keep the loop busy):
	 * main closes them */
	if (!fwd)
		uv_run(&lg->loop, UV_RUN_DEFAULT);
	for (int i = 0; i < lg->o.count; i++) {
		lg->parts[i].dtls = tes_deref(lg->parts[i].dtls);
		lg->parts[i].srtp = tes_deref(lg->parts[i].srtp);
	}

	return err || connected < lg->o.count ? (err ? err : -ENOTCONN) : 0;
}

int main(int argc, char **argv)
{
	struct lg *lg = calloc(1, sizeof(*lg));
	int err;
	bool fwd;

	if (!lg)
		return 1;
	tes_log_set_level(TES_LOG_WARN);
	/* before getopt: parsing --video cuts the argument up */
	printf("command:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	err = lg_parse_opts(lg, argc, argv);
	if (err)
		return err > 0 ? 0 : 2;
	fwd = lg->o.subscribers > 0;
	lg->parts = calloc((size_t)lg->o.count, sizeof(*lg->parts));
	if (!lg->parts)
		return 1;

	err = lg_raise_nofile(lg->o.count);
	if (!err)
		err = uv_loop_init(&lg->loop);
	if (!err)
		err = tes_srtp_init();
	if (!err)
		err = tes_dtls_cert_alloc(&lg->cert);
	if (!err)
		err = make_audio(lg);
	if (!err)
		err = lg_fwd_init(lg);
	if (err) {
		fprintf(stderr, "loadgen: set-up: %s\n", strerror(-err));
		return 1;
	}

	/* --cycles: the whole run again with fresh participants (joins
	 * and leaves for churn tests); the report is the last cycle's */
	for (int cycle = 0; cycle < lg->o.cycles && !err; cycle++) {
		err = one_cycle(lg, fwd, cycle == lg->o.cycles - 1);
		if (lg->o.cycles > 1)
			printf("cycle %d of %d: %s\n", cycle + 1, lg->o.cycles,
			       err ? "failed" : "every participant joined, "
			       "connected and left");
	}
	fflush(stdout);
	lg_fwd_close(lg);
	uv_run(&lg->loop, UV_RUN_DEFAULT);
	lg_fwd_close(lg);
	uv_loop_close(&lg->loop);

	for (size_t i = 0; i < lg->nclips; i++)
		tes_deref(lg->clips[i]);
	tes_deref(lg->cert);
	free(lg->parts);
	free(lg);

	return err ? 1 : 0;
}
