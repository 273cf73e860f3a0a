/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/mesh build: decoded resources → clusters (destinations resolved to
 * ServiceEntry hosts, DestinationRule subsets, endpoints and balancers,
 * then the HealthChecks that target them) and listeners (per port, the
 * route table of the VirtualServices bound to its Gateway servers, hosts
 * narrowed to the servers' hosts). Control thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_priv.h"

/* ---- clusters ---------------------------------------------------------- */

static bool
service_has_host(const struct mesh_service *s, const char *host)
{
	size_t i;

	for (i = 0; i < s->n_hosts; i++) {
		if (mesh_host_eq(s->hosts[i], host))
			return true;
	}
	return false;
}

/* The ServiceEntry serving host: exact name, or a short name completed
 * with the referrer's namespace as Kubernetes does. */
const struct mesh_service *
mesh_find_service(struct mesh_ctx *c, const char *host, const char *ns,
		  const char **fqdn)
{
	char full[300];
	size_t i;

	for (i = 0; i < c->services.n; i++) {
		const struct mesh_service *s =
			MESH_VEC_AT(&c->services, struct mesh_service, i);

		if (service_has_host(s, host)) {
			*fqdn = host;
			return s;
		}
	}
	if (strchr(host, '.') != NULL)
		return NULL;
	snprintf(full, sizeof(full), "%s.%s.svc.cluster.local", host, ns);
	for (i = 0; i < c->services.n; i++) {
		const struct mesh_service *s =
			MESH_VEC_AT(&c->services, struct mesh_service, i);
		size_t k;

		for (k = 0; k < s->n_hosts; k++) {
			if (mesh_host_eq(s->hosts[k], full)) {
				*fqdn = s->hosts[k];
				return s;
			}
		}
	}
	return NULL;
}

/* The DestinationRule for a service host: exact first, then the
 * narrowest wildcard; short DR hosts complete with the DR's namespace. */
static const struct mesh_dest_rule *
find_dest_rule(struct mesh_ctx *c, const char *host)
{
	const struct mesh_dest_rule *best = NULL;
	size_t i, best_len = 0;

	for (i = 0; i < c->dest_rules.n; i++) {
		const struct mesh_dest_rule *dr =
			MESH_VEC_AT(&c->dest_rules, struct mesh_dest_rule, i);
		char full[300];
		const char *h = dr->host;

		if (strchr(h, '.') == NULL && strcmp(h, "*") != 0) {
			snprintf(full, sizeof(full), "%s.%s.svc.cluster.local",
				 h, dr->res->namespace);
			h = full;
		}
		if (mesh_host_eq(h, host))
			return dr;
		if (h[0] == '*' && mesh_host_covers(h, host) &&
		    strlen(h) > best_len) {
			best = dr;
			best_len = strlen(h);
		}
	}
	return best;
}

static void
policy_merge(struct mesh_policy *into, const struct mesh_policy *from)
{
	if (from->has_lb) {
		into->has_lb = true;
		into->lb = from->lb;
	}
	if (from->connect_timeout_ms)
		into->connect_timeout_ms = from->connect_timeout_ms;
	if (from->max_connections)
		into->max_connections = from->max_connections;
	if (from->max_pending)
		into->max_pending = from->max_pending;
	if (from->max_requests_per_conn)
		into->max_requests_per_conn = from->max_requests_per_conn;
	if (from->idle_timeout_ms)
		into->idle_timeout_ms = from->idle_timeout_ms;
	if (from->tcp_idle_timeout_ms)
		into->tcp_idle_timeout_ms = from->tcp_idle_timeout_ms;
	if (from->has_max_retries) {
		into->has_max_retries = true;
		into->max_retries = from->max_retries;
	}
	/* a subset's outlierDetection replaces the host's as a whole, as
	 * Istio does for every top-level trafficPolicy field */
	if (from->has_outlier) {
		into->has_outlier = true;
		into->outlier = from->outlier;
	}
	if (from->has_tls) {
		into->has_tls = true;
		into->tls = from->tls;
	}
}

/* pol's balancer configuration with its strings copied into the mesh:
 * the decoded ones point into the configuration, which the mesh does not
 * keep. */
static int
lb_conf_copy(struct mesh_ctx *c, const struct gw_lb_conf *from,
	     struct gw_lb_conf *to)
{
	*to = *from;
	if (from->hash.name != NULL) {
		to->hash.name = mesh_strdup(&c->m->arena, from->hash.name);
		if (to->hash.name == NULL)
			return -ENOMEM;
	}
	if (from->hash.cookie_path != NULL) {
		to->hash.cookie_path = mesh_strdup(&c->m->arena,
						   from->hash.cookie_path);
		if (to->hash.cookie_path == NULL)
			return -ENOMEM;
	}
	return 0;
}

static uint16_t
workload_port(const struct mesh_workload *w, const struct mesh_se_port *sp)
{
	size_t i;

	for (i = 0; i < w->n_ports; i++) {
		if (strcmp(w->ports[i].key, sp->name) == 0)
			return w->port_numbers[i];
	}
	return sp->target_port ? sp->target_port : sp->number;
}

static int
add_endpoint(struct mesh_ctx *c, struct mesh_vec *eps,
	     const struct mesh_workload *w, const struct mesh_se_port *sp)
{
	struct gw_mesh_endpoint *e = mesh_vec_push(eps);

	if (e == NULL)
		return -ENOMEM;
	e->addr = w->addr;
	e->port = workload_port(w, sp);
	e->weight = w->weight;
	e->source = mesh_printf(&c->m->arena, "%s %s/%s", w->res->kind,
				w->res->namespace, w->res->name);
	return e->source == NULL ? -ENOMEM : 0;
}

static int
cluster_endpoints(struct mesh_ctx *c, const struct mesh_service *s,
		  const struct mesh_se_port *sp, const struct mesh_subset *ss,
		  struct mesh_vec *eps)
{
	static const struct mesh_labels none;
	const struct mesh_labels *want = ss != NULL ? &ss->labels : &none;
	size_t i;
	int rc;

	if (!s->static_resolution)
		return 0;
	for (i = 0; i < s->n_endpoints; i++) {
		if (!mesh_labels_match(want, &s->endpoints[i].labels))
			continue;
		rc = add_endpoint(c, eps, &s->endpoints[i], sp);
		if (rc < 0)
			return rc;
	}
	if (!s->has_selector)
		return 0;
	for (i = 0; i < c->workloads.n; i++) {
		const struct mesh_workload *w =
			MESH_VEC_AT(&c->workloads, struct mesh_workload, i);

		if (strcmp(w->res->namespace, s->res->namespace) != 0 ||
		    !mesh_labels_match(&s->selector, &w->labels) ||
		    !mesh_labels_match(want, &w->labels))
			continue;
		rc = add_endpoint(c, eps, w, sp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A subset's label value, "" when it has none (or there is no subset). */
static const char *
subset_label(const struct mesh_subset *ss, const char *key)
{
	size_t i;

	for (i = 0; ss != NULL && i < ss->labels.n; i++)
		if (strcmp(ss->labels.items[i].key, key) == 0)
			return ss->labels.items[i].value;
	return "";
}

static int
make_cluster(struct mesh_ctx *c, const struct mesh_service *s,
	     const char *host, const struct mesh_se_port *sp,
	     const struct mesh_dest_rule *dr, const struct mesh_subset *ss,
	     uint32_t *index)
{
	struct gw_mesh_cluster *cl;
	struct mesh_policy pol;
	struct mesh_vec eps;
	struct gw_lb_endpoint *lbe = NULL;
	struct gw_mesh_endpoint *arr;
	struct gw_lb *lb = NULL;
	size_t i;
	int rc;

	memset(&pol, 0, sizeof(pol));
	pol.lb.algo = GW_LB_LEAST_REQUEST; /* Istio's default */
	if (dr != NULL)
		policy_merge(&pol, &dr->policy);
	if (ss != NULL)
		policy_merge(&pol, &ss->policy);

	mesh_vec_init(&eps, sizeof(struct gw_mesh_endpoint));
	rc = cluster_endpoints(c, s, sp, ss, &eps);
	if (rc < 0)
		goto out;
	arr = mesh_alloc(&c->m->arena, (eps.n ? eps.n : 1) * sizeof(*arr));
	if (arr == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (eps.n > 0)
		memcpy(arr, eps.items, eps.n * sizeof(*arr));
	if (eps.n > GW_LB_ENDPOINTS_MAX) {
		mesh_diag_res(c, s->res, GW_MESH_WARNING, NULL, "host %s port "
			      "%u: %zu endpoints, only the first %u are used",
			      host, sp->number, eps.n, GW_LB_ENDPOINTS_MAX);
		eps.n = GW_LB_ENDPOINTS_MAX;
	}
	if (eps.n > 0) {
		lbe = calloc(eps.n, sizeof(*lbe));
		if (lbe == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < eps.n; i++) {
			char key[32];
			int n = snprintf(key, sizeof(key), "%08" PRIx32 ":%u",
					 arr[i].addr, arr[i].port);

			/* kept in the endpoint too, so that a rebuild with
			 * new weights keeps the same ring points */
			arr[i].lb_id = gw_lb_hash(key, (size_t)n);
			lbe[i].id = arr[i].lb_id;
			lbe[i].weight = arr[i].weight;
		}
		rc = gw_lb_create(&pol.lb, lbe, (uint32_t)eps.n, &lb);
		if (rc == -EINVAL) {
			/* the same address:port twice, say */
			mesh_diag_res(c, s->res, GW_MESH_WARNING, NULL, "host %s "
				      "port %u: endpoints repeat an address and "
				      "port; the cluster has no balancer (503)",
				      host, sp->number);
			lb = NULL;
			rc = 0;
		} else if (rc < 0) {
			goto out;
		}
	}
	cl = mesh_vec_push(&c->m->clusters);
	if (cl == NULL) {
		gw_lb_free(lb);
		rc = -ENOMEM;
		goto out;
	}
	cl->host = mesh_strdup(&c->m->arena, host);
	cl->subset = mesh_strdup(&c->m->arena, ss != NULL ? ss->name : "");
	cl->ns = s->res->namespace;
	cl->app = subset_label(ss, "app");
	cl->version = subset_label(ss, "version");
	cl->name = mesh_printf(&c->m->arena, "outbound|%u|%s|%s", sp->number,
			       ss != NULL ? ss->name : "", host);
	cl->port = sp->number;
	cl->endpoints = arr;
	cl->n_endpoints = (uint32_t)eps.n;
	cl->lb = lb;
	cl->connect_timeout_ms = pol.connect_timeout_ms ?
		pol.connect_timeout_ms : GW_MESH_DEFAULT_CONNECT_TIMEOUT_MS;
	cl->max_connections = pol.max_connections ? pol.max_connections :
		GW_MESH_DEFAULT_MAX_CONNECTIONS;
	cl->max_pending_requests = pol.max_pending ? pol.max_pending :
		GW_MESH_DEFAULT_MAX_PENDING;
	cl->max_requests_per_conn = pol.max_requests_per_conn ?
		pol.max_requests_per_conn : GW_MESH_DEFAULT_MAX_REQUESTS;
	cl->idle_timeout_ms = pol.idle_timeout_ms ? pol.idle_timeout_ms :
		GW_MESH_DEFAULT_IDLE_TIMEOUT_MS;
	cl->tls = pol.tls;
	cl->tcp_idle_timeout_ms = pol.tcp_idle_timeout_ms ?
		pol.tcp_idle_timeout_ms : GW_MESH_DEFAULT_IDLE_TIMEOUT_MS;
	cl->max_retries = pol.has_max_retries ? pol.max_retries :
		GW_MESH_DEFAULT_MAX_RETRIES;
	cl->outlier = pol.outlier;	/* zeros (disabled) when absent */
	/* until mesh_bind_health_checks() finds a HealthCheck for it */
	cl->health_check = NULL;
	/* Istio's minHealthPercent is Envoy's panic threshold (0 by
	 * default: ejected endpoints stay out however many there are) */
	cl->panic_percent = pol.outlier.enabled ?
		pol.outlier.min_health_percent : GW_MESH_DEFAULT_PANIC_PERCENT;
	if (lb_conf_copy(c, &pol.lb, &cl->lb_conf) < 0 || cl->host == NULL ||
	    cl->subset == NULL || cl->name == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*index = (uint32_t)(c->m->clusters.n - 1);
	rc = 0;
out:
	free(lbe);
	mesh_vec_free(&eps);
	return rc;
}

/*
 * The cluster for a route destination of VirtualService vs, made on first
 * use. Unresolvable destinations are warnings on vs and give
 * GW_MESH_NO_CLUSTER (the proxy answers 503).
 */
static int
resolve(struct mesh_ctx *c, const struct mesh_vs *vs, const char *what,
	const char *host, const char *subset, uint32_t port, uint32_t *out)
{
	const struct mesh_service *s;
	const struct mesh_dest_rule *dr;
	const struct mesh_subset *ss = NULL;
	const struct mesh_se_port *sp = NULL;
	const char *fqdn;
	size_t i;

	*out = GW_MESH_NO_CLUSTER;
	s = mesh_find_service(c, host, vs->res->namespace, &fqdn);
	if (s == NULL) {
		mesh_diag_res(c, vs->res, GW_MESH_WARNING, NULL, "%s host "
			      "\"%s\": no ServiceEntry declares it; requests "
			      "sent there get 503", what, host);
		return 0;
	}
	if (port == 0 && s->n_ports == 1) {
		sp = &s->ports[0];
	} else {
		for (i = 0; i < s->n_ports; i++) {
			if (s->ports[i].number == port)
				sp = &s->ports[i];
		}
	}
	if (sp == NULL) {
		mesh_diag_res(c, vs->res, GW_MESH_WARNING, NULL, port == 0 ?
			      "%s host \"%s\": the service has several ports; "
			      "destination.port is required (503)" :
			      "%s host \"%s\": the service has no port %u "
			      "(503)", what, host, port);
		return 0;
	}
	dr = find_dest_rule(c, fqdn);
	if (subset != NULL) {
		for (i = 0; dr != NULL && i < dr->n_subsets; i++) {
			if (strcmp(dr->subsets[i].name, subset) == 0)
				ss = &dr->subsets[i];
		}
		if (ss == NULL) {
			mesh_diag_res(c, vs->res, GW_MESH_WARNING, NULL, "%s "
				      "host \"%s\": no DestinationRule defines "
				      "subset \"%s\"; requests sent there get "
				      "503", what, host, subset);
			return 0;
		}
	}
	/* reuse a cluster already made for the same destination */
	for (i = 0; i < c->m->clusters.n; i++) {
		const struct gw_mesh_cluster *cl =
			MESH_VEC_AT(&c->m->clusters, struct gw_mesh_cluster, i);

		if (cl->port == sp->number && mesh_host_eq(cl->host, fqdn) &&
		    strcmp(cl->subset, ss != NULL ? ss->name : "") == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	return make_cluster(c, s, fqdn, sp, dr, ss, out);
}

static int
resolve_vs(struct mesh_ctx *c, struct mesh_vs *vs)
{
	size_t r, d;
	int rc;

	for (r = 0; r < vs->n_routes; r++) {
		struct gw_route_conf *rt = &vs->routes[r];

		for (d = 0; d < rt->n_dests; d++) {
			struct gw_route_dest_conf *dc =
				(struct gw_route_dest_conf *)&rt->dests[d];

			rc = resolve(c, vs, "route destination", dc->host,
				     dc->subset, dc->port, &dc->user);
			if (rc < 0)
				return rc;
		}
		if (rt->mirror.host != NULL) {
			rc = resolve(c, vs, "mirror", rt->mirror.host,
				     rt->mirror.subset, rt->mirror.port,
				     &rt->mirror.user);
			if (rc < 0)
				return rc;
		}
	}
	for (r = 0; r < vs->n_tls_routes; r++) {
		struct mesh_tls_route *rt = &vs->tls_routes[r];

		for (d = 0; d < rt->n_dests; d++) {
			rc = resolve(c, vs, "tls route destination",
				     rt->dests[d].host, rt->dests[d].subset,
				     rt->dests[d].port, &rt->dests[d].user);
			if (rc < 0)
				return rc;
		}
	}
	for (r = 0; r < vs->n_tcp_routes; r++) {
		struct mesh_tcp_route *rt = &vs->tcp_routes[r];

		for (d = 0; d < rt->n_dests; d++) {
			rc = resolve(c, vs, "tcp route destination",
				     rt->dests[d].host, rt->dests[d].subset,
				     rt->dests[d].port, &rt->dests[d].user);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* ---- VirtualService checks and listeners ------------------------------- */

/* Compile a VirtualService alone, so that an error in it names it and
 * rejects it alone. */
static bool
vs_compiles(struct mesh_ctx *c, const struct mesh_vs *vs)
{
	struct gw_route_vhost_conf vh;
	struct gw_route_table_conf tc;
	struct gw_route_table *t = NULL;
	struct gw_route_err err;
	size_t i, j;
	int rc;

	for (i = 0; i < vs->n_hosts; i++) {
		for (j = 0; j < i; j++) {
			if (mesh_host_eq(vs->hosts[i], vs->hosts[j])) {
				mesh_diag_res(c, vs->res, GW_MESH_ERROR, NULL,
					      "spec.hosts[%zu]: \"%s\" repeats "
					      "spec.hosts[%zu]", i,
					      vs->hosts[i], j);
				return false;
			}
		}
	}
	memset(&vh, 0, sizeof(vh));
	vh.name = mesh_printf(&c->tmp, "%s/%s", vs->res->namespace,
			      vs->res->name);
	vh.domains = vs->hosts;
	vh.n_domains = vs->n_hosts;
	vh.routes = vs->routes;
	vh.n_routes = vs->n_routes;
	tc.vhosts = &vh;
	tc.n_vhosts = 1;
	memset(&err, 0, sizeof(err));
	rc = gw_route_table_create(&tc, &t, &err);
	gw_route_table_free(t);
	if (rc == -ENOMEM) {
		c->nomem = true;
		return false;
	}
	if (rc < 0) {
		mesh_diag_res(c, vs->res, GW_MESH_ERROR, NULL, "spec.http: %s",
			      err.msg);
		return false;
	}
	return true;
}

struct vhost_acc {
	const char *domain;
	struct mesh_vec routes;	/* struct gw_route_conf */
	const char *name;
};

/* Of a VirtualService host and a server host, the narrower one, or NULL
 * when they do not overlap. */
static const char *
narrower(const char *vs_host, const char *server_host)
{
	if (mesh_host_covers(server_host, vs_host))
		return vs_host;
	if (mesh_host_covers(vs_host, server_host))
		return server_host;
	return NULL;
}

static bool
gw_named(const struct mesh_gateway *g, const char *ref)
{
	size_t nl = strlen(g->res->namespace);

	return strncmp(ref, g->res->namespace, nl) == 0 && ref[nl] == '/' &&
	       strcmp(ref + nl + 1, g->res->name) == 0;
}

static bool
vs_binds(const struct mesh_vs *vs, const struct mesh_gateway *g)
{
	size_t i;

	for (i = 0; i < vs->n_gateways; i++) {
		if (gw_named(g, vs->gateways[i]))
			return true;
	}
	return false;
}

/* A match block limited to gateways is kept when one of bound is. */
static bool
block_binds(const struct mesh_block_gws *bg,
	    const struct mesh_gateway *const *bound, size_t n_bound)
{
	size_t k, g;

	if (bg == NULL || bg->n == 0)
		return true;
	for (k = 0; k < bg->n; k++) {
		for (g = 0; g < n_bound; g++) {
			if (gw_named(bound[g], bg->names[k]))
				return true;
		}
	}
	return false;
}

/* The routes of vs as seen through the gateways in `bound`: match blocks
 * limited to other gateways are dropped, and so is a route that loses
 * all its blocks. Written into out (a vector of gw_route_conf). */
static int
routes_for(struct mesh_ctx *c, const struct mesh_vs *vs,
	   const struct mesh_gateway *const *bound, size_t n_bound,
	   struct mesh_vec *out)
{
	size_t r, b;

	for (r = 0; r < vs->n_routes; r++) {
		const struct gw_route_conf *rt = &vs->routes[r];
		struct gw_route_match_conf *mc = NULL;
		struct gw_route_conf *dst;
		size_t kept = 0;

		if (rt->n_matches > 0) {
			mc = mesh_alloc(&c->tmp, rt->n_matches * sizeof(*mc));
			if (mc == NULL)
				return -ENOMEM;
		}
		for (b = 0; b < rt->n_matches; b++) {
			if (block_binds(vs->block_gws[r] != NULL ?
					&vs->block_gws[r][b] : NULL,
					bound, n_bound))
				mc[kept++] = rt->matches[b];
		}
		if (rt->n_matches > 0 && kept == 0)
			continue;
		dst = mesh_vec_push(out);
		if (dst == NULL)
			return -ENOMEM;
		*dst = *rt;
		if (rt->n_matches > 0) {
			dst->matches = mc;
			dst->n_matches = kept;
		}
	}
	return 0;
}

/*
 * The domains under which vs serves on this port: each of its hosts
 * narrowed against each host of the bound gateways' HTTP servers on the
 * port (a server host "ns/..." only admits VirtualServices of ns).
 * Distinct, in order. out holds const char *.
 */
static int
vs_domains(struct mesh_ctx *c, const struct mesh_vs *vs,
	   const struct mesh_gateway *const *bound, size_t n_bound,
	   uint16_t port, struct mesh_vec *out)
{
	size_t h, g, s, sh, k;

	(void)c;
	for (h = 0; h < vs->n_hosts; h++) {
		for (g = 0; g < n_bound; g++) {
			for (s = 0; s < bound[g]->n_servers; s++) {
				const struct mesh_server *sv =
					&bound[g]->servers[s];

				if (!sv->http || sv->port != port)
					continue;
				for (sh = 0; sh < sv->n_hosts; sh++) {
					const struct mesh_server_host *x =
						&sv->hosts[sh];
					const char *d, **slot;

					if (strcmp(x->ns, "*") != 0 &&
					    strcmp(x->ns, vs->res->namespace))
						continue;
					d = narrower(vs->hosts[h], x->host);
					if (d == NULL)
						continue;
					for (k = 0; k < out->n; k++) {
						if (mesh_host_eq(*MESH_VEC_AT(
							out, const char *, k),
							d))
							break;
					}
					if (k < out->n)
						continue;
					slot = mesh_vec_push(out);
					if (slot == NULL)
						return -ENOMEM;
					*slot = d;
				}
			}
		}
	}
	return 0;
}

/*
 * A listener's protocol and what its servers add: the TLS servers of an
 * HTTPS port or of a TCP port that terminates TLS (in Gateway order; the
 * first is the default), the hosts of HTTP servers with httpsRedirect.
 */
static int
listener_servers(struct mesh_ctx *c, struct gw_mesh_listener *l)
{
	struct gw_mesh_tls_server *tls = NULL;
	const char **redirect = NULL;
	size_t g, s, h, n_tls = 0, n_red = 0, cap_tls = 0, cap_red = 0;

	for (g = 0; g < c->gateways.n; g++) {
		const struct mesh_gateway *gw =
			MESH_VEC_AT(&c->gateways, struct mesh_gateway, g);

		for (s = 0; s < gw->n_servers; s++) {
			const struct mesh_server *sv = &gw->servers[s];

			if (!(sv->http || sv->tcp) || sv->port != l->port)
				continue;
			cap_tls++;
			cap_red += sv->n_hosts;
		}
	}
	tls = mesh_alloc(&c->m->arena, (cap_tls + 1) * sizeof(*tls));
	redirect = mesh_alloc(&c->m->arena, (cap_red + 1) * sizeof(*redirect));
	if (tls == NULL || redirect == NULL)
		return -ENOMEM;
	for (g = 0; g < c->gateways.n; g++) {
		const struct mesh_gateway *gw =
			MESH_VEC_AT(&c->gateways, struct mesh_gateway, g);

		for (s = 0; s < gw->n_servers; s++) {
			const struct mesh_server *sv = &gw->servers[s];

			if (!(sv->http || sv->tcp) || sv->port != l->port)
				continue;
			if (sv->tcp) {
				if (sv->tls != NULL)
					tls[n_tls++] = *sv->tls;
				continue;
			}
			if (sv->https) {
				l->protocol = GW_MESH_PROTO_HTTPS;
				tls[n_tls++] = *sv->tls;
				continue;
			}
			for (h = 0; sv->redirect && h < sv->n_hosts; h++) {
				redirect[n_red] = mesh_strdup(&c->m->arena,
							      sv->hosts[h].host);
				if (redirect[n_red++] == NULL)
					return -ENOMEM;
			}
		}
	}
	l->tls = n_tls > 0 ? tls : NULL;
	l->n_tls = (uint32_t)n_tls;
	l->redirect_hosts = redirect;
	l->n_redirect = (uint32_t)n_red;
	return 0;
}

static int
build_listener(struct mesh_ctx *c, uint16_t port)
{
	const struct mesh_gateway **bound = NULL;
	struct mesh_vec acc;	/* struct vhost_acc */
	struct gw_route_vhost_conf *vh = NULL;
	struct gw_route_table_conf tc;
	struct gw_route_err err;
	struct gw_mesh_listener *l;
	struct gw_route_table *t = NULL;
	const char **doms = NULL;
	struct mesh_vec doms_v;
	size_t v, g, s, h, a, n_bound;
	int rc = 0;

	mesh_vec_init(&acc, sizeof(struct vhost_acc));
	bound = calloc(c->gateways.n + 1, sizeof(*bound));
	if (bound == NULL)
		return -ENOMEM;
	for (v = 0; v < c->vss.n; v++) {
		const struct mesh_vs *vs = MESH_VEC_AT(&c->vss, struct mesh_vs,
						       v);
		struct mesh_vec rts;

		/* the gateways with an HTTP server on this port it binds */
		n_bound = 0;
		for (g = 0; g < c->gateways.n; g++) {
			const struct mesh_gateway *gw =
				MESH_VEC_AT(&c->gateways, struct mesh_gateway,
					    g);

			for (s = 0; s < gw->n_servers; s++) {
				if (gw->servers[s].http &&
				    gw->servers[s].port == port &&
				    vs_binds(vs, gw)) {
					bound[n_bound++] = gw;
					break;
				}
			}
		}
		if (n_bound == 0)
			continue;
		mesh_vec_init(&rts, sizeof(struct gw_route_conf));
		mesh_vec_init(&doms_v, sizeof(const char *));
		rc = routes_for(c, vs, bound, n_bound, &rts);
		if (rc < 0) {
			mesh_vec_free(&rts);
			goto out;
		}
		rc = vs_domains(c, vs, bound, n_bound, port, &doms_v);
		for (h = 0; rc == 0 && h < doms_v.n; h++) {
			const char *d = *MESH_VEC_AT(&doms_v, const char *, h);
			struct vhost_acc *va = NULL;

			for (a = 0; a < acc.n; a++) {
				va = MESH_VEC_AT(&acc, struct vhost_acc, a);
				if (mesh_host_eq(va->domain, d))
					break;
			}
			if (a == acc.n) {
				va = mesh_vec_push(&acc);
				if (va == NULL) {
					rc = -ENOMEM;
					break;
				}
				va->domain = d;
				va->name = mesh_printf(&c->tmp, "%s/%s",
						       vs->res->namespace,
						       vs->res->name);
				mesh_vec_init(&va->routes,
					      sizeof(struct gw_route_conf));
			}
			/* Istio merges the VirtualServices of one host in
			 * order: their routes follow each other */
			for (a = 0; a < rts.n; a++) {
				struct gw_route_conf *dst =
					mesh_vec_push(&va->routes);

				if (dst == NULL) {
					rc = -ENOMEM;
					break;
				}
				*dst = *MESH_VEC_AT(&rts, struct gw_route_conf,
						    a);
			}
		}
		mesh_vec_free(&doms_v);
		mesh_vec_free(&rts);
		if (rc < 0)
			goto out;
	}

	l = mesh_vec_push(&c->m->listeners);
	if (l == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	l->port = port;
	rc = listener_servers(c, l);
	if (rc < 0)
		goto out;
	l->name = mesh_printf(&c->m->arena, "%s.%u",
			      l->protocol == GW_MESH_PROTO_HTTPS ? "https" :
								   "http",
			      port);
	if (l->name == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (acc.n == 0)
		goto out;
	vh = calloc(acc.n, sizeof(*vh));
	doms = calloc(acc.n, sizeof(*doms));
	if (vh == NULL || doms == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (a = 0; a < acc.n; a++) {
		struct vhost_acc *va = MESH_VEC_AT(&acc, struct vhost_acc, a);

		doms[a] = va->domain;
		vh[a].name = va->name;
		vh[a].domains = &doms[a];
		vh[a].n_domains = 1;
		vh[a].routes = va->routes.items;
		vh[a].n_routes = va->routes.n;
	}
	tc.vhosts = vh;
	tc.n_vhosts = acc.n;
	memset(&err, 0, sizeof(err));
	rc = gw_route_table_create(&tc, &t, &err);
	if (rc == -ENOMEM)
		goto out;
	if (rc < 0) {
		/* each VirtualService compiled alone: only limits are left */
		const struct mesh_gateway *gw =
			MESH_VEC_AT(&c->gateways, struct mesh_gateway, 0);

		mesh_diag_res(c, gw->res, GW_MESH_ERROR, NULL, "port %u: the "
			      "merged route table does not compile: %s; every "
			      "request on this port gets 404", port, err.msg);
		rc = 0;
		goto out;
	}
	l->routes = t;
	l->n_vhosts = (uint32_t)acc.n;
out:
	for (a = 0; a < acc.n; a++)
		mesh_vec_free(&MESH_VEC_AT(&acc, struct vhost_acc, a)->routes);
	mesh_vec_free(&acc);
	free(vh);
	free(doms);
	free(bound);
	return rc;
}

/* The items of v (of size bytes) copied into the mesh arena, NULL when
 * there are none; *rc -ENOMEM when there is no memory for them. */
static void *
vec_keep(struct mesh_ctx *c, const struct mesh_vec *v, size_t size, int *rc)
{
	void *arr;

	if (v->n == 0)
		return NULL;
	arr = mesh_alloc(&c->m->arena, v->n * size);
	if (arr == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	memcpy(arr, v->items, v->n * size);
	return arr;
}

/* A tls or tcp route's destinations as a listener keeps them: cluster and
 * weight each, in the mesh arena; *sum their weights. NULL: no memory. */
static struct gw_mesh_l4_dest *
l4_dests_keep(struct mesh_ctx *c, const struct gw_route_dest_conf *dests,
	      size_t n, uint64_t *sum)
{
	struct gw_mesh_l4_dest *d = mesh_alloc(&c->m->arena, n * sizeof(*d));
	size_t i;

	*sum = 0;
	for (i = 0; d != NULL && i < n; i++) {
		d[i].cluster = dests[i].user;
		d[i].weight = (uint32_t)dests[i].weight;
		*sum += d[i].weight;
	}
	return d;
}

/* What a server serves on its port: 0 nothing (left out), 1 HTTP,
 * 2 HTTPS, 3 TLS passthrough, 4 TCP, 5 TLS terminated into TCP. */
static int
server_kind(const struct mesh_server *sv)
{
	if (sv->tcp)
		return sv->tls != NULL ? 5 : 4;
	return sv->passthrough ? 3 : sv->https ? 2 : sv->http ? 1 : 0;
}

/* Does vs bind a TCP server of gw on port: gw is one of its gateways and
 * one of its hosts overlaps one of the server's (a host "ns/..." only
 * admits VirtualServices of ns)? */
static bool
tcp_server_binds(const struct mesh_vs *vs, const struct mesh_gateway *gw,
		 uint16_t port)
{
	size_t s, h, x;

	if (!vs_binds(vs, gw))
		return false;
	for (s = 0; s < gw->n_servers; s++) {
		const struct mesh_server *sv = &gw->servers[s];

		if (!sv->tcp || sv->port != port)
			continue;
		for (x = 0; x < sv->n_hosts; x++) {
			if (strcmp(sv->hosts[x].ns, "*") != 0 &&
			    strcmp(sv->hosts[x].ns, vs->res->namespace) != 0)
				continue;
			for (h = 0; h < vs->n_hosts; h++) {
				if (narrower(vs->hosts[h],
					     sv->hosts[x].host) != NULL)
					return true;
			}
		}
	}
	return false;
}

/* One tcp route of vs as a listener on port sees it: the match blocks for
 * this port and these gateways. @return 0 (nothing added when none is),
 * -ENOMEM. */
static int
tcp_route_add(struct mesh_ctx *c, struct mesh_vec *out,
	      const struct mesh_vs *vs, const struct mesh_tcp_route *rt,
	      const struct mesh_gateway *const *bound, size_t n_bound,
	      uint16_t port)
{
	struct gw_mesh_tcp_match *m = NULL;
	struct gw_mesh_tcp_route *tr;
	size_t b, kept = 0;

	if (!rt->any) {
		m = mesh_alloc(&c->m->arena,
			       (rt->n_matches + 1) * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		for (b = 0; b < rt->n_matches; b++) {
			const struct mesh_tcp_match *mm = &rt->matches[b];
			struct gw_mesh_subnet *sn;

			if ((mm->port != 0 && mm->port != port) ||
			    !block_binds(&mm->gws, bound, n_bound))
				continue;
			sn = mesh_alloc(&c->m->arena,
					(mm->n_dst + mm->n_src + 1) *
					sizeof(*sn));
			if (sn == NULL)
				return -ENOMEM;
			if (mm->n_dst > 0)
				memcpy(sn, mm->dst, mm->n_dst * sizeof(*sn));
			if (mm->n_src > 0)
				memcpy(sn + mm->n_dst, mm->src,
				       mm->n_src * sizeof(*sn));
			m[kept].dst = sn;
			m[kept].n_dst = (uint32_t)mm->n_dst;
			m[kept].src = sn + mm->n_dst;
			m[kept].n_src = (uint32_t)mm->n_src;
			kept++;
		}
		if (kept == 0)
			return 0;	/* every block is for elsewhere */
	}
	tr = mesh_vec_push(out);
	if (tr == NULL)
		return -ENOMEM;
	tr->dests = l4_dests_keep(c, rt->dests, rt->n_dests, &tr->weight_sum);
	tr->name = mesh_printf(&c->m->arena, "%s/%s tcp[%zu]",
			       vs->res->namespace, vs->res->name, rt->index);
	if (tr->dests == NULL || tr->name == NULL)
		return -ENOMEM;
	tr->matches = m;
	tr->n_matches = (uint32_t)kept;
	tr->n_dests = (uint32_t)rt->n_dests;
	return 0;
}

/*
 * A TCP port (plain, or TLS terminated first): the tcp routes of the
 * VirtualServices bound to its Gateways' TCP servers, in VirtualService
 * order, then route order; the first that matches a connection takes it.
 */
static int
build_tcp(struct mesh_ctx *c, struct gw_mesh_listener *l)
{
	const struct mesh_gateway **bound;
	struct mesh_vec out;
	size_t v, g, r, n_bound;
	int rc;

	l->protocol = GW_MESH_PROTO_TCP;
	rc = listener_servers(c, l);
	if (rc < 0)
		return rc;
	l->name = mesh_printf(&c->m->arena, "tcp.%u", l->port);
	bound = calloc(c->gateways.n + 1, sizeof(*bound));
	if (bound == NULL || l->name == NULL) {
		free(bound);
		return -ENOMEM;
	}
	mesh_vec_init(&out, sizeof(struct gw_mesh_tcp_route));
	for (v = 0; v < c->vss.n && rc == 0; v++) {
		const struct mesh_vs *vs = MESH_VEC_AT(&c->vss, struct mesh_vs,
						       v);

		n_bound = 0;
		for (g = 0; g < c->gateways.n; g++) {
			const struct mesh_gateway *gw = MESH_VEC_AT(
				&c->gateways, struct mesh_gateway, g);

			if (tcp_server_binds(vs, gw, l->port))
				bound[n_bound++] = gw;
		}
		for (r = 0; r < vs->n_tcp_routes && n_bound > 0 && rc == 0;
		     r++)
			rc = tcp_route_add(c, &out, vs, &vs->tcp_routes[r],
					   bound, n_bound, l->port);
	}
	if (rc == 0) {
		l->tcp_routes = vec_keep(c, &out, sizeof(struct gw_mesh_tcp_route), &rc);
		l->n_tcp_routes = rc == 0 ? (uint32_t)out.n : 0;
	}
	mesh_vec_free(&out);
	free(bound);
	return rc;
}

/* Add (sni, route r of vs) to a passthrough listener's routes unless the
 * pattern is routed already: the first VirtualService keeps it, as in
 * Istio, and a later one is told. */
static int
sni_route_add(struct mesh_ctx *c, struct mesh_vec *out, const char *sni,
	      const struct mesh_vs *vs, size_t r, uint16_t port)
{
	const struct mesh_tls_route *rt = &vs->tls_routes[r];
	struct gw_mesh_sni_route *sr;
	char *name;
	size_t i;

	name = mesh_printf(&c->m->arena, "%s/%s tls[%zu]", vs->res->namespace,
			   vs->res->name, rt->index);
	if (name == NULL)
		return -ENOMEM;
	for (i = 0; i < out->n; i++) {
		sr = MESH_VEC_AT(out, struct gw_mesh_sni_route, i);
		if (!mesh_host_eq(sr->sni, sni))
			continue;
		if (strcmp(sr->name, name) != 0)
			mesh_diag_res(c, vs->res, GW_MESH_WARNING, NULL,
				      "spec.tls[%zu]: SNI \"%s\" on port %u "
				      "is routed by %s already; this route "
				      "does not get it", rt->index, sni, port,
				      sr->name);
		return 0;
	}
	sr = mesh_vec_push(out);
	if (sr == NULL)
		return -ENOMEM;
	sr->dests = l4_dests_keep(c, rt->dests, rt->n_dests, &sr->weight_sum);
	sr->sni = mesh_strdup(&c->m->arena, sni);
	if (sr->dests == NULL || sr->sni == NULL)
		return -ENOMEM;
	sr->name = name;
	sr->n_dests = (uint32_t)rt->n_dests;
	return 0;
}

/* One SNI pattern of a tls route, narrowed against the hosts of the
 * bound Gateways' passthrough servers on port (a host "ns/..." only
 * admits VirtualServices of ns). */
static int
sni_narrowed(struct mesh_ctx *c, struct mesh_vec *out, const char *sni,
	     const struct mesh_vs *vs, size_t r,
	     const struct mesh_gateway *const *bound, size_t n_bound,
	     uint16_t port)
{
	size_t g, s, h;
	int rc;

	for (g = 0; g < n_bound; g++) {
		for (s = 0; s < bound[g]->n_servers; s++) {
			const struct mesh_server *sv = &bound[g]->servers[s];

			if (!sv->passthrough || sv->port != port)
				continue;
			for (h = 0; h < sv->n_hosts; h++) {
				const struct mesh_server_host *x =
					&sv->hosts[h];
				const char *d = narrower(sni, x->host);

				if (d == NULL || (strcmp(x->ns, "*") != 0 &&
				    strcmp(x->ns, vs->res->namespace) != 0))
					continue;
				rc = sni_route_add(c, out, d, vs, r, port);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

/*
 * A TLS passthrough port: the tls routes of the VirtualServices bound to
 * its Gateways, in VirtualService order, each SNI pattern narrowed
 * against the servers' hosts.
 */
static int
build_passthrough(struct mesh_ctx *c, struct gw_mesh_listener *l)
{
	const struct mesh_gateway **bound;
	struct mesh_vec out;
	size_t v, g, s, r, b, i, n_bound;
	int rc = 0;

	l->protocol = GW_MESH_PROTO_TLS;
	l->name = mesh_printf(&c->m->arena, "tls.%u", l->port);
	bound = calloc(c->gateways.n + 1, sizeof(*bound));
	if (bound == NULL || l->name == NULL) {
		free(bound);
		return -ENOMEM;
	}
	mesh_vec_init(&out, sizeof(struct gw_mesh_sni_route));
	for (v = 0; v < c->vss.n && rc == 0; v++) {
		const struct mesh_vs *vs = MESH_VEC_AT(&c->vss, struct mesh_vs,
						       v);

		n_bound = 0;
		for (g = 0; g < c->gateways.n; g++) {
			const struct mesh_gateway *gw = MESH_VEC_AT(
				&c->gateways, struct mesh_gateway, g);

			for (s = 0; s < gw->n_servers; s++) {
				if (gw->servers[s].passthrough &&
				    gw->servers[s].port == l->port &&
				    vs_binds(vs, gw)) {
					bound[n_bound++] = gw;
					break;
				}
			}
		}
		for (r = 0; r < vs->n_tls_routes && n_bound > 0; r++) {
			const struct mesh_tls_route *rt = &vs->tls_routes[r];

			for (b = 0; b < rt->n_matches && rc == 0; b++) {
				const struct mesh_tls_match *m =
					&rt->matches[b];

				if ((m->port != 0 && m->port != l->port) ||
				    !block_binds(&m->gws, bound, n_bound))
					continue;
				for (i = 0; i < m->n_sni && rc == 0; i++)
					rc = sni_narrowed(c, &out,
							  m->sni_hosts[i], vs,
							  r, bound, n_bound,
							  l->port);
			}
		}
	}
	if (rc == 0) {
		l->sni_routes = vec_keep(c, &out, sizeof(struct gw_mesh_sni_route), &rc);
		l->n_sni_routes = rc == 0 ? (uint32_t)out.n : 0;
	}
	mesh_vec_free(&out);
	free(bound);
	return rc;
}

static int
port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void
ports_conflicts(struct mesh_ctx *c)
{
	static const char *const kinds[] = {
		"", "HTTP", "HTTPS", "TLS passthrough", "TCP",
		"TLS terminated into TCP",
	};
	size_t g, s, g2, s2;

	for (g = 0; g < c->gateways.n; g++) {
		struct mesh_gateway *gw =
			MESH_VEC_AT(&c->gateways, struct mesh_gateway, g);

		for (s = 0; s < gw->n_servers; s++) {
			struct mesh_server *sv =
				(struct mesh_server *)&gw->servers[s];
			const struct mesh_server *first = NULL;

			if (server_kind(sv) == 0)
				continue;
			for (g2 = 0; g2 <= g && first == NULL; g2++) {
				const struct mesh_gateway *o = MESH_VEC_AT(
					&c->gateways, struct mesh_gateway, g2);

				for (s2 = 0; s2 < o->n_servers; s2++) {
					if (g2 == g && s2 == s)
						break;
					if (server_kind(&o->servers[s2]) != 0 &&
					    o->servers[s2].port == sv->port) {
						first = &o->servers[s2];
						break;
					}
				}
			}
			if (first == NULL || server_kind(first) ==
					     server_kind(sv))
				continue;
			mesh_diag_res(c, gw->res, GW_MESH_ERROR, NULL,
				      "spec.servers[%zu]: port %u already "
				      "serves %s; one port serves one of "
				      "HTTP, HTTPS, TLS passthrough, TCP and "
				      "TLS terminated into TCP (this server "
				      "is left out)", s, sv->port,
				      kinds[server_kind(first)]);
			sv->http = sv->https = sv->passthrough = false;
			sv->tcp = false;
		}
	}
}

/* The node of spec.l4.listeners[] whose port is port, for positions. */
static const struct gw_config_node *
l4_listener_node(const struct gw_config_resource *dp, uint16_t port)
{
	const struct gw_config_node *l4, *ls, *p;
	char want[8];
	size_t i;

	l4 = dp->spec != NULL ? gw_config_node_get(dp->spec, "l4") : NULL;
	ls = l4 != NULL ? gw_config_node_get(l4, "listeners") : NULL;
	if (ls == NULL || ls->type != GW_CONFIG_NODE_SEQ)
		return NULL;
	snprintf(want, sizeof(want), "%u", port);
	for (i = 0; i < ls->n; i++) {
		p = gw_config_node_get(ls->items[i], "port");
		if (p != NULL && p->type == GW_CONFIG_NODE_SCALAR &&
		    strcmp(p->str, want) == 0)
			return ls->items[i];
	}
	return NULL;
}

/* A full-NAT port of the Dataplane routes with the tcp routes of a plain
 * TCP Gateway server on it: say so on the Dataplane when there is none
 * (its flows are dropped), rather than only in the dataplane's log. */
static void
l4_ports_check(struct mesh_ctx *c)
{
	const struct gw_config_dataplane *dp = gw_config_dataplane(c->cfg);
	unsigned i;

	if (dp == NULL || dp->source == NULL)
		return;
	for (i = 0; i < dp->l4.n_listeners; i++) {
		uint16_t port = dp->l4.listeners[i].port;
		const struct gw_mesh_listener *l =
			gw_mesh_listener_lookup(c->m, port);
		const char *why;

		if (l != NULL && l->protocol == GW_MESH_PROTO_TCP &&
		    l->n_tls == 0)
			continue;
		why = l == NULL ? "no Gateway server declares it" :
		      l->protocol == GW_MESH_PROTO_TCP ?
		      "its Gateway server terminates TLS, which the full NAT "
		      "does not" : "its Gateway server is not protocol TCP";
		mesh_diag_res(c, dp->source, GW_MESH_WARNING,
			      l4_listener_node(dp->source, port),
			      "spec.l4.listeners: full-NAT port %u: %s; its "
			      "flows are dropped (nat_no_route)", port, why);
	}
}

int
mesh_build(struct mesh_ctx *c)
{
	uint16_t *ports;
	uint8_t *kind;
	size_t n = 0, g, s, v, i;
	int rc = 0;

	/* a VirtualService that binds to a Gateway nobody declared */
	for (v = 0; v < c->vss.n; v++) {
		const struct mesh_vs *vs = MESH_VEC_AT(&c->vss, struct mesh_vs,
						       v);

		for (i = 0; i < vs->n_gateways; i++) {
			for (g = 0; g < c->gateways.n; g++) {
				if (gw_named(MESH_VEC_AT(&c->gateways,
					     struct mesh_gateway, g),
					     vs->gateways[i]))
					break;
			}
			if (g == c->gateways.n)
				mesh_diag_res(c, vs->res, GW_MESH_WARNING, NULL,
					      "spec.gateways[%zu]: Gateway "
					      "\"%s\" does not exist (or was "
					      "rejected)", i, vs->gateways[i]);
		}
	}
	/* resolve destinations, then compile each VirtualService alone;
	 * rejected ones leave the list */
	for (v = 0; v < c->vss.n;) {
		struct mesh_vs *vs = MESH_VEC_AT(&c->vss, struct mesh_vs, v);

		rc = resolve_vs(c, vs);
		if (rc < 0)
			return rc;
		if (vs_compiles(c, vs)) {
			v++;
			continue;
		}
		if (c->nomem)
			return -ENOMEM;
		memmove(vs, vs + 1, (c->vss.n - v - 1) * sizeof(*vs));
		c->vss.n--;
	}
	/* every cluster exists now (they are made per route destination) */
	rc = mesh_bind_health_checks(c);
	if (rc < 0)
		return rc;
	/* one protocol per port: the first server's; later servers of the
	 * other one are errors on their Gateway and left out */
	ports_conflicts(c);
	/* listeners, by port */
	ports = calloc(65536, sizeof(*ports));
	kind = calloc(65536, sizeof(*kind));
	if (ports == NULL || kind == NULL) {
		free(ports);
		free(kind);
		return -ENOMEM;
	}
	for (g = 0; g < c->gateways.n; g++) {
		const struct mesh_gateway *gw =
			MESH_VEC_AT(&c->gateways, struct mesh_gateway, g);

		for (s = 0; s < gw->n_servers; s++) {
			if (server_kind(&gw->servers[s]) == 0)
				continue;
			for (i = 0; i < n; i++) {
				if (ports[i] == gw->servers[s].port)
					break;
			}
			if (i == n)
				ports[n++] = gw->servers[s].port;
			/* one kind per port (ports_conflicts()) */
			kind[gw->servers[s].port] =
				(uint8_t)server_kind(&gw->servers[s]);
		}
	}
	qsort(ports, n, sizeof(*ports), port_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		struct gw_mesh_listener *l;

		if (kind[ports[i]] <= 2) {
			rc = build_listener(c, ports[i]);
			continue;
		}
		l = mesh_vec_push(&c->m->listeners);
		if (l == NULL) {
			rc = -ENOMEM;
			break;
		}
		l->port = ports[i];
		rc = kind[ports[i]] == 3 ? build_passthrough(c, l) :
					   build_tcp(c, l);
	}
	free(kind);
	if (rc == 0)
		l4_ports_check(c);
	free(ports);
	return rc;
}
