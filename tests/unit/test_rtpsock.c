/**
 * @file test_rtpsock.c  Plain RTP transport: port pairs, the signalled
 * address, symmetric latching, RTCP on its own port or muxed.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rtpsock.h"
#include "test.h"

struct got {
	int n;
	int n_rtcp;
	bool rtcp;
	size_t len;
	uint8_t buf[64];
};

static void on_recv(bool rtcp, uint8_t *buf, size_t len, void *arg)
{
	struct got *g = arg;

	g->n++;
	g->n_rtcp += rtcp;
	g->rtcp = rtcp;
	g->len = len < sizeof(g->buf) ? len : sizeof(g->buf);
	memcpy(g->buf, buf, g->len);
}

/* a UDP socket of the peer on ip, any port */
static int peer_sock(const char *ip, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, ip, &a.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);

	return fd;
}

static void send_to(int fd, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port)};

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	(void)sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
}

/* run the loop until g counts n packets (or 400 ms pass) */
static void pump(uv_loop_t *loop, struct got *g, int n)
{
	for (int i = 0; i < 200 && g->n < n; i++) {
		uv_run(loop, UV_RUN_NOWAIT);
		poll(NULL, 0, 2);
	}
}

static ssize_t peer_recv(int fd, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < 100; i++) {
		ssize_t n = recv(fd, buf, cap, 0);

		if (n > 0)
			return n;
		poll(NULL, 0, 2);
	}

	return -1;
}

TES_TEST(rtpsock_pair_latch_and_address_check)
{
	static const uint8_t rtp[12] = {0x80, 0x00, 0, 1, 0, 0, 0, 0,
					0, 0, 0, 9};
	static const uint8_t rtcp[8] = {0x80, 201, 0, 1, 0, 0, 0, 9};
	struct tes_rtp_sock *s = NULL, *busy = NULL;
	uv_loop_t loop;
	struct got g = {0};
	uint16_t prtp, prtcp, pother, port;
	int frtp = -1, frtcp = -1, fother = -1, ret = 1;
	uint8_t buf[64];

	uv_loop_init(&loop);
	frtp = peer_sock("127.0.0.1", &prtp);
	frtcp = peer_sock("127.0.0.1", &prtcp);
	fother = peer_sock("127.0.0.2", &pother);
	if (frtp < 0 || frtcp < 0 || fother < 0)
		TEST_FAIL("peer sockets");

	if (tes_rtp_sock_alloc(&s, &loop, "127.0.0.1", 31000, 31009, false,
			       on_recv, &g))
		TEST_FAIL("alloc");
	port = tes_rtp_sock_port(s);
	TEST_ASSERT(port % 2 == 0 && port >= 31000 && port <= 31008);
	/* the next transport takes another pair */
	TEST_ASSERT(!tes_rtp_sock_alloc(&busy, &loop, "127.0.0.1", 31000,
					31009, true, on_recv, &g));
	TEST_ASSERT(tes_rtp_sock_port(busy) != port);

	/* nothing to send to before the peer's address is known */
	TEST_ASSERT(tes_rtp_sock_send(s, false, rtp, sizeof(rtp)) ==
		    -ENOTCONN);
	/* signalled: RTP to 127.0.0.1:1 (wrong: the peer really sends from
	 * prtp), RTCP to prtcp */
	TEST_ASSERT(!tes_rtp_sock_set_remote(s, "127.0.0.1", 1, prtcp));
	TEST_ASSERT(tes_rtp_sock_set_remote(s, "not-an-ip", 1, 2) == -EINVAL);

	/* a packet from another IP is dropped and counted */
	send_to(fother, port, rtp, sizeof(rtp));
	pump(&loop, &g, 1);
	TEST_ASSERT(g.n == 0);
	TEST_ASSERT(tes_rtp_sock_stats(s)->drop_unknown_addr == 1);

	/* from the signalled IP: accepted, and the RTP port latches */
	send_to(frtp, port, rtp, sizeof(rtp));
	pump(&loop, &g, 1);
	TEST_ASSERT(g.n == 1 && !g.rtcp && g.len == sizeof(rtp));
	TEST_ASSERT(!tes_rtp_sock_send(s, false, rtp, sizeof(rtp)));
	TEST_ASSERT(peer_recv(frtp, buf, sizeof(buf)) == sizeof(rtp));

	/* RTCP arrives on port + 1 and is sent from there to prtcp */
	send_to(frtcp, (uint16_t)(port + 1), rtcp, sizeof(rtcp));
	pump(&loop, &g, 2);
	TEST_ASSERT(g.n == 2 && g.rtcp);
	TEST_ASSERT(!tes_rtp_sock_send(s, true, rtcp, sizeof(rtcp)));
	TEST_ASSERT(peer_recv(frtcp, buf, sizeof(buf)) == sizeof(rtcp));

	/* on hold (0.0.0.0): nothing is sent or taken */
	TEST_ASSERT(!tes_rtp_sock_set_remote(s, "0.0.0.0", 0, 0));
	TEST_ASSERT(tes_rtp_sock_send(s, false, rtp, sizeof(rtp)) ==
		    -ENOTCONN);

	/* muxed: RTCP is told apart by its packet type */
	g.n = g.n_rtcp = 0;
	TEST_ASSERT(!tes_rtp_sock_set_remote(busy, "127.0.0.1", prtp, 0));
	send_to(frtp, tes_rtp_sock_port(busy), rtcp, sizeof(rtcp));
	send_to(frtp, tes_rtp_sock_port(busy), rtp, sizeof(rtp));
	pump(&loop, &g, 2);
	TEST_ASSERT(g.n == 2 && g.n_rtcp == 1 && !g.rtcp);
	TEST_ASSERT(!tes_rtp_sock_send(busy, true, rtcp, sizeof(rtcp)));
	TEST_ASSERT(peer_recv(frtp, buf, sizeof(buf)) == sizeof(rtcp));
	ret = 0;

	tes_rtp_sock_close(s);
	tes_rtp_sock_close(busy);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	close(frtp);
	close(frtcp);
	close(fother);

	return ret;
}
