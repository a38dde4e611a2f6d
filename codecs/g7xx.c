/**
 * @file g7xx.c  The telephone codecs of SIP endpoints: G.711 µ-law (PCMU)
 * and A-law (PCMA) at 8 kHz, and G.722 at 16 kHz (64 kbit/s; its RTP
 * clock is 8000 by RFC 3551's old mistake), all from spandsp.  The mix is
 * 48 kHz: speexdsp's resampler converts each way, and a small FIFO keeps
 * every 20 ms block exactly 20 ms despite the resampler's delay.  A lost
 * packet is concealed with spandsp's PLC.
 */
#include <limits.h>
#include <string.h>

#include <spandsp.h>
#include <speex/speex_resampler.h>

#include "codecs/codec.h"

enum {
	MIX_RATE = 48000,
	BLOCK_MS = 20,
	MIX_BLOCK = MIX_RATE / 1000 * BLOCK_MS,     /* 960 */
	MAX_BLOCK = 16000 / 1000 * BLOCK_MS,        /* 320: G.722's */
	RESAMPLE_QUALITY = 3,   /* speexdsp 0..10: VoIP grade, cheap */
	FIFO_MAX = MIX_BLOCK + 64,
};

enum kind { G711U, G711A, G722 };

/* Samples that came out of a resampler, waiting to make whole blocks. */
struct fifo {
	int16_t s[FIFO_MAX];
	int n;
};

struct tes_aenc {
	enum kind kind;
	int rate;                    /* the codec's sample rate */
	SpeexResamplerState *rs;     /* 48 kHz -> rate */
	struct fifo f;
	g711_state_t *g711;
	g722_encode_state_t *g722;
};

struct tes_adec {
	enum kind kind;
	int rate;
	int channels;                /* of the PCM we give out */
	SpeexResamplerState *rs;     /* rate -> 48 kHz */
	struct fifo f;
	g711_state_t *g711;
	g722_decode_state_t *g722;
	plc_state_t *plc;
};

static int rate_of(enum kind k)
{
	return k == G722 ? 16000 : 8000;
}

/* Resample in[0..n) and append to f; then take exactly want samples
 * (zeros in front while the resampler's delay has not filled it) */
static void through(SpeexResamplerState *rs, struct fifo *f,
		    const int16_t *in, int n, int16_t *out, int want)
{
	spx_uint32_t in_len = (spx_uint32_t)n;
	spx_uint32_t out_len = (spx_uint32_t)(FIFO_MAX - f->n);
	int lack;

	speex_resampler_process_int(rs, 0, in, &in_len, f->s + f->n,
				    &out_len);
	f->n += (int)out_len;
	lack = want - f->n;
	if (lack > 0) {
		memset(out, 0, (size_t)lack * sizeof(*out));
		memcpy(out + lack, f->s, (size_t)f->n * sizeof(*out));
		f->n = 0;
		return;
	}
	memcpy(out, f->s, (size_t)want * sizeof(*out));
	f->n -= want;
	memmove(f->s, f->s + want, (size_t)f->n * sizeof(*out));
}

static void enc_free(void *data)
{
	struct tes_aenc *e = data;

	if (e->rs)
		speex_resampler_destroy(e->rs);
	if (e->g711)
		g711_free(e->g711);
	if (e->g722)
		g722_encode_free(e->g722);
}

static int enc_alloc(struct tes_aenc **ep, const struct tes_aenc_params *prm,
		     enum kind kind)
{
	struct tes_aenc *e;
	int err = 0;

	if (!ep || !prm || prm->channels < 1 || prm->channels > 2)
		return -EINVAL;
	e = tes_alloc(sizeof(*e), enc_free);
	if (!e)
		return -ENOMEM;
	e->kind = kind;
	e->rate = rate_of(kind);
	e->rs = speex_resampler_init(1, MIX_RATE, (spx_uint32_t)e->rate,
				     RESAMPLE_QUALITY, &err);
	if (kind == G722)
		e->g722 = g722_encode_init(NULL, 64000, 0);
	else
		e->g711 = g711_init(NULL, kind == G711U ? G711_ULAW
							: G711_ALAW);
	if (!e->rs || err || (!e->g711 && !e->g722)) {
		tes_deref(e);
		return -ENOMEM;
	}
	*ep = e;

	return 0;
}

