/**
 * @file rooms.c  Room registry: join, leave, housekeeping (timeouts, DTLS
 * retransmission, removing failed participants) and descriptions.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "layouts/layout.h"
#include "mixer/mixer.h"
#include "room/room_int.h"

enum {
	TICK_MS = 100,
	TRIM_FOR_MS = 5000,   /* after a room closed, memory goes back */
};

struct tes_rooms {
	uv_timer_t timer;
	uv_fs_event_t watch;       /* the layouts file's folder */
	uv_timer_t reload_timer;   /* settles a burst of file events */
	int open_handles;
	struct tes_rooms_deps deps;
	struct tes__mixctx mixctx;
	struct tes__events events;
	struct tes__room *rooms;
	size_t n_rooms;
	uint64_t trim_until_ms;    /* give freed memory back until then */
	uint64_t trimmed_ms;       /* ... the last time */
	struct tes_rooms_totals gone; /* counted by participants that left
					 and mixers that closed; joins */
	struct tes_sip *sip;       /* SIP calls, or NULL */
};

static void watch_layouts(struct tes_rooms *r);
static void check_size(struct tes_rooms *r, struct tes__room *rm);

bool tes_room_name_valid(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char c = name[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}

	return n >= 1 && n <= TES_ROOM_NAME_MAX;
}

int tes_part_name_check(const char *name, const char **why)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = name ? strlen(name) : 0;
	const char *dummy;
	int line, col;

	_Static_assert(TES_PART_NAME_MAX == 64, "the reason names the limit");
	if (!why)
		why = &dummy;
	if (len < 1 || len > TES_PART_NAME_MAX) {
		*why = "a name is 1..64 bytes long";
		return -EINVAL;
	}
	if (tes_text_check(name, len, &line, &col)) {
		*why = "a name must be UTF-8";
		return -EILSEQ;
	}
	for (size_t i = 0; i < len; i++) {
		/* C0 and DEL; C1 is U+0080..U+009F, in UTF-8 C2 80..C2 9F */
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)) {
			*why = "a name must not contain control characters";
			return -EINVAL;
		}
	}

	return 0;
}

static struct tes__room *room_find(struct tes_rooms *r, const char *name)
{
	for (struct tes__room *rm = r->rooms; rm; rm = rm->next) {
		if (!strcmp(rm->name, name))
			return rm;
	}

	return NULL;
}

static void room_unlink_part(struct tes__room *rm, struct tes__part *p)
{
	for (struct tes__part **pp = &rm->parts; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			rm->n_parts--;
			return;
		}
	}
}

/* a mixer's counters outlive it in the totals */
static void mix_close(struct tes_rooms *r, struct tes__room *rm)
{
	if (rm->mix)
		tes__totals_mix(&r->gone, rm->mix);
	tes__mix_close(rm->mix);
	rm->mix = NULL;
}

static void room_remove_if_empty(struct tes_rooms *r, struct tes__room *rm)
{
	if (rm->parts)
		return;

	for (struct tes__room **pp = &r->rooms; *pp; pp = &(*pp)->next) {
		if (*pp == rm) {
			*pp = rm->next;
			r->n_rooms--;
			break;
		}
	}
	TES_LOGI("room", "%s: closed (empty)", rm->name);
	mix_close(r, rm);
	free(rm);
	/* a mixed room frees tens of MB (encoders, canvases), some of it only
	 * when its last jobs finish: hand what is free back to the system
	 * once a second for a while, rather than keep it in the allocator's
	 * arenas */
	r->trim_until_ms = tes_now_ms() + TRIM_FOR_MS;
}

static void part_remove(struct tes_rooms *r, struct tes__room *rm,
			struct tes__part *p, const char *why)
{
	TES_LOGI("room", "%s/%s: removed (%s): rtp in %llu out %llu, "
		 "srtp auth fail %llu replay %llu, malformed %llu",
		 rm->name, p->id, why, (unsigned long long)p->cnt.rtp_in,
		 (unsigned long long)p->cnt.rtp_out,
		 (unsigned long long)p->cnt.srtp_auth_fail,
		 (unsigned long long)p->cnt.srtp_replay,
		 (unsigned long long)p->cnt.drop_malformed);
	tes__sfu_leaving(p);
	if (p->sip && !p->sip->ended && r->sip) {
		p->sip->ended = true;
		tes_sip_hangup(r->sip, p->sip->call, why);
	}
	tes__part_event(p, json_pack("{s:s,s:s}", "type", "closed", "reason",
				     why));
	tes__totals_part(&r->gone, p);
	room_unlink_part(rm, p);
	tes_deref(p);
	if (rm->parts)
		check_size(r, rm);
	room_remove_if_empty(r, rm);
}

