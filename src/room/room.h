/**
 * @file room.h  Rooms and participants: join (SDP offer in, answer out),
 * leave, timeouts, and what the admin API shows.  Owned by the loop thread.
 *
 * A participant is one WebRTC peer: an ICE-lite agent on the shared port,
 * a DTLS-SRTP session and its media streams.  What a room does with the
 * media is its mode; this build has `echo` (each participant gets its own
 * audio and video back, SSRC rewritten, RTCP feedback passed end to end).
 */
#ifndef TES_ROOM_H
#define TES_ROOM_H

#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "base/conf.h"
#include "net/ice.h"

struct tes_rooms;
struct tes_frame;
struct tes_dtls_cert;

enum {
	TES_PART_ID_LEN = 16,   /**< participant id length */
	TES_ROOM_NAME_MAX = 64, /**< longest room name */
	TES_REC_ID_LEN = 8,     /**< recording ids */
	TES_PART_NAME_MAX = 64, /**< longest display name, in bytes */
	TES_PROFILE_W_MIN = 160,  /**< a profile's size set live: width */
	TES_PROFILE_W_MAX = 1920,
	TES_PROFILE_H_MIN = 90,   /**< ... and height */
	TES_PROFILE_H_MAX = 1088,
};

/** What tes_rooms_alloc() needs from the process. */
struct tes_rooms_deps {
	uv_loop_t *loop;              /**< Loop thread's loop */
	const struct tes_conf *conf;  /**< Configuration (outlives rooms) */
	struct tes_ice_server *ice;   /**< Shared media port */
	struct tes_dtls_cert *cert;   /**< Process certificate */
};

/** Result of a join. */
struct tes_join_result {
	int status;                   /**< HTTP status: 201, 400, 403, 503 */
	char id[TES_PART_ID_LEN + 1]; /**< Participant id when 201 */
	char *answer;                 /**< SDP answer when 201 (tes_deref) */
	char error[256];              /**< Reason when not 201 */
};

/** Counters of one participant. */
struct tes_part_counters {
	uint64_t rtp_in;            /**< RTP packets received (decrypted) */
	uint64_t rtp_out;           /**< RTP packets sent */
	uint64_t rtcp_in;           /**< RTCP compounds received */
	uint64_t rtcp_out;          /**< RTCP compounds sent */
	uint64_t bytes_in;          /**< RTP bytes received (after SRTP) */
	uint64_t bytes_out;         /**< RTP bytes sent (before SRTP) */
	uint64_t drop_malformed;    /**< RTP/RTCP that did not parse */
	uint64_t drop_unknown_pt;   /**< RTP with a payload type not agreed */
	uint64_t drop_not_ready;    /**< Media before SRTP was up */
	uint64_t srtp_auth_fail;    /**< SRTP/SRTCP authentication failures */
	uint64_t srtp_replay;       /**< SRTP/SRTCP replays dropped */
	uint64_t nack_in;           /**< Generic NACKs received */
	uint64_t pli_in;            /**< PLIs received */
	uint64_t fir_in;            /**< FIRs received */
	uint64_t send_errors;       /**< Packets that could not be sent */
	uint64_t nack_out;          /**< Mix: NACKs we sent for its video */
	uint64_t pli_out;           /**< Mix: keyframe requests we sent */
	uint64_t decode_errors;     /**< Mix: video frames that failed */
	uint64_t frames_dropped;    /**< Mix: frames dropped (decoder late) */
	uint64_t audio_dropped;     /**< Mix: audio dropped (queue full) */
	uint64_t audio_bad_duration; /**< Mix: audio packets dropped: not
				      20 ms long (Opus), longer than the
				      jitter queue, or of no duration */
	uint64_t profile_switches;  /**< Mix: moves between profiles */
	uint64_t resent;            /**< Mix: video packets resent on NACK */
};

