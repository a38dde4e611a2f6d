/**
 * @file test_ingress.c  Ingress streams on a fake clock: ordering, NACK
 * and retries, loss -> keyframe request -> wait for a keyframe, sequence
 * wraparound, duplicates, padding, H.264 and Opus.
 */
#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "test.h"

enum { MAX_AU = 32, MAX_NACK = 64, MS = 1000 };

struct sink {
	struct tes_ingress *in;
	struct tes_ingress_au *au[MAX_AU];
	size_t n_au;
	uint16_t nack[MAX_NACK];
	size_t n_nack;
	unsigned kf;
};

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct sink *s = arg;

	if (s->n_au < MAX_AU)
		s->au[s->n_au++] = au;
	else
		tes_deref(au);
}

static void on_nack(const uint16_t *seqs, size_t n, void *arg)
{
	struct sink *s = arg;

	for (size_t i = 0; i < n && s->n_nack < MAX_NACK; i++)
		s->nack[s->n_nack++] = seqs[i];
}

static void on_kf(void *arg)
{
	struct sink *s = arg;

	s->kf++;
}

static int sink_init(struct sink *s, enum tes_ingress_codec codec)
{
	struct tes_ingress_cfg cfg = {
		.codec = codec, .au_h = on_au, .nack_h = on_nack,
		.keyframe_h = on_kf, .arg = s, .audio_level_id = 1,
	};

	memset(s, 0, sizeof(*s));

	return tes_ingress_alloc(&s->in, &cfg);
}

static void sink_free(struct sink *s)
{
	for (size_t i = 0; i < s->n_au; i++)
		tes_deref(s->au[i]);
	s->in = tes_deref(s->in);
}

static const struct tes_ingress_stats *st(const struct sink *s)
{
	return tes_ingress_stats(s->in);
}

static void push(struct sink *s, uint16_t seq, uint32_t ts, bool marker,
		 const uint8_t *p, size_t len, uint64_t now)
{
	struct tes_rtp_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.seq = seq;
	h.ts = ts;
	h.marker = marker;
	h.payload = p;
	h.payload_len = len;
	tes_ingress_push(s->in, &h, now);
}

/* one VP8 packet: descriptor, then 3 bytes (frame tag on a start) */
static void vp8(struct sink *s, uint16_t seq, uint32_t ts, bool start,
		bool key, bool marker, uint64_t now)
{
	uint8_t p[4];

	p[0] = start ? 0x10 : 0x00;
	p[1] = start && key ? 0x00 : 0x01;
	p[2] = (uint8_t)seq;
	p[3] = (uint8_t)(seq >> 8);
	push(s, seq, ts, marker, p, sizeof(p), now);
}

/* a whole VP8 frame of n packets, optionally without packet `skip` */
static void frame(struct sink *s, uint16_t seq, unsigned n, uint32_t ts,
		  bool key, int skip, uint64_t now)
{
	for (unsigned i = 0; i < n; i++) {
		if ((int)i != skip)
			vp8(s, (uint16_t)(seq + i), ts, i == 0, key,
			    i == n - 1, now);
	}
}

