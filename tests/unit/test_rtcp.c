/**
 * @file test_rtcp.c  RTCP compound parsing, feedback messages, builders and
 * SSRC rewriting; malformed compounds must fail with -EBADMSG.
 */
#include "rtp/rtp.h"
#include "test.h"

/* SR with one report block + SDES CNAME, as a browser sends them */
static const uint8_t sr_sdes[] = {
	0x81, 0xc8, 0x00, 0x0c,                         /* SR, RC 1 */
	0x1a, 0x2b, 0x3c, 0x4d,                         /* sender */
	0xe8, 0xf1, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7, /* NTP */
	0x00, 0xd2, 0xf0, 0x00,                         /* RTP ts */
	0x00, 0x00, 0x01, 0x23,                         /* packets */
	0x00, 0x01, 0x8a, 0x20,                         /* octets */
	0x55, 0x66, 0x77, 0x88,                         /* block SSRC */
	0x10, 0x00, 0x00, 0x05,                         /* lost */
	0x00, 0x01, 0x02, 0x03,                         /* ext seq */
	0x00, 0x00, 0x00, 0x21,                         /* jitter */
	0xa2, 0xb3, 0xc4, 0xd5,                         /* LSR */
	0x00, 0x01, 0x00, 0x00,                         /* DLSR */
	0x81, 0xca, 0x00, 0x06,                         /* SDES, SC 1 */
	0x1a, 0x2b, 0x3c, 0x4d,
	0x01, 0x10, 'W', 'm', '8', 'g', 'V', 'H', 'v', 'I',
	'b', 's', '3', 'd', 'P', '7', 'q', 'n',
	0x00, 0x00,                                     /* END, pad */
};

static const uint8_t rr2[] = {
	0x82, 0xc9, 0x00, 0x0d, 0x01, 0x01, 0x01, 0x01,
	0x02, 0x02, 0x02, 0x02, 0x00, 0xff, 0xff, 0xfe,
	0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x03, 0x03, 0x03, 0x80, 0x00, 0x00, 0x64,
	0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00,
	0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x08, 0x00,
};

/* One of each packet whose SSRCs tes_rtcp_rewrite_ssrcs() maps. */
static const uint8_t all[] = {
	/* SR, one report block (SSRCs at 4, 28) */
	0x81, 0xc8, 0x00, 0x0c, 0x1a, 0x2b, 0x3c, 0x4d,
	0xe8, 0xf1, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7,
	0x00, 0xd2, 0xf0, 0x00, 0x00, 0x00, 0x01, 0x23,
	0x00, 0x01, 0x8a, 0x20, 0x55, 0x66, 0x77, 0x88,
	0x10, 0x00, 0x00, 0x05, 0x00, 0x01, 0x02, 0x03,
	0x00, 0x00, 0x00, 0x21, 0xa2, 0xb3, 0xc4, 0xd5,
	0x00, 0x01, 0x00, 0x00,
	/* SDES, two chunks (56, 68); the second with CNAME and NAME */
	0x82, 0xca, 0x00, 0x07,
	0x11, 0x11, 0x11, 0x11, 0x01, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x00,
	0x22, 0x22, 0x22, 0x22, 0x01, 0x02, 'x', 'y',
	0x02, 0x03, 'B', 'o', 'b', 0x00, 0x00, 0x00,
	/* PLI (88, 92) */
	0x81, 0xce, 0x00, 0x02, 0x33, 0x33, 0x33, 0x33,
	0x44, 0x44, 0x44, 0x44,
	/* FIR, two entries (100, 104, 108, 116) */
	0x84, 0xce, 0x00, 0x06, 0x33, 0x33, 0x33, 0x33,
	0x00, 0x00, 0x00, 0x00,
	0x55, 0x55, 0x55, 0x55, 0x07, 0x00, 0x00, 0x00,
	0x66, 0x66, 0x66, 0x66, 0x08, 0x00, 0x00, 0x00,
	/* REMB, two SSRCs (128, 132, 144, 148) */
	0x8f, 0xce, 0x00, 0x06, 0x33, 0x33, 0x33, 0x33,
	0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
	0x02, 0x0e, 0xdc, 0x6c, 0x55, 0x55, 0x55, 0x55,
	0x66, 0x66, 0x66, 0x66,
	/* NACK (156, 160) */
	0x81, 0xcd, 0x00, 0x03, 0x33, 0x33, 0x33, 0x33,
	0x55, 0x55, 0x55, 0x55, 0x00, 0x64, 0x00, 0x05,
	/* BYE (172) */
	0x81, 0xcb, 0x00, 0x01, 0x11, 0x11, 0x11, 0x11,
};

