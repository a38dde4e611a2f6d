/**
 * @file audio.c  Audio mix-minus, soft limiter, levels and speaker
 * selection with hysteresis.
 *
 * The mix sums the K selected speakers once in int32; a speaker's own
 * mix is that sum minus its own contribution, so no one hears themselves
 * and there are at most K + 1 distinct mixes to encode (everyone who is
 * not mixed hears the shared "everyone" mix, which does not contain them).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mixer/mixer.h"

/* ---- levels ---- */

int tes_pcm_level_dbov(const struct tes_pcm *p)
{
	size_t n;
	double ss = 0, db;

	if (!p || p->samples < 1)
		return TES_LEVEL_SILENT;

	n = (size_t)p->samples * (size_t)p->channels;
	for (size_t i = 0; i < n; i++)
		ss += (double)p->data[i] * p->data[i];
	if (ss <= 0)
		return TES_LEVEL_SILENT;

	db = -20.0 * log10(sqrt(ss / (double)n) / 32768.0);

	return (int)TES_MIN(TES_MAX(lrint(db), 0), TES_LEVEL_SILENT);
}

/* ---- K loudest with hysteresis ---- */

/* smoothing per 20 ms round, in dB: fast attack, ~250 ms decay */
#define SMOOTH_UP 0.4f
#define SMOOTH_DOWN 0.08f

/** What the selector knows of one source. */
struct topk_ent {
	uint32_t id;
	float loud;           /**< Smoothed level, dB above -127 dBov */
	bool sel;             /**< Holds a slot */
	bool seen;            /**< Present in this round */
	bool over;            /**< Beating the weakest holder by the margin */
	bool quiet;           /**< Holder below the gate */
	uint64_t over_since;  /**< Since when over */
	uint64_t quiet_since; /**< Since when quiet */
};

/** Selector state; one thread (loop thread or the room's mix chain). */
struct tes_topk {
	struct tes_topk_cfg cfg;
	float gate;               /**< cfg.gate_dbov as loudness */
	struct topk_ent *ent;     /**< Known sources */
	size_t nent;
	size_t cap;
};

static void topk_destructor(void *data)
{
	struct tes_topk *t = data;

	free(t->ent);
}

int tes_topk_alloc(struct tes_topk **tp, const struct tes_topk_cfg *cfg)
{
	struct tes_topk *t;
	struct tes_topk_cfg c = {0};

	if (!tp)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	if (!c.k)
		c.k = TES_AMIX_DEFAULT_K;
	if (!c.margin_db)
		c.margin_db = TES_TOPK_MARGIN_DB;
	if (!c.hold_ms)
		c.hold_ms = TES_TOPK_HOLD_MS;
	if (!c.release_ms)
		c.release_ms = TES_TOPK_RELEASE_MS;
	if (!c.gate_dbov)
		c.gate_dbov = TES_LEVEL_GATE;
	if (c.k > TES_AMIX_MAX_K || c.margin_db < 0 || c.gate_dbov < 0 ||
	    c.gate_dbov > TES_LEVEL_SILENT)
		return -EINVAL;

	t = tes_alloc(sizeof(*t), topk_destructor);
	if (!t)
		return -ENOMEM;
	t->cfg = c;
	t->gate = (float)(TES_LEVEL_SILENT - c.gate_dbov);
	*tp = t;

	return 0;
}

static struct topk_ent *topk_find(const struct tes_topk *t, uint32_t id)
{
	for (size_t i = 0; i < t->nent; i++)
		if (t->ent[i].id == id)
			return &t->ent[i];

	return NULL;
}

/* add a source; NULL when out of memory (the source is then ignored) */
static struct topk_ent *topk_add(struct tes_topk *t, uint32_t id,
				 float loud)
{
	struct topk_ent *e;

	if (t->nent == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		e = realloc(t->ent, cap * sizeof(*e));
		if (!e)
			return NULL;
		t->ent = e;
		t->cap = cap;
	}
	e = &t->ent[t->nent++];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->loud = loud;

	return e;
}

