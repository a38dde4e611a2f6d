/**
 * @file payload.h  RTP payload formats: VP8 (RFC 7741), H.264 (RFC 6184,
 * packetization-mode 0 and 1), Opus (RFC 7587) and telephone events
 * (RFC 4733, received), plus the RFC 6464 audio level header extension.
 *
 * Parsers never allocate: they fill a caller struct whose pointers point
 * into the packet.  Packetizers call a handler once per RTP payload; the
 * payload buffer is only valid during the call.  No state, no thread: any
 * thread may call these on its own buffers.
 */
#ifndef TES_PAYLOAD_H
#define TES_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	/** Largest RTP payload a packetizer produces; bigger max_payload
	 *  values are clamped to this (it is above any path MTU). */
	TES_PAYLOAD_MAX = 1500,
	TES_VP8_DESC_MAX = 6,       /**< Longest VP8 payload descriptor */
	TES_VP8_PKT_DESC_LEN = 4,   /**< Descriptor tes_vp8_packetize writes */
	TES_H264_NAL_SPS = 7,       /**< Sequence parameter set */
	TES_H264_NAL_PPS = 8,       /**< Picture parameter set */
	TES_H264_NAL_IDR = 5,       /**< Coded slice of an IDR picture */
	TES_H264_NAL_AUD = 9,       /**< Access unit delimiter */
	TES_H264_STAP_A = 24,       /**< Single-time aggregation packet A */
	TES_H264_FU_A = 28,         /**< Fragmentation unit A */
	TES_H264_START_CODE_LEN = 4, /**< Annex B start code we write */
};

/**
 * Receives one RTP payload from a packetizer.
 *
 * @param payload  Payload bytes (valid during the call only)
 * @param len      Payload length, at most the max_payload given
 * @param marker   RTP marker bit: last packet of the frame / access unit
 * @param arg      Handler argument
 * @return 0 to go on, or a negative errno that stops the packetizer and is
 *         returned by it
 */
typedef int (tes_pkt_h)(const uint8_t *payload, size_t len, bool marker,
			void *arg);

/* ---- VP8 (RFC 7741) ---- */

/** A parsed VP8 payload descriptor (RFC 7741 4.2) and, at the start of a
 *  frame, what the VP8 payload header tells (RFC 7741 4.3). */
struct tes_vp8_desc {
	bool x;               /**< X: extension byte present */
	bool n;               /**< N: non-reference frame */
	bool s;               /**< S: start of a VP8 partition */
	uint8_t pid;          /**< Partition index 0..7 */
	bool has_picture_id;  /**< I: PictureID present */
	bool has_tl0picidx;   /**< L: TL0PICIDX present */
	bool has_tid;         /**< T: TID and Y present */
	bool has_keyidx;      /**< K: KEYIDX present */
	bool picture_id_long; /**< M: PictureID has 15 bits (else 7) */
	uint16_t picture_id;  /**< PictureID, valid when has_picture_id */
	uint8_t tl0picidx;    /**< TL0PICIDX, valid when has_tl0picidx */
	uint8_t tid;          /**< Temporal layer index 0..3 (has_tid) */
	bool y;               /**< Layer sync bit (has_tid) */
	uint8_t keyidx;       /**< Temporal key frame index 0..31 */
	size_t hdr_len;       /**< Descriptor length; the VP8 payload
			           follows */
	bool start;           /**< S=1 and PID=0: first packet of a frame */
	bool keyframe;        /**< start and the payload header's P bit is
			           0 (RFC 7741 4.3) */
	int width;            /**< Keyframe width from the 10-byte keyframe
			           header, 0 when absent */
	int height;           /**< Keyframe height, 0 when absent */
};

/**
 * Parse the VP8 payload descriptor at the start of an RTP payload.
 *
 * @param d    Receives the descriptor
 * @param p    RTP payload
 * @param len  Its length
 * @return 0, -EINVAL on NULL arguments, or -EBADMSG when truncated or when
 *         no VP8 payload byte follows the descriptor
 */
