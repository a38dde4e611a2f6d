/**
 * @file test_rtp.c  RTP parsing, RFC 8285 header extensions, building and
 * in-place rewriting; malformed packets must fail with -EBADMSG.
 */
#include "rtp/rtp.h"
#include "test.h"

/* VP8 from Chrome: abs-send-time (2), transport-cc (3), mid (4) */
static const uint8_t chrome_vp8[] = {
	0x90, 0xe0, 0x1a, 0x2b, /* V=2 X=1, M=1 PT=96, seq 0x1a2b */
	0x00, 0x0f, 0x42, 0x40, /* timestamp 1000000 */
	0x12, 0x34, 0x56, 0x78, /* SSRC */
	0xbe, 0xde, 0x00, 0x03, /* one-byte form, 3 words */
	0x22, 0x12, 0x34, 0x56, /* id 2, 3 bytes: abs-send-time */
	0x31, 0x00, 0x05,       /* id 3, 2 bytes: transport-wide seq 5 */
	0x40, 0x30,             /* id 4, 1 byte: mid "0" */
	0x00, 0x00, 0x00,       /* padding */
	0x90, 0x80, 0x8f, 0xa1, /* VP8 descriptor: X S, I, picture id */
	0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
};

/* two-byte form: id 2 (3 bytes), padding, id 16 (empty), id 200 (2) */
static const uint8_t two_byte[] = {
	0x90, 0x6f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,
	0xaa, 0xbb, 0xcc, 0xdd,
	0x10, 0x00, 0x00, 0x03,
	0x02, 0x03, 0x11, 0x22, 0x33,
	0x00,
	0x10, 0x00,
	0xc8, 0x02, 0xaa, 0xbb,
	0xde, 0xad, 0xbe, 0xef,
};

/* PCMA with two CSRCs and 4 bytes of padding */
static const uint8_t csrc_pad[] = {
	0xa2, 0x08, 0xff, 0xff, 0x00, 0x00, 0x01, 0x40,
	0xca, 0xfe, 0xba, 0xbe,
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	0x01, 0x02, 0x03, 0x04, 0x05,
	0x00, 0x00, 0x00, 0x04,
};

TES_TEST(rtp_parse_chrome_vp8)
{
	struct tes_rtp_hdr h;
	const uint8_t *d;
	size_t len;

	TEST_OK(tes_rtp_parse(&h, chrome_vp8, sizeof(chrome_vp8)));
	TEST_EQ(h.version, 2);
	TEST_ASSERT(!h.padding);
	TEST_ASSERT(h.extension);
	TEST_ASSERT(h.marker);
	TEST_EQ(h.cc, 0);
	TEST_EQ(h.pt, 96);
	TEST_EQ(h.seq, 0x1a2b);
	TEST_EQ(h.ts, 1000000);
	TEST_EQ(h.ssrc, 0x12345678);
	TEST_EQ(h.ext_profile, TES_RTP_EXT_ONE_BYTE);
	TEST_EQ(h.ext_len, 12);
	TEST_ASSERT(h.ext == chrome_vp8 + 16);
	TEST_EQ(h.hdr_len, 28);
	TEST_ASSERT(h.payload == chrome_vp8 + 28);
	TEST_EQ(h.payload_len, sizeof(chrome_vp8) - 28);
	TEST_EQ(h.pad_len, 0);

	TEST_OK(tes_rtp_ext_find(&h, 2, &d, &len));
	TEST_EQ(len, 3);
	TEST_EQ(tes_rd24(d), 0x123456);
	TEST_OK(tes_rtp_ext_find(&h, 3, &d, &len));
	TEST_EQ(len, 2);
	TEST_EQ(tes_rd16(d), 5);
	TEST_OK(tes_rtp_ext_find(&h, 4, &d, &len));
	TEST_EQ(len, 1);
	TEST_EQ(d[0], '0');
	TEST_EQ(tes_rtp_ext_find(&h, 1, &d, &len), -ENOENT);
	TEST_EQ(tes_rtp_ext_find(&h, 0, &d, &len), -ENOENT);
	TEST_EQ(tes_rtp_ext_find(&h, 15, &d, &len), -ENOENT);
	TEST_EQ(tes_rtp_ext_find(&h, 200, &d, &len), -ENOENT);

	return 0;
}

