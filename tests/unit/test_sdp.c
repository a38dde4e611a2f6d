/**
 * @file test_sdp.c  SDP parser, negotiation and answer writer, on offers
 * from Chromium and Firefox (the .sdp files in tests/vectors) and small
 * inline cases.
 */
#include <stdlib.h>

#include "sdp/sdp.h"
#include "test.h"

/** Big structs live on the heap, shared by the tests, freed at exit. */
static struct {
	struct tes_sdp_session *offer;  /**< Parsed offer */
	struct tes_sdp_session *back;   /**< Our answer, parsed back */
	struct tes_sdp_answer *ans;     /**< Negotiated answer */
	char *sdp;                      /**< Built answer text */
	char err[160];                  /**< Reason strings */
} fx;

enum { SDP_CAP = 16384 };

static const struct tes_sdp_local local = {
	.ice_ufrag = "tEsS",
	.ice_pwd = "tesseraIcePassword0123456",
	.fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
		       "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
	.addr = "192.0.2.10",
	.port = 40000,
	.cname = "tessera",
	.stream_id = "tessera-mix",
	.audio_ssrc = 1111,
	.video_ssrc = 2222,
};

__attribute__((destructor)) static void fx_free(void)
{
	free(fx.offer);
	free(fx.back);
	free(fx.ans);
	free(fx.sdp);
}

static int fx_init(void)
{
	if (!fx.offer) {
		fx.offer = malloc(sizeof(*fx.offer));
		fx.back = malloc(sizeof(*fx.back));
		fx.ans = malloc(sizeof(*fx.ans));
		fx.sdp = malloc(SDP_CAP);
	}
	if (!fx.offer || !fx.back || !fx.ans || !fx.sdp)
		return -ENOMEM;
	memset(fx.offer, 0xa5, sizeof(*fx.offer));  /* parse must clear */
	memset(fx.ans, 0xa5, sizeof(*fx.ans));
	fx.err[0] = '\0';

	return 0;
}

static int parse_str(const char *sdp)
{
	return tes_sdp_parse(fx.offer, sdp, strlen(sdp), fx.err,
			     sizeof(fx.err));
}

static int parse_vec(const char *name)
{
	size_t len;
	char *text = tes_test_read_vector(name, &len);
	int err;

	if (!text)
		return -ENOENT;
	err = tes_sdp_parse(fx.offer, text, len, fx.err, sizeof(fx.err));
	free(text);

	return err;
}

/** Parse, negotiate, build and parse the answer back. */
static int answer_vec(const char *name)
{
	int err = parse_vec(name);

	if (err)
		return err;
	err = tes_sdp_negotiate(fx.ans, fx.offer, &local, fx.err,
				sizeof(fx.err));
	if (err)
		return err;
	err = tes_sdp_build_answer(fx.sdp, SDP_CAP, fx.ans, &local);
	if (err < 0)
		return err;

	return tes_sdp_parse(fx.back, fx.sdp, (size_t)err, fx.err,
			     sizeof(fx.err));
}

static const struct tes_sdp_extmap *ext(const struct tes_sdp_media *m,
					const char *uri)
{
	for (size_t i = 0; i < m->n_extmap; i++) {
		if (!strcmp(m->extmap[i].uri, uri))
			return &m->extmap[i];
	}

	return NULL;
}

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_AST "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define FB_VIDEO (TES_FB_NACK | TES_FB_PLI | TES_FB_FIR | TES_FB_REMB)
#define CHROME_FP "3A:E6:BC:2C:F8:4E:01:9A:5C:D6:45:01:C7:94:C3:32:" \
		  "22:FB:78:EA:97:0F:E8:D4:B5:6C:47:91:02:8E:CE:4E"

