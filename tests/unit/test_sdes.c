/**
 * @file test_sdes.c  RFC 4568 a=crypto lines: the RFC's examples, our own
 * lines parsed back, what we refuse, and SRTP sessions keyed from them.
 */
#include "sdp/crypto.h"
#include "srtp/srtp.h"
#include "test.h"

static int parse(struct tes_sdes *c, const char *v, char *err, size_t n)
{
	return tes_sdes_parse(c, v, strlen(v), err, n);
}

TES_TEST(sdes_rfc4568_examples)
{
	static const uint8_t key1[30] = {
		0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
		0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68,
		0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51,
	};
	struct tes_sdes c;
	char err[128];

	/* RFC 4568 4's line, without its MKI */
	TEST_OK(parse(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		      "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20",
		      err, sizeof(err)));
	TEST_EQ(c.tag, 1);
	TEST_EQ(c.suite, TES_SDES_AES_CM_128_HMAC_SHA1_80);
	TEST_EQ(c.key_len, 30);
	TEST_ASSERT(!memcmp(c.key, key1, 30));
	TEST_ASSERT(c.lifetime == 1u << 20);

	/* with it: refused, with the reason */
	TEST_EQ(parse(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		      "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
		      err, sizeof(err)), -ENOTSUP);
	TEST_ASSERT(strstr(err, "MKI"));

	/* a 32-bit tag suite, KDR, a session parameter we ignore */
	TEST_OK(parse(&c, "2 AES_CM_128_HMAC_SHA1_32 "
		      "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj KDR=23 "
		      "FEC_ORDER=FEC_SRTP", err, sizeof(err)));
	TEST_EQ(c.suite, TES_SDES_AES_CM_128_HMAC_SHA1_32);
	TEST_EQ(c.kdr, 23);
	TEST_EQ(c.key[0], 0x77);

	return 0;
}

TES_TEST(sdes_refused)
{
	static const struct {
		const char *line;
		int err;
		const char *why;
	} bad[] = {
		{"", -EBADMSG, "tag"},
		{"x AES_CM_128_HMAC_SHA1_80 inline:AAAA", -EBADMSG, "tag"},
		{"1000000000 AES_CM_128_HMAC_SHA1_80 inline:AAAA", -EBADMSG,
		 "tag"},
		{"1", -EBADMSG, "suite"},
		{"1 F8_128_HMAC_SHA1_80 inline:AAAA", -ENOTSUP, "not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80", -EBADMSG, "no key"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", -EBADMSG, "base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 uri:x", -ENOTSUP, "inline"},
		{"1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx!VBR", -EBADMSG,
		 "base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^99",
		 -EBADMSG, "lifetime"},
		{"1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR;"
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", -ENOTSUP,
		 "several"},
		{"1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR "
		 "UNENCRYPTED_SRTP", -ENOTSUP, "encrypt"},
		/* 40 characters without padding are 30 bytes, not 28 */
		{"1 AEAD_AES_128_GCM "
		 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", -EBADMSG,
		 "longer"},
	};
	struct tes_sdes c;
	char err[128];

	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		int ret = parse(&c, bad[i].line, err, sizeof(err));

		if (ret != bad[i].err || !strstr(err, bad[i].why))
			TEST_FAIL("line %zu: %d \"%s\"", i, ret, err);
	}
	TEST_EQ(tes_sdes_parse(NULL, "", 0, NULL, 0), -EINVAL);

	return 0;
}

