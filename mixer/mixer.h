/**
 * @file mixer.h  Mixer core: worker pool, latest-frame slot, video
 * compositor, audio mix-minus and speaker selection.
 *
 * Threads (DESIGN.md, Threads): the loop thread owns the pool, submits
 * jobs and gets their done() callbacks; workers run work() on immutable
 * inputs (refcounted frames, PCM blocks, a cell list snapshot) and produce
 * new outputs. Decoders put frames into a tes_slot from any thread; the
 * compositor reads them with a reference of its own.
 */
#ifndef TES_MIXER_H
#define TES_MIXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/base.h"
#include "base/frame.h"

/* ---- worker pool (pool.c) ---- */

struct tes_pool;
struct tes_pool_job;

/**
 * Work callback: runs on a worker thread, never under a pool lock.
 *
 * @param arg  Argument given to tes_pool_submit()
 */
typedef void (tes_job_h)(void *arg);

/**
 * Completion callback: runs on the loop thread after work() returned, or
 * instead of it when the job was cancelled by tes_pool_close().
 *
 * @param err  0 when work() ran, -ECANCELED when it never ran
 * @param arg  Argument given to tes_pool_submit()
 */
typedef void (tes_job_done_h)(int err, void *arg);

/**
 * A serialisation key: jobs submitted on one chain run one after another,
 * in submit order, on any worker; their done() calls come in that order
 * too. Embed it in the owner (e.g. a room's encoder) and zero it before
 * use. It must stay valid until the done() of its last job has run. The
 * fields are private to the pool and guarded by its lock.
 */
struct tes_pool_chain {
	struct tes_pool_job *head;  /**< Jobs waiting behind the busy one */
	struct tes_pool_job *tail;  /**< Last waiting job */
	bool busy;                  /**< One job queued or running */
	bool urgent;                /**< Its jobs go to the front of the run
				         queue (short, hard deadline: the
				         20 ms audio mix must not wait behind
				         video encodes) */
};

/** Pool counters (tes_pool_get_stats). Times are microseconds. */
struct tes_pool_stats {
	unsigned nthreads;      /**< Worker threads */
	uint64_t submitted;     /**< Jobs submitted */
	uint64_t jobs_run;      /**< Jobs whose work() returned */
	uint64_t cancelled;     /**< Jobs cancelled by tes_pool_close() */
	size_t queued;          /**< Jobs waiting now (run queue + chains) */
	size_t queue_hwm;       /**< Highest number of jobs waiting at once */
	uint64_t busy_us;       /**< Sum of work() durations */
	uint64_t max_busy_us;   /**< Longest single work() */
	uint64_t wait_us;       /**< Sum of submit-to-start delays */
	uint64_t max_wait_us;   /**< Longest submit-to-start delay */
};

/**
 * Start a worker pool. Owned by the loop thread. While jobs are
 * outstanding the pool keeps the loop alive, like uv_queue_work().
 *
 * @param pp        Receives the pool (release with tes_pool_close)
 * @param loop      Loop on which done() callbacks run
 * @param nthreads  Number of workers, 0 = number of cores (max 64)
 * @return 0, -EINVAL, -ENOMEM or a libuv error
 */
int tes_pool_alloc(struct tes_pool **pp, uv_loop_t *loop, int nthreads);

/**
 * Queue a job. Loop thread only.
 *
 * @param p     Pool
 * @param work  Runs on a worker thread
 * @param done  Runs on the loop thread afterwards (may be NULL)
 * @param arg   Passed to both
 * @return 0, -EINVAL, -ENOMEM or -ESHUTDOWN after tes_pool_close()
 */
int tes_pool_submit(struct tes_pool *p, tes_job_h *work,
		    tes_job_done_h *done, void *arg);

