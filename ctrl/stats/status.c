/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status — the /api/v1/status document. Control thread only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "gw_l2.h"
#include "gw_snap.h"
#include "gw_stats.h"
#include "gw_store.h"
#include "gw_version.h"

#define NBR_DUMP_TIMEOUT_MS 500

static json_t *
ip_json(uint32_t be_ip)
{
	char s[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = be_ip };

	return json_string(inet_ntop(AF_INET, &a, s, sizeof(s)));
}

static json_t *
mac_json(const struct rte_ether_addr *mac)
{
	char s[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(s, sizeof(s), mac);
	return json_string(s);
}

static json_t *
port_json(const struct gw_dp_port *p, const struct gw_stats_port *sp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_stats hw;
	struct rte_eth_link link;
	char ip[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN + 8];
	struct in_addr a = { .s_addr = p->addr };
	json_t *o, *drops;
	unsigned k;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(addr, sizeof(addr), "%s/%u", ip, p->prefix_len);
	o = json_pack("{s:s, s:s, s:i, s:o, s:s, s:o, s:i}", "name", p->name,
		      "device", p->device, "ethdev", (int)p->port_id, "mac",
		      mac_json(&p->mac), "address", addr, "gateway",
		      p->gateway != 0 ? ip_json(p->gateway) : json_null(), "mtu",
		      (int)p->mtu);
	if (o == NULL)
		return NULL;
	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		json_object_set_new(o, "driver", json_string(info.driver_name));
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0)
		json_object_set_new(
			o, "link",
			json_pack("{s:b, s:I, s:s}", "up",
				  link.link_status == RTE_ETH_LINK_UP,
				  "speed_mbps", (json_int_t)link.link_speed,
				  "duplex",
				  link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ?
					  "full" : "half"));
	json_object_set_new(o, "offloads",
			    json_pack("{s:b, s:b, s:b}", "rx_ipv4_cksum",
				      p->rx_ip_cksum, "tx_ipv4_cksum",
				      p->tx_ip_cksum, "rss_steered",
				      p->rss_steered));
	for (k = 0; k < GW_CNT_MAX; k++)
		json_object_set_new(o, gw_cnt_names[k],
				    json_integer((json_int_t)sp->cnt[k]));
	drops = json_object();
	for (k = 0; k < GW_DROP_MAX; k++)
		json_object_set_new(drops, gw_drop_names[k],
				    json_integer((json_int_t)sp->drop[k]));
	json_object_set_new(o, "drops", drops);
	if (rte_eth_stats_get(p->port_id, &hw) == 0)
		json_object_set_new(
			o, "hw",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				  "ipackets", (json_int_t)hw.ipackets,
				  "opackets", (json_int_t)hw.opackets, "ibytes",
				  (json_int_t)hw.ibytes, "obytes",
				  (json_int_t)hw.obytes, "imissed",
				  (json_int_t)hw.imissed, "ierrors",
				  (json_int_t)hw.ierrors, "oerrors",
				  (json_int_t)hw.oerrors, "rx_nombuf",
				  (json_int_t)hw.rx_nombuf));
	return o;
}

/* Ask every worker for its neighbour table. */
static json_t *
neighbours_json(struct gw_ctrl *c)
{
	const struct gw_dp *dp = c->dp;
	json_t *arr = json_array();
	unsigned w, i;

	for (w = 0; w < dp->n_workers; w++) {
		struct gw_worker *wk = dp->workers[w];
		int rc = gw_worker_cmd_call(wk, GW_WORKER_CMD_NBR_DUMP,
					    NBR_DUMP_TIMEOUT_MS);

		if (rc < 0) {
			json_array_append_new(
				arr, json_pack("{s:i, s:s}", "worker", (int)w,
					       "error", strerror(-rc)));
			continue;
		}
		for (i = 0; i < wk->nbr_dump->n; i++) {
			const struct gw_nbr_dump_entry *e = &wk->nbr_dump->e[i];
			json_t *o = json_pack(
				"{s:i, s:s, s:o, s:o, s:s, s:i, s:i}", "worker",
				(int)w, "port", dp->ports[e->port].name, "ip",
				ip_json(e->ip), "mac",
				e->state == GW_NBR_INCOMPLETE ? json_null() :
								mac_json(&e->mac),
				"state", gw_l2_nbr_state_name(e->state),
				"probes", (int)e->probes, "queued",
				(int)e->qlen);

			if (o != NULL && e->confirmed_ms != UINT64_MAX)
				json_object_set_new(
					o, "confirmed_ms_ago",
					json_integer((json_int_t)e->confirmed_ms));
			json_array_append_new(arr, o);
		}
	}
	return arr;
}

