/**
 * @file rtcp.c  RTCP compound packets (RFC 3550), feedback (RFC 4585),
 * FIR (RFC 5104) and REMB (draft-alvestrand-rmcat-remb).
 *
 * tes_rtcp_next() checks the structure of every packet type it knows
 * (report blocks, SDES chunks, FIR entries, NACK entries, REMB SSRC list)
 * so that tes_rtcp_validate() accepts exactly what
 * tes_rtcp_rewrite_ssrcs() can rewrite.  Owned by no thread.
 */
#include <string.h>

#include "base/base.h"
#include "rtp/rtp.h"

enum {
	RTCP_VERSION = 2,
	RTCP_HDR_LEN = 4,
	SR_INFO_LEN = 20,    /**< NTP, RTP ts, packet and octet count */
	RB_LEN = 24,
	FB_HDR_LEN = 8,      /**< sender SSRC + media source SSRC */
	FIR_ENTRY_LEN = 8,
	NACK_ENTRY_LEN = 4,
	REMB_HDR_LEN = 8,    /**< "REMB", num SSRC, BR exp + mantissa */
	REMB_MANT_BITS = 18,
	SDES_CNAME = 1,
};

static const uint8_t remb_id[4] = {'R', 'E', 'M', 'B'};

/*
 * Bounds of one packet at p with rem bytes left in the compound: its total
 * length and the length of its body (after the header, padding removed).
 */
static int pkt_bounds(const uint8_t *p, size_t rem, size_t *plen,
		      size_t *blen)
{
	size_t len, body;

	if (rem < RTCP_HDR_LEN || (p[0] >> 6) != RTCP_VERSION)
		return -EBADMSG;

	len = 4u * ((size_t)tes_rd16(p + 2) + 1);
	if (len > rem)
		return -EBADMSG;
	body = len - RTCP_HDR_LEN;

	if (p[0] & 0x20) {
		uint8_t pad;

		/* RFC 3550 6.4.1: only the last packet may be padded */
		if (len != rem || !body)
			return -EBADMSG;
		pad = p[len - 1];
		if (!pad || pad > body)
			return -EBADMSG;
		body -= pad;
	}

	*plen = len;
	*blen = body;

	return 0;
}

/* Skip one SDES chunk at body + *off: SSRC, items, END, pad to 32 bits. */
static int sdes_chunk_skip(const uint8_t *body, size_t blen, size_t *off)
{
	size_t o = *off;

	if (o > blen || blen - o < 4)
		return -EBADMSG;
	o += 4;

	for (;;) {
		if (o >= blen)
			return -EBADMSG;
		if (!body[o])
			break;
		if (blen - o < 2 || blen - o - 2 < body[o + 1])
			return -EBADMSG;
		o += 2u + body[o + 1];
	}

	/* the END item, then zeros up to the next 32-bit boundary */
	o = (o + 1 + 3) & ~(size_t)3;
	if (o > blen)
		return -EBADMSG;
	*off = o;

	return 0;
}

static void parse_rb(struct tes_rtcp_rb *rb, const uint8_t *p)
{
	uint32_t lost = tes_rd24(p + 5);

	rb->ssrc = tes_rd32(p);
	rb->fraction_lost = p[4];
	/* 24-bit two's complement */
	rb->cum_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000
					 : (int32_t)lost;
	rb->ext_seq = tes_rd32(p + 8);
	rb->jitter = tes_rd32(p + 12);
	rb->lsr = tes_rd32(p + 16);
	rb->dlsr = tes_rd32(p + 20);
}

static int parse_reports(struct tes_rtcp_pkt *pkt, const uint8_t *rbs,
			 size_t len)
{
	if (len / RB_LEN < pkt->count)
		return -EBADMSG;

	pkt->n_rb = pkt->count;
	for (size_t i = 0; i < pkt->n_rb; i++)
		parse_rb(&pkt->rb[i], rbs + i * RB_LEN);

	return 0;
}

static uint64_t remb_decode(uint8_t exp, uint32_t mant)
{
	/* exp is 6 bits: a mantissa shifted past bit 63 saturates */
	if (exp > 64 - REMB_MANT_BITS && (mant >> (64 - exp)))
		return UINT64_MAX;

	return (uint64_t)mant << exp;
}

