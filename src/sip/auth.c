/**
 * @file auth.c  Digest authentication (RFC 3261 section 22, RFC 2617 with
 * qop=auth, MD5) of calls into the rooms listed in sip.auth, with
 * sofia-sip's own auth module: it makes the nonces, reads the password
 * file (again whenever the file changes) and checks the response.
 *
 * Sofia's nonces are stateless (issue time and an HMAC with the module's
 * key): a nonce is good for NONCE_S, and an Authorization seen on the
 * wire could be replayed for that long.  Each module gets a random key,
 * so a nonce of one room or of an earlier run is no good in another.
 * Sofia does not compare the digest "uri" with the request's: we do
 * (RFC 2617 section 3.2.2.5), so credentials for one room do not open
 * another whose password file has the same user.
 *
 * Sofia reads the password file again when its stat changes; so do we,
 * first, with the loader's check: an edit sofia would read as "nobody"
 * or hang on (a NUL byte) makes the room's calls fail with 500 and a log
 * line instead.  (An edit between our check and sofia's read slips
 * through: keep the file's edits atomic, write and rename.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/auth_module.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/url.h>

#include "base/base.h"
#include "base/conf.h"
#include "sip/sip_int.h"

enum {
	NONCE_S = 300,              /* a challenge's nonce is good this long */
	KEY_BYTES = 16,             /* of each module's nonce key */
	LOG_WINDOW_MS = 10000,      /* refusal lines per room and kind: */
	LOG_BURST = 10,             /* this many per window */
	USER_MAX = 64,              /* of a username we log */
};

/*
 * Refusal lines of one room and kind: LOG_BURST per LOG_WINDOW_MS, so
 * callers who come one after another are each logged (tes_ratelog's one
 * line per interval would hide the second of two phones dialling in at
 * once) while a flood of guesses costs a line a second at most.
 */
struct loglimit {
	uint64_t start_ms;  /* the window's start */
	unsigned n;         /* lines printed in it */
	uint64_t dropped;   /* lines not printed since the last one */
};

/* The auth module of one room (SIP thread). */
struct room_auth {
	char room[TES_CONF_ROOM_MAX + 1];
	const char *file;              /* conf: the password file */
	const char *realm;             /* conf: sip.realm */
	struct stat st;                /* the file when last checked */
	bool checked;                  /* st is set */
	bool bad;                      /* it failed that check */
	auth_mod_t *am;
	struct loglimit ll_challenge;  /* 401s */
	struct loglimit ll_refused;    /* 403s, 400s, 500s */
};

struct tes__sip_auth {
	struct room_auth *rooms;
	size_t n;
};

void tes__sip_auth_free(struct tes__sip_auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		if (a->rooms[i].am)
			auth_mod_destroy(a->rooms[i].am);
	}
	free(a->rooms);
	free(a);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* whether the room's password file is one sofia can use; checked again
 * when its stat changed (removed: sofia keeps the users it read) */
static bool file_usable(struct room_auth *ra)
{
	struct stat st;
	char why[160];
	bool was_bad = ra->bad;

	if (stat(ra->file, &st) || (ra->checked && same_file(&st, &ra->st)))
		return !ra->bad;
	ra->st = st;
	ra->checked = true;
	ra->bad = tes_conf_passwd_check(ra->file, ra->realm, why,
					sizeof(why)) < 0;
	if (ra->bad)
		TES_LOGE("sip", "room %s: password file %s %s: its calls get "
			 "500 until it is fixed", ra->room, ra->file, why);
	else if (was_bad)
		TES_LOGI("sip", "room %s: password file %s is good again",
			 ra->room, ra->file);

	return !ra->bad;
}

int tes__sip_auth_alloc(struct tes__sip_auth **ap, su_root_t *root,
			const struct tes_conf *conf)
{
	struct tes__sip_auth *a;
	int err = 0;

	*ap = NULL;
	if (!conf->n_sip_auth)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->rooms = calloc(conf->n_sip_auth, sizeof(*a->rooms));
	if (!a->rooms) {
		free(a);
		return -ENOMEM;
	}

	for (size_t i = 0; i < conf->n_sip_auth; i++) {
		const struct tes_conf_sip_auth *ca = &conf->sip_auth[i];
		struct room_auth *ra = &a->rooms[a->n];
		uint8_t rnd[KEY_BYTES];
		char key[2 * KEY_BYTES + 1];

		snprintf(ra->room, sizeof(ra->room), "%s", ca->room);
		ra->file = ca->file;
		ra->realm = conf->sip_realm;
		if (!file_usable(ra)) {
			/* it was good at load: it changed since */
			err = -EIO;
			goto out;
		}
		err = tes_random(rnd, sizeof(rnd));
		if (err)
			goto out;
		for (size_t j = 0; j < sizeof(rnd); j++)
			snprintf(key + 2 * j, 3, "%02x", rnd[j]);
		/* AUTHTAG_FORBIDDEN: wrong credentials get 403, not another
		 * 401 a phone would answer with the same password again */
		ra->am = auth_mod_create(root, AUTHTAG_METHOD("Digest"),
					 AUTHTAG_REALM(conf->sip_realm),
					 AUTHTAG_DB(ca->file),
					 AUTHTAG_QOP("auth"),
					 AUTHTAG_ALGORITHM("MD5"),
					 AUTHTAG_EXPIRES(NONCE_S),
					 AUTHTAG_FORBIDDEN(1),
					 AUTHTAG_MASTER_KEY(key), TAG_END());
		explicit_bzero(key, sizeof(key));
		explicit_bzero(rnd, sizeof(rnd));
		if (!ra->am) {
			TES_LOGE("sip", "room %s: cannot read the password "
				 "file %s", ca->room, ca->file);
			err = -EIO;
			goto out;
		}
		a->n++;
		TES_LOGI("sip", "room %s: callers authenticate (digest, "
			 "realm \"%s\", users in %s)", ca->room,
			 conf->sip_realm, ca->file);
	}

 out:
	if (err)
		tes__sip_auth_free(a);
	else
		*ap = a;

	return err;
}

