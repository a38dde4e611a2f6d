/**
 * @file rxstats.c  Reception statistics and report blocks (RFC 3550
 * appendix A.1, A.3, A.8).
 */
#include <string.h>

#include "base/base.h"
#include "rtp/rxstats.h"

void tes_rx_update(struct tes_rx_stats *s, uint32_t ssrc, uint32_t clock,
		   uint16_t seq, uint32_t ts, uint64_t arrival_us)
{
	uint32_t arrival, transit, d;
	uint16_t delta;

	if (!s->init || s->ssrc != ssrc) {
		memset(s, 0, sizeof(*s));
		s->init = true;
		s->ssrc = ssrc;
		s->clock = clock;
		s->max_seq = seq;
		s->base_seq = seq;
	}

	/* ahead by less than half the space: in order (maybe after a
	 * gap); otherwise late, duplicated or reordered */
	delta = (uint16_t)(seq - s->max_seq);
	if (delta && delta < 0x8000) {
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->max_seq = seq;
	}
	s->received++;

	/* interarrival jitter in timestamp units (A.8) */
	arrival = (uint32_t)(arrival_us * s->clock / 1000000);
	transit = arrival - ts;
	if (s->received > 1) {
		d = transit - s->transit;
		if ((int32_t)d < 0)
			d = -d;
		s->jitter += d - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
}

void tes_rx_sr(struct tes_rx_stats *s, uint64_t ntp, uint64_t now_us)
{
	s->lsr = (uint32_t)(ntp >> 16);
	s->lsr_at_us = now_us;
}

void tes_rx_block(struct tes_rx_stats *s, struct tes_rtcp_rb *rb,
		  uint64_t now_us)
{
	uint32_t ext_max = s->cycles + s->max_seq;
	uint32_t expected = ext_max - s->base_seq + 1;
	int64_t lost = (int64_t)expected - s->received;
	uint32_t exp_int = expected - s->expected_prior;
	uint32_t rec_int = s->received - s->received_prior;
	int64_t lost_int = (int64_t)exp_int - rec_int;

	memset(rb, 0, sizeof(*rb));
	rb->ssrc = s->ssrc;
	/* 24-bit signed: duplicates can make it negative */
	rb->cum_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff
				 : lost < -0x800000 ? -0x800000 : lost);
	rb->fraction_lost = exp_int && lost_int > 0
				    ? (uint8_t)TES_MIN(255, (lost_int << 8) /
							    exp_int)
				    : 0;
	rb->ext_seq = ext_max;
	rb->jitter = s->jitter >> 4;
	rb->lsr = s->lsr;
	/* delay since the last SR, in 1/65536 s */
	rb->dlsr = s->lsr ? (uint32_t)((now_us - s->lsr_at_us) * 65536 /
				       1000000)
			  : 0;
	s->expected_prior = expected;
	s->received_prior = s->received;
}
