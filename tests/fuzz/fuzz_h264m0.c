/**
 * @file fuzz_h264m0.c  libFuzzer harness for H.264 single NAL unit mode
 * (RFC 6184 packetization-mode 0): the input describes an access unit of
 * NAL units, written as Annex B the way an encoder would (emulation
 * prevention, 3- or 4-byte start codes); tes_h264_packetize_single() sends
 * it, and an H.264 ingress assembles the packets again after a keyframe.
 *
 * Checked: every payload is at most max_payload (and TES_PAYLOAD_MAX) and
 * one whole NAL unit, never STAP-A or FU-A; the NAL units that fit go in
 * order, those that do not are counted, never sent; the marker is on the
 * last payload sent only; the access unit the ingress makes of them holds
 * exactly the NAL units that fit.
 *
 * Input: byte 0 picks max_payload (3 + 6 * b); then records of b0 (bits
 * 0-2: length high bits, bit 3: 3-byte start code), b1 (length low bits),
 * the NAL header byte (F cleared, type made 1..23), and length body bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	MAX_NALS = 64,
	AU_MAX = 64 * 1024,
	KEY_TS = 1000,
	AU_TS = 4000,
};

/* the access unit and what its NAL units are */
struct au {
	uint8_t buf[AU_MAX];
	size_t len;
	size_t off[MAX_NALS];   /* each NAL unit in buf */
	size_t nlen[MAX_NALS];
	size_t n;
};

struct state {
	const struct au *au;
	size_t max;             /* max_payload as the packetizer uses it */
	size_t next;            /* next NAL unit that must come */
	size_t sent;
	bool ended;             /* a marker was seen */
	struct tes_ingress *in;
	uint16_t seq;
	uint32_t ts;
	struct tes_ingress_au *got;  /* the last access unit assembled */
	unsigned n_got;
};

/* append one NAL unit: header, body with emulation prevention, and no
 * trailing zero (an encoder's rbsp_trailing_bits end in a 1) */
static bool add_nal(struct au *a, uint8_t hdr, const uint8_t *body,
		    size_t blen, bool short_code)
{
	size_t zeros = 0, start;

	if (a->n == MAX_NALS || a->len + 4 + 1 + 2 * blen + 1 > AU_MAX)
		return false;
	if (!short_code)
		a->buf[a->len++] = 0;
	memcpy(a->buf + a->len, "\0\0\1", 3);
	a->len += 3;
	start = a->len;
	a->buf[a->len++] = (uint8_t)((hdr & 0x60) | (1 + hdr % 23));
	for (size_t i = 0; i < blen; i++) {
		if (zeros >= 2 && body[i] <= 3) {
			a->buf[a->len++] = 3;
			zeros = 0;
		}
		a->buf[a->len++] = body[i];
		zeros = body[i] ? 0 : zeros + 1;
	}
	if (!a->buf[a->len - 1])
		a->buf[a->len++] = 0x80;
	a->off[a->n] = start;
	a->nlen[a->n] = a->len - start;
	a->n++;

	return true;
}

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct state *st = arg;

	st->n_got++;
	tes_deref(st->got);
	st->got = au;
}

static void push(struct state *st, const uint8_t *p, size_t len,
		 bool marker)
{
	struct tes_rtp_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.seq = st->seq++;
	h.ts = st->ts;
	h.marker = marker;
	h.payload = p;
	h.payload_len = len;
	tes_ingress_push(st->in, &h, 1000000);
}

static int on_pkt(const uint8_t *p, size_t len, bool marker, void *arg)
{
	struct state *st = arg;
	const struct au *a = st->au;
	uint8_t type;

	if (st->ended || !len || len > st->max || len > TES_PAYLOAD_MAX)
		abort();
	/* a single NAL unit: no aggregation, no fragments */
	type = p[0] & 0x1f;
	if ((p[0] & 0x80) || type < 1 || type > 23)
		abort();
	while (st->next < a->n && a->nlen[st->next] > st->max)
		st->next++;
	if (st->next == a->n || a->nlen[st->next] != len ||
	    memcmp(a->buf + a->off[st->next], p, len))
		abort();
	st->next++;
	st->sent++;
	st->ended = marker;
	push(st, p, len, marker);

	return 0;
}

/* the first picture: SPS, PPS, IDR, so that the ingress starts */
static void send_keyframe(struct state *st)
{
	static const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01};
	static const uint8_t pps[] = {0x68, 0xce, 0x06, 0xe2};
	static const uint8_t idr[] = {0x65, 0x88, 0x84, 0x21, 0xa0};

	st->ts = KEY_TS;
	push(st, sps, sizeof(sps), false);
	push(st, pps, sizeof(pps), false);
	push(st, idr, sizeof(idr), true);
	if (st->n_got != 1)
		abort();
}

static void parse_input(struct au *a, const uint8_t *data, size_t size)
{
	size_t off = 1;

	while (size - off >= 3) {
		size_t blen = (size_t)(data[off] & 7) << 8 | data[off + 1];
		bool short_code = data[off] & 8;
		uint8_t hdr = data[off + 2];

		off += 3;
		blen = TES_MIN(blen, size - off);
		if (!add_nal(a, hdr, data + off, blen, short_code))
			break;
		off += blen;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct au a;
	struct state st = {.au = &a};
	struct tes_ingress_cfg cfg = {
		.codec = TES_INGRESS_H264, .au_h = on_au, .arg = &st,
	};
	size_t max, dropped = 0, big = 0, off = 0, nlen, i = 0;
	const uint8_t *nal;
	int err;

	if (size < 1)
		return 0;
	memset(&a, 0, sizeof(a));
	max = 3 + (size_t)data[0] * 6;
	st.max = TES_MIN(max, (size_t)TES_PAYLOAD_MAX);
	parse_input(&a, data, size);

	/* the Annex B scanner finds exactly the NAL units written */
	while (tes_h264_next_nal(a.buf, a.len, &off, &nal, &nlen)) {
		if (i == a.n || nal != a.buf + a.off[i] || nlen != a.nlen[i])
			abort();
		big += nlen > st.max;
		i++;
	}
	if (i != a.n)
		abort();

	if (tes_ingress_alloc(&st.in, &cfg))
		return 0;
	send_keyframe(&st);
	st.ts = AU_TS;

	err = tes_h264_packetize_single(a.buf, a.len, max, on_pkt, &st,
					&dropped);
	if (!a.n) {
		if (err != -EINVAL || st.sent)
			abort();
		goto out;
	}
	if (err || dropped != big || st.sent + dropped != a.n ||
	    st.ended != (st.sent > 0))
		abort();

	/* what was sent comes back as one access unit: the NAL units that
	 * fit, in order */
	if (st.n_got != 1 + (st.sent > 0) ||
	    tes_ingress_stats(st.in)->malformed)
		abort();
	if (st.sent) {
		off = 0;
		i = 0;
		while (tes_h264_next_nal(st.got->data, st.got->len, &off, &nal,
					 &nlen)) {
			while (i < a.n && a.nlen[i] > st.max)
				i++;
			if (i == a.n || nlen != a.nlen[i] ||
			    memcmp(nal, a.buf + a.off[i], nlen))
				abort();
			i++;
		}
		while (i < a.n && a.nlen[i] > st.max)
			i++;
		if (i != a.n || st.got->ts != AU_TS)
			abort();
	}
out:
	tes_deref(st.got);
	tes_deref(st.in);

	return 0;
}
