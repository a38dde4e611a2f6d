/**
 * @file parse.c  SDP parser: one pass over the lines into the fixed-size
 * struct tes_sdp_session.  Nothing is allocated; every copy is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "sdp/sdp.h"

/** Parser state while walking the lines. */
struct pstate {
	struct tes_sdp_session *s;  /**< Output */
	struct tes_sdp_media *m;    /**< Current m-line; NULL at session
				         level or for an ignored m-line */
	bool in_media;              /**< An m= line was seen */
	bool msid_attr;             /**< Current m-line had a=msid */
	bool seen_v;                /**< The first non-empty line was read */
	enum tes_dir sess_dir;      /**< Session-level direction default */
	unsigned line;              /**< Current line number, from 1 */
	char *err;                  /**< Reason buffer, or NULL */
	size_t errlen;              /**< Its size */
};

/** A cursor over the bytes of one line. */
struct cur {
	const char *p;    /**< Next byte */
	const char *end;  /**< One past the last byte */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct pstate *st, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	if (!st->err || !st->errlen)
		return -EBADMSG;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->line)
		snprintf(st->err, st->errlen, "%s (line %u)", msg, st->line);
	else
		snprintf(st->err, st->errlen, "%s", msg);

	return -EBADMSG;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/** Next whitespace-separated token; false at the end of the line. */
static bool next_tok(struct cur *c, const char **t, size_t *tn)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
	if (c->p >= c->end)
		return false;
	*t = c->p;
	while (c->p < c->end && !is_space(*c->p))
		c->p++;
	*tn = (size_t)(c->p - *t);

	return true;
}

/** The rest of the line after leading blanks, without trailing blanks. */
static void rest(struct cur *c, const char **t, size_t *tn)
{
	const char *e = c->end;

	while (c->p < e && is_space(*c->p))
		c->p++;
	while (e > c->p && is_space(e[-1]))
		e--;
	*t = c->p;
	*tn = (size_t)(e - c->p);
	c->p = c->end;
}

static bool tok_eq(const char *t, size_t tn, const char *lit)
{
	return strlen(lit) == tn && !memcmp(t, lit, tn);
}

/** Decimal number without sign; false if empty, not digits or > max. */
static bool parse_num(const char *t, size_t tn, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!tn || tn > 20)
		return false;
	for (size_t i = 0; i < tn; i++) {
		unsigned d = (unsigned char)t[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;

	return true;
}

/** Copy a token; false if it does not fit (dst is left untouched). */
static bool copy_exact(char *dst, size_t cap, const char *t, size_t tn)
{
	if (tn >= cap)
		return false;
	memcpy(dst, t, tn);
	dst[tn] = '\0';

	return true;
}

/** Copy a token, cutting it to fit. */
static void copy_trunc(char *dst, size_t cap, const char *t, size_t tn)
{
	tn = TES_MIN(tn, cap - 1);
	memcpy(dst, t, tn);
	dst[tn] = '\0';
}

static enum tes_sdp_codec codec_of(const char *name)
{
	if (!strcasecmp(name, "opus"))
		return TES_CODEC_OPUS;
	if (!strcasecmp(name, "VP8"))
		return TES_CODEC_VP8;
	if (!strcasecmp(name, "H264"))
		return TES_CODEC_H264;
	if (!strcasecmp(name, "rtx"))
		return TES_CODEC_RTX;

	return TES_CODEC_OTHER;
}

/** Names of static payload types (RFC 3551) that need no a=rtpmap. */
static void static_pt(struct tes_sdp_rtpmap *r)
{
	static const struct {
		uint8_t pt;
		const char *name;
		uint32_t clock;
	} tab[] = {
		{0, "PCMU", 8000}, {3, "GSM", 8000},  {4, "G723", 8000},
		{8, "PCMA", 8000}, {9, "G722", 8000}, {13, "CN", 8000},
		{18, "G729", 8000}, {34, "H263", 90000},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(tab); i++) {
		if (tab[i].pt != r->pt)
			continue;
		snprintf(r->name, sizeof(r->name), "%s", tab[i].name);
		r->clock = tab[i].clock;
		r->channels = tab[i].clock == 8000 ? 1 : 0;
		r->codec = TES_CODEC_OTHER;
	}
}

static struct tes_sdp_rtpmap *find_pt(struct tes_sdp_media *m, uint64_t pt)
{
	for (size_t i = 0; i < m->n_rtpmap; i++) {
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	}

	return NULL;
}

const struct tes_sdp_rtpmap *tes_sdp_rtpmap_find(const struct tes_sdp_media *m,
						 uint8_t pt)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_rtpmap; i++) {
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	}

	return NULL;
}

