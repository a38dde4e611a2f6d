/**
 * @file srtp.c  SRTP/SRTCP sessions on libsrtp2 (2.5 API, int *len).
 *
 * One libsrtp session per direction, each with a wildcard SSRC policy, so
 * every stream of a transport shares the DTLS-exported master key.  Packet
 * failures are counted, never logged: they are caused by outside input and
 * arrive at packet rate.
 */
#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "base/base.h"
#include "srtp/srtp.h"
#include "srtp/srtp_int.h"

enum {
	REPLAY_WINDOW = 1024,  /**< Packets; covers NACK/RTX reordering */
};

/* libsrtp may append a tag, an MKI and (SRTCP) the 4-byte index */
_Static_assert(TES_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4,
	       "TES_SRTP_MAX_TRAILER too small for libsrtp");

/** An inbound + outbound session pair.  Owned by the loop thread. */
struct tes_srtp {
	srtp_t in;                    /**< Unprotects what the peer sends */
	srtp_t out;                   /**< Protects what we send */
	struct tes_srtp_stats stats;  /**< Counters */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_fail;
static unsigned ossl_in_use;

static void init_lib(void)
{
	init_status = srtp_init();
	if (init_status != srtp_err_status_ok) {
		TES_LOGE("srtp", "srtp_init failed (libsrtp error %d)",
			 (int)init_status);
		return;
	}
	ossl_in_use = tes__srtp_use_openssl();
	TES_LOGD("srtp", "libsrtp %s; from OpenSSL: AES-CM %s, AES-GCM %s, "
		 "HMAC-SHA1 %s", srtp_get_version_string(),
		 ossl_in_use & TES__SRTP_OSSL_ICM ? "yes" : "no",
		 ossl_in_use & TES__SRTP_OSSL_GCM ? "yes" : "no",
		 ossl_in_use & TES__SRTP_OSSL_HMAC ? "yes" : "no");
}

unsigned tes__srtp_openssl(void)
{
	return ossl_in_use;
}

int tes_srtp_init(void)
{
	if (pthread_once(&init_once, init_lib))
		return -EPROTO;

	return init_status == srtp_err_status_ok ? 0 : -EPROTO;
}

static void srtp_destructor(void *data)
{
	struct tes_srtp *s = data;

	if (s->in)
		srtp_dealloc(s->in);
	if (s->out)
		srtp_dealloc(s->out);
}

/* One direction: wildcard SSRC, master key = key || salt. */
static int session_create(srtp_t *sessp, const struct tes_dtls_keys *keys,
			  bool inbound)
{
	uint8_t master[TES_SRTP_MAX_KEY + TES_SRTP_MAX_SALT];
	srtp_policy_t pol;
	srtp_err_status_t st;

	memset(&pol, 0, sizeof(pol));

	switch (keys->profile) {
	case TES_SRTP_AES128_CM_SHA1_80:
		if (keys->key_len != 16 || keys->salt_len != 14)
			return -EINVAL;
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case TES_SRTP_AES128_CM_SHA1_32:
		if (keys->key_len != 16 || keys->salt_len != 14)
			return -EINVAL;
		/* the 32-bit tag is for SRTP only: SRTCP keeps 80 bits
		 * (RFC 4568 6.2.2, RFC 5764 4.1.2) */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case TES_SRTP_AEAD_AES_128_GCM:
		if (keys->key_len != 16 || keys->salt_len != 12)
			return -EINVAL;
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
		break;
	default:
		return -EINVAL;
	}

	if (inbound) {
		memcpy(master, keys->remote_key, keys->key_len);
		memcpy(master + keys->key_len, keys->remote_salt,
		       keys->salt_len);
		pol.ssrc.type = ssrc_any_inbound;
	}
	else {
		memcpy(master, keys->local_key, keys->key_len);
		memcpy(master + keys->key_len, keys->local_salt,
		       keys->salt_len);
		pol.ssrc.type = ssrc_any_outbound;
		/* NACK retransmissions reuse the sequence number */
		pol.allow_repeat_tx = 1;
	}
	pol.key = master;
	pol.window_size = REPLAY_WINDOW;
	pol.next = NULL;

	st = srtp_create(sessp, &pol);
	memset(master, 0, sizeof(master));
	if (st != srtp_err_status_ok) {
		*sessp = NULL;
		TES_LOGE("srtp", "srtp_create (%s, profile %d) failed: "
			 "libsrtp error %d", inbound ? "inbound" : "outbound",
			 (int)keys->profile, (int)st);
		return -EPROTO;
	}

	return 0;
}

int tes_srtp_alloc(struct tes_srtp **sp, const struct tes_dtls_keys *keys)
{
	struct tes_srtp *s;
	int err;

	if (!sp || !keys)
		return -EINVAL;
	if (keys->profile != TES_SRTP_AES128_CM_SHA1_80 &&
	    keys->profile != TES_SRTP_AES128_CM_SHA1_32 &&
	    keys->profile != TES_SRTP_AEAD_AES_128_GCM)
		return -EINVAL;

	err = tes_srtp_init();
	if (err)
		return err;

	s = tes_alloc(sizeof(*s), srtp_destructor);
	if (!s)
		return -ENOMEM;

	err = session_create(&s->in, keys, true);
	if (err)
		goto out;
	err = session_create(&s->out, keys, false);

out:
	if (err)
		s = tes_deref(s);
	else
		*sp = s;

	return err;
}

int tes_srtp_alloc_sdes(struct tes_srtp **sp, enum tes_srtp_profile profile,
			const uint8_t *local, const uint8_t *remote,
			size_t len)
{
	struct tes_dtls_keys k;
	int err;

	if (!local || !remote)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	k.profile = profile;
	k.key_len = 16;
	switch (profile) {
	case TES_SRTP_AES128_CM_SHA1_80:
	case TES_SRTP_AES128_CM_SHA1_32:
		k.salt_len = 14;
		break;
	case TES_SRTP_AEAD_AES_128_GCM:
		k.salt_len = 12;
		break;
	default:
		return -EINVAL;
	}
	if (len != k.key_len + k.salt_len)
		return -EINVAL;
	/* a=crypto's inline key is the master key followed by the salt */
	memcpy(k.local_key, local, k.key_len);
	memcpy(k.local_salt, local + k.key_len, k.salt_len);
	memcpy(k.remote_key, remote, k.key_len);
	memcpy(k.remote_salt, remote + k.key_len, k.salt_len);
	err = tes_srtp_alloc(sp, &k);
	memset(&k, 0, sizeof(k));

	return err;
}

/* Inbound libsrtp status -> errno, counted by reason. */
static int unprotect_err(struct tes_srtp *s, srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_auth_fail:
		s->stats.auth_fail++;
		return -EACCES;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		s->stats.replay++;
		return -EALREADY;
	default:
		s->stats.other_fail++;
		return -EBADMSG;
	}
}

