/**
 * @file stun.h  STUN (RFC 8489) messages for ICE-lite, and the first-byte
 * demultiplexer of RFC 7983.  Parsers do not allocate: they fill a caller
 * struct that points into the packet.
 */
#ifndef TES_STUN_H
#define TES_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** What a datagram on the shared media port is (RFC 7983 first byte). */
enum tes_pkt_kind {
	TES_PKT_UNKNOWN = 0,
	TES_PKT_STUN,  /**< first byte 0..3 */
	TES_PKT_DTLS,  /**< first byte 20..63 */
	TES_PKT_RTP,   /**< first byte 128..191, RTP payload type */
	TES_PKT_RTCP,  /**< first byte 128..191, second byte 192..223 (RFC 5761) */
};

/**
 * Classify a datagram by its first bytes.
 *
 * @param buf  Datagram
 * @param len  Its length
 * @return The kind; TES_PKT_UNKNOWN for anything else or too short
 */
enum tes_pkt_kind tes_demux(const uint8_t *buf, size_t len);

enum {
	TES_STUN_HDR_LEN = 20,
	TES_STUN_MAGIC = 0x2112A442,
	TES_STUN_BINDING_REQUEST = 0x0001,
	TES_STUN_BINDING_SUCCESS = 0x0101,
	TES_STUN_BINDING_ERROR = 0x0111,
	TES_STUN_BINDING_INDICATION = 0x0011,
};

/** A parsed STUN message; pointers refer into the parsed buffer. */
struct tes_stun_msg {
	uint16_t type;             /**< Message type (method + class) */
	uint16_t length;           /**< Body length from the header */
	uint8_t tid[12];           /**< Transaction ID */
	const uint8_t *username;   /**< USERNAME value, or NULL */
	size_t username_len;       /**< USERNAME length */
	bool has_priority;         /**< PRIORITY present */
	uint32_t priority;         /**< PRIORITY value */
	bool use_candidate;        /**< USE-CANDIDATE present */
	bool ice_controlling;      /**< ICE-CONTROLLING present */
	bool ice_controlled;       /**< ICE-CONTROLLED present */
	uint64_t tiebreaker;       /**< ICE-CONTROLLING/-CONTROLLED value */
	bool has_integrity;        /**< MESSAGE-INTEGRITY present */
	size_t integrity_off;      /**< Offset of the MESSAGE-INTEGRITY attr */
	bool has_fingerprint;      /**< FINGERPRINT present */
	size_t fingerprint_off;    /**< Offset of the FINGERPRINT attr */
	bool has_xor_mapped;       /**< XOR-MAPPED-ADDRESS present */
	struct sockaddr_storage xor_mapped; /**< Decoded XOR-MAPPED-ADDRESS */
	uint16_t error_code;       /**< ERROR-CODE (e.g. 401), 0 if absent */
	uint16_t unknown_required; /**< First unknown comprehension-required
				        attribute type, 0 if none */
};

/**
 * Parse a STUN message: header, magic cookie, every attribute's bounds,
 * attribute order rules (nothing but FINGERPRINT after MESSAGE-INTEGRITY).
 *
 * @param msg  Receives the parsed message
 * @param buf  Datagram
 * @param len  Its length
 * @return 0, or -EBADMSG when malformed
 */
int tes_stun_parse(struct tes_stun_msg *msg, const uint8_t *buf, size_t len);

/**
 * Check MESSAGE-INTEGRITY (HMAC-SHA1, short-term credential: key = password).
 *
 * @param msg     Parsed message
 * @param buf     The same datagram that was parsed
 * @param len     Its length
 * @param key     Password
 * @param keylen  Password length
 * @return 0 when valid, -EACCES when wrong, -EBADMSG when absent
 */
int tes_stun_check_integrity(const struct tes_stun_msg *msg,
			     const uint8_t *buf, size_t len,
			     const uint8_t *key, size_t keylen);

/**
 * Check FINGERPRINT (CRC-32 XOR 0x5354554e).
 *
 * @param msg  Parsed message
 * @param buf  The same datagram that was parsed
 * @param len  Its length
 * @return 0 when valid, -EBADMSG when wrong or absent
 */
int tes_stun_check_fingerprint(const struct tes_stun_msg *msg,
			       const uint8_t *buf, size_t len);

/**
 * Build a Binding success response with XOR-MAPPED-ADDRESS,
 * MESSAGE-INTEGRITY (key) and FINGERPRINT.
 *
 * @param out     Output buffer
 * @param cap     Its capacity (>= 80 bytes is always enough)
 * @param outlen  Receives the message length
 * @param tid     Transaction ID of the request
 * @param mapped  Source address of the request (IPv4 or IPv6)
 * @param key     Password for MESSAGE-INTEGRITY
 * @param keylen  Password length
 * @return 0, or -ENOSPC / -EINVAL
 */
int tes_stun_build_success(uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t tid[12],
			   const struct sockaddr *mapped,
			   const uint8_t *key, size_t keylen);

/**
 * Build a Binding error response with ERROR-CODE and FINGERPRINT (and
 * MESSAGE-INTEGRITY when key is not NULL).
 *
 * @param out     Output buffer
 * @param cap     Its capacity
 * @param outlen  Receives the message length
 * @param tid     Transaction ID of the request
 * @param code    Error code (400, 401, 487, ...)
 * @param reason  Reason phrase
 * @param key     Password, or NULL
 * @param keylen  Password length
 * @return 0, or -ENOSPC / -EINVAL
 */
int tes_stun_build_error(uint8_t *out, size_t cap, size_t *outlen,
			 const uint8_t tid[12], uint16_t code,
			 const char *reason, const uint8_t *key,
			 size_t keylen);

/**
 * Build a Binding request (used by tests and load generators acting as the
 * controlling ICE agent): USERNAME, PRIORITY, ICE-CONTROLLING, optional
 * USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT.
 *
 * @param out            Output buffer
 * @param cap            Its capacity
 * @param outlen         Receives the message length
 * @param tid            Transaction ID to use
 * @param username       "remote-ufrag:local-ufrag"
 * @param key            Password of the receiving agent
 * @param keylen         Password length
 * @param priority       PRIORITY value
 * @param use_candidate  Add USE-CANDIDATE
 * @return 0, or -ENOSPC / -EINVAL
 */
int tes_stun_build_request(uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t tid[12], const char *username,
			   const uint8_t *key, size_t keylen,
			   uint32_t priority, bool use_candidate);

#endif /* TES_STUN_H */
