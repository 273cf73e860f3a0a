/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clusters — what /clusters shows and the per-endpoint metrics: each
 * cluster's endpoints with their health (active checks, outlier
 * ejection, the operator's drain/maint), weight, and the request and
 * connection counts the workers keep, summed. Envoy's text format by
 * default, JSON with ?format=json. Control thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_health.h"
#include "gw_proxy.h"
#include "gw_snap.h"
#include "gw_stats.h"

/* Per-endpoint series stop past this many endpoints in all: a bound on
 * the exposition's cardinality (clusters keep their own series). */
#define CLUSTERS_PROM_ENDPOINTS_MAX 4096

static uint64_t
rd64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
gw_stats_endpoint(const struct gw_ctrl *c, uint32_t ci, uint32_t ep,
		  struct gw_stats_endpoint *o)
{
	struct gw_health_cluster *hc =
		gw_health_cluster_get(gw_snap_health(c->dp), ci);
	const struct gw_health_ep *e;
	unsigned w;

	memset(o, 0, sizeof(*o));
	if (hc == NULL || ep >= hc->n)
		return;
	e = &hc->eps[ep];
	o->mep = &hc->mc->endpoints[ep];
	snprintf(o->address, sizeof(o->address), "%u.%u.%u.%u:%u",
		 o->mep->addr >> 24, (o->mep->addr >> 16) & 0xff,
		 (o->mep->addr >> 8) & 0xff, o->mep->addr & 0xff,
		 o->mep->port);
	o->flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	o->hc_state = __atomic_load_n(&e->hc_state, __ATOMIC_RELAXED);
	o->weight = __atomic_load_n(&e->weight, __ATOMIC_RELAXED);
	o->ejections = rd64(&e->ejections_total);
	o->hc_checks = rd64(&e->hc_checks);
	o->hc_failures = rd64(&e->hc_failures);
	o->transitions = rd64(&e->transitions);
	for (w = 0; w < c->dp->n_workers; w++) {
		struct gw_proxy_ep_stats ps;
		uint64_t active;

		/* the current snapshot's generation: requests still on
		 * an older one are not in rq_active / cx_active */
		if (gw_proxy_endpoint_stats(c->dp->snap->proxy[w], ci, ep,
					    &ps, &active) < 0)
			continue;
		o->rq_total += ps.rq_total;
		o->rq_error += ps.rq_error;
		o->cx_total += ps.cx_total;
		o->cx_active += ps.cx_active;
		o->rq_active += active;
	}
}

static const char *
admin_name(uint32_t flags)
{
	if (flags & GW_HEALTH_F_MAINT)
		return "maint";
	if (flags & GW_HEALTH_F_DRAIN)
		return "drain";
	return "ready";
}

