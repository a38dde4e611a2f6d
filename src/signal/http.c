/**
 * @file http.c  libwebsockets plumbing: one HTTP vhost on our libuv loop,
 * request bodies collected up to the configured limit, one response per
 * request written from the WRITEABLE callback; and the participants'
 * event channels, WebSockets on GET /rooms/{room}/participants/{id}/events
 * (JSON messages: we send "hello", "offer", "mode", "recording",
 * "closed", "error"; the participant may send {"type": "answer", "sdp":
 * ...}, {"type": "view", "publisher": id, "width": W, "height": H} and
 * "ping").  With auth.required a channel needs a token for its room that
 * names the participant's owner (or has admin): ?token= (browsers cannot
 * set headers on a WebSocket) or Authorization: Bearer.  A refused
 * channel gets an "error" with "status" 401, 403 or 429, then closes.
 */
#include <libwebsockets.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "signal/signal_int.h"

enum {
	URI_MAX = 512,
	/* past this a body is not even read to be discarded */
	DISCARD_MAX = 16 * 1024 * 1024,
	HDR_BUF = 2048,
	CLOSE_GRACE_MS = 200, /* a refused channel's error, then its close */
};

struct pss;

struct tes_signal {
	struct lws_context *ctx;
	bool closing;
	struct tes_rooms *rooms;
	const struct tes_conf *conf;
	struct pss *chans;   /* open event channels */
	struct tes__http_stats stats;
	struct tes__limiter *limit;
};

/* A message waiting to go out on an event channel. */
struct wsmsg {
	struct wsmsg *next;
	size_t len;
	uint8_t buf[];       /* LWS_PRE bytes, then the text */
};

/* Per HTTP connection, or per event channel once upgraded (zeroed by
 * lws). */
struct pss {
	/* event channel */
	bool ws;
	struct lws *wsi;
	struct pss *next;             /* tes_signal.chans */
	char room[TES_ROOM_NAME_MAX + 1];
	char id[TES_PART_ID_LEN + 1];
	bool attached;                /* the room knows of it */
	bool close_after;             /* close once the queue is written */
	bool close_armed;             /* ... it was, and the close is due */
	struct wsmsg *q, **qtail;
	char *rx;                     /* a message in fragments */
	size_t rx_len;
	/* HTTP request */
	enum tes__method method;
	char path[URI_MAX];
	char *name;          /* ?name= (malloc'd), or NULL */
	char *authz;         /* Authorization (malloc'd), or NULL */
	char peer[TES__PEER_MAX]; /* client address */
	char ctype[128];
	char *body;
	size_t body_len;
	size_t body_seen;
	bool too_big;
	bool have_resp;
	struct tes__http_resp resp;
};

static enum tes__method method_of(struct lws *wsi)
{
	static const struct {
		enum lws_token_indexes tok;
		enum tes__method m;
	} map[] = {
		{WSI_TOKEN_GET_URI, TES__GET},
		{WSI_TOKEN_POST_URI, TES__POST},
		{WSI_TOKEN_PUT_URI, TES__PUT},
		{WSI_TOKEN_PATCH_URI, TES__PATCH},
		{WSI_TOKEN_DELETE_URI, TES__DELETE},
		{WSI_TOKEN_OPTIONS_URI, TES__OPTIONS},
		{WSI_TOKEN_HEAD_URI, TES__HEAD},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(map); i++) {
		if (lws_hdr_total_length(wsi, map[i].tok) > 0)
			return map[i].m;
	}

	return TES__OTHER;
}

static void pss_reset(struct pss *p)
{
	free(p->name);
	free(p->authz);
	free(p->body);
	free(p->resp.body);
	p->name = p->authz = p->body = p->resp.body = NULL;
	memset(&p->method, 0, sizeof(*p) - offsetof(struct pss, method));
}

/* The response in p->resp is ready: write it when the socket can take it */
static int queue_resp(struct lws *wsi, struct pss *p)
{
	p->have_resp = true;
	lws_callback_on_writable(wsi);

	return 0;
}

