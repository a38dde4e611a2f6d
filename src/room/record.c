/**
 * @file record.c  Composite recordings with libavformat on a writer
 * thread (see record.h).
 *
 * The loop thread appends copies of encoded packets to a queue under a
 * mutex and signals; the writer takes the whole queue at once and writes
 * it.  Only the writer touches the AVFormatContext.  The queue is
 * bounded: a writer stuck on a slow disk drops (and counts) packets
 * rather than letting memory grow.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <uv.h>

#include "base/base.h"
#include "room/aac.h"
#include "room/record.h"

enum {
	QUEUE_MAX = 1024,           /* packets waiting for the writer */
	QUEUE_BYTES_MAX = 64 << 20,
	VIDEO_TB = 90000,
	AUDIO_RATE = 48000,
	AUDIO_FRAME = 960,          /* 20 ms */
	OPUS_PRESKIP = 312,         /* libopus' lookahead at 48 kHz */
	RETRY_FIRST_MS = 1000,      /* a lost stream reconnects after 1 s, */
	RETRY_MAX_MS = 30000,       /* doubling up to 30 s */
	HLS_SEGMENT_US = 2000000,   /* HLS segments: a keyframe every 2 s */
	VHOLD_MAX_US = 2000000,     /* video waits at most this long for
				       the audio to catch up */
	OPUS_HEAD_LEN = 19,
	FLUSH_MS = 1000,            /* cluster / fragment length */
	PRE_KEY_MAX = 50,           /* audio held while the keyframe is
				       still being encoded (1 s) */
};

/* One queued packet. */
struct rec_pkt {
	struct rec_pkt *next;
	bool video;
	bool key;
	uint16_t width;     /* video: frame size */
	uint16_t height;
	uint64_t pts_us;
	size_t len;
	uint8_t data[];
};

struct tes__rec {
	struct tes__rec_params prm;
	char path[4096];
	uv_thread_t thread;
	uv_mutex_t lock;
	uv_cond_t cond;
	struct rec_pkt *head;         /* lock: queue, oldest first */
	struct rec_pkt *tail;         /* lock */
	size_t qn;                    /* lock */
	size_t qbytes;                /* lock */
	bool stop;                    /* lock: no more packets; finish */
	struct tes__rec_info info;    /* lock */
	bool sync_ok;                 /* lock and cond initialised */
	bool thread_ok;               /* writer started */
	bool joined;                  /* loop: the writer has exited */
	int result;                   /* loop: stop's return value */
	bool seen_key;                /* loop: a video keyframe was queued */
	uint64_t key_us;              /* loop: pts of the last keyframe */
	uint64_t base_us;             /* loop: pts of that keyframe */
	struct rec_pkt *pre;          /* loop: audio before it, oldest first */
	size_t pre_n;                 /* loop */
	/* writer only */
	AVFormatContext *fc;
	AVStream *vs;
	AVStream *as;
	AVPacket *pkt;
	struct tes__aac *aac;         /* FLV: the mix as AAC */
	atomic_bool want_key;         /* writer -> loop: send a keyframe */
	bool hdr_ok;                  /* the output's header is written */
	bool down;                    /* stream lost, reconnecting */
	uint64_t retry_ms;            /* when to try again */
	uint32_t backoff_ms;          /* next wait */
	uint64_t t_base;              /* media time of the output's first
					 keyframe: a stream connected again
					 starts at 0 */
	int64_t last_vk;              /* last video frame index written */
	int64_t last_v;               /* last pts written, stream units */
	int64_t last_a;
	uint64_t vframes;
	uint64_t aframes;
	uint64_t media_ms;
	struct rec_pkt *vhold;        /* video waiting for the audio to reach
					 its time, oldest first */
	struct rec_pkt *vhold_tail;
	uint64_t a_end_us;            /* end of the last audio packet seen */
};

static const char *fmt_name(enum tes__rec_fmt f)
{
	switch (f) {
	case TES__REC_WEBM: return "webm";
	case TES__REC_MKV: return "matroska";
	case TES__REC_MP4: return "mp4";
	case TES__REC_FLV: return "flv";
	case TES__REC_HLS: return "hls";
	}
	return "?";
}