TES_TEST(sdes_write_roundtrip)
{
	static const enum tes_sdes_suite all[] = {
		TES_SDES_AES_CM_128_HMAC_SHA1_80,
		TES_SDES_AES_CM_128_HMAC_SHA1_32,
		TES_SDES_AEAD_AES_128_GCM,
		TES_SDES_AES_256_CM_HMAC_SHA1_80,
	};
	static const size_t lens[] = {30, 30, 28, 46};
	struct tes_sdes c = {.tag = 7}, back;
	char buf[160], small[20];

	for (size_t i = 0; i < TES_ARRAY_SIZE(all); i++) {
		c.suite = all[i];
		c.key_len = lens[i];
		for (size_t k = 0; k < c.key_len; k++)
			c.key[k] = (uint8_t)(k * 7 + i);
		TEST_ASSERT(tes_sdes_write(buf, sizeof(buf), &c) > 0);
		TEST_OK(parse(&back, buf, NULL, 0));
		TEST_EQ(back.suite, all[i]);
		TEST_EQ(back.key_len, lens[i]);
		TEST_ASSERT(!memcmp(back.key, c.key, c.key_len));
		TEST_EQ(back.tag, 7);
	}
	TEST_EQ(tes_sdes_write(small, sizeof(small), &c), -ENOSPC);
	c.key_len = 30; /* not the AES-256 suite's */
	TEST_EQ(tes_sdes_write(buf, sizeof(buf), &c), -EINVAL);
	TEST_STREQ(tes_sdes_suite_name(TES_SDES_AEAD_AES_128_GCM),
		   "AEAD_AES_128_GCM");

	return 0;
}

enum {
	RTP_LEN = 12 + 160,  /* a 20 ms G.711 packet */
	RTCP_LEN = 28,       /* a sender report without blocks */
	PKT_CAP = RTP_LEN + TES_SRTP_MAX_TRAILER,
};

static void sdes_rtp(uint8_t *p, uint16_t seq)
{
	memset(p, 0, RTP_LEN);
	p[0] = 0x80;
	p[1] = 0;  /* PCMU */
	tes_wr16(p + 2, seq);
	tes_wr32(p + 4, 160u * seq);
	tes_wr32(p + 8, 0x5de5);
	for (size_t i = 12; i < RTP_LEN; i++)
		p[i] = (uint8_t)(i ^ seq);
}

static void sdes_rtcp(uint8_t *p)
{
	memset(p, 0, RTCP_LEN);
	p[0] = 0x80;
	p[1] = 200;
	tes_wr16(p + 2, RTCP_LEN / 4 - 1);
	tes_wr32(p + 4, 0x5de5);
	tes_wr32(p + 20, 7);
}

/* One packet from -> to; fails the test unless it comes through as sent
 * with a trailer of tag bytes (and the 4-byte SRTCP index) */
static int sdes_send(struct tes_srtp *from, struct tes_srtp *to, bool rtcp,
		     uint16_t seq, size_t tag)
{
	uint8_t plain[RTP_LEN], buf[PKT_CAP];
	size_t n = rtcp ? RTCP_LEN : RTP_LEN, len = n;

	if (rtcp)
		sdes_rtcp(plain);
	else
		sdes_rtp(plain, seq);
	memcpy(buf, plain, n);
	TEST_OK(rtcp ? tes_srtp_protect_rtcp(from, buf, &len)
		     : tes_srtp_protect_rtp(from, buf, &len));
	TEST_EQ(len, n + tag + (rtcp ? 4 : 0));
	TEST_ASSERT(memcmp(buf + 8, plain + 8, n - 8));  /* encrypted */
	TEST_OK(rtcp ? tes_srtp_unprotect_rtcp(to, buf, &len)
		     : tes_srtp_unprotect_rtp(to, buf, &len));
	TEST_EQ(len, n);
	TEST_MEMEQ(buf, plain, n);

	return 0;
}

/* A packet from -> to that must fail authentication */
static int sdes_refused(struct tes_srtp *from, struct tes_srtp *to,
			bool rtcp, uint16_t seq)
{
	uint8_t buf[PKT_CAP];
	size_t len = rtcp ? RTCP_LEN : RTP_LEN;

	if (rtcp)
		sdes_rtcp(buf);
	else
		sdes_rtp(buf, seq);
	TEST_OK(rtcp ? tes_srtp_protect_rtcp(from, buf, &len)
		     : tes_srtp_protect_rtp(from, buf, &len));
	TEST_EQ(rtcp ? tes_srtp_unprotect_rtcp(to, buf, &len)
		     : tes_srtp_unprotect_rtp(to, buf, &len), -EACCES);

	return 0;
}

/* Each end makes its key, sends it as an a=crypto line, and keys its
 * session with its own key and the other's line parsed back */