char *
gw_stats_clusters_text(const struct gw_ctrl *c, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	uint32_t ci, k, n;

	if (f == NULL)
		return NULL;
	n = gw_health_cluster_count(gw_snap_health(c->dp));
	for (ci = 0; ci < n; ci++) {
		const struct gw_health_cluster *hc =
			gw_health_cluster_get(gw_snap_health(c->dp), ci);
		const struct gw_mesh_cluster *mc = hc->mc;

		fprintf(f, "%s::default_priority::max_connections::%u\n"
			"%s::default_priority::max_pending_requests::%u\n"
			"%s::default_priority::max_retries::%u\n"
			"%s::panic::%d\n"
			"%s::outlier::ejections_total::%" PRIu64 "\n"
			"%s::outlier::ejections_overflow::%" PRIu64 "\n",
			mc->name, mc->max_connections, mc->name,
			mc->max_pending_requests, mc->name, mc->max_retries,
			mc->name, gw_health_panic(hc) ? 1 : 0, mc->name,
			hc->ejections_total, mc->name, hc->ejections_overflow);
		for (k = 0; k < hc->n; k++) {
			struct gw_stats_endpoint e;
			char flags[160];

			gw_stats_endpoint(c, ci, k, &e);
			gw_health_flags_format(e.flags, flags, sizeof(flags));
			fprintf(f,
				"%s::%s::cx_active::%" PRIu64 "\n"
				"%s::%s::cx_total::%" PRIu64 "\n"
				"%s::%s::rq_active::%" PRIu64 "\n"
				"%s::%s::rq_error::%" PRIu64 "\n"
				"%s::%s::rq_total::%" PRIu64 "\n"
				"%s::%s::health_flags::%s\n"
				"%s::%s::hc_state::%s\n"
				"%s::%s::admin_state::%s\n"
				"%s::%s::weight::%u\n"
				"%s::%s::outlier_ejections::%" PRIu64 "\n",
				mc->name, e.address, e.cx_active, mc->name,
				e.address, e.cx_total, mc->name, e.address,
				e.rq_active, mc->name, e.address, e.rq_error,
				mc->name, e.address, e.rq_total, mc->name,
				e.address, flags, mc->name, e.address,
				gw_health_hc_state_name(e.hc_state), mc->name,
				e.address, admin_name(e.flags), mc->name,
				e.address, e.weight, mc->name, e.address,
				e.ejections);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

json_t *
gw_stats_clusters_json(const struct gw_ctrl *c)
{
	json_t *doc = json_object(), *arr = json_array();
	uint32_t ci, k, n;

	if (doc == NULL || arr == NULL ||
	    json_object_set_new(doc, "cluster_statuses", arr) < 0) {
		json_decref(doc);
		return NULL;
	}
	n = gw_health_cluster_count(gw_snap_health(c->dp));
	for (ci = 0; ci < n; ci++) {
		const struct gw_health_cluster *hc =
			gw_health_cluster_get(gw_snap_health(c->dp), ci);
		const struct gw_mesh_cluster *mc = hc->mc;
		json_t *cl, *hosts = json_array();

		cl = json_pack("{s:s, s:s, s:b, s:i, s:I, s:I, s:o}",
			       "name", mc->name, "health_check",
			       mc->health_check != NULL ?
			       mc->health_check->name : "",
			       "panic", gw_health_panic(hc),
			       "panic_threshold_percent",
			       (int)hc->panic_percent,
			       "outlier_ejections_total",
			       (json_int_t)hc->ejections_total,
			       "outlier_ejections_overflow",
			       (json_int_t)hc->ejections_overflow,
			       "host_statuses", hosts);
		if (cl == NULL || json_array_append_new(arr, cl) < 0) {
			json_decref(doc);
			return NULL;
		}
		for (k = 0; k < hc->n; k++) {
			struct gw_stats_endpoint e;
			char flags[160];
			json_t *h;

			gw_stats_endpoint(c, ci, k, &e);
			gw_health_flags_format(e.flags, flags, sizeof(flags));
			h = json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:{s:I, "
				      "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
				      "address", e.address,
				      "health_flags", flags,
				      "hc_state",
				      gw_health_hc_state_name(e.hc_state),
				      "admin_state", admin_name(e.flags),
				      "healthy", e.flags == 0,
				      "weight", (int)e.weight,
				      "stats",
				      "cx_active", (json_int_t)e.cx_active,
				      "cx_total", (json_int_t)e.cx_total,
				      "rq_active", (json_int_t)e.rq_active,
				      "rq_error", (json_int_t)e.rq_error,
				      "rq_total", (json_int_t)e.rq_total,
				      "outlier_ejections",
				      (json_int_t)e.ejections,
				      "hc_checks", (json_int_t)e.hc_checks,
				      "hc_failures", (json_int_t)e.hc_failures,
				      "health_transitions",
				      (json_int_t)e.transitions);
			if (h == NULL || json_array_append_new(hosts, h) < 0) {
				json_decref(doc);
				return NULL;
			}
		}
	}
	return doc;
}

/* One per-endpoint family. off: the field of struct gw_stats_endpoint. */
static void
ep_family(struct gw_metrics_buf *b, const struct gw_ctrl *c,
	  const char *name, enum gw_metrics_type type, const char *help,
	  size_t off)
{
	uint32_t ci, k, n = gw_health_cluster_count(gw_snap_health(c->dp)), shown = 0;

	gw_metrics_family(b, name, type, help);
	for (ci = 0; ci < n; ci++) {
		const struct gw_health_cluster *hc =
			gw_health_cluster_get(gw_snap_health(c->dp), ci);

		for (k = 0; k < hc->n; k++) {
			struct gw_stats_endpoint e;
			const char *labels[] = { "cluster", hc->mc->name,
						 "endpoint", NULL, NULL };
			uint64_t v;

			if (++shown > CLUSTERS_PROM_ENDPOINTS_MAX)
				return;
			gw_stats_endpoint(c, ci, k, &e);
			labels[3] = e.address;
			if (off == SIZE_MAX)
				v = e.flags == 0;
			else
				memcpy(&v, (const char *)&e + off, sizeof(v));
			gw_metrics_sample_u64(b, name, labels, v);
		}
	}
}

void
gw_stats_clusters_prometheus(const struct gw_ctrl *c,
			     struct gw_metrics_buf *b)
{
	uint32_t ci, n = gw_health_cluster_count(gw_snap_health(c->dp));

	gw_metrics_family(b, "meshgw_cluster_endpoints_healthy",
			  GW_METRICS_GAUGE,
			  "Endpoints in service: healthy, not ejected, not "
			  "drained.");
	for (ci = 0; ci < n; ci++) {
		const struct gw_health_cluster *hc =
			gw_health_cluster_get(gw_snap_health(c->dp), ci);
		const char *labels[] = { "cluster", hc->mc->name, NULL };
		uint64_t ok = 0;
		uint32_t k;

		for (k = 0; k < hc->n; k++)
			ok += __atomic_load_n(&hc->eps[k].flags,
					      __ATOMIC_RELAXED) == 0;
		gw_metrics_sample_u64(b, "meshgw_cluster_endpoints_healthy",
				      labels, ok);
	}
	gw_metrics_family(b, "meshgw_cluster_panic", GW_METRICS_GAUGE,
			  "1 while too few endpoints are healthy and all of "
			  "those in service get traffic.");
	for (ci = 0; ci < n; ci++) {
		const struct gw_health_cluster *hc =
			gw_health_cluster_get(gw_snap_health(c->dp), ci);
		const char *labels[] = { "cluster", hc->mc->name, NULL };

		gw_metrics_sample_u64(b, "meshgw_cluster_panic", labels,
				      gw_health_panic(hc));
	}
	ep_family(b, c, "meshgw_endpoint_healthy", GW_METRICS_GAUGE,
		  "1 when the endpoint is in service.", SIZE_MAX);
	ep_family(b, c, "meshgw_endpoint_rq_total", GW_METRICS_COUNTER,
		  "Attempts on the endpoint that ended.",
		  offsetof(struct gw_stats_endpoint, rq_total));
	ep_family(b, c, "meshgw_endpoint_rq_error_total", GW_METRICS_COUNTER,
		  "Of them, 5xx answers and local failures.",
		  offsetof(struct gw_stats_endpoint, rq_error));
	ep_family(b, c, "meshgw_endpoint_rq_active", GW_METRICS_GAUGE,
		  "Requests on the endpoint now.",
		  offsetof(struct gw_stats_endpoint, rq_active));
	ep_family(b, c, "meshgw_endpoint_cx_active", GW_METRICS_GAUGE,
		  "Connections to the endpoint now.",
		  offsetof(struct gw_stats_endpoint, cx_active));
	ep_family(b, c, "meshgw_endpoint_outlier_ejections_total",
		  GW_METRICS_COUNTER, "Outlier ejections of the endpoint.",
		  offsetof(struct gw_stats_endpoint, ejections));
	ep_family(b, c, "meshgw_endpoint_health_checks_total",
		  GW_METRICS_COUNTER, "Active health checks that ended.",
		  offsetof(struct gw_stats_endpoint, hc_checks));
	ep_family(b, c, "meshgw_endpoint_health_check_failures_total",
		  GW_METRICS_COUNTER, "Of them, failed.",
		  offsetof(struct gw_stats_endpoint, hc_failures));
	ep_family(b, c, "meshgw_endpoint_health_transitions_total",
		  GW_METRICS_COUNTER,
		  "Changes between healthy and unhealthy (checks, "
		  "ejections).",
		  offsetof(struct gw_stats_endpoint, transitions));
}
