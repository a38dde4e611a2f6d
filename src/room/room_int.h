/**
 * @file room_int.h  Internals shared by the files of the room module.
 */
#ifndef TES_ROOM_INT_H
#define TES_ROOM_INT_H

#include "dtls/dtls.h"
#include "net/ice.h"
#include "room/room.h"
#include "rtp/rtp.h"
#include "sdp/sdp.h"
#include "srtp/srtp.h"

struct tes__room;

enum tes__part_state {
	TES__PART_NEW,        /* answer sent, waiting for ICE */
	TES__PART_CONNECTING, /* ICE address selected, DTLS running */
	TES__PART_CONNECTED,  /* SRTP keys in place, media flows */
	TES__PART_FAILED,     /* about to be removed */
};

/* One media stream of a participant (one m-line we accepted). */
struct tes__stream {
	enum tes_media_kind kind;
	uint8_t pt;            /* negotiated payload type */
	uint32_t in_ssrc;      /* SSRC the peer sends with (learned) */
	uint32_t out_ssrc;     /* SSRC we send with */
	bool we_send;
	bool we_recv;
	char codec[48];        /* "VP8/90000" */
};

/* A participant; owned by the loop thread, listed in its room. */
struct tes__part {
	struct tes__part *next;        /* room's list */
	struct tes__room *room;        /* weak: the room outlives its list */
	char id[TES_PART_ID_LEN + 1];
	enum tes__part_state state;
	char fail_reason[128];
	uint64_t joined_ms;
	struct tes_ice_agent *ice;
	struct tes_dtls *dtls;
	struct tes_srtp *srtp;
	const struct tes_conf *conf;
	struct tes__stream streams[2]; /* audio, video (by kind) */
	size_t n_streams;
	struct tes_part_counters cnt;
	struct tes_ratelog rl;
	const char *srtp_name;
	uint8_t txbuf[TES_UDP_MAX_DGRAM + TES_SRTP_MAX_TRAILER];
};

/* A room. */
struct tes__room {
	struct tes__room *next;
	char name[TES_ROOM_NAME_MAX + 1];
	const char *mode;
	uint64_t created_ms;
	struct tes__part *parts;
	size_t n_parts;
};

/* participant.c */
int tes__part_alloc(struct tes__part **pp, struct tes__room *room,
		    const struct tes_rooms_deps *deps, const char *offer,
		    size_t len, char **answer, char *err, size_t errlen);
void tes__part_fail(struct tes__part *p, const char *reason);
void tes__part_tick(struct tes__part *p, uint64_t now);
int tes__part_send_rtp(struct tes__part *p, const uint8_t *buf, size_t len);
int tes__part_send_rtcp(struct tes__part *p, const uint8_t *buf,
			size_t len);
struct tes__stream *tes__part_stream_by_pt(struct tes__part *p, uint8_t pt);
const char *tes__part_state_name(enum tes__part_state s);

/* echo.c: the echo room mode */
void tes__echo_rtp(struct tes__part *p, struct tes__stream *st, uint8_t *buf,
		   size_t len);
void tes__echo_rtcp(struct tes__part *p, uint8_t *buf, size_t len);

#endif /* TES_ROOM_INT_H */