TES_TEST(sdp_parse_chrome)
{
	const struct tes_sdp_media *a, *v;
	const struct tes_sdp_rtpmap *r;

	TEST_OK(fx_init());
	TEST_OK(parse_vec("chrome_sendrecv.sdp"));
	TEST_ASSERT(fx.offer->sess_id == 1391818396021612773ULL);
	TEST_EQ(fx.offer->sess_version, 2);
	TEST_ASSERT(!fx.offer->ice_lite);
	TEST_EQ(fx.offer->n_bundle, 2);
	TEST_STREQ(fx.offer->bundle[0], "0");
	TEST_STREQ(fx.offer->bundle[1], "1");
	TEST_EQ(fx.offer->n_media, 2);
	TEST_EQ(fx.offer->n_media_ignored, 0);

	a = &fx.offer->media[0];
	TEST_EQ(a->kind, TES_MEDIA_AUDIO);
	TEST_STREQ(a->kind_name, "audio");
	TEST_EQ(a->port, 9);
	TEST_STREQ(a->proto, "UDP/TLS/RTP/SAVPF");
	TEST_STREQ(a->mid, "0");
	TEST_EQ(a->dir, TES_DIR_SENDRECV);
	TEST_ASSERT(a->rtcp_mux && a->rtcp_rsize && !a->bundle_only);
	TEST_STREQ(a->ice_ufrag, "GCxK");
	TEST_STREQ(a->ice_pwd, "FogxnIWA9F6lCqieNIxvRNi3");
	TEST_STREQ(a->fp_alg, "sha-256");
	TEST_STREQ(a->fp, CHROME_FP);
	TEST_STREQ(a->setup, "actpass");
	TEST_EQ(a->n_fmts, 8);
	TEST_EQ(a->n_rtpmap, 8);
	r = tes_sdp_rtpmap_find(a, 111);
	TEST_ASSERT(r != NULL);
	TEST_EQ(r->codec, TES_CODEC_OPUS);
	TEST_STREQ(r->name, "opus");
	TEST_EQ(r->clock, 48000);
	TEST_EQ(r->channels, 2);
	TEST_STREQ(r->fmtp, "minptime=10;useinbandfec=1");
	TEST_EQ(r->fb, TES_FB_TWCC);
	r = tes_sdp_rtpmap_find(a, 0);
	TEST_ASSERT(r && !strcmp(r->name, "PCMU") && r->clock == 8000);
	TEST_EQ(r->codec, TES_CODEC_OTHER);
	TEST_EQ(a->n_extmap, 4);
	TEST_EQ(ext(a, URI_LEVEL)->id, 1);
	TEST_EQ(ext(a, URI_AST)->id, 2);
	TEST_EQ(ext(a, URI_MID)->id, 4);
	TEST_EQ(a->n_ssrc, 1);
	TEST_EQ(a->ssrc[0], 1307026303u);
	TEST_STREQ(a->cname, "fnI3tQHKgEo5kkB4");
	TEST_STREQ(a->msid, "0971215b-5b7b-4353-94b6-16191280e4e2 "
			    "d3251ad1-d99c-4f13-a114-2b7d35affc06");

	v = &fx.offer->media[1];
	TEST_EQ(v->kind, TES_MEDIA_VIDEO);
	TEST_STREQ(v->mid, "1");
	TEST_EQ(v->n_fmts, 23);
	TEST_EQ(v->n_rtpmap, 23);
	TEST_EQ(v->fmts[0], 96);
	r = tes_sdp_rtpmap_find(v, 96);
	TEST_ASSERT(r && r->codec == TES_CODEC_VP8 && r->clock == 90000);
	TEST_EQ(r->fb, FB_VIDEO | TES_FB_TWCC);
	r = tes_sdp_rtpmap_find(v, 97);
	TEST_ASSERT(r && r->codec == TES_CODEC_RTX);
	TEST_STREQ(r->fmtp, "apt=96");
	r = tes_sdp_rtpmap_find(v, 108);
	TEST_ASSERT(r && r->codec == TES_CODEC_H264);
	TEST_STREQ(r->fmtp, "level-asymmetry-allowed=1;packetization-mode=1;"
			    "profile-level-id=42e01f");
	r = tes_sdp_rtpmap_find(v, 45);
	TEST_ASSERT(r && r->codec == TES_CODEC_OTHER);
	TEST_STREQ(r->name, "AV1");
	TEST_EQ(v->n_extmap, 11);
	TEST_EQ(ext(v, URI_MID)->id, 4);
	TEST_EQ(ext(v, URI_AST)->id, 2);
	TEST_EQ(v->n_ssrc, 2);
	TEST_EQ(v->ssrc[0], 3751340629u);
	TEST_EQ(v->ssrc[1], 891156021u);

	return 0;
}

