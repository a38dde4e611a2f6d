/**
 * @file sip_int.h  SIP module internals: digest authentication of the
 * rooms in sip.auth (auth.c), used by the SIP thread (sip.c).
 */
#ifndef TES_SIP_INT_H
#define TES_SIP_INT_H

#include <stdbool.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "sip/sip.h"

struct tes_conf;
struct tes__sip_auth;

/**
 * Create one sofia-sip auth module (Digest, MD5, qop=auth) per sip.auth
 * room.  SIP thread, after su_root_create().
 *
 * @param ap    Receives the set (NULL when sip.auth is empty)
 * @param root  The SIP thread's su_root
 * @param conf  Configuration
 * @return 0, -ENOMEM, or -EIO when a password file cannot be read (logged)
 */
int tes__sip_auth_alloc(struct tes__sip_auth **ap, su_root_t *root,
			const struct tes_conf *conf);

/**
 * Check a new INVITE's credentials when its room is in sip.auth.  When
 * they do not do, the INVITE is answered here (401 with a challenge, 403,
 * 400 or 500, as sofia's module decides) and the refusal logged; the
 * caller then destroys the handle.  SIP thread.
 *
 * @param a     Auth modules (NULL: every room is open)
 * @param nh    The INVITE's handle
 * @param sip   The INVITE
 * @param info  Its room (the request-URI user, as the loop thread will
 *              see it), caller name and address, for the check and log
 * @return true when the INVITE may go on to the loop thread
 */
bool tes__sip_auth_invite(struct tes__sip_auth *a, nua_handle_t *nh,
			  const sip_t *sip, const struct tes_sip_event *info);

/**
 * Whether a room is in sip.auth.
 * @param a     Auth modules (NULL: none)
 * @param room  Room
 * @return true when callers into it must authenticate
 */
bool tes__sip_auth_has(struct tes__sip_auth *a, const char *room);

/**
 * Destroy the auth modules.  SIP thread, before su_root_destroy().
 *
 * @param a  Auth modules (NULL is ignored)
 */
void tes__sip_auth_free(struct tes__sip_auth *a);

#endif /* TES_SIP_INT_H */