static const size_t all_ssrc_off[] = {
	4, 28, 56, 68, 88, 92, 100, 104, 108, 116, 128, 132, 144, 148,
	156, 160, 172,
};

TES_TEST(rtcp_parse_sr_sdes)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	TEST_OK(tes_rtcp_validate(sr_sdes, sizeof(sr_sdes)));
	tes_rtcp_iter_init(&it, sr_sdes, sizeof(sr_sdes));

	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_SR);
	TEST_EQ(pkt.count, 1);
	TEST_EQ(pkt.len, 52);
	TEST_ASSERT(pkt.data == sr_sdes);
	TEST_EQ(pkt.ssrc, 0x1a2b3c4d);
	TEST_ASSERT(pkt.ntp == 0xe8f1a2b3c4d5e6f7ull);
	TEST_EQ(pkt.rtp_ts, 0x00d2f000);
	TEST_EQ(pkt.pkt_count, 0x123);
	TEST_EQ(pkt.octet_count, 0x18a20);
	TEST_EQ(pkt.n_rb, 1);
	TEST_EQ(pkt.rb[0].ssrc, 0x55667788);
	TEST_EQ(pkt.rb[0].fraction_lost, 0x10);
	TEST_EQ(pkt.rb[0].cum_lost, 5);
	TEST_EQ(pkt.rb[0].ext_seq, 0x10203);
	TEST_EQ(pkt.rb[0].jitter, 0x21);
	TEST_EQ(pkt.rb[0].lsr, 0xa2b3c4d5);
	TEST_EQ(pkt.rb[0].dlsr, 0x10000);

	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_SDES);
	TEST_EQ(pkt.count, 1);
	TEST_EQ(pkt.len, 28);
	TEST_ASSERT(pkt.data == sr_sdes + 52);

	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);
	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);

	return 0;
}

TES_TEST(rtcp_parse_rr)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	tes_rtcp_iter_init(&it, rr2, sizeof(rr2));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_RR);
	TEST_EQ(pkt.ssrc, 0x01010101);
	TEST_EQ(pkt.n_rb, 2);
	TEST_EQ(pkt.rb[0].ssrc, 0x02020202);
	TEST_EQ(pkt.rb[0].fraction_lost, 0);
	TEST_EQ(pkt.rb[0].cum_lost, -2);
	TEST_EQ(pkt.rb[0].ext_seq, 0xffff);
	TEST_EQ(pkt.rb[0].jitter, 0x10);
	TEST_EQ(pkt.rb[1].ssrc, 0x03030303);
	TEST_EQ(pkt.rb[1].fraction_lost, 0x80);
	TEST_EQ(pkt.rb[1].cum_lost, 100);
	TEST_EQ(pkt.rb[1].ext_seq, 0x20001);
	TEST_EQ(pkt.rb[1].jitter, 0x200);
	TEST_EQ(pkt.rb[1].lsr, 0x12345678);
	TEST_EQ(pkt.rb[1].dlsr, 0x800);
	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);

	return 0;
}