static bool log_allow(struct loglimit *l, uint64_t *dropped)
{
	uint64_t now = tes_now_ms();

	if (!l->start_ms || now - l->start_ms >= LOG_WINDOW_MS) {
		l->start_ms = now;
		l->n = 0;
	}
	if (l->n == LOG_BURST) {
		l->dropped++;
		return false;
	}
	l->n++;
	*dropped = l->dropped;
	l->dropped = 0;

	return true;
}

static struct room_auth *room_find(struct tes__sip_auth *a, const char *room)
{
	for (size_t i = 0; a && i < a->n; i++) {
		if (!strcmp(a->rooms[i].room, room))
			return &a->rooms[i];
	}

	return NULL;
}

/* a parameter of credentials ("username", "uri"), unquoted and made
 * printable; "" when absent */
static void cred_param(char *dst, size_t len, const msg_auth_t *au,
		       const char *name)
{
	const char *v = au ? msg_params_find(au->au_params, name) : NULL;
	size_t i = 0;

	if (v && *v == '"')
		v++;
	for (; v && *v && *v != '"' && i + 1 < len; v++)
		dst[i++] = (*v < 0x20 || *v == 0x7f) ? '?' : *v;
	dst[i] = '\0';
}

/* the digest uri names the room the request goes to (RFC 2617 section
 * 3.2.2.5): its user part is the request-URI's */
static bool uri_matches(const msg_auth_t *au, const sip_t *sip)
{
	const char *req = sip->sip_request ? sip->sip_request->rq_url->url_user
					   : NULL;
	char text[512];
	url_t u[1];

	cred_param(text, sizeof(text), au, "uri=");
	if (!text[0] || url_d(u, text) < 0)
		return false;

	return req && u->url_user && !strcmp(req, u->url_user);
}

bool tes__sip_auth_has(struct tes__sip_auth *a, const char *room)
{
	return room_find(a, room) != NULL;
}

bool tes__sip_auth_invite(struct tes__sip_auth *a, nua_handle_t *nh,
			  const sip_t *sip, const struct tes_sip_event *info)
{
	struct room_auth *ra = room_find(a, info->room);
	char user[USER_MAX + 1] = "";
	const char *why = NULL;
	struct loglimit *ll;
	auth_status_t *as;
	uint64_t sup = 0;
	char more[48] = "";
	int status;

	if (!ra)
		return true;
	if (!file_usable(ra)) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		if (log_allow(&ra->ll_refused, &sup))
			TES_LOGW("sip", "room %s: 500 to \"%s\" (%s): the "
				 "password file is not usable", ra->room,
				 info->from, info->remote);
		return false;
	}
	as = auth_status_new(NULL);
	if (!as) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return false;
	}
	auth_mod_check(ra->am, as, sip, auth_server);
	if (as->as_match)
		cred_param(user, sizeof(user), (msg_auth_t *)as->as_match,
			   "username=");
	status = as->as_status;

	if (status == 0 && !uri_matches((msg_auth_t *)as->as_match, sip)) {
		status = 400;
		why = "the digest uri is not the request-URI";
		nua_respond(nh, 400, "Digest URI Is Not The Request-URI",
			    TAG_END());
	}
	else if (status == 0) {
		TES_LOGI("sip", "room %s: \"%s\" (%s) authenticated as \"%s\"",
			 ra->room, info->from, info->remote, user);
		auth_status_unref(as);
		return true;
	}
	else {
		if (status == 401)
			why = !sip->sip_authorization ? "no credentials"
			      : !as->as_match         ? "no credentials for "
							"our realm"
			      : as->as_stale          ? "the nonce is stale"
						      : "the nonce is not ours";
		else if (status == 403)
			why = "wrong password or unknown user";
		else if (status >= 400 && status < 500)
			why = as->as_phrase ? as->as_phrase : "bad credentials";
		else
			why = "the auth module failed";
		if (status < 400 || status > 699)
			status = 500; /* 100 (pending) is for other schemes */
		nua_respond(nh, status,
			    status == as->as_status && as->as_phrase
				    ? as->as_phrase
				    : sip_status_phrase(status),
			    TAG_IF(as->as_response,
				   SIPTAG_HEADER((sip_header_t *)
							 as->as_response)),
			    TAG_END());
	}

	ll = status == 401 ? &ra->ll_challenge : &ra->ll_refused;
	if (log_allow(ll, &sup)) {
		if (sup)
			snprintf(more, sizeof(more), " (%llu more not logged)",
				 (unsigned long long)sup);
		tes_log(status == 401 && !as->as_match ? TES_LOG_INFO
						       : TES_LOG_WARN,
			"sip", "room %s: %d to \"%s\" (%s)%s%s%s: %s%s", ra->room,
			status, info->from, info->remote,
			user[0] ? " as \"" : "", user, user[0] ? "\"" : "", why,
			more);
	}
	auth_status_unref(as);

	return false;
}
