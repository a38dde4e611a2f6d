/**
 * @file sfu.c  The sfu room mode: packets are forwarded, not mixed (like
 * mediasoup or Janus's videoroom).
 *
 * Every participant is a publisher (what it sends us) and a subscriber
 * (one m-line of ours per other publisher's audio and video).  Those
 * m-lines are added by renegotiation: we send the participant an offer on
 * its event channel and it answers (PATCH of its resource).  Packets are
 * written once per subscriber, straight into its send buffer, with our
 * SSRC, sequence number, timestamp and payload type for that m-line and
 * no header extensions; the payload is never touched.  A subscriber's
 * NACK is answered from the publisher's packet history, its PLI or FIR is
 * passed to the publisher (at most one request per PLI_MIN_MS), and the
 * publisher's SR is passed on with the subscriber's SSRC and timestamps
 * so it keeps lip sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "room/room_int.h"
#include "rtp/payload.h"

enum {
	HIST = 512,             /* video packets kept per publisher (~0.5 s
				   at 1 Mbit/s of 1200-byte packets) */
	PLI_MIN_MS = 500,       /* keyframe requests to one publisher */
	REMB_EVERY_MS = 1000,   /* bandwidth we grant publishers, this often */
	REMB_BPS = 2500000,
	OFFER_MAX = 64 * 1024,
	REMB_LOW_MS = 5000,     /* a REMB shortfall this long is congestion */
	MID_MAX = 31,
};

/* One video packet of a publisher, for answering NACKs. */
struct hist_pkt {
	bool used;
	bool marker;
	uint16_t seq;
	uint16_t len;
	uint32_t ts;
	uint8_t data[TES_UDP_MAX_DGRAM];
};

/* A subscriber's m-line fed by this publisher. */
struct out {
	struct tes__part *sub;
	size_t idx;
};

/* What a participant sends, as an SFU publisher. */
struct tes__pub {
	struct hist_pkt *hist[TES_SDP_MAX_RIDS]; /* HIST entries per
				   simulcast layer (one without), once video
				   arrives */
	uint64_t layer_bytes[TES_SDP_MAX_RIDS]; /* video payload this second */
	uint32_t layer_kbps[TES_SDP_MAX_RIDS];  /* ... and the last second */
	uint64_t rate_ms;       /* start of this second */
	struct out *outs;       /* m-lines of subscribers it feeds */
	size_t n_outs;
	size_t cap_outs;
	uint64_t last_pli_ms;
	bool key_wanted;        /* a request waits for PLI_MIN_MS */
	uint64_t last_remb_ms;
};

/* One m-line of ours in a subscriber's session, carrying a publisher's
 * audio or video. */
struct track {
	struct tes__part *src;  /* publisher (weak: cleared when it leaves) */
	bool live;              /* its answer took the m-line: packets flow */
	bool started;           /* the deltas are set */
	bool answered;          /* an answer took it (live is set earlier) */
	uint16_t seq_delta;     /* ours = publisher's + delta */
	uint32_t ts_delta;
	uint32_t packets;       /* sent, for SR */
	uint32_t octets;
	/* video: the publisher's simulcast layer it carries (0 without
	 * simulcast), the one it should, and where our numbering is */
	int8_t layer;           /* -1: none yet */
	int8_t target;
	uint16_t last_seq;      /* last sent */
	uint32_t last_ts;
	uint64_t last_us;
	uint32_t max_kbps;      /* the receiver's b=AS/TIAS, 0: none */
	uint64_t remb_bps;      /* its last REMB, 0: none */
	uint64_t remb_low_ms;   /* since when its REMB is far below the
				   layer it gets, 0: it is not */
	uint16_t view_w;        /* the size the receiver shows it at, 0:
				   not told */
	uint16_t view_h;
};

/* What a participant receives, and its renegotiation. */
struct tes__sub {
	/* the m-lines of its session: those of its own offer as we
	 * answered them, then ours; ours are never removed (a publisher
	 * that leaves makes its m-lines inactive) */
	struct tes_sdp_neg_media media[TES_SDP_MAX_MEDIA];
	struct track tracks[TES_SDP_MAX_MEDIA];
	size_t n_media;
	size_t n_own;
	/* its own accepted m-line of each kind: codec and feedback for
	 * ours */
	const struct tes_sdp_neg_media *tmpl[2];
	bool bundle;
	uint64_t sess_id;
	uint64_t version;       /* o= version of our last description */
	unsigned next_mid;
	char cname[17];
	char stream_id[17];
	const char *fingerprint;
	const char *addr;
	uint16_t port;
	char remote_ufrag[257];
	char fp_alg[16];
	char fp[192];
	bool events;            /* its event channel is open */
	bool offer_out;         /* an offer waits for its answer */
	size_t offered_n;       /* m-lines in that offer */
	bool dirty;             /* changed since the last offer */
	bool logged_full;
};

