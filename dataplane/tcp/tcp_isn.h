/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tcp — initial sequence numbers for the connections we open or
 * accept, per RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), M a 4-microsecond clock and F SipHash-2-4 truncated
 * to 32 bits. Successive incarnations of one 4-tuple get increasing ISNs
 * (so old duplicates stay out of the new window, RFC 9293 §3.4.1), while an
 * off-path attacker who does not know the secret cannot predict another
 * tuple's ISN. Pure C11 (no DPDK), no state: any worker, per packet.
 */
#ifndef GW_TCP_ISN_H
#define GW_TCP_ISN_H

#include <stdint.h>

#include "gw_hash.h"

/** Microseconds per tick of the ISN clock M (RFC 6528 §3, RFC 9293 §3.4.1). */
#define GW_TCP_ISN_TICK_US 4

/**
 * Compute an RFC 6528 initial sequence number.
 *
 * @param secret
 *   Per-process random key (gw_hash_key_random() at startup), shared by all
 *   workers so that a tuple's ISN does not depend on which worker sends it;
 *   use a key distinct from the SYN-cookie key.
 * @param laddr, lport
 *   Our address and port, host byte order.
 * @param raddr, rport
 *   The peer's address and port, host byte order.
 * @param now_us
 *   A monotonic clock in microseconds (any epoch; only differences matter).
 * @return
 *   (now_us / 4) + low 32 bits of SipHash(secret, tuple), modulo 2^32.
 */
uint32_t gw_tcp_isn(const struct gw_hash_key *secret, uint32_t laddr,
		    uint16_t lport, uint32_t raddr, uint16_t rport,
		    uint64_t now_us);

#endif /* GW_TCP_ISN_H */
