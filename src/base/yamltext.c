/**
 * @file yamltext.c  What the YAML loaders check before libfyaml sees a
 * file: valid UTF-8 without NUL bytes (tes_text_check), and no explicit
 * mapping keys ("? key") in block context.
 *
 * libfyaml 0.7.12 (Debian 12) dereferences NULL while cleaning up after
 * some parse errors inside an explicit key, e.g. "? a:\t :" (its issue
 * #57, fixed upstream after that release).  Neither the config nor the
 * layouts file has any use for a key that is not a plain scalar, so a
 * line whose first node starts with the '?' indicator is refused here,
 * with its line and column, instead of reaching the parser.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/base.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of the line break at s[i] (YAML 1.2: CR, LF, CR LF; libfyaml
 * also takes 1.1's NEL, LS and PS), or 0. */
static size_t break_len(const char *s, size_t i, size_t len)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t n = len - i;

	if (!n)
		return 0;
	if (u[0] == '\r')
		return n > 1 && u[1] == '\n' ? 2 : 1;
	if (u[0] == '\n')
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0x85)
		return 2;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

static bool ends_token(const char *s, size_t i, size_t len)
{
	return i >= len || is_blank(s[i]) || break_len(s, i, len);
}

/* Column of an explicit key indicator that begins the line at text[i],
 * past indentation and any "- " sequence entries, or 0. */
static size_t explicit_key_col(const char *s, size_t i, size_t len)
{
	size_t start = i;

	for (;;) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i < len && s[i] == '-' && i + 1 < len && is_blank(s[i + 1]))
			i++;
		else
			break;
	}
	if (i < len && s[i] == '?' && ends_token(s, i + 1, len))
		return i - start + 1;
	return 0;
}

int tes_yaml_text_check(const char *text, size_t len, int *line, int *col)
{
	size_t i = 0;
	int err = tes_text_check(text, len, line, col);

	if (err)
		return err;

	/* a byte order mark is not part of the first line's node */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	*line = 1;
	while (i < len) {
		size_t c = explicit_key_col(text, i, len), b;

		if (c) {
			*col = (int)c;
			return -ENOTSUP;
		}
		while (i < len && !break_len(text, i, len))
			i++;
		b = break_len(text, i, len);
		i += b ? b : 1;
		(*line)++;
	}
	*line = 1;
	*col = 1;

	return 0;
}

const char *tes_yaml_text_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "NUL byte";
	case -EILSEQ:
		return "not valid UTF-8";
	case -ENOTSUP:
		return "explicit mapping key ('?') is not supported: "
		       "write the key as a plain scalar";
	default:
		return "unreadable text";
	}
}
