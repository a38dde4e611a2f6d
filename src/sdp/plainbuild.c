/**
 * @file plainbuild.c  Writes plain (SIP-style) SDP: our answer to an
 * endpoint's offer, and our offer for an INVITE that came without one.
 * No ICE, no DTLS, no BUNDLE: addresses and ports are in c= and m=.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "sdp/priv.h"
#include "sdp/sdp.h"

enum {
	/** H.264 level we encode up to: 3.1 (720p30) */
	OUR_H264_LEVEL = 0x1f,
	/** Payload types of our offer */
	PT_OPUS = 111,
	PT_TEL_EVENT = 101,
	PT_H264_PM1 = 96,
	PT_H264_PM0 = 97,
	PT_VP8 = 98,
};

static bool local_ok(const struct tes_sdp_plain_local *l)
{
	return l && l->addr && l->cname && l->addr[0];
}

static void put_session(struct tes__wbuf *w,
			const struct tes_sdp_plain_local *l, uint64_t id)
{
	const char *ipv = tes__ip_ver(l->addr);

	tes__put(w, "v=0\r\n");
	tes__put(w, "o=- %" PRIu64 " %" PRIu64 " IN %s %s\r\n", id,
		 l->sess_version, ipv, l->addr);
	tes__put(w, "s=-\r\n");
	tes__put(w, "c=IN %s %s\r\n", ipv, l->addr);
	tes__put(w, "t=0 0\r\n");
}

/* Our a=crypto; -EINVAL when the key does not suit its suite */
static int put_crypto(struct tes__wbuf *w, const struct tes_sdes *k)
{
	char v[160];

	if (tes_sdes_write(v, sizeof(v), k) < 0)
		return -EINVAL;
	tes__put(w, "a=crypto:%s\r\n", v);

	return 0;
}

/* RTCP on the RTP port, or (RFC 3605) on the next one */
static void put_rtcp(struct tes__wbuf *w, uint16_t port, bool mux)
{
	if (mux)
		tes__put(w, "a=rtcp-mux\r\n");
	else
		tes__put(w, "a=rtcp:%u\r\n", port + 1u);
}

/*
 * H.264 configuration (RFC 6184 8.2.2): packetization-mode and the
 * profile part of profile-level-id must be the offer's, the level may be
 * lower: ours if the offer's is higher.  Every profile we accept is one
 * our constrained baseline stream conforms to.
 */
static void put_h264_fmtp(struct tes__wbuf *w,
			  const struct tes_sdp_neg_media *nm)
{
	unsigned level = TES_MIN(nm->h264_level_idc, (unsigned)OUR_H264_LEVEL);
	unsigned iop = nm->h264_profile_iop;

	/* level 1b: level_idc 11 with constraint_set3, but for High */
	if (level == 9 && nm->h264_profile_idc != 0x64) {
		iop |= 0x10;
		level = 11;
	}
	tes__put(w, "a=fmtp:%u packetization-mode=%u;"
		 "profile-level-id=%02x%02x%02x\r\n", nm->codec.pt,
		 nm->h264_pmode, nm->h264_profile_idc, iop, level);
}