static int kind_idx(enum tes_media_kind k)
{
	return k == TES_MEDIA_VIDEO;
}

/* ---- set-up ---- */

int tes__sfu_part_init(struct tes__part *p, const struct tes_sdp_answer *ans,
		       const struct tes_sdp_local *local)
{
	struct tes__sub *s;

	s = calloc(1, sizeof(*s));
	p->pub = calloc(1, sizeof(*p->pub));
	if (!s || !p->pub) {
		free(s);
		free(p->pub);
		p->pub = NULL;
		return -ENOMEM;
	}

	memcpy(s->media, ans->media, ans->n_media * sizeof(ans->media[0]));
	s->n_media = s->n_own = ans->n_media;
	for (size_t i = 0; i < s->n_own; i++) {
		const struct tes_sdp_neg_media *nm = &s->media[i];

		if (!nm->accepted || (nm->kind != TES_MEDIA_AUDIO &&
				      nm->kind != TES_MEDIA_VIDEO) ||
		    s->tmpl[kind_idx(nm->kind)])
			continue;
		s->tmpl[kind_idx(nm->kind)] = nm;
	}
	s->bundle = ans->bundle;
	s->sess_id = ans->sess_id;
	s->version = 2; /* the answer's */
	snprintf(s->cname, sizeof(s->cname), "%s", local->cname);
	snprintf(s->stream_id, sizeof(s->stream_id), "%s", local->stream_id);
	s->fingerprint = local->fingerprint; /* the process certificate's */
	s->addr = local->addr;               /* the configuration's */
	s->port = local->port;
	memcpy(s->remote_ufrag, ans->remote_ufrag, sizeof(s->remote_ufrag));
	memcpy(s->fp_alg, ans->fp_alg, sizeof(s->fp_alg));
	memcpy(s->fp, ans->fp, sizeof(s->fp));
	p->sub = s;

	return 0;
}

void tes__sfu_part_free(struct tes__part *p)
{
	if (p->pub) {
		for (size_t i = 0; i < TES_SDP_MAX_RIDS; i++)
			free(p->pub->hist[i]);
		free(p->pub->outs);
	}
	free(p->pub);
	free(p->sub);
	p->pub = NULL;
	p->sub = NULL;
}

size_t tes__sfu_tracks(const struct tes__part *p)
{
	size_t n = 0;

	if (!p->sub)
		return 0;
	for (size_t i = p->sub->n_own; i < p->sub->n_media; i++)
		n += p->sub->tracks[i].live;

	return n;
}

bool tes__sfu_offer_pending(const struct tes__part *p)
{
	return p->sub && p->sub->offer_out;
}

/* ---- renegotiation ---- */

static bool mid_taken(const struct tes__sub *s, const char *mid)
{
	for (size_t i = 0; i < s->n_media; i++) {
		if (!strcmp(s->media[i].mid, mid))
			return true;
	}

	return false;
}

static void request_key(struct tes__part *pub, uint64_t now);

static void send_offer(struct tes__part *p)
{
	struct tes__sub *s = p->sub;
	struct tes_sdp_local local = {
		.ice_ufrag = tes_ice_agent_ufrag(p->ice),
		.ice_pwd = tes_ice_agent_pwd(p->ice),
		.fingerprint = s->fingerprint,
		.addr = s->addr,
		.port = s->port,
		.cname = s->cname,
		.stream_id = s->stream_id,
	};
	char *sdp;
	int n;

	if (!s->events || s->offer_out || !s->dirty)
		return;

	sdp = malloc(OFFER_MAX);
	if (!sdp)
		return; /* dirty stays: the next change or tick retries */
	n = tes_sdp_build_offer(sdp, OFFER_MAX, s->media, s->n_media,
				s->sess_id, s->version + 1, &local);
	if (n < 0) {
		TES_LOGW("sfu", "%s/%s: offer does not fit (%d m-lines)",
			 p->room->name, p->id, (int)s->n_media);
		free(sdp);
		s->dirty = false;
		return;
	}

	s->version++;
	s->offer_out = true;
	s->offered_n = s->n_media;
	s->dirty = false;
	/* a browser takes a sendonly m-line's packets once it has applied
	 * the offer, before it answers: forwarding starts now, which saves
	 * the answer's round trip; an answer that refuses stops it */
	for (size_t i = s->n_own; i < s->n_media; i++) {
		struct track *t = &s->tracks[i];

		if (!t->src || t->live || !s->media[i].we_send)
			continue;
		t->live = true;
		if (s->media[i].kind == TES_MEDIA_VIDEO)
			request_key(t->src, tes_now_ms());
	}
	TES_LOGI("sfu", "%s/%s: offer v%llu with %zu m-lines",
		 p->room->name, p->id, (unsigned long long)s->version,
		 s->n_media);
	tes__part_event(p, json_pack("{s:s,s:s,s:I}", "type", "offer", "sdp",
				     sdp, "version", (json_int_t)s->version));
	free(sdp);
}