int tes_vp8_parse_desc(struct tes_vp8_desc *d, const uint8_t *p, size_t len);

/**
 * Split one encoded VP8 frame into RTP payloads.  Each gets a 4-byte
 * descriptor (X=1, I=1, 15-bit PictureID, PID 0, S=1 on the first); the
 * frame is cut into equal parts so that no tiny last packet is left.
 *
 * @param frame        Encoded VP8 frame
 * @param len          Its length (> 0)
 * @param max_payload  Largest payload, descriptor included (> 4; clamped to
 *                     TES_PAYLOAD_MAX)
 * @param picture_id   PictureID (15 bits used)
 * @param h            Called for each payload, in order
 * @param arg          Handler argument
 * @return 0, -EINVAL, or what the handler returned
 */
int tes_vp8_packetize(const uint8_t *frame, size_t len, size_t max_payload,
		      uint16_t picture_id, tes_pkt_h *h, void *arg);

/* ---- H.264 (RFC 6184) ---- */

/** One parsed H.264 RTP payload. */
struct tes_h264_pkt {
	uint8_t type;        /**< Payload NAL type: 1..23 single NAL unit,
			          TES_H264_STAP_A or TES_H264_FU_A */
	uint8_t nal_type;    /**< Single NAL / FU-A: type of the NAL unit
			          carried; STAP-A: type of the first one */
	bool nal_start;      /**< Begins a NAL unit (single, STAP-A, or
			          FU-A with S): may begin an access unit */
	bool fu_start;       /**< FU-A: S bit */
	bool fu_end;         /**< FU-A: E bit */
	uint8_t fu_nal_hdr;  /**< FU-A: NAL header rebuilt from F/NRI of
			          the indicator and the FU header type */
	bool idr;            /**< Carries (part of) an IDR slice */
	bool sps;            /**< Carries an SPS */
	bool pps;            /**< Carries a PPS */
	const uint8_t *data; /**< Single: the NAL unit; STAP-A: the
			          aggregation units; FU-A: fragment bytes */
	size_t len;          /**< Length of data */
	size_t annexb_len;   /**< Bytes tes_h264_annexb() writes */
};

/**
 * Parse and validate one H.264 RTP payload (every STAP-A length is checked
 * here, so tes_h264_annexb() cannot fail later).
 *
 * @param pk   Receives the packet description
 * @param p    RTP payload
 * @param len  Its length
 * @return 0, -EINVAL on NULL arguments, -EBADMSG when malformed (truncated,
 *         F bit set, bad aggregation lengths, bad FU type), -ENOTSUP for
 *         STAP-B, MTAP, FU-B and reserved types
 */
int tes_h264_parse(struct tes_h264_pkt *pk, const uint8_t *p, size_t len);

/**
 * Write a parsed payload as Annex B bytes: a 4-byte start code before each
 * NAL unit it begins (FU-A middle and end fragments add bytes only).
 *
 * @param pk   Packet from tes_h264_parse()
 * @param out  Destination with room for pk->annexb_len bytes
 * @return Bytes written (pk->annexb_len)
 */
size_t tes_h264_annexb(const struct tes_h264_pkt *pk, uint8_t *out);

/**
 * Find the next NAL unit in an Annex B buffer (3- or 4-byte start codes;
 * trailing zero bytes are not part of the NAL unit).
 *
 * @param buf   Annex B buffer
 * @param len   Its length
 * @param off   In: where to search from (0 at first); out: where to go on
 * @param nal   Receives the NAL unit
 * @param nlen  Receives its length (> 0)
 * @return true when a NAL unit was found
 */
bool tes_h264_next_nal(const uint8_t *buf, size_t len, size_t *off,
		       const uint8_t **nal, size_t *nlen);

