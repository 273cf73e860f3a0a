/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DestinationRule (networking.istio.io) → a host's traffic policy and
 * subsets: loadBalancer (simple and consistentHash), connectionPool
 * limits, timeouts and maxRetries, outlierDetection, subsets by labels
 * with their own policy, tls (origination, files read and checked). The
 * rest is reported as not applied yet. Control thread.
 */
#include <stdio.h>
#include <string.h>

#include "mesh_priv.h"

static void
decode_hash(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct gw_lb_conf *lb)
{
	static const char *const known[] = {
		"httpHeaderName", "httpCookie", "useSourceIp",
		"httpQueryParameterName", "ringHash", "maglev",
		"minimumRingSize", NULL,
	};
	const struct gw_config_node *v;
	struct gw_lb_hash_policy *h = &lb->hash;
	char p[200];
	uint64_t num;
	int keys = 0;

	if (!mesh_fields(c, n, path, known, NULL))
		return;
	lb->algo = GW_LB_RING_HASH;
	if ((v = gw_config_node_get(n, "httpHeaderName")) != NULL) {
		snprintf(p, sizeof(p), "%s.httpHeaderName", path);
		if (mesh_str(c, v, p, &h->name))
			h->on = GW_LB_HASH_ON_HEADER;
		keys++;
	}
	if ((v = gw_config_node_get(n, "httpQueryParameterName")) != NULL) {
		snprintf(p, sizeof(p), "%s.httpQueryParameterName", path);
		if (mesh_str(c, v, p, &h->name))
			h->on = GW_LB_HASH_ON_QUERY_PARAM;
		keys++;
	}
	if ((v = gw_config_node_get(n, "useSourceIp")) != NULL) {
		bool b = false;

		snprintf(p, sizeof(p), "%s.useSourceIp", path);
		if (mesh_bool(c, v, p, &b) && b)
			h->on = GW_LB_HASH_ON_SOURCE_IP;
		keys++;
	}
	if ((v = gw_config_node_get(n, "httpCookie")) != NULL) {
		static const char *const ck[] = { "name", "path", "ttl", NULL };
		const struct gw_config_node *f;
		uint32_t ms;

		snprintf(p, sizeof(p), "%s.httpCookie", path);
		keys++;
		if (mesh_fields(c, v, p, ck, NULL)) {
			h->on = GW_LB_HASH_ON_COOKIE;
			f = gw_config_node_get(v, "name");
			snprintf(p, sizeof(p), "%s.httpCookie.name", path);
			if (f == NULL)
				mesh_err(c, v, "%s: required", p);
			else
				(void)mesh_str(c, f, p, &h->name);
			f = gw_config_node_get(v, "path");
			snprintf(p, sizeof(p), "%s.httpCookie.path", path);
			if (f != NULL)
				(void)mesh_str(c, f, p, &h->cookie_path);
			f = gw_config_node_get(v, "ttl");
			snprintf(p, sizeof(p), "%s.httpCookie.ttl", path);
			if (f != NULL && mesh_duration(c, f, p, 0, UINT32_MAX,
						       &ms)) {
				h->cookie_generate = true;
				h->cookie_ttl_ms = ms;
			}
		}
	}
	if (keys != 1)
		mesh_err(c, n, "%s: exactly one of httpHeaderName, httpCookie, "
			 "useSourceIp, httpQueryParameterName is required",
			 path);
	if ((v = gw_config_node_get(n, "minimumRingSize")) != NULL) {
		snprintf(p, sizeof(p), "%s.minimumRingSize", path);
		if (mesh_uint(c, v, p, 1, GW_LB_RING_SIZE_MAX, &num))
			lb->ring_size_min = (uint32_t)num;
	}
	if ((v = gw_config_node_get(n, "ringHash")) != NULL) {
		static const char *const rk[] = { "minimumRingSize", NULL };
		const struct gw_config_node *f;

		snprintf(p, sizeof(p), "%s.ringHash", path);
		if (mesh_fields(c, v, p, rk, NULL) &&
		    (f = gw_config_node_get(v, "minimumRingSize")) != NULL) {
			snprintf(p, sizeof(p), "%s.ringHash.minimumRingSize",
				 path);
			if (mesh_uint(c, f, p, 1, GW_LB_RING_SIZE_MAX, &num))
				lb->ring_size_min = (uint32_t)num;
		}
	}
	if ((v = gw_config_node_get(n, "maglev")) != NULL) {
		static const char *const mk[] = { "tableSize", NULL };
		const struct gw_config_node *f;

		lb->algo = GW_LB_MAGLEV;
		snprintf(p, sizeof(p), "%s.maglev", path);
		if (gw_config_node_get(n, "ringHash") != NULL)
			mesh_err(c, v, "%s: ringHash and maglev exclude each "
				 "other", p);
		if (mesh_fields(c, v, p, mk, NULL) &&
		    (f = gw_config_node_get(v, "tableSize")) != NULL) {
			snprintf(p, sizeof(p), "%s.maglev.tableSize", path);
			if (mesh_uint(c, f, p, 1, GW_LB_MAGLEV_SIZE_MAX, &num))
				lb->maglev_size = (uint32_t)num;
		}
	}
}

