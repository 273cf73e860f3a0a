/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flow — steering tables, ephemeral port slices and the redirect rings
 * between workers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "gw_flow.h"
#include "gw_ip4.h"
#include "gw_worker.h"

/*
 * The symmetric Toeplitz key (0x6d5a repeated): swapping source and
 * destination gives the same hash, so both directions of a flow meet on
 * one queue (Woo and Park, "Scalable TCP Session Monitoring with Symmetric
 * Receive-side Scaling").
 */
void
gw_flow_steer_init(struct gw_flow_steer *s, unsigned n_workers)
{
	unsigned i;

	for (i = 0; i < GW_FLOW_RSS_KEY_LEN; i += 2) {
		s->rss_key[i] = 0x6d;
		s->rss_key[i + 1] = 0x5a;
	}
	rte_convert_rss_key((const uint32_t *)s->rss_key,
			    (uint32_t *)s->rss_key_be, GW_FLOW_RSS_KEY_LEN);
	for (i = 0; i < GW_FLOW_RETA_SIZE; i++)
		s->reta[i] = (uint16_t)(i % n_workers);
	s->eph_per_worker =
		(uint16_t)((GW_FLOW_EPH_HI - GW_FLOW_EPH_LO + 1) / n_workers);
}

void
gw_flow_eph_range(const struct gw_dp *dp, uint16_t worker, uint16_t *lo,
		  uint16_t *hi)
{
	*lo = (uint16_t)(GW_FLOW_EPH_LO + worker * dp->steer.eph_per_worker);
	*hi = (uint16_t)(*lo + dp->steer.eph_per_worker - 1);
}

void
gw_flow_redirect_flush(struct gw_worker *w)
{
	struct gw_flow_wrk *f = &w->flow;
	unsigned dst, sent, i;

	for (dst = 0; dst < w->dp->n_workers; dst++) {
		unsigned n = f->n_staged[dst];

		if (n == 0)
			continue;
		sent = rte_ring_enqueue_burst(w->dp->workers[dst]->flow.in[w->id],
					      (void **)f->staged[dst], n, NULL);
		for (i = 0; i < sent; i++)
			gw_worker_cnt_add(w, f->staged[dst][i]->port,
					  GW_CNT_FLOW_REDIRECT_TX, 1);
		for (i = sent; i < n; i++)
			gw_worker_drop(w, f->staged[dst][i]->port,
				       f->staged[dst][i],
				       GW_DROP_FLOW_REDIRECT_FULL);
		f->n_staged[dst] = 0;
	}
}

unsigned
gw_flow_redirect_rx(struct gw_worker *w)
{
	struct rte_mbuf *pkts[GW_BURST];
	unsigned src, total = 0, n, i;

	for (src = 0; src < w->dp->n_workers; src++) {
		struct rte_ring *r = w->flow.in[src];

		if (r == NULL || rte_ring_empty(r))
			continue;
		n = rte_ring_dequeue_burst(r, (void **)pkts, GW_BURST, NULL);
		for (i = 0; i < n; i++) {
			gw_worker_cnt_add(w, pkts[i]->port,
					  GW_CNT_FLOW_REDIRECT_RX, 1);
			gw_ip4_l4_deliver(w, pkts[i]->port, pkts[i]);
		}
		total += n;
	}
	return total;
}

int
gw_flow_inbox_create(struct gw_worker *w, uint16_t src)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "gw_flow_%u_%u", src, w->id);
	w->flow.in[src] = rte_ring_create(name, GW_FLOW_REDIRECT_RING,
					  (int)rte_socket_id(),
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
	return w->flow.in[src] == NULL ? -rte_errno : 0;
}

void
gw_flow_wrk_fini(struct gw_worker *w)
{
	struct gw_flow_wrk *f = &w->flow;
	struct rte_mbuf *m;
	unsigned i, k;

	for (i = 0; i < GW_MAX_WORKERS; i++) {
		for (k = 0; k < f->n_staged[i]; k++)
			rte_pktmbuf_free(f->staged[i][k]);
		f->n_staged[i] = 0;
		if (f->in[i] == NULL)
			continue;
		while (rte_ring_dequeue(f->in[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(f->in[i]);
		f->in[i] = NULL;
	}
}
