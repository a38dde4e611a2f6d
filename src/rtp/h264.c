/**
 * @file h264.c  H.264 RTP payload format (RFC 6184): single NAL unit,
 * STAP-A and FU-A depacketization into Annex B, packetization of Annex B
 * access units (packetization-mode 0 and 1), and what a receiver's fmtp
 * and level let it take.  No state, no thread.
 */
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "rtp/payload.h"

enum {
	NAL_F = 0x80,          /**< forbidden_zero_bit */
	NAL_NRI = 0x60,
	NAL_TYPE = 0x1f,
	FU_S = 0x80,
	FU_E = 0x40,
	STAP_LEN_SIZE = 2,     /**< NALU size field of an aggregation unit */
	FU_HDR_LEN = 2,        /**< FU indicator + FU header */
	MIN_PAYLOAD = FU_HDR_LEN + 1,
};

static const uint8_t start_code[TES_H264_START_CODE_LEN] = {0, 0, 0, 1};

static void mark_type(struct tes_h264_pkt *pk, uint8_t type)
{
	if (type == TES_H264_NAL_IDR)
		pk->idr = true;
	else if (type == TES_H264_NAL_SPS)
		pk->sps = true;
	else if (type == TES_H264_NAL_PPS)
		pk->pps = true;
}

static int parse_stap_a(struct tes_h264_pkt *pk, const uint8_t *p, size_t len)
{
	size_t off = 1, n;

	pk->data = p + 1;
	pk->len = len - 1;
	pk->nal_start = true;

	while (off < len) {
		uint8_t hdr, type;

		if (len - off < STAP_LEN_SIZE)
			return -EBADMSG;
		n = tes_rd16(p + off);
		off += STAP_LEN_SIZE;
		if (n == 0 || n > len - off)
			return -EBADMSG;
		hdr = p[off];
		type = hdr & NAL_TYPE;
		/* aggregation units carry plain NAL units only */
		if ((hdr & NAL_F) || type == 0 || type >= TES_H264_STAP_A)
			return -EBADMSG;
		if (!pk->nal_type)
			pk->nal_type = type;
		mark_type(pk, type);
		pk->annexb_len += TES_H264_START_CODE_LEN + n;
		off += n;
	}

	/* an empty STAP-A carries nothing */
	return pk->nal_type ? 0 : -EBADMSG;
}

static int parse_fu_a(struct tes_h264_pkt *pk, const uint8_t *p, size_t len)
{
	uint8_t type;

	if (len < MIN_PAYLOAD)
		return -EBADMSG;

	type = p[1] & NAL_TYPE;
	if (type == 0 || type >= TES_H264_STAP_A)
		return -EBADMSG;

	pk->nal_type = type;
	pk->fu_start = (p[1] & FU_S) != 0;
	pk->fu_end = (p[1] & FU_E) != 0;
	pk->nal_start = pk->fu_start;
	pk->fu_nal_hdr = (uint8_t)((p[0] & (NAL_F | NAL_NRI)) | type);
	pk->data = p + FU_HDR_LEN;
	pk->len = len - FU_HDR_LEN;
	pk->annexb_len = pk->len;
	if (pk->fu_start)
		pk->annexb_len += TES_H264_START_CODE_LEN + 1;
	mark_type(pk, type);

	return 0;
}

int tes_h264_parse(struct tes_h264_pkt *pk, const uint8_t *p, size_t len)
{
	uint8_t type;

	if (!pk || !p)
		return -EINVAL;

	memset(pk, 0, sizeof(*pk));
	if (len < 1)
		return -EBADMSG;

	/* F=1 flags a NAL unit with bit errors; nothing to do with it */
	if (p[0] & NAL_F)
		return -EBADMSG;

	type = p[0] & NAL_TYPE;
	pk->type = type;

	if (type >= 1 && type <= 23) {
		pk->nal_type = type;
		pk->nal_start = true;
		pk->data = p;
		pk->len = len;
		pk->annexb_len = TES_H264_START_CODE_LEN + len;
		mark_type(pk, type);
		return 0;
	}
	if (type == TES_H264_STAP_A)
		return parse_stap_a(pk, p, len);
	if (type == TES_H264_FU_A)
		return parse_fu_a(pk, p, len);

	/* STAP-B, MTAP16/24, FU-B: interleaved mode only; 0/30/31 unused */
	return -ENOTSUP;
}

