/**
 * @file sdp.h  SDP (RFC 8866) offer/answer for WebRTC (RFC 8829 JSEP) and
 * for SIP-style endpoints (RFC 3264: plain RTP or SDES-SRTP, no ICE).
 *
 * With WebRTC peers Tessera is always the answerer, ICE-lite (RFC 8445)
 * and the DTLS server (a=setup:passive).  With SIP-style endpoints it
 * answers their offers and makes offers of its own (tes_sdp_*_plain_*).
 * The parser fills fixed-size caller structs and never allocates; the
 * structs are large (see sizeof), so callers put them on the heap.
 * Strings in the structs are NUL-terminated copies.
 */
#ifndef TES_SDP_H
#define TES_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp/crypto.h"

/** Capacities of the fixed-size arrays; extra items are ignored. */
enum {
	TES_SDP_MAX_MEDIA = 64,   /**< m-lines per session (an SFU
				       subscriber has two per publisher) */
	TES_SDP_MAX_FMTS = 48,    /**< payload types per m-line */
	TES_SDP_MAX_RTPMAP = 48,  /**< codecs per m-line */
	TES_SDP_MAX_EXTMAP = 16,  /**< header extensions per m-line */
	TES_SDP_MAX_SSRC = 8,     /**< distinct a=ssrc values per m-line */
	/** mids in a=group:BUNDLE (more: error); every m-line may be in
	 * it, as in our answers and an SFU subscriber's offers */
	TES_SDP_MAX_BUNDLE = TES_SDP_MAX_MEDIA,
	TES_SDP_MAX_RIDS = 4,     /**< simulcast streams (RFC 8853) per
				       m-line; more are ignored */
	TES_SDP_RID_MAX = 16,     /**< longest rid we keep (longer: ignored) */
	TES_SDP_MAX_CRYPTO = 4,   /**< a=crypto lines kept per m-line */
	TES_SDP_ADDR_MAX = 64,    /**< size of an address string (c=,
				       a=rtcp); longer ones: error */
	TES_SDP_PLAIN_PREFS = 4,  /**< codecs per plain preference list */
};

/** Media type of an m-line. */
enum tes_media_kind {
	TES_MEDIA_AUDIO,        /**< "audio" */
	TES_MEDIA_VIDEO,        /**< "video" */
	TES_MEDIA_APPLICATION,  /**< "application" (data channels) */
	TES_MEDIA_OTHER,        /**< anything else; see kind_name */
};

/** Media direction attribute (RFC 8866 6.7). */
enum tes_dir {
	TES_DIR_SENDRECV,  /**< a=sendrecv (the default) */
	TES_DIR_SENDONLY,  /**< a=sendonly */
	TES_DIR_RECVONLY,  /**< a=recvonly */
	TES_DIR_INACTIVE,  /**< a=inactive */
};

/**
 * Codec recognised from an a=rtpmap encoding name (case-insensitive).
 * The tag is tes_sdp_codec, not tes_codec: struct tes_codec is the codec
 * vtable in codecs/, and C enum and struct tags share one namespace.
 */
enum tes_sdp_codec {
	TES_CODEC_NONE,   /**< no rtpmap seen */
	TES_CODEC_OPUS,   /**< "opus" */
	TES_CODEC_VP8,    /**< "VP8" */
	TES_CODEC_H264,   /**< "H264" */
	TES_CODEC_RTX,    /**< "rtx" (RFC 4588) */
	TES_CODEC_OTHER,  /**< any other name */
};

/**
 * Codecs of plain (SIP-style) offer/answer, as named in preference lists
 * and in the outcome (tes_sdp_neg_media.plain_codec).
 */
enum tes_sdp_plain_codec {
	TES_PLAIN_NONE,  /**< Ends a preference list; nothing chosen */
	TES_PLAIN_OPUS,  /**< opus/48000/2 (RFC 7587) */
	TES_PLAIN_G722,  /**< G722/8000 (static payload type 9) */
	TES_PLAIN_PCMU,  /**< PCMU/8000 (static payload type 0) */
	TES_PLAIN_PCMA,  /**< PCMA/8000 (static payload type 8) */
	TES_PLAIN_H264,  /**< H264/90000, packetization-mode 0 or 1, a
			      profile a constrained baseline stream
			      conforms to */
	TES_PLAIN_VP8,   /**< VP8/90000 */
};

