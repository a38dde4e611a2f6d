/**
 * @file codecfloor.c  tes_codecfloor: the codec work of one mix room alone,
 * in one thread, with Tessera's own codec wrappers: no network, no
 * scheduling, no compositing.  What no mixer can go below without doing
 * less codec work.
 *
 * Per media second of a room with N inputs and one output profile:
 *  - N VP8 decodes of fps frames each (the IVF files, decoded fully in
 *    order, looped if shorter than the run);
 *  - fps VP8 encodes at the profile's size (realtime, CBR, one thread,
 *    keyframes on demand only: the room's encoder settings);
 *  - 50 Opus decodes per input (K talkers send a sine, the others
 *    silence) and 50 Opus encodes per distinct mix (K + 1: the K
 *    talkers' mix-minus and everyone else's shared mix).
 *
 * What is encoded: before timing, the first CANVAS_LOOP frames of each
 * input are decoded and composited once (Tessera's compositor, 3x3 grid)
 * into CANVAS_LOOP canvases; the timed encoder runs through them in a
 * loop.  So the encoder sees moving, real content like the room's, while
 * the compositing stays out of the measurement.  The audio mixes are the
 * decoded talker signal (summing is mixing, not codec work).
 *
 * CPU time is getrusage(RUSAGE_SELF) user + system over the timed part.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/frame.h"
#include "bench/bench.h"
#include "codecs/codec.h"
#include "mixer/mixer.h"

enum {
	MAX_INPUTS = 16,
	CANVAS_LOOP = 60,          /* 2 s at 30 fps */
	AUDIO_LOOP = 50,
	TALK_LEVEL = 30,
};

struct opts {
	double seconds;
	int fps;
	int width;
	int height;
	int bitrate;
	int cpu_used;
	int talkers;
};