size_t tes_h264_annexb(const struct tes_h264_pkt *pk, uint8_t *out)
{
	size_t off = 0, n;

	switch (pk->type) {

	case TES_H264_STAP_A:
		for (size_t i = 0; i < pk->len; i += n) {
			n = tes_rd16(pk->data + i);
			i += STAP_LEN_SIZE;
			memcpy(out + off, start_code, sizeof(start_code));
			memcpy(out + off + sizeof(start_code), pk->data + i, n);
			off += sizeof(start_code) + n;
		}
		break;

	case TES_H264_FU_A:
		if (pk->fu_start) {
			memcpy(out, start_code, sizeof(start_code));
			out[sizeof(start_code)] = pk->fu_nal_hdr;
			off = sizeof(start_code) + 1;
		}
		memcpy(out + off, pk->data, pk->len);
		off += pk->len;
		break;

	default:
		memcpy(out, start_code, sizeof(start_code));
		memcpy(out + sizeof(start_code), pk->data, pk->len);
		off = sizeof(start_code) + pk->len;
		break;
	}

	return off;
}

/* index of the next 00 00 01 at or after i, or len */
static size_t find_start_code(const uint8_t *buf, size_t len, size_t i)
{
	for (; i + 3 <= len; i++) {
		if (buf[i + 2] > 1)
			i += 2;  /* no start code can cover buf[i + 2] */
		else if (!buf[i] && !buf[i + 1] && buf[i + 2] == 1)
			return i;
	}

	return len;
}

bool tes_h264_next_nal(const uint8_t *buf, size_t len, size_t *off,
		       const uint8_t **nal, size_t *nlen)
{
	size_t i = *off;

	while (i < len) {
		size_t sc = find_start_code(buf, len, i);
		size_t start, end, next;

		if (sc >= len)
			break;
		start = sc + 3;
		next = find_start_code(buf, len, start);
		end = next;
		/* zero_byte of a 4-byte start code, trailing_zero_8bits */
		while (end > start && !buf[end - 1])
			end--;
		i = next;
		if (end > start) {
			*nal = buf + start;
			*nlen = end - start;
			*off = next;
			return true;
		}
	}

	*off = len;
	return false;
}

/* how many NAL units from this one on fit together in one STAP-A */
static size_t stap_count(const uint8_t *au, size_t len, size_t off,
			 size_t nlen, size_t max_payload)
{
	size_t size = 1 + STAP_LEN_SIZE + nlen, n = 1, n2;
	const uint8_t *nal2;

	if (size > max_payload)
		return 1;
	while (tes_h264_next_nal(au, len, &off, &nal2, &n2) &&
	       size + STAP_LEN_SIZE + n2 <= max_payload) {
		size += STAP_LEN_SIZE + n2;
		n++;
	}

	return n;
}

static int send_stap_a(const uint8_t *au, size_t len, size_t *off,
		       const uint8_t *nal, size_t nlen, size_t count,
		       bool marker, tes_pkt_h *h, void *arg)
{
	uint8_t buf[TES_PAYLOAD_MAX];
	uint8_t f = 0, nri = 0;
	size_t pos = 1;

	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			(void)tes_h264_next_nal(au, len, off, &nal, &nlen);
		/* RFC 6184 5.7.1: F is the OR, NRI the maximum */
		f |= nal[0] & NAL_F;
		nri = TES_MAX(nri, nal[0] & NAL_NRI);
		tes_wr16(buf + pos, (uint16_t)nlen);
		memcpy(buf + pos + STAP_LEN_SIZE, nal, nlen);
		pos += STAP_LEN_SIZE + nlen;
	}
	buf[0] = (uint8_t)(f | nri | TES_H264_STAP_A);

	return h(buf, pos, marker, arg);
}

