/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/nat_lb: the packet path. A packet from a client finds its
 * flow (or, a TCP SYN or any UDP datagram, makes one: route, destination,
 * Maglev), has its addresses and ports rewritten toward the endpoint and
 * goes out by the endpoint's port; a packet from an endpoint finds its
 * flow by its reply tuple and is rewritten back. TCP flags move the
 * flow's state (and so its timeout). ICMP errors an endpoint's side sends
 * about a flow's packet reach the client as errors about the client's own
 * packet. See gw_nat.h.
 */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gw_flow.h"
#include "gw_l2.h"
#include "nat_priv.h"
#include "nat_rewrite.h"

/* ---- choosing the endpoint of a new flow --------------------------------- */

/* The 5-tuple's hash: the same flow gets the same choices everywhere. */
static inline uint64_t
flow_hash(const struct nat_key *k)
{
	return gw_lb_hash(k, offsetof(struct nat_key, pad));
}

/* The worker's view of which endpoints of nc may take new flows. */
static const uint64_t *
cluster_avail(struct nat_cluster *nc, uint16_t wid)
{
	uint32_t gen;
	bool panic;

	if (nc->hc == NULL)
		return NULL;
	gen = gw_health_gen(nc->hc);
	if (gen != nc->wk[wid].gen) {
		(void)gw_health_avail(nc->hc, nc->wk[wid].buf,
				      &nc->wk[wid].avail, &panic);
		nc->wk[wid].gen = gen;
	}
	return nc->wk[wid].avail;
}

/* Route the client key fk (a SYN's, or a datagram's) and make its flow. */
static struct nat_flow *
flow_create(struct gw_nat_wrk *nw, const struct nat_key *fk, uint8_t c_if,
	    enum gw_drop_reason *why)
{
	const struct gw_nat_gen *g = nw->gen;
	const struct gw_mesh_listener *ml = NULL;
	const struct gw_mesh_tcp_route *r;
	const struct gw_mesh_endpoint *ep;
	struct gw_lb_pick_ctx ctx = { 0 };
	struct nat_cluster *nc;
	uint16_t vport = rte_be_to_cpu_16(fk->lport);
	uint64_t h, x;
	uint32_t i;
	int idx, e_if;

	for (i = 0; g != NULL && i < g->n_listeners; i++)
		if (g->lis[i].port == vport)
			ml = g->lis[i].ml;
	*why = GW_DROP_NAT_NO_ROUTE;
	if (ml == NULL)
		return NULL;
	r = gw_mesh_tcp_route_find(ml->tcp_routes, ml->n_tcp_routes,
				   rte_be_to_cpu_32(fk->raddr),
				   rte_be_to_cpu_32(fk->laddr));
	if (r == NULL)
		return NULL;
	h = flow_hash(fk);
	/* the destination by weight from the high bits, the endpoint by
	 * Maglev from the whole hash */
	x = (h >> 32) % r->weight_sum;
	for (i = 0; i + 1 < r->n_dests && x >= r->dests[i].weight; i++)
		x -= r->dests[i].weight;
	if (r->dests[i].cluster == GW_MESH_NO_CLUSTER)
		return NULL;
	nc = &g->clusters[r->dests[i].cluster];
	*why = GW_DROP_NAT_NO_ENDPOINT;
	if (nc->maglev == NULL)
		return NULL;
	ctx.avail = cluster_avail(nc, nw->w->id);
	ctx.hash = h;
	ctx.has_hash = true;
	idx = gw_lb_pick(nc->maglev, nc->wk[nw->w->id].lb_state, &ctx);
	if (idx < 0)
		return NULL;
	ep = &nc->mc->endpoints[idx];
	e_if = gw_dp_port_toward(nw->w->dp, ep->addr);
	if (e_if < 0) {
		*why = GW_DROP_IP4_NO_ROUTE;
		return NULL;
	}
	return nat_flow_new(nw, fk, c_if, rte_cpu_to_be_32(ep->addr),
			    rte_cpu_to_be_16(ep->port), (uint8_t)e_if, why);
}

/* ---- sending ------------------------------------------------------------ */

