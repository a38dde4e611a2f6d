/**
 * @file ice.c  ICE-lite server on one UDP port: STUN checks, validated
 * addresses, and demultiplexing to agents.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "base/base.h"
#include "net/ice.h"

enum {
	SOCK_BUF = 4 * 1024 * 1024,
	NBUCKETS = 1024,
	REMOTE_UFRAG_MAX = 256,
	ADDRSTR_MAX = INET6_ADDRSTRLEN + 8,
	/* outgoing datagrams are queued and leave in one sendmmsg(2) per
	 * loop iteration: a video frame fanned out to N receivers is one
	 * system call instead of N x packets (on a VM a syscall is dear) */
	TX_BATCH = 64,
	/* recvmmsg(2) through libuv: it wants 64 KB per datagram slot */
	RX_SLOT = 64 * 1024,
	RX_SLOTS = 16,
};

/* One queued datagram. */
struct tx_slot {
	struct sockaddr_storage dst;
	struct tes_ice_agent *agent;  /* counts its failed sends, or NULL */
	size_t len;
	uint8_t data[TES_UDP_MAX_DGRAM];
};

/* An entry of the address table: validated address -> agent. */
struct addr_ent {
	struct addr_ent *next;
	struct sockaddr_storage addr;
	struct tes_ice_agent *agent;
};

struct tes_ice_agent {
	struct tes_ice_server *srv;
	struct tes_ice_agent *ufrag_next;  /* bucket chain by local ufrag */
	char ufrag[TES_ICE_UFRAG_LEN + 1];
	char pwd[TES_ICE_PWD_LEN + 1];
	char remote_ufrag[REMOTE_UFRAG_MAX + 1];
	struct sockaddr_storage addrs[TES_ICE_MAX_ADDRS];
	size_t n_addrs;
	size_t next_evict;
	struct sockaddr_storage selected;
	bool has_selected;
	bool nominated;
	char remote_str[ADDRSTR_MAX];
	uint64_t consent_ms;
	uint64_t tx_errors;  /* datagrams the kernel refused */
	tes_ice_pkt_h *pkth;
	tes_ice_selected_h *selh;
	void *arg;
};

struct tes_ice_server {
	uv_udp_t udp;
	uint16_t port;
	struct tes_ice_agent *by_ufrag[NBUCKETS];
	struct addr_ent *by_addr[NBUCKETS];
	struct tes_ice_stats stats;
	struct tes_ratelog rl_bad;
	tes_ice_fault_h *faulth;
	void *fault_arg;
	uint8_t *rxbuf;           /* RX_SLOTS x RX_SLOT */
	bool rx_busy;
	uv_prepare_t tx_prep;     /* flush before the loop blocks */
	uv_check_t tx_check;      /* flush after a round of I/O callbacks */
	int open_handles;         /* freed when the last one has closed */
	struct tx_slot *tx;       /* TX_BATCH slots */
	size_t ntx;
};

static uint32_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u; /* FNV-1a */

	while (n--)
		h = (h ^ *b++) * 16777619u;

	return h;
}

static size_t addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

static uint32_t hash_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return hash_bytes(&in->sin_addr, 4) ^ in->sin_port;
	}
	else {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return hash_bytes(&in6->sin6_addr, 16) ^ in6->sin6_port;
	}
}

static bool addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	else {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
	}
}

static void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	uint16_t port;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "[%s]:%u", ip, port);
	}
	else {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", ip, port);
	}
}

static struct tes_ice_agent *find_by_addr(struct tes_ice_server *s,
					  const struct sockaddr *sa)
{
	struct addr_ent *e = s->by_addr[hash_addr(sa) % NBUCKETS];

	for (; e; e = e->next) {
		if (addr_eq((const struct sockaddr *)&e->addr, sa))
			return e->agent;
	}

	return NULL;
}

static void addr_remove(struct tes_ice_server *s, const struct sockaddr *sa)
{
	struct addr_ent **pp = &s->by_addr[hash_addr(sa) % NBUCKETS];

	while (*pp) {
		struct addr_ent *e = *pp;

		if (addr_eq((const struct sockaddr *)&e->addr, sa)) {
			*pp = e->next;
			free(e);
			return;
		}
		pp = &e->next;
	}
}

static int addr_insert(struct tes_ice_server *s, const struct sockaddr *sa,
		       struct tes_ice_agent *a)
{
	size_t b = hash_addr(sa) % NBUCKETS;
	struct addr_ent *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	memcpy(&e->addr, sa, addr_len(sa));
	e->agent = a;
	e->next = s->by_addr[b];
	s->by_addr[b] = e;

