/**
 * @file stun.c  STUN (RFC 8489) parsing, MESSAGE-INTEGRITY and FINGERPRINT
 * checks, and the few messages an ICE-lite agent sends.
 *
 * The parser never allocates: it fills a caller struct whose pointers refer
 * into the datagram.  Everything read from the wire is bounds-checked and
 * malformed input returns -EBADMSG; nothing here asserts on network data.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/base.h"
#include "net/stun.h"

/* Attribute types (RFC 8489 18.3, RFC 8445 16.1) */
enum {
	ATTR_MAPPED_ADDRESS = 0x0001,
	ATTR_USERNAME = 0x0006,
	ATTR_MESSAGE_INTEGRITY = 0x0008,
	ATTR_ERROR_CODE = 0x0009,
	ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	ATTR_REALM = 0x0014,
	ATTR_NONCE = 0x0015,
	ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	ATTR_PRIORITY = 0x0024,
	ATTR_USE_CANDIDATE = 0x0025,
	ATTR_FINGERPRINT = 0x8028,
	ATTR_ICE_CONTROLLED = 0x8029,
	ATTR_ICE_CONTROLLING = 0x802A,
};

enum {
	ATTR_HDR_LEN = 4,
	MI_LEN = 20,          /* HMAC-SHA1 output */
	MI_ATTR_LEN = 24,
	FP_ATTR_LEN = 8,
	USERNAME_MAX = 513,   /* RFC 8489 14.3: "less than 513 bytes" */
	REASON_MAX = 763,     /* RFC 8489 14.8 */
	FAMILY_IPV4 = 0x01,
	FAMILY_IPV6 = 0x02,
	FINGERPRINT_XOR = 0x5354554e,
};

/* ---- CRC-32 (ISO-HDLC, as zlib) ---- */

/*
 * CRC-32 of the reflected polynomial 0xEDB88320, four bits at a time:
 * crc_nibble[i] is the CRC register after shifting nibble i through it.
 * A 16-entry constant table keeps the code small and thread-safe without
 * lazy initialisation; STUN messages are short, so speed is no concern.
 */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}

	return crc;
}

/*
 * FINGERPRINT value of a message whose first 20 bytes are hdr (with the
 * length field already adjusted) followed by body.
 */
static uint32_t fingerprint(const uint8_t hdr[TES_STUN_HDR_LEN],
			    const uint8_t *body, size_t bodylen)
{
	uint32_t crc = 0xffffffff;

	crc = crc32_update(crc, hdr, TES_STUN_HDR_LEN);
	crc = crc32_update(crc, body, bodylen);

	return (crc ^ 0xffffffff) ^ FINGERPRINT_XOR;
}

/* ---- HMAC-SHA1 ---- */

/*
 * HMAC-SHA1 over hdr (20 bytes, length field adjusted) then body.  Two
 * updates let us hash a received message without copying it just to patch
 * the length field.
 */
static int hmac_sha1(const uint8_t *key, size_t keylen,
		     const uint8_t hdr[TES_STUN_HDR_LEN],
		     const uint8_t *body, size_t bodylen,
		     uint8_t mac[MI_LEN])
{
	static const uint8_t nokey[1];
	char digest[] = "SHA1";
	OSSL_PARAM params[2];
	EVP_MAC *hmac;
	EVP_MAC_CTX *ctx = NULL;
	size_t maclen = 0;
	int err = 0;

	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!hmac) {
		TES_LOGE("stun", "HMAC not available in OpenSSL");
		err = -ENOSYS;
		goto out;
	}
	ctx = EVP_MAC_CTX_new(hmac);
	if (!ctx) {
		err = -ENOMEM;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     digest, 0);
	params[1] = OSSL_PARAM_construct_end();

	/* OpenSSL treats a NULL key as "keep the old one": pass an empty one */
	if (!EVP_MAC_init(ctx, keylen ? key : nokey, keylen, params) ||
	    !EVP_MAC_update(ctx, hdr, TES_STUN_HDR_LEN) ||
	    !EVP_MAC_update(ctx, body, bodylen) ||
	    !EVP_MAC_final(ctx, mac, &maclen, MI_LEN) || maclen != MI_LEN) {
		TES_LOGE("stun", "HMAC-SHA1 failed");
		err = -EPROTO;
		goto out;
	}
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return err;
}

