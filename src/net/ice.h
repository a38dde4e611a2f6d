/**
 * @file ice.h  ICE-lite (RFC 8445) on one shared UDP port.
 *
 * The server owns the UDP socket.  Datagrams are demultiplexed by their
 * first byte (RFC 7983): STUN binding requests are matched to an agent by
 * the USERNAME (our ufrag first), checked (MESSAGE-INTEGRITY, FINGERPRINT)
 * and answered; the source address then becomes a validated address of
 * that agent.  DTLS, RTP and RTCP are accepted only from validated
 * addresses (never from an address that has not passed a check).
 * Consent freshness (RFC 7675): every valid check refreshes the agent's
 * consent time; the owner expires agents whose consent is too old.
 * Owned by the loop thread.
 */
#ifndef TES_ICE_H
#define TES_ICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/stun.h"

struct tes_ice_server;
struct tes_ice_agent;

enum {
	TES_ICE_UFRAG_LEN = 8,   /**< our ufrag length (>= 4 chars, RFC 8839) */
	TES_ICE_PWD_LEN = 24,    /**< our password length (>= 22 chars) */
	TES_ICE_MAX_ADDRS = 4,   /**< validated addresses per agent */
	TES_UDP_MAX_DGRAM = 2048, /**< largest datagram we read */
	TES_UDP_MAX_ACCEPT = 1500, /**< larger ones are dropped: no WebRTC
				       peer sends beyond the Ethernet MTU */
};

/** Server-wide counters (what was dropped, and why). */
struct tes_ice_stats {
	uint64_t rx_packets;        /**< Datagrams received */
	uint64_t rx_bytes;          /**< Bytes received */
	uint64_t tx_packets;        /**< Datagrams sent */
	uint64_t tx_bytes;          /**< Bytes sent */
	uint64_t tx_errors;         /**< Sends that failed */
	uint64_t drop_unknown_kind; /**< Not STUN/DTLS/RTP/RTCP */
	uint64_t drop_truncated;    /**< Bigger than our buffer */
	uint64_t drop_oversize;     /**< Over TES_UDP_MAX_ACCEPT bytes */
	uint64_t stun_malformed;    /**< STUN that did not parse */
	uint64_t stun_unknown_user; /**< USERNAME of no agent */
	uint64_t stun_auth_fail;    /**< Bad MESSAGE-INTEGRITY/FINGERPRINT */
	uint64_t stun_not_request;  /**< Responses/indications ignored */
	uint64_t drop_unknown_addr; /**< Non-STUN from unvalidated address */
};

/**
 * A non-STUN datagram from a validated address of the agent.  The buffer
 * may be modified in place (decryption); it is valid during the call only.
 *
 * @param kind  TES_PKT_DTLS, TES_PKT_RTP or TES_PKT_RTCP
 * @param buf   Datagram
 * @param len   Its length
 * @param arg   Handler argument
 */
typedef void (tes_ice_pkt_h)(enum tes_pkt_kind kind, uint8_t *buf,
			     size_t len, void *arg);

/**
 * The agent's selected address was set or changed (first valid check, or
 * a check with USE-CANDIDATE).
 *
 * @param addr  The selected address
 * @param arg   Handler argument
 */
typedef void (tes_ice_selected_h)(const struct sockaddr *addr, void *arg);

/**
 * Fault-injection hook (tests only): return true to drop the datagram.
 *
 * @param tx   true for a send, false for a receive
 * @param buf  Datagram
 * @param len  Its length
 * @param arg  Hook argument
 * @return true to drop
 */
typedef bool (tes_ice_fault_h)(bool tx, const uint8_t *buf, size_t len,
			       void *arg);

/**
 * Bind the shared UDP port and start receiving.
 *
 * @param sp    Receives the server
 * @param loop  Loop that owns it
 * @param addr  Address to bind (IPv4 or IPv6 literal)
 * @param port  UDP port (0 = any free port)
 * @return 0, or negative errno (e.g. -EADDRINUSE)
 */
int tes_ice_server_alloc(struct tes_ice_server **sp, uv_loop_t *loop,
			 const char *addr, uint16_t port);

/**
 * Close the socket; the server is freed once libuv closed the handle.
 * All agents must have been freed before.
 *
 * @param s  Server, or NULL
 */
void tes_ice_server_close(struct tes_ice_server *s);

/**
 * The port actually bound.
 *
 * @param s  Server
 * @return UDP port
 */
uint16_t tes_ice_server_port(const struct tes_ice_server *s);

/**
 * Server counters.
 *
 * @param s  Server
 * @return Counters
 */
const struct tes_ice_stats *tes_ice_server_stats(
	const struct tes_ice_server *s);

/**
 * Install a fault-injection hook (tests only).
 *
 * @param s    Server
 * @param h    Hook, or NULL to remove
 * @param arg  Hook argument
 */
void tes_ice_server_set_fault(struct tes_ice_server *s, tes_ice_fault_h *h,
			      void *arg);

/**
 * Create an agent with fresh local credentials.
 *
 * @param ap      Receives the agent (tes_deref to free; this detaches it)
 * @param s       Server
 * @param pkth    Non-STUN datagram handler
 * @param selh    Selected-address handler (may be NULL)
 * @param arg     Handler argument
 * @return 0, or -ENOMEM
 */
int tes_ice_agent_alloc(struct tes_ice_agent **ap, struct tes_ice_server *s,
			tes_ice_pkt_h *pkth, tes_ice_selected_h *selh,
			void *arg);

/** @return The agent's ufrag (a=ice-ufrag of our answer) */
const char *tes_ice_agent_ufrag(const struct tes_ice_agent *a);

/** @return The agent's password (a=ice-pwd of our answer) */
const char *tes_ice_agent_pwd(const struct tes_ice_agent *a);

/**
 * Set the remote ufrag from the offer: checks whose USERNAME does not end
 * in it are refused (RFC 8445 7.3).
 *
 * @param a      Agent
 * @param ufrag  Remote ufrag
 * @return 0, or -EINVAL when too long
 */
int tes_ice_agent_set_remote(struct tes_ice_agent *a, const char *ufrag);

/**
 * Send a datagram to the agent's selected address.  It is queued (the
 * buffer is copied) and leaves with the others queued in the same loop
 * iteration, in order, before the loop next waits; a datagram the kernel
 * then refuses is counted in tes_ice_agent_tx_errors().
 *
 * @param a    Agent
 * @param buf  Datagram
 * @param len  Its length
 * @return 0, -ENOTCONN without a selected address, -EMSGSIZE over
 *         TES_UDP_MAX_DGRAM
 */
int tes_ice_agent_send(struct tes_ice_agent *a, const uint8_t *buf,
		       size_t len);

/**
 * Datagrams to this agent that the kernel refused (full socket buffer).
 *
 * @param a  Agent
 * @return Count
 */
uint64_t tes_ice_agent_tx_errors(const struct tes_ice_agent *a);

/**
 * Time of the last valid connectivity check (tes_now_ms() clock), 0 if none.
 *
 * @param a  Agent
 * @return Milliseconds
 */
uint64_t tes_ice_agent_consent_ms(const struct tes_ice_agent *a);

/**
 * The selected remote address as "ip:port", or "" without one.
 *
 * @param a  Agent
 * @return String (lives as long as the agent)
 */
const char *tes_ice_agent_remote(const struct tes_ice_agent *a);

#endif /* TES_ICE_H */
