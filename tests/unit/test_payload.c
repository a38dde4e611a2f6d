/**
 * @file test_payload.c  RTP payload formats: VP8 descriptor vectors built
 * from the RFC 7741 figures, keyframe size, H.264 single NAL / STAP-A /
 * FU-A (RFC 6184), packetize -> ingress -> identical bytes, Opus and the
 * RFC 6464 audio level.
 */
#include <stdlib.h>

#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "test.h"

enum { MAX_PKTS = 64 };

/* ---- VP8 descriptor ---- */

/* RFC 7741 4.2: all optional fields (X; I with M, L, T, K) */
static const uint8_t vp8_full[] = {
	0x90,       /* X=1 N=0 S=1 PID=0 */
	0xf0,       /* I L T K */
	0x92, 0x34, /* M=1, PictureID 0x1234 */
	0x56,       /* TL0PICIDX */
	0xa5,       /* TID=2 Y=1 KEYIDX=5 */
	0x31, 0x00, 0x00, /* VP8 payload: P=1, an interframe */
};

TES_TEST(payload_vp8_desc_full)
{
	struct tes_vp8_desc d;

	TEST_OK(tes_vp8_parse_desc(&d, vp8_full, sizeof(vp8_full)));
	TEST_ASSERT(d.x && d.s && !d.n);
	TEST_EQ(d.pid, 0);
	TEST_ASSERT(d.has_picture_id && d.picture_id_long);
	TEST_EQ(d.picture_id, 0x1234);
	TEST_ASSERT(d.has_tl0picidx);
	TEST_EQ(d.tl0picidx, 0x56);
	TEST_ASSERT(d.has_tid && d.has_keyidx && d.y);
	TEST_EQ(d.tid, 2);
	TEST_EQ(d.keyidx, 5);
	TEST_EQ(d.hdr_len, 6);
	TEST_ASSERT(d.start);
	TEST_ASSERT(!d.keyframe);
	TEST_EQ(d.width, 0);

	return 0;
}

TES_TEST(payload_vp8_desc_minimal)
{
	/* no X: one byte; N=1, S=0, PID=3: a later partition */
	static const uint8_t p[] = {0x23, 0xaa};
	static const uint8_t key[] = {0x10, 0x00, 0x01, 0x02};
	struct tes_vp8_desc d;

	TEST_OK(tes_vp8_parse_desc(&d, p, sizeof(p)));
	TEST_ASSERT(!d.x && d.n && !d.s);
	TEST_EQ(d.pid, 3);
	TEST_EQ(d.hdr_len, 1);
	TEST_ASSERT(!d.start && !d.keyframe && !d.has_picture_id);

	/* S=1 PID=0, P=0: a keyframe too short for its size */
	TEST_OK(tes_vp8_parse_desc(&d, key, sizeof(key)));
	TEST_ASSERT(d.start && d.keyframe);
	TEST_EQ(d.width, 0);
	TEST_EQ(d.height, 0);

	return 0;
}

TES_TEST(payload_vp8_desc_picture_id)
{
	/* 7-bit PictureID */
	static const uint8_t p7[] = {0x90, 0x80, 0x15, 0x01};
	/* 15-bit PictureID 0x7fff, S=1 but PID=1: not a frame start */
	static const uint8_t p15[] = {0x91, 0x80, 0xff, 0xff, 0x00};
	/* only K: TID not valid, KEYIDX 31 */
	static const uint8_t pk[] = {0x80, 0x10, 0x1f, 0x00};
	/* only L and T */
	static const uint8_t plt[] = {0x80, 0x60, 0x07, 0x40, 0x00};
	struct tes_vp8_desc d;

	TEST_OK(tes_vp8_parse_desc(&d, p7, sizeof(p7)));
	TEST_ASSERT(d.has_picture_id && !d.picture_id_long);
	TEST_EQ(d.picture_id, 0x15);
	TEST_EQ(d.hdr_len, 3);

	TEST_OK(tes_vp8_parse_desc(&d, p15, sizeof(p15)));
	TEST_ASSERT(d.picture_id_long && d.s && !d.start);
	TEST_EQ(d.pid, 1);
	TEST_EQ(d.picture_id, 0x7fff);
	TEST_EQ(d.hdr_len, 4);

	TEST_OK(tes_vp8_parse_desc(&d, pk, sizeof(pk)));
	TEST_ASSERT(!d.has_picture_id && !d.has_tid && d.has_keyidx);
	TEST_EQ(d.keyidx, 31);
	TEST_EQ(d.tid, 0);
	TEST_EQ(d.hdr_len, 3);

	TEST_OK(tes_vp8_parse_desc(&d, plt, sizeof(plt)));
	TEST_ASSERT(d.has_tl0picidx && d.has_tid && !d.has_keyidx);
	TEST_EQ(d.tl0picidx, 7);
	TEST_EQ(d.tid, 1);
	TEST_ASSERT(!d.y);
	TEST_EQ(d.hdr_len, 4);

	return 0;
}