TES_TEST(rtcp_build_sr_rr)
{
	struct tes_rtcp_rb rb[2] = {
		{.ssrc = 0x02020202, .cum_lost = -2, .ext_seq = 0xffff,
		 .jitter = 0x10},
		{.ssrc = 0x03030303, .fraction_lost = 0x80, .cum_lost = 100,
		 .ext_seq = 0x20001, .jitter = 0x200, .lsr = 0x12345678,
		 .dlsr = 0x800},
	};
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[64];

	TEST_EQ(tes_rtcp_build_rr(buf, sizeof(buf), 0x01010101, rb, 2), 56);
	TEST_MEMEQ(buf, rr2, sizeof(rr2));
	TEST_EQ(tes_rtcp_build_rr(buf, 55, 0x01010101, rb, 2), -ENOSPC);

	/* cumulative loss beyond 24 bits saturates */
	rb[0].cum_lost = -10000000;
	rb[1].cum_lost = 10000000;
	TEST_EQ(tes_rtcp_build_rr(buf, sizeof(buf), 1, rb, 2), 56);
	tes_rtcp_iter_init(&it, buf, 56);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.rb[0].cum_lost, -0x800000);
	TEST_EQ(pkt.rb[1].cum_lost, 0x7fffff);

	TEST_EQ(tes_rtcp_build_rr(buf, sizeof(buf), 7, NULL, 0), 8);
	TEST_OK(tes_rtcp_validate(buf, 8));

	TEST_EQ(tes_rtcp_build_sr(buf, sizeof(buf), 0x1a2b3c4d,
				  0xe8f1a2b3c4d5e6f7ull, 0xd2f000, 0x123,
				  0x18a20),
		28);
	TEST_MEMEQ(buf + 4, sr_sdes + 4, 24);
	TEST_EQ(buf[0], 0x80);
	TEST_EQ(buf[1], 200);
	TEST_EQ(tes_rd16(buf + 2), 6);
	tes_rtcp_iter_init(&it, buf, 28);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.n_rb, 0);
	TEST_ASSERT(pkt.ntp == 0xe8f1a2b3c4d5e6f7ull);
	TEST_EQ(tes_rtcp_build_sr(buf, 27, 1, 2, 3, 4, 5), -ENOSPC);

	return 0;
}

TES_TEST(rtcp_build_sdes_bye)
{
	static const char cname[] = "Wm8gVHvIbs3dP7qn";
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[64];
	int n;

	memset(buf, 0xff, sizeof(buf));
	n = tes_rtcp_build_sdes_cname(buf, sizeof(buf), 0x1a2b3c4d, cname);
	TEST_EQ(n, 28);
	TEST_MEMEQ(buf, sr_sdes + 52, 28);
	TEST_EQ(tes_rtcp_build_sdes_cname(buf, 27, 1, cname), -ENOSPC);

	/* 4 + 2 + 2 + END = 9, padded to 12 */
	n = tes_rtcp_build_sdes_cname(buf, sizeof(buf), 9, "ab");
	TEST_EQ(n, 16);
	TEST_EQ(buf[13], 0);
	TEST_EQ(buf[14], 0);
	TEST_EQ(buf[15], 0);
	TEST_OK(tes_rtcp_validate(buf, 16));

	/* an empty CNAME still ends with END and padding */
	TEST_EQ(tes_rtcp_build_sdes_cname(buf, sizeof(buf), 9, ""), 12);
	TEST_OK(tes_rtcp_validate(buf, 12));

	TEST_EQ(tes_rtcp_build_bye(buf, sizeof(buf), 0xabcdef01), 8);
	tes_rtcp_iter_init(&it, buf, 8);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_BYE);
	TEST_EQ(pkt.count, 1);
	TEST_EQ(pkt.ssrc, 0xabcdef01);
	TEST_EQ(tes_rtcp_build_bye(buf, 7, 1), -ENOSPC);

	return 0;
}

