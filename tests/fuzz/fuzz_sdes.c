/**
 * @file fuzz_sdes.c  libFuzzer harness for RFC 4568 a=crypto values: what
 * parses is written back and must parse to the same suite, tag and key.
 */
#include <stdlib.h>
#include <string.h>

#include "sdp/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_sdes c, back;
	char err[128], buf[160];

	if (tes_sdes_parse(&c, (const char *)data, size, err, sizeof(err))) {
		if (!err[0])
			abort(); /* every refusal says why */
		return 0;
	}
	if (tes_sdes_write(buf, sizeof(buf), &c) <= 0 ||
	    tes_sdes_parse(&back, buf, strlen(buf), NULL, 0) ||
	    back.suite != c.suite || back.tag != c.tag ||
	    back.key_len != c.key_len || memcmp(back.key, c.key, c.key_len))
		abort();

	return 0;
}
