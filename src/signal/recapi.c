/**
 * @file recapi.c  The recordings of a room over HTTP:
 *   POST   /rooms/{room}/recordings       {"profile": P, "format": F}
 *          -> 201 and the recording (id, path, state ...)
 *   GET    /rooms/{room}/recordings       -> {"recordings": [...]}
 *   GET    /rooms/{room}/recordings/{id}  -> the recording
 *   DELETE /rooms/{room}/recordings/{id}  -> finished file, 200
 * and live streams the same way (format flv, to an RTMP server):
 *   POST   /rooms/{room}/streams          {"url": "rtmp://...",
 *                                          "profile": P (an H264 one)}
 *   GET    /rooms/{room}/streams[/{id}], DELETE /rooms/{room}/streams/{id}
 */
#include <string.h>

#include "base/conf.h"
#include "room/room.h"
#include "signal/signal_int.h"

static const char START_BODY[] =
	"{\"profile\": \"name\", \"format\": \"webm|mkv|mp4\"}";
static const char STREAM_BODY[] =
	"{\"url\": \"rtmp://host/app/key\"} or {\"hls\": true}, "
	"optionally with \"profile\": \"name\"";

static bool is_stream(const struct tes_rec_desc *d)
{
	return !strcmp(d->format, "flv") || !strcmp(d->format, "hls");
}

static json_t *rec_json(const struct tes_rec_desc *d)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,"
			 "s:I}",
			 "id", d->id, "path", d->path, "profile", d->profile,
			 "format", d->format, "state", d->state, "error",
			 d->error, "bytes", (json_int_t)d->bytes,
			 "duration_ms", (json_int_t)d->duration_ms,
			 "video_frames", (json_int_t)d->video_frames,
			 "audio_frames", (json_int_t)d->audio_frames,
			 "dropped", (json_int_t)d->dropped,
			 "started_ms", (json_int_t)d->started_ms,
			 "reconnects", (json_int_t)d->reconnects);
}

static void rec_one(const struct tes_rec_desc *d, void *arg)
{
	json_t **out = arg;

	*out = rec_json(d);
}

struct list_ctx {
	json_t *list;
	bool streams;    /* list the live streams, else the files */
};

static void rec_append(const struct tes_rec_desc *d, void *arg)
{
	struct list_ctx *l = arg;

	if (is_stream(d) == l->streams)
		json_array_append_new(l->list, rec_json(d));
}

struct find_ctx {
	const char *id;
	bool streams;
	json_t *found;
};

static void rec_find(const struct tes_rec_desc *d, void *arg)
{
	struct find_ctx *f = arg;

	if (!f->found && !strcmp(d->id, f->id) && is_stream(d) == f->streams)
		f->found = rec_json(d);
}

static void room_error(struct tes__http_resp *resp, int err,
		       const char *room)
{
	if (err == -EPERM)
		tes__api_error(resp, 409, "room %s does not mix: nothing to "
			       "record", room);
	else
		tes__api_error(resp, 404, "no such room: %s", room);
}

static void start(struct tes_rooms *rooms, const char *room, bool streams,
		  const struct tes__http_req *req,
		  struct tes__http_resp *resp)
{
	const char *profile = NULL, *format = "webm", *url = NULL;
	int hls = 0;
	const char *shape = streams ? STREAM_BODY : START_BODY;
	json_t *body, *out = NULL;
	json_error_t jerr;
	char why[256] = "";
	int err;

	body = tes__api_body(req, resp, shape);
	if (!body)
		return;
	if (streams ? json_unpack_ex(body, &jerr, JSON_STRICT,
				     "{s?s,s?b,s?s}", "url", &url, "hls", &hls,
				     "profile", &profile)
		    : json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s,s?s}",
				     "profile", &profile, "format", &format)) {
		tes__api_error(resp, 400, "body must be %s: %s", shape,
			       jerr.text);
		json_decref(body);
		return;
	}
	if (streams && !url == !hls) {
		tes__api_error(resp, 400, "body must be %s", shape);
		json_decref(body);
		return;
	}

	if (streams)
		format = hls ? "hls" : "flv";
	else if (!strcmp(format, "flv") || !strcmp(format, "hls"))
		format = "(live: use /streams)";
	err = tes_rooms_record_start(rooms, room, profile, format, url,
				     rec_one, &out, why, sizeof(why));
	if (err == -ENOENT || err == -EPERM)
		room_error(resp, err, room);
	else if (err == -EINVAL)
		tes__api_error(resp, 400, "%s", why);
	else if (err == -EMFILE)
		tes__api_error(resp, 409, "%s", why);
	else if (err)
		tes__api_error(resp, 500, "%s", why);
	else
		tes__api_json(resp, 201, out);
	json_decref(body);
}

void tes__api_recordings(struct tes_rooms *rooms, const char *room,
			 bool streams, const char *rest,
			 const struct tes__http_req *req,
			 struct tes__http_resp *resp)
{
	const char *what = streams ? "stream" : "recording";
	char id[TES_REC_ID_LEN + 2];
	int err, used = 0;

	if (!*rest || !strcmp(rest, "/")) {
		if (req->method == TES__POST) {
			start(rooms, room, streams, req, resp);
			return;
		}
		if (req->method != TES__GET) {
			tes__api_not_allowed(resp, "GET, POST");
			return;
		}
		struct list_ctx l = {.list = json_array(), .streams = streams};

		err = tes_rooms_record_list(rooms, room, rec_append, &l);
		if (err) {
			json_decref(l.list);
			room_error(resp, err, room);
			return;
		}
		tes__api_json(resp, 200, json_pack("{s:o}", streams ? "streams"
						   : "recordings", l.list));
		return;
	}

	if (sscanf(rest, "/%9[A-Za-z0-9]%n", id, &used) != 1 || rest[used] ||
	    strlen(id) != TES_REC_ID_LEN) {
		tes__api_error(resp, 404, "no such %s in room %s", what,
			       room);
		return;
	}

	{
		struct find_ctx f = {.id = id, .streams = streams};

		err = tes_rooms_record_list(rooms, room, rec_find, &f);
		if (err) {
			room_error(resp, err, room);
			return;
		}
		if (!f.found) {
			tes__api_error(resp, 404, "no %s %s in room %s", what,
				       id, room);
			return;
		}
		if (req->method == TES__GET) {
			tes__api_json(resp, 200, f.found);
			return;
		}
		json_decref(f.found);
	}

	if (req->method == TES__DELETE) {
		json_t *out = NULL;

		err = tes_rooms_record_stop(rooms, room, id, rec_one, &out);
		if (err == -ESRCH)
			tes__api_error(resp, 404, "no %s %s in room %s", what,
				       id, room);
		else if (err)
			room_error(resp, err, room);
		else
			tes__api_json(resp, 200, out);
	}
	else {
		tes__api_not_allowed(resp, "GET, DELETE");
	}
}