TES_TEST(rtcp_parse_bye_reason)
{
	static const uint8_t bye[] = {
		0x82, 0xcb, 0x00, 0x04, 0x11, 0x11, 0x11, 0x11,
		0x22, 0x22, 0x22, 0x22, 0x04, 'g', 'o', 'n',
		'e', 0x00, 0x00, 0x00,
	};
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t bad[sizeof(bye)];

	tes_rtcp_iter_init(&it, bye, sizeof(bye));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.count, 2);
	TEST_EQ(pkt.ssrc, 0x11111111);

	/* more SSRCs than the packet holds */
	memcpy(bad, bye, sizeof(bye));
	bad[0] = 0x86;
	TEST_EQ(tes_rtcp_validate(bad, sizeof(bad)), -EBADMSG);

	return 0;
}

TES_TEST(rtcp_nack)
{
	static const uint8_t nack[] = {
		0x81, 0xcd, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x64, 0x00, 0x05,
		0x00, 0xc8, 0x80, 0x00,
	};
	const struct tes_rtcp_nack in[2] = {{100, 0x0005}, {200, 0x8000}};
	struct tes_rtcp_nack out[4];
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[32];

	tes_rtcp_iter_init(&it, nack, sizeof(nack));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_RTPFB);
	TEST_EQ(pkt.count, TES_RTCP_FMT_NACK);
	TEST_EQ(pkt.ssrc, 1);
	TEST_EQ(pkt.media_ssrc, 0x12345678);
	TEST_EQ(pkt.fci_len, 8);
	TEST_ASSERT(pkt.fci == nack + 12);
	TEST_EQ(tes_rtcp_nack_entries(&pkt, out, 4), 2);
	TEST_EQ(out[0].pid, 100);
	TEST_EQ(out[0].blp, 5);
	TEST_EQ(out[1].pid, 200);
	TEST_EQ(out[1].blp, 0x8000);
	TEST_EQ(tes_rtcp_nack_entries(&pkt, out, 1), 1);
	pkt.fci_len = 6;
	TEST_EQ(tes_rtcp_nack_entries(&pkt, out, 4), -EBADMSG);

	TEST_EQ(tes_rtcp_build_nack(buf, sizeof(buf), 1, 0x12345678, in, 2),
		20);
	TEST_MEMEQ(buf, nack, sizeof(nack));
	TEST_EQ(tes_rtcp_build_nack(buf, 19, 1, 2, in, 2), -ENOSPC);

	return 0;
}

TES_TEST(rtcp_pli_fir)
{
	static const uint8_t pli[] = {
		0x81, 0xce, 0x00, 0x02, 0xaa, 0xaa, 0xaa, 0xaa,
		0xbb, 0xbb, 0xbb, 0xbb,
	};
	static const uint8_t fir[] = {
		0x84, 0xce, 0x00, 0x04, 0xaa, 0xaa, 0xaa, 0xaa,
		0x00, 0x00, 0x00, 0x00, 0xbb, 0xbb, 0xbb, 0xbb,
		0x2a, 0x00, 0x00, 0x00,
	};
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[32];

	TEST_EQ(tes_rtcp_build_pli(buf, sizeof(buf), 0xaaaaaaaa, 0xbbbbbbbb),
		12);
	TEST_MEMEQ(buf, pli, sizeof(pli));
	TEST_EQ(tes_rtcp_build_pli(buf, 11, 1, 2), -ENOSPC);
	tes_rtcp_iter_init(&it, pli, sizeof(pli));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_PSFB);
	TEST_EQ(pkt.count, TES_RTCP_FMT_PLI);
	TEST_EQ(pkt.ssrc, 0xaaaaaaaa);
	TEST_EQ(pkt.media_ssrc, 0xbbbbbbbb);
	TEST_EQ(pkt.fci_len, 0);
	TEST_ASSERT(!pkt.is_remb);

	TEST_EQ(tes_rtcp_build_fir(buf, sizeof(buf), 0xaaaaaaaa, 0xbbbbbbbb,
				   42),
		20);
	TEST_MEMEQ(buf, fir, sizeof(fir));
	TEST_EQ(tes_rtcp_build_fir(buf, 19, 1, 2, 3), -ENOSPC);
	tes_rtcp_iter_init(&it, fir, sizeof(fir));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.count, TES_RTCP_FMT_FIR);
	TEST_EQ(pkt.media_ssrc, 0);
	TEST_EQ(pkt.fci_len, 8);
	TEST_EQ(tes_rd32(pkt.fci), 0xbbbbbbbb);
	TEST_EQ(pkt.fci[4], 42);

	/* FIR entries are 8 bytes: 4 left over is malformed */
	memcpy(buf, fir, sizeof(fir));
	buf[3] = 0x05;
	tes_wr32(buf + 20, 0);
	TEST_EQ(tes_rtcp_validate(buf, 24), -EBADMSG);

	return 0;
}

