/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/stats — sum the per-worker counters and render them: the status
 * document (JSON) and the Prometheus exposition. Reads worker counters
 * without locks (each is a plain 64-bit word written by one worker); the
 * neighbour tables are asked of the workers through their mailboxes.
 * Control thread only.
 */
#ifndef GW_STATS_H
#define GW_STATS_H

#include <stdint.h>

#include <jansson.h>

#include "gw_ctrl.h"
#include "gw_metrics.h"
#include "gw_proxy.h"
#include "gw_tcp.h"
#include "gw_worker.h"

/** Counters of one port summed over the workers. */
struct gw_stats_port {
	uint64_t cnt[GW_CNT_MAX];
	uint64_t drop[GW_DROP_MAX];
};

struct gw_stats_worker {
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t busy_cycles;
	uint64_t idle_cycles;
	uint64_t device_cycles;
	uint64_t drops; /* all reasons, all ports */
};

struct gw_stats {
	struct gw_tcp_stats tcp; /* all workers */
	struct gw_proxy_stats proxy; /* all workers */
	unsigned n_ports;
	unsigned n_workers;
	struct gw_stats_port port[GW_MAX_PORTS];
	struct gw_stats_worker worker[GW_MAX_WORKERS];
};

/** Sum the workers' counters into s. */
void gw_stats_collect(const struct gw_dp *dp, struct gw_stats *s);

/** The /api/v1/status document. @return a new reference or NULL. */
json_t *gw_stats_status_json(struct gw_ctrl *c);

/** Render /stats/prometheus into b (b->err tells of failure). */
void gw_stats_prometheus(struct gw_ctrl *c, struct gw_metrics_buf *b);

#endif /* GW_STATS_H */
