/**
 * @file codec.h  One encoder/decoder interface for every codec Tessera
 * uses (like baresip's struct vidcodec / aucodec).  Frames in, access units
 * out: nothing here knows about RTP.
 *
 * Encoders and decoders are tes_alloc'd objects (tes_deref frees them).
 * One object is used by one thread at a time (a mixer worker); different
 * objects may run on different threads at once.
 */
#ifndef TES_CODEC_H
#define TES_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/frame.h"

struct tes_venc;
struct tes_vdec;
struct tes_aenc;
struct tes_adec;

/** Video encoder settings. */
struct tes_venc_params {
	int width;          /**< Output width (even) */
	int height;         /**< Output height (even) */
	int fps;            /**< Frame rate */
	int bitrate_kbps;   /**< Target bitrate */
	int cpu_used;       /**< VP8 speed (realtime: 4..16, default 6);
			         ignored by H.264 */
	int threads;        /**< Encoder threads (default 1) */
	int keyint;         /**< Max frames between keyframes (0: only on
			         demand, plus the first) */
	int max_nal;        /**< H.264: largest NAL unit in bytes, start
			         code not counted: pictures are cut into
			         slices that fit (0: one slice a picture;
			         else at least TES_H264_MAX_NAL_MIN); VP8
			         ignores it */
};

enum {
	TES_H264_MAX_NAL_MIN = 512, /**< smallest max_nal (openh264 needs
				         room for a macroblock and more) */
};

/** Audio encoder settings. */
struct tes_aenc_params {
	int channels;       /**< 1 or 2 */
	int bitrate;        /**< bit/s (Opus default 32000) */
	int complexity;     /**< Opus complexity 0..10 (default 5) */
	bool fec;           /**< Opus in-band FEC */
};

/** One encoded access unit. */
struct tes_au {
	const uint8_t *data;  /**< VP8 frame / H.264 Annex B AU / Opus pkt */
	size_t len;           /**< Its length */
	bool keyframe;        /**< Video: a keyframe (IDR for H.264) */
};

/**
 * Receives each access unit an encoder produces (valid during the call).
 *
 * @param au   Access unit
 * @param arg  Handler argument
 */
typedef void (tes_au_h)(const struct tes_au *au, void *arg);

/** A video codec. */
struct tes_vcodec {
	const char *name;  /**< SDP encoding name: "VP8", "H264" */

	/** Create an encoder: 0, -EINVAL, -ENOMEM or -EPROTO */
	int (*enc_alloc)(struct tes_venc **ep,
			 const struct tes_venc_params *prm);
	/** Encode one frame (scaled to the encoder size by the caller);
	 *  keyframe forces a keyframe.  Calls auh 0..n times. */
	int (*encode)(struct tes_venc *e, const struct tes_frame *f,
		      bool keyframe, tes_au_h *auh, void *arg);
	/** Change the target bitrate on the fly */
	int (*set_bitrate)(struct tes_venc *e, int kbps);

	/** Create a decoder */
	int (*dec_alloc)(struct tes_vdec **dp);
	/** Decode one complete access unit: 0 with *fp a new frame,
	 *  -EAGAIN when no picture came out, -EBADMSG when corrupt (the
	 *  caller then waits for a keyframe) */
	int (*decode)(struct tes_vdec *d, const uint8_t *au, size_t len,
		      struct tes_frame **fp);
};

/** An audio codec; PCM is 48 kHz, 20 ms blocks (struct tes_pcm). */
struct tes_acodec {
	const char *name;  /**< SDP encoding name: "opus" */
	int clock;         /**< RTP clock rate (48000 for Opus; 8000 for
			        PCMU, PCMA and G722, RFC 3551) */
	bool fec;          /**< In-band FEC: a decode with fec set rebuilds
			        the packet before pkt (Opus); without, it is
			        a concealment */
	int block_bytes;   /**< Constant-rate codecs: bytes of 20 ms, and
			        packets may be cut or joined at any byte
			        (G.711, G.722 at 64 kbit/s: 160); 0: a packet
			        is decoded whole (Opus) */
	/** Duration of one packet in RTP clock ticks: 0 < n, or -EBADMSG
	 *  when it cannot be told */
	int (*duration)(const uint8_t *pkt, size_t len);

	/** Create an encoder */
	int (*enc_alloc)(struct tes_aenc **ep,
			 const struct tes_aenc_params *prm);
	/** Encode one 20 ms block: returns bytes written to out, or
	 *  negative errno */
	int (*encode)(struct tes_aenc *e, const struct tes_pcm *pcm,
		      uint8_t *out, size_t cap);

	/** Create a decoder producing PCM with this many channels */
	int (*dec_alloc)(struct tes_adec **dp, int channels);
	/** Decode one packet into a 20 ms block (*pp).  pkt == NULL:
	 *  conceal a lost packet (PLC).  fec: decode the in-band FEC copy
	 *  of the previous packet carried in pkt. */
	int (*decode)(struct tes_adec *d, const uint8_t *pkt, size_t len,
		      bool fec, struct tes_pcm **pp);
};

/**
 * Find a video codec by SDP name (case-insensitive).
 *
 * @param name  "VP8" or "H264"
 * @return The codec, or NULL
 */
const struct tes_vcodec *tes_vcodec_find(const char *name);

/**
 * Find an audio codec by SDP name (case-insensitive).
 *
 * @param name  "opus"
 * @return The codec, or NULL
 */
const struct tes_acodec *tes_acodec_find(const char *name);

#endif /* TES_CODEC_H */