json_t *
gw_stats_status_json(struct gw_ctrl *c)
{
	const struct gw_dp *dp = c->dp;
	struct gw_stats *s = malloc(sizeof(*s));
	json_t *doc, *workers, *ports, *by_reason;
	uint64_t total_drops = 0, now = gw_ctrl_now_ns();
	const char *why = NULL;
	char started[32];
	bool ready = gw_ctrl_ready(c, &why);
	unsigned w, p, k;

	if (s == NULL)
		return NULL;
	gw_stats_collect(dp, s);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ",
		 gmtime(&c->start_wall));
	doc = json_pack("{s:s, s:s, s:f, s:b, s:o, s:I}", "version",
			MESHGW_VERSION, "started_at", started, "uptime_s",
			(double)(now - c->start_ns) / 1e9, "ready", ready,
			"not_ready_reason", why ? json_string(why) : json_null(),
			"tsc_hz", (json_int_t)dp->tsc_hz);
	if (doc == NULL)
		goto out;
	json_object_set_new(doc, "config",
			    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I}",
				      "source", c->config_path, "resources",
				      (json_int_t)gw_config_resource_count(c->cfg),
				      "version",
				      (json_int_t)(dp->snap != NULL ?
						   dp->snap->version : 0),
				      "resourceVersion",
				      (json_int_t)(c->store != NULL ?
						   c->store->rv : 0),
				      "applies", (json_int_t)c->applies,
				      "applies_refused",
				      (json_int_t)(c->applies_tried - c->applies),
				      "last_compile_ms",
				      (double)c->last_compile_ns / 1e6,
				      "last_publish_ms",
				      (double)c->last_publish_ns / 1e6,
				      "snapshots_retired",
				      (json_int_t)gw_snap_retired_count(dp)));
	json_object_set_new(json_object_get(doc, "config"), "cert_reloads",
			    json_integer((json_int_t)c->certs_reloads));
	json_object_set_new(json_object_get(doc, "config"),
			    "cert_reloads_refused",
			    json_integer((json_int_t)c->certs_refused));
	json_object_set_new(doc, "draining", json_boolean(c->draining));
	json_object_set_new(doc, "healthcheck_failed",
			    json_boolean(c->hc_failed));
	json_object_set_new(
		doc, "rcu",
		json_pack("{s:I, s:o}", "grace_periods",
			  (json_int_t)c->grace_periods, "last_grace_ms_ago",
			  c->grace_periods ?
				  json_integer((json_int_t)((now - c->grace_done_ns) /
							    1000000)) :
				  json_null()));

	workers = json_array();
	for (w = 0; w < s->n_workers; w++) {
		const struct gw_stats_worker *sw = &s->worker[w];
		uint64_t all = sw->busy_cycles + sw->idle_cycles;

		json_array_append_new(
			workers,
			json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:f, s:I}",
				  "id", (int)w, "lcore",
				  (int)dp->workers[w]->lcore_id, "loops",
				  (json_int_t)sw->loops, "busy_loops",
				  (json_int_t)sw->busy_loops, "busy_cycles",
				  (json_int_t)sw->busy_cycles, "idle_cycles",
				  (json_int_t)sw->idle_cycles, "device_cycles",
				  (json_int_t)sw->device_cycles, "busy_pct",
				  all ? 100.0 * (double)sw->busy_cycles /
						(double)all :
					0.0,
				  "drops", (json_int_t)sw->drops));
	}
	json_object_set_new(doc, "workers", workers);
	/* packet buffers: what bounds the dataplane's memory; a reading
	 * over the per-lcore caches, so approximate while traffic flows */
	if (dp->pool != NULL)
		json_object_set_new(
			doc, "mbufs",
			json_pack("{s:I, s:I}", "total",
				  (json_int_t)dp->pool->size, "in_use",
				  (json_int_t)rte_mempool_in_use_count(dp->pool)));

	ports = json_array();
	by_reason = json_object();
	for (p = 0; p < s->n_ports; p++)
		json_array_append_new(ports, port_json(&dp->ports[p], &s->port[p]));
	for (k = 0; k < GW_DROP_MAX; k++) {
		uint64_t v = 0;

		for (p = 0; p < s->n_ports; p++)
			v += s->port[p].drop[k];
		total_drops += v;
		json_object_set_new(by_reason, gw_drop_names[k],
				    json_integer((json_int_t)v));
	}
	json_object_set_new(doc, "ports", ports);
	json_object_set_new(doc, "drops",
			    json_pack("{s:I, s:o}", "total",
				      (json_int_t)total_drops, "by_reason",
				      by_reason));
	{
		json_t *tcp = json_object();

#define TCP_JSON(f, help) \
	json_object_set_new(tcp, #f, json_integer((json_int_t)s->tcp.f));
		GW_TCP_STATS(TCP_JSON)
#undef TCP_JSON
		json_object_set_new(doc, "tcp", tcp);
	}
	{
		json_t *tls = json_object();

#define TLS_JSON(f, help) \
	json_object_set_new(tls, #f, json_integer((json_int_t)s->tls.f));
		GW_TLS_STATS(TLS_JSON)
#undef TLS_JSON
		json_object_set_new(doc, "tls", tls);
	}
	{
		json_t *px = json_object();

#define PROXY_JSON(f, help) \
	json_object_set_new(px, #f, json_integer((json_int_t)s->proxy.f));
		GW_PROXY_STATS(PROXY_JSON)
#undef PROXY_JSON
		json_object_set_new(doc, "proxy", px);
	}
	{
		json_t *l4 = gw_stats_l4_json(dp);

		if (l4 != NULL)
			json_object_set_new(doc, "l4", l4);
	}
	json_object_set_new(doc, "neighbours", neighbours_json(c));
out:
	free(s);
	return doc;
}
