/**
 * @file test_sdp_plain.c  SDP for SIP-style endpoints (issue 5): c=,
 * a=rtcp, a=ptime and a=crypto in the parser, tes_sdp_negotiate_plain()
 * and the plain answer and offer writers, on offers captured from baresip
 * (tests/vectors/sip, see its README), a desk phone's and inline cases.
 */
#include <stdlib.h>

#include "sdp/sdp.h"
#include "test.h"

enum { PSDP_CAP = 8192 };

/** Big structs live on the heap, shared by the tests, freed at exit. */
static struct {
	struct tes_sdp_session *offer;  /**< Parsed offer */
	struct tes_sdp_session *back;   /**< Our answer, parsed back */
	struct tes_sdp_answer *ans;     /**< Negotiated answer */
	struct tes_sdp_answer *peer;    /**< Our answer negotiated back, as
					     the offerer does it */
	char *sdp;                      /**< Built description */
	char err[512];                  /**< Reason strings */
} px;

static const struct tes_sdp_plain_local plocal = {
	.addr = "192.0.2.10",
	.cname = "tessera",
	.audio_ssrc = 1111,
	.video_ssrc = 2222,
	.sess_version = 1,
};

__attribute__((destructor)) static void px_free(void)
{
	free(px.offer);
	free(px.back);
	free(px.ans);
	free(px.peer);
	free(px.sdp);
}

static int px_init(void)
{
	if (!px.offer) {
		px.offer = malloc(sizeof(*px.offer));
		px.back = malloc(sizeof(*px.back));
		px.ans = malloc(sizeof(*px.ans));
		px.peer = malloc(sizeof(*px.peer));
		px.sdp = malloc(PSDP_CAP);
	}
	if (!px.offer || !px.back || !px.ans || !px.peer || !px.sdp)
		return -ENOMEM;
	memset(px.offer, 0xa5, sizeof(*px.offer));  /* parse must clear */
	memset(px.ans, 0xa5, sizeof(*px.ans));      /* negotiate too */
	px.err[0] = '\0';

	return 0;
}

static int px_parse(const char *sdp)
{
	return tes_sdp_parse(px.offer, sdp, strlen(sdp), px.err,
			     sizeof(px.err));
}

static int px_parse_vec(const char *name)
{
	size_t len;
	char *text = tes_test_read_vector(name, &len);
	int err;

	if (!text)
		return -ENOENT;
	err = tes_sdp_parse(px.offer, text, len, px.err, sizeof(px.err));
	free(text);

	return err;
}

/* baresip 1.0.0, mediaenc srtp-mand: RTP/SAVP, one a=crypto per m-line */
TES_TEST(sdp_plain_parse_baresip)
{
	static const uint8_t key0[4] = {0x32, 0x86, 0x00, 0x4b};
	const struct tes_sdp_media *a, *v;

	TEST_OK(px_init());
	TEST_OK(px_parse_vec("sip/baresip_h264_pcmu_srtp_mand.sdp"));
	TEST_STREQ(px.offer->addr, "192.0.2.2");
	TEST_ASSERT(!px.offer->addr_ip6);
	TEST_EQ(px.offer->n_media, 2);
	TEST_EQ(px.offer->n_bundle, 0);

	a = &px.offer->media[0];
	TEST_EQ(a->kind, TES_MEDIA_AUDIO);
	TEST_EQ(a->port, 10060);
	TEST_STREQ(a->proto, "RTP/SAVP");
	TEST_STREQ(a->addr, "192.0.2.2");  /* session-level c= */
	TEST_EQ(a->ptime, 20);
	TEST_EQ(a->rtcp_port, 0);
	TEST_STREQ(a->rtcp_addr, "");
	TEST_ASSERT(!a->rtcp_mux && a->rtcp_rsize);
	TEST_STREQ(a->ice_ufrag, "");
	TEST_STREQ(a->fp, "");
	TEST_EQ(a->n_rtpmap, 2);
	TEST_STREQ(tes_sdp_rtpmap_find(a, 101)->name, "telephone-event");
	TEST_STREQ(tes_sdp_rtpmap_find(a, 101)->fmtp, "0-15");
	TEST_EQ(a->n_crypto, 1);
	TEST_EQ(a->n_crypto_ignored, 0);
	TEST_EQ(a->crypto[0].tag, 1);
	TEST_EQ(a->crypto[0].suite, TES_SDES_AES_CM_128_HMAC_SHA1_80);
	TEST_EQ(a->crypto[0].key_len, 30);
	/* inline:MoYASxVr... */
	TEST_MEMEQ(a->crypto[0].key, key0, sizeof(key0));

	v = &px.offer->media[1];
	TEST_EQ(v->port, 10006);
	TEST_STREQ(v->addr, "192.0.2.2");
	TEST_EQ(v->ptime, 0);
	TEST_EQ(v->n_crypto, 1);
	TEST_ASSERT(memcmp(v->crypto[0].key, a->crypto[0].key, 30));
	TEST_EQ(v->rtpmap[0].fb, TES_FB_PLI);  /* a=rtcp-fb:* nack pli */
	TEST_STREQ(v->rtpmap[0].fmtp,
		   "packetization-mode=0;profile-level-id=42e01f");

	return 0;
}

TES_TEST(sdp_plain_parse_deskphone)
{
	const struct tes_sdp_media *a;

	TEST_OK(px_init());
	TEST_OK(px_parse_vec("sip/deskphone_g722.sdp"));
	TEST_STREQ(px.offer->addr, "198.51.100.23");
	TEST_EQ(px.offer->n_media, 1);
	a = &px.offer->media[0];
	TEST_EQ(a->port, 2226);
	TEST_STREQ(a->proto, "RTP/AVP");
	TEST_STREQ(a->addr, "198.51.100.23");
	TEST_EQ(a->rtcp_port, 2231);
	TEST_STREQ(a->rtcp_addr, "198.51.100.23");
	TEST_EQ(a->ptime, 20);
	TEST_EQ(a->n_crypto, 0);
	TEST_EQ(a->n_rtpmap, 5);
	TEST_STREQ(a->rtpmap[0].name, "G722");
	TEST_EQ(a->rtpmap[0].pt, 9);
	TEST_STREQ(a->rtpmap[3].name, "G729");
	TEST_STREQ(a->rtpmap[3].fmtp, "annexb=no");

	return 0;
}