TES_TEST(sdp_parse_firefox)
{
	const struct tes_sdp_media *a, *v;
	const struct tes_sdp_rtpmap *r;

	TEST_OK(fx_init());
	TEST_OK(parse_vec("firefox_sendrecv.sdp"));
	TEST_ASSERT(fx.offer->sess_id == 7271412443335498435ULL);
	TEST_EQ(fx.offer->sess_version, 0);
	TEST_STREQ(fx.offer->fp_alg, "sha-256");
	TEST_EQ(strlen(fx.offer->fp), 95);
	TEST_STREQ(fx.offer->ice_ufrag, "");
	TEST_EQ(fx.offer->n_media, 2);
	TEST_EQ(fx.offer->n_bundle, 2);

	a = &fx.offer->media[0];
	/* session-level fingerprint inherited, media-level ICE kept */
	TEST_STREQ(a->fp, fx.offer->fp);
	TEST_STREQ(a->ice_ufrag, "3f8a1c6e");
	TEST_STREQ(a->ice_pwd, "7c1e5a3f9b2d4e6a8c0f1b3d5e7a9c2e");
	TEST_STREQ(a->setup, "actpass");
	r = tes_sdp_rtpmap_find(a, 109);
	TEST_ASSERT(r && r->codec == TES_CODEC_OPUS && r->channels == 2);
	/* a=fmtp came before a=rtpmap */
	TEST_STREQ(r->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
	r = tes_sdp_rtpmap_find(a, 9);
	TEST_ASSERT(r && r->channels == 1);
	TEST_EQ(ext(a, "urn:ietf:params:rtp-hdrext:csrc-audio-level")->dir,
		TES_DIR_RECVONLY);
	TEST_EQ(ext(a, URI_MID)->id, 3);
	TEST_EQ(a->ssrc[0], 2445718203u);
	TEST_STREQ(a->cname, "{e81d4c6a-0f3b-4d92-9a7e-5c2b8f1d0e63}");

	v = &fx.offer->media[1];
	r = tes_sdp_rtpmap_find(v, 126);
	TEST_ASSERT(r && r->codec == TES_CODEC_H264);
	TEST_ASSERT(strstr(r->fmtp, "packetization-mode=1") != NULL);
	TEST_EQ(r->fb, FB_VIDEO | TES_FB_TWCC);
	r = tes_sdp_rtpmap_find(v, 120);
	TEST_ASSERT(r && r->codec == TES_CODEC_VP8);
	TEST_EQ(r->fb, FB_VIDEO | TES_FB_TWCC);
	TEST_EQ(tes_sdp_rtpmap_find(v, 123)->fb, 0);
	TEST_EQ(v->n_ssrc, 2);
	TEST_EQ(v->ssrc[0], 3504253429u);

	return 0;
}

TES_TEST(sdp_parse_inline)
{
	static const char sdp[] =
		"v=0\n"
		"o=- 1 1 IN IP4 0.0.0.0\n"
		"s=-\n\n"
		"a=ice-ufrag:sessufrag\n"
		"a=ice-pwd:sessionpassword0123456789\n"
		"a=fingerprint:sha-1 01:02\n"
		"a=fingerprint:sha-256 AA:BB\n"
		"a=fingerprint:sha-512 CC:DD\n"
		"a=recvonly\n"
		"m=video 5000/2 UDP/TLS/RTP/SAVPF 100 101 0 100\n"
		"a=fmtp:100 packetization-mode=1  \n"
		"a=rtcp-fb:* nack\n"
		"a=rtcp-fb:* ccm fir\n"
		"a=rtcp-fb:100 nack pli\n"
		"a=rtcp-fb:100 foo\n"
		"a=rtpmap:100 h264/90000\n"
		"a=rtpmap:55 VP8/90000\n"
		"a=extmap:0 urn:zero\n"
		"a=extmap:300 urn:big\n"
		"a=extmap:7/sendonly urn:x\n"
		"a=ssrc:5 msid:s t\n"
		"a=ssrc:5 cname:c\n"
		"a=ice-ufrag:mediaufrag\n"
		"m=audio 0 RTP/AVP 8\n"
		"a=inactive\n"
		"a=unknown-thing:1 2 3\n"
		"x=unknown line\n";
	const struct tes_sdp_media *v, *a;

	TEST_OK(fx_init());
	TEST_OK(parse_str(sdp));
	TEST_STREQ(fx.offer->fp_alg, "sha-256");  /* preferred */
	TEST_STREQ(fx.offer->fp, "AA:BB");
	v = &fx.offer->media[0];
	TEST_EQ(v->port, 5000);
	TEST_EQ(v->n_fmts, 3);  /* duplicate 100 dropped */
	TEST_EQ(v->dir, TES_DIR_RECVONLY);  /* session default */
	TEST_EQ(v->n_rtpmap, 2);  /* 101 has no rtpmap; 0 is static */
	TEST_EQ(v->rtpmap[0].pt, 100);
	TEST_EQ(v->rtpmap[0].codec, TES_CODEC_H264);
	TEST_STREQ(v->rtpmap[0].fmtp, "packetization-mode=1");
	TEST_EQ(v->rtpmap[0].fb, TES_FB_NACK | TES_FB_FIR | TES_FB_PLI);
	TEST_EQ(v->rtpmap[1].pt, 0);
	TEST_EQ(v->rtpmap[1].fb, TES_FB_NACK | TES_FB_FIR);
	TEST_EQ(v->fb_wildcard, TES_FB_NACK | TES_FB_FIR);
	TEST_ASSERT(tes_sdp_rtpmap_find(v, 55) == NULL);
	TEST_EQ(v->n_extmap, 1);
	TEST_EQ(v->extmap[0].id, 7);
	TEST_EQ(v->extmap[0].dir, TES_DIR_SENDONLY);
	TEST_STREQ(v->msid, "s t");
	TEST_STREQ(v->cname, "c");
	TEST_STREQ(v->ice_ufrag, "mediaufrag");  /* media overrides */
	TEST_STREQ(v->ice_pwd, "sessionpassword0123456789");
	TEST_STREQ(v->fp, "AA:BB");
	a = &fx.offer->media[1];
	TEST_EQ(a->port, 0);
	TEST_EQ(a->dir, TES_DIR_INACTIVE);
	TEST_STREQ(a->ice_ufrag, "sessufrag");
	TEST_STREQ(a->rtpmap[0].name, "PCMA");

	return 0;
}

TES_TEST(sdp_parse_malformed)
{
	static const struct {
		const char *sdp;
		const char *reason;
	} bad[] = {
		{"", "empty SDP"},
		{"\r\n\n", "empty SDP"},
		{"o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", "missing v= line"},
		{"v=1\r\n", "unsupported SDP version"},
		{"v=0\r\nv=0\r\n", "duplicate v="},
		{"v=0\r\ngarbage\r\n", "malformed line (line 2)"},
		{"v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n", "bad o= line"},
		{"v=0\r\nm=audio\r\n", "m= line malformed"},
		{"v=0\r\nm=audio 9\r\n", "m= line malformed"},
		{"v=0\r\nm=audio 9 RTP/AVP\r\n", "no formats"},
		{"v=0\r\nm=audio x9 RTP/AVP 0\r\n", "bad port"},
		{"v=0\r\nm=audio 70000 RTP/AVP 0\r\n", "bad port"},
		{"v=0\r\nm=audio 9/x RTP/AVP 0\r\n", "bad port"},
		{"v=0\r\nm=audio 9 RTP/AVP 128\r\n", "bad payload type"},
		{"v=0\r\nm=audio 9 RTP/AVP opus\r\n", "bad payload type"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
		 "bad rtpmap"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 /8000\r\n",
		 "bad rtpmap"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 a/1/x\r\n",
		 "bad rtpmap"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=fmtp:x y\r\n", "bad fmtp"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtcp-fb:-1 nack\r\n",
		 "bad rtcp-fb"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=ssrc:4294967296 x\r\n",
		 "bad ssrc"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=ssrc-group:FID 1 x\r\n",
		 "bad ssrc-group"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=extmap:x urn:a\r\n",
		 "bad extmap"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=extmap:1/up urn:a\r\n",
		 "bad extmap direction"},
		{"v=0\r\na=fingerprint:sha-256\r\n", "bad fingerprint"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\ra=x\r\n",
		 "control character in line (line 3)"},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\na=mid:"
		 "0123456789012345678901234567890123456789\r\n",
		 "mid too long"},
		{"v=0\r\na=group:BUNDLE 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
		 "15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 "
		 "35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 "
		 "55 56 57 58 59 60 61 62 63 64\r\n",
		 "more than 64 BUNDLE mids"},
	};
	char nul[] = "v=0\r\ns=\0x\r\n";

	TEST_OK(fx_init());
	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		int err = parse_str(bad[i].sdp);

		if (err != -EBADMSG || !strstr(fx.err, bad[i].reason))
			TEST_FAIL("case %zu: %d \"%s\", expected \"%s\"", i,
				  err, fx.err, bad[i].reason);
	}
	TEST_EQ(tes_sdp_parse(fx.offer, nul, sizeof(nul) - 1, fx.err,
			      sizeof(fx.err)), -EBADMSG);
	TEST_ASSERT(strstr(fx.err, "NUL") != NULL);
	/* no reason buffer is fine */
	TEST_EQ(tes_sdp_parse(fx.offer, "x", 1, NULL, 0), -EBADMSG);
	TEST_EQ(tes_sdp_parse(NULL, "v=0", 3, NULL, 0), -EINVAL);

	return 0;
}