static void respond(struct lws *wsi, struct pss *p)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct tes_signal *s = lws_context_user(ctx);
	struct tes__http_req req = {
		.method = p->method,
		.path = p->path,
		.name = p->name,
		.ctype = p->ctype,
		.body = p->body ? p->body : "",
		.body_len = p->body_len,
		.authz = p->authz,
		.peer = p->peer,
		.conf = s->conf,
		.stats = &s->stats,
	};

	if (p->too_big)
		tes__api_error(&p->resp, 413, "request body larger than %u "
			       "bytes", s->conf->http_max_body);
	else
		tes__api_handle(s->rooms, s->conf, &req, &p->resp);

	queue_resp(wsi, p);
}

static int add_header(struct lws *wsi, const char *name, const char *value,
		      uint8_t **pos, uint8_t *end)
{
	return lws_add_http_header_by_name(wsi, (const uint8_t *)name,
					   (const uint8_t *)value,
					   (int)strlen(value), pos, end);
}

static int write_resp(struct lws *wsi, struct pss *p)
{
	struct tes_signal *s = lws_context_user(lws_get_context(wsi));
	uint8_t hdr[LWS_PRE + HDR_BUF];
	uint8_t *start = hdr + LWS_PRE, *pos = start, *end = hdr + sizeof(hdr);
	struct tes__http_resp *r = &p->resp;
	char retry[16];
	uint8_t *out;
	int n;

	if (r->status >= 100 && r->status < 600)
		s->stats.responses[r->status / 100]++;
	if (r->file) {
		n = lws_serve_http_file(wsi, r->file_path, r->ctype, NULL, 0);
		p->have_resp = false;
		if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
			return -1;
		return 0;
	}

	if (lws_add_http_common_headers(wsi, r->status, r->ctype,
					r->body_len, &pos, end))
		return -1;
	if (r->location[0] &&
	    lws_add_http_header_by_name(wsi, (uint8_t *)"location:",
					(uint8_t *)r->location,
					(int)strlen(r->location), &pos, end))
		return -1;
	if (r->allow &&
	    (lws_add_http_header_by_name(wsi, (uint8_t *)"allow:",
					 (uint8_t *)r->allow,
					 (int)strlen(r->allow), &pos, end) ||
	     lws_add_http_header_by_name(
		     wsi, (uint8_t *)"access-control-allow-methods:",
		     (uint8_t *)r->allow, (int)strlen(r->allow), &pos, end)))
		return -1;
	/* WHIP clients on other origins read the answer and Location */
	if (add_header(wsi, "access-control-allow-origin:", "*", &pos, end) ||
	    add_header(wsi, "access-control-allow-headers:",
		       "content-type, authorization", &pos, end) ||
	    add_header(wsi, "access-control-expose-headers:",
		       "location, www-authenticate, retry-after", &pos, end))
		return -1;
	if (r->www_auth[0] &&
	    add_header(wsi, "www-authenticate:", r->www_auth, &pos, end))
		return -1;
	snprintf(retry, sizeof(retry), "%u", r->retry_after);
	if (r->retry_after &&
	    add_header(wsi, "retry-after:", retry, &pos, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &pos, end))
		return -1;

	if (r->body_len) {
		out = malloc(LWS_PRE + r->body_len);
		if (!out)
			return -1;
		memcpy(out + LWS_PRE, r->body, r->body_len);
		n = lws_write(wsi, out + LWS_PRE, r->body_len,
			      LWS_WRITE_HTTP_FINAL);
		free(out);
		if (n < (int)r->body_len)
			return -1;
	}

	pss_reset(p);
	if (lws_http_transaction_completed(wsi))
		return -1;

	return 0;
}

/* A buffer for the whole of a header (or of the query string): NULL
 * when there is none, or *nomem */
