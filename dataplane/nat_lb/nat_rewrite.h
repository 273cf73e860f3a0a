/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/nat_lb — the header edits of full NAT, as pure functions over
 * header bytes (unit-tested against a full checksum recompute on random
 * packets: tests/unit/dataplane/nat_lb/test_nat_rewrite.c).
 *
 * Checksums are updated incrementally (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')), in network byte order throughout: the one's
 * complement sum does not depend on the byte order as long as every word
 * is taken the same way. A UDP checksum of 0 (none, RFC 768) stays 0, and
 * a computed 0 is sent as 0xffff.
 */
#ifndef GW_NAT_REWRITE_H
#define GW_NAT_REWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

/** Add to a running sum (of a checksum being updated) the change of one
 * 32-bit field from old to new (both as stored). */
static inline uint32_t
gw_nat_sum32(uint32_t sum, uint32_t old, uint32_t new)
{
	sum += (uint16_t)~(uint16_t)old + (uint16_t)~(uint16_t)(old >> 16);
	sum += (uint16_t)new + (uint16_t)(new >> 16);
	return sum;
}

/** Same for a 16-bit field. */
static inline uint32_t
gw_nat_sum16(uint32_t sum, uint16_t old, uint16_t new)
{
	return sum + (uint16_t)~old + new;
}

/** The checksum stored as csum, after the changes summed into delta. */
static inline uint16_t
gw_nat_csum_apply(uint16_t csum, uint32_t delta)
{
	uint32_t s = (uint16_t)~csum + delta;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/**
 * Rewrite a packet's addresses and ports (all in network byte order),
 * decrement its TTL, and update the IP and the TCP or UDP checksums.
 * l4 points at the TCP or UDP header; the caller checked that it is there
 * (8 bytes for UDP, 20 for TCP).
 */
static inline void
gw_nat_rewrite(struct rte_ipv4_hdr *ip, void *l4, uint32_t src, uint32_t dst,
	       uint16_t sport, uint16_t dport)
{
	uint32_t ipd = 0, l4d;
	uint16_t *ports = l4, ck;
	uint16_t ttl_old, ttl_new;

	/* the pseudo-header's addresses and the ports: the L4 sum */
	l4d = gw_nat_sum32(0, ip->src_addr, src);
	l4d = gw_nat_sum32(l4d, ip->dst_addr, dst);
	l4d = gw_nat_sum16(l4d, ports[0], sport);
	l4d = gw_nat_sum16(l4d, ports[1], dport);
	/* the addresses and the TTL (the word it shares with the protocol) */
	ipd = gw_nat_sum32(ipd, ip->src_addr, src);
	ipd = gw_nat_sum32(ipd, ip->dst_addr, dst);
	memcpy(&ttl_old, &ip->time_to_live, 2);
	ip->time_to_live--;
	memcpy(&ttl_new, &ip->time_to_live, 2);
	ipd = gw_nat_sum16(ipd, ttl_old, ttl_new);
	ip->hdr_checksum = gw_nat_csum_apply(ip->hdr_checksum, ipd);
	ip->src_addr = src;
	ip->dst_addr = dst;
	ports[0] = sport;
	ports[1] = dport;
	/* TCP's checksum is its ninth 16-bit word, UDP's its fourth */
	if (ip->next_proto_id == IPPROTO_TCP) {
		ck = ports[8];
		ports[8] = gw_nat_csum_apply(ck, l4d);
	} else if ((ck = ports[3]) != 0) {
		ck = gw_nat_csum_apply(ck, l4d);
		ports[3] = ck != 0 ? ck : 0xffff;
	}
}

/**
 * Lower the MSS option of a TCP SYN to at most mss (host order), updating
 * the checksum. th's options must lie within len bytes of th.
 * @return true when the option was lowered.
 */
static inline bool
gw_nat_mss_clamp(struct rte_tcp_hdr *th, uint32_t len, uint16_t mss)
{
	uint32_t hl = (uint32_t)(th->data_off >> 4) * 4, i = 20;
	uint8_t *o = (uint8_t *)th;

	if (hl > len)
		return false;
	while (i < hl) {
		uint16_t old, new;

		if (o[i] == 0)			/* end of options */
			return false;
		if (o[i] == 1) {		/* no-op */
			i++;
			continue;
		}
		if (i + 1 >= hl || o[i + 1] < 2 || i + o[i + 1] > hl)
			return false;		/* malformed: left alone */
		if (o[i] == 2 && o[i + 1] == 4) {
			memcpy(&old, o + i + 2, 2);
			if (rte_be_to_cpu_16(old) <= mss)
				return false;
			new = rte_cpu_to_be_16(mss);
			memcpy(o + i + 2, &new, 2);
			/* the option's offset is even (TCP options start at
			 * 20 and are aligned where MSS sits), but do not
			 * count on it: an odd offset swaps the bytes */
			if ((i & 1) == 0) {
				th->cksum = gw_nat_csum_apply(
					th->cksum, gw_nat_sum16(0, old, new));
			} else {
				uint16_t a = (uint16_t)(old << 8 | old >> 8);
				uint16_t b = (uint16_t)(new << 8 | new >> 8);

				th->cksum = gw_nat_csum_apply(
					th->cksum, gw_nat_sum16(0, a, b));
			}
			return true;
		}
		i += o[i + 1];
	}
	return false;
}

#endif /* GW_NAT_REWRITE_H */