/* ---- parsing ---- */

static bool attr_known(uint16_t type)
{
	switch (type) {
	case ATTR_MAPPED_ADDRESS:
	case ATTR_USERNAME:
	case ATTR_MESSAGE_INTEGRITY:
	case ATTR_ERROR_CODE:
	case ATTR_UNKNOWN_ATTRIBUTES:
	case ATTR_REALM:
	case ATTR_NONCE:
	case ATTR_XOR_MAPPED_ADDRESS:
	case ATTR_PRIORITY:
	case ATTR_USE_CANDIDATE:
		return true;
	default:
		return false;
	}
}

static int parse_xor_addr(struct sockaddr_storage *ss, const uint8_t *v,
			  size_t vlen, const uint8_t tid[12])
{
	uint16_t port;

	if (vlen < 4)
		return -EBADMSG;

	port = tes_rd16(v + 2) ^ (uint16_t)(TES_STUN_MAGIC >> 16);
	memset(ss, 0, sizeof(*ss));

	if (v[1] == FAMILY_IPV4 && vlen == 8) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		uint8_t *a = (uint8_t *)&sin->sin_addr.s_addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		tes_wr32(a, tes_rd32(v + 4) ^ TES_STUN_MAGIC);
		return 0;
	}
	if (v[1] == FAMILY_IPV6 && vlen == 20) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		uint8_t *a = sin6->sin6_addr.s6_addr;
		uint8_t mask[16];

		/* the IPv6 address is XORed with cookie || transaction ID */
		tes_wr32(mask, TES_STUN_MAGIC);
		memcpy(mask + 4, tid, 12);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		for (int i = 0; i < 16; i++)
			a[i] = v[4 + i] ^ mask[i];
		return 0;
	}

	return -EBADMSG;
}

static uint64_t rd64(const uint8_t *p)
{
	return ((uint64_t)tes_rd32(p) << 32) | tes_rd32(p + 4);
}

/*
 * Record one attribute that precedes MESSAGE-INTEGRITY (or the
 * MESSAGE-INTEGRITY itself).  Repeated attributes: only the first counts
 * (RFC 8489 14), though each is still checked for a sane length.
 */
static int parse_attr(struct tes_stun_msg *msg, uint16_t type,
		      const uint8_t *v, size_t vlen)
{
	switch (type) {
	case ATTR_USERNAME:
		if (vlen > USERNAME_MAX)
			return -EBADMSG;
		if (!msg->username) {
			msg->username = v;
			msg->username_len = vlen;
		}
		break;

	case ATTR_PRIORITY:
		if (vlen != 4)
			return -EBADMSG;
		if (!msg->has_priority) {
			msg->has_priority = true;
			msg->priority = tes_rd32(v);
		}
		break;

	case ATTR_USE_CANDIDATE:
		if (vlen != 0)
			return -EBADMSG;
		msg->use_candidate = true;
		break;

	case ATTR_ICE_CONTROLLING:
	case ATTR_ICE_CONTROLLED:
		if (vlen != 8)
			return -EBADMSG;
		if (!msg->ice_controlling && !msg->ice_controlled)
			msg->tiebreaker = rd64(v);
		if (type == ATTR_ICE_CONTROLLING)
			msg->ice_controlling = true;
		else
			msg->ice_controlled = true;
		break;

	case ATTR_XOR_MAPPED_ADDRESS: {
		struct sockaddr_storage ss;

		if (parse_xor_addr(&ss, v, vlen, msg->tid))
			return -EBADMSG;
		if (!msg->has_xor_mapped) {
			msg->has_xor_mapped = true;
			msg->xor_mapped = ss;
		}
		break;
	}

	case ATTR_ERROR_CODE: {
		unsigned cls, num;

		if (vlen < 4 || vlen > 4 + REASON_MAX)
			return -EBADMSG;
		cls = v[2] & 0x07;
		num = v[3];
		if (cls < 3 || cls > 6 || num > 99)
			return -EBADMSG;
		if (!msg->error_code)
			msg->error_code = (uint16_t)(cls * 100 + num);
		break;
	}

	default:
		if (type < 0x8000 && !attr_known(type) &&
		    !msg->unknown_required)
			msg->unknown_required = type;
		break;
	}

	return 0;
}

