/**
 * @file log.c  Leveled, tagged logging to stderr; clock and random helpers.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/base.h"

static atomic_int max_level = TES_LOG_INFO;

static const char *level_names[] = {"error", "warn", "info", "debug"};

void tes_log_set_level(enum tes_log_level level)
{
	atomic_store(&max_level, (int)level);
}

int tes_log_level_parse(const char *name, enum tes_log_level *level)
{
	for (size_t i = 0; i < TES_ARRAY_SIZE(level_names); i++) {
		if (!strcmp(name, level_names[i])) {
			*level = (enum tes_log_level)i;
			return 0;
		}
	}

	return -EINVAL;
}

bool tes_log_enabled(enum tes_log_level level)
{
	return (int)level <= atomic_load(&max_level);
}

void tes_log(enum tes_log_level level, const char *tag, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (!tes_log_enabled(level))
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %-5s [%s] ",
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     level_names[level], tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);

	/* one write per line so concurrent threads do not interleave */
	fprintf(stderr, "%s\n", line);
}

bool tes_ratelog_allow(struct tes_ratelog *rl, uint64_t interval_ms,
		       uint64_t *suppressed)
{
	uint64_t now = tes_now_ms();

	if (rl->last_ms && now - rl->last_ms < interval_ms) {
		rl->dropped++;
		return false;
	}

	*suppressed = rl->dropped;
	rl->dropped = 0;
	rl->last_ms = now;

	return true;
}

uint64_t tes_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t tes_now_ms(void)
{
	return tes_now_us() / 1000u;
}

uint64_t tes_ntp_now(void)
{
	/* seconds between 1900-01-01 and 1970-01-01 */
	const uint64_t epoch = 2208988800u;
	struct timespec ts;
	uint64_t frac;

	clock_gettime(CLOCK_REALTIME, &ts);
	frac = ((uint64_t)ts.tv_nsec << 32) / 1000000000u;

	return (((uint64_t)ts.tv_sec + epoch) << 32) | (frac & 0xffffffffu);
}

int tes_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}

	return 0;
}

uint32_t tes_rand_u32(void)
{
	uint32_t v = 0;

	(void)tes_random(&v, sizeof(v));

	return v;
}

void tes_rand_str(char *buf, size_t len)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t rnd[256];

	while (len) {
		size_t n = TES_MIN(len, sizeof(rnd));

		(void)tes_random(rnd, n);
		for (size_t i = 0; i < n; i++)
			*buf++ = set[rnd[i] % (sizeof(set) - 1)];
		len -= n;
	}
	*buf = '\0';
}

/* Length of the UTF-8 sequence at s, or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;

	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	cp = s[0] & (0x7f >> n);
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;

	return n;
}

int tes_text_check(const char *text, size_t len, int *line, int *col)
{
	const unsigned char *s = (const unsigned char *)text;

	*line = 1;
	*col = 1;
	for (size_t i = 0; i < len; (*col)++) {
		size_t n = utf8_len(s + i, len - i);

		if (!n)
			return -EILSEQ;
		if (!s[i])
			return -EINVAL;
		if (s[i] == '\n') {
			(*line)++;
			*col = 0;
		}
		i += n;
	}

	return 0;
}

void tes_text_scrub(char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i);

		if (!n) {
			s[i] = '?';
			n = 1;
		}
		i += n;
	}
}