TES_TEST(sdp_plain_parse_inline)
{
	static const char sdp[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 203.0.113.1\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		"m=audio 4000 RTP/SAVP 0\r\n"
		"c=IN IP6 2001:db8::1\r\n"
		"a=ptime:30.5\r\n"
		"a=rtcp:4001\r\n"
		"a=crypto:1 F8_128_HMAC_SHA1_80 inline:AAAA\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_32 "
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=crypto:4 AES_CM_128_HMAC_SHA1_80 "
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=crypto:5 AEAD_AES_128_GCM "
		"inline:KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQw==\r\n"
		"a=crypto:6 AES_CM_128_HMAC_SHA1_80 "
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 "
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"m=video 5000 RTP/AVP 96\r\n"
		"c=IN IP4 233.252.0.1/127/2\r\n"
		"a=ptime:x\r\n"
		"a=rtcp:5003 IN IP4 203.0.113.9\r\n"
		"m=video 6000 RTP/AVP 96\r\n"
		"c=ATM NSAP 47.0091.8100.0000.0060.3e64.fd01\r\n"
		"a=rtcp:6001 IN IP4\r\n"
		"m=application 7000 TCP/BFCP *\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
	const struct tes_sdp_media *m;

	TEST_OK(px_init());
	TEST_OK(px_parse(sdp));
	TEST_EQ(px.offer->n_media, 4);

	m = &px.offer->media[0];
	TEST_STREQ(m->addr, "2001:db8::1");  /* media-level wins */
	TEST_ASSERT(m->addr_ip6);
	TEST_EQ(m->ptime, 30);
	TEST_EQ(m->rtcp_port, 4001);
	TEST_STREQ(m->rtcp_addr, "");
	/* unknown suite and MKI skipped; tags 3..6 kept; 7 beyond capacity;
	 * the session-level line is not an m-line's */
	TEST_EQ(m->n_crypto, TES_SDP_MAX_CRYPTO);
	TEST_EQ(m->n_crypto_ignored, 3);
	TEST_EQ(m->crypto[0].tag, 3);
	TEST_EQ(m->crypto[0].suite, TES_SDES_AES_CM_128_HMAC_SHA1_32);
	TEST_EQ(m->crypto[2].suite, TES_SDES_AEAD_AES_128_GCM);
	TEST_EQ(m->crypto[2].key_len, 28);
	TEST_EQ(m->crypto[3].tag, 6);

	m = &px.offer->media[1];
	TEST_STREQ(m->addr, "233.252.0.1");  /* "/ttl/count" dropped */
	TEST_ASSERT(!m->addr_ip6);
	TEST_EQ(m->ptime, 0);
	TEST_EQ(m->rtcp_port, 5003);
	TEST_STREQ(m->rtcp_addr, "203.0.113.9");

	m = &px.offer->media[2];
	TEST_STREQ(m->addr, "203.0.113.1");  /* not IN: session's */
	TEST_EQ(m->rtcp_port, 6001);
	TEST_STREQ(m->rtcp_addr, "");

	m = &px.offer->media[3];
	TEST_EQ(m->n_crypto, 0);  /* not RTP */
	TEST_EQ(m->n_crypto_ignored, 0);

	return 0;
}

TES_TEST(sdp_plain_parse_malformed)
{
	static const struct {
		const char *sdp;
		const char *reason;
	} bad[] = {
		{"v=0\r\nc=IN IP4\r\n", "bad c= line"},
		{"v=0\r\nc=IN\r\n", "bad c= line"},
		{"v=0\r\nc=IN IP4 /127\r\n", "bad c= address"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP6 "
		 "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:"
		 "0000:0000:0000\r\n",
		 "bad c= address"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtcp:\r\n", "bad rtcp"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtcp:65536\r\n", "bad rtcp"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtcp:9 IN IP4 "
		 "0123456789012345678901234567890123456789012345678901234567"
		 "890123\r\n", "bad rtcp address"},
	};

	TEST_OK(px_init());
	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		int err = px_parse(bad[i].sdp);

		if (err != -EBADMSG || !strstr(px.err, bad[i].reason))
			TEST_FAIL("case %zu: %d \"%s\", expected \"%s\"", i,
				  err, px.err, bad[i].reason);
	}

	return 0;
}

/** Negotiate px.offer, give accepted m-lines ports and keys as the caller
 * does, build the answer into px.sdp and parse it into px.back */
static int px_answer_parsed(const struct tes_sdp_plain_prefs *prefs)
{
	int err = tes_sdp_negotiate_plain(px.ans, px.offer, prefs, px.err,
					  sizeof(px.err));

	if (err)
		return err;
	for (size_t i = 0; i < px.ans->n_media; i++) {
		struct tes_sdp_neg_media *nm = &px.ans->media[i];

		if (!nm->accepted)
			continue;
		nm->local_port = (uint16_t)(20000 + 2 * i);
		if (nm->sdes) {
			err = tes_sdes_new_key(&nm->local_key,
					       nm->remote_key.tag,
					       nm->remote_key.suite);
			if (err)
				return err;
		}
	}
	err = tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans, &plocal);
	if (err < 0)
		return err;

	return tes_sdp_parse(px.back, px.sdp, (size_t)err, px.err,
			     sizeof(px.err));
}

static int px_answer(const char *name,
		     const struct tes_sdp_plain_prefs *prefs)
{
	int err = px_parse_vec(name);

	return err ? err : px_answer_parsed(prefs);
}

/*
 * Our answer, parsed back, says what was negotiated: every m-line, our
 * ports, codec, telephone-event, RTCP, key and SSRC.  And the offerer,
 * negotiating it (tes_sdp_negotiate_plain() takes answers too), ends up
 * with the same codecs, sending to our ports with our key.
 */
