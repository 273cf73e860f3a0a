/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VirtualService (networking.istio.io) → http routes in lib/route's
 * builder form, with the gateways the service and each match block bind
 * to, tls routes (SNI passthrough) and tcp routes (by port, destination
 * and source subnets) with their weighted destinations. Strings are
 * borrowed from the configuration (lib/route copies what it keeps).
 * Control thread.
 */
#include <stdio.h>
#include <string.h>

#include "mesh_priv.h"

#define P(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

static void *
tmp_array(struct mesh_ctx *c, size_t n, size_t size)
{
	void *p = mesh_alloc(&c->tmp, (n ? n : 1) * size);

	if (p == NULL)
		c->nomem = true;
	return p;
}

/* Istio StringMatch: exactly one of exact, prefix, regex; {} = any. */
static bool
str_match(struct mesh_ctx *c, const struct gw_config_node *n,
	  const char *path, struct gw_route_str_match *m)
{
	static const char *const known[] = { "exact", "prefix", "regex", NULL };
	static const char *const names[] = { "exact", "prefix", "regex" };
	static const enum gw_route_str_kind kinds[] = {
		GW_ROUTE_STR_EXACT, GW_ROUTE_STR_PREFIX, GW_ROUTE_STR_REGEX,
	};
	char p[240];
	int k, found = 0;

	m->kind = GW_ROUTE_STR_ANY;
	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	for (k = 0; k < 3; k++) {
		const struct gw_config_node *v = gw_config_node_get(n, names[k]);

		if (v == NULL)
			continue;
		found++;
		P(p, "%s.%s", path, names[k]);
		if (!mesh_str(c, v, p, &m->value))
			return false;
		m->kind = kinds[k];
	}
	if (found > 1) {
		mesh_err(c, n, "%s: exact, prefix and regex exclude each other",
			 path);
		return false;
	}
	return true;
}

static bool
kv_matches(struct mesh_ctx *c, const struct gw_config_node *n,
	   const char *path, const struct gw_route_kv_match **out,
	   size_t *n_out)
{
	struct gw_route_kv_match *kv;
	char p[240];
	size_t i;

	if (!mesh_is_map(c, n, path))
		return false;
	kv = tmp_array(c, n->n, sizeof(*kv));
	if (kv == NULL)
		return false;
	for (i = 0; i < n->n; i++) {
		P(p, "%s.%s", path, n->pairs[i].key);
		kv[i].name = n->pairs[i].key;
		if (!str_match(c, n->pairs[i].value, p, &kv[i].match))
			return false;
	}
	*out = kv;
	*n_out = n->n;
	return true;
}

/* "name" → "<vs ns>/name"; "ns/name" kept; "mesh" dropped (NULL). */
static const char *
gateway_ref(struct mesh_ctx *c, const char *s)
{
	if (strcmp(s, "mesh") == 0)
		return NULL;
	if (strchr(s, '/') != NULL)
		return s;
	s = mesh_printf(&c->tmp, "%s/%s", c->res->namespace, s);
	if (s == NULL)
		c->nomem = true;
	return s;
}

static bool
gateway_list(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, const char *const **out, size_t *n_out)
{
	const char *const *raw;
	const char **l;
	size_t i, k = 0, nraw;

	if (!mesh_str_list(c, n, path, &raw, &nraw))
		return false;
	l = tmp_array(c, nraw, sizeof(*l));
	if (l == NULL)
		return false;
	for (i = 0; i < nraw; i++) {
		const char *g = gateway_ref(c, raw[i]);

		if (g != NULL)
			l[k++] = g;
	}
	*out = l;
	*n_out = k;
	return true;
}

/* A match block's port and gateways (http and tls routes alike). */
static bool
match_port_gws(struct mesh_ctx *c, const struct gw_config_node *n,
	       const char *path, uint32_t *port, struct mesh_block_gws *gws,
	       bool *never)
{
	const struct gw_config_node *v;
	char p[240];
	uint64_t num;

	if ((v = gw_config_node_get(n, "port")) != NULL) {
		P(p, "%s.port", path);
		if (!mesh_uint(c, v, p, 1, 65535, &num))
			return false;
		*port = (uint32_t)num;
	}
	if ((v = gw_config_node_get(n, "gateways")) != NULL) {
		P(p, "%s.gateways", path);
		if (!gateway_list(c, v, p, &gws->names, &gws->n))
			return false;
		if (gws->n == 0)
			*never = true;	/* only "mesh": not for a gateway */
	}
	return true;
}

