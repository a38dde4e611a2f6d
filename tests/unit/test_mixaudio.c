/**
 * @file test_mixaudio.c  A mixed room's audio out, with participants of
 * different codecs: an Opus and a PCMU speaker, and an Opus and a PCMU
 * listener each.  Each receives the mix in its own codec with RTP
 * timestamps of its codec's clock (+960 Opus, +160 PCMU a block), also
 * in its RTCP sender reports; a speaker gets its mix-minus, listeners of
 * one codec share one encode; one distinct (mix, codec) is one encode.
 * A room of PCMU endpoints only still encodes the shared mix in Opus for
 * its recording.
 *
 * The room is real (tes__mix_alloc on a loop and worker pool); its
 * participants are made here, connected, with no transport: what the mix
 * sends is caught through the context's send_rtp / send_rtcp.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "codecs/codec.h"
#include "layouts/layout.h"
#include "room/mix_int.h"
#include "recmedia.h"
#include "rtp/rtp.h"
#include "test.h"

enum {
	NPARTS = 6,
	MAX_PKTS = 64,       /* kept per receiver */
	FEED_TICKS = 20,     /* 400 ms of audio from the speakers */
	OPUS_PT = 111,
	PCMU_PT = 0,
};

/* what one receiver got */
struct got {
	uint32_t ssrc;
	size_t n;
	uint8_t pt[MAX_PKTS];
	uint32_t ts[MAX_PKTS];
	size_t len[MAX_PKTS];
	uint8_t first[MAX_PKTS][8];  /* payload head, to compare mixes */
	bool sr;                     /* a sender report came */
	uint32_t sr_ts;
	size_t sr_after;             /* RTP packets sent before it */
};

struct world {
	uv_loop_t loop;
	struct tes_conf conf;
	struct tes__mixctx ctx;
	struct tes__room room;
	struct tes__part *p[NPARTS];
	struct got got[NPARTS];
	uv_timer_t feed;
	int fed;
	int nparts;
	uint16_t seq[2];
	struct tes_aenc *enc[2];     /* the speakers' encoders */
	int bad;                     /* a packet that did not parse */
};

static struct world *the;

static struct got *got_of(struct tes__part *p)
{
	for (int i = 0; i < the->nparts; i++) {
		if (the->p[i] == p)
			return &the->got[i];
	}
	return NULL;
}

static int catch_rtp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	struct got *g = got_of(p);
	struct tes_rtp_hdr h;

	if (!g || tes_rtp_parse(&h, buf, len)) {
		the->bad++;
		return -EINVAL;
	}
	if (g->n == MAX_PKTS)
		return 0;
	g->ssrc = h.ssrc;
	g->pt[g->n] = h.pt;
	g->ts[g->n] = h.ts;
	g->len[g->n] = h.payload_len;
	memcpy(g->first[g->n], h.payload, TES_MIN(h.payload_len, 8));
	g->n++;
	return 0;
}

static int catch_rtcp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	struct got *g = got_of(p);
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;

	tes_rtcp_iter_init(&it, buf, len);
	while (g && !tes_rtcp_next(&it, &pkt)) {
		if (pkt.pt != TES_RTCP_SR || g->sr)
			continue;
		g->sr = true;
		g->sr_ts = pkt.rtp_ts;
		g->sr_after = g->n;
	}
	return 0;
}