TES_TEST(payload_vp8_desc_truncated)
{
	struct tes_vp8_desc d;

	/* every prefix that ends inside the descriptor or right after it */
	for (size_t n = 0; n <= 6; n++)
		TEST_EQ(tes_vp8_parse_desc(&d, vp8_full, n), -EBADMSG);
	TEST_OK(tes_vp8_parse_desc(&d, vp8_full, 7));
	TEST_EQ(tes_vp8_parse_desc(&d, vp8_full, 0), -EBADMSG);
	TEST_EQ(tes_vp8_parse_desc(NULL, vp8_full, 7), -EINVAL);

	return 0;
}

TES_TEST(payload_vp8_keyframe_size)
{
	/* Chrome: X S, I, 15-bit PictureID; keyframe 640x480 */
	static const uint8_t p[] = {
		0x90, 0x80, 0x8f, 0xa1,
		0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
	};
	/* scale bits set (they are not part of the size) */
	static const uint8_t scaled[] = {
		0x10, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a,
		0x00, 0x45, 0xd0, 0x82,
	};
	/* bad start code: a keyframe, size unknown */
	static const uint8_t bad[] = {
		0x10, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2b,
		0x00, 0x05, 0xd0, 0x02,
	};
	struct tes_vp8_desc d;

	TEST_OK(tes_vp8_parse_desc(&d, p, sizeof(p)));
	TEST_ASSERT(d.start && d.keyframe);
	TEST_EQ(d.picture_id, 0x0fa1);
	TEST_EQ(d.width, 640);
	TEST_EQ(d.height, 480);

	TEST_OK(tes_vp8_parse_desc(&d, scaled, sizeof(scaled)));
	TEST_ASSERT(d.keyframe);
	TEST_EQ(d.width, 1280);
	TEST_EQ(d.height, 720);

	TEST_OK(tes_vp8_parse_desc(&d, bad, sizeof(bad)));
	TEST_ASSERT(d.keyframe);
	TEST_EQ(d.width, 0);

	/* one byte short of the keyframe header */
	TEST_OK(tes_vp8_parse_desc(&d, p, sizeof(p) - 1));
	TEST_ASSERT(d.keyframe);
	TEST_EQ(d.width, 0);

	return 0;
}

/* ---- packetize -> ingress round trips ---- */

struct rt {
	struct tes_ingress *in;
	uint16_t seq;
	uint32_t ts;
	uint64_t now;
	size_t n_pkts;
	size_t lens[MAX_PKTS];
	bool markers[MAX_PKTS];
	uint8_t first[MAX_PKTS][2];
	struct tes_ingress_au *au;
	unsigned n_au;
};

static int rt_pkt(const uint8_t *payload, size_t len, bool marker, void *arg)
{
	struct rt *rt = arg;
	struct tes_rtp_hdr h;

	if (rt->n_pkts == MAX_PKTS)
		return -ENOSPC;
	rt->lens[rt->n_pkts] = len;
	rt->markers[rt->n_pkts] = marker;
	rt->first[rt->n_pkts][0] = payload[0];
	rt->first[rt->n_pkts][1] = len > 1 ? payload[1] : 0;
	rt->n_pkts++;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.seq = rt->seq++;
	h.ts = rt->ts;
	h.marker = marker;
	h.payload = payload;
	h.payload_len = len;
	/* the payload buffer is reused after this: the ingress copies */
	tes_ingress_push(rt->in, &h, rt->now);
	rt->now += 1000;

	return 0;
}