static int parse_remb(struct tes_rtcp_pkt *pkt)
{
	const uint8_t *f = pkt->fci;
	size_t num;

	if (pkt->fci_len < REMB_HDR_LEN)
		return -EBADMSG;

	num = f[4];
	if ((pkt->fci_len - REMB_HDR_LEN) / 4 < num)
		return -EBADMSG;

	pkt->is_remb = true;
	pkt->remb_bitrate = remb_decode(f[5] >> 2,
					(uint32_t)(f[5] & 0x03) << 16 |
						tes_rd16(f + 6));
	/* the rewrite covers the whole list; callers get the first ones */
	pkt->n_remb_ssrc = TES_MIN(num, (size_t)TES_RTCP_MAX_REMB_SSRC);
	for (size_t i = 0; i < pkt->n_remb_ssrc; i++)
		pkt->remb_ssrc[i] = tes_rd32(f + REMB_HDR_LEN + 4 * i);

	return 0;
}

static int parse_fb(struct tes_rtcp_pkt *pkt, const uint8_t *body,
		    size_t blen)
{
	if (blen < FB_HDR_LEN)
		return -EBADMSG;

	pkt->ssrc = tes_rd32(body);
	pkt->media_ssrc = tes_rd32(body + 4);
	pkt->fci = body + FB_HDR_LEN;
	pkt->fci_len = blen - FB_HDR_LEN;

	if (pkt->pt == TES_RTCP_RTPFB) {
		if (pkt->count == TES_RTCP_FMT_NACK &&
		    pkt->fci_len % NACK_ENTRY_LEN)
			return -EBADMSG;
		return 0;
	}

	switch (pkt->count) {

	case TES_RTCP_FMT_FIR:
		if (pkt->fci_len % FIR_ENTRY_LEN)
			return -EBADMSG;
		break;

	case TES_RTCP_FMT_AFB:
		if (pkt->fci_len >= sizeof(remb_id) &&
		    !memcmp(pkt->fci, remb_id, sizeof(remb_id)))
			return parse_remb(pkt);
		break;

	default:
		break;
	}

	return 0;
}

static int parse_body(struct tes_rtcp_pkt *pkt, const uint8_t *body,
		      size_t blen)
{
	size_t off = 0;

	switch (pkt->pt) {

	case TES_RTCP_SR:
		if (blen < 4 + SR_INFO_LEN)
			return -EBADMSG;
		pkt->ssrc = tes_rd32(body);
		pkt->ntp = (uint64_t)tes_rd32(body + 4) << 32 |
			   tes_rd32(body + 8);
		pkt->rtp_ts = tes_rd32(body + 12);
		pkt->pkt_count = tes_rd32(body + 16);
		pkt->octet_count = tes_rd32(body + 20);
		return parse_reports(pkt, body + 4 + SR_INFO_LEN,
				     blen - 4 - SR_INFO_LEN);

	case TES_RTCP_RR:
		if (blen < 4)
			return -EBADMSG;
		pkt->ssrc = tes_rd32(body);
		return parse_reports(pkt, body + 4, blen - 4);

	case TES_RTCP_SDES:
		for (uint8_t i = 0; i < pkt->count; i++) {
			int err = sdes_chunk_skip(body, blen, &off);

			if (err)
				return err;
		}
		return 0;

	case TES_RTCP_BYE:
		if (blen / 4 < pkt->count)
			return -EBADMSG;
		if (pkt->count)
			pkt->ssrc = tes_rd32(body);
		return 0;

	case TES_RTCP_RTPFB:
	case TES_RTCP_PSFB:
		return parse_fb(pkt, body, blen);

	default:
		return 0;
	}
}

void tes_rtcp_iter_init(struct tes_rtcp_iter *it, const uint8_t *buf,
			size_t len)
{
	it->buf = buf;
	it->len = buf ? len : 0;
	it->off = 0;
}

