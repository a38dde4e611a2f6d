/**
 * @file fuzz_jwt.c  libFuzzer harness for the access token verifier.
 *
 * The first byte of the input chooses what the rest is: with bit 0 clear,
 * a whole token; with it set, "header.payload", which the harness signs
 * with the key, so that the header and claims parsers behind the
 * signature check are reached too.  A token that verifies must give valid
 * claims, and a token made again from them must verify to the same.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "room/room.h"
#include "signal/signal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KEY[] = "fuzz-secret-0123456789abcdef012345";
static const int64_t NOW = 1700000000;

/* ".signature" of buf[0..len) appended; the new length, or 0 */
static size_t sign(char *buf, size_t len)
{
	uint8_t mac[32];
	char b64[48];
	unsigned mlen = 0;
	int n;

	if (!HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const uint8_t *)buf,
		  len, mac, &mlen) || mlen != 32)
		return 0;
	n = EVP_EncodeBlock((uint8_t *)b64, mac, 32);
	/* base64url without padding */
	while (n && b64[n - 1] == '=')
		n--;
	buf[len++] = '.';
	for (int i = 0; i < n; i++)
		buf[len++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];

	return len;
}

static bool same(const struct tes_token *a, const struct tes_token *b)
{
	return !strcmp(a->room, b->room) && !strcmp(a->sub, b->sub) &&
	       a->rights == b->rights && a->exp == b->exp &&
	       a->nbf == b->nbf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char again[TES_TOKEN_MAX + 1];
	struct tes_token t, back;
	const char *why = NULL;
	size_t len;
	char *buf;
	int err, n;

	if (!size || size > 2 * TES_TOKEN_MAX)
		return 0;
	/* exact size (plus the signature) so ASan sees over-reads */
	len = size - 1;
	buf = malloc(len + 64);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if (data[0] & 1)
		len = sign(buf, len);

	err = tes_token_verify(&t, buf, len, KEY, strlen(KEY), NOW, 5, &why);
	if (!why || !*why || strpbrk(why, "\"\\\r\n"))
		abort();
	if (err)
		goto out;

	if ((strcmp(t.room, "*") && !tes_room_name_valid(t.room)) ||
	    tes_part_name_check(t.sub, NULL) || NOW >= t.exp + 5 ||
	    (t.rights & ~(unsigned)(TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE |
				    TES_RIGHT_ADMIN)))
		abort();
	n = tes_token_make(again, sizeof(again), &t, NOW, KEY, strlen(KEY));
	if (n < 0 ||
	    tes_token_verify(&back, again, (size_t)n, KEY, strlen(KEY), NOW, 5,
			     &why) || !same(&t, &back))
		abort();

 out:
	free(buf);

	return 0;
}
