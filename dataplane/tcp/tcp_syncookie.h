/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tcp — SYN cookies (RFC 4987 §3.6, after Linux's
 * net/ipv4/syncookies.c): under a SYN flood the listener keeps no state for
 * a SYN; the state it needs later travels in the ISN of its SYN-ACK and
 * comes back in the ACK, whose ack_seq - 1 is checked with a keyed MAC.
 * Entry points: gw_tcp_syncookie_make() on a SYN, gw_tcp_syncookie_check()
 * on the ACK that completes the handshake. Pure C11 (no DPDK), no state:
 * any worker, per packet; workers share one key so that any of them can
 * check a cookie another made.
 *
 * Cookie (our ISN), most significant bit first:
 *
 *    31                              8 7         3 2     0
 *   +---------------------------------+-----------+-------+
 *   |  MAC (24 bits)                  | count mod | MSS   |
 *   |                                 | 32 (5)    | idx(3)|
 *   +---------------------------------+-----------+-------+
 *
 *   count  = now_s / 64, a 32-bit counter of 64-second periods;
 *   MSS idx = index into gw_tcp_syncookie_mss[] (largest entry <= client MSS);
 *   MAC    = top 24 bits of SipHash-2-4(key, laddr lport raddr rport
 *            count client_isn mss_idx), all fields big-endian, count in
 *            full (so a cookie is not replayable 32 periods later).
 *
 * A cookie is accepted while its period is at most GW_TCP_COOKIE_MAX_AGE - 1
 * periods old (Linux's MAX_SYNCOOKIE_AGE), i.e. for 64 to 128 seconds. A
 * random 32-bit value passes with probability 2/32 * 2^-24 ~ 3.7e-9.
 *
 * When the SYN carried a timestamp, the client's window scale and
 * SACK-permitted ride in the low GW_TCP_COOKIE_TS_BITS bits of our TSval and
 * come back in the ACK's TSecr (as Linux's cookie_init_timestamp()):
 *
 *     4       3      0
 *   +-------+----------+
 *   |SACK ok| wscale   |   wscale 15 = the SYN had no window scale
 *   +-------+----------+
 *
 * These bits are not covered by the MAC: a client that alters them only
 * changes options it could have chosen in its SYN. Without a timestamp they
 * are lost and the connection runs without window scaling and SACK, as in
 * Linux.
 */
#ifndef GW_TCP_SYNCOOKIE_H
#define GW_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_hash.h"

/** Length of one counter period in seconds (Linux: 60; a power of two here). */
#define GW_TCP_COOKIE_PERIOD_S 64
/** Cookies are accepted in the period they were made and the next one. */
#define GW_TCP_COOKIE_MAX_AGE 2
#define GW_TCP_COOKIE_MAC_BITS 24
#define GW_TCP_COOKIE_COUNT_BITS 5
#define GW_TCP_COOKIE_MSS_BITS 3
/** Low bits of our TSval carrying wscale (4) and SACK-permitted (1). */
#define GW_TCP_COOKIE_TS_BITS 5
/** wscale field value meaning "no window scale option". */
#define GW_TCP_COOKIE_WSCALE_NONE 0xf
/** Entries in gw_tcp_syncookie_mss[]. */
#define GW_TCP_COOKIE_N_MSS (1 << GW_TCP_COOKIE_MSS_BITS)

/**
 * The MSS values a cookie can carry, ascending (bytes):
 *   536  RFC 9293 default without an MSS option (MUST-15); also the floor
 *   1300 conservative tunnel clamp (IPsec, mobile; in Linux's table)
 *   1380 WireGuard, MTU 1420
 *   1410 VXLAN overlays, MTU 1450 (GCP's 1420 rounds down here)
 *   1440 IP-in-IP, MTU 1480 (in Linux's table)
 *   1452 PPPoE, MTU 1492
 *   1460 Ethernet, MTU 1500
 *   8960 jumbo frames, MTU 9000 (AWS's 9001 rounds down here)
 */
extern const uint16_t gw_tcp_syncookie_mss[GW_TCP_COOKIE_N_MSS];

/** A connection's addresses and ports, host byte order. */
struct gw_tcp_cookie_tuple {
	uint32_t laddr; /* ours */
	uint32_t raddr; /* the client's */
	uint16_t lport;
	uint16_t rport;
};

/** What a cookie is made from (on the SYN) or checked against (on the ACK). */
struct gw_tcp_cookie_in {
	struct gw_tcp_cookie_tuple t;
	uint32_t isn; /* client ISN: SYN's seq; on the ACK, its seq - 1 */
	uint16_t mss; /* client's MSS option, 0 if absent (536 used) */
	uint8_t wscale; /* client's shift count, valid if has_wscale */
	bool has_wscale;
	bool sack_ok; /* client sent SACK-permitted */
	bool has_ts; /* SYN (make) or ACK (check) carried a timestamp */
	uint64_t now_s; /* monotonic clock, seconds */
	uint32_t ts_now; /* our current TSval clock; make() with has_ts only */
};

/** What a valid cookie gives back. */
struct gw_tcp_cookie_out {
	uint16_t mss; /* from gw_tcp_syncookie_mss[], <= client MSS unless < 536 */
	uint8_t wscale; /* client's shift count, valid if has_wscale */
	bool has_wscale;
	bool sack_ok;
	bool has_ts; /* the ACK carried a timestamp: TS is in use */
};

/**
 * Make the cookie to send as our ISN in a SYN-ACK.
 *
 * @param k
 *   The listener's cookie key (random at startup; not the ISN key).
 * @param in
 *   The SYN: all fields read; ts_now only if has_ts.
 * @param ts_val_out
 *   If in->has_ts, receives the TSval to send in the SYN-ACK: ts_now with its
 *   low bits replaced by the encoded options, moved back by 32 ticks when
 *   that would be ahead of ts_now (so our clock never runs backwards).
 *   Untouched, and may be NULL, otherwise.
 * @return
 *   The cookie, to use as the SYN-ACK's sequence number.
 */
uint32_t gw_tcp_syncookie_make(const struct gw_hash_key *k,
			       const struct gw_tcp_cookie_in *in,
			       uint32_t *ts_val_out);

/**
 * Check the ACK that answers a cookie SYN-ACK.
 *
 * @param k
 *   The key the cookie was made with.
 * @param in
 *   The ACK: t, isn (= ACK's seq - 1), has_ts (ACK carries a timestamp) and
 *   now_s are read; the other fields are ignored.
 * @param cookie
 *   The ACK's ack_seq - 1.
 * @param ts_ecr
 *   The ACK's TSecr; read only if in->has_ts.
 * @param out
 *   Filled on success; unspecified on failure.
 * @return
 *   0 if valid; -EINVAL if forged, for another tuple or ISN, or expired.
 */
int gw_tcp_syncookie_check(const struct gw_hash_key *k,
			   const struct gw_tcp_cookie_in *in, uint32_t cookie,
			   uint32_t ts_ecr, struct gw_tcp_cookie_out *out);

#endif /* GW_TCP_SYNCOOKIE_H */
