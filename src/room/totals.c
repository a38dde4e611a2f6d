/**
 * @file totals.c  The names of a participant's counters, and sums of
 * them over participants and mixers, live or gone (for /metrics).
 */
#include <string.h>

#include "room/room_int.h"

#define F(f, help) {#f, help, offsetof(struct tes_part_counters, f)}

const struct tes_part_counter_field tes_part_counter_fields[] = {
	F(rtp_in, "RTP packets received (decrypted)"),
	F(rtp_out, "RTP packets sent"),
	F(rtcp_in, "RTCP compound packets received"),
	F(rtcp_out, "RTCP compound packets sent"),
	F(bytes_in, "RTP bytes received (after SRTP)"),
	F(bytes_out, "RTP bytes sent (before SRTP)"),
	F(drop_malformed, "RTP and RTCP dropped: did not parse"),
	F(drop_unknown_pt, "RTP dropped: payload type not negotiated"),
	F(drop_not_ready, "Media dropped: came before SRTP was up"),
	F(srtp_auth_fail, "SRTP and SRTCP dropped: authentication failed"),
	F(srtp_replay, "SRTP and SRTCP dropped: replayed"),
	F(nack_in, "Generic NACKs received"),
	F(pli_in, "PLIs received"),
	F(fir_in, "FIRs received"),
	F(send_errors, "Packets that could not be sent"),
	F(nack_out, "Mix: NACKs sent for a participant's video"),
	F(pli_out, "Mix: keyframe requests sent"),
	F(decode_errors, "Mix: video frames that failed to decode"),
	F(frames_dropped, "Mix: video frames dropped (decoder late)"),
	F(audio_dropped, "Mix: audio dropped (queue full)"),
	F(audio_bad_duration, "Mix: audio packets dropped: not 20 ms long"),
	F(profile_switches, "Mix: moves between output profiles"),
	F(resent, "Mix: video packets resent on NACK"),
};

#undef F

const size_t tes_part_counter_nfields = TES_ARRAY_SIZE(tes_part_counter_fields);

/* a counter added to struct tes_part_counters needs its line above */
_Static_assert(sizeof(struct tes_part_counters) ==
	       TES_ARRAY_SIZE(tes_part_counter_fields) * sizeof(uint64_t),
	       "tes_part_counter_fields lists every counter");

void tes__totals_part(struct tes_rooms_totals *t, const struct tes__part *p)
{
	for (size_t i = 0; i < tes_part_counter_nfields; i++) {
		size_t off = tes_part_counter_fields[i].off;

		*(uint64_t *)((char *)&t->cnt + off) +=
			*(const uint64_t *)((const char *)&p->cnt + off);
	}
	/* as GET /rooms/{room} shows them: with the kernel's refusals */
	if (p->ice)
		t->cnt.send_errors += tes_ice_agent_tx_errors(p->ice);
}

void tes__totals_mix(struct tes_rooms_totals *t, struct tes__mix *m)
{
	struct tes_room_info ri;

	memset(&ri, 0, sizeof(ri));
	tes__mix_info(m, &ri);
	t->video_frames += ri.video_frames;
	t->video_missed += ri.video_missed;
	t->audio_ticks += ri.audio_ticks;
	t->audio_missed += ri.audio_missed;
}
