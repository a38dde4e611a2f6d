/**
 * @file api.c  HTTP routes: WHIP join, WHEP view, leave, room listings
 * (JSON with jansson), static files from the web root.
 *
 *   POST   /rooms/{room}/whip[?name=N]      join (SDP offer -> 201 answer)
 *   POST   /rooms/{room}/whep               watch an existing room's mix
 *                                           (recvonly offer -> 201 answer;
 *                                           ?name= as for whip)
 *   DELETE /rooms/{room}/participants/{id}  leave
 *   PATCH  /rooms/{room}/participants/{id}  answer to our renegotiation
 *                                           offer (application/sdp; the
 *                                           offer came on the event
 *                                           channel, GET .../events as a
 *                                           WebSocket: see http.c)
 *   GET    /rooms                           all rooms
 *   GET    /rooms/{room}                    one room and its participants
 *   PUT    /rooms/{room}/mode               {"mode": "mix" | "sfu"}
 *   PUT    /rooms/{room}/profiles/{name}    {"width": W, "height": H}: the
 *                                           room's profile changes size
 *   GET    /metrics                         Prometheus text (metrics.c)
 *   GET    /...                             static files (web/)
 *
 * With auth.required each route but the static files, /layouts and
 * OPTIONS needs a token (Authorization: Bearer, see auth.c) for its room:
 * publish to send media (WHIP), subscribe to only receive (WHEP, a
 * recvonly WHIP, canvas.png, HLS), admin for the rest; the listings of
 * every room and /metrics need admin for room "*".  A participant is
 * its owner's (the sub of the token that joined it): PATCH, DELETE and
 * its event channel need that sub, or admin.
 */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sdp/sdp.h"
#include "signal/signal_int.h"

static const char JSON[] = "application/json";

void tes__api_json(struct tes__http_resp *resp, unsigned status, json_t *j)
{
	resp->status = status;
	resp->ctype = JSON;
	resp->body = json_dumps(j, JSON_COMPACT);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
	json_decref(j);
}

void tes__api_error(struct tes__http_resp *resp, unsigned status,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a reason may quote the request (its path, its Content-Type) and
	 * be cut inside a character: jansson refuses a string that is not
	 * UTF-8, and the error went out with an empty body */
	tes_text_scrub(msg);

	free(resp->body);
	resp->body = NULL;
	tes__api_json(resp, status, json_pack("{s:s}", "error", msg));
}

void tes__api_not_allowed(struct tes__http_resp *resp, const char *allow)
{
	resp->allow = allow;
	tes__api_error(resp, 405, "method not allowed here (allowed: %s)",
		       allow);
}

static void options_ok(struct tes__http_resp *resp, const char *allow)
{
	resp->status = 204;
	resp->ctype = "text/plain";
	resp->allow = allow;
}

/* ---- JSON descriptions ---- */

static void room_to_json(const struct tes_room_info *ri, void *arg)
{
	json_t *arr = arg;

	json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:I}",
					     "name", ri->name,
					     "mode", ri->mode,
					     "participants",
					     (json_int_t)ri->participants,
					     "age_ms", (json_int_t)ri->age_ms));
}

