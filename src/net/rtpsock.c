/**
 * @file rtpsock.c  Plain RTP transport of one m-line: our port pair, the
 * peer's signalled address, symmetric RTP latching.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "net/ice.h"
#include "net/rtpsock.h"

enum {
	ADDRSTR_MAX = INET6_ADDRSTRLEN + 8,
	LOG_INTERVAL_MS = 2000,
};

/* One socket: RTP, or RTCP without mux. */
struct half {
	uv_udp_t udp;
	struct tes_rtp_sock *s;
	bool rtcp;
	bool open;
	struct sockaddr_storage dst;  /* where we send; port 0: nowhere */
	bool latched;                 /* dst's port is the peer's source */
};

struct tes_rtp_sock {
	struct half h[2];             /* RTP, RTCP (unused with mux) */
	bool mux;
	int open_handles;
	uint16_t port;
	struct sockaddr_storage peer; /* signalled IP (port unused) */
	bool has_peer;
	bool closing;
	char remote[ADDRSTR_MAX];
	struct tes_rtp_sock_stats stats;
	struct tes_ratelog rl;
	tes_rtp_sock_h *recvh;
	void *arg;
	uint8_t rxbuf[TES_UDP_MAX_DGRAM];
	bool rx_busy;
};

/* next port to try, shared by all transports (loop thread) */
static uint32_t next_port;

static void addr_str(const struct sockaddr_storage *a, char *buf,
		     size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)a;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	}
	else {
		const struct sockaddr_in *s4 = (const void *)a;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

static uint16_t port_of(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET6
			     ? ((const struct sockaddr_in6 *)(const void *)a)
				       ->sin6_port
			     : ((const struct sockaddr_in *)(const void *)a)
				       ->sin_port);
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)(const void *)a)
					->sin6_addr,
			       &((const struct sockaddr_in6 *)(const void *)b)
					->sin6_addr,
			       sizeof(struct in6_addr));
	return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
}

static bool is_any(const struct sockaddr_storage *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)(const void *)a)
					->sin6_addr,
			       &any6, sizeof(any6));
	return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
	       htonl(INADDR_ANY);
}

static void update_remote(struct tes_rtp_sock *s)
{
	if (!s->has_peer || !port_of(&s->h[0].dst))
		s->remote[0] = '\0';
	else
		addr_str(&s->h[0].dst, s->remote, sizeof(s->remote));
}

static void drop_note(struct tes_rtp_sock *s, const struct sockaddr *src,
		      const char *what)
{
	struct sockaddr_storage a;
	char str[ADDRSTR_MAX];
	uint64_t sup;

	if (!tes_ratelog_allow(&s->rl, LOG_INTERVAL_MS, &sup))
		return;
	memset(&a, 0, sizeof(a));
	memcpy(&a, src, src->sa_family == AF_INET6
				? sizeof(struct sockaddr_in6)
				: sizeof(struct sockaddr_in));
	addr_str(&a, str, sizeof(str));
	TES_LOGW("rtp", "port %u: dropped %s from %s (%llu similar "
		 "suppressed)", s->port, what, str, (unsigned long long)sup);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct half *hf = h->data;
	struct tes_rtp_sock *s = hf->s;

	(void)suggested;
	if (s->rx_busy) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	s->rx_busy = true;
	*buf = uv_buf_init((char *)s->rxbuf, sizeof(s->rxbuf));
}

/* RFC 5761 4: on a muxed port, RTCP has packet types 192..223, which is
 * what an RTP marker bit plus payload type 64..95 would look like */
