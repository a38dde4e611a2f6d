/**
 * @file ossl.c  AES-128-CM, AES-128-GCM and HMAC-SHA1 for libsrtp, from
 * OpenSSL, plugged in through libsrtp's own srtp_replace_cipher_type() and
 * srtp_replace_auth_type().  libsrtp still does all of SRTP (key
 * derivation, packet layout, replay, ROC); only the primitives change.
 *
 * Why: Debian builds libsrtp2 against NSS.  Its AES-CM creates a PKCS#11
 * context for every packet, and each key it imports is an object that
 * softoken finds through a hash table that does not grow: with 200 live
 * sessions a protect + unprotect cost 2.2 us, with 2000 sessions 39 us,
 * and a 100-participant room spent a third of the loop thread in NSS.
 * OpenSSL keeps one EVP context per stream, keyed once, and is
 * indifferent to how many exist.
 *
 * Each replacement must first pass its own known-answer test below (RFC
 * 3711 B.2, the GCM specification's test case 4, RFC 2202), then libsrtp
 * runs the test cases of the implementation it replaces on it; a type
 * that fails either is not installed and the library's own stays.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "base/base.h"
#include "srtp/srtp_int.h"

enum {
	AES_BLOCK = 16,
	GCM_TAG_MAX = 16,
	SHA1_LEN = 20,
};

/* ---- known answers ---- */

/* RFC 3711 B.2: session key, then the 14-byte salt; counter 0 */
static const uint8_t icm_key[SRTP_AES_ICM_128_KEY_LEN_WSALT] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15,
	0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
	0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm_idx[AES_BLOCK];
static const uint8_t icm_zeros[2 * AES_BLOCK];
static const uint8_t icm_keystream[2 * AES_BLOCK] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
	0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
	0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const srtp_cipher_test_case_t icm_test = {
	.key_length_octets = SRTP_AES_ICM_128_KEY_LEN_WSALT,
	.key = icm_key,
	.idx = icm_idx,
	.plaintext_length_octets = sizeof(icm_zeros),
	.plaintext = icm_zeros,
	.ciphertext_length_octets = sizeof(icm_keystream),
	.ciphertext = icm_keystream,
};

/* GCM specification (McGrew, Viega) test case 4; libsrtp's key has the
 * 12-byte salt after the AES key, which the cipher itself does not use */
static const uint8_t gcm_key[SRTP_AES_GCM_128_KEY_LEN_WSALT] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f,
	0x94, 0x67, 0x30, 0x83, 0x08,
};
static uint8_t gcm_iv[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8,
	0x88,
};
static const uint8_t gcm_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t gcm_plain[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09,
	0xc5, 0xaf, 0xf5, 0x26, 0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34,
	0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72, 0x1c,
	0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24,
	0x49, 0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6,
	0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t gcm_cipher[60 + 16] = {
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21,
	0xb7, 0x84, 0xd0, 0xd4, 0x9c, 0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02,
	0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e, 0x21,
	0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a,
	0xac, 0x84, 0xaa, 0x05, 0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac,
	0x97, 0x3d, 0x58, 0xe0, 0x91,
	/* tag */
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9,
	0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const srtp_cipher_test_case_t gcm_test = {
	.key_length_octets = SRTP_AES_GCM_128_KEY_LEN_WSALT,
	.key = gcm_key,
	.idx = gcm_iv,
	.plaintext_length_octets = sizeof(gcm_plain),
	.plaintext = gcm_plain,
	.ciphertext_length_octets = sizeof(gcm_cipher),
	.ciphertext = gcm_cipher,
	.aad_length_octets = sizeof(gcm_aad),
	.aad = gcm_aad,
	.tag_length_octets = GCM_TAG_MAX,
};

/* RFC 2202 test case 1, the tag cut to SRTP's 80 bits */
static const uint8_t hmac_key[SHA1_LEN] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[] = "Hi There";
static const uint8_t hmac_tag[10] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
};
static const srtp_auth_test_case_t hmac_test = {
	.key_length_octets = sizeof(hmac_key),
	.key = hmac_key,
	.data_length_octets = sizeof(hmac_data) - 1,
	.data = hmac_data,
	.tag_length_octets = sizeof(hmac_tag),
	.tag = hmac_tag,
};

/* ---- AES-128 counter mode (RFC 3711 4.1.1) ---- */

struct icm {
	EVP_CIPHER_CTX *ctx;
	uint8_t offset[AES_BLOCK];  /* salt, its last two octets zero */
};

static const srtp_cipher_type_t icm_type;
static const srtp_cipher_type_t gcm_type;

static srtp_err_status_t cipher_new(srtp_cipher_t **cp, size_t state_len,
				    const srtp_cipher_type_t *type,
				    int key_len, int algorithm)
{
	srtp_cipher_t *c = calloc(1, sizeof(*c));
	EVP_CIPHER_CTX **ctx = calloc(1, state_len);

	/* every state here starts with its EVP context */
	if (c && ctx)
		*ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx || !*ctx) {
		free(ctx);
		free(c);
		return srtp_err_status_alloc_fail;
	}
	c->type = type;
	c->state = ctx;
	c->key_len = key_len;
	c->algorithm = algorithm;
	*cp = c;

	return srtp_err_status_ok;
}