static int remb_roundtrip(uint64_t rate, uint64_t expect)
{
	const uint32_t ssrcs[2] = {0x01020304, 0x05060708};
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[64];
	int n;

	n = tes_rtcp_build_remb(buf, sizeof(buf), 0xaaaaaaaa, rate, ssrcs,
				2);
	TEST_EQ(n, 28);
	tes_rtcp_iter_init(&it, buf, (size_t)n);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_ASSERT(pkt.is_remb);
	TEST_EQ(pkt.count, TES_RTCP_FMT_AFB);
	TEST_EQ(pkt.ssrc, 0xaaaaaaaa);
	TEST_EQ(pkt.media_ssrc, 0);
	TEST_ASSERT(pkt.remb_bitrate == expect);
	TEST_EQ(pkt.n_remb_ssrc, 2);
	TEST_EQ(pkt.remb_ssrc[0], 0x01020304);
	TEST_EQ(pkt.remb_ssrc[1], 0x05060708);

	return 0;
}

TES_TEST(rtcp_remb)
{
	static const uint8_t remb[] = {
		0x8f, 0xce, 0x00, 0x05, 0xaa, 0xaa, 0xaa, 0xaa,
		0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
		0x01, 0x0e, 0xdc, 0x6c, 0x01, 0x02, 0x03, 0x04,
	};
	const uint32_t ssrc = 0x01020304;
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[64];

	/* 1.5 Mbit/s = 187500 << 3 */
	TEST_EQ(tes_rtcp_build_remb(buf, sizeof(buf), 0xaaaaaaaa, 1500000,
				    &ssrc, 1),
		24);
	TEST_MEMEQ(buf, remb, sizeof(remb));
	TEST_EQ(tes_rtcp_build_remb(buf, 23, 1, 1500000, &ssrc, 1), -ENOSPC);
	tes_rtcp_iter_init(&it, remb, sizeof(remb));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_ASSERT(pkt.is_remb);
	TEST_EQ(pkt.remb_bitrate, 1500000);

	if (remb_roundtrip(1500000, 1500000))
		return 1;
	/* fits the 18-bit mantissa: exponent 0 */
	if (remb_roundtrip(262143, 262143))
		return 1;
	if (remb_roundtrip(262144, 262144))
		return 1;
	/* 10 Gbit/s needs exponent 16 and loses the low bits */
	if (remb_roundtrip(10000000000ull, 10000000000ull >> 16 << 16))
		return 1;
	if (remb_roundtrip(UINT64_MAX, (uint64_t)0x3ffff << 46))
		return 1;
	if (remb_roundtrip(0, 0))
		return 1;

	/* exponent 63 with a large mantissa saturates */
	memcpy(buf, remb, sizeof(remb));
	buf[17] = 0xff;
	tes_rtcp_iter_init(&it, buf, sizeof(remb));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_ASSERT(pkt.remb_bitrate == UINT64_MAX);

	/* more SSRCs than the packet holds */
	buf[16] = 2;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(remb)), -EBADMSG);

	/* an AFB that is not REMB is kept as a plain PSFB */
	memcpy(buf, remb, sizeof(remb));
	buf[12] = 'X';
	tes_rtcp_iter_init(&it, buf, sizeof(remb));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_ASSERT(!pkt.is_remb);
	TEST_EQ(pkt.fci_len, 12);

	return 0;
}