static bool
decode_match(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, struct gw_route_match_conf *m,
	     struct mesh_block_gws *gws, bool *never)
{
	static const char *const known[] = {
		"name", "uri", "scheme", "method", "authority", "headers",
		"withoutHeaders", "queryParams", "ignoreUriCase", "port",
		"gateways", "sourceLabels", "sourceNamespace", "statPrefix",
		NULL,
	};
	static const char *const strs[] = {
		"uri", "scheme", "method", "authority",
	};
	struct gw_route_str_match *dst[] = {
		&m->uri, &m->scheme, &m->method, &m->authority,
	};
	const struct gw_config_node *v;
	char p[240];
	size_t k;

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "name")) != NULL) {
		P(p, "%s.name", path);
		(void)mesh_str(c, v, p, &m->name);
	}
	for (k = 0; k < 4; k++) {
		if ((v = gw_config_node_get(n, strs[k])) == NULL)
			continue;
		P(p, "%s.%s", path, strs[k]);
		if (!str_match(c, v, p, dst[k]))
			return false;
	}
	if ((v = gw_config_node_get(n, "headers")) != NULL) {
		P(p, "%s.headers", path);
		if (!kv_matches(c, v, p, &m->headers, &m->n_headers))
			return false;
	}
	if ((v = gw_config_node_get(n, "withoutHeaders")) != NULL) {
		P(p, "%s.withoutHeaders", path);
		if (!kv_matches(c, v, p, &m->without_headers,
				&m->n_without_headers))
			return false;
	}
	if ((v = gw_config_node_get(n, "queryParams")) != NULL) {
		P(p, "%s.queryParams", path);
		if (!kv_matches(c, v, p, &m->query_params, &m->n_query_params))
			return false;
	}
	if ((v = gw_config_node_get(n, "ignoreUriCase")) != NULL) {
		P(p, "%s.ignoreUriCase", path);
		if (!mesh_bool(c, v, p, &m->ignore_uri_case))
			return false;
	}
	if (!match_port_gws(c, n, path, &m->port, gws, never))
		return false;
	if ((v = gw_config_node_get(n, "sourceLabels")) != NULL ||
	    (v = gw_config_node_get(n, "sourceNamespace")) != NULL) {
		/* narrower, never broader: a condition meshgw cannot check
		 * is not taken as met */
		P(p, "%s", path);
		mesh_warn(c, v, "%s: sourceLabels and sourceNamespace select "
			  "sidecar clients, which a gateway has not; this "
			  "match block never matches", p);
		*never = true;
	}
	if ((v = gw_config_node_get(n, "statPrefix")) != NULL) {
		const char *s;

		P(p, "%s.statPrefix", path);
		(void)mesh_str(c, v, p, &s);
	}
	return true;
}

static bool
hdr_map(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	const struct gw_route_hdr **out, size_t *n_out)
{
	struct gw_route_hdr *h;
	char p[240];
	size_t i;

	if (!mesh_is_map(c, n, path))
		return false;
	h = tmp_array(c, n->n, sizeof(*h));
	if (h == NULL)
		return false;
	for (i = 0; i < n->n; i++) {
		P(p, "%s.%s", path, n->pairs[i].key);
		h[i].name = n->pairs[i].key;
		if (!mesh_str(c, n->pairs[i].value, p, &h[i].value))
			return false;
	}
	*out = h;
	*n_out = n->n;
	return true;
}

static bool
hdr_ops(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	struct gw_route_hdr_ops *ops)
{
	static const char *const known[] = { "set", "add", "remove", NULL };
	const struct gw_config_node *v;
	char p[240];

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "set")) != NULL) {
		P(p, "%s.set", path);
		if (!hdr_map(c, v, p, &ops->set, &ops->n_set))
			return false;
	}
	if ((v = gw_config_node_get(n, "add")) != NULL) {
		P(p, "%s.add", path);
		if (!hdr_map(c, v, p, &ops->add, &ops->n_add))
			return false;
	}
	if ((v = gw_config_node_get(n, "remove")) != NULL) {
		P(p, "%s.remove", path);
		if (!mesh_str_list(c, v, p, &ops->remove, &ops->n_remove))
			return false;
	}
	return true;
}

static bool
headers(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	struct gw_route_hdr_edits *e)
{
	static const char *const known[] = { "request", "response", NULL };
	const struct gw_config_node *v;
	char p[240];

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "request")) != NULL) {
		P(p, "%s.request", path);
		if (!hdr_ops(c, v, p, &e->request))
			return false;
	}
	if ((v = gw_config_node_get(n, "response")) != NULL) {
		P(p, "%s.response", path);
		if (!hdr_ops(c, v, p, &e->response))
			return false;
	}
	return true;
}

/* Istio Destination {host, subset, port {number}}. */
static bool
destination(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, const char **host, const char **subset,
	    uint32_t *port)
{
	static const char *const known[] = { "host", "subset", "port", NULL };
	const struct gw_config_node *v;
	char p[240];
	uint64_t num;

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "host")) == NULL) {
		mesh_err(c, n, "%s.host: required", path);
		return false;
	}
	P(p, "%s.host", path);
	if (!mesh_str(c, v, p, host))
		return false;
	if ((v = gw_config_node_get(n, "subset")) != NULL) {
		P(p, "%s.subset", path);
		if (!mesh_str(c, v, p, subset))
			return false;
	}
	if ((v = gw_config_node_get(n, "port")) != NULL) {
		static const char *const pk[] = { "number", NULL };
		const struct gw_config_node *f;

		P(p, "%s.port", path);
		if (!mesh_fields(c, v, p, pk, NULL))
			return false;
		if ((f = gw_config_node_get(v, "number")) != NULL) {
			P(p, "%s.port.number", path);
			if (!mesh_uint(c, f, p, 1, 65535, &num))
				return false;
			*port = (uint32_t)num;
		}
	}
	return true;
}