/** What plain offer/answer does with SDES-SRTP (RFC 4568). */
enum tes_sdp_srtp {
	TES_SDP_SRTP_OPTIONAL,   /**< SRTP when a usable a=crypto is offered
				      (RTP/AVP or RTP/SAVP); RTP/SAVP without
				      one is rejected.  The default. */
	TES_SDP_SRTP_OFF,        /**< Plain RTP only: a=crypto on RTP/AVP is
				      ignored, RTP/SAVP m-lines rejected */
	TES_SDP_SRTP_MANDATORY,  /**< SRTP only: m-lines without a usable
				      a=crypto are rejected */
};

/** a=rtcp-fb feedback types, as a bitmask. */
enum {
	TES_FB_NACK = 1,   /**< "nack" (generic NACK) */
	TES_FB_PLI = 2,    /**< "nack pli" */
	TES_FB_FIR = 4,    /**< "ccm fir" */
	TES_FB_REMB = 8,   /**< "goog-remb" */
	TES_FB_TWCC = 16,  /**< "transport-cc" */
};

/** Header extensions we know by URI; index into tes_sdp_neg_media.ext_id. */
enum {
	TES_EXT_MID,            /**< urn:ietf:params:rtp-hdrext:sdes:mid */
	TES_EXT_AUDIO_LEVEL,    /**< ...:rtp-hdrext:ssrc-audio-level */
	TES_EXT_ABS_SEND_TIME,  /**< webrtc.org abs-send-time */
	TES_EXT_TWCC,           /**< transport-wide-cc-extensions-01 */
	TES_EXT_RID,            /**< urn:ietf:params:rtp-hdrext:sdes:
				     rtp-stream-id (RFC 8852) */
	TES_EXT_RRID,           /**< ...:sdes:repaired-rtp-stream-id */
	TES_EXT_COUNT,          /**< number of known extensions */
};

/** One payload type of an m-line: a=rtpmap plus its a=fmtp and a=rtcp-fb. */
struct tes_sdp_rtpmap {
	uint8_t pt;               /**< Payload type, 0..127 */
	char name[32];            /**< Encoding name as written ("VP8") */
	uint32_t clock;           /**< Clock rate in Hz */
	uint8_t channels;         /**< Channels (audio), 0 when not given */
	char fmtp[256];           /**< a=fmtp parameters, "" if none (a line
				       too long to fit is ignored) */
	uint32_t fb;              /**< TES_FB_* mask, incl. a=rtcp-fb:* */
	enum tes_sdp_codec codec; /**< Codec recognised from name */
};

/** One a=extmap (RFC 8285). */
struct tes_sdp_extmap {
	uint8_t id;         /**< Extension id, 1..255 except 15 */
	enum tes_dir dir;   /**< "/sendonly" etc. suffix; SENDRECV if none */
	char uri[128];      /**< Extension URI (longer URIs are ignored) */
};

/**
 * One m-line and its attributes.  ice_ufrag, ice_pwd, fp_alg, fp and setup
 * hold the effective values: media-level if present, else session-level.
 */
