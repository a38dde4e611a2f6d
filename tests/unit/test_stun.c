/**
 * @file test_stun.c  STUN parse/check/build against the RFC 5769 vectors,
 * round trips, malformed input, and the RFC 7983 demultiplexer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "net/stun.h"
#include "test.h"

static const char rfc5769_pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* RFC 5769 2.1: sample request */
static const uint8_t rfc5769_req[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x10, /* SOFTWARE "STUN test client" */
	0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, /* PRIORITY */
	0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, /* ICE-CONTROLLED */
	0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09, /* USERNAME "evtj:h6vY" + padding */
	0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20,
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
	0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2,
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
	0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: sample IPv4 response */
static const uint8_t rfc5769_resp4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, /* SOFTWARE "test vector" + padding */
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS */
	0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
	0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53,
	0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
	0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: sample IPv6 response */
static const uint8_t rfc5769_resp6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, /* SOFTWARE "test vector" + padding */
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS */
	0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
	0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
	0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
	0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
	0xc8, 0xfb, 0x0b, 0x4c,
};

static const uint8_t rfc5769_tid[12] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
};

static const uint8_t *pwd(void)
{
	return (const uint8_t *)rfc5769_pwd;
}

TES_TEST(stun_rfc5769_request)
{
	struct tes_stun_msg m;
	const uint8_t *b = rfc5769_req;
	size_t n = sizeof(rfc5769_req);
	static const char bad[] = "VOkJxbRl1RmTxUk/WvJxBT";

	TEST_OK(tes_stun_parse(&m, b, n));
	TEST_EQ(m.type, TES_STUN_BINDING_REQUEST);
	TEST_EQ(m.length, 0x58);
	TEST_MEMEQ(m.tid, rfc5769_tid, 12);
	TEST_EQ(m.username_len, 9);
	TEST_MEMEQ(m.username, "evtj:h6vY", 9);
	TEST_ASSERT(m.has_priority);
	TEST_EQ(m.priority, 0x6e0001ff);
	TEST_ASSERT(m.ice_controlled);
	TEST_ASSERT(!m.ice_controlling);
	TEST_ASSERT(!m.use_candidate);
	TEST_EQ(m.tiebreaker >> 32, 0x932ff9b1);
	TEST_EQ(m.tiebreaker & 0xffffffff, 0x51263b36);
	TEST_ASSERT(m.has_integrity);
	TEST_EQ(m.integrity_off, 76);
	TEST_ASSERT(m.has_fingerprint);
	TEST_EQ(m.fingerprint_off, 100);
	TEST_ASSERT(!m.has_xor_mapped);
	TEST_EQ(m.error_code, 0);
	TEST_EQ(m.unknown_required, 0);

	TEST_OK(tes_stun_check_integrity(&m, b, n, pwd(),
					 strlen(rfc5769_pwd)));
	TEST_OK(tes_stun_check_fingerprint(&m, b, n));
	TEST_EQ(tes_stun_check_integrity(&m, b, n, (const uint8_t *)bad,
					 strlen(bad)), -EACCES);
	TEST_EQ(tes_stun_check_integrity(&m, b, n, NULL, 0), -EACCES);

	return 0;
}

TES_TEST(stun_rfc5769_response_ipv4)
{
	struct tes_stun_msg m;
	const struct sockaddr_in *sin;

	TEST_OK(tes_stun_parse(&m, rfc5769_resp4, sizeof(rfc5769_resp4)));
	TEST_EQ(m.type, TES_STUN_BINDING_SUCCESS);
	TEST_ASSERT(m.has_xor_mapped);
	sin = (const struct sockaddr_in *)&m.xor_mapped;
	TEST_EQ(sin->sin_family, AF_INET);
	TEST_EQ(ntohs(sin->sin_port), 32853);
	TEST_EQ(ntohl(sin->sin_addr.s_addr), 0xc0000201); /* 192.0.2.1 */
	TEST_ASSERT(m.username == NULL);
	TEST_OK(tes_stun_check_integrity(&m, rfc5769_resp4,
					 sizeof(rfc5769_resp4), pwd(),
					 strlen(rfc5769_pwd)));
	TEST_OK(tes_stun_check_fingerprint(&m, rfc5769_resp4,
					   sizeof(rfc5769_resp4)));

	return 0;
}