	return 0;
}

static struct tes_ice_agent *find_by_ufrag(struct tes_ice_server *s,
					   const uint8_t *u, size_t n)
{
	struct tes_ice_agent *a;

	if (n != TES_ICE_UFRAG_LEN)
		return NULL;

	for (a = s->by_ufrag[hash_bytes(u, n) % NBUCKETS]; a;
	     a = a->ufrag_next) {
		if (!memcmp(a->ufrag, u, n))
			return a;
	}

	return NULL;
}

/* Remember a validated address; a previous owner (a new participant
 * reusing a port) loses it. */
static int agent_validate_addr(struct tes_ice_agent *a,
			       const struct sockaddr *sa)
{
	struct tes_ice_server *s = a->srv;
	struct tes_ice_agent *owner = find_by_addr(s, sa);
	size_t slot;

	if (owner == a)
		return 0;

	if (owner) {
		for (size_t i = 0; i < owner->n_addrs; i++) {
			if (addr_eq((struct sockaddr *)&owner->addrs[i], sa)) {
				owner->addrs[i] =
					owner->addrs[--owner->n_addrs];
				break;
			}
		}
		addr_remove(s, sa);
	}

	if (a->n_addrs < TES_ICE_MAX_ADDRS) {
		slot = a->n_addrs++;
	}
	else {
		/* evict the oldest non-selected address */
		slot = a->next_evict++ % TES_ICE_MAX_ADDRS;
		if (a->has_selected &&
		    addr_eq((struct sockaddr *)&a->addrs[slot],
			    (struct sockaddr *)&a->selected))
			slot = a->next_evict++ % TES_ICE_MAX_ADDRS;
		addr_remove(s, (struct sockaddr *)&a->addrs[slot]);
	}
	memcpy(&a->addrs[slot], sa, addr_len(sa));

	return addr_insert(s, sa, a);
}

static void agent_select(struct tes_ice_agent *a, const struct sockaddr *sa,
			 bool nominated)
{
	/* once nominated, only another nomination moves the selection */
	if (a->nominated && !nominated)
		return;
	if (a->has_selected &&
	    addr_eq((struct sockaddr *)&a->selected, sa)) {
		a->nominated |= nominated;
		return;
	}

	memcpy(&a->selected, sa, addr_len(sa));
	a->has_selected = true;
	a->nominated |= nominated;
	addr_str(sa, a->remote_str, sizeof(a->remote_str));
	TES_LOGI("ice", "agent %s: selected %s%s", a->ufrag, a->remote_str,
		 nominated ? " (nominated)" : "");

	if (a->selh)
		a->selh(sa, a->arg);
}

/* send every queued datagram, in order, with as few syscalls as the
 * kernel allows; one that fails is counted and skipped (UDP: a full
 * socket buffer drops it, exactly as a lost packet) */
static void tx_flush(struct tes_ice_server *s)
{
	struct mmsghdr msgs[TX_BATCH];
	struct iovec iov[TX_BATCH];
	uv_os_fd_t fd;
	size_t i = 0;

	if (!s->ntx)
		return;
	if (uv_fileno((uv_handle_t *)&s->udp, &fd)) {
		s->stats.tx_errors += s->ntx;
		s->ntx = 0;
		return;
	}

	for (size_t k = 0; k < s->ntx; k++) {
		struct tx_slot *t = &s->tx[k];

		iov[k].iov_base = t->data;
		iov[k].iov_len = t->len;
		memset(&msgs[k], 0, sizeof(msgs[k]));
		msgs[k].msg_hdr.msg_name = &t->dst;
		msgs[k].msg_hdr.msg_namelen =
			(socklen_t)addr_len((struct sockaddr *)&t->dst);
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}

	while (i < s->ntx) {
		int n = sendmmsg(fd, &msgs[i], (unsigned)(s->ntx - i),
				 MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* the first datagram failed: drop it, go on */
			s->stats.tx_errors++;
			if (s->tx[i].agent)
				s->tx[i].agent->tx_errors++;
			i++;
			continue;
		}
		for (int k = 0; k < n; k++) {
			s->stats.tx_packets++;
			s->stats.tx_bytes += s->tx[i + (size_t)k].len;
		}
		i += (size_t)n;
	}
	s->ntx = 0;
}

static void tx_prep_cb(uv_prepare_t *h)
{
	tx_flush(h->data);
}