/*
 * An m-line for a new track of this kind: one whose publisher left (its
 * mid stays; only the msid and SSRC change), else a new one at the end.
 * SIZE_MAX when the session is full.
 */
static size_t free_mline(const struct tes__sub *s, enum tes_media_kind kind)
{
	for (size_t i = s->n_own; i < s->n_media; i++) {
		if (!s->tracks[i].src && s->media[i].kind == kind &&
		    s->media[i].dir == TES_DIR_INACTIVE)
			return i;
	}

	return s->n_media < TES_SDP_MAX_MEDIA ? s->n_media : SIZE_MAX;
}

/* "VP8/90000" is a VP8 stream */
static bool same_codec(const char *stream_codec, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(stream_codec, name, n) && stream_codec[n] == '/';
}

/* Give subscriber q an m-line for each of p's streams it can take. */
static void add_tracks(struct tes__part *q, struct tes__part *p)
{
	struct tes__sub *s = q->sub;
	bool added = false;

	if (!s->bundle) {
		if (!s->logged_full)
			TES_LOGW("sfu", "%s/%s: offer was not bundled: it "
				 "receives no other participants", q->room->name,
				 q->id);
		s->logged_full = true;
		return;
	}

	for (size_t k = 0; k < p->n_streams; k++) {
		const struct tes__stream *st = &p->streams[k];
		const struct tes_sdp_neg_media *t = s->tmpl[kind_idx(st->kind)];
		struct tes_sdp_neg_media *nm;
		struct out *o;
		size_t idx;

		if (!st->we_recv)
			continue;
		if (!t || !same_codec(st->codec, t->codec.name)) {
			TES_LOGI("sfu", "%s/%s: cannot take %s of %s",
				 q->room->name, q->id, st->codec, p->id);
			continue;
		}
		idx = free_mline(s, st->kind);
		if (idx == SIZE_MAX) {
			if (!s->logged_full)
				TES_LOGW("sfu", "%s/%s: %d m-lines: no room for "
					 "more publishers", q->room->name,
					 q->id, TES_SDP_MAX_MEDIA);
			s->logged_full = true;
			return;
		}
		if (p->pub->n_outs == p->pub->cap_outs) {
			size_t cap = p->pub->cap_outs ? 2 * p->pub->cap_outs
						      : 8;

			o = realloc(p->pub->outs, cap * sizeof(*o));
			if (!o)
				return;
			p->pub->outs = o;
			p->pub->cap_outs = cap;
		}

		nm = &s->media[idx];
		if (idx == s->n_media) {
			*nm = *t;
			do {
				snprintf(nm->mid, sizeof(nm->mid), "t%u",
					 ++s->next_mid);
			} while (mid_taken(s, nm->mid));
			s->n_media++;
		}
		nm->dir = TES_DIR_SENDONLY;
		nm->we_send = true;
		nm->we_recv = false;
		nm->local_ssrc = tes_rand_u32() | 1;
		nm->n_rids = 0;
		/* our packets carry abs-send-time only (a receiver's
		 * bandwidth estimate needs it) */
		for (int e = 0; e < TES_EXT_COUNT; e++) {
			if (e != TES_EXT_ABS_SEND_TIME)
				nm->ext_id[e] = 0;
		}
		snprintf(nm->msid_stream, sizeof(nm->msid_stream), "%s", p->id);
		snprintf(nm->msid_track, sizeof(nm->msid_track), "%s-%s",
			 st->kind == TES_MEDIA_VIDEO ? "video" : "audio",
			 p->id);
		s->tracks[idx] = (struct track){
			.src = p, .layer = -1,
			.target = (int8_t)(st->n_layers ? st->n_layers - 1 : 0)};
		p->pub->outs[p->pub->n_outs++] = (struct out){
			.sub = q, .idx = idx};
		added = true;
	}

	if (added)
		s->dirty = true;
}

void tes__sfu_joined(struct tes__part *p)
{
	/* tracks are offered at once, not when p is connected: the others'
	 * renegotiation overlaps p's ICE and DTLS set-up */
	for (struct tes__part *q = p->room->parts; q; q = q->next) {
		if (q == p || !q->sub)
			continue;
		add_tracks(q, p);
		add_tracks(p, q);
		send_offer(q);
	}
	send_offer(p);
}

void tes__sfu_connected(struct tes__part *p)
{
	/* subscribers that took p's video before it could send want a
	 * keyframe (a browser starts with one, but not every client) */
	for (size_t i = 0; i < p->pub->n_outs; i++) {
		const struct out *o = &p->pub->outs[i];

		if (o->sub->sub->tracks[o->idx].live &&
		    o->sub->sub->media[o->idx].kind == TES_MEDIA_VIDEO) {
			request_key(p, tes_now_ms());
			break;
		}
	}
}

