/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom — /stats/prometheus: meshgw_* series from the summed worker
 * counters and the ports' hardware counters. Label cardinality is bounded
 * by configuration (ports, workers) and the fixed reason list.
 * Control thread only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_ethdev.h>

#include "gw_snap.h"
#include "gw_stats.h"
#include "gw_store.h"
#include "gw_version.h"

static void
worker_family(struct gw_metrics_buf *b, const struct gw_stats *s,
	      const char *name, const char *help, size_t field_off)
{
	unsigned w;

	gw_metrics_family(b, name, GW_METRICS_COUNTER, help);
	for (w = 0; w < s->n_workers; w++) {
		char id[16];
		const char *labels[] = { "worker", id, NULL };
		const uint64_t *v = (const uint64_t *)((const char *)&s->worker[w] +
						       field_off);

		snprintf(id, sizeof(id), "%u", w);
		gw_metrics_sample_u64(b, name, labels, *v);
	}
}

static void
hw_family(struct gw_metrics_buf *b, const struct gw_dp *dp, const char *name,
	  const char *help, size_t field_off)
{
	unsigned p;

	gw_metrics_family(b, name, GW_METRICS_COUNTER, help);
	for (p = 0; p < dp->n_ports; p++) {
		struct rte_eth_stats hw;
		const char *labels[] = { "port", dp->ports[p].name, NULL };

		if (rte_eth_stats_get(dp->ports[p].port_id, &hw) != 0)
			continue;
		gw_metrics_sample_u64(b, name, labels,
				      *(const uint64_t *)((const char *)&hw +
							  field_off));
	}
}

/* The configuration: its version, the applies, what the last cost. */
static void
config_families(const struct gw_ctrl *c, struct gw_metrics_buf *b)
{
	gw_metrics_family(b, "meshgw_config_version", GW_METRICS_GAUGE,
			  "The configuration snapshot the workers run (1 at "
			  "start, one more per accepted change).");
	gw_metrics_sample_u64(b, "meshgw_config_version", NULL,
			      c->dp->snap != NULL ? c->dp->snap->version : 0);
	gw_metrics_family(b, "meshgw_config_resource_version",
			  GW_METRICS_GAUGE,
			  "The resource store's last resourceVersion.");
	gw_metrics_sample_u64(b, "meshgw_config_resource_version", NULL,
			      c->store != NULL ? c->store->rv : 0);
	gw_metrics_family(b, "meshgw_config_applies_total", GW_METRICS_COUNTER,
			  "Changes accepted (resource API, folder watch).");
	gw_metrics_sample_u64(b, "meshgw_config_applies_total", NULL,
			      c->applies);
	gw_metrics_family(b, "meshgw_config_applies_refused_total",
			  GW_METRICS_COUNTER,
			  "Changes refused after the request parsed (invalid, "
			  "or not possible).");
	gw_metrics_sample_u64(b, "meshgw_config_applies_refused_total", NULL,
			      c->applies_tried - c->applies);
	gw_metrics_family(b, "meshgw_config_cert_reloads_total",
			  GW_METRICS_COUNTER,
			  "Rebuilds after certificate files changed on disk.");
	gw_metrics_sample_u64(b, "meshgw_config_cert_reloads_total", NULL,
			      c->certs_reloads);
	gw_metrics_family(b, "meshgw_config_cert_reloads_refused_total",
			  GW_METRICS_COUNTER,
			  "Changed certificate files refused (the running ones "
			  "stay).");
	gw_metrics_sample_u64(b, "meshgw_config_cert_reloads_refused_total",
			      NULL, c->certs_refused);
	gw_metrics_family(b, "meshgw_config_last_compile_seconds",
			  GW_METRICS_GAUGE,
			  "Load, compile and snapshot build of the last "
			  "accepted change.");
	gw_metrics_sample_double(b, "meshgw_config_last_compile_seconds", NULL,
				 (double)c->last_compile_ns / 1e9);
	gw_metrics_family(b, "meshgw_config_last_publish_seconds",
			  GW_METRICS_GAUGE,
			  "Save, publish and every worker switched, for the "
			  "last accepted change.");
	gw_metrics_sample_double(b, "meshgw_config_last_publish_seconds", NULL,
				 (double)c->last_publish_ns / 1e9);
	gw_metrics_family(b, "meshgw_config_snapshots_retired",
			  GW_METRICS_GAUGE,
			  "Older snapshots still held by requests in flight.");
	gw_metrics_sample_u64(b, "meshgw_config_snapshots_retired", NULL,
			      gw_snap_retired_count(c->dp));
	gw_metrics_family(b, "meshgw_draining", GW_METRICS_GAUGE,
			  "1 after /drain_listeners.");
	gw_metrics_sample_u64(b, "meshgw_draining", NULL, c->draining);
}

