/**
 * @file plain.c  Offer/answer with SIP-style endpoints (RFC 3264): plain
 * RTP or SDES-SRTP (RFC 4568), no ICE, no DTLS, no BUNDLE.  At most one
 * audio and one video m-line is taken; our preference picks the codec.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "sdp/priv.h"
#include "sdp/sdp.h"

static const enum tes_sdp_plain_codec def_audio[TES_SDP_PLAIN_PREFS] = {
	TES_PLAIN_OPUS, TES_PLAIN_G722, TES_PLAIN_PCMU, TES_PLAIN_PCMA,
};

/* hardware endpoints often do H.264 only, and decode it in hardware */
static const enum tes_sdp_plain_codec def_video[TES_SDP_PLAIN_PREFS] = {
	TES_PLAIN_H264, TES_PLAIN_VP8,
};

/** rtcp-fb we answer on video (no REMB: SIP endpoints rarely do it) */
enum { FB_PLAIN = TES_FB_NACK | TES_FB_PLI | TES_FB_FIR };

/** Why an m-line was rejected. */
enum reject {
	R_NONE,         /* accepted */
	R_KIND,         /* not audio or video */
	R_PROTO,        /* not RTP/(S)AVP(F) */
	R_PORT,         /* port 0 */
	R_SECOND,       /* one of its kind was taken already */
	R_ADDR,         /* no numeric c= address */
	R_SRTP_OFF,     /* RTP/SAVP but our policy is OFF */
	R_NO_CRYPTO,    /* SRTP needed, no a=crypto at all */
	R_BAD_CRYPTO,   /* SRTP needed, only a=crypto we cannot use */
	R_CODEC,        /* no common codec */
};

static const char *const reject_text[] = {
	[R_NONE] = "accepted",
	[R_KIND] = "not audio or video",
	[R_PROTO] = "transport not supported (plain RTP or SDES-SRTP only)",
	[R_PORT] = "disabled (port 0)",
	[R_SECOND] = "a second m-line of its kind",
	[R_ADDR] = "no numeric c= address",
	[R_SRTP_OFF] = "SRTP is off here",
	[R_NO_CRYPTO] = "SRTP is required and there is no a=crypto",
	[R_BAD_CRYPTO] = ("only a=crypto we cannot use (we do "
			  "AES_CM_128_HMAC_SHA1_80 and _32)"),
	[R_CODEC] = "no common codec",
};

/** An offered H.264 payload type we can take. */
struct h264 {
	uint8_t pmode;  /**< packetization-mode, 0 or 1 */
	uint8_t idc;    /**< profile_idc */
	uint8_t iop;    /**< profile-iop, without 1b's constraint_set3 */
	uint8_t level;  /**< level_idc, 1b as 9 */
};

static bool named(const struct tes_sdp_rtpmap *r, const char *name,
		  uint32_t clock)
{
	return r->clock == clock && !strcasecmp(r->name, name);
}

static bool audio_fits(const struct tes_sdp_rtpmap *r,
		       enum tes_sdp_plain_codec c)
{
	switch (c) {
	case TES_PLAIN_OPUS:
		/* RFC 7587: always opus/48000/2, mono or not */
		return r->codec == TES_CODEC_OPUS && r->clock == 48000 &&
		       r->channels == 2;
	case TES_PLAIN_G722:
		return named(r, "G722", 8000) && r->channels <= 1;
	case TES_PLAIN_PCMU:
		return named(r, "PCMU", 8000) && r->channels <= 1;
	case TES_PLAIN_PCMA:
		return named(r, "PCMA", 8000) && r->channels <= 1;
	default:
		return false;
	}
}

static bool hex_bytes(const char *v, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = tes_hexval(v[2 * i]), lo = tes_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		b[i] = (uint8_t)(hi << 4 | lo);
	}

	return true;
}

/*
 * Whether an H.264 payload type's fmtp suits us: packetization-mode 0
 * (the default) or 1, and a profile that our constrained baseline stream
 * conforms to, which a baseline decoder takes too.  profile-level-id
 * (RFC 6184 8.1, table 5) is profile_idc, profile-iop (constraint_set0..5
 * flags) and level_idc; absent it is 42000a, baseline level 1.0.
 *   0x42 baseline: any flags (constraint_set1 makes it CB);
 *   0x4d main, 0x58 extended: constraint_set0, "obeys baseline" (main
 *   with it is CB, extended is B, or CB with constraint_set1 as well);
 *   0x64 high (not in table 5): constraint_set0 and 1, "obeys baseline
 *   and main", which is what CB is (H.264 A.2.1.1).
 * Level 1b is level_idc 11 with constraint_set3 in profiles 0x42, 0x4d
 * and 0x58: we keep it as 9, as H.264 writes it for the others.
 */