/* the mode names a room's mode points to (static strings) */
static const char *mode_name(const char *m)
{
	return !strcmp(m, "sfu") ? "sfu" : !strcmp(m, "mix") ? "mix" : "echo";
}

static void room_event(struct tes__room *rm, json_t *ev)
{
	if (ev && rm->events->h)
		rm->events->h(rm->name, NULL, ev, rm->events->arg);
	json_decref(ev);
}

/* A recording or stream of the room changed state: its participants'
 * event channels hear it (a failure says why) */
static void rec_event(const struct tes_rec_desc *d, const char *event,
		      void *arg)
{
	struct tes__room *rm = arg;

	room_event(rm, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type",
				 "recording", "id", d->id, "state", event,
				 "format", d->format, "path", d->path, "error",
				 d->error ? d->error : ""));
}

static int mix_start(struct tes_rooms *r, struct tes__room *rm,
		     struct tes__mix **mp)
{
	int err = tes__mix_alloc(mp, rm, &r->mixctx);

	if (!err && tes__mix_recs(*mp))
		tes__recs_on_event(tes__mix_recs(*mp), rec_event, rm);

	return err;
}

/* Mix or forward from now on; participants stay connected */
static int room_switch(struct tes_rooms *r, struct tes__room *rm, bool sfu,
		       const char *why)
{
	struct tes__mix *m = NULL;
	int err;

	/* SIP endpoints take one stream each way: they need the mix */
	for (struct tes__part *p = rm->parts; sfu && !rm->sfu && p;
	     p = p->next) {
		if (p->sip)
			return -EMLINK;
	}
	if (rm->sfu != sfu) {
		if (sfu) {
			for (struct tes__part *p = rm->parts; p; p = p->next)
				tes__mixin_detach(p);
			mix_close(r, rm);
			rm->sfu = true;
			tes__sfu_start(rm);
		}
		else {
			err = mix_start(r, rm, &m);
			if (err) {
				TES_LOGW("room", "%s: cannot mix again (%s); "
					 "it keeps forwarding", rm->name,
					 strerror(-err));
				return err;
			}
			tes__sfu_stop(rm);
			rm->sfu = false;
			rm->mix = m;
			for (struct tes__part *p = rm->parts; p; p = p->next) {
				err = tes__mixin_alloc(p, &r->mixctx);
				if (err)
					TES_LOGW("room", "%s/%s: not mixed (%s)",
						 rm->name, p->id,
						 strerror(-err));
				else if (p->state == TES__PART_CONNECTED)
					tes__mix_connected(p);
			}
			tes__recs_auto(tes__mix_recs(m));
			/* a new mixer counts from zero */
			rm->watch_ms = rm->watch_ticks = rm->watch_missed = 0;
			rm->bad_seconds = 0;
		}
		rm->mode = sfu ? "sfu" : "mix";
		rm->mode_since_ms = tes_now_ms();
		rm->mode_switches++;
	}
	snprintf(rm->mode_reason, sizeof(rm->mode_reason), "%s", why);
	TES_LOGI("room", "%s: mode %s: %s", rm->name, rm->mode, why);
	room_event(rm, json_pack("{s:s,s:s,s:s}", "type", "mode", "mode",
				 rm->mode, "reason", why));

	return 0;
}

/* rooms.mix_max_participants: forward while the room is bigger */
static void check_size(struct tes_rooms *r, struct tes__room *rm)
{
	uint32_t max = r->deps.conf->mix_max_participants;
	char why[128];

	if (rm->mode_pinned || !max || !strcmp(rm->mode, "echo"))
		return;
	if (!rm->sfu && rm->n_parts > max) {
		snprintf(why, sizeof(why), "%zu participants: more than "
			 "rooms.mix_max_participants (%u)", rm->n_parts, max);
		if (!room_switch(r, rm, true, why))
			rm->fallback = TES__BY_SIZE;
	}
	else if (rm->sfu && rm->fallback == TES__BY_SIZE &&
		 rm->n_parts <= max) {
		snprintf(why, sizeof(why), "%zu participants: within "
			 "rooms.mix_max_participants (%u) again", rm->n_parts,
			 max);
		if (!room_switch(r, rm, false, why))
			rm->fallback = TES__BY_NONE;
	}
}

