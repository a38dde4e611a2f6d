/**
 * @file test_record.c  Composite recordings (src/room/record.c): real
 * VP8 / H.264 frames and Opus packets from our codecs go through the
 * writer thread into WebM, Matroska and MP4; libavformat reads the files
 * back (codecs, size, packet counts, durations).  Also: no overwriting,
 * codec/container mismatches, an unwritable directory, a recording that
 * never saw a keyframe, a file read while it is still being written
 * (what a kill -9 leaves), and HLS's AAC reaching the end of the audio.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "codecs/codec.h"
#include "room/aac.h"
#include "room/record.h"
#include "test.h"

enum {
	W = 320,
	H = 180,
	FPS = 30,
	SECONDS = 3,
	AUDIO_US = 20000,
};

struct feed {
	struct tes__rec *rec;
	uint64_t pts_us;
};

static void video_au(const struct tes_au *au, void *arg)
{
	struct feed *f = arg;

	tes__rec_video(f->rec, au->data, au->len, au->keyframe, f->pts_us);
}

static void tmp_path(char *buf, size_t len, const char *ext)
{
	snprintf(buf, len, "/tmp/tes-rec-%d-%u.%s", (int)getpid(),
		 (unsigned)rand(), ext);
}

/* feed `seconds` of moving video and a sine, starting at t0_us */
static int feed_media(struct tes__rec *rec, const char *vcodec,
		      int seconds, uint64_t t0_us)
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
	struct feed fd = {.rec = rec};
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

			tes_frame_fill(fr, (uint8_t)(40 + k % 150), 128, 128);
			/* a moving bar so the encoder has work */
			for (int y = 0; y < H; y++)
				memset(fr->y + (size_t)y * fr->stride_y +
					       (size_t)(k * 4 % (W - 16)),
				       235, 16);
			/* after a late tick the room clock's frames are half
			 * a frame off the file's grid, +-1 ms: rounded to
			 * milliseconds, two would share a frame slot */
			int64_t jit = vk ? 16667 + 1000 -
						   (int64_t)(vk * 7919 % 3) * 1000
					 : 0;

			fd.pts_us = t0_us + (uint64_t)((int64_t)t_v + jit);
			if (vc->encode(ve, fr, false, video_au, &fd))
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
			tes__rec_audio(rec, pkt, (size_t)n, t0_us + t_a);
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

struct probe {
	enum AVCodecID vcodec;
	enum AVCodecID acodec;
	int width;
	int height;
	int vpkts;
	int apkts;
	double vdur;  /* seconds: last video pts - first */
	double adur;  /* seconds: last audio pts + duration - first */
	double aend;  /* seconds: end of the last audio packet after the
			 first video frame */
	int slot_dups; /* video frames in the frame slot of the previous */
};

/* read a file back packet by packet */
static int probe(const char *path, struct probe *pr)
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

static int record_and_check(enum tes__rec_fmt fmt, const char *ext,
			    const char *vcodec, enum AVCodecID want_v)
{
	struct tes__rec_params prm = {.fmt = fmt, .h264 = want_v ==
				      AV_CODEC_ID_H264, .width = W,
				      .height = H, .fps = FPS, .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct probe pr;
	char path[128];

	tmp_path(path, sizeof(path), ext);
	prm.path = path;
	TEST_OK(tes__rec_alloc(&rec, &prm));
	/* a room clock far from zero: the file starts at its keyframe */
	TEST_OK(feed_media(rec, vcodec, SECONDS, 5000000000ull));
	TEST_OK(tes__rec_stop(rec));
	tes__rec_get_info(rec, &ri);
	rec = tes_deref(rec);

	TEST_ASSERT(ri.header);
	TEST_EQ(ri.err, 0);
	TEST_EQ(ri.video_frames, SECONDS * FPS);
	TEST_EQ(ri.audio_frames, SECONDS * 50);
	TEST_ASSERT(ri.bytes > 1000);

	TEST_OK(probe(path, &pr));
	unlink(path);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  %s: v %d pkts %.3f s, a %d pkts %.3f s\n",
			ext, pr.vpkts, pr.vdur, pr.apkts, pr.adur);
	TEST_EQ(pr.vcodec, want_v);
	TEST_EQ(pr.acodec, AV_CODEC_ID_OPUS);
	TEST_EQ(pr.width, W);
	TEST_EQ(pr.height, H);
	TEST_EQ(pr.vpkts, SECONDS * FPS);
	TEST_EQ(pr.slot_dups, 0);
	TEST_EQ(pr.apkts, SECONDS * 50);
	/* the last frame starts about one frame time before the end (the
	 * half-frame offset of the input may round either way) */
	TEST_ASSERT(fabs(pr.vdur - (SECONDS - 1.0 / FPS)) < 1.0 / FPS + 0.01);
	TEST_ASSERT(fabs(pr.adur - SECONDS) < 0.03);

	return 0;
}

