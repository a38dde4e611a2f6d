/**
 * @file test_rxstats.c  Reception statistics and report blocks (RFC 3550
 * A.3, A.8): loss over all and since the last block, sequence wraps,
 * duplicates, jitter, LSR and DLSR.
 */
#include "rtp/rxstats.h"
#include "test.h"

TES_TEST(rx_loss_and_wrap)
{
	struct tes_rx_stats s = {0};
	struct tes_rtcp_rb rb;
	uint64_t t = 1000000;

	/* 65530..65535, 0..9 with 3 and 4 missing: 14 of 16 */
	for (uint32_t i = 0; i < 16; i++) {
		uint16_t seq = (uint16_t)(65530 + i);

		if (seq == 3 || seq == 4)
			continue;
		tes_rx_update(&s, 0x1234, 90000, seq, 3000 * i, t);
		t += 33333;
	}
	tes_rx_block(&s, &rb, t);
	TEST_EQ(rb.ssrc, 0x1234);
	TEST_EQ(rb.ext_seq, 65536 + 9);
	TEST_EQ(rb.cum_lost, 2);
	TEST_EQ(rb.fraction_lost, 2 * 256 / 16);
	TEST_EQ(rb.lsr, 0);
	TEST_EQ(rb.dlsr, 0);

	/* the next interval: nothing lost, a duplicate and a late one */
	tes_rx_update(&s, 0x1234, 90000, 10, 0, t);
	tes_rx_update(&s, 0x1234, 90000, 10, 0, t);
	tes_rx_update(&s, 0x1234, 90000, 3, 0, t);
	tes_rx_update(&s, 0x1234, 90000, 11, 0, t);
	tes_rx_block(&s, &rb, t);
	TEST_EQ(rb.ext_seq, 65536 + 11);
	TEST_EQ(rb.fraction_lost, 0);
	/* 3 came late, and the duplicate counts as received (RFC 3550
	 * 6.4.1): the two lost are made up for */
	TEST_EQ(rb.cum_lost, 0);
	tes_rx_update(&s, 0x1234, 90000, 11, 0, t);
	tes_rx_update(&s, 0x1234, 90000, 11, 0, t);
	tes_rx_block(&s, &rb, t);
	TEST_EQ(rb.cum_lost, -2);
	TEST_EQ(rb.fraction_lost, 0);

	/* a new SSRC starts afresh */
	tes_rx_update(&s, 0x9999, 48000, 500, 0, t);
	tes_rx_block(&s, &rb, t);
	TEST_EQ(rb.ssrc, 0x9999);
	TEST_EQ(rb.ext_seq, 500);
	TEST_EQ(rb.cum_lost, 0);

	return 0;
}

TES_TEST(rx_jitter_and_sr)
{
	struct tes_rx_stats s = {0};
	struct tes_rtcp_rb rb;
	uint64_t t = 5000000;

	/* 20 ms audio packets arriving exactly on time: no jitter */
	for (uint16_t i = 0; i < 50; i++)
		tes_rx_update(&s, 7, 48000, i, 960u * i, t + 20000ull * i);
	tes_rx_block(&s, &rb, t);
	TEST_EQ(rb.jitter, 0);

	/* every other packet 10 ms late: jitter moves towards 480 units */
	for (uint16_t i = 50; i < 250; i++)
		tes_rx_update(&s, 7, 48000, i, 960u * i,
			      t + 20000ull * i + (i % 2 ? 10000 : 0));
	tes_rx_block(&s, &rb, t);
	TEST_ASSERT(rb.jitter > 400 && rb.jitter <= 480);

	/* LSR: the middle of the SR's NTP time; DLSR in 1/65536 s */
	tes_rx_sr(&s, 0x0123456789abcdefull, t);
	tes_rx_block(&s, &rb, t + 500000);
	TEST_EQ(rb.lsr, 0x456789ab);
	TEST_EQ(rb.dlsr, 32768);

	return 0;
}