/* Out of port to dst (network order): on-link, or by the port's gateway. */
static inline void
nat_xmit(struct gw_worker *w, uint16_t port, struct rte_mbuf *m, uint32_t dst)
{
	const struct gw_dp_port *p = &w->dp->ports[port];
	uint32_t nexthop = dst;

	if (((dst ^ p->addr) & p->mask) != 0) {
		if (unlikely(p->gateway == 0)) {
			gw_worker_drop(w, port, m, GW_DROP_IP4_NO_ROUTE);
			return;
		}
		nexthop = p->gateway;
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
	gw_l2_output(w, port, m, nexthop);
}

/* ---- TCP state ------------------------------------------------------------ */

static inline void
tcp_track(struct gw_nat_wrk *nw, struct nat_flow *f, uint8_t flags,
	  unsigned dir)
{
	if (unlikely(flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG))) {
		f->state = NAT_TCP_CLOSING;
		return;
	}
	switch (f->state) {
	case NAT_TCP_SYN:
		if (dir == 1 && (flags & RTE_TCP_SYN_FLAG) &&
		    (flags & RTE_TCP_ACK_FLAG))
			f->state = NAT_TCP_SYN_ACK;
		break;
	case NAT_TCP_SYN_ACK:
		if (dir == 0 && !(flags & RTE_TCP_SYN_FLAG) &&
		    (flags & RTE_TCP_ACK_FLAG)) {
			f->state = NAT_TCP_EST;
			nw->stats.tcp_established++;
		}
		break;
	default:
		break;
	}
}

/* ---- the packet path ----------------------------------------------------- */

/* A packet's view: its headers and its key. */
struct nat_pkt {
	struct rte_ipv4_hdr *ip;
	uint16_t *ports;	/* the TCP or UDP header */
	uint32_t l4len;		/* bytes of it in the first segment */
	uint8_t flags;		/* TCP flags, 0 for UDP */
};

/* Parse m into p and k. @return false: too short (dropped here). */
static inline bool
nat_parse(struct gw_worker *w, uint16_t port, struct rte_mbuf *m,
	  struct nat_pkt *p, struct nat_key *k)
{
	uint32_t l4off = (uint32_t)m->l2_len + m->l3_len;

	p->ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	p->l4len = rte_pktmbuf_data_len(m) - l4off;
	p->ports = rte_pktmbuf_mtod_offset(m, uint16_t *, l4off);
	p->flags = 0;
	if (unlikely(p->l4len < (p->ip->next_proto_id == IPPROTO_TCP ?
				 sizeof(struct rte_tcp_hdr) :
				 sizeof(struct rte_udp_hdr)))) {
		gw_worker_drop(w, port, m, GW_DROP_NAT_MALFORMED);
		return false;
	}
	if (p->ip->next_proto_id == IPPROTO_TCP)
		p->flags = ((const struct rte_tcp_hdr *)p->ports)->tcp_flags;
	k->raddr = p->ip->src_addr;
	k->laddr = p->ip->dst_addr;
	k->rport = p->ports[0];
	k->lport = p->ports[1];
	k->proto = p->ip->next_proto_id;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
	return true;
}

/* Flow f (direction dir) takes the packet: state, deadline, rewrite,
 * counts, out. */
static inline void
nat_apply(struct gw_nat_wrk *nw, struct gw_worker *w, uint16_t port,
	  struct rte_mbuf *m, const struct nat_pkt *p, struct nat_flow *f,
	  unsigned dir)
{
	uint16_t iplen = rte_be_to_cpu_16(p->ip->total_length);
	struct gw_nat_ep_stats *es;

	if (unlikely(p->ip->time_to_live <= 1)) {
		gw_worker_drop(w, port, m, GW_DROP_NAT_TTL);
		return;
	}
	if (f->proto == IPPROTO_TCP) {
		tcp_track(nw, f, p->flags, dir);
		if (unlikely(p->flags & RTE_TCP_SYN_FLAG) &&
		    gw_nat_mss_clamp((struct rte_tcp_hdr *)p->ports, p->l4len,
				     nw->mss[dir == 0 ? f->e_if : f->c_if]))
			nw->stats.mss_clamped++;
	}
	f->deadline = w->now + nw->tmo[f->state];
	es = &nw->eps[f->ep];
	if (dir == 0) {
		gw_nat_rewrite(p->ip, p->ports, f->l_addr, f->e_addr, f->l_port,
			       f->e_port);
		es->to_packets++;
		es->to_bytes += iplen;
		nw->stats.to_endpoint_packets++;
		nw->stats.to_endpoint_bytes += iplen;
		nat_xmit(w, f->e_if, m, f->e_addr);
	} else {
		gw_nat_rewrite(p->ip, p->ports, f->v_addr, f->c_addr, f->v_port,
			       f->c_port);
		es->from_packets++;
		es->from_bytes += iplen;
		nw->stats.from_endpoint_packets++;
		nw->stats.from_endpoint_bytes += iplen;
		nat_xmit(w, f->c_if, m, f->c_addr);
	}
}

/* No flow has key k: make one (a TCP SYN, a UDP datagram to a listener)
 * and send the packet, or drop it. @return false: a TCP segment to an
 * ephemeral port, for the TCP stack. */
