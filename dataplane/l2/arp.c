/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arp — answer ARP requests for a port's address (RFC 826, with RFC 5227
 * probes answered), learn senders into the neighbour table, and send the
 * requests that neighbour resolution needs. Worker thread.
 */
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gw_l2.h"
#include "gw_worker.h"
#include "l2_priv.h"

/* Ethernet frames are at least 60 bytes before the FCS; pad what we build. */
#define ETH_MIN_FRAME (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)

static inline bool
ip4_is_unicast(uint32_t be_ip)
{
	uint32_t ip = rte_be_to_cpu_32(be_ip);

	return ip != 0 && ip != UINT32_MAX && (ip >> 28) < 0xe;
}

void
arp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;
	struct rte_ether_addr sha;
	uint32_t sip, tip;
	uint16_t op;
	bool for_us;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a))) {
		gw_worker_drop(w, port, m, GW_DROP_ARP_MALFORMED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eth + 1);
	if (unlikely(a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		     a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		     a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)) {
		gw_worker_drop(w, port, m, GW_DROP_ARP_MALFORMED);
		return;
	}
	op = rte_be_to_cpu_16(a->arp_opcode);
	if (unlikely(op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)) {
		gw_worker_drop(w, port, m, GW_DROP_ARP_BAD_OP);
		return;
	}
	sha = a->arp_data.arp_sha;
	sip = a->arp_data.arp_sip;
	tip = a->arp_data.arp_tip;
	for_us = tip == p->addr;
	/*
	 * A sender address of zero is an RFC 5227 probe: answer it if it asks
	 * for our address, but there is nothing to learn. Anyone else claiming
	 * our address, or a group address, is not learnt either.
	 */
	if (unlikely(!rte_is_unicast_ether_addr(&sha) ||
		     rte_is_zero_ether_addr(&sha) || sip == p->addr ||
		     (sip != 0 && !ip4_is_unicast(sip)) ||
		     (sip == 0 && op == RTE_ARP_OP_REPLY))) {
		gw_worker_drop(w, port, m, GW_DROP_ARP_BAD_SENDER);
		return;
	}
	if (sip != 0)
		nbr_learn(w, port, sip, &sha, for_us, true);

	if (op == RTE_ARP_OP_REPLY) {
		gw_worker_cnt_add(w, port, GW_CNT_ARP_RX_REPLY, 1);
		rte_pktmbuf_free(m); /* consumed: what it said is learnt */
		return;
	}
	if (!for_us) {
		gw_worker_drop(w, port, m, GW_DROP_ARP_NOT_FOR_US);
		return;
	}
	gw_worker_cnt_add(w, port, GW_CNT_ARP_RX_REQUEST, 1);

	/* Turn the request into the reply in place. */
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = sha;
	a->arp_data.arp_tip = sip;
	a->arp_data.arp_sha = p->mac;
	a->arp_data.arp_sip = p->addr;
	eth->dst_addr = sha;
	eth->src_addr = p->mac;
	gw_worker_cnt_add(w, port, GW_CNT_ARP_TX_REPLY, 1);
	gw_worker_tx(w, port, m);
}

void
arp_request_send(struct gw_worker *w, uint16_t port, uint32_t ip)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;
	char *data;

	m = rte_pktmbuf_alloc(w->dp->pool);
	if (unlikely(m == NULL)) {
		gw_worker_cnt_add(w, port, GW_CNT_NO_MBUF, 1);
		return;
	}
	data = rte_pktmbuf_append(m, ETH_MIN_FRAME);
	if (unlikely(data == NULL)) { /* data room below 60 bytes: cannot be */
		gw_worker_cnt_add(w, port, GW_CNT_NO_MBUF, 1);
		rte_pktmbuf_free(m);
		return;
	}
	memset(data, 0, ETH_MIN_FRAME);
	eth = (struct rte_ether_hdr *)data;
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eth + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = p->mac;
	a->arp_data.arp_sip = p->addr;
	a->arp_data.arp_tip = ip;
	gw_worker_cnt_add(w, port, GW_CNT_ARP_TX_REQUEST, 1);
	gw_worker_tx(w, port, m);
}

void
gw_l2_arp_announce(struct gw_worker *w, uint16_t port)
{
	arp_request_send(w, port, w->dp->ports[port].addr);
}
