/**
 * @file base.h  Tessera base: refcounted memory, logging, clock, helpers.
 *
 * Everything in Tessera builds on this header; it depends on libc only.
 */
#ifndef TES_BASE_H
#define TES_BASE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TES_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TES_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TES_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- refcounted memory (libre mem_* style) ---- */

/** Destructor called when the last reference is dropped. */
typedef void (tes_dtor_h)(void *data);

/**
 * Allocate zeroed, refcounted memory with one reference.
 *
 * @param size  Number of bytes
 * @param dtor  Optional destructor, called before the memory is freed
 * @return The memory, or NULL when out of memory
 */
void *tes_alloc(size_t size, tes_dtor_h *dtor);

/**
 * Like tes_alloc(), but the memory is not zeroed: for large buffers the
 * caller overwrites at once (decoded frames, canvases).
 *
 * @param size  Number of bytes
 * @param dtor  Optional destructor, called before the memory is freed
 * @return The memory, or NULL when out of memory
 */
void *tes_alloc_raw(size_t size, tes_dtor_h *dtor);

/**
 * Take one more reference.
 *
 * @param data  Memory from tes_alloc(), or NULL
 * @return data
 */
void *tes_ref(void *data);

/**
 * Drop one reference; the last one runs the destructor and frees.
 *
 * @param data  Memory from tes_alloc(), or NULL
 * @return Always NULL, so callers write `x = tes_deref(x);`
 */
void *tes_deref(void *data);

/**
 * Number of tes_alloc() blocks alive in the process (for leak checks).
 *
 * @return Live block count
 */
long tes_alloc_live(void);

/**
 * Duplicate a string into refcounted memory.
 *
 * @param s  NUL-terminated string
 * @return The copy, or NULL when out of memory
 */
char *tes_strdup(const char *s);

/* ---- logging ---- */

/** Log levels, most severe first. */
enum tes_log_level {
	TES_LOG_ERROR = 0,
	TES_LOG_WARN,
	TES_LOG_INFO,
	TES_LOG_DEBUG,
};

/**
 * Set the maximum level that is printed.
 *
 * @param level  Highest level to print
 */
void tes_log_set_level(enum tes_log_level level);

/**
 * Parse a level name ("error", "warn", "info", "debug").
 *
 * @param name   Level name
 * @param level  Receives the level
 * @return 0, or -EINVAL for an unknown name
 */
int tes_log_level_parse(const char *name, enum tes_log_level *level);

/**
 * Whether a level is currently printed (to skip costly formatting).
 *
 * @param level  Level to test
 * @return true when tes_log() at that level prints
 */
bool tes_log_enabled(enum tes_log_level level);

/**
 * Print one log line to stderr: time, level, module tag, message.
 *
 * @param level  Severity
 * @param tag    Module tag ("ice", "dtls", "http", ...)
 * @param fmt    printf format
 */
void tes_log(enum tes_log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TES_LOGE(tag, ...) tes_log(TES_LOG_ERROR, tag, __VA_ARGS__)
#define TES_LOGW(tag, ...) tes_log(TES_LOG_WARN, tag, __VA_ARGS__)
#define TES_LOGI(tag, ...) tes_log(TES_LOG_INFO, tag, __VA_ARGS__)
#define TES_LOGD(tag, ...) \
	do { \
		if (tes_log_enabled(TES_LOG_DEBUG)) \
			tes_log(TES_LOG_DEBUG, tag, __VA_ARGS__); \
	} while (0)

/**
 * Rate limiter for log lines caused by outside input: at most one line per
 * interval, with a count of what was suppressed in between.
 */
struct tes_ratelog {
	uint64_t last_ms;  /**< When a line was last printed */
	uint64_t dropped;  /**< Lines suppressed since then */
};

/**
 * Decide whether to print a rate-limited line now.
 *
 * @param rl           Limiter state
 * @param interval_ms  Minimum time between lines
 * @param suppressed   Receives the number of lines suppressed before this
 * @return true when the caller should print
 */
bool tes_ratelog_allow(struct tes_ratelog *rl, uint64_t interval_ms,
		       uint64_t *suppressed);

/* ---- clock ---- */

/** @return Monotonic time in milliseconds */
uint64_t tes_now_ms(void);

/** @return Monotonic time in microseconds */
uint64_t tes_now_us(void);

/** @return Wall-clock time as a 64-bit NTP timestamp (RFC 3550) */
uint64_t tes_ntp_now(void);

/* ---- random ---- */

/**
 * Fill a buffer with cryptographically strong random bytes.
 *
 * @param buf  Destination
 * @param len  Number of bytes
 * @return 0, or negative errno
 */
int tes_random(void *buf, size_t len);

/** @return A random 32-bit number (cryptographically strong) */
uint32_t tes_rand_u32(void);

/**
 * Fill a string with random characters from [A-Za-z0-9].
 *
 * @param buf  Destination, len + 1 bytes
 * @param len  Number of characters
 */
void tes_rand_str(char *buf, size_t len);

/* ---- text ---- */

/**
 * Check that text is valid UTF-8 (strict: no overlongs, surrogates or code
 * points past U+10FFFF) without NUL bytes, before handing it to a parser
 * that may not cope (libfyaml 0.7 loops on some invalid UTF-8).
 *
 * @param text  Text
 * @param len   Its length in bytes
 * @param line  Receives the line of the first bad byte (1-based)
 * @param col   Receives its column (1-based)
 * @return 0, -EILSEQ for invalid UTF-8, -EINVAL for a NUL byte
 */
int tes_text_check(const char *text, size_t len, int *line, int *col);

/**
 * tes_text_check, then refuse what the YAML loaders never need and
 * libfyaml 0.7.12 may crash on: an explicit mapping key ("? key") that
 * begins a line (after indentation and "- " entries).
 *
 * @param text  Text of a YAML file
 * @param len   Its length in bytes
 * @param line  Receives the line of the problem (1-based)
 * @param col   Receives its column (1-based)
 * @return 0, -EILSEQ, -EINVAL (as tes_text_check) or -ENOTSUP for an
 *         explicit key; tes_yaml_text_strerror() says which
 */
int tes_yaml_text_check(const char *text, size_t len, int *line, int *col);

/**
 * @param err  A result of tes_yaml_text_check
 * @return What it means, for an error line
 */
const char *tes_yaml_text_strerror(int err);

/**
 * Make a string valid UTF-8 in place: every byte that does not belong to
 * a valid sequence (by the rules of tes_text_check) becomes '?'.
 *
 * @param s  NUL-terminated string
 */
void tes_text_scrub(char *s);

/**
 * Value of a hexadecimal digit.
 *
 * @param c  Character
 * @return 0..15, or -1 when c is not a hex digit
 */
static inline int tes_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;

	return -1;
}

/* ---- byte order helpers for wire formats ---- */

static inline uint16_t tes_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t tes_rd24(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline uint32_t tes_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void tes_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tes_wr24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void tes_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* TES_BASE_H */
