/**
 * @file mixpart.c  Mix room mode, participant side: incoming RTP goes
 * through an ingress stream (reorder, NACK, frame assembly, keyframe
 * requests), complete video frames are decoded on the worker pool into the
 * participant's latest-frame slot, audio packets wait in a small jitter
 * queue for the room's 20 ms audio tick.  RTCP from the participant asks
 * for keyframes of the profile it receives.
 */
#include <stdlib.h>
#include <string.h>

#include "room/mix_int.h"

enum {
	AUDIO_PLC_MS = 200,    /* conceal losses this long, then stop */
	AUDIO_CONCEAL_MAX = AUDIO_PLC_MS / 20,  /* lost frames in a gap */
	BLOCKS_PER_S = 1000 / TES_AUDIO_FRAME_MS,  /* 50 */
	LOG_INTERVAL_MS = 5000,
};

struct vjob {
	struct tes__mixin *mi;
	struct tes_ingress_au *au;
	int err;
};

static void send_pli(struct tes__part *p)
{
	struct tes__stream *v = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);

	if (v && v->in_ssrc)
		(void)tes__part_send_pli(p, v, v->in_ssrc);
}

/* ---- ingress handlers (loop thread) ---- */

static void vdec_work(void *arg)
{
	struct vjob *j = arg;
	struct tes__mixin *mi = j->mi;
	struct tes_frame *f = NULL;

	if (mi->vdec_wait_key && !j->au->keyframe) {
		j->err = -EAGAIN;
		return;
	}

	j->err = mi->vcodec->decode(mi->vdec, j->au->data, j->au->len, &f);
	if (j->err == -EBADMSG) {
		/* never feed the decoder on top of a broken picture */
		mi->vdec_wait_key = true;
		mi->vdec_errors++;
		return;
	}
	if (j->err)
		return;

	mi->vdec_wait_key = false;
	f->time_us = j->au->arrival_us;
	f->rtp_ts = j->au->ts;
	tes_slot_put(mi->slot, f);
	tes_deref(f);
}

static void vdec_done(int err, void *arg)
{
	struct vjob *j = arg;
	struct tes__mixin *mi = j->mi;

	mi->vjobs--;
	if (!err && j->err == -EBADMSG && mi->part) {
		mi->part->cnt.decode_errors++;
		send_pli(mi->part);
	}

	tes_deref(j->au);
	tes_deref(mi);
	free(j);
}

static void video_au(struct tes_ingress_au *au, void *arg)
{
	struct tes__mixin *mi = arg;
	struct tes__part *p = mi->part;
	struct vjob *j;

	if (!p || !mi->vdec)
		goto drop;

	/* a decoder that cannot keep up must not delay anything else:
	 * drop (keyframes too: they would only lengthen the queue) and
	 * restart from a keyframe once the queue has drained */
	if (mi->vjobs >= TES__VJOBS_MAX) {
		if (!mi->vskip_to_key)
			TES_LOGI("mix", "%s/%s: decoder %u frames behind: "
				 "dropping until a keyframe", p->room->name,
				 p->id, mi->vjobs);
		mi->vskip_to_key = true;
		p->cnt.frames_dropped++;
		goto drop;
	}
	if (mi->vskip_to_key && !au->keyframe)
		goto drop;
	if (mi->vskip_to_key)
		TES_LOGI("mix", "%s/%s: keyframe, decoding again",
			 p->room->name, p->id);
	mi->vskip_to_key = false;

	j = calloc(1, sizeof(*j));
	if (!j)
		goto drop;
	j->mi = tes_ref(mi);
	j->au = au;
	if (tes_pool_submit_serial(p->ctx->pool, &mi->vchain, vdec_work,
				   vdec_done, j)) {
		tes_deref(mi);
		free(j);
		goto drop;
	}
	mi->vjobs++;
	return;

drop:
	tes_deref(au);
}

