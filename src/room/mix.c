/**
 * @file mix.c  Mix room mode, room side: the room clock.
 *
 * Video: at each tick the layout gives cells; every output profile in use
 * gets one job (on its own serial chain) that composites the newest frame
 * of each participant into the profile's canvas and encodes it once; the
 * access unit comes back to the loop thread, is packetized once and sent
 * to every participant on that profile with its own SSRC and sequence.
 * A profile whose previous job is still running skips the tick (counted as
 * a miss): a slow input or encoder never delays the clock.
 *
 * Audio: every 20 ms one job decodes the next packet of each participant,
 * mixes the K loudest with mix-minus and encodes once per distinct (mix,
 * codec) its receivers need: a speaker gets its own mix-minus, everyone
 * else the shared mix, each in the codec it negotiated (Opus, or a SIP
 * endpoint's G.711 / G.722) with RTP timestamps in that codec's clock.
 */
#include <stdlib.h>
#include <string.h>

#include "layouts/layout.h"
#include "room/mix_int.h"
#include "rtp/payload.h"

enum {
	AUDIO_TICK_MS = 20,
	AUDIO_JOBS_MAX = 3,     /* 60 ms of audio waiting for workers */
	MAX_PAYLOAD = 1200,
	KEYFRAME_GAP_MS = 1000,   /* at most one requested keyframe a second */
	RTCP_EVERY_TICKS = 50,    /* SR + REMB once a second */
	REMB_BPS = 2500000,       /* what we let browsers send us */
	FEEDBACK_AFTER_MS = 4000, /* a receiver's estimate counts after */
	ACODECS_MAX = 4,          /* Opus, PCMU, PCMA, G722 */
	AENC_SLOTS = (TES_AMIX_MAX_K + 1) * ACODECS_MAX,
	APKT_MAX = 1276,          /* an Opus packet's largest */
	LAT_SAMPLES = 1024,       /* latency samples kept for percentiles */
	SNAPSHOT_US = 1000000,    /* canvas copies for canvas.png */
	HIST_N = 1024,            /* video packets kept per profile for NACK */
	LOG_INTERVAL_MS = 5000,   /* rate-limited warnings */
};

/* A packetized payload of a profile, kept so NACKs can be answered. */
struct hist_pkt {
	uint32_t id;       /* packet id (ring position = id % HIST_N) */
	uint32_t ts;
	bool marker;
	uint16_t len;
	uint8_t data[MAX_PAYLOAD];
};

/* One output profile of one room (refcounted: encode jobs hold it). */
struct vprof {
	const struct tes_conf_profile *cfg;
	const struct tes_vcodec *codec;
	struct tes_venc *enc;            /* job */
	struct tes_frame *canvas;        /* job */
	struct tes_compose_scratch scratch; /* job */
	struct tes_pool_chain chain;     /* pool */
	struct tes_slot *snap;           /* any: a copy of a recent canvas */
	uint64_t snap_us;                /* job: when it was taken */
	int width;                       /* loop: canvas size of the jobs
					    from now on (the config's, or
					    one set for this room) */
	int height;                      /* loop */
	int new_width;                   /* loop: size asked for, taken at
					    the next tick; 0: none */
	int new_height;                  /* loop */
	bool resized;                    /* loop: the next job is the first
					    of a new size: a keyframe */
	bool busy;                       /* loop: a job in flight */
	bool want_key;                   /* loop */
	uint64_t last_key_ms;            /* loop */
	uint64_t next_due_us;            /* loop */
	uint16_t picture_id;             /* loop */
	struct hist_pkt *hist;           /* loop: the last HIST_N payloads
					    (NULL until the first is sent) */
	uint32_t next_id;                /* loop: id of the next payload */
	uint64_t frames;                 /* loop */
	uint64_t missed;                 /* loop: ticks skipped, job late */
	uint64_t nal_dropped;            /* loop: H.264 single NAL unit
					    mode: NAL units too big for a
					    packet, left out */
	struct tes_ratelog rl;           /* loop: its warnings */
};

/* The room's audio state (refcounted: audio jobs hold it). */
struct aroom {
	struct tes_amix *amix;           /* job */
	struct tes_speaker_det *det;     /* job */
	const struct tes_acodec *opus;   /* what recordings take */
	struct {
		uint32_t id;             /* 0: the shared mix */
		const struct tes_acodec *codec;
		struct tes_aenc *enc;
		uint64_t used;
	} enc[AENC_SLOTS];               /* job: one encoder per (mix,
					    codec), least recently used
					    goes */
	uint64_t jobs;                   /* job */
	struct tes_pool_chain chain;     /* pool */
};

struct tes__mix {
	struct tes__room *room;          /* loop: weak, NULL once closed */
	struct tes__mixctx *ctx;
	uv_timer_t vtimer;
	uv_timer_t atimer;
	int open_handles;
	struct vprof *prof[TES_CONF_MAX_PROFILES];
	size_t n_prof;
	struct aroom *ar;
	struct tes_topk *topk;           /* loop: who may be mixed, by level */
	uint64_t adecoded;               /* loop: audio packets decoded */
	uint64_t askipped;               /* loop: not decoded (not mixed) */
	uint64_t aconcealed;             /* loop: lost frames, PLC */
	uint64_t afec;                   /* loop: lost frames, FEC */
	uint64_t aencodes;               /* loop: audio encodes: one per
					    distinct (mix, codec) a tick */
	unsigned ajobs;                  /* loop: audio jobs in flight */
	uint64_t aticks;                 /* loop: audio ticks sent */
	uint64_t amissed;                /* loop: audio ticks skipped */
	uint64_t last_atick_us;          /* loop */
	uint64_t adue_us;                /* loop: when the next audio tick is
					    due (absolute: no drift) */
	uint64_t t0_us;                  /* room clock origin */
	uint64_t vperiod_us;             /* frame time of the fastest profile */
	struct tes__recs *recs;          /* loop: recordings */
	uint32_t vts_base;               /* video RTP timestamp origin */
	uint32_t ats_base;               /* audio RTP timestamp origin */
	uint32_t speaker;                /* loop: active speaker's num, 0 */
	char speaker_id[TES_PART_ID_LEN + 1]; /* loop: its id */
	char layout[TES_LAYOUT_NAME_MAX];/* loop: preset name */
	struct tes_room_cell cells[TES_LAYOUT_MAX_CELLS]; /* loop: last */
	size_t ncells;                   /* loop */
	char cells_layout[TES_LAYOUT_NAME_MAX]; /* loop: preset of cells */
	struct tes_room_profile pinfo[TES_CONF_MAX_PROFILES]; /* loop: what
					    tes__mix_info shows */
	uint32_t lat_us[LAT_SAMPLES];    /* loop: added latency samples */
	size_t lat_n;                    /* loop: samples taken (ring) */
};

struct venc_job {
	struct tes__mix *m;
	struct vprof *vp;
	struct tes_compose_cell cells[TES_COMPOSE_MAX_CELLS];
	size_t n;
	uint8_t bg[3];
	bool key;
	int width;         /* canvas size: a new one re-creates canvas and
			      encoder */
	int height;
	uint32_t ts;
	uint64_t due_us;   /* the tick's due time on the room clock */
	uint64_t fresh_us[TES_COMPOSE_MAX_CELLS]; /* arrival of input frames
				      shown here for the first time */
	/* names shown on placeholders: the job's own copies, since the
	 * compose runs on a worker while the participant may leave */
	char labels[TES_COMPOSE_MAX_CELLS][TES_PART_NAME_MAX + 1];
	size_t nfresh;
	uint8_t *au;
	size_t au_len;
	size_t au_cap;
	bool au_key;
	int err;
};

