/**
 * @file fuzz_rtp.c  libFuzzer harness for RTP: parse, look up every
 * extension ID, then rebuild the packet with the one-byte elements found
 * and check that it parses back to the same header and payload.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/rtp.h"

enum { MAX_ONE_BYTE_ID = 14, MAX_ONE_BYTE_LEN = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct tes_rtp_hdr *a,
		       const struct tes_rtp_hdr *b)
{
	if (a->marker != b->marker || a->pt != b->pt || a->seq != b->seq ||
	    a->ts != b->ts || a->ssrc != b->ssrc || a->cc != b->cc)
		abort();
	if (memcmp(a->csrc, b->csrc, sizeof(a->csrc)))
		abort();
	if (a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_rtp_ext_elem ext[MAX_ONE_BYTE_ID];
	struct tes_rtp_hdr h, h2;
	const uint8_t *d;
	size_t n_ext = 0, cap, len;
	uint8_t *buf;
	int n;

	if (tes_rtp_parse(&h, data, size))
		return 0;
	if (h.hdr_len + h.payload_len + h.pad_len != size)
		abort();

	for (uint8_t id = 1; id <= MAX_ONE_BYTE_ID; id++) {
		if (tes_rtp_ext_find(&h, id, &d, &len))
			continue;
		if (d < h.ext || len > h.ext_len ||
		    (size_t)(d - h.ext) > h.ext_len - len)
			abort();
		if (len < 1 || len > MAX_ONE_BYTE_LEN)
			continue;
		ext[n_ext].id = id;
		ext[n_ext].len = (uint8_t)len;
		ext[n_ext].data = d;
		n_ext++;
	}
	if (!tes_rtp_ext_find(&h, 255, &d, &len) &&
	    (d < h.ext || (size_t)(d - h.ext) + len > h.ext_len))
		abort();

	cap = TES_RTP_HDR_LEN + 4 * TES_RTP_MAX_CSRC + 4 +
	      MAX_ONE_BYTE_ID * (1 + MAX_ONE_BYTE_LEN) + 3 + h.payload_len;
	buf = malloc(cap);
	if (!buf)
		return 0;

	n = tes_rtp_build(buf, cap, &h, ext, n_ext, h.payload, h.payload_len);
	if (n <= 0 || tes_rtp_parse(&h2, buf, (size_t)n))
		abort();
	check_same(&h, &h2);
	for (size_t i = 0; i < n_ext; i++) {
		if (tes_rtp_ext_find(&h2, ext[i].id, &d, &len) ||
		    len != ext[i].len || memcmp(d, ext[i].data, len))
			abort();
	}

	free(buf);

	return 0;
}