static int put_codec(struct tes__wbuf *w, const struct tes_sdp_neg_media *nm)
{
	unsigned pt = nm->codec.pt;

	switch (nm->plain_codec) {
	case TES_PLAIN_OPUS:
		tes__put(w, "a=rtpmap:%u opus/48000/2\r\n", pt);
		tes__put(w, "a=fmtp:%u minptime=10;useinbandfec=1\r\n", pt);
		break;
	case TES_PLAIN_G722:
		tes__put(w, "a=rtpmap:%u G722/8000\r\n", pt);
		break;
	case TES_PLAIN_PCMU:
		tes__put(w, "a=rtpmap:%u PCMU/8000\r\n", pt);
		break;
	case TES_PLAIN_PCMA:
		tes__put(w, "a=rtpmap:%u PCMA/8000\r\n", pt);
		break;
	case TES_PLAIN_H264:
		tes__put(w, "a=rtpmap:%u H264/90000\r\n", pt);
		put_h264_fmtp(w, nm);
		break;
	case TES_PLAIN_VP8:
		tes__put(w, "a=rtpmap:%u VP8/90000\r\n", pt);
		break;
	default:
		return -EINVAL;  /* not from tes_sdp_negotiate_plain() */
	}
	if (nm->fb & TES_FB_NACK)
		tes__put(w, "a=rtcp-fb:%u nack\r\n", pt);
	if (nm->fb & TES_FB_PLI)
		tes__put(w, "a=rtcp-fb:%u nack pli\r\n", pt);
	if (nm->fb & TES_FB_FIR)
		tes__put(w, "a=rtcp-fb:%u ccm fir\r\n", pt);
	if (nm->dtmf_pt) {
		/* RFC 4733: the DTMF digits; we never send the others */
		tes__put(w, "a=rtpmap:%u telephone-event/8000\r\n",
			 nm->dtmf_pt);
		tes__put(w, "a=fmtp:%u 0-15\r\n", nm->dtmf_pt);
	}

	return 0;
}

static int put_answer_media(struct tes__wbuf *w,
			    const struct tes_sdp_neg_media *nm,
			    const struct tes_sdp_plain_local *l)
{
	uint32_t ssrc;

	if (!nm->accepted) {
		/* RFC 3264 6: port 0, the offer's proto and a format */
		tes__put(w, "m=%s 0 %s %s\r\n", nm->kind_name,
			 nm->proto[0] ? nm->proto : "RTP/AVP",
			 nm->first_fmt[0] ? nm->first_fmt : "0");
		return 0;
	}
	if (!nm->local_port || (!nm->rtcp_mux && nm->local_port == 65535))
		return -EINVAL;
	/* RFC 4568 5.1.2: the answer's line has the accepted one's tag */
	if (nm->sdes && (nm->local_key.tag != nm->remote_key.tag ||
			 nm->local_key.suite != nm->remote_key.suite))
		return -EINVAL;

	tes__put(w, "m=%s %u %s %u", nm->kind_name, nm->local_port, nm->proto,
		 nm->codec.pt);
	if (nm->dtmf_pt)
		tes__put(w, " %u", nm->dtmf_pt);
	tes__put(w, "\r\n");
	if (put_codec(w, nm))
		return -EINVAL;
	if (nm->kind == TES_MEDIA_AUDIO)
		tes__put(w, "a=ptime:20\r\n");
	tes__put(w, "a=%s\r\n", tes_dir_name(nm->dir));
	put_rtcp(w, nm->local_port, nm->rtcp_mux);
	if (nm->rtcp_rsize)
		tes__put(w, "a=rtcp-rsize\r\n");
	if (nm->sdes && put_crypto(w, &nm->local_key))
		return -EINVAL;
	ssrc = nm->kind == TES_MEDIA_VIDEO ? l->video_ssrc : l->audio_ssrc;
	if (nm->we_send)
		tes__put(w, "a=ssrc:%" PRIu32 " cname:%s\r\n", ssrc,
			 l->cname);

	return 0;
}

/* The end of a description: its length, or -ENOSPC */
static int finish(struct tes__wbuf *w)
{
	if (w->overflow || w->len > INT32_MAX) {
		w->p[0] = '\0';
		return -ENOSPC;
	}

	return (int)w->len;
}

int tes_sdp_build_plain_answer(char *buf, size_t cap,
			       const struct tes_sdp_answer *ans,
			       const struct tes_sdp_plain_local *local)
{
	struct tes__wbuf w = {.p = buf, .cap = cap};
	int err;

	if (!buf || !cap || !ans || !ans->plain || !local_ok(local) ||
	    ans->n_media > TES_SDP_MAX_MEDIA)
		return -EINVAL;
	buf[0] = '\0';

	put_session(&w, local, local->sess_id ? local->sess_id
					      : ans->sess_id);
	for (size_t i = 0; i < ans->n_media; i++) {
		err = put_answer_media(&w, &ans->media[i], local);
		if (err) {
			buf[0] = '\0';
			return err;
		}
	}

	return finish(&w);
}

