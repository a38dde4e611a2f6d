/**
 * @file vp8.c  VP8 RTP payload format (RFC 7741): payload descriptor
 * parsing, keyframe detection and packetization.  No state, no thread.
 */
#include <string.h>

#include "base/base.h"
#include "rtp/payload.h"

enum {
	VP8_KEY_HDR_LEN = 10,    /**< frame tag, start code, width, height */
	VP8_SIZE_MASK = 0x3fff,  /**< width/height: 14 bits + 2 scale bits */
};

int tes_vp8_parse_desc(struct tes_vp8_desc *d, const uint8_t *p, size_t len)
{
	size_t off = 1;
	const uint8_t *vp8;

	if (!d || !p)
		return -EINVAL;

	memset(d, 0, sizeof(*d));
	if (len < 1)
		return -EBADMSG;

	d->x = (p[0] & 0x80) != 0;
	d->n = (p[0] & 0x20) != 0;
	d->s = (p[0] & 0x10) != 0;
	d->pid = p[0] & 0x07;

	if (d->x) {
		if (len < off + 1)
			return -EBADMSG;
		d->has_picture_id = (p[off] & 0x80) != 0;
		d->has_tl0picidx = (p[off] & 0x40) != 0;
		d->has_tid = (p[off] & 0x20) != 0;
		d->has_keyidx = (p[off] & 0x10) != 0;
		off++;
	}
	if (d->has_picture_id) {
		if (len < off + 1)
			return -EBADMSG;
		d->picture_id_long = (p[off] & 0x80) != 0;
		if (d->picture_id_long) {
			if (len < off + 2)
				return -EBADMSG;
			d->picture_id = tes_rd16(p + off) & 0x7fff;
			off += 2;
		}
		else {
			d->picture_id = p[off] & 0x7f;
			off++;
		}
	}
	if (d->has_tl0picidx) {
		if (len < off + 1)
			return -EBADMSG;
		d->tl0picidx = p[off++];
	}
	if (d->has_tid || d->has_keyidx) {
		if (len < off + 1)
			return -EBADMSG;
		/* one byte holds both; each part is valid only with its bit */
		if (d->has_tid) {
			d->tid = p[off] >> 6;
			d->y = (p[off] & 0x20) != 0;
		}
		if (d->has_keyidx)
			d->keyidx = p[off] & 0x1f;
		off++;
	}

	/* a packet without VP8 payload carries nothing to decode */
	if (len <= off)
		return -EBADMSG;
	d->hdr_len = off;

	d->start = d->s && d->pid == 0;
	if (!d->start)
		return 0;

	/* RFC 7741 4.3: P bit (inverse key frame flag) of the frame tag */
	vp8 = p + off;
	d->keyframe = (vp8[0] & 0x01) == 0;
	if (d->keyframe && len - off >= VP8_KEY_HDR_LEN &&
	    vp8[3] == 0x9d && vp8[4] == 0x01 && vp8[5] == 0x2a) {
		d->width = (vp8[6] | (vp8[7] << 8)) & VP8_SIZE_MASK;
		d->height = (vp8[8] | (vp8[9] << 8)) & VP8_SIZE_MASK;
	}

	return 0;
}

int tes_vp8_packetize(const uint8_t *frame, size_t len, size_t max_payload,
		      uint16_t picture_id, tes_pkt_h *h, void *arg)
{
	uint8_t buf[TES_PAYLOAD_MAX];
	size_t cap, n, part, extra, off = 0;
	int err = 0;

	if (!frame || !len || !h || max_payload <= TES_VP8_PKT_DESC_LEN)
		return -EINVAL;

	max_payload = TES_MIN(max_payload, sizeof(buf));
	cap = max_payload - TES_VP8_PKT_DESC_LEN;

	/* n packets of len / n bytes, the first len % n one byte longer */
	n = (len + cap - 1) / cap;
	part = len / n;
	extra = len % n;

	buf[1] = 0x80;                                 /* I */
	buf[2] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7f)); /* M */
	buf[3] = (uint8_t)picture_id;

	for (size_t i = 0; i < n; i++) {
		size_t plen = part + (i < extra ? 1 : 0);

		buf[0] = (uint8_t)(0x80 | (i == 0 ? 0x10 : 0)); /* X, S */
		memcpy(buf + TES_VP8_PKT_DESC_LEN, frame + off, plen);
		off += plen;
		err = h(buf, TES_VP8_PKT_DESC_LEN + plen, i == n - 1, arg);
		if (err)
			goto out;
	}

out:
	return err;
}