/**
 * Queue a job on a chain: it starts only after the chain's previous job
 * finished. Loop thread only.
 *
 * @param p      Pool
 * @param chain  Serialisation key (zeroed before first use)
 * @param work   Runs on a worker thread
 * @param done   Runs on the loop thread afterwards (may be NULL)
 * @param arg    Passed to both
 * @return 0, -EINVAL, -ENOMEM or -ESHUTDOWN after tes_pool_close()
 */
int tes_pool_submit_serial(struct tes_pool *p, struct tes_pool_chain *chain,
			   tes_job_h *work, tes_job_done_h *done, void *arg);

/**
 * Read the pool counters. Any thread.
 *
 * @param p   Pool
 * @param st  Receives a consistent copy
 */
void tes_pool_get_stats(struct tes_pool *p, struct tes_pool_stats *st);

/**
 * Stop the pool. Loop thread only. Jobs already running finish; queued
 * ones are cancelled. The workers are joined (this waits for running
 * work() calls), then every outstanding done() runs before this returns:
 * finished jobs with 0, cancelled ones with -ECANCELED. The pool is freed
 * in the close callback of its async handle, so run the loop afterwards.
 *
 * @param p  Pool (may be NULL); do not use it afterwards
 */
void tes_pool_close(struct tes_pool *p);

/* ---- latest-frame slot (slot.c) ---- */

/**
 * Holds the newest tes_alloc object (a decoded frame) of one source.
 * Any thread may put or get; a mutex guards only the pointer swap and
 * the reference taken by get, never a destructor.
 */
struct tes_slot;

/**
 * Allocate an empty slot (refcounted: jobs may hold references).
 *
 * @param sp  Receives the slot (tes_deref drops the held object too)
 * @return 0 or -ENOMEM
 */
int tes_slot_alloc(struct tes_slot **sp);

/**
 * Publish an object: the slot takes its own reference and drops the one
 * it held before. The object must not be written afterwards.
 *
 * @param s    Slot
 * @param obj  tes_alloc object, or NULL to empty the slot
 */
void tes_slot_put(struct tes_slot *s, void *obj);

/**
 * Get the newest object.
 *
 * @param s  Slot
 * @return A new reference (tes_deref it), or NULL when empty
 */
void *tes_slot_get(struct tes_slot *s);

/**
 * Get the newest object with its put time and sequence number.
 *
 * @param s       Slot
 * @param put_us  Receives tes_now_us() of the last put (may be NULL)
 * @param seq     Receives the number of puts so far (may be NULL); equal
 *                numbers mean the same object
 * @return A new reference (tes_deref it), or NULL when empty
 */
void *tes_slot_get_ex(struct tes_slot *s, uint64_t *put_us, uint64_t *seq);

/**
 * Time of the last put.
 *
 * @param s  Slot
 * @return tes_now_us() at the last put, 0 if never
 */
uint64_t tes_slot_put_time(struct tes_slot *s);

/* ---- compositor (compose.c) ---- */

/** Compositor limits and the fixed border colour (BT.601 yellow). */
enum {
	TES_COMPOSE_MAX_CELLS = 64, /**< Cells per canvas */
	TES_COMPOSE_BORDER = 2,     /**< Border width in pixels */
	TES_COMPOSE_BORDER_Y = 210,
	TES_COMPOSE_BORDER_U = 16,
	TES_COMPOSE_BORDER_V = 146,
};

/** A rectangle in pixels. */
struct tes_rect {
	int x;  /**< Left */
	int y;  /**< Top */
	int w;  /**< Width */
	int h;  /**< Height */
};

/**
 * One tile of the canvas. Each cell is an opaque box: letterbox bars are
 * painted with the background colour, so lower cells do not show through.
 */
