/**
 * @file aac.c  Opus to AAC-LC (see aac.h).
 *
 * Opus gives 20 ms blocks (960 samples), AAC wants 1024: decoded samples
 * wait in a small float FIFO.  The FIFO's first sample has a known media
 * time, so the AAC timestamps follow the room clock; a gap in the Opus
 * packets (a missed mix tick) is filled with silence so the audio keeps
 * its place next to the video.
 */
#include <string.h>

#include <libavutil/channel_layout.h>

#include "base/base.h"
#include "codecs/codec.h"
#include "room/aac.h"

enum {
	RATE = 48000,
	BITRATE = 64000,
	FIFO_MAX = 48000,   /* 1 s per channel */
	GAP_FILL_MAX = 48000,
};

struct tes__aac {
	AVCodecContext *enc;
	AVFrame *frame;
	AVPacket *pkt;
	const struct tes_acodec *opus;
	struct tes_adec *dec;
	int channels;
	float *fifo[2];
	int fifo_n;          /* samples per channel waiting */
	int64_t fifo_pts;    /* media time of fifo[.][0], in samples */
	bool started;
	bool flushed;        /* the end was sent to the encoder */
};

static void aac_destructor(void *data)
{
	struct tes__aac *a = data;

	avcodec_free_context(&a->enc);
	av_frame_free(&a->frame);
	av_packet_free(&a->pkt);
	tes_deref(a->dec);
	av_free(a->fifo[0]);
	av_free(a->fifo[1]);
}

int tes__aac_alloc(struct tes__aac **ap, int channels)
{
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
	struct tes__aac *a;
	int ret;

	if (!ap || channels < 1 || channels > 2)
		return -EINVAL;
	if (!codec)
		return -ENOSYS;
	a = tes_alloc(sizeof(*a), aac_destructor);
	if (!a)
		return -ENOMEM;
	a->channels = channels;
	a->opus = tes_acodec_find("opus");
	a->enc = avcodec_alloc_context3(codec);
	a->frame = av_frame_alloc();
	a->pkt = av_packet_alloc();
	for (int c = 0; c < channels; c++)
		a->fifo[c] = av_malloc(sizeof(float) * FIFO_MAX);
	if (!a->opus || !a->enc || !a->frame || !a->pkt || !a->fifo[0] ||
	    (channels == 2 && !a->fifo[1])) {
		ret = -ENOMEM;
		goto out;
	}
	ret = a->opus->dec_alloc(&a->dec, channels);
	if (ret)
		goto out;

	a->enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
	a->enc->sample_rate = RATE;
	a->enc->bit_rate = BITRATE;
	a->enc->time_base = (AVRational){1, RATE};
	av_channel_layout_default(&a->enc->ch_layout, channels);
	/* FLV (and MP4) carry the AudioSpecificConfig in the header */
	a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	ret = avcodec_open2(a->enc, codec, NULL);
	if (ret < 0)
		goto out;

	a->frame->format = AV_SAMPLE_FMT_FLTP;
	a->frame->nb_samples = a->enc->frame_size;
	a->frame->sample_rate = RATE;
	ret = av_channel_layout_copy(&a->frame->ch_layout, &a->enc->ch_layout);
	if (ret >= 0)
		ret = av_frame_get_buffer(a->frame, 0);
	if (ret >= 0)
		ret = 0;
out:
	if (ret)
		a = tes_deref(a);
	else
		*ap = a;
	return ret;
}

int tes__aac_params(struct tes__aac *a, AVCodecParameters *par)
{
	return avcodec_parameters_from_context(par, a->enc);
}

/* send one frame (NULL: the end of the stream) and hand on every packet
 * that is ready */
static int encode(struct tes__aac *a, const AVFrame *f, tes__aac_h *h,
		  void *arg)
{
	int ret = avcodec_send_frame(a->enc, f);

	if (ret < 0)
		return ret;
	while ((ret = avcodec_receive_packet(a->enc, a->pkt)) >= 0) {
		ret = h(a->pkt, arg);
		av_packet_unref(a->pkt);
		if (ret)
			return ret;
	}
	/* EAGAIN: it wants more input; EOF: all out after the end */
	return ret == AVERROR(EAGAIN) || ret == AVERROR_EOF ? 0 : ret;
}

/* encode the first n samples of the FIFO as one frame */
static int encode_fifo(struct tes__aac *a, int n, tes__aac_h *h, void *arg)
{
	int ret = av_frame_make_writable(a->frame);

	if (ret < 0)
		return ret;
	for (int c = 0; c < a->channels; c++) {
		memcpy(a->frame->data[c], a->fifo[c],
		       sizeof(float) * (size_t)n);
		memmove(a->fifo[c], a->fifo[c] + n,
			sizeof(float) * (size_t)(a->fifo_n - n));
	}
	a->frame->nb_samples = n;
	a->frame->pts = a->fifo_pts;
	a->fifo_n -= n;
	a->fifo_pts += n;
	return encode(a, a->frame, h, arg);
}

/* encode every whole AAC frame in the FIFO */
static int drain(struct tes__aac *a, tes__aac_h *h, void *arg)
{
	int ret;

	while (a->fifo_n >= a->enc->frame_size) {
		ret = encode_fifo(a, a->enc->frame_size, h, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* append n samples per channel (interleaved int16, or silence) */
static void append(struct tes__aac *a, const int16_t *pcm, int n)
{
	n = TES_MIN(n, FIFO_MAX - a->fifo_n);
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < a->channels; c++)
			a->fifo[c][a->fifo_n + i] =
				pcm ? pcm[i * a->channels + c] / 32768.0f
				    : 0.0f;
	}
	a->fifo_n += n;
}

int tes__aac_feed(struct tes__aac *a, const uint8_t *pkt, size_t len,
		  uint64_t pts_us, tes__aac_h *h, void *arg)
{
	int64_t at = (int64_t)(pts_us * RATE / 1000000u), end;
	struct tes_pcm *pcm = NULL;
	int ret;

	ret = a->opus->decode(a->dec, pkt, len, false, &pcm);
	if (ret)
		return ret;

	if (!a->started) {
		a->started = true;
		a->fifo_pts = at;
	}
	end = a->fifo_pts + a->fifo_n;
	if (at > end && at - end <= GAP_FILL_MAX) {
		/* a missed block: silence keeps the timeline */
		append(a, NULL, (int)(at - end));
	}
	append(a, pcm->data, pcm->samples);
	tes_deref(pcm);

	return drain(a, h, arg);
}

int tes__aac_flush(struct tes__aac *a, tes__aac_h *h, void *arg)
{
	int ret;

	if (a->flushed)
		return 0;
	a->flushed = true;
	if (a->fifo_n > 0) {
		/* the last frame may be short (libavcodec's native encoder
		 * takes one); an encoder that cannot gets silence after it */
		if (!(a->enc->codec->capabilities &
		      AV_CODEC_CAP_SMALL_LAST_FRAME))
			append(a, NULL, a->enc->frame_size - a->fifo_n);
		ret = encode_fifo(a, a->fifo_n, h, arg);
		if (ret)
			return ret;
	}
	return encode(a, NULL, h, arg);
}