static char *header_buf(struct lws *wsi, enum lws_token_indexes tok,
			int *total, bool *nomem)
{
	char *buf;

	*total = lws_hdr_total_length(wsi, tok);
	*nomem = false;
	if (*total <= 0)
		return NULL;
	buf = malloc((size_t)*total + 1);
	*nomem = !buf;

	return buf;
}

/*
 * The value of a query argument ("name=", "token="), URL-decoded by lws,
 * in a malloc'd string; NULL when there is none.  The buffer holds all
 * the arguments: lws_get_urlarg_by_name() stops at the first one that
 * does not fit, and must not make an over-long value look absent.
 */
static char *query_arg(struct lws *wsi, const char *key, bool *nomem)
{
	int total;
	char *buf = header_buf(wsi, WSI_TOKEN_HTTP_URI_ARGS, &total, nomem);
	const char *v = buf ? lws_get_urlarg_by_name(wsi, key, buf, total + 1)
			    : NULL;

	if (!v) {
		free(buf);
		return NULL;
	}
	memmove(buf, v, strlen(v) + 1);

	return buf;
}

/* A header in a malloc'd string; NULL when absent (or *nomem) */
static char *header_dup(struct lws *wsi, enum lws_token_indexes tok,
			bool *nomem)
{
	int total;
	char *buf = header_buf(wsi, tok, &total, nomem);

	if (buf && lws_hdr_copy(wsi, buf, total + 1, tok) < 0)
		buf[0] = '\0';

	return buf;
}