struct ajob_in {
	struct tes__mixin *mi;
	struct tes_ingress_au *au;
	enum tes__aplay play;
	bool decode;     /* it may be mixed: decode (or conceal) it */
};

/* One receiver of the mix: who, and in what codec. */
struct ajob_recv {
	uint32_t num;
	const struct tes_acodec *codec;
};

/* One encoded mix. */
struct ajob_out {
	uint32_t id;                     /* 0: the shared mix */
	const struct tes_acodec *codec;
	int len;
	uint8_t data[APKT_MAX];
};

struct ajob {
	struct tes__mix *m;
	struct aroom *ar;
	uint64_t now_ms;
	uint64_t tick;     /* its block number (RTP timestamps: ats_base +
			      tick * 20 ms of each receiver's clock) */
	uint64_t due_us;   /* the tick's due time on the room clock */
	struct ajob_recv *recv;  /* the receivers at the tick */
	size_t nrecv;
	bool rec;          /* a recording takes the shared mix in Opus */
	struct ajob_out *out;    /* what was encoded, at most cap */
	size_t nout;
	size_t cap;
	bool has_speaker;
	uint32_t speaker;
	uint32_t decoded;
	uint32_t skipped;
	uint32_t concealed;  /* lost frames played by PLC */
	uint32_t fec;        /* lost frames rebuilt from in-band FEC */
	size_t n;
	struct ajob_in in[];
};

/* ---- helpers ---- */

static void rgb_to_yuv(uint32_t rgb, uint8_t yuv[3])
{
	int r = (int)(rgb >> 16) & 255, g = (int)(rgb >> 8) & 255;
	int b = (int)rgb & 255;

	/* BT.601 limited range, as browsers decode it */
	yuv[0] = (uint8_t)(16 + ((66 * r + 129 * g + 25 * b + 128) >> 8));
	yuv[1] = (uint8_t)(128 + ((-38 * r - 74 * g + 112 * b + 128) >> 8));
	yuv[2] = (uint8_t)(128 + ((112 * r - 94 * g - 18 * b + 128) >> 8));
}

/* Re-arm a one-shot timer for an absolute due time.  A repeating uv
 * timer restarts from when its callback ran, so every late callback
 * would push all later ticks back: 0.5-1 % slow clocks, measured.  Due
 * times kept in absolute microseconds do not drift; rounding up keeps
 * the millisecond loop clock from firing early. */
static void arm_at(uv_timer_t *t, uv_timer_cb cb, uint64_t due_us,
		   uint64_t now_us)
{
	uint64_t ms = due_us > now_us ? (due_us - now_us + 999) / 1000 : 0;

	uv_timer_start(t, cb, ms, 0);
}

static uint32_t video_ts(const struct tes__mix *m, uint64_t now_us)
{
	return m->vts_base + (uint32_t)((now_us - m->t0_us) * 9 / 100);
}

/* An audio stream's RTP clock (the codec's: 48000 Opus, 8000 G.711 and
 * G.722) */
static uint32_t aclock(const struct tes__stream *st)
{
	return st->clock ? st->clock : TES_AUDIO_RATE;
}

/* RTP timestamp of audio block `tick` at a clock: every receiver's
 * stream starts at ats_base and advances 20 ms of its own clock a block
 * (960 for Opus, 160 for G.711 and G.722) */
static uint32_t audio_ts(const struct tes__mix *m, uint64_t tick,
			 uint32_t clock)
{
	return m->ats_base +
	       (uint32_t)(tick * (clock / (1000 / AUDIO_TICK_MS)));
}

static uint32_t audio_ts_now(const struct tes__mix *m, uint64_t now_us,
			     uint32_t clock)
{
	uint64_t since = m->last_atick_us ? now_us - m->last_atick_us : 0;

	return audio_ts(m, m->aticks, clock) +
	       (uint32_t)(since * clock / 1000000);
}

/* The profiles a participant can receive, best bitrate first; returns
 * how many (none: why says why, "" when it takes no video) */
static size_t candidates(const struct tes__mix *m, const struct tes__part *p,
			 int *idx, uint32_t *kbps, char *why, size_t whylen)
{
	struct tes__prof_view pv[TES_CONF_MAX_PROFILES];

	if (why && whylen)
		why[0] = '\0';
	for (size_t i = 0; i < p->n_streams; i++) {
		const struct tes__stream *st = &p->streams[i];

		if (st->kind != TES_MEDIA_VIDEO || !st->we_send)
			continue;
		for (size_t k = 0; k < m->n_prof; k++) {
			pv[k].cfg = m->prof[k]->cfg;
			pv[k].width = m->prof[k]->width;
			pv[k].height = m->prof[k]->height;
		}
		return tes__prof_candidates(pv, m->n_prof, st, idx, kbps, why,
					    whylen);
	}

	return 0;
}

/* It takes video but no profile: say why, once per reason */
static void no_profile(struct tes__mix *m, struct tes__mixin *mi,
		       const char *why)
{
	if (!why[0] || !strcmp(mi->prof_why, why))
		return;
	snprintf(mi->prof_why, sizeof(mi->prof_why), "%s", why);
	if (mi->part)
		TES_LOGW("mix", "%s/%s: no video for it: %s",
			 m->room ? m->room->name : "?", mi->part->id, why);
}

int tes__mix_profile_of(struct tes__mix *m, const struct tes__part *p)
{
	int idx[TES_CONF_MAX_PROFILES];
	uint32_t kbps[TES_CONF_MAX_PROFILES];
	char why[sizeof(p->mix->prof_why)];

	if (p->mix && p->mix->prof >= 0)
		return p->mix->prof;
	if (!candidates(m, p, idx, kbps, why, sizeof(why))) {
		if (p->mix)
			no_profile(m, p->mix, why);
		return -1;
	}
	if (p->mix) {
		tes_prof_sel_init(&p->mix->sel, 0);
		p->mix->prof = idx[0];
		p->mix->prof_why[0] = '\0';
	}

	return idx[0];
}

/* Profile k changed size: receivers whose H.264 level cannot decode the
 * new one choose again (and wait for a keyframe of their new profile) */
static void refit(struct tes__mix *m, size_t k)
{
	int idx[TES_CONF_MAX_PROFILES];
	uint32_t kbps[TES_CONF_MAX_PROFILES];

	for (struct tes__part *p = m->room->parts; p; p = p->next) {
		struct tes__mixin *mi = p->mix;
		size_t n;
		bool fits = false;
		int now;

		if (!mi || mi->prof != (int)k)
			continue;
		n = candidates(m, p, idx, kbps, NULL, 0);
		for (size_t i = 0; i < n; i++)
			fits |= idx[i] == (int)k;
		if (fits)
			continue;
		mi->prof = -1;
		mi->await_key = true;
		now = tes__mix_profile_of(m, p);
		TES_LOGI("mix", "%s/%s: cannot decode profile %s at %dx%d: "
			 "%s", m->room->name, p->id, m->prof[k]->cfg->name,
			 m->prof[k]->width, m->prof[k]->height,
			 now >= 0 ? m->prof[now]->cfg->name : "no video");
		if (now >= 0)
			m->prof[now]->want_key = true;
	}
}

const char *tes__mix_profile_reason(const struct tes__part *p)
{
	return p->mix ? p->mix->prof_why : "";
}

