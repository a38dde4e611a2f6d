/**
 * @file ingress.c  Ingress stream: reorder buffer, NACK, frame assembly,
 * keyframe requests (video) and a short reorder window (audio).
 *
 * Sequence numbers are extended to 64 bits.  The ring holds the window
 * [tail, highest]: every slot in it is MISSING or HAVE; everything before
 * tail has been emitted or dropped (DONE slots are kept only to tell
 * duplicates from late packets).  Owned by the loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/ingress.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"

enum {
	VIDEO_SLOTS = 512,
	AUDIO_SLOTS = 16,
	NACK_BATCH = 64,
	MAX_NACKS = 4,                 /**< requests per sequence number */
	NACK_RETRY_US = 40000,         /**< while the RTT is unknown */
	NACK_RETRY_MIN_US = 20000,
	NACK_RETRY_MAX_US = 200000,
	KEYFRAME_INTERVAL_US = 500000, /**< between keyframe requests */
	TS_RESTART_US = 1000000,       /**< accept a keyframe from an older
					    timeline after this long */
	DEFAULT_MAX_DELAY_MS = 200,
	AUDIO_HOLD_PKTS = 3,           /**< skip a loss when this many newer
					    packets are waiting */
	AUDIO_HOLD_US = 60000,         /**< ... or after this long */
	SLOT_MIN_CAP = 1280,
	LOG_INTERVAL_MS = 5000,
};

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_MISSING,  /**< in the window, not received */
	SLOT_HAVE,     /**< in the window, received */
	SLOT_DONE,     /**< before the window: emitted or dropped */
};

enum frame_res {
	FRAME_INCOMPLETE = 0,
	FRAME_COMPLETE,
	FRAME_BROKEN,
};

struct slot {
	int64_t ext;        /**< extended sequence number held */
	uint8_t state;      /**< enum slot_state */
	bool got;           /**< DONE: it had been received */
	bool marker;        /**< RTP marker */
	bool start;         /**< may begin a frame */
	bool au_first;      /**< H.264: begins with AUD/SPS, so an access
			         unit surely starts here */
	bool key;           /**< VP8: keyframe start; H.264: has an IDR */
	bool filler;        /**< no payload (padding-only packet) */
	bool voice;         /**< audio level V bit */
	int16_t level;      /**< audio level, -1 when absent */
	uint8_t nacks;      /**< MISSING: NACKs sent */
	uint16_t width;     /**< VP8 keyframe size */
	uint16_t height;
	uint32_t ts;        /**< RTP timestamp */
	uint64_t t_us;      /**< HAVE: arrival; MISSING: known missing since */
	uint64_t nack_us;   /**< MISSING: last NACK */
	size_t len;         /**< bytes in buf */
	size_t cap;         /**< buf capacity */
	uint8_t *buf;       /**< payload copy (VP8: without descriptor) */
};

/** Ingress stream; owned by the loop thread. */
struct tes_ingress {
	struct tes_ingress_cfg cfg;
	struct tes_ingress_stats stats;
	struct tes_ratelog rl;
	bool video;
	bool have_seq;       /* a packet was accepted */
	bool started;        /* something was emitted or dropped */
	bool waiting_key;    /* video: emit nothing but a keyframe */
	bool kf_pending;     /* video: a keyframe request is due */
	bool kf_asked;       /* video: keyframe_h was ever called */
	bool have_last_ts;
	bool have_bad_seq;
	uint16_t bad_seq;    /* restart probation (RFC 3550 A.1) */
	uint32_t last_ts;    /* of the last emitted access unit */
	uint32_t lost_run;   /* audio: losses since the last emitted AU */
	int64_t tail;        /* first extended seq not yet consumed */
	int64_t highest;     /* highest extended seq accepted */
	uint64_t last_kf_us; /* last keyframe request */
	uint64_t wait_us;    /* since when waiting for a keyframe */
	uint64_t retry_us;   /* NACK retry interval */
	uint64_t max_delay_us;
	size_t mask;         /* n_slots - 1 */
	struct slot slots[];
};

struct nack_batch {
	uint16_t seqs[NACK_BATCH];
	size_t n;
};