/** A field of struct tes_part_counters, for exporters (/metrics). */
struct tes_part_counter_field {
	const char *name;        /**< Its name, as GET /rooms/{room} shows */
	const char *help;        /**< What it counts, one line */
	size_t off;              /**< Offset in struct tes_part_counters */
};

/** Every field of struct tes_part_counters, in order. */
extern const struct tes_part_counter_field tes_part_counter_fields[];
/** Number of entries of tes_part_counter_fields. */
extern const size_t tes_part_counter_nfields;

/**
 * Process-wide figures: gauges of now, and counters since the start that
 * keep what participants that left and mixers that closed had counted.
 */
struct tes_rooms_totals {
	size_t rooms_mix;        /**< Rooms mixing now */
	size_t rooms_sfu;        /**< Rooms forwarding now */
	size_t rooms_echo;       /**< Echo rooms now */
	size_t parts_mix;        /**< Participants of mixing rooms now */
	size_t parts_sfu;        /**< ... of forwarding rooms */
	size_t parts_echo;       /**< ... of echo rooms */
	uint64_t joins;          /**< Participants that joined */
	struct tes_part_counters cnt; /**< All participants' counters */
	uint64_t video_frames;   /**< Mix: video frames encoded */
	uint64_t video_missed;   /**< Mix: video ticks skipped (late job) */
	uint64_t audio_ticks;    /**< Mix: audio blocks mixed */
	uint64_t audio_missed;   /**< Mix: audio ticks skipped (late job) */
	struct tes_ice_stats ice; /**< The media port's counters */
};

/** One participant as shown by the admin API. */
struct tes_part_info {
	const char *id;          /**< Participant id */
	const char *name;        /**< Display name (its id unless given) */
	const char *owner;       /**< Who joined it (its token's sub), or
				      "" */
	const char *state;       /**< new, connecting, connected, failed */
	const char *remote;      /**< Selected remote address, "" if none */
	const char *audio_codec; /**< "opus/48000/2", or "" */
	const char *video_codec; /**< "VP8/90000", or "" */
	const char *srtp;        /**< SRTP profile name, or "" */
	const char *profile;     /**< Mix: output profile it receives, or "" */
	const char *profile_reason; /**< Mix: why it receives no video
				      although it negotiated some, or "" */
	const char *layer;       /**< Mix: the rid of its simulcast layer the
				      mixer decodes, or "" */
	uint64_t age_ms;         /**< Time since join */
	int64_t video_age_ms;    /**< Mix: time since its last decoded video
				      frame, -1 when none yet */
	bool sfu;                /**< Sfu: it receives forwarded tracks */
	bool muted;              /**< Mix: its audio is left out of the mix
				      (a SIP caller's DTMF *6) */
	size_t sfu_tracks;       /**< Sfu: tracks it receives (live) */
	bool sfu_offer_pending;  /**< Sfu: our offer waits for its answer */
	const struct tes_part_counters *counters; /**< Counters */
	json_t *sip;             /**< SIP participants: signalling address,
				      User-Agent, hold, and per m-line our
				      port, where it sends, SRTP and the
				      transport's counters (borrowed);
				      NULL for WebRTC */
};

/** One cell of a mixed room's current layout. */
struct tes_room_cell {
	char id[TES_PART_ID_LEN + 1]; /**< Participant shown, "" if empty */
	float x;                 /**< Left, fraction of the canvas */
	float y;                 /**< Top */
	float w;                 /**< Width */
	float h;                 /**< Height */
	int z;                   /**< Stacking order */
};

/** One output profile of a mixed room, as the admin API shows it. */
struct tes_room_profile {
	const char *name;        /**< Profile name */
	const char *codec;       /**< "VP8" or "H264" */
	int width;               /**< Canvas size now (the config's unless
				      changed for this room) */
	int height;
	int fps;                 /**< Frame rate */
	int packetization_mode;  /**< H264: 1, or 0 (single NAL units) */
	uint64_t nal_dropped;    /**< H264 packetization_mode 0: NAL units
				      too big for one packet, left out */
};