TES_TEST(stun_rfc5769_response_ipv6)
{
	struct tes_stun_msg m;
	const struct sockaddr_in6 *sin6;
	struct in6_addr want;

	TEST_EQ(inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677",
			  &want), 1);
	TEST_OK(tes_stun_parse(&m, rfc5769_resp6, sizeof(rfc5769_resp6)));
	TEST_ASSERT(m.has_xor_mapped);
	sin6 = (const struct sockaddr_in6 *)&m.xor_mapped;
	TEST_EQ(sin6->sin6_family, AF_INET6);
	TEST_EQ(ntohs(sin6->sin6_port), 32853);
	TEST_MEMEQ(&sin6->sin6_addr, &want, 16);
	TEST_OK(tes_stun_check_integrity(&m, rfc5769_resp6,
					 sizeof(rfc5769_resp6), pwd(),
					 strlen(rfc5769_pwd)));
	TEST_OK(tes_stun_check_fingerprint(&m, rfc5769_resp6,
					   sizeof(rfc5769_resp6)));

	return 0;
}

TES_TEST(stun_tampered)
{
	uint8_t b[sizeof(rfc5769_req)];
	struct tes_stun_msg m;

	/* flip one byte of the PRIORITY value: MI and FP both fail */
	memcpy(b, rfc5769_req, sizeof(b));
	b[45] ^= 0x01;
	TEST_OK(tes_stun_parse(&m, b, sizeof(b)));
	TEST_EQ(tes_stun_check_integrity(&m, b, sizeof(b), pwd(),
					 strlen(rfc5769_pwd)), -EACCES);
	TEST_EQ(tes_stun_check_fingerprint(&m, b, sizeof(b)), -EBADMSG);

	/* flip a bit of the MAC itself */
	memcpy(b, rfc5769_req, sizeof(b));
	b[90] ^= 0x80;
	TEST_OK(tes_stun_parse(&m, b, sizeof(b)));
	TEST_EQ(tes_stun_check_integrity(&m, b, sizeof(b), pwd(),
					 strlen(rfc5769_pwd)), -EACCES);

	/* flip the fingerprint: MI still fine */
	memcpy(b, rfc5769_req, sizeof(b));
	b[sizeof(b) - 1] ^= 0x01;
	TEST_OK(tes_stun_parse(&m, b, sizeof(b)));
	TEST_OK(tes_stun_check_integrity(&m, b, sizeof(b), pwd(),
					 strlen(rfc5769_pwd)));
	TEST_EQ(tes_stun_check_fingerprint(&m, b, sizeof(b)), -EBADMSG);

	return 0;
}

TES_TEST(stun_build_success_roundtrip)
{
	static const uint8_t key[] = "secretpassword0123456789";
	static const uint8_t tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct tes_stun_msg m;
	uint8_t out[80];
	size_t n = 0;

	sin.sin_port = htons(50000);
	sin.sin_addr.s_addr = htonl(0x0a000001);
	TEST_OK(tes_stun_build_success(out, sizeof(out), &n, tid,
				       (struct sockaddr *)&sin, key,
				       sizeof(key) - 1));
	TEST_EQ(n, 64);
	TEST_EQ(tes_demux(out, n), TES_PKT_STUN);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_EQ(m.type, TES_STUN_BINDING_SUCCESS);
	TEST_MEMEQ(m.tid, tid, 12);
	TEST_ASSERT(m.has_xor_mapped);
	TEST_MEMEQ(&m.xor_mapped, &sin, sizeof(sin));
	TEST_OK(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1));
	TEST_OK(tes_stun_check_fingerprint(&m, out, n));
	TEST_EQ(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 2),
		-EACCES);

	TEST_EQ(inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr), 1);
	sin6.sin6_port = htons(9);
	TEST_OK(tes_stun_build_success(out, sizeof(out), &n, tid,
				       (struct sockaddr *)&sin6, key,
				       sizeof(key) - 1));
	TEST_EQ(n, 76);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_MEMEQ(&m.xor_mapped, &sin6, sizeof(sin6));
	TEST_OK(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1));
	TEST_OK(tes_stun_check_fingerprint(&m, out, n));

	/* too small, and unsupported family */
	TEST_EQ(tes_stun_build_success(out, 75, &n, tid,
				       (struct sockaddr *)&sin6, key,
				       sizeof(key) - 1), -ENOSPC);
	sin.sin_family = AF_UNIX;
	TEST_EQ(tes_stun_build_success(out, sizeof(out), &n, tid,
				       (struct sockaddr *)&sin, key,
				       sizeof(key) - 1), -EINVAL);

	return 0;
}

