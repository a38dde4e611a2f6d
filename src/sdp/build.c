/**
 * @file build.c  Writes our SDP answer: ICE-lite, a=setup:passive, one host
 * candidate, and per accepted m-line the one codec we chose.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "sdp/priv.h"
#include "sdp/sdp.h"

__attribute__((format(printf, 2, 3)))
void tes__put(struct tes__wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len) {
		w->overflow = true;
		return;
	}
	w->len += (size_t)n;
}

const char *tes_dir_name(enum tes_dir d)
{
	switch (d) {
	case TES_DIR_SENDRECV:
		return "sendrecv";
	case TES_DIR_SENDONLY:
		return "sendonly";
	case TES_DIR_RECVONLY:
		return "recvonly";
	case TES_DIR_INACTIVE:
		return "inactive";
	}

	return "?";
}

const char *tes__ip_ver(const char *addr)
{
	return strchr(addr, ':') ? "IP6" : "IP4";
}


/*
 * A simulcast sender starts at the bitrate of all its layers: Chrome
 * starts at 300 kbit/s and, with receiver reports and REMB only (no
 * transport-cc), grows about 8 % a second, so its largest layer would
 * stay off for half a minute.  (Chrome's x-google- fmtp parameters.)
 */
#define SIMULCAST_START "x-google-start-bitrate=1500"

static void put_codec(struct tes__wbuf *w, const struct tes_sdp_neg_media *nm)
{
	const struct tes_sdp_rtpmap *c = &nm->codec;
	unsigned pt = c->pt;

	switch (c->codec) {
	case TES_CODEC_OPUS:
		tes__put(w, "a=rtpmap:%u opus/48000/2\r\n", pt);
		tes__put(w, "a=fmtp:%u minptime=10;useinbandfec=1\r\n", pt);
		break;
	case TES_CODEC_VP8:
		tes__put(w, "a=rtpmap:%u VP8/90000\r\n", pt);
		if (nm->n_rids)
			tes__put(w, "a=fmtp:%u %s\r\n", pt, SIMULCAST_START);
		break;
	case TES_CODEC_H264:
		tes__put(w, "a=rtpmap:%u H264/90000\r\n", pt);
		tes__put(w, "a=fmtp:%u level-asymmetry-allowed=1;"
		       "packetization-mode=1;profile-level-id=42e01f%s%s\r\n",
		    pt, nm->n_rids ? ";" : "",
		    nm->n_rids ? SIMULCAST_START : "");
		break;
	default:
		/* negotiate never picks these; write what was offered */
		tes__put(w, "a=rtpmap:%u %s/%" PRIu32 "\r\n", pt, c->name,
		    c->clock);
		break;
	}
	if (nm->fb & TES_FB_NACK)
		tes__put(w, "a=rtcp-fb:%u nack\r\n", pt);
	if (nm->fb & TES_FB_PLI)
		tes__put(w, "a=rtcp-fb:%u nack pli\r\n", pt);
	if (nm->fb & TES_FB_FIR)
		tes__put(w, "a=rtcp-fb:%u ccm fir\r\n", pt);
	if (nm->fb & TES_FB_REMB)
		tes__put(w, "a=rtcp-fb:%u goog-remb\r\n", pt);
	if (nm->fb & TES_FB_TWCC)
		tes__put(w, "a=rtcp-fb:%u transport-cc\r\n", pt);
	for (int k = 0; k < TES_EXT_COUNT; k++) {
		if (nm->ext_id[k])
			tes__put(w, "a=extmap:%u %s\r\n", nm->ext_id[k],
			    tes_sdp_ext_uri[k]);
	}
}

static void put_rejected(struct tes__wbuf *w,
			 const struct tes_sdp_neg_media *nm)
{
	tes__put(w, "m=%s 0 %s %s\r\n", nm->kind_name,
	    nm->proto[0] ? nm->proto : "UDP/TLS/RTP/SAVPF",
	    nm->first_fmt[0] ? nm->first_fmt : "0");
	tes__put(w, "c=IN IP4 0.0.0.0\r\n");
	if (nm->mid[0])
		tes__put(w, "a=mid:%s\r\n", nm->mid);
	tes__put(w, "a=inactive\r\n");
}