/* A connected participant with one audio stream in codec */
static struct tes__part *part_new(uint32_t num, const char *codec,
				  uint8_t pt, uint32_t clock, bool speaks)
{
	struct tes__part *p = tes_alloc(sizeof(*p), NULL);
	struct tes__stream *st;

	if (!p || the->nparts == NPARTS)
		return tes_deref(p);
	p->room = &the->room;
	p->num = num;
	snprintf(p->id, sizeof(p->id), "part%u", num);
	snprintf(p->name, sizeof(p->name), "%s", p->id);
	p->state = TES__PART_CONNECTED;
	p->conf = &the->conf;
	st = &p->streams[p->n_streams++];
	st->kind = TES_MEDIA_AUDIO;
	st->pt = pt;
	st->clock = clock;
	st->we_send = true;
	st->we_recv = speaks;
	st->out_ssrc = 0x1000 + num;
	snprintf(st->codec, sizeof(st->codec), "%s", codec);
	if (tes__mixin_alloc(p, &the->ctx)) {
		tes_deref(p);
		return NULL;
	}
	p->next = the->room.parts;
	the->room.parts = p;
	the->room.n_parts++;
	the->p[the->nparts++] = p;
	return p;
}

/* 20 ms of a tone from speaker k (0: Opus, 1: PCMU) */
static void speak(int k, struct tes__part *p)
{
	const struct tes_acodec *ac = tes_acodec_find(k ? "PCMU" : "opus");
	struct tes_pcm *pcm = NULL;
	struct tes_rtp_hdr h;
	uint8_t pkt[1500];
	int n;

	if (tes_pcm_alloc(&pcm, 1, TES_AUDIO_FRAME_SAMPLES))
		return;
	for (int i = 0; i < pcm->samples; i++)
		pcm->data[i] = (int16_t)(9000 * sin(2 * M_PI * (k ? 300 : 500) *
					 (the->fed * pcm->samples + i) /
					 TES_AUDIO_RATE));
	n = ac->encode(the->enc[k], pcm, pkt, sizeof(pkt));
	tes_deref(pcm);
	if (n <= 0)
		return;
	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.pt = p->streams[0].pt;
	h.seq = the->seq[k]++;
	h.ts = (uint32_t)the->fed * (uint32_t)(k ? 160 : 960);
	h.ssrc = 0x5000 + (uint32_t)k;
	h.payload = pkt;
	h.payload_len = (size_t)n;
	tes__mix_rtp(p, &p->streams[0], &h);
}

/* the speakers: the first participant, on Opus, and the second, on PCMU
 * (speakers[k]: the participant speaking codec k, or NULL) */
static struct tes__part *speakers[2];

static void feed_cb(uv_timer_t *t)
{
	(void)t;
	for (int k = 0; k < 2; k++) {
		if (speakers[k])
			speak(k, speakers[k]);
	}
	if (++the->fed == FEED_TICKS) {
		uv_timer_stop(&the->feed);
		uv_close((uv_handle_t *)&the->feed, NULL);
		tes__mix_close(the->room.mix);
		the->room.mix = NULL;
	}
}

/* consecutive packets advance by step a block (a loaded machine may skip
 * a tick: then by a multiple); the payloads look like codec's */
static int check_stream(const struct got *g, uint8_t pt, uint32_t step,
			size_t len)
{
	TEST_ASSERT(g->n >= FEED_TICKS - 5);
	for (size_t i = 0; i < g->n; i++) {
		uint32_t d = g->ts[i] - g->ts[i ? i - 1 : 0];

		TEST_EQ(g->pt[i], pt);
		if (len)
			TEST_EQ(g->len[i], len);
		else
			TEST_ASSERT(g->len[i] > 0 && g->len[i] < 400);
		if (i && (d % step || !d || d > 5 * step))
			TEST_FAIL("packet %zu: timestamp +%u", i, d);
	}
	/* the first report came before any packet: block 0, the stream's
	 * first timestamp */
	TEST_ASSERT(g->sr && !g->sr_after);
	TEST_EQ(g->sr_ts, g->ts[0]);
	return 0;
}