static void topk_smooth(struct tes_topk *t, const struct tes_level *lv,
			size_t n)
{
	for (size_t i = 0; i < t->nent; i++)
		t->ent[i].seen = false;

	for (size_t i = 0; i < n; i++) {
		int db = TES_MIN(TES_MAX(lv[i].dbov, 0), TES_LEVEL_SILENT);
		float x = (float)(TES_LEVEL_SILENT - db);
		struct topk_ent *e = topk_find(t, lv[i].id);

		if (!e) {
			/* first sight: start from the level itself */
			e = topk_add(t, lv[i].id, x);
			if (!e)
				continue;
		}
		else if (e->seen) {
			continue; /* duplicate id in one round */
		}
		else {
			e->loud += (x > e->loud ? SMOOTH_UP : SMOOTH_DOWN) *
				   (x - e->loud);
		}
		e->seen = true;
	}

	/* forget sources that are gone */
	for (size_t i = 0; i < t->nent;) {
		if (t->ent[i].seen)
			i++;
		else
			t->ent[i] = t->ent[--t->nent];
	}
}

/* loudest source that may take a slot, or NULL */
static struct topk_ent *topk_best_free(struct tes_topk *t)
{
	struct topk_ent *best = NULL;

	for (size_t i = 0; i < t->nent; i++) {
		struct topk_ent *e = &t->ent[i];

		if (!e->sel && e->loud >= t->gate &&
		    (!best || e->loud > best->loud))
			best = e;
	}

	return best;
}

size_t tes_topk_update(struct tes_topk *t, const struct tes_level *lv,
		       size_t n, uint64_t now_ms)
{
	struct topk_ent *weak = NULL, *win = NULL;
	size_t nsel = 0;

	if (!t || (n && !lv))
		return 0;

	topk_smooth(t, lv, n);

	/* holders silent for the release time leave */
	for (size_t i = 0; i < t->nent; i++) {
		struct topk_ent *e = &t->ent[i];

		if (!e->sel)
			continue;
		if (e->loud >= t->gate) {
			e->quiet = false;
		}
		else if (!e->quiet) {
			e->quiet = true;
			e->quiet_since = now_ms;
		}
		else if (t->cfg.release_ms >= 0 &&
			 now_ms - e->quiet_since >=
				 (uint64_t)t->cfg.release_ms) {
			e->sel = false;
			e->quiet = false;
			continue;
		}
		nsel++;
	}

	/* free slots go to the loudest at once */
	while (nsel < t->cfg.k) {
		struct topk_ent *e = topk_best_free(t);

		if (!e)
			break;
		e->sel = true;
		e->over = e->quiet = false;
		nsel++;
	}
	if (nsel < t->cfg.k)
		return nsel;

	/* full: an outsider replaces the weakest holder only after beating
	 * it by the margin for the hold time */
	for (size_t i = 0; i < t->nent; i++)
		if (t->ent[i].sel && (!weak || t->ent[i].loud < weak->loud))
			weak = &t->ent[i];

	for (size_t i = 0; i < t->nent; i++) {
		struct topk_ent *e = &t->ent[i];
		bool over;

		if (e->sel)
			continue;
		over = e->loud >= t->gate &&
		       e->loud > weak->loud + (float)t->cfg.margin_db;
		if (!over) {
			e->over = false;
			continue;
		}
		if (!e->over) {
			e->over = true;
			e->over_since = now_ms;
		}
		if (now_ms - e->over_since >= t->cfg.hold_ms &&
		    (!win || e->loud > win->loud))
			win = e;
	}

	if (win) {
		weak->sel = weak->over = weak->quiet = false;
		win->sel = true;
		win->over = win->quiet = false;
	}

	return nsel;
}

bool tes_topk_is_selected(const struct tes_topk *t, uint32_t id)
{
	const struct topk_ent *e = t ? topk_find(t, id) : NULL;

	return e && e->sel;
}

size_t tes_topk_selected(const struct tes_topk *t, uint32_t *ids, size_t max)
{
	const struct topk_ent *pick[TES_AMIX_MAX_K];
	size_t n = 0;

	if (!t || !ids)
		return 0;

	for (size_t i = 0; i < t->nent && n < TES_AMIX_MAX_K; i++) {
		const struct topk_ent *e = &t->ent[i];
		size_t j = n;

		if (!e->sel)
			continue;
		for (; j > 0 && pick[j - 1]->loud < e->loud; j--)
			pick[j] = pick[j - 1];
		pick[j] = e;
		n++;
	}

	n = TES_MIN(n, max);
	for (size_t i = 0; i < n; i++)
		ids[i] = pick[i]->id;

	return n;
}