/*
 * Overload: once a second, the share of the mixer's ticks (audio and
 * every profile's video) it missed; more than mixer.fallback_missed_pct
 * for mixer.fallback_after_s samples in a row and the room forwards.  It
 * mixes again after mixer.fallback_retry_s, twice as long each time it
 * falls back again soon after.
 */
static void check_load(struct tes_rooms *r, struct tes__room *rm,
		       uint64_t now)
{
	const struct tes_conf *c = r->deps.conf;
	struct tes_room_info ri;
	uint64_t ticks, missed, dt, dm;
	char why[128];

	if (rm->mode_pinned || !c->fallback_after_s)
		return;
	if (rm->sfu) {
		if (rm->fallback == TES__BY_LOAD && now >= rm->retry_at_ms) {
			snprintf(why, sizeof(why), "trying to mix again after "
				 "%u s of forwarding", rm->retry_s);
			if (!room_switch(r, rm, false, why))
				rm->fallback = TES__BY_NONE;
		}
		return;
	}
	if (!rm->mix || now - rm->watch_ms < 1000)
		return;

	memset(&ri, 0, sizeof(ri));
	tes__mix_info(rm->mix, &ri);
	missed = ri.audio_missed + ri.video_missed;
	ticks = ri.audio_ticks + ri.audio_missed + ri.video_frames +
		ri.video_missed;
	dt = ticks - rm->watch_ticks;
	dm = missed - rm->watch_missed;
	if (rm->watch_ms && dt && dm * 100 > dt * c->fallback_missed_pct)
		rm->bad_seconds++;
	else
		rm->bad_seconds = 0;
	rm->watch_ms = now;
	rm->watch_ticks = ticks;
	rm->watch_missed = missed;
	if (rm->bad_seconds < c->fallback_after_s)
		return;

	/* a room that falls back soon after it came back holds longer */
	rm->retry_s = rm->retry_s && now - rm->mode_since_ms <
				     2000ull * rm->retry_s
			      ? TES_MIN(2 * rm->retry_s, 3600u)
			      : c->fallback_retry_s;
	snprintf(why, sizeof(why), "overload: the mixer missed %llu of %llu "
		 "ticks in the last second, %u s in a row",
		 (unsigned long long)dm, (unsigned long long)dt,
		 rm->bad_seconds);
	rm->bad_seconds = 0;
	if (!room_switch(r, rm, true, why)) {
		rm->fallback = TES__BY_LOAD;
		rm->retry_at_ms = now + 1000ull * rm->retry_s;
	}
}

int tes_rooms_set_mode(struct tes_rooms *r, const char *room,
		       const char *mode)
{
	struct tes__room *rm = room_find(r, room);
	int err;

	if (!rm)
		return -ENOENT;
	if (strcmp(mode, "mix") && strcmp(mode, "sfu"))
		return -EINVAL;
	if (!strcmp(rm->mode, "echo"))
		return -EPERM;
	err = room_switch(r, rm, !strcmp(mode, "sfu"),
			  "set by PUT /rooms/{room}/mode");
	if (!err) {
		rm->mode_pinned = true;
		rm->fallback = TES__BY_NONE;
	}

	return err;
}

static void timer_cb(uv_timer_t *t)
{
	struct tes_rooms *r = t->data;
	uint64_t now = tes_now_ms();
	struct tes__room *rm, *rnext;

	if (now < r->trim_until_ms && now - r->trimmed_ms >= 1000) {
		r->trimmed_ms = now;
#ifdef __GLIBC__
		(void)malloc_trim(0);
#endif
	}

	for (rm = r->rooms; rm; rm = rnext) {
		struct tes__part *p, *pnext;

		rnext = rm->next;
		check_load(r, rm, now);
		for (p = rm->parts; p; p = pnext) {
			pnext = p->next;
			tes__part_tick(p, now);
			if (p->state == TES__PART_FAILED)
				part_remove(r, rm, p, p->fail_reason);
		}
	}
}