static int check_answer(const struct tes_sdp_plain_prefs *prefs)
{
	TEST_EQ(px.back->n_media, px.ans->n_media);
	TEST_STREQ(px.back->addr, plocal.addr);
	TEST_EQ(px.back->n_bundle, 0);
	TEST_OK(tes_sdp_negotiate_plain(px.peer, px.back, prefs, px.err,
					sizeof(px.err)));
	for (size_t i = 0; i < px.ans->n_media; i++) {
		const struct tes_sdp_neg_media *nm = &px.ans->media[i];
		const struct tes_sdp_neg_media *pm = &px.peer->media[i];
		const struct tes_sdp_media *b = &px.back->media[i];

		TEST_EQ(b->kind, nm->kind);
		TEST_STREQ(b->proto, nm->proto);
		TEST_EQ(pm->accepted, nm->accepted);
		if (!nm->accepted) {
			TEST_EQ(b->port, 0);
			continue;
		}
		TEST_EQ(b->port, nm->local_port);
		TEST_STREQ(b->addr, plocal.addr);
		TEST_EQ(b->n_fmts, nm->dtmf_pt ? 2 : 1);
		TEST_EQ(b->fmts[0], nm->codec.pt);
		TEST_EQ(b->dir, nm->dir);
		TEST_EQ(b->rtcp_mux, nm->rtcp_mux);
		TEST_EQ(b->rtcp_port, nm->rtcp_mux ? 0 : nm->local_port + 1);
		TEST_EQ(b->n_crypto, nm->sdes);
		TEST_EQ(b->n_ssrc, nm->we_send);
		if (nm->we_send)
			TEST_EQ(b->ssrc[0], nm->kind == TES_MEDIA_AUDIO ?
				plocal.audio_ssrc : plocal.video_ssrc);
		TEST_EQ(b->ptime, nm->kind == TES_MEDIA_AUDIO ? 20 : 0);

		TEST_EQ(pm->plain_codec, nm->plain_codec);
		TEST_EQ(pm->codec.pt, nm->codec.pt);
		TEST_EQ(pm->dtmf_pt, nm->dtmf_pt);
		TEST_EQ(pm->remote_port, nm->local_port);
		TEST_EQ(pm->remote_rtcp_port, nm->rtcp_mux ? nm->local_port :
				nm->local_port + 1);
		TEST_STREQ(pm->remote_addr, plocal.addr);
		TEST_EQ(pm->sdes, nm->sdes);
		if (nm->sdes) {
			TEST_EQ(pm->remote_key.tag, nm->remote_key.tag);
			TEST_EQ(pm->remote_key.suite, nm->remote_key.suite);
			TEST_MEMEQ(pm->remote_key.key, nm->local_key.key,
				   nm->local_key.key_len);
		}
		if (nm->plain_codec == TES_PLAIN_H264) {
			TEST_EQ(pm->h264_pmode, nm->h264_pmode);
			TEST_EQ(pm->h264_profile_idc, nm->h264_profile_idc);
			TEST_EQ(pm->h264_profile_iop, nm->h264_profile_iop);
			TEST_EQ(pm->h264_level_idc,
				TES_MIN(nm->h264_level_idc, 0x1f));
		}
	}

	return 0;
}

/* What we expect of each captured offer (see tests/vectors/sip) */
static const struct {
	const char *file;
	uint16_t audio_port, video_port;
	enum tes_sdp_plain_codec audio, video;
	uint8_t audio_pt, video_pt, dtmf_pt, pmode;
	bool sdes, mux;
} baresip[] = {
	{"sip/baresip_h264_pcmu.sdp", 10048, 10024, TES_PLAIN_PCMU,
	 TES_PLAIN_H264, 0, 96, 101, 0, false, false},
	{"sip/baresip_h264_pcmu_srtp_mand.sdp", 10060, 10006, TES_PLAIN_PCMU,
	 TES_PLAIN_H264, 0, 96, 101, 0, true, false},
	{"sip/baresip_h264_pcmu_srtp.sdp", 10084, 10080, TES_PLAIN_PCMU,
	 TES_PLAIN_H264, 0, 96, 101, 0, true, false},
	{"sip/baresip_vp8_opus.sdp", 10098, 10078, TES_PLAIN_OPUS,
	 TES_PLAIN_VP8, 96, 96, 101, 0, false, false},
	{"sip/baresip_vp8_opus_mux_srtp_mandf.sdp", 10084, 10032,
	 TES_PLAIN_OPUS, TES_PLAIN_VP8, 96, 96, 101, 0, true, true},
	/* opus first of ours; H.264 packetization-mode 1 (97) before 0 */
	{"sip/baresip_all_codecs.sdp", 10038, 10014, TES_PLAIN_OPUS,
	 TES_PLAIN_H264, 96, 97, 101, 1, false, false},
};

TES_TEST(sdp_plain_baresip_roundtrip)
{
	for (size_t i = 0; i < TES_ARRAY_SIZE(baresip); i++) {
		const struct tes_sdp_neg_media *a, *v;
		int err;

		TEST_OK(px_init());
		err = px_answer(baresip[i].file, NULL);
		if (err)
			TEST_FAIL("%s: %d \"%s\"", baresip[i].file, err,
				  px.err);
		TEST_ASSERT(px.ans->plain && !px.ans->bundle);
		TEST_ASSERT(px.ans->sess_id != 0);
		TEST_EQ(px.ans->n_media, 2);
		a = &px.ans->media[0];
		v = &px.ans->media[1];
		if (!a->accepted || !v->accepted ||
		    a->plain_codec != baresip[i].audio ||
		    v->plain_codec != baresip[i].video ||
		    a->codec.pt != baresip[i].audio_pt ||
		    v->codec.pt != baresip[i].video_pt)
			TEST_FAIL("%s: codecs %d/%d pts %u/%u",
				  baresip[i].file, a->plain_codec,
				  v->plain_codec, a->codec.pt, v->codec.pt);
		TEST_EQ(a->dtmf_pt, baresip[i].dtmf_pt);
		TEST_EQ(v->dtmf_pt, 0);
		TEST_STREQ(a->remote_addr, "192.0.2.2");
		TEST_STREQ(v->remote_rtcp_addr, "192.0.2.2");
		TEST_EQ(a->remote_port, baresip[i].audio_port);
		TEST_EQ(v->remote_port, baresip[i].video_port);
		TEST_EQ(a->remote_rtcp_port, baresip[i].audio_port +
			(baresip[i].mux ? 0 : 1));
		TEST_EQ(a->rtcp_mux, baresip[i].mux);
		TEST_EQ(v->rtcp_mux, baresip[i].mux);
		TEST_EQ(a->sdes, baresip[i].sdes);
		TEST_EQ(v->sdes, baresip[i].sdes);
		TEST_EQ(a->ptime, 20);
		TEST_ASSERT(a->we_send && a->we_recv && !a->hold);
		TEST_EQ(a->dir, TES_DIR_SENDRECV);
		TEST_EQ(v->fb, TES_FB_PLI);  /* a=rtcp-fb:* nack pli */
		TEST_ASSERT(a->rtcp_rsize && v->rtcp_rsize);
		TEST_ASSERT(a->remote_ssrc != 0);
		if (baresip[i].sdes) {
			TEST_MEMEQ(a->remote_key.key,
				   px.offer->media[0].crypto[0].key, 30);
			TEST_EQ(a->remote_key.tag, 1);
		}
		if (v->plain_codec == TES_PLAIN_H264) {
			TEST_EQ(v->h264_pmode, baresip[i].pmode);
			TEST_EQ(v->h264_profile_idc, 0x42);
			TEST_EQ(v->h264_profile_iop, 0xe0);
			TEST_EQ(v->h264_level_idc, 0x1f);
		}
		err = check_answer(NULL);
		if (err)
			TEST_FAIL("%s: answer does not match", baresip[i].file);
	}

	return 0;
}

