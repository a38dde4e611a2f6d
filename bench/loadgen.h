/**
 * @file loadgen.h  Internals shared by the four files of tes_loadgen:
 * loadgen.c (ICE, DTLS, media, clock), loadgen_sig.c (offer and answer,
 * WHIP to Tessera, leaving, server measurements, report), loadgen_janus.c
 * (the same participants in a Janus AudioBridge or VideoRoom room over
 * Janus's HTTP API) and loadgen_sfu.c (forwarding: subscribers, Tessera's
 * event channel, the forwarding report).  Everything is owned by the one
 * loop thread.
 */
#ifndef TES_BENCH_LOADGEN_H
#define TES_BENCH_LOADGEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "bench/bench.h"
#include "dtls/dtls.h"
#include "net/stun.h"
#include "srtp/srtp.h"

enum {
	LG_MAX_PARTS = 1000,      /* one UDP socket each */
	LG_MAX_CLIPS = 64,
	LG_MAX_THREADS = 1024,    /* Janus: a few threads per participant */
	LG_AUDIO_LOOP = 50,       /* 1 s of pre-encoded Opus, looped */
	LG_OFFER_MAX = 4096,
	LG_ANSWER_MAX = 16384,
	LG_MAX_TRACKS = 8,        /* forwarded tracks a subscriber counts */
	TES_BENCH_UFRAG_MAX = 256,
};

/** Where a participant is. */
enum lg_state { LG_ICE, LG_DTLS, LG_MEDIA, LG_FAILED };

/** Where the run is (forwarding runs connect the publisher first). */
enum lg_phase {
	LG_PH_PUBLISH,   /**< Forwarding: the publisher connects alone */
	LG_PH_CONNECT,   /**< Forwarding: the subscribers connect */
	LG_PH_RUN,       /**< Measured run of o.seconds */
};

/** Options from the command line. */
struct lg_opts {
	int cycles;           /**< --cycles: runs one after the other, each
				   joining, connecting and leaving (churn);
				   not with subscribers */
	bool garbage_video;   /**< --garbage-video: VP8 frames replaced by
				   random bytes (keyframe flag kept), in
				   valid RTP (tests: a decoder fed nonsense) */
	const char *url;      /**< "http://127.0.0.1:8080" */
	const char *room;     /**< Room name */
	int count;            /**< Participants */
	double seconds;       /**< Run time */
	int talkers;          /**< Participants sending a sine */
	int fps;              /**< Video frame rate of the clips */
	int server_pid;       /**< Server to measure, 0: none */
	double warmup;        /**< Window start, seconds after start */
	double tail;          /**< Window end, seconds before the end */
	const char *janus;    /**< Janus API "http://127.0.0.1:P/janus", or
				   NULL: Tessera (WHIP) */
	int subscribers;      /**< Forwarding: participant 0 publishes,
				   this many subscribe (count = this + 1);
				   0: every participant sends (mixing) */
};

/** Counters of one participant (summed for reports). */
struct lg_counters {
	uint64_t rtp_out;        /**< RTP packets sent */
	uint64_t video_out;      /**< Of which video */
	uint64_t bytes_out;      /**< SRTP bytes sent */
	uint64_t rtcp_out;       /**< RTCP compounds sent */
	uint64_t send_fail;      /**< Sends or protects that failed */
	uint64_t late;           /**< Video frames skipped: loop too late */
	uint64_t rtp_in;         /**< RTP packets received and authentic */
	uint64_t bytes_in;       /**< Their RTP bytes */
	uint64_t video_in;       /**< Video RTP packets */
	uint64_t video_bytes_in; /**< Video payload bytes */
	uint64_t audio_in;       /**< Audio RTP packets */
	uint64_t audio_bytes_in; /**< Audio payload bytes */
	uint64_t keyframes_in;   /**< Video keyframe starts */
	uint64_t rtcp_in;        /**< RTCP compounds received */
	uint64_t auth_fail;      /**< SRTP/SRTCP authentication failures */
	uint64_t other_fail;     /**< Other unprotect or parse failures */
	uint64_t sr_in;          /**< Sender reports */
	uint64_t pli_in;         /**< PLIs from the server */
	uint64_t fir_in;         /**< FIRs from the server */
	uint64_t nack_in;        /**< NACKs from the server */
	uint64_t remb_in;        /**< REMBs from the server */
	uint64_t stun_ok;        /**< Binding successes */
	uint64_t stun_err;       /**< Binding errors or bad responses */
	uint64_t stun_req_in;    /**< Binding requests answered (Janus) */
	uint64_t stray_in;       /**< Subscriber: RTP of an SSRC that no
				      offer announced */
	uint64_t offers_in;      /**< Subscriber: offers received */
	uint64_t answers_out;    /**< Subscriber: answers sent */
};

