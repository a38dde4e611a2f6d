/**
 * @file aac.h  Opus packets of the room mix to AAC for FLV/RTMP (and HLS):
 * Opus decoded with our codec, AAC-LC encoded with libavcodec's native
 * encoder.  Owned by one writer thread.
 */
#ifndef TES_AAC_H
#define TES_AAC_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>

struct tes__aac;

/** Called with each AAC packet (pts in 1/48000 s). */
typedef int (tes__aac_h)(AVPacket *pkt, void *arg);

/**
 * @param ap        Receives the transcoder
 * @param channels  1 or 2
 * @return 0, -ENOSYS without an AAC encoder, -ENOMEM, or an AVERROR
 */
int tes__aac_alloc(struct tes__aac **ap, int channels);

/**
 * The encoder's parameters (with its AudioSpecificConfig) for a stream.
 *
 * @param a    Transcoder
 * @param par  Filled in
 * @return 0 or an AVERROR
 */
int tes__aac_params(struct tes__aac *a, AVCodecParameters *par);

/**
 * Feed one Opus packet; h is called for each AAC frame that completes.
 *
 * @param a       Transcoder
 * @param pkt     Opus packet
 * @param len     Its length
 * @param pts_us  Media time of its first sample (gaps are kept)
 * @param h       Packet handler
 * @param arg     Its argument
 * @return 0, or the first error of decoding, encoding or h
 */
int tes__aac_feed(struct tes__aac *a, const uint8_t *pkt, size_t len,
		  uint64_t pts_us, tes__aac_h *h, void *arg);

/**
 * End of the stream: encode the samples still waiting (a last short
 * frame) and drain what the encoder holds back (its lookahead, about two
 * frames), so the AAC reaches the end of the Opus fed.  Call once, before
 * the trailer; nothing may be fed afterwards.
 *
 * @param a    Transcoder
 * @param h    Packet handler
 * @param arg  Its argument
 * @return 0, or the first error of encoding or h
 */
int tes__aac_flush(struct tes__aac *a, tes__aac_h *h, void *arg);

#endif /* TES_AAC_H */
