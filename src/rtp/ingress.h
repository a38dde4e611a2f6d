/**
 * @file ingress.h  Ingress stream: one per incoming media SSRC.  Reorders
 * RTP packets, asks for lost ones (generic NACK), assembles complete frames
 * (VP8, H.264) or orders audio packets (Opus) and hands out access units.
 *
 * Video rule: a decoder never sees a broken frame.  Frames are emitted in
 * order; when one cannot be completed within max_delay_ms (or the buffer
 * overflows, or the stream is inconsistent) everything up to the next
 * complete keyframe is dropped, a keyframe is requested and nothing is
 * emitted until it arrives.
 *
 * Owned by the loop thread.  The handlers run inside tes_ingress_push() and
 * tes_ingress_tick() and must not call back into the same ingress.
 */
#ifndef TES_INGRESS_H
#define TES_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tes_rtp_hdr;
struct tes_ingress;

/** Payload format of an ingress stream. */
enum tes_ingress_codec {
	TES_INGRESS_VP8 = 0,  /**< RFC 7741 */
	TES_INGRESS_H264,     /**< RFC 6184, packetization-mode 0 or 1 */
	TES_INGRESS_OPUS,     /**< RFC 7587: each packet is a frame; also
			           any audio whose packets stand alone
			           (G.711, G.722) */
};

/**
 * One access unit: a complete VP8 frame, an H.264 access unit in Annex B
 * (4-byte start codes), or one Opus packet.  tes_alloc'd with the data
 * inline; read-only once handed out, so it can go to a decode worker by
 * reference.
 */
struct tes_ingress_au {
	uint8_t *data;        /**< Frame bytes (inside this block) */
	size_t len;           /**< Their length, > 0 */
	bool keyframe;        /**< VP8 keyframe / H.264 IDR; always true for
			           audio */
	uint32_t ts;          /**< RTP timestamp */
	uint16_t first_seq;   /**< Sequence number of its first packet */
	uint16_t last_seq;    /**< Sequence number of its last packet */
	uint64_t arrival_us;  /**< Arrival of the packet that completed it */
	int width;            /**< VP8 keyframe width, 0 when unknown */
	int height;           /**< VP8 keyframe height, 0 when unknown */
	uint32_t lost_before; /**< Audio: packets lost right before this one
			           (for PLC / FEC); 0 for video */
	int audio_level;      /**< Audio: RFC 6464 level in -dBov (0..127), or
			           -1 when absent */
	bool voice;           /**< Audio: RFC 6464 V bit */
};

/** Ingress stream settings. */
struct tes_ingress_cfg {
	enum tes_ingress_codec codec; /**< Payload format */
	uint32_t clock;       /**< RTP clock rate (0: 90000 video, 48000
			           audio; 8000 for G.711 and G.722); for
			           consumers of the AUs (the audio path
			           counts losses by sequence number, not
			           by timestamp) */
	/**
	 * Receives each access unit, in order.
	 *
	 * @param au   Access unit; the handler owns one reference
	 * @param arg  cfg.arg
	 */
	void (*au_h)(struct tes_ingress_au *au, void *arg);
	/**
	 * Asks the sender to retransmit packets (send an RTCP generic NACK).
	 * Video only.
	 *
	 * @param seqs  Sequence numbers, ascending
	 * @param n     How many (at most 64 per call)
	 * @param arg   cfg.arg
	 */
	void (*nack_h)(const uint16_t *seqs, size_t n, void *arg);
	/**
	 * Asks the sender for a keyframe (send an RTCP PLI); called at most
	 * once per 500 ms while waiting for one.  Video only.
	 *
	 * @param arg  cfg.arg
	 */
	void (*keyframe_h)(void *arg);
	void *arg;            /**< Argument of the handlers */
	uint32_t max_delay_ms; /**< Video: give up on a frame with a packet
			            missing for this long (0: 200) */
	uint8_t audio_level_id; /**< Audio: RFC 6464 extension ID, 0 none */
};

/** Counters; every pushed packet counts once in packets and at most once
 *  in duplicates, late or malformed. */
struct tes_ingress_stats {
	uint64_t packets;      /**< Packets pushed */
	uint64_t duplicates;   /**< Dropped: already received */
	uint64_t late;         /**< Dropped: older than what was emitted */
	uint64_t out_of_order; /**< Accepted after a higher sequence number */
	uint64_t lost;         /**< Sequence numbers given up on */
	uint64_t nacks_sent;   /**< Sequence numbers asked for (each retry
			            counts) */
	uint64_t keyframe_requests; /**< keyframe_h calls */
	uint64_t frames;       /**< Access units emitted */
	uint64_t frames_dropped; /**< Frames (distinct timestamps) dropped */
	uint64_t malformed;    /**< Dropped: payload failed to parse, or a
			            frame failed to assemble */
};

/**
 * Create an ingress stream.
 *
 * @param ip   Receives the stream (tes_deref to free)
 * @param cfg  Settings (copied)
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_ingress_alloc(struct tes_ingress **ip,
		      const struct tes_ingress_cfg *cfg);

/**
 * Feed one RTP packet of this stream (RTX already unwrapped, SSRC and
 * payload type already matched).  What is kept is copied.
 *
 * @param in      Ingress stream
 * @param h       Parsed packet; h->payload points into the packet
 * @param now_us  Current time (monotonic, microseconds)
 */
void tes_ingress_push(struct tes_ingress *in, const struct tes_rtp_hdr *h,
		      uint64_t now_us);

/**
 * Drive NACK retries, audio reordering timeouts, frame timeouts and
 * keyframe requests.  Call every 10-20 ms.
 *
 * @param in      Ingress stream
 * @param now_us  Current time (same clock as tes_ingress_push)
 */
void tes_ingress_tick(struct tes_ingress *in, uint64_t now_us);

/**
 * Tell the stream the round-trip time (from RTCP); NACK retries wait about
 * one RTT (default 40 ms while unknown).
 *
 * @param in      Ingress stream
 * @param rtt_ms  Round-trip time in milliseconds
 */
void tes_ingress_set_rtt(struct tes_ingress *in, uint32_t rtt_ms);

/**
 * Read the counters.
 *
 * @param in  Ingress stream
 * @return Counters, valid while the stream lives
 */
const struct tes_ingress_stats *tes_ingress_stats(
	const struct tes_ingress *in);

#endif /* TES_INGRESS_H */