/* ---- active speaker ---- */

/** A one-slot selector whose holder never times out. */
struct tes_speaker_det {
	struct tes_topk *sel;
	bool have;         /**< Someone is active */
	uint32_t active;   /**< Who */
};

static void det_destructor(void *data)
{
	struct tes_speaker_det *d = data;

	d->sel = tes_deref(d->sel);
}

int tes_speaker_det_alloc(struct tes_speaker_det **dp,
			  const struct tes_topk_cfg *cfg)
{
	struct tes_topk_cfg c = {0};
	struct tes_speaker_det *d;
	int err;

	if (!dp)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	c.k = 1;
	c.release_ms = -1;
	if (!c.margin_db)
		c.margin_db = TES_SPEAKER_MARGIN_DB;
	if (!c.hold_ms)
		c.hold_ms = TES_SPEAKER_HOLD_MS;

	d = tes_alloc(sizeof(*d), det_destructor);
	if (!d)
		return -ENOMEM;

	err = tes_topk_alloc(&d->sel, &c);
	if (err)
		d = tes_deref(d);
	else
		*dp = d;

	return err;
}

bool tes_speaker_det_update(struct tes_speaker_det *d,
			    const struct tes_level *lv, size_t n,
			    uint64_t now_ms)
{
	uint32_t id;
	bool have;

	if (!d)
		return false;

	/* a departed speaker drops out of the selector; until someone
	 * else speaks the last active id stays reported */
	tes_topk_update(d->sel, lv, n, now_ms);
	have = tes_topk_selected(d->sel, &id, 1) == 1;
	if (!have || (d->have && id == d->active))
		return false;

	d->have = true;
	d->active = id;

	return true;
}

bool tes_speaker_det_active(const struct tes_speaker_det *d, uint32_t *id)
{
	if (!d || !d->have)
		return false;
	if (id)
		*id = d->active;

	return true;
}

/* ---- soft limiter ---- */

#define LIM_FS 32767.0f
#define LIM_T (0.9f * LIM_FS)   /* gain keeps peaks under this */
#define LIM_REL 0.02f           /* per ms: 1 - exp(-1 ms / 50 ms) */

enum {
	LIM_SUB = TES_AUDIO_RATE / 1000, /* 1 ms sub-blocks */
};

/* gain that keeps one sub-block under the threshold */
static float sub_gain(const int32_t *in, size_t len)
{
	int64_t peak = 0;

	for (size_t i = 0; i < len; i++) {
		int64_t a = in[i] < 0 ? -(int64_t)in[i] : in[i];

		peak = TES_MAX(peak, a);
	}

	return (float)peak > LIM_T ? LIM_T / (float)peak : 1.0f;
}

/* after the gain: tanh knee above LIM_T, approaching but never reaching
 * full scale; odd and monotonic, so the sign is kept */
static int16_t knee(float y)
{
	float a = fabsf(y);

	if (a > LIM_T)
		a = LIM_T + (LIM_FS - LIM_T) *
			    tanhf((a - LIM_T) / (LIM_FS - LIM_T));
	a = fminf(nearbyintf(a), LIM_FS);

	return (int16_t)(y < 0 ? -a : a);
}

