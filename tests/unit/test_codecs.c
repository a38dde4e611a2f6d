/**
 * @file test_codecs.c  VP8, H.264 and Opus round trips through the codec
 * interface: keyframes, quality (PSNR, RMS, pitch), garbage input, bitrate
 * changes, PLC and FEC.  Set TES_TEST_VERBOSE=1 to print the measurements.
 */
#include <math.h>
#include <stdlib.h>

#include "codecs/codec.h"
#include "test.h"

enum {
	VW = 640,          /* round-trip picture size */
	VH = 360,
	VFRAMES = 30,
	VFORCE_KF = 15,    /* frame that gets a forced keyframe */
	AU_MAX = 4,        /* AUs one encode call may produce */
	ABLOCKS = 50,
	ASKIP = 5,         /* blocks before quality is measured */
	ASINE_HZ = 440,
};

static bool verbose(void)
{
	const char *v = getenv("TES_TEST_VERBOSE");

	return v && *v && *v != '0';
}

/* xorshift32: reproducible pseudo-random input */
static uint32_t rnd_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Colour bars with a vertical luma ramp, and a textured box that moves
 * with t; noise > 0 adds per-pixel luma noise of that amplitude. */
static void make_pattern(struct tes_frame *f, int t, int noise)
{
	static const uint8_t bars[8][3] = {
		{235, 128, 128}, {210, 16, 146},  {170, 166, 16},
		{145, 54, 34},   {106, 202, 222}, {81, 90, 240},
		{41, 240, 110},  {16, 128, 128},
	};
	int bw = f->width / 8, box = f->height / 6;
	int bx = (t * 8) % (f->width - box), by = (t * 3) % (f->height - box);
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)(t + 1);

	for (int r = 0; r < f->height; r++) {
		uint8_t *y = f->y + (size_t)r * (size_t)f->stride_y;

		for (int c = 0; c < f->width; c++) {
			int v = bars[TES_MIN(c / bw, 7)][0] +
				r * 24 / f->height - 12;

			if (r >= by && r < by + box && c >= bx &&
			    c < bx + box)
				v = ((r - by) / 4 + (c - bx) / 4) & 1 ?
					    200 : 60;
			if (noise)
				v += (int)(rnd_next(&seed) %
					   (uint32_t)(2 * noise + 1)) - noise;
			y[c] = clamp8(v);
		}
	}
	for (int r = 0; r < f->height / 2; r++) {
		uint8_t *u = f->u + (size_t)r * (size_t)f->stride_uv;
		uint8_t *v = f->v + (size_t)r * (size_t)f->stride_uv;

		for (int c = 0; c < f->width / 2; c++) {
			int b = TES_MIN(2 * c / bw, 7);
			bool in = 2 * r >= by && 2 * r < by + box &&
				  2 * c >= bx && 2 * c < bx + box;

			u[c] = in ? 128 : bars[b][1];
			v[c] = in ? 128 : bars[b][2];
		}
	}
}

/* Luma PSNR in dB (99 for identical planes) */
static double psnr_y(const struct tes_frame *a, const struct tes_frame *b)
{
	double se = 0;
	double mse;

	for (int r = 0; r < a->height; r++) {
		const uint8_t *pa = a->y + (size_t)r * (size_t)a->stride_y;
		const uint8_t *pb = b->y + (size_t)r * (size_t)b->stride_y;

		for (int c = 0; c < a->width; c++) {
			int d = pa[c] - pb[c];

			se += d * d;
		}
	}
	mse = se / ((double)a->width * a->height);

	return mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
}

/* AUs collected from one encode call (copied: they are only valid
 * during the handler) */
struct au_sink {
	int n;                 /* AUs this call */
	uint8_t *data[AU_MAX]; /* malloc'd copies */
	size_t len[AU_MAX];
	bool key[AU_MAX];
	size_t total;          /* bytes over all calls */
};

static void au_handler(const struct tes_au *au, void *arg)
{
	struct au_sink *s = arg;

	s->total += au->len;
	if (s->n == AU_MAX)
		return;
	s->data[s->n] = malloc(au->len);
	if (!s->data[s->n])
		abort();
	memcpy(s->data[s->n], au->data, au->len);
	s->len[s->n] = au->len;
	s->key[s->n] = au->keyframe;
	s->n++;
}