TES_TEST(sdp_parse_too_long)
{
	char *sdp = malloc(1024);
	int err;

	TEST_ASSERT(sdp != NULL);
	TEST_OK(fx_init());
	memset(sdp, 0, 1024);
	strcpy(sdp, "v=0\r\na=ice-pwd:");
	memset(sdp + strlen(sdp), 'p', 300);
	err = parse_str(sdp);
	if (err != -EBADMSG || !strstr(fx.err, "ice-pwd too long")) {
		free(sdp);
		TEST_FAIL("got %d \"%s\"", err, fx.err);
	}
	memcpy(sdp + 7, "ice-ufrag:", 10);
	err = parse_str(sdp);
	TEST_ASSERT(err == -EBADMSG && strstr(fx.err, "ice-ufrag too long"));
	strcpy(sdp, "v=0\r\na=fingerprint:sha-256 ");
	memset(sdp + strlen(sdp), 'F', 200);
	err = parse_str(sdp);
	free(sdp);
	TEST_EQ(err, -EBADMSG);
	TEST_ASSERT(strstr(fx.err, "fingerprint too long") != NULL);

	return 0;
}

TES_TEST(sdp_negotiate_chrome)
{
	const struct tes_sdp_neg_media *a, *v;

	TEST_OK(fx_init());
	TEST_OK(parse_vec("chrome_sendrecv.sdp"));
	TEST_OK(tes_sdp_negotiate(fx.ans, fx.offer, &local, fx.err,
				  sizeof(fx.err)));
	TEST_STREQ(fx.err, "");
	TEST_EQ(fx.ans->n_media, 2);
	TEST_ASSERT(fx.ans->bundle);
	TEST_ASSERT(fx.ans->sess_id != 0);
	TEST_STREQ(fx.ans->remote_ufrag, "GCxK");
	TEST_STREQ(fx.ans->remote_pwd, "FogxnIWA9F6lCqieNIxvRNi3");
	TEST_STREQ(fx.ans->fp_alg, "sha-256");
	TEST_STREQ(fx.ans->fp, CHROME_FP);

	a = &fx.ans->media[0];
	TEST_ASSERT(a->accepted && a->we_send && a->we_recv);
	TEST_EQ(a->kind, TES_MEDIA_AUDIO);
	TEST_STREQ(a->mid, "0");
	TEST_EQ(a->dir, TES_DIR_SENDRECV);
	TEST_EQ(a->codec.pt, 111);
	TEST_EQ(a->codec.codec, TES_CODEC_OPUS);
	TEST_STREQ(a->codec.fmtp, "minptime=10;useinbandfec=1");
	TEST_EQ(a->fb, 0);  /* only transport-cc was offered */
	TEST_EQ(a->ext_id[TES_EXT_AUDIO_LEVEL], 1);
	TEST_EQ(a->ext_id[TES_EXT_ABS_SEND_TIME], 2);
	TEST_EQ(a->ext_id[TES_EXT_TWCC], 0);
	TEST_EQ(a->ext_id[TES_EXT_MID], 4);
	TEST_ASSERT(a->rtcp_rsize);
	TEST_EQ(a->remote_ssrc, 1307026303u);
	TEST_EQ(a->local_ssrc, 1111);

	v = &fx.ans->media[1];
	TEST_ASSERT(v->accepted && v->we_send && v->we_recv);
	TEST_EQ(v->codec.pt, 96);
	TEST_EQ(v->codec.codec, TES_CODEC_VP8);
	TEST_EQ(v->fb, FB_VIDEO);
	TEST_EQ(v->codec.fb, FB_VIDEO);
	TEST_EQ(v->ext_id[TES_EXT_MID], 4);
	TEST_EQ(v->ext_id[TES_EXT_ABS_SEND_TIME], 2);
	TEST_EQ(v->ext_id[TES_EXT_AUDIO_LEVEL], 0);
	TEST_EQ(v->ext_id[TES_EXT_TWCC], 0);
	TEST_EQ(v->remote_ssrc, 3751340629u);
	TEST_EQ(v->local_ssrc, 2222);

	return 0;
}