static void tx_check_cb(uv_check_t *h)
{
	tx_flush(h->data);
}

static int udp_send(struct tes_ice_server *s, struct tes_ice_agent *a,
		    const struct sockaddr *dst, const uint8_t *buf,
		    size_t len)
{
	struct tx_slot *t;

	if (len > sizeof(t->data))
		return -EMSGSIZE;
	if (s->faulth && s->faulth(true, buf, len, s->fault_arg))
		return 0;

	if (s->ntx == TX_BATCH)
		tx_flush(s);
	t = &s->tx[s->ntx++];
	memcpy(&t->dst, dst, addr_len(dst));
	t->agent = a;
	t->len = len;
	memcpy(t->data, buf, len);

	return 0;
}

static void bad_input(struct tes_ice_server *s, const struct sockaddr *src,
		      const char *what)
{
	uint64_t sup;
	char a[ADDRSTR_MAX];

	if (!tes_ratelog_allow(&s->rl_bad, 1000, &sup))
		return;
	addr_str(src, a, sizeof(a));
	TES_LOGW("ice", "dropped %s from %s (%llu similar suppressed)", what, a,
		 (unsigned long long)sup);
}

static void handle_stun(struct tes_ice_server *s, const uint8_t *buf,
			size_t len, const struct sockaddr *src)
{
	struct tes_stun_msg msg;
	struct tes_ice_agent *a;
	uint8_t out[256];
	size_t outlen;
	const uint8_t *colon;

	if (tes_stun_parse(&msg, buf, len)) {
		s->stats.stun_malformed++;
		bad_input(s, src, "malformed STUN");
		return;
	}
	if (msg.type != TES_STUN_BINDING_REQUEST) {
		/* indications are keepalives; we send no requests (lite) */
		s->stats.stun_not_request++;
		return;
	}

	/* USERNAME is "<our ufrag>:<their ufrag>" (RFC 8445 7.2.2) */
	colon = msg.username ? memchr(msg.username, ':', msg.username_len)
			     : NULL;
	a = colon ? find_by_ufrag(s, msg.username,
				  (size_t)(colon - msg.username))
		  : NULL;
	if (!a) {
		s->stats.stun_unknown_user++;
		if (!msg.has_integrity)
			return;
		if (!tes_stun_build_error(out, sizeof(out), &outlen, msg.tid,
					  401, "Unauthorized", NULL, 0))
			udp_send(s, a, src, out, outlen);
		return;
	}

	if (tes_stun_check_integrity(&msg, buf, len, (uint8_t *)a->pwd,
				     strlen(a->pwd)) ||
	    (msg.has_fingerprint &&
	     tes_stun_check_fingerprint(&msg, buf, len))) {
		s->stats.stun_auth_fail++;
		bad_input(s, src, "STUN check with bad integrity");
		if (!tes_stun_build_error(out, sizeof(out), &outlen, msg.tid,
					  401, "Unauthorized", NULL, 0))
			udp_send(s, a, src, out, outlen);
		return;
	}

	if (a->remote_ufrag[0]) {
		size_t rlen = msg.username_len -
			      (size_t)(colon + 1 - msg.username);

		if (rlen != strlen(a->remote_ufrag) ||
		    memcmp(colon + 1, a->remote_ufrag, rlen)) {
			s->stats.stun_auth_fail++;
			bad_input(s, src, "STUN check with wrong remote ufrag");
			return;
		}
	}

	if (msg.unknown_required) {
		if (!tes_stun_build_error(out, sizeof(out), &outlen, msg.tid,
					  420, "Unknown Attribute",
					  (uint8_t *)a->pwd, strlen(a->pwd)))
			udp_send(s, a, src, out, outlen);
		return;
	}

	if (agent_validate_addr(a, src))
		return;
	a->consent_ms = tes_now_ms();

	if (!tes_stun_build_success(out, sizeof(out), &outlen, msg.tid, src,
				    (uint8_t *)a->pwd, strlen(a->pwd)))
		udp_send(s, a, src, out, outlen);

	agent_select(a, src, msg.use_candidate);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct tes_ice_server *s = h->data;

	(void)suggested;
	/* one receive at a time on the loop thread: a single buffer that
	 * libuv fills with up to RX_SLOTS datagrams per recvmmsg(2) */
	if (s->rx_busy) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	s->rx_busy = true;
	*buf = uv_buf_init((char *)s->rxbuf, RX_SLOT * RX_SLOTS);
}