static void sink_reset(struct au_sink *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->data[i]);
	s->n = 0;
}

/* Encode one pattern frame, expect exactly one AU in s */
static int encode_one(const struct tes_vcodec *vc, struct tes_venc *e,
		      struct tes_frame *src, int t, int noise, bool key,
		      struct au_sink *s)
{
	sink_reset(s);
	make_pattern(src, t, noise);
	TEST_OK(vc->encode(e, src, key, au_handler, s));
	TEST_EQ(s->n, 1);
	TEST_ASSERT(s->len[0] > 0);

	return 0;
}

/* Encode VFRAMES moving frames, decode each, check keyframes and PSNR */
static int video_roundtrip(const char *name, struct au_sink *first)
{
	const struct tes_vcodec *vc = tes_vcodec_find(name);
	struct tes_venc_params prm = {
		.width = VW, .height = VH, .fps = 30, .bitrate_kbps = 1200,
		.keyint = 300,
	};
	struct tes_venc *e = NULL;
	struct tes_vdec *d = NULL;
	struct tes_frame *src = NULL, *out = NULL;
	struct au_sink s = {0};
	double psnr, pmin = 99, psum = 0;
	int nkey = 0;
	uint64_t t0 = tes_now_us(), tenc = 0;

	TEST_ASSERT(vc != NULL);
	TEST_OK(vc->enc_alloc(&e, &prm));
	TEST_OK(vc->dec_alloc(&d));
	TEST_OK(tes_frame_alloc(&src, VW, VH));

	for (int i = 0; i < VFRAMES; i++) {
		uint64_t te = tes_now_us();

		if (encode_one(vc, e, src, i, 0, i == VFORCE_KF, &s))
			return 1;
		tenc += tes_now_us() - te;
		if (i == 0 || i == VFORCE_KF)
			TEST_ASSERT(s.key[0]);
		nkey += s.key[0];
		if (i == 0 && first) {
			first->data[0] = malloc(s.len[0]);
			if (!first->data[0])
				abort();
			memcpy(first->data[0], s.data[0], s.len[0]);
			first->len[0] = s.len[0];
			first->n = 1;
		}

		TEST_OK(vc->decode(d, s.data[0], s.len[0], &out));
		TEST_EQ(out->width, VW);
		TEST_EQ(out->height, VH);
		psnr = psnr_y(src, out);
		out = tes_deref(out);
		if (psnr < pmin)
			pmin = psnr;
		psum += psnr;
	}
	sink_reset(&s);
	/* keyint 300: only frame 0 and the forced one (allow one more for
	 * a scene-change decision) */
	TEST_ASSERT(nkey >= 2 && nkey <= 3);
	TEST_ASSERT(pmin > 30);
	if (verbose())
		fprintf(stderr, "  %s %dx%d: PSNR-Y min %.1f avg %.1f dB, "
			"%zu bytes, encode %.2f ms/frame, all %.0f ms\n",
			name, VW, VH, pmin, psum / VFRAMES, s.total,
			(double)tenc / 1000 / VFRAMES,
			(double)(tes_now_us() - t0) / 1000);

	src = tes_deref(src);
	e = tes_deref(e);
	d = tes_deref(d);

	return 0;
}

/* Random bytes into a fresh decoder: an error or no picture, never a
 * crash.  Then corrupt frames of a real stream, and recover on a
 * keyframe. */