static void room_detail(const struct tes_room_info *ri, void *arg)
{
	json_t *obj = arg;
	json_t *cells, *profiles, *mix;

	json_object_set_new(obj, "name", json_string(ri->name));
	json_object_set_new(obj, "mode", json_string(ri->mode));
	json_object_set_new(obj, "mode_reason", json_string(ri->mode_reason));
	json_object_set_new(obj, "mode_since_ms",
			    json_integer((json_int_t)ri->mode_since_ms));
	json_object_set_new(obj, "mode_switches",
			    json_integer((json_int_t)ri->mode_switches));
	json_object_set_new(obj, "age_ms", json_integer((json_int_t)ri->age_ms));
	json_object_set_new(obj, "participants", json_array());
	if (!ri->layout)
		return;

	cells = json_array();
	for (size_t i = 0; i < ri->ncells; i++) {
		const struct tes_room_cell *c = &ri->cells[i];

		json_array_append_new(cells, json_pack(
			"{s:s,s:f,s:f,s:f,s:f,s:i}", "participant", c->id,
			"x", (double)c->x, "y", (double)c->y,
			"w", (double)c->w, "h", (double)c->h, "z", c->z));
	}
	profiles = json_array();
	for (size_t i = 0; i < ri->nprofiles; i++) {
		const struct tes_room_profile *p = &ri->profiles[i];

		json_t *pj = json_pack(
			"{s:s,s:s,s:i,s:i,s:i}", "name", p->name, "codec",
			p->codec, "width", p->width, "height", p->height,
			"fps", p->fps);

		/* single NAL unit mode, and what it had to leave out */
		if (!strcmp(p->codec, "H264") && !p->packetization_mode) {
			json_object_set_new(pj, "packetization_mode",
					    json_integer(0));
			json_object_set_new(pj, "nal_dropped", json_integer(
				(json_int_t)p->nal_dropped));
		}
		json_array_append_new(profiles, pj);
	}
	mix = json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			"s:f,s:f,s:I}",
			"layout", ri->layout, "speaker", ri->speaker,
			"cells", cells, "profiles", profiles,
			"audio_ticks", (json_int_t)ri->audio_ticks,
			"audio_missed", (json_int_t)ri->audio_missed,
			"audio_decoded", (json_int_t)ri->audio_decoded,
			"audio_skipped", (json_int_t)ri->audio_skipped,
			"audio_concealed", (json_int_t)ri->audio_concealed,
			"audio_fec", (json_int_t)ri->audio_fec,
			"video_frames", (json_int_t)ri->video_frames,
			"video_missed", (json_int_t)ri->video_missed,
			"latency_p50_ms", ri->latency_p50_us / 1000.0,
			"latency_p99_ms", ri->latency_p99_us / 1000.0,
			"latency_samples", (json_int_t)ri->latency_samples);
	/* one a tick per distinct (mix, codec) its receivers take */
	json_object_set_new(mix, "audio_encodes",
			    json_integer((json_int_t)ri->audio_encodes));
	json_object_set_new(obj, "mix", mix);
}

static void part_to_json(const struct tes_part_info *pi, void *arg)
{
	json_t *arr = json_object_get(arg, "participants");
	const struct tes_part_counters *c = pi->counters;
	json_t *cnt, *pj;

	cnt = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			"s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			"rtp_in", (json_int_t)c->rtp_in,
			"rtp_out", (json_int_t)c->rtp_out,
			"rtcp_in", (json_int_t)c->rtcp_in,
			"rtcp_out", (json_int_t)c->rtcp_out,
			"bytes_in", (json_int_t)c->bytes_in,
			"bytes_out", (json_int_t)c->bytes_out,
			"drop_malformed", (json_int_t)c->drop_malformed,
			"drop_unknown_pt", (json_int_t)c->drop_unknown_pt,
			"drop_not_ready", (json_int_t)c->drop_not_ready,
			"srtp_auth_fail", (json_int_t)c->srtp_auth_fail,
			"srtp_replay", (json_int_t)c->srtp_replay,
			"nack_in", (json_int_t)c->nack_in,
			"pli_in", (json_int_t)c->pli_in,
			"fir_in", (json_int_t)c->fir_in,
			"send_errors", (json_int_t)c->send_errors,
			"nack_out", (json_int_t)c->nack_out,
			"pli_out", (json_int_t)c->pli_out,
			"decode_errors", (json_int_t)c->decode_errors,
			"frames_dropped", (json_int_t)c->frames_dropped,
			"audio_dropped", (json_int_t)c->audio_dropped,
			"audio_bad_duration",
			(json_int_t)c->audio_bad_duration,
			"profile_switches", (json_int_t)c->profile_switches,
			"resent", (json_int_t)c->resent);

	pj = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o}",
		       "id", pi->id,
		       "name", pi->name,
		       "state", pi->state,
		       "remote", pi->remote,
		       "audio", pi->audio_codec,
		       "video", pi->video_codec,
		       "srtp", pi->srtp,
		       "profile", pi->profile,
		       "age_ms", (json_int_t)pi->age_ms,
		       "counters", cnt);
	if (pi->layer && pi->layer[0])
		json_object_set_new(pj, "layer", json_string(pi->layer));
	if (pi->profile_reason && pi->profile_reason[0])
		json_object_set_new(pj, "profile_reason",
				    json_string(pi->profile_reason));
	if (pi->video_age_ms >= 0)
		json_object_set_new(pj, "video_age_ms",
				    json_integer(pi->video_age_ms));
	if (pi->owner && pi->owner[0])
		json_object_set_new(pj, "owner", json_string(pi->owner));
	if (pi->sip)
		json_object_set(pj, "sip", pi->sip);
	if (pi->muted)
		json_object_set_new(pj, "muted", json_true());
	if (pi->sfu)
		json_object_set_new(pj, "sfu", json_pack(
			"{s:I,s:b}", "tracks", (json_int_t)pi->sfu_tracks,
			"offer_pending", pi->sfu_offer_pending));
	json_array_append_new(arr, pj);
}