/* http (or tls, without headers) RouteDestinations into r's dests. */
static bool
route_dests(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, bool http, struct gw_route_conf *r)
{
	static const char *const known[] = {
		"destination", "weight", "headers", NULL,
	};
	static const char *const l4_known[] = {
		"destination", "weight", NULL,
	};
	struct gw_route_dest_conf *d;
	const struct gw_config_node *v;
	char p[240];
	uint64_t num;
	size_t i;

	if (!mesh_is_seq(c, n, path))
		return false;
	d = tmp_array(c, n->n, sizeof(*d));
	if (d == NULL)
		return false;
	for (i = 0; i < n->n; i++) {
		const struct gw_config_node *it = n->items[i];

		P(p, "%s[%zu]", path, i);
		if (!mesh_fields(c, it, p, http ? known : l4_known, NULL))
			return false;
		if ((v = gw_config_node_get(it, "destination")) == NULL) {
			mesh_err(c, it, "%s.destination: required", p);
			return false;
		}
		P(p, "%s[%zu].destination", path, i);
		if (!destination(c, v, p, &d[i].host, &d[i].subset,
				 &d[i].port))
			return false;
		if ((v = gw_config_node_get(it, "weight")) != NULL) {
			P(p, "%s[%zu].weight", path, i);
			if (!mesh_uint(c, v, p, 0, INT32_MAX, &num))
				return false;
			d[i].weight = (int64_t)num;
		}
		if ((v = gw_config_node_get(it, "headers")) != NULL) {
			P(p, "%s[%zu].headers", path, i);
			if (!headers(c, v, p, &d[i].headers))
				return false;
		}
		d[i].user = GW_MESH_NO_CLUSTER;
	}
	r->dests = d;
	r->n_dests = n->n;
	return true;
}

static bool
redirect(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	 struct gw_route_conf *r)
{
	static const char *const known[] = {
		"uri", "authority", "port", "derivePort", "scheme",
		"redirectCode", NULL,
	};
	struct gw_route_redirect *rd = tmp_array(c, 1, sizeof(*rd));
	const struct gw_config_node *v;
	const char *s;
	char p[240];
	uint64_t num;

	if (rd == NULL || !mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "uri")) != NULL) {
		P(p, "%s.uri", path);
		if (!mesh_str(c, v, p, &rd->uri))
			return false;
	}
	if ((v = gw_config_node_get(n, "authority")) != NULL) {
		P(p, "%s.authority", path);
		if (!mesh_str(c, v, p, &rd->authority))
			return false;
	}
	if ((v = gw_config_node_get(n, "scheme")) != NULL) {
		P(p, "%s.scheme", path);
		if (!mesh_str(c, v, p, &rd->scheme))
			return false;
	}
	if ((v = gw_config_node_get(n, "port")) != NULL) {
		P(p, "%s.port", path);
		if (!mesh_uint(c, v, p, 1, 65535, &num))
			return false;
		rd->port = (uint32_t)num;
	}
	if ((v = gw_config_node_get(n, "derivePort")) != NULL) {
		P(p, "%s.derivePort", path);
		if (!mesh_str(c, v, p, &s))
			return false;
		if (strcmp(s, "FROM_PROTOCOL_DEFAULT") == 0)
			rd->derive_port = GW_ROUTE_PORT_FROM_PROTOCOL_DEFAULT;
		else if (strcmp(s, "FROM_REQUEST_PORT") == 0)
			rd->derive_port = GW_ROUTE_PORT_FROM_REQUEST_PORT;
		else {
			mesh_err(c, v, "%s: \"%s\" is not FROM_PROTOCOL_DEFAULT "
				 "or FROM_REQUEST_PORT", p, s);
			return false;
		}
		if (rd->port != 0) {
			mesh_err(c, v, "%s: port and derivePort exclude each "
				 "other", p);
			return false;
		}
	}
	if ((v = gw_config_node_get(n, "redirectCode")) != NULL) {
		P(p, "%s.redirectCode", path);
		if (!mesh_uint(c, v, p, 300, 399, &num))
			return false;
		rd->code = (uint32_t)num;
	}
	r->redirect = rd;
	return true;
}

static bool
direct_response(struct mesh_ctx *c, const struct gw_config_node *n,
		const char *path, struct gw_route_conf *r)
{
	static const char *const known[] = { "status", "body", NULL };
	struct gw_route_direct_response *dr = tmp_array(c, 1, sizeof(*dr));
	const struct gw_config_node *v;
	char p[240];
	uint64_t num;

	if (dr == NULL || !mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "status")) == NULL) {
		mesh_err(c, n, "%s.status: required", path);
		return false;
	}
	P(p, "%s.status", path);
	if (!mesh_uint(c, v, p, 200, 599, &num))
		return false;
	dr->status = (uint32_t)num;
	if ((v = gw_config_node_get(n, "body")) != NULL) {
		static const char *const bk[] = { "string", NULL };
		static const char *const bu[] = { "bytes", NULL };
		const struct gw_config_node *f;

		P(p, "%s.body", path);
		if (!mesh_fields(c, v, p, bk, bu))
			return false;
		if ((f = gw_config_node_get(v, "string")) != NULL) {
			P(p, "%s.body.string", path);
			if (!mesh_str(c, f, p, &dr->body))
				return false;
		}
	}
	r->direct_response = dr;
	return true;
}

