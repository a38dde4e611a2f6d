/**
 * @file conf_int.h  Configuration loader internals shared by its files.
 */
#ifndef TES_CONF_INT_H
#define TES_CONF_INT_H

#include <stddef.h>

/**
 * Check a sip.auth password file the way sofia-sip's auth module will
 * read it (iptsec/auth_module.c, auth_readdb_internal): lines split at CR
 * or LF, empty lines and lines starting with '#' skipped, every other line
 * "user:password[:realm[:ident]]", or "user:realm:HA1" (htdigest: a
 * third field of exactly 32 hex digits).  Sofia skips a line without a
 * user or a password silently and keeps a user whose realm field is not
 * ours out of reach: both are reported here instead.
 *
 * @param path   File
 * @param realm  sip.realm
 * @param why    Receives what is wrong (no file contents in it)
 * @param len    Its size
 * @return Number of users (at least 1), or -errno when the file cannot be
 *         used (why says why)
 */
int tes__conf_passwd_check(const char *path, const char *realm, char *why,
			   size_t len);

#endif /* TES_CONF_INT_H */