TES_TEST(record_webm_vp8)
{
	return record_and_check(TES__REC_WEBM, "webm", "VP8",
				AV_CODEC_ID_VP8);
}

TES_TEST(record_mkv_h264)
{
	return record_and_check(TES__REC_MKV, "mkv", "H264",
				AV_CODEC_ID_H264);
}

TES_TEST(record_mp4_h264)
{
	return record_and_check(TES__REC_MP4, "mp4", "H264",
				AV_CODEC_ID_H264);
}

TES_TEST(record_refuses)
{
	struct tes__rec_params prm = {.fmt = TES__REC_WEBM, .width = W,
				      .height = H, .fps = FPS, .channels = 1};
	struct tes__rec *rec = NULL;
	char path[128];
	FILE *f;

	tmp_path(path, sizeof(path), "webm");
	prm.path = path;

	/* an existing file is never overwritten */
	f = fopen(path, "w");
	TEST_ASSERT(f != NULL);
	fputs("keep", f);
	fclose(f);
	TEST_EQ(tes__rec_alloc(&rec, &prm), -EEXIST);
	{
		struct stat st;

		TEST_OK(stat(path, &st));
		TEST_EQ(st.st_size, 4);
	}
	unlink(path);

	/* H.264 does not go in WebM, VP8 not in our MP4 */
	prm.h264 = true;
	TEST_EQ(tes__rec_alloc(&rec, &prm), -EINVAL);
	prm.h264 = false;
	prm.fmt = TES__REC_MP4;
	TEST_EQ(tes__rec_alloc(&rec, &prm), -EINVAL);

	/* a directory that does not exist */
	prm.fmt = TES__REC_WEBM;
	prm.path = "/nonexistent-tessera-dir/x.webm";
	TEST_EQ(tes__rec_alloc(&rec, &prm), -ENOENT);
	TEST_ASSERT(rec == NULL);

	return 0;
}

