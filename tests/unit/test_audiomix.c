/**
 * @file test_audiomix.c  Audio mix-minus, soft limiter, levels, top-K and
 * active-speaker hysteresis.
 */
#include <math.h>
#include <stdlib.h>

#include "mixer/mixer.h"
#include "test.h"

enum {
	N = TES_AUDIO_FRAME_SAMPLES,
	ID_A = 11,
	ID_B = 22,
	ID_C = 33,
};

/* power of one frequency in a block (Goertzel), per sample squared */
static double goertzel(const int16_t *x, size_t n, size_t stride,
		       double freq)
{
	double w = 2 * M_PI * freq / TES_AUDIO_RATE, k = 2 * cos(w);
	double s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i * stride] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
	}

	return (s1 * s1 + s2 * s2 - k * s1 * s2) / ((double)n * n);
}

/* block `blk` of a continuous sine */
static double sine(double freq, double amp, int blk, int i)
{
	return amp * 32767.0 *
	       sin(2 * M_PI * freq * (double)(blk * N + i) / TES_AUDIO_RATE);
}

static int sine_block(struct tes_pcm **pp, int ch, double freq, double amp,
		      int blk)
{
	int err = tes_pcm_alloc(pp, ch, N);

	if (err)
		return err;
	for (int i = 0; i < N; i++)
		for (int c = 0; c < ch; c++)
			(*pp)->data[i * ch + c] =
				(int16_t)lrint(sine(freq, amp, blk, i));

	return 0;
}

static const double FREQ[3] = {450, 1000, 1750}; /* whole 50 Hz bins */
static const uint32_t IDS[3] = {ID_A, ID_B, ID_C};

static void pcm_free3(struct tes_pcm **p)
{
	for (int i = 0; i < 3; i++)
		p[i] = tes_deref(p[i]);
}

TES_TEST(mixer_audio_level)
{
	struct tes_pcm *p;

	TEST_OK(sine_block(&p, 1, 1000, 1.0, 0));
	TEST_EQ(tes_pcm_level_dbov(p), 3);
	p = tes_deref(p);
	TEST_OK(sine_block(&p, 2, 1000, 0.1, 0));
	TEST_EQ(tes_pcm_level_dbov(p), 23);
	p = tes_deref(p);
	TEST_OK(tes_pcm_alloc(&p, 1, N));
	TEST_EQ(tes_pcm_level_dbov(p), TES_LEVEL_SILENT);
	p = tes_deref(p);

	return 0;
}

TES_TEST(mixer_audio_mixminus)
{
	static const double amp[3] = {0.2, 0.15, 0.1};
	struct tes_amix_input in[4];
	struct tes_amix_result res;
	struct tes_pcm *p[3];
	struct tes_amix *m;
	double e_all[3];

	TEST_OK(tes_amix_alloc(&m, 1, NULL));
	for (int i = 0; i < 3; i++) {
		TEST_OK(sine_block(&p[i], 1, FREQ[i], amp[i], 0));
		in[i] = (struct tes_amix_input){IDS[i], p[i], -1};
	}
	/* not decoded: never mixed */
	in[3] = (struct tes_amix_input){44, NULL, 0};

	TEST_OK(tes_amix_mix(m, in, 4, 0, &res));
	TEST_EQ(res.nminus, 3);

	/* under -6 dBFS: the everyone mix is the exact sum */
	for (int i = 0; i < N; i++)
		TEST_EQ(res.everyone->data[i],
			p[0]->data[i] + p[1]->data[i] + p[2]->data[i]);
	for (int f = 0; f < 3; f++)
		e_all[f] = goertzel(res.everyone->data, N, 1, FREQ[f]);

	for (size_t k = 0; k < res.nminus; k++) {
		const struct tes_pcm *mm = res.minus[k].pcm;
		int self = -1;

		for (int i = 0; i < 3; i++)
			if (IDS[i] == res.minus[k].id)
				self = i;
		TEST_ASSERT(self >= 0);
		TEST_ASSERT(tes_amix_result_for(&res, IDS[self]) == mm);
		for (int f = 0; f < 3; f++) {
			double e = goertzel(mm->data, N, 1, FREQ[f]);

			if (f == self)
				TEST_ASSERT(e < 1e-6 * e_all[f]);
			else
				TEST_ASSERT(fabs(e - e_all[f]) <
					    1e-3 * e_all[f]);
		}
	}
	/* loudest first */
	TEST_EQ(res.minus[0].id, ID_A);
	TEST_ASSERT(tes_amix_result_for(&res, 44) == res.everyone);
	tes_amix_result_clear(&res);
	TEST_ASSERT(res.everyone == NULL && res.nminus == 0);

	pcm_free3(p);
	m = tes_deref(m);

	return 0;
}