static bool h264_fits(const char *fmtp, struct h264 *h)
{
	uint8_t b[3] = {0x42, 0x00, 0x0a};
	const char *v;
	size_t vn;
	bool ok;

	h->pmode = 0;
	if (tes__fmtp_get(fmtp, "packetization-mode", &v, &vn)) {
		/* 2 is interleaved mode: no */
		if (vn != 1 || (v[0] != '0' && v[0] != '1'))
			return false;
		h->pmode = (uint8_t)(v[0] - '0');
	}
	if (tes__fmtp_get(fmtp, "profile-level-id", &v, &vn) &&
	    (vn != 6 || !hex_bytes(v, b, 3)))
		return false;
	switch (b[0]) {
	case 0x42:
		ok = true;
		break;
	case 0x4d:
	case 0x58:
		ok = b[1] & 0x80;
		break;
	case 0x64:
		ok = (b[1] & 0xc0) == 0xc0;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok || !b[2])
		return false;
	h->idc = b[0];
	h->iop = b[1];
	h->level = b[2];
	if (b[0] != 0x64) {
		if (b[2] == 11 && (b[1] & 0x10))
			h->level = 9;
		h->iop &= (uint8_t)~0x10;
	}

	return true;
}

/* The offered payload type of codec c we take; NULL if none */
static const struct tes_sdp_rtpmap *pick(const struct tes_sdp_media *m,
					 enum tes_sdp_plain_codec c,
					 struct h264 *h)
{
	const struct tes_sdp_rtpmap *best = NULL;
	struct h264 cand;

	for (size_t i = 0; i < m->n_rtpmap; i++) {
		const struct tes_sdp_rtpmap *r = &m->rtpmap[i];

		if (m->kind == TES_MEDIA_AUDIO) {
			if (audio_fits(r, c))
				return r;
			continue;
		}
		if (r->clock != 90000)
			continue;
		if (c == TES_PLAIN_VP8 && r->codec == TES_CODEC_VP8)
			return r;
		/* packetization-mode 1 first: mode 0 limits every NAL unit
		 * to one packet, which costs the encoder slices */
		if (c != TES_PLAIN_H264 || r->codec != TES_CODEC_H264 ||
		    !h264_fits(r->fmtp, &cand))
			continue;
		if (!best || cand.pmode > h->pmode) {
			best = r;
			*h = cand;
		}
	}

	return best;
}

static uint8_t dtmf_pt(const struct tes_sdp_media *m)
{
	for (size_t i = 0; i < m->n_rtpmap; i++) {
		const struct tes_sdp_rtpmap *r = &m->rtpmap[i];

		/* pt 0 is PCMU's: 0 means "none" in dtmf_pt */
		if (r->pt && named(r, "telephone-event", 8000))
			return r->pt;
	}

	return 0;
}

static bool proto_ok(const char *proto, bool *savp)
{
	if (!strcasecmp(proto, "RTP/AVP") || !strcasecmp(proto, "RTP/AVPF")) {
		*savp = false;
		return true;
	}
	if (!strcasecmp(proto, "RTP/SAVP") ||
	    !strcasecmp(proto, "RTP/SAVPF")) {
		*savp = true;
		return true;
	}

	return false;
}

/* A numeric address of the family; *unspec for 0.0.0.0 or :: */
static bool numeric(const char *addr, bool ip6, bool *unspec)
{
	uint8_t a[16] = {0};
	static const uint8_t zero[16];

	if (inet_pton(ip6 ? AF_INET6 : AF_INET, addr, a) != 1)
		return false;
	*unspec = !memcmp(a, zero, sizeof(a));

	return true;
}

/* The first a=crypto we can key SRTP with */
static const struct tes_sdes *usable_crypto(const struct tes_sdp_media *m)
{
	for (size_t i = 0; i < m->n_crypto; i++) {
		if (m->crypto[i].suite == TES_SDES_AES_CM_128_HMAC_SHA1_80 ||
		    m->crypto[i].suite == TES_SDES_AES_CM_128_HMAC_SHA1_32)
			return &m->crypto[i];
	}

	return NULL;
}