/** One room as shown by the admin API. */
struct tes_room_info {
	const char *name;        /**< Room name */
	const char *mode;        /**< Room mode ("echo", "mix", "sfu") */
	const char *mode_reason; /**< Why it is in that mode */
	uint64_t mode_since_ms;  /**< Time in that mode */
	uint32_t mode_switches;  /**< Switches between mix and sfu */
	size_t participants;     /**< Number of participants */
	uint64_t age_ms;         /**< Time since the room was created */
	const char *layout;      /**< Mix: layout preset, else NULL */
	const char *speaker;     /**< Mix: active speaker's id, or "" */
	const struct tes_room_cell *cells; /**< Mix: current cells */
	size_t ncells;           /**< Number of cells */
	uint64_t audio_ticks;    /**< Mix: audio blocks mixed */
	uint64_t audio_missed;   /**< Mix: audio ticks skipped (late job) */
	uint64_t audio_decoded;  /**< Mix: audio packets decoded */
	uint64_t audio_skipped;  /**< Mix: packets not decoded: not among
				      the K loudest by their RFC 6464 level */
	uint64_t audio_concealed; /**< Mix: lost audio frames concealed (PLC) */
	uint64_t audio_fec;      /**< Mix: lost audio frames rebuilt from the
				      next packet's in-band FEC */
	uint64_t audio_encodes;  /**< Mix: audio encodes, one a tick per
				      distinct (mix, codec) its receivers
				      (and recordings) take */
	uint64_t video_frames;   /**< Mix: frames encoded, all profiles */
	uint64_t video_missed;   /**< Mix: video ticks skipped (late job) */
	uint32_t latency_p50_us; /**< Mix: added latency, input frame arrival
				      to the first packet showing it */
	uint32_t latency_p99_us; /**< Mix: its 99th percentile */
	size_t latency_samples;  /**< Mix: samples (the last 1024 frames) */
	const struct tes_room_profile *profiles; /**< Mix: output profiles */
	size_t nprofiles;        /**< Number of profiles */
};

typedef void (tes_room_info_h)(const struct tes_room_info *ri, void *arg);

/**
 * An event for a participant's event channel.
 *
 * @param room  Room name
 * @param part  Participant id, or NULL: every participant of the room
 * @param ev    JSON object with at least "type" (borrowed reference)
 * @param arg   Handler argument
 */
typedef void (tes_room_event_h)(const char *room, const char *part,
				json_t *ev, void *arg);
typedef void (tes_part_info_h)(const struct tes_part_info *pi, void *arg);

/**
 * Create the room registry and start its housekeeping timer.
 *
 * @param rp    Receives the registry
 * @param deps  Loop, config, media port and certificate
 * @return 0, or negative errno
 */
int tes_rooms_alloc(struct tes_rooms **rp, const struct tes_rooms_deps *deps);

/**
 * Remove every participant and stop; the registry is freed once its timer
 * handle is closed (keep running the loop).
 *
 * @param r  Registry, or NULL
 */
void tes_rooms_close(struct tes_rooms *r);

/**
 * Where room events go (WebSocket event channels); NULL h: nowhere.
 *
 * @param r    Registry
 * @param h    Handler
 * @param arg  Handler argument
 */
void tes_rooms_set_event_handler(struct tes_rooms *r, tes_room_event_h *h,
				 void *arg);

/**
 * A participant's event channel opened or closed.  Events meant for it
 * while none is open wait: a renegotiation offer is sent once it opens.
 *
 * @param r         Registry
 * @param room      Room name
 * @param id        Participant id
 * @param attached  Opened (true) or closed
 * @return 0, or -ENOENT (no such room or participant)
 */
int tes_rooms_events_attach(struct tes_rooms *r, const char *room,
			    const char *id, bool attached);

