/**
 * @file test_mixrec.c  A profile's size changing under its recordings:
 * WebM and Matroska files go on across the change and decode to the end
 * with frames of both sizes; an MP4 finishes as it was and fails with the
 * reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "room/record.h"
#include "recmedia.h"
#include "test.h"

/* The profile's size changes halfway (a new encoder, starting with a
 * keyframe): WebM and Matroska go on in the same file, which decodes to
 * the end with frames of both sizes; the track header keeps the first. */
TES_TEST(record_resize_matroska)
{
	static const struct rec_case cases[] = {
		{TES__REC_WEBM, "webm", "VP8"},
		{TES__REC_MKV, "mkv", "H264"},
	};

	for (size_t c = 0; c < TES_ARRAY_SIZE(cases); c++) {
		struct tes__rec_params prm;
		struct rec_feed fd = {0};
		struct tes__rec_info ri;
		struct rec_decoded dc;
		struct rec_probe pr;
		char path[128];
		int ret;

		rec_tmp_path(path, sizeof(path), cases[c].ext);
		prm = rec_params(&cases[c], path);
		TEST_OK(tes__rec_alloc(&fd.rec, &prm));
		TEST_OK(rec_feed_sized(&fd, cases[c].vc, SECONDS, 0,
				   SECONDS * FPS / 2));
		TEST_OK(tes__rec_stop(fd.rec));
		tes__rec_get_info(fd.rec, &ri);
		fd.rec = tes_deref(fd.rec);
		ret = rec_probe(path, &pr);
		if (!ret)
			ret = rec_decode_all(path, &dc);
		unlink(path);
		TEST_OK(ret);
		if (getenv("TES_TEST_VERBOSE"))
			fprintf(stderr, "  %s: header %dx%d, %d frames %dx%d, "
				"%d %dx%d, %d other, %d errors\n",
				cases[c].ext, pr.width, pr.height, dc.first, W,
				H, dc.second, W2, H2, dc.other, dc.errors);
		TEST_EQ(ri.err, 0);
		TEST_EQ(ri.video_frames, SECONDS * FPS);
		TEST_EQ(pr.width, W);
		TEST_EQ(pr.height, H);
		TEST_EQ(pr.vpkts, SECONDS * FPS);
		TEST_EQ(dc.first, SECONDS * FPS / 2);
		TEST_EQ(dc.second, SECONDS * FPS - SECONDS * FPS / 2);
		TEST_EQ(dc.other, 0);
		TEST_EQ(dc.errors, 0);
	}

	return 0;
}

/* MP4 cannot change size within a file: a frame of another size
 * finishes the file as it was (it plays to that point) and fails the
 * recording with the reason */
TES_TEST(record_resize_mp4_fails)
{
	struct tes__rec_params prm = {.fmt = TES__REC_MP4, .h264 = true,
				      .fps = FPS, .channels = 1};
	struct rec_feed fd = {0};
	struct tes__rec_info ri;
	struct rec_decoded dc;
	char path[128];
	int ret;

	rec_tmp_path(path, sizeof(path), "mp4");
	prm.path = path;
	TEST_OK(tes__rec_alloc(&fd.rec, &prm));
	TEST_OK(rec_feed_sized(&fd, "H264", SECONDS, 0, FPS));
	TEST_ASSERT(tes__rec_stop(fd.rec) < 0);
	tes__rec_get_info(fd.rec, &ri);
	fd.rec = tes_deref(fd.rec);
	ret = rec_decode_all(path, &dc);
	unlink(path);
	TEST_OK(ret);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  mp4: %s; %d frames decoded, %d errors\n",
			ri.error, dc.first, dc.errors);
	TEST_ASSERT(strstr(ri.error, "changed size from 320x180 to "
			   "192x108"));
	TEST_EQ(ri.video_frames, FPS);
	TEST_EQ(dc.first, FPS);
	TEST_EQ(dc.second, 0);
	TEST_EQ(dc.errors, 0);

	return 0;
}