static int video_garbage(const char *name, bool annexb)
{
	const struct tes_vcodec *vc = tes_vcodec_find(name);
	struct tes_venc_params prm = {
		.width = 320, .height = 180, .fps = 30, .bitrate_kbps = 500,
	};
	struct tes_venc *e = NULL;
	struct tes_vdec *d = NULL;
	struct tes_frame *src = NULL, *out = NULL;
	struct au_sink s = {0};
	uint8_t buf[2048];
	uint32_t seed = 12345;
	int err;

	TEST_ASSERT(vc != NULL);
	TEST_OK(vc->dec_alloc(&d));
	for (int i = 0; i < 300; i++) {
		size_t len = 1 + rnd_next(&seed) % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd_next(&seed);
		/* half of them look like NAL units / keyframes */
		if (annexb && (i & 1) && len > 5)
			memcpy(buf, "\0\0\0\1", 4);
		if (!annexb && (i & 1) && len > 10) {
			buf[0] &= 0xfe;  /* keyframe bit */
			memcpy(buf + 3, "\x9d\x01\x2a", 3);
			buf[7] &= 0x03;  /* up to 1023x1023 */
			buf[9] &= 0x03;
		}
		err = vc->decode(d, buf, len, &out);
		TEST_ASSERT(err == -EBADMSG || err == -EAGAIN);
	}
	TEST_EQ(vc->decode(d, NULL, 0, &out), -EINVAL);
	if (!annexb) {
		/* a 16000x16000 keyframe is refused before any allocation */
		memcpy(buf, "\x10\x02\x00\x9d\x01\x2a\x80\x3e\x80\x3e",
		       10);
		TEST_EQ(vc->decode(d, buf, 100, &out), -EBADMSG);
	}
	d = tes_deref(d);

	/* damaged inter frames after a good keyframe */
	TEST_OK(vc->enc_alloc(&e, &prm));
	TEST_OK(vc->dec_alloc(&d));
	TEST_OK(tes_frame_alloc(&src, prm.width, prm.height));
	for (int i = 0; i < 12; i++) {
		if (encode_one(vc, e, src, i, 0, i == 10, &s))
			return 1;
		if (i > 1 && i < 10)
			for (size_t j = s.len[0] / 4; j < s.len[0]; j += 7)
				s.data[0][j] ^= (uint8_t)rnd_next(&seed);
		err = vc->decode(d, s.data[0], s.len[0], &out);
		TEST_ASSERT(!err || err == -EBADMSG || err == -EAGAIN);
		if (i == 0 || i == 10) {
			TEST_OK(err);
			TEST_ASSERT(psnr_y(src, out) > 30);
		}
		out = tes_deref(out);
	}
	sink_reset(&s);
	src = tes_deref(src);
	e = tes_deref(e);
	d = tes_deref(d);

	return 0;
}

/* Noisy frames at a high then a low bitrate: output must follow */
static int video_bitrate(const char *name)
{
	const struct tes_vcodec *vc = tes_vcodec_find(name);
	struct tes_venc_params prm = {
		.width = 320, .height = 180, .fps = 30, .bitrate_kbps = 1500,
	};
	struct tes_venc *e = NULL;
	struct tes_frame *src = NULL;
	struct au_sink s = {0};
	size_t hi, lo;

	TEST_ASSERT(vc != NULL);
	TEST_OK(vc->enc_alloc(&e, &prm));
	TEST_OK(tes_frame_alloc(&src, prm.width, prm.height));
	for (int i = 0; i < 30; i++) {
		if (i == 10)
			s.total = 0;
		if (encode_one(vc, e, src, i, 12, false, &s))
			return 1;
	}
	hi = s.total;
	TEST_EQ(vc->set_bitrate(e, 0), -EINVAL);
	TEST_OK(vc->set_bitrate(e, 150));
	for (int i = 30; i < 60; i++) {
		if (i == 40)
			s.total = 0;
		if (encode_one(vc, e, src, i, 12, false, &s))
			return 1;
	}
	lo = s.total;
	sink_reset(&s);
	if (verbose())
		fprintf(stderr, "  %s: 20 frames at 1500 kbit/s %zu bytes, "
			"at 150 kbit/s %zu bytes\n", name, hi, lo);
	/* 20 frames at 30 fps: 1500 kbit/s is 125000 bytes, 150 is 12500 */
	TEST_ASSERT(lo * 5 < hi);
	TEST_ASSERT(lo < 2 * 12500);

	/* wrong picture size and bad settings */
	src = tes_deref(src);
	TEST_OK(tes_frame_alloc(&src, 160, 90));
	TEST_EQ(vc->encode(e, src, false, au_handler, &s), -EINVAL);
	src = tes_deref(src);
	e = tes_deref(e);
	prm.width = 321;
	TEST_EQ(vc->enc_alloc(&e, &prm), -EINVAL);
	prm.width = 320;
	prm.bitrate_kbps = 0;
	TEST_EQ(vc->enc_alloc(&e, &prm), -EINVAL);
	TEST_ASSERT(e == NULL);

	return 0;
}