/* ---- writer thread ---- */

/* the recording stops for good, with its reason */
static void fail_why(struct tes__rec *r, int err, const char *why)
{
	uv_mutex_lock(&r->lock);
	if (!r->info.err) {
		r->info.err = err;
		snprintf(r->info.error, sizeof(r->info.error), "%s", why);
	}
	r->info.running = false;
	uv_mutex_unlock(&r->lock);
	TES_LOGE("record", "%s: %s (recording stopped)", r->path, why);
}

static void fail(struct tes__rec *r, int averr, const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE] = "";
	char why[sizeof(r->info.error)];

	av_strerror(averr, msg, sizeof(msg));
	snprintf(why, sizeof(why), "%s: %s", what, msg);
	fail_why(r, averr < 0 && averr > -4096 ? averr : -EIO, why);
}

/* copy the SPS and PPS NAL units (with start codes) of an Annex B
 * keyframe: the muxers turn them into avcC */
static int h264_extradata(AVCodecParameters *par, const uint8_t *au,
			  size_t len)
{
	uint8_t *out;
	size_t n = 0, i = 0;

	out = av_mallocz(len + AV_INPUT_BUFFER_PADDING_SIZE);
	if (!out)
		return AVERROR(ENOMEM);

	while (i + 3 < len) {
		size_t start, end;
		int type;

		if (!(au[i] == 0 && au[i + 1] == 0 &&
		      (au[i + 2] == 1 || (au[i + 2] == 0 && i + 3 < len &&
					  au[i + 3] == 1)))) {
			i++;
			continue;
		}
		start = i + (au[i + 2] == 1 ? 3 : 4);
		end = start;
		while (end + 2 < len && !(au[end] == 0 && au[end + 1] == 0 &&
					  (au[end + 2] == 1 ||
					   au[end + 2] == 0)))
			end++;
		if (end + 2 >= len)
			end = len;
		if (start < len) {
			type = au[start] & 0x1f;
			if (type == 7 || type == 8) {
				static const uint8_t sc[4] = {0, 0, 0, 1};

				memcpy(out + n, sc, 4);
				memcpy(out + n + 4, au + start, end - start);
				n += 4 + end - start;
			}
		}
		i = end;
	}

	if (!n) {
		av_free(out);
		return AVERROR_INVALIDDATA;
	}
	par->extradata = out;
	par->extradata_size = (int)n;
	return 0;
}

/* the OpusHead of RFC 7845 5.1: version 1, channels, pre-skip, 48 kHz,
 * gain 0, mapping family 0 */
static int opus_extradata(AVCodecParameters *par, int channels)
{
	uint8_t *h = av_mallocz(OPUS_HEAD_LEN + AV_INPUT_BUFFER_PADDING_SIZE);

	if (!h)
		return AVERROR(ENOMEM);
	memcpy(h, "OpusHead", 8);
	h[8] = 1;
	h[9] = (uint8_t)channels;
	/* little endian, unlike the network-order helpers in base */
	h[10] = OPUS_PRESKIP & 0xff;
	h[11] = OPUS_PRESKIP >> 8;
	h[12] = AUDIO_RATE & 0xff;
	h[13] = (AUDIO_RATE >> 8) & 0xff;
	h[14] = (AUDIO_RATE >> 16) & 0xff;
	h[15] = 0;
	par->extradata = h;
	par->extradata_size = OPUS_HEAD_LEN;
	return 0;
}