static bool is_rtp_proto(const char *proto)
{
	return strstr(proto, "RTP/") != NULL;
}

static int parse_origin(struct pstate *st, struct cur *c)
{
	const char *t[6];
	size_t tn[6];
	uint64_t id, ver;

	for (int i = 0; i < 6; i++) {
		if (!next_tok(c, &t[i], &tn[i]))
			return fail(st, "bad o= line");
	}
	if (!parse_num(t[1], tn[1], UINT64_MAX, &id) ||
	    !parse_num(t[2], tn[2], UINT64_MAX, &ver))
		return fail(st, "bad o= line");
	st->s->sess_id = id;
	st->s->sess_version = ver;

	return 0;
}

/** "IN IP4" / "IN IP6": the address types we use (IP6 sets *ip6). */
static bool addr_type(const char *nt, size_t nn, const char *at, size_t an,
		      bool *ip6)
{
	if (!tok_eq(nt, nn, "IN"))
		return false;
	*ip6 = tok_eq(at, an, "IP6");

	return *ip6 || tok_eq(at, an, "IP4");
}

/*
 * c=IN IP4 <address> (RFC 8866 5.7), session- or media-level.  Other
 * network or address types leave the address unset; a multicast
 * "/ttl[/count]" suffix is dropped.
 */
static int parse_conn(struct pstate *st, struct cur *c)
{
	const char *t[3], *slash;
	size_t tn[3];
	bool ip6;

	/* a c= of an m-line beyond our capacity */
	if (st->in_media && !st->m)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!next_tok(c, &t[i], &tn[i]))
			return fail(st, "bad c= line");
	}
	if (!addr_type(t[0], tn[0], t[1], tn[1], &ip6))
		return 0;
	slash = memchr(t[2], '/', tn[2]);
	if (slash)
		tn[2] = (size_t)(slash - t[2]);
	if (!tn[2] || !copy_exact(st->m ? st->m->addr : st->s->addr,
				  TES_SDP_ADDR_MAX, t[2], tn[2]))
		return fail(st, "bad c= address");
	if (st->m)
		st->m->addr_ip6 = ip6;
	else
		st->s->addr_ip6 = ip6;

	return 0;
}

static int parse_mline(struct pstate *st, struct cur *c)
{
	struct tes_sdp_session *s = st->s;
	struct tes_sdp_media *m;
	const char *t, *slash;
	size_t tn;
	uint64_t v;

	st->in_media = true;
	st->msid_attr = false;
	st->m = NULL;
	if (s->n_media >= TES_SDP_MAX_MEDIA) {
		/* keep counting so negotiation can refuse to answer */
		s->n_media_ignored++;
		return 0;
	}
	m = &s->media[s->n_media];
	memset(m, 0, sizeof(*m));
	m->dir = st->sess_dir;

	if (!next_tok(c, &t, &tn))
		return fail(st, "m= line malformed");
	copy_trunc(m->kind_name, sizeof(m->kind_name), t, tn);
	if (tok_eq(t, tn, "audio"))
		m->kind = TES_MEDIA_AUDIO;
	else if (tok_eq(t, tn, "video"))
		m->kind = TES_MEDIA_VIDEO;
	else if (tok_eq(t, tn, "application"))
		m->kind = TES_MEDIA_APPLICATION;
	else
		m->kind = TES_MEDIA_OTHER;

	if (!next_tok(c, &t, &tn))
		return fail(st, "m= line malformed");
	/* "port/count" (RFC 8866 5.14): only the port matters */
	slash = memchr(t, '/', tn);
	if (slash) {
		size_t pn = (size_t)(slash - t);

		if (!parse_num(slash + 1, tn - pn - 1, 65535, &v))
			return fail(st, "bad port in m= line");
		tn = pn;
	}
	if (!parse_num(t, tn, 65535, &v))
		return fail(st, "bad port in m= line");
	m->port = (uint16_t)v;

	if (!next_tok(c, &t, &tn))
		return fail(st, "m= line malformed");
	copy_trunc(m->proto, sizeof(m->proto), t, tn);

	if (!next_tok(c, &t, &tn))
		return fail(st, "m= line malformed: no formats");
	copy_trunc(m->first_fmt, sizeof(m->first_fmt), t, tn);
	if (!is_rtp_proto(m->proto))
		goto out;
	do {
		struct tes_sdp_rtpmap *r;

		if (!parse_num(t, tn, 127, &v))
			return fail(st, "bad payload type in m= line");
		if (find_pt(m, v) || m->n_fmts >= TES_SDP_MAX_FMTS)
			continue;
		m->fmts[m->n_fmts++] = (uint8_t)v;
		/* one entry per listed pt; a=rtpmap/fmtp/rtcp-fb fill it in
		 * whatever order they come */
		r = &m->rtpmap[m->n_rtpmap++];
		r->pt = (uint8_t)v;
		static_pt(r);
	} while (next_tok(c, &t, &tn));

 out:
	s->n_media++;
	st->m = m;

	return 0;
}

