/**
 * @file auth.c  Access tokens: JWTs (RFC 7519) in JWS compact form
 * (RFC 7515) signed with HS256 (HMAC-SHA256, RFC 7518 section 3.2) and
 * nothing else, and what a request needs from its token.
 *
 * Claims: "room" (a room name, or "*"), "sub" (who), "exp" (required),
 * "nbf" (optional) and "rights", an array of "publish", "subscribe",
 * "admin".
 *
 * base64url (RFC 4648 section 5, without padding as JWS wants) is written
 * here: none of our libraries has a strict one.  OpenSSL's
 * EVP_DecodeBlock() knows only the standard alphabet and padding;
 * libwebsockets' lws_b64_decode_string_len() takes either alphabet,
 * padding and line breaks (several spellings of one token) and logs every
 * bad character as an error, which would let anyone fill our log.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "signal/signal_int.h"

enum {
	SHA256_LEN = 32,
	HDR_MAX = 512,          /* decoded header: {"alg":"HS256",...} */
	LOG_INTERVAL_MS = 1000,
	/* what acting on a participant needs (and its owner's sub) */
	PART_RIGHTS = TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE | TES_RIGHT_ADMIN,
};

/* NumericDates past this (year 36812) are not dates anyone issues */
static const int64_t DATE_MAX = (int64_t)1 << 40;

static const struct {
	const char *name;
	unsigned right;
} rights_names[] = {
	{"publish", TES_RIGHT_PUBLISH},
	{"subscribe", TES_RIGHT_SUBSCRIBE},
	{"admin", TES_RIGHT_ADMIN},
};

static const char B64URL[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- base64url ---- */

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;

	return -1;
}

/*
 * Strict: the url alphabet only, no padding, and the unused low bits of
 * the last character zero, so that a value has exactly one spelling.
 * Returns the decoded length, or -1.
 */
static long b64url_decode(const char *in, size_t len, uint8_t *out,
			  size_t size)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > size)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_val(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc)
		return -1;

	return (long)n;
}

/* Encode into out (at least (len * 4 + 2) / 3 + 1 bytes); returns the
 * length written before the NUL */
static size_t b64url_encode(const uint8_t *in, size_t len, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = B64URL[(acc >> bits) & 63];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[n++] = B64URL[(acc << (6 - bits)) & 63];
	out[n] = '\0';

	return n;
}

static int hs256(const void *key, size_t keylen, const char *data,
		 size_t len, uint8_t mac[SHA256_LEN])
{
	unsigned maclen = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const uint8_t *)data, len,
		  mac, &maclen) || maclen != SHA256_LEN)
		return -ENOMEM;

	return 0;
}

/* ---- verifying ---- */

/* a NumericDate (RFC 7519 section 2): a JSON number of seconds */
static bool date_of(const json_t *j, int64_t *v)
{
	double d;

	if (json_is_integer(j)) {
		json_int_t i = json_integer_value(j);

		if (i < 0 || i > DATE_MAX)
			return false;
		*v = i;
		return true;
	}
	if (!json_is_real(j))
		return false;
	d = json_real_value(j);
	if (!(d >= 0 && d <= (double)DATE_MAX))
		return false;
	*v = (int64_t)d;

	return true;
}

static int rights_of(const json_t *arr, unsigned *rights, const char **why)
{
	size_t i;
	json_t *v;

	*rights = 0;
	if (!json_is_array(arr)) {
		*why = "token rights must be an array of publish, subscribe, "
		       "admin";
		return -EBADMSG;
	}
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		unsigned r = 0;

		for (size_t k = 0; s && k < TES_ARRAY_SIZE(rights_names);
		     k++) {
			if (!strcmp(s, rights_names[k].name))
				r = rights_names[k].right;
		}
		if (!r) {
			*why = "token rights: unknown right (known: publish, "
			       "subscribe, admin)";
			return -EBADMSG;
		}
		*rights |= r;
	}

	return 0;
}

/* a string claim without NUL bytes into dst */
static bool str_claim(const json_t *claims, const char *name, char *dst,
		      size_t size)
{
	const json_t *v = json_object_get(claims, name);
	const char *s = json_string_value(v);
	size_t len = s ? json_string_length(v) : 0;

	if (!s || strlen(s) != len || len >= size)
		return false;
	memcpy(dst, s, len + 1);

	return true;
}

