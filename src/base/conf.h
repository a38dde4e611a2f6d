/**
 * @file conf.h  Tessera configuration, read from YAML with libfyaml.
 *
 * Every key is optional; tes_conf_defaults() gives values that run as-is on
 * one machine.  Errors are reported as "FILE:LINE:COL: error: ..." so an
 * operator can jump straight to the line.
 */
#ifndef TES_CONF_H
#define TES_CONF_H

#include <stdint.h>
#include <stdio.h>

#include "base/base.h"

enum {
	TES_CONF_ADDR_MAX = 64,
	TES_CONF_PATH_MAX = 1024,
	TES_CONF_NAME_MAX = 32,
	TES_CONF_MAX_PROFILES = 8,
	TES_CONF_MAX_ROOM_MODES = 64,
	TES_CONF_ROOM_MAX = 64,   /**< longest room name (as in room.h) */
	TES_CONF_SECRET_MIN = 32, /**< shortest token secret: HS256 wants a
				       key of 256 bits or more (RFC 7518
				       section 3.2) */
	TES_CONF_SECRET_MAX = 512, /**< longest token secret */
	TES_CONF_MAX_SIP_AUTH = 64, /**< rooms in sip.auth */
	TES_CONF_REALM_MAX = 64,  /**< longest sip.realm */
};

/** rooms.modes: a room that does not start in rooms.default_mode. */
struct tes_conf_room_mode {
	char room[TES_CONF_ROOM_MAX + 1];  /**< Room name */
	char mode[8];                      /**< "echo", "mix", "sfu" */
};

/**
 * sip.auth: a room whose SIP callers must authenticate (digest, RFC 3261
 * section 22) against a password file in sofia-sip's format: lines
 * "user:password[:realm]" or htdigest's "user:realm:HA1", '#' comments.
 */
struct tes_conf_sip_auth {
	char room[TES_CONF_ROOM_MAX + 1];  /**< Room name */
	char file[TES_CONF_PATH_MAX];      /**< Password file, resolved
					        against the config dir */
};

/** One output profile: an encode that many participants share. */
struct tes_conf_profile {
	char name[TES_CONF_NAME_MAX];  /**< e.g. "vp8-720p" */
	char codec[8];                 /**< "VP8" or "H264" */
	uint16_t width;                /**< Canvas width (even) */
	uint16_t height;               /**< Canvas height (even) */
	uint16_t fps;                  /**< Frames per second */
	uint32_t bitrate_kbps;         /**< Target bitrate */
	uint16_t cpu_used;             /**< VP8 speed (realtime 4..16) */
	uint8_t packetization_mode;    /**< H264: 1 (default), or 0: RFC 6184
					    single NAL unit mode, every slice
					    made to fit one packet; the only
					    H264 profiles a receiver of mode
					    0 can take */
};