/**
 * The participant's answer to our last renegotiation offer.
 *
 * @param r       Registry
 * @param room    Room name
 * @param id      Participant id
 * @param sdp     SDP answer
 * @param len     Its length
 * @param err     Receives the reason on failure
 * @param errlen  Its size
 * @return 0, -ENOENT (no such room or participant), -EALREADY (no offer
 *         is waiting for an answer), -EPROTO (the answer does not fit the
 *         offer)
 */
int tes_rooms_answer(struct tes_rooms *r, const char *room, const char *id,
		     const char *sdp, size_t len, char *err, size_t errlen);

/**
 * The size at which a participant shows another one's forwarded video
 * (sfu rooms): a simulcast publisher's layer for it is no larger than
 * needed.
 *
 * @param r          Registry
 * @param room       Room name
 * @param id         The participant that shows it
 * @param publisher  The one it shows
 * @param width      Width in device pixels (0: no limit)
 * @param height     Height in device pixels
 * @return 0, or -ENOENT (no such room or participant)
 */
int tes_rooms_view(struct tes_rooms *r, const char *room, const char *id,
		   const char *publisher, unsigned width, unsigned height);

/** A composite recording, as the API shows it. */
struct tes_rec_desc {
	char id[TES_REC_ID_LEN + 1]; /**< Recording id */
	const char *path;        /**< File */
	const char *profile;     /**< Output profile recorded */
	const char *format;      /**< webm, mkv, mp4 */
	const char *state;       /**< waiting (for a keyframe), recording,
				      reconnecting (streams), stopped,
				      failed */
	const char *error;       /**< Why it failed, or "" */
	uint64_t bytes;          /**< File size so far */
	uint64_t duration_ms;    /**< Media time so far */
	uint64_t video_frames;   /**< Frames written */
	uint64_t audio_frames;   /**< Opus packets written */
	uint64_t dropped;        /**< Packets not written */
	uint64_t started_ms;     /**< Start, ms since 1970 (UTC) */
	uint32_t reconnects;     /**< Streams: connections made again */
};

/** Called with each recording described. */
typedef void (tes_rec_desc_h)(const struct tes_rec_desc *d, void *arg);

/**
 * Check a room name: 1..64 of [A-Za-z0-9_-].
 *
 * @param name  Name
 * @return true when valid
 */
bool tes_room_name_valid(const char *name);

/**
 * Check a participant's display name: 1..TES_PART_NAME_MAX bytes of
 * UTF-8 without control characters (C0, DEL, C1).
 *
 * @param name  Name (NUL-terminated)
 * @param why   Receives a static reason when invalid (may be NULL)
 * @return 0, -EINVAL (length, control character) or -EILSEQ (not UTF-8)
 */
int tes_part_name_check(const char *name, const char **why);

struct tes_sip;
struct tes_sip_event;

/**
 * Take SIP calls: the service that tes_rooms_sip_event() answers through
 * (it must outlive the registry's participants: close it after
 * tes_rooms_close()).
 *
 * @param r    Registry
 * @param sip  SIP service (NULL: none)
 */
void tes_rooms_set_sip(struct tes_rooms *r, struct tes_sip *sip);

/**
 * The SIP service's event handler (struct tes_rooms * as arg): an INVITE
 * joins the room of its request-URI (404 when there is none and SIP may
 * not open it, 488 when the SDP cannot be answered, 486 when the room is
 * full), a BYE or CANCEL removes the participant.  Loop thread.
 *
 * @param ev   Event
 * @param arg  Registry
 */
void tes_rooms_sip_event(const struct tes_sip_event *ev, void *arg);

/**
 * Join a room with an SDP offer; creates the room if needed.
 *
 * @param r      Registry
 * @param room   Room name (valid)
 * @param name   Display name (see tes_part_name_check), NULL: the
 *               participant id
 * @param offer  SDP offer
 * @param len    Its length
 * @param res    Receives status, id, answer or error (400 for a bad name)
 */
