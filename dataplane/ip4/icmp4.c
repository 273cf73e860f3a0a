/* SPDX-License-Identifier: Apache-2.0 */
/*
 * icmp4 — answer ICMP echo requests addressed to a port (RFC 792,
 * RFC 1122 §3.2.2.6) by turning the request into the reply in place.
 * Errors about full-NAT flows go to dataplane/nat_lb; other ICMP types
 * are counted and dropped until a stage needs them.
 * Worker thread.
 */
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gw_ip4.h"
#include "gw_nat.h"
#include "gw_worker.h"

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one changed 16-bit word. */
static inline uint16_t
cksum_update16(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void
gw_icmp4_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	uint32_t off = m->l2_len + m->l3_len;
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
	struct rte_icmp_hdr *icmp;
	uint16_t sum;

	if (unlikely(len < sizeof(*icmp) ||
		     rte_pktmbuf_data_len(m) < off + sizeof(*icmp))) {
		gw_worker_drop(w, port, m, GW_DROP_ICMP_MALFORMED);
		return;
	}
	if (unlikely(rte_raw_cksum_mbuf(m, off, len, &sum) != 0 ||
		     sum != 0xffff)) {
		gw_worker_drop(w, port, m, GW_DROP_ICMP_BAD_CHECKSUM);
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	/* an error about a full-NAT flow: the client's, translated */
	if (w->nat != NULL && icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST &&
	    gw_nat_icmp_input(w, port, m))
		return;
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		gw_worker_drop(w, port, m, GW_DROP_ICMP_UNHANDLED_TYPE);
		return;
	}
	gw_worker_cnt_add(w, port, GW_CNT_ICMP_ECHO_RX, 1);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = cksum_update16(
		icmp->icmp_cksum, rte_cpu_to_be_16(RTE_IP_ICMP_ECHO_REQUEST << 8),
		rte_cpu_to_be_16(RTE_IP_ICMP_ECHO_REPLY << 8));
	/*
	 * 0x0000 is ambiguous: the message may now sum to +0 (all zero, as an
	 * echo with id 0, seq 0 and no data does), whose checksum is 0xffff.
	 * Only a full sum tells; this is rare enough to pay for it.
	 */
	if (unlikely(icmp->icmp_cksum == 0)) {
		(void)rte_raw_cksum_mbuf(m, off, len, &sum); /* checked above */
		icmp->icmp_cksum = (uint16_t)~sum;
	}
	ip->dst_addr = ip->src_addr;
	ip->src_addr = p->addr;
	ip->time_to_live = GW_IP4_DEFAULT_TTL;
	gw_worker_cnt_add(w, port, GW_CNT_ICMP_ECHO_TX, 1);
	gw_ip4_output(w, port, m);
}
