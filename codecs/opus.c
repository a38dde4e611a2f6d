/**
 * @file opus.c  Opus encoder and decoder on libopus: 48 kHz, 20 ms
 * blocks, VoIP tuning, optional in-band FEC.
 */
#include <limits.h>

#include <opus/opus.h>

#include "codecs/codec.h"

enum {
	OPUS_BITRATE_DEFAULT = 32000,
	OPUS_COMPLEXITY_DEFAULT = 5,
	OPUS_FEC_LOSS_PERC = 10,  /* expected loss that sizes the FEC copy */
	OPUS_MAX_SAMPLES = 5760,  /* 120 ms at 48 kHz, the longest packet */
};

/** An Opus encoder; libopus state lives in the same block. */
struct tes_aenc {
	int channels;       /**< 1 or 2 */
	OpusEncoder *enc;   /**< Points into state[] */
	_Alignas(max_align_t) uint8_t state[];  /**< opus_encoder_init'd */
};

/** An Opus decoder; libopus state lives in the same block. */
struct tes_adec {
	int channels;       /**< Output channels, 1 or 2 */
	OpusDecoder *dec;   /**< Points into state[] */
	_Alignas(max_align_t) uint8_t state[];  /**< opus_decoder_init'd */
};

/* libopus error code of a setup or encode call to negative errno */
static int opus_err(int ret)
{
	switch (ret) {
	case OPUS_BAD_ARG:
		return -EINVAL;
	case OPUS_BUFFER_TOO_SMALL:
		return -ENOBUFS;
	case OPUS_ALLOC_FAIL:
		return -ENOMEM;
	default:
		return -EPROTO;
	}
}

static int opus_enc_alloc(struct tes_aenc **ep,
			  const struct tes_aenc_params *prm)
{
	struct tes_aenc *e;
	int size, ret, err;
	int bitrate, complexity, loss;

	if (!ep || !prm || prm->channels < 1 || prm->channels > 2 ||
	    prm->bitrate < 0 || prm->complexity < 0 || prm->complexity > 10)
		return -EINVAL;

	size = opus_encoder_get_size(prm->channels);
	if (size <= 0)
		return -EINVAL;
	e = tes_alloc(sizeof(*e) + (size_t)size, NULL);
	if (!e)
		return -ENOMEM;
	e->channels = prm->channels;
	e->enc = (OpusEncoder *)e->state;

	ret = opus_encoder_init(e->enc, TES_AUDIO_RATE, prm->channels,
				OPUS_APPLICATION_VOIP);
	if (ret != OPUS_OK) {
		TES_LOGE("opus", "encoder init (%d ch): %s", prm->channels,
			 opus_strerror(ret));
		err = opus_err(ret);
		goto out;
	}

	bitrate = prm->bitrate ? prm->bitrate : OPUS_BITRATE_DEFAULT;
	complexity = prm->complexity ? prm->complexity :
				       OPUS_COMPLEXITY_DEFAULT;
	ret = opus_encoder_ctl(e->enc, OPUS_SET_BITRATE(bitrate));
	if (ret == OPUS_OK)
		ret = opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY(complexity));
	if (ret == OPUS_OK)
		ret = opus_encoder_ctl(e->enc,
				       OPUS_SET_INBAND_FEC(prm->fec ? 1 : 0));
	/* FEC is only sent when the encoder expects loss */
	loss = prm->fec ? OPUS_FEC_LOSS_PERC : 0;
	if (ret == OPUS_OK)
		ret = opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC(loss));
	if (ret != OPUS_OK) {
		TES_LOGE("opus", "encoder settings (%d bit/s, complexity %d):"
			 " %s", bitrate, complexity, opus_strerror(ret));
		err = opus_err(ret);
		goto out;
	}
	err = 0;
out:
	if (err)
		e = tes_deref(e);
	else
		*ep = e;
	return err;
}

