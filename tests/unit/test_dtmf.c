/**
 * @file test_dtmf.c  RFC 4733 telephone events received: the payload
 * layout (2.3), packed events (2.5.1.5), and the receive state machine:
 * a sender's digits as RFC 4733 2.5.1 has it send them (marker on the
 * first packet, updates every 50 ms, the end three times), reordered
 * packets, every end packet lost, a long event in segments (2.5.1.3),
 * timestamps that wrap.
 */
#include <string.h>

#include "rtp/payload.h"
#include "test.h"

enum {
	MAX_REPORTS = 16,
	UPDATE = 400,       /* 50 ms at 8000 Hz */
};

struct seen {
	struct tes_dtmf_report r[MAX_REPORTS];
	int n;
};

static void on_report(const struct tes_dtmf_report *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_REPORTS)
		s->r[s->n] = *r;
	s->n++;
}

/* one event's 4 payload bytes */
static const uint8_t *ev(uint8_t *b, uint8_t event, bool end, uint8_t vol,
			 uint16_t dur)
{
	b[0] = event;
	b[1] = (uint8_t)((end ? 0x80 : 0) | (vol & 0x3f));
	b[2] = (uint8_t)(dur >> 8);
	b[3] = (uint8_t)dur;
	return b;
}

/* feed one single-event packet; returns what it reported */
static int feed(struct tes_dtmf_rx *rx, struct seen *s, uint32_t ts,
		bool marker, uint8_t event, bool end, uint16_t dur)
{
	uint8_t b[4];

	return tes_dtmf_rx_feed(rx, ts, marker, ev(b, event, end, 10, dur), 4,
				on_report, s);
}

static int report_is(const struct seen *s, int i, char digit, uint32_t ts,
		     uint32_t dur, bool ended)
{
	TEST_ASSERT(i < s->n);
	TEST_EQ(s->r[i].digit, digit);
	TEST_EQ(s->r[i].ts, ts);
	TEST_EQ(s->r[i].duration, dur);
	TEST_EQ(s->r[i].ended, ended);
	return 0;
}

TES_TEST(dtmf_parse)
{
	/* event 5, E, R, volume 10, duration 800; then R alone */
	static const uint8_t one[] = {0x05, 0xca, 0x03, 0x20};
	static const uint8_t no_end[] = {0x0b, 0x4a, 0x00, 0xa0};
	static const uint8_t packed[] = {0x01, 0x8a, 0x03, 0x20,
					 0x02, 0x0a, 0x01, 0x90};
	static const uint8_t bad_pack[] = {0x01, 0x0a, 0x03, 0x20,
					   0x02, 0x8a, 0x01, 0x90};
	struct tes_dtmf_event e[2];

	TEST_EQ(tes_dtmf_parse(e, 2, one, sizeof(one)), 1);
	TEST_EQ(e[0].event, 5);
	TEST_ASSERT(e[0].end);
	TEST_EQ(e[0].volume, 10);
	TEST_EQ(e[0].duration, 800);
	TEST_EQ(tes_dtmf_parse(e, 2, no_end, sizeof(no_end)), 1);
	TEST_ASSERT(!e[0].end);
	TEST_EQ(e[0].event, 11);
	TEST_EQ(e[0].duration, 160);
	TEST_EQ(tes_dtmf_parse(e, 2, packed, sizeof(packed)), 2);
	TEST_EQ(e[1].event, 2);
	TEST_ASSERT(!e[1].end);
	TEST_EQ(e[1].duration, 400);

	TEST_EQ(tes_dtmf_parse(e, 2, one, 0), -EBADMSG);
	TEST_EQ(tes_dtmf_parse(e, 2, one, 3), -EBADMSG);
	TEST_EQ(tes_dtmf_parse(e, 2, packed, 5), -EBADMSG);
	TEST_EQ(tes_dtmf_parse(e, 2, bad_pack, sizeof(bad_pack)), -EBADMSG);
	TEST_EQ(tes_dtmf_parse(e, 1, packed, sizeof(packed)), -EMSGSIZE);
	TEST_EQ(tes_dtmf_parse(NULL, 1, one, 4), -EINVAL);
	TEST_EQ(tes_dtmf_parse(e, 1, NULL, 4), -EINVAL);

	for (int i = 0; i < 16; i++)
		TEST_EQ(tes_dtmf_char((uint8_t)i), "0123456789*#ABCD"[i]);
	TEST_EQ(tes_dtmf_char(16), '\0');   /* flash */
	TEST_EQ(tes_dtmf_char(255), '\0');

	return 0;
}