TES_TEST(rtp_parse_two_byte_ext)
{
	struct tes_rtp_hdr h;
	const uint8_t *d;
	size_t len;

	TEST_OK(tes_rtp_parse(&h, two_byte, sizeof(two_byte)));
	TEST_EQ(h.pt, 111);
	TEST_EQ(h.ext_profile, 0x1000);
	TEST_EQ(h.ext_len, 12);
	TEST_EQ(h.payload_len, 4);
	TEST_EQ(tes_rd32(h.payload), 0xdeadbeef);

	TEST_OK(tes_rtp_ext_find(&h, 2, &d, &len));
	TEST_EQ(len, 3);
	TEST_EQ(tes_rd24(d), 0x112233);
	TEST_OK(tes_rtp_ext_find(&h, 16, &d, &len));
	TEST_EQ(len, 0);
	TEST_OK(tes_rtp_ext_find(&h, 200, &d, &len));
	TEST_EQ(len, 2);
	TEST_EQ(tes_rd16(d), 0xaabb);
	TEST_EQ(tes_rtp_ext_find(&h, 255, &d, &len), -ENOENT);
	TEST_EQ(tes_rtp_ext_find(&h, 3, &d, &len), -ENOENT);

	return 0;
}

TES_TEST(rtp_parse_csrc_padding)
{
	struct tes_rtp_hdr h;
	const uint8_t *d;
	size_t len;

	TEST_OK(tes_rtp_parse(&h, csrc_pad, sizeof(csrc_pad)));
	TEST_ASSERT(h.padding);
	TEST_ASSERT(!h.extension);
	TEST_ASSERT(!h.marker);
	TEST_EQ(h.pt, 8);
	TEST_EQ(h.seq, 0xffff);
	TEST_EQ(h.ts, 320);
	TEST_EQ(h.ssrc, 0xcafebabe);
	TEST_EQ(h.cc, 2);
	TEST_EQ(h.csrc[0], 1);
	TEST_EQ(h.csrc[1], 2);
	TEST_EQ(h.hdr_len, 20);
	TEST_EQ(h.pad_len, 4);
	TEST_EQ(h.payload_len, 5);
	TEST_EQ(h.payload[4], 0x05);
	TEST_ASSERT(h.ext == NULL);
	TEST_EQ(tes_rtp_ext_find(&h, 1, &d, &len), -ENOENT);

	return 0;
}

TES_TEST(rtp_parse_ext_stop_and_other_profile)
{
	/* id 15 ends one-byte parsing; an unknown profile has no elements */
	uint8_t pkt[] = {
		0x90, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 1,
		0xbe, 0xde, 0x00, 0x02,
		0x00, 0x10, 0x77, 0xf0,
		0x21, 0xaa, 0xbb, 0x00,
	};
	struct tes_rtp_hdr h;
	const uint8_t *d;
	size_t len;

	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(pkt)));
	TEST_EQ(h.payload_len, 0);
	TEST_OK(tes_rtp_ext_find(&h, 1, &d, &len));
	TEST_EQ(len, 1);
	TEST_EQ(d[0], 0x77);
	TEST_EQ(tes_rtp_ext_find(&h, 2, &d, &len), -ENOENT);

	pkt[12] = 0x12;
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(pkt)));
	TEST_EQ(h.ext_profile, 0x12de);
	TEST_EQ(tes_rtp_ext_find(&h, 1, &d, &len), -ENOENT);

	return 0;
}