static void destructor(void *data)
{
	struct tes_ingress *in = data;

	for (size_t i = 0; i <= in->mask; i++)
		free(in->slots[i].buf);
}

/* time from t to now; 0 if the caller's clock went backwards */
static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static struct slot *slot_at(struct tes_ingress *in, int64_t ext)
{
	return &in->slots[(uint64_t)ext & in->mask];
}

static void log_malformed(struct tes_ingress *in, const char *what, int err)
{
	uint64_t supp;

	in->stats.malformed++;
	if (tes_ratelog_allow(&in->rl, LOG_INTERVAL_MS, &supp))
		TES_LOGW("ingress", "dropped %s (%d), %llu more not logged",
			 what, err, (unsigned long long)supp);
}

/* ---- keyframe requests, NACKs ---- */

static void request_keyframe(struct tes_ingress *in, uint64_t now)
{
	in->kf_pending = true;
	if (in->kf_asked && since(now, in->last_kf_us) < KEYFRAME_INTERVAL_US)
		return;

	in->kf_asked = true;
	in->last_kf_us = now;
	in->stats.keyframe_requests++;
	if (in->cfg.keyframe_h)
		in->cfg.keyframe_h(in->cfg.arg);
}

static void nack_flush(struct tes_ingress *in, struct nack_batch *b)
{
	if (!b->n)
		return;
	in->stats.nacks_sent += b->n;
	in->cfg.nack_h(b->seqs, b->n, in->cfg.arg);
	b->n = 0;
}

static void nack_add(struct tes_ingress *in, struct nack_batch *b,
		     struct slot *sl, uint64_t now)
{
	if (!in->video || !in->cfg.nack_h)
		return;
	sl->nacks++;
	sl->nack_us = now;
	b->seqs[b->n++] = (uint16_t)sl->ext;
	if (b->n == NACK_BATCH)
		nack_flush(in, b);
}

static void slot_missing(struct slot *sl, int64_t ext, uint64_t now)
{
	sl->ext = ext;
	sl->state = SLOT_MISSING;
	sl->got = false;
	sl->nacks = 0;
	sl->t_us = now;
	sl->nack_us = 0;
}

/* ---- consuming the window ---- */

static void give_up(struct tes_ingress *in, uint64_t now)
{
	if (!in->waiting_key) {
		in->waiting_key = true;
		in->wait_us = now;
	}
	request_keyframe(in, now);
}

static struct tes_ingress_au *au_alloc(struct tes_ingress *in, size_t len)
{
	struct tes_ingress_au *au;

	au = tes_alloc(sizeof(*au) + len, NULL);
	if (!au) {
		log_malformed(in, "access unit: out of memory", -ENOMEM);
		return NULL;
	}
	au->data = (uint8_t *)(au + 1);
	au->len = len;
	au->audio_level = -1;

	return au;
}

static void au_deliver(struct tes_ingress *in, struct tes_ingress_au *au)
{
	in->stats.frames++;
	if (in->cfg.au_h)
		in->cfg.au_h(au, in->cfg.arg);
	else
		tes_deref(au);
}

static void audio_emit(struct tes_ingress *in, struct slot *sl)
{
	struct tes_ingress_au *au;

	au = au_alloc(in, sl->len);
	if (!au) {
		in->lost_run++;
		return;
	}
	memcpy(au->data, sl->buf, sl->len);
	au->keyframe = true;
	au->ts = sl->ts;
	au->first_seq = au->last_seq = (uint16_t)sl->ext;
	au->arrival_us = sl->t_us;
	au->lost_before = in->lost_run;
	au->audio_level = sl->level;
	au->voice = sl->voice;
	in->lost_run = 0;
	au_deliver(in, au);
}

/* consume [tail, to): audio packets are emitted, video dropped */
static void consume(struct tes_ingress *in, int64_t to)
{
	bool have_ts = false;
	uint32_t ts = 0;

	for (; in->tail < to; in->tail++) {
		struct slot *sl = slot_at(in, in->tail);

		in->started = true;
		sl->got = sl->state == SLOT_HAVE;
		sl->state = SLOT_DONE;
		if (!sl->got) {
			in->stats.lost++;
			in->lost_run++;
		}
		else if (sl->filler) {
			continue;
		}
		else if (!in->video) {
			audio_emit(in, sl);
		}
		else if (!have_ts || sl->ts != ts) {
			in->stats.frames_dropped++;
			have_ts = true;
			ts = sl->ts;
		}
	}
}