void tes_limiter_run(struct tes_limiter *l, const int32_t *in, int16_t *out,
		     size_t frames, int channels)
{
	size_t ch = channels == 2 ? 2 : 1, sub = LIM_SUB * ch;
	size_t total = frames * ch;
	float g, r_cur, r_next;

	if (!l || !in || !out || !frames)
		return;

	g = l->gain > 0 ? l->gain : 1.0f;
	r_cur = sub_gain(in, TES_MIN(sub, total));

	/*
	 * Gain at each sub-block boundary is at most the required gain of
	 * both neighbouring sub-blocks, and rises at most by the release
	 * step; it is interpolated linearly in between. So inside any
	 * sub-block the gain stays under what that sub-block needs (a
	 * 1 ms look-ahead within the block). Only the first sub-block
	 * starts from the carried gain and may need the knee.
	 */
	for (size_t s = 0; s < total; s += sub) {
		size_t len = TES_MIN(sub, total - s);
		size_t nlen = s + len < total ? TES_MIN(sub, total - s - len)
					      : 0;
		float g_end, step;

		r_next = nlen ? sub_gain(in + s + len, nlen) : r_cur;
		g_end = fminf(r_cur, r_next);
		g_end = fminf(g_end, g + (1.0f - g) * LIM_REL);
		if (g_end > 0.9999f)
			g_end = 1.0f;

		if (g == 1.0f && g_end == 1.0f) {
			/* the common case: below threshold, untouched */
			for (size_t i = 0; i < len; i++)
				out[s + i] = knee((float)in[s + i]);
		}
		else {
			step = (g_end - g) / (float)(len / ch);
			for (size_t i = 0; i < len; i++) {
				float gi = g + step * (float)(i / ch + 1);

				out[s + i] = knee((float)in[s + i] * gi);
			}
		}
		g = g_end;
		r_cur = r_next;
	}

	l->gain = g;
}

/* ---- mixer ---- */

enum {
	AMIX_BLOCK = TES_AUDIO_FRAME_SAMPLES,
};

/** Limiter of one speaker's mix-minus, kept while the speaker is mixed. */
struct amix_spk {
	uint32_t id;
	bool used;
	struct tes_limiter lim;
};

/** Mixer state; one thread at a time. */
struct tes_amix {
	int channels;
	struct tes_topk *sel;
	struct tes_limiter all;                /**< Everyone mix */
	struct amix_spk spk[TES_AMIX_MAX_K];   /**< Mix-minus limiters */
	struct tes_level *lv;                  /**< Level buffer */
	size_t lv_cap;
	int32_t sum[AMIX_BLOCK * 2];
	int32_t tmp[AMIX_BLOCK * 2];
};

static void amix_destructor(void *data)
{
	struct tes_amix *m = data;

	m->sel = tes_deref(m->sel);
	free(m->lv);
}

int tes_amix_alloc(struct tes_amix **mp, int channels,
		   const struct tes_topk_cfg *cfg)
{
	struct tes_amix *m;
	int err;

	if (!mp || channels < 1 || channels > 2)
		return -EINVAL;

	m = tes_alloc(sizeof(*m), amix_destructor);
	if (!m)
		return -ENOMEM;
	m->channels = channels;

	err = tes_topk_alloc(&m->sel, cfg);
	if (err)
		m = tes_deref(m);
	else
		*mp = m;

	return err;
}

/* acc += sign * p, converting the channel count */
static void accumulate(int32_t *acc, int ch, const struct tes_pcm *p,
		       int sign)
{
	const int16_t *d = p->data;

	if (p->channels == ch) {
		for (size_t i = 0; i < (size_t)AMIX_BLOCK * ch; i++)
			acc[i] += sign * d[i];
	}
	else if (ch == 2) {
		for (size_t i = 0; i < AMIX_BLOCK; i++) {
			acc[2 * i] += sign * d[i];
			acc[2 * i + 1] += sign * d[i];
		}
	}
	else {
		/* stereo into mono: average, rounding toward -inf */
		for (size_t i = 0; i < AMIX_BLOCK; i++)
			acc[i] += sign * ((d[2 * i] + d[2 * i + 1]) >> 1);
	}
}

static bool input_ok(const struct tes_amix_input *in)
{
	return in->pcm && in->pcm->samples == AMIX_BLOCK &&
	       (in->pcm->channels == 1 || in->pcm->channels == 2);
}

static const struct tes_pcm *find_input(const struct tes_amix_input *in,
					size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (in[i].id == id && input_ok(&in[i]))
			return in[i].pcm;

	return NULL;
}

