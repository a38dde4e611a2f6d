/**
 * @file rtp.h  RTP (RFC 3550) with header extensions (RFC 8285) and RTCP
 * (SR, RR, SDES, BYE, generic NACK, PLI, FIR, REMB).  Every length field is
 * bounds-checked before use; parsers fill caller structs pointing into the
 * packet and never allocate.
 */
#ifndef TES_RTP_H
#define TES_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	TES_RTP_HDR_LEN = 12,
	TES_RTP_MAX_CSRC = 15,
	TES_RTP_EXT_ONE_BYTE = 0xBEDE,
	TES_RTP_EXT_TWO_BYTE = 0x1000, /**< upper 12 bits; low 4 = appbits */
};

/** A parsed RTP packet. */
struct tes_rtp_hdr {
	uint8_t version;            /**< Always 2 after a successful parse */
	bool padding;               /**< P bit */
	bool extension;             /**< X bit */
	uint8_t cc;                 /**< CSRC count */
	bool marker;                /**< M bit */
	uint8_t pt;                 /**< Payload type */
	uint16_t seq;               /**< Sequence number */
	uint32_t ts;                /**< Timestamp */
	uint32_t ssrc;              /**< SSRC */
	uint32_t csrc[TES_RTP_MAX_CSRC]; /**< CSRC list */
	uint16_t ext_profile;       /**< Extension "defined by profile" */
	const uint8_t *ext;         /**< Extension data (after the 4-byte
				         extension header), or NULL */
	size_t ext_len;             /**< Extension data length in bytes */
	size_t hdr_len;             /**< Bytes before the payload */
	const uint8_t *payload;     /**< Payload */
	size_t payload_len;         /**< Payload length (padding removed) */
	uint8_t pad_len;            /**< Padding bytes at the end */
};

/**
 * Parse an RTP packet.
 *
 * @param h    Receives the header
 * @param buf  Packet
 * @param len  Its length
 * @return 0, or -EBADMSG when malformed (version, lengths, padding)
 */
int tes_rtp_parse(struct tes_rtp_hdr *h, const uint8_t *buf, size_t len);

/**
 * Find a header extension element by ID (one-byte or two-byte form).
 *
 * @param h     Parsed packet
 * @param id    Extension ID (1..14 one-byte, 1..255 two-byte)
 * @param data  Receives a pointer to the element's data
 * @param len   Receives the element's data length
 * @return 0, -ENOENT when absent, -EBADMSG when the block is malformed
 */
int tes_rtp_ext_find(const struct tes_rtp_hdr *h, uint8_t id,
		     const uint8_t **data, size_t *len);

/** One header extension element for tes_rtp_build(). */
struct tes_rtp_ext_elem {
	uint8_t id;           /**< 1..14 (one-byte form) */
	uint8_t len;          /**< 1..16 bytes */
	const uint8_t *data;  /**< Element data */
};

/**
 * Write an RTP packet: fixed header from h (version 2, cc, marker, pt, seq,
 * ts, ssrc, csrc), one-byte header extensions, then the payload.
 *
 * @param buf      Output buffer
 * @param cap      Its capacity
 * @param h        Header fields (ext/payload pointers ignored)
 * @param ext      Extension elements, or NULL
 * @param n_ext    Number of elements
 * @param payload  Payload
 * @param plen     Payload length
 * @return Packet length (> 0), or -ENOSPC / -EINVAL
 */
int tes_rtp_build(uint8_t *buf, size_t cap, const struct tes_rtp_hdr *h,
		  const struct tes_rtp_ext_elem *ext, size_t n_ext,
		  const uint8_t *payload, size_t plen);

/** Rewrite fields of an RTP packet in place (length already validated). */
void tes_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc);
void tes_rtp_set_seq(uint8_t *buf, uint16_t seq);
void tes_rtp_set_ts(uint8_t *buf, uint32_t ts);

/* ---- RTCP ---- */

enum tes_rtcp_type {
	TES_RTCP_FIR_OLD = 192,
	TES_RTCP_SR = 200,
	TES_RTCP_RR = 201,
	TES_RTCP_SDES = 202,
	TES_RTCP_BYE = 203,
	TES_RTCP_APP = 204,
	TES_RTCP_RTPFB = 205,
	TES_RTCP_PSFB = 206,
	TES_RTCP_XR = 207,
};

enum {
	TES_RTCP_FMT_NACK = 1,   /**< RTPFB generic NACK (RFC 4585) */
	TES_RTCP_FMT_TWCC = 15,  /**< RTPFB transport-cc */
	TES_RTCP_FMT_PLI = 1,    /**< PSFB PLI */
	TES_RTCP_FMT_FIR = 4,    /**< PSFB FIR (RFC 5104) */
	TES_RTCP_FMT_AFB = 15,   /**< PSFB application layer FB (REMB) */
	TES_RTCP_MAX_RB = 31,
	TES_RTCP_MAX_REMB_SSRC = 16,
};

/** One report block of an SR or RR. */
struct tes_rtcp_rb {
	uint32_t ssrc;          /**< Source this block reports on */
	uint8_t fraction_lost;  /**< Fraction lost (x/256) */
	int32_t cum_lost;       /**< Cumulative lost (signed 24 bit) */
	uint32_t ext_seq;       /**< Extended highest sequence number */
	uint32_t jitter;        /**< Interarrival jitter */
	uint32_t lsr;           /**< Last SR */
	uint32_t dlsr;          /**< Delay since last SR */
};