TES_TEST(sdp_negotiate_firefox)
{
	const struct tes_sdp_neg_media *a, *v;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("firefox_sendrecv.sdp"));
	TEST_STREQ(fx.ans->fp, fx.offer->fp);  /* session-level */
	TEST_STREQ(fx.ans->remote_ufrag, "3f8a1c6e");
	a = &fx.ans->media[0];
	TEST_ASSERT(a->accepted && a->dir == TES_DIR_SENDRECV);
	TEST_EQ(a->codec.pt, 109);
	TEST_STREQ(a->codec.fmtp,
		   "maxplaybackrate=48000;stereo=1;useinbandfec=1");
	TEST_EQ(a->ext_id[TES_EXT_AUDIO_LEVEL], 1);
	TEST_EQ(a->ext_id[TES_EXT_MID], 3);
	v = &fx.ans->media[1];
	TEST_ASSERT(v->accepted && v->dir == TES_DIR_SENDRECV);
	TEST_EQ(v->codec.pt, 120);
	TEST_EQ(v->fb, FB_VIDEO);
	TEST_EQ(v->ext_id[TES_EXT_MID], 3);
	TEST_EQ(v->ext_id[TES_EXT_ABS_SEND_TIME], 4);
	TEST_EQ(v->remote_ssrc, 3504253429u);
	TEST_ASSERT(strstr(fx.sdp, "a=rtpmap:109 opus/48000/2\r\n"));
	TEST_ASSERT(strstr(fx.sdp, "a=rtpmap:120 VP8/90000\r\n"));
	TEST_ASSERT(!strstr(fx.sdp, "rtx"));

	return 0;
}

TES_TEST(sdp_negotiate_sendonly)
{
	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_sendonly.sdp"));
	for (size_t i = 0; i < 2; i++) {
		const struct tes_sdp_neg_media *nm = &fx.ans->media[i];

		TEST_ASSERT(nm->accepted);
		TEST_EQ(nm->dir, TES_DIR_RECVONLY);
		TEST_ASSERT(!nm->we_send && nm->we_recv);
		TEST_EQ(fx.back->media[i].dir, TES_DIR_RECVONLY);
		TEST_EQ(fx.back->media[i].n_ssrc, 0);
		TEST_STREQ(fx.back->media[i].msid, "");
	}
	TEST_ASSERT(!strstr(fx.sdp, "a=ssrc:"));

	return 0;
}

TES_TEST(sdp_negotiate_datachannel)
{
	const struct tes_sdp_media *app;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_datachannel.sdp"));
	TEST_EQ(fx.offer->n_media, 3);
	TEST_EQ(fx.offer->media[2].kind, TES_MEDIA_APPLICATION);
	TEST_EQ(fx.offer->media[2].n_fmts, 0);
	TEST_STREQ(fx.offer->media[2].first_fmt, "webrtc-datachannel");
	TEST_EQ(fx.ans->n_media, 3);
	TEST_ASSERT(fx.ans->media[0].accepted && fx.ans->media[1].accepted);
	TEST_ASSERT(!fx.ans->media[2].accepted);
	TEST_EQ(fx.back->n_media, 3);
	app = &fx.back->media[2];
	TEST_EQ(app->port, 0);
	TEST_EQ(app->kind, TES_MEDIA_APPLICATION);
	TEST_STREQ(app->mid, "2");
	TEST_EQ(app->dir, TES_DIR_INACTIVE);
	TEST_ASSERT(strstr(fx.sdp, "\r\nm=application 0 UDP/DTLS/SCTP "
				   "webrtc-datachannel\r\n"));
	TEST_EQ(fx.back->n_bundle, 2);  /* rejected mid left out */

	return 0;
}

TES_TEST(sdp_negotiate_h264)
{
	const struct tes_sdp_neg_media *v;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("h264_only.sdp"));
	v = &fx.ans->media[1];
	TEST_ASSERT(v->accepted);
	/* 104 is packetization-mode 0, 102 is 42001f: 42e01f wins */
	TEST_EQ(v->codec.pt, 108);
	TEST_EQ(v->codec.codec, TES_CODEC_H264);
	TEST_EQ(v->fb, FB_VIDEO);
	TEST_ASSERT(strstr(fx.sdp, "a=fmtp:108 level-asymmetry-allowed=1;"
				   "packetization-mode=1;"
				   "profile-level-id=42e01f\r\n"));
	TEST_EQ(tes_sdp_rtpmap_find(&fx.back->media[1], 108)->codec,
		TES_CODEC_H264);

	return 0;
}

TES_TEST(sdp_negotiate_errors)
{
	static const struct {
		const char *file;
		const char *reason;
	} bad[] = {
		{"no_fingerprint.sdp", "offer has no DTLS fingerprint"},
		{"no_common_codec.sdp", "no common codec"},
		{"passive_setup.sdp",
		 "offer wants us to be DTLS client: unsupported"},
	};

	TEST_OK(fx_init());
	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		int err;

		TEST_OK(parse_vec(bad[i].file));
		err = tes_sdp_negotiate(fx.ans, fx.offer, &local, fx.err,
					sizeof(fx.err));
		TEST_EQ(err, -EPROTO);
		TEST_STREQ(fx.err, bad[i].reason);
	}
	TEST_EQ(tes_sdp_negotiate(fx.ans, fx.offer, NULL, NULL, 0), -EINVAL);

	return 0;
}

