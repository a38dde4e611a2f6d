/**
 * @file test_room.c  Room module helpers: participant display names.
 */
#include "room/room.h"
#include "test.h"

TES_TEST(room_part_name_check)
{
	static const char *good[] = {
		"Alice", "a", "Zo\xc3\xab M\xc3\xbcller", "\xe2\x98\x83",
		"Bob (guest) #2", " spaced ",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	static const struct {
		const char *name;
		int err;
	} bad[] = {
		{"", -EINVAL},
		{"01234567890123456789012345678901234567890123456789012345678901"
		 "234", -EINVAL},                       /* 65 bytes */
		{"tab\there", -EINVAL},
		{"line\nbreak", -EINVAL},
		{"del\x7f", -EINVAL},
		{"c1\xc2\x85", -EINVAL},                /* U+0085 NEL */
		{"bad\xff", -EILSEQ},
		{"over\xc0\xaflong", -EILSEQ},
		{"cut\xe2\x98", -EILSEQ},
		{"surrogate\xed\xa0\x80", -EILSEQ},
	};
	const char *why;

	for (size_t i = 0; i < TES_ARRAY_SIZE(good); i++) {
		if (tes_part_name_check(good[i], &why))
			TEST_FAIL("\"%s\" refused", good[i]);
	}
	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		why = NULL;
		if (tes_part_name_check(bad[i].name, &why) != bad[i].err)
			TEST_FAIL("bad name %zu not refused with %d", i,
				  bad[i].err);
		TEST_ASSERT(why && *why);
	}
	/* U+00A0 (C2 A0) is no control character */
	TEST_OK(tes_part_name_check("no\xc2\xa0" "break", NULL));
	TEST_EQ(tes_part_name_check(NULL, NULL), -EINVAL);

	return 0;
}