static int claims_of(struct tes_token *t, const uint8_t *text, size_t len,
		     const char **why)
{
	json_t *c, *nbf;
	int err = -EBADMSG;

	c = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(c)) {
		*why = "token claims are not a JSON object";
		goto out;
	}
	if (!json_object_get(c, "exp")) {
		*why = "token has no exp";
		goto out;
	}
	nbf = json_object_get(c, "nbf");
	if (!date_of(json_object_get(c, "exp"), &t->exp) ||
	    (nbf && !date_of(nbf, &t->nbf))) {
		*why = "token exp or nbf is not a date (seconds since 1970)";
		goto out;
	}
	if (!str_claim(c, "room", t->room, sizeof(t->room)) ||
	    (strcmp(t->room, "*") && !tes_room_name_valid(t->room))) {
		*why = "token room must be a room name or *";
		goto out;
	}
	if (!str_claim(c, "sub", t->sub, sizeof(t->sub)) ||
	    tes_part_name_check(t->sub, NULL)) {
		*why = "token sub must be 1..64 bytes of UTF-8 without "
		       "control characters";
		goto out;
	}
	err = rights_of(json_object_get(c, "rights"), &t->rights, why);

 out:
	json_decref(c);
	return err;
}

/* The JOSE header: alg HS256 and no extensions we would have to know */
static int header_ok(const uint8_t *text, size_t len, const char **why)
{
	json_t *h;
	const char *alg;
	int err = 0;

	h = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
	alg = json_string_value(json_object_get(h, "alg"));
	if (!json_is_object(h) || !alg) {
		*why = "token header is not a JSON object with alg";
		err = -EBADMSG;
	}
	else if (strcmp(alg, "HS256")) {
		*why = !strcmp(alg, "none") ? "unsigned tokens (alg none) are "
		       "not accepted" : "token alg is not HS256, the only one "
		       "accepted";
		err = -ENOTSUP;
	}
	else if (json_object_get(h, "crit")) {
		/* RFC 7515 section 4.1.11: reject what we do not understand */
		*why = "token header has crit extensions";
		err = -ENOTSUP;
	}
	json_decref(h);

	return err;
}

int tes_token_verify(struct tes_token *t, const char *jwt, size_t len,
		     const void *key, size_t keylen, int64_t now,
		     uint32_t skew_s, const char **why)
{
	uint8_t hdr[HDR_MAX], pay[TES_TOKEN_MAX], sig[SHA256_LEN + 3];
	uint8_t mac[SHA256_LEN];
	const char *dot1, *dot2, *dummy;
	long hlen, plen, slen;
	int err;

	memset(t, 0, sizeof(*t));
	if (!why)
		why = &dummy;
	*why = "malformed token";
	if (len > TES_TOKEN_MAX) {
		*why = "token too long";
		return -EBADMSG;
	}
	dot1 = memchr(jwt, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - jwt))
		    : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - jwt))) {
		*why = "a token is three base64url parts joined by dots";
		return -EBADMSG;
	}

	if ((size_t)(dot1 - jwt) > HDR_MAX * 4 / 3) {
		*why = "token header too long";
		return -EBADMSG;
	}
	hlen = b64url_decode(jwt, (size_t)(dot1 - jwt), hdr, sizeof(hdr));
	plen = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), pay,
			     sizeof(pay));
	slen = b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - jwt), sig,
			     sizeof(sig));
	if (hlen < 0 || plen < 0 || slen < 0) {
		*why = "token is not base64url (no padding)";
		return -EBADMSG;
	}

	err = header_ok(hdr, (size_t)hlen, why);
	if (err)
		return err;

	if (hs256(key, keylen, jwt, (size_t)(dot2 - jwt), mac)) {
		*why = "cannot compute HMAC";
		return -ENOMEM;
	}
	if (slen != SHA256_LEN || CRYPTO_memcmp(mac, sig, SHA256_LEN)) {
		*why = "bad token signature";
		return -EACCES;
	}

	err = claims_of(t, pay, (size_t)plen, why);
	if (!err && now >= t->exp + (int64_t)skew_s) {
		*why = "token expired";
		err = -EKEYEXPIRED;
	}
	else if (!err && t->nbf && now + (int64_t)skew_s < t->nbf) {
		*why = "token not yet valid (nbf)";
		err = -EAGAIN;
	}
	if (err)
		memset(t, 0, sizeof(*t));

	return err;
}