struct tes_sdp_media {
	enum tes_media_kind kind;  /**< Media type */
	char kind_name[16];        /**< Media type as written (truncated) */
	uint16_t port;             /**< Port; 0 means rejected/bundle-only */
	char proto[32];            /**< Transport ("UDP/TLS/RTP/SAVPF") */
	uint8_t fmts[TES_SDP_MAX_FMTS]; /**< Payload types, RTP protos only */
	size_t n_fmts;             /**< Number of fmts */
	char first_fmt[32];        /**< First format token as written (also
				        non-RTP: "webrtc-datachannel") */
	char mid[32];              /**< a=mid, "" if none */
	enum tes_dir dir;          /**< Direction (session-level default) */
	bool rtcp_mux;             /**< a=rtcp-mux */
	bool rtcp_rsize;           /**< a=rtcp-rsize */
	bool bundle_only;          /**< a=bundle-only */
	char ice_ufrag[257];       /**< Effective a=ice-ufrag */
	char ice_pwd[257];         /**< Effective a=ice-pwd */
	char fp_alg[16];           /**< Effective fingerprint hash */
	char fp[192];              /**< Effective fingerprint ("AB:CD:..") */
	char setup[16];            /**< Effective a=setup ("actpass"), or "" */
	char addr[TES_SDP_ADDR_MAX]; /**< Effective c= address (media-level,
				        else session-level) without a
				        multicast "/ttl", "" if none */
	bool addr_ip6;             /**< addr came as "IN IP6" */
	uint16_t rtcp_port;        /**< a=rtcp port (RFC 3605), 0 if none */
	char rtcp_addr[TES_SDP_ADDR_MAX]; /**< a=rtcp address, "" if the
				        line gave none */
	uint32_t ptime;            /**< a=ptime in ms (a fraction is dropped),
				        0 if absent or unreadable */
	struct tes_sdes crypto[TES_SDP_MAX_CRYPTO]; /**< a=crypto lines (RFC
				        4568) that tes_sdes_parse() took, in
				        order; RTP protos only */
	size_t n_crypto;           /**< Number of crypto */
	size_t n_crypto_ignored;   /**< a=crypto lines skipped: malformed,
				        refused by tes_sdes_parse() (suite,
				        MKI, ...) or beyond the capacity */
	uint32_t fb_wildcard;      /**< TES_FB_* from a=rtcp-fb:* (already
				        merged into every rtpmap) */
	struct tes_sdp_rtpmap rtpmap[TES_SDP_MAX_RTPMAP]; /**< Codecs, in
				        m-line order; only pts with a name
				        (a=rtpmap or a static pt) are kept */
	size_t n_rtpmap;           /**< Number of rtpmap entries */
	struct tes_sdp_extmap extmap[TES_SDP_MAX_EXTMAP]; /**< Extensions */
	size_t n_extmap;           /**< Number of extmap entries */
	uint32_t ssrc[TES_SDP_MAX_SSRC]; /**< Distinct a=ssrc values, in
				        order of appearance (incl. RTX/FEC) */
	size_t n_ssrc;             /**< Number of ssrcs */
	char cname[64];            /**< First a=ssrc cname (truncated) */
	char msid[128];            /**< a=msid value ("stream track"), else
				        the first a=ssrc msid (truncated) */
	char sim_send[TES_SDP_MAX_RIDS][TES_SDP_RID_MAX + 1]; /**< rids of
				        a=simulcast:send, in its order (the
				        first of each group of alternatives;
				        paused ones too) */
	size_t n_sim_send;         /**< Number of sim_send */
	uint32_t max_kbps;         /**< b=AS (kbit/s) or b=TIAS (rounded
				        up), 0 when absent */
};

/** A parsed session description. */
struct tes_sdp_session {
	uint64_t sess_id;          /**< o= sess-id */
	uint64_t sess_version;     /**< o= sess-version */
	char ice_ufrag[257];       /**< Session-level a=ice-ufrag, or "" */
	char ice_pwd[257];         /**< Session-level a=ice-pwd, or "" */
	char fp_alg[16];           /**< Session-level fingerprint hash, or "" */
	char fp[192];              /**< Session-level fingerprint, or "" */
	char setup[16];            /**< Session-level a=setup, or "" */
	bool ice_lite;             /**< a=ice-lite */
	char addr[TES_SDP_ADDR_MAX]; /**< Session-level c= address, or "" */
	bool addr_ip6;             /**< addr came as "IN IP6" */
	char bundle[TES_SDP_MAX_BUNDLE][32]; /**< a=group:BUNDLE mids */
	size_t n_bundle;           /**< Number of bundle mids (0: no BUNDLE) */
	struct tes_sdp_media media[TES_SDP_MAX_MEDIA]; /**< m-lines */
	size_t n_media;            /**< Number of m-lines stored */
	size_t n_media_ignored;    /**< m-lines beyond TES_SDP_MAX_MEDIA */
};