/** The whole configuration. */
struct tes_conf {
	enum tes_log_level log_level;          /**< log.level */
	char http_listen[TES_CONF_ADDR_MAX];   /**< http.listen (IPv4/IPv6) */
	uint16_t http_port;                    /**< http.port */
	char web_root[TES_CONF_PATH_MAX];      /**< http.web_root, resolved
						    against the config dir */
	uint32_t http_max_body;                /**< http.max_body bytes */
	uint32_t http_rate_per_s;              /**< http.rate_limit_per_s:
						    requests per second and
						    client address; 0: none */
	uint32_t http_rate_burst;              /**< http.rate_burst: requests
						    a client may send at once
						    after a quiet spell */
	char http_trusted_proxy[TES_CONF_ADDR_MAX]; /**< http.trusted_proxy:
						    a reverse proxy whose
						    X-Forwarded-For names the
						    client; "" none */
	bool auth_required;                    /**< auth.required: tokens
						    on every route but the
						    static files, /layouts
						    and OPTIONS */
	char auth_secret_file[TES_CONF_PATH_MAX]; /**< auth.secret_file,
						    resolved against the
						    config dir, or "" */
	uint8_t auth_secret[TES_CONF_SECRET_MAX]; /**< auth.secret, or the
						    contents of
						    auth.secret_file (HMAC
						    key of the tokens) */
	size_t auth_secret_len;                /**< Its length; 0: none */
	uint32_t auth_clock_skew_s;            /**< auth.clock_skew_s: a
						    token is taken this long
						    past exp, before nbf */
	char media_listen[TES_CONF_ADDR_MAX];  /**< media.listen */
	uint16_t media_port;                   /**< media.port (one UDP port) */
	char media_announce[TES_CONF_ADDR_MAX]; /**< media.announce (ICE
						     candidate address) */
	bool sip_enabled;                      /**< sip.enabled: answer SIP
						    calls */
	char sip_listen[TES_CONF_ADDR_MAX];    /**< sip.listen (UDP and TCP) */
	uint16_t sip_port;                     /**< sip.port */
	uint16_t sip_rtp_port_min;             /**< sip.rtp_port_min: plain
						    RTP port range of SIP
						    calls (a pair per m-line) */
	uint16_t sip_rtp_port_max;             /**< sip.rtp_port_max */
	char sip_srtp[12];                     /**< sip.srtp: off, optional
						    (SDES when offered) or
						    mandatory */
	bool sip_open_rooms;                   /**< sip.open_rooms: a call
						    may open a room nobody is
						    in (else 404, unless the
						    room is in rooms.modes) */
	uint32_t sip_media_timeout_s;          /**< sip.media_timeout_s: a
						    call that sends nothing
						    this long is hung up */
	char sip_realm[TES_CONF_REALM_MAX + 1]; /**< sip.realm: the digest
						    realm of sip.auth
						    challenges */
	struct tes_conf_sip_auth sip_auth[TES_CONF_MAX_SIP_AUTH];
						/**< sip.auth */
	size_t n_sip_auth;                     /**< Entries in sip_auth */
	uint32_t consent_timeout_ms;           /**< ice.consent_timeout_ms */
	uint32_t connect_timeout_ms;           /**< ice.connect_timeout_ms */
	char default_mode[TES_CONF_NAME_MAX];  /**< rooms.default_mode */
	uint32_t max_rooms;                    /**< rooms.max_rooms */
	uint32_t max_participants;             /**< rooms.max_participants */
	uint32_t mix_max_participants;         /**< rooms.mix_max_participants:
						    a mixed room past this
						    forwards (sfu) instead;
						    0: no limit */
	struct tes_conf_room_mode room_modes[TES_CONF_MAX_ROOM_MODES];
						/**< rooms.modes */
	size_t n_room_modes;                   /**< Entries in room_modes */
	uint32_t fallback_missed_pct;          /**< mixer.fallback_missed_pct:
						    a room whose mixer misses
						    more than this share of
						    ticks ... */
	uint32_t fallback_after_s;             /**< mixer.fallback_after_s:
						    ... this many seconds in a
						    row forwards instead;
						    0: never */
	uint32_t fallback_retry_s;             /**< mixer.fallback_retry_s:
						    it mixes again after this
						    long (doubling while the
						    overload lasts) */
	uint32_t mixer_threads;                /**< mixer.threads, 0 = cores */
	uint32_t audio_speakers;               /**< mixer.audio_speakers (K) */
	uint32_t placeholder_after_ms;         /**< mixer.placeholder_after_ms */
	char layouts_file[TES_CONF_PATH_MAX];  /**< mixer.layouts, resolved
						    against the config dir */
	char default_layout[64];               /**< mixer.default_layout */
	char recording_dir[TES_CONF_PATH_MAX]; /**< recording.dir, resolved
						    against the config dir */
	uint32_t recordings_max;               /**< recording.max_per_room:
						    running at once */
	bool auto_record;                      /**< rooms.auto_record: record
						    each mixed room from its
						    first join to its end */
	char recording_profile[TES_CONF_NAME_MAX]; /**< recording.profile of
						    auto recordings ("": the
						    first profile) */
	char recording_format[8];              /**< recording.format of auto
						    recordings: webm, mkv,
						    mp4 */
	struct tes_conf_profile profiles[TES_CONF_MAX_PROFILES]; /**< profiles */
	size_t n_profiles;                     /**< Number of profiles */
};

/**
 * Fill a configuration with defaults.
 *
 * @param c  Configuration
 */
void tes_conf_defaults(struct tes_conf *c);

/**
 * Load a YAML file over the current values of c.  Every problem is printed
 * to errout as "FILE:LINE:COL: error: ..."; loading goes on past errors so
 * all of them are reported at once.
 *
 * @param c       Configuration (start from tes_conf_defaults())
 * @param path    YAML file
 * @param errout  Where to print errors (stderr)
 * @return Number of errors (0 = valid), or -errno when unreadable
 */
int tes_conf_load(struct tes_conf *c, const char *path, FILE *errout);

/**
 * The mode a room starts in: its rooms.modes entry, else
 * rooms.default_mode.
 *
 * @param c     Configuration
 * @param room  Room name
 * @return "echo", "mix" or "sfu"
 */
const char *tes_conf_room_mode(const struct tes_conf *c, const char *room);

/**
 * The password file of a room whose SIP callers must authenticate.
 *
 * @param c     Configuration
 * @param room  Room name
 * @return Its sip.auth file, or NULL when the room takes calls without
 */
const char *tes_conf_sip_auth_file(const struct tes_conf *c,
				   const char *room);

/**
 * Check a sip.auth password file the way sofia-sip's auth module will
 * read it (iptsec/auth_module.c, auth_readdb_internal): lines split at CR
 * or LF, empty lines and lines starting with '#' skipped, every other line
 * "user:password[:realm[:ident]]", or "user:realm:HA1" (htdigest: a third
 * field of exactly 32 hex digits).  Sofia skips a line without a user or
 * a password silently, keeps a user whose realm field is not ours out of
 * reach, and never returns from a file with a NUL byte: all are refused
 * here.  Used at load time, and by the SIP thread when the file changes.
 *
 * @param path   File (a regular file others cannot read or write)
 * @param realm  sip.realm
 * @param why    Receives what is wrong (no file contents in it)
 * @param len    Its size
 * @return Number of users (at least 1), or -errno when the file cannot be
 *         used (why says why)
 */
int tes_conf_passwd_check(const char *path, const char *realm, char *why,
			  size_t len);

/**
 * Load a YAML document from memory (for tests and fuzzing).
 *
 * @param c       Configuration
 * @param name    Name used in error messages
 * @param text    YAML text
 * @param len     Its length
 * @param errout  Where to print errors
 * @return Number of errors (0 = valid)
 */
int tes_conf_load_string(struct tes_conf *c, const char *name,
			 const char *text, size_t len, FILE *errout);

#endif /* TES_CONF_H */