/**
 * Split one Annex B access unit into RTP payloads.  Mode 1: NAL units that
 * fit go alone or, several consecutive ones together, in a STAP-A; larger
 * ones in evenly sized FU-A fragments.  Mode 0: as
 * tes_h264_packetize_single().  The marker bit is set on the last payload.
 *
 * @param au           Annex B access unit
 * @param len          Its length
 * @param max_payload  Largest payload (>= 3; clamped to TES_PAYLOAD_MAX)
 * @param mode0        packetization-mode 0: single NAL units only
 * @param h            Called for each payload, in order
 * @param arg          Handler argument
 * @return 0, -EINVAL (bad arguments, no NAL unit), -EMSGSIZE (mode 0 and
 *         NAL units larger than max_payload were left out; the others were
 *         sent), or what the handler returned
 */
int tes_h264_packetize(const uint8_t *au, size_t len, size_t max_payload,
		       bool mode0, tes_pkt_h *h, void *arg);

/**
 * Send one Annex B access unit in single NAL unit mode (RFC 6184
 * packetization-mode 0): each NAL unit alone in a payload, never
 * aggregated or fragmented.  A NAL unit larger than max_payload cannot be
 * sent in this mode: it is left out and counted (the receiver loses that
 * slice, so the sender should count it and make a keyframe).  The marker
 * bit is set on the last payload sent.
 *
 * @param au           Annex B access unit
 * @param len          Its length
 * @param max_payload  Largest payload (>= 3; clamped to TES_PAYLOAD_MAX)
 * @param h            Called for each payload, in order
 * @param arg          Handler argument
 * @param dropped      Receives how many NAL units were left out (may be
 *                     NULL)
 * @return 0 (also when all were left out), -EINVAL (bad arguments, no NAL
 *         unit), or what the handler returned
 */
int tes_h264_packetize_single(const uint8_t *au, size_t len,
			      size_t max_payload, tes_pkt_h *h, void *arg,
			      size_t *dropped);

/**
 * Read what an H.264 receiver can take from its SDP format parameters
 * (RFC 6184 8.1, "packetization-mode=1;profile-level-id=42e01f"; keys are
 * case-insensitive, blanks after ';' allowed).  Absent keys take the RFC's
 * defaults: packetization-mode 0, profile-level-id 420010 (level 1.0).
 * Level 1b (level_idc 11 with constraint_set3 in Baseline, Main or
 * Extended) is given as 9, as the High profiles write it.  max-fs and
 * max-mbps are not read: a receiver is held to its level.
 *
 * @param fmtp       a=fmtp parameters ("" or NULL: all defaults)
 * @param pmode      Receives packetization-mode, 0..2
 * @param level_idc  Receives level_idc (10 = 1.0, 31 = 3.1, 9 = 1b)
 * @return 0, -EINVAL (NULL outputs), or -EBADMSG when a value is
 *         malformed (that value keeps its default)
 */
int tes_h264_fmtp_parse(const char *fmtp, uint8_t *pmode,
			uint8_t *level_idc);

/**
 * Whether a decoder of an H.264 level can take pictures of this size at
 * this rate (H.264 Table A-1: MaxFS and MaxMBPS in macroblocks, and
 * A.3.1's width and height of at most sqrt(8 * MaxFS) macroblocks).
 * Levels between the table's entries count as the entry below; above
 * 6.2 as 6.2.
 *
 * @param level_idc  Level (9: 1b); below 9: nothing fits
 * @param width      Picture width in pixels
 * @param height     Picture height
 * @param fps        Frames per second
 * @return true when it fits
 */
bool tes_h264_level_fits(uint8_t level_idc, int width, int height, int fps);

/**
 * The max-fs and max-mbps parameters of an H.264 fmtp (RFC 6184 8.1): a
 * receiver that decodes larger frames or more macroblocks per second than
 * its level says (SIP video systems often send level 3.0 with
 * max-fs=3600 for 720p).
 *
 * @param fmtp      Parameters, e.g. "profile-level-id=42801e;max-fs=3600"
 * @param max_fs    Receives max-fs in macroblocks, 0 when absent
 * @param max_mbps  Receives max-mbps in macroblocks per second, 0 when
 *                  absent
 * @return 0, -EINVAL (NULL outputs) or -EBADMSG (a value that is not a
 *         number below 2^32: that one stays 0)
 */