/* two digits as a sender sends them: each is reported once, at its first
 * end packet; the other two copies of the end change nothing */
TES_TEST(dtmf_rx_digits)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};
	static const uint8_t digits[] = {1, 2};

	tes_dtmf_rx_init(&rx);
	for (size_t d = 0; d < 2; d++) {
		uint32_t ts = (uint32_t)d * 4000;

		for (uint16_t k = 1; k <= 3; k++)
			TEST_EQ(feed(&rx, &s, ts, k == 1, digits[d], false,
				     (uint16_t)(k * UPDATE)), 0);
		TEST_EQ(s.n, (int)d);
		TEST_EQ(feed(&rx, &s, ts, false, digits[d], true, 1600), 1);
		TEST_EQ(feed(&rx, &s, ts, false, digits[d], true, 1600), 0);
		TEST_EQ(feed(&rx, &s, ts, false, digits[d], true, 1600), 0);
	}
	TEST_EQ(s.n, 2);
	TEST_OK(report_is(&s, 0, '1', 0, 1600, true));
	TEST_OK(report_is(&s, 1, '2', 4000, 1600, true));
	TEST_EQ(s.r[0].volume, 10);
	TEST_EQ(rx.reported, 2);
	TEST_EQ(rx.ignored, 4);
	TEST_EQ(tes_dtmf_rx_flush(&rx, on_report, &s), 0);

	return 0;
}

/* reordered: an update after the end, the first packet after the
 * second; still one report with the longest duration */
TES_TEST(dtmf_rx_reordered)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};

	tes_dtmf_rx_init(&rx);
	TEST_EQ(feed(&rx, &s, 800, false, 10, false, 800), 0);
	TEST_EQ(feed(&rx, &s, 800, true, 10, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 800, false, 10, true, 1600), 1);
	TEST_EQ(feed(&rx, &s, 800, false, 10, false, 1200), 0);
	TEST_EQ(feed(&rx, &s, 800, false, 10, true, 1600), 0);
	TEST_EQ(s.n, 1);
	TEST_OK(report_is(&s, 0, '*', 800, 1600, true));

	/* the next digit, and a late end copy of the last one after its
	 * start: ignored */
	TEST_EQ(feed(&rx, &s, 5000, true, 11, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 800, false, 10, true, 1600), 0);
	TEST_EQ(feed(&rx, &s, 5000, false, 11, true, 800), 1);
	TEST_EQ(s.n, 2);
	TEST_OK(report_is(&s, 1, '#', 5000, 800, true));
	/* a packet of the same timestamp but another event: not this one */
	TEST_EQ(feed(&rx, &s, 9000, true, 3, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 9000, false, 4, true, 800), 0);
	TEST_EQ(feed(&rx, &s, 9000, false, 3, true, 800), 1);
	TEST_OK(report_is(&s, 2, '3', 9000, 800, true));

	return 0;
}

/* every end packet lost: the event is reported when the next begins,
 * or when flushed; the same digit twice is two events */
TES_TEST(dtmf_rx_ends_lost)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};

	tes_dtmf_rx_init(&rx);
	TEST_EQ(feed(&rx, &s, 0, true, 5, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 0, false, 5, false, 800), 0);
	/* "5" again */
	TEST_EQ(feed(&rx, &s, 2400, true, 5, false, 400), 1);
	TEST_OK(report_is(&s, 0, '5', 0, 800, false));
	TEST_EQ(feed(&rx, &s, 2400, false, 5, true, 1200), 1);
	TEST_OK(report_is(&s, 1, '5', 2400, 1200, true));
	/* "D" whose ends never come, nothing after it */
	TEST_EQ(feed(&rx, &s, 6000, true, 15, false, 400), 0);
	TEST_EQ(tes_dtmf_rx_flush(&rx, on_report, &s), 1);
	TEST_OK(report_is(&s, 2, 'D', 6000, 400, false));
	TEST_EQ(tes_dtmf_rx_flush(&rx, on_report, &s), 0);
	/* its end copies come after all: already told */
	TEST_EQ(feed(&rx, &s, 6000, false, 15, true, 1200), 0);
	TEST_EQ(s.n, 3);
	/* its first packet lost: the event starts at its first packet */
	TEST_EQ(feed(&rx, &s, 9000, false, 7, false, 800), 0);
	TEST_EQ(feed(&rx, &s, 9000, false, 7, true, 1200), 1);
	TEST_OK(report_is(&s, 3, '7', 9000, 1200, true));

	return 0;
}