/* ---- routes ---- */

static void room_exists(const struct tes_room_info *ri, void *arg)
{
	(void)ri;
	(void)arg;
}

static void part_exists(const struct tes_part_info *pi, void *arg)
{
	(void)pi;
	(void)arg;
}

/*
 * The first m-line of an offer that sends audio or video (*mline, -1 for
 * none) and its direction.  Rejected m-lines (port 0, not bundle-only)
 * don't count.  false when resp holds a 400 (bad SDP) or 503.
 */
static bool offer_sends(const struct tes__http_req *req,
			struct tes__http_resp *resp, long *mline,
			enum tes_dir *dir)
{
	struct tes_sdp_session *sess;
	char err[128];
	bool ok = false;

	*mline = -1;
	/* ~290 KB: too big for the loop thread's stack */
	sess = malloc(sizeof(*sess));
	if (!sess) {
		tes__api_error(resp, 503, "out of memory");
		return false;
	}
	if (tes_sdp_parse(sess, req->body, req->body_len, err, sizeof(err))) {
		tes__api_error(resp, 400, "bad SDP offer: %s", err);
		goto out;
	}
	for (size_t i = 0; i < sess->n_media; i++) {
		const struct tes_sdp_media *m = &sess->media[i];

		if (m->kind != TES_MEDIA_AUDIO && m->kind != TES_MEDIA_VIDEO)
			continue;
		if (!m->port && !m->bundle_only)
			continue;
		if (m->dir == TES_DIR_SENDRECV || m->dir == TES_DIR_SENDONLY) {
			*mline = (long)i;
			*dir = m->dir;
			break;
		}
	}
	ok = true;

 out:
	free(sess);

	return ok;
}

/*
 * WHEP (draft-ietf-wish-whep): a viewer only receives, so an offer that
 * asks to send audio or video is refused rather than answered as if it
 * were recvonly.  A token with subscribe but not publish joins over WHIP
 * only with an offer that sends nothing.
 */
static bool offer_allowed(const struct tes__http_req *req,
			  struct tes__http_resp *resp, bool viewer,
			  const struct tes_token *t)
{
	enum tes_dir dir = TES_DIR_INACTIVE;
	long mline;

	if (!viewer && (t->rights & TES_RIGHT_PUBLISH))
		return true;
	if (!offer_sends(req, resp, &mline, &dir))
		return false;
	if (mline >= 0 && viewer) {
		tes__api_error(resp, 400, "a WHEP offer must be recvonly "
			       "(m-line %ld is %s)", mline, tes_dir_name(dir));
		return false;
	}
	if (mline >= 0) {
		tes__auth_deny(req, resp, 403, "the token has no publish "
			       "right: it joins with a recvonly offer only");
		return false;
	}

	return true;
}

