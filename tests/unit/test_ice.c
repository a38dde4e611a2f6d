/**
 * @file test_ice.c  ICE-lite server over real loopback UDP: checks answered
 * with valid integrity, bad credentials refused, and no DTLS/RTP accepted
 * from an address that has not passed a check.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include "net/ice.h"
#include "test.h"

struct peer {
	int fd;
	struct sockaddr_in addr;   /* our (client) address */
	struct sockaddr_in server; /* the ICE server */
};

struct seen {
	unsigned calls;
	enum tes_pkt_kind kind;
	size_t len;
	unsigned selected;
};

static void pkt_h(enum tes_pkt_kind kind, uint8_t *buf, size_t len, void *arg)
{
	struct seen *s = arg;

	(void)buf;
	s->calls++;
	s->kind = kind;
	s->len = len;
}

static void sel_h(const struct sockaddr *addr, void *arg)
{
	struct seen *s = arg;

	(void)addr;
	s->selected++;
}

static int peer_open(struct peer *p, uint16_t server_port)
{
	socklen_t len = sizeof(p->addr);

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (p->fd < 0)
		return -errno;
	memset(&p->addr, 0, sizeof(p->addr));
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(p->fd, (struct sockaddr *)&p->addr, sizeof(p->addr)) ||
	    getsockname(p->fd, (struct sockaddr *)&p->addr, &len))
		return -errno;
	p->server = p->addr;
	p->server.sin_port = htons(server_port);

	return 0;
}

static void peer_send(struct peer *p, const void *buf, size_t len)
{
	(void)sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->server,
		     sizeof(p->server));
}

/* Run the loop until the peer has a datagram or the server saw n more
 * packets; returns the datagram length (0 if none). */
static size_t pump(uv_loop_t *loop, struct tes_ice_server *s, struct peer *p,
		   uint64_t rx_before, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < 200; i++) {
		ssize_t n;

		uv_run(loop, UV_RUN_NOWAIT);
		n = recv(p->fd, buf, cap, 0);
		if (n > 0)
			return (size_t)n;
		if (tes_ice_server_stats(s)->rx_packets > rx_before) {
			/* one more turn lets a reply be written */
			uv_run(loop, UV_RUN_NOWAIT);
			n = recv(p->fd, buf, cap, 0);
			return n > 0 ? (size_t)n : 0;
		}
		poll(NULL, 0, 2);
	}

	return 0;
}

static size_t check(uv_loop_t *loop, struct tes_ice_server *s, struct peer *p,
		    const char *user, const char *pwd, bool use_cand,
		    uint8_t *resp, size_t cap)
{
	uint8_t req[512], tid[12];
	size_t len;
	uint64_t rx = tes_ice_server_stats(s)->rx_packets;

	tes_random(tid, sizeof(tid));
	if (tes_stun_build_request(req, sizeof(req), &len, tid, user,
				   (const uint8_t *)pwd, strlen(pwd), 12345,
				   use_cand))
		return 0;
	peer_send(p, req, len);

	return pump(loop, s, p, rx, resp, cap);
}