TES_TEST(codec_find)
{
	const struct tes_acodec *ac;

	TEST_STREQ(tes_vcodec_find("vp8")->name, "VP8");
	TEST_STREQ(tes_vcodec_find("VP8")->name, "VP8");
	TEST_STREQ(tes_vcodec_find("h264")->name, "H264");
	TEST_ASSERT(tes_vcodec_find("VP9") == NULL);
	TEST_ASSERT(tes_vcodec_find("opus") == NULL);
	TEST_ASSERT(tes_vcodec_find(NULL) == NULL);
	ac = tes_acodec_find("OPUS");
	TEST_ASSERT(ac != NULL);
	TEST_STREQ(ac->name, "opus");
	TEST_EQ(ac->clock, 48000);
	TEST_STREQ(tes_acodec_find("pcmu")->name, "PCMU");
	TEST_ASSERT(tes_acodec_find("G729") == NULL);

	/* what the jitter path needs to know: FEC, packet durations */
	{
		/* TOC: config 9 (SILK WB 20 ms), code 0 / 1 (two frames) */
		static const uint8_t one[] = {0x48, 1, 2}, two[] = {0x49, 1};
		const struct tes_acodec *g = tes_acodec_find("G722");

		TEST_ASSERT(ac->fec && !ac->block_bytes);
		TEST_EQ(ac->duration(one, sizeof(one)), 960);
		TEST_EQ(ac->duration(two, sizeof(two)), 1920);
		TEST_EQ(ac->duration(one, 0), -EBADMSG);
		TEST_ASSERT(!g->fec);
		TEST_EQ(g->block_bytes, 160);
		TEST_EQ(g->duration(one, 240), 240);   /* 30 ms */
		TEST_EQ(tes_acodec_find("PCMA")->block_bytes, 160);
	}

	return 0;
}

TES_TEST(codec_vp8_roundtrip)
{
	return video_roundtrip("VP8", NULL);
}

TES_TEST(codec_vp8_garbage)
{
	return video_garbage("VP8", false);
}

TES_TEST(codec_vp8_bitrate)
{
	return video_bitrate("VP8");
}

/* Next Annex B NAL unit at or after *pos: its offset, or len */
static size_t next_nal(const uint8_t *p, size_t len, size_t *pos)
{
	for (size_t i = *pos; i + 3 <= len; i++) {
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) {
			*pos = i + 3;
			return i + 3;
		}
	}
	*pos = len;
	return len;
}

TES_TEST(codec_h264_roundtrip)
{
	struct au_sink first = {0};
	const uint8_t *p;
	size_t pos = 0, nal;
	int types = 0;

	if (video_roundtrip("H264", &first))
		return 1;

	/* first AU: 00 00 00 01 SPS (profile_idc 66), PPS, IDR slice */
	p = first.data[0];
	TEST_ASSERT(first.len[0] > 8);
	TEST_MEMEQ(p, "\0\0\0\1", 4);
	TEST_EQ(p[4] & 0x1f, 7);
	TEST_EQ(p[5], 66);
	/* constraint_set0 and constraint_set1: constrained baseline */
	TEST_EQ(p[6] & 0xc0, 0xc0);
	if (verbose())
		fprintf(stderr, "  H264 SPS profile-level-id %02x%02x%02x\n",
			p[5], p[6], p[7]);
	while ((nal = next_nal(p, first.len[0], &pos)) < first.len[0])
		types |= 1 << (p[nal] & 0x1f);
	TEST_EQ(types & (1 << 7 | 1 << 8 | 1 << 5), 1 << 7 | 1 << 8 | 1 << 5);
	sink_reset(&first);

	return 0;
}

TES_TEST(codec_h264_garbage)
{
	return video_garbage("H264", true);
}

TES_TEST(codec_h264_bitrate)
{
	return video_bitrate("H264");
}