int tes_rtcp_next(struct tes_rtcp_iter *it, struct tes_rtcp_pkt *pkt)
{
	const uint8_t *p;
	size_t plen, blen;
	int err;

	if (!it || !pkt)
		return -EINVAL;
	if (it->off >= it->len)
		return -ENOENT;

	p = it->buf + it->off;
	err = pkt_bounds(p, it->len - it->off, &plen, &blen);
	if (err)
		goto out;

	memset(pkt, 0, sizeof(*pkt));
	pkt->pt = p[1];
	pkt->count = p[0] & 0x1f;
	pkt->data = p;
	pkt->len = plen;

	err = parse_body(pkt, p + RTCP_HDR_LEN, blen);
	if (err)
		goto out;

	it->off += plen;
out:
	/* a malformed packet ends the walk: the rest cannot be framed */
	if (err)
		it->off = it->len;
	return err;
}

int tes_rtcp_validate(const uint8_t *buf, size_t len)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	int err;

	if (!buf || len < RTCP_HDR_LEN)
		return -EBADMSG;

	tes_rtcp_iter_init(&it, buf, len);
	while (!(err = tes_rtcp_next(&it, &pkt)))
		;

	return err == -ENOENT ? 0 : err;
}

int tes_rtcp_nack_entries(const struct tes_rtcp_pkt *pkt,
			  struct tes_rtcp_nack *out, size_t max)
{
	size_t n;

	if (!pkt || (max && !out))
		return -EINVAL;
	if (pkt->pt != TES_RTCP_RTPFB || pkt->count != TES_RTCP_FMT_NACK)
		return -EINVAL;
	if (pkt->fci_len % NACK_ENTRY_LEN || (pkt->fci_len && !pkt->fci))
		return -EBADMSG;

	n = TES_MIN(pkt->fci_len / NACK_ENTRY_LEN, max);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = pkt->fci + i * NACK_ENTRY_LEN;

		out[i].pid = tes_rd16(e);
		out[i].blp = tes_rd16(e + 2);
	}

	return (int)n;
}

static void map_at(uint8_t *p, tes_rtcp_ssrc_map_h *map, void *arg)
{
	tes_wr32(p, map(tes_rd32(p), arg));
}

static void rewrite_fb(uint8_t *p, const struct tes_rtcp_pkt *pkt,
		       tes_rtcp_ssrc_map_h *map, void *arg)
{
	uint8_t *fci = p + RTCP_HDR_LEN + FB_HDR_LEN;

	map_at(p + 4, map, arg);
	map_at(p + 8, map, arg);

	if (pkt->pt != TES_RTCP_PSFB)
		return;

	if (pkt->count == TES_RTCP_FMT_FIR) {
		for (size_t o = 0; o < pkt->fci_len; o += FIR_ENTRY_LEN)
			map_at(fci + o, map, arg);
	}
	else if (pkt->is_remb) {
		/* count checked against the length by parse_remb() */
		for (size_t i = 0; i < fci[4]; i++)
			map_at(fci + REMB_HDR_LEN + 4 * i, map, arg);
	}
}

/* SDES: walk every chunk to its END item before writing its SSRC. */
static int rewrite_sdes(uint8_t *p, size_t rem, uint8_t count,
			tes_rtcp_ssrc_map_h *map, void *arg)
{
	uint8_t *body = p + RTCP_HDR_LEN;
	size_t off = 0, plen, blen;
	int err;

	err = pkt_bounds(p, rem, &plen, &blen);
	for (uint8_t i = 0; !err && i < count; i++) {
		size_t chunk = off;

		err = sdes_chunk_skip(body, blen, &off);
		if (!err)
			map_at(body + chunk, map, arg);
	}

	return err;
}