static bool
rewrite(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	struct gw_route_conf *r)
{
	static const char *const known[] = {
		"uri", "authority", "uriRegexRewrite", NULL,
	};
	const struct gw_config_node *v;
	char p[240];

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "uri")) != NULL) {
		P(p, "%s.uri", path);
		if (!mesh_str(c, v, p, &r->rewrite_uri))
			return false;
	}
	if ((v = gw_config_node_get(n, "authority")) != NULL) {
		P(p, "%s.authority", path);
		if (!mesh_str(c, v, p, &r->rewrite_authority))
			return false;
	}
	if ((v = gw_config_node_get(n, "uriRegexRewrite")) != NULL) {
		static const char *const rk[] = { "match", "rewrite", NULL };
		const struct gw_config_node *f;

		P(p, "%s.uriRegexRewrite", path);
		if (!mesh_fields(c, v, p, rk, NULL))
			return false;
		if (r->rewrite_uri != NULL) {
			mesh_err(c, v, "%s: uri and uriRegexRewrite exclude "
				 "each other", p);
			return false;
		}
		f = gw_config_node_get(v, "match");
		if (f == NULL || !mesh_str(c, f, "uriRegexRewrite.match",
					   &r->regex_rewrite_match)) {
			if (f == NULL)
				mesh_err(c, v, "%s.match: required", p);
			return false;
		}
		f = gw_config_node_get(v, "rewrite");
		if (f == NULL || !mesh_str(c, f, "uriRegexRewrite.rewrite",
					   &r->regex_rewrite)) {
			if (f == NULL)
				mesh_err(c, v, "%s.rewrite: required", p);
			return false;
		}
	}
	return true;
}

static bool mesh_list_has(const char *s, const char *token);

static bool
retries(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	struct gw_route_conf *r)
{
	static const char *const known[] = {
		"attempts", "perTryTimeout", "retryOn", NULL,
	};
	static const char *const unsupported[] = {
		"retryRemoteLocalities", "retryIgnorePreviousHosts", "backoff",
		NULL,
	};
	struct gw_route_retry_conf *rt = tmp_array(c, 1, sizeof(*rt));
	const struct gw_config_node *v;
	char p[240];
	uint64_t num;

	if (rt == NULL || !mesh_fields(c, n, path, known, unsupported))
		return false;
	rt->attempts = 2; /* Istio's default when retries is given without */
	if ((v = gw_config_node_get(n, "attempts")) != NULL) {
		P(p, "%s.attempts", path);
		if (!mesh_uint(c, v, p, 0, 1000, &num))
			return false;
		rt->attempts = (int32_t)num;
	}
	if ((v = gw_config_node_get(n, "perTryTimeout")) != NULL) {
		P(p, "%s.perTryTimeout", path);
		if (!mesh_duration(c, v, p, 1, UINT32_MAX,
				   &rt->per_try_timeout_ms))
			return false;
	}
	if ((v = gw_config_node_get(n, "retryOn")) != NULL) {
		/* tokens of gRPC status, HTTP/2 and HTTP/3 never match what
		 * an HTTP/1.1 upstream answers: said, not silently kept */
		static const char *const inert[] = {
			"cancelled", "deadline-exceeded", "internal",
			"resource-exhausted", "unavailable", "refused-stream",
			"http3-post-connect-failure", "envoy-ratelimited",
			"retriable-headers", NULL,
		};
		size_t i;

		P(p, "%s.retryOn", path);
		if (!mesh_str(c, v, p, &rt->retry_on))
			return false;
		for (i = 0; inert[i] != NULL; i++)
			if (mesh_list_has(rt->retry_on, inert[i]))
				mesh_warn(c, v, "%s: \"%s\" has no effect: "
					  "upstreams speak HTTP/1.1 without "
					  "gRPC status or rate-limit headers",
					  p, inert[i]);
	}
	r->retries = rt;
	return true;
}

/* Whether the comma-separated list s holds token. */
static bool
mesh_list_has(const char *s, const char *token)
{
	size_t tl = strlen(token);

	while (*s != '\0') {
		const char *b, *e;

		while (*s == ' ' || *s == ',')
			s++;
		b = s;
		while (*s != '\0' && *s != ',')
			s++;
		e = s;
		while (e > b && e[-1] == ' ')
			e--;
		if ((size_t)(e - b) == tl && memcmp(b, token, tl) == 0)
			return true;
	}
	return false;
}

static bool
fault(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
      struct gw_route_conf *r)
{
	static const char *const known[] = { "delay", "abort", NULL };
	struct gw_route_fault_conf *f = tmp_array(c, 1, sizeof(*f));
	const struct gw_config_node *v, *x;
	char p[240];
	uint64_t num;