static void video_nack(const uint16_t *seqs, size_t n, void *arg)
{
	struct tes__mixin *mi = arg;
	struct tes__part *p = mi->part;
	struct tes__stream *v;
	struct tes_rtcp_nack nk[32];
	size_t cnt = 0;
	uint8_t buf[256];
	int len;

	if (!p || !(v = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO)))
		return;

	/* seqs are ascending: pack them into PID + bitmask entries */
	for (size_t i = 0; i < n && cnt < TES_ARRAY_SIZE(nk); i++) {
		uint16_t d = (uint16_t)(seqs[i] - (cnt ? nk[cnt - 1].pid : 0));

		if (cnt && d >= 1 && d <= 16) {
			nk[cnt - 1].blp |= (uint16_t)(1u << (d - 1));
			continue;
		}
		nk[cnt].pid = seqs[i];
		nk[cnt].blp = 0;
		cnt++;
	}

	len = tes_rtcp_build_nack(buf, sizeof(buf), v->out_ssrc ? v->out_ssrc
								: 1,
				  v->in_ssrc, nk, cnt);
	if (len > 0 && !tes__part_send_rtcp(p, buf, (size_t)len))
		p->cnt.nack_out++;
}

static void video_keyframe(void *arg)
{
	struct tes__mixin *mi = arg;

	if (mi->part)
		send_pli(mi->part);
}

/* Queue one 20 ms block for the room's audio tick */
static void audio_queue(struct tes__mixin *mi, struct tes_ingress_au *au)
{
	if (mi->aq_n == TES__AQ_MAX) {
		/* bound the delay: the oldest packet goes */
		tes_deref(mi->aq[mi->aq_head]);
		mi->aq_head = (mi->aq_head + 1) % TES__AQ_MAX;
		mi->aq_n--;
		if (mi->part)
			mi->part->cnt.audio_dropped++;
	}
	mi->aq[(mi->aq_head + mi->aq_n) % TES__AQ_MAX] = au;
	mi->aq_n++;
}

/* A packet the mix cannot play as 20 ms blocks: dropped and counted */
static void audio_bad(struct tes__mixin *mi, struct tes_ingress_au *au,
		      int ticks)
{
	struct tes__part *p = mi->part;
	uint64_t sup;

	if (p) {
		p->cnt.audio_bad_duration++;
		if (tes_ratelog_allow(&mi->a_rl, LOG_INTERVAL_MS, &sup))
			TES_LOGW("mix", "%s/%s: dropped a %s packet of %d "
				 "ticks (%zu bytes): the mix plays 20 ms (%d "
				 "ticks) at a time; %llu more not logged",
				 p->room->name, p->id, mi->acodec->name,
				 ticks, au->len,
				 mi->acodec->clock / BLOCKS_PER_S,
				 (unsigned long long)sup);
	}
	tes_deref(au);
}

/* A 20 ms block: a packet's fields, other bytes */
static struct tes_ingress_au *block_of(const struct tes_ingress_au *pkt,
				       const uint8_t *data, size_t len,
				       uint32_t ts, uint32_t lost)
{
	struct tes_ingress_au *b = tes_alloc(sizeof(*b) + len, NULL);

	if (!b)
		return NULL;
	*b = *pkt;
	b->data = (uint8_t *)(b + 1);
	b->len = len;
	memcpy(b->data, data, len);
	b->ts = ts;
	b->lost_before = lost;

	return b;
}

/*
 * G.711 and G.722 packets of any duration are cut and joined into 20 ms
 * blocks at byte boundaries (a byte is a tick of their RTP clock).  Bytes
 * short of a block wait for the next packet; a loss drops them (they
 * would be joined across the gap) and counts the lost packets as blocks
 * of this packet's length.
 */
static void audio_blocks(struct tes__mixin *mi, struct tes_ingress_au *au)
{
	size_t blk = (size_t)mi->acodec->block_bytes, off = 0;
	uint32_t ticks = (uint32_t)mi->acodec->clock / BLOCKS_PER_S;

	if (!mi->a_part_n && !mi->a_lost && au->len == blk) {
		audio_queue(mi, au);
		return;
	}
	/* more than the queue holds would only push itself out */
	if (au->len > TES__AQ_MAX * blk) {
		audio_bad(mi, au, mi->acodec->duration(au->data, au->len));
		return;
	}
	if (!mi->a_odd_noted && au->len != blk && mi->part) {
		mi->a_odd_noted = true;
		TES_LOGI("mix", "%s/%s: its %s packets are %zu bytes, not "
			 "%zu: cut into 20 ms blocks", mi->part->room->name,
			 mi->part->id, mi->acodec->name, au->len, blk);
	}
	if (au->lost_before) {
		uint64_t lost = ((uint64_t)au->lost_before * au->len + blk -
				 1) / blk;

		mi->a_lost = (uint32_t)TES_MIN(mi->a_lost + lost,
					       (uint64_t)UINT16_MAX);
		mi->a_part_n = 0;
	}
	while (off < au->len) {
		size_t take = TES_MIN(blk - mi->a_part_n, au->len - off);
		struct tes_ingress_au *b;

		if (!mi->a_part_n)
			mi->a_part_ts = au->ts + (uint32_t)(off * ticks / blk);
		memcpy(mi->a_part + mi->a_part_n, au->data + off, take);
		mi->a_part_n = (uint16_t)(mi->a_part_n + take);
		off += take;
		if (mi->a_part_n < blk)
			break;
		mi->a_part_n = 0;
		b = block_of(au, mi->a_part, blk, mi->a_part_ts, mi->a_lost);
		if (b) {
			mi->a_lost = 0;
			audio_queue(mi, b);
		}
	}
	tes_deref(au);
}