void tes__sfu_start(struct tes__room *rm)
{
	for (struct tes__part *p = rm->parts; p; p = p->next) {
		for (struct tes__part *q = rm->parts; q; q = q->next) {
			if (q != p && p->sub && q->sub)
				add_tracks(p, q);
		}
	}
	for (struct tes__part *p = rm->parts; p; p = p->next) {
		if (p->sub)
			send_offer(p);
	}
}

/* Every m-line of ours at p goes inactive */
static void stop_tracks(struct tes__part *p)
{
	struct tes__sub *s = p->sub;

	for (size_t i = s->n_own; i < s->n_media; i++) {
		if (!s->tracks[i].src)
			continue;
		s->tracks[i].src = NULL;
		s->tracks[i].live = false;
		s->media[i].dir = TES_DIR_INACTIVE;
		s->media[i].we_send = false;
		s->dirty = true;
	}
}

void tes__sfu_stop(struct tes__room *rm)
{
	for (struct tes__part *p = rm->parts; p; p = p->next) {
		if (!p->sub)
			continue;
		p->pub->n_outs = 0;
		p->pub->key_wanted = false;
		stop_tracks(p);
	}
	for (struct tes__part *p = rm->parts; p; p = p->next) {
		if (p->sub)
			send_offer(p);
	}
}

static void drop_outs_to(struct tes__pub *pub, const struct tes__part *sub)
{
	size_t w = 0;

	for (size_t i = 0; i < pub->n_outs; i++) {
		if (pub->outs[i].sub != sub)
			pub->outs[w++] = pub->outs[i];
	}
	pub->n_outs = w;
}

void tes__sfu_leaving(struct tes__part *p)
{
	if (!p->sub)
		return;

	/* as a publisher: its m-lines at every subscriber go inactive */
	for (size_t i = 0; i < p->pub->n_outs; i++) {
		struct tes__part *q = p->pub->outs[i].sub;
		struct tes__sub *s = q->sub;
		size_t idx = p->pub->outs[i].idx;

		s->tracks[idx].src = NULL;
		s->tracks[idx].live = false;
		s->media[idx].dir = TES_DIR_INACTIVE;
		s->media[idx].we_send = false;
		s->dirty = true;
	}
	p->pub->n_outs = 0;
	for (struct tes__part *q = p->room->parts; q; q = q->next) {
		if (q != p && q->sub)
			send_offer(q);
	}

	/* as a subscriber: publishers stop feeding it */
	for (size_t i = p->sub->n_own; i < p->sub->n_media; i++) {
		struct tes__part *src = p->sub->tracks[i].src;

		if (src)
			drop_outs_to(src->pub, p);
		p->sub->tracks[i].src = NULL;
	}
}

void tes__sfu_events_attached(struct tes__part *p, bool attached)
{
	if (!p->sub)
		return;
	p->sub->events = attached;
	/* an offer sent on a channel that closed may never be answered:
	 * the next channel gets a fresh one */
	if (!attached && p->sub->offer_out) {
		p->sub->offer_out = false;
		p->sub->dirty = true;
	}
	send_offer(p);
}

/* Check the answer's m-lines against the offer: same mids in the same
 * order, the same DTLS transport and ICE credentials */
static int check_answer(const struct tes__sub *s,
			const struct tes_sdp_session *a, char *err,
			size_t errlen)
{
	if (a->n_media != s->offered_n) {
		snprintf(err, errlen, "answer has %zu m-lines, the offer had "
			 "%zu", a->n_media, s->offered_n);
		return -EPROTO;
	}
	for (size_t i = 0; i < a->n_media; i++) {
		const struct tes_sdp_media *m = &a->media[i];

		if (strcmp(m->mid, s->media[i].mid)) {
			snprintf(err, errlen, "m-line %zu has mid \"%s\", the "
				 "offer's is \"%s\"", i, m->mid,
				 s->media[i].mid);
			return -EPROTO;
		}
		if (!m->port)
			continue;
		if (strcasecmp(m->fp, s->fp) || strcasecmp(m->fp_alg,
							    s->fp_alg)) {
			snprintf(err, errlen, "answer changes the DTLS "
				 "fingerprint (m-line %zu)", i);
			return -EPROTO;
		}
		if (strcmp(m->ice_ufrag, s->remote_ufrag)) {
			snprintf(err, errlen, "answer restarts ICE (m-line "
				 "%zu): unsupported", i);
			return -EPROTO;
		}
	}

	return 0;
}