int tes_rooms_alloc(struct tes_rooms **rp, const struct tes_rooms_deps *deps)
{
	struct tes_rooms *r;
	int err;

	if (!rp || !deps || !deps->loop || !deps->conf || !deps->ice ||
	    !deps->cert)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;

	r->deps = *deps;
	r->mixctx.loop = deps->loop;
	r->mixctx.conf = deps->conf;
	err = tes_layouts_load(&r->mixctx.layouts, deps->conf->layouts_file,
			       stderr);
	if (err) {
		TES_LOGE("room", "cannot use layouts from %s",
			 deps->conf->layouts_file);
		free(r);
		return err < 0 ? err : -EINVAL;
	}
	err = tes_pool_alloc(&r->mixctx.pool, deps->loop,
			     (int)deps->conf->mixer_threads);
	if (!err)
		err = uv_timer_init(deps->loop, &r->timer);
	if (!err) {
		uv_timer_init(deps->loop, &r->reload_timer);
		uv_fs_event_init(deps->loop, &r->watch);
		r->reload_timer.data = r;
		r->watch.data = r;
		r->open_handles = 3;
		watch_layouts(r);
	}
	if (err) {
		tes_pool_close(r->mixctx.pool);
		tes_deref(r->mixctx.layouts);
		free(r);
		return err;
	}
	r->timer.data = r;
	uv_timer_start(&r->timer, timer_cb, TICK_MS, TICK_MS);
	*rp = r;

	return 0;
}

static void close_cb(uv_handle_t *h)
{
	struct tes_rooms *r = h->data;

	if (--r->open_handles)
		return;
	tes_deref(r->mixctx.layouts);
	free(r);
}

int tes_rooms_reload_layouts(struct tes_rooms *r)
{
	struct tes_layout_set *set = NULL;
	const char *path = r->deps.conf->layouts_file;
	int err;

	err = tes_layouts_load(&set, path, stderr);
	if (err) {
		TES_LOGW("room", "layouts: %s has %s; keeping the presets in "
			 "use", path, err > 0 ? "errors (see above)"
					      : "become unreadable");
		return err;
	}

	tes_deref(r->mixctx.layouts);
	r->mixctx.layouts = set;
	TES_LOGI("room", "layouts: reloaded %s (%zu presets)", path,
		 tes_layouts_count(set));

	return 0;
}

static void reload_cb(uv_timer_t *t)
{
	(void)tes_rooms_reload_layouts(t->data);
}

static void watch_cb(uv_fs_event_t *h, const char *file, int events,
		     int status)
{
	struct tes_rooms *r = h->data;
	const char *path = r->deps.conf->layouts_file;
	const char *base = strrchr(path, '/');

	(void)events;
	base = base ? base + 1 : path;
	if (status < 0 || (file && strcmp(file, base)))
		return;

	/* editors write in several steps: reload once things settle */
	uv_timer_start(&r->reload_timer, reload_cb, 200, 0);
}

static void watch_layouts(struct tes_rooms *r)
{
	char dir[TES_CONF_PATH_MAX];
	const char *path = r->deps.conf->layouts_file;
	const char *slash = strrchr(path, '/');
	int err;

	/* watch the folder: an editor's rename replaces the file itself */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	err = uv_fs_event_start(&r->watch, watch_cb, dir, 0);
	if (err)
		TES_LOGW("room", "layouts: cannot watch %s (%s); reload with "
			 "SIGHUP", dir, uv_strerror(err));
}

int tes_rooms_set_layout(struct tes_rooms *r, const char *room,
			 const char *layout)
{
	struct tes__room *rm = room_find(r, room);

	if (!rm)
		return -ENOENT;
	if (!rm->mix)
		return -EPERM;
	if (!tes_layouts_find(r->mixctx.layouts, layout))
		return -EINVAL;

	tes__mix_set_layout(rm->mix, layout);
	TES_LOGI("room", "%s: layout %s", rm->name, layout);

	return 0;
}

int tes_rooms_set_profile_size(struct tes_rooms *r, const char *room,
			       const char *profile, int width, int height,
			       char *err, size_t errlen)
{
	struct tes__room *rm = room_find(r, room);

	if (!rm || !rm->mix) {
		snprintf(err, errlen, "%s", !rm ? "no such room"
			 : "the room does not mix");
		return !rm ? -ENOENT : -EPERM;
	}
	return tes__mix_set_size(rm->mix, profile, width, height, err,
				 errlen);
}

int tes_rooms_snapshot(struct tes_rooms *r, const char *room,
		       struct tes_frame **fp)
{
	struct tes__room *rm = room_find(r, room);

	if (!rm)
		return -ENOENT;
	if (!rm->mix)
		return -EPERM;
	*fp = tes__mix_snapshot(rm->mix);

	return *fp ? 0 : -EAGAIN;
}

void tes_rooms_foreach_layout(struct tes_rooms *r,
			      void (*h)(const char *name, void *arg),
			      void *arg)
{
	size_t n = tes_layouts_count(r->mixctx.layouts);

	for (size_t i = 0; i < n; i++)
		h(tes_layout_name(tes_layouts_at(r->mixctx.layouts, i)), arg);
}