static void
decode_lb(struct mesh_ctx *c, const struct gw_config_node *n,
	  const char *path, struct mesh_policy *pol)
{
	static const char *const known[] = {
		"simple", "consistentHash", NULL,
	};
	static const char *const unsupported[] = {
		"localityLbSetting", "warmupDurationSecs", "warmup", NULL,
	};
	const struct gw_config_node *v;
	const char *s;
	char p[200];

	if (!mesh_fields(c, n, path, known, unsupported))
		return;
	pol->has_lb = true;
	pol->lb.algo = GW_LB_LEAST_REQUEST;
	v = gw_config_node_get(n, "simple");
	snprintf(p, sizeof(p), "%s.simple", path);
	if (v != NULL && mesh_str(c, v, p, &s)) {
		if (strcmp(s, "ROUND_ROBIN") == 0)
			pol->lb.algo = GW_LB_ROUND_ROBIN;
		else if (strcmp(s, "LEAST_REQUEST") == 0 ||
			 strcmp(s, "LEAST_CONN") == 0 ||
			 strcmp(s, "UNSPECIFIED") == 0)
			pol->lb.algo = GW_LB_LEAST_REQUEST;
		else if (strcmp(s, "RANDOM") == 0)
			pol->lb.algo = GW_LB_RANDOM;
		else if (strcmp(s, "PASSTHROUGH") == 0)
			mesh_warn(c, v, "%s: PASSTHROUGH is not supported by a "
				  "gateway; LEAST_REQUEST is used", p);
		else
			mesh_err(c, v, "%s: \"%s\" is not one of UNSPECIFIED, "
				 "LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, "
				 "LEAST_REQUEST", p, s);
	}
	v = gw_config_node_get(n, "consistentHash");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.consistentHash", path);
		if (gw_config_node_get(n, "simple") != NULL)
			mesh_err(c, v, "%s: simple and consistentHash exclude "
				 "each other", p);
		decode_hash(c, v, p, &pol->lb);
	}
}

