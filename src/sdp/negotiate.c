/**
 * @file negotiate.c  Answerer-side offer/answer (RFC 3264, JSEP): pick one
 * codec per m-line, the header extensions and feedback we implement, and
 * the directions.  We are ICE-lite and always the DTLS server.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "sdp/priv.h"
#include "sdp/sdp.h"

/** URIs of the TES_EXT_* extensions (RFC 8285 a=extmap). */
const char *const tes_sdp_ext_uri[TES_EXT_COUNT] = {
	[TES_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
	[TES_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	[TES_EXT_ABS_SEND_TIME] =
		"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	[TES_EXT_TWCC] = ("http://www.ietf.org/id/"
			  "draft-holmer-rmcat-transport-wide-cc-extensions-01"),
	[TES_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
	[TES_EXT_RRID] =
		"urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
};

/** rtcp-fb we implement; transport-cc is not (yet). */
enum { FB_SUPPORTED = TES_FB_NACK | TES_FB_PLI | TES_FB_FIR | TES_FB_REMB };

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}

	return -EPROTO;
}

bool tes__fmtp_get(const char *fmtp, const char *key, const char **v,
		   size_t *vn)
{
	size_t kn = strlen(key);
	const char *p = fmtp;

	while (*p) {
		const char *e = strchr(p, ';');
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!e)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n > kn && p[kn] == '=' && !strncasecmp(p, key, kn)) {
			*v = p + kn + 1;
			*vn = n - kn - 1;
			while (*vn && (*v)[*vn - 1] == ' ')
				(*vn)--;
			return true;
		}
		p = *e ? e + 1 : e;
	}

	return false;
}

/**
 * How well an H264 payload type suits us: we decode and encode
 * packetization-mode 1 constrained baseline (profile_idc 0x42 with
 * profile-iop 0xe0, or 0x00), any level.
 *
 * @return 2 for 42e0xx, 1 for 4200xx, 0 when unusable
 */
static int h264_rank(const char *fmtp)
{
	const char *v;
	size_t vn;
	int b[3];

	if (!tes__fmtp_get(fmtp, "packetization-mode", &v, &vn) ||
	    vn != 1 || v[0] != '1')
		return 0;
	/* absent profile-level-id means 420010 (RFC 6184 8.1) */
	if (!tes__fmtp_get(fmtp, "profile-level-id", &v, &vn))
		return 1;
	if (vn != 6)
		return 0;
	for (int i = 0; i < 3; i++) {
		int hi = tes_hexval(v[2 * i]), lo = tes_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		b[i] = hi << 4 | lo;
	}
	if (b[0] != 0x42)
		return 0;
	if (b[1] == 0xe0)
		return 2;
	if (b[1] == 0x00)
		return 1;

	return 0;
}

/** Pick our codec among the offered ones; NULL when none fits. */
static const struct tes_sdp_rtpmap *choose_codec(const struct tes_sdp_media *m)
{
	const struct tes_sdp_rtpmap *best = NULL;
	int best_rank = 0;

	for (size_t i = 0; i < m->n_rtpmap; i++) {
		const struct tes_sdp_rtpmap *r = &m->rtpmap[i];
		int rank;

		if (m->kind == TES_MEDIA_AUDIO) {
			if (r->codec == TES_CODEC_OPUS && r->clock == 48000 &&
			    r->channels == 2)
				return r;
			continue;
		}
		if (r->clock != 90000)
			continue;
		if (r->codec == TES_CODEC_VP8)
			return r;
		if (r->codec != TES_CODEC_H264)
			continue;
		rank = h264_rank(r->fmtp);
		if (rank > best_rank) {
			best = r;
			best_rank = rank;
		}
	}

	return best;
}

