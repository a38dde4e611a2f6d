/**
 * @file crypto.h  SDES: SRTP keys in SDP (RFC 4568 a=crypto), for SIP
 * endpoints that do not do DTLS-SRTP.
 *
 *   a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<len>]
 *            [;inline:...] [<session params>]
 *
 * The key is the master key followed by the master salt.  We take one
 * inline key per line; a line with several, or with an MKI, is refused
 * (libsrtp's MKI mode would need MKIs in every packet we send), as are
 * suites we do not implement and the session parameters that turn off
 * encryption or authentication (RFC 4568 6.3: an answerer may refuse
 * them; we always do).
 */
#ifndef TES_SDP_CRYPTO_H
#define TES_SDP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** SRTP crypto suites of a=crypto we implement. */
enum tes_sdes_suite {
	TES_SDES_AES_CM_128_HMAC_SHA1_80,  /**< RFC 4568 */
	TES_SDES_AES_CM_128_HMAC_SHA1_32,  /**< RFC 4568 */
	TES_SDES_AEAD_AES_128_GCM,         /**< RFC 7714 */
	TES_SDES_AES_256_CM_HMAC_SHA1_80,  /**< RFC 6188 */
};

enum {
	TES_SDES_KEY_MAX = 46,  /**< longest key||salt (AES-256: 32 + 14) */
};

/** One parsed a=crypto line. */
struct tes_sdes {
	uint32_t tag;                    /**< Tag, 1..999999999 */
	enum tes_sdes_suite suite;       /**< Crypto suite */
	uint8_t key[TES_SDES_KEY_MAX];   /**< Master key, then master salt */
	size_t key_len;                  /**< The suite's key + salt length */
	uint64_t lifetime;               /**< Packets the key may protect
					      (0: not given) */
	uint32_t kdr;                    /**< KDR= (a power of 2 exponent),
					      0 when absent */
};

/**
 * Parse the value of an a=crypto attribute (after "a=crypto:").
 *
 * @param c       Receives the line
 * @param v       Value (need not be NUL-terminated)
 * @param len     Its length
 * @param err     Receives the reason on failure (may be NULL)
 * @param errlen  Its size
 * @return 0, -EINVAL (bad arguments), -EBADMSG (malformed) or -ENOTSUP
 *         (well-formed but not something we do: suite, MKI, several
 *         keys, unencrypted or unauthenticated SRTP)
 */
int tes_sdes_parse(struct tes_sdes *c, const char *v, size_t len, char *err,
		   size_t errlen);

/**
 * Write an a=crypto value for our side (a fresh key is the caller's).
 *
 * @param buf  Output
 * @param cap  Its size
 * @param c    Tag, suite and key (key_len must suit the suite)
 * @return Length written (without the NUL), -EINVAL or -ENOSPC
 */
int tes_sdes_write(char *buf, size_t cap, const struct tes_sdes *c);

/**
 * Fill in a fresh random key for our side of an a=crypto line.
 *
 * @param c      Receives tag, suite and key (the rest is cleared)
 * @param tag    Tag (the offer's, when answering: RFC 4568 5.1.2)
 * @param suite  Crypto suite
 * @return 0, -EINVAL (unknown suite or tag), or an error of the random
 *         source
 */
int tes_sdes_new_key(struct tes_sdes *c, uint32_t tag,
		     enum tes_sdes_suite suite);

/**
 * The SRTP protection profile of a suite, numbered as IANA's DTLS-SRTP
 * registry, which enum tes_srtp_profile of dtls/dtls.h follows (sdp may
 * not include dtls: the caller casts).
 *
 * @param s  Suite
 * @return 1 (AES_CM_128_HMAC_SHA1_80), 2 (_32), 7 (AEAD_AES_128_GCM), or
 *         0 when there is no such profile (AES_256_CM_HMAC_SHA1_80)
 */
unsigned tes_sdes_srtp_profile(enum tes_sdes_suite s);

/**
 * Name of a suite as a=crypto writes it.
 *
 * @param s  Suite
 * @return "AES_CM_128_HMAC_SHA1_80" etc.
 */
const char *tes_sdes_suite_name(enum tes_sdes_suite s);

#endif /* TES_SDP_CRYPTO_H */
