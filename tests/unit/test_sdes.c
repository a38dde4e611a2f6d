/**
 * @file test_sdes.c  RFC 4568 a=crypto lines: the RFC's examples, our own
 * lines parsed back, and what we refuse.
 */
#include "sdp/crypto.h"
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