	if (f == NULL || !mesh_fields(c, n, path, known, NULL))
		return false;
	f->delay_percent = GW_ROUTE_PERCENT_UNSET;
	f->abort_percent = GW_ROUTE_PERCENT_UNSET;
	if ((v = gw_config_node_get(n, "delay")) != NULL) {
		static const char *const dk[] = {
			"fixedDelay", "percentage", "percent", NULL,
		};
		static const char *const du[] = { "exponentialDelay", NULL };

		P(p, "%s.delay", path);
		if (!mesh_fields(c, v, p, dk, du))
			return false;
		f->delay = true;
		if ((x = gw_config_node_get(v, "fixedDelay")) == NULL) {
			mesh_err(c, v, "%s.fixedDelay: required", p);
			return false;
		}
		P(p, "%s.delay.fixedDelay", path);
		if (!mesh_duration(c, x, p, 1, UINT32_MAX, &f->delay_ms))
			return false;
		if ((x = gw_config_node_get(v, "percentage")) != NULL) {
			P(p, "%s.delay.percentage", path);
			if (!mesh_percent(c, x, p, &f->delay_percent))
				return false;
		} else if ((x = gw_config_node_get(v, "percent")) != NULL) {
			P(p, "%s.delay.percent", path);
			if (!mesh_uint(c, x, p, 0, 100, &num))
				return false;
			f->delay_percent = (double)num;
		}
	}
	if ((v = gw_config_node_get(n, "abort")) != NULL) {
		static const char *const ak[] = {
			"httpStatus", "percentage", NULL,
		};
		static const char *const au[] = {
			"grpcStatus", "http2Error", NULL,
		};

		P(p, "%s.abort", path);
		if (!mesh_fields(c, v, p, ak, au))
			return false;
		if ((x = gw_config_node_get(v, "httpStatus")) != NULL) {
			f->abort = true;
			P(p, "%s.abort.httpStatus", path);
			if (!mesh_uint(c, x, p, 200, 599, &num))
				return false;
			f->abort_status = (uint32_t)num;
		}
		if ((x = gw_config_node_get(v, "percentage")) != NULL) {
			P(p, "%s.abort.percentage", path);
			if (!mesh_percent(c, x, p, &f->abort_percent))
				return false;
		}
	}
	r->fault = f;
	return true;
}

static void
decode_route(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, struct gw_route_conf *r,
	     struct mesh_block_gws **gws_out, bool *skip)
{
	static const char *const known[] = {
		"name", "match", "route", "redirect", "directResponse",
		"rewrite", "timeout", "retries", "fault", "mirror",
		"mirrorPercentage", "mirror_percent", "mirrorPercent",
		"headers", NULL,
	};
	static const char *const unsupported[] = {
		"corsPolicy", "mirrors", NULL,
	};
	const struct gw_config_node *v;
	struct gw_route_match_conf *mc;
	struct mesh_block_gws *gws;
	char p[240];
	size_t i, k = 0;
	int actions = 0;
	uint64_t num;

	r->mirror_percent = GW_ROUTE_PERCENT_UNSET;
	if ((v = gw_config_node_get(n, "delegate")) != NULL &&
	    n->type == GW_CONFIG_NODE_MAP) {
		mesh_warn(c, v, "%s.delegate: delegation is not supported yet; "
			  "this route is left out", path);
		*skip = true;
		return;
	}
	if (!mesh_fields(c, n, path, known, unsupported))
		return;
	if ((v = gw_config_node_get(n, "name")) != NULL) {
		P(p, "%s.name", path);
		(void)mesh_str(c, v, p, &r->name);
	}
	if ((v = gw_config_node_get(n, "match")) != NULL) {
		P(p, "%s.match", path);
		if (!mesh_is_seq(c, v, p))
			return;
		mc = tmp_array(c, v->n, sizeof(*mc));
		gws = tmp_array(c, v->n, sizeof(*gws));
		if (mc == NULL || gws == NULL)
			return;
		for (i = 0; i < v->n; i++) {
			bool never = false;

			P(p, "%s.match[%zu]", path, i);
			/* a block that never matches leaves its slot to the
			 * next */
			memset(&mc[k], 0, sizeof(mc[k]));
			memset(&gws[k], 0, sizeof(gws[k]));
			if (!decode_match(c, v->items[i], p, &mc[k], &gws[k],
					  &never))
				return;
			if (!never)
				k++;
		}
		if (v->n > 0 && k == 0) {
			/* every block was for something else */
			*skip = true;
			return;
		}
		r->matches = mc;
		r->n_matches = k;
		*gws_out = gws;
	}
	if ((v = gw_config_node_get(n, "route")) != NULL) {
		P(p, "%s.route", path);
		if (!route_dests(c, v, p, true, r))
			return;
		actions++;
	}
	if ((v = gw_config_node_get(n, "redirect")) != NULL) {
		P(p, "%s.redirect", path);
		if (!redirect(c, v, p, r))
			return;
		actions++;
	}
	if ((v = gw_config_node_get(n, "directResponse")) != NULL) {
		P(p, "%s.directResponse", path);
		if (!direct_response(c, v, p, r))
			return;
		actions++;
	}
	if (actions != 1) {
		mesh_err(c, n, "%s: exactly one of route, redirect and "
			 "directResponse is required", path);
		return;
	}
	if ((v = gw_config_node_get(n, "rewrite")) != NULL) {
		P(p, "%s.rewrite", path);
		if (r->n_dests == 0) {
			mesh_err(c, v, "%s: rewrite needs route destinations",
				 p);
			return;
		}
		if (!rewrite(c, v, p, r))
			return;
	}
	/*
	 * Validated and compiled, but the proxy does not act on these yet:
	 * said in a warning rather than silently dropped.
	 */
	if ((v = gw_config_node_get(n, "timeout")) != NULL) {
		P(p, "%s.timeout", path);
		/* "0s" means none, as Istio */
		if (!mesh_duration(c, v, p, 0, UINT32_MAX, &r->timeout_ms))
			return;
	}
	if ((v = gw_config_node_get(n, "retries")) != NULL) {
		P(p, "%s.retries", path);
		if (!retries(c, v, p, r))
			return;
	}
	if ((v = gw_config_node_get(n, "fault")) != NULL) {
		P(p, "%s.fault", path);
		if (!fault(c, v, p, r))
			return;
	}
	if ((v = gw_config_node_get(n, "mirror")) != NULL) {
		P(p, "%s.mirror", path);
		if (!destination(c, v, p, &r->mirror.host, &r->mirror.subset,
				 &r->mirror.port))
			return;
		r->mirror.user = GW_MESH_NO_CLUSTER;
		mesh_warn(c, v, "%s: not applied yet (no request is mirrored)",
			  p);
	}
	if ((v = gw_config_node_get(n, "mirrorPercentage")) != NULL) {
		P(p, "%s.mirrorPercentage", path);
		if (!mesh_percent(c, v, p, &r->mirror_percent))
			return;
	} else if ((v = gw_config_node_get(n, "mirror_percent")) != NULL ||
		   (v = gw_config_node_get(n, "mirrorPercent")) != NULL) {
		P(p, "%s.mirrorPercent", path);
		if (!mesh_uint(c, v, p, 0, 100, &num))
			return;
		r->mirror_percent = (double)num;
	}
	if ((v = gw_config_node_get(n, "headers")) != NULL) {
		P(p, "%s.headers", path);
		if (!headers(c, v, p, &r->headers))
			return;
	}
}