static int attr_fingerprint(struct pstate *st, struct cur *c, char *alg,
			    char *fp)
{
	char a[16], f[192];
	const char *t;
	size_t tn;

	if (!next_tok(c, &t, &tn))
		return fail(st, "bad fingerprint");
	if (!copy_exact(a, sizeof(a), t, tn))
		return fail(st, "fingerprint hash name too long");
	if (!next_tok(c, &t, &tn))
		return fail(st, "bad fingerprint");
	if (!copy_exact(f, sizeof(f), t, tn))
		return fail(st, "fingerprint too long");
	/* several lines: keep the first, but prefer sha-256 */
	if (alg[0] && (!strcasecmp(alg, "sha-256") ||
		       strcasecmp(a, "sha-256")))
		return 0;
	memcpy(alg, a, sizeof(a));
	memcpy(fp, f, sizeof(f));

	return 0;
}

static int attr_group(struct pstate *st, struct cur *c)
{
	struct tes_sdp_session *s = st->s;
	const char *t;
	size_t tn;

	if (!next_tok(c, &t, &tn) || !tok_eq(t, tn, "BUNDLE"))
		return 0;
	if (s->n_bundle)
		return 0;  /* only the first BUNDLE group is used */
	while (next_tok(c, &t, &tn)) {
		if (s->n_bundle >= TES_SDP_MAX_BUNDLE)
			return fail(st, "more than %d BUNDLE mids",
				    TES_SDP_MAX_BUNDLE);
		if (!copy_exact(s->bundle[s->n_bundle], sizeof(s->bundle[0]),
				t, tn))
			return fail(st, "BUNDLE mid too long");
		s->n_bundle++;
	}

	return 0;
}

/** Payload type of a=rtpmap/fmtp/rtcp-fb; -ENOENT when not ours. */
static int attr_pt(struct pstate *st, struct cur *c, const char *what,
		   struct tes_sdp_rtpmap **rp)
{
	const char *t;
	size_t tn;
	uint64_t pt;

	if (!is_rtp_proto(st->m->proto))
		return -ENOENT;
	if (!next_tok(c, &t, &tn) || !parse_num(t, tn, 127, &pt))
		return fail(st, "bad %s", what);
	*rp = find_pt(st->m, pt);

	return *rp ? 0 : -ENOENT;
}

static int attr_rtpmap(struct pstate *st, struct cur *c)
{
	struct tes_sdp_rtpmap *r;
	const char *t, *s1, *s2;
	size_t tn, nn;
	uint64_t clock, ch = 0;
	int err;

	err = attr_pt(st, c, "rtpmap", &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!next_tok(c, &t, &tn))
		return fail(st, "bad rtpmap");
	s1 = memchr(t, '/', tn);
	if (!s1)
		return fail(st, "bad rtpmap");
	nn = (size_t)(s1 - t);
	s2 = memchr(s1 + 1, '/', tn - nn - 1);
	if (!nn || !parse_num(s1 + 1, (size_t)((s2 ? s2 : t + tn) - s1 - 1),
			      UINT32_MAX, &clock) ||
	    (s2 && !parse_num(s2 + 1, (size_t)(t + tn - s2 - 1), 255, &ch)))
		return fail(st, "bad rtpmap");
	copy_trunc(r->name, sizeof(r->name), t, nn);
	r->clock = (uint32_t)clock;
	r->channels = (uint8_t)ch;
	r->codec = codec_of(r->name);

	return 0;
}