void tes__mixin_audio_in(struct tes__mixin *mi, struct tes_ingress_au *au)
{
	int d;

	if (mi->acodec->block_bytes) {
		audio_blocks(mi, au);
		return;
	}
	/* Opus: a packet is decoded whole, and the mix takes 20 ms */
	d = mi->acodec->duration(au->data, au->len);
	if (d != mi->acodec->clock / BLOCKS_PER_S) {
		audio_bad(mi, au, d);
		return;
	}
	audio_queue(mi, au);
}

static void audio_au(struct tes_ingress_au *au, void *arg)
{
	tes__mixin_audio_in(arg, au);
}

struct tes_ingress_au *tes__mixin_audio_pop(struct tes__mixin *mi,
					    uint64_t now_us,
					    enum tes__aplay *play)
{
	struct tes_ingress_au *au;

	*play = TES__APLAY_NONE;

	if (!mi->a_primed) {
		if (mi->aq_n < TES__AQ_PRIME)
			return NULL;
		mi->a_primed = true;
	}

	if (!mi->aq_n) {
		/* underrun: conceal for a while, then wait to re-prime */
		if (now_us - mi->a_last_us < AUDIO_PLC_MS * 1000u)
			*play = TES__APLAY_PLC;
		else
			mi->a_primed = false;
		return NULL;
	}

	au = mi->aq[mi->aq_head];

	/* keep the queue short: more than the prime depth plus a margin
	 * means we run behind the sender's clock; a pending concealment
	 * goes first, then the oldest packet */
	if (mi->aq_n > TES__AQ_PRIME + 3) {
		if (mi->a_conceal) {
			mi->a_conceal = 0;
		}
		else {
			tes_deref(au);
			mi->aq_head = (mi->aq_head + 1) % TES__AQ_MAX;
			mi->aq_n--;
			au = mi->aq[mi->aq_head];
		}
	}

	/* packets were lost right before the head: play their place,
	 * the last one from the head's in-band FEC (RFC 6716 2.1.7) when
	 * the codec has it (Opus), the others by PLC.  No worker holds
	 * the head yet, so its lost_before can be cleared here. */
	if (au->lost_before) {
		mi->a_conceal = TES_MIN(au->lost_before, AUDIO_CONCEAL_MAX);
		au->lost_before = 0;
	}
	if (mi->a_conceal) {
		mi->a_conceal--;
		mi->a_last_us = now_us;
		if (mi->a_conceal || !mi->acodec || !mi->acodec->fec) {
			*play = TES__APLAY_PLC;
			return NULL;
		}
		*play = TES__APLAY_FEC;
		return tes_ref(au);
	}

	mi->aq_head = (mi->aq_head + 1) % TES__AQ_MAX;
	mi->aq_n--;
	mi->a_last_us = now_us;
	*play = TES__APLAY_AU;

	return au;
}

void tes__mixin_tick(struct tes__mixin *mi, uint64_t now_us)
{
	/* ask for the keyframe once the decode queue has drained, and
	 * again if the sender ignored the request */
	if (mi->vskip_to_key && mi->part && mi->vjobs < TES__VJOBS_MAX &&
	    now_us - mi->vpli_us >= TES__PLI_RETRY_US) {
		mi->vpli_us = now_us;
		send_pli(mi->part);
	}

	if (mi->vin)
		tes_ingress_tick(mi->vin, now_us);
	if (mi->ain)
		tes_ingress_tick(mi->ain, now_us);
}