/* ---- making ---- */

int tes_token_make(char *buf, size_t size, const struct tes_token *t,
		   int64_t iat, const void *key, size_t keylen)
{
	static const char HDR[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char out[TES_TOKEN_MAX + 1];
	uint8_t mac[SHA256_LEN];
	json_t *claims, *rights;
	char *text = NULL;
	size_t n, tlen;
	int err = -ENOMEM;

	if ((strcmp(t->room, "*") && !tes_room_name_valid(t->room)) ||
	    tes_part_name_check(t->sub, NULL) || t->exp < 0 ||
	    t->exp > DATE_MAX || t->nbf < 0 || t->nbf > DATE_MAX)
		return -EINVAL;

	rights = json_array();
	for (size_t k = 0; rights && k < TES_ARRAY_SIZE(rights_names); k++) {
		if (t->rights & rights_names[k].right)
			json_array_append_new(rights,
					      json_string(rights_names[k].name));
	}
	claims = json_pack("{s:s,s:s,s:o,s:I,s:I}", "room", t->room, "sub",
			   t->sub, "rights", rights, "exp", (json_int_t)t->exp,
			   "iat", (json_int_t)iat);
	if (claims && t->nbf)
		json_object_set_new(claims, "nbf",
				    json_integer((json_int_t)t->nbf));
	text = claims ? json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS)
		      : NULL;
	json_decref(claims);
	if (!text)
		goto out;

	tlen = strlen(text);
	err = -ENOSPC;
	/* header, dot, claims, dot, signature: each 4/3 as long, plus 1 */
	if ((sizeof(HDR) + tlen + SHA256_LEN) * 4 / 3 + 8 > sizeof(out))
		goto out;
	n = b64url_encode((const uint8_t *)HDR, sizeof(HDR) - 1, out);
	out[n++] = '.';
	n += b64url_encode((const uint8_t *)text, tlen, out + n);
	err = hs256(key, keylen, out, n, mac);
	if (err)
		goto out;
	out[n++] = '.';
	n += b64url_encode(mac, sizeof(mac), out + n);
	err = -ENOSPC;
	if (n >= size)
		goto out;
	memcpy(buf, out, n + 1);
	err = (int)n;

 out:
	free(text);
	return err;
}

