/**
 * @file sip.c  The SIP thread: sofia-sip's nua answering calls, and the
 * two queues between it and the loop thread.
 *
 * nua runs with its media engine off (NUTAG_MEDIA_ENABLE(0)): SDP is
 * passed through as text, the loop thread's room code negotiates it.
 * Every nua call happens on the SIP thread; the loop thread only queues
 * commands.  Calls are numbered here; the loop thread never sees a nua
 * handle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_wait.h>

#include "base/base.h"
#include "base/conf.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

enum {
	SDP_MAX = 65536,          /* larger bodies are refused (413) */
	STOP_WAIT_MS = 2000,      /* shutdown: BYEs get this long */
	LOG_LINE = 512,
};

/* A command from the loop thread. */
struct cmd {
	struct cmd *next;
	enum { CMD_RESPOND, CMD_HANGUP, CMD_STOP } type;
	uint32_t call;
	int status;
	char reason[160];
	char *sdp;                   /* malloc'd, or NULL */
};

/* An event for the loop thread. */
struct evq {
	struct evq *next;
	struct tes_sip_event ev;
	char *sdp;                   /* malloc'd copy, or NULL */
	char why[96];
};

/* A call (SIP thread only). */
struct call {
	struct call *next;
	uint32_t id;
	nua_handle_t *nh;
	bool answered;               /* a 2xx was sent */
	bool pending;                /* an INVITE waits for our answer */
	bool ended;                  /* the loop thread was told, or asked */
};

struct tes_sip {
	uv_loop_t *loop;
	uv_async_t async;
	bool async_open;
	const struct tes_conf *conf;
	tes_sip_h *h;
	void *arg;
	uv_thread_t thread;
	bool thread_started;
	uv_sem_t started;
	int start_err;
	uv_mutex_t mtx;
	struct cmd *cmds, **cmds_tail;   /* mtx */
	struct evq *evs, **evs_tail;     /* mtx */
	int efd;                         /* eventfd: commands are queued */
	/* SIP thread */
	su_root_t *root;
	nua_t *nua;
	su_timer_t *stop_timer;
	struct tes__sip_auth *auth;      /* sip.auth rooms, or NULL */
	struct tes_ratelog rl_open;      /* refusals for auth.required */
	struct call *calls;
	uint32_t next_id;
	bool stopping;
	bool stop_asked;                 /* mtx: stop without a command */
};

/* ---- loop thread side ---- */

static void async_cb(uv_async_t *a)
{
	struct tes_sip *s = a->data;
	struct evq *list, *e;

	uv_mutex_lock(&s->mtx);
	list = s->evs;
	s->evs = NULL;
	s->evs_tail = &s->evs;
	uv_mutex_unlock(&s->mtx);

	while ((e = list)) {
		list = e->next;
		e->ev.sdp = e->sdp;
		e->ev.why = e->why;
		s->h(&e->ev, s->arg);
		free(e->sdp);
		free(e);
	}
}

static void push_cmd(struct tes_sip *s, struct cmd *c)
{
	uint64_t one = 1;

	uv_mutex_lock(&s->mtx);
	*s->cmds_tail = c;
	s->cmds_tail = &c->next;
	uv_mutex_unlock(&s->mtx);
	if (write(s->efd, &one, sizeof(one)) != sizeof(one))
		TES_LOGE("sip", "cannot wake the SIP thread: %s",
			 strerror(errno));
}

void tes_sip_respond(struct tes_sip *s, uint32_t call, int status,
		     const char *reason, const char *sdp)
{
	struct cmd *c = calloc(1, sizeof(*c));

	if (!c)
		return;
	c->type = CMD_RESPOND;
	c->call = call;
	c->status = status;
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	if (sdp) {
		c->sdp = strdup(sdp);
		if (!c->sdp) {
			c->status = 500;
			snprintf(c->reason, sizeof(c->reason), "out of memory");
		}
	}
	push_cmd(s, c);
}

void tes_sip_hangup(struct tes_sip *s, uint32_t call, const char *reason)
{
	struct cmd *c = calloc(1, sizeof(*c));

	if (!c)
		return;
	c->type = CMD_HANGUP;
	c->call = call;
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	push_cmd(s, c);
}