/* the first keyframe is here: create the streams and write the header */
static int open_output(struct tes__rec *r, const struct rec_pkt *key)
{
	AVCodecParameters *vp, *ap;
	AVDictionary *opt = NULL;
	char ms[16];
	int ret;

	ret = avformat_alloc_output_context2(&r->fc, NULL,
					     fmt_name(r->prm.fmt), r->path);
	if (ret < 0)
		return ret;

	r->vs = avformat_new_stream(r->fc, NULL);
	r->as = avformat_new_stream(r->fc, NULL);
	if (!r->vs || !r->as)
		return AVERROR(ENOMEM);

	vp = r->vs->codecpar;
	vp->codec_type = AVMEDIA_TYPE_VIDEO;
	vp->codec_id = r->prm.h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_VP8;
	/* the first keyframe's size; Matroska's track header keeps it
	 * when the profile's size changes later (see
	 * tes__rec_fmt_resizable) */
	vp->width = key->width;
	vp->height = key->height;
	r->vs->time_base = (AVRational){1, VIDEO_TB};
	r->vs->avg_frame_rate = (AVRational){r->prm.fps, 1};
	if (r->prm.h264) {
		ret = h264_extradata(vp, key->data, key->len);
		if (ret < 0)
			return ret;
	}

	ap = r->as->codecpar;
	r->as->time_base = (AVRational){1, AUDIO_RATE};
	if (r->prm.fmt == TES__REC_FLV || r->prm.fmt == TES__REC_HLS) {
		/* FLV and HLS players take AAC, not Opus */
		ret = tes__aac_alloc(&r->aac, r->prm.channels);
		if (!ret)
			ret = tes__aac_params(r->aac, ap);
		if (ret)
			return ret;  /* -errno is AVERROR(errno) */
	}
	else {
		ap->codec_type = AVMEDIA_TYPE_AUDIO;
		ap->codec_id = AV_CODEC_ID_OPUS;
		ap->sample_rate = AUDIO_RATE;
		av_channel_layout_default(&ap->ch_layout, r->prm.channels);
		ap->initial_padding = OPUS_PRESKIP;
		ap->frame_size = AUDIO_FRAME;
		ret = opus_extradata(ap, r->prm.channels);
		if (ret < 0)
			return ret;
	}

	/* the HLS muxer opens its playlist and segments itself */
	if (r->prm.fmt != TES__REC_HLS) {
		ret = avio_open(&r->fc->pb, r->path, AVIO_FLAG_WRITE);
		if (ret < 0)
			return ret;
	}

	/* a kill -9 loses at most the last second: every packet goes to
	 * the kernel, clusters/fragments close every FLUSH_MS */
	r->fc->flags |= AVFMT_FLAG_FLUSH_PACKETS;
	snprintf(ms, sizeof(ms), "%d", FLUSH_MS);
	if (r->prm.fmt == TES__REC_MP4) {
		char us[24];

		snprintf(us, sizeof(us), "%d", FLUSH_MS * 1000);
		av_dict_set(&opt, "movflags",
			    "empty_moov+default_base_moof+frag_keyframe", 0);
		av_dict_set(&opt, "frag_duration", us, 0);
	}
	else if (r->prm.fmt == TES__REC_HLS) {
		/* segments cut on the keyframes we ask for every 2 s; the
		 * playlist slides, old segments are deleted; the trailer
		 * writes #EXT-X-ENDLIST */
		av_dict_set(&opt, "hls_time", "2", 0);
		av_dict_set(&opt, "hls_list_size", "6", 0);
		av_dict_set(&opt, "hls_flags",
			    "delete_segments+independent_segments", 0);
	}
	else if (r->prm.fmt != TES__REC_FLV) {
		av_dict_set(&opt, "cluster_time_limit", ms, 0);
	}
	ret = avformat_write_header(r->fc, &opt);
	av_dict_free(&opt);
	if (ret < 0)
		return ret;

	r->hdr_ok = true;
	r->last_v = r->last_a = r->last_vk = INT64_MIN;
	r->t_base = r->prm.fmt == TES__REC_FLV ? key->pts_us : 0;
	uv_mutex_lock(&r->lock);
	r->info.header = true;
	uv_mutex_unlock(&r->lock);
	return 0;
}

static void count_drop(struct tes__rec *r)
{
	uv_mutex_lock(&r->lock);
	r->info.dropped++;
	uv_mutex_unlock(&r->lock);
}

