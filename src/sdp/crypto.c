/**
 * @file crypto.c  RFC 4568 a=crypto lines: parse and write.  Base64 is
 * OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/base.h"
#include "sdp/crypto.h"

static const struct {
	const char *name;
	enum tes_sdes_suite suite;
	size_t key_len;   /* master key + master salt */
} suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", TES_SDES_AES_CM_128_HMAC_SHA1_80, 30},
	{"AES_CM_128_HMAC_SHA1_32", TES_SDES_AES_CM_128_HMAC_SHA1_32, 30},
	{"AEAD_AES_128_GCM", TES_SDES_AEAD_AES_128_GCM, 28},
	{"AES_256_CM_HMAC_SHA1_80", TES_SDES_AES_256_CM_HMAC_SHA1_80, 46},
};

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}

	return ret;
}

const char *tes_sdes_suite_name(enum tes_sdes_suite s)
{
	for (size_t i = 0; i < TES_ARRAY_SIZE(suites); i++) {
		if (suites[i].suite == s)
			return suites[i].name;
	}

	return "?";
}

/* The next blank-separated token of [*p, end) */
static bool token(const char **p, const char *end, const char **t,
		  size_t *n)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	*t = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*n = (size_t)(*p - *t);

	return *n > 0;
}

static bool number(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	*v = 0;
	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    *v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}

	return true;
}

/* "2^20" or "1048576" */
static bool lifetime(const char *s, size_t n, uint64_t *v)
{
	uint64_t e;

	if (n > 2 && s[0] == '2' && s[1] == '^') {
		if (!number(s + 2, n - 2, 63, &e))
			return false;
		*v = 1ull << e;
		return true;
	}

	return number(s, n, UINT64_MAX, v) && *v;
}

/* inline:<key||salt>[|lifetime][|MKI:length] */
static int key_param(struct tes_sdes *c, const char *t, size_t n,
		     size_t want, char *err, size_t errlen)
{
	const char *bar, *end = t + n, *b64;
	uint8_t raw[3 * ((TES_SDES_KEY_MAX + 2) / 3) + 3];
	size_t bn;
	int out;

	if (n < 7 || memcmp(t, "inline:", 7))
		return fail(err, errlen, -ENOTSUP, "key method is not inline");
	b64 = t + 7;
	bar = memchr(b64, '|', (size_t)(end - b64));
	bn = (size_t)((bar ? bar : end) - b64);
	/* base64 of the exact length, padding included: 4 per 3 bytes */
	if (bn != 4 * ((want + 2) / 3))
		return fail(err, errlen, -EBADMSG, "key is %zu base64 "
			    "characters, the suite needs %zu", bn,
			    4 * ((want + 2) / 3));
	/* and its padding: "=" or "==" when the length is no multiple of 3
	 * (a longer key would decode to the right length too) */
	for (size_t i = 0; i < (3 - want % 3) % 3; i++) {
		if (b64[bn - 1 - i] != '=')
			return fail(err, errlen, -EBADMSG, "key is longer "
				    "than the suite's");
	}
	{
		char tmp[4 * ((TES_SDES_KEY_MAX + 2) / 3) + 1];

		memcpy(tmp, b64, bn);
		tmp[bn] = '\0';
		out = EVP_DecodeBlock(raw, (const unsigned char *)tmp,
				      (int)bn);
	}
	/* EVP_DecodeBlock counts padding as zero bytes */
	if (out < 0 || (size_t)out < want)
		return fail(err, errlen, -EBADMSG, "key is not base64");
	memcpy(c->key, raw, want);
	c->key_len = want;

	while (bar) {
		const char *f = bar + 1, *colon;
		size_t fn;

		bar = memchr(f, '|', (size_t)(end - f));
		fn = (size_t)((bar ? bar : end) - f);
		colon = memchr(f, ':', fn);
		if (colon)
			return fail(err, errlen, -ENOTSUP, "MKI is not "
				    "supported");
		if (!lifetime(f, fn, &c->lifetime))
			return fail(err, errlen, -EBADMSG, "bad key lifetime "
				    "\"%.*s\"", (int)TES_MIN(fn, 32u), f);
	}

	return 0;
}