/* The access log sink and the span exporter (ctrl's side of both). */
static void
telemetry_families(const struct gw_ctrl *c, struct gw_metrics_buf *b)
{
	uint64_t sent, failed, dropped;

	gw_metrics_family(b, "meshgw_access_log_records_total",
			  GW_METRICS_COUNTER, "Access log lines written.");
	gw_metrics_sample_u64(b, "meshgw_access_log_records_total", NULL,
			      c->alog_records);
	gw_metrics_family(b, "meshgw_access_log_write_errors_total",
			  GW_METRICS_COUNTER,
			  "Writes to the access log that failed (their lines "
			  "are lost).");
	gw_metrics_sample_u64(b, "meshgw_access_log_write_errors_total", NULL,
			      c->alog_write_errors);
	gw_metrics_family(b, "meshgw_access_log_reopens_total",
			  GW_METRICS_COUNTER,
			  "Access log files opened again on SIGHUP.");
	gw_metrics_sample_u64(b, "meshgw_access_log_reopens_total", NULL,
			      c->alog_reopens);
	if (!gw_telemetry_spans(c, &sent, &failed, &dropped))
		return;
	gw_metrics_family(b, "meshgw_zipkin_spans_sent_total",
			  GW_METRICS_COUNTER,
			  "Spans the Zipkin collector accepted.");
	gw_metrics_sample_u64(b, "meshgw_zipkin_spans_sent_total", NULL, sent);
	gw_metrics_family(b, "meshgw_zipkin_spans_failed_total",
			  GW_METRICS_COUNTER,
			  "Spans in batches the collector refused or did not "
			  "answer.");
	gw_metrics_sample_u64(b, "meshgw_zipkin_spans_failed_total", NULL,
			      failed);
	gw_metrics_family(b, "meshgw_zipkin_spans_dropped_total",
			  GW_METRICS_COUNTER,
			  "Spans dropped: the export queue was full.");
	gw_metrics_sample_u64(b, "meshgw_zipkin_spans_dropped_total", NULL,
			      dropped);
}