TES_TEST(mixer_audio_stereo)
{
	struct tes_amix_input in[2];
	struct tes_amix_result res;
	struct tes_pcm *a, *b;
	const struct tes_pcm *ma;
	struct tes_amix *m;

	TEST_OK(tes_amix_alloc(&m, 2, NULL));
	TEST_OK(sine_block(&a, 1, 450, 0.2, 0));
	TEST_OK(sine_block(&b, 2, 1000, 0.2, 0));
	in[0] = (struct tes_amix_input){ID_A, a, -1};
	in[1] = (struct tes_amix_input){ID_B, b, -1};
	TEST_OK(tes_amix_mix(m, in, 2, 0, &res));
	TEST_EQ(res.everyone->channels, 2);
	TEST_EQ(res.nminus, 2);
	ma = tes_amix_result_for(&res, ID_A);
	for (int i = 0; i < N; i++) {
		TEST_EQ(res.everyone->data[2 * i], a->data[i] + b->data[2 * i]);
		TEST_EQ(res.everyone->data[2 * i + 1],
			a->data[i] + b->data[2 * i + 1]);
		TEST_EQ(ma->data[2 * i], b->data[2 * i]);
		TEST_EQ(ma->data[2 * i + 1], b->data[2 * i + 1]);
	}
	tes_amix_result_clear(&res);
	a = tes_deref(a);
	b = tes_deref(b);
	m = tes_deref(m);

	return 0;
}

/* check one limited block against the float sum it came from */
static int check_limited(const struct tes_pcm *out, const double *sum,
			 int *peak)
{
	for (int i = 0; i < N; i++) {
		int v = out->data[i];

		if (abs(v) > 32767)
			return 1;
		/* never wraps: same sign as the unlimited sum */
		if (fabs(sum[i]) >= 8 && (v == 0 || (v < 0) != (sum[i] < 0)))
			return 1;
		*peak = TES_MAX(*peak, abs(v));
	}

	return 0;
}

TES_TEST(mixer_audio_limiter)
{
	struct tes_amix_input in[3];
	struct tes_amix_result res = {0};
	struct tes_pcm *p[3] = {0};
	struct tes_amix *m;
	double *sum = calloc(2 * N, sizeof(*sum)), *minus = sum + N;
	int peak = 0, blk = 0;

	TEST_ASSERT(sum);
	TEST_OK(tes_amix_alloc(&m, 1, NULL));

	/* 3 x 0.8 full scale: sums up to 2.4 FS */
	for (; blk < 50; blk++) {
		for (int i = 0; i < 3; i++) {
			TEST_OK(sine_block(&p[i], 1, FREQ[i], 0.8, blk));
			in[i] = (struct tes_amix_input){IDS[i], p[i], -1};
		}
		for (int i = 0; i < N; i++)
			sum[i] = p[0]->data[i] + p[1]->data[i] +
				 p[2]->data[i];
		TEST_OK(tes_amix_mix(m, in, 3, (uint64_t)blk * 20, &res));
		TEST_ASSERT(!check_limited(res.everyone, sum, &peak));
		for (size_t k = 0; k < res.nminus; k++) {
			uint32_t id = res.minus[k].id;
			int self = id == ID_A ? 0 : id == ID_B ? 1 : 2;
			int unused = 0;

			for (int i = 0; i < N; i++)
				minus[i] = sum[i] - p[self]->data[i];
			TEST_ASSERT(!check_limited(res.minus[k].pcm, minus,
						   &unused));
		}
		tes_amix_result_clear(&res);
		pcm_free3(p);
	}
	/* limited, not muted: peaks ride just under full scale */
	TEST_ASSERT(peak > 29000);

	/* quiet again: after the release the output is exact once more */
	for (int k = 0; k < 60; k++, blk++) {
		for (int i = 0; i < 3; i++) {
			TEST_OK(sine_block(&p[i], 1, FREQ[i], 0.15, blk));
			in[i] = (struct tes_amix_input){IDS[i], p[i], -1};
		}
		TEST_OK(tes_amix_mix(m, in, 3, (uint64_t)blk * 20, &res));
		if (k == 59)
			for (int i = 0; i < N; i++)
				TEST_EQ(res.everyone->data[i],
					p[0]->data[i] + p[1]->data[i] +
						p[2]->data[i]);
		tes_amix_result_clear(&res);
		pcm_free3(p);
	}

	free(sum);
	m = tes_deref(m);

	return 0;
}

