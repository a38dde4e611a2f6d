/**
 * @file signal_int.h  Between the HTTP plumbing (http.c) and the API
 * routes (api.c).
 */
#ifndef TES_SIGNAL_INT_H
#define TES_SIGNAL_INT_H

#include <stddef.h>

#include <jansson.h>

#include "base/base.h"
#include "signal/signal.h"

struct lws;
struct tes__limiter;

enum tes__method {
	TES__GET,
	TES__POST,
	TES__PUT,
	TES__PATCH,
	TES__DELETE,
	TES__OPTIONS,
	TES__HEAD,
	TES__OTHER,
};

/* Counters of the HTTP server for /metrics (loop thread). */
struct tes__http_stats {
	uint64_t responses[6];       /* by status class: [2] is 2xx ... */
	uint64_t unauthorized;       /* 401: no token, or no valid one */
	uint64_t forbidden;          /* 403: a valid token without the
					room or the right */
	uint64_t rate_limited;       /* 429 */
	uint64_t channels;           /* event channels open now */
	struct tes_ratelog rl_auth;  /* log lines of auth rejections */
	struct tes_ratelog rl_limit; /* ... of rate-limited clients */
};

/* A complete request. */
struct tes__http_req {
	enum tes__method method;
	const char *path;      /* URI path, no query */
	const char *name;      /* ?name= of the query, URL-decoded by lws,
				  or NULL when absent */
	const char *ctype;     /* Content-Type without parameters, or "" */
	const char *body;      /* NUL-terminated body */
	size_t body_len;
	const char *authz;     /* Authorization header, or NULL */
	const char *peer;      /* client address (for log lines) */
	const struct tes_conf *conf;
	struct tes__http_stats *stats;
};

/* A response; body is malloc'd (or NULL) and freed by http.c. */
struct tes__http_resp {
	unsigned status;
	const char *ctype;
	char location[192];
	const char *allow;     /* Allow header for 405 and OPTIONS */
	char *body;
	size_t body_len;
	const char *file;      /* serve this file instead (static) */
	char file_path[1200];
	char www_auth[320];    /* WWW-Authenticate of a 401 or 403, or "" */
	unsigned retry_after;  /* Retry-After of a 429 (s), or 0 */
};

/* api.c: route one request. */
void tes__api_handle(struct tes_rooms *rooms, const struct tes_conf *conf,
		     const struct tes__http_req *req,
		     struct tes__http_resp *resp);

/* api.c: a JSON answer (takes the reference) and a 405 with Allow */
void tes__api_json(struct tes__http_resp *resp, unsigned status, json_t *j);
void tes__api_not_allowed(struct tes__http_resp *resp, const char *allow);

/* api.c: the JSON body of a request; NULL when a 415 (not JSON) or a
 * 400 ("body must be <shape>: why") has been answered */
json_t *tes__api_body(const struct tes__http_req *req,
		      struct tes__http_resp *resp, const char *shape);

/* files.c: GET of a static file of the web root, of an HLS file of a
 * room (/rooms/{room}/hls/{name}), and of a room's canvas.png */
void tes__api_static(const struct tes_conf *conf,
		     const struct tes__http_req *req,
		     struct tes__http_resp *resp);
void tes__api_hls(struct tes_rooms *rooms, const char *room,
		  const char *name, const struct tes__http_req *req,
		  struct tes__http_resp *resp);
void tes__api_canvas(struct tes_rooms *rooms, const char *room,
		     struct tes__http_resp *resp);

/* recapi.c: /rooms/{room}/recordings[/{id}], /rooms/{room}/streams[/{id}] */
void tes__api_recordings(struct tes_rooms *rooms, const char *room,
			 bool streams, const char *rest,
			 const struct tes__http_req *req,
			 struct tes__http_resp *resp);

/* auth.c: whether a token (NULL: none) lets its bearer do one of any
 * (TES_RIGHT_*) in room (NULL: in every room).  Without auth.required
 * everything is allowed and t grants everything.
 * @return 0, 401 (no valid token) or 403 (not allowed), with *why */
unsigned tes__auth_token(const struct tes_conf *conf, const char *token,
			 size_t len, const char *room, unsigned any,
			 struct tes_token *t, const char **why);

/* auth.c: tes__auth_token() for the request's Authorization: Bearer;
 * 0, or -EACCES when resp holds the 401 or 403 */
int tes__auth_http(const struct tes__http_req *req, const char *room,
		   unsigned any, struct tes_token *t,
		   struct tes__http_resp *resp);