/* ---- audio ---- */

static void audio_process(struct tes_ingress *in, uint64_t now)
{
	while (in->tail <= in->highest) {
		struct slot *sl = slot_at(in, in->tail);

		if (sl->state != SLOT_HAVE &&
		    in->highest - in->tail < AUDIO_HOLD_PKTS &&
		    since(now, sl->t_us) < AUDIO_HOLD_US)
			break;  /* a hole: wait a little for it */
		consume(in, in->tail + 1);
	}
}

/* ---- video frames ---- */

/* whether an access unit may begin at ext (for H.264: a NAL start right
 * after a known frame end, or a NAL unit that only begins access units) */
static bool frame_boundary(struct tes_ingress *in, int64_t ext)
{
	struct slot *sl = slot_at(in, ext), *prev;

	if (sl->state != SLOT_HAVE || sl->filler || !sl->start)
		return false;
	if (in->cfg.codec == TES_INGRESS_VP8 || sl->au_first)
		return true;

	prev = slot_at(in, ext - 1);
	if (prev->ext != ext - 1 ||
	    !(prev->state == SLOT_HAVE ||
	      (prev->state == SLOT_DONE && prev->got)))
		return false;

	return prev->filler || prev->marker || prev->ts != sl->ts;
}

/* walk the frame that starts at s: the packets with its timestamp up to the
 * marker, or up to a packet that evidently begins something else */
static enum frame_res frame_walk(struct tes_ingress *in, int64_t s,
				 int64_t *e, bool *key)
{
	struct slot *first = slot_at(in, s);

	*key = first->key;
	for (int64_t i = s; i <= in->highest; i++) {
		struct slot *sl = slot_at(in, i);

		if (sl->state != SLOT_HAVE)
			return FRAME_INCOMPLETE;
		if (i > s && (sl->filler || sl->ts != first->ts)) {
			*e = i - 1;
			return FRAME_COMPLETE;
		}
		if (in->cfg.codec == TES_INGRESS_H264 && sl->key)
			*key = true;
		if (sl->marker) {
			*e = i;
			return FRAME_COMPLETE;
		}
	}

	return FRAME_INCOMPLETE;
}

static bool ts_newer(const struct tes_ingress *in, uint32_t ts)
{
	return !in->have_last_ts || (int32_t)(ts - in->last_ts) > 0;
}

/* first complete keyframe from `from` on that may be emitted now */
static bool find_keyframe(struct tes_ingress *in, int64_t from,
			  uint64_t now, int64_t *sp, int64_t *ep)
{
	for (int64_t i = from; i <= in->highest; i++) {
		int64_t e;
		bool key;
		uint32_t ts;

		if (!frame_boundary(in, i))
			continue;
		if (frame_walk(in, i, &e, &key) != FRAME_COMPLETE)
			continue;
		ts = slot_at(in, i)->ts;
		/* a sender may restart its timeline: accept it in the end */
		if (key && (ts_newer(in, ts) ||
			    (in->waiting_key &&
			     since(now, in->wait_us) >= TS_RESTART_US))) {
			*sp = i;
			*ep = e;
			return true;
		}
		if (in->waiting_key)
			in->kf_pending = true;
		i = e;
	}

	return false;
}

/* check the FU-A sequence of an H.264 access unit and return its size */
static int h264_check(struct tes_ingress *in, int64_t s, int64_t e,
		      size_t *total)
{
	bool in_fu = false;
	uint8_t fu_type = 0;

	*total = 0;
	for (int64_t i = s; i <= e; i++) {
		struct slot *sl = slot_at(in, i);
		struct tes_h264_pkt pk;

		if (tes_h264_parse(&pk, sl->buf, sl->len))
			return -EBADMSG;
		if (pk.type != TES_H264_FU_A) {
			if (in_fu)
				return -EBADMSG;
		}
		else if (pk.fu_start) {
			if (in_fu)
				return -EBADMSG;
			in_fu = !pk.fu_end;
			fu_type = pk.nal_type;
		}
		else {
			if (!in_fu || pk.nal_type != fu_type)
				return -EBADMSG;
			in_fu = !pk.fu_end;
		}
		*total += pk.annexb_len;
	}

	return in_fu ? -EBADMSG : 0;
}

