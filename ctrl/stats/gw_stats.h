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
#include "gw_tls.h"
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
	struct gw_tls_stats tls; /* all workers */
	unsigned n_ports;
	unsigned n_workers;
	struct gw_stats_port port[GW_MAX_PORTS];
	struct gw_stats_worker worker[GW_MAX_WORKERS];
};

/** One cluster endpoint: its health and the workers' counts, summed. */
struct gw_stats_endpoint {
	const struct gw_mesh_endpoint *mep;
	char address[24];	/* "a.b.c.d:port" */
	uint32_t flags;		/* enum gw_health_flag */
	uint32_t hc_state;	/* enum gw_health_hc_state */
	uint32_t weight;
	uint64_t rq_total;
	uint64_t rq_error;
	uint64_t rq_active;
	uint64_t cx_total;
	uint64_t cx_active;
	uint64_t ejections;
	uint64_t hc_checks;
	uint64_t hc_failures;
	uint64_t transitions;
};

/** Endpoint ep of cluster ci (zeros when out of range). */
void gw_stats_endpoint(const struct gw_ctrl *c, uint32_t ci, uint32_t ep,
		       struct gw_stats_endpoint *o);

/** /clusters in Envoy's text format ("cluster::endpoint::stat::value"
 * lines). @return a malloc'd buffer and its length, or NULL. */
char *gw_stats_clusters_text(const struct gw_ctrl *c, size_t *len);

/** /clusters?format=json. @return a new reference or NULL. */
json_t *gw_stats_clusters_json(const struct gw_ctrl *c);

/** The cluster and endpoint families of /stats/prometheus. */
void gw_stats_clusters_prometheus(const struct gw_ctrl *c,
				  struct gw_metrics_buf *b);

/** Sum the workers' counters into s. */
void gw_stats_collect(const struct gw_dp *dp, struct gw_stats *s);

/** The /api/v1/status document. @return a new reference or NULL. */
json_t *gw_stats_status_json(struct gw_ctrl *c);

/** Render /stats/prometheus into b (b->err tells of failure). */
void gw_stats_prometheus(struct gw_ctrl *c, struct gw_metrics_buf *b);

/** Istio's standard metrics (istio_requests_total and the rest), merged
 * from the workers' series tables; nothing when spec.telemetry.metrics
 * is off. Control thread. */
/** The full NAT's counters and endpoints ("l4" of /api/v1/status), NULL
 * without full-NAT listeners. */
json_t *gw_stats_l4_json(const struct gw_dp *dp);

/** The same as meshgw_l4_* families (nothing without full NAT). */
void gw_stats_l4_prometheus(const struct gw_dp *dp, struct gw_metrics_buf *b);

void gw_stats_istio_prometheus(const struct gw_ctrl *c,
			       struct gw_metrics_buf *b);

/** For the stats page: request durations of every HTTP series merged
 * (Envoy's bounds in ms and per-bucket counts, the last +Inf), and per
 * cluster its requests, errors (5xx, or no response) and TCP
 * connections. NULL when out of memory. Control thread. */
json_t *gw_stats_istio_json(const struct gw_ctrl *c);

/** The stats page's data (/ui/data): the status document, clusters with
 * their endpoints, listeners, VirtualServices and the above. */
json_t *gw_stats_ui_json(struct gw_ctrl *c);

#endif /* GW_STATS_H */