bool tes__mix_cell_px(struct tes__mix *m, const struct tes__part *p, int *w,
		      int *h)
{
	int cw = 0, ch = 0;

	/* the largest canvas of the room's profiles */
	for (size_t i = 0; i < m->n_prof; i++) {
		if (m->prof[i]->width * m->prof[i]->height > cw * ch) {
			cw = m->prof[i]->width;
			ch = m->prof[i]->height;
		}
	}
	for (size_t i = 0; i < m->ncells; i++) {
		if (!strcmp(m->cells[i].id, p->id)) {
			*w = (int)(m->cells[i].w * (float)cw + 0.5f);
			*h = (int)(m->cells[i].h * (float)ch + 0.5f);
			return true;
		}
	}

	return false;
}

const char *tes__mix_profile_name(struct tes__mix *m, struct tes__part *p)
{
	int k = tes__mix_profile_of(m, p);

	return k >= 0 ? m->prof[k]->cfg->name : "";
}

void tes__mix_feedback(struct tes__mix *m, struct tes__part *p)
{
	int idx[TES_CONF_MAX_PROFILES];
	uint32_t kbps[TES_CONF_MAX_PROFILES];
	struct tes__mixin *mi = p->mix;
	size_t n = candidates(m, p, idx, kbps, NULL, 0);
	int old = tes__mix_profile_of(m, p), c;

	if (!mi || n < 2)
		return;
	/* an estimate says something of our stream once it has flowed a
	 * while: one made of something else (forwarded tracks, when the
	 * room forwarded before) starts low and would move the receiver
	 * down at once */
	if (tes_now_ms() - mi->since_ms < FEEDBACK_AFTER_MS)
		return;

	c = tes_prof_sel_update(&mi->sel, kbps, n, mi->est_bps, mi->lost,
				tes_now_ms());
	if (c < 0 || idx[c] == old)
		return;

	TES_LOGI("mix", "%s/%s: profile %s -> %s (estimate %llu kbit/s, "
		 "loss %u/256)", p->room->name, p->id,
		 m->prof[old]->cfg->name, m->prof[idx[c]]->cfg->name,
		 (unsigned long long)(mi->est_bps / 1000), mi->lost);
	mi->prof = idx[c];
	/* its decoder must not see the new encode before a keyframe */
	mi->await_key = true;
	m->prof[idx[c]]->want_key = true;
	p->cnt.profile_switches++;
}

void tes__mix_keyframe(struct tes__mix *m, struct tes__part *p)
{
	int k = tes__mix_profile_of(m, p);

	if (k >= 0)
		m->prof[k]->want_key = true;
}

/* Participants in join order (the room list is newest first). */
static size_t sorted_parts(struct tes__room *rm, struct tes__part **out,
			   size_t max)
{
	size_t n = 0;

	for (struct tes__part *p = rm->parts; p && n < max; p = p->next)
		out[n++] = p;
	/* joins are prepended, so the list runs newest first: reversed, the
	 * insertion sort below has nothing to move */
	for (size_t i = 0; i < n / 2; i++) {
		struct tes__part *t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	for (size_t i = 1; i < n; i++) {
		struct tes__part *x = out[i];
		size_t j = i;

		for (; j > 0 && out[j - 1]->num > x->num; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}

	return n;
}

static bool sends_to(const struct tes__part *p, enum tes_media_kind kind,
		     const struct tes__stream **stp)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].kind == kind && p->streams[i].we_send) {
			*stp = &p->streams[i];
			return p->state == TES__PART_CONNECTED;
		}
	}

	return false;
}

static int build_send(struct tes__part *p, struct tes__stream *st,
		      const uint8_t *payload, size_t len, bool marker,
		      uint32_t ts, uint16_t seq)
{
	uint8_t buf[TES_UDP_MAX_DGRAM];
	struct tes_rtp_hdr h = {
		.marker = marker,
		.pt = st->pt,
		.seq = seq,
		.ts = ts,
		.ssrc = st->out_ssrc,
	};
	int n = tes_rtp_build(buf, sizeof(buf), &h, NULL, 0, payload, len);

	if (n <= 0)
		return n;
	if (p->ctx && p->ctx->send_rtp)
		return p->ctx->send_rtp(p, buf, (size_t)n);
	return tes__part_send_rtp(p, buf, (size_t)n);
}

/* Send with the stream's next sequence number; returns the number. */
static uint16_t send_media(struct tes__part *p, struct tes__stream *st,
			   const uint8_t *payload, size_t len, bool marker,
			   uint32_t ts)
{
	uint16_t seq = st->out_seq++;

	if (!build_send(p, st, payload, len, marker, ts, seq)) {
		st->out_packets++;
		st->out_octets += (uint32_t)len;
	}

	return seq;
}

void tes__mix_resend(struct tes__mix *m, struct tes__part *p, uint16_t seq)
{
	struct tes__mixin *mi = p->mix;
	struct tes__stream *st = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);
	const struct hist_pkt *hp;
	struct vprof *vp;

	if (!mi || !st || mi->sent[seq % TES__SENT_MAP].seq != seq)
		return;
	vp = m->prof[mi->sent[seq % TES__SENT_MAP].prof];
	if (!vp->hist)
		return;
	hp = &vp->hist[mi->sent[seq % TES__SENT_MAP].id % HIST_N];
	if (hp->id != mi->sent[seq % TES__SENT_MAP].id || !hp->len)
		return; /* too old: the receiver will ask for a keyframe */

	if (!build_send(p, st, hp->data, hp->len, hp->marker, hp->ts, seq))
		p->cnt.resent++;
}

/* ---- video ---- */

static void au_collect(const struct tes_au *au, void *arg)
{
	struct venc_job *j = arg;
	uint8_t *nb;

	if (j->au_len + au->len > j->au_cap) {
		nb = realloc(j->au, j->au_len + au->len);
		if (!nb) {
			j->err = -ENOMEM;
			return;
		}
		j->au = nb;
		j->au_cap = j->au_len + au->len;
	}
	memcpy(j->au + j->au_len, au->data, au->len);
	j->au_len += au->len;
	j->au_key |= au->keyframe;
}

/* Keep a copy of the canvas about once a second for canvas.png: the
 * canvas itself is rewritten by the next job. */
static void snapshot(struct vprof *vp)
{
	const struct tes_frame *c = vp->canvas;
	struct tes_frame *f;

	if (c->time_us - vp->snap_us < SNAPSHOT_US ||
	    tes_frame_alloc(&f, c->width, c->height))
		return;

	for (int r = 0; r < c->height; r++)
		memcpy(f->y + (size_t)r * (size_t)f->stride_y,
		       c->y + (size_t)r * (size_t)c->stride_y, (size_t)c->width);
	for (int r = 0; r < c->height / 2; r++) {
		memcpy(f->u + (size_t)r * (size_t)f->stride_uv,
		       c->u + (size_t)r * (size_t)c->stride_uv,
		       (size_t)c->width / 2);
		memcpy(f->v + (size_t)r * (size_t)f->stride_uv,
		       c->v + (size_t)r * (size_t)c->stride_uv,
		       (size_t)c->width / 2);
	}
	f->time_us = c->time_us;
	tes_slot_put(vp->snap, f);
	tes_deref(f);
	vp->snap_us = c->time_us;
}

static int vprof_open(struct vprof *vp, int width, int height);

