/**
 * @file test.h  Minimal test harness: one tes_tests binary, tests register
 * themselves with TES_TEST(name) so each file stays self-contained.
 * Every test is leak-checked against tes_alloc_live().
 */
#ifndef TES_TEST_H
#define TES_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

/** A test returns 0 on success, non-zero on failure. */
typedef int (tes_test_h)(void);

/**
 * Register a test (called from constructors made by TES_TEST).
 *
 * @param name  Test name, shown and matched on the command line
 * @param fn    Test function
 */
void tes_test_register(const char *name, tes_test_h *fn);

/**
 * Directory of tests/vectors, for tests that read vector files.
 *
 * @return Path without trailing slash
 */
const char *tes_test_vectors_dir(void);

/**
 * Read a whole vector file into a NUL-terminated malloc'd buffer.
 *
 * @param name  File name inside tests/vectors
 * @param lenp  Receives the length (may be NULL)
 * @return The buffer (free() it), or NULL
 */
char *tes_test_read_vector(const char *name, size_t *lenp);

#define TES_TEST(name) \
	static int test_##name(void); \
	__attribute__((constructor)) static void reg_##name(void) \
	{ \
		tes_test_register(#name, test_##name); \
	} \
	static int test_##name(void)

#define TEST_FAIL(...) \
	do { \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		return 1; \
	} while (0)

#define TEST_ASSERT(cond) \
	do { \
		if (!(cond)) \
			TEST_FAIL("assertion failed: %s", #cond); \
	} while (0)

#define TEST_EQ(a, b) \
	do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) \
			TEST_FAIL("%s == %lld, expected %s == %lld", #a, a_, \
				  #b, b_); \
	} while (0)

#define TEST_STREQ(a, b) \
	do { \
		const char *a_ = (a), *b_ = (b); \
		if (!a_ || !b_ || strcmp(a_, b_)) \
			TEST_FAIL("%s == \"%s\", expected \"%s\"", #a, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define TEST_MEMEQ(a, b, n) \
	do { \
		if (memcmp((a), (b), (n))) \
			TEST_FAIL("%s differs from %s", #a, #b); \
	} while (0)

/** Run an expression returning int; fail the test unless it returns 0. */
#define TEST_OK(expr) \
	do { \
		int e_ = (expr); \
		if (e_) \
			TEST_FAIL("%s returned %d (%s)", #expr, e_, \
				  strerror(e_ < 0 ? -e_ : e_)); \
	} while (0)

#endif /* TES_TEST_H */
