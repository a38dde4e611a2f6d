/**
 * @file test_auth.c  Access tokens: the JWT verifier against tokens made
 * with openssl alone (tests/vectors/jwt_vectors.txt, jwt_make.sh) and the
 * HS256 example of RFC 7515 appendix A.1; tokens we make, checked with
 * OpenSSL's HMAC; what a route allows; the request rate limiter.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <time.h>

#include "signal/signal_int.h"
#include "test.h"

static const char KEY[] = "tessera-test-secret-0123456789abcdef";
static const int64_t NOW = 1700000000;

static int errno_of(const char *name)
{
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{"ok", 0},
		{"EBADMSG", -EBADMSG},
		{"ENOTSUP", -ENOTSUP},
		{"EACCES", -EACCES},
		{"EKEYEXPIRED", -EKEYEXPIRED},
		{"EAGAIN", -EAGAIN},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(map); i++) {
		if (!strcmp(map[i].name, name))
			return map[i].err;
	}

	return 1; /* no errno: fails every comparison */
}

/* a reason goes into WWW-Authenticate as a quoted-string */
static bool reason_ok(const char *why)
{
	return why && *why && !strpbrk(why, "\"\\\r\n");
}

TES_TEST(auth_jwt_vectors)
{
	char *text = tes_test_read_vector("jwt_vectors.txt", NULL);
	char *line, *save = NULL;
	unsigned n = 0, good = 0;
	struct tes_token t;

	TEST_ASSERT(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64], expect[16];
		const char *tok, *why = NULL;
		int used = 0, err;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63s %15s %n", name, expect, &used) != 2) {
			free(text);
			TEST_FAIL("bad vector line: %s", line);
		}
		tok = line + used;
		err = tes_token_verify(&t, tok, strlen(tok), KEY, strlen(KEY),
				       NOW, 5, &why);
		if (err != errno_of(expect) || !reason_ok(why)) {
			fprintf(stderr, "  %s: %d (%s), expected %s\n", name,
				err, why ? why : "no reason", expect);
			free(text);
			return 1;
		}
		if (err && (t.rights || t.room[0] || t.sub[0])) {
			free(text);
			TEST_FAIL("%s: claims left after a failure", name);
		}
		if (!strcmp(name, "good")) {
			TEST_STREQ(t.room, "demo");
			TEST_STREQ(t.sub, "alice");
			TEST_EQ(t.rights, TES_RIGHT_PUBLISH |
				TES_RIGHT_SUBSCRIBE);
			TEST_EQ(t.exp, 1700003600);
			TEST_EQ(t.nbf, 0);
		}
		if (!strcmp(name, "good_admin_all_rooms")) {
			TEST_STREQ(t.room, "*");
			TEST_EQ(t.rights, TES_RIGHT_ADMIN);
			TEST_EQ(t.nbf, 1699990000);
		}
		if (!strcmp(name, "expired"))
			TEST_STREQ(why, "token expired");
		good += !err;
		n++;
	}
	free(text);
	TEST_EQ(n, 35);
	TEST_EQ(good, 6);

	return 0;
}

/* RFC 7515 A.1: the example JWS with HS256, verified with its key.  Its
 * claims are not ours (no room), so it fails after the signature */
