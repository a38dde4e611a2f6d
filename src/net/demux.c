/**
 * @file demux.c  First-byte demultiplexing of the shared media port
 * (RFC 7983), with RTP/RTCP told apart by payload type (RFC 5761).
 */
#include "net/stun.h"

/* Shortest datagram of each kind worth passing up */
enum {
	MIN_STUN = 20, /* STUN header */
	MIN_DTLS = 13, /* DTLS record header */
	MIN_RTP = 12,  /* RTP fixed header */
	MIN_RTCP = 8,  /* RTCP header + sender SSRC */
};

enum tes_pkt_kind tes_demux(const uint8_t *buf, size_t len)
{
	uint8_t b0, b1;

	if (!buf || !len)
		return TES_PKT_UNKNOWN;

	b0 = buf[0];
	if (b0 <= 3)
		return len >= MIN_STUN ? TES_PKT_STUN : TES_PKT_UNKNOWN;
	if (b0 >= 20 && b0 <= 63)
		return len >= MIN_DTLS ? TES_PKT_DTLS : TES_PKT_UNKNOWN;
	if (b0 < 128 || b0 > 191 || len < 2)
		return TES_PKT_UNKNOWN;

	/*
	 * RFC 5761 4: RTCP packet types 192..223 (SR 200, RR 201, ..., with
	 * the marker bit this is where RTP payload types 64..95 would fall,
	 * which is why those must not be used for RTP when muxing).
	 */
	b1 = buf[1];
	if (b1 >= 192 && b1 <= 223)
		return len >= MIN_RTCP ? TES_PKT_RTCP : TES_PKT_UNKNOWN;

	return len >= MIN_RTP ? TES_PKT_RTP : TES_PKT_UNKNOWN;
}