void tes_rooms_join(struct tes_rooms *r, const char *room, const char *name,
		    const char *offer, size_t len,
		    struct tes_join_result *res);

/**
 * Remove a participant at once.
 *
 * @param r     Registry
 * @param room  Room name
 * @param id    Participant id
 * @return 0, or -ENOENT
 */
int tes_rooms_leave(struct tes_rooms *r, const char *room, const char *id);

/**
 * Record who a participant belongs to: the identity (token sub) that
 * joined it, which alone may act on it later.
 *
 * @param r      Registry
 * @param room   Room name
 * @param id     Participant id
 * @param owner  Identity (at most TES_PART_NAME_MAX bytes)
 * @return 0, -ENOENT no such participant, -EINVAL too long
 */
int tes_rooms_set_owner(struct tes_rooms *r, const char *room,
			const char *id, const char *owner);

/**
 * Who a participant belongs to.
 *
 * @param r     Registry
 * @param room  Room name
 * @param id    Participant id
 * @return Its owner ("" when none was set), or NULL: no such participant
 */
const char *tes_rooms_owner(struct tes_rooms *r, const char *room,
			    const char *id);

/**
 * Process-wide gauges and counters (for /metrics).
 *
 * @param r  Registry
 * @param t  Receives them
 */
void tes_rooms_totals(struct tes_rooms *r, struct tes_rooms_totals *t);

/**
 * Call h for every room.
 *
 * @param r    Registry
 * @param h    Handler
 * @param arg  Handler argument
 */
void tes_rooms_foreach(struct tes_rooms *r, tes_room_info_h *h, void *arg);

/**
 * Describe one room and its participants.
 *
 * @param r     Registry
 * @param room  Room name
 * @param rh    Called once for the room
 * @param ph    Called for each participant
 * @param arg   Handler argument
 * @return 0, or -ENOENT when there is no such room
 */
int tes_rooms_describe(struct tes_rooms *r, const char *room,
		       tes_room_info_h *rh, tes_part_info_h *ph, void *arg);

/**
 * Switch a live room between mixing and forwarding, and keep it there
 * (no automatic fallback or return for it any more).  Participants stay
 * connected: in sfu they get the others' tracks by renegotiation; back in
 * mix those m-lines go inactive and the mix resumes.  A switch to sfu
 * finishes the room's recordings and streams.
 *
 * @param r     Registry
 * @param room  Room name
 * @param mode  "mix" or "sfu"
 * @return 0, -ENOENT no such room, -EINVAL unknown mode, -EPERM an echo
 *         room, -EMLINK a room with SIP participants to sfu (they take
 *         only a mix), or the negative errno of starting the mixer
 */
int tes_rooms_set_mode(struct tes_rooms *r, const char *room,
		       const char *mode);

/**
 * Switch a mixed room's layout preset; the next video tick uses it.
 *
 * @param r       Registry
 * @param room    Room name
 * @param layout  Preset name
 * @return 0, -ENOENT no such room, -EINVAL no such preset, -EPERM the room
 *         does not mix
 */
int tes_rooms_set_layout(struct tes_rooms *r, const char *room,
			 const char *layout);

/**
 * Change the size of one output profile of a mixed room, live: at the
 * room's next video tick the profile's canvas and encoder take the new
 * size and send a keyframe, the layout scales into it.  Other rooms keep
 * the configured size.  WebM and Matroska recordings of the profile go on
 * in the same file; while an MP4 recording or a stream (FLV, HLS) of it
 * runs the change is refused, as those cannot change size within a file.
 *
 * @param r        Registry
 * @param room     Room name
 * @param profile  Profile name
 * @param width    New width, even, TES_PROFILE_W_MIN..TES_PROFILE_W_MAX
 * @param height   New height, even, TES_PROFILE_H_MIN..TES_PROFILE_H_MAX
 * @param err      Receives the reason when refused
 * @param errlen   Its size
 * @return 0, -ENOENT no such room, -ESRCH no such profile, -EINVAL bad
 *         size, -EPERM the room does not mix, -EBUSY a recording or
 *         stream of the profile cannot follow
 */
