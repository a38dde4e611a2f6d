/**
 * @file test_mixprof.c  Which output profiles a receiver can take
 * (tes__prof_candidates): its video codec; for H.264 its
 * packetization-mode (0: only profiles with packetization_mode 0; 1: any)
 * and its level (MaxFS, MaxMBPS); best bitrate first; and why none when
 * none.
 */
#include <string.h>

#include "room/mix_int.h"
#include "test.h"

static const struct tes_conf_profile PROFS[] = {
	{"vp8-720p", "VP8", 1280, 720, 30, 1500, 6, 1},
	{"h264-720p", "H264", 1280, 720, 30, 1500, 0, 1},
	{"h264-720p-sip", "H264", 1280, 720, 30, 1000, 0, 0},
	{"vp8-360p", "VP8", 640, 360, 30, 500, 8, 1},
	{"h264-360p", "H264", 640, 360, 30, 500, 0, 1},
};

enum { NP = TES_ARRAY_SIZE(PROFS) };

static void views(struct tes__prof_view *pv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pv[i].cfg = &PROFS[i];
		pv[i].width = PROFS[i].width;
		pv[i].height = PROFS[i].height;
	}
}

static struct tes__stream video(const char *codec, uint8_t pmode,
				uint8_t level)
{
	struct tes__stream st;

	memset(&st, 0, sizeof(st));
	st.kind = TES_MEDIA_VIDEO;
	st.we_send = true;
	snprintf(st.codec, sizeof(st.codec), "%s", codec);
	st.h264_pmode = pmode;
	st.h264_level_idc = level;
	return st;
}

/* the names of the candidates, comma separated, into out */
static const char *names(const struct tes__prof_view *pv, size_t n,
			 const struct tes__stream *st, char *why,
			 size_t whylen, char *out, size_t outlen)
{
	int idx[NP];
	uint32_t kbps[NP];
	size_t k = tes__prof_candidates(pv, n, st, idx, kbps, why, whylen);
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < k; i++) {
		off += (size_t)snprintf(out + off, outlen - off, "%s%s",
					i ? "," : "", pv[idx[i]].cfg->name);
		if (i && kbps[i] > kbps[i - 1])
			return "not sorted";
	}
	return out;
}

TES_TEST(mixprof_codec_mode_level)
{
	struct tes__prof_view pv[NP];
	struct tes__stream st;
	char why[160], buf[256];

	views(pv, NP);

	/* VP8: its codec's profiles, best first */
	st = video("VP8/90000", 0, 0);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "vp8-720p,vp8-360p");
	TEST_STREQ(why, "");

	/* H.264 mode 1, level 3.1: every H264 profile (single NAL unit
	 * packets are valid in mode 1 too) */
	st = video("H264/90000", 1, 31);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "h264-720p,h264-720p-sip,h264-360p");

	/* mode 0: only the profile that sends single NAL units */
	st = video("H264/90000", 0, 31);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "h264-720p-sip");

	/* level 3.0 (1620 macroblocks): no 720p; mode 1 gets 360p */
	st = video("h264/90000", 1, 30);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "h264-360p");
	/* ... mode 0 nothing, and why */
	st = video("H264/90000", 0, 30);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "");
	TEST_STREQ(why, "its H.264 level 3.0 cannot decode any H264 profile "
		   "it could take (the smallest, h264-720p-sip, is 1280x720 "
		   "at 30 fps)");

	/* level 2.2: 640x360 at 30 fps is 27600 MB/s, over 20250 */
	st = video("H264/90000", 1, 22);
	TEST_EQ(tes__prof_candidates(pv, NP, &st, (int[NP]){0},
				     (uint32_t[NP]){0}, why, sizeof(why)), 0);
	TEST_ASSERT(strstr(why, "level 2.2"));
	TEST_ASSERT(strstr(why, "h264-360p, is 640x360"));

	/* level not known (no fmtp read): not held to one */
	st = video("H264/90000", 1, 0);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "h264-720p,h264-720p-sip,h264-360p");

	/* interleaved mode: nothing we send */
	st = video("H264/90000", 2, 31);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "");
	TEST_STREQ(why, "H.264 packetization-mode 2 is not supported");

	/* a codec no profile has */
	st = video("AV1/90000", 0, 0);
	TEST_STREQ(names(pv, NP, &st, why, sizeof(why), buf, sizeof(buf)),
		   "");
	TEST_STREQ(why, "no output profile has its video codec AV1/90000");
	/* "H264" must not match "H264X" */
	st = video("H264X/90000", 1, 31);
	TEST_STREQ(names(pv, NP, &st, NULL, 0, buf, sizeof(buf)), "");

	return 0;
}

TES_TEST(mixprof_no_mode0_profile)
{
	struct tes__prof_view pv[2];
	struct tes__stream st = video("H264/90000", 0, 40);
	char why[160], buf[256];

	/* only mode-1 H264 profiles configured */
	views(pv, 2);
	TEST_STREQ(names(pv, 2, &st, why, sizeof(why), buf, sizeof(buf)),
		   "");
	TEST_STREQ(why, "it takes H.264 packetization-mode 0 only and no "
		   "H264 profile has packetization_mode: 0");

	return 0;
}

/* a profile's size set live counts, not the configured one */
TES_TEST(mixprof_live_size)
{
	struct tes_conf_profile qcif = {"h264-qcif", "H264", 176, 144, 15,
					100, 0, 1};
	struct tes__prof_view pv[NP];
	struct tes__stream st = video("H264/90000", 1, 31);
	char buf[256];

	views(pv, NP);
	pv[1].width = 1920;
	pv[1].height = 1080;
	TEST_STREQ(names(pv, NP, &st, NULL, 0, buf, sizeof(buf)),
		   "h264-720p-sip,h264-360p");
	/* 1b takes QCIF at 15 fps, not at 30 */
	pv[4].cfg = &qcif;
	pv[4].width = 176;
	pv[4].height = 144;
	st = video("H264/90000", 1, 9);
	TEST_STREQ(names(pv, NP, &st, NULL, 0, buf, sizeof(buf)),
		   "h264-qcif");
	qcif.fps = 30;
	TEST_STREQ(names(pv, NP, &st, NULL, 0, buf, sizeof(buf)), "");

	return 0;
}