static void video_emit(struct tes_ingress *in, int64_t s, int64_t e,
		       bool key, uint64_t now)
{
	struct slot *first = slot_at(in, s);
	struct tes_ingress_au *au = NULL;
	size_t total = 0, off = 0;
	uint64_t arrival = 0;

	if (in->cfg.codec == TES_INGRESS_H264) {
		if (h264_check(in, s, e, &total)) {
			log_malformed(in, "H.264 access unit", -EBADMSG);
			goto fail;
		}
	}
	else {
		for (int64_t i = s; i <= e; i++)
			total += slot_at(in, i)->len;
	}

	au = au_alloc(in, total);
	if (!au)
		goto fail;

	for (int64_t i = s; i <= e; i++) {
		struct slot *sl = slot_at(in, i);
		struct tes_h264_pkt pk;

		if (in->cfg.codec == TES_INGRESS_H264) {
			(void)tes_h264_parse(&pk, sl->buf, sl->len);
			off += tes_h264_annexb(&pk, au->data + off);
		}
		else {
			memcpy(au->data + off, sl->buf, sl->len);
			off += sl->len;
		}
		arrival = TES_MAX(arrival, sl->t_us);
		sl->state = SLOT_DONE;
		sl->got = true;
	}

	au->keyframe = key;
	au->ts = first->ts;
	au->first_seq = (uint16_t)s;
	au->last_seq = (uint16_t)e;
	au->arrival_us = arrival;
	if (key) {
		au->width = first->width;
		au->height = first->height;
		in->waiting_key = false;
		in->kf_pending = false;
	}
	in->tail = e + 1;
	in->started = true;
	in->have_last_ts = true;
	in->last_ts = first->ts;
	au_deliver(in, au);
	return;

fail:
	consume(in, e + 1);
	give_up(in, now);
}

static void video_process(struct tes_ingress *in, uint64_t now)
{
	while (in->tail <= in->highest) {
		struct slot *sl = slot_at(in, in->tail);
		enum frame_res res = FRAME_INCOMPLETE;
		int64_t s, e;
		bool key;

		if (sl->state == SLOT_HAVE && sl->filler) {
			consume(in, in->tail + 1);
			continue;
		}
		if (!in->waiting_key && sl->state == SLOT_HAVE) {
			res = sl->start ? frame_walk(in, in->tail, &e, &key)
					: FRAME_BROKEN;
			if (res == FRAME_COMPLETE && !ts_newer(in, sl->ts))
				res = FRAME_BROKEN;  /* a frame from the past */
		}
		if (res == FRAME_COMPLETE) {
			video_emit(in, in->tail, e, key, now);
			continue;
		}
		if (res == FRAME_BROKEN) {
			give_up(in, now);
			continue;
		}
		/* waiting for a keyframe, or the next frame is incomplete:
		 * a later complete keyframe makes the wait moot */
		if (!find_keyframe(in, in->tail + !in->waiting_key, now, &s,
				   &e))
			break;
		consume(in, s);
		video_emit(in, s, e, true, now);
	}

	if (in->waiting_key && in->kf_pending)
		request_keyframe(in, now);
}

/* ---- packets in ---- */

/* describe a packet in m (buf unused); *data: the bytes to keep */
static int classify(struct tes_ingress *in, const struct tes_rtp_hdr *h,
		    struct slot *m, const uint8_t **data)
{
	struct tes_vp8_desc d;
	struct tes_h264_pkt pk;
	const uint8_t *ext;
	size_t elen;
	uint8_t level;
	int err;

	memset(m, 0, sizeof(*m));
	m->level = -1;
	m->ts = h->ts;
	m->marker = h->marker;
	*data = h->payload;
	m->len = h->payload_len;
	if (!h->payload_len || !h->payload) {
		m->filler = true;
		m->len = 0;
		return 0;
	}