/* ---- lifetime ---- */

static void mixin_destructor(void *data)
{
	struct tes__mixin *mi = data;

	tes_deref(mi->vin);
	tes_deref(mi->ain);
	while (mi->aq_n) {
		tes_deref(mi->aq[mi->aq_head]);
		mi->aq_head = (mi->aq_head + 1) % TES__AQ_MAX;
		mi->aq_n--;
	}
	tes_deref(mi->vdec);
	tes_deref(mi->adec);
	tes_deref(mi->slot);
}

static struct tes_ingress_cfg video_cfg(struct tes__mixin *mi,
					const struct tes__stream *st)
{
	return (struct tes_ingress_cfg){
		.codec = strncasecmp(st->codec, "H264", 4) ? TES_INGRESS_VP8
							   : TES_INGRESS_H264,
		.au_h = video_au,
		.nack_h = video_nack,
		.keyframe_h = video_keyframe,
		.arg = mi,
	};
}

uint64_t tes__mixin_video_put_us(struct tes__part *p)
{
	return p->mix && p->mix->slot ? tes_slot_put_time(p->mix->slot) : 0;
}

int tes__mixin_video_restart(struct tes__part *p)
{
	const struct tes__stream *st =
		tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);
	struct tes__mixin *mi = p->mix;
	struct tes_ingress_cfg cfg;
	struct tes_ingress *in;
	int err;

	if (!mi || !st || !mi->vin)
		return -ENOENT;
	/* another stream (a simulcast layer): its own sequence numbers */
	cfg = video_cfg(mi, st);
	err = tes_ingress_alloc(&in, &cfg);
	if (err)
		return err;
	tes_deref(mi->vin);
	mi->vin = in;
	mi->vdec_wait_key = true;

	return 0;
}

/* "PCMU" of "PCMU/8000" */
static const char *codec_name(const struct tes__stream *st, char *buf,
			      size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(st->codec, "/"), st->codec);
	return buf;
}

static int video_in(struct tes__mixin *mi, const struct tes__stream *st)
{
	struct tes_ingress_cfg cfg = video_cfg(mi, st);
	char name[16];
	int err;

	mi->vcodec = tes_vcodec_find(codec_name(st, name, sizeof(name)));
	if (!mi->vcodec)
		return -ENOTSUP;

	err = mi->vcodec->dec_alloc(&mi->vdec);
	if (!err)
		err = tes_ingress_alloc(&mi->vin, &cfg);
	mi->vdec_wait_key = true;

	return err;
}

/* Its audio, in the codec it negotiated (Opus, or a SIP endpoint's
 * PCMU, PCMA, G722): decoded to the mix's 48 kHz */
static int audio_in(struct tes__mixin *mi, const struct tes__stream *st)
{
	struct tes_ingress_cfg cfg = {
		/* each packet stands alone, as Opus's do */
		.codec = TES_INGRESS_OPUS,
		.clock = st->clock,
		.au_h = audio_au,
		.arg = mi,
		.audio_level_id = st->audio_level_id,
	};
	char name[16];
	int err;

	mi->acodec = tes_acodec_find(codec_name(st, name, sizeof(name)));
	if (!mi->acodec ||
	    (size_t)mi->acodec->block_bytes > sizeof(mi->a_part))
		return -ENOTSUP;

	err = mi->acodec->dec_alloc(&mi->adec, 1);
	if (!err)
		err = tes_ingress_alloc(&mi->ain, &cfg);

	return err;
}

int tes__mixin_alloc(struct tes__part *p, struct tes__mixctx *ctx)
{
	struct tes__mixin *mi;
	int err = 0;

	mi = tes_alloc(sizeof(*mi), mixin_destructor);
	if (!mi)
		return -ENOMEM;
	mi->part = p;
	mi->num = p->num;
	mi->prof = -1;
	mi->await_key = true;
	mi->since_ms = tes_now_ms();

	err = tes_slot_alloc(&mi->slot);
	for (size_t i = 0; !err && i < p->n_streams; i++) {
		const struct tes__stream *st = &p->streams[i];
		bool video = st->kind == TES_MEDIA_VIDEO;
		char name[16];

		/* the mix goes out in the codec it negotiated */
		if (!video && st->we_send && !mi->aout) {
			mi->aout = tes_acodec_find(codec_name(st, name,
							      sizeof(name)));
			if (!mi->aout) {
				err = -ENOTSUP;
				break;
			}
		}
		/* one audio and one video input per participant: the first
		 * m-line of each kind.  A second one (an offer may have two
		 * audio m-lines) allocated over the first's decoder and
		 * ingress and leaked them (found by fuzz_http). */
		if (!st->we_recv || (video ? mi->vin_st : mi->ain_st))
			continue;
		if (video)
			mi->vin_st = st;
		else
			mi->ain_st = st;
		err = video ? video_in(mi, st) : audio_in(mi, st);
	}
	if (err) {
		tes_deref(mi);
		return err;
	}

	p->ctx = ctx;
	p->mix = mi;

	return 0;
}