/** One RTCP packet inside a compound packet. */
struct tes_rtcp_pkt {
	uint8_t pt;              /**< Packet type (enum tes_rtcp_type) */
	uint8_t count;           /**< RC / SC / FMT field */
	const uint8_t *data;     /**< Whole packet incl. 4-byte header */
	size_t len;              /**< Whole packet length in bytes */
	/* filled for SR/RR */
	uint32_t ssrc;           /**< Sender SSRC (SR, RR, FB, BYE first) */
	uint64_t ntp;            /**< SR: NTP timestamp */
	uint32_t rtp_ts;         /**< SR: RTP timestamp */
	uint32_t pkt_count;      /**< SR: sender packet count */
	uint32_t octet_count;    /**< SR: sender octet count */
	size_t n_rb;             /**< Report blocks */
	struct tes_rtcp_rb rb[TES_RTCP_MAX_RB]; /**< Report blocks */
	/* filled for RTPFB / PSFB */
	uint32_t media_ssrc;     /**< FB: media source SSRC */
	const uint8_t *fci;      /**< FB: feedback control information */
	size_t fci_len;          /**< FB: FCI length in bytes */
	/* filled for REMB */
	bool is_remb;            /**< PSFB AFB carrying "REMB" */
	uint64_t remb_bitrate;   /**< REMB bitrate in bit/s */
	size_t n_remb_ssrc;      /**< REMB SSRCs */
	uint32_t remb_ssrc[TES_RTCP_MAX_REMB_SSRC]; /**< REMB SSRCs */
};

/** Iterator over a compound RTCP packet. */
struct tes_rtcp_iter {
	const uint8_t *buf;  /**< Compound packet */
	size_t len;          /**< Its length */
	size_t off;          /**< Offset of the next packet */
};

/**
 * Start iterating a compound RTCP packet.
 *
 * @param it   Iterator
 * @param buf  Compound packet
 * @param len  Its length
 */
void tes_rtcp_iter_init(struct tes_rtcp_iter *it, const uint8_t *buf,
			size_t len);

/**
 * Parse the next RTCP packet of a compound packet.
 *
 * @param it   Iterator
 * @param pkt  Receives the packet
 * @return 0, -ENOENT at the end, -EBADMSG when malformed (stop iterating)
 */
int tes_rtcp_next(struct tes_rtcp_iter *it, struct tes_rtcp_pkt *pkt);

/**
 * Validate a whole compound packet (every length, version 2).
 *
 * @param buf  Compound packet
 * @param len  Its length
 * @return 0, or -EBADMSG
 */
int tes_rtcp_validate(const uint8_t *buf, size_t len);

/** Generic NACK entry (RFC 4585 6.2.1). */
struct tes_rtcp_nack {
	uint16_t pid;  /**< First lost sequence number */
	uint16_t blp;  /**< Bitmask of following lost packets */
};

/**
 * Decode NACK FCI entries of an RTPFB/NACK packet.
 *
 * @param pkt    Parsed RTPFB packet with count == TES_RTCP_FMT_NACK
 * @param out    Receives entries
 * @param max    Capacity of out
 * @return Number of entries, or -EBADMSG
 */
int tes_rtcp_nack_entries(const struct tes_rtcp_pkt *pkt,
			  struct tes_rtcp_nack *out, size_t max);

/**
 * Callback that maps an SSRC found in an RTCP packet to a new value.
 *
 * @param ssrc  SSRC as found
 * @param arg   Handler argument
 * @return The SSRC to write in its place
 */
typedef uint32_t (tes_rtcp_ssrc_map_h)(uint32_t ssrc, void *arg);

/**
 * Rewrite every SSRC field of a compound RTCP packet in place: SR/RR sender
 * and report blocks, SDES chunks, BYE, RTPFB/PSFB sender and media SSRC,
 * FIR entries, REMB SSRC list.  Unknown packet types are left as they are.
 *
 * @param buf  Compound packet (validated by tes_rtcp_validate first)
 * @param len  Its length
 * @param map  Mapping function
 * @param arg  Its argument
 * @return 0, or -EBADMSG
 */
int tes_rtcp_rewrite_ssrcs(uint8_t *buf, size_t len, tes_rtcp_ssrc_map_h *map,
			   void *arg);

/* Builders return the number of bytes written (> 0) or -ENOSPC. */

/** Build an SR with no report blocks. */
int tes_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, uint64_t ntp,
		      uint32_t rtp_ts, uint32_t pkt_count,
		      uint32_t octet_count);
/** Build an RR with the given report blocks. */
int tes_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct tes_rtcp_rb *rb, size_t n_rb);
/** Build an SDES with one chunk carrying CNAME. */
int tes_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
			      const char *cname);
/** Build a BYE for one SSRC. */
int tes_rtcp_build_bye(uint8_t *buf, size_t cap, uint32_t ssrc);
/** Build a generic NACK. */
int tes_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			uint32_t media_ssrc, const struct tes_rtcp_nack *n,
			size_t count);
/** Build a PLI. */
int tes_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
		       uint32_t media_ssrc);
/** Build a FIR with one entry. */
int tes_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
		       uint32_t media_ssrc, uint8_t seq_nr);
/** Build a REMB. */
int tes_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			uint64_t bitrate, const uint32_t *ssrcs, size_t n);

#endif /* TES_RTP_H */
