/**
 * @file test_sdp_plain.c  SDP for SIP-style endpoints (issue 5): c=,
 * a=rtcp, a=ptime and a=crypto in the parser, on offers captured from
 * baresip (tests/vectors/sip, see its README) and a desk phone's.
 */
#include <stdlib.h>

#include "sdp/sdp.h"
#include "test.h"

/** Big structs live on the heap, shared by the tests, freed at exit. */
static struct {
	struct tes_sdp_session *offer;  /**< Parsed offer */
	char err[256];                  /**< Reason strings */
} px;

__attribute__((destructor)) static void px_free(void)
{
	free(px.offer);
}

static int px_init(void)
{
	if (!px.offer)
		px.offer = malloc(sizeof(*px.offer));
	if (!px.offer)
		return -ENOMEM;
	memset(px.offer, 0xa5, sizeof(*px.offer));  /* parse must clear */
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
