/**
 * @file fuzz_opus.c  libFuzzer harness for the Opus receive path: RTP
 * packets carrying an RFC 6464 audio level element are written with
 * tes_rtp_build, parsed back with tes_rtp_parse and pushed into an Opus
 * ingress stream (reordered, duplicated, lost, on a fake clock); the
 * access units that come out are decoded as the mixer does (PLC for a
 * loss, the in-band FEC copy, then the packet itself).
 *
 * Record: ctl (bits 0-2 sequence step + 2, bit 3 audio level element,
 * bit 4 another element before it, bits 5-7 clock advance in 5 ms), level
 * byte (V bit, level), length byte (& 63), payload (the Opus packet; empty
 * is a filler).  A sequence number sent again carries what it carried the
 * first time, as a retransmission does.
 *
 * Checks: every access unit is one packet that was sent, with its
 * timestamp, payload, level and V bit; units come out in sequence order
 * with lost_before counting exactly the holes between them (unless the
 * sender fell far behind, which may restart the stream); the stream counts
 * the units it emitted; the level byte round-trips through
 * tes_audio_level_parse / tes_audio_level_make; tes_opus_packetize sends
 * the packet whole or refuses it; decoding gives 20 ms for PLC and FEC
 * and the packet's own duration (at most 120 ms) for the packet.
 */
#include <opus/opus.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/frame.h"
#include "codecs/codec.h"
#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	LEVEL_ID = 1,         /* extension ID of the audio level element */
	OTHER_ID = 5,         /* another element, to be skipped */
	SEQ_BASE = 65500,     /* wraps within a few records */
	FAR_BEHIND = 16,      /* the ingress's audio window: a packet this
				 far behind may restart the stream */
	MAX_DECODE = 6,       /* access units decoded per input (speed) */
	MAX_SAMPLES = 5760,   /* 120 ms at 48 kHz: the longest packet */
	PKT_MAX = TES_RTP_HDR_LEN + 4 + 2 * 4 + 63,
};

/* what was sent with one sequence number */
struct sent {
	uint32_t gen;         /* == run: set in this input */
	int32_t ext;          /* extended sequence number */
	const uint8_t *payload;
	uint8_t len;
	bool has_level;
	uint8_t level;        /* the element byte */
};

struct run {
	struct sent *tab;     /* by 16-bit sequence number */
	uint32_t gen;
	int32_t highest;      /* highest extended number pushed */
	bool far;             /* a packet FAR_BEHIND since the last unit */
	bool far_push;        /* pushing such a packet now */
	bool have_prev;
	int32_t prev;         /* extended number of the last unit */
	unsigned n_au;
	struct tes_adec *dec;  /* one for the whole run, see below */
	const struct tes_acodec *codec;
};

static uint32_t ts_of(int32_t ext)
{
	return 0x10000000u + (uint32_t)ext * 960u;
}

static const struct sent *sent_at(const struct run *r, int32_t ext)
{
	const struct sent *s = &r->tab[(uint16_t)(SEQ_BASE + ext)];

	return s->gen == r->gen && s->ext == ext ? s : NULL;
}

static void check_decode(struct run *r, const struct tes_ingress_au *au)
{
	struct tes_pcm *pcm = NULL;
	int nb, err;

	if (au->lost_before) {
		/* concealment, then the FEC copy the packet may carry */
		if (r->codec->decode(r->dec, NULL, 0, false, &pcm) ||
		    pcm->channels != 1 ||
		    pcm->samples != TES_AUDIO_FRAME_SAMPLES)
			abort();
		pcm = tes_deref(pcm);
		err = r->codec->decode(r->dec, au->data, au->len, true, &pcm);
		if (err ? err != -EBADMSG || pcm
			: pcm->samples != TES_AUDIO_FRAME_SAMPLES)
			abort();
		pcm = tes_deref(pcm);
	}

	nb = opus_packet_get_nb_samples(au->data, (opus_int32)au->len,
					TES_AUDIO_RATE);
	err = r->codec->decode(r->dec, au->data, au->len, false, &pcm);
	if (err) {
		if (err != -EBADMSG || pcm)
			abort();
		return;
	}
	if (nb <= 0 || nb > MAX_SAMPLES || pcm->samples != nb ||
	    pcm->channels != 1)
		abort();
	tes_deref(pcm);
}

static void on_au(struct tes_ingress_au *au, void *arg)
{
	struct run *r = arg;
	const struct sent *s;
	int32_t ext;

	if (au->first_seq != au->last_seq || !au->keyframe || !au->len)
		abort();
	s = &r->tab[au->first_seq];
	if (s->gen != r->gen)
		abort();  /* never sent */
	ext = s->ext;
	if (au->len != s->len || memcmp(au->data, s->payload, s->len) ||
	    au->ts != ts_of(ext))
		abort();
	if (s->has_level ? au->audio_level != (s->level & 0x7f) ||
			   au->voice != (s->level >> 7)
			 : au->audio_level != -1 || au->voice)
		abort();

	if (r->have_prev && !r->far) {
		uint32_t holes = 0, fillers = 0;

		if (ext <= r->prev)
			abort();  /* out of order, or twice */
		for (int32_t e = r->prev + 1; e < ext; e++) {
			const struct sent *h = sent_at(r, e);

			holes++;
			fillers += h && !h->len;
		}
		/* a filler that came in time is no loss; one that came late
		 * (or never) is */
		if (au->lost_before > holes || au->lost_before + fillers < holes)
			abort();
	}
	r->have_prev = true;
	r->prev = ext;
	/* a restart emits what it had, then the new timeline: skip the
	 * checks for every unit of that push and the next one */
	r->far = r->far_push;

	if (r->n_au++ < MAX_DECODE)
		check_decode(r, au);
	tes_deref(au);
}