static srtp_err_status_t cipher_free(srtp_cipher_t *c, size_t state_len)
{
	EVP_CIPHER_CTX **ctx = c->state;

	EVP_CIPHER_CTX_free(*ctx);
	OPENSSL_cleanse(ctx, state_len);
	free(ctx);
	free(c);

	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_t **cp, int key_len,
				   int tag_len)
{
	(void)tag_len;
	if (key_len != SRTP_AES_ICM_128_KEY_LEN_WSALT)
		return srtp_err_status_bad_param;

	return cipher_new(cp, sizeof(struct icm), &icm_type, key_len,
			  SRTP_AES_ICM_128);
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c)
{
	return cipher_free(c, sizeof(struct icm));
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct icm *s = state;

	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + SRTP_AES_128_KEY_LEN, SRTP_SALT_LEN);
	if (!EVP_EncryptInit_ex(s->ctx, EVP_aes_128_ctr(), NULL, key, NULL))
		return srtp_err_status_init_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv,
				    srtp_cipher_direction_t dir)
{
	struct icm *s = state;
	uint8_t counter[AES_BLOCK];

	(void)dir;
	for (size_t i = 0; i < AES_BLOCK; i++)
		counter[i] = s->offset[i] ^ iv[i];
	if (!EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, counter))
		return srtp_err_status_init_fail;

	return srtp_err_status_ok;
}

/* the same both ways: XOR with the key stream, in place */
static srtp_err_status_t icm_crypt(void *state, uint8_t *buf,
				   unsigned int *len)
{
	struct icm *s = state;
	int out = 0;

	if (*len > INT32_MAX ||
	    !EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) ||
	    (unsigned int)out != *len)
		return srtp_err_status_cipher_fail;

	return srtp_err_status_ok;
}

static const srtp_cipher_type_t icm_type = {
	.alloc = icm_alloc,
	.dealloc = icm_dealloc,
	.init = icm_init,
	.encrypt = icm_crypt,
	.decrypt = icm_crypt,
	.set_iv = icm_set_iv,
	.description = "AES-128 counter mode (OpenSSL, Tessera)",
	.test_data = &icm_test,
	.id = SRTP_AES_ICM_128,
};

/* ---- AES-128-GCM (RFC 7714) ---- */

struct gcm {
	EVP_CIPHER_CTX *ctx;
	int tag_len;
	bool enc;
};

static srtp_err_status_t gcm_alloc(srtp_cipher_t **cp, int key_len,
				   int tag_len)
{
	srtp_err_status_t err;

	if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT ||
	    (tag_len != 8 && tag_len != GCM_TAG_MAX))
		return srtp_err_status_bad_param;

	err = cipher_new(cp, sizeof(struct gcm), &gcm_type, key_len,
			 SRTP_AES_GCM_128);
	if (!err)
		((struct gcm *)(*cp)->state)->tag_len = tag_len;

	return err;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *c)
{
	return cipher_free(c, sizeof(struct gcm));
}

static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct gcm *s = state;

	/* the key only: the direction comes with each IV */
	if (!EVP_CipherInit_ex(s->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 1))
		return srtp_err_status_init_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv,
				    srtp_cipher_direction_t dir)
{
	struct gcm *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	s->enc = dir == srtp_direction_encrypt;
	/* the IV length stays OpenSSL's default, 12 octets (RFC 7714 8.1) */
	if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, s->enc))
		return srtp_err_status_init_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad,
				     uint32_t len)
{
	struct gcm *s = state;
	int out = 0;

	if (len > INT32_MAX ||
	    !EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len))
		return srtp_err_status_algo_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf,
				     unsigned int *len)
{
	struct gcm *s = state;
	int out = 0;

	if (!s->enc || *len > INT32_MAX ||
	    !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len))
		return srtp_err_status_cipher_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag,
				     uint32_t *len)
{
	struct gcm *s = state;
	uint8_t none[AES_BLOCK];
	int out = 0;

	if (!EVP_CipherFinal_ex(s->ctx, none, &out) ||
	    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len,
				 tag))
		return srtp_err_status_algo_fail;
	*len = (uint32_t)s->tag_len;

	return srtp_err_status_ok;
}