/* audio alone never starts the file; stopping leaves it empty */
TES_TEST(record_no_keyframe)
{
	struct tes__rec_params prm = {.fmt = TES__REC_MKV, .width = W,
				      .height = H, .fps = FPS, .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	uint8_t pkt[3] = {0xf8, 0xff, 0xfe};
	char path[128];

	tmp_path(path, sizeof(path), "mkv");
	prm.path = path;
	TEST_OK(tes__rec_alloc(&rec, &prm));
	for (int i = 0; i < 10; i++)
		tes__rec_audio(rec, pkt, sizeof(pkt), (uint64_t)i * 20000);
	TEST_OK(tes__rec_stop(rec));
	TEST_OK(tes__rec_stop(rec));  /* twice is fine */
	tes__rec_get_info(rec, &ri);
	rec = tes_deref(rec);
	unlink(path);
	TEST_ASSERT(!ri.header);
	TEST_EQ(ri.audio_frames, 0);
	TEST_EQ(ri.dropped, 10);

	return 0;
}

/* what a kill -9 leaves: the file as written so far, before the
 * trailer, is readable and holds nearly all of the media fed */
TES_TEST(record_readable_unfinished)
{
	static const struct {
		enum tes__rec_fmt fmt;
		const char *ext;
		const char *vc;
	} cases[] = {
		{TES__REC_WEBM, "webm", "VP8"},
		{TES__REC_MP4, "mp4", "H264"},
	};

	for (size_t c = 0; c < TES_ARRAY_SIZE(cases); c++) {
		struct tes__rec_params prm = {
			.fmt = cases[c].fmt, .width = W, .height = H,
			.fps = FPS, .channels = 1, .h264 = cases[c].vc[0] == 'H'};
		struct tes__rec *rec = NULL;
		struct tes__rec_info ri;
		struct probe pr;
		char path[128];
		int tries = 0;

		tmp_path(path, sizeof(path), cases[c].ext);
		prm.path = path;
		TEST_OK(tes__rec_alloc(&rec, &prm));
		TEST_OK(feed_media(rec, cases[c].vc, SECONDS, 0));
		/* wait until the writer has written what was queued */
		do {
			usleep(20000);
			tes__rec_get_info(rec, &ri);
		} while (ri.video_frames < SECONDS * FPS && ++tries < 250);
		TEST_OK(probe(path, &pr));
		if (getenv("TES_TEST_VERBOSE"))
			fprintf(stderr, "  unfinished %s: v %d a %d, %.2f s\n",
				cases[c].ext, pr.vpkts, pr.apkts, pr.vdur);
		/* at most the open cluster / fragment (1 s) is missing */
		TEST_ASSERT(pr.vdur >= SECONDS - 1.1);
		TEST_ASSERT(pr.apkts >= (int)((SECONDS - 1.1) * 50));
		TEST_OK(tes__rec_stop(rec));
		rec = tes_deref(rec);
		unlink(path);
	}

	return 0;
}

/* a write error (here the file size limit, as a full disk would)
 * stops the recording with its reason; nothing crashes, the file holds
 * what was written before */
TES_TEST(record_write_error)
{
	struct tes__rec_params prm = {.fmt = TES__REC_MKV, .width = W,
				      .height = H, .fps = FPS, .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct rlimit old, small = {.rlim_cur = 8 * 1024};
	void (*old_sig)(int);
	char path[128];
	int err;

	tmp_path(path, sizeof(path), "mkv");
	prm.path = path;
	TEST_OK(getrlimit(RLIMIT_FSIZE, &old));
	small.rlim_max = old.rlim_max;
	old_sig = signal(SIGXFSZ, SIG_IGN);
	TEST_OK(setrlimit(RLIMIT_FSIZE, &small));

	err = tes__rec_alloc(&rec, &prm);
	if (!err)
		err = feed_media(rec, "VP8", SECONDS, 0);
	if (rec) {
		(void)tes__rec_stop(rec);
		tes__rec_get_info(rec, &ri);
	}
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_sig);
	TEST_OK(err);
	rec = tes_deref(rec);
	unlink(path);

	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  error %d: %s; %llu bytes, %llu frames\n",
			ri.err, ri.error, (unsigned long long)ri.bytes,
			(unsigned long long)ri.video_frames);
	TEST_ASSERT(ri.err < 0);
	TEST_ASSERT(ri.error[0]);
	TEST_ASSERT(!ri.running);
	TEST_ASSERT(ri.video_frames < SECONDS * FPS);

	return 0;
}

/* HLS (as FLV) carries the mix as AAC: at the stop the encoder's
 * lookahead is drained before the trailer, so the audio reaches the end
 * of the Opus fed (not about 40 ms short of it) */
