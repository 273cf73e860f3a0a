/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types of the l2 stage (Ethernet, ARP, neighbour table) that struct
 * gw_worker embeds. Types only: functions are in gw_l2.h.
 */
#ifndef GW_L2_TYPES_H
#define GW_L2_TYPES_H

#include <stdint.h>

#include <rte_ether.h>

#include "gw_config.h"

#define GW_NBR_MAX 1024	   /* entries per worker (all ports) */
#define GW_NBR_QLEN 16	   /* packets held per unresolved neighbour */
#define GW_NBR_SYNC_RING 1024 /* updates queued from one worker to another */

enum gw_nbr_state {
	GW_NBR_FREE = 0,
	GW_NBR_INCOMPLETE, /* request sent, no answer yet; packets queued */
	GW_NBR_REACHABLE,  /* confirmed within reachable time */
	GW_NBR_STALE,	   /* older than reachable time: used, being refreshed */
	GW_NBR_STATE_MAX
};

/*
 * One next hop on one port. Layout: the first 16 bytes are what a
 * transmit needs (state, MAC); the pending queue is touched only while
 * resolving.
 */
struct gw_nbr_entry {
	uint32_t ip;	    /* next hop, network byte order */
	uint16_t port;	    /* index in gw_dp.ports */
	uint8_t state;	    /* enum gw_nbr_state */
	uint8_t probes;	    /* requests sent since the last confirmation */
	struct rte_ether_addr mac;
	uint16_t qhead;	    /* pending queue: first slot */
	uint16_t qlen;	    /* pending queue: packets held */
	uint64_t confirmed; /* TSC of the last ARP heard from it */
	uint64_t used;	    /* TSC of the last transmit through it */
	uint64_t probed;    /* TSC of the last request sent for it */
	struct rte_mbuf *q[GW_NBR_QLEN];
};

/* Neighbour update passed from the worker that heard an ARP to the others. */
struct gw_nbr_msg {
	uint32_t ip; /* network byte order */
	uint16_t port;
	uint8_t create; /* create the entry if absent (the ARP was for us) */
	uint8_t pad;
	struct rte_ether_addr mac;
	uint16_t pad2;
} __attribute__((aligned(16)));

struct rte_hash;
struct rte_ring;

/* Per-worker l2 state: owned and touched only by its worker. */
struct gw_l2_wrk {
	struct rte_hash *nbr_hash; /* (ip, port) -> its position = entry index */
	uint32_t n_used;	   /* entries not GW_NBR_FREE */
	uint32_t sweep_pos;	   /* next entry the bounded sweep visits */
	uint64_t reachable_tsc;	   /* reachable time in TSC cycles */
	uint64_t retrans_tsc;	   /* time between requests */
	uint64_t gc_tsc;	   /* unused entries live this long */
	/* inbox[src]: updates from worker src (SPSC), NULL for self */
	struct rte_ring *nbr_in[GW_CONFIG_MAX_WORKERS];
	struct gw_nbr_entry *entries; /* GW_NBR_MAX, from rte_zmalloc */
	/* the entry the last lookup found: a burst usually goes to one or
	 * two next hops (checked against ip, port and state, so an entry
	 * freed or reused since is not taken) */
	struct gw_nbr_entry *last;
};

#endif /* GW_L2_TYPES_H */
