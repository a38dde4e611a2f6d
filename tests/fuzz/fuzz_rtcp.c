/**
 * @file fuzz_rtcp.c  libFuzzer harness for RTCP: validate, walk the
 * compound (decoding NACKs), and rewrite SSRCs on a copy.  Checks that
 * validation, iteration and rewriting agree, that a failed rewrite leaves
 * the copy untouched, and that rewriting twice with an XOR map restores it.
 *
 * Every packet the parser understands (SR, RR, BYE, generic NACK, PLI,
 * FIR, REMB) is also written again with our own builder from what was
 * parsed, and must parse back to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "rtp/rtp.h"

enum { MAX_NACK = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* buf holds exactly one packet of type pt with format/count fmt */
static void parse_one(struct tes_rtcp_pkt *out, const uint8_t *buf, int len,
		      uint8_t pt, uint8_t fmt)
{
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt end;

	if (len <= 0)
		abort();
	tes_rtcp_iter_init(&it, buf, (size_t)len);
	if (tes_rtcp_next(&it, out) || out->pt != pt || out->count != fmt ||
	    out->len != (size_t)len || tes_rtcp_next(&it, &end) != -ENOENT)
		abort();
}

static bool same_rb(const struct tes_rtcp_rb *a, const struct tes_rtcp_rb *b)
{
	return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
	       a->cum_lost == b->cum_lost && a->ext_seq == b->ext_seq &&
	       a->jitter == b->jitter && a->lsr == b->lsr &&
	       a->dlsr == b->dlsr;
}

static void rebuild_reports(const struct tes_rtcp_pkt *p, uint8_t *buf,
			    size_t cap)
{
	struct tes_rtcp_pkt b;

	if (p->n_rb != p->count)
		abort();
	if (p->pt == TES_RTCP_SR) {
		parse_one(&b, buf, tes_rtcp_build_sr(buf, cap, p->ssrc, p->ntp,
						     p->rtp_ts, p->pkt_count,
						     p->octet_count),
			  TES_RTCP_SR, 0);
		if (b.ssrc != p->ssrc || b.ntp != p->ntp ||
		    b.rtp_ts != p->rtp_ts || b.pkt_count != p->pkt_count ||
		    b.octet_count != p->octet_count || b.n_rb)
			abort();
	}
	parse_one(&b, buf, tes_rtcp_build_rr(buf, cap, p->ssrc, p->rb,
					     p->n_rb),
		  TES_RTCP_RR, (uint8_t)p->n_rb);
	if (b.ssrc != p->ssrc || b.n_rb != p->n_rb)
		abort();
	for (size_t i = 0; i < p->n_rb; i++) {
		if (!same_rb(&b.rb[i], &p->rb[i]))
			abort();
	}
}

