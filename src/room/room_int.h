/**
 * @file room_int.h  Internals shared by the files of the room module.
 */
#ifndef TES_ROOM_INT_H
#define TES_ROOM_INT_H

#include <jansson.h>

#include "dtls/dtls.h"
#include "net/ice.h"
#include "net/rtpsock.h"
#include "room/room.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "rtp/rxstats.h"
#include "sdp/crypto.h"
#include "sdp/sdp.h"
#include "sip/sip.h"
#include "srtp/srtp.h"

struct tes__room;
struct tes__part;
struct tes__mix;
struct tes__mixin;
struct tes__sub;
struct tes__pub;
struct tes_pool;
struct tes_layout_set;

/* What every mixed room shares (owned by the registry, loop thread). */
struct tes__mixctx {
	uv_loop_t *loop;
	const struct tes_conf *conf;
	struct tes_pool *pool;             /* decode / compose / encode */
	struct tes_layout_set *layouts;    /* current presets (immutable) */
	/* where the mix's RTP and RTCP (SR, REMB) go; NULL: to the
	 * participant (tes__part_send_rtp/rtcp).  Tests catch them here. */
	int (*send_rtp)(struct tes__part *p, const uint8_t *buf, size_t len);
	int (*send_rtcp)(struct tes__part *p, const uint8_t *buf,
			 size_t len);
};

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
	uint8_t audio_level_id; /* RFC 6464 extension id, 0 none */
	uint16_t out_seq;      /* mix mode: next sequence number we send */
	uint32_t out_packets;  /* mix mode: RTP packets sent (for SR) */
	uint32_t out_octets;   /* mix mode: payload octets sent (for SR) */
	uint32_t in_ssrc;      /* SSRC the peer sends with (learned) */
	uint32_t out_ssrc;     /* SSRC we send with */
	bool we_send;
	bool we_recv;
	char codec[48];        /* "VP8/90000" */
	uint8_t h264_pmode;    /* H.264: packetization-mode it negotiated
				  (0 single NAL units only, 1), else 0 */
	uint32_t h264_max_fs;  /* H.264: its fmtp's max-fs, 0: none */
	uint32_t h264_max_mbps; /* H.264: its fmtp's max-mbps, 0: none */
	uint8_t h264_level_idc; /* H.264: level_idc of its profile-level-id
				  (31 = 3.1, 9 = 1b), else 0 */
	/* simulcast we receive: one SSRC per rid, learned from the
	 * rtp-stream-id extension of the first packets; in_ssrc is the
	 * last (largest) layer's */
	uint32_t clock;        /* its RTP clock rate */
	struct tes_rx_stats rx[TES_SDP_MAX_RIDS]; /* what we receive, per
				  simulcast layer (one without) */
	uint8_t rid_id;        /* rtp-stream-id extension id */
	uint8_t n_layers;      /* 0: no simulcast */
	struct {
		char rid[TES_SDP_RID_MAX + 1];
		uint32_t ssrc;  /* 0 until seen */
		uint16_t width; /* from its last VP8 keyframe, 0: unknown */
		uint16_t height;
	} layers[TES_SDP_MAX_RIDS];
	int8_t mix_layer;      /* mix: the layer decoded (in_ssrc is its) */
	int8_t mix_want;       /* mix: the layer to switch to at its next
				  keyframe */
	uint64_t mix_choice_ms; /* mix: when the layer was last chosen */
};

/* One m-line of a SIP participant: its own plain RTP transport. */
struct tes__sipline {
	struct tes__part *p;           /* weak: the line is p's */
	size_t media;                  /* its m-line in the answer */
	size_t stream;                 /* the stream of p it carries */
	struct tes_rtp_sock *sock;
	bool mux;                      /* RTCP on the RTP port */
	struct tes_srtp *srtp;         /* SDES-SRTP, or NULL: plain RTP */
	bool has_key;                  /* local_key is set */
	struct tes_sdes local_key;     /* our SDES key (a=crypto) */
	struct tes_sdes remote_key;    /* the peer's, of srtp */
};