/* max_nal (single NAL unit mode): a noisy 720p picture at 1 Mbit/s is
 * cut into slices of at most 1200 bytes, keyframe and inter frames, and
 * still decodes to the picture */
TES_TEST(codec_h264_max_nal)
{
	const struct tes_vcodec *vc = tes_vcodec_find("H264");
	struct tes_venc_params prm = {
		.width = 1280, .height = 720, .fps = 30, .bitrate_kbps = 1000,
		.max_nal = 1200,
	};
	struct tes_venc *e = NULL;
	struct tes_vdec *d = NULL;
	struct tes_frame *src = NULL, *out = NULL;
	struct au_sink s = {0};
	size_t biggest = 0;
	int slices = 0;

	TEST_OK(vc->enc_alloc(&e, &prm));
	TEST_OK(vc->dec_alloc(&d));
	TEST_OK(tes_frame_alloc(&src, prm.width, prm.height));
	for (int i = 0; i < 4; i++) {
		size_t pos = 0, nal, end;

		if (encode_one(vc, e, src, i, 20, i == 3, &s))
			return 1;
		TEST_ASSERT(s.key[0] == (i == 0 || i == 3));
		for (nal = next_nal(s.data[0], s.len[0], &pos);
		     nal < s.len[0]; nal = end) {
			size_t n;

			end = next_nal(s.data[0], s.len[0], &pos);
			/* the next one's start code is not this one's */
			n = end - nal - (end < s.len[0] ? 3 : 0);
			while (n && !s.data[0][nal + n - 1])
				n--;
			biggest = TES_MAX(biggest, n);
			slices += (s.data[0][nal] & 0x1f) == 5 ||
				  (s.data[0][nal] & 0x1f) == 1;
		}
		TEST_OK(vc->decode(d, s.data[0], s.len[0], &out));
		TEST_ASSERT(psnr_y(src, out) > 20);
		out = tes_deref(out);
	}
	if (verbose())
		fprintf(stderr, "  H264 720p max_nal 1200: %d slices in 4 "
			"frames, largest NAL %zu bytes\n", slices, biggest);
	TEST_ASSERT(biggest <= 1200);
	TEST_ASSERT(slices > 4 * 4);   /* 1 Mbit/s: ~4 kB a frame */
	sink_reset(&s);
	e = tes_deref(e);

	prm.max_nal = TES_H264_MAX_NAL_MIN - 1;
	TEST_EQ(vc->enc_alloc(&e, &prm), -EINVAL);
	src = tes_deref(src);
	d = tes_deref(d);

	return 0;
}

/* Encode and decode ABLOCKS blocks of a 440 Hz sine (right channel at
 * half level) with codec `name`; check level and pitch after ASKIP
 * blocks, and each packet's size when pkt_len is not 0 */
static int audio_sine(const char *name, int channels, int bitrate,
		      int pkt_len)
{
	const struct tes_acodec *ac = tes_acodec_find(name);
	struct tes_aenc_params prm = {
		.channels = channels, .bitrate = bitrate,
	};
	struct tes_aenc *e = NULL;
	struct tes_adec *d = NULL;
	struct tes_pcm *in = NULL, *out = NULL;
	double ein[2] = {0}, eout[2] = {0}, hz;
	int crossings = 0, prev = 0;
	uint8_t pkt[1500];

	TEST_ASSERT(ac != NULL);
	TEST_OK(ac->enc_alloc(&e, &prm));
	TEST_OK(ac->dec_alloc(&d, channels));
	TEST_OK(tes_pcm_alloc(&in, channels, TES_AUDIO_FRAME_SAMPLES));

	for (int b = 0; b < ABLOCKS; b++) {
		int n;

		for (int i = 0; i < in->samples; i++) {
			double t = (double)(b * in->samples + i) /
				   TES_AUDIO_RATE;
			double s = 8000 * sin(2 * M_PI * ASINE_HZ * t);

			in->data[i * channels] = (int16_t)s;
			if (channels == 2)
				in->data[i * 2 + 1] = (int16_t)(s / 2);
		}
		n = ac->encode(e, in, pkt, sizeof(pkt));
		TEST_ASSERT(n > 0);
		TEST_ASSERT(!pkt_len || n == pkt_len);
		TEST_OK(ac->decode(d, pkt, (size_t)n, false, &out));
		TEST_EQ(out->samples, TES_AUDIO_FRAME_SAMPLES);
		TEST_EQ(out->channels, channels);
		for (int i = 0; b >= ASKIP && i < out->samples; i++) {
			int s0 = out->data[i * channels];

			for (int c = 0; c < channels; c++) {
				double x = in->data[i * channels + c];
				double y = out->data[i * channels + c];

				ein[c] += x * x;
				eout[c] += y * y;
			}
			if (prev < 0 && s0 >= 0)
				crossings++;
			prev = s0;
		}
		out = tes_deref(out);
	}

	hz = crossings / ((double)(ABLOCKS - ASKIP) * TES_AUDIO_FRAME_MS /
			  1000);
	for (int c = 0; c < channels; c++) {
		double ratio = sqrt(eout[c] / ein[c]);

		if (verbose())
			fprintf(stderr, "  %s %d ch %d bit/s: ch %d RMS "
				"out/in %.2f, %.1f Hz\n", name, channels,
				bitrate, c, ratio, hz);
		TEST_ASSERT(ratio > 0.5 && ratio < 1.5);
	}
	TEST_ASSERT(hz > ASINE_HZ * 0.9 && hz < ASINE_HZ * 1.1);

	in = tes_deref(in);
	e = tes_deref(e);
	d = tes_deref(d);

	return 0;
}