TES_TEST(rtp_parse_malformed)
{
	uint8_t pkt[64];
	struct tes_rtp_hdr h;
	const uint8_t *d;
	size_t len;

	/* short */
	TEST_EQ(tes_rtp_parse(&h, chrome_vp8, 11), -EBADMSG);
	TEST_EQ(tes_rtp_parse(&h, chrome_vp8, 0), -EBADMSG);

	/* version 1, 0 and 3 */
	memcpy(pkt, csrc_pad, sizeof(csrc_pad));
	pkt[0] = 0x62;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);
	pkt[0] = 0x22;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);
	pkt[0] = 0xe2;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);

	/* CSRC list past the end */
	pkt[0] = 0x8f;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);

	/* padding count 0, larger than the payload, nothing to pad */
	memcpy(pkt, csrc_pad, sizeof(csrc_pad));
	pkt[sizeof(csrc_pad) - 1] = 0;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);
	pkt[sizeof(csrc_pad) - 1] = 10;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)), -EBADMSG);
	pkt[sizeof(csrc_pad) - 1] = 9;
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(csrc_pad)));
	TEST_EQ(h.payload_len, 0);
	TEST_EQ(tes_rtp_parse(&h, pkt, 20), -EBADMSG);

	/* X bit without room for the extension header */
	memcpy(pkt, chrome_vp8, sizeof(chrome_vp8));
	TEST_EQ(tes_rtp_parse(&h, pkt, 14), -EBADMSG);

	/* extension length past the end */
	pkt[15] = 0x10;
	TEST_EQ(tes_rtp_parse(&h, pkt, sizeof(chrome_vp8)), -EBADMSG);
	pkt[15] = 0x03;
	TEST_EQ(tes_rtp_parse(&h, pkt, 27), -EBADMSG);

	/* one-byte element running past the block */
	pkt[15] = 0x03;
	pkt[25] = 0x5f; /* id 5, 16 bytes, 3 left */
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(chrome_vp8)));
	TEST_EQ(tes_rtp_ext_find(&h, 5, &d, &len), -EBADMSG);
	TEST_OK(tes_rtp_ext_find(&h, 4, &d, &len));

	/* two-byte element running past the block */
	memcpy(pkt, two_byte, sizeof(two_byte));
	pkt[25] = 0x03;
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(two_byte)));
	TEST_EQ(tes_rtp_ext_find(&h, 200, &d, &len), -EBADMSG);
	/* a lone id byte at the end of the block */
	pkt[15] = 0x02;
	pkt[22] = 0x00;
	pkt[23] = 0xc8;
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(two_byte)));
	TEST_EQ(tes_rtp_ext_find(&h, 200, &d, &len), -EBADMSG);

	return 0;
}

