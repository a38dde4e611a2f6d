/**
 * @file recmedia.c  Media for the recording tests (see recmedia.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>

#include "codecs/codec.h"
#include "room/record.h"
#include "room/room_int.h"
#include "recmedia.h"

static void video_au(const struct tes_au *au, void *arg)
{
	struct rec_feed *f = arg;

	if (f->rec)
		tes__rec_video(f->rec, au->data, au->len, au->keyframe,
			       f->width, f->height, f->pts_us);
	else
		tes__recs_video(f->recs, 0, au->data, au->len, au->keyframe,
				f->width, f->height, f->pts_us);
}

static void audio_pkt(struct rec_feed *f, const uint8_t *pkt, size_t len,
		      uint64_t pts_us)
{
	if (f->rec)
		tes__rec_audio(f->rec, pkt, len, pts_us);
	else
		tes__recs_audio(f->recs, pkt, len, pts_us);
}

struct tes__rec_params rec_params(const struct rec_case *c,
				  const char *path)
{
	struct tes__rec_params prm = {.path = path, .fmt = c->fmt,
				      .h264 = !strcmp(c->vc, "H264"),
				      .fps = FPS, .channels = 1};

	return prm;
}

void rec_tmp_path(char *buf, size_t len, const char *ext)
{
	snprintf(buf, len, "/tmp/tes-rec-%d-%u.%s", (int)getpid(),
		 (unsigned)rand(), ext);
}

/* feed `seconds` of moving video and a sine, starting at t0_us; from
 * video frame resize_at on (-1: never) the frames are W2 x H2, as after a
 * change of the profile's size (a new encoder, a keyframe first) */
int rec_feed_sized(struct rec_feed *fd, const char *vcodec, int seconds,
		      uint64_t t0_us, int resize_at)
{
	const struct tes_vcodec *vc = tes_vcodec_find(vcodec);
	const struct tes_acodec *ac = tes_acodec_find("opus");
	struct tes_venc_params vp = {.width = W, .height = H, .fps = FPS,
				     .bitrate_kbps = 300, .threads = 1};
	struct tes_aenc_params ap = {.channels = 1, .bitrate = 32000};
	struct tes_venc *ve = NULL;
	struct tes_aenc *ae = NULL;
	struct tes_frame *fr = NULL;
	struct tes_pcm *pcm = NULL;
	int vk = 0, ak = 0, vn = seconds * FPS, an = seconds * 50;
	int err = -1;

	if (!vc || !ac || vc->enc_alloc(&ve, &vp) || ac->enc_alloc(&ae, &ap) ||
	    tes_frame_alloc(&fr, W, H) || tes_pcm_alloc(&pcm, 1, 960))
		goto out;

	while (vk < vn || ak < an) {
		uint64_t t_v = (uint64_t)vk * 1000000u / FPS;
		uint64_t t_a = (uint64_t)ak * AUDIO_US;

		if (vk < vn && (t_v <= t_a || ak == an)) {
			int k = vk;

			if (vk == resize_at) {
				vp.width = W2;
				vp.height = H2;
				ve = tes_deref(ve);
				fr = tes_deref(fr);
				if (vc->enc_alloc(&ve, &vp) ||
				    tes_frame_alloc(&fr, W2, H2))
					goto out;
			}
			fd->width = vp.width;
			fd->height = vp.height;
			tes_frame_fill(fr, (uint8_t)(40 + k % 150), 128, 128);
			/* a moving bar so the encoder has work */
			for (int y = 0; y < vp.height; y++)
				memset(fr->y + (size_t)y * fr->stride_y +
					       (size_t)(k * 4 %
							(vp.width - 16)),
				       235, 16);
			/* after a late tick the room clock's frames are half
			 * a frame off the file's grid, +-1 ms: rounded to
			 * milliseconds, two would share a frame slot */
			int64_t jit = vk ? 16667 + 1000 -
						   (int64_t)(vk * 7919 % 3) * 1000
					 : 0;

			fd->pts_us = t0_us + (uint64_t)((int64_t)t_v + jit);
			if (vc->encode(ve, fr, false, video_au, fd))
				goto out;
			vk++;
		}
		else {
			uint8_t pkt[1500];
			int n;

			for (int i = 0; i < 960; i++)
				pcm->data[i] = (int16_t)(8000 * sin(
					2 * M_PI * 440 *
					((double)t_a / 1e6 + i / 48000.0)));
			n = ac->encode(ae, pcm, pkt, sizeof(pkt));
			if (n <= 0)
				goto out;
			audio_pkt(fd, pkt, (size_t)n, t0_us + t_a);
			ak++;
		}
	}
	err = 0;
out:
	tes_deref(ve);
	tes_deref(ae);
	tes_deref(fr);
	tes_deref(pcm);
	return err;
}