/* What a SIP participant has beside a browser's. */
struct tes__sip {
	uint32_t call;                 /* the SIP service's call number */
	bool ended;                    /* the SIP side ended it (no BYE) */
	struct tes__sipline line[2];   /* audio, video: the accepted
					  m-lines */
	size_t n_lines;
	uint64_t last_rx_ms;           /* the last packet it sent us */
	uint64_t sess_id;              /* our o= line */
	uint64_t sess_version;
	char cname[17];
	uint32_t audio_ssrc;
	uint32_t video_ssrc;
	uint8_t dtmf_pt;               /* telephone-event pt, 0: none */
	struct tes_dtmf_rx dtmf;       /* RFC 4733 events received */
	uint32_t dtmf_ssrc;            /* ... from this SSRC */
	uint64_t dtmf_ms;              /* the last telephone-event packet */
	char keys[8];                  /* the last keys pressed, oldest
					  first */
	bool offered;                  /* our 2xx carried the offer (the
					  INVITE had none) */
	char transport[TES_SIP_ADDR_MAX]; /* "UDP 127.0.0.1:5062" */
	char user_agent[TES_SIP_NAME_MAX + 1];
};

/* A participant; owned by the loop thread, listed in its room. */
struct tes__part {
	struct tes__part *next;        /* room's list */
	struct tes__room *room;        /* weak: the room outlives its list */
	char id[TES_PART_ID_LEN + 1];
	char name[TES_PART_NAME_MAX + 1]; /* display name (placeholder) */
	enum tes__part_state state;
	char fail_reason[128];
	uint64_t joined_ms;
	struct tes_ice_agent *ice;     /* NULL for SIP participants */
	struct tes_dtls *dtls;
	struct tes_srtp *srtp;
	struct tes__sip *sip;          /* SIP participants: plain RTP per
					  m-line, SDES keys, the call */
	const struct tes_conf *conf;
	struct tes__stream streams[2]; /* audio, video (by kind) */
	size_t n_streams;
	uint32_t num;                  /* room-unique number, join order */
	bool muted;                    /* mix: its audio is left out (a SIP
					  caller's DTMF *6 toggles it) */
	struct tes__mixin *mix;        /* mix mode media state, or NULL */
	struct tes__mixctx *ctx;       /* mix mode: shared pool, layouts */
	struct tes__sub *sub;          /* sfu mode: what it receives, and
					  its renegotiation */
	struct tes__pub *pub;          /* sfu mode: what it sends (packet
					  history, keyframe requests) */
	struct tes_part_counters cnt;
	char owner[TES_PART_NAME_MAX + 1]; /* who joined it (token sub) */
	uint64_t rr_ms;                /* our last receiver report */
	struct tes_ratelog rl;
	const char *srtp_name;
	uint8_t txbuf[TES_UDP_MAX_DGRAM + TES_SRTP_MAX_TRAILER];
};

/* Where a room's events go (the signalling layer's WebSocket channels). */
struct tes__events {
	tes_room_event_h *h;
	void *arg;
};

/* A room. */
struct tes__room {
	struct tes__room *next;
	char name[TES_ROOM_NAME_MAX + 1];
	const char *mode;
	uint64_t created_ms;
	struct tes__part *parts;
	size_t n_parts;
	uint32_t next_num;
	struct tes__mix *mix;          /* mix mode, or NULL (echo) */
	bool sfu;                      /* sfu mode: forward, do not mix */
	const struct tes__events *events; /* registry's event sink */
	/* why it is in its mode, and the automatic switches */
	char mode_reason[128];
	bool mode_pinned;              /* rooms.modes or PUT: no automatic
					  switch */
	enum { TES__BY_NONE, TES__BY_SIZE, TES__BY_LOAD } fallback;
	uint64_t mode_since_ms;
	uint32_t mode_switches;
	uint64_t watch_ms;             /* overload watch: last sample */
	uint64_t watch_ticks;          /* ticks due at it */
	uint64_t watch_missed;         /* ticks missed at it */
	uint32_t bad_seconds;          /* samples over the share, in a row */
	uint64_t retry_at_ms;          /* overload: mix again then */
	uint32_t retry_s;              /* overload: the hold, doubling */
};

/* totals.c: add a participant's counters, or a mixer's, to t */
void tes__totals_part(struct tes_rooms_totals *t, const struct tes__part *p);
void tes__totals_mix(struct tes_rooms_totals *t, struct tes__mix *m);

/* participant.c; sip: the call number of a SIP participant (its offer
 * is a SIP one, may be empty), 0 for WebRTC */
int tes__part_alloc(struct tes__part **pp, struct tes__room *room,
		    const struct tes_rooms_deps *deps, struct tes__mixctx *ctx,
		    uint32_t sip, const char *offer, size_t len,
		    char **answer, char *err, size_t errlen);
/* a SIP participant's ACK (with the answer when we offered) */
int tes__part_sip_ack(struct tes__part *p, struct tes__mixctx *ctx,
		      const char *sdp, size_t len, char *err, size_t errlen);