static int on_request(struct lws *wsi, struct pss *p, const char *uri,
		      size_t len)
{
	struct tes_signal *s = lws_context_user(lws_get_context(wsi));
	char clen[32] = "";
	char *semi;
	unsigned wait;
	bool nomem, nomem2;

	pss_reset(p);
	p->method = method_of(wsi);
	wait = tes__limit_request(s->limit, wsi, s->conf, &s->stats, p->peer,
				  sizeof(p->peer));
	if (wait) {
		tes__limit_answer(s->conf, &p->resp, wait);
		return queue_resp(wsi, p);
	}
	if (len >= sizeof(p->path)) {
		tes__api_error(&p->resp, 414, "URI too long");
		return queue_resp(wsi, p);
	}
	memcpy(p->path, uri, len);
	p->name = query_arg(wsi, "name=", &nomem);
	p->authz = header_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, &nomem2);
	if (nomem || nomem2) {
		tes__api_error(&p->resp, 503, "out of memory");
		return queue_resp(wsi, p);
	}

	if (lws_hdr_copy(wsi, p->ctype, sizeof(p->ctype),
			 WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
		p->ctype[0] = '\0';
	semi = strchr(p->ctype, ';');
	if (semi)
		*semi = '\0';
	while (semi && semi > p->ctype && semi[-1] == ' ')
		*--semi = '\0';

	if (p->method != TES__POST && p->method != TES__PUT &&
	    p->method != TES__PATCH) {
		respond(wsi, p);
		return 0;
	}

	/* a body follows: wait for it unless there is none */
	if (lws_hdr_copy(wsi, clen, sizeof(clen),
			 WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		if (!lws_hdr_total_length(wsi,
					  WSI_TOKEN_HTTP_TRANSFER_ENCODING)) {
			respond(wsi, p);
			return 0;
		}
		tes__api_error(&p->resp, 411, "Content-Length required");
		return queue_resp(wsi, p);
	}
	if (strtoull(clen, NULL, 10) > DISCARD_MAX) {
		tes__api_error(&p->resp, 413, "request body larger than %u "
			       "bytes", s->conf->http_max_body);
		return queue_resp(wsi, p);
	}
	if (!strcmp(clen, "0"))
		respond(wsi, p);

	return 0;
}

static int on_body(struct pss *p, const void *in, size_t len,
		   uint32_t max_body)
{
	char *nb;

	p->body_seen += len;
	if (p->body_seen > DISCARD_MAX)
		return -1;
	if (p->too_big || p->body_len + len > max_body) {
		p->too_big = true; /* read and discard; answer 413 at the end */
		return 0;
	}

	nb = realloc(p->body, p->body_len + len + 1);
	if (!nb)
		return -1;
	p->body = nb;
	memcpy(p->body + p->body_len, in, len);
	p->body_len += len;
	p->body[p->body_len] = '\0';

	return 0;
}

/* ---- event channels ---- */

static void chan_push(struct pss *c, const char *text)
{
	size_t len = strlen(text);
	struct wsmsg *m = malloc(sizeof(*m) + LWS_PRE + len);

	if (!m) {
		c->close_after = true; /* a channel that lost a message */
		lws_callback_on_writable(c->wsi);
		return;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	*c->qtail = m;
	c->qtail = &m->next;
	lws_callback_on_writable(c->wsi);
}

static void chan_push_json(struct pss *c, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text)
		chan_push(c, text);
	free(text);
	json_decref(j);
}

static void chan_error(struct pss *c, const char *why, bool fatal)
{
	chan_push_json(c, json_pack("{s:s,s:s}", "type", "error", "error",
				    why));
	if (fatal)
		c->close_after = true;
}

/* A channel refused: an error with the status (401, 403 or 429) and the
 * reason, then closed */
static void chan_deny(struct pss *c, unsigned status, const char *why)
{
	chan_push_json(c, json_pack("{s:s,s:s,s:i}", "type", "error", "error",
				    why, "status", (int)status));
	c->close_after = true;
}

/* Whether the channel may open: rate limit, then a token for the room
 * that names the participant's owner (or has admin) */
static bool chan_allowed(struct tes_signal *s, struct lws *wsi,
			 struct pss *c, const char *room, const char *id)
{
	const char *why = "";
	char *q, *h, msg[160];
	bool nomem, nomem2;
	unsigned status;

	if (tes__limit_request(s->limit, wsi, s->conf, &s->stats, c->peer,
			       sizeof(c->peer))) {
		chan_deny(c, 429, "too many requests from your address");
		return false;
	}
	q = query_arg(wsi, "token=", &nomem);
	h = header_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, &nomem2);
	status = nomem || nomem2 ? 503 : tes__auth_channel(s->conf, s->rooms,
							  q, h, room, id,
							  &why);
	free(q);
	free(h);
	if (status == 401 || status == 403) {
		tes__auth_note(&s->stats, c->peer, status, why);
		chan_deny(c, status, why);
	}
	else if (status == 503) {
		chan_error(c, "out of memory", true);
	}
	else if (status) {
		snprintf(msg, sizeof(msg), "no participant %s in room %s", id,
			 room);
		chan_error(c, msg, true);
	}

	return !status;
}

static void on_room_event(const char *room, const char *part, json_t *ev,
			  void *arg)
{
	struct tes_signal *s = arg;
	json_t *closed = json_string("closed");
	char *text = NULL;

	for (struct pss *c = s->chans; c; c = c->next) {
		if (!c->attached || strcmp(c->room, room) ||
		    (part && strcmp(c->id, part)))
			continue;
		if (!text)
			text = json_dumps(ev, JSON_COMPACT);
		if (!text)
			break;
		chan_push(c, text);
		if (part && json_equal(json_object_get(ev, "type"), closed))
			c->close_after = true;
	}
	free(text);
	json_decref(closed);
}

static void chan_open(struct lws *wsi, struct pss *c)
{
	struct tes_signal *s = lws_context_user(lws_get_context(wsi));
	char uri[URI_MAX], room[TES_ROOM_NAME_MAX + 2], id[64];
	int used = 0;

	pss_reset(c);
	c->ws = true;
	c->wsi = wsi;
	c->qtail = &c->q;
	c->next = s->chans;
	s->chans = c;
	s->stats.channels++;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
	    sscanf(uri, "/rooms/%65[A-Za-z0-9_-]/participants/%63[A-Za-z0-9]"
		   "/events%n", room, id, &used) != 2 || uri[used] ||
	    !tes_room_name_valid(room) || strlen(id) != TES_PART_ID_LEN) {
		chan_error(c, "no such event channel: use /rooms/{room}/"
			   "participants/{id}/events", true);
		return;
	}
	if (!chan_allowed(s, wsi, c, room, id))
		return;

	/* one channel per participant: a newer one takes over */
	for (struct pss *o = s->chans; o; o = o->next) {
		if (o != c && o->attached && !strcmp(o->room, room) &&
		    !strcmp(o->id, id)) {
			o->attached = false;
			chan_error(o, "replaced by a newer event channel", true);
		}
	}

	memcpy(c->room, room, strlen(room) + 1); /* lengths checked above */
	memcpy(c->id, id, TES_PART_ID_LEN + 1);
	c->attached = true;
	chan_push_json(c, json_pack("{s:s,s:s,s:s}", "type", "hello", "room",
				    room, "id", id));
	/* the room may answer with an offer at once: attached before */
	if (tes_rooms_events_attach(s->rooms, room, id, true)) {
		char why[160];

		c->attached = false;
		snprintf(why, sizeof(why), "no participant %s in room %s", id,
			 room);
		chan_error(c, why, true);
	}
}