	switch (in->cfg.codec) {

	case TES_INGRESS_VP8:
		err = tes_vp8_parse_desc(&d, h->payload, h->payload_len);
		if (err)
			return err;
		*data += d.hdr_len;
		m->len -= d.hdr_len;
		m->start = d.start;
		m->key = d.keyframe;
		m->width = (uint16_t)d.width;
		m->height = (uint16_t)d.height;
		break;

	case TES_INGRESS_H264:
		err = tes_h264_parse(&pk, h->payload, h->payload_len);
		if (err)
			return err;
		m->start = pk.nal_start;
		m->au_first = pk.nal_start &&
			      (pk.nal_type == TES_H264_NAL_AUD ||
			       pk.nal_type == TES_H264_NAL_SPS);
		m->key = pk.idr;
		break;

	default:
		m->start = m->key = true;
		if (in->cfg.audio_level_id &&
		    !tes_rtp_ext_find(h, in->cfg.audio_level_id, &ext, &elen) &&
		    !tes_audio_level_parse(ext, elen, &m->voice, &level))
			m->level = level;
		break;
	}

	return 0;
}

static int slot_store(struct slot *sl, int64_t ext, const struct slot *m,
		      const uint8_t *data, uint64_t now)
{
	uint8_t *buf = sl->buf;
	size_t cap = sl->cap;

	if (m->len > cap) {
		cap = TES_MAX(m->len, (size_t)SLOT_MIN_CAP);
		buf = realloc(sl->buf, cap);
		if (!buf)
			return -ENOMEM;
	}
	*sl = *m;
	sl->buf = buf;
	sl->cap = cap;
	if (m->len)
		memcpy(buf, data, m->len);
	sl->ext = ext;
	sl->state = SLOT_HAVE;
	sl->got = true;
	sl->t_us = now;

	return 0;
}

/* the stream jumped: forget the window and start over at ext */
static void restart(struct tes_ingress *in, int64_t ext, uint64_t now)
{
	consume(in, in->highest + 1);
	if (in->video && (!in->waiting_key || in->kf_asked))
		give_up(in, now);
	in->tail = in->highest = ext;
	slot_missing(slot_at(in, ext), ext, now);
	in->have_last_ts = false;
	in->have_bad_seq = false;
}

/* move highest up to ext: the slots in between are missing */
static void advance(struct tes_ingress *in, int64_t ext, uint64_t now,
		    struct nack_batch *b)
{
	int64_t n = (int64_t)in->mask + 1;

	if (ext - in->tail >= n) {
		/* overflow: the oldest part of the window has to go */
		if (in->video && !in->waiting_key)
			give_up(in, now);
		consume(in, ext - n + 1);
	}
	for (int64_t i = in->highest + 1; i < ext; i++) {
		struct slot *sl = slot_at(in, i);

		slot_missing(sl, i, now);
		nack_add(in, b, sl, now);
	}
	slot_missing(slot_at(in, ext), ext, now);
	in->highest = ext;
}

/* true when the packet at ext is to be stored */
static bool accept_old(struct tes_ingress *in, int64_t ext, uint16_t seq,
		       uint64_t now)
{
	int64_t n = (int64_t)in->mask + 1;
	struct slot *sl = slot_at(in, ext);

	if (ext >= in->tail) {
		if (sl->state == SLOT_HAVE) {
			in->stats.duplicates++;
			return false;
		}
		if (ext < in->highest)
			in->stats.out_of_order++;
		return true;
	}
	if (sl->ext == ext && sl->state == SLOT_DONE && sl->got) {
		in->stats.duplicates++;
		return false;
	}
	if (!in->started && in->highest - ext < n) {
		/* reordered at the very start: grow the window backwards */
		for (int64_t i = ext; i < in->tail; i++)
			slot_missing(slot_at(in, i), i, now);
		in->tail = ext;
		in->stats.out_of_order++;
		return true;
	}
	if (in->highest - ext >= n) {
		/* far behind: a restart if the next packet follows it */
		if (in->have_bad_seq && seq == in->bad_seq) {
			restart(in, ext, now);
			return true;
		}
		in->have_bad_seq = true;
		in->bad_seq = (uint16_t)(seq + 1);
	}
	in->stats.late++;
	return false;
}