/* a SIP participant's re-INVITE: *answer the SDP to send on success */
int tes__part_sip_reinvite(struct tes__part *p, struct tes__mixctx *ctx,
			   const char *sdp, size_t len, char **answer,
			   char *err, size_t errlen);
/* a datagram that arrived for p, SRTP-protected with srtp (NULL: plain),
 * on the transport of stream st (NULL: found by payload type) */
void tes__part_recv(struct tes__part *p, struct tes_srtp *srtp,
		    struct tes__stream *st, bool rtcp, uint8_t *buf,
		    size_t len);
void tes__part_fail(struct tes__part *p, const char *reason);
void tes__part_tick(struct tes__part *p, uint64_t now);
int tes__part_send_rtp(struct tes__part *p, const uint8_t *buf, size_t len);
int tes__part_send_rtp2(struct tes__part *p, const uint8_t *hdr, size_t hlen,
			const uint8_t *payload, size_t plen);
/* send ev (taken: decref'd here; NULL is ignored) on p's event channel */
void tes__part_event(struct tes__part *p, json_t *ev);
bool tes__key_start(const struct tes__stream *st, const struct tes_rtp_hdr *h,
		    uint16_t *width, uint16_t *height);
int tes__part_send_rtcp(struct tes__part *p, const uint8_t *buf,
			size_t len);
/* a PLI for media_ssrc from st's SSRC, counted in pli_out once sent */
int tes__part_send_pli(struct tes__part *p, const struct tes__stream *st,
		       uint32_t media_ssrc);
struct tes__stream *tes__part_stream_by_pt(struct tes__part *p, uint8_t pt);
const char *tes__part_state_name(enum tes__part_state s);

struct tes__stream *tes__part_stream_by_kind(struct tes__part *p,
					     enum tes_media_kind kind);

/* mix.c: the mix room mode, room side */
int tes__mix_alloc(struct tes__mix **mp, struct tes__room *room,
		   struct tes__mixctx *ctx);
void tes__mix_close(struct tes__mix *m);
void tes__mix_keyframe(struct tes__mix *m, struct tes__part *p);
void tes__mix_feedback(struct tes__mix *m, struct tes__part *p);
void tes__mix_resend(struct tes__mix *m, struct tes__part *p, uint16_t seq);
const char *tes__mix_profile_name(struct tes__mix *m, struct tes__part *p);
/* why it receives no video although it negotiated some, or "" */
const char *tes__mix_profile_reason(const struct tes__part *p);
int tes__mix_profile_of(struct tes__mix *m, const struct tes__part *p);
void tes__mix_info(struct tes__mix *m, struct tes_room_info *ri);
void tes__mix_set_layout(struct tes__mix *m, const char *name);
int tes__mix_set_size(struct tes__mix *m, const char *profile, int width,
		      int height, char *err, size_t errlen);
struct tes_frame *tes__mix_snapshot(struct tes__mix *m);

struct tes__recs *tes__mix_recs(struct tes__mix *m);

/* mixrec.c: a mixed room's recordings */
struct tes__recs;
int tes__recs_alloc(struct tes__recs **rp, const struct tes_conf *conf,
		    const char *room,
		    const struct tes_conf_profile *const *profs, size_t n);
int tes__recs_start(struct tes__recs *rs, const char *profile,
		    const char *format, const char *url, tes_rec_desc_h *h,
		    void *arg, char *err, size_t errlen);
int tes__recs_stop(struct tes__recs *rs, const char *id, tes_rec_desc_h *h,
		   void *arg);
void tes__recs_foreach(struct tes__recs *rs, tes_rec_desc_h *h, void *arg);
void tes__recs_auto(struct tes__recs *rs);
int tes__recs_hls_file(struct tes__recs *rs, const char *name, char *path,
		       size_t len);
void tes__recs_video(struct tes__recs *rs, size_t prof, const uint8_t *au,
		     size_t len, bool key, int width, int height,
		     uint64_t pts_us);
void tes__recs_audio(struct tes__recs *rs, const uint8_t *pkt, size_t len,
		     uint64_t pts_us);
bool tes__recs_uses(const struct tes__recs *rs, size_t prof);
/* whether a recording or stream runs (it takes the room's audio) */
bool tes__recs_active(const struct tes__recs *rs);
bool tes__recs_take_key(struct tes__recs *rs, size_t prof);
/* 0 when profile prof may change its video size, else -EBUSY and why (a
 * running recording or stream whose format cannot follow, named) */
int tes__recs_can_resize(struct tes__recs *rs, size_t prof, char *why,
			 size_t len);

/*
 * A recording or stream changed state; event is its new state, as in
 * d->state: "waiting" (just started), "recording" (file started, or a
 * stream connected again), "reconnecting", "stopped" or "failed".  Loop
 * thread.  d is valid during the call.
 */