static bool
nat_miss(struct gw_nat_wrk *nw, struct gw_worker *w, uint16_t port,
	 struct rte_mbuf *m, const struct nat_pkt *p, const struct nat_key *k)
{
	uint16_t lp = rte_be_to_cpu_16(k->lport);
	enum gw_drop_reason why;
	struct nat_flow *f;

	if (lp >= GW_FLOW_EPH_LO && lp <= GW_FLOW_EPH_HI) {
		if (k->proto == IPPROTO_TCP)
			return false;	/* the TCP stack's, maybe */
		gw_worker_drop(w, port, m, GW_DROP_NAT_NO_FLOW);
		return true;
	}
	/* only a SYN opens a TCP flow: anything else is for a flow that
	 * expired (or never was) */
	if (k->proto == IPPROTO_TCP &&
	    (p->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			 RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG) {
		gw_worker_drop(w, port, m, GW_DROP_NAT_NO_FLOW);
		return true;
	}
	f = flow_create(nw, k, (uint8_t)port, &why);
	if (f == NULL) {
		gw_worker_drop(w, port, m, why);
		return true;
	}
	nat_apply(nw, w, port, m, p, f, 0);
	return true;
}

bool
gw_nat_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct gw_nat_wrk *nw = w->nat;
	struct nat_pkt p;
	struct nat_key k;
	struct nat_flow *f;
	unsigned dir = 0;

	if (!nat_parse(w, port, m, &p, &k))
		return true;
	f = nat_lookup(nw, &k, &dir);
	if (f == NULL)
		return nat_miss(nw, w, port, m, &p, &k);
	nat_apply(nw, w, port, m, &p, f, dir);
	return true;
}

/* Does flow f still hold key k in direction dir? (A flow freed or reused
 * by an earlier packet of the same burst does not.) */
static inline bool
flow_has(const struct nat_flow *f, const struct nat_key *k, unsigned dir)
{
	if (f->state == NAT_FREE || f->proto != k->proto)
		return false;
	if (dir == 0)
		return f->c_addr == k->raddr && f->v_addr == k->laddr &&
		       f->c_port == k->rport && f->v_port == k->lport;
	return f->e_addr == k->raddr && f->l_addr == k->laddr &&
	       f->e_port == k->rport && f->l_port == k->lport;
}

uint16_t
gw_nat_input_burst(struct gw_worker *w, uint16_t port, struct rte_mbuf **pkts,
		   uint16_t n, struct rte_mbuf **rest)
{
	struct gw_nat_wrk *nw = w->nat;
	struct nat_key keys[GW_BURST];
	const void *kp[GW_BURST];
	struct nat_pkt p[GW_BURST];
	struct rte_mbuf *m[GW_BURST];
	void *data[GW_BURST];
	uint64_t hits = 0;
	uint16_t i, k = 0, n_rest = 0;

	for (i = 0; i < n; i++) {
		if (!nat_parse(w, port, pkts[i], &p[k], &keys[k]))
			continue;
		kp[k] = &keys[k];
		m[k++] = pkts[i];
	}
	if (k == 0)
		return 0;
	/* the buckets of all keys are prefetched together */
	(void)rte_hash_lookup_bulk_data(nw->h, kp, k, &hits, data);
	for (i = 0; i < k; i++)
		if (hits & (UINT64_C(1) << i))
			rte_prefetch0(&nw->flows[(uintptr_t)data[i] >> 1]);
	for (i = 0; i < k; i++) {
		struct nat_flow *f;
		unsigned dir;

		if (hits & (UINT64_C(1) << i)) {
			f = &nw->flows[(uintptr_t)data[i] >> 1];
			dir = (unsigned)((uintptr_t)data[i] & 1);
			if (likely(flow_has(f, &keys[i], dir) &&
				   w->now <= f->deadline)) {
				nat_apply(nw, w, port, m[i], &p[i], f, dir);
				continue;
			}
			/* expired, or changed under this burst: the slow
			 * path looks again (and frees what expired) */
			f = nat_lookup(nw, &keys[i], &dir);
			if (f != NULL) {
				nat_apply(nw, w, port, m[i], &p[i], f, dir);
				continue;
			}
		}
		if (!nat_miss(nw, w, port, m[i], &p[i], &keys[i]))
			rest[n_rest++] = m[i];
	}
	return n_rest;
}

/* ---- ICMP errors ---------------------------------------------------------- */

/* The quoted packet of an ICMP error (type 3 or 11) in m: the inner IPv4
 * header and its first 8 bytes (the ports) must be there. NULL: not. */