static int setup(struct world *w)
{
	struct tes_aenc_params prm = {.channels = 1, .bitrate = 32000};

	the = w;
	speakers[0] = speakers[1] = NULL;
	TEST_OK(uv_loop_init(&w->loop));
	w->ctx.loop = &w->loop;
	w->ctx.conf = &w->conf;
	w->ctx.send_rtp = catch_rtp;
	w->ctx.send_rtcp = catch_rtcp;
	TEST_OK(tes_pool_alloc(&w->ctx.pool, &w->loop, 1));
	TEST_OK(tes_layouts_load(&w->ctx.layouts,
				 TES_SOURCE_DIR "/conf/layouts.yaml", stderr));
	snprintf(w->room.name, sizeof(w->room.name), "mixaudio");
	TEST_OK(tes_acodec_find("opus")->enc_alloc(&w->enc[0], &prm));
	TEST_OK(tes_acodec_find("PCMU")->enc_alloc(&w->enc[1], &prm));
	return 0;
}

/* feed FEED_TICKS blocks, close the room, read its info at the end */
static int run(struct world *w, struct tes_room_info *ri)
{
	struct tes__mix *m = tes_ref(w->room.mix);

	TEST_OK(uv_timer_init(&w->loop, &w->feed));
	TEST_OK(uv_timer_start(&w->feed, feed_cb, 20, 20));
	uv_run(&w->loop, UV_RUN_DEFAULT);
	memset(ri, 0, sizeof(*ri));
	tes__mix_info(m, ri);
	tes_deref(m);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  %llu ticks (%llu missed), %llu encodes, "
			"%llu decoded\n",
			(unsigned long long)ri->audio_ticks,
			(unsigned long long)ri->audio_missed,
			(unsigned long long)ri->audio_encodes,
			(unsigned long long)ri->audio_decoded);
	return 0;
}

static int teardown(struct world *w)
{
	for (int i = 0; i < w->nparts; i++) {
		tes__mixin_detach(w->p[i]);
		tes_deref(w->p[i]);
	}
	tes_pool_close(w->ctx.pool);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	TEST_OK(uv_loop_close(&w->loop));
	tes_deref(w->ctx.layouts);
	tes_deref(w->enc[0]);
	tes_deref(w->enc[1]);
	the = NULL;
	return 0;
}

TES_TEST(mixaudio_codecs_and_clocks)
{
	static struct world w;
	struct tes_room_info ri;
	struct got *a, *b, *c, *d, *e, *f;
	size_t last;

	memset(&w, 0, sizeof(w));
	tes_conf_defaults(&w.conf);
	if (setup(&w))
		return 1;

	/* speakers: A on Opus, B on PCMU; listeners C, E on Opus, D, F on
	 * PCMU */
	speakers[0] = part_new(1, "opus/48000/2", OPUS_PT, 48000, true);
	speakers[1] = part_new(2, "PCMU/8000", PCMU_PT, 8000, true);
	part_new(3, "opus/48000/2", OPUS_PT, 48000, false);
	part_new(4, "PCMU/8000", PCMU_PT, 8000, false);
	part_new(5, "opus/48000/2", OPUS_PT, 48000, false);
	part_new(6, "PCMU/8000", PCMU_PT, 8000, false);
	TEST_EQ(w.nparts, NPARTS);
	TEST_OK(tes__mix_alloc(&w.room.mix, &w.room, &w.ctx));
	if (run(&w, &ri))
		return 1;

	a = &w.got[0];
	b = &w.got[1];
	c = &w.got[2];
	d = &w.got[3];
	e = &w.got[4];
	f = &w.got[5];
	TEST_EQ(w.bad, 0);
	/* each in its codec and clock, its own SSRC */
	for (int i = 0; i < NPARTS; i++) {
		bool opus = i % 2 == 0;

		if (check_stream(&w.got[i], opus ? OPUS_PT : PCMU_PT,
				 opus ? 960 : 160, opus ? 0 : 160))
			TEST_FAIL("receiver %d", i);
		TEST_EQ(w.got[i].ssrc, 0x1000 + i + 1);
	}
	/* one clock origin, and each block in both: block k is k * 960
	 * Opus ticks and k * 160 PCMU ticks from it */
	TEST_EQ((uint32_t)(c->ts[0] - d->ts[0]), 0);
	for (size_t i = 0; i < TES_MIN(c->n, d->n); i++)
		TEST_EQ((c->ts[i] - c->ts[0]) / 960,
			(d->ts[i] - d->ts[0]) / 160);

	/* at the end both speakers are mixed: each hears its mix-minus,
	 * the listeners of a codec the shared mix (the same encode) */
	last = TES_MIN(TES_MIN(a->n, b->n),
		       TES_MIN(TES_MIN(c->n, d->n), TES_MIN(e->n, f->n))) - 1;
	TEST_EQ(c->len[last], e->len[last]);
	TEST_MEMEQ(c->first[last], e->first[last], 8);
	TEST_MEMEQ(d->first[last], f->first[last], 8);
	TEST_ASSERT(memcmp(b->first[last], d->first[last], 8));
	TEST_ASSERT(a->len[last] != c->len[last] ||
		    memcmp(a->first[last], c->first[last], 8));

	/* at most 4 encodes a tick (A's and B's mix-minus, the shared mix
	 * in Opus and in PCMU), not one per receiver; at least the two
	 * shared ones, and the speakers' for a while */
	TEST_ASSERT(ri.audio_ticks >= FEED_TICKS - 2);
	TEST_ASSERT(ri.audio_encodes <= 4 * ri.audio_ticks);
	TEST_ASSERT(ri.audio_encodes >=
		    2 * (ri.audio_ticks - ri.audio_missed) + 4);

	return teardown(&w);
}

