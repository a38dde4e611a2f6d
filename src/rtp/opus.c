/**
 * @file opus.c  Opus RTP payload format (RFC 7587: one Opus packet per RTP
 * payload) and the RFC 6464 audio level header extension element.
 */
#include "base/base.h"
#include "rtp/payload.h"

enum {
	LEVEL_V = 0x80,
	LEVEL_MASK = 0x7f,
};

int tes_opus_packetize(const uint8_t *pkt, size_t len, size_t max_payload,
		       tes_pkt_h *h, void *arg)
{
	if (!pkt || !len || !h)
		return -EINVAL;
	if (len > max_payload)
		return -EMSGSIZE;

	return h(pkt, len, false, arg);
}

int tes_audio_level_parse(const uint8_t *ext, size_t len, bool *voice,
			  uint8_t *level)
{
	if (!ext || !voice || !level)
		return -EINVAL;
	if (len < 1)
		return -EBADMSG;

	*voice = (ext[0] & LEVEL_V) != 0;
	*level = ext[0] & LEVEL_MASK;

	return 0;
}

uint8_t tes_audio_level_make(bool voice, uint8_t level)
{
	return (uint8_t)((voice ? LEVEL_V : 0) | TES_MIN(level, LEVEL_MASK));
}