static struct rte_ipv4_hdr *
icmp_inner(const struct rte_mbuf *m, uint32_t *inner_off)
{
	uint32_t off = (uint32_t)m->l2_len + m->l3_len;
	const struct rte_icmp_hdr *ic;
	struct rte_ipv4_hdr *in;
	uint32_t ihl;

	if (rte_pktmbuf_data_len(m) < off + 8 + sizeof(*in) + 8)
		return NULL;
	ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, off);
	if (ic->icmp_type != 3 /* destination unreachable */ &&
	    ic->icmp_type != 11 /* time exceeded */)
		return NULL;
	in = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off + 8);
	ihl = (uint32_t)(in->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
	if ((in->version_ihl >> 4) != 4 || ihl < sizeof(*in) ||
	    rte_pktmbuf_data_len(m) < off + 8 + ihl + 8 ||
	    (in->next_proto_id != IPPROTO_TCP &&
	     in->next_proto_id != IPPROTO_UDP))
		return NULL;
	*inner_off = off + 8 + ihl;
	return in;
}

int
gw_nat_icmp_owner(const struct gw_worker *w, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *in;
	const uint16_t *ports;
	uint32_t ioff;

	if (w->nat == NULL || (in = icmp_inner(m, &ioff)) == NULL)
		return -1;
	ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, ioff);
	/* the quoted packet is one we sent: its source port is ours */
	return gw_flow_owner(w->dp, in->dst_addr, in->src_addr, ports[1],
			     ports[0]);
}

bool
gw_nat_icmp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct gw_nat_wrk *nw = w->nat;
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	uint32_t off = (uint32_t)m->l2_len + m->l3_len, ioff, isum = 0, l4sum;
	struct rte_icmp_hdr *ic;
	struct rte_ipv4_hdr *in;
	struct nat_flow *f;
	uint16_t *ports, iplen, iclen;
	struct nat_key k;
	unsigned dir;

	(void)port;	/* it leaves toward the client, whatever brought it */
	if (nw == NULL || (in = icmp_inner(m, &ioff)) == NULL)
		return false;
	ports = rte_pktmbuf_mtod_offset(m, uint16_t *, ioff);
	/* the quoted packet went from us to the endpoint: its reply key */
	k = (struct nat_key){ in->dst_addr, in->src_addr, ports[1], ports[0],
			      in->next_proto_id, { 0 } };
	f = nat_lookup(nw, &k, &dir);
	if (f == NULL || dir != 1)
		return false;
	/* the quoted packet becomes the client's: client -> address:port
	 * it reached; its checksums follow (the UDP one when quoted) */
	isum = gw_nat_sum32(isum, in->src_addr, f->c_addr);
	isum = gw_nat_sum32(isum, in->dst_addr, f->v_addr);
	l4sum = gw_nat_sum16(isum, ports[0], f->c_port);
	l4sum = gw_nat_sum16(l4sum, ports[1], f->v_port);
	in->hdr_checksum = gw_nat_csum_apply(in->hdr_checksum, isum);
	in->src_addr = f->c_addr;
	in->dst_addr = f->v_addr;
	ports[0] = f->c_port;
	ports[1] = f->v_port;
	if (in->next_proto_id == IPPROTO_UDP && ports[3] != 0)
		ports[3] = gw_nat_csum_apply(ports[3], l4sum);
	/* fragmentation needed: the next hop's MTU stays, capped by what
	 * the client's port carries */
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	if (ic->icmp_type == 3 /* destination unreachable */ && ic->icmp_code == 4) {
		uint16_t mtu = rte_be_to_cpu_16(ic->icmp_seq_nb);
		uint16_t cap = w->dp->ports[f->c_if].mtu;

		if (mtu == 0 || mtu > cap)
			ic->icmp_seq_nb = rte_cpu_to_be_16(cap);
	}
	/* the ICMP message is short: summed whole */
	iplen = rte_be_to_cpu_16(ip->total_length);
	ic->icmp_cksum = 0;
	iclen = (uint16_t)(RTE_MIN((uint32_t)iplen - m->l3_len,
				 rte_pktmbuf_data_len(m) - off));
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, iclen);
	/* the outer header: from the address the client reached */
	isum = gw_nat_sum32(0, ip->src_addr, f->v_addr);
	isum = gw_nat_sum32(isum, ip->dst_addr, f->c_addr);
	ip->hdr_checksum = gw_nat_csum_apply(ip->hdr_checksum, isum);
	ip->src_addr = f->v_addr;
	ip->dst_addr = f->c_addr;
	nw->stats.icmp_translated++;
	nat_xmit(w, f->c_if, m, f->c_addr);
	return true;
}