int tes_rtcp_rewrite_ssrcs(uint8_t *buf, size_t len, tes_rtcp_ssrc_map_h *map,
			   void *arg)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	int err;

	if (!map)
		return -EINVAL;

	/* check everything first so a bad packet leaves the buffer as is */
	err = tes_rtcp_validate(buf, len);
	if (err)
		goto out;

	tes_rtcp_iter_init(&it, buf, len);
	while (!(err = tes_rtcp_next(&it, &pkt))) {
		uint8_t *p = buf + (pkt.data - buf);
		uint8_t *body = p + RTCP_HDR_LEN;

		switch (pkt.pt) {

		case TES_RTCP_SR:
		case TES_RTCP_RR:
			map_at(body, map, arg);
			body += 4 + (pkt.pt == TES_RTCP_SR ? SR_INFO_LEN : 0);
			for (size_t i = 0; i < pkt.n_rb; i++)
				map_at(body + i * RB_LEN, map, arg);
			break;

		case TES_RTCP_SDES:
			err = rewrite_sdes(p, len - (size_t)(p - buf),
					   pkt.count, map, arg);
			if (err)
				goto out;
			break;

		case TES_RTCP_BYE:
			for (uint8_t i = 0; i < pkt.count; i++)
				map_at(body + 4 * i, map, arg);
			break;

		case TES_RTCP_RTPFB:
		case TES_RTCP_PSFB:
			rewrite_fb(p, &pkt, map, arg);
			break;

		default:
			break;
		}
	}
	if (err == -ENOENT)
		err = 0;
out:
	return err;
}

static int put_hdr(uint8_t *buf, uint8_t count, uint8_t pt, size_t len)
{
	buf[0] = (uint8_t)(RTCP_VERSION << 6 | count);
	buf[1] = pt;
	tes_wr16(buf + 2, (uint16_t)(len / 4 - 1));

	return (int)len;
}

int tes_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, uint64_t ntp,
		      uint32_t rtp_ts, uint32_t pkt_count,
		      uint32_t octet_count)
{
	const size_t len = RTCP_HDR_LEN + 4 + SR_INFO_LEN;

	if (!buf || cap < len)
		return -ENOSPC;

	tes_wr32(buf + 4, ssrc);
	tes_wr32(buf + 8, (uint32_t)(ntp >> 32));
	tes_wr32(buf + 12, (uint32_t)ntp);
	tes_wr32(buf + 16, rtp_ts);
	tes_wr32(buf + 20, pkt_count);
	tes_wr32(buf + 24, octet_count);

	return put_hdr(buf, 0, TES_RTCP_SR, len);
}

static void put_rb(uint8_t *p, const struct tes_rtcp_rb *rb)
{
	int32_t lost = rb->cum_lost;

	/* clamp to what 24 signed bits hold */
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	else if (lost < -0x800000)
		lost = -0x800000;

	tes_wr32(p, rb->ssrc);
	p[4] = rb->fraction_lost;
	tes_wr24(p + 5, (uint32_t)lost & 0xffffff);
	tes_wr32(p + 8, rb->ext_seq);
	tes_wr32(p + 12, rb->jitter);
	tes_wr32(p + 16, rb->lsr);
	tes_wr32(p + 20, rb->dlsr);
}

int tes_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc,
		      const struct tes_rtcp_rb *rb, size_t n_rb)
{
	size_t len;

	if (n_rb > TES_RTCP_MAX_RB || (n_rb && !rb))
		return -EINVAL;

	len = RTCP_HDR_LEN + 4 + n_rb * RB_LEN;
	if (!buf || cap < len)
		return -ENOSPC;

	tes_wr32(buf + 4, ssrc);
	for (size_t i = 0; i < n_rb; i++)
		put_rb(buf + 8 + i * RB_LEN, &rb[i]);

	return put_hdr(buf, (uint8_t)n_rb, TES_RTCP_RR, len);
}

int tes_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
			      const char *cname)
{
	size_t n, chunk, len;

	if (!cname)
		return -EINVAL;
	n = strlen(cname);
	if (n > UINT8_MAX)
		return -EINVAL;

	/* SSRC, CNAME item, END item, zeros to a 32-bit boundary */
	chunk = (4 + 2 + n + 1 + 3) & ~(size_t)3;
	len = RTCP_HDR_LEN + chunk;
	if (!buf || cap < len)
		return -ENOSPC;

	memset(buf + RTCP_HDR_LEN, 0, chunk);
	tes_wr32(buf + 4, ssrc);
	buf[8] = SDES_CNAME;
	buf[9] = (uint8_t)n;
	memcpy(buf + 10, cname, n);

	return put_hdr(buf, 1, TES_RTCP_SDES, len);
}