/** A track a subscriber was offered: an SSRC the server sends from. */
struct lg_track {
	uint32_t ssrc;            /**< From the offer's a=ssrc */
	bool video;               /**< Video, else audio */
};

struct lg;
struct lws;
struct lws_context;

/** One participant. */
struct lg_part {
	struct lg *lg;            /**< Owner */
	int idx;                  /**< 0..count-1 */
	bool open;                /**< Handles initialised */
	uv_udp_t udp;             /**< Our one socket (BUNDLE, rtcp-mux) */
	uv_timer_t dtls_timer;    /**< DTLS retransmission */
	struct sockaddr_in server; /**< Server's host candidate */
	char ufrag[9];            /**< Our ICE ufrag */
	char pwd[25];             /**< Our ICE password */
	char cname[17];           /**< Our RTCP CNAME */
	char rufrag[TES_BENCH_UFRAG_MAX + 1]; /**< Server's ufrag */
	char rpwd[TES_BENCH_UFRAG_MAX + 1];   /**< Server's password */
	char fp_alg[16];          /**< Server's fingerprint hash */
	char fp[192];             /**< Server's fingerprint */
	char location[256];       /**< Resource URL from the 201 */
	uint16_t port;            /**< Our UDP port (on 127.0.0.1) */
	uint64_t jsession;        /**< Janus session id, 0: none */
	uint64_t jhandle;         /**< Janus plugin handle id */
	uint64_t next_keepalive_ms; /**< Next Janus keepalive */
	uint32_t assrc;           /**< Our audio SSRC */
	uint32_t vssrc;           /**< Our video SSRC */
	uint8_t apt;              /**< Opus payload type */
	uint8_t vpt;              /**< VP8 payload type */
	uint8_t level_id;         /**< Audio level extension id, 0: none */
	enum lg_state state;      /**< Where it is */
	struct tes_dtls *dtls;    /**< DTLS client */
	struct tes_srtp *srtp;    /**< Once connected */
	const struct tes_bench_clip *clip; /**< Video it sends */
	bool talker;              /**< Sends the sine */
	bool sub;                 /**< Forwarding subscriber: sends no media,
				       counts what it receives by SSRC */
	struct lg_track tracks[LG_MAX_TRACKS]; /**< Subscriber: offered */
	size_t n_tracks;          /**< Number of tracks */
	struct lws *ws;           /**< Subscriber: Tessera event channel */
	char *ws_in;              /**< Message being received */
	size_t ws_in_len;         /**< Its length */
	char *ws_out;             /**< Message to send (LWS_PRE + text) */
	size_t ws_out_len;        /**< Text length */
	uint64_t ice_start_ms;    /**< Joined */
	uint64_t next_check_ms;   /**< Next Binding request */
	uint64_t connected_ms;    /**< DTLS done */
	uint64_t media_t0_us;     /**< Media clock origin */
	uint64_t vframes;         /**< Video frames due so far */
	uint64_t aframes;         /**< Audio packets due so far */
	uint64_t next_rtcp_ms;    /**< Next SR */
	size_t vpos;              /**< Next frame of the clip */
	uint16_t vseq;            /**< Next video sequence number */
	uint16_t aseq;            /**< Next audio sequence number */
	uint32_t picid;           /**< Next VP8 PictureID */
	uint32_t vts0;            /**< Video timestamp origin */
	uint32_t ats0;            /**< Audio timestamp origin */
	uint32_t cur_vts;         /**< Timestamp of the frame being sent */
	uint32_t vpkts;           /**< Video packets (SR) */
	uint32_t voctets;         /**< Video payload octets (SR) */
	uint32_t apkts;           /**< Audio packets (SR) */
	uint32_t aoctets;         /**< Audio payload octets (SR) */
	int rx_w;                 /**< Received video width (keyframes) */
	int rx_h;                 /**< Received video height */
	struct lg_counters at[2]; /**< c at the window's start, end */
	struct lg_counters c;     /**< Counters */
};

/** One measurement of the server. */
struct lg_sample {
	bool taken;               /**< Sampled */
	double wall;              /**< When (monotonic seconds) */
	bool cpu_ok;              /**< cpu is valid */
	double cpu;               /**< Server CPU seconds so far */
	bool room_ok;             /**< The room counters are valid */
	long long video_frames;   /**< mix.video_frames */
	long long video_missed;   /**< mix.video_missed */
	long long audio_ticks;    /**< mix.audio_ticks */
	long long audio_missed;   /**< mix.audio_missed */
	int connected;            /**< Our participants in media state */
	struct tes_bench_thread thr[LG_MAX_THREADS]; /**< Server threads */
	int nthr;                 /**< Number of thr */
};