TES_TEST(sdp_plain_answer_text)
{
	static const char pcmu[] =
		"v=0\r\n"
		"o=- 77 1 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.10\r\n"
		"t=0 0\r\n"
		"m=audio 20000 RTP/AVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=ptime:20\r\n"
		"a=sendrecv\r\n"
		"a=rtcp:20001\r\n"
		"a=rtcp-rsize\r\n"
		"a=ssrc:1111 cname:tessera\r\n"
		"m=video 20002 RTP/AVP 96\r\n"
		"a=rtpmap:96 H264/90000\r\n"
		"a=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n"
		"a=rtcp-fb:96 nack pli\r\n"
		"a=sendrecv\r\n"
		"a=rtcp:20003\r\n"
		"a=rtcp-rsize\r\n"
		"a=ssrc:2222 cname:tessera\r\n";

	TEST_OK(px_init());
	TEST_OK(px_answer("sip/baresip_h264_pcmu.sdp", NULL));
	px.ans->sess_id = 77;
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans, &plocal),
		(int)strlen(pcmu));
	TEST_STREQ(px.sdp, pcmu);

	/* SDES: the offer's proto, our key under the offer's tag */
	TEST_OK(px_answer("sip/baresip_vp8_opus_mux_srtp_mandf.sdp", NULL));
	TEST_ASSERT(strstr(px.sdp, "\r\nm=audio 20000 RTP/SAVPF 96 101\r\n"
				   "a=rtpmap:96 opus/48000/2\r\n"));
	TEST_ASSERT(strstr(px.sdp, "\r\na=rtcp-mux\r\n"
				   "a=rtcp-rsize\r\n"
				   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				   "inline:"));
	TEST_ASSERT(!strstr(px.sdp, "a=rtcp:"));
	TEST_EQ(px.back->media[0].crypto[0].suite,
		TES_SDES_AES_CM_128_HMAC_SHA1_80);
	TEST_MEMEQ(px.back->media[1].crypto[0].key,
		   px.ans->media[1].local_key.key, 30);

	return 0;
}

TES_TEST(sdp_plain_deskphone)
{
	const struct tes_sdp_neg_media *a;
	const struct tes_sdp_plain_prefs pcma_first = {
		.audio = {TES_PLAIN_PCMA, TES_PLAIN_PCMU},
	};

	TEST_OK(px_init());
	TEST_OK(px_answer("sip/deskphone_g722.sdp", NULL));
	TEST_EQ(px.ans->n_media, 1);
	a = &px.ans->media[0];
	TEST_EQ(a->plain_codec, TES_PLAIN_G722);
	TEST_EQ(a->codec.pt, 9);
	TEST_EQ(a->dtmf_pt, 101);
	TEST_STREQ(a->remote_addr, "198.51.100.23");
	TEST_EQ(a->remote_port, 2226);
	TEST_EQ(a->remote_rtcp_port, 2231);  /* a=rtcp, not port + 1 */
	TEST_STREQ(a->remote_rtcp_addr, "198.51.100.23");
	TEST_ASSERT(!a->rtcp_mux && !a->sdes && !a->rtcp_rsize);
	TEST_EQ(a->ptime, 20);
	TEST_OK(check_answer(NULL));
	TEST_ASSERT(strstr(px.sdp, "m=audio 20000 RTP/AVP 9 101\r\n"
				   "a=rtpmap:9 G722/8000\r\n"
				   "a=rtpmap:101 telephone-event/8000\r\n"));

	TEST_OK(px_answer("sip/deskphone_g722.sdp", &pcma_first));
	TEST_EQ(px.ans->media[0].plain_codec, TES_PLAIN_PCMA);
	TEST_EQ(px.ans->media[0].codec.pt, 8);
	TEST_OK(check_answer(&pcma_first));

	return 0;
}

TES_TEST(sdp_plain_srtp_policy)
{
	const struct tes_sdp_plain_prefs off = {.srtp = TES_SDP_SRTP_OFF};
	const struct tes_sdp_plain_prefs mand = {
		.srtp = TES_SDP_SRTP_MANDATORY,
	};

	TEST_OK(px_init());
	/* RTP/AVP with a=crypto: SRTP unless it is off */
	TEST_OK(px_answer("sip/baresip_h264_pcmu_srtp.sdp", NULL));
	TEST_ASSERT(px.ans->media[0].sdes && px.ans->media[1].sdes);
	TEST_OK(px_answer("sip/baresip_h264_pcmu_srtp.sdp", &mand));
	TEST_ASSERT(px.ans->media[0].sdes && px.ans->media[1].sdes);
	TEST_OK(px_answer("sip/baresip_h264_pcmu_srtp.sdp", &off));
	TEST_ASSERT(!px.ans->media[0].sdes && !px.ans->media[1].sdes);
	TEST_EQ(px.back->media[0].n_crypto, 0);
	TEST_OK(check_answer(&off));

	/* RTP/SAVP: not without SRTP */
	TEST_OK(px_answer("sip/baresip_h264_pcmu_srtp_mand.sdp", &mand));
	TEST_EQ(px_answer("sip/baresip_h264_pcmu_srtp_mand.sdp", &off),
		-EPROTO);
	TEST_STREQ(px.err, "no m-line we can accept: audio RTP/SAVP "
		   "(PCMU/8000 telephone-event/8000): SRTP is off here; "
		   "video RTP/SAVP (H264/90000): SRTP is off here");

	/* plain RTP/AVP: not when SRTP is mandatory */
	TEST_OK(px_answer("sip/baresip_h264_pcmu.sdp", NULL));
	TEST_EQ(px_answer("sip/baresip_h264_pcmu.sdp", &mand), -EPROTO);
	TEST_ASSERT(strstr(px.err, "audio RTP/AVP (PCMU/8000 "
			   "telephone-event/8000): SRTP is required and "
			   "there is no a=crypto"));

	return 0;
}

