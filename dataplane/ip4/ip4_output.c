/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ip4_output — choose the next hop (on-link destination or the port's
 * gateway), fill the header checksum (offloaded when the port can), and
 * hand the packet to l2 output. Worker thread.
 */
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gw_ip4.h"
#include "gw_l2.h"
#include "gw_worker.h"

void
gw_ip4_output(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	uint32_t nexthop;

	if (((ip->dst_addr ^ p->addr) & p->mask) == 0)
		nexthop = ip->dst_addr;
	else if (p->gateway != 0)
		nexthop = p->gateway;
	else {
		gw_worker_drop(w, port, m, GW_DROP_IP4_NO_ROUTE);
		return;
	}
	ip->hdr_checksum = 0;
	if (p->tx_ip_cksum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	gw_l2_output(w, port, m, nexthop);
}