/** One-m-line offer with the given extra session and media lines. */
static int negotiate_inline(const char *sess, const char *media)
{
	char sdp[2048];
	int err;

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n%s"
		 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		 "a=rtpmap:111 opus/48000/2\r\na=mid:a\r\n%s", sess, media);
	err = parse_str(sdp);
	if (err)
		return err;

	return tes_sdp_negotiate(fx.ans, fx.offer, &local, fx.err,
				 sizeof(fx.err));
}

#define ICE "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
#define DTLS "a=fingerprint:sha-256 01:02\r\n"

TES_TEST(sdp_negotiate_rules)
{
	TEST_OK(fx_init());
	TEST_OK(negotiate_inline(ICE DTLS, "a=rtcp-mux\r\n"));
	TEST_ASSERT(fx.ans->media[0].accepted);  /* no a=setup: active */
	TEST_ASSERT(!fx.ans->bundle);

	TEST_EQ(negotiate_inline(DTLS, "a=rtcp-mux\r\n"), -EPROTO);
	TEST_STREQ(fx.err, "offer has no ICE credentials");
	TEST_EQ(negotiate_inline(ICE DTLS, ""), -EPROTO);
	TEST_STREQ(fx.err, "no common codec");  /* no rtcp-mux */
	TEST_EQ(negotiate_inline(ICE DTLS "a=ice-lite\r\n", "a=rtcp-mux\r\n"),
		-EPROTO);
	TEST_STREQ(fx.err, "offer is ICE-lite too: unsupported");
	TEST_EQ(negotiate_inline(ICE DTLS "a=setup:holdconn\r\n",
				 "a=rtcp-mux\r\n"), -EPROTO);
	TEST_STREQ(fx.err, "unsupported a=setup:holdconn");
	TEST_OK(negotiate_inline(ICE DTLS "a=setup:active\r\n",
				 "a=rtcp-mux\r\na=inactive\r\n"
				 "a=extmap:1/sendonly " URI_LEVEL "\r\n"));
	TEST_EQ(fx.ans->media[0].dir, TES_DIR_INACTIVE);
	TEST_ASSERT(!fx.ans->media[0].we_send && !fx.ans->media[0].we_recv);
	TEST_EQ(fx.ans->media[0].ext_id[TES_EXT_AUDIO_LEVEL], 0);
	TEST_OK(negotiate_inline(ICE DTLS, "a=rtcp-mux\r\na=recvonly\r\n"
				 "m=audio 9 RTP/SAVPF 111\r\na=rtcp-mux\r\n"
				 "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
				 "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
				 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
				 "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
				 "m=audio 9 UDP/TLS/RTP/SAVPF 111 112\r\n"
				 "a=rtcp-mux\r\na=rtpmap:111 opus/48000/1\r\n"
				 "a=rtpmap:112 opus/48000/2\r\n"));
	TEST_EQ(fx.ans->n_media, 5);
	TEST_EQ(fx.ans->media[0].dir, TES_DIR_SENDONLY);
	TEST_ASSERT(!fx.ans->media[1].accepted);  /* wrong proto */
	TEST_ASSERT(!fx.ans->media[2].accepted);  /* port 0 */
	/* second sender of the same kind would reuse our SSRC */
	TEST_EQ(fx.ans->media[3].dir, TES_DIR_RECVONLY);
	TEST_EQ(fx.ans->media[4].codec.pt, 112);  /* mono opus skipped */

	return 0;
}

TES_TEST(sdp_build_roundtrip)
{
	const struct tes_sdp_media *a, *v;
	const char *p;
	int len;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_sendrecv.sdp"));
	len = (int)strlen(fx.sdp);
	TEST_ASSERT(len > 0 && !strncmp(fx.sdp, "v=0\r\n", 5));
	TEST_ASSERT(!strcmp(fx.sdp + len - 2, "\r\n"));
	for (p = fx.sdp; (p = strchr(p, '\n')); p++)
		TEST_ASSERT(p > fx.sdp && p[-1] == '\r');
	TEST_ASSERT(fx.back->ice_lite);
	TEST_ASSERT(fx.back->sess_id == fx.ans->sess_id);
	TEST_EQ(fx.back->n_media, fx.offer->n_media);
	TEST_EQ(fx.back->n_bundle, 2);
	TEST_STREQ(fx.back->bundle[0], "0");
	TEST_ASSERT(strstr(fx.sdp, "\r\na=msid-semantic: WMS tessera-mix\r\n"));
	TEST_ASSERT(strstr(fx.sdp, "\r\na=candidate:1 1 udp 2130706431 "
				   "192.0.2.10 40000 typ host\r\n"
				   "a=end-of-candidates\r\n"));

	a = &fx.back->media[0];
	TEST_EQ(a->port, 40000);
	TEST_STREQ(a->proto, "UDP/TLS/RTP/SAVPF");
	TEST_EQ(a->n_fmts, 1);
	TEST_EQ(a->fmts[0], 111);
	TEST_STREQ(a->setup, "passive");
	TEST_STREQ(a->fp_alg, "sha-256");
	TEST_STREQ(a->fp, local.fingerprint);
	TEST_STREQ(a->ice_ufrag, local.ice_ufrag);
	TEST_STREQ(a->ice_pwd, local.ice_pwd);
	TEST_ASSERT(a->rtcp_mux && a->rtcp_rsize);
	TEST_EQ(a->dir, TES_DIR_SENDRECV);
	TEST_STREQ(a->rtpmap[0].fmtp, "minptime=10;useinbandfec=1");
	TEST_EQ(a->n_extmap, 3);
	TEST_EQ(ext(a, URI_MID)->id, 4);
	TEST_EQ(a->n_ssrc, 1);
	TEST_EQ(a->ssrc[0], 1111);
	TEST_STREQ(a->cname, "tessera");
	TEST_STREQ(a->msid, "tessera-mix audio-0");

	v = &fx.back->media[1];
	TEST_EQ(v->n_rtpmap, 1);
	TEST_EQ(v->rtpmap[0].codec, TES_CODEC_VP8);
	TEST_EQ(v->rtpmap[0].fb, FB_VIDEO);
	TEST_EQ(v->ssrc[0], 2222);
	TEST_STREQ(v->msid, "tessera-mix video-1");

	/* an answer is not an offer we can answer: both sides ICE-lite */
	TEST_EQ(tes_sdp_negotiate(fx.ans, fx.back, &local, NULL, 0), -EPROTO);

	return 0;
}

