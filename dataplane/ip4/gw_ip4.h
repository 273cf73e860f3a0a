/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/ip4 — IPv4 input (header validation, local delivery), output
 * (next hop choice, checksum) and ICMP echo. Worker thread.
 *
 * meshgw is a host on each port's subnet, not a router: packets for other
 * addresses are dropped, and replies leave by the port they came in on,
 * to the destination itself when it is on-link, else to the port's gateway.
 */
#ifndef GW_IP4_H
#define GW_IP4_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_worker.h"

#define GW_IP4_DEFAULT_TTL 64

/**
 * Validate and deliver a burst of IPv4 packets received on `port` (data at
 * the Ethernet header, l2_len set). Every packet is consumed.
 * @return n.
 */
uint16_t gw_ip4_input_process(struct gw_worker *w, uint16_t port,
			      struct rte_mbuf **pkts, uint16_t n);

/**
 * Send an IPv4 packet (consumed) out of `port`: data at the Ethernet
 * header, l2_len and l3_len set, the IP header complete but its checksum.
 */
void gw_ip4_output(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/**
 * Deliver one validated packet addressed to us by its protocol (consumed):
 * ICMP here, flows (TCP) on the worker that owns them — redirected there
 * when that is another worker. Also the entry point for packets another
 * worker redirected to this one (m->port is the port index).
 */
void gw_ip4_l4_deliver(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/** Handle one ICMP packet addressed to us (consumed); l3_len set. */
void gw_icmp4_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

#endif /* GW_IP4_H */