/* WHIP join, or with viewer set a WHEP one (existing room, recvonly) */
static void whip_join(struct tes_rooms *rooms, const char *room,
		      const struct tes__http_req *req,
		      struct tes__http_resp *resp, bool viewer)
{
	struct tes_join_result res;
	struct tes_token t;
	const char *why;

	if (tes__auth_http(req, room, viewer ? TES_RIGHT_SUBSCRIBE
			   : TES_RIGHT_PUBLISH | TES_RIGHT_SUBSCRIBE, &t,
			   resp))
		return;
	if (req->name && tes_part_name_check(req->name, &why)) {
		tes__api_error(resp, 400, "bad name: %s", why);
		return;
	}
	if (strcmp(req->ctype, "application/sdp")) {
		tes__api_error(resp, 415, "Content-Type must be "
			       "application/sdp, not \"%s\"", req->ctype);
		return;
	}
	if (!req->body_len) {
		tes__api_error(resp, 400, "empty SDP offer");
		return;
	}
	if (strlen(req->body) != req->body_len) {
		tes__api_error(resp, 400, "SDP offer contains a NUL byte");
		return;
	}
	/* a viewer watches an existing room: it must not create one */
	if (viewer && tes_rooms_describe(rooms, room, room_exists,
					 part_exists, NULL)) {
		tes__api_error(resp, 404, "no such room: %s", room);
		return;
	}
	if (!offer_allowed(req, resp, viewer, &t))
		return;

	tes_rooms_join(rooms, room, req->name, req->body, req->body_len,
		       &res);
	if (res.status != 201) {
		tes__api_error(resp, (unsigned)res.status, "%s", res.error);
		return;
	}
	/* with auth.required: only this identity may act on it */
	if (t.sub[0])
		(void)tes_rooms_set_owner(rooms, room, res.id, t.sub);

	resp->status = 201;
	resp->ctype = "application/sdp";
	snprintf(resp->location, sizeof(resp->location),
		 "/rooms/%s/participants/%s", room, res.id);
	resp->body_len = strlen(res.answer);
	resp->body = malloc(resp->body_len + 1);
	if (!resp->body) {
		tes_rooms_leave(rooms, room, res.id);
		tes__api_error(resp, 503, "out of memory");
	}
	else {
		memcpy(resp->body, res.answer, resp->body_len + 1);
	}
	tes_deref(res.answer);
}

/* PATCH of a participant: its answer to our renegotiation offer */
static void answer(struct tes_rooms *rooms, const char *room, const char *id,
		   const struct tes__http_req *req,
		   struct tes__http_resp *resp)
{
	char err[256];
	int ret;

	if (strcmp(req->ctype, "application/sdp")) {
		tes__api_error(resp, 415, "Content-Type must be "
			       "application/sdp (an SDP answer), not \"%s\"",
			       req->ctype);
		return;
	}
	if (!req->body_len || strlen(req->body) != req->body_len) {
		tes__api_error(resp, 400, "%s", req->body_len
			       ? "SDP answer contains a NUL byte"
			       : "empty SDP answer");
		return;
	}
	ret = tes_rooms_answer(rooms, room, id, req->body, req->body_len, err,
			       sizeof(err));
	if (ret)
		tes__api_error(resp, ret == -ENOENT ? 404
				     : ret == -EALREADY ? 409
				     : ret == -ENOMEM ? 503 : 400, "%s", err);
	else
		resp->status = 204;
}

json_t *tes__api_body(const struct tes__http_req *req,
		      struct tes__http_resp *resp, const char *shape)
{
	json_error_t jerr;
	json_t *body;

	if (strcmp(req->ctype, JSON)) {
		tes__api_error(resp, 415, "Content-Type must be "
			       "application/json, not \"%s\"", req->ctype);
		return NULL;
	}
	body = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!body)
		tes__api_error(resp, 400, "body must be %s: %s", shape,
			       jerr.text);
	return body;
}

