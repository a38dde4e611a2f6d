/**
 * @file srtp.h  SRTP/SRTCP sessions (libsrtp2).  The only code in Tessera
 * that calls libsrtp.  Owned by the loop thread.
 */
#ifndef TES_SRTP_H
#define TES_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "dtls/dtls.h"

struct tes_srtp;

enum {
	/** Bytes protect may add (auth tag + SRTCP index, GCM tag + index). */
	TES_SRTP_MAX_TRAILER = 148,
};

/** Counters of one session (dropped inbound packets by reason). */
struct tes_srtp_stats {
	uint64_t rtp_unprotected;   /**< RTP packets accepted */
	uint64_t rtcp_unprotected;  /**< RTCP packets accepted */
	uint64_t auth_fail;         /**< Dropped: authentication failed */
	uint64_t replay;            /**< Dropped: replayed or too old */
	uint64_t other_fail;        /**< Dropped: other libsrtp errors */
	uint64_t protect_fail;      /**< Outbound packets that failed */
};

/**
 * Initialise libsrtp once per process (idempotent, thread-safe).
 *
 * @return 0, or -EPROTO
 */
int tes_srtp_init(void);

/**
 * Create an SRTP session pair (inbound + outbound) from DTLS keys.
 *
 * @param sp    Receives the session (tes_deref to free)
 * @param keys  Keys exported by DTLS
 * @return 0, -EINVAL for an unknown profile, -EPROTO on libsrtp errors
 */
int tes_srtp_alloc(struct tes_srtp **sp, const struct tes_dtls_keys *keys);

/**
 * Create an SRTP session pair from SDES keys (RFC 4568 a=crypto): each
 * side's inline key is its master key followed by its master salt.
 *
 * @param sp       Receives the session (tes_deref to free)
 * @param profile  TES_SRTP_AES128_CM_SHA1_80 or _32 (AES_CM_128_HMAC_SHA1_80
 *                 or _32), or TES_SRTP_AEAD_AES_128_GCM (AEAD_AES_128_GCM)
 * @param local    Our key||salt (what we send is protected with it)
 * @param remote   The peer's key||salt (what we receive)
 * @param len      Length of each: 30 for AES-CM, 28 for GCM
 * @return 0, -EINVAL (unknown profile, wrong length), -EPROTO
 */
int tes_srtp_alloc_sdes(struct tes_srtp **sp, enum tes_srtp_profile profile,
			const uint8_t *local, const uint8_t *remote,
			size_t len);

/**
 * Protect an RTP packet in place.
 *
 * @param s    Session
 * @param buf  Packet; must have TES_SRTP_MAX_TRAILER spare bytes after len
 * @param len  In: RTP length; out: SRTP length
 * @return 0, or -EPROTO
 */
int tes_srtp_protect_rtp(struct tes_srtp *s, uint8_t *buf, size_t *len);

/**
 * Unprotect an SRTP packet in place.
 *
 * @param s    Session
 * @param buf  Packet
 * @param len  In: SRTP length; out: RTP length
 * @return 0, -EACCES auth failure, -EALREADY replay, -EBADMSG other
 */
int tes_srtp_unprotect_rtp(struct tes_srtp *s, uint8_t *buf, size_t *len);

/** Like tes_srtp_protect_rtp() for RTCP. */
int tes_srtp_protect_rtcp(struct tes_srtp *s, uint8_t *buf, size_t *len);

/** Like tes_srtp_unprotect_rtp() for SRTCP. */
int tes_srtp_unprotect_rtcp(struct tes_srtp *s, uint8_t *buf, size_t *len);

/**
 * The session's counters.
 *
 * @param s  Session
 * @return Counters (live as long as s)
 */
const struct tes_srtp_stats *tes_srtp_stats(const struct tes_srtp *s);

#endif /* TES_SRTP_H */