/**
 * Parse a session description.  Lines end in CRLF or LF; v= comes first;
 * unknown lines and attributes are ignored; arrays that fill up drop the
 * extra items.  Overlong identifiers (ufrag, pwd, fingerprint, mid) are
 * errors, never silently truncated.
 *
 * @param s       Receives the session (fully overwritten)
 * @param sdp     SDP text (need not be NUL-terminated)
 * @param len     Its length
 * @param err     Receives a human-readable reason on failure (may be NULL)
 * @param errlen  Size of err
 * @return 0, -EINVAL on bad arguments, -EBADMSG when malformed
 */
int tes_sdp_parse(struct tes_sdp_session *s, const char *sdp, size_t len,
		  char *err, size_t errlen);

/**
 * Find a payload type among an m-line's codecs.
 *
 * @param m   m-line
 * @param pt  Payload type
 * @return The entry, or NULL
 */
const struct tes_sdp_rtpmap *tes_sdp_rtpmap_find(const struct tes_sdp_media *m,
						 uint8_t pt);

/** What we announce in our answer.  All strings must be non-NULL. */
struct tes_sdp_local {
	const char *ice_ufrag;    /**< Our ICE ufrag */
	const char *ice_pwd;      /**< Our ICE password */
	const char *fingerprint;  /**< Our sha-256 fingerprint "AB:CD:.." */
	const char *addr;         /**< Announced address (IPv4; IPv6 if it
				       contains ':') */
	uint16_t port;            /**< Announced UDP port (host candidate) */
	const char *cname;        /**< Our RTCP CNAME */
	const char *stream_id;    /**< Our MediaStream id (a=msid) */
	uint32_t audio_ssrc;      /**< SSRC we send audio with */
	uint32_t video_ssrc;      /**< SSRC we send video with */
};

/** The outcome of negotiating one offered m-line. */
struct tes_sdp_neg_media {
	enum tes_media_kind kind;  /**< Media type */
	char kind_name[16];        /**< Media type as written in the offer */
	char mid[32];              /**< The offer's mid, "" if none */
	bool accepted;             /**< false: port 0 in the answer */
	enum tes_dir dir;          /**< Direction in OUR answer */
	bool we_recv;              /**< We receive media on this m-line */
	bool we_send;              /**< We send media on this m-line (at most
				        one m-line per kind) */
	struct tes_sdp_rtpmap codec; /**< Chosen codec, copied from the offer
				        (its pt and fmtp); fb = negotiated */
	uint8_t ext_id[TES_EXT_COUNT]; /**< Negotiated extension ids from the
				        offer, 0 = not used */
	uint32_t fb;               /**< Negotiated TES_FB_* of the codec */
	bool rtcp_rsize;           /**< Offer had a=rtcp-rsize; we echo it */
	uint32_t remote_ssrc;      /**< First a=ssrc of the offer, 0 if none */
	uint32_t local_ssrc;       /**< Our SSRC for this kind (announced in
				        the answer only when we_send) */
	char proto[32];            /**< The offer's proto (echoed) */
	char first_fmt[32];        /**< The offer's first format token, echoed
				        in a rejected m-line ("0" if none) */
	char rids[TES_SDP_MAX_RIDS][TES_SDP_RID_MAX + 1]; /**< Simulcast we
				        receive: the offer's send rids we
				        answer a=rid:X recv for */
	size_t n_rids;             /**< Number of rids (0: no simulcast) */
	char msid_stream[24];      /**< When sending: our a=msid stream id,
				        "" for tes_sdp_local.stream_id */
	char msid_track[40];       /**< When sending: track id, "" for
				        "<kind>-<mid>" */

