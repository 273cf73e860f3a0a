/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/nat_lb: the per-worker flow table (lookup with lazy expiry,
 * new flows with a source port of the worker's slice, the bounded sweep)
 * and the per-snapshot gen (routes, Maglev tables). The packet path is
 * nat_pkt.c. See gw_nat.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "gw_flow.h"
#include "gw_tcp.h"
#include "nat_priv.h"

RTE_LOG_REGISTER_SUFFIX(gw_nat_logtype, nat, INFO);
#define GW_NAT_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_nat_logtype, "nat: " __VA_ARGS__)

/* ---- the table (worker) ---------------------------------------------------- */

static void
flow_free(struct gw_nat_wrk *nw, struct nat_flow *f)
{
	struct nat_key k = { f->c_addr, f->v_addr, f->c_port, f->v_port,
			     f->proto, { 0 } };

	(void)rte_hash_del_key(nw->h, &k);
	k = (struct nat_key){ f->e_addr, f->l_addr, f->e_port, f->l_port,
			      f->proto, { 0 } };
	(void)rte_hash_del_key(nw->h, &k);
	f->state = NAT_FREE;
	f->deadline = 0;
	f->next_free = nw->free_head;
	nw->free_head = (uint32_t)(f - nw->flows);
	nw->stats.flows_active--;
}

struct nat_flow *
nat_lookup(struct gw_nat_wrk *nw, const struct nat_key *k, unsigned *dir)
{
	void *data;
	uintptr_t v;
	struct nat_flow *f;

	if (rte_hash_lookup_data(nw->h, k, &data) < 0)
		return NULL;
	v = (uintptr_t)data;
	f = &nw->flows[v >> 1];
	if (unlikely(nw->w->now > f->deadline)) {
		/* past its timeout: gone, the packet starts anew */
		nw->stats.flows_expired++;
		flow_free(nw, f);
		return NULL;
	}
	*dir = (unsigned)(v & 1);
	return f;
}

void
gw_nat_sweep(struct gw_worker *w)
{
	struct gw_nat_wrk *nw = w->nat;
	unsigned i;

	for (i = 0; i < NAT_SWEEP_PER_LOOP && nw->hiwat > 0; i++) {
		struct nat_flow *f = &nw->flows[nw->sweep];

		if (++nw->sweep >= nw->hiwat)
			nw->sweep = 0;
		if (f->state != NAT_FREE && w->now > f->deadline) {
			nw->stats.flows_expired++;
			flow_free(nw, f);
		}
	}
}

static inline bool
key_busy(struct gw_nat_wrk *nw, const struct nat_key *k)
{
	return rte_hash_lookup(nw->h, k) >= 0;
}

bool
gw_nat_tuple_busy(const struct gw_worker *w, uint32_t raddr, uint32_t laddr,
		  uint16_t rport, uint16_t lport)
{
	struct nat_key k = { raddr, laddr, rport, lport, IPPROTO_TCP, { 0 } };

	/* an expired flow counts as busy until freed: harmless */
	return w->nat != NULL && key_busy(w->nat, &k);
}

uint16_t
nat_ep_slot(struct gw_nat_wrk *nw, uint32_t addr, uint16_t port)
{
	uint32_t h = rte_hash_crc_4byte(addr, port), i, k;

	/* open addressing; the last slot takes whoever finds no room */
	for (k = 0; k < GW_NAT_EP_SLOTS - 1; k++) {
		struct gw_nat_ep_stats *e;

		i = (h + k) % (GW_NAT_EP_SLOTS - 1);
		e = &nw->eps[i];
		if (e->used && e->addr == addr && e->port == port)
			return (uint16_t)i;
		if (!e->used) {
			e->addr = addr;
			e->port = port;
			__atomic_store_n(&e->used, 1, __ATOMIC_RELEASE);
			return (uint16_t)i;
		}
	}
	return GW_NAT_EP_SLOTS - 1;
}

struct nat_flow *
nat_flow_new(struct gw_nat_wrk *nw, const struct nat_key *fk, uint8_t c_if,
	     uint32_t e_addr, uint16_t e_port, uint8_t e_if,
	     enum gw_drop_reason *why)
{
	struct gw_worker *w = nw->w;
	uint32_t l_addr = w->dp->ports[e_if].addr, idx, i;
	struct nat_key rk = { e_addr, l_addr, e_port, 0, fk->proto, { 0 } };
	struct nat_flow *f;
	uint16_t lp = 0;

	if (nw->free_head == NAT_NONE) {
		*why = GW_DROP_NAT_TABLE_FULL;
		return NULL;
	}
	/* a source port whose reply tuple neither a flow nor the TCP
	 * stack uses */
	for (i = 0; i < NAT_PORT_TRIES; i++) {
		lp = nw->eph_next;
		nw->eph_next = lp == nw->eph_hi ? nw->eph_lo :
						  (uint16_t)(lp + 1);
		rk.lport = rte_cpu_to_be_16(lp);
		if (key_busy(nw, &rk))
			continue;
		if (fk->proto == IPPROTO_TCP &&
		    gw_tcp_tuple_busy(w, e_addr, l_addr, e_port, rk.lport))
			continue;
		break;
	}
	if (i == NAT_PORT_TRIES) {
		*why = GW_DROP_NAT_NO_PORT;
		return NULL;
	}
	idx = nw->free_head;
	f = &nw->flows[idx];
	if (rte_hash_add_key_data(nw->h, fk, (void *)(uintptr_t)(idx * 2)) < 0) {
		*why = GW_DROP_NAT_TABLE_FULL;
		return NULL;
	}
	if (rte_hash_add_key_data(nw->h, &rk,
				  (void *)(uintptr_t)(idx * 2 + 1)) < 0) {
		(void)rte_hash_del_key(nw->h, fk);
		*why = GW_DROP_NAT_TABLE_FULL;
		return NULL;
	}
	nw->free_head = f->next_free;
	if (idx >= nw->hiwat)
		nw->hiwat = idx + 1;
	f->c_addr = fk->raddr;
	f->v_addr = fk->laddr;
	f->c_port = fk->rport;
	f->v_port = fk->lport;
	f->e_addr = e_addr;
	f->e_port = e_port;
	f->l_addr = l_addr;
	f->l_port = rk.lport;
	f->proto = fk->proto;
	f->c_if = c_if;
	f->e_if = e_if;
	f->state = fk->proto == IPPROTO_TCP ? NAT_TCP_SYN : NAT_UDP;
	f->deadline = w->now + nw->tmo[f->state];
	f->ep = nat_ep_slot(nw, rte_be_to_cpu_32(e_addr),
			    rte_be_to_cpu_16(e_port));
	nw->eps[f->ep].flows++;
	nw->stats.flows_created++;
	nw->stats.flows_active++;
	return f;
}

int
gw_nat_wrk_init(struct gw_worker *w)
{
	const struct gw_config_dataplane *cfg = w->dp->cfg;
	const struct gw_config_l4 *l4;
	struct rte_hash_parameters hp = { 0 };
	struct gw_nat_wrk *nw;
	char name[RTE_HASH_NAMESIZE];
	uint64_t ms;
	unsigned i;

	w->nat = NULL;
	if (cfg == NULL || cfg->l4.n_listeners == 0)
		return 0;
	l4 = &cfg->l4;
	nw = rte_zmalloc_socket("gw_nat_wrk", sizeof(*nw), RTE_CACHE_LINE_SIZE,
				rte_lcore_to_socket_id(w->lcore_id));
	if (nw == NULL)
		return -ENOMEM;
	nw->w = w;
	nw->n_flows = l4->flows_per_worker;
	nw->flows = rte_zmalloc_socket("gw_nat_flows",
				       (size_t)nw->n_flows * sizeof(*nw->flows),
				       RTE_CACHE_LINE_SIZE,
				       rte_lcore_to_socket_id(w->lcore_id));
	snprintf(name, sizeof(name), "gw_nat_%u", w->id);
	hp.name = name;
	/* two keys per flow, with room for the cuckoo table to place them */
	hp.entries = nw->n_flows * 2 + nw->n_flows / 2;
	hp.key_len = sizeof(struct nat_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = (int)rte_lcore_to_socket_id(w->lcore_id);
	nw->h = nw->flows != NULL ? rte_hash_create(&hp) : NULL;
	if (nw->h == NULL) {
		rte_free(nw->flows);
		rte_free(nw);
		return -ENOMEM;
	}
	for (i = 0; i < nw->n_flows; i++)
		nw->flows[i].next_free = i + 1 < nw->n_flows ? i + 1 : NAT_NONE;
	nw->free_head = 0;
	gw_flow_eph_range(w->dp, w->id, &nw->eph_lo, &nw->eph_hi);
	nw->seed = rte_rdtsc() ^ ((uint64_t)w->id << 48);
	nw->eph_next = (uint16_t)(nw->eph_lo +
				  nw->seed % ((uint32_t)(nw->eph_hi -
							 nw->eph_lo) + 1));
	ms = w->dp->tsc_hz / 1000;
	nw->tmo[NAT_TCP_SYN] = l4->tcp_syn_timeout_s * 1000 * ms;
	nw->tmo[NAT_TCP_SYN_ACK] = l4->tcp_syn_timeout_s * 1000 * ms;
	nw->tmo[NAT_TCP_EST] = l4->tcp_established_timeout_s * 1000 * ms;
	nw->tmo[NAT_TCP_CLOSING] = l4->tcp_closing_timeout_s * 1000 * ms;
	nw->tmo[NAT_UDP] = l4->udp_timeout_s * 1000 * ms;
	for (i = 0; i < w->dp->n_ports; i++)
		nw->mss[i] = l4->mss_clamp != 0 ? (uint16_t)l4->mss_clamp :
			     (uint16_t)(w->dp->ports[i].mtu - 40);
	for (i = 0; i < l4->n_listeners; i++) {
		uint16_t p = l4->listeners[i].port;

		if (l4->listeners[i].tcp)
			nw->ports_tcp[p >> 6] |= UINT64_C(1) << (p & 63);
		if (l4->listeners[i].udp)
			nw->ports_udp[p >> 6] |= UINT64_C(1) << (p & 63);
	}
	w->nat = nw;
	return 0;
}

void
gw_nat_wrk_fini(struct gw_worker *w)
{
	struct gw_nat_wrk *nw = w->nat;

	if (nw == NULL)
		return;
	rte_hash_free(nw->h);
	rte_free(nw->flows);
	rte_free(nw);
	w->nat = NULL;
}

bool
gw_nat_wants(const struct gw_worker *w, uint8_t proto, uint16_t lport)
{
	const struct gw_nat_wrk *nw = w->nat;
	uint16_t p = rte_be_to_cpu_16(lport);

	if (p >= GW_FLOW_EPH_LO && p <= GW_FLOW_EPH_HI)
		return true;	/* a reply, maybe: the table says */
	return nat_port_set(proto == IPPROTO_TCP ? nw->ports_tcp :
						  nw->ports_udp, p);
}

void
gw_nat_switch(struct gw_worker *w, const struct gw_nat_gen *g)
{
	if (w->nat != NULL)
		w->nat->gen = g;
}

const struct gw_nat_stats *
gw_nat_stats_get(const struct gw_worker *w)
{
	return w->nat != NULL ? &w->nat->stats : NULL;
}

const struct gw_nat_ep_stats *
gw_nat_ep_stats_get(const struct gw_worker *w)
{
	return w->nat != NULL ? w->nat->eps : NULL;
}

/* ---- the gen (ctrl) --------------------------------------------------------- */

void
gw_nat_gen_free(struct gw_nat_gen *g)
{
	uint32_t i, k;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_clusters; i++) {
		gw_lb_free(g->clusters[i].maglev);
		for (k = 0; k < GW_MAX_WORKERS; k++) {
			free(g->clusters[i].wk[k].buf);
			free(g->clusters[i].wk[k].lb_state);
		}
	}
	free(g->clusters);
	free(g);
}

/* A Maglev table over the cluster's endpoints (their weights), for the
 * workers of dp. */
static int
cluster_build(const struct gw_dp *dp, struct nat_cluster *nc,
	      const struct gw_mesh_cluster *mc, struct gw_health *h,
	      uint32_t ci, char *err, size_t errlen)
{
	struct gw_lb_conf conf = { .algo = GW_LB_MAGLEV };
	struct gw_lb_endpoint *eps;
	uint32_t i;
	int rc;

	nc->mc = mc;
	nc->hc = h != NULL ? gw_health_cluster_get(h, ci) : NULL;
	if (nc->hc != NULL && nc->hc->mc != mc)
		nc->hc = NULL;
	if (mc->n_endpoints == 0)
		return 0;
	eps = calloc(mc->n_endpoints, sizeof(*eps));
	if (eps == NULL)
		return -ENOMEM;
	for (i = 0; i < mc->n_endpoints; i++) {
		eps[i].id = mc->endpoints[i].lb_id;
		eps[i].weight = mc->endpoints[i].weight;
	}
	rc = gw_lb_create(&conf, eps, mc->n_endpoints, &nc->maglev);
	free(eps);
	if (rc < 0) {
		snprintf(err, errlen, "cluster %s: no Maglev table: %s",
			 mc->name, strerror(-rc));
		return rc;
	}
	for (i = 0; i < dp->n_workers; i++) {
		/* Maglev's picks with a hash use no state, but the balancer
		 * wants one of its own per worker */
		nc->wk[i].lb_state = calloc(1, gw_lb_state_size(nc->maglev) +
					       sizeof(uint64_t));
		if (nc->wk[i].lb_state == NULL)
			return -ENOMEM;
		gw_lb_state_init(nc->maglev, nc->wk[i].lb_state, i + 1);
		if (nc->hc == NULL)
			continue;
		nc->wk[i].buf = calloc(nc->hc->words + 1, sizeof(uint64_t));
		if (nc->wk[i].buf == NULL)
			return -ENOMEM;
		/* computed at the first pick */
		nc->wk[i].gen = gw_health_gen(nc->hc) - 1;
	}
	return 0;
}

int
gw_nat_gen_create(const struct gw_dp *dp, const struct gw_mesh *mesh,
		  struct gw_health *h, struct gw_nat_gen **out, char *err,
		  size_t errlen)
{
	const struct gw_config_l4 *l4 = dp->cfg != NULL ? &dp->cfg->l4 : NULL;
	struct gw_nat_gen *g;
	uint32_t i, r, d;
	int rc = 0;

	*out = NULL;
	if (l4 == NULL || l4->n_listeners == 0)
		return 0;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->n_clusters = (uint32_t)gw_mesh_cluster_count(mesh);
	g->clusters = calloc(g->n_clusters + 1, sizeof(*g->clusters));
	if (g->clusters == NULL) {
		free(g);
		return -ENOMEM;
	}
	g->n_listeners = l4->n_listeners;
	for (i = 0; i < l4->n_listeners && rc == 0; i++) {
		const struct gw_mesh_listener *ml =
			gw_mesh_listener_lookup(mesh, l4->listeners[i].port);

		g->lis[i].port = l4->listeners[i].port;
		/* only a TCP port has tcp routes; the others get none here
		 * (their packets are dropped as nat_no_route), and are told */
		if (ml == NULL || ml->protocol != GW_MESH_PROTO_TCP ||
		    ml->n_tls > 0) {
			GW_NAT_LOG(WARNING, "full-NAT port %u: %s; its flows "
				   "are dropped (nat_no_route)\n", g->lis[i].port,
				   ml == NULL ? "no Gateway server declares it" :
				   ml->n_tls > 0 ? "its Gateway server terminates "
				   "TLS, which the full NAT does not" :
				   "its Gateway server is not protocol TCP");
			continue;
		}
		g->lis[i].ml = ml;
		for (r = 0; r < ml->n_tcp_routes && rc == 0; r++) {
			const struct gw_mesh_tcp_route *rt =
				&ml->tcp_routes[r];

			for (d = 0; d < rt->n_dests && rc == 0; d++) {
				uint32_t ci = rt->dests[d].cluster;

				if (ci == GW_MESH_NO_CLUSTER ||
				    g->clusters[ci].mc != NULL)
					continue;
				rc = cluster_build(dp, &g->clusters[ci],
						   gw_mesh_cluster_at(mesh, ci),
						   h, ci, err, errlen);
			}
		}
	}
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory for full NAT");
		gw_nat_gen_free(g);
		return rc;
	}
	*out = g;
	return 0;
}
