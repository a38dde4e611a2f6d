/**
 * @file recmedia.h  Media for the recording tests (test_record.c,
 * test_mixrec.c): real VP8 / H.264 frames and Opus packets from our
 * codecs fed to a recording, and the files read back with libavformat
 * and decoded with libavcodec.
 */
#ifndef TES_TEST_RECMEDIA_H
#define TES_TEST_RECMEDIA_H

#include <stddef.h>
#include <stdint.h>

#include <libavformat/avformat.h>

#include "room/record.h"

struct tes__recs;

enum {
	W = 320,
	H = 180,
	W2 = 192,     /* the size after a change */
	H2 = 108,
	FPS = 30,
	SECONDS = 3,
	AUDIO_US = 20000,
};

/* where encoded media goes */
struct rec_feed {
	struct tes__rec *rec;     /* one writer, or */
	struct tes__recs *recs;   /* a room's recordings, of profile 0 */
	int width;                /* size of the frames being encoded */
	int height;
	uint64_t pts_us;
};

/* a file read back packet by packet */
struct rec_probe {
	enum AVCodecID vcodec;
	enum AVCodecID acodec;
	int width;     /* track header */
	int height;
	int vpkts;
	int apkts;
	double vdur;  /* seconds: last video pts - first */
	double adur;  /* seconds: last audio pts + duration - first */
	double aend;  /* seconds: end of the last audio packet after the
			 first video frame */
	int slot_dups; /* video frames in the frame slot of the previous */
};

/* What libavcodec makes of a file's video: frames of each size, and
 * errors (refused packets, corrupt frames, error log lines: what
 * `ffmpeg -v error` would print). */
struct rec_decoded {
	int first;    /* frames at W x H */
	int second;   /* frames at W2 x H2 */
	int other;
	int errors;
};

/* a container and the video codec recorded in it */
struct rec_case {
	enum tes__rec_fmt fmt;
	const char *ext;     /* file name extension */
	const char *vc;      /* "VP8" or "H264" */
};

/* what to record for a case: FPS, mono, into path */
struct tes__rec_params rec_params(const struct rec_case *c,
				  const char *path);

/* a new file name in /tmp ending in .ext */
void rec_tmp_path(char *buf, size_t len, const char *ext);

/* feed `seconds` of moving video (vcodec, FPS) and a sine in Opus,
 * starting at t0_us; from video frame resize_at on (-1: never) the frames
 * are W2 x H2, as after a change of the profile's size (a new encoder, a
 * keyframe first); 0 or -1 */
int rec_feed_sized(struct rec_feed *fd, const char *vcodec, int seconds,
		   uint64_t t0_us, int resize_at);

/* the same, W x H throughout, into one writer */
int rec_feed_media(struct tes__rec *rec, const char *vcodec, int seconds,
		   uint64_t t0_us);

/* read a file back: 0, or an AVERROR */
int rec_probe(const char *path, struct rec_probe *pr);

/* decode a file's video to the end: 0, or -1 when it cannot be read */
int rec_decode_all(const char *path, struct rec_decoded *dc);

#endif /* TES_TEST_RECMEDIA_H */
