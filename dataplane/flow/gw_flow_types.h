/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types of dataplane/flow that struct gw_dp and struct gw_worker embed.
 * Types only: functions are in gw_flow.h.
 */
#ifndef GW_FLOW_TYPES_H
#define GW_FLOW_TYPES_H

#include <stdint.h>

#include "gw_config.h"

#define GW_FLOW_RETA_SIZE 128 /* software redirection table entries */
#define GW_FLOW_RSS_KEY_LEN 40
#define GW_FLOW_EPH_LO 32768 /* ephemeral ports (Linux's default range) */
#define GW_FLOW_EPH_HI 60999
#define GW_FLOW_REDIRECT_RING 1024 /* packets queued from one worker to another */
#define GW_FLOW_STAGE 32	   /* packets staged per destination before a ring enqueue */

/*
 * How flows map to workers; built at start, read-only after. A client flow
 * belongs to reta[toeplitz(symmetric key, 4-tuple) % GW_FLOW_RETA_SIZE]; the
 * same key and table are programmed into NICs that take them, so their RSS
 * already delivers each flow to its owner. A flow whose local port is in
 * the ephemeral range is one the gateway opened: it belongs to the worker
 * whose slice holds the port.
 */
struct gw_flow_steer {
	uint8_t rss_key[GW_FLOW_RSS_KEY_LEN];	   /* as programmed into NICs */
	uint8_t rss_key_be[GW_FLOW_RSS_KEY_LEN]; /* converted for rte_softrss_be */
	uint16_t reta[GW_FLOW_RETA_SIZE];	   /* hash bucket -> worker */
	uint16_t eph_per_worker;		   /* ephemeral ports per worker */
};

struct rte_mbuf;
struct rte_ring;

/* Per-worker redirect state: owned by its worker. */
struct gw_flow_wrk {
	/* in[src]: packets worker src hands to this worker (SPSC), NULL for self */
	struct rte_ring *in[GW_CONFIG_MAX_WORKERS];
	/* staged[dst]: packets waiting to be enqueued to worker dst */
	uint16_t n_staged[GW_CONFIG_MAX_WORKERS];
	struct rte_mbuf *staged[GW_CONFIG_MAX_WORKERS][GW_FLOW_STAGE];
};

#endif /* GW_FLOW_TYPES_H */