static void choose_exts(struct tes_sdp_neg_media *nm,
			const struct tes_sdp_media *m)
{
	for (size_t i = 0; i < m->n_extmap; i++) {
		const struct tes_sdp_extmap *e = &m->extmap[i];

		/* "/sendonly" etc. would need a matching answer direction;
		 * browsers use them only for extensions we do not take */
		if (e->dir != TES_DIR_SENDRECV)
			continue;
		for (int k = 0; k < TES_EXT_COUNT; k++) {
			if (k == TES_EXT_TWCC ||
			    strcmp(e->uri, tes_sdp_ext_uri[k]))
				continue;
			if (k == TES_EXT_AUDIO_LEVEL &&
			    m->kind != TES_MEDIA_AUDIO)
				continue;
			/* stream ids only matter to simulcast we receive */
			if ((k == TES_EXT_RID || k == TES_EXT_RRID) &&
			    !m->n_sim_send)
				continue;
			if (!nm->ext_id[k])
				nm->ext_id[k] = e->id;
		}
	}
}

enum tes_dir tes__answer_dir(enum tes_dir offered)
{
	switch (offered) {
	case TES_DIR_SENDONLY:
		return TES_DIR_RECVONLY;
	case TES_DIR_RECVONLY:
		return TES_DIR_SENDONLY;
	case TES_DIR_INACTIVE:
		return TES_DIR_INACTIVE;
	default:
		return TES_DIR_SENDRECV;
	}
}

/** Whether an m-line can be accepted at all (before codecs). */
static bool usable(const struct tes_sdp_media *m)
{
	if (m->kind != TES_MEDIA_AUDIO && m->kind != TES_MEDIA_VIDEO)
		return false;
	if (strcasecmp(m->proto, "UDP/TLS/RTP/SAVPF"))
		return false;
	/* port 0 without bundle-only: the offerer disabled it */
	if (!m->port && !m->bundle_only)
		return false;

	return m->rtcp_mux;
}

void tes__neg_reject_init(struct tes_sdp_neg_media *nm,
			  const struct tes_sdp_media *m)
{
	memset(nm, 0, sizeof(*nm));
	nm->kind = m->kind;
	memcpy(nm->kind_name, m->kind_name, sizeof(nm->kind_name));
	memcpy(nm->mid, m->mid, sizeof(nm->mid));
	memcpy(nm->proto, m->proto, sizeof(nm->proto));
	memcpy(nm->first_fmt, m->first_fmt[0] ? m->first_fmt : "0",
	       sizeof(nm->first_fmt));
	nm->dir = TES_DIR_INACTIVE;
}

static void negotiate_media(struct tes_sdp_neg_media *nm,
			    const struct tes_sdp_media *m,
			    const struct tes_sdp_local *local, bool *sending)
{
	const struct tes_sdp_rtpmap *r;
	bool *kind_sending;

	tes__neg_reject_init(nm, m);

	if (!usable(m))
		return;
	r = choose_codec(m);
	if (!r)
		return;

	nm->accepted = true;
	nm->codec = *r;
	nm->fb = r->fb & FB_SUPPORTED;
	nm->codec.fb = nm->fb;
	nm->rtcp_rsize = m->rtcp_rsize;
	nm->remote_ssrc = m->n_ssrc ? m->ssrc[0] : 0;
	choose_exts(nm, m);

	/* one outgoing stream per kind: a second m-line of the same kind
	 * would have to reuse our SSRC */
	kind_sending = &sending[m->kind == TES_MEDIA_VIDEO];
	nm->local_ssrc = m->kind == TES_MEDIA_VIDEO ? local->video_ssrc :
						      local->audio_ssrc;
	nm->dir = tes__answer_dir(m->dir);
	if (*kind_sending) {
		if (nm->dir == TES_DIR_SENDRECV)
			nm->dir = TES_DIR_RECVONLY;
		else if (nm->dir == TES_DIR_SENDONLY)
			nm->dir = TES_DIR_INACTIVE;
	}
	nm->we_recv = nm->dir == TES_DIR_SENDRECV ||
		      nm->dir == TES_DIR_RECVONLY;
	nm->we_send = nm->dir == TES_DIR_SENDRECV ||
		      nm->dir == TES_DIR_SENDONLY;
	if (nm->we_send)
		*kind_sending = true;

	/* simulcast (RFC 8853): we receive every offered stream, told
	 * apart by the rtp-stream-id extension */
	if (nm->we_recv && m->kind == TES_MEDIA_VIDEO && m->n_sim_send &&
	    nm->ext_id[TES_EXT_RID]) {
		for (size_t i = 0; i < m->n_sim_send; i++)
			memcpy(nm->rids[i], m->sim_send[i], sizeof(nm->rids[i]));
		nm->n_rids = m->n_sim_send;
	}
	else {
		nm->ext_id[TES_EXT_RID] = nm->ext_id[TES_EXT_RRID] = 0;
	}
}

