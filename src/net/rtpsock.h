/**
 * @file rtpsock.h  Plain RTP transport of one m-line, for SIP-style
 * endpoints that do no ICE (RFC 3550, RFC 4961 symmetric RTP): a UDP port
 * pair of our own (RTP on an even port, RTCP on the next one unless
 * rtcp-mux), packets accepted only from the signalled IP address, and
 * sent back to where they come from (the port is latched on the first
 * packet, so endpoints behind NAT work).  Loop thread only.
 */
#ifndef TES_NET_RTPSOCK_H
#define TES_NET_RTPSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct tes_rtp_sock;

/** Counters of one transport. */
struct tes_rtp_sock_stats {
	uint64_t rx_packets;        /**< Datagrams accepted */
	uint64_t drop_unknown_addr; /**< From another IP than the signalled */
	uint64_t drop_oversize;     /**< Over TES_UDP_MAX_ACCEPT bytes */
	uint64_t tx_errors;         /**< Sends that failed */
};

/**
 * Receives an accepted datagram (valid during the call; it may be
 * modified in place, e.g. by SRTP).
 *
 * @param rtcp  It came to the RTCP port, or is RTCP on a muxed port
 *              (RFC 5761 payload types 64..95)
 * @param buf   Datagram
 * @param len   Its length
 * @param arg   Handler argument
 */
typedef void (tes_rtp_sock_h)(bool rtcp, uint8_t *buf, size_t len,
			      void *arg);

/**
 * Open a transport on the first free even port of [port_min, port_max]
 * (RTCP on the next port unless mux).  Ports are tried round-robin from
 * where the last open stopped, so a port just freed is not reused at once.
 *
 * @param sp        Receives the transport
 * @param loop      Loop
 * @param addr      Local address to bind ("0.0.0.0", "127.0.0.1", IPv6)
 * @param port_min  Lowest port
 * @param port_max  Highest port
 * @param mux       RTP and RTCP on one port (a=rtcp-mux)
 * @param h         Receive handler
 * @param arg       Its argument
 * @return 0, -EINVAL, -ENOMEM, or -EADDRINUSE when no port pair is free
 */
int tes_rtp_sock_alloc(struct tes_rtp_sock **sp, uv_loop_t *loop,
		       const char *addr, uint16_t port_min, uint16_t port_max,
		       bool mux, tes_rtp_sock_h *h, void *arg);

/**
 * Close: no handler call after this; memory is freed once libuv is done.
 *
 * @param s  Transport (NULL is ignored)
 */
void tes_rtp_sock_close(struct tes_rtp_sock *s);

/**
 * Our RTP port (RTCP is port + 1 unless mux).
 *
 * @param s  Transport
 * @return Port
 */
uint16_t tes_rtp_sock_port(const struct tes_rtp_sock *s);

/**
 * Set where the peer said it receives (SDP c= and m= port, a=rtcp).  A
 * new address forgets the latched ports.
 *
 * @param s          Transport
 * @param addr       Peer's IP ("0.0.0.0": on hold, nothing is sent)
 * @param rtp_port   Its RTP port (0: nothing is sent)
 * @param rtcp_port  Its RTCP port (ignored with mux)
 * @return 0, or -EINVAL when addr is not an IP address
 */
int tes_rtp_sock_set_remote(struct tes_rtp_sock *s, const char *addr,
			    uint16_t rtp_port, uint16_t rtcp_port);

/**
 * Send one datagram to the peer's RTP or RTCP port.
 *
 * @param s     Transport
 * @param rtcp  To the RTCP port
 * @param buf   Datagram
 * @param len   Its length
 * @return 0, -ENOTCONN (no address, or on hold), or a send error
 */
int tes_rtp_sock_send(struct tes_rtp_sock *s, bool rtcp, const uint8_t *buf,
		      size_t len);

/**
 * Where packets are sent now ("ip:port"), "" when nowhere.
 *
 * @param s  Transport
 * @return The address (valid until the next call that changes it)
 */
const char *tes_rtp_sock_remote(const struct tes_rtp_sock *s);

/**
 * The transport's counters.
 *
 * @param s  Transport
 * @return Counters (live as long as s)
 */
const struct tes_rtp_sock_stats *tes_rtp_sock_stats(
	const struct tes_rtp_sock *s);

#endif /* TES_NET_RTPSOCK_H */
