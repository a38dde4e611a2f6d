/**
 * @file test_h264caps.c  What an H.264 receiver can take: its fmtp
 * (packetization-mode, profile-level-id, RFC 6184 8.1) and the picture
 * sizes and rates of its level (H.264 Table A-1).
 */
#include "rtp/payload.h"
#include "test.h"

TES_TEST(h264_fmtp_parse)
{
	static const struct {
		const char *fmtp;
		int ret;
		uint8_t pmode;
		uint8_t level;
	} v[] = {
		{"packetization-mode=0;profile-level-id=42e01f", 0, 0, 31},
		{"profile-level-id=42e01f; packetization-mode=1", 0, 1, 31},
		{"level-asymmetry-allowed=1;packetization-mode=1;"
		 "profile-level-id=42001f", 0, 1, 31},
		{"", 0, 0, 10},                    /* RFC 6184 defaults */
		{"packetization-mode=1", 0, 1, 10},
		{"profile-level-id=42801e", 0, 0, 30},
		{"PACKETIZATION-MODE=1;Profile-Level-Id=4D0028", 0, 1, 40},
		{"packetization-mode=1 ;profile-level-id=640c1f ", 0, 1, 31},
		{"max-fs=3600;max-mbps=108000;profile-level-id=42801e", 0, 0,
		 30},
		{"packetization-mode=2", 0, 2, 10},
		/* level 1b: level_idc 11 with constraint_set3, Baseline */
		{"profile-level-id=42f00b", 0, 0, 9},
		{"profile-level-id=4d100b", 0, 0, 9},
		/* ... but High writes 1b as 9, and 11 is 1.1 there */
		{"profile-level-id=64100b", 0, 0, 11},
		{"profile-level-id=42e00b", 0, 0, 11},
		/* a key that only ends like ours */
		{"xpacketization-mode=1;sprop-parameter-sets=Z0LAH9o,aM4G4g==",
		 0, 0, 10},
		/* malformed values keep their defaults */
		{"packetization-mode=3;profile-level-id=42e01f", -EBADMSG, 0,
		 31},
		{"packetization-mode=10", -EBADMSG, 0, 10},
		{"packetization-mode=", -EBADMSG, 0, 10},
		{"packetization-mode=1;profile-level-id=42e01", -EBADMSG, 1,
		 10},
		{"packetization-mode=1;profile-level-id=zz001f", -EBADMSG, 1,
		 10},
		{"profile-level-id=42e01f1f", -EBADMSG, 0, 10},
		{";;packetization-mode=1;;", 0, 1, 10},
	};
	uint8_t pm, lv;

	for (size_t i = 0; i < TES_ARRAY_SIZE(v); i++) {
		pm = lv = 0xff;
		if (tes_h264_fmtp_parse(v[i].fmtp, &pm, &lv) != v[i].ret ||
		    pm != v[i].pmode || lv != v[i].level)
			TEST_FAIL("\"%s\": mode %u level %u", v[i].fmtp, pm,
				  lv);
	}
	TEST_OK(tes_h264_fmtp_parse(NULL, &pm, &lv));
	TEST_EQ(pm, 0);
	TEST_EQ(lv, 10);
	TEST_EQ(tes_h264_fmtp_parse("", NULL, &lv), -EINVAL);
	TEST_EQ(tes_h264_fmtp_parse("", &pm, NULL), -EINVAL);

	return 0;
}

TES_TEST(h264_level_fits)
{
	static const struct {
		uint8_t level;
		int w, h, fps;
		bool fits;
	} v[] = {
		/* 720p is 3600 macroblocks: 3.0 allows 1620, 3.1 3600 */
		{31, 1280, 720, 30, true},
		{30, 1280, 720, 30, false},
		{32, 1280, 720, 30, true},
		/* 720p60 is 216000 MB/s: 3.1 allows 108000, 3.2 216000 */
		{31, 1280, 720, 60, false},
		{32, 1280, 720, 60, true},
		/* 360 rows are 22.5 macroblocks: 23 count */
		{30, 640, 360, 30, true},
		{22, 640, 360, 30, false},         /* 27600 > 20250 MB/s */
		{22, 640, 360, 15, true},
		{30, 720, 576, 25, true},          /* 1620 MBs, 40500 MB/s */
		{30, 720, 576, 30, false},
		{40, 1920, 1080, 30, true},        /* 8160 MBs */
		{31, 1920, 1080, 30, false},
		{10, 176, 144, 15, true},          /* QCIF: 99 MBs */
		{10, 176, 144, 30, false},
		{9, 176, 144, 15, true},           /* 1b: as 1.0 */
		{10, 352, 288, 5, false},          /* CIF: 396 MBs */
		{11, 352, 288, 7, true},
		/* a picture 120 macroblocks wide: over sqrt(8 * 1620) */
		{30, 1920, 16, 1, false},
		{31, 1920, 16, 1, true},
		/* between the table's levels: the one below */
		{35, 1280, 720, 60, true},
		{33, 1920, 1080, 30, false},
		{255, 8192, 4320, 60, true},       /* as 6.2 */
		{0, 16, 16, 1, false},
		{8, 16, 16, 1, false},
		{31, 0, 720, 30, false},
		{31, 1280, 720, 0, false},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(v); i++) {
		if (tes_h264_level_fits(v[i].level, v[i].w, v[i].h,
					v[i].fps) != v[i].fits)
			TEST_FAIL("level %u %dx%d@%d: not %s", v[i].level,
				  v[i].w, v[i].h, v[i].fps,
				  v[i].fits ? "fitting" : "refused");
	}

	return 0;
}

TES_TEST(h264_max_fs_and_max_mbps_raise_the_level)
{
	static const struct {
		const char *fmtp;
		int ret;
		uint32_t fs;
		uint32_t mbps;
	} p[] = {
		{"profile-level-id=42801e;max-fs=3600;max-mbps=108000", 0, 3600,
		 108000},
		{"max-mbps=40500", 0, 0, 40500},
		{"packetization-mode=1", 0, 0, 0},
		{"max-fs=", -EBADMSG, 0, 0},
		{"max-fs=12a", -EBADMSG, 0, 0},
		{"max-fs=4294967296", -EBADMSG, 0, 0},
		{"max-fs=4294967295", 0, 4294967295u, 0},
	};
	uint32_t fs, mbps;

	for (size_t i = 0; i < TES_ARRAY_SIZE(p); i++) {
		if (tes_h264_fmtp_limits(p[i].fmtp, &fs, &mbps) != p[i].ret ||
		    fs != p[i].fs || mbps != p[i].mbps)
			TEST_FAIL("\"%s\": max-fs %u max-mbps %u", p[i].fmtp,
				  fs, mbps);
	}
	TEST_OK(tes_h264_fmtp_limits(NULL, &fs, &mbps));
	TEST_EQ(tes_h264_fmtp_limits("", NULL, &mbps), -EINVAL);

	/* level 3.0 takes no 720p30; with max-fs 3600 and max-mbps 108000
	 * (3.1's) it does; max-fs alone does not raise the rate */
	TEST_ASSERT(!tes_h264_caps_fit(30, 0, 0, 1280, 720, 30));
	TEST_ASSERT(tes_h264_caps_fit(30, 3600, 108000, 1280, 720, 30));
	TEST_ASSERT(!tes_h264_caps_fit(30, 3600, 0, 1280, 720, 30));
	TEST_ASSERT(tes_h264_caps_fit(30, 3600, 0, 1280, 720, 10));
	/* a value below the level's is no limit */
	TEST_ASSERT(tes_h264_caps_fit(31, 99, 1485, 1280, 720, 30));

	return 0;
}