static void venc_work(void *arg)
{
	struct venc_job *j = arg;
	struct vprof *vp = j->vp;

	/* the room changed the profile's size: a new canvas and encoder,
	 * whose first frame is a keyframe (VP8 and H.264 decoders follow a
	 * new size there) */
	if (vp->canvas && (vp->canvas->width != j->width ||
			   vp->canvas->height != j->height)) {
		vp->enc = tes_deref(vp->enc);
		vp->canvas = tes_deref(vp->canvas);
	}
	/* opened by its first job: an encoder's set-up (openh264 at 720p:
	 * 100 ms) must not stall the loop and its audio ticks */
	if (!vp->canvas) {
		j->err = vprof_open(vp, j->width, j->height);
		if (j->err) {
			for (size_t i = 0; i < j->n; i++)
				j->cells[i].src =
					tes_deref((void *)j->cells[i].src);
			return;
		}
	}

	j->err = tes_compose(vp->canvas, j->bg, j->cells, j->n, &vp->scratch);
	for (size_t i = 0; i < j->n; i++)
		j->cells[i].src = tes_deref((void *)j->cells[i].src);
	if (j->err)
		return;

	vp->canvas->time_us = tes_now_us();
	snapshot(vp);
	j->err = vp->codec->encode(vp->enc, vp->canvas, j->key, au_collect, j);
}

struct pkt_ctx {
	struct tes__mix *m;
	int prof;
	uint32_t ts;
	bool key;
	bool first;
	struct tes__part *parts[TES__MAX_PARTS]; /* receivers of the frame */
	size_t n;
};

static int send_video_pkt(const uint8_t *payload, size_t len, bool marker,
			  void *arg)
{
	struct pkt_ctx *c = arg;
	struct tes__part **parts = c->parts;
	size_t n = c->n;
	struct vprof *vp = c->m->prof[c->prof];
	uint32_t id = vp->next_id++;
	struct hist_pkt *hp;

	/* once per profile, not per receiver; made when the profile first
	 * sends (1.2 MB: most rooms use one or two of their profiles) */
	if (!vp->hist)
		vp->hist = calloc(HIST_N, sizeof(*vp->hist));
	if (vp->hist) {
		hp = &vp->hist[id % HIST_N];
		hp->id = id;
		hp->ts = c->ts;
		hp->marker = marker;
		hp->len = (uint16_t)TES_MIN(len, sizeof(hp->data));
		memcpy(hp->data, payload, hp->len);
	}

	for (size_t i = 0; i < n; i++) {
		const struct tes__stream *cst;
		struct tes__mixin *mi = parts[i]->mix;
		uint16_t seq;

		if (!sends_to(parts[i], TES_MEDIA_VIDEO, &cst) ||
		    tes__mix_profile_of(c->m, parts[i]) != c->prof)
			continue;
		if (mi && mi->await_key) {
			if (!c->key || !c->first)
				continue;
			mi->await_key = false;
		}
		seq = send_media(parts[i], (struct tes__stream *)cst, payload,
				 len, marker, c->ts);
		if (mi) {
			mi->sent[seq % TES__SENT_MAP].seq = seq;
			mi->sent[seq % TES__SENT_MAP].prof = (uint8_t)c->prof;
			mi->sent[seq % TES__SENT_MAP].id = id;
		}
	}
	c->first = false;

	return 0;
}

/* H.264 in single NAL unit mode (RFC 6184 packetization-mode 0) */
static bool single_nal(const struct vprof *vp)
{
	return !vp->cfg->packetization_mode &&
	       vp->codec == tes_vcodec_find("H264");
}

/* NAL units the encoder made too big for single NAL unit mode were left
 * out: the receivers' pictures are broken until the next keyframe */
static void nal_dropped(struct tes__mix *m, struct vprof *vp, size_t n)
{
	uint64_t sup;

	vp->nal_dropped += n;
	vp->want_key = true;
	if (tes_ratelog_allow(&vp->rl, LOG_INTERVAL_MS, &sup))
		TES_LOGW("mix", "%s: profile %s: %zu NAL units over %d bytes "
			 "left out (single NAL unit mode), %llu in all, %llu "
			 "warnings suppressed; a keyframe follows",
			 m->room->name, vp->cfg->name, n, MAX_PAYLOAD,
			 (unsigned long long)vp->nal_dropped,
			 (unsigned long long)sup);
}

static void venc_done(int err, void *arg)
{
	struct venc_job *j = arg;
	struct tes__mix *m = j->m;
	struct vprof *vp = j->vp;
	struct pkt_ctx pc = {.m = m, .ts = j->ts, .key = j->au_key,
			     .first = true};
	size_t dropped = 0;

	for (size_t i = 0; i < j->n; i++)
		tes_deref((void *)j->cells[i].src);

	vp->busy = false;
	if (err || j->err || !j->au_len || !m->room)
		goto out;

	vp->frames++;
	{
		/* the first packet of this frame leaves now */
		uint64_t now_us = tes_now_us();

		for (size_t i = 0; i < j->nfresh; i++) {
			m->lat_us[m->lat_n++ % LAT_SAMPLES] = (uint32_t)
				TES_MIN(now_us - j->fresh_us[i], UINT32_MAX);
		}
	}
	for (size_t k = 0; k < m->n_prof; k++) {
		if (m->prof[k] == vp)
			pc.prof = (int)k;
	}
	pc.n = sorted_parts(m->room, pc.parts, TES_ARRAY_SIZE(pc.parts));
	tes__recs_video(m->recs, (size_t)pc.prof, j->au, j->au_len, j->au_key,
			j->width, j->height, j->due_us);

	if (vp->codec == tes_vcodec_find("VP8"))
		(void)tes_vp8_packetize(j->au, j->au_len, MAX_PAYLOAD,
					vp->picture_id++ & 0x7fff,
					send_video_pkt, &pc);
	else if (!single_nal(vp))
		(void)tes_h264_packetize(j->au, j->au_len, MAX_PAYLOAD, false,
					 send_video_pkt, &pc);
	else if (!tes_h264_packetize_single(j->au, j->au_len, MAX_PAYLOAD,
					    send_video_pkt, &pc, &dropped) &&
		 dropped)
		nal_dropped(m, vp, dropped);

out:
	if (j->err && j->err != -EAGAIN)
		TES_LOGW("mix", "%s: profile %s: encode failed: %s",
			 m->room ? m->room->name : "?", vp->cfg->name,
			 strerror(-j->err));
	free(j->au);
	tes_deref(vp);
	tes_deref(m);
	free(j);
}

/* encoder and canvas at a size: both, or neither */
static int vprof_open(struct vprof *vp, int width, int height)
{
	struct tes_venc_params prm = {
		.width = width,
		.height = height,
		.fps = vp->cfg->fps,
		.bitrate_kbps = (int)vp->cfg->bitrate_kbps,
		.cpu_used = vp->cfg->cpu_used,
		.threads = 1,
		.keyint = 0,
		/* every slice must fit a packet of its own */
		.max_nal = single_nal(vp) ? MAX_PAYLOAD : 0,
	};
	int err;

	err = vp->codec->enc_alloc(&vp->enc, &prm);
	if (!err)
		err = tes_frame_alloc(&vp->canvas, width, height);
	if (err)
		vp->enc = tes_deref(vp->enc);
	return err;
}

static void fill_cells(struct tes__mix *m, struct venc_job *j, size_t prof,
		       const struct tes_cell *cells, size_t ncells,
		       struct tes__part **pub, uint64_t now_us)
{
	uint32_t stale_us = m->ctx->conf->placeholder_after_ms * 1000u;

