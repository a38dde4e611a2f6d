/**
 * @file rtp.c  RTP packets (RFC 3550) and header extensions (RFC 8285).
 *
 * Parsing never allocates and never trusts a length field: every offset is
 * checked against the packet before it is read.  Owned by no thread; the
 * functions only touch the buffers they are given.
 */
#include <limits.h>
#include <string.h>

#include "base/base.h"
#include "rtp/rtp.h"

enum {
	RTP_VERSION = 2,
	EXT_HDR_LEN = 4,
	ONE_BYTE_ID_STOP = 15,  /**< RFC 8285 4.2: reserved, stop parsing */
	ONE_BYTE_MAX_ID = 14,
	ONE_BYTE_MAX_LEN = 16,
	TWO_BYTE_MASK = 0xfff0,
};

int tes_rtp_parse(struct tes_rtp_hdr *h, const uint8_t *buf, size_t len)
{
	size_t off, plen;

	if (!h || !buf)
		return -EINVAL;

	memset(h, 0, sizeof(*h));

	if (len < TES_RTP_HDR_LEN)
		return -EBADMSG;

	h->version = buf[0] >> 6;
	if (h->version != RTP_VERSION)
		return -EBADMSG;

	h->padding = (buf[0] & 0x20) != 0;
	h->extension = (buf[0] & 0x10) != 0;
	h->cc = buf[0] & 0x0f;
	h->marker = (buf[1] & 0x80) != 0;
	h->pt = buf[1] & 0x7f;
	h->seq = tes_rd16(buf + 2);
	h->ts = tes_rd32(buf + 4);
	h->ssrc = tes_rd32(buf + 8);

	off = TES_RTP_HDR_LEN;
	if (len - off < 4u * h->cc)
		return -EBADMSG;
	for (uint8_t i = 0; i < h->cc; i++, off += 4)
		h->csrc[i] = tes_rd32(buf + off);

	if (h->extension) {
		size_t ext_len;

		if (len - off < EXT_HDR_LEN)
			return -EBADMSG;
		h->ext_profile = tes_rd16(buf + off);
		ext_len = 4u * tes_rd16(buf + off + 2);
		off += EXT_HDR_LEN;
		if (len - off < ext_len)
			return -EBADMSG;
		h->ext = buf + off;
		h->ext_len = ext_len;
		off += ext_len;
	}

	h->hdr_len = off;
	plen = len - off;

	if (h->padding) {
		/* the count includes itself, so 0 is as wrong as too many */
		if (!plen)
			return -EBADMSG;
		h->pad_len = buf[len - 1];
		if (!h->pad_len || h->pad_len > plen)
			return -EBADMSG;
		plen -= h->pad_len;
	}

	h->payload = buf + off;
	h->payload_len = plen;

	return 0;
}

/* RFC 8285 4.2: one-byte elements, 0x00 bytes are padding, ID 15 ends. */
static int find_one_byte(const uint8_t *ext, size_t ext_len, uint8_t id,
			 const uint8_t **data, size_t *len)
{
	size_t i = 0;

	while (i < ext_len) {
		uint8_t b = ext[i];
		uint8_t eid = b >> 4;
		size_t elen = (size_t)(b & 0x0f) + 1;

		if (!b) {
			i++;
			continue;
		}
		if (eid == ONE_BYTE_ID_STOP)
			break;
		if (ext_len - i - 1 < elen)
			return -EBADMSG;
		if (eid == id) {
			*data = ext + i + 1;
			*len = elen;
			return 0;
		}
		i += 1 + elen;
	}

	return -ENOENT;
}

/* RFC 8285 4.3: ID byte, length byte (may be 0), zero bytes are padding. */
static int find_two_byte(const uint8_t *ext, size_t ext_len, uint8_t id,
			 const uint8_t **data, size_t *len)
{
	size_t i = 0;

	while (i < ext_len) {
		uint8_t eid = ext[i];
		size_t elen;

		if (!eid) {
			i++;
			continue;
		}
		if (ext_len - i < 2)
			return -EBADMSG;
		elen = ext[i + 1];
		if (ext_len - i - 2 < elen)
			return -EBADMSG;
		if (eid == id) {
			*data = ext + i + 2;
			*len = elen;
			return 0;
		}
		i += 2 + elen;
	}

	return -ENOENT;
}