struct tes_compose_cell {
	int x;          /**< Left in canvas pixels (rounded down to even) */
	int y;          /**< Top in canvas pixels (rounded down to even) */
	int w;          /**< Width (right edge rounded down to even) */
	int h;          /**< Height (bottom edge rounded down to even) */
	int z;          /**< Drawing order: higher is on top; ties by index */
	bool letterbox; /**< Fit inside with bars, else centre-crop to fill */
	bool border;    /**< Draw a TES_COMPOSE_BORDER line inside the cell */
	const struct tes_frame *src; /**< Source frame, NULL: placeholder */
	uint8_t ph_y;   /**< Placeholder luma */
	uint8_t ph_u;   /**< Placeholder Cb */
	uint8_t ph_v;   /**< Placeholder Cr */
	const char *label; /**< Placeholder text (UTF-8; NULL: none), drawn
			    *   with tes_text_draw(); it must stay valid
			    *   until tes_compose() returns, so a job owns
			    *   its copy */
};

/** Per-caller compositor counters; one per worker or per room. */
struct tes_compose_scratch {
	uint64_t calls;      /**< tes_compose() calls */
	uint64_t cells;      /**< Cells drawn */
	uint64_t scaled;     /**< Cells scaled from a source */
	uint64_t bg_pixels;  /**< Luma pixels filled with background */
	uint64_t last_us;    /**< Duration of the last call */
	uint64_t total_us;   /**< Sum of call durations */
};

/**
 * Compose cells into a canvas: background where no cell is, then each
 * cell in z order, scaled with libyuv straight into the canvas planes.
 * Cells are clipped to the canvas; empty ones are skipped.
 *
 * @param canvas   Destination I420 frame (written by this thread only)
 * @param bg       Background Y, U, V
 * @param cells    Cells
 * @param n        Number of cells (<= TES_COMPOSE_MAX_CELLS)
 * @param scratch  Counters to update (may be NULL)
 * @return 0, -EINVAL or -E2BIG
 */
int tes_compose(struct tes_frame *canvas, const uint8_t bg[3],
		const struct tes_compose_cell *cells, size_t n,
		struct tes_compose_scratch *scratch);

/**
 * Convert a fractional rectangle (0..1 of the canvas) to even-aligned
 * pixels. Edges are rounded, not sizes, so cells whose fractional edges
 * meet also meet in pixels: no gaps, no overlaps.
 *
 * @param fx  Left fraction
 * @param fy  Top fraction
 * @param fw  Width fraction
 * @param fh  Height fraction
 * @param cw  Canvas width (even)
 * @param ch  Canvas height (even)
 * @param x   Receives left
 * @param y   Receives top
 * @param w   Receives width (may be 0)
 * @param h   Receives height (may be 0)
 */
void tes_compose_rect(float fx, float fy, float fw, float fh, int cw, int ch,
		      int *x, int *y, int *w, int *h);

/**
 * Geometry of one source in one cell (what tes_compose draws).
 *
 * @param cw         Cell width (even)
 * @param ch         Cell height (even)
 * @param sw         Source width (even)
 * @param sh         Source height (even)
 * @param letterbox  Fit with bars, else centre-crop
 * @param src        Receives the part of the source used (even-aligned)
 * @param dst        Receives where it lands, relative to the cell
 * @return 0 or -EINVAL
 */
int tes_compose_place(int cw, int ch, int sw, int sh, bool letterbox,
		      struct tes_rect *src, struct tes_rect *dst);

/* ---- text (text.c) ---- */

/** The built-in bitmap font: printable ASCII in 5x9 cells. */
enum {
	TES_TEXT_GLYPH_W = 5,  /**< Glyph width in font pixels */
	TES_TEXT_GLYPH_H = 9,  /**< Glyph height, descenders included */
	TES_TEXT_CAP_H = 7,    /**< Rows above the baseline (capitals) */
	TES_TEXT_ADVANCE = 6,  /**< Horizontal step: glyph and a gap */
	TES_TEXT_LUMA = 235,   /**< Label luma (BT.601 white) */
	TES_TEXT_MAX_GLYPHS = 256, /**< Longest label drawn in full */
};