TES_TEST(auth_jwt_rfc7515_example)
{
	static const char jwk_k[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-Est"
		"JQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow==";
	static const char jws[] =
		"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
		"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9l"
		"eGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
		"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	char b64[sizeof(jwk_k)], bad[sizeof(jws)];
	uint8_t key[80];
	struct tes_token t;
	const char *why;
	int klen;

	/* the JWK's "k" in the standard alphabet, for EVP_DecodeBlock */
	for (size_t i = 0; i < sizeof(jwk_k); i++)
		b64[i] = jwk_k[i] == '-' ? '+' : jwk_k[i] == '_' ? '/'
						      : jwk_k[i];
	klen = EVP_DecodeBlock(key, (const uint8_t *)b64,
			       (int)strlen(b64));
	TEST_EQ(klen, 66);
	klen = 64; /* less the two padding bytes */

	TEST_EQ(tes_token_verify(&t, jws, strlen(jws), key, (size_t)klen,
				 1300819000, 0, &why), -EBADMSG);
	TEST_ASSERT(strstr(why, "room"));

	/* one bit of the signature changed ('d' to 'e') */
	memcpy(bad, jws, sizeof(jws));
	strrchr(bad, '.')[1] ^= 1;
	TEST_EQ(tes_token_verify(&t, bad, strlen(bad), key, (size_t)klen,
				 1300819000, 0, &why), -EACCES);
	TEST_STREQ(why, "bad token signature");

	return 0;
}

/* The signature of a token we make, computed again with OpenSSL */
static bool signature_ok(const char *tok)
{
	const char *dot = strrchr(tok, '.');
	uint8_t mac[32], sig[48];
	char b64[64];
	unsigned mlen = 0;
	size_t n;
	int len;

	if (!HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const uint8_t *)tok,
		  (size_t)(dot - tok), mac, &mlen) || mlen != 32)
		return false;
	n = strlen(dot + 1);
	if (n != 43)
		return false;
	for (size_t i = 0; i < n; i++)
		b64[i] = dot[1 + i] == '-' ? '+' : dot[1 + i] == '_' ? '/'
			 : dot[1 + i];
	memcpy(b64 + n, "=", 2);
	len = EVP_DecodeBlock(sig, (const uint8_t *)b64, (int)n + 1);

	return len == 33 && !memcmp(sig, mac, 32);
}

TES_TEST(auth_jwt_make)
{
	struct tes_token t = {.room = "demo", .sub = "Zo\xc3\xab", .rights =
			      TES_RIGHT_SUBSCRIBE | TES_RIGHT_ADMIN, .exp =
			      NOW + 60, .nbf = NOW - 1};
	char buf[TES_TOKEN_MAX + 1], small[64];
	struct tes_token back;
	const char *why;
	int n;

	n = tes_token_make(buf, sizeof(buf), &t, NOW, KEY, strlen(KEY));
	TEST_ASSERT(n > 0 && (size_t)n == strlen(buf));
	TEST_ASSERT(signature_ok(buf));
	TEST_OK(tes_token_verify(&back, buf, (size_t)n, KEY, strlen(KEY),
				 NOW, 0, &why));
	TEST_STREQ(back.room, "demo");
	TEST_STREQ(back.sub, "Zo\xc3\xab");
	TEST_EQ(back.rights, t.rights);
	TEST_EQ(back.exp, t.exp);
	TEST_EQ(back.nbf, t.nbf);
	/* at exp it is over, even without skew */
	TEST_EQ(tes_token_verify(&back, buf, (size_t)n, KEY, strlen(KEY),
				 NOW + 60, 0, &why), -EKEYEXPIRED);
	/* another key */
	TEST_EQ(tes_token_verify(&back, buf, (size_t)n, "x", 1, NOW, 0,
				 &why), -EACCES);

	TEST_EQ(tes_token_make(small, sizeof(small), &t, NOW, KEY,
			       strlen(KEY)), -ENOSPC);
	strcpy(t.room, "no room");
	TEST_EQ(tes_token_make(buf, sizeof(buf), &t, NOW, KEY, strlen(KEY)),
		-EINVAL);
	strcpy(t.room, "*");
	t.sub[0] = '\0';
	TEST_EQ(tes_token_make(buf, sizeof(buf), &t, NOW, KEY, strlen(KEY)),
		-EINVAL);

	/* longer than any token we take */
	memset(buf, 'a', sizeof(buf) - 1);
	TEST_EQ(tes_token_verify(&back, buf, TES_TOKEN_MAX + 1, KEY,
				 strlen(KEY), NOW, 0, &why), -EBADMSG);
	TEST_STREQ(why, "token too long");

	return 0;
}

