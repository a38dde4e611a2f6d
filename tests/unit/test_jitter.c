/**
 * @file test_jitter.c  The mix room's audio playout per participant
 * (tes__mixin_audio_pop): priming, packets in order, a gap of lost
 * packets played as PLC then FEC from the packet after it, underruns
 * concealed for 200 ms, and a queue that grows too long.
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