/* buf holds the ciphertext and then the tag; on success *len is the
 * plaintext's length */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf,
				     unsigned int *len)
{
	struct gcm *s = state;
	uint8_t none[AES_BLOCK];
	unsigned int n;
	int out = 0;

	if (s->enc || *len < (unsigned int)s->tag_len || *len > INT32_MAX)
		return srtp_err_status_bad_param;
	n = *len - (unsigned int)s->tag_len;
	if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len,
				 buf + n) ||
	    !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) <= 0)
		return srtp_err_status_auth_fail;
	*len = n;

	return srtp_err_status_ok;
}

static const srtp_cipher_type_t gcm_type = {
	.alloc = gcm_alloc,
	.dealloc = gcm_dealloc,
	.init = gcm_init,
	.set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt,
	.decrypt = gcm_decrypt,
	.set_iv = gcm_set_iv,
	.get_tag = gcm_get_tag,
	.description = "AES-128-GCM (OpenSSL, Tessera)",
	.test_data = &gcm_test,
	.id = SRTP_AES_GCM_128,
};

/* ---- HMAC-SHA1 (RFC 3711 4.2.1) ---- */

static EVP_MAC *hmac_mac;  /* fetched once, before the type is installed */
static const srtp_auth_type_t hmac_type;

static srtp_err_status_t hmac_alloc(srtp_auth_t **ap, int key_len,
				    int out_len)
{
	srtp_auth_t *a;

	if (out_len < 0 || out_len > SHA1_LEN)
		return srtp_err_status_bad_param;
	a = calloc(1, sizeof(*a));
	if (!a)
		return srtp_err_status_alloc_fail;
	a->state = EVP_MAC_CTX_new(hmac_mac);
	if (!a->state) {
		free(a);
		return srtp_err_status_alloc_fail;
	}
	a->type = &hmac_type;
	a->out_len = out_len;
	a->key_len = key_len;
	*ap = a;

	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a)
{
	EVP_MAC_CTX_free(a->state);
	free(a);

	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key,
				   int key_len)
{
	char digest[] = "SHA1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest,
						 0),
		OSSL_PARAM_construct_end(),
	};

	if (key_len < 0 ||
	    !EVP_MAC_init(state, key, (size_t)key_len, params))
		return srtp_err_status_auth_fail;

	return srtp_err_status_ok;
}

/* a new message under the same key (OpenSSL >= 3.0.9 keeps the key) */
static srtp_err_status_t hmac_start(void *state)
{
	if (!EVP_MAC_init(state, NULL, 0, NULL))
		return srtp_err_status_auth_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *msg,
				     int len)
{
	if (len < 0 || !EVP_MAC_update(state, msg, (size_t)len))
		return srtp_err_status_auth_fail;

	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *msg,
				      int len, int tag_len, uint8_t *tag)
{
	uint8_t full[SHA1_LEN];
	size_t n = 0;

	if (tag_len < 0 || tag_len > SHA1_LEN || len < 0 ||
	    !EVP_MAC_update(state, msg, (size_t)len) ||
	    !EVP_MAC_final(state, full, &n, sizeof(full)) || n != SHA1_LEN)
		return srtp_err_status_auth_fail;
	memcpy(tag, full, (size_t)tag_len);

	return srtp_err_status_ok;
}

static const srtp_auth_type_t hmac_type = {
	.alloc = hmac_alloc,
	.dealloc = hmac_dealloc,
	.init = hmac_init,
	.compute = hmac_compute,
	.update = hmac_update,
	.start = hmac_start,
	.description = "HMAC-SHA1 (OpenSSL, Tessera)",
	.test_data = &hmac_test,
	.id = SRTP_HMAC_SHA1,
};

/* ---- installation ---- */

/* before 3.0.9, EVP_MAC_init() without a key forgot the key */
#define OSSL_MAC_REINIT 0x30000090UL

/* what one replacement gave: its flag, or 0 and a log line */
static unsigned installed(srtp_err_status_t err, const char *what,
			  unsigned flag)
{
	if (!err)
		return flag;
	TES_LOGW("srtp", "%s from OpenSSL refused (libsrtp error %d): the "
		 "library's own stays", what, (int)err);
	return 0;
}

unsigned tes__srtp_use_openssl(void)
{
	unsigned done;
	srtp_err_status_t err;

	done = installed(srtp_replace_cipher_type(&icm_type, SRTP_AES_ICM_128),
			 "AES-CM", TES__SRTP_OSSL_ICM);
	done |= installed(srtp_replace_cipher_type(&gcm_type,
						   SRTP_AES_GCM_128),
			  "AES-GCM", TES__SRTP_OSSL_GCM);

	if (OpenSSL_version_num() < OSSL_MAC_REINIT)
		return done;
	hmac_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	err = hmac_mac ? srtp_replace_auth_type(&hmac_type, SRTP_HMAC_SHA1)
		       : srtp_err_status_alloc_fail;
	if (err) {
		EVP_MAC_free(hmac_mac);
		hmac_mac = NULL;
	}

	return done | installed(err, "HMAC-SHA1", TES__SRTP_OSSL_HMAC);
}