int tes_stun_parse(struct tes_stun_msg *msg, const uint8_t *buf, size_t len)
{
	size_t pos;

	if (!msg || (!buf && len))
		return -EINVAL;

	memset(msg, 0, sizeof(*msg));

	if (len < TES_STUN_HDR_LEN)
		return -EBADMSG;
	/* the two top bits of every STUN message are zero (RFC 7983) */
	if (buf[0] & 0xc0)
		return -EBADMSG;
	if (tes_rd32(buf + 4) != TES_STUN_MAGIC)
		return -EBADMSG;

	msg->type = tes_rd16(buf);
	msg->length = tes_rd16(buf + 2);
	memcpy(msg->tid, buf + 8, sizeof(msg->tid));

	if (msg->length % 4 ||
	    (size_t)msg->length != len - TES_STUN_HDR_LEN)
		return -EBADMSG;

	for (pos = TES_STUN_HDR_LEN; pos < len;) {
		const uint8_t *v;
		uint16_t type;
		size_t vlen, padded;
		int err;

		/* pos and len are multiples of 4, so a header always fits */
		if (len - pos < ATTR_HDR_LEN)
			return -EBADMSG;
		type = tes_rd16(buf + pos);
		vlen = tes_rd16(buf + pos + 2);
		padded = (vlen + 3) & ~(size_t)3;
		if (padded > len - pos - ATTR_HDR_LEN)
			return -EBADMSG;
		v = buf + pos + ATTR_HDR_LEN;

		/* FINGERPRINT is always the last attribute */
		if (msg->has_fingerprint)
			return -EBADMSG;

		if (type == ATTR_FINGERPRINT) {
			if (vlen != 4)
				return -EBADMSG;
			msg->has_fingerprint = true;
			msg->fingerprint_off = pos;
		} else if (msg->has_integrity) {
			/* RFC 8489 14.5: ignore all but FINGERPRINT after MI */
		} else if (type == ATTR_MESSAGE_INTEGRITY) {
			if (vlen != MI_LEN)
				return -EBADMSG;
			msg->has_integrity = true;
			msg->integrity_off = pos;
		} else {
			err = parse_attr(msg, type, v, vlen);
			if (err)
				return err;
		}

		pos += ATTR_HDR_LEN + padded;
	}

	return 0;
}

/* ---- checks ---- */

int tes_stun_check_integrity(const struct tes_stun_msg *msg,
			     const uint8_t *buf, size_t len,
			     const uint8_t *key, size_t keylen)
{
	uint8_t hdr[TES_STUN_HDR_LEN];
	uint8_t mac[MI_LEN];
	size_t off;
	int err;

	if (!msg || !buf || (!key && keylen))
		return -EINVAL;
	if (!msg->has_integrity)
		return -EBADMSG;

	off = msg->integrity_off;
	/* guard against a msg that was not parsed from this buffer */
	if (off < TES_STUN_HDR_LEN || off > len || len - off < MI_ATTR_LEN)
		return -EBADMSG;

	/* length field covers everything up to the end of MI (14.5) */
	memcpy(hdr, buf, sizeof(hdr));
	tes_wr16(hdr + 2, (uint16_t)(off + MI_ATTR_LEN - TES_STUN_HDR_LEN));

	err = hmac_sha1(key, keylen, hdr, buf + TES_STUN_HDR_LEN,
			off - TES_STUN_HDR_LEN, mac);
	if (err)
		return err;

	if (CRYPTO_memcmp(mac, buf + off + ATTR_HDR_LEN, MI_LEN))
		return -EACCES;

	return 0;
}