int tes__sfu_answer(struct tes__part *p, const char *sdp, size_t len,
		    char *err, size_t errlen)
{
	struct tes__sub *s = p->sub;
	struct tes_sdp_session *a;
	size_t live = 0;
	int ret;

	if (!s || !s->offer_out) {
		snprintf(err, errlen, "no offer is waiting for an answer");
		return -EALREADY;
	}

	a = malloc(sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = tes_sdp_parse(a, sdp, len, err, errlen);
	if (ret) {
		ret = -EPROTO;
		goto out;
	}
	ret = check_answer(s, a, err, errlen);
	if (ret)
		goto out;

	for (size_t i = s->n_own; i < s->offered_n; i++) {
		const struct tes_sdp_media *m = &a->media[i];
		struct tes_sdp_neg_media *nm = &s->media[i];
		struct track *t = &s->tracks[i];

		/* (live since the offer went out) */
		t->live = t->live && t->src && nm->we_send && m->port &&
			  (m->dir == TES_DIR_RECVONLY ||
			   m->dir == TES_DIR_SENDRECV) &&
			  tes_sdp_rtpmap_find(m, nm->codec.pt);
		live += t->live;
		t->max_kbps = m->max_kbps;
		/* the keyframe asked for with the offer may have come before
		 * a slow page applied it: ask again */
		if (t->live && !t->answered && nm->kind == TES_MEDIA_VIDEO)
			request_key(t->src, tes_now_ms());
		t->answered = t->live;
	}
	s->offer_out = false;
	TES_LOGI("sfu", "%s/%s: answer v%llu: %zu tracks live",
		 p->room->name, p->id, (unsigned long long)s->version, live);
	send_offer(p);

 out:
	free(a);

	return ret;
}

/* ---- forwarding ---- */

/* A forwarded packet's header: 12 bytes, and abs-send-time (RFC 8285
 * one-byte form, 6.18 fixed-point seconds) when ext_id is set: 20 */
static size_t put_hdr(uint8_t *hdr, bool marker, uint8_t pt, uint16_t seq,
		      uint32_t ts, uint32_t ssrc, uint8_t ext_id,
		      uint64_t now_us)
{
	uint32_t ast;

	hdr[0] = ext_id ? 0x90 : 0x80;
	hdr[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	hdr[2] = (uint8_t)(seq >> 8);
	hdr[3] = (uint8_t)seq;
	hdr[4] = (uint8_t)(ts >> 24);
	hdr[5] = (uint8_t)(ts >> 16);
	hdr[6] = (uint8_t)(ts >> 8);
	hdr[7] = (uint8_t)ts;
	hdr[8] = (uint8_t)(ssrc >> 24);
	hdr[9] = (uint8_t)(ssrc >> 16);
	hdr[10] = (uint8_t)(ssrc >> 8);
	hdr[11] = (uint8_t)ssrc;
	if (!ext_id)
		return TES_RTP_HDR_LEN;

	ast = (uint32_t)(((now_us << 18) / 1000000) & 0xffffff);
	hdr[12] = 0xbe;
	hdr[13] = 0xde;
	hdr[14] = 0;
	hdr[15] = 1;                      /* one 32-bit word follows */
	hdr[16] = (uint8_t)(ext_id << 4 | 2); /* 3 bytes */
	hdr[17] = (uint8_t)(ast >> 16);
	hdr[18] = (uint8_t)(ast >> 8);
	hdr[19] = (uint8_t)ast;

	return TES_RTP_HDR_LEN + 8;
}

enum { HDR_MAX = TES_RTP_HDR_LEN + 8 };

static void remember(struct tes__pub *pub, int layer,
		     const struct tes_rtp_hdr *h)
{
	struct hist_pkt *e;

	if (!pub->hist[layer]) {
		pub->hist[layer] = calloc(HIST, sizeof(*pub->hist[layer]));
		if (!pub->hist[layer])
			return;
	}
	if (h->payload_len > sizeof(e->data))
		return;
	e = &pub->hist[layer][h->seq % HIST];
	e->used = true;
	e->seq = h->seq;
	e->ts = h->ts;
	e->marker = h->marker;
	e->len = (uint16_t)h->payload_len;
	memcpy(e->data, h->payload, h->payload_len);
}

/* Numbering for a track that starts, or goes on from another layer: our
 * sequence numbers go on by one, our timestamps by the time that passed */
static void rebase(struct track *t, const struct tes_rtp_hdr *h,
		   uint64_t now_us)
{
	if (!t->started) {
		t->seq_delta = (uint16_t)tes_rand_u32();
		t->ts_delta = tes_rand_u32();
		t->started = true;
		return;
	}
	t->seq_delta = (uint16_t)(t->last_seq + 1 - h->seq);
	t->ts_delta = t->last_ts + (uint32_t)TES_MAX(1, (now_us - t->last_us) *
						      90 / 1000) - h->ts;
}

void tes__sfu_rtp(struct tes__part *p, struct tes__stream *st,
		  const struct tes_rtp_hdr *h, int layer)
{
	struct tes__pub *pub = p->pub;
	uint8_t hdr[HDR_MAX];
	uint64_t now_us = tes_now_us();
	bool key = false, key_known = false;
	size_t hlen;

	if (!pub)
		return;
	if (st->kind == TES_MEDIA_VIDEO) {
		remember(pub, layer, h);
		pub->layer_bytes[layer] += h->payload_len;
	}

	for (size_t i = 0; i < pub->n_outs; i++) {
		struct tes__part *q = pub->outs[i].sub;
		size_t idx = pub->outs[i].idx;
		struct tes_sdp_neg_media *nm = &q->sub->media[idx];
		struct track *t = &q->sub->tracks[idx];
		uint16_t seq;
		uint32_t ts;

		if (!t->live || nm->kind != st->kind)
			continue;
		if (st->kind == TES_MEDIA_AUDIO) {
			if (!t->started)
				rebase(t, h, now_us);
		}
		else if (layer != t->layer) {
			/* another layer: only the one it should switch to,
			 * and only from a keyframe */
			if (layer != t->target)
				continue;
			if (!key_known) {
				key = tes__key_start(st, h, NULL, NULL);
				key_known = true;
			}
			if (!key)
				continue;
			rebase(t, h, now_us);
			t->layer = (int8_t)layer;
		}
		seq = (uint16_t)(h->seq + t->seq_delta);
		ts = h->ts + t->ts_delta;
		hlen = put_hdr(hdr, h->marker, nm->codec.pt, seq, ts,
			       nm->local_ssrc,
			       nm->ext_id[TES_EXT_ABS_SEND_TIME], now_us);
		if (!tes__part_send_rtp2(q, hdr, hlen, h->payload,
					 h->payload_len)) {
			t->packets++;
			t->octets += (uint32_t)h->payload_len;
		}
		t->last_seq = seq;
		t->last_ts = ts;
		t->last_us = now_us;
	}
}

static void request_key(struct tes__part *pub, uint64_t now)
{
	struct tes__stream *v = tes__part_stream_by_kind(pub, TES_MEDIA_VIDEO);
	uint32_t from, ssrcs[TES_SDP_MAX_RIDS];
	uint8_t buf[64 * TES_SDP_MAX_RIDS];
	size_t n = 0, len = 0;
	int k;

	if (!v || !v->we_recv || !pub->pub)
		return;
	/* every simulcast layer: each has its own encoder */
	for (size_t i = 0; i < v->n_layers; i++) {
		if (v->layers[i].ssrc)
			ssrcs[n++] = v->layers[i].ssrc;
	}
	if (!v->n_layers && v->in_ssrc)
		ssrcs[n++] = v->in_ssrc;
	if (!n)
		return;
	/* what cannot go now goes from the tick */
	pub->pub->key_wanted = true;
	if (now - pub->pub->last_pli_ms < PLI_MIN_MS)
		return;

	from = v->out_ssrc ? v->out_ssrc : 1;
	for (size_t i = 0; i < n; i++) {
		k = tes_rtcp_build_pli(buf + len, sizeof(buf) - len, from,
				       ssrcs[i]);
		if (k > 0)
			len += (size_t)k;
	}
	if (len && !tes__part_send_rtcp(pub, buf, len)) {
		pub->cnt.pli_out++;
		pub->pub->last_pli_ms = now;
		pub->pub->key_wanted = false;
	}
}

/* The track of ours (a subscriber's m-line) an RTCP packet is about. */
static struct track *track_of(struct tes__part *q, uint32_t ssrc,
			      size_t *idx)
{
	for (size_t i = q->sub->n_own; i < q->sub->n_media; i++) {
		if (q->sub->media[i].local_ssrc == ssrc &&
		    q->sub->tracks[i].src) {
			*idx = i;
			return &q->sub->tracks[i];
		}
	}

	return NULL;
}

static void resend(struct tes__part *q, size_t idx,
		   const struct tes_rtcp_pkt *pkt)
{
	struct tes_rtcp_nack nacks[64];
	struct track *t = &q->sub->tracks[idx];
	const struct tes_sdp_neg_media *nm = &q->sub->media[idx];
	struct tes__pub *pub = t->src->pub;
	const struct hist_pkt *hist;
	uint8_t hdr[HDR_MAX];
	size_t hlen;
	int n;

	if (!t->started || nm->kind != TES_MEDIA_VIDEO || t->layer < 0)
		return;
	hist = pub->hist[t->layer];
	if (!hist)
		return;
	n = tes_rtcp_nack_entries(pkt, nacks, TES_ARRAY_SIZE(nacks));
	for (int i = 0; i < n; i++) {
		for (int b = -1; b < 16; b++) {
			uint16_t seq;
			const struct hist_pkt *e;

			if (b >= 0 && !(nacks[i].blp & (1u << b)))
				continue;
			seq = (uint16_t)(nacks[i].pid + b + 1);
			e = &hist[(uint16_t)(seq - t->seq_delta) % HIST];
			if (!e->used ||
			    e->seq != (uint16_t)(seq - t->seq_delta))
				continue;
			hlen = put_hdr(hdr, e->marker, nm->codec.pt, seq,
				       e->ts + t->ts_delta, nm->local_ssrc,
				       nm->ext_id[TES_EXT_ABS_SEND_TIME],
				       tes_now_us());
			if (!tes__part_send_rtp2(q, hdr, hlen, e->data,
						 e->len))
				q->cnt.resent++;
		}
	}
}

/* Pass a publisher's SR on to each subscriber, in its terms. */
static void forward_sr(struct tes__part *p, const struct tes_rtcp_pkt *sr)
{
	const struct tes__stream *st = NULL;
	int layer = 0;
	uint8_t buf[64];
	int n;

	for (size_t i = 0; i < p->n_streams && !st; i++) {
		const struct tes__stream *c = &p->streams[i];

		if (!c->n_layers && c->in_ssrc == sr->ssrc)
			st = c;
		for (int k = 0; k < c->n_layers && !st; k++) {
			if (c->layers[k].ssrc == sr->ssrc) {
				st = c;
				layer = k;
			}
		}
	}
	if (!st)
		return;

	for (size_t i = 0; i < p->pub->n_outs; i++) {
		struct tes__part *q = p->pub->outs[i].sub;
		size_t idx = p->pub->outs[i].idx;
		const struct tes_sdp_neg_media *nm = &q->sub->media[idx];
		const struct track *t = &q->sub->tracks[idx];

		if (!t->live || !t->started || nm->kind != st->kind ||
		    (st->kind == TES_MEDIA_VIDEO && t->layer != layer))
			continue;
		n = tes_rtcp_build_sr(buf, sizeof(buf), nm->local_ssrc,
				      sr->ntp, sr->rtp_ts + t->ts_delta,
				      t->packets, t->octets);
		if (n > 0)
			(void)tes__part_send_rtcp(q, buf, (size_t)n);
	}
}

void tes__sfu_rtcp(struct tes__part *p, const uint8_t *buf, size_t len)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	struct track *t;
	size_t idx;

	if (!p->sub)
		return;

	tes_rtcp_iter_init(&it, buf, len);
	while (!tes_rtcp_next(&it, &pkt)) {
		if (pkt.pt == TES_RTCP_SR) {
			forward_sr(p, &pkt);
		}
		else if (pkt.pt == TES_RTCP_RTPFB &&
			 pkt.count == TES_RTCP_FMT_NACK) {
			t = track_of(p, pkt.media_ssrc, &idx);
			if (t)
				resend(p, idx, &pkt);
		}
		else if (pkt.pt == TES_RTCP_PSFB &&
			 (pkt.count == TES_RTCP_FMT_PLI ||
			  pkt.count == TES_RTCP_FMT_FIR)) {
			/* FIR names its target in the FCI; PLI in the
			 * header (Chrome puts the same SSRC in both) */
			uint32_t ssrc = pkt.media_ssrc;

			if (pkt.count == TES_RTCP_FMT_FIR && pkt.fci_len >= 4)
				ssrc = (uint32_t)pkt.fci[0] << 24 |
				       (uint32_t)pkt.fci[1] << 16 |
				       (uint32_t)pkt.fci[2] << 8 | pkt.fci[3];
			t = track_of(p, ssrc, &idx);
			if (t)
				request_key(t->src, tes_now_ms());
		}
		else if (pkt.pt == TES_RTCP_PSFB && pkt.is_remb) {
			for (size_t i = 0; i < pkt.n_remb_ssrc; i++) {
				t = track_of(p, pkt.remb_ssrc[i], &idx);
				if (t)
					t->remb_bps = pkt.remb_bitrate;
			}
		}
	}
}

/* The largest layer worth sending a receiver that shows the video at
 * view_w x view_h: the smallest at least 90 % of that each way (sizes
 * from the layers' keyframes); -1 when anything goes (no view told, or
 * sizes unknown, or none that large) */
static int view_cap(const struct tes__stream *v, const struct track *t)
{
	int cap = -1;

	if (!t->view_w)
		return -1;
	for (int i = 0; i < v->n_layers; i++) {
		int w = v->layers[i].width, h = v->layers[i].height;

		if (!v->layers[i].ssrc || !w || w * 10 < t->view_w * 9 ||
		    h * 10 < t->view_h * 9)
			continue;
		if (cap < 0 || w < v->layers[cap].width)
			cap = i;
	}

	return cap;
}

/*
 * The simulcast layer a receiver should get: the largest whose measured
 * rate fits what it said it takes (b=AS/TIAS of its answer) and that is
 * no larger than needed for the size it shows it at (the event channel's
 * "view" messages); a REMB below half the rate of the layer it gets,
 * REMB_LOW_MS on end, caps it too (a browser's receive-side estimate
 * without transport-cc is cautious and noisy: only a lasting shortfall is
 * congestion).  Without any of these, the largest layer.
 */
static int8_t choose_layer(const struct tes__stream *v,
			   const struct tes__pub *pub, struct track *t,
			   uint64_t now_ms)
{
	uint64_t budget = t->max_kbps ? t->max_kbps : UINT32_MAX;
	int cap = view_cap(v, t);
	int8_t best = -1, low = -1;

	if (t->remb_bps && t->layer >= 0 &&
	    t->remb_bps / 1000 * 2 < pub->layer_kbps[t->layer]) {
		if (!t->remb_low_ms)
			t->remb_low_ms = now_ms;
		if (now_ms - t->remb_low_ms >= REMB_LOW_MS)
			budget = TES_MIN(budget, t->remb_bps / 1000);
	}
	else {
		t->remb_low_ms = 0;
	}
	for (int i = 0; i < v->n_layers; i++) {
		if (!v->layers[i].ssrc || !pub->layer_kbps[i])
			continue;
		if (low < 0)
			low = (int8_t)i;
		if (cap >= 0 && v->layers[i].width > v->layers[cap].width)
			continue;
		if (pub->layer_kbps[i] <= budget)
			best = (int8_t)i;
	}

	return best >= 0 ? best : low;
}

void tes__sfu_view(struct tes__part *q, const char *pub, unsigned w,
		   unsigned h)
{
	struct tes__sub *s = q->sub;

	for (size_t i = s ? s->n_own : 0; s && i < s->n_media; i++) {
		struct track *t = &s->tracks[i];

		if (t->src && s->media[i].kind == TES_MEDIA_VIDEO &&
		    !strcmp(t->src->id, pub)) {
			t->view_w = (uint16_t)TES_MIN(w, 8192u);
			t->view_h = (uint16_t)TES_MIN(h, 8192u);
		}
	}
}

static void choose_layers(struct tes__part *p, uint64_t now_ms)
{
	struct tes__pub *pub = p->pub;
	struct tes__stream *v = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);
	uint64_t dt = now_ms - pub->rate_ms;

	if (!v || !v->n_layers || dt < 1000)
		return;
	for (int i = 0; i < v->n_layers; i++) {
		pub->layer_kbps[i] = (uint32_t)(pub->layer_bytes[i] * 8 / dt);
		pub->layer_bytes[i] = 0;
	}
	pub->rate_ms = now_ms;

	for (size_t i = 0; i < pub->n_outs; i++) {
		struct tes__part *q = pub->outs[i].sub;
		struct track *t = &q->sub->tracks[pub->outs[i].idx];
		int8_t want;

		if (!t->live || q->sub->media[pub->outs[i].idx].kind !=
				       TES_MEDIA_VIDEO)
			continue;
		want = choose_layer(v, pub, t, now_ms);
		if (want < 0 || want == t->target)
			continue;
		TES_LOGI("sfu", "%s/%s: receives %s's layer %s (%u kbit/s; "
			 "it takes %u, REMB %llu)", q->room->name, q->id,
			 p->id, v->layers[want].rid, pub->layer_kbps[want],
			 t->max_kbps, (unsigned long long)(t->remb_bps / 1000));
		t->target = want;
		if (want != t->layer)
			request_key(p, now_ms);
	}
}

