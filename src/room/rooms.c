/**
 * @file rooms.c  Room registry: join, leave, housekeeping (timeouts, DTLS
 * retransmission, removing failed participants) and descriptions.
 */
#include <stdlib.h>
#include <string.h>

#include "room/room_int.h"

enum {
	TICK_MS = 100,
};

struct tes_rooms {
	uv_timer_t timer;
	struct tes_rooms_deps deps;
	struct tes__room *rooms;
	size_t n_rooms;
};

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
	free(rm);
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
	room_unlink_part(rm, p);
	tes_deref(p);
	room_remove_if_empty(r, rm);
}

static void timer_cb(uv_timer_t *t)
{
	struct tes_rooms *r = t->data;
	uint64_t now = tes_now_ms();
	struct tes__room *rm, *rnext;

	for (rm = r->rooms; rm; rm = rnext) {
		struct tes__part *p, *pnext;

		rnext = rm->next;
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
	err = uv_timer_init(deps->loop, &r->timer);
	if (err) {
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
	free(h->data);
}

void tes_rooms_close(struct tes_rooms *r)
{
	if (!r)
		return;

	/* a room always has a participant; removing its last frees it */
	while (r->rooms)
		part_remove(r, r->rooms, r->rooms->parts,
			    "server shutting down");

	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->timer, close_cb);
}

void tes_rooms_join(struct tes_rooms *r, const char *room, const char *offer,
		    size_t len, struct tes_join_result *res)
{
	struct tes__room *rm;
	struct tes__part *p = NULL;
	bool created = false;
	int err;

	memset(res, 0, sizeof(*res));

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
		rm->mode = r->deps.conf->default_mode;
		rm->created_ms = tes_now_ms();
		created = true;
	}
	else if (rm->n_parts >= r->deps.conf->max_participants) {
		res->status = 403;
		snprintf(res->error, sizeof(res->error),
			 "room is full (%u participants)",
			 r->deps.conf->max_participants);
		return;
	}

	err = tes__part_alloc(&p, rm, &r->deps, offer, len, &res->answer,
			      res->error, sizeof(res->error));
	if (err) {
		res->status = err == -ENOMEM ? 503 : 400;
		TES_LOGW("room", "%s: join refused: %s", room, res->error);
		if (created)
			free(rm);
		return;
	}

	if (created) {
		rm->next = r->rooms;
		r->rooms = rm;
		r->n_rooms++;
		TES_LOGI("room", "%s: created (mode %s)", rm->name, rm->mode);
	}

	p->next = rm->parts;
	rm->parts = p;
	rm->n_parts++;

	res->status = 201;
	memcpy(res->id, p->id, sizeof(res->id));
	TES_LOGI("room", "%s/%s: joined (ufrag %s)", rm->name, p->id,
		 tes_ice_agent_ufrag(p->ice));
}

int tes_rooms_leave(struct tes_rooms *r, const char *room, const char *id)
{
	struct tes__room *rm = room_find(r, room);

	if (!rm)
		return -ENOENT;

	for (struct tes__part *p = rm->parts; p; p = p->next) {
		if (!strcmp(p->id, id)) {
			part_remove(r, rm, p, "left");
			return 0;
		}
	}

	return -ENOENT;
}

static void room_info(const struct tes__room *rm, struct tes_room_info *ri,
		      uint64_t now)
{
	ri->name = rm->name;
	ri->mode = rm->mode;
	ri->participants = rm->n_parts;
	ri->age_ms = now - rm->created_ms;
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

static const char *stream_codec(const struct tes__part *p,
				enum tes_media_kind kind)
{
	for (size_t i = 0; i < p->n_streams; i++) {
		if (p->streams[i].kind == kind)
			return p->streams[i].codec;
	}

	return "";
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
		struct tes_part_info pi = {
			.id = p->id,
			.state = tes__part_state_name(p->state),
			.remote = tes_ice_agent_remote(p->ice),
			.audio_codec = stream_codec(p, TES_MEDIA_AUDIO),
			.video_codec = stream_codec(p, TES_MEDIA_VIDEO),
			.srtp = p->srtp_name ? p->srtp_name : "",
			.age_ms = now - p->joined_ms,
			.counters = &p->cnt,
		};

		ph(&pi, arg);
	}

	return 0;
}