static int session_param(struct tes_sdes *c, const char *t, size_t n,
			 char *err, size_t errlen)
{
	uint64_t v;

	if ((n == 16 && !memcmp(t, "UNENCRYPTED_SRTP", 16)) ||
	    (n == 17 && !memcmp(t, "UNENCRYPTED_SRTCP", 17)) ||
	    (n == 20 && !memcmp(t, "UNAUTHENTICATED_SRTP", 20)))
		return fail(err, errlen, -ENOTSUP, "%.*s: we always encrypt "
			    "and authenticate", (int)n, t);
	if (n > 4 && !memcmp(t, "KDR=", 4)) {
		if (!number(t + 4, n - 4, 24, &v))
			return fail(err, errlen, -EBADMSG, "bad KDR");
		c->kdr = (uint32_t)v;
	}
	/* FEC_ORDER, FEC_KEY, WSH and unknown ones: nothing for us */

	return 0;
}

int tes_sdes_parse(struct tes_sdes *c, const char *v, size_t len, char *err,
		   size_t errlen)
{
	const char *p = v, *end = v + len, *t;
	uint64_t tag;
	size_t n, want = 0;
	int ret;

	if (!c || (!v && len))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (err && errlen)
		err[0] = '\0';

	if (!token(&p, end, &t, &n) || !number(t, n, 999999999, &tag))
		return fail(err, errlen, -EBADMSG, "bad tag");
	c->tag = (uint32_t)tag;

	if (!token(&p, end, &t, &n))
		return fail(err, errlen, -EBADMSG, "no crypto suite");
	for (size_t i = 0; i < TES_ARRAY_SIZE(suites); i++) {
		if (strlen(suites[i].name) == n &&
		    !memcmp(suites[i].name, t, n)) {
			c->suite = suites[i].suite;
			want = suites[i].key_len;
		}
	}
	if (!want)
		return fail(err, errlen, -ENOTSUP, "crypto suite \"%.*s\" is "
			    "not supported", (int)TES_MIN(n, 40u), t);

	if (!token(&p, end, &t, &n))
		return fail(err, errlen, -EBADMSG, "no key");
	if (memchr(t, ';', n))
		return fail(err, errlen, -ENOTSUP, "several keys per line "
			    "are not supported");
	ret = key_param(c, t, n, want, err, errlen);
	if (ret)
		return ret;

	while (token(&p, end, &t, &n)) {
		ret = session_param(c, t, n, err, errlen);
		if (ret)
			return ret;
	}

	return 0;
}

int tes_sdes_write(char *buf, size_t cap, const struct tes_sdes *c)
{
	char b64[4 * ((TES_SDES_KEY_MAX + 2) / 3) + 1];
	size_t want = 0;
	int n;

	if (!buf || !c)
		return -EINVAL;
	for (size_t i = 0; i < TES_ARRAY_SIZE(suites); i++) {
		if (suites[i].suite == c->suite)
			want = suites[i].key_len;
	}
	if (!want || c->key_len != want)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)b64, c->key, (int)want);
	n = snprintf(buf, cap, "%u %s inline:%s", c->tag,
		     tes_sdes_suite_name(c->suite), b64);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int tes_sdes_new_key(struct tes_sdes *c, uint32_t tag,
		     enum tes_sdes_suite suite)
{
	size_t want = 0;
	int err;

	if (!c || !tag || tag > 999999999)
		return -EINVAL;
	for (size_t i = 0; i < TES_ARRAY_SIZE(suites); i++) {
		if (suites[i].suite == suite)
			want = suites[i].key_len;
	}
	if (!want)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = suite;
	c->key_len = want;
	err = tes_random(c->key, want);
	if (err)
		memset(c, 0, sizeof(*c));

	return err;
}

unsigned tes_sdes_srtp_profile(enum tes_sdes_suite s)
{
	switch (s) {
	case TES_SDES_AES_CM_128_HMAC_SHA1_80:
		return 1;
	case TES_SDES_AES_CM_128_HMAC_SHA1_32:
		return 2;
	case TES_SDES_AEAD_AES_128_GCM:
		return 7;
	default:
		return 0;
	}
}
