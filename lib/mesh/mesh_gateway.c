/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gateway (networking.istio.io) → servers: port, protocol, hosts with
 * their namespace part, tls. HTTP, HTTPS (terminated), TLS or HTTPS
 * servers in PASSTHROUGH mode (routed by SNI), TCP (and MONGO, as opaque
 * TCP) and TLS terminated into tcp routes are compiled; the other
 * protocols are reported as not supported yet. Control thread.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mesh_priv.h"

static const char *const protocols[] = {
	"HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS",
	NULL,
};

/* "ns/host", "./host", "*\/host" or "host" (any namespace). */
static bool
server_host(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct mesh_server_host *h)
{
	const char *s, *slash;

	if (!mesh_str(c, n, path, &s))
		return false;
	slash = strchr(s, '/');
	if (slash == NULL) {
		h->ns = "*";
		h->host = s;
	} else {
		size_t nl = (size_t)(slash - s);

		h->host = slash + 1;
		if (nl == 1 && s[0] == '.')
			h->ns = c->res->namespace;
		else if (nl == 1 && s[0] == '*')
			h->ns = "*";
		else
			h->ns = mesh_printf(&c->tmp, "%.*s", (int)nl, s);
		if (h->ns == NULL) {
			c->nomem = true;
			return false;
		}
	}
	if (!mesh_host_pattern_ok(h->host)) {
		mesh_err(c, n, "%s: \"%s\" is not a host, \"*.suffix\" or "
			 "\"*\" (with an optional \"namespace/\")", path, s);
		return false;
	}
	return true;
}

/*
 * The tls of an HTTPS or TLS server when its mode does not terminate TLS
 * here: PASSTHROUGH (routed by SNI through VirtualService tls routes), or
 * a mode meshgw does not serve yet (the server is left out, with a
 * warning). @return false for a server that terminates TLS
 * (mesh_server_tls() decodes it): HTTPS for HTTP routing, TLS for tcp
 * routes.
 */
static bool
tls_mode_routes(struct mesh_ctx *c, const struct gw_config_node *tls,
		const char *path, struct mesh_server *sv)
{
	const struct gw_config_node *v = gw_config_node_get(tls, "mode");
	const char *mode = "PASSTHROUGH";
	char p[240];
	size_t i;

	snprintf(p, sizeof(p), "%s.mode", path);
	if (v != NULL && !mesh_str(c, v, p, &mode))
		return true;
	if (v == NULL && tls->n > 0) {
		/* certificates without a mode: Istio's default PASSTHROUGH
		 * would drop them, which is rarely what was meant */
		mesh_err(c, tls, "%s: absent, so PASSTHROUGH (Istio's "
			 "default), which does not use %s.%s; say SIMPLE (or "
			 "MUTUAL) to terminate TLS here", p, path,
			 tls->pairs[0].key);
		sv->http = sv->https = false;
		return true;
	}
	if (strcmp(mode, "PASSTHROUGH") == 0) {
		sv->passthrough = true;
		sv->http = sv->https = false;
		for (i = 0; i < tls->n; i++) {
			const char *k = tls->pairs[i].key;

			if (strcmp(k, "mode") != 0)
				mesh_warn(c, tls->pairs[i].value, "%s.%s: not "
					  "used in PASSTHROUGH mode (the "
					  "backend terminates TLS); ignored",
					  path, k);
		}
		return true;
	}
	if (strcmp(mode, "AUTO_PASSTHROUGH") == 0 ||
	    strcmp(mode, "ISTIO_MUTUAL") == 0) {
		mesh_warn(c, v, "%s: %s is not supported yet; this server is "
			  "ignored", p, mode);
		sv->http = sv->https = false;
		return true;
	}
	/* SIMPLE and the others: terminated (mesh_server_tls()), then HTTP
	 * routing (HTTPS) or tcp routes (TLS) */
	return false;
}