int tes_h264_fmtp_limits(const char *fmtp, uint32_t *max_fs,
			 uint32_t *max_mbps);

/**
 * Like tes_h264_level_fits() for a receiver that also gave max-fs and
 * max-mbps: each raises its level's limit (a value below it is ignored).
 *
 * @param level_idc  Level (9: 1b)
 * @param max_fs     max-fs, 0: the level's
 * @param max_mbps   max-mbps, 0: the level's
 * @param width      Picture width in pixels
 * @param height     Picture height
 * @param fps        Frames per second
 * @return true when it fits
 */
bool tes_h264_caps_fit(uint8_t level_idc, uint32_t max_fs, uint32_t max_mbps,
		       int width, int height, int fps);

/* ---- Opus (RFC 7587) and audio level (RFC 6464) ---- */

/**
 * Send one Opus packet as one RTP payload (RFC 7587 4.2), marker clear.
 *
 * @param pkt          Opus packet
 * @param len          Its length (> 0)
 * @param max_payload  Largest payload
 * @param h            Handler
 * @param arg          Handler argument
 * @return 0, -EINVAL, -EMSGSIZE, or what the handler returned
 */
int tes_opus_packetize(const uint8_t *pkt, size_t len, size_t max_payload,
		       tes_pkt_h *h, void *arg);

/**
 * Parse the RFC 6464 client-to-mixer audio level element.
 *
 * @param ext    Extension element data (from tes_rtp_ext_find)
 * @param len    Its length (>= 1)
 * @param voice  Receives the V bit (voice activity)
 * @param level  Receives the level in -dBov, 0 (loudest) .. 127 (silence)
 * @return 0, -EINVAL on NULL arguments, -EBADMSG when empty
 */
int tes_audio_level_parse(const uint8_t *ext, size_t len, bool *voice,
			  uint8_t *level);

/**
 * Make the RFC 6464 audio level byte.
 *
 * @param voice  V bit
 * @param level  Level in -dBov (values above 127 are clamped)
 * @return The element byte
 */
uint8_t tes_audio_level_make(bool voice, uint8_t level);

/* ---- telephone events (RFC 4733), received ---- */

enum {
	TES_DTMF_EVENT_LEN = 4,    /**< Bytes of one event in a payload */
	TES_DTMF_PACK_MAX = 16,    /**< Events tes_dtmf_rx_feed() takes from
				        one packet */
};

/** One named event of a telephone-event payload (RFC 4733 2.3). */
struct tes_dtmf_event {
	uint8_t event;      /**< Event code: 0-9, 10 '*', 11 '#', 12-15
			         A-D (DTMF); others from the IANA registry */
	bool end;           /**< E bit: the event ended */
	uint8_t volume;     /**< Power level in -dBm0, 0..63 */
	uint16_t duration;  /**< Duration so far, in RTP clock ticks from
			         the packet's timestamp */
};

/**
 * Parse a telephone-event payload: one event, or several packed ones
 * (RFC 4733 2.5.1.5: each but the last ended; each begins where the one
 * before ended).  The R bit is ignored.
 *
 * @param ev   Receives the events
 * @param max  Room in ev
 * @param p    RTP payload (padding removed)
 * @param len  Its length
 * @return Number of events (>= 1), -EINVAL on NULL arguments, -EBADMSG
 *         when the length is not a positive multiple of 4 or a packed
 *         event but the last has no E bit, -EMSGSIZE when more than max
 */
int tes_dtmf_parse(struct tes_dtmf_event *ev, size_t max, const uint8_t *p,
		   size_t len);

/**
 * The key of a DTMF event code.
 *
 * @param event  Event code
 * @return '0'..'9', '*', '#', 'A'..'D' for codes 0-15, else '\0'
 */