TES_TEST(sdp_plain_codec_prefs)
{
	const struct tes_sdp_plain_prefs g722 = {
		.audio = {TES_PLAIN_G722, TES_PLAIN_PCMU},
		.video = {TES_PLAIN_VP8, TES_PLAIN_H264},
	};
	const struct tes_sdp_plain_prefs none = {
		.audio = {TES_PLAIN_PCMA},
		.video = {TES_PLAIN_H264},
	};
	const struct tes_sdp_plain_prefs bad = {.audio = {TES_PLAIN_VP8}};
	const struct tes_sdp_plain_prefs bad2 = {.video = {TES_PLAIN_OPUS}};
	const struct tes_sdp_plain_prefs bad3 = {.srtp = 3};

	TEST_OK(px_init());
	TEST_OK(px_answer("sip/baresip_all_codecs.sdp", &g722));
	TEST_EQ(px.ans->media[0].plain_codec, TES_PLAIN_G722);
	TEST_EQ(px.ans->media[0].codec.pt, 9);
	TEST_EQ(px.ans->media[1].plain_codec, TES_PLAIN_VP8);
	TEST_EQ(px.ans->media[1].codec.pt, 100);
	TEST_OK(check_answer(&g722));

	/* only video fits: audio rejected, the call goes on */
	TEST_OK(px_answer("sip/baresip_vp8_opus.sdp", &g722));
	TEST_ASSERT(!px.ans->media[0].accepted && px.ans->media[1].accepted);
	TEST_ASSERT(strstr(px.sdp, "\r\nm=audio 0 RTP/AVP 96\r\n"
				   "m=video 20002 RTP/AVP 96\r\n"));
	TEST_OK(check_answer(&g722));

	/* nothing fits: the reason names what was offered */
	TEST_EQ(px_answer("sip/baresip_vp8_opus.sdp", &none), -EPROTO);
	TEST_STREQ(px.err, "no m-line we can accept: audio RTP/AVP "
		   "(opus/48000 telephone-event/8000): no common codec; "
		   "video RTP/AVP (VP8/90000): no common codec");

	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, &bad, NULL, 0),
		-EINVAL);
	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, &bad2, NULL, 0),
		-EINVAL);
	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, &bad3, NULL, 0),
		-EINVAL);
	TEST_EQ(tes_sdp_negotiate_plain(NULL, px.offer, NULL, NULL, 0),
		-EINVAL);
	/* no reason buffer is fine */
	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, &none, NULL, 0),
		-EPROTO);

	return 0;
}

/** A one-session offer with the given m-lines, negotiated. */
static int px_inline(const char *media, const struct tes_sdp_plain_prefs *p)
{
	char sdp[4096];
	int err;

	snprintf(sdp, sizeof(sdp), "v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\n"
		 "s=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n%s", media);
	err = px_parse(sdp);
	if (err)
		return err;

	return px_answer_parsed(p);
}

#define PCMU_LINE "m=audio 4000 RTP/AVP 0\r\n"
#define CRYPTO80 "a=crypto:%d AES_CM_128_HMAC_SHA1_80 " \
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"

TES_TEST(sdp_plain_hold_and_direction)
{
	static const struct {
		const char *media;
		enum tes_dir dir;
		bool hold;
	} cases[] = {
		{"c=IN IP4 0.0.0.0\r\n", TES_DIR_RECVONLY, true},
		/* it sends, does not receive: we receive */
		{"c=IN IP4 0.0.0.0\r\na=sendonly\r\n", TES_DIR_RECVONLY,
		 true},
		/* it receives, but not at 0.0.0.0: nothing */
		{"c=IN IP4 0.0.0.0\r\na=recvonly\r\n", TES_DIR_INACTIVE,
		 true},
		{"c=IN IP6 ::\r\n", TES_DIR_RECVONLY, true},
		{"a=sendonly\r\n", TES_DIR_RECVONLY, false},
		{"a=recvonly\r\n", TES_DIR_SENDONLY, false},
		{"a=inactive\r\n", TES_DIR_INACTIVE, false},
		{"c=IN IP6 2001:db8::7\r\n", TES_DIR_SENDRECV, false},
	};
	char media[256];

	TEST_OK(px_init());
	for (size_t i = 0; i < TES_ARRAY_SIZE(cases); i++) {
		const struct tes_sdp_neg_media *a = &px.ans->media[0];

		snprintf(media, sizeof(media), PCMU_LINE "%s", cases[i].media);
		TEST_OK(px_inline(media, NULL));
		if (a->dir != cases[i].dir || a->hold != cases[i].hold)
			TEST_FAIL("case %zu: dir %d hold %d", i, a->dir,
				  a->hold);
		TEST_EQ(a->we_send, a->dir == TES_DIR_SENDRECV ||
			a->dir == TES_DIR_SENDONLY);
		TEST_EQ(a->we_recv, a->dir == TES_DIR_SENDRECV ||
			a->dir == TES_DIR_RECVONLY);
		/* nothing to announce when we do not send */
		TEST_EQ(px.back->media[0].n_ssrc, a->we_send);
		TEST_EQ(px.back->media[0].dir, a->dir);
	}
	TEST_STREQ(px.ans->media[0].remote_addr, "2001:db8::7");

	return 0;
}