/* the limiter of a speaker's mix-minus; new ones start at `gain` */
static struct tes_limiter *spk_limiter(struct tes_amix *m, uint32_t id,
				       float gain)
{
	struct amix_spk *free_spk = NULL;

	for (size_t i = 0; i < TES_AMIX_MAX_K; i++) {
		struct amix_spk *s = &m->spk[i];

		if (s->used && s->id == id)
			return &s->lim;
		if (!s->used && !free_spk)
			free_spk = s;
	}
	/* there are never more speakers than slots */
	free_spk->used = true;
	free_spk->id = id;
	free_spk->lim.gain = gain;

	return &free_spk->lim;
}

static int levels(struct tes_amix *m, const struct tes_amix_input *in,
		  size_t n, size_t *nlv)
{
	size_t k = 0;

	if (n > m->lv_cap) {
		struct tes_level *lv = realloc(m->lv, n * sizeof(*lv));

		if (!lv)
			return -ENOMEM;
		m->lv = lv;
		m->lv_cap = n;
	}

	/* only decoded inputs can be mixed, so only they compete */
	for (size_t i = 0; i < n; i++) {
		if (!input_ok(&in[i]))
			continue;
		m->lv[k].id = in[i].id;
		m->lv[k].dbov = in[i].level >= 0
					? in[i].level
					: tes_pcm_level_dbov(in[i].pcm);
		k++;
	}
	*nlv = k;

	return 0;
}

int tes_amix_mix(struct tes_amix *m, const struct tes_amix_input *in,
		 size_t n, uint64_t now_ms, struct tes_amix_result *res)
{
	uint32_t ids[TES_AMIX_MAX_K];
	const struct tes_pcm *own[TES_AMIX_MAX_K];
	size_t nlv, nsel, len;
	float gain_all;
	int err;

	if (!m || !res || (n && !in))
		return -EINVAL;
	memset(res, 0, sizeof(*res));

	err = levels(m, in, n, &nlv);
	if (err)
		return err;
	tes_topk_update(m->sel, m->lv, nlv, now_ms);
	nsel = tes_topk_selected(m->sel, ids, TES_AMIX_MAX_K);

	len = (size_t)AMIX_BLOCK * (size_t)m->channels;
	memset(m->sum, 0, len * sizeof(m->sum[0]));
	for (size_t i = 0; i < nsel; i++) {
		own[i] = find_input(in, n, ids[i]);
		accumulate(m->sum, m->channels, own[i], 1);
	}

	err = tes_pcm_alloc(&res->everyone, m->channels, AMIX_BLOCK);
	if (err)
		goto out;
	gain_all = m->all.gain > 0 ? m->all.gain : 1.0f;
	tes_limiter_run(&m->all, m->sum, res->everyone->data, AMIX_BLOCK,
			m->channels);

	/* limiters of speakers no longer mixed are dropped */
	for (size_t s = 0; s < TES_AMIX_MAX_K; s++) {
		bool keep = false;

		for (size_t i = 0; i < nsel; i++)
			keep |= m->spk[s].used && m->spk[s].id == ids[i];
		m->spk[s].used = keep;
	}

	for (size_t i = 0; i < nsel; i++) {
		struct tes_pcm *pcm;

		memcpy(m->tmp, m->sum, len * sizeof(m->tmp[0]));
		accumulate(m->tmp, m->channels, own[i], -1);

		err = tes_pcm_alloc(&pcm, m->channels, AMIX_BLOCK);
		if (err)
			goto out;
		tes_limiter_run(spk_limiter(m, ids[i], gain_all), m->tmp,
				pcm->data, AMIX_BLOCK, m->channels);
		res->minus[i].id = ids[i];
		res->minus[i].pcm = pcm;
		res->nminus = i + 1;
	}

out:
	if (err)
		tes_amix_result_clear(res);

	return err;
}

struct tes_pcm *tes_amix_result_for(const struct tes_amix_result *res,
				    uint32_t id)
{
	if (!res)
		return NULL;

	for (size_t i = 0; i < res->nminus; i++)
		if (res->minus[i].id == id)
			return res->minus[i].pcm;

	return res->everyone;
}

void tes_amix_result_clear(struct tes_amix_result *res)
{
	if (!res)
		return;

	res->everyone = tes_deref(res->everyone);
	for (size_t i = 0; i < res->nminus; i++)
		res->minus[i].pcm = tes_deref(res->minus[i].pcm);
	memset(res, 0, sizeof(*res));
}