static const char MODE_BODY[] = "{\"mode\": \"mix\" or \"sfu\"}";

static void set_mode(struct tes_rooms *rooms, const char *room,
		     const struct tes__http_req *req,
		     struct tes__http_resp *resp)
{
	json_error_t jerr;
	const char *mode = NULL;
	json_t *body;
	int err;

	body = tes__api_body(req, resp, MODE_BODY);
	if (!body)
		return;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "mode", &mode)) {
		tes__api_error(resp, 400, "body must be %s: %s", MODE_BODY,
			       jerr.text);
		json_decref(body);
		return;
	}

	err = tes_rooms_set_mode(rooms, room, mode);
	if (err == -ENOENT)
		tes__api_error(resp, 404, "no such room: %s", room);
	else if (err == -EINVAL)
		tes__api_error(resp, 400, "unknown mode \"%s\": a room mixes "
			       "(\"mix\") or forwards (\"sfu\")", mode);
	else if (err == -EPERM)
		tes__api_error(resp, 409, "room %s is an echo room: its mode "
			       "cannot change", room);
	else if (err == -EMLINK)
		tes__api_error(resp, 409, "room %s has SIP participants, who "
			       "take one mixed stream: it stays mixed", room);
	else if (err)
		tes__api_error(resp, 503, "cannot switch room %s to %s: %s",
			       room, mode, strerror(-err));
	else
		tes__api_json(resp, 200, json_pack("{s:s,s:s}", "room", room,
						   "mode", mode));
	json_decref(body);
}

static const char LAYOUT_BODY[] = "{\"layout\": \"name\"}";

static void layout_name(const char *name, void *arg)
{
	json_array_append_new(arg, json_string(name));
}

static void set_layout(struct tes_rooms *rooms, const char *room,
		       const struct tes__http_req *req,
		       struct tes__http_resp *resp)
{
	json_error_t jerr;
	json_t *body, *names;
	const char *layout = NULL;
	char *list;
	int err;

	body = tes__api_body(req, resp, LAYOUT_BODY);
	if (!body)
		return;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "layout", &layout)) {
		tes__api_error(resp, 400, "body must be %s: %s", LAYOUT_BODY,
			       jerr.text);
		json_decref(body);
		return;
	}

	err = tes_rooms_set_layout(rooms, room, layout);
	if (err == -ENOENT) {
		tes__api_error(resp, 404, "no such room: %s", room);
	}
	else if (err == -EPERM) {
		tes__api_error(resp, 409, "room %s does not mix: it has no "
			       "layout", room);
	}
	else if (err == -EINVAL) {
		names = json_array();
		tes_rooms_foreach_layout(rooms, layout_name, names);
		list = json_dumps(names, JSON_COMPACT);
		tes__api_error(resp, 400, "no layout preset \"%s\" (presets: "
			       "%s)", layout, list ? list : "?");
		free(list);
		json_decref(names);
	}
	else {
		tes__api_json(resp, 200, json_pack("{s:s,s:s}", "room", room,
					      "layout", layout));
	}
	json_decref(body);
}

static const char SIZE_BODY[] = "{\"width\": W, \"height\": H}";

/* PUT /rooms/{room}/profiles/{name} */
static void set_profile_size(struct tes_rooms *rooms, const char *room,
			     const char *profile,
			     const struct tes__http_req *req,
			     struct tes__http_resp *resp)
{
	json_error_t jerr;
	json_t *body;
	json_int_t w = 0, h = 0;
	char why[256] = "";
	int err;

