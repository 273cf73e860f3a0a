/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ip4_input — RFC 1122 §3.2.1 checks on every received IPv4 header, then
 * local delivery by protocol. Worker thread.
 */
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gw_flow.h"
#include "gw_ip4.h"
#include "gw_nat.h"
#include "gw_tcp.h"
#include "gw_worker.h"

/* Source addresses a host must not accept (RFC 1122 §3.2.1.3). */
static inline bool
ip4_src_is_martian(uint32_t be_src, const struct gw_dp_port *p)
{
	uint32_t s = rte_be_to_cpu_32(be_src);

	return s == 0 || s == UINT32_MAX || (s >> 24) == 127 ||
	       (s >> 28) >= 0xe || be_src == p->addr ||
	       (p->prefix_len < 31 && ((be_src ^ p->addr) & p->mask) == 0 &&
		(be_src | p->mask) == UINT32_MAX); /* the subnet's broadcast */
}

/*
 * Check one header. @return GW_DROP_MAX when the packet is good (and then
 * trimmed to the IP total length), or the drop reason.
 */
static inline enum gw_drop_reason
ip4_check(struct rte_mbuf *m, const struct gw_dp_port *p)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t avail = rte_pktmbuf_data_len(m) - m->l2_len;
	uint32_t frame = rte_pktmbuf_pkt_len(m) - m->l2_len;
	uint16_t ihl, tot;
	uint64_t ck;

	if (unlikely(avail < sizeof(*ip)))
		return GW_DROP_IP4_RUNT;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	if (unlikely((ip->version_ihl >> 4) != 4))
		return GW_DROP_IP4_BAD_VERSION;
	ihl = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
			 RTE_IPV4_IHL_MULTIPLIER);
	if (unlikely(ihl < sizeof(*ip)))
		return GW_DROP_IP4_BAD_HDR_LEN;
	if (unlikely(ihl > avail))
		return GW_DROP_IP4_RUNT;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < ihl || tot > frame))
		return GW_DROP_IP4_BAD_TOTAL_LEN;
	ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD))
		return GW_DROP_IP4_BAD_CHECKSUM;
	/* GOOD, or NONE (header known intact, field not filled): trust it. */
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN &&
	    unlikely(rte_raw_cksum(ip, ihl) != 0xffff))
		return GW_DROP_IP4_BAD_CHECKSUM;
	if (unlikely(ip->time_to_live == 0))
		return GW_DROP_IP4_TTL_ZERO;
	if (unlikely(ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
				      RTE_IPV4_HDR_OFFSET_MASK)))
		return GW_DROP_IP4_FRAGMENT;
	if (unlikely(ip4_src_is_martian(ip->src_addr, p)))
		return GW_DROP_IP4_BAD_SRC;
	if (unlikely(ip->dst_addr != p->addr))
		return GW_DROP_IP4_NOT_FOR_US;
	if (frame > tot) /* Ethernet padding */
		rte_pktmbuf_trim(m, (uint16_t)(frame - tot));
	m->l3_len = ihl;
	return GW_DROP_MAX;
}

/*
 * A TCP or UDP packet the full NAT wants: collected into nat[] when this
 * worker owns its flow (looked up with the burst's others), else handed
 * to its owner. @return false: not the full NAT's (delivered as usual).
 */
static inline bool
nat_take(struct gw_worker *w, struct rte_mbuf *m, struct rte_mbuf **nat,
	 uint16_t *k)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th;
	uint16_t owner;

	if ((ip->next_proto_id != IPPROTO_TCP &&
	     ip->next_proto_id != IPPROTO_UDP) ||
	    rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + 4u)
		return false;
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
				     m->l2_len + m->l3_len);
	if (!gw_nat_wants(w, ip->next_proto_id, th->dst_port))
		return false;
	owner = gw_flow_owner(w->dp, ip->src_addr, ip->dst_addr, th->src_port,
			      th->dst_port);
	if (owner != w->id)
		gw_flow_redirect(w, owner, m);
	else
		nat[(*k)++] = m;
	return true;
}

void
gw_ip4_l4_deliver(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th;
	uint16_t owner;

	int nat_owner;

	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		/* an error about a full-NAT flow goes to the flow's worker */
		if (unlikely(w->nat != NULL) &&
		    (nat_owner = gw_nat_icmp_owner(w, m)) >= 0 &&
		    nat_owner != w->id) {
			gw_flow_redirect(w, (uint16_t)nat_owner, m);
			return;
		}
		gw_icmp4_input(w, port, m);
		return;
	case IPPROTO_UDP:
		if (w->nat == NULL)
			break;	/* only the full NAT takes UDP */
		/* steered and looked at as TCP is */
		__attribute__((fallthrough));
	case IPPROTO_TCP:
		/* the ports are the first 4 bytes of either header */
		if (unlikely(rte_pktmbuf_data_len(m) <
			     m->l2_len + m->l3_len + 4u)) {
			if (ip->next_proto_id == IPPROTO_UDP)
				break;
			gw_tcp_input(w, port, m); /* the TCP stage's drop */
			return;
		}
		th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
					     m->l2_len + m->l3_len);
		owner = gw_flow_owner(w->dp, ip->src_addr, ip->dst_addr,
				      th->src_port, th->dst_port);
		if (owner != w->id) {
			gw_flow_redirect(w, owner, m);
			return;
		}
		if (w->nat != NULL &&
		    gw_nat_wants(w, ip->next_proto_id, th->dst_port) &&
		    gw_nat_input(w, port, m))
			return;
		if (ip->next_proto_id == IPPROTO_UDP)
			break;
		gw_tcp_input(w, port, m);
		return;
	default:
		break;
	}
	gw_worker_drop(w, port, m, GW_DROP_IP4_UNKNOWN_PROTO);
}

uint16_t
gw_ip4_input_process(struct gw_worker *w, uint16_t port, struct rte_mbuf **pkts,
		     uint16_t n)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct rte_mbuf *nat[GW_BURST];
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum gw_drop_reason why = ip4_check(m, p);

		if (unlikely(why != GW_DROP_MAX)) {
			gw_worker_drop(w, port, m, why);
			continue;
		}
		if (w->nat == NULL || !nat_take(w, m, nat, &k))
			gw_ip4_l4_deliver(w, port, m);
	}
	if (k > 0) {
		/* what is no flow's goes to the TCP stack, in order */
		k = gw_nat_input_burst(w, port, nat, k, nat);
		for (i = 0; i < k; i++)
			gw_tcp_input(w, port, nat[i]);
	}
	return n;
}
