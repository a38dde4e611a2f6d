/**
 * @file test_srtp.c  SRTP/SRTCP sessions with fixed keys, both profiles:
 * round trips, replay, tampering, wrong keys, retransmissions.
 */
#include "srtp/srtp.h"
#include "srtp/srtp_int.h"
#include "test.h"

enum {
	PAYLOAD = 100,
	RTP_LEN = 12 + PAYLOAD,
	RTCP_LEN = 28,
	BUF = RTP_LEN + TES_SRTP_MAX_TRAILER,
};

/* Mirrored keys for two ends a and b; `seed` varies the key material. */
static void make_keys(enum tes_srtp_profile prof, uint8_t seed,
		      struct tes_dtls_keys *a, struct tes_dtls_keys *b)
{
	memset(a, 0, sizeof(*a));
	a->profile = prof;
	a->key_len = 16;
	a->salt_len = prof == TES_SRTP_AEAD_AES_128_GCM ? 12 : 14;
	for (size_t i = 0; i < TES_SRTP_MAX_KEY; i++) {
		a->local_key[i] = (uint8_t)(seed + i);
		a->remote_key[i] = (uint8_t)(seed + 0x40 + i);
	}
	for (size_t i = 0; i < TES_SRTP_MAX_SALT; i++) {
		a->local_salt[i] = (uint8_t)(seed + 0x80 + i);
		a->remote_salt[i] = (uint8_t)(seed + 0xc0 + i);
	}

	*b = *a;
	memcpy(b->local_key, a->remote_key, sizeof(b->local_key));
	memcpy(b->remote_key, a->local_key, sizeof(b->remote_key));
	memcpy(b->local_salt, a->remote_salt, sizeof(b->local_salt));
	memcpy(b->remote_salt, a->local_salt, sizeof(b->remote_salt));
}

static void make_rtp(uint8_t *p, uint16_t seq)
{
	p[0] = 0x80;
	p[1] = 96;
	tes_wr16(p + 2, seq);
	tes_wr32(p + 4, 90000u + seq * 3000u);
	tes_wr32(p + 8, 0xcafef00d);
	for (size_t i = 0; i < PAYLOAD; i++)
		p[12 + i] = (uint8_t)(seq + i);
}

/* Sender report, no report blocks. */
static void make_rtcp(uint8_t *p)
{
	p[0] = 0x80;
	p[1] = 200;
	tes_wr16(p + 2, RTCP_LEN / 4 - 1);
	tes_wr32(p + 4, 0xcafef00d);
	tes_wr32(p + 8, 0xe8d4a510);
	tes_wr32(p + 12, 0x12345678);
	tes_wr32(p + 16, 90000);
	tes_wr32(p + 20, 10);
	tes_wr32(p + 24, 1000);
}

static int roundtrip(enum tes_srtp_profile prof)
{
	struct tes_srtp *a = NULL, *b = NULL, *c = NULL;
	struct tes_dtls_keys ka, kb, kc, kd;
	uint8_t plain[RTP_LEN], buf[BUF], copy[BUF];
	const struct tes_srtp_stats *st;
	size_t len, clen;
	int err = 1;

	make_keys(prof, 1, &ka, &kb);
	make_keys(prof, 7, &kc, &kd);
	TEST_OK(tes_srtp_alloc(&a, &ka));
	TEST_OK(tes_srtp_alloc(&b, &kb));
	TEST_OK(tes_srtp_alloc(&c, &kd));
	st = tes_srtp_stats(b);

	/* A -> B */
	make_rtp(plain, 1000);
	memcpy(buf, plain, RTP_LEN);
	len = RTP_LEN;
	if (tes_srtp_protect_rtp(a, buf, &len))
		goto out;
	if (len != RTP_LEN + (prof == TES_SRTP_AEAD_AES_128_GCM ? 16 : 10))
		goto out;
	if (!memcmp(buf + 12, plain + 12, PAYLOAD))
		goto out;  /* not encrypted */
	memcpy(copy, buf, len);
	clen = len;
	if (tes_srtp_unprotect_rtp(b, buf, &len) || len != RTP_LEN ||
	    memcmp(buf, plain, RTP_LEN))
		goto out;
	if (st->rtp_unprotected != 1)
		goto out;

	/* the same packet again is a replay */
	memcpy(buf, copy, clen);
	len = clen;
	if (tes_srtp_unprotect_rtp(b, buf, &len) != -EALREADY ||
	    st->replay != 1)
		goto out;

	/* a flipped payload byte fails authentication */
	make_rtp(plain, 1001);
	memcpy(buf, plain, RTP_LEN);
	len = RTP_LEN;
	if (tes_srtp_protect_rtp(a, buf, &len))
		goto out;
	memcpy(copy, buf, len);
	clen = len;
	buf[20] ^= 0x01;
	if (tes_srtp_unprotect_rtp(b, buf, &len) != -EACCES ||
	    st->auth_fail != 1)
		goto out;

	/* another key fails authentication too */
	memcpy(buf, copy, clen);
	len = clen;
	if (tes_srtp_unprotect_rtp(c, buf, &len) != -EACCES ||
	    tes_srtp_stats(c)->auth_fail != 1)
		goto out;

	/* the untouched packet still passes: failures did not poison it */
	memcpy(buf, copy, clen);
	len = clen;
	if (tes_srtp_unprotect_rtp(b, buf, &len) || memcmp(buf, plain, len))
		goto out;

	/* B -> A uses the other key */
	make_rtp(plain, 5);
	memcpy(buf, plain, RTP_LEN);
	len = RTP_LEN;
	if (tes_srtp_protect_rtp(b, buf, &len) ||
	    tes_srtp_unprotect_rtp(a, buf, &len) || len != RTP_LEN ||
	    memcmp(buf, plain, RTP_LEN))
		goto out;

	/* garbage is "other" */
	len = 3;
	if (tes_srtp_unprotect_rtp(b, buf, &len) != -EBADMSG ||
	    st->other_fail != 1)
		goto out;

	if (st->rtp_unprotected != 2 || st->protect_fail != 0)
		goto out;
	err = 0;

out:
	tes_deref(a);
	tes_deref(b);
	tes_deref(c);

	return err;
}