	j->n = 0;
	for (size_t i = 0; i < ncells && j->n < TES_COMPOSE_MAX_CELLS; i++) {
		const struct tes_cell *c = &cells[i];
		struct tes_compose_cell *cc = &j->cells[j->n++];
		struct tes__part *p = c->participant >= 0
					      ? pub[c->participant] : NULL;
		uint64_t put_us = 0, seq = 0;

		tes_compose_rect(c->x, c->y, c->w, c->h, j->width, j->height,
				 &cc->x, &cc->y, &cc->w, &cc->h);
		cc->z = c->z;
		cc->letterbox = c->fit == TES_FIT_LETTERBOX;
		cc->border = c->border;
		cc->src = p && p->mix ? tes_slot_get_ex(p->mix->slot, &put_us,
							&seq)
				      : NULL;
		/* the frame may be newer than now_us: compare without
		 * unsigned underflow */
		if (cc->src && now_us > put_us + stale_us)
			cc->src = tes_deref((void *)cc->src);
		if (cc->src && seq != p->mix->shown_seq[prof]) {
			/* first time this input frame is composed here */
			p->mix->shown_seq[prof] = seq;
			j->fresh_us[j->nfresh++] = cc->src->time_us;
		}
		/* a muted grey of the participant's own shade */
		cc->ph_y = 48;
		cc->ph_u = (uint8_t)(118 + (p ? (p->num * 7) % 20 : 10));
		cc->ph_v = (uint8_t)(118 + (p ? (p->num * 13) % 20 : 10));
		cc->label = NULL;
		if (!cc->src && p) {
			snprintf(j->labels[j->n - 1], sizeof(j->labels[0]),
				 "%s", p->name);
			cc->label = j->labels[j->n - 1];
		}
	}
}

static void video_tick(uv_timer_t *t)
{
	struct tes__mix *m = t->data;
	struct tes__part *all[TES__MAX_PARTS], *pub[TES__MAX_PARTS];
	struct tes_cell cells[TES_LAYOUT_MAX_CELLS];
	const struct tes_layout *lay;
	const char *ids[TES__MAX_PARTS];
	struct tes_layout_input in = {.ids = ids, .speaker = -1,
				      .presenter = -1};
	uint64_t now_us = tes_now_us(), now_ms = now_us / 1000;
	uint64_t next_us = UINT64_MAX;
	bool used[TES_CONF_MAX_PROFILES] = {false};
	size_t n, npub = 0;
	uint8_t bg[3];
	int ncells;

	n = sorted_parts(m->room, all, TES_ARRAY_SIZE(all));
	for (size_t i = 0; i < n; i++) {
		int k = tes__mix_profile_of(m, all[i]);

		if (k >= 0 && all[i]->state == TES__PART_CONNECTED)
			used[k] = true;
	}
	tes__recs_poll(m->recs);
	for (size_t k = 0; k < m->n_prof; k++) {
		/* a recording keeps its profile encoding, and starts it on a
		 * keyframe */
		if (tes__recs_uses(m->recs, k))
			used[k] = true;
		if (tes__recs_take_key(m->recs, k))
			m->prof[k]->want_key = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (all[i]->mix && all[i]->mix->vcodec) {
			if (all[i]->num == m->speaker)
				in.speaker = (int)npub;
			ids[npub] = all[i]->id;
			pub[npub++] = all[i];
		}
	}
	in.n = npub;

	lay = tes_layouts_find(m->ctx->layouts, m->layout);
	if (!lay)
		lay = tes_layouts_find(m->ctx->layouts, "auto");
	ncells = lay ? tes_layout_compute(lay, &in, cells,
					  TES_ARRAY_SIZE(cells))
		     : 0;
	if (ncells < 0)
		ncells = 0;
	rgb_to_yuv(lay ? lay->background : 0x101418, bg);

	/* what the admin API shows: the cells and the preset they came
	 * from (a switch takes effect at this tick, not at the request) */
	snprintf(m->cells_layout, sizeof(m->cells_layout), "%s",
		 lay ? tes_layout_name(lay) : "");
	m->ncells = (size_t)ncells;
	for (size_t i = 0; i < m->ncells; i++) {
		struct tes_room_cell *rc = &m->cells[i];

		snprintf(rc->id, sizeof(rc->id), "%s",
			 cells[i].participant >= 0
				 ? pub[cells[i].participant]->id : "");
		rc->x = cells[i].x;
		rc->y = cells[i].y;
		rc->w = cells[i].w;
		rc->h = cells[i].h;
		rc->z = cells[i].z;
	}
	m->speaker_id[0] = '\0';
	if (in.speaker >= 0)
		snprintf(m->speaker_id, sizeof(m->speaker_id), "%s",
			 pub[in.speaker]->id);

	for (size_t k = 0; k < m->n_prof; k++) {
		struct vprof *vp = m->prof[k];
		uint64_t period = 1000000u / vp->cfg->fps;
		struct venc_job *j;
		uint64_t due;

		if (vp->new_width) {
			/* a size set by tes__mix_set_size starts here */
			vp->width = vp->new_width;
			vp->height = vp->new_height;
			vp->new_width = vp->new_height = 0;
			vp->resized = true;
			refit(m, k);
		}
		if (!used[k]) {
			vp->next_due_us = 0; /* restarts when used again */
			continue;
		}
		if (!vp->next_due_us)
			vp->next_due_us = now_us;
		if (now_us < vp->next_due_us) {
			next_us = TES_MIN(next_us, vp->next_due_us);
			continue;
		}
		if (now_us - vp->next_due_us >= period) {
			/* the loop ran late: the frames it owes are missed,
			 * not made up in a burst */
			vp->missed += (now_us - vp->next_due_us) / period;
			vp->next_due_us = now_us;
		}
		due = vp->next_due_us;
		vp->next_due_us += period;
		next_us = TES_MIN(next_us, vp->next_due_us);

		if (vp->busy) {
			vp->missed++;
			continue;
		}

		j = calloc(1, sizeof(*j));
		if (!j)
			continue;
		j->m = tes_ref(m);
		j->vp = tes_ref(vp);
		memcpy(j->bg, bg, sizeof(bg));
		j->ts = video_ts(m, now_us);
		j->due_us = due;
		j->width = vp->width;
		j->height = vp->height;
		if (vp->resized || (vp->want_key &&
				    now_ms - vp->last_key_ms >=
					    KEYFRAME_GAP_MS)) {
			j->key = true;
			vp->want_key = false;
			vp->resized = false;
			vp->last_key_ms = now_ms;
		}
		fill_cells(m, j, k, cells, (size_t)ncells, pub, now_us);

		vp->busy = true;
		if (tes_pool_submit_serial(m->ctx->pool, &vp->chain,
					   venc_work, venc_done, j))
			venc_done(-ESHUTDOWN, j);
	}

	/* no profile in use: look again in one frame time of the fastest */
	if (next_us == UINT64_MAX)
		next_us = now_us + m->vperiod_us;
	arm_at(t, video_tick, next_us, now_us);
}

/* ---- audio ---- */