static uint32_t xor_map(uint32_t ssrc, void *arg)
{
	unsigned *calls = arg;

	(*calls)++;
	return ssrc ^ 0xa5a5a5a5;
}

TES_TEST(rtcp_rewrite_ssrcs)
{
	uint8_t buf[sizeof(all)];
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	unsigned calls = 0;
	size_t diff = 0;

	TEST_EQ(sizeof(all), 176);
	TEST_OK(tes_rtcp_validate(all, sizeof(all)));
	memcpy(buf, all, sizeof(all));
	TEST_OK(tes_rtcp_rewrite_ssrcs(buf, sizeof(buf), xor_map, &calls));
	TEST_EQ(calls, TES_ARRAY_SIZE(all_ssrc_off));

	/* each SSRC field mapped, and nothing else touched */
	for (size_t i = 0; i < TES_ARRAY_SIZE(all_ssrc_off); i++) {
		size_t o = all_ssrc_off[i];

		TEST_EQ(tes_rd32(buf + o), tes_rd32(all + o) ^ 0xa5a5a5a5);
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		diff += buf[i] != all[i];
	TEST_EQ(diff, 4 * TES_ARRAY_SIZE(all_ssrc_off));

	/* and the parser sees the new values */
	tes_rtcp_iter_init(&it, buf, sizeof(buf));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.ssrc, 0x1a2b3c4d ^ 0xa5a5a5a5);
	TEST_EQ(pkt.rb[0].ssrc, 0x55667788 ^ 0xa5a5a5a5);
	TEST_EQ(pkt.ntp >> 32, 0xe8f1a2b3);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_SDES);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.ssrc, 0x33333333 ^ 0xa5a5a5a5);
	TEST_EQ(pkt.media_ssrc, 0x44444444 ^ 0xa5a5a5a5);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.count, TES_RTCP_FMT_FIR);
	TEST_EQ(tes_rd32(pkt.fci + 8), 0x66666666 ^ 0xa5a5a5a5);
	TEST_EQ(pkt.fci[12], 8);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_ASSERT(pkt.is_remb);
	TEST_EQ(pkt.remb_bitrate, 1500000);
	TEST_EQ(pkt.remb_ssrc[0], 0x55555555 ^ 0xa5a5a5a5);
	TEST_EQ(pkt.remb_ssrc[1], 0x66666666 ^ 0xa5a5a5a5);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.media_ssrc, 0x55555555 ^ 0xa5a5a5a5);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_BYE);
	TEST_EQ(pkt.ssrc, 0x11111111 ^ 0xa5a5a5a5);
	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);

	return 0;
}

TES_TEST(rtcp_rewrite_malformed_untouched)
{
	uint8_t buf[sizeof(all)];
	unsigned calls = 0;

	/* SDES item running past its packet: nothing may be written */
	memcpy(buf, all, sizeof(all));
	buf[77] = 0x10;
	TEST_EQ(tes_rtcp_rewrite_ssrcs(buf, sizeof(buf), xor_map, &calls),
		-EBADMSG);
	TEST_EQ(calls, 0);
	buf[77] = all[77];
	TEST_MEMEQ(buf, all, sizeof(all));

	/* cut short in the last packet */
	TEST_EQ(tes_rtcp_rewrite_ssrcs(buf, sizeof(buf) - 4, xor_map, &calls),
		-EBADMSG);
	TEST_EQ(calls, 0);
	TEST_MEMEQ(buf, all, sizeof(all));

	return 0;
}

