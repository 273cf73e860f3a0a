/* SPDX-License-Identifier: Apache-2.0 */
/*
 * l2_input — first stage after rx_burst: Ethernet checks and dispatch to
 * ARP (handled here) or IPv4 (handed on as a burst). Worker thread.
 */
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "gw_ip4.h"
#include "gw_l2.h"
#include "gw_worker.h"
#include "l2_priv.h"

#define PREFETCH_OFFSET 3 /* packets ahead whose header is prefetched */

uint16_t
gw_l2_input_process(struct gw_worker *w, uint16_t port, struct rte_mbuf **pkts,
		    uint16_t n)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_mbuf *ip4[GW_BURST];
	uint16_t n_ip4 = 0;
	uint16_t i;

	RTE_ASSERT(n <= GW_BURST);
	for (i = 0; i < n && i < PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;

		if (i + PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_OFFSET],
						       void *));
		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
			gw_worker_drop(w, port, m, GW_DROP_L2_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &p->mac) &&
			     !rte_is_broadcast_ether_addr(&eth->dst_addr))) {
			gw_worker_drop(w, port, m, GW_DROP_L2_NOT_FOR_US);
			continue;
		}
		m->l2_len = sizeof(*eth);
		m->port = port; /* our port index from here on (redirects carry it) */
		if (likely(eth->ether_type ==
			   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)))
			ip4[n_ip4++] = m;
		else if (eth->ether_type ==
			 rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			arp_input(w, port, m);
		else
			gw_worker_drop(w, port, m,
				       GW_DROP_L2_UNKNOWN_ETHERTYPE);
	}
	if (n_ip4 > 0)
		gw_ip4_input_process(w, port, ip4, n_ip4);
	return n;
}