static void rebuild_fb(const struct tes_rtcp_pkt *p, uint8_t *buf, size_t cap)
{
	struct tes_rtcp_nack nack[MAX_NACK], back[MAX_NACK];
	struct tes_rtcp_pkt b;
	int n;

	if (p->pt == TES_RTCP_RTPFB && p->count == TES_RTCP_FMT_NACK) {
		n = tes_rtcp_nack_entries(p, nack, MAX_NACK);
		if (n < 0 || (size_t)n != TES_MIN(p->fci_len / 4,
						  (size_t)MAX_NACK))
			abort();
		if (!n)
			return;
		parse_one(&b, buf, tes_rtcp_build_nack(buf, cap, p->ssrc,
						       p->media_ssrc, nack,
						       (size_t)n),
			  TES_RTCP_RTPFB, TES_RTCP_FMT_NACK);
		if (b.ssrc != p->ssrc || b.media_ssrc != p->media_ssrc ||
		    tes_rtcp_nack_entries(&b, back, MAX_NACK) != n ||
		    memcmp(back, nack, (size_t)n * sizeof(*nack)))
			abort();
	}
	else if (p->pt == TES_RTCP_PSFB && p->count == TES_RTCP_FMT_PLI) {
		parse_one(&b, buf, tes_rtcp_build_pli(buf, cap, p->ssrc,
						      p->media_ssrc),
			  TES_RTCP_PSFB, TES_RTCP_FMT_PLI);
		if (b.ssrc != p->ssrc || b.media_ssrc != p->media_ssrc)
			abort();
	}
	else if (p->pt == TES_RTCP_PSFB && p->count == TES_RTCP_FMT_FIR &&
		 p->fci_len) {
		/* the first entry: the stream asked for, and its FIR seq */
		parse_one(&b, buf, tes_rtcp_build_fir(buf, cap, p->ssrc,
						      tes_rd32(p->fci),
						      p->fci[4]),
			  TES_RTCP_PSFB, TES_RTCP_FMT_FIR);
		if (b.ssrc != p->ssrc || b.media_ssrc || b.fci_len != 8 ||
		    tes_rd32(b.fci) != tes_rd32(p->fci) || b.fci[4] != p->fci[4])
			abort();
	}
	else if (p->is_remb) {
		parse_one(&b, buf, tes_rtcp_build_remb(buf, cap, p->ssrc,
						       p->remb_bitrate,
						       p->remb_ssrc,
						       p->n_remb_ssrc),
			  TES_RTCP_PSFB, TES_RTCP_FMT_AFB);
		/* mantissa << exponent comes back exact, unless the parser
		 * saturated a value past 64 bits */
		if (!b.is_remb || b.ssrc != p->ssrc ||
		    b.n_remb_ssrc != p->n_remb_ssrc ||
		    memcmp(b.remb_ssrc, p->remb_ssrc,
			   p->n_remb_ssrc * sizeof(uint32_t)) ||
		    (p->remb_bitrate != UINT64_MAX
			     ? b.remb_bitrate != p->remb_bitrate
			     : b.remb_bitrate < (UINT64_MAX >> 1)))
			abort();
	}
}

/* write what was parsed with our builders; it must parse back the same */
static void rebuild(const struct tes_rtcp_pkt *p)
{
	/* the largest: an RR with 31 blocks, a NACK with MAX_NACK entries */
	uint8_t buf[8 + TES_RTCP_MAX_RB * 24 + 4 * MAX_NACK];
	struct tes_rtcp_pkt b;

	switch (p->pt) {

	case TES_RTCP_SR:
	case TES_RTCP_RR:
		rebuild_reports(p, buf, sizeof(buf));
		break;

	case TES_RTCP_BYE:
		if (!p->count)
			break;
		parse_one(&b, buf, tes_rtcp_build_bye(buf, sizeof(buf),
						      p->ssrc),
			  TES_RTCP_BYE, 1);
		if (b.ssrc != p->ssrc)
			abort();
		break;

	case TES_RTCP_RTPFB:
	case TES_RTCP_PSFB:
		rebuild_fb(p, buf, sizeof(buf));
		break;

	default:
		break;
	}
}

static uint32_t xor_map(uint32_t ssrc, void *arg)
{
	const uint32_t *key = arg;

	return ssrc ^ *key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes_rtcp_nack nack[MAX_NACK];
	uint32_t key = 0x5a5aa5a5;
	struct tes_rtcp_iter it;
	struct tes_rtcp_pkt pkt;
	uint8_t *copy;
	int valid, err, rw;

	valid = tes_rtcp_validate(data, size);

	tes_rtcp_iter_init(&it, data, size);
	while (!(err = tes_rtcp_next(&it, &pkt))) {
		if (pkt.data < data || pkt.len > size ||
		    (size_t)(pkt.data - data) > size - pkt.len)
			abort();
		if (pkt.n_rb > TES_RTCP_MAX_RB ||
		    pkt.n_remb_ssrc > TES_RTCP_MAX_REMB_SSRC)
			abort();
		if (pkt.pt == TES_RTCP_RTPFB &&
		    pkt.count == TES_RTCP_FMT_NACK &&
		    tes_rtcp_nack_entries(&pkt, nack, MAX_NACK) < 0)
			abort();
		rebuild(&pkt);
	}
	if (err != -ENOENT && err != -EBADMSG)
		abort();
	if (size >= 4 && !valid != (err == -ENOENT))
		abort();

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	rw = tes_rtcp_rewrite_ssrcs(copy, size, xor_map, &key);
	if (rw != valid)
		abort();
	if (!rw) {
		if (tes_rtcp_rewrite_ssrcs(copy, size, xor_map, &key))
			abort();
	}
	if (size && memcmp(copy, data, size))
		abort();

	free(copy);

	return 0;
}
