/**
 * @file feed.h  Drives an ingress stream from fuzz input, shared by the
 * payload-format harnesses: the input is a series of records (control
 * byte, length byte, payload) that move the sequence number (reordering,
 * duplicates, gaps), the timestamp, the marker and the clock.
 */
#ifndef TES_FUZZ_FEED_H
#define TES_FUZZ_FEED_H

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/ingress.h"
#include "rtp/rtp.h"

/**
 * Push the records of data into in, tick it until it settles, and abort
 * unless it emitted exactly *emitted frames (counted by the au handler).
 *
 * @param in       Ingress (the caller allocates and frees it)
 * @param data     Fuzz input
 * @param size     Its length
 * @param emitted  Frames the harness's au handler saw
 */
static inline void fuzz_feed_ingress(struct tes_ingress *in,
				     const uint8_t *data, size_t size,
				     const unsigned *emitted)
{
	uint64_t now = 1000000;
	uint16_t seq = 65500;
	uint32_t ts = 0;
	size_t off = 0;

	while (size - off >= 2) {
		struct tes_rtp_hdr h;
		uint8_t ctl = data[off], len = data[off + 1] & 63;
		uint8_t *buf;

		off += 2;
		len = (uint8_t)TES_MIN((size_t)len, size - off);
		memset(&h, 0, sizeof(h));
		seq = (uint16_t)(seq + ((ctl >> 2) & 7) - 2);
		if (ctl & 2)
			ts += 3000;
		h.seq = seq;
		h.ts = ts;
		h.marker = ctl & 1;
		/* exact-size copy so ASan sees reads past the payload */
		buf = malloc(len ? len : 1);
		if (!buf)
			break;
		memcpy(buf, data + off, len);
		h.payload = buf;
		h.payload_len = len;
		tes_ingress_push(in, &h, now);
		free(buf);
		off += len;
		now += (uint64_t)(ctl >> 5) * 15000;
		tes_ingress_tick(in, now);
	}
	for (int i = 0; i < 20; i++) {
		now += 100000;
		tes_ingress_tick(in, now);
	}
	if (tes_ingress_stats(in)->frames != *emitted)
		abort();
}

#endif /* TES_FUZZ_FEED_H */