static void rt_au(struct tes_ingress_au *au, void *arg)
{
	struct rt *rt = arg;

	rt->n_au++;
	tes_deref(rt->au);
	rt->au = au;
}

static int rt_init(struct rt *rt, enum tes_ingress_codec codec)
{
	struct tes_ingress_cfg cfg = {
		.codec = codec, .au_h = rt_au, .arg = rt,
	};

	memset(rt, 0, sizeof(*rt));
	rt->seq = 65530;  /* wraps inside the frame */
	rt->ts = 3000;
	rt->now = 1000000;

	return tes_ingress_alloc(&rt->in, &cfg);
}

TES_TEST(payload_vp8_roundtrip)
{
	enum { LEN = 5000 };
	uint8_t *frame = malloc(LEN);
	struct rt rt;
	int err = 1;

	TEST_ASSERT(frame);
	for (size_t i = 0; i < LEN; i++)
		frame[i] = (uint8_t)(i * 7 + 3);
	/* keyframe tag, start code, 320x240 */
	memcpy(frame, "\x50\x02\x00\x9d\x01\x2a\x40\x01\xf0\x00", 10);

	if (rt_init(&rt, TES_INGRESS_VP8))
		goto out;
	if (tes_vp8_packetize(frame, LEN, 1200, 0x1234, rt_pkt, &rt))
		goto out;

	/* 5 packets of 1000 bytes each, not 4 full ones and a stub */
	if (rt.n_pkts != 5)
		goto out;
	for (size_t i = 0; i < rt.n_pkts; i++) {
		if (rt.lens[i] != 1004 || rt.markers[i] != (i == 4) ||
		    rt.first[i][0] != (i ? 0x80 : 0x90) ||
		    rt.first[i][1] != 0x80)
			goto out;
	}
	if (rt.n_au != 1 || !rt.au || rt.au->len != LEN ||
	    memcmp(rt.au->data, frame, LEN) || !rt.au->keyframe ||
	    rt.au->width != 320 || rt.au->height != 240 ||
	    rt.au->first_seq != 65530 || rt.au->last_seq != 65534 ||
	    rt.au->ts != 3000)
		goto out;
	err = 0;
out:
	tes_deref(rt.au);
	tes_deref(rt.in);
	free(frame);
	TEST_EQ(err, 0);

	return 0;
}

TES_TEST(payload_vp8_packetize_sizes)
{
	static const uint8_t frame[3000];
	struct rt rt;

	TEST_OK(rt_init(&rt, TES_INGRESS_VP8));
	/* max_payload is clamped to 1500: three packets of 1000 bytes */
	TEST_OK(tes_vp8_packetize(frame, 3000, 1200 * 2, 1, rt_pkt, &rt));
	TEST_EQ(rt.n_pkts, 3);
	for (size_t i = 0; i < 3; i++)
		TEST_EQ(rt.lens[i], 1004);
	/* 1001 bytes fit in one; 1197 go as 599 + 598, not 1196 + 1 */
	rt.n_pkts = 0;
	TEST_OK(tes_vp8_packetize(frame, 1001, 1200, 1, rt_pkt, &rt));
	TEST_EQ(rt.n_pkts, 1);
	TEST_OK(tes_vp8_packetize(frame, 1197, 1200, 1, rt_pkt, &rt));
	TEST_EQ(rt.n_pkts, 3);
	TEST_EQ(rt.lens[1], 603);
	TEST_EQ(rt.lens[2], 602);
	rt.n_pkts = 0;
	TEST_OK(tes_vp8_packetize(frame, 1, 5, 1, rt_pkt, &rt));
	TEST_EQ(rt.n_pkts, 1);
	TEST_EQ(tes_vp8_packetize(frame, 1, 4, 1, rt_pkt, &rt), -EINVAL);
	TEST_EQ(tes_vp8_packetize(frame, 0, 1200, 1, rt_pkt, &rt), -EINVAL);
	tes_deref(rt.au);
	tes_deref(rt.in);

	return 0;
}

/* ---- H.264 ---- */