/* close the output without a trailer (the peer is gone) */
static void drop_output(struct tes__rec *r)
{
	if (r->fc && r->fc->pb)
		avio_closep(&r->fc->pb);
	if (r->fc)
		avformat_free_context(r->fc);
	r->fc = NULL;
	r->hdr_ok = false;
	r->aac = tes_deref(r->aac);
}

/* A stream lost its server (or never reached it): try again after a
 * back-off, starting with a keyframe.  Files fail for good instead. */
static void lost(struct tes__rec *r, int averr, const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE] = "";

	if (r->prm.fmt != TES__REC_FLV) {
		fail(r, averr, what);
		return;
	}
	drop_output(r);
	if (!r->backoff_ms)
		r->backoff_ms = RETRY_FIRST_MS;
	r->retry_ms = tes_now_ms() + r->backoff_ms;
	av_strerror(averr, msg, sizeof(msg));
	TES_LOGW("record", "%s: %s: %s (trying again in %u s)", r->path,
		 what, msg, (unsigned)(r->backoff_ms / 1000));
	r->backoff_ms = TES_MIN(r->backoff_ms * 2, RETRY_MAX_MS);
	r->down = true;
	uv_mutex_lock(&r->lock);
	r->info.down = true;
	snprintf(r->info.error, sizeof(r->info.error), "%s: %s", what, msg);
	uv_mutex_unlock(&r->lock);
}

/* while a stream is down: drop packets until the retry time, then ask
 * for a keyframe and connect on it; true when p was consumed here */
static bool while_down(struct tes__rec *r, const struct rec_pkt *p)
{
	if (!r->down)
		return false;
	if (tes_now_ms() >= r->retry_ms && p->video && p->key) {
		r->down = false;
		return false;  /* open_output() runs on this keyframe */
	}
	if (tes_now_ms() >= r->retry_ms)
		atomic_store(&r->want_key, true);
	count_drop(r);
	return true;
}

/* one AAC frame of the FLV stream */
static int aac_out(AVPacket *pkt, void *arg)
{
	struct tes__rec *r = arg;
	int ret;

	pkt->stream_index = r->as->index;
	av_packet_rescale_ts(pkt, (AVRational){1, AUDIO_RATE},
			     r->as->time_base);
	if (pkt->pts <= r->last_a)
		pkt->pts = r->last_a + 1;
	pkt->dts = pkt->pts;
	r->last_a = pkt->pts;
	ret = av_interleaved_write_frame(r->fc, pkt);
	return ret < 0 ? ret : 0;
}

static void close_output(struct tes__rec *r, bool trailer);

/* A format that cannot change size within a file (see
 * tes__rec_fmt_resizable) got a frame of another size: what was written
 * is finished as a good file and the recording fails with the reason,
 * rather than go on into a file players cannot read.  (The room refuses
 * a change while such a recording runs; this catches one already on its
 * way.) */
static int size_changed(struct tes__rec *r, const struct rec_pkt *p)
{
	char why[sizeof(r->info.error)];

	snprintf(why, sizeof(why), "the video changed size from %dx%d to "
		 "%ux%u, which %s cannot hold in one file",
		 r->vs->codecpar->width, r->vs->codecpar->height, p->width,
		 p->height, fmt_name(r->prm.fmt));
	close_output(r, true);
	fail_why(r, -EINVAL, why);
	return AVERROR(EINVAL);
}