static int send_fu_a(const uint8_t *nal, size_t nlen, size_t max_payload,
		     bool marker, tes_pkt_h *h, void *arg)
{
	uint8_t buf[TES_PAYLOAD_MAX];
	size_t cap = max_payload - FU_HDR_LEN, body = nlen - 1, off = 1;
	size_t n = (body + cap - 1) / cap, part = body / n, extra = body % n;
	int err = 0;

	buf[0] = (uint8_t)((nal[0] & (NAL_F | NAL_NRI)) | TES_H264_FU_A);
	for (size_t i = 0; i < n; i++) {
		size_t plen = part + (i < extra ? 1 : 0);
		bool last = i == n - 1;

		buf[1] = (uint8_t)((nal[0] & NAL_TYPE) | (i == 0 ? FU_S : 0) |
				   (last ? FU_E : 0));
		memcpy(buf + FU_HDR_LEN, nal + off, plen);
		off += plen;
		err = h(buf, FU_HDR_LEN + plen, marker && last, arg);
		if (err)
			break;
	}

	return err;
}

int tes_h264_packetize_single(const uint8_t *au, size_t len,
			      size_t max_payload, tes_pkt_h *h, void *arg,
			      size_t *dropped)
{
	const uint8_t *nal;
	size_t off = 0, nlen, count = 0, last = SIZE_MAX, skipped = 0;
	int err = 0;

	if (dropped)
		*dropped = 0;
	if (!au || !h || max_payload < MIN_PAYLOAD)
		return -EINVAL;
	max_payload = TES_MIN(max_payload, (size_t)TES_PAYLOAD_MAX);

	/* the last NAL unit that is sent carries the marker */
	for (; tes_h264_next_nal(au, len, &off, &nal, &nlen); count++) {
		if (nlen <= max_payload)
			last = count;
	}
	if (!count)
		return -EINVAL;

	off = 0;
	for (size_t i = 0; i < count && !err; i++) {
		(void)tes_h264_next_nal(au, len, &off, &nal, &nlen);
		if (nlen > max_payload)
			skipped++;
		else
			err = h(nal, nlen, i == last, arg);
	}
	if (dropped)
		*dropped = skipped;

	return err;
}

int tes_h264_packetize(const uint8_t *au, size_t len, size_t max_payload,
		       bool mode0, tes_pkt_h *h, void *arg)
{
	const uint8_t *nal;
	size_t off = 0, nlen, count = 0;
	int err = 0;

	if (mode0) {
		err = tes_h264_packetize_single(au, len, max_payload, h, arg,
						&count);
		return !err && count ? -EMSGSIZE : err;
	}
	if (!au || !h || max_payload < MIN_PAYLOAD)
		return -EINVAL;
	max_payload = TES_MIN(max_payload, (size_t)TES_PAYLOAD_MAX);

	while (tes_h264_next_nal(au, len, &off, &nal, &nlen))
		count++;
	if (!count)
		return -EINVAL;

	off = 0;
	for (size_t i = 0; i < count;) {
		size_t grp;

		(void)tes_h264_next_nal(au, len, &off, &nal, &nlen);
		grp = stap_count(au, len, off, nlen, max_payload);
		if (grp > 1) {
			err = send_stap_a(au, len, &off, nal, nlen, grp,
					  i + grp == count, h, arg);
			i += grp;
		}
		else if (nlen <= max_payload) {
			err = h(nal, nlen, i + 1 == count, arg);
			i++;
		}
		else {
			err = send_fu_a(nal, nlen, max_payload, i + 1 == count,
					h, arg);
			i++;
		}
		if (err)
			goto out;
	}

out:
	return err;
}

/* ---- receiver capabilities (RFC 6184 8.1, H.264 Annex A) ---- */

enum {
	PROFILE_BASELINE = 66,
	PROFILE_MAIN = 77,
	PROFILE_EXTENDED = 88,
	CONSTRAINT_SET3 = 0x10,
	LEVEL_1B = 9,
	LEVEL_DEFAULT = 10,   /* profile-level-id 420010 */
	MB = 16,              /* macroblock width and height */
};

/* the value of key in an fmtp list, or NULL; *vn its length */
static const char *fmtp_value(const char *fmtp, const char *key, size_t *vn)
{
	size_t kn = strlen(key);
	const char *p = fmtp;

	while (*p) {
		const char *e;
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, ';');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n > kn && p[kn] == '=' && !strncasecmp(p, key, kn)) {
			const char *v = p + kn + 1;

			*vn = n - kn - 1;
			while (*vn && (v[*vn - 1] == ' ' || v[*vn - 1] == '\t'))
				(*vn)--;
			return v;
		}
		p += n;
		if (*p == ';')
			p++;
	}

	return NULL;
}

