/**
 * @file rxstats.h  What we receive from one SSRC, for the report blocks of
 * our receiver reports (RFC 3550 6.4.1 and appendix A.1, A.3, A.8):
 * extended highest sequence number, packets lost (in all and since the
 * last report), interarrival jitter, and the last SR's time.
 *
 * A sender needs these reports: a browser's bandwidth estimate grows only
 * on report blocks that show little loss.
 */
#ifndef TES_RTP_RXSTATS_H
#define TES_RTP_RXSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp/rtp.h"

/** Reception statistics of one SSRC (zero it, then tes_rx_update). */
struct tes_rx_stats {
	uint32_t ssrc;            /**< Source, set by the first packet */
	uint32_t clock;           /**< Its RTP clock rate (Hz) */
	bool init;                /**< A packet was seen */
	uint16_t max_seq;         /**< Highest sequence number seen */
	uint32_t cycles;          /**< Wraps of max_seq, times 65536 */
	uint32_t base_seq;        /**< First sequence number */
	uint32_t received;        /**< Packets received (duplicates too) */
	uint32_t expected_prior;  /**< Expected at the last report */
	uint32_t received_prior;  /**< Received at the last report */
	uint32_t transit;         /**< Last relative transit time */
	uint32_t jitter;          /**< Jitter estimate, times 16 (A.8) */
	uint32_t lsr;             /**< Middle 32 bits of the last SR's NTP
				       time, 0 when none came */
	uint64_t lsr_at_us;       /**< When that SR came */
};

/**
 * Count one packet.
 *
 * @param s           Statistics
 * @param ssrc        Its SSRC (a new one starts the statistics afresh)
 * @param clock       Its RTP clock rate in Hz
 * @param seq         Sequence number
 * @param ts          RTP timestamp
 * @param arrival_us  Arrival time, microseconds of a monotonic clock
 */
void tes_rx_update(struct tes_rx_stats *s, uint32_t ssrc, uint32_t clock,
		   uint16_t seq, uint32_t ts, uint64_t arrival_us);

/**
 * Note the source's sender report (for LSR and DLSR).
 *
 * @param s       Statistics
 * @param ntp     The SR's NTP timestamp
 * @param now_us  Arrival time (same clock as tes_rx_update)
 */
void tes_rx_sr(struct tes_rx_stats *s, uint64_t ntp, uint64_t now_us);

/**
 * Fill a report block, and start the next reporting interval.
 *
 * @param s       Statistics (init must be true)
 * @param rb      Receives the block
 * @param now_us  Now (same clock as tes_rx_update)
 */
void tes_rx_block(struct tes_rx_stats *s, struct tes_rtcp_rb *rb,
		  uint64_t now_us);

#endif /* TES_RTP_RXSTATS_H */