static void
decode_pool(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct mesh_policy *pol)
{
	static const char *const known[] = { "tcp", "http", NULL };
	static const char *const tcp_known[] = {
		"maxConnections", "connectTimeout", "idleTimeout", NULL,
	};
	static const char *const tcp_unsupported[] = {
		"tcpKeepalive", "maxConnectionDuration", NULL,
	};
	static const char *const http_known[] = {
		"http1MaxPendingRequests", "maxRequestsPerConnection",
		"idleTimeout", "maxRetries", NULL,
	};
	static const char *const http_unsupported[] = {
		"http2MaxRequests", "h2UpgradePolicy", "useClientProtocol",
		"maxConcurrentStreams", NULL,
	};
	const struct gw_config_node *t, *v;
	char p[200];
	uint64_t num;

	if (!mesh_fields(c, n, path, known, NULL))
		return;
	pol->has_pool = true;
	if ((t = gw_config_node_get(n, "tcp")) != NULL) {
		snprintf(p, sizeof(p), "%s.tcp", path);
		if (mesh_fields(c, t, p, tcp_known, tcp_unsupported)) {
			if ((v = gw_config_node_get(t, "maxConnections"))) {
				snprintf(p, sizeof(p), "%s.tcp.maxConnections",
					 path);
				if (mesh_uint(c, v, p, 1, UINT32_MAX, &num))
					pol->max_connections = (uint32_t)num;
			}
			if ((v = gw_config_node_get(t, "connectTimeout"))) {
				snprintf(p, sizeof(p), "%s.tcp.connectTimeout",
					 path);
				(void)mesh_duration(c, v, p, 1, UINT32_MAX,
						    &pol->connect_timeout_ms);
			}
			if ((v = gw_config_node_get(t, "idleTimeout"))) {
				snprintf(p, sizeof(p), "%s.tcp.idleTimeout",
					 path);
				(void)mesh_duration(c, v, p, 1, UINT32_MAX,
						    &pol->tcp_idle_timeout_ms);
			}
		}
	}
	if ((t = gw_config_node_get(n, "http")) != NULL) {
		snprintf(p, sizeof(p), "%s.http", path);
		if (mesh_fields(c, t, p, http_known, http_unsupported)) {
			if ((v = gw_config_node_get(t,
					"http1MaxPendingRequests"))) {
				snprintf(p, sizeof(p), "%s.http."
					 "http1MaxPendingRequests", path);
				if (mesh_uint(c, v, p, 1, UINT32_MAX, &num))
					pol->max_pending = (uint32_t)num;
			}
			if ((v = gw_config_node_get(t,
					"maxRequestsPerConnection"))) {
				snprintf(p, sizeof(p), "%s.http."
					 "maxRequestsPerConnection", path);
				/* 0 = unlimited (Istio) */
				if (mesh_uint(c, v, p, 0, UINT32_MAX, &num))
					pol->max_requests_per_conn = num == 0 ?
						GW_MESH_DEFAULT_MAX_REQUESTS :
						(uint32_t)num;
			}
			if ((v = gw_config_node_get(t, "idleTimeout"))) {
				snprintf(p, sizeof(p), "%s.http.idleTimeout",
					 path);
				(void)mesh_duration(c, v, p, 1, UINT32_MAX,
						    &pol->idle_timeout_ms);
			}
			if ((v = gw_config_node_get(t, "maxRetries"))) {
				snprintf(p, sizeof(p), "%s.http.maxRetries",
					 path);
				/* 0 is meaningful: no retry may be in flight */
				if (mesh_uint(c, v, p, 0, UINT32_MAX, &num)) {
					pol->has_max_retries = true;
					pol->max_retries = (uint32_t)num;
				}
			}
		}
	}
}

/* One uint32 field of outlierDetection, when present. */
static void
outlier_uint(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, const char *key, uint64_t max, uint32_t *out)
{
	const struct gw_config_node *v = gw_config_node_get(n, key);
	char p[200];
	uint64_t num;

	if (v == NULL)
		return;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (mesh_uint(c, v, p, 0, max, &num))
		*out = (uint32_t)num;
}

/* One duration field of outlierDetection, when present; > 0. */
static void
outlier_duration(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, const char *key, uint32_t *out)
{
	const struct gw_config_node *v = gw_config_node_get(n, key);
	char p[200];

	if (v == NULL)
		return;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	(void)mesh_duration(c, v, p, 1, UINT32_MAX, out);
}

/*
 * outlierDetection: present means enabled, with Istio's defaults for what
 * it leaves out. consecutive5xxErrors and consecutiveGatewayErrors are
 * UInt32Value in Istio's API, written as plain integers in YAML.
 */
static void
decode_outlier(struct mesh_ctx *c, const struct gw_config_node *n,
	       const char *path, struct mesh_policy *pol)
{
	static const char *const known[] = {
		"consecutive5xxErrors", "consecutiveGatewayErrors",
		"interval", "baseEjectionTime", "maxEjectionPercent",
		"minHealthPercent", NULL,
	};
	static const char *const unsupported[] = {
		"consecutiveErrors", "splitExternalLocalOriginErrors",
		"consecutiveLocalOriginFailures", NULL,
	};
	struct gw_mesh_outlier *o = &pol->outlier;

	if (!mesh_fields(c, n, path, known, unsupported))
		return;
	pol->has_outlier = true;
	o->enabled = true;
	o->consecutive_5xx = GW_MESH_DEFAULT_OUTLIER_5XX;
	o->consecutive_gateway = 0;
	o->interval_ms = GW_MESH_DEFAULT_OUTLIER_INTERVAL_MS;
	o->base_ejection_ms = GW_MESH_DEFAULT_OUTLIER_EJECTION_MS;
	o->max_ejection_percent = GW_MESH_DEFAULT_OUTLIER_MAX_EJECTION;
	o->min_health_percent = 0;
	outlier_uint(c, n, path, "consecutive5xxErrors", UINT32_MAX,
		     &o->consecutive_5xx);
	outlier_uint(c, n, path, "consecutiveGatewayErrors", UINT32_MAX,
		     &o->consecutive_gateway);
	outlier_duration(c, n, path, "interval", &o->interval_ms);
	outlier_duration(c, n, path, "baseEjectionTime", &o->base_ejection_ms);
	outlier_uint(c, n, path, "maxEjectionPercent", 100,
		     &o->max_ejection_percent);
	outlier_uint(c, n, path, "minHealthPercent", 100,
		     &o->min_health_percent);
}

