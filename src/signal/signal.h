/**
 * @file signal.h  HTTP API on the loop thread (libwebsockets on our libuv
 * loop): WHIP join (RFC 9725), leave, room listings and the static demo
 * page.  Owned by the loop thread.
 */
#ifndef TES_SIGNAL_H
#define TES_SIGNAL_H

#include <uv.h>

#include "base/conf.h"
#include "room/room.h"

struct tes_signal;

/** What a token lets its bearer do (the "rights" claim). */
enum tes_right {
	TES_RIGHT_PUBLISH = 1 << 0,    /**< "publish": send media (WHIP) */
	TES_RIGHT_SUBSCRIBE = 1 << 1,  /**< "subscribe": receive (WHEP, a
					    recvonly WHIP, HLS, canvas) */
	TES_RIGHT_ADMIN = 1 << 2,      /**< "admin": listings, layout, mode,
					    profiles, recordings, streams,
					    /metrics (with room "*") */
};

enum {
	TES_TOKEN_MAX = 4096,   /**< longest token accepted, in bytes */
};

/** The claims of a verified access token (RFC 7519 JWT, HS256). */
struct tes_token {
	char room[TES_ROOM_NAME_MAX + 1]; /**< "room": a room name, or "*"
					       for every room */
	char sub[TES_PART_NAME_MAX + 1];  /**< "sub": who (1..64 bytes of
					       UTF-8, no control characters) */
	unsigned rights;                  /**< "rights": TES_RIGHT_* */
	int64_t exp;                      /**< "exp": expiry, seconds since
					       1970 (required) */
	int64_t nbf;                      /**< "nbf": not before, or 0 */
};

/**
 * Verify a compact JWS token (RFC 7515, 7519): HS256 only, checked in
 * constant time; then the claims room, sub, rights, exp and nbf.
 *
 * @param t       Receives the claims (zeroed unless 0 is returned)
 * @param jwt     Token text (header.payload.signature, base64url)
 * @param len     Its length
 * @param key     HMAC key (auth.secret)
 * @param keylen  Its length
 * @param now     Current time, seconds since 1970
 * @param skew_s  Clock skew allowed past exp and before nbf
 * @param why     Receives a static reason when not 0 (no quotes)
 * @return 0, -EBADMSG malformed (or a claim missing or invalid),
 *         -ENOTSUP alg is not HS256 (or crit is present), -EACCES wrong
 *         signature, -EKEYEXPIRED expired, -EAGAIN not yet valid
 */
int tes_token_verify(struct tes_token *t, const char *jwt, size_t len,
		     const void *key, size_t keylen, int64_t now,
		     uint32_t skew_s, const char **why);

/**
 * Make a token with the claims of t and "iat" (tessera --make-token,
 * tests).
 *
 * @param buf     Receives the token, NUL-terminated
 * @param size    Size of buf (TES_TOKEN_MAX + 1 always fits)
 * @param t       Claims (room, sub, rights, exp, and nbf unless 0)
 * @param iat     Issued at, seconds since 1970
 * @param key     HMAC key
 * @param keylen  Its length
 * @return Length of the token, -EINVAL bad claims, -ENOSPC buf too small,
 *         -ENOMEM
 */
int tes_token_make(char *buf, size_t size, const struct tes_token *t,
		   int64_t iat, const void *key, size_t keylen);

/**
 * Parse a list of rights: "publish,subscribe" (comma-separated names).
 *
 * @param list    The list
 * @param rights  Receives TES_RIGHT_* bits
 * @return 0, or -EINVAL (empty, unknown name)
 */
int tes_token_rights_parse(const char *list, unsigned *rights);

/**
 * Whether a token allows something in a room.
 *
 * @param t       Verified token
 * @param room    Room name, or NULL: all rooms (needs room "*")
 * @param any     TES_RIGHT_* bits, any one of which is enough
 * @return true when its room matches and it has one of the rights
 */
bool tes_token_grants(const struct tes_token *t, const char *room,
		      unsigned any);

/**
 * Start listening for HTTP on conf->http_listen:http_port.
 *
 * @param sp     Receives the server
 * @param loop   Loop thread's loop
 * @param conf   Configuration (outlives the server)
 * @param rooms  Room registry
 * @return 0, or negative errno (-EADDRINUSE when the port is taken)
 */
int tes_signal_alloc(struct tes_signal **sp, uv_loop_t *loop,
		     const struct tes_conf *conf, struct tes_rooms *rooms);

/**
 * Stop serving; connections close while the loop keeps running.
 *
 * @param s  Server, or NULL
 */
void tes_signal_close(struct tes_signal *s);

/**
 * Free the server after tes_signal_close() once the loop has run its
 * close callbacks (after uv_run() returned).
 *
 * @param s  Server, or NULL
 */
void tes_signal_free(struct tes_signal *s);

#endif /* TES_SIGNAL_H */