TES_TEST(sdp_plain_mlines)
{
	TEST_OK(px_init());
	/* a first audio m-line without a common codec, a WebRTC one, a
	 * second usable audio one (taken), a third (rejected: one per
	 * kind), a disabled video one, a usable video one, text */
	TEST_OK(px_inline("m=audio 4000 RTP/AVP 3\r\n"
			  "m=audio 4002 UDP/TLS/RTP/SAVPF 0\r\n"
			  "m=audio 4004 RTP/AVPF 8\r\n"
			  "m=audio 4006 RTP/AVP 0\r\n"
			  "m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
			  "m=video 4010 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
			  "a=rtcp:4020 IN IP4 203.0.113.99\r\n"
			  "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 goog-remb\r\n"
			  "a=rtcp-fb:96 ccm fir\r\n"
			  "m=text 4012 RTP/AVP 98\r\n"
			  "a=rtpmap:98 t140/1000\r\n", NULL));
	TEST_EQ(px.ans->n_media, 7);
	TEST_ASSERT(!px.ans->media[0].accepted);
	TEST_ASSERT(!px.ans->media[1].accepted);
	TEST_ASSERT(px.ans->media[2].accepted);
	TEST_EQ(px.ans->media[2].plain_codec, TES_PLAIN_PCMA);
	TEST_EQ(px.ans->media[2].dtmf_pt, 0);
	TEST_ASSERT(!px.ans->media[3].accepted);
	TEST_ASSERT(!px.ans->media[4].accepted);
	TEST_ASSERT(px.ans->media[5].accepted);
	TEST_EQ(px.ans->media[5].fb, TES_FB_NACK | TES_FB_FIR);
	TEST_EQ(px.ans->media[5].remote_rtcp_port, 4020);
	TEST_STREQ(px.ans->media[5].remote_rtcp_addr, "203.0.113.99");
	TEST_ASSERT(!px.ans->media[6].accepted);
	TEST_OK(check_answer(NULL));
	TEST_ASSERT(strstr(px.sdp, "\r\nm=audio 0 UDP/TLS/RTP/SAVPF 0\r\n"));
	TEST_ASSERT(strstr(px.sdp, "\r\nm=text 0 RTP/AVP 98\r\n"));
	TEST_ASSERT(strstr(px.sdp, "a=rtcp-fb:96 nack\r\n"
				   "a=rtcp-fb:96 ccm fir\r\n"));
	TEST_ASSERT(!strstr(px.sdp, "goog-remb"));

	/* addresses: a host name, none; the last port has no RTCP port */
	TEST_EQ(px_inline("m=audio 4000 RTP/AVP 0\r\n"
			  "c=IN IP4 pbx.example.com\r\n", NULL), -EPROTO);
	TEST_ASSERT(strstr(px.err, "no numeric c= address"));
	TEST_EQ(px_parse("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, NULL, px.err,
					sizeof(px.err)), -EPROTO);
	TEST_OK(px_inline("m=audio 65535 RTP/AVP 0\r\n"
			  "a=rtcp:9 IN IP4 bad\r\n", NULL));
	TEST_EQ(px.ans->media[0].remote_rtcp_port, 9);
	TEST_STREQ(px.ans->media[0].remote_rtcp_addr, "203.0.113.5");
	TEST_OK(px_inline("m=audio 65535 RTP/AVP 0\r\n", NULL));
	TEST_EQ(px.ans->media[0].remote_rtcp_port, 0);

	TEST_EQ(px_parse("v=0\r\ns=-\r\n"), 0);
	TEST_EQ(tes_sdp_negotiate_plain(px.ans, px.offer, NULL, px.err,
					sizeof(px.err)), -EPROTO);
	TEST_STREQ(px.err, "no m-line we can accept (none offered)");

	return 0;
}

TES_TEST(sdp_plain_crypto_choice)
{
	char media[512];

	TEST_OK(px_init());
	/* the first suite we do wins, whatever comes before it */
	snprintf(media, sizeof(media), "m=audio 4000 RTP/SAVP 0\r\n"
		 "a=crypto:1 AEAD_AES_128_GCM "
		 "inline:KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQw==\r\n"
		 "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		 "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		 CRYPTO80, 3);
	TEST_OK(px_inline(media, NULL));
	TEST_ASSERT(px.ans->media[0].sdes);
	TEST_EQ(px.ans->media[0].remote_key.tag, 2);
	TEST_EQ(px.ans->media[0].remote_key.suite,
		TES_SDES_AES_CM_128_HMAC_SHA1_32);
	TEST_EQ(px.back->media[0].crypto[0].tag, 2);
	TEST_EQ(px.back->media[0].crypto[0].suite,
		TES_SDES_AES_CM_128_HMAC_SHA1_32);
	TEST_OK(check_answer(NULL));

	/* RTP/SAVP with only lines we cannot use */
	TEST_EQ(px_inline("m=audio 4000 RTP/SAVP 0\r\n"
			  "a=crypto:1 AEAD_AES_128_GCM "
			  "inline:KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQw==\r\n"
			  "a=crypto:2 F8_128_HMAC_SHA1_80 inline:x\r\n",
			  NULL), -EPROTO);
	TEST_STREQ(px.err, "no m-line we can accept: audio RTP/SAVP "
		   "(PCMU/8000): only a=crypto we cannot use (we do "
		   "AES_CM_128_HMAC_SHA1_80 and _32) (2)");
	/* RTP/AVP with them: plain RTP */
	TEST_OK(px_inline("m=audio 4000 RTP/AVP 0\r\n"
			  "a=crypto:2 F8_128_HMAC_SHA1_80 inline:x\r\n",
			  NULL));
	TEST_ASSERT(!px.ans->media[0].sdes);
	TEST_EQ(px_inline("m=audio 4000 RTP/SAVP 0\r\n", NULL), -EPROTO);
	TEST_ASSERT(strstr(px.err, "SRTP is required and there is no "
			   "a=crypto"));

	/* the caller must key the answer: tag and suite of the offer's */
	snprintf(media, sizeof(media), PCMU_LINE CRYPTO80, 7);
	TEST_OK(px_inline(media, NULL));
	TEST_EQ(px.back->media[0].crypto[0].tag, 7);
	px.ans->media[0].local_key.tag = 8;
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					   &plocal), -EINVAL);
	TEST_STREQ(px.sdp, "");
	memset(&px.ans->media[0].local_key, 0, sizeof(struct tes_sdes));
	px.ans->media[0].local_key.tag = 7;
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					   &plocal), -EINVAL);

	return 0;
}

