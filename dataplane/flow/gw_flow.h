/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/flow — which worker owns a flow, and handing packets that
 * arrive on the wrong worker to their owner.
 *
 * Client flows are owned by a symmetric Toeplitz hash of the 4-tuple
 * (the key NICs use for symmetric RSS), through a 128-entry table; flows
 * the gateway opens itself are owned by the worker whose slice of the
 * ephemeral port range holds their local port. A packet received by
 * another worker is staged per destination and passed on an SPSC ring at
 * the end of the loop; the owner takes it up in its next iteration. On
 * devices without RSS control (TAP, af_packet) this is the normal path.
 * Worker thread, except where marked ctrl.
 */
#ifndef GW_FLOW_H
#define GW_FLOW_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_thash.h>

#include "gw_flow_types.h"
#include "gw_worker.h"

/** Fill the steering tables for n_workers workers (ctrl). */
void gw_flow_steer_init(struct gw_flow_steer *s, unsigned n_workers);

/**
 * Owner of the flow a received packet belongs to. Addresses and ports in
 * network byte order; "local" is the gateway's side.
 */
static inline uint16_t
gw_flow_owner(const struct gw_dp *dp, uint32_t raddr, uint32_t laddr,
	      uint16_t rport, uint16_t lport)
{
	uint16_t lp = rte_be_to_cpu_16(lport);
	uint32_t tuple[3];

	if (dp->n_workers == 1)
		return 0;
	if (lp >= GW_FLOW_EPH_LO && lp <= GW_FLOW_EPH_HI)
		return (uint16_t)((lp - GW_FLOW_EPH_LO) /
				  dp->steer.eph_per_worker);
	/* same layout as NIC RSS input: src addr, dst addr, src|dst port */
	tuple[0] = rte_be_to_cpu_32(raddr);
	tuple[1] = rte_be_to_cpu_32(laddr);
	tuple[2] = (uint32_t)rte_be_to_cpu_16(rport) << 16 | lp;
	return dp->steer.reta[rte_softrss_be(tuple, 3, dp->steer.rss_key_be) %
			      GW_FLOW_RETA_SIZE];
}

/** First and last ephemeral port of a worker's slice (host order). */
void gw_flow_eph_range(const struct gw_dp *dp, uint16_t worker, uint16_t *lo,
		       uint16_t *hi);

/** Enqueue every staged packet to its owner; a full ring drops (counted). */
void gw_flow_redirect_flush(struct gw_worker *w);

/**
 * Hand a packet to worker dst (consumed). m->port holds the receiving
 * port's index and l2_len/l3_len are set: the owner resumes at layer 4.
 */
static inline void
gw_flow_redirect(struct gw_worker *w, uint16_t dst, struct rte_mbuf *m)
{
	struct gw_flow_wrk *f = &w->flow;

	if (unlikely(f->n_staged[dst] == GW_FLOW_STAGE))
		gw_flow_redirect_flush(w);
	f->staged[dst][f->n_staged[dst]++] = m;
}

/**
 * Take packets other workers handed to this one and deliver them at
 * layer 4. @return packets taken.
 */
unsigned gw_flow_redirect_rx(struct gw_worker *w);

/** Create the ring worker src uses to reach worker w (ctrl). */
int gw_flow_inbox_create(struct gw_worker *w, uint16_t src);

/** Free the rings and every packet staged or queued in them (ctrl). */
void gw_flow_wrk_fini(struct gw_worker *w);

#endif /* GW_FLOW_H */
