/**
 * @file test_mixrec.c  A profile's size changing under its recordings:
 * WebM and Matroska files go on across the change and decode to the end
 * with frames of both sizes; an MP4 finishes as it was and fails with the
 * reason.  A room's recordings (src/room/mixrec.c) refuse the change
 * while an MP4 of the profile runs, and tell each change of state to
 * their event handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "room/record.h"
#include "room/room_int.h"
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

/* A room's recordings (mixrec.c): an event for each change of state,
 * and a size change refused while an MP4 of the profile runs */
struct rec_events {
	int n;
	struct {
		char id[TES_REC_ID_LEN + 1];
		const char *event;
		char error[160];
	} ev[16];
	char paths[2][TES_CONF_PATH_MAX + 128];
};

static void on_event(const struct tes_rec_desc *d, const char *event,
		     void *arg)
{
	struct rec_events *re = arg;

	if (re->n == (int)TES_ARRAY_SIZE(re->ev))
		return;
	memcpy(re->ev[re->n].id, d->id, sizeof(d->id));
	re->ev[re->n].event = event;
	snprintf(re->ev[re->n].error, sizeof(re->ev[0].error), "%s",
		 d->error);
	re->n++;
}

static void started(const struct tes_rec_desc *d, void *arg)
{
	struct rec_events *re = arg;

	snprintf(re->paths[re->n - 1], sizeof(re->paths[0]), "%s", d->path);
}

/* the events of one recording, "+"-joined */
static const char *events_of(const struct rec_events *re, const char *id,
			     char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < re->n; i++) {
		if (!strcmp(re->ev[i].id, id))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? "+" : "", re->ev[i].event);
	}
	return buf;
}

TES_TEST(record_events)
{
	static struct tes_conf conf;
	const struct tes_conf_profile *pc = &conf.profiles[0];
	struct rec_events re = {0};
	struct rec_feed fd = {0};
	char err[256], mkv[TES_REC_ID_LEN + 1], mp4[TES_REC_ID_LEN + 1];
	char evs[128];
	struct rec_decoded dc;
	int tries = 0, ret;

	tes_conf_defaults(&conf);
	rec_tmp_path(conf.recording_dir, sizeof(conf.recording_dir), "d");
	snprintf(conf.profiles[0].name, sizeof(conf.profiles[0].name), "p");
	snprintf(conf.profiles[0].codec, sizeof(conf.profiles[0].codec),
		 "H264");
	conf.profiles[0].fps = FPS;
	TEST_OK(tes__recs_alloc(&fd.recs, &conf, "room", &pc, 1));
	tes__recs_on_event(fd.recs, on_event, &re);

	TEST_OK(tes__recs_start(fd.recs, "p", "mkv", NULL, started, &re, err,
				sizeof(err)));
	TEST_OK(tes__recs_start(fd.recs, "p", "mp4", NULL, started, &re, err,
				sizeof(err)));
	TEST_EQ(re.n, 2);
	memcpy(mkv, re.ev[0].id, sizeof(mkv));
	memcpy(mp4, re.ev[1].id, sizeof(mp4));
	TEST_ASSERT(tes__recs_can_resize(fd.recs, 0, err, sizeof(err)) ==
		    -EBUSY);
	TEST_ASSERT(strstr(err, mp4) && strstr(err, "mp4"));

	/* the size changes anyway (as if already on its way) */
	TEST_OK(rec_feed_sized(&fd, "H264", 2, 0, FPS));
	do {
		usleep(20000);
		tes__recs_poll(fd.recs);
		events_of(&re, mp4, evs, sizeof(evs));
	} while (!strstr(evs, "failed") && ++tries < 250);
	TEST_OK(tes__recs_can_resize(fd.recs, 0, err, sizeof(err)));
	TEST_OK(tes__recs_stop(fd.recs, mkv, NULL, NULL));
	TEST_OK(tes__recs_stop(fd.recs, mp4, NULL, NULL));
	tes__recs_poll(fd.recs);   /* nothing new */

	ret = rec_decode_all(re.paths[0], &dc);
	unlink(re.paths[0]);
	unlink(re.paths[1]);
	fd.recs = tes_deref(fd.recs);
	rmdir(conf.recording_dir);
	TEST_OK(ret);
	if (getenv("TES_TEST_VERBOSE")) {
		for (int i = 0; i < re.n; i++)
			fprintf(stderr, "  %s %s %s\n", re.ev[i].id,
				re.ev[i].event, re.ev[i].error);
	}
	TEST_STREQ(events_of(&re, mkv, evs, sizeof(evs)),
		   "waiting+recording+stopped");
	events_of(&re, mp4, evs, sizeof(evs));
	TEST_ASSERT(!strcmp(evs, "waiting+failed") ||
		    !strcmp(evs, "waiting+recording+failed"));
	for (int i = 0; i < re.n; i++) {
		if (!strcmp(re.ev[i].id, mp4) &&
		    !strcmp(re.ev[i].event, "failed"))
			TEST_ASSERT(strstr(re.ev[i].error, "changed size"));
	}
	TEST_EQ(dc.first, FPS);
	TEST_EQ(dc.second, FPS);
	TEST_EQ(dc.errors, 0);

	return 0;
}