void tes_rooms_close(struct tes_rooms *r)
{
	if (!r)
		return;

	/* a room always has a participant; removing its last frees it */
	while (r->rooms)
		part_remove(r, r->rooms, r->rooms->parts,
			    "server shutting down");

	/* jobs still queued are cancelled; their completions free them */
	tes_pool_close(r->mixctx.pool);
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, close_cb);
	uv_close((uv_handle_t *)&r->reload_timer, close_cb);
	uv_close((uv_handle_t *)&r->watch, close_cb);
}

static struct tes__part *part_find(struct tes_rooms *r, const char *room,
				   const char *id);

/* sip: the call number of a SIP participant, 0 for WebRTC */
static void join(struct tes_rooms *r, const char *room, const char *name,
		 uint32_t sip, const char *offer, size_t len,
		 struct tes_join_result *res)
{
	struct tes__room *rm;
	struct tes__part *p = NULL;
	bool created = false;
	const char *why;
	int err;

	memset(res, 0, sizeof(*res));

	if (name && tes_part_name_check(name, &why)) {
		res->status = 400;
		snprintf(res->error, sizeof(res->error), "bad name: %s", why);
		return;
	}

	rm = room_find(r, room);
	if (!rm) {
		if (r->n_rooms >= r->deps.conf->max_rooms) {
			res->status = 503;
			snprintf(res->error, sizeof(res->error),
				 "server has its maximum of %u rooms",
				 r->deps.conf->max_rooms);
			return;
		}
		rm = calloc(1, sizeof(*rm));
		if (!rm) {
			res->status = 503;
			snprintf(res->error, sizeof(res->error),
				 "out of memory");
			return;
		}
		snprintf(rm->name, sizeof(rm->name), "%s", room);
		rm->mode = mode_name(tes_conf_room_mode(r->deps.conf, room));
		rm->sfu = !strcmp(rm->mode, "sfu");
		rm->events = &r->events;
		rm->created_ms = rm->mode_since_ms = tes_now_ms();
		rm->mode_pinned = tes_conf_room_mode(r->deps.conf, room) !=
				  r->deps.conf->default_mode;
		snprintf(rm->mode_reason, sizeof(rm->mode_reason), "%s",
			 rm->mode_pinned ? "rooms.modes" : "rooms.default_mode");
		created = true;
		if (!strcmp(rm->mode, "mix") &&
		    mix_start(r, rm, &rm->mix)) {
			free(rm);
			res->status = 503;
			snprintf(res->error, sizeof(res->error),
				 "cannot start mixing");
			return;
		}
	}
	else if (rm->n_parts >= r->deps.conf->max_participants) {
		res->status = 403;
		snprintf(res->error, sizeof(res->error),
			 "room is full (%u participants)",
			 r->deps.conf->max_participants);
		return;
	}

	err = tes__part_alloc(&p, rm, &r->deps, &r->mixctx, sip, offer, len,
			      &res->answer, res->error, sizeof(res->error));
	if (err) {
		res->status = err == -ENOMEM ? 503 : 400;
		TES_LOGW("room", "%s: join refused: %s", room, res->error);
		if (created) {
			tes__mix_close(rm->mix);
			free(rm);
		}
		return;
	}

	if (created) {
		rm->next = r->rooms;
		r->rooms = rm;
		r->n_rooms++;
		TES_LOGI("room", "%s: created (mode %s)", rm->name, rm->mode);
		/* rooms.auto_record: from the first join to the room's end */
		if (rm->mix)
			tes__recs_auto(tes__mix_recs(rm->mix));
	}

	snprintf(p->name, sizeof(p->name), "%s", name ? name : p->id);
	p->next = rm->parts;
	rm->parts = p;
	rm->n_parts++;
	if (rm->sfu)
		tes__sfu_joined(p);
	check_size(r, rm);

	r->gone.joins++;
	res->status = 201;
	memcpy(res->id, p->id, sizeof(res->id));
	if (p->ice)
		TES_LOGI("room", "%s/%s: joined as \"%s\" (ufrag %s)",
			 rm->name, p->id, p->name, tes_ice_agent_ufrag(p->ice));
	else
		TES_LOGI("room", "%s/%s: joined as \"%s\" (SIP call %u)",
			 rm->name, p->id, p->name, sip);
}

void tes_rooms_join(struct tes_rooms *r, const char *room, const char *name,
		    const char *offer, size_t len,
		    struct tes_join_result *res)
{
	join(r, room, name, 0, offer, len, res);
}

void tes_rooms_set_sip(struct tes_rooms *r, struct tes_sip *sip)
{
	r->sip = sip;
}