static int sdes_pair(enum tes_sdes_suite suite, size_t tag,
		     size_t rtcp_tag)
{
	struct tes_sdes ka, kb, a_seen, b_seen, kx;
	struct tes_srtp *a = NULL, *b = NULL, *x = NULL;
	char line[160];
	unsigned prof = tes_sdes_srtp_profile(suite);
	int ret = 1;

	TEST_OK(tes_sdes_new_key(&ka, 1, suite));
	TEST_OK(tes_sdes_new_key(&kb, 1, suite));
	TEST_OK(tes_sdes_new_key(&kx, 1, suite));
	TEST_ASSERT(memcmp(ka.key, kb.key, ka.key_len));
	TEST_ASSERT(tes_sdes_write(line, sizeof(line), &ka) > 0);
	TEST_OK(tes_sdes_parse(&b_seen, line, strlen(line), NULL, 0));
	TEST_ASSERT(tes_sdes_write(line, sizeof(line), &kb) > 0);
	TEST_OK(tes_sdes_parse(&a_seen, line, strlen(line), NULL, 0));
	TEST_EQ(a_seen.suite, suite);

	if (tes_srtp_alloc_sdes(&a, (enum tes_srtp_profile)prof, ka.key,
				a_seen.key, ka.key_len) ||
	    tes_srtp_alloc_sdes(&b, (enum tes_srtp_profile)prof, kb.key,
				b_seen.key, kb.key_len) ||
	    /* expects the wrong key from a */
	    tes_srtp_alloc_sdes(&x, (enum tes_srtp_profile)prof, kb.key,
				kx.key, kb.key_len))
		goto out;
	for (uint16_t seq = 1; seq <= 3; seq++) {
		if (sdes_send(a, b, false, seq, tag) ||
		    sdes_send(b, a, false, seq, tag))
			goto out;
	}
	if (sdes_send(a, b, true, 0, rtcp_tag) ||
	    sdes_send(b, a, true, 0, rtcp_tag) ||
	    sdes_refused(a, x, false, 9) || sdes_refused(a, x, true, 0))
		goto out;
	if (tes_srtp_stats(x)->auth_fail != 2)
		goto out;
	ret = 0;
 out:
	tes_deref(a);
	tes_deref(b);
	tes_deref(x);

	return ret;
}

TES_TEST(sdes_srtp_sha1_80)
{
	return sdes_pair(TES_SDES_AES_CM_128_HMAC_SHA1_80, 10, 10);
}

TES_TEST(sdes_srtp_sha1_32)
{
	/* SRTCP keeps the 80-bit tag (RFC 4568 6.2.2) */
	return sdes_pair(TES_SDES_AES_CM_128_HMAC_SHA1_32, 4, 10);
}

TES_TEST(sdes_srtp_gcm)
{
	return sdes_pair(TES_SDES_AEAD_AES_128_GCM, 16, 16);
}

TES_TEST(sdes_srtp_refused)
{
	static const uint8_t k[30] = {1};
	struct tes_srtp *s = NULL;
	struct tes_sdes c;

	TEST_EQ(tes_srtp_alloc_sdes(&s, TES_SRTP_AES128_CM_SHA1_32, k, k, 28),
		-EINVAL);
	TEST_EQ(tes_srtp_alloc_sdes(&s, TES_SRTP_AEAD_AES_128_GCM, k, k, 30),
		-EINVAL);
	TEST_EQ(tes_srtp_alloc_sdes(&s, TES_SRTP_NONE, k, k, 30), -EINVAL);
	TEST_EQ(tes_srtp_alloc_sdes(&s, TES_SRTP_AES128_CM_SHA1_80, NULL, k,
				    30), -EINVAL);
	TEST_ASSERT(s == NULL);
	TEST_EQ(tes_sdes_srtp_profile(TES_SDES_AES_256_CM_HMAC_SHA1_80), 0);
	TEST_EQ(tes_sdes_new_key(&c, 0, TES_SDES_AES_CM_128_HMAC_SHA1_80),
		-EINVAL);
	TEST_EQ(tes_sdes_new_key(&c, 1, (enum tes_sdes_suite)99), -EINVAL);

	return 0;
}
