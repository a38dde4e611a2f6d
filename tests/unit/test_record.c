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
#include "recmedia.h"
#include "test.h"

static int record_and_check(enum tes__rec_fmt fmt, const char *ext,
			    const char *vcodec, enum AVCodecID want_v)
{
	struct tes__rec_params prm = {.fmt = fmt, .h264 = want_v ==
				      AV_CODEC_ID_H264, .fps = FPS,
				      .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct rec_probe pr;
	char path[128];

	rec_tmp_path(path, sizeof(path), ext);
	prm.path = path;
	TEST_OK(tes__rec_alloc(&rec, &prm));
	/* a room clock far from zero: the file starts at its keyframe */
	TEST_OK(rec_feed_media(rec, vcodec, SECONDS, 5000000000ull));
	TEST_OK(tes__rec_stop(rec));
	tes__rec_get_info(rec, &ri);
	rec = tes_deref(rec);

	TEST_ASSERT(ri.header);
	TEST_EQ(ri.err, 0);
	TEST_EQ(ri.video_frames, SECONDS * FPS);
	TEST_EQ(ri.audio_frames, SECONDS * 50);
	TEST_ASSERT(ri.bytes > 1000);

	TEST_OK(rec_probe(path, &pr));
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
	struct tes__rec_params prm = {.fmt = TES__REC_WEBM, .fps = FPS,
				      .channels = 1};
	struct tes__rec *rec = NULL;
	char path[128];
	FILE *f;

	rec_tmp_path(path, sizeof(path), "webm");
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
	struct tes__rec_params prm = {.fmt = TES__REC_MKV, .fps = FPS,
				      .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	uint8_t pkt[3] = {0xf8, 0xff, 0xfe};
	char path[128];

	rec_tmp_path(path, sizeof(path), "mkv");
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
	static const struct rec_case cases[] = {
		{TES__REC_WEBM, "webm", "VP8"},
		{TES__REC_MP4, "mp4", "H264"},
	};

	for (size_t c = 0; c < TES_ARRAY_SIZE(cases); c++) {
		struct tes__rec_params prm;
		struct tes__rec *rec = NULL;
		struct tes__rec_info ri;
		struct rec_probe pr;
		char path[128];
		int tries = 0;

		rec_tmp_path(path, sizeof(path), cases[c].ext);
		prm = rec_params(&cases[c], path);
		TEST_OK(tes__rec_alloc(&rec, &prm));
		TEST_OK(rec_feed_media(rec, cases[c].vc, SECONDS, 0));
		/* wait until the writer has written what was queued */
		do {
			usleep(20000);
			tes__rec_get_info(rec, &ri);
		} while (ri.video_frames < SECONDS * FPS && ++tries < 250);
		TEST_OK(rec_probe(path, &pr));
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
	struct tes__rec_params prm = {.fmt = TES__REC_MKV, .fps = FPS,
				      .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct rlimit old, small = {.rlim_cur = 8 * 1024};
	void (*old_sig)(int);
	char path[128];
	int err;

	rec_tmp_path(path, sizeof(path), "mkv");
	prm.path = path;
	TEST_OK(getrlimit(RLIMIT_FSIZE, &old));
	small.rlim_max = old.rlim_max;
	old_sig = signal(SIGXFSZ, SIG_IGN);
	TEST_OK(setrlimit(RLIMIT_FSIZE, &small));

	err = tes__rec_alloc(&rec, &prm);
	if (!err)
		err = rec_feed_media(rec, "VP8", SECONDS, 0);
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
				      .fps = FPS, .channels = 1};
	struct tes__rec *rec = NULL;
	struct tes__rec_info ri;
	struct dirent *de;
	struct rec_probe pr;
	char dir[128], path[160];
	DIR *d;
	int ret;

	rec_tmp_path(dir, sizeof(dir), "hls");
	TEST_OK(mkdir(dir, 0755));
	snprintf(path, sizeof(path), "%s/index.m3u8", dir);
	prm.path = path;
	TEST_OK(tes__rec_alloc(&rec, &prm));
	TEST_OK(rec_feed_media(rec, "H264", SECONDS, 0));
	TEST_OK(tes__rec_stop(rec));
	tes__rec_get_info(rec, &ri);
	rec = tes_deref(rec);
	ret = rec_probe(path, &pr);

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