TES_TEST(payload_h264_single_nal)
{
	static const uint8_t idr[] = {0x65, 0x88, 0x84, 0x00, 0x33};
	static const uint8_t exp[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00,
				      0x33};
	struct tes_h264_pkt pk;
	uint8_t out[sizeof(exp)];

	TEST_OK(tes_h264_parse(&pk, idr, sizeof(idr)));
	TEST_EQ(pk.type, 5);
	TEST_EQ(pk.nal_type, 5);
	TEST_ASSERT(pk.idr && pk.nal_start && !pk.sps && !pk.pps);
	TEST_EQ(pk.annexb_len, sizeof(exp));
	TEST_EQ(tes_h264_annexb(&pk, out), sizeof(exp));
	TEST_MEMEQ(out, exp, sizeof(exp));

	return 0;
}

/* STAP-A (NRI 3) with SPS (4 bytes) and PPS (2 bytes) */
static const uint8_t stap[] = {
	0x78, 0x00, 0x04, 0x67, 0x42, 0x00, 0x1f, 0x00, 0x02, 0x68, 0xce,
};
static const uint8_t stap_annexb[] = {
	0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1f, 0, 0, 0, 1, 0x68, 0xce,
};

TES_TEST(payload_h264_stap_a)
{
	const uint8_t *p = stap, *exp = stap_annexb;
	struct tes_h264_pkt pk;
	uint8_t out[sizeof(stap_annexb)], bad[sizeof(stap) + 1];

	TEST_OK(tes_h264_parse(&pk, p, sizeof(stap)));
	TEST_EQ(pk.type, TES_H264_STAP_A);
	TEST_EQ(pk.nal_type, 7);
	TEST_ASSERT(pk.sps && pk.pps && !pk.idr && pk.nal_start);
	TEST_EQ(pk.annexb_len, sizeof(stap_annexb));
	TEST_EQ(tes_h264_annexb(&pk, out), sizeof(stap_annexb));
	TEST_MEMEQ(out, exp, sizeof(stap_annexb));

	/* second length runs past the end */
	memcpy(bad, p, sizeof(stap));
	bad[8] = 3;
	TEST_EQ(tes_h264_parse(&pk, bad, sizeof(stap)), -EBADMSG);
	/* one stray byte after the last unit */
	memcpy(bad, p, sizeof(stap));
	bad[sizeof(stap)] = 0;
	TEST_EQ(tes_h264_parse(&pk, bad, sizeof(stap) + 1), -EBADMSG);
	/* zero-length unit */
	bad[7] = 0;
	bad[8] = 0;
	TEST_EQ(tes_h264_parse(&pk, bad, 9), -EBADMSG);
	/* nested aggregation */
	memcpy(bad, p, sizeof(stap));
	bad[3] = 0x78;
	TEST_EQ(tes_h264_parse(&pk, bad, sizeof(stap)), -EBADMSG);
	/* header only */
	TEST_EQ(tes_h264_parse(&pk, p, 1), -EBADMSG);

	return 0;
}

TES_TEST(payload_h264_rejects)
{
	static const uint8_t stap_b[] = {0x79, 0, 0, 0, 1, 0x65};
	static const uint8_t mtap16[] = {0x7a, 0, 0, 0, 1, 0x65};
	static const uint8_t mtap24[] = {0x7b, 0, 0, 0, 1, 0x65};
	static const uint8_t fu_b[] = {0x7d, 0x85, 0, 0, 0xaa};
	static const uint8_t reserved[] = {0x7e, 0x00};
	static const uint8_t f_bit[] = {0xe5, 0x00};
	static const uint8_t fu_short[] = {0x7c, 0x85};
	static const uint8_t fu_nested[] = {0x7c, 0x9c, 0x00};
	struct tes_h264_pkt pk;

	TEST_EQ(tes_h264_parse(&pk, stap_b, sizeof(stap_b)), -ENOTSUP);
	TEST_EQ(tes_h264_parse(&pk, mtap16, sizeof(mtap16)), -ENOTSUP);
	TEST_EQ(tes_h264_parse(&pk, mtap24, sizeof(mtap24)), -ENOTSUP);
	TEST_EQ(tes_h264_parse(&pk, fu_b, sizeof(fu_b)), -ENOTSUP);
	TEST_EQ(tes_h264_parse(&pk, reserved, sizeof(reserved)), -ENOTSUP);
	TEST_EQ(tes_h264_parse(&pk, f_bit, sizeof(f_bit)), -EBADMSG);
	TEST_EQ(tes_h264_parse(&pk, fu_short, sizeof(fu_short)), -EBADMSG);
	TEST_EQ(tes_h264_parse(&pk, fu_nested, sizeof(fu_nested)), -EBADMSG);
	TEST_EQ(tes_h264_parse(&pk, f_bit, 0), -EBADMSG);

	return 0;
}

