/**
 * @file fuzz_stun.c  libFuzzer harness for the RFC 7983 demultiplexer and
 * the STUN parser, integrity/fingerprint checks and response builders.
 *
 * Besides looking for memory errors it checks two properties and aborts
 * when they break: a parsed message's offsets lie inside the input, and a
 * response built for a parsed request parses and verifies again.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void check_response(const uint8_t *out, size_t n, bool with_mi)
{
	struct tes_stun_msg r;

	if (tes_stun_parse(&r, out, n))
		abort();
	if (tes_stun_check_fingerprint(&r, out, n))
		abort();
	if (with_mi &&
	    tes_stun_check_integrity(&r, out, n, key, sizeof(key) - 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_stun_msg m;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	uint8_t out[128];
	size_t n;

	(void)tes_demux(data, size);

	if (tes_stun_parse(&m, data, size))
		return 0;

	if (m.has_integrity && m.integrity_off + 24 > size)
		abort();
	if (m.has_fingerprint && m.fingerprint_off + 8 != size)
		abort();
	if (m.username && (m.username < data ||
			   m.username + m.username_len > data + size))
		abort();

	(void)tes_stun_check_integrity(&m, data, size, key, sizeof(key) - 1);
	(void)tes_stun_check_fingerprint(&m, data, size);

	/* answer as an ICE-lite agent would, echoing the transaction ID */
	if (m.unknown_required) {
		if (tes_stun_build_error(out, sizeof(out), &n, m.tid, 420,
					 "Unknown Attribute", NULL, 0))
			abort();
		check_response(out, n, false);
	} else if (m.ice_controlling && m.ice_controlled) {
		if (tes_stun_build_error(out, sizeof(out), &n, m.tid, 487,
					 "Role Conflict", key,
					 sizeof(key) - 1))
			abort();
		check_response(out, n, true);
	}

	if (size > 20 && (data[size - 1] & 1)) {
		memcpy(&sin6.sin6_addr, data + 4, 16);
		memcpy(&sin6.sin6_port, data, 2);
		if (tes_stun_build_success(out, sizeof(out), &n, m.tid,
					   (struct sockaddr *)&sin6, key,
					   sizeof(key) - 1))
			abort();
	} else {
		memcpy(&sin.sin_addr, data + 4, 4);
		memcpy(&sin.sin_port, data, 2);
		if (tes_stun_build_success(out, sizeof(out), &n, m.tid,
					   (struct sockaddr *)&sin, key,
					   sizeof(key) - 1))
			abort();
	}
	check_response(out, n, true);

	return 0;
}