static bool looks_rtcp(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

static void recv_cb(uv_udp_t *u, ssize_t nread, const uv_buf_t *b,
		    const struct sockaddr *src, unsigned flags)
{
	struct half *hf = u->data;
	struct tes_rtp_sock *s = hf->s;
	size_t len = (size_t)nread;

	if (b->base == (char *)s->rxbuf)
		s->rx_busy = false;
	if (nread <= 0 || !src || s->closing)
		return;
	if ((flags & UV_UDP_PARTIAL) || len > TES_UDP_MAX_ACCEPT) {
		s->stats.drop_oversize++;
		drop_note(s, src, "an oversized datagram");
		return;
	}
	if (!s->has_peer || !same_ip(&s->peer, src)) {
		s->stats.drop_unknown_addr++;
		drop_note(s, src, "a datagram from an address not signalled");
		return;
	}
	/* symmetric RTP: answer to where it comes from (the peer's NAT
	 * may have changed the port) */
	if (!hf->latched || port_of(&hf->dst) !=
				    ntohs(((const struct sockaddr_in *)(const void *)
						   src)->sin_port)) {
		char was[ADDRSTR_MAX], now[ADDRSTR_MAX];

		addr_str(&hf->dst, was, sizeof(was));
		memset(&hf->dst, 0, sizeof(hf->dst));
		memcpy(&hf->dst, src, src->sa_family == AF_INET6
					      ? sizeof(struct sockaddr_in6)
					      : sizeof(struct sockaddr_in));
		addr_str(&hf->dst, now, sizeof(now));
		if (strcmp(was, now))
			TES_LOGI("rtp", "port %u: %s latched to %s (was %s)",
				 s->port + (hf->rtcp ? 1 : 0),
				 hf->rtcp ? "RTCP" : "RTP", now, was);
		hf->latched = true;
		update_remote(s);
	}
	s->stats.rx_packets++;
	s->recvh(hf->rtcp || (s->mux && looks_rtcp(s->rxbuf, len)), s->rxbuf,
		 len, s->arg);
}

static void close_cb(uv_handle_t *h)
{
	struct half *hf = h->data;
	struct tes_rtp_sock *s = hf->s;

	if (--s->open_handles == 0)
		free(s);
}

void tes_rtp_sock_close(struct tes_rtp_sock *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	for (size_t i = 0; i < 2; i++) {
		if (!s->h[i].open)
			continue;
		uv_udp_recv_stop(&s->h[i].udp);
		uv_close((uv_handle_t *)&s->h[i].udp, close_cb);
	}
	if (!s->open_handles)
		free(s);
}

/* Bind one socket of the pair on port; 0 or a libuv error */
static int bind_half(struct tes_rtp_sock *s, struct half *hf, uv_loop_t *loop,
		     const struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_storage a = *ss;
	int err;

	err = uv_udp_init(loop, &hf->udp);
	if (err)
		return err;
	hf->s = s;
	hf->udp.data = hf;
	hf->open = true;
	s->open_handles++;
	set_port(&a, port);
	err = uv_udp_bind(&hf->udp, (const struct sockaddr *)&a, 0);
	if (!err)
		err = uv_udp_recv_start(&hf->udp, alloc_cb, recv_cb);
	return err;
}

int tes_rtp_sock_alloc(struct tes_rtp_sock **sp, uv_loop_t *loop,
		       const char *addr, uint16_t port_min, uint16_t port_max,
		       bool mux, tes_rtp_sock_h *h, void *arg)
{
	struct sockaddr_storage ss;
	uint32_t span, first;
	int err = -EADDRINUSE;

	if (!sp || !loop || !addr || !h || port_min < 1024 ||
	    port_max < port_min + 1)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (uv_ip4_addr(addr, 0, (struct sockaddr_in *)&ss) &&
	    uv_ip6_addr(addr, 0, (struct sockaddr_in6 *)&ss))
		return -EINVAL;

	/* even ports of the range (RTP even, RTCP odd: RFC 3550 11) */
	port_min = (uint16_t)((port_min + 1) & ~1u);
	span = (uint32_t)(port_max - port_min + 1) / 2;
	if (!span)
		return -EINVAL;
	first = next_port % span;
	for (uint32_t k = 0; k < span; k++) {
		uint32_t i = (first + k) % span;
		uint16_t port = (uint16_t)(port_min + 2 * i);
		struct tes_rtp_sock *s = calloc(1, sizeof(*s));

		if (!s)
			return -ENOMEM;
		s->mux = mux;
		s->recvh = h;
		s->arg = arg;
		s->port = port;
		s->h[1].rtcp = true;
		err = bind_half(s, &s->h[0], loop, &ss, port);
		if (!err && !mux)
			err = bind_half(s, &s->h[1], loop, &ss,
					(uint16_t)(port + 1));
		if (!err) {
			next_port = i + 1;
			*sp = s;
			return 0;
		}
		tes_rtp_sock_close(s);
		if (err != UV_EADDRINUSE && err != UV_EACCES) {
			TES_LOGE("rtp", "cannot open udp %s:%u: %s", addr, port,
				 uv_strerror(err));
			return err;
		}
	}
	TES_LOGE("rtp", "no free port pair in %u..%u", port_min, port_max);

	return -EADDRINUSE;
}

uint16_t tes_rtp_sock_port(const struct tes_rtp_sock *s)
{
	return s->port;
}

int tes_rtp_sock_set_remote(struct tes_rtp_sock *s, const char *addr,
			    uint16_t rtp_port, uint16_t rtcp_port)
{
	struct sockaddr_storage a;

	memset(&a, 0, sizeof(a));
	if (!addr || (uv_ip4_addr(addr, 0, (struct sockaddr_in *)&a) &&
		      uv_ip6_addr(addr, 0, (struct sockaddr_in6 *)&a)))
		return -EINVAL;

	if (!s->has_peer || !same_ip(&s->peer, (struct sockaddr *)&a)) {
		s->h[0].latched = s->h[1].latched = false;
	}
	s->peer = a;
	s->has_peer = !is_any(&a);
	for (size_t i = 0; i < 2; i++) {
		struct half *hf = &s->h[i];
		uint16_t port = i ? rtcp_port : rtp_port;

		if (hf->latched)
			continue;
		hf->dst = a;
		set_port(&hf->dst, rtp_port ? port : 0);
	}
	update_remote(s);

	return 0;
}

int tes_rtp_sock_send(struct tes_rtp_sock *s, bool rtcp, const uint8_t *buf,
		      size_t len)
{
	struct half *hf = &s->h[rtcp && !s->mux ? 1 : 0];
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int err;

	if (s->closing || !s->has_peer || !port_of(&hf->dst))
		return -ENOTCONN;
	/* each leaves from the port it goes to the peer's twin of
	 * (symmetric RTP and RTCP, RFC 4961) */
	err = uv_udp_try_send(&hf->udp, &b, 1,
			      (const struct sockaddr *)&hf->dst);
	if (err < 0) {
		s->stats.tx_errors++;
		return err;
	}

	return 0;
}

const char *tes_rtp_sock_remote(const struct tes_rtp_sock *s)
{
	return s->remote;
}

const struct tes_rtp_sock_stats *tes_rtp_sock_stats(
	const struct tes_rtp_sock *s)
{
	return &s->stats;
}