TES_TEST(ingress_in_order)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 2, 4000, false, -1, 33 * MS);
	frame(&s, 105, 1, 7000, false, -1, 66 * MS);

	TEST_EQ(s.n_au, 3);
	TEST_ASSERT(s.au[0]->keyframe && !s.au[1]->keyframe);
	TEST_EQ(s.au[0]->len, 9);
	TEST_EQ(s.au[0]->data[0], 0x00);
	TEST_EQ(s.au[0]->data[1], 100);
	TEST_EQ(s.au[0]->first_seq, 100);
	TEST_EQ(s.au[0]->last_seq, 102);
	TEST_EQ(s.au[1]->len, 6);
	TEST_EQ(s.au[1]->ts, 4000);
	TEST_EQ(s.au[2]->ts, 7000);
	TEST_EQ(s.au[2]->arrival_us, 66 * MS);
	TEST_EQ(st(&s)->frames, 3);
	TEST_EQ(st(&s)->packets, 6);
	TEST_EQ(s.n_nack, 0);
	TEST_EQ(s.kf, 0);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_reordered)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	/* the first packet of the stream comes second */
	vp8(&s, 101, 1000, false, true, false, 0);
	vp8(&s, 100, 1000, true, true, false, 1 * MS);
	vp8(&s, 103, 4000, true, false, false, 2 * MS);
	TEST_EQ(s.n_au, 0);
	vp8(&s, 102, 1000, false, true, true, 3 * MS);
	TEST_EQ(s.n_au, 1);
	vp8(&s, 105, 4000, false, false, true, 4 * MS);
	vp8(&s, 104, 4000, false, false, false, 5 * MS);

	TEST_EQ(s.n_au, 2);
	TEST_ASSERT(s.au[0]->keyframe);
	TEST_EQ(s.au[0]->first_seq, 100);
	TEST_EQ(s.au[0]->arrival_us, 3 * MS);
	TEST_EQ(s.au[1]->first_seq, 103);
	TEST_EQ(s.au[1]->ts, 4000);
	TEST_EQ(s.au[1]->data[1], 103);
	TEST_EQ(s.au[1]->data[4], 104);
	TEST_EQ(st(&s)->out_of_order, 3);
	TEST_EQ(st(&s)->lost, 0);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_nack)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 33 * MS);
	TEST_EQ(s.n_nack, 1);
	TEST_EQ(s.nack[0], 104);

	tes_ingress_tick(s.in, 43 * MS);
	TEST_EQ(s.n_nack, 1);
	tes_ingress_tick(s.in, 75 * MS);
	TEST_EQ(s.n_nack, 2);
	TEST_EQ(s.nack[1], 104);

	frame(&s, 106, 2, 7000, false, -1, 76 * MS);
	TEST_EQ(s.n_au, 1);

	/* the retransmission completes both waiting frames */
	vp8(&s, 104, 4000, false, false, false, 80 * MS);
	TEST_EQ(s.n_au, 3);
	TEST_EQ(s.au[1]->len, 9);
	TEST_EQ(s.au[1]->arrival_us, 80 * MS);
	TEST_EQ(s.au[2]->ts, 7000);
	TEST_EQ(st(&s)->nacks_sent, 2);
	TEST_EQ(st(&s)->lost, 0);
	TEST_EQ(s.kf, 0);

	tes_ingress_tick(s.in, 200 * MS);
	TEST_EQ(s.n_nack, 2);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_nack_retries)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 0);
	for (uint64_t t = 10; t < 200; t += 10)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.n_nack, 4);

	/* with a known RTT of 100 ms the retries are further apart */
	sink_free(&s);
	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	tes_ingress_set_rtt(s.in, 100);
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 0);
	for (uint64_t t = 10; t < 200; t += 10)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.n_nack, 2);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_loss_waits_for_keyframe)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 33 * MS);  /* 104 never comes */
	frame(&s, 106, 3, 7000, false, -1, 66 * MS);
	for (uint64_t t = 40; t < 230; t += 20)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.kf, 0);
	TEST_EQ(s.n_au, 1);

	tes_ingress_tick(s.in, 235 * MS);
	TEST_EQ(s.kf, 1);
	TEST_EQ(st(&s)->keyframe_requests, 1);

	/* complete frames that depend on the lost one: not emitted */
	frame(&s, 109, 3, 10000, false, -1, 240 * MS);
	for (uint64_t t = 260; t < 400; t += 20)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.n_au, 1);
	TEST_EQ(s.kf, 1);

	frame(&s, 112, 3, 13000, true, -1, 400 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_ASSERT(s.au[1]->keyframe);
	TEST_EQ(s.au[1]->first_seq, 112);
	frame(&s, 115, 2, 16000, false, -1, 433 * MS);
	TEST_EQ(s.n_au, 3);
	TEST_ASSERT(!s.au[2]->keyframe);
	TEST_EQ(s.kf, 1);
	TEST_EQ(st(&s)->frames_dropped, 3);
	TEST_EQ(st(&s)->lost, 1);

	vp8(&s, 104, 4000, false, false, false, 440 * MS);
	TEST_EQ(st(&s)->late, 1);
	TEST_EQ(s.n_au, 3);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_keyframe_request_rate)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	/* joined mid-stream: delta frames only */
	frame(&s, 100, 2, 1000, false, -1, 0);
	TEST_EQ(s.kf, 1);
	TEST_EQ(s.n_au, 0);
	for (uint64_t t = 20; t < 1100; t += 20)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.kf, 3);  /* at 0, 500 and 1000 ms */
	frame(&s, 102, 2, 4000, true, -1, 1100 * MS);
	TEST_EQ(s.n_au, 1);
	for (uint64_t t = 1100; t < 2000; t += 20)
		tes_ingress_tick(s.in, t * MS);
	TEST_EQ(s.kf, 3);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_later_keyframe_skips_hole)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 33 * MS);
	frame(&s, 106, 3, 7000, true, -1, 66 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_EQ(s.au[1]->first_seq, 106);
	TEST_EQ(s.kf, 0);
	TEST_EQ(st(&s)->frames_dropped, 1);
	TEST_EQ(st(&s)->lost, 1);
	tes_ingress_tick(s.in, 400 * MS);
	TEST_EQ(s.kf, 0);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_wraparound)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 65533, 3, 1000, true, -1, 0);
	frame(&s, 0, 3, 4000, false, 0, 33 * MS);  /* 0 lost */
	TEST_EQ(s.n_nack, 1);
	TEST_EQ(s.nack[0], 0);
	/* copies of what was emitted or is waiting */
	vp8(&s, 65534, 1000, false, true, false, 40 * MS);
	vp8(&s, 65535, 1000, false, true, true, 40 * MS);
	vp8(&s, 1, 4000, false, false, false, 40 * MS);
	TEST_EQ(st(&s)->duplicates, 3);
	vp8(&s, 0, 4000, true, false, false, 50 * MS);
	frame(&s, 3, 2, 7000, false, -1, 66 * MS);

	TEST_EQ(s.n_au, 3);
	TEST_EQ(s.au[0]->first_seq, 65533);
	TEST_EQ(s.au[0]->last_seq, 65535);
	TEST_EQ(s.au[1]->first_seq, 0);
	TEST_EQ(s.au[1]->last_seq, 2);
	TEST_EQ(s.au[2]->first_seq, 3);
	TEST_EQ(st(&s)->lost, 0);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_duplicates_late)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	vp8(&s, 100, 1000, true, true, false, 0);
	vp8(&s, 100, 1000, true, true, false, 0);
	TEST_EQ(st(&s)->duplicates, 1);
	vp8(&s, 101, 1000, false, true, true, 0);
	TEST_EQ(s.n_au, 1);
	vp8(&s, 101, 1000, false, true, true, 0);
	TEST_EQ(st(&s)->duplicates, 2);
	vp8(&s, 90, 0, true, true, true, 0);
	TEST_EQ(st(&s)->late, 1);
	TEST_EQ(st(&s)->packets, 5);
	TEST_EQ(s.n_au, 1);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_padding_and_malformed)
{
	static const uint8_t trunc[] = {0x90, 0x80};
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 2, 1000, true, -1, 0);
	push(&s, 102, 1000, false, NULL, 0, 10 * MS);  /* padding only */
	push(&s, 103, 1000, false, NULL, 0, 10 * MS);
	push(&s, 104, 4000, true, trunc, sizeof(trunc), 20 * MS);
	TEST_EQ(st(&s)->malformed, 1);
	frame(&s, 104, 2, 4000, false, -1, 33 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_EQ(s.n_nack, 0);
	TEST_EQ(s.au[1]->first_seq, 104);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_overflow_and_jump)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_VP8));
	frame(&s, 100, 3, 1000, true, -1, 0);
	frame(&s, 103, 3, 4000, false, 1, 0);
	/* 600 more frames before any tick: the buffer overflows */
	for (unsigned i = 0; i < 600; i++)
		frame(&s, (uint16_t)(106 + i), 1, 7000 + 3000 * i, false, -1,
		      0);
	TEST_EQ(s.n_au, 1);
	TEST_EQ(s.kf, 1);
	frame(&s, 706, 2, 2000000, true, -1, 10 * MS);
	TEST_EQ(s.n_au, 2);

	/* a jump far ahead: start over, wait for a keyframe */
	frame(&s, 30000, 1, 2003000, false, -1, 600 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_EQ(s.kf, 2);
	frame(&s, 30001, 1, 2006000, true, -1, 633 * MS);
	TEST_EQ(s.n_au, 3);
	TEST_EQ(s.au[2]->first_seq, 30001);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_h264)
{
	static const uint8_t stap[] = {
		0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce,
	};
	static const uint8_t idr[] = {0x65, 0x88};
	static const uint8_t p1[] = {0x41, 0x9a};
	static const uint8_t fu1[] = {0x5c, 0x81, 0x11};
	static const uint8_t fu2[] = {0x5c, 0x41, 0x22};
	static const uint8_t exp_fu[] = {0, 0, 0, 1, 0x41, 0x11, 0x22};
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_H264));
	push(&s, 10, 1000, false, stap, sizeof(stap), 0);
	push(&s, 11, 1000, true, idr, sizeof(idr), 0);
	TEST_EQ(s.n_au, 1);
	TEST_ASSERT(s.au[0]->keyframe);
	TEST_EQ(s.au[0]->len, 18);

	push(&s, 12, 4000, false, fu1, sizeof(fu1), 33 * MS);
	push(&s, 13, 4000, true, fu2, sizeof(fu2), 33 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_ASSERT(!s.au[1]->keyframe);
	TEST_EQ(s.au[1]->len, sizeof(exp_fu));
	TEST_MEMEQ(s.au[1]->data, exp_fu, sizeof(exp_fu));

	/* lose 14; a bare IDR right after a complete frame may start */
	push(&s, 15, 7000, true, p1, sizeof(p1), 66 * MS);
	push(&s, 16, 10000, true, p1, sizeof(p1), 100 * MS);
	tes_ingress_tick(s.in, 300 * MS);
	TEST_EQ(s.kf, 1);
	push(&s, 17, 13000, true, idr, sizeof(idr), 310 * MS);
	TEST_EQ(s.n_au, 3);
	TEST_ASSERT(s.au[2]->keyframe);
	TEST_EQ(s.au[2]->first_seq, 17);

	/* an FU-A end without its start: the frame is not emitted */
	push(&s, 18, 16000, true, fu2, sizeof(fu2), 900 * MS);
	TEST_EQ(s.n_au, 3);
	TEST_EQ(st(&s)->malformed, 0);
	TEST_EQ(s.kf, 2);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_h264_bad_fu)
{
	static const uint8_t sps[] = {0x67, 0x42, 0x00};
	static const uint8_t fu_s[] = {0x7c, 0x85, 0x11};
	static const uint8_t fu_e_other[] = {0x7c, 0x41, 0x22};
	static const uint8_t idr[] = {0x65, 0x88};
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_H264));
	/* the fragmented IDR ends as a different NAL type */
	push(&s, 1, 1000, false, sps, sizeof(sps), 0);
	push(&s, 2, 1000, false, fu_s, sizeof(fu_s), 0);
	push(&s, 3, 1000, true, fu_e_other, sizeof(fu_e_other), 0);
	TEST_EQ(s.n_au, 0);
	TEST_EQ(st(&s)->malformed, 1);
	TEST_EQ(s.kf, 1);
	/* a good keyframe right after it is taken */
	push(&s, 4, 4000, false, sps, sizeof(sps), 10 * MS);
	push(&s, 5, 4000, true, idr, sizeof(idr), 10 * MS);
	TEST_EQ(s.n_au, 1);
	TEST_ASSERT(s.au[0]->keyframe);
	TEST_EQ(s.au[0]->first_seq, 4);
	sink_free(&s);

	return 0;
}