TES_TEST(auth_rights_and_grants)
{
	struct tes_token t = {.room = "demo", .rights = TES_RIGHT_SUBSCRIBE};
	unsigned r;

	TEST_OK(tes_token_rights_parse("publish,subscribe", &r));
	TEST_EQ(r, TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE);
	TEST_OK(tes_token_rights_parse("admin", &r));
	TEST_EQ(r, TES_RIGHT_ADMIN);
	TEST_EQ(tes_token_rights_parse("", &r), -EINVAL);
	TEST_EQ(tes_token_rights_parse("publish,", &r), -EINVAL);
	TEST_EQ(tes_token_rights_parse("publish,root", &r), -EINVAL);
	TEST_EQ(tes_token_rights_parse("pub", &r), -EINVAL);

	TEST_ASSERT(tes_token_grants(&t, "demo", TES_RIGHT_SUBSCRIBE));
	TEST_ASSERT(tes_token_grants(&t, "demo", TES_RIGHT_SUBSCRIBE |
				     TES_RIGHT_PUBLISH));
	TEST_ASSERT(!tes_token_grants(&t, "demo", TES_RIGHT_PUBLISH));
	TEST_ASSERT(!tes_token_grants(&t, "demo2", TES_RIGHT_SUBSCRIBE));
	TEST_ASSERT(!tes_token_grants(&t, "dem", TES_RIGHT_SUBSCRIBE));
	TEST_ASSERT(!tes_token_grants(&t, NULL, TES_RIGHT_SUBSCRIBE));
	strcpy(t.room, "*");
	TEST_ASSERT(tes_token_grants(&t, "any", TES_RIGHT_SUBSCRIBE));
	TEST_ASSERT(tes_token_grants(&t, NULL, TES_RIGHT_SUBSCRIBE));

	return 0;
}

static int make(char *buf, const char *room, const char *sub,
		unsigned rights, int64_t exp)
{
	struct tes_token t = {.rights = rights, .exp = exp};

	snprintf(t.room, sizeof(t.room), "%s", room);
	snprintf(t.sub, sizeof(t.sub), "%s", sub);

	return tes_token_make(buf, TES_TOKEN_MAX + 1, &t, exp - 3600, KEY,
			      strlen(KEY));
}

/* What the routes ask of a token: 401, 403 (same answer for any other
 * room), and what auth off allows */
TES_TEST(auth_route_decisions)
{
	static char tok[TES_TOKEN_MAX + 1];
	struct tes_conf conf;
	struct tes_token t;
	const char *why = NULL, *why2 = NULL;
	int64_t exp = (int64_t)time(NULL) + 600;
	size_t len;

	tes_conf_defaults(&conf);
	TEST_EQ(tes__auth_token(&conf, NULL, 0, "demo", TES_RIGHT_ADMIN, &t,
				&why), 0);
	TEST_EQ(t.rights, TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE |
		TES_RIGHT_ADMIN);
	TEST_ASSERT(tes__auth_owns(&t, "someone"));

	conf.auth_required = true;
	memcpy(conf.auth_secret, KEY, strlen(KEY));
	conf.auth_secret_len = strlen(KEY);

	TEST_EQ(tes__auth_token(&conf, NULL, 0, "demo", TES_RIGHT_PUBLISH, &t,
				&why), 401);
	TEST_ASSERT(reason_ok(why));
	TEST_EQ(tes__auth_token(&conf, "a.b.c", 5, "demo", TES_RIGHT_PUBLISH,
				&t, &why), 401);

	len = (size_t)make(tok, "demo", "alice", TES_RIGHT_PUBLISH, exp);
	TEST_EQ(tes__auth_token(&conf, tok, len, "demo", TES_RIGHT_PUBLISH |
				TES_RIGHT_SUBSCRIBE, &t, &why), 0);
	TEST_STREQ(t.sub, "alice");
	TEST_ASSERT(tes__auth_owns(&t, "alice"));
	TEST_ASSERT(!tes__auth_owns(&t, "bob"));
	TEST_ASSERT(!tes__auth_owns(&t, ""));
	/* wrong room: one answer, whatever the other room */
	TEST_EQ(tes__auth_token(&conf, tok, len, "other", TES_RIGHT_PUBLISH,
				&t, &why), 403);
	TEST_EQ(tes__auth_token(&conf, tok, len, "nope", TES_RIGHT_PUBLISH,
				&t, &why2), 403);
	TEST_STREQ(why, why2);
	TEST_ASSERT(reason_ok(why));
	/* missing right */
	TEST_EQ(tes__auth_token(&conf, tok, len, "demo", TES_RIGHT_ADMIN, &t,
				&why), 403);
	TEST_STREQ(why, "the token has no admin right");
	TEST_EQ(tes__auth_token(&conf, tok, len, "demo", TES_RIGHT_SUBSCRIBE,
				&t, &why), 403);
	TEST_STREQ(why, "the token has no subscribe right");
	/* a room's admin token is no token for every room */
	len = (size_t)make(tok, "demo", "op", TES_RIGHT_ADMIN, exp);
	TEST_EQ(tes__auth_token(&conf, tok, len, "demo", TES_RIGHT_ADMIN, &t,
				&why), 0);
	TEST_ASSERT(tes__auth_owns(&t, "alice"));
	TEST_EQ(tes__auth_token(&conf, tok, len, NULL, TES_RIGHT_ADMIN, &t,
				&why), 403);
	len = (size_t)make(tok, "*", "op", TES_RIGHT_ADMIN, exp);
	TEST_EQ(tes__auth_token(&conf, tok, len, NULL, TES_RIGHT_ADMIN, &t,
				&why), 0);
	/* expired an hour ago */
	len = (size_t)make(tok, "demo", "alice", TES_RIGHT_PUBLISH,
			   exp - 4200);
	TEST_EQ(tes__auth_token(&conf, tok, len, "demo", TES_RIGHT_PUBLISH,
				&t, &why), 401);
	TEST_STREQ(why, "token expired");

	return 0;
}