	/* plain (SIP-style) offer/answer only, tes_sdp_negotiate_plain() */
	enum tes_sdp_plain_codec plain_codec; /**< Chosen codec (codec holds
				        the offer's rtpmap of it) */
	char remote_addr[TES_SDP_ADDR_MAX]; /**< Where the peer wants RTP:
				        the m-line's effective c= (numeric) */
	char remote_rtcp_addr[TES_SDP_ADDR_MAX]; /**< Where it wants RTCP:
				        a=rtcp's address, else remote_addr */
	uint16_t remote_port;      /**< Its RTP port (the m= port) */
	uint16_t remote_rtcp_port; /**< Its RTCP port: remote_port with
				        rtcp_mux, else a=rtcp's, else
				        remote_port + 1 (0 for port 65535) */
	bool rtcp_mux;             /**< RTCP on the RTP port (RFC 5761): the
				        offer had a=rtcp-mux, we answer it */
	bool hold;                 /**< c= was 0.0.0.0 (or ::): RFC 3264's
				        old hold, we must not send */
	bool sdes;                 /**< SRTP keyed by a=crypto (RFC 4568) */
	struct tes_sdes remote_key; /**< With sdes: the peer's a=crypto we
				        took (the first offered one we can
				        use); it keys what we receive */
	struct tes_sdes local_key; /**< With sdes: ours, FILLED BY THE
				        CALLER before building the answer
				        (remote_key's tag and suite, a fresh
				        key: tes_sdes_new_key()) */
	uint16_t local_port;       /**< Our RTP port, SET BY THE CALLER
				        before building (RTCP: the same with
				        rtcp_mux, else local_port + 1) */
	uint8_t dtmf_pt;           /**< telephone-event/8000 pt (RFC 4733)
				        we answer too, 0 = none */
	uint8_t h264_pmode;        /**< H.264 packetization-mode, 0 or 1 */
	uint8_t h264_profile_idc;  /**< H.264 profile_idc of the offer
				        (0x42, 0x4d, 0x58 or 0x64) */
	uint8_t h264_profile_iop;  /**< Its profile-iop byte (constraint
				        flags; constraint_set3 of level 1b
				        removed) */
	uint8_t h264_level_idc;    /**< H.264 level_idc the peer takes,
				        level 1b as 9 (as H.264 writes it for
				        High profiles) */
	uint32_t ptime;            /**< The offer's a=ptime in ms, 0 if
				        none (we answer 20 for audio) */
};

/** The negotiated answer; tes_sdp_build_answer() turns it into SDP. */
struct tes_sdp_answer {
	struct tes_sdp_neg_media media[TES_SDP_MAX_MEDIA]; /**< One per offered
				        m-line, same order */
	size_t n_media;            /**< Number of m-lines (= offer's) */
	char remote_ufrag[257];    /**< Peer's ICE ufrag (first accepted
				        m-line's effective value) */
	char remote_pwd[257];      /**< Peer's ICE password */
	char fp_alg[16];           /**< Peer's fingerprint hash ("sha-256") */
	char fp[192];              /**< Peer's DTLS fingerprint "AB:CD:.." */
	bool bundle;               /**< The offer had a=group:BUNDLE; the
				        answer bundles every accepted mid */
	uint64_t sess_id;          /**< Our o= sess-id (random; callers may
				        overwrite it before building) */
	bool plain;                /**< Made by tes_sdp_negotiate_plain():
				        no ICE, no DTLS, no BUNDLE */
};

/**
 * Negotiate an answer to an offer.  Per m-line: needs proto
 * UDP/TLS/RTP/SAVPF, rtcp-mux and a common codec (opus/48000/2; VP8, else
 * H264 constrained baseline packetization-mode=1), else it is rejected.
 *
 * @param ans     Receives the answer (fully overwritten)
 * @param offer   Parsed offer
 * @param local   Our parameters (only validated here; used by build)
 * @param err     Receives a human-readable reason on failure (may be NULL)
 * @param errlen  Size of err
 * @return 0, -EINVAL on bad arguments, -EPROTO when the offer cannot be
 *         answered (no ICE credentials, no fingerprint, a=setup:passive,
 *         no common codec, too many m-lines)
 */
int tes_sdp_negotiate(struct tes_sdp_answer *ans,
		      const struct tes_sdp_session *offer,
		      const struct tes_sdp_local *local, char *err,
		      size_t errlen);

/**
 * Write the answer SDP (CRLF line ends, NUL-terminated).
 *
 * @param buf    Output buffer
 * @param cap    Its capacity (16 KiB is plenty for 16 m-lines)
 * @param ans    Negotiated answer
 * @param local  Our parameters
 * @return Length written (without the NUL), -EINVAL on bad arguments, or
 *         -ENOSPC when buf is too small
 */
int tes_sdp_build_answer(char *buf, size_t cap,
			 const struct tes_sdp_answer *ans,
			 const struct tes_sdp_local *local);