/* several events in one packet (RFC 4733 2.5.1.5), and that packet
 * again with an update of its last */
TES_TEST(dtmf_rx_packed)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};
	uint8_t p[12];

	tes_dtmf_rx_init(&rx);
	ev(p, 1, true, 10, 800);
	ev(p + 4, 2, true, 10, 800);
	ev(p + 8, 3, false, 10, 400);
	TEST_EQ(tes_dtmf_rx_feed(&rx, 10000, true, p, 12, on_report, &s), 2);
	TEST_OK(report_is(&s, 0, '1', 10000, 800, true));
	TEST_OK(report_is(&s, 1, '2', 10800, 800, true));
	ev(p + 8, 3, true, 10, 1000);
	TEST_EQ(tes_dtmf_rx_feed(&rx, 10000, false, p, 12, on_report, &s), 1);
	TEST_OK(report_is(&s, 2, '3', 11600, 1000, true));
	TEST_EQ(tes_dtmf_rx_feed(&rx, 10000, false, p, 12, on_report, &s), 0);
	TEST_EQ(s.n, 3);

	/* malformed: ignored, counted */
	TEST_EQ(tes_dtmf_rx_feed(&rx, 20000, true, p, 7, on_report, &s),
		-EBADMSG);
	TEST_EQ(rx.malformed, 1);
	TEST_EQ(tes_dtmf_rx_feed(NULL, 0, true, p, 4, on_report, &s), -EINVAL);
	TEST_EQ(s.n, 3);

	return 0;
}

/* a long event in segments of 0xFFFF ticks, each a new timestamp without
 * the marker: one event, its segments added up */
TES_TEST(dtmf_rx_long_event)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};

	tes_dtmf_rx_init(&rx);
	TEST_EQ(feed(&rx, &s, 1000, true, 0, false, 30000), 0);
	TEST_EQ(feed(&rx, &s, 1000, false, 0, false, 65535), 0);
	TEST_EQ(feed(&rx, &s, 1000 + 65535, false, 0, false, 10000), 0);
	/* a late packet of the first segment changes nothing */
	TEST_EQ(feed(&rx, &s, 1000, false, 0, false, 40000), 0);
	TEST_EQ(feed(&rx, &s, 1000 + 65535, false, 0, true, 20000), 1);
	TEST_OK(report_is(&s, 0, '0', 1000, 65535 + 20000, true));
	TEST_EQ(feed(&rx, &s, 1000 + 65535, false, 0, true, 20000), 0);

	/* with the marker it is a new event, even of the same key */
	TEST_EQ(feed(&rx, &s, 200000, true, 0, false, 65535), 0);
	TEST_EQ(feed(&rx, &s, 200000 + 65535, true, 0, false, 400), 1);
	TEST_OK(report_is(&s, 1, '0', 200000, 65535, false));
	TEST_EQ(tes_dtmf_rx_flush(&rx, NULL, NULL), 1);
	TEST_EQ(rx.reported, 3);

	return 0;
}

/* timestamps wrap: newer is newer modulo 2^32 */
TES_TEST(dtmf_rx_wrap)
{
	struct tes_dtmf_rx rx;
	struct seen s = {.n = 0};

	tes_dtmf_rx_init(&rx);
	TEST_EQ(feed(&rx, &s, 0xffffff00u, true, 9, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 0xffffff00u, false, 9, true, 800), 1);
	TEST_EQ(feed(&rx, &s, 0x100, true, 8, false, 400), 0);
	TEST_EQ(feed(&rx, &s, 0xffffff00u, false, 9, true, 800), 0);
	TEST_EQ(feed(&rx, &s, 0x100, false, 8, true, 800), 1);
	TEST_EQ(s.n, 2);
	TEST_OK(report_is(&s, 0, '9', 0xffffff00u, 800, true));
	TEST_OK(report_is(&s, 1, '8', 0x100, 800, true));

	return 0;
}