static int write_one(struct tes__rec *r, const struct rec_pkt *p)
{
	AVStream *st;
	int64_t pts, *last;
	uint64_t t_us;
	int ret;

	if (while_down(r, p))
		return 0;
	if (!r->fc) {
		if (r->backoff_ms && (!p->video || !p->key))
			return 0;  /* reconnected: wait for the keyframe */
		ret = open_output(r, p);
		if (ret < 0) {
			lost(r, ret, r->prm.fmt == TES__REC_FLV
					     ? "cannot connect"
					     : "cannot start the file");
			return r->down ? 0 : ret;
		}
		if (r->backoff_ms) {
			TES_LOGI("record", "%s: connected again", r->path);
			r->backoff_ms = 0;
			uv_mutex_lock(&r->lock);
			r->info.down = false;
			r->info.error[0] = '\0';
			r->info.reconnects++;
			uv_mutex_unlock(&r->lock);
		}
	}

	if (p->video && (p->width != r->vs->codecpar->width ||
			 p->height != r->vs->codecpar->height) &&
	    !tes__rec_fmt_resizable(r->prm.fmt))
		return size_changed(r, p);
	if (p->pts_us < r->t_base)
		return 0;  /* audio from before a reconnection's keyframe */
	t_us = p->pts_us - r->t_base;

	if (!p->video && r->aac) {
		ret = tes__aac_feed(r->aac, p->data, p->len, t_us, aac_out, r);
		if (ret) {
			lost(r, ret, "write failed");
			return r->down ? 0 : ret;
		}
		r->aframes++;
		r->media_ms = TES_MAX(r->media_ms, p->pts_us / 1000 + 20);
		return 0;
	}

	st = p->video ? r->vs : r->as;
	last = p->video ? &r->last_v : &r->last_a;
	if (p->video) {
		/* on the profile's frame grid: tick times a little early or
		 * late would otherwise put two frames in one frame slot once
		 * rounded to Matroska's milliseconds, and players (ffmpeg's
		 * constant-rate outputs) see non-monotonic timestamps */
		int64_t k = ((int64_t)t_us * r->prm.fps + 500000) / 1000000;

		if (k <= r->last_vk)
			k = r->last_vk + 1;
		r->last_vk = k;
		pts = av_rescale_q(k, (AVRational){1, r->prm.fps},
				   st->time_base);
	}
	else {
		/* the muxer may have changed the time base in write_header */
		pts = av_rescale_q((int64_t)t_us, (AVRational){1, 1000000},
				   st->time_base);
	}
	if (pts <= *last)
		pts = *last + 1;
	*last = pts;

	av_packet_unref(r->pkt);
	r->pkt->data = (uint8_t *)p->data;
	r->pkt->size = (int)p->len;
	r->pkt->stream_index = st->index;
	r->pkt->pts = r->pkt->dts = pts;
	r->pkt->duration = p->video
				   ? av_rescale_q(1, (AVRational){1, r->prm.fps},
						  st->time_base)
				   : av_rescale_q(AUDIO_FRAME,
						  (AVRational){1, AUDIO_RATE},
						  st->time_base);
	r->pkt->flags = p->key || !p->video ? AV_PKT_FLAG_KEY : 0;

	ret = av_interleaved_write_frame(r->fc, r->pkt);
	if (ret < 0) {
		lost(r, ret, "write failed");
		return r->down ? 0 : ret;
	}

	if (p->video)
		r->vframes++;
	else
		r->aframes++;
	r->media_ms = TES_MAX(r->media_ms, p->pts_us / 1000 +
				   (p->video ? 0 : 20));
	return 0;
}

/* finish the output: the AAC encoder's last frames and the trailer (when
 * trailer is set and the header was written), then close it */
static void close_output(struct tes__rec *r, bool trailer)
{
	int ret;

	if (r->fc && r->hdr_ok && trailer && r->aac) {
		/* the AAC encoder still holds its lookahead (about 40 ms):
		 * out before the trailer, or the end of the audio is lost */
		ret = tes__aac_flush(r->aac, aac_out, r);
		if (ret) {
			fail(r, ret, "cannot finish the audio");
			trailer = false;
		}
	}
	if (r->fc && r->hdr_ok && trailer) {
		ret = av_write_trailer(r->fc);
		if (ret < 0)
			fail(r, ret, "cannot finish the file");
	}
	drop_output(r);
}

static void finish(struct tes__rec *r)
{
	bool ok;

	uv_mutex_lock(&r->lock);
	ok = !r->info.err;
	uv_mutex_unlock(&r->lock);
	close_output(r, ok);
}