/**
 * Write a subsequent offer of ours (RFC 8829 5.2.2) for an established
 * session: the m-lines of the description negotiated so far, in the same
 * order with the same mids, followed by any we add.  Same ICE credentials
 * and fingerprint (no restart), a=setup:passive (we stay the DTLS server).
 *
 * @param buf      Output buffer
 * @param cap      Its capacity
 * @param media    The m-lines, each as negotiated (kind, mid, codec,
 *                 extensions, direction from our side, local_ssrc and
 *                 msid when we send)
 * @param n        Number of m-lines (at most TES_SDP_MAX_MEDIA)
 * @param sess_id  Our o= sess-id (that of the first answer)
 * @param version  o= sess-version, higher than any we sent before
 * @param local    Our parameters
 * @return Length written (without the NUL), -EINVAL, or -ENOSPC
 */
int tes_sdp_build_offer(char *buf, size_t cap,
			const struct tes_sdp_neg_media *media, size_t n,
			uint64_t sess_id, uint64_t version,
			const struct tes_sdp_local *local);

/** Preferences of plain offer/answer; all zero means the defaults. */
struct tes_sdp_plain_prefs {
	enum tes_sdp_srtp srtp;  /**< SRTP policy (default OPTIONAL) */
	enum tes_sdp_plain_codec audio[TES_SDP_PLAIN_PREFS]; /**< Audio
				      codecs we take, best first, ended by
				      TES_PLAIN_NONE; empty: opus, G722,
				      PCMU, PCMA */
	enum tes_sdp_plain_codec video[TES_SDP_PLAIN_PREFS]; /**< Video
				      codecs likewise; empty: H264 (what
				      hardware endpoints want), VP8 */
};

/**
 * Negotiate an answer to a SIP-style offer (RFC 3264): plain RTP or
 * SDES-SRTP (RFC 4568), no ICE, no DTLS, no BUNDLE.
 *
 * Protos RTP/AVP, RTP/AVPF, RTP/SAVP and RTP/SAVPF (not UDP/TLS/...:
 * those are tes_sdp_negotiate()'s).  The first audio and the first video
 * m-line with a common codec, a numeric c= address and acceptable
 * keying are accepted; every other m-line is rejected (port 0 in the
 * answer, proto and first format echoed).  Per accepted m-line: the codec
 * we prefer among the offered ones (packetization-mode 1 before 0 for
 * H.264), telephone-event/8000 if offered, the peer's addresses and ports
 * (rtcp-mux if offered, else a=rtcp, else port + 1), the first usable
 * a=crypto (AES_CM_128_HMAC_SHA1_80 or _32) when SRTP is used, and the
 * direction inverted from the offer's; c=0.0.0.0 is hold: we do not send.
 *
 * The same function processes the ANSWER to an offer of ours
 * (tes_sdp_build_plain_offer()): it carries only our payload types and the
 * m-lines the peer took, so negotiating it like an offer selects the
 * same codecs, and we_send / we_recv are inverted from the answer's
 * direction as they are from an offer's.  Check then that remote_key's
 * tag and suite are those we offered.
 *
 * @param ans     Receives the outcome (plain = true; m-lines beyond
 *                n_media are not touched; local_key and local_port are
 *                left for the caller)
 * @param offer   Parsed offer (or answer)
 * @param prefs   Preferences, NULL for the defaults
 * @param err     Receives a human-readable reason on failure, naming what
 *                was offered (a SIP 488 can carry it; may be NULL)
 * @param errlen  Size of err
 * @return 0, -EINVAL on bad arguments (also a preference list naming a
 *         codec of the other kind), -EPROTO when nothing can be accepted
 */
int tes_sdp_negotiate_plain(struct tes_sdp_answer *ans,
			    const struct tes_sdp_session *offer,
			    const struct tes_sdp_plain_prefs *prefs,
			    char *err, size_t errlen);