static struct tes__part *sip_part(struct tes_rooms *r, uint32_t call)
{
	for (struct tes__room *rm = r->rooms; rm; rm = rm->next) {
		for (struct tes__part *p = rm->parts; p; p = p->next) {
			if (p->sip && p->sip->call == call)
				return p;
		}
	}

	return NULL;
}

/* a room in rooms.modes is one SIP may open */
static bool room_configured(const struct tes_conf *c, const char *room)
{
	for (size_t i = 0; i < c->n_room_modes; i++) {
		if (!strcmp(c->room_modes[i].room, room))
			return true;
	}

	return false;
}

static void sip_invite(struct tes_rooms *r, const struct tes_sip_event *ev)
{
	const struct tes_conf *c = r->deps.conf;
	struct tes_join_result res;
	struct tes__room *rm;
	struct tes__part *p;
	char why[300];
	int status;

	TES_LOGI("room", "SIP call %u: INVITE sip:%s from \"%s\" (%s, %s)",
		 ev->call, ev->room, ev->from, ev->remote,
		 ev->user_agent[0] ? ev->user_agent : "no User-Agent");
	rm = tes_room_name_valid(ev->room) ? room_find(r, ev->room) : NULL;
	if (!rm && (!tes_room_name_valid(ev->room) ||
		    (!c->sip_open_rooms && !room_configured(c, ev->room)))) {
		snprintf(why, sizeof(why), "no room \"%s\"", ev->room);
		TES_LOGW("room", "SIP call %u: 404: %s", ev->call, why);
		tes_sip_respond(r->sip, ev->call, 404, why, NULL);
		return;
	}
	if (rm ? rm->sfu : !strcmp(tes_conf_room_mode(c, ev->room), "sfu")) {
		snprintf(why, sizeof(why), "room %s forwards (sfu): SIP "
			 "endpoints join mixed rooms", ev->room);
		TES_LOGW("room", "SIP call %u: 488: %s", ev->call, why);
		tes_sip_respond(r->sip, ev->call, 488, why, NULL);
		return;
	}

	join(r, ev->room, ev->from[0] && !tes_part_name_check(ev->from, NULL)
				  ? ev->from
				  : NULL,
	     ev->call, ev->sdp, ev->sdp_len, &res);
	status = res.status == 201   ? 200
		 : res.status == 403 ? 486
		 : res.status == 503 ? 503
		 : res.status == 400 ? 488
				     : 500;
	if (status != 200) {
		TES_LOGW("room", "SIP call %u: %d: %s", ev->call, status,
			 res.error);
		tes_sip_respond(r->sip, ev->call, status, res.error, NULL);
		return;
	}
	p = part_find(r, ev->room, res.id);
	if (p) {
		snprintf(p->sip->transport, sizeof(p->sip->transport), "%s",
			 ev->remote);
		snprintf(p->sip->user_agent, sizeof(p->sip->user_agent), "%s",
			 ev->user_agent);
	}
	tes_sip_respond(r->sip, ev->call, 200, NULL, res.answer);
	tes_deref(res.answer);
}

void tes_rooms_sip_event(const struct tes_sip_event *ev, void *arg)
{
	struct tes_rooms *r = arg;
	struct tes__part *p;
	char *answer = NULL, err[256];

	switch (ev->type) {
	case TES_SIP_INVITE:
		sip_invite(r, ev);
		break;
	case TES_SIP_REINVITE:
		p = sip_part(r, ev->call);
		if (!p) {
			tes_sip_respond(r->sip, ev->call, 481, "no such call",
					NULL);
			break;
		}
		if (tes__part_sip_reinvite(p, &r->mixctx, ev->sdp, ev->sdp_len,
					   &answer, err, sizeof(err))) {
			TES_LOGW("room", "%s/%s: re-INVITE refused (488): %s",
				 p->room->name, p->id, err);
			tes_sip_respond(r->sip, ev->call, 488, err, NULL);
			break;
		}
		tes_sip_respond(r->sip, ev->call, 200, NULL, answer);
		tes_deref(answer);
		break;
	case TES_SIP_ACK:
		p = sip_part(r, ev->call);
		if (p && tes__part_sip_ack(p, &r->mixctx, ev->sdp, ev->sdp_len,
					   err, sizeof(err)))
			tes__part_fail(p, err);
		break;
	case TES_SIP_ENDED:
		p = sip_part(r, ev->call);
		if (!p)
			break;
		p->sip->ended = true;
		TES_LOGI("room", "%s/%s: SIP call %u ended (%s)",
			 p->room->name, p->id, ev->call, ev->why);
		part_remove(r, p->room, p, ev->why);
		break;
	}
}

