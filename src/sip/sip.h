/**
 * @file sip.h  SIP signalling for SIP-style endpoints (RFC 3261) with
 * sofia-sip's nua user agent on a thread of its own.
 *
 * The SIP thread answers INVITE sip:{room}@host over UDP and TCP, takes
 * ACK, BYE, CANCEL, OPTIONS and re-INVITE, and hands every call event to
 * the loop thread (a queue and a uv_async, like the mixer's results).
 * The loop thread decides (join a room, answer the SDP) and tells the SIP
 * thread what to send back (a queue and an eventfd the SIP thread's
 * su_root waits on).  Nothing here knows about rooms or media: calls are
 * numbers, SDP is text.
 */
#ifndef TES_SIP_H
#define TES_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct tes_sip;
struct tes_conf;

enum {
	TES_SIP_USER_MAX = 64,   /**< longest room (request-URI user) */
	TES_SIP_NAME_MAX = 64,   /**< longest caller name we keep */
	TES_SIP_ADDR_MAX = 64,   /**< "udp 192.0.2.1:5060" */
};

/** A call event, as the loop thread sees it. */
enum tes_sip_ev {
	TES_SIP_INVITE,    /**< New call: answer with tes_sip_respond() */
	TES_SIP_REINVITE,  /**< New offer in a call (hold, resume, codec
			        change), or none: answer with
			        tes_sip_respond() */
	TES_SIP_ACK,       /**< Our 2xx was acknowledged (sdp: the answer
			        when our 2xx carried the offer) */
	TES_SIP_ENDED,     /**< The call is over (BYE, CANCEL, no ACK,
			        transport error): forget it */
};

/** One call event (valid during the handler call). */
struct tes_sip_event {
	enum tes_sip_ev type;
	uint32_t call;                  /**< Call number (never 0) */
	char room[TES_SIP_USER_MAX + 1]; /**< INVITE: request-URI user */
	char from[TES_SIP_NAME_MAX + 1]; /**< INVITE: From display name or
					      user, "" if none */
	char remote[TES_SIP_ADDR_MAX];  /**< INVITE: "UDP 127.0.0.1:5062"
					     (transport and Via address) */
	char user_agent[TES_SIP_NAME_MAX + 1]; /**< INVITE: User-Agent */
	const char *sdp;                /**< Body (NULL when none) */
	size_t sdp_len;                 /**< Its length */
	const char *why;                /**< ENDED: what ended it */
};

/**
 * Receives call events on the loop thread.
 *
 * @param ev   Event
 * @param arg  Handler argument
 */
typedef void (tes_sip_h)(const struct tes_sip_event *ev, void *arg);

/**
 * Start the SIP thread, listening on sip.listen:sip.port (UDP and TCP).
 *
 * @param sp    Receives the SIP service
 * @param loop  Loop thread's loop (events are delivered there)
 * @param conf  Configuration (outlives the service)
 * @param h     Event handler
 * @param arg   Its argument
 * @return 0, -ENOMEM, or -EADDRINUSE / -EPROTO when the ports cannot be
 *         opened (logged)
 */
int tes_sip_alloc(struct tes_sip **sp, uv_loop_t *loop,
		  const struct tes_conf *conf, tes_sip_h *h, void *arg);

/**
 * Answer the pending INVITE or re-INVITE of a call.  Loop thread.
 *
 * @param s       SIP service
 * @param call    Call number
 * @param status  SIP status (200, 404, 486, 488, 500, 503 ...)
 * @param reason  Reason phrase; for errors also sent as a Warning-like
 *                Reason header text (NULL: the status's standard phrase)
 * @param sdp     SDP body for a 2xx (NULL: none)
 */
void tes_sip_respond(struct tes_sip *s, uint32_t call, int status,
		     const char *reason, const char *sdp);

/**
 * End an established call with BYE (or answer a pending INVITE with
 * 480 when not answered yet).  No TES_SIP_ENDED follows.  Loop thread.
 *
 * @param s       SIP service
 * @param call    Call number
 * @param reason  Why (logged, and sent in a Reason header)
 */
void tes_sip_hangup(struct tes_sip *s, uint32_t call, const char *reason);

/**
 * Stop: calls still up get a BYE, the thread ends, and the handles are
 * closed.  No events after this.  Loop thread.
 *
 * @param s  SIP service (NULL is ignored)
 */
void tes_sip_close(struct tes_sip *s);

#endif /* TES_SIP_H */