/* Held video is written once the audio has reached its time: audio
 * mixes may run up to three blocks behind the video encodes, and a stop
 * would otherwise cut the audio short of the video by what was still in
 * flight.  At the end, video past the audio's end (and a frame) goes. */
static bool vhold_flush(struct tes__rec *r, bool ok, bool final)
{
	uint64_t frame_us = 1000000u / (unsigned)r->prm.fps;
	struct rec_pkt *p;

	while ((p = r->vhold)) {
		bool write = p->pts_us < r->a_end_us ||
			     r->vhold_tail->pts_us - p->pts_us >= VHOLD_MAX_US;

		if (!write && !final)
			break;
		if (!write)
			write = !r->a_end_us ||
				p->pts_us < r->a_end_us + frame_us;
		r->vhold = p->next;
		if (!r->vhold)
			r->vhold_tail = NULL;
		if (!write)
			count_drop(r);
		else if (ok && write_one(r, p) < 0)
			ok = false;
		free(p);
	}
	return ok;
}

static void writer_main(void *arg)
{
	struct tes__rec *r = arg;

	for (;;) {
		struct rec_pkt *list, *p;
		bool stop, ok;

		uv_mutex_lock(&r->lock);
		while (!r->head && !r->stop)
			uv_cond_wait(&r->cond, &r->lock);
		list = r->head;
		stop = r->stop;
		r->head = r->tail = NULL;
		r->qn = 0;
		r->qbytes = 0;
		ok = !r->info.err;
		uv_mutex_unlock(&r->lock);

		while ((p = list)) {
			list = p->next;
			p->next = NULL;
			/* the first keyframe opens the output at once */
			if (p->video && r->fc) {
				if (r->vhold_tail)
					r->vhold_tail->next = p;
				else
					r->vhold = p;
				r->vhold_tail = p;
				continue;
			}
			if (!p->video)
				r->a_end_us = TES_MAX(r->a_end_us,
						      p->pts_us + AUDIO_FRAME *
							1000000u / AUDIO_RATE);
			if (ok && write_one(r, p) < 0)
				ok = false;
			free(p);
		}
		ok = vhold_flush(r, ok, stop);

		uv_mutex_lock(&r->lock);
		r->info.video_frames = r->vframes;
		r->info.audio_frames = r->aframes;
		r->info.duration_ms = r->media_ms;
		if (r->fc && r->fc->pb)
			r->info.bytes = (uint64_t)TES_MAX(avio_tell(r->fc->pb),
							  0);
		uv_mutex_unlock(&r->lock);

		if (stop && !list)
			break;
	}

	finish(r);
	uv_mutex_lock(&r->lock);
	r->info.running = false;
	uv_mutex_unlock(&r->lock);
}

/* ---- loop thread ---- */

/* a queued copy of in (its header) and data, at pts_us */
static struct rec_pkt *pkt_new(const struct rec_pkt *in, const uint8_t *data,
			       uint64_t pts_us)
{
	struct rec_pkt *p = malloc(sizeof(*p) + in->len);

	if (p) {
		*p = *in;
		p->next = NULL;
		p->pts_us = pts_us;
		memcpy(p->data, data, in->len);
	}
	return p;
}

static void enqueue(struct tes__rec *r, struct rec_pkt *p, size_t len);

/* Before the first keyframe: audio waits (its mix is done before the
 * keyframe's encode, with later timestamps than the keyframe's tick),
 * video other than a keyframe is dropped.  Returns true when the packet
 * was taken care of here. */