TES_TEST(rtp_build_roundtrip)
{
	static const uint8_t ast[3] = {0x01, 0x02, 0x03};
	static const uint8_t tcc[2] = {0x12, 0x34};
	static const uint8_t big[16] = "0123456789abcdef";
	static const uint8_t payload[] = {0x90, 0x80, 0x8f, 0xa1, 0x10};
	const struct tes_rtp_ext_elem ext[] = {
		{.id = 2, .len = 3, .data = ast},
		{.id = 3, .len = 2, .data = tcc},
		{.id = 14, .len = 16, .data = big},
	};
	struct tes_rtp_hdr in = {
		.marker = true,
		.pt = 96,
		.seq = 65000,
		.ts = 0xfedcba98,
		.ssrc = 0x01020304,
		.cc = 2,
		.csrc = {0xaaaaaaaa, 0xbbbbbbbb},
	};
	struct tes_rtp_hdr h;
	uint8_t buf[128];
	const uint8_t *d;
	size_t len;
	int n;

	/* 12 + 8 + 4 + (4 + 3 + 17 = 24) + 5 */
	n = tes_rtp_build(buf, sizeof(buf), &in, ext, 3, payload,
			  sizeof(payload));
	TEST_EQ(n, 53);
	TEST_OK(tes_rtp_parse(&h, buf, (size_t)n));
	TEST_ASSERT(h.marker);
	TEST_ASSERT(h.extension);
	TEST_ASSERT(!h.padding);
	TEST_EQ(h.pt, 96);
	TEST_EQ(h.seq, 65000);
	TEST_EQ(h.ts, 0xfedcba98);
	TEST_EQ(h.ssrc, 0x01020304);
	TEST_EQ(h.cc, 2);
	TEST_EQ(h.csrc[1], 0xbbbbbbbb);
	TEST_EQ(h.ext_profile, TES_RTP_EXT_ONE_BYTE);
	TEST_EQ(h.ext_len, 24);
	TEST_EQ(h.payload_len, sizeof(payload));
	TEST_MEMEQ(h.payload, payload, sizeof(payload));

	TEST_OK(tes_rtp_ext_find(&h, 2, &d, &len));
	TEST_EQ(len, 3);
	TEST_MEMEQ(d, ast, 3);
	TEST_OK(tes_rtp_ext_find(&h, 3, &d, &len));
	TEST_EQ(len, 2);
	TEST_MEMEQ(d, tcc, 2);
	TEST_OK(tes_rtp_ext_find(&h, 14, &d, &len));
	TEST_EQ(len, 16);
	TEST_MEMEQ(d, big, 16);
	TEST_EQ(tes_rtp_ext_find(&h, 1, &d, &len), -ENOENT);

	/* exact fit works, one byte less does not */
	TEST_EQ(tes_rtp_build(buf, 53, &in, ext, 3, payload, 5), 53);
	TEST_EQ(tes_rtp_build(buf, 52, &in, ext, 3, payload, 5), -ENOSPC);

	/* no extensions, no payload: a bare header */
	in.cc = 0;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, NULL, 0, NULL, 0), 12);
	TEST_OK(tes_rtp_parse(&h, buf, 12));
	TEST_ASSERT(!h.extension);
	TEST_EQ(h.payload_len, 0);

	return 0;
}

TES_TEST(rtp_build_bad_ext)
{
	static const uint8_t d[17] = {0};
	struct tes_rtp_ext_elem e = {.id = 1, .len = 1, .data = d};
	struct tes_rtp_hdr in = {.pt = 96};
	uint8_t buf[64];

	memset(buf, 0xff, sizeof(buf));
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, &e, 1, NULL, 0), 20);
	/* one word of extension; the padding after the element is zero */
	TEST_EQ(buf[14], 0);
	TEST_EQ(buf[15], 1);
	TEST_EQ(buf[16], 0x10);
	TEST_EQ(buf[18], 0);
	TEST_EQ(buf[19], 0);
	e.id = 0;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, &e, 1, NULL, 0), -EINVAL);
	e.id = 15;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, &e, 1, NULL, 0), -EINVAL);
	e.id = 14;
	e.len = 0;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, &e, 1, NULL, 0), -EINVAL);
	e.len = 17;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, &e, 1, NULL, 0), -EINVAL);
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, NULL, 1, NULL, 0),
		-EINVAL);
	in.cc = 16;
	TEST_EQ(tes_rtp_build(buf, sizeof(buf), &in, NULL, 0, NULL, 0),
		-EINVAL);
	in.cc = 0;
	TEST_EQ(tes_rtp_build(buf, 11, &in, NULL, 0, NULL, 0), -ENOSPC);

	return 0;
}

TES_TEST(rtp_rewrite_in_place)
{
	uint8_t pkt[sizeof(chrome_vp8)];
	struct tes_rtp_hdr h;

	memcpy(pkt, chrome_vp8, sizeof(pkt));
	tes_rtp_set_ssrc(pkt, 0xdeadbeef);
	tes_rtp_set_seq(pkt, 7);
	tes_rtp_set_ts(pkt, 0x80000001);
	TEST_OK(tes_rtp_parse(&h, pkt, sizeof(pkt)));
	TEST_EQ(h.ssrc, 0xdeadbeef);
	TEST_EQ(h.seq, 7);
	TEST_EQ(h.ts, 0x80000001);
	TEST_ASSERT(h.marker);
	TEST_EQ(h.pt, 96);
	TEST_MEMEQ(pkt + 12, chrome_vp8 + 12, sizeof(pkt) - 12);

	return 0;
}
