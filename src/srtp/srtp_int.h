/**
 * @file srtp_int.h  Inside src/srtp/ (and its tests): the OpenSSL
 * primitives installed into libsrtp.
 */
#ifndef TES_SRTP_INT_H
#define TES_SRTP_INT_H

/** What tes__srtp_use_openssl() installed. */
enum {
	TES__SRTP_OSSL_ICM = 1u << 0,   /**< AES-128-CM */
	TES__SRTP_OSSL_GCM = 1u << 1,   /**< AES-128-GCM */
	TES__SRTP_OSSL_HMAC = 1u << 2,  /**< HMAC-SHA1 */
};

/**
 * Replace libsrtp's AES-128-CM, AES-128-GCM and HMAC-SHA1 with OpenSSL's,
 * each only after it passed its known-answer tests and the library's.
 * Call once, after srtp_init() and before any session exists.
 *
 * @return TES__SRTP_OSSL_* of the ones now in use (a refusal is logged)
 */
unsigned tes__srtp_use_openssl(void);

/** @return What tes_srtp_init() installed (TES__SRTP_OSSL_*) */
unsigned tes__srtp_openssl(void);

#endif /* TES_SRTP_INT_H */
