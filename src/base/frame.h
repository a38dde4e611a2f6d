/**
 * @file frame.h  Refcounted media frames that cross threads by reference.
 *
 * A frame is written by one thread, then published (handed to another
 * thread or put in a latest-frame slot) and from then on only read: take
 * a reference with tes_ref(), drop it with tes_deref().
 */
#ifndef TES_FRAME_H
#define TES_FRAME_H

#include <stdint.h>

#include "base/base.h"

/** An I420 video frame (planar Y, U, V; chroma at half size). */
struct tes_frame {
	int width;          /**< Luma width in pixels (even) */
	int height;         /**< Luma height in pixels (even) */
	int stride_y;       /**< Bytes per Y row (multiple of 32) */
	int stride_uv;      /**< Bytes per U and V row (multiple of 32) */
	uint8_t *y;         /**< Y plane */
	uint8_t *u;         /**< U plane */
	uint8_t *v;         /**< V plane */
	uint64_t time_us;   /**< When it arrived / was made (tes_now_us) */
	uint32_t rtp_ts;    /**< RTP timestamp of its source, if any */
};

/**
 * Allocate an I420 frame (one block, 32-byte aligned planes, contents
 * undefined).
 *
 * @param fp      Receives the frame (tes_deref to free)
 * @param width   Width, even, 2..8192
 * @param height  Height, even, 2..8192
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_frame_alloc(struct tes_frame **fp, int width, int height);

/**
 * Fill a frame with one colour.
 *
 * @param f  Frame
 * @param y  Luma
 * @param u  Cb
 * @param v  Cr
 */
void tes_frame_fill(struct tes_frame *f, uint8_t y, uint8_t u, uint8_t v);

/** Audio: 48 kHz, 20 ms per block, interleaved signed 16-bit. */
enum {
	TES_AUDIO_RATE = 48000,
	TES_AUDIO_FRAME_MS = 20,
	TES_AUDIO_FRAME_SAMPLES = 960, /**< per channel per 20 ms */
};

/** A block of PCM audio. */
struct tes_pcm {
	int channels;        /**< 1 or 2 */
	int samples;         /**< Samples per channel */
	uint64_t time_us;    /**< When it arrived / was made */
	int16_t data[];      /**< samples * channels, interleaved */
};

/**
 * Allocate a PCM block (zeroed: silence).
 *
 * @param pp        Receives the block (tes_deref to free)
 * @param channels  1 or 2
 * @param samples   Samples per channel (1..5760)
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_pcm_alloc(struct tes_pcm **pp, int channels, int samples);

#endif /* TES_FRAME_H */