static enum reject keying(const struct tes_sdp_media *m, enum tes_sdp_srtp p,
			  bool savp, const struct tes_sdes **key)
{
	*key = NULL;
	if (p == TES_SDP_SRTP_OFF)
		return savp ? R_SRTP_OFF : R_NONE;
	*key = usable_crypto(m);
	if (*key || (!savp && p == TES_SDP_SRTP_OPTIONAL))
		return R_NONE;

	return m->n_crypto || m->n_crypto_ignored ? R_BAD_CRYPTO :
						    R_NO_CRYPTO;
}

/** What negotiation of one description needs. */
struct ctx {
	const struct tes_sdp_plain_prefs *prefs;  /**< Preferences */
	const enum tes_sdp_plain_codec *audio;    /**< Audio order */
	const enum tes_sdp_plain_codec *video;    /**< Video order */
	bool taken[2];                            /**< Audio, video taken */
};

static void accept_media(struct tes_sdp_neg_media *nm,
			 const struct tes_sdp_media *m,
			 const struct tes_sdp_rtpmap *r,
			 enum tes_sdp_plain_codec c, const struct h264 *h,
			 const struct tes_sdes *key, bool hold)
{
	bool unspec;

	nm->accepted = true;
	nm->codec = *r;
	nm->plain_codec = c;
	nm->fb = m->kind == TES_MEDIA_VIDEO ? r->fb & FB_PLAIN : 0;
	nm->codec.fb = nm->fb;
	nm->rtcp_rsize = m->rtcp_rsize;
	nm->remote_ssrc = m->n_ssrc ? m->ssrc[0] : 0;
	memcpy(nm->remote_addr, m->addr, sizeof(nm->remote_addr));
	/* a=rtcp's own address only if usable: else RTCP goes with RTP */
	if (m->rtcp_addr[0] && (numeric(m->rtcp_addr, false, &unspec) ||
				numeric(m->rtcp_addr, true, &unspec)))
		memcpy(nm->remote_rtcp_addr, m->rtcp_addr,
		       sizeof(nm->remote_rtcp_addr));
	else
		memcpy(nm->remote_rtcp_addr, m->addr,
		       sizeof(nm->remote_rtcp_addr));
	nm->remote_port = m->port;
	nm->rtcp_mux = m->rtcp_mux;
	if (m->rtcp_mux)
		nm->remote_rtcp_port = m->port;
	else if (m->rtcp_port)
		nm->remote_rtcp_port = m->rtcp_port;
	else if (m->port < 65535)
		nm->remote_rtcp_port = (uint16_t)(m->port + 1);
	nm->hold = hold;
	if (key) {
		nm->sdes = true;
		nm->remote_key = *key;
	}
	if (m->kind == TES_MEDIA_AUDIO)
		nm->dtmf_pt = dtmf_pt(m);
	if (c == TES_PLAIN_H264) {
		nm->h264_pmode = h->pmode;
		nm->h264_profile_idc = h->idc;
		nm->h264_profile_iop = h->iop;
		nm->h264_level_idc = h->level;
	}
	nm->ptime = m->ptime;

	/* c=0.0.0.0 is RFC 2543's hold: nothing may be sent there */
	nm->dir = tes__answer_dir(m->dir);
	if (hold && nm->dir == TES_DIR_SENDRECV)
		nm->dir = TES_DIR_RECVONLY;
	else if (hold && nm->dir == TES_DIR_SENDONLY)
		nm->dir = TES_DIR_INACTIVE;
	nm->we_recv = nm->dir == TES_DIR_SENDRECV ||
		      nm->dir == TES_DIR_RECVONLY;
	nm->we_send = nm->dir == TES_DIR_SENDRECV ||
		      nm->dir == TES_DIR_SENDONLY;
}

static enum reject negotiate_media(struct ctx *cx,
				   struct tes_sdp_neg_media *nm,
				   const struct tes_sdp_media *m)
{
	const struct tes_sdp_rtpmap *r = NULL;
	const enum tes_sdp_plain_codec *order;
	const struct tes_sdes *key;
	enum tes_sdp_plain_codec c = TES_PLAIN_NONE;
	struct h264 h = {0};
	enum reject why;
	bool savp, hold, video = m->kind == TES_MEDIA_VIDEO;

	tes__neg_reject_init(nm, m);

	if (m->kind != TES_MEDIA_AUDIO && !video)
		return R_KIND;
	if (!proto_ok(m->proto, &savp))
		return R_PROTO;
	if (!m->port)
		return R_PORT;
	if (cx->taken[video])
		return R_SECOND;
	if (!numeric(m->addr, m->addr_ip6, &hold))
		return R_ADDR;
	why = keying(m, cx->prefs->srtp, savp, &key);
	if (why != R_NONE)
		return why;

	order = video ? cx->video : cx->audio;
	for (size_t i = 0; i < TES_SDP_PLAIN_PREFS && !r; i++) {
		c = order[i];
		if (c == TES_PLAIN_NONE)
			break;
		r = pick(m, c, &h);
	}
	if (!r)
		return R_CODEC;

	accept_media(nm, m, r, c, &h, key, hold);
	cx->taken[video] = true;

	return R_NONE;
}