/* Chrome's simulcast offer (three rids): we receive all three, told apart
 * by rtp-stream-id; other offers get no rid extension */
TES_TEST(sdp_simulcast)
{
	const struct tes_sdp_media *v;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_simulcast.sdp"));
	v = &fx.offer->media[1];
	TEST_EQ(v->n_sim_send, 3);
	TEST_STREQ(v->sim_send[0], "q");
	TEST_STREQ(v->sim_send[2], "f");
	TEST_EQ(fx.ans->media[1].n_rids, 3);
	TEST_EQ(fx.ans->media[1].ext_id[TES_EXT_RID], 10);
	TEST_EQ(fx.ans->media[1].ext_id[TES_EXT_RRID], 11);
	TEST_EQ(fx.ans->media[0].n_rids, 0);
	TEST_ASSERT(strstr(fx.sdp, "a=rid:q recv\r\na=rid:h recv\r\n"
				   "a=rid:f recv\r\n"
				   "a=simulcast:recv q;h;f\r\n"));
	TEST_ASSERT(strstr(fx.sdp, "a=extmap:10 urn:ietf:params:rtp-hdrext:"
				   "sdes:rtp-stream-id\r\n"));
	/* our answer, parsed back: a recv list is not a send one */
	TEST_EQ(fx.back->media[1].n_sim_send, 0);

	TEST_OK(answer_vec("chrome_sendrecv.sdp"));
	TEST_EQ(fx.ans->media[1].n_rids, 0);
	TEST_EQ(fx.ans->media[1].ext_id[TES_EXT_RID], 0);

	/* alternatives, paused streams, too many, b=AS and b=TIAS */
	TEST_OK(parse_str("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
			  "b=TIAS:150001\r\n"
			  "a=simulcast:recv x send a,a2;~b;c;d;e\r\n"
			  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nb=AS:300\r\n"
			  "b=TIAS:1000\r\n"));
	v = &fx.offer->media[0];
	TEST_EQ(v->n_sim_send, TES_SDP_MAX_RIDS);
	TEST_STREQ(v->sim_send[0], "a");
	TEST_STREQ(v->sim_send[1], "b");
	TEST_STREQ(v->sim_send[3], "d");
	TEST_EQ(v->max_kbps, 151);
	TEST_EQ(fx.offer->media[1].max_kbps, 300);

	return 0;
}

/* A subsequent offer of ours (sfu renegotiation): the answered m-lines
 * again, plus a sendonly one carrying another participant's video */
TES_TEST(sdp_build_offer)
{
	struct tes_sdp_neg_media *media;
	const struct tes_sdp_media *t;
	int len;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_sendrecv.sdp"));
	media = calloc(3, sizeof(*media));
	TEST_ASSERT(media != NULL);
	memcpy(media, fx.ans->media, 2 * sizeof(*media));
	media[2] = media[1];
	snprintf(media[2].mid, sizeof(media[2].mid), "t1");
	media[2].dir = TES_DIR_SENDONLY;
	media[2].we_recv = false;
	media[2].local_ssrc = 3333;
	snprintf(media[2].msid_stream, sizeof(media[2].msid_stream), "pub1");
	snprintf(media[2].msid_track, sizeof(media[2].msid_track),
		 "video-pub1");

	len = tes_sdp_build_offer(fx.sdp, SDP_CAP, media, 3, fx.ans->sess_id,
				  3, &local);
	TEST_ASSERT(len > 0);
	TEST_OK(tes_sdp_parse(fx.back, fx.sdp, (size_t)len, fx.err,
			      sizeof(fx.err)));
	TEST_ASSERT(fx.back->sess_id == fx.ans->sess_id);
	TEST_ASSERT(fx.back->sess_version == 3);
	TEST_EQ(fx.back->n_media, 3);
	TEST_EQ(fx.back->n_bundle, 3);
	TEST_STREQ(fx.back->bundle[2], "t1");
	TEST_STREQ(fx.back->media[1].msid, "tessera-mix video-1");
	TEST_EQ(fx.back->media[1].dir, TES_DIR_SENDRECV);
	t = &fx.back->media[2];
	TEST_STREQ(t->mid, "t1");
	TEST_EQ(t->dir, TES_DIR_SENDONLY);
	TEST_STREQ(t->msid, "pub1 video-pub1");
	TEST_EQ(t->n_ssrc, 1);
	TEST_EQ(t->ssrc[0], 3333);
	TEST_STREQ(t->setup, "passive");
	TEST_STREQ(t->ice_ufrag, local.ice_ufrag);
	TEST_STREQ(t->fp, local.fingerprint);
	TEST_EQ(t->rtpmap[0].codec, TES_CODEC_VP8);

	/* the publisher left: inactive, still listed, nothing announced */
	media[2].dir = TES_DIR_INACTIVE;
	media[2].we_send = false;
	len = tes_sdp_build_offer(fx.sdp, SDP_CAP, media, 3, fx.ans->sess_id,
				  4, &local);
	TEST_ASSERT(len > 0);
	TEST_OK(tes_sdp_parse(fx.back, fx.sdp, (size_t)len, NULL, 0));
	TEST_EQ(fx.back->media[2].dir, TES_DIR_INACTIVE);
	TEST_EQ(fx.back->media[2].n_ssrc, 0);
	TEST_EQ(tes_sdp_build_offer(fx.sdp, SDP_CAP, media,
				    TES_SDP_MAX_MEDIA + 1, 1, 5, &local),
		-EINVAL);
	free(media);

	return 0;
}