/* The `route` of a tls or tcp route: weighted destinations (a single
 * one takes everything, whatever its weight). */
static bool
l4_dests(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	 struct gw_route_dest_conf **dests, size_t *n_dests)
{
	const struct gw_config_node *v;
	struct gw_route_conf rc;
	uint64_t sum = 0;
	char p[240];
	size_t i;

	P(p, "%s.route", path);
	memset(&rc, 0, sizeof(rc));
	v = mesh_seq_required(c, n, "route", p, "destination");
	if (v == NULL || !route_dests(c, v, p, false, &rc))
		return false;
	for (i = 0; i < rc.n_dests; i++)
		sum += (uint64_t)rc.dests[i].weight;
	if (rc.n_dests == 1) {
		((struct gw_route_dest_conf *)rc.dests)[0].weight = 1;
	} else if (sum == 0) {
		mesh_err(c, v, "%s: the weights of several destinations must "
			 "not all be 0", p);
		return false;
	}
	*dests = (struct gw_route_dest_conf *)rc.dests;
	*n_dests = rc.n_dests;
	return true;
}

/* TLSMatchAttributes: sniHosts (required; each within the service's
 * hosts), port, gateways. */
static bool
decode_tls_match(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, const struct mesh_vs *vs,
		 struct mesh_tls_match *m, bool *never)
{
	static const char *const known[] = {
		"sniHosts", "port", "gateways", "destinationSubnets",
		"sourceLabels", "sourceNamespace", NULL,
	};
	const struct gw_config_node *v;
	char p[240];
	size_t i, h;

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	P(p, "%s.sniHosts", path);
	v = mesh_seq_required(c, n, "sniHosts", p, "SNI host");
	if (v == NULL || !mesh_str_list(c, v, p, &m->sni_hosts, &m->n_sni))
		return false;
	for (i = 0; i < m->n_sni; i++) {
		const char *sni = m->sni_hosts[i];

		if (!mesh_host_pattern_ok(sni)) {
			mesh_err(c, v->items[i], "%s[%zu]: \"%s\" is not a "
				 "host, \"*.suffix\" or \"*\"", p, i, sni);
			return false;
		}
		/* Istio: each SNI host is a subset of some host */
		for (h = 0; h < vs->n_hosts; h++) {
			if (mesh_host_covers(vs->hosts[h], sni))
				break;
		}
		if (h == vs->n_hosts) {
			mesh_err(c, v->items[i], "%s[%zu]: \"%s\" is not "
				 "within the VirtualService's hosts", p, i,
				 sni);
			return false;
		}
	}
	if (!match_port_gws(c, n, path, &m->port, &m->gws, never))
		return false;
	if ((v = gw_config_node_get(n, "destinationSubnets")) != NULL ||
	    (v = gw_config_node_get(n, "sourceLabels")) != NULL ||
	    (v = gw_config_node_get(n, "sourceNamespace")) != NULL) {
		/* a condition meshgw does not check is never taken as met */
		mesh_warn(c, v, "%s: destinationSubnets, sourceLabels and "
			  "sourceNamespace are not supported for tls routes "
			  "yet; this match block never matches", path);
		*never = true;
	}
	return true;
}

