/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/l2 — Ethernet input and output, ARP, and the per-worker
 * neighbour table.
 *
 * Input: gw_l2_input_process() classifies a burst by destination MAC and
 * ethertype, answers and learns from ARP, and hands IPv4 to ip4 as a burst.
 * Output: gw_l2_output() writes the Ethernet header towards a next hop,
 * resolving it with ARP first when needed (packets wait, bounded, in the
 * neighbour entry). Every worker keeps its own neighbour table; what one
 * worker hears in ARP it passes to the others through SPSC inboxes, so a
 * reply that the NIC (or TAP) delivers to another queue still completes a
 * resolution. All functions run on the owning worker unless marked ctrl.
 */
#ifndef GW_L2_H
#define GW_L2_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_l2_types.h"
#include "gw_worker.h"

/**
 * Process a burst received on `port`. Every packet is consumed: passed on
 * to ip4, answered, or dropped with a reason.
 * @return n.
 */
uint16_t gw_l2_input_process(struct gw_worker *w, uint16_t port,
			     struct rte_mbuf **pkts, uint16_t n);

/**
 * Send an IP packet (consumed) to `nexthop` (network byte order) on `port`.
 * The mbuf's data starts with room for the Ethernet header (l2_len 14),
 * which this function fills. Unresolved next hops queue the packet and
 * send an ARP request.
 */
void gw_l2_output(struct gw_worker *w, uint16_t port, struct rte_mbuf *m,
		  uint32_t nexthop);

/** Set up the worker's neighbour table (ctrl, before launch). */
int gw_l2_wrk_init(struct gw_worker *w);
/** Release the table, the inboxes and every queued packet (ctrl, after stop). */
void gw_l2_wrk_fini(struct gw_worker *w);
/** Create the inbox that worker `src` uses to reach worker `w` (ctrl). */
int gw_l2_inbox_create(struct gw_worker *w, uint16_t src);

/** Apply neighbour updates from the other workers. @return updates applied. */
unsigned gw_l2_nbr_sync_rx(struct gw_worker *w);

/**
 * Bounded housekeeping pass: retransmit ARP requests, give up on
 * neighbours that do not answer (their packets dropped as nbr_unresolved),
 * age and collect entries.
 */
void gw_l2_nbr_sweep(struct gw_worker *w);

/**
 * Announce the port's address (a gratuitous ARP request, RFC 5227 2.3),
 * so neighbours that knew the address under another MAC (a restarted
 * peer: memif and TAP MACs are new each run) update their entry.
 */
void gw_l2_arp_announce(struct gw_worker *w, uint16_t port);

/** Copy the table into `d` (the worker, on GW_WORKER_CMD_NBR_DUMP). */
void gw_l2_nbr_dump(struct gw_worker *w, struct gw_nbr_dump *d);

/** "incomplete", "reachable", "stale". */
const char *gw_l2_nbr_state_name(unsigned state);

#endif /* GW_L2_H */
