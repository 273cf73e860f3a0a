/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/nat_lb internals: the flow, the per-worker table, the
 * per-snapshot gen. See gw_nat.h.
 */
#ifndef GW_NAT_PRIV_H
#define GW_NAT_PRIV_H

#include <stdint.h>

#include <rte_hash.h>

#include "gw_config.h"
#include "gw_lb.h"
#include "gw_nat.h"

/* A flow's state: which timeout its next packet buys. */
enum nat_state {
	NAT_FREE = 0,
	NAT_TCP_SYN,		/* the client's SYN went out */
	NAT_TCP_SYN_ACK,	/* the endpoint answered it */
	NAT_TCP_EST,		/* the client acknowledged: established */
	NAT_TCP_CLOSING,	/* a FIN or a RST was seen */
	NAT_UDP,
	NAT_STATE_MAX,
};

/* A table key: one direction's 5-tuple, as the packet arrives (network
 * order). raddr/rport: the client, or the endpoint; laddr/lport: ours. */
struct nat_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint8_t proto;
	uint8_t pad[3];
};

/* One flow, both directions (network order but the port indices). */
struct nat_flow {
	uint64_t deadline;	/* TSC; past it the flow is gone */
	uint32_t c_addr;	/* the client */
	uint32_t v_addr;	/* the address it reached (a port's) */
	uint32_t e_addr;	/* the endpoint */
	uint32_t l_addr;	/* our address toward the endpoint */
	uint16_t c_port;
	uint16_t v_port;	/* the listener's port */
	uint16_t e_port;
	uint16_t l_port;	/* ours, from this worker's slice */
	uint8_t proto;
	uint8_t state;		/* enum nat_state */
	uint8_t c_if;		/* port index toward the client */
	uint8_t e_if;		/* port index toward the endpoint */
	uint16_t ep;		/* endpoint counts slot */
	uint16_t pad;
	uint32_t next_free;	/* free list link */
	uint32_t pad2;
};

#define NAT_NONE UINT32_MAX
#define NAT_SWEEP_PER_LOOP 16	/* flows looked at per loop */
#define NAT_PORT_TRIES 64	/* source ports tried for a new flow */

/* One cluster a full-NAT port's routes reach. */
struct nat_cluster {
	const struct gw_mesh_cluster *mc;
	struct gw_health_cluster *hc;	/* NULL: every endpoint in service */
	struct gw_lb *maglev;		/* owned; NULL: no endpoints */
	struct {
		uint32_t gen;		/* hc's generation avail is for */
		const uint64_t *avail;	/* NULL: all */
		uint64_t *buf;
		void *lb_state;		/* the balancer's pick state */
	} wk[GW_MAX_WORKERS];		/* written by worker i only */
};

struct gw_nat_gen {
	uint32_t n_listeners;
	struct {
		uint16_t port;		/* host order */
		const struct gw_mesh_listener *ml; /* NULL: not a TCP port */
	} lis[GW_CONFIG_MAX_L4_LISTENERS];
	uint32_t n_clusters;		/* the mesh's */
	struct nat_cluster *clusters;	/* by mesh cluster index */
};

struct gw_nat_wrk {
	struct gw_worker *w;
	const struct gw_nat_gen *gen;
	struct rte_hash *h;		/* nat_key -> flow index * 2 + dir */
	struct nat_flow *flows;
	uint32_t n_flows;
	uint32_t free_head;
	uint32_t sweep;			/* next flow the sweep looks at */
	uint32_t hiwat;			/* flows [hiwat, n_flows) were never
					 * used (the free list is LIFO, so
					 * the used ones stay low) */
	uint16_t eph_lo, eph_hi;	/* this worker's source ports */
	uint16_t eph_next;
	uint64_t tmo[NAT_STATE_MAX];	/* TSC */
	uint64_t seed;			/* flow hashes */
	uint16_t mss[GW_MAX_PORTS];	/* clamp toward each port */
	uint64_t ports_tcp[65536 / 64];	/* full-NAT listener ports, host */
	uint64_t ports_udp[65536 / 64];
	struct gw_nat_stats stats;
	struct gw_nat_ep_stats eps[GW_NAT_EP_SLOTS];
};

static inline bool
nat_port_set(const uint64_t *bm, uint16_t port)
{
	return (bm[port >> 6] >> (port & 63)) & 1;
}

/* nat.c */
/* The flow of key k (dir: 0 from the client, 1 from the endpoint), or
 * NULL; a flow past its deadline is freed on the way. */
struct nat_flow *nat_lookup(struct gw_nat_wrk *nw, const struct nat_key *k,
			    unsigned *dir);
/* A new flow from the client key fk toward endpoint (e_addr, e_port) by
 * port e_if, or NULL with *why set. */
struct nat_flow *nat_flow_new(struct gw_nat_wrk *nw, const struct nat_key *fk,
			      uint8_t c_if, uint32_t e_addr, uint16_t e_port,
			      uint8_t e_if, enum gw_drop_reason *why);
/* The endpoint counts slot of (addr, port), host order. */
uint16_t nat_ep_slot(struct gw_nat_wrk *nw, uint32_t addr, uint16_t port);

#endif /* GW_NAT_PRIV_H */
