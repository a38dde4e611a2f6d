/**
 * @file files.c  What GET answers with files and images rather than JSON:
 * the static files of the web root (the demo page), a room's HLS
 * playlist and segments, and the PNG of a mixed room's canvas.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "base/frame.h"
#include "mixer/mixer.h"
#include "signal/signal_int.h"

static const char *mime_of(const char *path)
{
	static const struct {
		const char *ext;
		const char *mime;
	} map[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".m3u8", "application/vnd.apple.mpegurl"},  /* HLS */
		{".ts", "video/mp2t"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < TES_ARRAY_SIZE(map); i++) {
		if (!strcmp(dot, map[i].ext))
			return map[i].mime;
	}

	return "application/octet-stream";
}

void tes__api_static(const struct tes_conf *conf,
		     const struct tes__http_req *req,
		     struct tes__http_resp *resp)
{
	const char *path = req->path;
	struct stat st;

	if (req->method != TES__GET) {
		tes__api_not_allowed(resp, "GET");
		return;
	}
	if (!strcmp(path, "/"))
		path = "/index.html";

	/* no way out of the web root */
	if (path[0] != '/' || strstr(path, "..") || strstr(path, "//") ||
	    strchr(path, '\\')) {
		tes__api_error(resp, 404, "not found");
		return;
	}

	if ((size_t)snprintf(resp->file_path, sizeof(resp->file_path), "%s%s",
			     conf->web_root, path) >= sizeof(resp->file_path) ||
	    stat(resp->file_path, &st) || !S_ISREG(st.st_mode)) {
		tes__api_error(resp, 404, "not found: %s", path);
		return;
	}

	resp->status = 200;
	resp->ctype = mime_of(path);
	resp->file = resp->file_path;
}

/* GET /rooms/{room}/hls/{file}: the room's HLS playlist and segments */
void tes__api_hls(struct tes_rooms *rooms, const char *room,
		  const char *name, const struct tes__http_req *req,
		  struct tes__http_resp *resp)
{
	if (req->method != TES__GET) {
		tes__api_not_allowed(resp, "GET");
		return;
	}
	if (tes_rooms_hls_file(rooms, room, name, resp->file_path,
			       sizeof(resp->file_path))) {
		tes__api_error(resp, 404, "no HLS file %s in room %s", name,
			       room);
		return;
	}
	resp->status = 200;
	resp->ctype = mime_of(name);
	resp->file = resp->file_path;
}

void tes__api_canvas(struct tes_rooms *rooms, const char *room,
		     struct tes__http_resp *resp)
{
	struct tes_frame *f = NULL;
	uint8_t *png = NULL;
	size_t len = 0;
	int err;

	err = tes_rooms_snapshot(rooms, room, &f);
	if (err == -ENOENT) {
		tes__api_error(resp, 404, "no such room: %s", room);
		return;
	}
	if (err == -EPERM) {
		tes__api_error(resp, 409, "room %s does not mix: no canvas",
			       room);
		return;
	}
	if (err) {
		tes__api_error(resp, 503, "room %s has composed nothing yet",
			       room);
		return;
	}

	/* an operator's snapshot, about a second old at most; encoded here
	 * at the fastest PNG level */
	err = tes_frame_to_png(f, &png, &len);
	tes_deref(f);
	if (err) {
		tes__api_error(resp, 500, "PNG encoding failed: %s",
			       strerror(-err));
		return;
	}

	resp->status = 200;
	resp->ctype = "image/png";
	resp->body = (char *)png;
	resp->body_len = len;
}