static int rtcp_roundtrip(enum tes_srtp_profile prof)
{
	struct tes_srtp *a = NULL, *b = NULL;
	struct tes_dtls_keys ka, kb;
	uint8_t plain[RTCP_LEN], buf[RTCP_LEN + TES_SRTP_MAX_TRAILER];
	uint8_t copy[sizeof(buf)];
	size_t len, clen;
	int err = 1;

	make_keys(prof, 3, &ka, &kb);
	TEST_OK(tes_srtp_alloc(&a, &ka));
	TEST_OK(tes_srtp_alloc(&b, &kb));

	make_rtcp(plain);
	for (int dir = 0; dir < 2; dir++) {
		struct tes_srtp *tx = dir ? b : a, *rx = dir ? a : b;

		memcpy(buf, plain, RTCP_LEN);
		len = RTCP_LEN;
		if (tes_srtp_protect_rtcp(tx, buf, &len) || len <= RTCP_LEN)
			goto out;
		memcpy(copy, buf, len);
		clen = len;
		if (tes_srtp_unprotect_rtcp(rx, buf, &len) ||
		    len != RTCP_LEN || memcmp(buf, plain, RTCP_LEN))
			goto out;
		if (tes_srtp_stats(rx)->rtcp_unprotected != 1)
			goto out;

		/* replayed SRTCP index */
		memcpy(buf, copy, clen);
		len = clen;
		if (tes_srtp_unprotect_rtcp(rx, buf, &len) != -EALREADY)
			goto out;

		/* tampered */
		memcpy(buf, plain, RTCP_LEN);
		len = RTCP_LEN;
		if (tes_srtp_protect_rtcp(tx, buf, &len))
			goto out;
		buf[10] ^= 0x80;
		if (tes_srtp_unprotect_rtcp(rx, buf, &len) != -EACCES)
			goto out;
	}
	err = 0;

out:
	tes_deref(a);
	tes_deref(b);

	return err;
}