int tes_h264_fmtp_parse(const char *fmtp, uint8_t *pmode,
			uint8_t *level_idc)
{
	const char *v;
	uint8_t b[3];
	size_t vn;
	int err = 0;

	if (!pmode || !level_idc)
		return -EINVAL;
	*pmode = 0;
	*level_idc = LEVEL_DEFAULT;
	if (!fmtp)
		return 0;

	v = fmtp_value(fmtp, "packetization-mode", &vn);
	if (v && vn == 1 && v[0] >= '0' && v[0] <= '2')
		*pmode = (uint8_t)(v[0] - '0');
	else if (v)
		err = -EBADMSG;

	v = fmtp_value(fmtp, "profile-level-id", &vn);
	if (!v)
		return err;
	if (vn != 6)
		return -EBADMSG;
	for (int i = 0; i < 3; i++) {
		int hi = tes_hexval(v[2 * i]), lo = tes_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EBADMSG;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*level_idc = b[2];
	/* RFC 6184 8.1: level 1b of the profiles without level_idc 9 */
	if (b[2] == 11 && (b[1] & CONSTRAINT_SET3) &&
	    (b[0] == PROFILE_BASELINE || b[0] == PROFILE_MAIN ||
	     b[0] == PROFILE_EXTENDED))
		*level_idc = LEVEL_1B;

	return err;
}

/* H.264 Table A-1: maximum macroblocks per second and per frame */
static const struct {
	uint8_t idc;
	uint32_t max_mbps;
	uint32_t max_fs;
} levels[] = {
	{9, 1485, 99},          /* 1b */
	{10, 1485, 99},
	{11, 3000, 396},
	{12, 6000, 396},
	{13, 11880, 396},
	{20, 11880, 396},
	{21, 19800, 792},
	{22, 20250, 1620},
	{30, 40500, 1620},
	{31, 108000, 3600},
	{32, 216000, 5120},
	{40, 245760, 8192},
	{41, 245760, 8192},
	{42, 522240, 8704},
	{50, 589824, 22080},
	{51, 983040, 36864},
	{52, 2073600, 36864},
	{60, 4177920, 139264},
	{61, 8355840, 139264},
	{62, 16711680, 139264},
};

bool tes_h264_caps_fit(uint8_t level_idc, uint32_t max_fs, uint32_t max_mbps,
		       int width, int height, int fps)
{
	uint64_t w, h, fs, lfs, lmbps;
	size_t i;

	if (level_idc < levels[0].idc || width < 1 || height < 1 || fps < 1)
		return false;
	for (i = TES_ARRAY_SIZE(levels) - 1; levels[i].idc > level_idc; i--)
		;
	lfs = TES_MAX((uint64_t)levels[i].max_fs, max_fs);
	lmbps = TES_MAX((uint64_t)levels[i].max_mbps, max_mbps);
	w = ((uint64_t)width + MB - 1) / MB;
	h = ((uint64_t)height + MB - 1) / MB;
	fs = w * h;

	return fs <= lfs && fs * (uint64_t)fps <= lmbps && w * w <= 8u * lfs &&
	       h * h <= 8u * lfs;
}

bool tes_h264_level_fits(uint8_t level_idc, int width, int height, int fps)
{
	return tes_h264_caps_fit(level_idc, 0, 0, width, height, fps);
}

/* a decimal fmtp value below 2^32 */
static int fmtp_u32(const char *fmtp, const char *key, uint32_t *out)
{
	const char *v;
	uint64_t n = 0;
	size_t vn;

	v = fmtp_value(fmtp, key, &vn);
	if (!v)
		return 0;
	if (!vn || vn > 10)
		return -EBADMSG;
	for (size_t i = 0; i < vn; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (n > UINT32_MAX)
		return -EBADMSG;
	*out = (uint32_t)n;

	return 0;
}

int tes_h264_fmtp_limits(const char *fmtp, uint32_t *max_fs,
			 uint32_t *max_mbps)
{
	int e1, e2;

	if (!max_fs || !max_mbps)
		return -EINVAL;
	*max_fs = *max_mbps = 0;
	if (!fmtp)
		return 0;
	e1 = fmtp_u32(fmtp, "max-fs", max_fs);
	e2 = fmtp_u32(fmtp, "max-mbps", max_mbps);

	return e1 ? e1 : e2;
}