TES_TEST(rtcp_malformed)
{
	uint8_t buf[sizeof(all) + 8];
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	TEST_EQ(tes_rtcp_validate(all, 0), -EBADMSG);
	TEST_EQ(tes_rtcp_validate(all, 3), -EBADMSG);

	/* truncated: the length says more than there is */
	TEST_EQ(tes_rtcp_validate(sr_sdes, sizeof(sr_sdes) - 1), -EBADMSG);
	TEST_EQ(tes_rtcp_validate(sr_sdes, 51), -EBADMSG);
	TEST_EQ(tes_rtcp_validate(sr_sdes, 54), -EBADMSG);

	/* overlong length field */
	memcpy(buf, sr_sdes, sizeof(sr_sdes));
	buf[3] = 0x0d;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(sr_sdes)), -EBADMSG);
	buf[2] = 0xff;
	buf[3] = 0xff;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(sr_sdes)), -EBADMSG);

	/* version 1 */
	memcpy(buf, sr_sdes, sizeof(sr_sdes));
	buf[52] = 0x41;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(sr_sdes)), -EBADMSG);
	tes_rtcp_iter_init(&it, buf, sizeof(sr_sdes));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(tes_rtcp_next(&it, &pkt), -EBADMSG);
	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);

	/* SR whose RC does not fit its length */
	memcpy(buf, sr_sdes, sizeof(sr_sdes));
	buf[0] = 0x82;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(sr_sdes)), -EBADMSG);
	/* SR too short for the sender info */
	memcpy(buf, rr2, 8);
	buf[0] = 0x80;
	buf[1] = TES_RTCP_SR;
	buf[3] = 0x01;
	TEST_EQ(tes_rtcp_validate(buf, 8), -EBADMSG);
	/* RR without its SSRC */
	buf[1] = TES_RTCP_RR;
	buf[3] = 0x00;
	TEST_EQ(tes_rtcp_validate(buf, 4), -EBADMSG);
	/* feedback without media SSRC */
	buf[1] = TES_RTCP_PSFB;
	buf[3] = 0x01;
	TEST_EQ(tes_rtcp_validate(buf, 8), -EBADMSG);

	return 0;
}

TES_TEST(rtcp_padding)
{
	uint8_t buf[sizeof(sr_sdes) + 4];
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	/* padding on the last packet is fine */
	memcpy(buf, sr_sdes, sizeof(sr_sdes));
	buf[52] = 0xa1;
	buf[55] = 0x07;
	memcpy(buf + sizeof(sr_sdes), "\0\0\0\4", 4);
	TEST_OK(tes_rtcp_validate(buf, sizeof(buf)));
	tes_rtcp_iter_init(&it, buf, sizeof(buf));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.len, 32);

	/* count 0 or larger than the body */
	buf[sizeof(buf) - 1] = 0;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(buf)), -EBADMSG);
	buf[sizeof(buf) - 1] = 29;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(buf)), -EBADMSG);
	/* padding eating into the SDES chunk */
	buf[sizeof(buf) - 1] = 8;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(buf)), -EBADMSG);

	/* padding on a packet that is not the last */
	memcpy(buf, sr_sdes, sizeof(sr_sdes));
	buf[0] = 0xa1;
	TEST_EQ(tes_rtcp_validate(buf, sizeof(sr_sdes)), -EBADMSG);

	return 0;
}

TES_TEST(rtcp_unknown_type)
{
	static const uint8_t app_xr[] = {
		0x81, 0xcc, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04,
		'n', 'a', 'm', 'e',
		0x80, 0xcf, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
	};
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t buf[sizeof(app_xr)];
	unsigned calls = 0;

	tes_rtcp_iter_init(&it, app_xr, sizeof(app_xr));
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_APP);
	TEST_EQ(pkt.count, 1);
	TEST_EQ(pkt.len, 12);
	TEST_EQ(pkt.ssrc, 0);
	TEST_OK(tes_rtcp_next(&it, &pkt));
	TEST_EQ(pkt.pt, TES_RTCP_XR);
	TEST_ASSERT(pkt.data == app_xr + 12);
	TEST_EQ(tes_rtcp_next(&it, &pkt), -ENOENT);

	memcpy(buf, app_xr, sizeof(buf));
	TEST_OK(tes_rtcp_rewrite_ssrcs(buf, sizeof(buf), xor_map, &calls));
	TEST_EQ(calls, 0);
	TEST_MEMEQ(buf, app_xr, sizeof(buf));

	return 0;
}