static void chan_closed(struct lws *wsi, struct pss *c)
{
	struct tes_signal *s = lws_context_user(lws_get_context(wsi));

	for (struct pss **pp = &s->chans; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->stats.channels--;
	if (c->attached && !s->closing)
		(void)tes_rooms_events_attach(s->rooms, c->room, c->id, false);
	while (c->q) {
		struct wsmsg *m = c->q;

		c->q = m->next;
		free(m);
	}
	free(c->rx);
	c->ws = false;
	c->attached = false;
}

static void chan_message(struct tes_signal *s, struct pss *c,
			 const char *text, size_t len)
{
	struct tes__ws_msg m;
	char err[256];

	if (tes__ws_parse(&m, text, len, err, sizeof(err))) {
		chan_error(c, err, false);
		return;
	}
	if (m.type == TES__WS_PING) {
		chan_push(c, "{\"type\":\"pong\"}");
	}
	else if (!c->attached) {
		chan_error(c, "this channel has no participant", false);
	}
	else if (m.type == TES__WS_VIEW) {
		(void)tes_rooms_view(s->rooms, c->room, c->id, m.publisher,
				     m.width, m.height);
	}
	else if (tes_rooms_answer(s->rooms, c->room, c->id, m.sdp,
				  strlen(m.sdp), err, sizeof(err))) {
		chan_error(c, err, false);
	}
	tes__ws_msg_free(&m);
}

static int chan_receive(struct lws *wsi, struct pss *c, const void *in,
			size_t len)
{
	struct tes_signal *s = lws_context_user(lws_get_context(wsi));
	char *nb;

	if (c->rx_len + len > s->conf->http_max_body) {
		chan_error(c, "message too large", true);
		free(c->rx);
		c->rx = NULL;
		c->rx_len = 0;
		return 0;
	}
	nb = realloc(c->rx, c->rx_len + len + 1);
	if (!nb)
		return -1;
	c->rx = nb;
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(wsi))
		return 0;

	if (lws_frame_is_binary(wsi))
		chan_error(c, "messages are JSON text", false);
	else
		chan_message(s, c, c->rx, c->rx_len);
	free(c->rx);
	c->rx = NULL;
	c->rx_len = 0;

	return 0;
}

