/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/nat_lb — the full-NAT fast path: plain L4 load balancing of
 * TCP and UDP flows, packet by packet, for the ports the Dataplane lists
 * in spec.l4.listeners with mode fullnat (the DPVS / Katran job).
 *
 * A client's flow to <port address>:<listener port> takes the port's
 * VirtualService tcp routes (UDP too: Istio has no UDP routes), a
 * destination by weight and an endpoint by Maglev, both driven by a hash
 * of the flow's 5-tuple, so that a change of the endpoint set moves only
 * about 1/N of new flows. Its packets are rewritten: the destination to
 * the endpoint, the source to the gateway's address toward it and a port
 * of this worker's slice of the ephemeral range, so the endpoint's replies
 * come back to the same worker (dataplane/flow steers by that port); the
 * replies are rewritten back. Checksums are updated incrementally
 * (nat_rewrite.h), TTLs decremented, TCP SYNs' MSS clamped to what the
 * ports carry, ICMP errors about a flow (fragmentation needed,
 * unreachable, time exceeded) translated back to its client.
 *
 * State. Each worker owns its flow table: an array of flows with a free
 * list, and an rte_hash from both directions' 5-tuples to them. A flow
 * holds its deadline, moved on by every packet by a timeout chosen by its
 * TCP state (handshake, established, closing) or UDP's; there is no timer
 * per flow: a lookup that finds a flow past its deadline frees it, and a
 * bounded sweep (gw_nat_sweep(), every loop) frees the others. Existing
 * flows stay on their endpoint whatever the configuration or health does
 * (an endpoint that leaves is drained: its flows go on until they end);
 * health (dataplane/health) and weights decide only where new flows go.
 *
 * What depends on the configuration (the routes, one Maglev table per
 * cluster they use) is a struct gw_nat_gen in each snapshot, built by
 * ctrl and read by the workers.
 *
 * Threads: gen create/free and the stats readers on ctrl; the rest on the
 * worker that owns the table.
 */
#ifndef GW_NAT_H
#define GW_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "gw_health.h"
#include "gw_mesh.h"
#include "gw_worker.h"

/* Per-worker counters (X-macro); drops are in drop_reasons.def. */
#define GW_NAT_STATS(X)                                                        \
	X(flows_created, "flows created")                                      \
	X(flows_expired, "flows freed after their timeout")                    \
	X(flows_active, "flows in the tables now (gauge)")                     \
	X(tcp_established, "TCP flows whose handshake completed")              \
	X(mss_clamped, "SYNs whose MSS option was lowered")                    \
	X(icmp_translated, "ICMP errors about a flow passed to its client")    \
	X(to_endpoint_packets, "packets sent to endpoints")                    \
	X(to_endpoint_bytes, "bytes (IP) sent to endpoints")                   \
	X(from_endpoint_packets, "packets from endpoints sent to clients")     \
	X(from_endpoint_bytes, "bytes (IP) from endpoints sent to clients")

struct gw_nat_stats {
#define GW_NAT_STAT_FIELD(f, help) uint64_t f;
	GW_NAT_STATS(GW_NAT_STAT_FIELD)
#undef GW_NAT_STAT_FIELD
};

/** Endpoints a worker keeps packet and byte counts for; the rest are
 * summed in the last slot (addr 0). */
#define GW_NAT_EP_SLOTS 256

/** One endpoint's counts on one worker. addr and port (host order) are
 * set once, with a release store of used, before the counts move. */
struct gw_nat_ep_stats {
	uint32_t used;
	uint32_t addr;
	uint16_t port;
	uint64_t to_packets;
	uint64_t to_bytes;
	uint64_t from_packets;
	uint64_t from_bytes;
	uint64_t flows;
};

struct gw_nat_gen;
struct gw_nat_wrk;
struct gw_snap;

/** The worker's table and ports (ctrl, before launch; none when the
 * Dataplane lists no full-NAT listener). @return 0 or -ENOMEM. */
int gw_nat_wrk_init(struct gw_worker *w);

/** Free the worker's table (ctrl, after the workers stopped). */
void gw_nat_wrk_fini(struct gw_worker *w);

/**
 * Build what the full-NAT ports of mesh need: their listeners' tcp routes
 * and a Maglev table for every cluster those routes reach, with health
 * from h (ctrl, part of a snapshot). *out is NULL when the Dataplane has
 * no full-NAT listener. @return 0, or -errno with a message in err.
 */
int gw_nat_gen_create(const struct gw_dp *dp, const struct gw_mesh *mesh,
		      struct gw_health *h, struct gw_nat_gen **out, char *err,
		      size_t errlen);

/** Free a gen no worker reads any more (ctrl). NULL-safe. */
void gw_nat_gen_free(struct gw_nat_gen *g);

/** The worker takes g for new flows (its own loop). */
void gw_nat_switch(struct gw_worker *w, const struct gw_nat_gen *g);

/** Whether a TCP or UDP packet to local port lport (network order) is
 * the full NAT's to look at: a listener's port, or a reply to one of its
 * source ports. */
bool gw_nat_wants(const struct gw_worker *w, uint8_t proto, uint16_t lport);

/**
 * Handle a TCP or UDP packet for which gw_nat_wants() said yes, on the
 * worker that owns its flow (l2_len and l3_len set, the IPv4 header
 * checked). @return true when consumed (sent on or dropped); false: a
 * TCP segment to an ephemeral port that is no flow's, for the TCP stack.
 */
bool gw_nat_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/**
 * gw_nat_input() for a burst of packets received on port, all owned by
 * this worker and wanted (gw_nat_wants()): their flows are looked up
 * together. TCP segments that are no flow's and go to the TCP stack are
 * returned in rest, in order. @return how many are in rest.
 */
uint16_t gw_nat_input_burst(struct gw_worker *w, uint16_t port,
			    struct rte_mbuf **pkts, uint16_t n,
			    struct rte_mbuf **rest);

/**
 * The worker that owns the flow an ICMP error (type 3 or 11) quotes, or
 * -1 when it quotes no full-NAT flow's packet (checked by shape only).
 */
int gw_nat_icmp_owner(const struct gw_worker *w, const struct rte_mbuf *m);

/** Translate an ICMP error about a flow back to its client (consumed, on
 * the flow's worker). @return false when it is about no flow (not
 * consumed). */
bool gw_nat_icmp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/** Free flows past their deadline, a bounded number per call (every
 * loop of the worker). */
void gw_nat_sweep(struct gw_worker *w);

/** Whether the full NAT uses this TCP 4-tuple (network order): the TCP
 * stack must not open a connection on it. */
bool gw_nat_tuple_busy(const struct gw_worker *w, uint32_t raddr,
		       uint32_t laddr, uint16_t rport, uint16_t lport);

/** Counters (ctrl reads them without locks), NULL without a table. */
const struct gw_nat_stats *gw_nat_stats_get(const struct gw_worker *w);

/** The endpoint counts, GW_NAT_EP_SLOTS of them, NULL without a table. */
const struct gw_nat_ep_stats *gw_nat_ep_stats_get(const struct gw_worker *w);

#endif /* GW_NAT_H */