static void push_opus(struct sink *s, uint16_t seq, uint8_t level,
		      uint64_t now)
{
	static const uint8_t opus[] = {0xfc, 0x01, 0x02};
	struct tes_rtp_ext_elem el = {.id = 1, .len = 1, .data = &level};
	struct tes_rtp_hdr h;
	uint8_t buf[64];
	int n;

	memset(&h, 0, sizeof(h));
	h.seq = seq;
	h.ts = (uint32_t)seq * 960;
	h.pt = 111;
	n = tes_rtp_build(buf, sizeof(buf), &h, &el, 1, opus, sizeof(opus));
	if (n > 0 && !tes_rtp_parse(&h, buf, (size_t)n))
		tes_ingress_push(s->in, &h, now);
}

TES_TEST(ingress_opus)
{
	struct sink s;

	TEST_OK(sink_init(&s, TES_INGRESS_OPUS));
	push_opus(&s, 10, 0x80 | 30, 0);
	push_opus(&s, 11, 40, 20 * MS);
	TEST_EQ(s.n_au, 2);
	TEST_EQ(s.au[0]->audio_level, 30);
	TEST_ASSERT(s.au[0]->voice && !s.au[1]->voice);
	TEST_ASSERT(s.au[0]->keyframe);
	TEST_EQ(s.au[0]->len, 3);

	/* 12 lost: held until three newer packets wait */
	push_opus(&s, 13, 0, 60 * MS);
	push_opus(&s, 14, 0, 80 * MS);
	TEST_EQ(s.n_au, 2);
	push_opus(&s, 15, 0, 100 * MS);
	TEST_EQ(s.n_au, 5);
	TEST_EQ(s.au[2]->first_seq, 13);
	TEST_EQ(s.au[2]->lost_before, 1);
	TEST_EQ(s.au[3]->lost_before, 0);

	/* reordered inside the window */
	push_opus(&s, 17, 0, 140 * MS);
	push_opus(&s, 16, 0, 141 * MS);
	TEST_EQ(s.n_au, 7);
	TEST_EQ(s.au[5]->first_seq, 16);
	TEST_EQ(s.au[6]->lost_before, 0);

	/* 18 lost: 19 comes out after 60 ms */
	push_opus(&s, 19, 0, 180 * MS);
	tes_ingress_tick(s.in, 220 * MS);
	TEST_EQ(s.n_au, 7);
	tes_ingress_tick(s.in, 240 * MS);
	TEST_EQ(s.n_au, 8);
	TEST_EQ(s.au[7]->lost_before, 1);
	TEST_EQ(st(&s)->lost, 2);
	TEST_EQ(s.n_nack, 0);
	TEST_EQ(s.kf, 0);
	push_opus(&s, 18, 0, 250 * MS);
	TEST_EQ(st(&s)->late, 1);
	sink_free(&s);

	return 0;
}

TES_TEST(ingress_alloc_args)
{
	struct tes_ingress_cfg cfg = {.codec = (enum tes_ingress_codec)7};
	struct tes_ingress *in = NULL;

	TEST_EQ(tes_ingress_alloc(&in, &cfg), -EINVAL);
	TEST_EQ(tes_ingress_alloc(NULL, &cfg), -EINVAL);
	cfg.codec = TES_INGRESS_VP8;
	TEST_OK(tes_ingress_alloc(&in, &cfg));
	/* no handlers: AUs are freed, nothing crashes */
	frame(&(struct sink){.in = in}, 1, 2, 0, true, -1, 0);
	TEST_EQ(tes_ingress_stats(in)->frames, 1);
	tes_ingress_tick(in, 0);
	tes_deref(in);

	return 0;
}