void tes__sfu_tick(struct tes__part *p, uint64_t now_ms)
{
	struct tes__stream *v;
	uint8_t buf[64];
	int n;

	if (!p->pub || p->state != TES__PART_CONNECTED)
		return;

	/* a subscriber that has not answered yet may have applied the offer
	 * after the last keyframe went by, and cannot ask for one itself
	 * before it answers: keyframes keep coming (every PLI_MIN_MS) */
	for (size_t i = 0; !p->pub->key_wanted && i < p->pub->n_outs; i++) {
		const struct out *o = &p->pub->outs[i];
		const struct track *t = &o->sub->sub->tracks[o->idx];

		if (t->live && !t->answered &&
		    o->sub->sub->media[o->idx].kind == TES_MEDIA_VIDEO)
			p->pub->key_wanted = true;
	}
	if (p->pub->key_wanted)
		request_key(p, now_ms);
	choose_layers(p, now_ms);

	/* grant publishers the bandwidth of a good picture: without REMB a
	 * browser sends at its start rate */
	v = tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);
	if (!v || !v->we_recv || !v->in_ssrc ||
	    now_ms - p->pub->last_remb_ms < REMB_EVERY_MS)
		return;
	p->pub->last_remb_ms = now_ms;
	n = tes_rtcp_build_remb(buf, sizeof(buf), v->out_ssrc ? v->out_ssrc : 1,
				REMB_BPS, &v->in_ssrc, 1);
	if (n > 0)
		(void)tes__part_send_rtcp(p, buf, (size_t)n);
}
