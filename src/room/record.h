/**
 * @file record.h  One composite recording: the encoded frames of one
 * output profile and the room's full audio mix, muxed by libavformat
 * (WebM, Matroska, MP4) on a writer thread of its own, so a slow disk
 * never holds up the loop or the mixer.
 *
 * The loop thread feeds packets; the writer owns the file.  Nothing is
 * written before the first video keyframe (H.264 needs its SPS/PPS for
 * the header); audio is held until then (its mix finishes before the
 * keyframe's encode) and joins from the keyframe's time on, so both
 * tracks start together.
 * Matroska clusters and MP4 fragments are cut at least every second and
 * every packet is flushed to the kernel, so the file written so far
 * stays readable after a kill -9.
 * The video's size is the first keyframe's; WebM and Matroska follow a
 * later change of size (on a keyframe), the other formats cannot (see
 * tes__rec_fmt_resizable) and fail with the reason instead.
 */
#ifndef TES_RECORD_H
#define TES_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Container. */
enum tes__rec_fmt {
	TES__REC_WEBM,  /**< VP8 + Opus */
	TES__REC_MKV,   /**< VP8 or H.264 + Opus */
	TES__REC_MP4,   /**< H.264 + Opus, fragmented */
	TES__REC_FLV,   /**< H.264 + AAC, live to an rtmp:// URL */
	TES__REC_HLS,   /**< H.264 + AAC, 2 s MPEG-TS segments and a sliding
			     playlist (path: the playlist, in a folder of
			     its own) */
};

/** What to record. */
struct tes__rec_params {
	const char *path;        /**< File to create (must not exist), or
				      the rtmp:// URL of TES__REC_FLV */
	enum tes__rec_fmt fmt;   /**< Container */
	bool h264;               /**< Video is H.264 (Annex B), else VP8 */
	int fps;                 /**< Nominal frame rate (frame durations) */
	int channels;            /**< Opus channels (1 or 2) */
};

/** State and counters (any thread may ask; the loop thread does). */
struct tes__rec_info {
	bool running;            /**< Writer still taking packets */
	bool header;             /**< First keyframe seen, file started */
	int err;                 /**< 0, or the negative errno that stopped
				      it */
	char error[160];         /**< Its description, "" if none */
	uint64_t bytes;          /**< Bytes written so far */
	uint64_t duration_ms;    /**< Media time written so far */
	uint64_t video_frames;   /**< Video frames written */
	uint64_t audio_frames;   /**< Audio packets written */
	uint64_t dropped;        /**< Packets dropped (writer behind, or
				      before the first keyframe) */
	bool down;               /**< Stream: connection lost, retrying
				      (error says why) */
	uint32_t reconnects;     /**< Stream: connections made again */
};

struct tes__rec;

/**
 * Create the file and start the writer thread.
 *
 * @param rp   Receives the recording
 * @param prm  What to record
 * @return 0, -EEXIST (file exists), -EINVAL (format and codec do not
 *         fit), or another negative errno from creating the file
 */
int tes__rec_alloc(struct tes__rec **rp, const struct tes__rec_params *prm);

/**
 * Queue one encoded video frame (the data is copied).
 *
 * @param r       Recording
 * @param au      Access unit (VP8 frame or H.264 Annex B)
 * @param len     Its length
 * @param key     Keyframe
 * @param width   Its size (a change comes on a keyframe)
 * @param height
 * @param pts_us  Room clock time of the frame, microseconds
 */
void tes__rec_video(struct tes__rec *r, const uint8_t *au, size_t len,
		    bool key, int width, int height, uint64_t pts_us);

/**
 * Queue one Opus packet of the full mix (the data is copied).
 *
 * @param r       Recording
 * @param pkt     Opus packet (20 ms)
 * @param len     Its length
 * @param pts_us  Room clock time of its first sample, microseconds
 */
void tes__rec_audio(struct tes__rec *r, const uint8_t *pkt, size_t len,
		    uint64_t pts_us);

/**
 * Finish: the writer writes what is queued and the trailer, closes the
 * file and exits; this waits for it (milliseconds).  Safe to call twice.
 *
 * @param r  Recording
 * @return 0, or the error that stopped the recording
 */
int tes__rec_stop(struct tes__rec *r);

/**
 * Whether the writer needs a keyframe (a stream that reconnects starts
 * with one); reading clears the request.  Loop thread.
 *
 * @param r  Recording
 * @return true once per request
 */
bool tes__rec_take_key(struct tes__rec *r);

/**
 * Whether a file of this format can go on across a change of the video's
 * size (record.c says why or why not, format by format).
 *
 * @param fmt  Container
 * @return true for WebM and Matroska
 */
bool tes__rec_fmt_resizable(enum tes__rec_fmt fmt);

/**
 * Current state and counters.
 *
 * @param r   Recording
 * @param ri  Receives them
 */
void tes__rec_get_info(struct tes__rec *r, struct tes__rec_info *ri);

#endif /* TES_RECORD_H */
