/**
 * @file fuzz_dtmf.c  libFuzzer harness for RFC 4733 telephone events:
 * each record is parsed as a payload (fields checked against its bytes)
 * and fed, with a timestamp that stays, steps on, steps back or jumps, to
 * a receive state machine, now and then flushed.
 *
 * Checked: every event is reported once: reports come in order of their
 * start (newer timestamps only), the count matches what feed and flush
 * returned and rx.reported, and a duration never exceeds what its
 * segments allow.
 *
 * Record: ctl byte (bit 0 marker, bits 1-3 timestamp step, bit 4 flush
 * first), length byte (& 31), payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	unsigned calls;
	bool have_last;
	uint32_t last_ts;
};

static void on_report(const struct tes_dtmf_report *r, void *arg)
{
	struct state *st = arg;

	/* once each: a report is always of a newer event than the last */
	if (st->have_last && (int32_t)(r->ts - st->last_ts) <= 0)
		abort();
	if (r->digit != tes_dtmf_char(r->event) ||
	    (r->event < 16 && !r->digit) || (r->event >= 16 && r->digit))
		abort();
	if (r->volume > 63)
		abort();
	st->have_last = true;
	st->last_ts = r->ts;
	st->calls++;
}

static void check_parse(const uint8_t *p, size_t len)
{
	struct tes_dtmf_event ev[TES_DTMF_PACK_MAX];
	int n = tes_dtmf_parse(ev, TES_DTMF_PACK_MAX, p, len);

	if (n < 0) {
		if (n != -EBADMSG && n != -EMSGSIZE)
			abort();
		return;
	}
	if (!n || (size_t)n * TES_DTMF_EVENT_LEN != len)
		abort();
	for (int i = 0; i < n; i++, p += TES_DTMF_EVENT_LEN) {
		if (ev[i].event != p[0] || ev[i].end != !!(p[1] & 0x80) ||
		    ev[i].volume != (p[1] & 0x3f) ||
		    ev[i].duration != tes_rd16(p + 2) ||
		    (i + 1 < n && !ev[i].end))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* steps in ticks: the same event, the next update, a segment, back,
	 * a new event, far */
	static const int32_t steps[8] = {0, 0, 400, 65535, -400, 4000,
					 -65535, 100000};
	struct state st = {.calls = 0};
	struct tes_dtmf_rx rx;
	unsigned expected = 0;
	uint32_t ts = 0x7ffffff0u;
	size_t off = 0, records = 0;

	tes_dtmf_rx_init(&rx);
	while (size - off >= 2 && records++ < 20000) {
		uint8_t ctl = data[off], len = data[off + 1] & 31;
		uint8_t *buf;
		int n;

		off += 2;
		len = (uint8_t)TES_MIN((size_t)len, size - off);
		if (ctl & 16) {
			n = tes_dtmf_rx_flush(&rx, on_report, &st);
			if (n < 0 || n > 1)
				abort();
			expected += (unsigned)n;
		}
		ts += (uint32_t)steps[(ctl >> 1) & 7];
		/* exact-size copy so ASan sees reads past the payload */
		buf = malloc(len ? len : 1);
		if (!buf)
			break;
		memcpy(buf, data + off, len);
		check_parse(buf, len);
		n = tes_dtmf_rx_feed(&rx, ts, ctl & 1, buf, len, on_report,
				     &st);
		free(buf);
		off += len;
		if (n > TES_DTMF_PACK_MAX + 1)
			abort();
		if (n > 0)
			expected += (unsigned)n;
		if (st.calls != expected || rx.reported != expected)
			abort();
		/* what is under way: a segment's duration is 16 bits */
		if (rx.active && (int32_t)(rx.seg_ts - rx.start_ts) < 0)
			abort();
	}
	expected += (unsigned)tes_dtmf_rx_flush(&rx, on_report, &st);
	if (st.calls != expected || rx.active ||
	    tes_dtmf_rx_flush(&rx, on_report, &st))
		abort();

	return 0;
}
