/**
 * @file test_room.c  Room module helpers: participant display names; the
 * registry's limits (rooms.max_rooms, rooms.max_participants), owners and
 * totals.
 */
#include <stdlib.h>

#include "dtls/dtls.h"
#include "net/ice.h"
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

/* a failed check of a test that must clean up: says which, goes to out */
#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, \
				#cond); \
			goto out; \
		} \
	} while (0)

/* Joins past rooms.max_participants (403) and rooms.max_rooms (503) are
 * refused with a reason; owners; what tes_rooms_totals() counts */
TES_TEST(room_limits_owner_totals)
{
	struct tes_join_result j[5];
	struct tes_ice_server *ice = NULL;
	struct tes_dtls_cert *cert = NULL;
	struct tes_rooms *r = NULL;
	struct tes_rooms_totals t;
	struct tes_conf conf;
	uv_loop_t loop;
	char *vec;
	size_t len;
	int ret = 1;

	memset(j, 0, sizeof(j));
	tes_conf_defaults(&conf);
	strcpy(conf.default_mode, "echo");
	conf.max_rooms = 2;
	conf.max_participants = 2;
	snprintf(conf.layouts_file, sizeof(conf.layouts_file), "%s",
		 TES_SOURCE_DIR "/conf/layouts.yaml");
	vec = tes_test_read_vector("chrome_sendrecv.sdp", &len);
	TEST_ASSERT(vec);
	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_ice_server_alloc(&ice, &loop, "127.0.0.1", 0));
	TEST_OK(tes_dtls_cert_alloc(&cert));
	struct tes_rooms_deps deps = {
		.loop = &loop, .conf = &conf, .ice = ice, .cert = cert};
	CHECK(!tes_rooms_alloc(&r, &deps));

	tes_rooms_join(r, "a", NULL, vec, len, &j[0]);
	tes_rooms_join(r, "a", NULL, vec, len, &j[1]);
	tes_rooms_join(r, "a", NULL, vec, len, &j[2]);
	tes_rooms_join(r, "b", NULL, vec, len, &j[3]);
	tes_rooms_join(r, "c", NULL, vec, len, &j[4]);
	CHECK(j[0].status == 201 && j[1].status == 201 && j[3].status == 201);
	CHECK(j[2].status == 403);
	CHECK(strstr(j[2].error, "room is full (2 participants)"));
	CHECK(j[4].status == 503);
	CHECK(strstr(j[4].error, "maximum of 2 rooms"));

	CHECK(!strcmp(tes_rooms_owner(r, "a", j[0].id), ""));
	CHECK(!tes_rooms_set_owner(r, "a", j[0].id, "alice"));
	CHECK(!strcmp(tes_rooms_owner(r, "a", j[0].id), "alice"));
	CHECK(!tes_rooms_owner(r, "b", j[0].id));
	CHECK(tes_rooms_set_owner(r, "b", j[0].id, "alice") == -ENOENT);

	tes_rooms_totals(r, &t);
	CHECK(t.rooms_echo == 2 && !t.rooms_mix && !t.rooms_sfu);
	CHECK(t.parts_echo == 3 && t.joins == 3);
	/* a participant leaves: the gauges go down, the counters do not */
	CHECK(!tes_rooms_leave(r, "b", j[3].id));
	tes_rooms_totals(r, &t);
	CHECK(t.rooms_echo == 1 && t.parts_echo == 2 && t.joins == 3);
	ret = 0;

out:
	for (size_t i = 0; i < TES_ARRAY_SIZE(j); i++)
		tes_deref(j[i].answer);
	tes_rooms_close(r);
	tes_ice_server_close(ice);
	uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);
	tes_deref(cert);
	free(vec);

	return ret;
}