static void rec_started(const struct tes_rec_desc *d, void *arg)
{
	snprintf(arg, 256, "%s", d->path);
}

/* PCMU endpoints only: nobody takes Opus, but the recording takes the
 * shared mix in Opus, so it is encoded too */
TES_TEST(mixaudio_g711_room_records_opus)
{
	static struct world w;
	struct tes_room_info ri;
	struct rec_probe pr;
	char path[256] = "", err[256];
	int ret;

	memset(&w, 0, sizeof(w));
	tes_conf_defaults(&w.conf);
	/* one small profile keeps the recording's video cheap */
	w.conf.profiles[0] = (struct tes_conf_profile){
		"p", "VP8", 160, 90, 10, 100, 8, 1};
	w.conf.n_profiles = 1;
	rec_tmp_path(w.conf.recording_dir, sizeof(w.conf.recording_dir), "d");
	if (setup(&w))
		return 1;
	speakers[1] = part_new(1, "PCMU/8000", PCMU_PT, 8000, true);
	part_new(2, "PCMU/8000", PCMU_PT, 8000, false);
	TEST_OK(tes__mix_alloc(&w.room.mix, &w.room, &w.ctx));
	TEST_OK(tes__recs_start(tes__mix_recs(w.room.mix), "p", "webm", NULL,
				rec_started, path, err, sizeof(err)));
	TEST_ASSERT(path[0]);
	if (run(&w, &ri))
		return 1;

	/* the room's end finished the file */
	ret = rec_probe(path, &pr);
	unlink(path);
	rmdir(w.conf.recording_dir);
	TEST_OK(ret);
	if (getenv("TES_TEST_VERBOSE"))
		fprintf(stderr, "  recording: %d video, %d audio packets\n",
			pr.vpkts, pr.apkts);
	TEST_EQ(w.bad, 0);
	for (int i = 0; i < 2; i++) {
		if (check_stream(&w.got[i], PCMU_PT, 160, 160))
			TEST_FAIL("receiver %d", i);
	}
	/* each tick: the shared mix in PCMU and in Opus (and the speaker's
	 * mix-minus once it is mixed) */
	TEST_ASSERT(ri.audio_encodes >= 2 * (ri.audio_ticks - ri.audio_missed));
	TEST_EQ(pr.acodec, AV_CODEC_ID_OPUS);
	TEST_ASSERT(pr.apkts >= FEED_TICKS / 2);

	return teardown(&w);
}