/* spec.tls[i]: match blocks and weighted destinations. *skip when every
 * block is for something else. */
static void
decode_tls_route(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, const struct mesh_vs *vs,
		 struct mesh_tls_route *r, bool *skip)
{
	static const char *const known[] = { "match", "route", NULL };
	const struct gw_config_node *v;
	struct mesh_tls_match *m;
	char p[240];
	size_t i, k = 0;

	if (!mesh_fields(c, n, path, known, NULL))
		return;
	P(p, "%s.match", path);
	v = mesh_seq_required(c, n, "match", p, "match block");
	if (v == NULL)
		return;
	m = tmp_array(c, v->n, sizeof(*m));
	if (m == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		bool never = false;

		P(p, "%s.match[%zu]", path, i);
		/* a block that never matches leaves its slot to the next */
		memset(&m[k], 0, sizeof(m[k]));
		if (!decode_tls_match(c, v->items[i], p, vs, &m[k], &never))
			return;
		if (!never)
			k++;
	}
	if (!l4_dests(c, n, path, &r->dests, &r->n_dests))
		return;
	if (k == 0) {
		*skip = true;
		return;
	}
	r->matches = m;
	r->n_matches = k;
}

/* "a.b.c.d/len" or "a.b.c.d" (a /32), host bits clear. */
static bool
subnet(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
       struct gw_mesh_subnet *out)
{
	unsigned a[4], len = 32;
	const char *s;
	char tail;
	int k;

	if (!mesh_str(c, n, path, &s))
		return false;
	k = sscanf(s, "%3u.%3u.%3u.%3u/%2u%c", &a[0], &a[1], &a[2], &a[3],
		   &len, &tail);
	if ((k != 4 && k != 5) || a[0] > 255 || a[1] > 255 || a[2] > 255 ||
	    a[3] > 255 || len > 32 || strspn(s, "0123456789./") != strlen(s) ||
	    (k == 4 && strchr(s, '/') != NULL)) {
		mesh_err(c, n, "%s: expected an IPv4 address or subnet "
			 "(a.b.c.d/len), got \"%s\"", path, s);
		return false;
	}
	out->addr = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		    (uint32_t)a[2] << 8 | a[3];
	out->mask = len == 0 ? 0 : UINT32_MAX << (32 - len);
	if ((out->addr & out->mask) != out->addr) {
		uint32_t x = out->addr & out->mask;

		mesh_err(c, n, "%s: \"%s\" has host bits set (the subnet is "
			 "%u.%u.%u.%u/%u)", path, s, x >> 24, (x >> 16) & 0xff,
			 (x >> 8) & 0xff, x & 0xff, len);
		return false;
	}
	return true;
}

/* TCP (L4MatchAttributes): destinationSubnets, sourceSubnet, port,
 * gateways. */
static bool
decode_tcp_match(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, struct mesh_tcp_match *m, bool *never)
{
	static const char *const known[] = {
		"destinationSubnets", "sourceSubnet", "port", "gateways",
		"sourceLabels", "sourceNamespace", NULL,
	};
	const struct gw_config_node *v;
	struct gw_mesh_subnet *sn;
	char p[240];
	size_t i;

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	if ((v = gw_config_node_get(n, "destinationSubnets")) != NULL) {
		P(p, "%s.destinationSubnets", path);
		if (!mesh_is_seq(c, v, p))
			return false;
		sn = tmp_array(c, v->n, sizeof(*sn));
		if (sn == NULL)
			return false;
		for (i = 0; i < v->n; i++) {
			P(p, "%s.destinationSubnets[%zu]", path, i);
			if (!subnet(c, v->items[i], p, &sn[i]))
				return false;
		}
		m->dst = sn;
		m->n_dst = v->n;
		if (v->n == 0)
			m->dst = NULL;	/* [] is no condition */
	}
	if ((v = gw_config_node_get(n, "sourceSubnet")) != NULL) {
		P(p, "%s.sourceSubnet", path);
		sn = tmp_array(c, 1, sizeof(*sn));
		if (sn == NULL || !subnet(c, v, p, sn))
			return false;
		m->src = sn;
		m->n_src = 1;
	}
	if (!match_port_gws(c, n, path, &m->port, &m->gws, never))
		return false;
	if ((v = gw_config_node_get(n, "sourceLabels")) != NULL ||
	    (v = gw_config_node_get(n, "sourceNamespace")) != NULL) {
		/* a gateway's clients have no labels or namespace: a
		 * condition on them is never met */
		mesh_warn(c, v, "%s: sourceLabels and sourceNamespace select "
			  "sidecar clients, which a gateway does not have; "
			  "this match block never matches", path);
		*never = true;
	}
	return true;
}

/* spec.tcp[i]: optional match blocks and weighted destinations. *skip
 * when every block is for something else. */