TES_TEST(stun_build_success_matches_rfc5769)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct tes_stun_msg m;
	uint8_t out[80];
	size_t n = 0;

	/* same address as 2.2: the XOR-MAPPED-ADDRESS bytes must match */
	sin.sin_port = htons(32853);
	sin.sin_addr.s_addr = htonl(0xc0000201);
	TEST_OK(tes_stun_build_success(out, sizeof(out), &n, rfc5769_tid,
				       (struct sockaddr *)&sin, pwd(),
				       strlen(rfc5769_pwd)));
	TEST_MEMEQ(out + 20, rfc5769_resp4 + 36, 12);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_OK(tes_stun_check_integrity(&m, out, n, pwd(),
					 strlen(rfc5769_pwd)));

	return 0;
}

TES_TEST(stun_build_request_roundtrip)
{
	static const uint8_t key[] = "remotepassword";
	static const uint8_t tid[12] = {9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7};
	struct tes_stun_msg m;
	uint8_t out[256];
	size_t n = 0;

	TEST_OK(tes_stun_build_request(out, sizeof(out), &n, tid,
				       "abcd:efgh1", key, sizeof(key) - 1,
				       0x6e7f00ff, true));
	/* 20 + USERNAME 16 + PRIORITY 8 + CONTROLLING 12 + USE-CAND 4
	 * + MI 24 + FP 8 */
	TEST_EQ(n, 92);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_EQ(m.type, TES_STUN_BINDING_REQUEST);
	TEST_MEMEQ(m.tid, tid, 12);
	TEST_EQ(m.username_len, 10);
	TEST_MEMEQ(m.username, "abcd:efgh1", 10);
	TEST_ASSERT(m.has_priority);
	TEST_EQ(m.priority, 0x6e7f00ff);
	TEST_ASSERT(m.ice_controlling);
	TEST_ASSERT(!m.ice_controlled);
	TEST_ASSERT(m.use_candidate);
	TEST_OK(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1));
	TEST_OK(tes_stun_check_fingerprint(&m, out, n));
	/* padding after the 10-byte username is zero */
	TEST_EQ(out[34], 0);
	TEST_EQ(out[35], 0);

	TEST_OK(tes_stun_build_request(out, sizeof(out), &n, tid, "a:b", key,
				       sizeof(key) - 1, 1, false));
	TEST_EQ(n, 80);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_ASSERT(!m.use_candidate);
	TEST_OK(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1));

	TEST_EQ(tes_stun_build_request(out, 79, &n, tid, "a:b", key,
				       sizeof(key) - 1, 1, false), -ENOSPC);
	TEST_EQ(tes_stun_build_request(out, sizeof(out), &n, tid, NULL, key,
				       sizeof(key) - 1, 1, false), -EINVAL);

	return 0;
}

TES_TEST(stun_build_error)
{
	static const uint8_t key[] = "pw";
	static const uint8_t tid[12] = {0};
	struct tes_stun_msg m;
	uint8_t out[128];
	size_t n = 0;

	TEST_OK(tes_stun_build_error(out, sizeof(out), &n, tid, 487,
				     "Role Conflict", key, sizeof(key) - 1));
	/* 20 + ERROR-CODE (4 + pad(4 + 13)) + MI 24 + FP 8 */
	TEST_EQ(n, 76);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_EQ(m.type, TES_STUN_BINDING_ERROR);
	TEST_EQ(m.error_code, 487);
	TEST_EQ(out[26], 4);
	TEST_EQ(out[27], 87);
	TEST_MEMEQ(out + 28, "Role Conflict", 13);
	TEST_OK(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1));
	TEST_OK(tes_stun_check_fingerprint(&m, out, n));

	/* 401 goes out without MESSAGE-INTEGRITY */
	TEST_OK(tes_stun_build_error(out, sizeof(out), &n, tid, 401,
				     "Unauthorized", NULL, 0));
	TEST_EQ(n, 20 + 4 + 16 + 8);
	TEST_OK(tes_stun_parse(&m, out, n));
	TEST_EQ(m.error_code, 401);
	TEST_ASSERT(!m.has_integrity);
	TEST_EQ(tes_stun_check_integrity(&m, out, n, key, sizeof(key) - 1),
		-EBADMSG);
	TEST_OK(tes_stun_check_fingerprint(&m, out, n));

	TEST_EQ(tes_stun_build_error(out, 47, &n, tid, 401, "Unauthorized",
				     NULL, 0), -ENOSPC);
	TEST_EQ(tes_stun_build_error(out, sizeof(out), &n, tid, 200, "x",
				     NULL, 0), -EINVAL);

	return 0;
}

