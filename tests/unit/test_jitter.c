/**
 * @file test_jitter.c  The mix room's audio playout per participant
 * (tes__mixin_audio_pop): priming, packets in order, a gap of lost
 * packets played as PLC then FEC from the packet after it (Opus; PLC
 * only for G.711), underruns concealed for 200 ms, and a queue that grows
 * too long.  What goes in (tes__mixin_audio_in): G.711 packets of any
 * length cut into 20 ms blocks, Opus packets of other lengths dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "room/mix_int.h"
#include "test.h"

enum { TICK_US = 20000 };

static struct tes_ingress_au *au_new(uint16_t seq, uint32_t lost_before)
{
	struct tes_ingress_au *au = tes_alloc(sizeof(*au) + 1, NULL);

	if (!au)
		return NULL;
	au->data = (uint8_t *)(au + 1);
	au->len = 1;
	au->keyframe = true;
	au->first_seq = au->last_seq = seq;
	au->ts = (uint32_t)seq * 960u;
	au->lost_before = lost_before;
	au->audio_level = -1;
	return au;
}

/* what the ingress does for each packet it delivers */
static int push(struct tes__mixin *mi, uint16_t seq, uint32_t lost_before)
{
	struct tes_ingress_au *au = au_new(seq, lost_before);

	if (!au || mi->aq_n == TES__AQ_MAX) {
		tes_deref(au);
		return -1;
	}
	mi->aq[(mi->aq_head + mi->aq_n) % TES__AQ_MAX] = au;
	mi->aq_n++;
	return 0;
}

/* one audio tick: the kind played and the packet's sequence (or -1) */
static int tick(struct tes__mixin *mi, uint64_t *now, enum tes__aplay *pl)
{
	struct tes_ingress_au *au;
	int seq;

	*now += TICK_US;
	au = tes__mixin_audio_pop(mi, *now, pl);
	seq = au ? au->first_seq : -1;
	tes_deref(au);
	return seq;
}

static void drain(struct tes__mixin *mi)
{
	while (mi->aq_n) {
		tes_deref(mi->aq[mi->aq_head]);
		mi->aq_head = (mi->aq_head + 1) % TES__AQ_MAX;
		mi->aq_n--;
	}
}