static struct tes_aenc *aenc_for(struct aroom *ar, uint32_t id,
				  const struct tes_acodec *codec)
{
	struct tes_aenc_params prm = {.channels = 1, .bitrate = 32000,
				      .complexity = 5, .fec = true};
	size_t lru = 0;

	for (size_t i = 0; i < AENC_SLOTS; i++) {
		if (ar->enc[i].enc && ar->enc[i].id == id &&
		    ar->enc[i].codec == codec) {
			ar->enc[i].used = ar->jobs;
			return ar->enc[i].enc;
		}
		if (!ar->enc[i].enc || (ar->enc[lru].enc &&
					ar->enc[i].used < ar->enc[lru].used))
			lru = i;
	}

	/* a new mix: reuse the encoder unused the longest */
	ar->enc[lru].enc = tes_deref(ar->enc[lru].enc);
	if (codec->enc_alloc(&ar->enc[lru].enc, &prm))
		return NULL;
	ar->enc[lru].id = id;
	ar->enc[lru].codec = codec;
	ar->enc[lru].used = ar->jobs;

	return ar->enc[lru].enc;
}

/* Encode mix `id` in codec once a tick, however many take it */
static void encode_mix(struct ajob *j, uint32_t id,
		       const struct tes_acodec *codec,
		       const struct tes_pcm *pcm)
{
	struct ajob_out *o;
	struct tes_aenc *e;

	for (size_t k = 0; k < j->nout; k++) {
		if (j->out[k].id == id && j->out[k].codec == codec)
			return;
	}
	if (!pcm || j->nout == j->cap)
		return;
	e = aenc_for(j->ar, id, codec);
	if (!e)
		return;
	o = &j->out[j->nout];
	o->len = codec->encode(e, pcm, o->data, sizeof(o->data));
	if (o->len <= 0)
		return;
	o->id = id;
	o->codec = codec;
	j->nout++;
}

/* The mixes the receivers need, each encoded once */
static void encode_mixes(struct ajob *j, const struct tes_amix_result *res)
{
	for (size_t i = 0; i < j->nrecv; i++) {
		const struct ajob_recv *r = &j->recv[i];
		const struct tes_pcm *pcm = tes_amix_result_for(res, r->num);

		/* a mixed speaker hears its mix-minus, the others the
		 * shared mix */
		encode_mix(j, pcm == res->everyone ? 0 : r->num, r->codec,
			   pcm);
	}
	if (j->rec)
		encode_mix(j, 0, j->ar->opus, res->everyone);
}

static void amix_work(void *arg)
{
	struct ajob *j = arg;
	struct aroom *ar = j->ar;
	struct tes_amix_input ins[TES__MAX_PARTS];
	struct tes_pcm *pcms[TES__MAX_PARTS] = {NULL};
	struct tes_level lv[TES__MAX_PARTS];
	struct tes_amix_result res;
	size_t n = TES_MIN(j->n, TES_ARRAY_SIZE(ins));

	ar->jobs++;
	for (size_t i = 0; i < n; i++) {
		struct ajob_in *in = &j->in[i];
		struct tes__mixin *mi = in->mi;

		if (in->decode && in->au)
			(void)mi->acodec->decode(mi->adec, in->au->data,
						 in->au->len,
						 in->play == TES__APLAY_FEC,
						 &pcms[i]);
		else if (in->decode && in->play == TES__APLAY_PLC)
			(void)mi->acodec->decode(mi->adec, NULL, 0, false,
						 &pcms[i]);
		if (pcms[i] && in->play == TES__APLAY_FEC)
			j->fec++;
		else if (pcms[i] && in->play == TES__APLAY_PLC)
			j->concealed++;
		else if (pcms[i])
			j->decoded++;
		else if (in->au)
			j->skipped++;

		ins[i].id = mi->num;
		ins[i].pcm = pcms[i];
		ins[i].level = in->au && in->au->audio_level >= 0
				       ? in->au->audio_level
				       : -1;
		lv[i].id = mi->num;
		lv[i].dbov = ins[i].level >= 0 ? ins[i].level
			     : pcms[i] ? tes_pcm_level_dbov(pcms[i])
				       : TES_LEVEL_SILENT;
	}

	tes_speaker_det_update(ar->det, lv, n, j->now_ms);
	j->has_speaker = tes_speaker_det_active(ar->det, &j->speaker);

	if (!tes_amix_mix(ar->amix, ins, n, j->now_ms, &res)) {
		encode_mixes(j, &res);
		tes_amix_result_clear(&res);
	}

	for (size_t i = 0; i < n; i++)
		tes_deref(pcms[i]);
}

static void amix_done(int err, void *arg)
{
	struct ajob *j = arg;
	struct tes__mix *m = j->m;
	struct tes__part *parts[TES__MAX_PARTS];
	size_t n;

	m->ajobs--;
	if (err || !m->room)
		goto out;

	if (j->has_speaker)
		m->speaker = j->speaker;
	m->adecoded += j->decoded;
	m->askipped += j->skipped;
	m->aconcealed += j->concealed;
	m->afec += j->fec;
	m->aencodes += j->nout;
	for (size_t k = 0; k < j->nout; k++) {
		/* recordings take the shared mix: everyone who is heard */
		if (!j->out[k].id && j->out[k].codec == j->ar->opus)
			tes__recs_audio(m->recs, j->out[k].data,
					(size_t)j->out[k].len, j->due_us);
	}

	n = sorted_parts(m->room, parts, TES_ARRAY_SIZE(parts));
	for (size_t i = 0; i < n; i++) {
		const struct tes__stream *cst;
		const struct tes_acodec *codec;
		size_t pick = SIZE_MAX;

		if (!sends_to(parts[i], TES_MEDIA_AUDIO, &cst) ||
		    !parts[i]->mix || !(codec = parts[i]->mix->aout))
			continue;
		/* its own mix-minus if it is a mixed speaker, else the
		 * shared mix; in its codec (one that joined since the tick
		 * began may find none) */
		for (size_t k = 0; k < j->nout; k++) {
			if (j->out[k].codec != codec)
				continue;
			if (j->out[k].id == parts[i]->num)
				pick = k;
			else if (j->out[k].id == 0 && pick == SIZE_MAX)
				pick = k;
		}
		if (pick == SIZE_MAX)
			continue;
		send_media(parts[i], (struct tes__stream *)cst,
			   j->out[pick].data, (size_t)j->out[pick].len, false,
			   audio_ts(m, j->tick, aclock(cst)));
	}

out:
	for (size_t i = 0; i < j->n; i++) {
		tes_deref(j->in[i].au);
		tes_deref(j->in[i].mi);
	}
	tes_deref(j->ar);
	tes_deref(m);
	free(j->recv);
	free(j->out);
	free(j);
}

static void send_reports(struct tes__mix *m, struct tes__part *p,
			 uint64_t now_us)
{
	uint8_t buf[512];
	size_t len = 0;
	uint64_t ntp = tes_ntp_now();
	int n;

	for (size_t i = 0; i < p->n_streams; i++) {
		struct tes__stream *st = &p->streams[i];

		if (!st->we_send)
			continue;
		n = tes_rtcp_build_sr(buf + len, sizeof(buf) - len,
				      st->out_ssrc, ntp,
				      st->kind == TES_MEDIA_VIDEO
					      ? video_ts(m, now_us)
					      : audio_ts_now(m, now_us,
							     aclock(st)),
				      st->out_packets, st->out_octets);
		if (n > 0)
			len += (size_t)n;
	}
	for (size_t i = 0; i < p->n_streams; i++) {
		struct tes__stream *st = &p->streams[i];

		if (st->kind != TES_MEDIA_VIDEO || !st->we_recv ||
		    !st->in_ssrc)
			continue;
		n = tes_rtcp_build_remb(buf + len, sizeof(buf) - len,
					st->out_ssrc ? st->out_ssrc : 1,
					REMB_BPS, &st->in_ssrc, 1);
		if (n > 0)
			len += (size_t)n;
	}
	if (len && p->ctx && p->ctx->send_rtcp)
		(void)p->ctx->send_rtcp(p, buf, len);
	else if (len)
		(void)tes__part_send_rtcp(p, buf, len);
}

