/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ServiceEntry and WorkloadEntry (networking.istio.io) → services and
 * workloads: hosts, ports, STATIC endpoints with labels, ports by name and
 * weights, and the WorkloadEntries a ServiceEntry selects. Other
 * resolutions (DNS, NONE) are reported as not supported yet. Control
 * thread.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mesh_priv.h"

/* Workload fields shared by ServiceEntry endpoints and WorkloadEntry. */
static bool
decode_workload(struct mesh_ctx *c, const struct gw_config_node *n,
		const char *path, struct mesh_workload *w)
{
	static const char *const known[] = {
		"address", "ports", "labels", "weight", "serviceAccount", NULL,
	};
	static const char *const unsupported[] = {
		"network", "locality", NULL,
	};
	const struct gw_config_node *v;
	char p[200];
	uint64_t num;
	size_t i;

	if (!mesh_fields(c, n, path, known, unsupported))
		return false;
	w->res = c->res;
	w->weight = 1;
	v = gw_config_node_get(n, "address");
	snprintf(p, sizeof(p), "%s.address", path);
	if (v == NULL) {
		mesh_err(c, n, "%s: required", p);
		return false;
	}
	if (!mesh_ipv4(c, v, p, &w->addr))
		return false;
	v = gw_config_node_get(n, "ports");
	if (v != NULL) {
		struct mesh_label *names;
		uint16_t *nums;

		snprintf(p, sizeof(p), "%s.ports", path);
		if (!mesh_is_map(c, v, p))
			return false;
		names = mesh_alloc(&c->tmp, (v->n + 1) * sizeof(*names));
		nums = mesh_alloc(&c->tmp, (v->n + 1) * sizeof(*nums));
		if (names == NULL || nums == NULL) {
			c->nomem = true;
			return false;
		}
		for (i = 0; i < v->n; i++) {
			snprintf(p, sizeof(p), "%s.ports.%s", path,
				 v->pairs[i].key);
			if (!mesh_uint(c, v->pairs[i].value, p, 1, 65535, &num))
				return false;
			names[i].key = v->pairs[i].key;
			nums[i] = (uint16_t)num;
		}
		w->ports = names;
		w->port_numbers = nums;
		w->n_ports = v->n;
	}
	v = gw_config_node_get(n, "labels");
	snprintf(p, sizeof(p), "%s.labels", path);
	if (v != NULL && !mesh_labels(c, v, p, &w->labels))
		return false;
	v = gw_config_node_get(n, "weight");
	snprintf(p, sizeof(p), "%s.weight", path);
	if (v != NULL) {
		/* Istio: 0 or unset means 1 */
		if (!mesh_uint(c, v, p, 0, GW_LB_WEIGHT_MAX, &num))
			return false;
		w->weight = num == 0 ? 1 : (uint32_t)num;
	}
	v = gw_config_node_get(n, "serviceAccount");
	if (v != NULL) {
		const char *sa;

		snprintf(p, sizeof(p), "%s.serviceAccount", path);
		(void)mesh_str(c, v, p, &sa);
	}
	return true;
}

static bool
decode_port(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct mesh_se_port *port)
{
	static const char *const known[] = {
		"number", "protocol", "name", "targetPort", NULL,
	};
	const struct gw_config_node *v;
	const char *proto;
	char p[200];
	uint64_t num;

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	v = gw_config_node_get(n, "number");
	snprintf(p, sizeof(p), "%s.number", path);
	if (v == NULL) {
		mesh_err(c, n, "%s: required", p);
		return false;
	}
	if (!mesh_uint(c, v, p, 1, 65535, &num))
		return false;
	port->number = (uint16_t)num;
	v = gw_config_node_get(n, "targetPort");
	snprintf(p, sizeof(p), "%s.targetPort", path);
	if (v != NULL) {
		if (!mesh_uint(c, v, p, 1, 65535, &num))
			return false;
		port->target_port = (uint16_t)num;
	}
	v = gw_config_node_get(n, "name");
	snprintf(p, sizeof(p), "%s.name", path);
	if (v == NULL) {
		mesh_err(c, n, "%s: required", p);
		return false;
	}
	if (!mesh_str(c, v, p, &port->name))
		return false;
	v = gw_config_node_get(n, "protocol");
	snprintf(p, sizeof(p), "%s.protocol", path);
	/* HTTPS and TLS ports carry TLS as they are (passthrough), or get
	 * it from a DestinationRule's tls (origination), as in Istio; TCP
	 * (and MONGO) ports carry what tcp routes relay */
	if (v != NULL && mesh_str(c, v, p, &proto) &&
	    strcasecmp(proto, "HTTP") != 0 && strcasecmp(proto, "HTTPS") != 0 &&
	    strcasecmp(proto, "TLS") != 0 && strcasecmp(proto, "TCP") != 0 &&
	    strcasecmp(proto, "MONGO") != 0)
		mesh_warn(c, v, "%s: meshgw speaks HTTP/1.1 (or relays TLS "
			  "and TCP) to every upstream for now; \"%s\" is not "
			  "honoured", p, proto);
	return true;
}