static struct tes__part *part_find(struct tes_rooms *r, const char *room,
				   const char *id);

int tes_rooms_leave(struct tes_rooms *r, const char *room, const char *id)
{
	struct tes__part *p = part_find(r, room, id);

	if (!p)
		return -ENOENT;
	part_remove(r, p->room, p, "left");

	return 0;
}

static struct tes__part *part_find(struct tes_rooms *r, const char *room,
				   const char *id)
{
	struct tes__room *rm = room_find(r, room);

	for (struct tes__part *p = rm ? rm->parts : NULL; p; p = p->next) {
		if (!strcmp(p->id, id))
			return p;
	}

	return NULL;
}

int tes_rooms_set_owner(struct tes_rooms *r, const char *room,
			const char *id, const char *owner)
{
	struct tes__part *p = part_find(r, room, id);

	if (!p)
		return -ENOENT;
	if (strlen(owner) >= sizeof(p->owner))
		return -EINVAL;
	strcpy(p->owner, owner);

	return 0;
}

const char *tes_rooms_owner(struct tes_rooms *r, const char *room,
			    const char *id)
{
	struct tes__part *p = part_find(r, room, id);

	return p ? p->owner : NULL;
}

void tes_rooms_totals(struct tes_rooms *r, struct tes_rooms_totals *t)
{
	*t = r->gone;
	t->ice = *tes_ice_server_stats(r->deps.ice);
	for (struct tes__room *rm = r->rooms; rm; rm = rm->next) {
		bool sfu = !strcmp(rm->mode, "sfu");
		bool mix = !strcmp(rm->mode, "mix");

		*(sfu ? &t->rooms_sfu : mix ? &t->rooms_mix
					    : &t->rooms_echo) += 1;
		*(sfu ? &t->parts_sfu : mix ? &t->parts_mix
					    : &t->parts_echo) += rm->n_parts;
		for (struct tes__part *p = rm->parts; p; p = p->next)
			tes__totals_part(t, p);
		if (rm->mix)
			tes__totals_mix(t, rm->mix);
	}
}

void tes_rooms_set_event_handler(struct tes_rooms *r, tes_room_event_h *h,
				 void *arg)
{
	r->events.h = h;
	r->events.arg = arg;
}

int tes_rooms_events_attach(struct tes_rooms *r, const char *room,
			    const char *id, bool attached)
{
	struct tes__part *p = part_find(r, room, id);

	if (!p)
		return -ENOENT;
	TES_LOGI("room", "%s/%s: event channel %s", room, id,
		 attached ? "open" : "closed");
	tes__sfu_events_attached(p, attached);

	return 0;
}

int tes_rooms_answer(struct tes_rooms *r, const char *room, const char *id,
		     const char *sdp, size_t len, char *err, size_t errlen)
{
	struct tes__part *p = part_find(r, room, id);
	int ret;

	if (!p) {
		snprintf(err, errlen, "no participant %s in room %s", id,
			 room);
		return -ENOENT;
	}
	ret = tes__sfu_answer(p, sdp, len, err, errlen);
	if (ret && ret != -EALREADY)
		TES_LOGW("room", "%s/%s: answer refused: %s", room, id, err);

	return ret;
}

int tes_rooms_view(struct tes_rooms *r, const char *room, const char *id,
		   const char *publisher, unsigned width, unsigned height)
{
	struct tes__part *p = part_find(r, room, id);

	if (!p)
		return -ENOENT;
	tes__sfu_view(p, publisher, width, height);

	return 0;
}

static void room_info(const struct tes__room *rm, struct tes_room_info *ri,
		      uint64_t now)
{
	memset(ri, 0, sizeof(*ri));
	ri->name = rm->name;
	ri->mode = rm->mode;
	ri->mode_reason = rm->mode_reason;
	ri->mode_since_ms = now - rm->mode_since_ms;
	ri->mode_switches = rm->mode_switches;
	ri->participants = rm->n_parts;
	ri->age_ms = now - rm->created_ms;
	if (rm->mix)
		tes__mix_info(rm->mix, ri);
}

void tes_rooms_foreach(struct tes_rooms *r, tes_room_info_h *h, void *arg)
{
	uint64_t now = tes_now_ms();

	for (struct tes__room *rm = r->rooms; rm; rm = rm->next) {
		struct tes_room_info ri;

		room_info(rm, &ri, now);
		h(&ri, arg);
	}
}