static int encode(struct tes_aenc *e, const struct tes_pcm *pcm,
		  uint8_t *out, size_t cap)
{
	int16_t mono[MIX_BLOCK], rs[MAX_BLOCK];
	int want = e->rate / 1000 * BLOCK_MS;

	if (!pcm || !out || pcm->samples != MIX_BLOCK ||
	    pcm->channels < 1 || pcm->channels > 2)
		return -EINVAL;
	/* G.711: a byte a sample; G.722 at 64 kbit/s: a byte per two */
	if (cap < (size_t)(e->kind == G722 ? want / 2 : want))
		return -ENOBUFS;

	for (int i = 0; i < MIX_BLOCK; i++)
		mono[i] = pcm->channels == 1
				  ? pcm->data[i]
				  : (int16_t)((pcm->data[2 * i] +
					       pcm->data[2 * i + 1]) / 2);
	through(e->rs, &e->f, mono, MIX_BLOCK, rs, want);

	return e->kind == G722 ? g722_encode(e->g722, out, rs, want)
			       : g711_encode(e->g711, out, rs, want);
}

static void dec_free(void *data)
{
	struct tes_adec *d = data;

	if (d->rs)
		speex_resampler_destroy(d->rs);
	if (d->g711)
		g711_free(d->g711);
	if (d->g722)
		g722_decode_free(d->g722);
	if (d->plc)
		plc_free(d->plc);
}

static int dec_alloc(struct tes_adec **dp, int channels, enum kind kind)
{
	struct tes_adec *d;
	int err = 0;

	if (!dp || channels < 1 || channels > 2)
		return -EINVAL;
	d = tes_alloc(sizeof(*d), dec_free);
	if (!d)
		return -ENOMEM;
	d->kind = kind;
	d->rate = rate_of(kind);
	d->channels = channels;
	d->rs = speex_resampler_init(1, (spx_uint32_t)d->rate, MIX_RATE,
				     RESAMPLE_QUALITY, &err);
	d->plc = plc_init(NULL);
	if (kind == G722)
		d->g722 = g722_decode_init(NULL, 64000, 0);
	else
		d->g711 = g711_init(NULL, kind == G711U ? G711_ULAW
							: G711_ALAW);
	if (!d->rs || err || !d->plc || (!d->g711 && !d->g722)) {
		tes_deref(d);
		return -ENOMEM;
	}
	*dp = d;

	return 0;
}

static int decode(struct tes_adec *d, const uint8_t *pkt, size_t len,
		  bool fec, struct tes_pcm **pp)
{
	int16_t pcm[MAX_BLOCK], up[MIX_BLOCK];
	int want = d->rate / 1000 * BLOCK_MS, n;
	struct tes_pcm *out;
	int err;

	/* no in-band FEC in these codecs: a FEC decode is a concealment */
	if (!pp || fec)
		pkt = NULL;
	if (!pp)
		return -EINVAL;

	if (pkt) {
		/* 20 ms is all we take (a longer packet would overrun) */
		size_t bytes = d->kind == G722 ? (size_t)want / 2
					       : (size_t)want;

		if (!len)
			return -EBADMSG;
		n = d->kind == G722
			    ? g722_decode(d->g722, pcm, pkt,
					  (int)TES_MIN(len, bytes))
			    : g711_decode(d->g711, pcm, pkt,
					  (int)TES_MIN(len, bytes));
		if (n < want)
			memset(pcm + n, 0, (size_t)(want - n) * sizeof(*pcm));
		plc_rx(d->plc, pcm, want);
	}
	else {
		plc_fillin(d->plc, pcm, want);
	}
	through(d->rs, &d->f, pcm, want, up, MIX_BLOCK);

	err = tes_pcm_alloc(&out, d->channels, MIX_BLOCK);
	if (err)
		return err;
	for (int i = 0; i < MIX_BLOCK; i++) {
		for (int c = 0; c < d->channels; c++)
			out->data[i * d->channels + c] = up[i];
	}
	*pp = out;

	return 0;
}

/* G.711: a byte a sample at 8 kHz; G.722 at 64 kbit/s: a byte per two
 * samples at 16 kHz, so a byte per tick of its 8000 RTP clock too */
static int duration(const uint8_t *pkt, size_t len)
{
	return pkt && len && len <= INT_MAX ? (int)len : -EBADMSG;
}

#define G7XX(sym, sdp_name, k)                                                \
	static int sym##_enc_alloc(struct tes_aenc **ep,                      \
				   const struct tes_aenc_params *prm)         \
	{                                                                     \
		return enc_alloc(ep, prm, k);                                 \
	}                                                                     \
	static int sym##_dec_alloc(struct tes_adec **dp, int channels)        \
	{                                                                     \
		return dec_alloc(dp, channels, k);                            \
	}                                                                     \
	const struct tes_acodec tes__acodec_##sym = {                         \
		.name = sdp_name,                                             \
		.clock = 8000,                                                \
		.block_bytes = 8000 / 1000 * BLOCK_MS,                        \
		.duration = duration,                                         \
		.enc_alloc = sym##_enc_alloc,                                 \
		.encode = encode,                                             \
		.dec_alloc = sym##_dec_alloc,                                 \
		.decode = decode,                                             \
	}

G7XX(pcmu, "PCMU", G711U);
G7XX(pcma, "PCMA", G711A);
G7XX(g722, "G722", G722);