TES_TEST(auth_bearer)
{
	const char *tok;
	size_t len = 0;

	tok = tes__auth_bearer("Bearer abc.def.ghi", &len);
	TEST_ASSERT(tok && len == 11 && !strncmp(tok, "abc.def.ghi", len));
	tok = tes__auth_bearer("  bearer   abc  ", &len);
	TEST_ASSERT(tok && len == 3 && !strncmp(tok, "abc", len));
	TEST_ASSERT(!tes__auth_bearer("Basic YWxhZGRpbjpvcGVu", &len));
	TEST_ASSERT(!tes__auth_bearer("Bearerabc", &len));
	TEST_ASSERT(!tes__auth_bearer(NULL, &len));
	tok = tes__auth_bearer("Bearer ", &len);
	TEST_ASSERT(tok && len == 0);

	return 0;
}

TES_TEST(auth_rate_limit)
{
	uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0,
			 1};
	uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
	struct tes__limiter *l;
	uint64_t now = 1000;

	TEST_OK(tes__limit_alloc(&l, 2, 5));
	/* a burst of 5, then 1 s to wait for the next */
	for (int i = 0; i < 5; i++)
		TEST_EQ(tes__limit_take(l, a, now), 0);
	TEST_EQ(tes__limit_take(l, a, now), 1);
	TEST_EQ(tes__limit_take(l, a, now + 100), 1);
	/* 2 a second: one more after 500 ms */
	TEST_EQ(tes__limit_take(l, a, now + 500), 0);
	TEST_EQ(tes__limit_take(l, a, now + 500), 1);

	/* another IPv4 address has its own bucket; IPv6 counts per /64 */
	a[15] = 2;
	TEST_EQ(tes__limit_take(l, a, now + 500), 0);
	for (int i = 0; i < 5; i++) {
		b[15] = (uint8_t)i;   /* other hosts of the same /64 */
		TEST_EQ(tes__limit_take(l, b, now), 0);
	}
	b[15] = 9;
	TEST_EQ(tes__limit_take(l, b, now), 1);
	b[7] = 2;                     /* another /64 */
	TEST_EQ(tes__limit_take(l, b, now), 0);

	/* thousands of others: the table reuses slots, the limit holds */
	for (uint32_t i = 0; i < 20000; i++) {
		uint8_t o[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		tes_wr32(o + 12, 0x0b000000u + i);
		(void)tes__limit_take(l, o, now + 600);
	}
	a[15] = 1;
	for (int i = 0; i < 5; i++)
		(void)tes__limit_take(l, a, now + 600);
	TEST_ASSERT(tes__limit_take(l, a, now + 600) > 0);
	/* a quiet spell fills the bucket again */
	TEST_EQ(tes__limit_take(l, a, now + 10000), 0);
	tes__limit_free(l);

	/* 0: no limit */
	TEST_OK(tes__limit_alloc(&l, 0, 1));
	for (int i = 0; i < 100; i++)
		TEST_EQ(tes__limit_take(l, a, now), 0);
	tes__limit_free(l);

	return 0;
}