TES_TEST(srtp_init)
{
	TEST_OK(tes_srtp_init());
	TEST_OK(tes_srtp_init());
	/* the OpenSSL primitives passed their known-answer tests and
	 * libsrtp's, and are the ones in use */
	TEST_EQ(tes__srtp_openssl(), TES__SRTP_OSSL_ICM | TES__SRTP_OSSL_GCM |
					     TES__SRTP_OSSL_HMAC);

	return 0;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* What Debian's libsrtp 2.5.0 with its own (NSS) primitives made of the
 * same packets under the same keys (make_keys seed 1): the OpenSSL ones
 * must give the very same bytes, or no peer could read us. */
struct stock {
	enum tes_srtp_profile prof;
	uint8_t tag[16];        /* RTP seq 7: the auth tag */
	size_t tag_len;
	uint32_t rtp_fnv;       /* FNV-1a of the whole SRTP packet */
	uint32_t rtcp_fnv;      /* ... and of the first SRTCP packet */
	size_t rtcp_len;
};

static const struct stock STOCK[] = {
	{TES_SRTP_AES128_CM_SHA1_80,
	 {0x6f, 0x36, 0x7e, 0x55, 0x93, 0x2d, 0x97, 0x1e, 0x79, 0x4e}, 10,
	 0x2308bc0b, 0x687cc90b, 42},
	{TES_SRTP_AES128_CM_SHA1_32, {0x6f, 0x36, 0x7e, 0x55}, 4, 0x62ac27b1,
	 0x687cc90b, 42},
	{TES_SRTP_AEAD_AES_128_GCM,
	 {0xec, 0x1c, 0xa7, 0x6e, 0xa2, 0x66, 0x55, 0x5b, 0xdf, 0xde, 0xb4,
	  0x5b, 0x79, 0x4e, 0x92, 0xf1}, 16, 0xb2aee217, 0x738295f8, 48},
};

TES_TEST(srtp_same_bytes_as_stock_libsrtp)
{
	for (size_t i = 0; i < TES_ARRAY_SIZE(STOCK); i++) {
		const struct stock *w = &STOCK[i];
		struct tes_srtp *a = NULL, *b = NULL;
		struct tes_dtls_keys ka, kb;
		uint8_t buf[BUF], plain[RTP_LEN];
		size_t len = RTP_LEN;

		make_keys(w->prof, 1, &ka, &kb);
		TEST_OK(tes_srtp_alloc(&a, &ka));
		TEST_OK(tes_srtp_alloc(&b, &kb));

		make_rtp(plain, 7);
		memcpy(buf, plain, RTP_LEN);
		TEST_OK(tes_srtp_protect_rtp(a, buf, &len));
		TEST_EQ(len, RTP_LEN + w->tag_len);
		TEST_ASSERT(!memcmp(buf + RTP_LEN, w->tag, w->tag_len));
		TEST_EQ(fnv1a(buf, len), w->rtp_fnv);
		TEST_OK(tes_srtp_unprotect_rtp(b, buf, &len));
		TEST_EQ(len, RTP_LEN);
		TEST_ASSERT(!memcmp(buf, plain, RTP_LEN));

		len = RTCP_LEN;
		make_rtcp(buf);
		TEST_OK(tes_srtp_protect_rtcp(a, buf, &len));
		TEST_EQ(len, w->rtcp_len);
		TEST_EQ(fnv1a(buf, len), w->rtcp_fnv);
		TEST_OK(tes_srtp_unprotect_rtcp(b, buf, &len));
		TEST_EQ(len, RTCP_LEN);

		tes_deref(a);
		tes_deref(b);
	}

	return 0;
}

TES_TEST(srtp_cm_sha1_80)
{
	return roundtrip(TES_SRTP_AES128_CM_SHA1_80);
}

TES_TEST(srtp_aead_gcm)
{
	return roundtrip(TES_SRTP_AEAD_AES_128_GCM);
}

TES_TEST(srtp_rtcp_cm_sha1_80)
{
	return rtcp_roundtrip(TES_SRTP_AES128_CM_SHA1_80);
}

TES_TEST(srtp_rtcp_aead_gcm)
{
	return rtcp_roundtrip(TES_SRTP_AEAD_AES_128_GCM);
}

/* A NACKed packet is protected again with the same sequence number. */
TES_TEST(srtp_retransmit)
{
	struct tes_srtp *a = NULL, *b = NULL;
	struct tes_dtls_keys ka, kb;
	uint8_t plain[RTP_LEN], buf[BUF], first[BUF];
	size_t len, flen;
	int err = 1;

	make_keys(TES_SRTP_AES128_CM_SHA1_80, 9, &ka, &kb);
	TEST_OK(tes_srtp_alloc(&a, &ka));
	TEST_OK(tes_srtp_alloc(&b, &kb));

	make_rtp(plain, 77);
	memcpy(buf, plain, RTP_LEN);
	flen = RTP_LEN;
	if (tes_srtp_protect_rtp(a, buf, &flen))
		goto out;
	memcpy(first, buf, flen);

	memcpy(buf, plain, RTP_LEN);
	len = RTP_LEN;
	if (tes_srtp_protect_rtp(a, buf, &len) || len != flen ||
	    memcmp(buf, first, len))
		goto out;
	if (tes_srtp_unprotect_rtp(b, buf, &len) || memcmp(buf, plain, len))
		goto out;
	err = 0;

out:
	tes_deref(a);
	tes_deref(b);

	return err;
}

TES_TEST(srtp_bad_keys)
{
	struct tes_dtls_keys k, unused;
	struct tes_srtp *s = NULL;

	make_keys(TES_SRTP_AES128_CM_SHA1_80, 0, &k, &unused);
	k.profile = TES_SRTP_NONE;
	TEST_EQ(tes_srtp_alloc(&s, &k), -EINVAL);
	k.profile = TES_SRTP_AEAD_AES_128_GCM;  /* salt_len 14 is wrong */
	TEST_EQ(tes_srtp_alloc(&s, &k), -EINVAL);
	TEST_EQ(tes_srtp_alloc(&s, NULL), -EINVAL);
	TEST_ASSERT(s == NULL);

	return 0;
}