struct floor {
	struct opts o;
	struct tes_bench_clip *clip[MAX_INPUTS];
	int n;
	struct tes_frame *canvas[CANVAS_LOOP];
	struct tes_bench_opus tone[AUDIO_LOOP];
	struct tes_bench_opus silence[AUDIO_LOOP];
	const struct tes_vcodec *vc;
	const struct tes_acodec *ac;
	uint64_t enc_bytes;
	uint64_t decoded;
	uint64_t dec_errors;
	double t_vdec;
	double t_venc;
	double t_audio;
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_au(const struct tes_au *au, void *arg)
{
	struct floor *f = arg;

	f->enc_bytes += au->len;
}

/* Decode the first CANVAS_LOOP frames of every input and composite them
 * into a 3x3 (or smaller) grid, as the room's "auto" layout does. */
static int make_canvases(struct floor *f)
{
	struct tes_vdec *dec[MAX_INPUTS] = {NULL};
	struct tes_frame *last[MAX_INPUTS] = {NULL};
	struct tes_compose_cell cells[MAX_INPUTS];
	const uint8_t bg[3] = {16, 128, 128};
	int cols = 1, err = 0;

	while (cols * cols < f->n)
		cols++;
	for (int i = 0; i < f->n && !err; i++)
		err = f->vc->dec_alloc(&dec[i]);

	for (int k = 0; k < CANVAS_LOOP && !err; k++) {
		for (int i = 0; i < f->n; i++) {
			const struct tes_bench_clip *c = f->clip[i];
			const struct tes_bench_au *au =
				&c->au[(size_t)k % c->n];
			struct tes_frame *fr = NULL;

			if (!f->vc->decode(dec[i], au->data, au->len, &fr)) {
				tes_deref(last[i]);
				last[i] = fr;
			}
			memset(&cells[i], 0, sizeof(cells[i]));
			tes_compose_rect((float)(i % cols) / (float)cols,
					 (float)(i / cols) / (float)cols,
					 1.0f / (float)cols, 1.0f / (float)cols,
					 f->o.width, f->o.height, &cells[i].x,
					 &cells[i].y, &cells[i].w, &cells[i].h);
			cells[i].src = last[i];
			cells[i].ph_y = 16;
			cells[i].ph_u = cells[i].ph_v = 128;
		}
		err = tes_frame_alloc(&f->canvas[k], f->o.width,
				      f->o.height);
		if (!err)
			err = tes_compose(f->canvas[k], bg, cells,
					  (size_t)f->n, NULL);
	}
	for (int i = 0; i < f->n; i++) {
		tes_deref(dec[i]);
		tes_deref(last[i]);
	}

	return err;
}

static int run(struct floor *f, uint64_t frames, uint64_t blocks)
{
	struct tes_venc_params vp = {
		.width = f->o.width, .height = f->o.height, .fps = f->o.fps,
		.bitrate_kbps = f->o.bitrate, .cpu_used = f->o.cpu_used,
		.threads = 1, .keyint = 0,
	};
	struct tes_aenc_params ap = {.channels = 1, .bitrate = 32000,
				     .complexity = 5, .fec = true};
	struct tes_vdec *vdec[MAX_INPUTS] = {NULL};
	struct tes_adec *adec[MAX_INPUTS] = {NULL};
	struct tes_aenc *aenc[MAX_INPUTS + 1] = {NULL};
	struct tes_pcm *pcm[MAX_INPUTS] = {NULL};
	struct tes_venc *venc = NULL;
	int nmix = TES_MIN(f->o.talkers, f->n) + 1;
	uint64_t ab = 0;
	uint8_t out[TES_BENCH_OPUS_MAX];
	double t;
	int err;

	err = f->vc->enc_alloc(&venc, &vp);
	for (int i = 0; i < f->n && !err; i++) {
		err = f->vc->dec_alloc(&vdec[i]);
		if (!err)
			err = f->ac->dec_alloc(&adec[i], 1);
	}
	for (int i = 0; i < nmix && !err; i++)
		err = f->ac->enc_alloc(&aenc[i], &ap);
	if (err)
		goto out;

	for (uint64_t k = 0; k < frames && !err; k++) {
		t = thread_cpu();
		for (int i = 0; i < f->n; i++) {
			const struct tes_bench_clip *c = f->clip[i];
			const struct tes_bench_au *au = &c->au[k % c->n];
			struct tes_frame *fr = NULL;

			if (f->vc->decode(vdec[i], au->data, au->len, &fr))
				f->dec_errors++;
			else
				f->decoded++;
			tes_deref(fr);
		}
		f->t_vdec += thread_cpu() - t;

		t = thread_cpu();
		err = f->vc->encode(venc, f->canvas[k % CANVAS_LOOP], k == 0,
				    count_au, f);
		f->t_venc += thread_cpu() - t;

		/* the 20 ms audio blocks due by the end of this frame */
		t = thread_cpu();
		for (; ab < blocks && ab * 20 * (uint64_t)f->o.fps <
					      (k + 1) * 1000; ab++) {
			size_t li = (size_t)(ab % AUDIO_LOOP);

			for (int i = 0; i < f->n; i++) {
				const struct tes_bench_opus *pk =
					i < f->o.talkers ? &f->tone[li]
							 : &f->silence[li];

				pcm[i] = tes_deref(pcm[i]);
				(void)f->ac->decode(adec[i], pk->data, pk->len,
						    false, &pcm[i]);
			}
			for (int m = 0; m < nmix; m++) {
				const struct tes_pcm *in =
					pcm[m < f->n ? m : 0];

				if (in)
					(void)f->ac->encode(aenc[m], in, out,
							    sizeof(out));
			}
		}
		f->t_audio += thread_cpu() - t;
	}
out:
	tes_deref(venc);
	for (int i = 0; i < MAX_INPUTS; i++) {
		tes_deref(vdec[i]);
		tes_deref(adec[i]);
		tes_deref(pcm[i]);
	}
	for (int i = 0; i < MAX_INPUTS + 1; i++)
		tes_deref(aenc[i]);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: tes_codecfloor [--seconds 20] [--fps 30] "
		"[--width 1280] [--height 720]\n"
		"                      [--bitrate 1500] [--cpu-used 6] "
		"[--talkers 3] IN.ivf...\n");
}