TES_TEST(payload_h264_fu_a)
{
	/* IDR (NRI 3) split in three; the NAL header comes back from the FU
	 * indicator's F/NRI and the FU header's type */
	static const uint8_t f1[] = {0x7c, 0x85, 0x01, 0x02};
	static const uint8_t f2[] = {0x7c, 0x05, 0x03};
	static const uint8_t f3[] = {0x7c, 0x45, 0x04, 0x05};
	static const uint8_t exp[] = {
		0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1f, 0, 0, 0, 1, 0x68, 0xce,
		0, 0, 0, 1, 0x65, 1, 2, 3, 4, 5,
	};
	/* the parameter sets first: an access unit surely starts there */
	const uint8_t *frags[] = {stap, f1, f2, f3};
	size_t lens[] = {sizeof(stap), sizeof(f1), sizeof(f2), sizeof(f3)};
	struct tes_h264_pkt pk;
	struct rt rt;

	TEST_OK(tes_h264_parse(&pk, f1, sizeof(f1)));
	TEST_ASSERT(pk.fu_start && !pk.fu_end && pk.nal_start && pk.idr);
	TEST_EQ(pk.fu_nal_hdr, 0x65);
	TEST_EQ(pk.annexb_len, 7);
	TEST_OK(tes_h264_parse(&pk, f2, sizeof(f2)));
	TEST_ASSERT(!pk.fu_start && !pk.fu_end && !pk.nal_start);
	TEST_EQ(pk.annexb_len, 1);
	TEST_OK(tes_h264_parse(&pk, f3, sizeof(f3)));
	TEST_ASSERT(pk.fu_end);

	TEST_OK(rt_init(&rt, TES_INGRESS_H264));
	for (size_t i = 0; i < 4; i++)
		TEST_OK(rt_pkt(frags[i], lens[i], i == 3, &rt));
	TEST_EQ(rt.n_au, 1);
	TEST_ASSERT(rt.au && rt.au->keyframe);
	TEST_EQ(rt.au->len, sizeof(exp));
	TEST_MEMEQ(rt.au->data, exp, sizeof(exp));
	tes_deref(rt.au);
	tes_deref(rt.in);

	return 0;
}

TES_TEST(payload_h264_bad_stap_dropped)
{
	static const uint8_t bad[] = {0x78, 0x00, 0x09, 0x67, 0x42};
	struct rt rt;

	TEST_OK(rt_init(&rt, TES_INGRESS_H264));
	TEST_OK(rt_pkt(bad, sizeof(bad), true, &rt));
	TEST_EQ(rt.n_au, 0);
	TEST_EQ(tes_ingress_stats(rt.in)->malformed, 1);
	TEST_EQ(tes_ingress_stats(rt.in)->packets, 1);
	tes_deref(rt.in);

	return 0;
}

TES_TEST(payload_h264_next_nal)
{
	/* junk, 4-byte code, NAL, 3-byte code, NAL, trailing zeros, an
	 * empty NAL between two codes */
	static const uint8_t au[] = {
		0xff, 0, 0, 0, 1, 0x67, 0x01, 0, 0, 1, 0x68, 0x02, 0, 0,
		0, 0, 1, 0, 0, 1, 0x65, 0x00, 0x03,
	};
	const uint8_t *nal;
	size_t off = 0, n;

	TEST_ASSERT(tes_h264_next_nal(au, sizeof(au), &off, &nal, &n));
	TEST_ASSERT(nal == au + 5);
	TEST_EQ(n, 2);
	TEST_ASSERT(tes_h264_next_nal(au, sizeof(au), &off, &nal, &n));
	TEST_ASSERT(nal == au + 10);
	TEST_EQ(n, 2);
	TEST_ASSERT(tes_h264_next_nal(au, sizeof(au), &off, &nal, &n));
	TEST_ASSERT(nal == au + 20);
	TEST_EQ(n, 3);
	TEST_ASSERT(!tes_h264_next_nal(au, sizeof(au), &off, &nal, &n));
	off = 0;
	TEST_ASSERT(!tes_h264_next_nal(au, 5, &off, &nal, &n));

	return 0;
}