/**
 * Scale factor of a label in a box: glyphs about 1/8 of the box height,
 * smaller when that would leave room for fewer than 12 characters.
 *
 * @param w  Box width in pixels
 * @param h  Box height in pixels
 * @return Integer scale, at least 1
 */
int tes_text_scale(int w, int h);

/**
 * Draw a one-line label centred in a rectangle of an I420 frame, in luma
 * only (chroma keeps what is under it), scaled by tes_text_scale() and
 * kept a margin away from the rectangle's edges. Characters outside
 * printable ASCII (and invalid UTF-8 bytes) draw as '?'; leading and
 * trailing spaces are dropped; a label too wide for the rectangle is cut
 * and ends in "..." (just cut when at most three characters fit). A
 * rectangle too small for one glyph gets nothing.
 * Nothing is written outside the rectangle (clipped to the frame).
 *
 * @param f     Frame to draw into
 * @param r     Rectangle in frame pixels
 * @param text  UTF-8 text (NUL-terminated)
 * @param luma  Luma of the glyph pixels
 * @return Number of characters drawn (dots of "..." included), or
 *         -EINVAL
 */
int tes_text_draw(struct tes_frame *f, const struct tes_rect *r,
		  const char *text, uint8_t luma);

/* ---- audio (audio.c) ---- */

/** Audio mixing defaults. Levels are RFC 6464: -dBov, 0 loud .. 127. */
enum {
	TES_AMIX_MAX_K = 8,          /**< Most speakers mixed at once */
	TES_AMIX_DEFAULT_K = 3,      /**< Speakers mixed by default */
	TES_LEVEL_SILENT = 127,      /**< RFC 6464 digital silence */
	TES_TOPK_MARGIN_DB = 3,      /**< Mix: challenger must be louder by */
	TES_TOPK_HOLD_MS = 100,      /**< Mix: ... for this long */
	TES_TOPK_RELEASE_MS = 1000,  /**< Mix: silent speaker leaves after */
	TES_SPEAKER_MARGIN_DB = 6,   /**< Active speaker: louder by */
	TES_SPEAKER_HOLD_MS = 600,   /**< Active speaker: ... for this long */
	TES_LEVEL_GATE = 60,         /**< Quieter than -60 dBov is silence */
};

/**
 * RFC 6464 level of a PCM block: -20 log10(rms / 32768), 0..127 (a
 * full-scale sine is 3; digital silence is 127). All channels count.
 *
 * @param p  PCM block
 * @return Level in -dBov
 */
int tes_pcm_level_dbov(const struct tes_pcm *p);

/** One input level for a selection update. */
struct tes_level {
	uint32_t id;   /**< Caller's source id (participant) */
	int dbov;      /**< RFC 6464 level, 0 (loud) .. 127 (silent) */
};

/** Selection tuning; zero fields take the defaults named. */
struct tes_topk_cfg {
	unsigned k;          /**< Slots (TES_AMIX_DEFAULT_K, max MAX_K) */
	int margin_db;       /**< Louder-by to take a slot (TOPK_MARGIN_DB) */
	uint32_t hold_ms;    /**< ... sustained this long (TOPK_HOLD_MS) */
	int32_t release_ms;  /**< Silent holder leaves after this
			      *   (TOPK_RELEASE_MS); negative: never */
	int gate_dbov;       /**< Quieter is silence (TES_LEVEL_GATE) */
};

/**
 * The K loudest sources with hysteresis: levels are smoothed (fast
 * attack, slow decay); a free slot goes to the loudest source above the
 * gate at once; a full set changes only when an outsider is louder than
 * the quietest holder by the margin for the hold time; a holder silent
 * for the release time frees its slot. Single thread.
 */
struct tes_topk;