static void put_media(struct tes__wbuf *w, const struct tes_sdp_neg_media *nm,
		      size_t idx, const struct tes_sdp_local *l)
{
	char track[64];

	if (!nm->accepted) {
		put_rejected(w, nm);
		return;
	}
	tes__put(w, "m=%s %u UDP/TLS/RTP/SAVPF %u\r\n", nm->kind_name, l->port,
	    nm->codec.pt);
	tes__put(w, "c=IN %s %s\r\n", tes__ip_ver(l->addr), l->addr);
	if (nm->mid[0])
		tes__put(w, "a=mid:%s\r\n", nm->mid);
	tes__put(w, "a=%s\r\n", tes_dir_name(nm->dir));
	tes__put(w, "a=ice-ufrag:%s\r\n", l->ice_ufrag);
	tes__put(w, "a=ice-pwd:%s\r\n", l->ice_pwd);
	tes__put(w, "a=fingerprint:sha-256 %s\r\n", l->fingerprint);
	tes__put(w, "a=setup:passive\r\n");
	tes__put(w, "a=rtcp-mux\r\n");
	if (nm->rtcp_rsize)
		tes__put(w, "a=rtcp-rsize\r\n");
	put_codec(w, nm);
	for (size_t i = 0; i < nm->n_rids; i++)
		tes__put(w, "a=rid:%s recv\r\n", nm->rids[i]);
	for (size_t i = 0; i < nm->n_rids; i++)
		tes__put(w, "%s%s", i ? ";" : "a=simulcast:recv ", nm->rids[i]);
	if (nm->n_rids)
		tes__put(w, "\r\n");
	if (nm->we_send) {
		const char *stream = nm->msid_stream[0] ? nm->msid_stream
							: l->stream_id;

		if (nm->msid_track[0])
			snprintf(track, sizeof(track), "%s", nm->msid_track);
		else if (nm->mid[0])
			snprintf(track, sizeof(track), "%s-%s", nm->kind_name,
				 nm->mid);
		else
			snprintf(track, sizeof(track), "%s-%zu",
				 nm->kind_name, idx);
		tes__put(w, "a=msid:%s %s\r\n", stream, track);
		tes__put(w, "a=ssrc:%" PRIu32 " cname:%s\r\n", nm->local_ssrc,
		    l->cname);
		tes__put(w, "a=ssrc:%" PRIu32 " msid:%s %s\r\n", nm->local_ssrc,
		    stream, track);
	}
	tes__put(w, "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n",
		 l->addr, l->port);
	tes__put(w, "a=end-of-candidates\r\n");
}

static bool local_ok(const struct tes_sdp_local *l)
{
	return l && l->ice_ufrag && l->ice_pwd && l->fingerprint && l->addr &&
	       l->cname && l->stream_id;
}

/* A whole description: the answer, or a subsequent offer of ours */
static int build(char *buf, size_t cap, const struct tes_sdp_neg_media *media,
		 size_t n, bool bundle, uint64_t sess_id, uint64_t version,
		 const struct tes_sdp_local *l)
{
	struct tes__wbuf w = {.p = buf, .cap = cap};
	bool any = false;

	if (!buf || !cap || !media || !local_ok(l) || n > TES_SDP_MAX_MEDIA)
		return -EINVAL;
	buf[0] = '\0';

	tes__put(&w, "v=0\r\n");
	tes__put(&w, "o=- %" PRIu64 " %" PRIu64 " IN %s %s\r\n", sess_id,
		 version, tes__ip_ver(l->addr), l->addr);
	tes__put(&w, "s=-\r\n");
	tes__put(&w, "t=0 0\r\n");
	tes__put(&w, "a=ice-lite\r\n");
	if (bundle) {
		for (size_t i = 0; i < n; i++) {
			const struct tes_sdp_neg_media *nm = &media[i];

			if (!nm->accepted || !nm->mid[0])
				continue;
			tes__put(&w, "%s %s", any ? "" : "a=group:BUNDLE",
				 nm->mid);
			any = true;
		}
		if (any)
			tes__put(&w, "\r\n");
	}
	tes__put(&w, "a=msid-semantic: WMS %s\r\n", l->stream_id);
	for (size_t i = 0; i < n; i++)
		put_media(&w, &media[i], i, l);

	if (w.overflow || w.len > INT32_MAX) {
		buf[0] = '\0';
		return -ENOSPC;
	}

	return (int)w.len;
}

int tes_sdp_build_answer(char *buf, size_t cap,
			 const struct tes_sdp_answer *ans,
			 const struct tes_sdp_local *local)
{
	if (!ans)
		return -EINVAL;

	return build(buf, cap, ans->media, ans->n_media, ans->bundle,
		     ans->sess_id, 2, local);
}

int tes_sdp_build_offer(char *buf, size_t cap,
			const struct tes_sdp_neg_media *media, size_t n,
			uint64_t sess_id, uint64_t version,
			const struct tes_sdp_local *local)
{
	/* WebRTC peers bundle; an offer adding m-lines to an unbundled
	 * session would need transports of its own */
	return build(buf, cap, media, n, true, sess_id, version, local);
}