char tes_dtmf_char(uint8_t event);

/** An event as the receive state machine reports it, once. */
struct tes_dtmf_report {
	uint8_t event;      /**< Event code */
	char digit;         /**< tes_dtmf_char(event): '\0' if not DTMF */
	uint32_t ts;        /**< RTP timestamp of its start */
	uint32_t duration;  /**< Its length in RTP clock ticks: the longest
			         seen, long events' segments added up */
	uint8_t volume;     /**< Power level of its last packet, -dBm0 */
	bool ended;         /**< Its end was seen; false: all its end
			         packets were lost (a newer event began, or
			         tes_dtmf_rx_flush()) */
};

/**
 * Receives each event the state machine reports.
 *
 * @param r    The event (valid during the call)
 * @param arg  Handler argument
 */
typedef void (tes_dtmf_h)(const struct tes_dtmf_report *r, void *arg);

/**
 * The telephone events of one RTP stream (one SSRC), as received.  Owned
 * by the caller (no allocation, no thread): zero it or use
 * tes_dtmf_rx_init(), again when the stream's SSRC changes.
 */
struct tes_dtmf_rx {
	bool active;        /**< An event is under way, not reported yet */
	bool have_done;     /**< done_ts holds a reported event's */
	uint8_t event;      /**< Under way: its code */
	uint8_t volume;     /**< Under way: its last volume */
	uint32_t start_ts;  /**< Under way: its start */
	uint32_t seg_ts;    /**< Under way: start of its current segment
			         (RFC 4733 2.5.1.3: a long event is sent in
			         segments of 0xFFFF ticks) */
	uint16_t seg_dur;   /**< Under way: longest duration seen in the
			         segment */
	uint32_t done_ts;   /**< Last segment of the last event reported:
			         packets from there back are its redundant
			         ends, or late; ignored */
	uint64_t reported;  /**< Events reported */
	uint64_t ignored;   /**< Packets (events of them) ignored: late,
			         redundant, or not fitting the event under
			         way */
	uint64_t malformed; /**< Packets that did not parse */
};

/**
 * Start (or restart) a receive state machine.
 *
 * @param rx  State
 */
void tes_dtmf_rx_init(struct tes_dtmf_rx *rx);

/**
 * Feed one telephone-event packet of the stream, in arrival order.  Each
 * event is reported exactly once: when a packet with its E bit comes (the
 * usual three copies of the end count once), or, when all its end packets
 * were lost, as soon as a packet of a newer event comes.  A packet with
 * the timestamp of the event under way updates it (whatever the order);
 * one of an event already reported, or older, is ignored.
 *
 * @param rx       State
 * @param ts       The packet's RTP timestamp
 * @param marker   Its marker bit (set on the first packet of an event)
 * @param payload  Its payload
 * @param len      Payload length
 * @param h        Called for each event reported (may be NULL)
 * @param arg      Handler argument
 * @return Events reported by this packet (>= 0), or -EINVAL, -EBADMSG,
 *         -EMSGSIZE as tes_dtmf_parse() (the packet is ignored, counted
 *         in malformed)
 */
int tes_dtmf_rx_feed(struct tes_dtmf_rx *rx, uint32_t ts, bool marker,
		     const uint8_t *payload, size_t len, tes_dtmf_h *h,
		     void *arg);

/**
 * Report the event under way, if any, as cut short (ended = false): all
 * its end packets were lost and no newer event came.  Call it when the
 * stream's audio goes on past the event, when no telephone-event packet
 * came for a while (a second), or when the participant leaves.
 *
 * @param rx   State
 * @param h    Handler (may be NULL)
 * @param arg  Handler argument
 * @return 1 when an event was reported, else 0
 */
int tes_dtmf_rx_flush(struct tes_dtmf_rx *rx, tes_dtmf_h *h, void *arg);

#endif /* TES_PAYLOAD_H */