/* profile-level-id and packetization-mode of H.264 offers, and what we
 * answer (RFC 6184 8.2.2: same configuration, level ours if lower) */
TES_TEST(sdp_plain_h264)
{
	static const struct {
		const char *fmtp;   /* NULL: none */
		const char *answer; /* NULL: not accepted */
		uint8_t level;
	} cases[] = {
		{"packetization-mode=1;profile-level-id=42e01f",
		 "packetization-mode=1;profile-level-id=42e01f", 0x1f},
		{"profile-level-id=42801e",
		 "packetization-mode=0;profile-level-id=42801e", 0x1e},
		{"profile-level-id=4d4028", NULL, 0},     /* main */
		{"profile-level-id=4d8033",               /* CB as main */
		 "packetization-mode=0;profile-level-id=4d801f", 0x33},
		{"profile-level-id=58c015",
		 "packetization-mode=0;profile-level-id=58c015", 0x15},
		{"profile-level-id=580015", NULL, 0},     /* extended */
		{"profile-level-id=640c1f", NULL, 0},     /* constrained high */
		{"profile-level-id=64c01f",
		 "packetization-mode=0;profile-level-id=64c01f", 0x1f},
		{"profile-level-id=64c009",               /* high 1b */
		 "packetization-mode=0;profile-level-id=64c009", 9},
		{"profile-level-id=42f00b",               /* 1b */
		 "packetization-mode=0;profile-level-id=42f00b", 9},
		{"profile-level-id=42f00c",               /* set3 not 1b */
		 "packetization-mode=0;profile-level-id=42e00c", 0x0c},
		{NULL, "packetization-mode=0;profile-level-id=42000a", 0x0a},
		{"packetization-mode=2", NULL, 0},
		{"profile-level-id=42e0", NULL, 0},
		{"profile-level-id=42e0zz", NULL, 0},
		{"profile-level-id=42e000", NULL, 0},
		{"profile-level-id=4d601f", NULL, 0},     /* main */
	};
	char media[256], want[128];

	TEST_OK(px_init());
	for (size_t i = 0; i < TES_ARRAY_SIZE(cases); i++) {
		int err;

		snprintf(media, sizeof(media),
			 "m=video 4000 RTP/AVP 99\r\na=rtpmap:99 H264/90000"
			 "\r\n%s%s%s", cases[i].fmtp ? "a=fmtp:99 " : "",
			 cases[i].fmtp ? cases[i].fmtp : "",
			 cases[i].fmtp ? "\r\n" : "");
		err = px_inline(media, NULL);
		if (!cases[i].answer) {
			if (err != -EPROTO)
				TEST_FAIL("case %zu accepted", i);
			continue;
		}
		if (err)
			TEST_FAIL("case %zu: %d %s", i, err, px.err);
		snprintf(want, sizeof(want), "a=fmtp:99 %s\r\n",
			 cases[i].answer);
		if (!strstr(px.sdp, want) ||
		    px.ans->media[0].h264_level_idc != cases[i].level)
			TEST_FAIL("case %zu: level %u, answer\n%s", i,
				  px.ans->media[0].h264_level_idc, px.sdp);
		TEST_OK(check_answer(NULL));
	}

	return 0;
}

/** A caller's offer with keys, as an INVITE without SDP needs. */
static int make_offer(struct tes_sdp_plain_offer *o, enum tes_sdp_srtp p)
{
	memset(o, 0, sizeof(*o));
	o->local = plocal;
	o->local.sess_id = 4242;
	o->audio_port = 30000;
	o->video_port = 30002;
	o->srtp = p;
	if (p == TES_SDP_SRTP_OFF)
		return 0;
	if (tes_sdes_new_key(&o->audio_key, 1,
			     TES_SDES_AES_CM_128_HMAC_SHA1_80))
		return -1;

	return tes_sdes_new_key(&o->video_key, 1,
				TES_SDES_AES_CM_128_HMAC_SHA1_32);
}