int tes_rtp_ext_find(const struct tes_rtp_hdr *h, uint8_t id,
		     const uint8_t **data, size_t *len)
{
	if (!h || !data || !len)
		return -EINVAL;

	/* ID 0 is padding in both forms, never an element */
	if (!h->extension || !h->ext || !id)
		return -ENOENT;

	if (h->ext_profile == TES_RTP_EXT_ONE_BYTE) {
		if (id > ONE_BYTE_MAX_ID)
			return -ENOENT;
		return find_one_byte(h->ext, h->ext_len, id, data, len);
	}
	if ((h->ext_profile & TWO_BYTE_MASK) == TES_RTP_EXT_TWO_BYTE)
		return find_two_byte(h->ext, h->ext_len, id, data, len);

	/* some other profile's extension: not RFC 8285 elements */
	return -ENOENT;
}

/* Bytes the one-byte extension block needs, header excluded, padded. */
static int ext_block_len(const struct tes_rtp_ext_elem *ext, size_t n_ext,
			 size_t *lenp)
{
	size_t len = 0;

	if (n_ext && !ext)
		return -EINVAL;

	for (size_t i = 0; i < n_ext; i++) {
		if (!ext[i].id || ext[i].id > ONE_BYTE_MAX_ID)
			return -EINVAL;
		if (!ext[i].len || ext[i].len > ONE_BYTE_MAX_LEN)
			return -EINVAL;
		if (!ext[i].data)
			return -EINVAL;
		len += 1u + ext[i].len;
		/* the length field counts 32-bit words in 16 bits */
		if (len > 4u * UINT16_MAX)
			return -EINVAL;
	}

	*lenp = (len + 3) & ~(size_t)3;
	if (*lenp > 4u * UINT16_MAX)
		return -EINVAL;

	return 0;
}

int tes_rtp_build(uint8_t *buf, size_t cap, const struct tes_rtp_hdr *h,
		  const struct tes_rtp_ext_elem *ext, size_t n_ext,
		  const uint8_t *payload, size_t plen)
{
	size_t ext_len = 0, need, off;
	int err;

	if (!buf || !h || h->cc > TES_RTP_MAX_CSRC || h->pt > 0x7f)
		return -EINVAL;
	if (plen && !payload)
		return -EINVAL;

	err = ext_block_len(ext, n_ext, &ext_len);
	if (err)
		return err;

	need = TES_RTP_HDR_LEN + 4u * h->cc;
	if (n_ext)
		need += EXT_HDR_LEN + ext_len;
	if (plen > (size_t)INT_MAX - need)
		return -ENOSPC;
	need += plen;
	if (need > cap)
		return -ENOSPC;

	buf[0] = (uint8_t)(RTP_VERSION << 6 | (n_ext ? 0x10 : 0) | h->cc);
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
	tes_wr16(buf + 2, h->seq);
	tes_wr32(buf + 4, h->ts);
	tes_wr32(buf + 8, h->ssrc);
	off = TES_RTP_HDR_LEN;
	for (uint8_t i = 0; i < h->cc; i++, off += 4)
		tes_wr32(buf + off, h->csrc[i]);

	if (n_ext) {
		size_t end;

		tes_wr16(buf + off, TES_RTP_EXT_ONE_BYTE);
		tes_wr16(buf + off + 2, (uint16_t)(ext_len / 4));
		off += EXT_HDR_LEN;
		end = off + ext_len;
		for (size_t i = 0; i < n_ext; i++) {
			const struct tes_rtp_ext_elem *e = &ext[i];

			buf[off++] = (uint8_t)(e->id << 4 | (e->len - 1));
			memcpy(buf + off, e->data, e->len);
			off += e->len;
		}
		memset(buf + off, 0, end - off);
		off = end;
	}

	if (plen)
		memcpy(buf + off, payload, plen);
	off += plen;

	return (int)off;
}

void tes_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc)
{
	tes_wr32(buf + 8, ssrc);
}

void tes_rtp_set_seq(uint8_t *buf, uint16_t seq)
{
	tes_wr16(buf + 2, seq);
}

void tes_rtp_set_ts(uint8_t *buf, uint32_t ts)
{
	tes_wr32(buf + 4, ts);
}