/* ---- SIP thread side ---- */

static void post(struct tes_sip *s, struct evq *e)
{
	uv_mutex_lock(&s->mtx);
	*s->evs_tail = e;
	s->evs_tail = &e->next;
	uv_mutex_unlock(&s->mtx);
	uv_async_send(&s->async);
}

static struct evq *new_event(enum tes_sip_ev type, struct call *c,
			     const sip_t *sip)
{
	struct evq *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ev.type = type;
	e->ev.call = c->id;
	if (sip && sip->sip_payload && sip->sip_payload->pl_len &&
	    sip->sip_payload->pl_len <= SDP_MAX) {
		e->sdp = malloc(sip->sip_payload->pl_len + 1);
		if (!e->sdp) {
			free(e);
			return NULL;
		}
		memcpy(e->sdp, sip->sip_payload->pl_data,
		       sip->sip_payload->pl_len);
		e->sdp[sip->sip_payload->pl_len] = '\0';
		e->ev.sdp_len = sip->sip_payload->pl_len;
	}

	return e;
}

static void post_ended(struct tes_sip *s, struct call *c, const char *why)
{
	struct evq *e;

	if (c->ended)
		return;
	c->ended = true;
	e = new_event(TES_SIP_ENDED, c, NULL);
	if (!e)
		return;
	snprintf(e->why, sizeof(e->why), "%s", why);
	post(s, e);
}

static struct call *call_find(struct tes_sip *s, uint32_t id)
{
	for (struct call *c = s->calls; c; c = c->next) {
		if (c->id == id)
			return c;
	}

	return NULL;
}

static void call_free(struct tes_sip *s, struct call *c)
{
	for (struct call **pp = &s->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	nua_handle_bind(c->nh, NULL);
	nua_handle_destroy(c->nh);
	free(c);
}

/* printable text for a header value: no quotes, backslashes or controls */
static void header_text(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < len; src++)
		dst[i++] = (*src == '"' || *src == '\\' ||
			    (unsigned char)*src < 0x20)
				   ? '\''
				   : *src;
	dst[i] = '\0';
}

/* copy a header's text: quotes stripped, cut to fit */
static void copy_plain(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	if (*src == '"')
		src++;
	n = strlen(src);
	if (n && src[n - 1] == '"')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = ' ';
	}
}

/* what the loop thread is told of a new call: room, caller, address */
static void invite_info(struct tes_sip_event *ev, const sip_t *sip)
{
	const sip_via_t *v = sip->sip_via;
	const char *proto;

	if (sip->sip_request && sip->sip_request->rq_url->url_user)
		copy_plain(ev->room, sizeof(ev->room),
			   sip->sip_request->rq_url->url_user);
	if (sip->sip_from && sip->sip_from->a_display &&
	    *sip->sip_from->a_display)
		copy_plain(ev->from, sizeof(ev->from),
			   sip->sip_from->a_display);
	else if (sip->sip_from && sip->sip_from->a_url->url_user)
		copy_plain(ev->from, sizeof(ev->from),
			   sip->sip_from->a_url->url_user);
	if (sip->sip_user_agent && sip->sip_user_agent->g_string)
		copy_plain(ev->user_agent, sizeof(ev->user_agent),
			   sip->sip_user_agent->g_string);
	if (v) {
		proto = v->v_protocol ? strrchr(v->v_protocol, '/') : NULL;
		snprintf(ev->remote, sizeof(ev->remote), "%s %s:%s",
			 proto ? proto + 1 : "?",
			 v->v_received ? v->v_received : v->v_host,
			 v->v_rport && *v->v_rport ? v->v_rport
			 : v->v_port               ? v->v_port
						   : "5060");
	}
}