static void recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
		    const struct sockaddr *src, unsigned flags)
{
	struct tes_ice_server *s = h->data;
	uint8_t *buf = (uint8_t *)b->base;
	size_t len = (size_t)nread;
	struct tes_ice_agent *a;
	enum tes_pkt_kind kind;

	/* the buffer is ours again after the last chunk of a recvmmsg
	 * (UV_UDP_MMSG_FREE) or after a plain receive */
	if (b->base == (char *)s->rxbuf && !(flags & UV_UDP_MMSG_CHUNK))
		s->rx_busy = false;

	if (nread <= 0 || !src)
		return;

	s->stats.rx_packets++;
	s->stats.rx_bytes += len;

	if ((flags & UV_UDP_PARTIAL) || len > TES_UDP_MAX_DGRAM) {
		s->stats.drop_truncated++;
		return;
	}
	if (len > TES_UDP_MAX_ACCEPT) {
		s->stats.drop_oversize++;
		return;
	}
	if (s->faulth && s->faulth(false, buf, len, s->fault_arg))
		return;

	kind = tes_demux(buf, len);
	switch (kind) {

	case TES_PKT_STUN:
		handle_stun(s, buf, len, src);
		break;

	case TES_PKT_DTLS:
	case TES_PKT_RTP:
	case TES_PKT_RTCP:
		a = find_by_addr(s, src);
		if (!a) {
			/* never let an unchecked address reach DTLS/SRTP */
			s->stats.drop_unknown_addr++;
			bad_input(s, src, "packet from unvalidated address");
			return;
		}
		/* latch: media from a validated address is where it lives */
		if (!a->has_selected)
			agent_select(a, src, false);
		a->pkth(kind, buf, len, a->arg);
		break;

	default:
		s->stats.drop_unknown_kind++;
		bad_input(s, src, "datagram of unknown kind");
		break;
	}
}

/* One port carries every participant's media: a burst of keyframes
 * must not overflow the kernel's default ~200 KB buffers.  As root the
 * system limit (net.core.rmem_max) can be passed by; otherwise the
 * kernel caps the request. */
static void size_buffers(struct tes_ice_server *s)
{
	int want = SOCK_BUF, got = 0;
	socklen_t len = sizeof(got);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&s->udp, &fd))
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want,
				 sizeof(want));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want,
				 sizeof(want));
	if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) &&
	    got < want)
		TES_LOGW("ice", "UDP receive buffer is %d bytes (wanted %d): "
			 "raise net.core.rmem_max", got, want);
}

int tes_ice_server_alloc(struct tes_ice_server **sp, uv_loop_t *loop,
			 const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	struct tes_ice_server *s;
	int namelen = sizeof(ss);
	int err;

	if (!sp || !loop || !addr)
		return -EINVAL;

	if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss) &&
	    uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss))
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	if (s) {
		s->rxbuf = malloc((size_t)RX_SLOT * RX_SLOTS);
		s->tx = malloc(sizeof(*s->tx) * TX_BATCH);
	}
	if (!s || !s->rxbuf || !s->tx) {
		if (s) {
			free(s->rxbuf);
			free(s->tx);
		}
		free(s);
		return -ENOMEM;
	}

	err = uv_udp_init_ex(loop, &s->udp, ss.ss_family | UV_UDP_RECVMMSG);
	if (err) {
		free(s->rxbuf);
		free(s->tx);
		free(s);
		return err;
	}
	s->open_handles = 1;
	s->tx_prep.data = s;
	s->tx_check.data = s;
	uv_prepare_init(loop, &s->tx_prep);
	uv_check_init(loop, &s->tx_check);
	s->open_handles += 2;
	uv_prepare_start(&s->tx_prep, tx_prep_cb);
	uv_check_start(&s->tx_check, tx_check_cb);
	uv_unref((uv_handle_t *)&s->tx_prep);
	uv_unref((uv_handle_t *)&s->tx_check);
	s->udp.data = s;

	err = uv_udp_bind(&s->udp, (struct sockaddr *)&ss, 0);
	if (!err)
		err = uv_udp_getsockname(&s->udp, (struct sockaddr *)&ss,
					 &namelen);
	if (!err)
		err = uv_udp_recv_start(&s->udp, alloc_cb, recv_cb);
	if (err) {
		TES_LOGE("ice", "cannot use UDP %s:%u: %s", addr, port,
			 uv_strerror(err));
		tes_ice_server_close(s);
		return err;
	}

	size_buffers(s);
	s->port = ntohs(ss.ss_family == AF_INET6
				? ((struct sockaddr_in6 *)&ss)->sin6_port
				: ((struct sockaddr_in *)&ss)->sin_port);
	TES_LOGI("ice", "media on udp %s:%u", addr, s->port);
	*sp = s;

	return 0;
}

