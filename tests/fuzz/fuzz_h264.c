/**
 * @file fuzz_h264.c  libFuzzer harness for the H.264 payload format:
 * parse the input as one RTP payload (single NAL, STAP-A, FU-A) and write
 * it as Annex B into an exact-size buffer; packetize the input as an Annex
 * B access unit and check that the packets carry the same NAL units; then
 * feed it, cut into chunks, as RTP payloads to an H.264 ingress stream.
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

static void check_parse(const uint8_t *data, size_t size)
{
	struct tes_h264_pkt pk;
	uint8_t *out;

	if (tes_h264_parse(&pk, data, size))
		return;
	if (!pk.annexb_len || pk.data < data || pk.len > size ||
	    (size_t)(pk.data - data) > size - pk.len)
		abort();
	if (pk.nal_type < 1 || pk.nal_type > 23)
		abort();
	out = malloc(pk.annexb_len);
	if (!out)
		return;
	if (tes_h264_annexb(&pk, out) != pk.annexb_len)
		abort();
	if (pk.nal_start && (out[0] || out[1] || out[2] || out[3] != 1))
		abort();
	free(out);
}

/* what the packets must carry: the NAL units of the access unit */
struct pk_state {
	const uint8_t *au;
	size_t len;
	size_t off;          /* next expected NAL in au */
	const uint8_t *nal;  /* NAL being reassembled from FU-A */
	size_t nal_len;
	size_t fu_off;
	size_t max;
	bool ended;
	bool valid;          /* every NAL header valid: check contents */
	bool mode0;          /* NAL units over max are left out */
};

/* the next NAL unit the packets must carry (mode 0: one that fits) */
static bool next_expected(struct pk_state *st, const uint8_t **nal,
			  size_t *nlen)
{
	while (tes_h264_next_nal(st->au, st->len, &st->off, nal, nlen)) {
		if (!st->mode0 || *nlen <= st->max)
			return true;
	}
	return false;
}

static void expect_nal(struct pk_state *st, const uint8_t *p, size_t len)
{
	const uint8_t *nal;
	size_t nlen;

	if (!next_expected(st, &nal, &nlen) || nlen != len ||
	    memcmp(nal, p, len))
		abort();
}

static int on_pkt(const uint8_t *p, size_t len, bool marker, void *arg)
{
	struct pk_state *st = arg;
	struct tes_h264_pkt pk;

	if (st->ended || !len || len > st->max)
		abort();
	st->ended = marker;
	if (!st->valid)
		return 0;
	if (tes_h264_parse(&pk, p, len))
		abort();

	if (pk.type == TES_H264_STAP_A) {
		for (size_t i = 0; i < pk.len;) {
			size_t n = tes_rd16(pk.data + i);

			expect_nal(st, pk.data + i + 2, n);
			i += 2 + n;
		}
	}
	else if (pk.type == TES_H264_FU_A) {
		if (pk.fu_start) {
			size_t o = st->off;

			if (st->nal || !tes_h264_next_nal(st->au, st->len, &o,
							  &st->nal,
							  &st->nal_len) ||
			    st->nal[0] != pk.fu_nal_hdr)
				abort();
			st->off = o;
			st->fu_off = 1;
		}
		if (!st->nal || pk.len > st->nal_len - st->fu_off ||
		    memcmp(st->nal + st->fu_off, pk.data, pk.len))
			abort();
		st->fu_off += pk.len;
		if (pk.fu_end) {
			if (st->fu_off != st->nal_len)
				abort();
			st->nal = NULL;
		}
	}
	else {
		expect_nal(st, p, len);
	}

	return 0;
}

static void check_packetize(const uint8_t *data, size_t size)
{
	struct pk_state st = {.au = data + 1, .len = size - 1, .valid = true,
			      .mode0 = data[0] & 1};
	const uint8_t *nal;
	size_t off = 0, nlen, big = 0, count = 0;
	int err;

	st.max = 3 + (data[0] >> 1) * 7u;
	while (tes_h264_next_nal(st.au, st.len, &off, &nal, &nlen)) {
		if ((nal[0] & 0x80) || !(nal[0] & 0x1f) ||
		    (nal[0] & 0x1f) > 23)
			st.valid = false;
		big += nlen > st.max;
		count++;
	}

	err = tes_h264_packetize(st.au, st.len, st.max, st.mode0, on_pkt,
				 &st);
	if (!count) {
		if (err != -EINVAL || st.ended)
			abort();
		return;  /* no NAL unit at all */
	}
	/* mode 0 leaves out what does not fit, and says so; a marker ends
	 * what it sent */
	if (st.mode0 && big) {
		if (err != -EMSGSIZE || st.ended != (big < count))
			abort();
	}
	else if (err || !st.ended || st.nal) {
		abort();
	}
	if (st.valid && next_expected(&st, &nal, &nlen))
		abort();
}

struct au_state {
	unsigned n;
};

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct au_state *st = arg;
	const uint8_t *nal;
	size_t off = 0, nlen;
	bool idr = false;

	if (au->len < 5 || (!st->n && !au->keyframe))
		abort();
	if (memcmp(au->data, "\0\0\0\1", 4))
		abort();
	while (tes_h264_next_nal(au->data, au->len, &off, &nal, &nlen))
		idr |= (nal[0] & 0x1f) == TES_H264_NAL_IDR;
	if (au->keyframe && !idr)
		abort();
	st->n++;
	tes_deref(au);
}

static void feed_ingress(const uint8_t *data, size_t size)
{
	struct au_state st = {.n = 0};
	struct tes_ingress_cfg cfg = {
		.codec = TES_INGRESS_H264, .au_h = on_au, .arg = &st,
	};
	struct tes_ingress *in;

	if (tes_ingress_alloc(&in, &cfg))
		return;
	fuzz_feed_ingress(in, data, size, &st.n);
	tes_deref(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	if (size >= 2)
		check_packetize(data, size);
	feed_ingress(data, size);

	return 0;
}