static void on_invite(struct tes_sip *s, nua_handle_t *nh, struct call *c,
		      const sip_t *sip)
{
	struct tes_sip_event info = {0};
	struct evq *e;

	if (c) {
		/* a re-INVITE of a call we know: its dialog was
		 * authenticated (if its room asks for it) by the INVITE */
		c->pending = true;
		e = new_event(TES_SIP_REINVITE, c, sip);
		if (e)
			post(s, e);
		else
			nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR,
				    TAG_END());
		return;
	}

	if (s->stopping || !sip) {
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	if (sip->sip_payload && sip->sip_payload->pl_len > SDP_MAX) {
		nua_respond(nh, SIP_413_REQUEST_TOO_LARGE, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	/* the room checked is the very string the loop thread gets */
	invite_info(&info, sip);
	/* a server that wants tokens on HTTP (auth.required) takes SIP
	 * calls only into rooms with passwords */
	if (s->conf->auth_required && !tes__sip_auth_has(s->auth, info.room)) {
		uint64_t sup;

		nua_respond(nh, SIP_403_FORBIDDEN,
			    SIPTAG_WARNING_STR("399 tessera \"this server "
					       "requires credentials "
					       "(auth.required) and the room "
					       "has no sip.auth password "
					       "file\""),
			    TAG_END());
		if (tes_ratelog_allow(&s->rl_open, 1000, &sup))
			TES_LOGW("sip", "403 to \"%s\" (%s): room \"%s\" has "
				 "no sip.auth entry and auth.required is on "
				 "(%llu more suppressed)", info.from,
				 info.remote, info.room,
				 (unsigned long long)sup);
		nua_handle_destroy(nh);
		return;
	}
	if (!tes__sip_auth_invite(s->auth, nh, sip, &info)) {
		nua_handle_destroy(nh);
		return;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	c->id = ++s->next_id ? s->next_id : ++s->next_id;
	c->nh = nh;
	c->pending = true;
	c->next = s->calls;
	s->calls = c;
	nua_handle_bind(nh, (nua_hmagic_t *)c);

	e = new_event(TES_SIP_INVITE, c, sip);
	if (!e) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		c->ended = true;
		return;
	}
	memcpy(e->ev.room, info.room, sizeof(info.room));
	memcpy(e->ev.from, info.from, sizeof(info.from));
	memcpy(e->ev.remote, info.remote, sizeof(info.remote));
	memcpy(e->ev.user_agent, info.user_agent, sizeof(info.user_agent));
	post(s, e);
}

static void nua_cb(nua_event_t event, int status, char const *phrase,
		   nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		   nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct tes_sip *s = (struct tes_sip *)magic;
	struct call *c = (struct call *)hmagic;
	int state = -1;

	(void)nua;
	switch (event) {

	case nua_i_invite:
		on_invite(s, nh, c, sip);
		break;

	case nua_i_ack:
		if (c) {
			struct evq *e = new_event(TES_SIP_ACK, c, sip);

			if (e)
				post(s, e);
		}
		break;

	case nua_i_bye:
		if (c)
			post_ended(s, c, "BYE");
		break;

	case nua_i_cancel:
		if (c)
			post_ended(s, c, "CANCEL");
		break;

	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (c && state == nua_callstate_terminated) {
			post_ended(s, c, status >= 300 ? phrase
						       : "call terminated");
			call_free(s, c);
		}
		break;

	case nua_r_shutdown:
		if (status >= 200)
			su_root_break(s->root);
		break;

	case nua_i_error:
		TES_LOGW("sip", "nua error %d %s", status, phrase);
		break;

	default:
		/* OPTIONS and other requests nua answered itself: their
		 * handles are ours to free */
		if (!c && nh &&
		    (event == nua_i_options || event == nua_i_info ||
		     event == nua_i_message || event == nua_i_refer ||
		     event == nua_i_publish || event == nua_i_subscribe ||
		     event == nua_i_notify || event == nua_i_method ||
		     event == nua_i_update || event == nua_i_prack))
			nua_handle_destroy(nh);
		break;
	}
}

static void respond(struct tes_sip *s, struct cmd *cmd)
{
	struct call *c = call_find(s, cmd->call);
	char warning[220], text[160];

	if (!c || !c->pending)
		return; /* cancelled, or already answered */
	c->pending = false;
	if (cmd->status < 300) {
		c->answered = true;
		nua_respond(c->nh, cmd->status, sip_status_phrase(cmd->status),
			    TAG_IF(cmd->sdp, SIPTAG_CONTENT_TYPE_STR(
						     "application/sdp")),
			    TAG_IF(cmd->sdp, SIPTAG_PAYLOAD_STR(cmd->sdp)),
			    TAG_END());
		return;
	}
	header_text(text, sizeof(text), cmd->reason);
	snprintf(warning, sizeof(warning), "399 tessera \"%s\"", text);
	nua_respond(c->nh, cmd->status,
		    sip_status_phrase(cmd->status)
			    ? sip_status_phrase(cmd->status)
			    : "Error",
		    TAG_IF(text[0], SIPTAG_WARNING_STR(warning)), TAG_END());
	/* a refused INVITE ends the call (not a refused re-INVITE) */
	if (!c->answered)
		c->ended = true;
}

static void hangup(struct call *c, const char *reason)
{
	char text[160], hdr[200];

	c->ended = true;
	header_text(text, sizeof(text), reason);
	snprintf(hdr, sizeof(hdr), "SIP;cause=200;text=\"%s\"", text);
	if (c->answered)
		nua_bye(c->nh, SIPTAG_REASON_STR(hdr), TAG_END());
	else if (c->pending) {
		c->pending = false;
		nua_respond(c->nh, SIP_480_TEMPORARILY_UNAVAILABLE,
			    SIPTAG_REASON_STR(hdr), TAG_END());
	}
}

static void stop_timeout(su_root_magic_t *m, su_timer_t *t,
			 su_timer_arg_t *arg)
{
	struct tes_sip *s = (struct tes_sip *)arg;

	(void)m;
	(void)t;
	TES_LOGW("sip", "calls did not end in %d ms: stopping anyway",
		 STOP_WAIT_MS);
	su_root_break(s->root);
}

static void stop(struct tes_sip *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	for (struct call *c = s->calls; c; c = c->next) {
		if (!c->ended)
			hangup(c, "server shutting down");
	}
	nua_shutdown(s->nua);
	s->stop_timer = su_timer_create(su_root_task(s->root), STOP_WAIT_MS);
	if (s->stop_timer)
		su_timer_set(s->stop_timer, stop_timeout, (su_timer_arg_t *)s);
}

static int on_cmd(su_root_magic_t *m, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct tes_sip *s = (struct tes_sip *)arg;
	struct cmd *list, *c;
	uint64_t n;

	(void)m;
	(void)w;
	if (read(s->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		TES_LOGW("sip", "eventfd read: %s", strerror(errno));

	uv_mutex_lock(&s->mtx);
	list = s->cmds;
	s->cmds = NULL;
	s->cmds_tail = &s->cmds;
	if (s->stop_asked)
		stop(s);
	uv_mutex_unlock(&s->mtx);

	while ((c = list)) {
		struct call *call;

		list = c->next;
		switch (c->type) {
		case CMD_RESPOND:
			respond(s, c);
			break;
		case CMD_HANGUP:
			call = call_find(s, c->call);
			if (call && !call->ended)
				hangup(call, c->reason);
			break;
		case CMD_STOP:
			stop(s);
			break;
		}
		free(c->sdp);
		free(c);
	}

	return 0;
}

/* sofia's own log lines go to ours, at debug level */
static void sofia_log(void *stream, char const *fmt, va_list ap)
{
	char line[LOG_LINE];
	size_t n;

	(void)stream;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n)
		TES_LOGD("sip", "sofia: %s", line);
}

static void thread_main(void *arg)
{
	struct tes_sip *s = arg;
	char url[TES_CONF_ADDR_MAX + 32];
	su_wait_t w;
	int idx = -1;

	su_init();
	su_log_redirect(NULL, sofia_log, NULL);
	s->root = su_root_create(NULL);
	if (!s->root) {
		s->start_err = -ENOMEM;
		goto out;
	}
	if (su_wait_create(&w, s->efd, SU_WAIT_IN) ||
	    (idx = su_root_register(s->root, &w, on_cmd,
				    (su_wakeup_arg_t *)s, 0)) < 0) {
		s->start_err = -EPROTO;
		goto out;
	}
	s->start_err = tes__sip_auth_alloc(&s->auth, s->root, s->conf);
	if (s->start_err)
		goto out;
	snprintf(url, sizeof(url), strchr(s->conf->sip_listen, ':')
					   ? "sip:[%s]:%u"
					   : "sip:%s:%u",
		 s->conf->sip_listen, s->conf->sip_port);
	s->nua = nua_create(s->root, nua_cb, (nua_magic_t *)s,
			    NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
			    NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS"),
			    NUTAG_ENABLEMESSAGE(0),
			    SIPTAG_USER_AGENT_STR("Tessera/" TESSERA_VERSION),
			    TAG_END());
	if (!s->nua) {
		TES_LOGE("sip", "cannot listen on %s (UDP and TCP)", url);
		s->start_err = -EADDRINUSE;
		goto out;
	}
	TES_LOGI("sip", "listening on %s (UDP and TCP)", url);
	uv_sem_post(&s->started);

	su_root_run(s->root);

	nua_destroy(s->nua);
	s->nua = NULL;
	while (s->calls) {
		struct call *c = s->calls;

		s->calls = c->next;
		free(c);
	}
	if (s->stop_timer)
		su_timer_destroy(s->stop_timer);
	/* sofia's auth modules before the root they were made with */
	tes__sip_auth_free(s->auth);
	s->auth = NULL;
	su_root_deregister(s->root, idx);
	su_root_destroy(s->root);
	s->root = NULL;
	su_deinit();
	return;

out:
	tes__sip_auth_free(s->auth);
	s->auth = NULL;
	if (idx >= 0)
		su_root_deregister(s->root, idx);
	if (s->root)
		su_root_destroy(s->root);
	s->root = NULL;
	su_deinit();
	uv_sem_post(&s->started);
}

static void free_queues(struct tes_sip *s)
{
	while (s->cmds) {
		struct cmd *c = s->cmds;

		s->cmds = c->next;
		free(c->sdp);
		free(c);
	}
	while (s->evs) {
		struct evq *e = s->evs;

		s->evs = e->next;
		free(e->sdp);
		free(e);
	}
}

static void async_close_cb(uv_handle_t *h)
{
	struct tes_sip *s = h->data;

	free_queues(s);
	uv_mutex_destroy(&s->mtx);
	free(s);
}

int tes_sip_alloc(struct tes_sip **sp, uv_loop_t *loop,
		  const struct tes_conf *conf, tes_sip_h *h, void *arg)
{
	struct tes_sip *s;
	int err;

	if (!sp || !loop || !conf || !h)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->conf = conf;
	s->h = h;
	s->arg = arg;
	s->cmds_tail = &s->cmds;
	s->evs_tail = &s->evs;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		free(s);
		return -errno;
	}
	uv_mutex_init(&s->mtx);
	uv_sem_init(&s->started, 0);
	uv_async_init(loop, &s->async, async_cb);
	s->async.data = s;
	s->async_open = true;

	err = uv_thread_create(&s->thread, thread_main, s);
	if (err) {
		s->start_err = err;
	}
	else {
		s->thread_started = true;
		uv_sem_wait(&s->started);
	}
	uv_sem_destroy(&s->started);
	if (s->start_err) {
		err = s->start_err;
		if (s->thread_started)
			uv_thread_join(&s->thread);
		s->thread_started = false;
		close(s->efd);
		uv_close((uv_handle_t *)&s->async, async_close_cb);
		return err;
	}
	*sp = s;

	return 0;
}

void tes_sip_close(struct tes_sip *s)
{
	struct cmd *c;

	if (!s)
		return;
	c = calloc(1, sizeof(*c));
	if (c) {
		c->type = CMD_STOP;
		push_cmd(s, c);
	}
	else {
		uint64_t one = 1;

		uv_mutex_lock(&s->mtx);
		s->stop_asked = true;
		uv_mutex_unlock(&s->mtx);
		(void)!write(s->efd, &one, sizeof(one));
	}
	if (s->thread_started)
		uv_thread_join(&s->thread);
	close(s->efd);
	/* events the thread posted last are not delivered: the rooms are
	 * closing */
	uv_close((uv_handle_t *)&s->async, async_close_cb);
}