/**
 * Allocate a selector.
 *
 * @param tp   Receives it (tes_deref)
 * @param cfg  Tuning, NULL for defaults
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_topk_alloc(struct tes_topk **tp, const struct tes_topk_cfg *cfg);

/**
 * Feed one 20 ms round of levels. Sources missing from the list are
 * forgotten (and lose their slot).
 *
 * @param t       Selector
 * @param lv      Levels of all current sources
 * @param n       Number of levels
 * @param now_ms  Current time (tes_now_ms or the room clock)
 * @return Number of selected sources
 */
size_t tes_topk_update(struct tes_topk *t, const struct tes_level *lv,
		       size_t n, uint64_t now_ms);

/**
 * Whether a source holds a slot.
 *
 * @param t   Selector
 * @param id  Source id
 * @return true if selected
 */
bool tes_topk_is_selected(const struct tes_topk *t, uint32_t id);

/**
 * List the selected sources, loudest first.
 *
 * @param t    Selector
 * @param ids  Receives up to max ids
 * @param max  Capacity of ids
 * @return Number written
 */
size_t tes_topk_selected(const struct tes_topk *t, uint32_t *ids, size_t max);

/**
 * Active-speaker detector: a one-slot tes_topk whose holder never times
 * out, so silence keeps the last speaker. Another source takes over when
 * louder by TES_SPEAKER_MARGIN_DB for TES_SPEAKER_HOLD_MS.
 */
struct tes_speaker_det;

/**
 * Allocate a detector.
 *
 * @param dp   Receives it (tes_deref)
 * @param cfg  Tuning (k and release_ms are ignored), NULL for defaults
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_speaker_det_alloc(struct tes_speaker_det **dp,
			  const struct tes_topk_cfg *cfg);

/**
 * Feed one 20 ms round of levels.
 *
 * @param d       Detector
 * @param lv      Levels of all current sources
 * @param n       Number of levels
 * @param now_ms  Current time
 * @return true when the active speaker changed
 */
bool tes_speaker_det_update(struct tes_speaker_det *d,
			    const struct tes_level *lv, size_t n,
			    uint64_t now_ms);

/**
 * Current active speaker.
 *
 * @param d   Detector
 * @param id  Receives its id
 * @return true if there is one (none before anyone spoke)
 */
bool tes_speaker_det_active(const struct tes_speaker_det *d, uint32_t *id);

/**
 * Soft limiter state, one per output stream. The gain follows the block
 * peak with 1 ms look-ahead inside the block so that |out| stays under
 * 0.9 full scale; it recovers with a 50 ms time constant. Whatever is
 * still above 0.9 FS (a peak in the first millisecond of a block) goes
 * through a tanh knee toward full scale: the output never wraps and keeps
 * the sign of the input. With gain 1 and |x| <= 0.9 FS (so any signal
 * under -6 dBFS) the output equals the input exactly.
 */
struct tes_limiter {
	float gain;  /**< Current gain, 1 when idle; zero means 1 */
};

/**
 * Limit a block of int32 sums into int16.
 *
 * @param l         Limiter state
 * @param in        Interleaved sums
 * @param out       Interleaved output
 * @param frames    Samples per channel
 * @param channels  1 or 2 (gain is linked across channels)
 */
void tes_limiter_run(struct tes_limiter *l, const int32_t *in, int16_t *out,
		     size_t frames, int channels);

/** One source offered to the audio mixer. */
struct tes_amix_input {
	uint32_t id;                /**< Source id (participant) */
	const struct tes_pcm *pcm;  /**< Decoded 20 ms block, or NULL when
				     *   not decoded (never mixed) */
	int level;                  /**< -dBov (RFC 6464) or < 0: compute */
};

/**
 * Mixes of one block: one for everyone, and one per mixed speaker that
 * leaves that speaker out. Holds a reference on each PCM block.
 */
struct tes_amix_result {
	struct tes_pcm *everyone;     /**< For all but the mixed speakers */
	size_t nminus;                /**< Number of mix-minus outputs */
	struct {
		uint32_t id;          /**< Speaker left out */
		struct tes_pcm *pcm;  /**< Everyone but that speaker */
	} minus[TES_AMIX_MAX_K];
};