static const char *stream_codec(struct tes__part *p,
				enum tes_media_kind kind)
{
	const struct tes__stream *st = tes__part_stream_by_kind(p, kind);

	return st ? st->codec : "";
}

/* Time since a mixed participant's last decoded video frame, or -1 */
static int64_t video_age(struct tes__part *p)
{
	uint64_t put = p->mix ? tes__mixin_video_put_us(p) : 0;

	return put ? (int64_t)((tes_now_us() - put) / 1000) : -1;
}

static const char *mix_layer_rid(const struct tes__room *rm,
				 struct tes__part *p)
{
	const struct tes__stream *v =
		tes__part_stream_by_kind(p, TES_MEDIA_VIDEO);

	return rm->mix && v && v->n_layers ? v->layers[v->mix_layer].rid : "";
}

int tes_rooms_describe(struct tes_rooms *r, const char *room,
		       tes_room_info_h *rh, tes_part_info_h *ph, void *arg)
{
	struct tes__room *rm = room_find(r, room);
	uint64_t now = tes_now_ms();
	struct tes_room_info ri;

	if (!rm)
		return -ENOENT;

	room_info(rm, &ri, now);
	rh(&ri, arg);

	for (struct tes__part *p = rm->parts; p; p = p->next) {
		/* sends fail at once (no address, SRTP) or when the queued
		 * datagrams meet the kernel */
		struct tes_part_counters cnt = p->cnt;
		struct tes_part_info pi = {
			.id = p->id,
			.name = p->name,
			.owner = p->owner,
			.state = tes__part_state_name(p->state),
			.remote = p->ice ? tes_ice_agent_remote(p->ice)
					 : tes__sip_remote(p),
			.audio_codec = stream_codec(p, TES_MEDIA_AUDIO),
			.video_codec = stream_codec(p, TES_MEDIA_VIDEO),
			.srtp = p->srtp_name ? p->srtp_name : "",
			.profile = rm->mix ? tes__mix_profile_name(rm->mix, p)
					   : "",
			.age_ms = now - p->joined_ms,
			.layer = mix_layer_rid(rm, p),
			.video_age_ms = video_age(p),
			.sfu = rm->sfu,
			.sfu_tracks = tes__sfu_tracks(p),
			.sfu_offer_pending = tes__sfu_offer_pending(p),
			.counters = &cnt,
			.sip = tes__sip_info(p),
			.muted = p->muted,
		};

		if (p->ice)
			cnt.send_errors += tes_ice_agent_tx_errors(p->ice);
		/* (after .profile: choosing one updates the reason) */
		pi.profile_reason = rm->mix ? tes__mix_profile_reason(p) : "";
		ph(&pi, arg);
		json_decref(pi.sip);
	}

	return 0;
}

/* the recordings of a mixed room, or why there are none */
static int room_recs(struct tes_rooms *r, const char *room,
		     struct tes__recs **rsp)
{
	struct tes__room *rm = room_find(r, room);

	if (!rm)
		return -ENOENT;
	if (!rm->mix || !tes__mix_recs(rm->mix))
		return -EPERM;
	*rsp = tes__mix_recs(rm->mix);
	return 0;
}

int tes_rooms_record_start(struct tes_rooms *r, const char *room,
			   const char *profile, const char *format,
			   const char *url, tes_rec_desc_h *h, void *arg,
			   char *err, size_t errlen)
{
	struct tes__recs *rs;
	int ret = room_recs(r, room, &rs);

	if (ret) {
		snprintf(err, errlen, "%s", ret == -ENOENT
			 ? "no such room" : "the room does not mix");
		return ret;
	}
	return tes__recs_start(rs, profile, format, url, h, arg, err, errlen);
}

int tes_rooms_record_stop(struct tes_rooms *r, const char *room,
			  const char *id, tes_rec_desc_h *h, void *arg)
{
	struct tes__recs *rs;
	int ret = room_recs(r, room, &rs);

	return ret ? ret : tes__recs_stop(rs, id, h, arg);
}

int tes_rooms_record_list(struct tes_rooms *r, const char *room,
			  tes_rec_desc_h *h, void *arg)
{
	struct tes__recs *rs;
	int ret = room_recs(r, room, &rs);

	if (!ret)
		tes__recs_foreach(rs, h, arg);
	return ret;
}

int tes_rooms_hls_file(struct tes_rooms *r, const char *room,
		       const char *name, char *path, size_t len)
{
	struct tes__recs *rs;
	int ret = room_recs(r, room, &rs);

	return ret ? -ENOENT : tes__recs_hls_file(rs, name, path, len);
}