/* A valid message of the given attributes: header + body, FP-less. */
static size_t mk(uint8_t *out, const uint8_t *body, size_t blen)
{
	tes_wr16(out, TES_STUN_BINDING_REQUEST);
	tes_wr16(out + 2, (uint16_t)blen);
	tes_wr32(out + 4, TES_STUN_MAGIC);
	memset(out + 8, 0xab, 12);
	memcpy(out + 20, body, blen);

	return 20 + blen;
}

TES_TEST(stun_malformed)
{
	static const uint8_t prio[] = {0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4};
	uint8_t b[128];
	struct tes_stun_msg m;
	size_t n;

	n = mk(b, prio, sizeof(prio));
	TEST_OK(tes_stun_parse(&m, b, n));
	TEST_EQ(m.priority, 0x01020304);

	/* every truncation of a valid message is rejected */
	for (size_t i = 0; i < sizeof(rfc5769_req); i++)
		TEST_EQ(tes_stun_parse(&m, rfc5769_req, i), -EBADMSG);
	TEST_EQ(tes_stun_parse(&m, NULL, 0), -EBADMSG);

	/* bad magic cookie */
	n = mk(b, prio, sizeof(prio));
	b[7] ^= 1;
	TEST_EQ(tes_stun_parse(&m, b, n), -EBADMSG);

	/* top bits set */
	n = mk(b, prio, sizeof(prio));
	b[0] |= 0x40;
	TEST_EQ(tes_stun_parse(&m, b, n), -EBADMSG);

	/* length not a multiple of 4 (and datagram agreeing with it) */
	n = mk(b, prio, sizeof(prio));
	tes_wr16(b + 2, 7);
	TEST_EQ(tes_stun_parse(&m, b, n - 1), -EBADMSG);

	/* header length disagrees with datagram */
	n = mk(b, prio, sizeof(prio));
	TEST_EQ(tes_stun_parse(&m, b, n + 4), -EBADMSG);

	/* attribute length past end */
	n = mk(b, prio, sizeof(prio));
	tes_wr16(b + 22, 8);
	TEST_EQ(tes_stun_parse(&m, b, n), -EBADMSG);

	/* padded length past end: 5-byte USERNAME in 8 bytes of body */
	{
		static const uint8_t u[] = {0x00, 0x06, 0x00, 0x05,
					    'a', ':', 'b', 'c'};

		n = mk(b, u, sizeof(u));
		TEST_EQ(tes_stun_parse(&m, b, n), -EBADMSG);
	}

	/* wrong fixed-size attribute length */
	{
		static const uint8_t p3[] = {0x00, 0x24, 0x00, 0x03,
					     1, 2, 3, 0};

		n = mk(b, p3, sizeof(p3));
		TEST_EQ(tes_stun_parse(&m, b, n), -EBADMSG);
	}

	return 0;
}

TES_TEST(stun_attribute_order)
{
	uint8_t b[sizeof(rfc5769_req) + 8];
	static const uint8_t uc[] = {0x00, 0x25, 0x00, 0x00};
	struct tes_stun_msg m;
	size_t n = sizeof(rfc5769_req);

	/* attribute after FINGERPRINT */
	memcpy(b, rfc5769_req, n);
	memcpy(b + n, uc, sizeof(uc));
	tes_wr16(b + 2, (uint16_t)(n + 4 - 20));
	TEST_EQ(tes_stun_parse(&m, b, n + 4), -EBADMSG);

	/* attribute between MI and FINGERPRINT: ignored */
	memcpy(b, rfc5769_req, 100);
	memcpy(b + 100, uc, sizeof(uc));
	memcpy(b + 104, rfc5769_req + 100, 8);
	tes_wr16(b + 2, (uint16_t)(n + 4 - 20));
	TEST_OK(tes_stun_parse(&m, b, n + 4));
	TEST_ASSERT(!m.use_candidate);
	TEST_EQ(m.fingerprint_off, 104);
	/* MI still verifies: it only covers what precedes it */
	TEST_OK(tes_stun_check_integrity(&m, b, n + 4, pwd(),
					 strlen(rfc5769_pwd)));
	TEST_EQ(tes_stun_check_fingerprint(&m, b, n + 4), -EBADMSG);

	return 0;
}