/* "audio RTP/AVP (GSM/8000 telephone-event/8000): no common codec" */
static void explain(struct tes__wbuf *w, const struct tes_sdp_media *m,
		    enum reject why)
{
	enum { SHOWN = 8 };

	tes__put(w, "%s %s (", m->kind_name, m->proto);
	for (size_t i = 0; i < m->n_rtpmap && i < SHOWN; i++)
		tes__put(w, "%s%s/%u", i ? " " : "", m->rtpmap[i].name,
			 (unsigned)m->rtpmap[i].clock);
	if (!m->n_rtpmap)
		tes__put(w, "%s", m->first_fmt);
	tes__put(w, "%s): %s", m->n_rtpmap > SHOWN ? " ..." : "",
		 reject_text[why]);
	if (why == R_BAD_CRYPTO)
		tes__put(w, " (%zu)", m->n_crypto + m->n_crypto_ignored);
}

/* An order from a preference list (empty: the default) */
static int order_of(const enum tes_sdp_plain_codec *pref,
		    const enum tes_sdp_plain_codec *def, bool video,
		    const enum tes_sdp_plain_codec **out)
{
	*out = pref[0] == TES_PLAIN_NONE ? def : pref;
	for (size_t i = 0; i < TES_SDP_PLAIN_PREFS; i++) {
		enum tes_sdp_plain_codec c = (*out)[i];

		if (c == TES_PLAIN_NONE)
			break;
		if (video ? c != TES_PLAIN_H264 && c != TES_PLAIN_VP8
			  : c < TES_PLAIN_OPUS || c > TES_PLAIN_PCMA)
			return -EINVAL;
	}

	return 0;
}

int tes_sdp_negotiate_plain(struct tes_sdp_answer *ans,
			    const struct tes_sdp_session *offer,
			    const struct tes_sdp_plain_prefs *prefs,
			    char *err, size_t errlen)
{
	static const struct tes_sdp_plain_prefs defaults;
	enum reject why[TES_SDP_MAX_MEDIA];
	struct ctx cx = {.prefs = prefs ? prefs : &defaults};
	/* no reason buffer: as if it were full from the start */
	struct tes__wbuf w = {.p = err, .cap = errlen,
			      .overflow = !err || !errlen};
	bool any = false;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!ans || !offer || offer->n_media > TES_SDP_MAX_MEDIA ||
	    cx.prefs->srtp > TES_SDP_SRTP_MANDATORY ||
	    order_of(cx.prefs->audio, def_audio, false, &cx.audio) ||
	    order_of(cx.prefs->video, def_video, true, &cx.video)) {
		ret = -EINVAL;
		goto out;
	}
	/* the m-lines are cleared as they are negotiated: the answer is
	 * large and most offers have two */
	memset(ans, 0, offsetof(struct tes_sdp_answer, media));
	memset(&ans->n_media, 0, sizeof(*ans) -
	       offsetof(struct tes_sdp_answer, n_media));
	ans->plain = true;

	if (offer->n_media_ignored) {
		tes__put(&w, "offer has more than %d m-lines",
			 TES_SDP_MAX_MEDIA);
		ret = -EPROTO;
		goto out;
	}
	for (size_t i = 0; i < offer->n_media; i++) {
		why[i] = negotiate_media(&cx, &ans->media[i],
					 &offer->media[i]);
		any |= why[i] == R_NONE;
	}
	ans->n_media = offer->n_media;
	if (!any) {
		/* the SIP layer's 488 says why, naming what was offered */
		tes__put(&w, "no m-line we can accept%s",
			 offer->n_media ? "" : " (none offered)");
		for (size_t i = 0; i < offer->n_media; i++) {
			tes__put(&w, "%s", i ? "; " : ": ");
			explain(&w, &offer->media[i], why[i]);
		}
		ret = -EPROTO;
		goto out;
	}

	ans->sess_id = ((uint64_t)tes_rand_u32() << 32 | tes_rand_u32()) >> 2;
	if (!ans->sess_id)
		ans->sess_id = 1;

 out:
	return ret;
}