	if (req->method != TES__PUT) {
		tes__api_not_allowed(resp, "PUT");
		return;
	}
	body = tes__api_body(req, resp, SIZE_BODY);
	if (!body)
		return;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:I,s:I}", "width",
			   &w, "height", &h)) {
		tes__api_error(resp, 400, "body must be %s: %s", SIZE_BODY,
			       jerr.text);
		json_decref(body);
		return;
	}
	json_decref(body);

	/* (out of int's range is out of the profile bounds too) */
	err = tes_rooms_set_profile_size(rooms, room, profile,
					 (int)TES_MAX(TES_MIN(w, INT_MAX), -1),
					 (int)TES_MAX(TES_MIN(h, INT_MAX), -1),
					 why, sizeof(why));
	if (err == -ENOENT)
		tes__api_error(resp, 404, "no such room: %s", room);
	else if (err == -ESRCH)
		tes__api_error(resp, 404, "no output profile %s in room %s",
			       profile, room);
	else if (err == -EPERM)
		tes__api_error(resp, 409, "room %s does not mix: it has no "
			       "output profiles", room);
	else if (err == -EINVAL)
		tes__api_error(resp, 400, "%s", why);
	else if (err)
		tes__api_error(resp, 409, "%s", why);
	else
		tes__api_json(resp, 200, json_pack("{s:s,s:s,s:I,s:I}", "room",
					      room, "profile", profile,
					      "width", w, "height", h));
}

static void rooms_route(struct tes_rooms *rooms,
			const struct tes__http_req *req,
			struct tes__http_resp *resp)
{
	const char *rest = req->path + strlen("/rooms");
	char room[TES_ROOM_NAME_MAX + 2], sub[32], id[64];
	const char *slash;
	size_t n;
	int used = 0;
	json_t *j;

	if (!*rest || !strcmp(rest, "/")) {
		if (req->method != TES__GET) {
			tes__api_not_allowed(resp, "GET");
			return;
		}
		if (!tes__auth_allowed(req, NULL, TES_RIGHT_ADMIN, resp))
			return;
		j = json_array();
		tes_rooms_foreach(rooms, room_to_json, j);
		tes__api_json(resp, 200, json_pack("{s:o}", "rooms", j));
		return;
	}