/** The load generator. */
struct lg {
	uv_loop_t loop;           /**< The one loop */
	uv_timer_t tick;          /**< Media clock, TICK_MS */
	struct lg_opts o;         /**< Options */
	struct tes_dtls_cert *cert; /**< Our certificate */
	struct lg_part *parts;    /**< o.count participants */
	struct tes_bench_clip *clips[LG_MAX_CLIPS]; /**< --video files */
	size_t nclips;            /**< Number of clips, 0: audio only */
	char jbase[128];          /**< Janus: "http://127.0.0.1:P" */
	char jpath[128];          /**< Janus: API path, "/janus" */
	uint64_t jroom;           /**< Janus: AudioBridge or VideoRoom room */
	uint64_t jfeed;           /**< Janus VideoRoom: the publisher's id */
	struct lws_context *lws;  /**< Forwarding to Tessera: event channels */
	enum lg_phase phase;      /**< Where the run is */
	uint64_t phase_ms;        /**< When it got there */
	int next_keepalive;       /**< Janus: participant to keep alive next */
	struct tes_bench_opus tone[LG_AUDIO_LOOP];    /**< Talkers' */
	struct tes_bench_opus silence[LG_AUDIO_LOOP]; /**< Others' */
	uint8_t rxbuf[4096];      /**< Receive buffer (one loop thread) */
	uint64_t t0_ms;           /**< Start of media */
	int next_sec;             /**< Next progress line */
	struct lg_counters last;  /**< Sums at the last progress line */
	struct lg_sample w0;      /**< Window start */
	struct lg_sample w1;      /**< Window end */
	bool marked[2];           /**< Parts' at[] taken */
};

/**
 * Build a participant's SDP offer: BUNDLE of audio (Opus, the RFC 6464
 * level extension) and, unless audio only, video (VP8); sendrecv,
 * rtcp-mux, our ICE credentials and DTLS fingerprint.
 *
 * @param lg      Load generator
 * @param p       Participant (socket bound)
 * @param active  true: a=setup:active and our host candidate, for an
 *                answerer that would otherwise be the DTLS client
 *                (Janus); false: a=setup:actpass, no candidate (WHIP)
 * @param buf     Receives the offer
 * @param cap     Capacity of buf
 */
void lg_offer(const struct lg *lg, const struct lg_part *p, bool active,
	      char *buf, size_t cap);

/**
 * Answer a server's offer of forwarded tracks (a Tessera sfu room's
 * renegotiation, a Janus VideoRoom subscription): the same m-lines in the
 * same order with the same mids, the first codec of each, recvonly where
 * the server sends, our ICE credentials and fingerprint, a=setup:active
 * and our host candidate.  The SSRCs the offer announces for what the
 * server sends become the participant's tracks.
 *
 * @param lg     Load generator
 * @param p      Subscriber
 * @param offer  The server's offer
 * @param buf    Receives the answer
 * @param cap    Capacity of buf
 * @return 0, or negative errno (reason printed)
 */
int lg_answer(const struct lg *lg, struct lg_part *p, const char *offer,
	      char *buf, size_t cap);

/**
 * Take the server's ICE and DTLS parameters, payload types, level
 * extension id and first UDP host candidate from its SDP answer (or from
 * its offer, when we answer: a Janus VideoRoom subscription).
 *
 * @param lg   Load generator
 * @param p    Participant
 * @param sdp  Answer
 * @return 0, or negative errno (reason printed)
 */
int lg_take_answer(const struct lg *lg, struct lg_part *p, const char *sdp);

/**
 * Pick the participant's random identifiers (ICE, SSRCs, sequence
 * numbers, timestamps), build the offer, send it to the server (WHIP, or
 * Janus with --janus) and take the answer.
 *
 * @param lg  Load generator
 * @param p   Participant (socket bound)
 * @return 0, or negative errno (reason printed)
 */
int lg_join(struct lg *lg, struct lg_part *p);

/**
 * End every participant that joined (WHIP: DELETE; Janus: leave and
 * destroy the session).
 *
 * @param lg  Load generator
 * @return Participants that were connected at the end
 */
int lg_leave(struct lg *lg);

