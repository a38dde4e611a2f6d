/**
 * @file fuzz_ingress.c  libFuzzer harness for the ingress stream: the
 * input is a list of 4-byte records (seq delta, ts delta, flags, payload
 * length).  Record k first describes packet k of a well-behaved VP8 sender;
 * then record i delivers packet i + delta / 16 (some twice, some never, out
 * of order) and moves a fake clock.  Every emitted access unit must be
 * exactly one sent frame, in increasing timestamp order, and a frame that
 * does not follow the previous emitted one must be a keyframe: a decoder
 * never sees a broken frame.
 *
 * Record: d (int8: delivery offset d / 16; d & 15 == 15 drops it), t (bit 7
 * or a marker before: new frame, ts += 1 + (t & 127) * 30), f (bit 0
 * marker, bit 1 keyframe, bits 2-7 clock advance in ms), l (payload length
 * 1 + l & 31).
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/ingress.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_PKTS = 2048, SEQ_BASE = 65000, PAYLOAD_MAX = 33 };

struct gen_pkt {
	uint32_t ts;
	unsigned frame;   /* frame index */
	bool marker;
	bool start;
	bool key;         /* of its frame */
	uint8_t len;      /* VP8 payload bytes after the descriptor */
};

struct gen {
	struct gen_pkt pkt[MAX_PKTS];
	size_t n;
	unsigned last_frame;  /* of the last emitted AU */
	uint32_t last_ts;
	unsigned n_au;
};

static uint8_t pay_byte(size_t k, size_t i)
{
	return (uint8_t)(k * 31 + i * 7 + 1);
}

/* the VP8 payload (after the descriptor) of packet k */
static void payload(const struct gen *g, size_t k, uint8_t *out)
{
	for (size_t i = 0; i < g->pkt[k].len; i++)
		out[i] = pay_byte(k, i);
	if (g->pkt[k].start)
		out[0] = g->pkt[k].key ? 0x10 : 0x11; /* P bit */
}

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct gen *g = arg;
	size_t k0 = (uint16_t)(au->first_seq - SEQ_BASE);
	size_t k1 = (uint16_t)(au->last_seq - SEQ_BASE);
	uint8_t buf[PAYLOAD_MAX];
	size_t off = 0;

	if (!au->len || k0 > k1 || k1 >= g->n)
		abort();
	/* exactly one whole frame */
	if (!g->pkt[k0].start || g->pkt[k0].frame != g->pkt[k1].frame ||
	    (k1 + 1 < g->n && !g->pkt[k1 + 1].start))
		abort();
	if (au->ts != g->pkt[k0].ts || au->keyframe != g->pkt[k0].key)
		abort();
	for (size_t k = k0; k <= k1; k++) {
		payload(g, k, buf);
		if (off + g->pkt[k].len > au->len ||
		    memcmp(au->data + off, buf, g->pkt[k].len))
			abort();
		off += g->pkt[k].len;
	}
	if (off != au->len)
		abort();
	/* in order, and nothing after a gap but a keyframe */
	if (g->n_au && (int32_t)(au->ts - g->last_ts) <= 0)
		abort();
	if (!au->keyframe &&
	    (!g->n_au || g->pkt[k0].frame != g->last_frame + 1))
		abort();

	g->last_frame = g->pkt[k0].frame;
	g->last_ts = au->ts;
	g->n_au++;
	tes_deref(au);
}

static void on_nack(const uint16_t *seqs, size_t n, void *arg)
{
	struct gen *g = arg;

	for (size_t i = 0; i < n; i++) {
		if ((uint16_t)(seqs[i] - SEQ_BASE) >= g->n)
			abort();
	}
}

static void on_kf(void *arg)
{
	(void)arg;
}

static void generate(struct gen *g, const uint8_t *data, size_t size)
{
	unsigned frame = 0;
	uint32_t ts = 90000;
	bool key = false;

	g->n = TES_MIN(size / 4, (size_t)MAX_PKTS);
	for (size_t k = 0; k < g->n; k++) {
		const uint8_t *r = data + 4 * k;
		struct gen_pkt *p = &g->pkt[k];
		bool start = !k || g->pkt[k - 1].marker || (r[1] & 0x80);

		if (start) {
			if (k) {
				frame++;
				ts += 1 + (r[1] & 0x7fu) * 30;
			}
			key = (r[2] & 2) != 0;
		}
		p->ts = ts;
		p->frame = frame;
		p->start = start;
		p->key = key;
		p->marker = r[2] & 1;
		p->len = (uint8_t)(1 + (r[3] & 31));
	}
}

static void deliver(struct gen *g, struct tes_ingress *in, size_t k,
		    uint64_t now)
{
	uint8_t *buf = malloc(1 + PAYLOAD_MAX);
	struct tes_rtp_hdr h;

	if (!buf)
		return;
	buf[0] = g->pkt[k].start ? 0x10 : 0x00;
	payload(g, k, buf + 1);
	memset(&h, 0, sizeof(h));
	h.seq = (uint16_t)(SEQ_BASE + k);
	h.ts = g->pkt[k].ts;
	h.marker = g->pkt[k].marker;
	h.payload = buf;
	h.payload_len = 1u + g->pkt[k].len;
	tes_ingress_push(in, &h, now);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct tes_ingress_cfg cfg = {
		.codec = TES_INGRESS_VP8, .au_h = on_au, .nack_h = on_nack,
		.keyframe_h = on_kf,
	};
	struct tes_ingress *in = NULL;
	uint64_t now = 5000000;

	if (!g)
		return 0;
	cfg.arg = g;
	generate(g, data, size);
	if (tes_ingress_alloc(&in, &cfg))
		goto out;

	for (size_t i = 0; i < g->n; i++) {
		const uint8_t *r = data + 4 * i;
		long k = (long)i + (int8_t)r[0] / 16;

		if ((r[0] & 15) != 15 && k >= 0 && (size_t)k < g->n)
			deliver(g, in, (size_t)k, now);
		now += (uint64_t)(r[2] >> 2) * 1000;
		tes_ingress_tick(in, now);
	}
	for (int i = 0; i < 10; i++) {
		now += 100000;
		tes_ingress_tick(in, now);
	}
	if (tes_ingress_stats(in)->frames != g->n_au)
		abort();

out:
	tes_deref(in);
	free(g);

	return 0;
}