TES_TEST(stun_unknown_required)
{
	static const uint8_t body[] = {
		0x80, 0x99, 0x00, 0x00,             /* unknown optional */
		0x00, 0x1c, 0x00, 0x04, 1, 2, 3, 4, /* MI-SHA256: unknown */
		0x7f, 0xff, 0x00, 0x01, 9, 0, 0, 0, /* unknown required */
	};
	uint8_t b[64];
	struct tes_stun_msg m;
	size_t n = mk(b, body, sizeof(body));

	TEST_OK(tes_stun_parse(&m, b, n));
	TEST_EQ(m.unknown_required, 0x001c);
	TEST_EQ(tes_stun_check_integrity(&m, b, n, NULL, 0), -EBADMSG);
	TEST_EQ(tes_stun_check_fingerprint(&m, b, n), -EBADMSG);

	return 0;
}

TES_TEST(stun_demux)
{
	static const struct {
		uint8_t b0, b1;
		size_t len;
		enum tes_pkt_kind kind;
	} cases[] = {
		{0, 1, 20, TES_PKT_STUN},
		{1, 1, 100, TES_PKT_STUN},
		{3, 0, 20, TES_PKT_STUN},
		{0, 1, 19, TES_PKT_UNKNOWN},
		{4, 0, 100, TES_PKT_UNKNOWN},
		{16, 0, 100, TES_PKT_UNKNOWN},  /* ZRTP */
		{19, 0, 100, TES_PKT_UNKNOWN},
		{20, 0xfe, 13, TES_PKT_DTLS},
		{22, 0xfe, 100, TES_PKT_DTLS},
		{63, 0, 13, TES_PKT_DTLS},
		{22, 0xfe, 12, TES_PKT_UNKNOWN},
		{64, 0, 100, TES_PKT_UNKNOWN},  /* TURN channel */
		{127, 0, 100, TES_PKT_UNKNOWN},
		{128, 96, 12, TES_PKT_RTP},
		{0x90, 0xe0, 100, TES_PKT_RTP}, /* marker + PT 96 */
		{191, 111, 12, TES_PKT_RTP},
		{128, 96, 11, TES_PKT_UNKNOWN},
		{128, 191, 12, TES_PKT_RTP},
		{0x80, 200, 8, TES_PKT_RTCP},   /* SR */
		{0x81, 201, 8, TES_PKT_RTCP},   /* RR */
		{0x8f, 206, 100, TES_PKT_RTCP}, /* PSFB */
		{0x80, 192, 8, TES_PKT_RTCP},
		{0x80, 223, 8, TES_PKT_RTCP},
		{0x80, 224, 12, TES_PKT_RTP},
		{0x80, 200, 7, TES_PKT_UNKNOWN},
		{192, 200, 100, TES_PKT_UNKNOWN},
		{255, 0, 100, TES_PKT_UNKNOWN},
	};
	uint8_t b[128] = {0};

	for (size_t i = 0; i < TES_ARRAY_SIZE(cases); i++) {
		b[0] = cases[i].b0;
		b[1] = cases[i].b1;
		if (tes_demux(b, cases[i].len) != cases[i].kind)
			TEST_FAIL("case %zu: byte %u/%u len %zu: got %d", i,
				  b[0], b[1], cases[i].len,
				  tes_demux(b, cases[i].len));
	}
	TEST_EQ(tes_demux(b, 0), TES_PKT_UNKNOWN);
	TEST_EQ(tes_demux(NULL, 0), TES_PKT_UNKNOWN);
	b[0] = 0x80;
	TEST_EQ(tes_demux(b, 1), TES_PKT_UNKNOWN);

	return 0;
}