void
gw_stats_prometheus(struct gw_ctrl *c, struct gw_metrics_buf *b)
{
	const struct gw_dp *dp = c->dp;
	struct gw_stats *s = malloc(sizeof(*s));
	const char *why;
	char name[128];
	unsigned p, k;

	if (s == NULL) {
		b->err = -ENOMEM;
		return;
	}
	gw_stats_collect(dp, s);

	gw_metrics_family(b, "meshgw_build_info", GW_METRICS_GAUGE,
			  "meshgw version; always 1.");
	gw_metrics_sample_u64(b, "meshgw_build_info",
			      (const char *[]){ "version", MESHGW_VERSION, NULL },
			      1);
	gw_metrics_family(b, "meshgw_uptime_seconds", GW_METRICS_GAUGE,
			  "Seconds since the gateway started.");
	gw_metrics_sample_double(b, "meshgw_uptime_seconds", NULL,
				 (double)(gw_ctrl_now_ns() - c->start_ns) / 1e9);
	gw_metrics_family(b, "meshgw_ready", GW_METRICS_GAUGE,
			  "1 when /ready answers LIVE.");
	gw_metrics_sample_u64(b, "meshgw_ready", NULL, gw_ctrl_ready(c, &why));
	gw_metrics_family(b, "meshgw_rcu_grace_periods_total",
			  GW_METRICS_COUNTER,
			  "RCU grace periods the workers completed.");
	gw_metrics_sample_u64(b, "meshgw_rcu_grace_periods_total", NULL,
			      c->grace_periods);
	config_families(c, b);
	telemetry_families(c, b);

	worker_family(b, s, "meshgw_worker_loops_total",
		      "Worker loop iterations.",
		      offsetof(struct gw_stats_worker, loops));
	worker_family(b, s, "meshgw_worker_busy_loops_total",
		      "Worker loop iterations that did work.",
		      offsetof(struct gw_stats_worker, busy_loops));
	worker_family(b, s, "meshgw_worker_busy_cycles_total",
		      "TSC cycles spent in iterations that did work.",
		      offsetof(struct gw_stats_worker, busy_cycles));
	worker_family(b, s, "meshgw_worker_idle_cycles_total",
		      "TSC cycles spent polling empty queues or sleeping.",
		      offsetof(struct gw_stats_worker, idle_cycles));
	worker_family(b, s, "meshgw_worker_device_cycles_total",
		      "Of the busy cycles, those inside device rx/tx calls.",
		      offsetof(struct gw_stats_worker, device_cycles));

	for (k = 0; k < GW_CNT_MAX; k++) {
		snprintf(name, sizeof(name), "meshgw_port_%s_total",
			 gw_cnt_names[k]);
		gw_metrics_family(b, name, GW_METRICS_COUNTER, gw_cnt_help[k]);
		for (p = 0; p < s->n_ports; p++) {
			const char *labels[] = { "port", dp->ports[p].name,
						 NULL };

			gw_metrics_sample_u64(b, name, labels,
					      s->port[p].cnt[k]);
		}
	}
	gw_metrics_family(b, "meshgw_drops_total", GW_METRICS_COUNTER,
			  "Packets dropped by the workers, by port and reason.");
	for (p = 0; p < s->n_ports; p++) {
		for (k = 0; k < GW_DROP_MAX; k++) {
			const char *labels[] = { "port", dp->ports[p].name,
						 "reason", gw_drop_names[k],
						 NULL };

			gw_metrics_sample_u64(b, "meshgw_drops_total", labels,
					      s->port[p].drop[k]);
		}
	}
#define TCP_PROM(f, help)                                                      \
	gw_metrics_family(b, strcmp(#f, "active_conns") == 0 ?                  \
				     "meshgw_tcp_" #f :                       \
				     "meshgw_tcp_" #f "_total",               \
			  strcmp(#f, "active_conns") == 0 ? GW_METRICS_GAUGE :   \
							    GW_METRICS_COUNTER,  \
			  help);                                               \
	gw_metrics_sample_u64(b, strcmp(#f, "active_conns") == 0 ?              \
					 "meshgw_tcp_" #f :                   \
					 "meshgw_tcp_" #f "_total",           \
			      NULL, s->tcp.f);
	GW_TCP_STATS(TCP_PROM)
#undef TCP_PROM
#define TLS_GAUGE(f) (strcmp(#f, "active") == 0)
#define TLS_PROM(f, help)                                                      \
	gw_metrics_family(b, TLS_GAUGE(f) ? "meshgw_tls_" #f :                 \
				     "meshgw_tls_" #f "_total",               \
			  TLS_GAUGE(f) ? GW_METRICS_GAUGE : GW_METRICS_COUNTER, \
			  help);                                               \
	gw_metrics_sample_u64(b, TLS_GAUGE(f) ? "meshgw_tls_" #f :             \
					 "meshgw_tls_" #f "_total",           \
			      NULL, s->tls.f);
	GW_TLS_STATS(TLS_PROM)
#undef TLS_PROM
#undef TLS_GAUGE
#define PROXY_GAUGE(f)                                                         \
	(strcmp(#f, "active_sessions") == 0 ||                                 \
	 strcmp(#f, "upstream_rq_pending_active") == 0)
#define PROXY_PROM(f, help)                                                    \
	gw_metrics_family(b, PROXY_GAUGE(f) ? "meshgw_proxy_" #f :             \
				     "meshgw_proxy_" #f "_total",             \
			  PROXY_GAUGE(f) ? GW_METRICS_GAUGE :                  \
					   GW_METRICS_COUNTER,                 \
			  help);                                               \
	gw_metrics_sample_u64(b, PROXY_GAUGE(f) ? "meshgw_proxy_" #f :         \
					 "meshgw_proxy_" #f "_total",         \
			      NULL, s->proxy.f);
	GW_PROXY_STATS(PROXY_PROM)
#undef PROXY_PROM
#undef PROXY_GAUGE
	gw_stats_clusters_prometheus(c, b);
	gw_stats_l4_prometheus(dp, b);
	gw_stats_istio_prometheus(c, b);
	gw_metrics_family(b, "meshgw_port_link_up", GW_METRICS_GAUGE,
			  "1 when the port's link is up.");
	for (p = 0; p < s->n_ports; p++) {
		struct rte_eth_link link = { 0 };
		const char *labels[] = { "port", dp->ports[p].name, NULL };

		(void)rte_eth_link_get_nowait(dp->ports[p].port_id, &link);
		gw_metrics_sample_u64(b, "meshgw_port_link_up", labels,
				      link.link_status == RTE_ETH_LINK_UP);
	}
	hw_family(b, dp, "meshgw_port_hw_rx_missed_total",
		  "Packets the device dropped because RX queues were full.",
		  offsetof(struct rte_eth_stats, imissed));
	hw_family(b, dp, "meshgw_port_hw_rx_errors_total",
		  "Erroneous packets the device received.",
		  offsetof(struct rte_eth_stats, ierrors));
	hw_family(b, dp, "meshgw_port_hw_tx_errors_total",
		  "Packets the device failed to transmit.",
		  offsetof(struct rte_eth_stats, oerrors));
	hw_family(b, dp, "meshgw_port_hw_rx_nombuf_total",
		  "RX mbuf allocation failures in the driver.",
		  offsetof(struct rte_eth_stats, rx_nombuf));
	free(s);
}