int tes_stun_check_fingerprint(const struct tes_stun_msg *msg,
			       const uint8_t *buf, size_t len)
{
	uint8_t hdr[TES_STUN_HDR_LEN];
	size_t off;

	if (!msg || !buf)
		return -EINVAL;
	if (!msg->has_fingerprint)
		return -EBADMSG;

	off = msg->fingerprint_off;
	if (off < TES_STUN_HDR_LEN || off > len || len - off < FP_ATTR_LEN)
		return -EBADMSG;

	memcpy(hdr, buf, sizeof(hdr));
	tes_wr16(hdr + 2, (uint16_t)(off + FP_ATTR_LEN - TES_STUN_HDR_LEN));

	if (fingerprint(hdr, buf + TES_STUN_HDR_LEN, off - TES_STUN_HDR_LEN) !=
	    tes_rd32(buf + off + ATTR_HDR_LEN))
		return -EBADMSG;

	return 0;
}

/* ---- building ---- */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put_hdr(uint8_t *out, uint16_t type, const uint8_t tid[12])
{
	tes_wr16(out, type);
	tes_wr16(out + 2, 0);
	tes_wr32(out + 4, TES_STUN_MAGIC);
	memcpy(out + 8, tid, 12);
}

/* Write one attribute at out + pos, zero padding; return the new pos. */
static size_t put_attr(uint8_t *out, size_t pos, uint16_t type,
		       const void *val, size_t vlen)
{
	tes_wr16(out + pos, type);
	tes_wr16(out + pos + 2, (uint16_t)vlen);
	if (vlen)
		memcpy(out + pos + ATTR_HDR_LEN, val, vlen);
	memset(out + pos + ATTR_HDR_LEN + vlen, 0, pad4(vlen) - vlen);

	return pos + ATTR_HDR_LEN + pad4(vlen);
}

/*
 * Append MESSAGE-INTEGRITY (when key is set) and FINGERPRINT, fixing the
 * header length before each; the caller has checked the capacity.
 */
static int put_trailer(uint8_t *out, size_t pos, const uint8_t *key,
		       size_t keylen, bool with_mi, size_t *outlen)
{
	uint8_t mac[MI_LEN];
	uint32_t fp;
	int err;

	if (with_mi) {
		tes_wr16(out + 2,
			 (uint16_t)(pos + MI_ATTR_LEN - TES_STUN_HDR_LEN));
		err = hmac_sha1(key, keylen, out, out + TES_STUN_HDR_LEN,
				pos - TES_STUN_HDR_LEN, mac);
		if (err)
			return err;
		pos = put_attr(out, pos, ATTR_MESSAGE_INTEGRITY, mac, MI_LEN);
	}

	tes_wr16(out + 2, (uint16_t)(pos + FP_ATTR_LEN - TES_STUN_HDR_LEN));
	fp = fingerprint(out, out + TES_STUN_HDR_LEN, pos - TES_STUN_HDR_LEN);
	tes_wr32(mac, fp);
	pos = put_attr(out, pos, ATTR_FINGERPRINT, mac, 4);

	*outlen = pos;

	return 0;
}

int tes_stun_build_success(uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t tid[12],
			   const struct sockaddr *mapped,
			   const uint8_t *key, size_t keylen)
{
	uint8_t xa[20];
	size_t xlen, need, pos;

	if (!out || !outlen || !tid || !mapped || (!key && keylen))
		return -EINVAL;

	xa[0] = 0;
	if (mapped->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)mapped;
		const uint8_t *a = (const uint8_t *)&sin->sin_addr.s_addr;

		xa[1] = FAMILY_IPV4;
		tes_wr16(xa + 2, ntohs(sin->sin_port) ^
				 (uint16_t)(TES_STUN_MAGIC >> 16));
		tes_wr32(xa + 4, tes_rd32(a) ^ TES_STUN_MAGIC);
		xlen = 8;
	} else if (mapped->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)mapped;
		uint8_t mask[16];

		xa[1] = FAMILY_IPV6;
		tes_wr16(xa + 2, ntohs(sin6->sin6_port) ^
				 (uint16_t)(TES_STUN_MAGIC >> 16));
		tes_wr32(mask, TES_STUN_MAGIC);
		memcpy(mask + 4, tid, 12);
		for (int i = 0; i < 16; i++)
			xa[4 + i] = sin6->sin6_addr.s6_addr[i] ^ mask[i];
		xlen = 20;
	} else {
		return -EINVAL;
	}

	need = TES_STUN_HDR_LEN + ATTR_HDR_LEN + xlen + MI_ATTR_LEN +
	       FP_ATTR_LEN;
	if (cap < need)
		return -ENOSPC;

	put_hdr(out, TES_STUN_BINDING_SUCCESS, tid);
	pos = put_attr(out, TES_STUN_HDR_LEN, ATTR_XOR_MAPPED_ADDRESS, xa,
		       xlen);

	return put_trailer(out, pos, key, keylen, true, outlen);
}

