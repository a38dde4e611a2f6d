/**
 * @file fuzz_vp8.c  libFuzzer harness for the VP8 payload format: parse the
 * input as a payload descriptor; packetize it and check that the packets
 * parse back to the same frame; then feed it, cut into chunks, as RTP
 * payloads to a VP8 ingress stream on a fake clock.
 *
 * Chunk: ctl byte (bit 0 marker, bit 1 new timestamp, bits 2-4 sequence
 * step - 2, bits 5-7 clock advance in 15 ms), length byte (& 63), payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "feed.h"
#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pk_state {
	const uint8_t *frame;
	size_t len;
	size_t off;
	size_t max;
	size_t npkt;
	size_t minp;
	size_t maxp;
	bool ended;
};

static int on_pkt(const uint8_t *p, size_t len, bool marker, void *arg)
{
	struct pk_state *st = arg;
	struct tes_vp8_desc d;

	if (st->ended || len > st->max || tes_vp8_parse_desc(&d, p, len))
		abort();
	if (d.start != (st->npkt == 0) || !d.has_picture_id ||
	    !d.picture_id_long || d.picture_id != 0x1abc)
		abort();
	if (d.hdr_len != TES_VP8_PKT_DESC_LEN ||
	    len - d.hdr_len > st->len - st->off ||
	    memcmp(p + d.hdr_len, st->frame + st->off, len - d.hdr_len))
		abort();
	st->off += len - d.hdr_len;
	st->minp = TES_MIN(st->minp, len - d.hdr_len);
	st->maxp = TES_MAX(st->maxp, len - d.hdr_len);
	st->npkt++;
	st->ended = marker;

	return 0;
}

static void check_packetize(const uint8_t *data, size_t size)
{
	struct pk_state st = {.frame = data + 1, .len = size - 1,
			      .minp = SIZE_MAX};
	size_t cap;

	st.max = TES_VP8_PKT_DESC_LEN + 1 + data[0] * 5u;
	if (tes_vp8_packetize(st.frame, st.len, st.max, 0x9abc, on_pkt, &st))
		abort();
	if (!st.ended || st.off != st.len)
		abort();
	/* as few packets as possible, evenly sized */
	cap = st.max - TES_VP8_PKT_DESC_LEN;
	if (st.npkt != (st.len + cap - 1) / cap || st.maxp - st.minp > 1)
		abort();
}

struct au_state {
	unsigned n;
};

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct au_state *st = arg;
	struct tes_vp8_desc d;
	uint8_t p[1 + 10];

	if (!au->len)
		abort();
	if (!st->n && !au->keyframe)
		abort();
	/* the frame tag of the first packet decides what it is */
	p[0] = 0x10;
	memcpy(p + 1, au->data, TES_MIN(au->len, (size_t)10));
	if (tes_vp8_parse_desc(&d, p, 1 + TES_MIN(au->len, (size_t)10)) ||
	    d.keyframe != au->keyframe)
		abort();
	st->n++;
	tes_deref(au);
}

static void on_nack(const uint16_t *seqs, size_t n, void *arg)
{
	(void)seqs;
	(void)arg;
	if (!n || n > 64)
		abort();
}

static void feed_ingress(const uint8_t *data, size_t size)
{
	struct au_state st = {.n = 0};
	struct tes_ingress_cfg cfg = {
		.codec = TES_INGRESS_VP8, .au_h = on_au, .nack_h = on_nack,
		.arg = &st,
	};
	struct tes_ingress *in;

	if (tes_ingress_alloc(&in, &cfg))
		return;
	fuzz_feed_ingress(in, data, size, &st.n);
	tes_deref(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_vp8_desc d;

	if (!tes_vp8_parse_desc(&d, data, size)) {
		if (d.hdr_len < 1 || d.hdr_len > TES_VP8_DESC_MAX ||
		    d.hdr_len >= size)
			abort();
		if (d.keyframe && !d.start)
			abort();
		if (d.width < 0 || d.width > 0x3fff || d.height > 0x3fff)
			abort();
	}
	if (size >= 2)
		check_packetize(data, size);
	feed_ingress(data, size);

	return 0;
}
