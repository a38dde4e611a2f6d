/**
 * @file test_base.c  Refcounting, logging levels, random strings, text.
 */
#include "test.h"

static int dtor_calls;

static void counting_dtor(void *data)
{
	(void)data;
	dtor_calls++;
}

TES_TEST(base_refcount)
{
	int *p;

	dtor_calls = 0;
	p = tes_alloc(sizeof(*p), counting_dtor);
	TEST_ASSERT(p != NULL);
	TEST_EQ(*p, 0);
	TEST_ASSERT(tes_ref(p) == p);
	TEST_ASSERT(tes_deref(p) == NULL);
	TEST_EQ(dtor_calls, 0);
	p = tes_deref(p);
	TEST_EQ(dtor_calls, 1);
	TEST_ASSERT(tes_deref(NULL) == NULL);

	return 0;
}

TES_TEST(base_strdup)
{
	char *s = tes_strdup("tessera");

	TEST_STREQ(s, "tessera");
	s = tes_deref(s);

	return 0;
}

TES_TEST(base_log_level_parse)
{
	enum tes_log_level l;

	TEST_OK(tes_log_level_parse("debug", &l));
	TEST_EQ(l, TES_LOG_DEBUG);
	TEST_EQ(tes_log_level_parse("loud", &l), -EINVAL);

	return 0;
}

TES_TEST(base_rand_str)
{
	char a[17], b[17];

	tes_rand_str(a, 16);
	tes_rand_str(b, 16);
	TEST_EQ(strlen(a), 16);
	TEST_ASSERT(strcmp(a, b) != 0);
	for (size_t i = 0; i < 16; i++)
		TEST_ASSERT((a[i] >= '0' && a[i] <= '9') ||
			    (a[i] >= 'a' && a[i] <= 'z') ||
			    (a[i] >= 'A' && a[i] <= 'Z'));

	return 0;
}

TES_TEST(base_ratelog)
{
	struct tes_ratelog rl = {0};
	uint64_t sup = 99;

	TEST_ASSERT(tes_ratelog_allow(&rl, 100000, &sup));
	TEST_EQ(sup, 0);
	TEST_ASSERT(!tes_ratelog_allow(&rl, 100000, &sup));
	TEST_ASSERT(!tes_ratelog_allow(&rl, 100000, &sup));
	TEST_EQ(rl.dropped, 2);

	return 0;
}

TES_TEST(base_text_scrub)
{
	/* valid UTF-8 stays; a stray byte, an overlong, a surrogate and a
	 * sequence cut at the end become '?' */
	char ok[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82";
	char bad[] = "a\xffz \xc0\xaf \xed\xa0\x80 \xe2\x82";
	int line, col;

	tes_text_scrub(ok);
	TEST_STREQ(ok, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
	tes_text_scrub(bad);
	TEST_STREQ(bad, "a?z ?? ??? ??");
	TEST_EQ(tes_text_check(bad, strlen(bad), &line, &col), 0);

	return 0;
}