TES_TEST(mixer_audio_limiter_curve)
{
	struct tes_limiter l = {0};
	int32_t in[N];
	int16_t out[N];

	/* below -6 dBFS with a fresh limiter: bit exact */
	for (int i = 0; i < N; i++)
		in[i] = (int32_t)lrint(sine(700, 0.5, 0, i));
	tes_limiter_run(&l, in, out, N, 1);
	for (int i = 0; i < N; i++)
		TEST_EQ(out[i], in[i]);

	/* a full-scale step well past int16: smooth, no wrap */
	for (int i = 0; i < N; i++)
		in[i] = (i & 1) ? 200000 : -200000;
	tes_limiter_run(&l, in, out, N, 1);
	for (int i = 0; i < N; i++) {
		TEST_ASSERT(out[i] != 0 && (out[i] > 0) == (in[i] > 0));
		/* after the first millisecond the gain holds 0.9 FS */
		if (i >= 48)
			TEST_ASSERT(abs(out[i]) <= 29492 &&
				    abs(out[i]) > 29000);
	}
	TEST_ASSERT(l.gain < 0.2f);

	return 0;
}

/* levels: each id at a dbov */
static void lv3(struct tes_level *lv, int a, int b, int c)
{
	lv[0] = (struct tes_level){ID_A, a};
	lv[1] = (struct tes_level){ID_B, b};
	lv[2] = (struct tes_level){ID_C, c};
}

TES_TEST(mixer_speaker_det)
{
	struct tes_speaker_det *d;
	struct tes_level lv[3];
	uint64_t t = 0, t0, switched = 0;
	uint32_t id;
	int changes = 0;

	TEST_OK(tes_speaker_det_alloc(&d, NULL));
	TEST_ASSERT(!tes_speaker_det_active(d, &id));

	/* nobody speaks: nobody is active */
	for (; t < 1000; t += 20) {
		lv3(lv, 127, 127, 100);
		TEST_ASSERT(!tes_speaker_det_update(d, lv, 3, t));
	}
	TEST_ASSERT(!tes_speaker_det_active(d, &id));

	/* A speaks: free slot, taken at once */
	for (; t < 3000; t += 20) {
		lv3(lv, 20, 40, 127);
		tes_speaker_det_update(d, lv, 3, t);
	}
	TEST_ASSERT(tes_speaker_det_active(d, &id));
	TEST_EQ(id, ID_A);

	/* B gets 20 dB louder: not before the hold time, soon after */
	t0 = t;
	for (; t < t0 + 2000; t += 20) {
		lv3(lv, 40, 20, 127);
		if (tes_speaker_det_update(d, lv, 3, t)) {
			changes++;
			switched = t;
		}
		tes_speaker_det_active(d, &id);
		if (t < t0 + TES_SPEAKER_HOLD_MS)
			TEST_EQ(id, ID_A);
	}
	TEST_EQ(changes, 1);
	TEST_EQ(id, ID_B);
	TEST_ASSERT(switched >= t0 + TES_SPEAKER_HOLD_MS);
	TEST_ASSERT(switched <= t0 + TES_SPEAKER_HOLD_MS + 300);

	/* equal levels with jitter: no flapping */
	for (int k = 0; t < t0 + 12000; t += 20, k++) {
		int j = (k % 3) - 1;

		lv3(lv, 30 + 2 * j, 30 - 2 * j, 127);
		TEST_ASSERT(!tes_speaker_det_update(d, lv, 3, t));
	}

	/* a short burst from C (shorter than the hold) changes nothing */
	for (uint64_t tb = t; t < tb + 300; t += 20) {
		lv3(lv, 30, 30, 5);
		TEST_ASSERT(!tes_speaker_det_update(d, lv, 3, t));
	}

	/* silence keeps the last speaker */
	for (uint64_t ts = t; t < ts + 5000; t += 20) {
		lv3(lv, 127, 127, 127);
		TEST_ASSERT(!tes_speaker_det_update(d, lv, 3, t));
	}
	TEST_ASSERT(tes_speaker_det_active(d, &id));
	TEST_EQ(id, ID_B);

	/* B leaves: still reported until someone speaks */
	for (uint64_t ts = t; t < ts + 1000; t += 20) {
		lv3(lv, 127, 127, 127);
		TEST_ASSERT(!tes_speaker_det_update(d, lv, 1, t));
	}
	TEST_ASSERT(tes_speaker_det_active(d, &id));
	TEST_EQ(id, ID_B);
	/* A was tracked as silent: its level rises within a few blocks */
	changes = 0;
	for (uint64_t ts = t; t < ts + 100; t += 20) {
		lv3(lv, 30, 127, 127);
		changes += tes_speaker_det_update(d, lv, 1, t);
	}
	TEST_EQ(changes, 1);
	TEST_ASSERT(tes_speaker_det_active(d, &id));
	TEST_EQ(id, ID_A);

	d = tes_deref(d);

	return 0;
}