static bool before_key(struct tes__rec *r, const struct rec_pkt *in,
		       const uint8_t *data)
{
	struct rec_pkt *p, **pp;

	if (r->seen_key)
		return false;
	if (!in->video) {
		p = pkt_new(in, data, in->pts_us);
		if (!p) {
			count_drop(r);
			return true;
		}
		if (r->pre_n == PRE_KEY_MAX) {
			struct rec_pkt *old = r->pre;

			r->pre = old->next;
			free(old);
			r->pre_n--;
			count_drop(r);
		}
		for (pp = &r->pre; *pp; pp = &(*pp)->next)
			;
		*pp = p;
		r->pre_n++;
		return true;
	}
	if (!in->key) {
		count_drop(r);
		return true;
	}

	/* the file starts here; held audio from this moment on joins */
	r->seen_key = true;
	r->base_us = in->pts_us;
	r->key_us = in->pts_us;
	p = pkt_new(in, data, 0);
	if (p)
		enqueue(r, p, in->len);
	else
		count_drop(r);
	while ((p = r->pre)) {
		r->pre = p->next;
		r->pre_n--;
		p->next = NULL;
		if (p->pts_us < r->base_us) {
			count_drop(r);
			free(p);
			continue;
		}
		p->pts_us -= r->base_us;
		enqueue(r, p, p->len);
	}
	return true;
}

static void push(struct tes__rec *r, const struct rec_pkt *in,
		 const uint8_t *data)
{
	struct rec_pkt *p;

	if (r->joined || !in->len || before_key(r, in, data))
		return;
	if (in->pts_us < r->base_us) {
		count_drop(r);
		return;
	}
	if (in->video && in->key)
		r->key_us = in->pts_us;
	else if (in->video && r->prm.fmt == TES__REC_HLS &&
		 in->pts_us - r->key_us >= HLS_SEGMENT_US - 100000)
		atomic_store(&r->want_key, true);

	p = pkt_new(in, data, in->pts_us - r->base_us);
	if (!p) {
		count_drop(r);
		return;
	}
	enqueue(r, p, in->len);
}

/* hand a packet to the writer, or drop it when the queue is full */
static void enqueue(struct tes__rec *r, struct rec_pkt *p, size_t len)
{
	bool drop;

	uv_mutex_lock(&r->lock);
	drop = r->stop || !r->info.running || r->qn >= QUEUE_MAX ||
	       r->qbytes + len > QUEUE_BYTES_MAX;
	if (drop) {
		r->info.dropped++;
	}
	else {
		if (r->tail)
			r->tail->next = p;
		else
			r->head = p;
		r->tail = p;
		r->qn++;
		r->qbytes += len;
		uv_cond_signal(&r->cond);
	}
	uv_mutex_unlock(&r->lock);
	if (drop)
		free(p);
}

void tes__rec_video(struct tes__rec *r, const uint8_t *au, size_t len,
		    bool key, int width, int height, uint64_t pts_us)
{
	struct rec_pkt in = {.video = true, .key = key, .len = len,
			     .width = (uint16_t)width,
			     .height = (uint16_t)height, .pts_us = pts_us};

	push(r, &in, au);
}

void tes__rec_audio(struct tes__rec *r, const uint8_t *pkt, size_t len,
		    uint64_t pts_us)
{
	struct rec_pkt in = {.key = true, .len = len, .pts_us = pts_us};

	push(r, &in, pkt);
}

bool tes__rec_fmt_resizable(enum tes__rec_fmt fmt)
{
	/* Matroska and WebM follow a change of size on a keyframe: a VP8
	 * keyframe carries its size, and an H.264 IDR its SPS and PPS
	 * (the encoder repeats them with every IDR, the muxer keeps them
	 * in the block), so decoders reconfigure there.  The track header
	 * goes on naming the first size; players take it as a hint and
	 * ffmpeg decodes the whole file.
	 * MP4: the sample entry (avcC with the first SPS) and the track
	 * header's size are written once, and libavformat's mov muxer
	 * cannot add a second sample entry mid-file; players that trust
	 * avcC would decode the new frames with the old SPS.
	 * FLV: onMetaData and the AVC sequence header go out once per
	 * connection; whether an ingest server and its viewers follow a
	 * second sequence header mid-stream is up to them, and we would
	 * not see it if they did not.
	 * HLS: segments of a new size need #EXT-X-DISCONTINUITY before
	 * them, which libavformat's hls muxer cannot put mid-stream. */
	return fmt == TES__REC_WEBM || fmt == TES__REC_MKV;
}