int tes_stun_build_error(uint8_t *out, size_t cap, size_t *outlen,
			 const uint8_t tid[12], uint16_t code,
			 const char *reason, const uint8_t *key,
			 size_t keylen)
{
	size_t rlen, need, pos;

	if (!out || !outlen || !tid || (!key && keylen))
		return -EINVAL;
	if (code < 300 || code > 699)
		return -EINVAL;

	rlen = reason ? strlen(reason) : 0;
	if (rlen > REASON_MAX)
		return -EINVAL;

	need = TES_STUN_HDR_LEN + ATTR_HDR_LEN + pad4(4 + rlen) +
	       (key ? MI_ATTR_LEN : 0) + FP_ATTR_LEN;
	if (cap < need)
		return -ENOSPC;

	put_hdr(out, TES_STUN_BINDING_ERROR, tid);

	/* ERROR-CODE: 21 reserved bits, class (3 bits), number (8 bits) */
	pos = TES_STUN_HDR_LEN;
	tes_wr16(out + pos, ATTR_ERROR_CODE);
	tes_wr16(out + pos + 2, (uint16_t)(4 + rlen));
	out[pos + 4] = 0;
	out[pos + 5] = 0;
	out[pos + 6] = (uint8_t)(code / 100);
	out[pos + 7] = (uint8_t)(code % 100);
	if (rlen)
		memcpy(out + pos + 8, reason, rlen);
	memset(out + pos + 8 + rlen, 0, pad4(rlen) - rlen);
	pos += ATTR_HDR_LEN + pad4(4 + rlen);

	return put_trailer(out, pos, key, keylen, key != NULL, outlen);
}

int tes_stun_build_request(uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t tid[12], const char *username,
			   const uint8_t *key, size_t keylen,
			   uint32_t priority, bool use_candidate)
{
	uint8_t v[8];
	size_t ulen, need, pos;
	int err;

	if (!out || !outlen || !tid || !username || (!key && keylen))
		return -EINVAL;

	ulen = strlen(username);
	if (ulen > USERNAME_MAX)
		return -EINVAL;

	need = TES_STUN_HDR_LEN + ATTR_HDR_LEN + pad4(ulen) +
	       ATTR_HDR_LEN + 4 + ATTR_HDR_LEN + 8 +
	       (use_candidate ? ATTR_HDR_LEN : 0) + MI_ATTR_LEN + FP_ATTR_LEN;
	if (cap < need)
		return -ENOSPC;

	put_hdr(out, TES_STUN_BINDING_REQUEST, tid);
	pos = put_attr(out, TES_STUN_HDR_LEN, ATTR_USERNAME, username, ulen);

	tes_wr32(v, priority);
	pos = put_attr(out, pos, ATTR_PRIORITY, v, 4);

	/* tie-breaker: random, so role conflicts resolve (RFC 8445 7.3.1.1) */
	err = tes_random(v, sizeof(v));
	if (err)
		return err;
	pos = put_attr(out, pos, ATTR_ICE_CONTROLLING, v, 8);

	if (use_candidate)
		pos = put_attr(out, pos, ATTR_USE_CANDIDATE, NULL, 0);

	return put_trailer(out, pos, key, keylen, true, outlen);
}