TES_TEST(ice_lite_checks_and_validated_addresses)
{
	static const uint8_t dtls_hello[16] = {22, 0xfe, 0xfd};
	uv_loop_t loop;
	struct tes_ice_server *s = NULL;
	struct tes_ice_agent *a = NULL;
	struct seen seen = {0};
	struct peer p = {.fd = -1};
	struct tes_stun_msg msg;
	const struct tes_ice_stats *st;
	uint8_t resp[512];
	char user[64];
	size_t n;
	int ret = 1;

	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_ice_server_alloc(&s, &loop, "127.0.0.1", 0));
	st = tes_ice_server_stats(s);
	if (tes_ice_agent_alloc(&a, s, pkt_h, sel_h, &seen) ||
	    tes_ice_agent_set_remote(a, "peer") ||
	    peer_open(&p, tes_ice_server_port(s)))
		goto out;

	/* DTLS before any check: dropped, never reaches the agent */
	peer_send(&p, dtls_hello, sizeof(dtls_hello));
	pump(&loop, s, &p, 0, resp, sizeof(resp));
	if (seen.calls != 0 || st->drop_unknown_addr != 1) {
		fprintf(stderr, "  DTLS from unchecked address accepted\n");
		goto out;
	}

	/* wrong password: 401, nothing validated */
	snprintf(user, sizeof(user), "%s:peer", tes_ice_agent_ufrag(a));
	n = check(&loop, s, &p, user, "wrong-password-wrong-pw", false, resp,
		  sizeof(resp));
	if (!n || tes_stun_parse(&msg, resp, n) ||
	    msg.type != TES_STUN_BINDING_ERROR || msg.error_code != 401 ||
	    st->stun_auth_fail != 1) {
		fprintf(stderr, "  bad password not refused with 401\n");
		goto out;
	}

	/* wrong remote ufrag: refused */
	snprintf(user, sizeof(user), "%s:other", tes_ice_agent_ufrag(a));
	check(&loop, s, &p, user, tes_ice_agent_pwd(a), false, resp,
	      sizeof(resp));
	if (st->stun_auth_fail != 2 || tes_ice_agent_consent_ms(a)) {
		fprintf(stderr, "  wrong remote ufrag accepted\n");
		goto out;
	}

	/* unknown ufrag */
	check(&loop, s, &p, "nobody00:peer", "x", false, resp, sizeof(resp));
	if (st->stun_unknown_user != 1) {
		fprintf(stderr, "  unknown ufrag not counted\n");
		goto out;
	}

	/* a good check with USE-CANDIDATE: success with our address */
	snprintf(user, sizeof(user), "%s:peer", tes_ice_agent_ufrag(a));
	n = check(&loop, s, &p, user, tes_ice_agent_pwd(a), true, resp,
		  sizeof(resp));
	if (!n || tes_stun_parse(&msg, resp, n) ||
	    msg.type != TES_STUN_BINDING_SUCCESS || !msg.has_xor_mapped ||
	    tes_stun_check_integrity(&msg, resp, n,
				     (const uint8_t *)tes_ice_agent_pwd(a),
				     strlen(tes_ice_agent_pwd(a))) ||
	    tes_stun_check_fingerprint(&msg, resp, n)) {
		fprintf(stderr, "  good check not answered correctly\n");
		goto out;
	}
	if (((struct sockaddr_in *)&msg.xor_mapped)->sin_port !=
	    p.addr.sin_port || seen.selected != 1 ||
	    !tes_ice_agent_consent_ms(a) || !*tes_ice_agent_remote(a)) {
		fprintf(stderr, "  mapped address / selection wrong\n");
		goto out;
	}

	/* over 1500 bytes from the checked address: dropped, counted */
	{
		uint8_t big[TES_UDP_MAX_ACCEPT + 1] = {0x80};

		peer_send(&p, big, sizeof(big));
		pump(&loop, s, &p, st->rx_packets, resp, sizeof(resp));
		if (seen.calls != 0 || st->drop_oversize != 1) {
			fprintf(stderr, "  a 1501-byte datagram accepted\n");
			goto out;
		}
	}

	/* now DTLS from the checked address reaches the agent */
	peer_send(&p, dtls_hello, sizeof(dtls_hello));
	pump(&loop, s, &p, st->rx_packets, resp, sizeof(resp));
	if (seen.calls != 1 || seen.kind != TES_PKT_DTLS ||
	    seen.len != sizeof(dtls_hello)) {
		fprintf(stderr, "  DTLS from checked address not delivered\n");
		goto out;
	}

	/* and the agent can send to it */
	if (tes_ice_agent_send(a, dtls_hello, 13)) {
		fprintf(stderr, "  send failed\n");
		goto out;
	}
	n = pump(&loop, s, &p, st->rx_packets + 1, resp, sizeof(resp));
	if (n != 13) {
		fprintf(stderr, "  agent send not received (%zu)\n", n);
		goto out;
	}

	/* after the agent is gone its address is unknown again */
	a = tes_deref(a);
	peer_send(&p, dtls_hello, sizeof(dtls_hello));
	pump(&loop, s, &p, st->rx_packets, resp, sizeof(resp));
	if (seen.calls != 1 || st->drop_unknown_addr != 2) {
		fprintf(stderr, "  packet reached a freed agent\n");
		goto out;
	}

	ret = 0;
out:
	tes_deref(a);
	if (p.fd >= 0)
		close(p.fd);
	tes_ice_server_close(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		ret = 1;

	return ret;
}

TES_TEST(ice_server_port_in_use)
{
	uv_loop_t loop;
	struct tes_ice_server *a = NULL, *b = NULL;

	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_ice_server_alloc(&a, &loop, "127.0.0.1", 0));
	TEST_EQ(tes_ice_server_alloc(&b, &loop, "127.0.0.1",
				     tes_ice_server_port(a)), UV_EADDRINUSE);
	TEST_EQ(tes_ice_server_alloc(&b, &loop, "not-an-ip", 0), -EINVAL);
	tes_ice_server_close(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	TEST_OK(uv_loop_close(&loop));

	return 0;
}
