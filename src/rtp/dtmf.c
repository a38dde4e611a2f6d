/**
 * @file dtmf.c  Telephone events received (RFC 4733): the payload (event,
 * E bit, volume, duration; several events packed in one packet), and a
 * small state machine that reports each event once: when its end comes,
 * or when a newer event begins and its end was never seen.
 *
 * What a sender does (RFC 4733 2.5): the first packet of an event has the
 * marker bit; every packet of it carries the event's start as its RTP
 * timestamp and the duration so far; the end packet (E bit) is usually
 * sent three times.  A long event goes in segments of 0xFFFF ticks, each
 * with a new timestamp and no marker.  No state, no thread here but the
 * caller's struct tes_dtmf_rx.
 */
#include <string.h>

#include "base/base.h"
#include "rtp/payload.h"

enum {
	EV_END = 0x80,        /* E bit */
	EV_VOLUME = 0x3f,
	SEGMENT = 0xffff,     /* ticks of a long event's segment */
};

int tes_dtmf_parse(struct tes_dtmf_event *ev, size_t max, const uint8_t *p,
		   size_t len)
{
	size_t n;

	if (!ev || !p)
		return -EINVAL;
	if (!len || len % TES_DTMF_EVENT_LEN)
		return -EBADMSG;
	n = len / TES_DTMF_EVENT_LEN;
	if (n > max)
		return -EMSGSIZE;

	for (size_t i = 0; i < n; i++, p += TES_DTMF_EVENT_LEN) {
		ev[i].event = p[0];
		ev[i].end = (p[1] & EV_END) != 0;
		ev[i].volume = p[1] & EV_VOLUME;
		ev[i].duration = tes_rd16(p + 2);
		/* packed events follow each other: all but the last end */
		if (i + 1 < n && !ev[i].end)
			return -EBADMSG;
	}

	return (int)n;
}

char tes_dtmf_char(uint8_t event)
{
	static const char keys[] = "0123456789*#ABCD";

	return event < sizeof(keys) - 1 ? keys[event] : '\0';
}

void tes_dtmf_rx_init(struct tes_dtmf_rx *rx)
{
	if (rx)
		memset(rx, 0, sizeof(*rx));
}

/* the event under way is over: tell it */
static int report(struct tes_dtmf_rx *rx, bool ended, tes_dtmf_h *h,
		  void *arg)
{
	struct tes_dtmf_report r = {
		.event = rx->event,
		.digit = tes_dtmf_char(rx->event),
		.ts = rx->start_ts,
		.duration = (rx->seg_ts - rx->start_ts) + rx->seg_dur,
		.volume = rx->volume,
		.ended = ended,
	};

	rx->active = false;
	rx->have_done = true;
	rx->done_ts = rx->seg_ts;
	rx->reported++;
	if (h)
		h(&r, arg);

	return 1;
}

/* one event of a packet, starting at ts */
static int feed_one(struct tes_dtmf_rx *rx, uint32_t ts, bool marker,
		    const struct tes_dtmf_event *e, tes_dtmf_h *h, void *arg)
{
	int n = 0;

	if (rx->active && ts == rx->seg_ts) {
		/* the event under way: the same timestamp is the same
		 * event; any order, the longest duration counts */
		if (e->event != rx->event) {
			rx->ignored++;
			return 0;
		}
		rx->seg_dur = TES_MAX(rx->seg_dur, e->duration);
		rx->volume = e->volume;
		return e->end ? report(rx, true, h, arg) : 0;
	}
	if (rx->active && (int32_t)(ts - rx->seg_ts) < 0) {
		rx->ignored++;  /* an older segment, or late */
		return 0;
	}
	if (rx->active && !marker && e->event == rx->event &&
	    ts - rx->seg_ts == SEGMENT) {
		/* the next segment of a long event */
		rx->seg_ts = ts;
		rx->seg_dur = e->duration;
		rx->volume = e->volume;
		return e->end ? report(rx, true, h, arg) : 0;
	}
	if (rx->active) {
		/* a newer event: all the end packets of this one were lost */
		n = report(rx, false, h, arg);
	}
	else if (rx->have_done && (int32_t)(ts - rx->done_ts) <= 0) {
		/* a redundant end of the event reported, or a late packet */
		rx->ignored++;
		return 0;
	}

	rx->active = true;
	rx->event = e->event;
	rx->volume = e->volume;
	rx->start_ts = rx->seg_ts = ts;
	rx->seg_dur = e->duration;
	if (e->end)
		n += report(rx, true, h, arg);

	return n;
}

int tes_dtmf_rx_feed(struct tes_dtmf_rx *rx, uint32_t ts, bool marker,
		     const uint8_t *payload, size_t len, tes_dtmf_h *h,
		     void *arg)
{
	struct tes_dtmf_event ev[TES_DTMF_PACK_MAX];
	int n, reported = 0;

	if (!rx)
		return -EINVAL;
	n = tes_dtmf_parse(ev, TES_DTMF_PACK_MAX, payload, len);
	if (n < 0) {
		rx->malformed++;
		return n;
	}
	for (int i = 0; i < n; i++) {
		/* packed: each begins where the one before ended */
		reported += feed_one(rx, ts, marker && !i, &ev[i], h, arg);
		ts += ev[i].duration;
	}

	return reported;
}

int tes_dtmf_rx_flush(struct tes_dtmf_rx *rx, tes_dtmf_h *h, void *arg)
{
	if (!rx || !rx->active)
		return 0;

	return report(rx, false, h, arg);
}