TES_TEST(jitter_prime_and_order)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	TEST_OK(push(&mi, 1, 0));
	/* one packet is not enough to start */
	TEST_EQ(tick(&mi, &now, &pl), -1);
	TEST_EQ(pl, TES__APLAY_NONE);
	TEST_OK(push(&mi, 2, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_OK(push(&mi, 3, 0));
	TEST_EQ(tick(&mi, &now, &pl), 2);
	TEST_EQ(tick(&mi, &now, &pl), 3);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_EQ(mi.aq_n, 0);
	drain(&mi);

	return 0;
}

/* 3 packets lost before packet 7: two PLC frames, then packet 7's FEC
 * copy of packet 6, then packet 7 itself */
TES_TEST(jitter_gap_plc_then_fec)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	TEST_OK(push(&mi, 1, 0));
	TEST_OK(push(&mi, 2, 0));
	TEST_OK(push(&mi, 3, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_EQ(tick(&mi, &now, &pl), 2);
	TEST_OK(push(&mi, 7, 3));
	TEST_EQ(tick(&mi, &now, &pl), 3);

	TEST_EQ(tick(&mi, &now, &pl), -1);
	TEST_EQ(pl, TES__APLAY_PLC);
	TEST_EQ(tick(&mi, &now, &pl), -1);
	TEST_EQ(pl, TES__APLAY_PLC);
	TEST_EQ(tick(&mi, &now, &pl), 7);
	TEST_EQ(pl, TES__APLAY_FEC);
	/* the packet stayed queued for its own turn */
	TEST_EQ(mi.aq_n, 1);
	TEST_EQ(tick(&mi, &now, &pl), 7);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_EQ(mi.aq_n, 0);

	/* one lost packet: FEC straight away */
	TEST_OK(push(&mi, 9, 1));
	TEST_OK(push(&mi, 10, 0));
	TEST_EQ(tick(&mi, &now, &pl), 9);
	TEST_EQ(pl, TES__APLAY_FEC);
	TEST_EQ(tick(&mi, &now, &pl), 9);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_EQ(tick(&mi, &now, &pl), 10);
	TEST_EQ(pl, TES__APLAY_AU);
	drain(&mi);

	return 0;
}

/* a long gap is concealed for at most 200 ms (10 frames) */
TES_TEST(jitter_long_gap_capped)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;
	int plc = 0, fec = 0;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	TEST_OK(push(&mi, 1, 0));
	TEST_OK(push(&mi, 2, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_EQ(tick(&mi, &now, &pl), 2);
	TEST_OK(push(&mi, 100, 97));
	for (;;) {
		int seq = tick(&mi, &now, &pl);

		if (pl == TES__APLAY_PLC)
			plc++;
		if (pl == TES__APLAY_FEC)
			fec++;
		if (pl == TES__APLAY_AU) {
			TEST_EQ(seq, 100);
			break;
		}
		TEST_ASSERT(plc + fec <= 10);
	}
	TEST_EQ(plc, 9);
	TEST_EQ(fec, 1);
	drain(&mi);

	return 0;
}

/* an empty queue conceals for 200 ms, then waits to prime again */
TES_TEST(jitter_underrun)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;
	int plc = 0;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	TEST_OK(push(&mi, 1, 0));
	TEST_OK(push(&mi, 2, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_EQ(tick(&mi, &now, &pl), 2);
	for (int i = 0; i < 20; i++) {
		TEST_EQ(tick(&mi, &now, &pl), -1);
		plc += pl == TES__APLAY_PLC;
	}
	TEST_EQ(plc, 9);  /* 20..180 ms after the last packet */
	TEST_ASSERT(!mi.a_primed);
	TEST_OK(push(&mi, 30, 27));
	TEST_EQ(tick(&mi, &now, &pl), -1);
	TEST_EQ(pl, TES__APLAY_NONE);
	drain(&mi);

	return 0;
}

/* a queue longer than the prime depth plus 3 drops a pending
 * concealment before it drops a packet */
TES_TEST(jitter_behind_skips)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	TEST_OK(push(&mi, 1, 0));
	TEST_OK(push(&mi, 2, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_OK(push(&mi, 5, 2));
	for (uint16_t s = 6; s < 9; s++)
		TEST_OK(push(&mi, s, 0));
	TEST_EQ(tick(&mi, &now, &pl), 2);   /* 5 queued: not too long */
	TEST_EQ(tick(&mi, &now, &pl), -1);  /* PLC for packet 3 */
	TEST_EQ(pl, TES__APLAY_PLC);
	TEST_OK(push(&mi, 10, 0));
	TEST_OK(push(&mi, 11, 0));
	/* 6 queued: the FEC frame for packet 4 is skipped */
	TEST_EQ(tick(&mi, &now, &pl), 5);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_OK(push(&mi, 12, 0));
	/* 6 queued, nothing to conceal: the oldest packet goes */
	TEST_EQ(tick(&mi, &now, &pl), 7);
	TEST_EQ(pl, TES__APLAY_AU);
	drain(&mi);

	return 0;
}

/* G.711 has no in-band FEC: every lost frame is concealed, then the
 * packet plays */
TES_TEST(jitter_no_fec_g711)
{
	struct tes__mixin mi;
	enum tes__aplay pl;
	uint64_t now = 1000000;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("PCMU");
	TEST_OK(push(&mi, 1, 0));
	TEST_OK(push(&mi, 2, 0));
	TEST_EQ(tick(&mi, &now, &pl), 1);
	TEST_OK(push(&mi, 6, 3));
	TEST_EQ(tick(&mi, &now, &pl), 2);
	for (int i = 0; i < 3; i++) {
		TEST_EQ(tick(&mi, &now, &pl), -1);
		TEST_EQ(pl, TES__APLAY_PLC);
	}
	TEST_EQ(tick(&mi, &now, &pl), 6);
	TEST_EQ(pl, TES__APLAY_AU);
	TEST_EQ(mi.aq_n, 0);
	drain(&mi);

	return 0;
}

/* a packet of len bytes, each byte its offset + seq */
static struct tes_ingress_au *pkt_new(uint16_t seq, uint32_t ts, size_t len,
				      uint32_t lost_before)
{
	struct tes_ingress_au *au = tes_alloc(sizeof(*au) + len, NULL);

	if (!au)
		return NULL;
	au->data = (uint8_t *)(au + 1);
	au->len = len;
	for (size_t i = 0; i < len; i++)
		au->data[i] = (uint8_t)(i + seq);
	au->keyframe = true;
	au->first_seq = au->last_seq = seq;
	au->ts = ts;
	au->lost_before = lost_before;
	au->audio_level = -1;
	return au;
}

/* the queued block i: its length, timestamp, first byte, losses */
static int block_is(const struct tes__mixin *mi, unsigned i, size_t len,
		    uint32_t ts, uint8_t first, uint32_t lost)
{
	const struct tes_ingress_au *b;

	TEST_ASSERT(i < mi->aq_n);
	b = mi->aq[(mi->aq_head + i) % TES__AQ_MAX];
	TEST_EQ(b->len, len);
	TEST_EQ(b->ts, ts);
	TEST_EQ(b->data[0], first);
	TEST_EQ(b->lost_before, lost);
	return 0;
}

/* 30 ms and 10 ms G.711 packets become 20 ms blocks; a loss drops the
 * bytes waiting and counts the lost packets in blocks */
TES_TEST(jitter_g711_any_ptime)
{
	struct tes__mixin mi;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("PCMU");

	/* 20 ms: as it came */
	tes__mixin_audio_in(&mi, pkt_new(1, 0, 160, 0));
	TEST_EQ(mi.aq_n, 1);
	TEST_EQ(block_is(&mi, 0, 160, 0, 1, 0), 0);
	drain(&mi);

	/* 30 ms: 240 bytes, 240 ticks each */
	tes__mixin_audio_in(&mi, pkt_new(2, 160, 240, 0));
	TEST_EQ(mi.aq_n, 1);
	TEST_EQ(mi.a_part_n, 80);
	tes__mixin_audio_in(&mi, pkt_new(3, 400, 240, 0));
	tes__mixin_audio_in(&mi, pkt_new(4, 640, 240, 0));
	TEST_EQ(mi.aq_n, 4);
	TEST_EQ(mi.a_part_n, 80);
	TEST_EQ(block_is(&mi, 0, 160, 160, 2, 0), 0);
	/* the second block: 80 bytes of packet 2, 80 of packet 3 */
	TEST_EQ(block_is(&mi, 1, 160, 320, 2 + 160, 0), 0);
	TEST_EQ(mi.aq[(mi.aq_head + 1) % TES__AQ_MAX]->data[80], 3);
	TEST_EQ(block_is(&mi, 2, 160, 480, 3 + 80, 0), 0);
	TEST_EQ(block_is(&mi, 3, 160, 640, 4, 0), 0);
	drain(&mi);

	/* packet 5 lost: the 80 bytes waiting go, 2 blocks are lost */
	tes__mixin_audio_in(&mi, pkt_new(6, 1120, 240, 1));
	TEST_EQ(mi.aq_n, 1);
	TEST_EQ(block_is(&mi, 0, 160, 1120, 6, 2), 0);
	TEST_EQ(mi.a_part_n, 80);
	drain(&mi);

	/* 10 ms: every second packet makes a block; a loss while nothing
	 * comes out is told with the next block */
	mi.a_part_n = 0;
	tes__mixin_audio_in(&mi, pkt_new(10, 2000, 80, 0));
	TEST_EQ(mi.aq_n, 0);
	tes__mixin_audio_in(&mi, pkt_new(11, 2080, 80, 0));
	TEST_EQ(mi.aq_n, 1);
	TEST_EQ(block_is(&mi, 0, 160, 2000, 10, 0), 0);
	tes__mixin_audio_in(&mi, pkt_new(13, 2240, 80, 1));
	TEST_EQ(mi.aq_n, 1);
	tes__mixin_audio_in(&mi, pkt_new(14, 2320, 80, 0));
	TEST_EQ(mi.aq_n, 2);
	TEST_EQ(block_is(&mi, 1, 160, 2240, 13, 1), 0);
	drain(&mi);

	/* longer than the queue holds: dropped */
	tes__mixin_audio_in(&mi, pkt_new(15, 2400, 9 * 160, 0));
	TEST_EQ(mi.aq_n, 0);
	TEST_EQ(mi.a_part_n, 0);

	return 0;
}

/* Opus packets are decoded whole: one not 20 ms long is dropped */
TES_TEST(jitter_opus_other_ptime)
{
	struct tes__mixin mi;
	struct tes_ingress_au *au;

	memset(&mi, 0, sizeof(mi));
	mi.acodec = tes_acodec_find("opus");
	au = pkt_new(1, 0, 3, 0);
	TEST_ASSERT(au);
	au->data[0] = 0x48;   /* SILK WB 20 ms */
	tes__mixin_audio_in(&mi, au);
	TEST_EQ(mi.aq_n, 1);
	au = pkt_new(2, 960, 3, 0);
	TEST_ASSERT(au);
	au->data[0] = 0x50;   /* SILK WB 40 ms */
	tes__mixin_audio_in(&mi, au);
	TEST_EQ(mi.aq_n, 1);
	tes__mixin_audio_in(&mi, pkt_new(3, 2880, 0, 0));  /* no TOC */
	TEST_EQ(mi.aq_n, 1);
	drain(&mi);

	return 0;
}