int tes_rooms_set_profile_size(struct tes_rooms *r, const char *room,
			       const char *profile, int width, int height,
			       char *err, size_t errlen);

/**
 * A recent copy of a mixed room's canvas (at most about a second old).
 *
 * @param r     Registry
 * @param room  Room name
 * @param fp    Receives a reference to the frame (tes_deref it)
 * @return 0, -ENOENT no such room, -EPERM the room does not mix,
 *         -EAGAIN nothing composed yet
 */
int tes_rooms_snapshot(struct tes_rooms *r, const char *room,
		       struct tes_frame **fp);

/**
 * Call h with the name of every layout preset.
 *
 * @param r    Registry
 * @param h    Handler
 * @param arg  Handler argument
 */
void tes_rooms_foreach_layout(struct tes_rooms *r,
			      void (*h)(const char *name, void *arg),
			      void *arg);

/**
 * Load the layouts file again.  On success every room switches to the new
 * presets at its next tick (a room whose preset is gone falls back to
 * auto); on errors they are logged and the old presets stay.
 *
 * @param r  Registry
 * @return 0, or the number of errors (> 0), or negative errno
 */
int tes_rooms_reload_layouts(struct tes_rooms *r);

/**
 * Start recording a mixed room: one profile's encoded video and the
 * room's full audio mix, in WebM, Matroska or MP4, in a new file under
 * recording.dir.
 *
 * @param r        Registry
 * @param room     Room name
 * @param profile  Output profile name (NULL with "flv": the first H264
 *                 profile)
 * @param format   "webm", "mkv", "mp4", or "flv": live to url
 * @param url      rtmp:// URL of an "flv" stream, else NULL
 * @param h        Called with the new recording
 * @param arg      Handler argument
 * @param err      Receives the reason on failure
 * @param errlen   Its size
 * @return 0, -ENOENT no such room, -EPERM the room does not mix, -EINVAL
 *         bad profile or format, -EMFILE too many running, or the
 *         negative errno of creating the file
 */
int tes_rooms_record_start(struct tes_rooms *r, const char *room,
			   const char *profile, const char *format,
			   const char *url, tes_rec_desc_h *h, void *arg,
			   char *err, size_t errlen);

/**
 * Stop a recording: its file is finished (trailer written) on return.
 *
 * @param r     Registry
 * @param room  Room name
 * @param id    Recording id
 * @param h     Called with the stopped recording (may be NULL)
 * @param arg   Handler argument
 * @return 0, -ENOENT no such room, -ESRCH no such recording, -EPERM not
 *         mixing
 */
int tes_rooms_record_stop(struct tes_rooms *r, const char *room,
			  const char *id, tes_rec_desc_h *h, void *arg);

/**
 * Call h for each recording of a room (running and finished).
 *
 * @param r     Registry
 * @param room  Room name
 * @param h     Handler
 * @param arg   Handler argument
 * @return 0, -ENOENT no such room, -EPERM not mixing
 */
int tes_rooms_record_list(struct tes_rooms *r, const char *room,
			  tes_rec_desc_h *h, void *arg);

/**
 * A file of the room's HLS stream (its playlist or a segment).
 *
 * @param r     Registry
 * @param room  Room name
 * @param name  File name ("index.m3u8", "index3.ts")
 * @param path  Receives its path
 * @param len   Size of path
 * @return 0, or -ENOENT (no such room, stream or file)
 */
int tes_rooms_hls_file(struct tes_rooms *r, const char *room,
		       const char *name, char *path, size_t len);

#endif /* TES_ROOM_H */