/* SPS, PPS (3-byte start code), SEI, a 5000-byte IDR */
static uint8_t *make_au(size_t *lenp, size_t idr_len)
{
	static const uint8_t head[] = {
		0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16,
		0xe8, 0x06, 0xd0, 0xa1, 0x35,
		0, 0, 1, 0x68, 0xce, 0x06, 0xe2,
		0, 0, 0, 1, 0x06, 0x05, 0x01, 0x80,
		0, 0, 0, 1, 0x65,
	};
	size_t len = sizeof(head) + idr_len - 1;
	uint8_t *au = malloc(len);

	if (!au)
		return NULL;
	memcpy(au, head, sizeof(head));
	for (size_t i = sizeof(head); i < len; i++)
		au[i] = (uint8_t)(i * 13 + 1) | 0x04; /* no start codes */
	*lenp = len;

	return au;
}

static bool same_nals(const uint8_t *a, size_t alen, const uint8_t *b,
		      size_t blen)
{
	const uint8_t *na, *nb;
	size_t oa = 0, ob = 0, la, lb;

	for (;;) {
		bool ha = tes_h264_next_nal(a, alen, &oa, &na, &la);
		bool hb = tes_h264_next_nal(b, blen, &ob, &nb, &lb);

		if (ha != hb)
			return false;
		if (!ha)
			return true;
		if (la != lb || memcmp(na, nb, la))
			return false;
	}
}

TES_TEST(payload_h264_roundtrip)
{
	struct rt rt;
	uint8_t *au;
	size_t len;
	int err = 1;

	au = make_au(&len, 5000);
	TEST_ASSERT(au);
	if (rt_init(&rt, TES_INGRESS_H264))
		goto out;
	if (tes_h264_packetize(au, len, 1200, false, rt_pkt, &rt))
		goto out;

	/* STAP-A(SPS, PPS, SEI), then 5 FU-A of the IDR */
	if (rt.n_pkts != 6 || rt.first[0][0] != 0x78 ||
	    rt.lens[0] != 1 + 2 + 13 + 2 + 4 + 2 + 4)
		goto out;
	for (size_t i = 1; i < 6; i++) {
		if (rt.first[i][0] != 0x7c || rt.markers[i] != (i == 5) ||
		    rt.lens[i] < 1000 || rt.lens[i] > 1002 ||
		    (rt.first[i][1] & 0x1f) != 5 ||
		    !(rt.first[i][1] & 0x80) != (i != 1) ||
		    !(rt.first[i][1] & 0x40) != (i != 5))
			goto out;
	}
	if (rt.markers[0] || rt.n_au != 1 || !rt.au->keyframe ||
	    !same_nals(au, len, rt.au->data, rt.au->len))
		goto out;
	err = 0;
out:
	tes_deref(rt.au);
	tes_deref(rt.in);
	free(au);
	TEST_EQ(err, 0);

	return 0;
}

static int count_pkt(const uint8_t *payload, size_t len, bool marker,
		     void *arg)
{
	(void)payload;
	(void)len;
	(void)marker;
	(*(size_t *)arg)++;

	return 0;
}

