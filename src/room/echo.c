/**
 * @file echo.c  The echo room mode: a connectivity self-test (like Janus's
 * EchoTest).  Each participant gets its own media back on the SSRCs we
 * announced; RTCP is passed end to end with every SSRC swapped, so the
 * browser's NACK, PLI, FIR and REMB about what it receives reach its own
 * sender, and its SR keeps lip sync on the way back.
 */
#include "room/room_int.h"

static uint32_t swap_ssrc(uint32_t ssrc, void *arg)
{
	struct tes__part *p = arg;

	for (size_t i = 0; i < p->n_streams; i++) {
		struct tes__stream *st = &p->streams[i];

		if (!st->in_ssrc)
			continue;
		if (ssrc == st->in_ssrc)
			return st->out_ssrc;
		if (ssrc == st->out_ssrc)
			return st->in_ssrc;
	}

	return ssrc;
}

void tes__echo_rtp(struct tes__part *p, struct tes__stream *st, uint8_t *buf,
		   size_t len)
{
	if (!st->we_send)
		return; /* sendonly publisher: nothing goes back */

	/* sequence numbers and timestamps pass unchanged: the receiver
	 * sees the sender's own loss and timing, and NACKs map 1:1 */
	tes_rtp_set_ssrc(buf, st->out_ssrc);
	(void)tes__part_send_rtp(p, buf, len);
}

void tes__echo_rtcp(struct tes__part *p, uint8_t *buf, size_t len)
{
	if (tes_rtcp_rewrite_ssrcs(buf, len, swap_ssrc, p)) {
		p->cnt.drop_malformed++;
		return;
	}

	(void)tes__part_send_rtcp(p, buf, len);
}
