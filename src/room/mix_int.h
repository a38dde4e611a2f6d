/**
 * @file mix_int.h  Between the room side (mix.c) and the participant side
 * (mixpart.c) of the mix room mode.
 */
#ifndef TES_MIX_INT_H
#define TES_MIX_INT_H

#include "codecs/codec.h"
#include "mixer/mixer.h"
#include "room/room_int.h"
#include "rtp/ingress.h"

enum {
	TES__MAX_PARTS = 256,   /* participants a mixed room handles */
	TES__SENT_MAP = 512,    /* video packets it can have resent */
	TES__AQ_MAX = 8,        /* audio jitter queue: 160 ms at most */
	TES__AQ_PRIME = 2,      /* packets queued before playout starts */
	TES__VJOBS_MAX = 4,     /* decode jobs in flight before dropping */
	TES__PLI_RETRY_US = 500000, /* ask again while no keyframe came */
	TES__ABLOCK_MAX = 320,  /* bytes of a 20 ms block of a constant-rate
				   codec (G.711, G.722: 160) */
};

/*
 * A participant's media inside a mixed room.  Refcounted: decode and mix
 * jobs hold a reference, so a participant may leave while they run.
 * Fields are owned as marked: loop = loop thread; job = the worker that
 * runs this input's jobs (one at a time: a serial chain).
 */
struct tes__mixin {
	struct tes__part *part;          /* loop: weak, NULL after leave */
	uint32_t num;                    /* participant number (mix id) */
	struct tes_ingress *vin;         /* loop: video frame assembly */
	struct tes_ingress *ain;         /* loop: audio packets in order */
	const struct tes__stream *vin_st; /* loop: the stream vin is for */
	const struct tes__stream *ain_st; /* loop: the stream ain is for */
	unsigned vjobs;                  /* loop: decode jobs in flight */
	bool vskip_to_key;               /* loop: dropped a frame */
	uint64_t vpli_us;                /* loop: last keyframe request */
	struct tes_ingress_au *aq[TES__AQ_MAX]; /* loop: audio jitter queue */
	unsigned aq_head;                /* loop */
	unsigned aq_n;                   /* loop */
	bool a_primed;                   /* loop: playout started */
	uint64_t a_last_us;              /* loop: last packet played */
	unsigned a_conceal;              /* loop: lost frames still to
	                                    conceal before the queue head */
	const struct tes_vcodec *vcodec; /* video codec, NULL: no video in */
	struct tes_vdec *vdec;           /* job */
	bool vdec_wait_key;              /* job: need a keyframe first */
	uint64_t vdec_errors;            /* job */
	struct tes_pool_chain vchain;    /* pool: this input's decodes */
	struct tes_slot *slot;           /* any: newest decoded frame */
	uint64_t shown_seq[TES_CONF_MAX_PROFILES]; /* loop: slot seq last
					    composed, per profile */
	int prof;                        /* loop: profile it receives, -1 */
	struct tes_prof_sel sel;         /* loop: bandwidth-driven choice */
	bool await_key;                  /* loop: send video from the next
					    keyframe of its profile on */
	struct {
		uint16_t seq;            /* its sequence number */
		uint8_t prof;            /* profile the packet came from */
		uint32_t id;             /* packet id in that profile */
	} sent[TES__SENT_MAP];           /* loop: what NACKs can ask for */
	uint64_t est_bps;                /* loop: its last REMB */
	uint64_t since_ms;               /* loop: when it began to get the mix */
	uint8_t lost;                    /* loop: its last fraction lost */
	char prof_why[160];              /* loop: why it gets no video
					    (no profile it can take), "" */
	const struct tes_acodec *acodec; /* audio codec, NULL: no audio in */
	struct tes_adec *adec;           /* the room's audio job */
	const struct tes_acodec *aout;   /* loop: codec it receives the mix
					    in (the one it negotiated), NULL:
					    none */
	uint8_t a_part[TES__ABLOCK_MAX]; /* loop: G.711/G.722 bytes short of
					    a 20 ms block, waiting for the
					    next packet */
	uint16_t a_part_n;               /* loop: bytes in a_part */
	uint32_t a_part_ts;              /* loop: RTP timestamp of a_part */
	uint32_t a_lost;                 /* loop: blocks lost, to tell with
					    the next block */
	bool a_odd_noted;                /* loop: its packets are not 20 ms
					    long, and that was logged */
	struct tes_ratelog a_rl;         /* loop: audio drop warnings */
};

/* One output profile as a receiver's choice sees it. */
struct tes__prof_view {
	const struct tes_conf_profile *cfg;
	int width;     /* its canvas now (the config's, or set live) */
	int height;
};

/*
 * mixprof.c: the profiles among pv[0..n) a receiver whose video stream is
 * st can take (its codec; H.264: its packetization-mode and level), best
 * bitrate first, into idx (indexes into pv) and kbps; both have room for
 * n.  None: 0, and why says why (a sentence, for logs and the room info).
 */
size_t tes__prof_candidates(const struct tes__prof_view *pv, size_t n,
			    const struct tes__stream *st, int *idx,
			    uint32_t *kbps, char *why, size_t whylen);

/* mixpart.c */

/** What the audio tick plays for one participant. */
enum tes__aplay {
	TES__APLAY_NONE,  /* nothing: not primed, or silent too long */
	TES__APLAY_AU,    /* the returned packet */
	TES__APLAY_PLC,   /* a lost frame, concealed (no packet) */
	TES__APLAY_FEC,   /* a lost frame, rebuilt from the in-band FEC of
	                     the returned packet (which plays next tick) */
};

/* An audio packet from its ingress (taken): into the jitter queue as
 * 20 ms blocks, or dropped and counted */
void tes__mixin_audio_in(struct tes__mixin *mi, struct tes_ingress_au *au);
struct tes_ingress_au *tes__mixin_audio_pop(struct tes__mixin *mi,
					    uint64_t now_us,
					    enum tes__aplay *play);
void tes__mixin_tick(struct tes__mixin *mi, uint64_t now_us);

#endif /* TES_MIX_INT_H */