/** ICE and DTLS parameters of the transport (first accepted m-line). */
static int check_transport(struct tes_sdp_answer *ans,
			   const struct tes_sdp_session *offer,
			   const struct tes_sdp_media *m, char *err,
			   size_t errlen)
{
	if (offer->ice_lite)
		return fail(err, errlen, "offer is ICE-lite too: unsupported");
	if (!m->ice_ufrag[0] || !m->ice_pwd[0])
		return fail(err, errlen, "offer has no ICE credentials");
	if (!m->fp[0] || !m->fp_alg[0])
		return fail(err, errlen, "offer has no DTLS fingerprint");
	/* no a=setup means active (RFC 4145 4) */
	if (!strcasecmp(m->setup, "passive"))
		return fail(err, errlen,
			    "offer wants us to be DTLS client: unsupported");
	if (m->setup[0] && strcasecmp(m->setup, "actpass") &&
	    strcasecmp(m->setup, "active"))
		return fail(err, errlen, "unsupported a=setup:%s", m->setup);

	memcpy(ans->remote_ufrag, m->ice_ufrag, sizeof(ans->remote_ufrag));
	memcpy(ans->remote_pwd, m->ice_pwd, sizeof(ans->remote_pwd));
	memcpy(ans->fp_alg, m->fp_alg, sizeof(ans->fp_alg));
	memcpy(ans->fp, m->fp, sizeof(ans->fp));

	return 0;
}

int tes_sdp_negotiate(struct tes_sdp_answer *ans,
		      const struct tes_sdp_session *offer,
		      const struct tes_sdp_local *local, char *err,
		      size_t errlen)
{
	const struct tes_sdp_media *first = NULL;
	bool sending[2] = {false, false};
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!ans || !offer || !local || !local->ice_ufrag || !local->ice_pwd ||
	    !local->fingerprint || !local->addr || !local->cname ||
	    !local->stream_id || offer->n_media > TES_SDP_MAX_MEDIA) {
		ret = -EINVAL;
		goto out;
	}
	memset(ans, 0, sizeof(*ans));

	if (offer->n_media_ignored) {
		ret = fail(err, errlen, "offer has more than %d m-lines",
			   TES_SDP_MAX_MEDIA);
		goto out;
	}
	if (!offer->n_media) {
		ret = fail(err, errlen, "offer has no m-lines");
		goto out;
	}

	for (size_t i = 0; i < offer->n_media; i++) {
		negotiate_media(&ans->media[i], &offer->media[i], local,
				sending);
		if (ans->media[i].accepted && !first)
			first = &offer->media[i];
	}
	ans->n_media = offer->n_media;
	if (!first) {
		ret = fail(err, errlen, "no common codec");
		goto out;
	}

	ret = check_transport(ans, offer, first, err, errlen);
	if (ret)
		goto out;

	ans->bundle = offer->n_bundle > 0;
	ans->sess_id = ((uint64_t)tes_rand_u32() << 32 | tes_rand_u32()) >> 2;
	if (!ans->sess_id)
		ans->sess_id = 1;

 out:
	return ret;
}