TES_TEST(codec_opus_mono)
{
	return audio_sine("opus", 1, 32000, 0);
}

TES_TEST(codec_opus_stereo)
{
	return audio_sine("opus", 2, 64000, 0);
}

/* Lost packets: concealment (PLC) and recovery from the next packet's
 * FEC copy; malformed packets */
TES_TEST(codec_opus_plc_fec)
{
	const struct tes_acodec *ac = tes_acodec_find("opus");
	struct tes_aenc_params prm = {
		.channels = 1, .bitrate = 32000, .fec = true,
	};
	static const uint8_t bad[] = {0x03, 0x00};  /* code 3, 0 frames */
	struct tes_aenc *e = NULL;
	struct tes_adec *d = NULL;
	struct tes_pcm *in = NULL, *out = NULL;
	uint8_t pkt[8][400];
	int len[8];

	TEST_ASSERT(ac != NULL);
	TEST_OK(ac->enc_alloc(&e, &prm));
	TEST_OK(ac->dec_alloc(&d, 1));
	TEST_OK(tes_pcm_alloc(&in, 1, TES_AUDIO_FRAME_SAMPLES));
	for (int b = 0; b < 8; b++) {
		for (int i = 0; i < in->samples; i++)
			in->data[i] = (int16_t)(6000 *
				sin(2 * M_PI * 300 * (b * 960 + i) / 48000.0));
		len[b] = ac->encode(e, in, pkt[b], sizeof(pkt[b]));
		TEST_ASSERT(len[b] > 0);
	}

	for (int b = 0; b < 3; b++) {
		TEST_OK(ac->decode(d, pkt[b], (size_t)len[b], false, &out));
		out = tes_deref(out);
	}
	/* packet 3 lost: conceal it */
	TEST_OK(ac->decode(d, NULL, 0, false, &out));
	TEST_EQ(out->samples, TES_AUDIO_FRAME_SAMPLES);
	out = tes_deref(out);
	TEST_OK(ac->decode(d, pkt[4], (size_t)len[4], false, &out));
	out = tes_deref(out);
	/* packet 5 lost, 6 arrived: FEC copy of 5 first, then 6 itself */
	TEST_OK(ac->decode(d, pkt[6], (size_t)len[6], true, &out));
	TEST_EQ(out->samples, TES_AUDIO_FRAME_SAMPLES);
	TEST_EQ(out->channels, 1);
	out = tes_deref(out);
	TEST_OK(ac->decode(d, pkt[6], (size_t)len[6], false, &out));
	TEST_EQ(out->samples, TES_AUDIO_FRAME_SAMPLES);
	out = tes_deref(out);

	TEST_EQ(ac->decode(d, bad, sizeof(bad), false, &out), -EBADMSG);
	TEST_EQ(ac->decode(d, NULL, 0, true, &out), -EINVAL);
	TEST_ASSERT(out == NULL);

	in = tes_deref(in);
	e = tes_deref(e);
	d = tes_deref(d);

	return 0;
}

