/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lg_raw — packet streams for packet-rate tests (no TCP): frames
 * of a fixed size from the port's address to a given address and port,
 * the source port cycling over `flows` values so a load balancer sees
 * that many flows. UDP, or TCP where each flow's first segment is a SYN
 * and the rest carry ACK (what a stateful NAT needs to create a flow).
 * Everything received on any port is counted (IPv4 UDP and TCP only) and
 * freed, but ARP, which the ports answer (a gateway under test resolves
 * the address it forwards to: the receiving port's), and which they also
 * announce while warming up. Sends as fast as the device takes, or at
 * `rate` packets/s.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gw_l2.h"
#include "lg.h"

#define RAW_HDR (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
#define RAW_SPORT_BASE 1024

static uint8_t tmpl[GW_MAX_WORKERS][RTE_ETHER_MAX_LEN];
static uint16_t tmpl_l4_cksum[GW_MAX_WORKERS]; /* with source port 0 */

int
lg_raw_init(struct lg_wrk *lw)
{
	const struct lg_opts *o = lw->o;
	const struct gw_dp_port *p = &lw->w->dp->ports[o->raw_tx_port];
	uint8_t *f = tmpl[lw->w->id];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint16_t l4_len = (uint16_t)(o->raw_size - RAW_HDR);

	memset(f, 0, sizeof(tmpl[0]));
	memcpy(eth->dst_addr.addr_bytes, o->raw_dmac, 6);
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(o->raw_size -
						       sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = o->raw_tcp ? IPPROTO_TCP : IPPROTO_UDP;
	ip->src_addr = p->addr;
	ip->dst_addr = rte_cpu_to_be_32(o->raw_dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (o->raw_tcp) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->dst_port = rte_cpu_to_be_16(o->raw_dport);
		th->data_off = (sizeof(*th) / 4) << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		th->rx_win = rte_cpu_to_be_16(65535);
		th->sent_seq = rte_cpu_to_be_32(1);
		th->recv_ack = rte_cpu_to_be_32(1);
		tmpl_l4_cksum[lw->w->id] = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->dst_port = rte_cpu_to_be_16(o->raw_dport);
		uh->dgram_len = rte_cpu_to_be_16(l4_len);
		uh->dgram_cksum = 0; /* optional in IPv4 */
	}
	/* the worker's flows: its own share of the source ports */
	lw->raw_seq = 0;
	lw->sched = 0;
	if (o->rate > 0)
		lw->interval = (uint64_t)((double)lw->w->dp->tsc_hz *
					  lw->w->dp->n_workers / o->rate);
	return 0;
}

/* ones' complement sum of a and b (16 bits) */
static inline uint16_t
csum_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

static void
raw_fill(struct lg_wrk *lw, struct rte_mbuf *m)
{
	const struct lg_opts *o = lw->o;
	unsigned id = lw->w->id, nw = lw->w->dp->n_workers;
	uint64_t flow = lw->raw_seq % o->raw_flows;
	uint16_t sport = (uint16_t)(RAW_SPORT_BASE + flow * nw + id);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	memcpy(d, tmpl[id], o->raw_size);
	m->data_len = m->pkt_len = o->raw_size;
	if (o->raw_tcp) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + RAW_HDR);
		uint16_t c = (uint16_t)~tmpl_l4_cksum[id];

		/* sums in memory order, as the template's was taken */
		th->src_port = rte_cpu_to_be_16(sport);
		c = csum_add(c, th->src_port);
		if (lw->raw_seq < o->raw_flows) { /* each flow opens with a SYN */
			th->tcp_flags = RTE_TCP_SYN_FLAG;
			/* the flags share a 16-bit word with data_off */
			c = csum_add(c, (uint16_t)~rte_cpu_to_be_16(
						RTE_TCP_ACK_FLAG));
			c = csum_add(c, rte_cpu_to_be_16(RTE_TCP_SYN_FLAG));
		}
		th->cksum = (uint16_t)~c;
	} else {
		((struct rte_udp_hdr *)(d + RAW_HDR))->src_port =
			rte_cpu_to_be_16(sport);
	}
	lw->raw_seq++;
}

void
lg_raw_tick(struct lg_wrk *lw)
{
	struct gw_worker *w = lw->w;
	const struct gw_dp_port *tx = &w->dp->ports[lw->o->raw_tx_port];
	struct rte_mbuf *pkts[GW_BURST];
	uint16_t p, n, i, sent;
	uint64_t now = w->now;

	for (p = 0; p < w->dp->n_ports; p++) {
		uint16_t keep = 0;

		n = rte_eth_rx_burst(w->dp->ports[p].port_id, w->id, pkts,
				     GW_BURST);
		for (i = 0; i < n; i++) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
			const struct rte_ipv4_hdr *ip =
				(const struct rte_ipv4_hdr *)(eth + 1);

			if (unlikely(eth->ether_type ==
				     rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))) {
				/* answered by the l2 stage (sent below) */
				gw_l2_input_process(w, p, &pkts[i], 1);
				lw->raw_arp = true;
				continue;
			}
			if (eth->ether_type ==
				    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
			    pkts[i]->data_len >= RAW_HDR &&
			    (ip->next_proto_id == IPPROTO_UDP ||
			     ip->next_proto_id == IPPROTO_TCP)) {
				lw->st.raw_rx++;
				lw->st.raw_rx_bytes += pkts[i]->pkt_len;
			}
			pkts[keep++] = pkts[i];
		}
		if (keep > 0)
			rte_pktmbuf_free_bulk(pkts, keep);
	}
	if (unlikely(lg_phase == LG_WARMUP && w->now >= lw->raw_announce)) {
		for (p = 0; p < w->dp->n_ports; p++)
			gw_l2_arp_announce(w, p);
		lw->raw_announce = w->now + w->dp->tsc_hz / 5;
		lw->raw_arp = true;
	}
	if (unlikely(lw->raw_arp)) {
		lw->raw_arp = false;
		for (p = 0; p < w->dp->n_ports; p++)
			gw_worker_tx_flush(w, p);
	}
	if (lg_phase >= LG_STOP)
		return;
	n = GW_BURST;
	if (lw->interval > 0) {
		if (lw->sched == 0)
			lw->sched = now;
		for (n = 0; n < GW_BURST && lw->sched <= now; n++)
			lw->sched += lw->interval;
		if (n == 0)
			return;
	}
	if (rte_pktmbuf_alloc_bulk(w->dp->pool, pkts, n) != 0) {
		lw->st.raw_no_mbuf += n;
		return;
	}
	for (i = 0; i < n; i++)
		raw_fill(lw, pkts[i]);
	sent = rte_eth_tx_burst(tx->port_id, w->id, pkts, n);
	lw->st.raw_tx += sent;
	lw->st.raw_tx_bytes += (uint64_t)sent * lw->o->raw_size;
	if (sent < n) {
		/* the device is full: these were not sent (the sequence
		 * moves on; flows see a gap, as on a congested wire) */
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}