void tes__mixin_detach(struct tes__part *p)
{
	if (!p->mix)
		return;
	p->mix->part = NULL;
	p->mix = tes_deref(p->mix);
}

/* ---- packets from the participant (loop thread) ---- */

void tes__mix_rtp(struct tes__part *p, struct tes__stream *st,
		  const struct tes_rtp_hdr *h)
{
	struct tes__mixin *mi = p->mix;
	struct tes_ingress *in;

	if (!mi)
		return;
	/* only the stream each input was made for: two streams' sequence
	 * numbers in one ingress would be nonsense */
	in = st == mi->vin_st ? mi->vin : st == mi->ain_st ? mi->ain : NULL;
	if (in)
		tes_ingress_push(in, h, tes_now_us());
}

static bool about_our_video(struct tes__part *p, uint32_t ssrc)
{
	struct tes__stream *v = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);

	return v && v->we_send && ssrc == v->out_ssrc;
}

static void resend(struct tes__part *p, const struct tes_rtcp_pkt *pkt)
{
	struct tes_rtcp_nack nk[64];
	int n = tes_rtcp_nack_entries(pkt, nk, TES_ARRAY_SIZE(nk));

	for (int i = 0; i < n; i++) {
		tes__mix_resend(p->room->mix, p, nk[i].pid);
		for (unsigned b = 0; b < 16; b++) {
			if (nk[i].blp & (1u << b))
				tes__mix_resend(p->room->mix, p,
						(uint16_t)(nk[i].pid + b + 1));
		}
	}
}

void tes__mix_rtcp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	bool key = false, fb = false;

	tes_rtcp_iter_init(&it, buf, len);
	while (!tes_rtcp_next(&it, &pkt)) {
		/* what it receives of our video: loss and bandwidth */
		if (pkt.pt == TES_RTCP_SR || pkt.pt == TES_RTCP_RR) {
			for (size_t i = 0; i < pkt.n_rb; i++) {
				if (about_our_video(p, pkt.rb[i].ssrc) &&
				    p->mix) {
					p->mix->lost = pkt.rb[i].fraction_lost;
					fb = true;
				}
			}
			continue;
		}
		if (pkt.pt == TES_RTCP_PSFB && pkt.is_remb && p->mix) {
			p->mix->est_bps = pkt.remb_bitrate;
			fb = true;
			continue;
		}
		if (pkt.pt == TES_RTCP_RTPFB &&
		    pkt.count == TES_RTCP_FMT_NACK &&
		    about_our_video(p, pkt.media_ssrc) && p->room->mix) {
			resend(p, &pkt);
			continue;
		}
		if (pkt.pt != TES_RTCP_PSFB)
			continue;
		if (pkt.count == TES_RTCP_FMT_PLI)
			key |= about_our_video(p, pkt.media_ssrc);
		else if (pkt.count == TES_RTCP_FMT_FIR) {
			/* FIR names its target in each 8-byte FCI entry */
			for (size_t o = 0; o + 8 <= pkt.fci_len; o += 8)
				key |= about_our_video(p,
						       tes_rd32(pkt.fci + o));
		}
	}

	if (key && p->room->mix)
		tes__mix_keyframe(p->room->mix, p);
	if (fb && p->room->mix)
		tes__mix_feedback(p->room->mix, p);
}

void tes__mix_connected(struct tes__part *p)
{
	/* the receiver needs a keyframe of its profile, and we want one of
	 * the participant's own video to start decoding */
	if (p->room->mix)
		tes__mix_keyframe(p->room->mix, p);
	send_pli(p);
}