/* The telephone codecs: 20 ms is 160 bytes (G.711: 8 kHz, a byte a
 * sample; G.722: 16 kHz at 64 kbit/s), through 48 kHz both ways */
TES_TEST(codec_g711_g722)
{
	static const char *const names[] = {"PCMU", "PCMA", "G722"};
	struct tes_aenc_params prm = {.channels = 1};
	struct tes_pcm *in = NULL, *out = NULL;
	struct tes_aenc *e = NULL;
	struct tes_adec *d = NULL;
	uint8_t pkt[400];
	double energy = 0;

	for (size_t i = 0; i < TES_ARRAY_SIZE(names); i++) {
		if (audio_sine(names[i], 1, 64000, 160))
			return 1;
		TEST_EQ(tes_acodec_find(names[i])->clock, 8000);
	}

	/* a lost packet after a tone is concealed (PLC), not silence; a
	 * stereo mix is encoded as its mono sum; sizes are checked */
	TEST_OK(tes_acodec_find("PCMU")->enc_alloc(&e, &prm));
	TEST_OK(tes_acodec_find("PCMU")->dec_alloc(&d, 2));
	TEST_OK(tes_pcm_alloc(&in, 2, TES_AUDIO_FRAME_SAMPLES));
	for (int b = 0; b < 10; b++) {
		for (int k = 0; k < in->samples; k++) {
			double t = (double)(b * in->samples + k) /
				   TES_AUDIO_RATE;

			in->data[2 * k] = in->data[2 * k + 1] =
				(int16_t)(8000 * sin(2 * M_PI * 440 * t));
		}
		TEST_EQ(tes_acodec_find("PCMU")->encode(e, in, pkt,
							sizeof(pkt)), 160);
		TEST_OK(tes_acodec_find("PCMU")->decode(d, pkt, 160, false,
							&out));
		out = tes_deref(out);
	}
	TEST_OK(tes_acodec_find("PCMU")->decode(d, NULL, 0, false, &out));
	TEST_EQ(out->channels, 2);
	for (int k = 0; k < out->samples; k++)
		energy += (double)out->data[2 * k] * out->data[2 * k];
	TEST_ASSERT(sqrt(energy / out->samples) > 1000);
	TEST_EQ(tes_acodec_find("PCMU")->encode(e, in, pkt, 100), -ENOBUFS);
	out = tes_deref(out);
	in = tes_deref(in);
	e = tes_deref(e);
	d = tes_deref(d);

	return 0;
}

TES_TEST(codec_opus_bad_args)
{
	const struct tes_acodec *ac = tes_acodec_find("opus");
	struct tes_aenc_params prm = {.channels = 1};
	struct tes_aenc *e = NULL;
	struct tes_adec *d = NULL;
	struct tes_pcm *pcm = NULL;
	uint8_t pkt[400];

	TEST_ASSERT(ac != NULL);
	TEST_OK(ac->enc_alloc(&e, &prm));
	/* 10 ms block: only 20 ms blocks are encoded */
	TEST_OK(tes_pcm_alloc(&pcm, 1, TES_AUDIO_FRAME_SAMPLES / 2));
	TEST_EQ(ac->encode(e, pcm, pkt, sizeof(pkt)), -EINVAL);
	pcm = tes_deref(pcm);
	/* stereo block into a mono encoder */
	TEST_OK(tes_pcm_alloc(&pcm, 2, TES_AUDIO_FRAME_SAMPLES));
	TEST_EQ(ac->encode(e, pcm, pkt, sizeof(pkt)), -EINVAL);
	pcm = tes_deref(pcm);
	e = tes_deref(e);

	prm.channels = 3;
	TEST_EQ(ac->enc_alloc(&e, &prm), -EINVAL);
	TEST_EQ(ac->dec_alloc(&d, 0), -EINVAL);
	TEST_ASSERT(e == NULL && d == NULL);

	return 0;
}