TES_TEST(payload_h264_mode0)
{
	struct rt rt;
	uint8_t *au;
	size_t len, dropped, n = 0;
	int err = 1;

	au = make_au(&len, 5000);
	TEST_ASSERT(au);
	if (rt_init(&rt, TES_INGRESS_H264))
		goto out;
	/* the IDR does not fit: it is left out, never fragmented; the
	 * others go, the marker on the last one sent */
	if (tes_h264_packetize_single(au, len, 1200, rt_pkt, &rt,
				      &dropped) ||
	    dropped != 1 || rt.n_pkts != 3 || rt.first[0][0] != 0x67 ||
	    rt.first[1][0] != 0x68 || rt.first[2][0] != 0x06 ||
	    rt.markers[0] || rt.markers[1] || !rt.markers[2])
		goto out;
	if (tes_h264_packetize(au, len, 1200, true, count_pkt, &n) !=
	    -EMSGSIZE || n != 3)
		goto out;
	/* nothing fits: nothing is sent */
	n = 0;
	if (tes_h264_packetize_single(au, len, 3, count_pkt, &n, &dropped) ||
	    dropped != 4 || n)
		goto out;
	rt.in = tes_deref(rt.in);
	rt.au = tes_deref(rt.au);
	free(au);

	/* a picture of three slices, each a packet of its own: one access
	 * unit comes out */
	au = make_au(&len, 3 * 1004);
	if (!au)
		goto out;
	for (size_t i = 1; i < 3; i++)
		memcpy(au + len - i * 1004, "\0\0\0\1\x65", 5);
	if (rt_init(&rt, TES_INGRESS_H264) ||
	    tes_h264_packetize_single(au, len, 1200, rt_pkt, &rt,
				      &dropped) ||
	    dropped || rt.n_pkts != 6 || rt.n_au != 1 ||
	    !rt.au->keyframe || !same_nals(au, len, rt.au->data, rt.au->len))
		goto out;
	rt.in = tes_deref(rt.in);
	rt.au = tes_deref(rt.au);
	free(au);

	au = make_au(&len, 800);
	if (!au || rt_init(&rt, TES_INGRESS_H264) ||
	    tes_h264_packetize(au, len, 1200, true, rt_pkt, &rt))
		goto out;
	/* one packet per NAL, no aggregation; the depacketizer takes
	 * single NAL units back into the same access unit */
	if (rt.n_pkts != 4 || rt.first[0][0] != 0x67 ||
	    rt.first[1][0] != 0x68 || rt.first[3][0] != 0x65 ||
	    rt.lens[3] != 800 || !rt.markers[3] || rt.markers[2] ||
	    rt.n_au != 1 || !rt.au->keyframe ||
	    !same_nals(au, len, rt.au->data, rt.au->len))
		goto out;
	if (tes_h264_packetize(au, 4, 1200, true, rt_pkt, &rt) != -EINVAL ||
	    tes_h264_packetize_single(au, 4, 1200, rt_pkt, &rt, &dropped) !=
		    -EINVAL ||
	    tes_h264_packetize_single(au, len, 2, rt_pkt, &rt, NULL) !=
		    -EINVAL)
		goto out;
	err = 0;
out:
	tes_deref(rt.au);
	tes_deref(rt.in);
	free(au);
	TEST_EQ(err, 0);

	return 0;
}

/* ---- Opus, audio level ---- */

TES_TEST(payload_opus_audio_level)
{
	static const uint8_t opus[] = {0xfc, 0xff, 0xfe};
	static const uint8_t lvl[] = {0xa0};
	struct rt rt;
	bool voice;
	uint8_t level;

	TEST_OK(tes_audio_level_parse(lvl, 1, &voice, &level));
	TEST_ASSERT(voice);
	TEST_EQ(level, 32);
	TEST_EQ(tes_audio_level_parse(lvl, 0, &voice, &level), -EBADMSG);
	TEST_EQ(tes_audio_level_make(true, 32), 0xa0);
	TEST_EQ(tes_audio_level_make(false, 200), 0x7f);

	TEST_OK(rt_init(&rt, TES_INGRESS_OPUS));
	TEST_OK(tes_opus_packetize(opus, sizeof(opus), 1200, rt_pkt, &rt));
	TEST_EQ(rt.n_pkts, 1);
	TEST_ASSERT(!rt.markers[0]);
	TEST_EQ(rt.n_au, 1);
	TEST_EQ(rt.au->len, sizeof(opus));
	TEST_EQ(rt.au->audio_level, -1);
	TEST_EQ(tes_opus_packetize(opus, sizeof(opus), 2, rt_pkt, &rt),
		-EMSGSIZE);
	tes_deref(rt.au);
	tes_deref(rt.in);

	return 0;
}
