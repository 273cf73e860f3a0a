/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6528 initial sequence numbers (see tcp_isn.h). The tuple is serialised
 * byte by byte, so the value does not depend on host endianness.
 */
#include <stdint.h>

#include "gw_hash.h"
#include "tcp_isn.h"

uint32_t
gw_tcp_isn(const struct gw_hash_key *secret, uint32_t laddr, uint16_t lport,
	   uint32_t raddr, uint16_t rport, uint64_t now_us)
{
	uint8_t t[12];
	uint32_t f, m;

	t[0] = (uint8_t)(laddr >> 24);
	t[1] = (uint8_t)(laddr >> 16);
	t[2] = (uint8_t)(laddr >> 8);
	t[3] = (uint8_t)laddr;
	t[4] = (uint8_t)(lport >> 8);
	t[5] = (uint8_t)lport;
	t[6] = (uint8_t)(raddr >> 24);
	t[7] = (uint8_t)(raddr >> 16);
	t[8] = (uint8_t)(raddr >> 8);
	t[9] = (uint8_t)raddr;
	t[10] = (uint8_t)(rport >> 8);
	t[11] = (uint8_t)rport;
	f = (uint32_t)gw_hash_siphash24(secret, t, sizeof(t));
	m = (uint32_t)(now_us / GW_TCP_ISN_TICK_US); /* wraps every ~4.8 h */
	return m + f;
}