int tes_rtcp_build_bye(uint8_t *buf, size_t cap, uint32_t ssrc)
{
	const size_t len = RTCP_HDR_LEN + 4;

	if (!buf || cap < len)
		return -ENOSPC;

	tes_wr32(buf + 4, ssrc);

	return put_hdr(buf, 1, TES_RTCP_BYE, len);
}

static void put_fb(uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	tes_wr32(buf + 4, sender_ssrc);
	tes_wr32(buf + 8, media_ssrc);
}

int tes_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			uint32_t media_ssrc, const struct tes_rtcp_nack *n,
			size_t count)
{
	const size_t hdr = RTCP_HDR_LEN + FB_HDR_LEN;
	size_t len;

	if (!count || !n)
		return -EINVAL;
	/* the length field holds at most 65536 words */
	if (count > (4u * 65536 - hdr) / NACK_ENTRY_LEN)
		return -EINVAL;

	len = hdr + count * NACK_ENTRY_LEN;
	if (!buf || cap < len)
		return -ENOSPC;

	put_fb(buf, sender_ssrc, media_ssrc);
	for (size_t i = 0; i < count; i++) {
		tes_wr16(buf + hdr + 4 * i, n[i].pid);
		tes_wr16(buf + hdr + 4 * i + 2, n[i].blp);
	}

	return put_hdr(buf, TES_RTCP_FMT_NACK, TES_RTCP_RTPFB, len);
}

int tes_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
		       uint32_t media_ssrc)
{
	const size_t len = RTCP_HDR_LEN + FB_HDR_LEN;

	if (!buf || cap < len)
		return -ENOSPC;

	put_fb(buf, sender_ssrc, media_ssrc);

	return put_hdr(buf, TES_RTCP_FMT_PLI, TES_RTCP_PSFB, len);
}

/*
 * RFC 5104 4.3.1.2: the header's media source SSRC is unused and set to 0;
 * the SSRC of the stream that should send a keyframe goes in the entry.
 */
int tes_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
		       uint32_t media_ssrc, uint8_t seq_nr)
{
	const size_t hdr = RTCP_HDR_LEN + FB_HDR_LEN;
	const size_t len = hdr + FIR_ENTRY_LEN;

	if (!buf || cap < len)
		return -ENOSPC;

	put_fb(buf, sender_ssrc, 0);
	tes_wr32(buf + hdr, media_ssrc);
	buf[hdr + 4] = seq_nr;
	tes_wr24(buf + hdr + 5, 0);

	return put_hdr(buf, TES_RTCP_FMT_FIR, TES_RTCP_PSFB, len);
}

/*
 * REMB carries the bitrate as mantissa << exp with an 18-bit mantissa; the
 * smallest exponent that fits keeps the most precision (rounds down).
 */
int tes_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			uint64_t bitrate, const uint32_t *ssrcs, size_t n)
{
	const size_t hdr = RTCP_HDR_LEN + FB_HDR_LEN;
	uint8_t exp = 0;
	uint32_t mant;
	size_t len;

	if (n > UINT8_MAX || (n && !ssrcs))
		return -EINVAL;

	len = hdr + REMB_HDR_LEN + 4 * n;
	if (!buf || cap < len)
		return -ENOSPC;

	while ((bitrate >> exp) >= (1u << REMB_MANT_BITS))
		exp++;
	mant = (uint32_t)(bitrate >> exp);

	/* media source is unused in REMB: the list names the streams */
	put_fb(buf, sender_ssrc, 0);
	memcpy(buf + hdr, remb_id, sizeof(remb_id));
	buf[hdr + 4] = (uint8_t)n;
	buf[hdr + 5] = (uint8_t)(exp << 2 | mant >> 16);
	tes_wr16(buf + hdr + 6, (uint16_t)mant);
	for (size_t i = 0; i < n; i++)
		tes_wr32(buf + hdr + REMB_HDR_LEN + 4 * i, ssrcs[i]);

	return put_hdr(buf, TES_RTCP_FMT_AFB, TES_RTCP_PSFB, len);
}