/* auth.c: the token of an Authorization: Bearer value (not
 * NUL-terminated: *len), or NULL for another scheme or none */
const char *tes__auth_bearer(const char *authz, size_t *len);

/* auth.c: a 401 or 403 counted, and logged now and then */
void tes__auth_note(struct tes__http_stats *st, const char *peer,
		    unsigned status, const char *why);

/* auth.c: a 401 or 403 with WWW-Authenticate, counted and logged */
void tes__auth_deny(const struct tes__http_req *req,
		    struct tes__http_resp *resp, unsigned status,
		    const char *why);

/* auth.c: whether t may act on a participant joined by owner ("": with
 * auth off): its own, or any with admin */
bool tes__auth_owns(const struct tes_token *t, const char *owner);

/* auth.c: the request's token allows one of any in room (NULL: every
 * room); else false, and resp holds the 401 or 403 */
bool tes__auth_allowed(const struct tes__http_req *req, const char *room,
		       unsigned any, struct tes__http_resp *resp);

/* auth.c: PATCH and DELETE of a participant: a token for its room with
 * its owner's sub, or admin; else false, and resp holds the 401, 403 or
 * 404 (no such participant, or someone else's) */
bool tes__auth_part(struct tes_rooms *rooms, const char *room,
		    const char *id, const struct tes__http_req *req,
		    struct tes__http_resp *resp);

/* auth.c: the same for an event channel, with the token of ?token=
 * (query) or else of authz (Authorization); 0, 401, 403 (*why), or 404
 * (someone else's participant) */
unsigned tes__auth_channel(const struct tes_conf *conf,
			   struct tes_rooms *rooms, const char *query,
			   const char *authz, const char *room,
			   const char *id, const char **why);

enum {
	TES__PEER_MAX = 48,   /* a client address as text */
};

/* limit.c: the client's address (16 bytes, IPv4 mapped) and as text:
 * the peer's, or behind http.trusted_proxy the last X-Forwarded-For */
void tes__client_addr(struct lws *wsi, const struct tes_conf *conf,
		      uint8_t addr[16], char *text, size_t len);

/* limit.c: a request from wsi's client; 0, or the seconds it must wait
 * (counted in st and, now and then, logged) */
unsigned tes__limit_request(struct tes__limiter *l, struct lws *wsi,
			    const struct tes_conf *conf,
			    struct tes__http_stats *st, char *peer,
			    size_t len);

/* limit.c: the 429 answer with Retry-After */
void tes__limit_answer(const struct tes_conf *conf,
		       struct tes__http_resp *resp, unsigned wait);

/* limit.c: a token bucket per client address (IPv6: per /64) */
int tes__limit_alloc(struct tes__limiter **lp, uint32_t rate_per_s,
		     uint32_t burst);
void tes__limit_free(struct tes__limiter *l);

/* limit.c: take one request of addr (16 bytes, IPv4 mapped) at now_ms;
 * 0 allowed, else the seconds to wait (Retry-After) */
unsigned tes__limit_take(struct tes__limiter *l, const uint8_t addr[16],
			 uint64_t now_ms);

/* metrics.c: GET /metrics, Prometheus text format 0.0.4 */
void tes__metrics(struct tes_rooms *rooms, const struct tes__http_stats *st,
		  struct tes__http_resp *resp);

/* api.c: set a JSON error response {"error": reason}. */
void tes__api_error(struct tes__http_resp *resp, unsigned status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* wsmsg.c: a message from a participant on its event channel */
enum tes__ws_type {
	TES__WS_PING,     /* {"type": "ping"} */
	TES__WS_ANSWER,   /* {"type": "answer", "sdp": ...} */
	TES__WS_VIEW,     /* {"type": "view", "publisher", "width",
			     "height"}: the size it shows one at */
};

enum { TES__WS_VIEW_MAX = 16384 };

struct tes__ws_msg {
	enum tes__ws_type type;
	json_t *j;              /* the message (owns the strings) */
	const char *sdp;        /* answer */
	const char *publisher;  /* view */
	unsigned width;         /* view, 0..TES__WS_VIEW_MAX */
	unsigned height;
};

/* Parse one message: 0, or -EBADMSG with the reason in err (then there is
 * nothing to free) */
int tes__ws_parse(struct tes__ws_msg *m, const char *text, size_t len,
		  char *err, size_t errlen);
void tes__ws_msg_free(struct tes__ws_msg *m);

#endif /* TES_SIGNAL_INT_H */
