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