/* Decode only what the mix can use: the K loudest by their RFC 6464
 * levels (the same selection the mixer makes), so silent participants
 * cost no decode.  Without levels from everyone, decode everything. */
static void choose_decodes(struct tes__mix *m, struct ajob *j,
			   uint64_t now_ms)
{
	struct tes_level lv[TES__MAX_PARTS];
	bool known = true;

	for (size_t i = 0; i < j->n; i++) {
		const struct tes_ingress_au *au = j->in[i].au;

		lv[i].id = j->in[i].mi->num;
		lv[i].dbov = au ? au->audio_level : TES_LEVEL_SILENT;
		if (lv[i].dbov < 0)
			known = false;
	}
	if (known)
		tes_topk_update(m->topk, lv, j->n, now_ms);

	for (size_t i = 0; i < j->n; i++)
		j->in[i].decode = !known ||
				  tes_topk_is_selected(m->topk, lv[i].id);
}

/* Who takes the mix of this tick, in what codec; a recording takes the
 * shared mix in Opus.  Room for what that needs encoded. */
static int receivers(struct tes__mix *m, struct ajob *j,
		     struct tes__part *const *parts, size_t n)
{
	const struct tes__stream *st;

	j->recv = calloc(n ? n : 1, sizeof(*j->recv));
	if (!j->recv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!sends_to(parts[i], TES_MEDIA_AUDIO, &st) ||
		    !parts[i]->mix || !parts[i]->mix->aout)
			continue;
		j->recv[j->nrecv].num = parts[i]->num;
		j->recv[j->nrecv].codec = parts[i]->mix->aout;
		j->nrecv++;
	}
	j->rec = tes__recs_active(m->recs);
	/* at most a mix-minus per speaker and a shared mix per codec */
	j->cap = TES_MIN(j->nrecv + 1, (size_t)AENC_SLOTS);
	j->out = calloc(j->cap, sizeof(*j->out));
	if (!j->out) {
		free(j->recv);
		return -ENOMEM;
	}

	return 0;
}

static void audio_tick(uv_timer_t *t)
{
	struct tes__mix *m = t->data;
	struct tes__part *parts[TES__MAX_PARTS];
	uint64_t now_us = tes_now_us(), tick_us = AUDIO_TICK_MS * 1000u;
	size_t n, nin = 0;
	struct ajob *j;

	/* (the loop's millisecond clock may fire us a little early) */
	if (!m->adue_us)
		m->adue_us = now_us;
	if (now_us > m->adue_us && now_us - m->adue_us >= tick_us) {
		/* the loop stalled for whole blocks: they are missed, the
		 * clock stays on time */
		uint64_t k = (now_us - m->adue_us) / tick_us;

		m->amissed += k;
		m->aticks += k;
		m->adue_us += k * tick_us;
	}
	m->adue_us += tick_us;
	arm_at(t, audio_tick, m->adue_us, now_us);

	n = sorted_parts(m->room, parts, TES_ARRAY_SIZE(parts));
	for (size_t i = 0; i < n; i++) {
		if (parts[i]->mix)
			tes__mixin_tick(parts[i]->mix, now_us);
		if (parts[i]->mix && parts[i]->mix->acodec)
			nin++;
	}

	if (m->aticks % RTCP_EVERY_TICKS == 0) {
		for (size_t i = 0; i < n; i++) {
			if (parts[i]->state == TES__PART_CONNECTED)
				send_reports(m, parts[i], now_us);
		}
	}

	/* jobs queue on the room's audio chain, in order: a worker busy
	 * with a long encode delays a block, it does not lose it.  Only
	 * when AUDIO_JOBS_MAX are waiting is a block skipped. */
	if (m->ajobs >= AUDIO_JOBS_MAX) {
		/* the last mix is still running: skip a block, keep time */
		m->amissed++;
		m->aticks++;
		m->last_atick_us = now_us;
		return;
	}

	j = calloc(1, sizeof(*j) + nin * sizeof(j->in[0]));
	if (!j)
		return;
	if (receivers(m, j, parts, n)) {
		free(j);
		return;
	}
	j->m = tes_ref(m);
	j->ar = tes_ref(m->ar);
	j->now_ms = now_us / 1000;
	j->tick = m->aticks;
	j->due_us = m->adue_us - tick_us;
	for (size_t i = 0; i < n && j->n < nin; i++) {
		struct tes__mixin *mi = parts[i]->mix;
		struct ajob_in *in;

		if (!mi || !mi->acodec)
			continue;
		in = &j->in[j->n++];
		in->mi = tes_ref(mi);
		in->au = tes__mixin_audio_pop(mi, now_us, &in->play);
		if (parts[i]->muted) {
			/* muted (a SIP caller's *6): its audio is taken from
			 * the queue and dropped */
			in->au = tes_deref(in->au);
			in->play = TES__APLAY_NONE;
		}
	}
	choose_decodes(m, j, now_us / 1000);
	m->aticks++;
	m->last_atick_us = now_us;

	m->ajobs++;
	if (tes_pool_submit_serial(m->ctx->pool, &m->ar->chain, amix_work,
				   amix_done, j))
		amix_done(-ESHUTDOWN, j);
}

struct tes__recs *tes__mix_recs(struct tes__mix *m)
{
	return m->recs;
}

struct tes_frame *tes__mix_snapshot(struct tes__mix *m)
{
	struct tes_frame *snap[TES_CONF_MAX_PROFILES] = {NULL}, *f = NULL;
	uint64_t newest = 0;

	for (size_t i = 0; i < m->n_prof; i++) {
		snap[i] = tes_slot_get(m->prof[i]->snap);
		if (snap[i])
			newest = TES_MAX(newest, snap[i]->time_us);
	}
	/* the first profile (config order: the biggest) with a current
	 * picture; one nobody receives any more keeps a stale one */
	for (size_t i = 0; i < m->n_prof; i++) {
		if (!f && snap[i] &&
		    snap[i]->time_us + 2 * SNAPSHOT_US >= newest)
			f = tes_ref(snap[i]);
		tes_deref(snap[i]);
	}

	return f;
}

void tes__mix_set_layout(struct tes__mix *m, const char *name)
{
	snprintf(m->layout, sizeof(m->layout), "%s", name);
}