static void
decode_policy(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, struct mesh_policy *pol)
{
	static const char *const known[] = {
		"loadBalancer", "connectionPool", "outlierDetection", "tls",
		NULL,
	};
	static const char *const unsupported[] = {
		"portLevelSettings", "tunnel", "proxyProtocol", NULL,
	};
	const struct gw_config_node *v;
	char p[200];

	if (!mesh_fields(c, n, path, known, unsupported))
		return;
	if ((v = gw_config_node_get(n, "loadBalancer")) != NULL) {
		snprintf(p, sizeof(p), "%s.loadBalancer", path);
		decode_lb(c, v, p, pol);
	}
	if ((v = gw_config_node_get(n, "connectionPool")) != NULL) {
		snprintf(p, sizeof(p), "%s.connectionPool", path);
		decode_pool(c, v, p, pol);
	}
	if ((v = gw_config_node_get(n, "outlierDetection")) != NULL) {
		snprintf(p, sizeof(p), "%s.outlierDetection", path);
		decode_outlier(c, v, p, pol);
	}
	if ((v = gw_config_node_get(n, "tls")) != NULL) {
		snprintf(p, sizeof(p), "%s.tls", path);
		if (mesh_client_tls(c, v, p, &pol->tls))
			pol->has_tls = true;
	}
}

void
mesh_decode_dest_rule(struct mesh_ctx *c)
{
	static const char *const known[] = {
		"host", "trafficPolicy", "subsets", NULL,
	};
	static const char *const unsupported[] = {
		"exportTo", "workloadSelector", NULL,
	};
	const struct gw_config_node *spec = c->res->spec, *v;
	struct mesh_dest_rule dr, *drp;
	struct mesh_subset *ss;
	char p[64];
	size_t i, j;

	memset(&dr, 0, sizeof(dr));
	dr.res = c->res;
	if (spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!mesh_fields(c, spec, "spec", known, unsupported))
		return;
	v = gw_config_node_get(spec, "host");
	if (v == NULL) {
		mesh_err(c, spec, "spec.host: required");
		return;
	}
	if (!mesh_str(c, v, "spec.host", &dr.host))
		return;
	if ((v = gw_config_node_get(spec, "trafficPolicy")) != NULL)
		decode_policy(c, v, "spec.trafficPolicy", &dr.policy);
	v = gw_config_node_get(spec, "subsets");
	if (v != NULL) {
		if (!mesh_is_seq(c, v, "spec.subsets"))
			return;
		ss = mesh_alloc(&c->tmp, (v->n + 1) * sizeof(*ss));
		if (ss == NULL) {
			c->nomem = true;
			return;
		}
		for (i = 0; i < v->n; i++) {
			static const char *const sk[] = {
				"name", "labels", "trafficPolicy", NULL,
			};
			const struct gw_config_node *s = v->items[i], *f;

			snprintf(p, sizeof(p), "spec.subsets[%zu]", i);
			if (!mesh_fields(c, s, p, sk, NULL))
				continue;
			f = gw_config_node_get(s, "name");
			if (f == NULL) {
				mesh_err(c, s, "%s.name: required", p);
				continue;
			}
			snprintf(p, sizeof(p), "spec.subsets[%zu].name", i);
			if (!mesh_str(c, f, p, &ss[i].name))
				continue;
			for (j = 0; j < i; j++) {
				if (ss[j].name != NULL &&
				    strcmp(ss[j].name, ss[i].name) == 0)
					mesh_err(c, f, "%s: \"%s\" repeats "
						 "spec.subsets[%zu]", p,
						 ss[i].name, j);
			}
			f = gw_config_node_get(s, "labels");
			snprintf(p, sizeof(p), "spec.subsets[%zu].labels", i);
			if (f != NULL)
				(void)mesh_labels(c, f, p, &ss[i].labels);
			f = gw_config_node_get(s, "trafficPolicy");
			snprintf(p, sizeof(p), "spec.subsets[%zu].trafficPolicy",
				 i);
			if (f != NULL)
				decode_policy(c, f, p, &ss[i].policy);
		}
		dr.subsets = ss;
		dr.n_subsets = v->n;
	}
	if (c->res_error)
		return;
	drp = mesh_vec_push(&c->dest_rules);
	if (drp == NULL) {
		c->nomem = true;
		return;
	}
	*drp = dr;
}