TES_TEST(record_hls_audio_end)
{
	struct tes__rec_params prm = {.fmt = TES__REC_HLS, .h264 = true,
				      .width = W, .height = H, .fps = FPS,
				      .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct dirent *de;
	struct probe pr;
	char dir[128], path[160];
	DIR *d;
	int ret;

	tmp_path(dir, sizeof(dir), "hls");
	TEST_OK(mkdir(dir, 0755));
	snprintf(path, sizeof(path), "%s/index.m3u8", dir);
	prm.path = path;
	TEST_OK(tes__rec_alloc(&rec, &prm));
	TEST_OK(feed_media(rec, "H264", SECONDS, 0));
	TEST_OK(tes__rec_stop(rec));
	tes__rec_get_info(rec, &ri);
	rec = tes_deref(rec);
	ret = probe(path, &pr);

	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char f[sizeof(dir) + sizeof(de->d_name) + 1];

		snprintf(f, sizeof(f), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(f);
	}
	if (d)
		closedir(d);
	rmdir(dir);

	TEST_OK(ret);
	TEST_EQ(ri.err, 0);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  hls: v %d pkts, a %d pkts, audio ends "
			"%.4f s after the first frame\n", pr.vpkts, pr.apkts,
			pr.aend);
	TEST_EQ(pr.acodec, AV_CODEC_ID_AAC);
	TEST_EQ(pr.vpkts, SECONDS * FPS);
	/* the Opus fed ends SECONDS after the first keyframe */
	TEST_ASSERT(fabs(pr.aend - SECONDS) <= 1024.0 / 48000);

	return 0;
}

/* Opus blocks of 960 become AAC frames of 1024 on the same timeline;
 * a missing block is filled with silence, not squeezed out */
struct aac_seen {
	int n;
	int64_t first;
	int64_t last;
	int64_t end;   /* last pts + duration */
	int bad_order;
};

static int aac_count(AVPacket *pkt, void *arg)
{
	struct aac_seen *s = arg;

	if (!s->n)
		s->first = pkt->pts;
	else if (pkt->pts <= s->last)
		s->bad_order++;
	s->last = pkt->pts;
	s->end = pkt->pts + pkt->duration;
	s->n++;
	return 0;
}

TES_TEST(record_aac_from_opus)
{
	const struct tes_acodec *ac = tes_acodec_find("opus");
	struct tes_aenc_params ap = {.channels = 1, .bitrate = 32000};
	AVCodecParameters *par = avcodec_parameters_alloc();
	struct tes_aenc *ae = NULL;
	struct tes_pcm *pcm = NULL;
	struct tes__aac *aac = NULL;
	struct aac_seen seen = {0};

	TEST_ASSERT(ac && par);
	TEST_OK(ac->enc_alloc(&ae, &ap));
	TEST_OK(tes_pcm_alloc(&pcm, 1, 960));
	TEST_OK(tes__aac_alloc(&aac, 1));
	TEST_OK(tes__aac_params(aac, par));
	TEST_EQ(par->codec_id, AV_CODEC_ID_AAC);
	TEST_ASSERT(par->extradata_size >= 2);  /* AudioSpecificConfig */

	/* 2 s of blocks, starting at 10 s, with block 50 missing */
	for (int b = 0; b < 100; b++) {
		uint8_t pkt[1500];
		int n;

		for (int i = 0; i < 960; i++)
			pcm->data[i] = (int16_t)(8000 * sin(2 * M_PI * 440 *
					(b * 960 + i) / 48000.0));
		n = ac->encode(ae, pcm, pkt, sizeof(pkt));
		TEST_ASSERT(n > 0);
		if (b == 50)
			continue;
		TEST_OK(tes__aac_feed(aac, pkt, (size_t)n,
				      10000000u + (uint64_t)b * 20000u,
				      aac_count, &seen));
	}
	/* 96000 samples, the gap included, less what the encoder holds */
	TEST_ASSERT(seen.n >= 90 && seen.n <= 94);
	TEST_EQ(seen.bad_order, 0);
	TEST_EQ(seen.first, 480000 - 1024);  /* its priming frame */
	TEST_ASSERT(seen.last >= 480000 + 88 * 1024);

	/* the end: the short last frame and the encoder's lookahead come
	 * out, up to the last sample fed */
	TEST_OK(tes__aac_flush(aac, aac_count, &seen));
	TEST_OK(tes__aac_flush(aac, aac_count, &seen));  /* once is enough */
	TEST_EQ(seen.bad_order, 0);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  aac: %d packets, end %lld (fed to %d)\n",
			seen.n, (long long)seen.end, 480000 + 100 * 960);
	TEST_ASSERT(llabs(seen.end - (480000 + 100 * 960)) <= 1024);

	avcodec_parameters_free(&par);
	tes_deref(aac);
	tes_deref(ae);
	tes_deref(pcm);
	return 0;
}
