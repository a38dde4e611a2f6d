/**
 * @file signal_int.h  Between the HTTP plumbing (http.c) and the API
 * routes (api.c).
 */
#ifndef TES_SIGNAL_INT_H
#define TES_SIGNAL_INT_H

#include <stddef.h>

#include <jansson.h>

#include "signal/signal.h"

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

/* A complete request. */
struct tes__http_req {
	enum tes__method method;
	const char *path;      /* URI path, no query */
	const char *name;      /* ?name= of the query, URL-decoded by lws,
				  or NULL when absent */
	const char *ctype;     /* Content-Type without parameters, or "" */
	const char *body;      /* NUL-terminated body */
	size_t body_len;
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

/* api.c: set a JSON error response {"error": reason}. */
void tes__api_error(struct tes__http_resp *resp, unsigned status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* TES_SIGNAL_INT_H */