static void
decode_server(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, struct mesh_server *sv)
{
	static const char *const known[] = {
		"port", "hosts", "name", "tls", NULL,
	};
	static const char *const unsupported[] = {
		"bind", "defaultEndpoint", NULL,
	};
	static const char *const port_known[] = {
		"number", "protocol", "name", NULL,
	};
	static const char *const port_unsupported[] = { "targetPort", NULL };
	const struct gw_config_node *port, *v, *hosts;
	struct mesh_server_host *h;
	const char *proto = NULL, *name;
	bool tls_proto = false;
	char p[200];
	uint64_t num = 0;
	size_t i, k;

	sv->line = n->line;
	sv->col = n->col;
	if (!mesh_fields(c, n, path, known, unsupported))
		return;
	port = gw_config_node_get(n, "port");
	snprintf(p, sizeof(p), "%s.port", path);
	if (port == NULL) {
		mesh_err(c, n, "%s: required", p);
		return;
	}
	if (!mesh_fields(c, port, p, port_known, port_unsupported))
		return;
	v = gw_config_node_get(port, "number");
	snprintf(p, sizeof(p), "%s.port.number", path);
	if (v == NULL)
		mesh_err(c, port, "%s: required", p);
	else if (mesh_uint(c, v, p, 1, 65535, &num))
		sv->port = (uint16_t)num;
	v = gw_config_node_get(port, "protocol");
	snprintf(p, sizeof(p), "%s.port.protocol", path);
	if (v == NULL) {
		mesh_err(c, port, "%s: required", p);
	} else if (mesh_str(c, v, p, &proto)) {
		for (k = 0; protocols[k] != NULL; k++) {
			if (strcasecmp(proto, protocols[k]) == 0)
				break;
		}
		if (protocols[k] == NULL)
			mesh_err(c, v, "%s: \"%s\" is not one of HTTP, HTTPS, "
				 "GRPC, GRPC-WEB, HTTP2, MONGO, TCP, TLS", p,
				 proto);
		else if (k == 0)
			sv->http = true;
		else if (k == 1)
			sv->http = sv->https = true;
		else if (k == 7)
			tls_proto = true;
		else if (k == 6)
			sv->tcp = true;
		else if (k == 5) {
			/* Envoy's Mongo filter only adds statistics */
			mesh_warn(c, v, "%s: MONGO is proxied as opaque TCP "
				  "(tcp routes; no Mongo statistics)", p);
			sv->tcp = true;
		} else
			mesh_warn(c, v, "%s: %s servers are not supported yet; "
				  "this server is ignored", p, protocols[k]);
	}
	v = gw_config_node_get(port, "name");
	snprintf(p, sizeof(p), "%s.port.name", path);
	if (v != NULL)
		(void)mesh_str(c, v, p, &name);

	snprintf(p, sizeof(p), "%s.hosts", path);
	hosts = mesh_seq_required(c, n, "hosts", p, "host");
	if (hosts == NULL)
		return;
	h = mesh_alloc(&c->tmp, hosts->n * sizeof(*h));
	if (h == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < hosts->n; i++) {
		snprintf(p, sizeof(p), "%s.hosts[%zu]", path, i);
		if (!server_host(c, hosts->items[i], p, &h[i]))
			return;
	}
	sv->hosts = h;
	sv->n_hosts = hosts->n;

	v = gw_config_node_get(n, "tls");
	snprintf(p, sizeof(p), "%s.tls", path);
	if ((sv->https || tls_proto) && v != NULL &&
	    v->type == GW_CONFIG_NODE_MAP &&
	    tls_mode_routes(c, v, p, sv))
		return;
	if (sv->https) {
		char name[300];

		if (v == NULL) {
			mesh_err(c, n, "%s: required for an HTTPS server", p);
			return;
		}
		snprintf(name, sizeof(name), "%s/%s %s", c->res->namespace,
			 c->res->name, path + strlen("spec."));
		if (!mesh_is_map(c, v, p) ||
		    !mesh_server_tls(c, v, p, sv, name))
			sv->http = sv->https = false;
	} else if (tls_proto) {
		char name[300];

		/* TLS terminated here, the bytes routed by tcp routes */
		if (v == NULL) {
			mesh_err(c, n, "%s: required for a TLS server", p);
			return;
		}
		snprintf(name, sizeof(name), "%s/%s %s", c->res->namespace,
			 c->res->name, path + strlen("spec."));
		if (mesh_is_map(c, v, p) && mesh_server_tls(c, v, p, sv, name))
			sv->tcp = true;
	} else if (v != NULL && sv->tcp) {
		mesh_warn(c, v, "%s: not used by a TCP server; ignored", p);
	} else if (v != NULL && sv->http) {
		const struct gw_config_node *r;
		bool on = false;
		size_t i2;

		if (!mesh_is_map(c, v, p))
			return;
		r = gw_config_node_get(v, "httpsRedirect");
		snprintf(p, sizeof(p), "%s.tls.httpsRedirect", path);
		if (r != NULL && mesh_bool(c, r, p, &on))
			sv->redirect = on;
		for (i2 = 0; i2 < v->n; i2++) {
			if (strcmp(v->pairs[i2].key, "httpsRedirect") == 0)
				continue;
			mesh_warn(c, v->pairs[i2].value, "%s.tls.%s: not used "
				  "by an HTTP server; ignored", path,
				  v->pairs[i2].key);
		}
	}
}

void
mesh_decode_gateway(struct mesh_ctx *c)
{
	static const char *const known[] = { "servers", "selector", NULL };
	const struct gw_config_node *spec = c->res->spec, *servers;
	struct mesh_server *sv;
	struct mesh_gateway *gw;
	char p[64];
	size_t i, j;

	if (spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!mesh_fields(c, spec, "spec", known, NULL))
		return;
	/* selector picks the gateway workload: meshgw is it, whatever it
	 * says; still it must be labels */
	if (gw_config_node_get(spec, "selector") != NULL) {
		struct mesh_labels l;

		(void)mesh_labels(c, gw_config_node_get(spec, "selector"),
				  "spec.selector", &l);
	}
	servers = mesh_seq_required(c, spec, "servers", "spec.servers",
				    "server");
	if (servers == NULL)
		return;
	sv = mesh_alloc(&c->tmp, servers->n * sizeof(*sv));
	if (sv == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < servers->n; i++) {
		snprintf(p, sizeof(p), "spec.servers[%zu]", i);
		decode_server(c, servers->items[i], p, &sv[i]);
	}
	/* two HTTP servers of one Gateway on one port must not share a host */
	for (i = 0; i < servers->n; i++) {
		for (j = i + 1; j < servers->n; j++) {
			size_t a, b;

			if (!(sv[i].http || sv[i].passthrough || sv[i].tcp) ||
			    !(sv[j].http || sv[j].passthrough || sv[j].tcp) ||
			    sv[i].port != sv[j].port)
				continue;
			for (a = 0; a < sv[i].n_hosts; a++) {
				for (b = 0; b < sv[j].n_hosts; b++) {
					if (mesh_host_eq(sv[i].hosts[a].host,
							 sv[j].hosts[b].host))
						mesh_err(c, servers->items[j],
							 "spec.servers[%zu]: "
							 "host \"%s\" on port "
							 "%u is already served "
							 "by servers[%zu]", j,
							 sv[j].hosts[b].host,
							 sv[j].port, i);
				}
			}
		}
	}
	if (c->res_error)
		return;
	gw = mesh_vec_push(&c->gateways);
	if (gw == NULL) {
		c->nomem = true;
		return;
	}
	gw->res = c->res;
	gw->servers = sv;
	gw->n_servers = servers->n;
}
