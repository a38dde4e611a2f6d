/**
 * @file fuzz_rtcp.c  libFuzzer harness for RTCP: validate, walk the
 * compound (decoding NACKs), and rewrite SSRCs on a copy.  Checks that
 * validation, iteration and rewriting agree, that a failed rewrite leaves
 * the copy untouched, and that rewriting twice with an XOR map restores it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/rtp.h"

enum { MAX_NACK = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t xor_map(uint32_t ssrc, void *arg)
{
	const uint32_t *key = arg;

	return ssrc ^ *key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_rtcp_nack nack[MAX_NACK];
	uint32_t key = 0x5a5aa5a5;
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t *copy;
	int valid, err, rw;

	valid = tes_rtcp_validate(data, size);

	tes_rtcp_iter_init(&it, data, size);
	while (!(err = tes_rtcp_next(&it, &pkt))) {
		if (pkt.data < data || pkt.len > size ||
		    (size_t)(pkt.data - data) > size - pkt.len)
			abort();
		if (pkt.n_rb > TES_RTCP_MAX_RB ||
		    pkt.n_remb_ssrc > TES_RTCP_MAX_REMB_SSRC)
			abort();
		if (pkt.pt == TES_RTCP_RTPFB &&
		    pkt.count == TES_RTCP_FMT_NACK &&
		    tes_rtcp_nack_entries(&pkt, nack, MAX_NACK) < 0)
			abort();
	}
	if (err != -ENOENT && err != -EBADMSG)
		abort();
	if (size >= 4 && !valid != (err == -ENOENT))
		abort();

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	rw = tes_rtcp_rewrite_ssrcs(copy, size, xor_map, &key);
	if (rw != valid)
		abort();
	if (!rw) {
		if (tes_rtcp_rewrite_ssrcs(copy, size, xor_map, &key))
			abort();
	}
	if (size && memcmp(copy, data, size))
		abort();

	free(copy);

	return 0;
}