int tes__mix_set_size(struct tes__mix *m, const char *profile, int width,
		      int height, char *err, size_t errlen)
{
	struct vprof *vp;
	size_t k;
	int ret;

	for (k = 0; k < m->n_prof; k++) {
		if (!strcmp(m->prof[k]->cfg->name, profile))
			break;
	}
	if (k == m->n_prof) {
		snprintf(err, errlen, "no output profile '%s'", profile);
		return -ESRCH;
	}
	vp = m->prof[k];
	if (width < TES_PROFILE_W_MIN || width > TES_PROFILE_W_MAX ||
	    height < TES_PROFILE_H_MIN || height > TES_PROFILE_H_MAX ||
	    (width | height) & 1) {
		snprintf(err, errlen, "width and height must be even, width "
			 "%d..%d, height %d..%d", TES_PROFILE_W_MIN,
			 TES_PROFILE_W_MAX, TES_PROFILE_H_MIN,
			 TES_PROFILE_H_MAX);
		return -EINVAL;
	}
	ret = tes__recs_can_resize(m->recs, k, err, errlen);
	if (ret)
		return ret;

	/* taken at the next tick (video_tick); the size it has already
	 * cancels one still waiting */
	vp->new_width = width == vp->width && height == vp->height ? 0
								   : width;
	vp->new_height = vp->new_width ? height : 0;
	TES_LOGI("mix", "%s: profile %s: %dx%d from the next frame",
		 m->room ? m->room->name : "?", profile, width, height);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void tes__mix_info(struct tes__mix *m, struct tes_room_info *ri)
{
	uint32_t sorted[LAT_SAMPLES];
	size_t n = TES_MIN(m->lat_n, LAT_SAMPLES);

	if (n) {
		memcpy(sorted, m->lat_us, n * sizeof(sorted[0]));
		qsort(sorted, n, sizeof(sorted[0]), cmp_u32);
		ri->latency_p50_us = sorted[n / 2];
		ri->latency_p99_us = sorted[(n * 99) / 100];
		ri->latency_samples = n;
	}
	ri->layout = m->cells_layout[0] ? m->cells_layout : m->layout;
	ri->speaker = m->speaker_id;
	ri->cells = m->cells;
	ri->ncells = m->ncells;
	ri->audio_ticks = m->aticks;
	ri->audio_missed = m->amissed;
	ri->audio_decoded = m->adecoded;
	ri->audio_skipped = m->askipped;
	ri->audio_concealed = m->aconcealed;
	ri->audio_fec = m->afec;
	ri->audio_encodes = m->aencodes;
	for (size_t i = 0; i < m->n_prof; i++) {
		struct tes_room_profile *rp = &m->pinfo[i];

		ri->video_frames += m->prof[i]->frames;
		ri->video_missed += m->prof[i]->missed;
		rp->name = m->prof[i]->cfg->name;
		rp->codec = m->prof[i]->cfg->codec;
		rp->width = m->prof[i]->width;
		rp->height = m->prof[i]->height;
		rp->fps = m->prof[i]->cfg->fps;
		rp->packetization_mode = m->prof[i]->cfg->packetization_mode;
		rp->nal_dropped = m->prof[i]->nal_dropped;
	}
	ri->profiles = m->pinfo;
	ri->nprofiles = m->n_prof;
}

/* ---- lifetime ---- */

static void vprof_destructor(void *data)
{
	struct vprof *vp = data;

	tes_deref(vp->enc);
	tes_deref(vp->canvas);
	tes_deref(vp->snap);
	free(vp->hist);
}

static void aroom_destructor(void *data)
{
	struct aroom *ar = data;

	for (size_t i = 0; i < AENC_SLOTS; i++)
		tes_deref(ar->enc[i].enc);
	tes_deref(ar->amix);
	tes_deref(ar->det);
}

static void mix_destructor(void *data)
{
	struct tes__mix *m = data;

	for (size_t i = 0; i < m->n_prof; i++)
		tes_deref(m->prof[i]);
	tes_deref(m->ar);
	tes_deref(m->topk);
	tes_deref(m->recs);
}

int tes__mix_alloc(struct tes__mix **mp, struct tes__room *room,
		   struct tes__mixctx *ctx)
{
	const struct tes_conf *conf = ctx->conf;
	struct tes_topk_cfg tk = {
		.k = conf->audio_speakers,
		.margin_db = TES_TOPK_MARGIN_DB,
		.hold_ms = TES_TOPK_HOLD_MS,
		.release_ms = TES_TOPK_RELEASE_MS,
		.gate_dbov = TES_LEVEL_GATE,
	};
	struct tes_topk_cfg sk = tk;
	uv_loop_t *loop = ctx->loop;
	struct tes__mix *m;
	unsigned max_fps = 1;
	int err = -ENOMEM;

	m = tes_alloc(sizeof(*m), mix_destructor);
	if (!m)
		return -ENOMEM;
	m->room = room;
	m->ctx = ctx;
	m->t0_us = tes_now_us();
	m->vts_base = tes_rand_u32();
	m->ats_base = tes_rand_u32();
	snprintf(m->layout, sizeof(m->layout), "%s", conf->default_layout);

	for (size_t i = 0; i < conf->n_profiles; i++) {
		struct vprof *vp = tes_alloc(sizeof(*vp), vprof_destructor);

		if (!vp)
			goto fail;
		vp->cfg = &conf->profiles[i];
		vp->codec = tes_vcodec_find(vp->cfg->codec);
		vp->width = vp->cfg->width;
		vp->height = vp->cfg->height;
		vp->want_key = true;
		m->prof[m->n_prof++] = vp;
		if (!vp->codec || tes_slot_alloc(&vp->snap))
			goto fail;
		max_fps = TES_MAX(max_fps, vp->cfg->fps);
	}
	{
		const struct tes_conf_profile *pc[TES_CONF_MAX_PROFILES];

		for (size_t i = 0; i < m->n_prof; i++)
			pc[i] = m->prof[i]->cfg;
		if (tes__recs_alloc(&m->recs, conf, room->name, pc,
				    m->n_prof))
			goto fail;
	}

	m->ar = tes_alloc(sizeof(*m->ar), aroom_destructor);
	if (!m->ar)
		goto fail;
	m->ar->opus = tes_acodec_find("opus");
	m->ar->chain.urgent = true;
	sk.margin_db = TES_SPEAKER_MARGIN_DB;
	sk.hold_ms = TES_SPEAKER_HOLD_MS;
	if (!m->ar->opus || tes_amix_alloc(&m->ar->amix, 1, &tk) ||
	    tes_speaker_det_alloc(&m->ar->det, &sk) ||
	    tes_topk_alloc(&m->topk, &tk))
		goto fail;

	uv_timer_init(loop, &m->vtimer);
	uv_timer_init(loop, &m->atimer);
	m->vtimer.data = m;
	m->atimer.data = m;
	m->open_handles = 2;
	m->vperiod_us = 1000000u / max_fps;
	uv_timer_start(&m->vtimer, video_tick, 1000 / max_fps, 0);
	uv_timer_start(&m->atimer, audio_tick, AUDIO_TICK_MS, 0);

	*mp = m;
	return 0;

fail:
	TES_LOGE("mix", "%s: cannot set up mixing", room->name);
	tes_deref(m);
	return err;
}

static void timer_closed(uv_handle_t *h)
{
	struct tes__mix *m = h->data;

	if (--m->open_handles == 0)
		tes_deref(m);
}

void tes__mix_close(struct tes__mix *m)
{
	if (!m)
		return;

	TES_LOGI("mix", "%s: mixed %llu audio blocks (%llu skipped)",
		 m->room ? m->room->name : "?",
		 (unsigned long long)m->aticks,
		 (unsigned long long)m->amissed);
	for (size_t i = 0; i < m->n_prof; i++) {
		if (m->prof[i]->frames)
			TES_LOGI("mix", "  profile %s: %llu frames, %llu "
				 "ticks missed", m->prof[i]->cfg->name,
				 (unsigned long long)m->prof[i]->frames,
				 (unsigned long long)m->prof[i]->missed);
	}

	/* the room ends: its recordings are finished now */
	m->recs = tes_deref(m->recs);

	/* jobs still running hold references; they see room == NULL */
	m->room = NULL;
	uv_timer_stop(&m->vtimer);
	uv_timer_stop(&m->atimer);
	uv_close((uv_handle_t *)&m->vtimer, timer_closed);
	uv_close((uv_handle_t *)&m->atimer, timer_closed);
}