void
mesh_decode_service_entry(struct mesh_ctx *c)
{
	static const char *const known[] = {
		"hosts", "ports", "resolution", "endpoints", "workloadSelector",
		"location", "addresses", NULL,
	};
	static const char *const unsupported[] = {
		"exportTo", "subjectAltNames", NULL,
	};
	const struct gw_config_node *spec = c->res->spec, *v;
	struct mesh_service *svc, s;
	struct mesh_se_port *ports = NULL;
	struct mesh_workload *eps = NULL;
	const char *str;
	char p[64];
	size_t i, j;

	memset(&s, 0, sizeof(s));
	s.res = c->res;
	if (spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!mesh_fields(c, spec, "spec", known, unsupported))
		return;
	v = mesh_seq_required(c, spec, "hosts", "spec.hosts", "host");
	if (v == NULL ||
	    !mesh_str_list(c, v, "spec.hosts", &s.hosts, &s.n_hosts))
		return;
	for (i = 0; i < s.n_hosts; i++) {
		if (strchr(s.hosts[i], '*') != NULL || s.hosts[i][0] == '\0')
			mesh_err(c, v->items[i], "spec.hosts[%zu]: \"%s\": a "
				 "STATIC service needs a plain host name", i,
				 s.hosts[i]);
	}
	v = mesh_seq_required(c, spec, "ports", "spec.ports", "port");
	if (v == NULL)
		return;
	ports = mesh_alloc(&c->tmp, v->n * sizeof(*ports));
	if (ports == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "spec.ports[%zu]", i);
		if (!decode_port(c, v->items[i], p, &ports[i]))
			return;
		for (j = 0; j < i; j++) {
			if (ports[j].number == ports[i].number ||
			    strcmp(ports[j].name, ports[i].name) == 0)
				mesh_err(c, v->items[i], "%s: number or name "
					 "repeats spec.ports[%zu]", p, j);
		}
	}
	s.ports = ports;
	s.n_ports = v->n;

	v = gw_config_node_get(spec, "resolution");
	if (v != NULL && mesh_str(c, v, "spec.resolution", &str)) {
		if (strcmp(str, "STATIC") == 0)
			s.static_resolution = true;
		else if (strcmp(str, "NONE") == 0 || strcmp(str, "DNS") == 0 ||
			 strcmp(str, "DNS_ROUND_ROBIN") == 0)
			mesh_warn(c, v, "spec.resolution: %s is not supported "
				  "yet: the service has no endpoints (503)",
				  str);
		else
			mesh_err(c, v, "spec.resolution: \"%s\" is not one of "
				 "NONE, STATIC, DNS, DNS_ROUND_ROBIN", str);
	} else if (v == NULL) {
		mesh_warn(c, spec, "spec.resolution: unset means NONE, which "
			  "is not supported yet: the service has no "
			  "endpoints (503)");
	}
	v = gw_config_node_get(spec, "location");
	if (v != NULL && mesh_str(c, v, "spec.location", &str) &&
	    strcmp(str, "MESH_EXTERNAL") != 0 &&
	    strcmp(str, "MESH_INTERNAL") != 0)
		mesh_err(c, v, "spec.location: \"%s\" is not MESH_EXTERNAL or "
			 "MESH_INTERNAL", str);
	v = gw_config_node_get(spec, "addresses");
	if (v != NULL) {
		const char *const *a;
		size_t n;

		if (mesh_str_list(c, v, "spec.addresses", &a, &n) && n > 0)
			mesh_warn(c, v, "spec.addresses: virtual IPs are not "
				  "used by a gateway, ignored");
	}

	v = gw_config_node_get(spec, "endpoints");
	if (v != NULL) {
		if (!mesh_is_seq(c, v, "spec.endpoints"))
			return;
		eps = mesh_alloc(&c->tmp, (v->n + 1) * sizeof(*eps));
		if (eps == NULL) {
			c->nomem = true;
			return;
		}
		for (i = 0; i < v->n; i++) {
			snprintf(p, sizeof(p), "spec.endpoints[%zu]", i);
			if (!decode_workload(c, v->items[i], p, &eps[i]))
				return;
		}
		s.endpoints = eps;
		s.n_endpoints = v->n;
	}
	v = gw_config_node_get(spec, "workloadSelector");
	if (v != NULL) {
		static const char *const ws_known[] = { "labels", NULL };
		const struct gw_config_node *l;

		if (!mesh_fields(c, v, "spec.workloadSelector", ws_known, NULL))
			return;
		l = gw_config_node_get(v, "labels");
		if (l == NULL || !mesh_labels(c, l,
					      "spec.workloadSelector.labels",
					      &s.selector)) {
			if (l == NULL)
				mesh_err(c, v, "spec.workloadSelector.labels: "
					 "required");
			return;
		}
		s.has_selector = true;
		if (s.n_endpoints > 0)
			mesh_err(c, v, "spec.workloadSelector: cannot be used "
				 "together with spec.endpoints");
	}
	if (c->res_error)
		return;
	svc = mesh_vec_push(&c->services);
	if (svc == NULL) {
		c->nomem = true;
		return;
	}
	*svc = s;
}

void
mesh_decode_workload_entry(struct mesh_ctx *c)
{
	struct mesh_workload w, *wp;

	memset(&w, 0, sizeof(w));
	if (c->res->spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!decode_workload(c, c->res->spec, "spec", &w) || c->res_error)
		return;
	wp = mesh_vec_push(&c->workloads);
	if (wp == NULL) {
		c->nomem = true;
		return;
	}
	*wp = w;
}
