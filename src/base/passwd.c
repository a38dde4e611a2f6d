/**
 * @file passwd.c  Check of sip.auth password files, at load time and by
 * the SIP thread when one changes, so a file sofia-sip's auth module would
 * read as "nobody" (or hang on) is an error that says where, not a room
 * nobody can call.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "base/conf.h"

enum {
	PASSWD_MAX = 1024 * 1024,  /* larger files are refused */
	HA1_LEN = 32,              /* hex MD5 of user:realm:password */
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}

	return true;
}

/*
 * One line (not NUL-terminated) as sofia splits it: user, then password,
 * then realm, each up to the next ':'.  0 when sofia keeps it, else
 * -EBADMSG with why filled.  The fields are never quoted in why: a
 * password holding ':' would show up as a "realm".
 */
static int check_line(const char *s, size_t n, unsigned line,
		      const char *realm, char *why, size_t len)
{
	const char *c1 = memchr(s, ':', n), *c2, *c3, *f3;
	size_t n3;

	if (!c1 || c1 == s || c1 + 1 == s + n || c1[1] == ':') {
		snprintf(why, len, "line %u is not user:password or "
			 "user:realm:HA1", line);
		return -EBADMSG;
	}
	c2 = memchr(c1 + 1, ':', (size_t)(s + n - c1 - 1));
	if (!c2)
		return 0; /* user:password, any realm */
	f3 = c2 + 1;
	c3 = memchr(f3, ':', (size_t)(s + n - f3));
	n3 = (size_t)((c3 ? c3 : s + n) - f3);
	if (!c3 && n3 == HA1_LEN && all_hex(f3, n3)) {
		/* htdigest: the second field is the realm */
		if ((size_t)(c2 - c1 - 1) != strlen(realm) ||
		    memcmp(c1 + 1, realm, strlen(realm))) {
			snprintf(why, len, "line %u (user:realm:HA1) has a "
				 "realm that is not sip.realm \"%s\"", line,
				 realm);
			return -EBADMSG;
		}
		return 0;
	}
	if (n3 && (n3 != strlen(realm) || memcmp(f3, realm, n3))) {
		snprintf(why, len, "line %u has a third field (the realm) that "
			 "is not sip.realm \"%s\" (a password cannot hold "
			 "':')", line, realm);
		return -EBADMSG;
	}

	return 0;
}

int tes_conf_passwd_check(const char *path, const char *realm, char *why,
			  size_t len)
{
	char *buf = NULL;
	struct stat st;
	unsigned line = 1;
	int fd, err = 0, users = 0;
	size_t got = 0;

	/* O_NONBLOCK: a FIFO named here must not hang the loader */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot open: %s", strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "is not a file");
		err = -EINVAL;
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(why, len, "can be read or written by other users: "
			 "chmod o-rw it");
		err = -EPERM;
		goto out;
	}
	if (st.st_size > PASSWD_MAX) {
		snprintf(why, len, "is larger than %d bytes", PASSWD_MAX);
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(why, len, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r ? -errno : -EIO;
			snprintf(why, len, "cannot read: %s",
				 r ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)r;
	}
	/* sofia's parser loops forever on a NUL byte (strcspn stops there
	 * and the scan never moves on) */
	if (memchr(buf, '\0', got)) {
		snprintf(why, len, "has a NUL byte: not a text file");
		err = -EBADMSG;
		goto out;
	}

	buf[got] = '\0';
	for (size_t i = 0; i < got;) {
		size_t n = strcspn(buf + i, "\r\n");

		if (n && buf[i] != '#') {
			err = check_line(buf + i, n, line, realm, why, len);
			if (err)
				goto out;
			users++;
		}
		for (i += n; i < got && (buf[i] == '\r' || buf[i] == '\n');
		     i++)
			line += buf[i] == '\n';
	}
	if (!users) {
		snprintf(why, len, "has no user:password lines");
		err = -EBADMSG;
	}

 out:
	if (buf) {
		explicit_bzero(buf, got);
		free(buf);
	}
	close(fd);

	return err ? err : users;
}