static int chan_writeable(struct lws *wsi, struct pss *c)
{
	struct wsmsg *m = c->q;

	if (!m) {
		if (!c->close_after || c->close_armed)
			return 0;
		/* the last message went out: close a moment later.  lws 4.1
		 * sends no close frame when a callback returns -1, and a close
		 * at once could reach the peer before it read the message */
		c->close_armed = true;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		lws_set_timer_usecs(wsi, (lws_usec_t)CLOSE_GRACE_MS * 1000);
		return 0;
	}
	c->q = m->next;
	if (!c->q)
		c->qtail = &c->q;
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len) {
		free(m);
		return -1;
	}
	free(m);
	if (c->q || c->close_after)
		lws_callback_on_writable(wsi);

	return 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason,
		   void *user, void *in, size_t len)
{
	struct pss *p = user;
	struct tes_signal *s;

	switch (reason) {

	case LWS_CALLBACK_ESTABLISHED:
		chan_open(wsi, p);
		return 0;

	case LWS_CALLBACK_RECEIVE:
		return chan_receive(wsi, p, in, len);

	case LWS_CALLBACK_SERVER_WRITEABLE:
		return chan_writeable(wsi, p);

	case LWS_CALLBACK_TIMER:
		/* a refused channel's grace is over (chan_writeable) */
		return p && p->ws && p->close_armed ? -1 : 0;

	case LWS_CALLBACK_CLOSED:
		if (p && p->ws)
			chan_closed(wsi, p);
		return 0;

	case LWS_CALLBACK_HTTP:
		return on_request(wsi, p, in, strlen(in));

	case LWS_CALLBACK_HTTP_BODY:
		s = lws_context_user(lws_get_context(wsi));
		if (p->have_resp)
			return 0;
		return on_body(p, in, len, s->conf->http_max_body);

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!p->have_resp)
			respond(wsi, p);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!p->have_resp)
			return 0;
		return write_resp(wsi, p);

	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		pss_reset(p);
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;

	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p && !p->ws)
			pss_reset(p);
		return 0;

	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{"http", http_cb, sizeof(struct pss), 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}, /* terminator */
};

static void lws_log_emit(int level, const char *line)
{
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';

	tes_log(level == LLL_ERR ? TES_LOG_ERROR : TES_LOG_WARN, "lws", "%s",
		buf);
}

int tes_signal_alloc(struct tes_signal **sp, uv_loop_t *loop,
		     const struct tes_conf *conf, struct tes_rooms *rooms)
{
	struct lws_context_creation_info info;
	struct tes_signal *s;
	void *loops[1] = {loop};

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rooms = rooms;
	s->conf = conf;
	if (tes__limit_alloc(&s->limit, conf->http_rate_per_s,
			     conf->http_rate_burst)) {
		free(s);
		return -ENOMEM;
	}

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = loops;
	info.port = conf->http_port;
	info.iface = conf->http_listen;
	info.protocols = protocols;
	info.user = s;
	info.vhost_name = "tessera";
	info.server_string = "tessera/" TESSERA_VERSION;
	info.timeout_secs = 20;
	/* idle keep-alive connections live longer than clients keep them
	 * (lws' 5 s default raced Node's 4-5 s: a POST sent on a socket the
	 * server was closing failed) */
	info.keepalive_timeout = 65;
	/* lws clears it when its destruction has completed */
	info.pcontext = &s->ctx;
	if (!strchr(conf->http_listen, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;

	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		TES_LOGE("http", "cannot listen on http://%s:%u (port in use "
			 "or address not local?)", conf->http_listen,
			 conf->http_port);
		tes__limit_free(s->limit);
		free(s);
		return -EADDRINUSE;
	}

	TES_LOGI("http", "listening on http://%s:%u/", conf->http_listen,
		 conf->http_port);
	tes_rooms_set_event_handler(rooms, on_room_event, s);
	*sp = s;

	return 0;
}

void tes_signal_close(struct tes_signal *s)
{
	if (!s || s->closing)
		return;

	/* with a foreign loop lws closes its handles asynchronously: the
	 * caller keeps the loop running, then calls tes_signal_free() */
	s->closing = true;
	tes_rooms_set_event_handler(s->rooms, NULL, NULL);
	lws_context_destroy(s->ctx);
}

void tes_signal_free(struct tes_signal *s)
{
	if (!s)
		return;

	/* the second call finishes what the loop's close callbacks began */
	if (s->ctx)
		lws_context_destroy(s->ctx);
	tes__limit_free(s->limit);
	free(s);
}