TES_TEST(sdp_build_nospace)
{
	char small[64];
	int len;

	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_datachannel.sdp"));
	len = (int)strlen(fx.sdp);
	TEST_EQ(tes_sdp_build_answer(fx.sdp, SDP_CAP, fx.ans, &local), len);
	TEST_EQ(tes_sdp_build_answer(small, sizeof(small), fx.ans, &local),
		-ENOSPC);
	TEST_STREQ(small, "");
	for (int cap = 1; cap <= len; cap += 7)
		TEST_EQ(tes_sdp_build_answer(fx.sdp, (size_t)cap, fx.ans,
					     &local), -ENOSPC);
	TEST_EQ(tes_sdp_build_answer(fx.sdp, (size_t)len, fx.ans, &local),
		-ENOSPC);
	TEST_EQ(tes_sdp_build_answer(fx.sdp, (size_t)len + 1, fx.ans,
				     &local), len);
	TEST_EQ(tes_sdp_build_answer(fx.sdp, 0, fx.ans, &local), -EINVAL);
	TEST_STREQ(tes_dir_name(TES_DIR_SENDONLY), "sendonly");

	return 0;
}

TES_TEST(sdp_limits)
{
	char *sdp = malloc(256 * 1024);
	size_t n = 0;
	int err;

	TEST_ASSERT(sdp != NULL);
	TEST_OK(fx_init());
	n += (size_t)sprintf(sdp, "v=0\r\n" ICE DTLS "a=group:BUNDLE");
	/* every m-line bundled: an SFU subscriber of 32 publishers */
	for (int i = 0; i < TES_SDP_MAX_MEDIA; i++)
		n += (size_t)sprintf(sdp + n, " %d", i);
	n += (size_t)sprintf(sdp + n, "\r\n");
	for (int i = 0; i < TES_SDP_MAX_MEDIA + 4; i++) {
		n += (size_t)sprintf(sdp + n, "m=video 9 UDP/TLS/RTP/SAVPF");
		for (int pt = 0; pt < 60; pt++)
			n += (size_t)sprintf(sdp + n, " %d", 127 - pt);
		n += (size_t)sprintf(sdp + n, "\r\na=rtcp-mux\r\n");
		for (int e = 1; e <= 20; e++)
			n += (size_t)sprintf(sdp + n,
					     "a=extmap:%d urn:x:%d\r\n", e, e);
		for (int s = 1; s <= 12; s++)
			n += (size_t)sprintf(sdp + n, "a=ssrc:%d x:y\r\n", s);
		n += (size_t)sprintf(sdp + n, "a=rtpmap:127 VP8/90000\r\n");
	}
	err = parse_str(sdp);
	free(sdp);
	TEST_OK(err);
	TEST_EQ(fx.offer->n_bundle, TES_SDP_MAX_MEDIA);
	TEST_EQ(fx.offer->n_media, TES_SDP_MAX_MEDIA);
	TEST_EQ(fx.offer->n_media_ignored, 4);
	TEST_EQ(fx.offer->media[15].n_fmts, TES_SDP_MAX_FMTS);
	TEST_EQ(fx.offer->media[15].n_rtpmap, 1);
	TEST_EQ(fx.offer->media[15].n_extmap, TES_SDP_MAX_EXTMAP);
	TEST_EQ(fx.offer->media[15].n_ssrc, TES_SDP_MAX_SSRC);
	TEST_EQ(tes_sdp_negotiate(fx.ans, fx.offer, &local, fx.err,
				  sizeof(fx.err)), -EPROTO);
	TEST_STREQ(fx.err, "offer has more than 64 m-lines");

	return 0;
}

TES_TEST(sdp_negotiate_recvonly)
{
	TEST_OK(fx_init());
	TEST_OK(answer_vec("chrome_recvonly.sdp"));  /* WHEP-style */
	for (size_t i = 0; i < 2; i++) {
		TEST_EQ(fx.ans->media[i].dir, TES_DIR_SENDONLY);
		TEST_ASSERT(fx.ans->media[i].we_send);
		TEST_ASSERT(!fx.ans->media[i].we_recv);
		TEST_EQ(fx.ans->media[i].remote_ssrc, 0);
		TEST_EQ(fx.back->media[i].n_ssrc, 1);
	}
	TEST_EQ(fx.back->media[0].ssrc[0], 1111);
	TEST_EQ(fx.back->media[1].ssrc[0], 2222);

	return 0;
}
