/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ui — the data of the live stats page (/ui/data): what /api/v1/status
 * and /clusters show, the listeners and VirtualServices of the running
 * configuration, and the request counts and latency histogram of Istio's
 * series. All counters are totals since start: the page turns the
 * differences between two readings into rates and windowed percentiles.
 * Control thread only.
 */
#include <stdio.h>
#include <string.h>

#include "gw_snap.h"
#include "gw_stats.h"

static const char *
protocol_name(enum gw_mesh_protocol p)
{
	switch (p) {
	case GW_MESH_PROTO_HTTP:
		return "HTTP";
	case GW_MESH_PROTO_HTTPS:
		return "HTTPS";
	case GW_MESH_PROTO_TLS:
		return "TLS passthrough";
	case GW_MESH_PROTO_TCP:
		return "TCP";
	default:
		return "?";
	}
}

static json_t *
listeners_json(const struct gw_ctrl *c)
{
	json_t *arr = json_array();
	size_t i, n = c->mesh != NULL ? gw_mesh_listener_count(c->mesh) : 0;

	for (i = 0; arr != NULL && i < n; i++) {
		const struct gw_mesh_listener *ml =
			gw_mesh_listener_at(c->mesh, i);

		json_array_append_new(arr, json_pack(
			"{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I}",
			"name", ml->name, "port", (int)ml->port,
			"protocol", protocol_name(ml->protocol),
			"virtual_hosts", (json_int_t)ml->n_vhosts,
			"routes", (json_int_t)(ml->routes != NULL ?
				gw_route_table_route_count(ml->routes) : 0),
			"tls_servers", (json_int_t)ml->n_tls,
			"sni_routes", (json_int_t)ml->n_sni_routes,
			"tcp_routes", (json_int_t)ml->n_tcp_routes));
	}
	return arr;
}

/* Gateways and VirtualServices with their compiled state. */
static json_t *
routing_json(const struct gw_ctrl *c)
{
	json_t *arr = json_array();
	size_t i, n = c->cfg != NULL ? gw_config_resource_count(c->cfg) : 0;

	for (i = 0; arr != NULL && i < n; i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(c->cfg, i);
		char name[256];

		if (strcmp(r->kind, "VirtualService") != 0 &&
		    strcmp(r->kind, "Gateway") != 0)
			continue;
		snprintf(name, sizeof(name), "%s/%s", r->namespace, r->name);
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s}", "kind", r->kind, "name", name,
			"state", c->mesh != NULL ?
			gw_mesh_state_name(gw_mesh_resource_state(c->mesh, r)) :
			"not yet applied"));
	}
	return arr;
}

json_t *
gw_stats_ui_json(struct gw_ctrl *c)
{
	json_t *doc = json_object(), *clusters, *v;

	if (doc == NULL)
		return NULL;
	v = gw_stats_status_json(c);
	if (v == NULL || json_object_set_new(doc, "status", v) < 0)
		goto fail;
	clusters = gw_stats_clusters_json(c);
	if (clusters == NULL)
		goto fail;
	json_object_set(doc, "clusters",
			json_object_get(clusters, "cluster_statuses"));
	json_decref(clusters);
	v = gw_stats_istio_json(c);
	if (v == NULL || json_object_set_new(doc, "requests", v) < 0)
		goto fail;
	json_object_set_new(doc, "listeners", listeners_json(c));
	json_object_set_new(doc, "routing", routing_json(c));
	json_object_set_new(doc, "now_ms",
			    json_integer((json_int_t)(gw_ctrl_now_ns() /
						      1000000u)));
	return doc;
fail:
	json_decref(doc);
	return NULL;
}