static void close_cb(uv_handle_t *h)
{
	struct tes_ice_server *s = h->data;

	if (--s->open_handles > 0)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		while (s->by_addr[i]) {
			struct addr_ent *e = s->by_addr[i];

			s->by_addr[i] = e->next;
			free(e);
		}
	}
	free(s->rxbuf);
	free(s->tx);
	free(s);
}

void tes_ice_server_close(struct tes_ice_server *s)
{
	if (!s)
		return;
	tx_flush(s);
	uv_udp_recv_stop(&s->udp);
	uv_close((uv_handle_t *)&s->tx_prep, close_cb);
	uv_close((uv_handle_t *)&s->tx_check, close_cb);
	uv_close((uv_handle_t *)&s->udp, close_cb);
}

uint16_t tes_ice_server_port(const struct tes_ice_server *s)
{
	return s->port;
}

const struct tes_ice_stats *tes_ice_server_stats(
	const struct tes_ice_server *s)
{
	return &s->stats;
}

void tes_ice_server_set_fault(struct tes_ice_server *s, tes_ice_fault_h *h,
			      void *arg)
{
	s->faulth = h;
	s->fault_arg = arg;
}

static void agent_destructor(void *data)
{
	struct tes_ice_agent *a = data;
	struct tes_ice_server *s = a->srv;
	struct tes_ice_agent **pp;

	/* queued datagrams point at the agent for its error count */
	for (size_t i = 0; i < s->ntx; i++)
		if (s->tx[i].agent == a)
			s->tx[i].agent = NULL;

	for (size_t i = 0; i < a->n_addrs; i++)
		addr_remove(s, (struct sockaddr *)&a->addrs[i]);

	pp = &s->by_ufrag[hash_bytes(a->ufrag, TES_ICE_UFRAG_LEN) % NBUCKETS];
	for (; *pp; pp = &(*pp)->ufrag_next) {
		if (*pp == a) {
			*pp = a->ufrag_next;
			break;
		}
	}
}

int tes_ice_agent_alloc(struct tes_ice_agent **ap, struct tes_ice_server *s,
			tes_ice_pkt_h *pkth, tes_ice_selected_h *selh,
			void *arg)
{
	struct tes_ice_agent *a;
	size_t b;

	if (!ap || !s || !pkth)
		return -EINVAL;

	a = tes_alloc(sizeof(*a), agent_destructor);
	if (!a)
		return -ENOMEM;

	a->srv = s;
	a->pkth = pkth;
	a->selh = selh;
	a->arg = arg;

	/* a fresh ufrag that no live agent uses */
	do {
		tes_rand_str(a->ufrag, TES_ICE_UFRAG_LEN);
	} while (find_by_ufrag(s, (uint8_t *)a->ufrag, TES_ICE_UFRAG_LEN));
	tes_rand_str(a->pwd, TES_ICE_PWD_LEN);

	b = hash_bytes(a->ufrag, TES_ICE_UFRAG_LEN) % NBUCKETS;
	a->ufrag_next = s->by_ufrag[b];
	s->by_ufrag[b] = a;
	*ap = a;

	return 0;
}

const char *tes_ice_agent_ufrag(const struct tes_ice_agent *a)
{
	return a->ufrag;
}

const char *tes_ice_agent_pwd(const struct tes_ice_agent *a)
{
	return a->pwd;
}

int tes_ice_agent_set_remote(struct tes_ice_agent *a, const char *ufrag)
{
	if (strlen(ufrag) > REMOTE_UFRAG_MAX)
		return -EINVAL;
	strcpy(a->remote_ufrag, ufrag);

	return 0;
}

int tes_ice_agent_send(struct tes_ice_agent *a, const uint8_t *buf,
		       size_t len)
{
	if (!a->has_selected)
		return -ENOTCONN;

	return udp_send(a->srv, a, (struct sockaddr *)&a->selected, buf,
			len);
}

uint64_t tes_ice_agent_tx_errors(const struct tes_ice_agent *a)
{
	return a->tx_errors;
}

uint64_t tes_ice_agent_consent_ms(const struct tes_ice_agent *a)
{
	return a->consent_ms;
}

const char *tes_ice_agent_remote(const struct tes_ice_agent *a)
{
	return a->remote_str;
}