struct want {
	const uint8_t *p;
	size_t len;
	unsigned calls;
};

static int on_pkt(const uint8_t *p, size_t len, bool marker, void *arg)
{
	struct want *w = arg;

	if (p != w->p || len != w->len || marker || w->calls++)
		abort();

	return 7;
}

static void check_level_and_packetize(const uint8_t *pay, size_t len,
				      uint8_t level, size_t max)
{
	struct want w = {.p = pay, .len = len};
	bool voice;
	uint8_t lv;
	int err;

	if (tes_audio_level_parse(&level, 1, &voice, &lv) || lv > 127 ||
	    tes_audio_level_make(voice, lv) != level ||
	    tes_audio_level_parse(&level, 0, &voice, &lv) != -EBADMSG)
		abort();
	if (tes_audio_level_make(voice, (uint8_t)(lv | 0x80)) !=
	    (uint8_t)(level | 0x7f))
		abort();  /* too quiet clamps to 127 */

	err = tes_opus_packetize(pay, len, max, on_pkt, &w);
	if (!len ? err != -EINVAL || w.calls
		 : len > max ? err != -EMSGSIZE || w.calls
			     : err != 7 || w.calls != 1)
		abort();
}

static void push(struct run *r, struct tes_ingress *in, int32_t ext,
		 const uint8_t *rec, uint64_t now)
{
	struct sent *s = &r->tab[(uint16_t)(SEQ_BASE + ext)];
	struct tes_rtp_ext_elem el[2];
	struct tes_rtp_hdr h, p;
	uint8_t *buf;
	size_t n_el = 0;
	int n;

	if (s->gen != r->gen || s->ext != ext) {
		/* first time: what this number carries from now on */
		s->gen = r->gen;
		s->ext = ext;
		s->payload = rec + 3;
		s->len = rec[2] & 63;
		s->has_level = rec[0] & 8;
		s->level = rec[1];
	}

	if (rec[0] & 16)
		el[n_el++] = (struct tes_rtp_ext_elem){OTHER_ID, 2, rec};
	if (s->has_level)
		el[n_el++] = (struct tes_rtp_ext_elem){LEVEL_ID, 1, &s->level};

	memset(&h, 0, sizeof(h));
	h.pt = 111;
	h.seq = (uint16_t)(SEQ_BASE + ext);
	h.ts = ts_of(ext);
	h.ssrc = 0x0a0b0c0d;
	/* exact size, so ASan sees any read past the packet */
	buf = malloc(PKT_MAX);
	if (!buf)
		return;
	n = tes_rtp_build(buf, PKT_MAX, &h, el, n_el, s->payload, s->len);
	if (n <= 0 || tes_rtp_parse(&p, buf, (size_t)n) ||
	    p.seq != h.seq || p.payload_len != s->len)
		abort();
	tes_ingress_push(in, &p, now);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sent tab[65536];
	static uint32_t gen;
	/*
	 * libopus runs cpuid in every decoder init, and cpuid traps in a
	 * virtual machine (about a millisecond each here): one decoder for
	 * the whole run.  What it carries over changes the PCM only, which
	 * the checks do not look at.
	 */
	static struct tes_adec *dec;
	struct run r = {.tab = tab, .gen = ++gen,
			.codec = tes_acodec_find("opus")};
	struct tes_ingress_cfg cfg = {
		.codec = TES_INGRESS_OPUS, .au_h = on_au, .arg = &r,
		.audio_level_id = LEVEL_ID,
	};
	struct tes_ingress *in;
	uint64_t now = 1000000;
	int32_t ext = 0;
	unsigned pushed = 0;
	size_t off = 0;

	if (!r.codec || (!dec && r.codec->dec_alloc(&dec, 1)) ||
	    tes_ingress_alloc(&in, &cfg))
		abort();
	r.dec = dec;
	r.highest = 0;

	while (size - off >= 3) {
		const uint8_t *rec = data + off;
		size_t len = TES_MIN((size_t)(rec[2] & 63), size - off - 3);

		if (pushed)
			ext += (rec[0] & 7) - 2;
		if (len != (size_t)(rec[2] & 63))
			break;  /* a cut record is not sent */
		check_level_and_packetize(rec + 3, len, rec[1], rec[1] & 63);
		r.far_push = r.highest - ext >= FAR_BEHIND;
		r.far |= r.far_push;
		r.highest = TES_MAX(r.highest, ext);
		push(&r, in, ext, rec, now);
		r.far_push = false;
		pushed++;
		off += 3 + len;
		now += (uint64_t)(rec[0] >> 5) * 5000;
		tes_ingress_tick(in, now);
	}
	for (int i = 0; i < 5; i++) {
		now += 100000;
		tes_ingress_tick(in, now);
	}

	if (tes_ingress_stats(in)->frames != r.n_au ||
	    tes_ingress_stats(in)->packets != pushed)
		abort();
	tes_deref(in);

	return 0;
}