typedef void (tes__rec_event_h)(const struct tes_rec_desc *d,
				const char *event, void *arg);
/* Set (h NULL: clear) the handler of a room's recording events.  Changes
 * made on the loop (start, stop, and the stops at the room's end, inside
 * tes__mix_close) are told at once; those of the writer threads at the
 * next tes__recs_poll(). */
void tes__recs_on_event(struct tes__recs *rs, tes__rec_event_h *h,
			void *arg);
/* Look for state changes of the writers (the mix calls it every video
 * tick) and tell them to the event handler. */
void tes__recs_poll(struct tes__recs *rs);

/* mixpart.c: the mix room mode, participant side */
int tes__mixin_alloc(struct tes__part *p, struct tes__mixctx *ctx);
void tes__mixin_detach(struct tes__part *p);
int tes__mixin_video_restart(struct tes__part *p);
uint64_t tes__mixin_video_put_us(struct tes__part *p);
bool tes__mix_cell_px(struct tes__mix *m, const struct tes__part *p, int *w,
		      int *h);
void tes__mix_rtp(struct tes__part *p, struct tes__stream *st,
		  const struct tes_rtp_hdr *h);
void tes__mix_rtcp(struct tes__part *p, const uint8_t *buf, size_t len);
void tes__mix_connected(struct tes__part *p);

/* sfu.c: the sfu room mode (forwarding, renegotiation) */
int tes__sfu_part_init(struct tes__part *p, const struct tes_sdp_answer *ans,
		       const struct tes_sdp_local *local);
void tes__sfu_part_free(struct tes__part *p);
void tes__sfu_joined(struct tes__part *p);
void tes__sfu_start(struct tes__room *rm);
void tes__sfu_stop(struct tes__room *rm);
void tes__sfu_connected(struct tes__part *p);
void tes__sfu_leaving(struct tes__part *p);
void tes__sfu_rtp(struct tes__part *p, struct tes__stream *st,
		  const struct tes_rtp_hdr *h, int layer);
void tes__sfu_rtcp(struct tes__part *p, const uint8_t *buf, size_t len);
void tes__sfu_tick(struct tes__part *p, uint64_t now_ms);
void tes__sfu_events_attached(struct tes__part *p, bool attached);
int tes__sfu_answer(struct tes__part *p, const char *sdp, size_t len,
		    char *err, size_t errlen);
size_t tes__sfu_tracks(const struct tes__part *p);
void tes__sfu_view(struct tes__part *q, const char *pub, unsigned w,
		   unsigned h);
bool tes__sfu_offer_pending(const struct tes__part *p);

/* sippart.c: a SIP participant's transports and offer/answer */
int tes__sip_setup(struct tes__part *p, const struct tes_rooms_deps *deps,
		   uint32_t call, const char *offer, size_t len,
		   struct tes_sdp_answer *ans, char **sdp, char *err,
		   size_t errlen);
int tes__sip_start(struct tes__part *p, const struct tes_sdp_answer *ans);
int tes__sip_answer(struct tes__part *p, const char *sdp, size_t len,
		    struct tes_sdp_answer *ans, char *err, size_t errlen);
int tes__sip_reoffer(struct tes__part *p, const char *sdp, size_t len,
		     struct tes_sdp_answer *ans, char **sdp_out, char *err,
		     size_t errlen);
/* a re-INVITE's answer takes effect: 1 when a codec changed (the mixer's
 * input must be made again), 0, or -errno */
int tes__sip_update(struct tes__part *p, const struct tes_sdp_answer *ans);
bool tes__sip_on_hold(const struct tes__part *p);
int tes__sip_xmit(struct tes__part *p, uint8_t *buf, size_t len, bool rtcp);
/* a telephone-event packet of the participant (RFC 4733) */
void tes__sip_dtmf(struct tes__part *p, const struct tes_rtp_hdr *h);
void tes__sip_tick(struct tes__part *p, uint64_t now);
void tes__sip_free(struct tes__part *p);
const char *tes__sip_remote(const struct tes__part *p);
/* what GET /rooms/{room} shows of a SIP participant (new reference), or
 * NULL for a WebRTC one */
json_t *tes__sip_info(const struct tes__part *p);

/* echo.c: the echo room mode */
void tes__echo_rtp(struct tes__part *p, struct tes__stream *st, uint8_t *buf,
		   size_t len);
void tes__echo_rtcp(struct tes__part *p, uint8_t *buf, size_t len);

#endif /* TES_ROOM_INT_H */