	/* /rooms/{room}[/sub[/id]] */
	rest++;
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n >= sizeof(room)) {
		tes__api_error(resp, 404, "no such room");
		return;
	}
	memcpy(room, rest, n);
	room[n] = '\0';
	if (!tes_room_name_valid(room)) {
		tes__api_error(resp, 400, "invalid room name: use 1..%d of "
			       "A-Z a-z 0-9 - _", TES_ROOM_NAME_MAX);
		return;
	}
	rest += n;

	if (!*rest) {
		if (req->method != TES__GET) {
			tes__api_not_allowed(resp, "GET");
			return;
		}
		if (!tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			return;
		j = json_object();
		if (tes_rooms_describe(rooms, room, room_detail, part_to_json,
				       j)) {
			json_decref(j);
			tes__api_error(resp, 404, "no such room: %s", room);
			return;
		}
		tes__api_json(resp, 200, j);
		return;
	}

	if (!strcmp(rest, "/whip")) {
		if (req->method == TES__OPTIONS)
			options_ok(resp, "POST, OPTIONS");
		else if (req->method != TES__POST)
			tes__api_not_allowed(resp, "POST, OPTIONS");
		else
			whip_join(rooms, room, req, resp, false);
		return;
	}

	if (!strcmp(rest, "/whep")) {
		if (req->method == TES__OPTIONS)
			options_ok(resp, "POST, OPTIONS");
		else if (req->method != TES__POST)
			tes__api_not_allowed(resp, "POST, OPTIONS");
		else
			whip_join(rooms, room, req, resp, true);
		return;
	}

	if (!strcmp(rest, "/canvas.png")) {
		if (req->method != TES__GET)
			tes__api_not_allowed(resp, "GET");
		else if (tes__auth_allowed(req, room, TES_RIGHT_SUBSCRIBE |
					   TES_RIGHT_ADMIN, resp))
			tes__api_canvas(rooms, room, resp);
		return;
	}

	if (!strncmp(rest, "/recordings", strlen("/recordings"))) {
		if (tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			tes__api_recordings(rooms, room, false,
					    rest + strlen("/recordings"), req,
					    resp);
		return;
	}
	if (!strncmp(rest, "/hls/", strlen("/hls/"))) {
		if (tes__auth_allowed(req, room, TES_RIGHT_SUBSCRIBE |
				      TES_RIGHT_ADMIN, resp))
			tes__api_hls(rooms, room, rest + strlen("/hls/"), req,
				     resp);
		return;
	}
	if (!strncmp(rest, "/streams", strlen("/streams"))) {
		if (tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			tes__api_recordings(rooms, room, true,
					    rest + strlen("/streams"), req,
					    resp);
		return;
	}

	if (!strcmp(rest, "/mode")) {
		if (req->method != TES__PUT)
			tes__api_not_allowed(resp, "PUT");
		else if (tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			set_mode(rooms, room, req, resp);
		return;
	}

	if (!strncmp(rest, "/profiles/", strlen("/profiles/"))) {
		const char *name = rest + strlen("/profiles/");

		if (!*name || strchr(name, '/'))
			tes__api_error(resp, 404, "no such resource: %s",
				       req->path);
		else if (tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			set_profile_size(rooms, room, name, req, resp);
		return;
	}

	if (!strcmp(rest, "/layout")) {
		if (req->method != TES__PUT)
			tes__api_not_allowed(resp, "PUT");
		else if (tes__auth_allowed(req, room, TES_RIGHT_ADMIN, resp))
			set_layout(rooms, room, req, resp);
		return;
	}

	if (sscanf(rest, "/%31[a-z]/%63[A-Za-z0-9]%n", sub, id, &used) == 2 &&
	    !strcmp(rest + used, "/events") && !strcmp(sub, "participants")) {
		tes__api_error(resp, 426, "the event channel is a WebSocket");
		return;
	}
	if (sscanf(rest, "/%31[a-z]/%63[A-Za-z0-9]%n", sub, id, &used) == 2 &&
	    !rest[used] &&
	    !strcmp(sub, "participants")) {
		if (req->method == TES__OPTIONS) {
			options_ok(resp, "PATCH, DELETE, OPTIONS");
		}
		else if (req->method != TES__PATCH &&
			 req->method != TES__DELETE) {
			tes__api_not_allowed(resp, "PATCH, DELETE, OPTIONS");
		}
		else if (!tes__auth_part(rooms, room, id, req, resp)) {
			return;
		}
		else if (req->method == TES__PATCH) {
			answer(rooms, room, id, req, resp);
		}
		else if (tes_rooms_leave(rooms, room, id)) {
			tes__api_error(resp, 404, "no participant %s in room "
				       "%s", id, room);
		}
		else {
			tes__api_json(resp, 200, json_pack("{s:s,s:s}", "room",
						      room, "left", id));
		}
		return;
	}

	tes__api_error(resp, 404, "no such resource: %s", req->path);
}

void tes__api_handle(struct tes_rooms *rooms, const struct tes_conf *conf,
		     const struct tes__http_req *req,
		     struct tes__http_resp *resp)
{
	if (!strcmp(req->path, "/layouts")) {
		json_t *names = json_array();

		if (req->method != TES__GET) {
			json_decref(names);
			tes__api_not_allowed(resp, "GET");
			return;
		}
		tes_rooms_foreach_layout(rooms, layout_name, names);
		tes__api_json(resp, 200, json_pack("{s:o}", "layouts", names));
		return;
	}

	if (!strncmp(req->path, "/rooms", 6) &&
	    (req->path[6] == '\0' || req->path[6] == '/')) {
		rooms_route(rooms, req, resp);
		return;
	}

	if (!strcmp(req->path, "/metrics")) {
		if (req->method != TES__GET)
			tes__api_not_allowed(resp, "GET");
		else if (tes__auth_allowed(req, NULL, TES_RIGHT_ADMIN, resp))
			tes__metrics(rooms, req->stats, resp);
		return;
	}

	tes__api_static(conf, req, resp);
}