/**
 * Audio mixer: picks the K loudest inputs (tes_topk), sums them once in
 * int32 and derives each speaker's mix-minus as sum - own, so there are
 * at most K + 1 distinct mixes. Blocks are TES_AUDIO_FRAME_SAMPLES per
 * channel; mono inputs are duplicated into a stereo mix and stereo
 * inputs averaged into a mono one. Single thread at a time (run a room's
 * mixes on one tes_pool_chain).
 */
struct tes_amix;

/**
 * Allocate an audio mixer.
 *
 * @param mp        Receives it (tes_deref)
 * @param channels  1 or 2, channels of the mixes
 * @param cfg       Speaker selection (k = speakers mixed), NULL: default
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_amix_alloc(struct tes_amix **mp, int channels,
		   const struct tes_topk_cfg *cfg);

/**
 * Mix one 20 ms block.
 *
 * @param m       Mixer
 * @param in      All current sources (selection forgets missing ones)
 * @param n       Number of inputs
 * @param now_ms  Current time (room clock)
 * @param res     Receives the mixes (tes_amix_result_clear afterwards)
 * @return 0, -EINVAL or -ENOMEM
 */
int tes_amix_mix(struct tes_amix *m, const struct tes_amix_input *in,
		 size_t n, uint64_t now_ms, struct tes_amix_result *res);

/**
 * The mix a source should hear.
 *
 * @param res  Result of tes_amix_mix
 * @param id   Listener's source id
 * @return Borrowed PCM: its mix-minus if it was mixed, else everyone's
 */
struct tes_pcm *tes_amix_result_for(const struct tes_amix_result *res,
				    uint32_t id);

/**
 * Drop the references of a result and zero it.
 *
 * @param res  Result (may be zeroed already)
 */
void tes_amix_result_clear(struct tes_amix_result *res);

/* ---- snapshots (png.c) ---- */

/**
 * Encode a frame as an 8-bit RGB PNG (BT.601 limited-range conversion,
 * fastest zlib level). Any thread; the frame is only read.
 *
 * @param f    I420 frame
 * @param png  Receives the PNG file bytes (malloc'd: free() them)
 * @param len  Receives their length
 * @return 0, -EINVAL, -ENOMEM or -EPROTO (libpng error)
 */
int tes_frame_to_png(const struct tes_frame *f, uint8_t **png, size_t *len);

/* ---- output profile choice (profile.c) ---- */

/**
 * A receiver's profile choice among candidates sorted by bitrate, best
 * first.  Owned by the loop thread.
 */
struct tes_prof_sel {
	int cur;                /**< Index of the current candidate */
	uint64_t down_since_ms; /**< Since when going down is warranted */
	uint64_t up_since_ms;   /**< Since when going up is warranted */
};

/**
 * Start at a candidate.
 *
 * @param s      Choice
 * @param start  Index to start at (0: the best)
 */
void tes_prof_sel_init(struct tes_prof_sel *s, int start);

/**
 * Feed the receiver's latest feedback and get the candidate to use: one
 * step down after 2 s below the current bitrate (REMB) or above 10% loss,
 * one step up after 8 s with 1.3x the better candidate's bitrate and under
 * 2% loss.
 *
 * @param s        Choice
 * @param kbps     Candidates' bitrates, best (highest) first
 * @param n        Number of candidates
 * @param est_bps  Receiver's bandwidth estimate (REMB), 0 unknown
 * @param lost     Fraction lost from its receiver report (x/256)
 * @param now_ms   Current time
 * @return Candidate index, -1 without candidates
 */
int tes_prof_sel_update(struct tes_prof_sel *s, const uint32_t *kbps,
			size_t n, uint64_t est_bps, uint8_t lost,
			uint64_t now_ms);

#endif /* TES_MIXER_H */