/**
 * Parse --janus "http://127.0.0.1:PORT/PATH" into lg->jbase, lg->jpath
 * and derive the AudioBridge room id from --room.
 *
 * @param lg  Load generator (o.janus and o.room set)
 * @return 0, or -EINVAL (reason printed)
 */
int lg_janus_init(struct lg *lg);

/**
 * Janus: create a session, attach the AudioBridge plugin, create the
 * room (first participant), join it with the offer and long-poll the
 * session for the answer.  Forwarding (o.subscribers): the VideoRoom
 * plugin; participant 0 creates the room and publishes with its offer,
 * the others subscribe to its feed, long-poll for Janus's offer and
 * answer it ("start").
 *
 * @param lg  Load generator
 * @param p   Participant (socket bound, identifiers picked)
 * @return 0, or negative errno (reason printed)
 */
int lg_janus_join(struct lg *lg, struct lg_part *p);

/**
 * Janus: keep sessions from timing out.  Sends at most one keepalive per
 * call, to the participant whose turn it is, so the blocking request
 * costs the media clock little.
 *
 * @param lg      Load generator
 * @param now_ms  Now
 */
void lg_janus_keepalive(struct lg *lg, uint64_t now_ms);

/**
 * Janus: every participant "leave"s the room, then every session is
 * destroyed.
 *
 * @param lg  Load generator
 */
void lg_janus_leave(struct lg *lg);

/**
 * Forwarding to Tessera: make the libwebsockets client context of the
 * subscribers' event channels, on our loop.
 *
 * @param lg  Load generator (loop initialised)
 * @return 0, or negative errno (reason printed)
 */
int lg_fwd_init(struct lg *lg);

/**
 * Forwarding to Tessera: open a subscriber's event channel (a WebSocket
 * to its resource + "/events"); offers that arrive on it are answered on
 * it.
 *
 * @param lg  Load generator
 * @param p   Subscriber (joined: location set)
 * @return 0, or negative errno (reason printed)
 */
int lg_fwd_events(struct lg *lg, struct lg_part *p);

/**
 * Forwarding to Tessera: close the event channels.  Call once before the
 * loop runs its last round and once after (libwebsockets closes its
 * handles on a foreign loop asynchronously).
 *
 * @param lg  Load generator
 */
void lg_fwd_close(struct lg *lg);

/**
 * Forwarding set-up, before the measured run (called every tick until it
 * returns false): the publisher connects alone (Janus subscribes only to
 * a feed that is up) and sends for a moment, then the loop stops; once
 * the subscribers joined, they connect until each is ready (connected,
 * its offer answered) or 20 s passed, and the run starts (phase LG_PH_RUN,
 * t0_ms now).
 *
 * @param lg      Load generator
 * @param now_ms  Now
 * @return true while setting up
 */
bool lg_fwd_set_up(struct lg *lg, uint64_t now_ms);

/**
 * Print the forwarding report (stdout): per subscriber what it received
 * in the steady window and in the run, and the summary line "forward:"
 * with the server's CPU per forwarded packet per subscriber.
 *
 * @param lg  Load generator
 * @return 0, or -EPROTO when a subscriber got no keyframe or less than
 *         half of the publisher's packets in the window, or the window was
 *         not measured
 */
int lg_fwd_report(const struct lg *lg);

/**
 * Parse the command line into lg->o and load the clips it names; usage
 * on errors and for --help.
 *
 * @param lg    Load generator (zeroed)
 * @param argc  Argument count
 * @param argv  Arguments (--video's is cut up)
 * @return 0, 1 after --help, or negative errno
 */
int lg_parse_opts(struct lg *lg, int argc, char **argv);

/**
 * Lift the soft limit on file descriptors to what count participants need
 * (one socket each, plus HTTP requests and files), up to the hard limit.
 *
 * @param count  Participants
 * @return 0, or negative errno (reason printed)
 */
int lg_raise_nofile(int count);

/**
 * Sum every participant's counters.
 *
 * @param lg   Load generator
 * @param sum  Receives the sums
 * @return Participants in media state
 */
int lg_sum(const struct lg *lg, struct lg_counters *sum);

/**
 * Measure the server now: CPU time and the room's mix counters.
 *
 * @param lg  Load generator
 * @param s   Receives the sample
 */
void lg_sample(struct lg *lg, struct lg_sample *s);

/**
 * Print the summary (stdout): our counters, the window figures, the
 * room's final mix counters and latency, the server's participant
 * counters summed.
 *
 * @param lg  Load generator
 */
void lg_report(struct lg *lg);

#endif /* TES_BENCH_LOADGEN_H */