void tes_ingress_push(struct tes_ingress *in, const struct tes_rtp_hdr *h,
		      uint64_t now_us)
{
	struct nack_batch b = {.n = 0};
	const uint8_t *data;
	struct slot m;
	int64_t ext;
	int err;

	if (!in || !h)
		return;

	in->stats.packets++;
	err = classify(in, h, &m, &data);
	if (err) {
		log_malformed(in, "payload", err);
		return;
	}

	if (!in->have_seq) {
		ext = ((int64_t)1 << 32) + h->seq;
		in->have_seq = true;
		in->tail = in->highest = ext;
		in->wait_us = now_us;
		slot_missing(slot_at(in, ext), ext, now_us);
	}
	else {
		ext = in->highest + (int16_t)(h->seq - (uint16_t)in->highest);
		if (ext > in->highest) {
			if (ext - in->highest > (int64_t)in->mask)
				restart(in, ext, now_us);
			else
				advance(in, ext, now_us, &b);
			in->have_bad_seq = false;
		}
		else if (!accept_old(in, ext, h->seq, now_us)) {
			return;
		}
	}

	if (slot_store(slot_at(in, ext), ext, &m, data, now_us))
		log_malformed(in, "packet: out of memory", -ENOMEM);
	nack_flush(in, &b);

	if (in->video)
		video_process(in, now_us);
	else
		audio_process(in, now_us);
}

void tes_ingress_tick(struct tes_ingress *in, uint64_t now_us)
{
	struct nack_batch b = {.n = 0};
	bool expired = false;

	if (!in || !in->have_seq)
		return;
	if (!in->video) {
		audio_process(in, now_us);
		return;
	}

	for (int64_t i = in->tail; i <= in->highest; i++) {
		struct slot *sl = slot_at(in, i);

		if (sl->state != SLOT_MISSING)
			continue;
		if (since(now_us, sl->t_us) >= in->max_delay_us) {
			expired = true;
			continue;
		}
		if (sl->nacks < MAX_NACKS &&
		    (!sl->nacks || since(now_us, sl->nack_us) >= in->retry_us))
			nack_add(in, &b, sl, now_us);
	}
	nack_flush(in, &b);

	/* a frame that cannot be completed in time: wait for a keyframe */
	if (expired && !in->waiting_key)
		give_up(in, now_us);

	video_process(in, now_us);
}

void tes_ingress_set_rtt(struct tes_ingress *in, uint32_t rtt_ms)
{
	uint64_t us = (uint64_t)rtt_ms * 1000;

	if (!in)
		return;
	/* one RTT plus a little for the sender's own pacing */
	us += us / 4;
	in->retry_us = TES_MIN(TES_MAX(us, (uint64_t)NACK_RETRY_MIN_US),
			       (uint64_t)NACK_RETRY_MAX_US);
}

const struct tes_ingress_stats *tes_ingress_stats(const struct tes_ingress *in)
{
	return in ? &in->stats : NULL;
}

int tes_ingress_alloc(struct tes_ingress **ip,
		      const struct tes_ingress_cfg *cfg)
{
	struct tes_ingress *in;
	size_t n;
	bool video;

	if (!ip || !cfg)
		return -EINVAL;
	if (cfg->codec != TES_INGRESS_VP8 && cfg->codec != TES_INGRESS_H264 &&
	    cfg->codec != TES_INGRESS_OPUS)
		return -EINVAL;

	video = cfg->codec != TES_INGRESS_OPUS;
	n = video ? VIDEO_SLOTS : AUDIO_SLOTS;
	in = tes_alloc(sizeof(*in) + n * sizeof(struct slot), destructor);
	if (!in)
		return -ENOMEM;

	in->cfg = *cfg;
	if (!in->cfg.clock)
		in->cfg.clock = video ? 90000 : 48000;
	if (!in->cfg.max_delay_ms)
		in->cfg.max_delay_ms = DEFAULT_MAX_DELAY_MS;
	in->video = video;
	in->waiting_key = video;
	in->mask = n - 1;
	in->retry_us = NACK_RETRY_US;
	in->max_delay_us = (uint64_t)in->cfg.max_delay_ms * 1000;

	*ip = in;

	return 0;
}