/* One body for RTP and RTCP: libsrtp has a call for each. */
static int protect(struct tes_srtp *s, uint8_t *buf, size_t *len, bool rtcp)
{
	srtp_err_status_t st;
	int n;

	if (!s || !buf || !len)
		return -EINVAL;
	if (*len > INT_MAX - TES_SRTP_MAX_TRAILER)
		goto fail;

	n = (int)*len;
	st = rtcp ? srtp_protect_rtcp(s->out, buf, &n)
		  : srtp_protect(s->out, buf, &n);
	if (st != srtp_err_status_ok)
		goto fail;
	*len = (size_t)n;

	return 0;

fail:
	s->stats.protect_fail++;
	return -EPROTO;
}

static int unprotect(struct tes_srtp *s, uint8_t *buf, size_t *len, bool rtcp)
{
	srtp_err_status_t st;
	int n;

	if (!s || !buf || !len)
		return -EINVAL;
	if (*len > INT_MAX) {
		s->stats.other_fail++;
		return -EBADMSG;
	}

	n = (int)*len;
	st = rtcp ? srtp_unprotect_rtcp(s->in, buf, &n)
		  : srtp_unprotect(s->in, buf, &n);
	if (st != srtp_err_status_ok)
		return unprotect_err(s, st);
	*len = (size_t)n;
	if (rtcp)
		s->stats.rtcp_unprotected++;
	else
		s->stats.rtp_unprotected++;

	return 0;
}

int tes_srtp_protect_rtp(struct tes_srtp *s, uint8_t *buf, size_t *len)
{
	return protect(s, buf, len, false);
}

int tes_srtp_unprotect_rtp(struct tes_srtp *s, uint8_t *buf, size_t *len)
{
	return unprotect(s, buf, len, false);
}

int tes_srtp_protect_rtcp(struct tes_srtp *s, uint8_t *buf, size_t *len)
{
	return protect(s, buf, len, true);
}

int tes_srtp_unprotect_rtcp(struct tes_srtp *s, uint8_t *buf, size_t *len)
{
	return unprotect(s, buf, len, true);
}

const struct tes_srtp_stats *tes_srtp_stats(const struct tes_srtp *s)
{
	return s ? &s->stats : NULL;
}