int tes_token_rights_parse(const char *list, unsigned *rights)
{
	const char *p = list;

	*rights = 0;
	if (!*list)
		return -EINVAL;
	for (;;) {
		size_t n = strcspn(p, ",");
		unsigned r = 0;

		for (size_t k = 0; k < TES_ARRAY_SIZE(rights_names); k++) {
			if (strlen(rights_names[k].name) == n &&
			    !strncmp(p, rights_names[k].name, n))
				r = rights_names[k].right;
		}
		if (!r)
			return -EINVAL;
		*rights |= r;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static bool room_matches(const struct tes_token *t, const char *room)
{
	return !strcmp(t->room, "*") || (room && !strcmp(t->room, room));
}

bool tes_token_grants(const struct tes_token *t, const char *room,
		      unsigned any)
{
	return room_matches(t, room) && (t->rights & any);
}

/* ---- what requests need ---- */

unsigned tes__auth_token(const struct tes_conf *conf, const char *token,
			 size_t len, const char *room, unsigned any,
			 struct tes_token *t, const char **why)
{
	if (!conf->auth_required) {
		memset(t, 0, sizeof(*t));
		t->room[0] = '*';
		t->rights = TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE |
			    TES_RIGHT_ADMIN;
		return 0;
	}
	if (!token || !len) {
		*why = "a token is needed (Authorization: Bearer, or ?token= "
		       "on an event channel)";
		return 401;
	}
	if (tes_token_verify(t, token, len, conf->auth_secret,
			     conf->auth_secret_len, (int64_t)time(NULL),
			     conf->auth_clock_skew_s, why))
		return 401;

	/* the same answer whether or not the other room exists */
	if (!room_matches(t, room)) {
		*why = room ? "the token is not for this room"
			    : "this needs a token for every room (room *)";
		return 403;
	}
	if (!(t->rights & any)) {
		*why = any == TES_RIGHT_ADMIN ? "the token has no admin right"
		       : any == TES_RIGHT_PUBLISH
		       ? "the token has no publish right"
		       : any == TES_RIGHT_SUBSCRIBE
		       ? "the token has no subscribe right"
		       : "the token has none of the rights needed here";
		return 403;
	}

	return 0;
}

void tes__auth_note(struct tes__http_stats *st, const char *peer,
		    unsigned status, const char *why)
{
	uint64_t sup;

	if (status == 401)
		st->unauthorized++;
	else
		st->forbidden++;
	if (tes_ratelog_allow(&st->rl_auth, LOG_INTERVAL_MS, &sup))
		TES_LOGW("http", "%s: %u %s (%llu more refused since)", peer,
			 status, why, (unsigned long long)sup);
}

void tes__auth_deny(const struct tes__http_req *req,
		    struct tes__http_resp *resp, unsigned status,
		    const char *why)
{
	tes__api_error(resp, status, "%s", why);
	tes__auth_note(req->stats, req->peer, status, why);
	/* RFC 6750 section 3: no error code when no token came */
	if (status == 401 && !req->authz)
		snprintf(resp->www_auth, sizeof(resp->www_auth),
			 "Bearer realm=\"tessera\"");
	else
		snprintf(resp->www_auth, sizeof(resp->www_auth),
			 "Bearer realm=\"tessera\", error=\"%s\", "
			 "error_description=\"%s\"", status == 401
			 ? "invalid_token" : "insufficient_scope", why);
}

const char *tes__auth_bearer(const char *authz, size_t *len)
{
	const char *tok = authz ? authz + strspn(authz, " ") : NULL;

	/* RFC 7235: the scheme is case-insensitive */
	if (!tok || strncasecmp(tok, "Bearer ", 7))
		return NULL;
	tok += 7;
	tok += strspn(tok, " ");
	*len = strlen(tok);
	while (*len && tok[*len - 1] == ' ')
		(*len)--;

	return tok;
}

int tes__auth_http(const struct tes__http_req *req, const char *room,
		   unsigned any, struct tes_token *t,
		   struct tes__http_resp *resp)
{
	const char *tok = NULL, *why = "";
	size_t len = 0;
	unsigned status;

	if (req->conf->auth_required && req->authz) {
		tok = tes__auth_bearer(req->authz, &len);
		if (!tok) {
			tes__auth_deny(req, resp, 401, "Authorization must be "
				       "Bearer and a token");
			return -EACCES;
		}
	}

	status = tes__auth_token(req->conf, tok, len, room, any, t, &why);
	if (!status)
		return 0;
	tes__auth_deny(req, resp, status, why);

	return -EACCES;
}

bool tes__auth_owns(const struct tes_token *t, const char *owner)
{
	return (t->rights & TES_RIGHT_ADMIN) || !strcmp(t->sub, owner);
}

bool tes__auth_allowed(const struct tes__http_req *req, const char *room,
		       unsigned any, struct tes__http_resp *resp)
{
	struct tes_token t;

	return !tes__auth_http(req, room, any, &t, resp);
}

/* Someone else's participant is as good as none: the answer does not
 * tell them apart */
bool tes__auth_part(struct tes_rooms *rooms, const char *room,
		    const char *id, const struct tes__http_req *req,
		    struct tes__http_resp *resp)
{
	const char *owner;
	struct tes_token t;

	if (tes__auth_http(req, room, PART_RIGHTS, &t, resp))
		return false;
	owner = tes_rooms_owner(rooms, room, id);
	if (owner && !tes__auth_owns(&t, owner)) {
		tes__api_error(resp, 404, "no participant %s in room %s", id,
			       room);
		return false;
	}

	return true;
}

unsigned tes__auth_channel(const struct tes_conf *conf,
			   struct tes_rooms *rooms, const char *query,
			   const char *authz, const char *room,
			   const char *id, const char **why)
{
	const char *tok = query, *owner;
	size_t len = query ? strlen(query) : 0;
	struct tes_token t;
	unsigned status;

	if (!tok)
		tok = tes__auth_bearer(authz, &len);
	status = tes__auth_token(conf, tok, len, room, PART_RIGHTS, &t, why);
	if (status)
		return status;
	owner = tes_rooms_owner(rooms, room, id);

	return owner && !tes__auth_owns(&t, owner) ? 404 : 0;
}