int rec_feed_media(struct tes__rec *rec, const char *vcodec,
		      int seconds, uint64_t t0_us)
{
	struct rec_feed fd = {.rec = rec};

	return rec_feed_sized(&fd, vcodec, seconds, t0_us, -1);
}


int rec_probe(const char *path, struct rec_probe *pr)
{
	AVFormatContext *fc = NULL;
	AVPacket *pkt = av_packet_alloc();
	int64_t vfirst = INT64_MIN, vlast = 0, afirst = INT64_MIN, alast = 0;
	long long slot = -1;
	int vi = -1, ai = -1, ret;

	memset(pr, 0, sizeof(*pr));
	if (!pkt)
		return -1;
	ret = avformat_open_input(&fc, path, NULL, NULL);
	if (ret < 0)
		goto out;
	ret = avformat_find_stream_info(fc, NULL);
	if (ret < 0)
		goto out;
	for (unsigned i = 0; i < fc->nb_streams; i++) {
		AVCodecParameters *p = fc->streams[i]->codecpar;

		if (p->codec_type == AVMEDIA_TYPE_VIDEO) {
			vi = (int)i;
			pr->vcodec = p->codec_id;
			pr->width = p->width;
			pr->height = p->height;
		}
		else if (p->codec_type == AVMEDIA_TYPE_AUDIO) {
			ai = (int)i;
			pr->acodec = p->codec_id;
		}
	}
	while (av_read_frame(fc, pkt) >= 0) {
		if (pkt->stream_index == vi) {
			long long s = llround((double)pkt->pts *
				av_q2d(fc->streams[vi]->time_base) * FPS);

			if (vfirst == INT64_MIN)
				vfirst = pkt->pts;
			vlast = pkt->pts;
			pr->vpkts++;
			/* what a constant-rate player sees */
			pr->slot_dups += s <= slot;
			slot = s;
		}
		else if (pkt->stream_index == ai) {
			if (afirst == INT64_MIN)
				afirst = pkt->pts;
			alast = pkt->pts + pkt->duration;
			pr->apkts++;
		}
		av_packet_unref(pkt);
	}
	if (vi >= 0 && pr->vpkts)
		pr->vdur = (double)(vlast - vfirst) *
			   av_q2d(fc->streams[vi]->time_base);
	if (ai >= 0 && pr->apkts)
		pr->adur = (double)(alast - afirst) *
			   av_q2d(fc->streams[ai]->time_base);
	if (vi >= 0 && ai >= 0 && pr->vpkts && pr->apkts)
		pr->aend = (double)alast * av_q2d(fc->streams[ai]->time_base) -
			   (double)vfirst * av_q2d(fc->streams[vi]->time_base);
	ret = 0;
out:
	avformat_close_input(&fc);
	av_packet_free(&pkt);
	return ret;
}

static int log_errors;

static void count_log(void *avcl, int level, const char *fmt, va_list vl)
{
	if (level <= AV_LOG_ERROR)
		log_errors++;
	av_log_default_callback(avcl, level, fmt, vl);
}

static void count_frames(AVCodecContext *cc, AVFrame *f,
			 struct rec_decoded *dc)
{
	int ret;

	while ((ret = avcodec_receive_frame(cc, f)) >= 0) {
		if (f->width == W && f->height == H)
			dc->first++;
		else if (f->width == W2 && f->height == H2)
			dc->second++;
		else
			dc->other++;
		if (f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT))
			dc->errors++;
		av_frame_unref(f);
	}
	if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF)
		dc->errors++;
}

int rec_decode_all(const char *path, struct rec_decoded *dc)
{
	AVFormatContext *fc = NULL;
	AVCodecContext *cc = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *f = av_frame_alloc();
	const AVCodec *codec = NULL;
	int vi, ret = -1;

	memset(dc, 0, sizeof(*dc));
	log_errors = 0;
	av_log_set_callback(count_log);
	if (!pkt || !f || avformat_open_input(&fc, path, NULL, NULL) < 0 ||
	    avformat_find_stream_info(fc, NULL) < 0)
		goto out;
	vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (vi < 0)
		goto out;
	cc = avcodec_alloc_context3(codec);
	if (!cc ||
	    avcodec_parameters_to_context(cc, fc->streams[vi]->codecpar) < 0 ||
	    avcodec_open2(cc, codec, NULL) < 0)
		goto out;
	while (av_read_frame(fc, pkt) >= 0) {
		if (pkt->stream_index == vi) {
			if (avcodec_send_packet(cc, pkt) < 0)
				dc->errors++;
			count_frames(cc, f, dc);
		}
		av_packet_unref(pkt);
	}
	if (avcodec_send_packet(cc, NULL) < 0)
		dc->errors++;
	count_frames(cc, f, dc);
	ret = 0;
out:
	av_log_set_callback(av_log_default_callback);
	dc->errors += log_errors;
	avcodec_free_context(&cc);
	avformat_close_input(&fc);
	av_packet_free(&pkt);
	av_frame_free(&f);
	return ret;
}
