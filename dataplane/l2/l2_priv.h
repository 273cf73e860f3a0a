/* SPDX-License-Identifier: Apache-2.0 */
/* Private to dataplane/l2: ARP and neighbour-table internals. */
#ifndef L2_PRIV_H
#define L2_PRIV_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gw_worker.h"

#define NBR_RETRIES 3 /* ARP requests before a neighbour is given up */

/** Handle one ARP packet (consumed). */
void arp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/** Broadcast an ARP request for `ip` (network order) out of `port`. */
void arp_request_send(struct gw_worker *w, uint16_t port, uint32_t ip);

/**
 * Learn `mac` for `ip` on `port` from an ARP packet: update an existing
 * entry (and send what waits on it), or create one when `create` (the ARP
 * was aimed at us). `local` says whether to pass the update on to the
 * other workers.
 */
void nbr_learn(struct gw_worker *w, uint16_t port, uint32_t ip,
	       const struct rte_ether_addr *mac, bool create, bool local);

#endif /* L2_PRIV_H */