static int opus_enc_encode(struct tes_aenc *e, const struct tes_pcm *pcm,
			   uint8_t *out, size_t cap)
{
	int n;

	if (!e || !pcm || !out || !cap ||
	    pcm->samples != TES_AUDIO_FRAME_SAMPLES ||
	    pcm->channels != e->channels)
		return -EINVAL;

	n = opus_encode(e->enc, pcm->data, pcm->samples, out,
			(opus_int32)TES_MIN(cap, (size_t)INT32_MAX));
	if (n < 0) {
		TES_LOGE("opus", "encode into %zu bytes: %s", cap,
			 opus_strerror(n));
		return opus_err(n);
	}

	return n;
}

static int opus_dec_alloc(struct tes_adec **dp, int channels)
{
	struct tes_adec *d;
	int size, ret, err;

	if (!dp || channels < 1 || channels > 2)
		return -EINVAL;

	size = opus_decoder_get_size(channels);
	if (size <= 0)
		return -EINVAL;
	d = tes_alloc(sizeof(*d) + (size_t)size, NULL);
	if (!d)
		return -ENOMEM;
	d->channels = channels;
	d->dec = (OpusDecoder *)d->state;

	ret = opus_decoder_init(d->dec, TES_AUDIO_RATE, channels);
	if (ret != OPUS_OK) {
		TES_LOGE("opus", "decoder init (%d ch): %s", channels,
			 opus_strerror(ret));
		err = opus_err(ret);
		goto out;
	}
	err = 0;
out:
	if (err)
		d = tes_deref(d);
	else
		*dp = d;
	return err;
}

/*
 * Normal packets decode to their own duration: 960 samples for the usual
 * 20 ms, but a peer may send 10, 40 or 60 ms packets and those come out
 * as a block of that length.  PLC and FEC always give 20 ms.
 */
static int opus_dec_decode(struct tes_adec *d, const uint8_t *pkt,
			   size_t len, bool fec, struct tes_pcm **pp)
{
	struct tes_pcm *p = NULL;
	int samples = TES_AUDIO_FRAME_SAMPLES;
	int n, err;

	if (!d || !pp || (pkt && (!len || len > INT32_MAX)) || (!pkt && fec))
		return -EINVAL;

	if (pkt && !fec) {
		samples = opus_packet_get_nb_samples(pkt, (opus_int32)len,
						     TES_AUDIO_RATE);
		if (samples <= 0 || samples > OPUS_MAX_SAMPLES)
			return -EBADMSG;
	}

	err = tes_pcm_alloc(&p, d->channels, samples);
	if (err)
		return err;

	/* bad packets are counted by the caller: no log line per packet */
	n = opus_decode(d->dec, pkt, pkt ? (opus_int32)len : 0, p->data,
			samples, fec ? 1 : 0);
	if (n < 0) {
		err = n == OPUS_INVALID_PACKET || n == OPUS_BUFFER_TOO_SMALL ?
			      -EBADMSG : opus_err(n);
		goto out;
	}
	p->samples = n;
	p->time_us = tes_now_us();
	err = 0;
out:
	if (err)
		p = tes_deref(p);
	else
		*pp = p;
	return err;
}

/* the TOC byte and frame count tell (RFC 6716 3.1) */
static int opus_duration(const uint8_t *pkt, size_t len)
{
	int n;

	if (!pkt || !len || len > INT32_MAX)
		return -EBADMSG;
	n = opus_packet_get_nb_samples(pkt, (opus_int32)len, TES_AUDIO_RATE);

	return n > 0 ? n : -EBADMSG;
}

/** Opus on libopus (module-private, found through tes_acodec_find) */
const struct tes_acodec tes__acodec_opus = {
	.name = "opus",
	.clock = TES_AUDIO_RATE,
	.fec = true,
	.duration = opus_duration,
	.enc_alloc = opus_enc_alloc,
	.encode = opus_enc_encode,
	.dec_alloc = opus_dec_alloc,
	.decode = opus_dec_decode,
};