static int attr_fmtp(struct pstate *st, struct cur *c)
{
	struct tes_sdp_rtpmap *r;
	const char *t;
	size_t tn;
	int err;

	err = attr_pt(st, c, "fmtp", &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	rest(c, &t, &tn);
	/* a cut parameter list could change meaning: drop it whole */
	if (!copy_exact(r->fmtp, sizeof(r->fmtp), t, tn))
		r->fmtp[0] = '\0';

	return 0;
}

static uint32_t fb_of(struct cur *c)
{
	const char *t, *p;
	size_t tn, pn;
	bool has_p;

	if (!next_tok(c, &t, &tn))
		return 0;
	has_p = next_tok(c, &p, &pn);
	if (tok_eq(t, tn, "nack"))
		return !has_p ? TES_FB_NACK :
		       tok_eq(p, pn, "pli") ? TES_FB_PLI : 0;
	if (tok_eq(t, tn, "ccm"))
		return has_p && tok_eq(p, pn, "fir") ? TES_FB_FIR : 0;
	if (tok_eq(t, tn, "goog-remb"))
		return TES_FB_REMB;
	if (tok_eq(t, tn, "transport-cc"))
		return TES_FB_TWCC;

	return 0;
}

static int attr_rtcp_fb(struct pstate *st, struct cur *c)
{
	struct tes_sdp_rtpmap *r;
	struct cur save = *c;
	const char *t;
	size_t tn;
	int err;

	if (next_tok(&save, &t, &tn) && tok_eq(t, tn, "*")) {
		st->m->fb_wildcard |= fb_of(&save);
		return 0;
	}
	err = attr_pt(st, c, "rtcp-fb", &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	r->fb |= fb_of(c);

	return 0;
}

static bool dir_of(const char *t, size_t tn, enum tes_dir *d)
{
	static const char *const names[] = {
		"sendrecv", "sendonly", "recvonly", "inactive",
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(names); i++) {
		if (tok_eq(t, tn, names[i])) {
			*d = (enum tes_dir)i;
			return true;
		}
	}

	return false;
}

static int attr_extmap(struct pstate *st, struct cur *c)
{
	struct tes_sdp_media *m = st->m;
	struct tes_sdp_extmap *e;
	enum tes_dir dir = TES_DIR_SENDRECV;
	const char *t, *slash, *u;
	size_t tn, un;
	uint64_t id;

	if (!next_tok(c, &t, &tn))
		return fail(st, "bad extmap");
	slash = memchr(t, '/', tn);
	if (slash) {
		if (!dir_of(slash + 1, (size_t)(t + tn - slash - 1), &dir))
			return fail(st, "bad extmap direction");
		tn = (size_t)(slash - t);
	}
	if (!parse_num(t, tn, UINT32_MAX, &id) || !next_tok(c, &u, &un))
		return fail(st, "bad extmap");
	/* ids outside the two-byte range, or over-long URIs: not ours */
	if (!id || id == 15 || id > 255 || un >= sizeof(e->uri))
		return 0;
	if (m->n_extmap >= TES_SDP_MAX_EXTMAP)
		return 0;
	for (size_t i = 0; i < m->n_extmap; i++) {
		if (m->extmap[i].id == id)
			return 0;
	}
	e = &m->extmap[m->n_extmap++];
	e->id = (uint8_t)id;
	e->dir = dir;
	copy_exact(e->uri, sizeof(e->uri), u, un);

	return 0;
}

static void add_ssrc(struct tes_sdp_media *m, uint32_t ssrc)
{
	for (size_t i = 0; i < m->n_ssrc; i++) {
		if (m->ssrc[i] == ssrc)
			return;
	}
	if (m->n_ssrc < TES_SDP_MAX_SSRC)
		m->ssrc[m->n_ssrc++] = ssrc;
}

static int attr_ssrc(struct pstate *st, struct cur *c)
{
	struct tes_sdp_media *m = st->m;
	const char *t;
	size_t tn;
	uint64_t ssrc;

	if (!next_tok(c, &t, &tn) || !parse_num(t, tn, UINT32_MAX, &ssrc))
		return fail(st, "bad ssrc");
	add_ssrc(m, (uint32_t)ssrc);
	rest(c, &t, &tn);
	if (tn > 6 && !memcmp(t, "cname:", 6) && !m->cname[0])
		copy_trunc(m->cname, sizeof(m->cname), t + 6, tn - 6);
	else if (tn > 5 && !memcmp(t, "msid:", 5) && !st->msid_attr &&
		 !m->msid[0])
		copy_trunc(m->msid, sizeof(m->msid), t + 5, tn - 5);

	return 0;
}

static int attr_ssrc_group(struct pstate *st, struct cur *c)
{
	const char *t;
	size_t tn;
	uint64_t ssrc;

	if (!next_tok(c, &t, &tn))
		return fail(st, "bad ssrc-group");
	while (next_tok(c, &t, &tn)) {
		if (!parse_num(t, tn, UINT32_MAX, &ssrc))
			return fail(st, "bad ssrc-group");
		add_ssrc(st->m, (uint32_t)ssrc);
	}

	return 0;
}

/*
 * a=simulcast:send q;h;f [recv ...] (RFC 8853): the rids we may receive,
 * the first of each group of alternatives ("q,q2;h"), a paused one ("~h")
 * without its "~".  Only the send direction is kept: we never send
 * simulcast.  a=rid lines are not needed: a=simulcast names them.
 */
static void attr_simulcast(struct tes_sdp_media *m, struct cur *c)
{
	const char *t, *list = NULL;
	size_t tn, ln = 0;

	while (next_tok(c, &t, &tn)) {
		const char *l;
		size_t n;

		if (!next_tok(c, &l, &n))
			break;
		if (tok_eq(t, tn, "send")) {
			list = l;
			ln = n;
		}
	}
	m->n_sim_send = 0;
	while (list && ln && m->n_sim_send < TES_SDP_MAX_RIDS) {
		const char *semi = memchr(list, ';', ln);
		size_t gn = semi ? (size_t)(semi - list) : ln;
		const char *comma = memchr(list, ',', gn);
		const char *id = list;
		size_t idn = comma ? (size_t)(comma - list) : gn;

		if (idn && *id == '~') {
			id++;
			idn--;
		}
		if (idn && idn <= TES_SDP_RID_MAX) {
			memcpy(m->sim_send[m->n_sim_send], id, idn);
			m->sim_send[m->n_sim_send++][idn] = '\0';
		}
		list += semi ? gn + 1 : gn;
		ln -= semi ? gn + 1 : gn;
	}
}

/* a=rtcp:<port> [IN IP4 <address>] (RFC 3605) */
static int attr_rtcp(struct pstate *st, struct cur *c)
{
	struct tes_sdp_media *m = st->m;
	const char *t[4];
	size_t tn[4];
	uint64_t port;
	int n = 0;
	bool ip6;

	while (n < 4 && next_tok(c, &t[n], &tn[n]))
		n++;
	if (!n || !parse_num(t[0], tn[0], 65535, &port))
		return fail(st, "bad rtcp");
	m->rtcp_port = (uint16_t)port;
	if (n == 4 && addr_type(t[1], tn[1], t[2], tn[2], &ip6) &&
	    !copy_exact(m->rtcp_addr, sizeof(m->rtcp_addr), t[3], tn[3]))
		return fail(st, "bad rtcp address");

	return 0;
}

/* a=ptime:<ms>; only advisory (RFC 8866 6.4), so a bad value is ignored */
static void attr_ptime(struct tes_sdp_media *m, struct cur *c)
{
	const char *t, *dot;
	size_t tn;
	uint64_t v;

	if (!next_tok(c, &t, &tn))
		return;
	dot = memchr(t, '.', tn);
	if (dot)
		tn = (size_t)(dot - t);
	if (parse_num(t, tn, 60000, &v))
		m->ptime = (uint32_t)v;
}

/* a=crypto (RFC 4568): an offer may list lines we cannot use next to
 * ones we can, so a refused line is skipped, not an error */
static void attr_crypto(struct tes_sdp_media *m, struct cur *c)
{
	struct tes_sdes *k = &m->crypto[m->n_crypto];
	const char *t;
	size_t tn;

	if (!is_rtp_proto(m->proto))
		return;
	rest(c, &t, &tn);
	if (m->n_crypto >= TES_SDP_MAX_CRYPTO) {
		m->n_crypto_ignored++;
		return;
	}
	if (tes_sdes_parse(k, t, tn, NULL, 0)) {
		memset(k, 0, sizeof(*k));
		m->n_crypto_ignored++;
		return;
	}
	m->n_crypto++;
}

/* b=AS:<kbit/s> or b=TIAS:<bit/s> of an m-line */
static int parse_bandwidth(struct pstate *st, struct cur *c)
{
	const char *p = c->p;
	size_t n = (size_t)(c->end - c->p);
	uint64_t v;

	if (!st->m)
		return 0;
	if (n > 3 && !memcmp(p, "AS:", 3) && parse_num(p + 3, n - 3,
						       UINT32_MAX, &v))
		st->m->max_kbps = (uint32_t)v;
	else if (n > 5 && !memcmp(p, "TIAS:", 5) &&
		 parse_num(p + 5, n - 5, UINT32_MAX, &v) && !st->m->max_kbps)
		st->m->max_kbps = (uint32_t)((v + 999) / 1000);

	return 0;
}

/** Attributes valid at both levels: ICE, DTLS, direction. */
static int attr_transport(struct pstate *st, const char *name, size_t nn,
			  struct cur *c, bool *handled)
{
	struct tes_sdp_media *m = st->m;
	struct tes_sdp_session *s = st->s;
	enum tes_dir d;
	const char *t;
	size_t tn;

	*handled = true;
	if (tok_eq(name, nn, "ice-ufrag")) {
		rest(c, &t, &tn);
		if (!copy_exact(m ? m->ice_ufrag : s->ice_ufrag,
				sizeof(s->ice_ufrag), t, tn))
			return fail(st, "ice-ufrag too long");
	} else if (tok_eq(name, nn, "ice-pwd")) {
		rest(c, &t, &tn);
		if (!copy_exact(m ? m->ice_pwd : s->ice_pwd,
				sizeof(s->ice_pwd), t, tn))
			return fail(st, "ice-pwd too long");
	} else if (tok_eq(name, nn, "fingerprint")) {
		return attr_fingerprint(st, c, m ? m->fp_alg : s->fp_alg,
					m ? m->fp : s->fp);
	} else if (tok_eq(name, nn, "setup")) {
		rest(c, &t, &tn);
		copy_trunc(m ? m->setup : s->setup, sizeof(s->setup), t, tn);
	} else if (dir_of(name, nn, &d)) {
		if (m)
			m->dir = d;
		else
			st->sess_dir = d;
	} else {
		*handled = false;
	}

	return 0;
}

static int attr_media(struct pstate *st, const char *name, size_t nn,
		      struct cur *c)
{
	struct tes_sdp_media *m = st->m;
	const char *t;
	size_t tn;

	if (tok_eq(name, nn, "mid")) {
		if (!next_tok(c, &t, &tn)) {
			t = "";
			tn = 0;
		}
		if (!copy_exact(m->mid, sizeof(m->mid), t, tn))
			return fail(st, "mid too long");
	} else if (tok_eq(name, nn, "rtcp-mux")) {
		m->rtcp_mux = true;
	} else if (tok_eq(name, nn, "rtcp-rsize")) {
		m->rtcp_rsize = true;
	} else if (tok_eq(name, nn, "bundle-only")) {
		m->bundle_only = true;
	} else if (tok_eq(name, nn, "rtpmap")) {
		return attr_rtpmap(st, c);
	} else if (tok_eq(name, nn, "fmtp")) {
		return attr_fmtp(st, c);
	} else if (tok_eq(name, nn, "rtcp-fb")) {
		return attr_rtcp_fb(st, c);
	} else if (tok_eq(name, nn, "extmap")) {
		return attr_extmap(st, c);
	} else if (tok_eq(name, nn, "ssrc")) {
		return attr_ssrc(st, c);
	} else if (tok_eq(name, nn, "ssrc-group")) {
		return attr_ssrc_group(st, c);
	} else if (tok_eq(name, nn, "msid")) {
		rest(c, &t, &tn);
		copy_trunc(m->msid, sizeof(m->msid), t, tn);
		st->msid_attr = true;
	} else if (tok_eq(name, nn, "simulcast")) {
		attr_simulcast(m, c);
	} else if (tok_eq(name, nn, "rtcp")) {
		return attr_rtcp(st, c);
	} else if (tok_eq(name, nn, "ptime")) {
		attr_ptime(m, c);
	} else if (tok_eq(name, nn, "crypto")) {
		attr_crypto(m, c);
	}

	return 0;
}

static int parse_attr(struct pstate *st, struct cur *c)
{
	const char *name = c->p;
	size_t nn;
	bool handled;
	int err;

	/* attributes of an m-line beyond our capacity are skipped */
	if (st->in_media && !st->m)
		return 0;
	while (c->p < c->end && *c->p != ':')
		c->p++;
	nn = (size_t)(c->p - name);
	if (c->p < c->end)
		c->p++;

	err = attr_transport(st, name, nn, c, &handled);
	if (err || handled)
		return err;
	if (st->m)
		return attr_media(st, name, nn, c);
	if (tok_eq(name, nn, "ice-lite"))
		st->s->ice_lite = true;
	else if (tok_eq(name, nn, "group"))
		return attr_group(st, c);

	return 0;
}

static int parse_line(struct pstate *st, const char *p, size_t n)
{
	struct cur c = {p + 2, p + n};

	if (n < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z')
		return fail(st, "malformed line");
	/* a lone CR or other control byte inside a value we echo would let
	 * an offer inject lines into our answer */
	for (size_t i = 2; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(st, "control character in line");
	}
	if (!st->seen_v) {
		st->seen_v = true;
		if (p[0] != 'v')
			return fail(st, "missing v= line");
		if (!tok_eq(p + 2, n - 2, "0"))
			return fail(st, "unsupported SDP version");
		return 0;
	}
	switch (p[0]) {
	case 'v':
		return fail(st, "duplicate v= line");
	case 'o':
		return st->in_media ? 0 : parse_origin(st, &c);
	case 'm':
		return parse_mline(st, &c);
	case 'a':
		return parse_attr(st, &c);
	case 'b':
		return parse_bandwidth(st, &c);
	case 'c':
		return parse_conn(st, &c);
	default:
		return 0;
	}
}

/** After all lines: merge wildcards, drop unnamed pts, inherit session. */
static void finish_media(struct tes_sdp_session *s, struct tes_sdp_media *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_rtpmap; i++) {
		if (!m->rtpmap[i].name[0])
			continue;
		if (n != i)
			m->rtpmap[n] = m->rtpmap[i];
		m->rtpmap[n++].fb |= m->fb_wildcard;
	}
	if (n < m->n_rtpmap)
		memset(&m->rtpmap[n], 0,
		       (m->n_rtpmap - n) * sizeof(m->rtpmap[0]));
	m->n_rtpmap = n;

	if (!m->ice_ufrag[0])
		memcpy(m->ice_ufrag, s->ice_ufrag, sizeof(m->ice_ufrag));
	if (!m->ice_pwd[0])
		memcpy(m->ice_pwd, s->ice_pwd, sizeof(m->ice_pwd));
	if (!m->fp[0]) {
		memcpy(m->fp_alg, s->fp_alg, sizeof(m->fp_alg));
		memcpy(m->fp, s->fp, sizeof(m->fp));
	}
	if (!m->setup[0])
		memcpy(m->setup, s->setup, sizeof(m->setup));
	if (!m->addr[0]) {
		memcpy(m->addr, s->addr, sizeof(m->addr));
		m->addr_ip6 = s->addr_ip6;
	}
}

int tes_sdp_parse(struct tes_sdp_session *s, const char *sdp, size_t len,
		  char *err, size_t errlen)
{
	struct pstate st = {
		.s = s, .sess_dir = TES_DIR_SENDRECV,
		.err = err, .errlen = errlen,
	};
	const char *p, *end;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!s || (!sdp && len)) {
		ret = -EINVAL;
		goto out;
	}
	/* the m-lines are cleared as they are met: a session is large
	 * (TES_SDP_MAX_MEDIA of them) and most SDP has two or three */
	memset(s, 0, offsetof(struct tes_sdp_session, media));
	s->n_media = 0;
	s->n_media_ignored = 0;
	if (len && memchr(sdp, '\0', len)) {
		ret = fail(&st, "NUL byte in SDP");
		goto out;
	}

	p = sdp;
	end = sdp + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n;

		if (le > p && le[-1] == '\r')
			le--;
		n = (size_t)(le - p);
		st.line++;
		if (n) {
			ret = parse_line(&st, p, n);
			if (ret)
				goto out;
		}
		p = nl ? nl + 1 : end;
	}
	if (!st.seen_v) {
		st.line = 0;
		ret = fail(&st, "empty SDP");
		goto out;
	}

	for (size_t i = 0; i < s->n_media; i++)
		finish_media(s, &s->media[i]);

 out:
	return ret;
}
