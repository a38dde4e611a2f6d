/**
 * @file dtls.h  DTLS-SRTP (RFC 5764, RFC 8827) with OpenSSL over memory BIOs.
 *
 * One self-signed ECDSA P-256 certificate per process; every connection
 * checks the peer's certificate against the fingerprint from its SDP and
 * exports SRTP keying material.  No sockets here: datagrams go in through
 * tes_dtls_recv() and come out through the send handler.
 * Owned by the loop thread.
 */
#ifndef TES_DTLS_H
#define TES_DTLS_H

#include <stddef.h>
#include <stdint.h>

struct tes_dtls_cert;
struct tes_dtls;

/**
 * SRTP protection profiles (RFC 5764, RFC 7714), numbered as IANA's
 * DTLS-SRTP registry.  DTLS negotiates SHA1_80 and GCM; SHA1_32 comes only
 * from SDES (RFC 4568 a=crypto) keys.
 */
enum tes_srtp_profile {
	TES_SRTP_NONE = 0,
	TES_SRTP_AES128_CM_SHA1_80 = 1,   /**< IANA 0x0001 */
	TES_SRTP_AES128_CM_SHA1_32 = 2,   /**< IANA 0x0002: 32-bit SRTP
					       tag, SRTCP keeps 80 bits */
	TES_SRTP_AEAD_AES_128_GCM = 7,    /**< IANA 0x0007 */
};

enum {
	TES_SRTP_MAX_KEY = 16,   /**< master key length (both profiles) */
	TES_SRTP_MAX_SALT = 14,  /**< master salt length (CM: 14, GCM: 12) */
};

/** Keys exported after a handshake. */
struct tes_dtls_keys {
	enum tes_srtp_profile profile;      /**< Negotiated profile */
	size_t key_len;                     /**< Master key length */
	size_t salt_len;                    /**< Master salt length */
	uint8_t local_key[TES_SRTP_MAX_KEY];    /**< Key for what we send */
	uint8_t local_salt[TES_SRTP_MAX_SALT];  /**< Salt for what we send */
	uint8_t remote_key[TES_SRTP_MAX_KEY];   /**< Key for what we receive */
	uint8_t remote_salt[TES_SRTP_MAX_SALT]; /**< Salt for what we receive */
};

/** Our DTLS role (a=setup: passive = server, active = client). */
enum tes_dtls_role {
	TES_DTLS_SERVER = 0,
	TES_DTLS_CLIENT,
};

/**
 * Send a datagram produced by DTLS to the peer.
 *
 * @param buf  Datagram
 * @param len  Its length
 * @param arg  Handler argument
 */
typedef void (tes_dtls_send_h)(const uint8_t *buf, size_t len, void *arg);

/**
 * Handshake finished (err == 0, keys valid) or failed / closed (err < 0,
 * keys NULL: -EACCES fingerprint mismatch, -EPROTO handshake failure,
 * -ETIMEDOUT retransmissions gave up (from tes_dtls_tick()), -ECONNRESET
 * peer sent close_notify or a fatal alert).  Called at most once per
 * outcome.
 *
 * @param err   0 or negative errno
 * @param keys  Exported keys when err == 0
 * @param arg   Handler argument
 */
typedef void (tes_dtls_done_h)(int err, const struct tes_dtls_keys *keys,
			       void *arg);

/**
 * Create a self-signed ECDSA P-256 certificate (valid 30 days).
 *
 * @param certp  Receives the certificate (tes_deref to free)
 * @return 0, or negative errno
 */
int tes_dtls_cert_alloc(struct tes_dtls_cert **certp);

/**
 * The certificate's SHA-256 fingerprint as for SDP, upper-case hex bytes
 * separated by colons ("AB:CD:...").
 *
 * @param cert  Certificate
 * @return The fingerprint string (lives as long as cert)
 */
const char *tes_dtls_cert_fingerprint(const struct tes_dtls_cert *cert);

/**
 * Create a DTLS connection.
 *
 * @param dp        Receives the connection (tes_deref to free)
 * @param cert      Our certificate (a reference is taken)
 * @param role      Server (we answered passive) or client
 * @param fp_alg    Peer fingerprint hash name from SDP ("sha-256", "sha-1",
 *                  "sha-384", "sha-512")
 * @param fp_hex    Peer fingerprint from SDP ("AB:CD:..."), case-insensitive
 * @param sendh     Called with each datagram to send
 * @param doneh     Called when the handshake ends either way
 * @param arg       Handler argument
 * @return 0, -EINVAL for an unknown algorithm or malformed fingerprint,
 *         -ENOMEM
 */
int tes_dtls_alloc(struct tes_dtls **dp, struct tes_dtls_cert *cert,
		   enum tes_dtls_role role, const char *fp_alg,
		   const char *fp_hex, tes_dtls_send_h *sendh,
		   tes_dtls_done_h *doneh, void *arg);

/**
 * Start the handshake (client role sends ClientHello; server: no-op).
 *
 * @param d  Connection
 * @return 0, or negative errno
 */
int tes_dtls_start(struct tes_dtls *d);

/**
 * Feed one received DTLS datagram.
 *
 * @param d    Connection
 * @param buf  Datagram
 * @param len  Its length
 * @return 0, or negative errno (the done handler has been told)
 */
int tes_dtls_recv(struct tes_dtls *d, const uint8_t *buf, size_t len);

/**
 * Milliseconds until tes_dtls_tick() must run for retransmission, or -1
 * when no timer is pending.
 *
 * @param d  Connection
 * @return Timeout in ms, or -1
 */
long tes_dtls_timeout_ms(struct tes_dtls *d);

/**
 * Handle retransmission timers (DTLSv1_handle_timeout).
 *
 * @param d  Connection
 */
void tes_dtls_tick(struct tes_dtls *d);

/**
 * Send close_notify (if connected).  Handlers are not called afterwards.
 *
 * @param d  Connection
 */
void tes_dtls_close(struct tes_dtls *d);

#endif /* TES_DTLS_H */