static int parse_opts(struct floor *f, int argc, char **argv)
{
	static const struct option longs[] = {
		{"seconds", required_argument, NULL, 's'},
		{"fps", required_argument, NULL, 'f'},
		{"width", required_argument, NULL, 'W'},
		{"height", required_argument, NULL, 'H'},
		{"bitrate", required_argument, NULL, 'b'},
		{"cpu-used", required_argument, NULL, 'c'},
		{"talkers", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct opts *o = &f->o;
	int c, err;

	*o = (struct opts){.seconds = 20, .fps = 30, .width = 1280,
			   .height = 720, .bitrate = 1500, .cpu_used = 6,
			   .talkers = 3};
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 's': o->seconds = atof(optarg); break;
		case 'f': o->fps = atoi(optarg); break;
		case 'W': o->width = atoi(optarg); break;
		case 'H': o->height = atoi(optarg); break;
		case 'b': o->bitrate = atoi(optarg); break;
		case 'c': o->cpu_used = atoi(optarg); break;
		case 'k': o->talkers = atoi(optarg); break;
		default: usage(); return -EINVAL;
		}
	}
	if (optind >= argc || argc - optind > MAX_INPUTS ||
	    o->seconds <= 0 || o->fps < 1 || o->talkers < 0) {
		usage();
		return -EINVAL;
	}
	for (int i = optind; i < argc; i++) {
		err = tes_bench_clip_load(&f->clip[f->n], argv[i]);
		if (err) {
			fprintf(stderr, "codecfloor: %s: %s\n", argv[i],
				strerror(-err));
			return err;
		}
		f->n++;
	}

	return 0;
}

int main(int argc, char **argv)
{
	struct floor *f = calloc(1, sizeof(*f));
	uint64_t frames, blocks;
	double cpu0, wall0, cpu, wall, media;
	int err;

	if (!f)
		return 1;
	tes_log_set_level(TES_LOG_WARN);
	if (parse_opts(f, argc, argv))
		return 2;

	printf("command:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");

	f->vc = tes_vcodec_find("VP8");
	f->ac = tes_acodec_find("opus");
	err = f->vc && f->ac ? 0 : -ENOENT;
	if (!err)
		err = make_canvases(f);
	if (!err)
		err = tes_bench_opus_loop(f->tone, f->silence, AUDIO_LOOP,
					  TALK_LEVEL);
	if (err) {
		fprintf(stderr, "codecfloor: set-up: %s\n", strerror(-err));
		return 1;
	}

	frames = (uint64_t)(f->o.seconds * f->o.fps + 0.5);
	blocks = (uint64_t)(f->o.seconds * 1000 / TES_AUDIO_FRAME_MS + 0.5);
	media = (double)frames / f->o.fps;

	cpu0 = tes_bench_self_cpu();
	wall0 = tes_bench_wall();
	err = run(f, frames, blocks);
	cpu = tes_bench_self_cpu() - cpu0;
	wall = tes_bench_wall() - wall0;
	if (err) {
		fprintf(stderr, "codecfloor: %s\n", strerror(-err));
		return 1;
	}

	printf("codecfloor: inputs=%d media_s=%.2f frames=%llu decoded=%llu "
	       "decode_errors=%llu enc_kbps=%.0f audio_blocks=%llu "
	       "audio_decodes=%d audio_encodes=%d\n",
	       f->n, media, (unsigned long long)frames,
	       (unsigned long long)f->decoded,
	       (unsigned long long)f->dec_errors,
	       (double)f->enc_bytes * 8 / 1000 / media,
	       (unsigned long long)blocks, f->n,
	       TES_MIN(f->o.talkers, f->n) + 1);
	printf("floor: cpu_s=%.2f wall_s=%.2f core_s_per_media_s=%.3f "
	       "rtf=%.2f vp8_decode=%.3f vp8_encode=%.3f opus=%.3f\n",
	       cpu, wall, cpu / media, media / wall, f->t_vdec / media,
	       f->t_venc / media, f->t_audio / media);

	for (int i = 0; i < CANVAS_LOOP; i++)
		tes_deref(f->canvas[i]);
	for (int i = 0; i < f->n; i++)
		tes_deref(f->clip[i]);
	free(f);

	return 0;
}