/** Our side of a plain description.  Strings must be non-NULL. */
struct tes_sdp_plain_local {
	const char *addr;       /**< Our numeric IP for o= and c= (IPv6 if
				     it contains ':') */
	const char *cname;      /**< Our RTCP CNAME (a=ssrc cname) */
	uint32_t audio_ssrc;    /**< SSRC we send audio with */
	uint32_t video_ssrc;    /**< SSRC we send video with */
	uint64_t sess_id;       /**< o= sess-id; 0: the answer's random one
				     (an offer needs one) */
	uint64_t sess_version;  /**< o= sess-version; raise it with every
				     new description in a dialog */
};

/**
 * Write the answer negotiated by tes_sdp_negotiate_plain() (CRLF line
 * ends, NUL-terminated): session-level c= with our address; per accepted
 * m-line our local_port, the offer's proto, the chosen codec's rtpmap and
 * fmtp (H.264: the offer's packetization-mode and profile, its level or
 * 3.1 if lower), telephone-event when negotiated, a=ptime:20 for audio,
 * the direction, a=rtcp-mux when agreed else a=rtcp:local_port+1,
 * a=crypto with local_key, the offered rtcp-fb we do (nack, nack pli,
 * ccm fir) for video, and a=ssrc cname when we send.
 *
 * @param buf    Output buffer
 * @param cap    Its capacity (4 KiB is plenty for a few m-lines)
 * @param ans    Plain answer, local_port (and local_key for sdes) set
 * @param local  Our parameters
 * @return Length written (without the NUL), -EINVAL on bad arguments
 *         (not plain, an accepted m-line without local_port or, with
 *         sdes, without a local_key of remote_key's tag and suite), or
 *         -ENOSPC when buf is too small
 */
int tes_sdp_build_plain_answer(char *buf, size_t cap,
			       const struct tes_sdp_answer *ans,
			       const struct tes_sdp_plain_local *local);

/** An offer of ours to a SIP-style endpoint (an INVITE without SDP). */
struct tes_sdp_plain_offer {
	struct tes_sdp_plain_local local; /**< Our side; sess_id non-zero */
	uint16_t audio_port;    /**< Our audio RTP port; 0: no audio */
	uint16_t video_port;    /**< Our video RTP port; 0: no video */
	enum tes_sdp_srtp srtp; /**< MANDATORY: RTP/SAVP with a=crypto;
				     OPTIONAL: RTP/AVP with a=crypto (the
				     answer decides); OFF: RTP/AVP */
	struct tes_sdes audio_key; /**< Our audio a=crypto unless srtp is
				     OFF (tes_sdes_new_key()) */
	struct tes_sdes video_key; /**< Our video a=crypto likewise */
	bool rtcp_mux;          /**< Offer a=rtcp-mux; else RTCP is on
				     port + 1 (announced with a=rtcp) */
	enum tes_dir dir;       /**< Direction of both m-lines (default
				     sendrecv) */
};

/**
 * Write an offer of ours (CRLF line ends, NUL-terminated): an audio
 * m-line (opus 111, G722 9, PCMU 0, PCMA 8, telephone-event 101 0-16,
 * a=ptime:20) and a video m-line (H264 packetization-mode 1 pt 96 and
 * packetization-mode 0 pt 97, both profile-level-id 42e01f, VP8 98;
 * rtcp-fb nack, nack pli, ccm fir), each with a=ssrc cname, our crypto
 * as the policy says, and a=rtcp-mux or a=rtcp.  Negotiate the answer
 * with tes_sdp_negotiate_plain().
 *
 * @param buf  Output buffer
 * @param cap  Its capacity (2 KiB is plenty)
 * @param o    What to offer
 * @return Length written (without the NUL), -EINVAL on bad arguments (no
 *         m-line, no sess_id, a port of 65535 without rtcp_mux, a key
 *         missing), or -ENOSPC
 */
int tes_sdp_build_plain_offer(char *buf, size_t cap,
			      const struct tes_sdp_plain_offer *o);

/**
 * Name of a direction as used in SDP.
 *
 * @param d  Direction
 * @return "sendrecv", "sendonly", "recvonly", "inactive" (or "?")
 */
const char *tes_dir_name(enum tes_dir d);

/** URIs of the TES_EXT_* header extensions (RFC 8285 a=extmap). */
extern const char *const tes_sdp_ext_uri[TES_EXT_COUNT];

#endif /* TES_SDP_H */