static int put_offer_media(struct tes__wbuf *w,
			   const struct tes_sdp_plain_offer *o, bool video)
{
	const char *proto = o->srtp == TES_SDP_SRTP_MANDATORY ? "RTP/SAVP"
							      : "RTP/AVP";
	uint16_t port = video ? o->video_port : o->audio_port;

	if (!video) {
		tes__put(w, "m=audio %u %s %u 9 0 8 %u\r\n", port, proto,
			 PT_OPUS, PT_TEL_EVENT);
		tes__put(w, "a=rtpmap:%u opus/48000/2\r\n", PT_OPUS);
		tes__put(w, "a=fmtp:%u minptime=10;useinbandfec=1\r\n",
			 PT_OPUS);
		tes__put(w, "a=rtpmap:9 G722/8000\r\n");
		tes__put(w, "a=rtpmap:0 PCMU/8000\r\n");
		tes__put(w, "a=rtpmap:8 PCMA/8000\r\n");
		tes__put(w, "a=rtpmap:%u telephone-event/8000\r\n",
			 PT_TEL_EVENT);
		tes__put(w, "a=fmtp:%u 0-16\r\n", PT_TEL_EVENT);
		tes__put(w, "a=ptime:20\r\n");
	}
	else {
		tes__put(w, "m=video %u %s %u %u %u\r\n", port, proto,
			 PT_H264_PM1, PT_H264_PM0, PT_VP8);
		tes__put(w, "a=rtpmap:%u H264/90000\r\n", PT_H264_PM1);
		tes__put(w, "a=fmtp:%u packetization-mode=1;"
			 "profile-level-id=42e01f\r\n", PT_H264_PM1);
		tes__put(w, "a=rtpmap:%u H264/90000\r\n", PT_H264_PM0);
		tes__put(w, "a=fmtp:%u packetization-mode=0;"
			 "profile-level-id=42e01f\r\n", PT_H264_PM0);
		tes__put(w, "a=rtpmap:%u VP8/90000\r\n", PT_VP8);
		tes__put(w, "a=rtcp-fb:* nack\r\n");
		tes__put(w, "a=rtcp-fb:* nack pli\r\n");
		tes__put(w, "a=rtcp-fb:* ccm fir\r\n");
	}
	tes__put(w, "a=%s\r\n", tes_dir_name(o->dir));
	put_rtcp(w, port, o->rtcp_mux);
	if (o->srtp != TES_SDP_SRTP_OFF &&
	    put_crypto(w, video ? &o->video_key : &o->audio_key))
		return -EINVAL;
	tes__put(w, "a=ssrc:%" PRIu32 " cname:%s\r\n",
		 video ? o->local.video_ssrc : o->local.audio_ssrc,
		 o->local.cname);

	return 0;
}

int tes_sdp_build_plain_offer(char *buf, size_t cap,
			      const struct tes_sdp_plain_offer *o)
{
	struct tes__wbuf w = {.p = buf, .cap = cap};

	if (!buf || !cap || !o || !local_ok(&o->local) || !o->local.sess_id ||
	    (!o->audio_port && !o->video_port) ||
	    o->srtp > TES_SDP_SRTP_MANDATORY || o->dir > TES_DIR_INACTIVE ||
	    (!o->rtcp_mux && (o->audio_port == 65535 ||
			      o->video_port == 65535)))
		return -EINVAL;
	buf[0] = '\0';

	put_session(&w, &o->local, o->local.sess_id);
	if ((o->audio_port && put_offer_media(&w, o, false)) ||
	    (o->video_port && put_offer_media(&w, o, true))) {
		buf[0] = '\0';
		return -EINVAL;
	}

	return finish(&w);
}
