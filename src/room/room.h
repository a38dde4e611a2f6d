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
#include <uv.h>

#include "base/conf.h"

struct tes_rooms;
struct tes_ice_server;
struct tes_dtls_cert;

enum {
	TES_PART_ID_LEN = 16,   /**< participant id length */
	TES_ROOM_NAME_MAX = 64, /**< longest room name */
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
};

/** One participant as shown by the admin API. */
struct tes_part_info {
	const char *id;          /**< Participant id */
	const char *state;       /**< new, connecting, connected, failed */
	const char *remote;      /**< Selected remote address, "" if none */
	const char *audio_codec; /**< "opus/48000/2", or "" */
	const char *video_codec; /**< "VP8/90000", or "" */
	const char *srtp;        /**< SRTP profile name, or "" */
	uint64_t age_ms;         /**< Time since join */
	const struct tes_part_counters *counters; /**< Counters */
};

/** One room as shown by the admin API. */
struct tes_room_info {
	const char *name;        /**< Room name */
	const char *mode;        /**< Room mode ("echo") */
	size_t participants;     /**< Number of participants */
	uint64_t age_ms;         /**< Time since the room was created */
};

typedef void (tes_room_info_h)(const struct tes_room_info *ri, void *arg);
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
 * Check a room name: 1..64 of [A-Za-z0-9_-].
 *
 * @param name  Name
 * @return true when valid
 */
bool tes_room_name_valid(const char *name);

/**
 * Join a room with an SDP offer; creates the room if needed.
 *
 * @param r      Registry
 * @param room   Room name (valid)
 * @param offer  SDP offer
 * @param len    Its length
 * @param res    Receives status, id, answer or error
 */
void tes_rooms_join(struct tes_rooms *r, const char *room, const char *offer,
		    size_t len, struct tes_join_result *res);

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

#endif /* TES_ROOM_H */