static void
decode_tcp_route(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, struct mesh_tcp_route *r, bool *skip)
{
	static const char *const known[] = { "match", "route", NULL };
	const struct gw_config_node *v;
	struct mesh_tcp_match *m;
	char p[240];
	size_t i, k = 0;

	if (!mesh_fields(c, n, path, known, NULL))
		return;
	v = gw_config_node_get(n, "match");
	P(p, "%s.match", path);
	if (v != NULL && !mesh_is_seq(c, v, p))
		return;
	if (v == NULL || v->n == 0) {
		r->any = true;
	} else {
		m = tmp_array(c, v->n, sizeof(*m));
		if (m == NULL)
			return;
		for (i = 0; i < v->n; i++) {
			bool never = false;

			P(p, "%s.match[%zu]", path, i);
			memset(&m[k], 0, sizeof(m[k]));
			if (!decode_tcp_match(c, v->items[i], p, &m[k],
					      &never))
				return;
			if (!never)
				k++;
		}
		r->matches = m;
		r->n_matches = k;
	}
	if (!l4_dests(c, n, path, &r->dests, &r->n_dests))
		return;
	if (!r->any && k == 0)
		*skip = true;
}

void
mesh_decode_virtual_service(struct mesh_ctx *c)
{
	static const char *const known[] = {
		"hosts", "gateways", "http", "tls", "tcp", NULL,
	};
	static const char *const unsupported[] = {
		"exportTo", NULL,
	};
	const struct gw_config_node *spec = c->res->spec, *v;
	struct mesh_vs vs, *vp;
	char p[64];
	size_t i, k = 0;

	memset(&vs, 0, sizeof(vs));
	vs.res = c->res;
	if (spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!mesh_fields(c, spec, "spec", known, unsupported))
		return;
	v = mesh_seq_required(c, spec, "hosts", "spec.hosts", "host");
	if (v == NULL ||
	    !mesh_str_list(c, v, "spec.hosts", &vs.hosts, &vs.n_hosts))
		return;
	for (i = 0; i < vs.n_hosts; i++) {
		if (!mesh_host_pattern_ok(vs.hosts[i]))
			mesh_err(c, v->items[i], "spec.hosts[%zu]: \"%s\" is "
				 "not a host, \"*.suffix\" or \"*\"", i,
				 vs.hosts[i]);
	}
	v = gw_config_node_get(spec, "gateways");
	if (v != NULL) {
		if (!gateway_list(c, v, "spec.gateways", &vs.gateways,
				  &vs.n_gateways))
			return;
	}
	if (vs.n_gateways == 0 && !c->res_error)
		mesh_warn(c, v != NULL ? v : spec, "spec.gateways: %s, so "
			  "Istio applies this VirtualService to sidecars "
			  "only; no gateway uses it", v != NULL ?
			  "only \"mesh\" is listed" : "absent (\"mesh\")");
	v = gw_config_node_get(spec, "http");
	if (v != NULL) {
		if (!mesh_is_seq(c, v, "spec.http"))
			return;
		vs.routes = tmp_array(c, v->n, sizeof(*vs.routes));
		vs.block_gws = tmp_array(c, v->n, sizeof(*vs.block_gws));
		if (vs.routes == NULL || vs.block_gws == NULL)
			return;
		for (i = 0; i < v->n; i++) {
			bool skip = false;

			P(p, "spec.http[%zu]", i);
			memset(&vs.routes[k], 0, sizeof(vs.routes[k]));
			vs.block_gws[k] = NULL;
			decode_route(c, v->items[i], p, &vs.routes[k],
				     &vs.block_gws[k], &skip);
			if (!skip)
				k++;
		}
		vs.n_routes = k;
	}
	v = gw_config_node_get(spec, "tls");
	if (v != NULL && !c->res_error) {
		if (!mesh_is_seq(c, v, "spec.tls"))
			return;
		vs.tls_routes = tmp_array(c, v->n, sizeof(*vs.tls_routes));
		if (vs.tls_routes == NULL)
			return;
		for (i = 0, k = 0; i < v->n; i++) {
			bool skip = false;

			P(p, "spec.tls[%zu]", i);
			memset(&vs.tls_routes[k], 0, sizeof(vs.tls_routes[k]));
			vs.tls_routes[k].index = i;
			decode_tls_route(c, v->items[i], p, &vs,
					 &vs.tls_routes[k], &skip);
			if (!skip)
				k++;
		}
		vs.n_tls_routes = k;
	}
	v = gw_config_node_get(spec, "tcp");
	if (v != NULL && !c->res_error) {
		if (!mesh_is_seq(c, v, "spec.tcp"))
			return;
		vs.tcp_routes = tmp_array(c, v->n, sizeof(*vs.tcp_routes));
		if (vs.tcp_routes == NULL)
			return;
		for (i = 0, k = 0; i < v->n; i++) {
			bool skip = false;

			P(p, "spec.tcp[%zu]", i);
			memset(&vs.tcp_routes[k], 0, sizeof(vs.tcp_routes[k]));
			vs.tcp_routes[k].index = i;
			decode_tcp_route(c, v->items[i], p, &vs.tcp_routes[k],
					 &skip);
			if (!skip)
				k++;
		}
		vs.n_tcp_routes = k;
	}
	if (c->res_error)
		return;
	vp = mesh_vec_push(&c->vss);
	if (vp == NULL) {
		c->nomem = true;
		return;
	}
	*vp = vs;
}
