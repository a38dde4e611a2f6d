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

#include "base/base.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool ends_token(const char *s, size_t i, size_t len)
{
	return i >= len || is_blank(s[i]) || s[i] == '\n' || s[i] == '\r';
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

	*line = 1;
	while (i < len) {
		size_t c = explicit_key_col(text, i, len);

		if (c) {
			*col = (int)c;
			return -ENOTSUP;
		}
		while (i < len && text[i] != '\n')
			i++;
		i++;
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