int tes__rec_stop(struct tes__rec *r)
{
	if (r->joined || !r->thread_ok)
		return r->result;

	/* audio still held for a keyframe that never came */
	while (r->pre) {
		struct rec_pkt *p = r->pre;

		r->pre = p->next;
		r->pre_n--;
		free(p);
		count_drop(r);
	}

	uv_mutex_lock(&r->lock);
	r->stop = true;
	uv_cond_signal(&r->cond);
	uv_mutex_unlock(&r->lock);
	uv_thread_join(&r->thread);
	r->joined = true;

	uv_mutex_lock(&r->lock);
	r->result = r->info.err;
	uv_mutex_unlock(&r->lock);

	return r->result;
}

bool tes__rec_take_key(struct tes__rec *r)
{
	return atomic_exchange(&r->want_key, false);
}

void tes__rec_get_info(struct tes__rec *r, struct tes__rec_info *ri)
{
	uv_mutex_lock(&r->lock);
	*ri = r->info;
	uv_mutex_unlock(&r->lock);
}

static void rec_destructor(void *data)
{
	struct tes__rec *r = data;

	(void)tes__rec_stop(r);
	while (r->head) {
		struct rec_pkt *p = r->head;

		r->head = p->next;
		free(p);
	}
	while (r->pre) {
		struct rec_pkt *p = r->pre;

		r->pre = p->next;
		free(p);
	}
	while (r->vhold) {
		struct rec_pkt *p = r->vhold;

		r->vhold = p->next;
		free(p);
	}
	av_packet_free(&r->pkt);
	if (r->sync_ok) {
		uv_cond_destroy(&r->cond);
		uv_mutex_destroy(&r->lock);
	}
}

int tes__rec_alloc(struct tes__rec **rp, const struct tes__rec_params *prm)
{
	struct tes__rec *r;
	int fd, err;

	if (!rp || !prm || !prm->path || prm->fps < 1 || prm->fps > 240 ||
	    prm->channels < 1 || prm->channels > 2 ||
	    strlen(prm->path) >= sizeof(r->path) ||
	    (prm->fmt == TES__REC_WEBM && prm->h264) ||
	    (prm->fmt == TES__REC_MP4 && !prm->h264) ||
	    (prm->fmt == TES__REC_FLV &&
	     (!prm->h264 || strncmp(prm->path, "rtmp://", 7))) ||
	    (prm->fmt == TES__REC_HLS && !prm->h264))
		return -EINVAL;

	if (prm->fmt == TES__REC_FLV || prm->fmt == TES__REC_HLS) {
		avformat_network_init();
	}
	else {
		/* never overwrite: the file must be new */
		fd = open(prm->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}

	r = tes_alloc(sizeof(*r), rec_destructor);
	if (!r) {
		err = -ENOMEM;
		goto out;
	}
	r->prm = *prm;
	snprintf(r->path, sizeof(r->path), "%s", prm->path);
	r->prm.path = r->path;
	r->info.running = true;
	r->pkt = av_packet_alloc();
	if (!r->pkt) {
		err = -ENOMEM;
		goto out;
	}
	if (uv_mutex_init(&r->lock)) {
		err = -ENOMEM;
		goto out;
	}
	if (uv_cond_init(&r->cond)) {
		uv_mutex_destroy(&r->lock);
		err = -ENOMEM;
		goto out;
	}
	r->sync_ok = true;
	err = uv_thread_create(&r->thread, writer_main, r);
	if (err)
		goto out;
	r->thread_ok = true;

	TES_LOGI("record", "%s: recording (%s, %s + %s)", r->path,
		 fmt_name(prm->fmt), prm->h264 ? "H.264" : "VP8",
		 r->prm.fmt == TES__REC_FLV || r->prm.fmt == TES__REC_HLS
			 ? "AAC" : "Opus");
out:
	if (err) {
		r = tes_deref(r);
		if (prm->fmt != TES__REC_FLV && prm->fmt != TES__REC_HLS)
			unlink(prm->path);
	}
	else {
		*rp = r;
	}
	return err;
}