TES_TEST(sdp_plain_offer)
{
	struct tes_sdp_plain_offer o;
	const struct tes_sdp_media *a, *v;
	int len;

	TEST_OK(px_init());
	TEST_OK(make_offer(&o, TES_SDP_SRTP_OPTIONAL));
	len = tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o);
	TEST_ASSERT(len > 0 && (size_t)len == strlen(px.sdp));
	TEST_OK(px_parse(px.sdp));
	TEST_ASSERT(px.offer->sess_id == 4242);
	TEST_STREQ(px.offer->addr, plocal.addr);
	TEST_EQ(px.offer->n_media, 2);
	a = &px.offer->media[0];
	TEST_EQ(a->port, 30000);
	TEST_STREQ(a->proto, "RTP/AVP");
	TEST_EQ(a->n_fmts, 5);
	TEST_EQ(a->fmts[0], 111);
	TEST_EQ(a->fmts[4], 101);
	TEST_EQ(tes_sdp_rtpmap_find(a, 111)->codec, TES_CODEC_OPUS);
	TEST_STREQ(tes_sdp_rtpmap_find(a, 101)->fmtp, "0-16");
	TEST_EQ(a->ptime, 20);
	TEST_EQ(a->rtcp_port, 30001);
	TEST_ASSERT(!a->rtcp_mux);
	TEST_EQ(a->n_crypto, 1);
	TEST_MEMEQ(a->crypto[0].key, o.audio_key.key, 30);
	TEST_EQ(a->ssrc[0], plocal.audio_ssrc);
	v = &px.offer->media[1];
	TEST_EQ(v->port, 30002);
	TEST_EQ(v->n_fmts, 3);
	TEST_STREQ(tes_sdp_rtpmap_find(v, 96)->fmtp,
		   "packetization-mode=1;profile-level-id=42e01f");
	TEST_STREQ(tes_sdp_rtpmap_find(v, 97)->fmtp,
		   "packetization-mode=0;profile-level-id=42e01f");
	TEST_EQ(tes_sdp_rtpmap_find(v, 98)->codec, TES_CODEC_VP8);
	TEST_EQ(tes_sdp_rtpmap_find(v, 98)->fb,
		TES_FB_NACK | TES_FB_PLI | TES_FB_FIR);
	TEST_EQ(v->crypto[0].suite, TES_SDES_AES_CM_128_HMAC_SHA1_32);
	TEST_EQ(v->ssrc[0], plocal.video_ssrc);

	/* another Tessera answering it takes opus and H.264 mode 1 */
	TEST_OK(px_answer_parsed(NULL));
	TEST_EQ(px.ans->media[0].plain_codec, TES_PLAIN_OPUS);
	TEST_EQ(px.ans->media[0].dtmf_pt, 101);
	TEST_EQ(px.ans->media[1].codec.pt, 96);
	TEST_ASSERT(px.ans->media[0].sdes && px.ans->media[1].sdes);
	TEST_OK(check_answer(NULL));

	/* mandatory: RTP/SAVP; off: no a=crypto; rtcp-mux; hold */
	TEST_OK(make_offer(&o, TES_SDP_SRTP_MANDATORY));
	o.rtcp_mux = true;
	o.dir = TES_DIR_SENDONLY;
	TEST_ASSERT(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o) > 0);
	TEST_OK(px_parse(px.sdp));
	TEST_STREQ(px.offer->media[1].proto, "RTP/SAVP");
	TEST_ASSERT(px.offer->media[0].rtcp_mux);
	TEST_EQ(px.offer->media[0].rtcp_port, 0);
	TEST_EQ(px.offer->media[1].dir, TES_DIR_SENDONLY);
	TEST_OK(make_offer(&o, TES_SDP_SRTP_OFF));
	o.video_port = 0;
	TEST_ASSERT(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o) > 0);
	TEST_OK(px_parse(px.sdp));
	TEST_EQ(px.offer->n_media, 1);
	TEST_EQ(px.offer->media[0].n_crypto, 0);
	TEST_ASSERT(!strstr(px.sdp, "crypto"));

	return 0;
}

/* The answer to our offer goes through tes_sdp_negotiate_plain() too */
TES_TEST(sdp_plain_offer_answered)
{
	struct tes_sdp_plain_offer o;
	char answer[1024];
	const struct tes_sdp_neg_media *a, *v;

	TEST_OK(px_init());
	TEST_OK(make_offer(&o, TES_SDP_SRTP_OPTIONAL));
	TEST_ASSERT(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o) > 0);
	/* a desk phone with video: PCMU and H.264 mode 0 taken, SRTP on
	 * audio only, it only receives video */
	snprintf(answer, sizeof(answer),
		 "v=0\r\no=- 9 9 IN IP4 198.51.100.7\r\ns=-\r\n"
		 "c=IN IP4 198.51.100.7\r\nt=0 0\r\n"
		 "m=audio 6000 RTP/AVP 0 101\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
		 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		 "m=video 6002 RTP/AVP 97\r\n"
		 "a=rtpmap:97 H264/90000\r\n"
		 "a=fmtp:97 packetization-mode=0;profile-level-id=42e015\r\n"
		 "a=recvonly\r\n");
	TEST_OK(px_parse(answer));
	TEST_OK(tes_sdp_negotiate_plain(px.ans, px.offer, NULL, px.err,
					sizeof(px.err)));
	a = &px.ans->media[0];
	v = &px.ans->media[1];
	TEST_EQ(a->plain_codec, TES_PLAIN_PCMU);
	TEST_EQ(a->dtmf_pt, 101);
	TEST_ASSERT(a->sdes && !v->sdes);
	TEST_EQ(a->remote_key.tag, o.audio_key.tag);  /* the caller checks */
	TEST_EQ(a->remote_port, 6000);
	TEST_EQ(a->remote_rtcp_port, 6001);
	TEST_ASSERT(a->we_send && a->we_recv);
	TEST_EQ(v->codec.pt, 97);
	TEST_EQ(v->h264_pmode, 0);
	TEST_EQ(v->h264_level_idc, 0x15);
	/* it only receives: we only send */
	TEST_ASSERT(v->we_send && !v->we_recv);

	return 0;
}

TES_TEST(sdp_plain_build_errors)
{
	struct tes_sdp_plain_offer o;
	char small[64];
	int len;

	TEST_OK(px_init());
	TEST_OK(px_answer("sip/baresip_h264_pcmu.sdp", NULL));
	len = (int)strlen(px.sdp);
	for (int cap = 1; cap <= len; cap += 13)
		TEST_EQ(tes_sdp_build_plain_answer(px.sdp, (size_t)cap,
						   px.ans, &plocal), -ENOSPC);
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, (size_t)len + 1, px.ans,
					   &plocal), len);
	px.ans->media[1].local_port = 0;
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					   &plocal), -EINVAL);
	px.ans->media[1].local_port = 65535;  /* no room for RTCP */
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					   &plocal), -EINVAL);
	px.ans->media[1].rtcp_mux = true;
	TEST_ASSERT(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					       &plocal) > 0);
	px.ans->plain = false;
	TEST_EQ(tes_sdp_build_plain_answer(px.sdp, PSDP_CAP, px.ans,
					   &plocal), -EINVAL);

	TEST_OK(make_offer(&o, TES_SDP_SRTP_OPTIONAL));
	TEST_EQ(tes_sdp_build_plain_offer(small, sizeof(small), &o), -ENOSPC);
	TEST_STREQ(small, "");
	o.video_key.key_len = 0;
	TEST_EQ(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o), -EINVAL);
	TEST_OK(make_offer(&o, TES_SDP_SRTP_OFF));
	o.local.sess_id = 0;
	TEST_EQ(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o), -EINVAL);
	o.local.sess_id = 1;
	o.audio_port = o.video_port = 0;
	TEST_EQ(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o), -EINVAL);
	o.audio_port = 65535;
	TEST_EQ(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o), -EINVAL);
	o.rtcp_mux = true;
	TEST_ASSERT(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o) > 0);
	o.local.addr = NULL;
	TEST_EQ(tes_sdp_build_plain_offer(px.sdp, PSDP_CAP, &o), -EINVAL);

	return 0;
}