TES_TEST(mixer_speaker_topk)
{
	struct tes_topk_cfg cfg = {.k = 3};
	struct tes_level lv[5];
	struct tes_topk *t;
	uint32_t ids[8], first[3];
	uint64_t now = 0, t0;
	size_t n;

	TEST_OK(tes_topk_alloc(&t, &cfg));
	cfg.k = TES_AMIX_MAX_K + 1;
	TEST_EQ(tes_topk_alloc(NULL, &cfg), -EINVAL);

	/* five nearly equal talkers: the set does not change */
	for (int k = 0; k < 500; k++, now += 20) {
		for (uint32_t i = 0; i < 5; i++)
			lv[i] = (struct tes_level){100 + i,
				30 + (int)((k + i) % 3)};
		n = tes_topk_update(t, lv, 5, now);
		TEST_EQ(n, 3);
		TEST_EQ(tes_topk_selected(t, ids, 8), 3);
		if (!k)
			memcpy(first, ids, sizeof(first));
		for (int i = 0; i < 3; i++)
			TEST_ASSERT(tes_topk_is_selected(t, first[i]));
	}

	/* a much louder outsider replaces the weakest after the hold */
	for (uint32_t i = 0; i < 5; i++)
		if (!tes_topk_is_selected(t, 100 + i))
			ids[0] = 100 + i;
	t0 = now;
	for (; now < t0 + 1000; now += 20) {
		for (uint32_t i = 0; i < 5; i++)
			lv[i] = (struct tes_level){100 + i,
				100 + i == ids[0] ? 10 : 30};
		tes_topk_update(t, lv, 5, now);
		if (now < t0 + TES_TOPK_HOLD_MS)
			TEST_ASSERT(!tes_topk_is_selected(t, ids[0]));
	}
	TEST_ASSERT(tes_topk_is_selected(t, ids[0]));
	TEST_EQ(tes_topk_selected(t, ids + 1, 1), 1);
	TEST_EQ(ids[1], ids[0]); /* loudest first */

	/* everyone silent: holders leave after the release time */
	for (t0 = now; now < t0 + 2000; now += 20) {
		for (uint32_t i = 0; i < 5; i++)
			lv[i] = (struct tes_level){100 + i, 127};
		n = tes_topk_update(t, lv, 5, now);
	}
	TEST_EQ(n, 0);
	t = tes_deref(t);

	return 0;
}
